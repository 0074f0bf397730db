# -*- coding: utf-8 -*-
# Copyright: contributors to the azure_dr.recovery collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The estate around a plan, as readiness sees it: drift (what the plan no longer matches) and parity (whether the
instance that becomes primary can carry its partner's load), from the check-mode read of every group of the plan
and one read of the managed instances and failover groups of the subscriptions the plan covers
(``managed_instance_info`` with ``failover_groups``)."""

from __future__ import annotations

from ansible_collections.azure_dr.recovery.plugins.module_utils._managed_instances import parse_instance_id
from ansible_collections.azure_dr.recovery.plugins.plugin_utils._dr_run.plan import group_sides
from ansible_collections.azure_dr.recovery.plugins.plugin_utils._dr_run.scope import left_out_names, whole_plan

# Tiers from the least to the most capable: a DR instance on a lower tier cannot carry its primary's load.
TIER_RANK = {'generalpurpose': 1, 'businesscritical': 2}

DRILLS = ('dr_drill', 'dr_drill_live')


# What parity compares, in the report's order: (key of managed_instance_info's return, label).
COMPARED = (('tier', 'tier'), ('family', 'hardware'), ('v_cores', 'vCores'), ('storage_size_in_gb', 'storage (GB)'),
            ('license_type', 'license'), ('backup_storage_redundancy', 'backup redundancy'),
            ('zone_redundant', 'zone redundant'), ('maintenance_configuration_id', 'maintenance'))


def region_key(location):
    return str(location or '').replace(' ', '').lower()


def _lower(value):
    return str(value or '').lower()


def instance_where(instance_id):
    """``(subscription_id, resource_group, name)`` of a managed instance's id, or None."""
    where = parse_instance_id(instance_id)
    return where if where[0] else None


def pair_of(group):
    """The two instance ids a failover group names: (today's primary's, its partner's)."""
    pair = (((group or {}).get('properties') or {}).get('managedInstancePairs') or [{}])[0] or {}
    return pair.get('primaryManagedInstanceId'), pair.get('partnerManagedInstanceId')


def side_instances(group, read_at, instances):
    """The instance of each side of ``group`` (read at the region ``read_at``): {region key: {id, name, subscription_id,
    resource_group, instance}}, ``instance`` being its entry in ``instances`` (by lowercase id) or None when it was
    not read.  A side is placed by its instance's location when read, else by the role of the region read."""
    properties = (group or {}).get('properties') or {}
    primary_id, partner_id = pair_of(group)
    partner_region = ((properties.get('partnerRegions') or [{}])[0] or {}).get('location')
    here_is_primary = properties.get('replicationRole') == 'Primary'
    sides = {}
    for instance_id, on_read_side in ((primary_id, here_is_primary), (partner_id, not here_is_primary)):
        where = instance_where(instance_id)
        if not where:
            continue
        found = instances.get(_lower(instance_id))
        region = region_key(found['location']) if found else region_key(read_at if on_read_side else partner_region)
        sides[region] = {'id': instance_id, 'subscription_id': where[0], 'resource_group': where[1], 'name': where[2],
                         'instance': found}
    return sides


def _plan_sides(plan):
    """Each plan group's sides as written: {group name (lowercase): {region key: side}}."""
    sides = {}
    for group in plan.get('failover_groups') or []:
        primary, dr = group_sides(group)
        sides[_lower(group.get('name'))] = {region_key(primary['location']): dict(primary, role='primary'),
                                            region_key(dr['location']): dict(dr, role='dr')}
    return sides


def _read_sides(result):
    """The sides of a group as readiness read them (resolved: every subscription named)."""
    sides = result.get('sides') or {}
    return [side for side in (sides.get('target'), sides.get('primary')) if side]


