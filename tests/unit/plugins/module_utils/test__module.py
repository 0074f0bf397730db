# -*- coding: utf-8 -*-
# Copyright: contributors to the azure_dr.recovery collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The module wrapper, driven the way a module is: main() runs, and its printed JSON is read."""

from __future__ import annotations

import json

import pytest
import responses

from ansible_collections.azure_dr.recovery.plugins.module_utils._arm import arm_client
from ansible_collections.azure_dr.recovery.plugins.module_utils._fabric import fabric_client
from ansible_collections.azure_dr.recovery.plugins.module_utils._module import AzureDRModule
from ansible_collections.azure_dr.recovery.plugins.module_utils._validation import name_problem

SUB = '00000000-1111-2222-3333-444444444444'
ARM = 'https://arm.example.test'
GROUP_URL = ARM + '/subscriptions/%s/resourceGroups/rg?api-version=2021-04-01' % SUB
FABRIC = 'https://fabric.example.test'
TOKEN = 'eyJhbGciOi.secret-bearer-token.sig'
SECRET = 'client-secret-never-shown'


def arm_main():
    """A minimal ARM module written the way the collection's modules are."""
    module = AzureDRModule({'name': dict(type='str', required=True)}, api='arm', supports_check_mode=True)
    with module.reporting_errors(changed=False):
        module.validator().add(name_problem(module.params['name'], 'name')).check()
        client = arm_client(module)
        body = client.get(client.path('resourceGroups', 'rg'), '2021-04-01')
        module.exit_json(changed=False, body=body, elapsed=module.elapsed())


def fabric_main():
    module = AzureDRModule({}, api='fabric', supports_check_mode=True)
    with module.reporting_errors(changed=False):
        module.validator().check()
        module.exit_json(changed=False, workspace=fabric_client(module).get('admin', 'workspaces', 'w1'))


@responses.activate
def test_a_run_with_an_access_token_and_an_endpoint_override(run_module, monkeypatch):
    monkeypatch.setenv('AZURE_SUBSCRIPTION_ID', SUB)
    responses.get(GROUP_URL, json={'name': 'rg'})
    result, _output = run_module(arm_main, {'name': 'x', 'access_token': TOKEN, 'arm_endpoint': ARM})
    assert result['body'] == {'name': 'rg'} and result['changed'] is False
    assert responses.calls[0].request.headers['Authorization'] == 'Bearer ' + TOKEN


@responses.activate
def test_bad_input_fails_before_any_request_and_lists_every_problem(run_module):
    result, _output = run_module(arm_main, {
        'name': ' ', 'access_token': TOKEN, 'subscription_id': 'not-a-uuid',
        'arm_endpoint': 'http://arm.example.test', 'client_id': 'nope'})
    assert result['failed'] is True
    problems = result['error']['problems']
    assert any(p.startswith('subscription_id must be a UUID') for p in problems)
    assert any(p.startswith('arm_endpoint must use https') for p in problems)
    assert any(p.startswith('client_id must be a UUID') for p in problems)
    assert 'name must not be empty' in problems
    assert len(responses.calls) == 0


def test_missing_subscription_is_named_with_its_variable(run_module):
    result, _output = run_module(arm_main, {'name': 'x', 'access_token': TOKEN, 'arm_endpoint': ARM})
    assert 'subscription_id (or the environment variable AZURE_SUBSCRIPTION_ID) is required' in result['msg']


@responses.activate
def test_api_errors_become_a_clean_failure_with_ids_and_no_secret(run_module, monkeypatch):
    # A hostile service that echoes the bearer token back in its error message.
    monkeypatch.setenv('AZURE_SUBSCRIPTION_ID', SUB)
    responses.get(GROUP_URL, status=403, json={'error': {'code': 'AuthorizationFailed', 'message': 'token %s denied' % TOKEN}},
                  headers={'x-ms-request-id': 'req-1', 'x-ms-correlation-request-id': 'corr-1'})
    result, output = run_module(arm_main, {'name': 'x', 'access_token': TOKEN, 'arm_endpoint': ARM})
    assert result['failed'] is True and result['changed'] is False
    assert result['error']['code'] == 'AuthorizationFailed'
    assert (result['error']['request_id'], result['error']['correlation_id']) == ('req-1', 'corr-1')
    assert 'Hint:' in result['msg'] and 'Traceback' not in output
    assert TOKEN not in output


