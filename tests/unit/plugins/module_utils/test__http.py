# -*- coding: utf-8 -*-
# Copyright: contributors to the azure_dr.recovery collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import base64
import email.utils
import importlib.util
import socket

import pytest
import requests
import responses

from ansible_collections.azure_dr.recovery.plugins.module_utils._errors import ApiError, AzureDRError, RetryBudgetExceeded
from ansible_collections.azure_dr.recovery.plugins.module_utils import _http
from ansible_collections.azure_dr.recovery.plugins.module_utils._http import (
    NOT_ACTED,
    backoff_delay,
    claims_challenge,
    not_acted_on,
    parse_retry_after,
    retry_reason,
)
from ansible_collections.azure_dr.recovery.tests.unit.http_helpers import (
    body_cut_short,
    clear_proxy_environment,
    connect_failure,
    connect_timeout,
    connection_reset,
    handshake_cut_short,
    make_response,
    proxy_refusal,
    read_timeout,
    refused,
    tls_failure,
    unresolvable,
    untrusted_certificate,
)

URL = 'https://arm.example.test/subscriptions/s/resourceGroups/rg/providers/Microsoft.Sql/locations/l/instanceFailoverGroups/fg'
SCOPE = 'https://management.azure.com/.default'
BUSY = {'error': {'code': 'ResourceBusy', 'message': 'busy'}}
# How a client names its API's answers that say the service did not act (the HTTP layer knows none of them).
NOT_ACTED_BY_THE_API = {409: frozenset(('ResourceBusy', 'OtherOperationUnderWay')), 500: frozenset(('RolledBack',))}
BLOCKED = {'requestId': 'r-1', 'errorCode': 'RequestBlocked', 'message': 'Request is blocked'}
TOKEN_URL = 'https://login.example.test/tenant/oauth2/v2.0/token'


def sent_tokens():
    """The Authorization header of every request sent, in order (None: none)."""
    return [call.request.headers.get('Authorization') for call in responses.calls]


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


@responses.activate
def test_429_with_retry_after_2_waits_exactly_2_seconds(make_http, clock):
    responses.get(URL, status=429, json=BLOCKED, headers={'Retry-After': '2'})
    responses.get(URL, json={'name': 'fg'})
    warnings = []
    http = make_http(on_retry=warnings.append)
    assert http.request('GET', URL, scope=SCOPE).json() == {'name': 'fg'}
    assert clock.sleeps == [2.0]
    assert len(warnings) == 1 and 'RequestBlocked' in warnings[0] and 'Retry-After' in warnings[0]
    assert all('token-' not in text for text in warnings)


@responses.activate
def test_a_429_holds_back_every_request_of_its_throttle_and_is_told_once_per_hold(make_http, clock):
    restore = URL + '/restore'
    responses.post(restore, status=429, json=BLOCKED, headers={'Retry-After': '6'})
    responses.post(restore, status=202)
    warnings = []
    http = make_http(on_retry=warnings.append)
    throttle = _http.Throttle()
    http.request('POST', restore, scope=SCOPE, throttle=throttle)
    assert clock.sleeps == [6.0]
    # A request of the same kind, not yet sent when the 429 came: it waits for the rest of the hold first.
    clock.now -= 4.0
    http.request('POST', restore, scope=SCOPE, throttle=throttle)
    assert clock.sleeps == [6.0, 4.0] and len(responses.calls) == 3
    assert len(warnings) == 1
    # A request of another kind is not held back.
    responses.get(URL, json={})
    clock.now -= 3.0
    http.request('GET', URL, scope=SCOPE)
    assert clock.sleeps == [6.0, 4.0]


def test_a_hold_moves_on_only_forwards_and_says_so_once_per_window(clock):
    throttle = _http.Throttle()
    assert throttle.hold(clock() + 6.0) is True
    clock.now += 0.2
    assert throttle.hold(clock() + 6.0) is False  # a request already on its way met the same window
    clock.now += 0.5
    assert throttle.hold(clock() + 1.0) is False  # a shorter ask never shortens the hold
    throttle.wait(clock, clock.sleep)
    assert clock.sleeps == [5.5]
    throttle.wait(clock, clock.sleep)  # over: no more waiting
    assert clock.sleeps == [5.5]
    assert throttle.hold(clock() + 6.0) is True  # the next window's first 429


