# -*- coding: utf-8 -*-
# Copyright: contributors to the azure_dr.recovery collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Client of Azure SQL Managed Instance instance failover groups (Microsoft.Sql, api-version
2025-01-01), and the facts the modules decide on: the role of a region, where the other side of a
group lives, whether today's primary region answers.

Each side of a group is answered only at the path of its own managed instance (its subscription,
resource group and region); ``properties.managedInstancePairs`` names both instances, so one side's
read tells where the other is."""

from __future__ import annotations

import re
import threading
import time

from ansible_collections.azure_dr.recovery.plugins.module_utils._errors import (
    ApiError,
    AuthenticationError,
    AzureDRError,
    InputError,
    OperationFailed,
    OperationTimeout,
)
from ansible_collections.azure_dr.recovery.plugins.module_utils._http import backoff_delay
from ansible_collections.azure_dr.recovery.plugins.module_utils._validation import (
    name_problem,
    positive_problem,
    resource_group_problem,
    uuid_problem,
)

API_VERSION = '2025-01-01'
FAILOVER_MODES = ('planned', 'forced', 'planned_then_forced')

# Failover sent to the region that is already primary (someone else failed it over meanwhile).
ON_PRIMARY_CODES = frozenset(('InstanceFailoverGroupFailoverRequestOnPrimary', 'InstanceFailoverGroupNotSecondary'))
# Another operation is under way: the group is read again before a failover is sent again.
BUSY_CODES = frozenset(('InstanceFailoverGroupBusy', 'ConflictingServerOperation'))

FORCED_WARNING = ('Forced failover: %s becomes primary without waiting for the old primary; '
                  'transactions not yet replicated to it are lost.')
PLANNED_TIMEOUT_HINT = ('a planned failover needs both regions to respond. Run the task again to keep waiting; only if the '
                        'primary region is really down, use failover_mode: forced or planned_then_forced (data not yet '
                        'replicated is lost).')
PRIMARY_DOWN_ADVICE = ('a planned failover needs both regions and cannot complete. If the primary region is really down, '
                       'use failover_mode: forced (data not yet replicated is lost), or planned_then_forced to force only '
                       'when the planned failover cannot be made')

# The options of the failover modules (one group or a batch of them), documented in doc_fragments/failover.py.
FAILOVER_SPEC = dict(
    failover_mode=dict(type='str', choices=list(FAILOVER_MODES)),
    forced_after=dict(type='int', default=300),
    allow_data_loss=dict(type='bool', default=False),
    primary_read_timeout=dict(type='int', default=30),
    wait=dict(type='bool', default=True),
    wait_timeout=dict(type='int', default=3600),
)
# Where one group is: its name, the region that must become primary and that side's resource group, and,
# when known, the resource group and subscription of today's primary side.
GROUP_SPEC = dict(
    resource_group=dict(type='str'),
    location=dict(type='str', required=True),
    name=dict(type='str', required=True),
    primary_resource_group=dict(type='str'),
    primary_subscription_id=dict(type='str'),
)
# A group of the batch module: also its own subscription, today's primary region (which names the resource group
# left out) and its own failover mode.
BATCH_GROUP_SPEC = dict(GROUP_SPEC, subscription_id=dict(type='str'), primary_location=dict(type='str'),
                        failover_mode=dict(FAILOVER_SPEC['failover_mode']))

_LOCATION = re.compile(r'^[A-Za-z0-9][A-Za-z0-9 ]{0,62}$')
# The request named in a transport failure (the side is already named): 'Could not complete GET https://...: '.
_REQUEST = re.compile(r'(gave up retrying: )?(Could not complete )?(GET|POST) \S+: ')
_INSTANCE_ID = re.compile(r'^/subscriptions/([^/]+)/resourceGroups/([^/]+)/providers/Microsoft\.Sql/managedInstances/[^/]+$',
                          re.IGNORECASE)


def location_problem(value, option='location'):
    if value is None:
        return None
    if not _LOCATION.fullmatch(value):
        return '%s must be an Azure region such as japaneast or "Japan East", got %r' % (option, value[:80])
    return None


def group_problems(group, where=''):
    """The problems of one group's options: ``GROUP_SPEC``, or a batch's ``BATCH_GROUP_SPEC`` except its
    ``failover_mode`` (``failover_mode_of`` checks that one)."""
    prefix = where + '.' if where else ''
    problems = [resource_group_problem(group['resource_group'], prefix + 'resource_group'),
                resource_group_problem(group['primary_resource_group'], prefix + 'primary_resource_group'),
                uuid_problem(group['primary_subscription_id'], prefix + 'primary_subscription_id'),
                location_problem(group['location'], prefix + 'location'),
                name_problem(group['name'], prefix + 'name', max_length=63)]
    if 'subscription_id' in group and where:
        problems.append(uuid_problem(group['subscription_id'], prefix + 'subscription_id'))
    if not group['resource_group'] and not group['primary_resource_group']:
        problems.append('%sresource_group is required (it may be left out only when primary_resource_group is given: '
                        'the primary side\'s read then names it)' % prefix)
    if 'primary_location' in group:
        problems.append(location_problem(group['primary_location'], prefix + 'primary_location'))
        if not group['resource_group'] and not group['primary_location']:
            problems.append('%sprimary_location is required when %sresource_group is left out' % (prefix, prefix))
    return [problem for problem in problems if problem]


def failover_mode_of(params, mode=None, where=''):
    """(the failover mode, a problem or None): ``mode`` (a batch item's own) or the module's ``failover_mode``;
    ``allow_data_loss: true`` means ``forced`` and contradicts any other mode."""
    option = (where + '.failover_mode') if mode else 'failover_mode'
    mode = mode or params['failover_mode']
    if params['allow_data_loss']:
        if mode not in (None, 'forced'):
            return mode, 'allow_data_loss: true means failover_mode: forced; it contradicts %s: %s' % (option, mode)
        mode = 'forced'
    mode = mode or 'planned'
    if mode == 'planned_then_forced' and not params['wait']:
        return mode, '%s: planned_then_forced needs wait: true (it decides on how the planned failover ends)' % option
    return mode, None


def failover_problems(params):
    """The problems of the module-level options of ``FAILOVER_SPEC``."""
    return [problem for problem in (
        positive_problem(params['wait_timeout'], 'wait_timeout'),
        positive_problem(params['forced_after'], 'forced_after'),
        positive_problem(params['primary_read_timeout'], 'primary_read_timeout'),
    ) if problem]


def replication_role(group):
    return (group or {}).get('properties', {}).get('replicationRole')


def partner_roles(group):
    """{partner region: its role} as the group reports them."""
    partners = (group or {}).get('properties', {}).get('partnerRegions') or []
    return {partner.get('location'): partner.get('replicationRole') for partner in partners}


def other_side_of(group):
    """``(subscription_id, resource_group, location)`` of the side other than the one ``group`` was read at:
    the instance of ``managedInstancePairs`` that is not this side's, and the partner region; None where the
    group does not say."""
    properties = (group or {}).get('properties') or {}
    pair = (properties.get('managedInstancePairs') or [{}])[0] or {}
    key = 'partnerManagedInstanceId' if properties.get('replicationRole') == 'Primary' else 'primaryManagedInstanceId'
    match = _INSTANCE_ID.match(str(pair.get(key) or ''))
    location = ((properties.get('partnerRegions') or [{}])[0] or {}).get('location')
    return (match.group(1) if match else None, match.group(2) if match else None, location)


class InstanceFailoverGroups:
    """The groups of one resource group of one subscription (``arm``: an ``_arm.ArmClient``)."""

    def __init__(self, arm, resource_group):
        self.arm = arm
        self.resource_group = resource_group

    def _path(self, location, *rest):
        return self.arm.path('resourceGroups', self.resource_group, 'providers', 'Microsoft.Sql', 'locations',
                             location, 'instanceFailoverGroups', *rest)

    def get(self, location, name, budget=None):
        """The group as seen from ``location``, or None when it does not exist there."""
        return self.arm.get_or_none(self._path(location, name), API_VERSION, budget=budget)

    def list(self, location):
        return self.arm.list(self._path(location), API_VERSION)

    def start_failover(self, location, name, forced, budget=None):
        """POST failover (or forceFailoverAllowDataLoss) at ``location``; returns the raw answer.
        ``budget``: how long answers such as 429 may be retried; a busy answer is raised (``make_primary``
        reads the group again before sending another)."""
        action = 'forceFailoverAllowDataLoss' if forced else 'failover'
        return self.arm.post(self._path(location, name, action), API_VERSION, budget=budget, handled_codes=BUSY_CODES)


class GroupSide:
    """One side of group ``name``: where it is answered (subscription, resource group, region)."""

    def __init__(self, groups, location, name, derived=False):
        self.groups = groups
        self.location = location
        self.name = name
        self.derived = derived  # found through the other side's managedInstancePairs

    @property
    def resource_group(self):
        return self.groups.resource_group

    @property
    def subscription_id(self):
        return self.groups.arm.subscription_id

    def get(self, budget=None):
        return self.groups.get(self.location, self.name, budget=budget)

    def start_failover(self, forced, budget=None):
        return self.groups.start_failover(self.location, self.name, forced, budget=budget)

    def describe(self):
        return "'%s' in resource group '%s' of subscription %s at %s" % (
            self.name, self.resource_group, self.subscription_id, self.location)

    def state(self, group, answered=True, problem=None):
        """This side as the readiness checks and the DR report show it."""
        properties = (group or {}).get('properties') or {}
        return {'location': self.location, 'resource_group': self.resource_group, 'subscription_id': self.subscription_id,
                'answered': answered, 'found': group is not None, 'replication_role': properties.get('replicationRole'),
                'replication_state': properties.get('replicationState'), 'secondary_type': properties.get('secondaryType'),
                'failover_policy': (properties.get('readWriteEndpoint') or {}).get('failoverPolicy'),
                'derived': self.derived, 'problem': problem}


class RegionHealth:
    """Regions seen not answering during this run: once a region has not answered, the other groups there
    do not wait for it again (with a region down, a hundred groups cost one read budget, not a hundred)."""

    def __init__(self):
        self._down = {}
        self._lock = threading.Lock()

    @staticmethod
    def _key(location):
        return str(location).replace(' ', '').lower()

    def down(self, location):
        with self._lock:
            return self._down.get(self._key(location))

    def mark_down(self, location, reason):
        with self._lock:
            self._down.setdefault(self._key(location), reason)


def read_other_side(side, budget, health):
    """The side other than the one read first (today's primary), best effort: ``(group or None, answered, problem)``.  It does not answer when
    its requests time out, fail to connect or get 5xx for ``budget`` seconds; a 404 or 403 is an answer."""
    known = health.down(side.location)
    if known:
        return None, False, known
    try:
        group = side.get(budget=budget)
    except (AuthenticationError, InputError):
        raise
    except ApiError as error:
        if error.status < 500:
            return None, True, 'read answered HTTP %s %s' % (error.status, error.code or '')
        reason = '%s did not answer: %s' % (side.location, error.cause())
    except AzureDRError as error:  # time-outs, connection failures, 5xx beyond the budget
        reason = '%s did not answer within %.0f s (%s)' % (side.location, budget, _REQUEST.sub('', error.cause()))
    else:
        return group, True, None if group is not None else 'not found at %s' % side.describe()
    health.mark_down(side.location, reason)
    return None, False, reason


def roles_of(group, location):
    roles = {location: replication_role(group)}
    roles.update(partner_roles(group))
    return {'replication_role': roles}


def region_state(group):
    """The role and replication state of the region the group was read at, for the DR report."""
    properties = (group or {}).get('properties') or {}
    return {'replication_role': properties.get('replicationRole'), 'replication_state': properties.get('replicationState')}


def is_on_primary_error(error):
    return isinstance(error, ApiError) and error.status == 400 and error.code in ON_PRIMARY_CODES


def is_busy_error(error):
    return isinstance(error, ApiError) and error.status == 409 and error.code in BUSY_CODES


def make_primary(arm_for, group, options, check_mode=False, warn=None, stage=None, health=None, clock=time.monotonic,
                 sleep=None):
    """Make ``group['location']`` the primary of ``group['name']`` (``group``: the keys of ``GROUP_SPEC``,
    optionally ``subscription_id`` and ``primary_location``).  ``options``: ``mode`` (see ``failover_mode_of``),
    ``forced_after``, ``primary_read_timeout``, ``wait``, ``wait_timeout``.  ``arm_for(subscription_id)`` gives
    the ARM client of a subscription (None: the module's); they share the run's token.  ``health``: the
    ``RegionHealth`` of the run.  Returns the module result (without ``elapsed``); raises AzureDRError, whose
    ``result`` says what is known (``changed``, the kind of failover sent, both sides) when the failure came
    after the first read."""
    return _Failover(arm_for, group, options, check_mode, warn, stage, health or RegionHealth(), clock, sleep).run()


class _Failover:
    """The steps of ``make_primary``: locate, read, decide, act (unless check mode), wait, read."""

    def __init__(self, arm_for, group, options, check_mode, warn, stage, health, clock, sleep):
        self.arm_for = arm_for
        self.group = group
        self.options = options
        self.check_mode = check_mode
        self.warn = warn or (lambda message: None)
        self.stage = stage or (lambda text, **known: None)
        self.health = health
        self.clock = clock
        self.sleep = sleep or time.sleep  # looked up now, so that tests can patch it
        self.started = clock()
        self.derived = []
        self.became_primary = None  # the group as read when the target became primary by another operation
        self.known = {'changed': False, 'failover_kind': 'none', 'escalation_reason': None}

    def remaining(self):
        return max(1.0, self.options['wait_timeout'] - (self.clock() - self.started))

    @staticmethod
    def fail(message, **result):
        raise AzureDRError(message, result=result)  # run() adds what is known

    def run(self):
        try:
            return self._run()
        except AzureDRError as error:
            error.result = dict(self.known, **error.result)
            raise

    def _run(self):
        mode = self.options['mode']
        target = self._locate_target()
        group = target.get()
        if group is None:
            raise AzureDRError('Instance failover group %s was not found.' % target.describe())
        before = roles_of(group, target.location)
        state_before = region_state(group)
        sides = {'target': target.state(group), 'primary': None}
        self.known.update(sides=sides, derived=self.derived, region_state={'before': state_before, 'after': None})
        if replication_role(group) == 'Primary':
            self.known['region_state']['after'] = state_before
            return dict(self.known, failover_group=group, diff={'before': before, 'after': before})
        if str(state_before['replication_state']).upper() == 'SEEDING':
            self.fail('Refused: %s is still SEEDING (its databases are being copied to the secondary for the first '
                      'time); Azure refuses a failover until replicationState is CATCH_UP. Run again when seeding has '
                      'finished.' % target.describe(), failover_group=group)
        after = {'replication_role': {region: 'Secondary' for region in before['replication_role']}}
        after['replication_role'][target.location] = 'Primary'
        diff = {'before': before, 'after': after}

        primary = self._locate_primary(group)
        kind, escalation = self._decide(mode, primary, sides)
        self.known['escalation_reason'] = escalation
        if kind == 'forced':
            self.warn(FORCED_WARNING % target.location + (' (%s)' % escalation if escalation else ''))
        if self.check_mode:  # the kind of failover that would be sent
            return dict(self.known, changed=True, failover_group=group, failover_kind=kind, escalation_reason=escalation,
                        diff=diff)

        response = self._send(target, kind == 'forced')
        if response is None:  # became primary meanwhile
            return dict(self.known, changed=True, failover_group=self.became_primary, diff=diff)
        operation_url = response.headers.get('Azure-AsyncOperation') or response.headers.get('Location')
        if not self.options['wait']:
            return dict(self.known, failover_group=group, operation_url=operation_url, diff=diff)
        try:
            if mode == 'planned_then_forced' and kind == 'planned':
                response = self._planned_then_forced(target, response)
            if response is not None:
                target.groups.arm.wait(response, timeout=self.remaining())
        except OperationTimeout as error:
            if self.known['failover_kind'] == 'planned':
                error.hint = PLANNED_TIMEOUT_HINT
            raise
        group = self.became_primary or target.get()
        self.known['region_state']['after'] = region_state(group)
        self.known['sides']['target'] = target.state(group)
        if replication_role(group) != 'Primary':
            self.fail('The failover finished but %s is %s, not Primary.' % (target.location, replication_role(group)),
                      failover_group=group)
        return dict(self.known, failover_group=group, diff=diff)

    # --- locate ---

    def _side(self, subscription_id, resource_group, location, derived=False):
        return GroupSide(InstanceFailoverGroups(self.arm_for(subscription_id), resource_group), location, self.group['name'],
                         derived)

    def _locate_target(self):
        """The side that must become primary; its resource group may come from the primary side's read."""
        group = self.group
        if group['resource_group']:
            return self._side(group.get('subscription_id'), group['resource_group'], group['location'])
        if not group.get('primary_location'):
            raise AzureDRError('resource_group of %s at %s is not given, and without primary_location the primary side '
                               'cannot be read to find it.' % (group['name'], group['location']))
        primary = self._side(group['primary_subscription_id'], group['primary_resource_group'], group['primary_location'])
        primary_group = primary.get()
        subscription_id, resource_group, _location = other_side_of(primary_group)
        if primary_group is None or not resource_group:
            raise AzureDRError('resource_group of %s at %s is not given, and the primary side (%s) %s; give the '
                               'resource_group.' % (group['name'], group['location'], primary.describe(),
                                                    'was not found' if primary_group is None else
                                                    'does not name its partner instance'))
        self.derived.append('%s side: resource group %s of subscription %s (from managedInstancePairs of the primary '
                            'side)' % (group['location'], resource_group, subscription_id))
        return self._side(subscription_id, resource_group, group['location'], derived=True)

    def _locate_primary(self, group):
        """Today's primary side: the resource group given, else the instance ``managedInstancePairs`` names."""
        given = self.group
        subscription_id, resource_group, location = other_side_of(group)
        location = location or given.get('primary_location')
        if given['primary_resource_group']:
            return self._side(given['primary_subscription_id'], given['primary_resource_group'], location)
        if not (resource_group and location):
            return None
        self.derived.append('%s side: resource group %s of subscription %s (from managedInstancePairs)'
                            % (location, resource_group, subscription_id))
        return self._side(subscription_id, resource_group, location, derived=True)

    # --- decide ---

    def _decide(self, mode, primary, sides):
        """(kind of failover to send, why it is forced when the mode did not say so).  The primary side is read
        (best effort, ``primary_read_timeout``) except for a real forced failover, which does not need it."""
        if primary is None or (mode == 'forced' and not self.check_mode):
            return ('forced' if mode == 'forced' else 'planned'), None
        primary_group, answered, problem = read_other_side(primary, self.options['primary_read_timeout'], self.health)
        sides['primary'] = primary.state(primary_group, answered, problem)
        if mode == 'forced':
            return 'forced', None
        if answered:
            return 'planned', None
        if mode == 'planned':
            self.fail('Refused before any change: the primary side of %s does not answer (%s); %s.'
                      % (self.group['name'], problem, PRIMARY_DOWN_ADVICE))
        return 'forced', 'the primary side did not answer: %s' % problem

    # --- act ---

    def _send(self, target, forced):
        """POST the failover; returns the answer, or None when the target became primary meanwhile.  A busy
        group is waited out for its ``Retry-After``, then read again: the failover is sent again only while the
        target is still secondary."""
        kind = 'forced' if forced else 'planned'
        attempt = 0
        while True:
            attempt += 1
            try:
                response = target.start_failover(forced, budget=self.remaining())
                break
            except ApiError as error:
                if is_busy_error(error) and self.remaining() > 1.0:
                    # At least a second between two busy answers, whatever Retry-After says.
                    delay = max(1.0, error.retry_after if error.retry_after is not None else backoff_delay(attempt))
                    if delay >= self.remaining():
                        raise
                    if attempt == 1:
                        self.warn('%s: %s is busy (%s); waiting for it to settle, then reading it again before '
                                  'deciding.' % (target.location, target.name, error.code))
                    self.stage('busy (%s), %s failover waiting' % (error.code, kind))
                    self.sleep(delay)
                    group = target.get()
                    if replication_role(group) == 'Primary':
                        return self._became_primary(target, group, 'while the group was busy')
                    continue
                if not is_on_primary_error(error):
                    raise
                group = target.get()
                if replication_role(group) != 'Primary':
                    raise
                return self._became_primary(target, group, 'while this task ran')
        request_ids = {'request_id': response.headers.get('x-ms-request-id'),
                       'correlation_id': response.headers.get('x-ms-correlation-request-id')}
        self.known.update(changed=True, failover_kind=kind, request_ids=request_ids)
        self.stage('%s failover running' % kind, failover_kind=kind, request_ids=request_ids)
        return response

    def _became_primary(self, target, group, when):
        if self.known['changed']:
            self.warn('%s became primary %s: the %s failover sent earlier completed; no further failover was sent.'
                      % (target.location, when, self.known['failover_kind']))
        else:
            self.warn('%s became primary %s (another operation failed the group over); no failover was sent.'
                      % (target.location, when))
        self.known['changed'] = True
        self.known['region_state']['after'] = region_state(group)
        self.became_primary = group
        return None

    def _planned_then_forced(self, target, response):
        """Wait for the planned failover at most ``forced_after`` seconds; when it ends Failed or has not ended,
        send a forced one.  Returns the answer still to wait for (None: nothing more to wait for)."""
        forced_after = self.options['forced_after']
        try:
            target.groups.arm.wait(response, timeout=min(forced_after, self.remaining()))
            return None
        except OperationFailed as error:
            reason = 'the planned failover ended %s%s' % (error.status, ' (%s)' % error.code if error.code else '')
        except ApiError as error:  # a Location poll reports the operation's failure as an error answer
            reason = 'the planned failover ended Failed (%s)' % (error.code or 'HTTP %s' % error.status)
        except OperationTimeout:
            if forced_after >= self.remaining():
                raise
            reason = 'the planned failover had not ended after %d s (forced_after)' % forced_after
        self.warn('%s: escalating to a forced failover: %s. %s' % (target.name, reason, FORCED_WARNING % target.location))
        self.known['escalation_reason'] = reason
        response = self._send(target, True)
        if response is None:  # the planned failover made it after all: nothing was forced
            self.known['escalation_reason'] = None
        return response
