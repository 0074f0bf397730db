# -*- coding: utf-8 -*-
# Copyright: contributors to the azure_dr.recovery collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The HTML report and run history, read back as a parser sees them (the browser test renders them too:
tests/integration/targets/dr_report_html)."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from ansible_collections.azure_dr.recovery.plugins.plugin_utils._dr_run.report import build_report as dr_report
from ansible_collections.azure_dr.recovery.plugins.plugin_utils._dr_run.html import history_html, outcome, report_html

HOSTILE = '<img src=x onerror=alert(1)>'
QUOTED = 'fg" onmouseover="alert(2)'
PLAN = {'name': 'contoso', 'rto_target_seconds': 60, 'failover_groups': [
    {'name': 'fg-a', 'resource_group': 'rg', 'primary_location': 'Japan West', 'dr_location': 'Japan East'},
    {'name': QUOTED, 'resource_group': 'rg', 'primary_location': 'East US', 'dr_location': 'West US'}],
    'fabric_workspaces': [{'name': HOSTILE}, {'name': 'never reached'}]}
ROWS = [
    {'kind': 'failover_group', 'name': 'fg-a', 'location': 'Japan East', 'action': 'failed over', 'changed': True,
     'start_offset': 3.0, 'end_offset': 13.0, 'duration': 10.0, 'final_state': 'Primary in Japan East', 'failover_kind': 'planned',
     'before': {'replication_role': 'Secondary', 'replication_state': 'CATCH_UP'}, 'request_id': 'req-1'},
    {'kind': 'failover_group', 'name': QUOTED, 'location': 'West US', 'changed': True,
     'action': 'forced failover (data not yet replicated may be lost)', 'failover_kind': 'forced',
     'start_offset': 3.0, 'end_offset': 23.0, 'duration': 20.0, 'final_state': 'Primary in West US'},
    {'kind': 'workspace', 'name': HOSTILE, 'id': 'id-1', 'action': 'restored', 'changed': True,
     'start_offset': 4.0, 'end_offset': 9.0, 'duration': 5.0, 'final_state': 'Active'},
]


class Page(HTMLParser):
    """Every element as (tag, attributes), and the text, as a browser's parser would build them."""

    def __init__(self, text):
        super().__init__()
        self.elements, self.text = [], []
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)

    def handle_data(self, data):
        self.text.append(data)

    def find(self, tag, css_class=None):
        return [attrs for name, attrs in self.elements
                if name == tag and (css_class is None or css_class in (attrs.get('class') or '').split())]


def report(**changes):
    built = dr_report(ROWS, PLAN, 'dr_failover', 1000.0, now=1040.0, run_by='ops@host', phases={
        'validation': 1000.0, 'pre-flight': 1001.0, 'failovers': 1003.0, 'restores': 1003.5, 'confirmation': 1009.0})
    built.update(changes)
    return built


def test_names_are_text_never_markup_and_nothing_can_be_loaded():
    text = report_html(report(run_by=HOSTILE))
    page = Page(text)
    assert not page.find('img') and not page.find('script') and not page.find('link') and not page.find('iframe')
    assert HOSTILE in ''.join(page.text)  # shown as text
    assert not [attrs for _tag, attrs in page.elements if any(name.startswith('on') for name in attrs)]
    assert [attrs['data-name'] for attrs in page.find('g', 'item')][1] == QUOTED  # an attribute stays one attribute
    policy = [attrs['content'] for attrs in page.find('meta') if attrs.get('http-equiv') == 'Content-Security-Policy']
    assert policy == ["default-src 'none'; style-src 'unsafe-inline'; img-src data:"]
    assert not [attrs for _tag, attrs in page.elements if attrs.get('src') or str(attrs.get('href', '')).startswith('http')]
    assert 'url(' not in text and '@import' not in text


def test_every_item_has_a_bar_and_a_row_in_order_and_bars_follow_durations():
    built = report()
    page = Page(report_html(built))
    names = [item['name'] for item in built['items']]
    assert [attrs['data-name'] for attrs in page.find('g', 'item')] == names
    assert [attrs['data-name'] for attrs in page.find('tr', 'item-row')] == names
    scale = float(page.find('svg')[0]['data-scale'])
    bars = page.find('rect', 'bar')
    assert len(bars) == len(names)
    for item, rect in zip(built['items'][:3], bars):
        assert float(rect['width']) == pytest.approx(item['duration'] * scale, abs=0.01)
        assert float(rect['x']) - float(bars[0]['x']) == pytest.approx((item['start_offset'] - 3.0) * scale, abs=0.01)
    assert 'missing' in bars[3]['class'].split() and page.find('g', 'item')[3]['data-start'] == ''  # never reached
    assert [attrs['data-outcome'] for attrs in page.find('g', 'item')] == ['done', 'forced', 'done', 'error']
    assert [attrs['data-phase'] for attrs in page.find('rect', 'phase')] == [
        'validation', 'pre-flight', 'failovers', 'restores', 'confirmation']


