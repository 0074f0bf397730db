# -*- coding: utf-8 -*-
# Copyright: contributors to the azure_dr.recovery collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Action of ``azure_dr.recovery.dr_report_write`` (documented in plugins/modules/dr_report_write.py).

Writes a DR report as JSON, Markdown and HTML on the controller, where the DR playbooks run, and
rebuilds the folder's run history (index.html) from its JSON reports, in this process: module runs of
files, stats and copies would cost the end of every DR run more than a second."""

from __future__ import annotations

import glob
import json
import os
import tempfile

from ansible.errors import AnsibleActionFail
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.plugins.action import ActionBase

from ansible_collections.azure_dr.recovery.plugins.filter.dr_plan import dr_report_markdown
from ansible_collections.azure_dr.recovery.plugins.module_utils._auth import shared_option_names
from ansible_collections.azure_dr.recovery.plugins.plugin_utils._dr_report_html import history_html, report_html

HISTORY = 'index.html'

ARGUMENT_SPEC = dict(
    report=dict(type='dict', required=True),
    path=dict(type='path', required=True),
    mode=dict(type='str', default='0644'),
)


class ActionModule(ActionBase):
    TRANSFERS_FILES = False

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        args = {name: value for name, value in self._task.args.items() if name not in shared_option_names()}
        validation = ArgumentSpecValidator(ARGUMENT_SPEC).validate(args)
        if validation.error_messages:
            raise AnsibleActionFail('Invalid input: ' + '; '.join(validation.error_messages))
        params = validation.validated_parameters
        try:
            mode = int(str(params['mode']), 8)
        except ValueError:
            raise AnsibleActionFail('Invalid input: mode must be an octal file mode such as 0644, got %r'
                                    % params['mode']) from None
        report, path = params['report'], params['path']
        contents = {'json': json.dumps(report, indent=4, sort_keys=True) + '\n', 'md': dr_report_markdown(report),
                    'html': report_html(report, os.path.basename(path) + '.json')}
        files = []
        try:
            os.makedirs(os.path.dirname(path) or '.', mode=0o755, exist_ok=True)
            for extension, content in contents.items():
                files.append(_write(path + '.' + extension, content, mode))
        except OSError as error:
            raise AnsibleActionFail('Could not write the DR report %s.*: %s' % (path, error)) from None
        history = os.path.join(os.path.dirname(path) or '.', HISTORY)
        try:
            files.append(_write(history, history_html(*_reports_in(os.path.dirname(path) or '.')), mode))
        except Exception as error:  # pylint: disable=broad-exception-caught  # the report itself is written
            result.setdefault('warnings', []).append('The run history %s was not rebuilt: %s' % (history, error))
        result.update(changed=True, files=files, html=path + '.html', history=history)
        return result


def _reports_in(directory):
    """[(page to link, report)] of the folder's JSON reports, and [(file, why)] of the JSON files that are not."""
    reports, unreadable = [], []
    for path in sorted(glob.glob(os.path.join(glob.escape(directory), '*.json'))):
        name = os.path.basename(path)
        try:
            with open(path, encoding='utf-8') as stream:
                report = json.load(stream)
        except (OSError, ValueError) as error:
            unreadable.append((name, 'not readable as JSON: %s' % error))
            continue
        if not isinstance(report, dict) or 'schema_version' not in report or 'playbook' not in report:
            unreadable.append((name, 'not a DR report'))
            continue
        page = name[:-len('.json')] + '.html'
        reports.append((page if os.path.exists(os.path.join(directory, page)) else name, report))
    return reports, unreadable


def _write(path, content, mode):
    """Replace ``path`` at once, so that a reader never sees half a report."""
    handle, temporary = tempfile.mkstemp(dir=os.path.dirname(path) or '.', prefix='.dr-report-')
    with os.fdopen(handle, 'w', encoding='utf-8') as stream:
        stream.write(content)
    os.chmod(temporary, mode)
    os.replace(temporary, path)
    return path
