# -*- coding: utf-8 -*-
# Copyright: contributors to the azure_dr.recovery collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""A fake service (``fake_http``) for the unit tests of everything above ``_transport``.

It replaces only the ``http.client`` connection classes that ``_transport.Transport`` opens, so
the transport's own code (bodies, headers, answers, and which failures count as "never sent")
runs for real.  The API follows the ``responses`` library's::

    @fake_http.activate
    def test_x():
        fake_http.get(URL, json={...}, status=200, headers={...})
        fake_http.post(URL, body=TimeoutError())        # raised while waiting for the answer
        fake_http.fail_connect(URL, ConnectionRefusedError())  # the next connection to URL's host
        fake_http.fail_connect(URL, TimeoutError(), times=None)  # every connection from now on
        ...
        assert fake_http.calls[0].request.headers['Authorization'] == ...

Answers registered for the same request are used in order, and the last one again and again.  A
request without a registered answer fails the test.
"""

from __future__ import annotations

import contextlib
import functools
import json as jsonlib
import threading
from urllib.parse import parse_qsl, urlsplit

from ansible_collections.azure_dr.recovery.plugins.module_utils import _transport

GET, POST = 'GET', 'POST'
REASONS = {200: 'OK', 201: 'Created', 202: 'Accepted', 204: 'No Content', 400: 'Bad Request', 401: 'Unauthorized',
           403: 'Forbidden', 404: 'Not Found', 408: 'Request Timeout', 409: 'Conflict', 429: 'Too Many Requests',
           500: 'Internal Server Error', 502: 'Bad Gateway', 503: 'Service Unavailable', 504: 'Gateway Timeout'}


class UnexpectedRequest(AssertionError):
    pass


def query_param_matcher(params):
    """The request's query must be exactly these parameters."""
    expected = {key: str(value) for key, value in params.items()}
    return lambda query: dict(parse_qsl(query, keep_blank_values=True)) == expected


def query_string_matcher(query_string):
    return query_param_matcher(dict(parse_qsl(query_string, keep_blank_values=True)))


class Call:
    def __init__(self, request, answer):
        self.request = request
        self.response = answer


class _Route:
    def __init__(self, method, url, status=200, json=None, body=None, headers=None, content_type=None, match=(),
                 callback=None):
        parts = urlsplit(url)
        self.method = method
        self.base = url.split('?', 1)[0]
        self.matchers = list(match) + ([query_string_matcher(parts.query)] if parts.query else [])
        self.callback = callback
        self.calls = []
        self.status = status
        self.headers = dict(headers or {})
        self.error = body if isinstance(body, BaseException) else None
        if json is not None:
            self.content = jsonlib.dumps(json).encode()
            self.headers.setdefault('Content-Type', 'application/json')
        elif isinstance(body, str):
            self.content = body.encode()
        else:
            self.content = b'' if self.error is not None else (body or b'')
        if content_type:
            self.headers['Content-Type'] = content_type

    @property
    def call_count(self):
        return len(self.calls)

    def matches(self, method, url):
        base, _sep, query = url.partition('?')
        return method == self.method and base == self.base and all(matcher(query) for matcher in self.matchers)


class FakeHttp:
    GET, POST = GET, POST

    def __init__(self):
        self._lock = threading.Lock()
        self.reset()

    def reset(self):
        self.routes = []
        self.calls = []
        self.connect_failures = {}  # (host, port) -> [exceptions]
        self.failing_for_good = set()  # (host, port): the last failure is raised again and again
        self.connect_attempts = 0

    # --- registering answers ---

    def add(self, method, url, **answer):
        """Returns the route: its ``calls`` and ``call_count`` are the requests it answered."""
        route = _Route(method, url, **answer)
        with self._lock:
            self.routes.append(route)
        return route

    def get(self, url, **answer):
        return self.add(GET, url, **answer)

    def post(self, url, **answer):
        return self.add(POST, url, **answer)

    def add_callback(self, method, url, callback):
        """``callback(request)`` returns (status, headers, body text)."""
        return self.add(method, url, callback=callback)

    def fail_connect(self, url, error, times=1):
        """The next ``times`` connections to the URL's host fail with ``error`` while connecting
        (``times=None``: every one from now on).  ``connect_attempts`` counts the tries."""
        parts = urlsplit(url)
        key = (parts.hostname, parts.port or _transport.DEFAULT_PORTS[parts.scheme])
        with self._lock:
            self.connect_failures.setdefault(key, []).extend([error] * (times or 1))
            if times is None:
                self.failing_for_good.add(key)

    # --- switching it on ---

    @contextlib.contextmanager
    def active(self):
        self.reset()
        saved = _transport.Transport.connection_classes
        _transport.Transport.connection_classes = {'https': self._connection_class('https'),
                                                   'http': self._connection_class('http')}
        try:
            yield self
        finally:
            _transport.Transport.connection_classes = saved
            self.reset()

    def activate(self, test):
        @functools.wraps(test)
        def wrapper(*args, **kwargs):
            with self.active():
                return test(*args, **kwargs)
        return wrapper

    # --- the service side ---

    def _connection_class(self, scheme):
        fake = self

        class FakeConnection:
            def __init__(self, host, port, timeout=None, context=None):
                self.host, self.port, self.sock = host, port, None
                self.tunnel = None
                self.sent = None

            def set_tunnel(self, host, port, headers=None):
                self.tunnel = (host, port, headers)

            def connect(self):
                failure = fake._connect_failure(self.host, self.port)
                if failure is not None:
                    raise failure
                self.sock = _FakeSocket()

            def request(self, method, target, body=None, headers=None):
                self.sent = (method, target, body, headers)

            def getresponse(self):
                method, target, body, headers = self.sent
                default = _transport.DEFAULT_PORTS[scheme]
                url = '%s://%s%s%s' % (scheme, self.host, '' if self.port == default else ':%d' % self.port, target)
                return fake._answer(_transport.Request(method, url, _transport.Headers(headers or {}),
                                                       body.decode('utf-8') if body else None))

            def close(self):
                self.sock = None

        return FakeConnection

    def _connect_failure(self, host, port):
        with self._lock:
            self.connect_attempts += 1
            failures = self.connect_failures.get((host, port))
            if not failures:
                return None
            return failures[0] if len(failures) == 1 and (host, port) in self.failing_for_good else failures.pop(0)

    def _answer(self, request):
        with self._lock:
            found = [route for route in self.routes if route.matches(request.method, request.url)]
            if len(found) > 1:
                self.routes.remove(found[0])
            route = found[0] if found else None
            call = Call(request, None)
            self.calls.append(call)
            if route is not None:
                route.calls.append(call)
        if route is None:
            raise UnexpectedRequest('no fake answer for %s %s' % (request.method, request.url))
        if route.error is not None:
            raise route.error
        if route.callback is not None:
            status, headers, text = route.callback(request)
            answer = _FakeAnswer(status, headers, text.encode() if isinstance(text, str) else text)
        else:
            answer = _FakeAnswer(route.status, route.headers, route.content)
        call.response = answer
        return answer


class _FakeSocket:
    def settimeout(self, seconds):
        pass


class _FakeAnswer:
    will_close = True  # never pooled: each request opens (and may fail to open) its own connection

    def __init__(self, status, headers, content):
        self.status = status
        self.reason = REASONS.get(status, '')
        self.headers = dict(headers or {})
        self.content = content

    def getheaders(self):
        return list(self.headers.items())

    def read(self):
        return self.content


fake_http = FakeHttp()
