# -*- coding: utf-8 -*-
# Copyright: contributors to the azure_dr.recovery collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest
import responses
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ansible_collections.azure_dr.recovery.plugins.module_utils import _auth, _credentials
from ansible_collections.azure_dr.recovery.plugins.module_utils._auth import (
    AZURE_CLI_CLIENT_ID,
    TokenProvider,
    auth_argument_spec,
    build_credential,
    resolve_credential,
)
from ansible_collections.azure_dr.recovery.plugins.module_utils._clouds import select_endpoints
from ansible_collections.azure_dr.recovery.plugins.module_utils._errors import AuthenticationError
from ansible_collections.azure_dr.recovery.plugins.module_utils._http import HttpClient

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


# --- building credentials: msal for a secret, a certificate and a user; azure-identity for the others ---

class Recorder:
    calls = []

    def __init__(self, *args, **kwargs):
        Recorder.calls.append((self.__class__.__name__, args, kwargs))


def recording_identity(monkeypatch):
    import azure.identity
    Recorder.calls = []
    for name in ('ClientSecretCredential', 'CertificateCredential', 'UsernamePasswordCredential',
                 'WorkloadIdentityCredential', 'ManagedIdentityCredential', 'AzureCliCredential', 'ChainedTokenCredential'):
        monkeypatch.setattr(azure.identity, name, type(name, (Recorder,), {}))
    return Recorder.calls


ARM_SCOPE = 'https://management.azure.com/.default'


def token_session(clock):
    """The HttpClient of a run's token requests, on the fake clock (answered by responses)."""
    return HttpClient(sleep=clock.sleep, clock=clock, rand=lambda: 0.5)


@pytest.mark.parametrize('env,authority', [
    ({'AZURE_CLOUD_ENVIRONMENT': 'AzureCloud'}, 'https://login.microsoftonline.com'),
    ({'AZURE_CLOUD_ENVIRONMENT': 'AzureUSGovernment'}, 'https://login.microsoftonline.us'),
    ({'AZURE_CLOUD_ENVIRONMENT': 'AzureChinaCloud'}, 'https://login.chinacloudapi.cn'),
    ({'AZURE_AUTHORITY_HOST': 'login.microsoftonline.us'}, 'https://login.microsoftonline.us'),
])
@responses.activate
def test_cloud_environment_and_authority_host_pick_msals_authority(monkeypatch, clock, env, authority):
    calls = recording_identity(monkeypatch)
    openid = responses.get('%s/%s/v2.0/.well-known/openid-configuration' % (authority, TENANT), json={
        'token_endpoint': '%s/%s/oauth2/v2.0/token' % (authority, TENANT),
        'authorization_endpoint': '%s/%s/oauth2/v2.0/authorize' % (authority, TENANT),
        'issuer': '%s/%s/v2.0' % (authority, TENANT)})
    token = responses.post('%s/%s/oauth2/v2.0/token' % (authority, TENANT),
                           json={'access_token': 'app-token', 'expires_in': 3599, 'token_type': 'Bearer'})
    params = params_from(monkeypatch, env, client_id=CLIENT, secret=SECRET, tenant=TENANT)
    endpoints = select_endpoints(params)
    assert endpoints.authority == authority and endpoints.authority_is_microsoft
    credential = build_credential(resolve_credential(params), endpoints, token_session(clock))
    assert isinstance(credential, _credentials.MsalCredential)
    assert credential.get_token(endpoints.arm_scope)[0] == 'app-token'
    assert openid.call_count == 1 and token.call_count == 1 and len(responses.calls) == 2
    assert calls == []  # no azure-identity class for a secret


@pytest.mark.parametrize('kind', ['client_secret', 'client_certificate', 'user_password'])
def test_secret_certificate_and_user_are_msal_credentials_never_azure_identity(monkeypatch, kind):
    calls = recording_identity(monkeypatch)
    built = []
    monkeypatch.setattr(_credentials, '_msal_credential', lambda plan, endpoints, http: built.append(plan.kind) or 'msal')
    plan = _auth.CredentialPlan(kind, kind, tenant=TENANT, client_id=CLIENT)
    assert build_credential(plan, select_endpoints({}), http='the run http') == 'msal'
    assert built == [kind] and calls == []


