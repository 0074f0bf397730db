# -*- coding: utf-8 -*-
# Copyright: contributors to the azure_dr.recovery collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest
import responses
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ansible_collections.azure_dr.recovery.plugins.module_utils import _auth, _identity_libraries
from ansible_collections.azure_dr.recovery.plugins.module_utils._auth import (
    AZURE_CLI_CLIENT_ID,
    TokenProvider,
    auth_argument_spec,
    build_credential,
    resolve_credential,
)
from ansible_collections.azure_dr.recovery.plugins.module_utils._clouds import select_endpoints
from ansible_collections.azure_dr.recovery.plugins.module_utils._errors import AuthenticationError
from ansible_collections.azure_dr.recovery.plugins.module_utils._http import HttpClient, Transport
from ansible_collections.azure_dr.recovery.tests.unit.fake_service import fake_http

TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47'
CLIENT = '11111111-2222-3333-4444-555555555555'
SECRET = 'super-secret-value-1'


def params_from(monkeypatch, env=None, api='arm', **options):
    """The module parameters Ansible would build: options, then environment fallbacks, then defaults."""
    for name, value in (env or {}).items():
        monkeypatch.setenv(name, value)
    result = ArgumentSpecValidator(auth_argument_spec(api)).validate(options)
    assert not result.error_messages, result.error_messages
    return result.validated_parameters


def plan_for(monkeypatch, env=None, **options):
    return resolve_credential(params_from(monkeypatch, env, **options), environ=dict(os.environ))


# --- which credential, from which inputs ---

def test_awx_service_principal_variables(monkeypatch):
    plan = plan_for(monkeypatch, {'AZURE_CLIENT_ID': CLIENT, 'AZURE_SECRET': SECRET, 'AZURE_TENANT': TENANT})
    assert plan.kind == 'client_secret'
    assert plan.settings == {'tenant': TENANT, 'client_id': CLIENT, 'secret': SECRET}


def test_azure_identity_variable_names(monkeypatch):
    plan = plan_for(monkeypatch, {'AZURE_CLIENT_ID': CLIENT, 'AZURE_CLIENT_SECRET': SECRET, 'AZURE_TENANT_ID': TENANT})
    assert plan.kind == 'client_secret' and plan.settings['tenant'] == TENANT and plan.settings['secret'] == SECRET


def test_awx_names_win_over_azure_identity_names(monkeypatch):
    plan = plan_for(monkeypatch, {'AZURE_CLIENT_ID': CLIENT, 'AZURE_SECRET': 'awx', 'AZURE_CLIENT_SECRET': 'identity',
                                  'AZURE_TENANT': 'awx.onmicrosoft.com', 'AZURE_TENANT_ID': TENANT})
    assert plan.settings['secret'] == 'awx' and plan.settings['tenant'] == 'awx.onmicrosoft.com'


def test_an_empty_variable_does_not_hide_the_next_name(monkeypatch):
    plan = plan_for(monkeypatch, {'AZURE_CLIENT_ID': CLIENT, 'AZURE_SECRET': '', 'AZURE_CLIENT_SECRET': SECRET,
                                  'AZURE_TENANT': '', 'AZURE_TENANT_ID': TENANT})
    assert plan.settings == {'tenant': TENANT, 'client_id': CLIENT, 'secret': SECRET}


def test_explicit_options_win_over_the_environment(monkeypatch):
    plan = plan_for(monkeypatch, {'AZURE_CLIENT_ID': 'env-client', 'AZURE_SECRET': 'env', 'AZURE_TENANT': 'env'},
                    client_id=CLIENT, secret=SECRET, tenant=TENANT)
    assert plan.settings == {'tenant': TENANT, 'client_id': CLIENT, 'secret': SECRET}


def test_certificate(monkeypatch):
    plan = plan_for(monkeypatch, {'AZURE_CLIENT_ID': CLIENT, 'AZURE_TENANT': TENANT,
                                  'AZURE_CLIENT_CERTIFICATE_PATH': '/etc/sp.pem'})
    assert plan.kind == 'client_certificate' and plan.settings['certificate_path'] == '/etc/sp.pem'


