# -*- coding: utf-8 -*-
# Copyright: contributors to the azure_dr.recovery collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""HTTP for every API the collection calls: one transport (``_transport``) per module run, bearer
tokens, retries with exponential backoff and jitter, ``Retry-After`` honoured exactly, a time budget,
and errors turned into ``ApiError``.

The retry engine knows nothing of ARM or Fabric beyond the table of answers with which a service
says it did *not* act on a request (``NOT_ACTED``): only those, and connections that were never
made, allow a non-idempotent POST to be sent again.
"""

from __future__ import annotations

import datetime
import random
import time
import uuid
from urllib.parse import urlsplit

from ansible_collections.azure_dr.recovery.plugins.module_utils._errors import (
    ApiError,
    AzureDRError,
    RetryBudgetExceeded,
    json_or_none,
    parse_error_body,
    strip_query,
)
from ansible_collections.azure_dr.recovery.plugins.module_utils._transport import (
    SetupError,
    Transport,
    TransportError,
)
from ansible_collections.azure_dr.recovery.plugins.module_utils._validation import is_loopback_host

IDEMPOTENT_METHODS = frozenset(('GET', 'HEAD', 'PUT', 'DELETE', 'OPTIONS'))

# Statuses that are worth another try for an idempotent request.
TRANSIENT_STATUSES = frozenset((408, 429, 500, 502, 503, 504))

# Answers with which the service says it did not act, so that even a POST may be sent again:
# status -> error codes (None: any code).  429 and 503 are refusals before any work; 409 busy and
# ARM's 500 OperationTimedOut ("rolled back, please retry") are documented as not having changed
# anything.  A 408 is not among them: a gateway may send it after the service received the request.
NOT_ACTED = {
    429: None,
    503: None,
    409: frozenset(('InstanceFailoverGroupBusy', 'ConflictingServerOperation')),
    500: frozenset(('OperationTimedOut',)),
}

DEFAULT_TIMEOUT = (10.0, 120.0)  # (connect, read) seconds for one request
# Seconds to wait for one answer, for networks where 120 s is too long to notice a hung proxy.
TIMEOUT_VARIABLE = 'AZURE_DR_HTTP_TIMEOUT'
DEFAULT_RETRY_BUDGET = 300.0  # seconds one logical request may spend retrying


def parse_retry_after(value, now=None):
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or HTTP-date); None if absent or bad."""
    if value is None:
        return None
    value = str(value).strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    import email.utils  # only for the rare HTTP-date form; every module run would otherwise pay the import

    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    if when.tzinfo is None:  # the asctime form carries no zone; HTTP dates are always GMT
        when = when.replace(tzinfo=datetime.timezone.utc)
    now = time.time() if now is None else now
    return max(0.0, when.timestamp() - now)


def backoff_delay(attempt, base=1.0, cap=30.0, rand=random.random):
    """Exponential backoff with jitter: half the exponential step fixed, half random."""
    step = min(cap, base * (2 ** max(0, attempt - 1)))
    return step / 2 + rand() * step / 2


def retry_reason(repeatable, response):
    """Why an error answer is worth sending again, or None when it is final.  ``repeatable``: the
    request may be sent twice without harm (an idempotent method, or a request without side effects)."""
    status = response.status_code
    if status not in TRANSIENT_STATUSES and status not in NOT_ACTED:
        return None
    codes = NOT_ACTED.get(status, False)
    if codes is None or (codes and parse_error_body(json_or_none(response))['code'] in codes):
        return 'HTTP %s' % status
    if repeatable and status in TRANSIENT_STATUSES:
        return 'HTTP %s' % status
    return None


def json_body(response):
    """The JSON body of a successful answer, or a clear error when it is not JSON (a proxy's page)."""
    try:
        return response.json()
    except ValueError:
        raise AzureDRError('Expected JSON from %s %s, got HTTP %s with %r content: is the endpoint right?' % (
            response.request.method, strip_query(response.request.url), response.status_code,
            response.headers.get('Content-Type', 'no')))


