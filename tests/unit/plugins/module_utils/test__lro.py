# -*- coding: utf-8 -*-
# Copyright: contributors to the azure_dr.recovery collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import pytest
import responses

from ansible_collections.azure_dr.recovery.plugins.module_utils._arm import ArmClient
from ansible_collections.azure_dr.recovery.plugins.module_utils._errors import OperationFailed, OperationTimeout
from ansible_collections.azure_dr.recovery.plugins.module_utils._fabric import FabricClient

from ansible_collections.azure_dr.recovery.tests.unit.helpers import load_fixture

ARM = 'https://arm.example.test'
SUB = '00000000-1111-2222-3333-444444444444'
FAILOVER = ARM + '/subscriptions/%s/resourceGroups/Default/providers/Microsoft.Sql/locations/JapanWest/' \
                 'instanceFailoverGroups/failover-group-test-3/failover?api-version=2025-01-01' % SUB
ASYNC = ARM + '/subscriptions/%s/providers/Microsoft.Sql/locations/JapanWest/instanceFailoverGroupAzureAsyncOperation/op1' % SUB
SPEC = load_fixture('InstanceFailoverGroupFailover.2023-08-01.json')['responses']
# The spec example's polling URL, moved to the test host: no resource group, another api-version.
LOCATION = SPEC['202']['headers']['Location'].replace('https://management.azure.com', ARM)


def arm_client(make_http):
    return ArmClient(make_http(), ARM, 'https://management.azure.com/.default', SUB)


def start(client):
    return client.post(client.path('resourceGroups', 'Default', 'providers', 'Microsoft.Sql', 'locations', 'JapanWest',
                                   'instanceFailoverGroups', 'failover-group-test-3', 'failover'), '2025-01-01')


@responses.activate
def test_location_polling_202_then_200_honours_retry_after(make_http, clock):
    responses.post(FAILOVER, status=202, headers={'Location': LOCATION, 'Retry-After': '4'})
    responses.get(LOCATION, status=202, headers={'Retry-After': '2'})
    responses.get(LOCATION, status=200, json=SPEC['200']['body'])
    client = arm_client(make_http)
    final = client.wait(start(client), timeout=60)
    assert final.json()['properties']['replicationRole'] == 'Primary'
    assert clock.sleeps == [4.0, 2.0]
    assert [call.request.url for call in responses.calls[1:]] == [LOCATION, LOCATION]  # polled exactly as given


@responses.activate
def test_location_polling_ends_on_204(make_http, clock):
    responses.post(FAILOVER, status=202, headers={'Location': LOCATION})
    responses.get(LOCATION, status=204)
    client = arm_client(make_http)
    assert client.wait(start(client), timeout=60).status_code == 204


@responses.activate
def test_azure_async_operation_is_preferred_to_location(make_http, clock):
    responses.post(FAILOVER, status=202, headers={'Location': LOCATION, 'Azure-AsyncOperation': ASYNC, 'Retry-After': '1'})
    responses.get(ASYNC, json={'status': 'InProgress'}, headers={'Retry-After': '3'})
    responses.get(ASYNC, json={'status': 'Succeeded'})
    client = arm_client(make_http)
    final = client.wait(start(client), timeout=60)
    assert final.json() == {'status': 'Succeeded'}
    assert clock.sleeps == [1.0, 3.0]
    assert all(call.request.url != LOCATION for call in responses.calls)


@pytest.mark.parametrize('status', ['Failed', 'Canceled'])
@responses.activate
def test_operation_ending_failed_or_canceled_raises_with_its_code(make_http, status):
    responses.post(FAILOVER, status=202, headers={'Azure-AsyncOperation': ASYNC, 'Retry-After': '1'})
    responses.get(ASYNC, json={'status': status, 'error': {'code': 'FailoverAborted', 'message': 'aborted'}})
    client = arm_client(make_http)
    with pytest.raises(OperationFailed) as caught:
        client.wait(start(client), timeout=60)
    assert (caught.value.status, caught.value.code, caught.value.api_message) == (status, 'FailoverAborted', 'aborted')
    assert caught.value.to_result()['error']['operation_url'] == ASYNC


@responses.activate
def test_deadline_raises_a_timeout_with_the_operation_url_and_no_useless_wait(make_http, clock):
    responses.post(FAILOVER, status=202, headers={'Location': LOCATION, 'Retry-After': '10'})
    responses.get(LOCATION, status=202, headers={'Retry-After': '10'})
    client = arm_client(make_http)
    with pytest.raises(OperationTimeout) as caught:
        client.wait(start(client), timeout=25)
    assert clock.sleeps == [10.0, 10.0]  # the third poll would be at 30 s, past the 25 s deadline
    assert caught.value.operation_url == LOCATION
    assert 'still running after 20 s; the next check (in 10 s) would fall after the wait of 25 s' in caught.value.message
    assert 'goes on in the service' in caught.value.message


