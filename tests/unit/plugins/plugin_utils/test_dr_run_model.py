# -*- coding: utf-8 -*-
# Copyright: contributors to the azure_dr.recovery collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import copy
import os

import pytest
import yaml

from ansible_collections.azure_dr.recovery.plugins.plugin_utils._dr_run.markdown import report_markdown as dr_report_markdown
from ansible_collections.azure_dr.recovery.plugins.plugin_utils._dr_run.plan import (
    auth_options as dr_auth_options,
    plan_groups as dr_plan_groups,
    plan_path,
    plan_problems as dr_plan_problems,
    run_path,
    run_problems as dr_run_problems,
)
from ansible_collections.azure_dr.recovery.plugins.plugin_utils._dr_run.readiness import (
    match_workspaces as dr_match_workspaces,
    readiness as dr_readiness,
)
from ansible_collections.azure_dr.recovery.plugins.plugin_utils._dr_run.report import (
    build_report as dr_report,
    failures_text as dr_failures_by_cause,
    outcomes as dr_outcomes,
    report_items as dr_report_items,
)

DEMO_PLAN = os.path.join(os.path.dirname(__file__), '..', '..', '..', '..', 'playbooks', 'plans', 'demo.yml')


@pytest.fixture
def plan():
    with open(DEMO_PLAN) as handle:
        return copy.deepcopy(yaml.safe_load(handle)['dr_plan'])


def test_the_demo_plan_is_valid(plan):
    assert dr_plan_problems(plan) == []


def test_every_problem_is_listed_at_once(plan):
    plan['colour'] = 'blue'
    del plan['failover_groups'][0]['dr_location']
    plan['failover_groups'][1]['resource_group'] = 'rg/sql'
    plan['failover_groups'][1]['dr_location'] = 'east us'
    plan['fabric_workspaces'][0] = {'id': 'not-a-uuid', 'extra': 1}
    plan['fabric_workspaces'][1]['id'] = '5a6b7c8d-9e0f-4a1b-8c2d-3e4f5a6b7c8d'
    plan['fabric_admin_principal']['type'] = 'Robot'
    problems = dr_plan_problems(plan)
    expected = [
        "dr_plan: unknown key 'colour'",
        'dr_plan.failover_groups[0] (fg-sales).dr_location is required',
        'dr_plan.failover_groups[1] (fg-finance).resource_group must be 1 to 90',
        'dr_plan.failover_groups[1] (fg-finance): primary_location and dr_location must differ',
        'dr_plan.fabric_admin_principal.type must be one of',
        "dr_plan.fabric_workspaces[0]: unknown key 'extra'",
        'dr_plan.fabric_workspaces[0].id must be a UUID',
        'dr_plan.fabric_workspaces[1] needs exactly one of id and name',
    ]
    for sentence in expected:
        assert any(problem.startswith(sentence) for problem in problems), (sentence, problems)
    assert len(problems) == len(expected)


@pytest.mark.parametrize('bad', [None, [], 'plan'])
def test_a_plan_that_is_not_a_mapping(bad):
    assert dr_plan_problems(bad) == ['dr_plan must be a mapping (pass the plan file with -e @plan.yml, or its name with dr_plan_name)']


def test_groups_aimed_at_either_side(plan):
    assert dr_plan_groups(plan, 'dr')[0] == {'name': 'fg-sales', 'resource_group': 'rg-sql-dr', 'location': 'Japan East',
                                             'primary_location': 'Japan West', 'primary_resource_group': 'rg-sql-dr',
                                             'failover_mode': 'planned'}
    assert dr_plan_groups(plan, 'primary')[0]['location'] == 'Japan West'


LISTING = [
    {'id': '1', 'name': 'Finance', 'state': 'Deleted', 'type': 'Workspace'},
    {'id': '2', 'name': 'Twin', 'state': 'Deleted', 'type': 'Workspace'},
    {'id': '3', 'name': 'twin', 'state': 'Deleted', 'type': 'Personal'},
    {'id': '4', 'name': 'Ops (restored)', 'state': 'Active', 'type': 'Workspace'},
    {'id': '5', 'name': 'Me', 'state': 'Deleted', 'type': 'Personal'},
]


