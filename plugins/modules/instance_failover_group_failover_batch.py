#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: contributors to the azure_dr.recovery collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
module: instance_failover_group_failover_batch
short_description: Fail many Azure SQL Managed Instance failover groups over at once
version_added: 0.1.0
description:
  - Does what M(azure_dr.recovery.instance_failover_group_failover) does, for every group of O(groups) at the same
    time, in one process that shares one token and one HTTP session. Used by the C(sql_mi_failover) role; a process
    per group would cost a Python start, the library imports and a token each.
  - Each group is read first and left alone when O(groups[].location) is already primary. One failing group does not
    stop the others; the task fails at the end, listing every failed group, and RV(results) has every outcome.
options:
  groups:
    description: The groups, each with the region that must become primary.
    type: list
    elements: dict
    required: true
    suboptions:
      resource_group:
        description: Resource group of the managed instance at O(groups[].location) (each side of a group lives in
          its own instance's resource group).
        type: str
        required: true
      subscription_id:
        description:
          - Subscription of the managed instance at O(groups[].location); default O(subscription_id). One token serves
            every subscription of the tenant.
        type: str
      location:
        description: Region that must become primary.
        type: str
        required: true
      name:
        description: Name of the instance failover group.
        type: str
        required: true
  allow_data_loss:
    description:
      - V(true) forces every failover (C(forceFailoverAllowDataLoss)); transactions not yet replicated are lost. Only
        when the primary region is really down.
    type: bool
    default: false
  wait:
    description: Follow every failover to its end and check the new roles.
    type: bool
    default: true
  wait_timeout:
    description: Seconds each group may take, waiting for a busy group included.
    type: int
    default: 3600
  max_concurrency:
    description: How many groups are failed over at the same time.
    type: int
    default: 20
  progress_file:
    description:
      - A file in which the module keeps, while it runs, what each group is doing, the outcome of those done, and a
        heartbeat every few seconds. M(azure_dr.recovery.batch_job_wait) reads it to report progress and to see a job
        that was killed or stopped. The C(sql_mi_failover) role sets it for its async job.
      - The module fails before any request when it cannot be written. Nothing is written when not set.
    type: path
extends_documentation_fragment:
  - azure_dr.recovery.auth
  - azure_dr.recovery.auth.arm
  - azure_dr.recovery.attributes
attributes:
  check_mode:
    description: Reads the groups only, and reports for each whether a failover would be sent.
    support: full
  diff_mode:
    description: The diff of each group is in its entry of RV(results).
    support: partial
seealso:
  - module: azure_dr.recovery.instance_failover_group_failover
author:
  - azure_dr.recovery maintainers (@azure-dr)
'''

EXAMPLES = r'''
- name: Fail two groups over to their DR regions at once
  azure_dr.recovery.instance_failover_group_failover_batch:
    groups:
      - {resource_group: rg-sql-dr, location: japaneast, name: fg-sales}
      - {resource_group: rg-sql-dr, location: westus, name: fg-finance}
  register: failovers
'''

RETURN = r'''
results:
  description: One entry per group, in the order of O(groups), with the keys of
    M(azure_dr.recovery.instance_failover_group_failover)'s result.
  returned: always
  type: list
  elements: dict
  contains:
    item:
      description: The group as given in O(groups).
      type: dict
    changed:
      description: Whether the group was (or, in check mode, would be) failed over.
      type: bool
    failed:
      description: Whether this group failed.
      type: bool
    msg:
      description: The error, when the group failed.
      type: str
    cause:
      description: The error without what is particular to one request (its URL, its request id), for saying a cause
        shared by several groups once.
      type: str
    failover_group:
      description: The group as the API returns it for its location, after the failover.
      type: dict
    started:
      description: Seconds after the start of the task when the work on this group began.
      type: float
    elapsed:
      description: Seconds this group took.
      type: float
elapsed:
  description: Seconds the task took.
  returned: always
  type: float
'''

from concurrent.futures import ThreadPoolExecutor

from ansible_collections.azure_dr.recovery.plugins.module_utils._arm import arm_client
from ansible_collections.azure_dr.recovery.plugins.module_utils._failover_groups import (
    InstanceFailoverGroups,
    location_problem,
    make_primary,
)
from ansible_collections.azure_dr.recovery.plugins.module_utils._module import AzureDRModule
from ansible_collections.azure_dr.recovery.plugins.module_utils._validation import (
    name_problem,
    positive_problem,
    repeated_problems,
    resource_group_problem,
    uuid_problem,
)


def main():
    argument_spec = dict(
        groups=dict(type='list', elements='dict', required=True, options=dict(
            resource_group=dict(type='str', required=True),
            subscription_id=dict(type='str'),
            location=dict(type='str', required=True),
            name=dict(type='str', required=True),
        )),
        allow_data_loss=dict(type='bool', default=False),
        wait=dict(type='bool', default=True),
        wait_timeout=dict(type='int', default=3600),
        max_concurrency=dict(type='int', default=20),
        progress_file=dict(type='path'),
    )
    module = AzureDRModule(argument_spec, api='arm', supports_check_mode=True)
    with module.reporting_errors(changed=False):
        params = module.params
        validator = module.validator(subscription_required=not all(group['subscription_id'] for group in params['groups']))
        for index, group in enumerate(params['groups']):
            where = 'groups[%d]' % index
            validator.add(uuid_problem(group['subscription_id'], where + '.subscription_id'))
            validator.add(resource_group_problem(group['resource_group'], where + '.resource_group'))
            validator.add(location_problem(group['location'], where + '.location'))
            validator.add(name_problem(group['name'], where + '.name', max_length=63))
        validator.extend(repeated_problems(
            params['groups'], 'groups', lambda group: (str(group['subscription_id'] or params['subscription_id']).lower(),
                                                       str(group['resource_group']).lower(), str(group['name']).lower()),
            lambda group: 'failover group %s' % group['name']))
        validator.add(positive_problem(params['wait_timeout'], 'wait_timeout'))
        validator.add(positive_problem(params['max_concurrency'], 'max_concurrency', 'a positive number'))
        validator.check()

        progress = module.progress([dict(name=group['name'], where=group['location']) for group in params['groups']])

        def one(index, group):
            progress.stage(index, 'reading')
            outcome = module.outcome_of(group, lambda: make_primary(
                InstanceFailoverGroups(arm_client(module, group['subscription_id']), group['resource_group']),
                group['resource_group'], group['location'],
                group['name'], allow_data_loss=params['allow_data_loss'], wait=params['wait'],
                wait_timeout=params['wait_timeout'], check_mode=module.check_mode,
                warn=lambda message: module.warn('%s: %s' % (group['name'], message)),
                stage=lambda text, **known: progress.stage(index, text, **known)))
            progress.done(index, outcome)
            return outcome

        with ThreadPoolExecutor(max_workers=min(params['max_concurrency'], len(params['groups']) or 1)) as pool:
            results = list(pool.map(one, range(len(params['groups'])), params['groups']))
        module.exit_batch(results, 'failover group(s)', lambda group: group['name'])


if __name__ == '__main__':
    main()
