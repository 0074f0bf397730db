# -*- coding: utf-8 -*-
# Copyright: contributors to the azure_dr.recovery collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The control API under /_emulator/: reset and seed, settings, the request log, and faults that
tests arm for the next N matching requests (status and body, delay, dropped connection) or for the
next long-running operation (ends Failed)."""

from __future__ import annotations

from .server import Response

FAULT_KEYS = frozenset(('method', 'path', 'count', 'skip', 'status', 'body', 'headers', 'retry_after', 'delay', 'drop'))


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
    ]


def _bad(message):
    return Response(400, {'error': {'code': 'BadControlRequest', 'message': message}})


def health(request, store):
    return Response(200, {'status': 'ok', 'base_url': request.base_url})


def reset(request, store):
    """Back to the seed the emulator started with, or to the seed document in the body."""
    store.reset(request.json())
    return Response(200, {'status': 'reset'})


def state(request, store):
    """What tests check: who is primary where, operations, workspaces (no keys, no secrets)."""
    return Response(200, {
        'settings': store.settings,
        'failover_groups': list(store.data['failover_groups'].values()),
        'workspaces': list(store.data['workspaces'].values()),
        'fabric_operations': list(store.data['fabric_operations'].values()),
        'now': store.clock(),
    })


def settings(request, store):
    changes = request.json() or {}
    unknown = set(changes) - set(store.settings)
    if unknown:
        return _bad('unknown settings: %s' % ', '.join(sorted(unknown)))
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
    unknown = set(fault) - FAULT_KEYS
    if unknown:
        return _bad('unknown fault fields: %s' % ', '.join(sorted(unknown)))
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
