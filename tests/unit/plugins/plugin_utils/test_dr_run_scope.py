# -*- coding: utf-8 -*-
# Copyright: contributors to the azure_dr.recovery collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""A run limited to what an event names (dr_only_groups, dr_only_workspaces) and a run that never sends a failover
(dr_confirm_only): the scope's problems before any call, the plan of the run, readiness, the rows and the report."""

from __future__ import annotations

import copy
import os

import pytest
import yaml

from ansible_collections.azure_dr.recovery.plugins.plugin_utils._dr_run.estate import fold_estate
from ansible_collections.azure_dr.recovery.plugins.plugin_utils._dr_run.html import report_html
from ansible_collections.azure_dr.recovery.plugins.plugin_utils._dr_run.markdown import report_markdown
from ansible_collections.azure_dr.recovery.plugins.plugin_utils._dr_run.plan import plan_groups, run_problems
from ansible_collections.azure_dr.recovery.plugins.plugin_utils._dr_run.readiness import readiness
from ansible_collections.azure_dr.recovery.plugins.plugin_utils._dr_run.report import outcomes, report_of
from ansible_collections.azure_dr.recovery.plugins.plugin_utils._dr_run.scope import (
    MOVED_BY_OTHERS,
    NOT_MOVED,
    confirmed_results,
    scope_lines,
    scope_plan,
    scope_problems,
    whole_plan,
)

DEMO_PLAN = os.path.join(os.path.dirname(__file__), '..', '..', '..', '..', 'playbooks', 'plans', 'demo.yml')
DATA_ENGINEERING = '5a6b7c8d-9e0f-4a1b-8c2d-3e4f5a6b7c8d'  # the demo estate's id of the plan's workspace given by name


@pytest.fixture
def plan():
    with open(DEMO_PLAN) as handle:
        return copy.deepcopy(yaml.safe_load(handle)['dr_plan'])


def test_no_scope_is_the_whole_plan(plan):
    assert scope_problems(plan) == []
    scoped, scope = scope_plan(plan)
    assert scoped == plan
    workspaces = ['97dd1d38-a4c6-41ed-bc4f-1e383f8ddd0f', 'Data Engineering', 'c1d2e3f4-a5b6-4c7d-8e9f-0a1b2c3d4e5f']
    assert scope == {'groups': ['fg-sales', 'fg-finance'], 'workspaces': workspaces,
                     'left_out': {'failover_groups': [], 'fabric_workspaces': []}, 'confirm_only': False}


def test_only_some_groups_and_no_workspace(plan):
    scoped, scope = scope_plan(plan, only_groups=['FG-Sales'], only_workspaces=[])
    assert [group['name'] for group in scoped['failover_groups']] == ['fg-sales'] and scoped['fabric_workspaces'] == []
    assert [group['name'] for group in plan_groups(scoped)] == ['fg-sales']
    assert scope['left_out']['failover_groups'] == [plan['failover_groups'][1]]
    assert len(scope['left_out']['fabric_workspaces']) == 3
    assert scoped['name'] == plan['name'] and plan['failover_groups'][1]['name'] == 'fg-finance'  # the plan is left as it was


@pytest.mark.parametrize('wanted', [
    ['Data Engineering'], ['data engineering'], 'Data Engineering', '["Data Engineering"]',
    [{'id': DATA_ENGINEERING, 'name': 'Data Engineering'}],  # as an event carries a workspace: its name matches
])
def test_a_workspace_by_name_id_or_as_an_event_carries_it(plan, wanted):
    assert scope_problems(plan, only_workspaces=wanted) == []
    scoped, scope = scope_plan(plan, only_groups=[], only_workspaces=wanted)
    assert scoped['fabric_workspaces'] == [{'name': 'Data Engineering'}] and scoped['failover_groups'] == []
    assert scope['workspaces'] == ['Data Engineering']


def test_a_workspace_by_its_id(plan):
    scoped, _scope = scope_plan(plan, only_workspaces=['97DD1D38-a4c6-41ed-bc4f-1e383f8ddd0f'])
    assert scoped['fabric_workspaces'] == [{'id': '97dd1d38-a4c6-41ed-bc4f-1e383f8ddd0f'}]


def test_names_a_group_list_and_comma_separated_text(plan):
    scoped, _scope = scope_plan(plan, only_groups='fg-sales, fg-finance')
    assert len(scoped['failover_groups']) == 2


