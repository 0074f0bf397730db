# -*- coding: utf-8 -*-
# Copyright: contributors to the azure_dr.recovery collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Fail when the built collection tarball holds anything that is not product."""

import sys
import tarfile

FORBIDDEN_PARTS = ('.venv', '.venv-demo', '.build', '__pycache__', '.pytest_cache', '.git', '.ci')
# extensions/ee and extensions/awx live in the source repository only (galaxy.yml says why).
FORBIDDEN_PREFIXES = ('tests/output', 'tests/utils', 'extensions/ee', 'extensions/awx')
REQUIRED = ('MANIFEST.json', 'FILES.json', 'meta/runtime.yml', 'plugins/module_utils/_http.py', 'README.md',
            # the event sources ansible-rulebook runs from the installed collection (docs/eda.md)
            'extensions/eda/plugins/event_source/failover_group_watch.py',
            'extensions/eda/plugins/event_source/fabric_workspace_watch.py')


def main(path):
    with tarfile.open(path) as archive:
        names = [name.lstrip('./') for name in archive.getnames()]
    problems = [name for name in names
                if set(name.split('/')) & set(FORBIDDEN_PARTS) or name.startswith(FORBIDDEN_PREFIXES)
                or name.endswith('.pyc')]
    missing = [name for name in REQUIRED if name not in names]
    if problems or missing:
        for name in problems:
            print('not product, must not be in the tarball: %s' % name)
        for name in missing:
            print('missing from the tarball: %s' % name)
        sys.exit(1)
    print('%s: %d entries, no development files' % (path, len(names)))


if __name__ == '__main__':
    main(sys.argv[1])
