# -*- coding: utf-8 -*-
# Copyright: contributors to the azure_dr.recovery collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The change detectors of the event sources, with plain values: each event once, never a flood, a region down
stays one event until it recovers, the runs of ours, the reads a poll costs, the workspaces' deletions."""

from __future__ import annotations

import json
import os

import pytest

from ansible_collections.azure_dr.recovery.plugins.module_utils._watch import (
    EVENT_TYPES,
    GroupDetector,
    OwnRuns,
    WorkspaceDetector,
    iso,
    reads_figures,
    reads_problems,
    scope_key,
    scopes_of,
    watched_groups,
)

SUB = '00000000-1111-2222-3333-444444444444'
DR_SUB = '66666666-7777-4888-9999-000000000000'
T0 = 1796601600.0  # 2026-12-07T00:00:00Z
INTERVAL = 60.0


def two_sided(name='fg-sales', primary=('Japan West', 'rg-sql-dr', None), dr=('Japan East', 'rg-sql-dr', None)):
    return (name, tuple({'location': side[0], 'resource_group': side[1], 'subscription_id': side[2]} for side in (primary, dr)))


def arm_view(name, here, partner, primary, state='CATCH_UP', sub=SUB, rg='rg-sql-dr', partner_sub=SUB, partner_rg='rg-sql-dr'):
    """A group as ARM lists it at ``here`` (the emulator's shape)."""
    role = 'Primary' if here == primary else 'Secondary'
    instance = '/subscriptions/%s/resourceGroups/%s/providers/Microsoft.Sql/managedInstances/%s-%s'
    mine, theirs = instance % (sub, rg, name, here.replace(' ', '').lower()), instance % (
        partner_sub, partner_rg, name, partner.replace(' ', '').lower())
    return {'name': name, 'properties': {
        'replicationRole': role, 'replicationState': state,
        'partnerRegions': [{'location': partner, 'replicationRole': 'Secondary' if role == 'Primary' else 'Primary'}],
        'managedInstancePairs': [{'primaryManagedInstanceId': mine if role == 'Primary' else theirs,
                                  'partnerManagedInstanceId': theirs if role == 'Primary' else mine}],
        'readWriteEndpoint': {'failoverPolicy': 'Manual'}, 'secondaryType': 'Geo'}}


class World:
    """The estate the listings read: who is primary, replication states, regions out, groups gone."""

    def __init__(self, groups):
        self.groups = groups
        self.primary = {group['name']: group['sides'][0]['location'] for group in groups}
        self.state = {}
        self.down = set()
        self.absent = set()
        self.denied = False

    def outcomes(self):
        outcomes = {}
        for key, scope in scopes_of(self.groups).items():
            if self.denied:
                outcomes[key] = {'status': 'error', 'groups': {}, 'error': 'HTTP 401 InvalidAuthenticationToken', 'scope': scope}
                continue
            if scope['location'] in self.down:
                outcomes[key] = {'status': 'unreachable', 'groups': {}, 'error': '%s did not answer' % scope['location'],
                                 'scope': scope}
                continue
            listed = {}
            for group in self.groups:
                sides = group['sides']
                for here, there in ((sides[0], sides[1]), (sides[1], sides[0])):
                    if scope_key(here) == key and group['name'] not in self.absent:
                        listed[group['name'].lower()] = arm_view(group['name'], here['location'], there['location'],
                                                                 self.primary[group['name']],
                                                                 self.state.get((group['name'], here['location']), 'CATCH_UP'))
            outcomes[key] = {'status': 'ok', 'groups': listed, 'error': None, 'scope': scope}
        return outcomes


