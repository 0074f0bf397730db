# -*- coding: utf-8 -*-
# Copyright: contributors to the azure_dr.recovery collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""batch_job_wait: the wait for a batch's async job, against a fake target (its progress file, the
answers of async_status) and a fake clock, so that minutes of waiting take no time."""

from __future__ import annotations

import json

import pytest

from ansible.errors import AnsibleActionFail

from ansible_collections.azure_dr.recovery.plugins.action import batch_job_wait
from ansible_collections.azure_dr.recovery.tests.unit.helpers import FakeClock

PARAMS = {'jid': 'j1', 'progress_file': '/jobs/run.progress', 'timeout': 3900, 'poll_interval': 1.0,
          'progress_interval': 30, 'heartbeat_timeout': 30}
DONE = {'item': {'name': 'fg-a'}, 'changed': True, 'failed': False, 'failover_kind': 'planned'}


class FakeTarget:
    """The action's view of the target: ``progress(now)`` gives the progress file at a time (None:
    missing), ``status(now)`` the async_status answer."""

    def __init__(self, clock, progress, status=None):
        self.clock, self.progress, self.status = clock, progress, status or (lambda now: {'finished': False})
        self.commands, self.modules, self.target_offset = [], [], 1_764_600_000

    def _low_level_execute_command(self, command, sudoable=True):
        self.commands.append(command)
        if command == 'cat /home/dr/.ansible_async/j1':  # the job's result file, as its wrapper writes it
            self.modules.append('status')
            status = self.status(self.clock())
            if not status.get('finished'):
                return {'rc': 0, 'stdout': json.dumps({'started': 1, 'finished': 0, 'ansible_job_id': 'j1'})}
            return {'rc': 0, 'stdout': json.dumps({key: value for key, value in status.items() if key != 'finished'})}
        if command.startswith('date'):
            content = self.progress(self.clock())
            if content is None:
                return {'rc': 1, 'stdout': '%d\n' % (self.clock() + self.target_offset)}
            return {'rc': 0, 'stdout': '%d\n%s' % (self.clock() + self.target_offset, json.dumps(content))}
        return {'rc': 0, 'stdout': ''}

    def get_shell_option(self, name, default=None):
        return default

    def _remote_expand_user(self, path):
        return path.replace('~', '/home/dr')


@pytest.fixture
def clock(monkeypatch):
    fake = FakeClock(start=0.0)
    monkeypatch.setattr(batch_job_wait.time, 'monotonic', fake)
    monkeypatch.setattr(batch_job_wait.time, 'sleep', fake.sleep)
    return fake


@pytest.fixture
def lines(monkeypatch):
    shown = []
    monkeypatch.setattr(batch_job_wait.display, 'display', shown.append)
    return shown


def progress_file(clock, target, sequence, items, finished=False, pid=4242):
    return {'version': 1, 'pid': pid, 'sequence': sequence, 'updated': clock() + target.target_offset,
            'finished': finished, 'items': items}


def wait(target, clock, **params):
    job = batch_job_wait._Job(target, dict(PARAMS, **params))
    try:
        return job.wait(clock())
    finally:
        job.clean_up()


def test_a_job_that_ends_is_returned_as_async_status_gives_it_then_cleaned_up(clock, lines):
    target = FakeTarget(clock, None)
    running = [{'name': 'fg-a', 'where': 'Japan East', 'stage': 'planned failover running',
                'since': target.target_offset, 'outcome': None}]  # on the target's clock, from the wait's start
    target.progress = lambda now: progress_file(clock, target, int(now // 5), running, finished=now >= 70)
    target.status = lambda now: ({'finished': True, 'changed': True, 'results': [DONE], 'ansible_job_id': 'j1'}
                                 if now >= 71 else {'finished': False})
    outcome = wait(target, clock)
    assert outcome == {'changed': True, 'results': [DONE], 'job_lost': False}
    assert 71 <= clock() <= 73  # seen within a poll or two of its end
    # A progress line every 30 s, naming what still runs and for how long; never a line per check.
    assert len(lines) == 2 and lines[0].startswith('Still running after 30 s, 0 of 1 done: fg-a (Japan East: '
                                                   'planned failover running, 3')
    assert target.modules.count('status') < 15
    assert target.commands[-1] == 'rm -f /home/dr/.ansible_async/j1 /jobs/run.progress /jobs/run.progress.*.tmp'


def test_a_job_whose_heartbeat_stops_is_given_up_on_stopped_and_its_items_not_confirmed(clock, lines):
    items = [dict(name='fg-a', where='Japan East', stage='done', since=0.0, outcome=DONE),
             dict(name='fg-b', where='West US', stage='planned failover running', since=0.0, outcome=None,
                  known={'failover_kind': 'planned', 'request_ids': {'request_id': 'r-b'}}),
             dict(name='fg-c', where='West US', stage='reading', since=0.0, outcome=None)]
    target = FakeTarget(clock, None)
    frozen = progress_file(clock, target, 7, items)  # killed at 0 s: never written again
    target.progress = lambda now: frozen
    outcome = wait(target, clock)
    assert 30 <= clock() <= 32 and outcome['failed'] is True and outcome['job_lost'] is True
    assert 'no heartbeat for 30 s' in outcome['msg'] and 'Not confirmed: fg-b, fg-c.' in outcome['msg']
    done, sent, reading = outcome['results']
    assert done == DONE
    assert (sent['failed'], sent['changed'], sent['failover_kind']) == (True, True, 'planned')
    assert sent['request_ids'] == {'request_id': 'r-b'}
    assert (reading['changed'], reading['last_stage']) == (False, 'reading')
    assert sent['cause'] == reading['cause'] and 'last seen: reading' in reading['msg']
    assert any('kill -TERM 4242' in command for command in target.commands)


def test_a_job_dead_before_the_wait_began_is_seen_at_the_first_read(clock):
    target = FakeTarget(clock, None)
    old = progress_file(clock, target, 3, [dict(name='fg-a', where='x', stage='reading', since=0.0, outcome=None)])
    old['updated'] -= 120  # its last heartbeat, two minutes before the wait
    target.progress = lambda now: old
    outcome = wait(target, clock)
    assert outcome['job_lost'] is True and clock() <= 1


def test_a_job_that_never_reports_progress_is_lost_after_the_heartbeat_timeout(clock):
    outcome = wait(FakeTarget(clock, lambda now: None), clock, heartbeat_timeout=10)
    assert outcome['job_lost'] is True and 10 <= clock() <= 11 and 'never reported progress' in outcome['msg']


def test_a_job_that_ends_without_results_keeps_what_its_progress_said(clock):
    items = [dict(name='fg-a', where='x', stage='done', since=0.0, outcome=DONE),
             dict(name='fg-b', where='y', stage='reading', since=0.0, outcome=None)]
    target = FakeTarget(clock, None)
    target.progress = lambda now: progress_file(clock, target, int(now), items)
    target.status = lambda now: {'finished': True, 'failed': True, 'msg': 'Job reached maximum time limit'}
    outcome = wait(target, clock)
    assert [result.get('failed') for result in outcome['results']] == [False, True]
    assert 'maximum time limit' in outcome['results'][1]['msg']


def test_a_job_past_its_timeout_is_given_up_on(clock):
    target = FakeTarget(clock, None)
    target.progress = lambda now: progress_file(clock, target, int(now), [])
    outcome = wait(target, clock, timeout=45)
    assert outcome['job_lost'] is True and 'did not end within 45 s' in outcome['msg'] and 45 <= clock() <= 46


def test_input_is_checked_and_the_groups_shared_options_are_ignored():
    action = batch_job_wait.ActionModule.__new__(batch_job_wait.ActionModule)
    action._remote_expand_user = lambda path: path.replace('~', '/home/dr')

    class Task:
        args = {'jid': 'j1', 'progress_file': '~/.ansible_async/x.progress', 'subscription_id': 'sub', 'secret': 's'}

    action._task = Task()
    params = action._validated()
    assert params['progress_file'] == '/home/dr/.ansible_async/x.progress' and 'secret' not in params
    Task.args = {'jid': 'j1', 'progress_file': 'x', 'heartbeat_timeout': 5}
    with pytest.raises(AnsibleActionFail, match='heartbeat_timeout must be at least 10 seconds'):
        action._validated()
    Task.args = {'progress_file': 'x', 'colour': 'blue'}
    with pytest.raises(AnsibleActionFail, match='jid'):
        action._validated()


def test_the_jobs_warnings_are_text_as_async_status_would_give_them(clock):
    # ansible-core 2.19 and later write a module's warnings to the result file as summaries.
    summary = {'event': {'msg': 'fg-a: Japan East: fg-a is busy (InstanceFailoverGroupBusy)', '__ansible_type': 'Event'},
               '__ansible_type': 'WarningSummary'}
    target = FakeTarget(clock, lambda now: progress_file(clock, target, int(now), [], finished=True))
    target.status = lambda now: {'finished': True, 'results': [DONE], 'warnings': [summary, 'plain text']}
    assert wait(target, clock)['warnings'] == ['fg-a: Japan East: fg-a is busy (InstanceFailoverGroupBusy)', 'plain text']
