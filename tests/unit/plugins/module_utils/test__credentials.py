# -*- coding: utf-8 -*-
# Copyright: contributors to the azure_dr.recovery collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The token requests of msal (a secret, a certificate, a user with a password) as they go out through the
run's HttpClient: what is sent, in which order, to which host, retried how, and what a refusal says.
Every answer comes from ``responses``; a request that no test registered fails the test."""

from __future__ import annotations

import base64
import datetime
import hashlib
import json
import os
import time
import uuid
from urllib.parse import parse_qsl, urlsplit

import pytest
import responses
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

from ansible_collections.azure_dr.recovery.plugins.module_utils._auth import (
    AZURE_CLI_CLIENT_ID,
    TokenProvider,
    auth_argument_spec,
    build_credential,
    resolve_credential,
)
from ansible_collections.azure_dr.recovery.plugins.module_utils._clouds import select_endpoints
from ansible_collections.azure_dr.recovery.plugins.module_utils._credentials import (
    MsalCredential,
    MsalHttpClient,
    certificate_credential,
    entra_error,
)
from ansible_collections.azure_dr.recovery.plugins.module_utils._errors import AuthenticationError, AzureDRError
from ansible_collections.azure_dr.recovery.plugins.module_utils._http import USER_AGENT, HttpClient

TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47'
CLIENT = '11111111-2222-3333-4444-555555555555'
SECRET = 'super-secret-value-1'
PASSWORD = 'user-password-value-2'
PUBLIC = 'https://login.microsoftonline.com'
EMULATOR = 'https://127.0.0.1:8443'
ARM_SCOPE = 'https://management.azure.com/.default'
FABRIC_SCOPE = 'https://api.fabric.microsoft.com/.default'
CLAIMS = '{"access_token":{"nbf":{"essential":true,"value":"1"}}}'


@pytest.fixture(autouse=True)
def no_region_variables(monkeypatch):
    """Neither ours nor msal's region variables of the machine running the tests."""
    for name in ('AZURE_REGIONAL_AUTHORITY_NAME', 'MSAL_FORCE_REGION', 'REGION_NAME'):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def http(clock):
    """The run's HttpClient (a real requests session, answered by responses) on the fake clock."""
    retries = []
    client = HttpClient(sleep=clock.sleep, clock=clock, rand=lambda: 0.5, on_retry=retries.append)
    client.retries = retries
    yield client
    client.session.close()


def params_from(monkeypatch, env=None, **options):
    """The module parameters Ansible would build: options, then environment fallbacks, then defaults."""
    for name, value in (env or {}).items():
        monkeypatch.setenv(name, value)
    result = ArgumentSpecValidator(auth_argument_spec('arm')).validate(options)
    assert not result.error_messages, result.error_messages
    return result.validated_parameters


def credential_for(monkeypatch, http, env=None, **options):
    params = params_from(monkeypatch, env, **options)
    return build_credential(resolve_credential(params, environ=dict(os.environ)), select_endpoints(params), http)


def provider_for(monkeypatch, http, env=None, **options):
    """A TokenProvider as a module run builds it, and the list of credentials its factory built."""
    params = params_from(monkeypatch, env, **options)
    plan = resolve_credential(params, environ=dict(os.environ))
    built = []

    def factory(chosen):
        built.append(build_credential(chosen, select_endpoints(params), http))
        return built[-1]
    return TokenProvider(plan, factory, secrets=[SECRET, PASSWORD]), built


def openid_configuration(authority, tenant, adfs=False):
    base = '%s/%s' % (authority, tenant)
    if adfs:
        return {'token_endpoint': base + '/oauth2/token', 'authorization_endpoint': base + '/oauth2/authorize',
                'issuer': base}
    return {'token_endpoint': base + '/oauth2/v2.0/token', 'authorization_endpoint': base + '/oauth2/v2.0/authorize',
            'device_authorization_endpoint': base + '/oauth2/v2.0/devicecode', 'issuer': base + '/v2.0'}


def register_authority(authority=PUBLIC, tenant=TENANT, adfs=False):
    """The OpenID configuration document of ``authority/tenant``: (its responses route, the token endpoint)."""
    config = openid_configuration(authority, tenant, adfs)
    route = responses.get('%s/%s%s/.well-known/openid-configuration' % (authority, tenant, '' if adfs else '/v2.0'),
                          json=config)
    return route, config['token_endpoint']


def token_answer(value='app-token', expires_in=3599):
    return {'token_type': 'Bearer', 'expires_in': expires_in, 'ext_expires_in': expires_in, 'access_token': value}


