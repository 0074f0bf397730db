# -*- coding: utf-8 -*-
# Copyright: contributors to the azure_dr.recovery collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The DR plan and a run's own options: every problem at once (``plan_problems``, ``run_problems``), the
plan's groups shaped for the side that must become primary (``plan_groups``), and the shared options each API's
modules get from ``dr_auth`` (``auth_options``)."""

from __future__ import annotations

import os
import re

from ansible_collections.azure_dr.recovery.plugins.module_utils._auth import API_SPECS, COMMON_AUTH_SPEC
from ansible_collections.azure_dr.recovery.plugins.module_utils._fabric_workspaces import PRINCIPAL_TYPES
from ansible_collections.azure_dr.recovery.plugins.module_utils._failover_groups.options import FAILOVER_MODES, location_problem
from ansible_collections.azure_dr.recovery.plugins.module_utils._validation import (
    name_problem,
    resource_group_problem,
    uuid_problem,
)


PLAN_KEYS = {'name', 'report_dir', 'allow_data_loss', 'failover_mode', 'forced_after', 'primary_read_timeout',
             'rto_target_seconds', 'failover_groups', 'fabric_workspaces', 'fabric_admin_principal', 'parity', 'drift'}


GROUP_KEYS = {'name', 'resource_group', 'primary_location', 'dr_location', 'failover_mode', 'parity'}  # one resource group for both


SIDED_GROUP_KEYS = {'name', 'primary', 'dr', 'failover_mode', 'parity'}  # each side in its own resource group and subscription


FORCING_MODES = ('forced', 'planned_then_forced')


SIDE_KEYS = {'location', 'resource_group', 'subscription_id', 'instance'}


# What a smaller instance on the side that becomes primary is (estate.py): refuse, a problem in every run; warn, a note.
PARITY_MODES = ('refuse', 'warn')


# What drift is (estate.py): a note, or a problem that stops the run.
DRIFT_MODES = ('note', 'refuse')


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


def plan_problems(plan):
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
    problems += _choice_problems(plan.get('parity'), PARITY_MODES, 'dr_plan.parity')
    problems += _choice_problems(plan.get('drift'), DRIFT_MODES, 'dr_plan.drift')
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
        problems += _choice_problems(group.get('parity'), PARITY_MODES, where + '.parity')
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
            for key in sorted(GROUP_KEYS - {'name', 'failover_mode', 'parity'}):
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
                                   uuid_problem(side.get('subscription_id'), where + '.subscription_id'),
                                   _instance_problem(side.get('instance'), where + '.instance')) if p]


# A managed instance's name, as Azure allows it.
_INSTANCE_NAME = re.compile(r'^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$')


def _instance_problem(value, where):
    if value is None or (isinstance(value, str) and _INSTANCE_NAME.match(value)):
        return None
    return ('%s must be a managed instance name (1 to 63 lowercase letters, digits and hyphens, not starting or ending '
            'with a hyphen), got %r' % (where, value))


def _choice_problems(value, choices, where):
    if value is None or value in choices:
        return []
    return ['%s must be one of %s, got %r' % (where, ', '.join(choices), value)]


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


def plan_groups(plan, target='dr', mode=None, allow_data_loss=None):
    """The plan's failover groups as the sql_mi_failover role takes them, for the side that must become primary
    (the DR side for target 'dr', the primary side for 'primary'), from either shape of the plan: {name,
    location, resource_group, subscription_id, primary_location, primary_resource_group, primary_subscription_id,
    failover_mode} ("primary_*": the other side, today's primary), keys without a value left out.

    ``failover_mode``: the run's ``mode`` (``dr_failover_mode``; ``allow_data_loss`` true means forced), else the
    group's, else the plan's (its ``allow_data_loss`` true means forced), else planned; always planned on the way
    back (target 'primary'): a failback never forces."""
    plan = plan or {}
    run_mode = mode or ('forced' if boolean(allow_data_loss) else None)
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


# A plan name as a file name: no path, nothing hidden.
_PLAN_NAME = re.compile(r'^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$')


_BOOLEAN_WORDS = {'true': True, 'yes': True, 'false': False, 'no': False}


FORCE_SUFFIX = ' WITH DATA LOSS'


def plan_path(name, directory, base):
    """The plan file of ``name``: ``<directory>/<name>.yml``, a relative directory being taken from ``base``
    (the directory ansible-playbook runs in; in AWX, the project's root).  The name may not be a path."""
    if not isinstance(name, str) or not _PLAN_NAME.match(name) or '..' in name:
        raise ValueError('dr_plan_name must be a plan name of letters, digits, dots, underscores and '
                         'hyphens (the file <dr_plan_dir>/<name>.yml), got %r' % (name,))
    return os.path.join(run_path(str(directory or 'plans'), base), name + '.yml')


def run_path(path, base):
    """``path`` as an absolute path, a relative one being taken from ``base``, the directory ansible-playbook
    runs in (in AWX, the project's root), where users keep their files; Ansible's own includes look elsewhere."""
    if not isinstance(path, str) or not path.strip():
        raise ValueError('a path must be a non-empty string, got %r' % (path,))
    return os.path.join(base, os.path.expanduser(path.strip()))


def boolean(value):
    if isinstance(value, bool):
        return value
    return _BOOLEAN_WORDS.get(str(value).strip().lower())


def run_problems(run):
    """Problems of a run's own options, before any call.  ``run``: playbook, target (dr or primary),
    rehearsal, plan_name, plan, and as given (omitted when not): allow_data_loss, failover_mode
    (``dr_failover_mode``), confirm, plan_name_asked, require_confirmation, auth (``dr_auth``), fabric_auth
    (``dr_fabric_auth``), confirm_only (``dr_confirm_only``, as a boolean) and no_go_fails (``dr_no_go_fails``).

    A real failover or failback is confirmed by typing the plan's name (``dr_confirm``): required when
    ``dr_require_confirmation`` is true (AWX job templates set it), checked whenever it is given.  A
    run that may force a failover (forced or planned_then_forced, by the run, a group or the plan) needs the
    name followed by ' WITH DATA LOSS', so that a survey's multiple choice alone cannot force one."""
    problems = _auth_problems(run.get('auth'), 'dr_auth', _shared_options('arm') | _shared_options('fabric'))
    problems += _auth_problems(run.get('fabric_auth'), 'dr_fabric_auth', _shared_options('fabric'))
    forced = False
    if 'allow_data_loss' in run and run['allow_data_loss'] is not None:
        forced = boolean(run['allow_data_loss'])
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
    if boolean(run.get('rehearsal')) and not boolean(run.get('check_mode', True)) and run.get('playbook') != 'dr_drill':
        problems.append('dr_run_rehearsal is set by the DR playbooks themselves: for a rehearsal, run %s with --check '
                        '(or run dr_drill)' % run.get('playbook'))
    live = run.get('playbook') == 'dr_drill_live'
    no_go_fails = run.get('no_go_fails', True)
    if boolean(no_go_fails) is None:
        problems.append('dr_no_go_fails must be true or false, got %r' % (no_go_fails,))
    elif live and not boolean(no_go_fails):
        problems.append('dr_no_go_fails=false does not apply to dr_drill_live: a live drill that is no go must fail')
    if live:
        problems += _live_drill_problems(run, forced or mode in FORCING_MODES)
    # A run that may force any failover (its mode, a group's or the plan's) must be confirmed as one.
    # A confirm-only run (dr_confirm_only) sends no failover at all.
    can_force = not live and not run.get('confirm_only') and run.get('target') == 'dr' and (mode in FORCING_MODES or forced or any(
        group.get('failover_mode') in FORCING_MODES for group in plan_groups(run.get('plan'), 'dr', mode, forced)))
    plan_name = run.get('plan_name')
    asked = run.get('plan_name_asked')
    if asked and plan_name and asked != plan_name:
        problems.append('dr_plan_name is %r but the plan given is named %r' % (asked, plan_name))
    if run.get('rehearsal') or run.get('playbook') == 'dr_drill':
        return problems
    expected = plan_name + (FORCE_SUFFIX if can_force else '') if plan_name else None
    confirm = run.get('confirm')
    required = live or boolean(run.get('require_confirmation', False))  # a live drill moves the estate: always confirmed
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
    groups = plan_groups(run.get('plan'), 'dr')
    if most is not None and (isinstance(most, bool) or not isinstance(most, int) or most < 1):
        problems.append('dr_drill_max_groups must be a whole number, 1 or more, got %r' % (options.get('max_groups'),))
    elif most is not None and len(groups) > most:
        problems.append('the plan has %d failover groups, more than dr_drill_max_groups (%d): a live drill fails every one '
                        'over for real; raise dr_drill_max_groups to drill them all' % (len(groups), most))
    if not groups:
        problems.append('a live drill needs failover groups in the plan (its workspaces are not part of it)')
    if boolean(options.get('fail_back_on_validation_failure', True)) is None:
        problems.append('dr_drill_fail_back_on_validation_failure must be true or false, got %r'
                        % (options['fail_back_on_validation_failure'],))
    tasks = options.get('validate_tasks')
    if tasks not in (None, ''):
        path = run_path(tasks, run.get('base', '.')) if isinstance(tasks, str) and tasks.strip() else None
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


def auth_options(auth, api, fabric_auth=None):
    """The shared options a DR run gives the modules of ``api`` (``arm`` or ``fabric``): those of
    ``dr_auth`` that apply to that API; for Fabric, ``dr_fabric_auth`` (a Fabric administrator of its
    own) over them, and no ``access_token`` from ``dr_auth`` (a token serves one API)."""
    auth = dict(auth or {})
    if api == 'fabric':
        auth.pop('access_token', None)
        auth.update(fabric_auth or {})
    allowed = _shared_options(api)
    return {name: value for name, value in auth.items() if name in allowed}
