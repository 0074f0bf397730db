# -*- coding: utf-8 -*-
# Copyright: contributors to the azure_dr.recovery collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""What the actions of a DR run's phases share: their options checked before anything else, the run's record
found through the host fact ``dr_run`` and read from its journal, then handed back extended (and written to
its journal again), the run's variables
read as the playbooks document them, and the modules' shared options for each API."""

from __future__ import annotations

import os
import sys

from ansible.errors import AnsibleActionFail
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.plugins.action import ActionBase

from ansible_collections.azure_dr.recovery.plugins.module_utils._auth import shared_option_names
from ansible_collections.azure_dr.recovery.plugins.plugin_utils._dr_run.estate import estate_worker_args
from ansible_collections.azure_dr.recovery.plugins.plugin_utils._dr_run.plan import auth_options
from ansible_collections.azure_dr.recovery.plugins.plugin_utils._dr_run.record import read_journal, write_journal
from ansible_collections.azure_dr.recovery.plugins.plugin_utils._dr_run.workers import Worker

_UNSET = object()


class DrRunAction(ActionBase):
    """An action of a DR run's phase.  ``ARGUMENT_SPEC``: its own options."""

    TRANSFERS_FILES = False
    ARGUMENT_SPEC = {}
    NEEDS_RECORD = True

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        self.task_vars = task_vars or {}
        args = {name: value for name, value in self._task.args.items() if name not in shared_option_names()}
        validation = ArgumentSpecValidator(self.ARGUMENT_SPEC).validate(args)
        if validation.error_messages:
            raise AnsibleActionFail('Invalid input: ' + '; '.join(validation.error_messages))
        self.params = validation.validated_parameters
        # module_defaults of group/azure_dr.recovery.recovery (credentials, endpoints) reach the workers too.
        self.shared = {name: value for name, value in self._task.args.items() if name in shared_option_names()}
        record = None
        if self.NEEDS_RECORD:
            record = (self.task_vars.get('ansible_facts') or {}).get('dr_run')
            if not isinstance(record, dict) or 'run_id' not in record:
                raise AnsibleActionFail('No DR run is open on this host: azure_dr.recovery.dr_run_open opens one '
                                        '(its record is the host fact dr_run).')
            # The journal, not the fact: a phase that fails (a no-go) hands back no fact, but has written its journal.
            try:
                record = read_journal(self.variable_value(record['journal']))
            except (OSError, ValueError) as error:
                raise AnsibleActionFail('The journal of DR run %s could not be read: %s' % (record['run_id'], error)) from None
        result.update(self.phase(record, result) or {})
        return result

    def phase(self, record, result):
        raise NotImplementedError

    def variable(self, name, default=None):
        """A run variable (``dr_confirm``, ``dr_auth``...) as the play gives it, templated; ``default`` when unset."""
        value = self.task_vars.get(name, _UNSET)
        if value is _UNSET:
            return default
        return self.variable_value(value)

    def variable_value(self, value):
        return self._templar.template(value)

    def worker_options(self):
        """How this task's workers run: ``python`` and ``environment`` (see ``worker_options``)."""
        return worker_options(self, self.task_vars)

    def check_mode(self):
        return bool(self._play_context.check_mode)

    def auth(self, api):
        """The shared options of ``api``'s modules: ``dr_auth`` (and ``dr_fabric_auth``), under module_defaults."""
        options = auth_options(self.variable('dr_auth') or {}, api, self.variable('dr_fabric_auth') or {})
        options.update(auth_options(self.shared, api))
        return options

    def estate_worker(self, record, how, **options):
        """managed_instance_info reading the estate around the run's plan (drift, parity), not started; a side without
        subscription_id is in the run's subscription, as its worker will see it."""
        auth = self.auth('arm')
        default = auth.get('subscription_id') or how['environment'].get('AZURE_SUBSCRIPTION_ID') or os.environ.get(
            'AZURE_SUBSCRIPTION_ID')
        return Worker('managed_instance_info', dict(auth, **estate_worker_args(record, default)), check_mode=True,
                      progress=False, **how, **options)

    def handing_back(self, record, result):
        """The record as the host fact ``dr_run``, after writing it to its journal."""
        write_journal(record)
        result['ansible_facts'] = {'dr_run': record}
        result['run_id'] = record['run_id']
        return result


def worker_options(action, task_vars):
    """How the workers of ``action`` (an ActionBase) run on the controller: ``python``, the local host's module
    interpreter when the play names one (a path, not interpreter discovery), else the controller's own; and
    ``environment``, the task's keyword environment, templated, as a module on a local connection would get it."""
    named = action._templar.template(task_vars.get('ansible_python_interpreter'))  # pylint: disable=protected-access
    python = named if isinstance(named, str) and named.startswith('/') else (
        task_vars.get('ansible_playbook_python') or sys.executable)
    environment = {}
    action._compute_environment_string(environment)  # pylint: disable=protected-access
    return {'python': python, 'environment': environment}
