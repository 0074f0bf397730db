# -*- coding: utf-8 -*-
# Copyright: contributors to the azure_dr.recovery collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""``_http.Session`` and ``HttpClient`` over real sockets: the emulator's TLS, kept-alive connections
counted where they arrive, servers that close them or never answer, CONNECT proxies (over http and over
TLS), and the failures that decide whether a request may be sent again."""

from __future__ import annotations

import base64
import os
import re
import select
import socket
import ssl
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import trustme

from ansible_collections.azure_dr.recovery.plugins.module_utils._errors import AzureDRError, RetryBudgetExceeded
from ansible_collections.azure_dr.recovery.plugins.module_utils._http import (
    HEALS_WITHIN,
    MIN_POOL,
    HttpClient,
    Session,
    SetupError,
    TransportError,
)
from ansible_collections.azure_dr.recovery.tests.unit.http_helpers import clear_proxy_environment

HEALTH = '/_emulator/health'
# Seconds any one step of a test may take before the test fails: never waited when all goes well.
PATIENCE = 10


@pytest.fixture(autouse=True)
def no_proxy_of_the_environment(monkeypatch):
    clear_proxy_environment(monkeypatch)


@pytest.fixture
def session():
    opened = Session()
    yield opened
    opened.close()


def direct(session):
    """An HttpClient for requests that must succeed at once: a retry fails the test, with its reason."""
    return HttpClient(session=session, on_retry=pytest.fail)


def client(clock, session, **kwargs):
    """An HttpClient on a real session, with the fake clock: its waits take no time."""
    return HttpClient(session=session, sleep=clock.sleep, clock=clock, rand=lambda: 0.5, **kwargs)


class Server:
    """A loopback TCP server that runs ``handler(connection)`` in a thread of its own for each connection
    (wrapped in TLS first with ``context``), and counts the connections.  Used as a context manager:
    leaving it stops accepting and waits for the handlers to end."""

    def __init__(self, handler, context=None):
        self.listener = socket.create_server(('127.0.0.1', 0))
        self.port = self.listener.getsockname()[1]
        self.connections = 0
        self.errors = []
        self._handler = handler
        self._context = context
        self._stopping = threading.Event()
        self._threads = []
        self._acceptor = threading.Thread(target=self._accept, daemon=True)
        self._acceptor.start()

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()

    def _accept(self):
        with self.listener:
            while True:
                conn, _address = self.listener.accept()
                if self._stopping.is_set():
                    conn.close()
                    return
                self.connections += 1
                thread = threading.Thread(target=self._serve, args=(conn,), daemon=True)
                self._threads.append(thread)
                thread.start()

    def _serve(self, conn):
        conn.settimeout(PATIENCE)
        try:
            if self._context is not None:
                conn = self._context.wrap_socket(conn, server_side=True)
            with conn:
                self._handler(conn)
        except Exception as exc:  # pylint: disable=broad-except  # seen by the test that asks
            self.errors.append(exc)

    def close(self):
        if not self._stopping.is_set():
            self._stopping.set()
            socket.create_connection(('127.0.0.1', self.port)).close()  # wakes accept()
        self._acceptor.join(PATIENCE)
        for thread in self._threads:
            thread.join(PATIENCE)
        assert not any(thread.is_alive() for thread in [self._acceptor] + self._threads), 'a server thread did not end'


def read_head(conn):
    """The head of one HTTP request (text), or '' when the client closed the connection."""
    data = b''
    while b'\r\n\r\n' not in data:
        chunk = conn.recv(4096)
        if not chunk:
            return ''
        data += chunk
    head, _sep, rest = data.partition(b'\r\n\r\n')
    length = next((int(line.split(':', 1)[1]) for line in head.decode('latin-1').split('\r\n')
                   if line.lower().startswith('content-length:')), 0)
    while len(rest) < length:
        rest += conn.recv(4096)
    return head.decode('latin-1')


OK = b'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}'


def free_port():
    """A loopback port where nothing listens (it did a moment ago)."""
    with socket.create_server(('127.0.0.1', 0)) as placeholder:
        return placeholder.getsockname()[1]


@pytest.fixture
def emulator_connections(emu, monkeypatch):
    """The client addresses of the connections the emulator accepts from now on, one per connection."""
    accepted = []
    server = emu.emulator.httpd
    accept = server.process_request

    def process_request(request, client_address):
        accepted.append(client_address)
        accept(request, client_address)

    monkeypatch.setattr(server, 'process_request', process_request)
    return accepted


# --- kept-alive connections ---

def test_requests_to_one_host_share_one_kept_alive_connection(emu, emulator_connections, session):
    http = direct(session)
    for dummy in range(3):
        assert http.request('GET', emu.url + HEALTH).json()['status'] == 'ok'
    assert len(emulator_connections) == 1


def test_threads_share_the_pool_and_leave_their_connections_for_reuse(emu, emulator_connections, session):
    http = direct(session)
    barrier = threading.Barrier(3, timeout=PATIENCE)

    def worker(dummy):
        barrier.wait()
        return http.request('GET', emu.url + HEALTH).status_code

    with ThreadPoolExecutor(3) as pool:
        statuses = list(pool.map(worker, range(3)))
    opened = len(emulator_connections)
    assert statuses == [200, 200, 200] and 1 <= opened <= 3
    http.request('GET', emu.url + HEALTH)
    assert len(emulator_connections) == opened


@pytest.mark.parametrize('pool_size,reopened', [(MIN_POOL + 2, 0), (1, 2)], ids=['max_concurrency', 'smallest'])
def test_the_pool_keeps_as_many_connections_as_the_batch_has_threads(pool_size, reopened):
    """MIN_POOL + 2 requests at once, twice: with a pool of that size (a batch's max_concurrency) the second
    round finds every connection kept; with the smallest pool (MIN_POOL) two were dropped and are opened again."""
    threads = MIN_POOL + 2
    together = threading.Barrier(threads, timeout=PATIENCE)  # answers only when every request is in flight

    def answer_when_all_arrived(conn):
        while read_head(conn):
            together.wait()
            conn.sendall(OK)

    session = Session(pool_size=pool_size)
    http = direct(session)
    with Server(answer_when_all_arrived) as server:
        url = 'http://127.0.0.1:%d/x' % server.port
        with ThreadPoolExecutor(threads) as pool:
            first = list(pool.map(lambda dummy: http.request('GET', url).json(), range(threads)))
            opened = server.connections
            second = list(pool.map(lambda dummy: http.request('GET', url).json(), range(threads)))
        session.close()
    assert first == second == [{}] * threads and server.errors == []
    assert opened == threads and server.connections - opened == reopened


def test_a_connection_the_server_closed_while_idle_is_not_used_again(session):
    closed = threading.Event()

    def answer_once_then_close(conn):
        read_head(conn)
        conn.sendall(OK)
        conn.close()
        closed.set()

    with Server(answer_once_then_close) as server:
        url = 'http://127.0.0.1:%d/x' % server.port
        http = direct(session)
        assert http.request('GET', url).json() == {}
        assert closed.wait(PATIENCE)
        assert http.request('POST', url, json={'a': 1}).json() == {}  # on a new connection: nothing lost
    assert server.connections == 2 and server.errors == []


def test_the_user_agent_query_headers_and_a_json_body_are_sent(session):
    received = []

    def record(conn):
        received.append(read_head(conn))
        conn.sendall(b'HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n')

    with Server(record) as server:
        answer = session.send('POST', 'http://127.0.0.1:%d/p%%2Fq r' % server.port, params={'api-version': '1'},
                              headers={'X-Test': 'yes'}, json={'k': 'v'})
    head = received[0]
    assert answer.status_code == 204 and answer.content == b''
    assert head.startswith('POST /p%2Fq%20r?api-version=1 HTTP/1.1')  # a space encoded, an escape kept
    assert 'User-Agent: azure_dr.recovery/' in head and 'X-Test: yes' in head and 'Content-Type: application/json' in head
    assert 'Accept: application/json' in head and 'Content-Length: 10' in head  # {"k": "v"}


# --- connections that cannot be made ---

def test_a_refused_connection_was_never_sent_and_heals_within_seconds_if_at_all(session):
    port = free_port()
    with pytest.raises(TransportError) as caught:
        session.send('POST', 'http://127.0.0.1:%d/failover' % port)
    assert caught.value.sent is False and not isinstance(caught.value, SetupError)
    assert str(caught.value) == 'connection to 127.0.0.1:%d refused' % port and caught.value.heals_within == HEALS_WITHIN


def test_a_refused_connection_is_given_up_within_seconds_whatever_the_budget(clock, session):
    port = free_port()
    with pytest.raises(RetryBudgetExceeded) as caught:
        client(clock, session, retry_budget=900).request('POST', 'http://127.0.0.1:%d/x' % port)
    assert sum(clock.sleeps) == 8.0 and len(clock.sleeps) == 4
    assert 'connection to 127.0.0.1:%d refused' % port in caught.value.message


def resolve_or_skip(host):
    """Skip when this machine has no name server to ask (the answer would be "try again")."""
    try:
        socket.getaddrinfo(host, 443)
    except socket.gaierror as exc:
        if exc.errno == socket.EAI_AGAIN:
            pytest.skip('no name server answers here')
        return
    pytest.skip('%s resolves here' % host)


def test_a_host_name_that_does_not_exist_is_final_and_named(clock, session):
    resolve_or_skip('no-such-host.invalid')  # RFC 6761: never a real name
    with pytest.raises(SetupError) as caught:
        session.send('GET', 'https://no-such-host.invalid/v1/admin/workspaces')
    assert str(caught.value).startswith('could not resolve the host name no-such-host.invalid (')
    with pytest.raises(AzureDRError) as caught:
        client(clock, session, retry_budget=900).request('GET', 'https://no-such-host.invalid/v1/admin/workspaces')
    assert clock.sleeps == [] and not isinstance(caught.value, RetryBudgetExceeded)
    assert 'could not resolve the host name no-such-host.invalid' in caught.value.message
    assert 'fabric_endpoint' in caught.value.message


def test_a_proxy_whose_host_name_does_not_exist_is_final_and_named(monkeypatch, session):
    resolve_or_skip('no-such-proxy.invalid')
    monkeypatch.setenv('HTTPS_PROXY', 'http://no-such-proxy.invalid:3128')
    with pytest.raises(SetupError, match='could not resolve the host name of the proxy no-such-proxy.invalid .*HTTPS_PROXY'):
        session.send('GET', 'https://arm.example.test/x')


def test_tls_spoken_to_a_plain_http_port_is_final_and_named(clock, session):
    def answer_in_plain_http(conn):
        conn.recv(4096)
        conn.sendall(b'HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n')

    with Server(answer_in_plain_http) as server:
        with pytest.raises(AzureDRError) as caught:
            client(clock, session, retry_budget=900).request('POST', 'https://127.0.0.1:%d/failover' % server.port)
    assert clock.sleeps == [] and not isinstance(caught.value, RetryBudgetExceeded) and server.connections == 1
    assert 'TLS handshake with 127.0.0.1:%d failed (wrong version number): is it an https endpoint?' % server.port \
        in caught.value.message


def test_a_handshake_cut_short_was_never_sent_and_may_be_tried_again(session):
    def hang_up_after_the_client_hello(conn):
        conn.recv(65536)

    with Server(hang_up_after_the_client_hello) as server:
        with pytest.raises(TransportError) as caught:
            session.send('POST', 'https://127.0.0.1:%d/failover' % server.port)
    assert caught.value.sent is False and not isinstance(caught.value, SetupError)
    assert str(caught.value).startswith('could not connect to 127.0.0.1:%d: ' % server.port)


def test_no_answer_within_the_read_timeout_may_have_been_received(clock, session):
    def read_and_say_nothing(conn):
        read_head(conn)
        conn.recv(1)  # until the client gives up

    with Server(read_and_say_nothing) as server:
        url = 'http://127.0.0.1:%d/failover' % server.port
        with pytest.raises(TransportError) as caught:
            session.send('POST', url, timeout=(5, 0.3))
        assert caught.value.sent is True and 'timed out' in str(caught.value)
        with pytest.raises(AzureDRError) as caught:
            client(clock, session, timeout=(5, 0.3)).request('POST', url)
    assert 'may have received the request' in caught.value.message and clock.sleeps == []
    assert server.connections == 2  # one per POST: neither sent again


# --- certificates and CA bundles ---

def test_a_server_certificate_from_another_ca_is_refused(emu, monkeypatch, session):
    certifi = pytest.importorskip('certifi')
    monkeypatch.setenv('REQUESTS_CA_BUNDLE', certifi.where())
    with pytest.raises(SetupError) as caught:
        session.send('GET', emu.url + HEALTH)
    assert str(caught.value).startswith('TLS verification failed for 127.0.0.1:%d: ' % emu.emulator.port)
    assert 'Set REQUESTS_CA_BUNDLE to a bundle that includes the issuer' in str(caught.value)


def test_a_ca_bundle_that_cannot_be_found_is_final_and_named(emu, monkeypatch, tmp_path, session):
    missing = str(tmp_path / 'missing.pem')
    monkeypatch.setenv('REQUESTS_CA_BUNDLE', missing)
    with pytest.raises(SetupError, match=r'the CA bundle could not be found \(%s\); REQUESTS_CA_BUNDLE' % re.escape(missing)):
        session.send('GET', emu.url + HEALTH)


def test_a_ca_bundle_that_cannot_be_loaded_is_final_and_named(emu, monkeypatch, tmp_path, clock, session):
    not_pem = tmp_path / 'bundle.pem'
    not_pem.write_text('not a certificate')
    monkeypatch.setenv('REQUESTS_CA_BUNDLE', str(not_pem))
    with pytest.raises(SetupError, match=r'the CA bundle could not be loaded \(no certificate or crl found\); '
                                         'REQUESTS_CA_BUNDLE or CURL_CA_BUNDLE must name a PEM file'):
        session.send('GET', emu.url + HEALTH)
    with pytest.raises(AzureDRError, match='the CA bundle could not be loaded'):
        client(clock, session, retry_budget=900).request('GET', emu.url + HEALTH)
    assert clock.sleeps == []


def test_curl_ca_bundle_is_read_when_requests_ca_bundle_is_not_set(emu, monkeypatch, session):
    monkeypatch.delenv('REQUESTS_CA_BUNDLE')
    monkeypatch.setenv('CURL_CA_BUNDLE', emu.emulator.ca_path)
    assert session.send('GET', emu.url + HEALTH).status_code == 200


# --- proxies ---

def relay(one, other):
    """Bytes both ways between two sockets until either end closes (or says nothing for PATIENCE seconds)."""
    ends = (one, other)
    while True:
        # Bytes a TLS socket decrypted already are not seen by select().
        ready = [end for end in ends if isinstance(end, ssl.SSLSocket) and end.pending()]
        ready = ready or select.select(ends, [], [], PATIENCE)[0]
        if not ready:
            return
        for source in ready:
            try:
                data = source.recv(65536)
            except OSError:
                return
            if not data:
                return
            (other if source is one else one).sendall(data)


def connect_proxy(seen, context=None):
    """A CONNECT proxy (reached over TLS with ``context``): records each request head, then relays."""
    def handler(conn):
        head = read_head(conn)
        seen.append(head)
        host, port = head.split()[1].rsplit(':', 1)
        with socket.create_connection((host, int(port)), timeout=PATIENCE) as upstream:
            conn.sendall(b'HTTP/1.1 200 Connection established\r\n\r\n')
            relay(conn, upstream)
    return Server(handler, context)


def test_https_goes_through_the_proxy_of_the_environment_with_its_credentials(emu, emulator_connections, monkeypatch):
    seen = []
    with connect_proxy(seen) as proxy:
        monkeypatch.setenv('HTTPS_PROXY', 'http://dr%%20ops:p%%40ss@127.0.0.1:%d' % proxy.port)
        session = Session()
        http = direct(session)
        for dummy in range(2):
            assert http.request('GET', emu.url + HEALTH).json()['status'] == 'ok'
        session.close()
    assert proxy.errors == [] and proxy.connections == 1 and len(emulator_connections) == 1  # one tunnel, kept
    assert seen[0].startswith('CONNECT 127.0.0.1:%d HTTP/' % emu.emulator.port)
    assert 'Proxy-Authorization: Basic %s' % base64.b64encode(b'dr ops:p@ss').decode() in seen[0]


def test_a_proxy_reached_over_tls_works(emu, emulator_connections, monkeypatch, tls_dir):
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)  # the emulator's certificate: its CA is REQUESTS_CA_BUNDLE
    context.load_cert_chain(os.path.join(tls_dir, 'server.pem'), os.path.join(tls_dir, 'server-key.pem'))
    seen = []
    with connect_proxy(seen, context) as proxy:
        monkeypatch.setenv('HTTPS_PROXY', 'https://127.0.0.1:%d' % proxy.port)
        session = Session()
        assert direct(session).request('GET', emu.url + HEALTH).json()['status'] == 'ok'
        session.close()
    assert proxy.errors == [] and proxy.connections == 1 and len(emulator_connections) == 1
    assert seen[0].startswith('CONNECT 127.0.0.1:%d HTTP/' % emu.emulator.port)


def test_a_proxy_reached_over_tls_whose_certificate_is_not_trusted_is_final(emu, monkeypatch, tls_dir, tmp_path, clock):
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(os.path.join(tls_dir, 'server.pem'), os.path.join(tls_dir, 'server-key.pem'))
    other_ca = trustme.CA()
    other_ca.cert_pem.write_to_path(str(tmp_path / 'other-ca.pem'))
    with connect_proxy([], context) as proxy:
        monkeypatch.setenv('HTTPS_PROXY', 'https://127.0.0.1:%d' % proxy.port)
        monkeypatch.setenv('REQUESTS_CA_BUNDLE', str(tmp_path / 'other-ca.pem'))
        session = Session()
        with pytest.raises(AzureDRError, match=r'TLS verification failed for the proxy 127.0.0.1:%d: .*REQUESTS_CA_BUNDLE'
                           % proxy.port):
            client(clock, session, retry_budget=900).request('GET', emu.url + HEALTH)
        session.close()
    assert clock.sleeps == []  # final at once, whatever the budget


def test_no_proxy_sends_straight_to_the_host(emu, emulator_connections, monkeypatch, session):
    monkeypatch.setenv('https_proxy', 'http://127.0.0.1:%d' % free_port())  # nothing listens there
    monkeypatch.setenv('NO_PROXY', 'localhost,127.0.0.1')
    assert session.send('GET', emu.url + HEALTH).status_code == 200
    assert len(emulator_connections) == 1


def test_a_proxy_asking_for_credentials_is_final(monkeypatch, clock, session):
    def refuse(conn):
        read_head(conn)
        conn.sendall(b'HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic\r\nContent-Length: 0\r\n\r\n')

    with Server(refuse) as proxy:
        monkeypatch.setenv('HTTPS_PROXY', 'http://127.0.0.1:%d' % proxy.port)
        with pytest.raises(SetupError, match=r'the proxy 127.0.0.1:%d asks for credentials \(407\)' % proxy.port):
            session.send('GET', 'https://arm.example.test/x')
        with pytest.raises(AzureDRError, match=r'asks for credentials \(407\)'):
            client(clock, session, retry_budget=900).request('POST', 'https://arm.example.test/x')
    assert clock.sleeps == [] and proxy.connections == 2
