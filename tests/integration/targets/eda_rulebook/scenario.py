# -*- coding: utf-8 -*-
# Copyright: contributors to the azure_dr.recovery collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The real ansible-rulebook running the collection's rulebook dr_watch against the emulator, driven and checked from
outside: what it received (its --print-events output), what it ran (the DR reports), what reached Azure (the
emulator's request log) and what reached AAP (the controller stand-in's launches).

    scenario.py WORKDIR            the steps below, ansible-rulebook's output in WORKDIR/rulebook.log
    scenario.py WORKDIR approve    then, with dr_watch_workspace_action: approve (WORKDIR/approve.log): a workspace
                                   deleted launches the workflow limited to it, and nothing is restored
    scenario.py WORKDIR scope      then, without ansible-rulebook: dr_failover's scope and confirm-only runs with
                                   ansible-playbook - an unknown name refused before any request, check mode,
                                   a run, the same run again (nothing to do)

WORKDIR holds rulebook.log (ansible-rulebook's output), reports/ (the plan's report_dir) and standin.json (the
stand-in's ready file); the emulator is AZURE_ARM_ENDPOINT (its CA REQUESTS_CA_BUNDLE).  Steps, each waiting for a
condition with a deadline (never a sleep standing in for one):

1. healthy: both sources' snapshots, then HEALTHY_POLLS polls with no other event, nothing run, nothing launched;
2. an outage of Japan West (control call) -> one region_unreachable -> dr_drill ran (its report: no go, the event in
   it; not one failover POST) -> the workflow "DR: drill, approve, fail over" launched on the stand-in with the event
   and the drill's answer in its extra vars -> ansible-rulebook waits on it until a person approves (stand-in control
   call), then sees it end; the outage ended -> region_recovered.  Twice more (an outage, its event, its end) for the
   time from an injected outage to its event: each time and their median are printed; the drill is not run again
   (throttle), each outage is one event in at most HEALTHY_POLLS polls;
3. a Microsoft-managed failover of fg-sales (control call: no failover request) -> role_changed -> dr_failover limited
   to fg-sales, confirm only: its report says moved by someone else, fg-finance left out, the three workspaces
   restored, and not one failover POST;
4. a workspace of the plan deleted (control call) -> workspace_deleted -> dr_failover restoring that workspace only:
   one restore POST, no group touched.
"""

import ast
import datetime
import glob
import json
import os
import re
import ssl
import statistics
import subprocess
import sys
import time
import urllib.parse
import urllib.request

PLAN = 'contoso-demo'
REGION = 'Japan West'
# Polls are counted by the listings of a region that stays up (one a poll, never retried): those of the region out
# would count its retries too.
POLLED = 'East US'
HEALTHY_POLLS = 5  # unreachable_after (2) polls of an outage, plus the poll that sees it start and margin
DEADLINE = 120  # seconds any one condition may take (a DR playbook run here takes 10 to 20)
WORKFLOW = 'DR: drill, approve, fail over'
FINANCE = '97dd1d38-a4c6-41ed-bc4f-1e383f8ddd0f'  # the plan's first workspace (by id): Finance Analytics
ENGINEERING = '5a6b7c8d-9e0f-4a1b-8c2d-3e4f5a6b7c8d'  # the plan's workspace given by name: Data Engineering
MOVED_BY_OTHERS = 'primary (failed over by another operation)'


def fail(message):
    print('FAILED CHECK: %s' % message, file=sys.stderr)
    sys.exit(1)


def wait_for(what, condition, deadline=DEADLINE, poll=0.2):
    """The first true value of ``condition()`` within ``deadline`` seconds; a failure that says what was awaited."""
    ends = time.time() + deadline
    while True:
        value = condition()
        if value:
            return value
        if time.time() > ends:
            fail('not within %d s: %s' % (deadline, what))
        time.sleep(poll)


class Emulator:
    def __init__(self):
        self.url = os.environ['AZURE_ARM_ENDPOINT']
        self.context = ssl.create_default_context(cafile=os.environ['REQUESTS_CA_BUNDLE'])

    def call(self, method, path, body=None):
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.url + '/_emulator/' + path, data=data, method=method,
                                         headers={'Content-Type': 'application/json'})
        with urllib.request.urlopen(request, context=self.context) as answer:
            return json.load(answer)

    def log(self):
        return self.call('GET', 'requests')['requests']


def path_of(entry):
    return urllib.parse.unquote(entry['path']).replace(' ', '').lower()


def listings(log, region):
    """The watch's listings of the failover groups of ``region`` (one per poll)."""
    key = '/locations/%s/instancefailovergroups' % region.replace(' ', '').lower()
    return [entry for entry in log if entry['method'] == 'GET' and path_of(entry).endswith(key)]


