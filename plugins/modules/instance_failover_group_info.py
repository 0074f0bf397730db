#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: contributors to the azure_dr.recovery collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
module: instance_failover_group_info
short_description: Read Azure SQL Managed Instance failover groups
version_added: 0.1.0
description:
  - Reads one instance failover group, or every group of a resource group in a region, as seen from that region
    (C(properties.replicationRole) is the role of O(location)).
  - With O(scopes), every group of each of several resource groups and regions (and subscriptions), read side by side
    in the one module run, with one token; a scope the identity may not read is reported, not a failure.
  - Each side of a group lives in the resource group (and subscription) of its own managed instance, and is read
    there; O(include_partner) reads the other side too.
  - Read-only; safe in check mode.
options:
  resource_group:
    description:
      - Resource group of the managed instances.
      - Required, unless O(scopes) is given (and then not allowed).
    type: str
  location:
    description:
      - The region to look from, for example V(japaneast) or V(Japan East).
      - Required, unless O(scopes) is given (and then not allowed).
    type: str
  name:
    description:
      - Name of one group. When it does not exist, RV(failover_groups) is empty (not an error).
      - Without it, every group of O(resource_group) in O(location) is returned (all pages).
      - Not with O(scopes).
    type: str
  scopes:
    description:
      - Every group of each of these resource groups, each seen from its region, all pages; the scopes are read side
        by side (at most 20 at once). For discovery and drift, which look at many resource groups and regions.
      - Each group of RV(failover_groups) then also carries the O(scopes[].subscription_id),
        O(scopes[].resource_group) and O(scopes[].location) of the scope it was listed in.
      - A scope that answers 403 C(AuthorizationFailed) (the identity may not read it) is listed in RV(unreadable),
        with a warning, and the others are returned. Any other error fails the task.
      - Not with O(resource_group), O(location) or O(name).
    type: list
    elements: dict
    version_added: 0.3.0
    suboptions:
      subscription_id:
        description: The scope's subscription; default O(subscription_id).
        type: str
      resource_group:
        description: Resource group of the managed instances.
        type: str
        required: true
      location:
        description: The region to look from.
        type: str
        required: true
  include_partner:
    description:
      - Also read the other side of each group found, where its C(managedInstancePairs) says it lives (its own
        resource group and subscription), into RV(partners). A side that does not answer (a regional outage) is
        reported in its entry, not as a failure.
    type: bool
    default: false
extends_documentation_fragment:
  - azure_dr.recovery.auth
  - azure_dr.recovery.auth.arm
  - azure_dr.recovery.attributes
  - azure_dr.recovery.attributes.info_module
notes:
  - The identity needs C(Microsoft.Sql/locations/instanceFailoverGroups/read) on the resource group.
seealso:
  - module: azure_dr.recovery.instance_failover_group_failover
  - module: azure_dr.recovery.managed_instance_info
author:
  - azure_dr.recovery maintainers (@azure-dr)
'''

EXAMPLES = r'''
- name: Which region is primary for fg-sales?
  azure_dr.recovery.instance_failover_group_info:
    resource_group: rg-sql-dr
    location: japaneast
    name: fg-sales
  register: fg

- name: Show its role as seen from Japan East
  ansible.builtin.debug:
    msg: "{{ fg.failover_groups[0].properties.replicationRole | default('absent') }}"

- name: Every group in the region, with credentials from AWX's Azure credential (environment) and
    shared options from module_defaults
  module_defaults:
    group/azure_dr.recovery.recovery:
      subscription_id: "{{ dr_subscription_id }}"
  azure_dr.recovery.instance_failover_group_info:
    resource_group: rg-sql-dr
    location: japaneast
  register: all_groups

- name: Every group of both sides of a DR estate, in one module run
  azure_dr.recovery.instance_failover_group_info:
    scopes:
      - resource_group: rg-sql-west
        location: Japan West
      - resource_group: rg-sql-east
        location: Japan East
        subscription_id: 66666666-7777-4888-9999-000000000000
  register: estate

- name: Where each was found
  ansible.builtin.debug:
    msg: "{{ estate.failover_groups | map(attribute='name') | zip(estate.failover_groups | map(attribute='location')) | list }}"
