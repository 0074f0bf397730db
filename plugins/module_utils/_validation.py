# -*- coding: utf-8 -*-
# Copyright: contributors to the azure_dr.recovery collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Input checks shared by the modules.  Each check returns a problem sentence that names the option
and says what it must be, or None; ``Validator`` collects every problem so that the user sees all of
them at once, before any request is sent."""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import urlsplit

from ansible_collections.azure_dr.recovery.plugins.module_utils._errors import InputError

_UUID = re.compile(r'^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$')
# Azure's rule for resource group names: 1-90 letters (any script), digits, underscores, hyphens,
# periods and parentheses, not ending with a period.
_RESOURCE_GROUP = re.compile(r'^[-\w.()]{1,90}$')
MAX_NAME_LENGTH = 256


def uuid_problem(value, option):
    if value is None:
        return None
    if not isinstance(value, str) or not _UUID.fullmatch(value):
        return '%s must be a UUID such as 00000000-1111-2222-3333-444444444444, got %r' % (option, _shown(value))
    return None


def tenant_problem(value, option='tenant'):
    """A tenant is its id (a UUID), one of its domain names (contoso.onmicrosoft.com), or one of
    Entra ID's generic tenants."""
    if value is None or value in ('organizations', 'common', 'consumers'):
        return None
    if '.' in value and name_problem(value, option) is None and ' ' not in value:
        return None
    if _UUID.fullmatch(value):
        return None
    return '%s must be a tenant id (UUID) or a domain such as contoso.onmicrosoft.com, got %r' % (option, _shown(value))


def resource_group_problem(value, option='resource_group'):
    if value is None:
        return None
    if not _RESOURCE_GROUP.fullmatch(value) or value.endswith('.'):
        return ('%s must be 1 to 90 letters, digits, underscores, hyphens, periods or parentheses, '
                'not ending with a period, got %r' % (option, _shown(value)))
    return None


def name_problem(value, option, max_length=MAX_NAME_LENGTH):
    if value is None:
        return None
    if not value.strip():
        return '%s must not be empty' % option
    if len(value) > max_length:
        return '%s must be at most %d characters, got %d' % (option, max_length, len(value))
    if any(ord(char) < 32 for char in value):
        return '%s must not contain control characters' % option
    return None


def positive_problem(value, option, what='a positive number of seconds'):
    """A count of seconds (or of anything) that must be above zero."""
    if value is not None and value <= 0:
        return '%s must be %s, got %d' % (option, what, value)
    return None


def repeated_problems(items, option, key, describe):
    """One problem per entry of the list option ``option`` whose ``key`` an earlier entry has: a batch
    would act on it twice, from two threads at once."""
    problems, seen = [], {}
    for index, item in enumerate(items):
        first = seen.setdefault(key(item), index)
        if first != index:
            problems.append('%s[%d]: %s is already listed at %s[%d]' % (option, index, describe(item), option, first))
    return problems


def is_loopback_host(host):
    if not host:
        return False
    if host.lower() == 'localhost':
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def endpoint_problem(value, option):
    """An endpoint must be an absolute https URL; plain http only to a loopback host, so that a
    bearer token never travels in clear text over a network."""
    if value is None:
        return None
    url = value.strip() if '://' in value else 'https://' + value.strip()
    try:
        parts = urlsplit(url)
        parts.port  # pylint: disable=pointless-statement  # raises ValueError on a bad port
    except ValueError:
        return '%s must be a URL such as https://host:port, got %r' % (option, _shown(value))
    if not parts.hostname:
        return '%s must be a URL such as https://host:port, got %r' % (option, _shown(value))
    if parts.query or parts.fragment or parts.username or parts.password:
        return '%s must be a base URL without credentials, query or fragment' % option
    if parts.scheme == 'https':
        return None
    if parts.scheme == 'http' and is_loopback_host(parts.hostname):
        return None
    if parts.scheme == 'http':
        return ('%s must use https: a bearer token is never sent in clear text except to a loopback host, '
                'got %r' % (option, _shown(value)))
    return '%s must be an https URL, got %r' % (option, _shown(value))


def cloud_environment_problem(value, cloud_names, option='cloud_environment'):
    """A cloud's name, or the https URL of its ARM endpoint or metadata document."""
    if value is None or value in cloud_names:
        return None
    expected = ('%s must be one of %s, or the https URL of a cloud\'s ARM endpoint (whose /metadata/endpoints '
                'document says where tokens come from), got %r'
                % (option, ', '.join(cloud_names), _shown(value)))
    if '://' not in value:
        return expected
    try:
        parts = urlsplit(value.strip())
        parts.port  # pylint: disable=pointless-statement  # raises ValueError on a bad port
    except ValueError:
        return expected
    if not parts.hostname or parts.username or parts.password or parts.fragment:
        return expected
    if parts.scheme == 'https' or (parts.scheme == 'http' and is_loopback_host(parts.hostname)):
        return None
    return ('%s must use https (plain http only to a loopback host): the document says where tokens are '
            'sent, got %r' % (option, _shown(value)))


_TEXT_TYPES = ('str', 'path')


def converted_text_problems(spec, params, prefix=''):
    """Options meant as text that were given a mapping or a list: Ansible turns those into their Python
    text (``"{'a': 1}"``) without a word, and a request would go out with it.  Found in the converted
    parameters (``AnsibleModule.params``), so that each such option is named, all at once, before any
    request.  (A mapping option given text that is no mapping is refused by Ansible itself, naming it.)"""
    problems = []
    for name, option in spec.items():
        value = (params or {}).get(name)
        if value is None:
            continue
        where = prefix + name
        kind = option.get('type', 'str')
        if kind in _TEXT_TYPES and isinstance(value, str):
            shape = _python_text_shape(value)
            if shape:
                problems.append('%s must be a string, got %s' % (where, shape))
        elif option.get('options') and kind == 'dict' and isinstance(value, dict):
            problems += converted_text_problems(option['options'], value, where + '.')
        elif option.get('options') and kind == 'list' and isinstance(value, list):
            for index, item in enumerate(value):
                if isinstance(item, dict):
                    problems += converted_text_problems(option['options'], item, '%s[%d].' % (where, index))
    return problems


def _python_text_shape(text):
    """'a mapping' or 'a list' when ``text`` is the Python text of one, else None."""
    stripped = text.strip()
    if (stripped[:1], stripped[-1:]) not in (('{', '}'), ('[', ']')):
        return None
    import ast  # only for text that looks like a container

    try:
        value = ast.literal_eval(stripped)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return None
    return 'a mapping' if isinstance(value, dict) else 'a list' if isinstance(value, list) else None


def _shown(value):
    text = str(value)
    return text if len(text) <= 80 else text[:77] + '...'


class Validator:
    """Collects problems; ``check()`` raises one ``InputError`` listing all of them."""

    def __init__(self):
        self.problems = []

    def add(self, problem):
        if problem:
            self.problems.append(problem)
        return self

    def extend(self, problems):
        for problem in problems:
            self.add(problem)
        return self

    def check(self):
        if self.problems:
            raise InputError(self.problems)
