# -*- coding: utf-8 -*-
# Copyright: contributors to the azure_dr.recovery collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Entra ID (v2.0 endpoints): OpenID configuration, user realm discovery, and the token endpoint
for client credentials (secret or certificate assertion) and resource owner password grants, with
AAD-style errors."""

from __future__ import annotations

import datetime
import hashlib
import json
import time
import uuid
from urllib.parse import parse_qs

from . import tokens
from .server import Response

ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer'
OIDC_SCOPES = frozenset(('openid', 'profile', 'offline_access', 'email'))


def routes():
    return [
        ('GET', r'^/(?P<tenant>[^/]+)/v2\.0/\.well-known/openid-configuration$', openid_configuration),
        ('GET', r'^/common/userrealm/(?P<user>[^/]+)$', user_realm),
        ('POST', r'^/(?P<tenant>[^/]+)/oauth2/v2\.0/token$', token),
    ]


def openid_configuration(request, store, tenant):
    base = '%s/%s' % (request.base_url, tenant)
    return Response(200, {
        'issuer': '%s/v2.0' % base,
        'authorization_endpoint': '%s/oauth2/v2.0/authorize' % base,
        'token_endpoint': '%s/oauth2/v2.0/token' % base,
        'device_authorization_endpoint': '%s/oauth2/v2.0/devicecode' % base,
        'end_session_endpoint': '%s/oauth2/v2.0/logout' % base,
        'jwks_uri': '%s/discovery/v2.0/keys' % base,
        'response_types_supported': ['code', 'id_token', 'code id_token', 'id_token token'],
        'subject_types_supported': ['pairwise'],
        'id_token_signing_alg_values_supported': ['RS256'],
        'scopes_supported': ['openid', 'profile', 'email', 'offline_access'],
        'token_endpoint_auth_methods_supported': ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
        'tenant_region_scope': 'EU',
    })


def user_realm(request, store, user):
    known = _find_user(store, user)
    domain = user.split('@')[-1]
    return Response(200, {
        'ver': '1.0', 'account_type': 'Managed' if known else 'Unknown', 'domain_name': domain,
        'cloud_instance_name': 'microsoftonline.com', 'cloud_audience_urn': 'urn:federation:MicrosoftOnline',
    })


def aad_error(status, error, code, description, request):
    trace, correlation = str(uuid.uuid4()), request.headers.get('client-request-id') or str(uuid.uuid4())
    stamp = datetime.datetime.now(datetime.timezone.utc).strftime('%Y-%m-%d %H:%M:%SZ')
    return Response(status, {
        'error': error,
        'error_description': 'AADSTS%d: %s\r\nTrace ID: %s\r\nCorrelation ID: %s\r\nTimestamp: %s'
                             % (code, description, trace, correlation, stamp),
        'error_codes': [code], 'timestamp': stamp, 'trace_id': trace, 'correlation_id': correlation,
        'error_uri': '%s/error?code=%d' % (request.base_url, code),
    })


def _tenant_of(store, tenant):
    for entry in store.data['tenants']:
        if tenant.lower() == entry['id'].lower() or tenant.lower() in [d.lower() for d in entry.get('domains', [])]:
            return entry['id']
    return None


def _find_user(store, username):
    for user in store.data['users']:
        if user['username'].lower() == username.lower():
            return user
    return None


def _audience(scopes, store):
    """The resource of a ``{resource}/.default`` scope, or None when it is not one the emulator serves."""
    resources = [scope for scope in scopes if scope not in OIDC_SCOPES]
    if len(resources) != 1 or not resources[0].endswith('/.default'):
        return None
    audience = resources[0][:-len('/.default')].rstrip('/')
    known = store.settings['arm_audiences'] + [store.settings['fabric_audience']]
    return audience if audience in known else None


def token(request, store, tenant):
    form = {key: values[0] for key, values in parse_qs(request.body.decode('utf-8')).items()}
    grant = form.get('grant_type')
    client_id = form.get('client_id', '')
    scopes = form.get('scope', '').split()
    tenant_id = _tenant_of(store, tenant) if tenant not in ('organizations', 'common') else None

    if grant == 'client_credentials':
        if tenant_id is None:
            return aad_error(400, 'invalid_request', 90002, "Tenant '%s' not found." % tenant, request)
        client = next((c for c in store.data['clients'] if c['client_id'].lower() == client_id.lower()
                       and c['tenant'].lower() == tenant_id.lower()), None)
        if client is None:
            return aad_error(400, 'unauthorized_client', 700016,
                             "Application with identifier '%s' was not found in the directory '%s'." % (client_id, tenant),
                             request)
        problem = _check_client_secret_or_assertion(form, client, request)
        if problem:
            return problem
        subject = {'appid': client_id, 'oid': client.get('object_id', client_id), 'idtyp': 'app'}
    elif grant == 'password':
        if client_id.lower() not in [c.lower() for c in store.data['public_clients']]:
            return aad_error(400, 'unauthorized_client', 700016,
                             "Application with identifier '%s' was not found in the directory." % client_id, request)
        user = _find_user(store, form.get('username', ''))
        if user is None or user.get('password') != form.get('password'):
            return aad_error(400, 'invalid_grant', 50126, 'Error validating credentials due to invalid username or password.',
                             request)
        if tenant_id is not None and tenant_id.lower() != user['tenant'].lower():
            return aad_error(400, 'invalid_grant', 50034, 'The user account does not exist in the %s directory.' % tenant,
                             request)
        tenant_id = user['tenant']
        subject = {'appid': client_id, 'oid': user['object_id'], 'upn': user['username'], 'idtyp': 'user'}
    else:
        return aad_error(400, 'unsupported_grant_type', 70003, 'The app requested an unsupported grant type.', request)

    audience = _audience(scopes, store)
    if audience is None:
        return aad_error(400, 'invalid_scope', 70011,
                         "The provided value for the input parameter 'scope' is not valid: %s" % form.get('scope'), request)
    now = int(store.clock())
    lifetime = int(store.settings['token_lifetime'])
    claims = dict(subject, aud=audience, iss='%s/%s/' % (request.base_url, tenant_id), tid=tenant_id,
                  iat=now, nbf=now, exp=now + lifetime, jti=str(uuid.uuid4()))
    contexts = _requested_contexts(form.get('claims'))
    if contexts:
        claims['acrs'] = contexts
    body = {'token_type': 'Bearer', 'expires_in': lifetime, 'ext_expires_in': lifetime,
            'access_token': tokens.encode(claims, store.data['signing_key'])}
    if grant == 'password':
        body['scope'] = ' '.join(scopes)
        body['client_info'] = tokens.b64url(json.dumps({'uid': subject['oid'], 'utid': tenant_id}).encode())
        body['id_token'] = tokens.encode({
            'aud': client_id, 'iss': '%s/%s/v2.0' % (request.base_url, tenant_id), 'iat': now, 'nbf': now,
            'exp': now + lifetime, 'oid': subject['oid'], 'tid': tenant_id, 'sub': subject['oid'],
            'preferred_username': subject['upn'], 'name': subject['upn'], 'ver': '2.0'}, '', header={'alg': 'none'})
    return Response(200, body)


def _requested_contexts(claims_request):
    """The authentication contexts (acrs) a token request's ``claims`` parameter asks for, as in a claims challenge."""
    try:
        acrs = json.loads(claims_request)['access_token']['acrs']
    except (TypeError, ValueError, KeyError):
        return []
    values = (acrs.get('values') or [acrs.get('value')]) if isinstance(acrs, dict) else []
    return [value for value in values if isinstance(value, str)]