def test_endpoints_follow_the_cloud_and_scopes_ignore_overrides(monkeypatch):
    params = params_from(monkeypatch, {'AZURE_CLOUD_ENVIRONMENT': 'AzureUSGovernment',
                                       'AZURE_ARM_ENDPOINT': 'https://127.0.0.1:8443/'})
    endpoints = select_endpoints(params)
    assert endpoints.arm == 'https://127.0.0.1:8443'
    assert endpoints.arm_scope == 'https://management.usgovcloudapi.net/.default'
    fabric = select_endpoints(params_from(monkeypatch, {'FABRIC_API_ENDPOINT': 'https://127.0.0.1:9443'}, api='fabric'))
    assert fabric.fabric == 'https://127.0.0.1:9443' and fabric.fabric_scope == 'https://api.fabric.microsoft.com/.default'


def test_managed_and_workload_identity_credentials(monkeypatch):
    calls = recording_identity(monkeypatch)
    params = params_from(monkeypatch, auth_source='msi', client_id=CLIENT)
    credential = build_credential(resolve_credential(params), select_endpoints(params), http=None)
    assert isinstance(credential, _credentials.AzureIdentityCredential)
    params = params_from(monkeypatch, auth_source='workload_identity', client_id=CLIENT, tenant=TENANT)
    build_credential(resolve_credential(params, environ={'AZURE_FEDERATED_TOKEN_FILE': '/t'}),
                     select_endpoints(params), http=None)
    assert calls == [
        ('ManagedIdentityCredential', (), {'client_id': CLIENT}),
        ('WorkloadIdentityCredential', (), {'tenant_id': TENANT, 'client_id': CLIENT, 'token_file_path': '/t',
                                            'authority': 'https://login.microsoftonline.com',
                                            'disable_instance_discovery': False}),
    ]


def test_a_workload_identity_on_a_private_authority_turns_instance_discovery_off(monkeypatch):
    calls = recording_identity(monkeypatch)
    params = params_from(monkeypatch, auth_source='workload_identity', client_id=CLIENT, tenant=TENANT,
                         authority_host='https://127.0.0.1:8443')
    build_credential(resolve_credential(params, environ={'AZURE_FEDERATED_TOKEN_FILE': '/t'}),
                     select_endpoints(params), http=None)
    assert calls[0][2]['authority'] == 'https://127.0.0.1:8443' and calls[0][2]['disable_instance_discovery'] is True


def test_the_azure_cli_credential(monkeypatch):
    calls = recording_identity(monkeypatch)
    params = params_from(monkeypatch, auth_source='cli', tenant=TENANT)
    build_credential(resolve_credential(params), select_endpoints(params), http=None)
    assert calls == [('AzureCliCredential', (), {'tenant_id': TENANT})]


def test_default_chain_is_workload_then_managed_identity_then_cli(monkeypatch):
    calls = recording_identity(monkeypatch)
    params = params_from(monkeypatch, client_id=CLIENT, tenant=TENANT)
    plan = resolve_credential(params, environ={'AZURE_FEDERATED_TOKEN_FILE': '/t'})
    build_credential(plan, select_endpoints(params), http=None)
    assert [name for name, _args, _kwargs in calls] == [
        'WorkloadIdentityCredential', 'ManagedIdentityCredential', 'AzureCliCredential', 'ChainedTokenCredential']


def test_default_chain_without_a_token_file_is_managed_identity_then_cli(monkeypatch):
    calls = recording_identity(monkeypatch)
    params = params_from(monkeypatch)
    build_credential(resolve_credential(params, environ={}), select_endpoints(params), http=None)
    assert [name for name, _args, _kwargs in calls] == [
        'ManagedIdentityCredential', 'AzureCliCredential', 'ChainedTokenCredential']


class FakeAccessToken:
    def __init__(self, token, expires_on):
        self.token, self.expires_on = token, expires_on


