# -*- coding: utf-8 -*-
# Copyright: contributors to the azure_dr.recovery collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Regional outages, seeded and changed failover group state (replication state, failover policy,
secondary type) and the busy window after a failover, driven over HTTPS through the control API."""

from __future__ import annotations

import json
import threading
import time

import pytest
import requests

from ansible_collections.azure_dr.recovery.tests.unit.emulator.conftest import (
    ARM_SCOPE,
    CLIENT_ID,
    FABRIC_SCOPE,
    SECRET,
    SUB,
    TENANT,
    demo_seed,
)
from ansible_collections.azure_dr.recovery.tests.unit.emulator.test_arm import wait_for_operation

SCOPE = '/subscriptions/%s/providers/Microsoft.Sql/locations' % SUB


def poll(condition, limit=10, every=0.05):
    """``condition()``'s first true value, asked every ``every`` seconds for at most ``limit``."""
    deadline = time.monotonic() + limit
    while True:
        value = condition()
        if value:
            return value
        assert time.monotonic() < deadline, 'condition not met within %ss' % limit
        time.sleep(every)


def control_answer(emu, method, path, **kwargs):
    """A control API answer whatever its status (``emu.control`` raises on errors)."""
    return emu.session.request(method, '%s/_emulator/%s' % (emu.url, path), **kwargs)


def log_entries(emu, fragment):
    return [entry for entry in emu.control('GET', 'requests')['requests'] if fragment in entry['path']]


def group_state(emu, name='fg-sales'):
    return next(group for group in emu.control('GET', 'state')['failover_groups'] if group['name'] == name)


def properties(emu, location, name='fg-sales'):
    return emu.call('GET', emu.group_path(location, name)).json()['properties']


# --- outages ---

@pytest.mark.parametrize('spelling', ['Japan West', 'JapanWest', 'japanwest'])
def test_an_unavailable_region_answers_503_on_every_path_naming_it(start_emulator, spelling):
    emu = start_emulator(demo_seed(outage_retry_after=7))
    emu.token(FABRIC_SCOPE)
    assert emu.control('POST', 'outages', json={'location': spelling, 'mode': 'unavailable'}) == \
        {'location': spelling, 'mode': 'unavailable'}
    paths = [emu.group_path('JapanWest'), emu.group_path('Japan%20West'), emu.group_path('japanwest', suffix='/failover'),
             '/subscriptions/%s/resourceGroups/rg-sql-dr/providers/Microsoft.Sql/locations/JapanWest/instanceFailoverGroups'
             '?api-version=2025-01-01' % SUB,
             SCOPE + '/JapanWest/instanceFailoverGroupOperationResults/fg-sales?api-version=2022-05-01-preview',
             SCOPE + '/JapanWest/instanceFailoverGroupAzureAsyncOperation/some-id?api-version=2025-01-01']
    for path in paths:
        answer = emu.call('POST' if path.endswith('/failover?api-version=2025-01-01') else 'GET', path)
        assert answer.status_code == 503, path
        assert answer.json()['error']['code'] == 'ServiceUnavailable' and answer.json()['error']['message']
        assert answer.headers['Retry-After'] == '7' and answer.headers['x-ms-request-id']
    assert emu.call('GET', emu.group_path('JapanEast')).status_code == 200  # the partner region answers
    assert emu.call('GET', '/v1/admin/workspaces', scope=FABRIC_SCOPE).status_code == 200
    assert requests.post('%s/%s/oauth2/v2.0/token' % (emu.url, TENANT), data={
        'grant_type': 'client_credentials', 'client_id': CLIENT_ID, 'client_secret': SECRET, 'scope': ARM_SCOPE}).status_code == 200
    log = emu.control('GET', 'requests')['requests']
    assert [(entry['status'], entry['outage']) for entry in log if '/locations/' in entry['path']] == \
        [(503, True)] * len(paths) + [(200, False)]
    assert all(entry['outage'] is False for entry in log if '/locations/' not in entry['path'])
    assert group_state(emu)['operation'] is None  # the failover never reached the region
    assert emu.control('DELETE', 'outages', params={'location': 'JAPAN WEST'}) == {'outages': []}
    assert emu.call('GET', emu.group_path('JapanWest')).status_code == 200


