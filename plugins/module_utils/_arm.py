# -*- coding: utf-8 -*-
# Copyright: contributors to the azure_dr.recovery collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""A small Azure Resource Manager client: URLs under a subscription, api-version, the ARM token
scope, ``nextLink`` paging and long-running operations.  Resource-specific calls live in the modules'
own clients, which build on this one."""

from __future__ import annotations

from urllib.parse import quote

from ansible_collections.azure_dr.recovery.plugins.module_utils._errors import ApiError, AzureDRError
from ansible_collections.azure_dr.recovery.plugins.module_utils._http import json_body

NOT_FOUND_CODES = frozenset(('ResourceNotFound', 'NotFound', 'ParentResourceNotFound', 'ResourceGroupNotFound'))
# ARM's answers that it did not act on a request, so that even a POST is sent again (see _http.NOT_ACTED):
# 500 OperationTimedOut, "the operation timed out and was rolled back, please retry".
NOT_ACTED = {500: frozenset(('OperationTimedOut',))}
SUBSCRIPTIONS_API_VERSION = '2022-12-01'
# Scopes read side by side at most: as many connections as the run's session keeps to one host (_http.MIN_POOL).
MAX_PARALLEL_SCOPES = 20


def arm_client(module, subscription_id=None):
    """The ARM client of a module run (an ``_module.AzureDRModule``) for ``subscription_id`` (default: the
    module's ``subscription_id``).  Clients of several subscriptions share the run's token and connections."""
    return ArmClient(module.http, module.endpoints.arm, module.endpoints.arm_scope,
                     subscription_id or module.params['subscription_id'])


class ArmClient:
    """``not_acted``: a resource provider's own answers that it did not act (status -> error codes), besides
    ARM's ``NOT_ACTED``; every request of the client, its polls included, may be sent again after them."""

    def __init__(self, http, base_url, scope, subscription_id, not_acted=None):
        self.http = http
        self.base_url = base_url.rstrip('/')
        self.scope = scope
        self.subscription_id = subscription_id
        self.not_acted = dict(NOT_ACTED)
        for status, codes in (not_acted or {}).items():
            known = self.not_acted.get(status, frozenset())
            self.not_acted[status] = None if codes is None or known is None else known | frozenset(codes)

    def with_not_acted(self, not_acted):
        """This client (same run, subscription, token and connections) for a resource provider whose
        ``not_acted`` answers are retried too."""
        return ArmClient(self.http, self.base_url, self.scope, self.subscription_id, not_acted)

    def path(self, *segments):
        """``/subscriptions/{sub}/seg1/seg2...`` with every segment percent-encoded."""
        return '/subscriptions/%s/%s' % (quote(self.subscription_id, safe=''),
                                         '/'.join(quote(str(segment), safe='') for segment in segments))

    def url(self, path, api_version):
        return '%s%s?api-version=%s' % (self.base_url, path, api_version)

    def get(self, path, api_version, budget=None):
        """``budget``: seconds the read may take, retries included (default: the client's retry budget)."""
        return json_body(self.http.request('GET', self.url(path, api_version), scope=self.scope, budget=budget,
                                           not_acted=self.not_acted))

    def get_or_none(self, path, api_version, budget=None):
        """The resource, or None when ARM says it does not exist."""
        try:
            return self.get(path, api_version, budget=budget)
        except ApiError as exc:
            if exc.status == 404 and (exc.code in NOT_FOUND_CODES or exc.code is None):
                return None
            raise

    def post(self, path, api_version, body=None, budget=None, handled_codes=()):
        """Send an action; returns the raw response (200 with a body, or 202 to poll).  ``handled_codes``:
        error codes the caller deals with itself (see ``HttpClient.request``)."""
        return self.http.request('POST', self.url(path, api_version), scope=self.scope, json=body, budget=budget,
                                 handled_codes=handled_codes, not_acted=self.not_acted)

    def list(self, path, api_version, budget=None):
        """Every item of a collection, following ``nextLink`` exactly as given.  ``budget``: seconds each page's read
        may take, retries included (default: the client's retry budget)."""
        items, url, seen = [], self.url(path, api_version), set()
        while url:
            if url in seen:  # a service that repeats itself must not make us loop, nor list twice
                raise AzureDRError('The listing of %s repeated a page (nextLink %s); stopped.' % (path, url))
            seen.add(url)
            page = json_body(self.http.request('GET', url, scope=self.scope, not_acted=self.not_acted, budget=budget))
            items.extend(page.get('value') or [])
            url = page.get('nextLink')
        return items

    def wait(self, response, timeout):
        """Follow the operation a POST/PUT answer started (if any) to its end; returns the last
        response, or the given one when it was already final."""
        # A run with nothing to do never waits: it does not pay for the polling code.
        from ansible_collections.azure_dr.recovery.plugins.module_utils._lro import Operation, Poller

        operation = Operation.from_arm_response(response)
        if operation is None:
            return response
        return Poller(self.http, self.scope, timeout, not_acted=self.not_acted).wait(operation)


def list_subscriptions(arm):
    """Every subscription the identity sees (``GET /subscriptions``, all pages), as ARM returns them; ``arm``: an
    ``ArmClient`` of the run (its subscription is not used)."""
    return arm.list('/subscriptions', SUBSCRIPTIONS_API_VERSION)


def subscription_facts(subscription):
    """``{subscription_id, display_name, state}`` of a subscription as ``GET /subscriptions`` returns it."""
    return {'subscription_id': subscription.get('subscriptionId'), 'display_name': subscription.get('displayName'),
            'state': subscription.get('state')}


def is_authorization_failed(error):
    """Whether ``error`` is ARM's 403 AuthorizationFailed: the identity may not read that scope."""
    return isinstance(error, ApiError) and error.status == 403 and error.code == 'AuthorizationFailed'


def read_scopes(scopes, read, max_workers=MAX_PARALLEL_SCOPES):
    """``read(scope)`` of every scope, side by side (at most ``max_workers`` at once), in the order of ``scopes``:
    a list of ``(value, denied)``, where ``denied`` is the ``ApiError`` of a scope that answered 403
    AuthorizationFailed (its value then None), for the caller to report and go on.  Any other error is raised, the
    first in the order of ``scopes``, once every read has ended."""
    from concurrent.futures import ThreadPoolExecutor  # only a run that reads several scopes pays for it

    def guarded(scope):
        try:
            return read(scope), None
        except ApiError as error:
            if is_authorization_failed(error):
                return None, error
            raise

    scopes = list(scopes)
    if len(scopes) == 1:  # no thread for one scope
        return [guarded(scopes[0])]
    with ThreadPoolExecutor(max_workers=max(1, min(max_workers, len(scopes)))) as pool:
        futures = [pool.submit(guarded, scope) for scope in scopes]
    return [future.result() for future in futures]
