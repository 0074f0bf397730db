# -*- coding: utf-8 -*-
# Copyright: contributors to the azure_dr.recovery collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import email.utils

import http.client
import socket
import ssl

import pytest

from ansible_collections.azure_dr.recovery.plugins.module_utils._errors import ApiError, AzureDRError, RetryBudgetExceeded
from ansible_collections.azure_dr.recovery.plugins.module_utils import _http
from ansible_collections.azure_dr.recovery.plugins.module_utils._http import backoff_delay, parse_retry_after
from ansible_collections.azure_dr.recovery.tests.unit.fake_service import fake_http

URL = 'https://arm.example.test/subscriptions/s/resourceGroups/rg/providers/Microsoft.Sql/locations/l/instanceFailoverGroups/fg'
SCOPE = 'https://management.azure.com/.default'
BUSY = {'error': {'code': 'InstanceFailoverGroupBusy', 'message': 'busy'}}
BLOCKED = {'requestId': 'r-1', 'errorCode': 'RequestBlocked', 'message': 'Request is blocked'}


def test_parse_retry_after_asctime_is_gmt_whatever_the_local_zone(monkeypatch):
    monkeypatch.setenv('TZ', 'America/New_York')
    time_module = pytest.importorskip('time')
    time_module.tzset()
    try:
        # 1700000030 is Tue Nov 14 22:13:50 2023 GMT.
        assert parse_retry_after('Tue Nov 14 22:13:50 2023', now=1_700_000_000) == 30.0
    finally:
        monkeypatch.delenv('TZ')
        time_module.tzset()


def test_parse_retry_after_seconds_and_http_date():
    assert parse_retry_after('2') == 2.0
    assert parse_retry_after(' 0.5 ') == 0.5
    assert parse_retry_after('-3') == 0.0
    assert parse_retry_after(None) is None
    assert parse_retry_after('soon') is None
    date = email.utils.formatdate(1_700_000_030, usegmt=True)
    assert parse_retry_after(date, now=1_700_000_000) == 30.0


def test_backoff_grows_exponentially_with_jitter_and_a_cap():
    assert [backoff_delay(n, rand=lambda: 1.0) for n in (1, 2, 3, 4)] == [1, 2, 4, 8]
    assert backoff_delay(1, rand=lambda: 0.0) == 0.5
    assert backoff_delay(20, rand=lambda: 1.0) == 30


@fake_http.activate
def test_429_with_retry_after_2_waits_exactly_2_seconds(make_http, clock):
    fake_http.get(URL, status=429, json=BLOCKED, headers={'Retry-After': '2'})
    fake_http.get(URL, json={'name': 'fg'})
    warnings = []
    http = make_http(on_retry=warnings.append)
    assert http.request('GET', URL, scope=SCOPE).json() == {'name': 'fg'}
    assert clock.sleeps == [2.0]
    assert len(warnings) == 1 and 'RequestBlocked' in warnings[0] and 'Retry-After' in warnings[0]
    assert all('token-' not in text for text in warnings)


@fake_http.activate
def test_retry_after_as_http_date_is_honoured(make_http, clock, monkeypatch):
    monkeypatch.setattr('time.time', lambda: 1_700_000_000)
    fake_http.get(URL, status=503, headers={'Retry-After': email.utils.formatdate(1_700_000_007, usegmt=True)})
    fake_http.get(URL, json={})
    make_http().request('GET', URL, scope=SCOPE)
    assert clock.sleeps == [7.0]


@fake_http.activate
def test_budget_exhausted_gives_a_clear_error_without_useless_waiting(make_http, clock):
    fake_http.get(URL, status=429, json=BLOCKED, headers={'Retry-After': '10', 'RequestId': 'r-9'})
    with pytest.raises(RetryBudgetExceeded) as caught:
        make_http(retry_budget=25).request('GET', URL, scope=SCOPE)
    assert clock.sleeps == [10.0, 10.0]  # a third wait would end past the budget: no point sleeping it
    assert len(fake_http.calls) == 3
    message = caught.value.message
    assert 'after 3 attempt(s)' in message and 'retry budget of 25 s' in message and 'RequestBlocked' in message
    assert caught.value.to_result()['error']['code'] == 'RequestBlocked'


@fake_http.activate
def test_409_busy_is_retried_even_for_post(make_http, clock):
    fake_http.post(URL + '/failover', status=409, json=BUSY, headers={'Retry-After': '3'})
    fake_http.post(URL + '/failover', status=202, headers={'Location': URL + '/op'})
    response = make_http().request('POST', URL + '/failover', scope=SCOPE)
    assert response.status_code == 202
    assert clock.sleeps == [3.0]


