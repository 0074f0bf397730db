# -*- coding: utf-8 -*-
# Copyright: contributors to the azure_dr.recovery collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    """What the phases of a DR run (dr_run_open, dr_run_readiness, dr_run_execute, dr_step, dr_drill_checks,
    dr_run_report) share in their documentation."""

    DOCUMENTATION = r'''
attributes:
  diff_mode:
    description: Nothing to show.
    support: none
notes:
  - A phase of a DR run (M(azure_dr.recovery.dr_run_open), M(azure_dr.recovery.dr_run_readiness),
    M(azure_dr.recovery.dr_run_execute), M(azure_dr.recovery.dr_step), M(azure_dr.recovery.dr_drill_checks),
    M(azure_dr.recovery.dr_run_report)). The run's record is the host fact C(dr_run), written to its journal beside
    the reports as the run goes; it holds no secret.
seealso:
  - ref: ansible_collections.azure_dr.recovery.docsite.dr_run
    description: A DR run, its phases and your own runbook.
'''