class Watch:
    """A detector and its world, polled on a clock that moves on by the interval each poll."""

    def __init__(self, *groups, unreachable_after=3, snapshot=True, ours=None):
        self.groups = watched_groups(list(groups) or [two_sided()], SUB)
        self.world = World(self.groups)
        self.notes = []
        self.detector = GroupDetector('contoso', unreachable_after=unreachable_after, snapshot=snapshot, ours=ours,
                                      note=self.notes.append)
        self.now = T0

    def poll(self):
        events = self.detector.observe(self.groups, self.world.outcomes(), self.now, reads_per_interval=2)
        self.now += INTERVAL
        return events


def types(events):
    return [item['azure_dr']['type'] for item in events]


def test_the_first_poll_is_one_snapshot_and_an_unchanged_estate_says_nothing():
    watch = Watch()
    first = watch.poll()
    assert types(first) == ['snapshot']
    snapshot = first[0]['azure_dr']
    assert set(snapshot) == {'type', 'plan', 'group', 'groups', 'sides', 'time', 'snapshot', 'reads_per_interval', 'requests'}
    assert snapshot['plan'] == 'contoso' and snapshot['time'] == '2026-12-07T00:00:00Z' and snapshot['groups'] == ['fg-sales']
    assert snapshot['snapshot'][0]['primary'] == 'Japan West'
    west, east = snapshot['snapshot'][0]['sides']
    assert west == {'side': 'primary', 'location': 'Japan West', 'resource_group': 'rg-sql-dr', 'subscription_id': SUB,
                    'derived': False, 'answered': True, 'found': True, 'role': 'Primary', 'replication_state': 'CATCH_UP',
                    'failover_policy': 'Manual', 'secondary_type': 'Geo', 'partner_location': 'Japan East',
                    'partner_role': 'Secondary', 'problem': None}
    assert east['side'] == 'dr' and east['role'] == 'Secondary'
    for _poll in range(5):
        assert watch.poll() == []
    json.dumps(first)  # events go through ansible-rulebook as JSON


def test_no_snapshot_when_not_asked():
    watch = Watch(snapshot=False)
    assert watch.poll() == [] and watch.poll() == []


def test_a_move_is_one_role_changed_with_both_sides_and_the_regions():
    watch = Watch()
    watch.poll()
    watch.world.primary['fg-sales'] = 'Japan East'
    events = watch.poll()
    assert types(events) == ['role_changed']
    body = events[0]['azure_dr']
    assert body['group'] == 'fg-sales' and body['groups'] == ['fg-sales']
    assert body['primary'] == 'Japan East' and body['previous_primary'] == 'Japan West'
    assert [(side['location'], side['role']) for side in body['sides']] == [('Japan West', 'Secondary'), ('Japan East', 'Primary')]
    assert body['time'] == iso(T0 + INTERVAL)
    assert watch.poll() == [] and watch.poll() == []
    watch.world.primary['fg-sales'] = 'Japan West'  # and back: another move, another event
    assert types(watch.poll()) == ['role_changed']


def test_a_region_down_is_one_event_after_n_failed_polls_and_one_when_it_answers_again():
    watch = Watch(two_sided(), two_sided('fg-finance', ('East US', 'rg-sql-dr', None), ('West US', 'rg-sql-dr', None)))
    watch.poll()
    watch.world.down.add('Japan West')
    assert watch.poll() == [] and watch.poll() == []  # 1 and 2 failed polls: nothing yet
    events = watch.poll()
    assert types(events) == ['region_unreachable']
    body = events[0]['azure_dr']
    assert body['location'] == 'Japan West' and body['groups'] == ['fg-sales'] and body['group'] is None
    assert body['failed_reads'] == 3 and body['since'] == iso(T0 + INTERVAL) and 'did not answer' in body['reason']
    assert [(side['group'], side['location'], side['answered']) for side in body['sides']] == [('fg-sales', 'Japan West', False)]
    for _poll in range(10):  # down for long: never a second event
        assert watch.poll() == []
    watch.world.down.clear()
    events = watch.poll()
    assert types(events) == ['region_recovered']
    assert events[0]['azure_dr']['location'] == 'Japan West' and events[0]['azure_dr']['down_since'] == iso(T0 + INTERVAL)
    assert watch.poll() == []


