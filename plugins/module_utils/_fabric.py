# -*- coding: utf-8 -*-
# Copyright: contributors to the azure_dr.recovery collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""A small Microsoft Fabric REST client: ``/v1`` URLs, the Fabric token scope, continuation paging
and Fabric's long-running operation pattern.  The admin workspace calls build on this one."""

from __future__ import annotations

from urllib.parse import quote

from ansible_collections.azure_dr.recovery.plugins.module_utils._errors import ApiError, AzureDRError
from ansible_collections.azure_dr.recovery.plugins.module_utils._http import json_body

NOT_FOUND_CODES = frozenset(('EntityNotFound', 'WorkspaceNotFound', 'ItemNotFound', 'NotFound'))


def fabric_client(module):
    """The Fabric client of a module run (an ``_module.AzureDRModule``)."""
    return FabricClient(module.http, module.endpoints.fabric, module.endpoints.fabric_scope)


class FabricClient:
    def __init__(self, http, base_url, scope):
        self.http = http
        self.base_url = base_url.rstrip('/')
        self.scope = scope

    def url(self, *segments):
        """``{base}/v1/seg1/seg2...`` with every segment percent-encoded."""
        return '%s/v1/%s' % (self.base_url, '/'.join(quote(str(segment), safe='') for segment in segments))

    def get(self, *segments):
        return json_body(self.http.request('GET', self.url(*segments), scope=self.scope))

    def get_or_none(self, *segments):
        """The entity, or None when Fabric says it does not exist (or no longer does)."""
        try:
            return self.get(*segments)
        except ApiError as exc:
            if exc.status == 404 and (exc.code in NOT_FOUND_CODES or exc.code is None):
                return None
            raise

    def post(self, segments, body=None, throttle=None):
        """Send an action; ``body`` keys whose value is None are left out (Fabric rejects ``null``).
        ``throttle``: the ``_http.Throttle`` of the actions of this kind sent side by side."""
        if body is not None:
            body = _without_nulls(body)
        return self.http.request('POST', self.url(*segments), scope=self.scope, json=body, throttle=throttle)

    def list(self, segments, items_key, params=None):
        """Every item of a listing.  The next page is ``continuationUri`` when given, else the same
        URL with ``continuationToken``; absent or null both mean the last page."""
        first_url = self.url(*segments)
        filters = {key: value for key, value in (params or {}).items() if value is not None}
        url, query, items, seen = first_url, filters, [], set()
        while True:
            page = json_body(self.http.request('GET', url, scope=self.scope, params=query))
            items.extend(page.get(items_key) or [])
            next_uri, token = page.get('continuationUri'), page.get('continuationToken')
            if not next_uri and not token:
                return items
            marker = next_uri or token
            if marker in seen:  # a service that repeats itself must not make us loop, nor list twice
                raise AzureDRError('The listing of %s repeated a continuation (%s); stopped.' % (first_url, marker))
            seen.add(marker)
            if next_uri:
                url, query = next_uri, None
            else:
                url, query = first_url, dict(filters, continuationToken=token)

    def wait(self, response, timeout):
        """Follow a 202 answer's operation to its end; returns the last response."""
        # A run with nothing to do never waits: it does not pay for the polling code.
        from ansible_collections.azure_dr.recovery.plugins.module_utils._lro import Operation, Poller

        operation = Operation.from_fabric_response(response, self.base_url)
        if operation is None:
            return response
        return Poller(self.http, self.scope, timeout).wait(operation)


def _without_nulls(value):
    if isinstance(value, dict):
        return {key: _without_nulls(item) for key, item in value.items() if item is not None}
    return value
