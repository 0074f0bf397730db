# -*- coding: utf-8 -*-
# Copyright: contributors to the azure_dr.recovery collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import json

import pytest
import responses
from responses.matchers import query_param_matcher, query_string_matcher

from ansible_collections.azure_dr.recovery.plugins.module_utils._arm import ArmClient
from ansible_collections.azure_dr.recovery.plugins.module_utils._errors import ApiError, AzureDRError
from ansible_collections.azure_dr.recovery.plugins.module_utils._fabric import FabricClient

from ansible_collections.azure_dr.recovery.tests.unit.helpers import load_fixture

ARM = 'https://arm.example.test'
SUB = '00000000-1111-2222-3333-444444444444'
FABRIC = 'https://fabric.example.test'


def test_arm_paths_encode_every_segment(make_http):
    client = ArmClient(make_http(), ARM + '/', 'scope', SUB)
    path = client.path('resourceGroups', 'rg (1)', 'providers', 'Microsoft.Sql', 'locations', 'Japan West')
    assert path == '/subscriptions/%s/resourceGroups/rg%%20%%281%%29/providers/Microsoft.Sql/locations/Japan%%20West' % SUB
    assert client.url(path, '2025-01-01') == ARM + path + '?api-version=2025-01-01'


@responses.activate
def test_arm_list_follows_next_link_exactly(make_http):
    first = ARM + '/subscriptions/%s/groups?api-version=2025-01-01' % SUB
    second = ARM + '/subscriptions/%s/groups?api-version=2025-01-01&$skiptoken=abc' % SUB
    responses.get(first, json={'value': [{'name': 'a'}], 'nextLink': second},
                  match=[query_string_matcher('api-version=2025-01-01')])
    responses.get(second, json={'value': [{'name': 'b'}]})
    client = ArmClient(make_http(), ARM, 'scope', SUB)
    assert [item['name'] for item in client.list('/subscriptions/%s/groups' % SUB, '2025-01-01')] == ['a', 'b']
    assert len(responses.calls) == 2


@responses.activate
def test_arm_get_or_none(make_http):
    url = ARM + '/subscriptions/%s/x' % SUB
    responses.get(url, status=404, json={'error': {'code': 'ResourceNotFound', 'message': 'no'}})
    responses.get(url, status=403, json={'error': {'code': 'AuthorizationFailed', 'message': 'no'}})
    client = ArmClient(make_http(), ARM, 'scope', SUB)
    assert client.get_or_none('/subscriptions/%s/x' % SUB, '2025-01-01') is None
    with pytest.raises(ApiError) as caught:
        client.get_or_none('/subscriptions/%s/x' % SUB, '2025-01-01')
    assert 'SQL Managed Instance Contributor' in caught.value.to_result()['msg']


@responses.activate
def test_fabric_list_follows_continuation_uri_then_stops_on_null(make_http):
    page1 = load_fixture('admin_examples_ListWorkspaces.json')['responses']['200']['body']
    page1 = dict(page1, continuationUri=page1['continuationUri'].replace('https://api.fabric.microsoft.com', FABRIC))
    page2 = load_fixture('admin_examples_ListWorkspacesByState.json')['responses']['200']['body']
    responses.get(FABRIC + '/v1/admin/workspaces', json=page1, match=[query_param_matcher({'state': 'deleted'})])
    responses.get(page1['continuationUri'], json=page2)
    client = FabricClient(make_http(), FABRIC, 'scope')
    items = client.list(('admin', 'workspaces'), 'workspaces', params={'state': 'deleted', 'name': None})
    assert [item['id'] for item in items] == ['41ce06d1-d81b-4ea0-bc6d-2ce3dd2f8e87'] * 2
    assert len(responses.calls) == 2


@responses.activate
def test_fabric_list_with_continuation_token_only(make_http):
    responses.get(FABRIC + '/v1/admin/workspaces', json={'workspaces': [{'id': '1'}], 'continuationToken': 'T1'},
                  match=[query_param_matcher({'type': 'Personal'})])
    responses.get(FABRIC + '/v1/admin/workspaces', json={'workspaces': [{'id': '2'}]},
                  match=[query_param_matcher({'type': 'Personal', 'continuationToken': 'T1'})])
    client = FabricClient(make_http(), FABRIC, 'scope')
    assert [w['id'] for w in client.list(('admin', 'workspaces'), 'workspaces', {'type': 'Personal'})] == ['1', '2']


@responses.activate
def test_fabric_list_fails_when_the_service_repeats_a_token(make_http):
    responses.get(FABRIC + '/v1/admin/workspaces', json={'workspaces': [{'id': '1'}], 'continuationToken': 'SAME'})
    client = FabricClient(make_http(), FABRIC, 'scope')
    with pytest.raises(AzureDRError, match='repeated a continuation'):
        client.list(('admin', 'workspaces'), 'workspaces')
    assert len(responses.calls) == 2


@responses.activate
def test_arm_list_fails_when_next_link_loops(make_http):
    url = ARM + '/subscriptions/%s/groups?api-version=2025-01-01' % SUB
    responses.get(url, json={'value': [{'name': 'a'}], 'nextLink': url})
    with pytest.raises(AzureDRError, match='repeated a page'):
        ArmClient(make_http(), ARM, 'scope', SUB).list('/subscriptions/%s/groups' % SUB, '2025-01-01')


