# -*- coding: utf-8 -*-
# Copyright: contributors to the azure_dr.recovery collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""instance_failover_group_failover and instance_failover_group_info: main() run with the spec
example bodies (tests/unit/fixtures, from Azure/azure-rest-api-specs) answered by `responses`."""

from __future__ import annotations

import copy
import json
import threading

import pytest
import responses

from ansible_collections.azure_dr.recovery.plugins.modules import instance_failover_group_failover as failover_module
from ansible_collections.azure_dr.recovery.plugins.modules import instance_failover_group_info as info_module
from ansible_collections.azure_dr.recovery.tests.unit.helpers import load_fixture

ARM = 'https://arm.example.test'
SUB = '00000000-1111-2222-3333-444444444444'
BASE = ARM + '/subscriptions/%s/resourceGroups/Default/providers/Microsoft.Sql/locations/JapanWest/instanceFailoverGroups' % SUB
GROUP = BASE + '/failover-group-test-3'
QUERY = '?api-version=2025-01-01'
SPEC = load_fixture('InstanceFailoverGroupFailover.2023-08-01.json')['responses']
PRIMARY = SPEC['200']['body']  # JapanWest is Primary after the failover in the example
LOCATION = SPEC['202']['headers']['Location'].replace('https://management.azure.com', ARM)
# Today's primary side, where the secondary's managedInstancePairs say it is (resource group Default).
PARTNER = BASE.replace('JapanWest', 'Japan%20East') + '/failover-group-test-3'
ARGS = {'resource_group': 'Default', 'location': 'JapanWest', 'name': 'failover-group-test-3',
        'subscription_id': SUB, 'arm_endpoint': ARM, 'access_token': 'test-access-token'}


def secondary():
    body = copy.deepcopy(PRIMARY)
    body['properties']['replicationRole'] = 'Secondary'
    body['properties']['partnerRegions'][0]['replicationRole'] = 'Primary'
    return body


def partner_primary():
    """The group as today's primary side (Japan East) answers it."""
    body = copy.deepcopy(secondary())
    body['id'] = body['id'].replace('JapanWest', 'JapanEast')
    body['properties']['replicationRole'] = 'Primary'
    body['properties']['partnerRegions'] = [{'location': 'Japan West', 'replicationRole': 'Secondary'}]
    return body


def partner_answers():
    responses.get(PARTNER + QUERY, json=partner_primary())


@pytest.fixture(autouse=True)
def no_real_sleep(monkeypatch):
    monkeypatch.setattr('time.sleep', lambda seconds: None)


def methods():
    return [(call.request.method, call.request.url.split('?')[0].rsplit('/', 1)[-1]) for call in responses.calls]


@responses.activate
def test_already_primary_sends_no_write(run_module):
    responses.get(GROUP + QUERY, json=PRIMARY)
    result, _out = run_module(failover_module.main, dict(ARGS, _ansible_diff=True))
    assert result['changed'] is False and result['failover_group'] == PRIMARY
    assert result['diff']['before'] == result['diff']['after']
    assert methods() == [('GET', 'failover-group-test-3')]


@responses.activate
def test_check_mode_reads_only_and_shows_the_diff(run_module):
    responses.get(GROUP + QUERY, json=secondary())
    partner_answers()
    result, _out = run_module(failover_module.main, dict(ARGS, _ansible_check_mode=True, _ansible_diff=True))
    assert result['changed'] is True and result['failover_group'] == secondary()
    assert result['diff'] == {'before': {'replication_role': {'JapanWest': 'Secondary', 'Japan East': 'Primary'}},
                              'after': {'replication_role': {'JapanWest': 'Primary', 'Japan East': 'Secondary'}}}
    assert methods() == [('GET', 'failover-group-test-3'), ('GET', 'failover-group-test-3')]
    assert responses.calls[1].request.url.startswith(PARTNER)
    assert result['sides']['primary']['replication_role'] == 'Primary' and result['sides']['primary']['derived'] is True
    assert result['failover_kind'] == 'planned' and result['escalation_reason'] is None


