# -*- coding: utf-8 -*-
# Copyright: contributors to the azure_dr.recovery collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The emulator's state: settings, identities, failover groups and workspaces, seeded from a
YAML/JSON file and persisted to a JSON state file after every change, so that a restarted emulator
continues a failover that was in progress (its end time is wall-clock time in the state).

A seeded failover group may also set ``replication_state`` (CATCH_UP, SEEDING: failovers refused,
SUSPENDED), ``failover_policy`` (Automatic, Manual), ``secondary_type`` (Geo, Standby),
``busy_seconds_after_failover`` (overrides the post_failover_busy_seconds setting), ``failover_seconds``
and ``grace_period_minutes``, and the counts ``failover_polls`` and ``busy_requests_after_failover``.
Regional outages and failover holds (see control.py) are runtime state, like faults: not persisted,
cleared by reset.

Managed instances come from the seed's ``managed_instances`` (``name``, ``subscription``, ``resource_group``,
``location`` and the sizes of INSTANCE_SIZE_KEYS); every instance a failover group names that the seed does not
list is made with INSTANCE_DEFAULTS in its side's subscription, resource group and location.  A subscription may
set ``display_name``, ``state`` (default Enabled), ``tenant`` (default the first tenant's), ``tags``, and
``readable: false``: its principals see it listed but every read of its resources answers 403.

Timed states are measured in wall-clock seconds (for rehearsals and ``make demo``) or, when a count is
set, in requests, which tests use so that no answer depends on how fast the machine is:

- a failover with a count (``failover_polls``, per group or as a setting; the group's wins) answers
  "running" to that many requests that ask about it: polls of its operation (Location or
  Azure-AsyncOperation) and failovers of its group refused busy because it runs.  The next request of
  any kind finds it ended.  A count makes the seconds of that failover irrelevant.
- a held failover (POST /_emulator/failover-holds) answers "running" whatever its count or seconds say,
  until it is released; released, it ends at the next request.
- after a failover succeeded, the group answers busy (409) while either window lasts: the seconds
  (``busy_seconds_after_failover`` / ``post_failover_busy_seconds``) or the count of failover requests
  (``busy_requests_after_failover`` / ``post_failover_busy_requests``), each busy answer using one; and
  all the time while group-state ``busy`` is true (until set false).
- a planned failover whose partner region is out fails after ``planned_failover_timeout_polls`` polls
  when that is set, else after ``planned_failover_timeout_seconds``.
- a Fabric restore operation ends after ``fabric_operation_polls`` polls of its status when that is
  set, else after ``fabric_operation_seconds``."""

from __future__ import annotations

import copy
import hashlib
import json
import os
import re
import secrets
import tempfile
import threading
import time
import uuid

DEFAULT_SETTINGS = {
    'token_lifetime': 3600,  # seconds a token is valid (expires_in)
    'failover_seconds': 10.0,  # how long an emulated failover takes
    'failover_polls': None,  # if set: a failover answers running to this many polls (and busy refusals), then ends
    'arm_retry_after': 1,  # Retry-After of ARM long-running operation answers
    'arm_async_operation': False,  # also send Azure-AsyncOperation (else only Location)
    # api-versions of Microsoft.Sql calls answered besides 2025-01-01 (any other: 400 InvalidApiVersionParameter): the
    # Azure CLI's (its azure-mgmt-sql, in azure-cli 2.8x, sends 2024-11-01-preview for instance failover groups).
    'arm_client_api_versions': ['2024-11-01-preview'],
    'arm_page_size': 50,  # subscriptions, managed instances, failover groups per ARM list page (nextLink beyond)
    'fabric_page_size': 100,  # workspaces per list page (continuationToken beyond)
    'restore_limit': 10,  # restore calls per caller per restore_window
    'restore_window': 60.0,
    'read_limit': 200,  # get + list calls per caller per read_window
    'read_window': 3600.0,
    'fabric_restore_async': False,  # answer restore with 202 and a Fabric operation
    'fabric_operation_seconds': 2.0,
    'fabric_operation_polls': None,  # if set: a restore operation answers Running to this many polls, then ends
    'fabric_retry_after': 1,
    'outage_retry_after': 5,  # Retry-After of the 503 of a region out in mode 'unavailable'
    'outage_hang_seconds': 120,  # how long a request to a region out in mode 'timeout' is held unanswered
    'planned_failover_timeout_seconds': 30,  # a planned failover whose partner region is out fails after this
    'planned_failover_timeout_polls': None,  # if set: ... fails after this many polls instead
    'post_failover_busy_seconds': 0,  # failovers answer busy (409) this long after a failover succeeded
    'post_failover_busy_requests': 0,  # and the next this many failover requests answer busy (409)
    'busy_retry_after': 1,  # Retry-After of that busy answer
    # An authentication context (acrs) ARM asks for with a claims challenge when a token lacks it (None: never).
    'arm_required_acrs': None,
    'arm_audiences': ['https://management.azure.com', 'https://management.core.windows.net',
                      'https://management.usgovcloudapi.net', 'https://management.chinacloudapi.cn'],
    'fabric_audience': 'https://api.fabric.microsoft.com',
}

AZURE_CLI_CLIENT_ID = '04b07795-8ddb-461a-bbee-02f9e1bf7b46'

# Seed keys of a failover group and their defaults (None: the setting of the same meaning applies).
GROUP_DEFAULTS = {
    'replication_state': 'CATCH_UP',
    'failover_policy': 'Automatic',
    'secondary_type': 'Geo',
    'failover_seconds': None,
    'busy_seconds_after_failover': None,
    'failover_polls': None,
    'busy_requests_after_failover': None,
    'grace_period_minutes': 480,
}
# The values ARM shows (FailoverGroupReplicationState, InstanceFailoverGroupReadWriteEndpoint, SecondaryInstanceType).
GROUP_CHOICES = {
    'replication_state': ('CATCH_UP', 'SEEDING', 'SUSPENDED'),
    'failover_policy': ('Automatic', 'Manual'),
    'secondary_type': ('Geo', 'Standby'),
}

# Sizes of a managed instance (seed keys, and the control call that resizes one), their defaults and choices.
INSTANCE_SIZE_KEYS = ('sku_name', 'tier', 'family', 'vcores', 'storage_gb', 'license_type', 'zone_redundant',
                      'backup_redundancy', 'maintenance_configuration_id')
INSTANCE_DEFAULTS = {'tier': 'GeneralPurpose', 'family': 'Gen5', 'vcores': 8, 'storage_gb': 256,
                     'license_type': 'LicenseIncluded', 'zone_redundant': False, 'backup_redundancy': 'Geo'}
INSTANCE_CHOICES = {
    'tier': ('GeneralPurpose', 'BusinessCritical'),
    'license_type': ('LicenseIncluded', 'BasePrice'),
    'backup_redundancy': ('Geo', 'Local', 'Zone', 'GeoZone'),
}
SKU_PREFIXES = {'GeneralPurpose': 'GP', 'BusinessCritical': 'BC'}  # GP_Gen5 is GeneralPurpose, family Gen5
DEFAULT_MAINTENANCE = '/subscriptions/%s/providers/Microsoft.Maintenance/publicMaintenanceConfigurations/SQL_Default'
INSTANCE_ID = re.compile(r'^/subscriptions/(?P<subscription>[^/]+)/resourceGroups/(?P<resource_group>[^/]+)'
                         r'/providers/Microsoft\.Sql/managedInstances/(?P<name>[^/]+)$', re.IGNORECASE)
SUBSCRIPTION_STATES = ('Enabled', 'Warned', 'PastDue', 'Disabled', 'Deleted')


def region_key(location):
    """'Japan West', 'JapanWest' and 'japanwest' are the same region."""
    return location.replace(' ', '').lower()


def group_key(subscription, resource_group, name):
    return '%s/%s/%s' % (subscription.lower(), resource_group.lower(), name.lower())


def load_seed_file(path):
    with open(path) as handle:
        text = handle.read()
    if path.endswith(('.yml', '.yaml')):
        import yaml  # the emulator is test tooling; PyYAML comes with ansible-core
        return yaml.safe_load(text) or {}
    return json.loads(text)


def group_problem(values):
    """What is wrong with these failover group values, or None (shared by the seed and the control API)."""
    for key, choices in GROUP_CHOICES.items():
        if key in values and values[key] not in choices:
            return '%s must be one of %s, not %r' % (key, ', '.join(choices), values[key])
    return None


def instance_id(subscription, resource_group, name):
    return '/subscriptions/%s/resourceGroups/%s/providers/Microsoft.Sql/managedInstances/%s' % (subscription, resource_group, name)


def _count_problem(key, value):
    if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value <= 0):
        return '%s must be a positive whole number, not %r' % (key, value)
    return None


def instance_problem(values):
    """What is wrong with these managed instance sizes, or None (shared by the seed and the control API)."""
    for key, choices in INSTANCE_CHOICES.items():
        if key in values and values[key] not in choices:
            return '%s must be one of %s, not %r' % (key, ', '.join(choices), values[key])
    problem = _count_problem('vcores', values.get('vcores')) or _count_problem('storage_gb', values.get('storage_gb'))
    if problem:
        return problem
    if 'zone_redundant' in values and not isinstance(values['zone_redundant'], bool):
        return 'zone_redundant must be true or false, not %r' % (values['zone_redundant'],)
    for key in ('sku_name', 'family', 'maintenance_configuration_id'):
        if key in values and (not isinstance(values[key], str) or not values[key]):
            return '%s must be text, not %r' % (key, values[key])
    if 'sku_name' not in values:
        return None
    prefix, _sep, family = values['sku_name'].partition('_')
    tier = next((tier for tier, known in SKU_PREFIXES.items() if known == prefix), None)
    if tier is None or not family:
        return 'sku_name must be %s followed by a family (GP_Gen5, BC_G8IM...), not %r' % (
            ' or '.join('%s_' % known for known in SKU_PREFIXES.values()), values['sku_name'])
    if values.get('tier', tier) != tier or values.get('family', family) != family:
        return 'sku_name %s is tier %s, family %s: tier and family, if given, must agree' % (values['sku_name'], tier, family)
    return None


def apply_size(instance, changes):
    """Sets the sizes ``changes`` gives.  The SKU's name and its tier and family follow each other: a new
    sku_name alone sets them (BC_Gen5: BusinessCritical, Gen5), a new tier or family alone renames the SKU."""
    instance.update({key: changes[key] for key in INSTANCE_SIZE_KEYS if key in changes})
    if 'sku_name' in changes:
        prefix, _sep, family = changes['sku_name'].partition('_')
        if 'tier' not in changes:
            instance['tier'] = next(tier for tier, known in SKU_PREFIXES.items() if known == prefix)
        if 'family' not in changes:
            instance['family'] = family
    elif 'tier' in changes or 'family' in changes or 'sku_name' not in instance:
        instance['sku_name'] = '%s_%s' % (SKU_PREFIXES[instance['tier']], instance['family'])
    return instance


def new_instance(subscription, resource_group, name, location, sizes=None):
    """A managed instance: the defaults, then ``sizes``.  Its DNS zone is set once its failover groups are known."""
    instance = {'subscription': subscription, 'resource_group': resource_group, 'name': name, 'location': location,
                'dns_zone': None, 'maintenance_configuration_id': DEFAULT_MAINTENANCE % subscription}
    instance.update(INSTANCE_DEFAULTS)
    return apply_size(instance, sizes or {})


def _dns_zone(text):
    return hashlib.sha1(text.lower().encode()).hexdigest()[:13]


def add_group_instances(instances, group):
    """Makes, with the defaults, each instance of ``group`` that ``instances`` lacks, at its side's location.  The
    instances of a group share one DNS zone (as Azure requires of a failover group's secondary), unless set before."""
    ids = [group['managed_instances'][location] for location in group['locations'] if location in group['managed_instances']]
    for location in group['locations']:
        match = INSTANCE_ID.match(group['managed_instances'].get(location) or '')
        if match and match.group(0).lower() not in instances:
            instances[match.group(0).lower()] = new_instance(
                match.group('subscription'), match.group('resource_group'), match.group('name'), location)
    mine = [instances[key.lower()] for key in ids if key.lower() in instances]
    zone = next((instance['dns_zone'] for instance in mine if instance['dns_zone']), None) or _dns_zone(ids[0])
    for instance in mine:
        instance['dns_zone'] = instance['dns_zone'] or zone


def build_instances(seed_instances, groups):
    """The seed's instances, then those its failover groups name without the seed listing them."""
    instances = {}
    for seeded in seed_instances or []:
        missing = [key for key in ('name', 'subscription', 'resource_group', 'location') if not seeded.get(key)]
        problem = ('needs %s' % ', '.join(missing) if missing else
                   _unknown_keys(seeded, {'name', 'subscription', 'resource_group', 'location'} | set(INSTANCE_SIZE_KEYS))
                   or instance_problem(seeded))
        if problem:
            raise ValueError('managed instance %s: %s' % (seeded.get('name'), problem))
        key = instance_id(seeded['subscription'], seeded['resource_group'], seeded['name']).lower()
        if key in instances:
            raise ValueError('managed instance %s: listed twice' % seeded['name'])
        instances[key] = new_instance(seeded['subscription'], seeded['resource_group'], seeded['name'], seeded['location'],
                                      {size: seeded[size] for size in INSTANCE_SIZE_KEYS if size in seeded})
    for group in groups.values():
        add_group_instances(instances, group)
    for key, instance in instances.items():
        instance['dns_zone'] = instance['dns_zone'] or _dns_zone(key)
    return instances


def _unknown_keys(values, known):
    unknown = set(values) - set(known)
    return 'unknown keys: %s' % ', '.join(sorted(unknown)) if unknown else None


def subscription_problem(subscription):
    if not subscription.get('id'):
        return 'a subscription needs an id'
    if subscription.get('state', 'Enabled') not in SUBSCRIPTION_STATES:
        return 'subscription %s: state must be one of %s, not %r' % (
            subscription['id'], ', '.join(SUBSCRIPTION_STATES), subscription['state'])
    if not isinstance(subscription.get('readable', True), bool):
        return 'subscription %s: readable must be true or false, not %r' % (subscription['id'], subscription['readable'])
    return None


def upgrade_state(data):
    """A state saved by an older emulator gets what was added since: settings, group sides and keys, instances."""
    for key, value in DEFAULT_SETTINGS.items():
        data['settings'].setdefault(key, copy.deepcopy(value))
    for group in data['failover_groups'].values():
        group.setdefault('sides', {region_key(location): {
            'location': location, 'subscription': group['subscription'], 'resource_group': group['resource_group']}
            for location in group['locations']})
        for key, value in GROUP_DEFAULTS.items():
            group.setdefault(key, value)
        group.setdefault('busy_until', None)
        group.setdefault('busy_requests', 0)
        group.setdefault('busy_held', False)
    if 'managed_instances' not in data:
        data['managed_instances'] = build_instances([], data['failover_groups'])
    return data


def group_seed_problem(group):
    """What makes a failover group seed entry (or the body of a control call adding one) unusable, or None."""
    if not isinstance(group, dict) or not isinstance(group.get('name'), str) or not group['name']:
        return 'a failover group needs a name'
    if 'sides' in group:
        sides = group['sides']
        if not isinstance(sides, list) or not all(isinstance(side, dict) and all(side.get(key) for key in (
                'location', 'subscription', 'resource_group')) for side in sides):
            return 'failover group %s: each of sides needs location, subscription and resource_group' % group['name']
        locations = [side['location'] for side in sides]
    else:
        missing = [key for key in ('subscription', 'resource_group', 'locations') if not group.get(key)]
        if missing:
            return 'failover group %s: needs sides, or %s' % (group['name'], ', '.join(missing))
        locations = group['locations'] if isinstance(group['locations'], list) else []
    if len(locations) != 2 or len({region_key(str(location)) for location in locations}) != 2:
        return 'failover group %s: needs two sides in two regions, not %r' % (group['name'], locations)
    if 'primary' in group and group['primary'] not in locations:
        return 'failover group %s: primary must be one of %s, not %r' % (group['name'], ', '.join(locations), group['primary'])
    given = group.get('managed_instances')
    if given is not None and (not isinstance(given, dict) or any(not given.get(location) for location in locations)):
        return 'failover group %s: managed_instances must give an instance id for each of %s' % (
            group['name'], ', '.join(locations))
    problem = group_problem(group)
    return 'failover group %s: %s' % (group['name'], problem) if problem else None


def build_group(group):
    """A failover group's state from a seed entry; ValueError when the entry is unusable."""
    problem = group_seed_problem(group)
    if problem:
        raise ValueError(problem)
    # Each side lives in the subscription and resource group of its own managed instance: `sides`, or the
    # shorter `subscription` + `resource_group` + `locations` for a group whose two sides share them.
    sides = group.get('sides') or [
        {'location': location, 'subscription': group['subscription'], 'resource_group': group['resource_group']}
        for location in group['locations']]
    locations = [side['location'] for side in sides]
    entry = {
        'subscription': sides[0]['subscription'], 'resource_group': sides[0]['resource_group'], 'name': group['name'],
        'locations': locations, 'primary': group.get('primary', locations[0]),
        'sides': {region_key(side['location']): dict(side) for side in sides},
        'managed_instances': group.get('managed_instances') or {
            side['location']: instance_id(side['subscription'], side['resource_group'],
                                          '%s-%s' % (group['name'], region_key(side['location'])))
            for side in sides},
        'operation': None,
        'busy_until': None,  # failovers answer busy until then (epoch seconds)
        'busy_requests': 0,  # and to this many more failover requests
        'busy_held': False,  # and all of them while True (group-state "busy")
    }
    entry.update({key: group.get(key, default) for key, default in GROUP_DEFAULTS.items()})
    return entry


def build_state(seed, now):
    """A fresh state from a seed document (see seeds/demo.yml for the format)."""
    seed = copy.deepcopy(seed or {})
    settings = dict(DEFAULT_SETTINGS)
    settings.update(seed.get('settings') or {})
    for subscription in seed.get('subscriptions') or []:
        problem = subscription_problem(subscription)
        if problem:
            raise ValueError(problem)
    groups = {}
    for group in seed.get('failover_groups') or []:
        entry = build_group(group)
        groups[group_key(entry['subscription'], entry['resource_group'], entry['name'])] = entry
    workspaces = {}
    for workspace in seed.get('workspaces') or []:
        entry = {key: workspace[key] for key in ('id', 'name', 'type', 'state', 'capacityId', 'domainId', 'tags')
                 if key in workspace}
        entry.setdefault('type', 'Workspace')
        entry.setdefault('state', 'Active')
        if entry['state'] == 'Deleted':
            entry['deleted_at'] = now - float(workspace.get('deleted_days_ago', 1)) * 86400
            entry['retention_days'] = workspace.get('retention_days', 30 if entry['type'] == 'Personal' else 7)
        workspaces[entry['id'].lower()] = entry
    return {
        'settings': settings,
        'signing_key': secrets.token_hex(32),
        'tenants': seed.get('tenants') or [],
        'clients': seed.get('clients') or [],
        'users': seed.get('users') or [],
        'public_clients': seed.get('public_clients') or [AZURE_CLI_CLIENT_ID],
        'subscriptions': seed.get('subscriptions') or [],
        'fabric_admins': seed.get('fabric_admins') or [],
        'failover_groups': groups,
        'managed_instances': build_instances(seed.get('managed_instances'), groups),
        'workspaces': workspaces,
        'fabric_operations': {},
    }


def apply_restore(workspace, changes):
    """A restored workspace is Active again, under its new name if one was given; a personal
    workspace comes back as an ordinary one."""
    workspace['state'] = 'Active'
    if changes.get('name'):
        workspace['name'] = changes['name']
    if workspace['type'] == 'Personal':
        workspace['type'] = 'Workspace'
    workspace.pop('deleted_at', None)
    workspace.pop('retention_days', None)


class Store:
    """State plus what is not persisted (request log, armed faults, rate-limit windows).  Every
    request is handled under ``lock``."""

    def __init__(self, path=None, seed=None, clock=time.time):
        self.lock = threading.RLock()
        self.path = path
        self.clock = clock
        self.seed = seed or {}
        if path and os.path.exists(path) and os.path.getsize(path):
            with open(path) as handle:
                self.data = upgrade_state(json.load(handle))
        else:
            self.data = build_state(self.seed, clock())
            self.save()
        self.reset_runtime()

    def reset_runtime(self):
        self.requests = []
        self.faults = []
        self.lro_faults = []
        self.rate_windows = {}
        self.outages = {}  # region_key -> {'location', 'mode'}
        self.holds = {}  # group key (or "*": every group) -> True while its failovers are held

    def outage(self, location):
        """The outage of the region ``location`` ('Japan West', 'JapanWest', 'japanwest'), or None."""
        return self.outages.get(region_key(location))

    def reset(self, seed=None):
        seed = self.seed if seed is None else seed
        self.data = build_state(seed, self.clock())  # a seed it refuses is not kept for the next reset
        self.seed = seed
        self.reset_runtime()
        self.save()

    def save(self):
        if not self.path:
            return
        directory = os.path.dirname(os.path.abspath(self.path))
        handle, temporary = tempfile.mkstemp(dir=directory, prefix='.emulator-state-')
        with os.fdopen(handle, 'w') as stream:
            json.dump(self.data, stream, indent=1, sort_keys=True)
        os.replace(temporary, self.path)

    @property
    def settings(self):
        return self.data['settings']

    # --- failover groups ---

    def groups_in(self, subscription, resource_group, location):
        """The groups with a side at ``location`` in that subscription and resource group: each side answers
        only at its own path."""
        found = []
        for group in self.data['failover_groups'].values():
            side = group['sides'].get(region_key(location))
            if side and side['subscription'].lower() == subscription.lower() \
                    and side['resource_group'].lower() == resource_group.lower():
                found.append(group)
        return found

    def group_at(self, subscription, resource_group, location, name):
        return next((group for group in self.groups_in(subscription, resource_group, location)
                     if group['name'].lower() == name.lower()), None)

    def group_by_name(self, subscription, location, name):
        """The group whose side at ``location`` is in ``subscription`` (an operation's URL has no resource group)."""
        for group in self.data['failover_groups'].values():
            side = group['sides'].get(region_key(location))
            if side and side['subscription'].lower() == subscription.lower() and group['name'].lower() == name.lower():
                return group
        return None

    def find_groups(self, name, subscription=None, resource_group=None):
        """The groups named ``name`` with a side in that subscription and resource group (each optional)."""
        def side_matches(side):
            return all(wanted is None or side[key].lower() == wanted.lower()
                       for key, wanted in (('subscription', subscription), ('resource_group', resource_group)))
        return [group for group in self.data['failover_groups'].values()
                if group['name'].lower() == name.lower() and any(side_matches(side) for side in group['sides'].values())]

    def add_group(self, group):
        """Adds a failover group (a seed entry) and the instances it names that do not exist yet; returns its state."""
        entry = build_group(copy.deepcopy(group))
        self.data['failover_groups'][group_key(entry['subscription'], entry['resource_group'], entry['name'])] = entry
        add_group_instances(self.data['managed_instances'], entry)
        self.save()
        return entry

    # --- subscriptions and managed instances ---

    def subscription(self, subscription_id):
        return next((s for s in self.data['subscriptions'] if s['id'].lower() == subscription_id.lower()), None)

    def instances_in(self, subscription, resource_group=None):
        """The managed instances of a subscription (and resource group), in a stable order for paging."""
        found = [instance for instance in self.data['managed_instances'].values()
                 if instance['subscription'].lower() == subscription.lower()
                 and (resource_group is None or instance['resource_group'].lower() == resource_group.lower())]
        return sorted(found, key=lambda instance: (instance['resource_group'].lower(), instance['name'].lower()))

    def find_instances(self, name, subscription=None, resource_group=None):
        """The instances named ``name`` in that subscription and resource group (each optional)."""
        return [instance for instance in self.data['managed_instances'].values()
                if instance['name'].lower() == name.lower() and all(
                    wanted is None or instance[key].lower() == wanted.lower()
                    for key, wanted in (('subscription', subscription), ('resource_group', resource_group)))]

    def busy_for(self, group):
        """Seconds the group still answers failovers busy (after a failover, or as the control API set), else 0."""
        return max(0.0, (group['busy_until'] or 0) - self.clock())

    def take_busy(self, group):
        """True when the group answers this failover request busy (its busy window, in seconds or in requests);
        a busy answer uses one of the requests of a window counted in requests."""
        counted = group.get('busy_requests') or 0
        if counted > 0:
            group['busy_requests'] = counted - 1
            self.save()
        return bool(counted > 0 or group.get('busy_held') or self.busy_for(group))

    def start_failover(self, group, target, forced, error=None, duration=None, polls=None):
        """``error`` (a timed-out planned failover's) makes the operation end with it after ``duration`` seconds
        or ``polls`` polls, whatever was armed.  Without them, the group's or the settings' count or seconds apply."""
        now = self.clock()
        if duration is None and polls is None:
            polls = group.get('failover_polls')
            polls = self.settings.get('failover_polls') if polls is None else polls
            duration = self.settings['failover_seconds'] if group['failover_seconds'] is None else group['failover_seconds']
        failure = error or self.take_lro_fault('arm')
        group['operation'] = {
            'id': str(uuid.uuid4()), 'target': target, 'forced': forced, 'started': now, 'status': 'InProgress',
            'error': failure,
            # Counted in polls: ends once polls_left is 0 (when it ended); else in seconds: ends at 'ends'.
            'polls_left': None if polls is None else int(polls),
            'ends': None if polls is not None else now + float(duration),
        }
        self.save()
        return group['operation']

    def held(self, group):
        return '*' in self.holds or group_key(group['subscription'], group['resource_group'], group['name']) in self.holds

    def answered_running(self, group):
        """Counts one request answered "running" about the group's operation (a poll, or a failover refused busy)."""
        operation = group.get('operation')
        if operation and operation['status'] == 'InProgress' and operation.get('polls_left') and not self.held(group):
            operation['polls_left'] -= 1
            self.save()

    def release(self, keys):
        """Ends the holds ``keys`` (group keys, or '*'); the failovers no longer held end at the next request."""
        released = [key for key in keys if self.holds.pop(key, None) is not None]
        for group in self.data['failover_groups'].values():
            operation = group.get('operation')
            if operation and operation['status'] == 'InProgress' and not self.held(group) and (
                    '*' in released or group_key(group['subscription'], group['resource_group'], group['name']) in released):
                operation['polls_left'] = 0 if operation.get('polls_left') is not None else None
                if operation.get('ends') is not None:
                    operation['ends'] = min(operation['ends'], self.clock())
        self.save()
        return released

    @staticmethod
    def _due(operation, now):
        """Whether an operation counted in polls or timed in seconds has come to its end."""
        if operation.get('polls_left') is not None:
            return operation['polls_left'] <= 0
        return now >= operation['ends']

    def take_lro_fault(self, api):
        """The error the next long-running operation of ``api`` must end with, if one was armed."""
        for index, fault in enumerate(self.lro_faults):
            if fault.get('api') in (None, api):
                return self.lro_faults.pop(index)
        return None

    def advance(self):
        """Finish every operation whose time has come."""
        now, changed = self.clock(), False
        for group in self.data['failover_groups'].values():
            operation = group.get('operation')
            if operation and operation['status'] == 'InProgress' and not self.held(group) and self._due(operation, now):
                if operation.get('ends') is None:
                    operation['ends'] = now  # counted in polls: it ended now
                if operation.get('error'):
                    operation['status'] = operation['error'].get('final_status') or 'Failed'
                else:
                    operation['status'] = 'Succeeded'
                    group['primary'] = next(loc for loc in group['locations']
                                            if region_key(loc) == region_key(operation['target']))
                    busy = group['busy_seconds_after_failover']
                    busy = self.settings['post_failover_busy_seconds'] if busy is None else busy
                    group['busy_until'] = operation['ends'] + float(busy)  # from the end, however late this runs
                    counted = group.get('busy_requests_after_failover')
                    counted = self.settings.get('post_failover_busy_requests') if counted is None else counted
                    group['busy_requests'] = int(counted or 0)
                changed = True
        for operation in self.data['fabric_operations'].values():
            if operation['status'] in ('NotStarted', 'Running') and self._due(operation, now):
                if operation.get('ends') is None:
                    operation['ends'] = now
                if operation.get('error'):
                    operation['status'] = operation['error'].get('final_status') or 'Failed'
                else:
                    operation['status'] = 'Succeeded'
                    operation['percentComplete'] = 100
                    workspace = self.data['workspaces'].get(operation['workspace_id'])
                    if workspace is not None:
                        apply_restore(workspace, operation['changes'])
                changed = True
        if changed:
            self.save()

    # --- workspaces ---

    def visible_workspaces(self):
        """Workspaces that exist: active ones, and deleted ones still inside their retention period."""
        now = self.clock()
        return [workspace for workspace in self.data['workspaces'].values()
                if workspace['state'] != 'Deleted' or now < workspace['deleted_at'] + workspace['retention_days'] * 86400]

    def find_workspace(self, workspace_id):
        workspace = self.data['workspaces'].get(workspace_id.lower())
        return workspace if workspace is not None and workspace in self.visible_workspaces() else None

    # --- rate limits (per caller, sliding window) ---

    def rate_limited(self, caller, kind):
        """Seconds until the caller may call again, or 0 after recording the call."""
        limit = self.settings['%s_limit' % kind]
        window = float(self.settings['%s_window' % kind])
        now = self.clock()
        calls = [stamp for stamp in self.rate_windows.get((caller, kind), []) if stamp > now - window]
        if len(calls) >= limit:
            self.rate_windows[(caller, kind)] = calls
            return max(0.001, calls[0] + window - now)
        calls.append(now)
        self.rate_windows[(caller, kind)] = calls
        return 0
