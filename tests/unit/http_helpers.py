# -*- coding: utf-8 -*-
# Copyright: contributors to the azure_dr.recovery collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""What ``requests`` raises and returns, built as it really builds them, for the unit tests that answer
requests with the ``responses`` library.

A failure is registered as the body of an answer; ``responses`` raises it from the adapter, where
``requests`` would have raised it, so ``_http.failure_of`` classifies it as in a real run::

    responses.get(URL, body=refused(URL))          # the next GET of URL: connection refused
    responses.get(URL, json={'name': 'fg'})        # the one after: an answer

Each builder wraps the operating system's (or OpenSSL's) error the way urllib3 2.x and requests 2.x do:
``requests.exceptions.X(urllib3.exceptions.MaxRetryError(pool, url, reason=<urllib3 error>))`` for a
connection that was never made, the urllib3 error itself for a failure after the request was written
(urllib3's own retries are off: ``Retry(total=0, read=False)``).
"""

from __future__ import annotations

import json
import socket
import ssl
from urllib.parse import urlsplit

import requests
from requests import exceptions as rex
from urllib3 import exceptions as u3
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool


PROXY_VARIABLES = ('HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy', 'ALL_PROXY', 'all_proxy', 'NO_PROXY', 'no_proxy')


def clear_proxy_environment(monkeypatch):
    """No proxy from the developer's or CI's environment: the test sets the one it means."""
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)


def _ends(url):
    """(urllib3 connection pool, connection) to the URL's host, as urllib3 names them in its errors.
    Neither opens a connection."""
    parts = urlsplit(url)
    https = parts.scheme == 'https'
    port = parts.port or (443 if https else 80)
    pool = (HTTPSConnectionPool if https else HTTPConnectionPool)(parts.hostname, port)
    connection = (HTTPSConnection if https else HTTPConnection)(parts.hostname, port)
    return pool, connection


def _caused_by(error, cause):
    error.__cause__ = cause
    return error


def _never_connected(url, reason, kind=rex.ConnectionError):
    pool, _connection = _ends(url)
    return kind(u3.MaxRetryError(pool, urlsplit(url).path or '/', reason=reason))


# --- the connection was never made: nothing was sent ---

def connect_failure(url, os_error):
    """The TCP connection could not be made (``os_error``: refused, no route to host...)."""
    _pool, connection = _ends(url)
    reason = u3.NewConnectionError(connection, 'Failed to establish a new connection: %s' % os_error)
    return _never_connected(url, _caused_by(reason, os_error))


def refused(url):
    return connect_failure(url, ConnectionRefusedError(111, 'Connection refused'))


def unresolvable(url, errno=socket.EAI_NONAME, text='Name or service not known'):
    """getaddrinfo() failed for the URL's host: ``errno`` EAI_NONAME (the name does not exist), EAI_AGAIN..."""
    _pool, connection = _ends(url)
    error = socket.gaierror(errno, text)
    return _never_connected(url, _caused_by(u3.NameResolutionError(urlsplit(url).hostname, connection, error), error))


def connect_timeout(url, seconds=10.0):
    _pool, connection = _ends(url)
    reason = u3.ConnectTimeoutError(connection, 'Connection to %s timed out. (connect timeout=%s)'
                                    % (urlsplit(url).hostname, seconds))
    return _never_connected(url, _caused_by(reason, TimeoutError('timed out')), kind=rex.ConnectTimeout)


def _openssl_error(kind, errno, reason, text, library='SSL'):
    """An ``ssl.SSLError`` as OpenSSL fills it in: ``reason`` and ``library`` set."""
    error = kind(errno, '[%s: %s] %s (_ssl.c:1006)' % (library, reason, text))
    error.reason, error.library = reason, library
    return error


def _tls_error(url, error):
    return _never_connected(url, u3.SSLError(error), kind=rex.SSLError)


def tls_failure(url, reason):
    """The TLS handshake failed with OpenSSL's ``reason`` (WRONG_VERSION_NUMBER, UNSUPPORTED_PROTOCOL...)."""
    return _tls_error(url, _openssl_error(ssl.SSLError, 1, reason, reason.lower().replace('_', ' ')))


def handshake_cut_short(url):
    """The server closed the connection during the TLS handshake."""
    return _tls_error(url, _openssl_error(ssl.SSLEOFError, 8, 'UNEXPECTED_EOF_WHILE_READING',
                                          'EOF occurred in violation of protocol'))


def untrusted_certificate(url, verify_message='unable to get local issuer certificate'):
    error = _openssl_error(ssl.SSLCertVerificationError, 1, 'CERTIFICATE_VERIFY_FAILED',
                           'certificate verify failed: %s' % verify_message)
    error.verify_message, error.verify_code = verify_message, 20
    return _tls_error(url, error)


def proxy_refusal(url, status='407 Proxy Authentication Required'):
    """The proxy answered the CONNECT for the URL's host with ``status``."""
    reason = u3.ProxyError('Unable to connect to proxy', OSError('Tunnel connection failed: %s' % status))
    return _never_connected(url, reason, kind=rex.ProxyError)


# --- the request was written: the service may have received it ---

def read_timeout(url, seconds=120.0):
    pool, _connection = _ends(url)
    reason = u3.ReadTimeoutError(pool, url, 'Read timed out. (read timeout=%s)' % seconds)
    return rex.ReadTimeout(_caused_by(reason, TimeoutError('timed out')))


def connection_reset():
    return rex.ConnectionError(u3.ProtocolError('Connection aborted.', ConnectionResetError(104, 'Connection reset by peer')))


def body_cut_short(read=4, missing=16):
    """The connection closed before the body of the answer was whole."""
    incomplete = u3.IncompleteRead(read, missing)
    return rex.ChunkedEncodingError(u3.ProtocolError('Connection broken: %r' % incomplete, incomplete))


# --- answers ---

def make_response(status, body=None, text=None, headers=None, method='GET', url='https://h.test/p?api-version=1'):
    """A ``requests.Response`` read whole, as ``Session.send`` returns it: a JSON ``body`` or a ``text``."""
    response = requests.Response()
    response.status_code = status
    response.headers = requests.structures.CaseInsensitiveDict(headers or {})
    if body is not None:
        response._content = json.dumps(body).encode('utf-8')
        response.headers.setdefault('Content-Type', 'application/json')
    else:
        response._content = (text or '').encode('utf-8')
    response.encoding = 'utf-8'
    response.request = requests.Request(method, url).prepare()
    response.url = response.request.url
    return response