@responses.activate
def test_failover_followed_to_its_end_then_read_again(run_module):
    responses.get(GROUP + QUERY, json=secondary())
    partner_answers()
    responses.post(GROUP + '/failover' + QUERY, status=202, headers={
        'Location': LOCATION, 'Retry-After': '1', 'x-ms-request-id': 'req-1', 'x-ms-correlation-request-id': 'corr-1'})
    responses.get(LOCATION, status=202, headers={'Retry-After': '1'})
    responses.get(LOCATION, status=200, json=PRIMARY)
    responses.get(GROUP + QUERY, json=PRIMARY)
    result, _out = run_module(failover_module.main, ARGS)
    assert result['changed'] is True and result['failover_group'] == PRIMARY
    assert result['request_ids'] == {'request_id': 'req-1', 'correlation_id': 'corr-1'}
    assert methods() == [('GET', 'failover-group-test-3'), ('GET', 'failover-group-test-3'), ('POST', 'failover'),
                         ('GET', 'failover-group-test-3'), ('GET', 'failover-group-test-3'), ('GET', 'failover-group-test-3')]
    assert responses.calls[2].request.body in (None, b'', '')


@responses.activate
def test_forced_failover_is_loud(run_module):
    responses.get(GROUP + QUERY, json=secondary())
    responses.post(GROUP + '/forceFailoverAllowDataLoss' + QUERY, status=200, json=PRIMARY)
    responses.get(GROUP + QUERY, json=PRIMARY)
    result, _out = run_module(failover_module.main, dict(ARGS, allow_data_loss=True))
    assert result['changed'] is True and result['failover_kind'] == 'forced'
    assert 'transactions not yet replicated' in json.dumps(result['warnings'])
    # A real forced failover does not wait on the primary side: it is not read.
    assert not any(call.request.url.startswith(PARTNER) for call in responses.calls)


@responses.activate
def test_failover_done_by_someone_else_meanwhile_converges(run_module):
    responses.get(GROUP + QUERY, json=secondary())
    partner_answers()
    responses.post(GROUP + '/failover' + QUERY, status=400, json={'error': {
        'code': 'InstanceFailoverGroupFailoverRequestOnPrimary', 'message': 'issued on the primary'}})
    responses.get(GROUP + QUERY, json=PRIMARY)
    result, _out = run_module(failover_module.main, ARGS)
    assert result['changed'] is True and 'failed' not in result
    assert 'another operation failed the group over' in json.dumps(result['warnings'])


BUSY = {'error': {'code': 'InstanceFailoverGroupBusy', 'message': 'busy'}}


@responses.activate
def test_busy_group_is_read_again_then_the_failover_is_sent(run_module):
    for _read in range(3):  # the first read, then one after each busy answer
        responses.get(GROUP + QUERY, json=secondary())
    responses.get(GROUP + QUERY, json=PRIMARY)
    partner_answers()
    responses.post(GROUP + '/failover' + QUERY, status=409, json=BUSY, headers={'Retry-After': '7'})
    responses.post(GROUP + '/failover' + QUERY, status=409, json=BUSY)
    responses.post(GROUP + '/failover' + QUERY, status=202, headers={'Location': LOCATION})
    responses.get(LOCATION, status=200, json=PRIMARY)
    result, _out = run_module(failover_module.main, ARGS)
    assert result['changed'] is True and result['failover_kind'] == 'planned'
    # Each busy answer is followed by a fresh read before the next failover request.
    assert methods() == [('GET', 'failover-group-test-3'), ('GET', 'failover-group-test-3'), ('POST', 'failover'),
                         ('GET', 'failover-group-test-3'), ('POST', 'failover'), ('GET', 'failover-group-test-3'),
                         ('POST', 'failover'), ('GET', 'failover-group-test-3'), ('GET', 'failover-group-test-3')]
    # Said once, however long the group stays busy.
    assert json.dumps(result['warnings']).count('is busy') == 1


@responses.activate
def test_busy_group_made_primary_by_another_operation_gets_no_second_request(run_module):
    responses.get(GROUP + QUERY, json=secondary())
    responses.get(GROUP + QUERY, json=PRIMARY)
    partner_answers()
    responses.post(GROUP + '/failover' + QUERY, status=409, json=BUSY, headers={'Retry-After': '1'})
    result, _out = run_module(failover_module.main, ARGS)
    assert 'failed' not in result and result['failover_kind'] == 'none'
    assert result['region_state'] == {'before': {'replication_role': 'Secondary', 'replication_state': 'CATCH_UP'},
                                      'after': {'replication_role': 'Primary', 'replication_state': 'CATCH_UP'}}
    assert methods() == [('GET', 'failover-group-test-3'), ('GET', 'failover-group-test-3'), ('POST', 'failover'),
                         ('GET', 'failover-group-test-3')]
    assert 'failover was sent' in json.dumps(result['warnings'])


