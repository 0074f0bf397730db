# -*- coding: utf-8 -*-
# Copyright: contributors to the azure_dr.recovery collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The documentation the modules share.

Each module's options, as its own documentation and the option fragments it extends describe them, are
those of its argument spec (built from the specs that module_utils share between the modules): names,
types, defaults, choices, required, and the same for every suboption.  validate-modules checks this too,
in sanity; here a change to a shared fragment or spec fails at once, naming the option.

A doc fragment adds options at the top level only, and ansible-test wants its text literal, so an
option that is a batch module's suboption and the single module's option is documented by the single
module, and the batch module's suboption refers to it."""

from __future__ import annotations

import importlib
import os

import pytest
import yaml

from ansible_collections.azure_dr.recovery.plugins.doc_fragments.attributes import ModuleDocFragment as Attributes
from ansible_collections.azure_dr.recovery.plugins.modules import (
    fabric_workspace_info,
    fabric_workspace_restore,
    fabric_workspace_restore_batch,
    instance_failover_group_failover,
    instance_failover_group_failover_batch,
)

FRAGMENTS = 'ansible_collections.azure_dr.recovery.plugins.doc_fragments.'
RUNTIME = os.path.join(os.path.dirname(__file__), '..', '..', '..', '..', 'meta', 'runtime.yml')


class _SpecTaken(Exception):
    pass


def documented_options(module):
    """The module's options and those of the fragments it extends, but the shared authentication
    options (test_auth.py checks those against _auth.py)."""
    doc = yaml.safe_load(module.DOCUMENTATION)
    options = dict(doc.get('options') or {})
    for name in doc['extends_documentation_fragment']:
        fragment, dummy, part = name[len('azure_dr.recovery.'):].partition('.')
        if fragment == 'auth':
            continue
        text = getattr(importlib.import_module(FRAGMENTS + fragment).ModuleDocFragment, (part or 'documentation').upper())
        options.update(yaml.safe_load(text).get('options') or {})
    return options


def argument_spec(module, monkeypatch):
    """The argument spec the module's ``main()`` gives its ``AzureDRModule``."""
    taken = {}

    def take(argument_spec, api, **kwargs):
        taken.update(argument_spec)
        raise _SpecTaken()

    monkeypatch.setattr(module, 'AzureDRModule', take)
    with pytest.raises(_SpecTaken):
        module.main()
    return taken


def assert_same(docs, spec, where=''):
    assert sorted(docs) == sorted(spec), where or 'options'
    for name, option in spec.items():
        doc, path = docs[name], where + name
        assert doc.get('type', 'str') == option.get('type', 'str'), path
        assert doc.get('elements') == option.get('elements'), path
        assert doc.get('default') == option.get('default'), path
        assert doc.get('choices') == option.get('choices'), path
        assert bool(doc.get('required')) == bool(option.get('required')), path
        if option.get('options') or doc.get('suboptions'):
            assert_same(doc.get('suboptions') or {}, option.get('options') or {}, path + '.')


@pytest.mark.parametrize('module', [
    fabric_workspace_info,
    fabric_workspace_restore,
    fabric_workspace_restore_batch,
    instance_failover_group_failover,
    instance_failover_group_failover_batch,
], ids=lambda module: module.__name__.rsplit('.', 1)[-1])
def test_documented_options_are_the_argument_spec(module, monkeypatch):
    assert_same(documented_options(module), argument_spec(module, monkeypatch))


@pytest.mark.parametrize('single,batch,items,names', [
    (fabric_workspace_restore, fabric_workspace_restore_batch, 'workspaces', ['new_name', 'admin_principal']),
    (instance_failover_group_failover, instance_failover_group_failover_batch, 'groups',
     ['location', 'name', 'primary_resource_group', 'primary_subscription_id']),
], ids=['fabric_workspace_restore', 'instance_failover_group_failover'])
def test_each_item_option_of_a_batch_is_documented_once_by_the_single_module(single, batch, items, names):
    options = yaml.safe_load(single.DOCUMENTATION)['options']
    suboptions = yaml.safe_load(batch.DOCUMENTATION)['options'][items]['suboptions']
    fqcn = 'azure_dr.recovery.' + single.__name__.rsplit('.', 1)[-1]
    for name in names:
        assert suboptions[name]['description'] == 'As O(%s#module:%s).' % (fqcn, name), name
        assert suboptions[name]['type'] == options[name]['type'], name


def test_the_action_group_documented_is_the_one_of_meta_runtime():
    with open(RUNTIME) as runtime:
        groups = ['azure_dr.recovery.' + name for name in yaml.safe_load(runtime)['action_groups']]
    for fragment in (Attributes.DOCUMENTATION, Attributes.ACTION):
        assert yaml.safe_load(fragment)['attributes']['action_group']['membership'] == groups
