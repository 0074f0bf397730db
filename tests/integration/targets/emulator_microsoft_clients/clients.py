# -*- coding: utf-8 -*-
# Copyright: contributors to the azure_dr.recovery collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Microsoft's Python clients against the emulator (the demo estate), each call checked against what the emulator
logged and holds:

- azure-identity's ClientSecretCredential (authority: the emulator, instance discovery off) gets the tokens;
- azure-mgmt-sql's SqlManagementClient (base_url: the emulator) lists managed instances (following nextLink), lists and
  gets instance failover groups, fails fg-sales over with ``begin_failover().result()`` (polling Azure-AsyncOperation,
  then the final GET of Location, Retry-After honoured), is refused on the primary side with ARM's error code, and
  forces fg-orders over in its DR side's own subscription with ``begin_force_failover_allow_data_loss``;
- microsoft-fabric-api's FabricAdminClient (base_url: the emulator, ending in /) lists the deleted workspaces
  (following continuationUri), restores two (one personal, under a new name and with an admin) and gets them back.

Prints each step and the failover's time; exits non-zero on the first difference."""

from __future__ import annotations

import json
import os
import ssl
import time
import urllib.request

from azure.core.exceptions import HttpResponseError
from azure.identity import ClientSecretCredential
from azure.mgmt.sql import SqlManagementClient
from microsoft_fabric_api.extensions.admin import FabricAdminClient
from microsoft_fabric_api.generated.admin import models as fabric_models

URL = os.environ['AZURE_ARM_ENDPOINT']
SUB = os.environ['AZURE_SUBSCRIPTION_ID']
DR_SUB = '66666666-7777-4888-9999-000000000000'  # fg-orders' DR side (seeds/demo.yml)
DELETED = {'97dd1d38-a4c6-41ed-bc4f-1e383f8ddd0f': 'Finance Analytics', '5a6b7c8d-9e0f-4a1b-8c2d-3e4f5a6b7c8d': 'Data Engineering',
           'c1d2e3f4-a5b6-4c7d-8e9f-0a1b2c3d4e5f': 'My workspace'}
ADMIN = '3c4d5e6f-7a8b-4c9d-8e0f-1a2b3c4d5e6f'


def control(path):
    context = ssl.create_default_context(cafile=os.environ['REQUESTS_CA_BUNDLE'])
    with urllib.request.urlopen(URL + '/_emulator/' + path, context=context) as answer:
        return json.load(answer)


def logged(since, pattern):
    return [entry for entry in control('requests')['requests'][since:] if pattern in entry['path']]


def expect(condition, what):
    if not condition:
        raise SystemExit('FAILED: %s' % what)


def primary_of(name):
    return next(group['primary'] for group in control('state')['failover_groups'] if group['name'] == name)