@responses.activate
def test_wait_false_returns_the_operation_url(run_module):
    responses.get(GROUP + QUERY, json=secondary())
    partner_answers()
    responses.post(GROUP + '/failover' + QUERY, status=202, headers={'Location': LOCATION})
    result, _out = run_module(failover_module.main, dict(ARGS, wait=False))
    assert result['changed'] is True and result['operation_url'] == LOCATION
    assert len(responses.calls) == 3


@responses.activate
def test_operation_failure_is_reported_with_its_code(run_module):
    responses.get(GROUP + QUERY, json=secondary())
    partner_answers()
    responses.post(GROUP + '/failover' + QUERY, status=202, headers={'Location': LOCATION})
    responses.get(LOCATION, status=400, json={'error': {'code': 'FailoverAborted', 'message': 'partner unreachable'}},
                  headers={'x-ms-request-id': 'req-9'})
    result, _out = run_module(failover_module.main, ARGS)
    assert result['failed'] is True and result['error']['code'] == 'FailoverAborted'
    assert result['error']['request_id'] == 'req-9' and 'partner unreachable' in result['msg']


@responses.activate
def test_unknown_group_is_a_clear_error(run_module):
    responses.get(GROUP + QUERY, status=404, json={'error': {'code': 'ResourceNotFound', 'message': 'not found'}})
    result, _out = run_module(failover_module.main, ARGS)
    assert result['failed'] is True
    assert result['msg'] == "Instance failover group 'failover-group-test-3' in resource group 'Default' of subscription " \
                            "%s at JapanWest was not found." % SUB


@pytest.mark.parametrize('bad,expected', [
    ({'subscription_id': 'nope'}, 'subscription_id must be a UUID'),
    ({'resource_group': 'bad/rg'}, 'resource_group must be 1 to 90'),
    ({'location': 'japan/east'}, 'location must be an Azure region'),
    ({'name': ''}, 'name must not be empty'),
    ({'wait_timeout': 0}, 'wait_timeout must be a positive number'),
])
@responses.activate
def test_bad_input_fails_before_any_request(run_module, bad, expected):
    result, _out = run_module(failover_module.main, dict(ARGS, **bad))
    assert result['failed'] is True and expected in result['msg']
    assert len(responses.calls) == 0


@responses.activate
def test_info_one_group_or_none(run_module):
    responses.get(GROUP + QUERY, json=PRIMARY)
    responses.get(BASE + '/absent' + QUERY, status=404, json={'error': {'code': 'ResourceNotFound', 'message': 'no'}})
    result, _out = run_module(info_module.main, dict(ARGS, _ansible_check_mode=True))
    assert result['failover_groups'] == [PRIMARY] and result['changed'] is False
    result, _out = run_module(info_module.main, dict(ARGS, name='absent'))
    assert result['failover_groups'] == []


@responses.activate
def test_info_lists_every_page(run_module):
    other = dict(PRIMARY, name='second')
    responses.get(BASE + QUERY, json={'value': [PRIMARY], 'nextLink': BASE + QUERY + '&$skiptoken=1'})
    responses.get(BASE + QUERY + '&$skiptoken=1', json={'value': [other]})
    args = {key: value for key, value in ARGS.items() if key != 'name'}
    result, _out = run_module(info_module.main, args)
    assert [group['name'] for group in result['failover_groups']] == ['failover-group-test-3', 'second']


@responses.activate
def test_batch_fails_groups_over_at_once_and_reports_each(run_module):
    from ansible_collections.azure_dr.recovery.plugins.modules import instance_failover_group_failover_batch as batch
    other = BASE + '/other'
    responses.get(GROUP + QUERY, json=secondary())
    partner_answers()
    responses.post(GROUP + '/failover' + QUERY, status=202, headers={'Location': LOCATION})
    responses.get(LOCATION, status=200, json=PRIMARY)
    responses.get(GROUP + QUERY, json=PRIMARY)
    responses.get(other + QUERY, status=404, json={'error': {'code': 'ResourceNotFound', 'message': 'no'}})
    args = {key: value for key, value in ARGS.items() if key not in ('resource_group', 'location', 'name')}
    groups = [{'resource_group': 'Default', 'location': 'JapanWest', 'name': 'failover-group-test-3'},
              {'resource_group': 'Default', 'location': 'JapanWest', 'name': 'other'}]
    result, _out = run_module(batch.main, dict(args, groups=groups))
    assert result['failed'] is True and result['changed'] is True
    assert result['msg'].startswith("1 failover group(s) failed: other: Instance failover group 'other' in resource group")
    first, second = result['results']
    assert first['item'] == dict(groups[0], subscription_id=None, failover_mode=None, primary_location=None,
                                 primary_resource_group=None, primary_subscription_id=None) and first['changed'] is True and first['failover_group'] == PRIMARY
    assert second['failed'] is True and second['changed'] is False
    assert len([call for call in responses.calls if call.request.method == 'POST']) == 1


