# One-command set-up and checks.  `make test` does everything from a fresh clone: a virtual
# environment with the pinned tools, the collection placed where ansible-test wants it, then sanity,
# units, integration (with headless Chromium), the docs site and its lint, lint and build.  `make demo` rehearses a DR
# run against the local emulator.  `make check` is the fast loop for daily work.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3.11
VENV := .venv
BIN := $(CURDIR)/$(VENV)/bin
# ansible-test needs the collection at .../ansible_collections/<namespace>/<name>.
COLLECTION_ROOT := $(CURDIR)/.build/ansible_collections/azure_dr/recovery
TEST_PYTHON := 3.11
ANSIBLE_TEST := cd $(COLLECTION_ROOT) && PATH=$(BIN):$$PATH $(BIN)/ansible-test

.PHONY: help check check-units check-integration check-lint test venv collection get-pip sanity units integration lint-collections lint build galaxy-import ee changelog test-compat emulator demo bench clean browser java docs-rst docs docs-lint

help:
	@echo "make test   - set up everything and run every check (what CI runs)"
	@echo "make check  - the fast loop for daily work: units (not the emulator's), dr_playbooks, ansible-lint"
	@echo "make units UNITS=<file or folder/> - only those unit tests"
	@echo "make integration TARGETS=<target>  - only that integration target, e.g. dr_playbooks"
	@echo "make demo   - rehearse a DR run against the local emulator"
	@echo "make docs   - the docs site (antsibull-docs), in .build/docs/build/html"
	@echo "make emulator - run the local emulator of Entra ID, ARM and Fabric (EMULATOR_PORT=8443)"
	@echo "make emulator PLAN=plans/<name>.yml - the same, seeded with the estate of that DR plan (docs/emulator.md)"
	@echo "make bench  - performance figures against the emulator, beside azure.azcollection (BENCH_RUNS=N)"
	@echo "make clean  - remove the virtual environment and build output"

# `make test`: the set-up once (the virtual environment, the build copy, get-pip, awx.awx for the lint, the browser and
# Java), then the stages (tests/utils/stages.py), each stage's output in .build/stages/<stage>.log, a line with its
# summary when it ends, a table of every stage's time at the end and the tail of a failed stage's log.  A stage runs
# as `make STAGED=1 <target>`, which does not make the set-up again; `+` joins targets that one make runs (docs-rst
# once for both).  Last, a check that nothing this run started is still running (tests end their servers and jobs).
# TEST_LANES: two lanes side by side (each quoted word a lane).  The integration targets spend much of their time
# waiting on the emulator's failovers and polls, so every other stage runs beside them, in the other lane (about as
# long on this 2-core machine, quiet: integration 770 s; the other lane 732 s, test-compat 496 of it); the compat's own
# CPU-bound phases (units, sanity) one release at a time (COMPAT_CPU_SLOTS=1) so that they leave the integration lane
# a core.  Nothing in the integration targets depends on the machine's speed (issue 25: the emulator's timed states
# are driven by counts and control calls; the live drill's soak is read from its report, not from the pause's output).
STARTED := $(shell date +%s)
TEST_LANES := 'integration' 'sanity units docs-lint+docs lint build galaxy-import ee test-compat'

test: venv collection get-pip lint-collections browser java
	COMPAT_CPU_SLOTS=$${COMPAT_CPU_SLOTS:-1} $(BIN)/python tests/utils/stages.py .build/stages $(STARTED) $(MAKE) $(TEST_LANES)
	$(BIN)/python tests/utils/check_no_leftovers.py $(BIN) $(STARTED)

# STAGED=1 (given by stages.py, on the command line only): the set-up is already made, leave it alone.
override STAGED := $(if $(filter command line,$(origin STAGED)),$(STAGED))
unless-staged = $(if $(STAGED),,$(1))

