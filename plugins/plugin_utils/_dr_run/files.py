# -*- coding: utf-8 -*-
# Copyright: contributors to the azure_dr.recovery collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""A DR report's files: JSON, Markdown and HTML side by side, and the folder's run history (index.html) rebuilt from
its JSON reports.  Written on the controller, in the phase's own process: module runs of files, stats and copies would
cost the end of every DR run more than a second."""

from __future__ import annotations

import glob
import json
import os

from ansible_collections.azure_dr.recovery.plugins.plugin_utils._dr_run.html import history_html, report_html
from ansible_collections.azure_dr.recovery.plugins.plugin_utils._dr_run.markdown import report_markdown
from ansible_collections.azure_dr.recovery.plugins.plugin_utils._dr_run.record import replace_file

HISTORY = 'index.html'


def write_report(report, path, mode=0o644):
    """Write ``report`` as ``path``.json, .md and .html, then the folder's history; returns (files, html page,
    history page, warnings).  A history that cannot be rebuilt is a warning: the report itself is written."""
    folder = os.path.dirname(path) or '.'
    contents = {'json': json.dumps(report, indent=4, sort_keys=True) + '\n', 'md': report_markdown(report),
                'html': report_html(report, os.path.basename(path) + '.json')}
    files = [replace_file(path + '.' + extension, content, mode) for extension, content in contents.items()]
    history, warnings = os.path.join(folder, HISTORY), []
    try:
        files.append(replace_file(history, history_html(*reports_in(folder)), mode))
    except Exception as error:  # pylint: disable=broad-exception-caught  # the report itself is written
        warnings.append('The run history %s was not rebuilt: %s' % (history, error))
    return files, path + '.html', history, warnings


def reports_in(directory):
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
