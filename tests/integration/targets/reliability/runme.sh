#!/usr/bin/env bash
# The reliability and security suite (scenarios.yml, run by suite.py): faults on every call of every
# module, long-running operations that end badly, processes killed or restarted, concurrent runs, bad
# input to every option, and a search for secrets in every byte of output.
set -eu
workdir=$(mktemp -d)
trap 'rm -rf "$workdir"' EXIT
"${ANSIBLE_TEST_PYTHON_INTERPRETER:-python}" suite.py "$workdir"
