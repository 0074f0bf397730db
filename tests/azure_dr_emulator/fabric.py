# -*- coding: utf-8 -*-
# Copyright: contributors to the azure_dr.recovery collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Microsoft Fabric admin workspaces: get, list (filters and continuation paging) and restore, with
the per-caller rate limits of the spec (restore 10 a minute, reads 200 an hour; windows configurable)
answered as the recorded 429 RequestBlocked, and Fabric's long-running operation pattern."""

from __future__ import annotations

import base64
import datetime
import math
import re
import uuid
from urllib.parse import urlencode

from . import tokens
from .server import Response
from .state import apply_restore

PRINCIPAL_TYPES = ('User', 'ServicePrincipal', 'Group', 'ServicePrincipalProfile', 'EntireTenant')
WORKSPACE_TYPES = ('Workspace', 'Personal', 'AdminWorkspace')
STATES = ('Active', 'Deleted')
UUID = re.compile(r'^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$')


def routes():
    return [
        ('GET', r'^/v1/admin/workspaces$', list_workspaces),
        ('GET', r'^/v1/admin/workspaces/(?P<workspace_id>[^/]+)$', get_workspace),
        ('POST', r'^/v1/admin/workspaces/(?P<workspace_id>[^/]+)/restore$', restore_workspace),
        ('GET', r'^/v1/operations/(?P<operation_id>[^/]+)$', get_operation),
        ('GET', r'^/v1/operations/(?P<operation_id>[^/]+)/result$', get_operation_result),
    ]


def fabric_error(status, code, message, headers=None, details=None):
    request_id = str(uuid.uuid4())
    body = {'requestId': request_id, 'errorCode': code, 'message': message}
    if details:
        body['moreDetails'] = details
    headers = dict(headers or {}, RequestId=request_id)
    headers['x-ms-public-api-error-code'] = code
    return Response(status, body, headers)


def _authorize(request, store, kind):
    """None when the caller may go on, else the error answer: 401, 403, or 429 beyond the rate limit."""
    claims, problem = tokens.bearer_claims(request, store.data['signing_key'], store.clock())
    if problem == 'missing':
        return fabric_error(401, 'TokenIsMissing', 'The request has no bearer token.')
    if problem == 'invalid':
        return fabric_error(401, 'InvalidToken', 'Access token is invalid')
    request.audience, request.caller = claims.get('aud'), claims.get('appid')
    if problem == 'expired':
        return fabric_error(401, 'TokenExpired', 'Access token has expired, resubmit with a new access token')
    if claims.get('aud', '').rstrip('/') != store.settings['fabric_audience']:
        return fabric_error(401, 'InvalidToken', 'Access token is invalid: the audience %s is not the Fabric API'
                            % claims.get('aud'))
    admins = {str(p).lower() for p in store.data['fabric_admins']}
    if '*' not in admins and not admins & tokens.principal_names(claims):
        return fabric_error(403, 'InsufficientPrivileges',
                            'The caller does not have sufficient privileges: Fabric administrator rights are required.')
    wait = store.rate_limited(claims.get('oid') or claims.get('appid'), kind)
    if wait:
        until = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=wait)
        return fabric_error(429, 'RequestBlocked', 'Request is blocked by the upstream service until: %s (UTC)'
                            % until.strftime('%-m/%-d/%Y %-I:%M:%S %p'), {'Retry-After': str(int(math.ceil(wait)))})
    return None


def workspace_view(workspace):
    return {key: workspace[key] for key in ('id', 'name', 'type', 'state', 'capacityId', 'domainId', 'tags')
            if workspace.get(key) is not None}


def _not_found():
    return fabric_error(404, 'EntityNotFound', 'The requested resource could not be found')


def get_workspace(request, store, workspace_id):
    denied = _authorize(request, store, 'read')
    if denied:
        return denied
    workspace = store.find_workspace(workspace_id)
    return Response(200, workspace_view(workspace)) if workspace else _not_found()


def list_workspaces(request, store):
    denied = _authorize(request, store, 'read')
    if denied:
        return denied
    query = request.query
    filters = {key: query[key] for key in ('type', 'capacityId', 'name', 'state') if query.get(key)}
    if filters.get('state') and filters['state'].lower() not in [s.lower() for s in STATES]:
        return fabric_error(400, 'InvalidParameter', "The state '%s' is not valid: Active or Deleted." % filters['state'])
    if filters.get('type') and filters['type'].lower() not in [t.lower() for t in WORKSPACE_TYPES]:
        return fabric_error(400, 'InvalidParameter', "The type '%s' is not valid." % filters['type'])
    matches = [workspace_view(w) for w in sorted(store.visible_workspaces(), key=lambda w: w['id'])
               if all(str(w.get(key, '')).lower() == value.lower() for key, value in filters.items())]
    start = 0
    if query.get('continuationToken'):
        try:
            start = int(base64.urlsafe_b64decode(query['continuationToken'].encode()).decode())
        except ValueError:
            return fabric_error(400, 'InvalidContinuationToken', 'The continuation token is not valid.')
    size = int(store.settings['fabric_page_size'])
    page = {'workspaces': matches[start:start + size], 'continuationUri': None, 'continuationToken': None}
    if start + size < len(matches):
        token = base64.urlsafe_b64encode(str(start + size).encode()).decode()
        page['continuationToken'] = token
        page['continuationUri'] = '%s%s?%s' % (request.base_url, request.path,
                                               urlencode(dict(filters, continuationToken=token)))
    return Response(200, page)


