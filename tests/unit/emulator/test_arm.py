# -*- coding: utf-8 -*-
# Copyright: contributors to the azure_dr.recovery collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The emulator's ARM instance failover groups, driven with plain requests over HTTPS."""

from __future__ import annotations

import re
import time

import pytest

from ansible_collections.azure_dr.recovery.tests.azure_dr_emulator import tokens
from ansible_collections.azure_dr.recovery.tests.unit.emulator.conftest import FABRIC_SCOPE, SUB, TENANT, demo_seed
from ansible_collections.azure_dr.recovery.tests.unit.helpers import load_fixture

SPEC = load_fixture('InstanceFailoverGroupFailover.2023-08-01.json')['responses']
LOCATION_PATTERN = re.compile(r'^https://127\.0\.0\.1:\d+/subscriptions/%s/providers/Microsoft\.Sql/locations/JapanEast/'
                              r'instanceFailoverGroupOperationResults/fg-sales\?api-version=2022-05-01-preview$' % SUB)


def shape(value):
    """The structure of a JSON value: keys and types, not values."""
    if isinstance(value, dict):
        return {key: shape(item) for key, item in value.items()}
    if isinstance(value, list):
        return [shape(value[0])] if value else []
    return type(value).__name__


def wait_for_operation(emu, response, limit=30):
    """Follow a 202 exactly as ARM asks: poll the Location no sooner than Retry-After."""
    polls = []
    deadline = time.monotonic() + limit
    while response.status_code == 202:
        assert time.monotonic() < deadline, 'operation did not finish'
        location, retry_after = response.headers['Location'], float(response.headers['Retry-After'])
        time.sleep(retry_after)
        response = emu.call('GET', location)
        polls.append(response.status_code)
    return response, polls


def test_get_matches_the_spec_example_shape_and_headers(emu):
    answer = emu.call('GET', emu.group_path('JapanWest'))
    assert answer.status_code == 200
    assert shape(answer.json()) == shape(SPEC['200']['body'])
    body = answer.json()
    assert body['id'] == '/subscriptions/%s/resourceGroups/rg-sql-dr/providers/Microsoft.Sql/locations/JapanWest/' \
                         'instanceFailoverGroups/fg-sales' % SUB
    assert body['properties']['replicationRole'] == 'Primary'
    assert body['properties']['partnerRegions'] == [{'location': 'Japan East', 'replicationRole': 'Secondary'}]
    assert answer.headers['x-ms-request-id'] and answer.headers['x-ms-correlation-request-id']


def test_the_same_group_seen_from_the_partner_region(emu):
    west = emu.call('GET', emu.group_path('JapanWest')).json()
    east = emu.call('GET', emu.group_path('Japan%20East')).json()
    assert east['properties']['replicationRole'] == 'Secondary'
    assert east['properties']['partnerRegions'] == [{'location': 'Japan West', 'replicationRole': 'Primary'}]
    assert east['properties']['managedInstancePairs'] == west['properties']['managedInstancePairs']


def test_failover_202_then_200_honouring_retry_after_and_the_roles_swap(emu):
    before = emu.call('GET', emu.group_path('JapanEast')).json()['properties']['managedInstancePairs'][0]
    started = time.monotonic()
    answer = emu.call('POST', emu.group_path('JapanEast', suffix='/failover'))
    assert answer.status_code == 202 and answer.content == b''
    assert LOCATION_PATTERN.match(answer.headers['Location']) and answer.headers['Retry-After'] == '1'
    final, polls = wait_for_operation(emu, answer)
    assert time.monotonic() - started >= 1.0  # the emulated failover lasts failover_seconds
    assert final.status_code == 200 and polls[-1] == 200
    assert shape(final.json()) == shape(SPEC['200']['body'])
    east = emu.call('GET', emu.group_path('JapanEast')).json()['properties']
    west = emu.call('GET', emu.group_path('JapanWest')).json()['properties']
    assert (east['replicationRole'], west['replicationRole']) == ('Primary', 'Secondary')
    assert east['managedInstancePairs'][0] == {'primaryManagedInstanceId': before['partnerManagedInstanceId'],
                                               'partnerManagedInstanceId': before['primaryManagedInstanceId']}


def test_forced_failover_and_azure_async_operation(start_emulator):
    emu = start_emulator(demo_seed(failover_seconds=2, arm_async_operation=True))
    answer = emu.call('POST', emu.group_path('JapanEast', suffix='/forceFailoverAllowDataLoss'))
    assert answer.status_code == 202
    status_url = answer.headers['Azure-AsyncOperation']
    assert '/instanceFailoverGroupAzureAsyncOperation/' in status_url
    statuses = []
    while not statuses or statuses[-1] == 'InProgress':
        time.sleep(float(answer.headers.get('Retry-After', 1)))
        answer = emu.call('GET', status_url)
        statuses.append(answer.json()['status'])
    assert statuses[0] == 'InProgress' and statuses[-1] == 'Succeeded'
    assert emu.call('GET', emu.group_path('JapanEast')).json()['properties']['replicationRole'] == 'Primary'


def test_failover_on_the_primary_side_and_while_busy(emu):
    on_primary = emu.call('POST', emu.group_path('JapanWest', suffix='/failover'))
    assert on_primary.status_code == 400
    assert on_primary.json()['error']['code'] == 'InstanceFailoverGroupFailoverRequestOnPrimary'
    assert emu.call('POST', emu.group_path('JapanEast', suffix='/failover')).status_code == 202
    busy = emu.call('POST', emu.group_path('JapanEast', suffix='/failover'))
    assert busy.status_code == 409 and busy.json()['error']['code'] == 'InstanceFailoverGroupBusy'
    assert busy.headers['x-ms-request-id']