def form_of(call):
    body = call.request.body
    return dict(parse_qsl(body.decode() if isinstance(body, bytes) else body, keep_blank_values=True))


def posts_to(url):
    """The token requests sent to ``url`` (a responses route counts only the answers it gave itself)."""
    return [call for call in responses.calls if call.request.method == 'POST' and call.request.url == url]


def b64url_decode(text):
    return base64.urlsafe_b64decode(text + '=' * (-len(text) % 4))


# --- a service principal with a secret ---

@responses.activate
def test_a_client_secret_is_the_openid_configuration_then_one_token_post(monkeypatch, http):
    discovery, token_url = register_authority()
    token = responses.post(token_url, json=token_answer())
    before = time.time()
    value, expires_on = credential_for(monkeypatch, http, client_id=CLIENT, secret=SECRET, tenant=TENANT).get_token(ARM_SCOPE)
    assert value == 'app-token' and before + 3599 <= expires_on <= time.time() + 3599
    assert [(call.request.method, call.request.url.split('?')[0]) for call in responses.calls] == [
        ('GET', discovery.url), ('POST', token_url)]
    form = form_of(token.calls[0])
    assert {name: form.get(name) for name in ('grant_type', 'client_id', 'client_secret', 'scope')} == {
        'grant_type': 'client_credentials', 'client_id': CLIENT, 'client_secret': SECRET, 'scope': ARM_SCOPE}
    assert 'claims' not in form and 'client_assertion' not in form
    headers = token.calls[0].request.headers
    uuid.UUID(headers['client-request-id'])  # msal's own request id, for Entra ID's logs
    # Through the run's session and engine: its User-Agent and correlation id; the secret in the form only.
    assert headers['User-Agent'] == USER_AGENT
    assert headers['x-ms-correlation-request-id'] == http.correlation_id
    assert 'Authorization' not in headers


@responses.activate
def test_the_openid_configuration_is_read_once_per_run_even_after_a_refused_token(monkeypatch, http):
    discovery, token_url = register_authority()
    responses.post(token_url, json=token_answer('token-1'))
    responses.post(token_url, json=token_answer('token-2'))
    tokens, built = provider_for(monkeypatch, http, client_id=CLIENT, secret=SECRET, tenant=TENANT)
    assert tokens.token(ARM_SCOPE) == 'token-1'
    assert tokens.token(ARM_SCOPE) == 'token-1'  # the provider's cache
    tokens.invalidate(ARM_SCOPE)  # the API refused token-1: msal must not hand it back from its cache
    assert tokens.token(ARM_SCOPE) == 'token-2'
    assert len(built) == 1 and discovery.call_count == 1 and len(posts_to(token_url)) == 2
    assert len(responses.calls) == 3


@responses.activate
def test_forget_drops_only_the_refused_scope_from_msals_cache(monkeypatch, http):
    _discovery, token_url = register_authority()
    for value in ('token-1', 'token-2', 'token-3'):
        responses.post(token_url, json=token_answer(value))
    credential = credential_for(monkeypatch, http, client_id=CLIENT, secret=SECRET, tenant=TENANT)
    assert isinstance(credential, MsalCredential)
    assert credential.get_token(ARM_SCOPE)[0] == 'token-1'
    assert credential.get_token(FABRIC_SCOPE)[0] == 'token-2'
    assert credential.get_token(ARM_SCOPE)[0] == 'token-1'  # msal's cache
    credential.forget(ARM_SCOPE)
    assert credential.get_token(FABRIC_SCOPE)[0] == 'token-2'
    assert credential.get_token(ARM_SCOPE)[0] == 'token-3'
    assert [form_of(call)['scope'] for call in posts_to(token_url)] == [ARM_SCOPE, FABRIC_SCOPE, ARM_SCOPE]


@responses.activate
def test_a_throttled_then_unavailable_token_endpoint_is_retried_by_the_runs_engine(monkeypatch, http, clock):
    _discovery, token_url = register_authority()
    responses.post(token_url, status=429, headers={'Retry-After': '7'},
                   json={'error': 'temporarily_unavailable', 'error_description': 'AADSTS50196: throttled'})
    responses.post(token_url, status=503, headers={'Retry-After': '2'}, body='')
    responses.post(token_url, json=token_answer())
    value, _expires_on = credential_for(monkeypatch, http, client_id=CLIENT, secret=SECRET, tenant=TENANT).get_token(ARM_SCOPE)
    assert value == 'app-token'
    assert clock.sleeps == [7.0, 2.0]  # exactly what the endpoint asked, and no other wait
    assert len(posts_to(token_url)) == 3 and len(http.retries) == 2
    assert 'Retry-After' in http.retries[0] and 'HTTP 429' in http.retries[0] and 'HTTP 503' in http.retries[1]
    assert all(form_of(call)['client_secret'] == SECRET for call in posts_to(token_url))
    assert not any(SECRET in message for message in http.retries)