def test_awx_user_credential_uses_the_azure_cli_public_client(monkeypatch):
    plan = plan_for(monkeypatch, {'AZURE_AD_USER': 'dr@contoso.com', 'AZURE_PASSWORD': SECRET})
    assert plan.kind == 'user_password'
    assert plan.settings == {'tenant': 'organizations', 'client_id': AZURE_CLI_CLIENT_ID,
                             'user': 'dr@contoso.com', 'password': SECRET}


def test_access_token_comes_first_in_auto(monkeypatch):
    plan = plan_for(monkeypatch, {'AZURE_CLIENT_ID': CLIENT, 'AZURE_SECRET': SECRET, 'AZURE_TENANT': TENANT},
                    access_token='eyJ0b2tlbg')
    assert plan.kind == 'access_token'


def test_auto_without_credentials_falls_back_to_the_azure_identity_chain(monkeypatch):
    plan = plan_for(monkeypatch, {'AZURE_FEDERATED_TOKEN_FILE': '/var/run/token'})
    assert plan.kind == 'default_chain' and plan.settings['federated_token_file'] == '/var/run/token'
    assert 'AZURE_SECRET' in plan.advice and 'access_token' in plan.advice


@pytest.mark.parametrize('source_env', ['AZURE_AUTH_SOURCE', 'ANSIBLE_AZURE_AUTH_SOURCE'])
def test_env_source_without_credentials_says_what_to_set(monkeypatch, source_env):
    with pytest.raises(AuthenticationError) as caught:
        plan_for(monkeypatch, {source_env: 'env'})
    message = caught.value.message
    for name in ('AZURE_CLIENT_ID', 'AZURE_SECRET', 'AZURE_CLIENT_SECRET', 'AZURE_TENANT', 'AZURE_TENANT_ID',
                 'AZURE_CLIENT_CERTIFICATE_PATH', 'AZURE_AD_USER', 'AZURE_PASSWORD'):
        assert name in message


@pytest.mark.parametrize('env,expected', [
    ({'AZURE_SECRET': SECRET, 'AZURE_TENANT': TENANT}, 'needs client_id'),
    ({'AZURE_CLIENT_ID': CLIENT, 'AZURE_SECRET': SECRET}, 'needs tenant'),
    ({'AZURE_AD_USER': 'dr@contoso.com'}, 'only ad_user is set'),
    ({'AZURE_PASSWORD': SECRET}, 'only password is set'),
])
def test_partial_credentials_fail_instead_of_silently_trying_another_identity(monkeypatch, env, expected):
    with pytest.raises(AuthenticationError) as caught:
        plan_for(monkeypatch, env)
    assert expected in caught.value.message and SECRET not in caught.value.message


def test_single_sources(monkeypatch):
    assert plan_for(monkeypatch, auth_source='cli', tenant=TENANT).kind == 'azure_cli'
    msi = plan_for(monkeypatch, auth_source='msi', client_id=CLIENT)
    assert msi.kind == 'managed_identity' and msi.settings == {'client_id': CLIENT}
    with pytest.raises(AuthenticationError, match='needs access_token'):
        plan_for(monkeypatch, auth_source='token')


def test_workload_identity_needs_its_three_inputs(monkeypatch):
    with pytest.raises(AuthenticationError) as caught:
        plan_for(monkeypatch, auth_source='workload_identity', client_id=CLIENT)
    assert 'tenant' in caught.value.message and 'AZURE_FEDERATED_TOKEN_FILE' in caught.value.message
    plan = plan_for(monkeypatch, {'AZURE_FEDERATED_TOKEN_FILE': '/t'}, auth_source='workload_identity',
                    client_id=CLIENT, tenant=TENANT)
    assert plan.kind == 'workload_identity'


def test_plan_repr_hides_secrets(monkeypatch):
    plan = plan_for(monkeypatch, client_id=CLIENT, secret=SECRET, tenant=TENANT)
    assert SECRET not in repr(plan) and SECRET not in plan.description


# --- building credentials: the right azure-identity class with the right authority ---

class Recorder:
    calls = []

    def __init__(self, *args, **kwargs):
        Recorder.calls.append((self.__class__.__name__, args, kwargs))


