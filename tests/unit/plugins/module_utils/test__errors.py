# -*- coding: utf-8 -*-
# Copyright: contributors to the azure_dr.recovery collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

from ansible_collections.azure_dr.recovery.plugins.module_utils._errors import (
    ApiError,
    InputError,
    OperationFailed,
    redact,
)
from ansible_collections.azure_dr.recovery.tests.unit.http_helpers import make_response


def test_arm_error_shape():
    body = {'error': {'code': 'InstanceFailoverGroupFailoverRequestOnPrimary', 'message': 'already primary',
                      'target': 'fg', 'details': [{'code': 'x', 'message': 'y'}], 'additionalInfo': []}}
    error = ApiError.from_response(make_response(400, body, headers={
        'x-ms-request-id': 'req', 'x-ms-correlation-request-id': 'corr'}, method='POST'))
    assert error.code == 'InstanceFailoverGroupFailoverRequestOnPrimary'
    assert error.api_message == 'already primary'
    assert (error.request_id, error.correlation_id, error.target) == ('req', 'corr', 'fg')
    result = error.to_result()
    assert result['error']['details'] == [{'code': 'x', 'message': 'y'}]
    assert result['msg'].startswith('HTTP 400 InstanceFailoverGroupFailoverRequestOnPrimary: already primary (POST https://h.test/p)')
    assert 'api-version' not in result['msg']


def test_fabric_error_shape_from_the_recorded_429():
    # The body and headers of the recorded Fabric 429 (reference fabric_cli_recording_429_RequestBlocked.yaml).
    body = {'requestId': '15597129-0c42-4db4-ba1e-858b0b055712', 'errorCode': 'RequestBlocked',
            'message': 'Request is blocked by the upstream service until: 9/2/2025 6:17:18 PM (UTC)'}
    error = ApiError.from_response(make_response(429, body, headers={
        'RequestId': '15597129-0c42-4db4-ba1e-858b0b055712', 'Retry-After': '58',
        'x-ms-public-api-error-code': 'RequestBlocked'}))
    assert error.code == 'RequestBlocked'
    assert error.request_id == '15597129-0c42-4db4-ba1e-858b0b055712'
    assert 'rate limit' in error.to_result()['msg']  # the hint for RequestBlocked


def test_fabric_error_with_request_id_only_in_the_body():
    body = {'errorCode': 'EntityNotFound', 'message': 'not found', 'requestId': 'body-id',
            'moreDetails': [{'errorCode': 'a', 'message': 'b'}], 'relatedResource': {'resourceId': 'w'}}
    error = ApiError.from_response(make_response(404, body))
    assert (error.code, error.request_id) == ('EntityNotFound', 'body-id')
    assert error.details()['details'] == [{'errorCode': 'a', 'message': 'b'}]


def test_error_without_json_body_keeps_the_text_and_the_header_code():
    error = ApiError.from_response(make_response(502, text='<html>Bad gateway</html>',
                                                 headers={'x-ms-error-code': 'Gateway'}))
    assert error.code == 'Gateway' and error.api_message == '<html>Bad gateway</html>'


def test_input_error_lists_every_problem():
    result = InputError(['name must not be empty', 'tenant must be a UUID']).to_result()
    assert result['msg'] == 'Invalid input: name must not be empty; tenant must be a UUID'
    assert result['error']['problems'] == ['name must not be empty', 'tenant must be a UUID']


def test_operation_failed_result():
    result = OperationFailed('Failed', code='FailoverFailed', api_message='boom', operation_url='https://op').to_result()
    assert result['msg'] == 'The operation ended Failed with FailoverFailed: boom'
    assert result['error']['operation_url'] == 'https://op'


def test_redact_replaces_every_secret():
    assert redact('bad secret s3cr3t-value here s3cr3t-value', ['s3cr3t-value', None, '']) == \
        'bad secret ******** here ********'
