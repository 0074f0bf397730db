# -*- coding: utf-8 -*-
# Copyright: contributors to the azure_dr.recovery collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The doc fragment and the argument spec describe the same options, and every environment
variable of the spec is named in the option's documentation."""

from __future__ import annotations

import pytest
import yaml

from ansible_collections.azure_dr.recovery.plugins.doc_fragments.auth import ModuleDocFragment
from ansible_collections.azure_dr.recovery.plugins.module_utils._auth import auth_argument_spec


def documented(*fragments):
    options = {}
    for fragment in fragments:
        options.update(yaml.safe_load(fragment)['options'])
    return options


@pytest.mark.parametrize('api,fragment', [('arm', ModuleDocFragment.ARM), ('fabric', ModuleDocFragment.FABRIC)])
def test_fragment_matches_the_argument_spec(api, fragment):
    spec = auth_argument_spec(api)
    docs = documented(ModuleDocFragment.DOCUMENTATION, fragment)
    assert sorted(docs) == sorted(spec)
    for name, option in spec.items():
        doc = docs[name]
        assert doc['type'] == option['type'], name
        assert doc.get('default') == option.get('default'), name
        assert doc.get('choices') == option.get('choices'), name
        description = ' '.join(doc['description'])
        for variable in filter(None, option.get('fallback', (None, []))[1]):
            assert 'E(%s)' % variable in description, (name, variable)
