#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: contributors to the azure_dr.recovery collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
module: managed_instance_info
short_description: Read Azure SQL Managed Instances of a resource group or of whole subscriptions
version_added: 0.3.0
description:
  - Reads one managed instance, every instance of a resource group, or every instance of one or more subscriptions,
    following every page. For discovery (which instances exist), drift (what moved) and parity (is the DR side of a
    failover group as large as its primary side).
  - Choose the instances in one of three ways - O(resource_group) (and O(name)) in O(subscription_id); O(scopes),
    subscriptions and resource groups of your choice; or O(all_subscriptions), every subscription the identity sees.
    With none of them, every instance of O(subscription_id) is returned.
  - Several scopes are read side by side in the one module run, with one token.
  - A scope the identity may not read (ARM answers 403 C(AuthorizationFailed)) does not fail the task - it is
    listed in RV(unreadable), with a warning, and the other scopes are returned.
  - Read-only; safe in check mode.
options:
  resource_group:
    description:
      - Only the instances of this resource group of O(subscription_id).
    type: str
  name:
    description:
      - Name of one instance of O(resource_group), which is then required. When it does not exist, RV(managed_instances)
        is empty (not an error).
    type: str
  scopes:
    description:
      - Every instance of each of these subscriptions, or of a resource group of one, read side by side.
      - An instance that two scopes cover (a subscription and one of its resource groups) is returned once.
      - Not with O(resource_group), O(name) or O(all_subscriptions).
    type: list
    elements: dict
    suboptions:
      subscription_id:
        description: The subscription; default O(subscription_id).
        type: str
      resource_group:
        description: Only the instances of this resource group of O(scopes[].subscription_id).
        type: str
  all_subscriptions:
    description:
      - Every instance of every subscription the identity sees (C(GET /subscriptions), every page), the
        subscriptions read side by side. O(subscription_id) is not needed.
      - Not with O(resource_group), O(name) or O(scopes).
    type: bool
    default: false
  failover_groups:
    description:
      - Also list the instance failover groups where the instances found live (each resource group and region of
        them, side by side), into RV(failover_groups). Each group names both of its instances in
        C(managedInstancePairs), so the instances and their groups of a whole estate come from one module run.
    type: bool
    default: false
  region_read_timeout:
    description:
      - With O(failover_groups), seconds the listing of a region's failover groups may take, retries included, before
        that region counts as not answering (a regional outage). Its resource groups there go to RV(unreadable), with a
        warning, and are not waited on again; the groups are still found from their other side, in a region that answers.
    type: int
    default: 30
extends_documentation_fragment:
  - azure_dr.recovery.auth
  - azure_dr.recovery.auth.arm
  - azure_dr.recovery.attributes
  - azure_dr.recovery.attributes.info_module
notes:
  - The identity needs C(Microsoft.Sql/managedInstances/read) on each scope (the Reader role is enough), and
    O(all_subscriptions) lists the subscriptions on which it has any role.
  - O(subscription_id) is needed unless O(all_subscriptions) is given or every scope of O(scopes) names its subscription.
  - At most 20 scopes are read at once.
  - With O(failover_groups), the identity also needs C(Microsoft.Sql/locations/instanceFailoverGroups/read).
seealso:
  - module: azure_dr.recovery.instance_failover_group_info
author:
  - azure_dr.recovery maintainers (@azure-dr)
'''

EXAMPLES = r'''
- name: One instance
  azure_dr.recovery.managed_instance_info:
    resource_group: rg-sql-west
    name: mi-sales-west
  register: one

- name: Its vCores and storage
  ansible.builtin.debug:
    msg: "{{ one.managed_instances[0].v_cores | default('absent') }} vCores, {{ one.managed_instances[0].storage_size_in_gb | default('-') }} GB"

- name: Every instance of a resource group, with shared options from module_defaults
  module_defaults:
    group/azure_dr.recovery.recovery:
      subscription_id: "{{ dr_subscription_id }}"
  azure_dr.recovery.managed_instance_info:
    resource_group: rg-sql-dr
  register: in_group

- name: Every instance of two subscriptions, and of one resource group of a third
  azure_dr.recovery.managed_instance_info:
    scopes:
      - subscription_id: 00000000-1111-2222-3333-444444444444
      - subscription_id: 66666666-7777-4888-9999-000000000000
      - subscription_id: 77777777-8888-4999-aaaa-111111111111
        resource_group: rg-sql-shared
  register: estate