def test_the_table_holds_every_field_of_the_rows():
    built = report()
    built['items'][0]['a_new_field'] = 'kept'
    text = report_html(built)
    for value in ('req-1', 'Secondary (CATCH_UP)', 'id-1', 'Primary in West US', 'a_new_field', 'kept', 'no outcome was recorded'):
        assert value in text


@pytest.mark.parametrize('target,achieved,unreached,met,expected', [
    (60, 40.0, False, True, 'met</span>, 20.0 s to spare'), (30, 40.0, False, False, 'missed</span> by 10.0 s'),
    (None, 40.0, False, None, 'no target'),
    (60, 40.0, True, None, 'not met</span> (the run did not succeed)')])  # a failed run achieved no RTO
def test_the_achieved_rto_beside_the_plan_target(target, achieved, unreached, met, expected):
    plan = dict(PLAN, rto_target_seconds=target, fabric_workspaces=PLAN['fabric_workspaces'][:2 if unreached else 1])
    built = dr_report(ROWS, plan, 'dr_failover', 1000.0, now=1000.0 + achieved)
    assert built['result'] == ('failed' if unreached else 'succeeded') and built['rto']['met'] is met
    assert expected in report_html(built)


@pytest.mark.parametrize('row,expected', [
    ({'action': 'error', 'failover_kind': 'forced'}, 'error'), ({'action': 'would fail over'}, 'would-change'),
    ({'action': 'none'}, 'nothing'), ({'action': 'restored'}, 'done'),
    ({'action': 'primary (failed over by another operation)'}, 'done'), ({'action': 'x', 'failover_kind': 'forced'}, 'forced')])
def test_outcome(row, expected):
    assert outcome(row) == expected


def test_a_no_go_report_says_nothing_was_touched():
    text = report_html(report(result='no-go', items=[], readiness={'go': False, 'problems': [HOSTILE], 'notes': []}))
    assert 'Readiness: NO GO' in text and 'no failover group or workspace was touched' in text
    assert '&lt;img src=x onerror=alert(1)&gt;' in text


def test_the_history_is_newest_first_drills_hollow_and_names_what_it_could_not_read():
    def run(started, seconds, **changes):
        return report(started=started, duration=seconds, rto={'target_seconds': 60, 'achieved_seconds': seconds}, **changes)

    runs = [('a.html', run('2026-11-01T00:00:00Z', 50.0)),
            ('b.json', run('2026-12-01T00:00:00Z', 20.0, mode='check', result='rehearsed')),
            ('c.html', run('2026-11-15T00:00:00Z', 30.0, plan=HOSTILE))]
    text = history_html(runs, unreadable=[('x.json', 'not a DR report')])
    page = Page(text)
    assert [attrs['data-report'] for attrs in page.find('tr', 'run')] == ['b.json', 'c.html', 'a.html']
    points = page.find('circle', 'point')
    assert sorted(float(attrs['data-rto']) for attrs in points) == [20.0, 30.0, 50.0]
    assert [('fill' in attrs) for attrs in points if attrs['data-mode'] == 'check'] == [False]
    assert all('fill' in attrs for attrs in points if attrs['data-mode'] == 'run')
    assert not page.find('img') and HOSTILE in ''.join(page.text)
    assert 'x.json: not a DR report' in text and '1 drill(s)' in text
    assert len(page.find('line', 'target')) == 1  # the plans' RTO target


def test_an_empty_folder_history_and_a_report_without_start():
    assert 'DR run history' in history_html([])
    assert 'r.json: no start time' in history_html([('r.json', {'playbook': 'dr_drill'})])


LIVE_PLAN = {'name': 'contoso', 'rto_target_seconds': 60, 'failover_groups': PLAN['failover_groups'][:1]}


def live_rows(leg, final=None, start=2.0):
    location = 'Japan East' if leg == 'failover' else 'Japan West'
    return [dict(ROWS[0], location=location, final_state=final or 'Primary in ' + location, start_offset=start,
                 end_offset=start + 10.0)]


