# -*- coding: utf-8 -*-
# Copyright: contributors to the azure_dr.recovery collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The reliability and security suite: every scenario of scenarios.yml (plus every call of every module
crossed with every fault kind, and every option of every module given a value of the wrong type) run
through real ansible-playbook runs against emulators, each held to its expected outcome and to the
invariants, and every byte of output searched for a canary secret, password and token.

    python suite.py WORKDIR

Scenarios run in two shards at once, each an ansible-playbook run (-vvv) against an emulator of its own;
the scenarios that kill or restart processes run beside them. Prints one line per failed scenario and
"N scenarios, N passed, N failed"; exits 1 when any failed.
"""

import concurrent.futures
import copy
import json
import os
import re
import signal
import ssl
import subprocess
import sys
import time
import urllib.parse
import urllib.request

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
WORKDIR = os.path.abspath(sys.argv[1])
COLLECTION = os.path.join(os.environ['ANSIBLE_COLLECTIONS_PATH'].split(':')[0], 'ansible_collections', 'azure_dr',
                          'recovery')
PYTHON = sys.executable

CANARY_SECRET = 'canary-secret-4f9d2b7e61'
CANARY_PASSWORD = 'canary-password-8c1e5a09'
CLIENT_ID = '0f1e2d3c-4b5a-4697-8877-665544332211'
TENANT = '6b7a1c2e-3f4d-4e5a-9b8c-7d6e5f4a3b2c'
SUBSCRIPTION = '00000000-1111-2222-3333-444444444444'
USER = 'dr-operator@contoso.onmicrosoft.com'
# Timed states counted in requests, not seconds: a failover answers running to one poll and has ended at the next.
DEFAULT_SETTINGS = {'failover_polls': 1, 'arm_retry_after': 1}
SHARDS = 3  # scenarios wait on Retry-After and operations: a third shard fills those waits


# --- the emulator ---

class Emulator:
    """One emulator process, seeded with the demo estate whose secret and password are canaries."""

    def __init__(self, name, seed):
        self.dir = os.path.join(WORKDIR, name)
        os.makedirs(self.dir)
        self.seed = seed
        self.seed_file = os.path.join(self.dir, 'seed.json')
        with open(self.seed_file, 'w') as handle:
            json.dump(seed, handle)
        self.port = 0
        self.process = None
        self.start()

    def start(self):
        ready = os.path.join(self.dir, 'ready.json')
        if os.path.exists(ready):
            os.remove(ready)
        env = dict(os.environ, PYTHONPATH=os.path.join(COLLECTION, 'tests'))
        log = open(os.path.join(self.dir, 'emulator.log'), 'a')
        self.process = subprocess.Popen(
            [PYTHON, '-m', 'azure_dr_emulator', '--port', str(self.port), '--state', os.path.join(self.dir, 'state.json'),
             '--seed', self.seed_file, '--ready-file', ready, '--idle-exit', '600'], env=env, stdout=log, stderr=log)
        for _attempt in range(200):
            if os.path.exists(ready) and os.path.getsize(ready):
                break
            time.sleep(0.05)
        with open(ready) as handle:
            self.url = json.load(handle)['base_url']
        self.port = urllib.parse.urlsplit(self.url).port
        self.ca = os.path.join(self.dir, 'tls', 'ca.pem')

    def stop(self):
        self.process.terminate()
        self.process.wait(10)

    def call(self, method, path, body=None):
        context = ssl.create_default_context(cafile=self.ca)
        request = urllib.request.Request(self.url + '/_emulator/' + path, method=method,
                                         data=None if body is None else json.dumps(body).encode('utf-8'))
        with urllib.request.urlopen(request, context=context, timeout=30) as answer:
            return json.load(answer)

    def environment(self, process='service_principal'):
        """What AWX's Azure credential injects (the canary secret), and where this emulator is."""
        env = {name: value for name, value in os.environ.items() if not name.startswith(('AZURE_', 'FABRIC_'))}
        env.update(REQUESTS_CA_BUNDLE=self.ca, SUITE_EMULATOR_URL=self.url, AZURE_AUTHORITY_HOST=self.url,
                   AZURE_ARM_ENDPOINT=self.url, FABRIC_API_ENDPOINT=self.url)
        if process in ('service_principal', 'user'):
            env['AZURE_SUBSCRIPTION_ID'] = SUBSCRIPTION
        if process == 'service_principal':
            env.update(AZURE_CLIENT_ID=CLIENT_ID, AZURE_SECRET=CANARY_SECRET, AZURE_TENANT=TENANT)
        return env