def workspace_listings(log):
    """The listings of workspaces (the workspace watch's polls, when no run is going on)."""
    return [entry for entry in log if entry['method'] == 'GET'
            and path_of(entry).split('?')[0].rstrip('/') == '/v1/admin/workspaces']


def failovers(log):
    return [entry for entry in log if entry['method'] == 'POST' and (
        path_of(entry).endswith('/failover') or path_of(entry).endswith('/forcefailoverallowdataloss'))]


def restores(log):
    return [entry for entry in log if entry['method'] == 'POST' and path_of(entry).endswith('/restore')]


_BANNER = re.compile(r'^\*\* (\S+ \S+) \[received event\] \*+$')


def received(log_path):
    """Every event ansible-rulebook printed (--print-events) as it received it: [(ruleset, event)]."""
    with open(log_path, errors='replace') as handle:
        lines = handle.read().splitlines()
    events, index = [], 0
    while index < len(lines):
        if not _BANNER.match(lines[index]):
            index += 1
            continue
        end = index + 1
        while end < len(lines) and not re.match(r'^\*{20,}$', lines[end]):
            end += 1
        block = lines[index + 1:end]
        index = end
        if len(block) < 3 or not block[0].startswith('Ruleset: ') or block[1] != 'Event:':
            continue
        try:
            event = ast.literal_eval('\n'.join(block[2:]))
        except (ValueError, SyntaxError):  # a Shutdown(...), not an event of a source
            continue
        if isinstance(event, dict):
            events.append((block[0][len('Ruleset: '):], event))
    return events


def ours(events, kind=None):
    """The sources' events (``azure_dr``), of ``kind`` when given, each with ``received``: when ansible-rulebook
    received it (its meta.received_at), in epoch seconds."""
    return [dict(event['azure_dr'], received=_epoch(event['meta']['received_at'])) for _ruleset, event in events
            if isinstance(event.get('azure_dr'), dict) and (kind is None or event['azure_dr'].get('type') == kind)]


def _epoch(text):
    return datetime.datetime.fromisoformat(text.replace('Z', '+00:00')).timestamp()


def reports(workdir, playbook):
    return sorted(glob.glob(os.path.join(workdir, 'reports', '%s-%s-*.json' % (PLAN, playbook))))


def load(path):
    with open(path) as handle:
        return json.load(handle)


class Standin:
    def __init__(self, workdir):
        with open(os.path.join(workdir, 'standin.json')) as handle:
            self.url = json.load(handle)['url']

        # Its certificate is the emulator's (one CA for both).
        self.context = ssl.create_default_context(cafile=os.environ['REQUESTS_CA_BUNDLE'])

    def launches(self):
        with urllib.request.urlopen(self.url + '/_standin/launches', context=self.context) as answer:
            return json.load(answer)['launches']

    def approve(self, job):
        request = urllib.request.Request(self.url + '/_standin/workflow_jobs/%d/approve' % job, data=b'{}', method='POST')
        with urllib.request.urlopen(request, context=self.context) as answer:
            return json.load(answer)


def step(text):
    print('\n=== %s' % text, flush=True)


