#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: contributors to the azure_dr.recovery collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
module: dr_run_execute
short_description: Fail over every group and restore every workspace of a DR run, side by side
version_added: 0.3.0
description:
  - Runs the failovers (M(azure_dr.recovery.instance_failover_group_failover_batch)) and the restores of the
    workspaces readiness found deleted (M(azure_dr.recovery.fabric_workspace_restore_batch)) side by side, each a
    worker of its own (a child process of this task, its credentials on its standard input), and records one row per
    group and workspace in the run.
  - Prints a progress line at most every C(dr_progress_interval) seconds (default 30) while failovers run.
  - The dead-worker rule - a worker that dies (killed, out of memory) or stops beating for O(heartbeat_timeout)
    seconds is seen at once, and every group it had not confirmed is an error that keeps what is known (the failover sent,
    its request ids, the last stage); a run again converges.
  - Does not fail when a group or workspace fails - M(azure_dr.recovery.dr_run_report) does, after writing the report.
  - A live drill's legs (O(leg)) are planned failovers of every group, there and back; the failback is left out, and
    said so, after a failed check when C(dr_drill_fail_back_on_validation_failure) is false.
options:
  leg:
    description:
      - A live drill's leg, C(failover) (every group to its DR side) or C(failback) (every group back). Without it,
        the run's groups fail over as the run decided, and its workspaces are restored.
    type: str
    choices: [failover, failback]
  wait_timeout:
    description: Seconds each failover may take, waiting for a busy group included.
    type: int
    default: 3600
  heartbeat_timeout:
    description: Seconds without a heartbeat from a worker after which it is taken for dead (killed, stopped, hung).
    type: int
    default: 30
attributes:
  check_mode:
    description: In check mode (and in a rehearsal) the workers read only and say what they would do.
    support: full
extends_documentation_fragment:
  - azure_dr.recovery.attributes.action
  - azure_dr.recovery.dr_run
author:
  - azure_dr.recovery maintainers (@azure-dr)
'''

EXAMPLES = r'''
- name: Fail over every group and restore every workspace
  azure_dr.recovery.dr_run_execute:
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
rows:
  description: One row per group and workspace, as in the report (docs/dr_report.md, "items").
  returned: success
  type: list
  elements: dict
'''
