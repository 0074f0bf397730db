# -*- coding: utf-8 -*-
# Copyright: contributors to the azure_dr.recovery collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The DR report as Markdown, for a ticket or a post-mortem."""

from __future__ import annotations

from ansible_collections.azure_dr.recovery.plugins.plugin_utils._dr_run.scope import event_line, scope_lines


def _cell(value):
    return str('' if value is None else value).replace('|', '\\|').replace('\n', ' ')


def _state(state):
    if not state:
        return ''
    return '%s (%s)' % (state.get('replication_role') or '?', state.get('replication_state') or '?')


def _table(header, rows):
    return ['| %s |' % ' | '.join(header), '|%s' % ('---|' * len(header))] + [
        '| %s |' % ' | '.join(_cell(value) for value in row) for row in rows]


def report_markdown(report):
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
    event = report.get('event') or {}
    if event:  # the event that started the run (a rulebook's)
        lines.append('| started by event | %s |' % _cell(event_line(event)))
    told = scope_lines(report.get('scope'))
    if told:
        lines += [''] + ['**%s**' % _cell(line) for line in told]
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
    steps = report.get('steps') or []
    if steps:
        lines += ['', '## Steps', ''] + _table(
            ('name', 'outcome', 'start (s)', 'end (s)', 'duration (s)', 'message'),
            [(step.get('name'), step.get('outcome'), step.get('start_offset'), step.get('end_offset'), step.get('duration'),
              step.get('message')) for step in steps])
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
    return lines + _drift_markdown(readiness.get('drift')) + _parity_markdown(readiness.get('parity'))


def _drift_markdown(drift):
    if drift is None:
        return []
    lines = ['', '### Drift', '']
    if not drift:
        return lines + ['The plan matches the estate in the subscriptions and regions it covers.']
    return lines + _table(('group', 'kind', 'what'),
                          [(finding.get('group'), finding.get('kind'), finding.get('message')) for finding in drift])


def _parity_markdown(parity):
    if not parity:
        return []
    rows = []
    for entry in parity:
        for role in ('primary', 'dr'):
            side = entry.get(role) or {}
            rows.append((entry.get('group') if role == 'primary' else '', role, side.get('name'), side.get('tier'), side.get('family'),
                         side.get('v_cores'), side.get('storage_size_in_gb'), side.get('license_type'),
                         side.get('backup_storage_redundancy'), side.get('zone_redundant'),
                         entry.get('verdict') if role == 'primary' else '', ', '.join(entry.get('smaller') or [])
                         if role == 'primary' else ''))
    return ['', '### Parity: both instances of every group', ''] + _table(
        ('group', 'side', 'instance', 'tier', 'hardware', 'vCores', 'storage (GB)', 'license', 'backup', 'zone redundant',
         'verdict', 'smaller'), rows)
