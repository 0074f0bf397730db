# -*- coding: utf-8 -*-
# Copyright: contributors to the azure_dr.recovery collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The reading half of the Event-Driven Ansible sources (``_watch`` decides): their arguments, checked before any
request, with the modules' option names and environment variables; one HTTP session, token provider and retry
engine per source (``_http``, ``_auth``), as a module run has; the polls (blocking, run in a thread by the async
shell) and the async loop that puts their events on ansible-rulebook's queue.

``FailoverGroupWatch.poll`` lists each (subscription, resource group, region) where a side of the plan's groups
lives, once, a few side by side; ``WorkspaceWatch.poll`` makes one listing of the deleted workspaces."""

from __future__ import annotations

import os
import time

from ansible_collections.azure_dr.recovery.plugins.module_utils import _connection, _http
from ansible_collections.azure_dr.recovery.plugins.module_utils._auth import auth_argument_spec, resolve_credential
from ansible_collections.azure_dr.recovery.plugins.module_utils._clouds import CLOUDS, normalize_base_url
from ansible_collections.azure_dr.recovery.plugins.module_utils._errors import (
    ApiError,
    AuthenticationError,
    AzureDRError,
    RetryBudgetExceeded,
    redact,
)
from ansible_collections.azure_dr.recovery.plugins.module_utils._validation import (
    cloud_environment_problem,
    endpoint_problem,
    tenant_problem,
    uuid_problem,
)
from ansible_collections.azure_dr.recovery.plugins.module_utils._watch import (
    GroupDetector,
    OwnRuns,
    WorkspaceDetector,
    reads_figures,
    reads_problems,
    region_key,
    scope_key,
    scopes_of,
    watched_groups,
)

NOT_FOUND_CODES = frozenset(('ResourceGroupNotFound', 'SubscriptionNotFound', 'ResourceNotFound', 'NotFound',
                             'ParentResourceNotFound'))

# The arguments of each source besides the shared authentication options: (type, default).  Types: int (a whole
# number, at least ``minimum``), bool, str, path, list.
GROUP_WATCH_ARGS = {
    'plan_file': ('path', None),
    'plan': ('str', None),
    'groups': ('list', None),
    'interval': ('int', 60),
    'unreachable_after': ('int', 3),
    'read_timeout': ('int', 20),
    'max_concurrency': ('int', 4),
    'max_reads_per_hour': ('int', 3000),
    'snapshot': ('bool', True),
    'report_dir': ('path', None),
    'own_run_window': ('int', 3600),
    'max_polls': ('int', 0),
}
WORKSPACE_WATCH_ARGS = {
    'plan_file': ('path', None),
    'plan': ('str', None),
    'workspaces': ('list', None),
    'interval': ('int', 120),
    'max_listings_per_hour': ('int', 100),
    'read_timeout': ('int', 60),
    'retention_days': ('int', 7),
    'report_already_deleted': ('bool', False),
    'snapshot': ('bool', True),
    'max_polls': ('int', 0),
}
# What ansible-rulebook itself puts in a source's arguments (a source with ``feedback: true`` gets a queue for the
# results of its rules' actions): taken, not used.
RULEBOOK_ARGS = ('feedback', 'eda_feedback_queue')
# The least value of each whole-number argument (max_polls 0: forever).
MINIMUM = {'max_polls': 0}
MAXIMUM = {'max_concurrency': 20, 'retention_days': 90}

_TRUE, _FALSE = ('true', 'yes', 'on', '1'), ('false', 'no', 'off', '0')


def _converted(name, kind, value, problems):
    if value is None:
        return None
    if kind == 'int':
        if isinstance(value, str) and value.strip().isdigit():
            value = int(value.strip())
        if isinstance(value, bool) or not isinstance(value, int):
            problems.append('%s must be a whole number, got %r' % (name, value))
            return None
        least, most = MINIMUM.get(name, 1), MAXIMUM.get(name)
        if value < least or (most is not None and value > most):
            problems.append('%s must be a whole number from %d%s, got %d'
                            % (name, least, ' to %d' % most if most is not None else ' up', value))
            return None
        return value
    if kind == 'bool':
        if isinstance(value, str) and value.strip().lower() in _TRUE + _FALSE:
            return value.strip().lower() in _TRUE
        if not isinstance(value, bool):
            problems.append('%s must be true or false, got %r' % (name, value))
            return None
        return value
    if kind == 'list':
        if not isinstance(value, list):
            problems.append('%s must be a list, got %s' % (name, type(value).__name__))
            return None
        return value
    if not isinstance(value, str) or not value.strip():
        problems.append('%s must be a non-empty string, got %r' % (name, value))
        return None
    return os.path.expanduser(value.strip()) if kind == 'path' else value.strip()


def source_params(args, api, own_args):
    """(params, problems): the source's ``args`` with every option the modules take for ``api`` (``arm``, ``fabric``)
    resolved as they resolve them - the argument, else its environment variables (``AZURE_TENANT``, ...), else the
    default - and the source's own arguments (``own_args``) converted; every problem at once, naming the argument."""
    args = {name: value for name, value in (args or {}).items() if name not in RULEBOOK_ARGS}
    problems = []
    spec = auth_argument_spec(api)
    unknown = sorted(set(args) - set(spec) - set(own_args))
    if unknown:
        problems.append('unknown argument(s) %s (allowed: %s)' % (', '.join(unknown), ', '.join(sorted(set(spec) | set(own_args)))))
    params = {}
    for name, option in spec.items():
        value = args.get(name)
        if value is None and option.get('fallback'):
            function, names = option['fallback']
            try:
                value = function(*names)
            except Exception:  # pylint: disable=broad-except  # AnsibleFallbackNotFound: not set
                value = None
        if value is None:
            value = option.get('default')
        if value is not None and option.get('type') in ('str', 'path') and not isinstance(value, str):
            problems.append('%s must be a string, got %s' % (name, type(value).__name__))
            value = None
        if value is not None and option.get('choices') and value not in option['choices']:
            problems.append('%s must be one of %s, got %r' % (name, ', '.join(option['choices']), value))
        if value is not None and option.get('type') == 'path':
            value = os.path.expanduser(value)
        params[name] = value
    for name, (kind, default) in own_args.items():
        value = _converted(name, kind, args.get(name), problems)
        params[name] = default if value is None else value
    problems += auth_problems(params, api)
    return params, problems


