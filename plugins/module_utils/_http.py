# -*- coding: utf-8 -*-
# Copyright: contributors to the azure_dr.recovery collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""HTTP for every API the collection calls, and for the token requests of msal: one ``requests``
session per module run (``Session``), bearer tokens, retries with exponential backoff and jitter,
``Retry-After`` honoured exactly, a time budget, and errors turned into ``ApiError``.

``requests`` does what users configure HTTP by: proxies (``HTTPS_PROXY``, ``HTTP_PROXY``, ``ALL_PROXY``,
``NO_PROXY``, an ``http://`` or an ``https://`` proxy), the CA bundle (``REQUESTS_CA_BUNDLE``,
``CURL_CA_BUNDLE``, else certifi's), redirects and repeated headers.  Its own retries (urllib3's) are
off: the retry engine here decides, because it knows which answers say that the service did not act.

The retry engine knows nothing of ARM, Fabric or the resources behind them: a non-idempotent POST is
sent again only after a connection that was never made, or an answer with which the service says it did
*not* act on the request: HTTP's own (``NOT_ACTED``), or those of the API the caller names
(``not_acted`` of ``HttpClient.request``: each client passes its own error codes).
"""

from __future__ import annotations

import base64
import datetime
import random
import re
import threading
import time
import uuid
from urllib.parse import urljoin, urlsplit

from ansible_collections.azure_dr.recovery.plugins.module_utils._errors import (
    ApiError,
    AzureDRError,
    RetryBudgetExceeded,
    json_or_none,
    parse_error_body,
    strip_query,
)
from ansible_collections.azure_dr.recovery.plugins.module_utils._validation import is_loopback_host

USER_AGENT = 'azure_dr.recovery/0.1.0'
MAX_REDIRECTS = 5
# Connections kept per host: as many as the most threads a module without max_concurrency runs (20: the
# partner reads of instance_failover_group_info), so that none is opened and thrown away.
MIN_POOL = 20

IDEMPOTENT_METHODS = frozenset(('GET', 'HEAD', 'PUT', 'DELETE', 'OPTIONS'))

# Statuses that are worth another try for an idempotent request.
TRANSIENT_STATUSES = frozenset((408, 429, 500, 502, 503, 504))

# Answers with which any service says it did not act, so that even a POST may be sent again: status ->
# error codes (None: any code).  429 and 503 are refusals before any work.  A 408 is not among them: a
# gateway may send it after the service received the request.  An API's own such answers (ARM's, a resource
# provider's) are named by its client: ``not_acted`` of ``HttpClient.request``.
NOT_ACTED = {
    429: None,
    503: None,
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


def not_acted_on(response, not_acted=None):
    """Whether an error answer says that the service did not act on the request: one of ``NOT_ACTED``, or
    of the caller's ``not_acted`` (the same shape: status -> error codes, None for any code)."""
    code = None
    for table in (NOT_ACTED, not_acted or {}):
        if response.status_code not in table:
            continue
        codes = table[response.status_code]
        if codes is None:
            return True
        if code is None:
            code = parse_error_body(json_or_none(response))['code']
        if code in codes:
            return True
    return False


def retry_reason(repeatable, response, not_acted=None):
    """Why an error answer is worth sending again, or None when it is final.  ``repeatable``: the
    request may be sent twice without harm (an idempotent method, or a request without side effects);
    ``not_acted``: the answers with which the caller's API says it did not act (see ``not_acted_on``)."""
    status = response.status_code
    if not_acted_on(response, not_acted) or (repeatable and status in TRANSIENT_STATUSES):
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


# --- the session: requests, and what its failures mean for a retry ---

# Seconds a refused connection (or a name server that answers "try again") is retried, counted from the
# first such failure in a row, whatever the request's retry budget (up to 15 minutes for a Fabric rate
# limit).  A service that restarts listens again within seconds (the emulator of the reliability suite
# is down for about 2 s, a web server's or a load balancer's listener restarts as fast), while a port
# where nothing listens (a typo, a service that is gone) stays refused: 8 s of backoff is four or five
# tries, and a task that cannot succeed fails within 10 s.
HEALS_WITHIN = 8.0

