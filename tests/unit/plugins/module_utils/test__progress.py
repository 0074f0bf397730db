# -*- coding: utf-8 -*-
# Copyright: contributors to the azure_dr.recovery collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import json

import pytest

from ansible_collections.azure_dr.recovery.plugins.module_utils import _progress
from ansible_collections.azure_dr.recovery.plugins.module_utils._errors import AzureDRError


class CountingProgress(_progress.Progress):
    """Counts the file's writes."""

    writes = 0

    def _write(self):
        self.writes += 1
        super()._write()


def read(path):
    return json.loads(path.read_text())


def items(count):
    return [{'name': 'fg-%03d' % number, 'where': 'Japan East'} for number in range(count)]


def test_the_file_is_written_at_start_and_holds_every_item_waiting(tmp_path):
    path = tmp_path / 'jobs' / 'run.progress'
    progress = CountingProgress(str(path), items(3)).start()
    try:
        content = read(path)
        assert content['version'] == 1 and content['finished'] is False and content['sequence'] == 1
        assert [item['name'] for item in content['items']] == ['fg-000', 'fg-001', 'fg-002']
        assert {item['stage'] for item in content['items']} == {'waiting'}
    finally:
        progress.finish()


def test_a_fact_the_wait_must_keep_is_on_disk_when_stage_returns(tmp_path, monkeypatch):
    # The writer thread would only write after an hour: only the stage call itself can have written the fact.
    monkeypatch.setattr(_progress, 'HEARTBEAT_SECONDS', 3600)
    monkeypatch.setattr(_progress, 'COALESCE_SECONDS', 3600)
    path = tmp_path / 'run.progress'
    progress = CountingProgress(str(path), items(2)).start()
    try:
        progress.stage(1, 'planned failover running', failover_kind='planned', request_ids={'x-ms-request-id': 'r-1'})
        item = read(path)['items'][1]
        assert item['stage'] == 'planned failover running'
        assert item['known'] == {'failover_kind': 'planned', 'request_ids': {'x-ms-request-id': 'r-1'}}
    finally:
        progress._stop.set()
        progress._changed.set()


def test_many_changes_are_written_together_and_finish_writes_every_outcome(tmp_path, monkeypatch):
    # A long coalescing pause: the writer writes once for the first change, then not again before finish.
    monkeypatch.setattr(_progress, 'COALESCE_SECONDS', 3600)
    path = tmp_path / 'run.progress'
    progress = CountingProgress(str(path), items(100)).start()
    for index in range(100):
        progress.stage(index, 'reading')
        progress.stage(index, 'deciding')
        progress.done(index, {'changed': False, 'failed': index == 7, 'item': {'name': 'fg-%03d' % index}})
    progress.finish()
    # 300 changes: the first write, at most one by the writer, and the last one.
    assert progress.writes <= 3
    content = read(path)
    assert content['finished'] is True
    assert [item['stage'] for item in content['items']].count('done') == 99
    assert content['items'][7]['stage'] == 'failed' and content['items'][7]['outcome']['failed'] is True
    assert content['items'][42]['outcome']['item'] == {'name': 'fg-042'}


def test_the_writer_writes_a_change_without_a_finish(tmp_path):
    path = tmp_path / 'run.progress'
    progress = _progress.Progress(str(path), items(1)).start()
    try:
        progress.stage(0, 'reading')
        for _attempt in range(200):  # the writer thread's write, awaited (at most 10 s)
            if read(path)['items'][0]['stage'] == 'reading':
                break
            progress._stop.wait(0.05)
        assert read(path)['items'][0]['stage'] == 'reading'
    finally:
        progress.finish()


def test_a_path_that_cannot_be_written_is_an_error_before_anything_starts(tmp_path):
    blocker = tmp_path / 'a-file'
    blocker.write_text('')
    with pytest.raises(AzureDRError, match='progress_file'):
        _progress.Progress(str(blocker / 'run.progress'), items(1)).start()
