# -*- coding: utf-8 -*-
# Copyright: contributors to the azure_dr.recovery collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The report model of a DR run: one row per group and workspace (``outcomes``, ``report_items``), the phases,
the achieved RTO, a live drill's legs and checks, and the user's own steps (``build_report``)."""

from __future__ import annotations

import datetime
import time

from ansible_collections.azure_dr.recovery.plugins.module_utils._failure_summary import failures_by_cause
from ansible_collections.azure_dr.recovery.plugins.plugin_utils._dr_run.plan import plan_groups
from ansible_collections.azure_dr.recovery.plugins.plugin_utils._dr_run.scope import MOVED_BY_OTHERS, NOT_MOVED, report_scope


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
    elif result.get('not_moved'):  # a confirm-only run (scope.confirmed_results): nothing sent
        action, final = NOT_MOVED, final or result.get('role_at_target')
    elif result.get('moved_by_others'):
        action = MOVED_BY_OTHERS
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


def outcomes(results, kind, check_mode=False, start_offset=0.0, items=None, error=None):
    """One report row per item of a batch module's ``results``: what was done, when, for how long, the final state
    and the error; for a group, the kind of failover sent, its request ids and the region's state before and after;
    for a workspace, its id and new name.  ``items`` are the module's items as sent (with the plan's names); each
    result's ``started`` (seconds after the module's start) is placed after ``start_offset``.  When there are no
    results but an ``error`` (the whole module failed), every one of ``items`` gets an error row."""
    if not results and error:
        results = [{'item': item, 'failed': True, 'msg': error} for item in items or []]
    rows = []
    for index, result in enumerate(results or []):
        target = result.get('item') or {}
        if items and index < len(items):  # the request as sent, with the plan's name
            target = dict(items[index], **{key: value for key, value in target.items() if value is not None})
        row = (_group_row if kind == 'failover_group' else _workspace_row)(target, result, check_mode)
        duration = round(float(result.get('elapsed') or 0.0), 3)
        offset = float(start_offset) + float(result.get('started') or 0.0)
        row.update(kind=kind, changed=bool(result.get('changed')) and not result.get('failed'),
                   start_offset=round(offset, 3), end_offset=round(offset + duration, 3), duration=duration,
                   error=_error_of(result), cause=result.get('cause') if result.get('failed') else None)
        rows.append(row)
    return rows


def failures_text(rows):
    """The rows in error as one line, each distinct cause once after the names it affects (a row's
    ``cause`` is its error without what is particular to one request, such as the URL)."""
    return failures_by_cause((row.get('name'), row.get('cause') or row.get('error') or 'failed') for row in rows or []
                             if row.get('action') == 'error')


NOT_REACHED = 'no outcome was recorded: the run stopped before this %s was handled; run it again, it converges'


def report_items(rows, plan, target='dr', restore=True, rehearsal=False):
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
    for group in plan_groups(plan, target):
        if claim('failover_group', (group['name'],)) is None:
            rows.append(_missing_row('failover_group', group['name'], 'group', location=group['location']))
    for workspace in (plan.get('fabric_workspaces') or []) if restore else []:
        names = tuple(name for name in (workspace.get('name'), workspace.get('id')) if name)
        if claim('workspace', names, workspace.get('id')) is None:
            rows.append(_missing_row('workspace', names[0] if names else None, 'workspace', id=workspace.get('id'),
                                     new_name=workspace.get('new_name')))
    if not rehearsal:
        for row in rows:
            if row.get('action') in ('error', NOT_MOVED):  # a group a confirm-only run did not move is not its goal
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


# The phases of a DR run, in order; a run marks when each begins (build_report's ``phases``).
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


def build_report(rows, plan, playbook, started, rehearsal=False, target='dr', restore=True, run_by=None, awx_job_id=None,
                 awx_job_template_name=None, now=None, readiness=None, phases=None, legs=None, checks=None, error=None,
                 steps=None):
    """The DR report (docs/dr_report.md) of a run that started at ``started`` (epoch seconds) and ends
    now: its rows completed and checked by ``report_items``, the result, the times, and the readiness
    (``readiness``), the achieved RTO beside the plan's target, and the run's ``phases`` (the epoch at
    which each of PHASES began).  A live drill gives its ``legs`` and ``checks`` instead of rows (``_with_legs``).
    A run that readiness stopped is ``no-go``, with no rows.  Built here rather than
    in YAML so that every ansible-core gives its fields the same types (2.16 templates numbers into
    strings)."""
    now = time.time() if now is None else now
    started = float(started)
    no_go = bool(readiness) and not readiness.get('go', True)
    items = [] if no_go or legs is not None else report_items(rows, plan, target=target, restore=restore,
                                                              rehearsal=rehearsal)
    failed = any(item.get('action') == 'error' for item in items)
    duration = round(now - started, 1)
    report = {
        'schema_version': 1, 'plan': (plan or {}).get('name'), 'playbook': playbook, 'scope': None, 'event': None,
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
    report['steps'] = [_step_row(step, started, now) for step in steps or []]
    if report['result'] in ('succeeded', 'rehearsed') and any(step['outcome'] == 'failed' for step in report['steps']):
        report['result'] = 'failed'
    if report['result'] in ('failed', 'no-go'):  # an RTO is achieved by a run that succeeded
        report['rto'].update(met=None, margin_seconds=None)
    return report


LIVE_DRILL_NOTE = 'Fabric workspaces are not part of a live drill: restoring a deleted workspace cannot be undone.'


LEGS = {'failover': 'dr', 'failback': 'primary'}


FAILBACK_ACTIONS = {'failed over': 'failed back', 'would fail over': 'would fail back',
                    'primary (failed over by another operation)': 'primary (failed back by another operation)'}


def _with_legs(report, legs, plan, started, checks, rehearsal, error=None):
    """A live drill's report (``dr_drill_live``: a planned failover of every group, then a failback) from
    ``report`` as build_report built it without rows.  ``legs`` is [{name (failover, failback), rows, started,
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
                    for group in plan_groups(plan, target)]
            for row in rows:  # a group whose failover failed did not move: nothing to bring back
                if leg['name'] == 'failback' and moved is not None and row['name'] not in moved:
                    row.update(action='none', error=None)
        else:
            rows = report_items(leg.get('rows'), plan, target=target, restore=False, rehearsal=rehearsal)
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


def _step_row(step, started, now):
    """A step of the run (the user's own task, recorded with dr_step) as the report shows it, on the run's clock; a
    step never closed ends with the run."""
    begun = float(step.get('started') or started)
    ended = float(step['ended']) if step.get('ended') is not None else now
    return {'kind': 'step', 'name': step.get('name'), 'outcome': step.get('outcome'), 'message': step.get('message'),
            'start_offset': round(begun - started, 3), 'end_offset': round(ended - started, 3),
            'duration': round(ended - begun, 3)}


def _utc(epoch):
    return datetime.datetime.fromtimestamp(epoch, datetime.timezone.utc).strftime('%Y-%m-%dT%H:%M:%SZ')


def _missing_row(kind, name, what, **extra):
    row = {'kind': kind, 'name': name, 'action': 'error', 'changed': False, 'start_offset': None, 'end_offset': None,
           'duration': None, 'final_state': None, 'error': NOT_REACHED % what}
    row.update(extra)
    return row


def report_of(record, now=None):
    """The DR report of a run's record: the checks of a live drill are its steps of kind ``check``; a live drill's
    ``error`` says which of its own steps failed (what stopped a leg, the checks or the soak)."""
    steps = record.get('steps') or []
    checks = [{'leg': step.get('leg'), 'ok': step['outcome'] != 'failed', 'task': step.get('task'),
               'message': step.get('message')} for step in steps if step.get('kind') == 'check']
    own = [step for step in steps if step.get('kind') != 'check']
    live = record.get('legs') is not None
    error = '; '.join('%s: %s' % (step['name'], step.get('message') or 'failed') for step in own
                      if step['outcome'] == 'failed') if live else None
    report = build_report(
        record.get('rows') or [], record['plan'], record['playbook'], record['started'], rehearsal=record['rehearsal'],
        target=record['target'], restore=record['restore'], run_by=record.get('run_by'),
        awx_job_id=record.get('awx_job_id'), awx_job_template_name=record.get('awx_job_template_name'), now=now,
        readiness=record.get('readiness'), phases=record.get('phases'), legs=record.get('legs'),
        checks=checks if live else None, error=error or None, steps=own)
    report.update(scope=report_scope(record, report['items']), event=record.get('event'))
    return report
