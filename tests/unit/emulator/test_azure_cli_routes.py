# -*- coding: utf-8 -*-
# Copyright: contributors to the azure_dr.recovery collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""What the Azure CLI asks of the emulator to register it as a cloud, log in with a service principal and run
``az sql instance-failover-group show`` / ``set-primary`` (seen with azure-cli 2.8x against it, docs/emulator.md):
the cloud metadata, a token for the scope it spells with a double slash, the subscriptions, the regions of a
subscription (to turn "Japan East" into japaneast), its older api-version of Microsoft.Sql, and a failover's 202 with
both Azure-AsyncOperation and Location."""

from __future__ import annotations

from ansible_collections.azure_dr.recovery.tests.unit.emulator.conftest import CLIENT_ID, SECRET, SUB, TENANT, demo_seed

CLI_API = '2024-11-01-preview'


def test_cloud_metadata_has_what_az_cloud_register_maps(emu):
    answer = emu.session.get(emu.url + '/metadata/endpoints?api-version=2022-09-01')
    assert answer.status_code == 200
    metadata = answer.json()
    # azure.cli.core.cloud._arm_to_cli_mapper reads these without a default.
    assert metadata['name'] and metadata['resourceManager'] == emu.url + '/'
    assert metadata['authentication']['loginEndpoint'] == emu.url + '/'
    assert metadata['authentication']['audiences'][0] == 'https://management.azure.com/'


def test_token_for_the_scope_az_spells_with_a_double_slash(emu):
    answer = emu.session.post('%s/%s/oauth2/v2.0/token' % (emu.url, TENANT), data={
        'grant_type': 'client_credentials', 'client_id': CLIENT_ID, 'client_secret': SECRET,
        'scope': 'https://management.azure.com//.default offline_access openid profile'})
    assert answer.status_code == 200, answer.text


def test_regions_of_a_subscription(emu):
    answer = emu.call('GET', '/subscriptions/%s/locations?api-version=2022-12-01' % SUB)
    assert answer.status_code == 200, answer.text
    regions = {region['name']: region for region in answer.json()['value']}
    assert regions['japaneast']['displayName'] == 'Japan East'
    assert regions['japaneast']['id'] == '/subscriptions/%s/locations/japaneast' % SUB
    assert {'westus', 'eastus', 'japanwest'} <= set(regions)
    unknown = emu.call('GET', '/subscriptions/99999999-1111-2222-3333-444444444444/locations?api-version=2022-12-01')
    assert unknown.status_code == 404 and unknown.json()['error']['code'] == 'SubscriptionNotFound'
    wrong = emu.call('GET', '/subscriptions/%s/locations?api-version=2025-01-01' % SUB)
    assert wrong.status_code == 400 and wrong.json()['error']['code'] == 'InvalidApiVersionParameter'


def test_the_cli_api_version_is_answered_and_others_still_refused(start_emulator):
    emu = start_emulator(demo_seed(failover_polls=1, arm_async_operation=True))
    group = emu.call('GET', emu.group_path('japaneast', api_version=CLI_API))
    assert group.status_code == 200 and group.json()['properties']['replicationRole'] == 'Secondary'
    old = emu.call('GET', emu.group_path('japaneast', api_version='2023-08-01'))
    assert old.status_code == 400 and "'2025-01-01,2024-11-01-preview'" in old.json()['error']['message']
    accepted = emu.call('POST', emu.group_path('Japan%20East', suffix='/failover', api_version=CLI_API))
    assert accepted.status_code == 202
    assert '/instanceFailoverGroupAzureAsyncOperation/' in accepted.headers['Azure-AsyncOperation']
    assert '/instanceFailoverGroupOperationResults/fg-sales' in accepted.headers['Location']
    emu.control('POST', 'settings', json={'arm_client_api_versions': []})
    refused = emu.call('GET', emu.group_path('japaneast', api_version=CLI_API))
    assert refused.status_code == 400 and refused.json()['error']['code'] == 'InvalidApiVersionParameter'
