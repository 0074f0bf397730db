# -*- coding: utf-8 -*-
# Copyright: contributors to the azure_dr.recovery collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Client of the Microsoft Fabric admin workspace API (get, list, restore), and the facts the
modules decide on.  Fabric filters take lowercase values and answer PascalCase ones, so every
comparison here ignores case."""

from __future__ import annotations

from ansible_collections.azure_dr.recovery.plugins.module_utils._errors import ApiError, AzureDRError
from ansible_collections.azure_dr.recovery.plugins.module_utils._fabric import fabric_client
from ansible_collections.azure_dr.recovery.plugins.module_utils._http import Throttle
from ansible_collections.azure_dr.recovery.plugins.module_utils._validation import name_problem, positive_problem, uuid_problem

PRINCIPAL_TYPES = ('User', 'ServicePrincipal', 'Group', 'ServicePrincipalProfile', 'EntireTenant')
WORKSPACE_TYPES = ('Workspace', 'Personal', 'AdminWorkspace')
RETENTION_NOTE = ('deleted workspaces can be restored for 7 to 90 days (a tenant setting), personal ones for 30 days; '
                  'after that they are gone for good')

# The options the Fabric modules share, documented in doc_fragments/fabric_workspaces.py.
# The rate limit: every Fabric module's.
RATE_LIMIT_SPEC = dict(
    rate_limit_timeout=dict(type='int', default=900),
)
# What a restore takes beside the workspace: the restore module's options, and each workspace's in the batch.
RESTORE_SPEC = dict(
    new_name=dict(type='str'),
    admin_principal=dict(type='dict', options=dict(
        id=dict(type='str', required=True),
        type=dict(type='str', choices=list(PRINCIPAL_TYPES), default='User'),
    )),
)
# The module-level options of both restore modules.
RESTORE_MODULE_SPEC = dict(RATE_LIMIT_SPEC, wait_timeout=dict(type='int', default=600))


def restore_problems(restore, where=''):
    """The problems of a restore's options (``RESTORE_SPEC``): the module's, or the batch's workspace ``where``."""
    prefix = where + '.' if where else ''
    principal = restore['admin_principal'] if isinstance(restore['admin_principal'], dict) else {}  # else reported
    return [problem for problem in (name_problem(restore['new_name'], prefix + 'new_name'),
                                    uuid_problem(principal.get('id'), prefix + 'admin_principal.id')) if problem]


def timeout_problems(params):
    """The problems of ``RATE_LIMIT_SPEC`` and, in the restore modules, of ``wait_timeout``."""
    return [problem for problem in (positive_problem(params[option], option)
                                    for option in ('rate_limit_timeout', 'wait_timeout') if option in params) if problem]


def same(left, right):
    return (left or '').lower() == (right or '').lower()


def is_deleted(workspace):
    return same(workspace.get('state'), 'Deleted')


def is_personal(workspace):
    return same(workspace.get('type'), 'Personal')


def restore_body(new_name=None, admin_principal=None):
    """The restore request with only the fields given (Fabric rejects null)."""
    body = {}
    if new_name:
        body['newWorkspaceName'] = new_name
    if admin_principal:
        body['newWorkspaceAdminPrincipal'] = {'id': admin_principal['id'], 'type': admin_principal['type']}
    return body


class AdminWorkspaces:
    def __init__(self, fabric):
        self.fabric = fabric
        # Restores sent side by side share Fabric's limit on them: a 429 holds back every restore of this run.
        self.restores = Throttle()

    def get(self, workspace_id):
        """The workspace, or None when it does not exist (or has passed its retention period)."""
        return self.fabric.get_or_none('admin', 'workspaces', workspace_id)

    def list(self, state=None, name=None, workspace_type=None, capacity_id=None):
        """Every workspace matching the filters, all pages, in one listing (the reads are limited to
        200 an hour: one list beats one get per workspace)."""
        params = {'state': state.lower() if state else None, 'name': name, 'type': workspace_type,
                  'capacityId': capacity_id}
        found = self.fabric.list(('admin', 'workspaces'), 'workspaces', params)
        if name:  # keep exact matches only, whatever the service's matching does
            found = [workspace for workspace in found if same(workspace.get('name'), name)]
        return found

    def restore(self, workspace_id, body):
        return self.fabric.post(('admin', 'workspaces', workspace_id, 'restore'), body, throttle=self.restores)


def admin_workspaces(module):
    """The admin workspace client of a module run (an ``_module.AzureDRModule``), whose requests wait out
    429 answers within ``rate_limit_timeout``."""
    module.http.retry_budget = module.params['rate_limit_timeout']
    return AdminWorkspaces(fabric_client(module))


def state_of(workspace):
    return {'state': workspace.get('state'), 'name': workspace.get('name')}