def test_every_problem_of_a_scope_at_once(plan):
    problems = scope_problems(plan, only_groups=['fg-sales', 'fg-nope', 'fg-other'],
                              only_workspaces=[DATA_ENGINEERING, 'Nope'], confirm_only='maybe')
    assert problems == [
        'dr_only_groups: fg-nope, fg-other are not a failover group of plan contoso-demo (its groups: fg-sales, fg-finance)',
        'dr_only_workspaces: %s, Nope are not a workspace of plan contoso-demo (its workspaces, by name or id: '
        '97dd1d38-a4c6-41ed-bc4f-1e383f8ddd0f, Data Engineering, c1d2e3f4-a5b6-4c7d-8e9f-0a1b2c3d4e5f)' % DATA_ENGINEERING,
        "dr_confirm_only must be true or false, got 'maybe'"]


@pytest.mark.parametrize('only_groups, only_workspaces, expected', [
    ([], [], 'dr_only_groups and dr_only_workspaces leave nothing of plan contoso-demo to this run'),
    (7, None, 'dr_only_groups must be a list of names, got int'),
    ([''], None, "dr_only_groups must be a list of names, got '' in it"),
    ('[not json', None, "dr_only_groups must be a list of names, got '[not json'"),
    (None, [{'type': 'Workspace'}], 'dr_only_workspaces: a workspace given as a mapping needs its id or its name'),
])
def test_bad_scopes(plan, only_groups, only_workspaces, expected):
    problems = scope_problems(plan, only_groups=only_groups, only_workspaces=only_workspaces)
    assert len(problems) == 1 and problems[0].startswith(expected)


def test_confirm_only_is_not_for_a_live_drill(plan):
    assert scope_problems(plan, confirm_only=True, playbook='dr_drill_live') == [
        'dr_confirm_only does not apply to dr_drill_live: a live drill is the failover and the failback themselves']
    assert scope_problems(plan, confirm_only='yes', playbook='dr_failover') == []
    assert scope_plan(plan, confirm_only='yes')[1]['confirm_only'] is True


def test_a_confirm_only_run_needs_no_data_loss_confirmation(plan):
    plan['failover_mode'] = 'forced'
    run = {'playbook': 'dr_failover', 'target': 'dr', 'plan_name': plan['name'], 'plan': plan, 'confirm': plan['name'],
           'check_mode': False}
    assert 'WITH DATA LOSS' in ' '.join(run_problems(run))
    assert run_problems(dict(run, confirm_only=True)) == []


def _read(name, role, location='Japan East', failed=False, msg=None, found=True):
    group = {'properties': {'replicationRole': role}} if found else None
    result = {'item': {'name': name, 'location': location}, 'changed': role != 'Primary' and not failed,
              'failover_kind': 'planned' if role == 'Secondary' and not failed else 'none',
              'sides': {'target': {'location': location, 'found': found, 'answered': True, 'replication_role': role},
                        'primary': None}}
    if failed:
        result.update(failed=True, msg=msg)
    else:
        result['failover_group'] = group
    return result


def test_confirm_only_results_readiness_and_rows():
    results = [
        _read('fg-moved', 'Primary'),
        _read('fg-still', 'Secondary'),
        # refused in check mode (its primary side does not answer, a planned failover): not this run's problem
        _read('fg-refused', 'Secondary', failed=True, msg='Refused before any change: the primary side does not answer'),
        # its target side not read: it cannot be confirmed
        _read('fg-unread', None, failed=True, msg='Japan East did not answer', found=False),
    ]
    confirmed = confirmed_results(results)
    found = readiness(confirmed, [])
    assert found['problems'] == ['failover group fg-unread: Japan East did not answer']
    assert found['notes'] == [
        'failover group fg-moved: primary at Japan East already: moved by someone else',
        'failover group fg-still: not moved (Secondary at Japan East): dr_confirm_only sends no failover',
        'failover group fg-refused: not moved (Secondary at Japan East): dr_confirm_only sends no failover']
    assert [group['would_send'] for group in found['groups']] == ['none', 'none', 'none', 'none']
    rows = outcomes(confirmed, 'failover_group')
    assert [(row['name'], row['action'], row['changed'], row['failover_kind'], row['final_state']) for row in rows] == [
        ('fg-moved', MOVED_BY_OTHERS, False, 'none', 'Primary in Japan East'),
        ('fg-still', NOT_MOVED, False, 'none', 'Secondary in Japan East'),
        ('fg-refused', NOT_MOVED, False, 'none', 'Secondary in Japan East'),
        ('fg-unread', 'error', False, 'none', None)]


