# -*- coding: utf-8 -*-
# Copyright: contributors to the azure_dr.recovery collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Drift and parity from what readiness reads: the check-mode batch's results and managed_instance_info's estate."""

from __future__ import annotations

from ansible_collections.azure_dr.recovery.plugins.plugin_utils._dr_run.estate import drift, estate_notes, parity

SUB = '00000000-1111-2222-3333-444444444444'
SUB2 = '66666666-7777-4888-9999-000000000000'


def instance_id(sub, rg, name):
    return '/subscriptions/%s/resourceGroups/%s/providers/Microsoft.Sql/managedInstances/%s' % (sub, rg, name)


def instance(sub, rg, name, location, **sizes):
    entry = {'id': instance_id(sub, rg, name), 'name': name, 'subscription_id': sub, 'resource_group': rg,
             'location': location, 'tier': 'GeneralPurpose', 'family': 'Gen5', 'v_cores': 8, 'storage_size_in_gb': 256,
             'license_type': 'LicenseIncluded', 'backup_storage_redundancy': 'Geo', 'zone_redundant': False,
             'maintenance_configuration_id': '/subscriptions/%s/providers/Microsoft.Maintenance/publicMaintenanceConfigurations/'
                                             'SQL_Default' % sub}
    entry.update(sizes)
    return entry


def group(name, sub, rg, location, role, primary_id, partner_id, partner_region, secondary_type='Geo'):
    """A failover group as ARM answers for ``location`` (listed with its scope, as managed_instance_info gives it)."""
    return {'id': '/subscriptions/%s/resourceGroups/%s/providers/Microsoft.Sql/locations/%s/instanceFailoverGroups/%s' % (
        sub, rg, location.replace(' ', ''), name), 'name': name, 'subscription_id': sub, 'resource_group': rg,
        'location': location, 'properties': {
            'replicationRole': role, 'partnerRegions': [{'location': partner_region}], 'secondaryType': secondary_type,
            'managedInstancePairs': [{'primaryManagedInstanceId': primary_id, 'partnerManagedInstanceId': partner_id}]}}


def side(location, rg, sub=SUB):
    return {'location': location, 'resource_group': rg, 'subscription_id': sub, 'found': True, 'answered': True}


class Estate:
    """fg-sales (Japan West -> Japan East, rg-sql-dr) and fg-orders (Japan West in rg-sql-west -> Japan East in
    rg-sql-east of another subscription), with an instance on each side."""

    def __init__(self):
        self.west = instance(SUB, 'rg-sql-dr', 'mi-sales-west', 'japanwest')
        self.east = instance(SUB, 'rg-sql-dr', 'mi-sales-east', 'japaneast')
        self.orders_west = instance(SUB, 'rg-sql-west', 'mi-orders-west', 'japanwest')
        self.orders_east = instance(SUB2, 'rg-sql-east', 'mi-orders-east', 'japaneast')
        self.plan = {'name': 'p', 'failover_groups': [
            {'name': 'fg-sales', 'resource_group': 'rg-sql-dr', 'primary_location': 'Japan West', 'dr_location': 'Japan East'}]}

    def sales(self, location='Japan East'):
        role = 'Primary' if location == 'Japan West' else 'Secondary'
        partner = 'Japan East' if location == 'Japan West' else 'Japan West'
        return group('fg-sales', SUB, 'rg-sql-dr', location, role, self.west['id'], self.east['id'], partner)

    def orders(self, location='Japan West', secondary_type='Geo'):
        here_west = location == 'Japan West'
        return group('fg-orders', SUB if here_west else SUB2, 'rg-sql-west' if here_west else 'rg-sql-east', location,
                     'Primary' if here_west else 'Secondary', self.orders_west['id'], self.orders_east['id'],
                     'Japan East' if here_west else 'Japan West', secondary_type)

    def results(self):
        """The check-mode batch's result for fg-sales, read at its DR side (Japan East)."""
        return [{'item': {'name': 'fg-sales', 'location': 'Japan East'}, 'failed': False, 'failover_group': self.sales(),
                 'sides': {'target': side('Japan East', 'rg-sql-dr'), 'primary': side('Japan West', 'rg-sql-dr')}}]

    def estate(self, groups=None, instances=None):
        return {'managed_instances': instances if instances is not None else [self.west, self.east, self.orders_west,
                                                                              self.orders_east],
                'failover_groups': groups if groups is not None else [self.sales('Japan West'), self.sales('Japan East')]}


def test_an_estate_that_matches_its_plan_has_no_drift_and_equal_instances_are_ok():
    estate = Estate()
    assert drift(estate.plan, estate.results(), estate.estate()) == []
    entries = parity(estate.plan, estate.results(), estate.estate(), 'dr_drill')
    assert [(entry['group'], entry['verdict'], entry['differences'], entry['smaller']) for entry in entries] == [
        ('fg-sales', 'ok', [], [])]
    assert entries[0]['primary']['name'] == 'mi-sales-west' and entries[0]['dr']['name'] == 'mi-sales-east'
    assert entries[0]['dr']['v_cores'] == 8 and entries[0]['dr']['read'] is True
    assert estate_notes([], entries) == ([], [])


