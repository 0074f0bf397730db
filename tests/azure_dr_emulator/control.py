# -*- coding: utf-8 -*-
# Copyright: contributors to the azure_dr.recovery collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The control API under /_emulator/: reset and seed, settings, the request log, faults that
tests arm for the next N matching requests (status and body, delay, dropped connection) or for the
next long-running operation (ends Failed), regional outages, and failover group state.

    POST   /_emulator/outages       {"location": "Japan West", "mode": "timeout" | "unavailable"}
    DELETE /_emulator/outages[?location=...]   ends every outage, or that region's
    POST   /_emulator/group-state   {"name", "replication_state"?, "failover_policy"?, "busy_seconds"?,
                                     "busy_requests"?, "busy"?, "subscription"?, "resource_group"?}
    POST   /_emulator/failover-holds   {"name"?, "subscription"?, "resource_group"?}   holds that group's
                                     failovers (without a name: every group's), the running one included
    DELETE /_emulator/failover-holds[?name=...&subscription=...&resource_group=...]   releases every hold, or
                                     that group's: a released failover ends at the next request
    POST   /_emulator/client-certificates   {"client_id", "certificate_pem", "tenant"?}
    POST   /_emulator/failover-groups   a seed's failover_groups entry: {"name", "sides": [{"location", "subscription",
                                     "resource_group"}, ...] or "subscription", "resource_group", "locations",
                                     "primary"?, "secondary_type"?, ...}; adds the group, and each instance it names
                                     that does not exist yet, with the defaults
    POST   /_emulator/managed-instance-size   {"name", "subscription"?, "resource_group"?, and any of "sku_name",
                                     "tier", "family", "vcores", "storage_gb", "license_type", "zone_redundant",
                                     "backup_redundancy", "maintenance_configuration_id"}
    POST   /_emulator/role-swap     {"name", "subscription"?, "resource_group"?, "primary"?}   a Microsoft-managed (or
                                     portal) failover: the group's primary becomes "primary" (default: its other
                                     region) at once, with no failover request and no operation; 409 while a failover
                                     of the group runs; answers {"name", "primary", "previous_primary"}
    POST   /_emulator/workspace-state   {"id" or "name", "state": "Deleted" | "Active", "deleted_days_ago"?,
                                     "retention_days"?}   a workspace deleted (now, or that many days ago; retention
                                     7 days, 30 for a personal one, unless given) or made active again, as the
                                     Fabric portal does; a name matching several workspaces is refused (give the id)