# What to check, by the OpenSSL reason of a failed handshake.
_TLS_HINTS = {
    'WRONG_VERSION_NUMBER': 'is it an https endpoint?',
    'HTTP_REQUEST': 'is it an https endpoint?',
    'PACKET_LENGTH_TOO_LONG': 'is it an https endpoint?',
    'RECORD_LAYER_FAILURE': 'is it an https endpoint?',
    'UNSUPPORTED_PROTOCOL': 'the server offers no TLS version this Python allows (TLS 1.2 or later)',
    'TLSV1_ALERT_PROTOCOL_VERSION': 'the server accepts no TLS version this Python offers (TLS 1.2 or later)',
    'NO_PROTOCOLS_AVAILABLE': 'the server and this Python have no TLS version in common',
    'SSLV3_ALERT_HANDSHAKE_FAILURE': 'the server and this Python have no TLS version or cipher in common',
    'NO_SHARED_CIPHER': 'the server and this Python have no cipher in common',
    'NO_CIPHERS_AVAILABLE': 'the server and this Python have no cipher in common',
}
_TLS_TRANSIENT_REASONS = frozenset(('TLSV1_ALERT_INTERNAL_ERROR',))


class TransportError(Exception):
    """No answer to a request.  ``sent``: whether any of it may have reached the service.
    ``heals_within``: None, or the seconds after which such a failure, repeated, will not heal."""

    def __init__(self, message, sent, heals_within=None):
        super().__init__(message)
        self.sent = sent
        self.heals_within = heals_within


class SetupError(TransportError):
    """Nothing was sent, and sending again cannot help: a host name that does not exist, a TLS
    handshake without a common protocol, a certificate that cannot be verified, a CA bundle or a proxy
    that cannot be used, a URL that is not valid HTTP."""

    def __init__(self, message):
        super().__init__(message, sent=False)


class Session:
    """One per module run: a ``requests.Session`` whose connections are kept alive per host and shared
    by the threads of a batch (``pool_size`` of them at once to one host, at least ``MIN_POOL``).
    ``send()`` sends one request, following redirects but never retrying, and raises ``TransportError``
    when there is no answer."""

    def __init__(self, pool_size=MIN_POOL):
        import requests  # only a run that sends a request pays for it
        from requests.adapters import HTTPAdapter, Retry

        session = requests.Session()
        # total=0, read=False: urllib3 neither retries nor wraps a failure after sending (this retry engine decides).
        adapter = HTTPAdapter(pool_connections=4, pool_maxsize=max(MIN_POOL, pool_size), max_retries=Retry(total=0, read=False))
        session.mount('https://', adapter)
        session.mount('http://', adapter)
        session.headers.update({'User-Agent': USER_AGENT, 'Accept': 'application/json'})
        session.max_redirects = MAX_REDIRECTS
        # A callable auth that changes nothing: requests would otherwise put ~/.netrc credentials in place
        # of the bearer token for a host listed there.
        session.auth = _keep_headers
        # On a redirect, requests reads ~/.netrc again (rebuild_auth), whose credentials would replace the token.
        session.rebuild_auth = lambda prepared, response: _drop_auth_for_another_host(session, prepared, response)
        session.hooks['response'].append(_refuse_unsafe_redirect)
        self.requests = session

    def send(self, method, url, params=None, headers=None, json=None, data=None, timeout=(10.0, 120.0)):
        """The answer (a ``requests.Response``, read whole).  ``timeout``: (seconds to connect, seconds
        to wait for each read)."""
        try:
            return self.requests.request(method, url, params=params, headers=headers, json=json, data=data,
                                         timeout=timeout)
        except TransportError:  # from _refuse_unsafe_redirect
            raise
        except Exception as exc:  # pylint: disable=broad-except  # classified, or raised again as it is
            failure = failure_of(exc, url, self.requests)
            if failure is None:
                raise
            raise failure from None

    def close(self):
        self.requests.close()


def _keep_headers(prepared):
    return prepared