def auth_problems(params, api):
    """The checks of the modules' validator on the shared options (``_module.AzureDRModule.validator``), and the
    choice of the credential, before any request."""
    problems = [cloud_environment_problem(params.get('cloud_environment'), list(CLOUDS)),
                endpoint_problem(params.get('authority_host'), 'authority_host'),
                tenant_problem(params.get('tenant')), uuid_problem(params.get('client_id'), 'client_id')]
    if params.get('authority_host') and normalize_base_url(params['authority_host']).startswith('http://'):
        problems.append('authority_host must use https')
    if api == 'arm':
        problems += [endpoint_problem(params.get('arm_endpoint'), 'arm_endpoint'),
                     uuid_problem(params.get('subscription_id'), 'subscription_id')]
    else:
        problems.append(endpoint_problem(params.get('fabric_endpoint'), 'fabric_endpoint'))
    try:
        _http.timeout_from(os.environ)
    except ValueError:
        problems.append('the environment variable %s must be a number of seconds from 1 to 3600, got %r'
                        % (_http.TIMEOUT_VARIABLE, os.environ.get(_http.TIMEOUT_VARIABLE)))
    problems = [problem for problem in problems if problem]
    if not problems:
        try:
            resolve_credential(params)
        except AuthenticationError as error:
            problems.append(error.message)
    return problems


def load_plan(params, list_key, list_arg):
    """The DR plan (``dr_plan``) of ``plan_file``, or the one made of ``plan`` (its name) and the list argument
    ``list_arg`` (``groups`` for ``failover_groups``, ``workspaces`` for ``fabric_workspaces``).  Raises ValueError
    naming the argument when neither or both are given, or the file cannot be read."""
    given_file, given_list = params.get('plan_file'), params.get(list_arg)
    if bool(given_file) == bool(given_list is not None):
        raise ValueError('give plan_file (a DR plan file, docs/dr_plan.md) or %s and plan (a list in the plan\'s %s '
                         'shape and the plan\'s name), not %s' % (list_arg, list_key, 'both' if given_file else 'neither'))
    if given_list is not None:
        if not params.get('plan'):
            raise ValueError('%s needs plan: the name of the DR plan, in every event' % list_arg)
        return {'name': params['plan'], list_key: given_list}
    import yaml  # only a source given a plan file reads YAML; PyYAML comes with ansible-core

    try:
        with open(given_file, encoding='utf-8') as stream:
            document = yaml.safe_load(stream)
    except OSError as error:
        raise ValueError('plan_file %s could not be read: %s' % (given_file, error.strerror or error)) from None
    except yaml.YAMLError as error:
        raise ValueError('plan_file %s is not valid YAML: %s' % (given_file, str(error).splitlines()[0])) from None
    if not isinstance(document, dict) or not isinstance(document.get('dr_plan'), dict):
        raise ValueError('plan_file %s must hold a DR plan: a mapping under the key dr_plan (docs/dr_plan.md)' % given_file)
    named = document['dr_plan'].get('name')
    if params.get('plan') and params['plan'] != named:
        raise ValueError('plan %s is not the name of the plan in plan_file %s (%s): leave plan out, the file names itself'
                         % (params['plan'], given_file, named))
    return document['dr_plan']


