# -*- coding: utf-8 -*-
# Copyright: contributors to the azure_dr.recovery collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The record of one DR run: what the phases (``dr_run_open``, ``dr_run_readiness``, ``dr_run_execute``,
``dr_step``, ``dr_run_report``) each add to it, on one clock (the controller's epoch seconds), and its journal.

The record travels between tasks as the host fact ``dr_run`` and is written, whole, to its journal
(``<report path>.journal``) each time a phase extends it, so that a run killed at any point leaves on disk
what it had done and its report can still be rendered from it.  It holds no secret: credentials stay in the
run's variables and the environment."""

from __future__ import annotations

import datetime
import json
import os
import secrets
import tempfile
import time

SCHEMA_VERSION = 1
JOURNAL_SUFFIX = '.journal'
STEP_OUTCOMES = ('started', 'succeeded', 'failed', 'skipped')


def new_run_id(now):
    """Unique for two runs started in the same second: the time, then random hex."""
    stamp = datetime.datetime.fromtimestamp(now, datetime.timezone.utc).strftime('%Y%m%dT%H%M%SZ')
    return '%s-%s' % (stamp, secrets.token_hex(3))


def new_record(plan, playbook, target, restore, rehearsal, groups, options, report_dir, started, run_by=None,
               awx_job_id=None, awx_job_template_name=None):
    run_id = new_run_id(started)
    path = os.path.join(report_dir, '%s-%s-%s' % (plan['name'], playbook, run_id))
    return {
        'schema_version': SCHEMA_VERSION, 'run_id': run_id, 'playbook': playbook, 'target': target,
        'restore': bool(restore), 'rehearsal': bool(rehearsal), 'plan': plan, 'groups': groups, 'options': options,
        'started': started, 'updated': started, 'phases': {'validation': started}, 'readiness': None,
        'workspaces': None, 'rows': [], 'legs': None, 'steps': [], 'report_path': path,
        'journal': path + JOURNAL_SUFFIX, 'run_by': run_by, 'awx_job_id': awx_job_id,
        'awx_job_template_name': awx_job_template_name,
    }


def mark(record, phase, when=None):
    """When ``phase`` began (the report's ``phases``)."""
    record['phases'][phase] = time.time() if when is None else when


def add_step(record, name, outcome, message=None, started=None, ended=None, **extra):
    """Record a step of the run (a user's own task, a live drill's check).  ``outcome`` 'started' opens it; a
    later call with the same name closes it.  A step given no start began when the record was last extended,
    which is when the user's tasks before this call began."""
    now = time.time()
    opened = [step for step in record['steps'] if step['name'] == name and step['outcome'] == 'started']
    if opened and outcome != 'started':
        step = opened[-1]
        step.update(outcome=outcome, message=message, ended=now if ended is None else ended, **extra)
        return step
    step = dict({'name': name, 'kind': 'step', 'outcome': outcome, 'message': message,
                 'started': record['updated'] if started is None else started,
                 'ended': None if outcome == 'started' else (now if ended is None else ended)}, **extra)
    record['steps'].append(step)
    return step


def write_journal(record):
    """Write the record to its journal, whole, replacing the previous one at once."""
    record['updated'] = time.time()
    replace_file(record['journal'], json.dumps(record, indent=1, sort_keys=True) + '\n', 0o644)
    return record


def read_journal(path):
    with open(path, encoding='utf-8') as stream:
        record = json.load(stream)
    if not isinstance(record, dict) or record.get('schema_version') != SCHEMA_VERSION or 'run_id' not in record:
        raise ValueError('%s is not the journal of a DR run' % path)
    return record


def replace_file(path, content, mode):
    """Replace ``path`` at once, so that a reader never sees half a file."""
    directory = os.path.dirname(path) or '.'
    os.makedirs(directory, mode=0o755, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=directory, prefix='.dr-run-')
    try:
        with os.fdopen(handle, 'w', encoding='utf-8') as stream:
            stream.write(content)
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise
    return path
