# -*- coding: utf-8 -*-
# Copyright: contributors to the azure_dr.recovery collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""A DR plan from the estate (``dr_plan_discover``): every instance failover group found with both of its sides, the
Fabric workspaces that the user's filters pick, the plan as a commented YAML file in the two-sided shape, and what
differs from the plan already there."""

from __future__ import annotations

import fnmatch
import json

from ansible_collections.azure_dr.recovery.plugins.plugin_utils._dr_run.estate import (
    smaller_than,
    instance_where,
    pair_of,
    region_key,
    side_instances,
)
from ansible_collections.azure_dr.recovery.plugins.plugin_utils._dr_run.plan import group_sides

WORKSPACE_FILTERS = ('capacity_id', 'domain_id', 'name')


def _lower(value):
    return str(value or '').lower()


def _display_names(groups):
    """Region display names ('Japan West') by region key, from what ARM says of the partner regions."""
    names = {}
    for group in groups:
        for region in ((group.get('properties') or {}).get('partnerRegions') or []):
            if region.get('location') and ' ' in region['location']:
                names[region_key(region['location'])] = region['location']
    return names


def discovered_groups(groups, instances):
    """Every failover group of the listings ``groups`` (each listed at one side, with the ``subscription_id``,
    ``resource_group`` and ``location`` of its listing) with both sides: [{name, primary, dr, failover_policy,
    grace_minutes, secondary_type, instances: {primary, dr}}], primary being today's primary side.  A group seen
    from both sides is one group; sorted by name."""
    by_id = {_lower(instance.get('id')): instance for instance in instances or []}
    names = _display_names(groups or [])
    found = {}
    for group in groups or []:
        identity = (_lower(group.get('name')), frozenset(_lower(i) for i in pair_of(group) if i))
        found.setdefault(identity, group)
    result = []
    for (_name, _pair), group in sorted(found.items(), key=lambda entry: (entry[0][0], sorted(entry[0][1]))):
        properties = group.get('properties') or {}
        primary_id, partner_id = pair_of(group)
        sides = side_instances(group, group.get('location'), by_id)
        by_instance = {_lower(side['id']): (region, side) for region, side in sides.items()}
        entry = {'name': group.get('name'), 'failover_policy': (properties.get('readWriteEndpoint') or {}).get('failoverPolicy'),
                 'grace_minutes': (properties.get('readWriteEndpoint') or {}).get('failoverWithDataLossGracePeriodMinutes'),
                 'secondary_type': properties.get('secondaryType'), 'instances': {}}
        for role, instance_id in (('primary', primary_id), ('dr', partner_id)):
            region, side = by_instance.get(_lower(instance_id), (None, None))
            where = instance_where(instance_id)
            if side is None or where is None:
                entry = None
                break
            entry[role] = {'location': names.get(region, (side['instance'] or {}).get('location') or region),
                           'resource_group': where[1], 'subscription_id': where[0], 'instance': where[2]}
            entry['instances'][role] = side['instance']
        if entry is not None:
            instances = entry['instances']
            entry['smaller'] = smaller_than(instances['dr'], instances['primary']) if instances['dr'] and instances['primary'] else []
            result.append(entry)
    return result


def _values(value):
    if value is None:
        return []
    return [str(item) for item in (value if isinstance(value, list) else [value])]


def workspace_filter_problems(filters):
    """Problems of ``dr_discover_workspaces``: a mapping of capacity_id, domain_id and name (a pattern such as
    'Sales*'), each one value or a list."""
    if filters is None:
        return []
    if not isinstance(filters, dict):
        return ['dr_discover_workspaces must be a mapping with capacity_id, domain_id or name (each one value or a list), '
                'got %r' % (filters,)]
    problems = ['dr_discover_workspaces: unknown key %r (allowed: %s)' % (key, ', '.join(WORKSPACE_FILTERS))
                for key in sorted(set(filters) - set(WORKSPACE_FILTERS))]
    if not any(_values(filters.get(key)) for key in WORKSPACE_FILTERS):
        problems.append('dr_discover_workspaces needs capacity_id, domain_id or name')
    return problems


def picked_workspaces(listing, filters):
    """The workspaces of the admin listing that the filters pick (any filter that matches; a name by pattern,
    case-insensitive), personal ones left out, sorted by name: the workspaces to protect."""
    if not filters:
        return []
    capacities = {_lower(value) for value in _values(filters.get('capacity_id'))}
    domains = {_lower(value) for value in _values(filters.get('domain_id'))}
    patterns = [_lower(value) for value in _values(filters.get('name'))]
    picked = []
    for workspace in listing or []:
        if _lower(workspace.get('type')) == 'personal':
            continue
        if _lower(workspace.get('capacityId')) in capacities or _lower(workspace.get('domainId')) in domains or any(
                fnmatch.fnmatchcase(_lower(workspace.get('name')), pattern) for pattern in patterns):
            picked.append(workspace)
    return sorted(picked, key=lambda workspace: (_lower(workspace.get('name')), _lower(workspace.get('id'))))


def discovered_plan(name, groups, workspaces):
    """The plan (as ``dr_plan`` holds it) of the discovered groups and picked workspaces."""
    plan = {'name': name, 'failover_groups': [
        dict({'name': group['name'], 'primary': dict(group['primary']), 'dr': dict(group['dr'])},
             **({'parity': 'warn'} if group.get('smaller') else {})) for group in groups]}
    if workspaces:
        plan['fabric_workspaces'] = [{'id': workspace.get('id')} for workspace in workspaces]
    return plan


def _scalar(value):
    return json.dumps(value)  # a JSON string is a YAML string, quoted wherever YAML needs it


def _size(instance):
    if not instance:
        return 'not read'
    return '%s %s, %s vCores, %s GB, %s, backup %s%s' % (
        instance.get('tier'), instance.get('family'), instance.get('v_cores'), instance.get('storage_size_in_gb'),
        instance.get('license_type'), instance.get('backup_storage_redundancy'),
        ', zone redundant' if instance.get('zone_redundant') else '')


def plan_yaml(name, groups, workspaces, origin):
    """The plan file: YAML in the two-sided shape, each group with its failover policy, secondary type and the
    instances' sizes as comments, each workspace with its name.  ``origin``: a line that says where it came from."""
    lines = ['---', '# DR plan %s, discovered by azure_dr.recovery.dr_plan_discover %s.' % (name, origin),
             '# Review it before use: docs/dr_plan.md explains every key (failover_mode, parity, drift, rto_target_seconds...).',
             '# %d failover group(s), %d Fabric workspace(s).' % (len(groups), len(workspaces)),
             'dr_plan:', '  name: %s' % _scalar(name)]
    if groups:
        lines.append('  failover_groups:')
    for group in groups:
        policy = group.get('failover_policy') or 'unknown'
        if group.get('grace_minutes') is not None:
            policy += ' (grace period %s min)' % group['grace_minutes']
        lines.append('    # failover policy %s, secondary type %s' % (policy, group.get('secondary_type') or 'unknown'))
        for role in ('primary', 'dr'):
            side = group[role]
            lines.append('    # %s instance %s: %s' % ('primary' if role == 'primary' else 'DR', side['instance'],
                                                       _size(group['instances'].get(role))))
        if group.get('smaller'):
            lines.append('    # PARITY: the DR instance is smaller than its primary (%s). "parity: warn" keeps the drills a go' % (
                ', '.join(group['smaller'])))
            lines.append('    # (a note in every run) while you scale it up; remove it then, and a drill finds any such gap again.')
        lines.append('    - name: %s' % _scalar(group['name']))
        for role in ('primary', 'dr'):
            side = group[role]
            lines.append('      %s:' % role)
            for key in ('location', 'resource_group', 'subscription_id', 'instance'):
                lines.append('        %s: %s' % (key, _scalar(side[key])))
        if group.get('smaller'):
            lines.append('      parity: "warn"')
    if workspaces:
        lines.append('  fabric_workspaces:')
        for workspace in workspaces:
            lines.append('    - id: %s  # %s' % (_scalar(workspace.get('id')), ' '.join(
                str(workspace.get('name') or '').splitlines()) or 'no name'))
        lines.append('  # Administrator of each restored workspace that names none (optional):')
        lines.append('  # fabric_admin_principal: {id: 00000000-0000-0000-0000-000000000000, type: User}')
    return '\n'.join(lines) + '\n'


