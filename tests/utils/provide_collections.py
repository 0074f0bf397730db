#!/usr/bin/env python
# Copyright: contributors to the azure_dr.recovery collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Provide third-party collections without Galaxy (not reachable from the build machines): they are
taken from the community ``ansible`` package on PyPI, whose wheel carries them.

    provide_collections.py DEST NAMESPACE.NAME [...]

installs each collection into DEST/ansible_collections/NAMESPACE/NAME (once; a stamp names the
package it came from).  Used for awx.awx, so that ansible-lint can check extensions/awx/configure_awx.yml,
and by the benchmarks for azure.azcollection."""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile

ANSIBLE_PACKAGE = 'ansible==12.3.0'  # awx.awx 24.6.1, azure.azcollection 3.x


def wheel(cache):
    found = glob.glob(os.path.join(cache, 'ansible-%s-*.whl' % ANSIBLE_PACKAGE.split('==')[1]))
    if found:
        return found[0]
    os.makedirs(cache, exist_ok=True)
    subprocess.run([sys.executable, '-m', 'pip', 'download', '--quiet', '--disable-pip-version-check', '--no-deps',
                    '--dest', cache, ANSIBLE_PACKAGE], check=True)
    return wheel(cache)


def provide(dest, name, cache):
    namespace, collection = name.split('.')
    target = os.path.join(dest, 'ansible_collections', namespace, collection)
    stamp = os.path.join(target, '.provided-from')
    if os.path.exists(stamp) and open(stamp).read() == ANSIBLE_PACKAGE:
        return target
    prefix = 'ansible_collections/%s/%s/' % (namespace, collection)
    with zipfile.ZipFile(wheel(cache)) as archive, tempfile.TemporaryDirectory(dir=dest) as scratch:
        members = [member for member in archive.namelist() if member.startswith(prefix)]
        if not members:
            raise SystemExit('%s is not in %s' % (name, ANSIBLE_PACKAGE))
        archive.extractall(scratch, members)
        shutil.rmtree(target, ignore_errors=True)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        os.rename(os.path.join(scratch, prefix), target)
    with open(stamp, 'w') as handle:
        handle.write(ANSIBLE_PACKAGE)
    return target


def main(argv):
    if len(argv) < 2:
        raise SystemExit(__doc__)
    dest = os.path.abspath(argv[0])
    os.makedirs(dest, exist_ok=True)
    cache = os.path.join(dest, '.wheels')
    for name in argv[1:]:
        print('%s: %s' % (name, provide(dest, name, cache)))


if __name__ == '__main__':
    main(sys.argv[1:])
