# -*- coding: utf-8 -*-
# Copyright: contributors to the azure_dr.recovery collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The credentials that ask Entra ID for tokens: msal for a service principal with a secret or a
certificate and for a user with a password; azure-identity for managed identity, workload identity and
the Azure CLI login.  Imported by ``_auth.build_credential`` when a run first needs a token.

msal's requests go through the run's ``_http.HttpClient`` (``MsalHttpClient``): the same session as the
API calls (proxies, CA bundle, kept-alive connections), the same timeouts, and the same retries of
throttling, 5xx answers and dropped connections, ``Retry-After`` honoured.  One msal application per
run, so the OpenID configuration of the authority is read once, and tokens are kept in its in-memory cache.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import time
import warnings
from urllib.parse import urlsplit

from ansible_collections.azure_dr.recovery.plugins.module_utils._errors import AuthenticationError

# Seconds a token request may spend on retries (throttling, 5xx) before the run gives up.
TOKEN_RETRY_BUDGET = 60.0

# The regional token service of Entra ID (as azure-identity reads it): a region name, or TryAutoDetect.
REGION_VARIABLE = 'AZURE_REGIONAL_AUTHORITY_NAME'

_PEM_BLOCK = re.compile(r'-----BEGIN ([A-Z ]+)-----[A-Za-z0-9+/=\s]+-----END \1-----')


class MsalHttpClient:
    """The ``http_client`` given to msal.  Error answers go back to msal, which reads Entra ID's error
    from them.  msal builds its user-realm discovery URL from the authority's host name alone
    (``https://{host}/common/userrealm/...``), dropping any port; for an authority with an explicit port
    (an emulator, a proxy) that request goes to the same port as the rest."""

    def __init__(self, http, authority):
        self._http = http
        parts = urlsplit(authority)
        self._portless = 'https://%s/' % parts.hostname
        self._with_port = 'https://%s/' % parts.netloc if parts.port else None

    def _route(self, url):
        if self._with_port and url.startswith(self._portless + 'common/userrealm/'):
            return self._with_port + url[len(self._portless):]
        return url

    def get(self, url, params=None, headers=None, **_msal_settings):  # msal's timeout is the run's
        return self._http.request('GET', self._route(url), params=params, headers=headers, budget=TOKEN_RETRY_BUDGET,
                                  error_answers=True)

    def post(self, url, params=None, data=None, headers=None, **_msal_settings):
        # A token request changes nothing: it may be sent again after a 5xx or a dropped connection.
        return self._http.request('POST', self._route(url), params=params, data=data, headers=headers, repeatable=True,
                                  budget=TOKEN_RETRY_BUDGET, error_answers=True)

    def close(self):
        """The session belongs to the run, which closes it."""


class MsalCredential:
    """A token from an msal application: ``acquire(scopes, claims_challenge)`` returns msal's result."""
    can_refresh = True

    def __init__(self, app, acquire, clock=time.time):
        self._app = app
        self._acquire = acquire
        self._clock = clock

    def get_token(self, scope, claims=None):
        asked = self._clock()
        with warnings.catch_warnings():
            # msal flags the password flow as deprecated for public clients; AWX's user credential needs it.
            warnings.simplefilter('ignore', DeprecationWarning)
            try:
                result = self._acquire([scope], claims)
            except json.JSONDecodeError:  # msal reads every token answer as JSON: a proxy's page is not
                raise AuthenticationError('the token endpoint answered with something that is not JSON (a proxy\'s '
                                          'page?): check authority_host and the proxy settings') from None
        if not result or 'access_token' not in result:
            raise entra_error(result or {})
        return result['access_token'], asked + float(result.get('expires_in', 3600))

    def forget(self, scope):
        """Drop msal's cached token of ``scope`` (the API refused it), keeping the application and what
        it read of the authority."""
        cache = self._app.token_cache
        for item in list(cache.search(cache.CredentialType.ACCESS_TOKEN, target=[scope])):
            cache.remove_at(item)


def entra_error(result):
    """An msal error result as an ``AuthenticationError``: Entra ID's error code and the first line of its
    description, with ``error_codes``, ``correlation_id`` and ``trace_id`` (what its support asks for)."""
    description = (result.get('error_description') or '').strip()
    details = {'code': result.get('error') or 'no_token'}
    for name in ('error_codes', 'correlation_id', 'trace_id', 'claims'):
        if result.get(name):
            details[name] = result[name]
    ids = '; '.join('%s %s' % (name, _listed(details[name])) for name in ('error_codes', 'correlation_id', 'trace_id')
                    if name in details)
    message = '%s: %s' % (details['code'], description.splitlines()[0] if description else 'no token in the answer')
    return AuthenticationError(message + (' (%s)' % ids if ids else ''), details=details)