def test_matching_by_id_and_name_with_a_default_admin():
    matched = dr_match_workspaces([{'id': '1'}, {'name': 'twin'}, {'name': 'Ops', 'new_name': 'Ops (restored)'},
                                   {'name': 'Me'}, {'name': 'Gone'}], LISTING, {'id': 'admin'})
    assert matched[0]['state'] == 'Deleted' and matched[0]['admin_principal'] == {'id': 'admin', 'type': 'User'}
    assert 'several workspaces match: 2 (Workspace, Deleted), 3 (Personal, Deleted)' in matched[1]['problem']
    assert matched[2]['id'] == '4' and matched[2]['state'] == 'Active' and matched[2]['problem'] is None
    assert matched[3]['problem'] == 'a personal workspace needs new_name to be restored'
    assert 'retention period' in matched[4]['problem']
    assert [row['restore'] for row in matched] == [True, False, False, False, False]


def test_workspaces_given_by_id_need_no_listing():
    matched = dr_match_workspaces([{'id': '1', 'new_name': 'N'}, {'name': 'Finance'}], None, {'id': 'admin'})
    assert matched[0] == {'id': '1', 'name': '1', 'state': None, 'type': None, 'new_name': 'N',
                          'admin_principal': {'id': 'admin', 'type': 'User'}, 'problem': None, 'restore': True}
    assert 'needs a listing' in matched[1]['problem'] and matched[1]['restore'] is False


def test_outcomes_of_a_batch_module():
    results = [
        {'item': {'name': 'fg-a', 'location': 'japaneast'}, 'changed': True, 'started': 0.5, 'elapsed': 10.5,
         'failover_group': {'properties': {'replicationRole': 'Primary'}}},
        {'item': {'name': 'fg-b', 'location': 'japaneast'}, 'failed': True, 'msg': 'HTTP 400 FailoverAborted', 'elapsed': 3},
    ]
    rows = dr_outcomes(results, 'failover_group', start_offset=2.0)
    assert [(r['name'], r['action'], r['final_state'], r['start_offset'], r['end_offset'], r['error']) for r in rows] == [
        ('fg-a', 'failed over', 'Primary in japaneast', 2.5, 13.0, None),
        ('fg-b', 'error', None, 2.0, 5.0, 'HTTP 400 FailoverAborted')]
    restores = dr_outcomes([{'item': {'name': 'W1'}, 'changed': True, 'elapsed': 1.0, 'workspace': {'state': 'Deleted'}},
                            {'item': {'name': 'W2'}, 'changed': False, 'elapsed': 0.5, 'workspace': {'state': 'Active'}}],
                           'workspace', check_mode=True)
    assert [(r['action'], r['start_offset']) for r in restores] == [('would restore', 0.0), ('none', 0.0)]
    batch = dr_outcomes([{'item': {'workspace_id': 'a'}, 'changed': True, 'started': 0.25, 'elapsed': 6.5},
                         {'item': {'workspace_id': 'b'}, 'changed': True, 'started': 0.3, 'elapsed': 0.5}],
                        'workspace', start_offset=10.0, items=[{'name': 'A'}, {'name': 'B'}])
    assert [(r['name'], r['start_offset'], r['end_offset']) for r in batch] == [('A', 10.25, 16.75), ('B', 10.3, 10.8)]
    # The whole module failed: every item an error row, with the module's message.
    failed = dr_outcomes([], 'workspace', items=[{'name': 'A'}], error='the worker stopped: killed by signal 9')
    assert [(r['name'], r['action'], r['error']) for r in failed] == [('A', 'error', 'the worker stopped: killed by signal 9')]


def test_readiness_lists_every_problem_and_what_is_worth_knowing():
    side = {'location': 'Japan East', 'answered': True, 'failover_policy': 'Automatic', 'replication_role': 'Secondary'}
    results = [
        {'item': {'name': 'fg-a', 'location': 'Japan East'}, 'failed': True, 'msg': 'Refused before any change: ...'},
        {'item': {'name': 'fg-b', 'location': 'Japan East', 'failover_mode': 'planned_then_forced'}, 'changed': True,
         'failover_kind': 'forced', 'escalation_reason': 'the primary side did not answer: timed out',
         'sides': {'target': side, 'primary': {'location': 'Japan West', 'answered': False}},
         'derived': ['Japan West side: resource group rg-w of subscription s (from managedInstancePairs)']},
        {'item': {'name': 'fg-c', 'location': 'Japan East'}, 'changed': False, 'failover_kind': 'none',
         'sides': {'target': dict(side, failover_policy='Manual', replication_role='Primary'), 'primary': None}},
    ]
    readiness = dr_readiness(results, [{'name': 'W', 'problem': 'not found'}, {'name': 'V', 'problem': None}])
    assert readiness['go'] is False
    assert readiness['problems'] == ['failover group fg-a: Refused before any change: ...', 'workspace W: not found']
    assert readiness['notes'] == [
        'failover group fg-b would be forced: the primary side did not answer: timed out',
        'failover group fg-b: Japan West side: resource group rg-w of subscription s (from managedInstancePairs)',
        'failover group fg-b: failoverPolicy is Automatic: Azure may fail it over on its own after the grace period, '
        'whatever this run does']
    assert [(g['name'], g['would_send'], g['failover_mode']) for g in readiness['groups']] == [
        ('fg-a', 'none', 'planned'), ('fg-b', 'forced', 'planned_then_forced'), ('fg-c', 'none', 'planned')]
    assert dr_readiness(results[1:], [])['go'] is True
    text = dr_report_markdown({'plan': 'p', 'playbook': 'dr_drill', 'result': 'no-go', 'readiness': readiness, 'items': []})
    assert '## Readiness: NO GO' in text and '- problem: workspace W: not found' in text
    assert '| fg-b | Japan East | planned_then_forced | forced | Japan East (None/None): Secondary (?) [policy Automatic] ' \
           '| Japan West: no answer |' in text