def test_list_by_location_pages_with_next_link(start_emulator):
    seed = demo_seed(arm_page_size=1)
    for name in ('fg-a', 'fg-b'):
        seed['failover_groups'].append({'subscription': SUB, 'resource_group': 'rg-sql-dr', 'name': name,
                                        'locations': ['Japan West', 'Japan East']})
    emu = start_emulator(seed)
    path = '/subscriptions/%s/resourceGroups/rg-sql-dr/providers/Microsoft.Sql/locations/JapanEast/instanceFailoverGroups' \
           '?api-version=2025-01-01' % SUB
    names, url = [], path
    while url:
        page = emu.call('GET', url).json()
        names += [group['name'] for group in page['value']]
        url = page.get('nextLink')
    assert names == ['fg-a', 'fg-b', 'fg-sales']


@pytest.mark.parametrize('path_kwargs,status,code', [
    ({'location': 'JapanEast', 'name': 'nope'}, 404, 'ResourceNotFound'),
    ({'location': 'EastUS', 'name': 'fg-sales'}, 404, 'ResourceNotFound'),
    ({'location': 'JapanEast', 'api_version': '2023-08-01'}, 400, 'InvalidApiVersionParameter'),
])
def test_errors_of_the_resource(emu, path_kwargs, status, code):
    answer = emu.call('GET', emu.group_path(**path_kwargs))
    assert answer.status_code == status and answer.json()['error']['code'] == code
    assert answer.headers['x-ms-request-id'] and answer.headers['x-ms-correlation-request-id']


def test_authentication_and_authorization_errors(emu):
    path = emu.group_path('JapanEast')
    assert emu.call('GET', path, scope=None).json()['error']['code'] == 'AuthenticationFailed'
    garbage = emu.call('GET', path, scope=None, headers={'Authorization': 'Bearer not.a.token'})
    assert garbage.status_code == 401 and garbage.json()['error']['code'] == 'InvalidAuthenticationToken'
    wrong_audience = emu.call('GET', path, scope=FABRIC_SCOPE)
    assert wrong_audience.status_code == 401
    assert wrong_audience.json()['error']['code'] == 'InvalidAuthenticationTokenAudience'
    key = emu.emulator.store.data['signing_key']
    expired = tokens.encode({'aud': 'https://management.azure.com', 'exp': int(time.time()) - 5, 'appid': 'x', 'tid': TENANT},
                            key)
    answer = emu.call('GET', path, scope=None, headers={'Authorization': 'Bearer ' + expired})
    assert answer.status_code == 401 and answer.json()['error']['code'] == 'ExpiredAuthenticationToken'
    other_sub = path.replace(SUB, '99999999-1111-2222-3333-444444444444')
    assert emu.call('GET', other_sub).json()['error']['code'] == 'SubscriptionNotFound'


def test_a_caller_without_rights_on_the_subscription_gets_403(start_emulator):
    seed = demo_seed()
    seed['clients'].append({'client_id': '12121212-3434-4545-8989-101010101010', 'tenant': TENANT, 'secret': 'other-1'})
    emu = start_emulator(seed)
    token = emu.session.post('%s/%s/oauth2/v2.0/token' % (emu.url, TENANT), data={
        'grant_type': 'client_credentials', 'client_id': '12121212-3434-4545-8989-101010101010',
        'client_secret': 'other-1', 'scope': 'https://management.azure.com/.default'}).json()['access_token']
    answer = emu.call('GET', emu.group_path('JapanEast'), scope=None, headers={'Authorization': 'Bearer ' + token})
    assert answer.status_code == 403 and answer.json()['error']['code'] == 'AuthorizationFailed'
    assert '12121212-3434-4545-8989-101010101010' in answer.json()['error']['message']


def test_operation_made_to_fail_keeps_the_roles(emu):
    emu.control('POST', 'lro-faults', json={'api': 'arm', 'code': 'FailoverAborted', 'message': 'the partner went away'})
    final, _polls = wait_for_operation(emu, emu.call('POST', emu.group_path('JapanEast', suffix='/failover')))
    assert final.status_code == 400
    assert final.json()['error'] == {'code': 'FailoverAborted', 'message': 'the partner went away'}
    assert emu.call('GET', emu.group_path('JapanEast')).json()['properties']['replicationRole'] == 'Secondary'


def test_a_restarted_emulator_continues_the_failover(start_emulator, tmp_path):
    state = str(tmp_path / 'restart-state.json')
    first = start_emulator(demo_seed(failover_seconds=1.5), state_path=state)
    answer = first.call('POST', first.group_path('JapanEast', suffix='/failover'))
    assert answer.status_code == 202
    port = first.emulator.port
    first.emulator.stop()
    second = start_emulator(demo_seed(failover_seconds=99), state_path=state, port=port)  # state wins over seed
    second._tokens = first._tokens  # tokens issued before the restart stay valid (the key is in the state)
    final, polls = wait_for_operation(second, second.call('GET', answer.headers['Location']))
    assert final.status_code == 200 and polls
    assert second.call('GET', second.group_path('JapanEast')).json()['properties']['replicationRole'] == 'Primary'
