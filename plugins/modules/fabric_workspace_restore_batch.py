#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: contributors to the azure_dr.recovery collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
module: fabric_workspace_restore_batch
short_description: Restore many deleted Microsoft Fabric workspaces, within the rate limit
version_added: 0.1.0
description:
  - Does what M(azure_dr.recovery.fabric_workspace_restore) does, for every workspace of O(workspaces), in one
    process that shares one token and one HTTP session. Used by the C(fabric_workspace_restore) role.
  - The restore API allows a few calls a minute per caller (10 today). The workspaces are read and restored side by
    side (up to 8 at once); a C(429) answer is waited out for exactly its C(Retry-After), and no other restore of
    the batch is sent before then. So the whole batch takes the time the rate limit allows, without a process
    start, library imports and a token per workspace.
  - Each workspace is read first and left alone when it is already active. One failing workspace does not stop
    the others; the task fails at the end, listing every failed workspace, and RV(results) has every outcome.
  - The restore API is a B(preview) API of Microsoft Fabric.
options:
  workspaces:
    description: The workspaces to restore, by id (the role finds ids by name with one listing).
    type: list
    elements: dict
    required: true
    suboptions:
      # A doc fragment cannot document a suboption: those that are the single module's options say so and are
      # documented there only.
      workspace_id:
        description: Id (UUID) of the workspace.
        type: str
        required: true
      new_name:
        description: As O(azure_dr.recovery.fabric_workspace_restore#module:new_name).
        type: str
      admin_principal:
        description: As O(azure_dr.recovery.fabric_workspace_restore#module:admin_principal).
        type: dict
        suboptions:
          id:
            description: As O(azure_dr.recovery.fabric_workspace_restore#module:admin_principal.id).
            type: str
            required: true
          type:
            description: As O(azure_dr.recovery.fabric_workspace_restore#module:admin_principal.type).
            type: str
            choices: [User, ServicePrincipal, Group, ServicePrincipalProfile, EntireTenant]
            default: User
  requested:
    description:
      - Handled by this module's action, which turns it into O(workspaces); give O(requested) or O(workspaces), not
        both. Used by the C(fabric_workspace_restore) role.
      - The workspaces to bring back, each by id or by name, matched against O(listing). A name matches a deleted
        workspace first, else the active one a previous run restored (under that name or its new name); none, or
        several, is an error for that workspace, before any request. Only the deleted ones are handed to the module
        (without O(listing), every one given by id, since the module reads each anyway).
      - The task then returns C(rows), one report row per requested workspace, in their order; one already active
        has the action C(none).
    type: list
    elements: dict
    suboptions:
      id:
        description: Workspace id (UUID). Exactly one of O(requested[].id) and O(requested[].name).
        type: str
      name:
        description: Workspace name; needs O(listing).
        type: str
      new_name:
        description: As O(azure_dr.recovery.fabric_workspace_restore#module:new_name).
        type: str
      admin_principal:
        description: As O(azure_dr.recovery.fabric_workspace_restore#module:admin_principal); default
          O(default_admin_principal).
        type: dict
  listing:
    description:
      - Handled by this module's action, with O(requested).
      - Every workspace, as RV(azure_dr.recovery.fabric_workspace_info#module:workspaces) returns them without filter
        (deleted ones included); one listing serves every requested workspace (the admin reads allow 200 calls an
        hour). Leave it out when every workspace is given by id.
    type: list
    elements: dict
  default_admin_principal:
    description:
      - Handled by this module's action, with O(requested).
      - Administrator of the restored workspaces that do not name one, C({id, type}); type defaults to C(User).
    type: dict
extends_documentation_fragment:
  - azure_dr.recovery.fabric_workspaces
  - azure_dr.recovery.fabric_workspaces.restore
  - azure_dr.recovery.auth
  - azure_dr.recovery.auth.fabric
  - azure_dr.recovery.attributes
attributes:
  check_mode:
    description: Reads the workspaces only, and reports for each whether a restore would be sent.
    support: full
  diff_mode:
    description: No diff is returned; each entry of RV(results) has the workspace as read.
    support: none
seealso:
  - module: azure_dr.recovery.fabric_workspace_restore
author:
  - azure_dr.recovery maintainers (@azure-dr)
'''

EXAMPLES = r'''
- name: Restore three workspaces, one with a new name and administrator
  azure_dr.recovery.fabric_workspace_restore_batch:
    workspaces:
      - workspace_id: 97dd1d38-a4c6-41ed-bc4f-1e383f8ddd0f
      - workspace_id: 5a6b7c8d-9e0f-4a1b-8c2d-3e4f5a6b7c8d
      - workspace_id: c1d2e3f4-a5b6-4c7d-8e9f-0a1b2c3d4e5f
        new_name: Ops (restored)
        admin_principal:
          id: 17dd1e38-a4c6-41ed-bc4f-1e383f8ddd01
          type: User
  register: restored
'''

RETURN = r'''
results:
  description: One outcome per workspace, in the order of O(workspaces).
  returned: always
  type: list
  elements: dict
  contains:
    item:
      description: The workspace as given in O(workspaces).
      type: dict
    changed:
      description: Whether the workspace was restored (in check mode, would be).
      type: bool
    failed:
      description: Whether this workspace failed.
      type: bool
    msg:
      description: Why it failed.
      type: str
    cause:
      description: Why it failed, without what is particular to one request (its URL, its request id), for saying a
        cause shared by several workspaces once.
      type: str
    workspace:
      description: The workspace as the admin API returns it, read after the restore.
      type: dict
    error:
      description: On failure, the Fabric C(errorCode), message, HTTP status and C(requestId).
      type: dict
    started:
      description: Seconds after the start of the task when the work on this workspace began.
      type: float
    elapsed:
      description: Seconds this workspace took, from its first read to its last (waiting for its turn included).
      type: float
  sample:
    - item: {workspace_id: 97dd1d38-a4c6-41ed-bc4f-1e383f8ddd0f}
      changed: true
      failed: false
      workspace: {id: 97dd1d38-a4c6-41ed-bc4f-1e383f8ddd0f, name: Finance Analytics, state: Active}
      started: 0.1
      elapsed: 0.4
elapsed:
  description: Seconds the task took.
  returned: always
  type: float
  sample: 12.3
'''

from concurrent.futures import ThreadPoolExecutor

from ansible_collections.azure_dr.recovery.plugins.module_utils._fabric_workspaces import (
    RESTORE_MODULE_SPEC,
    RESTORE_SPEC,
    PendingRestore,
    admin_workspaces,
    decide,
    finish_restore,
    restore_problems,
    send_restore,
    timeout_problems,
)
from ansible_collections.azure_dr.recovery.plugins.module_utils._module import AzureDRModule
from ansible_collections.azure_dr.recovery.plugins.module_utils._validation import repeated_problems, uuid_problem

# Workspaces read, restored and read again side by side (reads are limited per hour, not per minute).
PARALLEL_READS = 8


def main():
    argument_spec = dict(
        workspaces=dict(type='list', elements='dict', required=True, options=dict(
            workspace_id=dict(type='str', required=True),
            **RESTORE_SPEC
        )),
        # Options of this module's action, which turns them into workspaces before the module runs (as
        # ansible.builtin.assemble's decrypt): accepted here so that the documentation and the argument spec agree.
        requested=dict(type='list', elements='dict', options=dict(
            id=dict(type='str'), name=dict(type='str'), new_name=dict(type='str'), admin_principal=dict(type='dict'),
        ), mutually_exclusive=[['id', 'name']], required_one_of=[['id', 'name']]),
        listing=dict(type='list', elements='dict'),
        default_admin_principal=dict(type='dict'),
        **RESTORE_MODULE_SPEC
    )
    module = AzureDRModule(argument_spec, api='fabric', supports_check_mode=True)
    with module.reporting_errors(changed=False):
        params = module.params
        validator = module.validator()
        for index, item in enumerate(params['workspaces']):
            where = 'workspaces[%d]' % index
            validator.add(uuid_problem(item['workspace_id'], where + '.workspace_id'))
            validator.extend(restore_problems(item, where))
        validator.extend(repeated_problems(params['workspaces'], 'workspaces', lambda item: str(item['workspace_id']).lower(),
                                           lambda item: 'workspace %s' % item['workspace_id']))
        validator.extend(timeout_problems(params))
        validator.check()

        workspaces = admin_workspaces(module)

        def one(item):
            def warn(message):
                module.warn('%s: %s' % (item['workspace_id'], message))

            decided = decide(workspaces, workspace_id=item['workspace_id'], new_name=item['new_name'],
                             check_mode=module.check_mode, warn=warn)
            if isinstance(decided, PendingRestore):
                # Side by side: a 429 holds back every restore of this run until its Retry-After (_http.Throttle).
                response = send_restore(workspaces, decided, item['new_name'], item['admin_principal'], warn)
                decided = finish_restore(workspaces, decided, response, params['wait_timeout'])
            decided.pop('diff', None)
            return decided

        with ThreadPoolExecutor(max_workers=min(PARALLEL_READS, len(params['workspaces']) or 1)) as pool:
            results = list(pool.map(lambda item: module.outcome_of(item, lambda: one(item)), params['workspaces']))
        module.exit_batch(results, 'workspace(s)', lambda item: item['workspace_id'])


if __name__ == '__main__':
    main()
