#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: contributors to the azure_dr.recovery collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
module: fabric_workspace_info
short_description: Read Microsoft Fabric workspaces through the admin API
version_added: 0.1.0
description:
  - Reads one workspace by id, or lists workspaces with filters, following every page.
  - One listing answers for many workspaces. The admin reads are limited to 200 an hour per caller, so a DR
    playbook lists the deleted workspaces once instead of reading them one by one.
  - Read-only; safe in check mode.
options:
  workspace_id:
    description:
      - Id (UUID) of one workspace. When it does not exist (or has passed its retention period), RV(workspaces) is
        empty. The filters are ignored.
    type: str
  state:
    description:
      - Only workspaces in this state.
    type: str
    choices: [active, deleted]
  name:
    description:
      - Only workspaces with exactly this name (case-insensitive).
    type: str
  type:
    description:
      - Only workspaces of this type.
    type: str
    choices: [Workspace, Personal, AdminWorkspace]
  capacity_id:
    description:
      - Only workspaces on this capacity (UUID).
    type: str
extends_documentation_fragment:
  - azure_dr.recovery.fabric_workspaces
  - azure_dr.recovery.auth
  - azure_dr.recovery.auth.fabric
  - azure_dr.recovery.attributes
  - azure_dr.recovery.attributes.info_module
notes:
  - The caller must be a Fabric administrator, or a service principal allowed to use the admin APIs.
  - The listing API is a B(preview) API of Microsoft Fabric.
seealso:
  - module: azure_dr.recovery.fabric_workspace_restore
author:
  - azure_dr.recovery maintainers (@azure-dr)
'''

EXAMPLES = r'''
- name: Every deleted workspace, in one listing
  azure_dr.recovery.fabric_workspace_info:
    state: deleted
  register: deleted

- name: Their ids and names
  ansible.builtin.debug:
    msg: "{{ deleted.workspaces | map(attribute='name') | list }}"

- name: One workspace, credentials from the environment (AWX's Azure credential)
  azure_dr.recovery.fabric_workspace_info:
    workspace_id: 97dd1d38-a4c6-41ed-bc4f-1e383f8ddd0f
  register: one
'''

RETURN = r'''
workspaces:
  description: The workspaces as the admin API returns them.
  returned: always
  type: list
  elements: dict
  sample:
    - id: 97dd1d38-a4c6-41ed-bc4f-1e383f8ddd0f
      name: Finance Analytics
      type: Workspace
      state: Deleted
      capacityId: 41ce06d1-d81b-4ea0-bc6d-2ce3dd2f8e84
'''

from ansible_collections.azure_dr.recovery.plugins.module_utils._fabric_workspaces import (
    RATE_LIMIT_SPEC, WORKSPACE_TYPES, admin_workspaces, timeout_problems)
from ansible_collections.azure_dr.recovery.plugins.module_utils._module import AzureDRModule
from ansible_collections.azure_dr.recovery.plugins.module_utils._validation import name_problem, uuid_problem


def main():
    argument_spec = dict(
        workspace_id=dict(type='str'),
        state=dict(type='str', choices=['active', 'deleted']),
        name=dict(type='str'),
        type=dict(type='str', choices=list(WORKSPACE_TYPES)),
        capacity_id=dict(type='str'),
        **RATE_LIMIT_SPEC
    )
    module = AzureDRModule(argument_spec, api='fabric', supports_check_mode=True)
    with module.reporting_errors(changed=False):
        params = module.params
        validator = module.validator()
        validator.add(uuid_problem(params['workspace_id'], 'workspace_id'))
        validator.add(uuid_problem(params['capacity_id'], 'capacity_id'))
        validator.add(name_problem(params['name'], 'name'))
        validator.extend(timeout_problems(params))
        validator.check()

        workspaces = admin_workspaces(module)
        if params['workspace_id']:
            workspace = workspaces.get(params['workspace_id'])
            found = [workspace] if workspace is not None else []
        else:
            found = workspaces.list(state=params['state'], name=params['name'], workspace_type=params['type'],
                                    capacity_id=params['capacity_id'])
        module.exit_json(changed=False, workspaces=found)


if __name__ == '__main__':
    main()