def test_a_region_down_for_fewer_polls_than_n_says_nothing_and_starts_counting_again():
    watch = Watch(unreachable_after=3)
    watch.poll()
    for _blip in range(3):
        watch.world.down.add('Japan East')
        assert watch.poll() == [] and watch.poll() == []
        watch.world.down.clear()
        assert watch.poll() == []


def test_a_microsoft_managed_failover_while_the_primary_region_is_down():
    watch = Watch(unreachable_after=2)
    watch.poll()
    watch.world.down.add('Japan West')
    assert watch.poll() == []
    assert types(watch.poll()) == ['region_unreachable']
    watch.world.primary['fg-sales'] = 'Japan East'  # forced over by Microsoft: only the DR side answers, and says so
    events = watch.poll()
    assert types(events) == ['role_changed']
    assert [(side['location'], side['answered'], side['role']) for side in events[0]['azure_dr']['sides']] == \
        [('Japan West', False, None), ('Japan East', True, 'Primary')]
    watch.world.down.clear()
    assert types(watch.poll()) == ['region_recovered']  # the old primary answers Secondary: no second move
    assert watch.poll() == []


def test_replication_state_changes_are_each_one_event():
    watch = Watch()
    watch.poll()
    for side in ('Japan West', 'Japan East'):
        watch.world.state[('fg-sales', side)] = 'SEEDING'
    events = watch.poll()
    assert types(events) == ['replication_state_changed']
    assert events[0]['azure_dr']['changes'] == [{'location': 'Japan West', 'previous': 'CATCH_UP', 'current': 'SEEDING'},
                                                {'location': 'Japan East', 'previous': 'CATCH_UP', 'current': 'SEEDING'}]
    assert watch.poll() == []
    watch.world.state.clear()
    assert [change['current'] for change in watch.poll()[0]['azure_dr']['changes']] == ['CATCH_UP', 'CATCH_UP']


def test_a_missing_group_is_one_event_until_it_is_found_again():
    watch = Watch()
    watch.poll()
    watch.world.absent.add('fg-sales')
    events = watch.poll()
    assert types(events) == ['group_missing']
    assert 'no failover group fg-sales at Japan West in resource group rg-sql-dr' in events[0]['azure_dr']['message']
    assert watch.poll() == []
    watch.world.absent.clear()
    assert watch.poll() == []
    watch.world.absent.add('fg-sales')
    assert types(watch.poll()) == ['group_missing']


def test_a_group_missing_from_the_start_comes_after_the_snapshot():
    watch = Watch()
    watch.world.absent.add('fg-sales')
    assert types(watch.poll()) == ['snapshot', 'group_missing']


def test_a_watch_that_cannot_read_says_so_once_and_goes_on():
    watch = Watch(unreachable_after=2)
    watch.world.denied = True
    events = watch.poll()
    assert types(events) == ['snapshot', 'watch_error']
    error = events[1]['azure_dr']
    assert error['message'].startswith('2 of 2 listing(s) failed: HTTP 401') and len(error['errors']) == 2
    assert error['errors'][0]['location'] == 'Japan West' and error['groups'] == ['fg-sales']
    for _poll in range(5):  # still refused: no flood, and no region counted down for it
        assert watch.poll() == []
    watch.world.denied = False
    assert watch.poll() == []  # reads again: the baseline is what it reads now
    watch.world.primary['fg-sales'] = 'Japan East'
    assert types(watch.poll()) == ['role_changed']
    watch.world.denied = True
    assert types(watch.poll()) == ['watch_error']  # a new streak: said again


def write(path, content):
    with open(path, 'w', encoding='utf-8') as stream:
        json.dump(content, stream)


