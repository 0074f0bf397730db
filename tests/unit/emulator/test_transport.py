# -*- coding: utf-8 -*-
# Copyright: contributors to the azure_dr.recovery collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""``_transport`` over real sockets: the emulator's TLS, a server that closes kept-alive connections,
a CONNECT proxy, and the failures that decide whether a request may be sent again."""

from __future__ import annotations

import base64
import socket
import threading

import pytest

from ansible_collections.azure_dr.recovery.plugins.module_utils._errors import AzureDRError, RetryBudgetExceeded
from ansible_collections.azure_dr.recovery.plugins.module_utils._http import HttpClient
from ansible_collections.azure_dr.recovery.plugins.module_utils._transport import (
    HEALS_WITHIN,
    SetupError,
    Transport,
    TransportError,
    bypasses_proxy,
    proxy_for,
)

HEALTH = '/_emulator/health'


def serve(handler, connections):
    """A loopback TCP server running ``handler(socket)`` for each of ``connections`` connections."""
    listener = socket.create_server(('127.0.0.1', 0))
    listener.settimeout(10)

    def run():
        with listener:
            for dummy in range(connections):
                conn, _address = listener.accept()
                with conn:
                    handler(conn)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return listener.getsockname()[1], thread


def read_head(conn):
    data = b''
    while b'\r\n\r\n' not in data:
        chunk = conn.recv(4096)
        if not chunk:
            break
        data += chunk
    return data.decode('latin-1')


def test_requests_to_one_host_share_one_kept_alive_connection(emu):
    transport = Transport()
    for dummy in range(3):
        assert transport.request('GET', emu.url + HEALTH).json()['status'] == 'ok'
    assert transport.connections_opened == 1


def test_threads_get_their_own_connections_and_leave_them_for_reuse(emu):
    transport = Transport()
    barrier = threading.Barrier(3)
    statuses = []

    def worker():
        barrier.wait()
        statuses.append(transport.request('GET', emu.url + HEALTH).status_code)

    threads = [threading.Thread(target=worker) for dummy in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    opened = transport.connections_opened
    assert statuses == [200, 200, 200] and 1 <= opened <= 3
    transport.request('GET', emu.url + HEALTH)
    assert transport.connections_opened == opened


def test_a_connection_the_server_closed_while_idle_is_not_used_again():
    def answer_once_then_close(conn):
        read_head(conn)
        conn.sendall(b'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}')

    port, thread = serve(answer_once_then_close, connections=2)
    transport = Transport(environ={})
    url = 'http://127.0.0.1:%d/x' % port
    assert transport.request('GET', url).json() == {}
    assert transport.request('POST', url, json={'a': 1}).json() == {}  # on a new connection: nothing lost
    thread.join(10)
    assert transport.connections_opened == 2


def free_port():
    """A loopback port where nothing listens (it did a moment ago)."""
    with socket.create_server(('127.0.0.1', 0)) as placeholder:
        return placeholder.getsockname()[1]


def client(clock, **kwargs):
    """An HttpClient on a real transport, with the fake clock: its waits take no time."""
    return HttpClient(transport=Transport(environ={}), sleep=clock.sleep, clock=clock, rand=lambda: 0.5, **kwargs)


def test_a_refused_connection_was_never_sent_and_heals_within_seconds_if_at_all():
    port = free_port()
    with pytest.raises(TransportError) as caught:
        Transport(environ={}).request('POST', 'http://127.0.0.1:%d/failover' % port)
    assert caught.value.sent is False and not isinstance(caught.value, SetupError)
    assert str(caught.value) == 'connection to 127.0.0.1:%d refused' % port and caught.value.heals_within == HEALS_WITHIN


def test_a_refused_connection_is_given_up_within_seconds_whatever_the_budget(clock):
    port = free_port()
    with pytest.raises(RetryBudgetExceeded) as caught:
        client(clock, retry_budget=900).request('GET', 'http://127.0.0.1:%d/x' % port)
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


def test_a_host_name_that_does_not_exist_is_final_and_named(clock):
    resolve_or_skip('no-such-host.invalid')  # RFC 6761: never a real name
    with pytest.raises(SetupError) as caught:
        Transport(environ={}).request('GET', 'https://no-such-host.invalid/v1/admin/workspaces')
    assert str(caught.value).startswith('could not resolve the host name no-such-host.invalid (')
    with pytest.raises(AzureDRError) as caught:
        client(clock, retry_budget=900).request('GET', 'https://no-such-host.invalid/v1/admin/workspaces')
    assert clock.sleeps == [] and not isinstance(caught.value, RetryBudgetExceeded)
    assert 'could not resolve the host name no-such-host.invalid' in caught.value.message
    assert 'fabric_endpoint' in caught.value.message


def test_a_proxy_whose_host_name_does_not_exist_is_final_and_named():
    resolve_or_skip('no-such-proxy.invalid')
    with pytest.raises(SetupError, match='could not resolve the host name of the proxy no-such-proxy.invalid .*HTTPS_PROXY'):
        Transport(environ={'HTTPS_PROXY': 'http://no-such-proxy.invalid:3128'}).request('GET', 'https://arm.example.test/x')


def plain_http_server():
    """A loopback server that answers whatever it is sent with a plain HTTP 400, as a web server does."""
    def answer(conn):
        conn.recv(4096)
        conn.sendall(b'HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n')
    return serve(answer, connections=1)


def test_tls_spoken_to_a_plain_http_port_is_final_and_named(clock):
    port, thread = plain_http_server()
    with pytest.raises(AzureDRError) as caught:
        client(clock, retry_budget=900).request('POST', 'https://127.0.0.1:%d/failover' % port)
    thread.join(10)
    assert clock.sleeps == [] and not isinstance(caught.value, RetryBudgetExceeded)
    assert 'TLS handshake with 127.0.0.1:%d failed (wrong version number): is it an https endpoint?' % port \
        in caught.value.message


def test_no_answer_within_the_read_timeout_may_have_been_received():
    def read_and_say_nothing(conn):
        read_head(conn)
        conn.recv(1)  # until the client gives up

    port, thread = serve(read_and_say_nothing, connections=1)
    with pytest.raises(TransportError) as caught:
        Transport(environ={}).request('POST', 'http://127.0.0.1:%d/failover' % port, timeout=(5, 0.3))
    thread.join(10)
    assert caught.value.sent is True and 'timed out' in str(caught.value)


def test_a_server_certificate_from_another_ca_is_refused(emu):
    certifi = pytest.importorskip('certifi')
    with pytest.raises(SetupError) as caught:
        Transport(environ={'REQUESTS_CA_BUNDLE': certifi.where()}).request('GET', emu.url + HEALTH)
    assert 'TLS verification failed for 127.0.0.1' in str(caught.value) and 'REQUESTS_CA_BUNDLE' in str(caught.value)


def test_a_ca_bundle_that_cannot_be_loaded_is_final_and_named(tmp_path):
    not_pem = tmp_path / 'bundle.pem'
    not_pem.write_text('not a certificate')
    for bundle in (str(tmp_path / 'missing.pem'), str(not_pem)):
        with pytest.raises(SetupError, match='the CA bundle %s could not be loaded' % bundle):
            Transport(environ={'REQUESTS_CA_BUNDLE': bundle}).request('GET', 'https://127.0.0.1:9/x')


def test_a_handshake_cut_short_was_never_sent_and_may_be_tried_again():
    port, thread = serve(lambda conn: None, connections=1)  # accepts, then hangs up
    with pytest.raises(TransportError) as caught:
        Transport(environ={}).request('POST', 'https://127.0.0.1:%d/failover' % port)
    thread.join(10)
    assert caught.value.sent is False and not isinstance(caught.value, SetupError)


def test_curl_ca_bundle_is_read_when_requests_ca_bundle_is_not_set(emu):
    assert Transport(environ={'CURL_CA_BUNDLE': emu.emulator.ca_path}).request('GET', emu.url + HEALTH).status_code == 200


def connect_proxy(seen):
    """A CONNECT proxy for one tunnel: records the request head, then relays bytes both ways."""
    def handler(conn):
        head = read_head(conn)
        seen.append(head)
        target = head.split()[1]
        host, port = target.rsplit(':', 1)
        with socket.create_connection((host, int(port))) as upstream:
            conn.sendall(b'HTTP/1.1 200 Connection established\r\n\r\n')

            def pump(source, sink):
                try:
                    while True:
                        data = source.recv(65536)
                        if not data:
                            break
                        sink.sendall(data)
                except OSError:
                    pass
                finally:
                    try:
                        sink.shutdown(socket.SHUT_WR)
                    except OSError:
                        pass

            back = threading.Thread(target=pump, args=(upstream, conn), daemon=True)
            back.start()
            pump(conn, upstream)
            back.join(10)
    return serve(handler, connections=1)


def test_https_goes_through_the_proxy_of_the_environment_with_its_credentials(emu):
    seen = []
    proxy_port, thread = connect_proxy(seen)
    environ = {'REQUESTS_CA_BUNDLE': emu.emulator.ca_path, 'HTTPS_PROXY': 'http://dr%%20ops:p%%40ss@127.0.0.1:%d' % proxy_port}
    transport = Transport(environ=environ)
    assert transport.request('GET', emu.url + HEALTH).json()['status'] == 'ok'
    transport.close()
    thread.join(10)
    emulator_port = emu.url.rsplit(':', 1)[1]
    assert seen and seen[0].startswith('CONNECT 127.0.0.1:%s HTTP/' % emulator_port)
    assert 'Proxy-Authorization: Basic %s' % base64.b64encode(b'dr ops:p@ss').decode() in seen[0]


def test_no_proxy_sends_straight_to_the_host(emu):
    environ = {'REQUESTS_CA_BUNDLE': emu.emulator.ca_path, 'https_proxy': 'http://127.0.0.1:9', 'NO_PROXY': 'localhost,127.0.0.1'}
    assert Transport(environ=environ).request('GET', emu.url + HEALTH).status_code == 200


def test_a_proxy_asking_for_credentials_is_final():
    def refuse(conn):
        read_head(conn)
        conn.sendall(b'HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic\r\n\r\n')

    port, thread = serve(refuse, connections=1)
    with pytest.raises(SetupError, match=r'asks for credentials \(407\)'):
        Transport(environ={'HTTPS_PROXY': 'http://127.0.0.1:%d' % port}).request('GET', 'https://arm.example.test/x')
    thread.join(10)


def test_a_proxy_reached_over_tls_is_a_clear_error():
    with pytest.raises(SetupError, match='must be an http:// URL'):
        Transport(environ={'HTTPS_PROXY': 'https://proxy.example.test:3128'}).request('GET', 'https://arm.example.test/x')


@pytest.mark.parametrize('host,port,no_proxy,expected', [
    ('management.azure.com', 443, '', False),
    ('management.azure.com', 443, '*', True),
    ('management.azure.com', 443, 'azure.com', True),
    ('management.azure.com', 443, '.azure.com', True),
    ('management.azure.com', 443, 'notazure.com,other', False),
    ('evilazure.com', 443, 'azure.com', False),
    ('management.azure.com', 443, 'management.azure.com:8443', False),
    ('management.azure.com', 443, ' management.azure.com:443 ', True),
    ('10.1.2.3', 443, '10.0.0.0/8', True),
    ('10.1.2.3', 443, '192.168.0.0/16,10.1.2.3', True),
    ('192.168.1.1', 443, '10.0.0.0/8', False),
    ('::1', 443, '::1', True),
])
def test_no_proxy_entries(host, port, no_proxy, expected):
    assert bypasses_proxy(host, port, no_proxy) is expected


def test_the_proxy_variables_lower_case_first_and_all_proxy_last():
    environ = {'HTTPS_PROXY': 'http://upper:1', 'https_proxy': 'http://lower:1', 'ALL_PROXY': 'http://all:1'}
    assert proxy_for('https', 'h', 443, environ) == 'http://lower:1'
    assert proxy_for('http', 'h', 80, environ) == 'http://all:1'
    assert proxy_for('https', 'h', 443, dict(environ, no_proxy='h')) is None
    assert proxy_for('https', 'h', 443, {}) is None


def test_the_user_agent_query_headers_and_a_json_body_are_sent():
    received = []

    def record(conn):
        data = read_head(conn)
        received.append(data)
        conn.sendall(b'HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n')

    port, thread = serve(record, connections=1)
    answer = Transport(environ={}).request('POST', 'http://127.0.0.1:%d/p%%2Fq r' % port, params={'api-version': '1'},
                                           headers={'X-Test': 'yes'}, json={'k': 'v'})
    thread.join(10)
    head = received[0]
    assert answer.status_code == 204 and answer.content == b''
    assert head.startswith('POST /p%2Fq%20r?api-version=1 HTTP/1.1')  # a space encoded, an escape kept
    assert 'User-Agent: azure_dr.recovery/' in head and 'X-Test: yes' in head and 'Content-Type: application/json' in head
    assert 'Content-Length: 10' in head  # {"k": "v"}
