# -*- coding: utf-8 -*-
# Copyright: contributors to the azure_dr.recovery collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Checks of the DR playbook runs, against the emulator's request log and the reports.

    check.py writes SINCE             writes (API POSTs) logged after entry SINCE, as JSON
    check.py log-size                 how many entries the log has
    check.py report FILE EXPECTATION  the report FILE matches EXPECTATION (JSON), and its rows agree
                                      with the writes the emulator logged since the run started
    check.py forced FILE              every group row of the report FILE shows a forced failover (kind,
                                      request ids, the region's role and state before and after), in JSON
                                      and Markdown, and every workspace row its id, name and new name
    check.py no-go FILE               the report FILE is the no-go of fg-orders' outage: no rows, its primary
                                      side not answering (found through managedInstancePairs), in JSON and Markdown
    check.py escalated FILE SINCE     the report FILE shows fg-orders forced because its primary side did not
                                      answer; since entry SINCE, the dead region was waited on twice, no more
                                      (readiness, then the run), and only a forced failover was accepted
"""

import json
import os
import ssl
import sys
import urllib.request


def log():
    context = ssl.create_default_context(cafile=os.environ['REQUESTS_CA_BUNDLE'])
    with urllib.request.urlopen(os.environ['AZURE_ARM_ENDPOINT'] + '/_emulator/requests', context=context) as answer:
        return json.load(answer)['requests']


def writes(since=0):
    return [entry for entry in log()[since:] if entry['method'] == 'POST' and '/oauth2/' not in entry['path']]


def check_report(path, expectation, since):
    with open(path) as handle:
        report = json.load(handle)
    problems = []
    readiness = report.get('readiness') or {}
    if 'parity' in expectation:  # drift and parity, read beside the failovers (or before them, in a drill)
        verdicts = {entry['group']: entry['verdict'] for entry in readiness.get('parity') or []}
        drift = sorted([finding['group'], finding['kind']] for finding in readiness.get('drift') or [])
        if verdicts != expectation['parity'] or drift != expectation['drift']:
            problems.append('parity %r and drift %r, expected %r and %r (notes: %r)' % (
                verdicts, drift, expectation['parity'], expectation['drift'], readiness.get('notes')))
    for key in sorted(set(expectation) - {'actions', 'parity', 'drift'}):
        if report.get(key) != expectation[key]:
            problems.append('%s is %r, expected %r' % (key, report[key], expectation[key]))
    for key in ('schema_version', 'started', 'ended', 'duration', 'run_by', 'items'):
        if key not in report:
            problems.append('%s missing' % key)
    actions = {}
    for item in report['items']:
        actions[item['action']] = actions.get(item['action'], 0) + 1
    if actions != expectation['actions']:
        problems.append('actions %r, expected %r' % (actions, expectation['actions']))
    logged = writes(since)
    failovers = [w for w in logged if w['path'].endswith(('/failover', '/forceFailoverAllowDataLoss')) and w['status'] == 202]
    restores = [w for w in logged if w['path'].endswith('/restore') and w['status'] == 200]
    # Every failover the service accepted is reported, as done or as an error (an operation that ended Failed).
    done = actions.get('failed over', 0) + actions.get(FORCED, 0)
    errors = actions.get('error', 0)
    if not done <= len(failovers) <= done + errors:
        problems.append('%d failovers accepted by the service, %d reported done and %d as errors'
                        % (len(failovers), done, errors))
    if len(restores) != actions.get('restored', 0):
        problems.append('%d restores accepted by the service, %d reported' % (len(restores), actions.get('restored', 0)))
    if report['mode'] == 'check' and logged:
        problems.append('a rehearsal wrote: %r' % [w['path'] for w in logged])
    markdown = path[:-len('.json')] + '.md'
    if not os.path.exists(markdown) or report['plan'] not in open(markdown).read():
        problems.append('the Markdown report is missing or wrong')
    if problems:
        sys.exit('%s: %s' % (path, '; '.join(problems)))
    print('%s: %s, %s' % (os.path.basename(path), report['result'], actions))


FORCED = 'forced failover (data not yet replicated may be lost)'


def check_forced(path):
    with open(path) as handle:
        report = json.load(handle)
    problems = []
    forced = {w['path'].split('/instanceFailoverGroups/')[1].split('/')[0] for w in writes(0)
              if w['path'].endswith('/forceFailoverAllowDataLoss') and w['status'] == 202}
    for row in report['items']:
        if row['kind'] == 'failover_group':
            expected = {'action': FORCED, 'failover_kind': 'forced'}
            problems += ['%s: %s is %r, expected %r' % (row['name'], key, row.get(key), value)
                         for key, value in expected.items() if row.get(key) != value]
            if not row.get('request_id') or not row.get('correlation_id'):
                problems.append('%s: request ids missing' % row['name'])
            if (row.get('before') or {}).get('replication_role') != 'Secondary' \
                    or (row.get('after') or {}).get('replication_role') != 'Primary' \
                    or not (row.get('after') or {}).get('replication_state'):
                problems.append('%s: before/after %r %r' % (row['name'], row.get('before'), row.get('after')))
            if row['name'] not in forced:
                problems.append('%s: the emulator logged no forced failover of it' % row['name'])
        elif not (row.get('id') and row.get('name') and 'new_name' in row):
            problems.append('workspace row without id, name and new_name: %r' % row)
    markdown = open(path[:-len('.json')] + '.md').read()
    if markdown.count('| %s | forced |' % FORCED) != len(forced) or 'Ops (restored)' not in markdown:
        problems.append('the Markdown report does not show the forced failovers and the new name')
    if problems:
        sys.exit('%s: %s' % (path, '; '.join(problems)))
    print('%s: %d forced failovers reported' % (os.path.basename(path), len(forced)))


def _fail_unless(condition, path, what):
    if not condition:
        sys.exit('%s: %s' % (path, what))


def check_no_go(path):
    with open(path) as handle:
        report = json.load(handle)
    _fail_unless(report['result'] == 'no-go' and report['items'] == [], path, 'result %r' % report['result'])
    group = report['readiness']['groups'][0]
    primary, target = group['primary_side'], group['target_side']
    _fail_unless(primary['answered'] is False and primary['derived'] is True and primary['resource_group'] == 'rg-sql-west',
                 path, 'primary side %r' % primary)
    _fail_unless(target['failover_policy'] == 'Manual' and target['replication_role'] == 'Secondary', path,
                 'DR side %r' % target)
    _fail_unless('## Readiness: NO GO' in open(path[:-len('.json')] + '.md').read(), path, 'Markdown without the no go')
    print('%s: no go, %s' % (os.path.basename(path), report['readiness']['problems']))


def check_escalated(path, since):
    with open(path) as handle:
        report = json.load(handle)
    row = report['items'][0]
    _fail_unless(report['result'] == 'succeeded' and row['failover_kind'] == 'forced', path, 'row %r' % row)
    _fail_unless(str(row.get('escalation_reason')).startswith('the primary side did not answer'), path,
                 'escalation_reason %r' % row.get('escalation_reason'))
    dead = [entry for entry in log()[since:] if entry.get('outage')]
    # fg-orders read once by readiness and once by the failover; the estate read (drift, parity) lists each resource
    # group of the region once, beside readiness's read, and goes on without it.
    reads = [entry['path'] for entry in dead if not entry['path'].endswith('/instanceFailoverGroups')]
    listings = [entry['path'] for entry in dead if entry['path'].endswith('/instanceFailoverGroups')]
    _fail_unless(len(reads) == 2, path, 'the dead region was asked %d times: %r' % (len(reads), reads))
    _fail_unless(len(listings) == len(set(listings)) <= 2, path, 'the dead region was listed %d times: %r' % (
        len(listings), listings))
    sent = [entry['path'].rsplit('/', 1)[-1] for entry in writes(since) if entry['status'] == 202]
    _fail_unless(sent == ['forceFailoverAllowDataLoss'], path, 'accepted %r' % sent)
    print('%s: forced, %s' % (os.path.basename(path), row['escalation_reason']))


def main():
    command = sys.argv[1]
    if command == 'log-size':
        print(len(log()))
    elif command == 'writes':
        print(json.dumps(writes(int(sys.argv[2]))))
    elif command == 'report':
        check_report(sys.argv[2], json.loads(sys.argv[3]), int(sys.argv[4]))
    elif command == 'forced':
        check_forced(sys.argv[2])
    elif command == 'no-go':
        check_no_go(sys.argv[2])
    elif command == 'escalated':
        check_escalated(sys.argv[2], int(sys.argv[3]))


if __name__ == '__main__':
    main()