def journal(plan='contoso', playbook='dr_failover', groups=('fg-sales',), updated=T0, rehearsal=False, confirm_only=False):
    return {'schema_version': 1, 'run_id': '20261207T000000Z-abcdef', 'playbook': playbook, 'plan': {'name': plan},
            'groups': [{'name': name, 'location': 'Japan East'} for name in groups], 'rehearsal': rehearsal,
            'updated': updated, 'scope': {'confirm_only': confirm_only}}


def report(plan='contoso', playbook='dr_failover', ended=T0, action='failed over', mode='run', name='fg-sales'):
    return {'schema_version': 1, 'run_id': '20261207T000000Z-123456', 'plan': plan, 'playbook': playbook, 'mode': mode,
            'ended': iso(ended), 'items': [{'kind': 'failover_group', 'name': name, 'action': action, 'changed': True}]}


@pytest.mark.parametrize('name, content, ours', [
    ('contoso-dr_failover-1.journal', journal(), True),
    ('contoso-dr_failback-1.journal', journal(playbook='dr_failback'), True),
    ('contoso-dr_drill_live-1.journal', journal(playbook='dr_drill_live'), True),
    ('contoso-dr_drill-1.journal', journal(playbook='dr_drill'), False),
    ('contoso-dr_failover-1.journal', journal(rehearsal=True), False),
    ('contoso-dr_failover-1.journal', journal(confirm_only=True), False),
    ('contoso-dr_failover-1.journal', journal(groups=('fg-finance',)), False),
    ('contoso-dr_failover-1.journal', journal(updated=T0 - 7200), False),
    ('other-dr_failover-1.journal', journal(plan='other'), False),
    ('contoso-dr_failover-1.json', report(), True),
    ('contoso-dr_failover-1.json', report(action='forced failover (data not yet replicated may be lost)'), True),
    ('contoso-dr_failback-1.json', report(playbook='dr_failback'), True),
    ('contoso-dr_failover-1.json', report(action='primary (failed over by another operation)'), False),
    ('contoso-dr_failover-1.json', report(action='would fail over', mode='check'), False),
    ('contoso-dr_failover-1.json', report(ended=T0 - 7200), False),
    ('contoso-dr_failover-1.json', report(name='fg-finance'), False),
    ('contoso-dr_failover-1.json', 'not json at all', False),
])
def test_own_runs(tmp_path, name, content, ours):
    path = tmp_path / name
    if isinstance(content, str):
        path.write_text(content)
    else:
        write(str(path), content)
    found = OwnRuns(str(tmp_path), 'contoso', window=3600)('fg-sales', T0 + 60)
    assert (found is not None) is ours
    if ours:
        assert found['path'] == str(path) and found['state'] == ('in progress' if name.endswith('.journal') else 'ended')


def test_without_a_report_dir_no_run_is_ours(tmp_path):
    assert OwnRuns(None, 'contoso')('fg-sales', T0) is None
    assert OwnRuns(str(tmp_path / 'nowhere'), 'contoso')('fg-sales', T0) is None


def test_a_move_made_by_our_run_is_a_note_not_an_event(tmp_path):
    watch = Watch(ours=OwnRuns(str(tmp_path), 'contoso'))
    watch.poll()
    write(str(tmp_path / 'contoso-dr_failover-20261207T000000Z-abcdef.journal'), journal(updated=T0))
    watch.world.primary['fg-sales'] = 'Japan East'
    assert watch.poll() == []
    assert watch.notes == ['fg-sales: primary moved from Japan West to Japan East by our DR run 20261207T000000Z-abcdef '
                           '(dr_failover): no event']
    os.unlink(str(tmp_path / 'contoso-dr_failover-20261207T000000Z-abcdef.journal'))
    watch.world.primary['fg-sales'] = 'Japan West'  # someone else brings it back: an event
    assert types(watch.poll()) == ['role_changed']


