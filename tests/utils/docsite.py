# -*- coding: utf-8 -*-
# Copyright: contributors to the azure_dr.recovery collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Helpers of `make docs` and `make docs-lint` (antsibull-docs).

``rst COLLECTION_ROOT``
    The guides are Markdown (``docs/*.md``, which README.md links to and Galaxy shows), and antsibull-docs
    takes only reStructuredText as extra docs (``docs/docsite/rst/*.rst``).  This writes one RST file per
    guide into the given copy of the collection (the git-ignored ``.build`` one), so that the Markdown stays
    the only source: a label ``ansible_collections.azure_dr.recovery.docsite.<guide>`` for each guide and
    ``...docsite.<guide>.<anchor>`` for each of its headings (GitHub's anchors), links between guides as
    ``:ref:``, tables as ``list-table``.  It fails when ``docs/docsite/extra-docs.yml`` does not list exactly
    the guides, when a link names a guide or an anchor that does not exist, and when ``docs/docsite/links.yml``
    has a URL that galaxy.yml does not name.

``inventories DOCS_DIR``
    Fallback intersphinx inventories for the ``conf.py`` that ``antsibull-docs sphinx-init`` writes, which
    reads ``../<name>.inv`` when an inventory cannot be fetched (offline builds: this machine reaches only
    package registries).  ``ansible_devel.inv`` holds the labels of Ansible's docs that antsibull-docs'
    pages refer to and the page of every ansible.builtin plugin of the installed ansible-core, at the URLs
    of docs.ansible.com; the others are empty.  With network, Sphinx uses the real inventories.
"""

import os
import re
import sys
import unicodedata
import zlib

import yaml
from markdown_it import MarkdownIt
from markdown_it.tree import SyntaxTreeNode

COLLECTION = 'azure_dr.recovery'
LABEL_PREFIX = 'ansible_collections.%s.docsite.' % COLLECTION
HEADING_CHARS = {1: '=', 2: '-', 3: '^', 4: '~', 5: '"', 6: "'"}


class ConversionError(Exception):
    pass


def github_anchor(text, seen):
    """The anchor GitHub gives a heading: lower case, punctuation dropped, spaces as hyphens, -N when repeated."""
    slug = re.sub(r'[^\w\- ]', '', text.strip().lower()).replace(' ', '-')
    anchor = slug
    count = 0
    while anchor in seen:
        count += 1
        anchor = '%s-%d' % (slug, count)
    seen.add(anchor)
    return anchor


def plain_text(node):
    """The text of an inline node, without markup (for anchors and where RST cannot nest markup)."""
    if node.type in ('text', 'code_inline', 'html_inline'):
        return node.content
    if node.type in ('softbreak', 'hardbreak'):
        return ' '
    return ''.join(plain_text(child) for child in node.children)


def escape(text):
    return re.sub(r'([\\`*_|])', r'\\\1', text)


def _can_precede_markup(char):
    # docutils: inline markup starts at a line's start, after whitespace or after opening punctuation.
    return char is None or char.isspace() or char in '-:/\'"<([{' or unicodedata.category(char) in ('Pd', 'Ps', 'Pi', 'Pf', 'Po')


def _can_follow_markup(char):
    return char is None or char.isspace() or char in '-.,:;!?\\/\'")]}>' or unicodedata.category(char) in ('Pd', 'Pe', 'Pi', 'Pf', 'Po')


class Converter:
    """One guide, from markdown-it's syntax tree to RST."""

    def __init__(self, stem, anchors, repo_root_rel='..'):
        self.stem = stem
        self.anchors = anchors  # {stem: {anchor: label}} of every guide
        self.repo_root_rel = repo_root_rel

    # Inline -----------------------------------------------------------------------------------------------

    def inline(self, node):
        """RST of an inline container; pieces of markup are kept apart from words by escaped spaces."""
        pieces = []  # (is_markup, text)
        self._inline_pieces(node.children, pieces)
        out = ''
        for index, (is_markup, text) in enumerate(pieces):
            if is_markup:
                if not _can_precede_markup(out[-1] if out else None):
                    out += '\\ '
                out += text
                following = next((t for _m, t in pieces[index + 1:] if t), '')
                if not _can_follow_markup(following[0] if following else None):
                    out += '\\ '
            else:
                out += text
        return out.strip()

    def _inline_pieces(self, children, pieces):
        index = 0
        while index < len(children):
            child = children[index]
            kind = child.type
            if kind == 'text':
                pieces.append((False, escape(child.content)))
            elif kind in ('softbreak', 'hardbreak'):
                pieces.append((False, ' '))
            elif kind == 'code_inline':
                pieces.append((True, self.literal(child.content)))
            elif kind == 'html_inline':
                pieces.append((False, escape(child.content)))
            elif kind in ('strong', 'em'):
                inner = child.children
                if len(inner) == 1 and inner[0].type == 'code_inline':
                    # RST cannot nest markup: **`x`** becomes ``x``.
                    pieces.append((True, self.literal(inner[0].content)))
                else:
                    mark = '**' if kind == 'strong' else '*'
                    pieces.append((True, mark + escape(plain_text(child).strip()) + mark))
            elif kind == 'link':
                pieces.extend(self.link(child))
            elif kind == 'image':
                raise ConversionError('%s.md: images are not supported (%s)' % (self.stem, child.attrs.get('src')))
            else:
                raise ConversionError('%s.md: unsupported inline element %s' % (self.stem, kind))
            index += 1

    def text_block(self, node):
        """A paragraph or a table cell, which must not start what RST would take for a list, a field, a directive..."""
        text = self.inline(node)
        if re.match(r'^(\(?([0-9]+|[a-zA-Z#]|[ivxlcdmIVXLCDM]+)[.)](\s|$)|[-*+\u2022\u2023\u2043](\s|$)|\.\.(\s|$)|:[^:\s`][^:`]*:(\s|$)|>>>|\|(\s|$))', text):
            text = '\\' + text
        if text.endswith('::'):  # would start a literal block
            text = text[:-1] + '\\:'
        return text

    @staticmethod
    def literal(content):
        content = content.strip()
        if '``' in content:
            return ':literal:`%s`' % content.replace('\\', '\\\\').replace('`', '\\`')
        return '``%s``' % content

    def link(self, node):
        href = node.attrs.get('href', '')
        text = plain_text(node).strip()
        ref_text = re.sub(r'([\\`<])', r'\\\1', text)
        if re.match(r'^[a-z][a-z0-9+.-]*:', href):
            return [(True, '`%s <%s>`__' % (ref_text, href))]
        path, _sep, anchor = href.partition('#')
        stem = self.stem if not path else (path[:-3] if path.endswith('.md') and '/' not in path else None)
        if stem is not None:
            if stem not in self.anchors:
                raise ConversionError('%s.md: link to %s, which is not a guide in docs/' % (self.stem, href))
            label = self.anchors[stem].get(anchor) if anchor else LABEL_PREFIX + stem
            if label is None:
                raise ConversionError('%s.md: link to %s: %s.md has no heading with the anchor #%s'
                                      % (self.stem, href, stem, anchor))
            if text in (href, path):  # [awx.md](awx.md): the guide's (or the heading's) own title
                return [(True, ':ref:`%s`' % label)]
            return [(True, ':ref:`%s <%s>`' % (ref_text, label))]
        # A file of the repository that is not a guide: its text, and its path in the repository.
        target = os.path.normpath(os.path.join('docs', path))
        pieces = [(False, escape(text))]
        if text != target:
            pieces += [(False, ' ('), (True, self.literal(target)), (False, ')')]
        return pieces

    # Blocks -----------------------------------------------------------------------------------------------

    def blocks(self, nodes):
        """RST lines of a sequence of block nodes, a blank line between two blocks."""
        lines = []
        for node in nodes:
            block = self.block(node)
            if block:
                if lines:
                    lines.append('')
                lines.extend(block)
        return lines

    def block(self, node):
        kind = node.type
        if kind == 'heading':
            return self.heading(node)
        if kind == 'paragraph':
            return [self.text_block(node.children[0])]
        if kind in ('fence', 'code_block'):
            language = (node.info or '').split()[0] if getattr(node, 'info', '') else ''
            lines = ['.. code-block:: %s' % (language or 'text'), '']
            lines += [('   ' + line) if line else '' for line in node.content.rstrip('\n').split('\n')]
            return lines
        if kind in ('bullet_list', 'ordered_list'):
            return self.list(node)
        if kind == 'table':
            return self.table(node)
        if kind == 'blockquote':
            return ['   ' + line if line else '' for line in self.blocks(node.children)]
        if kind == 'hr':
            return ['----------']
        if kind == 'html_block':
            return ['.. code-block:: html', ''] + ['   ' + line for line in node.content.rstrip('\n').split('\n')]
        raise ConversionError('%s.md: unsupported block element %s' % (self.stem, kind))

    def heading(self, node):
        level = int(node.tag[1:])
        title = self.inline(node.children[0])
        width = sum(2 if unicodedata.east_asian_width(char) in 'WF' else 1 for char in title)
        label = node.meta['label']
        lines = ['.. _%s:' % label, '']
        if level == 1:
            lines.append('=' * width)
        lines += [title, HEADING_CHARS[level] * width]
        return lines

    def list(self, node):
        lines = []
        number = int(node.attrs.get('start', 1)) if node.type == 'ordered_list' else None
        for item in node.children:
            marker = '- ' if number is None else '%d. ' % number
            body = self.blocks(item.children) or ['']
            if lines:
                lines.append('')
            lines.append(marker + body[0])
            lines += [(' ' * len(marker) + line) if line else '' for line in body[1:]]
            if number is not None:
                number += 1
        return lines

    def table(self, node):
        rows = []
        header_rows = 0
        for section in node.children:
            for row in section.children:
                rows.append([self.text_block(cell.children[0]) if cell.children else '' for cell in row.children])
                if section.type == 'thead':
                    header_rows += 1
        lines = ['.. list-table::', '   :header-rows: %d' % header_rows, '   :widths: auto', '']
        for row in rows:
            for column, cell in enumerate(row):
                lines.append(('   * - ' if column == 0 else '     - ') + cell if cell else ('   * -' if column == 0 else '     -'))
        return lines


def collect_anchors(stem, tree):
    """Give each heading its label, and return {anchor: label} (the title's label is the guide's)."""
    anchors = {}
    seen = set()
    first = True
    for node in tree.walk():
        if node.type != 'heading':
            continue
        anchor = github_anchor(plain_text(node), seen)
        if first:
            if node.tag != 'h1':
                raise ConversionError('%s.md: the first heading must be the title (# ...)' % stem)
            node.meta['label'] = LABEL_PREFIX + stem
            first = False
        else:
            node.meta['label'] = '%s%s.%s' % (LABEL_PREFIX, stem, anchor)
        anchors[anchor] = node.meta['label']
    if first:
        raise ConversionError('%s.md: no title (# ...)' % stem)
    return anchors


def load_yaml(path):
    with open(path, encoding='utf-8') as handle:
        return yaml.safe_load(handle)


def check_docsite_files(root, stems):
    problems = []
    index = load_yaml(os.path.join(root, 'docs', 'docsite', 'extra-docs.yml')) or {}
    listed = [entry['ref'] if isinstance(entry, dict) else entry
              for section in index.get('sections') or [] for entry in section.get('toctree') or []]
    for stem in stems:
        if stem not in listed:
            problems.append('docs/%s.md is not in docs/docsite/extra-docs.yml' % stem)
    rst_dir = os.path.join(root, 'docs', 'docsite', 'rst')
    written = [name[:-4] for name in os.listdir(rst_dir) if name.endswith('.rst')] if os.path.isdir(rst_dir) else []
    for ref in listed:
        if ref not in stems and ref not in written:
            problems.append('docs/docsite/extra-docs.yml lists %s, which is neither a guide (docs/%s.md) nor an RST '
                            'file of docs/docsite/rst' % (ref, ref))
    galaxy = load_yaml(os.path.join(root, 'galaxy.yml'))
    galaxy_urls = {galaxy.get(key) for key in ('repository', 'documentation', 'homepage', 'issues')} - {None}
    links_path = os.path.join(root, 'docs', 'docsite', 'links.yml')
    if os.path.exists(links_path):
        links = load_yaml(links_path) or {}
        urls = [links['issue_tracker']] if links.get('issue_tracker') else []
        urls += [link.get('url') for link in links.get('extra_links') or []]
        for url in urls:
            if url not in galaxy_urls:
                problems.append('docs/docsite/links.yml: %s is not one of the URLs of galaxy.yml (%s)'
                                % (url, ', '.join(sorted(galaxy_urls))))
    return problems


def write_rst(root):
    docs = os.path.join(root, 'docs')
    stems = sorted(name[:-3] for name in os.listdir(docs) if name.endswith('.md'))
    parser = MarkdownIt('commonmark').enable('table')
    trees = {}
    anchors = {}
    problems = check_docsite_files(root, stems)
    for stem in stems:
        with open(os.path.join(docs, stem + '.md'), encoding='utf-8') as handle:
            trees[stem] = SyntaxTreeNode(parser.parse(handle.read()))
        try:
            anchors[stem] = collect_anchors(stem, trees[stem])
        except ConversionError as error:
            problems.append(str(error))
    out_dir = os.path.join(docs, 'docsite', 'rst')
    os.makedirs(out_dir, exist_ok=True)
    for stem in anchors:
        try:
            lines = Converter(stem, anchors).blocks(trees[stem].children)
        except ConversionError as error:
            problems.append(str(error))
            continue
        header = ['.. Written from docs/%s.md by tests/utils/docsite.py (make docs, make docs-lint): edit the Markdown.'
                  % stem, '']
        with open(os.path.join(out_dir, stem + '.rst'), 'w', encoding='utf-8') as handle:
            handle.write('\n'.join(header + lines) + '\n')
    if problems:
        for problem in problems:
            print(problem, file=sys.stderr)
        return 1
    print('%s: %d guides written as RST (%s)' % (out_dir, len(stems), ', '.join(stems)))
    return 0


# Inventories --------------------------------------------------------------------------------------------

# The labels of Ansible's docs that antsibull-docs' pages refer to: (label, page#anchor, title).
ANSIBLE_DOCS_LABELS = [
    ('action_plugins', 'plugins/action.html#action-plugins', 'Action plugins'),
    ('common_return_values', 'reference_appendices/common_return_values.html#common-return-values', 'Return Values'),
    ('ansible_configuration_settings', 'reference_appendices/config.html#ansible-configuration-settings',
     'Ansible Configuration Settings'),
]


def builtin_plugins():
    """(name, type) of every plugin of ansible.builtin in the installed ansible-core."""
    import ansible  # pylint: disable=import-outside-toplevel
    base = os.path.dirname(ansible.__file__)
    found = []
    for name in os.listdir(os.path.join(base, 'modules')):
        if name.endswith('.py') and not name.startswith('_'):
            found.append((name[:-3], 'module'))
    plugins = os.path.join(base, 'plugins')
    for plugin_type in sorted(os.listdir(plugins)):
        folder = os.path.join(plugins, plugin_type)
        if not os.path.isdir(folder) or plugin_type.startswith('_'):
            continue
        for name in os.listdir(folder):
            stem, ext = os.path.splitext(name)
            if stem.startswith('_'):
                continue
            # Filters and tests are documented one per .yml file; every other plugin is its .py file.
            if (ext == '.yml') if plugin_type in ('filter', 'test') else (ext == '.py'):
                found.append((stem, plugin_type))
    return sorted(found)


def inventory(project, entries):
    header = '# Sphinx inventory version 2\n# Project: %s\n# Version: devel\n' \
             '# The remainder of this file is compressed using zlib.\n' % project
    body = ''.join('%s std:label -1 %s %s\n' % entry for entry in entries)
    return header.encode('utf-8') + zlib.compress(body.encode('utf-8'))


def write_inventories(docs_dir):
    entries = list(ANSIBLE_DOCS_LABELS)
    for name, plugin_type in builtin_plugins():
        label = 'ansible_collections.ansible.builtin.%s_%s' % (name, plugin_type)
        anchor = re.sub(r'[^a-z0-9]+', '-', label.lower())
        entries.append((label, 'collections/ansible/builtin/%s_%s.html#%s' % (name, plugin_type, anchor),
                        'ansible.builtin.%s %s' % (name, plugin_type)))
    files = {'ansible_devel.inv': inventory('Ansible', entries), 'python2.inv': inventory('Python', []),
             'python3.inv': inventory('Python', []), 'jinja2.inv': inventory('Jinja', [])}
    for name, data in files.items():
        with open(os.path.join(docs_dir, name), 'wb') as handle:
            handle.write(data)
    print('%s: fallback intersphinx inventories (%s; ansible_devel: %d labels)'
          % (docs_dir, ', '.join(sorted(files)), len(entries)))
    return 0


def main(argv):
    if len(argv) != 3 or argv[1] not in ('rst', 'inventories'):
        print('usage: docsite.py rst COLLECTION_ROOT | inventories DOCS_DIR', file=sys.stderr)
        return 2
    return write_rst(argv[2]) if argv[1] == 'rst' else write_inventories(argv[2])


if __name__ == '__main__':
    sys.exit(main(sys.argv))
