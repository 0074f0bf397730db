# -*- coding: utf-8 -*-
# Copyright: contributors to the azure_dr.recovery collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Authentication: the shared options, the choice of a credential from them, and the tokens.

The choice is deterministic (documented in ``docs/authentication.md`` and in the doc fragment):

1. every option may be given explicitly; an option not given is read from the environment, AWX's
   variable names first (``AZURE_TENANT``, ``AZURE_SECRET``...), azure-identity's second
   (``AZURE_TENANT_ID``, ``AZURE_CLIENT_SECRET``...);
2. ``auth_source=auto`` then takes the first of: ``access_token``; a service principal with a secret
   (``client_id`` + ``secret``); with a certificate (``client_id`` + ``certificate_path``); a user
   (``ad_user`` + ``password``); and, when none of those is given, azure-identity's chain of workload
   identity, managed identity and the Azure CLI login.  ``env`` allows only the explicit identities;
   ``token``, ``cli``, ``msi`` and ``workload_identity`` pick one.

Tokens come from msal for a secret, a certificate and a user with a password, and from azure-identity
for managed identity, workload identity and the Azure CLI (``_credentials``), imported only when a token
is first needed: ``access_token`` pays for neither.  One token per scope is fetched per module run and
refreshed only when it is about to expire, after the API refused it, or when the API asks for claims.
"""

from __future__ import annotations

import os
import threading
import time

from ansible.module_utils.basic import AnsibleFallbackNotFound

from ansible_collections.azure_dr.recovery.plugins.module_utils._errors import (
    AuthenticationError,
    AzureDRError,
    redact,
)


def env_fallback(*names):
    """The first of the environment variables that is set and not empty (Ansible's own
    env_fallback stops at an empty one, which would hide AZURE_TENANT_ID behind an empty AZURE_TENANT)."""
    for name in names:
        if os.environ.get(name):
            return os.environ[name]
    raise AnsibleFallbackNotFound


def fabric_identity_fallback(fabric_name, *azure_names):
    """For the Fabric modules: when FABRIC_CLIENT_ID is set, the Fabric admin identity is a service
    principal of its own and comes whole from the FABRIC_* variables (no AZURE_SECRET of the ARM
    identity mixed in); otherwise the usual variables apply.  The tenant falls back to AZURE_TENANT."""
    if os.environ.get('FABRIC_CLIENT_ID'):
        if fabric_name and os.environ.get(fabric_name):
            return os.environ[fabric_name]
        if fabric_name == 'FABRIC_TENANT_ID':
            return env_fallback(*azure_names)
        raise AnsibleFallbackNotFound
    return env_fallback(*azure_names)


# The variables of a Fabric identity distinct from the ARM one (AWX: the azure_dr credential type).
FABRIC_IDENTITY_VARIABLES = {
    'tenant': 'FABRIC_TENANT_ID',
    'client_id': 'FABRIC_CLIENT_ID',
    'secret': 'FABRIC_CLIENT_SECRET',
    'certificate_path': 'FABRIC_CLIENT_CERTIFICATE_PATH',
    'ad_user': '',  # a user is never the separate Fabric identity
    'password': '',
}

AUTH_SOURCES = ('auto', 'env', 'cli', 'msi', 'workload_identity', 'token')

# The public client that the Azure CLI registers in every tenant; used for user + password sign-in
# when no client_id is given (AWX's user credential has none).
AZURE_CLI_CLIENT_ID = '04b07795-8ddb-461a-bbee-02f9e1bf7b46'

COMMON_AUTH_SPEC = {
    'auth_source': dict(type='str', choices=list(AUTH_SOURCES), default='auto',
                        fallback=(env_fallback, ['AZURE_AUTH_SOURCE', 'ANSIBLE_AZURE_AUTH_SOURCE'])),
    'tenant': dict(type='str', fallback=(env_fallback, ['AZURE_TENANT', 'AZURE_TENANT_ID'])),
    'client_id': dict(type='str', fallback=(env_fallback, ['AZURE_CLIENT_ID'])),
    'secret': dict(type='str', no_log=True, fallback=(env_fallback, ['AZURE_SECRET', 'AZURE_CLIENT_SECRET'])),
    'certificate_path': dict(type='path', fallback=(env_fallback, ['AZURE_CLIENT_CERTIFICATE_PATH'])),
    'ad_user': dict(type='str', fallback=(env_fallback, ['AZURE_AD_USER'])),
    'password': dict(type='str', no_log=True, fallback=(env_fallback, ['AZURE_PASSWORD'])),
    'access_token': dict(type='str', no_log=True),
    # A cloud's name or a metadata URL: checked by the module's validator, not by choices.
    'cloud_environment': dict(type='str', default='AzureCloud', fallback=(env_fallback, ['AZURE_CLOUD_ENVIRONMENT'])),
    'authority_host': dict(type='str', fallback=(env_fallback, ['AZURE_AUTHORITY_HOST'])),
}
ARM_SPEC = {
    'subscription_id': dict(type='str', fallback=(env_fallback, ['AZURE_SUBSCRIPTION_ID'])),
    'arm_endpoint': dict(type='str', fallback=(env_fallback, ['AZURE_ARM_ENDPOINT'])),
}
FABRIC_SPEC = {
    'fabric_endpoint': dict(type='str', fallback=(env_fallback, ['FABRIC_API_ENDPOINT'])),
}
API_SPECS = {'arm': ARM_SPEC, 'fabric': FABRIC_SPEC}


def auth_argument_spec(api):
    """The shared options of a module calling ``api`` (``'arm'`` or ``'fabric'``), as a fresh dict
    that the module merges into its own argument spec."""
    spec = {name: dict(option) for name, option in COMMON_AUTH_SPEC.items()}
    spec.update({name: dict(option) for name, option in API_SPECS[api].items()})
    if api == 'fabric':
        for name, fabric_name in FABRIC_IDENTITY_VARIABLES.items():
            spec[name]['fallback'] = (fabric_identity_fallback, [fabric_name] + spec[name]['fallback'][1])
    return spec


def shared_option_names():
    """Every shared option of either API: what ``module_defaults`` for the collection's action group may hand an
    action of the group that calls no API (it accepts and ignores them)."""
    return frozenset(auth_argument_spec('arm')) | frozenset(auth_argument_spec('fabric'))


class CredentialPlan:
    """Which identity a run will use and with what settings; built without importing anything."""

    def __init__(self, kind, description, advice=None, **settings):
        self.kind = kind
        self.description = description
        self.advice = advice  # added to an authentication failure: what the user can set instead
        self.settings = settings

    def __repr__(self):  # never shows the settings: some are secrets
        return 'CredentialPlan(%r)' % self.kind


_EXPLICIT_IDENTITIES = (
    'client_id + secret + tenant (AZURE_CLIENT_ID, AZURE_SECRET or AZURE_CLIENT_SECRET, AZURE_TENANT or '
    'AZURE_TENANT_ID); client_id + certificate_path + tenant (AZURE_CLIENT_CERTIFICATE_PATH); '
    'ad_user + password (AZURE_AD_USER, AZURE_PASSWORD)'
)


def resolve_credential(params, environ=None):
    """Choose the credential from the module parameters (environment fallbacks already applied)."""
    environ = os.environ if environ is None else environ
    source = params.get('auth_source') or 'auto'
    tenant, client_id = params.get('tenant'), params.get('client_id')

    if source == 'token' or (source == 'auto' and params.get('access_token')):
        if not params.get('access_token'):
            raise AuthenticationError('auth_source=token needs access_token.')
        return CredentialPlan('access_token', 'the access_token given', token=params['access_token'])

    if source in ('auto', 'env'):
        plan = _explicit_identity(params, tenant, client_id)
        if plan is not None:
            return plan
        if source == 'env':
            raise AuthenticationError('auth_source=env found no credentials. Set one of: %s.' % _EXPLICIT_IDENTITIES)
        return CredentialPlan(
            'default_chain', 'workload identity, then managed identity, then Azure CLI',
            advice='No credential options were given; set access_token, or one of: %s.' % _EXPLICIT_IDENTITIES,
            tenant=tenant, client_id=client_id,
            federated_token_file=environ.get('AZURE_FEDERATED_TOKEN_FILE'))

    if source == 'cli':
        return CredentialPlan('azure_cli', 'the Azure CLI login', tenant=tenant)
    if source == 'msi':
        what = 'user-assigned managed identity %s' % client_id if client_id else 'system-assigned managed identity'
        return CredentialPlan('managed_identity', what, client_id=client_id)
    # workload_identity
    token_file = environ.get('AZURE_FEDERATED_TOKEN_FILE')
    missing = [label for label, value in (
        ('tenant (AZURE_TENANT / AZURE_TENANT_ID)', tenant),
        ('client_id (AZURE_CLIENT_ID)', client_id),
        ('the environment variable AZURE_FEDERATED_TOKEN_FILE', token_file)) if not value]
    if missing:
        raise AuthenticationError('auth_source=workload_identity needs ' + ', '.join(missing) + '.')
    return CredentialPlan('workload_identity', 'workload identity of client %s' % client_id,
                          tenant=tenant, client_id=client_id, federated_token_file=token_file)


def _explicit_identity(params, tenant, client_id):
    secret, certificate = params.get('secret'), params.get('certificate_path')
    user, password = params.get('ad_user'), params.get('password')
    if (secret or certificate) and not client_id:
        raise AuthenticationError('A secret or certificate_path needs client_id (AZURE_CLIENT_ID) too.')
    if secret or certificate:
        if not tenant:
            raise AuthenticationError('A service principal needs tenant (AZURE_TENANT or AZURE_TENANT_ID).')
        if secret:
            return CredentialPlan('client_secret', 'service principal %s (client secret)' % client_id,
                                  tenant=tenant, client_id=client_id, secret=secret)
        return CredentialPlan('client_certificate', 'service principal %s (certificate)' % client_id,
                              tenant=tenant, client_id=client_id, certificate_path=certificate)
    if bool(user) != bool(password):
        raise AuthenticationError('ad_user and password (AZURE_AD_USER, AZURE_PASSWORD) go together; only %s is set.'
                                  % ('ad_user' if user else 'password'))
    if user:
        return CredentialPlan('user_password', 'user %s' % user, tenant=tenant or 'organizations',
                              client_id=client_id or AZURE_CLI_CLIENT_ID, user=user, password=password)
    return None


# --- credentials: each has get_token(scope, claims=None) -> (token, expires_on epoch seconds), can_refresh
# and, when it keeps a token cache of its own, forget(scope) ---

class StaticTokenCredential:
    """A token acquired by the caller: used as is, and cannot be refreshed."""
    can_refresh = False

    def __init__(self, token):
        self._token = token

    def get_token(self, scope, claims=None):
        return self._token, float('inf')


def build_credential(plan, endpoints, http):
    """The credential object for a plan.  ``http`` is an ``_http.HttpClient`` on the run's session,
    without a token provider: msal's token requests go through it (its retries, ``Retry-After``,
    proxies and CA bundle)."""
    if plan.kind == 'access_token':
        return StaticTokenCredential(plan.settings['token'])
    # Only the runs that ask for a token pay for msal (and azure-identity, for the identities that need it).
    from ansible_collections.azure_dr.recovery.plugins.module_utils._credentials import library_credential

    return library_credential(plan, endpoints, http)


# Seconds for which a first token request's failure is given to the other items of a run (see TokenProvider).
FAILURE_MEMORY_SECONDS = 30.0


class TokenProvider:
    """One token per scope per module run, fetched on first use and refreshed only near expiry (or
    after the API refused it as expired).  ``on_token`` receives each new token so that the module
    can mask it in any output."""

    def __init__(self, plan, credential_factory, clock=time.time, on_token=None, secrets=()):
        self.plan = plan
        self._factory = credential_factory
        self._credential = None
        self._clock = clock
        self._on_token = on_token
        self._secrets = tuple(secrets)
        self._tokens = {}  # scope -> (token, expires_on, obtained_at)
        # scope -> (the AuthenticationError of its first token request, when): the other items of a batch,
        # which ask at about the same time, get the same error rather than asking again.  Never once the
        # scope had a token (a refresh may fail once and work later), and for FAILURE_MEMORY_SECONDS only.
        self._failures = {}
        self._lock = threading.Lock()  # threads of one run share one token per scope
        self.tokens_fetched = 0

    @property
    def can_refresh(self):
        return self.plan.kind != 'access_token'

    def token(self, scope, claims=None):
        """The token for ``scope``; ``claims`` (the JSON of a claims challenge): a new one that carries them."""
        with self._lock:
            return self._token(scope, claims)

    def _token(self, scope, claims):
        now = self._clock()
        failure = self._failures.get(scope)
        if failure is not None and now - failure[1] < FAILURE_MEMORY_SECONDS:
            raise failure[0]
        cached = self._tokens.get(scope)
        if cached is not None and not claims:
            token, expires_on, obtained_at = cached
            # Renew ahead of expiry by 10 % of the lifetime, at most 5 minutes.
            margin = min(300.0, max(1.0, (expires_on - obtained_at) * 0.1)) if expires_on != float('inf') else 0
            if expires_on - now > margin:
                return token
        try:
            token, expires_on = self._fetch(scope, claims)
        except AuthenticationError as error:
            if cached is None:
                self._failures[scope] = (error, now)
            raise
        self._failures.pop(scope, None)
        self._tokens[scope] = (token, expires_on, now)
        return token

    def invalidate(self, scope):
        """Forget the token of ``scope`` after the API refused it, in the credential's own cache too.  A
        credential without ``forget`` (azure-identity's) is built anew: it would hand back the same token."""
        with self._lock:
            self._tokens.pop(scope, None)
            self._failures.pop(scope, None)
            if hasattr(self._credential, 'forget'):
                self._credential.forget(scope)
            else:
                self._credential = None

    def _fetch(self, scope, claims):
        try:
            if self._credential is None:
                self._credential = self._factory(self.plan)
            token, expires_on = self._credential.get_token(scope, claims=claims)
        except AzureDRError as exc:  # Entra ID's refusal, or its endpoint out of reach: never the request
            raise AuthenticationError('Could not get a token for %s with %s: %s'
                                      % (scope, self.plan.description, redact(exc.message, self._secrets)),
                                      hint=exc.hint, details=exc.details())
        except ImportError as exc:
            raise AuthenticationError('The credential %s needs a Python library that is missing: %s. '
                                      'Install the collection requirements (requirements.txt).'
                                      % (self.plan.description, exc))
        except Exception as exc:  # pylint: disable=broad-except  # identity libraries raise many types
            text = (str(exc) or exc.__class__.__name__).strip().splitlines()[0][:500]
            message = 'Could not get a token for %s with %s: %s' % (scope, self.plan.description,
                                                                    redact(text, self._secrets))
            if self.plan.advice:
                message += ' ' + self.plan.advice
            raise AuthenticationError(message)
        self.tokens_fetched += 1
        if self._on_token is not None:
            self._on_token(token)
        return token, expires_on
