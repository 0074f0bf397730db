# -*- coding: utf-8 -*-
# Copyright: contributors to the azure_dr.recovery collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""fabric_workspace_restore and fabric_workspace_info: main() run with the spec example bodies
(tests/unit/fixtures, from microsoft/fabric-rest-api-specs) answered by `responses`."""

from __future__ import annotations

import json
import threading

import pytest
import responses
from responses.matchers import query_param_matcher

from ansible_collections.azure_dr.recovery.plugins.modules import fabric_workspace_info as info_module
from ansible_collections.azure_dr.recovery.plugins.modules import fabric_workspace_restore as restore_module
from ansible_collections.azure_dr.recovery.plugins.modules import fabric_workspace_restore_batch as batch_module
from ansible_collections.azure_dr.recovery.tests.unit.helpers import load_fixture

FABRIC = 'https://fabric.example.test'
ADMIN = FABRIC + '/v1/admin/workspaces'
EXAMPLE = load_fixture('admin_examples_RestoreWorkspace.json')['parameters']
WORKSPACE_ID = EXAMPLE['workspaceId']
ACTIVE = dict(load_fixture('admin_examples_GetWorkspaceById.json')['responses']['200']['body'], id=WORKSPACE_ID)
DELETED = dict(ACTIVE, state='Deleted')
BLOCKED = {'requestId': '15597129-0c42-4db4-ba1e-858b0b055712', 'errorCode': 'RequestBlocked',
           'message': 'Request is blocked by the upstream service until: 9/2/2025 6:17:18 PM (UTC)'}
ARGS = {'workspace_id': WORKSPACE_ID, 'fabric_endpoint': FABRIC, 'access_token': 'test-access-token'}


@pytest.fixture(autouse=True)
def no_real_sleep(monkeypatch):
    slept = []
    monkeypatch.setattr('time.sleep', slept.append)
    return slept


def posts():
    return [call for call in responses.calls if call.request.method == 'POST']


@responses.activate
def test_restore_sends_exactly_the_spec_example_request(run_module):
    responses.get(ADMIN + '/' + WORKSPACE_ID, json=DELETED)
    responses.post(ADMIN + '/' + WORKSPACE_ID + '/restore', status=200)
    responses.get(ADMIN + '/' + WORKSPACE_ID, json=dict(ACTIVE, name='Contoso Workspace'))
    request = EXAMPLE['restoreWorkspaceRequest']
    result, _out = run_module(restore_module.main, dict(ARGS, _ansible_diff=True, new_name=request['newWorkspaceName'],
                                                        admin_principal=request['newWorkspaceAdminPrincipal']))
    assert result['changed'] is True and result['workspace']['state'] == 'Active'
    assert json.loads(posts()[0].request.body) == request
    assert result['diff'] == {'before': {'state': 'Deleted', 'name': 'test report'},
                              'after': {'state': 'Active', 'name': 'Contoso Workspace'}}


@responses.activate
def test_only_given_fields_are_sent_and_never_null(run_module):
    responses.get(ADMIN + '/' + WORKSPACE_ID, json=DELETED)
    responses.post(ADMIN + '/' + WORKSPACE_ID + '/restore', status=200)
    responses.get(ADMIN + '/' + WORKSPACE_ID, json=ACTIVE)
    principal_id = EXAMPLE['restoreWorkspaceRequest']['newWorkspaceAdminPrincipal']['id']
    result, _out = run_module(restore_module.main, dict(ARGS, admin_principal={'id': principal_id}))
    assert result['changed'] is True
    assert json.loads(posts()[0].request.body) == {'newWorkspaceAdminPrincipal': {
        'id': '17dd1e38-a4c6-41ed-bc4f-1e383f8ddd01', 'type': 'User'}}


@responses.activate
def test_active_workspace_is_left_alone_with_a_warning_about_the_name(run_module):
    responses.get(ADMIN + '/' + WORKSPACE_ID, json=ACTIVE)
    result, _out = run_module(restore_module.main, dict(ARGS, new_name='Another name'))
    assert result['changed'] is False and result['workspace'] == ACTIVE and not posts()
    assert 'it was not renamed' in json.dumps(result['warnings'])


@responses.activate
def test_check_mode_reads_only(run_module):
    responses.get(ADMIN + '/' + WORKSPACE_ID, json=DELETED)
    result, _out = run_module(restore_module.main, dict(ARGS, _ansible_check_mode=True))
    assert result['changed'] is True and result['workspace'] == DELETED and len(responses.calls) == 1


@responses.activate
def test_personal_workspace_without_new_name_fails_before_any_post(run_module):
    responses.get(ADMIN + '/' + WORKSPACE_ID, json=dict(DELETED, type='Personal'))
    result, _out = run_module(restore_module.main, ARGS)
    assert result['failed'] is True and 'needs new_name' in result['msg'] and not posts()


@responses.activate
def test_unknown_or_purged_workspace(run_module):
    gone = {'errorCode': 'EntityNotFound', 'message': 'x', 'requestId': 'r'}
    responses.get(ADMIN + '/' + WORKSPACE_ID, status=404, json=gone)
    result, _out = run_module(restore_module.main, ARGS)
    assert result['failed'] is True and 'retention period' in result['msg'] and '7 to 90 days' in result['msg']


@responses.activate
def test_429_on_restore_is_waited_out_exactly_with_a_warning(run_module, no_real_sleep):
    responses.get(ADMIN + '/' + WORKSPACE_ID, json=DELETED)
    responses.post(ADMIN + '/' + WORKSPACE_ID + '/restore', status=429, json=BLOCKED,
                   headers={'Retry-After': '58', 'x-ms-public-api-error-code': 'RequestBlocked'})
    responses.post(ADMIN + '/' + WORKSPACE_ID + '/restore', status=200)
    responses.get(ADMIN + '/' + WORKSPACE_ID, json=ACTIVE)
    result, _out = run_module(restore_module.main, ARGS)
    assert result['changed'] is True and no_real_sleep == [58.0]
    assert 'RequestBlocked' in json.dumps(result['warnings'])


@responses.activate
def test_429_beyond_the_rate_limit_timeout_fails_clearly(run_module, no_real_sleep):
    responses.get(ADMIN + '/' + WORKSPACE_ID, status=429, json=BLOCKED, headers={'Retry-After': '3600'})
    result, _out = run_module(restore_module.main, dict(ARGS, rate_limit_timeout=60))
    assert result['failed'] is True and result['error']['code'] == 'RequestBlocked'
    assert 'retry budget of 60 s' in result['msg'] and no_real_sleep == []


@responses.activate
def test_name_taken_is_reported_with_code_and_request_id(run_module):
    responses.get(ADMIN + '/' + WORKSPACE_ID, json=DELETED)
    responses.post(ADMIN + '/' + WORKSPACE_ID + '/restore', status=409, json={
        'errorCode': 'WorkspaceNameAlreadyExists', 'message': "A workspace named 'x' already exists.", 'requestId': 'req-7'})
    result, _out = run_module(restore_module.main, dict(ARGS, new_name='x'))
    assert result['failed'] is True and result['error']['code'] == 'WorkspaceNameAlreadyExists'
    assert result['error']['request_id'] == 'req-7' and len(posts()) == 1


@responses.activate
def test_restore_by_name_uses_one_listing(run_module):
    responses.get(ADMIN, json={'workspaces': [DELETED], 'continuationUri': None, 'continuationToken': None},
                  match=[query_param_matcher({'state': 'deleted', 'name': 'test report'})])
    responses.post(ADMIN + '/' + WORKSPACE_ID + '/restore', status=200)
    responses.get(ADMIN + '/' + WORKSPACE_ID, json=ACTIVE)
    args = {key: value for key, value in ARGS.items() if key != 'workspace_id'}
    result, _out = run_module(restore_module.main, dict(args, workspace_name='test report'))
    assert result['changed'] is True
    assert [call.request.method for call in responses.calls] == ['GET', 'POST', 'GET']


@responses.activate
def test_ambiguous_name_lists_ids_and_types(run_module):
    other = dict(DELETED, id='22222222-3333-4444-5555-666666666666', type='Personal')
    responses.get(ADMIN, json={'workspaces': [DELETED, other]})
    args = {key: value for key, value in ARGS.items() if key != 'workspace_id'}
    result, _out = run_module(restore_module.main, dict(args, workspace_name='test report'))
    assert result['failed'] is True and not posts()
    assert '%s (Workspace)' % WORKSPACE_ID in result['msg'] and '22222222-3333-4444-5555-666666666666 (Personal)' in result['msg']
    assert 'Give workspace_id' in result['msg']


@responses.activate
def test_by_name_after_a_restore_converges(run_module):
    responses.get(ADMIN, json={'workspaces': []}, match=[query_param_matcher({'state': 'deleted', 'name': 'test report'})])
    responses.get(ADMIN, json={'workspaces': [ACTIVE]}, match=[query_param_matcher({'state': 'active'})])
    args = {key: value for key, value in ARGS.items() if key != 'workspace_id'}
    result, _out = run_module(restore_module.main, dict(args, workspace_name='test report'))
    assert result['changed'] is False and result['workspace'] == ACTIVE and not posts()


@responses.activate
def test_by_name_with_no_workspace_at_all(run_module):
    responses.get(ADMIN, json={'workspaces': []})
    args = {key: value for key, value in ARGS.items() if key != 'workspace_id'}
    result, _out = run_module(restore_module.main, dict(args, workspace_name='Gone'))
    assert result['failed'] is True and "No workspace is named 'Gone', deleted or active" in result['msg']


@pytest.mark.parametrize('bad,expected', [
    ({'workspace_id': 'nope'}, 'workspace_id must be a UUID'),
    ({'admin_principal': {'id': 'nope'}}, 'admin_principal.id must be a UUID'),
    ({'new_name': ' '}, 'new_name must not be empty'),
    ({'rate_limit_timeout': 0}, 'rate_limit_timeout must be a positive number'),
    # Ansible turns a mapping given as text into its Python text, and refuses text given as a mapping with a
    # message that names no option: both are named, together.
    ({'new_name': {'a': 1}}, 'new_name must be a string, got a mapping'),
    ({'admin_principal': 'not-a-mapping', 'new_name': ['x']}, "argument 'admin_principal' is of type"),
    ({'admin_principal': 'not-a-mapping', 'new_name': ['x']}, 'new_name must be a string, got a list'),
])
@responses.activate
def test_bad_input_fails_before_any_request(run_module, bad, expected):
    result, _out = run_module(restore_module.main, dict(ARGS, **bad))
    assert result['failed'] is True and expected in result['msg'] and len(responses.calls) == 0


def test_exactly_one_of_id_and_name(run_module):
    result, _out = run_module(restore_module.main, dict(ARGS, workspace_name='x'))
    assert result['failed'] is True and 'mutually exclusive' in result['msg']
    args = {key: value for key, value in ARGS.items() if key != 'workspace_id'}
    result, _out = run_module(restore_module.main, args)
    assert result['failed'] is True and 'one of the following is required' in result['msg']


@responses.activate
def test_info_by_id_or_absent(run_module):
    responses.get(ADMIN + '/' + WORKSPACE_ID, json=ACTIVE)
    result, _out = run_module(info_module.main, dict(ARGS, _ansible_check_mode=True))
    assert result['workspaces'] == [ACTIVE] and result['changed'] is False
    gone = {'errorCode': 'EntityNotFound', 'message': 'x'}
    responses.get(ADMIN + '/22222222-3333-4444-5555-666666666666', status=404, json=gone)
    result, _out = run_module(info_module.main, dict(ARGS, workspace_id='22222222-3333-4444-5555-666666666666'))
    assert result['workspaces'] == []


@responses.activate
def test_info_lists_with_lowercase_filters_and_every_page(run_module):
    page1 = load_fixture('admin_examples_ListWorkspaces.json')['responses']['200']['body']
    page1 = dict(page1, continuationUri=page1['continuationUri'].replace('https://api.fabric.microsoft.com', FABRIC))
    page2 = load_fixture('admin_examples_ListWorkspacesByState.json')['responses']['200']['body']
    responses.get(ADMIN, json=page1, match=[query_param_matcher({'state': 'deleted', 'type': 'Personal'})])
    responses.get(page1['continuationUri'], json=page2)
    args = {key: value for key, value in ARGS.items() if key != 'workspace_id'}
    result, _out = run_module(info_module.main, dict(args, state='deleted', type='Personal'))
    assert len(result['workspaces']) == 2


@responses.activate
def test_a_restore_answered_202_is_followed_to_its_end(run_module, no_real_sleep):
    accepted = load_fixture('platform_examples_DeprovisionWorkspaceIdentity_202.json')['responses']['202']['headers']
    operation = FABRIC + '/v1/operations/' + accepted['x-ms-operation-id']
    responses.get(ADMIN + '/' + WORKSPACE_ID, json=DELETED)
    responses.post(ADMIN + '/' + WORKSPACE_ID + '/restore', status=202,
                   headers={'Location': operation, 'x-ms-operation-id': accepted['x-ms-operation-id'], 'Retry-After': '5'})
    responses.get(operation, json={'status': 'Running'}, headers={'Retry-After': '20'})
    responses.get(operation, json={'status': 'Succeeded'})
    responses.get(ADMIN + '/' + WORKSPACE_ID, json=ACTIVE)
    result, _out = run_module(restore_module.main, ARGS)
    assert result['changed'] is True and result['workspace'] == ACTIVE
    assert no_real_sleep == [5.0, 20.0]


# --- many workspaces in one process: fabric_workspace_restore_batch ---

OTHER_ID = '5a6b7c8d-9e0f-4a1b-8c2d-3e4f5a6b7c8d'
THIRD_ID = 'c1d2e3f4-a5b6-4c7d-8e9f-0a1b2c3d4e5f'
BATCH_ARGS = {'fabric_endpoint': FABRIC, 'access_token': 'test-access-token'}


@responses.activate
def test_a_batch_waits_out_429_and_reports_each(run_module, no_real_sleep):
    responses.get(ADMIN + '/' + WORKSPACE_ID, json=DELETED)
    responses.post(ADMIN + '/' + WORKSPACE_ID + '/restore', status=200)
    responses.get(ADMIN + '/' + WORKSPACE_ID, json=ACTIVE)
    responses.get(ADMIN + '/' + OTHER_ID, json=dict(DELETED, id=OTHER_ID))
    responses.post(ADMIN + '/' + OTHER_ID + '/restore', status=429, json=BLOCKED, headers={'Retry-After': '6'})
    responses.post(ADMIN + '/' + OTHER_ID + '/restore', status=200)
    responses.get(ADMIN + '/' + OTHER_ID, json=dict(ACTIVE, id=OTHER_ID))
    responses.get(ADMIN + '/' + THIRD_ID, json=dict(DELETED, id=THIRD_ID, type='Personal'))
    result, _out = run_module(batch_module.main, dict(BATCH_ARGS, workspaces=[
        {'workspace_id': WORKSPACE_ID}, {'workspace_id': OTHER_ID}, {'workspace_id': THIRD_ID}]))
    assert result['failed'] is True and result['changed'] is True
    assert [(r['item']['workspace_id'], r['changed'], r['failed']) for r in result['results']] == [
        (WORKSPACE_ID, True, False), (OTHER_ID, True, False), (THIRD_ID, False, True)]
    assert 'personal workspace' in result['results'][2]['msg'] and THIRD_ID in result['msg']
    # The 429's Retry-After, exactly, once; a restore sent side by side may wait for the rest of that hold.
    assert no_real_sleep.count(6.0) == 1 and all(5.0 < wait <= 6.0 for wait in no_real_sleep)
    assert len(posts()) == 3  # no POST for the personal workspace without new_name


@responses.activate
def test_a_batch_checks_every_item_before_any_request(run_module):
    result, _out = run_module(batch_module.main, dict(BATCH_ARGS, workspaces=[
        {'workspace_id': 'nope'}, {'workspace_id': WORKSPACE_ID, 'admin_principal': {'id': 'bad'}},
        {'workspace_id': WORKSPACE_ID.upper()}]))
    assert result['failed'] is True and len(responses.calls) == 0
    assert result['error']['problems'] == [
        "workspaces[0].workspace_id must be a UUID such as 00000000-1111-2222-3333-444444444444, got 'nope'",
        "workspaces[1].admin_principal.id must be a UUID such as 00000000-1111-2222-3333-444444444444, got 'bad'",
        'workspaces[2]: workspace %s is already listed at workspaces[1]' % WORKSPACE_ID.upper()]


@responses.activate
def test_a_batch_reads_and_restores_side_by_side(run_module):
    ids = ['%08d-1111-4222-8333-444444444444' % number for number in range(6)]
    reads_together = threading.Barrier(3, timeout=5)  # broken (the test fails) unless 3 first reads overlap
    lock = threading.Lock()
    first_read = set()

    def read(request):
        workspace_id = request.url.rsplit('/', 1)[1]
        if workspace_id not in first_read and len(first_read) < 3:
            first_read.add(workspace_id)
            reads_together.wait()
            return 200, {}, json.dumps(dict(DELETED, id=workspace_id))
        first_read.add(workspace_id)
        state = 'Active' if workspace_id in restored else 'Deleted'
        return 200, {}, json.dumps(dict(DELETED, id=workspace_id, state=state))

    restored = set()
    restores_together = threading.Barrier(3, timeout=5)  # broken (the test fails) unless 3 restores overlap
    restore_count = [0]

    def restore(request):
        with lock:
            restore_count[0] += 1
            first = restore_count[0] <= 3
        if first:
            restores_together.wait()
        restored.add(request.url.rsplit('/', 2)[1])
        return 200, {}, ''

    for workspace_id in ids:
        responses.add_callback(responses.GET, ADMIN + '/' + workspace_id, callback=read)
        responses.add_callback(responses.POST, ADMIN + '/' + workspace_id + '/restore', callback=restore)
    result, _out = run_module(batch_module.main, dict(BATCH_ARGS, workspaces=[{'workspace_id': i} for i in ids]))
    assert result['changed'] is True and 'failed' not in result, result.get('msg')
    assert [r['workspace']['state'] for r in result['results']] == ['Active'] * 6
    assert len(posts()) == 6 and not restores_together.broken
    assert all(0 <= r['started'] <= result['elapsed'] for r in result['results'])


def test_a_list_item_given_as_text_is_named_and_no_secret_escapes(run_module):
    result, out = run_module(batch_module.main, dict(BATCH_ARGS, workspaces=['Sales'], secret='canary-secret-in-batch'))
    assert result['failed'] is True and "option 'workspaces'" in result['msg']
    assert 'canary-secret-in-batch' not in out
