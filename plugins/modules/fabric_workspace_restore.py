#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: contributors to the azure_dr.recovery collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
module: fabric_workspace_restore
short_description: Restore a deleted Microsoft Fabric workspace
version_added: 0.1.0
description:
  - Restores a deleted Microsoft Fabric workspace through the Fabric admin API, while it is still inside its
    retention period (7 to 90 days, a tenant setting; 30 days for personal workspaces).
  - Idempotent. The workspace is read first. An C(Active) workspace is left alone (C(changed=false), no request
    sent). A C(Deleted) one is restored with only the fields given, read again, and the task fails unless it is
    now C(Active).
  - The restore API is a B(preview) API of Microsoft Fabric.
options:
  workspace_id:
    description:
      - Id (UUID) of the workspace. Exactly one of O(workspace_id) and O(workspace_name) is required.
    type: str
  workspace_name:
    description:
      - Name of the workspace, looked up among the B(deleted) workspaces (one listing, all pages). Several
        matches fail and list their ids and types, so that O(workspace_id) can be given instead.
      - When no deleted workspace has that name but one active workspace has it (or has O(new_name)), that one
        was restored already and the task reports no change; when none has it, the task fails and says so.
    type: str
  new_name:
    description:
      - Name of the restored workspace. Required for a personal workspace ("My workspace"), which comes back as an
        ordinary workspace.
      - When the workspace is already active under another name, it is not renamed; a warning says so.
    type: str
  admin_principal:
    description:
      - Who becomes administrator of the restored workspace.
    type: dict
    suboptions:
      id:
        description: Object id (UUID) of the principal.
        type: str
        required: true
      type:
        description: Kind of principal.
        type: str
        choices: [User, ServicePrincipal, Group, ServicePrincipalProfile, EntireTenant]
        default: User
extends_documentation_fragment:
  - azure_dr.recovery.fabric_workspaces
  - azure_dr.recovery.fabric_workspaces.restore
  - azure_dr.recovery.auth
  - azure_dr.recovery.auth.fabric
  - azure_dr.recovery.attributes
attributes:
  check_mode:
    description: Reads only, and reports whether a restore would be sent.
    support: full
  diff_mode:
    description: Shows the state and name of the workspace before and after.
    support: full
notes:
  - The caller must be a Fabric administrator. A service principal also needs the tenant setting
    "Service principals can access admin APIs used for updates".
  - Tokens are requested for C(https://api.fabric.microsoft.com/.default), also when O(fabric_endpoint) is set.
seealso:
  - module: azure_dr.recovery.fabric_workspace_info
  - name: Workspaces - Restore Workspace (Fabric admin REST API)
    description: The API this module calls.
    link: https://learn.microsoft.com/rest/api/fabric/admin/workspaces/restore-workspace
author:
  - azure_dr.recovery maintainers (@azure-dr)
'''

EXAMPLES = r'''
- name: Restore a deleted workspace by id, with a new administrator
  azure_dr.recovery.fabric_workspace_restore:
    workspace_id: 97dd1d38-a4c6-41ed-bc4f-1e383f8ddd0f
    admin_principal:
      id: 17dd1e38-a4c6-41ed-bc4f-1e383f8ddd01

- name: Restore by name (looked up among deleted workspaces)
  azure_dr.recovery.fabric_workspace_restore:
    workspace_name: Finance Analytics

- name: A personal workspace needs a new name
  azure_dr.recovery.fabric_workspace_restore:
    workspace_id: c1d2e3f4-a5b6-4c7d-8e9f-0a1b2c3d4e5f
    new_name: Ops (restored)

- name: In AWX, credentials from the Microsoft Azure Resource Manager credential (environment), shared options once
  module_defaults:
    group/azure_dr.recovery.recovery:
      rate_limit_timeout: 1800
  azure_dr.recovery.fabric_workspace_restore:
    workspace_name: Data Engineering
'''

RETURN = r'''
workspace:
  description:
    - The workspace as the admin API returns it, read after the restore (in check mode, or when it was already
      active, as read before).
  returned: success
  type: dict
  sample:
    id: 97dd1d38-a4c6-41ed-bc4f-1e383f8ddd0f
    name: Finance Analytics
    type: Workspace
    state: Active
    capacityId: 41ce06d1-d81b-4ea0-bc6d-2ce3dd2f8e84
elapsed:
  description: Seconds the task took.
  returned: always
  type: float
  sample: 1.2
error:
  description: On failure, the Fabric C(errorCode), message, HTTP status and C(requestId).
  returned: failure
  type: dict
'''

from ansible_collections.azure_dr.recovery.plugins.module_utils._fabric_workspaces import (
    RESTORE_MODULE_SPEC,
    RESTORE_SPEC,
    admin_workspaces,
    restore,
    restore_problems,
    timeout_problems,
)
from ansible_collections.azure_dr.recovery.plugins.module_utils._module import AzureDRModule
from ansible_collections.azure_dr.recovery.plugins.module_utils._validation import name_problem, uuid_problem


def main():
    argument_spec = dict(
        workspace_id=dict(type='str'),
        workspace_name=dict(type='str'),
        **RESTORE_SPEC, **RESTORE_MODULE_SPEC
    )
    module = AzureDRModule(argument_spec, api='fabric', supports_check_mode=True,
                           mutually_exclusive=[('workspace_id', 'workspace_name')],
                           required_one_of=[('workspace_id', 'workspace_name')])
    with module.reporting_errors(changed=False):
        run(module)


def run(module):
    params = module.params
    validator = module.validator()
    validator.add(uuid_problem(params['workspace_id'], 'workspace_id'))
    validator.add(name_problem(params['workspace_name'], 'workspace_name'))
    validator.extend(restore_problems(params))
    validator.extend(timeout_problems(params))
    validator.check()

    result = restore(admin_workspaces(module), workspace_id=params['workspace_id'],
                     workspace_name=params['workspace_name'], new_name=params['new_name'],
                     admin_principal=params['admin_principal'], wait_timeout=params['wait_timeout'],
                     check_mode=module.check_mode, warn=module.warn)
    module.exit_json(elapsed=module.elapsed(), **result)


if __name__ == '__main__':
    main()