def recording_identity(monkeypatch):
    import azure.identity
    Recorder.calls = []
    for name in ('ClientSecretCredential', 'CertificateCredential', 'WorkloadIdentityCredential',
                 'ManagedIdentityCredential', 'AzureCliCredential', 'ChainedTokenCredential'):
        monkeypatch.setattr(azure.identity, name, type(name, (Recorder,), {}))
    return Recorder.calls


def test_an_ad_fs_client_secret_goes_through_azure_identity_with_instance_discovery_off(monkeypatch):
    calls = recording_identity(monkeypatch)
    params = params_from(monkeypatch, client_id=CLIENT, secret=SECRET, tenant='adfs', authority_host='https://127.0.0.1:8443')
    build_credential(resolve_credential(params), select_endpoints(params), http=None)
    assert calls == [('ClientSecretCredential', ('adfs', CLIENT, SECRET),
                      {'authority': 'https://127.0.0.1:8443', 'disable_instance_discovery': True})]


@pytest.mark.parametrize('cloud,authority', [('AzureCloud', 'https://login.microsoftonline.com'),
                                             ('AzureUSGovernment', 'https://login.microsoftonline.us'),
                                             ('AzureChinaCloud', 'https://login.chinacloudapi.cn')])
def test_cloud_environment_picks_the_authority_and_keeps_discovery(monkeypatch, cloud, authority):
    calls = recording_identity(monkeypatch)
    params = params_from(monkeypatch, {'AZURE_CLOUD_ENVIRONMENT': cloud}, client_id=CLIENT,
                         certificate_path='/sp.pem', tenant=TENANT)
    build_credential(resolve_credential(params), select_endpoints(params), http=None)
    assert calls == [('CertificateCredential', (TENANT, CLIENT),
                      {'certificate_path': '/sp.pem', 'authority': authority, 'disable_instance_discovery': False})]


def test_endpoints_follow_the_cloud_and_scopes_ignore_overrides(monkeypatch):
    params = params_from(monkeypatch, {'AZURE_CLOUD_ENVIRONMENT': 'AzureUSGovernment',
                                       'AZURE_ARM_ENDPOINT': 'https://127.0.0.1:8443/'})
    endpoints = select_endpoints(params)
    assert endpoints.arm == 'https://127.0.0.1:8443'
    assert endpoints.arm_scope == 'https://management.usgovcloudapi.net/.default'
    fabric = select_endpoints(params_from(monkeypatch, {'FABRIC_API_ENDPOINT': 'https://127.0.0.1:9443'}, api='fabric'))
    assert fabric.fabric == 'https://127.0.0.1:9443' and fabric.fabric_scope == 'https://api.fabric.microsoft.com/.default'


def test_microsoft_authority_host_keeps_instance_discovery(monkeypatch):
    calls = recording_identity(monkeypatch)
    params = params_from(monkeypatch, {'AZURE_AUTHORITY_HOST': 'login.microsoftonline.us'},
                         client_id=CLIENT, certificate_path='/sp.pem', tenant=TENANT)
    build_credential(resolve_credential(params), select_endpoints(params), http=None)
    assert calls[0][2] == {'certificate_path': '/sp.pem', 'authority': 'https://login.microsoftonline.us',
                           'disable_instance_discovery': False}


def test_managed_and_workload_identity_credentials(monkeypatch):
    calls = recording_identity(monkeypatch)
    params = params_from(monkeypatch, auth_source='msi', client_id=CLIENT)
    build_credential(resolve_credential(params), select_endpoints(params), http=None)
    params = params_from(monkeypatch, auth_source='workload_identity', client_id=CLIENT, tenant=TENANT)
    build_credential(resolve_credential(params, environ={'AZURE_FEDERATED_TOKEN_FILE': '/t'}),
                     select_endpoints(params), http=None)
    assert calls == [
        ('ManagedIdentityCredential', (), {'client_id': CLIENT}),
        ('WorkloadIdentityCredential', (), {'tenant_id': TENANT, 'client_id': CLIENT, 'token_file_path': '/t',
                                            'authority': 'https://login.microsoftonline.com',
                                            'disable_instance_discovery': False}),
    ]


