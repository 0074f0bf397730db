# -*- coding: utf-8 -*-
# Copyright: contributors to the azure_dr.recovery collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The emulator seeded from a DR plan (from_plan.py, ``python -m azure_dr_emulator --plan``): both shapes of the plan,
each side where the plan puts it, instances named as the plan names them, workspaces deleted and restorable, the
emulator's own identity, every problem of a bad plan at once, a 100-group plan started in seconds."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import pytest
import yaml

from ansible_collections.azure_dr.recovery.tests.azure_dr_emulator import __main__ as emulator_main
from ansible_collections.azure_dr.recovery.tests.azure_dr_emulator.from_plan import (
    DEFAULT_SUBSCRIPTION,
    EMULATOR_IDENTITY,
    PlanError,
    environment,
    load_plan,
    seed_from_plan,
)
from ansible_collections.azure_dr.recovery.tests.azure_dr_emulator.state import build_state
from ansible_collections.azure_dr.recovery.tests.unit.emulator.conftest import CLIENT_ID, FABRIC_SCOPE, SECRET, TENANT

HERE = os.path.dirname(os.path.abspath(__file__))
COLLECTION = os.path.abspath(os.path.join(HERE, '..', '..', '..'))
DEMO_PLAN = os.path.join(COLLECTION, 'playbooks', 'plans', 'demo.yml')
SUB_A, SUB_B = '11111111-2222-4333-8444-555555555555', '66666666-7777-4888-9999-000000000000'
API = '2025-01-01'


def two_sided_plan():
    return {
        'name': 'contoso-prod',
        'report_dir': "{{ playbook_dir }}/reports",  # a template where the emulator needs nothing: left alone
        'failover_groups': [
            {'name': 'fg-orders',
             'primary': {'location': 'Japan West', 'resource_group': 'rg-sql-west', 'subscription_id': SUB_A},
             'dr': {'location': 'Japan East', 'resource_group': 'rg-sql-east', 'subscription_id': SUB_B,
                    'instance': 'mi-orders-east'}},
            # One side left out: it lives beside the other one.
            {'name': 'fg-billing', 'primary': {'location': 'Japan West', 'resource_group': 'rg-billing-west'},
             'dr': {'location': 'Japan East'}},
            {'name': 'fg-sales', 'resource_group': 'rg-sql-dr', 'primary_location': 'East US', 'dr_location': 'West US'},
        ],
        'fabric_workspaces': [{'id': '97dd1d38-a4c6-41ed-bc4f-1e383f8ddd0f'}, {'name': 'Data Engineering'},
                              {'id': '97DD1D38-A4C6-41ED-BC4F-1E383F8DDD0F'}],  # the same one twice: seeded once
    }


def test_two_sided_flat_and_one_side_left_out():
    seed = seed_from_plan(two_sided_plan())
    groups = {group['name']: group for group in seed['failover_groups']}
    assert groups['fg-orders'] == {
        'name': 'fg-orders', 'primary': 'Japan West',
        'sides': [{'location': 'Japan West', 'subscription': SUB_A, 'resource_group': 'rg-sql-west'},
                  {'location': 'Japan East', 'subscription': SUB_B, 'resource_group': 'rg-sql-east'}],
        'managed_instances': {
            'Japan West': '/subscriptions/%s/resourceGroups/rg-sql-west/providers/Microsoft.Sql/managedInstances/'
                          'fg-orders-japanwest' % SUB_A,
            'Japan East': '/subscriptions/%s/resourceGroups/rg-sql-east/providers/Microsoft.Sql/managedInstances/'
                          'mi-orders-east' % SUB_B}}
    assert groups['fg-billing']['sides'] == [
        {'location': 'Japan West', 'subscription': DEFAULT_SUBSCRIPTION, 'resource_group': 'rg-billing-west'},
        {'location': 'Japan East', 'subscription': DEFAULT_SUBSCRIPTION, 'resource_group': 'rg-billing-west'}]
    assert 'managed_instances' not in groups['fg-billing']  # the emulator's default names
    assert groups['fg-sales']['sides'] == [
        {'location': location, 'subscription': DEFAULT_SUBSCRIPTION, 'resource_group': 'rg-sql-dr'}
        for location in ('East US', 'West US')]
    assert groups['fg-sales']['primary'] == 'East US'
    assert [sub['id'] for sub in seed['subscriptions']] == [DEFAULT_SUBSCRIPTION, SUB_A, SUB_B]
    assert all(sub['principals'] == [CLIENT_ID] for sub in seed['subscriptions'])
    assert seed['fabric_admins'] == [CLIENT_ID]
    assert seed['settings'] == {'arm_async_operation': True}