def _listed(value):
    return ', '.join(str(item) for item in value) if isinstance(value, list) else str(value)


def certificate_credential(path):
    """msal's ``client_credential`` for a certificate file: PEM (the private key and the certificate, whose
    SHA-1 thumbprint Entra ID and AD FS know it by, as azure-identity sends it), else PKCS#12."""
    try:
        with open(path, 'rb') as handle:
            content = handle.read()
    except OSError as exc:
        raise AuthenticationError('certificate_path %s could not be read: %s' % (path, exc.strerror or exc))
    if b'-----BEGIN' not in content:
        return {'private_key_pfx_path': path}
    blocks = {}
    for match in _PEM_BLOCK.finditer(content.decode('ascii', 'replace')):
        blocks.setdefault('key' if match.group(1).endswith('PRIVATE KEY') else match.group(1), match.group(0))
    if 'key' not in blocks or 'CERTIFICATE' not in blocks:
        raise AuthenticationError('certificate_path %s must be a PEM file with both the private key and the certificate '
                                  '(or a PKCS#12 file)' % path)
    body = ''.join(blocks['CERTIFICATE'].splitlines()[1:-1])
    thumbprint = hashlib.sha1(base64.b64decode(body)).hexdigest().upper()  # nosec: an identifier, as Entra ID names it
    return {'private_key': blocks['key'], 'thumbprint': thumbprint}


def _msal_credential(plan, endpoints, http):
    import msal  # only a run that asks for a token pays for it

    settings = plan.settings
    common = dict(authority='%s/%s' % (endpoints.authority, settings['tenant']),
                  http_client=MsalHttpClient(http, endpoints.authority),
                  instance_discovery=endpoints.authority_is_microsoft, token_cache=msal.TokenCache())
    if plan.kind == 'user_password':
        app = msal.PublicClientApplication(settings['client_id'], **common)
        return MsalCredential(app, lambda scopes, claims: app.acquire_token_by_username_password(
            settings['user'], settings['password'], scopes=scopes, claims_challenge=claims))
    secret = settings['secret'] if plan.kind == 'client_secret' else certificate_credential(settings['certificate_path'])
    # A regional token service has a Microsoft host name; another authority (AD FS, an emulator) has none:
    # False keeps msal from building one (from MSAL_FORCE_REGION too).  TryAutoDetect: msal detects it.
    region = (os.environ.get(REGION_VARIABLE) or None) if endpoints.authority_is_microsoft else False
    if region and region.lower() in ('tryautodetect', 'true'):  # as azure-identity reads the variable
        region = msal.ConfidentialClientApplication.ATTEMPT_REGION_DISCOVERY
    app = msal.ConfidentialClientApplication(settings['client_id'], client_credential=secret, azure_region=region,
                                             **common)
    return MsalCredential(app, lambda scopes, claims: app.acquire_token_for_client(scopes, claims_challenge=claims))


class AzureIdentityCredential:
    """Adapter over an azure-identity credential object."""
    can_refresh = True

    def __init__(self, credential):
        self._credential = credential

    def get_token(self, scope, claims=None):
        access = self._credential.get_token(scope, claims=claims) if claims else self._credential.get_token(scope)
        return access.token, float(access.expires_on)


MSAL_KINDS = ('client_secret', 'client_certificate', 'user_password')


def library_credential(plan, endpoints, http):
    """The credential of a plan: msal for a secret, a certificate and a user, azure-identity for the others."""
    if plan.kind in MSAL_KINDS:
        return _msal_credential(plan, endpoints, http)

    from azure import identity  # only managed identity, workload identity and the Azure CLI pay for it

    settings = plan.settings
    common = dict(authority=endpoints.authority, disable_instance_discovery=not endpoints.authority_is_microsoft)
    if plan.kind == 'workload_identity':
        credential = identity.WorkloadIdentityCredential(
            tenant_id=settings['tenant'], client_id=settings['client_id'],
            token_file_path=settings['federated_token_file'], **common)
    elif plan.kind == 'managed_identity':
        credential = identity.ManagedIdentityCredential(client_id=settings.get('client_id'))
    elif plan.kind == 'azure_cli':
        credential = identity.AzureCliCredential(tenant_id=settings.get('tenant'))
    else:  # default_chain
        chain = []
        if settings.get('federated_token_file') and settings.get('tenant') and settings.get('client_id'):
            chain.append(identity.WorkloadIdentityCredential(
                tenant_id=settings['tenant'], client_id=settings['client_id'],
                token_file_path=settings['federated_token_file'], **common))
        chain.append(identity.ManagedIdentityCredential(client_id=settings.get('client_id')))
        chain.append(identity.AzureCliCredential(tenant_id=settings.get('tenant')))
        credential = identity.ChainedTokenCredential(*chain)
    return AzureIdentityCredential(credential)
