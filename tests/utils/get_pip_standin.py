# -*- coding: utf-8 -*-
# Copyright: contributors to the azure_dr.recovery collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Stand-in for the get-pip.py bootstrap script that ansible-test downloads.

Why: ansible-test creates a virtual environment for each sanity test and bootstraps pip into it
by running get-pip.py, which it downloads from a host these machines cannot reach (only the
package registries are reachable).  It first looks for a cached copy at
~/.ansible/test/cache/get_pip_<version>.py, so `make` puts this file there: it installs the pip that
ships with Python (ensurepip, offline) and then lets that pip install what ansible-test asked for
(the pinned pip version, from the package index).  get-pip.py's own --no-setuptools / --no-wheel
options mean "do not install them", which is pip's default anyway, so they are dropped.
"""

import subprocess
import sys

GET_PIP_ONLY_OPTIONS = ('--no-setuptools', '--no-wheel')


def main():
    subprocess.check_call([sys.executable, '-m', 'ensurepip', '--default-pip'])
    arguments = [argument for argument in sys.argv[1:] if argument not in GET_PIP_ONLY_OPTIONS]
    subprocess.check_call([sys.executable, '-m', 'pip', 'install'] + arguments)


if __name__ == '__main__':
    main()