@responses.activate
def test_without_retry_after_the_interval_starts_short_and_grows(make_http, clock):
    responses.post(FAILOVER, status=202, headers={'Location': LOCATION})
    for dummy in range(4):
        responses.get(LOCATION, status=202)
    responses.get(LOCATION, status=200, json={})
    client = arm_client(make_http)
    client.wait(start(client), timeout=60)
    assert clock.sleeps == [1.0, 1.5, 2.25, 3.375, 5.0625]


@responses.activate
def test_token_expiring_during_a_long_wait_is_renewed_for_the_next_poll(make_http, clock):
    from ansible_collections.azure_dr.recovery.tests.unit.conftest import CountingCredential
    responses.post(FAILOVER, status=202, headers={'Location': LOCATION, 'Retry-After': '20'})
    responses.get(LOCATION, status=202, headers={'Retry-After': '20'})
    responses.get(LOCATION, status=200, json={})
    client = ArmClient(make_http(credential=CountingCredential(clock, lifetime=30)), ARM, 'scope', SUB)
    client.wait(start(client), timeout=120)
    assert [call.request.headers['Authorization'] for call in responses.calls] == [
        'Bearer token-1', 'Bearer token-1', 'Bearer token-2']  # at 0 s, 20 s (10 s left), 40 s (expired)


@responses.activate
def test_relative_location_is_resolved_against_the_request(make_http, clock):
    responses.post(FAILOVER, status=202, headers={'Location': '/operations/op-1', 'Retry-After': '1'})
    responses.get(ARM + '/operations/op-1', status=200, json={})
    client = arm_client(make_http)
    assert client.wait(start(client), timeout=60).status_code == 200


@responses.activate
def test_final_200_needs_no_polling(make_http, clock):
    responses.post(FAILOVER, status=200, json=SPEC['200']['body'])
    client = arm_client(make_http)
    response = start(client)
    assert client.wait(response, timeout=60) is response and clock.sleeps == []


FABRIC = 'https://fabric.example.test'
RESTORE = FABRIC + '/v1/admin/workspaces/97dd1d38-a4c6-41ed-bc4f-1e383f8ddd0f/restore'
ACCEPTED = load_fixture('platform_examples_DeprovisionWorkspaceIdentity_202.json')['responses']['202']['headers']
RUNNING = load_fixture('platform_examples_GetLongRunningOperationStateRunning.json')['responses']['200']
DONE = load_fixture('platform_examples_GetLongRunningOperationStateCompleted.json')['responses']['200']
OPERATION = FABRIC + '/v1/operations/' + ACCEPTED['x-ms-operation-id']


def fabric_headers(headers, base=FABRIC):
    return {key: str(value).replace('https://api.fabric.microsoft.com', base) for key, value in headers.items()}


@responses.activate
def test_fabric_operation_followed_from_202_to_succeeded(make_http, clock):
    responses.post(RESTORE, status=202, headers=fabric_headers(ACCEPTED))
    responses.get(OPERATION, json=RUNNING['body'], headers=fabric_headers(RUNNING['headers']))
    responses.get(OPERATION, json=DONE['body'], headers=fabric_headers(DONE['headers']))
    client = FabricClient(make_http(), FABRIC, 'https://api.fabric.microsoft.com/.default')
    final = client.wait(client.post(('admin', 'workspaces', '97dd1d38-a4c6-41ed-bc4f-1e383f8ddd0f', 'restore')), 600)
    assert final.json()['status'] == 'Succeeded'
    assert clock.sleeps == [5.0, 20.0]  # Retry-After of the 202, then of the Running answer


@responses.activate
def test_fabric_operation_ending_undefined_is_a_failure(make_http, clock):
    responses.post(RESTORE, status=202, headers=fabric_headers(ACCEPTED))
    responses.get(OPERATION, json={'status': 'Undefined'})
    client = FabricClient(make_http(), FABRIC, 'scope')
    with pytest.raises(OperationFailed, match='ended Undefined'):
        client.wait(client.post(('admin', 'workspaces', '97dd1d38-a4c6-41ed-bc4f-1e383f8ddd0f', 'restore')), 600)


@responses.activate
def test_fabric_operation_without_location_is_polled_by_its_id(make_http, clock):
    responses.post(RESTORE, status=202, headers={'x-ms-operation-id': 'op-7'})
    responses.get(FABRIC + '/v1/operations/op-7', json={'status': 'Failed', 'error': {'errorCode': 'RestoreFailed',
                                                                                      'message': 'no'}})
    client = FabricClient(make_http(), FABRIC, 'scope')
    with pytest.raises(OperationFailed) as caught:
        client.wait(client.post(('admin', 'workspaces', '97dd1d38-a4c6-41ed-bc4f-1e383f8ddd0f', 'restore')), 600)
    assert caught.value.code == 'RestoreFailed'
