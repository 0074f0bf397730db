# -*- coding: utf-8 -*-
# Copyright: contributors to the azure_dr.recovery collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""tests/compat/check_warnings.py: the compatibility runs fail on a deprecation and on a warning that
is not allowed, whatever its release prints them like."""

from __future__ import annotations

import importlib.util
import os

PATH = os.path.join(os.path.dirname(__file__), '..', 'compat', 'check_warnings.py')
SPEC = importlib.util.spec_from_file_location('check_warnings', PATH)
check_warnings = importlib.util.module_from_spec(SPEC)
SPEC.loader.exec_module(check_warnings)


def test_deprecations_and_unknown_warnings_are_found_and_allowed_ones_are_not():
    lines = [
        '[WARNING]: provided hosts list is empty, only localhost is available. Note that',
        "the implicit localhost does not match 'all'",
        '[WARNING]: fg-sales: Japan West: fg-sales is busy (InstanceFailoverGroupBusy); waiting for it to settle, then ',
        '[DEPRECATION WARNING]: Conditional result (True) was derived from value of type \'int\' at wait.yml.',
        '[WARNING]: TASK: Wait: The loop variable \'item\' is already in use.',
        'TASK [next] ****',
    ]
    found = check_warnings.offending(lines, check_warnings.allowed_patterns())
    assert [number for number, _text in found] == [4, 5]
    assert found[0][1].startswith('DEPRECATION WARNING: Conditional result') and 'already in use' in found[1][1]
