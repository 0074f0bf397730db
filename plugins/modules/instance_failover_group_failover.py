#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: contributors to the azure_dr.recovery collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
module: instance_failover_group_failover
short_description: Make a region the primary of an Azure SQL Managed Instance failover group
version_added: 0.1.0
description:
  - Makes the managed instance in O(location) the primary of the instance failover group O(name), by a planned
    failover (no data loss), a forced one, or a planned one that escalates to forced (O(failover_mode)).
  - Idempotent. The group is read first, as seen from O(location). When that region is already V(Primary)
    nothing is sent. Otherwise today's primary side is read too (best effort - in a regional outage it does not
    answer), a failover is sent to O(location) and followed to its end, then the group is read again and the task
    fails unless the region is now V(Primary).
  - Each side of a group lives in the resource group (and subscription) of its own managed instance. The primary
    side is found through the group's C(managedInstancePairs), or given by O(primary_resource_group) and
    O(primary_subscription_id).
  - Safe to re-run after an interruption. A failover already under way answers C(InstanceFailoverGroupBusy);
    the task waits that out, within O(wait_timeout), then decides again on the new state. When someone else made
    O(location) primary meanwhile (C(InstanceFailoverGroupFailoverRequestOnPrimary)), the task converges
    instead of failing. It never fails over twice and never flips the roles back.
options:
  resource_group:
    description:
      - Resource group of the managed instance at O(location).
    type: str
    required: true
  location:
    description:
      - The region whose managed instance must become primary (today's secondary), for example V(japaneast) or
        V(Japan East).
    type: str
    required: true
  name:
    description:
      - Name of the instance failover group.
    type: str
    required: true
  primary_resource_group:
    description:
      - Resource group of today's primary managed instance. Default, the one the group's C(managedInstancePairs) names.
    type: str
  primary_subscription_id:
    description:
      - Subscription of today's primary managed instance, with O(primary_resource_group); default O(subscription_id).
        One token serves every subscription of the tenant.
    type: str
extends_documentation_fragment:
  - azure_dr.recovery.failover
  - azure_dr.recovery.auth
  - azure_dr.recovery.auth.arm
  - azure_dr.recovery.attributes
attributes:
  check_mode:
    description: Reads both sides only, and reports the failover that would be sent, or why none would.
    support: full
  diff_mode:
    description: Shows the replication role of O(location) and of its partner region, before and after.
    support: full
notes:
  - The identity needs the action C(Microsoft.Sql/locations/instanceFailoverGroups/failover/action) (or
    C(forceFailoverAllowDataLoss/action)) on the resource group of O(location), and the read action on both sides'
    resource groups, for example through the SQL Managed Instance Contributor role.
  - The failover is sent to O(location) because Azure requires it to be sent to the secondary region.
seealso:
  - module: azure_dr.recovery.instance_failover_group_info
  - module: azure_dr.recovery.instance_failover_group_failover_batch
  - name: Instance failover groups REST API
    description: Failover and force failover of an instance failover group.
    link: https://learn.microsoft.com/rest/api/sql/instance-failover-groups
author:
  - azure_dr.recovery maintainers (@azure-dr)
'''

EXAMPLES = r'''
- name: Fail the sales databases over to Japan East (planned, no data loss)
  azure_dr.recovery.instance_failover_group_failover:
    resource_group: rg-sql-dr
    location: japaneast
    name: fg-sales

- name: The primary region is down; force the failover, accepting data loss
  azure_dr.recovery.instance_failover_group_failover:
    resource_group: rg-sql-dr
    location: japaneast
    name: fg-sales
    failover_mode: forced

- name: Planned if the primary region takes part, forced if it does not answer or the planned one fails or takes over
    10 minutes; the primary instance is in another resource group and subscription
  azure_dr.recovery.instance_failover_group_failover:
    resource_group: rg-sql-east
    location: Japan East
    name: fg-orders
    primary_resource_group: rg-sql-west
    primary_subscription_id: 11111111-2222-4333-8444-555555555555
    failover_mode: planned_then_forced
    forced_after: 600
  register: failover

- name: Say what was sent, and why it was forced
  ansible.builtin.debug:
    msg: "{{ failover.failover_kind }} {{ failover.escalation_reason | default('', true) }}"

- name: In AWX, the Microsoft Azure Resource Manager credential injects AZURE_CLIENT_ID, AZURE_SECRET,
    AZURE_TENANT and AZURE_SUBSCRIPTION_ID; nothing else is needed
  azure_dr.recovery.instance_failover_group_failover:
    resource_group: rg-sql-dr
    location: japaneast
    name: fg-sales

- name: Shared options once for every module of the collection
  module_defaults:
    group/azure_dr.recovery.recovery:
      subscription_id: "{{ dr_subscription_id }}"
      cloud_environment: AzureCloud
  block:
    - name: Start the failover and come back at once
      azure_dr.recovery.instance_failover_group_failover:
        resource_group: rg-sql-dr
        location: japaneast
        name: fg-sales
        wait: false
      register: started

    - name: Show where to follow it
      ansible.builtin.debug:
        var: started.operation_url
'''

RETURN = r'''
failover_group:
  description:
    - The group as the API returns it for O(location), read after the failover (or, in check mode, when nothing
      was needed, or with O(wait=false), as read before it).
  returned: success
  type: dict
  sample:
    id: /subscriptions/00000000-1111-2222-3333-444444444444/resourceGroups/Default/providers/Microsoft.Sql/locations/JapanWest/instanceFailoverGroups/fg
    name: fg
    type: Microsoft.Sql/locations/instanceFailoverGroups
    properties:
      replicationRole: Primary
      replicationState: CATCH_UP
      partnerRegions:
        - location: Japan East
          replicationRole: Secondary
      readWriteEndpoint:
        failoverPolicy: Automatic
        failoverWithDataLossGracePeriodMinutes: 480
      readOnlyEndpoint:
        failoverPolicy: Disabled
      managedInstancePairs:
        - primaryManagedInstanceId: /subscriptions/00000000-1111-2222-3333-444444444444/resourceGroups/Default/providers/Microsoft.Sql/managedInstances/b
          partnerManagedInstanceId: /subscriptions/00000000-1111-2222-3333-444444444444/resourceGroups/Default/providers/Microsoft.Sql/managedInstances/a
      secondaryType: Geo
operation_url:
  description: Where the service reports the progress of the failover (with O(wait=false), or when O(wait_timeout) ran out).
  returned: when a failover was started and not followed to its end
  type: str
  sample: https://management.azure.com/subscriptions/0000/providers/Microsoft.Sql/locations/JapanEast/instanceFailoverGroupOperationResults/fg
failover_kind:
  description:
    - The failover sent - C(planned), C(forced), or C(none) when none was (the region was already primary, or another
      operation made it primary meanwhile). C(forced) after an escalation of V(planned_then_forced). In check mode,
      the kind that would be sent.
  returned: always
  type: str
  sample: planned
escalation_reason:
  description: Why O(failover_mode=planned_then_forced) sent (or, in check mode, would send) a forced failover; null
    when it did not.
  returned: always
  type: str
  sample: "the primary side did not answer: Japan West did not answer within 30 s: ..."
sides:
  description: Both sides as read (the readiness of the group), each with C(location), C(resource_group),
    C(subscription_id), C(answered), C(found), C(replication_role), C(replication_state), C(secondary_type),
    C(failover_policy), C(derived) (found through C(managedInstancePairs)) and C(problem).
  returned: when the group was found
  type: dict
  contains:
    target:
      description: The side at O(location).
      type: dict
    primary:
      description: Today's primary side; null when it was not read (a real forced failover does not need it, or the
        group does not name its partner).
      type: dict
