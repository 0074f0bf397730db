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

from ansible.module_utils.common.validation import check_type_dict

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
_KINDS = ((bool, 'a boolean'), (dict, 'a mapping'), (list, 'a list'))


def raw_type_problems(spec, raw, prefix=''):
    """Options meant as text that were given a mapping, a list or a boolean.  Ansible would quietly turn
    ``{'a': 1}`` into the text "{'a': 1}" and a request would go out with it; here it is an input error
    that names the option.  ``raw`` is what the task gave, before Ansible's conversions."""
    problems = []
    if not isinstance(raw, dict):
        return problems
    for name, option in spec.items():
        value = next((raw[key] for key in [name] + list(option.get('aliases') or []) if key in raw), None)
        if value is None:
            continue
        where = prefix + name
        if option.get('type', 'str') in _TEXT_TYPES:
            kind = next((label for kind, label in _KINDS if isinstance(value, kind)), None)
            if kind:
                problems.append('%s must be a string, got %s' % (where, kind))
        elif name in unconvertible_mappings({name: option}, raw):
            problems.append('%s must be a mapping, got %r' % (where, _shown(value)))
        elif option.get('options') and option.get('type') == 'dict':
            problems += raw_type_problems(option['options'], value, where + '.')
        elif option.get('options') and option.get('type') == 'list' and isinstance(value, list):
            for index, item in enumerate(value):
                problems += raw_type_problems(option['options'], item, '%s[%d].' % (where, index))
    return problems


def unconvertible_mappings(spec, raw):
    """Mapping options given something Ansible cannot turn into a mapping (it would fail naming no option)."""
    if not isinstance(raw, dict):
        return []
    return [name for name, option in spec.items()
            if option.get('type') == 'dict' and raw.get(name) is not None
            and not isinstance(raw[name], dict) and not _converts_to_dict(raw[name])]


def _converts_to_dict(value):
    """Whether Ansible turns ``value`` into a mapping (JSON or key=value text)."""
    try:
        check_type_dict(value)
    except (TypeError, ValueError):
        return False
    return True


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
