# -*- coding: utf-8 -*-
# Copyright: contributors to the azure_dr.recovery collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Client of Azure SQL Managed Instance instance failover groups (Microsoft.Sql, api-version
2025-01-01), and the facts the modules decide on: the role of a region, its partner."""

from __future__ import annotations

import re

from ansible_collections.azure_dr.recovery.plugins.module_utils._errors import ApiError

API_VERSION = '2025-01-01'

# Failover sent to the region that is already primary (someone else failed it over meanwhile).
ON_PRIMARY_CODES = frozenset(('InstanceFailoverGroupFailoverRequestOnPrimary', 'InstanceFailoverGroupNotSecondary'))

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
