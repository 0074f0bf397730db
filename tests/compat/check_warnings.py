# -*- coding: utf-8 -*-
# Copyright: contributors to the azure_dr.recovery collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Fails when the output of a run that drives the collection carries a warning it should not:

    check_warnings.py FILE...

Every DEPRECATION WARNING fails, and every [WARNING] that allowed_warnings.txt (beside this file) does
not allow: a release of ansible-core that deprecates or warns about something the collection does
must fail the compatibility run, not scroll by.  A warning Ansible folds over several lines is read
whole.  Prints each offending warning with where it was found.
"""

import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
WARNING = re.compile(r'\[WARNING\]: (.*)')
DEPRECATION = re.compile(r'\[DEPRECATION WARNING\]: ?(.*)')


def allowed_patterns():
    with open(os.path.join(HERE, 'allowed_warnings.txt')) as handle:
        return [re.compile(line.rstrip('\n')) for line in handle if line.strip() and not line.startswith('#')]


def offending(lines, patterns):
    found = []
    for number, line in enumerate(lines, start=1):
        deprecation = DEPRECATION.search(line)
        if deprecation:
            found.append((number, 'DEPRECATION WARNING: ' + deprecation.group(1)))
            continue
        warning = WARNING.search(line)
        if warning:
            text = warning.group(1)
            # Ansible wraps long warnings: the next lines, indented or not bracketed, continue it.
            for follower in lines[number:number + 3]:
                if follower.strip() and not follower.startswith(('[', 'TASK', 'PLAY', 'ok:', 'changed:', 'fatal:',
                                                                 'skipping:', 'included:', '+')):
                    text += ' ' + follower.strip()
                else:
                    break
            if not any(pattern.search(text) for pattern in patterns):
                found.append((number, 'WARNING: ' + text))
    return found


def main():
    patterns = allowed_patterns()
    problems = 0
    for path in sys.argv[1:]:
        with open(path, errors='replace') as handle:
            lines = handle.read().splitlines()
        for number, text in offending(lines, patterns):
            print('%s:%d: %s' % (path, number, text[:400]))
            problems += 1
    if problems:
        print('%d warning(s) that come from the collection or its use of ansible-core (see %s)'
              % (problems, os.path.join(HERE, 'allowed_warnings.txt')))
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