def canary_seed():
    with open(os.path.join(COLLECTION, 'tests', 'azure_dr_emulator', 'seeds', 'demo.yml')) as handle:
        seed = yaml.safe_load(handle)
    seed['clients'][0]['secret'] = CANARY_SECRET
    seed['users'][0]['password'] = CANARY_PASSWORD
    return seed


def row_seed(base, row):
    seed = copy.deepcopy(base)
    seed['settings'] = dict(seed.get('settings') or {}, **DEFAULT_SETTINGS)
    seed['settings'].update(row.get('settings') or {})
    seed['workspaces'] = seed['workspaces'] + list(row.get('extra_workspaces') or [])
    return seed


# --- the scenarios ---

def merged_args(table, row):
    args = copy.deepcopy(table['modules'][row['module']]['args'])
    args.update(row.get('args') or {})
    return {name: value for name, value in args.items() if value is not None}


def fault_rows(table):
    """Every call of every module crossed with every fault kind that applies to it."""
    rows = []
    for module, spec in table['modules'].items():
        api = 'fabric' if module.startswith('fabric') else 'arm'
        for call_name, call in spec['calls'].items():
            kind_of_call = 'token' if call_name == 'token' else 'write' if call.get('write') else 'read'
            names = {kind_of_call, '%s %s' % (api, kind_of_call)}
            for kind_name, kind in table['fault_kinds'].items():
                if (kind.get('only') and not names & set(kind['only'])) or names & set(kind.get('not') or []):
                    continue
                faults = [dict(fault, method=call['method'], path=call['path'], **({'skip': call['skip']} if call.get('skip') else {}))
                          for fault in kind['faults']]
                expect = dict(table['fault_outcomes'].get(kind_of_call, {}).get(kind_name) or {'outcome': 'ok'})
                if kind_of_call == 'write' and expect['outcome'] == 'error' and module != 'fabric_workspace_restore':
                    expect['max_accepted'] = 1 if kind_name == 'timeout' else 0 if 'batch' not in module else 1
                rows.append({'id': '%s / %s / %s' % (module, call_name, kind_name), 'module': module,
                             'faults': faults, 'environment': kind.get('environment'), 'expect': expect})
    return rows


# (Values that no message contains: a mapping given to a no_log option has its values masked in all output.)
WRONG_VALUES = {'str': {'wrong': 'type-x1'}, 'path': {'wrong': 'type-x2'}, 'int': 'twelve', 'bool': 'perhaps',
                'list': {'wrong': 'type-x3'}, 'dict': 'not-a-dict', 'float': 'far'}


def wrong_type_rows(table):
    """Every option of every module given a value of the wrong type (from the modules' own docs): all the
    text options of a module at once, as mappings (one error must name each of them), and each other
    option on its own (Ansible stops at the first conversion it cannot make)."""
    docs = json.loads(subprocess.run(['ansible-doc', '-j'] + ['azure_dr.recovery.' + name for name in table['modules']],
                                     check=True, capture_output=True, text=True).stdout)
    rows = []
    for name, doc in sorted(docs.items()):
        module = name.split('.')[-1]
        options = doc['doc']['options']
        # Options Ansible checks itself first (choices, mutual exclusion) get rows of their own.
        alone = set(table['modules'][module].get('checked_by_ansible') or []) | {'auth_source'}
        text = sorted(option for option, spec in options.items()
                      if spec.get('type', 'str') in ('str', 'path') and not spec.get('choices') and option not in alone)
        rows.append({'id': 'wrong type / %s / %d text options at once' % (module, len(text)), 'module': module,
                     'args': {option: WRONG_VALUES[options[option].get('type', 'str')] for option in text},
                     'expect': {'outcome': 'error', 'messages': ['%s must be a string' % option for option in text],
                                'requests': 0}})
        for option, spec in sorted(options.items()):
            if option not in text:
                rows.append({'id': 'wrong type / %s / %s' % (module, option), 'module': module,
                             'args': {option: WRONG_VALUES[spec['type']]},
                             'expect': {'outcome': 'error', 'message': option, 'requests': 0}})
    return rows


