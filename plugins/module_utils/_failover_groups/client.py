# -*- coding: utf-8 -*-
# Copyright: contributors to the azure_dr.recovery collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The REST calls of instance failover groups (Microsoft.Sql, api-version 2025-01-01), and the error codes
with which the service answers them."""

from __future__ import annotations

from ansible_collections.azure_dr.recovery.plugins.module_utils._errors import ApiError

API_VERSION = '2025-01-01'

# Failover sent to the region that is already primary (someone else failed it over meanwhile).
ON_PRIMARY_CODES = frozenset(('InstanceFailoverGroupFailoverRequestOnPrimary', 'InstanceFailoverGroupNotSecondary'))
# Another operation is under way: the group is read again before a failover is sent again.
BUSY_CODES = frozenset(('InstanceFailoverGroupBusy', 'ConflictingServerOperation'))
# The answers with which the service says it did not act on a request (documented as having changed nothing):
# the HTTP layer sends any request of this client again after them, except the failover itself, whose busy
# answer make_primary handles (it reads the group before sending another).
NOT_ACTED = {409: BUSY_CODES}


class InstanceFailoverGroups:
    """The groups of one resource group of one subscription (``arm``: an ``_arm.ArmClient``)."""

    def __init__(self, arm, resource_group):
        self.arm = arm.with_not_acted(NOT_ACTED)
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


def is_on_primary_error(error):
    return isinstance(error, ApiError) and error.status == 400 and error.code in ON_PRIMARY_CODES


def is_busy_error(error):
    return isinstance(error, ApiError) and error.status == 409 and error.code in BUSY_CODES


def list_in_scopes(arm_for, scopes):
    """Every group of each scope (``{subscription_id, resource_group, location}``, its subscription given), the scopes
    read side by side, all pages.  ``arm_for(subscription_id)``: the run's ``_arm.ArmClient`` of that subscription.
    Returns (the groups, in the order of ``scopes``, each with the ``subscription_id``, ``resource_group`` and
    ``location`` of the scope it was listed in added to the fields ARM returned; ``[(scope, error)]`` of the scopes that
    answered 403 AuthorizationFailed).  Any other error is raised."""
    from ansible_collections.azure_dr.recovery.plugins.module_utils._arm import read_scopes

    scopes = [{key: scope[key] for key in ('subscription_id', 'resource_group', 'location')} for scope in scopes]

    def read(scope):
        return InstanceFailoverGroups(arm_for(scope['subscription_id']), scope['resource_group']).list(scope['location'])

    groups, denied = [], []
    for scope, (listed, error) in zip(scopes, read_scopes(scopes, read)):
        if error is not None:
            denied.append((scope, error))
        else:
            groups.extend(dict(group, **scope) for group in listed)
    return groups, denied
