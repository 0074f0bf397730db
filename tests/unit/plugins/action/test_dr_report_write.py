# -*- coding: utf-8 -*-
# Copyright: contributors to the azure_dr.recovery collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""dr_report_write: the report's three files and the folder's run history, written in the controller's process."""

from __future__ import annotations

import json
import os
from unittest import mock

import pytest

from ansible.errors import AnsibleActionFail

from ansible_collections.azure_dr.recovery.plugins.action.dr_report_write import ActionModule

REPORT = {'schema_version': 1, 'plan': 'p', 'playbook': 'dr_drill', 'mode': 'check', 'result': 'no-go', 'items': [],
          'readiness': {'go': False, 'problems': ['workspace W: not found'], 'notes': [], 'groups': [], 'workspaces': []}}


def run(args):
    task = mock.MagicMock()
    task.args = args
    task.async_val = 0
    action = ActionModule(task, mock.MagicMock(), mock.MagicMock(), loader=None, templar=None, shared_loader_obj=None)
    return action.run(task_vars={})


def test_every_file_is_written_and_shared_options_ignored(tmp_path):
    base = str(tmp_path / 'new-dir' / 'p-dr_drill-20261202T000000Z')
    history = str(tmp_path / 'new-dir' / 'index.html')
    result = run({'report': REPORT, 'path': base, 'tenant': 'ignored', 'secret': 'ignored'})
    assert result['changed'] is True and result['files'] == [base + '.json', base + '.md', base + '.html', history]
    assert result['html'] == base + '.html' and result['history'] == history
    assert 'data-result="no-go"' in open(base + '.html').read()
    assert json.load(open(base + '.json')) == REPORT and '"result": "no-go"' in open(base + '.json').read()
    assert '## Readiness: NO GO' in open(base + '.md').read()
    assert oct(os.stat(base + '.md').st_mode & 0o777) == '0o644'
    assert not [name for name in os.listdir(tmp_path / 'new-dir') if name.startswith('.dr-report-')]


@pytest.mark.parametrize('args,expected', [
    ({'report': REPORT}, 'path'),
    ({'report': REPORT, 'path': '/tmp/x', 'mode': 'rw'}, 'mode must be an octal file mode'),
    ({'report': 'text', 'path': '/tmp/x'}, 'report'),
])
def test_bad_input_is_refused(args, expected):
    with pytest.raises(AnsibleActionFail, match=expected):
        run(args)


def test_a_directory_that_cannot_be_made_is_a_clear_error(tmp_path):
    blocker = tmp_path / 'a-file'
    blocker.write_text('')
    with pytest.raises(AnsibleActionFail, match='Could not write the DR report'):
        run({'report': REPORT, 'path': str(blocker / 'report')})


def test_the_history_lists_every_report_of_the_folder_and_names_what_it_could_not_read(tmp_path):
    older = dict(REPORT, started='2026-11-01T00:00:00Z', result='rehearsed', duration=12.5, items=[])
    (tmp_path / 'p-dr_drill-20261101T000000Z.json').write_text(json.dumps(older))  # written before HTML pages
    (tmp_path / 'broken.json').write_text('{"half":')
    (tmp_path / 'other.json').write_text('[1, 2]')
    run({'report': dict(REPORT, started='2026-12-02T00:00:00Z', duration=3.0),
         'path': str(tmp_path / 'p-dr_drill-20261202T000000Z')})
    page = (tmp_path / 'index.html').read_text()
    newer, old = page.index('href="./p-dr_drill-20261202T000000Z.html"'), page.index('href="./p-dr_drill-20261101T000000Z.json"')
    assert newer < old  # newest first; a report without its page links to its JSON
    assert page.count('<tr class="run"') == 2
    assert 'broken.json: not readable as JSON' in page and 'other.json: not a DR report' in page


def test_a_history_that_cannot_be_rebuilt_is_a_warning_the_report_is_written(tmp_path, monkeypatch):
    def broken(*_args):
        raise ValueError('a report the history cannot read')
    monkeypatch.setattr('ansible_collections.azure_dr.recovery.plugins.action.dr_report_write.history_html', broken)
    base = str(tmp_path / 'p-dr_drill-20261202T000000Z')
    result = run({'report': REPORT, 'path': base})
    assert result['files'] == [base + '.json', base + '.md', base + '.html']
    assert result['warnings'] == ['The run history %s was not rebuilt: a report the history cannot read' % (tmp_path / 'index.html')]


def test_odd_values_in_old_reports_do_not_stop_the_history(tmp_path):
    odd = dict(REPORT, started='2026-11-01T00:00:00Z', rto=5, duration='n/a', plan='prod:east#1')
    (tmp_path / 'prod:east#1-dr_drill-20261101T000000Z.json').write_text(json.dumps(odd))
    result = run({'report': dict(REPORT, started='2026-12-02T00:00:00Z'), 'path': str(tmp_path / 'p-dr_drill-20261202T000000Z')})
    assert 'warnings' not in result
    assert 'href="./prod%3Aeast%231-dr_drill-20261101T000000Z.json"' in (tmp_path / 'index.html').read_text()