def _sides_of(group):
    primary, dr = group_sides(group)
    return {'primary': primary, 'dr': dr}


def plan_changes(old, new, default_subscription=None, workspace_names=None):
    """What differs between the plan on disk ``old`` and the discovered ``new`` (both as ``dr_plan`` holds them):
    sentences, [] when they name the same groups and workspaces the same way.  ``workspace_names``: the name of each
    workspace of ``new`` by lowercase id, so that a workspace the old plan names by name is matched."""
    changes = []
    old_groups = {_lower(group.get('name')): group for group in (old or {}).get('failover_groups') or [] if isinstance(group, dict)}
    new_groups = {_lower(group.get('name')): group for group in (new or {}).get('failover_groups') or []}
    for name in sorted(set(new_groups) - set(old_groups)):
        changes.append('+ failover group %s: in the estate, not in the plan' % new_groups[name]['name'])
    for name in sorted(set(old_groups) - set(new_groups)):
        changes.append('- failover group %s: in the plan, not found in the estate' % old_groups[name].get('name'))
    for name in sorted(set(old_groups) & set(new_groups)):
        before, after = _sides_of(old_groups[name]), _sides_of(new_groups[name])
        for role in ('primary', 'dr'):
            for key in ('location', 'resource_group', 'subscription_id', 'instance'):
                was, now = before[role].get(key), after[role].get(key)
                if key == 'subscription_id':
                    was = was or default_subscription
                if key == 'location':
                    same = region_key(was) == region_key(now)
                else:
                    same = was is None and key in ('instance', 'subscription_id') or _lower(was) == _lower(now)
                if not same:
                    changes.append('~ failover group %s: %s.%s %s -> %s' % (new_groups[name]['name'], role, key, was, now))
    old_ids = {_lower(w.get('id')) for w in (old or {}).get('fabric_workspaces') or [] if isinstance(w, dict) and w.get('id')}
    old_names = {_lower(w.get('name')) for w in (old or {}).get('fabric_workspaces') or [] if isinstance(w, dict) and w.get('name')}
    names = {_lower(key): _lower(value) for key, value in (workspace_names or {}).items()}
    new_ids = {_lower(w.get('id')) for w in (new or {}).get('fabric_workspaces') or []}
    changes += ['+ workspace %s: picked by dr_discover_workspaces, not in the plan' % workspace_id
                for workspace_id in sorted(new_ids - old_ids) if names.get(workspace_id) not in old_names]
    changes += ['- workspace %s: in the plan, not picked by dr_discover_workspaces' % workspace_id
                for workspace_id in sorted(old_ids - new_ids)]
    changes += ['- workspace %s (by name): in the plan, not picked by dr_discover_workspaces' % name
                for name in sorted(old_names - {names.get(workspace_id) for workspace_id in new_ids})]
    return changes