def _drop_auth_for_another_host(session, prepared, response):
    """requests' ``rebuild_auth`` without ~/.netrc: the Authorization header goes when a redirect changes
    host, scheme or port."""
    if 'Authorization' in prepared.headers and session.should_strip_auth(response.request.url, prepared.url):
        del prepared.headers['Authorization']


def _refuse_unsafe_redirect(response, **_kwargs):
    """A redirect must stay on https (or loopback).  requests itself drops the Authorization header when
    a redirect changes host, scheme or port."""
    if response.is_redirect:
        target = urljoin(response.url, response.headers.get('Location', ''))
        parts = urlsplit(target)
        if parts.scheme != 'https' and not (parts.scheme == 'http' and is_loopback_host(parts.hostname or '')):
            raise SetupError('the service redirected to %s, which is not https: not followed' % strip_query(target))
    return response


def _chain(exc):
    """The exception and those it wraps (urllib3's ``reason``, ``args``, the cause and context), once each."""
    seen, todo = [], [exc]
    while todo and len(seen) < 20:
        current = todo.pop(0)
        if not isinstance(current, BaseException) or any(current is known for known in seen):  # ssl.SSLError.reason is text
            continue
        seen.append(current)
        todo.extend([getattr(current, 'reason', None)] + [arg for arg in getattr(current, 'args', ())
                                                          if isinstance(arg, BaseException)]
                    + [current.__cause__, current.__context__])
    return [item for item in seen if isinstance(item, BaseException)]


def _describe(exc):
    if isinstance(exc, TimeoutError) or 'timed out' in str(exc).lower():
        return 'timed out'
    root = next((item for item in reversed(_chain(exc)) if isinstance(item, OSError) and item.strerror), None)
    text = root.strerror if root is not None else (str(exc) or exc.__class__.__name__)
    return '%s (%s)' % (text.splitlines()[0][:300], (root or exc).__class__.__name__)


def failure_of(exc, url, session):
    """The ``TransportError`` (or ``SetupError``) that an exception of requests means, or None for one
    that is not about the connection (the caller raises it again)."""
    # Only the exception types are needed here; every request goes through requests.
    import socket
    import ssl
    from requests import exceptions as rex

    parts = urlsplit(url)
    where = '%s:%s' % (parts.hostname, parts.port or (443 if parts.scheme == 'https' else 80))
    chain = _chain(exc)
    proxy = _proxy_of(session, url) if isinstance(exc, (rex.ConnectionError, OSError)) else None
    if proxy:
        where += ' through the proxy %s' % proxy

    name_error = next((item for item in chain if isinstance(item, socket.gaierror)), None)
    if isinstance(exc, rex.ProxyError) or (proxy and name_error is not None):
        return _proxy_failure(exc, chain, name_error, proxy, ssl)
    if name_error is not None:
        reason = name_error.strerror or str(name_error)
        if name_error.errno in _name_not_found_codes(socket):
            return SetupError('could not resolve the host name %s (%s): check the endpoint (arm_endpoint, fabric_endpoint, '
                              "authority_host, cloud_environment) and this machine's DNS" % (parts.hostname, reason))
        return TransportError('could not resolve the host name %s (%s)' % (parts.hostname, reason), sent=False,
                              heals_within=HEALS_WITHIN)
    if isinstance(exc, rex.SSLError):
        return _tls_failure(chain, where, ssl)
    if isinstance(exc, rex.ConnectTimeout):
        return TransportError('could not connect to %s: timed out' % where, sent=False)
    if isinstance(exc, rex.ConnectionError) and any(isinstance(item, ConnectionRefusedError) for item in chain):
        return TransportError('connection to %s refused' % where, sent=False, heals_within=HEALS_WITHIN)
    if isinstance(exc, rex.ConnectionError) and _never_connected(chain):
        return TransportError('could not connect to %s: %s' % (where, _describe(exc)), sent=False)
    if isinstance(exc, (rex.ReadTimeout, rex.ConnectionError, rex.ChunkedEncodingError, rex.ContentDecodingError)):
        return TransportError(_describe(exc), sent=True)
    if isinstance(exc, rex.TooManyRedirects):
        return SetupError('more than %d redirects' % MAX_REDIRECTS)
    if isinstance(exc, rex.InvalidSchema) and 'socks' in str(exc).lower():
        return SetupError('the proxy of the environment is a SOCKS proxy, which needs PySocks (pip install "requests[socks]")')
    if isinstance(exc, (rex.InvalidURL, rex.InvalidSchema, rex.MissingSchema, rex.InvalidHeader, rex.InvalidProxyURL)):
        return SetupError('the URL, a header or the proxy of the environment is not valid HTTP (%s)' % exc.__class__.__name__)
    if isinstance(exc, OSError) and 'CA certificate bundle' in str(exc):
        return SetupError('the CA bundle could not be found (%s); REQUESTS_CA_BUNDLE or CURL_CA_BUNDLE must name a PEM '
                          'file or a directory of them' % str(exc).rsplit(':', 1)[-1].strip())
    return None