class Connection(_connection.Connection):
    """One per source, for its whole life (``_connection``); its timeout from the environment, checked before."""

    def __init__(self, params, pool_size=_http.MIN_POOL, clock=time.time, sleep=None, monotonic=None, log=None):
        super().__init__(params, pool_size=pool_size, timeout=_http.timeout_from(os.environ), on_retry=log, clock=clock,
                         sleep=sleep, monotonic=monotonic)


def classify(error):
    """(status, message) of a failed listing: ``unreachable`` (no answer within the read's budget: time-outs,
    connections refused or cut, 5xx), ``missing`` (404: the resource group or subscription is not found) or
    ``error`` (the token refused, no rights, throttling beyond the budget, a configuration error)."""
    last = error.last_error if isinstance(error, RetryBudgetExceeded) else error
    message = error.cause() if isinstance(error, AzureDRError) else str(error)
    if isinstance(last, ApiError):
        if last.status >= 500 or last.status == 408:
            return 'unreachable', message
        if last.status == 404 and (last.code in NOT_FOUND_CODES or last.code is None):
            return 'missing', message
        return 'error', message
    if isinstance(error, RetryBudgetExceeded):  # no answer at all: time-outs, refused or cut connections
        return 'unreachable', message
    return 'error', message  # AuthenticationError, a TLS or proxy set-up error, an unexpected answer


class FailoverGroupWatch:
    """The failover groups of a plan: ``poll()`` lists every scope where a side lives (a few side by side), finds
    the sides whose resource group the plan leaves out through the other side's read, and returns the events of
    ``_watch.GroupDetector``."""

    def __init__(self, params, plan, groups, connection, clock=time.time, log=None):
        self.params = params
        self.plan = plan
        self.connection = connection
        self.clock = clock
        self.log = log or (lambda message: None)
        self.groups = watched_groups(groups, params.get('subscription_id'))
        report_dir = params.get('report_dir')
        if report_dir is None and isinstance(plan.get('report_dir'), str) and os.path.isabs(plan['report_dir']) \
                and '{' not in plan['report_dir']:
            report_dir = plan['report_dir']
        self.report_dir = report_dir
        self.detector = GroupDetector(plan['name'], params['unreachable_after'], params['snapshot'],
                                      ours=OwnRuns(report_dir, plan['name'], params['own_run_window']), note=self.log)
        self.polls = 0

    def problems(self):
        """What is wrong before any request: a side without a subscription, and more reads than allowed."""
        problems = ['%s: the %s side has no subscription_id: give subscription_id (AZURE_SUBSCRIPTION_ID) or the '
                    'side\'s own' % (group['name'], side['side'])
                    for group in self.groups for side in group['sides'] if not side['subscription_id']]
        if problems:
            return problems
        return reads_problems(self.figures(), self.params['interval'], self.params['max_reads_per_hour'])

    def figures(self):
        return reads_figures(self.groups, self.params['interval'])

    def poll(self):
        """The events of one poll (blocking: the async shell runs it in a thread)."""
        sent = self.connection.requests_sent
        outcomes = self._read(scopes_of(self.groups))
        if self._derive(outcomes):
            outcomes.update(self._read({key: scope for key, scope in scopes_of(self.groups).items() if key not in outcomes}))
        self.polls += 1
        return self.detector.observe(self.groups, outcomes, self.clock(), reads_per_interval=self.figures()['reads_per_interval'],
                                     requests=self.connection.requests_sent - sent)

    def _read(self, scopes):
        from concurrent.futures import ThreadPoolExecutor
        from ansible_collections.azure_dr.recovery.plugins.module_utils._failover_groups.sides import RegionHealth

        health = RegionHealth()  # within one poll, a region that did not answer is not waited on again
        if not scopes:
            return {}
        with ThreadPoolExecutor(max_workers=max(1, min(self.params['max_concurrency'], len(scopes)))) as pool:
            futures = {key: pool.submit(self._list, scope, health) for key, scope in scopes.items()}
        return {key: future.result() for key, future in futures.items()}

    def _list(self, scope, health):
        from ansible_collections.azure_dr.recovery.plugins.module_utils._arm import ArmClient
        from ansible_collections.azure_dr.recovery.plugins.module_utils._failover_groups.client import InstanceFailoverGroups

        known = health.down(scope['location'])
        if known:
            return {'status': 'unreachable', 'groups': {}, 'error': known, 'scope': scope}
        try:
            connection = self.connection
            arm = ArmClient(connection.http, connection.endpoints.arm, connection.endpoints.arm_scope, scope['subscription_id'])
            listed = InstanceFailoverGroups(arm, scope['resource_group']).list(scope['location'],
                                                                               budget=self.params['read_timeout'])
        except Exception as error:  # pylint: disable=broad-except  # every failure is an outcome, the watch goes on
            status, message = classify(error)
            message = redact('%s, resource group %s, subscription %s: %s' % (
                scope['location'], scope['resource_group'], scope['subscription_id'], message), self.connection.secrets)
            if status == 'unreachable':
                health.mark_down(scope['location'], message)
            return {'status': status, 'groups': {}, 'error': message, 'scope': scope}
        return {'status': 'ok', 'groups': {str(group.get('name', '')).lower(): group for group in listed}, 'error': None,
                'scope': scope}

    def _derive(self, outcomes):
        """Sides whose resource group the plan leaves out, found through the other side's read: True when any was."""
        from ansible_collections.azure_dr.recovery.plugins.module_utils._failover_groups.sides import other_side_of

        found = False
        for group in self.groups:
            for side, other in ((group['sides'][0], group['sides'][1]), (group['sides'][1], group['sides'][0])):
                outcome = outcomes.get(scope_key(other))
                if scope_key(side) is not None or outcome is None or outcome['status'] != 'ok':
                    continue
                read = outcome['groups'].get(group['name'].lower())
                subscription_id, resource_group, location = other_side_of(read)
                if resource_group and (location is None or region_key(location) == region_key(side['location'])):
                    side.update(resource_group=resource_group, subscription_id=subscription_id or side['subscription_id'],
                                derived=True)
                    self.log('%s: the %s side is in resource group %s of subscription %s (from the %s side\'s read)'
                             % (group['name'], side['side'], resource_group, side['subscription_id'], other['side']))
                    found = True
        return found