def main(workdir):
    log_path = os.path.join(workdir, 'rulebook.log')
    emulator, standin = Emulator(), Standin(workdir)

    def events():
        return received(log_path)

    step('healthy: the snapshots, then %d polls with no other event' % HEALTHY_POLLS)
    wait_for('the snapshot of both sources', lambda: len(ours(events(), 'snapshot')) == 2)
    start = len(listings(emulator.log(), POLLED))
    wait_for('%d polls' % HEALTHY_POLLS, lambda: len(listings(emulator.log(), POLLED)) - start >= HEALTHY_POLLS)
    others = [event['type'] for event in ours(events()) if event['type'] != 'snapshot']
    if others or standin.launches() or glob.glob(os.path.join(workdir, 'reports', '*.json')):
        fail('a healthy estate made events %r, launches %r or reports' % (others, standin.launches()))
    print('healthy: %d polls, no event but the two snapshots, nothing run, nothing launched' % HEALTHY_POLLS)

    step('an outage of %s: one event, the drill, the approval workflow' % REGION)
    times = []
    for cycle in range(3):
        before = emulator.log()
        polls_before, seen = len(listings(before, POLLED)), len(ours(events(), 'region_unreachable'))
        injected = time.time()
        emulator.call('POST', 'outages', {'location': REGION, 'mode': 'unavailable'})
        event = wait_for('region_unreachable of %s (outage %d)' % (REGION, cycle + 1),
                         lambda: ours(events(), 'region_unreachable')[seen:])[0]
        times.append(event['received'] - injected)
        polls = len(listings(emulator.log(), POLLED)) - polls_before
        if event.get('location') != REGION or 'fg-sales' not in (event.get('groups') or []):
            fail('region_unreachable says %r' % event)
        if polls > HEALTHY_POLLS:
            fail('the outage took %d polls to be an event, more than the %d polls of the healthy estate' % (polls, HEALTHY_POLLS))
        print('outage %d: region_unreachable %.2f s after the outage began, in %d polls' % (cycle + 1, times[-1], polls))
        if cycle == 0:
            drill = wait_for('the report of dr_drill', lambda: reports(workdir, 'dr_drill'))[0]
            report = load(drill)
            readiness = report.get('readiness') or {}
            if report['result'] != 'no-go' or (report.get('event') or {}).get('type') != 'region_unreachable':
                fail('the drill reports %s for event %r' % (report['result'], report.get('event')))
            if not any('fg-sales' in problem for problem in readiness.get('problems') or []):
                fail('the drill does not say why fg-sales is no go: %r' % readiness.get('problems'))
            print('dr_drill ran: %s, %s (%s)' % (os.path.basename(drill), report['result'], '; '.join(readiness['problems'])))
            launch = wait_for('the launch of %r on the stand-in' % WORKFLOW, standin.launches)[0]
            extra = launch['extra_vars']
            if launch['template'] != WORKFLOW or launch['kind'] != 'workflow_job_template':
                fail('launched %r' % launch)
            answer = extra.get('dr_watch_drill') or {}
            if (extra.get('dr_event') or {}).get('type') != 'region_unreachable' or answer.get('result') != 'no-go' \
                    or not answer.get('problems') or answer.get('report') != drill or extra.get('dr_plan_name') != PLAN \
                    or extra.get('dr_confirm') != PLAN or extra.get('dr_allow_data_loss') != 'false' or 'ansible_eda' in extra:
                fail('the workflow launch carries %r' % extra)
            print('workflow %r launched (job %d) with the survey\'s answers (%s), the event (%s at %s) and the drill\'s '
                  'answer (%s, %s)' % (launch['template'], launch['job'], ', '.join(
                      '%s=%s' % (key, extra[key]) for key in ('dr_plan_name', 'dr_allow_data_loss', 'dr_confirm')),
                      extra['dr_event']['type'], extra['dr_event']['location'], answer['result'], answer['report']))
            wait_for('ansible-rulebook polling the workflow job while it waits for its approval',
                     lambda: standin.launches()[0]['polls'] >= 1)
            standin.approve(launch['job'])
            polled = standin.launches()[0]['polls']
            wait_for('ansible-rulebook seeing the approved workflow end', lambda: standin.launches()[0]['polls'] > polled)
            print('approved by a person (the stand-in\'s approval node); ansible-rulebook saw the workflow end successful')
        emulator.call('DELETE', 'outages')
        recovered = len(ours(events(), 'region_recovered'))
        wait_for('region_recovered of %s (outage %d)' % (REGION, cycle + 1),
                 lambda: len(ours(events(), 'region_recovered')) > recovered)
        if len(ours(events(), 'region_unreachable')) != seen + 1:
            fail('outage %d made %d region_unreachable events, not one' % (
                cycle + 1, len(ours(events(), 'region_unreachable')) - seen))
        if failovers(emulator.log()[len(before):]):
            fail('a failover was sent during the outage: %r' % failovers(emulator.log()[len(before):]))
    if len(reports(workdir, 'dr_drill')) != 1 or len(standin.launches()) != 1:
        fail('the outages after the first ran %d drills and %d launches, not one each (throttle)'
             % (len(reports(workdir, 'dr_drill')), len(standin.launches())))
    print('outage to event (s): %s; median %.2f s (interval 1 s, unreachable_after 2, read_timeout 2 s)' % (
        ', '.join('%.2f' % value for value in times), statistics.median(times)))

    step('a Microsoft-managed failover of fg-sales: dr_failover confirms it, sends no failover, restores the workspaces')
    since = len(emulator.log())
    moved = emulator.call('POST', 'role-swap', {'name': 'fg-sales'})
    event = wait_for('role_changed of fg-sales', lambda: ours(events(), 'role_changed'))[0]
    if event.get('group') != 'fg-sales' or event.get('primary') != moved['primary']:
        fail('role_changed says %r, the emulator moved %r' % (event, moved))
    path = wait_for('the report of dr_failover', lambda: reports(workdir, 'dr_failover'))[0]
    report = load(path)
    scope = report.get('scope') or {}
    groups = {item['name']: item for item in report['items'] if item['kind'] == 'failover_group'}
    restored = [item for item in report['items'] if item['kind'] == 'workspace' and item['action'] == 'restored']
    log = emulator.log()[since:]
    if report['result'] != 'succeeded' or not scope.get('confirm_only') or scope.get('moved_by_others') != ['fg-sales'] \
            or scope.get('left_out_groups') != ['fg-finance'] or list(groups) != ['fg-sales'] \
            or groups['fg-sales']['action'] != MOVED_BY_OTHERS or (report.get('event') or {}).get('type') != 'role_changed':
        fail('the confirm-only report says %r' % {key: report.get(key) for key in ('result', 'scope', 'items', 'event')})
    if failovers(log) or len(restored) != 3 or len(restores(log)) != 3:
        fail('%d failover POSTs and %d restore POSTs (%d rows restored): expected 0 and 3'
             % (len(failovers(log)), len(restores(log)), len(restored)))
    print('dr_failover converged: %s; %s; %d workspaces restored; 0 failover POSTs' % (
        os.path.basename(path), ' '.join(line for line in [
            'moved by someone else: %s,' % ', '.join(scope['moved_by_others']),
            'left out: %s' % ', '.join(scope['left_out_groups'])]), len(restored)))

    step('a workspace of the plan deleted: that workspace restored, and nothing else')
    # The watch must first see the workspaces restored: deleted at one poll and deleted again at the next is no change.
    # A poll of it after the run's end is that (not a time: on a busy machine its polls come late).
    settled = len(emulator.log())
    wait_for('a poll of the workspace watch after the restores', lambda: workspace_listings(emulator.log()[settled:]))
    since = len(emulator.log())
    first = path
    emulator.call('POST', 'workspace-state', {'id': FINANCE, 'state': 'Deleted'})
    event = wait_for('workspace_deleted', lambda: ours(events(), 'workspace_deleted'))[0]
    if (event.get('workspace') or {}).get('id', '').lower() != FINANCE:
        fail('workspace_deleted says %r' % event)
    path = wait_for('the second report of dr_failover', lambda: [p for p in reports(workdir, 'dr_failover') if p != first])[0]
    report = load(path)
    scope = report.get('scope') or {}
    log = emulator.log()[since:]
    if report['result'] != 'succeeded' or scope.get('groups') != [] or scope.get('workspaces') != [FINANCE] \
            or [item['action'] for item in report['items']] != ['restored'] or failovers(log) \
            or [path_of(entry) for entry in restores(log)] != ['/v1/admin/workspaces/%s/restore' % FINANCE]:
        fail('the workspace run says %r; its writes %r' % (
            {key: report.get(key) for key in ('result', 'scope', 'items')}, [path_of(e) for e in restores(log) + failovers(log)]))
    print('dr_failover restored %s only (%s); groups left out: %s; 0 failover POSTs' % (
        FINANCE, os.path.basename(path), ', '.join(scope['left_out_groups'])))

    # ansible-rulebook exits 0 whatever its playbooks did: their recaps say; a healthy run says FAILED nowhere.
    def play_recaps():
        with open(log_path, errors='replace') as handle:
            return re.findall(r'^localhost\s+:.*$', handle.read(), re.MULTILINE)

    wait_for('the recaps of the three playbooks', lambda: len(play_recaps()) >= 3)
    with open(log_path, errors='replace') as handle:
        output = handle.read()
    recaps = play_recaps()
    if len(recaps) != 3 or any(not re.search(r'\bfailed=0\b', recap) for recap in recaps) or 'FAILED' in output \
            or 'fatal:' in output:
        fail('the playbooks ansible-rulebook ran: %r (FAILED or fatal: in its output: %s)' % (
            recaps, 'FAILED' in output or 'fatal:' in output))
    print('ansible-rulebook ran 3 playbooks (dr_drill, dr_failover twice), none failed: %s' % '; '.join(
        ' '.join(recap.split()) for recap in recaps))

    counts = {}
    for event in ours(events()):
        counts[event['type']] = counts.get(event['type'], 0) + 1
    expected = {'snapshot': 2, 'region_unreachable': 3, 'region_recovered': 3, 'role_changed': 1, 'workspace_deleted': 1}
    if counts != expected:
        fail('the sources sent %r, expected %r' % (counts, expected))
    print('\nevents: %s; launches on the stand-in: %d; outage to event: median %.2f s of %s' % (
        ', '.join('%s %d' % item for item in sorted(counts.items())), len(standin.launches()), statistics.median(times),
        ', '.join('%.2f' % value for value in times)))


