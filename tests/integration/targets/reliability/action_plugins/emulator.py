# -*- coding: utf-8 -*-
# Copyright: contributors to the azure_dr.recovery collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Test-only action: set up the emulator for a scenario (reset to a seed, arm faults, mint a token) or
fetch what happened (its request log and state, written to a file), from the controller, without starting a module process.
The emulator is $SUITE_EMULATOR_URL, its CA $REQUESTS_CA_BUNDLE."""

from __future__ import annotations

import json
import os
import ssl
import urllib.parse
import urllib.request

from ansible.plugins.action import ActionBase


def _call(method, path, body=None):
    context = ssl.create_default_context(cafile=os.environ['REQUESTS_CA_BUNDLE'])
    request = urllib.request.Request(os.environ['SUITE_EMULATOR_URL'] + '/_emulator/' + path, method=method,
                                     data=None if body is None else json.dumps(body).encode('utf-8'))
    with urllib.request.urlopen(request, context=context, timeout=30) as answer:
        return json.load(answer)


def _mint(scope):
    context = ssl.create_default_context(cafile=os.environ['REQUESTS_CA_BUNDLE'])
    body = urllib.parse.urlencode({'grant_type': 'client_credentials', 'client_id': os.environ['AZURE_CLIENT_ID'],
                                   'client_secret': os.environ['AZURE_SECRET'], 'scope': scope}).encode()
    url = '%s/%s/oauth2/v2.0/token' % (os.environ['SUITE_EMULATOR_URL'], os.environ['AZURE_TENANT'])
    with urllib.request.urlopen(url, body, context=context, timeout=30) as answer:
        return json.load(answer)['access_token']


class ActionModule(ActionBase):
    _requires_connection = False

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        args = self._task.args
        if 'reset' in args:  # the seed of $SUITE_SEED, with the scenario's settings and extra workspaces
            with open(os.environ['SUITE_SEED']) as handle:
                seed = json.load(handle)
            seed['settings'] = args['reset'].get('settings') or seed.get('settings')
            seed['workspaces'] = seed['workspaces'] + list(args['reset'].get('extra_workspaces') or [])
            _call('POST', 'reset', seed)
            for fault in args.get('faults') or []:
                _call('POST', 'faults', fault)
            for fault in args.get('lro_faults') or []:
                _call('POST', 'lro-faults', fault)
        if args.get('mint_token'):  # a real token of the run's service principal, for that scope
            result['token'] = _mint(args['mint_token'])
        if args.get('fetch'):  # to a file: the log and the state are the suite's to read, not the output's
            with open(args['fetch'], 'w') as handle:
                json.dump({'requests': _call('GET', 'requests')['requests'], 'state': _call('GET', 'state')}, handle)
        result['changed'] = False
        return result
