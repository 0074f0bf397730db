# -*- coding: utf-8 -*-
# Copyright: contributors to the azure_dr.recovery collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The options of the failover modules (one group or a batch of them, documented in
``doc_fragments/failover.py``) and their checks, which run before any request."""

from __future__ import annotations

import re

from ansible_collections.azure_dr.recovery.plugins.module_utils._validation import (
    name_problem,
    positive_problem,
    resource_group_problem,
    uuid_problem,
)

FAILOVER_MODES = ('planned', 'forced', 'planned_then_forced')

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
