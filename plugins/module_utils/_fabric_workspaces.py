# -*- coding: utf-8 -*-
# Copyright: contributors to the azure_dr.recovery collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Client of the Microsoft Fabric admin workspace API (get, list, restore), and the facts the
modules decide on.  Fabric filters take lowercase values and answer PascalCase ones, so every
comparison here ignores case."""

from __future__ import annotations

PRINCIPAL_TYPES = ('User', 'ServicePrincipal', 'Group', 'ServicePrincipalProfile', 'EntireTenant')
WORKSPACE_TYPES = ('Workspace', 'Personal', 'AdminWorkspace')
RETENTION_NOTE = ('deleted workspaces can be restored for 7 to 90 days (a tenant setting), personal ones for 30 days; '
                  'after that they are gone for good')


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
        return self.fabric.post(('admin', 'workspaces', workspace_id, 'restore'), body)