def test_a_hold_already_slept_out_is_not_waited_again_unless_it_moved_on(clock):
    throttle = _http.Throttle()
    mine = clock() + 6.0
    throttle.hold(mine)
    # A sleep that does not move this clock: the wait must still end.
    throttle.wait(clock, lambda seconds: None, waited_until=mine)
    throttle.hold(mine + 2.0)  # another request's 429, later in the window
    throttle.wait(clock, clock.sleep, waited_until=mine)
    assert clock.sleeps == [8.0]


@responses.activate
def test_retry_after_as_http_date_is_honoured(make_http, clock, monkeypatch):
    monkeypatch.setattr('time.time', lambda: 1_700_000_000)
    responses.get(URL, status=503, headers={'Retry-After': email.utils.formatdate(1_700_000_007, usegmt=True)})
    responses.get(URL, json={})
    make_http().request('GET', URL, scope=SCOPE)
    assert clock.sleeps == [7.0]


@responses.activate
def test_budget_exhausted_gives_a_clear_error_without_useless_waiting(make_http, clock):
    responses.get(URL, status=429, json=BLOCKED, headers={'Retry-After': '10', 'RequestId': 'r-9'})
    with pytest.raises(RetryBudgetExceeded) as caught:
        make_http(retry_budget=25).request('GET', URL, scope=SCOPE)
    assert clock.sleeps == [10.0, 10.0]  # a third wait would end past the budget: no point sleeping it
    assert len(responses.calls) == 3
    message = caught.value.message
    assert 'after 3 attempt(s)' in message and 'retry budget of 25 s' in message and 'RequestBlocked' in message
    assert caught.value.to_result()['error']['code'] == 'RequestBlocked'


@responses.activate
def test_409_busy_that_the_caller_names_is_retried_even_for_post(make_http, clock):
    responses.post(URL + '/failover', status=409, json=BUSY, headers={'Retry-After': '3'})
    responses.post(URL + '/failover', status=202, headers={'Location': URL + '/op'})
    response = make_http().request('POST', URL + '/failover', scope=SCOPE, not_acted=NOT_ACTED_BY_THE_API)
    assert response.status_code == 202
    assert clock.sleeps == [3.0]


@pytest.mark.parametrize('not_acted', [None, NOT_ACTED_BY_THE_API])
@responses.activate
def test_409_with_a_code_the_caller_does_not_name_is_final(make_http, not_acted):
    responses.post(URL + '/failover', status=409, json={'error': {'code': 'Conflict', 'message': 'no'}})
    with pytest.raises(ApiError) as caught:
        make_http().request('POST', URL + '/failover', scope=SCOPE, not_acted=not_acted)
    assert caught.value.code == 'Conflict' and len(responses.calls) == 1


@pytest.mark.parametrize('status,body', [(409, BUSY), (500, {'error': {'code': 'RolledBack', 'message': 'x'}})])
@responses.activate
def test_the_http_layer_knows_no_apis_codes_a_post_is_sent_again_only_after_those_its_caller_names(make_http, status, body):
    responses.post(URL + '/failover', status=status, json=body)
    with pytest.raises(ApiError) as caught:
        make_http().request('POST', URL + '/failover', scope=SCOPE)
    assert caught.value.code == body['error']['code'] and len(responses.calls) == 1
    assert not any(isinstance(codes, frozenset) for codes in NOT_ACTED.values())  # statuses only, whatever the code


@responses.activate
def test_an_answer_the_caller_handles_is_raised_at_once_even_when_it_says_not_acted(make_http, clock):
    responses.post(URL + '/failover', status=409, json=BUSY, headers={'Retry-After': '3'})
    with pytest.raises(ApiError) as caught:
        make_http().request('POST', URL + '/failover', scope=SCOPE, not_acted=NOT_ACTED_BY_THE_API,
                            handled_codes=frozenset(('ResourceBusy',)))
    assert (caught.value.code, caught.value.retry_after) == ('ResourceBusy', 3.0)
    assert len(responses.calls) == 1 and clock.sleeps == []


