# -*- coding: utf-8 -*-
# Copyright: contributors to the azure_dr.recovery collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The batch modules of this collection run as workers of a DR run's phase: each a child process of the
controller, started the way ansible-core documents running a module directly (``python module.py``, its
arguments as JSON on standard input, so that credentials never reach a command line or a file), with a
progress file of its own.

A worker is the DR run's own child: the phase waits on it, sees at once when it ends, and a worker that dies
(killed, out of memory) leaves every item it had not finished as an error that says what is known (the
failover sent, its request ids, the last stage) - the dead-worker rule.  A worker that stops beating (hung) for
``heartbeat_timeout`` seconds is ended and treated the same way."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

from ansible_collections.azure_dr.recovery.plugins.module_utils._errors import redact
from ansible_collections.azure_dr.recovery.plugins.module_utils._auth import auth_argument_spec

# The workers' options that are credentials (no_log): masked in anything said of a worker that died.
SECRET_OPTIONS = frozenset(name for api in ('arm', 'fabric') for name, option in auth_argument_spec(api).items()
                           if option.get('no_log'))
# plugins/plugin_utils/_dr_run/workers.py -> the folder that holds ansible_collections/
_COLLECTION = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
_COLLECTIONS_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(_COLLECTION)))


def message_of(warning):
    """A module's warning as text: ansible-core 2.19 and later may give each as a summary ({"event": {"msg": ...}})."""
    if isinstance(warning, dict):
        event = warning.get('event') if isinstance(warning.get('event'), dict) else warning
        return str(event.get('msg') or warning)
    return str(warning)


class Worker:
    """One batch module of this collection running as a child process, with its progress file."""

    def __init__(self, module, args, check_mode, python=None, progress=True, environment=None, niceness=None):
        self.module = module
        self.niceness = niceness  # a lower CPU priority (nice), for a read that must not slow the others down
        # The task's keyword environment, over the controller's own, as the module would get it on a local connection.
        self.environment = {str(name): str(value) for name, value in (environment or {}).items()}
        self.args = dict(args)
        self.check_mode = check_mode
        self.python = python or sys.executable
        self.folder = tempfile.mkdtemp(prefix='azure_dr.worker.')
        self.progress_file = None
        if progress:  # the caller's own progress file, if it gives one the module accepts; else the worker's
            given = self.args.get('progress_file')
            self.progress_file = given if isinstance(given, str) and given else os.path.join(self.folder, 'progress.json')
            if given is None:
                self.args['progress_file'] = self.progress_file
        self.process = None
        self.started = None
        self.ended = None
        self._output = None
        self._waiter = None
        self.lost = None  # why the worker was given up on

    def start(self):
        payload = json.dumps({'ANSIBLE_MODULE_ARGS': dict(self.args, _ansible_check_mode=bool(self.check_mode),
                                                          _ansible_no_log=False)})
        environment = dict(os.environ, **self.environment)
        environment['PYTHONPATH'] = os.pathsep.join(
            [_COLLECTIONS_ROOT] + [path for path in environment.get('PYTHONPATH', '').split(os.pathsep) if path])
        path = os.path.join(_COLLECTION, 'plugins', 'modules', self.module + '.py')
        self.started = time.time()
        command = [self.python, path]
        if self.niceness and shutil.which('nice'):
            command = ['nice', '-n', str(self.niceness)] + command
        self.process = subprocess.Popen(  # pylint: disable=consider-using-with  # ended in wait() or stop()
            command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            cwd=self.folder, env=environment)
        self._waiter = threading.Thread(target=self._communicate, args=(payload.encode('utf-8'),), daemon=True)
        self._waiter.start()
        return self

    def _communicate(self, payload):
        self._output = self.process.communicate(payload)
        self.ended = time.time()

    def running(self, timeout=0):
        self._waiter.join(timeout)
        return self._waiter.is_alive()

    def progress(self):
        """The worker's progress file, or None while there is none (or it is being replaced)."""
        if not self.progress_file:
            return None
        try:
            with open(self.progress_file, encoding='utf-8') as stream:
                progress = json.load(stream)
        except (OSError, ValueError):
            return None
        return progress if isinstance(progress, dict) else None

    def stop(self, why):
        """Give up on a worker that still runs: end it (it is ours) so that it does not go on acting."""
        self.lost = why
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                self.process.kill()
        self._waiter.join(10)

    def result(self):
        """The module's result; for a worker that ended without one (killed, lost), a failed result whose
        ``results`` keep every outcome the progress file had and an error for every other item."""
        stdout, stderr = self._output or (b'', b'')
        result = _last_json(stdout.decode('utf-8', 'replace'))
        if result is not None and not self.lost:
            result['warnings'] = [message_of(warning) for warning in result.get('warnings') or []]
            return result
        code = self.process.returncode if self.process is not None else None
        if self.lost:
            why = self.lost
        elif isinstance(code, int) and code < 0:
            why = 'the worker stopped: killed by signal %d' % abs(code)
        else:  # its last words (a traceback's last line) with any credential it was given masked
            last = (stderr.decode('utf-8', 'replace').strip().splitlines() or ['no output'])[-1][:500]
            why = 'the worker ended without a result (exit code %s): %s' % (code, redact(last, [
                value for name, value in self.args.items() if name in SECRET_OPTIONS and isinstance(value, str)]))
        return {'failed': True, 'msg': why, 'worker_lost': True, 'results': results_from_progress(self.progress(), why)}

    def clean_up(self):
        shutil.rmtree(self.folder, ignore_errors=True)


