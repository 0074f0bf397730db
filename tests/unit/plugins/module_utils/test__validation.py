# -*- coding: utf-8 -*-
# Copyright: contributors to the azure_dr.recovery collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import pytest

from ansible_collections.azure_dr.recovery.plugins.module_utils import _validation
from ansible_collections.azure_dr.recovery.plugins.module_utils._errors import InputError
from ansible_collections.azure_dr.recovery.plugins.module_utils._validation import (
    Validator,
    converted_text_problems,
    endpoint_problem,
    name_problem,
    resource_group_problem,
    tenant_problem,
    uuid_problem,
)


@pytest.mark.parametrize('value', ['00000000-1111-2222-3333-444444444444', 'ABCDEF01-2345-6789-abcd-ef0123456789', None])
def test_good_uuids(value):
    assert uuid_problem(value, 'subscription_id') is None


@pytest.mark.parametrize('value', ['', 'not-a-uuid', '00000000-1111-2222-3333-44444444444', '{00000000-1111-2222-3333-444444444444}',
                                   '00000000111122223333444444444444', 42, '00000000-1111-2222-3333-444444444444\n'])
def test_bad_uuids_name_the_option(value):
    problem = uuid_problem(value, 'subscription_id')
    assert problem.startswith('subscription_id must be a UUID')


@pytest.mark.parametrize('value', ['rg', 'Default', 'my_rg-1.(prod)', 'ré-groupe', 'a' * 90])
def test_good_resource_groups(value):
    assert resource_group_problem(value) is None


@pytest.mark.parametrize('value', ['', 'a' * 91, 'ends.with.period.', 'has space', 'slash/no', 'semi;colon', 'rg\n'])
def test_bad_resource_groups(value):
    assert resource_group_problem(value).startswith('resource_group must be 1 to 90')


@pytest.mark.parametrize('value,expected', [('', 'must not be empty'), ('   ', 'must not be empty'),
                                            ('x' * 257, 'at most 256'), ('a\nb', 'control characters')])
def test_bad_names(value, expected):
    assert expected in name_problem(value, 'name')
    assert name_problem('fg-prod', 'name') is None


@pytest.mark.parametrize('value', ['72f988bf-86f1-41af-91ab-2d7cd011db47', 'contoso.onmicrosoft.com', 'organizations', None])
def test_good_tenants(value):
    assert tenant_problem(value) is None


@pytest.mark.parametrize('value', ['72f988bf-86f1-41af', 'contoso', 'bad domain.com', '72f988bf-86f1-41af-91ab-2d7cd011db47\n'])
def test_bad_tenants(value):
    assert tenant_problem(value).startswith('tenant must be a tenant id')


@pytest.mark.parametrize('value', ['https://management.azure.com', 'https://127.0.0.1:8443/', '127.0.0.1:8443',
                                   'http://127.0.0.1:8080', 'http://localhost:8080', 'http://[::1]:8080', None])
def test_good_endpoints(value):
    assert endpoint_problem(value, 'arm_endpoint') is None


@pytest.mark.parametrize('value,expected', [
    ('http://management.example.com', 'never sent in clear text'),
    ('http://10.0.0.5:8080', 'never sent in clear text'),
    ('ftp://host', 'must be an https URL'),
    ('https://', 'must be a URL'),
    ('https://host:notaport', 'must be a URL'),
    ('https://user:pw@host', 'without credentials'),
    ('https://host/?x=1', 'without credentials, query'),
])
def test_bad_endpoints(value, expected):
    assert expected in endpoint_problem(value, 'arm_endpoint')
    assert endpoint_problem(value, 'arm_endpoint').startswith('arm_endpoint must')


def test_validator_reports_every_problem_at_once():
    validator = Validator().add(None).add('a must be x').add('b must be y')
    with pytest.raises(InputError) as caught:
        validator.check()
    assert caught.value.problems == ['a must be x', 'b must be y']
    Validator().add(None).check()  # nothing to report: no exception


# --- text options given a mapping or a list: Ansible turns them into their Python text ---

SPEC = {'name': {'type': 'str'}, 'path': {'type': 'path'}, 'count': {'type': 'int'},
        'principal': {'type': 'dict', 'options': {'id': {'type': 'str'}}},
        'groups': {'type': 'list', 'elements': 'dict', 'options': {'name': {'type': 'str'}}}}


def test_text_options_given_mappings_or_lists_are_named_all_at_once():
    converted = {'name': "{'a': 1}", 'path': "['x']", 'count': 3, 'principal': {'id': " {'b': [2]} "},
                 'groups': [{'name': 'ok'}, {'name': "{'b': 2}"}]}
    assert converted_text_problems(SPEC, converted) == [
        'name must be a string, got a mapping', 'path must be a string, got a list',
        'principal.id must be a string, got a mapping', 'groups[1].name must be a string, got a mapping']


def test_text_that_only_looks_like_a_container_is_fine():
    assert converted_text_problems(SPEC, {'name': '{Finance} [EU]', 'path': '[draft]', 'principal': None,
                                          'groups': [{'name': '{x}'}, 'not-a-dict']}) == []


def test_positive_and_repeated_problems():
    assert _validation.positive_problem(0, 'wait_timeout') == 'wait_timeout must be a positive number of seconds, got 0'
    assert _validation.positive_problem(-3, 'max_concurrency', 'a positive number') == \
        'max_concurrency must be a positive number, got -3'
    assert _validation.positive_problem(1, 'wait_timeout') is None
    items = [{'id': 'A'}, {'id': 'b'}, {'id': 'a'}, {'id': 'B'}, {'id': 'a'}]
    assert _validation.repeated_problems(items, 'workspaces', lambda item: item['id'].lower(),
                                         lambda item: 'workspace %s' % item['id']) == [
        'workspaces[2]: workspace a is already listed at workspaces[0]',
        'workspaces[3]: workspace B is already listed at workspaces[1]',
        'workspaces[4]: workspace a is already listed at workspaces[0]']