def test_a_no_go_report_has_no_rows_and_says_why():
    readiness = {'go': False, 'problems': ['workspace W: not found'], 'notes': [], 'groups': [], 'workspaces': []}
    plan = {'name': 'p', 'failover_groups': [{'name': 'fg', 'resource_group': 'rg', 'primary_location': 'a', 'dr_location': 'b'}]}
    report = dr_report([], plan, 'dr_failover', 0, now=1, readiness=readiness)
    assert report['result'] == 'no-go' and report['items'] == [] and report['readiness'] == readiness


def test_a_workspace_coming_back_under_an_active_workspaces_name_is_a_problem():
    listing = [{'id': 'd', 'name': 'Sales', 'state': 'Deleted', 'type': 'Workspace'},
               {'id': 'a', 'name': 'Sales', 'state': 'Active', 'type': 'Workspace'}]
    assert dr_match_workspaces([{'id': 'd'}], listing)[0]['problem'] == \
        "it would come back as 'Sales', the name of the active workspace a; give new_name"
    assert dr_match_workspaces([{'id': 'd', 'new_name': 'Sales 2'}], listing)[0]['problem'] is None


def test_markdown_report_escapes_cells():
    text = dr_report_markdown({'plan': 'p', 'playbook': 'dr_failover', 'mode': 'run', 'result': 'failed', 'duration': 12.5,
                               'awx_job_id': 42, 'awx_job_template_name': 'DR failover',
                               'items': [{'kind': 'workspace', 'name': 'a|b', 'action': 'error', 'error': 'x\ny'}]})
    assert text.startswith('# DR report: p (dr_failover)\n')
    assert '| AWX job | 42 (DR failover) |' in text
    assert '| a\\|b |  |  | error |  |  |  |  | x y |' in text
    assert '## Failover groups' not in text


def test_a_forced_failover_is_visible_in_every_row_and_in_markdown():
    result = {'item': {'name': 'fg-a', 'resource_group': 'rg', 'location': 'Japan East'}, 'changed': True,
              'failover_kind': 'forced', 'request_ids': {'request_id': 'req-1', 'correlation_id': 'corr-1'},
              'region_state': {'before': {'replication_role': 'Secondary', 'replication_state': 'CATCH_UP'},
                               'after': {'replication_role': 'Primary', 'replication_state': 'CATCH_UP'}},
              'failover_group': {'properties': {'replicationRole': 'Primary'}}, 'started': 0.5, 'elapsed': 9.0}
    row = dr_outcomes([result], 'failover_group')[0]
    assert row['action'] == 'forced failover (data not yet replicated may be lost)'
    assert (row['failover_kind'], row['request_id'], row['correlation_id']) == ('forced', 'req-1', 'corr-1')
    assert row['before']['replication_role'] == 'Secondary' and row['after']['replication_role'] == 'Primary'
    planned = dr_outcomes([dict(result, failover_kind='planned')], 'failover_group')[0]
    assert planned['action'] == 'failed over' and planned['failover_kind'] == 'planned'
    would = dr_outcomes([dict(result, request_ids=None)], 'failover_group', check_mode=True)[0]
    assert would['action'] == 'would force failover (data not yet replicated may be lost)'
    assert (would['failover_kind'], would['would_send']) == ('none', 'forced')
    untouched = dr_outcomes([dict(result, changed=False, failover_kind='none', request_ids=None)], 'failover_group')[0]
    assert (untouched['action'], untouched['failover_kind'], untouched['request_id']) == ('none', 'none', None)
    text = dr_report_markdown({'items': [row]})
    assert ('| fg-a | Japan East | forced failover (data not yet replicated may be lost) | forced |  | Secondary (CATCH_UP) '
            '| Primary (CATCH_UP) |') in text and '| req-1 | corr-1 |' in text


