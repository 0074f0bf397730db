# -*- coding: utf-8 -*-
# Copyright: contributors to the azure_dr.recovery collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Readiness, the go/no-go of a run: the plan's workspaces matched against one listing, and what the check-mode
read of every group found (``readiness``)."""

from __future__ import annotations


def match_workspaces(requested, listing, default_admin_principal=None):
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


def match_row(match, kind='workspace'):
    """The report row of a matched workspace that needed no request: already active (none), or a
    problem found before any request (error)."""
    return {'kind': kind, 'name': match.get('name'), 'id': match.get('id'), 'new_name': match.get('new_name'),
            'action': 'error' if match.get('problem') else 'none',
            'changed': False, 'start_offset': 0.0, 'end_offset': 0.0, 'duration': 0.0,
            'final_state': None if match.get('problem') else match.get('state'), 'error': match.get('problem')}


def restore_item(match):
    """A matched workspace as fabric_workspace_restore_batch takes it: {workspace_id, new_name, admin_principal}."""
    item = {'workspace_id': match['id']}
    if match.get('new_name'):
        item['new_name'] = match['new_name']
    if match.get('admin_principal'):
        item['admin_principal'] = match['admin_principal']
    return item


def _pairing(group):
    """What drift and parity need of a group's read (its side's role, the partner region, the instance pair, the
    secondary type), or None when it was not read."""
    if not group:
        return None
    properties = group.get('properties') or {}
    return {'properties': {key: properties.get(key) for key in (
        'replicationRole', 'partnerRegions', 'managedInstancePairs', 'secondaryType')}}


def readiness(group_results, matched_workspaces, target='dr'):
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
                       'problem': result.get('msg') if result.get('failed') else None, 'pairing': _pairing(result.get('failover_group'))})
        if result.get('failed'):
            problems.append('failover group %s: %s' % (name, result.get('msg')))
            continue
        if result.get('not_moved'):  # a confirm-only run (scope.confirmed_results)
            notes.append('failover group %s: not moved (%s at %s): dr_confirm_only sends no failover'
                         % (name, result.get('role_at_target') or 'not primary', item.get('location')))
        elif result.get('moved_by_others'):
            notes.append('failover group %s: primary at %s already: moved by someone else' % (name, item.get('location')))
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
