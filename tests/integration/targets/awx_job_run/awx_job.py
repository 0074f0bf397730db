# -*- coding: utf-8 -*-
# Copyright: contributors to the azure_dr.recovery collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""DR jobs run as AWX runs them, with ansible-runner, against the emulator.

Each job gets a private data directory laid out as AWX lays it out:

- ``project/``: the example project of extensions/awx/project, plus the demo plan saved as
  ``plans/contoso-demo.yml`` (what a project sync brings);
- ``inventory/hosts``: the project's inventory;
- ``env/envvars``: only what the job's credentials inject - AWX's built-in "Microsoft Azure Resource
  Manager" credential (rendered the way AWX's injector does) and the collection's credential type
  (its injector templates rendered in a Jinja sandbox, as AWX does);
- ``env/extravars``: the survey answers, the job template's extra variables, and AWX's job variables.

Jobs: the scheduled drill; the drill again as AWX runs a job on an execution node (``ansible-runner transmit |
ansible-runner worker | ansible-runner process``: its status, events and artifacts as the control node reads them),
then the workflow's failure path, "DR failover not approved", given the drill's artifacts as AWX passes them down a
workflow; a failover with a wrong confirmation (refused before any call); the
failover; the failback with AWX's user + password credential; a live drill, its survey answered, with the
example checks kept in the project; a plan discovered from its survey (the plan is the job's artifact). Then every byte the jobs wrote is
searched for the secrets: they may only be in ``env/envvars`` (AWX's input) and in
``artifacts/<job>/command``, where ansible-runner stores the environment it ran with.
"""

import json
import os
import shutil
import ssl
import signal
import subprocess
import sys
import time
import urllib.request

import ansible_runner
import yaml
from jinja2.sandbox import ImmutableSandboxedEnvironment

WORKDIR = sys.argv[1]
EMULATOR = os.environ['EMULATOR_URL']
COLLECTION = os.path.join(os.environ['ANSIBLE_COLLECTIONS_PATH'].split(':')[0], 'ansible_collections', 'azure_dr', 'recovery')
CHECK = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'dr_playbooks', 'check.py')

SECRET = 'emulator-only-secret-1'
PASSWORD = 'emulator-only-password-1'
SERVICE_PRINCIPAL = {'subscription': '00000000-1111-2222-3333-444444444444',
                     'tenant': '6b7a1c2e-3f4d-4e5a-9b8c-7d6e5f4a3b2c',
                     'client': '0f1e2d3c-4b5a-4697-8877-665544332211', 'secret': SECRET,
                     # The ARM endpoint as the cloud, as azure.azcollection takes it: the module reads
                     # {endpoint}/metadata/endpoints for the Entra ID host and the audience.
                     'cloud_environment': EMULATOR}
USER = {'subscription': SERVICE_PRINCIPAL['subscription'], 'username': 'dr-operator@contoso.onmicrosoft.com',
        'password': PASSWORD, 'cloud_environment': EMULATOR}
AZURE_DR = {'fabric_endpoint': EMULATOR}  # the emulator is not api.fabric.microsoft.com

JOB_TIMEOUT = 300  # seconds: a job of the demo plan takes a few

for name in list(os.environ):  # the jobs get credentials from env/envvars only
    if name.startswith(('AZURE_', 'FABRIC_')):
        del os.environ[name]


def azure_rm_injection(inputs):
    """What AWX's built-in Azure credential injects: the subscription; client, tenant and secret when
    client and tenant are set, else user and password; the cloud when it is set."""
    env = {'AZURE_SUBSCRIPTION_ID': inputs.get('subscription', '')}
    if inputs.get('client') and inputs.get('tenant'):
        env.update(AZURE_CLIENT_ID=inputs['client'], AZURE_TENANT=inputs['tenant'], AZURE_SECRET=inputs.get('secret', ''))
    else:
        env.update(AZURE_AD_USER=inputs.get('username', ''), AZURE_PASSWORD=inputs.get('password', ''))
    if inputs.get('cloud_environment'):
        env['AZURE_CLOUD_ENVIRONMENT'] = inputs['cloud_environment']
    return env


def custom_injection(credential_type, inputs, private_data_dir):
    """A custom credential type's injectors, rendered as AWX renders them: every field in the namespace
    (unset ones empty), each file template written to a file of its own, ``tower.filename.<name>``."""
    sandbox = ImmutableSandboxedEnvironment()
    namespace = {field['id']: inputs.get(field['id'], False if field.get('type') == 'boolean' else '')
                 for field in credential_type['inputs']['fields']}
    filenames = {}
    for key, template in credential_type['injectors'].get('file', {}).items():
        name = key.split('.', 1)[1]
        path = os.path.join(private_data_dir, 'env', 'credential_' + name)
        with open(path, 'w') as handle:
            handle.write(sandbox.from_string(template).render(**namespace))
        os.chmod(path, 0o600)
        filenames[name] = path
    namespace['tower'] = namespace['awx'] = {'filename': filenames}
    return {variable: sandbox.from_string(template).render(**namespace)
            for variable, template in credential_type['injectors'].get('env', {}).items()}


def emulator(path, body=None):
    context = ssl.create_default_context(cafile=os.environ['REQUESTS_CA_BUNDLE'])
    request = urllib.request.Request(EMULATOR + '/_emulator/' + path, method='POST' if body is not None else 'GET',
                                     data=json.dumps(body).encode() if body is not None else None)
    with urllib.request.urlopen(request, context=context) as answer:
        return json.load(answer)


def writes(since):
    return [entry for entry in emulator('requests')['requests'][since:]
            if entry['method'] == 'POST' and '/oauth2/' not in entry['path']]


def log_size():
    return len(emulator('requests')['requests'])


def prepare_job(job_id, template, azure, survey, template_vars=None, workflow_vars=None):
    """A fresh private data directory for one AWX job, laid out as AWX lays it out.  ``workflow_vars``: what a workflow
    adds to a job of its own - its variables and the artifacts of the nodes before it (set_stats), as AWX passes them."""
    private_data_dir = os.path.join(WORKDIR, 'job_%d' % job_id)
    os.makedirs(os.path.join(private_data_dir, 'env'))
    os.makedirs(os.path.join(private_data_dir, 'inventory'))
    shutil.copytree(os.path.join(COLLECTION, 'extensions', 'awx', 'project'), os.path.join(private_data_dir, 'project'))
    with open(os.path.join(COLLECTION, 'playbooks', 'plans', 'demo.yml')) as handle:
        plan = yaml.safe_load(handle)
    plan['dr_plan']['report_dir'] = os.path.join(WORKDIR, 'reports')
    with open(os.path.join(private_data_dir, 'project', 'plans', 'contoso-demo.yml'), 'w') as handle:
        yaml.safe_dump(plan, handle)
    shutil.copy(os.path.join(private_data_dir, 'project', 'inventory.yml'),
                os.path.join(private_data_dir, 'inventory', 'hosts.yml'))
    os.makedirs(os.path.join(private_data_dir, 'project', 'checks'))  # the user's checks, kept in the project
    shutil.copy(os.path.join(COLLECTION, 'playbooks', 'examples', 'dr_drill_validate.yml'),
                os.path.join(private_data_dir, 'project', 'checks', 'dr_drill.yml'))

    with open(os.path.join(COLLECTION, 'extensions', 'awx', 'credential_types', 'azure_dr.yml')) as handle:
        credential_type = yaml.safe_load(handle)
    envvars = azure_rm_injection(azure)
    envvars.update(custom_injection(credential_type, AZURE_DR, private_data_dir))
    extravars = dict(template_vars or {}, **survey)
    extravars.update(awx_job_id=job_id, awx_job_template_name=template, awx_job_launch_type='manual',
                     awx_user_name='admin', tower_job_id=job_id, tower_job_template_name=template)
    extravars.update(workflow_vars or {})
    for name, content in (('envvars', envvars), ('extravars', extravars)):
        with open(os.path.join(private_data_dir, 'env', name), 'w') as handle:
            json.dump(content, handle)
    return private_data_dir


def run_job(job_id, template, playbook, azure, survey, template_vars=None, workflow_vars=None):
    """One AWX job: a fresh private data directory, then ansible-runner, as AWX's task runner does."""
    private_data_dir = prepare_job(job_id, template, azure, survey, template_vars, workflow_vars)
    runner = ansible_runner.run(private_data_dir=private_data_dir, playbook=playbook, ident=str(job_id), quiet=True)
    return private_data_dir, runner


def run_job_on_execution_node(job_id, template, playbook, azure, survey, template_vars=None, workflow_vars=None):
    """One AWX job the way AWX runs it on an execution node.  The control node streams the job's private data
    directory out (``ansible-runner transmit``); receptor carries the stream to the execution node, where
    ``ansible-runner worker --private-data-dir=DIR --delete`` unpacks it into a directory of its own, runs the job and
    streams back its status, its events and, at the end, its artifacts directory, deleting DIR; the control node's
    ``ansible-runner process`` reads that stream and writes the job's events and artifacts into the job's private data
    directory, ``artifacts/<ident>/``, where AWX reads them.  Here a pipe carries the streams instead of receptor.
    Each of the three is ended if the job has not ended within JOB_TIMEOUT, or when anything here fails.
    Returns the private data directory, the execution node's directory (gone, if the worker deleted it) and the
    seconds the job took, from transmit to process."""
    private_data_dir = prepare_job(job_id, template, azure, survey, template_vars, workflow_vars)
    node_dir = os.path.join(WORKDIR, 'execution_node', 'awx_%d' % job_id)
    runner = [sys.executable, '-m', 'ansible_runner']
    commands = (runner + ['transmit', private_data_dir, '-p', playbook, '--ident', str(job_id)],
                runner + ['worker', '--private-data-dir', node_dir, '--delete'],
                runner + ['process', private_data_dir, '--ident', str(job_id)])
    started = time.monotonic()
    processes = []
    with open(os.path.join(WORKDIR, 'stream_%d.log' % job_id), 'wb') as log:
        try:
            stdin = subprocess.DEVNULL
            for command in commands:
                # A session of its own, so that ending it ends what it started (the worker's ansible-playbook too).
                processes.append(subprocess.Popen(command, stdin=stdin, stdout=subprocess.PIPE, stderr=log,
                                                  start_new_session=True))
                if stdin is not subprocess.DEVNULL:
                    stdin.close()  # the next process holds it now
                stdin = processes[-1].stdout
            processes[-1].communicate(timeout=JOB_TIMEOUT)  # process's own output: the job's stdout, AWX shows it
            for process in processes[:-1]:
                process.wait(timeout=JOB_TIMEOUT)
        finally:
            end(processes)
    with open(log.name) as handle:
        errors = handle.read()
    codes = [process.returncode for process in processes]
    assert codes == [0, 0, 0], (codes, errors[-3000:])
    return private_data_dir, node_dir, round(time.monotonic() - started, 1)


def end(processes):
    """End every process of ``processes`` still running, and what it started: SIGTERM (ansible-runner then cancels its
    playbook), SIGKILL to the whole session if it has not ended 30 s later."""
    for process in processes:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
    for process in processes:
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def streamed_job(private_data_dir, job_id):
    """What ``ansible-runner process`` wrote of job ``job_id``: its status and rc, its events in order, and the fact
    cache (the host facts the job set) - AWX's view of a job run on an execution node."""
    artifacts = os.path.join(private_data_dir, 'artifacts', str(job_id))
    with open(os.path.join(artifacts, 'status')) as handle:
        status = handle.read().strip()
    with open(os.path.join(artifacts, 'rc')) as handle:
        rc = int(handle.read().strip())
    events = []
    for name in os.listdir(os.path.join(artifacts, 'job_events')):
        with open(os.path.join(artifacts, 'job_events', name)) as handle:
            events.append(json.load(handle))
    events.sort(key=lambda event: event['counter'])
    # The jsonfile fact cache: a file per host, 'localhost' (ansible-core 2.19 and later: 's1_localhost', the facts in
    # its '__payload__' as a JSON text).
    facts = {}
    for name in os.listdir(os.path.join(artifacts, 'fact_cache')):
        if name == 'localhost' or name.endswith('_localhost'):
            with open(os.path.join(artifacts, 'fact_cache', name)) as handle:
                facts = json.load(handle)
            if '__payload__' in facts:
                facts = json.loads(facts['__payload__'])
    return status, rc, events, facts


def stats_of(runner):
    stats = [event for event in runner.events if event['event'] == 'playbook_on_stats']
    assert len(stats) == 1, 'one playbook_on_stats event expected'
    return stats[0]['event_data']


def latest_report(kind):
    reports = sorted((os.path.join(WORKDIR, 'reports', name) for name in os.listdir(os.path.join(WORKDIR, 'reports'))
                      if name.endswith('.json') and '-%s-' % kind in name), key=os.path.getmtime)
    return reports[-1]


def check_report(kind, expectation, since):
    env = dict(os.environ, AZURE_ARM_ENDPOINT=EMULATOR)
    subprocess.run([sys.executable, CHECK, 'report', latest_report(kind), json.dumps(expectation), str(since)],
                   check=True, env=env)


def check_successful(runner, template, job_id):
    assert (runner.status, runner.rc) == ('successful', 0), (runner.status, runner.rc, runner.stdout.read()[-3000:])
    stats = stats_of(runner)
    assert not stats.get('failures') and not stats.get('dark'), stats
    tasks = {event['event_data'].get('task') for event in runner.events if event['event'] == 'runner_on_ok'}
    # The run's phases, each a task AWX shows: the run opened (the plan checked), its report written.
    assert {task.split(' - ')[0] for task in tasks} >= {'Open the run', 'Report'}, sorted(tasks)
    # set_stats publishes the report as the job's artifact: AWX keeps it and passes it along a workflow.
    report = stats['artifact_data']['dr_report']
    assert (report['awx_job_id'], report['awx_job_template_name']) == (job_id, template), report
    return report


def main():
    emulator('settings', {'failover_polls': 1})  # counted, not timed: ends at its second poll

    # 1. The scheduled drill: reads and decisions only, nothing written.
    since, started = log_size(), time.monotonic()
    _dir, runner = run_job(101, 'DR drill', 'dr_drill.yml', SERVICE_PRINCIPAL,
                           {'dr_plan_name': 'contoso-demo', 'dr_allow_data_loss': 'false'})
    seconds = time.monotonic() - started
    report = check_successful(runner, 'DR drill', 101)
    assert report['result'] == 'rehearsed' and writes(since) == [], (report['result'], writes(since))
    check_report('dr_drill', {'plan': 'contoso-demo', 'playbook': 'dr_drill', 'mode': 'check', 'result': 'rehearsed',
                              'awx_job_id': 101, 'awx_job_template_name': 'DR drill',
                              'actions': {'would fail over': 2, 'would restore': 3}}, since)
    print('drill: successful, nothing written, report with the AWX job fields (%.1f s)' % seconds)

    # 1b. The drill again, as AWX runs it on an execution node (transmit | worker | process), as the first node of the
    # workflow "DR: drill, approve, fail over"; then its failure path (the approval denied) with the drill's artifacts.
    dr_event = {'type': 'region_unreachable', 'plan': 'contoso-demo', 'group': 'fg-sales', 'time': '2026-12-07T17:30:00Z'}
    artifacts = drill_on_execution_node(107, dr_event)
    not_approved(108, artifacts, dr_event)

    # 2. A failover confirmed with the wrong text: refused before any call to Azure.
    since = log_size()
    _dir, runner = run_job(102, 'DR failover', 'dr_failover.yml', SERVICE_PRINCIPAL,
                           {'dr_plan_name': 'contoso-demo', 'dr_allow_data_loss': 'false', 'dr_confirm': 'yes'},
                           {'dr_require_confirmation': True})
    output = runner.stdout.read()
    assert runner.status == 'failed', runner.status
    assert "dr_confirm must be exactly 'contoso-demo'" in output, output[-2000:]
    assert [entry for entry in emulator('requests')['requests'][since:] if '/_emulator/' not in entry['path']] == []
    print('failover with a wrong confirmation: failed before any request')

    # 3. The failover, confirmed.
    since = log_size()
    _dir, runner = run_job(103, 'DR failover', 'dr_failover.yml', SERVICE_PRINCIPAL,
                           {'dr_plan_name': 'contoso-demo', 'dr_allow_data_loss': 'false', 'dr_confirm': 'contoso-demo'},
                           {'dr_require_confirmation': True})
    check_successful(runner, 'DR failover', 103)
    check_report('dr_failover', {'plan': 'contoso-demo', 'playbook': 'dr_failover', 'mode': 'run', 'result': 'succeeded',
                                 'awx_job_id': 103, 'awx_job_template_name': 'DR failover',
                                 'actions': {'failed over': 2, 'restored': 3}}, since)
    print('failover: successful, 2 groups failed over, 3 workspaces restored')

    # 4. The failback, with AWX's user + password flavour of the Azure credential (no tenant, no client).
    since = log_size()
    _dir, runner = run_job(104, 'DR failback', 'dr_failback.yml', USER,
                           {'dr_plan_name': 'contoso-demo', 'dr_confirm': 'contoso-demo'}, {'dr_require_confirmation': True})
    check_successful(runner, 'DR failback', 104)
    check_report('dr_failback', {'plan': 'contoso-demo', 'playbook': 'dr_failback', 'mode': 'run', 'result': 'succeeded',
                                 'awx_job_id': 104, 'awx_job_template_name': 'DR failback',
                                 'actions': {'failed over': 2}}, since)
    print('failback with user + password: successful, 2 groups back on their primary region')

    # 5. The live drill from its survey (every answer a question of surveys/dr_drill_live.json), as AWX sends it.
    answers = {'dr_plan_name': 'contoso-demo', 'dr_drill_soak_seconds': 1, 'dr_drill_validate_tasks': 'checks/dr_drill.yml',
               'dr_drill_fail_back_on_validation_failure': 'true', 'dr_confirm': 'contoso-demo'}
    with open(os.path.join(COLLECTION, 'extensions', 'awx', 'surveys', 'dr_drill_live.json')) as handle:
        questions = {question['variable']: question for question in json.load(handle)['spec']}
    assert set(answers) == set(questions), sorted(set(answers) ^ set(questions))
    since = log_size()
    _dir, runner = run_job(105, 'DR live drill', 'dr_drill_live.yml', SERVICE_PRINCIPAL, answers,
                           {'dr_require_confirmation': True, 'dr_drill_max_groups': 10})
    report = check_successful(runner, 'DR live drill', 105)
    assert report['result'] == 'succeeded' and [leg['result'] for leg in report['legs']] == ['succeeded', 'succeeded'], report
    assert report['checks'] == [{'leg': 'failover', 'ok': True, 'task': None, 'message': None},
                                {'leg': 'failback', 'ok': True, 'task': None, 'message': None}], report['checks']
    accepted = [entry for entry in writes(since) if entry['path'].endswith('/failover') and entry['status'] == 202]
    assert len(accepted) == 4, accepted  # each group there and back
    print('live drill from its survey: successful, 2 groups failed over and back, the checks passed after each leg')

    # 6. A plan discovered from its survey: the subscriptions and the workspace filters as AWX's text areas give them.
    answers = {'dr_plan_name': 'contoso-found',
               'dr_discover_subscriptions': '00000000-1111-2222-3333-444444444444,\n66666666-7777-4888-9999-000000000000',
               'dr_discover_workspaces': '{capacity_id: 41ce06d1-d81b-4ea0-bc6d-2ce3dd2f8e84}'}
    with open(os.path.join(COLLECTION, 'extensions', 'awx', 'surveys', 'dr_plan_discover.json')) as handle:
        questions = {question['variable']: question for question in json.load(handle)['spec']}
    assert set(answers) == set(questions), sorted(set(answers) ^ set(questions))
    since = log_size()
    private_data_dir, runner = run_job(106, 'DR plan discovery', 'dr_plan_discover.yml', SERVICE_PRINCIPAL, answers)
    assert (runner.status, runner.rc) == ('successful', 0), (runner.status, runner.rc, runner.stdout.read()[-3000:])
    assert writes(since) == [], writes(since)  # reads only
    # The job's project folder goes away with it: the plan is the job's artifact, and it is the file written.
    text = stats_of(runner)['artifact_data']['dr_plan_discovered']
    with open(os.path.join(private_data_dir, 'project', 'plans', 'contoso-found.yml')) as handle:
        assert handle.read() == text
    plan = yaml.safe_load(text)['dr_plan']
    sides = {group['name']: (group['primary']['subscription_id'], group['dr']['subscription_id']) for group in plan['failover_groups']}
    assert sides == {'fg-finance': (SERVICE_PRINCIPAL['subscription'],) * 2, 'fg-sales': (SERVICE_PRINCIPAL['subscription'],) * 2,
                     'fg-orders': (SERVICE_PRINCIPAL['subscription'], '66666666-7777-4888-9999-000000000000')}, sides
    assert len(plan['fabric_workspaces']) == 2, plan['fabric_workspaces']
    print('plan discovery from its survey: successful, 3 groups with both sides and 2 workspaces, the plan in the artifacts')

    check_no_secret_outside_the_environment()


def drill_on_execution_node(job_id, dr_event):
    """The drill through AWX's execution-node path: its status, its events (the run's phases ok, nothing failed, every
    event streamed back) and its artifacts (set_stats: the drill's answer, the report, their paths) as the control node reads
    them; the execution node's copy of the job deleted; the event that launched the workflow (``dr_event``, one of the
    workflow's variables, which AWX gives every job of it) in the report.  Returns the artifacts, which AWX hands to the
    next nodes."""
    since = log_size()
    private_data_dir, node_dir, seconds = run_job_on_execution_node(
        job_id, 'DR drill', 'dr_drill.yml', SERVICE_PRINCIPAL, {'dr_plan_name': 'contoso-demo', 'dr_allow_data_loss': 'false'},
        workflow_vars={'dr_event': dr_event, 'awx_workflow_job_id': 900})
    status, rc, events, facts = streamed_job(private_data_dir, job_id)
    assert (status, rc) == ('successful', 0), (status, rc, [event.get('stdout') for event in events][-20:])
    counters = [event['counter'] for event in events]
    assert counters == list(range(1, len(events) + 1)), 'events lost in the stream: %s' % counters
    kinds = {}
    for event in events:
        kinds[event['event']] = kinds.get(event['event'], 0) + 1
    assert kinds.get('playbook_on_start') == kinds.get('playbook_on_stats') == 1, kinds
    assert not kinds.get('runner_on_failed') and not kinds.get('runner_on_unreachable'), kinds
    ok = {event['event_data']['task'].split(' - ')[0] for event in events if event['event'] == 'runner_on_ok'}
    phases = {'Open the run', 'Readiness', 'What each group and workspace would need (reads only)', 'Report'}
    assert ok >= phases, sorted(ok)
    stats = events[-1]
    assert stats['event'] == 'playbook_on_stats' and not stats['event_data'].get('failures'), stats['event_data']
    # set_stats reaches the control node in the stats event, as AWX's job artifacts.
    artifacts = stats['event_data']['artifact_data']
    report = artifacts['dr_report']
    assert (report['result'], report['awx_job_id'], report['awx_job_template_name']) == ('rehearsed', job_id, 'DR drill'), report
    assert report['event'] == dr_event, report['event']
    assert os.path.exists(artifacts['dr_report_html']) and os.path.exists(artifacts['dr_report_history']), artifacts
    # The drill's answer, what the approver reads first: go, and where the report is.
    answer = artifacts['dr_drill']
    assert (str(answer['go']), answer['result'], answer['report']) == (
        'True', 'rehearsed', artifacts['dr_report_html'][:-len('.html')] + '.json'), answer
    assert os.path.exists(answer['report']), answer
    assert facts.get('dr_run', {}).get('report_path') == artifacts['dr_report_html'][:-len('.html')], sorted(facts)
    assert not os.path.exists(node_dir), 'the execution node kept the job: %s' % os.listdir(node_dir)
    assert writes(since) == [], writes(since)
    check_report('dr_drill', {'plan': 'contoso-demo', 'playbook': 'dr_drill', 'mode': 'check', 'result': 'rehearsed',
                              'awx_job_id': job_id, 'awx_job_template_name': 'DR drill',
                              'actions': {'would fail over': 2, 'would restore': 3}}, since)
    print('drill on an execution node (transmit | worker | process): %s, rc %d, %d events (%s), %.1f s; artifacts %s, '
          'the report %s; the node kept nothing' % (status, rc, len(events), ', '.join(
              '%s %d' % (kind, kinds[kind]) for kind in ('runner_on_ok', 'runner_on_skipped', 'playbook_on_task_start')
              if kind in kinds), seconds, sorted(artifacts), os.path.basename(artifacts['dr_report_html'])))
    return artifacts


def not_approved(job_id, drill_artifacts, dr_event):
    """The workflow's failure path: the approval denied (or timed out), the job "DR failover not approved" gets the
    workflow's variables (the survey's answers, the rulebook's dr_event) and the drill's artifacts, as AWX passes them
    down the workflow; it reads only, and its report says the failover was not approved and where the drill's is."""
    workflow_vars = dict(drill_artifacts, dr_event=dr_event, awx_workflow_job_id=900, awx_workflow_job_name='DR: drill, approve, fail over')
    since = log_size()
    _dir, runner = run_job(job_id, 'DR failover not approved', 'dr_not_approved.yml', SERVICE_PRINCIPAL,
                           {'dr_plan_name': 'contoso-demo', 'dr_allow_data_loss': 'false', 'dr_confirm': 'contoso-demo'},
                           workflow_vars=workflow_vars)
    check_successful(runner, 'DR failover not approved', job_id)
    assert writes(since) == [], writes(since)
    check_report('dr_not_approved', {'plan': 'contoso-demo', 'playbook': 'dr_not_approved', 'mode': 'check',
                                     'result': 'rehearsed', 'awx_job_id': job_id,
                                     'awx_job_template_name': 'DR failover not approved',
                                     'actions': {'would fail over': 2, 'would restore': 3}}, since)
    with open(latest_report('dr_not_approved')) as handle:
        report = json.load(handle)
    assert report['event'] == dr_event, report['event']
    steps = report['steps']
    assert [(step['name'], step['outcome']) for step in steps] == [('failover approval', 'skipped')], steps
    message = steps[0]['message']
    assert 'workflow job 900' in message and drill_artifacts['dr_report_html'] in message, message
    print('approval denied: "DR failover not approved" successful, nothing written, its report says so: %s' % message)


def check_no_secret_outside_the_environment():
    """Secrets only where AWX puts them (env/envvars) and where ansible-runner stores the job's
    environment (artifacts/<job>/command); a token (a JWT: 'eyJ...') nowhere at all."""
    found, scanned = set(), 0
    for directory, _dirs, files in os.walk(WORKDIR):
        for name in files:
            path = os.path.join(directory, name)
            relative = os.path.relpath(path, WORKDIR)
            top = relative.split(os.sep, maxsplit=1)[0]
            if top not in ('reports', 'execution_node') and not top.startswith(('job_', 'stream_')):
                continue  # the emulator's own files
            with open(path, 'rb') as handle:
                content = handle.read()
            scanned += 1
            if SECRET.encode() in content or PASSWORD.encode() in content:
                found.add(relative)
            if b'eyJ' in content:
                raise AssertionError('a token appears in %s' % relative)
    outside = sorted(path for path in found if not path.endswith((os.path.join('env', 'envvars'), os.sep + 'command')))
    commands = sorted(path for path in found if path.endswith(os.sep + 'command'))
    assert not outside, 'secrets outside the environment files: %s' % outside
    jobs = len([name for name in os.listdir(WORKDIR) if name.startswith('job_')])
    assert len(commands) == jobs == 8, 'ansible-runner stores the environment in artifacts/<job>/command: %s' % commands
    print('secrets: %d files scanned; secrets only in env/envvars (AWX) and artifacts/<job>/command '
          '(ansible-runner); no token anywhere' % scanned)


if __name__ == '__main__':
    main()
    print('AWX-style jobs: all checks passed')