@responses.activate
def test_batch_check_mode_and_bad_input(run_module):
    from ansible_collections.azure_dr.recovery.plugins.modules import instance_failover_group_failover_batch as batch
    responses.get(GROUP + QUERY, json=secondary())
    partner_answers()
    args = {key: value for key, value in ARGS.items() if key not in ('resource_group', 'location', 'name')}
    group = {'resource_group': 'Default', 'location': 'JapanWest', 'name': 'failover-group-test-3'}
    result, _out = run_module(batch.main, dict(args, groups=[group], _ansible_check_mode=True))
    assert result['changed'] is True and result['results'][0]['changed'] is True and len(responses.calls) == 2
    result, _out = run_module(batch.main, dict(args, groups=[dict(group, location='bad/location')]))
    assert result['failed'] is True and 'groups[0].location must be an Azure region' in result['msg']
    assert len(responses.calls) == 2


@responses.activate
def test_batch_keeps_a_progress_file_for_the_wait(run_module, tmp_path):
    from ansible_collections.azure_dr.recovery.plugins.modules import instance_failover_group_failover_batch as batch
    responses.get(GROUP + QUERY, json=secondary())
    partner_answers()
    responses.post(GROUP + '/failover' + QUERY, status=202, headers={'Location': LOCATION})
    responses.get(LOCATION, status=200, json=PRIMARY)
    responses.get(GROUP + QUERY, json=PRIMARY)
    args = {key: value for key, value in ARGS.items() if key not in ('resource_group', 'location', 'name')}
    group = {'resource_group': 'Default', 'location': 'JapanWest', 'name': 'failover-group-test-3'}
    path = tmp_path / 'jobs' / 'run.progress'
    result, _out = run_module(batch.main, dict(args, groups=[group], progress_file=str(path)))
    assert result['changed'] is True
    progress = json.loads(path.read_text())
    assert progress['finished'] is True and progress['sequence'] >= 4 and progress['pid'] > 0
    item = progress['items'][0]
    assert (item['name'], item['where'], item['stage']) == ('failover-group-test-3', 'JapanWest', 'done')
    assert item['outcome']['failover_kind'] == 'planned' and item['outcome']['changed'] is True


def test_batch_fails_before_any_request_when_its_progress_file_cannot_be_written(run_module, tmp_path):
    from ansible_collections.azure_dr.recovery.plugins.modules import instance_failover_group_failover_batch as batch
    blocker = tmp_path / 'a-file'
    blocker.write_text('')
    args = {key: value for key, value in ARGS.items() if key not in ('resource_group', 'location', 'name')}
    group = {'resource_group': 'Default', 'location': 'JapanWest', 'name': 'failover-group-test-3'}
    result, _out = run_module(batch.main, dict(args, groups=[group], progress_file=str(blocker / 'run.progress')))
    assert result['failed'] is True and 'progress_file' in result['msg']


@responses.activate
def test_batch_says_a_shared_cause_once(run_module):
    from ansible_collections.azure_dr.recovery.plugins.modules import instance_failover_group_failover_batch as batch
    denied = {'error': {'code': 'AuthorizationFailed', 'message': 'The client does not have authorization ' * 8}}
    responses.get(GROUP + QUERY, status=403, json=denied)
    responses.get(BASE + '/other' + QUERY, status=403, json=denied)
    args = {key: value for key, value in ARGS.items() if key not in ('resource_group', 'location', 'name')}
    groups = [{'resource_group': 'Default', 'location': 'JapanWest', 'name': 'failover-group-test-3'},
              {'resource_group': 'Default', 'location': 'JapanWest', 'name': 'other'}]
    result, _out = run_module(batch.main, dict(args, groups=groups))
    assert result['msg'].startswith('2 failover group(s) failed: failover-group-test-3, other: HTTP 403 AuthorizationFailed')
    assert result['msg'].count('AuthorizationFailed') == 1 and result['msg'].count('for example SQL Managed Instance') == 1


