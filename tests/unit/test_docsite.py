# -*- coding: utf-8 -*-
# Copyright: contributors to the azure_dr.recovery collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""tests/utils/docsite.py: the guides docs/*.md as the RST extra docs of the docs site (make docs, make docs-lint)."""

from __future__ import annotations

import importlib.util
import os
import zlib

import pytest

pytest.importorskip('markdown_it')  # a development tool (requirements-dev.txt), absent from the compat runs' environments

PATH = os.path.join(os.path.dirname(__file__), '..', 'utils', 'docsite.py')
if not os.path.exists(PATH):
    pytest.skip('tests/utils is not in the collection tarball', allow_module_level=True)
SPEC = importlib.util.spec_from_file_location('docsite', PATH)
docsite = importlib.util.module_from_spec(SPEC)
SPEC.loader.exec_module(docsite)

PREFIX = 'ansible_collections.azure_dr.recovery.docsite.'


def make_collection(tmp_path, guides, toctree=None, links=None):
    (tmp_path / 'docs' / 'docsite').mkdir(parents=True)
    for stem, text in guides.items():
        (tmp_path / 'docs' / (stem + '.md')).write_text(text, encoding='utf-8')
    (tmp_path / 'galaxy.yml').write_text('namespace: azure_dr\nname: recovery\nissues: https://example.invalid/issues\n'
                                         'repository: https://example.invalid/repo\n', encoding='utf-8')
    refs = ''.join('      - %s\n' % stem for stem in (toctree if toctree is not None else guides))
    index = 'sections:\n  - title: Guides\n    toctree:\n' + refs
    (tmp_path / 'docs' / 'docsite' / 'extra-docs.yml').write_text(index, encoding='utf-8')
    if links is not None:
        (tmp_path / 'docs' / 'docsite' / 'links.yml').write_text(links, encoding='utf-8')
    return tmp_path


def rst(tmp_path, stem):
    return (tmp_path / 'docs' / 'docsite' / 'rst' / (stem + '.rst')).read_text(encoding='utf-8')


def test_a_guide_becomes_rst_with_labels_links_tables_and_code(tmp_path):
    root = make_collection(tmp_path, {
        'guide': '# The guide\n\nSee [other.md](other.md), [its part](other.md#a-part-1) and [below](#code-here).\n\n'
                 '2. **`auth_source`** picks `x`s, *really* dr_plan\n\n'
                 '| key | meaning |\n|---|---|\n| `a` | one |\n| b | |\n\n'
                 '## Code here\n\n```yaml\nkey: value\n\nother: 1\n```\n\n- one\n- two:\n\n  ```\n  text\n  ```\n',
        'other': '# Other\n\n## A part\n\n## A part\n\nSee [the ee](../extensions/ee/README.md).\n',
    })
    assert docsite.write_rst(str(root)) == 0
    guide = rst(tmp_path, 'guide')
    assert '.. _%sguide:\n\n=========\nThe guide\n=========\n' % PREFIX in guide
    assert ':ref:`%sother`' % PREFIX in guide  # link text that is the file name: the guide's own title
    assert ':ref:`its part <%sother.a-part-1>`' % PREFIX in guide  # GitHub's anchor of the second "A part"
    assert ':ref:`below <%sguide.code-here>`' % PREFIX in guide
    assert '2. ``auth_source`` picks ``x``\\ s, *really* dr\\_plan' in guide  # no nested markup; markup kept apart
    assert '   * - ``a``\n     - one\n   * - b\n     -\n' in guide
    assert '.. code-block:: yaml\n\n   key: value\n\n   other: 1\n' in guide
    assert '- two:\n\n  .. code-block:: text\n\n     text\n' in guide
    assert 'See the ee (``extensions/ee/README.md``).' in rst(tmp_path, 'other')


@pytest.mark.parametrize('guides, toctree, links, message', [
    ({'a': '# A\n', 'b': '# B\n'}, ['a'], None, 'docs/b.md is not in docs/docsite/extra-docs.yml'),
    ({'a': '# A\n'}, ['a', 'c'], None, 'lists c, which is neither a guide'),
    ({'a': '# A\n\n[x](b.md)\n'}, None, None, 'link to b.md, which is not a guide'),
    ({'a': '# A\n\n[x](#nowhere)\n'}, None, None, 'a.md has no heading with the anchor #nowhere'),
    ({'a': 'text\n'}, None, None, 'a.md: no title'),
    ({'a': '# A\n'}, None, 'issue_tracker: https://example.invalid/elsewhere\n', 'is not one of the URLs of galaxy.yml'),
])
def test_what_would_not_make_a_whole_site_fails(tmp_path, capsys, guides, toctree, links, message):
    root = make_collection(tmp_path, guides, toctree, links)
    assert docsite.write_rst(str(root)) == 1
    assert message in capsys.readouterr().err


def test_the_fallback_inventory_has_the_labels_the_pages_use(tmp_path):
    assert docsite.write_inventories(str(tmp_path)) == 0
    data = (tmp_path / 'ansible_devel.inv').read_bytes()
    header, _sep, body = data.partition(b'zlib.\n')
    assert header.startswith(b'# Sphinx inventory version 2\n')
    lines = zlib.decompress(body).decode('utf-8').splitlines()
    assert 'common_return_values std:label -1 reference_appendices/common_return_values.html#common-return-values ' \
           'Return Values' in lines
    assert ('ansible_collections.ansible.builtin.async_status_module std:label -1 collections/ansible/builtin/'
            'async_status_module.html#ansible-collections-ansible-builtin-async-status-module '
            'ansible.builtin.async_status module') in lines
    assert any(line.startswith('ansible_collections.ansible.builtin.to_json_filter ') for line in lines)
    assert (tmp_path / 'python3.inv').exists()
