#!/usr/bin/env python
# Copyright: contributors to the azure_dr.recovery collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Import the built collection tarball with galaxy-importer, as Galaxy does on publishing, offline, and
fail unless it imports with 0 warnings and 0 errors.

    check_galaxy_import.py TARBALL [WORK_DIR]

Run with the Python of the virtual environment that holds galaxy-importer, ansible-core and ansible-lint
(requirements-dev.txt): the importer runs ``ansible-doc`` and ``ansible-lint`` by name, so that
environment's ``bin`` comes first on PATH.  The configuration is tests/utils/galaxy-importer.cfg; its
temporary directories, the importer's result (``importer_result.json``) and its log (``importer.log``)
go to WORK_DIR (default .build/galaxy-import, emptied first).

Offline: ansible-test is off, ansible-lint runs with ``--offline``, and every proxy variable points at a
closed port, so that any attempt to reach the network fails (and shows) instead of passing quietly.

The importer logs each finding at WARNING or ERROR level on stdout (``WARNING: ...``, ``ERROR: ...``),
ansible-lint's violations among them; anything on stderr, a non-zero exit or a missing result is a
failure too."""

from __future__ import annotations

import glob
import json
import os
import re
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
CONFIG = os.path.join(HERE, 'galaxy-importer.cfg')
FINDING = re.compile(r'^(WARNING|ERROR|CRITICAL): ')
CLOSED_PROXY = 'http://127.0.0.1:9'


def tarball(pattern):
    found = sorted(glob.glob(pattern))
    if len(found) != 1:
        raise SystemExit('expected exactly one tarball for %s, found %s (run make build first)'
                         % (pattern, found or 'none'))
    return os.path.abspath(found[0])


def environment(work):
    env = dict(os.environ)
    # Nothing from the caller's Ansible set-up: the importer gives ansible-doc and ansible-lint their
    # collections path (the extracted tarball only), as Galaxy does.
    for name in list(env):
        if name.startswith(('ANSIBLE_', 'GALAXY_IMPORTER_')) or name.lower() in (
                'http_proxy', 'https_proxy', 'all_proxy', 'no_proxy'):
            del env[name]
    env.update({
        'GALAXY_IMPORTER_CONFIG': CONFIG,
        # Absolute paths: the importer runs ansible-lint in the extracted collection, and a relative
        # XDG_CACHE_HOME would put ansible-lint's cache inside what it lints.
        'GALAXY_IMPORTER_ANSIBLE_LOCAL_TMP': os.path.join(work, 'ansible-tmp'),
        'GALAXY_IMPORTER_TMP_ROOT_DIR': os.path.join(work, 'tmp'),
        'PATH': os.path.dirname(sys.executable) + os.pathsep + env.get('PATH', ''),
        'HTTP_PROXY': CLOSED_PROXY, 'HTTPS_PROXY': CLOSED_PROXY, 'ALL_PROXY': CLOSED_PROXY,
        'http_proxy': CLOSED_PROXY, 'https_proxy': CLOSED_PROXY, 'all_proxy': CLOSED_PROXY,
        'PIP_NO_INDEX': '1',
    })
    return env


def main(argv):
    if not 1 <= len(argv) <= 2:
        raise SystemExit(__doc__)
    path = tarball(argv[0])
    work = os.path.abspath(argv[1] if len(argv) > 1 else os.path.join('.build', 'galaxy-import'))
    shutil.rmtree(work, ignore_errors=True)
    for folder in ('ansible-tmp', 'tmp'):
        os.makedirs(os.path.join(work, folder))

    proc = subprocess.run([sys.executable, '-m', 'galaxy_importer.main', path], cwd=work, env=environment(work),
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, check=False)
    with open(os.path.join(work, 'importer.log'), 'w') as handle:
        handle.write(proc.stdout)
        if proc.stderr:
            handle.write('--- stderr\n' + proc.stderr)

    lines = proc.stdout.splitlines()
    findings = [line for line in lines if FINDING.match(line)]
    warnings = [line for line in findings if line.startswith('WARNING: ')]
    errors = [line for line in findings if not line.startswith('WARNING: ')]
    errors += ['stderr: %s' % line for line in proc.stderr.splitlines() if line.strip()]
    if proc.returncode != 0:
        errors.append('galaxy-importer exited with %d' % proc.returncode)
    if 'Importer processing completed successfully' not in lines:
        errors.append('galaxy-importer did not complete the import')
    if not any(line.startswith('Linting collection via ansible-lint') for line in lines):
        errors.append('galaxy-importer did not run ansible-lint')

    result = os.path.join(work, 'importer_result.json')
    contents = []
    if os.path.exists(result):
        with open(result) as handle:
            data = json.load(handle)
        contents = data.get('contents') or []
    elif not errors:
        errors.append('galaxy-importer wrote no %s' % result)

    version = lines[0].rsplit(' ', 1)[-1] if lines and lines[0].startswith('Importing with galaxy-importer') else '?'
    for line in warnings + errors:
        print(line)
    print('galaxy-importer %s: %s: %d content items, %d warnings, %d errors (log: %s)'
          % (version, os.path.basename(path), len(contents), len(warnings), len(errors),
             os.path.relpath(os.path.join(work, 'importer.log'))))
    if warnings or errors:
        sys.exit(1)


if __name__ == '__main__':
    main(sys.argv[1:])