@responses.activate
def test_batch_items_in_other_subscriptions_share_one_token(run_module):
    from ansible_collections.azure_dr.recovery.plugins.modules import instance_failover_group_failover_batch as batch
    other_sub = '66666666-7777-4888-9999-000000000000'
    responses.get(GROUP + QUERY, json=PRIMARY)
    responses.get(GROUP.replace(SUB, other_sub) + QUERY, json=PRIMARY)
    args = {key: value for key, value in ARGS.items() if key not in ('resource_group', 'location', 'name', 'subscription_id')}
    groups = [{'resource_group': 'Default', 'location': 'JapanWest', 'name': 'failover-group-test-3', 'subscription_id': SUB},
              {'resource_group': 'Default', 'location': 'JapanWest', 'name': 'failover-group-test-3',
               'subscription_id': other_sub}]
    result, _out = run_module(batch.main, dict(args, groups=groups))  # no module-level subscription_id needed
    assert 'failed' not in result and [r['changed'] for r in result['results']] == [False, False]
    assert sorted(call.request.url.split('/')[4] for call in responses.calls) == sorted([SUB, other_sub])
    result, _out = run_module(batch.main, dict(args, groups=[dict(groups[0], subscription_id='nope'), groups[1]]))
    assert result['failed'] is True and 'groups[0].subscription_id must be a UUID' in result['msg']


@responses.activate
def test_a_batch_asks_once_for_the_token_of_a_scope_when_its_threads_start_together(run_module, monkeypatch):
    """bench figure 5 saw two token requests (and two OpenID configuration reads) from one batch of two groups:
    each thread found the run's HTTP client not built yet and built its own (client, token provider, msal
    application).  What let them meet is the first build's time (the import of requests, about 50 ms); it is
    made longer here so that both threads ask within it."""
    from ansible_collections.azure_dr.recovery.plugins.module_utils import _http
    from ansible_collections.azure_dr.recovery.plugins.modules import instance_failover_group_failover_batch as batch

    class SlowToBuild(_http.Session):
        def __init__(self, *args, **kwargs):
            threading.Event().wait(0.3)  # time.sleep is patched out in this file
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(_http, 'Session', SlowToBuild)
    authority, tenant = 'https://login.example.test', '72f988bf-86f1-41af-91ab-2d7cd011db47'
    base = '%s/%s' % (authority, tenant)
    openid = responses.get(base + '/v2.0/.well-known/openid-configuration', json={
        'token_endpoint': base + '/oauth2/v2.0/token', 'authorization_endpoint': base + '/oauth2/v2.0/authorize',
        'issuer': base + '/v2.0'})
    token = responses.post(base + '/oauth2/v2.0/token',
                           json={'token_type': 'Bearer', 'expires_in': 3599, 'access_token': 'the-arm-token'})
    other = BASE + '/other'
    responses.get(GROUP + QUERY, json=PRIMARY)
    responses.get(other + QUERY, json=dict(PRIMARY, name='other'))
    args = {key: value for key, value in ARGS.items() if key not in ('resource_group', 'location', 'name', 'access_token')}
    args.update(authority_host=authority, tenant=tenant, client_id='11111111-2222-3333-4444-555555555555',
                secret='a-client-secret')
    groups = [{'resource_group': 'Default', 'location': 'JapanWest', 'name': name} for name in ('failover-group-test-3', 'other')]
    result, _out = run_module(batch.main, dict(args, groups=groups))
    assert 'failed' not in result, result.get('msg')
    reads = [call for call in responses.calls if 'instanceFailoverGroups' in call.request.url]
    assert len(reads) == 2 and all(call.request.headers['Authorization'] == 'Bearer the-arm-token' for call in reads)
    assert (token.call_count, openid.call_count) == (1, 1)


DOWN = {'status': 503, 'json': {'error': {'code': 'ServiceUnavailable', 'message': 'region unavailable'}},
        'headers': {'Retry-After': '60'}}  # longer than primary_read_timeout: given up at once


