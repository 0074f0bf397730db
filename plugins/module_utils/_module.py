# -*- coding: utf-8 -*-
# Copyright: contributors to the azure_dr.recovery collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The module wrapper: adds the shared options, validates them before any request, builds the run's
HTTP client and token provider once, and turns every collection error into a clean ``fail_json``.

A module reads top to bottom::

    module = AzureDRModule(argument_spec, api='arm', supports_check_mode=True)
    with module.reporting_errors():
        client = arm_client(module)   # from _arm: each module imports (and ships) only its own API's client
        ...
        module.exit_json(changed=..., ...)
"""

from __future__ import annotations

import contextlib
import os
import threading
import time

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.errors import NoLogError

from ansible_collections.azure_dr.recovery.plugins.module_utils import _http
from ansible_collections.azure_dr.recovery.plugins.module_utils._auth import auth_argument_spec
from ansible_collections.azure_dr.recovery.plugins.module_utils._clouds import CLOUDS, normalize_base_url
from ansible_collections.azure_dr.recovery.plugins.module_utils._connection import Connection
from ansible_collections.azure_dr.recovery.plugins.module_utils._errors import AzureDRError, redact
from ansible_collections.azure_dr.recovery.plugins.module_utils._failure_summary import failures_by_cause
from ansible_collections.azure_dr.recovery.plugins.module_utils._validation import (
    Validator,
    cloud_environment_problem,
    converted_text_problems,
    endpoint_problem,
    tenant_problem,
    uuid_problem,
)


class AzureDRModule:
    """Wraps ``AnsibleModule`` for a module that calls ``api`` (``'arm'`` or ``'fabric'``)."""

    def __init__(self, argument_spec, api, **kwargs):
        spec = auth_argument_spec(api)
        spec.update(argument_spec)
        self.api = api
        self.started = time.monotonic()
        self.ansible = _AnsibleModule(argument_spec=spec, **kwargs)
        self.params = self.ansible.params
        self.check_mode = self.ansible.check_mode
        self._timeout = _http.DEFAULT_TIMEOUT
        self._connection = None
        self._progress = None
        self._build_lock = threading.Lock()

    # --- input ---

    def validator(self, subscription_required=True):
        """A ``Validator`` already holding the problems of the shared options; the module adds its
        own and calls ``check()``.  ``subscription_required``: false for a module whose every item
        names its own subscription."""
        validator = Validator()
        # A mapping or a list given for a text option would otherwise go out as its Python text.
        for problem in converted_text_problems(self.ansible.argument_spec, self.params):
            validator.add(problem)
        params = self.params
        validator.add(cloud_environment_problem(params.get('cloud_environment'), list(CLOUDS)))
        validator.add(endpoint_problem(params.get('authority_host'), 'authority_host'))
        if params.get('authority_host') and normalize_base_url(params['authority_host']).startswith('http://'):
            validator.add('authority_host must use https')
        validator.add(tenant_problem(params.get('tenant')))
        if self.api == 'arm':
            validator.add(endpoint_problem(params.get('arm_endpoint'), 'arm_endpoint'))
            validator.add(uuid_problem(params.get('subscription_id'), 'subscription_id'))
            if not params.get('subscription_id') and subscription_required:
                validator.add('subscription_id (or the environment variable AZURE_SUBSCRIPTION_ID) is required')
        else:
            validator.add(endpoint_problem(params.get('fabric_endpoint'), 'fabric_endpoint'))
        validator.add(uuid_problem(params.get('client_id'), 'client_id'))
        try:
            self._timeout = _http.timeout_from(os.environ)
        except ValueError:
            validator.add('the environment variable %s must be a number of seconds from 1 to 3600, got %r'
                          % (_http.TIMEOUT_VARIABLE, os.environ.get(_http.TIMEOUT_VARIABLE)))
        return validator

    # --- clients: one session (kept-alive connections) and one token provider for the whole run ---

    @property
    def connection(self):
        """The run's connection (``_connection``): one session, the endpoints and one token per scope for the whole
        run, each built once even when the threads of a batch ask at the same moment."""
        with self._build_lock:
            if self._connection is None:
                self._connection = Connection(self.params, pool_size=self.params.get('max_concurrency') or _http.MIN_POOL,
                                              timeout=self._timeout, on_retry=self.warn,
                                              on_token=self.ansible.no_log_values.add)
            return self._connection

    @property
    def session(self):
        return self.connection.session

    @property
    def endpoints(self):
        return self.connection.endpoints

    @property
    def http(self):
        return self.connection.http

    # --- output ---

    def elapsed(self):
        return round(time.monotonic() - self.started, 3)

    def warn(self, message):
        """Warnings are not masked by Ansible the way results are: mask secrets and tokens here."""
        self.ansible.warn(redact(message, self.ansible.no_log_values))

    def progress(self, items):
        """The progress file of a batch (option ``progress_file``), written from now on; one that
        records nothing when the option is not set.  ``items``: ``{name, where}`` of each item."""
        if self.params.get('progress_file'):
            from ansible_collections.azure_dr.recovery.plugins.module_utils._progress import Progress

            self._progress = Progress(self.params['progress_file'], items).start()
        else:
            self._progress = _NoProgress()
        return self._progress

    def exit_json(self, **result):
        self._finish_progress()
        self.ansible.exit_json(**result)

    def fail_json(self, **result):
        self._finish_progress()
        self.ansible.fail_json(**result)

    def _finish_progress(self):
        if self._progress is not None:
            self._progress.finish()

    def fail_from(self, error, **result):
        result.update(error.to_result())
        result.setdefault('elapsed', self.elapsed())
        self.fail_json(**result)

    def outcome_of(self, item, act):
        """One item of a batch module: ``act()``'s result keys, or the error of the item (its ``msg``,
        and its ``cause``: the message without what is particular to one request), with ``item``,
        ``failed``, ``started`` (seconds after the module's start) and ``elapsed`` - the shape of a
        looped task's results, which the roles report on."""
        started = time.monotonic()
        outcome = {'item': item, 'started': round(started - self.started, 3)}
        try:
            outcome.update(act())
            outcome['failed'] = False
        except AzureDRError as error:
            outcome.update(error.to_result())
            outcome.setdefault('changed', False)
            outcome['failed'] = True
            outcome['cause'] = error.cause()
        outcome['elapsed'] = round(time.monotonic() - started, 3)
        return outcome

    def exit_batch(self, results, what, name_of):
        """Exit with every outcome; when one failed, fail saying each distinct cause once, after the
        items it affects."""
        changed = any(result['changed'] for result in results)
        failed = [result for result in results if result['failed']]
        if failed:
            self.fail_json(msg='%d %s failed: %s' % (len(failed), what, failures_by_cause(
                (name_of(result['item']), result.get('cause') or result['msg']) for result in failed)),
                changed=changed, results=results, elapsed=self.elapsed())
        self.exit_json(changed=changed, results=results, elapsed=self.elapsed())

    @contextlib.contextmanager
    def reporting_errors(self, **result):
        """Any collection error raised inside becomes ``fail_json`` (with ``result`` merged in),
        without a traceback: the message already says what happened."""
        try:
            yield
        except AzureDRError as error:
            self.fail_from(error, **result)


class _AnsibleModule(AnsibleModule):
    """``AnsibleModule``, whose refusal of the input names every option it is about: for a mapping option
    (or a list of them) given text that is no mapping, the error ansible-core shows is the one of its scan
    for no_log values, which names none, and that scan stops there, leaving secrets unmasked."""

    def __init__(self, *args, **kwargs):
        self._parsed = False
        super().__init__(*args, **kwargs)
        self._parsed = True

    def fail_json(self, msg, **kwargs):
        params = getattr(self, 'params', None) or {}
        if not self._parsed and params:  # ansible-core refused the parameters
            # Its scan for no_log values stopped at the unconvertible option: mask every secret given.
            for name, option in self.argument_spec.items():
                if option.get('no_log') and isinstance(params.get(name), str) and params[name]:
                    self.no_log_values.add(params[name])
            result = getattr(self, 'validation_result', None)
            errors = list(result.errors) if result is not None else []
            if errors and isinstance(errors[0], NoLogError):
                # The one it would show is the unnamed one: show the others, which name their option.
                problems = [str(error) for error in errors if not isinstance(error, NoLogError)]
                problems += converted_text_problems(self.argument_spec, params)
                if problems:
                    msg = 'Invalid input: ' + '; '.join(problems)
                    kwargs['error'] = {'problems': problems}
        super().fail_json(msg=msg, **kwargs)


class _NoProgress:
    """The progress of a batch that keeps no progress file."""

    def stage(self, index, stage, **known):
        pass

    def done(self, index, outcome):
        pass

    def finish(self):
        pass
