# -*- coding: utf-8 -*-
# Copyright: contributors to the azure_dr.recovery collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Azure SQL Managed Instances (Microsoft.Sql, api-version 2025-01-01), for discovery, drift and parity: the REST
reads (one instance, a resource group's, a subscription's; every page) and the shape a module returns for each
instance (``instance_facts``: the fields compared between the two sides of a failover group, and the raw resource)."""

from __future__ import annotations

import re

API_VERSION = '2025-01-01'

_INSTANCE_ID = re.compile(r'^/subscriptions/([^/]+)/resourceGroups/([^/]+)/providers/Microsoft\.Sql/managedInstances/([^/]+)$',
                          re.IGNORECASE)


class ManagedInstances:
    """The managed instances of one subscription (``arm``: an ``_arm.ArmClient`` of that subscription)."""

    def __init__(self, arm):
        self.arm = arm

    def _path(self, resource_group=None, *rest):
        scope = ('resourceGroups', resource_group) if resource_group else ()
        return self.arm.path(*(scope + ('providers', 'Microsoft.Sql', 'managedInstances') + rest))

    def get(self, resource_group, name):
        """The instance ``name`` of ``resource_group``, or None when it (or its resource group) does not exist."""
        return self.arm.get_or_none(self._path(resource_group, name), API_VERSION)

    def list(self, resource_group=None):
        """Every instance of ``resource_group``, or of the whole subscription without one (all pages)."""
        return self.arm.list(self._path(resource_group), API_VERSION)


def parse_instance_id(resource_id):
    """``(subscription_id, resource_group, name)`` of a managed instance's full id (as
    ``managedInstancePairs`` name them); ``(None, None, None)`` for anything else."""
    match = _INSTANCE_ID.match(str(resource_id or ''))
    return match.groups() if match else (None, None, None)


def instance_facts(resource):
    """The instance as the modules return it: snake_case fields, where it lives (from its id), and the raw ARM
    ``resource``.  A field the resource does not carry is None."""
    properties = resource.get('properties') or {}
    sku = resource.get('sku') or {}
    subscription_id, resource_group, dummy = parse_instance_id(resource.get('id'))
    return {
        'id': resource.get('id'),
        'name': resource.get('name'),
        'subscription_id': subscription_id,
        'resource_group': resource_group,
        'location': resource.get('location'),
        'sku_name': sku.get('name'),
        'tier': sku.get('tier'),
        'family': sku.get('family'),
        'capacity': sku.get('capacity'),
        'v_cores': properties.get('vCores'),
        'storage_size_in_gb': properties.get('storageSizeInGB'),
        'license_type': properties.get('licenseType'),
        'zone_redundant': properties.get('zoneRedundant'),
        'backup_storage_redundancy': properties.get('requestedBackupStorageRedundancy'),
        'maintenance_configuration_id': properties.get('maintenanceConfigurationId'),
        'state': properties.get('state'),
        'resource': resource,
    }


def sort_key(facts):
    """The order of the instances a module returns: subscription, resource group, name (case-insensitive), id."""
    return tuple(str(facts.get(key) or '').lower() for key in ('subscription_id', 'resource_group', 'name', 'id'))