def _name_not_found_codes(socket):
    """getaddrinfo() answers that say the name does not exist or cannot be resolved at all: final.  The
    others (EAI_AGAIN: a name server that did not answer in time, EAI_SYSTEM, EAI_MEMORY) may heal."""
    return frozenset(getattr(socket, name) for name in (
        'EAI_NONAME', 'EAI_NODATA', 'EAI_FAIL', 'EAI_ADDRFAMILY', 'EAI_FAMILY', 'EAI_SERVICE', 'EAI_SOCKTYPE',
        'EAI_BADFLAGS') if hasattr(socket, name))


def _never_connected(chain):
    """urllib3 says so with NewConnectionError (and ConnectTimeoutError): the request was not written."""
    return any(item.__class__.__name__ in ('NewConnectionError', 'NameResolutionError', 'ConnectTimeoutError')
               for item in chain)


def _proxy_of(session, url):
    """host:port of the proxy that requests picks for ``url`` from the environment, or None."""
    from requests.utils import get_environ_proxies, select_proxy

    proxy = select_proxy(url, get_environ_proxies(url) if session.trust_env else {})
    if not proxy:
        return None
    parts = urlsplit(proxy if '://' in proxy else 'http://' + proxy)
    return '%s:%s' % (parts.hostname, parts.port or (443 if parts.scheme == 'https' else 80))


def _proxy_failure(exc, chain, name_error, proxy, ssl):
    text = ' '.join(str(item) for item in chain)
    verify = next((item for item in chain if isinstance(item, ssl.SSLCertVerificationError)), None)
    if verify is not None:  # an https:// proxy whose certificate is not trusted
        return SetupError('TLS verification failed for the proxy %s: %s. Set REQUESTS_CA_BUNDLE to a bundle that includes '
                          'the issuer of its certificate' % (proxy, verify.verify_message or verify))
    if ' 407 ' in text or 'Proxy Authentication Required' in text:
        return SetupError('the proxy %s asks for credentials (407); give them in the proxy URL of the environment, '
                          'http://user:password@host:port' % proxy)
    if name_error is not None:
        return SetupError('could not resolve the host name of the proxy %s (%s): check HTTPS_PROXY / HTTP_PROXY / ALL_PROXY'
                          % (proxy.rsplit(':', 1)[0], name_error.strerror or name_error))
    if any(isinstance(item, ConnectionRefusedError) for item in chain):
        return TransportError('connection to the proxy %s refused' % proxy, sent=False, heals_within=HEALS_WITHIN)
    return TransportError('could not connect through the proxy %s: %s' % (proxy, _describe(exc)), sent=False)