@responses.activate
def test_a_token_endpoint_that_stays_unavailable_gives_up_within_the_token_budget(monkeypatch, http, clock):
    _discovery, token_url = register_authority()
    token = responses.post(token_url, status=503, headers={'Retry-After': '20'}, body='')
    tokens, _built = provider_for(monkeypatch, http, client_id=CLIENT, secret=SECRET, tenant=TENANT)
    with pytest.raises(AuthenticationError) as caught:
        tokens.token(ARM_SCOPE)
    assert clock.sleeps == [20.0, 20.0, 20.0] and token.call_count == 4  # 60 s: the token budget
    message = caught.value.message
    assert message.startswith('Could not get a token for %s with service principal %s' % (ARM_SCOPE, CLIENT))
    assert 'Gave up on POST %s' % token_url in message and SECRET not in message


ENTRA_REFUSAL = {
    'error': 'invalid_client',
    'error_description': 'AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request '
                         'is the client secret value, not the client secret ID, for a secret added to app '
                         "'%s'.\r\nTrace ID: 0b1c2d3e-0000-4000-8000-111111111111\r\nCorrelation ID: "
                         '5e6f7a8b-0000-4000-8000-222222222222\r\nTimestamp: 2024-05-01 10:00:00Z' % CLIENT,
    'error_codes': [7000215],
    'timestamp': '2024-05-01 10:00:00Z',
    'trace_id': '0b1c2d3e-0000-4000-8000-111111111111',
    'correlation_id': '5e6f7a8b-0000-4000-8000-222222222222',
    'error_uri': 'https://login.microsoftonline.com/error?code=7000215',
}


def register_instance_discovery():
    """After a refusal by a Microsoft authority, msal (``_get_authority_aliases``) reads the authority's aliases
    from Microsoft's instance discovery, to look for a refresh token under another alias."""
    return responses.get(PUBLIC + '/common/discovery/instance', json={
        'tenant_discovery_endpoint': PUBLIC + '/common/v2.0/.well-known/openid-configuration', 'api-version': '1.1',
        'metadata': [{'preferred_network': 'login.microsoftonline.com', 'preferred_cache': 'login.windows.net',
                      'aliases': ['login.microsoftonline.com', 'login.windows.net', 'login.microsoft.com',
                                  'sts.windows.net']}]})


@pytest.mark.parametrize('status', [400, 401])
@responses.activate
def test_a_refused_secret_names_the_entra_error_and_its_ids_and_never_the_secret(monkeypatch, http, clock, status):
    _discovery, token_url = register_authority()
    register_instance_discovery()
    token = responses.post(token_url, status=status, json=ENTRA_REFUSAL)
    tokens, _built = provider_for(monkeypatch, http, client_id=CLIENT, secret=SECRET, tenant=TENANT)
    with pytest.raises(AuthenticationError) as caught:
        tokens.token(ARM_SCOPE)
    error = caught.value
    message = error.message
    assert message.startswith('Could not get a token for %s with service principal %s (client secret): '
                              'invalid_client: AADSTS7000215: Invalid client secret provided.' % (ARM_SCOPE, CLIENT))
    assert "for a secret added to app '%s'." % CLIENT in message  # the whole first line of the description
    for identifier in ('7000215', ENTRA_REFUSAL['correlation_id'], ENTRA_REFUSAL['trace_id']):
        assert identifier in message
    assert 'correlation_id %s' % ENTRA_REFUSAL['correlation_id'] in message
    assert 'trace_id %s' % ENTRA_REFUSAL['trace_id'] in message
    assert 'Trace ID:' not in message and 'Timestamp' not in message  # only the first line of the description
    assert error.details() == {'code': 'invalid_client', 'error_codes': [7000215],
                               'correlation_id': ENTRA_REFUSAL['correlation_id'], 'trace_id': ENTRA_REFUSAL['trace_id']}
    assert error.to_result()['error'] == error.details()
    assert SECRET not in json.dumps(error.to_result())
    assert token.call_count == 1 and clock.sleeps == []  # a refusal is final
    with pytest.raises(AuthenticationError) as again:  # the other items of the run: the same error, no request
        tokens.token(ARM_SCOPE)
    assert again.value is error and token.call_count == 1