def playbook_command(path):
    return ['ansible-playbook', '-vvv', '-i', 'localhost,', '-c', 'local', '-e', 'ansible_python_interpreter=' + PYTHON, path]


def task(name, module, args, **keywords):
    return dict({'name': name, 'azure_dr.recovery.' + module: args, 'ignore_errors': True}, **keywords)


def playbook(name, table, rows, base_seed):
    tasks = []
    for index, row in enumerate(rows):
        tag = '%s-%03d' % (name, index)  # unique across shards: log files are named by it
        row['tag'] = tag
        seed = row_seed(base_seed, row)
        setup = {'name': '[%s] setup' % tag, 'register': 'minted',
                 'emulator': {'reset': {'settings': seed['settings'], 'extra_workspaces': row.get('extra_workspaces') or []},
                              'faults': row.get('faults') or [], 'lro_faults': row.get('lro_faults') or []}}
        if row.get('mint_token'):  # after the reset, which renews the signing key
            setup['emulator']['mint_token'] = row['mint_token']
            setup['no_log'] = True
        tasks.append(setup)
        for number, before in enumerate(row.get('before') or []):
            args = copy.deepcopy(table['modules'][before['module']]['args'])
            args.update(before.get('args') or {})
            tasks.append(task('[%s] before %d' % (tag, number), before['module'], args))
        keywords = {}
        if row.get('check_mode'):
            keywords['check_mode'] = True
        if row.get('environment'):  # never a secret: Ansible prints these with -vvv
            keywords['environment'] = row['environment']
        tasks.append(task('[%s] main' % tag, row['module'], merged_args(table, row), **keywords))
        tasks.append({'name': '[%s] fetch' % tag, 'emulator': {'fetch': os.path.join(WORKDIR, 'log', tag + '.json')}})
    return [{'name': 'Reliability scenarios', 'hosts': 'localhost', 'gather_facts': False, 'tasks': tasks}]


def run_shard(name, table, rows, emulator, process):
    path = os.path.join(WORKDIR, name + '.yml')
    with open(path, 'w') as handle:
        json.dump(playbook(name, table, rows, emulator.seed), handle)
    results = os.path.join(WORKDIR, name + '.results.json')
    os.makedirs(os.path.join(WORKDIR, 'log'), exist_ok=True)
    # Pipelining: one process per module run instead of five (temporary directory, copy, chmod, run, clean up).
    env = dict(emulator.environment(process), SUITE_RESULTS=results, SUITE_SEED=emulator.seed_file, ANSIBLE_CALLBACKS_ENABLED='record_results',
               ANSIBLE_PIPELINING='true',
               ANSIBLE_CALLBACK_PLUGINS=os.path.join(HERE, 'callback_plugins'))
    with open(os.path.join(WORKDIR, name + '.out'), 'w') as output:
        subprocess.run(playbook_command(path), env=env, stdout=output,
                       stderr=subprocess.STDOUT, cwd=WORKDIR, check=False)
    with open(results) as handle:
        recorded = json.load(handle)
    for row in rows:
        row['result'] = recorded.get('[%s] main' % row['tag'], {'status': 'missing'})
        log = os.path.join(WORKDIR, 'log', row['tag'] + '.json')
        row['log'] = json.load(open(log)) if os.path.exists(log) else {}


# --- judging ---