def test_workspace_rows_carry_id_name_and_new_name():
    rows = dr_outcomes([{'item': {'workspace_id': 'id-1', 'new_name': 'Ops (restored)'}, 'changed': True,
                         'workspace': {'id': 'id-1', 'name': 'Ops (restored)', 'state': 'Active'}}],
                       'workspace', items=[{'name': 'Ops', 'id': 'id-1', 'new_name': 'Ops (restored)'}])
    assert [(r['name'], r['id'], r['new_name'], r['action']) for r in rows] == [('Ops', 'id-1', 'Ops (restored)', 'restored')]
    text = dr_report_markdown({'items': rows})
    assert '| Ops | id-1 | Ops (restored) | restored |' in text


PLAN = {'name': 'p', 'failover_groups': [
    {'name': 'fg-a', 'resource_group': 'rg', 'primary_location': 'Japan West', 'dr_location': 'Japan East'},
    {'name': 'fg-b', 'resource_group': 'rg', 'primary_location': 'Japan West', 'dr_location': 'Japan East'}],
    'fabric_workspaces': [{'name': 'Sales'}, {'id': 'id-9'}]}


def test_the_report_covers_every_group_and_workspace_of_the_plan():
    confirmed = {'kind': 'failover_group', 'name': 'fg-a', 'location': 'Japan East', 'action': 'failed over',
                 'final_state': 'Primary in Japan East', 'error': None}
    unconfirmed = {'kind': 'failover_group', 'name': 'fg-b', 'location': 'Japan East', 'action': 'failed over',
                   'final_state': None, 'error': None}
    active = {'kind': 'workspace', 'name': 'Sales', 'action': 'restored', 'final_state': 'Active', 'error': None}
    rows = dr_report_items([confirmed, unconfirmed, active], PLAN)
    assert [(r['name'], r['action']) for r in rows] == [
        ('fg-a', 'failed over'), ('fg-b', 'error'), ('Sales', 'restored'), ('id-9', 'error')]
    assert 'not confirmed primary at Japan East' in rows[1]['error'] and 'run it again' in rows[3]['error']
    # A run whose failover task failed as a whole has no group rows: each group is an error, not a success.
    assert [r['action'] for r in dr_report_items([], dict(PLAN, fabric_workspaces=[]))] == ['error', 'error']
    assert [r['action'] for r in dr_report_items([confirmed, dict(unconfirmed, final_state='Primary in Japan East'),
                                                  active, dict(active, name='id-9')], PLAN)] == [
        'failed over', 'failed over', 'restored', 'restored']
    # A rehearsal's rows say what would be done: nothing is confirmed, nothing is turned into an error.
    assert [r['action'] for r in dr_report_items([dict(unconfirmed, action='would fail over')],
                                                 dict(PLAN, failover_groups=PLAN['failover_groups'][1:], fabric_workspaces=[]),
                                                 rehearsal=True)] == ['would fail over']
    assert [r['location'] for r in dr_report_items([], PLAN, target='primary', restore=False)] == ['Japan West'] * 2


def test_a_shared_cause_is_said_once():
    rows = [{'name': 'ws-a', 'action': 'error', 'error': 'HTTP 401 invalid_client: a long message'},
            {'name': 'fg-x', 'action': 'failed over', 'error': None},
            {'name': 'ws-b', 'action': 'error', 'error': 'HTTP 401 invalid_client: a long message'},
            {'name': 'fg-c', 'action': 'error', 'error': 'HTTP 400 FailoverAborted'}]
    assert dr_failures_by_cause(rows) == 'ws-a, ws-b: HTTP 401 invalid_client: a long message; fg-c: HTTP 400 FailoverAborted'


def test_auth_options_per_api_and_their_problems():
    auth = {'tenant': 't', 'client_id': 'c', 'secret': 's', 'subscription_id': 'sub', 'arm_endpoint': 'https://a',
            'fabric_endpoint': 'https://f', 'access_token': 'arm-token'}
    assert dr_auth_options(auth, 'arm') == {'tenant': 't', 'client_id': 'c', 'secret': 's', 'subscription_id': 'sub',
                                            'arm_endpoint': 'https://a', 'access_token': 'arm-token'}
    assert dr_auth_options(auth, 'fabric', {'client_id': 'fabric-admin'}) == {
        'tenant': 't', 'client_id': 'fabric-admin', 'secret': 's', 'fabric_endpoint': 'https://f'}
    base = {'playbook': 'dr_drill', 'target': 'dr', 'rehearsal': True, 'plan_name': 'p'}
    assert dr_run_problems(dict(base, auth=auth, fabric_auth={'client_id': 'x'})) == []
    assert dr_run_problems(dict(base, auth={'colour': 'blue'}, fabric_auth='secret-text')) == [
        "dr_auth: unknown key 'colour' (allowed: access_token, ad_user, arm_endpoint, auth_source, authority_host, "
        "certificate_path, client_id, cloud_environment, fabric_endpoint, password, secret, subscription_id, tenant)",
        "dr_fabric_auth must be a mapping of the modules' shared options (credentials, endpoints), got str"]


