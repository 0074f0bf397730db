# -*- coding: utf-8 -*-
# Copyright: contributors to the azure_dr.recovery collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The progress file of a batch module run as a worker (plugin_utils/_dr_run/workers.py): what each item is
doing, the outcome of those done, and a heartbeat, so that the task waiting for the worker can say what is still
running, keep every outcome of a worker that dies, and see one that hangs long before its time limit.

The file is JSON, replaced whole (write, then rename) at each change and at least every
``HEARTBEAT_SECONDS``::

    {"version": 1, "pid": 4242, "sequence": 7, "updated": 1764620000.5, "finished": false,
     "items": [{"name": "fg-sales", "where": "Japan East", "stage": "planned failover running",
                "since": 1764619990.1, "known": {"failover_kind": "planned", "request_ids": {...}},
                "outcome": null}, ...]}
"""

from __future__ import annotations

import json
import os
import threading
import time

from ansible_collections.azure_dr.recovery.plugins.module_utils._errors import AzureDRError

# Seconds between two heartbeats; the wait declares the job dead after several are missed.
HEARTBEAT_SECONDS = 5.0
VERSION = 1


class Progress:
    """Progress of the items of one batch run; every method may be called from any thread."""

    def __init__(self, path, items, clock=time.time):
        self.path = path
        self.clock = clock
        now = clock()
        self._items = [{'name': item['name'], 'where': item.get('where'), 'stage': 'waiting', 'since': now,
                        'outcome': None} for item in items]
        self._sequence = 0
        self._finished = False
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = None

    def start(self):
        """Write the file once (a path that cannot be written is an error now, before any request),
        then keep it fresh from a daemon thread."""
        try:
            directory = os.path.dirname(self.path)
            if directory:
                os.makedirs(directory, exist_ok=True)
            self._write()
        except OSError as exc:
            raise AzureDRError('progress_file %s could not be written: %s' % (self.path, exc.strerror or exc)) from None
        self._thread = threading.Thread(target=self._beat, name='progress-heartbeat', daemon=True)
        self._thread.start()
        return self

    def stage(self, index, stage, **known):
        """What item ``index`` now waits for; ``known``: facts the wait reports if the job is lost
        (the kind of failover sent, its request ids)."""
        with self._lock:
            self._items[index].update(stage=stage, since=self.clock())
            if known:
                self._items[index].setdefault('known', {}).update(known)
        self._write_quietly()

    def done(self, index, outcome):
        with self._lock:
            self._items[index].update(stage='failed' if outcome.get('failed') else 'done', since=self.clock(),
                                      outcome=outcome)
        self._write_quietly()

    def finish(self):
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=HEARTBEAT_SECONDS)
        with self._lock:
            self._finished = True
        self._write_quietly()

    def _beat(self):
        while not self._stop.wait(HEARTBEAT_SECONDS):
            self._write_quietly()

    def _write_quietly(self):
        try:
            self._write()
        except OSError:  # the wait sees a stale heartbeat; the module's own result is unaffected
            pass

    def _write(self):
        with self._lock:
            self._sequence += 1
            content = json.dumps({'version': VERSION, 'pid': os.getpid(), 'sequence': self._sequence,
                                  'updated': self.clock(), 'finished': self._finished, 'items': self._items})
            temporary = '%s.%d.tmp' % (self.path, os.getpid())
            with open(temporary, 'w') as handle:
                handle.write(content)
            os.replace(temporary, self.path)