@responses.activate
def test_tokens_fetched_at_run_time_are_masked_in_every_output(run_module, monkeypatch):
    """A token from the identity provider is not a module option, yet must never be printed."""
    fetched = 'fetched-token-value-123'

    class Credential:
        can_refresh = True

        def get_token(self, scope, claims=None):
            return fetched, 9e9

    monkeypatch.setattr('ansible_collections.azure_dr.recovery.plugins.module_utils._connection.build_credential',
                        lambda plan, endpoints, http: Credential())
    responses.get(FABRIC + '/v1/admin/workspaces/w1', json={'id': 'w1', 'echo': fetched})
    result, output = run_module(fabric_main, {'client_id': '11111111-2222-3333-4444-555555555555', 'secret': SECRET,
                                              'tenant': 'contoso.onmicrosoft.com', 'fabric_endpoint': FABRIC})
    assert result['workspace']['id'] == 'w1'
    assert fetched not in output and SECRET not in output


@responses.activate
def test_retry_warnings_are_masked_too(run_module, monkeypatch):
    # Ansible masks results but not warnings: a 429 that repeats the token must not print it.
    monkeypatch.setenv('AZURE_SUBSCRIPTION_ID', SUB)
    monkeypatch.setattr('time.sleep', lambda seconds: None)
    responses.get(GROUP_URL, status=429, headers={'Retry-After': '0'},
                  json={'errorCode': 'RequestBlocked', 'message': 'blocked for %s' % TOKEN})
    responses.get(GROUP_URL, json={'name': 'rg'})
    result, output = run_module(arm_main, {'name': 'x', 'access_token': TOKEN, 'arm_endpoint': ARM})
    # ansible-core 2.19 returns warnings as structured summaries, earlier versions as strings.
    assert len(result['warnings']) == 1 and 'RequestBlocked' in json.dumps(result['warnings'])
    assert TOKEN not in output


@responses.activate
def test_a_next_link_to_another_host_gets_no_token(run_module, monkeypatch):
    def list_main():
        module = AzureDRModule({}, api='arm', supports_check_mode=True)
        with module.reporting_errors(changed=False):
            client = arm_client(module)
            module.exit_json(changed=False, items=client.list(client.path('groups'), '2025-01-01'))

    monkeypatch.setenv('AZURE_SUBSCRIPTION_ID', SUB)
    responses.get(ARM + '/subscriptions/%s/groups' % SUB, json={'value': [], 'nextLink': 'https://evil.example.test/next'})
    result, _output = run_module(list_main, {'access_token': TOKEN, 'arm_endpoint': ARM})
    assert result['failed'] is True and 'Refusing to send a token to evil.example.test' in result['msg']
    assert len(responses.calls) == 1


@responses.activate
def test_a_page_that_is_not_json_fails_cleanly(run_module, monkeypatch):
    monkeypatch.setenv('AZURE_SUBSCRIPTION_ID', SUB)
    responses.get(GROUP_URL, body='<html>sign in to the proxy</html>', content_type='text/html')
    result, output = run_module(arm_main, {'name': 'x', 'access_token': TOKEN, 'arm_endpoint': ARM})
    assert result['failed'] is True and 'Expected JSON' in result['msg'] and 'Traceback' not in output


def test_authentication_failure_names_what_to_set(run_module, monkeypatch):
    monkeypatch.setenv('AZURE_AUTH_SOURCE', 'env')
    result, output = run_module(fabric_main, {'fabric_endpoint': FABRIC})
    assert result['failed'] is True
    assert 'AZURE_CLIENT_ID' in result['msg'] and 'AZURE_AD_USER' in result['msg']
    assert 'Traceback' not in output


@pytest.mark.parametrize('authority', ['http://login.example.test', 'http://127.0.0.1:8443'])
def test_authority_must_be_https(run_module, authority):
    result, _output = run_module(fabric_main, {'access_token': TOKEN, 'authority_host': authority})
    assert any('authority_host must' in problem for problem in result['error']['problems'])


