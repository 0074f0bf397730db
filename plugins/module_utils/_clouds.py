# -*- coding: utf-8 -*-
# Copyright: contributors to the azure_dr.recovery collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The clouds the collection knows: their Entra ID host, ARM endpoint and token audiences, and the
choice of endpoints for one module run (cloud defaults, or the ``*_endpoint`` / ``authority_host``
overrides).

``cloud_environment`` may also be the URL of a cloud metadata document (``{arm}/metadata/endpoints``),
as AWX's Azure credential and azure.azcollection allow: a private or sovereign cloud, or the emulator,
then needs no other endpoint setting."""

from __future__ import annotations

from collections import namedtuple
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from ansible_collections.azure_dr.recovery.plugins.module_utils._errors import AzureDRError, strip_query
from ansible_collections.azure_dr.recovery.plugins.module_utils._http import json_body

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
# The version azure.azcollection (through msrestazure) and Azure Stack Hub use; its answer is one object.
METADATA_API_VERSION = '1.0'
METADATA_PATH = '/metadata/endpoints'

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


def is_metadata_url(cloud_environment):
    return bool(cloud_environment) and '://' in cloud_environment


def normalize_base_url(url):
    """``host[:port]`` or a URL, as a URL without a trailing slash (a bare host means https)."""
    url = url.strip()
    if '://' not in url:
        url = 'https://' + url
    return url.rstrip('/')


def is_microsoft_authority(authority_url):
    return (urlsplit(authority_url).hostname or '').lower() in MICROSOFT_AUTHORITY_HOSTS


def metadata_urls(url):
    """(ARM base URL, metadata document URL) from ``cloud_environment``.  AWX's credential and
    azure.azcollection take the ARM endpoint (``https://management.local.azurestack.external``) and
    read ``{arm}/metadata/endpoints``; the document's own URL is accepted too."""
    parts = urlsplit(url.strip())
    path = parts.path.rstrip('/')
    if path.lower().endswith(METADATA_PATH):
        path = path[:-len(METADATA_PATH)]
    arm = urlunsplit((parts.scheme, parts.netloc, path, '', ''))
    query = parse_qsl(parts.query, keep_blank_values=True)
    if not any(key.lower() == 'api-version' for key, _value in query):
        query.append(('api-version', METADATA_API_VERSION))
    return arm, urlunsplit((parts.scheme, parts.netloc, path + METADATA_PATH, urlencode(query), ''))


def cloud_from_metadata(document, arm, url):
    """A ``Cloud`` whose ARM endpoint is ``arm`` (as azure.azcollection does), with the Entra ID host
    and the ARM audience of the metadata document: ``authentication.loginEndpoint`` and the first of
    ``authentication.audiences``.  Newer API versions answer with a list of clouds: the one whose
    ``resourceManager`` is ``arm`` is taken.  The document has no Fabric entry: Fabric keeps its
    public endpoint unless ``fabric_endpoint`` is set."""
    if isinstance(document, list):
        host = urlsplit(arm).hostname
        document = next((entry for entry in document if isinstance(entry, dict)
                         and urlsplit(str(entry.get('resourceManager', ''))).hostname == host),
                        document[0] if document else None)
    try:
        authentication = document['authentication']
        return Cloud(
            name=str(document.get('name') or arm),
            authority_host=normalize_base_url(authentication['loginEndpoint']),
            arm_endpoint=normalize_base_url(arm),
            arm_audience=authentication['audiences'][0].rstrip('/'),
            fabric_endpoint=CLOUDS[DEFAULT_CLOUD].fabric_endpoint)
    except (KeyError, IndexError, TypeError, AttributeError):
        raise AzureDRError(
            'cloud_environment: the answer of %s is not a cloud metadata document (it needs '
            'authentication.loginEndpoint and authentication.audiences).' % strip_query(url),
            hint='cloud_environment takes a cloud name or the ARM endpoint URL of the cloud.')


def read_cloud_metadata(http, cloud_environment):
    """Fetch and read the metadata document of ``cloud_environment`` (no token: it is public)."""
    arm, url = metadata_urls(cloud_environment)
    try:
        response = http.request('GET', url)
    except AzureDRError as error:
        raise AzureDRError('cloud_environment: could not read the cloud metadata at %s: %s'
                           % (strip_query(url), error.message), hint=error.hint)
    return cloud_from_metadata(json_body(response), arm, url)


def select_endpoints(params, cloud=None):
    """The endpoints of one run from the module parameters (and the ``Cloud`` read from a metadata
    URL, if that is what ``cloud_environment`` holds).  Token scopes follow the cloud, never the
    override: a request sent to an ``arm_endpoint`` still needs a token for ARM.  Tokens are sent
    only to the endpoints in use and to the cloud's own API hosts (where a service's ``Location`` or
    ``nextLink`` may point)."""
    cloud = cloud or get_cloud(params.get('cloud_environment'))
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
