# -*- coding: utf-8 -*-
# Copyright: contributors to the azure_dr.recovery collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""``make_primary``: make a region the primary of a group.  Locate both sides, read, decide the kind of
failover (``options.FAILOVER_MODES``), act (unless check mode), wait, read; a busy group is read again
before a failover is sent again, and ``planned_then_forced`` escalates to a forced failover."""

from __future__ import annotations

import time

from ansible_collections.azure_dr.recovery.plugins.module_utils._errors import (
    ApiError,
    AzureDRError,
    OperationFailed,
    OperationTimeout,
)
from ansible_collections.azure_dr.recovery.plugins.module_utils._failover_groups.client import (
    InstanceFailoverGroups,
    is_busy_error,
    is_on_primary_error,
)
from ansible_collections.azure_dr.recovery.plugins.module_utils._failover_groups.sides import (
    GroupSide,
    RegionHealth,
    other_side_of,
    partner_roles,
    read_other_side,
    region_state,
    replication_role,
)
from ansible_collections.azure_dr.recovery.plugins.module_utils._http import backoff_delay

FORCED_WARNING = ('Forced failover: %s becomes primary without waiting for the old primary; '
                  'transactions not yet replicated to it are lost.')
PLANNED_TIMEOUT_HINT = ('a planned failover needs both regions to respond. Run the task again to keep waiting; only if the '
                        'primary region is really down, use failover_mode: forced or planned_then_forced (data not yet '
                        'replicated is lost).')
PRIMARY_DOWN_ADVICE = ('a planned failover needs both regions and cannot complete. If the primary region is really down, '
                       'use failover_mode: forced (data not yet replicated is lost), or planned_then_forced to force only '
                       'when the planned failover cannot be made')


def roles_of(group, location):
    """The role of each region, as the diff shows them."""
    roles = {location: replication_role(group)}
    roles.update(partner_roles(group))
    return {'replication_role': roles}


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
        # Bounded like every read of the primary side: in a region outage this is the read that cannot answer.
        primary_group, _answered, problem = read_other_side(primary, self.options['primary_read_timeout'], self.health)
        subscription_id, resource_group, _location = other_side_of(primary_group)
        if primary_group is None or not resource_group:
            raise AzureDRError('resource_group of %s at %s is not given, and the primary side (%s) %s; give the '
                               'resource_group.' % (group['name'], group['location'], primary.describe(),
                                                    problem or 'does not name its partner instance'))
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
