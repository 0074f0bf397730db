# -*- coding: utf-8 -*-
# Copyright: contributors to the azure_dr.recovery collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Action of ``azure_dr.recovery.dr_plan_from_estate`` (documented in plugins/modules/dr_plan_from_estate.py)."""

from __future__ import annotations

import datetime
import os

import yaml

from ansible.errors import AnsibleActionFail
from ansible.utils.display import Display

from ansible_collections.azure_dr.recovery.plugins.module_utils._validation import uuid_problem
from ansible_collections.azure_dr.recovery.plugins.plugin_utils._dr_run.action import DrRunAction
from ansible_collections.azure_dr.recovery.plugins.plugin_utils._dr_run.discover import (
    discovered_groups,
    discovered_plan,
    picked_workspaces,
    plan_changes,
    plan_yaml,
    workspace_filter_problems,
)
from ansible_collections.azure_dr.recovery.plugins.plugin_utils._dr_run.plan import plan_path
from ansible_collections.azure_dr.recovery.plugins.plugin_utils._dr_run.record import replace_file
from ansible_collections.azure_dr.recovery.plugins.plugin_utils._dr_run.workers import Watch, Worker

display = Display()


class ActionModule(DrRunAction):
    NEEDS_RECORD = False
    ARGUMENT_SPEC = dict(
        name=dict(type='str'),
        directory=dict(type='str', default='plans'),
        subscriptions=dict(type='raw'),
        workspaces=dict(type='raw'),
    )

    def phase(self, record, result):
        name = self.params['name']
        problems = [] if name else ['dr_plan_name is required: -e dr_plan_name=NAME names the plan and its file']
        subscriptions, filters = _subscriptions(self.params['subscriptions']), _filters(self.params['workspaces'], problems)
        path = None
        if name:
            try:
                path = plan_path(name, self.params['directory'], os.getcwd())
            except ValueError as error:
                problems.append(str(error))
        if subscriptions == []:
            problems.append('dr_discover_subscriptions must name at least one subscription (leave it out for every '
                            'subscription the identity sees)')
        problems += [problem for index, subscription in enumerate(subscriptions or [])
                     for problem in [uuid_problem(subscription, 'dr_discover_subscriptions[%d]' % index)] if problem]
        problems += workspace_filter_problems(filters) if filters is not _UNREADABLE else []
        if problems:
            raise AnsibleActionFail('dr_plan_discover: %d problem(s), nothing was read: %s' % (len(problems), '; '.join(problems)))

        estate, listing, warnings = self._read(subscriptions, filters)
        groups = discovered_groups(estate.get('failover_groups'), estate.get('managed_instances'))
        workspaces = picked_workspaces(listing, filters)
        plan = discovered_plan(name, groups, workspaces)
        read = estate.get('subscriptions') or [{'subscription_id': subscription} for subscription in subscriptions or []]
        now = datetime.datetime.now(datetime.timezone.utc).strftime('%Y-%m-%dT%H:%M:%SZ')
        origin = 'on %s from %d subscription(s): %s' % (now, len(read), ', '.join(
            str(entry.get('subscription_id')) for entry in read) or 'none')
        text = plan_yaml(name, groups, workspaces, origin)

        changes, written = [], path
        if os.path.exists(path):  # never over a plan: beside it, and what differs
            try:
                with open(path, encoding='utf-8') as stream:
                    old = (yaml.safe_load(stream) or {}).get('dr_plan') or {}
            except (OSError, ValueError, yaml.YAMLError, AttributeError) as error:
                old = {}
                warnings.append('The plan %s could not be read (%s): every group and workspace is shown as new.' % (path, error))
            changes = plan_changes(old, plan, workspace_names={w.get('id'): w.get('name') for w in workspaces})
            written = '%s.discovered-%s.yml' % (path[:-len('.yml')], now.replace('-', '').replace(':', ''))
        current = written != path and not changes  # the plan on disk already says all of it: nothing to write
        if current:
            written = None
        elif not self.check_mode():
            os.makedirs(os.path.dirname(written), exist_ok=True)
            replace_file(written, text, 0o644)
        for change in changes:
            display.display('Plan %s: %s' % (name, change))
        if current:
            message = 'The plan %s is up to date: %d failover group(s), %d workspace(s), named the same way' % (
                path, len(groups), len(workspaces))
        else:
            message = '%s %s: %d failover group(s), %d workspace(s)%s' % (
                'Would write' if self.check_mode() else 'Wrote', written, len(groups), len(workspaces),
                '' if written == path else '; the plan %s is left as it is: %d difference(s), above' % (path, len(changes)))
        result.update(changed=bool(written) and not self.check_mode(), path=written, plan_path=path, changes=changes,
                      plan=plan, groups=len(groups), workspaces=len(workspaces), subscriptions=read, msg=message,
                      # In AWX the job's project folder goes away: the plan and what differs are the job's artifacts.
                      ansible_stats={'data': {'dr_plan_discovered': text, 'dr_plan_changes': changes},
                                     'per_host': False, 'aggregate': True})
        if warnings:
            result['warnings'] = warnings
        return result

    def _read(self, subscriptions, filters):
        """managed_instance_info (every instance and failover group of the subscriptions) beside one workspace listing."""
        how = self.worker_options()
        scope = {'scopes': [{'subscription_id': subscription} for subscription in subscriptions]} if subscriptions else {
            'all_subscriptions': True}
        workers = {'estate': Worker('managed_instance_info', dict(self.auth('arm'), failover_groups=True, **scope),
                                    check_mode=True, progress=False, **how).start()}
        if filters:
            workers['listing'] = Worker('fabric_workspace_info', self.auth('fabric'), check_mode=True, progress=False,
                                        **how).start()
        try:
            Watch(display.display, timeout=3600).wait(list(workers.values()))
            outcomes = {key: worker.result() for key, worker in workers.items()}
        finally:
            for worker in workers.values():
                worker.clean_up()
        failed = ['%s: %s' % ('the managed instances' if key == 'estate' else 'the Fabric workspaces', outcome.get('msg'))
                  for key, outcome in outcomes.items() if outcome.get('failed')]
        if failed:
            raise AnsibleActionFail('dr_plan_discover: the estate could not be read, no plan was written: %s' % '; '.join(failed))
        warnings = [warning for outcome in outcomes.values() for warning in outcome.get('warnings') or []]
        return outcomes['estate'], (outcomes.get('listing') or {}).get('workspaces'), warnings


_UNREADABLE = object()


def _subscriptions(value):
    """A list of ids; from an AWX survey, one text of ids separated by commas, spaces or new lines (blank: all)."""
    if value is None or isinstance(value, list):
        return value
    text = str(value).replace(',', ' ').split()
    return text or None


def _filters(value, problems):
    """The workspace filters: a mapping; from an AWX survey, its YAML or JSON text (blank: none)."""
    if not isinstance(value, str):
        return value
    if not value.strip():
        return None
    try:
        return yaml.safe_load(value)
    except yaml.YAMLError:
        problems.append('dr_discover_workspaces must be a mapping, or its YAML or JSON text, such as '
                        '{"capacity_id": "41ce06d1-d81b-4ea0-bc6d-2ce3dd2f8e84"}; got text that is neither')
        return _UNREADABLE