def approve(workdir):
    """dr_watch_workspace_action: approve - a workspace of the plan deleted launches the workflow for that workspace only
    (every job of it limited to it), and nothing is restored until a person approves."""
    emulator, standin = Emulator(), Standin(workdir)

    def events():
        return received(os.path.join(workdir, 'approve.log'))

    step('dr_watch_workspace_action: approve - a workspace deleted asks a person')
    wait_for('the snapshot of both sources', lambda: len(ours(events(), 'snapshot')) == 2)
    launched, since = len(standin.launches()), len(emulator.log())
    emulator.call('POST', 'workspace-state', {'id': ENGINEERING, 'state': 'Deleted'})
    event = wait_for('workspace_deleted', lambda: ours(events(), 'workspace_deleted'))[0]
    launch = wait_for('the launch of %r' % WORKFLOW, lambda: standin.launches()[launched:])[0]
    extra = launch['extra_vars']
    expected = {'dr_plan_name': PLAN, 'dr_allow_data_loss': 'false', 'dr_confirm': PLAN, 'dr_only_groups': [],
                'dr_only_workspaces': [{'id': ENGINEERING, 'name': 'Data Engineering'}]}
    if launch['template'] != WORKFLOW or {key: extra.get(key) for key in expected} != expected \
            or (extra.get('dr_event') or {}).get('type') != 'workspace_deleted' or event['workspace']['id'] != ENGINEERING:
        fail('the approval launch carries %r' % extra)
    log = emulator.log()[since:]
    if restores(log) or failovers(log) or len(reports(workdir, 'dr_failover')) != 2:
        fail('a deleted workspace was acted on before any approval: %r' % [path_of(e) for e in restores(log) + failovers(log)])
    print('workflow %r launched (job %d) for %s only (dr_only_groups [], dr_only_workspaces %r); nothing restored' % (
        launch['template'], launch['job'], 'Data Engineering', extra['dr_only_workspaces']))