def test_a_callers_table_adds_to_the_http_layers_and_never_narrows_it():
    throttled = make_response(429, {'error': {'code': 'TooManyRequests', 'message': 'x'}})
    assert not_acted_on(throttled, {429: frozenset(('SomethingElse',))}) is True
    anything = make_response(409, {'error': {'code': 'Whatever', 'message': 'x'}})
    assert not_acted_on(anything) is False and not_acted_on(anything, {409: None}) is True
    assert retry_reason(False, anything, {409: None}) == 'HTTP 409' and retry_reason(False, anything) is None


@pytest.mark.parametrize('status', [408, 500, 502, 504])
@responses.activate
def test_post_that_the_server_may_have_acted_on_is_not_sent_again(make_http, status):
    responses.post(URL + '/failover', status=status, json={'error': {'code': 'InternalServerError', 'message': 'x'}})
    with pytest.raises(ApiError):
        make_http().request('POST', URL + '/failover', scope=SCOPE)
    assert len(responses.calls) == 1


@pytest.mark.parametrize('status,body', [(503, None), (429, BLOCKED),
                                         (409, {'error': {'code': 'OtherOperationUnderWay', 'message': 'x'}}),
                                         (409, {'code': 'ResourceBusy', 'message': 'unwrapped'}),
                                         (500, {'error': {'code': 'RolledBack', 'message': 'rolled back'}})])
@responses.activate
def test_post_refused_before_any_work_is_sent_again(make_http, clock, status, body):
    responses.post(URL + '/failover', status=status, json=body)
    responses.post(URL + '/failover', status=200, json={})
    response = make_http().request('POST', URL + '/failover', scope=SCOPE, not_acted=NOT_ACTED_BY_THE_API)
    assert response.status_code == 200
    assert len(responses.calls) == 2 and clock.sleeps == [0.75]  # backoff: 1 s step, jitter at 0.5


@pytest.mark.parametrize('status', [408, 500, 502, 503, 504])
@responses.activate
def test_get_retries_transient_statuses_with_growing_backoff(make_http, clock, status):
    for dummy in range(3):
        responses.get(URL, status=status)
    responses.get(URL, json={'ok': True})
    assert make_http().request('GET', URL, scope=SCOPE).json() == {'ok': True}
    assert clock.sleeps == [0.75, 1.5, 3.0]


@responses.activate
def test_final_4xx_is_not_retried_and_carries_the_request_ids(make_http):
    responses.get(URL, status=404, json={'error': {'code': 'ResourceNotFound', 'message': 'gone'}},
                  headers={'x-ms-request-id': 'req-1', 'x-ms-correlation-request-id': 'corr-1'})
    with pytest.raises(ApiError) as caught:
        make_http().request('GET', URL, scope=SCOPE)
    error = caught.value
    assert (error.status, error.code, error.request_id, error.correlation_id) == (404, 'ResourceNotFound', 'req-1', 'corr-1')
    assert len(responses.calls) == 1


# --- error answers returned (msal reads Entra ID's) ---

@responses.activate
def test_error_answers_returns_a_final_error_answer_instead_of_raising(make_http):
    responses.post(TOKEN_URL, status=400, json={'error': 'invalid_client', 'error_codes': [7000215]})
    response = make_http().request('POST', TOKEN_URL, data={'grant_type': 'client_credentials'}, repeatable=True,
                                   error_answers=True)
    assert response.status_code == 400 and response.json()['error'] == 'invalid_client'
    assert len(responses.calls) == 1


@responses.activate
def test_error_answers_still_retries_throttling_and_unavailability(make_http, clock):
    responses.post(TOKEN_URL, status=429, headers={'Retry-After': '7'}, json={'error': 'temporarily_unavailable'})
    responses.post(TOKEN_URL, status=503, headers={'Retry-After': '2'})
    responses.post(TOKEN_URL, json={'access_token': 'app-token', 'expires_in': 3599})
    response = make_http().request('POST', TOKEN_URL, data={'grant_type': 'client_credentials'}, repeatable=True,
                                   error_answers=True)
    assert response.status_code == 200 and response.json()['access_token'] == 'app-token'
    assert clock.sleeps == [7.0, 2.0] and len(responses.calls) == 3


