# -*- coding: utf-8 -*-
# Copyright: contributors to the azure_dr.recovery collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Action of ``azure_dr.recovery.batch_job_wait`` (documented in plugins/modules/batch_job_wait.py).

Waits for a batch module's async job by reading its progress file (a cheap ``cat`` on the target)
every ``poll_interval`` seconds, and reads the job's result file (as ``ansible.builtin.async_status``
reads it, without the cost of a module run) only when the progress file says the job is finishing,
every ``STATUS_SECONDS`` in case it never wrote one, and before giving up on it.  Progress lines go
through ``Display``, which ansible-runner (AWX) records.
"""

from __future__ import annotations

import json
import shlex
import time

from ansible.errors import AnsibleActionFail
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.plugins.action import ActionBase
from ansible.utils.display import Display

from ansible_collections.azure_dr.recovery.plugins.module_utils._auth import shared_option_names

display = Display()

ARGUMENT_SPEC = dict(
    jid=dict(type='str', required=True),
    progress_file=dict(type='str', required=True),  # a path on the target: expanded there, not here
    timeout=dict(type='int', default=3900),
    poll_interval=dict(type='float', default=0.5),
    progress_interval=dict(type='int', default=30),
    heartbeat_timeout=dict(type='int', default=30),
)
# Seconds between two reads of the job's result file when the progress file says nothing new.
STATUS_SECONDS = 10.0
# The job beats every 5 s (module_utils/_progress.py): a shorter timeout would take a live job for dead.
MIN_HEARTBEAT_TIMEOUT = 10
JOB_KEYS = ('ansible_job_id', 'started', 'finished', 'results_file', 'stdout', 'stderr', 'stdout_lines',
            'stderr_lines', '_ansible_parsed')


def _message(warning):
    """A warning of the job's result file as text: ansible-core 2.19 and later write each as a summary
    ({"event": {"msg": ...}, ...}) that only async_status's own decoding turns back into text."""
    if isinstance(warning, dict):
        event = warning.get('event') if isinstance(warning.get('event'), dict) else warning
        return str(event.get('msg') or warning)
    return warning


class ActionModule(ActionBase):
    TRANSFERS_FILES = False

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        params = self._validated()
        started = time.monotonic()
        job = _Job(self, params)
        try:
            outcome = job.wait(started)
        finally:
            job.clean_up()
        result.update(outcome)
        result['elapsed'] = round(time.monotonic() - started, 3)
        return result

    def _validated(self):
        args = {name: value for name, value in self._task.args.items() if name not in shared_option_names()}
        validation = ArgumentSpecValidator(ARGUMENT_SPEC).validate(args)
        problems = [str(error) for error in validation.errors]
        params = validation.validated_parameters
        minimums = {'timeout': 1, 'progress_interval': 1, 'heartbeat_timeout': MIN_HEARTBEAT_TIMEOUT}
        for name, minimum in minimums.items():
            if not problems and params[name] < minimum:
                problems.append('%s must be at least %d seconds, got %r' % (name, minimum, params[name]))
        if not problems and params['poll_interval'] <= 0:
            problems.append('poll_interval must be a positive number of seconds, got %r' % params['poll_interval'])
        if problems:
            raise AnsibleActionFail('Invalid input: ' + '; '.join(problems))
        params['progress_file'] = self._remote_expand_user(params['progress_file'])  # pylint: disable=protected-access
        return params


