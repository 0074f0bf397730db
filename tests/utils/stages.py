# -*- coding: utf-8 -*-
# Copyright: contributors to the azure_dr.recovery collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The stages of `make test`, side by side in lanes, each stage's output in a log file of its own.

    stages.py LOG_DIR STARTED MAKE LANE [LANE...]

A LANE is a space-separated list of stages run one after the other; the lanes run at the same time.  A stage
is a make target, or several joined by ``+`` (run by one make, so that what they share is made once), run as
``MAKE --no-print-directory STAGED=1 TARGET...``: with STAGED the targets do not make the virtual environment
and the build copy again (``make test`` made them before this runs).  Each stage writes LOG_DIR/<stage>.log.

A stage that fails stops its own lane; the other lanes go on to their end, so that one run shows every
failure.  When a stage ends, a line says so with its summary (what its log says it checked); at the end, a
table of every stage's time (and the set-up before the stages: STARTED is when `make test` began, in epoch
seconds), then the tail of each failed stage's log and its path.  Exits 1 when a stage failed or did not run.
"""

import os
import re
import subprocess
import sys
import threading
import time

TAIL_LINES = 120
# What a healthy stage's log says it checked (the last line of the log when nothing matches).
SUMMARIES = {
    'sanity': [r'^Running sanity test .*$'],
    'units': [r'^=+ .*\bpassed\b.* in [0-9.]+s .*=+$'],
    'integration': [r'^Running \S+ integration test (?:role|script)$'],
    'test-compat': [r'^ansible-core \S+ on Python \S+: .*$', r'^compat: .*$'],
    'docs-lint': [r'^docs: .*$'],
    'lint': [r'^Passed: .*$'],
    'build': [r'^\S+\.tar\.gz: .*$'],
    'galaxy-import': [r'^galaxy-importer .*$'],
    'ee': [r'^ee: .*$'],
}


def summary(stage, log_path):
    with open(log_path, errors='replace') as handle:
        lines = [line.rstrip() for line in handle if line.strip()]
    patterns = SUMMARIES.get(stage.split('+')[0], [])
    found = [line for line in lines if any(re.match(pattern, line) for pattern in patterns)]
    if stage.startswith('sanity') and found:
        return '%d sanity tests passed (%s ... %s)' % (
            len(found), found[0].split('"')[1], found[-1].split('"')[1])
    if stage.startswith('integration') and found:
        return '%d targets passed: %s' % (len(found), ', '.join(line.split()[1] for line in found))
    if found:
        return '\n    '.join(line.strip('= ') for line in found)
    return lines[-1] if lines else '(no output)'


class Runner(object):
    def __init__(self, log_dir, make):
        self.log_dir, self.make = log_dir, make
        self.results = {}  # stage -> (status, seconds)
        self.lock = threading.Lock()

    def say(self, text):
        with self.lock:
            print(text, flush=True)

    def stage(self, stage):
        log_path = os.path.join(self.log_dir, stage + '.log')
        command = [self.make, '--no-print-directory', 'STAGED=1'] + stage.split('+')
        self.say('== %s: started (%s; log %s)' % (stage, ' '.join(command), log_path))
        started = time.monotonic()
        with open(log_path, 'w') as log:
            log.write('$ %s\n' % ' '.join(command))
            log.flush()
            code = subprocess.run(command, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                  check=False).returncode
        seconds = time.monotonic() - started
        passed = code == 0
        self.results[stage] = ('passed' if passed else 'FAILED', seconds)
        if passed:
            self.say('== %s: passed in %.0f s: %s' % (stage, seconds, summary(stage, log_path)))
        else:
            self.say('== %s: FAILED (exit %d) after %.0f s: its log is %s (its tail is printed at the end)'
                     % (stage, code, seconds, log_path))
        return passed

    def lane(self, stages):
        for stage in stages:
            if not self.stage(stage):
                for later in stages[stages.index(stage) + 1:]:
                    self.results[later] = ('not run (%s failed)' % stage, None)
                return


def main(argv):
    log_dir, started, make, lanes = argv[1], float(argv[2]), argv[3], [lane.split() for lane in argv[4:]]
    os.makedirs(log_dir, exist_ok=True)
    runner = Runner(log_dir, make)
    begun = time.time()
    set_up = begun - started
    threads = [threading.Thread(target=runner.lane, args=(lane,)) for lane in lanes if lane]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    total = time.time() - started

    print('\n| stage | lane | result | seconds |')
    print('|---|---|---|---|')
    print('| set-up (venv, build copy, get-pip, lint collections, browser, java) | | done | %.0f |' % set_up)
    for number, lane in enumerate(lanes, 1):
        for stage in lane:
            status, seconds = runner.results.get(stage, ('not run', None))
            print('| %s | %d | %s | %s |' % (stage, number, status, '-' if seconds is None else '%.0f' % seconds))
    print('| stages (lanes side by side) | | | %.0f |' % (time.time() - begun))
    print('| total since make test began | | | %.0f |' % total)
    if os.path.exists('/proc/loadavg'):
        with open('/proc/loadavg') as handle:
            print('(load average at the end: %s)' % ' '.join(handle.read().split()[:3]))

    failed = [stage for lane in lanes for stage in lane if runner.results.get(stage, ('',))[0] != 'passed']
    for stage in failed:
        if runner.results.get(stage, ('',))[0] != 'FAILED':
            continue
        log_path = os.path.join(log_dir, stage + '.log')
        with open(log_path, errors='replace') as handle:
            lines = handle.readlines()
        print('\n== %s FAILED: the last %d of %d lines of %s' % (stage, min(TAIL_LINES, len(lines)), len(lines), log_path))
        sys.stdout.write(''.join(lines[-TAIL_LINES:]))
    if failed:
        print('\nmake test: %s did not pass (logs in %s)' % (', '.join(failed), log_dir))
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