# --- no answer: the connection, and whether the request may have been received ---

@pytest.mark.parametrize('failure', [connection_reset(), read_timeout(URL), body_cut_short()],
                         ids=['reset', 'read timeout', 'body cut short'])
@responses.activate
def test_a_get_without_a_whole_answer_is_sent_again(make_http, clock, failure):
    responses.get(URL, body=failure)
    responses.get(URL, json={'name': 'fg'})
    assert make_http().request('GET', URL, scope=SCOPE).json() == {'name': 'fg'}
    assert len(clock.sleeps) == 1 and len(responses.calls) == 2


@pytest.mark.parametrize('failure', [connection_reset(), read_timeout(URL), body_cut_short()],
                         ids=['reset', 'read timeout', 'body cut short'])
@responses.activate
def test_a_post_that_may_have_been_received_is_not_sent_again(make_http, failure):
    responses.post(URL + '/failover', body=failure)
    responses.post(URL + '/failover', json={})
    with pytest.raises(AzureDRError) as caught:
        make_http().request('POST', URL + '/failover', scope=SCOPE)
    assert 'may have received the request' in caught.value.message and 'run the task again' in caught.value.message
    assert len(responses.calls) == 1


@pytest.mark.parametrize('failure', [refused(URL), connect_timeout(URL), handshake_cut_short(URL)],
                         ids=['refused', 'connect timeout', 'handshake cut short'])
@responses.activate
def test_a_post_whose_connection_was_never_made_is_sent_again(make_http, clock, failure):
    responses.post(URL + '/failover', body=failure)
    responses.post(URL + '/failover', status=200, json={})
    assert make_http().request('POST', URL + '/failover', scope=SCOPE).status_code == 200
    assert len(clock.sleeps) == 1 and len(responses.calls) == 2


@pytest.mark.parametrize('errno_name', ['EAI_NONAME', 'EAI_NODATA', 'EAI_FAIL'])
@pytest.mark.parametrize('method', ['GET', 'POST'])
@responses.activate
def test_a_host_name_that_cannot_be_resolved_is_final_at_once(make_http, clock, method, errno_name):
    if not hasattr(socket, errno_name):
        pytest.skip('%s is not defined on this platform' % errno_name)
    responses.add(method, URL, body=unresolvable(URL, getattr(socket, errno_name)))
    responses.add(method, URL, json={})  # what a second try would get
    warnings = []
    with pytest.raises(AzureDRError) as caught:
        make_http(retry_budget=900, on_retry=warnings.append).request(method, URL, scope=SCOPE)
    assert not isinstance(caught.value, RetryBudgetExceeded)
    assert len(responses.calls) == 1 and clock.sleeps == [] and warnings == []
    message = caught.value.message
    assert 'could not resolve the host name arm.example.test (Name or service not known)' in message
    assert 'fabric_endpoint' in message and 'token-' not in message and 'Bearer' not in message


@responses.activate
def test_a_name_server_that_says_try_again_is_retried_only_briefly(make_http, clock):
    responses.get(URL, body=unresolvable(URL, socket.EAI_AGAIN, 'Temporary failure in name resolution'))
    with pytest.raises(RetryBudgetExceeded) as caught:
        make_http(retry_budget=900).request('GET', URL, scope=SCOPE)
    assert clock.sleeps == [0.75, 1.5, 3.0, 2.75] and len(responses.calls) == 5  # HEALS_WITHIN: 8 s
    assert 'could not resolve the host name arm.example.test (Temporary failure in name resolution)' in caught.value.message


