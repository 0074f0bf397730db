# -*- coding: utf-8 -*-
# Copyright: contributors to the azure_dr.recovery collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Failures said for people: the one line a batch module (``_module.AzureDRModule.exit_batch``) and the
DR playbooks (filter ``dr_failures_by_cause``) show when several items failed.  The error types and
their translation into module results stay in ``_errors``."""

from __future__ import annotations


def failures_by_cause(failures):
    """``(name, message)`` pairs as one line that says each distinct message once, after the names it
    affects: ``"ws-a, ws-b: <message>; fg-c: <other message>"``.  Items failing for one cause (a
    credential problem, a region down) would otherwise repeat a long message once per item."""
    causes = {}
    for name, message in failures:
        causes.setdefault(message, []).append(str(name))
    return '; '.join('%s: %s' % (', '.join(names), message) for message, names in causes.items())