def test_entra_error_without_an_answer_or_a_description():
    error = entra_error({})
    assert error.message == 'no_token: no token in the answer' and error.details() == {'code': 'no_token'}
    error = entra_error({'error': 'invalid_grant', 'error_codes': [50126, 50034], 'claims': CLAIMS})
    assert error.message == 'invalid_grant: no token in the answer (error_codes 50126, 50034)'
    assert error.details() == {'code': 'invalid_grant', 'error_codes': [50126, 50034], 'claims': CLAIMS}


@responses.activate
def test_a_token_endpoint_answering_a_proxy_page_is_a_clear_error(monkeypatch, http):
    _discovery, token_url = register_authority()
    responses.post(token_url, body='<html>proxy login</html>', content_type='text/html')
    tokens, _built = provider_for(monkeypatch, http, client_id=CLIENT, secret=SECRET, tenant=TENANT)
    with pytest.raises(AuthenticationError) as caught:
        tokens.token(ARM_SCOPE)
    assert 'not JSON' in caught.value.message and 'authority_host' in caught.value.message


# --- a service principal with a certificate ---

def make_certificate(common_name='azure-dr-test'):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = datetime.datetime.now(datetime.timezone.utc)
    certificate = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
                   .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(days=1))
                   .not_valid_after(now + datetime.timedelta(days=30)).sign(key, hashes.SHA256()))
    return key, certificate


@pytest.fixture(scope='module')
def certificate():
    return make_certificate()


@pytest.fixture(scope='module')
def other_certificate():
    return make_certificate('an-intermediate')


def key_pem(key, key_format=serialization.PrivateFormat.PKCS8):
    return key.private_bytes(serialization.Encoding.PEM, key_format, serialization.NoEncryption())


def cert_pem(certificate):
    return certificate.public_bytes(serialization.Encoding.PEM)


def assertion_of(call):
    """(header, claims, the signed part, the signature) of the client assertion of a token request."""
    form = form_of(call)
    assert form['client_assertion_type'] == 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer'
    assert 'client_secret' not in form
    header, claims, signature = form['client_assertion'].split('.')
    return (json.loads(b64url_decode(header)), json.loads(b64url_decode(claims)),
            ('%s.%s' % (header, claims)).encode('ascii'), b64url_decode(signature))


@pytest.mark.parametrize('layout', ['key then certificate', 'certificate then key', 'traditional RSA key',
                                    'openssl pkcs12 export with bag attributes and a chain'])
@responses.activate
def test_a_pem_certificate_signs_a_client_assertion_named_by_its_sha1_thumbprint(monkeypatch, http, tmp_path,
                                                                                 certificate, other_certificate, layout):
    key, cert = certificate
    if layout == 'key then certificate':
        content = key_pem(key) + cert_pem(cert)
    elif layout == 'certificate then key':
        content = cert_pem(cert) + key_pem(key)
    elif layout == 'traditional RSA key':
        content = key_pem(key, serialization.PrivateFormat.TraditionalOpenSSL) + cert_pem(cert)
        assert b'BEGIN RSA PRIVATE KEY' in content
    else:
        content = (b'Bag Attributes\n    localKeyID: 01 00 00 00\n    friendlyName: sp\n' + key_pem(key)
                   + b'Bag Attributes\n    localKeyID: 01 00 00 00\nsubject=CN = azure-dr-test\n' + cert_pem(cert)
                   + b'subject=CN = an-intermediate\n' + cert_pem(other_certificate[1]))
    path = tmp_path / 'sp.pem'
    path.write_bytes(content)
    _discovery, token_url = register_authority()
    token = responses.post(token_url, json=token_answer('cert-token'))
    credential = credential_for(monkeypatch, http, client_id=CLIENT, certificate_path=str(path), tenant=TENANT)
    assert credential.get_token(ARM_SCOPE)[0] == 'cert-token'
    assert token.call_count == 1
    form = form_of(token.calls[0])
    assert form['grant_type'] == 'client_credentials' and form['client_id'] == CLIENT and form['scope'] == ARM_SCOPE
    header, claims, signed, signature = assertion_of(token.calls[0])
    assert header['alg'] == 'RS256'
    assert b64url_decode(header['x5t']) == hashlib.sha1(cert.public_bytes(serialization.Encoding.DER)).digest()  # nosec
    assert b64url_decode(header['x5t']) == cert.fingerprint(hashes.SHA1())  # nosec: the thumbprint Entra ID knows
    cert.public_key().verify(signature, signed, padding.PKCS1v15(), hashes.SHA256())  # raises when it does not verify
    assert claims['aud'] == token_url and claims['iss'] == CLIENT and claims['sub'] == CLIENT
    assert claims['exp'] > time.time()


