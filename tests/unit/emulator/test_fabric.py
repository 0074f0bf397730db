# -*- coding: utf-8 -*-
# Copyright: contributors to the azure_dr.recovery collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The emulator's Fabric admin workspace API, driven with plain requests over HTTPS."""

from __future__ import annotations

import time

import pytest

from ansible_collections.azure_dr.recovery.tests.unit.emulator.conftest import ARM_SCOPE, FABRIC_SCOPE, demo_seed
from ansible_collections.azure_dr.recovery.tests.unit.emulator.test_arm import shape
from ansible_collections.azure_dr.recovery.tests.unit.helpers import FakeClock, load_fixture

ACTIVE = '41ce06d1-d81b-4ea0-bc6d-2ce3dd2f8e87'
DELETED = '97dd1d38-a4c6-41ed-bc4f-1e383f8ddd0f'
PERSONAL = 'c1d2e3f4-a5b6-4c7d-8e9f-0a1b2c3d4e5f'
ADMIN = {'id': '17dd1e38-a4c6-41ed-bc4f-1e383f8ddd01', 'type': 'User'}


def fabric(emu, method, path, **kwargs):
    return emu.call(method, '/v1/admin/workspaces' + path, scope=FABRIC_SCOPE, **kwargs)


def test_get_matches_the_spec_example(emu):
    answer = fabric(emu, 'GET', '/' + ACTIVE)
    example = load_fixture('admin_examples_GetWorkspaceById.json')['responses']['200']['body']
    # The same workspace as the spec example, under the demo estate's name.
    assert answer.status_code == 200 and answer.json() == dict(example, name='Sales Reporting')
    assert answer.headers['RequestId']


def test_list_filters_are_case_insensitive_and_pages_follow_continuation(start_emulator):
    emu = start_emulator(demo_seed(fabric_page_size=1))
    ids, path = [], '?state=deleted'
    while path:
        page = fabric(emu, 'GET', path).json()
        ids += [workspace['id'] for workspace in page['workspaces']]
        assert set(page) == {'workspaces', 'continuationUri', 'continuationToken'}
        path = page['continuationUri']
        if path:
            path = path.split('/v1/admin/workspaces', 1)[1]
    assert sorted(ids) == sorted([DELETED, PERSONAL, '5a6b7c8d-9e0f-4a1b-8c2d-3e4f5a6b7c8d'])
    token_page = fabric(emu, 'GET', '?state=Deleted').json()
    second = fabric(emu, 'GET', '?state=Deleted&continuationToken=' + token_page['continuationToken']).json()
    assert second['workspaces'][0]['id'] == sorted(ids)[1]


@pytest.mark.parametrize('query,expected', [
    ('?type=personal', [PERSONAL]),
    ('?name=finance%20analytics', [DELETED]),
    ('?capacityId=41ce06d1-d81b-4ea0-bc6d-2ce3dd2f8e84&state=active', [ACTIVE]),
])
def test_list_filters(emu, query, expected):
    page = fabric(emu, 'GET', query).json()
    assert [workspace['id'] for workspace in page['workspaces']] == expected
    assert page['continuationUri'] is None and page['continuationToken'] is None


def test_restore_brings_a_deleted_workspace_back(emu):
    answer = fabric(emu, 'POST', '/%s/restore' % DELETED, json={'newWorkspaceAdminPrincipal': ADMIN})
    assert answer.status_code == 200 and answer.content == b''
    assert fabric(emu, 'GET', '/' + DELETED).json()['state'] == 'Active'
    again = fabric(emu, 'POST', '/%s/restore' % DELETED, json={})
    assert again.status_code == 400 and again.json()['errorCode'] == 'InvalidRestoreWorkspaceRequest'


def test_a_personal_workspace_needs_a_new_name_and_comes_back_as_a_workspace(emu):
    refused = fabric(emu, 'POST', '/%s/restore' % PERSONAL, json={})
    assert refused.status_code == 400 and refused.json()['errorCode'] == 'InvalidRestoreWorkspaceRequest'
    restored = fabric(emu, 'POST', '/%s/restore' % PERSONAL, json={'newWorkspaceName': 'Ops (restored)'})
    assert restored.status_code == 200
    workspace = fabric(emu, 'GET', '/' + PERSONAL).json()
    assert (workspace['type'], workspace['state'], workspace['name']) == ('Workspace', 'Active', 'Ops (restored)')


@pytest.mark.parametrize('body,status,code', [
    ({'newWorkspaceAdminPrincipal': {'id': 'not-a-uuid', 'type': 'User'}}, 400, 'InvalidInput'),
    ({'newWorkspaceAdminPrincipal': {'id': ADMIN['id'], 'type': 'Robot'}}, 400, 'InvalidInput'),
    ({'newWorkspaceName': None}, 400, 'InvalidInput'),
    ({'newWorkspaceName': 'Sales Reporting'}, 409, 'WorkspaceNameAlreadyExists'),
])
def test_restore_body_is_checked(emu, body, status, code):
    answer = fabric(emu, 'POST', '/%s/restore' % DELETED, json=body)
    assert answer.status_code == status and answer.json()['errorCode'] == code
    assert answer.json()['requestId'] == answer.headers['RequestId']
    assert fabric(emu, 'GET', '/' + DELETED).json()['state'] == 'Deleted'


