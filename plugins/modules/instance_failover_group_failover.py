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

from ansible_collections.azure_dr.recovery.plugins.module_utils._errors import ApiError, OperationTimeout
from ansible_collections.azure_dr.recovery.plugins.module_utils._failover_groups import (
    InstanceFailoverGroups,
    is_on_primary_error,
    location_problem,
    partner_roles,
    replication_role,
)
from ansible_collections.azure_dr.recovery.plugins.module_utils._module import AzureDRModule
from ansible_collections.azure_dr.recovery.plugins.module_utils._validation import name_problem, resource_group_problem

FORCED_WARNING = ('Forced failover (allow_data_loss=true): %s becomes primary without waiting for the old primary; '
                  'transactions not yet replicated to it are lost.')
PLANNED_TIMEOUT_HINT = ('a planned failover needs both regions to respond. Run the task again to keep waiting; only if the '
                        'primary region is really down, use allow_data_loss: true (data not yet replicated is lost).')


def roles_of(group, location):
    roles = {location: replication_role(group)}
    roles.update(partner_roles(group))
    return {'replication_role': roles}


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
        run(module)


def run(module):
    params = module.params
    location, name = params['location'], params['name']
    validator = module.validator()
    validator.add(resource_group_problem(params['resource_group']))
    validator.add(location_problem(location))
    validator.add(name_problem(name, 'name', max_length=63))
    if params['wait_timeout'] <= 0:
        validator.add('wait_timeout must be a positive number of seconds, got %d' % params['wait_timeout'])
    validator.check()

    def remaining():
        return max(1.0, params['wait_timeout'] - module.elapsed())

    arm = module.arm_client()
    groups = InstanceFailoverGroups(arm, params['resource_group'])

    # Read and decide.
    group = groups.get(location, name)
    if group is None:
        module.fail_json(msg="Instance failover group '%s' was not found in resource group '%s' at location '%s'."
                         % (name, params['resource_group'], location), changed=False, elapsed=module.elapsed())
    before = roles_of(group, location)
    if replication_role(group) == 'Primary':
        module.exit_json(changed=False, failover_group=group, elapsed=module.elapsed(),
                         diff={'before': before, 'after': before})
    after = {'replication_role': {region: 'Secondary' for region in before['replication_role']}}
    after['replication_role'][location] = 'Primary'
    diff = {'before': before, 'after': after}
    if params['allow_data_loss']:
        module.warn(FORCED_WARNING % location)
    if module.check_mode:
        module.exit_json(changed=True, failover_group=group, elapsed=module.elapsed(), diff=diff)

    # Act. A failover already under way answers 409 busy: the HTTP layer waits it out within the budget.
    try:
        response = groups.start_failover(location, name, params['allow_data_loss'], budget=remaining())
    except ApiError as error:
        if not is_on_primary_error(error):
            raise
        group = groups.get(location, name)
        if replication_role(group) != 'Primary':
            raise
        module.warn('%s became primary while this task ran (another operation failed the group over); '
                    'no failover was sent.' % location)
        module.exit_json(changed=True, failover_group=group, elapsed=module.elapsed(), diff=diff)

    request_ids = {'request_id': response.headers.get('x-ms-request-id'),
                   'correlation_id': response.headers.get('x-ms-correlation-request-id')}
    operation_url = response.headers.get('Azure-AsyncOperation') or response.headers.get('Location')
    if not params['wait']:
        module.exit_json(changed=True, failover_group=group, operation_url=operation_url, request_ids=request_ids,
                         elapsed=module.elapsed(), diff=diff)

    # Wait, then read again and check.
    try:
        arm.wait(response, timeout=remaining())
    except OperationTimeout as error:
        if not params['allow_data_loss']:
            error.hint = PLANNED_TIMEOUT_HINT
        raise
    group = groups.get(location, name)
    if replication_role(group) != 'Primary':
        module.fail_json(msg='The failover finished but %s is %s, not Primary.' % (location, replication_role(group)),
                         changed=True, failover_group=group, request_ids=request_ids, elapsed=module.elapsed())
    module.exit_json(changed=True, failover_group=group, request_ids=request_ids, elapsed=module.elapsed(), diff=diff)


if __name__ == '__main__':
    main()
