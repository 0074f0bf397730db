# -*- coding: utf-8 -*-
# Copyright: contributors to the azure_dr.recovery collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Client of Azure SQL Managed Instance instance failover groups (Microsoft.Sql, api-version
2025-01-01), and the facts the modules decide on: the role of a region, its partner."""

from __future__ import annotations

import re
import time

from ansible_collections.azure_dr.recovery.plugins.module_utils._errors import ApiError, AzureDRError, OperationTimeout
from ansible_collections.azure_dr.recovery.plugins.module_utils._http import backoff_delay

API_VERSION = '2025-01-01'

# Failover sent to the region that is already primary (someone else failed it over meanwhile).
ON_PRIMARY_CODES = frozenset(('InstanceFailoverGroupFailoverRequestOnPrimary', 'InstanceFailoverGroupNotSecondary'))
# Another operation is under way: the group is read again before a failover is sent again.
BUSY_CODES = frozenset(('InstanceFailoverGroupBusy', 'ConflictingServerOperation'))

FORCED_WARNING = ('Forced failover (allow_data_loss=true): %s becomes primary without waiting for the old primary; '
                  'transactions not yet replicated to it are lost.')
PLANNED_TIMEOUT_HINT = ('a planned failover needs both regions to respond. Run the task again to keep waiting; only if the '
                        'primary region is really down, use allow_data_loss: true (data not yet replicated is lost).')

_LOCATION = re.compile(r'^[A-Za-z0-9][A-Za-z0-9 ]{0,62}$')


def location_problem(value, option='location'):
    if value is None:
        return None
    if not _LOCATION.fullmatch(value):
        return '%s must be an Azure region such as japaneast or "Japan East", got %r' % (option, value[:80])
    return None


def replication_role(group):
    return (group or {}).get('properties', {}).get('replicationRole')


def partner_roles(group):
    """{partner region: its role} as the group reports them."""
    partners = (group or {}).get('properties', {}).get('partnerRegions') or []
    return {partner.get('location'): partner.get('replicationRole') for partner in partners}


class InstanceFailoverGroups:
    def __init__(self, arm, resource_group):
        self.arm = arm
        self.resource_group = resource_group

    def _path(self, location, *rest):
        return self.arm.path('resourceGroups', self.resource_group, 'providers', 'Microsoft.Sql', 'locations',
                             location, 'instanceFailoverGroups', *rest)

    def get(self, location, name):
        """The group as seen from ``location``, or None when it does not exist there."""
        return self.arm.get_or_none(self._path(location, name), API_VERSION)

    def list(self, location):
        return self.arm.list(self._path(location), API_VERSION)

    def start_failover(self, location, name, allow_data_loss, budget=None):
        """POST failover (or forceFailoverAllowDataLoss) at ``location``; returns the raw answer.
        ``budget``: how long answers such as 429 may be retried; a busy answer is raised (``make_primary``
        reads the group again before sending another)."""
        action = 'forceFailoverAllowDataLoss' if allow_data_loss else 'failover'
        return self.arm.post(self._path(location, name, action), API_VERSION, budget=budget, handled_codes=BUSY_CODES)


def is_on_primary_error(error):
    return isinstance(error, ApiError) and error.status == 400 and error.code in ON_PRIMARY_CODES


def is_busy_error(error):
    return isinstance(error, ApiError) and error.status == 409 and error.code in BUSY_CODES


def roles_of(group, location):
    roles = {location: replication_role(group)}
    roles.update(partner_roles(group))
    return {'replication_role': roles}


def region_state(group):
    """The role and replication state of the region the group was read at, for the DR report."""
    properties = (group or {}).get('properties') or {}
    return {'replication_role': properties.get('replicationRole'), 'replication_state': properties.get('replicationState')}


def make_primary(groups, resource_group, location, name, allow_data_loss=False, wait=True, wait_timeout=3600,
                 check_mode=False, warn=None, clock=time.monotonic, sleep=None, stage=None):
    """Make ``location`` the primary of group ``name``: read, decide, act (unless check mode), wait, read.
    Returns the module result (without ``elapsed``); raises AzureDRError, whose ``result`` says what
    is known (``changed``, the group, the kind of failover sent, the region's state before) when the
    failure came after the first read.  Never fails over twice: after a busy answer the group is read
    again and a failover is sent only if ``location`` is still secondary, and a failover someone else
    finished meanwhile converges.  ``stage`` is told what the work is waiting for (a batch's progress)."""
    started = clock()
    warn = warn or (lambda message: None)
    stage = stage or (lambda text, **known: None)
    sleep = sleep or time.sleep  # looked up now, so that tests can patch it

    def remaining():
        return max(1.0, wait_timeout - (clock() - started))

    group = groups.get(location, name)
    if group is None:
        raise AzureDRError("Instance failover group '%s' was not found in resource group '%s' at location '%s'."
                           % (name, resource_group, location))
    before = roles_of(group, location)
    state_before = region_state(group)
    if replication_role(group) == 'Primary':
        return {'changed': False, 'failover_group': group, 'failover_kind': 'none',
                'region_state': {'before': state_before, 'after': state_before},
                'diff': {'before': before, 'after': before}}
    after = {'replication_role': {region: 'Secondary' for region in before['replication_role']}}
    after['replication_role'][location] = 'Primary'
    diff = {'before': before, 'after': after}
    kind = 'forced' if allow_data_loss else 'planned'
    if allow_data_loss:
        warn(FORCED_WARNING % location)
    if check_mode:  # the kind of failover that would be sent
        return {'changed': True, 'failover_group': group, 'failover_kind': kind,
                'region_state': {'before': state_before, 'after': None}, 'diff': diff}

    known = {'failover_kind': 'none', 'region_state': {'before': state_before, 'after': None}}
    try:
        response = _send_failover(groups, location, name, allow_data_loss, remaining, warn, sleep, stage)
    except _BecamePrimary as became:
        return {'changed': True, 'failover_group': became.group, 'failover_kind': 'none',
                'region_state': {'before': state_before, 'after': region_state(became.group)}, 'diff': diff}
    except AzureDRError as error:
        error.result = dict(known, **error.result)
        raise

    request_ids = {'request_id': response.headers.get('x-ms-request-id'),
                   'correlation_id': response.headers.get('x-ms-correlation-request-id')}
    known = {'changed': True, 'failover_kind': kind, 'request_ids': request_ids,
             'region_state': {'before': state_before, 'after': None}}
    operation_url = response.headers.get('Azure-AsyncOperation') or response.headers.get('Location')
    stage('%s failover running' % kind, failover_kind=kind, request_ids=request_ids)
    if not wait:
        return dict(known, failover_group=group, operation_url=operation_url, diff=diff)
    try:
        groups.arm.wait(response, timeout=remaining())
    except OperationTimeout as error:
        if not allow_data_loss:
            error.hint = PLANNED_TIMEOUT_HINT
        error.result.update(known)
        raise
    except AzureDRError as error:
        error.result.update(known)
        raise
    group = groups.get(location, name)
    known['region_state']['after'] = region_state(group)
    if replication_role(group) != 'Primary':
        raise AzureDRError('The failover finished but %s is %s, not Primary.' % (location, replication_role(group)),
                           result=dict(known, failover_group=group))
    return dict(known, failover_group=group, diff=diff)


class _BecamePrimary(Exception):
    """``location`` became primary through another operation: no failover was, or needs to be, sent."""

    def __init__(self, group):
        super().__init__('became primary')
        self.group = group


def _send_failover(groups, location, name, allow_data_loss, remaining, warn, sleep, stage):
    """POST the failover; returns the answer.  A busy group is waited out for its ``Retry-After``,
    then read again: the failover is sent again only while ``location`` is still secondary."""
    attempt = 0
    while True:
        attempt += 1
        try:
            return groups.start_failover(location, name, allow_data_loss, budget=remaining())
        except ApiError as error:
            if is_busy_error(error) and remaining() > 1.0:
                # At least a second between two busy answers, whatever Retry-After says.
                delay = max(1.0, error.retry_after if error.retry_after is not None else backoff_delay(attempt))
                if delay >= remaining():
                    raise
                warn('%s: %s is busy (%s); reading it again in %.0f s before deciding.' % (location, name, error.code, delay))
                stage('busy (%s)' % error.code)
                sleep(delay)
                group = groups.get(location, name)
                if replication_role(group) == 'Primary':
                    warn('%s became primary while the group was busy (another operation failed it over); no failover '
                         'was sent.' % location)
                    raise _BecamePrimary(group) from None
                continue
            if not is_on_primary_error(error):
                raise
            group = groups.get(location, name)
            if replication_role(group) != 'Primary':
                raise
            warn('%s became primary while this task ran (another operation failed the group over); no failover was '
                 'sent.' % location)
            raise _BecamePrimary(group) from None
