# -*- coding: utf-8 -*-
# Copyright: contributors to the azure_dr.recovery collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Filters of the DR playbooks: every problem of a DR plan at once (dr_plan_problems), the checks of
a run's own options (dr_run_problems), the plan file of a plan name (dr_plan_path), and the Markdown
rendering of a DR report (dr_report_markdown)."""

from __future__ import annotations

import datetime
import os
import re
import time

from ansible.errors import AnsibleFilterError

from ansible_collections.azure_dr.recovery.plugins.module_utils._auth import API_SPECS, COMMON_AUTH_SPEC
from ansible_collections.azure_dr.recovery.plugins.module_utils._failure_summary import failures_by_cause
from ansible_collections.azure_dr.recovery.plugins.module_utils._failover_groups import FAILOVER_MODES, location_problem
from ansible_collections.azure_dr.recovery.plugins.module_utils._fabric_workspaces import PRINCIPAL_TYPES
from ansible_collections.azure_dr.recovery.plugins.module_utils._validation import (
    name_problem,
    resource_group_problem,
    uuid_problem,
)

PLAN_KEYS = {'name', 'report_dir', 'allow_data_loss', 'failover_mode', 'forced_after', 'primary_read_timeout',
             'rto_target_seconds', 'failover_groups', 'fabric_workspaces', 'fabric_admin_principal'}
GROUP_KEYS = {'name', 'resource_group', 'primary_location', 'dr_location', 'failover_mode'}  # one resource group for both sides
SIDED_GROUP_KEYS = {'name', 'primary', 'dr', 'failover_mode'}  # each side in its own resource group and subscription
FORCING_MODES = ('forced', 'planned_then_forced')
SIDE_KEYS = {'location', 'resource_group', 'subscription_id'}
WORKSPACE_KEYS = {'id', 'name', 'new_name', 'admin_principal'}
PRINCIPAL_KEYS = {'id', 'type'}


def _unknown(entry, allowed, where):
    return ['%s: unknown key %r (allowed: %s)' % (where, key, ', '.join(sorted(allowed)))
            for key in sorted(set(entry) - allowed)]


def _principal_problems(principal, where):
    if not isinstance(principal, dict):
        return ['%s must be a mapping with id and type' % where]
    problems = _unknown(principal, PRINCIPAL_KEYS, where)
    if not principal.get('id'):
        problems.append('%s.id is required' % where)
    problems += [p for p in [uuid_problem(principal.get('id'), where + '.id')] if p and principal.get('id')]
    if principal.get('type', 'User') not in PRINCIPAL_TYPES:
        problems.append('%s.type must be one of %s, got %r' % (where, ', '.join(PRINCIPAL_TYPES), principal.get('type')))
    return problems


def dr_plan_problems(plan):
    """Every problem of a DR plan, as sentences that say where and what is expected; [] when valid."""
    if not isinstance(plan, dict):
        return ['dr_plan must be a mapping (pass the plan file with -e @plan.yml, or its name with dr_plan_name)']
    problems = _unknown(plan, PLAN_KEYS, 'dr_plan')
    problems += [p for p in [name_problem(plan.get('name'), 'dr_plan.name')] if p]
    if not plan.get('name'):
        problems.append('dr_plan.name is required')
    if 'allow_data_loss' in plan and not isinstance(plan['allow_data_loss'], bool):
        problems.append('dr_plan.allow_data_loss must be true or false')
    problems += _mode_problems(plan.get('failover_mode'), 'dr_plan.failover_mode')
    if plan.get('allow_data_loss') is True and plan.get('failover_mode') not in (None, 'forced'):
        problems.append('dr_plan.allow_data_loss: true means failover_mode: forced; it contradicts dr_plan.failover_mode: %s'
                        % plan['failover_mode'])
    for key in ('forced_after', 'primary_read_timeout'):
        if key in plan and (isinstance(plan[key], bool) or not isinstance(plan[key], int) or plan[key] < 1):
            problems.append('dr_plan.%s must be a positive whole number of seconds, got %r' % (key, plan[key]))
    target = plan.get('rto_target_seconds')
    if target is not None and (isinstance(target, bool) or not isinstance(target, (int, float)) or target <= 0):
        problems.append('dr_plan.rto_target_seconds must be a positive number of seconds, got %r' % (target,))
    groups = plan.get('failover_groups') or []
    workspaces = plan.get('fabric_workspaces') or []
    if not isinstance(groups, list) or not isinstance(workspaces, list):
        return problems + ['dr_plan.failover_groups and dr_plan.fabric_workspaces must be lists']
    if not groups and not workspaces:
        problems.append('dr_plan needs failover_groups or fabric_workspaces')
    seen = set()
    for index, group in enumerate(groups):
        where = 'dr_plan.failover_groups[%d]' % index
        if not isinstance(group, dict):
            problems.append('%s must be a mapping' % where)
            continue
        where = '%s (%s)' % (where, group.get('name', '?'))
        if not group.get('name'):
            problems.append('%s.name is required' % where)
        problems += _mode_problems(group.get('failover_mode'), where + '.failover_mode')
        if 'primary' in group or 'dr' in group:
            problems += _unknown(group, SIDED_GROUP_KEYS, where)
            problems += _side_problems(group.get('primary'), where + '.primary')
            problems += _side_problems(group.get('dr'), where + '.dr')
            if all(isinstance(group.get(side), dict) and not group[side].get('resource_group') for side in ('primary', 'dr')):
                problems.append('%s: primary.resource_group or dr.resource_group is required (one side may be left out: '
                                'the other side\'s read names it)' % where)
            names = ('primary.location', 'dr.location')
        else:
            problems += _unknown(group, GROUP_KEYS, where)
            for key in sorted(GROUP_KEYS - {'name', 'failover_mode'}):
                if not group.get(key):
                    problems.append('%s.%s is required' % (where, key))
            problems += [p for p in (resource_group_problem(group.get('resource_group'), where + '.resource_group'),
                                     location_problem(group.get('primary_location'), where + '.primary_location'),
                                     location_problem(group.get('dr_location'), where + '.dr_location')) if p]
            names = ('primary_location', 'dr_location')
        primary, dr = (str(side.get('location') or '') for side in group_sides(group))
        if primary and primary.replace(' ', '').lower() == dr.replace(' ', '').lower():
            problems.append('%s: %s and %s must differ' % ((where,) + names))
        side = group_sides(group)[1]
        key = (str(side.get('subscription_id') or '').lower(), str(side.get('resource_group') or '').lower(),
               str(group.get('name', '')).lower())
        if key in seen:
            problems.append('%s: listed twice' % where)
        seen.add(key)
    if plan.get('fabric_admin_principal') is not None:
        problems += _principal_problems(plan['fabric_admin_principal'], 'dr_plan.fabric_admin_principal')
    for index, workspace in enumerate(workspaces):
        where = 'dr_plan.fabric_workspaces[%d]' % index
        if not isinstance(workspace, dict):
            problems.append('%s must be a mapping' % where)
            continue
        problems += _unknown(workspace, WORKSPACE_KEYS, where)
        if bool(workspace.get('id')) == bool(workspace.get('name')):
            problems.append('%s needs exactly one of id and name' % where)
        problems += [p for p in (uuid_problem(workspace.get('id'), where + '.id'),
                                 name_problem(workspace.get('new_name'), where + '.new_name')) if p]
        if workspace.get('admin_principal') is not None:
            problems += _principal_problems(workspace['admin_principal'], where + '.admin_principal')
    return problems


def _side_problems(side, where):
    if not isinstance(side, dict):
        return ['%s must be a mapping with location and resource_group (and optionally subscription_id)' % where]
    problems = _unknown(side, SIDE_KEYS, where)
    if not side.get('location'):
        problems.append('%s.location is required' % where)
    return problems + [p for p in (location_problem(side.get('location'), where + '.location'),
                                   resource_group_problem(side.get('resource_group'), where + '.resource_group'),
                                   uuid_problem(side.get('subscription_id'), where + '.subscription_id')) if p]


def _mode_problems(mode, where):
    if mode is None or mode in FAILOVER_MODES:
        return []
    return ['%s must be one of %s, got %r' % (where, ', '.join(FAILOVER_MODES), mode)]


def group_sides(group):
    """(primary side, DR side) of a plan's group, each ``{location, resource_group, subscription_id}``
    (subscription_id None: the run's), from either shape of the plan."""
    if 'primary' in group or 'dr' in group:
        sides = [group.get(name) if isinstance(group.get(name), dict) else {} for name in ('primary', 'dr')]
        return tuple(dict({'location': None, 'resource_group': None, 'subscription_id': None}, **side) for side in sides)
    return tuple({'location': group.get(key), 'resource_group': group.get('resource_group'), 'subscription_id': None}
                 for key in ('primary_location', 'dr_location'))


def _cell(value):
    return str('' if value is None else value).replace('|', '\\|').replace('\n', ' ')


def _state(state):
    if not state:
        return ''
    return '%s (%s)' % (state.get('replication_role') or '?', state.get('replication_state') or '?')


def _table(header, rows):
    return ['| %s |' % ' | '.join(header), '|%s' % ('---|' * len(header))] + [
        '| %s |' % ' | '.join(_cell(value) for value in row) for row in rows]


def dr_report_markdown(report):
    """The DR report as Markdown, for a ticket or a post-mortem: a summary, then one table of the
    failover groups (the kind of failover sent, the region's state before and after, the request
    ids) and one of the workspaces."""
    lines = [
        '# DR report: %s (%s)' % (_cell(report.get('plan')), _cell(report.get('playbook'))),
        '',
        '| | |', '|---|---|',
        '| mode | %s |' % _cell(report.get('mode')),
        '| result | %s |' % _cell(report.get('result')),
        '| started | %s |' % _cell(report.get('started')),
        '| ended | %s |' % _cell(report.get('ended')),
        '| duration (achieved RTO) | %s s |' % _cell(report.get('duration')),
        '| run by | %s |' % _cell(report.get('run_by')),
    ]
    if report.get('awx_job_id'):
        lines.append('| AWX job | %s (%s) |' % (_cell(report.get('awx_job_id')), _cell(report.get('awx_job_template_name'))))
    lines += _legs_markdown(report)
    lines += _readiness_markdown(report.get('readiness'))
    items = report.get('items') or []
    groups = [item for item in items if item.get('kind') == 'failover_group']
    workspaces = [item for item in items if item.get('kind') != 'failover_group']
    if groups:
        leg = ('leg',) if report.get('legs') else ()  # a live drill: each group once per leg
        lines += ['', '## Failover groups', ''] + _table(
            ('name',) + leg + ('target', 'action', 'failover sent', 'why forced', 'before', 'after', 'start (s)', 'end (s)',
                               'duration (s)', 'final state', 'request id', 'correlation id', 'error'),
            [(item.get('name'),) + tuple(item.get(key) for key in leg) + (
                item.get('location'), item.get('action'), item.get('failover_kind'), item.get('escalation_reason'),
                _state(item.get('before')), _state(item.get('after')), item.get('start_offset'), item.get('end_offset'),
                item.get('duration'), item.get('final_state'), item.get('request_id'), item.get('correlation_id'),
                item.get('error')) for item in groups])
    if workspaces:
        lines += ['', '## Workspaces', ''] + _table(
            ('name', 'id', 'new name', 'action', 'start (s)', 'end (s)', 'duration (s)', 'final state', 'error'),
            [(item.get('name'), item.get('id'), item.get('new_name'), item.get('action'), item.get('start_offset'),
              item.get('end_offset'), item.get('duration'), item.get('final_state'), item.get('error'))
             for item in workspaces])
    return '\n'.join(lines) + '\n'


def _legs_markdown(report):
    """A live drill's legs, checks, what it left in the DR region, and its notes."""
    lines = []
    for group in report.get('left_in_dr_region') or []:
        lines.append('**LEFT IN THE DR REGION: %s** (%s)' % (_cell(group.get('name')), _cell(group.get('why'))))
    if report.get('legs'):
        header = ('leg', 'to', 'result', 'start (s)', 'end (s)', 'achieved RTO (s)', 'not run because')
        lines += ['', '## Legs', ''] + _table(header, [
            (leg.get('name'), leg.get('target'), leg.get('result'), leg.get('start_offset'), leg.get('end_offset'),
             leg.get('duration'), leg.get('skipped')) for leg in report['legs']])
    if report.get('checks'):
        lines += ['', '## Checks (dr_drill_validate_tasks)', ''] + _table(('after the', 'result', 'task', 'message'), [
            (check.get('leg'), 'passed' if check.get('ok') else 'failed', check.get('task'), check.get('message'))
            for check in report['checks']])
    lines += ['- note: %s' % _cell(note) for note in report.get('notes') or []]
    return ([''] if lines else []) + lines


def _side_cell(side):
    if not side:
        return 'not read'
    if side.get('answered') is False:
        return '%s: no answer' % side.get('location')
    text = '%s (%s/%s): %s' % (side.get('location'), side.get('subscription_id'), side.get('resource_group'),
                               _state(side) or 'not found')
    extra = [value for value in (side.get('secondary_type'), side.get('failover_policy') and
                                 'policy ' + side['failover_policy'], side.get('derived') and 'derived') if value]
    return text + (' [%s]' % ', '.join(extra) if extra else '')


def _readiness_markdown(readiness):
    if not readiness:
        return []
    lines = ['', '## Readiness: %s' % ('go' if readiness.get('go') else 'NO GO'), '']
    lines += ['- problem: %s' % _cell(problem) for problem in readiness.get('problems') or []]
    lines += ['- note: %s' % _cell(note) for note in readiness.get('notes') or []]
    groups = readiness.get('groups') or []
    if groups:
        lines += [''] + _table(('group', 'to', 'mode', 'would send', 'side made primary', 'primary side', 'problem'), [
            (group.get('name'), group.get('location'), group.get('failover_mode'), group.get('would_send'),
             _side_cell(group.get('target_side')), _side_cell(group.get('primary_side')), group.get('problem'))
            for group in groups])
    return lines


def _error_of(result):
    if not result.get('failed'):
        return None
    error = result.get('error') or {}
    return result.get('msg') or error.get('message') or 'failed'


FORCED_NOTE = ' (data not yet replicated may be lost)'
# What a group row's action says, by the kind of failover sent and whether the run was a rehearsal.
FAILOVER_ACTIONS = {
    ('planned', False): 'failed over', ('planned', True): 'would fail over',
    ('forced', False): 'forced failover' + FORCED_NOTE, ('forced', True): 'would force failover' + FORCED_NOTE,
    ('none', False): 'primary (failed over by another operation)', ('none', True): 'would fail over',
}


def _group_row(target, result, check_mode):
    group = result.get('failover_group') or {}
    final = (group.get('properties') or {}).get('replicationRole')
    kind = result.get('failover_kind') or ('none' if not result.get('changed') else 'planned')
    states = result.get('region_state') or {}
    request_ids = result.get('request_ids') or {}
    if result.get('failed'):
        action = 'error'
    elif result.get('changed'):
        action = FAILOVER_ACTIONS.get((kind, bool(check_mode)), 'would fail over' if check_mode else 'failed over')
    else:
        action = 'none'
    return {'name': target.get('name'), 'location': target.get('location'), 'action': action,
            'final_state': '%s in %s' % (final, target.get('location')) if final and not result.get('failed') else None,
            'failover_kind': 'none' if check_mode else kind,
            'would_send': kind if check_mode and result.get('changed') else None,
            'escalation_reason': result.get('escalation_reason'), 'derived': result.get('derived') or None,
            'request_id': request_ids.get('request_id'), 'correlation_id': request_ids.get('correlation_id'),
            'before': states.get('before'), 'after': states.get('after')}


def _workspace_row(target, result, check_mode):
    workspace = result.get('workspace') or {}
    if result.get('failed'):
        action = 'error'
    elif result.get('changed'):
        action = 'would restore' if check_mode else 'restored'
    else:
        action = 'none'
    return {'name': target.get('name') or workspace.get('name') or target.get('id') or target.get('workspace_id'),
            'id': workspace.get('id') or target.get('id') or target.get('workspace_id'),
            'new_name': target.get('new_name'), 'action': action, 'final_state': workspace.get('state')}


def dr_outcomes(results, kind, check_mode=False, start_offset=0.0, sequential=False, items=None, error=None):
    """One report row per item of a looped (or async_status-looped) task, or of a batch module: what
    was done, when, for how long, the final state and the error; for a group, the kind of failover
    sent, its request ids and the region's state before and after; for a workspace, its id and new
    name.  ``results`` is the registered ``results`` list; each result's ``item`` (or ``item.item``
    for async_status) describes the target.  A result's ``started`` (a batch module's seconds since
    its start) places it; otherwise items follow one another with ``sequential``, or all start at
    ``start_offset``.  When there are no results but an ``error`` (the whole task failed), every one
    of ``items`` gets an error row."""
    if not results and error:
        results = [{'item': item, 'failed': True, 'msg': error} for item in items or []]
    rows, offset = [], float(start_offset)
    for index, result in enumerate(results or []):
        target = result.get('item') or {}
        if isinstance(target, dict) and 'ansible_job_id' in target:  # async_status: the job's own item
            target = target.get('item') or {}
        if items and index < len(items):  # a batch module's item: the request as sent, with the plan's name
            target = dict(items[index], **{key: value for key, value in target.items() if value is not None})
        row = (_group_row if kind == 'failover_group' else _workspace_row)(target, result, check_mode)
        duration = round(float(result.get('elapsed') or 0.0), 3)
        if result.get('started') is not None:  # a batch module says when each item began
            offset = float(start_offset) + float(result['started'])
        row.update(kind=kind, changed=bool(result.get('changed')) and not result.get('failed'),
                   start_offset=round(offset, 3), end_offset=round(offset + duration, 3), duration=duration,
                   error=_error_of(result), cause=result.get('cause') if result.get('failed') else None)
        rows.append(row)
        if sequential:
            offset += duration
    return rows


def dr_failures_by_cause(rows):
    """The rows in error as one line, each distinct cause once after the names it affects (a row's
    ``cause`` is its error without what is particular to one request, such as the URL)."""
    return failures_by_cause((row.get('name'), row.get('cause') or row.get('error') or 'failed') for row in rows or []
                             if row.get('action') == 'error')


NOT_REACHED = 'no outcome was recorded: the run stopped before this %s was handled; run it again, it converges'


def dr_report_items(rows, plan, target='dr', restore=True, rehearsal=False):
    """The rows of the report: the run's rows, an error row for every group and workspace of the plan
    that has none, and, in a real run, an error for a row whose goal is not confirmed (a group not
    primary at its target, a workspace not active).  So the report says ``succeeded`` only when every
    group was confirmed primary and every workspace active."""
    rows = [dict(row) for row in rows or []]
    unclaimed = list(rows)

    def claim(kind, names, identifier=None):
        for row in unclaimed:
            same_id = identifier is not None and str(row.get('id') or '').lower() == str(identifier).lower()
            if row.get('kind') == kind and (row.get('name') in names or same_id):
                unclaimed.remove(row)
                return row
        return None

    plan = plan or {}
    for group in dr_plan_groups(plan, target):
        if claim('failover_group', (group['name'],)) is None:
            rows.append(_missing_row('failover_group', group['name'], 'group', location=group['location']))
    for workspace in (plan.get('fabric_workspaces') or []) if restore else []:
        names = tuple(name for name in (workspace.get('name'), workspace.get('id')) if name)
        if claim('workspace', names, workspace.get('id')) is None:
            rows.append(_missing_row('workspace', names[0] if names else None, 'workspace', id=workspace.get('id'),
                                     new_name=workspace.get('new_name')))
    if not rehearsal:
        for row in rows:
            if row.get('action') == 'error':
                continue
            if row.get('kind') == 'failover_group' and not str(row.get('final_state') or '').startswith('Primary'):
                row.update(action='error', error='not confirmed primary at %s (final state %s)'
                           % (row.get('location'), row.get('final_state') or 'unknown'))
            elif row.get('kind') == 'workspace' and str(row.get('final_state') or '').lower() != 'active':
                row.update(action='error', error='not confirmed active (state %s)' % (row.get('final_state') or 'unknown'))
    return rows


def _number(value):
    """An id given as digits (AWX's job id, a string where Ansible's templating made it one) as a number."""
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return value


# The phases of a DR run, in order; a run marks when each begins (dr_report's ``phases``).
PHASES = ('validation', 'pre-flight', 'failovers', 'restores', 'confirmation',
          'failover-checks', 'soak', 'failbacks', 'failback-checks')  # the last four: a live drill's (dr_drill_live)


def _phases(marks, started, ended):
    """[{name, start_offset, end_offset}] from the epoch at which each phase began; a phase ends where the
    next one that ran begins, the last at the end of the run."""
    begun = sorted((float(marks[name]), PHASES.index(name), name) for name in PHASES if (marks or {}).get(name) is not None)
    return [{'name': name, 'start_offset': round(max(begin - started, 0.0), 3),
             'end_offset': round((begun[index + 1][0] if index + 1 < len(begun) else ended) - started, 3)}
            for index, (begin, _order, name) in enumerate(begun)]


def _rto(target, achieved):
    """The achieved RTO beside the plan's rto_target_seconds: met or missed, and by how much."""
    if target is None:
        return {'target_seconds': None, 'achieved_seconds': achieved, 'met': None, 'margin_seconds': None}
    return {'target_seconds': target, 'achieved_seconds': achieved, 'met': achieved <= float(target),
            'margin_seconds': round(float(target) - achieved, 1)}


def dr_report(rows, plan, playbook, started, rehearsal=False, target='dr', restore=True, run_by=None, awx_job_id=None,
              awx_job_template_name=None, now=None, readiness=None, phases=None, legs=None, checks=None, error=None):
    """The DR report (docs/dr_report.md) of a run that started at ``started`` (epoch seconds) and ends
    now: its rows completed and checked by ``dr_report_items``, the result, the times, and the readiness
    (``dr_readiness``), the achieved RTO beside the plan's target, and the run's ``phases`` (the epoch at
    which each of PHASES began).  A live drill gives its ``legs`` and ``checks`` instead of rows (``_with_legs``).
    A run that readiness stopped is ``no-go``, with no rows.  Built here rather than
    in YAML so that every ansible-core gives its fields the same types (2.16 templates numbers into
    strings)."""
    now = time.time() if now is None else now
    started = float(started)
    no_go = bool(readiness) and not readiness.get('go', True)
    items = [] if no_go or legs is not None else dr_report_items(rows, plan, target=target, restore=restore,
                                                                 rehearsal=rehearsal)
    failed = any(item.get('action') == 'error' for item in items)
    duration = round(now - started, 1)
    report = {
        'schema_version': 1, 'plan': (plan or {}).get('name'), 'playbook': playbook,
        'mode': 'check' if rehearsal else 'run',
        'result': 'no-go' if no_go else 'failed' if failed else 'rehearsed' if rehearsal else 'succeeded',
        'readiness': readiness or None,
        'started': _utc(started), 'ended': _utc(now), 'duration': duration, 'run_by': run_by,
        'rto': _rto((plan or {}).get('rto_target_seconds'), duration),
        'phases': _phases(phases, started, now),
        'awx_job_id': _number(awx_job_id), 'awx_job_template_name': awx_job_template_name or None, 'items': items,
    }
    if legs is not None:
        report = _with_legs(report, legs, plan, started, checks, rehearsal, error)
    if report['result'] in ('failed', 'no-go'):  # an RTO is achieved by a run that succeeded
        report['rto'].update(met=None, margin_seconds=None)
    return report


LIVE_DRILL_NOTE = 'Fabric workspaces are not part of a live drill: restoring a deleted workspace cannot be undone.'
LEGS = {'failover': 'dr', 'failback': 'primary'}
FAILBACK_ACTIONS = {'failed over': 'failed back', 'would fail over': 'would fail back',
                    'primary (failed over by another operation)': 'primary (failed back by another operation)'}


def _with_legs(report, legs, plan, started, checks, rehearsal, error=None):
    """A live drill's report (``dr_drill_live``: a planned failover of every group, then a failback) from
    ``report`` as dr_report built it without rows.  ``legs`` is [{name (failover, failback), rows, started,
    ended (epoch seconds)}], a leg that did not run having ``skipped`` (why) instead; ``checks`` [{leg, ok,
    task, message}], what the user's validation found after each leg.  Each leg's rows are completed and
    checked like a run's (every group of the plan, confirmed primary at the leg's target) and carry ``leg``;
    ``legs`` says when each ran and its achieved RTO, ``rto`` is the failover's; ``left_in_dr_region`` names
    every group the failback did not bring back, and why.  A failed check fails the drill, and so does ``error``
    (what stopped the failover leg, the checks or the soak)."""
    report.update(legs=[], checks=list(checks or []), left_in_dr_region=[], notes=[LIVE_DRILL_NOTE], error=error or None)
    if report['result'] == 'no-go':
        return report
    legs = list(legs or [])
    if legs and legs[0]['name'] != 'failover':  # the failover leg stopped before it was recorded
        legs.insert(0, {'name': 'failover', 'skipped': 'stopped before it was recorded: %s' % (error or 'unknown')})
    moved = None  # the groups the failover leg may have moved: all of them, unless its rows say otherwise
    items = []
    for leg in legs:
        target = LEGS[leg['name']]
        if leg.get('skipped'):
            rows = [_missing_row('failover_group', group['name'], 'group', location=group['location'],
                                 error='not %s: %s' % ('failed back' if leg['name'] == 'failback' else 'failed over',
                                                       leg['skipped']))
                    for group in dr_plan_groups(plan, target)]
            for row in rows:  # a group whose failover failed did not move: nothing to bring back
                if leg['name'] == 'failback' and moved is not None and row['name'] not in moved:
                    row.update(action='none', error=None)
        else:
            rows = dr_report_items(leg.get('rows'), plan, target=target, restore=False, rehearsal=rehearsal)
        if leg['name'] == 'failover' and not leg.get('skipped'):
            moved = {row['name'] for row in rows if row.get('action') != 'error'}
        for row in rows:
            row['leg'] = leg['name']
            if leg['name'] == 'failback':  # the same planned failover, the other way
                row['action'] = FAILBACK_ACTIONS.get(row.get('action'), row.get('action'))
        items += rows
        begun, ended = (None if leg.get(key) in (None, '') else float(leg[key]) for key in ('started', 'ended'))
        errors = sum(row.get('action') == 'error' for row in rows)
        report['legs'].append({
            'name': leg['name'], 'target': target, 'skipped': leg.get('skipped') or None,
            'start_offset': None if begun is None else round(begun - started, 3),
            'end_offset': None if ended is None else round(ended - started, 3),
            'duration': None if begun is None or ended is None else round(ended - begun, 1),
            'result': 'not run' if leg.get('skipped') else 'failed' if errors else 'rehearsed' if rehearsal else 'succeeded'})
        if leg['name'] == 'failback' and not rehearsal:
            report['left_in_dr_region'] = [{'name': row['name'], 'why': row.get('error')} for row in rows
                                           if row.get('action') == 'error']
    failover = [leg for leg in report['legs'] if leg['name'] == 'failover' and leg['duration'] is not None]
    if failover:
        report['rto'] = _rto((plan or {}).get('rto_target_seconds'), failover[0]['duration'])
    failed = bool(error) or any(row.get('action') == 'error' for row in items) or any(
        not check.get('ok') for check in report['checks'])
    report.update(items=items, result='failed' if failed else 'rehearsed' if rehearsal else 'succeeded')
    return report


def _utc(epoch):
    return datetime.datetime.fromtimestamp(epoch, datetime.timezone.utc).strftime('%Y-%m-%dT%H:%M:%SZ')


def _missing_row(kind, name, what, **extra):
    row = {'kind': kind, 'name': name, 'action': 'error', 'changed': False, 'start_offset': None, 'end_offset': None,
           'duration': None, 'final_state': None, 'error': NOT_REACHED % what}
    row.update(extra)
    return row


def dr_match_workspaces(requested, listing, default_admin_principal=None):
    """Each requested workspace ({id} or {name}, optional new_name, admin_principal) matched against one
    listing of every workspace: {id, name, state, type, new_name, admin_principal, problem, restore}.  A
    name matches a deleted workspace first, else the active one a previous run restored (under that name
    or new_name); none, or several, is a problem.  ``restore``: a restore request may be needed (deleted,
    or not listed).  With ``listing`` None (not read: every workspace is given by id), the state is
    unknown and left to the restore, which reads each workspace anyway."""
    if listing is None:
        return [_unlisted_match(request or {}, default_admin_principal) for request in requested or []]
    matched = []
    for request in requested or []:
        request = request or {}
        new_name = request.get('new_name')
        principal = _admin_principal(request, default_admin_principal)
        row = {'id': request.get('id'), 'name': request.get('name') or request.get('id'), 'state': None, 'type': None,
               'new_name': new_name, 'admin_principal': principal, 'problem': None}
        if request.get('id'):
            found = [w for w in listing if str(w.get('id', '')).lower() == str(request['id']).lower()]
        else:
            wanted = str(request.get('name', '')).lower()
            named = [w for w in listing if str(w.get('name', '')).lower() == wanted]
            found = [w for w in named if str(w.get('state', '')).lower() == 'deleted']
            if not found:
                found = [w for w in listing if str(w.get('state', '')).lower() == 'active'
                         and str(w.get('name', '')).lower() in (wanted, str(new_name or '').lower())]
        if len(found) == 1:
            row.update(id=found[0].get('id'), state=found[0].get('state'), type=found[0].get('type'))
            row['name'] = request.get('name') or found[0].get('name')
            if str(row['state']).lower() == 'deleted' and str(row['type']).lower() == 'personal' and not new_name:
                row['problem'] = 'a personal workspace needs new_name to be restored'
            elif str(row['state']).lower() == 'deleted':
                row['problem'] = _name_taken(found[0], new_name, listing)
        elif not found:
            row['problem'] = ('not found among the workspaces: it does not exist, or has passed its retention period '
                              '(7 to 90 days; 30 for personal workspaces)')
        else:
            row['problem'] = 'several workspaces match: %s; give id instead' % ', '.join(
                '%s (%s, %s)' % (w.get('id'), w.get('type'), w.get('state')) for w in found)
        row['restore'] = row['problem'] is None and str(row['state']).lower() == 'deleted'
        matched.append(row)
    return matched


def _name_taken(workspace, new_name, listing):
    """A problem when the name a deleted workspace would come back under is an active workspace's."""
    name = str(new_name or workspace.get('name') or '').lower()
    taken = [w for w in listing if str(w.get('state', '')).lower() == 'active' and str(w.get('name', '')).lower() == name
             and str(w.get('id', '')).lower() != str(workspace.get('id', '')).lower()]
    if not taken:
        return None
    return ('it would come back as %r, the name of the active workspace %s; give new_name'
            % (new_name or workspace.get('name'), taken[0].get('id')))


def _admin_principal(request, default_admin_principal):
    principal = request.get('admin_principal') or default_admin_principal or None
    if principal and 'type' not in principal:
        principal = dict(principal, type='User')
    return principal


def _unlisted_match(request, default_admin_principal):
    row = {'id': request.get('id'), 'name': request.get('name') or request.get('id'), 'state': None, 'type': None,
           'new_name': request.get('new_name'), 'admin_principal': _admin_principal(request, default_admin_principal),
           'problem': None, 'restore': bool(request.get('id'))}
    if not request.get('id'):
        row['problem'] = 'a workspace given by name needs a listing of the workspaces to be found'
    return row


def dr_match_row(match, kind='workspace'):
    """The report row of a matched workspace that needed no request: already active (none), or a
    problem found before any request (error)."""
    return {'kind': kind, 'name': match.get('name'), 'id': match.get('id'), 'new_name': match.get('new_name'),
            'action': 'error' if match.get('problem') else 'none',
            'changed': False, 'start_offset': 0.0, 'end_offset': 0.0, 'duration': 0.0,
            'final_state': None if match.get('problem') else match.get('state'), 'error': match.get('problem')}


def dr_restore_item(match):
    """A matched workspace as fabric_workspace_restore_batch takes it: {workspace_id, new_name, admin_principal}."""
    item = {'workspace_id': match['id']}
    if match.get('new_name'):
        item['new_name'] = match['new_name']
    if match.get('admin_principal'):
        item['admin_principal'] = match['admin_principal']
    return item


def dr_plan_groups(plan, target='dr', mode=None, allow_data_loss=None):
    """The plan's failover groups as the sql_mi_failover role takes them, for the side that must become primary
    (the DR side for target 'dr', the primary side for 'primary'), from either shape of the plan: {name,
    location, resource_group, subscription_id, primary_location, primary_resource_group, primary_subscription_id,
    failover_mode} ("primary_*": the other side, today's primary), keys without a value left out.

    ``failover_mode``: the run's ``mode`` (``dr_failover_mode``; ``allow_data_loss`` true means forced), else the
    group's, else the plan's (its ``allow_data_loss`` true means forced), else planned; always planned on the way
    back (target 'primary'): a failback never forces."""
    plan = plan or {}
    run_mode = mode or ('forced' if _boolean(allow_data_loss) else None)
    plan_mode = plan.get('failover_mode') or ('forced' if plan.get('allow_data_loss') is True else None)
    groups = []
    for group in plan.get('failover_groups') or []:
        primary, dr = group_sides(group)
        to, other = (dr, primary) if target == 'dr' else (primary, dr)
        item = {'name': group.get('name'), 'location': to['location'], 'resource_group': to['resource_group'],
                'subscription_id': to.get('subscription_id'), 'primary_location': other['location'],
                'primary_resource_group': other['resource_group'],
                'primary_subscription_id': other.get('subscription_id') if other['resource_group'] else None,
                'failover_mode': (run_mode or group.get('failover_mode') or plan_mode or 'planned')
                if target == 'dr' else 'planned'}
        groups.append({key: value for key, value in item.items() if value})
    return groups


def dr_readiness(group_results, matched_workspaces, target='dr'):
    """The readiness of a run (the drill's go/no-go), from the check-mode run of
    instance_failover_group_failover_batch (both sides of every group read side by side) and the matched
    workspaces: ``{go, problems, notes, groups, workspaces}``.  A problem stops the run before any change: a
    group not found, SEEDING, or whose planned failover would be refused because its primary side does not
    answer; a workspace that cannot be restored.  Notes say what is worth knowing but does not stop the run:
    a group that would be forced and why, what was found through managedInstancePairs, an Automatic failover
    policy (Azure may fail the group over on its own)."""
    problems, notes, groups = [], [], []
    for result in group_results or []:
        item = result.get('item') or {}
        name = item.get('name')
        sides = result.get('sides') or {}
        groups.append({'name': name, 'location': item.get('location'), 'failover_mode': item.get('failover_mode') or 'planned',
                       'would_send': (result.get('failover_kind') or 'planned') if result.get('changed') else 'none',
                       'escalation_reason': result.get('escalation_reason'), 'derived': result.get('derived') or [],
                       'target_side': sides.get('target'), 'primary_side': sides.get('primary'),
                       'problem': result.get('msg') if result.get('failed') else None})
        if result.get('failed'):
            problems.append('failover group %s: %s' % (name, result.get('msg')))
            continue
        if result.get('escalation_reason'):
            notes.append('failover group %s would be forced: %s' % (name, result['escalation_reason']))
        notes += ['failover group %s: %s' % (name, derived) for derived in result.get('derived') or []]
        primary = sides.get('primary') or {}
        if primary.get('problem') and primary.get('answered'):
            notes.append('failover group %s: primary side %s' % (name, primary['problem']))
        if (sides.get('target') or {}).get('failover_policy') == 'Automatic':
            notes.append('failover group %s: failoverPolicy is Automatic: Azure may fail it over on its own after the grace '
                         'period, whatever this run does' % name)
    workspaces = []
    for match in matched_workspaces or []:
        workspaces.append({'name': match.get('name'), 'id': match.get('id'), 'state': match.get('state'),
                           'type': match.get('type'), 'new_name': match.get('new_name'), 'problem': match.get('problem')})
        if match.get('problem'):
            problems.append('workspace %s: %s' % (match.get('name'), match['problem']))
    return {'go': not problems, 'target': target, 'problems': problems, 'notes': notes, 'groups': groups,
            'workspaces': workspaces}


# A plan name as a file name: no path, nothing hidden.
_PLAN_NAME = re.compile(r'^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$')
_BOOLEAN_WORDS = {'true': True, 'yes': True, 'false': False, 'no': False}
FORCE_SUFFIX = ' WITH DATA LOSS'


def dr_plan_path(name, directory='plans'):
    """The plan file of ``name``: ``<directory>/<name>.yml``, a relative directory being taken from the
    directory ansible-playbook runs in (in AWX, the project's root).  The name may not be a path."""
    if not isinstance(name, str) or not _PLAN_NAME.match(name) or '..' in name:
        raise AnsibleFilterError('dr_plan_name must be a plan name of letters, digits, dots, underscores and '
                                 'hyphens (the file <dr_plan_dir>/<name>.yml), got %r' % (name,))
    directory = os.path.join(os.getcwd(), os.path.expanduser(str(directory or 'plans')))
    return os.path.join(directory, name + '.yml')


def dr_run_path(path):
    """``path`` as an absolute path, a relative one being taken from the directory ansible-playbook runs in
    (in AWX, the project's root), where users keep their files; Ansible's own includes look elsewhere."""
    if not isinstance(path, str) or not path.strip():
        raise AnsibleFilterError('a path must be a non-empty string, got %r' % (path,))
    return os.path.join(os.getcwd(), os.path.expanduser(path.strip()))


def _boolean(value):
    if isinstance(value, bool):
        return value
    return _BOOLEAN_WORDS.get(str(value).strip().lower())


def dr_run_problems(run):
    """Problems of a run's own options, before any call.  ``run``: playbook, target (dr or primary),
    rehearsal, plan_name, plan, and as given (omitted when not): allow_data_loss, failover_mode
    (``dr_failover_mode``), confirm, plan_name_asked, require_confirmation, auth (``dr_auth``) and fabric_auth
    (``dr_fabric_auth``).

    A real failover or failback is confirmed by typing the plan's name (``dr_confirm``): required when
    ``dr_require_confirmation`` is true (AWX job templates set it), checked whenever it is given.  A
    run that may force a failover (forced or planned_then_forced, by the run, a group or the plan) needs the
    name followed by ' WITH DATA LOSS', so that a survey's multiple choice alone cannot force one."""
    problems = _auth_problems(run.get('auth'), 'dr_auth', _shared_options('arm') | _shared_options('fabric'))
    problems += _auth_problems(run.get('fabric_auth'), 'dr_fabric_auth', _shared_options('fabric'))
    forced = False
    if 'allow_data_loss' in run and run['allow_data_loss'] is not None:
        forced = _boolean(run['allow_data_loss'])
        if forced is None:
            problems.append('dr_allow_data_loss must be true or false, got %r' % (run['allow_data_loss'],))
            forced = False
    mode = run.get('failover_mode') or None
    if mode is not None and mode not in FAILOVER_MODES:
        problems.append('dr_failover_mode must be one of %s, got %r' % (', '.join(FAILOVER_MODES), mode))
        mode = None
    elif forced and mode not in (None, 'forced'):
        problems.append('dr_allow_data_loss=true means dr_failover_mode=forced; it contradicts dr_failover_mode=%s' % mode)
        mode = None  # confirmed as the forced run it also asks for
    if run.get('target') == 'primary' and mode in FORCING_MODES:
        problems.append('dr_failover_mode=%s does not apply to %s: a failback is always planned (the region failed back '
                        'to must take part)' % (mode, run.get('playbook')))
    # dr_run_rehearsal is the playbooks' own; given as an extra variable to a run outside check mode, it would make
    # a report say "rehearsed" of real failovers.
    if _boolean(run.get('rehearsal')) and not _boolean(run.get('check_mode', True)) and run.get('playbook') != 'dr_drill':
        problems.append('dr_run_rehearsal is set by the DR playbooks themselves: for a rehearsal, run %s with --check '
                        '(or run dr_drill)' % run.get('playbook'))
    live = run.get('playbook') == 'dr_drill_live'
    if live:
        problems += _live_drill_problems(run, forced or mode in FORCING_MODES)
    # A run that may force any failover (its mode, a group's or the plan's) must be confirmed as one.
    can_force = not live and run.get('target') == 'dr' and (mode in FORCING_MODES or forced or any(
        group.get('failover_mode') in FORCING_MODES for group in dr_plan_groups(run.get('plan'), 'dr', mode, forced)))
    plan_name = run.get('plan_name')
    asked = run.get('plan_name_asked')
    if asked and plan_name and asked != plan_name:
        problems.append('dr_plan_name is %r but the plan given is named %r' % (asked, plan_name))
    if run.get('rehearsal') or run.get('playbook') == 'dr_drill':
        return problems
    expected = plan_name + (FORCE_SUFFIX if can_force else '') if plan_name else None
    confirm = run.get('confirm')
    required = live or _boolean(run.get('require_confirmation', False))  # a live drill moves the estate: always confirmed
    if confirm is None or (isinstance(confirm, str) and not confirm.strip()):
        if required:
            problems.append('dr_confirm is required: type %r to confirm this %s' % (expected, run.get('playbook')))
    elif expected is not None and str(confirm).strip() != expected:
        problems.append('dr_confirm must be exactly %r to confirm this %s%s, got %r' % (
            expected, run.get('playbook'),
            ' (a run that may force failovers, allowed to lose data)' if expected.endswith(FORCE_SUFFIX) else '', confirm))
    return problems


def _live_drill_problems(run, forcing):
    """The live drill's own options (``run['live']``: soak_seconds, max_groups, validate_tasks,
    fail_back_on_validation_failure), and what it refuses: forcing, more groups than max_groups."""
    options, problems = run.get('live') or {}, []
    if forcing:
        problems.append('a live drill never forces a failover (a drill must not lose data): leave out '
                        'dr_allow_data_loss and dr_failover_mode; every group fails over planned, whatever the plan says')
    soak = options.get('soak_seconds')
    if isinstance(soak, str) and soak.strip().replace('.', '', 1).isdigit():
        soak = float(soak)  # a survey's answer
    if soak is not None and (isinstance(soak, bool) or not isinstance(soak, (int, float)) or soak < 0):
        problems.append('dr_drill_soak_seconds must be a number of seconds, 0 or more, got %r' % (options.get('soak_seconds'),))
    most = options.get('max_groups')
    if isinstance(most, str) and most.strip().isdigit():
        most = int(most)
    groups = dr_plan_groups(run.get('plan'), 'dr')
    if most is not None and (isinstance(most, bool) or not isinstance(most, int) or most < 1):
        problems.append('dr_drill_max_groups must be a whole number, 1 or more, got %r' % (options.get('max_groups'),))
    elif most is not None and len(groups) > most:
        problems.append('the plan has %d failover groups, more than dr_drill_max_groups (%d): a live drill fails every one '
                        'over for real; raise dr_drill_max_groups to drill them all' % (len(groups), most))
    if not groups:
        problems.append('a live drill needs failover groups in the plan (its workspaces are not part of it)')
    if _boolean(options.get('fail_back_on_validation_failure', True)) is None:
        problems.append('dr_drill_fail_back_on_validation_failure must be true or false, got %r'
                        % (options['fail_back_on_validation_failure'],))
    tasks = options.get('validate_tasks')
    if tasks not in (None, ''):
        path = dr_run_path(tasks) if isinstance(tasks, str) else None
        if path is None or not os.path.isfile(path):
            problems.append('dr_drill_validate_tasks must name a task file (absolute, or relative to the directory '
                            'ansible-playbook runs in), got %r%s' % (tasks, ': no such file' if path else ''))
    return problems


def _auth_problems(auth, variable, allowed):
    if auth is None:
        return []
    if not isinstance(auth, dict):
        return ['%s must be a mapping of the modules\' shared options (credentials, endpoints), got %s'
                % (variable, type(auth).__name__)]
    return _unknown(auth, allowed, variable)


def _shared_options(api):
    return set(COMMON_AUTH_SPEC) | set(API_SPECS[api])


def dr_auth_options(auth, api, fabric_auth=None):
    """The shared options a DR run gives the modules of ``api`` (``arm`` or ``fabric``): those of
    ``dr_auth`` that apply to that API; for Fabric, ``dr_fabric_auth`` (a Fabric administrator of its
    own) over them, and no ``access_token`` from ``dr_auth`` (a token serves one API)."""
    auth = dict(auth or {})
    if api == 'fabric':
        auth.pop('access_token', None)
        auth.update(fabric_auth or {})
    allowed = _shared_options(api)
    return {name: value for name, value in auth.items() if name in allowed}


class FilterModule:
    def filters(self):
        return {'dr_plan_problems': dr_plan_problems, 'dr_report_markdown': dr_report_markdown,
                'dr_outcomes': dr_outcomes, 'dr_match_workspaces': dr_match_workspaces, 'dr_match_row': dr_match_row,
                'dr_plan_groups': dr_plan_groups, 'dr_readiness': dr_readiness,
                'dr_plan_path': dr_plan_path, 'dr_run_problems': dr_run_problems, 'dr_restore_item': dr_restore_item,
                'dr_auth_options': dr_auth_options, 'dr_failures_by_cause': dr_failures_by_cause,
                'dr_report_items': dr_report_items, 'dr_report': dr_report, 'dr_run_path': dr_run_path}