While a region is out, every ARM request whose path names it is answered 503 ServiceUnavailable
(Retry-After: setting outage_retry_after) or, in mode timeout, held unanswered for outage_hang_seconds
and then cut; it is logged with "outage": true.  A planned failover to the partner of an out region
fails PlannedFailoverTimedOut (see arm.py), after planned_failover_timeout_polls polls when that setting
is set, else after planned_failover_timeout_seconds.  busy_seconds makes the group's failovers answer
busy for that long from now, as they do for post_failover_busy_seconds after each failover; busy_requests
makes its next that many failover requests (on either side) answer busy, as post_failover_busy_requests
does after each failover (each with Retry-After: busy_retry_after); "busy": true makes them all answer busy
until "busy": false (or a reset).  A held failover answers "running" to
its polls and busy to failovers of its group, whatever its failover_polls or failover_seconds say,
until it is released; holds are runtime state (a reset or restart forgets them).  A client
certificate registered for an application (replacing any before it) is what its certificate
assertions are checked against (see entra.py); a reset forgets it unless the seed has it.  Failover groups
added and instances resized are state like the seed's (saved, kept over a restart, undone by a reset);
a group whose name is already taken in a side's subscription and resource group is refused 409.  A
resized instance reads its new size at once (ARM's hours of scaling are not emulated); a new sku_name
alone sets tier and family, a new tier or family alone renames the SKU."""

from __future__ import annotations

from .server import Response
from .arm import instance_view
from .fabric import workspace_view
from .state import INSTANCE_SIZE_KEYS, apply_size, group_key, group_problem, group_seed_problem, instance_problem, region_key

FAULT_KEYS = frozenset(('method', 'path', 'count', 'skip', 'status', 'body', 'headers', 'retry_after', 'delay', 'drop'))
OUTAGE_KEYS = frozenset(('location', 'mode'))
OUTAGE_MODES = ('timeout', 'unavailable')
GROUP_STATE_KEYS = frozenset(('name', 'subscription', 'resource_group', 'replication_state', 'failover_policy', 'busy_seconds',
                              'busy_requests', 'busy'))
HOLD_KEYS = frozenset(('name', 'subscription', 'resource_group'))
ROLE_SWAP_KEYS = frozenset(('name', 'subscription', 'resource_group', 'primary'))
WORKSPACE_STATE_KEYS = frozenset(('id', 'name', 'state', 'deleted_days_ago', 'retention_days'))
CERTIFICATE_KEYS = frozenset(('client_id', 'tenant', 'certificate_pem'))
INSTANCE_KEYS = frozenset(('name', 'subscription', 'resource_group') + INSTANCE_SIZE_KEYS)


def routes():
    return [
        ('GET', r'^/_emulator/health$', health),
        ('POST', r'^/_emulator/reset$', reset),
        ('GET', r'^/_emulator/state$', state),
        ('POST', r'^/_emulator/settings$', settings),
        ('GET', r'^/_emulator/requests$', requests_log),
        ('DELETE', r'^/_emulator/requests$', clear_requests),
        ('POST', r'^/_emulator/faults$', add_fault),
        ('GET', r'^/_emulator/faults$', list_faults),
        ('DELETE', r'^/_emulator/faults$', clear_faults),
        ('POST', r'^/_emulator/lro-faults$', add_lro_fault),
        ('POST', r'^/_emulator/outages$', add_outage),
        ('DELETE', r'^/_emulator/outages$', end_outages),
        ('POST', r'^/_emulator/group-state$', set_group_state),
        ('POST', r'^/_emulator/failover-holds$', add_hold),
        ('DELETE', r'^/_emulator/failover-holds$', release_holds),
        ('POST', r'^/_emulator/client-certificates$', register_client_certificate),
        ('POST', r'^/_emulator/failover-groups$', add_failover_group),
        ('POST', r'^/_emulator/managed-instance-size$', resize_instance),
        ('POST', r'^/_emulator/role-swap$', swap_roles),
        ('POST', r'^/_emulator/workspace-state$', set_workspace_state),
    ]


def _bad(message):
    return Response(400, {'error': {'code': 'BadControlRequest', 'message': message}})


def _unknown(body, known, what):
    """What is wrong when ``body`` has fields not in ``known``, else None."""
    unknown = set(body) - known
    return 'unknown %s: %s' % (what, ', '.join(sorted(unknown))) if unknown else None


def health(request, store):
    return Response(200, {'status': 'ok', 'base_url': request.base_url})


def reset(request, store):
    """Back to the seed the emulator started with, or to the seed document in the body."""
    try:
        store.reset(request.json())
    except ValueError as exc:  # a seed value out of its choices: the state is left as it was
        return _bad(str(exc))
    return Response(200, {'status': 'reset'})


def state(request, store):
    """What tests check: who is primary where, operations, workspaces (no keys, no secrets)."""
    return Response(200, {
        'settings': store.settings,
        'failover_groups': list(store.data['failover_groups'].values()),
        'managed_instances': list(store.data['managed_instances'].values()),
        'workspaces': list(store.data['workspaces'].values()),
        'fabric_operations': list(store.data['fabric_operations'].values()),
        'outages': list(store.outages.values()),
        'failover_holds': sorted(store.holds),
        'now': store.clock(),
    })


def settings(request, store):
    changes = request.json() or {}
    problem = _unknown(changes, set(store.settings), 'settings')
    if problem:
        return _bad(problem)
    store.settings.update(changes)
    store.save()
    return Response(200, store.settings)


def requests_log(request, store):
    return Response(200, {'requests': store.requests})


def clear_requests(request, store):
    store.requests = []
    return Response(200, {'requests': []})


def add_fault(request, store):
    """Body: {"method", "path" (regex), "count" (default 1), "skip" (matching requests let through first), and one of: "status" (+ "body", "headers",
    "retry_after"), "delay" (seconds, then answer normally), "drop" (close without answering)}."""
    fault = request.json() or {}
    problem = _unknown(fault, FAULT_KEYS, 'fault fields')
    if problem:
        return _bad(problem)
    if not (fault.get('status') or fault.get('delay') or fault.get('drop')):
        return _bad('a fault needs status, delay or drop')
    fault['remaining'] = int(fault.get('count', 1))
    store.faults.append(fault)
    return Response(201, fault)


def list_faults(request, store):
    return Response(200, {'faults': store.faults, 'lro_faults': store.lro_faults})


def clear_faults(request, store):
    store.faults, store.lro_faults = [], []
    return Response(200, {'faults': []})


LRO_FINAL_STATUSES = {'arm': ('Failed', 'Canceled'), 'fabric': ('Failed', 'Undefined'), None: ('Failed',)}


def add_lro_fault(request, store):
    """Body: {"api": "arm" | "fabric" (default both), "code", "message", "status" (ARM poll answer, default 400),
    "final_status" (default Failed; ARM also Canceled, Fabric also Undefined)}: the next long-running
    operation ends with that status and error."""
    fault = request.json() or {}
    if fault.get('api') not in (None, 'arm', 'fabric'):
        return _bad('api must be arm or fabric')
    if fault.get('final_status', 'Failed') not in LRO_FINAL_STATUSES[fault.get('api')]:
        return _bad('final_status must be one of %s' % ', '.join(LRO_FINAL_STATUSES[fault.get('api')]))
    store.lro_faults.append(fault)
    return Response(201, fault)


def _outage_problem(outage):
    unknown = _unknown(outage, OUTAGE_KEYS, 'outage fields')
    if unknown:
        return unknown
    if not isinstance(outage.get('location'), str) or not outage['location'].strip():
        return 'an outage needs a location'
    if outage.get('mode') not in OUTAGE_MODES:
        return 'mode must be one of %s, not %r' % (', '.join(OUTAGE_MODES), outage.get('mode'))
    return None


def add_outage(request, store):
    """The region stays out until DELETE /_emulator/outages or a reset; posted again, it takes the new mode."""
    outage = request.json() or {}
    problem = _outage_problem(outage)
    if problem:
        return _bad(problem)
    store.outages[region_key(outage['location'])] = outage
    return Response(201, outage)


def end_outages(request, store):
    location = request.query.get('location')
    if location is None:
        store.outages.clear()
    else:
        store.outages.pop(region_key(location), None)
    return Response(200, {'outages': list(store.outages.values())})


def _group_state_problem(changes):
    unknown = _unknown(changes, GROUP_STATE_KEYS, 'group-state fields')
    if unknown:
        return unknown
    if not isinstance(changes.get('name'), str) or not changes['name']:
        return 'group-state needs the name of a failover group'
    busy = changes.get('busy_seconds')
    if busy is not None and (isinstance(busy, bool) or not isinstance(busy, (int, float)) or busy < 0):
        return 'busy_seconds must be a number of seconds, not %r' % (busy,)
    count = changes.get('busy_requests')
    if count is not None and (isinstance(count, bool) or not isinstance(count, int) or count < 0):
        return 'busy_requests must be a number of requests, not %r' % (count,)
    if 'busy' in changes and not isinstance(changes['busy'], bool):
        return 'busy must be true or false, not %r' % (changes['busy'],)
    return group_problem(changes)


def _pick_group(store, changes):
    """(the one group the body names, None), or (None, the error answer)."""
    found = store.find_groups(changes['name'], changes.get('subscription'), changes.get('resource_group'))
    where = ''.join(' in %s %s' % (key.replace('_', ' '), changes[key]) for key in ('subscription', 'resource_group')
                    if changes.get(key))
    if not found:
        return None, Response(404, {'error': {'code': 'NotFound',
                                              'message': 'no failover group is named %s%s' % (changes['name'], where)}})
    if len(found) > 1:
        return None, _bad('%d failover groups are named %s%s: give subscription and resource_group to pick one'
                          % (len(found), changes['name'], where))
    return found[0], None


def set_group_state(request, store):
    """Changes a failover group at run time: replication state, failover policy, a busy window from now."""
    changes = request.json() or {}
    problem = _group_state_problem(changes)
    if problem:
        return _bad(problem)
    group, error = _pick_group(store, changes)
    if error:
        return error
    group.update({key: changes[key] for key in ('replication_state', 'failover_policy') if key in changes})
    if changes.get('busy_seconds') is not None:
        group['busy_until'] = store.clock() + changes['busy_seconds']
    if changes.get('busy_requests') is not None:
        group['busy_requests'] = changes['busy_requests']
    if 'busy' in changes:
        group['busy_held'] = changes['busy']
    store.save()
    return Response(200, group)


def _hold_key(store, body):
    """(the key of the group the body names, or '*' without a name; None), or (None, the error answer)."""
    problem = _unknown(body, HOLD_KEYS, 'failover-hold fields')
    if problem:
        return None, _bad(problem)
    if not body.get('name'):
        if body.get('subscription') or body.get('resource_group'):
            return None, _bad('a failover hold with a subscription or resource_group needs the name of a failover group')
        return '*', None
    group, error = _pick_group(store, body)
    if error:
        return None, error
    return group_key(group['subscription'], group['resource_group'], group['name']), None


def add_hold(request, store):
    """The named group's failovers (without a name: every group's) stay running, the one running now included,
    until DELETE /_emulator/failover-holds or a reset."""
    key, error = _hold_key(store, request.json() or {})
    if error:
        return error
    store.holds[key] = True
    return Response(201, {'failover_holds': sorted(store.holds)})


def release_holds(request, store):
    """Without a name every hold ends; a failover no longer held ends at the next request."""
    body = dict(request.query)
    if not body:
        released = store.release(list(store.holds))
    else:
        key, error = _hold_key(store, body)
        if error:
            return error
        released = store.release([key])
    return Response(200, {'released': released, 'failover_holds': sorted(store.holds)})


def _certificate_problem(body):
    unknown = _unknown(body, CERTIFICATE_KEYS, 'client-certificate fields')
    if unknown:
        return unknown
    if not isinstance(body.get('client_id'), str) or not body['client_id']:
        return 'a client certificate needs the client_id of an application'
    pem = body.get('certificate_pem')
    if not isinstance(pem, str) or '-----BEGIN CERTIFICATE-----' not in pem:
        return 'certificate_pem must be a PEM certificate'
    if 'PRIVATE KEY' in pem:
        return 'certificate_pem must hold the certificate only, not its private key'
    from cryptography import x509

    try:
        x509.load_pem_x509_certificate(pem.encode())
    except ValueError as exc:
        return 'certificate_pem is not a valid certificate: %s' % exc
    return None


def register_client_certificate(request, store):
    """Registers the certificate of an application (a service principal of the seed), as uploading it to
    the app registration does: from then on its assertions must be signed with that certificate's key."""
    body = request.json() or {}
    problem = _certificate_problem(body)
    if problem:
        return _bad(problem)
    tenant = body.get('tenant')
    found = [client for client in store.data['clients'] if client['client_id'].lower() == body['client_id'].lower()
             and (tenant is None or client['tenant'].lower() == tenant.lower())]
    if not found:
        return Response(404, {'error': {'code': 'NotFound', 'message': 'no application has the client id %s%s'
                                        % (body['client_id'], ' in tenant %s' % tenant if tenant else '')}})
    if len(found) > 1:
        return _bad('%d applications have the client id %s: give tenant to pick one' % (len(found), body['client_id']))
    found[0]['certificate_pem'] = body['certificate_pem']
    store.save()
    return Response(201, {'client_id': found[0]['client_id'], 'tenant': found[0]['tenant']})


