# -*- coding: utf-8 -*-
# Copyright: contributors to the azure_dr.recovery collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""A run limited to what an event names: some groups (``dr_only_groups``) and some workspaces
(``dr_only_workspaces``) of the plan, and a run that never sends a failover (``dr_confirm_only``).

``dr_run_open`` scopes the plan once (``scope_plan``): the record's ``plan`` holds only the groups and workspaces of
this run, so that readiness, the failovers, the restores and the report's rows see nothing else, and the record's
``scope`` says what was left out.  A confirm-only run reads its groups in check mode, whatever else it does: a group
already primary at its target is confirmed (moved by someone else), one that is not is reported as not moved, and
no failover is ever sent."""

from __future__ import annotations

import json

from ansible_collections.azure_dr.recovery.plugins.plugin_utils._dr_run.plan import boolean

# A group's report row in a confirm-only run when the group is not primary at its target: nothing was sent.
NOT_MOVED = 'not moved (dr_confirm_only: no failover sent)'
# ... and when it is: the same words as a group that another operation made primary during a run.
MOVED_BY_OTHERS = 'primary (failed over by another operation)'


def _lower(value):
    return str(value if value is not None else '').strip().lower()


def _names(value, variable):
    """``(names, problem)``: the names a run variable gives (a list, or a string of names separated by commas, or
    such a list as JSON text, as a survey or a rulebook's templating may hand it over); None when not set."""
    if value is None:
        return None, None
    if isinstance(value, str):
        text = value.strip()
        if text.startswith('['):
            try:
                value = json.loads(text)
            except ValueError:
                return None, '%s must be a list of names, got %r' % (variable, value)
        else:
            value = [name.strip() for name in text.split(',') if name.strip()]
    if not isinstance(value, (list, tuple)):
        return None, '%s must be a list of names, got %s' % (variable, type(value).__name__)
    names = []
    for entry in value:
        if isinstance(entry, dict):  # a workspace as an event carries it: {id, name}
            entry = {key: entry[key] for key in ('id', 'name') if entry.get(key)}
            if not entry:
                return None, '%s: a workspace given as a mapping needs its id or its name, got %r' % (variable, entry)
        elif not isinstance(entry, str) or not entry.strip():
            return None, '%s must be a list of names, got %r in it' % (variable, entry)
        names.append(entry)
    return names, None


def _matches_workspace(workspace, wanted):
    """Whether the plan's workspace (``{id}`` or ``{name}``) is the one ``wanted`` names: a name or an id, or a
    mapping with an id and a name (a workspace as an event carries it: either matches)."""
    keys = {_lower(workspace.get('id')), _lower(workspace.get('name'))} - {''}
    asked = {_lower(wanted.get('id')), _lower(wanted.get('name'))} if isinstance(wanted, dict) else {_lower(wanted)}
    return bool(keys & (asked - {''}))


def _shown(wanted):
    return wanted.get('id') or wanted.get('name') if isinstance(wanted, dict) else wanted


def _workspace_name(workspace):
    return workspace.get('name') or workspace.get('id')


def scope_problems(plan, only_groups=None, only_workspaces=None, confirm_only=None, playbook=None):
    """Every problem of a run's scope (``dr_only_groups``, ``dr_only_workspaces``, ``dr_confirm_only``) against
    ``plan`` (a valid plan), before any call: names that are not the plan's are listed with the plan's own."""
    problems = []
    groups, problem = _names(only_groups, 'dr_only_groups')
    problems += [problem] if problem else []
    workspaces, problem = _names(only_workspaces, 'dr_only_workspaces')
    problems += [problem] if problem else []
    plan_groups = [group.get('name') for group in plan.get('failover_groups') or []]
    plan_workspaces = plan.get('fabric_workspaces') or []
    unknown = [name for name in groups or [] if _lower(name) not in {_lower(known) for known in plan_groups}]
    if unknown:
        problems.append('dr_only_groups: %s %s not a failover group of plan %s (its groups: %s)' % (
            ', '.join(unknown), 'is' if len(unknown) == 1 else 'are', plan.get('name'), ', '.join(plan_groups) or 'none'))
    unknown = [_shown(wanted) for wanted in workspaces or []
               if not any(_matches_workspace(workspace, wanted) for workspace in plan_workspaces)]
    if unknown:
        problems.append('dr_only_workspaces: %s %s not a workspace of plan %s (its workspaces, by name or id: %s)' % (
            ', '.join(str(name) for name in unknown), 'is' if len(unknown) == 1 else 'are', plan.get('name'),
            ', '.join(str(_workspace_name(workspace)) for workspace in plan_workspaces) or 'none'))
    if not problems and groups is not None and workspaces is not None and not groups and not workspaces:
        problems.append('dr_only_groups and dr_only_workspaces leave nothing of plan %s to this run' % plan.get('name'))
    if confirm_only is not None and boolean(confirm_only) is None:
        problems.append('dr_confirm_only must be true or false, got %r' % (confirm_only,))
    elif boolean(confirm_only) and playbook == 'dr_drill_live':
        problems.append('dr_confirm_only does not apply to dr_drill_live: a live drill is the failover and the failback '
                        'themselves')
    return problems


def scope_plan(plan, only_groups=None, only_workspaces=None, confirm_only=None):
    """``(plan of this run, scope)``: the plan with only the groups and workspaces of this run (every one when the
    variable is not set; none when it is an empty list), and the run's ``scope``: ``groups`` and ``workspaces`` (the
    names in this run), ``left_out`` (the plan's entries that this run leaves out: ``failover_groups``,
    ``fabric_workspaces``) and ``confirm_only``.  ``scope_problems`` must have found nothing."""
    groups, _problem = _names(only_groups, 'dr_only_groups')
    workspaces, _problem = _names(only_workspaces, 'dr_only_workspaces')
    kept_groups, left_groups, kept_workspaces, left_workspaces = [], [], [], []
    for group in plan.get('failover_groups') or []:
        keep = groups is None or _lower(group.get('name')) in {_lower(name) for name in groups}
        (kept_groups if keep else left_groups).append(group)
    for workspace in plan.get('fabric_workspaces') or []:
        keep = workspaces is None or any(_matches_workspace(workspace, wanted) for wanted in workspaces)
        (kept_workspaces if keep else left_workspaces).append(workspace)
    scoped = dict(plan, failover_groups=kept_groups, fabric_workspaces=kept_workspaces)
    scope = {'groups': [group.get('name') for group in kept_groups],
             'workspaces': [_workspace_name(workspace) for workspace in kept_workspaces],
             'left_out': {'failover_groups': left_groups, 'fabric_workspaces': left_workspaces},
             'confirm_only': bool(boolean(confirm_only))}
    return scoped, scope


def whole_plan(record):
    """The plan of a run with the groups and workspaces its scope left out (for drift: a group left out of this run
    is still protected by the plan)."""
    plan = record['plan']
    left = (record.get('scope') or {}).get('left_out') or {}
    return dict(plan, failover_groups=list(plan.get('failover_groups') or []) + list(left.get('failover_groups') or []),
                fabric_workspaces=list(plan.get('fabric_workspaces') or []) + list(left.get('fabric_workspaces') or []))


def left_out_names(record):
    """The names of the groups and of the workspaces the run's scope left out: ``(groups, workspaces)``."""
    left = (record.get('scope') or {}).get('left_out') or {}
    return ([group.get('name') for group in left.get('failover_groups') or []],
            [_workspace_name(workspace) for workspace in left.get('fabric_workspaces') or []])


def confirm_only(record):
    return bool((record.get('scope') or {}).get('confirm_only'))


def moved(result):
    """Whether a group's check-mode read found it primary at its target (``None``: its target side was not read)."""
    target = (result.get('sides') or {}).get('target') or {}
    if result.get('failover_group') and not result.get('failed'):
        role = ((result['failover_group'].get('properties') or {}).get('replicationRole'))
    elif target.get('found'):
        role = target.get('replication_role')
    else:
        return None
    return role == 'Primary'


def confirmed_results(results):
    """The check-mode results of a confirm-only run's groups as what this run did: a group primary at its target was
    moved by someone else (nothing sent, ``changed`` false); one that is not is ``not_moved`` (nothing sent, whatever
    a failover would have needed or been refused for); a group whose target side could not be read stays an error."""
    confirmed = []
    for result in results or []:
        found = moved(result)
        if found is None:
            confirmed.append(result)
            continue
        group = result.get('failover_group') or {}
        target = (result.get('sides') or {}).get('target') or {}
        if found:
            confirmed.append(dict(result, changed=False, failed=False, failover_kind='none', escalation_reason=None,
                                  moved_by_others=True))
        else:
            role = ((group.get('properties') or {}).get('replicationRole')) or target.get('replication_role')
            confirmed.append(dict(result, changed=False, failed=False, failover_kind='none', escalation_reason=None,
                                  not_moved=True, msg=None, role_at_target=role))
    return confirmed


def report_scope(record, rows):
    """The report's ``scope``: what the run was limited to and what it left out; in a confirm-only run, which groups
    were moved by someone else and which were not moved."""
    scope = record.get('scope')
    if not scope:
        return None
    groups, workspaces = left_out_names(record)
    found = {'groups': list(scope.get('groups') or []), 'workspaces': list(scope.get('workspaces') or []),
             'left_out_groups': groups, 'left_out_workspaces': workspaces, 'confirm_only': bool(scope.get('confirm_only')),
             'moved_by_others': None, 'not_moved': None}
    if found['confirm_only']:
        group_rows = [row for row in rows or [] if row.get('kind') == 'failover_group']
        found['moved_by_others'] = [row['name'] for row in group_rows if row.get('action') == MOVED_BY_OTHERS]
        found['not_moved'] = [row['name'] for row in group_rows if row.get('action') == NOT_MOVED]
    return found


def scope_lines(scope):
    """What a person reads of a run's scope (the Markdown and HTML reports, the run's output): [sentence]."""
    if not scope:
        return []
    lines = []
    if scope.get('left_out_groups') or scope.get('left_out_workspaces'):
        lines.append('This run was limited to %s; left out of it: %s.' % (
            _listing(scope.get('groups'), scope.get('workspaces')),
            _listing(scope.get('left_out_groups'), scope.get('left_out_workspaces'))))
    if scope.get('confirm_only'):
        lines.append('Confirm only (dr_confirm_only): this run sent no failover.')
        if scope.get('moved_by_others'):
            lines.append('Moved by someone else (primary at their target before this run, no failover sent by it): %s.'
                         % ', '.join(scope['moved_by_others']))
        if scope.get('not_moved'):
            lines.append('Not moved (not primary at their target; nothing sent): %s.' % ', '.join(scope['not_moved']))
    return lines


def event_line(event):
    """The event that started a run (``dr_event``) in a line: its plain values (type, plan, group, location, time...)."""
    shown = ['%s: %s' % (key, event[key]) for key in sorted(event or {}) if isinstance(event[key], (str, int, float))]
    return ', '.join(shown) or 'yes'


def _listing(groups, workspaces):
    parts = []
    if groups:
        parts.append('failover group%s %s' % ('s' if len(groups) > 1 else '', ', '.join(str(name) for name in groups)))
    if workspaces:
        parts.append('workspace%s %s' % ('s' if len(workspaces) > 1 else '', ', '.join(str(name) for name in workspaces)))
    return ' and '.join(parts) or 'nothing'
