# -*- coding: utf-8 -*-
# Copyright: contributors to the azure_dr.recovery collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The two sides of a group: where each is answered (its subscription, resource group and region), the
other side found through ``properties.managedInstancePairs``, what a read of a side says (its role, its
state for the readiness checks and the DR report), and the regions seen not answering during a run."""

from __future__ import annotations

import re
import threading

from ansible_collections.azure_dr.recovery.plugins.module_utils._errors import (
    ApiError,
    AuthenticationError,
    AzureDRError,
    InputError,
)
from ansible_collections.azure_dr.recovery.plugins.module_utils._managed_instances import parse_instance_id

# The request named in a transport failure (the side is already named): 'Could not complete GET https://...: '.
_REQUEST = re.compile(r'(gave up retrying: )?(Could not complete )?(GET|POST) \S+: ')


def replication_role(group):
    return (group or {}).get('properties', {}).get('replicationRole')


def partner_roles(group):
    """{partner region: its role} as the group reports them."""
    partners = (group or {}).get('properties', {}).get('partnerRegions') or []
    return {partner.get('location'): partner.get('replicationRole') for partner in partners}


def region_state(group):
    """The role and replication state of the region the group was read at, for the DR report."""
    properties = (group or {}).get('properties') or {}
    return {'replication_role': properties.get('replicationRole'), 'replication_state': properties.get('replicationState')}


def other_side_of(group):
    """``(subscription_id, resource_group, location)`` of the side other than the one ``group`` was read at:
    the instance of ``managedInstancePairs`` that is not this side's, and the partner region; None where the
    group does not say."""
    properties = (group or {}).get('properties') or {}
    pair = (properties.get('managedInstancePairs') or [{}])[0] or {}
    key = 'partnerManagedInstanceId' if properties.get('replicationRole') == 'Primary' else 'primaryManagedInstanceId'
    subscription_id, resource_group = parse_instance_id(pair.get(key))[:2]
    location = ((properties.get('partnerRegions') or [{}])[0] or {}).get('location')
    return (subscription_id, resource_group, location)


class GroupSide:
    """One side of group ``name``: where it is answered (subscription, resource group, region).  ``groups``:
    the ``client.InstanceFailoverGroups`` of that resource group and subscription."""

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