class WorkspaceWatch:
    """The Fabric workspaces of a plan: ``poll()`` makes one listing of the deleted workspaces (all pages) and returns
    the events of ``_watch.WorkspaceDetector``."""

    def __init__(self, params, plan, connection, clock=time.time, log=None):
        self.params = params
        self.plan = plan
        self.connection = connection
        self.clock = clock
        self.log = log or (lambda message: None)
        self.entries = [dict(entry) for entry in plan.get('fabric_workspaces') or []]
        self.detector = WorkspaceDetector(plan['name'], self.entries, params['retention_days'],
                                          params['report_already_deleted'], params['snapshot'])

    def problems(self):
        problems = []
        if not self.entries:
            problems.append('the plan %s has no fabric_workspaces to watch' % self.plan['name'])
        per_hour = 3600.0 / self.params['interval']
        if per_hour > self.params['max_listings_per_hour']:
            problems.append('interval: one listing every %d s is %d an hour, more than max_listings_per_hour (%d); make '
                            'interval at least %d seconds (the admin API allows 200 reads an hour, shared with the DR '
                            'runs)' % (self.params['interval'], round(per_hour), self.params['max_listings_per_hour'],
                                       -(-3600 // self.params['max_listings_per_hour'])))
        return problems

    def poll(self):
        from ansible_collections.azure_dr.recovery.plugins.module_utils._fabric import FabricClient
        from ansible_collections.azure_dr.recovery.plugins.module_utils._fabric_workspaces import AdminWorkspaces

        try:
            connection = self.connection
            http = connection.http
            http.retry_budget = self.params['read_timeout']
            fabric = FabricClient(http, connection.endpoints.fabric, connection.endpoints.fabric_scope)
            deleted = AdminWorkspaces(fabric).list(state='deleted')
        except Exception as error:  # pylint: disable=broad-except  # every failure is an event, the watch goes on
            message = error.cause() if isinstance(error, AzureDRError) else '%s: %s' % (error.__class__.__name__, error)
            return self.detector.observe(None, self.clock(), error=redact('the listing of deleted workspaces failed: %s'
                                                                          % message, self.connection.secrets))
        return self.detector.observe(deleted, self.clock())


async def run_polls(queue, poll, interval, max_polls=0, sleep=None, monotonic=time.monotonic, close=None):
    """Put the events of ``poll()`` (run in a thread: it blocks on HTTP) on ``queue`` every ``interval`` seconds,
    counted from the start of each poll, until cancelled (ansible-rulebook's shutdown) or after ``max_polls`` polls
    when that is not 0; ``close()`` at the end.  Returns the number of polls."""
    import asyncio

    sleep = sleep or asyncio.sleep
    polls = 0
    try:
        while True:
            started = monotonic()
            events = await asyncio.to_thread(poll)
            for item in events:
                await queue.put(item)
            polls += 1
            if max_polls and polls >= max_polls:
                return polls
            await sleep(max(0.0, interval - (monotonic() - started)))
    finally:
        if close is not None:
            close()
