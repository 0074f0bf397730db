# -*- coding: utf-8 -*-
# Copyright: contributors to the azure_dr.recovery collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""An emulator seed made from a DR plan (docs/dr_plan.md), so that a user rehearses their own plan offline:

    PYTHONPATH=tests python -m azure_dr_emulator --plan plans/contoso-prod.yml --state .emulator/plan-state.json

What the seed holds, for a plan in either shape (two-sided ``primary``/``dr``, or the flat ``resource_group`` +
``primary_location`` + ``dr_location``):

- every failover group with both sides, each in the subscription, resource group and location the plan names,
  primary at the plan's primary side; the managed instance of each side named by the side's ``instance`` when the
  plan gives one, else ``<group>-<region>`` (the emulator's default), both sides the same size (no parity problem);
- a side without ``subscription_id`` lives in the run's subscription (``--subscription``, printed as
  AZURE_SUBSCRIPTION_ID); a side without ``resource_group`` (the plan lets one side leave it out: the other side's
  read names it) lives beside the other side, in its resource group and, unless it names its own, its subscription;
- every workspace of the plan deleted one day ago with a retention of 7 days, so restorable: one given by id keeps
  its id (its name made up), one given by name keeps its name (its id made from the plan's name and its own);
- one tenant and one service principal (EMULATOR_IDENTITY: the same throw-away values as the demo seed's), which
  may use every subscription and the Fabric admin API; no other identity;
- the settings ``arm_async_operation: true`` (a failover's 202 carries Azure-AsyncOperation and Location, as Azure's
  does) and whatever ``settings`` the caller adds.

The plan is read as data: Jinja in ``report_dir`` is left alone (the emulator does not need it), a template in a key
the seed needs is an error.  Every problem is reported at once (PlanError), each saying which key and what it must be."""

from __future__ import annotations

import re
import uuid

# The emulator's own identity (the demo seed's throw-away values): printed for the user to export.
EMULATOR_IDENTITY = {
    'tenant': '6b7a1c2e-3f4d-4e5a-9b8c-7d6e5f4a3b2c',
    'tenant_domain': 'contoso.onmicrosoft.com',
    'client_id': '0f1e2d3c-4b5a-4697-8877-665544332211',
    'object_id': '9a8b7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d',
    'secret': 'emulator-only-secret-1',
}
# The run's subscription (AZURE_SUBSCRIPTION_ID) when the caller names none: the demo's.
DEFAULT_SUBSCRIPTION = '00000000-1111-2222-3333-444444444444'
# Workspace ids made from names: stable for one plan, so that a restarted emulator and the user's notes agree.
WORKSPACE_NAMESPACE = uuid.UUID('5d0c7e36-2f0b-4f53-9a57-3c1f0e1b7a10')
PLAN_SETTINGS = {'arm_async_operation': True}

_UUID = re.compile(r'^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$')
_LOCATION = re.compile(r'^[A-Za-z][A-Za-z0-9 ]{1,40}$')
_RESOURCE_GROUP = re.compile(r'^[-\w._()]{1,90}$')
_GROUP_NAME = re.compile(r'^[^/\\?#\s][^/\\?#]{0,62}$')
_INSTANCE = re.compile(r'^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$')


class PlanError(ValueError):
    """A plan the emulator cannot be seeded from; ``problems`` lists every problem."""

    def __init__(self, source, problems):
        self.source = source
        self.problems = problems
        super().__init__('%s cannot seed the emulator:\n  - %s' % (source, '\n  - '.join(problems)))


def load_plan(path):
    """The ``dr_plan`` mapping of a plan file (YAML); PlanError when the file is not one."""
    import yaml  # the emulator is test tooling; PyYAML comes with ansible-core

    try:
        with open(path) as handle:
            document = yaml.safe_load(handle)
    except OSError as exc:
        raise PlanError(path, ['cannot be read: %s' % exc.strerror])
    except yaml.YAMLError as exc:
        raise PlanError(path, ['is not YAML: %s' % str(exc).replace('\n', ' ')])
    if not isinstance(document, dict) or 'dr_plan' not in document:
        raise PlanError(path, ['its top key must be dr_plan (a plan as docs/dr_plan.md shows it), found %s'
                               % (', '.join(sorted(map(str, document))) if isinstance(document, dict) and document
                                  else 'no mapping')])
    return document['dr_plan']


def _is_template(value):
    return isinstance(value, str) and ('{{' in value or '{%' in value)


def _text(value, where, pattern, expected, problems, required=True):
    """``value`` when it is text matching ``pattern``, else None with a problem recorded (none when optional and absent)."""
    if value is None:
        if required:
            problems.append('%s is required (%s)' % (where, expected))
        return None
    if _is_template(value):
        problems.append('%s is a template (%r): the emulator takes the plan as plain data, give %s' % (where, value, expected))
        return None
    if not isinstance(value, str) or not pattern.match(value):
        problems.append('%s must be %s, got %r' % (where, expected, value))
        return None
    return value


LOCATION_TEXT = 'an Azure region such as "Japan East" or japaneast'
RESOURCE_GROUP_TEXT = '1 to 90 letters, digits, underscores, hyphens, periods or parentheses'
UUID_TEXT = 'a UUID such as 00000000-1111-2222-3333-444444444444'
INSTANCE_TEXT = 'a managed instance name (lowercase letters, digits and hyphens)'


def _side(side, where, problems):
    """{location, resource_group, subscription_id, instance} of one side of a two-sided group (values may be None)."""
    if not isinstance(side, dict):
        problems.append('%s must be a mapping with location and resource_group (and optionally subscription_id, '
                        'instance)' % where)
        return None
    return {
        'location': _text(side.get('location'), where + '.location', _LOCATION, LOCATION_TEXT, problems),
        'resource_group': _text(side.get('resource_group'), where + '.resource_group', _RESOURCE_GROUP, RESOURCE_GROUP_TEXT,
                                problems, required=False),
        'subscription_id': _text(side.get('subscription_id'), where + '.subscription_id', _UUID, UUID_TEXT, problems,
                                 required=False),
        'instance': _text(side.get('instance'), where + '.instance', _INSTANCE, INSTANCE_TEXT, problems, required=False),
    }


def _group_sides(group, where, problems):
    """(primary side, DR side) of a plan's group in either shape, or None when it has a problem."""
    if 'primary' in group or 'dr' in group:
        primary = _side(group.get('primary'), where + '.primary', problems)
        dr = _side(group.get('dr'), where + '.dr', problems)
        if primary and dr and not primary['resource_group'] and not dr['resource_group']:
            problems.append('%s: primary.resource_group or dr.resource_group is required (one side may be left out)' % where)
            return None
    else:
        resource_group = _text(group.get('resource_group'), where + '.resource_group', _RESOURCE_GROUP,
                               RESOURCE_GROUP_TEXT + ' (or give the two-sided shape: primary and dr)', problems)
        primary, dr = ({'location': _text(group.get(key), '%s.%s' % (where, key), _LOCATION, LOCATION_TEXT, problems),
                        'resource_group': resource_group, 'subscription_id': None, 'instance': None}
                       for key in ('primary_location', 'dr_location'))
    if not primary or not dr or not primary['location'] or not dr['location']:
        return None
    if primary['location'].replace(' ', '').lower() == dr['location'].replace(' ', '').lower():
        problems.append('%s: the primary and DR locations must be two regions, both are %r' % (where, primary['location']))
        return None
    return primary, dr


def _placed(side, other, subscription):
    """A side's subscription and resource group as the emulator seeds them (see the module's doc)."""
    if side['resource_group']:
        return side['subscription_id'] or subscription, side['resource_group']
    return side['subscription_id'] or other['subscription_id'] or subscription, other['resource_group']


def _instance_name(group, side):
    return side['instance'] or '%s-%s' % (group, side['location'].replace(' ', '').lower())


def _groups(plan, subscription, problems):
    groups, seen = [], {}
    entries = plan.get('failover_groups') or []
    if not isinstance(entries, list):
        problems.append('dr_plan.failover_groups must be a list of failover groups')
        return groups
    for index, group in enumerate(entries):
        where = 'dr_plan.failover_groups[%d]' % index
        if not isinstance(group, dict):
            problems.append('%s must be a mapping (name, and primary and dr, or resource_group, primary_location and '
                            'dr_location)' % where)
            continue
        name = _text(group.get('name'), where + '.name', _GROUP_NAME, 'a failover group name (1 to 63 characters, no /)',
                     problems)
        where = '%s (%s)' % (where, group.get('name', '?'))
        sides = _group_sides(group, where, problems)
        if not name or not sides:
            continue
        primary, dr = sides
        placed = [_placed(primary, dr, subscription), _placed(dr, primary, subscription)]
        for (sub, resource_group), side in zip(placed, sides):
            key = (sub.lower(), resource_group.lower(), side['location'].replace(' ', '').lower(), name)
            if key in seen:
                problems.append('%s: its side in %s is also the side of %s: a group is listed twice'
                                % (where, side['location'], seen[key]))
            seen[key] = where
        entry = {
            'name': name, 'primary': primary['location'],
            'sides': [{'location': side['location'], 'subscription': sub, 'resource_group': resource_group}
                      for (sub, resource_group), side in zip(placed, sides)],
        }
        if primary['instance'] or dr['instance']:
            path = '/subscriptions/%s/resourceGroups/%s/providers/Microsoft.Sql/managedInstances/%s'
            entry['managed_instances'] = {side['location']: path % (sub, resource_group, _instance_name(name, side))
                                          for (sub, resource_group), side in zip(placed, sides)}
        groups.append(entry)
    return groups


def _workspaces(plan, problems):
    entries = plan.get('fabric_workspaces') or []
    if not isinstance(entries, list):
        problems.append('dr_plan.fabric_workspaces must be a list of workspaces (each with an id or a name)')
        return []
    workspaces, ids = [], set()
    for index, workspace in enumerate(entries):
        where = 'dr_plan.fabric_workspaces[%d]' % index
        if not isinstance(workspace, dict) or bool(workspace.get('id')) == bool(workspace.get('name')):
            problems.append('%s must be a mapping with exactly one of id (a UUID) and name' % where)
            continue
        if workspace.get('id'):
            workspace_id = _text(workspace['id'], where + '.id', _UUID, UUID_TEXT, problems)
            name = 'Workspace %s' % (workspace_id or '')[:8]
        else:
            name = workspace['name']
            if not isinstance(name, str) or not name.strip() or _is_template(name):
                problems.append('%s.name must be the name of a workspace, got %r' % (where, name))
                continue
            workspace_id = str(uuid.uuid5(WORKSPACE_NAMESPACE, '%s/%s' % (plan.get('name'), name.lower())))
        if workspace_id and workspace_id.lower() not in ids:
            ids.add(workspace_id.lower())
            workspaces.append({'id': workspace_id, 'name': name, 'type': 'Workspace', 'state': 'Deleted',
                               'deleted_days_ago': 1, 'retention_days': 7})
    return workspaces


def seed_from_plan(plan, subscription=DEFAULT_SUBSCRIPTION, settings=None, source='the plan'):
    """The emulator seed (see seeds/demo.yml for the format) of the plan ``plan`` (the mapping under ``dr_plan``).
    ``subscription``: the run's subscription, for sides that name none.  PlanError lists every problem."""
    problems = []
    if not isinstance(plan, dict):
        raise PlanError(source, ['dr_plan must be a mapping (name, failover_groups, fabric_workspaces...), got %r' % (plan,)])
    if not isinstance(plan.get('name'), str) or not plan['name'].strip() or _is_template(plan['name']):
        problems.append('dr_plan.name is required: the plan\'s name, as text')
    if not _UUID.match(str(subscription)):
        problems.append('the run\'s subscription (--subscription) must be %s, got %r' % (UUID_TEXT, subscription))
    groups = _groups(plan, subscription, problems)
    workspaces = _workspaces(plan, problems)
    if not problems and not groups and not workspaces:
        problems.append('dr_plan needs failover_groups or fabric_workspaces: there is nothing to seed')
    if problems:
        raise PlanError(source, problems)
    identity = EMULATOR_IDENTITY
    subscriptions = [subscription]
    for group in groups:
        for side in group['sides']:
            if side['subscription'].lower() not in [known.lower() for known in subscriptions]:
                subscriptions.append(side['subscription'])
    return {
        'settings': dict(PLAN_SETTINGS, **(settings or {})),
        'tenants': [{'id': identity['tenant'], 'domains': [identity['tenant_domain']]}],
        'clients': [{'client_id': identity['client_id'], 'object_id': identity['object_id'], 'tenant': identity['tenant'],
                     'name': 'dr-automation', 'secret': identity['secret']}],
        'subscriptions': [{'id': sub, 'display_name': '%s (emulated) %d' % (plan['name'], number),
                           'principals': [identity['client_id']]} for number, sub in enumerate(subscriptions, 1)],
        'fabric_admins': [identity['client_id']],
        'failover_groups': groups,
        'workspaces': workspaces,
    }


def environment(base_url, ca_path, subscription=DEFAULT_SUBSCRIPTION):
    """What a client of the seeded emulator exports: the emulator's own service principal (throw-away values),
    the run's subscription, where the emulator is and its CA."""
    return {
        'AZURE_CLIENT_ID': EMULATOR_IDENTITY['client_id'],
        'AZURE_SECRET': EMULATOR_IDENTITY['secret'],
        'AZURE_TENANT': EMULATOR_IDENTITY['tenant'],
        'AZURE_SUBSCRIPTION_ID': subscription,
        'AZURE_AUTHORITY_HOST': base_url,
        'AZURE_ARM_ENDPOINT': base_url,
        'FABRIC_API_ENDPOINT': base_url,
        'REQUESTS_CA_BUNDLE': ca_path,
    }


def summary(seed):
    """One line: what the seed holds."""
    def counted(number, what):
        return '%d %s%s' % (number, what, '' if number == 1 else 's')
    return '%s (%s) in %s, %s' % (
        counted(len(seed['failover_groups']), 'failover group'), counted(2 * len(seed['failover_groups']), 'managed instance'),
        counted(len(seed['subscriptions']), 'subscription'), counted(len(seed['workspaces']), 'deleted workspace'))