def test_an_azure_identity_credential_passes_claims_only_when_there_are_some():
    asked = []

    class Library:
        def get_token(self, *scopes, **kwargs):
            asked.append((scopes, kwargs))
            return FakeAccessToken('lib-token', 1234)

    credential = _credentials.AzureIdentityCredential(Library())
    assert credential.get_token(ARM_SCOPE) == ('lib-token', 1234.0)
    assert credential.get_token(ARM_SCOPE, claims='{"a":1}') == ('lib-token', 1234.0)
    assert asked == [((ARM_SCOPE,), {}), ((ARM_SCOPE,), {'claims': '{"a":1}'})]


# --- tokens: one per scope, refreshed near expiry, errors without secrets ---

class FakeCredential:
    def __init__(self, clock, lifetime=3600, error=None):
        self.clock, self.lifetime, self.error, self.scopes, self.claims = clock, lifetime, error, [], []

    def get_token(self, scope, claims=None):
        if self.error:
            raise self.error
        self.scopes.append(scope)
        self.claims.append(claims)
        return 'tok-%d' % len(self.scopes), self.clock() + self.lifetime


class ForgettingCredential(FakeCredential):
    """A credential with a cache of its own, as msal's."""

    def __init__(self, clock, **kwargs):
        super().__init__(clock, **kwargs)
        self.forgotten = []

    def forget(self, scope):
        self.forgotten.append(scope)


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


def test_invalidate_makes_a_credential_with_a_cache_forget_the_token_and_keeps_it(clock):
    built = []

    def factory(plan):
        built.append(ForgettingCredential(clock))
        return built[-1]

    tokens = TokenProvider(_auth.CredentialPlan('client_secret', 'sp'), factory, clock=clock)
    assert tokens.token('arm') == 'tok-1'
    tokens.invalidate('arm')
    assert tokens.token('arm') == 'tok-2'
    assert len(built) == 1 and built[0].forgotten == ['arm'] and built[0].scopes == ['arm', 'arm']


def test_invalidate_rebuilds_a_credential_without_forget_so_its_own_cache_cannot_return_the_same_token(clock):
    built = []

    def factory(plan):
        built.append(FakeCredential(clock))
        return built[-1]

    tokens = TokenProvider(_auth.CredentialPlan('managed_identity', 'msi'), factory, clock=clock)
    tokens.token('arm')
    tokens.invalidate('arm')
    tokens.token('arm')
    assert len(built) == 2


def test_invalidate_before_any_token_is_harmless(clock):
    tokens = provider(clock, ForgettingCredential(clock))
    tokens.invalidate('arm')
    assert tokens.token('arm') == 'tok-1'


def test_a_claims_challenge_bypasses_the_cached_token_and_reaches_the_credential(clock):
    credential = FakeCredential(clock)
    tokens = provider(clock, credential)
    claims = '{"access_token":{"nbf":{"essential":true,"value":"1"}}}'
    assert tokens.token('arm') == 'tok-1'
    assert tokens.token('arm', claims=claims) == 'tok-2'
    assert tokens.token('arm') == 'tok-2'  # the token with the claims is the one kept
    assert credential.claims == [None, claims] and tokens.tokens_fetched == 2


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


def test_an_entra_refusal_keeps_its_details_and_hint_and_is_redacted(clock):
    details = {'code': 'invalid_client', 'error_codes': [7000215], 'correlation_id': 'c-1', 'trace_id': 't-1'}
    error = AuthenticationError('invalid_client: AADSTS7000215: bad secret %s (trace_id t-1)' % SECRET, hint='check it',
                                details=details)
    tokens = provider(clock, FakeCredential(clock, error=error), secrets=[SECRET])
    with pytest.raises(AuthenticationError) as caught:
        tokens.token('arm')
    assert caught.value.details() == details and caught.value.hint == 'check it'
    assert SECRET not in caught.value.message and 'trace_id t-1' in caught.value.message
    assert caught.value.to_result()['error'] == details


def test_a_missing_library_says_to_install_the_requirements(clock):
    tokens = provider(clock, FakeCredential(clock, error=ImportError("No module named 'msal'")))
    with pytest.raises(AuthenticationError, match="needs a Python library that is missing: No module named 'msal'"):
        tokens.token('arm')


def test_chain_failure_says_which_options_to_set(clock):
    plan = _auth.CredentialPlan('default_chain', 'workload identity, then managed identity, then Azure CLI',
                                advice='No credential options were given; set access_token, or one of: x.')
    tokens = TokenProvider(plan, lambda chosen: FakeCredential(clock, error=RuntimeError('no identity')), clock=clock)
    with pytest.raises(AuthenticationError, match='No credential options were given'):
        tokens.token('arm')


