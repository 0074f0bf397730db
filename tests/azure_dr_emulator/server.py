# -*- coding: utf-8 -*-
# Copyright: contributors to the azure_dr.recovery collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The emulator's HTTPS server: TLS from a local CA, routing to the API handlers, regional outages,
armed faults, request ids and the request log."""

from __future__ import annotations

import json
import os
import re
import ssl
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlsplit

# An ARM path that names a region: groups, their list and failovers, operation results, async operations.
REGION_PATH = re.compile(r'^/subscriptions/[^/]+/(?:resourceGroups/[^/]+/)?providers/Microsoft\.Sql/locations/(?P<loc>[^/]+)')


class Response:
    def __init__(self, status, body=None, headers=None):
        self.status = status
        self.body = body
        self.headers = dict(headers or {})


class Request:
    def __init__(self, method, path, query, headers, body, base_url):
        self.method = method
        self.path = path
        self.query = query  # name -> first value
        self.headers = headers
        self.body = body
        self.base_url = base_url
        self.audience = None  # set by the API handler that checked the token
        self.caller = None
        self.peer = None  # host:port of the client's end of the connection (a proxy's, through one)

    def json(self):
        if not self.body:
            return None
        return json.loads(self.body.decode('utf-8'))


def ensure_tls(tls_dir):
    """CA and server certificate files in ``tls_dir``, made once and reused (so that clients keep
    trusting a restarted emulator).  Returns (ca_path, cert_path, key_path)."""
    import trustme

    os.makedirs(tls_dir, exist_ok=True)
    ca_cert, ca_key = os.path.join(tls_dir, 'ca.pem'), os.path.join(tls_dir, 'ca-key.pem')
    cert, key = os.path.join(tls_dir, 'server.pem'), os.path.join(tls_dir, 'server-key.pem')
    if all(os.path.exists(path) for path in (ca_cert, ca_key, cert, key)):
        return ca_cert, cert, key
    ca = trustme.CA(organization_name='azure_dr.recovery emulator')
    server = ca.issue_cert('127.0.0.1', 'localhost', '::1')
    ca.cert_pem.write_to_path(ca_cert)
    ca.private_key_pem.write_to_path(ca_key)
    server.private_key_pem.write_to_path(key)
    with open(cert, 'wb') as handle:
        for blob in server.cert_chain_pems:
            handle.write(blob.bytes())
    os.chmod(ca_key, 0o600)
    os.chmod(key, 0o600)
    return ca_cert, cert, key


class Handler(BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'
    server_version = 'azure-dr-emulator'
    # Headers and body leave in one write (flushed after each request), on a socket without Nagle's
    # algorithm: written apart, the body waited for the client's delayed ACK, 40 ms on every answer.
    wbufsize = -1
    disable_nagle_algorithm = True

    def log_message(self, format, *args):  # pylint: disable=redefined-builtin
        """Quiet: the request log is kept in the store and served at /_emulator/requests."""

    def do_GET(self):
        self._handle()

    def do_POST(self):
        self._handle()

    def do_PUT(self):
        self._handle()

    def do_DELETE(self):
        self._handle()

    def _handle(self):
        emulator = self.server.emulator
        started = emulator.last_activity = time.time()
        parts = urlsplit(self.path)
        length = int(self.headers.get('Content-Length') or 0)
        body = self.rfile.read(length) if length else b''
        query = {key: values[0] for key, values in parse_qs(parts.query, keep_blank_values=True).items()}
        request = Request(self.command, parts.path, query, self.headers, body, emulator.base_url)
        request.peer = '%s:%s' % tuple(self.client_address[:2])

        control = parts.path.startswith('/_emulator/')
        outage = None if control else emulator.outage_of(request)
        if outage:  # an unreachable region: nothing behind it, armed faults included, sees the request
            self._answer_outage(request, outage, started)
            return
        fault = None if control else emulator.take_fault(request)
        if fault and fault.get('delay'):
            time.sleep(float(fault['delay']))
        if fault and fault.get('drop'):
            emulator.log(request, 'dropped', started, fault=True)
            self.close_connection = True
            return
        if fault and fault.get('status'):
            response = Response(int(fault['status']), fault.get('body'), fault.get('headers'))
            if fault.get('retry_after') is not None:
                response.headers['Retry-After'] = str(fault['retry_after'])
        else:
            response = emulator.dispatch(request)
        if not control:  # logged before answering, so that a client that got its answer finds it in the log
            emulator.log(request, response.status, started, fault=bool(fault))
        self._send(request, response)

    def _answer_outage(self, request, outage, started):
        emulator = self.server.emulator
        if outage['mode'] == 'unavailable':
            response = Response(503, {'error': {
                'code': 'ServiceUnavailable',
                'message': "The service is temporarily unavailable in region '%s'. Please retry the request later."
                           % outage['location']}}, {'Retry-After': str(emulator.store.settings['outage_retry_after'])})
            emulator.log(request, 503, started, outage=True)
            self._send(request, response)
            return
        # Logged before the hold, so that a client that gave up waiting finds it; held outside the store lock.
        entry = emulator.log(request, 'timeout', started, outage=True)
        emulator.stopping.wait(float(emulator.store.settings['outage_hang_seconds']))
        entry['duration'] = round(time.time() - started, 4)
        self.close_connection = True

    def _send(self, request, response):
        headers = dict(response.headers)
        if request.path == '/subscriptions' or request.path.startswith('/subscriptions/'):
            headers.setdefault('x-ms-request-id', str(uuid.uuid4()))
            headers.setdefault('x-ms-correlation-request-id',
                               request.headers.get('x-ms-correlation-request-id') or str(uuid.uuid4()))
        elif request.path.startswith('/v1/'):
            headers.setdefault('RequestId', (response.body or {}).get('requestId') if isinstance(response.body, dict)
                               and response.body.get('requestId') else str(uuid.uuid4()))
        payload = b''
        if response.body is not None:
            payload = json.dumps(response.body).encode('utf-8')
            headers.setdefault('Content-Type', 'application/json; charset=utf-8')
        self.send_response(response.status)
        for name, value in headers.items():
            self.send_header(name, str(value))
        self.send_header('Content-Length', str(len(payload)))
        self.end_headers()
        if payload and self.command != 'HEAD':
            self.wfile.write(payload)


class TLSServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address, context, emulator):
        super().__init__(address, Handler)
        self.context = context
        self.emulator = emulator

    def finish_request(self, request, client_address):
        # The TLS handshake happens in the request's own thread, so a slow client blocks nobody.
        try:
            request = self.context.wrap_socket(request, server_side=True)
        except (ssl.SSLError, OSError):
            return
        super().finish_request(request, client_address)


class Emulator:
    """One HTTPS endpoint for every emulated API.  ``routes`` are (method, path regex, handler)."""

    def __init__(self, store, routes, host='127.0.0.1', port=0, tls_dir=None):
        self.store = store
        self.routes = [(method, re.compile(pattern), handler) for method, pattern, handler in routes]
        self.ca_path, cert, key = ensure_tls(tls_dir)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert, key)
        self.httpd = TLSServer((host, port), context, self)
        self.host, self.port = self.httpd.server_address[:2]
        self.base_url = 'https://%s:%d' % (self.host, self.port)
        self.thread = None
        self.last_activity = time.time()
        self.stopping = threading.Event()  # ends the hold of requests to a region out in mode 'timeout'

    def serve_forever(self):
        self.httpd.serve_forever(poll_interval=0.1)

    def exit_when_idle(self, seconds):
        """Stop serving after ``seconds`` without a request (an emulator started by a test run does
        not outlive it)."""
        def watch():
            while time.time() - self.last_activity < seconds:
                time.sleep(1)
            self.httpd.shutdown()
        threading.Thread(target=watch, name='idle-exit', daemon=True).start()

    def start(self):
        self.thread = threading.Thread(target=self.serve_forever, name='azure-dr-emulator', daemon=True)
        self.thread.start()
        return self

    def stop(self):
        self.stopping.set()
        if self.thread is not None:
            self.httpd.shutdown()
            self.thread = None
        self.httpd.server_close()

    def dispatch(self, request):
        allowed = False
        for method, pattern, handler in self.routes:
            match = pattern.match(request.path)
            if not match:
                continue
            allowed = True
            if method != request.method:
                continue
            with self.store.lock:
                self.store.advance()
                return handler(request, self.store, **match.groupdict())
        if allowed:
            return Response(405, {'error': {'code': 'MethodNotAllowed', 'message': 'The method is not allowed.'}})
        return Response(404, {'error': {'code': 'NotFound', 'message': 'No route for %s' % request.path}})

    def take_fault(self, request):
        with self.store.lock:
            for fault in self.store.faults:
                if fault['remaining'] <= 0:
                    continue
                if fault.get('method') and fault['method'].upper() != request.method:
                    continue
                if fault.get('path') and not re.search(fault['path'], request.path):
                    continue
                if fault.get('skipped', 0) < int(fault.get('skip', 0)):  # let the first N matches through
                    fault['skipped'] = fault.get('skipped', 0) + 1
                    continue
                fault['remaining'] -= 1
                return fault
        return None

    def outage_of(self, request):
        """The outage of the region the request's path names, or None (Entra ID and Fabric paths name none)."""
        match = REGION_PATH.match(request.path)
        if not match:
            return None
        with self.store.lock:
            return self.store.outage(unquote(match.group('loc')))

    def log(self, request, status, started, fault=False, outage=False):
        entry = {
            'time': started, 'duration': round(time.time() - started, 4), 'method': request.method,
            'path': request.path, 'query': request.query, 'status': status, 'audience': request.audience,
            'caller': request.caller, 'fault': fault, 'outage': outage, 'peer': request.peer,
        }
        with self.store.lock:
            self.store.requests.append(entry)
        return entry
