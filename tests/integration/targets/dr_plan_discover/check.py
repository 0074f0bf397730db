# -*- coding: utf-8 -*-
# Copyright: contributors to the azure_dr.recovery collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Checks of the dr_plan_discover target, against the emulator's request log and the files the runs wrote.

    check.py log-size                      how many requests the emulator has logged
    check.py plan FILE [GROUP...] [smaller=GROUP,...]
                                           the discovered plan of the demo estate (and those groups too; those DR
                                           instances smaller too)
    check.py reads-once SINCE              since then: reads only, none twice
    check.py drill REPORT EXPECTED         a drill's JSON report: result, drift ([group, kind]), parity verdicts
"""

import json
import os
import ssl
import sys
import urllib.request

import yaml

SUB = '00000000-1111-2222-3333-444444444444'
SUB2 = '66666666-7777-4888-9999-000000000000'
# The demo estate's groups as the emulator holds them: today's primary side first.
SIDES = {
    'fg-finance': ({'location': 'East US', 'resource_group': 'rg-sql-dr', 'subscription_id': SUB, 'instance': 'fg-finance-eastus'},
                   {'location': 'West US', 'resource_group': 'rg-sql-dr', 'subscription_id': SUB, 'instance': 'fg-finance-westus'}),
    'fg-orders': ({'location': 'Japan West', 'resource_group': 'rg-sql-west', 'subscription_id': SUB, 'instance': 'fg-orders-japanwest'},
                  {'location': 'Japan East', 'resource_group': 'rg-sql-east', 'subscription_id': SUB2,
                   'instance': 'fg-orders-japaneast'}),
    'fg-sales': ({'location': 'Japan West', 'resource_group': 'rg-sql-dr', 'subscription_id': SUB, 'instance': 'fg-sales-japanwest'},
                 {'location': 'Japan East', 'resource_group': 'rg-sql-dr', 'subscription_id': SUB, 'instance': 'fg-sales-japaneast'}),
}
# The workspaces of capacity 41ce06d1-...84, personal ones left out: Finance Analytics and Sales Reporting.
WORKSPACES = ['97dd1d38-a4c6-41ed-bc4f-1e383f8ddd0f', '41ce06d1-d81b-4ea0-bc6d-2ce3dd2f8e87']


def log():
    context = ssl.create_default_context(cafile=os.environ['REQUESTS_CA_BUNDLE'])
    with urllib.request.urlopen(os.environ['AZURE_ARM_ENDPOINT'] + '/_emulator/requests', context=context) as answer:
        return json.load(answer)['requests']


def fail_unless(condition, what):
    if not condition:
        sys.exit(what)


def check_plan(path, *args):
    more = [arg for arg in args if not arg.startswith('smaller=')]
    smaller = {'fg-finance'} | {name for arg in args if arg.startswith('smaller=') for name in arg[len('smaller='):].split(',')}
    with open(path) as handle:
        text = handle.read()
    plan = yaml.safe_load(text)['dr_plan']
    groups = {group['name']: group for group in plan['failover_groups']}
    fail_unless(sorted(groups) == sorted(list(SIDES) + list(more)), '%s: groups %s' % (path, sorted(groups)))
    for name, (primary, dr) in SIDES.items():
        fail_unless(groups[name]['primary'] == primary and groups[name]['dr'] == dr, '%s: %s is %r' % (path, name, groups[name]))
    marked = {name for name, group in groups.items() if group.get('parity') == 'warn'}
    fail_unless(marked == smaller, '%s: parity: warn on %s, expected on %s' % (path, sorted(marked), sorted(smaller)))
    fail_unless([w['id'] for w in plan.get('fabric_workspaces') or []] == WORKSPACES, '%s: workspaces %r' % (
        path, plan.get('fabric_workspaces')))
    for comment in ('# PARITY: the DR instance is smaller than its primary (vCores 4 < 8, storage (GB) 128 < 256)',
                    '# DR instance fg-orders-japaneast: BusinessCritical Gen5, 16 vCores, 512 GB', 'secondary type Standby',
                    '# Finance Analytics'):
        fail_unless(comment in text, '%s: no comment %r' % (path, comment))
    print('%s: %d groups, %d workspaces, as the estate holds them' % (os.path.basename(path), len(groups), len(WORKSPACES)))


def check_reads_once(since):
    entries = log()[int(since):]
    arm = [entry for entry in entries if not entry['path'].endswith('/token') and 'openid-configuration' not in entry['path']]
    fail_unless(all(entry['method'] == 'GET' for entry in arm), 'not only reads: %r' % [
        (e['method'], e['path']) for e in arm if e['method'] != 'GET'])
    reads = [entry['path'] + json.dumps(entry.get('query'), sort_keys=True) for entry in arm]
    fail_unless(len(reads) == len(set(reads)), 'read twice: %r' % sorted({r for r in reads if reads.count(r) > 1}))
    fail_unless(any(entry['path'] == '/subscriptions' for entry in arm), 'the subscriptions were not listed')
    print('%d reads, none twice' % len(reads))


def check_drill(path, expected):
    expected = json.loads(expected)
    with open(path) as handle:
        report = json.load(handle)
    readiness = report['readiness']
    fail_unless(report['result'] == expected['result'], '%s: result %s, problems %r' % (path, report['result'], readiness['problems']))
    if 'drift' in expected:
        found = [[finding['group'], finding['kind']] for finding in readiness['drift']]
        fail_unless(found == expected['drift'], '%s: drift %r' % (path, readiness['drift']))
    verdicts = {entry['group']: entry['verdict'] for entry in readiness['parity']}
    for group, verdict in expected.get('parity', {}).items():
        fail_unless(verdicts.get(group) == verdict, '%s: parity %r' % (path, readiness['parity']))
    markdown = open(path[:-len('.json')] + '.md').read()
    page = open(path[:-len('.json')] + '.html').read()
    fail_unless('### Parity' in markdown and '<table id="parity">' in page, '%s: no parity section' % path)
    fail_unless('### Drift' in markdown and 'id="drift"' in page, '%s: no drift section' % path)
    print('%s: %s, drift %r, parity %r' % (os.path.basename(path), report['result'], expected.get('drift'), verdicts))


def main():
    command, args = sys.argv[1], sys.argv[2:]
    if command == 'log-size':
        print(len(log()))
    elif command == 'plan':
        check_plan(*args)
    elif command == 'reads-once':
        check_reads_once(*args)
    elif command == 'drill':
        check_drill(*args)
    else:
        sys.exit('unknown check %s' % command)


if __name__ == '__main__':
    main()