def _tls_failure(chain, where, ssl):
    """A failed TLS handshake: final when the two ends cannot agree or the certificate is not trusted,
    else (a handshake cut short: the server restarting or overloaded) worth another try."""
    verify = next((item for item in chain if isinstance(item, ssl.SSLCertVerificationError)), None)
    if verify is not None:
        return SetupError('TLS verification failed for %s: %s. Set REQUESTS_CA_BUNDLE to a bundle that includes the '
                          'issuer of that certificate' % (where, verify.verify_message or verify))
    cut_short = (ssl.SSLEOFError, ssl.SSLZeroReturnError, ssl.SSLSyscallError, ssl.SSLWantReadError, ssl.SSLWantWriteError)
    error = next((item for item in chain if isinstance(item, ssl.SSLError)), None)
    if error is not None and not isinstance(error, cut_short) and getattr(error, 'reason', None) not in _TLS_TRANSIENT_REASONS:
        reason = getattr(error, 'reason', None)
        text = reason.lower().replace('_', ' ') if reason else _describe(error)
        if error.library == 'X509' or reason in ('NO_CERTIFICATE_OR_CRL_FOUND', 'PEM_LIB'):
            return SetupError('the CA bundle could not be loaded (%s); REQUESTS_CA_BUNDLE or CURL_CA_BUNDLE must name a '
                              'PEM file or a directory of them' % text)
        return SetupError('TLS handshake with %s failed (%s): %s' % (
            where, text, _TLS_HINTS.get(reason, 'the server and this Python could not agree on TLS')))
    return TransportError('could not connect to %s: %s' % (where, _describe(error or chain[0])), sent=False)


class Throttle:
    """Requests of one kind sent side by side under one rate limit (a batch's restores): the ``Retry-After`` of
    a 429 holds back every one of them, not only the request it answered, so that those not yet sent wait
    instead of each meeting a 429 of its own."""

    def __init__(self):
        self._lock = threading.Lock()
        self._until = None

    def hold(self, until):
        """No request of this kind before ``until`` (on the client's clock).  True when this moves the hold on
        by a second or more: the first 429 of a window, not those of requests already on their way."""
        with self._lock:
            moved = self._until is None or until >= self._until + 1.0
            self._until = until if self._until is None else max(self._until, until)
            return moved

    def wait(self, clock, sleep, waited_until=None):
        """Until the hold ends; ``waited_until``: the end of a hold the caller has already slept out."""
        target = waited_until
        while True:
            with self._lock:
                until = self._until
            if until is None or (target is not None and until <= target) or until <= clock():
                return
            sleep(until - clock())
            target = until  # slept out: wait again only if the hold moved on meanwhile


