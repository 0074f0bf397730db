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
  - Each side of a group lives in the resource group (and subscription) of its own managed instance, and is read
    there; O(include_partner) reads the other side too.
  - Read-only; safe in check mode.
options:
  resource_group:
    description:
      - Resource group of the managed instances.
    type: str
    required: true
  location:
    description:
      - The region to look from, for example V(japaneast) or V(Japan East).
    type: str
    required: true
  name:
    description:
      - Name of one group. When it does not exist, RV(failover_groups) is empty (not an error).
      - Without it, every group of O(resource_group) in O(location) is returned (all pages).
    type: str
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
'''

RETURN = r'''
failover_groups:
  description: The groups as the API returns them for O(location); empty when O(name) does not exist.
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
from ansible_collections.azure_dr.recovery.plugins.module_utils._failover_groups.client import InstanceFailoverGroups
from ansible_collections.azure_dr.recovery.plugins.module_utils._failover_groups.options import location_problem
from ansible_collections.azure_dr.recovery.plugins.module_utils._failover_groups.sides import GroupSide, RegionHealth, other_side_of, read_other_side
from ansible_collections.azure_dr.recovery.plugins.module_utils._module import AzureDRModule
from ansible_collections.azure_dr.recovery.plugins.module_utils._validation import name_problem, resource_group_problem

PARTNER_READ_BUDGET = 30


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


def main():
    argument_spec = dict(
        resource_group=dict(type='str', required=True),
        location=dict(type='str', required=True),
        name=dict(type='str'),
        include_partner=dict(type='bool', default=False),
    )
    module = AzureDRModule(argument_spec, api='arm', supports_check_mode=True)
    with module.reporting_errors(changed=False):
        params = module.params
        validator = module.validator()
        validator.add(resource_group_problem(params['resource_group']))
        validator.add(location_problem(params['location']))
        validator.add(name_problem(params['name'], 'name', max_length=63))
        validator.check()

        groups = InstanceFailoverGroups(arm_client(module), params['resource_group'])
        if params['name']:
            group = groups.get(params['location'], params['name'])
            found = [group] if group is not None else []
        else:
            found = groups.list(params['location'])
        result = {'changed': False, 'failover_groups': found}
        if params['include_partner']:
            health = RegionHealth()
            with ThreadPoolExecutor(max_workers=min(20, len(found) or 1)) as pool:
                result['partners'] = list(pool.map(lambda group: partner_of(module, group, health), found))
        module.exit_json(**result)


if __name__ == '__main__':
    main()