def _last_json(text):
    for line in reversed(text.strip().splitlines()):
        if line.startswith('{'):
            try:
                value = json.loads(line)
            except ValueError:
                continue
            return value if isinstance(value, dict) else None
    return None


def results_from_progress(progress, why):
    """Each item's outcome when the worker reported one; otherwise an error that keeps what is known (the
    failover sent, its request ids, the last stage)."""
    results = []
    for item in (progress or {}).get('items') or []:
        if item.get('outcome') is not None:
            results.append(item['outcome'])
            continue
        known = item.get('known') or {}
        cause = '%s; not confirmed: run again, every item is read before any action' % why
        results.append(dict(known, item={'name': item.get('name'), 'location': item.get('where')}, failed=True,
                            changed=bool(known.get('failover_kind')), last_stage=item.get('stage'),
                            msg='%s (last seen: %s)' % (cause, item.get('stage')), cause=cause))
    return results


def progress_line(progress, waited, seen_at, label='job'):
    """What is still running, for a person watching the run."""
    items = (progress or {}).get('items') or []
    if not items:
        return 'Waiting for the %s (%d s): no progress reported yet.' % (label, waited)
    # An item's time on the worker's clock up to its last write, plus the time since that write was read.
    written = float((progress or {}).get('updated') or 0)
    later = time.time() - seen_at if seen_at is not None else 0
    running = [item for item in items if item.get('outcome') is None]
    return 'Still running after %d s, %d of %d done: %s' % (waited, len(items) - len(running), len(items), ', '.join(
        '%s (%s: %s, %d s)' % (item.get('name'), item.get('where'), item.get('stage'),
                               max(0, written - float(item.get('since') or written) + later)) for item in running))


class Watch:
    """Waits for workers, prints a progress line of ``watched`` at most every ``progress_interval`` seconds, and
    gives up on a worker whose progress file has not changed for ``heartbeat_timeout`` seconds, or that outlives
    ``timeout``."""

    def __init__(self, display, progress_interval=30, heartbeat_timeout=30, timeout=3900, poll=0.5):
        self.display = display
        self.progress_interval = progress_interval
        self.heartbeat_timeout = heartbeat_timeout
        self.timeout = timeout
        self.poll = poll

    def wait(self, workers, watched=None, on_done=None, on_poll=None):
        """Until every worker has ended; ``on_done(worker)`` is called as each ends, ``on_poll()`` at each look, and
        the workers it returns (started) are waited for too."""
        began = last_line = time.time()
        beats = {id(worker): (None, began) for worker in workers}  # (sequence seen, when it changed)
        pending = list(workers)
        seen_at = None
        parent = os.getppid()
        while pending:
            pending[0].running(self.poll)
            now = time.time()
            if os.getppid() != parent:  # ansible-playbook was killed: its workers must not go on acting
                for worker in pending:
                    worker.stop('the run was stopped')
            for worker in list(pending):
                if not worker.running():
                    pending.remove(worker)
                    if on_done:
                        on_done(worker)
                    continue
                progress = worker.progress()
                sequence, changed = beats[id(worker)]
                if progress is not None and progress.get('sequence') != sequence:
                    beats[id(worker)] = (progress.get('sequence'), now)
                    if worker is watched:
                        seen_at = now
                elif now - changed >= self.heartbeat_timeout and worker.progress_file:
                    worker.stop('the worker stopped: no heartbeat for %d s (its process was killed, stopped or hung)'
                                % (now - changed))
                if now - began >= self.timeout and worker.lost is None:
                    worker.stop('the worker did not end within %d s (timeout)' % self.timeout)
            for worker in (on_poll() or []) if on_poll else []:
                pending.append(worker)
                beats[id(worker)] = (None, now)
            if watched in pending and now - last_line >= self.progress_interval:
                last_line = now
                self.display(progress_line(watched.progress(), now - began, seen_at))