def sql_checks(credential):
    sql = SqlManagementClient(credential, SUB, base_url=URL)
    instances = sorted(instance.name for instance in sql.managed_instances.list_by_resource_group('rg-sql-dr'))
    expect(instances == ['fg-finance-eastus', 'fg-finance-westus', 'fg-sales-japaneast', 'fg-sales-japanwest'], instances)
    expect(len(logged(0, '/resourceGroups/rg-sql-dr/providers/Microsoft.Sql/managedInstances')) == 2,
           'the four instances in two pages of two (nextLink followed)')
    print('managed_instances.list_by_resource_group: %s' % ', '.join(instances))

    listed = {group.name: group.properties.replication_role
              for group in sql.instance_failover_groups.list_by_location('rg-sql-dr', 'Japan East')}
    expect(listed == {'fg-sales': 'Secondary'}, listed)
    group = sql.instance_failover_groups.get('rg-sql-dr', 'Japan West', 'fg-sales')
    pair = group.properties.managed_instance_pairs[0]
    expect(group.properties.replication_role == 'Primary' and group.properties.partner_regions[0].location == 'Japan East'
           and pair.partner_managed_instance_id.endswith('/fg-sales-japaneast'), group.as_dict())
    print('instance_failover_groups.list_by_location and get: fg-sales Primary in Japan West, Secondary in Japan East')

    since = len(control('requests')['requests'])
    begun = time.monotonic()
    result = sql.instance_failover_groups.begin_failover('rg-sql-dr', 'Japan East', 'fg-sales').result()
    seconds = time.monotonic() - begun
    expect(result.properties.replication_role == 'Primary' and primary_of('fg-sales') == 'Japan East', result.as_dict())
    polls = logged(since, '/instanceFailoverGroupAzureAsyncOperation/')
    final = logged(since, '/instanceFailoverGroupOperationResults/fg-sales')
    # Two polls answered InProgress, the third Succeeded, then the result read at Location; Retry-After (1 s) honoured.
    expect(len(polls) == 3 and len(final) == 1 and final[0]['status'] == 200, (polls, final))
    gaps = [later['time'] - earlier['time'] for earlier, later in zip(polls, polls[1:])]
    expect(all(gap >= 0.9 for gap in gaps), 'Retry-After not honoured: %r' % gaps)
    print('begin_failover(Japan East, fg-sales).result(): Primary in %.1f s (%d polls of Azure-AsyncOperation, then '
          'Location)' % (seconds, len(polls)))

    try:
        sql.instance_failover_groups.begin_failover('rg-sql-dr', 'Japan East', 'fg-sales').result()
        expect(False, 'a failover on the primary side was accepted')
    except HttpResponseError as exc:
        expect(exc.status_code == 400 and exc.error.code == 'InstanceFailoverGroupFailoverRequestOnPrimary', exc)
        print('begin_failover on the primary side: HTTP 400 %s' % exc.error.code)

    dr = SqlManagementClient(credential, DR_SUB, base_url=URL)
    since = len(control('requests')['requests'])
    forced = dr.instance_failover_groups.begin_force_failover_allow_data_loss('rg-sql-east', 'Japan East', 'fg-orders').result()
    expect(forced.properties.replication_role == 'Primary' and primary_of('fg-orders') == 'Japan East', forced.as_dict())
    sent = [entry for entry in logged(since, '/fg-orders/') if entry['method'] == 'POST']
    expect([entry['path'].rsplit('/', 1)[1] for entry in sent] == ['forceFailoverAllowDataLoss'] and sent[0]['status'] == 202,
           sent)
    expect(DR_SUB in sent[0]['path'], sent)
    print('begin_force_failover_allow_data_loss(Japan East, fg-orders) in subscription %s: Primary' % DR_SUB)


def fabric_checks(credential):
    fabric = FabricAdminClient(credential, base_url=URL + '/')
    since = len(control('requests')['requests'])
    deleted = {workspace.id: workspace.name for workspace in fabric.workspaces.list_workspaces(state='deleted')}
    expect(deleted == DELETED, deleted)
    expect(len(logged(since, '/v1/admin/workspaces')) == 2, 'three deleted workspaces in two pages (continuationUri followed)')
    print('workspaces.list_workspaces(state=deleted): %s' % ', '.join(sorted(deleted.values())))

    fabric.workspaces.restore_workspace('5a6b7c8d-9e0f-4a1b-8c2d-3e4f5a6b7c8d', fabric_models.RestoreWorkspaceRequest())
    personal = 'c1d2e3f4-a5b6-4c7d-8e9f-0a1b2c3d4e5f'
    fabric.workspaces.restore_workspace(personal, fabric_models.RestoreWorkspaceRequest(
        new_workspace_name='Ops (restored)',
        new_workspace_admin_principal=fabric_models.UserPrincipal(id=ADMIN)))  # Principal itself sends no type
    restored = fabric.workspaces.get_workspace(personal)
    expect(restored.state == 'Active' and restored.name == 'Ops (restored)' and restored.type == 'Workspace',
           restored.as_dict())
    expect(fabric.workspaces.get_workspace('5a6b7c8d-9e0f-4a1b-8c2d-3e4f5a6b7c8d').state == 'Active', 'Data Engineering')
    left = [workspace.name for workspace in fabric.workspaces.list_workspaces(state='deleted')]
    expect(left == ['Finance Analytics'], left)
    print('workspaces.restore_workspace and get_workspace: Data Engineering and Ops (restored) active again')


def main():
    credential = ClientSecretCredential(os.environ['AZURE_TENANT'], os.environ['AZURE_CLIENT_ID'], os.environ['AZURE_SECRET'],
                                        authority=os.environ['AZURE_AUTHORITY_HOST'], disable_instance_discovery=True)
    sql_checks(credential)
    fabric_checks(credential)
    audiences = {entry['audience'] for entry in control('requests')['requests'] if entry['audience']}
    expect(audiences == {'https://management.azure.com', 'https://api.fabric.microsoft.com'}, audiences)


if __name__ == '__main__':
    main()
