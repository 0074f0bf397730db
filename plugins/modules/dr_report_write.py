#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: contributors to the azure_dr.recovery collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
module: dr_report_write
short_description: Write a DR report as JSON, Markdown and HTML, and the report folder's run history
version_added: 0.2.0
description:
  - Writes O(report) (as built by the C(azure_dr.recovery.dr_report) filter) to O(path) with the extensions C(.json),
    C(.md) (rendered by C(azure_dr.recovery.dr_report_markdown)) and C(.html) (a self-contained page with a timeline,
    see C(docs/dr_report.md)), creating the directory. Each file is replaced at once, so that a reader never sees half
    a report.
  - Then rebuilds C(index.html), the run history of the directory, from every JSON report there - newest first, with
    the achieved RTO of each run over time, drills and real runs told apart. A JSON file that is not a DR report is
    named on that page, not an error.
  - The HTML pages load nothing (no script, no external asset; a Content-Security-Policy forbids it) and escape
    every name.
  - An action that runs on the controller, in the controller's process, where the DR playbooks run (C(localhost));
    it writes the files there whatever the task's host.
options:
  report:
    description: The DR report.
    type: dict
    required: true
  path:
    description: The files' path without extension, for example C(/var/lib/dr-reports/contoso-prod-dr_failover-20261202T010203Z).
    type: path
    required: true
  mode:
    description: The files' mode, in octal.
    type: str
    default: '0644'
attributes:
  check_mode:
    description: Writes in check mode too, as a drill (a run in check mode) must leave its report.
    support: none
  diff_mode:
    description: Nothing to show.
    support: none
extends_documentation_fragment:
  - azure_dr.recovery.attributes.action
seealso:
  - module: azure_dr.recovery.instance_failover_group_failover_batch
author:
  - azure_dr.recovery maintainers (@azure-dr)
'''

EXAMPLES = r'''
- name: Write the report of the run
  azure_dr.recovery.dr_report_write:
    report: "{{ dr_plan_report }}"
    path: /var/lib/dr-reports/{{ dr_plan.name }}-dr_failover-{{ '%Y%m%dT%H%M%SZ' | strftime(utc=true) }}
'''

RETURN = r'''
files:
  description: The files written.
  returned: success
  type: list
  elements: str
  sample:
    - /var/lib/dr-reports/contoso-prod-dr_failover-20261202T010203Z.json
    - /var/lib/dr-reports/contoso-prod-dr_failover-20261202T010203Z.md
    - /var/lib/dr-reports/contoso-prod-dr_failover-20261202T010203Z.html
    - /var/lib/dr-reports/index.html
html:
  description: The report's HTML page.
  returned: success
  type: str
  sample: /var/lib/dr-reports/contoso-prod-dr_failover-20261202T010203Z.html
history:
  description: The run history of the report's directory.
  returned: success
  type: str
  sample: /var/lib/dr-reports/index.html
'''