# --- a plan by name, and the run's own options (what an AWX survey sends) ---

def test_a_plan_name_is_a_file_in_the_plans_directory_of_where_ansible_playbook_runs(tmp_path):
    assert plan_path('contoso-prod', 'plans', str(tmp_path)) == str(tmp_path / 'plans' / 'contoso-prod.yml')
    assert plan_path('contoso-prod', '/etc/dr', str(tmp_path)) == '/etc/dr/contoso-prod.yml'


@pytest.mark.parametrize('name', ['../secrets', 'a/b', '', '.hidden', 'x' * 101, None, 'contoso..prod'])
def test_a_plan_name_cannot_be_a_path(name):
    with pytest.raises(ValueError, match='dr_plan_name must be a plan name'):
        plan_path(name, 'plans', '/work')


def run(**options):
    base = {'playbook': 'dr_failover', 'target': 'dr', 'rehearsal': False, 'plan_name': 'contoso-prod'}
    base.update(options)
    return dr_run_problems(base)


@pytest.mark.parametrize('options,problems', [
    ({}, []),  # the command line: nothing asked, nothing to confirm
    ({'confirm': 'contoso-prod'}, []),
    ({'confirm': 'contoso-prod', 'allow_data_loss': 'false', 'require_confirmation': True}, []),
    ({'confirm': 'contoso-prod WITH DATA LOSS', 'allow_data_loss': 'true'}, []),
    ({'confirm': 'contoso-prod', 'allow_data_loss': True},
     ["dr_confirm must be exactly 'contoso-prod WITH DATA LOSS' to confirm this dr_failover (a run that may force "
      "failovers, allowed to lose data), got 'contoso-prod'"]),
    ({'confirm': 'yes'}, ["dr_confirm must be exactly 'contoso-prod' to confirm this dr_failover, got 'yes'"]),
    ({'require_confirmation': True}, ["dr_confirm is required: type 'contoso-prod' to confirm this dr_failover"]),
    ({'require_confirmation': 'true', 'confirm': ' '}, ["dr_confirm is required: type 'contoso-prod' to confirm this dr_failover"]),
    ({'allow_data_loss': 'maybe', 'confirm': 'contoso-prod'}, ["dr_allow_data_loss must be true or false, got 'maybe'"]),
    ({'plan_name_asked': 'other', 'confirm': 'contoso-prod'},
     ["dr_plan_name is 'other' but the plan given is named 'contoso-prod'"]),
    # A failback is never forced, so its confirmation is the plan's name alone.
    ({'playbook': 'dr_failback', 'target': 'primary', 'allow_data_loss': 'true', 'confirm': 'contoso-prod'}, []),
    # A drill changes nothing: no confirmation, even when asked for.
    ({'playbook': 'dr_drill', 'rehearsal': True, 'require_confirmation': True, 'allow_data_loss': 'true'}, []),
])
def test_run_options(options, problems):
    assert run(**options) == problems


LIVE_PLAN = {'name': 'contoso-prod', 'failover_mode': 'planned_then_forced', 'failover_groups': PLAN['failover_groups']}


def live(tmp_path, **options):
    return run(playbook='dr_drill_live', plan=options.pop('plan', LIVE_PLAN), **options)