def estate_scopes(plan, default_subscription=None):
    """The subscriptions a plan covers, once each, as managed_instance_info's ``scopes``: a side without
    subscription_id is in the run's, ``default_subscription`` (when it is not known here, a scope without one)."""
    subscriptions = sorted({_lower(side.get('subscription_id') or default_subscription)
                            for group in (plan or {}).get('failover_groups') or [] for side in group_sides(group)})
    return [{'subscription_id': subscription} if subscription else {} for subscription in subscriptions]


def covered(group_results):
    """The (subscription, region) pairs the plan covers: where its groups' sides were read."""
    return {(_lower(side.get('subscription_id')), region_key(side.get('location')))
            for result in group_results or [] for side in _read_sides(result) if side.get('subscription_id')}


def drift(plan, group_results, estate, default_subscription=None):
    """What the plan no longer matches, each ``{group, kind, message}``: ``unprotected`` (a failover group in a
    subscription and region the plan covers that it does not name), ``side_moved`` (a side of a plan's group whose
    resource group or subscription is not where the group lives now), ``partner_changed`` (a side whose instance is
    not the one the plan names)."""
    estate = estate or {}
    listed = estate.get('failover_groups') or []
    instances = {_lower(instance.get('id')): instance for instance in estate.get('managed_instances') or []}
    planned = _plan_sides(plan or {})
    areas = covered(group_results)
    findings = []
    known = set()  # (name, region, subscription, resource group) of every side of the plan's groups
    for name, sides in planned.items():
        for region, side in sides.items():
            known.add((name, region, _lower(side.get('subscription_id') or default_subscription), _lower(side.get('resource_group'))))
    for result in group_results or []:
        name = _lower((result.get('item') or {}).get('name'))
        for side in _read_sides(result):
            known.add((name, region_key(side.get('location')), _lower(side.get('subscription_id')), _lower(side.get('resource_group'))))
    seen = set()
    for group in sorted(listed, key=lambda g: (_lower(g.get('name')), _lower(g.get('id')))):
        name, region = _lower(group.get('name')), region_key(group.get('location'))
        where = (_lower(group.get('subscription_id')), region)
        if where not in areas:
            continue
        scope = (name, region, _lower(group.get('subscription_id')), _lower(group.get('resource_group')))
        if name in planned:
            side = planned[name].get(region)
            moved = side is not None and scope not in known
            if moved:
                findings.append({'group': group.get('name'), 'kind': 'side_moved', 'message': (
                    'failover group %s: the plan puts its %s side (%s) in resource group %s of subscription %s; it lives in '
                    'resource group %s of subscription %s now' % (
                        group.get('name'), side['role'], group.get('location'), side.get('resource_group') or '(the other side\'s)',
                        side.get('subscription_id') or default_subscription or '(the run\'s)', group.get('resource_group'),
                        group.get('subscription_id')))})
            continue
        identity = (name, frozenset(_lower(instance_id) for instance_id in pair_of(group) if instance_id))
        if identity in seen:  # listed from both of its sides
            continue
        seen.add(identity)
        findings.append({'group': group.get('name'), 'kind': 'unprotected', 'message': (
            'failover group %s (%s, resource group %s, subscription %s) is not protected by this plan' % (
                group.get('name'), group.get('location'), group.get('resource_group'), group.get('subscription_id')))})
    for result in group_results or []:
        name = _lower((result.get('item') or {}).get('name'))
        read = result.get('failover_group')
        target = (result.get('sides') or {}).get('target') or {}
        if not read or name not in planned:
            continue
        for region, instance in side_instances(read, target.get('location'), instances).items():
            side = planned[name].get(region) or {}
            if side.get('instance') and _lower(side['instance']) != _lower(instance['name']):
                findings.append({'group': (result.get('item') or {}).get('name'), 'kind': 'partner_changed', 'message': (
                    'failover group %s: the plan names instance %s for its %s side; the group pairs %s there now' % (
                        (result.get('item') or {}).get('name'), side['instance'], side['role'], instance['name']))})
    return findings


