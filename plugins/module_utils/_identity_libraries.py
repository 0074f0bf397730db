# -*- coding: utf-8 -*-
# Copyright: contributors to the azure_dr.recovery collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The credentials that azure-identity and msal provide: a certificate, a user and password, managed
and workload identity, the Azure CLI login, and any identity of an AD FS authority.  Imported by
``_auth.build_credential`` only for those identities: the common ones (a token, a service principal
with a secret) load neither this file nor the libraries."""

from __future__ import annotations

import time
import warnings
from urllib.parse import urlsplit

from ansible_collections.azure_dr.recovery.plugins.module_utils._errors import AuthenticationError


class AzureIdentityCredential:
    """Adapter over an azure-identity credential object."""
    can_refresh = True

    def __init__(self, credential):
        self._credential = credential

    def get_token(self, scope):
        access = self._credential.get_token(scope)
        return access.token, float(access.expires_on)


class PortPreservingHttpClient:
    """The HTTP client given to msal.  msal builds its user-realm discovery URL from the authority's
    host name alone (``https://{host}/common/userrealm/...``), dropping any port; for an authority
    with an explicit port (an emulator, a proxy) that request must go to the same port as the rest."""

    def __init__(self, session, authority):
        self._session = session
        parts = urlsplit(authority)
        self._portless = 'https://%s/' % parts.hostname
        self._with_port = 'https://%s/' % parts.netloc if parts.port else None

    def _route(self, url):
        if self._with_port and url.startswith(self._portless + 'common/userrealm/'):
            return self._with_port + url[len(self._portless):]
        return url

    def get(self, url, **kwargs):
        return self._session.get(self._route(url), **kwargs)

    def post(self, url, **kwargs):
        return self._session.post(self._route(url), **kwargs)

    def close(self):
        """Nothing to close early: the session lives as long as the credential, for token refreshes."""


class MsalUsernamePasswordCredential:
    """User + password (resource owner password credentials) through msal's public client."""
    can_refresh = True

    def __init__(self, plan, authority, authority_is_microsoft, clock=time.time):
        import msal  # only a user + password run pays for msal (and for requests, which it uses)
        import requests

        self._user = plan.settings['user']
        self._password = plan.settings['password']
        self._clock = clock
        self._app = msal.PublicClientApplication(
            plan.settings['client_id'],
            authority='%s/%s' % (authority, plan.settings['tenant']),
            http_client=PortPreservingHttpClient(requests.Session(), authority),
            instance_discovery=authority_is_microsoft,
        )

    def get_token(self, scope):
        with warnings.catch_warnings():
            # msal flags the password flow as deprecated for public clients; AWX's user credential needs it.
            warnings.simplefilter('ignore', DeprecationWarning)
            result = self._app.acquire_token_by_username_password(self._user, self._password, scopes=[scope])
        if 'access_token' not in result:
            raise AuthenticationError('%s: %s' % (result.get('error', 'error'),
                                                  (result.get('error_description') or '').splitlines()[0]
                                                  if result.get('error_description') else 'no token'))
        return result['access_token'], self._clock() + float(result.get('expires_in', 3600))


def library_credential(plan, endpoints):
    """The credential of a plan that needs msal (a user) or azure-identity (everything else but a
    token or a secret)."""
    if plan.kind == 'user_password':
        return MsalUsernamePasswordCredential(plan, endpoints.authority, endpoints.authority_is_microsoft)

    from azure import identity  # only the azure-identity paths pay for it

    settings = plan.settings
    common = dict(authority=endpoints.authority, disable_instance_discovery=not endpoints.authority_is_microsoft)
    if plan.kind == 'client_secret':
        credential = identity.ClientSecretCredential(settings['tenant'], settings['client_id'], settings['secret'],
                                                     **common)
    elif plan.kind == 'client_certificate':
        credential = identity.CertificateCredential(settings['tenant'], settings['client_id'],
                                                    certificate_path=settings['certificate_path'], **common)
    elif plan.kind == 'workload_identity':
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
