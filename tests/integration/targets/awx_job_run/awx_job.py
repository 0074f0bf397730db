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

Jobs: the scheduled drill; a failover with a wrong confirmation (refused before any call); the
failover; the failback with AWX's user + password credential; a live drill, its survey answered, with the
example checks kept in the project; a plan discovered from its survey (the plan is the job's artifact). Then every byte the jobs wrote is
searched for the secrets: they may only be in ``env/envvars`` (AWX's input) and in
``artifacts/<job>/command``, where ansible-runner stores the environment it ran with.
"""

import json
import os
import shutil
import ssl
import subprocess
import sys
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


def run_job(job_id, template, playbook, azure, survey, template_vars=None):
    """One AWX job: a fresh private data directory, then ansible-runner, as AWX's task runner does."""
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
    for name, content in (('envvars', envvars), ('extravars', extravars)):
        with open(os.path.join(private_data_dir, 'env', name), 'w') as handle:
            json.dump(content, handle)
    runner = ansible_runner.run(private_data_dir=private_data_dir, playbook=playbook, ident=str(job_id), quiet=True)
    return private_data_dir, runner


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
    since = log_size()
    _dir, runner = run_job(101, 'DR drill', 'dr_drill.yml', SERVICE_PRINCIPAL,
                           {'dr_plan_name': 'contoso-demo', 'dr_allow_data_loss': 'false'})
    report = check_successful(runner, 'DR drill', 101)
    assert report['result'] == 'rehearsed' and writes(since) == [], (report['result'], writes(since))
    check_report('dr_drill', {'plan': 'contoso-demo', 'playbook': 'dr_drill', 'mode': 'check', 'result': 'rehearsed',
                              'awx_job_id': 101, 'awx_job_template_name': 'DR drill',
                              'actions': {'would fail over': 2, 'would restore': 3}}, since)
    print('drill: successful, nothing written, report with the AWX job fields')

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


def check_no_secret_outside_the_environment():
    """Secrets only where AWX puts them (env/envvars) and where ansible-runner stores the job's
    environment (artifacts/<job>/command); a token (a JWT: 'eyJ...') nowhere at all."""
    found, scanned = set(), 0
    for directory, _dirs, files in os.walk(WORKDIR):
        for name in files:
            path = os.path.join(directory, name)
            relative = os.path.relpath(path, WORKDIR)
            if relative.split(os.sep, maxsplit=1)[0] not in ('reports',) and not relative.startswith('job_'):
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
    assert len(commands) == jobs == 6, 'ansible-runner stores the environment in artifacts/<job>/command: %s' % commands
    print('secrets: %d files scanned; secrets only in env/envvars (AWX) and artifacts/<job>/command '
          '(ansible-runner); no token anywhere' % scanned)


if __name__ == '__main__':
    main()
    print('AWX-style jobs: all checks passed')
