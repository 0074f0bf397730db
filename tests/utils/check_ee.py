# -*- coding: utf-8 -*-
# Copyright: contributors to the azure_dr.recovery collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Check the execution environment's build context that ``ansible-builder create`` wrote.

``make ee`` runs ``make build``, then ``ansible-builder create -f extensions/ee/execution-environment.yml
-c .build/ee-context``, then this script with the dev venv's Python.  No container engine and no
network: the steps of the image's build that decide what goes in are replayed on the context's own files.

* The context holds its Containerfile, the galaxy requirements and ansible-builder's scripts.
* The base stage installs ansible-core within the collection's range (meta/runtime.yml) and with an
  upper bound, and ansible-runner; both ranges admit the versions the tests run; the final stage
  checks both.
* The ansible-core range accepts every release of every minor from requires_ansible's (2.16) through
  NEWEST_ANSIBLE_CORE (2.21), and rejects the next minor (2.22, its pre-releases too); the EE's Python
  (python_path, python3.X) is one that every accepted minor runs on as a controller (CONTROLLER_PYTHONS).
* The context carries the tarball ``make build`` just wrote (same bytes), and the galaxy requirements
  install that tarball and nothing else.
* The Containerfile's galaxy step installs the collection into a temporary folder (offline), then its
  introspection step runs there with the context's own copy of ansible-builder's introspect.py: the
  Python requirements must be exactly those of requirements.txt, the system ones those of bindep.txt.
"""

import argparse
import glob
import hashlib
import importlib.util
import json
import os
import re
import shlex
import subprocess
import sys
import tarfile
import tempfile
from importlib.metadata import version as installed_version

import yaml
from packaging.requirements import InvalidRequirement, Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCRIPTS = ('assemble', 'check_ansible', 'check_galaxy', 'entrypoint', 'install-from-bindep', 'introspect.py',
           'pip_install')
ANNOTATION = re.compile(r'^(?P<line>.*?)\s+# from collection (?P<source>\S+)$')
COMMENT = re.compile(r'(^|\s+)#.*$')
LOWER_OPS = ('>=', '>', '==', '~=', '===')
UPPER_OPS = ('<', '<=', '==', '~=', '===')
# The newest ansible-core minor the EE accepts; the next one must be rejected.  The oldest is that of
# meta/runtime.yml requires_ansible.  Raise it with CONTROLLER_PYTHONS and the EE definition's range.
NEWEST_ANSIBLE_CORE = '2.21'
# The Python versions each ansible-core minor runs on as a controller: its wheel's Requires-Python and
# "Programming Language :: Python :: 3.X" classifiers (PyPI).  3.12 is the only one common to 2.16-2.21.
CONTROLLER_PYTHONS = {
    '2.16': ('3.10', '3.11', '3.12'),
    '2.17': ('3.10', '3.11', '3.12'),
    '2.18': ('3.11', '3.12', '3.13'),
    '2.19': ('3.11', '3.12', '3.13'),
    '2.20': ('3.12', '3.13', '3.14'),
    '2.21': ('3.12', '3.13', '3.14'),
}
# A patch number past any release: "every release of 2.X" is checked as 2.X.0 and 2.X.<this>.
LAST_PATCH = 999
# Where the Containerfile's steps put things, and what stands for them here.
IMAGE_SCRIPTS = '/output/scripts/'
IMAGE_SRC = '/tmp/src/'


class CheckFailed(Exception):
    """A problem after which the remaining checks cannot run."""


def read_lines(path):
    """Requirement lines of a pip or bindep file: no blank lines, no comments."""
    with open(path, encoding='utf-8') as handle:
        lines = [COMMENT.sub('', line).strip() for line in handle]
    return [line for line in lines if line]


def read_yaml(path):
    with open(path, encoding='utf-8') as handle:
        return yaml.safe_load(handle)


def sha256(path):
    digest = hashlib.sha256()
    with open(path, 'rb') as handle:
        for block in iter(lambda: handle.read(1 << 16), b''):
            digest.update(block)
    return digest.hexdigest()


def bound(spec, ops):
    """The highest version named by the clauses of ``spec`` with one of ``ops``, or None."""
    found = []
    for clause in spec:
        if clause.operator in ops:
            try:
                found.append(Version(clause.version.replace('.*', '')))
            except InvalidVersion:
                continue
    return max(found) if found else None


def minors(first, last):
    """The minor versions ``first`` through ``last`` ('2.16', '2.17', ...), and the one after ``last``."""
    first, last = Version(first), Version(last)
    if first.major != last.major:
        raise CheckFailed('ansible-core minors from %s to %s cross a major version' % (first, last))
    names = ['%d.%d' % (first.major, minor) for minor in range(first.minor, last.minor + 1)]
    return names, '%d.%d' % (last.major, last.minor + 1)


def requirement_key(req):
    """What makes two pip requirements the same: name, extras, specifiers and marker."""
    return (canonicalize_name(req.name), tuple(sorted(req.extras)), str(req.specifier), str(req.marker or ''))


def parse_containerfile(path):
    """ARG defaults of the Containerfile, and its RUN commands as (stage, command) pairs."""
    args, runs, stage = {}, [], None
    with open(path, encoding='utf-8') as handle:
        for line in handle:
            line = line.strip()
            match = re.match(r'^ARG (\w+)="(.*)"$', line)
            if match:
                args.setdefault(match.group(1), match.group(2))
            match = re.match(r'^FROM \S+ AS (\S+)$', line)
            if match:
                stage = match.group(1)
            if line.startswith('RUN '):
                runs.append((stage, line[4:]))
    return args, runs


def find_run(runs, stage, needle):
    commands = [command for where, command in runs if where == stage and needle in command]
    if len(commands) != 1:
        raise CheckFailed('Containerfile: expected one step with %r in its %s stage, found %d'
                          % (needle, stage, len(commands)))
    return commands[0]


def expand(tokens, args):
    """Replace ``$ARG`` tokens with the ARG's default, split as the shell would."""
    out = []
    for token in tokens:
        if token.startswith('$') and token[1:] in args:
            out.extend(shlex.split(args[token[1:]]))
        else:
            out.append(token)
    return out