def add_failover_group(request, store):
    """Adds a failover group as a seed entry would (with the instances it names that do not exist yet)."""
    body = request.json() or {}
    problem = group_seed_problem(body)
    if problem:
        return _bad(problem)
    sides = body.get('sides') or [{'location': location, 'subscription': body['subscription'],
                                   'resource_group': body['resource_group']} for location in body['locations']]
    # Each side answers at its own path: two groups there of one name could not be told apart (and the state keeps
    # groups by the first side's subscription, resource group and name).
    for side in sides:
        if store.group_at(side['subscription'], side['resource_group'], side['location'], body['name']) or group_key(
                side['subscription'], side['resource_group'], body['name']) in store.data['failover_groups']:
            return Response(409, {'error': {'code': 'Conflict', 'message': 'a failover group named %s is already in %s %s'
                                            % (body['name'], side['subscription'], side['resource_group'])}})
    return Response(201, store.add_group(body))


def resize_instance(request, store):
    """Changes a managed instance's sizes; answers the instance as ARM now shows it."""
    body = request.json() or {}
    problem = _unknown(body, INSTANCE_KEYS, 'managed-instance-size fields') or instance_problem(body)
    if not problem and (not isinstance(body.get('name'), str) or not body['name']):
        problem = 'managed-instance-size needs the name of a managed instance'
    if problem:
        return _bad(problem)
    found = store.find_instances(body['name'], body.get('subscription'), body.get('resource_group'))
    where = ''.join(' in %s %s' % (key.replace('_', ' '), body[key]) for key in ('subscription', 'resource_group')
                    if body.get(key))
    if not found:
        return Response(404, {'error': {'code': 'NotFound', 'message': 'no managed instance is named %s%s' % (body['name'], where)}})
    if len(found) > 1:
        return _bad('%d managed instances are named %s%s: give subscription and resource_group to pick one'
                    % (len(found), body['name'], where))
    instance = found[0]
    apply_size(instance, {key: body[key] for key in INSTANCE_SIZE_KEYS if key in body})
    store.save()
    return Response(200, instance_view(instance))


