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
# Changes are written together at most this often (a batch of 100 items changes several hundred times in a
# second); a fact the wait must keep if the worker dies (a failover sent) is written at once.
COALESCE_SECONDS = 0.1
VERSION = 1


class Progress:
    """Progress of the items of one batch run; every method may be called from any thread."""

    def __init__(self, path, items, clock=time.time):
        self.path = path
        self.clock = clock
        now = clock()
        self._items = [{'name': item['name'], 'where': item.get('where'), 'stage': 'waiting', 'since': now,
                        'outcome': None} for item in items]
        self._texts = [json.dumps(item) for item in self._items]  # each item as JSON, made again only when it changes
        self._sequence = 0
        self._finished = False
        self._lock = threading.Lock()  # the items
        self._file_lock = threading.Lock()  # one write at a time, in the order of their sequence numbers
        self._changed = threading.Event()
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
        self._thread = threading.Thread(target=self._keep_fresh, name='progress-writer', daemon=True)
        self._thread.start()
        return self

    def stage(self, index, stage, **known):
        """What item ``index`` now waits for; ``known``: facts the wait reports if the job is lost
        (the kind of failover sent, its request ids), written before this returns."""
        with self._lock:
            self._items[index].update(stage=stage, since=self.clock())
            if known:
                self._items[index].setdefault('known', {}).update(known)
            self._texts[index] = json.dumps(self._items[index])
        if known:
            self._write_quietly()
        else:
            self._changed.set()

    def done(self, index, outcome):
        with self._lock:
            self._items[index].update(stage='failed' if outcome.get('failed') else 'done', since=self.clock(),
                                      outcome=outcome)
            self._texts[index] = json.dumps(self._items[index])
        self._changed.set()

    def finish(self):
        self._stop.set()
        self._changed.set()
        if self._thread is not None:
            self._thread.join(timeout=HEARTBEAT_SECONDS)
        with self._lock:
            self._finished = True
        self._write_quietly()

    def _keep_fresh(self):
        """Writes what changed, at most every COALESCE_SECONDS, and a heartbeat at least every HEARTBEAT_SECONDS."""
        while not self._stop.is_set():
            self._changed.wait(HEARTBEAT_SECONDS)
            if self._stop.is_set():
                return
            self._changed.clear()
            self._write_quietly()
            self._stop.wait(COALESCE_SECONDS)

    def _write_quietly(self):
        try:
            self._write()
        except OSError:  # the wait sees a stale heartbeat; the module's own result is unaffected
            pass

    def _write(self):
        with self._file_lock:
            with self._lock:
                self._sequence += 1
                head = json.dumps({'version': VERSION, 'pid': os.getpid(), 'sequence': self._sequence,
                                   'updated': self.clock(), 'finished': self._finished})
                content = '%s, "items": [%s]}' % (head[:-1], ', '.join(self._texts))
            temporary = '%s.%d.tmp' % (self.path, os.getpid())
            with open(temporary, 'w') as handle:
                handle.write(content)
            os.replace(temporary, self.path)