@responses.activate
def test_a_signature_by_another_key_would_not_verify(monkeypatch, http, tmp_path, certificate, other_certificate):
    """The check above can fail: an assertion signed by the key of another certificate does not verify."""
    path = tmp_path / 'mixed.pem'
    path.write_bytes(key_pem(other_certificate[0]) + cert_pem(certificate[1]))
    _discovery, token_url = register_authority()
    token = responses.post(token_url, json=token_answer())
    credential_for(monkeypatch, http, client_id=CLIENT, certificate_path=str(path), tenant=TENANT).get_token(ARM_SCOPE)
    _header, _claims, signed, signature = assertion_of(token.calls[0])
    from cryptography.exceptions import InvalidSignature
    with pytest.raises(InvalidSignature):
        certificate[1].public_key().verify(signature, signed, padding.PKCS1v15(), hashes.SHA256())


@responses.activate
def test_a_pkcs12_certificate_goes_to_msal_as_a_file(monkeypatch, http, tmp_path, certificate):
    key, cert = certificate
    path = tmp_path / 'sp.pfx'
    path.write_bytes(pkcs12.serialize_key_and_certificates(b'sp', key, cert, None, serialization.NoEncryption()))
    assert certificate_credential(str(path)) == {'private_key_pfx_path': str(path)}
    _discovery, token_url = register_authority()
    token = responses.post(token_url, json=token_answer('pfx-token'))
    credential = credential_for(monkeypatch, http, client_id=CLIENT, certificate_path=str(path), tenant=TENANT)
    assert credential.get_token(ARM_SCOPE)[0] == 'pfx-token'
    header, _claims, signed, signature = assertion_of(token.calls[0])
    # msal names a PKCS#12 certificate by its SHA-256 thumbprint (PS256) for Entra ID.
    assert header['alg'] == 'PS256' and b64url_decode(header['x5t#S256']) == cert.fingerprint(hashes.SHA256())
    pss = padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=padding.PSS.DIGEST_LENGTH)
    cert.public_key().verify(signature, signed, pss, hashes.SHA256())


@pytest.mark.parametrize('what', ['certificate only', 'key only'])
@responses.activate
def test_a_pem_without_the_key_or_the_certificate_names_certificate_path(monkeypatch, http, tmp_path, certificate, what):
    key, cert = certificate
    path = tmp_path / 'incomplete.pem'
    path.write_bytes(cert_pem(cert) if what == 'certificate only' else key_pem(key))
    tokens, _built = provider_for(monkeypatch, http, client_id=CLIENT, certificate_path=str(path), tenant=TENANT)
    with pytest.raises(AuthenticationError) as caught:
        tokens.token(ARM_SCOPE)
    message = caught.value.message
    assert ('certificate_path %s must be a PEM file with both the private key and the certificate' % path) in message
    assert message.startswith('Could not get a token for %s with service principal %s (certificate)' % (ARM_SCOPE, CLIENT))
    assert 'BEGIN' not in message
    assert len(responses.calls) == 0  # found before any request


@pytest.mark.parametrize('kind', ['missing', 'a directory'])
@responses.activate
def test_an_unreadable_certificate_path_is_a_clear_error(monkeypatch, http, tmp_path, kind):
    path = tmp_path / 'absent.pem' if kind == 'missing' else tmp_path
    with pytest.raises(AuthenticationError) as caught:
        credential_for(monkeypatch, http, client_id=CLIENT, certificate_path=str(path), tenant=TENANT)
    reason = 'No such file or directory' if kind == 'missing' else 'Is a directory'
    assert caught.value.message == 'certificate_path %s could not be read: %s' % (path, reason)
    assert len(responses.calls) == 0


# --- a user with a password, on an authority with a port (the emulator, a proxy) ---

@responses.activate
def test_user_password_keeps_the_authority_port_for_user_realm_discovery_and_sends_the_password_grant(monkeypatch, http):
    discovery, token_url = register_authority(EMULATOR, 'organizations')
    realm = responses.get(EMULATOR + '/common/userrealm/dr@contoso.com',
                          match=[responses.matchers.query_param_matcher({'api-version': '1.0'})],
                          json={'account_type': 'Managed', 'ver': '1.0', 'domain_name': 'contoso.com'})
    token = responses.post(token_url, json=token_answer('user-token'))
    credential = credential_for(monkeypatch, http, {'AZURE_AD_USER': 'dr@contoso.com', 'AZURE_PASSWORD': PASSWORD},
                                authority_host=EMULATOR)
    value, expires_on = credential.get_token(ARM_SCOPE)
    assert value == 'user-token' and expires_on > time.time()
    assert discovery.call_count == 1 and realm.call_count == 1 and token.call_count == 1
    assert all(urlsplit(call.request.url).port == 8443 for call in responses.calls)
    form = form_of(token.calls[0])
    assert form['grant_type'] == 'password' and form['username'] == 'dr@contoso.com' and form['password'] == PASSWORD
    assert form['client_id'] == AZURE_CLI_CLIENT_ID and ARM_SCOPE in form['scope'].split()


