# -*- coding: utf-8 -*-
# Copyright: contributors to the azure_dr.recovery collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Action of ``azure_dr.recovery.dr_step`` (documented in plugins/modules/dr_step.py)."""

from __future__ import annotations

from ansible_collections.azure_dr.recovery.plugins.plugin_utils._dr_run.action import DrRunAction
from ansible_collections.azure_dr.recovery.plugins.plugin_utils._dr_run.record import STEP_OUTCOMES, add_step


class ActionModule(DrRunAction):
    ARGUMENT_SPEC = dict(
        name=dict(type='str', required=True),
        outcome=dict(type='str', default='succeeded', choices=list(STEP_OUTCOMES)),
        message=dict(type='str'),
        started=dict(type='float'),
        ended=dict(type='float'),
    )

    def phase(self, record, result):
        params = self.params
        step = add_step(record, params['name'], params['outcome'], params['message'] or None, params['started'],
                        params['ended'])
        result.update(step=step, msg='%s: %s' % (step['name'], step['outcome']))
        return self.handing_back(record, result)