def test_sides_the_plan_leaves_out_are_not_read_until_found():
    groups = watched_groups([two_sided('fg-orders', ('Japan West', 'rg-sql-west', None), ('Japan East', None, DR_SUB))], SUB)
    assert list(scopes_of(groups)) == [(SUB, 'rg-sql-west', 'japanwest')]
    assert groups[0]['sides'][1]['subscription_id'] == DR_SUB
    figures = reads_figures(groups, 60)
    assert figures['reads_per_interval'] == 1 and figures['gets_instead'] == 2


def demo_plan_groups():
    """playbooks/plans/demo.yml and demo-split.yml: fg-sales, fg-finance (rg-sql-dr), fg-orders (two subscriptions)."""
    return watched_groups([two_sided(), two_sided('fg-finance', ('East US', 'rg-sql-dr', None), ('West US', 'rg-sql-dr', None)),
                           two_sided('fg-orders', ('Japan West', 'rg-sql-west', None), ('Japan East', 'rg-sql-east', DR_SUB))],
                          SUB)


def test_reads_per_interval_of_the_demo_plans():
    assert reads_figures(demo_plan_groups()[:2], 60)['reads_per_interval'] == 4  # demo.yml
    assert reads_figures(demo_plan_groups()[2:], 60)['reads_per_interval'] == 2  # demo-split.yml
    figures = reads_figures(demo_plan_groups(), 60)
    assert figures == {'scopes': 6, 'reads_per_interval': 6, 'reads_per_hour': 360, 'gets_instead': 6,
                       'per_subscription': {SUB: {'reads_per_interval': 5, 'reads_per_hour': 300},
                                            DR_SUB: {'reads_per_interval': 1, 'reads_per_hour': 60}}}


def hundred(spread):
    """100 groups between Japan West and Japan East: in one resource group, or each in its own."""
    return watched_groups([two_sided('fg-%03d' % index, ('Japan West', 'rg-%s' % (index if spread else 'sql'), None),
                                     ('Japan East', 'rg-%s' % (index if spread else 'sql'), None)) for index in range(100)], SUB)


def test_reads_per_interval_of_100_groups():
    shared = reads_figures(hundred(False), 60)
    assert (shared['reads_per_interval'], shared['gets_instead']) == (2, 200)
    assert reads_figures(hundred(False), 60, page_size=50)['reads_per_interval'] == 4  # two pages each
    assert reads_problems(shared, 60, 3000) == []
    spread = reads_figures(hundred(True), 60)
    assert (spread['reads_per_interval'], spread['reads_per_hour']) == (200, 12000)
    assert reads_problems(spread, 60, 3000) == [
        'interval: 200 listing(s) per poll in subscription %s every 60 s are 12000 reads an hour, more than '
        'max_reads_per_hour (3000); make interval at least 240 seconds, or raise max_reads_per_hour (ARM allows about '
        '12,000 reads an hour per subscription and identity, shared with the DR runs)' % SUB]
    assert reads_problems(reads_figures(hundred(True), 240), 240, 3000) == []


def test_every_event_type_is_documented_in_the_sources():
    root = os.path.join(os.path.dirname(__file__), '..', '..', '..', '..', 'extensions', 'eda', 'plugins', 'event_source')
    with open(os.path.join(root, 'failover_group_watch.py'), encoding='utf-8') as stream:
        groups = stream.read()
    with open(os.path.join(root, 'fabric_workspace_watch.py'), encoding='utf-8') as stream:
        workspaces = stream.read()
    for kind in EVENT_TYPES:
        assert 'C(%s)' % kind in (workspaces if kind == 'workspace_deleted' else groups), kind


# --- workspaces ---

PLAN_WORKSPACES = [{'id': '41ce06d1-d81b-4ea0-bc6d-2ce3dd2f8e87'}, {'name': 'Data Engineering'},
                   {'id': 'c1d2e3f4-a5b6-4c7d-8e9f-0a1b2c3d4e5f', 'new_name': 'Ops (restored)'}]