@responses.activate
def test_planned_failover_is_refused_before_any_write_when_the_primary_side_does_not_answer(run_module):
    responses.get(GROUP + QUERY, json=secondary())
    responses.get(PARTNER + QUERY, **DOWN)
    result, _out = run_module(failover_module.main, dict(ARGS, primary_read_timeout=5))
    assert result['failed'] is True and result['msg'].startswith('Refused before any change: the primary side')
    assert 'failover_mode: forced' in result['msg'] and 'planned_then_forced' in result['msg']
    assert result['sides']['primary']['answered'] is False and result['failover_kind'] == 'none'
    assert [call.request.method for call in responses.calls] == ['GET', 'GET']


@responses.activate
def test_planned_then_forced_forces_at_once_when_the_primary_side_does_not_answer(run_module):
    responses.get(GROUP + QUERY, json=secondary())
    responses.get(PARTNER + QUERY, **DOWN)
    responses.post(GROUP + '/forceFailoverAllowDataLoss' + QUERY, status=200, json=PRIMARY)
    responses.get(GROUP + QUERY, json=PRIMARY)
    result, _out = run_module(failover_module.main, dict(ARGS, failover_mode='planned_then_forced', primary_read_timeout=5))
    assert 'failed' not in result and result['failover_kind'] == 'forced'
    assert result['escalation_reason'].startswith('the primary side did not answer')
    assert methods()[:3] == [('GET', 'failover-group-test-3'), ('GET', 'failover-group-test-3'),
                             ('POST', 'forceFailoverAllowDataLoss')]
    assert 'transactions not yet replicated' in json.dumps(result['warnings'])


@responses.activate
def test_planned_then_forced_forces_when_the_planned_failover_fails(run_module):
    responses.get(GROUP + QUERY, json=secondary())
    partner_answers()
    responses.post(GROUP + '/failover' + QUERY, status=202, headers={'Location': LOCATION, 'x-ms-request-id': 'planned'})
    responses.get(LOCATION, status=400, json={'error': {'code': 'PlannedFailoverTimedOut', 'message': 'timed out'}})
    responses.post(GROUP + '/forceFailoverAllowDataLoss' + QUERY, status=200, json=PRIMARY,
                   headers={'x-ms-request-id': 'forced'})
    responses.get(GROUP + QUERY, json=PRIMARY)
    result, _out = run_module(failover_module.main, dict(ARGS, failover_mode='planned_then_forced'))
    assert 'failed' not in result, result.get('msg')
    assert result['failover_kind'] == 'forced' and 'PlannedFailoverTimedOut' in result['escalation_reason']
    assert result['request_ids']['request_id'] == 'forced'
    assert [m for m in methods() if m[0] == 'POST'] == [('POST', 'failover'), ('POST', 'forceFailoverAllowDataLoss')]


@responses.activate
def test_planned_then_forced_sends_nothing_forced_when_the_planned_failover_succeeds(run_module):
    responses.get(GROUP + QUERY, json=secondary())
    partner_answers()
    responses.post(GROUP + '/failover' + QUERY, status=202, headers={'Location': LOCATION})
    responses.get(LOCATION, status=200, json=PRIMARY)
    responses.get(GROUP + QUERY, json=PRIMARY)
    result, _out = run_module(failover_module.main, dict(ARGS, failover_mode='planned_then_forced'))
    assert result['failover_kind'] == 'planned' and result['escalation_reason'] is None
    assert [m for m in methods() if m[0] == 'POST'] == [('POST', 'failover')]


@responses.activate
def test_a_seeding_group_is_never_failed_over(run_module):
    seeding = secondary()
    seeding['properties']['replicationState'] = 'SEEDING'
    responses.get(GROUP + QUERY, json=seeding)
    for mode in ('planned', 'forced', 'planned_then_forced'):
        result, _out = run_module(failover_module.main, dict(ARGS, failover_mode=mode))
        assert result['failed'] is True and 'still SEEDING' in result['msg'], mode
    assert {call.request.method for call in responses.calls} == {'GET'}


