# -*- coding: utf-8 -*-
# Copyright: contributors to the azure_dr.recovery collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The emulator's Entra ID endpoints (with plain requests, msal, azure-identity and the collection's
own credential code) and its control API (faults, request log, reset), plus start-up time."""

from __future__ import annotations

import datetime
import json
import os
import resource
import statistics
import subprocess
import sys
import time

import msal
import pytest
import requests
from azure.identity import CertificateCredential, ClientSecretCredential
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from ansible_collections.azure_dr.recovery.plugins.module_utils._auth import CredentialPlan, build_credential
from ansible_collections.azure_dr.recovery.plugins.module_utils._clouds import select_endpoints
from ansible_collections.azure_dr.recovery.plugins.module_utils._http import HttpClient, Session
from ansible_collections.azure_dr.recovery.tests.azure_dr_emulator import tokens
from ansible_collections.azure_dr.recovery.tests.unit.emulator.conftest import (
    ARM_SCOPE,
    CLIENT_ID,
    FABRIC_SCOPE,
    PASSWORD,
    SECRET,
    TENANT,
    USER,
    demo_seed,
)


def token_request(emu, **form):
    return requests.post('%s/%s/oauth2/v2.0/token' % (emu.url, form.pop('tenant', TENANT)), data=form)


def claims_of(access_token):
    return tokens.split(access_token)[1]


def test_openid_configuration(emu):
    config = requests.get('%s/%s/v2.0/.well-known/openid-configuration' % (emu.url, TENANT)).json()
    assert config['token_endpoint'] == '%s/%s/oauth2/v2.0/token' % (emu.url, TENANT)
    for key in ('authorization_endpoint', 'device_authorization_endpoint', 'issuer'):
        assert config[key].startswith('%s/%s/' % (emu.url, TENANT))


def test_client_secret_token_carries_audience_and_configured_expiry(start_emulator):
    emu = start_emulator(demo_seed(token_lifetime=120))
    answer = token_request(emu, grant_type='client_credentials', client_id=CLIENT_ID, client_secret=SECRET,
                           scope=FABRIC_SCOPE)
    body = answer.json()
    assert answer.status_code == 200 and body['expires_in'] == 120 and body['token_type'] == 'Bearer'
    claims = claims_of(body['access_token'])
    assert claims['aud'] == 'https://api.fabric.microsoft.com' and claims['appid'] == CLIENT_ID
    assert 118 <= claims['exp'] - time.time() <= 121  # exp is whole seconds


@pytest.mark.parametrize('form,status,error,code', [
    ({'client_secret': 'wrong'}, 401, 'invalid_client', 7000215),
    ({'client_id': '99999999-0000-4000-8000-000000000000'}, 400, 'unauthorized_client', 700016),
    ({'scope': 'https://graph.microsoft.com/.default'}, 400, 'invalid_scope', 70011),
    ({'tenant': 'unknown.onmicrosoft.com'}, 400, 'invalid_request', 90002),
])
def test_client_credential_errors_are_aad_shaped(emu, form, status, error, code):
    request = dict(grant_type='client_credentials', client_id=CLIENT_ID, client_secret=SECRET, scope=ARM_SCOPE)
    request.update(form)
    answer = token_request(emu, **request)
    body = answer.json()
    assert answer.status_code == status and body['error'] == error and body['error_codes'] == [code]
    assert body['error_description'].startswith('AADSTS%d: ' % code)
    assert 'wrong' not in json.dumps(body)  # a secret sent is never echoed


def test_password_grant_and_its_errors(emu):
    ok = token_request(emu, grant_type='password', client_id='04b07795-8ddb-461a-bbee-02f9e1bf7b46', username=USER,
                       password=PASSWORD, scope=ARM_SCOPE + ' openid profile offline_access')
    assert ok.status_code == 200 and claims_of(ok.json()['access_token'])['upn'] == USER
    bad = token_request(emu, grant_type='password', client_id='04b07795-8ddb-461a-bbee-02f9e1bf7b46', username=USER,
                        password='nope', scope=ARM_SCOPE)
    assert bad.status_code == 400 and bad.json()['error'] == 'invalid_grant' and bad.json()['error_codes'] == [50126]


def test_msal_and_azure_identity_get_tokens_from_the_emulator(emu):
    app = msal.ConfidentialClientApplication(CLIENT_ID, client_credential=SECRET, authority='%s/%s' % (emu.url, TENANT),
                                             instance_discovery=False)
    assert claims_of(app.acquire_token_for_client(scopes=[ARM_SCOPE])['access_token'])['aud'] == \
        'https://management.azure.com'
    credential = ClientSecretCredential(TENANT, CLIENT_ID, SECRET, authority=emu.url, disable_instance_discovery=True)
    assert claims_of(credential.get_token(FABRIC_SCOPE).token)['aud'] == 'https://api.fabric.microsoft.com'


def make_certificate(directory):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, 'dr-automation')])
    now = datetime.datetime.now(datetime.timezone.utc)
    certificate = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
                   .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(minutes=1))
                   .not_valid_after(now + datetime.timedelta(days=1)).sign(key, hashes.SHA256()))
    cert_pem = certificate.public_bytes(serialization.Encoding.PEM)
    path = os.path.join(directory, 'sp.pem')
    with open(path, 'wb') as handle:
        handle.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                       serialization.NoEncryption()) + cert_pem)
    return path, cert_pem.decode()


def test_certificate_assertion_through_azure_identity(start_emulator, tmp_path):
    good_path, good_pem = make_certificate(str(tmp_path))
    other_dir = tmp_path / 'other'
    other_dir.mkdir()
    other_path, _other_pem = make_certificate(str(other_dir))
    seed = demo_seed()
    seed['clients'][0]['certificate_pem'] = good_pem
    emu = start_emulator(seed)
    credential = CertificateCredential(TENANT, CLIENT_ID, certificate_path=good_path, authority=emu.url,
                                       disable_instance_discovery=True)
    assert claims_of(credential.get_token(ARM_SCOPE).token)['appid'] == CLIENT_ID
    impostor = CertificateCredential(TENANT, CLIENT_ID, certificate_path=other_path, authority=emu.url,
                                     disable_instance_discovery=True)
    with pytest.raises(Exception, match='AADSTS700027'):
        impostor.get_token(ARM_SCOPE)


def test_user_and_password_through_the_collection_code_reaches_user_realm_on_the_emulator_port(emu):
    """msal drops the authority's port for user realm discovery; the collection routes it back."""
    params = {'authority_host': emu.url}
    plan = CredentialPlan('user_password', 'user', tenant='organizations', client_id='04b07795-8ddb-461a-bbee-02f9e1bf7b46',
                          user=USER, password=PASSWORD)
    credential = build_credential(plan, select_endpoints(params), HttpClient(session=Session()))
    token, _expires_on = credential.get_token(ARM_SCOPE)
    assert claims_of(token)['upn'] == USER
    paths = [entry['path'] for entry in emu.control('GET', 'requests')['requests']]
    assert '/common/userrealm/' + USER in paths and '/organizations/oauth2/v2.0/token' in paths