'''

RETURN = r'''
failover_groups:
  description:
    - The groups as the API returns them for O(location); empty when O(name) does not exist.
    - With O(scopes), every group of each scope, in the order of O(scopes) (each scope's as listed), each with
      C(subscription_id), C(resource_group) and C(location) added, those of the scope it was listed in.
  returned: always
  type: list
  elements: dict
  sample:
    - id: /subscriptions/00000000-1111-2222-3333-444444444444/resourceGroups/rg/providers/Microsoft.Sql/locations/JapanEast/instanceFailoverGroups/fg
      name: fg-sales
      type: Microsoft.Sql/locations/instanceFailoverGroups
      properties:
        replicationRole: Secondary
        partnerRegions:
          - location: Japan West
            replicationRole: Primary
unreadable:
  description: The scopes that answered 403 C(AuthorizationFailed), in the order of O(scopes); their groups are not in
    RV(failover_groups).
  returned: when O(scopes) is given
  type: list
  elements: dict
  version_added: 0.3.0
  contains:
    subscription_id:
      description: The scope's subscription.
      type: str
    resource_group:
      description: The scope's resource group.
      type: str
    location:
      description: The scope's region.
      type: str
    msg:
      description: What ARM answered.
      type: str
partners:
  description: With O(include_partner), the other side of each group of RV(failover_groups), in the same order.
  returned: when O(include_partner=true)
  type: list
  elements: dict
  contains:
    name:
      description: The group's name.
      type: str
    location:
      description: The other side's region.
      type: str
    resource_group:
      description: Its resource group, from C(managedInstancePairs).
      type: str
    subscription_id:
      description: Its subscription, from C(managedInstancePairs).
      type: str
    answered:
      description: Whether its region answered (false in an outage).
      type: bool
    problem:
      description: Why it could not be read, or was not found; null when it was.
      type: str
    failover_group:
      description: The group as the API returns it for that side; null when not read.
      type: dict
'''

from concurrent.futures import ThreadPoolExecutor

from ansible_collections.azure_dr.recovery.plugins.module_utils._arm import arm_client
from ansible_collections.azure_dr.recovery.plugins.module_utils._failover_groups.client import InstanceFailoverGroups, list_in_scopes
from ansible_collections.azure_dr.recovery.plugins.module_utils._failover_groups.options import location_problem
from ansible_collections.azure_dr.recovery.plugins.module_utils._failover_groups.sides import GroupSide, RegionHealth, other_side_of, read_other_side
from ansible_collections.azure_dr.recovery.plugins.module_utils._module import AzureDRModule
from ansible_collections.azure_dr.recovery.plugins.module_utils._validation import (
    name_problem,
    repeated_problems,
    resource_group_problem,
    uuid_problem,
)

PARTNER_READ_BUDGET = 30
SCOPE_SPEC = dict(
    subscription_id=dict(type='str'),
    resource_group=dict(type='str', required=True),
    location=dict(type='str', required=True),
)


def partner_of(module, group, health):
    """The other side of ``group``, read where its managedInstancePairs says it lives (best effort)."""
    subscription_id, resource_group, location = other_side_of(group)
    entry = {'name': group.get('name'), 'location': location, 'resource_group': resource_group,
             'subscription_id': subscription_id, 'answered': None, 'problem': None, 'failover_group': None}
    if not (resource_group and location):
        return dict(entry, problem='the group does not name its partner instance (managedInstancePairs)')
    side = GroupSide(InstanceFailoverGroups(arm_client(module, subscription_id), resource_group), location, group['name'])
    found, answered, problem = read_other_side(side, PARTNER_READ_BUDGET, health)
    return dict(entry, answered=answered, problem=problem, failover_group=found)


def input_problems(params):
    """The problems of this module's own options: one group or a location's (resource_group, location, name), or
    ``scopes``."""
    problems = []
    scopes = params['scopes']
    if scopes is None:
        for option in ('resource_group', 'location'):
            if params[option] is None:
                problems.append('%s is required (or scopes, to list several resource groups and regions)' % option)
    else:
        given = [option for option in ('resource_group', 'location', 'name') if params[option] is not None]
        if given:
            problems.append('scopes and %s are mutually exclusive: scopes name their own resource group and location, '
                            'and every group of each is listed' % ' and '.join(given))
        if not scopes:
            problems.append('scopes must list at least one scope (a resource_group and a location)')
    problems.append(resource_group_problem(params['resource_group']))
    problems.append(location_problem(params['location']))
    problems.append(name_problem(params['name'], 'name', max_length=63))
    for index, scope in enumerate(scopes or []):
        where = 'scopes[%d].' % index
        problems.append(uuid_problem(scope['subscription_id'], where + 'subscription_id'))
        problems.append(resource_group_problem(scope['resource_group'], where + 'resource_group'))
        problems.append(location_problem(scope['location'], where + 'location'))
    problems += repeated_problems(scopes or [], 'scopes', lambda scope: scope_key(params, scope), describe_scope)
    return [problem for problem in problems if problem]


def scope_key(params, scope):
    return tuple(str(value).lower().replace(' ', '') for value in (
        scope['subscription_id'] or params['subscription_id'], scope['resource_group'], scope['location']))


def describe_scope(scope):
    where = 'resource group %s at %s' % (scope['resource_group'], scope['location'])
    return where + (' of subscription %s' % scope['subscription_id'] if scope['subscription_id'] else '')


def listed_in_scopes(module, scopes):
    """(every group of each scope, each with where it was listed; the scopes that answered 403 AuthorizationFailed)."""
    resolved = [dict(scope, subscription_id=scope['subscription_id'] or module.params['subscription_id']) for scope in scopes]
    found, denied, _unanswered = list_in_scopes(lambda subscription_id: arm_client(module, subscription_id), resolved)
    unreadable = []
    for scope, error in denied:
        unreadable.append(dict(scope, msg=error.to_result()['msg']))
        module.warn('Skipped %s, which the identity may not read: %s' % (describe_scope(scope), error.cause()))
    return found, unreadable


def main():
    argument_spec = dict(
        resource_group=dict(type='str'),
        location=dict(type='str'),
        name=dict(type='str'),
        include_partner=dict(type='bool', default=False),
        scopes=dict(type='list', elements='dict', options=SCOPE_SPEC),
    )
    module = AzureDRModule(argument_spec, api='arm', supports_check_mode=True)
    with module.reporting_errors(changed=False):
        params = module.params
        scopes = params['scopes']
        validator = module.validator(subscription_required=scopes is None or any(
            not scope['subscription_id'] for scope in scopes))
        validator.extend(input_problems(params))
        validator.check()

        result = {'changed': False}
        if scopes is not None:
            found, result['unreadable'] = listed_in_scopes(module, scopes)
        elif params['name']:
            group = InstanceFailoverGroups(arm_client(module), params['resource_group']).get(params['location'], params['name'])
            found = [group] if group is not None else []
        else:
            found = InstanceFailoverGroups(arm_client(module), params['resource_group']).list(params['location'])
        result['failover_groups'] = found
        if params['include_partner']:
            health = RegionHealth()
            with ThreadPoolExecutor(max_workers=min(20, len(found) or 1)) as pool:
                result['partners'] = list(pool.map(lambda group: partner_of(module, group, health), found))
        module.exit_json(**result)


if __name__ == '__main__':
    main()