def playbook(workdir, name, extra, check=False):
    """ansible-playbook azure_dr.recovery.NAME with the plan by name and EXTRA: (rc, output)."""
    command = ['ansible-playbook', 'azure_dr.recovery.' + name, '-e', 'dr_plan_name=' + PLAN,
               '-e', 'dr_plan_dir=' + os.path.join(workdir, 'plans'), '-e', json.dumps(extra)] + (['--check'] if check else [])
    done = subprocess.run(command, cwd=workdir, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, check=False,
                          timeout=300)
    return done.returncode, done.stdout


def scope(workdir):
    """dr_failover limited to a group, confirm only, as a person runs it: every problem before any request, check mode
    (nothing sent), a run (a workspace restored, no failover), the same run again (nothing to do)."""
    emulator = Emulator()
    step('dr_failover limited to what an event names, without ansible-rulebook: refused, --check, run, run again')
    since = len(emulator.log())
    code, output = playbook(workdir, 'dr_failover', {'dr_only_groups': ['fg-nope'], 'dr_only_workspaces': ['Nope'],
                                                     'dr_confirm_only': 'maybe'})
    problems = ['dr_only_groups: fg-nope is not a failover group of plan contoso-demo (its groups: fg-sales, fg-finance)',
                'dr_only_workspaces: Nope is not a workspace of plan contoso-demo',
                "dr_confirm_only must be true or false, got 'maybe'"]
    if code == 0 or not all(problem in output for problem in problems) or len(emulator.log()) != since:
        fail('an unknown scope: rc %d, %d requests, output %s' % (code, len(emulator.log()) - since, output[-2000:]))
    print('unknown names refused before any request, every problem at once')
    only = {'dr_only_groups': ['fg-finance'], 'dr_confirm_only': True, 'dr_event': {'type': 'role_changed', 'plan': PLAN}}
    runs = []
    for check in (True, False, False):
        since, before = len(emulator.log()), set(reports(workdir, 'dr_failover'))
        code, output = playbook(workdir, 'dr_failover', only, check=check)
        written = [entry for entry in emulator.log()[since:] if entry['method'] == 'POST' and '/oauth2/' not in entry['path']]
        new = sorted(set(reports(workdir, 'dr_failover')) - before)
        if code != 0 or len(new) != 1 or 'FAILED' in output:
            fail('dr_failover %s: rc %d, reports %r: %s' % ('--check' if check else '', code, new, output[-3000:]))
        report = load(new[0])
        runs.append((report, written))
        print('%s: %s, %s; scope %s; %d writes (%s)' % (
            'check mode' if check else 'run', report['mode'], report['result'],
            {key: report['scope'][key] for key in ('groups', 'left_out_groups', 'confirm_only', 'not_moved')},
            len(written), ', '.join(path_of(entry).rsplit('/', 2)[-2] for entry in written) or 'none'))
    (checked, checked_writes), (ran, ran_writes), (again, again_writes) = runs
    rows = [[(item['name'], item['action']) for item in report['items'] if item['kind'] == 'failover_group']
            for report in (checked, ran, again)]
    if checked['result'] != 'rehearsed' or checked_writes or ran['result'] != 'succeeded' or again['result'] != 'succeeded':
        fail('check mode wrote %r; results %s, %s, %s' % (checked_writes, checked['result'], ran['result'], again['result']))
    if rows != [[('fg-finance', 'not moved (dr_confirm_only: no failover sent)')]] * 3 or failovers(ran_writes) \
            or [path_of(entry) for entry in restores(ran_writes)] != ['/v1/admin/workspaces/%s/restore' % ENGINEERING] \
            or again_writes or ran['scope']['not_moved'] != ['fg-finance'] or ran['event']['type'] != 'role_changed':
        fail('the confirm-only runs: rows %r, writes %r then %r' % (
            rows, [path_of(entry) for entry in ran_writes], [path_of(entry) for entry in again_writes]))
    print('confirm only: fg-finance not moved and nothing sent, in check mode and for real; Data Engineering restored '
          'once; the same run again sent nothing')


if __name__ == '__main__':
    if sys.argv[2:] == ['approve']:
        approve(sys.argv[1])
    elif sys.argv[2:] == ['scope']:
        scope(sys.argv[1])
    else:
        main(sys.argv[1])