derived:
  description: What was found through C(managedInstancePairs) rather than given, as sentences.
  returned: when the group was found
  type: list
  elements: str
region_state:
  description: The role and replication state of O(location), as read before the task and after the failover.
  returned: success
  type: dict
  contains:
    before:
      description: C(replication_role) and C(replication_state) read first.
      type: dict
      sample: {replication_role: Secondary, replication_state: CATCH_UP}
    after:
      description: The same, read after the failover; null when none was read (check mode, O(wait=false)).
      type: dict
      sample: {replication_role: Primary, replication_state: CATCH_UP}
request_ids:
  description: Ids of the failover request, for Azure support.
  returned: when a failover was sent
  type: dict
  contains:
    request_id:
      description: C(x-ms-request-id) of the answer.
      type: str
    correlation_id:
      description: C(x-ms-correlation-request-id) of the answer.
      type: str
elapsed:
  description: Seconds the task took.
  returned: always
  type: float
  sample: 11.4
error:
  description: On failure, the API's error code and message, the HTTP status and the request ids.
  returned: failure
  type: dict
'''

from ansible_collections.azure_dr.recovery.plugins.module_utils._arm import arm_client
from ansible_collections.azure_dr.recovery.plugins.module_utils._failover_groups.failover import make_primary
from ansible_collections.azure_dr.recovery.plugins.module_utils._failover_groups.options import (
    FAILOVER_SPEC,
    GROUP_SPEC,
    failover_mode_of,
    failover_problems,
    group_problems,
)
from ansible_collections.azure_dr.recovery.plugins.module_utils._module import AzureDRModule


def main():
    argument_spec = dict(GROUP_SPEC, resource_group=dict(type='str', required=True), **FAILOVER_SPEC)
    module = AzureDRModule(argument_spec, api='arm', supports_check_mode=True)
    with module.reporting_errors(changed=False):
        params = module.params
        validator = module.validator()
        validator.extend(group_problems(params))
        validator.extend(failover_problems(params))
        mode, problem = failover_mode_of(params)
        validator.add(problem)
        validator.check()

        options = dict(params, mode=mode)
        result = make_primary(lambda subscription_id: arm_client(module, subscription_id), params, options,
                              check_mode=module.check_mode, warn=module.warn)
        module.exit_json(elapsed=module.elapsed(), **result)


if __name__ == '__main__':
    main()
