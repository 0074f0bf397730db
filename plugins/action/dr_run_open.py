# -*- coding: utf-8 -*-
# Copyright: contributors to the azure_dr.recovery collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Action of ``azure_dr.recovery.dr_run_open`` (documented in plugins/modules/dr_run_open.py)."""

from __future__ import annotations

import getpass
import json
import os
import platform
import sys
import time

from ansible.errors import AnsibleActionFail

from ansible_collections.azure_dr.recovery.plugins.plugin_utils._dr_run.action import DrRunAction
from ansible_collections.azure_dr.recovery.plugins.plugin_utils._dr_run.checks import load_problems
from ansible_collections.azure_dr.recovery.plugins.plugin_utils._dr_run.plan import (
    plan_groups,
    plan_path,
    plan_problems,
    run_path,
    run_problems,
)
from ansible_collections.azure_dr.recovery.plugins.plugin_utils._dr_run.record import new_record
from ansible_collections.azure_dr.recovery.plugins.plugin_utils._dr_run.scope import (
    report_scope,
    scope_lines,
    scope_plan,
    scope_problems,
)

# What each DR playbook does: the side made primary, and whether the plan's workspaces are restored.
PLAYBOOKS = {'dr_failover': ('dr', True), 'dr_drill': ('dr', True), 'dr_failback': ('primary', False),
             'dr_drill_live': ('dr', False)}


class ActionModule(DrRunAction):
    NEEDS_RECORD = False
    ARGUMENT_SPEC = dict(
        playbook=dict(type='str', required=True),
        target=dict(type='str', choices=['dr', 'primary']),
        restore=dict(type='bool'),
        rehearsal=dict(type='bool'),
    )

    def phase(self, record, result):
        started = time.time()
        playbook = self.params['playbook']
        target, restore = PLAYBOOKS.get(playbook, ('dr', True))
        target = self.params['target'] or target
        restore = restore if self.params['restore'] is None else self.params['restore']
        check_mode = self.check_mode()
        rehearsal = check_mode or playbook == 'dr_drill' if self.params['rehearsal'] is None else self.params['rehearsal']
        base = os.getcwd()  # where ansible-playbook runs: in AWX, the project's root
        plan = self._plan(base)
        problems = plan_problems(plan)
        if problems:
            raise AnsibleActionFail('The DR plan has %d problem(s): %s' % (len(problems), '; '.join(problems)))
        live = playbook == 'dr_drill_live'
        # The run's scope (dr_only_groups, dr_only_workspaces, dr_confirm_only): from here on, the plan of this run.
        only = {'only_groups': self.variable('dr_only_groups'), 'only_workspaces': self.variable('dr_only_workspaces'),
                'confirm_only': self.variable('dr_confirm_only')}
        scoping = scope_problems(plan, playbook=playbook, **only)
        event, problem = _event(self.variable('dr_event'))
        scoping += [problem] if problem else []
        plan, scope = scope_plan(plan, **only) if not scoping else (plan, {'confirm_only': False})
        options = {
            'failover_mode': self.variable('dr_failover_mode') or None,
            'allow_data_loss': self.variable('dr_allow_data_loss'),
            'forced_after': plan.get('forced_after', 300),
            'primary_read_timeout': plan.get('primary_read_timeout', 30),
            'progress_interval': self.variable('dr_progress_interval', 30),
        }
        if live:
            options['live'] = {
                'soak_seconds': self.variable('dr_drill_soak_seconds', 300),
                'max_groups': self.variable('dr_drill_max_groups', 10),
                'validate_tasks': self.variable('dr_drill_validate_tasks') or None,
                'fail_back_on_validation_failure': self.variable('dr_drill_fail_back_on_validation_failure', True),
            }
        problems = scoping + run_problems({
            'playbook': playbook, 'target': target, 'check_mode': check_mode, 'base': base,
            'rehearsal': self.variable('dr_run_rehearsal', rehearsal), 'plan_name': plan.get('name'),
            'plan_name_asked': self.variable('dr_plan_name'), 'plan': plan,
            'allow_data_loss': options['allow_data_loss'], 'failover_mode': options['failover_mode'],
            'confirm': self.variable('dr_confirm'), 'require_confirmation': self.variable('dr_require_confirmation', False),
            'auth': self.variable('dr_auth'), 'fabric_auth': self.variable('dr_fabric_auth'), 'live': options.get('live'),
            'confirm_only': scope['confirm_only'], 'no_go_fails': self.variable('dr_no_go_fails', True)})
        if live and not problems and options['live']['validate_tasks']:
            options['live']['validate_tasks'] = run_path(options['live']['validate_tasks'], base)
            problems += load_problems(self.task_vars.get('ansible_playbook_python') or sys.executable,
                                      options['live']['validate_tasks'], base)
        if problems:
            raise AnsibleActionFail('%s will not run: %s' % (playbook, '; '.join(problems)))
        groups = plan_groups(plan, target, 'planned' if live else options['failover_mode'],
                             None if live else options['allow_data_loss'])
        report_dir = plan.get('report_dir') or os.path.join(os.environ.get('PWD') or base, 'dr-reports')
        record = new_record(
            plan, playbook, target, restore, rehearsal, groups, options, run_path(str(report_dir), base), started,
            run_by='%s@%s' % (_user(), platform.node()),
            awx_job_id=self.variable('awx_job_id', self.variable('tower_job_id')),
            awx_job_template_name=self.variable('awx_job_template_name', self.variable('tower_job_template_name')))
        record.update(scope=scope, event=event)
        if live:
            record.update(legs=[], soak_left=0)
        result['msg'] = 'DR run %s of %s (%s): %d failover group(s), %d workspace(s)%s' % (
            record['run_id'], plan['name'], playbook, len(groups), len(plan.get('fabric_workspaces') or []) if restore else 0,
            ', a rehearsal: nothing is changed' if rehearsal else '')
        told = scope_lines(report_scope(record, None))
        if told:
            result['msg'] += '. ' + ' '.join(told)
        return self.handing_back(record, result)

    def _plan(self, base):
        """``dr_plan``, or the plan file that ``dr_plan_name`` names in ``dr_plan_dir``."""
        plan = self.variable('dr_plan')
        name = self.variable('dr_plan_name')
        if plan is None and name:
            try:
                path = plan_path(name, self.variable('dr_plan_dir', 'plans'), base)
            except ValueError as error:
                raise AnsibleActionFail(str(error)) from None
            if not os.path.isfile(path):
                raise AnsibleActionFail('dr_plan_name %r: no plan file %s' % (name, path))
            loaded = self._loader.load_from_file(path)
            if not isinstance(loaded, dict) or 'dr_plan' not in loaded:
                raise AnsibleActionFail('%s does not define dr_plan' % path)
            plan = self.variable_value(loaded['dr_plan'])
        return plan


def _event(value):
    """``(event, problem)``: ``dr_event``, the event that started this run (a rulebook's), as a mapping."""
    if isinstance(value, str) and value.strip().startswith('{'):
        try:
            value = json.loads(value)
        except ValueError:
            pass
    if value is None or isinstance(value, dict):
        return value, None
    return None, 'dr_event must be a mapping (the event that started this run, as a rulebook passes it), got %s' % (
        type(value).__name__)


def _user():
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return str(os.getuid())