class HttpClient:
    """One client per module run (the token requests have their own, on the same session).

    ``token_provider`` (see ``_auth.TokenProvider``) gives the bearer token for a scope; ``on_retry``
    is told of every retry (a message for the user); ``sleep`` and ``clock`` are injectable for tests.
    Verification of TLS is always on; the CA bundle is REQUESTS_CA_BUNDLE's, as with ``requests``.

    Every URL, including those the service hands back (``nextLink``, ``Location``...), must be https
    or go to a loopback host; with ``token_hosts`` (host names), a token is only ever sent to those.
    """

    def __init__(self, token_provider=None, retry_budget=DEFAULT_RETRY_BUDGET, timeout=DEFAULT_TIMEOUT,
                 session=None, on_retry=None, sleep=None, clock=None, rand=random.random, token_hosts=None):
        self.token_provider = token_provider
        self.token_hosts = frozenset(host.lower() for host in token_hosts) if token_hosts else None
        self.retry_budget = retry_budget
        self.timeout = timeout
        self.session = session if session is not None else Session()
        self.on_retry = on_retry
        # Looked up now, not at import, so that tests can patch time.sleep / time.monotonic.
        self.sleep = sleep or time.sleep
        self.clock = clock or time.monotonic
        self.rand = rand
        # One correlation id for every request of this run, so that support can find them together.
        self.correlation_id = str(uuid.uuid4())
        self.requests_sent = 0

    def request(self, method, url, scope=None, json=None, params=None, headers=None, budget=None, data=None,
                repeatable=None, handled_codes=(), error_answers=False, not_acted=None, throttle=None):
        """Send one logical request, retried as the rules above allow; return the final 1xx-3xx
        ``requests.Response`` or raise ``ApiError`` / ``RetryBudgetExceeded`` / ``AzureDRError``.

        ``data`` is a form body; ``repeatable=True`` marks a POST without side effects (a token
        request), which may then be sent again like an idempotent method.  ``handled_codes``: error
        codes the caller deals with itself (raised at once, with ``retry_after``), such as a busy
        answer after which the caller reads the resource again before deciding to send.
        ``not_acted``: status -> error codes (None: any) with which the API says it did not act on a
        request, besides ``NOT_ACTED``: retried even for a POST.
        ``error_answers``: a final error answer is returned rather than raised (msal reads Entra ID's).
        ``throttle``: the ``Throttle`` of the requests of this kind; a 429 holds them all back."""
        method = method.upper()
        repeatable = method in IDEMPOTENT_METHODS if repeatable is None else repeatable
        body = dict(json=json, data=data)
        budget = self.retry_budget if budget is None else budget
        started = self.clock()
        attempt = 0
        refreshed_token = False
        claims = None  # what a claims challenge asked the next token to carry
        heal_until = None  # while failures that heal within seconds or not at all repeat: when to stop
        self._check_destination(url, scope)
        held_until = None  # the end of a hold of the throttle that this request slept out itself
        while True:
            attempt += 1
            if throttle is not None:
                throttle.wait(self.clock, self.sleep, held_until)
            remaining = max(1.0, budget - (self.clock() - started))
            response, failure = self._send_once(method, url, scope, body, params, headers, remaining, repeatable,
                                                claims)
            claims = None  # the token that carries them is now the provider's token of the scope
            if response is not None and response.status_code < 400:
                return response

            if response is not None and response.status_code == 401 and scope and not refreshed_token \
                    and self.token_provider is not None and self.token_provider.can_refresh:
                # A token that expired during a long wait, or one without claims that the service asks
                # for (a claims challenge): get a new one and send again, once.
                self.token_provider.invalidate(scope)
                claims = claims_challenge(response.headers.get('WWW-Authenticate'))
                refreshed_token = True
                continue

            heals_within = None
            if response is not None:
                last_error = ApiError.from_response(response, attempts=attempt)
                server_wait = parse_retry_after(response.headers.get('Retry-After'))
                last_error.retry_after = server_wait
                if last_error.code in handled_codes or retry_reason(repeatable, response, not_acted) is None:
                    if error_answers:
                        return response
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
            # Told once per hold: the 429s of requests already on their way when the first came say nothing new.
            told = True
            if throttle is not None and response is not None and response.status_code == 429:
                held_until = self.clock() + wait
                told = throttle.hold(held_until)
            if self.on_retry is not None and told:
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

    def _send_once(self, method, url, scope, body, params, headers, remaining, repeatable, claims=None):
        """One HTTP exchange.  Returns (response, None), or (None, (error, heals_within)) for a failure
        that may be retried (``heals_within``: see ``TransportError``); raises for one that may not."""
        all_headers = {'x-ms-correlation-request-id': self.correlation_id}
        if headers:
            all_headers.update(headers)
        if scope:
            all_headers['Authorization'] = 'Bearer ' + self.token_provider.token(scope, claims=claims)
        self.requests_sent += 1
        # The read timeout never outlasts the retry budget by much.
        timeout = (self.timeout[0], min(self.timeout[1], max(1.0, remaining)))
        try:
            response = self.session.send(method, url, params=params, headers=all_headers, timeout=timeout, **body)
        except ValueError as exc:
            # A URL (a bad port) or a header that HTTP does not allow; its text may quote a header, so not shown.
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


def claims_challenge(header):
    """The claims (JSON text) that a ``WWW-Authenticate: Bearer ... claims="<base64>"`` challenge asks the
    next token to carry (Continuous Access Evaluation, conditional access), or None."""
    match = re.search(r'\bclaims="([A-Za-z0-9+/=_-]+)"', header or '')
    if match is None:
        return None
    value = match.group(1)
    try:
        return base64.urlsafe_b64decode(value.replace('+', '-').replace('/', '_') + '=' * (-len(value) % 4)).decode('utf-8')
    except ValueError:  # binascii.Error and UnicodeDecodeError are ValueErrors
        return None
