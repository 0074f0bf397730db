# -*- coding: utf-8 -*-
# Copyright: contributors to the azure_dr.recovery collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The control calls that drive the event sources: a Microsoft-managed failover (role-swap: the primary moves with
no failover request) and a workspace deleted or made active again (workspace-state), over HTTPS."""

from __future__ import annotations

import pytest

from ansible_collections.azure_dr.recovery.tests.unit.emulator.conftest import FABRIC_SCOPE, demo_seed
from ansible_collections.azure_dr.recovery.tests.unit.emulator.test_outages_and_group_state import (
    control_answer,
    group_state,
    properties,
)

SALES_REPORTING = '41ce06d1-d81b-4ea0-bc6d-2ce3dd2f8e87'  # active in the demo seed
PERSONAL = 'c1d2e3f4-a5b6-4c7d-8e9f-0a1b2c3d4e5f'  # deleted, personal


def test_a_role_swap_moves_the_primary_with_no_failover_request(emu):
    emu.control('DELETE', 'requests')
    assert emu.control('POST', 'role-swap', json={'name': 'fg-sales'}) == \
        {'name': 'fg-sales', 'primary': 'Japan East', 'previous_primary': 'Japan West'}
    assert properties(emu, 'JapanEast')['replicationRole'] == 'Primary'
    west = properties(emu, 'JapanWest')
    assert west['replicationRole'] == 'Secondary'
    assert west['partnerRegions'] == [{'location': 'Japan East', 'replicationRole': 'Primary'}]
    assert group_state(emu)['operation'] is None  # no operation: nothing for a poll to find
    logged = emu.control('GET', 'requests')['requests']
    assert not [entry for entry in logged if entry['method'] == 'POST' and 'instanceFailoverGroups' in entry['path']]


def test_a_role_swap_to_a_named_region_and_back(emu):
    assert emu.control('POST', 'role-swap', json={'name': 'fg-sales', 'primary': 'japaneast'})['primary'] == 'Japan East'
    # Asked to make the primary what it already is: nothing moves.
    assert emu.control('POST', 'role-swap', json={'name': 'fg-sales', 'primary': 'Japan East'})['previous_primary'] == 'Japan East'
    assert emu.control('POST', 'role-swap', json={'name': 'fg-sales'})['primary'] == 'Japan West'
    assert properties(emu, 'JapanWest')['replicationRole'] == 'Primary'


def test_a_role_swap_of_a_two_sided_group_needs_only_its_name(emu):
    assert emu.control('POST', 'role-swap', json={'name': 'fg-orders', 'resource_group': 'rg-sql-east'})['primary'] == 'Japan East'
    assert group_state(emu, 'fg-orders')['primary'] == 'Japan East'


@pytest.mark.parametrize('body, status, text', [
    ({}, 400, 'needs the name'),
    ({'name': 'fg-sales', 'colour': 'red'}, 400, 'unknown role-swap fields: colour'),
    ({'name': 'fg-sales', 'primary': 'West Europe'}, 400, 'primary must be one of Japan West, Japan East'),
    ({'name': 'fg-sales', 'primary': 3}, 400, 'primary must be the location'),
    ({'name': 'fg-nothing'}, 404, 'no failover group is named fg-nothing'),
])
def test_a_role_swap_refuses_what_it_cannot_do(emu, body, status, text):
    answer = control_answer(emu, 'POST', 'role-swap', json=body)
    assert answer.status_code == status and text in answer.json()['error']['message']
    assert group_state(emu)['primary'] == 'Japan West'


def test_a_role_swap_waits_for_a_running_failover(emu):
    emu.control('POST', 'failover-holds', json={'name': 'fg-sales'})
    assert emu.call('POST', emu.group_path('JapanEast', suffix='/failover')).status_code in (200, 202)
    answer = control_answer(emu, 'POST', 'role-swap', json={'name': 'fg-sales'})
    assert answer.status_code == 409 and 'running' in answer.json()['error']['message']


def listed(emu, state=None):
    query = '?state=%s' % state if state else ''
    return {workspace['id']: workspace for workspace in
            emu.call('GET', '/v1/admin/workspaces' + query, scope=FABRIC_SCOPE).json()['workspaces']}


def test_a_workspace_deleted_through_the_control_api_is_in_the_deleted_listing(emu):
    assert SALES_REPORTING not in listed(emu, 'deleted')
    answer = emu.control('POST', 'workspace-state', json={'id': SALES_REPORTING.upper(), 'state': 'Deleted'})
    assert answer['state'] == 'Deleted' and answer['name'] == 'Sales Reporting'
    assert listed(emu, 'deleted')[SALES_REPORTING]['state'] == 'Deleted'
    state = next(w for w in emu.control('GET', 'state')['workspaces'] if w['id'] == SALES_REPORTING)
    assert state['retention_days'] == 7 and abs(state['deleted_at'] - emu.control('GET', 'state')['now']) < 60
    # ...and restorable through the admin API, as any deleted workspace
    assert emu.call('POST', '/v1/admin/workspaces/%s/restore' % SALES_REPORTING, scope=FABRIC_SCOPE, json={}).status_code == 200
    assert listed(emu)[SALES_REPORTING]['state'] == 'Active'


def test_a_workspace_by_name_deleted_long_ago_is_purged_and_made_active_again(emu):
    emu.control('POST', 'workspace-state', json={'name': 'sales reporting', 'state': 'Deleted', 'deleted_days_ago': 8})
    assert SALES_REPORTING not in listed(emu)  # past its 7 days: gone for good
    emu.control('POST', 'workspace-state', json={'name': 'Sales Reporting', 'state': 'Deleted', 'deleted_days_ago': 8,
                                                 'retention_days': 30})
    assert listed(emu)[SALES_REPORTING]['state'] == 'Deleted'
    answer = emu.control('POST', 'workspace-state', json={'id': PERSONAL, 'state': 'Active'})
    assert answer['state'] == 'Active' and answer['type'] == 'Personal'  # as it was: only a restore makes it ordinary
    assert PERSONAL not in listed(emu, 'deleted')


@pytest.mark.parametrize('body, status, text', [
    ({'state': 'Deleted'}, 400, 'exactly one of id and name'),
    ({'id': SALES_REPORTING, 'name': 'Sales Reporting', 'state': 'Deleted'}, 400, 'exactly one of id and name'),
    ({'id': SALES_REPORTING, 'state': 'deleted'}, 400, 'state must be Deleted or Active'),
    ({'id': SALES_REPORTING, 'state': 'Deleted', 'deleted_days_ago': -1}, 400, 'deleted_days_ago must be a number of days'),
    ({'id': SALES_REPORTING, 'state': 'Active', 'retention_days': 7}, 400, 'go with state Deleted'),
    ({'id': SALES_REPORTING, 'state': 'Deleted', 'why': 'x'}, 400, 'unknown workspace-state fields: why'),
    ({'name': 'No Such Workspace', 'state': 'Deleted'}, 404, 'no workspace is named No Such Workspace'),
])
def test_workspace_state_refuses_what_it_cannot_do(emu, body, status, text):
    answer = control_answer(emu, 'POST', 'workspace-state', json=body)
    assert answer.status_code == status and text in answer.json()['error']['message']
    assert listed(emu)[SALES_REPORTING]['state'] == 'Active'


def test_workspace_state_by_a_name_two_workspaces_share_is_refused(emu):
    seed = demo_seed()
    seed['workspaces'].append({'id': '0a0b0c0d-1e1f-4a2b-8c3d-4e5f6a7b8c9d', 'name': 'Sales Reporting', 'state': 'Deleted'})
    emu.control('POST', 'reset', json=seed)
    answer = control_answer(emu, 'POST', 'workspace-state', json={'name': 'Sales Reporting', 'state': 'Deleted'})
    assert answer.status_code == 400
    assert answer.json()['error']['message'] == ('2 workspaces are named Sales Reporting: give the id of one '
                                                 '(0a0b0c0d-1e1f-4a2b-8c3d-4e5f6a7b8c9d, %s)' % SALES_REPORTING)