def accepted_failovers(requests):
    return [entry for entry in requests if entry['method'] == 'POST' and entry['path'].endswith('/failover')
            and entry['status'] == 202] + \
        [entry for entry in requests if entry['method'] == 'POST' and entry['path'].endswith('/forceFailoverAllowDataLoss')
         and entry['status'] == 202]


def region(location):
    return str(location).replace(' ', '').lower()


def judge(table, row):
    """Problems of one scenario against its expectation and the invariants; [] when it passed."""
    expect, result = row['expect'], row['result']
    requests = list(row['log'].get('requests', []))
    state = row['log'].get('state', {})
    problems = []
    failed = result.get('status') == 'failed'
    message = str(result.get('msg', ''))
    if result.get('status') == 'missing':
        return ['the scenario did not run']
    if expect['outcome'] == 'ok' and failed:
        problems.append('failed: %s' % message[:300])
    if expect['outcome'] == 'error':
        if not failed:
            problems.append('succeeded, an error was expected')
        elif expect.get('message') and expect['message'] not in message:
            problems.append('message %r lacks %r' % (message[:300], expect['message']))
        missing = [text for text in expect.get('messages', []) if text not in message]
        if failed and missing:
            problems.append('message %r lacks %s' % (message[:300], missing))
    if failed and ('Traceback' in message or not message.strip()):
        problems.append('unclear error: %r' % message[:300])
    success = table['modules'][row['module']].get('success', {})
    if expect['outcome'] == 'ok' and not failed:
        changed = expect.get('changed', success.get('changed'))
        if changed is not None and result.get('changed') != changed:
            problems.append('changed is %r, expected %r' % (result.get('changed'), changed))
    primary = expect.get('primary', success.get('primary') if expect['outcome'] == 'ok' else None)
    groups = {group['name']: group for group in state.get('failover_groups', [])}
    for name, location in (primary or {}).items():
        if groups.get(name, {}).get('primary') != location:
            problems.append('%s is primary in %s, expected %s' % (name, groups.get(name, {}).get('primary'), location))
    # Invariants: never two accepted failovers of one group, never one away from the scenario's target.
    accepted = accepted_failovers(requests)
    per_group = {}
    for entry in accepted:
        per_group[entry['path']] = per_group.get(entry['path'], 0) + 1
    if any(count > 1 for count in per_group.values()):
        problems.append('a group was failed over twice: %s' % per_group)
    args = merged_args(table, row)
    targets = args['groups'] if isinstance(args.get('groups'), list) else [args]
    allowed = {region(target.get('location')) for target in targets if isinstance(target, dict)}
    for entry in accepted:
        location = region(urllib.parse.unquote(entry['path'].split('/locations/')[1].split('/')[0]))
        if location not in allowed:
            problems.append('a failover towards %s, which was not asked for' % location)
    if 'accepted' in expect and len(accepted) != expect['accepted']:
        problems.append('%d failover(s) accepted, expected %d' % (len(accepted), expect['accepted']))
    if 'max_accepted' in expect and len(accepted) > expect['max_accepted']:
        problems.append('%d failover(s) accepted, at most %d expected' % (len(accepted), expect['max_accepted']))
    # Restores: only of the workspace asked for; the set of workspaces made active is what was expected.
    restores = [entry for entry in requests if entry['method'] == 'POST' and entry['path'].endswith('/restore')
                and entry['status'] in (200, 202)]
    args = merged_args(table, row)
    asked = [args.get('workspace_id')] + [item.get('workspace_id') for item in args.get('workspaces') or []
                                          if isinstance(args.get('workspaces'), list) and isinstance(item, dict)]
    asked = [workspace_id for workspace_id in asked if isinstance(workspace_id, str)]
    for entry in restores:
        if asked and not any(workspace_id in entry['path'] for workspace_id in asked):
            problems.append('restored %s, which was not asked for' % entry['path'])
    if 'restores' in expect and len(restores) != expect['restores']:
        problems.append('%d restore(s), expected %d' % (len(restores), expect['restores']))
    seeded_active = {'41ce06d1-d81b-4ea0-bc6d-2ce3dd2f8e87'}
    active = {workspace['id'] for workspace in state.get('workspaces', []) if workspace.get('state') == 'Active'}
    expected_active = expect.get('active', success.get('active') if expect['outcome'] == 'ok' else None)
    if expected_active is not None and active - seeded_active != set(expected_active):
        problems.append('active workspaces %s, expected %s' % (sorted(active - seeded_active), expected_active))
    api_requests = [entry for entry in requests if not entry['path'].startswith('/_emulator/')]
    if 'requests' in expect and len(api_requests) != expect['requests']:
        problems.append('%d request(s) sent, expected %d: %s' % (
            len(api_requests), expect['requests'], [entry['method'] + ' ' + entry['path'] for entry in api_requests][:3]))
    writes = [entry for entry in requests if entry['method'] == 'POST' and '/oauth2/' not in entry['path']]
    if 'writes' in expect and len(writes) != expect['writes']:
        problems.append('%d write(s), expected %d' % (len(writes), expect['writes']))
    # A failover sent to a region that is already primary is refused with 400: the module must read first.
    on_primary = [entry for entry in writes if entry['status'] == 400 and '/failover' in entry['path']]
    if 'failovers_sent_to_primary' in expect and len(on_primary) != expect['failovers_sent_to_primary']:
        problems.append('%d failover(s) sent to the region already primary, expected %d'
                        % (len(on_primary), expect['failovers_sent_to_primary']))
    tokens = [entry for entry in requests if '/oauth2/' in entry['path'] and entry['status'] == 200]
    if expect.get('min_tokens') and len(tokens) < expect['min_tokens']:
        problems.append('%d token(s) fetched, expected at least %d' % (len(tokens), expect['min_tokens']))
    return problems


