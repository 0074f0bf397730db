# -*- coding: utf-8 -*-
# Copyright: contributors to the azure_dr.recovery collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Action of ``azure_dr.recovery.fabric_workspace_restore_batch`` (documented in
plugins/modules/fabric_workspace_restore_batch.py), which wraps its module as kubernetes.core's actions do.

The module takes workspace ids.  Given ``requested`` instead of ``workspaces`` (each workspace by id or by name, as
the ``fabric_workspace_restore`` role takes them), the action matches them against ``listing`` (one listing of
every workspace, as ``fabric_workspace_info`` returns it; none when every workspace is given by id) and hands the
module only the deleted ones (or, without a listing, every one given by id: the module reads each anyway).  Its
``rows`` then have one report row per requested workspace, in their order: the module's outcome, ``none`` for one
already active, ``error`` for one that cannot be restored (not found, several match, a name taken).

Where the module runs (a worker of this task on a local connection, otherwise the target) is decided as for
``instance_failover_group_failover_batch``; the module keeps no progress file, so there are no progress lines."""

from __future__ import annotations

from ansible.errors import AnsibleActionFail

from ansible_collections.azure_dr.recovery.plugins.action.instance_failover_group_failover_batch import (
    GRACE_SECONDS,
    BatchAction,
    lenient_int,
)
from ansible_collections.azure_dr.recovery.plugins.plugin_utils._dr_run.readiness import (
    match_row,
    match_workspaces,
    restore_item,
)


class ActionModule(BatchAction):
    MODULE = 'fabric_workspace_restore_batch'
    KIND = 'workspace'
    WHAT = 'workspace(s)'
    PROGRESS = False
    ACTION_SPEC = dict(
        requested=dict(type='list', elements='dict', options=dict(
            id=dict(type='str'),
            name=dict(type='str'),
            new_name=dict(type='str'),
            admin_principal=dict(type='dict'),
        ), mutually_exclusive=[['id', 'name']], required_one_of=[['id', 'name']]),
        listing=dict(type='list', elements='dict'),
        default_admin_principal=dict(type='dict'),
    )

    _matched = None

    def option_problems(self, options):
        if options['requested'] is None and (options['listing'] is not None or options['default_admin_principal']):
            return ['listing and default_admin_principal go with requested']
        return []

    def prepare(self, args, options):
        if options['requested'] is None:
            self._matched = None
            workspaces = args.get('workspaces')
            return args, workspaces if isinstance(workspaces, list) else None
        if args.get('workspaces') is not None:
            raise AnsibleActionFail('Invalid input: give requested or workspaces, not both')
        self._matched = match_workspaces(options['requested'], options['listing'],
                                         options['default_admin_principal'] or None)
        to_restore = [match for match in self._matched if match['restore']]
        if not to_restore:
            return None, []
        return dict(args, workspaces=[restore_item(match) for match in to_restore]), to_restore

    def rows(self, module_rows):
        """One row per requested workspace, in their order."""
        if self._matched is None:
            return module_rows
        restored = iter(module_rows)
        return [(next(restored, None) or dict(match_row(match), action='error', error='no outcome was returned'))
                if match['restore'] else match_row(match) for match in self._matched]

    def timeout(self, args):
        # At most: 429 answers waited out within rate_limit_timeout, then every restore waited for in turn.
        count = len(args.get('workspaces') or []) or 1
        return lenient_int(args.get('rate_limit_timeout'), 900) + count * lenient_int(args.get('wait_timeout'), 600) + GRACE_SECONDS
