# -*- coding: utf-8 -*-
# Copyright: contributors to the azure_dr.recovery collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Action of ``azure_dr.recovery.instance_failover_group_failover_batch`` (documented in
plugins/modules/instance_failover_group_failover_batch.py), which wraps its module as kubernetes.core's actions do.

On a local connection without become (a play on ``localhost``, the implicit localhost, ``delegate_to: localhost``),
the module runs as a worker of this task (``_dr_run.workers``: a child process of the controller, its arguments as
JSON on its standard input, with a progress file): the task prints a progress line at most every
``progress_interval`` seconds, and a worker killed or hung is seen within ``heartbeat_timeout`` seconds, every group
it had not confirmed then an error.  On any other connection the module runs as any module does, on the target,
without progress lines.  Either way the result is the module's, with ``rows``: one report row per group.

``BatchAction`` is shared with the action of ``fabric_workspace_restore_batch``."""

from __future__ import annotations

from ansible.errors import AnsibleActionFail
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.plugins.action import ActionBase
from ansible.utils.display import Display

from ansible_collections.azure_dr.recovery.plugins.plugin_utils._dr_run.action import worker_options
from ansible_collections.azure_dr.recovery.plugins.plugin_utils._dr_run.report import failures_text, outcomes
from ansible_collections.azure_dr.recovery.plugins.plugin_utils._dr_run.workers import Watch, Worker

display = Display()

# The worker beats every 5 s (module_utils/_progress.py): a shorter timeout would take a live worker for dead.
MIN_HEARTBEAT_TIMEOUT = 10
# Seconds a worker may outlive its module's own wait before it is given up on.
GRACE_SECONDS = 300


def lenient_int(value, default):
    """A timeout the module will check itself, read leniently here (2.16 templates numbers into strings)."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


class BatchAction(ActionBase):
    """An action that runs its batch module: as a worker on the controller when the connection is local, otherwise
    on the target; its own options (``ACTION_SPEC``) are taken out of the task's arguments before the module gets
    them.  The module's arguments include the shared options that ``module_defaults`` for
    ``group/azure_dr.recovery.recovery`` gave the task (they are already in the task's arguments).  Nothing of the
    arguments is ever printed: the module masks its own output."""

    TRANSFERS_FILES = False
    MODULE = None  # the module's short name
    KIND = None  # the kind of its report rows: failover_group or workspace
    WHAT = None  # what its items are, for the message: failover group(s), workspace(s)
    PROGRESS = True  # whether the module keeps a progress file (progress lines and heartbeats)
    ACTION_SPEC = dict(
        progress_interval=dict(type='int', default=30),
        heartbeat_timeout=dict(type='int', default=30),
    )

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        task_vars = task_vars or {}
        options, args = self.split_args(dict(self._task.args))
        check_mode = bool(self._play_context.check_mode)
        args, items = self.prepare(args, options)
        if args is None:  # nothing for the module to do
            outcome = {'changed': False, 'results': []}
        elif self.runs_on_controller():
            outcome = self.run_worker(args, options, task_vars, check_mode)
        else:
            outcome = self._execute_module(module_name='azure_dr.recovery.' + self.MODULE, module_args=args,
                                           task_vars=task_vars)
        failed_whole = outcome.get('failed') and not outcome.get('results')  # refused, or lost before any outcome
        rows = self.rows(outcomes(outcome.get('results') or [], self.KIND, check_mode=check_mode, items=items,
                                  error=(outcome.get('msg') or 'failed') if failed_whole else None))
        result.update(outcome)
        result['rows'] = rows
        errors = [row for row in rows if row.get('action') == 'error']
        if errors:
            # As the module says it (each cause once, after the items it affects), also for what the module could
            # not say: the items of a worker that was lost, or refused before the module ran.
            result['msg'] = '%d %s failed: %s' % (len(errors), self.WHAT, failures_text(errors))
        result['failed'] = bool(errors) or bool(outcome.get('failed'))
        return result

    def split_args(self, args):
        """This action's own options (validated, with their defaults), and the module's arguments."""
        own = {name: args.pop(name) for name in list(args) if name in self.ACTION_SPEC}
        validation = ArgumentSpecValidator(self.ACTION_SPEC).validate(own)
        problems = [str(error) for error in validation.errors]
        options = validation.validated_parameters
        if not problems:
            problems = self.option_problems(options)
        if problems:
            raise AnsibleActionFail('Invalid input: ' + '; '.join(problems))
        return options, args

    def option_problems(self, options):
        problems = []
        if options['progress_interval'] < 1:
            problems.append('progress_interval must be at least 1 second, got %r' % options['progress_interval'])
        if options['heartbeat_timeout'] < MIN_HEARTBEAT_TIMEOUT:
            problems.append('heartbeat_timeout must be at least %d seconds (the module beats every 5 s), got %r'
                            % (MIN_HEARTBEAT_TIMEOUT, options['heartbeat_timeout']))
        return problems

    def prepare(self, args, options):
        """The module's arguments (None: the module need not run), and the items its results follow (each result's
        row is completed with its item)."""
        groups = args.get('groups')
        return args, groups if isinstance(groups, list) else None

    def rows(self, module_rows):
        """The task's report rows, from those of the module's results."""
        return module_rows

    def runs_on_controller(self):
        """A local connection without become: the worker runs as this controller process's user, on this host."""
        return self._connection.transport == 'local' and getattr(self._connection, 'become', None) is None

    def timeout(self, args):
        return lenient_int(args.get('wait_timeout'), 3600) + GRACE_SECONDS

    def run_worker(self, args, options, task_vars, check_mode):
        worker = Worker(self.MODULE, args, check_mode=check_mode, progress=self.PROGRESS,
                        **worker_options(self, task_vars))
        try:
            worker.start()
            Watch(display.display, progress_interval=options.get('progress_interval', 30),
                  heartbeat_timeout=options.get('heartbeat_timeout', 30), timeout=self.timeout(args)).wait(
                [worker], watched=worker if self.PROGRESS else None)
            return worker.result()
        finally:
            if worker.process is not None and worker.running():  # this task was interrupted: it must not go on acting
                worker.stop('the task stopped')
            worker.clean_up()


class ActionModule(BatchAction):
    MODULE = 'instance_failover_group_failover_batch'
    KIND = 'failover_group'
    WHAT = 'failover group(s)'
