# -*- coding: utf-8 -*-
# Copyright: contributors to the azure_dr.recovery collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The record of a DR run: run ids, steps, the journal, and the report built from a record (steps in every format)."""

from __future__ import annotations

import json
import os
import re

import pytest

from ansible_collections.azure_dr.recovery.plugins.plugin_utils._dr_run import record as records
from ansible_collections.azure_dr.recovery.plugins.plugin_utils._dr_run.files import write_report
from ansible_collections.azure_dr.recovery.plugins.plugin_utils._dr_run.report import report_of

PLAN = {'name': 'contoso', 'failover_groups': [
    {'name': 'fg-a', 'resource_group': 'rg', 'primary_location': 'Japan West', 'dr_location': 'Japan East'}]}
ROW = {'kind': 'failover_group', 'name': 'fg-a', 'location': 'Japan East', 'action': 'failed over', 'changed': True,
       'final_state': 'Primary in Japan East', 'start_offset': 1.0, 'end_offset': 5.0, 'duration': 4.0, 'error': None}


def opened(tmp_path, started=1000.0):
    record = records.new_record(PLAN, 'contoso_runbook', 'dr', False, False, [], {}, str(tmp_path), started)
    record['updated'] = started + 6.0  # where the last phase ended
    return record


def test_two_runs_in_the_same_second_have_different_ids_and_files(tmp_path):
    first, second = opened(tmp_path), opened(tmp_path)
    assert re.match(r'^19700101T001640Z-[0-9a-f]{6}$', first['run_id'])
    assert first['run_id'] != second['run_id'] and first['report_path'] != second['report_path']
    assert first['journal'] == first['report_path'] + '.journal'
    assert os.path.basename(first['report_path']) == 'contoso-contoso_runbook-' + first['run_id']


def test_a_step_without_a_start_began_when_the_run_was_last_extended(tmp_path, monkeypatch):
    record = opened(tmp_path)
    monkeypatch.setattr(records.time, 'time', lambda: 1010.0)
    step = records.add_step(record, 'DNS switch', 'succeeded')
    assert (step['started'], step['ended'], step['kind']) == (1006.0, 1010.0, 'step')


def test_a_started_step_is_closed_by_the_next_call_with_its_name(tmp_path, monkeypatch):
    record = opened(tmp_path)
    monkeypatch.setattr(records.time, 'time', lambda: 1007.0)
    records.add_step(record, 'smoke test', 'started', started=1006.5)
    monkeypatch.setattr(records.time, 'time', lambda: 1009.0)
    records.add_step(record, 'smoke test', 'failed', 'HTTP 503')
    assert record['steps'] == [{'name': 'smoke test', 'kind': 'step', 'outcome': 'failed', 'message': 'HTTP 503',
                                'started': 1006.5, 'ended': 1009.0}]


def test_the_journal_is_the_record_replaced_whole(tmp_path):
    record = opened(tmp_path)
    records.write_journal(record)
    records.add_step(record, 'DNS switch', 'succeeded')
    records.write_journal(record)
    assert records.read_journal(record['journal']) == json.loads(json.dumps(record))
    assert [name for name in os.listdir(tmp_path) if name.startswith('.dr-run-')] == []


@pytest.mark.parametrize('content', ['[]', '{"schema_version": 1}', 'not json'])
def test_a_file_that_is_not_a_journal_is_refused(tmp_path, content):
    (tmp_path / 'x.journal').write_text(content)
    with pytest.raises(ValueError):
        records.read_journal(str(tmp_path / 'x.journal'))


def test_steps_are_in_the_json_the_markdown_and_the_timeline_and_a_failed_one_fails_the_run(tmp_path):
    record = opened(tmp_path)
    record['rows'] = [ROW]
    records.add_step(record, 'DNS switch', 'succeeded', started=1006.0, ended=1007.5)
    report = report_of(record, now=1012.0)
    assert report['result'] == 'succeeded'
    assert report['steps'] == [{'kind': 'step', 'name': 'DNS switch', 'outcome': 'succeeded', 'message': None,
                                'start_offset': 6.0, 'end_offset': 7.5, 'duration': 1.5}]
    records.add_step(record, 'smoke test', 'failed', 'the listener did not answer', started=1008.0, ended=1009.0)
    report = report_of(record, now=1012.0)
    assert report['result'] == 'failed' and report.get('error') is None  # not a live drill: the step says it
    files, html, _history, warnings = write_report(report, record['report_path'])
    assert warnings == [] and len(files) == 4
    markdown = open(record['report_path'] + '.md').read()
    assert '| smoke test | failed | 8.0 | 9.0 | 1.0 | the listener did not answer |' in markdown
    page = open(html).read()
    assert page.count('<g class="item"') == 3  # the group and both steps on the timeline
    assert 'data-kind="step" data-name="smoke test" data-outcome="error" data-start="8.0"' in page
    assert json.load(open(record['report_path'] + '.json'))['steps'][1]['outcome'] == 'failed'


def test_a_live_drill_says_which_of_its_steps_stopped_it_and_its_checks_are_steps_of_kind_check(tmp_path):
    record = opened(tmp_path)
    record.update(playbook='dr_drill_live', legs=[], options={'live': {}})
    records.add_step(record, 'checks after the failover', 'failed', 'no answer', 1001.0, 1002.0, kind='check',
                     leg='failover', task='The listener answers')
    records.add_step(record, 'Soak', 'failed', 'interrupted', 1002.0, 1003.0)
    report = report_of(record, now=1004.0)
    assert report['checks'] == [{'leg': 'failover', 'ok': False, 'task': 'The listener answers', 'message': 'no answer'}]
    assert report['error'] == 'Soak: interrupted' and report['result'] == 'failed'
    assert [step['name'] for step in report['steps']] == ['Soak']
