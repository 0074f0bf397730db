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
  - The groups' primary sides are read side by side; a region that did not answer for one group is not waited on
    again for the others.
options:
  groups:
    description: The groups, each with the region that must become primary.
    type: list
    elements: dict
    required: true
    suboptions:
      # A doc fragment cannot document a suboption: those that are the single module's options say so and are
      # documented there only.
      resource_group:
        description:
          - Resource group of the managed instance at O(groups[].location) (each side of a group lives in its own
            instance's resource group).
          - May be left out when O(groups[].primary_resource_group) and O(groups[].primary_location) are given; the
            primary side's C(managedInstancePairs) then names it (RV(results[].derived) says so).
        type: str
      subscription_id:
        description:
          - Subscription of the managed instance at O(groups[].location); default O(subscription_id). One token serves
            every subscription of the tenant.
        type: str
      location:
        description: As O(azure_dr.recovery.instance_failover_group_failover#module:location).
        type: str
        required: true
      name:
        description: As O(azure_dr.recovery.instance_failover_group_failover#module:name).
        type: str
        required: true
      failover_mode:
        description: This group's O(failover_mode).
        type: str
        choices: [planned, forced, planned_then_forced]
      primary_location:
        description: Region of today's primary side; needed only when O(groups[].resource_group) is left out.
        type: str
      primary_resource_group:
        description: As O(azure_dr.recovery.instance_failover_group_failover#module:primary_resource_group).
        type: str
      primary_subscription_id:
        description: As O(azure_dr.recovery.instance_failover_group_failover#module:primary_subscription_id).
        type: str
  max_concurrency:
    description:
      - How many groups are failed over at the same time. Each group is a thread that mostly waits on Azure, so
        every group of a DR plan can run at once; a lower value starts the others as groups finish (a plan of
        100 groups with 20 at a time takes five failover durations instead of one).
    type: int
    default: 100
  progress_file:
    description:
      - A file in which the module keeps, while it runs, what each group is doing, the outcome of those done, and a
        heartbeat every few seconds. This module's action sets it on a local connection, to print progress lines and
        to see a module run that was killed or stopped.
      - The module fails before any request when it cannot be written. Nothing is written when not set.
    type: path
  progress_interval:
    description:
      - Handled by this module's action, not passed to the module. Applies on a local connection (a play on
        C(localhost), the implicit localhost, or a task delegated to C(localhost)) without become, where the module runs as a
        child process of the controller with a progress file.
      - Seconds between two progress lines (the groups still failing over, what each waits for, and for how long),
        printed by the task while it runs, in AWX's job output too. On another connection the module runs on the
        target and no progress line is printed.
    type: int
    default: 30
  heartbeat_timeout:
    description:
      - Handled by this module's action, not passed to the module. Applies on a local connection without become, as
        O(progress_interval).
      - Seconds without a heartbeat in the progress file (the module beats every 5 s) after which the module's process
        is taken for dead (killed, stopped, hung), is ended, and every group it did not confirm is an error that keeps
        what is known (the failover sent, its request ids, the last stage). At least 10.
    type: int
    default: 30
extends_documentation_fragment:
  - azure_dr.recovery.failover
  - azure_dr.recovery.auth
  - azure_dr.recovery.auth.arm
  - azure_dr.recovery.attributes
attributes:
  check_mode:
    description:
      - Reads both sides of every group only, and reports for each the failover that would be sent, or why none would
        (the readiness checks of the DR playbooks).
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

- name: Readiness only - what would be sent, and each side's state - with groups in two subscriptions
  azure_dr.recovery.instance_failover_group_failover_batch:
    failover_mode: planned_then_forced
    groups:
      - name: fg-orders
        location: Japan East
        resource_group: rg-sql-east
        subscription_id: 66666666-7777-4888-9999-000000000000
        primary_resource_group: rg-sql-west
  check_mode: true
  register: readiness
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
    failover_kind:
      description: C(planned), C(forced) or C(none), as M(azure_dr.recovery.instance_failover_group_failover) returns it.
      type: str
    escalation_reason:
      description: Why a forced failover was (or would be) sent by V(planned_then_forced).
      type: str
    sides:
      description: Both sides as read, as M(azure_dr.recovery.instance_failover_group_failover) returns them.
      type: dict
    derived:
      description: What was found through C(managedInstancePairs) rather than given.
      type: list
      elements: str
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
from ansible_collections.azure_dr.recovery.plugins.module_utils._failover_groups.failover import make_primary
from ansible_collections.azure_dr.recovery.plugins.module_utils._failover_groups.options import (
    BATCH_GROUP_SPEC,
    FAILOVER_SPEC,
    failover_mode_of,
    failover_problems,
    group_problems,
)
from ansible_collections.azure_dr.recovery.plugins.module_utils._failover_groups.sides import RegionHealth
from ansible_collections.azure_dr.recovery.plugins.module_utils._module import AzureDRModule
from ansible_collections.azure_dr.recovery.plugins.module_utils._validation import positive_problem, repeated_problems


def main():
    argument_spec = dict(
        groups=dict(type='list', elements='dict', required=True, options=BATCH_GROUP_SPEC),
        max_concurrency=dict(type='int', default=100),
        progress_file=dict(type='path'),
        # Options of this module's action, which takes them out before the module runs (as ansible.builtin.assemble's
        # decrypt): accepted here so that the documentation and the argument spec agree.
        progress_interval=dict(type='int', default=30),
        heartbeat_timeout=dict(type='int', default=30),
        **FAILOVER_SPEC
    )
    module = AzureDRModule(argument_spec, api='arm', supports_check_mode=True)
    with module.reporting_errors(changed=False):
        params = module.params
        groups = params['groups']
        validator = module.validator(subscription_required=not all(
            group['subscription_id'] and (group['primary_subscription_id'] or not group['primary_resource_group'])
            for group in groups))
        modes = []
        for index, group in enumerate(groups):
            where = 'groups[%d]' % index
            validator.extend(group_problems(group, where))
            mode, problem = failover_mode_of(params, group['failover_mode'], where)
            validator.add(problem)
            modes.append(mode)
        validator.extend(repeated_problems(
            groups, 'groups', lambda group: (str(group['subscription_id'] or params['subscription_id']).lower(),
                                             str(group['resource_group']).lower(), str(group['name']).lower()),
            lambda group: 'failover group %s' % group['name']))
        validator.extend(failover_problems(params))
        validator.add(positive_problem(params['max_concurrency'], 'max_concurrency', 'a positive number'))
        validator.check()

        progress = module.progress([dict(name=group['name'], where=group['location']) for group in groups])
        health = RegionHealth()  # shared: a region down is waited on once for all groups

        def one(index, group):
            progress.stage(index, 'reading')
            outcome = module.outcome_of(group, lambda: make_primary(
                lambda subscription_id: arm_client(module, subscription_id), group, dict(params, mode=modes[index]),
                check_mode=module.check_mode, health=health,
                warn=lambda message: module.warn('%s: %s' % (group['name'], message)),
                stage=lambda text, **known: progress.stage(index, text, **known)))
            progress.done(index, outcome)
            return outcome

        with ThreadPoolExecutor(max_workers=min(params['max_concurrency'], len(groups) or 1)) as pool:
            results = list(pool.map(one, range(len(groups)), groups))
        module.exit_batch(results, 'failover group(s)', lambda group: group['name'])


if __name__ == '__main__':
    main()
