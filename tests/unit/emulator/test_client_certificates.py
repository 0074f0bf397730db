# -*- coding: utf-8 -*-
# Copyright: contributors to the azure_dr.recovery collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The control API's registration of a client certificate (POST /_emulator/client-certificates), and the
client address (``peer``) in the request log, with which a test tells a proxy's connections from direct ones."""

from __future__ import annotations

import datetime
import hashlib
import http.client
import ssl

import msal
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from ansible_collections.azure_dr.recovery.tests.unit.emulator.conftest import ARM_SCOPE, CLIENT_ID, TENANT


def key_and_certificate():
    """(private key PEM, certificate PEM) of a fresh self-signed certificate."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, 'dr-automation')])
    now = datetime.datetime.now(datetime.timezone.utc)
    certificate = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
                   .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(minutes=1))
                   .not_valid_after(now + datetime.timedelta(days=1)).sign(key, hashes.SHA256()))
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    return key_pem.decode(), certificate.public_bytes(serialization.Encoding.PEM).decode()


def token_with(emu, key_pem, cert_pem):
    der = x509.load_pem_x509_certificate(cert_pem.encode()).public_bytes(serialization.Encoding.DER)
    credential = {'private_key': key_pem, 'thumbprint': hashlib.sha1(der).hexdigest()}
    app = msal.ConfidentialClientApplication(CLIENT_ID, client_credential=credential, instance_discovery=False,
                                             authority='%s/%s' % (emu.url, TENANT))
    return app.acquire_token_for_client(scopes=[ARM_SCOPE])


def register(emu, **body):
    return emu.session.post(emu.url + '/_emulator/client-certificates', json=body)


def test_a_registered_certificate_signs_assertions_and_replaces_the_one_before(emu):
    first_key, first_cert = key_and_certificate()
    second_key, second_cert = key_and_certificate()
    assert token_with(emu, first_key, first_cert)['error_codes'] == [700027]  # none registered yet

    answer = register(emu, client_id=CLIENT_ID.upper(), certificate_pem=first_cert)
    assert answer.status_code == 201 and answer.json() == {'client_id': CLIENT_ID, 'tenant': TENANT}
    assert 'access_token' in token_with(emu, first_key, first_cert)
    assert 'does not match' in token_with(emu, second_key, second_cert)['error_description']

    assert register(emu, client_id=CLIENT_ID, tenant=TENANT, certificate_pem=second_cert).status_code == 201
    assert 'access_token' in token_with(emu, second_key, second_cert)
    assert token_with(emu, first_key, first_cert)['error_codes'] == [700027]

    emu.control('POST', 'reset')  # back to the seed, which has no certificate
    assert token_with(emu, second_key, second_cert)['error_codes'] == [700027]


def test_what_the_registration_refuses(emu):
    key_pem, cert_pem = key_and_certificate()
    cases = [
        ({'client_id': CLIENT_ID, 'certificate_pem': cert_pem, 'thumbprint': 'x'}, 400, 'unknown client-certificate fields'),
        ({'certificate_pem': cert_pem}, 400, 'needs the client_id'),
        ({'client_id': CLIENT_ID}, 400, 'must be a PEM certificate'),
        ({'client_id': CLIENT_ID, 'certificate_pem': key_pem + cert_pem}, 400, 'not its private key'),
        ({'client_id': CLIENT_ID, 'certificate_pem': '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n'},
         400, 'not a valid certificate'),
        ({'client_id': 'no-such-app', 'certificate_pem': cert_pem}, 404, 'no application has the client id no-such-app'),
        ({'client_id': CLIENT_ID, 'tenant': 'other-tenant', 'certificate_pem': cert_pem}, 404, 'in tenant other-tenant'),
    ]
    for body, status, text in cases:
        answer = register(emu, **body)
        assert answer.status_code == status and text in answer.json()['error']['message'], (body.keys(), answer.text)
    assert not any(client.get('certificate_pem') for client in emu.emulator.store.data['clients'])  # nothing registered


def test_the_request_log_names_the_client_end_of_each_connection(emu):
    connection = http.client.HTTPSConnection(emu.emulator.host, emu.emulator.port,
                                             context=ssl.create_default_context(cafile=emu.emulator.ca_path))
    connection.connect()
    own_end = '%s:%s' % connection.sock.getsockname()[:2]
    connection.request('GET', '/%s/v2.0/.well-known/openid-configuration' % TENANT)
    assert connection.getresponse().status == 200
    connection.close()
    entries = emu.control('GET', 'requests')['requests']
    assert [entry['peer'] for entry in entries] == [own_end]
