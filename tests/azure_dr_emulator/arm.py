# -*- coding: utf-8 -*-
# Copyright: contributors to the azure_dr.recovery collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Azure Resource Manager, Microsoft.Sql instance failover groups (api-version 2025-01-01): get,
list by location, failover and forceFailoverAllowDataLoss as long-running operations polled through
the spec example's Location URL (and optionally Azure-AsyncOperation); managed instances (2025-01-01):
get, list by subscription and by resource group; subscriptions (2022-12-01): list (those the caller
may use), get, and the regions of one (what the Azure CLI reads to turn "Japan East" into japaneast).
Microsoft.Sql calls take api-version 2025-01-01, or one of the setting arm_client_api_versions (the Azure
CLI's).  Every list is paged by the setting arm_page_size (nextLink with a $skipToken).  A subscription
seeded ``readable: false`` is listed, but every read of its resources answers 403.

Failovers are refused while one is in progress or in the busy window after one succeeded (409
InstanceFailoverGroupBusy, Retry-After busy_retry_after), while the group is SEEDING, and on the
primary side.  A planned failover whose partner region is out (see control.py: outages) is accepted
and fails PlannedFailoverTimedOut after planned_failover_timeout_seconds; a forced one goes on."""

from __future__ import annotations

import base64
import datetime
import json
from urllib.parse import unquote

from . import tokens
from .server import Response
from .state import instance_id, region_key

API_VERSION = '2025-01-01'
SUBSCRIPTIONS_API_VERSION = '2022-12-01'
# The spec example's Location URL carries another api-version; the poll accepts what it was given.
OPERATION_API_VERSION = '2022-05-01-preview'
GROUPS = r'^/subscriptions/(?P<sub>[^/]+)/resourceGroups/(?P<rg>[^/]+)/providers/Microsoft\.Sql/locations/(?P<loc>[^/]+)' \
         r'/instanceFailoverGroups'
LOCATION_SCOPE = r'^/subscriptions/(?P<sub>[^/]+)/providers/Microsoft\.Sql/locations/(?P<loc>[^/]+)'
INSTANCES = r'/providers/Microsoft\.Sql/managedInstances'
RESOURCE_GROUP = r'^/subscriptions/(?P<sub>[^/]+)/resourceGroups/(?P<rg>[^/]+)'


def routes():
    return [
        ('GET', GROUPS + r'$', list_groups),
        ('GET', GROUPS + r'/(?P<name>[^/]+)$', get_group),
        ('POST', GROUPS + r'/(?P<name>[^/]+)/(?P<action>failover|forceFailoverAllowDataLoss)$', failover),
        ('GET', LOCATION_SCOPE + r'/instanceFailoverGroupOperationResults/(?P<name>[^/]+)$', operation_result),
        ('GET', LOCATION_SCOPE + r'/instanceFailoverGroupAzureAsyncOperation/(?P<operation_id>[^/]+)$', async_operation),
        ('GET', r'^/metadata/endpoints$', cloud_metadata),
        ('GET', r'^/subscriptions$', list_subscriptions),
        ('GET', r'^/subscriptions/(?P<sub>[^/]+)$', get_subscription),
        ('GET', r'^/subscriptions/(?P<sub>[^/]+)/locations$', list_locations),
        ('GET', r'^/subscriptions/(?P<sub>[^/]+)' + INSTANCES + r'$', list_instances),
        ('GET', RESOURCE_GROUP + INSTANCES + r'$', list_instances),
        ('GET', RESOURCE_GROUP + INSTANCES + r'/(?P<name>[^/]+)$', get_instance),
    ]


def arm_error(status, code, message, headers=None, target=None):
    error = {'code': code, 'message': message}
    if target:
        error['target'] = target
    return Response(status, {'error': error}, headers)


def _caller(request, store):
    """(the token's claims, None) when the caller's token is good for ARM, else (None, the 401 answer)."""
    claims, problem = tokens.bearer_claims(request, store.data['signing_key'], store.clock())
    challenge = {'WWW-Authenticate': 'Bearer authorization_uri="%s/common", error="invalid_token"' % request.base_url}
    if problem == 'missing':
        return None, arm_error(401, 'AuthenticationFailed', "Authentication failed. The 'Authorization' header is missing.",
                               challenge)
    if problem == 'invalid':
        return None, arm_error(401, 'InvalidAuthenticationToken', 'The access token is invalid.', challenge)
    request.audience, request.caller = claims.get('aud'), claims.get('appid')
    if problem == 'expired':
        return None, arm_error(401, 'ExpiredAuthenticationToken',
                               "The access token expiry UTC time '%s' is earlier than current UTC time."
                               % datetime.datetime.fromtimestamp(claims['exp'], datetime.timezone.utc).isoformat(), challenge)
    if claims.get('aud', '').rstrip('/') not in store.settings['arm_audiences']:
        return None, arm_error(401, 'InvalidAuthenticationTokenAudience',
                               "The access token has been obtained for wrong audience or resource '%s'. It should exactly "
                               "match with one of the allowed audiences '%s'."
                               % (claims.get('aud'), store.settings['arm_audiences'][0]), challenge)
    required = store.settings.get('arm_required_acrs')
    if required and required not in (claims.get('acrs') or []):
        # Conditional access / Continuous Access Evaluation: a claims challenge, as ARM sends it.
        wanted = json.dumps({'access_token': {'acrs': {'essential': True, 'value': required}}})
        return None, arm_error(401, 'InvalidAuthenticationToken', 'The token lacks the authentication context %s.' % required,
                               {'WWW-Authenticate': 'Bearer authorization_uri="%s/common", error="insufficient_claims", '
                                                    'claims="%s"' % (request.base_url,
                                                                     base64.b64encode(wanted.encode()).decode())})
    return claims, None


def _may_use(subscription, claims):
    allowed = {str(p).lower() for p in subscription.get('principals', [])}
    return '*' in allowed or bool(allowed & tokens.principal_names(claims))


def _wrong_api_version(request, api_version, also=()):
    if request.query.get('api-version') != api_version and request.query.get('api-version') not in also:
        return arm_error(400, 'InvalidApiVersionParameter', "The api-version '%s' is invalid. The supported versions are '%s'."
                         % (request.query.get('api-version'), ','.join([api_version] + list(also))))
    return None


def _authorize(request, store, sub, action, api_version=API_VERSION):
    """None when the caller may go on, else the error answer (401, 404 subscription, 403, 400 api-version)."""
    claims, problem = _caller(request, store)
    if problem:
        return problem
    subscription = store.subscription(sub)
    if subscription is None:
        return arm_error(404, 'SubscriptionNotFound', "The subscription '%s' could not be found." % sub)
    # A principal without rights, and one that sees a subscription it may not read (readable: false), alike.
    if not _may_use(subscription, claims) or subscription.get('readable') is False:
        who = claims.get('upn') or claims.get('appid')
        return arm_error(403, 'AuthorizationFailed',
                         "The client '%s' with object id '%s' does not have authorization to perform action '%s' over "
                         "scope '/subscriptions/%s' or the scope is invalid. If access was recently granted, please "
                         "refresh your credentials." % (who, claims.get('oid'), action, sub))
    # Microsoft.Sql also answers the api-versions of Microsoft's clients (arm_client_api_versions): the CLI's is older.
    return _wrong_api_version(request, api_version,
                              store.settings.get('arm_client_api_versions') or () if api_version == API_VERSION else ())


def _page(request, store, views, api_version=API_VERSION):
    """One page of ``views`` from the request's $skipToken (an offset), with the nextLink of the next page if any."""
    size = max(1, int(store.settings['arm_page_size']))
    token = next((value for key, value in request.query.items() if key.lower() == '$skiptoken'), None) or '0'
    if not token.isdigit():
        return arm_error(400, 'InvalidSkipToken', 'The skip token is not valid.')
    start = int(token)
    page = {'value': views[start:start + size]}
    if start + size < len(views):
        page['nextLink'] = '%s%s?api-version=%s&$skipToken=%d' % (request.base_url, request.path, api_version, start + size)
    return Response(200, page)


# --- subscriptions ---

def subscription_view(store, subscription, claims):
    """A subscription as Subscriptions_Get answers (its tenant: the seed's, else the first tenant's, else the caller's)."""
    tenants = store.data['tenants']
    view = {
        'id': '/subscriptions/%s' % subscription['id'],
        'authorizationSource': 'RoleBased',
        'managedByTenants': [],
        'subscriptionId': subscription['id'],
        'tenantId': subscription.get('tenant') or (tenants[0]['id'] if tenants else claims.get('tid')),
        'displayName': subscription.get('display_name') or subscription['id'],
        'state': subscription.get('state', 'Enabled'),
        'subscriptionPolicies': {'locationPlacementId': 'Public_2014-09-01', 'quotaId': 'PayAsYouGo_2014-09-01',
                                 'spendingLimit': 'Off'},
    }
    if subscription.get('tags'):
        view['tags'] = subscription['tags']
    return view


def list_subscriptions(request, store):
    claims, problem = _caller(request, store)
    if problem:
        return problem
    wrong = _wrong_api_version(request, SUBSCRIPTIONS_API_VERSION)
    if wrong:
        return wrong
    views = [subscription_view(store, subscription, claims) for subscription in store.data['subscriptions']
             if _may_use(subscription, claims)]
    return _page(request, store, views, SUBSCRIPTIONS_API_VERSION)


def get_subscription(request, store, sub):
    sub = unquote(sub)
    claims, problem = _caller(request, store)
    if problem:
        return problem
    subscription = store.subscription(sub)
    # One the caller may not use is not found, as it is absent from the caller's list.
    if subscription is None or not _may_use(subscription, claims):
        return arm_error(404, 'SubscriptionNotFound', "The subscription '%s' could not be found." % sub)
    return _wrong_api_version(request, SUBSCRIPTIONS_API_VERSION) or Response(200, subscription_view(store, subscription, claims))


# Display names of the regions the Azure CLI may be given (it looks a name with a space up in the subscription's
# regions); a region of the state that is not here is shown as the state spells it.
REGION_NAMES = ('Australia East', 'Australia Southeast', 'Brazil South', 'Canada Central', 'Canada East', 'Central India',
                'Central US', 'East Asia', 'East US', 'East US 2', 'France Central', 'Germany West Central', 'Japan East',
                'Japan West', 'Korea Central', 'North Central US', 'North Europe', 'South Central US', 'Southeast Asia',
                'Sweden Central', 'Switzerland North', 'UK South', 'UK West', 'West Central US', 'West Europe', 'West US',
                'West US 2', 'West US 3')


def list_locations(request, store, sub):
    """Subscriptions_ListLocations (2022-12-01): the regions above and those of the state's groups and instances."""
    sub = unquote(sub)
    claims, problem = _caller(request, store)
    if problem:
        return problem
    subscription = store.subscription(sub)
    if subscription is None or not _may_use(subscription, claims):
        return arm_error(404, 'SubscriptionNotFound', "The subscription '%s' could not be found." % sub)
    wrong = _wrong_api_version(request, SUBSCRIPTIONS_API_VERSION)
    if wrong:
        return wrong
    names = {region_key(name): name for name in REGION_NAMES}
    for group in store.data['failover_groups'].values():
        for location in group['locations']:
            names.setdefault(region_key(location), location)
    for instance in store.data['managed_instances'].values():
        names.setdefault(region_key(instance['location']), instance['location'])
    return Response(200, {'value': [{
        'id': '/subscriptions/%s/locations/%s' % (sub, key), 'name': key, 'type': 'Region', 'displayName': name,
        'regionalDisplayName': name, 'metadata': {'regionType': 'Physical', 'regionCategory': 'Recommended'},
    } for key, name in sorted(names.items())]})


# --- managed instances ---

def instance_view(instance):
    """A managed instance as ManagedInstances_Get answers (the spec example's cheap fields)."""
    sub, rg, name = instance['subscription'], instance['resource_group'], instance['name']
    region = region_key(instance['location'])
    return {
        'name': name,
        'type': 'Microsoft.Sql/managedInstances',
        'id': instance_id(sub, rg, name),
        'location': region,
        'properties': {
            'administratorLogin': 'dradmin',
            'collation': 'SQL_Latin1_General_CP1_CI_AS',
            'currentBackupStorageRedundancy': instance['backup_redundancy'],
            'databaseFormat': 'SQLServer2022',
            'dnsZone': instance['dns_zone'],
            'fullyQualifiedDomainName': '%s.%s.database.windows.net' % (name, instance['dns_zone']),
            'licenseType': instance['license_type'],
            'maintenanceConfigurationId': instance['maintenance_configuration_id'],
            'minimalTlsVersion': '1.2',
            'pricingModel': 'Regular',
            'provisioningState': 'Succeeded',
            'proxyOverride': 'Default',
            'publicDataEndpointEnabled': False,
            'requestedBackupStorageRedundancy': instance['backup_redundancy'],
            'state': 'Ready',
            'storageSizeInGB': instance['storage_gb'],
            'subnetId': '/subscriptions/%s/resourceGroups/%s/providers/Microsoft.Network/virtualNetworks/vnet-%s/subnets/mi'
                        % (sub, rg, region),
            'vCores': instance['vcores'],
            'zoneRedundant': instance['zone_redundant'],
        },
        'sku': {'name': instance['sku_name'], 'capacity': instance['vcores'], 'family': instance['family'],
                'tier': instance['tier']},
    }


def list_instances(request, store, sub, rg=None):
    sub, rg = unquote(sub), rg and unquote(rg)
    denied = _authorize(request, store, sub, 'Microsoft.Sql/managedInstances/read')
    if denied:
        return denied
    return _page(request, store, [instance_view(instance) for instance in store.instances_in(sub, rg)])


def get_instance(request, store, sub, rg, name):
    sub, rg, name = unquote(sub), unquote(rg), unquote(name)
    denied = _authorize(request, store, sub, 'Microsoft.Sql/managedInstances/read')
    if denied:
        return denied
    found = store.find_instances(name, sub, rg)
    if not found:
        return arm_error(404, 'ResourceNotFound',
                         "The Resource 'Microsoft.Sql/managedInstances/%s' under resource group '%s' was not found. For more "
                         "details please go to https://aka.ms/ARMResourceNotFoundFix" % (name, rg))
    return Response(200, instance_view(found[0]))


# --- instance failover groups ---

def group_view(group, location, sub):
    """The group as ARM answers for the region ``location``: roles are those of that region."""
    here = next(loc for loc in group['locations'] if region_key(loc) == region_key(location))
    partner = next(loc for loc in group['locations'] if region_key(loc) != region_key(location))
    side = group['sides'][region_key(here)]
    primary = group['primary']
    secondary = next(loc for loc in group['locations'] if loc != primary)
    role = 'Primary' if here == primary else 'Secondary'
    return {
        'id': '/subscriptions/%s/resourceGroups/%s/providers/Microsoft.Sql/locations/%s/instanceFailoverGroups/%s' % (
            side['subscription'], side['resource_group'], here.replace(' ', ''), group['name']),
        'name': group['name'],
        'type': 'Microsoft.Sql/locations/instanceFailoverGroups',
        'properties': {
            'readWriteEndpoint': _read_write_endpoint(group),
            'readOnlyEndpoint': {'failoverPolicy': 'Disabled'},
            'replicationRole': role,
            'replicationState': group['replication_state'],
            'partnerRegions': [{'location': partner, 'replicationRole': 'Secondary' if role == 'Primary' else 'Primary'}],
            'managedInstancePairs': [{'primaryManagedInstanceId': group['managed_instances'][primary],
                                      'partnerManagedInstanceId': group['managed_instances'][secondary]}],
            'secondaryType': group['secondary_type'],
        },
    }


def _read_write_endpoint(group):
    """A grace period only comes with the Automatic policy (ARM refuses one given with Manual)."""
    if group['failover_policy'] == 'Manual':
        return {'failoverPolicy': 'Manual'}
    return {'failoverPolicy': 'Automatic', 'failoverWithDataLossGracePeriodMinutes': group['grace_period_minutes']}


def _not_found(rg, loc, name):
    return arm_error(404, 'ResourceNotFound',
                     "The Resource 'Microsoft.Sql/locations/%s/instanceFailoverGroups/%s' under resource group '%s' "
                     "was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix"
                     % (loc.replace(' ', ''), name, rg))


def _group_at(store, sub, rg, loc, name):
    return store.group_at(sub, rg, loc, name)


def list_groups(request, store, sub, rg, loc):
    sub, rg, loc = unquote(sub), unquote(rg), unquote(loc)
    denied = _authorize(request, store, sub, 'Microsoft.Sql/locations/instanceFailoverGroups/read')
    if denied:
        return denied
    views = [group_view(group, loc, sub) for group in sorted(store.groups_in(sub, rg, loc), key=lambda g: g['name'])]
    return _page(request, store, views)


def get_group(request, store, sub, rg, loc, name):
    sub, rg, loc, name = unquote(sub), unquote(rg), unquote(loc), unquote(name)
    denied = _authorize(request, store, sub, 'Microsoft.Sql/locations/instanceFailoverGroups/read')
    if denied:
        return denied
    group = _group_at(store, sub, rg, loc, name)
    if group is None:
        return _not_found(rg, loc, name)
    return Response(200, group_view(group, loc, sub))


def failover(request, store, sub, rg, loc, name, action):
    sub, rg, loc, name = unquote(sub), unquote(rg), unquote(loc), unquote(name)
    denied = _authorize(request, store, sub, 'Microsoft.Sql/locations/instanceFailoverGroups/%s/action' % action)
    if denied:
        return denied
    group = _group_at(store, sub, rg, loc, name)
    if group is None:
        return _not_found(rg, loc, name)
    refused = _refusal(store, group, loc, name)
    if refused:
        return refused
    forced = action == 'forceFailoverAllowDataLoss'
    partner = next(location for location in group['locations'] if region_key(location) != region_key(loc))
    if not forced and store.outage(partner):  # decided when accepted, as the partner is asked then
        polls = store.settings.get('planned_failover_timeout_polls')
        operation = store.start_failover(group, loc, forced, error=_planned_timeout(name, partner),
                                         duration=store.settings['planned_failover_timeout_seconds'], polls=polls)
    else:
        operation = store.start_failover(group, loc, forced)
    return Response(202, None, _polling_headers(request, store, sub, loc, name, operation))


def _busy(name, headers=None):
    return arm_error(409, 'InstanceFailoverGroupBusy',
                     "The instance failover group '%s' is busy with another operation. Please try your operation "
                     "later." % name, headers)


def _refusal(store, group, loc, name):
    """The answer to a failover the group cannot take now, else None."""
    operation = group.get('operation')
    if operation and operation['status'] == 'InProgress':
        store.answered_running(group)  # a failover counted in polls counts this refusal as one
        return _busy(name)
    if store.take_busy(group):  # the settling time after a failover: answered on either side
        return _busy(name, {'Retry-After': str(store.settings['busy_retry_after'])})
    if group['replication_state'] == 'SEEDING':
        # Azure documents no seeding-specific code: this is the documented one whose description fits, "409
        # InvalidDatabaseStateForOperation - The operation is not allowed on the database in its current replication
        # state" (the failover's Error Responses, learn.microsoft.com/rest/api/sql/instance-failover-groups/failover).
        # Deliberately not a code clients retry (InstanceFailoverGroupBusy, ConflictingServerOperation).
        return arm_error(409, 'InvalidDatabaseStateForOperation',
                         "The operation is not allowed on the databases of instance failover group '%s' in their current "
                         "replication state 'SEEDING'. Wait for the initial seeding to complete, then try again." % name)
    if region_key(group['primary']) == region_key(loc):
        return arm_error(400, 'InstanceFailoverGroupFailoverRequestOnPrimary',
                         "The failover request for instance failover group '%s' was issued on the primary region '%s'. "
                         "Failover requests must be issued on the secondary region." % (name, loc))
    return None


def _planned_timeout(name, partner):
    """The error of a planned failover whose primary could not be reached (code and status as documented)."""
    return {'status': 400, 'code': 'PlannedFailoverTimedOut',
            'message': "The planned failover of instance failover group '%s' timed out while trying to contact the "
                       "primary managed instance in region '%s'. If the primary region is unavailable, use forced "
                       "failover (forceFailoverAllowDataLoss), which may result in data loss." % (name, partner)}


def _polling_headers(request, store, sub, loc, name, operation):
    scope = '%s/subscriptions/%s/providers/Microsoft.Sql/locations/%s' % (request.base_url, sub, loc.replace(' ', ''))
    headers = {
        'Location': '%s/instanceFailoverGroupOperationResults/%s?api-version=%s' % (scope, name, OPERATION_API_VERSION),
        'Retry-After': str(store.settings['arm_retry_after']),
    }
    if store.settings['arm_async_operation']:
        headers['Azure-AsyncOperation'] = '%s/instanceFailoverGroupAzureAsyncOperation/%s?api-version=%s' % (
            scope, operation['id'], API_VERSION)
    return headers


def operation_result(request, store, sub, loc, name):
    sub, loc, name = unquote(sub), unquote(loc), unquote(name)
    denied = _authorize(request, store, sub, 'Microsoft.Sql/locations/instanceFailoverGroupOperationResults/read',
                        api_version=request.query.get('api-version') or OPERATION_API_VERSION)
    if denied:
        return denied
    group = store.group_by_name(sub, loc, name)
    operation = group.get('operation') if group else None
    if operation is None:
        return arm_error(404, 'ResourceNotFound', "No operation was found for instance failover group '%s'." % name)
    if operation['status'] == 'InProgress':
        store.answered_running(group)
        return Response(202, None, _polling_headers(request, store, sub, loc, name, operation))
    if operation['status'] in ('Failed', 'Canceled'):
        error = operation['error']
        return arm_error(int(error.get('status', 400)), error.get('code', 'FailoverFailed'),
                         error.get('message', 'The failover operation failed.'))
    return Response(200, group_view(group, loc, sub))


def async_operation(request, store, sub, loc, operation_id):
    sub, loc = unquote(sub), unquote(loc)
    denied = _authorize(request, store, sub, 'Microsoft.Sql/locations/instanceFailoverGroupAzureAsyncOperation/read')
    if denied:
        return denied
    for group in store.data['failover_groups'].values():
        operation = group.get('operation')
        if operation and operation['id'] == operation_id:
            if operation['status'] == 'InProgress':
                store.answered_running(group)
            body = {'name': operation_id, 'status': operation['status'],
                    'startTime': _iso(operation['started'])}
            if operation['status'] != 'InProgress':
                body['endTime'] = _iso(operation['ends'])
            if operation['status'] in ('Failed', 'Canceled'):
                body['error'] = {'code': operation['error'].get('code', 'FailoverFailed'),
                                 'message': operation['error'].get('message', 'The failover operation failed.')}
            headers = {'Retry-After': str(store.settings['arm_retry_after'])} if operation['status'] == 'InProgress' else {}
            return Response(200, body, headers)
    return arm_error(404, 'ResourceNotFound', "Operation '%s' was not found." % operation_id)


def cloud_metadata(request, store):
    """Cloud metadata in the shape of ``{arm}/metadata/endpoints``, pointing every endpoint here."""
    return Response(200, {
        'name': 'AzureDREmulator',
        'resourceManager': request.base_url + '/',
        'authentication': {'loginEndpoint': request.base_url + '/',
                           'audiences': ['https://management.azure.com/', 'https://management.core.windows.net/'],
                           'tenant': 'common', 'identityProvider': 'AAD'},
        'portal': request.base_url, 'graph': request.base_url + '/', 'graphAudience': request.base_url,
        'suffixes': {'sqlServerHostname': '.database.windows.net', 'storage': 'core.windows.net'},
    })


def _iso(epoch):
    return datetime.datetime.fromtimestamp(epoch, datetime.timezone.utc).strftime('%Y-%m-%dT%H:%M:%S.%fZ')