@fake_http.activate
def test_409_with_another_code_is_final(make_http):
    fake_http.post(URL + '/failover', status=409, json={'error': {'code': 'Conflict', 'message': 'no'}})
    with pytest.raises(ApiError) as caught:
        make_http().request('POST', URL + '/failover', scope=SCOPE)
    assert caught.value.code == 'Conflict' and len(fake_http.calls) == 1


@pytest.mark.parametrize('status', [408, 500, 502, 504])
@fake_http.activate
def test_post_that_the_server_may_have_acted_on_is_not_sent_again(make_http, status):
    fake_http.post(URL + '/failover', status=status, json={'error': {'code': 'InternalServerError', 'message': 'x'}})
    with pytest.raises(ApiError):
        make_http().request('POST', URL + '/failover', scope=SCOPE)
    assert len(fake_http.calls) == 1


@pytest.mark.parametrize('status,body', [(503, None), (429, BLOCKED),
                                         (409, {'error': {'code': 'ConflictingServerOperation', 'message': 'x'}}),
                                         (409, {'code': 'InstanceFailoverGroupBusy', 'message': 'unwrapped'}),
                                         (500, {'error': {'code': 'OperationTimedOut', 'message': 'rolled back'}})])
@fake_http.activate
def test_post_refused_before_any_work_is_sent_again(make_http, clock, status, body):
    fake_http.post(URL + '/failover', status=status, json=body)
    fake_http.post(URL + '/failover', status=200, json={})
    assert make_http().request('POST', URL + '/failover', scope=SCOPE).status_code == 200
    assert len(fake_http.calls) == 2 and clock.sleeps == [0.75]  # backoff: 1 s step, jitter at 0.5


@pytest.mark.parametrize('status', [408, 500, 502, 503, 504])
@fake_http.activate
def test_get_retries_transient_statuses_with_growing_backoff(make_http, clock, status):
    for dummy in range(3):
        fake_http.get(URL, status=status)
    fake_http.get(URL, json={'ok': True})
    assert make_http().request('GET', URL, scope=SCOPE).json() == {'ok': True}
    assert clock.sleeps == [0.75, 1.5, 3.0]


@fake_http.activate
def test_final_4xx_is_not_retried_and_carries_the_request_ids(make_http):
    fake_http.get(URL, status=404, json={'error': {'code': 'ResourceNotFound', 'message': 'gone'}},
                  headers={'x-ms-request-id': 'req-1', 'x-ms-correlation-request-id': 'corr-1'})
    with pytest.raises(ApiError) as caught:
        make_http().request('GET', URL, scope=SCOPE)
    error = caught.value
    assert (error.status, error.code, error.request_id, error.correlation_id) == (404, 'ResourceNotFound', 'req-1', 'corr-1')
    assert len(fake_http.calls) == 1


@fake_http.activate
def test_connection_errors_on_get_are_retried(make_http, clock):
    fake_http.get(URL, body=ConnectionResetError(104, 'Connection reset by peer'))
    fake_http.get(URL, body=TimeoutError('timed out'))
    fake_http.get(URL, json={})
    make_http().request('GET', URL, scope=SCOPE)
    assert len(clock.sleeps) == 2 and len(fake_http.calls) == 3


@fake_http.activate
def test_post_whose_connection_was_never_made_is_sent_again(make_http, clock):
    fake_http.fail_connect(URL, ConnectionRefusedError(111, 'Connection refused'))
    fake_http.post(URL + '/failover', status=200, json={})
    assert make_http().request('POST', URL + '/failover', scope=SCOPE).status_code == 200
    assert len(clock.sleeps) == 1 and len(fake_http.calls) == 1


@fake_http.activate
def test_post_whose_connect_timed_out_is_sent_again(make_http, clock):
    fake_http.fail_connect(URL, TimeoutError('timed out'))
    fake_http.post(URL + '/failover', status=200, json={})
    assert make_http().request('POST', URL + '/failover', scope=SCOPE).status_code == 200
    assert len(clock.sleeps) == 1 and len(fake_http.calls) == 1


@pytest.mark.parametrize('errno_name', ['EAI_NONAME', 'EAI_NODATA', 'EAI_FAIL'])
@pytest.mark.parametrize('method', ['GET', 'POST'])
@fake_http.activate
def test_a_host_name_that_cannot_be_resolved_is_final_at_once(make_http, clock, method, errno_name):
    if not hasattr(socket, errno_name):
        pytest.skip('%s is not defined on this platform' % errno_name)
    fake_http.fail_connect(URL, socket.gaierror(getattr(socket, errno_name), 'Name or service not known'), times=None)
    fake_http.add(method, URL, json={})
    warnings = []
    with pytest.raises(AzureDRError) as caught:
        make_http(retry_budget=900, on_retry=warnings.append).request(method, URL, scope=SCOPE)
    assert not isinstance(caught.value, RetryBudgetExceeded)
    assert fake_http.connect_attempts == 1 and clock.sleeps == [] and warnings == []
    message = caught.value.message
    assert 'could not resolve the host name arm.example.test (Name or service not known)' in message
    assert 'fabric_endpoint' in message and 'token-' not in message and 'Bearer' not in message