def swap_roles(request, store):
    """The group's primary moves at once, as a Microsoft-managed failover (or one from the portal) moves it: no
    failover request, no operation, nothing in the request log but this control call."""
    body = request.json() or {}
    problem = _unknown(body, ROLE_SWAP_KEYS, 'role-swap fields')
    if not problem and (not isinstance(body.get('name'), str) or not body['name']):
        problem = 'role-swap needs the name of a failover group'
    if not problem and 'primary' in body and not isinstance(body['primary'], str):
        problem = 'primary must be the location of one of the group\'s sides, not %r' % (body['primary'],)
    if problem:
        return _bad(problem)
    group, error = _pick_group(store, body)
    if error:
        return error
    previous = group['primary']
    wanted = body.get('primary') or next(location for location in group['locations'] if location != previous)
    target = next((location for location in group['locations'] if region_key(location) == region_key(wanted)), None)
    if target is None:
        return _bad('primary must be one of %s, not %r' % (', '.join(group['locations']), wanted))
    operation = group.get('operation')
    if operation and operation['status'] == 'InProgress':
        return Response(409, {'error': {'code': 'Conflict', 'message': 'a failover of %s is running' % group['name']}})
    group['primary'] = target
    store.save()
    return Response(200, {'name': group['name'], 'primary': target, 'previous_primary': previous})