IMPORTS = textwrap.dedent('''
    import json, sys
    import responses
    from ansible_collections.azure_dr.recovery.plugins.module_utils import _arm, _auth, _clouds, _fabric, _http, _lro
    from ansible_collections.azure_dr.recovery.plugins.modules import (
        fabric_workspace_restore, fabric_workspace_restore_batch, instance_failover_group_failover,
        instance_failover_group_failover_batch)

    def loaded():
        return sorted(name for name in sys.modules if name.split('.')[0] in ('azure', 'msal')
                      or name.endswith('._credentials'))

    def token(params, http=None):
        plan = _auth.resolve_credential(dict(params, auth_source=params.get('auth_source', 'auto')), environ={})
        endpoints = _clouds.select_endpoints(params)
        tokens = _auth.TokenProvider(plan, lambda chosen: _auth.build_credential(chosen, endpoints, http))
        return tokens.token(endpoints.arm_scope)

    phases = {}
    assert token({'access_token': 'given-token'}) == 'given-token'
    phases['access_token'] = loaded()

    authority = 'https://login.microsoftonline.com/%(tenant)s'
    with responses.RequestsMock() as mock:
        for tenant in ('t', 'organizations'):
            mock.get(authority % {'tenant': tenant} + '/v2.0/.well-known/openid-configuration', json={
                'token_endpoint': authority % {'tenant': tenant} + '/oauth2/v2.0/token',
                'authorization_endpoint': authority % {'tenant': tenant} + '/oauth2/v2.0/authorize',
                'issuer': authority % {'tenant': tenant} + '/v2.0'})
            mock.post(authority % {'tenant': tenant} + '/oauth2/v2.0/token',
                      json={'access_token': 'msal-token', 'expires_in': 3599, 'token_type': 'Bearer'})
        mock.get('https://login.microsoftonline.com/common/userrealm/u@contoso.com',
                 json={'account_type': 'Managed', 'ver': '1.0'})
        http = _http.HttpClient()
        assert token({'client_id': 'c', 'secret': 's', 'tenant': 't'}, http) == 'msal-token'
        assert token({'client_id': 'c', 'certificate_path': sys.argv[1], 'tenant': 't'}, http) == 'msal-token'
        assert token({'ad_user': 'u@contoso.com', 'password': 'p'}, http) == 'msal-token'
    phases['msal'] = loaded()

    plan = _auth.resolve_credential({'auth_source': 'msi'}, environ={})
    _auth.build_credential(plan, _clouds.select_endpoints({}), None)
    phases['managed_identity'] = loaded()
    print(json.dumps(phases))
''')


def test_access_token_imports_no_identity_library_msal_identities_import_msal_only(tmp_path):
    """access_token costs a module run neither msal nor azure-identity; a secret, a certificate and a user
    cost msal but not azure-identity; managed identity (and workload identity, the CLI) costs azure-identity."""
    import trustme

    pem = tmp_path / 'sp.pem'
    leaf = trustme.CA(key_type=trustme.KeyType.RSA).issue_cert('sp.contoso.com', key_type=trustme.KeyType.RSA)
    leaf.private_key_and_cert_chain_pem.write_to_path(str(pem))  # the key, the certificate and its issuer's
    root = os.path.abspath(os.path.join(os.path.dirname(_auth.__file__), '..', '..', '..', '..', '..'))
    env = dict(os.environ, PYTHONPATH=root)
    env.pop('AZURE_REGIONAL_AUTHORITY_NAME', None)
    env.pop('MSAL_FORCE_REGION', None)
    done = subprocess.run([sys.executable, '-c', IMPORTS, str(pem)], env=env, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    phases = json.loads(done.stdout.strip().splitlines()[-1])
    assert phases['access_token'] == []
    assert 'msal' in phases['msal'] and any(name.endswith('._credentials') for name in phases['msal'])
    assert not [name for name in phases['msal'] if name.split('.')[0] == 'azure']
    assert 'azure.identity' in phases['managed_identity']


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

        def get_token(self, scope, claims=None):
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