def _sizes(side):
    instance = side.get('instance') if side else None
    shown = {'name': side.get('name') if side else None, 'id': side.get('id') if side else None,
             'resource_group': side.get('resource_group') if side else None,
             'subscription_id': side.get('subscription_id') if side else None, 'read': bool(instance)}
    for key, _label in COMPARED:
        shown[key] = (instance or {}).get(key)
    return shown


def smaller_than(target, source):
    """How the instance that becomes primary is smaller than the one it takes over from: [text]."""
    found = []
    for key, label in (('v_cores', 'vCores'), ('storage_size_in_gb', 'storage (GB)')):
        if isinstance(target.get(key), (int, float)) and isinstance(source.get(key), (int, float)) and target[key] < source[key]:
            found.append('%s %s < %s' % (label, target[key], source[key]))
    ranks = TIER_RANK.get(_lower(target.get('tier'))), TIER_RANK.get(_lower(source.get('tier')))
    if None not in ranks and ranks[0] < ranks[1]:
        found.append('tier %s < %s' % (target.get('tier'), source.get('tier')))
    return found


def parity_mode(plan, group):
    """``refuse``, ``warn`` or None (the default: a problem in the drills, a loud note in a failover or failback)."""
    return (group or {}).get('parity') or (plan or {}).get('parity')


def parity(plan, group_results, estate, playbook, target='dr'):
    """Both instances of every group of the plan side by side: [{group, primary, dr, target, differences, smaller,
    secondary_type, verdict (problem, note or ok), message}].  ``smaller``: how the instance that becomes primary
    (``target``: the plan's dr side, or its primary on a failback) is smaller than its partner."""
    instances = {_lower(instance.get('id')): instance for instance in (estate or {}).get('managed_instances') or []}
    planned = {_lower(group.get('name')): group for group in (plan or {}).get('failover_groups') or []}
    plan_sides = _plan_sides(plan or {})
    entries = []
    for result in group_results or []:
        name = (result.get('item') or {}).get('name')
        read = result.get('failover_group')
        sides = result.get('sides') or {}
        if not read or result.get('failed'):
            continue
        by_region = side_instances(read, (sides.get('target') or {}).get('location'), instances)
        roles = {}
        for region, side in (plan_sides.get(_lower(name)) or {}).items():
            roles[side['role']] = by_region.get(region)
        primary, dr = _sizes(roles.get('primary')), _sizes(roles.get('dr'))
        becoming, other = (dr, primary) if target == 'dr' else (primary, dr)
        differences = [label for key, label in COMPARED if primary['read'] and dr['read'] and primary.get(key) != dr.get(key)]
        smaller = smaller_than(becoming, other) if primary['read'] and dr['read'] else []
        secondary_type = ((read.get('properties') or {}).get('secondaryType'))
        mode = parity_mode(plan, planned.get(_lower(name)))
        if not smaller:
            verdict = 'ok'
        elif mode == 'refuse' or (mode != 'warn' and playbook in DRILLS):
            verdict = 'problem'
        else:
            verdict = 'note'
        message = None
        if smaller:
            message = 'failover group %s: the %s instance %s is smaller than %s (%s)%s' % (
                name, 'DR' if target == 'dr' else 'primary', becoming['name'], other['name'], ', '.join(smaller),
                _parity_advice(verdict, mode, playbook))
        entries.append({'group': name, 'primary': primary, 'dr': dr, 'target': target, 'differences': differences,
                        'smaller': smaller, 'secondary_type': secondary_type, 'verdict': verdict, 'message': message})
    return entries


def _parity_advice(verdict, mode, playbook):
    if verdict == 'problem':
        return ('; parity: refuse in the plan' if mode == 'refuse' else
                '; a drill must find this: scale the DR instance up first (or mark the group parity: warn)')
    if mode == 'warn':
        return ' (parity: warn in the plan)'
    return '; PARITY: the load lands on a smaller instance (%s goes on: during an outage a smaller database beats none)' % playbook