# --- scenarios with processes killed, restarted, or run side by side ---

FAILOVER_PLAY = [{'name': 'Fail fg-sales over', 'hosts': 'localhost', 'gather_facts': False, 'tasks': [
    {'name': 'Fail over', 'azure_dr.recovery.instance_failover_group_failover': {
        'resource_group': 'rg-sql-dr', 'name': 'fg-sales', 'location': 'Japan East'}}]}]


def runner_job(row, emulator):
    """A DR drill and failover as AWX runs them (ansible-runner, credentials in env/envvars only), so that
    the DR reports and ansible-runner's artifacts are searched for the canaries too."""
    import ansible_runner  # pylint: disable=import-outside-toplevel  # only this scenario needs it

    with open(os.path.join(COLLECTION, 'playbooks', 'plans', 'demo.yml')) as handle:
        plan = yaml.safe_load(handle)
    plan['dr_plan']['report_dir'] = os.path.join(emulator.dir, 'reports')
    outputs, problems = [], []
    for job, playbook_name in enumerate(('dr_drill', 'dr_failover'), start=1):
        private = os.path.join(emulator.dir, 'job%d' % job)
        os.makedirs(os.path.join(private, 'project'))
        os.makedirs(os.path.join(private, 'env'))
        with open(os.path.join(private, 'project', 'run.yml'), 'w') as handle:
            json.dump([{'name': 'DR', 'ansible.builtin.import_playbook': 'azure_dr.recovery.' + playbook_name}], handle)
        envvars = {name: value for name, value in emulator.environment().items()
                   if name.startswith(('AZURE_', 'FABRIC_'))}
        with open(os.path.join(private, 'env', 'envvars'), 'w') as handle:
            json.dump(envvars, handle)
        with open(os.path.join(private, 'env', 'extravars'), 'w') as handle:
            json.dump(dict(plan, awx_job_id=job, awx_job_template_name=playbook_name), handle)
        saved = {name: os.environ.pop(name) for name in list(os.environ) if name.startswith(('AZURE_', 'FABRIC_'))}
        try:
            result = ansible_runner.run(private_data_dir=private, playbook='run.yml', ident=str(job), quiet=True,
                                        envvars={'REQUESTS_CA_BUNDLE': emulator.ca})
        finally:
            os.environ.update(saved)
        if result.status != 'successful':
            problems.append('%s ended %s' % (playbook_name, result.status))
        for directory, _dirs, files in os.walk(private):
            for name in files:
                path = os.path.join(directory, name)
                # AWX's own input, and where ansible-runner stores the environment (docs/awx.md says so).
                if path != os.path.join(private, 'env', 'envvars') and not path.endswith(os.sep + 'command'):
                    outputs.append(path)
    for directory, _dirs, files in os.walk(os.path.join(emulator.dir, 'reports')):
        outputs += [os.path.join(directory, name) for name in files]
    for extension in ('.json', '.html'):  # the HTML pages are searched for the canaries too
        if not any(name.endswith(extension) for name in outputs if '/reports/' in name):
            problems.append('no DR report was written as %s' % extension)
    if not os.path.exists(os.path.join(emulator.dir, 'reports', 'index.html')):
        problems.append('no run history (index.html) was written')
    row['problems'], row['outputs'] = problems, outputs
    return row


