# -*- coding: utf-8 -*-
# Copyright: contributors to the azure_dr.recovery collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Checks of the live drill against the emulator's state and request log, and its report.

    check.py log-size                  how many entries the emulator's request log has
    check.py primaries                 each group's primary region, as JSON {name: location}
    check.py home                      every group of the demo estate is primary in its primary region
    check.py at-dr                     fg-sales and fg-finance are primary in their DR regions
    check.py failovers SINCE           the failover requests logged after entry SINCE: [[status, path], ...]
    check.py report FILE EXPECTATION   the live drill's report FILE matches EXPECTATION (JSON: result, mode,
                                       failover and failback actions, checks), and has both legs
"""

import json
import os
import ssl
import sys
import urllib.request

HOME = {'fg-sales': 'Japan West', 'fg-finance': 'East US', 'fg-orders': 'Japan West'}
DR = {'fg-sales': 'Japan East', 'fg-finance': 'West US'}


def control(path):
    context = ssl.create_default_context(cafile=os.environ['REQUESTS_CA_BUNDLE'])
    with urllib.request.urlopen(os.environ['AZURE_ARM_ENDPOINT'] + '/_emulator/' + path, context=context) as answer:
        return json.load(answer)


def primaries():
    return {group['name']: group['primary'] for group in control('state')['failover_groups']}


def failovers(since):
    return [[entry['status'], entry['path']] for entry in control('requests')['requests'][int(since):]
            if entry['method'] == 'POST' and entry['path'].endswith(('/failover', '/forceFailoverAllowDataLoss'))]


def check_report(path, expectation):
    with open(path) as handle:
        report = json.load(handle)
    problems = ['%s is %r, expected %r' % (key, report.get(key), expectation[key])
                for key in ('result', 'mode') if report.get(key) != expectation[key]]
    for leg in ('failover', 'failback'):
        actions = sorted(item['action'] for item in report['items'] if item.get('leg') == leg)
        if actions != sorted(expectation[leg]):
            problems.append('%s leg actions %r, expected %r' % (leg, actions, expectation[leg]))
    if [leg['name'] for leg in report.get('legs') or []] != ['failover', 'failback']:
        problems.append('legs %r, expected the failover then the failback' % report.get('legs'))
    for leg in report.get('legs') or []:
        if leg['duration'] is None or leg['duration'] <= 0:
            problems.append('the %s leg has no duration: %r' % (leg['name'], leg))
    checks = [[check['leg'], check['ok']] + ([check['message']] if not check['ok'] else []) for check in report['checks']]
    if checks != expectation['checks']:
        problems.append('checks %r, expected %r' % (checks, expectation['checks']))
    if 'soaked_at_least' in expectation:  # the failback began no sooner than the soak after the failover ended
        gap = report['legs'][1]['start_offset'] - report['legs'][0]['end_offset']
        if gap < expectation['soaked_at_least']:
            problems.append('the failback began %.1f s after the failover ended, not after a soak of %s s'
                            % (gap, expectation['soaked_at_least']))
    if report['rto']['achieved_seconds'] != report['legs'][0]['duration']:
        problems.append("rto.achieved_seconds %r is not the failover leg's duration" % report['rto'])
    if not any('not part of a live drill' in note for note in report.get('notes') or []):
        problems.append('the report does not say that workspaces are not part of a live drill')
    if report['left_in_dr_region'] != expectation.get('left_in_dr_region', []):
        problems.append('left_in_dr_region %r' % report['left_in_dr_region'])
    with open(path[:-len('.json')] + '.md') as handle:
        if '## Legs' not in handle.read():
            problems.append('the Markdown report has no legs')
    return problems


def main(command, *args):
    if command == 'log-size':
        print(len(control('requests')['requests']))
        return 0
    if command == 'primaries':
        print(json.dumps(primaries()))
        return 0
    if command in ('home', 'at-dr'):
        wanted = HOME if command == 'home' else DR
        found = primaries()
        wrong = {name: found.get(name) for name, location in wanted.items() if found.get(name) != location}
        if wrong:
            print('not primary where expected (%s): %r' % (command, wrong), file=sys.stderr)
            return 1
        return 0
    if command == 'failovers':
        print(json.dumps(failovers(args[0])))
        return 0
    if command == 'report':
        problems = check_report(args[0], json.loads(args[1]))
        for problem in problems:
            print('%s: %s' % (args[0], problem), file=sys.stderr)
        return 1 if problems else 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == '__main__':
    sys.exit(main(*sys.argv[1:]))
