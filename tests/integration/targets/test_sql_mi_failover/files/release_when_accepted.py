#!/usr/bin/env python
# Copyright: contributors to the azure_dr.recovery collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Usage: release_when_accepted.py CONTROL_URL CA_FILE COUNT DEADLINE_SECONDS

Watches the emulator's request log until COUNT failovers (POST .../failover answered 202) are in it, then
releases every failover hold (DELETE /_emulator/failover-holds) and exits 0. With the failovers held, they can
all be accepted only if they run at the same time: one after the other, the second would wait for the first,
which never ends. If that has not happened within DEADLINE_SECONDS it releases the holds all the same (so that
the run ends soon, and the watcher never outlives the test) and exits 1: the test fails on that."""

import json
import re
import ssl
import sys
import time
import urllib.request

control, ca, count, deadline = sys.argv[1], sys.argv[2], int(sys.argv[3]), time.monotonic() + float(sys.argv[4])
context = ssl.create_default_context(cafile=ca)
ACCEPTED = re.compile(r'/instanceFailoverGroups/[^/]+/failover$')


def call(method, path):
    with urllib.request.urlopen(urllib.request.Request(control + path, method=method), context=context) as answer:
        return json.load(answer)


def accepted():
    return sum(1 for entry in call('GET', '/requests')['requests']
               if entry['method'] == 'POST' and entry['status'] == 202 and ACCEPTED.search(entry['path']))


while accepted() < count:
    if time.monotonic() > deadline:
        print('only %d of %d failovers accepted while held: not concurrent' % (accepted(), count))
        call('DELETE', '/failover-holds')
        sys.exit(1)
    time.sleep(0.2)  # the next look at the log
print(json.dumps(call('DELETE', '/failover-holds')))