def test_unknown_and_purged_workspaces_are_entity_not_found(start_emulator):
    seed = demo_seed()
    seed['workspaces'].append({'id': 'deadbeef-0000-4000-8000-000000000000', 'name': 'Old', 'state': 'Deleted',
                               'deleted_days_ago': 10, 'retention_days': 7})
    emu = start_emulator(seed)
    for workspace_id in ('deadbeef-0000-4000-8000-000000000000', '00000000-0000-4000-8000-000000000000'):
        for method, path in (('GET', '/' + workspace_id), ('POST', '/%s/restore' % workspace_id)):
            answer = fabric(emu, method, path, json={})
            assert answer.status_code == 404 and answer.json()['errorCode'] == 'EntityNotFound'
    listed = [w['id'] for w in fabric(emu, 'GET', '?state=deleted').json()['workspaces']]
    assert 'deadbeef-0000-4000-8000-000000000000' not in listed


def test_only_a_fabric_token_is_accepted(emu):
    answer = emu.call('GET', '/v1/admin/workspaces/' + ACTIVE, scope=ARM_SCOPE)
    assert answer.status_code == 401 and answer.json()['errorCode'] == 'InvalidToken'
    assert emu.call('GET', '/v1/admin/workspaces/' + ACTIVE, scope=None).json()['errorCode'] == 'TokenIsMissing'


def test_restore_rate_limit_answers_the_recorded_429_and_frees_up_after_retry_after(start_emulator):
    seed = demo_seed(restore_limit=10, restore_window=2)
    seed['workspaces'] += [{'id': '0000000%d-1111-4222-8333-444444444444' % n, 'name': 'W%d' % n, 'state': 'Deleted'}
                           for n in range(10)]
    emu = start_emulator(seed)
    # The emulator's clock stands still until the test moves it: eleven requests fall in one window however slow
    # the machine, and the window ends exactly when Retry-After says.
    clock = FakeClock(time.time())
    emu.emulator.store.clock = clock
    statuses = [fabric(emu, 'POST', '/0000000%d-1111-4222-8333-444444444444/restore' % n, json={}).status_code
                for n in range(10)]
    assert statuses == [200] * 10
    blocked = fabric(emu, 'POST', '/%s/restore' % DELETED, json={})
    assert blocked.status_code == 429
    body = blocked.json()
    assert set(body) == {'requestId', 'errorCode', 'message'} and body['errorCode'] == 'RequestBlocked'
    assert body['message'].startswith('Request is blocked by the upstream service until: ')
    assert blocked.headers['x-ms-public-api-error-code'] == 'RequestBlocked'
    retry_after = int(blocked.headers['Retry-After'])
    assert 1 <= retry_after <= 2
    clock.now += retry_after - 0.5
    assert fabric(emu, 'POST', '/%s/restore' % DELETED, json={}).status_code == 429
    clock.now += 0.5
    assert fabric(emu, 'POST', '/%s/restore' % DELETED, json={}).status_code == 200


def test_read_rate_limit_counts_gets_and_lists(start_emulator):
    emu = start_emulator(demo_seed(read_limit=3, read_window=30))
    assert [fabric(emu, 'GET', path).status_code for path in ('/' + ACTIVE, '', '?state=deleted')] == [200] * 3
    assert fabric(emu, 'GET', '/' + ACTIVE).status_code == 429


def test_async_restore_follows_the_fabric_operation_pattern(start_emulator):
    emu = start_emulator(demo_seed(fabric_restore_async=True, fabric_operation_seconds=1, fabric_retry_after=1))
    answer = fabric(emu, 'POST', '/%s/restore' % DELETED, json={})
    assert answer.status_code == 202
    operation_id = answer.headers['x-ms-operation-id']
    assert answer.headers['Location'] == '%s/v1/operations/%s' % (emu.url, operation_id)
    running = emu.call('GET', answer.headers['Location'], scope=FABRIC_SCOPE)
    example = load_fixture('platform_examples_GetLongRunningOperationStateRunning.json')['responses']['200']['body']
    assert shape(running.json()) == shape(example) and running.json()['status'] == 'Running'
    time.sleep(float(running.headers['Retry-After']))
    done = emu.call('GET', answer.headers['Location'], scope=FABRIC_SCOPE)
    assert done.json()['status'] == 'Succeeded' and done.headers['Location'].endswith('/result')
    assert fabric(emu, 'GET', '/' + DELETED).json()['state'] == 'Active'


def test_async_restore_made_to_fail(start_emulator):
    emu = start_emulator(demo_seed(fabric_restore_async=True, fabric_operation_seconds=0))
    emu.control('POST', 'lro-faults', json={'api': 'fabric', 'code': 'RestoreFailed', 'message': 'capacity paused'})
    answer = fabric(emu, 'POST', '/%s/restore' % DELETED, json={})
    state = emu.call('GET', answer.headers['Location'], scope=FABRIC_SCOPE).json()
    assert state['status'] == 'Failed' and state['error'] == {'errorCode': 'RestoreFailed', 'message': 'capacity paused'}
    assert fabric(emu, 'GET', '/' + DELETED).json()['state'] == 'Deleted'