def test_default_chain_is_workload_then_managed_identity_then_cli(monkeypatch):
    calls = recording_identity(monkeypatch)
    params = params_from(monkeypatch, client_id=CLIENT, tenant=TENANT)
    plan = resolve_credential(params, environ={'AZURE_FEDERATED_TOKEN_FILE': '/t'})
    build_credential(plan, select_endpoints(params), http=None)
    assert [name for name, _args, _kwargs in calls] == [
        'WorkloadIdentityCredential', 'ManagedIdentityCredential', 'AzureCliCredential', 'ChainedTokenCredential']


# --- a service principal with a secret: one POST to the token endpoint, no identity library ---

TOKEN_URL = 'https://login.microsoftonline.us/%s/oauth2/v2.0/token' % TENANT
ARM_SCOPE = 'https://management.usgovcloudapi.net/.default'


def secret_credential(monkeypatch, sleeps=None, warnings=None):
    params = params_from(monkeypatch, {'AZURE_CLOUD_ENVIRONMENT': 'AzureUSGovernment'},
                         client_id=CLIENT, secret=SECRET, tenant=TENANT)
    http = HttpClient(transport=Transport(), sleep=(sleeps.append if sleeps is not None else None),
                      on_retry=(warnings.append if warnings is not None else None))
    credential = build_credential(resolve_credential(params), select_endpoints(params), http)
    assert isinstance(credential, _auth.ClientSecretTokenCredential)
    return credential


@fake_http.activate
def test_client_secret_is_one_form_post_to_the_clouds_token_endpoint(monkeypatch):
    token = fake_http.post(TOKEN_URL, json={'token_type': 'Bearer', 'expires_in': 3599, 'ext_expires_in': 3599,
                                            'access_token': 'app-token'})
    before = _auth.time.time()
    value, expires_on = secret_credential(monkeypatch).get_token(ARM_SCOPE)
    assert value == 'app-token' and before + 3599 <= expires_on <= _auth.time.time() + 3599
    assert len(fake_http.calls) == 1  # no OpenID configuration, no instance discovery
    form = dict(pair.split('=', 1) for pair in token.calls[0].request.body.split('&'))
    assert form == {'grant_type': 'client_credentials', 'client_id': CLIENT, 'client_secret': SECRET,
                    'scope': 'https%3A%2F%2Fmanagement.usgovcloudapi.net%2F.default'}
    assert 'Authorization' not in token.calls[0].request.headers


@fake_http.activate
def test_a_throttled_or_failing_token_endpoint_is_retried_after_what_it_asks(monkeypatch):
    fake_http.post(TOKEN_URL, status=429, headers={'Retry-After': '7'}, json={'error': 'temporarily_unavailable'})
    fake_http.post(TOKEN_URL, status=503, headers={'Retry-After': '2'})
    fake_http.post(TOKEN_URL, json={'access_token': 'app-token', 'expires_in': '3599'})
    sleeps, warnings = [], []
    value, _expires_on = secret_credential(monkeypatch, sleeps, warnings).get_token(ARM_SCOPE)
    assert value == 'app-token' and sleeps == [7.0, 2.0] and len(warnings) == 2
    assert not any(SECRET in warning for warning in warnings)


@fake_http.activate
def test_a_refused_secret_names_the_entra_error_and_never_the_secret(monkeypatch):
    fake_http.post(TOKEN_URL, status=401, json={
        'error': 'invalid_client', 'error_codes': [7000215], 'trace_id': 'trace-1',
        'error_description': 'AADSTS7000215: Invalid client secret provided.\r\nTrace ID: trace-1\r\nTimestamp: x'})
    tokens = TokenProvider(_auth.CredentialPlan('client_secret', 'service principal %s (client secret)' % CLIENT),
                           lambda plan: secret_credential(monkeypatch), secrets=[SECRET])
    with pytest.raises(AuthenticationError) as caught:
        tokens.token(ARM_SCOPE)
    message = caught.value.message
    assert 'HTTP 401 invalid_client: AADSTS7000215: Invalid client secret provided.' in message
    assert 'service principal %s' % CLIENT in message and 'trace-1' in message
    assert 'Timestamp' not in message and SECRET not in message
    assert len(fake_http.calls) == 1  # a refusal is final


