#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: contributors to the azure_dr.recovery collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
module: dr_run_readiness
short_description: Readiness of a DR run, its go or no-go - both sides of every group and every workspace read
version_added: 0.3.0
description:
  - Reads both sides of every failover group of the run side by side, with the very decisions of the failover itself
    (M(azure_dr.recovery.instance_failover_group_failover_batch) in check mode), beside one listing of every Fabric
    workspace (M(azure_dr.recovery.fabric_workspace_info)) - two workers at once, child processes of this task.
  - Records the readiness in the run (C(go), C(problems), C(notes), C(groups), C(workspaces)) and prints its notes,
    and a loud line when a failover may be forced.
  - A problem (a group not found, seeding, whose planned failover would be refused; a workspace that cannot be
    restored) is a no-go - the task fails, before any change, saying every problem; the report phase then reports it.
  - Credentials and endpoints - C(dr_auth) and C(dr_fabric_auth), the environment, or
    C(module_defaults) of C(group/azure_dr.recovery.recovery) - reach the workers.
options: {}
attributes:
  check_mode:
    description: Reads only, in check mode or not.
    support: full
extends_documentation_fragment:
  - azure_dr.recovery.attributes.action
  - azure_dr.recovery.dr_run
author:
  - azure_dr.recovery maintainers (@azure-dr)
'''

EXAMPLES = r'''
- name: Readiness
  azure_dr.recovery.dr_run_readiness:
'''

RETURN = r'''
run_id:
  description: The run's id, unique for two runs started in the same second; its report files are named by it.
  returned: success
  type: str
  sample: 20261207T101500Z-3fa9c1
ansible_facts:
  description:
    - The run's record as the host fact C(dr_run), extended by this phase and written to its journal
      (M(azure_dr.recovery.dr_run_open) documents it).
  returned: success
  type: dict
readiness:
  description: What readiness found (docs/dr_report.md, "readiness").
  returned: success
  type: dict
'''
