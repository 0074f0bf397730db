# -*- coding: utf-8 -*-
# Copyright: contributors to the azure_dr.recovery collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""instance_failover_group_info with scopes: every group of several resource groups, regions and subscriptions
in one module run, main() run with the spec example (tests/unit/fixtures/InstanceFailoverGroupList.json, from
Azure/azure-rest-api-specs) answered by `responses`."""

from __future__ import annotations

import copy
import json

import pytest
import responses

from ansible_collections.azure_dr.recovery.plugins.modules import instance_failover_group_info as info_module
from ansible_collections.azure_dr.recovery.tests.unit.helpers import load_fixture
from ansible_collections.azure_dr.recovery.tests.unit.plugins.doc_fragments.test_module_options import (
    argument_spec,
    assert_same,
    documented_options,
)

ARM = 'https://arm.example.test'
SUB = '00000000-1111-2222-3333-444444444444'
OTHER = '66666666-7777-4888-9999-000000000000'
QUERY = '?api-version=2025-01-01'
LISTED = load_fixture('InstanceFailoverGroupList.json')['responses']['200']['body']['value']
ARGS = {'subscription_id': SUB, 'arm_endpoint': ARM, 'access_token': 'test-access-token'}
DENIED = {'error': {'code': 'AuthorizationFailed', 'message': 'The client does not have authorization to perform '
                    "action 'Microsoft.Sql/locations/instanceFailoverGroups/read'"}}


def groups_url(subscription, resource_group, location):
    return '%s/subscriptions/%s/resourceGroups/%s/providers/Microsoft.Sql/locations/%s/instanceFailoverGroups' % (
        ARM, subscription, resource_group, location.replace(' ', '%20'))


def seen_from(group, subscription, resource_group, location):
    body = copy.deepcopy(group)
    body['id'] = body['id'].replace(SUB, subscription).replace('/Default/', '/%s/' % resource_group).replace(
        'JapanEast', location.replace(' ', ''))
    return body


@pytest.fixture(autouse=True)
def no_real_sleep(monkeypatch):
    monkeypatch.setattr('time.sleep', lambda seconds: None)


@responses.activate
def test_every_group_of_each_scope_with_where_it_was_listed(run_module):
    west = [seen_from(LISTED[1], SUB, 'rg-west', 'Japan West')]
    east = [seen_from(group, OTHER, 'rg-east', 'Japan East') for group in LISTED]
    responses.get(groups_url(SUB, 'rg-west', 'Japan West') + QUERY, json={'value': west})
    next_link = groups_url(OTHER, 'rg-east', 'Japan East') + QUERY + '&$skiptoken=1'
    responses.get(groups_url(OTHER, 'rg-east', 'Japan East') + QUERY, json={'value': east[:1], 'nextLink': next_link})
    responses.get(next_link, json={'value': east[1:]})
    responses.get(groups_url(SUB, 'rg-locked', 'eastus') + QUERY, status=403, json=DENIED)
    scopes = [{'resource_group': 'rg-west', 'location': 'Japan West'},
              {'resource_group': 'rg-locked', 'location': 'eastus'},
              {'resource_group': 'rg-east', 'location': 'Japan East', 'subscription_id': OTHER}]
    result, out = run_module(info_module.main, dict(ARGS, scopes=scopes, _ansible_check_mode=True))
    assert 'failed' not in result, result.get('msg')
    where = [(group['subscription_id'], group['resource_group'], group['location'], group['name'])
             for group in result['failover_groups']]
    assert where == [(SUB, 'rg-west', 'Japan West', 'failover-group-test-1'),
                     (OTHER, 'rg-east', 'Japan East', 'failover-group-test'),
                     (OTHER, 'rg-east', 'Japan East', 'failover-group-test-1')]
    # The raw fields are those ARM returned.
    first = result['failover_groups'][0]
    assert {key: first[key] for key in west[0]} == west[0]
    assert set(first) == set(west[0]) | {'subscription_id', 'resource_group', 'location'}
    unreadable, = result['unreadable']
    assert (unreadable['subscription_id'], unreadable['resource_group'], unreadable['location']) == (SUB, 'rg-locked', 'eastus')
    assert 'HTTP 403 AuthorizationFailed' in unreadable['msg']
    assert len(result['warnings']) == 1
    assert 'Skipped resource group rg-locked at eastus of subscription %s, which the identity may not read' % SUB \
        in json.dumps(result['warnings'])
    assert [call.request.url for call in responses.calls].count(next_link) == 1 and len(responses.calls) == 4
    assert 'test-access-token' not in out


@responses.activate
def test_scopes_and_the_partner_sides(run_module):
    group = copy.deepcopy(LISTED[0])
    responses.get(groups_url(SUB, 'Default', 'Japan East') + QUERY, json={'value': [group]})
    pair = group['properties']['managedInstancePairs'][0]
    assert '/resourceGroups/Default/' in pair['primaryManagedInstanceId']  # the partner lives there
    partner = groups_url(SUB, 'Default', 'Japan West') + '/' + group['name'] + QUERY
    responses.get(partner, json=dict(group, properties=dict(group['properties'], replicationRole='Primary')))
    result, _out = run_module(info_module.main, dict(ARGS, scopes=[{'resource_group': 'Default', 'location': 'Japan East'}],
                                                     include_partner=True))
    assert 'failed' not in result, result.get('msg')
    assert result['unreadable'] == [] and result['partners'][0]['answered'] is True


@responses.activate
def test_without_scopes_nothing_changes(run_module):
    responses.get(groups_url(SUB, 'Default', 'Japan East') + QUERY, json={'value': LISTED})
    result, _out = run_module(info_module.main, dict(ARGS, resource_group='Default', location='Japan East'))
    assert result['failover_groups'] == LISTED and 'unreadable' not in result
    responses.replace(responses.GET, groups_url(SUB, 'Default', 'Japan East') + QUERY, status=403, json=DENIED)
    result, _out = run_module(info_module.main, dict(ARGS, resource_group='Default', location='Japan East'))
    assert result['failed'] is True and 'AuthorizationFailed' in result['msg']


@pytest.mark.parametrize('bad,expected', [
    ({}, 'resource_group is required (or scopes'),
    ({'resource_group': 'rg'}, 'location is required (or scopes'),
    ({'scopes': [{'resource_group': 'rg', 'location': 'eastus'}], 'resource_group': 'rg'},
     'scopes and resource_group are mutually exclusive'),
    ({'scopes': [{'resource_group': 'rg', 'location': 'eastus'}], 'name': 'fg'}, 'scopes and name are mutually exclusive'),
    ({'scopes': []}, 'scopes must list at least one scope'),
    ({'scopes': [{'resource_group': 'rg', 'location': 'east/us'}]}, 'scopes[0].location must be an Azure region'),
    ({'scopes': [{'resource_group': 'r g', 'location': 'eastus'}]}, 'scopes[0].resource_group must be 1 to 90'),
    ({'scopes': [{'resource_group': 'rg', 'location': 'eastus', 'subscription_id': 'x'}]},
     'scopes[0].subscription_id must be a UUID'),
    ({'scopes': [{'resource_group': 'rg', 'location': 'East US'},
                 {'resource_group': 'RG', 'location': 'eastus', 'subscription_id': SUB}]},
     'scopes[1]: resource group RG at eastus of subscription %s is already listed at scopes[0]' % SUB),
    ({'scopes': [{'resource_group': 'rg'}]}, 'location'),
    ({'subscription_id': None, 'scopes': [{'resource_group': 'rg', 'location': 'eastus'}]},
     'subscription_id (or the environment variable AZURE_SUBSCRIPTION_ID) is required'),
])
@responses.activate
def test_bad_input_fails_before_any_request(run_module, bad, expected):
    result, _out = run_module(info_module.main, dict(ARGS, **bad))
    assert result['failed'] is True and expected in result['msg'], result['msg']
    assert len(responses.calls) == 0


@responses.activate
def test_scopes_each_in_its_own_subscription_need_no_module_subscription(run_module):
    responses.get(groups_url(OTHER, 'rg', 'eastus') + QUERY, json={'value': []})
    args = {key: value for key, value in ARGS.items() if key != 'subscription_id'}
    result, _out = run_module(info_module.main, dict(args, scopes=[{'resource_group': 'rg', 'location': 'eastus',
                                                                    'subscription_id': OTHER}]))
    assert 'failed' not in result and result['failover_groups'] == [] and result['unreadable'] == []


def test_documented_options_are_the_argument_spec(monkeypatch):
    assert_same(documented_options(info_module), argument_spec(info_module, monkeypatch))
