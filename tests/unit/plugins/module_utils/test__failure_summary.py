# -*- coding: utf-8 -*-
# Copyright: contributors to the azure_dr.recovery collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

from ansible_collections.azure_dr.recovery.plugins.module_utils._failure_summary import failures_by_cause


def test_each_cause_is_said_once_after_the_names_it_affects_in_the_order_first_seen():
    failures = [('ws-a', 'HTTP 401 invalid_client'), ('fg-c', 'HTTP 400 FailoverAborted'), ('ws-b', 'HTTP 401 invalid_client')]
    assert failures_by_cause(failures) == 'ws-a, ws-b: HTTP 401 invalid_client; fg-c: HTTP 400 FailoverAborted'


def test_names_that_are_not_text_and_no_failures():
    assert failures_by_cause([(3, 'down'), (None, 'down')]) == '3, None: down'
    assert failures_by_cause([]) == ''