@pytest.mark.parametrize('options,problems', [
    # Planned whatever the plan says, so the plan's name alone confirms it; and it is always asked for.
    ({'confirm': 'contoso-prod', 'live': {'soak_seconds': '300', 'max_groups': '10'}}, []),
    ({}, ["dr_confirm is required: type 'contoso-prod' to confirm this dr_drill_live"]),
    ({'confirm': 'contoso-prod WITH DATA LOSS'},
     ["dr_confirm must be exactly 'contoso-prod' to confirm this dr_drill_live, got 'contoso-prod WITH DATA LOSS'"]),
    ({'confirm': 'contoso-prod', 'allow_data_loss': True},
     ['a live drill never forces a failover (a drill must not lose data): leave out dr_allow_data_loss and dr_failover_mode; '
      'every group fails over planned, whatever the plan says']),
    ({'confirm': 'contoso-prod', 'live': {'max_groups': 1}},
     ['the plan has 2 failover groups, more than dr_drill_max_groups (1): a live drill fails every one over for real; '
      'raise dr_drill_max_groups to drill them all']),
    ({'confirm': 'contoso-prod', 'live': {'max_groups': 0, 'soak_seconds': -1, 'fail_back_on_validation_failure': 'maybe'}},
     ['dr_drill_soak_seconds must be a number of seconds, 0 or more, got -1',
      'dr_drill_max_groups must be a whole number, 1 or more, got 0',
      "dr_drill_fail_back_on_validation_failure must be true or false, got 'maybe'"]),
    ({'confirm': 'contoso-prod', 'live': {'validate_tasks': 'no/such/checks.yml'}},
     ["dr_drill_validate_tasks must name a task file (absolute, or relative to the directory ansible-playbook runs in), "
      "got 'no/such/checks.yml': no such file"]),
    ({'confirm': 'contoso-prod', 'plan': {'name': 'contoso-prod', 'fabric_workspaces': [{'name': 'w'}]}},
     ['a live drill needs failover groups in the plan (its workspaces are not part of it)']),
    ({'rehearsal': True, 'check_mode': True}, []),  # --check: reads only, nothing to confirm
    # -e dr_run_rehearsal=true outside check mode: real failovers a report would call rehearsed.
    ({'rehearsal': True, 'check_mode': False},
     ['dr_run_rehearsal is set by the DR playbooks themselves: for a rehearsal, run dr_drill_live with --check (or run dr_drill)']),
])
def test_live_drill_options(tmp_path, options, problems):
    assert live(tmp_path, **options) == problems


def test_live_drill_validate_tasks_relative_to_where_ansible_playbook_runs(tmp_path):
    (tmp_path / 'checks.yml').write_text('[]')
    assert live(tmp_path, confirm='contoso-prod', live={'validate_tasks': 'checks.yml'}, base=str(tmp_path)) == []
    assert run_path('checks.yml', str(tmp_path)) == str(tmp_path / 'checks.yml')


def test_the_report_has_the_same_types_whatever_templating_made_of_its_inputs():
    confirmed = {'kind': 'failover_group', 'name': 'fg-a', 'location': 'Japan East', 'action': 'failed over',
                 'final_state': 'Primary in Japan East', 'error': None}
    plan = {'name': 'p', 'failover_groups': PLAN['failover_groups'][:1], 'rto_target_seconds': 10}
    # 2.16 templates the phase marks (epoch seconds) into strings too; the restores phase did not run.
    marks = {'validation': '1764620000.25', 'pre-flight': '1764620001.25', 'failovers': '1764620003.75',
             'confirmation': '1764620004.25'}
    report = dr_report([confirmed], plan, 'dr_failover', '1764620000.25', run_by='ops@host', awx_job_id='42',
                       awx_job_template_name='DR failover', now=1764620012.5, phases=marks)
    assert report == {'schema_version': 1, 'plan': 'p', 'playbook': 'dr_failover', 'scope': None, 'event': None, 'mode': 'run',
                      'result': 'succeeded', 'readiness': None,
                      'started': '2025-12-01T20:13:20Z', 'ended': '2025-12-01T20:13:32Z', 'duration': 12.2,
                      'run_by': 'ops@host', 'awx_job_id': 42, 'awx_job_template_name': 'DR failover',
                      'rto': {'target_seconds': 10, 'achieved_seconds': 12.2, 'met': False, 'margin_seconds': -2.2},
                      'phases': [{'name': 'validation', 'start_offset': 0.0, 'end_offset': 1.0},
                                 {'name': 'pre-flight', 'start_offset': 1.0, 'end_offset': 3.5},
                                 {'name': 'failovers', 'start_offset': 3.5, 'end_offset': 4.0},
                                 {'name': 'confirmation', 'start_offset': 4.0, 'end_offset': 12.25}],
                      'items': [confirmed], 'steps': []}
    assert dr_report([], plan, 'dr_drill', 0, rehearsal=True, now=1)['result'] == 'failed'  # a group with no row
    assert dr_report([dict(confirmed, action='would fail over')], plan, 'dr_drill', 0, rehearsal=True, now=1)[
        'result'] == 'rehearsed'