def test_the_run_subscription_and_settings_can_be_given():
    seed = seed_from_plan(two_sided_plan(), subscription=SUB_B, settings={'failover_polls': 2})
    assert [sub['id'] for sub in seed['subscriptions']] == [SUB_B, SUB_A]
    assert seed['failover_groups'][2]['sides'][0]['subscription'] == SUB_B
    assert seed['settings'] == {'arm_async_operation': True, 'failover_polls': 2}


def test_workspaces_deleted_and_restorable_with_stable_ids():
    seed = seed_from_plan(two_sided_plan())
    by_id, by_name = seed['workspaces']
    assert by_id['id'] == '97dd1d38-a4c6-41ed-bc4f-1e383f8ddd0f' and by_name['name'] == 'Data Engineering'
    assert len(seed['workspaces']) == 2
    for workspace in seed['workspaces']:
        assert workspace['state'] == 'Deleted' and workspace['type'] == 'Workspace'
        assert workspace['deleted_days_ago'] < workspace['retention_days']
    assert seed_from_plan(two_sided_plan())['workspaces'] == seed['workspaces']
    other = dict(two_sided_plan(), name='another-plan')
    assert seed_from_plan(other)['workspaces'][1]['id'] != by_name['id']


def test_the_state_has_both_sides_where_the_plan_puts_them():
    state = build_state(seed_from_plan(two_sided_plan()), time.time())
    instances = {(i['subscription'], i['resource_group'], i['name']): i for i in state['managed_instances'].values()}
    assert (SUB_B, 'rg-sql-east', 'mi-orders-east') in instances
    assert (SUB_A, 'rg-sql-west', 'fg-orders-japanwest') in instances
    assert len(instances) == 6
    sizes = {(i['vcores'], i['storage_gb'], i['tier']) for i in instances.values()}
    assert len(sizes) == 1  # both sides of every group the same size: no parity problem of the emulator's making


def test_the_demo_plan_seeds_its_estate():
    seed = seed_from_plan(load_plan(DEMO_PLAN))
    assert sorted(group['name'] for group in seed['failover_groups']) == ['fg-finance', 'fg-sales']
    assert {workspace['name'] for workspace in seed['workspaces']} >= {'Data Engineering'}
    assert {workspace['id'] for workspace in seed['workspaces']} >= {'97dd1d38-a4c6-41ed-bc4f-1e383f8ddd0f',
                                                                     'c1d2e3f4-a5b6-4c7d-8e9f-0a1b2c3d4e5f'}