@fake_http.activate
def test_a_token_endpoint_answering_without_a_token_is_a_clear_error(monkeypatch):
    fake_http.post(TOKEN_URL, body='<html>proxy login</html>', content_type='text/html')
    with pytest.raises(AuthenticationError, match='without an access_token: is authority_host right'):
        secret_credential(monkeypatch).get_token(ARM_SCOPE)


# --- user + password through msal, with the emulator-style authority on a port ---

AUTHORITY = 'https://127.0.0.1:8443'
OPENID = {
    'token_endpoint': AUTHORITY + '/organizations/oauth2/v2.0/token',
    'authorization_endpoint': AUTHORITY + '/organizations/oauth2/v2.0/authorize',
    'device_authorization_endpoint': AUTHORITY + '/organizations/oauth2/v2.0/devicecode',
    'issuer': AUTHORITY + '/organizations/v2.0',
}


@responses.activate
def test_user_password_through_msal_keeps_the_authority_port_for_user_realm_discovery(monkeypatch):
    responses.get(AUTHORITY + '/organizations/v2.0/.well-known/openid-configuration', json=OPENID)
    realm = responses.get(AUTHORITY + '/common/userrealm/dr@contoso.com?api-version=1.0',
                          json={'account_type': 'Managed', 'ver': '1.0'})
    token = responses.post(OPENID['token_endpoint'],
                           json={'access_token': 'user-token', 'expires_in': 3599, 'token_type': 'Bearer'})
    params = params_from(monkeypatch, {'AZURE_AD_USER': 'dr@contoso.com', 'AZURE_PASSWORD': SECRET},
                         authority_host=AUTHORITY)
    credential = build_credential(resolve_credential(params), select_endpoints(params), HttpClient(transport=Transport()))
    value, expires_on = credential.get_token('https://management.azure.com/.default')
    assert value == 'user-token' and expires_on > 0
    assert realm.call_count == 1 and token.call_count == 1
    assert 'grant_type=password' in token.calls[0].request.body


def test_port_preserving_client_only_rewrites_user_realm_urls():
    sent = []

    class Session:
        def get(self, url, **kwargs):
            sent.append(url)

        post = get

    client = _identity_libraries.PortPreservingHttpClient(Session(), 'https://127.0.0.1:8443')
    client.get('https://127.0.0.1/common/userrealm/u@x?api-version=1.0')
    client.post('https://127.0.0.1:8443/t/oauth2/v2.0/token')
    _identity_libraries.PortPreservingHttpClient(Session(), 'https://login.microsoftonline.com').get(
        'https://login.microsoftonline.com/common/userrealm/u@x')
    assert sent == ['https://127.0.0.1:8443/common/userrealm/u@x?api-version=1.0',
                    'https://127.0.0.1:8443/t/oauth2/v2.0/token',
                    'https://login.microsoftonline.com/common/userrealm/u@x']


# --- tokens: one per scope, refreshed near expiry, errors without secrets ---

class FakeCredential:
    def __init__(self, clock, lifetime=3600, error=None):
        self.clock, self.lifetime, self.error, self.scopes = clock, lifetime, error, []

    def get_token(self, scope):
        if self.error:
            raise self.error
        self.scopes.append(scope)
        return 'tok-%d' % len(self.scopes), self.clock() + self.lifetime


def provider(clock, credential, kind='client_secret', **kwargs):
    plan = _auth.CredentialPlan(kind, 'service principal %s (client secret)' % CLIENT, **kwargs.pop('settings', {}))
    return TokenProvider(plan, lambda chosen: credential, clock=clock, **kwargs)


def test_one_token_per_scope(clock):
    credential = FakeCredential(clock)
    tokens = provider(clock, credential)
    assert [tokens.token('arm'), tokens.token('arm'), tokens.token('fabric'), tokens.token('arm')] == \
        ['tok-1', 'tok-1', 'tok-2', 'tok-1']
    assert credential.scopes == ['arm', 'fabric'] and tokens.tokens_fetched == 2