@responses.activate
def test_fabric_token_after_a_continuation_uri_goes_on_the_first_url_with_the_filters(make_http):
    base = FABRIC + '/v1/admin/workspaces'
    responses.get(base, json={'workspaces': [{'id': '1'}], 'continuationUri': base + '?state=deleted&continuationToken=A'},
                  match=[query_param_matcher({'state': 'deleted'})])
    responses.get(base, json={'workspaces': [{'id': '2'}], 'continuationToken': 'B'},
                  match=[query_param_matcher({'state': 'deleted', 'continuationToken': 'A'})])
    responses.get(base, json={'workspaces': [{'id': '3'}], 'continuationToken': None},
                  match=[query_param_matcher({'state': 'deleted', 'continuationToken': 'B'})])
    client = FabricClient(make_http(), FABRIC, 'scope')
    assert [w['id'] for w in client.list(('admin', 'workspaces'), 'workspaces', {'state': 'deleted'})] == ['1', '2', '3']


@responses.activate
def test_a_2xx_that_is_not_json_is_a_clear_error(make_http):
    responses.get(FABRIC + '/v1/admin/workspaces/w1', body='<html>proxy login</html>', content_type='text/html')
    with pytest.raises(AzureDRError) as caught:
        FabricClient(make_http(), FABRIC, 'scope').get('admin', 'workspaces', 'w1')
    assert "Expected JSON from GET https://fabric.example.test/v1/admin/workspaces/w1, got HTTP 200 with 'text/html'" \
        in caught.value.message


@responses.activate
def test_fabric_post_never_sends_null(make_http):
    url = FABRIC + '/v1/admin/workspaces/w1/restore'
    responses.post(url, status=200)
    client = FabricClient(make_http(), FABRIC, 'scope')
    client.post(('admin', 'workspaces', 'w1', 'restore'),
                {'newWorkspaceName': None, 'newWorkspaceAdminPrincipal': {'id': 'p', 'type': 'User'}})
    assert json.loads(responses.calls[0].request.body) == {'newWorkspaceAdminPrincipal': {'id': 'p', 'type': 'User'}}


@responses.activate
def test_fabric_get_or_none_on_entity_not_found(make_http):
    responses.get(FABRIC + '/v1/admin/workspaces/w1', status=404,
                  json={'errorCode': 'EntityNotFound', 'message': 'gone', 'requestId': 'r'})
    assert FabricClient(make_http(), FABRIC, 'scope').get_or_none('admin', 'workspaces', 'w1') is None


# --- the answers with which an API says it did not act: named by its client, not by the HTTP layer ---

GROUPS = ARM + '/subscriptions/%s/resourceGroups/rg/providers/Microsoft.Sql/locations/JapanEast/instanceFailoverGroups' % SUB
BUSY = {'error': {'code': 'InstanceFailoverGroupBusy', 'message': 'busy'}}


@responses.activate
def test_arm_sends_a_post_again_after_its_own_rolled_back_answer_only(make_http, clock):
    client = ArmClient(make_http(), ARM, 'scope', SUB)
    responses.post(ARM + '/subscriptions/%s/x/act?api-version=1' % SUB, status=500,
                   json={'error': {'code': 'OperationTimedOut', 'message': 'rolled back, please retry'}})
    responses.post(ARM + '/subscriptions/%s/x/act?api-version=1' % SUB, status=200, json={})
    assert client.post('/subscriptions/%s/x/act' % SUB, '1').status_code == 200 and clock.sleeps == [0.75]
    responses.post(ARM + '/subscriptions/%s/x/busy?api-version=1' % SUB, status=409, json=BUSY)
    with pytest.raises(ApiError):  # a resource provider's busy answer is its client's to name
        client.post('/subscriptions/%s/x/busy' % SUB, '1')
    assert len(responses.calls) == 3


def test_a_provider_client_adds_its_codes_to_arms_on_the_same_run():
    from ansible_collections.azure_dr.recovery.plugins.module_utils._failover_groups.client import BUSY_CODES, InstanceFailoverGroups

    arm = ArmClient(object(), ARM, 'scope', SUB)
    groups = InstanceFailoverGroups(arm, 'rg')
    assert groups.arm.not_acted == {500: frozenset(('OperationTimedOut',)), 409: BUSY_CODES}
    assert (groups.arm.http, groups.arm.subscription_id, groups.arm.scope) == (arm.http, SUB, 'scope')
    assert arm.not_acted == {500: frozenset(('OperationTimedOut',))}  # the run's client is left as it was
    assert ArmClient(object(), ARM, 'scope', SUB, {500: None}).not_acted == {500: None}


@responses.activate
def test_failover_groups_reads_ride_out_a_busy_group_and_the_failover_post_hands_it_back(make_http, clock):
    from ansible_collections.azure_dr.recovery.plugins.module_utils._failover_groups.client import InstanceFailoverGroups

    groups = InstanceFailoverGroups(ArmClient(make_http(), ARM, 'scope', SUB), 'rg')
    responses.get(GROUPS + '/fg?api-version=2025-01-01', status=409, json=BUSY, headers={'Retry-After': '2'})
    responses.get(GROUPS + '/fg?api-version=2025-01-01', json={'name': 'fg'})
    assert groups.get('JapanEast', 'fg') == {'name': 'fg'} and clock.sleeps == [2.0]
    responses.post(GROUPS + '/fg/failover?api-version=2025-01-01', status=409, json=BUSY, headers={'Retry-After': '4'})
    with pytest.raises(ApiError) as caught:  # make_primary reads the group again before it sends another
        groups.start_failover('JapanEast', 'fg', forced=False)
    assert (caught.value.code, caught.value.retry_after) == ('InstanceFailoverGroupBusy', 4.0) and clock.sleeps == [2.0]
