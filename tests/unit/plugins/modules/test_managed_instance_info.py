# -*- coding: utf-8 -*-
# Copyright: contributors to the azure_dr.recovery collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""managed_instance_info: main() run with the spec example bodies (tests/unit/fixtures: ManagedInstanceGet,
ManagedInstanceList, ManagedInstanceListByResourceGroup from Azure/azure-rest-api-specs' Microsoft.Sql, and
GetSubscriptions from its Microsoft.Resources) answered by `responses`."""

from __future__ import annotations

import copy
import json
import re

import pytest
import responses

from ansible_collections.azure_dr.recovery.plugins.module_utils._managed_instances import instance_facts, parse_instance_id
from ansible_collections.azure_dr.recovery.plugins.modules import managed_instance_info as info_module
from ansible_collections.azure_dr.recovery.tests.unit.helpers import load_fixture
from ansible_collections.azure_dr.recovery.tests.unit.plugins.doc_fragments.test_module_options import (
    argument_spec,
    assert_same,
    documented_options,
)

ARM = 'https://arm.example.test'
SUB = '00000000-1111-2222-3333-444444444444'
OTHER = '66666666-7777-4888-9999-000000000000'
DENIED = '77777777-8888-4999-aaaa-111111111111'
QUERY = '?api-version=2025-01-01'
SUBSCRIPTIONS = ARM + '/subscriptions?api-version=2022-12-01'
ONE = load_fixture('ManagedInstanceGet.json')['responses']['200']['body']
IN_SUBSCRIPTION = load_fixture('ManagedInstanceList.json')['responses']['200']['body']['value']
IN_GROUP = load_fixture('ManagedInstanceListByResourceGroup.json')['responses']['200']['body']['value']
SUBSCRIPTION_LIST = load_fixture('GetSubscriptions.json')['responses']['200']['body']
ARGS = {'subscription_id': SUB, 'arm_endpoint': ARM, 'access_token': 'test-access-token'}
AUTHORIZATION_FAILED = {'error': {'code': 'AuthorizationFailed', 'message': "The client 'dr' does not have authorization "
                                  "to perform action 'Microsoft.Sql/managedInstances/read' over scope '/subscriptions/%s'"
                                  % DENIED}}


def instances_url(subscription, resource_group=None, name=None):
    url = ARM + '/subscriptions/' + subscription
    if resource_group:
        url += '/resourceGroups/' + resource_group
    url += '/providers/Microsoft.Sql/managedInstances'
    return url + ('/' + name if name else '')


def moved(resource, subscription, resource_group=None, name=None):
    """The example instance as it would be in another subscription (and resource group, under another name)."""
    body = copy.deepcopy(resource)
    body['id'] = body['id'].replace(SUB, subscription)
    if resource_group:
        body['id'] = re.sub('/resourceGroups/[^/]+/', '/resourceGroups/%s/' % resource_group, body['id'])
    if name:
        body['id'] = body['id'].rsplit('/', 1)[0] + '/' + name
        body['name'] = name
    return body


def subscription(subscription_id, display_name, state='Enabled'):
    return dict(SUBSCRIPTION_LIST['value'][0], id='/subscriptions/' + subscription_id, subscriptionId=subscription_id,
                displayName=display_name, state=state)


def urls():
    return [call.request.url for call in responses.calls]


@pytest.fixture(autouse=True)
def no_real_sleep(monkeypatch):
    monkeypatch.setattr('time.sleep', lambda seconds: None)


def test_an_instance_is_shaped_from_its_resource():
    facts = instance_facts(ONE)
    assert facts == {
        'id': ONE['id'], 'name': 'testinstance', 'subscription_id': SUB, 'resource_group': 'testrg',
        'location': 'japaneast', 'sku_name': 'GP_Gen5', 'tier': 'GeneralPurpose', 'family': 'Gen5', 'capacity': 8,
        'v_cores': 8, 'storage_size_in_gb': 1024, 'license_type': 'LicenseIncluded', 'zone_redundant': None,
        'backup_storage_redundancy': 'Geo',
        'maintenance_configuration_id': '/subscriptions/%s/providers/Microsoft.Maintenance/publicMaintenanceConfigurations/'
                                        'SQL_JapanEast_MI_1' % SUB,
        'state': 'Ready', 'resource': ONE}
    sparse = instance_facts({'id': '/SUBSCRIPTIONS/%s/resourcegroups/rg/providers/microsoft.sql/managedinstances/mi' % SUB})
    assert (sparse['subscription_id'], sparse['resource_group'], sparse['v_cores'], sparse['tier']) == (SUB, 'rg', None, None)
    assert parse_instance_id('/subscriptions/%s/resourceGroups/rg/providers/Microsoft.Sql/servers/s' % SUB) == (None, None, None)


@responses.activate
def test_one_instance_by_name_or_none(run_module):
    responses.get(instances_url(SUB, 'testrg', 'testinstance') + QUERY, json=ONE)
    responses.get(instances_url(SUB, 'testrg', 'absent') + QUERY, status=404,
                  json={'error': {'code': 'ResourceNotFound', 'message': 'not found'}})
    result, _out = run_module(info_module.main, dict(ARGS, resource_group='testrg', name='testinstance',
                                                     _ansible_check_mode=True))
    assert result['changed'] is False and 'failed' not in result
    assert result['managed_instances'] == [instance_facts(ONE)] and result['unreadable'] == []
    assert 'subscriptions' not in result
    result, _out = run_module(info_module.main, dict(ARGS, resource_group='testrg', name='absent'))
    assert 'failed' not in result and result['managed_instances'] == []


@responses.activate
def test_a_resource_group_and_the_whole_subscription(run_module):
    responses.get(instances_url(SUB, 'Test1') + QUERY, json={'value': IN_GROUP})
    responses.get(instances_url(SUB) + QUERY, json={'value': IN_SUBSCRIPTION})
    result, _out = run_module(info_module.main, dict(ARGS, resource_group='Test1'))
    assert [i['name'] for i in result['managed_instances']] == ['testinstance1', 'testinstance2']
    assert [i['tier'] for i in result['managed_instances']] == ['GeneralPurpose', 'BusinessCritical']
    result, _out = run_module(info_module.main, ARGS)
    assert [i['v_cores'] for i in result['managed_instances']] == [8, 16]
    assert urls() == [instances_url(SUB, 'Test1') + QUERY, instances_url(SUB) + QUERY]


@responses.activate
def test_every_page_is_read_following_next_link_exactly_as_given(run_module):
    first = instances_url(SUB) + QUERY
    second = instances_url(SUB) + '?api-version=2025-01-01&$skipToken=eyJhIjoxfQ%3D%3D&extra=kept'
    third = ARM + '/paging/elsewhere/page3?token=3'  # a nextLink need not look like the collection's URL
    late = moved(IN_SUBSCRIPTION[0], SUB, 'Aaa', 'zz-first-by-group')
    responses.get(first, json={'value': [IN_SUBSCRIPTION[1]], 'nextLink': second})
    responses.get(second, json={'value': [IN_SUBSCRIPTION[0]], 'nextLink': third})
    responses.get(third, json={'value': [late]})
    result, _out = run_module(info_module.main, ARGS)
    assert urls() == [first, second, third]
    # Sorted by subscription, resource group, name whatever the pages' order.
    assert [(i['resource_group'], i['name']) for i in result['managed_instances']] == [
        ('Aaa', 'zz-first-by-group'), ('Test1', 'testinstance1'), ('Test1', 'testinstance2')]


@responses.activate
def test_a_next_link_to_another_host_gets_no_token(run_module):
    responses.get(instances_url(SUB) + QUERY, json={'value': [], 'nextLink': 'https://elsewhere.example.test/page2'})
    result, out = run_module(info_module.main, ARGS)
    assert result['failed'] is True and 'Refusing to send a token to elsewhere.example.test' in result['msg']
    assert len(responses.calls) == 1 and 'test-access-token' not in out


@responses.activate
def test_scopes_are_read_side_by_side_and_a_forbidden_one_is_reported(run_module):
    responses.get(instances_url(SUB) + QUERY, json={'value': IN_SUBSCRIPTION})
    # The resource group of the same subscription: its instances are returned once.
    responses.get(instances_url(SUB, 'Test1') + QUERY, json={'value': IN_GROUP})
    responses.get(instances_url(OTHER, 'rg-dr') + QUERY,
                  json={'value': [moved(ONE, OTHER, name='dr-instance')], 'nextLink': instances_url(OTHER, 'rg-dr') + QUERY + '&p=2'})
    responses.get(instances_url(OTHER, 'rg-dr') + QUERY + '&p=2', json={'value': [moved(ONE, OTHER, name='dr-instance-2')]})
    responses.get(instances_url(DENIED) + QUERY, status=403, json=AUTHORIZATION_FAILED)
    responses.get(SUBSCRIPTIONS, json={'value': [subscription(SUB, 'Production'), subscription(OTHER, 'Disaster Recovery'),
                                                 subscription('99999999-0000-4000-8000-000000000000', 'Not asked')]})
    scopes = [{'subscription_id': OTHER, 'resource_group': 'rg-dr'}, {'subscription_id': DENIED},
              {'subscription_id': SUB}, {'subscription_id': SUB, 'resource_group': 'Test1'}]
    result, out = run_module(info_module.main, {'scopes': scopes, 'arm_endpoint': ARM, 'access_token': 'test-access-token'})
    assert 'failed' not in result, result.get('msg')
    assert [(i['subscription_id'], i['name']) for i in result['managed_instances']] == [
        (SUB, 'testinstance1'), (SUB, 'testinstance2'), (OTHER, 'dr-instance'), (OTHER, 'dr-instance-2')]
    assert result['subscriptions'] == [
        {'subscription_id': SUB, 'display_name': 'Production', 'state': 'Enabled'},
        {'subscription_id': OTHER, 'display_name': 'Disaster Recovery', 'state': 'Enabled'},
        {'subscription_id': DENIED, 'display_name': None, 'state': None}]
    unreadable, = result['unreadable']
    assert (unreadable['subscription_id'], unreadable['resource_group'], unreadable['location']) == (DENIED, None, None)
    assert 'HTTP 403 AuthorizationFailed' in unreadable['msg'] and DENIED in unreadable['msg']
    assert len(result['warnings']) == 1
    assert 'Skipped subscription %s, which the identity may not read: HTTP 403 AuthorizationFailed' % DENIED \
        in json.dumps(result['warnings'])
    assert len(responses.calls) == 6  # each page once, the subscriptions once
    assert {call.request.headers['Authorization'] for call in responses.calls} == {'Bearer test-access-token'}
    assert 'test-access-token' not in out


@responses.activate
def test_scopes_without_the_subscription_list_still_answer(run_module):
    responses.get(instances_url(OTHER) + QUERY, json={'value': []})
    responses.get(SUBSCRIPTIONS, status=403, json=AUTHORIZATION_FAILED)
    result, _out = run_module(info_module.main, dict(ARGS, scopes=[{'subscription_id': OTHER}]))
    assert 'failed' not in result and result['managed_instances'] == []
    assert result['subscriptions'] == [{'subscription_id': OTHER, 'display_name': None, 'state': None}]
    assert 'The subscriptions could not be listed' in json.dumps(result['warnings'])


@responses.activate
def test_another_error_of_a_scope_fails_the_task(run_module):
    responses.get(instances_url(SUB) + QUERY, json={'value': IN_SUBSCRIPTION})
    responses.get(instances_url(OTHER, 'rg-typo') + QUERY, status=404,
                  json={'error': {'code': 'ResourceGroupNotFound', 'message': "Resource group 'rg-typo' could not be found."}})
    responses.get(SUBSCRIPTIONS, json={'value': []})
    scopes = [{'subscription_id': SUB}, {'subscription_id': OTHER, 'resource_group': 'rg-typo'}]
    result, _out = run_module(info_module.main, dict(ARGS, scopes=scopes))
    assert result['failed'] is True and result['msg'].startswith('HTTP 404 ResourceGroupNotFound')
    assert 'rg-typo' in result['msg'] and 'check resource_group' in result['msg']


@responses.activate
def test_all_subscriptions_every_page_of_them_then_their_instances(run_module):
    page_two = SUBSCRIPTIONS + '&$skiptoken=2'
    first = dict(SUBSCRIPTION_LIST, value=[subscription(OTHER, 'Disaster Recovery'), subscription(DENIED, 'Locked', 'Warned')],
                 nextLink=page_two)
    responses.get(SUBSCRIPTIONS, json=first)
    responses.get(page_two, json={'value': [subscription(SUB, 'Production')]})
    responses.get(instances_url(SUB) + QUERY, json={'value': IN_SUBSCRIPTION})
    responses.get(instances_url(OTHER) + QUERY, json={'value': [moved(ONE, OTHER)]})
    responses.get(instances_url(DENIED) + QUERY, status=403, json=AUTHORIZATION_FAILED)
    # No subscription_id: the identity's subscriptions say where to look.
    result, _out = run_module(info_module.main, {'all_subscriptions': True, 'arm_endpoint': ARM, 'access_token': 'test-access-token'})
    assert 'failed' not in result, result.get('msg')
    assert urls()[:2] == [SUBSCRIPTIONS, page_two] and len(urls()) == 5
    assert [i['subscription_id'] for i in result['managed_instances']] == [SUB, SUB, OTHER]
    assert [s['subscription_id'] for s in result['subscriptions']] == [SUB, OTHER, DENIED]
    assert result['subscriptions'][2] == {'subscription_id': DENIED, 'display_name': 'Locked', 'state': 'Warned'}
    assert [(u['subscription_id'], u['resource_group']) for u in result['unreadable']] == [(DENIED, None)]
    assert len(result['warnings']) == 1


@responses.activate
def test_all_subscriptions_when_the_identity_sees_none(run_module):
    responses.get(SUBSCRIPTIONS, json={'value': []})
    result, _out = run_module(info_module.main, dict(ARGS, all_subscriptions=True))
    assert 'failed' not in result and result['managed_instances'] == [] and result['subscriptions'] == []
    assert 'sees no subscription' in json.dumps(result['warnings'])


@pytest.mark.parametrize('bad,expected', [
    ({'subscription_id': 'nope'}, 'subscription_id must be a UUID'),
    ({'subscription_id': None}, 'subscription_id (or the environment variable AZURE_SUBSCRIPTION_ID) is required'),
    ({'resource_group': 'bad/rg'}, 'resource_group must be 1 to 90'),
    ({'resource_group': 'ends-with.'}, 'resource_group must be 1 to 90'),
    ({'name': 'mi'}, 'name needs resource_group'),
    ({'resource_group': 'rg', 'name': ''}, 'name must not be empty'),
    ({'scopes': [{'subscription_id': SUB}], 'all_subscriptions': True},
     'scopes and all_subscriptions are mutually exclusive'),
    ({'scopes': [{'subscription_id': SUB}], 'resource_group': 'rg', 'name': 'mi'},
     'scopes and resource_group and name are mutually exclusive'),
    ({'all_subscriptions': True, 'name': 'mi'}, 'all_subscriptions and name are mutually exclusive'),
    ({'scopes': []}, 'scopes must list at least one scope'),
    ({'scopes': [{'subscription_id': SUB}, {'subscription_id': 'not-a-uuid'}]}, 'scopes[1].subscription_id must be a UUID'),
    ({'scopes': [{'subscription_id': SUB, 'resource_group': 'a b'}]}, 'scopes[0].resource_group must be 1 to 90'),
    ({'scopes': [{'subscription_id': SUB, 'resource_group': 'rg'}, {'subscription_id': SUB.upper(), 'resource_group': 'RG'}]},
     'scopes[1]: resource group RG of subscription %s is already listed at scopes[0]' % SUB.upper()),
    ({'subscription_id': None, 'scopes': [{'subscription_id': SUB}, {'resource_group': 'rg'}]},
     'subscription_id (or the environment variable AZURE_SUBSCRIPTION_ID) is required'),
    ({'scopes': [{'resource_group': 'rg'}, {'subscription_id': SUB, 'resource_group': 'rg'}]},
     'scopes[1]: resource group rg of subscription %s is already listed at scopes[0]' % SUB),
    ({'failover_groups': 'maybe'}, 'failover_groups'),
    ({'scopes': [{'subscription_id': {'a': 1}}]}, 'scopes[0].subscription_id must be a string'),
])
@responses.activate
def test_bad_input_fails_before_any_request(run_module, bad, expected):
    result, _out = run_module(info_module.main, dict(ARGS, **bad))
    assert result['failed'] is True and expected in result['msg'], result['msg']
    assert len(responses.calls) == 0


@responses.activate
def test_no_secret_or_token_in_the_output(run_module):
    authority, tenant = 'https://login.example.test', '72f988bf-86f1-41af-91ab-2d7cd011db47'
    base = '%s/%s' % (authority, tenant)
    responses.get(base + '/v2.0/.well-known/openid-configuration', json={
        'token_endpoint': base + '/oauth2/v2.0/token', 'authorization_endpoint': base + '/oauth2/v2.0/authorize',
        'issuer': base + '/v2.0'})
    token = responses.post(base + '/oauth2/v2.0/token',
                           json={'token_type': 'Bearer', 'expires_in': 3599, 'access_token': 'the-arm-token-value'})
    responses.get(SUBSCRIPTIONS, json={'value': [subscription(SUB, 'Production'), subscription(DENIED, 'Locked')]})
    responses.get(instances_url(SUB) + QUERY, json={'value': IN_SUBSCRIPTION})
    denied = copy.deepcopy(AUTHORIZATION_FAILED)
    denied['error']['message'] += ' (token the-arm-token-value, secret a-client-secret-value)'  # a service that echoes them
    responses.get(instances_url(DENIED) + QUERY, status=403, json=denied)
    args = {'all_subscriptions': True, 'arm_endpoint': ARM, 'authority_host': authority, 'tenant': tenant,
            'client_id': '11111111-2222-3333-4444-555555555555', 'secret': 'a-client-secret-value'}
    result, out = run_module(info_module.main, args)
    assert 'failed' not in result and len(result['managed_instances']) == 2 and len(result['unreadable']) == 1
    assert token.call_count == 1  # one token for every subscription
    assert 'the-arm-token-value' not in out and 'a-client-secret-value' not in out


def test_documented_options_are_the_argument_spec(monkeypatch):
    assert_same(documented_options(info_module), argument_spec(info_module, monkeypatch))


def groups_url(subscription, resource_group, location):
    return '%s/subscriptions/%s/resourceGroups/%s/providers/Microsoft.Sql/locations/%s/instanceFailoverGroups' % (
        ARM, subscription, resource_group, location)


@responses.activate
def test_the_failover_groups_where_the_instances_live(run_module):
    fg = load_fixture('InstanceFailoverGroupList.json')['responses']['200']['body']['value']
    west = [moved(ONE, SUB, 'Test1', 'mi-west'), moved(ONE, SUB, 'Test1', 'mi-west-2')]
    for instance in west:
        instance['location'] = 'japanwest'
    east = moved(ONE, OTHER, 'rg-east', 'mi-east')
    # A scope without a subscription is in the module's; the run's subscription is listed once, its two instances
    # in one region make one failover group listing.
    responses.get(instances_url(SUB) + QUERY, json={'value': west})
    responses.get(instances_url(OTHER, 'rg-east') + QUERY, json={'value': [east]})
    responses.get(instances_url(DENIED) + QUERY, json={'value': [moved(ONE, DENIED, 'rg-locked', 'mi-locked')]})
    responses.get(SUBSCRIPTIONS, json={'value': [subscription(SUB, 'Production')]})
    next_link = groups_url(SUB, 'Test1', 'japanwest') + QUERY + '&$skiptoken=1'
    responses.get(groups_url(SUB, 'Test1', 'japanwest') + QUERY, json={'value': [fg[1]], 'nextLink': next_link})
    responses.get(next_link, json={'value': [fg[0]]})
    responses.get(groups_url(OTHER, 'rg-east', 'japaneast') + QUERY, json={'value': [fg[0]]})
    responses.get(groups_url(DENIED, 'rg-locked', 'japaneast') + QUERY, status=403, json=AUTHORIZATION_FAILED)
    scopes = [{}, {'subscription_id': OTHER, 'resource_group': 'rg-east'}, {'subscription_id': DENIED}]
    result, _out = run_module(info_module.main, dict(ARGS, scopes=scopes, failover_groups=True))
    assert 'failed' not in result, result.get('msg')
    assert [i['name'] for i in result['managed_instances']] == ['mi-west', 'mi-west-2', 'mi-east', 'mi-locked']
    listed = [(g['subscription_id'], g['resource_group'], g['location'], g['name']) for g in result['failover_groups']]
    assert listed == [(SUB, 'Test1', 'japanwest', 'failover-group-test'), (SUB, 'Test1', 'japanwest', 'failover-group-test-1'),
                      (OTHER, 'rg-east', 'japaneast', 'failover-group-test')]
    assert {key: result['failover_groups'][0][key] for key in fg[0]} == fg[0]
    assert [(u['subscription_id'], u['resource_group'], u['location']) for u in result['unreadable']] == [
        (DENIED, 'rg-locked', 'japaneast')]
    assert 'Skipped the failover groups at japaneast of resource group rg-locked of subscription %s' % DENIED \
        in json.dumps(result['warnings'])
    group_reads = [url for url in urls() if 'instanceFailoverGroups' in url]
    assert len(group_reads) == 4 and group_reads.count(next_link) == 1
    assert [s['subscription_id'] for s in result['subscriptions']] == [SUB, OTHER, DENIED]
    result, _out = run_module(info_module.main, dict(ARGS, scopes=scopes))
    assert 'failover_groups' not in result