def test_a_group_the_plan_does_not_name_in_a_region_it_covers_is_unprotected_once():
    estate = Estate()
    listed = [estate.sales('Japan West'), estate.sales('Japan East'), estate.orders('Japan West'), estate.orders('Japan East')]
    found = drift(estate.plan, estate.results(), estate.estate(groups=listed))
    assert [(finding['group'], finding['kind']) for finding in found] == [('fg-orders', 'unprotected')]
    assert 'not protected by this plan' in found[0]['message'] and 'rg-sql-west' in found[0]['message']


def test_a_group_in_a_subscription_or_region_the_plan_does_not_cover_is_not_drift():
    estate = Estate()
    elsewhere = group('fg-far', SUB, 'rg-x', 'East US', 'Primary', instance_id(SUB, 'rg-x', 'a'),
                      instance_id(SUB, 'rg-x', 'b'), 'West US')
    other_subscription = group('fg-other', SUB2, 'rg-y', 'Japan West', 'Primary', instance_id(SUB2, 'rg-y', 'a'),
                               instance_id(SUB2, 'rg-y', 'b'), 'Japan East')
    listed = [estate.sales('Japan West'), elsewhere, other_subscription]
    assert drift(estate.plan, estate.results(), estate.estate(groups=listed)) == []


def test_a_side_that_lives_in_another_resource_group_now_is_drift_naming_both():
    estate = Estate()
    moved = group('fg-sales', SUB, 'rg-sql-new', 'Japan East', 'Secondary', estate.west['id'],
                  instance_id(SUB, 'rg-sql-new', 'mi-sales-east'), 'Japan West')
    found = drift(estate.plan, estate.results(), estate.estate(groups=[estate.sales('Japan West'), moved]))
    assert [(finding['group'], finding['kind']) for finding in found] == [('fg-sales', 'side_moved')]
    assert 'dr side' in found[0]['message'] and 'rg-sql-dr' in found[0]['message'] and 'rg-sql-new' in found[0]['message']


def test_a_partner_instance_other_than_the_one_the_plan_names_is_drift():
    estate = Estate()
    estate.plan['failover_groups'] = [{'name': 'fg-sales',
                                       'primary': {'location': 'Japan West', 'resource_group': 'rg-sql-dr', 'instance': 'mi-sales-west'},
                                       'dr': {'location': 'Japan East', 'resource_group': 'rg-sql-dr', 'instance': 'mi-old-east'}}]
    found = drift(estate.plan, estate.results(), estate.estate())
    assert [(finding['group'], finding['kind']) for finding in found] == [('fg-sales', 'partner_changed')]
    assert 'mi-old-east' in found[0]['message'] and 'mi-sales-east' in found[0]['message']


def test_drift_is_a_note_unless_the_plan_refuses_it():
    finding = [{'group': 'fg-orders', 'kind': 'unprotected', 'message': 'failover group fg-orders ... is not protected'}]
    assert estate_notes(finding, []) == ([], ['drift: failover group fg-orders ... is not protected'])
    assert estate_notes(finding, [], drift_mode='refuse') == (['drift: failover group fg-orders ... is not protected'], [])


def smaller_estate():
    estate = Estate()
    estate.east = dict(estate.east, v_cores=4, storage_size_in_gb=128)
    return estate


def test_a_smaller_dr_instance_is_a_problem_in_a_drill_naming_both_sizes():
    estate = smaller_estate()
    entries = parity(estate.plan, estate.results(), estate.estate(instances=[estate.west, estate.east]), 'dr_drill')
    assert entries[0]['verdict'] == 'problem' and entries[0]['smaller'] == ['vCores 4 < 8', 'storage (GB) 128 < 256']
    assert entries[0]['differences'] == ['vCores', 'storage (GB)']
    problems, notes = estate_notes([], entries)
    assert len(problems) == 1 and notes == []
    assert 'mi-sales-east is smaller than mi-sales-west (vCores 4 < 8, storage (GB) 128 < 256)' in problems[0]


def test_a_smaller_dr_instance_is_a_loud_note_in_a_failover_and_what_the_plan_says_wins():
    estate = smaller_estate()
    instances = estate.estate(instances=[estate.west, estate.east])
    entries = parity(estate.plan, estate.results(), instances, 'dr_failover')
    assert entries[0]['verdict'] == 'note' and 'PARITY' in entries[0]['message']
    estate.plan['failover_groups'][0]['parity'] = 'warn'
    assert parity(estate.plan, estate.results(), instances, 'dr_drill')[0]['verdict'] == 'note'
    del estate.plan['failover_groups'][0]['parity']
    estate.plan['parity'] = 'refuse'
    assert parity(estate.plan, estate.results(), instances, 'dr_failover')[0]['verdict'] == 'problem'


