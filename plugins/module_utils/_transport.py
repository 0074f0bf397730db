# -*- coding: utf-8 -*-
# Copyright: contributors to the azure_dr.recovery collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""HTTPS on the standard library, for ``_http``: connections kept alive per host and shared by the
run's threads, TLS always verified, proxies taken from the environment.

Why not ``requests``: importing it costs every module run about 50 ms, a third of what the module
adds to a task, for features the collection does not use (redirects, cookies, decompression).  The
behaviour users configure ``requests`` by is kept: ``REQUESTS_CA_BUNDLE`` / ``CURL_CA_BUNDLE``, then
certifi's bundle; ``HTTPS_PROXY`` / ``HTTP_PROXY`` / ``ALL_PROXY`` and ``NO_PROXY``.

A failure is a ``TransportError`` whose ``sent`` says whether the request may have reached the
service: only one that certainly did not may be sent again when it is not idempotent.  A
``SetupError`` is final: sending again cannot help (a host name that does not exist, a TLS handshake
that failed for want of a common protocol, a certificate that cannot be verified, a CA bundle or a
proxy that cannot be used, a URL that is not valid HTTP).  A failure that heals within seconds when
it heals at all (a refused connection: a service restarting) carries ``heals_within``: ``_http``
retries it for that long only, whatever the request's retry budget.
"""

from __future__ import annotations

import base64
import http.client
import ipaddress
import json as jsonlib
import os
import select
import socket
import ssl
import threading
from urllib.parse import quote, unquote, urlencode, urlsplit

USER_AGENT = 'azure_dr.recovery/0.1.0'
DEFAULT_PORTS = {'https': 443, 'http': 80}
MAX_IDLE_PER_HOST = 10

# Seconds a refused connection (or a name server that answers "try again") is retried, counted from the
# first such failure in a row, whatever the request's retry budget (up to 15 minutes for a Fabric rate
# limit).  A service that restarts listens again within seconds (the emulator of the reliability suite
# is down for about 2 s, a web server's or a load balancer's listener restarts as fast), while a port
# where nothing listens (a typo, a service that is gone) stays refused: 8 s of backoff is four or five
# tries, and a task that cannot succeed fails within 10 s.
HEALS_WITHIN = 8.0

# getaddrinfo() answers that say the name does not exist or cannot be resolved at all: final.  The
# others (EAI_AGAIN: a name server that did not answer in time, EAI_SYSTEM, EAI_MEMORY) may heal.
_NAME_NOT_FOUND = frozenset(getattr(socket, name) for name in (
    'EAI_NONAME', 'EAI_NODATA', 'EAI_FAIL', 'EAI_ADDRFAMILY', 'EAI_FAMILY', 'EAI_SERVICE', 'EAI_SOCKTYPE', 'EAI_BADFLAGS')
    if hasattr(socket, name))

# TLS failures that are a handshake cut short (the server restarting or overloaded): they may heal and
# are retried like any connection failure.  Every other ssl.SSLError of the handshake says that the two
# ends have no protocol in common (plain HTTP on the port, an old TLS version, no common cipher): final.
_TLS_CUT_SHORT = (ssl.SSLEOFError, ssl.SSLZeroReturnError, ssl.SSLSyscallError, ssl.SSLWantReadError, ssl.SSLWantWriteError)
_TLS_TRANSIENT_REASONS = frozenset(('TLSV1_ALERT_INTERNAL_ERROR',))
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


class TransportError(Exception):
    """No answer to a request.  ``sent``: whether any of it may have reached the service.
    ``heals_within``: None, or the seconds after which such a failure, repeated, will not heal."""

    def __init__(self, message, sent, heals_within=None):
        super().__init__(message)
        self.sent = sent
        self.heals_within = heals_within


class SetupError(TransportError):
    """Nothing was sent, and sending again cannot help."""

    def __init__(self, message):
        super().__init__(message, sent=False)


class Headers(dict):
    """Header names compared without regard to case; keys are kept in lower case."""

    def __init__(self, items=()):
        super().__init__()
        for name, value in (items.items() if isinstance(items, dict) else items):
            self[name] = value

    def __setitem__(self, name, value):
        super().__setitem__(name.lower(), value)

    def __getitem__(self, name):
        return super().__getitem__(name.lower())

    def __contains__(self, name):
        return super().__contains__(name.lower())

    def get(self, name, default=None):
        return super().get(name.lower(), default)

    def setdefault(self, name, default=None):
        return super().setdefault(name.lower(), default)


class Request:
    """What was sent: kept on the response for error messages (never the headers: they carry the token)."""

    def __init__(self, method, url, headers, body):
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body


class Response:
    """An answer, read whole: the attributes of a ``requests`` response that the collection uses."""

    def __init__(self, status_code, reason, headers, content, request):
        self.status_code = status_code
        self.reason = reason
        self.headers = headers
        self.content = content
        self.request = request
        self.url = request.url

    @property
    def text(self):
        return self.content.decode('utf-8', 'replace')

    def json(self):
        """The body as JSON (RFC 8259: UTF-8); ValueError when it is not JSON."""
        return jsonlib.loads(self.content.decode('utf-8-sig'))


def encode_body(json=None, data=None):
    """(body bytes or None, content type or None) for a JSON body or a form."""
    if json is not None:
        return jsonlib.dumps(json).encode('utf-8'), 'application/json'
    if data is not None:
        return urlencode(data).encode('utf-8'), 'application/x-www-form-urlencoded'
    return None, None


def with_params(url, params):
    if not params:
        return url
    return url + ('&' if '?' in url else '?') + urlencode(params)


def ca_locations(environ):
    """(cafile, capath) as ``requests`` chooses them: REQUESTS_CA_BUNDLE, CURL_CA_BUNDLE, certifi."""
    bundle = environ.get('REQUESTS_CA_BUNDLE') or environ.get('CURL_CA_BUNDLE')
    if not bundle:
        try:
            import certifi
        except ImportError:  # the system's default store
            return None, None
        bundle = certifi.where()
    return (None, bundle) if os.path.isdir(bundle) else (bundle, None)


def _environment_value(environ, name):
    return environ.get(name.lower()) or environ.get(name.upper())


def proxy_for(scheme, host, port, environ):
    """The proxy URL for a destination, from the environment (lower case first, like curl), or None."""
    proxy = _environment_value(environ, scheme + '_proxy') or _environment_value(environ, 'all_proxy')
    if not proxy or bypasses_proxy(host, port, _environment_value(environ, 'no_proxy') or ''):
        return None
    return proxy


def bypasses_proxy(host, port, no_proxy):
    """NO_PROXY as requests reads it: ``*``, host names (a domain covers its subdomains, with or
    without a leading dot), IP addresses and CIDR ranges, each optionally with ``:port``."""
    host = host.lower().strip('[]')
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        address = None
    for entry in (item.strip().lower() for item in no_proxy.split(',')):
        if not entry:
            continue
        if entry == '*':
            return True
        name, _sep, entry_port = entry.rpartition(':') if entry.count(':') == 1 else (entry, '', '')
        if entry_port and entry_port != str(port):
            continue
        if address is not None:
            try:
                if address in ipaddress.ip_network(name.strip('[]'), strict=False):
                    return True
            except ValueError:
                pass
            continue
        name = name.lstrip('.')
        if host == name or host.endswith('.' + name):
            return True
    return False


def _proxy_address(proxy):
    """(host, port, Proxy-Authorization header or None) of an http:// proxy URL."""
    parts = urlsplit(proxy if '://' in proxy else 'http://' + proxy)
    if parts.scheme != 'http' or not parts.hostname:
        raise SetupError('the proxy in the environment (HTTPS_PROXY, HTTP_PROXY or ALL_PROXY) must be an http:// URL '
                         '(a proxy reached over TLS is not supported), got one with scheme %r' % parts.scheme)
    authorization = None
    if parts.username is not None:
        pair = '%s:%s' % (unquote(parts.username), unquote(parts.password or ''))
        authorization = 'Basic ' + base64.b64encode(pair.encode('utf-8')).decode('ascii')
    return parts.hostname, parts.port or 80, authorization