def _record(plan, scope, rows, event=None):
    return {'plan': plan, 'playbook': 'dr_failover', 'started': 1000.0, 'rehearsal': False, 'target': 'dr',
            'restore': True, 'rows': rows, 'steps': [], 'phases': {'validation': 1000.0}, 'readiness': None,
            'legs': None, 'scope': scope, 'event': event}


def test_the_report_of_a_confirm_only_run_limited_to_a_group(plan):
    scoped, scope = scope_plan(plan, only_groups=['fg-sales', 'fg-finance'], only_workspaces=[], confirm_only=True)
    rows = outcomes(confirmed_results([_read('fg-sales', 'Primary'), _read('fg-finance', 'Secondary', 'West US')]),
                    'failover_group')
    event = {'type': 'role_changed', 'plan': 'contoso-demo', 'time': '2026-12-07T10:00:00Z'}
    report = report_of(_record(scoped, scope, rows, event), now=1010.0)
    assert report['result'] == 'succeeded'  # a group not moved is not an error of a run that moves nothing
    assert report['event'] == event
    assert report['scope'] == {
        'groups': ['fg-sales', 'fg-finance'], 'workspaces': [], 'left_out_groups': [],
        'left_out_workspaces': ['97dd1d38-a4c6-41ed-bc4f-1e383f8ddd0f', 'Data Engineering',
                                'c1d2e3f4-a5b6-4c7d-8e9f-0a1b2c3d4e5f'],
        'confirm_only': True, 'moved_by_others': ['fg-sales'], 'not_moved': ['fg-finance']}
    lines = scope_lines(report['scope'])
    assert lines == [
        'This run was limited to failover groups fg-sales, fg-finance; left out of it: workspaces '
        '97dd1d38-a4c6-41ed-bc4f-1e383f8ddd0f, Data Engineering, c1d2e3f4-a5b6-4c7d-8e9f-0a1b2c3d4e5f.',
        'Confirm only (dr_confirm_only): this run sent no failover.',
        'Moved by someone else (primary at their target before this run, no failover sent by it): fg-sales.',
        'Not moved (not primary at their target; nothing sent): fg-finance.']
    text = report_markdown(report)
    assert all('**%s**' % line in text for line in lines)
    assert '| started by event | plan: contoso-demo, time: 2026-12-07T10:00:00Z, type: role_changed |' in text
    page = report_html(report)
    assert 'Moved by someone else' in page and 'role_changed' in page


def test_a_left_out_group_is_no_error_row_and_no_drift(plan):
    scoped, scope = scope_plan(plan, only_groups=['fg-sales'])
    report = report_of(_record(scoped, scope, outcomes([_read('fg-sales', 'Primary')], 'failover_group')), now=1001.0)
    assert [item['name'] for item in report['items'] if item['kind'] == 'failover_group'] == ['fg-sales']
    record = _record(scoped, scope, [])
    assert [group['name'] for group in whole_plan(record)['failover_groups']] == ['fg-sales', 'fg-finance']
    # The estate lists fg-finance where the run read fg-sales: the plan's group left out of the run is not drift.
    finance = {'name': 'fg-finance', 'location': 'Japan East', 'subscription_id': 's', 'resource_group': 'rg-elsewhere',
               'properties': {}}
    stranger = dict(finance, name='fg-stranger')
    found = {'groups': [{'name': 'fg-sales', 'location': 'Japan East', 'problem': None, 'pairing': None,
                         'target_side': {'location': 'Japan East', 'subscription_id': 's', 'resource_group': 'rg-sql-dr'},
                         'primary_side': None}], 'notes': []}
    fold_estate(dict(record, options={}), found, {'failover_groups': [finance, stranger], 'managed_instances': []})
    assert [finding['group'] for finding in found['drift']] == ['fg-stranger']


@pytest.mark.parametrize('playbook, value, expected', [
    ('dr_drill', False, []), ('dr_drill', 'no', []), ('dr_failover', True, []),
    ('dr_drill', 'perhaps', ["dr_no_go_fails must be true or false, got 'perhaps'"]),
    ('dr_drill_live', False, ['dr_no_go_fails=false does not apply to dr_drill_live: a live drill that is no go must fail']),
])
def test_a_no_go_that_does_not_fail_the_run(plan, playbook, value, expected):
    run = {'playbook': playbook, 'target': 'dr', 'plan_name': plan['name'], 'plan': plan, 'confirm': plan['name'],
           'check_mode': playbook == 'dr_drill', 'rehearsal': playbook == 'dr_drill', 'no_go_fails': value,
           'live': {} if playbook == 'dr_drill_live' else None}
    assert [problem for problem in run_problems(run) if 'no_go' in problem] == expected