class PendingRestore:
    """A deleted workspace that ``decide`` found to need a restore request."""

    def __init__(self, workspace, diff):
        self.workspace = workspace
        self.diff = diff


def decide(workspaces, workspace_id=None, workspace_name=None, new_name=None, check_mode=False, warn=None):
    """Read and decide.  Returns the outcome (module result keys: changed, workspace, diff) when no
    request is to be sent (already active, or check mode), else a ``PendingRestore``.  A workspace that
    cannot be restored raises ``AzureDRError`` whose ``result`` holds the keys known so far."""
    warn = warn or (lambda message: None)
    # Read: by name, one listing of the deleted workspaces is also the read; by id, one get.
    if workspace_name:
        workspace = find_by_name(workspaces, workspace_name, new_name)
    else:
        workspace = workspaces.get(workspace_id)
        if workspace is None:
            raise AzureDRError('Workspace %s does not exist, or has passed its retention period (%s).'
                               % (workspace_id, RETENTION_NOTE), result={'changed': False})

    before = state_of(workspace)
    if not is_deleted(workspace):
        if new_name and not same(new_name, workspace.get('name')):
            warn("Workspace %s is already active, named '%s'; it was not renamed to '%s'."
                 % (workspace['id'], workspace.get('name'), new_name))
        return {'changed': False, 'workspace': workspace, 'diff': {'before': before, 'after': before}}
    if is_personal(workspace) and not new_name:
        raise AzureDRError('Workspace %s is a personal workspace: restoring it needs new_name.' % workspace['id'],
                           result={'changed': False, 'workspace': workspace})
    diff = {'before': before, 'after': {'state': 'Active', 'name': new_name or workspace.get('name')}}
    if check_mode:
        return {'changed': True, 'workspace': workspace, 'diff': diff}
    return PendingRestore(workspace, diff)


def send_restore(workspaces, pending, new_name=None, admin_principal=None, warn=None):
    """The restore request (429 answers waited out by the HTTP client).  Returns its response, or None
    when someone else restored the workspace between our read and our request."""
    warn = warn or (lambda message: None)
    workspace = pending.workspace
    try:
        return workspaces.restore(workspace['id'], restore_body(new_name, admin_principal))
    except ApiError as error:
        # Restored by someone else between our read and our request: converge instead of failing.
        if error.code != 'InvalidRestoreWorkspaceRequest' or is_deleted(workspaces.get(workspace['id']) or workspace):
            raise
        warn('Workspace %s became active while this task ran; no restore was needed.' % workspace['id'])
        return None


def finish_restore(workspaces, pending, response, wait_timeout=600):
    """Wait for an accepted restore to end and read the workspace again: the outcome."""
    if response is not None:
        workspaces.fabric.wait(response, timeout=wait_timeout)
    restored = workspaces.get(pending.workspace['id'])
    if restored is None or is_deleted(restored):
        raise AzureDRError('The restore of workspace %s was accepted, but the workspace is %s.'
                           % (pending.workspace['id'], (restored or {}).get('state', 'gone')), result={'changed': True})
    return {'changed': True, 'workspace': restored, 'diff': pending.diff}


def restore(workspaces, workspace_id=None, workspace_name=None, new_name=None, admin_principal=None,
            wait_timeout=600, check_mode=False, warn=None):
    """Read, decide, restore unless in check mode, wait, read again: the outcome of one workspace."""
    decided = decide(workspaces, workspace_id, workspace_name, new_name, check_mode, warn)
    if not isinstance(decided, PendingRestore):
        return decided
    response = send_restore(workspaces, decided, new_name, admin_principal, warn)
    return finish_restore(workspaces, decided, response, wait_timeout)


def find_by_name(workspaces, name, new_name):
    """The deleted workspace named ``name``; or, when there is none, the active one that a previous
    run restored (under ``name``, or ``new_name``), so that a re-run converges instead of failing."""
    matches = workspaces.list(state='deleted', name=name)
    if len(matches) > 1:
        listed = ', '.join('%s (%s)' % (match['id'], match.get('type')) for match in matches)
        raise AzureDRError("%d deleted workspaces are named '%s': %s. Give workspace_id to choose one."
                           % (len(matches), name, listed), result={'changed': False})
    if matches:
        return matches[0]
    active = [workspace for workspace in workspaces.list(state='active')
              if same(workspace.get('name'), name) or (new_name and same(workspace.get('name'), new_name))]
    if len(active) == 1:
        return active[0]
    if active:
        raise AzureDRError("No deleted workspace is named '%s', and several active ones match: %s. Give workspace_id."
                           % (name, ', '.join(w['id'] for w in active)), result={'changed': False})
    raise AzureDRError("No workspace is named '%s', deleted or active: it never existed under that name, or has "
                       "passed its retention period (%s)." % (name, RETENTION_NOTE), result={'changed': False})