# The stamp is rebuilt whenever a requirements file changes.
$(VENV)/.installed: requirements.txt requirements-dev.txt
	@command -v $(PYTHON) >/dev/null || { echo "$(PYTHON) is required"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

venv: $(VENV)/.installed

# A copy (not a symlink: ansible-test resolves the real path) of exactly what git would commit:
# tracked files plus new files that are not ignored.  The copy gets a git repository of its own,
# because ansible-test lists files with git and would otherwise see this git-ignored folder as empty.
collection:
	rm -rf $(COLLECTION_ROOT)
	mkdir -p $(COLLECTION_ROOT)
	git ls-files -z --cached --others --exclude-standard \
		| tar --null --ignore-failed-read -T - -cf - 2>/dev/null | tar -xf - -C $(COLLECTION_ROOT)
	git -C $(COLLECTION_ROOT) init --quiet

get-pip: venv
	@$(BIN)/python tests/utils/provide_get_pip.py

sanity: $(call unless-staged,venv collection get-pip)
	$(ANSIBLE_TEST) sanity --python $(TEST_PYTHON) --color no

# Only some unit test files or folders (a folder ends in /), or some integration targets, given on the command
# line only, so that a variable of that name in the environment cannot narrow `make test`:
# make units UNITS=tests/unit/plugins/module_utils/test__lro.py, make integration TARGETS=dr_playbooks.
# (ansible-test takes files and folders, not test functions: README.md says how to run one.)
override UNITS := $(if $(filter command line,$(origin UNITS)),$(UNITS))
override TARGETS := $(if $(filter command line,$(origin TARGETS)),$(TARGETS))

units: $(call unless-staged,venv collection)
	$(ANSIBLE_TEST) units --python $(TEST_PYTHON) --color no $(UNITS)

# Every other ansible-core release that meta/runtime.yml claims, side by side (tests/compat/matrix.yml): units
# and the DR integration targets in a virtual environment of each, sanity on the newest too.
# RELEASES=2.16 (or several) runs only those.
COMPAT_DIR := $(CURDIR)/.build/compat

# (.venv/bin on PATH, after each release's own, so that check_no_leftovers sees what the releases start.)
test-compat: $(call unless-staged,venv collection)
	PATH=$(BIN):$$PATH $(BIN)/python tests/compat/run.py $(COLLECTION_ROOT) $(COMPAT_DIR) $(RELEASES)

integration: $(call unless-staged,venv collection browser java)
	@if ls tests/integration/targets/*/aliases >/dev/null 2>&1; then \
		$(ANSIBLE_TEST) integration --python $(TEST_PYTHON) --color no $(TARGETS); \
	else echo "integration: no integration targets yet (they arrive with the modules)"; fi

# awx.awx (for extensions/awx/configure_awx.yml) comes from the community package on PyPI: Galaxy is not
# reachable from the build machines.
LINT_COLLECTIONS := $(CURDIR)/$(VENV)/collections

lint-collections: venv
	@$(BIN)/python tests/utils/provide_collections.py $(LINT_COLLECTIONS) awx.awx

LINT := cd $(COLLECTION_ROOT) && ANSIBLE_COLLECTIONS_PATH=$(LINT_COLLECTIONS) PATH=$(BIN):$$PATH $(BIN)/ansible-lint --profile production

lint: $(call unless-staged,venv collection lint-collections)
	$(LINT)

# The fast loop for daily work (not what CI runs; no sanity, compat, docs or build), its three parts side by
# side, each part's output shown when it ends: the unit tests but the emulator's own (tests/unit/emulator/
# starts real HTTPS servers: 28 s on their own, the others 17 s), the DR integration target dr_playbooks (most
# of the time) and ansible-lint as `make lint`.  The check-* targets are its parts, on the build copy that
# `check` makes.
CHECK_UNITS = $(shell find tests/unit -name 'test_*.py' -not -path 'tests/unit/emulator/*' | sort)

check: venv collection lint-collections
	@$(MAKE) --no-print-directory -j3 --output-sync=target check-units check-integration check-lint

check-units:
	$(ANSIBLE_TEST) units --python $(TEST_PYTHON) --color no $(CHECK_UNITS)

check-integration:
	$(ANSIBLE_TEST) integration --python $(TEST_PYTHON) --color no dr_playbooks

check-lint:
	$(LINT)

build: $(call unless-staged,venv)
	rm -rf .build/dist && mkdir -p .build/dist
	$(BIN)/ansible-galaxy collection build --force --output-path .build/dist .
	$(BIN)/python tests/utils/check_tarball.py .build/dist/azure_dr-recovery-*.tar.gz

# Galaxy's import of the tarball just built, as on publishing but offline (tests/utils/galaxy-importer.cfg:
# ansible-doc and ansible-lint, no ansible-test); fails unless it imports with 0 warnings and 0 errors.
galaxy-import: $(call unless-staged,venv build)
	$(BIN)/python tests/utils/check_galaxy_import.py '.build/dist/azure_dr-recovery-*.tar.gz' .build/galaxy-import

# The execution environment's build context (ansible-builder create needs no container engine), and the
# check that it installs ansible-core, ansible-runner, the tarball just built and exactly its requirements.
EE_CONTEXT := .build/ee-context

ee: $(call unless-staged,venv build)
	rm -rf $(EE_CONTEXT)
	$(BIN)/ansible-builder create -f extensions/ee/execution-environment.yml -c $(EE_CONTEXT) --output-filename Containerfile
	$(BIN)/python tests/utils/check_ee.py $(EE_CONTEXT)

# The docs site, built as Ansible's own collection docs are (antsibull-docs): the module, plugin and role pages
# from their docs and argument specs, and the guides docs/*.md as extra docs (docs/docsite/extra-docs.yml).
# antsibull-docs takes only RST as extra docs: tests/utils/docsite.py writes the Markdown as RST into a copy of
# the checkout of the docs' own (.build/docs-tree: not the build copy, which sanity and test-compat read, also when
# stages run side by side), so that docs/*.md stays the only source.  Sphinx fails on any warning (-W, in build.sh as
# sphinx-init writes it); offline, references to Ansible's docs resolve through fallback inventories (docsite.py).
DOCS_DIR := $(CURDIR)/.build/docs
DOCS_TREE := $(CURDIR)/.build/docs-tree
DOCS_ROOT := $(DOCS_TREE)/ansible_collections/azure_dr/recovery
DOCS_ENV := ANSIBLE_COLLECTIONS_PATH=$(DOCS_TREE) PATH=$(BIN):$$PATH

docs-rst: $(call unless-staged,venv)
	rm -rf $(DOCS_TREE)
	mkdir -p $(DOCS_ROOT)
	git ls-files -z --cached --others --exclude-standard \
		| tar --null --ignore-failed-read -T - -cf - 2>/dev/null | tar -xf - -C $(DOCS_ROOT)
	$(BIN)/python tests/utils/docsite.py rst $(DOCS_ROOT)

docs: docs-rst
	rm -rf $(DOCS_DIR) && mkdir -m 755 $(DOCS_DIR)
	$(DOCS_ENV) $(BIN)/antsibull-docs sphinx-init --use-current --fail-on-error --dest-dir $(DOCS_DIR) azure_dr.recovery
	$(BIN)/python tests/utils/docsite.py inventories $(DOCS_DIR)
	$(DOCS_ENV) $(DOCS_DIR)/build.sh
	@echo "docs: $(DOCS_DIR)/build/html/index.html"

# antsibull-docs' lint of what the site is built from: plugin docs and role argument specs (semantic markup,
# references), the extra docs (labels, toctrees, rstcheck) and links.yml.
docs-lint: docs-rst
	cd $(DOCS_ROOT) && $(DOCS_ENV) $(BIN)/antsibull-docs lint-collection-docs --plugin-docs .

changelog: venv
	$(BIN)/antsibull-changelog lint

EMULATOR_PORT ?= 8443
EMULATOR_DIR ?= .emulator
# make emulator PLAN=plans/contoso-prod.yml: the estate of that DR plan (docs/emulator.md), its state kept apart from the
# demo's, one CA for both. PLAN from the command line only (as UNITS).
override PLAN := $(if $(filter command line,$(origin PLAN)),$(PLAN))

emulator: venv
	mkdir -p $(EMULATOR_DIR)
	PYTHONPATH=tests $(BIN)/python -m azure_dr_emulator --port $(EMULATOR_PORT) --tls-dir $(EMULATOR_DIR)/tls \
		$(if $(PLAN),--plan $(PLAN) --state $(EMULATOR_DIR)/plan-state.json,--state $(EMULATOR_DIR)/state.json)

# make demo installs only what it runs: ansible-core (the release of requirements-dev.txt), requirements.txt and the
# emulator's TLS (trustme), in .venv-demo; or it uses .venv when `make test` or `make check` made it.  The venv gets
# no pip of its own when $(PYTHON)'s pip can install into it (pip --python, pip 22.3 and later), and pip compiles
# none of what it installs (--no-compile: Python compiles what the demo imports, once): together about 10 s less.
DEMO_VENV := $(if $(wildcard $(VENV)/.installed),$(VENV),.venv-demo)
DEMO_PINS = $(shell grep -E '^(ansible-core|trustme)==' requirements-dev.txt)
DEMO_PIP := install --quiet --disable-pip-version-check --no-compile

.venv-demo/.installed: requirements.txt requirements-dev.txt
	@command -v $(PYTHON) >/dev/null || { echo "$(PYTHON) is required"; exit 1; }
	rm -rf .venv-demo
	$(PYTHON) -m venv --without-pip .venv-demo
	if $(PYTHON) -m pip --python .venv-demo/bin/python --version >/dev/null 2>&1; then \
		$(PYTHON) -m pip --python .venv-demo/bin/python $(DEMO_PIP) $(DEMO_PINS) -r requirements.txt; \
	else .venv-demo/bin/python -m ensurepip --default-pip >/dev/null && \
		.venv-demo/bin/python -m pip $(DEMO_PIP) $(DEMO_PINS) -r requirements.txt; fi
	touch $@

DEMO_STARTED_MS := $(shell date +%s%3N)

demo: $(DEMO_VENV)/.installed
	DEMO_BIN=$(CURDIR)/$(DEMO_VENV)/bin DEMO_STARTED_MS=$(DEMO_STARTED_MS) bash tests/utils/demo.sh

# Not part of `make test`: five performance figures against the emulator, the module cost side by side
# with azure.azcollection (benchmarks/README.md). BENCH_DIR is outside the checkout on purpose (a
# collection build packs every file of the checkout that build_ignore does not name).
BENCH_RUNS ?=
BENCH_DIR ?= $(HOME)/.cache/azure_dr.recovery/bench

bench: venv
	BENCH_RUNS=$(BENCH_RUNS) BENCH_DIR=$(BENCH_DIR) $(BIN)/python benchmarks/bench.py

# Headless Chromium from Debian's packages, for the report pages' browser check (tests/utils/check_report_pages.py
# drives it through Playwright: Playwright's own browser download is not reachable).  Without recommends it is
# about 25 packages instead of 130; of the recommends only fonts-liberation is wanted (Arial/Helvetica metrics),
# and DejaVu is named so that text renders even where fontconfig came without it.
browser:
	@test -x /usr/bin/chromium || { \
		sudo=$$([ "$$(id -u)" = 0 ] || echo sudo); \
		echo "browser: installing Debian's chromium"; \
		$$sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq; \
		$$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
			chromium fonts-liberation fonts-dejavu-core >/dev/null; }

# Java 17 from Debian's packages, for ansible-rulebook (its rule engine, drools-jpy, runs in a JVM): the eda_rulebook
# integration target runs the real ansible-rulebook against the emulator. Only when no java is on PATH.
java:
	@command -v java >/dev/null || { \
		sudo=$$([ "$$(id -u)" = 0 ] || echo sudo); \
		echo "java: installing Debian's openjdk-17-jre-headless"; \
		$$sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq; \
		$$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
			openjdk-17-jre-headless >/dev/null; }

clean:
	rm -rf $(VENV) .venv-demo .build tests/output $(EMULATOR_DIR) .demo
