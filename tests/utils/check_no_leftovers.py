# -*- coding: utf-8 -*-
# Copyright: contributors to the azure_dr.recovery collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Fails when a process of this `make test` is still running at its end.

    check_no_leftovers.py BIN STARTED

A process is this run's when it started after STARTED (epoch seconds: when `make test` began) and its
PATH holds BIN (the checkout's .venv/bin): `make` puts it there for every tool it runs, ansible-test
passes PATH on, and everything they start inherits it, daemons included (an async job, an emulator
started with nohup).  The make process and its ancestors are not counted.  Processes are given a
few seconds to end; those still there are listed, then killed, so that a failing check leaves
nothing behind either.
"""

import os
import re
import signal
import sys
import time

GRACE_SECONDS = 10.0
# A command line can carry variables (NAME=value, a module's environment): their values are not shown.
ASSIGNMENT = re.compile(r'\b([A-Z][A-Z0-9_]*)=\S+')


def ancestors():
    pids, pid = set(), os.getpid()
    while pid > 1:
        pids.add(pid)
        try:
            with open('/proc/%d/stat' % pid) as handle:
                pid = int(handle.read().rsplit(')', 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            break
    return pids


def boot_time():
    with open('/proc/stat') as handle:
        return next(int(line.split()[1]) for line in handle if line.startswith('btime '))


def started_at(pid, boot, ticks):
    with open('/proc/%d/stat' % pid) as handle:
        return boot + int(handle.read().rsplit(')', 1)[1].split()[19]) / ticks


def ours(bin_dir, since):
    found, skip = {}, ancestors()
    boot, ticks = boot_time(), os.sysconf('SC_CLK_TCK')
    for name in os.listdir('/proc'):
        if not name.isdigit() or int(name) in skip:
            continue
        try:
            if started_at(int(name), boot, ticks) < since:
                continue
            with open('/proc/%s/environ' % name, 'rb') as handle:
                environment = handle.read().split(b'\0')
            with open('/proc/%s/cmdline' % name, 'rb') as handle:
                command = handle.read().replace(b'\0', b' ').decode('utf-8', 'replace').strip()
        except OSError:  # gone meanwhile, or not ours to read
            continue
        paths = [entry[5:].decode('utf-8', 'replace').split(':') for entry in environment if entry.startswith(b'PATH=')]
        if command and paths and bin_dir in paths[0]:
            found[int(name)] = command
    return found


def main():
    bin_dir, since = os.path.abspath(sys.argv[1]), float(sys.argv[2]) - 1
    deadline = time.monotonic() + GRACE_SECONDS
    left = ours(bin_dir, since)
    while left and time.monotonic() < deadline:
        time.sleep(0.5)
        left = ours(bin_dir, since)
    if not left:
        print('no process of this run is left running')
        return 0
    print('%d process(es) of this run still running %.0f s after it ended:' % (len(left), GRACE_SECONDS), file=sys.stderr)
    for pid, command in sorted(left.items()):
        print('  %d %s' % (pid, ASSIGNMENT.sub(r'\1=...', command)[:200]), file=sys.stderr)
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
    return 1


if __name__ == '__main__':
    sys.exit(main())
