#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: contributors to the azure_dr.recovery collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
module: dr_step
short_description: Record a step of your own in a DR run (a DNS switch, a restart, a smoke test)
version_added: 0.3.0
description:
  - Records a step of your runbook in the open DR run, with its start, end, outcome and message, so that the
    report's JSON (C(steps)), Markdown and HTML timeline show it beside the groups and workspaces.
  - A step given without O(started) began when the run was last extended (the end of the phase or step before), which
    is when your tasks before this one began. O(outcome=started) opens a step; a later call with the same name and
    another outcome closes it.
  - A failed step makes the run C(failed); it never skips the report.
options:
  name:
    description: The step's name.
    type: str
    required: true
  outcome:
    description: What became of it.
    type: str
    choices: [started, succeeded, failed, skipped]
    default: succeeded
  message:
    description: What to say of it, for example why it failed.
    type: str
  started:
    description: When it started, in epoch seconds.
    type: float
  ended:
    description: When it ended, in epoch seconds (default now).
    type: float
attributes:
  check_mode:
    description: Records in check mode too.
    support: full
extends_documentation_fragment:
  - azure_dr.recovery.attributes.action
  - azure_dr.recovery.dr_run
author:
  - azure_dr.recovery maintainers (@azure-dr)
'''

EXAMPLES = r'''
- name: Switch the application's DNS record to the DR region
  block:
    - name: Point app.contoso.com at the DR listener
      ansible.builtin.command: /usr/local/bin/switch-dns app.contoso.com dr
      changed_when: true

    - name: Record the DNS switch
      azure_dr.recovery.dr_step:
        name: DNS switch
  rescue:
    - name: Record that the DNS switch failed
      azure_dr.recovery.dr_step:
        name: DNS switch
        outcome: failed
        message: "{{ ansible_failed_result.msg | default('failed') }}"
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
step:
  description: The step as recorded (C(name), C(kind), C(outcome), C(message), C(started), C(ended)).
  returned: success
  type: dict
'''
