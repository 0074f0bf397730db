#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: contributors to the azure_dr.recovery collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
module: dr_drill_checks
short_description: Run a live drill's checks after a leg, in an ansible-playbook of their own, and record them
version_added: 0.3.0
description:
  - Runs C(dr_drill_validate_tasks) after a leg of the playbook C(azure_dr.recovery.dr_drill_live) in an ansible-playbook of its
    own (the run's inventory, the environment, plain output), so that nothing in them - a failing task, a file that
    does not load, an unreachable host - can end the drill before its failback.
  - The tasks get C(dr_drill_leg), C(dr_drill_groups) (each group with the location that must now be primary),
    C(dr_drill_auth) (the ARM modules' shared options) and C(dr_plan).
  - Records a step of kind C(check) (the report's C(checks)); after the failover, C(soak_left), the seconds of soak
    left (0 after a failed failover or check).
  - In check mode nothing moved, and the checks are left out.
options:
  leg:
    description: The leg just ended.
    type: str
    required: true
    choices: [failover, failback]
attributes:
  check_mode:
    description: Leaves the checks out, as nothing moved.
    support: full
extends_documentation_fragment:
  - azure_dr.recovery.attributes.action
  - azure_dr.recovery.dr_run
author:
  - azure_dr.recovery maintainers (@azure-dr)
'''

EXAMPLES = r'''
- name: Your checks after the failover
  azure_dr.recovery.dr_drill_checks:
    leg: failover
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
'''
