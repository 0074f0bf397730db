# -*- coding: utf-8 -*-
# Copyright: contributors to the azure_dr.recovery collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Long-running operations of ARM and Fabric, followed to their end within a deadline.

The polling interval is the service's ``Retry-After`` when it sends one (never faster); otherwise it
starts at ``first_interval`` and grows by half each time up to ``max_interval``, so that a short
operation is seen finishing quickly and a long one is not polled needlessly often.
"""

from __future__ import annotations

from urllib.parse import urljoin

from ansible_collections.azure_dr.recovery.plugins.module_utils._errors import OperationFailed, OperationTimeout, json_or_none
from ansible_collections.azure_dr.recovery.plugins.module_utils._http import parse_retry_after

# Terminal failure states; Succeeded is the only other terminal state, anything else means running
# (ARM: InProgress, Accepted...; Fabric: NotStarted, Running).
ARM_FAILED = frozenset(('failed', 'canceled', 'cancelled'))
FABRIC_FAILED = frozenset(('failed', 'undefined'))


class Operation:
    """Where to poll an operation, as the service described it in its 202 answer."""

    def __init__(self, url, kind, retry_after=None):
        self.url = url
        self.kind = kind  # 'arm-async' (Azure-AsyncOperation), 'arm-location', or 'fabric'
        self.retry_after = retry_after

    @classmethod
    def from_arm_response(cls, response):
        """None when the answer is final (200/201/204 without a polling header)."""
        headers = response.headers
        retry_after = parse_retry_after(headers.get('Retry-After'))
        if headers.get('Azure-AsyncOperation'):
            return cls(urljoin(response.url, headers['Azure-AsyncOperation']), 'arm-async', retry_after)
        if response.status_code == 202 and headers.get('Location'):
            return cls(urljoin(response.url, headers['Location']), 'arm-location', retry_after)
        return None

    @classmethod
    def from_fabric_response(cls, response, base_url):
        if response.status_code != 202:
            return None
        headers = response.headers
        url = urljoin(response.url, headers['Location']) if headers.get('Location') else None
        if not url and headers.get('x-ms-operation-id'):
            url = '%s/v1/operations/%s' % (base_url, headers['x-ms-operation-id'])
        if not url:
            return None
        return cls(url, 'fabric', parse_retry_after(headers.get('Retry-After')))


class Poller:
    """Follows one operation.  ``http`` is the run's ``HttpClient``; ``timeout`` seconds from now;
    ``not_acted``: the API's answers that it did not act (see ``HttpClient.request``)."""

    def __init__(self, http, scope, timeout, first_interval=1.0, max_interval=15.0, not_acted=None):
        self.http = http
        self.scope = scope
        self.not_acted = not_acted
        self.timeout = timeout
        self.first_interval = first_interval
        self.max_interval = max_interval
        self.polls = 0

    def wait(self, operation):
        """Poll until done; returns the last response.  Raises OperationFailed or OperationTimeout."""
        started = self.http.clock()
        deadline = started + self.timeout
        interval = self.first_interval
        server_wait = operation.retry_after
        while True:
            wait = server_wait if server_wait is not None else interval
            now = self.http.clock()
            if now + wait > deadline:
                # Polling before the service's Retry-After would be rude and pointless: stop now.
                raise OperationTimeout(
                    'The operation was still running after %.0f s; the next check (in %.0f s) would fall after the '
                    'wait of %.0f s. It goes on in the service: follow it at operation_url, or run the task again to '
                    'wait for it.' % (now - started, wait, self.timeout),
                    operation_url=operation.url, elapsed=round(now - started, 1))
            self.http.sleep(wait)
            interval = min(self.max_interval, interval * 1.5)
            remaining = max(1.0, deadline - self.http.clock())
            response = self.http.request('GET', operation.url, scope=self.scope, budget=remaining,
                                         not_acted=self.not_acted)
            self.polls += 1
            if self._finished(operation, response):
                return response
            server_wait = parse_retry_after(response.headers.get('Retry-After'))

    @staticmethod
    def _finished(operation, response):
        if operation.kind == 'arm-location':
            # 202: still running; 200/201/204: done.  Errors were raised by the HTTP layer.
            return response.status_code != 202
        body = json_or_none(response)
        body = body if isinstance(body, dict) else {}
        status = str(body.get('status') or '')
        if status.lower() == 'succeeded':
            return True
        if status.lower() in (ARM_FAILED if operation.kind == 'arm-async' else FABRIC_FAILED):
            error = body.get('error') if isinstance(body.get('error'), dict) else {}
            raise OperationFailed(status, code=error.get('code') or error.get('errorCode'),
                                  api_message=error.get('message'), operation_url=operation.url)
        return False