def _describe(exc):
    if isinstance(exc, (socket.timeout, TimeoutError)):
        return 'timed out'
    text = str(exc) or exc.__class__.__name__
    if isinstance(exc, OSError) and exc.strerror:
        text = exc.strerror
    return '%s (%s)' % (text.splitlines()[0][:300], exc.__class__.__name__)


def _connect_failure(exc, where, peer, via_proxy):
    """The TransportError for a connection that could not be made: final, brief, or retried like any.
    ``where``: the destination, for messages; ``peer``: (host, port) the socket connects to, the proxy's
    when ``via_proxy``."""
    if isinstance(exc, socket.gaierror):
        name = ('of the proxy %s' if via_proxy else '%s') % peer[0]
        reason = exc.strerror or str(exc)
        if exc.errno in _NAME_NOT_FOUND:
            check = 'check HTTPS_PROXY / HTTP_PROXY / ALL_PROXY' if via_proxy else \
                'check the endpoint (arm_endpoint, fabric_endpoint, authority_host, cloud_environment) and this machine\'s DNS'
            return SetupError('could not resolve the host name %s (%s): %s' % (name, reason, check))
        return TransportError('could not resolve the host name %s (%s)' % (name, reason), sent=False, heals_within=HEALS_WITHIN)
    if isinstance(exc, ConnectionRefusedError):
        return TransportError('connection to %s%s:%s refused' % ('the proxy ' if via_proxy else '', peer[0], peer[1]), sent=False,
                              heals_within=HEALS_WITHIN)
    if isinstance(exc, ssl.SSLError) and not isinstance(exc, _TLS_CUT_SHORT):
        reason = getattr(exc, 'reason', None)
        if reason not in _TLS_TRANSIENT_REASONS:
            text = reason.lower().replace('_', ' ') if reason else _describe(exc)
            hint = _TLS_HINTS.get(reason, 'the server and this Python could not agree on TLS')
            return SetupError('TLS handshake with %s failed (%s): %s' % (where, text, hint))
    return TransportError('could not connect to %s: %s' % (where, _describe(exc)), sent=False)


