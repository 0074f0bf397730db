# -*- coding: utf-8 -*-
# Copyright: contributors to the azure_dr.recovery collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The collection's client layer (auth, http, lro, ARM and Fabric clients) against the emulator over
HTTPS, with a real azure-identity token: what the modules will stand on."""

from __future__ import annotations

import time

from ansible_collections.azure_dr.recovery.plugins.module_utils._arm import ArmClient
from ansible_collections.azure_dr.recovery.plugins.module_utils._auth import TokenProvider, build_credential, resolve_credential
from ansible_collections.azure_dr.recovery.plugins.module_utils._clouds import select_endpoints
from ansible_collections.azure_dr.recovery.plugins.module_utils._failover_groups.client import NOT_ACTED as GROUPS_NOT_ACTED
from ansible_collections.azure_dr.recovery.plugins.module_utils._fabric import FabricClient
from ansible_collections.azure_dr.recovery.plugins.module_utils._http import HttpClient, Session
from ansible_collections.azure_dr.recovery.tests.unit.emulator.conftest import CLIENT_ID, SECRET, SUB, TENANT, demo_seed

GROUP = ('resourceGroups', 'rg-sql-dr', 'providers', 'Microsoft.Sql', 'locations', 'JapanEast',
         'instanceFailoverGroups', 'fg-sales')


def clients(emu, warnings=None):
    params = {'auth_source': 'auto', 'client_id': CLIENT_ID, 'secret': SECRET, 'tenant': TENANT,
              'authority_host': emu.url, 'arm_endpoint': emu.url, 'fabric_endpoint': emu.url}
    endpoints = select_endpoints(params)
    session = Session()
    tokens = TokenProvider(resolve_credential(params), lambda plan: build_credential(plan, endpoints, HttpClient(session=session)))
    http = HttpClient(tokens, session=session, on_retry=(warnings.append if warnings is not None else None),
                      token_hosts=endpoints.token_hosts)
    return (ArmClient(http, endpoints.arm, endpoints.arm_scope, SUB),
            FabricClient(http, endpoints.fabric, endpoints.fabric_scope), tokens)


def test_failover_followed_to_its_end_is_seen_within_a_second_of_the_emulated_end(start_emulator):
    emu = start_emulator(demo_seed(failover_seconds=3, arm_retry_after=1))
    arm, _fabric, tokens = clients(emu)
    path = arm.path(*GROUP)
    assert arm.get(path, '2025-01-01')['properties']['replicationRole'] == 'Secondary'
    response = arm.post(path + '/failover', '2025-01-01')
    final = arm.wait(response, timeout=60)
    seen = time.time()
    operation = emu.control('GET', 'state')['failover_groups']
    ends = next(group['operation']['ends'] for group in operation if group['name'] == 'fg-sales')
    assert final.status_code == 200 and final.json()['properties']['replicationRole'] == 'Primary'
    assert 0 <= seen - ends < 1.0
    assert tokens.tokens_fetched == 1  # one token for ARM for the whole run


def test_429_storm_and_busy_answers_are_ridden_out(start_emulator):
    emu = start_emulator(demo_seed(failover_seconds=1))
    emu.control('POST', 'faults', json={'method': 'GET', 'path': 'fg-sales$', 'count': 3, 'status': 429, 'retry_after': 1,
                                        'body': {'error': {'code': 'TooManyRequests', 'message': 'throttled'}}})
    emu.control('POST', 'faults', json={'method': 'POST', 'path': '/failover$', 'count': 1, 'status': 409, 'retry_after': 1,
                                        'body': {'error': {'code': 'InstanceFailoverGroupBusy', 'message': 'busy'}}})
    warnings = []
    arm, _fabric, _tokens = clients(emu, warnings)
    path = arm.path(*GROUP)
    assert arm.get(path, '2025-01-01')['name'] == 'fg-sales'
    # The busy answer is Microsoft.Sql's: the failover groups' client names it (the HTTP layer knows no API's codes).
    assert arm.with_not_acted(GROUPS_NOT_ACTED).post(path + '/failover', '2025-01-01').status_code == 202
    assert len(warnings) == 4 and all('retrying in 1.0 s (Retry-After' in warning for warning in warnings)
    log = [(entry['method'], entry['status']) for entry in emu.control('GET', 'requests')['requests']
           if 'fg-sales' in entry['path']]
    assert log == [('GET', 429)] * 3 + [('GET', 200), ('POST', 409), ('POST', 202)]


def test_fabric_listing_and_restore(start_emulator):
    emu = start_emulator(demo_seed(fabric_page_size=1))
    _arm, fabric, tokens = clients(emu)
    deleted = fabric.list(('admin', 'workspaces'), 'workspaces', {'state': 'deleted'})
    assert len(deleted) == 3
    target = next(w for w in deleted if w['type'] == 'Workspace')
    fabric.wait(fabric.post(('admin', 'workspaces', target['id'], 'restore'), {'newWorkspaceName': None}), timeout=60)
    assert fabric.get('admin', 'workspaces', target['id'])['state'] == 'Active'
    assert tokens.tokens_fetched == 1
