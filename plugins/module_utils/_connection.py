# -*- coding: utf-8 -*-
# Copyright: contributors to the azure_dr.recovery collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""One connection to Azure for a module run or an event source's life: one HTTP session (kept-alive connections),
the endpoints (a cloud's metadata URL read once), and one token provider, so one token per scope, renewed near its
expiry or when the API refuses it.  Each is built once, on first use, even when threads ask at the same moment."""

from __future__ import annotations

import threading
import time

from ansible_collections.azure_dr.recovery.plugins.module_utils import _http
from ansible_collections.azure_dr.recovery.plugins.module_utils._auth import (
    TokenProvider,
    build_credential,
    resolve_credential,
)
from ansible_collections.azure_dr.recovery.plugins.module_utils._clouds import (
    is_metadata_url,
    read_cloud_metadata,
    select_endpoints,
)
from ansible_collections.azure_dr.recovery.plugins.module_utils._errors import redact

SECRET_OPTIONS = ('secret', 'password', 'access_token')


class Connection:
    """``params``: the shared authentication options.  ``on_retry``: where retries and notes go (redacted of every
    secret and token); ``on_token``: told of each token as it comes (a module hides it from Ansible's output).
    ``timeout``: seconds a request may take.  ``clock``: wall-clock seconds (token expiry); ``sleep`` and
    ``monotonic``: the retry engine's, for tests."""

    def __init__(self, params, pool_size=_http.MIN_POOL, timeout=_http.DEFAULT_TIMEOUT, on_retry=None, on_token=None,
                 clock=time.time, sleep=None, monotonic=None):
        self.params = params
        self.pool_size = pool_size
        self.timeout = timeout
        self.clock = clock
        self.sleep = sleep
        self.monotonic = monotonic
        self.secrets = [params[name] for name in SECRET_OPTIONS if params.get(name)]
        self._on_retry = on_retry or (lambda message: None)
        self._on_token = on_token
        self._session = None
        self._endpoints = None
        self._http = None
        self.tokens = None
        # Reentrant: ``http`` builds ``session`` and ``endpoints``.
        self._lock = threading.RLock()

    def log(self, message):
        """Retries and notes, never with a secret or a token in them."""
        self._on_retry(redact(message, self.secrets))

    def _token_seen(self, token):
        self.secrets.append(token)
        if self._on_token is not None:
            self._on_token(token)

    def _client(self, **kwargs):
        return _http.HttpClient(session=self.session, on_retry=self.log, timeout=self.timeout, sleep=self.sleep,
                                clock=self.monotonic, **kwargs)

    @property
    def session(self):
        with self._lock:
            if self._session is None:
                self._session = _http.Session(pool_size=self.pool_size)
            return self._session

    @property
    def endpoints(self):
        with self._lock:
            if self._endpoints is None:
                cloud = None
                if is_metadata_url(self.params.get('cloud_environment')):
                    cloud = read_cloud_metadata(self._client(retry_budget=60), self.params['cloud_environment'])
                self._endpoints = select_endpoints(self.params, cloud)
            return self._endpoints

    @property
    def http(self):
        """The HTTP client with the token provider.  Token requests share the session (proxies, CA bundle, one TLS
        connection to each host) but carry no token."""
        with self._lock:
            if self._http is None:
                endpoints = self.endpoints
                token_http = self._client()
                self.tokens = TokenProvider(resolve_credential(self.params),
                                            lambda chosen: build_credential(chosen, endpoints, token_http),
                                            clock=self.clock, on_token=self._token_seen, secrets=self.secrets)
                self._http = self._client(token_provider=self.tokens, token_hosts=endpoints.token_hosts)
            return self._http

    @property
    def requests_sent(self):
        """The API requests sent so far (pages and retries included; not the token requests)."""
        return self._http.requests_sent if self._http is not None else 0

    def close(self):
        if self._session is not None:
            self._session.close()