@responses.activate
def test_a_refused_password_names_the_entra_error_and_never_the_password(monkeypatch, http):
    _discovery, token_url = register_authority(EMULATOR, 'organizations')
    responses.get(EMULATOR + '/common/userrealm/dr@contoso.com', json={'account_type': 'Managed', 'ver': '1.0'})
    responses.post(token_url, status=400, json={
        'error': 'invalid_grant', 'error_description': 'AADSTS50126: Error validating credentials due to invalid '
        'username or password.\r\nTrace ID: t-9\r\nCorrelation ID: c-9', 'error_codes': [50126],
        'trace_id': 't-9', 'correlation_id': 'c-9'})
    tokens, _built = provider_for(monkeypatch, http, {'AZURE_AD_USER': 'dr@contoso.com', 'AZURE_PASSWORD': PASSWORD},
                                  authority_host=EMULATOR)
    with pytest.raises(AuthenticationError) as caught:
        tokens.token(ARM_SCOPE)
    message = caught.value.message
    assert 'with user dr@contoso.com: invalid_grant: AADSTS50126: Error validating credentials' in message
    assert '(error_codes 50126; correlation_id c-9; trace_id t-9)' in message
    assert PASSWORD not in json.dumps(caught.value.to_result())


@responses.activate
def test_msal_http_client_puts_the_port_back_on_user_realm_urls_only(http):
    for url in (EMULATOR + '/common/userrealm/u@x', EMULATOR + '/t/oauth2/v2.0/token',
                'https://127.0.0.1/t/v2.0/.well-known/openid-configuration', PUBLIC + '/common/userrealm/u@x'):
        responses.get(url, json={})
        responses.post(url, json={})
    with_port = MsalHttpClient(http, EMULATOR)
    with_port.get('https://127.0.0.1/common/userrealm/u@x')
    with_port.post(EMULATOR + '/t/oauth2/v2.0/token', data={'a': 'b'})
    with_port.get('https://127.0.0.1/t/v2.0/.well-known/openid-configuration')  # not a user-realm URL: as is
    MsalHttpClient(http, PUBLIC).get(PUBLIC + '/common/userrealm/u@x')
    assert [(call.request.method, call.request.url) for call in responses.calls] == [
        ('GET', EMULATOR + '/common/userrealm/u@x'),
        ('POST', EMULATOR + '/t/oauth2/v2.0/token'),
        ('GET', 'https://127.0.0.1/t/v2.0/.well-known/openid-configuration'),
        ('GET', PUBLIC + '/common/userrealm/u@x')]


@responses.activate
def test_msal_http_client_hands_error_answers_back_to_msal(http):
    route = responses.post(EMULATOR + '/t/oauth2/v2.0/token', status=400, json={'error': 'invalid_grant'})
    answer = MsalHttpClient(http, EMULATOR).post(EMULATOR + '/t/oauth2/v2.0/token', data={'a': 'b'})
    assert answer.status_code == 400 and answer.json() == {'error': 'invalid_grant'} and route.call_count == 1


# --- which authority, which host ---

@responses.activate
def test_an_ad_fs_authority_goes_through_msal_without_instance_discovery(monkeypatch, http):
    authority = 'https://adfs.contoso.com'
    discovery, token_url = register_authority(authority, 'adfs', adfs=True)
    token = responses.post(token_url, json=token_answer('adfs-token'))
    credential = credential_for(monkeypatch, http, {'AZURE_REGIONAL_AUTHORITY_NAME': 'westus2'},
                                client_id=CLIENT, secret=SECRET, tenant='adfs', authority_host=authority)
    assert credential.get_token(ARM_SCOPE)[0] == 'adfs-token'
    assert discovery.url == authority + '/adfs/.well-known/openid-configuration'
    assert [call.request.url for call in responses.calls] == [discovery.url, token_url]
    form = form_of(token.calls[0])
    assert form['grant_type'] == 'client_credentials' and form['client_secret'] == SECRET