def _check_client_secret_or_assertion(form, client, request):
    if form.get('client_secret') is not None:
        if form['client_secret'] != client.get('secret'):
            return aad_error(401, 'invalid_client', 7000215, 'Invalid client secret provided. Ensure the secret being sent '
                             "in the request is the client secret value, not the client secret ID, for a secret added "
                             "to app '%s'." % client['client_id'], request)
        return None
    if form.get('client_assertion_type') == ASSERTION_TYPE and form.get('client_assertion'):
        problem = _assertion_problem(form['client_assertion'], client, request)
        if problem:
            return aad_error(401, 'invalid_client', 700027, 'Client assertion failed signature validation: %s.' % problem,
                             request)
        return None
    return aad_error(401, 'invalid_client', 7000218, "The request body must contain the following parameter: "
                     "'client_assertion' or 'client_secret'.", request)


def _assertion_problem(assertion, client, request):
    """Why a certificate assertion is not acceptable, or None.  Checks the thumbprint against the
    registered certificate, the signature (RS256 or PS256), the audience and the expiry."""
    from cryptography import x509
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import padding

    if not client.get('certificate_pem'):
        return 'no certificate is registered for this application'
    try:
        header, claims, signing_input, signature = tokens.split(assertion)
    except ValueError:
        return 'the assertion is not a JWT'
    certificate = x509.load_pem_x509_certificate(client['certificate_pem'].encode())
    der = certificate.public_bytes(serialization.Encoding.DER)
    thumbprints = {tokens.b64url(hashlib.sha1(der).digest()), tokens.b64url(hashlib.sha256(der).digest())}
    # msal sends the thumbprint base64url-encoded with its padding; compare without it.
    presented = {str(header.get(name, '')).rstrip('=') for name in ('x5t', 'x5t#S256')}
    if not presented & thumbprints:
        return 'the key thumbprint does not match the registered certificate'
    algorithms = {'RS256': padding.PKCS1v15(),
                  'PS256': padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=padding.PSS.DIGEST_LENGTH)}
    if header.get('alg') not in algorithms:
        return 'unsupported algorithm %s' % header.get('alg')
    try:
        certificate.public_key().verify(signature, signing_input, algorithms[header['alg']], hashes.SHA256())
    except InvalidSignature:
        return 'the signature is not valid'
    if not str(claims.get('aud', '')).endswith('/oauth2/v2.0/token'):
        return 'the audience is not the token endpoint'
    if claims.get('exp', 0) < time.time():
        return 'the assertion has expired'
    if claims.get('iss') != client['client_id'] or claims.get('sub') != client['client_id']:
        return 'iss and sub must be the client id'
    return None
