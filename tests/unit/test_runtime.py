# -*- coding: utf-8 -*-
# Copyright: contributors to the azure_dr.recovery collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""meta/runtime.yml: every module is in the action group, so that
``module_defaults: group/azure_dr.recovery.recovery`` (how the roles apply their ``*_auth`` variables)
reaches each of them."""

from __future__ import annotations

import os

import yaml

ROOT = os.path.join(os.path.dirname(__file__), '..', '..')


def test_every_module_is_in_the_action_group():
    with open(os.path.join(ROOT, 'meta', 'runtime.yml')) as handle:
        group = yaml.safe_load(handle)['action_groups']['recovery']
    modules = sorted(name[:-3] for name in os.listdir(os.path.join(ROOT, 'plugins', 'modules'))
                     if name.endswith('.py') and not name.startswith('_'))
    assert len(modules) >= 6
    assert sorted(group) == modules
