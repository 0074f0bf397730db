# -*- coding: utf-8 -*-
# Copyright: contributors to the azure_dr.recovery collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Both event sources end to end against the emulator, through their ``main(queue, args)``: an asyncio queue, the
demo plan, and the estate changed through the control API between two polls.  The time between polls is the test's
own clock (the source's ``sleep`` moves it on and makes the next change), so no test waits for anything; the
retry engine's waits (an outage's Retry-After) are on that clock too."""

from __future__ import annotations

import asyncio
import importlib
import os
import time
from urllib.parse import unquote

import pytest

from ansible_collections.azure_dr.recovery.tests.unit.emulator.conftest import (
    CLIENT_ID,
    FABRIC_SCOPE,
    SECRET,
    SUB,
    TENANT,
    demo_seed,
)
from ansible_collections.azure_dr.recovery.tests.unit.helpers import FakeClock

ROOT = os.path.join(os.path.dirname(__file__), '..', '..', '..')
DEMO_PLAN = os.path.join(ROOT, 'playbooks', 'plans', 'demo.yml')
SALES_REPORTING = '41ce06d1-d81b-4ea0-bc6d-2ce3dd2f8e87'
SOURCES = 'ansible_collections.azure_dr.recovery.extensions.eda.plugins.event_source.'


def source(name):
    return importlib.import_module(SOURCES + name)


def run(name, emu, args, changes, clock):
    """The events of ``main`` over ``len(changes) + 1`` polls; ``changes[i]()`` runs between poll i+1 and i+2."""
    queue = asyncio.Queue()
    steps = list(changes)

    async def between_polls(seconds):
        clock.now += seconds
        steps.pop(0)()

    base = {'tenant': TENANT, 'client_id': CLIENT_ID, 'secret': SECRET, 'subscription_id': SUB,
            'authority_host': emu.url, 'arm_endpoint': emu.url, 'fabric_endpoint': emu.url,
            'max_polls': len(changes) + 1}
    if name == 'fabric_workspace_watch':
        base.pop('arm_endpoint'), base.pop('subscription_id')
    else:
        base.pop('fabric_endpoint')
    polls = asyncio.run(source(name).main(queue, dict(base, **args), clock=clock, sleep=between_polls,
                                          retry_sleep=clock.sleep, monotonic=clock))
    assert polls == len(changes) + 1 and not steps
    events = []
    while not queue.empty():
        events.append(queue.get_nowait()['azure_dr'])
    return events


def nothing():
    pass


@pytest.fixture
def clock():
    return FakeClock(start=time.time())


def arm_requests(emu):
    return [entry for entry in emu.control('GET', 'requests')['requests'] if entry['path'].startswith('/subscriptions/')]


def test_the_group_watch_sees_a_microsoft_managed_failover_a_region_out_and_seeding(start_emulator, clock):
    emu = start_emulator(demo_seed(outage_retry_after=5))
    changes = [
        lambda: emu.control('POST', 'role-swap', json={'name': 'fg-sales'}),  # poll 2: role_changed
        lambda: emu.control('POST', 'outages', json={'location': 'East US', 'mode': 'unavailable'}),  # polls 3, 4
        nothing,  # poll 4: the second failed poll: region_unreachable
        # poll 5: West US says SEEDING (East US, still out, says it at poll 6)
        lambda: emu.control('POST', 'group-state', json={'name': 'fg-finance', 'replication_state': 'SEEDING'}),
        lambda: emu.control('DELETE', 'outages'),  # poll 6: region_recovered, and East US says SEEDING too
        nothing,  # polls 7 and 8: nothing new
        nothing,
    ]
    events = run('failover_group_watch', emu, {'plan_file': DEMO_PLAN, 'unreachable_after': 2}, changes, clock)
    assert [(event['type'], event.get('group') or event.get('location')) for event in events] == [
        ('snapshot', None), ('role_changed', 'fg-sales'), ('region_unreachable', 'East US'),
        ('replication_state_changed', 'fg-finance'), ('region_recovered', 'East US'),
        ('replication_state_changed', 'fg-finance')]
    snapshot, moved, unreachable, seeding, recovered, seeding_east = events
    assert snapshot['plan'] == 'contoso-demo' and snapshot['groups'] == ['fg-sales', 'fg-finance']
    assert snapshot['reads_per_interval'] == 4
    primaries = [(group['name'], group['primary']) for group in snapshot['snapshot']]
    assert primaries == [('fg-sales', 'Japan West'), ('fg-finance', 'East US')]
    assert (moved['primary'], moved['previous_primary']) == ('Japan East', 'Japan West')
    assert [(side['side'], side['location'], side['role']) for side in moved['sides']] == [
        ('primary', 'Japan West', 'Secondary'), ('dr', 'Japan East', 'Primary')]
    assert unreachable['groups'] == ['fg-finance'] and unreachable['failed_reads'] == 2
    assert '503' in unreachable['reason'] or 'ServiceUnavailable' in unreachable['reason']
    assert seeding['changes'] == [{'location': 'West US', 'previous': 'CATCH_UP', 'current': 'SEEDING'}]
    assert recovered['down_since'] == unreachable['since']
    assert seeding_east['changes'] == [{'location': 'East US', 'previous': 'CATCH_UP', 'current': 'SEEDING'}]
    logged = arm_requests(emu)
    assert all(entry['method'] == 'GET' for entry in logged)  # a watch never sends a failover
    answered = [entry for entry in logged if not entry['outage']]
    assert len(answered) == 8 * 4 - 3  # four listings a poll; East US did not answer in polls 3, 4 and 5
    assert {unquote(entry['path']).split('/locations/')[1] for entry in answered} == {
        'Japan West/instanceFailoverGroups', 'Japan East/instanceFailoverGroups', 'East US/instanceFailoverGroups',
        'West US/instanceFailoverGroups'}


def test_the_group_watch_renews_a_token_that_expired_and_reads_on(start_emulator):
    """Tokens of 200 s, and polls 60 s apart on the emulator's clock: at the fifth poll ARM refuses the first token as
    expired, and the source gets a new one and reads on, with no event.  (Renewal ahead of expiry, on the token
    provider's own clock, is test__auth.py's.)"""
    emu = start_emulator(demo_seed(token_lifetime=200))
    emulator_clock = FakeClock(start=time.time())
    emu.emulator.store.clock = emulator_clock
    queue = asyncio.Queue()

    async def between_polls(seconds):
        emulator_clock.now += 60

    polls = asyncio.run(source('failover_group_watch').main(queue, {
        'plan_file': DEMO_PLAN, 'tenant': TENANT, 'client_id': CLIENT_ID, 'secret': SECRET, 'subscription_id': SUB,
        'authority_host': emu.url, 'arm_endpoint': emu.url, 'max_concurrency': 1, 'max_polls': 5}, sleep=between_polls))
    assert polls == 5
    assert [queue.get_nowait()['azure_dr']['type'] for _event in range(queue.qsize())] == ['snapshot']
    logged = emu.control('GET', 'requests')['requests']
    assert [entry['status'] for entry in logged if entry['path'].endswith('/oauth2/v2.0/token')] == [200, 200]
    statuses = [entry['status'] for entry in arm_requests(emu)]
    assert statuses == [200] * 16 + [401] + [200] * 4  # the fifth poll's first listing: refused, then read again


def test_a_group_watch_that_cannot_get_a_token_says_so_once_and_goes_on(start_emulator, clock):
    emu = start_emulator()
    events = run('failover_group_watch', emu, {'plan_file': DEMO_PLAN, 'secret': 'not-the-secret'}, [nothing] * 3, clock)
    assert [event['type'] for event in events] == ['snapshot', 'watch_error']
    error = events[1]
    assert 'invalid_client' in error['message'] and len(error['errors']) == 4
    assert 'not-the-secret' not in repr(events)
    tokens = [entry for entry in emu.control('GET', 'requests')['requests'] if entry['path'].endswith('/oauth2/v2.0/token')]
    assert len(tokens) == 4 and not arm_requests(emu)  # asked again at every poll: it keeps going


def test_the_workspace_watch_says_once_that_a_workspace_of_the_plan_was_deleted(start_emulator, clock):
    emu = start_emulator()

    def delete():
        emu.control('POST', 'workspace-state', json={'id': SALES_REPORTING, 'state': 'Deleted'})

    changes = [
        delete,  # poll 2: workspace_deleted
        nothing,  # poll 3: still deleted, nothing
        lambda: emu.call('POST', '/v1/admin/workspaces/%s/restore' % SALES_REPORTING, scope=FABRIC_SCOPE, json={}),
        delete,  # poll 5: deleted again
    ]
    args = {'plan': 'contoso-demo', 'workspaces': [{'id': SALES_REPORTING}, {'name': 'Data Engineering'}],
            'retention_days': 14}
    events = run('fabric_workspace_watch', emu, args, changes, clock)
    assert [event['type'] for event in events] == ['snapshot', 'workspace_deleted', 'workspace_deleted']
    assert [(item['name'], item['state']) for item in events[0]['workspaces']] == [
        (None, 'NotDeleted'), ('Data Engineering', 'Deleted')]
    first = events[1]
    assert first['workspace']['id'] == SALES_REPORTING and first['workspace']['name'] == 'Sales Reporting'
    assert first['state'] == 'Deleted' and first['retention_days'] == 14
    assert first['deleted_after'] < first['deleted_before'] and first['restore_before'] > first['deleted_before']
    lists = [entry for entry in emu.control('GET', 'requests')['requests']
             if entry['method'] == 'GET' and entry['path'] == '/v1/admin/workspaces']
    assert len(lists) == 5 and all(entry['query'].get('state') == 'deleted' for entry in lists)  # one listing a poll


def test_the_workspace_watch_refuses_an_interval_beyond_the_admin_apis_reads(start_emulator):
    emu = start_emulator()
    with pytest.raises(ValueError) as caught:
        asyncio.run(source('fabric_workspace_watch').main(asyncio.Queue(), {
            'plan_file': DEMO_PLAN, 'tenant': TENANT, 'client_id': CLIENT_ID, 'secret': SECRET,
            'authority_host': emu.url, 'fabric_endpoint': emu.url, 'interval': 10}))
    assert str(caught.value) == (
        'fabric_workspace_watch: interval: one listing every 10 s is 360 an hour, more than max_listings_per_hour (100); '
        'make interval at least 36 seconds (the admin API allows 200 reads an hour, shared with the DR runs)')
    assert emu.control('GET', 'requests')['requests'] == []  # refused before any request


def test_a_hundred_groups_cost_two_listings_a_poll(start_emulator, clock):
    seed = demo_seed()
    seed['failover_groups'] = [{'subscription': SUB, 'resource_group': 'rg-sql-dr', 'name': 'fg-%03d' % index,
                                'locations': ['Japan West', 'Japan East'], 'primary': 'Japan West'} for index in range(100)]
    seed['managed_instances'] = []
    emu = start_emulator(seed)
    groups = [{'name': 'fg-%03d' % index, 'resource_group': 'rg-sql-dr', 'primary_location': 'Japan West',
               'dr_location': 'Japan East'} for index in range(100)]
    changes = [lambda: emu.control('POST', 'role-swap', json={'name': 'fg-042'}), nothing]
    events = run('failover_group_watch', emu, {'plan': 'contoso-100', 'groups': groups}, changes, clock)
    assert [(event['type'], event['group']) for event in events] == [('snapshot', None), ('role_changed', 'fg-042')]
    assert events[0]['reads_per_interval'] == 2 and events[0]['requests'] == 4  # two listings, two pages each
    assert len(events[0]['snapshot']) == 100
    logged = arm_requests(emu)
    assert len(logged) == 3 * 4 and all(entry['method'] == 'GET' for entry in logged)  # 200 GETs a poll with one per side


def test_a_side_the_plan_leaves_out_is_found_through_the_other_sides_read(start_emulator, clock):
    """fg-orders of the demo estate: its DR side in another subscription and resource group, which the plan does not
    name; the first poll reads the primary side, finds the DR side through managedInstancePairs and reads it too."""
    emu = start_emulator()
    groups = [{'name': 'fg-orders', 'primary': {'location': 'Japan West', 'resource_group': 'rg-sql-west'},
               'dr': {'location': 'Japan East'}}]
    changes = [lambda: emu.control('POST', 'role-swap', json={'name': 'fg-orders'})]
    events = run('failover_group_watch', emu, {'plan': 'contoso-demo-split', 'groups': groups}, changes, clock)
    assert [event['type'] for event in events] == ['snapshot', 'role_changed']
    snapshot = events[0]
    west, east = snapshot['snapshot'][0]['sides']
    assert (west['derived'], west['found'], west['role']) == (False, True, 'Primary')
    assert (east['derived'], east['found'], east['role'], east['resource_group'], east['subscription_id']) == \
        (True, True, 'Secondary', 'rg-sql-east', '66666666-7777-4888-9999-000000000000')
    assert snapshot['reads_per_interval'] == 2 and snapshot['requests'] == 2
    assert events[1]['primary'] == 'Japan East' and events[1]['sides'][1]['derived'] is True
    paths = [unquote(entry['path']) for entry in arm_requests(emu)]
    west_and_east = ['/subscriptions/%s/resourceGroups/rg-sql-west/providers/Microsoft.Sql/locations/Japan West/'
                     'instanceFailoverGroups' % SUB,
                     '/subscriptions/66666666-7777-4888-9999-000000000000/resourceGroups/rg-sql-east/providers/'
                     'Microsoft.Sql/locations/Japan East/instanceFailoverGroups']
    # The first poll finds the DR side through the primary's read; the second reads both side by side, in any order.
    assert paths[:2] == west_and_east and sorted(paths[2:]) == west_and_east
