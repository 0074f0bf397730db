# -*- coding: utf-8 -*-
# Copyright: contributors to the azure_dr.recovery collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Put get_pip_standin.py where ansible-test looks for its cached get-pip script, unless a real
one is already there.  The pip version in the file name is read from the installed ansible-test."""

import os
import re
import shutil

import ansible_test

HERE = os.path.dirname(os.path.abspath(__file__))


def main():
    source = os.path.join(os.path.dirname(ansible_test.__file__), '_internal', 'python_requirements.py')
    with open(source) as handle:
        match = re.search(r"pip='([0-9.]+)'", handle.read())
    if not match:
        raise SystemExit('Could not find the pip version ansible-test bootstraps in %s' % source)
    target = os.path.expanduser('~/.ansible/test/cache/get_pip_%s.py' % match.group(1).replace('.', '_'))
    if os.path.exists(target):
        print('get-pip: %s is present' % target)
        return
    os.makedirs(os.path.dirname(target), exist_ok=True)
    shutil.copyfile(os.path.join(HERE, 'get_pip_standin.py'), target)
    print('get-pip: installed the project stand-in at %s' % target)


if __name__ == '__main__':
    main()
