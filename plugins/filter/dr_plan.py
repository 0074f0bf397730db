# -*- coding: utf-8 -*-
# Copyright: contributors to the azure_dr.recovery collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The filters users call: every problem of a DR plan at once (dr_plan_problems), to check a plan file in CI before
a bad day, and the Markdown of a DR report (dr_report_markdown), to render one read back from its JSON.  The logic
lives in plugin_utils/_dr_run, where the DR run's phases use it too."""

from __future__ import annotations

from ansible_collections.azure_dr.recovery.plugins.plugin_utils._dr_run.markdown import report_markdown
from ansible_collections.azure_dr.recovery.plugins.plugin_utils._dr_run.plan import plan_problems


class FilterModule:
    def filters(self):
        return {'dr_plan_problems': plan_problems, 'dr_report_markdown': report_markdown}