def estate_notes(drift_findings, parity_entries, drift_mode=None):
    """(problems, notes) of readiness from drift and parity: drift is a note unless the plan says ``drift: refuse``;
    parity as its verdicts say; a different maintenance configuration and a Standby DR side are notes."""
    problems, notes = [], []
    for finding in drift_findings or []:
        (problems if drift_mode == 'refuse' else notes).append('drift: %s' % finding['message'])
    for entry in parity_entries or []:
        if entry['verdict'] == 'problem':
            problems.append('parity: %s' % entry['message'])
        elif entry['verdict'] == 'note':
            notes.append('parity: %s' % entry['message'])
        others = [label for label in entry['differences'] if label not in ('vCores', 'storage (GB)', 'tier', 'maintenance')]
        if others:
            notes.append('parity: failover group %s: the two instances differ in %s' % (entry['group'], ', '.join(others)))
        if 'maintenance' in entry['differences']:
            notes.append('parity: failover group %s: the two instances have different maintenance configurations (as '
                         'Microsoft advises when the regions are not an Azure region pair)' % entry['group'])
        if _lower(entry.get('secondary_type')) == 'standby':
            notes.append('parity: failover group %s: its DR side is a Standby replica (license-free, for DR only: it must '
                         'not carry a read workload before a failover)' % entry['group'])
    return problems, notes


def estate_decides(plan, playbook):
    """Whether drift or parity can stop this run (a problem): in the drills, or with refuse in the plan.  Only then
    does readiness wait for the estate read; otherwise it runs beside the failovers, and its notes join the report."""
    plan = plan or {}
    return playbook in DRILLS or plan.get('parity') == 'refuse' or plan.get('drift') == 'refuse' or any(
        isinstance(group, dict) and group.get('parity') == 'refuse' for group in plan.get('failover_groups') or [])


def results_of(readiness_groups):
    """The groups of a run's readiness (readiness.readiness's ``groups``) in the shape of the check-mode batch's
    results, as drift and parity take them."""
    return [{'item': {'name': group.get('name'), 'location': group.get('location')}, 'failed': bool(group.get('problem')),
             'failover_group': group.get('pairing'),
             'sides': {'target': group.get('target_side'), 'primary': group.get('primary_side')}}
            for group in readiness_groups or []]


def fold_estate(record, found, outcome):
    """Drift and parity of ``outcome`` (managed_instance_info's result) into ``found`` (the run's readiness: its notes,
    its ``drift`` and ``parity``); returns their problems.  An estate that could not be read is a note: it must not
    stop a failover in an outage."""
    if outcome.get('failed'):
        found['notes'].append('drift and parity were not checked: the managed instances could not be read: %s' % outcome.get('msg'))
        found.update(drift=None, parity=None)
        return []
    plan = record['plan']
    found['notes'] += ['drift and parity: %s of subscription %s could not be read, and are not checked: %s' % (
        'the failover groups at %s of resource group %s' % (scope['location'], scope.get('resource_group')) if scope.get('location')
        else 'the instances of resource group %s' % scope['resource_group'] if scope.get('resource_group') else 'the instances',
        scope.get('subscription_id'), scope.get('msg')) for scope in outcome.get('unreadable') or []]
    results = results_of(found.get('groups'))
    # A group that this run's scope left out (dr_only_groups) is still the plan's: not drift, and not this run's.
    left_out = {_lower(name) for name in left_out_names(record)[0]}
    found['drift'] = [finding for finding in drift(whole_plan(record), results, outcome)
                      if _lower(finding['group']) not in left_out]
    found['parity'] = parity(plan, results, outcome, record['playbook'], record['target'])
    problems, notes = estate_notes(found['drift'], found['parity'], plan.get('drift'))
    found['notes'] += notes
    return problems


def estate_worker_args(record, default_subscription=None):
    """managed_instance_info's options for the estate around the run's plan (besides the shared ones)."""
    return dict(scopes=estate_scopes(record['plan'], default_subscription), failover_groups=True,
                region_read_timeout=record['options']['primary_read_timeout'])
