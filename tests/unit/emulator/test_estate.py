# -*- coding: utf-8 -*-
# Copyright: contributors to the azure_dr.recovery collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The emulator's estate for discovery, drift and parity: subscriptions (2022-12-01) and managed instances
(2025-01-01) over ARM, paged with nextLink, a subscription listed but not readable, instances made with the
defaults for the failover groups that name them, and the control calls that add a group and resize an instance."""

from __future__ import annotations

import json
import os

import pytest

from ansible_collections.azure_dr.recovery.tests.azure_dr_emulator.state import build_state
from ansible_collections.azure_dr.recovery.tests.unit.emulator.conftest import SUB, TENANT, demo_seed
from ansible_collections.azure_dr.recovery.tests.unit.emulator.test_arm import shape
from ansible_collections.azure_dr.recovery.tests.unit.emulator.test_outages_and_group_state import control_answer

FIXTURES = os.path.join(os.path.dirname(__file__), 'fixtures')
DR_SUB = '66666666-7777-4888-9999-000000000000'  # the demo's second subscription (fg-orders' DR side)
OTHER_SUB = '77777777-8888-4999-aaaa-bbbbbbbbbbbb'
OTHER_CLIENT, OTHER_SECRET = '12121212-3434-4545-8989-101010101010', 'other-1'
MI_API, SUBSCRIPTIONS_API = '2025-01-01', '2022-12-01'


def fixture(name):
    with open(os.path.join(FIXTURES, name)) as handle:
        return json.load(handle)


MI_EXAMPLE = fixture('ManagedInstanceGet.json')['responses']['200']['body']
SUBSCRIPTION_EXAMPLE = fixture('GetSubscriptions.json')['responses']['200']['body']['value'][0]


def instances_path(sub=SUB, rg=None, name=None, api_version=MI_API):
    scope = '/subscriptions/%s' % sub + ('/resourceGroups/%s' % rg if rg else '')
    return '%s/providers/Microsoft.Sql/managedInstances%s?api-version=%s' % (scope, '/' + name if name else '', api_version)


def all_pages(emu, path, token=None):
    """Every page of a list, following nextLink exactly as given; (items, pages)."""
    headers = {'Authorization': 'Bearer ' + token} if token else {}
    items, pages, url = [], [], path
    while url:
        assert len(pages) < 20, 'nextLink goes round'
        answer = emu.call('GET', url, scope=None if token else 'https://management.azure.com/.default', headers=headers)
        assert answer.status_code == 200, answer.text
        page = answer.json()
        pages.append(page)
        items += page['value']
        url = page.get('nextLink')
        assert url is None or url.startswith(emu.url + '/subscriptions') and '$skipToken=' in url
    return items, pages


def other_client_token(emu):
    return emu.session.post('%s/%s/oauth2/v2.0/token' % (emu.url, TENANT), data={
        'grant_type': 'client_credentials', 'client_id': OTHER_CLIENT, 'client_secret': OTHER_SECRET,
        'scope': 'https://management.azure.com/.default'}).json()['access_token']


def seed_with_other_subscription(**settings):
    """The demo seed plus a subscription only another client may use."""
    seed = demo_seed(**settings)
    seed['clients'].append({'client_id': OTHER_CLIENT, 'tenant': TENANT, 'secret': OTHER_SECRET})
    seed['subscriptions'].append({'id': OTHER_SUB, 'display_name': 'Elsewhere', 'state': 'Warned', 'principals': [OTHER_CLIENT]})
    return seed


def instance(emu, name, sub=SUB, rg='rg-sql-dr'):
    answer = emu.call('GET', instances_path(sub, rg, name))
    assert answer.status_code == 200, answer.text
    return answer.json()


def size_of(view):
    properties = view['properties']
    return (view['sku']['name'], view['sku']['tier'], view['sku']['family'], view['sku']['capacity'], properties['vCores'],
            properties['storageSizeInGB'], properties['licenseType'], properties['zoneRedundant'],
            properties['requestedBackupStorageRedundancy'], properties['maintenanceConfigurationId'])


def default_size(sub):
    return ('GP_Gen5', 'GeneralPurpose', 'Gen5', 8, 8, 256, 'LicenseIncluded', False, 'Geo',
            '/subscriptions/%s/providers/Microsoft.Maintenance/publicMaintenanceConfigurations/SQL_Default' % sub)


# --- subscriptions ---

def test_subscriptions_lists_only_those_the_principal_may_use_in_the_example_shape(start_emulator):
    emu = start_emulator(seed_with_other_subscription())
    mine, _pages = all_pages(emu, '/subscriptions?api-version=%s' % SUBSCRIPTIONS_API)
    assert [(s['subscriptionId'], s['displayName'], s['state']) for s in mine] == [
        (SUB, 'Contoso Production', 'Enabled'), (DR_SUB, 'Contoso DR', 'Enabled')]
    expected = dict(shape(SUBSCRIPTION_EXAMPLE))
    expected.pop('tags')  # only a subscription seeded with tags has them
    expected['managedByTenants'] = []  # no other tenant manages these
    for subscription in mine:
        assert shape(subscription) == expected
        assert subscription['id'] == '/subscriptions/' + subscription['subscriptionId']
        assert subscription['tenantId'] == TENANT
    theirs, _pages = all_pages(emu, '/subscriptions?api-version=%s' % SUBSCRIPTIONS_API, token=other_client_token(emu))
    assert [(s['subscriptionId'], s['displayName'], s['state']) for s in theirs] == [(OTHER_SUB, 'Elsewhere', 'Warned')]


def test_subscriptions_are_paged_with_next_link(start_emulator):
    seed = demo_seed(arm_page_size=1)
    seed['subscriptions'] += [{'id': '88888888-0000-4000-8000-%012d' % number, 'principals': ['*']} for number in range(3)]
    emu = start_emulator(seed)
    found, pages = all_pages(emu, '/subscriptions?api-version=%s' % SUBSCRIPTIONS_API)
    ids = [subscription['subscriptionId'] for subscription in found]
    assert len(pages) == 5 and all(len(page['value']) == 1 for page in pages)
    assert ids == [SUB, DR_SUB] + ['88888888-0000-4000-8000-%012d' % number for number in range(3)]
    assert found[-1]['displayName'] == found[-1]['subscriptionId']  # without display_name: the id


def test_one_subscription_and_the_errors(start_emulator):
    emu = start_emulator(seed_with_other_subscription())
    answer = emu.call('GET', '/subscriptions/%s?api-version=%s' % (DR_SUB, SUBSCRIPTIONS_API))
    assert answer.status_code == 200 and answer.json()['displayName'] == 'Contoso DR'
    assert answer.headers['x-ms-request-id']
    for path, status, code in (
            ('/subscriptions/%s?api-version=%s' % (OTHER_SUB, SUBSCRIPTIONS_API), 404, 'SubscriptionNotFound'),
            ('/subscriptions/%s?api-version=%s' % ('99999999-0000-4000-8000-000000000000', SUBSCRIPTIONS_API), 404,
             'SubscriptionNotFound'),
            ('/subscriptions/%s?api-version=%s' % (SUB, MI_API), 400, 'InvalidApiVersionParameter'),
            ('/subscriptions?api-version=%s' % MI_API, 400, 'InvalidApiVersionParameter'),
            ('/subscriptions', 400, 'InvalidApiVersionParameter')):
        answer = emu.call('GET', path)
        assert (answer.status_code, answer.json()['error']['code']) == (status, code), path
        assert answer.headers['x-ms-request-id']
    assert emu.call('GET', '/subscriptions?api-version=%s' % SUBSCRIPTIONS_API, scope=None).status_code == 401


# --- managed instances ---

def test_instances_by_subscription_resource_group_and_name(emu):
    by_subscription, _pages = all_pages(emu, instances_path())
    assert [view['name'] for view in by_subscription] == [
        'fg-finance-eastus', 'fg-finance-westus', 'fg-sales-japaneast', 'fg-sales-japanwest', 'fg-orders-japanwest']
    by_group, _pages = all_pages(emu, instances_path(rg='rg-sql-west'))
    assert [view['name'] for view in by_group] == ['fg-orders-japanwest']
    dr_side, _pages = all_pages(emu, instances_path(sub=DR_SUB))
    assert [(view['name'], view['location']) for view in dr_side] == [('fg-orders-japaneast', 'japaneast')]
    assert all_pages(emu, instances_path(rg='rg-empty'))[0] == []
    one = instance(emu, 'fg-finance-westus')
    assert one == next(view for view in by_subscription if view['name'] == 'fg-finance-westus')
    assert one['id'] == '/subscriptions/%s/resourceGroups/rg-sql-dr/providers/Microsoft.Sql/managedInstances/fg-finance-westus' % SUB
    assert (one['type'], one['location']) == ('Microsoft.Sql/managedInstances', 'westus')
    assert (one['properties']['state'], one['properties']['provisioningState']) == ('Ready', 'Succeeded')


def test_an_instance_has_the_shape_of_the_spec_example(emu):
    view = instance(emu, 'fg-sales-japanwest')
    example = shape(MI_EXAMPLE)
    assert set(view) == set(example) - {'tags'} and shape(view['sku']) == example['sku']
    properties = dict(shape(view['properties']))
    assert properties.pop('zoneRedundant') == 'bool'  # a documented property the example does not show
    assert properties == {key: example['properties'][key] for key in properties}
    assert {'vCores', 'storageSizeInGB', 'licenseType', 'requestedBackupStorageRedundancy', 'maintenanceConfigurationId',
            'state', 'provisioningState'} <= set(properties)
    partner = instance(emu, 'fg-sales-japaneast')
    assert view['properties']['dnsZone'] == partner['properties']['dnsZone']  # a failover group's instances share one
    assert view['properties']['fullyQualifiedDomainName'] == 'fg-sales-japanwest.%s.database.windows.net' % view['properties']['dnsZone']


def test_the_demo_instances_sizes_finance_dr_smaller_than_its_primary(emu):
    assert size_of(instance(emu, 'fg-finance-eastus'))[3:6] == (8, 8, 256)
    assert size_of(instance(emu, 'fg-finance-westus'))[3:6] == (4, 4, 128)
    assert size_of(instance(emu, 'fg-finance-eastus'))[6:] == size_of(instance(emu, 'fg-finance-westus'))[6:]
    assert size_of(instance(emu, 'fg-sales-japanwest')) == size_of(instance(emu, 'fg-sales-japaneast')) == default_size(SUB)
    orders_primary = instance(emu, 'fg-orders-japanwest', rg='rg-sql-west')
    orders_dr = instance(emu, 'fg-orders-japaneast', sub=DR_SUB, rg='rg-sql-east')
    assert size_of(orders_primary)[:6] == size_of(orders_dr)[:6] == ('BC_Gen5', 'BusinessCritical', 'Gen5', 16, 16, 512)
    group = emu.call('GET', emu.group_path('JapanWest', 'fg-orders').replace('rg-sql-dr', 'rg-sql-west')).json()['properties']
    assert group['secondaryType'] == 'Standby'
    assert group['managedInstancePairs'] == [{'primaryManagedInstanceId': orders_primary['id'],
                                              'partnerManagedInstanceId': orders_dr['id']}]


@pytest.mark.parametrize('size', [1, 2, 4])
def test_instance_lists_are_paged_with_next_link_followed_as_given(start_emulator, size):
    emu = start_emulator(demo_seed(arm_page_size=size))
    names, pages = all_pages(emu, instances_path())
    assert len(pages) == -(-5 // size) and all(len(page['value']) <= size for page in pages)
    assert 'nextLink' not in pages[-1]
    assert len(set(view['id'] for view in names)) == len(names) == 5
    assert [view['name'] for view in names] == [
        'fg-finance-eastus', 'fg-finance-westus', 'fg-sales-japaneast', 'fg-sales-japanwest', 'fg-orders-japanwest']
    in_group, pages = all_pages(emu, instances_path(rg='rg-sql-dr'))
    assert len(pages) == -(-4 // size) and len({view['id'] for view in in_group}) == 4


def test_failover_group_lists_page_the_same_way(start_emulator):
    seed = demo_seed(arm_page_size=2)
    for number in range(3):
        seed['failover_groups'].append({'subscription': SUB, 'resource_group': 'rg-sql-dr', 'name': 'fg-page-%d' % number,
                                        'locations': ['Japan West', 'Japan East']})
    emu = start_emulator(seed)
    path = '/subscriptions/%s/resourceGroups/rg-sql-dr/providers/Microsoft.Sql/locations/JapanEast/instanceFailoverGroups' \
           '?api-version=2025-01-01' % SUB
    groups, pages = all_pages(emu, path)
    assert [group['name'] for group in groups] == ['fg-page-0', 'fg-page-1', 'fg-page-2', 'fg-sales'] and len(pages) == 2


def test_instance_errors(emu):
    missing = emu.call('GET', instances_path(rg='rg-sql-dr', name='fg-nope'))
    assert missing.status_code == 404 and missing.json()['error']['code'] == 'ResourceNotFound'
    assert "'Microsoft.Sql/managedInstances/fg-nope'" in missing.json()['error']['message']
    elsewhere = emu.call('GET', instances_path(rg='rg-sql-west', name='fg-sales-japanwest'))  # the right name, another group
    assert elsewhere.status_code == 404
    for path in (instances_path(api_version='2023-08-01'), instances_path(rg='rg-sql-dr', name='fg-sales-japanwest',
                                                                          api_version='2021-11-01')):
        wrong = emu.call('GET', path)
        assert wrong.status_code == 400 and wrong.json()['error']['code'] == 'InvalidApiVersionParameter'
    unknown = emu.call('GET', instances_path(sub='99999999-0000-4000-8000-000000000000'))
    assert unknown.status_code == 404 and unknown.json()['error']['code'] == 'SubscriptionNotFound'
    bad_token = emu.call('GET', instances_path() + '&$skipToken=abc')
    assert bad_token.status_code == 400 and bad_token.json()['error']['code'] == 'InvalidSkipToken'


def test_an_unreadable_subscription_is_listed_but_its_listings_answer_403(start_emulator):
    seed = demo_seed()
    seed['subscriptions'][1]['readable'] = False
    emu = start_emulator(seed)
    listed, _pages = all_pages(emu, '/subscriptions?api-version=%s' % SUBSCRIPTIONS_API)
    assert [subscription['subscriptionId'] for subscription in listed] == [SUB, DR_SUB]
    assert emu.call('GET', '/subscriptions/%s?api-version=%s' % (DR_SUB, SUBSCRIPTIONS_API)).status_code == 200
    groups = '/subscriptions/%s/resourceGroups/rg-sql-east/providers/Microsoft.Sql/locations/JapanEast/instanceFailoverGroups' \
             '?api-version=2025-01-01' % DR_SUB
    for path in (instances_path(sub=DR_SUB), instances_path(sub=DR_SUB, rg='rg-sql-east'),
                 instances_path(sub=DR_SUB, rg='rg-sql-east', name='fg-orders-japaneast'), groups):
        answer = emu.call('GET', path)
        assert answer.status_code == 403, path
        assert list(answer.json()) == ['error'] and sorted(answer.json()['error']) == ['code', 'message']
        assert answer.json()['error']['code'] == 'AuthorizationFailed'
        assert "scope '/subscriptions/%s'" % DR_SUB in answer.json()['error']['message']
    assert len(all_pages(emu, instances_path())[0]) == 5  # the readable one answers as before


def test_instances_the_seed_does_not_list_are_made_with_the_defaults(start_emulator):
    seed = demo_seed()
    seed['managed_instances'] = [entry for entry in seed['managed_instances'] if entry['name'] == 'fg-finance-westus']
    emu = start_emulator(seed)
    assert size_of(instance(emu, 'fg-finance-westus'))[3:6] == (4, 4, 128)  # the one listed keeps its sizes
    for name, sub, rg, location in (('fg-sales-japanwest', SUB, 'rg-sql-dr', 'japanwest'),
                                    ('fg-finance-eastus', SUB, 'rg-sql-dr', 'eastus'),
                                    ('fg-orders-japanwest', SUB, 'rg-sql-west', 'japanwest'),
                                    ('fg-orders-japaneast', DR_SUB, 'rg-sql-east', 'japaneast')):
        view = instance(emu, name, sub=sub, rg=rg)
        assert (size_of(view), view['location']) == (default_size(sub), location)
    seed = demo_seed()
    del seed['managed_instances']
    state = build_state(seed, 0)
    assert len(state['managed_instances']) == 6  # every side of every group, none listed


def test_a_state_saved_before_instances_existed_gets_them(start_emulator, tmp_path):
    path = tmp_path / 'old-state.json'
    old = build_state(demo_seed(), 0)
    del old['managed_instances']
    path.write_text(json.dumps(old))
    emu = start_emulator(demo_seed(), state_path=str(path))
    assert size_of(instance(emu, 'fg-finance-westus')) == default_size(SUB)  # from its group, not from the seed


@pytest.mark.parametrize('change,message', [
    ({'vcores': 0}, 'managed instance fg-sales-japanwest: vcores must be a positive whole number, not 0'),
    ({'tier': 'Premium'}, "managed instance fg-sales-japanwest: tier must be one of GeneralPurpose, BusinessCritical, not 'Premium'"),
    ({'sku_name': 'BC_Gen5', 'tier': 'GeneralPurpose'},
     'managed instance fg-sales-japanwest: sku_name BC_Gen5 is tier BusinessCritical, family Gen5: tier and family, if given, '
     'must agree'),
    ({'resource_group': None}, 'managed instance fg-sales-japanwest: needs resource_group'),
    ({'size': 'big'}, 'managed instance fg-sales-japanwest: unknown keys: size'),
])
def test_a_seed_with_a_bad_instance_is_refused_and_the_state_kept(emu, change, message):
    seed = demo_seed()
    seed['managed_instances'][0].update(change)
    answer = control_answer(emu, 'POST', 'reset', json=seed)
    assert answer.status_code == 400 and answer.json()['error']['message'] == message
    assert size_of(instance(emu, 'fg-sales-japanwest')) == default_size(SUB)


# --- control calls ---

NEW_GROUP = {'name': 'fg-hr', 'primary': 'East US', 'secondary_type': 'Standby',
             'sides': [{'location': 'East US', 'subscription': SUB, 'resource_group': 'rg-hr-east'},
                       {'location': 'West US', 'subscription': DR_SUB, 'resource_group': 'rg-hr-west'}]}


def test_a_failover_group_added_is_listed_with_its_instances_and_kept_over_a_restart(start_emulator, tmp_path):
    state = str(tmp_path / 'added-state.json')
    emu = start_emulator(demo_seed(), state_path=state)
    added = emu.control('POST', 'failover-groups', json=NEW_GROUP)
    assert (added['name'], added['primary'], added['secondary_type']) == ('fg-hr', 'East US', 'Standby')
    port, tokens = emu.emulator.port, emu._tokens
    emu.emulator.stop()
    emu = start_emulator(demo_seed(), state_path=state, port=port)  # the saved state, not the seed
    emu._tokens = tokens
    west = '/subscriptions/%s/resourceGroups/rg-hr-west/providers/Microsoft.Sql/locations/WestUS/instanceFailoverGroups' \
           '?api-version=2025-01-01' % DR_SUB
    listed, _pages = all_pages(emu, west)
    assert [group['name'] for group in listed] == ['fg-hr']
    properties = listed[0]['properties']
    assert (properties['replicationRole'], properties['secondaryType']) == ('Secondary', 'Standby')
    primary = instance(emu, 'fg-hr-eastus', rg='rg-hr-east')
    dr = instance(emu, 'fg-hr-westus', sub=DR_SUB, rg='rg-hr-west')
    assert properties['managedInstancePairs'] == [{'primaryManagedInstanceId': primary['id'], 'partnerManagedInstanceId': dr['id']}]
    assert (size_of(primary), size_of(dr)) == (default_size(SUB), default_size(DR_SUB))
    assert [view['name'] for view in all_pages(emu, instances_path(rg='rg-hr-east'))[0]] == ['fg-hr-eastus']


def test_a_failover_group_added_keeps_instances_that_exist(emu):
    emu.control('POST', 'managed-instance-size', json={'name': 'fg-finance-westus', 'vcores': 2})
    body = {'subscription': SUB, 'resource_group': 'rg-sql-dr', 'name': 'fg-finance2', 'locations': ['East US', 'West US'],
            'managed_instances': {'East US': instance(emu, 'fg-finance-eastus')['id'],
                                  'West US': instance(emu, 'fg-finance-westus')['id']}}
    emu.control('POST', 'failover-groups', json=body)
    assert size_of(instance(emu, 'fg-finance-westus'))[3:6] == (2, 2, 128)
    assert len(all_pages(emu, instances_path())[0]) == 5  # no instance was added


def sides(first, second):
    return [dict(zip(('location', 'subscription', 'resource_group'), side)) for side in (first, second)]


@pytest.mark.parametrize('body,status,message', [
    (dict(NEW_GROUP, name='fg-orders', primary='Japan West', sides=sides(('Japan West', SUB, 'rg-sql-west'), ('Japan East', SUB, 'rg-x'))),
     409, 'a failover group named fg-orders is already in %s rg-sql-west' % SUB),
    (dict(NEW_GROUP, name='fg-sales', sides=sides(('East US', SUB, 'rg-sql-dr'), ('West US', SUB, 'rg-sql-dr'))),
     409, 'a failover group named fg-sales is already in %s rg-sql-dr' % SUB),  # in another region pair
    ({'name': 'fg-x', 'subscription': SUB, 'resource_group': 'rg'}, 400, 'failover group fg-x: needs sides, or locations'),
    ({'name': 'fg-x', 'subscription': SUB, 'resource_group': 'rg', 'locations': ['East US', 'eastus']}, 400,
     "failover group fg-x: needs two sides in two regions, not ['East US', 'eastus']"),
    (dict(NEW_GROUP, primary='Japan West'), 400, "failover group fg-hr: primary must be one of East US, West US, not 'Japan West'"),
    (dict(NEW_GROUP, secondary_type='Readable'), 400, "failover group fg-hr: secondary_type must be one of Geo, Standby, not 'Readable'"),
    ({}, 400, 'a failover group needs a name'),
])
def test_a_failover_group_that_cannot_be_added(emu, body, status, message):
    answer = control_answer(emu, 'POST', 'failover-groups', json=body)
    assert (answer.status_code, answer.json()['error']['message']) == (status, message)
    assert len(emu.control('GET', 'state')['failover_groups']) == 3


def test_a_resized_instance_reads_its_new_size(emu):
    resized = emu.control('POST', 'managed-instance-size', json={
        'subscription': SUB, 'resource_group': 'rg-sql-dr', 'name': 'fg-finance-westus', 'vcores': 8, 'storage_gb': 256})
    assert size_of(resized)[3:6] == (8, 8, 256)
    assert size_of(instance(emu, 'fg-finance-westus')) == size_of(instance(emu, 'fg-finance-eastus'))
    emu.control('POST', 'managed-instance-size', json={
        'name': 'fg-sales-japaneast', 'sku_name': 'BC_G8IM', 'license_type': 'BasePrice', 'zone_redundant': True,
        'backup_redundancy': 'GeoZone', 'maintenance_configuration_id': 'SQL_JapanEast_MI_1'})
    assert size_of(instance(emu, 'fg-sales-japaneast')) == (
        'BC_G8IM', 'BusinessCritical', 'G8IM', 8, 8, 256, 'BasePrice', True, 'GeoZone', 'SQL_JapanEast_MI_1')
    emu.control('POST', 'managed-instance-size', json={'name': 'fg-sales-japaneast', 'tier': 'GeneralPurpose'})
    assert size_of(instance(emu, 'fg-sales-japaneast'))[:3] == ('GP_G8IM', 'GeneralPurpose', 'G8IM')  # the SKU follows
    assert size_of(instance(emu, 'fg-sales-japanwest')) == default_size(SUB)  # its partner is unchanged


def test_an_instance_that_cannot_be_resized(start_emulator):
    seed = demo_seed()
    seed['managed_instances'].append({'name': 'fg-sales-japanwest', 'subscription': SUB, 'resource_group': 'rg-twin',
                                      'location': 'Japan West'})
    emu = start_emulator(seed)
    for body, status, message in (
            ({'name': 'fg-nope', 'vcores': 4}, 404, 'no managed instance is named fg-nope'),
            ({'name': 'fg-sales-japanwest', 'vcores': 4}, 400,
             '2 managed instances are named fg-sales-japanwest: give subscription and resource_group to pick one'),
            ({'name': 'fg-sales-japaneast', 'cores': 4}, 400, 'unknown managed-instance-size fields: cores'),
            ({'name': 'fg-sales-japaneast', 'vcores': True}, 400, 'vcores must be a positive whole number, not True'),
            ({'name': 'fg-sales-japaneast', 'sku_name': 'XX_Gen5'}, 400,
             "sku_name must be GP_ or BC_ followed by a family (GP_Gen5, BC_G8IM...), not 'XX_Gen5'"),
            ({'vcores': 4}, 400, 'managed-instance-size needs the name of a managed instance')):
        answer = control_answer(emu, 'POST', 'managed-instance-size', json=body)
        assert (answer.status_code, answer.json()['error']['message']) == (status, message)
    assert size_of(instance(emu, 'fg-sales-japaneast')) == default_size(SUB)
    picked = emu.control('POST', 'managed-instance-size', json={'name': 'fg-sales-japanwest', 'resource_group': 'RG-TWIN',
                                                                'vcores': 4})
    assert picked['id'].endswith('/rg-twin/providers/Microsoft.Sql/managedInstances/fg-sales-japanwest')
    assert size_of(instance(emu, 'fg-sales-japanwest'))[3] == 8 and size_of(instance(emu, 'fg-sales-japanwest', rg='rg-twin'))[3] == 4
