# -*- coding: utf-8 -*-
# Copyright: contributors to the azure_dr.recovery collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The actions that wrap the batch modules: which options they keep for themselves, where the module runs (a worker
of the task on a local connection, the target otherwise), and the report rows made from a module's result (JSON
fixtures of canned results), with a fake worker so that no module runs."""

from __future__ import annotations

import copy
from unittest import mock

import pytest

from ansible.errors import AnsibleActionFail

from ansible_collections.azure_dr.recovery.plugins.action import fabric_workspace_restore_batch as restore_action
from ansible_collections.azure_dr.recovery.plugins.action import instance_failover_group_failover_batch as failover_action
from ansible_collections.azure_dr.recovery.plugins.plugin_utils._dr_run.workers import results_from_progress
from ansible_collections.azure_dr.recovery.tests.unit.helpers import load_fixture

GROUPS = [{'name': name, 'resource_group': 'rg-sql-east', 'location': 'japaneast'}
          for name in ('fg-sales', 'fg-finance', 'fg-orders')]
SHARED = {'tenant': 'contoso-tenant', 'client_id': 'app-1', 'secret': 'not-to-be-seen', 'arm_endpoint': 'https://127.0.0.1:8443'}
PRINCIPAL = {'id': '17dd1e38-a4c6-41ed-bc4f-1e383f8ddd01'}


class FakeWorker:
    """Worker as the actions use it: records how it was made, and gives a canned result."""

    made = []
    outcome = None

    def __init__(self, module, args, check_mode, python=None, progress=True, environment=None):
        self.module, self.args, self.check_mode, self.python = module, dict(args), check_mode, python
        self.progress_enabled, self.environment = progress, environment
        self.process, self.stopped, self.cleaned = object(), None, False
        FakeWorker.made.append(self)

    def start(self):
        return self

    def running(self, timeout=0):
        return False

    def result(self):
        return copy.deepcopy(FakeWorker.outcome)

    def stop(self, why):
        self.stopped = why

    def clean_up(self):
        self.cleaned = True


class FakeWatch:
    """Watch as the actions use it: records its settings, and prints one progress line."""

    made = []

    def __init__(self, display, progress_interval=30, heartbeat_timeout=30, timeout=3900, poll=0.5):
        self.display, self.settings = display, dict(progress_interval=progress_interval,
                                                    heartbeat_timeout=heartbeat_timeout, timeout=timeout)
        self.watched = None
        FakeWatch.made.append(self)

    def wait(self, workers, watched=None, on_done=None):
        self.watched = watched
        if watched is not None:
            self.display('Still running after 30 s, 0 of 3 done: ...')


@pytest.fixture(autouse=True)
def fakes(monkeypatch):
    FakeWorker.made, FakeWatch.made, FakeWorker.outcome = [], [], None
    monkeypatch.setattr(failover_action, 'Worker', FakeWorker)
    monkeypatch.setattr(failover_action, 'Watch', FakeWatch)


@pytest.fixture
def lines(monkeypatch):
    shown = []
    monkeypatch.setattr(failover_action.display, 'display', shown.append)
    return shown


def action(module, args, transport='local', become=None, check_mode=False, environment=None):
    task = mock.MagicMock()
    task.args = dict(args)
    task.async_val = 0
    task.check_mode = check_mode
    task.environment = environment
    connection = mock.MagicMock()
    connection.transport = transport
    connection.become = become
    connection._shell.tmpdir = '/tmp/not-used'
    connection._shell.env_prefix = lambda **environment: ''
    play_context = mock.MagicMock()
    play_context.check_mode = check_mode
    templar = mock.MagicMock()
    templar.template = lambda value: value
    plugin = module.ActionModule(task, connection, play_context, loader=None, templar=templar, shared_loader_obj=None)
    plugin._execute_module = mock.MagicMock()
    return plugin


def run(plugin):
    return plugin.run(task_vars={'ansible_playbook_python': '/venv/bin/python3'})


# Where the module runs, and with which arguments

def test_on_a_local_connection_the_module_runs_as_a_worker_without_the_action_options(lines):
    FakeWorker.outcome = load_fixture('batch_wrapper_failover_result.json')
    plugin = action(failover_action, dict(SHARED, groups=GROUPS, wait_timeout=120, progress_interval=5,
                                          heartbeat_timeout=20), environment={'AZURE_SUBSCRIPTION_ID': 'sub-1'})

    run(plugin)

    [worker] = FakeWorker.made
    assert worker.module == 'instance_failover_group_failover_batch'
    # the shared options module_defaults gave the task reach the module; the action's own options do not
    assert worker.args == dict(SHARED, groups=GROUPS, wait_timeout=120)
    assert worker.python == '/venv/bin/python3' and worker.check_mode is False and worker.progress_enabled
    assert worker.environment == {'AZURE_SUBSCRIPTION_ID': 'sub-1'}
    assert worker.cleaned
    [watch] = FakeWatch.made
    assert watch.settings == {'progress_interval': 5, 'heartbeat_timeout': 20, 'timeout': 120 + 300}
    assert watch.watched is worker
    assert lines == ['Still running after 30 s, 0 of 3 done: ...']
    plugin._execute_module.assert_not_called()


def test_check_mode_reaches_the_worker():
    FakeWorker.outcome = {'changed': True, 'results': [dict(item=group, changed=True, failed=False) for group in GROUPS]}
    result = run(action(failover_action, {'groups': GROUPS}, check_mode=True))

    assert FakeWorker.made[0].check_mode is True
    assert [row['action'] for row in result['rows']] == ['would fail over'] * 3
    assert not result['failed']


@pytest.mark.parametrize('transport, become', [('ssh', None), ('local', object())])
def test_elsewhere_or_with_become_the_module_runs_as_any_module(transport, become):
    plugin = action(failover_action, dict(SHARED, groups=GROUPS, progress_interval=5), transport=transport, become=become)
    plugin._execute_module.return_value = load_fixture('batch_wrapper_failover_result.json')

    result = run(plugin)

    assert FakeWorker.made == [] and FakeWatch.made == []
    plugin._execute_module.assert_called_once()
    call = plugin._execute_module.call_args.kwargs
    assert call['module_name'] == 'azure_dr.recovery.instance_failover_group_failover_batch'
    assert call['module_args'] == dict(SHARED, groups=GROUPS)
    assert [row['name'] for row in result['rows']] == ['fg-sales', 'fg-finance', 'fg-orders']


@pytest.mark.parametrize('options, problem', [
    ({'heartbeat_timeout': 5}, 'heartbeat_timeout must be at least 10 seconds'),
    ({'progress_interval': 0}, 'progress_interval must be at least 1 second'),
    ({'progress_interval': 'often'}, 'progress_interval'),
])
def test_the_action_options_are_checked_before_anything_runs(options, problem):
    plugin = action(failover_action, dict(groups=GROUPS, **options))

    with pytest.raises(AnsibleActionFail, match=problem):
        run(plugin)
    assert FakeWorker.made == []


# The rows

def test_one_row_per_group_and_each_cause_said_once():
    FakeWorker.outcome = load_fixture('batch_wrapper_failover_result.json')

    result = run(action(failover_action, {'groups': GROUPS}))

    assert [(row['name'], row['action'], row['final_state']) for row in result['rows']] == [
        ('fg-sales', 'failed over', 'Primary in japaneast'), ('fg-finance', 'error', None), ('fg-orders', 'error', None)]
    assert result['rows'][0]['request_id'] == '2f1c-req'
    assert result['rows'][0]['kind'] == 'failover_group'
    assert result['failed'] and result['changed']
    assert result['msg'] == ('2 failover group(s) failed: fg-finance, fg-orders: HTTP 400 FailoverAborted: '
                             'the partner instance went away')
    assert result['results'] == FakeWorker.outcome['results']  # the module's own result is kept


def test_a_lost_worker_leaves_an_error_for_every_group_it_did_not_confirm():
    progress = {'items': [
        {'name': 'fg-sales', 'where': 'japaneast', 'outcome': load_fixture('batch_wrapper_failover_result.json')['results'][0]},
        {'name': 'fg-finance', 'where': 'japaneast', 'stage': 'failover sent, waiting', 'known': {'failover_kind': 'planned'}},
        {'name': 'fg-orders', 'where': 'japaneast', 'stage': 'reading'},
    ]}
    why = 'the worker stopped: no heartbeat for 30 s (its process was killed, stopped or hung)'
    FakeWorker.outcome = {'failed': True, 'msg': why, 'worker_lost': True, 'results': results_from_progress(progress, why)}

    result = run(action(failover_action, {'groups': GROUPS}))

    assert [row['action'] for row in result['rows']] == ['failed over', 'error', 'error']
    assert result['rows'][1]['changed'] is False and 'failover sent, waiting' in result['rows'][1]['error']
    assert result['msg'].startswith('2 failover group(s) failed: fg-finance, fg-orders: the worker stopped')


def test_a_module_refused_as_a_whole_is_an_error_row_for_every_group():
    FakeWorker.outcome = {'failed': True, 'msg': 'groups[1].location: required'}

    result = run(action(failover_action, {'groups': GROUPS}))

    assert [row['error'] for row in result['rows']] == ['groups[1].location: required'] * 3
    assert result['msg'] == '3 failover group(s) failed: fg-sales, fg-finance, fg-orders: groups[1].location: required'


# The restores: workspaces requested by id or name, matched against one listing

def test_only_the_deleted_workspaces_reach_the_module_and_every_requested_one_has_a_row():
    FakeWorker.outcome = load_fixture('batch_wrapper_restore_result.json')
    requested = [{'name': 'Sales Reporting'}, {'id': '97dd1d38-a4c6-41ed-bc4f-1e383f8ddd0f'},
                 {'name': 'Never Existed'}, {'name': 'Data Engineering'}]
    plugin = action(restore_action, dict(SHARED, requested=requested, listing=load_fixture('batch_wrapper_listing.json'),
                                         default_admin_principal=PRINCIPAL, rate_limit_timeout=60))

    result = run(plugin)

    [worker] = FakeWorker.made
    assert worker.module == 'fabric_workspace_restore_batch' and not worker.progress_enabled
    admin = dict(PRINCIPAL, type='User')
    assert worker.args == dict(SHARED, rate_limit_timeout=60, workspaces=[
        {'workspace_id': '97dd1d38-a4c6-41ed-bc4f-1e383f8ddd0f', 'admin_principal': admin},
        {'workspace_id': '5a6b7c8d-9e0f-4a1b-8c2d-3e4f5a6b7c8d', 'admin_principal': admin}])
    assert FakeWatch.made[0].watched is None  # no progress file: no progress lines
    assert [(row['name'], row['action'], row['final_state']) for row in result['rows']] == [
        ('Sales Reporting', 'none', 'Active'), ('Finance Analytics', 'restored', 'Active'),
        ('Never Existed', 'error', None), ('Data Engineering', 'restored', 'Active')]
    assert {row['kind'] for row in result['rows']} == {'workspace'}
    assert result['failed']
    assert result['msg'].startswith('1 workspace(s) failed: Never Existed: not found among the workspaces')


def test_nothing_to_restore_runs_no_module():
    listing = load_fixture('batch_wrapper_listing.json')
    result = run(action(restore_action, {'requested': [{'name': 'Sales Reporting'}], 'listing': listing}))

    assert FakeWorker.made == []
    assert [row['action'] for row in result['rows']] == ['none']
    assert not result['failed'] and not result['changed']


def test_without_a_listing_every_workspace_given_by_id_goes_to_the_module():
    FakeWorker.outcome = {'changed': False, 'failed': True, 'msg': 'token refused', 'results': [
        {'item': {'workspace_id': 'c1d2e3f4-a5b6-4c7d-8e9f-0a1b2c3d4e5f'}, 'changed': False, 'failed': True,
         'msg': 'Could not get a token (AADSTS7000215)', 'cause': 'Could not get a token (AADSTS7000215)'}]}

    result = run(action(restore_action, {'requested': [{'id': 'c1d2e3f4-a5b6-4c7d-8e9f-0a1b2c3d4e5f', 'new_name': 'Ops'}]}))

    assert FakeWorker.made[0].args == {'workspaces': [{'workspace_id': 'c1d2e3f4-a5b6-4c7d-8e9f-0a1b2c3d4e5f',
                                                       'new_name': 'Ops'}]}
    assert result['rows'][0]['new_name'] == 'Ops'
    assert result['msg'] == '1 workspace(s) failed: c1d2e3f4-a5b6-4c7d-8e9f-0a1b2c3d4e5f: Could not get a token (AADSTS7000215)'


@pytest.mark.parametrize('transport', ['local', 'ssh'])
def test_the_module_contract_stays_usable_directly(transport):
    outcome = load_fixture('batch_wrapper_restore_result.json')
    workspaces = [{'workspace_id': item['item']['workspace_id']} for item in outcome['results']]
    FakeWorker.outcome = outcome
    plugin = action(restore_action, {'workspaces': workspaces}, transport=transport)
    plugin._execute_module.return_value = copy.deepcopy(outcome)

    result = run(plugin)

    assert [(row['name'], row['action']) for row in result['rows']] == [
        ('Finance Analytics', 'restored'), ('Data Engineering', 'restored')]
    assert not result['failed']


@pytest.mark.parametrize('args, problem', [
    ({'requested': [{'id': 'x'}], 'workspaces': [{'workspace_id': 'x'}]}, 'requested or workspaces, not both'),
    ({'requested': [{'id': 'x', 'name': 'y'}]}, 'mutually exclusive'),
    ({'workspaces': [{'workspace_id': 'x'}], 'listing': []}, 'go with requested'),
])
def test_the_restore_options_are_checked(args, problem):
    with pytest.raises(AnsibleActionFail, match=problem):
        run(action(restore_action, args))
