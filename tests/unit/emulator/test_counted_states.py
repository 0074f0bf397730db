# -*- coding: utf-8 -*-
# Copyright: contributors to the azure_dr.recovery collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Timed states driven by counts of requests and by control calls, not by the clock: failovers that end
after N polls (failover_polls), held until released (failover-holds), busy windows of N failover requests
(post_failover_busy_requests, busy_requests_after_failover, group-state busy_requests), a planned failover
against an out region that fails after N polls (planned_failover_timeout_polls), and Fabric operations that
end after N polls (fabric_operation_polls).  The seconds settings are set far away (999) so that a test
passes only through the count or the control call, however slow the machine."""

from __future__ import annotations

import json

import pytest

from ansible_collections.azure_dr.recovery.tests.unit.emulator.conftest import FABRIC_SCOPE, demo_seed
from ansible_collections.azure_dr.recovery.tests.unit.emulator.test_outages_and_group_state import (
    control_answer,
    group_state,
    log_entries,
    properties,
)

FAR = 999  # seconds no test waits for
DELETED = '97dd1d38-a4c6-41ed-bc4f-1e383f8ddd0f'  # as test_fabric.py


def failover(emu, location='JapanEast', action='failover', name='fg-sales'):
    return emu.call('POST', emu.group_path(location, name, suffix='/' + action))


def poll_location(emu, accepted):
    return emu.call('GET', accepted.headers['Location'])


def counted_seed(**settings):
    return demo_seed(**dict({'failover_seconds': FAR, 'arm_retry_after': 1}, **settings))


# --- failovers counted in polls ---

@pytest.mark.parametrize('polls', [0, 1, 3])
def test_a_failover_answers_running_to_failover_polls_polls_then_ends(start_emulator, polls):
    emu = start_emulator(counted_seed(failover_polls=polls))
    accepted = failover(emu)
    assert accepted.status_code == 202
    for _poll in range(polls):
        running = poll_location(emu, accepted)
        assert running.status_code == 202 and running.headers['Retry-After'] == '1'
    done = poll_location(emu, accepted)  # the next request of any kind (a control call too) finds it ended
    assert done.status_code == 200 and done.json()['properties']['replicationRole'] == 'Primary'
    operation = group_state(emu)['operation']
    assert operation['status'] == 'Succeeded' and operation['polls_left'] == 0
    assert operation['started'] <= operation['ends']  # when it ended, as a timed one says


def test_a_group_failover_polls_wins_over_the_setting_and_the_seconds(start_emulator):
    seed = counted_seed(failover_polls=50)
    seed['failover_groups'][0]['failover_polls'] = 1
    emu = start_emulator(seed)
    accepted = failover(emu)
    assert poll_location(emu, accepted).status_code == 202
    assert poll_location(emu, accepted).status_code == 200


def test_azure_async_operation_polls_count_too(start_emulator):
    emu = start_emulator(counted_seed(failover_polls=2, arm_async_operation=True))
    accepted = failover(emu)
    statuses = [emu.call('GET', accepted.headers['Azure-AsyncOperation']).json()['status'] for _attempt in range(3)]
    assert statuses == ['InProgress', 'InProgress', 'Succeeded']


def test_failovers_refused_busy_while_it_runs_count_as_polls(start_emulator):
    """A client that lost its operation (killed, timed out) and asks again moves it on, as time would."""
    emu = start_emulator(counted_seed(failover_polls=2))
    assert failover(emu).status_code == 202
    refused = [failover(emu, action='forceFailoverAllowDataLoss') for _attempt in range(2)]
    assert [answer.status_code for answer in refused] == [409, 409]
    assert {answer.json()['error']['code'] for answer in refused} == {'InstanceFailoverGroupBusy'}
    assert properties(emu, 'JapanEast')['replicationRole'] == 'Primary'


def test_a_counted_failover_goes_on_after_a_restart(start_emulator, tmp_path):
    state = str(tmp_path / 'kept.json')
    first = start_emulator(counted_seed(failover_polls=2), state_path=state)
    accepted = failover(first)
    assert poll_location(first, accepted).status_code == 202
    first.emulator.stop()
    second = start_emulator(counted_seed(failover_polls=2), state_path=state)
    location = accepted.headers['Location'].replace(first.url, second.url)
    assert [second.call('GET', location).status_code for _attempt in range(2)] == [202, 200]


# --- failovers held until released ---

def test_a_held_failover_runs_until_released_then_ends_at_the_next_request(start_emulator):
    emu = start_emulator(counted_seed(failover_polls=0, failover_seconds=0))
    assert emu.control('POST', 'failover-holds', json={'name': 'FG-SALES'}) == {
        'failover_holds': ['00000000-1111-2222-3333-444444444444/rg-sql-dr/fg-sales']}
    accepted = failover(emu)
    assert [poll_location(emu, accepted).status_code for _attempt in range(5)] == [202] * 5
    assert failover(emu).status_code == 409  # busy while it runs
    assert emu.control('GET', 'state')['failover_holds'] == ['00000000-1111-2222-3333-444444444444/rg-sql-dr/fg-sales']
    released = emu.control('DELETE', 'failover-holds', params={'name': 'fg-sales'})
    assert released['failover_holds'] == [] and len(released['released']) == 1
    assert poll_location(emu, accepted).status_code == 200


def test_a_hold_of_every_group_holds_a_running_timed_failover_and_the_next_ones(start_emulator):
    emu = start_emulator(counted_seed(failover_polls=None, failover_seconds=FAR))
    sales = failover(emu)
    emu.control('POST', 'failover-holds', json={})
    finance = emu.call('POST', emu.group_path('WestUS', 'fg-finance', suffix='/failover'))
    assert finance.status_code == 202
    assert poll_location(emu, sales).status_code == poll_location(emu, finance).status_code == 202
    assert emu.control('DELETE', 'failover-holds') == {'released': ['*'], 'failover_holds': []}
    assert poll_location(emu, sales).status_code == poll_location(emu, finance).status_code == 200  # not 999 s


def test_a_released_counted_failover_does_not_wait_for_its_remaining_polls(start_emulator):
    emu = start_emulator(counted_seed(failover_polls=100))
    emu.control('POST', 'failover-holds', json={'name': 'fg-sales'})
    accepted = failover(emu)
    emu.control('DELETE', 'failover-holds')
    assert poll_location(emu, accepted).status_code == 200


def test_failover_holds_name_one_group_or_say_why_not_and_a_reset_forgets_them(start_emulator):
    emu = start_emulator(counted_seed(failover_polls=0))
    for body, status, message in (
            ({'name': 'fg-sales', 'location': 'Japan East'}, 400, 'unknown failover-hold fields: location'),
            ({'resource_group': 'rg-sql-dr'}, 400,
             'a failover hold with a subscription or resource_group needs the name of a failover group'),
            ({'name': 'fg-nope'}, 404, 'no failover group is named fg-nope')):
        answer = control_answer(emu, 'POST', 'failover-holds', json=body)
        assert (answer.status_code, answer.json()['error']['message']) == (status, message)
    assert control_answer(emu, 'DELETE', 'failover-holds', params={'name': 'fg-nope'}).status_code == 404
    emu.control('POST', 'failover-holds', json={'name': 'fg-sales'})
    emu.control('POST', 'reset')
    assert emu.control('GET', 'state')['failover_holds'] == []
    accepted = failover(emu)
    assert poll_location(emu, accepted).status_code == 200


# --- busy windows counted in failover requests ---

def test_after_a_failover_the_next_post_failover_busy_requests_failovers_answer_busy(start_emulator):
    emu = start_emulator(counted_seed(failover_polls=0, post_failover_busy_requests=3, busy_retry_after=2))
    assert poll_location(emu, failover(emu)).status_code == 200
    assert group_state(emu)['busy_requests'] == 3
    answers = [failover(emu, location) for location in ('JapanWest', 'JapanEast', 'JapanWest')]
    for busy in answers:  # on either side, with the Retry-After clients wait
        assert busy.status_code == 409 and busy.json()['error']['code'] == 'InstanceFailoverGroupBusy'
        assert busy.headers['Retry-After'] == '2'
    assert failover(emu, 'JapanWest').status_code == 202
    assert [entry['status'] for entry in log_entries(emu, '/failover')] == [202, 409, 409, 409, 202]


def test_a_group_busy_requests_after_failover_overrides_the_setting(start_emulator):
    seed = counted_seed(failover_polls=0, post_failover_busy_requests=50)
    seed['failover_groups'][0]['busy_requests_after_failover'] = 1
    emu = start_emulator(seed)
    assert poll_location(emu, failover(emu)).status_code == 200
    assert [failover(emu, 'JapanWest').status_code for _attempt in range(2)] == [409, 202]


def test_busy_requests_through_group_state(start_emulator):
    emu = start_emulator(counted_seed(failover_polls=0))
    changed = emu.control('POST', 'group-state', json={'name': 'fg-sales', 'busy_requests': 2})
    assert changed['busy_requests'] == 2
    answers = [failover(emu, action='forceFailoverAllowDataLoss') for _attempt in range(3)]
    assert [answer.status_code for answer in answers] == [409, 409, 202]
    assert answers[0].headers['Retry-After'] == '1'  # busy_retry_after's default
    for value in (-1, 1.5, True, '2'):
        answer = control_answer(emu, 'POST', 'group-state', json={'name': 'fg-sales', 'busy_requests': value})
        assert answer.status_code == 400
        assert answer.json()['error']['message'] == 'busy_requests must be a number of requests, not %r' % (value,)


def test_a_state_saved_before_the_counts_is_upgraded(start_emulator, tmp_path):
    path = tmp_path / 'old-state.json'
    first = start_emulator(demo_seed(), state_path=str(path))
    first.emulator.stop()
    data = json.loads(path.read_text())
    for key in ('failover_polls', 'post_failover_busy_requests', 'planned_failover_timeout_polls', 'fabric_operation_polls'):
        del data['settings'][key]
    for group in data['failover_groups'].values():
        for key in ('failover_polls', 'busy_requests_after_failover', 'busy_requests', 'busy_held'):
            del group[key]
    path.write_text(json.dumps(data))
    second = start_emulator(demo_seed(), state_path=str(path))
    assert second.control('GET', 'state')['settings']['post_failover_busy_requests'] == 0
    assert group_state(second)['busy_requests'] == 0
    assert failover(second).status_code == 202


# --- a planned failover against an out region, and Fabric operations ---

@pytest.mark.parametrize('mode', ['unavailable', 'timeout'])
def test_a_planned_failover_against_an_out_region_fails_after_planned_failover_timeout_polls(start_emulator, mode):
    emu = start_emulator(counted_seed(failover_polls=0, planned_failover_timeout_seconds=FAR,
                                      planned_failover_timeout_polls=2))
    emu.control('POST', 'outages', json={'location': 'Japan West', 'mode': mode})
    accepted = failover(emu)
    assert [poll_location(emu, accepted).status_code for _attempt in range(2)] == [202, 202]
    final = poll_location(emu, accepted)
    assert final.status_code == 400 and final.json()['error']['code'] == 'PlannedFailoverTimedOut'
    assert group_state(emu)['primary'] == 'Japan West'
    forced = failover(emu, action='forceFailoverAllowDataLoss')
    assert poll_location(emu, forced).status_code == 200  # failover_polls=0: ends at the next request


def test_a_fabric_operation_answers_running_to_fabric_operation_polls_polls(start_emulator):
    emu = start_emulator(demo_seed(fabric_restore_async=True, fabric_operation_seconds=FAR, fabric_operation_polls=2,
                                   fabric_retry_after=1))
    answer = emu.call('POST', '/v1/admin/workspaces/%s/restore' % DELETED, scope=FABRIC_SCOPE, json={})
    assert answer.status_code == 202
    polls = [emu.call('GET', answer.headers['Location'], scope=FABRIC_SCOPE) for _attempt in range(3)]
    assert [poll.json()['status'] for poll in polls] == ['Running', 'Running', 'Succeeded']
    assert [poll.headers.get('Retry-After') for poll in polls] == ['1', '1', None]
    assert emu.call('GET', '/v1/admin/workspaces/' + DELETED, scope=FABRIC_SCOPE).json()['state'] == 'Active'


def test_a_group_answers_busy_from_group_state_busy_true_until_false(start_emulator):
    emu = start_emulator(counted_seed(failover_polls=0))
    assert emu.control('POST', 'group-state', json={'name': 'fg-sales', 'busy': True})['busy_held'] is True
    answers = [failover(emu, location) for location in ('JapanEast', 'JapanWest') * 3]
    assert {answer.status_code for answer in answers} == {409}
    assert {answer.headers['Retry-After'] for answer in answers} == {'1'}
    emu.control('POST', 'group-state', json={'name': 'fg-sales', 'busy': False})
    assert failover(emu).status_code == 202
    answer = control_answer(emu, 'POST', 'group-state', json={'name': 'fg-sales', 'busy': 1})
    assert answer.json()['error']['message'] == 'busy must be true or false, not 1'