SIDED = {'name': 'p', 'failover_groups': [
    {'name': 'fg-orders',
     'primary': {'location': 'Japan West', 'resource_group': 'rg-sql-west', 'subscription_id': '11111111-2222-4333-8444-555555555555'},
     'dr': {'location': 'Japan East', 'resource_group': 'rg-sql-east'}},
    {'name': 'fg-sales', 'resource_group': 'rg', 'primary_location': 'Japan West', 'dr_location': 'Japan East'}]}


def test_a_plan_names_both_sides_of_a_group_or_one_resource_group_for_both():
    assert dr_plan_problems(SIDED) == []
    assert dr_plan_groups(SIDED, 'dr') == [
        {'name': 'fg-orders', 'resource_group': 'rg-sql-east', 'location': 'Japan East', 'primary_location': 'Japan West',
         'primary_resource_group': 'rg-sql-west', 'primary_subscription_id': '11111111-2222-4333-8444-555555555555',
         'failover_mode': 'planned'},
        {'name': 'fg-sales', 'resource_group': 'rg', 'location': 'Japan East', 'primary_location': 'Japan West',
         'primary_resource_group': 'rg', 'failover_mode': 'planned'}]
    assert dr_plan_groups(SIDED, 'primary')[0] == {
        'name': 'fg-orders', 'resource_group': 'rg-sql-west', 'location': 'Japan West',
        'subscription_id': '11111111-2222-4333-8444-555555555555', 'primary_location': 'Japan East',
        'primary_resource_group': 'rg-sql-east', 'failover_mode': 'planned'}
    bad = copy.deepcopy(SIDED)
    bad['failover_groups'][0].update(resource_group='rg', dr={'location': 'japanwest', 'subscription_id': 'nope', 'colour': 1})
    bad['failover_groups'][1]['primary'] = 'Japan West'
    problems = dr_plan_problems(bad)
    assert "dr_plan.failover_groups[0] (fg-orders): unknown key 'resource_group' (allowed: dr, failover_mode, name, parity, " \
        "primary)" in problems
    assert "dr_plan.failover_groups[0] (fg-orders).dr: unknown key 'colour' (allowed: instance, location, resource_group, " \
        "subscription_id)" in problems
    assert any(p.startswith('dr_plan.failover_groups[0] (fg-orders).dr.subscription_id must be a UUID') for p in problems)
    assert 'dr_plan.failover_groups[0] (fg-orders): primary.location and dr.location must differ' in problems
    assert any('(fg-sales).primary must be a mapping' in p for p in problems)


def test_parity_per_group_and_the_instance_of_each_side_are_checked():
    plan = copy.deepcopy(SIDED)
    plan.update(parity='refuse', drift='refuse')
    plan['failover_groups'][0]['dr']['instance'] = 'mi-orders-east'
    plan['failover_groups'][1]['parity'] = 'warn'
    assert dr_plan_problems(plan) == []
    assert 'instance' not in str(dr_plan_groups(plan, 'dr')) and 'parity' not in str(dr_plan_groups(plan, 'dr'))
    plan['failover_groups'][0]['dr']['instance'] = 'mi orders/east'
    plan['failover_groups'][1]['parity'] = 'sometimes'
    problems = dr_plan_problems(plan)
    assert "dr_plan.failover_groups[1] (fg-sales).parity must be one of refuse, warn, got 'sometimes'" in problems
    assert any(p.startswith('dr_plan.failover_groups[0] (fg-orders).dr.instance') for p in problems) and len(problems) == 2


def test_failover_modes_of_a_run_a_group_and_a_plan():
    plan = copy.deepcopy(SIDED)
    plan['failover_mode'] = 'planned_then_forced'
    plan['failover_groups'][1]['failover_mode'] = 'forced'
    assert [g['failover_mode'] for g in dr_plan_groups(plan, 'dr')] == ['planned_then_forced', 'forced']
    assert [g['failover_mode'] for g in dr_plan_groups(plan, 'dr', 'planned')] == ['planned', 'planned']
    assert [g['failover_mode'] for g in dr_plan_groups(plan, 'dr', None, 'true')] == ['forced', 'forced']
    assert [g['failover_mode'] for g in dr_plan_groups(plan, 'primary', 'forced')] == ['planned', 'planned']
    assert [g['failover_mode'] for g in dr_plan_groups(dict(SIDED, allow_data_loss=True), 'dr')] == ['forced', 'forced']
    # A side left out: the other side's read names it.
    one_sided = copy.deepcopy(SIDED)
    del one_sided['failover_groups'][0]['dr']['resource_group']
    assert dr_plan_problems(one_sided) == []
    assert 'resource_group' not in dr_plan_groups(one_sided, 'dr')[0]
    del one_sided['failover_groups'][0]['primary']['resource_group']
    assert dr_plan_problems(one_sided) == [
        "dr_plan.failover_groups[0] (fg-orders): primary.resource_group or dr.resource_group is required (one side may be "
        "left out: the other side's read names it)"]


