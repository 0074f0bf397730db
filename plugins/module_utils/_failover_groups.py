# -*- coding: utf-8 -*-
# Copyright: contributors to the azure_dr.recovery collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Client of Azure SQL Managed Instance instance failover groups (Microsoft.Sql, api-version
2025-01-01), and the facts the modules decide on: the role of a region, its partner."""

from __future__ import annotations

import re
import time

from ansible_collections.azure_dr.recovery.plugins.module_utils._errors import ApiError, AzureDRError, OperationTimeout

API_VERSION = '2025-01-01'

# Failover sent to the region that is already primary (someone else failed it over meanwhile).
ON_PRIMARY_CODES = frozenset(('InstanceFailoverGroupFailoverRequestOnPrimary', 'InstanceFailoverGroupNotSecondary'))

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
        ``budget``: how long answers such as 409 busy may be retried."""
        action = 'forceFailoverAllowDataLoss' if allow_data_loss else 'failover'
        return self.arm.post(self._path(location, name, action), API_VERSION, budget=budget)


def is_on_primary_error(error):
    return isinstance(error, ApiError) and error.status == 400 and error.code in ON_PRIMARY_CODES


def roles_of(group, location):
    roles = {location: replication_role(group)}
    roles.update(partner_roles(group))
    return {'replication_role': roles}


def make_primary(groups, resource_group, location, name, allow_data_loss=False, wait=True, wait_timeout=3600,
                 check_mode=False, warn=None, clock=time.monotonic):
    """Make ``location`` the primary of group ``name``: read, decide, act (unless check mode), wait, read.
    Returns the module result (without ``elapsed``); raises AzureDRError, whose ``result`` says what
    is known (``changed``, the group) when the failure came after a change.  Never fails over twice:
    a busy group is waited out (HTTP layer), and a failover someone else finished meanwhile converges."""
    started = clock()
    warn = warn or (lambda message: None)

    def remaining():
        return max(1.0, wait_timeout - (clock() - started))

    group = groups.get(location, name)
    if group is None:
        raise AzureDRError("Instance failover group '%s' was not found in resource group '%s' at location '%s'."
                           % (name, resource_group, location))
    before = roles_of(group, location)
    if replication_role(group) == 'Primary':
        return {'changed': False, 'failover_group': group, 'diff': {'before': before, 'after': before}}
    after = {'replication_role': {region: 'Secondary' for region in before['replication_role']}}
    after['replication_role'][location] = 'Primary'
    diff = {'before': before, 'after': after}
    if allow_data_loss:
        warn(FORCED_WARNING % location)
    if check_mode:
        return {'changed': True, 'failover_group': group, 'diff': diff}

    try:
        response = groups.start_failover(location, name, allow_data_loss, budget=remaining())
    except ApiError as error:
        if not is_on_primary_error(error):
            raise
        group = groups.get(location, name)
        if replication_role(group) != 'Primary':
            raise
        warn('%s became primary while this task ran (another operation failed the group over); no failover was sent.'
             % location)
        return {'changed': True, 'failover_group': group, 'diff': diff}

    request_ids = {'request_id': response.headers.get('x-ms-request-id'),
                   'correlation_id': response.headers.get('x-ms-correlation-request-id')}
    operation_url = response.headers.get('Azure-AsyncOperation') or response.headers.get('Location')
    if not wait:
        return {'changed': True, 'failover_group': group, 'operation_url': operation_url, 'request_ids': request_ids,
                'diff': diff}
    try:
        groups.arm.wait(response, timeout=remaining())
    except OperationTimeout as error:
        if not allow_data_loss:
            error.hint = PLANNED_TIMEOUT_HINT
        error.result.update(changed=True, request_ids=request_ids)
        raise
    except AzureDRError as error:
        error.result.update(request_ids=request_ids)
        raise
    group = groups.get(location, name)
    if replication_role(group) != 'Primary':
        raise AzureDRError('The failover finished but %s is %s, not Primary.' % (location, replication_role(group)),
                           result={'changed': True, 'failover_group': group, 'request_ids': request_ids})
    return {'changed': True, 'failover_group': group, 'request_ids': request_ids, 'diff': diff}
