# -*- coding: utf-8 -*-
# Copyright: contributors to the azure_dr.recovery collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""A plan from the estate: groups with both sides, workspaces by filter, the commented file, what differs."""

from __future__ import annotations

import copy

import yaml

from ansible_collections.azure_dr.recovery.plugins.plugin_utils._dr_run.discover import (
    discovered_groups,
    discovered_plan,
    picked_workspaces,
    plan_changes,
    plan_yaml,
    workspace_filter_problems,
)
from ansible_collections.azure_dr.recovery.plugins.plugin_utils._dr_run.plan import plan_problems
from ansible_collections.azure_dr.recovery.tests.unit.plugins.plugin_utils.test_dr_run_estate import SUB, SUB2, Estate, group

CAPACITY = '41ce06d1-d81b-4ea0-bc6d-2ce3dd2f8e84'
LISTING = [
    {'id': '41ce06d1-d81b-4ea0-bc6d-2ce3dd2f8e87', 'name': 'Sales Reporting', 'type': 'Workspace', 'state': 'Active',
     'capacityId': CAPACITY},
    {'id': '97dd1d38-a4c6-41ed-bc4f-1e383f8ddd0f', 'name': 'Finance Analytics', 'type': 'Workspace', 'state': 'Deleted',
     'capacityId': CAPACITY},
    {'id': '5a6b7c8d-9e0f-4a1b-8c2d-3e4f5a6b7c8d', 'name': 'Data Engineering', 'type': 'Workspace', 'state': 'Active',
     'domainId': '8badadb6-9945-4e07-8134-00e0defec00b'},
    {'id': 'c1d2e3f4-a5b6-4c7d-8e9f-0a1b2c3d4e5f', 'name': 'My workspace', 'type': 'Personal', 'state': 'Active',
     'capacityId': CAPACITY},
]


def listings(estate):
    """fg-sales and fg-orders, each listed from both of its sides, as managed_instance_info lists them."""
    orders_east = estate.orders('Japan East', secondary_type='Standby')
    return [estate.sales('Japan West'), estate.sales('Japan East'), estate.orders('Japan West'), orders_east]


def test_every_group_once_with_both_sides_today_s_primary_first():
    estate = Estate()
    found = discovered_groups(listings(estate), estate.estate()['managed_instances'])
    assert [entry['name'] for entry in found] == ['fg-orders', 'fg-sales']
    orders = found[0]
    assert orders['primary'] == {'location': 'Japan West', 'resource_group': 'rg-sql-west', 'subscription_id': SUB,
                                 'instance': 'mi-orders-west'}
    assert orders['dr'] == {'location': 'Japan East', 'resource_group': 'rg-sql-east', 'subscription_id': SUB2,
                            'instance': 'mi-orders-east'}
    assert orders['instances']['dr']['v_cores'] == 8 and orders['secondary_type'] in ('Geo', 'Standby')


def test_a_group_seen_from_one_side_only_still_has_both_and_a_failed_over_group_starts_at_its_primary():
    estate = Estate()
    # Failed over: Japan East is primary now; listed only there, its partner not read.
    failed_over = group('fg-sales', SUB, 'rg-sql-dr', 'Japan East', 'Primary', estate.east['id'], estate.west['id'], 'Japan West')
    found = discovered_groups([failed_over], [])
    assert found[0]['primary']['instance'] == 'mi-sales-east' and found[0]['dr']['instance'] == 'mi-sales-west'
    assert found[0]['dr']['location'] == 'Japan West' and found[0]['instances'] == {'primary': None, 'dr': None}


def test_the_file_is_a_plan_that_passes_validation_with_its_facts_as_comments():
    estate = Estate()
    smaller = dict(estate.orders_east, v_cores=4)
    groups = discovered_groups(listings(estate), [estate.west, estate.east, estate.orders_west, smaller])
    workspaces = picked_workspaces(LISTING, {'capacity_id': CAPACITY})
    text = plan_yaml('contoso-prod', groups, workspaces, 'on 2026-12-07T15:00:00Z from 2 subscription(s)')
    loaded = yaml.safe_load(text)
    assert plan_problems(loaded['dr_plan']) == []
    assert loaded['dr_plan'] == discovered_plan('contoso-prod', groups, workspaces)
    assert '# DR instance mi-orders-east: GeneralPurpose Gen5, 4 vCores, 256 GB' in text
    # Smaller at discovery: marked parity: warn, loudly, so that the drills stay a go until it is scaled up.
    assert '# PARITY: the DR instance is smaller than its primary (vCores 4 < 8)' in text
    assert [group.get('parity') for group in loaded['dr_plan']['failover_groups']] == ['warn', None]
    assert '# failover policy' in text and 'secondary type' in text
    assert '- id: "97dd1d38-a4c6-41ed-bc4f-1e383f8ddd0f"  # Finance Analytics' in text