@pytest.mark.parametrize('changes,expected', [
    ({'failover_mode': 'sometimes'}, "dr_plan.failover_mode must be one of planned, forced, planned_then_forced, got 'sometimes'"),
    ({'allow_data_loss': True, 'failover_mode': 'planned'},
     'dr_plan.allow_data_loss: true means failover_mode: forced; it contradicts dr_plan.failover_mode: planned'),
    ({'forced_after': 0}, 'dr_plan.forced_after must be a positive whole number of seconds, got 0'),
    ({'rto_target_seconds': 0}, 'dr_plan.rto_target_seconds must be a positive number of seconds, got 0'),
    ({'rto_target_seconds': '15m'}, "dr_plan.rto_target_seconds must be a positive number of seconds, got '15m'"),
    ({'primary_read_timeout': '30'}, "dr_plan.primary_read_timeout must be a positive whole number of seconds, got '30'"),
    ({'parity': 'ignore'}, "dr_plan.parity must be one of refuse, warn, got 'ignore'"),
    ({'drift': 'warn'}, "dr_plan.drift must be one of note, refuse, got 'warn'"),
])
def test_bad_failover_keys_of_a_plan(changes, expected):
    assert dr_plan_problems(dict(SIDED, **changes)) == [expected]


@pytest.mark.parametrize('run,expected', [
    ({'failover_mode': 'planned_then_forced', 'confirm': 'p'},
     ["dr_confirm must be exactly 'p WITH DATA LOSS' to confirm this dr_failover (a run that may force failovers, allowed "
      "to lose data), got 'p'"]),
    ({'failover_mode': 'planned_then_forced', 'confirm': 'p WITH DATA LOSS'}, []),
    ({'failover_mode': 'planned', 'confirm': 'p'}, []),
    ({'failover_mode': 'planned', 'allow_data_loss': 'true', 'confirm': 'p WITH DATA LOSS'},
     ['dr_allow_data_loss=true means dr_failover_mode=forced; it contradicts dr_failover_mode=planned']),
    ({'failover_mode': 'bold', 'confirm': 'p'}, ["dr_failover_mode must be one of planned, forced, planned_then_forced, got 'bold'"]),
    ({'playbook': 'dr_failback', 'target': 'primary', 'failover_mode': 'forced', 'confirm': 'p'},
     ['dr_failover_mode=forced does not apply to dr_failback: a failback is always planned (the region failed back to '
      'must take part)']),
    ({'plan': dict(SIDED, failover_mode='forced'), 'confirm': 'p'},
     ["dr_confirm must be exactly 'p WITH DATA LOSS' to confirm this dr_failover (a run that may force failovers, allowed "
      "to lose data), got 'p'"]),
    ({'plan': dict(SIDED, failover_mode='forced'), 'playbook': 'dr_failback', 'target': 'primary', 'confirm': 'p'}, []),
])
def test_a_run_that_may_force_must_be_confirmed_as_one(run, expected):
    base = {'playbook': 'dr_failover', 'target': 'dr', 'plan_name': 'p', 'plan': SIDED}
    assert dr_run_problems(dict(base, **run)) == expected


def test_the_markdown_report_has_drift_and_parity_sections():
    readiness = {'go': True, 'problems': [], 'notes': [], 'groups': [],
                 'drift': [{'group': 'fg-orders', 'kind': 'unprotected', 'message': 'fg-orders is not protected by this plan'}],
                 'parity': [{'group': 'fg-finance', 'verdict': 'note', 'smaller': ['vCores 4 < 8'],
                             'primary': {'name': 'mi-a', 'v_cores': 8}, 'dr': {'name': 'mi-b', 'v_cores': 4}}]}
    text = dr_report_markdown({'plan': 'p', 'playbook': 'dr_failover', 'result': 'succeeded', 'readiness': readiness, 'items': []})
    assert '### Drift' in text and '| fg-orders | unprotected | fg-orders is not protected by this plan |' in text
    assert '### Parity' in text and '| fg-finance | primary | mi-a |' in text and '| dr | mi-b |' in text
    assert 'note | vCores 4 < 8 |' in text
    readiness.update(drift=[], parity=[])
    text = dr_report_markdown({'plan': 'p', 'playbook': 'dr_failover', 'result': 'succeeded', 'readiness': readiness, 'items': []})
    assert 'The plan matches the estate' in text and '### Parity' not in text