@pytest.mark.parametrize('method', ['GET', 'POST'])
@responses.activate
def test_a_refused_connection_is_retried_only_briefly_whatever_the_budget(make_http, clock, method):
    responses.add(method, URL, body=refused(URL))
    warnings = []
    with pytest.raises(RetryBudgetExceeded) as caught:
        make_http(retry_budget=900, on_retry=warnings.append).request(method, URL, scope=SCOPE)
    # Backoff 0.75, 1.5, 3 s, then the last wait is cut to try once more 8 s after the first refusal.
    assert _http.HEALS_WITHIN == 8.0 and clock.sleeps == [0.75, 1.5, 3.0, 2.75]
    assert len(responses.calls) == 5 and all(isinstance(call.response, Exception) for call in responses.calls)
    message = caught.value.message
    assert 'after 5 attempt(s) in 8.0 s' in message and 'whatever the retry budget (900 s)' in message
    assert 'connection to arm.example.test:443 refused' in message
    assert len(warnings) == 4 and 'for 8 s more at most' in warnings[0] and 'for 3 s more at most' in warnings[-1]


@responses.activate
def test_a_service_that_restarts_is_waited_for(make_http, clock):
    for dummy in range(4):
        responses.get(URL, body=refused(URL))
    responses.get(URL, json={'name': 'fg'})
    assert make_http(retry_budget=900).request('GET', URL, scope=SCOPE).json() == {'name': 'fg'}
    assert sum(clock.sleeps) == 8.0 and len(responses.calls) == 5


@responses.activate
def test_a_refusal_after_another_failure_starts_its_own_short_window(make_http, clock):
    for dummy in range(2):
        responses.get(URL, body=refused(URL))
    for dummy in range(3):
        responses.get(URL, status=503)  # the service is back but not ready: the full budget applies
    responses.get(URL, json={})
    assert make_http(retry_budget=900).request('GET', URL, scope=SCOPE).json() == {}
    assert clock.sleeps == [0.75, 1.5, 3.0, 6.0, 12.0]


@pytest.mark.parametrize('reason,expected', [
    ('WRONG_VERSION_NUMBER', 'failed (wrong version number): is it an https endpoint?'),
    ('UNSUPPORTED_PROTOCOL', 'failed (unsupported protocol): the server offers no TLS version'),
    ('SSLV3_ALERT_HANDSHAKE_FAILURE', 'failed (sslv3 alert handshake failure): the server and this Python have no'),
])
@responses.activate
def test_a_tls_handshake_without_a_common_protocol_is_final(make_http, clock, reason, expected):
    responses.post(URL + '/failover', body=tls_failure(URL, reason))
    responses.post(URL + '/failover', json={})  # what a second try would get
    with pytest.raises(AzureDRError) as caught:
        make_http(retry_budget=900).request('POST', URL + '/failover', scope=SCOPE)
    assert not isinstance(caught.value, RetryBudgetExceeded)
    assert len(responses.calls) == 1 and clock.sleeps == []
    assert 'TLS handshake with arm.example.test:443 ' + expected in caught.value.message


@pytest.mark.parametrize('failure', [connect_timeout(URL), connection_reset(), handshake_cut_short(URL),
                                     connect_failure(URL, OSError(113, 'No route to host'))],
                         ids=['connect timeout', 'reset', 'handshake cut short', 'no route'])
@responses.activate
def test_timeouts_resets_and_cut_short_handshakes_are_retried_for_the_whole_budget(make_http, clock, failure):
    responses.get(URL, body=failure)
    with pytest.raises(RetryBudgetExceeded) as caught:
        make_http(retry_budget=900).request('GET', URL, scope=SCOPE)
    assert sum(clock.sleeps) > 870 and 'within a retry budget of 900 s' in caught.value.message


@pytest.mark.parametrize('failure,expected', [
    (connect_timeout(URL), 'could not connect to arm.example.test:443: timed out'),
    (connect_failure(URL, OSError(113, 'No route to host')), 'could not connect to arm.example.test:443: No route to host (OSError)'),
    (handshake_cut_short(URL), 'could not connect to arm.example.test:443: '),
    (read_timeout(URL), 'timed out'),
    (connection_reset(), 'Connection reset by peer (ConnectionResetError)'),
])
def test_what_each_failure_says(failure, expected):
    classified = _http.failure_of(failure, URL, _http.Session().requests)
    assert isinstance(classified, _http.TransportError) and not isinstance(classified, _http.SetupError) and str(classified).startswith(expected)