- name: Every instance the identity can see, in every subscription, and their failover groups
  azure_dr.recovery.managed_instance_info:
    all_subscriptions: true
    failover_groups: true
  register: everything

- name: Say which subscriptions could not be read
  ansible.builtin.debug:
    msg: "{{ everything.unreadable | map(attribute='subscription_id') | list }}"
  when: everything.unreadable | length > 0
'''

RETURN = r'''
managed_instances:
  description:
    - The instances, sorted by subscription, resource group and name (case-insensitive). Empty when O(name) does not
      exist.
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: The instance's full resource id.
      type: str
      sample: /subscriptions/00000000-1111-2222-3333-444444444444/resourceGroups/testrg/providers/Microsoft.Sql/managedInstances/testinstance
    name:
      description: Its name.
      type: str
      sample: testinstance
    subscription_id:
      description: Its subscription, from its id.
      type: str
      sample: 00000000-1111-2222-3333-444444444444
    resource_group:
      description: Its resource group, from its id (as the id spells it).
      type: str
      sample: testrg
    location:
      description: Its region, as ARM spells it.
      type: str
      sample: japaneast
    sku_name:
      description: C(sku.name).
      type: str
      sample: GP_Gen5
    tier:
      description: C(sku.tier).
      type: str
      sample: GeneralPurpose
    family:
      description: C(sku.family).
      type: str
      sample: Gen5
    capacity:
      description: C(sku.capacity).
      type: int
      sample: 8
    v_cores:
      description: C(properties.vCores).
      type: int
      sample: 8
    storage_size_in_gb:
      description: C(properties.storageSizeInGB).
      type: int
      sample: 1024
    license_type:
      description: C(properties.licenseType).
      type: str
      sample: LicenseIncluded
    zone_redundant:
      description: C(properties.zoneRedundant).
      type: bool
      sample: false
    backup_storage_redundancy:
      description: C(properties.requestedBackupStorageRedundancy).
      type: str
      sample: Geo
    maintenance_configuration_id:
      description: C(properties.maintenanceConfigurationId).
      type: str
      sample: /subscriptions/00000000-1111-2222-3333-444444444444/providers/Microsoft.Maintenance/publicMaintenanceConfigurations/SQL_JapanEast_MI_1
    state:
      description: C(properties.state).
      type: str
      sample: Ready
    resource:
      description: The instance as ARM returns it.
      type: dict
subscriptions:
  description: The subscriptions read, sorted by id. With O(scopes), those of the scopes, named as C(GET /subscriptions) names them.
  returned: when O(scopes) or O(all_subscriptions) is given
  type: list
  elements: dict
  contains:
    subscription_id:
      description: The subscription's id.
      type: str
      sample: 00000000-1111-2222-3333-444444444444
    display_name:
      description: Its display name; null when the identity's C(GET /subscriptions) does not list it.
      type: str
      sample: Contoso Production
    state:
      description: Its state (C(Enabled), C(Warned), C(PastDue), C(Disabled), C(Deleted)); null when not listed.
      type: str
      sample: Enabled