class _Job:
    """One async job being waited for, seen through its progress file and its result file."""

    def __init__(self, action, params):
        self.action = action
        self.params = params
        self.path = shlex.quote(params['progress_file'])
        self.progress = None  # the last progress file read
        self.progress_seen = None  # when (monotonic) it was first seen
        self.async_dir = None

    def wait(self, started):
        params = self.params
        last_change = last_line = started
        last_status = None
        sequence = None
        while True:
            now = time.monotonic()
            progress, age = self._read_progress()
            if progress is not None and progress.get('sequence') != sequence:
                self.progress, self.progress_seen = progress, now
                sequence, last_change = progress.get('sequence'), now - age
            finishing = progress is not None and progress.get('finished')
            if finishing or last_status is None or now - last_status >= STATUS_SECONDS:
                last_status = now
                status = self._job_status()
                if status.get('finished'):
                    return self._ended(status)
            if now - last_change >= params['heartbeat_timeout']:
                return self._lost_or_ended('the job stopped: no heartbeat for %d s (its process was killed or stopped)'
                                           % (now - last_change))
            if now - started >= params['timeout']:
                return self._lost_or_ended('the job did not end within %d s (timeout)' % params['timeout'])
            if now - last_line >= params['progress_interval']:
                last_line = now
                display.display(self._progress_line(now - started))
            time.sleep(params['poll_interval'])

    # --- what the target says ---

    def _command(self, command):
        return self.action._low_level_execute_command(command, sudoable=True)  # pylint: disable=protected-access

    def _read_progress(self):
        """(the progress file as JSON, or None while it is missing or being replaced; how many seconds
        before the target's clock its last write was).  A job killed before this wait began is seen
        at the first read, by the age of its last heartbeat."""
        answer = self._command('date +%%s; cat %s' % self.path)
        lines = (answer.get('stdout') or '').split('\n', 1)
        if answer.get('rc') != 0 or len(lines) < 2:
            return None, 0.0
        try:
            progress = json.loads(lines[1])
            age = max(0.0, float(lines[0]) - float(progress.get('updated')))
        except (ValueError, TypeError, AttributeError):
            return None, 0.0
        return (progress, age) if isinstance(progress, dict) else (None, 0.0)

    def _job_file(self):
        """The job's result file, where async_status looks (the async directory of the shell option)."""
        if self.async_dir is None:
            self.async_dir = self.action._remote_expand_user(  # pylint: disable=protected-access
                self.action.get_shell_option('async_dir', default='~/.ansible_async'))
        return shlex.quote('%s/%s' % (self.async_dir.rstrip('/'), self.params['jid']))

    def _job_status(self):
        """The job's result as async_status gives it (``finished`` 1 and the module's result once it has
        ended), read with one ``cat``: the job's wrapper marks a job still running with ``started``."""
        answer = self._command('cat %s' % self._job_file())
        try:
            status = json.loads(answer.get('stdout') or '') if answer.get('rc') == 0 else None
        except ValueError:  # being written
            status = None
        if not isinstance(status, dict) or 'started' in status:
            return {'finished': 0}
        return dict(status, finished=1)

    def clean_up(self):
        """The job's result and its progress files are of no further use, read or not."""
        self._command('rm -f %s %s %s.*.tmp' % (self._job_file(), self.path, self.path))

    def _stop_job(self):
        """A job given up on must not go on acting: stop its process if it still runs (and is ours)."""
        pid = (self.progress or {}).get('pid')
        if isinstance(pid, int) and pid > 1:
            self._command('case "$(ps -o args= -p %d 2>/dev/null)" in *AnsiballZ_*) kill -TERM %d;; esac' % (pid, pid))

    # --- outcomes ---

    def _ended(self, status):
        outcome = {key: value for key, value in status.items() if key not in JOB_KEYS}
        if outcome.get('warnings'):
            outcome['warnings'] = [_message(warning) for warning in outcome['warnings']]
        if outcome.get('failed') and not outcome.get('results') and (self.progress or {}).get('items'):
            # Ended without results (killed at its time limit, a crash): keep what the job had reported.
            outcome['results'] = self._results_from_progress(outcome.get('msg') or 'the job ended without a result')
        outcome['job_lost'] = False
        return outcome

    def _lost_or_ended(self, why):
        status = self._job_status()  # one last look: it may have ended just now
        if status.get('finished'):
            return self._ended(status)
        self._stop_job()
        items = (self.progress or {}).get('items') or []
        results = self._results_from_progress(why)
        lost = [item.get('name') for item in items if item.get('outcome') is None]
        msg = 'Stopped waiting for job %s: %s%s.' % (self.params['jid'], why,
                                                     '' if items else '; it never reported progress')
        if lost:
            msg += ' Not confirmed: %s.' % ', '.join(str(name) for name in lost)
        return {'failed': True, 'changed': any(result.get('changed') for result in results), 'job_lost': True,
                'msg': msg, 'results': results}

    def _results_from_progress(self, why):
        """Each item's outcome when the job reported one; otherwise an error that keeps what is known
        (the failover sent, its request ids, the last stage)."""
        results = []
        for item in (self.progress or {}).get('items') or []:
            if item.get('outcome') is not None:
                results.append(item['outcome'])
                continue
            known = item.get('known') or {}
            cause = '%s; not confirmed: run again, every item is read before any action' % why
            results.append(dict(known, item={'name': item.get('name'), 'location': item.get('where')}, failed=True,
                                changed=bool(known.get('failover_kind')), last_stage=item.get('stage'),
                                msg='%s (last seen: %s)' % (cause, item.get('stage')), cause=cause))
        return results

    def _progress_line(self, waited):
        items = (self.progress or {}).get('items') or []
        # The item's time on the target's clock, up to the last write, plus the time since it was read here.
        written = float((self.progress or {}).get('updated') or 0)
        later = time.monotonic() - self.progress_seen if self.progress_seen is not None else 0
        running = [item for item in items if item.get('outcome') is None]
        if not items:
            return 'Waiting for job %s (%d s): no progress reported yet.' % (self.params['jid'], waited)
        done = len(items) - len(running)
        return 'Still running after %d s, %d of %d done: %s' % (waited, done, len(items), ', '.join(
            '%s (%s: %s, %d s)' % (item.get('name'), item.get('where'), item.get('stage'),
                                   max(0, written - float(item.get('since') or written) + later)) for item in running))