@responses.activate
def test_a_private_authority_is_never_checked_with_microsofts_instance_discovery(monkeypatch, http):
    """A tenant GUID on a host msal does not know would otherwise be validated at login.microsoftonline.com."""
    discovery, token_url = register_authority(EMULATOR, TENANT)
    responses.post(token_url, json=token_answer('emulator-token'))
    credential = credential_for(monkeypatch, http, client_id=CLIENT, secret=SECRET, tenant=TENANT, authority_host=EMULATOR)
    assert credential.get_token(ARM_SCOPE)[0] == 'emulator-token'
    assert [call.request.url for call in responses.calls] == [discovery.url, token_url]


@pytest.mark.parametrize('cloud,region,regional_host', [
    # msal's _get_regional_authority: {region}.login.microsoft.com for the public cloud's hosts,
    # {region}.{host} for the others.
    ('AzureCloud', 'westus2', 'westus2.login.microsoft.com'),
    ('AzureUSGovernment', 'usgovvirginia', 'usgovvirginia.login.microsoftonline.us'),
])
@responses.activate
def test_a_regional_authority_name_sends_the_token_request_to_the_regional_host(monkeypatch, http, cloud, region,
                                                                                regional_host):
    authority = {'AzureCloud': PUBLIC, 'AzureUSGovernment': 'https://login.microsoftonline.us'}[cloud]
    central, central_token_url = register_authority(authority)
    regional, regional_token_url = register_authority('https://' + regional_host)
    token = responses.post(regional_token_url, json=token_answer('regional-token'))
    credential = credential_for(monkeypatch, http, {'AZURE_REGIONAL_AUTHORITY_NAME': region, 'AZURE_CLOUD_ENVIRONMENT': cloud},
                                client_id=CLIENT, secret=SECRET, tenant=TENANT)
    assert credential.get_token(ARM_SCOPE)[0] == 'regional-token'
    assert central.call_count == 1 and regional.call_count == 1 and token.call_count == 1
    assert central_token_url not in [call.request.url for call in responses.calls]
    # msal also probes the VM's metadata service for its region: plain http, which the run's client never sends.
    assert all(urlsplit(call.request.url).scheme == 'https' for call in responses.calls)


@responses.activate
def test_a_regional_authority_name_is_ignored_for_an_authority_that_is_not_microsofts(monkeypatch, http):
    discovery, token_url = register_authority(EMULATOR)
    responses.post(token_url, json=token_answer('emulator-token'))
    credential = credential_for(monkeypatch, http, {'AZURE_REGIONAL_AUTHORITY_NAME': 'westus2'},
                                client_id=CLIENT, secret=SECRET, tenant=TENANT, authority_host=EMULATOR)
    assert credential.get_token(ARM_SCOPE)[0] == 'emulator-token'
    assert [call.request.url for call in responses.calls] == [discovery.url, token_url]


@responses.activate
def test_msals_own_region_variable_is_ignored_for_an_authority_that_is_not_microsofts(monkeypatch, http):
    discovery, token_url = register_authority(EMULATOR)
    responses.post(token_url, json=token_answer('emulator-token'))
    monkeypatch.setenv('MSAL_FORCE_REGION', 'westus2')
    credential = credential_for(monkeypatch, http, client_id=CLIENT, secret=SECRET, tenant=TENANT, authority_host=EMULATOR)
    assert credential.get_token(ARM_SCOPE)[0] == 'emulator-token'
    assert [call.request.url for call in responses.calls] == [discovery.url, token_url]


@pytest.mark.parametrize('value', ['TryAutoDetect', 'tryautodetect', 'true'])
@responses.activate
def test_try_auto_detect_asks_msal_to_detect_the_region(monkeypatch, http, value):
    """As azure-identity reads AZURE_REGIONAL_AUTHORITY_NAME; msal detects the region from REGION_NAME (Azure
    Functions, App Service) or the VM's metadata service."""
    register_authority()
    _regional, regional_token_url = register_authority('https://eastus.login.microsoft.com')
    token = responses.post(regional_token_url, json=token_answer('regional-token'))
    monkeypatch.setenv('REGION_NAME', 'eastus')
    credential = credential_for(monkeypatch, http, {'AZURE_REGIONAL_AUTHORITY_NAME': value},
                                client_id=CLIENT, secret=SECRET, tenant=TENANT)
    assert credential.get_token(ARM_SCOPE)[0] == 'regional-token' and token.call_count == 1


@responses.activate
def test_try_auto_detect_without_a_detected_region_keeps_the_central_host(monkeypatch, http):
    """The VM metadata service msal would ask is plain http, which the run's client refuses to send to."""
    discovery, token_url = register_authority()
    responses.post(token_url, json=token_answer('central-token'))
    credential = credential_for(monkeypatch, http, {'AZURE_REGIONAL_AUTHORITY_NAME': 'TryAutoDetect'},
                                client_id=CLIENT, secret=SECRET, tenant=TENANT)
    assert credential.get_token(ARM_SCOPE)[0] == 'central-token'
    assert [call.request.url for call in responses.calls] == [discovery.url, token_url]


