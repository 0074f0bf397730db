# -*- coding: utf-8 -*-
# Copyright: contributors to the azure_dr.recovery collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Action of ``azure_dr.recovery.dr_run_report`` (documented in plugins/modules/dr_run_report.py)."""

from __future__ import annotations

import os

from ansible.errors import AnsibleActionFail
from ansible.utils.display import Display

from ansible_collections.azure_dr.recovery.plugins.plugin_utils._dr_run.action import DrRunAction
from ansible_collections.azure_dr.recovery.plugins.plugin_utils._dr_run.files import write_report
from ansible_collections.azure_dr.recovery.plugins.plugin_utils._dr_run.record import read_journal
from ansible_collections.azure_dr.recovery.plugins.plugin_utils._dr_run.report import failures_text, report_of
from ansible_collections.azure_dr.recovery.plugins.plugin_utils._dr_run.scope import scope_lines

display = Display()


class ActionModule(DrRunAction):
    ARGUMENT_SPEC = dict(
        journal=dict(type='path'),
        mode=dict(type='str', default='0644'),
    )

    @property
    def NEEDS_RECORD(self):  # pylint: disable=invalid-name  # a journal given names the run itself
        return not self._task.args.get('journal')

    def phase(self, record, result):
        try:
            mode = int(str(self.params['mode']), 8)
        except ValueError:
            raise AnsibleActionFail('Invalid input: mode must be an octal file mode such as 0644, got %r'
                                    % self.params['mode']) from None
        if self.params['journal']:
            try:
                record = read_journal(self.params['journal'])
            except (OSError, ValueError) as error:
                raise AnsibleActionFail('journal: %s' % error) from None
        report = report_of(record)
        path = record['report_path']
        try:
            files, html, history, warnings = write_report(report, path, mode)
        except OSError as error:
            raise AnsibleActionFail('Could not write the DR report %s.*: %s' % (path, error)) from None
        if os.path.exists(record['journal']):  # the report says all the journal did
            os.unlink(record['journal'])
        if warnings:
            result['warnings'] = warnings
        display.display('DR report (%s, %s s): %s.md, %s; run history: %s'
                        % (report['result'], report['duration'], path, html, history))
        for line in scope_lines(report.get('scope')):
            display.display(line)
        left = report.get('left_in_dr_region') or []
        if left:
            display.display('LEFT IN THE DR REGION: %s. Run dr_drill_live again (it converges) or dr_failback.'
                            % failures_text([{'name': row['name'], 'action': 'error', 'error': row['why']} for row in left]))
        result.update(changed=True, report=report, path=path, files=files, html=html, history=history,
                      ansible_stats={'data': {'dr_report': report, 'dr_report_html': html, 'dr_report_history': history},
                                     'per_host': False, 'aggregate': True})
        # Failing here would lose the stats (ansible-core keeps them only from a task that succeeds): the playbook's
        # next task fails with ``failure``.
        record.update(result=report['result'], failure=_failure(record['playbook'], report, path)
                      if report['result'] == 'failed' else None)
        result.update(failure=record['failure'], msg='DR report (%s): %s' % (report['result'], path),
                      ansible_facts={'dr_run': record})
        return result


def _failure(playbook, report, path):
    """Each cause once (the report has every row, check and step)."""
    if report.get('legs') is not None:
        text = '%s failed.' % playbook
        if report.get('error'):
            text += ' %s.' % report['error']
        groups = failures_text(report['items'])
        if groups:
            text += ' Groups: %s.' % groups
        text += ''.join(" The check after the %s failed at '%s': %s." % (check['leg'], check['task'], check['message'])
                        for check in report.get('checks') or [] if not check['ok'])
        return '%s Report: %s' % (text, path)
    causes = [failures_text(report['items'])] + ['%s: %s' % (step['name'], step.get('message') or 'failed')
                                                 for step in report.get('steps') or [] if step['outcome'] == 'failed']
    return '%s failed for: %s. Report: %s' % (playbook, '; '.join(cause for cause in causes if cause), path)