def test_every_problem_at_once_with_its_key():
    plan = {
        'failover_groups': [
            {'name': 'fg-a', 'primary': {'location': 'Japan West', 'subscription_id': 'not-a-uuid'},
             'dr': {'location': 'japanwest'}},
            {'name': 'fg-b', 'resource_group': 'rg', 'primary_location': 'East US'},
            {'name': 'fg-c', 'primary': {'location': '{{ region }}', 'resource_group': 'rg'}, 'dr': 'Japan East'},
            'fg-d',
            {'name': 'fg-e', 'resource_group': 'rg', 'primary_location': 'East US', 'dr_location': 'West US'},
            {'name': 'fg-e', 'resource_group': 'rg', 'primary_location': 'East US', 'dr_location': 'West US'},
        ],
        'fabric_workspaces': [{'id': 'nope'}, {'id': '97dd1d38-a4c6-41ed-bc4f-1e383f8ddd0f', 'name': 'both'}],
    }
    with pytest.raises(PlanError) as caught:
        seed_from_plan(plan, source='plans/bad.yml')
    problems = caught.value.problems
    expected = [
        "dr_plan.name is required",
        "dr_plan.failover_groups[0] (fg-a).primary.subscription_id must be a UUID such as 00000000-1111-2222-3333-444444444444, "
        "got 'not-a-uuid'",
        'dr_plan.failover_groups[0] (fg-a): primary.resource_group or dr.resource_group is required',
        'dr_plan.failover_groups[1] (fg-b).dr_location is required (an Azure region such as "Japan East" or japaneast)',
        "dr_plan.failover_groups[2] (fg-c).primary.location is a template ('{{ region }}')",
        'dr_plan.failover_groups[2] (fg-c).dr must be a mapping with location and resource_group',
        'dr_plan.failover_groups[3] must be a mapping',
        'dr_plan.failover_groups[5] (fg-e): its side in East US is also the side of dr_plan.failover_groups[4] (fg-e)',
        "dr_plan.fabric_workspaces[0].id must be a UUID",
        'dr_plan.fabric_workspaces[1] must be a mapping with exactly one of id (a UUID) and name',
    ]
    for wanted in expected:
        assert any(problem.startswith(wanted) for problem in problems), (wanted, problems)
    assert str(caught.value).startswith('plans/bad.yml cannot seed the emulator:\n  - ')


def test_two_sides_in_one_region_are_refused():
    plan = {'name': 'p', 'failover_groups': [{'name': 'fg', 'resource_group': 'rg', 'primary_location': 'Japan West',
                                              'dr_location': 'japanwest'}]}
    with pytest.raises(PlanError, match=r"\(fg\): the primary and DR locations must be two regions"):
        seed_from_plan(plan)
    with pytest.raises(PlanError, match='nothing to seed'):
        seed_from_plan({'name': 'empty'})
    with pytest.raises(PlanError, match=r'--subscription\) must be a UUID'):
        seed_from_plan(two_sided_plan(), subscription='prod')


@pytest.mark.parametrize('text, problem', [
    ('name: x\n', 'its top key must be dr_plan (a plan as docs/dr_plan.md shows it), found name'),
    ('- 1\n', 'its top key must be dr_plan (a plan as docs/dr_plan.md shows it), found no mapping'),
    ('dr_plan: [unclosed\n', 'is not YAML'),
])
def test_a_file_that_is_not_a_plan(tmp_path, text, problem):
    path = tmp_path / 'plan.yml'
    path.write_text(text)
    with pytest.raises(PlanError) as caught:
        load_plan(str(path))
    assert caught.value.problems[0].startswith(problem)
    with pytest.raises(PlanError, match='cannot be read'):
        load_plan(str(tmp_path / 'missing.yml'))


def big_plan(count):
    subscriptions = ['11111111-2222-4333-8444-%012d' % number for number in (1, 2, 3)]
    return {'name': 'big', 'failover_groups': [
        {'name': 'fg-%03d' % number,
         'primary': {'location': 'Japan West', 'resource_group': 'rg-%d' % (number % 4),
                     'subscription_id': subscriptions[number % 3]},
         'dr': {'location': 'Japan East', 'resource_group': 'rg-dr-%d' % (number % 4),
                'subscription_id': subscriptions[(number + 1) % 3], 'instance': 'mi-%03d-dr' % number}}
        for number in range(count)], 'fabric_workspaces': [{'name': 'WS %d' % number} for number in range(20)]}


