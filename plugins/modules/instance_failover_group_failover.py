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
    failover (no data loss) or, with O(allow_data_loss=true), a forced failover.
  - Idempotent. The group is read first, as seen from O(location). When that region is already V(Primary)
    nothing is sent. Otherwise a failover is sent there and followed to its end, then the group is read again
    and the task fails unless the region is now V(Primary).
  - Safe to re-run after an interruption. A failover already under way answers C(InstanceFailoverGroupBusy);
    the task waits that out, within O(wait_timeout), then decides again on the new state. When someone else made
    O(location) primary meanwhile (C(InstanceFailoverGroupFailoverRequestOnPrimary)), the task converges
    instead of failing. It never fails over twice and never flips the roles back.
options:
  resource_group:
    description:
      - Resource group of the managed instances.
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
  allow_data_loss:
    description:
      - V(false) sends a planned failover (C(failover)). Both regions synchronise first, no data is lost, and the
        old primary must be reachable.
      - V(true) sends a forced failover (C(forceFailoverAllowDataLoss)). The secondary becomes primary at once,
        and transactions committed on the old primary but not yet replicated are lost. Use it only when the
        primary region is really down. The result carries a warning.
    type: bool
    default: false
  wait:
    description:
      - Follow the failover to its end and check the new role.
      - V(false) returns as soon as the service has accepted the failover, with RV(operation_url) to follow it.
    type: bool
    default: true
  wait_timeout:
    description:
      - Seconds to wait, in all, for a failover already under way to settle and for this one to complete. A
        managed instance failover usually takes minutes; large instances can take much longer.
      - When the time is up, the task fails with the RV(operation_url); the failover goes on in Azure, and running
        the task again waits for it.
    type: int
    default: 3600
extends_documentation_fragment:
  - azure_dr.recovery.auth
  - azure_dr.recovery.auth.arm
  - azure_dr.recovery.attributes
attributes:
  check_mode:
    description: Reads the group only, and reports whether a failover would be sent.
    support: full
  diff_mode:
    description: Shows the replication role of O(location) and of its partner region, before and after.
    support: full
notes:
  - The identity needs the action C(Microsoft.Sql/locations/instanceFailoverGroups/failover/action) (or
    C(forceFailoverAllowDataLoss/action)) on the resource group, for example through the SQL Managed Instance
    Contributor role.
  - The failover is sent to O(location) because Azure requires it to be sent to the secondary region.
seealso:
  - module: azure_dr.recovery.instance_failover_group_info
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
    allow_data_loss: true

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
      operation made it primary meanwhile). In check mode, the kind that would be sent.
  returned: success
  type: str
  sample: planned
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
from ansible_collections.azure_dr.recovery.plugins.module_utils._failover_groups import (
    InstanceFailoverGroups,
    location_problem,
    make_primary,
)
from ansible_collections.azure_dr.recovery.plugins.module_utils._module import AzureDRModule
from ansible_collections.azure_dr.recovery.plugins.module_utils._validation import name_problem, positive_problem, resource_group_problem


def main():
    argument_spec = dict(
        resource_group=dict(type='str', required=True),
        location=dict(type='str', required=True),
        name=dict(type='str', required=True),
        allow_data_loss=dict(type='bool', default=False),
        wait=dict(type='bool', default=True),
        wait_timeout=dict(type='int', default=3600),
    )
    module = AzureDRModule(argument_spec, api='arm', supports_check_mode=True)
    with module.reporting_errors(changed=False):
        params = module.params
        validator = module.validator()
        validator.add(resource_group_problem(params['resource_group']))
        validator.add(location_problem(params['location']))
        validator.add(name_problem(params['name'], 'name', max_length=63))
        validator.add(positive_problem(params['wait_timeout'], 'wait_timeout'))
        validator.check()

        groups = InstanceFailoverGroups(arm_client(module), params['resource_group'])
        result = make_primary(groups, params['resource_group'], params['location'], params['name'],
                              allow_data_loss=params['allow_data_loss'], wait=params['wait'],
                              wait_timeout=params['wait_timeout'], check_mode=module.check_mode, warn=module.warn)
        module.exit_json(elapsed=module.elapsed(), **result)


if __name__ == '__main__':
    main()
