# -*- coding: utf-8 -*-
# Copyright: contributors to the azure_dr.recovery collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Action of ``azure_dr.recovery.dr_run_readiness`` (documented in plugins/modules/dr_run_readiness.py)."""

from __future__ import annotations

from ansible.errors import AnsibleActionFail
from ansible.utils.display import Display

from ansible_collections.azure_dr.recovery.plugins.plugin_utils._dr_run.action import DrRunAction
from ansible_collections.azure_dr.recovery.plugins.plugin_utils._dr_run.estate import estate_decides, fold_estate
from ansible_collections.azure_dr.recovery.plugins.plugin_utils._dr_run.readiness import match_workspaces, readiness
from ansible_collections.azure_dr.recovery.plugins.plugin_utils._dr_run.plan import boolean
from ansible_collections.azure_dr.recovery.plugins.plugin_utils._dr_run.record import mark
from ansible_collections.azure_dr.recovery.plugins.plugin_utils._dr_run.scope import confirm_only, confirmed_results
from ansible_collections.azure_dr.recovery.plugins.plugin_utils._dr_run.workers import Watch, Worker

display = Display()


class ActionModule(DrRunAction):

    def phase(self, record, result):
        mark(record, 'pre-flight')
        plan = record['plan']
        how = self.worker_options()
        workers = {}
        # Both sides of every group read side by side, with the decisions of the failover itself (check mode),
        # beside one listing of every workspace: two workers at once.
        if record['groups']:
            workers['groups'] = Worker('instance_failover_group_failover_batch', dict(
                self.auth('arm'), groups=record['groups'], forced_after=record['options']['forced_after'],
                primary_read_timeout=record['options']['primary_read_timeout']), check_mode=True, **how).start()
            # Beside them, the estate around the plan (drift, parity), when it can stop the run; otherwise it is read
            # beside the failovers (dr_run_execute), off the path to the first failover.
            if estate_decides(plan, record['playbook']):
                workers['estate'] = self.estate_worker(record, how).start()
        if record['restore'] and plan.get('fabric_workspaces'):
            workers['listing'] = Worker('fabric_workspace_info', self.auth('fabric'), check_mode=True, **how,
                                        progress=False).start()
        try:
            Watch(display.display, timeout=3600).wait(list(workers.values()))
            outcomes = {name: worker.result() for name, worker in workers.items()}
        finally:
            for worker in workers.values():
                worker.clean_up()
        problems = []
        groups = outcomes.get('groups') or {}
        if groups.get('failed') and not groups.get('results'):
            problems.append('the failover groups could not be read: %s' % groups.get('msg'))
        listing = outcomes.get('listing') or {}
        if listing.get('failed'):
            problems.append('the Fabric workspaces could not be listed: %s' % listing.get('msg'))
        matched = match_workspaces((plan.get('fabric_workspaces') or []) if record['restore'] else [],
                                   listing.get('workspaces') if 'listing' in outcomes and not listing.get('failed') else None,
                                   plan.get('fabric_admin_principal'))
        results = groups.get('results') or []
        if confirm_only(record):  # nothing is sent: a group not moved is not a problem of this run
            results = confirmed_results(results)
        found = readiness(results, matched, record['target'])
        if 'estate' in outcomes:
            problems += fold_estate(record, found, outcomes['estate'])
        found['problems'] = problems + found['problems']
        found['go'] = not found['problems']
        record.update(readiness=found, workspaces=matched)
        # The estate read's warnings (a scope it could not read) are readiness's notes already.
        warnings = [warning for name, outcome in outcomes.items() if name != 'estate' for warning in outcome.get('warnings') or []]
        if warnings:
            result['warnings'] = warnings
        for note in found['notes']:
            display.display('Readiness: %s' % note)
        self.handing_back(record, result)
        if not found['go']:
            why = '%s: no go. Readiness found %d problem(s): %s. Report: %s' % (
                record['playbook'], len(found['problems']), '; '.join(found['problems']), record['report_path'])
            # dr_no_go_fails=false: the no-go is the run's answer (a rulebook's drill), not a failure; nothing is done.
            if boolean(self.variable('dr_no_go_fails', True)) is not False:
                raise AnsibleActionFail(why)
            result.update(readiness=found, msg=why.replace(': no go.', ': NO GO (nothing will be done).', 1))
            display.display(result['msg'])
            return result
        forcing = [] if confirm_only(record) else [group for group in record['groups'] if group.get('failover_mode') != 'planned']
        if forcing:
            display.display('FORCED FAILOVER POSSIBLE - transactions not yet replicated to the DR region are lost. Forced: '
                            '%s. Forced if the primary side does not answer, or its planned failover fails or takes over '
                            '%s s: %s.' % (_names(forcing, 'forced'), record['options']['forced_after'],
                                           _names(forcing, 'planned_then_forced')))
        result['readiness'] = found
        result['msg'] = 'Readiness: go (%d note(s))' % len(found['notes'])
        return result


def _names(groups, mode):
    return ', '.join(group['name'] for group in groups if group.get('failover_mode') == mode) or 'none'
