# -*- coding: utf-8 -*-
# Copyright: contributors to the azure_dr.recovery collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""What the two event sources share: their arguments checked and their plan loaded before any request, the watch
built on one connection, and the polls run onto ansible-rulebook's queue.  The sources in
``extensions/eda/plugins/event_source/`` are only their documentation and a ``main`` that calls ``run``."""

from __future__ import annotations

import asyncio
import logging
import time

from ansible_collections.azure_dr.recovery.plugins.module_utils import _watch_client as client
from ansible_collections.azure_dr.recovery.plugins.plugin_utils._dr_run import plan as plan_rules


def _groups_watch(params, plan, connection, clock, log):
    if not plan.get('failover_groups'):
        raise ValueError('the plan %s has no failover_groups to watch' % plan.get('name'))
    groups = [(group['name'], plan_rules.group_sides(group)) for group in plan['failover_groups']]
    return client.FailoverGroupWatch(params, plan, groups, connection, clock=clock, log=log)


def _groups_line(watch):
    figures = watch.figures()
    return ('%d group(s), %d listing(s) per poll every %d s (%d reads an hour; %d with one GET per side)'
            % (len(watch.groups), figures['reads_per_interval'], watch.params['interval'], figures['reads_per_hour'],
               figures['gets_instead']))


def _workspaces_line(watch):
    return '%d workspace(s), one listing of the deleted workspaces every %d s' % (len(watch.entries), watch.params['interval'])


# name: (API of its token, its own arguments, the plan's list and the argument that replaces it, the watch, its log line)
SOURCES = {
    'failover_group_watch': ('arm', client.GROUP_WATCH_ARGS, 'failover_groups', 'groups', _groups_watch, _groups_line),
    'fabric_workspace_watch': ('fabric', client.WORKSPACE_WATCH_ARGS, 'fabric_workspaces', 'workspaces',
                               lambda params, plan, connection, clock, log:
                               client.WorkspaceWatch(params, plan, connection, clock=clock, log=log),
                               _workspaces_line),
}


def build(name, args, clock=time.time, sleep=None, monotonic=None, log=None):
    """The watch of source ``name`` for ``args``: every problem found before any request raises ValueError naming
    the arguments.  Retries (each Retry-After of an outage) go to the debug log; what the watch decides, to info."""
    api, own_args, list_key, list_arg, make_watch, line = SOURCES[name]
    logger = logging.getLogger('azure_dr.recovery.' + name)
    retries, log = log or logger.debug, log or logger.info
    params, problems = client.source_params(args, api, own_args)
    if problems:
        raise ValueError('%s: %s' % (name, '; '.join(problems)))
    try:
        plan = client.load_plan(params, list_key, list_arg)
    except ValueError as error:
        raise ValueError('%s: %s' % (name, error)) from None
    problems = plan_rules.plan_problems(plan)
    if problems:
        raise ValueError('%s: the plan has %d problem(s): %s' % (name, len(problems), '; '.join(problems)))
    pool = {'pool_size': max(params['max_concurrency'], 1)} if 'max_concurrency' in params else {}
    connection = client.Connection(params, clock=clock, sleep=sleep, monotonic=monotonic, log=retries, **pool)
    try:
        watch = make_watch(params, plan, connection, clock, log)
        problems = watch.problems()
    except ValueError as error:
        problems = [str(error)]
    if problems:
        connection.close()
        raise ValueError('%s: %s' % (name, '; '.join(problems)))
    log('%s: plan %s, %s' % (name, plan['name'], line(watch)))
    return watch


async def run(name, queue, args, clock=time.time, sleep=None, retry_sleep=None, monotonic=time.monotonic):
    """Put the events of source ``name`` on ``queue`` until cancelled (or ``max_polls``).  ansible-rulebook gives
    only ``queue`` and ``args``; tests give ``clock`` (wall clock: events, tokens), ``sleep`` (async, between polls),
    ``retry_sleep`` and ``monotonic`` (the retry engine's)."""
    watch = build(name, args, clock=clock, sleep=retry_sleep, monotonic=None if retry_sleep is None else monotonic)
    return await client.run_polls(queue, watch.poll, watch.params['interval'], watch.params['max_polls'], sleep=sleep,
                                  monotonic=monotonic, close=watch.connection.close)


def print_events(name, argv, args):
    """A source run from a shell (``python <source>.py [plan file]``): its events printed, as ansible.eda's sources do."""

    class PrintingQueue(asyncio.Queue):
        async def put(self, item):
            print(item)  # noqa: T201

    logging.basicConfig(level=logging.INFO)
    asyncio.run(run(name, PrintingQueue(), dict(args, plan_file=argv[0] if argv else 'plans/demo.yml')))