@responses.activate
def test_a_metadata_url_in_cloud_environment_is_read_once_and_sets_the_endpoints(run_module, monkeypatch):
    monkeypatch.setenv('AZURE_SUBSCRIPTION_ID', SUB)
    monkeypatch.setenv('AZURE_CLOUD_ENVIRONMENT', ARM)
    responses.get(ARM + '/metadata/endpoints?api-version=1.0', json={
        'authentication': {'loginEndpoint': 'https://login.example.test/', 'audiences': ['https://arm.audience/']}})
    responses.get(GROUP_URL, json={'name': 'rg'})
    scopes = []

    class Credential:
        can_refresh = True

        def get_token(self, scope, claims=None):
            scopes.append(scope)
            return TOKEN, 9e9

    monkeypatch.setattr('ansible_collections.azure_dr.recovery.plugins.module_utils._connection.build_credential',
                        lambda plan, endpoints, http: scopes.append(endpoints.authority) or Credential())
    result, _output = run_module(arm_main, {'name': 'x', 'client_id': '11111111-2222-3333-4444-555555555555',
                                            'secret': SECRET, 'tenant': 'contoso.onmicrosoft.com'})
    assert result['body'] == {'name': 'rg'}
    assert scopes == ['https://login.example.test', 'https://arm.audience/.default']
    assert [call.request.url.split('?', 1)[0] for call in responses.calls] == [
        ARM + '/metadata/endpoints', GROUP_URL.split('?', 1)[0]]


@responses.activate
def test_an_unknown_cloud_fails_before_any_request(run_module):
    result, _output = run_module(fabric_main, {'access_token': TOKEN, 'cloud_environment': 'AzureGermanCloud'})
    assert result['failed'] is True and len(responses.calls) == 0
    assert any(problem.startswith('cloud_environment must be one of AzureCloud') for problem in result['error']['problems'])


@responses.activate
def test_the_timeout_variable_sets_the_timeouts_of_every_request(run_module, monkeypatch):
    monkeypatch.setenv('AZURE_SUBSCRIPTION_ID', SUB)
    monkeypatch.setenv('AZURE_DR_HTTP_TIMEOUT', '5')
    responses.get(GROUP_URL, json={'name': 'rg'})
    result, _output = run_module(arm_main, {'name': 'x', 'access_token': TOKEN, 'arm_endpoint': ARM})
    assert result['body'] == {'name': 'rg'}
    assert responses.calls[0].request.req_kwargs['timeout'] == (5.0, 5.0)


@pytest.mark.parametrize('max_concurrency', [1, 40, 250])
@responses.activate
def test_the_session_keeps_a_connection_for_each_thread_of_a_batch(run_module, monkeypatch, max_concurrency):
    from ansible_collections.azure_dr.recovery.plugins.module_utils import _http
    from ansible_collections.azure_dr.recovery.plugins.modules import instance_failover_group_failover_batch as batch

    sessions = []

    class Recorded(_http.Session):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            sessions.append(self)

    monkeypatch.setattr(_http, 'Session', Recorded)
    group = ARM + '/subscriptions/%s/resourceGroups/rg/providers/Microsoft.Sql/locations/JapanWest/instanceFailoverGroups/fg' % SUB
    responses.get(group, json={'name': 'fg', 'properties': {'replicationRole': 'Primary', 'replicationState': 'CATCH_UP'}})
    result, _output = run_module(batch.main, {
        'access_token': TOKEN, 'arm_endpoint': ARM, 'subscription_id': SUB, 'max_concurrency': max_concurrency,
        'groups': [{'resource_group': 'rg', 'location': 'JapanWest', 'name': 'fg'}], '_ansible_check_mode': True})
    assert 'failed' not in result, result.get('msg')
    assert len(sessions) == 1 and len(responses.calls) >= 1
    for scheme in ('https://', 'http://'):
        pools = sessions[0].requests.get_adapter(scheme + 'arm.example.test/').poolmanager.connection_pool_kw
        assert pools['maxsize'] >= max_concurrency and pools['block'] is False