def special(row, base_seed):
    emulator = Emulator('special-%s' % row['kind'], base_seed)
    if row['kind'] == 'runner':
        try:
            emulator.call('POST', 'reset', row_seed(base_seed, {'settings': {'failover_polls': 1}}))
            return runner_job(row, emulator)
        finally:
            emulator.process.kill()
    try:
        # 5 answers "running" (polls, and failovers refused busy while it runs): a killed run's failover is ended by
        # the next run's refused failovers; a restarted emulator goes on counting.
        emulator.call('POST', 'reset', row_seed(base_seed, {'settings': {'failover_polls': 5}}))
        path = os.path.join(emulator.dir, 'failover.yml')
        with open(path, 'w') as handle:
            json.dump(FAILOVER_PLAY, handle)
        env = emulator.environment()
        outputs = []

        def start(number):
            output = open(os.path.join(emulator.dir, 'run%d.out' % number), 'w')
            outputs.append(output.name)
            return subprocess.Popen(playbook_command(path), env=env,
                                    stdout=output, stderr=subprocess.STDOUT, start_new_session=True)

        def wait_for_acceptance():
            for _attempt in range(300):
                if accepted_failovers(emulator.call('GET', 'requests')['requests']):
                    return
                time.sleep(0.1)
            raise AssertionError('the failover was never accepted')

        accepted_before = 0
        if row['kind'] == 'killed':
            victim = start(1)
            wait_for_acceptance()
            os.killpg(victim.pid, signal.SIGKILL)
            victim.wait()
            runs = [start(2)]
        elif row['kind'] == 'restart':
            runs = [start(1)]
            wait_for_acceptance()
            accepted_before = len(accepted_failovers(emulator.call('GET', 'requests')['requests']))
            emulator.stop()
            time.sleep(2)  # the module meets refused connections meanwhile
            emulator.start()
        else:  # concurrent
            runs = [start(1), start(2)]
        codes = [run.wait(120) for run in runs]
        requests = emulator.call('GET', 'requests')['requests']
        state = emulator.call('GET', 'state')
        problems = []
        if any(codes):
            problems.append('a run failed (exit codes %s)' % codes)
        accepted = accepted_before + len(accepted_failovers(requests))
        if accepted != 1:
            problems.append('%d failovers accepted, expected exactly 1' % accepted)
        primary = {group['name']: group['primary'] for group in state['failover_groups']}
        if primary['fg-sales'] != 'Japan East':
            problems.append('fg-sales is primary in %s, expected Japan East' % primary['fg-sales'])
        row['problems'] = problems
        row['outputs'] = outputs
    except Exception as error:  # pylint: disable=broad-except  # a scenario's failure is its result
        row['problems'] = ['%s: %s' % (error.__class__.__name__, error)]
        row['outputs'] = []
    finally:
        emulator.process.kill()
    return row


# --- secrets ---