def test_outages_through_the_control_api(emu):
    for body, message in (({'location': 'Japan West', 'mode': 'down'}, "mode must be one of timeout, unavailable, not 'down'"),
                          ({'location': 'Japan West', 'mode': 'timeout', 'count': 1}, 'unknown outage fields: count'),
                          ({'mode': 'timeout'}, 'an outage needs a location')):
        answer = control_answer(emu, 'POST', 'outages', json=body)
        assert answer.status_code == 400 and answer.json()['error'] == {'code': 'BadControlRequest', 'message': message}
    emu.control('POST', 'outages', json={'location': 'Japan West', 'mode': 'timeout'})
    emu.control('POST', 'outages', json={'location': 'JapanWest', 'mode': 'unavailable'})  # the same region: new mode
    emu.control('POST', 'outages', json={'location': 'East US', 'mode': 'unavailable'})
    assert emu.control('GET', 'state')['outages'] == [{'location': 'JapanWest', 'mode': 'unavailable'},
                                                      {'location': 'East US', 'mode': 'unavailable'}]
    assert emu.control('DELETE', 'outages', params={'location': 'japanwest'}) == \
        {'outages': [{'location': 'East US', 'mode': 'unavailable'}]}
    assert emu.control('DELETE', 'outages') == {'outages': []}
    emu.control('POST', 'outages', json={'location': 'East US', 'mode': 'unavailable'})
    emu.control('POST', 'reset')
    assert emu.control('GET', 'state')['outages'] == []


def test_a_region_out_in_timeout_mode_holds_requests_without_holding_others_and_stop_ends_the_hold(start_emulator):
    emu = start_emulator(demo_seed(outage_hang_seconds=60))
    emu.control('POST', 'outages', json={'location': 'Japan West', 'mode': 'timeout'})
    outcome, headers = {}, {'Authorization': 'Bearer ' + emu.token()}

    def held():  # on a connection of its own
        try:
            outcome['answer'] = requests.get(emu.url + emu.group_path('JapanWest'), headers=headers, timeout=30)
        except requests.exceptions.RequestException as exc:
            outcome['error'] = exc

    thread = threading.Thread(target=held, daemon=True)
    thread.start()
    entry = poll(lambda: log_entries(emu, '/locations/JapanWest/'))[0]
    assert (entry['status'], entry['outage']) == ('timeout', True)
    assert emu.call('GET', emu.group_path('JapanEast'), timeout=5).status_code == 200  # not behind the held one
    stopped = time.monotonic()
    emu.emulator.stop()
    thread.join(10)
    assert not thread.is_alive() and time.monotonic() - stopped < 5
    assert 'answer' not in outcome and isinstance(outcome['error'], requests.exceptions.ConnectionError)
    assert not isinstance(outcome['error'], requests.exceptions.Timeout)  # cut by the server, not given up by the client


def test_a_held_request_is_cut_without_an_answer_after_outage_hang_seconds(start_emulator):
    emu = start_emulator(demo_seed(outage_hang_seconds=0.3))
    emu.token()
    emu.control('POST', 'outages', json={'location': 'japanwest', 'mode': 'timeout'})
    started = time.monotonic()
    with pytest.raises(requests.exceptions.ConnectionError) as caught:
        emu.call('POST', emu.group_path('JapanWest', suffix='/failover'), timeout=10)
    assert not isinstance(caught.value, requests.exceptions.Timeout)
    assert 0.3 <= time.monotonic() - started < 5
    [entry] = log_entries(emu, '/failover')
    assert (entry['status'], entry['outage']) == ('timeout', True) and entry['duration'] >= 0.3
    with pytest.raises(requests.exceptions.ReadTimeout):  # a client with a shorter timeout gives up first
        emu.call('GET', emu.group_path('JapanWest'), timeout=0.1)


@pytest.mark.parametrize('mode', ['unavailable', 'timeout'])
def test_a_planned_failover_while_the_primary_region_is_out_times_out_and_a_forced_one_works(start_emulator, mode):
    emu = start_emulator(demo_seed(failover_seconds=0.5, planned_failover_timeout_seconds=1.5))
    emu.control('POST', 'lro-faults', json={'api': 'arm', 'code': 'Armed', 'message': 'for the forced failover'})
    emu.control('POST', 'outages', json={'location': 'Japan West', 'mode': mode})
    answer = emu.call('POST', emu.group_path('JapanEast', suffix='/failover'))
    assert answer.status_code == 202
    operation = group_state(emu)['operation']
    assert operation['ends'] - operation['started'] == pytest.approx(1.5)
    final, _polls = wait_for_operation(emu, answer)
    error = final.json()['error']
    assert final.status_code == 400 and error['code'] == 'PlannedFailoverTimedOut'
    assert 'timed out' in error['message'] and "'Japan West'" in error['message']
    assert 'forceFailoverAllowDataLoss' in error['message']
    assert properties(emu, 'JapanEast')['replicationRole'] == 'Secondary' and group_state(emu)['primary'] == 'Japan West'
    forced = emu.call('POST', emu.group_path('JapanEast', suffix='/forceFailoverAllowDataLoss'))
    final, _polls = wait_for_operation(emu, forced)
    assert final.status_code == 400 and final.json()['error']['code'] == 'Armed'  # the timed-out one left it armed
    final, _polls = wait_for_operation(emu, emu.call('POST', emu.group_path('JapanEast', suffix='/forceFailoverAllowDataLoss')))
    assert final.status_code == 200 and properties(emu, 'JapanEast')['replicationRole'] == 'Primary'