def test_a_100_group_plan_starts_in_seconds_and_answers_over_https(start_emulator, tmp_path):
    begun = time.monotonic()
    emu = start_emulator(seed_from_plan(big_plan(100)), state_path=str(tmp_path / 'big.json'))
    started = time.monotonic() - begun
    assert started < 5, started
    url = ('/subscriptions/11111111-2222-4333-8444-000000000002/resourceGroups/rg-dr-0/providers/Microsoft.Sql/'
           'locations/Japan%%20East/instanceFailoverGroups?api-version=%s' % API)
    answer = emu.call('GET', url)
    assert answer.status_code == 200, answer.text
    groups = answer.json()['value']
    assert groups and all(group['properties']['replicationRole'] == 'Secondary' for group in groups)
    pair = groups[0]['properties']['managedInstancePairs'][0]
    assert pair['partnerManagedInstanceId'].endswith('-dr') and '/resourceGroups/rg-dr-0/' in pair['partnerManagedInstanceId']
    deleted = emu.call('GET', '/v1/admin/workspaces?state=deleted', scope=FABRIC_SCOPE).json()['workspaces']
    assert len(deleted) == 20
    restore = emu.call('POST', '/v1/admin/workspaces/%s/restore' % deleted[0]['id'], scope=FABRIC_SCOPE, json={})
    assert restore.status_code == 200, restore.text
    # The emulator's own service principal is the one the seed has (the token the helper got used it).
    assert (CLIENT_ID, SECRET, TENANT) == (EMULATOR_IDENTITY['client_id'], EMULATOR_IDENTITY['secret'],
                                           EMULATOR_IDENTITY['tenant'])


def test_environment_names_what_a_client_exports():
    env = environment('https://127.0.0.1:8443', '/tmp/ca.pem')
    assert sorted(env) == ['AZURE_ARM_ENDPOINT', 'AZURE_AUTHORITY_HOST', 'AZURE_CLIENT_ID', 'AZURE_SECRET',
                           'AZURE_SUBSCRIPTION_ID', 'AZURE_TENANT', 'FABRIC_API_ENDPOINT', 'REQUESTS_CA_BUNDLE']
    assert env['AZURE_SUBSCRIPTION_ID'] == DEFAULT_SUBSCRIPTION


def test_the_state_of_another_plan_is_not_continued(tmp_path, capsys):
    state = tmp_path / 'not-yet' / 'state.json'  # its folder is made
    first, second = seed_from_plan(two_sided_plan()), seed_from_plan(big_plan(3))
    emulator_main._forget_state_of_another_plan(str(state), first)
    state.write_text('{}')
    emulator_main._forget_state_of_another_plan(str(state), first)  # the same plan: continued
    assert state.exists()
    emulator_main._forget_state_of_another_plan(str(state), second)
    assert not state.exists()
    assert 'made from another plan' in capsys.readouterr().err


def test_command_line_with_a_plan_prints_the_environment_and_refuses_a_bad_plan(tmp_path):
    plan, bad = tmp_path / 'plan.yml', tmp_path / 'bad.yml'
    plan.write_text(yaml.safe_dump({'dr_plan': two_sided_plan()}))
    bad.write_text(yaml.safe_dump({'dr_plan': {'name': 'bad', 'failover_groups': [{'name': 'fg'}]}}))
    env = dict(os.environ, PYTHONPATH=os.path.join(COLLECTION, 'tests'))
    command = [sys.executable, '-m', 'azure_dr_emulator', '--port', '0', '--state', str(tmp_path / 'state.json')]
    refused = subprocess.run(command + ['--plan', str(bad)], env=env, capture_output=True, text=True, timeout=60,
                             check=False)
    assert refused.returncode == 2 and 'Traceback' not in refused.stderr
    assert 'bad.yml cannot seed the emulator' in refused.stderr
    assert 'dr_plan.failover_groups[0] (fg).resource_group is required' in refused.stderr
    ready = tmp_path / 'ready.json'
    process = subprocess.Popen(command + ['--plan', str(plan), '--ready-file', str(ready), '--idle-exit', '1'], env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        out, err = process.communicate(timeout=60)
    finally:
        process.kill()
    line = json.loads(out.splitlines()[0])
    assert line == json.loads(ready.read_text())
    assert line['environment']['AZURE_CLIENT_ID'] == CLIENT_ID and line['seconds_to_start'] < 5
    assert "export AZURE_SECRET='%s'" % SECRET in err and "emulator's own throw-away service principal" in err
    assert '3 failover groups (6 managed instances) in 3 subscriptions, 2 deleted workspaces' in err
