# -*- coding: utf-8 -*-
# Copyright: contributors to the azure_dr.recovery collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Fixtures of the emulator's own tests: an emulator on a free port with a fresh state, and clients
that trust its CA (REQUESTS_CA_BUNDLE is set globally on some machines: it is pointed at the
emulator's CA here, as every client of the emulator must)."""

from __future__ import annotations

import copy
import os

import pytest
import requests

from ansible_collections.azure_dr.recovery.tests.azure_dr_emulator.app import build_emulator
from ansible_collections.azure_dr.recovery.tests.azure_dr_emulator.state import load_seed_file

SEED_PATH = os.path.join(os.path.dirname(__file__), '..', '..', 'azure_dr_emulator', 'seeds', 'demo.yml')
TENANT = '6b7a1c2e-3f4d-4e5a-9b8c-7d6e5f4a3b2c'
CLIENT_ID = '0f1e2d3c-4b5a-4697-8877-665544332211'
SECRET = 'emulator-only-secret-1'
USER, PASSWORD = 'dr-operator@contoso.onmicrosoft.com', 'emulator-only-password-1'
SUB = '00000000-1111-2222-3333-444444444444'
ARM_SCOPE = 'https://management.azure.com/.default'
FABRIC_SCOPE = 'https://api.fabric.microsoft.com/.default'


def demo_seed(**settings):
    seed = copy.deepcopy(load_seed_file(SEED_PATH))
    seed['settings'].update(settings)
    return seed


@pytest.fixture(scope='session')
def tls_dir(tmp_path_factory):
    return str(tmp_path_factory.mktemp('emulator-tls'))


class Running:
    """A started emulator and helpers to talk to it."""

    def __init__(self, emulator):
        self.emulator = emulator
        self.url = emulator.base_url
        self.session = requests.Session()
        self._tokens = {}

    def token(self, scope=ARM_SCOPE):
        if scope not in self._tokens:
            answer = self.session.post('%s/%s/oauth2/v2.0/token' % (self.url, TENANT), data={
                'grant_type': 'client_credentials', 'client_id': CLIENT_ID, 'client_secret': SECRET, 'scope': scope})
            answer.raise_for_status()
            self._tokens[scope] = answer.json()['access_token']
        return self._tokens[scope]

    def call(self, method, path, scope=ARM_SCOPE, **kwargs):
        headers = kwargs.pop('headers', {})
        if scope:
            headers['Authorization'] = 'Bearer ' + self.token(scope)
        url = path if path.startswith('https://') else self.url + path
        return self.session.request(method, url, headers=headers, **kwargs)

    def control(self, method, path, **kwargs):
        answer = self.session.request(method, self.url + '/_emulator/' + path, **kwargs)
        answer.raise_for_status()
        return answer.json()

    def group_path(self, location, name='fg-sales', suffix='', api_version='2025-01-01'):
        return ('/subscriptions/%s/resourceGroups/rg-sql-dr/providers/Microsoft.Sql/locations/%s/instanceFailoverGroups/%s%s'
                '?api-version=%s' % (SUB, location, name, suffix, api_version))


@pytest.fixture
def start_emulator(tmp_path, tls_dir, monkeypatch):
    started = []

    def start(seed=None, state_path=None, port=0):
        emulator = build_emulator(state_path or str(tmp_path / 'state.json'), seed or demo_seed(), port=port,
                                  tls_dir=tls_dir).start()
        started.append(emulator)
        monkeypatch.setenv('REQUESTS_CA_BUNDLE', emulator.ca_path)
        return Running(emulator)

    yield start
    for emulator in started:
        emulator.stop()


@pytest.fixture
def emu(start_emulator):
    return start_emulator(demo_seed(failover_seconds=1, arm_retry_after=1))