@fake_http.activate
def test_a_name_server_that_says_try_again_is_retried_only_briefly(make_http, clock):
    fake_http.fail_connect(URL, socket.gaierror(socket.EAI_AGAIN, 'Temporary failure in name resolution'), times=None)
    with pytest.raises(RetryBudgetExceeded) as caught:
        make_http(retry_budget=900).request('GET', URL, scope=SCOPE)
    assert fake_http.connect_attempts > 1 and sum(clock.sleeps) <= 8.0
    assert 'could not resolve the host name arm.example.test (Temporary failure in name resolution)' in caught.value.message


@pytest.mark.parametrize('method', ['GET', 'POST'])
@fake_http.activate
def test_a_refused_connection_is_retried_only_briefly_whatever_the_budget(make_http, clock, method):
    fake_http.fail_connect(URL, ConnectionRefusedError(111, 'Connection refused'), times=None)
    warnings = []
    with pytest.raises(RetryBudgetExceeded) as caught:
        make_http(retry_budget=900, on_retry=warnings.append).request(method, URL, scope=SCOPE)
    # Backoff 0.75, 1.5, 3 s, then the last wait is cut to try once more 8 s after the first refusal.
    assert clock.sleeps == [0.75, 1.5, 3.0, 2.75]  # 8 s: _transport.HEALS_WITHIN
    assert fake_http.connect_attempts == 5 and len(fake_http.calls) == 0
    message = caught.value.message
    assert 'after 5 attempt(s) in 8.0 s' in message and 'whatever the retry budget (900 s)' in message
    assert 'connection to arm.example.test:443 refused' in message
    assert len(warnings) == 4 and 'for 8 s more at most' in warnings[0] and 'for 3 s more at most' in warnings[-1]


@fake_http.activate
def test_a_service_that_restarts_is_waited_for(make_http, clock):
    fake_http.fail_connect(URL, ConnectionRefusedError(111, 'Connection refused'), times=4)
    fake_http.get(URL, json={'name': 'fg'})
    assert make_http(retry_budget=900).request('GET', URL, scope=SCOPE).json() == {'name': 'fg'}
    assert sum(clock.sleeps) == 8.0 and fake_http.connect_attempts == 5


@fake_http.activate
def test_a_refusal_after_another_failure_starts_its_own_short_window(make_http, clock):
    fake_http.fail_connect(URL, ConnectionRefusedError(111, 'Connection refused'), times=2)
    for dummy in range(3):
        fake_http.get(URL, status=503)  # the service is back but not ready: the full budget applies
    fake_http.get(URL, json={})
    assert make_http(retry_budget=900).request('GET', URL, scope=SCOPE).json() == {}
    assert clock.sleeps == [0.75, 1.5, 3.0, 6.0, 12.0]


@pytest.mark.parametrize('reason,expected', [
    ('WRONG_VERSION_NUMBER', 'failed (wrong version number): is it an https endpoint?'),
    ('UNSUPPORTED_PROTOCOL', 'failed (unsupported protocol): the server offers no TLS version'),
    ('SSLV3_ALERT_HANDSHAKE_FAILURE', 'failed (sslv3 alert handshake failure): the server and this Python have no'),
])
@fake_http.activate
def test_a_tls_handshake_without_a_common_protocol_is_final(make_http, clock, reason, expected):
    failure = ssl.SSLError(1, '[SSL: %s] %s (_ssl.c:1006)' % (reason, reason.lower().replace('_', ' ')))
    failure.reason = reason
    fake_http.fail_connect(URL, failure, times=None)
    with pytest.raises(AzureDRError) as caught:
        make_http(retry_budget=900).request('POST', URL + '/failover', scope=SCOPE)
    assert not isinstance(caught.value, RetryBudgetExceeded)
    assert fake_http.connect_attempts == 1 and clock.sleeps == []
    assert 'TLS handshake with arm.example.test:443 ' + expected in caught.value.message


@pytest.mark.parametrize('failure', [TimeoutError('timed out'), ConnectionResetError(104, 'Connection reset by peer'),
                                     ssl.SSLEOFError(8, 'EOF occurred in violation of protocol'),
                                     OSError(113, 'No route to host')])
@fake_http.activate
def test_timeouts_resets_and_cut_short_handshakes_are_retried_for_the_whole_budget(make_http, clock, failure):
    fake_http.fail_connect(URL, failure, times=None)
    with pytest.raises(RetryBudgetExceeded) as caught:
        make_http(retry_budget=900).request('GET', URL, scope=SCOPE)
    assert sum(clock.sleeps) > 870 and 'within a retry budget of 900 s' in caught.value.message


