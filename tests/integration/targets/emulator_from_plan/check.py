# -*- coding: utf-8 -*-
# Copyright: contributors to the azure_dr.recovery collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Helpers of the emulator_from_plan target: a generated plan, and checks of the reports and of the emulator's state.

    check.py make-plan FILE GROUPS WORKSPACES REPORT_DIR   writes a two-sided plan of GROUPS groups over three
                                      subscriptions and three region pairs (some sides naming their instance, some
                                      leaving out their resource group, a tenth in the flat shape) and WORKSPACES
                                      workspaces by name
    check.py log-size                 how many entries the emulator's request log has
    check.py report FILE EXPECTATION  the report FILE has EXPECTATION's result and actions (JSON) and, when
                                      EXPECTATION has "clean": true, no parity or drift finding
    check.py no-go FILE LOCATION COUNT  the report FILE is a no-go, nothing done, whose readiness names COUNT groups
                                      whose primary side, in LOCATION, does not answer
    check.py live FILE                the live drill's report FILE: succeeded, both legs succeeded, every check passed
    check.py primaries PLAN SIDE      the emulator's state: every group of PLAN is primary at its SIDE (primary, dr)
    check.py writes SINCE             how many writes (POSTs but tokens) the emulator logged after entry SINCE
"""

import json
import os
import ssl
import sys
import urllib.request

import yaml

SUBSCRIPTIONS = ['11111111-2222-4333-8444-%012d' % number for number in (1, 2, 3)]
PAIRS = [('Japan West', 'Japan East'), ('East US', 'West US'), ('North Europe', 'West Europe')]


def control(path):
    context = ssl.create_default_context(cafile=os.environ['REQUESTS_CA_BUNDLE'])
    with urllib.request.urlopen(os.environ['AZURE_ARM_ENDPOINT'] + '/_emulator/' + path, context=context) as answer:
        return json.load(answer)


def make_plan(path, count, workspaces, report_dir):
    groups = []
    for number in range(count):
        primary, dr = PAIRS[number % len(PAIRS)]
        name = 'fg-app-%03d' % (number + 1)
        if number % 10 == 9:  # the flat shape: both sides in one resource group of the run's subscription
            groups.append({'name': name, 'resource_group': 'rg-flat', 'primary_location': primary, 'dr_location': dr})
            continue
        group = {'name': name,
                 'primary': {'location': primary, 'resource_group': 'rg-sql-%d' % (number % 4),
                             'subscription_id': SUBSCRIPTIONS[number % 3]},
                 'dr': {'location': dr, 'resource_group': 'rg-sql-dr-%d' % (number % 4),
                        'subscription_id': SUBSCRIPTIONS[(number + 1) % 3]}}
        if number % 3 == 0:
            group['dr']['instance'] = 'mi-app-%03d-dr' % (number + 1)
        if number % 7 == 0:  # found through the DR side's read (managedInstancePairs)
            del group['primary']['resource_group'], group['primary']['subscription_id']
        groups.append(group)
    # The region out does not answer at all, so the drill waits primary_read_timeout once for it; 10 s, not less:
    # 100 healthy reads side by side on a loaded machine must not count as a region down.
    plan = {'dr_plan': {
        'name': 'generated-%d' % count, 'report_dir': report_dir, 'primary_read_timeout': 10,
        'failover_groups': groups,
        'fabric_admin_principal': {'id': '17dd1e38-a4c6-41ed-bc4f-1e383f8ddd01', 'type': 'User'},
        'fabric_workspaces': [{'name': 'Generated %02d' % (number + 1)} for number in range(workspaces)]}}
    with open(path, 'w') as handle:
        yaml.safe_dump(plan, handle, sort_keys=False)


def _report(path):
    with open(path) as handle:
        return json.load(handle)


def _fail_unless(condition, path, what):
    if not condition:
        sys.exit('%s: %s' % (path, what))


def check_report(path, expectation):
    report = _report(path)
    actions = {}
    for item in report['items']:
        actions[item['action']] = actions.get(item['action'], 0) + 1
    _fail_unless(report['result'] == expectation['result'], path, 'result %r (readiness problems: %r)' % (
        report['result'], (report.get('readiness') or {}).get('problems')))
    _fail_unless(actions == expectation['actions'], path, 'actions %r, expected %r' % (actions, expectation['actions']))
    readiness = report.get('readiness') or {}
    if expectation.get('clean'):
        findings = [entry for entry in readiness.get('parity') or [] if entry.get('verdict') != 'ok']
        _fail_unless(not findings and not readiness.get('drift'), path,
                     'parity %r, drift %r' % (findings, readiness.get('drift')))
    print('%s: %s, %s' % (os.path.basename(path), report['result'], actions))


def check_no_go(path, location, count):
    report = _report(path)
    readiness = report.get('readiness') or {}
    _fail_unless(report['result'] == 'no-go' and report['items'] == [], path, 'result %r' % report['result'])
    dead = [group['name'] for group in readiness.get('groups') or []
            if group['primary_side']['location'] == location and group['primary_side']['answered'] is False]
    _fail_unless(len(dead) == count, path, '%d groups with a primary side in %s that did not answer, expected %d'
                 % (len(dead), location, count))
    refused = [problem for problem in readiness.get('problems') or [] if 'does not answer' in problem]
    _fail_unless(len(refused) == count, path, 'problems %r' % readiness.get('problems'))
    print('%s: no go, %d groups refused (their primary side in %s does not answer)'
          % (os.path.basename(path), count, location))


def check_live(path):
    report = _report(path)
    legs, checks = [leg['result'] for leg in report.get('legs') or []], [check['ok'] for check in report.get('checks') or []]
    _fail_unless(report['result'] == 'succeeded' and legs == ['succeeded', 'succeeded'] and checks and all(checks), path,
                 'result %r, legs %r, checks %r' % (report['result'], legs, checks))
    print('%s: succeeded, legs %r, %d checks passed' % (os.path.basename(path), legs, len(checks)))


def check_primaries(plan_path, side):
    with open(plan_path) as handle:
        plan = yaml.safe_load(handle)['dr_plan']
    state = {group['name']: group['primary'] for group in control('state')['failover_groups']}
    wrong = []
    for group in plan['failover_groups']:
        wanted = group[side]['location'] if side in group else group['%s_location' % side]
        if state.get(group['name']) != wanted:
            wrong.append('%s is primary in %s, not %s' % (group['name'], state.get(group['name']), wanted))
    _fail_unless(not wrong, plan_path, '; '.join(wrong))
    print('%s: all %d groups primary at their %s side' % (os.path.basename(plan_path), len(plan['failover_groups']), side))


def main():
    command = sys.argv[1]
    if command == 'make-plan':
        make_plan(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5])
    elif command == 'log-size':
        print(len(control('requests')['requests']))
    elif command == 'writes':
        print(len([entry for entry in control('requests')['requests'][int(sys.argv[2]):]
                   if entry['method'] == 'POST' and '/oauth2/' not in entry['path']]))
    elif command == 'report':
        check_report(sys.argv[2], json.loads(sys.argv[3]))
    elif command == 'no-go':
        check_no_go(sys.argv[2], sys.argv[3], int(sys.argv[4]))
    elif command == 'live':
        check_live(sys.argv[2])
    elif command == 'primaries':
        check_primaries(sys.argv[2], sys.argv[3])
    else:
        sys.exit('unknown command %s' % command)


if __name__ == '__main__':
    main()
