# -*- coding: utf-8 -*-
# Copyright: contributors to the azure_dr.recovery collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Clouds named, and clouds described by a metadata document (the ARM endpoint URL in
cloud_environment, as AWX's Azure credential and azure.azcollection allow)."""

from __future__ import annotations

import pytest
import responses

from ansible_collections.azure_dr.recovery.plugins.module_utils._clouds import (
    CLOUDS,
    metadata_urls,
    read_cloud_metadata,
    select_endpoints,
)
from ansible_collections.azure_dr.recovery.plugins.module_utils._errors import AzureDRError
from ansible_collections.azure_dr.recovery.plugins.module_utils._http import HttpClient
from ansible_collections.azure_dr.recovery.plugins.module_utils._validation import cloud_environment_problem

STACK = 'https://management.local.azurestack.external'
# The shape of api-version=1.0 (Azure Stack Hub, msrestazure): one object, no resourceManager.
STACK_DOCUMENT = {
    'galleryEndpoint': 'https://providers.local.azurestack.external:30016/',
    'graphEndpoint': 'https://graph.windows.net/',
    'portalEndpoint': 'https://portal.local.azurestack.external/',
    'authentication': {'loginEndpoint': 'https://adfs.local.azurestack.external/adfs/',
                       'audiences': ['https://management.adfs.azurestack.local/4de154de-f8a8-4017-af41-df619da68155']},
}


@pytest.mark.parametrize('given,arm,url', [
    (STACK, STACK, STACK + '/metadata/endpoints?api-version=1.0'),
    (STACK + '/', STACK, STACK + '/metadata/endpoints?api-version=1.0'),
    (STACK + '/metadata/endpoints', STACK, STACK + '/metadata/endpoints?api-version=1.0'),
    ('https://127.0.0.1:8443/metadata/endpoints?api-version=2022-09-01', 'https://127.0.0.1:8443',
     'https://127.0.0.1:8443/metadata/endpoints?api-version=2022-09-01'),
])
def test_the_arm_endpoint_and_the_document_url(given, arm, url):
    assert metadata_urls(given) == (arm, url)


@responses.activate
def test_a_metadata_document_gives_the_authority_and_audience_and_keeps_the_arm_url():
    responses.get(STACK + '/metadata/endpoints?api-version=1.0', json=STACK_DOCUMENT)
    http = HttpClient(sleep=lambda seconds: None)
    endpoints = select_endpoints({'cloud_environment': STACK}, read_cloud_metadata(http, STACK))
    assert endpoints.authority == 'https://adfs.local.azurestack.external/adfs'
    assert endpoints.authority_is_microsoft is False
    assert endpoints.arm == STACK
    assert endpoints.arm_scope == 'https://management.adfs.azurestack.local/4de154de-f8a8-4017-af41-df619da68155/.default'
    assert endpoints.fabric == CLOUDS['AzureCloud'].fabric_endpoint
    assert 'management.local.azurestack.external' in endpoints.token_hosts
    assert 'Authorization' not in responses.calls[0].request.headers


@responses.activate
def test_a_list_of_clouds_gives_the_one_of_the_arm_host():
    responses.get('https://management.usgovcloudapi.net/metadata/endpoints?api-version=2022-09-01', json=[
        {'name': 'AzureCloud', 'resourceManager': 'https://management.azure.com/',
         'authentication': {'loginEndpoint': 'https://login.microsoftonline.com', 'audiences': ['https://a/']}},
        {'name': 'AzureUSGovernment', 'resourceManager': 'https://management.usgovcloudapi.net/',
         'authentication': {'loginEndpoint': 'https://login.microsoftonline.us/',
                            'audiences': ['https://management.core.usgovcloudapi.net/']}},
    ])
    cloud = read_cloud_metadata(HttpClient(), 'https://management.usgovcloudapi.net/metadata/endpoints?api-version=2022-09-01')
    assert (cloud.name, cloud.authority_host, cloud.arm_audience) == (
        'AzureUSGovernment', 'https://login.microsoftonline.us', 'https://management.core.usgovcloudapi.net')


@responses.activate
@pytest.mark.parametrize('answer', [dict(json={'name': 'no authentication'}), dict(status=404, json={})])
def test_an_answer_that_is_no_metadata_fails_clearly(answer):
    responses.get(STACK + '/metadata/endpoints?api-version=1.0', **answer)
    with pytest.raises(AzureDRError) as failure:
        read_cloud_metadata(HttpClient(), STACK)
    assert failure.value.message.startswith('cloud_environment: ')


@pytest.mark.parametrize('value,problem', [
    ('AzureCloud', None),
    (STACK, None),
    ('http://127.0.0.1:8443', None),
    ('AzureGermanCloud', 'cloud_environment must be one of AzureCloud, AzureUSGovernment, AzureChinaCloud, or '),
    ('http://management.example.test', 'cloud_environment must use https'),
    ('https://user:pw@management.example.test', 'cloud_environment must be one of'),
])
def test_cloud_environment_checks(value, problem):
    found = cloud_environment_problem(value, list(CLOUDS))
    assert found == problem if problem is None else found.startswith(problem)