def _workspace_state_problem(body):
    problem = _unknown(body, WORKSPACE_STATE_KEYS, 'workspace-state fields')
    if problem:
        return problem
    if bool(body.get('id')) == bool(body.get('name')):
        return 'workspace-state needs exactly one of id and name'
    if body.get('state') not in ('Deleted', 'Active'):
        return 'state must be Deleted or Active, not %r' % (body.get('state'),)
    for key in ('deleted_days_ago', 'retention_days'):
        value = body.get(key)
        if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0):
            return '%s must be a number of days, not %r' % (key, value)
    if body['state'] == 'Active' and ('deleted_days_ago' in body or 'retention_days' in body):
        return 'deleted_days_ago and retention_days go with state Deleted'
    return None


def set_workspace_state(request, store):
    """A workspace deleted or made active again, as the portal does; answers it as the admin API shows it."""
    body = request.json() or {}
    problem = _workspace_state_problem(body)
    if problem:
        return _bad(problem)
    if body.get('id'):
        found = [store.data['workspaces'][body['id'].lower()]] if body['id'].lower() in store.data['workspaces'] else []
    else:
        found = [workspace for workspace in store.data['workspaces'].values() if workspace['name'].lower() == body['name'].lower()]
    if not found:
        return Response(404, {'error': {'code': 'NotFound', 'message': 'no workspace is %s %s' % (
            'id' if body.get('id') else 'named', body.get('id') or body.get('name'))}})
    if len(found) > 1:
        return _bad('%d workspaces are named %s: give the id of one (%s)' % (
            len(found), body['name'], ', '.join(sorted(workspace['id'] for workspace in found))))
    workspace = found[0]
    if body['state'] == 'Deleted':
        workspace['state'] = 'Deleted'
        workspace['deleted_at'] = store.clock() - float(body.get('deleted_days_ago') or 0) * 86400
        workspace['retention_days'] = body.get('retention_days', 30 if workspace['type'] == 'Personal' else 7)
    else:  # active again, as it was (a restore through the API is what renames, or makes a personal one ordinary)
        workspace['state'] = 'Active'
        workspace.pop('deleted_at', None)
        workspace.pop('retention_days', None)
    store.save()
    return Response(200, workspace_view(workspace))