def test_token_is_refreshed_when_it_nears_expiry_during_a_long_wait(clock):
    credential = FakeCredential(clock, lifetime=600)
    tokens = provider(clock, credential)
    assert tokens.token('arm') == 'tok-1'
    clock.sleep(500)  # 100 s left, more than 10 % of 600 s: still good
    assert tokens.token('arm') == 'tok-1'
    clock.sleep(45)  # 55 s left: renewed
    assert tokens.token('arm') == 'tok-2'


def test_invalidate_rebuilds_the_credential_so_its_own_cache_cannot_return_the_same_token(clock):
    built = []

    def factory(plan):
        built.append(FakeCredential(clock))
        return built[-1]

    tokens = TokenProvider(_auth.CredentialPlan('client_secret', 'sp'), factory, clock=clock)
    tokens.token('arm')
    tokens.invalidate('arm')
    tokens.token('arm')
    assert len(built) == 2


def test_new_tokens_are_reported_for_masking(clock):
    seen = []
    provider(clock, FakeCredential(clock), on_token=seen.append).token('arm')
    assert seen == ['tok-1']


def test_identity_errors_are_wrapped_and_redacted(clock):
    error = RuntimeError('AADSTS7000215: Invalid client secret provided: %s\nTrace ID: 1' % SECRET)
    tokens = provider(clock, FakeCredential(clock, error=error), secrets=[SECRET])
    with pytest.raises(AuthenticationError) as caught:
        tokens.token('https://management.azure.com/.default')
    message = caught.value.message
    assert SECRET not in message and '********' in message and 'Trace ID' not in message
    assert message.startswith('Could not get a token for https://management.azure.com/.default with service principal')


def test_chain_failure_says_which_options_to_set(clock):
    plan = _auth.CredentialPlan('default_chain', 'workload identity, then managed identity, then Azure CLI',
                                advice='No credential options were given; set access_token, or one of: x.')
    tokens = TokenProvider(plan, lambda chosen: FakeCredential(clock, error=RuntimeError('no identity')), clock=clock)
    with pytest.raises(AuthenticationError, match='No credential options were given'):
        tokens.token('arm')


def test_access_token_and_client_secret_paths_import_neither_identity_libraries_nor_requests():
    """The common identities cost a module run no library import: not azure-identity, not msal, and
    not requests (about 50 ms) either, whatever the modules and clients import."""
    root = os.path.abspath(os.path.join(os.path.dirname(_auth.__file__), '..', '..', '..', '..', '..'))
    code = textwrap.dedent('''
        import sys
        from ansible_collections.azure_dr.recovery.plugins.module_utils import _arm, _auth, _clouds, _fabric, _http, _lro
        from ansible_collections.azure_dr.recovery.plugins.modules import (
            fabric_workspace_restore, fabric_workspace_restore_batch, instance_failover_group_failover,
            instance_failover_group_failover_batch)
        params = {'access_token': 'given-token', 'auth_source': 'auto'}
        plan = _auth.resolve_credential(params, environ={})
        tokens = _auth.TokenProvider(plan, lambda chosen: _auth.build_credential(chosen, _clouds.select_endpoints(params), None))
        assert tokens.token('https://management.azure.com/.default') == 'given-token'
        assert not tokens.can_refresh
        class Answer:
            status_code = 200

            def json(self):
                return {'access_token': 'app-token', 'expires_in': 3599}

        class Http:
            def request(self, method, url, **kwargs):
                return Answer()

        params = {'client_id': 'c', 'secret': 's', 'tenant': 't', 'auth_source': 'auto'}
        plan = _auth.resolve_credential(params, environ={})
        tokens = _auth.TokenProvider(plan, lambda chosen: _auth.build_credential(chosen, _clouds.select_endpoints(params), Http()))
        assert tokens.token('https://management.azure.com/.default') == 'app-token'
        try:  # a request that goes as far as connecting (nothing listens on port 9 here)
            _http.Transport(environ={}).request('GET', 'http://127.0.0.1:9/x', timeout=(1, 1))
        except _http.TransportError:
            pass
        loaded = sorted(name for name in sys.modules if name.split('.')[0] in ('azure', 'msal', 'requests', 'urllib3')
                        or name.endswith('._identity_libraries'))
        print(loaded)
    ''')
    env = dict(os.environ, PYTHONPATH=root)
    output = subprocess.run([sys.executable, '-c', code], env=env, capture_output=True, text=True, check=True).stdout
    assert output.strip() == '[]'