# --- control API ---

def test_injected_statuses_for_the_next_n_matching_requests(emu):
    emu.control('POST', 'faults', json={'method': 'GET', 'path': 'instanceFailoverGroups/fg-sales$', 'count': 2,
                                        'status': 429, 'retry_after': 3,
                                        'body': {'error': {'code': 'TooManyRequests', 'message': 'slow down'}}})
    path = emu.group_path('JapanEast')
    answers = [emu.call('GET', path) for dummy in range(3)]
    assert [a.status_code for a in answers] == [429, 429, 200]
    assert answers[0].headers['Retry-After'] == '3' and answers[0].json()['error']['code'] == 'TooManyRequests'
    assert answers[0].headers['x-ms-request-id']
    for status in (500, 503):
        emu.control('POST', 'faults', json={'path': 'fg-sales', 'status': status})
        assert emu.call('GET', path).status_code == status
    emu.control('POST', 'faults', json={'method': 'POST', 'path': '/failover$', 'status': 409,
                                        'body': {'error': {'code': 'InstanceFailoverGroupBusy', 'message': 'busy'}}})
    assert emu.call('POST', emu.group_path('JapanEast', suffix='/failover')).status_code == 409


def test_delay_and_dropped_connection(emu):
    path = emu.group_path('JapanEast')
    emu.call('GET', path)  # token fetched outside the timed part
    emu.control('POST', 'faults', json={'path': 'fg-sales', 'delay': 0.6})
    started = time.monotonic()
    assert emu.call('GET', path).status_code == 200
    assert time.monotonic() - started >= 0.6
    emu.control('POST', 'faults', json={'path': 'fg-sales', 'drop': True})
    with pytest.raises(requests.exceptions.ConnectionError):
        emu.call('GET', path)
    assert emu.call('GET', path).status_code == 200


def test_request_log_has_audience_and_status_but_never_the_token(emu):
    emu.call('GET', emu.group_path('JapanEast'))
    emu.call('GET', '/v1/admin/workspaces?state=deleted', scope=FABRIC_SCOPE)
    log = emu.control('GET', 'requests')['requests']
    api_calls = [entry for entry in log if not entry['path'].endswith('/token')]
    assert [(e['method'], e['status'], e['audience']) for e in api_calls] == [
        ('GET', 200, 'https://management.azure.com'), ('GET', 200, 'https://api.fabric.microsoft.com')]
    assert api_calls[1]['query'] == {'state': 'deleted'}
    text = json.dumps(log)
    assert emu.token(ARM_SCOPE) not in text and emu.token(FABRIC_SCOPE) not in text and SECRET not in text


def test_reset_returns_to_the_seed(emu):
    emu.call('POST', '/v1/admin/workspaces/97dd1d38-a4c6-41ed-bc4f-1e383f8ddd0f/restore', scope=FABRIC_SCOPE, json={})
    emu.control('POST', 'reset')
    emu._tokens.clear()  # a reset makes a new signing key: earlier tokens are no longer valid
    answer = emu.call('GET', '/v1/admin/workspaces/97dd1d38-a4c6-41ed-bc4f-1e383f8ddd0f', scope=FABRIC_SCOPE)
    assert answer.json()['state'] == 'Deleted'


def test_start_up_to_first_answer_is_under_a_second(tmp_path):
    """The CPU a start costs, to its first answer, with a fresh state and certificates; median of three starts. CPU
    seconds, not wall-clock ones: a loaded machine stretches the wall clock, not the work."""
    package_parent = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))
    timings = []
    for attempt in range(3):
        directory = tmp_path / str(attempt)
        directory.mkdir()
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        process = subprocess.Popen([sys.executable, '-m', 'azure_dr_emulator', '--port', '0', '--state',
                                    str(directory / 'state.json')], stdout=subprocess.PIPE, text=True,
                                   env=dict(os.environ, PYTHONPATH=package_parent))
        try:
            ready = json.loads(process.stdout.readline())
            answer = requests.get(ready['base_url'] + '/_emulator/health', verify=ready['ca'])
            assert answer.json()['status'] == 'ok'
        finally:
            process.terminate()
            process.wait(10)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        timings.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
    assert statistics.median(timings) < 1.0, timings
