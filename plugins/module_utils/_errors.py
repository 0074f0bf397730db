# -*- coding: utf-8 -*-
# Copyright: contributors to the azure_dr.recovery collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Error types of the collection and their translation into module results.

Every failure a module can report is one of these exceptions; ``to_result()`` turns it into the
keyword arguments of ``fail_json``: a one-line ``msg`` and an ``error`` dictionary with the API's
code, message and request ids.  Nothing here ever sees a token or a secret: HTTP errors are built
from the response only, never from the request (which carries the ``Authorization`` header).
"""

from __future__ import annotations

# Hints for error codes users meet in practice; shown beside the API's own message.
HINTS = {
    'AuthorizationFailed': 'the identity has no rights on that scope; grant it a role that allows the action '
                           '(for example SQL Managed Instance Contributor) or check subscription_id.',
    'InvalidAuthenticationToken': 'the token was refused; check the credentials and the cloud_environment.',
    'InvalidAuthenticationTokenAudience': 'the token is for another API; check cloud_environment / authority_host.',
    'ExpiredAuthenticationToken': 'the token expired; an access_token given as an option cannot be refreshed.',
    'SubscriptionNotFound': 'check subscription_id (AZURE_SUBSCRIPTION_ID).',
    'ResourceGroupNotFound': 'check resource_group.',
    'InvalidApiVersionParameter': 'the endpoint does not support the api-version this collection uses.',
    'InstanceFailoverGroupFailoverRequestOnPrimary': 'failover must be sent to the secondary region; location is '
                                                     'already the primary.',
    'InstanceFailoverGroupNotSecondary': 'failover must be sent to the secondary region; location is not the secondary.',
    'InstanceFailoverGroupBusy': 'another operation is under way on the group; run the task again later, it waits '
                                 'for the group to settle within wait_timeout.',
    'ConflictingServerOperation': 'another operation is under way on the managed instance; try again later.',
    'InsufficientPrivileges': 'the caller must be a Fabric administrator; a service principal also needs the tenant '
                              'setting "Service principals can access admin APIs used for updates".',
    'RequestBlocked': 'the Fabric API rate limit was hit; the call was retried as long as the budget allowed.',
    'TokenExpired': 'the token expired; an access_token given as an option cannot be refreshed.',
    'InsufficientScopes': 'the caller must be a Fabric administrator; a service principal also needs the tenant '
                          'setting "Service principals can access admin APIs used for updates".',
    'Unauthorized': 'the caller must be a Fabric administrator; a service principal also needs the tenant '
                    'setting "Service principals can access admin APIs used for updates".',
}


class AzureDRError(Exception):
    """Base of every error the collection reports; carries a message safe to show."""

    def __init__(self, message, hint=None, result=None):
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.result = dict(result or {})  # more keys for the module result (changed, the resource...)

    def details(self):
        """Structured fields for the ``error`` key of the module result."""
        return {}

    def cause(self):
        """What went wrong without what is particular to one request (its URL, its request id), so
        that items failing for one reason can be said together."""
        return self.to_result()['msg']

    def to_result(self):
        """Keyword arguments for ``AnsibleModule.fail_json``."""
        msg = self.message
        if self.hint:
            msg = '%s Hint: %s' % (msg, self.hint)
        result = dict(self.result, msg=msg)
        details = self.details()
        if details:
            result['error'] = details
        return result


class InputError(AzureDRError):
    """Bad module input, found before any request is sent."""

    def __init__(self, problems):
        if isinstance(problems, str):
            problems = [problems]
        self.problems = list(problems)
        super().__init__('Invalid input: ' + '; '.join(self.problems))

    def details(self):
        return {'problems': self.problems}


class AuthenticationError(AzureDRError):
    """No usable credential, or the identity provider refused to issue a token.  ``details``: what Entra
    ID said (``code``, ``error_codes``, ``correlation_id``, ``trace_id``), for the result's ``error``."""

    def __init__(self, message, hint=None, details=None):
        super().__init__(message, hint)
        self._details = dict(details or {})

    def details(self):
        return self._details