# --- a Fabric admin identity of its own (AWX: the azure_dr credential type beside the Azure one) ---

FABRIC_CLIENT = '99999999-8888-4777-8666-555555555555'


def fabric_plan(monkeypatch, env):
    return resolve_credential(params_from(monkeypatch, env, api='fabric'), environ=dict(os.environ))


def test_fabric_modules_take_the_fabric_identity_whole(monkeypatch):
    plan = fabric_plan(monkeypatch, {'AZURE_CLIENT_ID': CLIENT, 'AZURE_SECRET': SECRET, 'AZURE_TENANT': TENANT,
                                     'FABRIC_CLIENT_ID': FABRIC_CLIENT, 'FABRIC_CLIENT_SECRET': 'fabric-secret'})
    assert plan.kind == 'client_secret'
    assert plan.settings == {'tenant': TENANT, 'client_id': FABRIC_CLIENT, 'secret': 'fabric-secret'}


def test_a_fabric_certificate_identity_never_borrows_the_arm_secret(monkeypatch):
    plan = fabric_plan(monkeypatch, {'AZURE_CLIENT_ID': CLIENT, 'AZURE_SECRET': SECRET, 'AZURE_TENANT': TENANT,
                                     'FABRIC_CLIENT_ID': FABRIC_CLIENT, 'FABRIC_CLIENT_CERTIFICATE_PATH': '/f.pem',
                                     'FABRIC_TENANT_ID': 'fabric.onmicrosoft.com'})
    assert plan.kind == 'client_certificate'
    assert plan.settings == {'tenant': 'fabric.onmicrosoft.com', 'client_id': FABRIC_CLIENT,
                             'certificate_path': '/f.pem'}


def test_fabric_variables_are_ignored_by_arm_modules_and_when_unset(monkeypatch):
    env = {'AZURE_CLIENT_ID': CLIENT, 'AZURE_SECRET': SECRET, 'AZURE_TENANT': TENANT,
           'FABRIC_CLIENT_ID': FABRIC_CLIENT, 'FABRIC_CLIENT_SECRET': 'fabric-secret'}
    assert plan_for(monkeypatch, env).settings['client_id'] == CLIENT
    monkeypatch.setenv('FABRIC_CLIENT_ID', '')
    assert fabric_plan(monkeypatch, {}).settings == {'tenant': TENANT, 'client_id': CLIENT, 'secret': SECRET}


def test_a_refused_token_request_is_not_repeated_by_the_other_items_of_a_run(clock):
    class Refusing(FakeCredential):
        calls = 0

        def get_token(self, scope):
            Refusing.calls += 1
            raise AuthenticationError('HTTP 401 invalid_client: AADSTS7000215 [request id %d]' % Refusing.calls)

    tokens = provider(clock, Refusing(clock))
    messages = []
    for _item in range(3):
        with pytest.raises(AuthenticationError) as caught:
            tokens.token('fabric')
        messages.append(caught.value.message)
    # One request; every item reports the same error, so the batch can say it once.
    assert Refusing.calls == 1 and len(set(messages)) == 1
    clock.sleep(31)  # remembered for a while only: a later item asks again
    with pytest.raises(AuthenticationError):
        tokens.token('fabric')
    assert Refusing.calls == 2


def test_a_failed_refresh_is_not_remembered(clock):
    credential = FakeCredential(clock, lifetime=600)
    tokens = provider(clock, credential)
    tokens.token('arm')
    clock.sleep(590)
    credential.error = AuthenticationError('HTTP 503 temporarily_unavailable')
    with pytest.raises(AuthenticationError):
        tokens.token('arm')
    credential.error = None
    assert tokens.token('arm') == 'tok-2'