# --- seeded and changed group state ---

def test_seeded_replication_state_failover_policy_and_secondary_type_on_both_sides(start_emulator):
    seed = demo_seed()
    seed['failover_groups'][1].update(replication_state='SEEDING', failover_policy='Manual', secondary_type='Standby')
    emu = start_emulator(seed)
    for location in ('EastUS', 'WestUS'):
        finance = properties(emu, location, 'fg-finance')
        assert finance['readWriteEndpoint'] == {'failoverPolicy': 'Manual'}
        assert (finance['replicationState'], finance['secondaryType']) == ('SEEDING', 'Standby')
    sales = properties(emu, 'JapanEast')
    assert sales['readWriteEndpoint'] == {'failoverPolicy': 'Automatic', 'failoverWithDataLossGracePeriodMinutes': 480}
    assert (sales['replicationState'], sales['secondaryType']) == ('CATCH_UP', 'Geo')
    orders = emu.call('GET', emu.group_path('JapanWest', 'fg-orders').replace('rg-sql-dr', 'rg-sql-west')).json()
    assert orders['properties']['readWriteEndpoint'] == {'failoverPolicy': 'Manual'}  # as the demo estate seeds it


def test_a_seed_with_a_value_out_of_its_choices_is_refused_and_the_state_kept(emu):
    seed = demo_seed()
    seed['failover_groups'][0]['secondary_type'] = 'Readable'
    answer = control_answer(emu, 'POST', 'reset', json=seed)
    assert answer.status_code == 400
    assert answer.json()['error']['message'] == "failover group fg-sales: secondary_type must be one of Geo, Standby, not 'Readable'"
    assert properties(emu, 'JapanEast')['secondaryType'] == 'Geo'  # the signing key is the same: the reset did not happen
    assert control_answer(emu, 'POST', 'reset').status_code == 200  # the refused seed was not kept


@pytest.mark.parametrize('action', ['failover', 'forceFailoverAllowDataLoss'])
def test_a_failover_of_a_seeding_group_is_refused(emu, action):
    changed = emu.control('POST', 'group-state', json={'name': 'FG-SALES', 'replication_state': 'SEEDING'})
    assert changed['replication_state'] == 'SEEDING'
    assert properties(emu, 'JapanWest')['replicationState'] == properties(emu, 'JapanEast')['replicationState'] == 'SEEDING'
    refused = emu.call('POST', emu.group_path('JapanEast', suffix='/' + action))
    assert refused.status_code == 409 and refused.json()['error']['code'] == 'InvalidDatabaseStateForOperation'
    assert "'fg-sales'" in refused.json()['error']['message'] and 'SEEDING' in refused.json()['error']['message']
    assert 'Retry-After' not in refused.headers and group_state(emu)['operation'] is None
    emu.control('POST', 'group-state', json={'name': 'fg-sales', 'replication_state': 'CATCH_UP', 'failover_policy': 'Manual'})
    assert properties(emu, 'JapanEast')['readWriteEndpoint'] == {'failoverPolicy': 'Manual'}
    assert emu.call('POST', emu.group_path('JapanEast', suffix='/' + action)).status_code == 202