@responses.activate
def test_tls_failure_names_the_ca_bundle_variable_and_is_final(make_http):
    responses.get(URL, body=untrusted_certificate(URL))
    responses.get(URL, json={})
    with pytest.raises(AzureDRError) as caught:
        make_http().request('GET', URL, scope=SCOPE)
    message = caught.value.message
    assert 'TLS verification failed for arm.example.test:443: unable to get local issuer certificate' in message
    assert 'REQUESTS_CA_BUNDLE' in message
    assert len(responses.calls) == 1


@responses.activate
def test_a_proxy_asking_for_credentials_is_final_and_named(make_http, clock, monkeypatch):
    clear_proxy_environment(monkeypatch)
    monkeypatch.setenv('HTTPS_PROXY', 'http://proxy.example.test:3128')
    responses.get(URL, body=proxy_refusal(URL))
    responses.get(URL, json={})
    with pytest.raises(AzureDRError) as caught:
        make_http(retry_budget=900).request('GET', URL, scope=SCOPE)
    assert 'the proxy proxy.example.test:3128 asks for credentials (407)' in caught.value.message
    assert 'http://user:password@host:port' in caught.value.message
    assert len(responses.calls) == 1 and clock.sleeps == []


def test_a_socks_proxy_without_pysocks_is_a_clear_setup_error(monkeypatch):
    clear_proxy_environment(monkeypatch)
    monkeypatch.setenv('HTTPS_PROXY', 'socks5h://127.0.0.1:1080')
    if importlib.util.find_spec('socks') is not None:  # PySocks is here: what requests.adapters defines without it
        def missing(*args, **kwargs):
            raise requests.exceptions.InvalidSchema('Missing dependencies for SOCKS support.')
        monkeypatch.setattr('requests.adapters.SOCKSProxyManager', missing)
    session = _http.Session()
    with pytest.raises(_http.SetupError, match=r'SOCKS proxy, which needs PySocks \(pip install "requests\[socks\]"\)'):
        session.send('GET', URL)
    with pytest.raises(AzureDRError) as caught:
        _http.HttpClient(session=session, sleep=pytest.fail).request('GET', URL)
    assert 'Could not send GET %s: the proxy of the environment is a SOCKS proxy' % URL in caught.value.message


# --- what is sent where ---

@pytest.mark.parametrize('url,expected', [
    ('http://arm.example.test/x', 'over plain http'),
    ('/relative/path', 'not an absolute https URL'),
    ('ftp://arm.example.test/x', 'not an absolute https URL'),
])
@responses.activate
def test_urls_that_are_not_https_are_refused_before_sending(make_http, url, expected):
    with pytest.raises(AzureDRError, match=expected):
        make_http().request('GET', url, scope=SCOPE)
    assert len(responses.calls) == 0


@responses.activate
def test_plain_http_to_loopback_is_allowed(make_http):
    responses.get('http://127.0.0.1:8080/x', json={})
    assert make_http().request('GET', 'http://127.0.0.1:8080/x', scope=SCOPE).json() == {}


@responses.activate
def test_a_token_is_never_sent_to_a_host_outside_the_run(make_http):
    http = make_http(token_hosts={'arm.example.test'})
    responses.get('https://evil.example.test/next', json={})
    with pytest.raises(AzureDRError, match='Refusing to send a token to evil.example.test'):
        http.request('GET', 'https://evil.example.test/next?page=2', scope=SCOPE)
    assert len(responses.calls) == 0
    responses.get(URL, json={})
    http.request('GET', URL, scope=SCOPE)
    assert http.credential.issued == 1


@pytest.fixture
def no_netrc(monkeypatch, tmp_path):
    """requests reads ~/.netrc on redirects: none here, whatever the developer's."""
    monkeypatch.setenv('NETRC', str(tmp_path / 'no-netrc'))


