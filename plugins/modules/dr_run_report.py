#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: contributors to the azure_dr.recovery collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
module: dr_run_report
short_description: Report a DR run - JSON, Markdown, HTML timeline and the run history - and fail when it failed
version_added: 0.3.0
description:
  - Builds the DR report of the run (docs/dr_report.md) from its record and writes it as C(<report_dir>/<plan>-<playbook>-<run
    id>.json), C(.md) and C(.html) (a self-contained page with a timeline of the groups, workspaces and steps), then
    rebuilds C(index.html), the folder's run history, from its JSON reports. Each file is replaced at once.
  - Publishes C(dr_report), C(dr_report_html) and C(dr_report_history) with set_stats semantics, for AWX workflows.
  - Says in C(failure) why the run failed (a group, workspace, check or step), each cause once; the task itself does
    not fail, as ansible-core keeps the stats only of a task that succeeds - the DR playbooks fail with it next.
  - With O(journal), reports a run that was killed before its report, from the journal it left.
options:
  journal:
    description: The journal of a run to report (C(<report path>.journal)); default the run open on this host.
    type: path
  mode:
    description: The files' mode, in octal.
    type: str
    default: '0644'
attributes:
  check_mode:
    description: Writes in check mode too, as a drill must leave its report.
    support: none
extends_documentation_fragment:
  - azure_dr.recovery.attributes.action
  - azure_dr.recovery.dr_run
author:
  - azure_dr.recovery maintainers (@azure-dr)
'''

EXAMPLES = r'''
- name: Report
  azure_dr.recovery.dr_run_report:

- name: Fail when the run failed
  ansible.builtin.fail:
    msg: "{{ ansible_facts.dr_run.failure }}"
  when: ansible_facts.dr_run.failure is not none

- name: Report a run that was killed before its report
  azure_dr.recovery.dr_run_report:
    journal: /var/lib/dr-reports/contoso-prod-dr_failover-20261207T101500Z-3fa9c1.journal
'''

RETURN = r'''
report:
  description: The DR report (docs/dr_report.md).
  returned: always
  type: dict
path:
  description: The report's files without their extension.
  returned: always
  type: str
  sample: /var/lib/dr-reports/contoso-prod-dr_failover-20261207T101500Z-3fa9c1
files:
  description: The files written.
  returned: always
  type: list
  elements: str
html:
  description: The report's HTML page.
  returned: always
  type: str
history:
  description: The run history of the report's directory.
  returned: always
  type: str
failure:
  description: Why the run failed, each cause once; null when it did not fail. Also C(dr_run.failure).
  returned: always
  type: str
'''
