# -*- coding: utf-8 -*-
# Copyright: contributors to the azure_dr.recovery collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Shared fixtures of the unit tests: a fake clock whose sleep only advances time, JSON fixtures,
and a runner that executes a module's main() and returns the JSON it printed."""

from __future__ import annotations

import contextlib
import json

import pytest

from ansible_collections.azure_dr.recovery.plugins.module_utils._auth import CredentialPlan, StaticTokenCredential, TokenProvider
from ansible_collections.azure_dr.recovery.plugins.module_utils._http import HttpClient
from ansible_collections.azure_dr.recovery.tests.unit.helpers import FakeClock

AUTH_ENVIRONMENT = (
    'AZURE_AUTH_SOURCE', 'ANSIBLE_AZURE_AUTH_SOURCE', 'AZURE_TENANT', 'AZURE_TENANT_ID', 'AZURE_CLIENT_ID',
    'AZURE_SECRET', 'AZURE_CLIENT_SECRET', 'AZURE_CLIENT_CERTIFICATE_PATH', 'AZURE_AD_USER', 'AZURE_PASSWORD',
    'AZURE_SUBSCRIPTION_ID', 'AZURE_CLOUD_ENVIRONMENT', 'AZURE_AUTHORITY_HOST', 'AZURE_ARM_ENDPOINT',
    'FABRIC_API_ENDPOINT', 'AZURE_FEDERATED_TOKEN_FILE',
)


@pytest.fixture(autouse=True)
def clean_auth_environment(monkeypatch):
    """No test sees the developer's or CI's Azure variables."""
    for name in AUTH_ENVIRONMENT:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def clock():
    return FakeClock()


class CountingCredential(StaticTokenCredential):
    """A refreshable credential that hands out token-1, token-2, ... valid for ``lifetime`` seconds;
    ``claims``: the claims asked of each token (None: none), in order."""
    can_refresh = True

    def __init__(self, clock, lifetime=3600):
        super().__init__(None)
        self.clock = clock
        self.lifetime = lifetime
        self.issued = 0
        self.claims = []

    def get_token(self, scope, claims=None):
        self.issued += 1
        self.claims.append(claims)
        return 'token-%d' % self.issued, self.clock() + self.lifetime


@pytest.fixture
def make_http(clock):
    """An HttpClient on a session of its own (answered by ``responses`` where a test activates it), with
    the fake clock, deterministic jitter and a refreshable fake credential."""
    sessions = []

    def factory(**kwargs):
        credential = kwargs.pop('credential', None) or CountingCredential(clock)
        plan = CredentialPlan('client_secret', 'test service principal')
        provider = TokenProvider(plan, lambda chosen: credential, clock=clock)
        client = HttpClient(provider, sleep=clock.sleep, clock=clock, rand=lambda: 0.5, **kwargs)
        sessions.append(client.session)
        client.credential = credential
        return client
    yield factory
    for session in sessions:
        session.close()


def _patched_args(args):
    """Module arguments for main(), with the mechanism of the ansible-core in use."""
    try:
        from ansible.module_utils.testing import patch_module_args  # ansible-core >= 2.19
        return patch_module_args(args)
    except ImportError:
        from ansible.module_utils import basic
        from ansible.module_utils.common.text.converters import to_bytes

        @contextlib.contextmanager
        def legacy():
            previous = basic._ANSIBLE_ARGS
            basic._ANSIBLE_ARGS = to_bytes(json.dumps({'ANSIBLE_MODULE_ARGS': args}))
            try:
                yield
            finally:
                basic._ANSIBLE_ARGS = previous
        return legacy()


@pytest.fixture
def run_module(capsys, monkeypatch):
    """Run ``main`` with ``args``; returns (the parsed JSON result, everything printed).

    A module never runs in the controller's process; but a filter test of the same pytest process may
    have imported controller code (ansible.errors), which turns module warnings into controller
    warnings (ansible-core >= 2.19).  Each module run is therefore put back into module mode."""
    try:
        from ansible.module_utils import _internal  # pylint: disable=import-outside-toplevel
    except ImportError:  # ansible-core < 2.19 has no such switch
        _internal = None
    if hasattr(_internal, 'is_controller'):
        monkeypatch.setattr(_internal, 'is_controller', False)
    from ansible.module_utils.common import warnings as ansible_warnings  # pylint: disable=import-outside-toplevel

    def runner(main, args):
        # Warnings are kept process-wide until a module exits: a run must not report those of earlier runs.
        for name in ('_global_warnings', '_global_deprecations'):
            store = getattr(ansible_warnings, name, None)
            if store is not None:
                store.clear()
        with _patched_args(args):
            with pytest.raises(SystemExit):
                main()
        out, err = capsys.readouterr()
        return json.loads(out), out + err
    return runner