@responses.activate
def test_a_redirect_to_https_on_the_same_host_is_followed_with_the_token(make_http, no_netrc):
    responses.get(URL, status=307, headers={'Location': URL + '/moved'})
    responses.get(URL + '/moved', json={'name': 'fg'})
    assert make_http(token_hosts={'arm.example.test'}).request('GET', URL, scope=SCOPE).json() == {'name': 'fg'}
    assert [call.request.url for call in responses.calls] == [URL, URL + '/moved']
    assert sent_tokens() == ['Bearer token-1', 'Bearer token-1']


@responses.activate
def test_a_redirect_to_another_host_is_followed_without_the_token(make_http, no_netrc):
    responses.get(URL, status=302, headers={'Location': 'https://storage.example.test/blob?sig=x'})
    responses.get('https://storage.example.test/blob', json={'name': 'fg'})
    assert make_http(token_hosts={'arm.example.test'}).request('GET', URL, scope=SCOPE).json() == {'name': 'fg'}
    assert responses.calls[1].request.url == 'https://storage.example.test/blob?sig=x'
    assert sent_tokens() == ['Bearer token-1', None]


@responses.activate
def test_a_netrc_entry_never_replaces_the_token_on_a_redirect(make_http, monkeypatch, tmp_path):
    netrc = tmp_path / 'netrc'
    netrc.write_text('machine arm.example.test login someone password netrc-password\n')
    netrc.chmod(0o600)
    monkeypatch.setenv('NETRC', str(netrc))
    responses.get(URL, status=307, headers={'Location': URL + '/moved'})
    responses.get(URL + '/moved', json={})
    make_http().request('GET', URL, scope=SCOPE)
    assert sent_tokens() == ['Bearer token-1', 'Bearer token-1']


@pytest.mark.parametrize('location', ['http://arm.example.test/moved', 'ftp://arm.example.test/moved'])
@responses.activate
def test_a_redirect_away_from_https_is_refused(make_http, clock, location):
    responses.get(URL, status=301, headers={'Location': location})
    responses.get(location.replace('ftp://', 'http://'), json={})
    with pytest.raises(AzureDRError) as caught:
        make_http(retry_budget=900).request('GET', URL, scope=SCOPE)
    assert not isinstance(caught.value, RetryBudgetExceeded) and clock.sleeps == []
    assert 'the service redirected to %s, which is not https: not followed' % location in caught.value.message
    assert len(responses.calls) == 1


@responses.activate
def test_a_redirect_to_plain_http_on_loopback_is_followed(make_http):
    responses.get('http://127.0.0.1:8080/x', status=302, headers={'Location': 'http://localhost:8080/y'})
    responses.get('http://localhost:8080/y', json={'name': 'fg'})
    assert make_http().request('GET', 'http://127.0.0.1:8080/x').json() == {'name': 'fg'}


@responses.activate
def test_endless_redirects_are_final(make_http, clock):
    responses.get(URL, status=302, headers={'Location': URL})
    with pytest.raises(AzureDRError) as caught:
        make_http(retry_budget=900).request('GET', URL, scope=SCOPE)
    assert 'more than 5 redirects' in caught.value.message and clock.sleeps == []
    assert len(responses.calls) == 6  # the request and 5 redirects followed


# --- tokens ---

@responses.activate
def test_expired_token_is_refreshed_once_and_the_request_sent_again(make_http):
    responses.get(URL, status=401, json={'error': {'code': 'ExpiredAuthenticationToken', 'message': 'expired'}})
    responses.get(URL, json={})
    http = make_http()
    http.request('GET', URL, scope=SCOPE)
    assert sent_tokens() == ['Bearer token-1', 'Bearer token-2']
    assert http.credential.claims == [None, None]


@responses.activate
def test_a_second_401_is_final(make_http):
    responses.get(URL, status=401, json={'error': {'code': 'InvalidAuthenticationToken', 'message': 'bad'}})
    with pytest.raises(ApiError) as caught:
        make_http().request('GET', URL, scope=SCOPE)
    assert caught.value.status == 401 and len(responses.calls) == 2
    assert 'token-' not in str(caught.value.to_result())