def test_group_state_names_one_group_or_says_why_not(start_emulator):
    seed = demo_seed()
    seed['failover_groups'].append({'subscription': SUB, 'resource_group': 'rg-other', 'name': 'fg-sales',
                                    'locations': ['Japan West', 'Japan East']})
    emu = start_emulator(seed)
    for body, status, message in (
            ({'name': 'fg-sales', 'busy_seconds': -1}, 400, 'busy_seconds must be a number of seconds, not -1'),
            ({'name': 'fg-sales', 'replication_state': 'seeding'},
             400, "replication_state must be one of CATCH_UP, SEEDING, SUSPENDED, not 'seeding'"),
            ({'name': 'fg-sales', 'primary': 'Japan East'}, 400, 'unknown group-state fields: primary'),
            ({'replication_state': 'SEEDING'}, 400, 'group-state needs the name of a failover group'),
            ({'name': 'fg-sales'}, 400, '2 failover groups are named fg-sales: give subscription and resource_group to pick one'),
            ({'name': 'fg-nope', 'resource_group': 'rg-sql-dr'}, 404, 'no failover group is named fg-nope in resource group rg-sql-dr')):
        answer = control_answer(emu, 'POST', 'group-state', json=body)
        assert (answer.status_code, answer.json()['error']['message']) == (status, message)
    picked = emu.control('POST', 'group-state', json={'name': 'fg-sales', 'resource_group': 'RG-OTHER', 'replication_state': 'SUSPENDED'})
    assert (picked['resource_group'], picked['replication_state']) == ('rg-other', 'SUSPENDED')
    assert properties(emu, 'JapanEast')['replicationState'] == 'CATCH_UP'  # the other fg-sales is unchanged
    east_side = emu.control('POST', 'group-state', json={'name': 'fg-orders', 'subscription': '66666666-7777-4888-9999-000000000000',
                                                         'resource_group': 'rg-sql-east', 'failover_policy': 'Automatic'})
    assert east_side['failover_policy'] == 'Automatic'  # found by the subscription and resource group of its other side


# --- busy after a failover ---

def test_failovers_answer_busy_on_either_side_for_post_failover_busy_seconds(start_emulator):
    emu = start_emulator(demo_seed(failover_seconds=0.5, post_failover_busy_seconds=2, busy_retry_after=3))
    final, _polls = wait_for_operation(emu, emu.call('POST', emu.group_path('JapanEast', suffix='/failover')))
    assert final.status_code == 200
    group = group_state(emu)
    assert group['busy_until'] == pytest.approx(group['operation']['ends'] + 2)
    assert properties(emu, 'JapanEast')['replicationRole'] == 'Primary'  # reads answer, with the new roles
    for location in ('JapanWest', 'JapanEast'):
        busy = emu.call('POST', emu.group_path(location, suffix='/failover'))
        assert busy.status_code == 409 and busy.json()['error']['code'] == 'InstanceFailoverGroupBusy'
        assert busy.headers['Retry-After'] == '3' and "'fg-sales' is busy" in busy.json()['error']['message']
    accepted = poll(lambda: emu.call('POST', emu.group_path('JapanWest', suffix='/failover')).status_code == 202, every=0.2)
    assert accepted and time.time() >= group['busy_until']


def test_a_group_busy_seconds_after_failover_overrides_the_setting(start_emulator):
    seed = demo_seed(failover_seconds=0.5, post_failover_busy_seconds=600)
    seed['failover_groups'][0]['busy_seconds_after_failover'] = 0
    emu = start_emulator(seed)
    final, _polls = wait_for_operation(emu, emu.call('POST', emu.group_path('JapanEast', suffix='/failover')))
    assert final.status_code == 200
    assert emu.call('POST', emu.group_path('JapanWest', suffix='/failover')).status_code == 202


def test_busy_seconds_through_group_state_count_from_now(emu):
    before = time.time()
    changed = emu.control('POST', 'group-state', json={'name': 'fg-sales', 'busy_seconds': 1.5})
    assert before + 1.5 <= changed['busy_until'] <= time.time() + 1.5
    busy = emu.call('POST', emu.group_path('JapanEast', suffix='/forceFailoverAllowDataLoss'))
    assert busy.status_code == 409 and busy.json()['error']['code'] == 'InstanceFailoverGroupBusy'
    assert busy.headers['Retry-After'] == '1'  # busy_retry_after's default
    poll(lambda: emu.call('POST', emu.group_path('JapanEast', suffix='/failover')).status_code == 202, every=0.2)
    assert time.time() >= changed['busy_until']


def test_a_state_saved_before_these_keys_is_upgraded(start_emulator, tmp_path):
    path = tmp_path / 'old-state.json'
    first = start_emulator(demo_seed(), state_path=str(path))
    first.emulator.stop()
    data = json.loads(path.read_text())
    for key in ('outage_retry_after', 'busy_retry_after', 'post_failover_busy_seconds'):
        del data['settings'][key]
    for group in data['failover_groups'].values():
        for key in ('replication_state', 'failover_policy', 'secondary_type', 'busy_seconds_after_failover', 'busy_until'):
            del group[key]
    path.write_text(json.dumps(data))
    second = start_emulator(demo_seed(), state_path=str(path))
    assert properties(second, 'JapanEast')['replicationState'] == 'CATCH_UP'
    assert second.control('GET', 'state')['settings']['busy_retry_after'] == 1
    assert second.call('POST', second.group_path('JapanEast', suffix='/failover')).status_code == 202