def _restore_problems(body, workspace, store):
    """(status, code, message, details) of the first thing wrong with a restore request, or None."""
    if body is None:
        body = {}
    if not isinstance(body, dict):
        return 400, 'InvalidInput', 'The request body must be a JSON object.', None
    nulls = [key for key, value in body.items() if value is None]
    principal = body.get('newWorkspaceAdminPrincipal')
    if isinstance(principal, dict):
        nulls += ['newWorkspaceAdminPrincipal.%s' % key for key, value in principal.items() if value is None]
    if nulls:
        return 400, 'InvalidInput', 'Null values are not accepted.', [
            {'errorCode': 'InvalidParameter', 'message': 'The field %s must not be null.' % name} for name in nulls]
    unknown = set(body) - {'newWorkspaceName', 'newWorkspaceAdminPrincipal'}
    if unknown:
        return 400, 'InvalidInput', 'Unknown fields: %s.' % ', '.join(sorted(unknown)), None
    if principal is not None:
        if not isinstance(principal, dict) or not UUID.match(str(principal.get('id', ''))):
            return 400, 'InvalidInput', 'newWorkspaceAdminPrincipal.id must be a UUID.', None
        if principal.get('type') not in PRINCIPAL_TYPES:
            return 400, 'InvalidInput', 'newWorkspaceAdminPrincipal.type must be one of %s.' % ', '.join(PRINCIPAL_TYPES), None
    name = body.get('newWorkspaceName')
    if name is not None and (not isinstance(name, str) or not name.strip()):
        return 400, 'InvalidInput', 'newWorkspaceName must be a non-empty string.', None
    if workspace['state'] != 'Deleted':
        return 400, 'InvalidRestoreWorkspaceRequest', 'The workspace is not deleted, so it cannot be restored.', None
    if workspace['type'] == 'Personal' and not name:
        return 400, 'InvalidRestoreWorkspaceRequest', 'newWorkspaceName is required to restore a personal workspace.', None
    final_name = (name or workspace['name']).lower()
    for other in store.visible_workspaces():
        if other is not workspace and other['state'] == 'Active' and other['name'].lower() == final_name:
            return 409, 'WorkspaceNameAlreadyExists', "A workspace named '%s' already exists." % (name or workspace['name']), None
    return None


def restore_workspace(request, store, workspace_id):
    denied = _authorize(request, store, 'restore')
    if denied:
        return denied
    workspace = store.find_workspace(workspace_id)
    if workspace is None:
        return _not_found()
    try:
        body = request.json()
    except ValueError:
        return fabric_error(400, 'InvalidInput', 'The request body is not valid JSON.')
    problem = _restore_problems(body, workspace, store)
    if problem:
        status, code, message, details = problem
        return fabric_error(status, code, message, details=details)
    changes = {'name': (body or {}).get('newWorkspaceName'), 'admin': (body or {}).get('newWorkspaceAdminPrincipal')}
    if not store.settings['fabric_restore_async']:
        apply_restore(workspace, changes)
        store.save()
        return Response(200)
    now = store.clock()
    operation_id = str(uuid.uuid4())
    polls = store.settings.get('fabric_operation_polls')
    store.data['fabric_operations'][operation_id] = {
        'id': operation_id, 'workspace_id': workspace['id'].lower(), 'changes': changes, 'status': 'Running',
        'created': now, 'percentComplete': 0, 'error': store.take_lro_fault('fabric'),
        # Counted in polls (ends when polls_left is 0) or timed in seconds (ends at 'ends').
        'polls_left': None if polls is None else int(polls),
        'ends': None if polls is not None else now + float(store.settings['fabric_operation_seconds']),
    }
    store.save()
    return Response(202, None, _operation_headers(request, store, operation_id, running=True))


def _operation_headers(request, store, operation_id, running):
    url = '%s/v1/operations/%s' % (request.base_url, operation_id)
    headers = {'Location': url if running else url + '/result', 'x-ms-operation-id': operation_id}
    if running:
        headers['Retry-After'] = str(store.settings['fabric_retry_after'])
    return headers


def get_operation(request, store, operation_id):
    claims, problem = tokens.bearer_claims(request, store.data['signing_key'], store.clock())
    if problem:
        return fabric_error(401, 'InvalidToken' if problem != 'expired' else 'TokenExpired', 'Access token is invalid')
    request.audience, request.caller = claims.get('aud'), claims.get('appid')
    operation = store.data['fabric_operations'].get(operation_id)
    if operation is None:
        return _not_found()
    if operation['status'] in ('NotStarted', 'Running') and operation.get('polls_left'):
        operation['polls_left'] -= 1  # answered Running: one of its polls
        store.save()
    ends = store.clock() if operation.get('ends') is None else operation['ends']
    body = {'status': operation['status'], 'createdTimeUtc': _iso(operation['created']),
            'lastUpdatedTimeUtc': _iso(min(store.clock(), ends)),
            'percentComplete': operation.get('percentComplete', 0)}
    if operation['status'] in ('Failed', 'Undefined'):
        body['error'] = {'errorCode': operation['error'].get('code', 'OperationFailed'),
                         'message': operation['error'].get('message', 'The operation failed.')}
    running = operation['status'] in ('NotStarted', 'Running')
    return Response(200, body, _operation_headers(request, store, operation_id, running))


def get_operation_result(request, store, operation_id):
    operation = store.data['fabric_operations'].get(operation_id)
    if operation is None or operation['status'] != 'Succeeded':
        return _not_found()
    return Response(200)


def _iso(epoch):
    return datetime.datetime.fromtimestamp(epoch, datetime.timezone.utc).strftime('%Y-%m-%dT%H:%M:%S.%fZ')[:-4] + 'Z'
