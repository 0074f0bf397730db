# -*- coding: utf-8 -*-
# Copyright: contributors to the azure_dr.recovery collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The clouds the collection knows: their Entra ID host, ARM endpoint and token audiences, and the
choice of endpoints for one module run (cloud defaults, or the ``*_endpoint`` / ``authority_host``
overrides)."""

from __future__ import annotations

from collections import namedtuple
from urllib.parse import urlsplit

Cloud = namedtuple('Cloud', 'name authority_host arm_endpoint arm_audience fabric_endpoint')

CLOUDS = {
    'AzureCloud': Cloud(
        'AzureCloud', 'https://login.microsoftonline.com', 'https://management.azure.com',
        'https://management.azure.com', 'https://api.fabric.microsoft.com'),
    'AzureUSGovernment': Cloud(
        'AzureUSGovernment', 'https://login.microsoftonline.us', 'https://management.usgovcloudapi.net',
        'https://management.usgovcloudapi.net', 'https://api.fabric.microsoft.com'),
    'AzureChinaCloud': Cloud(
        'AzureChinaCloud', 'https://login.chinacloudapi.cn', 'https://management.chinacloudapi.cn',
        'https://management.chinacloudapi.cn', 'https://api.fabric.microsoft.com'),
}
DEFAULT_CLOUD = 'AzureCloud'

# The Fabric API has one audience, whichever host requests go to.
FABRIC_SCOPE = 'https://api.fabric.microsoft.com/.default'

# Entra ID hosts run by Microsoft.  Any other authority host (a proxy, an emulator, a private
# deployment) cannot be validated through Microsoft's instance discovery, so discovery is turned off.
MICROSOFT_AUTHORITY_HOSTS = frozenset((
    'login.microsoftonline.com', 'login.microsoft.com', 'login.windows.net', 'sts.windows.net',
    'login.microsoftonline.us', 'login.usgovcloudapi.net',
    'login.chinacloudapi.cn', 'login.partner.microsoftonline.cn',
    'login.microsoftonline.de',
))

Endpoints = namedtuple('Endpoints',
                       'cloud authority authority_is_microsoft arm arm_scope fabric fabric_scope token_hosts')


def get_cloud(name):
    return CLOUDS[name or DEFAULT_CLOUD]


def normalize_base_url(url):
    """``host[:port]`` or a URL, as a URL without a trailing slash (a bare host means https)."""
    url = url.strip()
    if '://' not in url:
        url = 'https://' + url
    return url.rstrip('/')


def is_microsoft_authority(authority_url):
    return (urlsplit(authority_url).hostname or '').lower() in MICROSOFT_AUTHORITY_HOSTS


def select_endpoints(params):
    """The endpoints of one run from the module parameters.  Token scopes follow the cloud, never
    the override: a request sent to an ``arm_endpoint`` still needs a token for ARM.  Tokens are sent
    only to the endpoints in use and to the cloud's own API hosts (where a service's ``Location`` or
    ``nextLink`` may point)."""
    cloud = get_cloud(params.get('cloud_environment'))
    authority = normalize_base_url(params.get('authority_host') or cloud.authority_host)
    arm = normalize_base_url(params.get('arm_endpoint') or cloud.arm_endpoint)
    fabric = normalize_base_url(params.get('fabric_endpoint') or cloud.fabric_endpoint)
    return Endpoints(
        cloud=cloud.name,
        authority=authority,
        authority_is_microsoft=is_microsoft_authority(authority),
        arm=arm,
        arm_scope=cloud.arm_audience + '/.default',
        fabric=fabric,
        fabric_scope=FABRIC_SCOPE,
        token_hosts=frozenset(urlsplit(url).hostname.lower()
                              for url in (arm, fabric, cloud.arm_endpoint, cloud.fabric_endpoint)
                              if urlsplit(url).hostname),
    )