CLAIMS = '{"access_token":{"nbf":{"essential":true,"value":"1700000000"}}}'


def claims_header(claims=CLAIMS, encode=base64.b64encode):
    """A claims challenge as ARM sends it (Continuous Access Evaluation)."""
    return ('Bearer authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", '
            'error="insufficient_claims", claims="%s"' % encode(claims.encode('utf-8')).decode('ascii'))


CHALLENGE = {'status': 401, 'headers': {'WWW-Authenticate': claims_header()},
             'json': {'error': {'code': 'InvalidAuthenticationToken', 'message': 'claims needed'}}}


@responses.activate
def test_a_claims_challenge_gets_a_token_with_those_claims_and_the_request_is_sent_again_once(make_http):
    responses.get(URL, **CHALLENGE)
    responses.get(URL, json={'name': 'fg'})
    http = make_http()
    assert http.request('GET', URL, scope=SCOPE).json() == {'name': 'fg'}
    assert http.credential.claims == [None, CLAIMS]
    assert sent_tokens() == ['Bearer token-1', 'Bearer token-2']


@responses.activate
def test_a_second_claims_challenge_is_final(make_http):
    responses.get(URL, **CHALLENGE)
    http = make_http()
    with pytest.raises(ApiError) as caught:
        http.request('GET', URL, scope=SCOPE)
    assert caught.value.status == 401 and len(responses.calls) == 2 and http.credential.claims == [None, CLAIMS]


@responses.activate
def test_the_token_with_the_claims_serves_the_retries_and_requests_that_follow(make_http):
    responses.get(URL, **CHALLENGE)
    responses.get(URL, status=503)
    responses.get(URL, json={})
    http = make_http()
    http.request('GET', URL, scope=SCOPE)
    http.request('GET', URL, scope=SCOPE)
    assert http.credential.claims == [None, CLAIMS]  # one token asked with the claims, not one per retry
    assert sent_tokens() == ['Bearer token-1', 'Bearer token-2', 'Bearer token-2', 'Bearer token-2']


def test_the_claims_of_a_challenge_in_base64_or_base64url():
    assert claims_challenge(claims_header()) == CLAIMS
    assert claims_challenge(claims_header(encode=lambda raw: base64.urlsafe_b64encode(raw).rstrip(b'='))) == CLAIMS
    assert claims_challenge('Bearer realm="", error="invalid_token"') is None
    assert claims_challenge(None) is None
    assert claims_challenge('Bearer error="insufficient_claims", claims="//79"') is None  # not UTF-8


@responses.activate
def test_one_token_per_scope_and_one_correlation_id_per_run(make_http):
    responses.get(URL, json={})
    http = make_http()
    for dummy in range(3):
        http.request('GET', URL, scope=SCOPE)
    assert http.credential.issued == 1
    assert len({call.request.headers['x-ms-correlation-request-id'] for call in responses.calls}) == 1
    assert http.requests_sent == 3


# --- timeouts ---

@responses.activate
def test_the_timeouts_go_to_requests_and_the_read_timeout_never_outlasts_the_budget(make_http):
    responses.get(URL, json={})
    make_http(timeout=(10.0, 120.0)).request('GET', URL, scope=SCOPE)
    make_http(timeout=(10.0, 120.0), retry_budget=25).request('GET', URL, scope=SCOPE)
    assert [call.request.req_kwargs['timeout'] for call in responses.calls] == [(10.0, 120.0), (10.0, 25.0)]


@pytest.mark.parametrize('value,timeout', [(None, (10.0, 120.0)), ('', (10.0, 120.0)), ('5', (5.0, 5.0)), ('30', (10.0, 30.0))])
def test_the_read_timeout_can_be_shortened(value, timeout):
    environ = {} if value is None else {'AZURE_DR_HTTP_TIMEOUT': value}
    assert _http.timeout_from(environ) == timeout


@pytest.mark.parametrize('value', ['0', '-3', 'soon', '7200', 'nan'])
def test_a_bad_timeout_is_refused(value):
    with pytest.raises(ValueError):
        _http.timeout_from({'AZURE_DR_HTTP_TIMEOUT': value})