@fake_http.activate
def test_get_whose_body_was_cut_short_is_sent_again(make_http):
    fake_http.get(URL, body=http.client.IncompleteRead(b'{"na', 20))
    fake_http.get(URL, json={})
    assert make_http().request('GET', URL, scope=SCOPE).json() == {}


@pytest.mark.parametrize('url,expected', [
    ('http://arm.example.test/x', 'over plain http'),
    ('/relative/path', 'not an absolute https URL'),
    ('ftp://arm.example.test/x', 'not an absolute https URL'),
])
def test_urls_that_are_not_https_are_refused_before_sending(make_http, url, expected):
    with fake_http.active() as mocked:
        with pytest.raises(AzureDRError, match=expected):
            make_http().request('GET', url, scope=SCOPE)
        assert len(mocked.calls) == 0


@fake_http.activate
def test_plain_http_to_loopback_is_allowed(make_http):
    fake_http.get('http://127.0.0.1:8080/x', json={})
    assert make_http().request('GET', 'http://127.0.0.1:8080/x', scope=SCOPE).json() == {}


def test_a_token_is_never_sent_to_a_host_outside_the_run(make_http):
    http = make_http(token_hosts={'arm.example.test'})
    with fake_http.active() as mocked:
        mocked.get('https://evil.example.test/next', json={})
        with pytest.raises(AzureDRError, match='Refusing to send a token to evil.example.test'):
            http.request('GET', 'https://evil.example.test/next?page=2', scope=SCOPE)
        assert len(mocked.calls) == 0
        mocked.get(URL, json={})
        http.request('GET', URL, scope=SCOPE)
        assert http.credential.issued == 1


@fake_http.activate
def test_post_that_timed_out_after_sending_is_not_sent_again(make_http):
    fake_http.post(URL + '/failover', body=TimeoutError('timed out'))
    with pytest.raises(AzureDRError) as caught:
        make_http().request('POST', URL + '/failover', scope=SCOPE)
    assert 'may have received the request' in caught.value.message
    assert len(fake_http.calls) == 1


@fake_http.activate
def test_expired_token_is_refreshed_once_and_the_request_sent_again(make_http):
    fake_http.get(URL, status=401, json={'error': {'code': 'ExpiredAuthenticationToken', 'message': 'expired'}})
    fake_http.get(URL, json={})
    http = make_http()
    http.request('GET', URL, scope=SCOPE)
    sent = [call.request.headers['Authorization'] for call in fake_http.calls]
    assert sent == ['Bearer token-1', 'Bearer token-2']


@fake_http.activate
def test_a_second_401_is_final(make_http):
    fake_http.get(URL, status=401, json={'error': {'code': 'InvalidAuthenticationToken', 'message': 'bad'}})
    with pytest.raises(ApiError) as caught:
        make_http().request('GET', URL, scope=SCOPE)
    assert caught.value.status == 401 and len(fake_http.calls) == 2
    assert 'token-' not in str(caught.value.to_result())


@fake_http.activate
def test_one_token_per_scope_and_one_correlation_id_per_run(make_http):
    fake_http.get(URL, json={})
    http = make_http()
    for dummy in range(3):
        http.request('GET', URL, scope=SCOPE)
    assert http.credential.issued == 1
    assert len({call.request.headers['x-ms-correlation-request-id'] for call in fake_http.calls}) == 1
    assert http.requests_sent == 3


@fake_http.activate
def test_tls_failure_names_the_ca_bundle_variable_and_is_final(make_http):
    failure = ssl.SSLCertVerificationError(1, '[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed')
    failure.verify_message = 'unable to get local issuer certificate'
    fake_http.fail_connect(URL, failure)
    fake_http.get(URL, json={})
    with pytest.raises(AzureDRError) as caught:
        make_http().request('GET', URL, scope=SCOPE)
    message = caught.value.message
    assert 'TLS verification failed for arm.example.test:443: unable to get local issuer certificate' in message
    assert 'REQUESTS_CA_BUNDLE' in message
    assert len(fake_http.calls) == 0


@pytest.mark.parametrize('value,timeout', [(None, (10.0, 120.0)), ('', (10.0, 120.0)), ('5', (5.0, 5.0)), ('30', (10.0, 30.0))])
def test_the_read_timeout_can_be_shortened(value, timeout):
    environ = {} if value is None else {'AZURE_DR_HTTP_TIMEOUT': value}
    assert _http.timeout_from(environ) == timeout


@pytest.mark.parametrize('value', ['0', '-3', 'soon', '7200', 'nan'])
def test_a_bad_timeout_is_refused(value):
    with pytest.raises(ValueError):
        _http.timeout_from({'AZURE_DR_HTTP_TIMEOUT': value})