@pytest.mark.parametrize('bad,expected', [
    ({'allow_data_loss': True, 'failover_mode': 'planned_then_forced'},
     'allow_data_loss: true means failover_mode: forced; it contradicts failover_mode: planned_then_forced'),
    ({'failover_mode': 'planned_then_forced', 'wait': False}, 'planned_then_forced needs wait: true'),
    ({'forced_after': 0}, 'forced_after must be a positive number'),
    ({'primary_read_timeout': -1}, 'primary_read_timeout must be a positive number'),
    ({'primary_subscription_id': 'x'}, 'primary_subscription_id must be a UUID'),
    ({'primary_resource_group': 'a/b'}, 'primary_resource_group must be 1 to 90'),
])
@responses.activate
def test_bad_failover_options_fail_before_any_request(run_module, bad, expected):
    result, _out = run_module(failover_module.main, dict(ARGS, **bad))
    assert result['failed'] is True and expected in result['msg']
    assert len(responses.calls) == 0


@responses.activate
def test_batch_finds_a_side_left_out_through_the_other_sides_pairs_and_waits_on_a_dead_region_once(run_module):
    from ansible_collections.azure_dr.recovery.plugins.modules import instance_failover_group_failover_batch as batch
    args = {key: value for key, value in ARGS.items() if key not in ('resource_group', 'location', 'name')}
    # The DR side's resource group is left out: the primary side (Japan East, rg Default) names it.
    responses.get(PARTNER + QUERY, json=partner_primary())
    responses.get(GROUP + QUERY, json=secondary())
    item = {'location': 'JapanWest', 'name': 'failover-group-test-3', 'primary_location': 'Japan East',
            'primary_resource_group': 'Default'}
    result, _out = run_module(batch.main, dict(args, groups=[item], _ansible_check_mode=True))
    outcome = result['results'][0]
    assert 'failed' not in result and outcome['changed'] is True
    assert outcome['sides']['target']['derived'] is True and outcome['sides']['target']['resource_group'] == 'Default'
    assert 'from managedInstancePairs' in outcome['derived'][0]
    responses.reset()
    # Two groups whose primary region is down: the region is waited on once.
    other = BASE + '/other'
    other_partner = PARTNER.replace('failover-group-test-3', 'other')
    responses.get(GROUP + QUERY, json=secondary())
    responses.get(other + QUERY, json=dict(secondary(), name='other'))
    responses.get(PARTNER + QUERY, **DOWN)
    responses.get(other_partner + QUERY, **DOWN)
    groups = [{'resource_group': 'Default', 'location': 'JapanWest', 'name': name} for name in ('failover-group-test-3', 'other')]
    result, _out = run_module(batch.main, dict(args, groups=groups, max_concurrency=1, primary_read_timeout=5,
                                               failover_mode='planned_then_forced', _ansible_check_mode=True))
    assert [r['failover_kind'] for r in result['results']] == ['forced', 'forced']
    assert len([call for call in responses.calls if 'Japan%20East' in call.request.url]) == 1


@responses.activate
def test_a_side_left_out_behind_a_dead_primary_region_is_given_up_within_primary_read_timeout(run_module):
    from ansible_collections.azure_dr.recovery.plugins.modules import instance_failover_group_failover_batch as batch
    args = {key: value for key, value in ARGS.items() if key not in ('resource_group', 'location', 'name')}
    responses.get(PARTNER + QUERY, **DOWN)
    item = {'location': 'JapanWest', 'name': 'failover-group-test-3', 'primary_location': 'Japan East',
            'primary_resource_group': 'Default'}
    result, _out = run_module(batch.main, dict(args, groups=[item], failover_mode='planned_then_forced', primary_read_timeout=5))
    message = result['results'][0]['msg']
    assert result['failed'] is True and 'give the resource_group' in message and 'Japan East did not answer' in message, message
    assert len(responses.calls) == 1  # one read of the dead region, not its whole retry budget


@responses.activate
def test_info_reads_the_partner_side_where_the_pairs_say(run_module):
    responses.get(GROUP + QUERY, json=secondary())
    responses.get(PARTNER + QUERY, json=partner_primary())
    result, _out = run_module(info_module.main, dict(ARGS, include_partner=True))
    partner = result['partners'][0]
    assert partner['answered'] is True and partner['failover_group'] == partner_primary()
    assert (partner['location'], partner['resource_group'], partner['subscription_id']) == ('Japan East', 'Default', SUB)
    responses.reset()
    responses.get(GROUP + QUERY, json=secondary())
    responses.get(PARTNER + QUERY, **DOWN)
    result, _out = run_module(info_module.main, dict(ARGS, include_partner=True))
    assert 'failed' not in result and result['partners'][0]['answered'] is False