failover_groups:
  description:
    - With O(failover_groups), every instance failover group of each resource group and region where an instance of
      RV(managed_instances) lives, as the API returns it for that region, with C(subscription_id), C(resource_group)
      and C(location) added (where it was listed; C(location) as the instance's). A group whose two instances were
      both found is listed from both sides.
    - Sorted by subscription, resource group, region and name.
  returned: when O(failover_groups=true)
  type: list
  elements: dict
  sample:
    - id: /subscriptions/00000000-1111-2222-3333-444444444444/resourceGroups/rg/providers/Microsoft.Sql/locations/JapanEast/instanceFailoverGroups/fg
      name: fg-sales
      type: Microsoft.Sql/locations/instanceFailoverGroups
      properties:
        replicationRole: Secondary
      subscription_id: 00000000-1111-2222-3333-444444444444
      resource_group: rg
      location: japaneast
unreadable:
  description:
    - The scopes that answered 403 C(AuthorizationFailed), and (with O(failover_groups)) the resource groups of a region
      that did not answer within O(region_read_timeout), sorted; what they hold is not in RV(managed_instances) (or
      RV(failover_groups)).
  returned: always
  type: list
  elements: dict
  contains:
    subscription_id:
      description: The scope's subscription.
      type: str
      sample: 66666666-7777-4888-9999-000000000000
    resource_group:
      description: The scope's resource group; null for a whole subscription.
      type: str
    location:
      description: The region of a failover group listing (O(failover_groups)); null for the instances of a scope.
      type: str
    msg:
      description: What ARM answered.
      type: str
'''

from ansible_collections.azure_dr.recovery.plugins.module_utils._arm import (
    arm_client,
    list_subscriptions,
    read_scopes,
    subscription_facts,
)
from ansible_collections.azure_dr.recovery.plugins.module_utils._errors import AzureDRError
from ansible_collections.azure_dr.recovery.plugins.module_utils._managed_instances import ManagedInstances, instance_facts, sort_key
from ansible_collections.azure_dr.recovery.plugins.module_utils._module import AzureDRModule
from ansible_collections.azure_dr.recovery.plugins.module_utils._validation import (
    name_problem,
    positive_problem,
    repeated_problems,
    resource_group_problem,
    uuid_problem,
)

SCOPE_SPEC = dict(
    subscription_id=dict(type='str'),
    resource_group=dict(type='str'),
)


def input_problems(params):
    """The problems of this module's own options: one way of choosing the instances, each well formed."""
    problems = []
    given = [option for option, present in (
        ('scopes', params['scopes'] is not None), ('all_subscriptions', params['all_subscriptions']),
        ('resource_group', params['resource_group'] is not None), ('name', params['name'] is not None)) if present]
    ways = {'resource_group' if option == 'name' else option for option in given}
    if len(ways) > 1:
        problems.append('%s are mutually exclusive: choose the instances by resource_group (and name), by scopes, or by '
                        'all_subscriptions' % ' and '.join(given))
    elif params['name'] is not None and params['resource_group'] is None:
        problems.append('name needs resource_group (an instance is read by name in its resource group)')
    problems.append(resource_group_problem(params['resource_group']))
    problems.append(name_problem(params['name'], 'name', max_length=63))
    scopes = params['scopes']
    if scopes is not None and not scopes:
        problems.append('scopes must list at least one scope (a subscription_id, a resource_group, or both)')
    for index, scope in enumerate(scopes or []):
        where = 'scopes[%d].' % index
        problems.append(uuid_problem(scope['subscription_id'], where + 'subscription_id'))
        problems.append(resource_group_problem(scope['resource_group'], where + 'resource_group'))
    problems += repeated_problems(resolved_scopes(params) or [], 'scopes', scope_key, describe_scope)
    return [problem for problem in problems if problem]


def resolved_scopes(params):
    """``scopes``, each with its subscription (default: ``subscription_id``)."""
    if params['scopes'] is None:
        return None
    return [{'subscription_id': scope['subscription_id'] or params['subscription_id'], 'resource_group': scope['resource_group']}
            for scope in params['scopes']]


def scope_key(scope):
    return tuple(str(scope.get(key) or '').lower().replace(' ', '') for key in ('subscription_id', 'resource_group', 'location'))


def describe_scope(scope):
    where = 'subscription %s' % scope['subscription_id']
    if scope.get('resource_group'):
        where = 'resource group %s of %s' % (scope['resource_group'], where)
    if scope.get('location'):
        where = 'the failover groups at %s of %s' % (scope['location'], where)
    return where


def read_scope(module, scope, name=None):
    """The instances of one scope (a subscription, or a resource group of one), or the one named ``name``."""
    instances = ManagedInstances(arm_client(module, scope['subscription_id']))
    if name:
        found = instances.get(scope['resource_group'], name)
        return [found] if found is not None else []
    return instances.list(scope['resource_group'])


def listed_subscriptions(module, best_effort):
    """Every subscription the identity sees; ``best_effort``: a failure is a warning and an empty list (the
    subscriptions then only name the scopes given)."""
    try:
        return [subscription_facts(subscription) for subscription in list_subscriptions(arm_client(module))]
    except AzureDRError as error:
        if not best_effort:
            raise
        module.warn('The subscriptions could not be listed, so their names and states are not known: %s'
                    % error.to_result()['msg'])
        return []


def named_subscriptions(listed, scopes):
    """The subscriptions of ``scopes``, as the identity's listing names them (display name and state unknown when it
    does not list one)."""
    known = {str(subscription['subscription_id']).lower(): subscription for subscription in listed}
    wanted = {str(scope['subscription_id']).lower(): scope['subscription_id'] for scope in scopes}
    return [known.get(key) or {'subscription_id': wanted[key], 'display_name': None, 'state': None} for key in wanted]


class Reading:
    """What the module has read so far: instances (each once), failover groups, and the scopes it may not read."""

    def __init__(self, module):
        self.module = module
        self.instances = {}
        self.unreadable = []

    def denied(self, scope, error):
        """A scope that answered 403 AuthorizationFailed: said, and the reading goes on."""
        self.unreadable.append({'subscription_id': scope['subscription_id'], 'resource_group': scope.get('resource_group'),
                                'location': scope.get('location'), 'msg': error.to_result()['msg']})
        self.module.warn('Skipped %s, which the identity may not read: %s' % (describe_scope(scope), error.cause()))

    def add_instances(self, scope, found, error):
        if error is not None:
            return self.denied(scope, error)
        for resource in found:
            self.instances.setdefault(str(resource.get('id') or id(resource)).lower(), instance_facts(resource))
        return None

    def group_scopes(self):
        """Where the instances live, once each: {subscription_id, resource_group, location}, sorted."""
        scopes = {}
        for instance in sorted(self.instances.values(), key=sort_key):
            if instance['subscription_id'] and instance['resource_group'] and instance['location']:
                scope = {key: instance[key] for key in ('subscription_id', 'resource_group', 'location')}
                scopes.setdefault(scope_key(scope), scope)
        return list(scopes.values())

    def failover_groups(self):
        """Every failover group where the instances live (listed per resource group and region, side by side)."""
        from ansible_collections.azure_dr.recovery.plugins.module_utils._failover_groups.client import list_in_scopes

        groups, denied, unanswered = list_in_scopes(lambda subscription_id: arm_client(self.module, subscription_id),
                                                    self.group_scopes(), self.module.params['region_read_timeout'])
        for scope, error in denied:
            self.denied(scope, error)
        for scope, reason in unanswered:
            self.unreadable.append(dict(scope, msg=reason))
            self.module.warn('Skipped %s: %s' % (describe_scope(scope), reason))
        return sorted(groups, key=lambda group: scope_key(group) + (str(group.get('name') or '').lower(),))


def main():
    argument_spec = dict(
        resource_group=dict(type='str'),
        name=dict(type='str'),
        scopes=dict(type='list', elements='dict', options=SCOPE_SPEC),
        all_subscriptions=dict(type='bool', default=False),
        failover_groups=dict(type='bool', default=False),
        region_read_timeout=dict(type='int', default=30),
    )
    module = AzureDRModule(argument_spec, api='arm', supports_check_mode=True)
    with module.reporting_errors(changed=False):
        params = module.params
        scopes = resolved_scopes(params)
        validator = module.validator(subscription_required=not params['all_subscriptions'] and (
            scopes is None or any(not scope['subscription_id'] for scope in params['scopes'])))
        validator.extend(input_problems(params))
        validator.add(positive_problem(params['region_read_timeout'], 'region_read_timeout'))
        validator.check()

        result = {'changed': False}
        if params['all_subscriptions']:
            result['subscriptions'] = listed_subscriptions(module, best_effort=False)
            scopes = [{'subscription_id': subscription['subscription_id'], 'resource_group': None}
                      for subscription in result['subscriptions']]
            if not scopes:
                module.warn('The identity sees no subscription (GET /subscriptions listed none).')
        elif scopes is None:
            scopes = [{'subscription_id': params['subscription_id'], 'resource_group': params['resource_group']}]

        tasks = [lambda scope=scope: read_scope(module, scope, params['name']) for scope in scopes]
        if params['scopes'] is not None:  # the subscriptions' names, listed beside the scopes' reads
            tasks.append(lambda: listed_subscriptions(module, best_effort=True))
        outcomes = read_scopes(tasks, lambda task: task())
        if params['scopes'] is not None:
            result['subscriptions'] = named_subscriptions(outcomes.pop()[0], scopes)

        reading = Reading(module)
        for scope, (found, error) in zip(scopes, outcomes):
            reading.add_instances(scope, found, error)
        if params['failover_groups']:
            result['failover_groups'] = reading.failover_groups()
        result['managed_instances'] = sorted(reading.instances.values(), key=sort_key)
        result['unreadable'] = sorted(reading.unreadable, key=scope_key)
        if 'subscriptions' in result:
            result['subscriptions'].sort(key=lambda subscription: str(subscription['subscription_id']).lower())
        module.exit_json(**result)


if __name__ == '__main__':
    main()