# --- claims challenges ---

@responses.activate
def test_a_claims_challenge_skips_the_caches_and_msal_sends_the_claims(monkeypatch, http):
    _discovery, token_url = register_authority()
    responses.post(token_url, json=token_answer('token-1'))
    responses.post(token_url, json=token_answer('token-with-claims'))
    tokens, _built = provider_for(monkeypatch, http, client_id=CLIENT, secret=SECRET, tenant=TENANT)
    assert tokens.token(ARM_SCOPE) == 'token-1'
    assert tokens.token(ARM_SCOPE, claims=CLAIMS) == 'token-with-claims'  # neither cache answers a challenge
    assert tokens.token(ARM_SCOPE) == 'token-with-claims'
    first, second = (form_of(call) for call in posts_to(token_url))
    assert 'claims' not in first
    assert json.loads(second['claims']) == json.loads(CLAIMS)
    assert second['grant_type'] == 'client_credentials' and second['scope'] == ARM_SCOPE


@responses.activate
def test_an_api_claims_challenge_gets_a_token_with_the_claims_and_sends_again(monkeypatch, clock):
    _discovery, token_url = register_authority()
    responses.post(token_url, json=token_answer('token-1'))
    responses.post(token_url, json=token_answer('token-with-claims'))
    api_url = 'https://management.azure.com/subscriptions/s?api-version=2022-12-01'
    challenge = base64.b64encode(CLAIMS.encode()).decode()
    responses.get(api_url, status=401, json={'error': {'code': 'InvalidAuthenticationToken', 'message': 'claims'}},
                  headers={'WWW-Authenticate': 'Bearer authorization_uri="%s", error="insufficient_claims", '
                                               'claims="%s"' % (PUBLIC, challenge)})
    responses.get(api_url, json={'id': '/subscriptions/s'})
    token_http = HttpClient(sleep=clock.sleep, clock=clock, rand=lambda: 0.5)
    tokens, built = provider_for(monkeypatch, token_http, client_id=CLIENT, secret=SECRET, tenant=TENANT)
    api_http = HttpClient(tokens, session=token_http.session, sleep=clock.sleep, clock=clock, rand=lambda: 0.5)
    assert api_http.request('GET', api_url, scope=ARM_SCOPE).json() == {'id': '/subscriptions/s'}
    api_calls = [call for call in responses.calls if call.request.url == api_url]
    assert [call.request.headers['Authorization'] for call in api_calls] == ['Bearer token-1', 'Bearer token-with-claims']
    token_calls = posts_to(token_url)
    assert len(token_calls) == 2 and 'claims' not in form_of(token_calls[0])
    assert json.loads(form_of(token_calls[1])['claims']) == json.loads(CLAIMS) and len(built) == 1
    assert clock.sleeps == []
    token_http.session.close()


# --- the credential directly ---

class FakeApp:
    """Stands for an msal application where the test is about MsalCredential itself."""

    def __init__(self, results):
        self.results, self.asked = list(results), []


def test_msal_credential_counts_the_lifetime_from_the_moment_it_asked(clock):
    app = FakeApp([{'access_token': 'a', 'expires_in': 600}, {'access_token': 'b'}])

    def acquire(scopes, claims):
        app.asked.append((scopes, claims))
        clock.sleep(5)  # the request took 5 s
        return app.results.pop(0)

    credential = MsalCredential(app, acquire, clock=clock)
    assert credential.get_token(ARM_SCOPE) == ('a', 1000.0 + 600)
    assert credential.get_token(ARM_SCOPE, claims=CLAIMS) == ('b', 1005.0 + 3600)
    assert app.asked == [([ARM_SCOPE], None), ([ARM_SCOPE], CLAIMS)]


@pytest.mark.parametrize('result', [None, {}, {'error': 'invalid_scope', 'error_description': 'AADSTS70011: bad scope'}])
def test_msal_credential_without_a_token_raises_the_entra_error(clock, result):
    credential = MsalCredential(FakeApp([]), lambda scopes, claims: result, clock=clock)
    with pytest.raises(AuthenticationError) as caught:
        credential.get_token(ARM_SCOPE)
    assert isinstance(caught.value, AzureDRError)
    assert caught.value.message == ('invalid_scope: AADSTS70011: bad scope' if result else 'no_token: no token in the answer')