def test_a_live_drill_has_both_legs_on_one_timeline_and_says_what_it_left_in_the_dr_region():
    legs = [{'name': 'failover', 'rows': live_rows('failover'), 'started': 1001.0, 'ended': 1013.0},
            {'name': 'failback', 'rows': live_rows('failback', final='Secondary in Japan West', start=40.0),
             'started': 1039.0, 'ended': 1052.0}]
    checks = [{'leg': 'failover', 'ok': False, 'task': 'ping the listener', 'message': HOSTILE}]
    built = dr_report([], LIVE_PLAN, 'dr_drill_live', 1000.0, now=1060.0, legs=legs, checks=checks)
    assert [(item['leg'], item['action']) for item in built['items']] == [('failover', 'failed over'), ('failback', 'error')]
    assert built['result'] == 'failed' and built['rto']['achieved_seconds'] == 12.0  # the failover leg's
    assert [(leg['name'], leg['duration'], leg['result']) for leg in built['legs']] == [
        ('failover', 12.0, 'succeeded'), ('failback', 13.0, 'failed')]
    assert built['left_in_dr_region'] == [{'name': 'fg-a', 'why': 'not confirmed primary at Japan West (final state '
                                           'Secondary in Japan West)'}]
    text = report_html(built)
    page = Page(text)
    assert 'LEFT IN THE DR REGION: fg-a (not confirmed primary at Japan West' in text and 'live drill (failed over and back' in text
    assert [attrs['data-name'] for attrs in page.find('g', 'item')] == ['fg-a', 'fg-a']
    assert 'fg-a (failback)' in ''.join(page.text) and not page.find('img') and 'failed</span> at ping the listener' in text
    assert 'not part of a live drill' in text
    history = Page(history_html([('live.html', built)]))
    assert [attrs['data-mode'] for attrs in history.find('circle', 'point')] == ['drill-live']
    assert 'fill' not in history.find('circle', 'point')[0]  # a drill: hollow


def test_a_skipped_failback_is_an_error_row_for_every_group():
    legs = [{'name': 'failover', 'rows': live_rows('failover'), 'started': 1001.0, 'ended': 1013.0},
            {'name': 'failback', 'skipped': 'a check failed'}]
    built = dr_report([], LIVE_PLAN, 'dr_drill_live', 1000.0, now=1060.0, legs=legs, checks=[])
    assert built['items'][1]['error'] == 'not failed back: a check failed' and built['legs'][1]['result'] == 'not run'
    assert built['left_in_dr_region'] == [{'name': 'fg-a', 'why': 'not failed back: a check failed'}]


def test_a_live_drill_stopped_before_its_failover_leg_was_recorded_is_failed_and_says_why():
    legs = [{'name': 'failback', 'rows': live_rows('failback', start=40.0), 'started': 1039.0, 'ended': 1052.0}]
    built = dr_report([], LIVE_PLAN, 'dr_drill_live', 1000.0, now=1060.0, legs=legs, checks=[],
                      error='Wait for every failover: the job was lost')
    assert built['result'] == 'failed' and built['error'] == 'Wait for every failover: the job was lost'
    assert [(leg['name'], leg['result']) for leg in built['legs']] == [('failover', 'not run'), ('failback', 'succeeded')]
    assert built['rto']['met'] is None and built['left_in_dr_region'] == []


def test_a_skipped_failback_leaves_in_the_dr_region_only_the_groups_that_moved():
    plan = dict(LIVE_PLAN, failover_groups=PLAN['failover_groups'])
    rows = live_rows('failover') + [dict(ROWS[1], action='error', error='HTTP 400', final_state=None)]
    legs = [{'name': 'failover', 'rows': rows, 'started': 1001.0, 'ended': 1013.0},
            {'name': 'failback', 'skipped': 'a check failed'}]
    built = dr_report([], plan, 'dr_drill_live', 1000.0, now=1060.0, legs=legs, checks=[])
    assert [row['name'] for row in built['left_in_dr_region']] == ['fg-a']
    assert [(row['name'], row['action']) for row in built['items'] if row['leg'] == 'failback'] == [
        ('fg-a', 'error'), (QUOTED, 'none')]


PARITY = [{'group': 'fg-finance', 'verdict': 'problem', 'smaller': ['vCores 4 < 8'], 'differences': ['vCores'],
           'primary': {'name': 'mi-finance-east', 'tier': 'GeneralPurpose', 'v_cores': 8, 'storage_size_in_gb': 256},
           'dr': {'name': HOSTILE, 'tier': 'GeneralPurpose', 'v_cores': 4, 'storage_size_in_gb': 256}}]
DRIFT = [{'group': 'fg-orders', 'kind': 'unprotected', 'message': 'failover group fg-orders is not protected by this plan'}]


def test_readiness_shows_drift_and_both_instances_of_every_group_side_by_side():
    page = report_html(report(readiness={'go': False, 'problems': ['parity: x'], 'notes': [], 'drift': DRIFT, 'parity': PARITY}))
    assert '<table id="drift">' in page and 'not protected by this plan' in page and 'data-kind="unprotected"' in page
    assert '<table id="parity">' in page and page.count('class="parity-row"') == 2
    assert 'data-side="dr" data-verdict="problem"' in page and 'problem: vCores 4 &lt; 8' in page
    assert HOSTILE not in page  # an instance name is text, never markup
    clean = report_html(report(readiness={'go': True, 'problems': [], 'notes': [], 'drift': [], 'parity': []}))
    assert 'The plan matches the estate' in clean and '<table id="parity">' not in clean
    assert 'id="drift"' not in report_html(report(readiness={'go': True, 'problems': [], 'notes': []}))  # not read: nothing said
