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

    def list(self, location, budget=None):
        return self.arm.list(self._path(location), API_VERSION, budget=budget)

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


def list_in_scopes(arm_for, scopes, region_budget=None):
    """Every group of each scope (``{subscription_id, resource_group, location}``, its subscription given), the scopes
    read side by side, all pages.  ``arm_for(subscription_id)``: the run's ``_arm.ArmClient`` of that subscription.
    Returns (the groups, in the order of ``scopes``, each with the ``subscription_id``, ``resource_group`` and
    ``location`` of the scope it was listed in added to the fields ARM returned; ``[(scope, error)]`` of the scopes that
    answered 403 AuthorizationFailed; ``[(scope, reason)]`` of those whose region did not answer).  With
    ``region_budget`` (seconds), a region whose listing times out, cannot be reached or answers 5xx for that long does
    not answer, and its other scopes are not waited on (a region down costs one budget); without it, and for any other
    error, the error is raised."""
    from ansible_collections.azure_dr.recovery.plugins.module_utils._arm import read_scopes
    from ansible_collections.azure_dr.recovery.plugins.module_utils._errors import AuthenticationError, AzureDRError, InputError
    from ansible_collections.azure_dr.recovery.plugins.module_utils._failover_groups.sides import RegionHealth

    scopes = [{key: scope[key] for key in ('subscription_id', 'resource_group', 'location')} for scope in scopes]
    health = RegionHealth()

    def read(scope):
        if region_budget is None:
            return InstanceFailoverGroups(arm_for(scope['subscription_id']), scope['resource_group']).list(scope['location']), None
        known = health.down(scope['location'])
        if known:
            return None, known
        try:
            return InstanceFailoverGroups(arm_for(scope['subscription_id']), scope['resource_group']).list(
                scope['location'], budget=region_budget), None
        except (AuthenticationError, InputError):
            raise
        except ApiError as error:
            if error.status < 500:
                raise
            reason = '%s did not answer: %s' % (scope['location'], error.cause())
        except AzureDRError as error:  # time-outs, connection failures, beyond the budget
            reason = '%s did not answer within %.0f s (%s)' % (scope['location'], region_budget, error.cause())
        health.mark_down(scope['location'], reason)
        return None, reason

    groups, denied, unanswered = [], [], []
    for scope, (outcome, error) in zip(scopes, read_scopes(scopes, read)):
        if error is not None:
            denied.append((scope, error))
            continue
        listed, reason = outcome
        if reason:
            unanswered.append((scope, reason))
        else:
            groups.extend(dict(group, **scope) for group in listed)
    return groups, denied, unanswered
