# -*- coding: utf-8 -*-
# Copyright: contributors to the azure_dr.recovery collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Test-only callback: every task result, by task name, written as JSON to $SUITE_RESULTS at the end
of the run (the reliability suite reads each scenario's outcome from it)."""

from __future__ import annotations

DOCUMENTATION = '''
name: record_results
type: aggregate
short_description: Write every task result to a JSON file
description: Test-only. Writes every task result, by task name, to the file named by SUITE_RESULTS.
'''

import json
import os
import time

from ansible.plugins.callback import CallbackBase


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = 'aggregate'
    CALLBACK_NAME = 'record_results'
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self):
        super().__init__()
        self.results = {}
        self.started = {}

    def v2_runner_on_start(self, host, task):
        self.started[task.get_name()] = time.monotonic()

    def _record(self, result, status):
        seconds = time.monotonic() - self.started.get(result.task_name, time.monotonic())
        self.results[result.task_name] = dict(result._result, status=status,  # pylint: disable=protected-access
                                              seconds=round(seconds, 2))

    def v2_runner_on_ok(self, result):
        self._record(result, 'ok')

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._record(result, 'failed')

    def v2_runner_on_skipped(self, result):
        self._record(result, 'skipped')

    def v2_playbook_on_stats(self, stats):
        with open(os.environ['SUITE_RESULTS'], 'w') as handle:
            json.dump(self.results, handle, default=str)
