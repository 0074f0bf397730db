# -*- coding: utf-8 -*-
# Copyright: contributors to the azure_dr.recovery collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Action of ``azure_dr.recovery.dr_drill_checks`` (documented in plugins/modules/dr_drill_checks.py)."""

from __future__ import annotations

import math
import os
import sys
import time

from ansible.utils.display import Display

from ansible_collections.azure_dr.recovery.plugins.plugin_utils._dr_run.action import DrRunAction
from ansible_collections.azure_dr.recovery.plugins.plugin_utils._dr_run.checks import run_checks
from ansible_collections.azure_dr.recovery.plugins.plugin_utils._dr_run.plan import plan_groups
from ansible_collections.azure_dr.recovery.plugins.plugin_utils._dr_run.record import add_step, mark

display = Display()


class ActionModule(DrRunAction):
    ARGUMENT_SPEC = dict(leg=dict(type='str', required=True, choices=['failover', 'failback']))

    def phase(self, record, result):
        leg = self.params['leg']
        live = record['options'].get('live') or {}
        legs = {entry['name']: entry for entry in record.get('legs') or []}
        ran = leg in legs and not legs[leg].get('skipped')
        # In check mode nothing moved: the checks of where things are after a leg are left out.
        if live.get('validate_tasks') and ran and not record['rehearsal']:
            mark(record, leg + '-checks')
            variables = {'dr_drill_leg': leg, 'dr_plan': record['plan'], 'dr_drill_auth': self.auth('arm'),
                         'dr_drill_groups': plan_groups(record['plan'], 'dr' if leg == 'failover' else 'primary'),
                         'dr_drill_check_tasks': live['validate_tasks']}
            began = time.time()
            ok, task, message, output = run_checks(self.task_vars.get('ansible_playbook_python') or sys.executable,
                                                   variables, self.task_vars.get('ansible_inventory_sources') or [],
                                                   os.getcwd())
            add_step(record, 'checks after the %s' % leg, 'succeeded' if ok else 'failed', message, began, kind='check',
                     leg=leg, task=task)
            for line in output:
                display.display(line)
            result['msg'] = 'The checks after the %s %s' % (leg, 'passed' if ok else 'failed at %r: %s' % (task, message))
        if leg == 'failover':
            record['soak_left'] = _soak_left(record, live, legs.get('failover'))
        return self.handing_back(record, result)


def _soak_left(record, live, failover):
    """Seconds of soak left: it counts from the end of the failover, so the checks' time is part of it. After a
    failed failover or check there is nothing to soak."""
    if record['rehearsal'] or not failover or failover.get('skipped'):
        return 0
    if any(row.get('action') == 'error' for row in failover.get('rows') or []) or any(
            step['outcome'] == 'failed' for step in record['steps'] if step.get('kind') == 'check'):
        return 0
    left = float(live.get('soak_seconds') or 0) - (time.time() - float(failover['ended']))
    return max(0, int(math.ceil(left)))
