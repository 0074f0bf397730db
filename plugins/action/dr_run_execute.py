# -*- coding: utf-8 -*-
# Copyright: contributors to the azure_dr.recovery collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Action of ``azure_dr.recovery.dr_run_execute`` (documented in plugins/modules/dr_run_execute.py)."""

from __future__ import annotations

import time

from ansible.utils.display import Display

from ansible_collections.azure_dr.recovery.plugins.plugin_utils._dr_run.action import DrRunAction
from ansible_collections.azure_dr.recovery.plugins.plugin_utils._dr_run.estate import fold_estate
from ansible_collections.azure_dr.recovery.plugins.plugin_utils._dr_run.plan import boolean, plan_groups
from ansible_collections.azure_dr.recovery.plugins.plugin_utils._dr_run.readiness import match_row, restore_item
from ansible_collections.azure_dr.recovery.plugins.plugin_utils._dr_run.record import mark, write_journal
from ansible_collections.azure_dr.recovery.plugins.plugin_utils._dr_run.report import outcomes
from ansible_collections.azure_dr.recovery.plugins.plugin_utils._dr_run.scope import confirm_only, confirmed_results
from ansible_collections.azure_dr.recovery.plugins.plugin_utils._dr_run.workers import Watch, Worker

display = Display()

SKIPPED_FAILBACK = 'a check after the failover failed and dr_drill_fail_back_on_validation_failure is false'


class ActionModule(DrRunAction):
    ARGUMENT_SPEC = dict(
        leg=dict(type='str', choices=['failover', 'failback']),
        wait_timeout=dict(type='int', default=3600),
        heartbeat_timeout=dict(type='int', default=30),
    )

    def phase(self, record, result):
        leg = self.params['leg']
        if (record.get('readiness') or {}).get('go') is False:  # a no-go that did not fail the run (dr_no_go_fails)
            result['msg'] = 'No go: nothing is done (the readiness problems are in the report)'
            return self.handing_back(record, result)
        if leg == 'failback' and _failback_skipped(record):
            record['legs'].append({'name': 'failback', 'skipped': SKIPPED_FAILBACK})
            result['msg'] = 'The failback is left out: %s' % SKIPPED_FAILBACK
            return self.handing_back(record, result)
        rehearsal = record['rehearsal']
        only_confirm = confirm_only(record)  # dr_confirm_only: the groups are read (check mode), never failed over
        # A live drill's legs are planned failovers of every group, there and back.
        groups = plan_groups(record['plan'], 'primary') if leg == 'failback' else record['groups']
        matched = (record.get('workspaces') or []) if leg is None and record['restore'] else []
        to_restore = [match for match in matched if match.get('restore')]
        how = self.worker_options()
        began = time.time()
        failovers = restores = estate = None
        try:
            if groups:
                mark(record, 'failbacks' if leg == 'failback' else 'failovers')
                failovers = Worker('instance_failover_group_failover_batch', dict(
                    self.auth('arm'), groups=groups, forced_after=record['options']['forced_after'],
                    primary_read_timeout=record['options']['primary_read_timeout'],
                    wait_timeout=self.params['wait_timeout']), check_mode=rehearsal or only_confirm, **how).start()
            if to_restore:
                mark(record, 'restores')
                restores = Worker('fabric_workspace_restore_batch', dict(
                    self.auth('fabric'), workspaces=[restore_item(match) for match in to_restore]),
                    check_mode=rehearsal, **how, progress=False).start()

            readiness = record.get('readiness') or {}
            estate_wanted = leg is None and bool(groups) and bool(readiness) and 'drift' not in readiness

            def reading_estate():
                """Drift and parity could not stop this run (estate_decides): the estate is read for the report, once
                every failover has been sent (off the path to the first failover and restore), at a lower priority.
                It is waited for, so that every report says the same: a region that does not answer costs it one
                primary_read_timeout (region_read_timeout), which a failover in that outage waits out anyway."""
                nonlocal estate
                if not estate_wanted or estate is not None or (failovers.running() and not _all_sent(failovers.progress())):
                    return []
                estate = self.estate_worker(record, how, niceness=10).start()
                return [estate]

            write_journal(record)  # a run killed from here on leaves on disk that its failovers had begun

            def confirming(worker):  # the restores are done: what is left is waiting for the failovers
                if worker is restores and failovers is not None and failovers.running():
                    mark(record, 'confirmation')

            workers = [worker for worker in (failovers, restores) if worker is not None]
            Watch(display.display, progress_interval=float(record['options']['progress_interval']),
                  heartbeat_timeout=self.params['heartbeat_timeout'], timeout=self.params['wait_timeout'] + 300).wait(
                workers, watched=failovers, on_done=confirming, on_poll=reading_estate)
            if estate_wanted and estate is None:  # everything ended before the estate was read: read it now
                Watch(display.display, timeout=self.params['wait_timeout']).wait(reading_estate())
            done = {worker: worker.result() for worker in workers + ([estate] if estate is not None else [])}
        finally:
            for worker in (failovers, restores, estate):
                if worker is not None:
                    if worker.running():  # this task was interrupted: the worker must not go on acting
                        worker.stop('the run stopped')
                    worker.clean_up()
        rows = []
        if failovers is not None:
            outcome = done[failovers]
            if only_confirm:
                outcome = dict(outcome, results=confirmed_results(outcome.get('results')))
            rows += _rows(outcome, 'failover_group', rehearsal, failovers.started - record['started'], groups)
        if restores is not None:
            rows += _rows(done[restores], 'workspace', rehearsal, restores.started - record['started'], to_restore)
        rows += [match_row(match) for match in matched if not match.get('restore')]
        if estate is not None:  # its problems can only be notes here; its warnings are notes already
            readiness['notes'] += fold_estate(record, readiness, done.pop(estate))
        warnings = [warning for outcome in done.values() for warning in outcome.get('warnings') or []]
        if warnings:
            result['warnings'] = warnings
        if leg:
            record['legs'].append({'name': leg, 'rows': rows, 'started': began, 'ended': time.time()})
        else:
            record['rows'] = rows
        errors = [row for row in rows if row.get('action') == 'error']
        result.update(changed=any(row.get('changed') for row in rows), rows=rows,
                      msg='%d done, %d in error' % (len(rows) - len(errors), len(errors)))
        return self.handing_back(record, result)


def _all_sent(progress):
    """Whether the failovers' worker has read every group and sent what it had to (its progress file says so)."""
    items = (progress or {}).get('items')
    return bool(items) and all(item.get('stage') not in ('waiting', 'reading') for item in items)


def _rows(outcome, kind, rehearsal, offset, items):
    return outcomes(outcome.get('results') or [], kind, check_mode=rehearsal, start_offset=offset, items=items,
                    error=None if outcome.get('results') else outcome.get('msg'))


def _failback_skipped(record):
    live = record['options'].get('live') or {}
    checks_failed = any(step['outcome'] == 'failed' for step in record['steps'] if step.get('kind') == 'check')
    return checks_failed and boolean(live.get('fail_back_on_validation_failure', True)) is False