class Checker:
    def __init__(self, context, dist, root):
        self.context = os.path.abspath(context)
        self.build = os.path.join(self.context, '_build')
        self.dist = os.path.abspath(dist)
        self.root = os.path.abspath(root)
        self.problems = []
        self.facts = {}
        self.fqcn = None

    def problem(self, message):
        self.problems.append(message)

    # -- the context ------------------------------------------------------------------------------------

    def check_layout(self):
        missing = [os.path.join(self.context, name) for name in ('Containerfile', '_build/requirements.yml')]
        missing += [os.path.join(self.build, 'scripts', name) for name in SCRIPTS]
        missing = [path for path in missing if not os.path.isfile(path)]
        if missing:
            raise CheckFailed('the build context lacks %s (did `ansible-builder create ... --output-filename '
                              'Containerfile` run?)' % ', '.join(missing))

    # -- ansible-core, ansible-runner, the interpreter ---------------------------------------------------

    def check_containerfile(self, args, runs):
        refs = {}
        for token in shlex.split(args.get('ANSIBLE_INSTALL_REFS', '')):
            try:
                refs[canonicalize_name(Requirement(token).name)] = token
            except InvalidRequirement:
                self.problem('ansible_core/ansible_runner: %r is not a pip requirement' % token)
        installs = [command for stage, command in runs
                    if stage == 'base' and 'pip install' in command and '$ANSIBLE_INSTALL_REFS' in command]
        if not installs:
            self.problem('Containerfile: the base stage does not pip install ansible-core and ansible-runner')
        if not any(stage == 'final' and 'check_ansible' in command for stage, command in runs):
            self.problem('Containerfile: the final stage does not check ansible and ansible-runner '
                         '(options.skip_ansible_check must stay false)')

        runtime = read_yaml(os.path.join(self.root, 'meta', 'runtime.yml'))
        supported = SpecifierSet(runtime['requires_ansible'])
        core_spec = None
        for name, tested_with in (('ansible-core', installed_version('ansible-core')),
                                  ('ansible-runner', installed_version('ansible-runner'))):
            token = refs.get(name)
            if token is None:
                self.problem('Containerfile: %s is not installed (dependencies.%s.package_pip)'
                             % (name, name.replace('-', '_')))
                continue
            self.facts[name] = token
            spec = Requirement(token).specifier
            if bound(spec, UPPER_OPS) is None:
                self.problem('%s: %r has no upper bound: an untested release could come in' % (name, token))
            if not spec.contains(tested_with, prereleases=True):
                self.problem('%s: %r excludes %s, the version the tests run (requirements-dev.txt)'
                             % (name, token, tested_with))
            if name == 'ansible-core':
                lowest, supported_lowest = bound(spec, LOWER_OPS), bound(supported, LOWER_OPS)
                if lowest is None or (supported_lowest is not None and lowest < supported_lowest):
                    self.problem('ansible-core: %r admits releases older than meta/runtime.yml requires_ansible '
                                 '%r' % (token, str(supported)))
                core_spec = spec

        pycmd, pypkg = args.get('PYCMD', ''), args.get('PYPKG')
        self.facts['python'] = pycmd
        if pypkg is not None and os.path.basename(pycmd) not in shlex.split(pypkg):
            self.problem('python_interpreter: python_path %s is not what package_system %r installs'
                         % (pycmd, pypkg))
        self.facts['image'] = args.get('EE_BASE_IMAGE', '?')
        if core_spec is not None:
            self.check_core_range(refs['ansible-core'], core_spec, supported, pycmd)

    def check_core_range(self, token, spec, supported, pycmd):
        """Every ansible-core from requires_ansible's minor through NEWEST_ANSIBLE_CORE, not the next, on a
        Python that all of them run on."""
        oldest = bound(supported, LOWER_OPS)
        if oldest is None:
            self.problem('meta/runtime.yml: requires_ansible %r has no lower bound' % str(supported))
            return
        accepted, excluded = minors('%d.%d' % (oldest.major, oldest.minor), NEWEST_ANSIBLE_CORE)
        wanted = '%s through %s' % (accepted[0], accepted[-1])
        for minor in accepted:
            refused = [release for release in ('%s.0' % minor, '%s.%d' % (minor, LAST_PATCH))
                       if not spec.contains(release, prereleases=True)]
            if refused:
                self.problem('ansible-core: %r rejects %s (%s): the EE must accept every ansible-core from %s'
                             % (token, minor, ', '.join(refused), wanted))
        admitted = [release for release in ('%s.0' % excluded, '%s.0rc1' % excluded, '%s.0b1' % excluded)
                    if spec.contains(release, prereleases=True)]
        if admitted:
            self.problem('ansible-core: %r admits %s (%s), newer than %s, the newest minor the EE accepts '
                         '(NEWEST_ANSIBLE_CORE)' % (token, excluded, ', '.join(admitted), NEWEST_ANSIBLE_CORE))
        self.facts['ansible-core'] = '%s (accepts %s, rejects %s)' % (token, wanted, excluded)

        match = re.search(r'python(\d+\.\d+)$', os.path.basename(pycmd))
        if not match:
            self.problem('python_interpreter: python_path %r does not name its version (python3.X): the check '
                         'cannot tell that it runs ansible-core %s' % (pycmd, wanted))
            return
        python = match.group(1)
        for minor in accepted:
            runs_on = CONTROLLER_PYTHONS.get(minor)
            if runs_on is None:
                self.problem('check_ee.py: CONTROLLER_PYTHONS does not say which Python ansible-core %s runs on'
                             % minor)
            elif python not in runs_on:
                self.problem('python_interpreter: Python %s (%s) cannot run ansible-core %s, which runs on %s'
                             % (python, pycmd, minor, ', '.join(runs_on)))

    # -- the collection tarball -------------------------------------------------------------------------

    def check_tarball(self):
        galaxy = read_yaml(os.path.join(self.root, 'galaxy.yml'))
        self.fqcn = '%s.%s' % (galaxy['namespace'], galaxy['name'])
        self.facts['collection'] = '%s %s' % (self.fqcn, galaxy['version'])
        expected = '%s-%s-%s.tar.gz' % (galaxy['namespace'], galaxy['name'], galaxy['version'])
        built = sorted(glob.glob(os.path.join(self.dist, '%s-%s-*.tar.gz' % (galaxy['namespace'], galaxy['name']))))
        if [os.path.basename(path) for path in built] != [expected]:
            raise CheckFailed('%s should hold exactly %s (run `make build`), it holds %s'
                              % (self.dist, expected, [os.path.basename(path) for path in built] or 'nothing'))
        carried = sorted(os.path.relpath(os.path.join(folder, name), self.build)
                         for folder, _dirs, names in os.walk(self.build) for name in names if name.endswith('.tar.gz'))
        if [os.path.basename(path) for path in carried] != [expected]:
            raise CheckFailed('the build context should carry exactly %s, it carries %s: the names in '
                              'extensions/ee/execution-environment.yml (additional_build_files, galaxy) must '
                              'follow galaxy.yml version %s' % (expected, carried or 'no tarball', galaxy['version']))
        carried = carried[0]
        digest = sha256(os.path.join(self.build, carried))
        if digest != sha256(built[0]):
            self.problem('the tarball in the build context is not the one `make build` just wrote to %s' % built[0])
        self.facts['sha256'] = digest[:12]
        with tarfile.open(built[0]) as archive:
            leaked = [name for name in archive.getnames() if name.lstrip('./').startswith('extensions/ee')]
        if leaked:
            self.problem('the collection tarball carries the EE definition (galaxy.yml build_ignore): %s' % leaked[0])

        requirements = read_yaml(os.path.join(self.build, 'requirements.yml')) or {}
        collections = requirements.get('collections') or []
        if requirements.get('roles'):
            self.problem('galaxy requirements: the EE should install no roles, found %s' % requirements['roles'])
        entries = [entry for entry in collections if isinstance(entry, dict)]
        if len(collections) != 1 or len(entries) != 1:
            self.problem('galaxy requirements: expected one collection entry (the tarball), found %s' % collections)
        elif entries[0].get('type') != 'file' or os.path.normpath(entries[0].get('name', '')) != carried:
            self.problem('galaxy requirements: %s should be {name: %s, type: file} (relative to /build, where the '
                         'image build runs ansible-galaxy)' % (entries[0], carried))
        return galaxy

    # -- the build's galaxy and introspection steps, replayed ---------------------------------------------

    def install_collection(self, args, runs, tmp, galaxy):
        tokens = expand(shlex.split(find_run(runs, 'galaxy', 'ansible-galaxy collection install')), args)
        env = dict(os.environ, ANSIBLE_HOME=os.path.join(tmp, 'home'), ANSIBLE_NOCOLOR='1',
                   ANSIBLE_COLLECTIONS_PATH=os.path.join(tmp, 'collections'))
        while tokens and re.match(r'^\w+=', tokens[0]):
            key, value = tokens.pop(0).split('=', 1)
            env[key] = value
        for option in ('--collections-path', '-p'):
            if option in tokens:
                tokens[tokens.index(option) + 1] = os.path.join(tmp, 'collections')
        tokens[0] = os.path.join(os.path.dirname(sys.executable), 'ansible-galaxy')
        if '--offline' not in tokens:
            tokens.append('--offline')  # this check never goes to a Galaxy server
        result = subprocess.run(tokens, cwd=self.build, env=env, capture_output=True, text=True, timeout=300,
                                check=False)
        if result.returncode:
            raise CheckFailed('the galaxy step failed (%s):\n%s%s' % (' '.join(tokens), result.stdout, result.stderr))
        top = os.path.join(tmp, 'collections', 'ansible_collections')
        installed = {}
        for namespace in sorted(os.listdir(top)):
            for name in sorted(os.listdir(os.path.join(top, namespace))):
                with open(os.path.join(top, namespace, name, 'MANIFEST.json'), encoding='utf-8') as handle:
                    installed['%s.%s' % (namespace, name)] = json.load(handle)['collection_info']['version']
        wanted = {self.fqcn: galaxy['version']}
        if installed != wanted:
            self.problem('the galaxy step installs %s, expected exactly %s' % (installed, wanted))

    def introspect(self, runs, tmp):
        tokens = shlex.split(find_run(runs, 'builder', 'introspect.py introspect'))
        script = tokens[1]
        if tokens[0] != '$PYCMD' or not script.startswith(IMAGE_SCRIPTS) or tokens[2] != 'introspect':
            raise CheckFailed('Containerfile: unexpected introspection step %r' % ' '.join(tokens))
        argv = [sys.executable, os.path.join(self.build, 'scripts', script[len(IMAGE_SCRIPTS):]), 'introspect']
        argv += [token.replace('=' + IMAGE_SRC, '=' + os.path.join(tmp, 'src') + os.sep)
                 for token in tokens[3:] if token.startswith('--')]
        argv.append(os.path.join(tmp, 'collections'))  # in the image: the default, /usr/share/ansible/collections
        # In the image the step runs in /build, where the context's requirement files are copied.
        result = subprocess.run(argv, cwd=self.build, capture_output=True, text=True, timeout=120, check=False)
        if result.returncode:
            raise CheckFailed('the introspection step failed (%s):\n%s%s'
                              % (' '.join(argv), result.stdout, result.stderr))
        # introspect.py writes a file only when it has lines for it.
        written = {}
        for kind in ('requirements.txt', 'bindep.txt'):
            path = os.path.join(tmp, 'src', kind)
            written[kind] = []
            if os.path.exists(path):
                with open(path, encoding='utf-8') as handle:
                    written[kind] = [line.rstrip('\n') for line in handle if line.strip()]
        return written

    def check_python(self, lines, dropped):
        expected = {}
        for line in read_lines(os.path.join(self.root, 'requirements.txt')):
            req = Requirement(line)
            if canonicalize_name(req.name) in dropped:
                self.problem('requirements.txt: %s is dropped by ansible-builder\'s introspection, the EE '
                             'would not get it (ansible-core comes from the EE definition)' % line)
                continue
            expected[canonicalize_name(req.name)] = req
        got = {}
        for line in lines:
            match = ANNOTATION.match(line)
            source = match.group('source') if match else 'nowhere known'
            if source == 'user':
                source = 'the EE definition (dependencies.python)'
            text = match.group('line') if match else line
            try:
                req = Requirement(text)
            except InvalidRequirement:
                self.problem('introspection: %r (from %s) is not a pip requirement' % (text, source))
                continue
            name = canonicalize_name(req.name)
            if name in ('ansible-core', 'ansible', 'ansible-base'):
                self.problem('introspection: %s (from %s): ansible-core must come from dependencies.ansible_core '
                             'only' % (text, source))
            elif name in got:
                self.problem('introspection: %s is required twice (%s and %s)' % (name, got[name], text))
            elif source != self.fqcn:
                self.problem('introspection: %s comes from %s, not from the collection' % (text, source))
            got.setdefault(name, req)
        for name in sorted(set(expected) - set(got)):
            self.problem('introspection: %s (requirements.txt) would not be installed' % expected[name])
        for name in sorted(set(got) - set(expected)):
            self.problem('introspection: %s would be installed but is not in requirements.txt' % got[name])
        for name in sorted(set(got) & set(expected)):
            if requirement_key(got[name]) != requirement_key(expected[name]):
                self.problem('introspection: %s would be installed, requirements.txt says %s' % (got[name], expected[name]))
        self.facts['python_requirements'] = ', '.join(str(req) for req in got.values()) or 'none'

    def check_system(self, lines):
        expected = sorted(read_lines(os.path.join(self.root, 'bindep.txt')))
        got = sorted(ANNOTATION.sub(r'\g<line>', line).strip() for line in lines)
        if got != expected:
            self.problem('introspection: system requirements %s, bindep.txt says %s' % (got or 'none', expected or 'none'))
        self.facts['system_requirements'] = ', '.join(got) or 'none'

    def run(self):
        self.check_layout()
        args, runs = parse_containerfile(os.path.join(self.context, 'Containerfile'))
        self.check_containerfile(args, runs)
        galaxy = self.check_tarball()
        spec = importlib.util.spec_from_file_location('ee_introspect', os.path.join(self.build, 'scripts', 'introspect.py'))
        introspect = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(introspect)
        dropped = {canonicalize_name(name) for name in introspect.EXCLUDE_REQUIREMENTS}
        with tempfile.TemporaryDirectory(prefix='check-ee-') as tmp:
            self.install_collection(args, runs, tmp, galaxy)
            written = self.introspect(runs, tmp)
        self.check_python(written['requirements.txt'], dropped)
        self.check_system(written['bindep.txt'])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n', 1)[0])
    parser.add_argument('context', help='the folder `ansible-builder create -c` wrote')
    parser.add_argument('--dist', default=os.path.join(ROOT, '.build', 'dist'), help='where `make build` writes')
    parser.add_argument('--root', default=ROOT, help='the collection root (galaxy.yml, requirements.txt...)')
    options = parser.parse_args(argv)
    checker = Checker(options.context, options.dist, options.root)
    try:
        checker.run()
    except CheckFailed as exc:
        checker.problem(str(exc))
    if checker.problems:
        for message in checker.problems:
            print('ee: FAIL: %s' % message)
        print('ee: %d problem(s) with the execution environment in %s' % (len(checker.problems), options.context))
        return 1
    facts = checker.facts
    print('ee: OK: %s + %s, %s, %s, %s (the tarball just built, sha256 %s); Python requirements = '
          'requirements.txt (%s); system requirements = bindep.txt (%s)'
          % (facts['image'], facts['python'], facts['ansible-core'], facts['ansible-runner'], facts['collection'],
             facts['sha256'], facts['python_requirements'], facts['system_requirements']))
    return 0


if __name__ == '__main__':
    sys.exit(main())
