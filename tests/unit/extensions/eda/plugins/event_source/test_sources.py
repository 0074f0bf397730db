# -*- coding: utf-8 -*-
# Copyright: contributors to the azure_dr.recovery collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The event sources through their ``main(queue, args)`` with recorded answers (``responses``: a request no test
registered fails): arguments refused before any request, the modules' environment variables, a token refused by
ARM as expired and renewed, a token that cannot be renewed said once while the source goes on, and the way
ansible-rulebook loads a source (``runpy.run_path``, without the collections on ``sys.path``).  The sources against
the emulator: tests/unit/emulator/test_event_sources.py."""

from __future__ import annotations

import asyncio
import importlib
import json
import os
import subprocess
import sys

import pytest
import responses

from ansible_collections.azure_dr.recovery.plugins.module_utils import _connection, _watch_client
from ansible_collections.azure_dr.recovery.tests.unit.helpers import FakeClock
from ansible_collections.azure_dr.recovery.tests.unit.plugins.module_utils.test__credentials import (
    register_authority,
    token_answer,
)
from ansible_collections.azure_dr.recovery.tests.unit.plugins.module_utils.test__watch import arm_view

SOURCES = 'ansible_collections.azure_dr.recovery.extensions.eda.plugins.event_source.'
HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE_DIR = os.path.join(HERE, '..', '..', '..', '..', '..', '..', 'extensions', 'eda', 'plugins', 'event_source')
TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47'
CLIENT = '11111111-2222-3333-4444-555555555555'
SECRET = 'super-secret-value-1'
SUB = '00000000-1111-2222-3333-444444444444'
LOGIN, ARM = 'https://login.test', 'https://arm.test'
GROUPS = [{'name': 'fg-sales', 'resource_group': 'rg-sql-dr', 'primary_location': 'Japan West', 'dr_location': 'Japan East'}]


def list_url(location):
    return ('%s/subscriptions/%s/resourceGroups/rg-sql-dr/providers/Microsoft.Sql/locations/%s/instanceFailoverGroups'
            '?api-version=2025-01-01' % (ARM, SUB, location.replace(' ', '%20')))


def listing(here, partner):
    return {'value': [arm_view('fg-sales', here, partner, 'Japan West')]}


EXPIRED = {'error': {'code': 'ExpiredAuthenticationToken',
                     'message': "The access token expiry UTC time '12/7/2026 9:00:00 AM' is earlier than current UTC time."}}


def source(name='failover_group_watch'):
    return importlib.import_module(SOURCES + name)


def run(args, polls=3, name='failover_group_watch', clock=None):
    """The events of ``polls`` polls, 60 s apart on a fake clock (the retry engine's too)."""
    clock = clock or FakeClock(start=1796630400.0)
    queue = asyncio.Queue()

    async def between_polls(seconds):
        clock.now += seconds

    base = {'plan': 'contoso', 'authority_host': LOGIN, 'max_polls': polls}
    if name == 'failover_group_watch':
        base.update(groups=GROUPS, arm_endpoint=ARM, subscription_id=SUB, max_concurrency=1)
    asyncio.run(source(name).main(queue, dict(base, **args), clock=clock, sleep=between_polls, retry_sleep=clock.sleep,
                                  monotonic=clock))
    events = []
    while not queue.empty():
        events.append(queue.get_nowait()['azure_dr'])
    return events


DEMO_PLAN = os.path.join(HERE, '..', '..', '..', '..', '..', '..', 'playbooks', 'plans', 'demo.yml')


@pytest.mark.parametrize('args, message', [
    ({}, 'give plan_file (a DR plan file, docs/dr_plan.md) or groups and plan (a list in the plan\'s failover_groups '
         'shape and the plan\'s name), not neither'),
    ({'plan_file': '/plans/a.yml', 'groups': GROUPS}, 'not both'),
    ({'groups': GROUPS}, 'groups needs plan: the name of the DR plan, in every event'),
    ({'plan_file': '/nonexistent/plan.yml'}, 'plan_file /nonexistent/plan.yml could not be read: No such file or directory'),
    ({'plan_file': DEMO_PLAN, 'plan': 'other'}, 'plan other is not the name of the plan in plan_file %s (contoso-demo): leave '
                                                'plan out, the file names itself' % DEMO_PLAN),
    ({'groups': GROUPS, 'plan': 'p', 'interval': 'soon'}, "interval must be a whole number, got 'soon'"),
    ({'groups': GROUPS, 'plan': 'p', 'interval': 0}, 'interval must be a whole number from 1 up, got 0'),
    ({'groups': GROUPS, 'plan': 'p', 'max_concurrency': 50}, 'max_concurrency must be a whole number from 1 to 20, got 50'),
    ({'groups': GROUPS, 'plan': 'p', 'snapshot': 'maybe'}, "snapshot must be true or false, got 'maybe'"),
    ({'groups': 'fg-sales', 'plan': 'p'}, 'groups must be a list, got str'),
    ({'groups': GROUPS, 'plan': 'p', 'colour': 'red'}, 'unknown argument(s) colour (allowed: access_token, ad_user,'),
    ({'groups': GROUPS, 'plan': 'p', 'fabric_endpoint': ARM}, 'unknown argument(s) fabric_endpoint'),
    ({'groups': GROUPS, 'plan': 'p', 'secret': SECRET}, 'A secret or certificate_path needs client_id (AZURE_CLIENT_ID) too.'),
    ({'groups': GROUPS, 'plan': 'p', 'arm_endpoint': 'http://arm.example.com'}, 'arm_endpoint must use https'),
    ({'groups': GROUPS, 'plan': 'p', 'subscription_id': 'sub-1'}, 'subscription_id must be a UUID'),
    ({'groups': [{'name': 'fg-sales', 'resource_group': 'rg', 'primary_location': 'Japan West'}], 'plan': 'p'},
     'the plan has 1 problem(s): dr_plan.failover_groups[0] (fg-sales).dr_location is required'),
    ({'groups': GROUPS, 'plan': 'p'}, 'fg-sales: the primary side has no subscription_id: give subscription_id '
                                      '(AZURE_SUBSCRIPTION_ID) or the side\'s own; fg-sales: the dr side'),
    ({'plan': 'p', 'subscription_id': SUB, 'groups': [
        {'name': 'fg-%d' % index, 'resource_group': 'rg-%d' % index, 'primary_location': 'Japan West',
         'dr_location': 'Japan East'} for index in range(100)]}, 'make interval at least 240 seconds'),
])
@responses.activate
def test_the_group_watch_refuses_bad_arguments_before_any_request(args, message):
    with pytest.raises(ValueError) as caught:
        asyncio.run(source().main(asyncio.Queue(), args))
    text = str(caught.value)
    assert text.startswith('failover_group_watch: ') and message in text
    assert SECRET not in text
    assert not responses.calls


@responses.activate
def test_the_workspace_watch_refuses_bad_arguments_before_any_request():
    with pytest.raises(ValueError) as caught:
        asyncio.run(source('fabric_workspace_watch').main(asyncio.Queue(), {
            'plan': 'p', 'workspaces': [{'id': 'not-a-uuid'}], 'arm_endpoint': ARM, 'retention_days': 120}))
    assert str(caught.value) == (
        'fabric_workspace_watch: unknown argument(s) arm_endpoint (allowed: access_token, ad_user, auth_source, '
        'authority_host, certificate_path, client_id, cloud_environment, fabric_endpoint, interval, max_listings_per_hour, '
        'max_polls, password, plan, plan_file, read_timeout, report_already_deleted, retention_days, secret, snapshot, '
        'tenant, workspaces); retention_days must be a whole number from 1 to 90, got 120')
    with pytest.raises(ValueError) as caught:
        asyncio.run(source('fabric_workspace_watch').main(asyncio.Queue(), {'plan': 'p', 'workspaces': [{'id': 'not-a-uuid'}]}))
    assert "dr_plan.fabric_workspaces[0].id must be a UUID" in str(caught.value)
    assert not responses.calls


def test_the_options_come_from_the_modules_environment_variables(monkeypatch):
    monkeypatch.setenv('AZURE_TENANT_ID', TENANT)
    monkeypatch.setenv('AZURE_CLIENT_ID', CLIENT)
    monkeypatch.setenv('AZURE_CLIENT_SECRET', SECRET)
    monkeypatch.setenv('AZURE_SUBSCRIPTION_ID', SUB)
    monkeypatch.setenv('AZURE_ARM_ENDPOINT', ARM)
    params, problems = _watch_client.source_params({'plan': 'p', 'groups': GROUPS, 'interval': '30'}, 'arm',
                                                   _watch_client.GROUP_WATCH_ARGS)
    assert problems == []
    assert (params['tenant'], params['client_id'], params['secret'], params['subscription_id'], params['arm_endpoint']) == \
        (TENANT, CLIENT, SECRET, SUB, ARM)
    assert (params['interval'], params['unreachable_after'], params['snapshot'], params['cloud_environment']) == \
        (30, 3, True, 'AzureCloud')
    # The Fabric watch: a Fabric identity of its own (FABRIC_*) when FABRIC_CLIENT_ID is set, as the Fabric modules.
    monkeypatch.setenv('FABRIC_CLIENT_ID', '99999999-2222-3333-4444-555555555555')
    monkeypatch.setenv('FABRIC_CLIENT_SECRET', 'fabric-secret')
    params, problems = _watch_client.source_params({'plan': 'p', 'workspaces': []}, 'fabric', _watch_client.WORKSPACE_WATCH_ARGS)
    assert problems == [] and (params['client_id'], params['secret'], params['tenant']) == \
        ('99999999-2222-3333-4444-555555555555', 'fabric-secret', TENANT)


@responses.activate
def test_a_token_arm_refuses_as_expired_is_renewed_and_the_read_goes_on():
    _discovery, token_url = register_authority(LOGIN, TENANT)
    tokens = [responses.post(token_url, json=token_answer('token-%d' % index)) for index in (1, 2)]
    responses.get(list_url('Japan West'), status=401, json=EXPIRED)
    responses.get(list_url('Japan West'), json=listing('Japan West', 'Japan East'))
    responses.get(list_url('Japan East'), json=listing('Japan East', 'Japan West'))
    events = run({'tenant': TENANT, 'client_id': CLIENT, 'secret': SECRET})
    assert [event['type'] for event in events] == ['snapshot']
    assert events[0]['snapshot'][0]['primary'] == 'Japan West'
    assert [route.call_count for route in tokens] == [1, 1]  # the refused token was forgotten, a new one fetched
    authorizations = [call.request.headers['Authorization'] for call in responses.calls if '/subscriptions/' in call.request.url]
    assert authorizations == ['Bearer token-1', 'Bearer token-2', 'Bearer token-2'] + ['Bearer token-2'] * 4


class ShortLivedCredential:
    """A credential whose tokens (token-1, token-2...) live ``lifetime`` seconds on the test's clock."""
    can_refresh = True

    def __init__(self, clock, lifetime):
        self.clock, self.lifetime, self.issued = clock, lifetime, 0

    def get_token(self, scope, claims=None):
        self.issued += 1
        return 'token-%d' % self.issued, self.clock() + self.lifetime


@responses.activate
def test_the_token_is_renewed_ahead_of_its_expiry_on_the_sources_clock(monkeypatch):
    """Tokens of 200 s and polls 60 s apart: renewed at the fourth poll (20 s before expiry: a tenth of its life),
    before ARM could refuse it."""
    clock = FakeClock(start=1796630400.0)
    credential = ShortLivedCredential(clock, 200)
    monkeypatch.setattr(_connection, 'build_credential', lambda plan, endpoints, http: credential)
    responses.get(list_url('Japan West'), json=listing('Japan West', 'Japan East'))
    responses.get(list_url('Japan East'), json=listing('Japan East', 'Japan West'))
    events = run({'tenant': TENANT, 'client_id': CLIENT, 'secret': SECRET}, polls=5, clock=clock)
    assert [event['type'] for event in events] == ['snapshot']
    authorizations = [call.request.headers['Authorization'] for call in responses.calls]
    assert authorizations == ['Bearer token-1'] * 6 + ['Bearer token-2'] * 4


@responses.activate
def test_a_token_that_cannot_be_renewed_is_one_watch_error_and_the_watch_goes_on():
    west = responses.get(list_url('Japan West'), status=401, json=EXPIRED)
    east = responses.get(list_url('Japan East'), status=401, json=EXPIRED)
    events = run({'access_token': 'static-token-value-1'}, polls=4)
    assert [event['type'] for event in events] == ['snapshot', 'watch_error']
    error = events[1]
    assert error['message'].startswith('2 of 2 listing(s) failed: Japan West, resource group rg-sql-dr, subscription %s: '
                                       'HTTP 401 ExpiredAuthenticationToken' % SUB)
    assert 'an access_token given as an option cannot be refreshed' in error['message']
    assert [item['location'] for item in error['errors']] == ['Japan West', 'Japan East']
    assert 'static-token-value-1' not in json.dumps(events)
    assert (west.call_count, east.call_count) == (4, 4)  # every poll read again


@responses.activate
def test_the_fabric_watch_lists_the_deleted_workspaces_once_a_poll_and_says_a_refusal_once():
    _discovery, token_url = register_authority(LOGIN, TENANT)
    responses.post(token_url, json=token_answer('fabric-token'))
    url = 'https://fabric.test/v1/admin/workspaces?state=deleted'
    refused = {'requestId': 'r-1', 'errorCode': 'InsufficientPrivileges', 'message': 'The caller is not a Fabric administrator'}
    responses.get(url, status=403, json=refused)
    responses.get(url, status=403, json=refused)
    responses.get(url, json={'workspaces': [], 'continuationToken': None})
    responses.get(url, json={'workspaces': [{'id': '41ce06d1-d81b-4ea0-bc6d-2ce3dd2f8e87', 'name': 'Sales Reporting',
                                             'type': 'Workspace', 'state': 'Deleted'}]})
    events = run({'tenant': TENANT, 'client_id': CLIENT, 'secret': SECRET, 'fabric_endpoint': 'https://fabric.test',
                  'workspaces': [{'name': 'Sales Reporting'}]}, polls=4, name='fabric_workspace_watch')
    assert [event['type'] for event in events] == ['watch_error', 'snapshot', 'workspace_deleted']
    assert events[0]['message'].startswith('the listing of deleted workspaces failed: HTTP 403 InsufficientPrivileges')
    assert events[2]['workspace']['name'] == 'Sales Reporting' and events[2]['retention_days'] == 7
    assert len([call for call in responses.calls if call.request.url.startswith('https://fabric.test/')]) == 4


def test_ansible_rulebook_runs_a_source_with_runpy_and_the_source_finds_its_collection(tmp_path):
    """ansible-rulebook 1.x runs a collection's source with ``runpy.run_path(<collection>/extensions/eda/plugins/
    event_source/<name>.py)`` and calls its ``main``; ``ansible_collections`` is not on ``sys.path`` there."""
    script = (
        'import json, runpy\n'
        'try:\n'
        '    import ansible_collections.azure_dr.recovery\n'
        '    raise SystemExit("the collection is importable before the source runs: nothing is tested")\n'
        'except ImportError:\n'
        '    pass\n'
        'found = {}\n'
        'for name in ("failover_group_watch", "fabric_workspace_watch"):\n'
        '    module = runpy.run_path("%s/" + name + ".py")\n'
        '    shared = module["_collection"]()\n'
        '    found[name] = [callable(module["main"]), shared.__name__]\n'
        'print(json.dumps(found))\n' % os.path.realpath(SOURCE_DIR))
    environment = {key: value for key, value in os.environ.items() if key != 'PYTHONPATH'}
    answer = subprocess.run([sys.executable, '-I', '-c', script], cwd=str(tmp_path), env=environment,
                            capture_output=True, text=True, timeout=120, check=False)
    assert answer.returncode == 0, answer.stderr
    found = json.loads(answer.stdout)
    shared = [True, 'ansible_collections.azure_dr.recovery.plugins.plugin_utils._watch_sources']
    assert found == {'failover_group_watch': shared, 'fabric_workspace_watch': shared}


@pytest.mark.parametrize('name, api, own', [('failover_group_watch', 'arm', _watch_client.GROUP_WATCH_ARGS),
                                            ('fabric_workspace_watch', 'fabric', _watch_client.WORKSPACE_WATCH_ARGS)])
def test_the_documentation_is_the_arguments_the_source_takes(name, api, own):
    import yaml

    from ansible_collections.azure_dr.recovery.plugins.module_utils._auth import auth_argument_spec

    documented = yaml.safe_load(source(name).DOCUMENTATION)['options']
    spec = auth_argument_spec(api)
    assert set(documented) == set(spec) | set(own)
    for option, (kind, default) in own.items():
        assert documented[option].get('default') == default, option
        assert documented[option]['type'] == {'path': 'str'}.get(kind, kind), option
    for option, settings in spec.items():
        assert documented[option].get('default') == settings.get('default'), option
    assert yaml.safe_load(source(name).EXAMPLES)


def test_what_ansible_rulebook_adds_to_the_arguments_is_taken():
    """A source given ``feedback: true`` in a rulebook also gets ansible-rulebook's ``eda_feedback_queue``."""
    params, problems = _watch_client.source_params(
        {'plan': 'p', 'groups': GROUPS, 'subscription_id': SUB, 'feedback': True, 'eda_feedback_queue': asyncio.Queue()},
        'arm', _watch_client.GROUP_WATCH_ARGS)
    assert problems == [] and 'eda_feedback_queue' not in params


@responses.activate
def test_a_resource_group_arm_does_not_find_is_a_missing_group_not_an_error():
    gone = {'error': {'code': 'ResourceGroupNotFound', 'message': "Resource group 'rg-sql-dr' could not be found."}}
    responses.get(list_url('Japan West'), status=404, json=gone)
    responses.get(list_url('Japan East'), json=listing('Japan East', 'Japan West'))
    events = run({'access_token': 'static-token-value-1'}, polls=3)
    assert [event['type'] for event in events] == ['snapshot', 'group_missing']
    missing = events[1]
    assert missing['group'] == 'fg-sales' and 'HTTP 404 ResourceGroupNotFound' in missing['message']
    west, east = missing['sides']
    assert (west['answered'], west['found'], east['answered'], east['found']) == (True, False, True, True)
    assert events[0]['snapshot'][0]['primary'] == 'Japan West'  # the DR side says who its primary partner is


@pytest.mark.parametrize('error, status', [
    (_watch_client.RetryBudgetExceeded('gave up', last_error=_watch_client.ApiError(503, 'ServiceUnavailable')), 'unreachable'),
    (_watch_client.RetryBudgetExceeded('gave up', last_error=_watch_client.AzureDRError('Could not complete GET: timed out')),
     'unreachable'),
    (_watch_client.RetryBudgetExceeded('gave up', last_error=_watch_client.ApiError(429, 'TooManyRequests')), 'error'),
    (_watch_client.ApiError(404, 'ResourceGroupNotFound'), 'missing'),
    (_watch_client.ApiError(404, 'SubscriptionNotFound'), 'missing'),
    (_watch_client.ApiError(403, 'AuthorizationFailed'), 'error'),
    (_watch_client.ApiError(401, 'InvalidAuthenticationToken'), 'error'),
    (_watch_client.AuthenticationError('Could not get a token'), 'error'),
    (_watch_client.AzureDRError('Could not send GET https://arm.test/x: TLS verification failed'), 'error'),
])
def test_what_a_failed_listing_means(error, status):
    assert _watch_client.classify(error)[0] == status