def test_a_lower_tier_is_smaller_and_a_failback_looks_at_the_primary_side():
    estate = Estate()
    estate.west = dict(estate.west, tier='GeneralPurpose')
    estate.east = dict(estate.east, tier='BusinessCritical')
    instances = estate.estate(instances=[estate.west, estate.east])
    # A failover lands on the bigger instance; the failback lands on the smaller one.
    assert parity(estate.plan, estate.results(), instances, 'dr_failover')[0]['smaller'] == []
    back = parity(estate.plan, estate.results(), instances, 'dr_failback', target='primary')[0]
    assert back['smaller'] == ['tier GeneralPurpose < BusinessCritical'] and 'primary instance mi-sales-west' in back['message']


def test_other_differences_a_maintenance_window_and_a_standby_side_are_notes():
    estate = Estate()
    estate.east = dict(estate.east, family='G8IM', license_type='BasePrice', maintenance_configuration_id='/x/SQL_JapanEast_MI_1')
    results = estate.results()
    results[0]['failover_group']['properties']['secondaryType'] = 'Standby'
    entries = parity(estate.plan, results, estate.estate(instances=[estate.west, estate.east]), 'dr_drill')
    assert entries[0]['verdict'] == 'ok' and entries[0]['differences'] == ['hardware', 'license', 'maintenance']
    problems, notes = estate_notes([], entries)
    assert problems == [] and len(notes) == 3
    assert 'differ in hardware, license' in notes[0] and 'maintenance' in notes[1] and 'Standby' in notes[2]


def test_instances_that_could_not_be_read_are_shown_by_name_and_never_judged():
    estate = Estate()
    entries = parity(estate.plan, estate.results(), estate.estate(instances=[]), 'dr_drill')
    assert entries[0]['verdict'] == 'ok' and entries[0]['dr']['read'] is False and entries[0]['dr']['name'] == 'mi-sales-east'
    assert entries[0]['primary']['name'] == 'mi-sales-west' and entries[0]['differences'] == []


def test_a_group_readiness_could_not_read_has_no_parity_entry():
    estate = Estate()
    results = estate.results()
    results[0].update(failed=True, failover_group=None)
    assert parity(estate.plan, results, estate.estate(), 'dr_drill') == []


def test_only_a_drill_or_refuse_waits_for_the_estate_before_any_change():
    from ansible_collections.azure_dr.recovery.plugins.plugin_utils._dr_run.estate import estate_decides

    plan = Estate().plan
    assert estate_decides(plan, 'dr_drill') and estate_decides(plan, 'dr_drill_live')
    assert not estate_decides(plan, 'dr_failover') and not estate_decides(plan, 'dr_failback')
    assert estate_decides(dict(plan, parity='refuse'), 'dr_failover') and estate_decides(dict(plan, drift='refuse'), 'dr_failback')
    assert estate_decides({'failover_groups': [{'name': 'g', 'parity': 'refuse'}]}, 'dr_failover')


def test_the_estate_folds_into_a_run_s_readiness_from_what_readiness_kept():
    from ansible_collections.azure_dr.recovery.plugins.plugin_utils._dr_run.estate import fold_estate
    from ansible_collections.azure_dr.recovery.plugins.plugin_utils._dr_run.readiness import readiness

    estate = smaller_estate()
    found = readiness(estate.results(), [])
    record = {'plan': estate.plan, 'playbook': 'dr_failover', 'target': 'dr'}
    listed = [estate.sales('Japan West'), estate.sales('Japan East'), estate.orders('Japan West'), estate.orders('Japan East')]
    outcome = dict(estate.estate(groups=listed), unreadable=[{'subscription_id': SUB, 'resource_group': 'rg-x', 'location': 'eastus',
                                                             'msg': 'eastus did not answer within 30 s'}])
    assert fold_estate(record, found, outcome) == []  # a failover: notes only
    assert [finding['group'] for finding in found['drift']] == ['fg-orders']
    assert [(entry['group'], entry['verdict']) for entry in found['parity']] == [('fg-sales', 'note')]
    assert any('the failover groups at eastus of resource group rg-x' in note for note in found['notes'])
    assert any(note.startswith('parity: failover group fg-sales') for note in found['notes'])
    # In a drill the same smaller instance is a problem; an estate that could not be read is a note, never a problem.
    found = readiness(estate.results(), [])
    assert len(fold_estate(dict(record, playbook='dr_drill'), found, outcome)) == 1
    found = readiness(estate.results(), [])
    assert fold_estate(record, found, {'failed': True, 'msg': 'boom'}) == [] and found['drift'] is None
    assert found['notes'][-1] == 'drift and parity were not checked: the managed instances could not be read: boom'


def test_the_estate_scopes_name_each_subscription_once_the_run_s_included():
    from ansible_collections.azure_dr.recovery.plugins.plugin_utils._dr_run.estate import estate_scopes

    plan = {'failover_groups': [{'name': 'a', 'resource_group': 'rg', 'primary_location': 'Japan West', 'dr_location': 'Japan East'},
                                {'name': 'b', 'primary': {'location': 'East US', 'subscription_id': SUB.upper()},
                                 'dr': {'location': 'West US', 'resource_group': 'rg', 'subscription_id': SUB2}}]}
    assert estate_scopes(plan, SUB) == [{'subscription_id': SUB}, {'subscription_id': SUB2}]
    assert estate_scopes(plan) == [{}, {'subscription_id': SUB}, {'subscription_id': SUB2}]  # the run's left to the module
