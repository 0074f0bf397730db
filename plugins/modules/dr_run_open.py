#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: contributors to the azure_dr.recovery collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
module: dr_run_open
short_description: Open a DR run - the plan, the run's options and its confirmation, checked before any call
version_added: 0.3.0
description:
  - The first phase of a DR run (M(azure_dr.recovery.dr_run_open), M(azure_dr.recovery.dr_run_readiness),
    M(azure_dr.recovery.dr_run_execute), your own steps with M(azure_dr.recovery.dr_step), then
    M(azure_dr.recovery.dr_run_report)). It checks the DR plan and the run's options and lists every problem at once,
    before any call to Azure or Fabric, then opens the run's record - the host fact C(dr_run), also written to its
    journal beside the reports - that the other phases extend.
  - The plan is the variable C(dr_plan) (C(-e @plan.yml)), or the file C(<dr_plan_dir>/<dr_plan_name>.yml) (relative
    to the directory ansible-playbook runs in; in AWX, the project). The run's options are the variables the DR
    playbooks document (docs/dr_plan.md) - C(dr_failover_mode), C(dr_allow_data_loss), C(dr_confirm),
    C(dr_require_confirmation), C(dr_auth), C(dr_fabric_auth), C(dr_progress_interval) and, for a live drill,
    C(dr_drill_soak_seconds), C(dr_drill_max_groups), C(dr_drill_validate_tasks) (whose file must load, checked now),
    C(dr_drill_fail_back_on_validation_failure).
  - A run that may force a failover needs C(dr_confirm) set to the plan's name followed by C( WITH DATA LOSS).
  - A run may be limited to some groups and some workspaces of the plan, those an event names - C(dr_only_groups)
    (names of the plan's failover groups; an empty list, none) and C(dr_only_workspaces) (names or ids of the plan's
    workspaces, or mappings with C(id) and C(name) as an event carries them) - a name that is not the plan's is an
    error before any call. The record's C(plan) then holds only those, and its C(scope) says what was left out.
  - C(dr_confirm_only=true) makes a run that never sends a failover - its groups are read in check mode; a group
    already primary at its target is confirmed (moved by someone else), one that is not is reported as not moved. The
    workspaces are restored as in any run.
  - C(dr_event), the event that started the run (a rulebook's), is kept in the record and the report.
  - Runs on the controller, in the controller's process.
options:
  playbook:
    description:
      - The run's name in its report and its files, C(dr_failover), C(dr_failback), C(dr_drill), C(dr_drill_live), or
        your runbook's own name.
      - For the four DR playbooks it also decides O(target) and O(restore).
    type: str
    required: true
  target:
    description:
      - The side each group is made primary at, C(dr) (fail over) or C(primary) (fail back).
      - Default C(primary) for C(dr_failback), else C(dr).
    type: str
    choices: [dr, primary]
  restore:
    description:
      - Whether the plan's Fabric workspaces are restored. Default true for C(dr_failover), C(dr_drill) and a runbook
        of your own, false for C(dr_failback) and C(dr_drill_live).
    type: bool
  rehearsal:
    description:
      - Whether the run only reads and reports what it would do. Default true in check mode and for C(dr_drill).
    type: bool
attributes:
  check_mode:
    description: Opens the run in check mode too, as a drill has a record and a report.
    support: full
extends_documentation_fragment:
  - azure_dr.recovery.attributes.action
  - azure_dr.recovery.dr_run
author:
  - azure_dr.recovery maintainers (@azure-dr)
'''

EXAMPLES = r'''
- name: Open the run of my runbook
  azure_dr.recovery.dr_run_open:
    playbook: contoso_runbook
'''

RETURN = r'''
run_id:
  description: The run's id, unique for two runs started in the same second; its report files are named by it.
  returned: success
  type: str
  sample: 20261207T101500Z-3fa9c1
ansible_facts:
  description: The run's record, extended by this phase (also written to its journal, C(<report path>.journal)).
  returned: success
  type: dict
  contains:
    dr_run:
      description:
        - The record of the DR run (docs/dr_run.md) - C(run_id), C(playbook), C(target), C(restore), C(rehearsal),
          C(plan) (only the groups and workspaces of this run), C(scope) (C(groups), C(workspaces), C(left_out),
          C(confirm_only)), C(event), C(groups) (each as it fails over), C(options), C(started), C(phases) (the epoch
          at which each began), C(readiness), C(workspaces), C(rows), C(legs) and C(soak_left) (a live drill),
          C(steps), C(report_path) and C(journal). It holds no secret.
      type: dict
      returned: success
msg:
  description: What the run will do.
  returned: success
  type: str
  sample: "DR run 20261207T101500Z-3fa9c1 of contoso-prod (dr_failover): 2 failover group(s), 3 workspace(s)"
'''