class Transport:
    """One per module run.  ``request()`` may be called from several threads at once."""

    connection_classes = {'https': http.client.HTTPSConnection, 'http': http.client.HTTPConnection}

    def __init__(self, environ=None):
        self.environ = os.environ if environ is None else environ
        self._idle = {}  # (scheme, host, port) -> connections ready for another request
        self._lock = threading.Lock()
        self._context = None
        self.connections_opened = 0

    def request(self, method, url, params=None, headers=None, json=None, data=None, timeout=(10.0, 120.0)):
        """Send one request, without redirects or retries, and read the whole answer.
        ``timeout``: (seconds to connect, seconds to wait for each read)."""
        url = with_params(url, params)
        parts = urlsplit(url)
        key = (parts.scheme, parts.hostname, parts.port or DEFAULT_PORTS.get(parts.scheme))  # ValueError: bad port
        body, content_type = encode_body(json, data)
        all_headers = {'User-Agent': USER_AGENT, 'Accept': 'application/json'}
        if content_type:
            all_headers['Content-Type'] = content_type
        all_headers.update(headers or {})
        # Characters HTTP does not allow in a request line (a space in a service's nextLink) are
        # percent-encoded, as requests does; existing escapes are kept.
        target = quote((parts.path or '/') + ('?' + parts.query if parts.query else ''), safe="!#$%&'()*+,/:;=?@[]~")
        prepared = Request(method, url, all_headers, body)

        connection = self._reuse(key)
        if connection is None:
            connection = self._connect(key, timeout[0])
        try:
            connection.sock.settimeout(timeout[1])
            connection.request(method, target, body=body, headers=all_headers)
            answer = connection.getresponse()
            content = answer.read()
        except http.client.InvalidURL:  # raised before anything is written; its text quotes the URL
            connection.close()
            raise SetupError('the URL is not valid HTTP') from None
        except (OSError, http.client.HTTPException) as exc:
            connection.close()
            raise TransportError(_describe(exc), sent=True) from None
        except Exception:  # a header value http.client refuses (ValueError): the caller reports it
            connection.close()
            raise
        if answer.will_close:
            connection.close()
        else:
            self._keep(key, connection)
        return Response(answer.status, answer.reason, Headers(answer.getheaders()), content, prepared)

    def close(self):
        with self._lock:
            idle, self._idle = self._idle, {}
        for connections in idle.values():
            for connection in connections:
                connection.close()

    # --- connections ---

    def _reuse(self, key):
        """An idle connection to the host that the server has not closed meanwhile, or None."""
        while True:
            with self._lock:
                pool = self._idle.get(key)
                if not pool:
                    return None
                connection = pool.pop()
            # Readable while idle means the server closed it (or sent something unasked): do not use it.
            if connection.sock is not None and not select.select([connection.sock], [], [], 0)[0]:
                return connection
            connection.close()

    def _keep(self, key, connection):
        with self._lock:
            pool = self._idle.setdefault(key, [])
            if len(pool) < MAX_IDLE_PER_HOST:
                pool.append(connection)
                return
        connection.close()

    def _connect(self, key, connect_timeout):
        """A new connection, through the environment's proxy if any.  Nothing of the request has been
        sent if this fails."""
        scheme, host, port = key
        proxy = proxy_for(scheme, host, port, self.environ)
        connection_class = self.connection_classes[scheme]
        extra = {'context': self.tls_context()} if scheme == 'https' else {}
        if proxy:
            proxy_host, proxy_port, authorization = _proxy_address(proxy)
            connection = connection_class(proxy_host, proxy_port, timeout=connect_timeout, **extra)
            connection.set_tunnel(host, port, headers={'Proxy-Authorization': authorization} if authorization else None)
            where = '%s:%s through the proxy %s:%s' % (host, port, proxy_host, proxy_port)
        else:
            connection = connection_class(host, port, timeout=connect_timeout, **extra)
            where = '%s:%s' % (host, port)
        try:
            connection.connect()
        except ssl.SSLCertVerificationError as exc:
            connection.close()
            raise SetupError('TLS verification failed for %s: %s. Set REQUESTS_CA_BUNDLE to a bundle that includes '
                             'the issuer of that certificate' % (where, exc.verify_message or exc)) from None
        except (OSError, http.client.HTTPException) as exc:  # ssl.SSLError too
            connection.close()
            if proxy and ' 407 ' in str(exc):
                raise SetupError('the proxy %s:%s asks for credentials (407); give them in the proxy URL of the '
                                 'environment, http://user:password@host:port' % (proxy_host, proxy_port)) from None
            # The socket's own peer is the proxy when there is one: the proxy resolves and reaches the host.
            raise _connect_failure(exc, where, (proxy_host, proxy_port) if proxy else (host, port), bool(proxy)) from None
        with self._lock:
            self.connections_opened += 1
        return connection

    def tls_context(self):
        """One verifying TLS context per run: loading a CA bundle takes milliseconds."""
        with self._lock:
            if self._context is None:
                cafile, capath = ca_locations(self.environ)
                try:
                    self._context = ssl.create_default_context(cafile=cafile, capath=capath)
                except (OSError, ValueError) as exc:  # ssl.SSLError is an OSError: a file that is no PEM bundle
                    raise SetupError('the CA bundle %s could not be loaded (%s); REQUESTS_CA_BUNDLE or CURL_CA_BUNDLE '
                                     'must name a PEM file or a directory of them' % (cafile or capath, _describe(exc))) from None
            return self._context