SALES = {'id': '41ce06d1-d81b-4ea0-bc6d-2ce3dd2f8e87', 'name': 'Sales Reporting', 'type': 'Workspace', 'state': 'Deleted'}
DATA = {'id': '5a6b7c8d-9e0f-4a1b-8c2d-3e4f5a6b7c8d', 'name': 'Data Engineering', 'type': 'Workspace', 'state': 'Deleted'}
PERSONAL = {'id': 'c1d2e3f4-a5b6-4c7d-8e9f-0a1b2c3d4e5f', 'name': 'My workspace', 'type': 'Personal', 'state': 'Deleted'}


def test_a_workspace_deleted_is_one_event_with_what_is_known_of_its_retention():
    detector = WorkspaceDetector('contoso', PLAN_WORKSPACES, retention_days=14)
    first = detector.observe([DATA], T0)
    assert types(first) == ['snapshot']
    assert first[0]['azure_dr']['workspaces'] == [
        {'id': SALES['id'], 'name': None, 'type': None, 'state': 'NotDeleted'},
        {'id': DATA['id'], 'name': 'Data Engineering', 'type': 'Workspace', 'state': 'Deleted'},
        {'id': PERSONAL['id'], 'name': None, 'type': None, 'state': 'NotDeleted'}]
    events = detector.observe([DATA, dict(SALES, id=SALES['id'].upper())], T0 + 120)
    assert types(events) == ['workspace_deleted']
    body = events[0]['azure_dr']
    assert body == {'type': 'workspace_deleted', 'plan': 'contoso', 'workspace': dict(SALES, id=SALES['id'].upper()),
                    'state': 'Deleted', 'entry': PLAN_WORKSPACES[0], 'matches': 1, 'deleted_after': iso(T0),
                    'deleted_before': iso(T0 + 120), 'retention_days': 14, 'restore_before': iso(T0 + 14 * 86400),
                    'retention_left_seconds': 14 * 86400 - 120, 'time': iso(T0 + 120)}
    assert detector.observe([DATA, SALES], T0 + 240) == []  # still deleted: said once
    assert detector.observe([DATA], T0 + 360) == []  # restored
    assert types(detector.observe([DATA, SALES], T0 + 480)) == ['workspace_deleted']  # deleted again


def test_a_personal_workspace_keeps_30_days_and_one_already_deleted_is_reported_only_when_asked():
    quiet = WorkspaceDetector('contoso', PLAN_WORKSPACES, snapshot=False)
    assert quiet.observe([PERSONAL, DATA], T0) == []
    loud = WorkspaceDetector('contoso', PLAN_WORKSPACES, report_already_deleted=True, snapshot=False)
    events = loud.observe([PERSONAL, DATA], T0)
    assert [(item['azure_dr']['workspace']['name'], item['azure_dr']['retention_days'], item['azure_dr']['restore_before'])
            for item in events] == [('Data Engineering', 7, None), ('My workspace', 30, None)]
    assert loud.observe([PERSONAL, DATA], T0 + 120) == []
    later = WorkspaceDetector('contoso', PLAN_WORKSPACES, snapshot=False)
    later.observe([], T0)
    assert later.observe([PERSONAL], T0 + 120)[0]['azure_dr']['restore_before'] == iso(T0 + 30 * 86400)


def test_a_failed_listing_is_one_watch_error_per_streak():
    detector = WorkspaceDetector('contoso', PLAN_WORKSPACES)
    events = detector.observe(None, T0, error='HTTP 401 TokenExpired')
    assert types(events) == ['watch_error'] and events[0]['azure_dr']['message'] == 'HTTP 401 TokenExpired'
    assert detector.observe(None, T0 + 120, error='HTTP 401 TokenExpired') == []
    assert types(detector.observe([], T0 + 240)) == ['snapshot']  # the first listing that works is the baseline
    assert types(detector.observe([SALES], T0 + 360)) == ['workspace_deleted']
    assert types(detector.observe(None, T0 + 480, error='HTTP 429 RequestBlocked')) == ['watch_error']