class ApiError(AzureDRError):
    """An HTTP answer that is an error, parsed from the ARM or the Fabric error shape."""

    def __init__(self, status, code=None, api_message=None, request_id=None, correlation_id=None,
                 method=None, url=None, target=None, api_details=None, hint=None, attempts=1):
        self.status = status
        self.code = code
        self.api_message = api_message
        self.request_id = request_id
        self.correlation_id = correlation_id
        self.method = method
        self.url = url
        self.target = target
        self.api_details = api_details
        self.attempts = attempts
        self.retry_after = None  # seconds the service asked to wait, when it said
        where = ' '.join(part for part in (method, strip_query(url)) if part)
        text = 'HTTP %s' % status
        if code:
            text += ' %s' % code
        if api_message:
            text += ': %s' % api_message
        self._cause = text
        if where:
            text += ' (%s)' % where
        if request_id:
            text += ' [request id %s]' % request_id
        super().__init__(text, hint if hint is not None else HINTS.get(code or ''))

    def cause(self):
        return '%s Hint: %s' % (self._cause, self.hint) if self.hint else self._cause

    @classmethod
    def from_response(cls, response, attempts=1):
        """Build from a ``requests`` response of either error shape (ARM or Fabric)."""
        body = json_or_none(response)
        parsed = parse_error_body(body)
        headers = response.headers
        code = parsed['code'] or headers.get('x-ms-public-api-error-code') or headers.get('x-ms-error-code')
        message = parsed['message']
        if message is None and not isinstance(body, dict):
            text = (response.text or '').strip()
            message = text[:300] if text else (response.reason or None)
        request = getattr(response, 'request', None)
        request_headers = getattr(request, 'headers', None) or {}
        return cls(
            status=response.status_code, code=code, api_message=message,
            request_id=headers.get('x-ms-request-id') or headers.get('RequestId') or parsed['request_id'],
            # Fabric does not echo a correlation id: fall back to the one this run sent.
            correlation_id=headers.get('x-ms-correlation-request-id')
            or request_headers.get('x-ms-correlation-request-id'),
            method=getattr(request, 'method', None), url=getattr(request, 'url', None) or response.url,
            target=parsed['target'], api_details=parsed['details'], attempts=attempts,
        )

    def details(self):
        fields = {
            'status': self.status,
            'code': self.code,
            'message': self.api_message,
            'request_id': self.request_id,
            'correlation_id': self.correlation_id,
            'target': self.target,
            'details': self.api_details,
            'attempts': self.attempts,
        }
        return {key: value for key, value in fields.items() if value is not None}


class RetryBudgetExceeded(AzureDRError):
    """Transient failures went on for longer than the retry budget allows."""

    def __init__(self, message, last_error=None):
        super().__init__(message, getattr(last_error, 'hint', None))
        self.last_error = last_error

    def details(self):
        return self.last_error.details() if self.last_error is not None else {}

    def cause(self):
        return 'gave up retrying: %s' % self.last_error.cause() if self.last_error is not None else super().cause()


class OperationFailed(AzureDRError):
    """A long-running operation ended Failed or Canceled."""

    def __init__(self, status, code=None, api_message=None, operation_url=None):
        self.status = status
        self.code = code
        self.api_message = api_message
        self.operation_url = operation_url
        text = 'The operation ended %s' % status
        if code:
            text += ' with %s' % code
        if api_message:
            text += ': %s' % api_message
        super().__init__(text, HINTS.get(code or ''))

    def details(self):
        fields = {'operation_status': self.status, 'code': self.code, 'message': self.api_message,
                  'operation_url': self.operation_url}
        return {key: value for key, value in fields.items() if value is not None}


class OperationTimeout(AzureDRError):
    """A long-running operation was still running when the caller's deadline came."""

    def __init__(self, message, operation_url=None, elapsed=None):
        super().__init__(message)
        self.operation_url = operation_url
        self.elapsed = elapsed

    def details(self):
        return {'operation_url': self.operation_url, 'elapsed': self.elapsed}


def parse_error_body(body):
    """Code, message, target, details and request id of an error body: ARM's
    ``{"error": {"code", "message", "target", "details"}}``, Fabric's ``{"errorCode", "message",
    "requestId", "relatedResource", "moreDetails"}``, Entra ID's ``{"error", "error_description",
    "trace_id"}``, or a bare ``{"code", "message"}`` /
    ``{"Message"}`` as some gateways send."""
    fields = dict.fromkeys(('code', 'message', 'target', 'details', 'request_id'))
    if not isinstance(body, dict):
        return fields
    if isinstance(body.get('error'), dict):
        error = body['error']
        fields.update(code=error.get('code'), message=error.get('message'), target=error.get('target'),
                      details=error.get('details') or None)
    elif isinstance(body.get('error'), str):  # OAuth 2.0 (Entra ID's token endpoint): error + error_description
        description = (body.get('error_description') or '').strip()
        fields.update(code=body['error'], message=description.splitlines()[0] if description else None,
                      request_id=body.get('trace_id'))
    elif 'errorCode' in body:
        fields.update(code=body.get('errorCode'), message=body.get('message'), target=body.get('relatedResource'),
                      details=body.get('moreDetails') or None, request_id=body.get('requestId'))
    else:
        fields.update(code=body.get('code'), message=body.get('message') or body.get('Message'))
    return fields


def json_or_none(response):
    try:
        return response.json()
    except ValueError:
        return None


def strip_query(url):
    """URLs in messages lose their query string: it holds nothing secret today, but it is noise."""
    if not url:
        return url
    return url.split('?', 1)[0]


def redact(text, secrets):
    """Replace every occurrence of a secret value in ``text`` (a last line of defence for messages
    that come from third-party libraries, such as identity provider errors)."""
    if not text:
        return text
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, '********')
    return text
