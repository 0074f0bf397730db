# -*- coding: utf-8 -*-
# Copyright: contributors to the azure_dr.recovery collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The workers of a DR run's phases: real child processes (a stand-in module written here), their results, and the
dead-worker rule - a worker killed or hung leaves every item it had not finished as an error that keeps what is known."""

from __future__ import annotations

import os
import sys
import textwrap

import pytest

from ansible_collections.azure_dr.recovery.plugins.plugin_utils._dr_run import workers

# A stand-in batch module: reads its arguments from stdin like a module run directly, reports progress for two
# items, finishes the first, then does what the test asks: exit with a result, die, or hang without beating.
MODULE = textwrap.dedent('''
    import json, os, signal, sys, time
    args = json.load(sys.stdin)['ANSIBLE_MODULE_ARGS']
    items = [{'name': 'fg-a', 'where': 'Japan East', 'stage': 'done', 'since': time.time(), 'outcome':
              {'item': {'name': 'fg-a'}, 'changed': True, 'failed': False}},
             {'name': 'fg-b', 'where': 'West US', 'stage': 'planned failover running', 'since': time.time(),
              'known': {'failover_kind': 'planned', 'request_ids': {'request_id': 'r-1'}}, 'outcome': None}]
    with open(args['progress_file'] + '.tmp', 'w') as stream:
        json.dump({'version': 1, 'pid': os.getpid(), 'sequence': 1, 'updated': time.time(), 'finished': False,
                   'items': items}, stream)
    os.replace(args['progress_file'] + '.tmp', args['progress_file'])
    if args['then'] == 'die':
        os.kill(os.getpid(), signal.SIGKILL)
    if args['then'] == 'crash':
        raise ValueError('bad credential ' + args['secret'])
    if args['then'] == 'hang':
        time.sleep(60)
    print(json.dumps({'changed': True, 'results': [items[0]['outcome']], 'warnings': [{'event': {'msg': 'careful'}}],
                      'check_mode': args['_ansible_check_mode'], 'secret_seen': 'secret' in args}))
''')


@pytest.fixture
def collection(tmp_path, monkeypatch):
    (tmp_path / 'plugins' / 'modules').mkdir(parents=True)
    (tmp_path / 'plugins' / 'modules' / 'stand_in.py').write_text(MODULE)
    monkeypatch.setattr(workers, '_COLLECTION', str(tmp_path))
    return tmp_path


def run(then, heartbeat_timeout=30):
    lines = []
    worker = workers.Worker('stand_in', {'then': then, 'secret': 's3cr3t'}, check_mode=True, python=sys.executable).start()
    try:
        # The heartbeat is counted from the progress file's first write: wait for it (a condition, bounded).
        for _attempt in range(600):
            if worker.progress() is not None or not worker.running(0.05):
                break
        workers.Watch(lines.append, progress_interval=3600, heartbeat_timeout=heartbeat_timeout, poll=0.05).wait([worker])
        return worker.result(), worker
    finally:
        worker.clean_up()


def test_a_worker_gets_its_arguments_on_stdin_and_gives_the_modules_result(collection):
    result, worker = run('exit')
    assert result == {'changed': True, 'results': [{'item': {'name': 'fg-a'}, 'changed': True, 'failed': False}],
                      'warnings': ['careful'], 'check_mode': True, 'secret_seen': True}
    assert not os.path.exists(worker.folder)


def test_a_killed_worker_leaves_what_it_had_not_finished_as_errors_that_keep_what_is_known(collection):
    result, _worker = run('die')
    assert result['failed'] and result['worker_lost'] and result['msg'] == 'the worker stopped: killed by signal 9'
    done, lost = result['results']
    assert done == {'item': {'name': 'fg-a'}, 'changed': True, 'failed': False}
    assert lost['failed'] and lost['changed'] and lost['failover_kind'] == 'planned'
    assert lost['request_ids'] == {'request_id': 'r-1'} and lost['last_stage'] == 'planned failover running'
    assert lost['msg'].startswith('the worker stopped: killed by signal 9; not confirmed: run again')


def test_a_worker_that_crashes_says_its_last_words_without_the_credentials_it_was_given(collection):
    result, _worker = run('crash')
    assert result['msg'] == 'the worker ended without a result (exit code 1): ValueError: bad credential ********'
    assert 's3cr3t' not in repr(result) and [item['failed'] for item in result['results']] == [False, True]


def test_a_worker_that_stops_beating_is_ended_and_its_items_are_errors(collection):
    result, worker = run('hang', heartbeat_timeout=1)
    assert worker.process.returncode is not None  # ended, not left running
    assert result['msg'].startswith('the worker stopped: no heartbeat for 1 s')
    assert [item['failed'] for item in result['results']] == [False, True]


def test_the_progress_line_names_what_still_runs_and_for_how_long():
    progress = {'updated': 100.0, 'items': [
        {'name': 'fg-a', 'where': 'Japan East', 'stage': 'done', 'since': 90.0, 'outcome': {}},
        {'name': 'fg-b', 'where': 'West US', 'stage': 'busy (InstanceFailoverGroupBusy), planned failover waiting',
         'since': 95.0, 'outcome': None}]}
    line = workers.progress_line(progress, 12.4, None)
    assert line == ('Still running after 12 s, 1 of 2 done: fg-b (West US: busy (InstanceFailoverGroupBusy), planned '
                    'failover waiting, 5 s)')
    assert workers.progress_line(None, 3, None) == 'Waiting for the job (3 s): no progress reported yet.'


def test_a_module_result_after_other_output_is_found():
    assert workers._last_json('noise\n{"changed": false}\n') == {'changed': False}  # pylint: disable=protected-access
    assert workers._last_json('{not json}\n') is None  # pylint: disable=protected-access