# The seeded secret and password, and the wrong ones some scenarios give as options.
CANARIES = (CANARY_SECRET, CANARY_PASSWORD, 'canary-wrong-secret-5d1c', 'canary-wrong-password-0a9b',
            'canary-lonely-secret-77aa', 'canary-lonely-password-31cd')


def secret_leaks(paths):
    leaks = []
    for path in paths:
        with open(path, 'rb') as handle:
            content = handle.read()
        for canary in CANARIES:
            if canary.encode() in content:
                leaks.append('%s holds %s...' % (os.path.basename(path), canary[:10]))
        if re.search(rb'eyJ[A-Za-z0-9_-]{10,}\.', content):
            leaks.append('%s holds a token' % os.path.basename(path))
    return leaks


def main():
    started = time.monotonic()
    table = yaml.safe_load(open(os.path.join(HERE, 'scenarios.yml')))
    base_seed = canary_seed()
    rows = fault_rows(table) + [dict(row) for row in table['rows']] + wrong_type_rows(table)
    for row in rows:
        row.setdefault('expect', {'outcome': 'ok'})

    for plugins in ('action_plugins', 'callback_plugins'):  # beside the generated playbooks
        os.symlink(os.path.join(HERE, plugins), os.path.join(WORKDIR, plugins))
    emulators = [Emulator('shard%d' % number, base_seed) for number in range(SHARDS)]
    by_process = {}
    for row in rows:
        by_process.setdefault(row.get('process', 'service_principal'), []).append(row)
    main_rows = by_process.pop('service_principal')
    shards = [(('shard%d' % number), main_rows[number::SHARDS], emulators[number], 'service_principal')
              for number in range(SHARDS)]
    for process, process_rows in sorted(by_process.items()):
        shards.append(('process-' + process, process_rows, emulators[len(shards) % SHARDS], process))
    specials = [dict(row) for row in table['special']]

    with concurrent.futures.ThreadPoolExecutor(max_workers=SHARDS + len(specials)) as pool:
        jobs = [pool.submit(run_shard, name, table, shard_rows, emulator, process)
                for name, shard_rows, emulator, process in shards[:SHARDS]]
        jobs += [pool.submit(special, row, base_seed) for row in specials]
        for job in jobs:
            job.result()
    for name, shard_rows, emulator, process in shards[SHARDS:]:  # on an emulator that is free again
        run_shard(name, table, shard_rows, emulator, process)
    for emulator in emulators:
        emulator.process.kill()

    failed = 0
    for row in rows:
        row['problems'] = judge(table, row)
    everything = rows + specials
    for row in everything:
        if row['problems']:
            failed += 1
            print('FAILED  %s: %s' % (row['id'], '; '.join(row['problems'])))
    outputs = [os.path.join(WORKDIR, name) for name in os.listdir(WORKDIR) if name.endswith(('.out', '.results.json'))]
    outputs += [path for row in specials for path in row.get('outputs', [])]
    leaks = secret_leaks(outputs)
    for leak in leaks:
        print('FAILED  secrets: %s' % leak)
    slowest = sorted((row for row in rows if 'seconds' in row.get('result', {})), key=lambda row: -row['result']['seconds'])
    print('slowest: ' + ', '.join('%s %.1f s' % (row['id'], row['result']['seconds']) for row in slowest[:5]))
    categories = {}
    for row in everything:
        category = row['id'].split(' / ')[0] if not row['id'].startswith(tuple(table['modules'])) else 'faults'
        categories.setdefault(category, [0, 0])
        categories[category][0 if not row['problems'] else 1] += 1
    print('by kind: ' + ', '.join('%s %d/%d' % (name, counts[0], sum(counts)) for name, counts in sorted(categories.items())))
    print('secrets: %d output files (-vvv output, module results, DR reports, ansible-runner artifacts) searched for %d canaries and '
          'any token: %s' % (len(outputs), len(CANARIES), 'none found' if not leaks else '%d found' % len(leaks)))
    total = len(everything) + 1
    failed += 1 if leaks else 0
    print('%d scenarios, %d passed, %d failed (%.0f s)' % (total, total - failed, failed, time.monotonic() - started))
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