def test_names_that_yaml_would_misread_are_quoted():
    estate = Estate()
    groups = discovered_groups(listings(estate), estate.estate()['managed_instances'])
    workspaces = [{'id': 'yes', 'name': 'a: b # c\nd'}]
    loaded = yaml.safe_load(plan_yaml('no', groups, workspaces, 'x'))
    assert loaded['dr_plan']['name'] == 'no' and loaded['dr_plan']['fabric_workspaces'] == [{'id': 'yes'}]


def test_workspaces_are_picked_by_capacity_domain_or_name_pattern_never_personal():
    assert [w['name'] for w in picked_workspaces(LISTING, {'capacity_id': CAPACITY})] == ['Finance Analytics', 'Sales Reporting']
    assert [w['name'] for w in picked_workspaces(LISTING, {'domain_id': ['8BADADB6-9945-4e07-8134-00e0defec00b']})] == [
        'Data Engineering']
    assert [w['name'] for w in picked_workspaces(LISTING, {'name': ['*ENGINEERING', 'sales*']})] == [
        'Data Engineering', 'Sales Reporting']
    assert picked_workspaces(LISTING, None) == [] and picked_workspaces(LISTING, {'name': 'My*'}) == []


def test_workspace_filters_are_checked():
    assert workspace_filter_problems(None) == [] and workspace_filter_problems({'name': 'Sales*'}) == []
    assert workspace_filter_problems('Sales*') == [
        "dr_discover_workspaces must be a mapping with capacity_id, domain_id or name (each one value or a list), got 'Sales*'"]
    assert workspace_filter_problems({'colour': 'red'}) == [
        "dr_discover_workspaces: unknown key 'colour' (allowed: capacity_id, domain_id, name)",
        'dr_discover_workspaces needs capacity_id, domain_id or name']


def test_what_differs_from_the_plan_on_disk():
    estate = Estate()
    groups = discovered_groups(listings(estate), estate.estate()['managed_instances'])
    new = discovered_plan('p', groups, picked_workspaces(LISTING, {'capacity_id': CAPACITY}))
    assert plan_changes(copy.deepcopy(new), new) == []
    old = {'name': 'p', 'failover_groups': [
        {'name': 'fg-sales', 'resource_group': 'rg-sql-dr', 'primary_location': 'Japan West', 'dr_location': 'japaneast'},
        {'name': 'fg-gone', 'resource_group': 'rg', 'primary_location': 'Japan West', 'dr_location': 'Japan East'}],
        'fabric_workspaces': [{'name': 'Finance Analytics'}, {'id': 'c1d2e3f4-a5b6-4c7d-8e9f-0a1b2c3d4e5f'}]}
    names = {'97dd1d38-a4c6-41ed-bc4f-1e383f8ddd0f': 'Finance Analytics', '41ce06d1-d81b-4ea0-bc6d-2ce3dd2f8e87': 'Sales Reporting'}
    assert plan_changes(old, new, default_subscription=SUB, workspace_names=names) == [
        '+ failover group fg-orders: in the estate, not in the plan',
        '- failover group fg-gone: in the plan, not found in the estate',
        '+ workspace 41ce06d1-d81b-4ea0-bc6d-2ce3dd2f8e87: picked by dr_discover_workspaces, not in the plan',
        '- workspace c1d2e3f4-a5b6-4c7d-8e9f-0a1b2c3d4e5f: in the plan, not picked by dr_discover_workspaces']
    moved = copy.deepcopy(new)
    moved['failover_groups'][1]['dr']['resource_group'] = 'rg-elsewhere'
    assert plan_changes(new, moved) == ['~ failover group fg-sales: dr.resource_group rg-sql-dr -> rg-elsewhere']