def timeout_from(environ):
    """(connect, read) timeouts: the defaults, or a read timeout of AZURE_DR_HTTP_TIMEOUT seconds.
    Raises ValueError (the module reports it as an input problem) on a value that is not a positive number."""
    value = environ.get(TIMEOUT_VARIABLE)
    if not value:
        return DEFAULT_TIMEOUT
    seconds = float(value)
    if not 1 <= seconds <= 3600:
        raise ValueError(value)
    return (min(DEFAULT_TIMEOUT[0], seconds), seconds)


class HttpClient:
    """One client per module run (the token requests have their own, on the same transport).

    ``token_provider`` (see ``_auth.TokenProvider``) gives the bearer token for a scope; ``on_retry``
    is told of every retry (a message for the user); ``sleep`` and ``clock`` are injectable for tests.
    Verification of TLS is always on; the CA bundle is REQUESTS_CA_BUNDLE's, as with ``requests``.

    Every URL, including those the service hands back (``nextLink``, ``Location``...), must be https
    or go to a loopback host; with ``token_hosts`` (host names), a token is only ever sent to those.
    """

    def __init__(self, token_provider=None, retry_budget=DEFAULT_RETRY_BUDGET, timeout=DEFAULT_TIMEOUT,
                 transport=None, on_retry=None, sleep=None, clock=None, rand=random.random, token_hosts=None):
        self.token_provider = token_provider
        self.token_hosts = frozenset(host.lower() for host in token_hosts) if token_hosts else None
        self.retry_budget = retry_budget
        self.timeout = timeout
        self.transport = transport if transport is not None else Transport()
        self.on_retry = on_retry
        # Looked up now, not at import, so that tests can patch time.sleep / time.monotonic.
        self.sleep = sleep or time.sleep
        self.clock = clock or time.monotonic
        self.rand = rand
        # One correlation id for every request of this run, so that support can find them together.
        self.correlation_id = str(uuid.uuid4())
        self.requests_sent = 0

    def request(self, method, url, scope=None, json=None, params=None, headers=None, budget=None, data=None,
                repeatable=None, handled_codes=()):
        """Send one logical request, retried as the rules above allow; return the final 1xx-3xx
        ``_transport.Response`` or raise ``ApiError`` / ``RetryBudgetExceeded`` / ``AzureDRError``.

        ``data`` is a form body; ``repeatable=True`` marks a POST without side effects (a token
        request), which may then be sent again like an idempotent method.  ``handled_codes``: error
        codes the caller deals with itself (raised at once, with ``retry_after``), such as a busy
        answer after which the caller reads the resource again before deciding to send."""
        method = method.upper()
        repeatable = method in IDEMPOTENT_METHODS if repeatable is None else repeatable
        body = dict(json=json, data=data)
        budget = self.retry_budget if budget is None else budget
        started = self.clock()
        attempt = 0
        refreshed_token = False
        heal_until = None  # while failures that heal within seconds or not at all repeat: when to stop
        self._check_destination(url, scope)
        while True:
            attempt += 1
            remaining = max(1.0, budget - (self.clock() - started))
            response, failure = self._send_once(method, url, scope, body, params, headers, remaining, repeatable)
            if response is not None and response.status_code < 400:
                return response

            if response is not None and response.status_code == 401 and scope and not refreshed_token \
                    and self.token_provider is not None and self.token_provider.can_refresh:
                # A token that expired during a long wait: get a new one and send again, once.
                self.token_provider.invalidate(scope)
                refreshed_token = True
                continue

            heals_within = None
            if response is not None:
                last_error = ApiError.from_response(response, attempts=attempt)
                server_wait = parse_retry_after(response.headers.get('Retry-After'))
                last_error.retry_after = server_wait
                if last_error.code in handled_codes or retry_reason(repeatable, response) is None:
                    raise last_error
            else:
                last_error, heals_within = failure
                server_wait = None

            wait = server_wait if server_wait is not None else backoff_delay(attempt, rand=self.rand)
            elapsed = self.clock() - started
            # A failure that heals within seconds when it heals at all (a refused connection: a service
            # restarting) is retried for that long after the first of a row, whatever the budget; the
            # last wait is shortened to try once more at that moment.  Any other outcome ends the row.
            if not heals_within:
                heal_until = None
            elif heal_until is None:
                heal_until = elapsed + heals_within
            if heal_until is not None and heal_until < budget:
                if elapsed >= heal_until:
                    raise RetryBudgetExceeded(
                        'Gave up on %s %s after %d attempt(s) in %.1f s: a failure of this kind heals within %.0f s '
                        'if it heals at all, so it is retried no longer, whatever the retry budget (%.0f s). Last answer: %s'
                        % (method, strip_query(url), attempt, elapsed, heals_within, budget, last_error.message),
                        last_error=last_error,
                    )
                wait = min(wait, heal_until - elapsed)
            if elapsed + wait > budget:
                asked = ' (the service asked to wait %.0f s)' % server_wait if server_wait is not None else ''
                raise RetryBudgetExceeded(
                    'Gave up on %s %s after %d attempt(s) in %.1f s, within a retry budget of %.0f s%s. '
                    'Last answer: %s' % (method, strip_query(url), attempt, elapsed, budget, asked,
                                         last_error.message),
                    last_error=last_error,
                )
            if self.on_retry is not None:
                source = 'Retry-After' if server_wait is not None else 'backoff'
                until = ', for %.0f s more at most' % (heal_until - elapsed) if heal_until is not None and heal_until < budget else ''
                self.on_retry('%s %s: %s; retrying in %.1f s (%s, attempt %d%s)' % (
                    method, strip_query(url), last_error.message, wait, source, attempt + 1, until))
            self.sleep(wait)

    def _check_destination(self, url, scope):
        parts = urlsplit(url)
        if parts.scheme not in ('https', 'http') or not parts.hostname:
            raise AzureDRError('Refusing to send a request to %r: not an absolute https URL.' % strip_query(url))
        if parts.scheme == 'http' and not is_loopback_host(parts.hostname):
            raise AzureDRError('Refusing to send a request to %s over plain http: only loopback hosts may be '
                               'reached without TLS.' % strip_query(url))
        if scope and self.token_hosts is not None and parts.hostname.lower() not in self.token_hosts:
            raise AzureDRError('Refusing to send a token to %s: the service pointed to a host that is not one '
                               'of this run\'s endpoints (%s).' % (parts.hostname, ', '.join(sorted(self.token_hosts))))

    def _send_once(self, method, url, scope, body, params, headers, remaining, repeatable):
        """One HTTP exchange.  Returns (response, None), or (None, (error, heals_within)) for a failure
        that may be retried (``heals_within``: see ``TransportError``); raises for one that may not."""
        all_headers = {'x-ms-correlation-request-id': self.correlation_id}
        if headers:
            all_headers.update(headers)
        if scope:
            all_headers['Authorization'] = 'Bearer ' + self.token_provider.token(scope)
        self.requests_sent += 1
        # The read timeout never outlasts the retry budget by much.
        timeout = (self.timeout[0], min(self.timeout[1], max(1.0, remaining)))
        try:
            response = self.transport.request(method, url, params=params, headers=all_headers, timeout=timeout, **body)
        except ValueError as exc:
            # A URL (a bad port) or a header http.client refuses; its text may quote a header, so not shown.
            raise AzureDRError('Could not send %s %s: the URL or a header is not valid HTTP (%s).'
                               % (method, strip_query(url), exc.__class__.__name__)) from None
        except SetupError as exc:
            text = str(exc)
            raise AzureDRError('Could not send %s %s: %s%s' % (method, strip_query(url), text,
                                                               '' if text.endswith(('.', '?')) else '.')) from None
        except TransportError as exc:
            # Connection refused or reset, timeouts, a body cut short: worth another try when resending
            # cannot do harm.
            message = 'Could not complete %s %s: %s' % (method, strip_query(url), exc)
            if repeatable or not exc.sent:
                return None, (AzureDRError(message), exc.heals_within)
            raise AzureDRError(
                message + '. The service may have received the request, so it was not sent again; '
                'run the task again: it reads the current state before acting.') from None
        return response, None
