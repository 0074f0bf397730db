# -*- coding: utf-8 -*-
# Copyright: contributors to the azure_dr.recovery collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The compatibility matrix (`make test-compat`): every ansible-core release of matrix.yml, each in a
virtual environment of its own on the Python the matrix names, runs `ansible-test units` and the
matrix's integration targets against the emulator, in a copy of the collection of its own, side by
side with the others; a release marked ``sanity`` also runs `ansible-test sanity` (there is no ignore
file).  Any warning that check_warnings.py does not allow fails the release.

    run.py COLLECTION WORKDIR [RELEASE...]

COLLECTION is the collection laid out for ansible-test (.build/ansible_collections/azure_dr/recovery);
WORKDIR keeps the environments (reused while their requirements do not change) and each release's
log.  An interpreter the matrix needs and this machine lacks is a failure that names it.  Prints a line
per release and a table of the results, also written to WORKDIR/results.json.
"""

import concurrent.futures
import glob
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
REQUIREMENTS = [os.path.join(HERE, '..', '..', 'requirements.txt'), os.path.join(HERE, 'requirements.txt')]
# Releases run at once: each spends most of its integration time waiting on the emulator's failovers.
PARALLEL = 5
# COMPAT_CPU_SLOTS=N: at most N of them run their CPU-bound phases (units, sanity) at once (default: no limit). Beside
# other CPU-bound work on a small machine more only stretch each other, and the emulator's own unit tests time
# wall-clock seconds.
CPU_SLOTS = threading.Semaphore(int(os.environ.get('COMPAT_CPU_SLOTS') or PARALLEL))


class Failure(Exception):
    pass


def find_python(version):
    """The interpreter for 'X.Y': on PATH, else pyenv's (a pyenv shim on PATH only runs the versions
    pyenv has active, so each candidate is asked for its version); a clear failure when none is."""
    root = os.environ.get('PYENV_ROOT') or os.path.expanduser('~/.pyenv')
    candidates = [shutil.which('python' + version)] + sorted(
        glob.glob(os.path.join(root, 'versions', version + '.*', 'bin', 'python' + version)), reverse=True)
    for candidate in filter(None, candidates):
        answer = subprocess.run([candidate, '-c', 'import sys; print("%d.%d" % sys.version_info[:2])'],
                                capture_output=True, text=True, check=False)
        if answer.returncode == 0 and answer.stdout.strip() == version:
            return candidate
    roots = [root]
    raise Failure('Python %s is needed for this release and was not found (not on PATH as python%s, nor in %s/versions): '
                  'install it, for example with pyenv install %s' % (version, version, roots[0], version))


def run(command, log, **kwargs):
    log.write('$ %s\n' % ' '.join(command))
    log.flush()
    started = time.monotonic()
    answer = subprocess.run(command, stdout=log, stderr=subprocess.STDOUT, check=False, **kwargs)
    log.write('# exit %d after %.1f s\n' % (answer.returncode, time.monotonic() - started))
    log.flush()
    return answer.returncode


def environment_for(release, workdir, log):
    """A virtual environment with the release and the requirements, made again only when they change."""
    python = find_python(release['python'])
    wanted = ['ansible-core==%s' % release['ansible_core']]
    for path in REQUIREMENTS:
        with open(path) as handle:
            wanted += [line.strip() for line in handle if line.strip() and not line.startswith('#')]
    stamp = hashlib.sha256(('\n'.join([python] + wanted)).encode()).hexdigest()
    venv = os.path.join(workdir, 'venv-%s-py%s' % (release['ansible_core'], release['python']))
    stamp_file = os.path.join(venv, '.requirements')
    if os.path.exists(stamp_file) and open(stamp_file).read() == stamp:
        return venv
    shutil.rmtree(venv, ignore_errors=True)
    if run([python, '-m', 'venv', venv], log) != 0:
        raise Failure('could not make a virtual environment with %s' % python)
    pip = [os.path.join(venv, 'bin', 'python'), '-m', 'pip', 'install', '--quiet', '--disable-pip-version-check']
    if run(pip + wanted, log) != 0:
        raise Failure('pip could not install %s' % ' '.join(wanted))
    with open(stamp_file, 'w') as handle:
        handle.write(stamp)
    return venv


def collection_copy(collection, workdir, release):
    """A copy of the collection for this release (ansible-test writes its output inside the collection), taken
    first: in `make test` the main run's stages use the collection beside this one (their output, byte code and
    ansible-lint's cache are left out, as they may change while it is copied)."""
    root = os.path.join(workdir, 'tree-%s' % release['ansible_core'], 'ansible_collections', 'azure_dr', 'recovery')
    shutil.rmtree(os.path.dirname(os.path.dirname(os.path.dirname(root))), ignore_errors=True)
    shutil.copytree(collection, root, symlinks=True,
                    ignore=shutil.ignore_patterns('.git', 'output', '__pycache__', '.pytest_cache', '.ansible'))
    subprocess.run(['git', 'init', '--quiet'], cwd=root, check=True)
    subprocess.run(['git', 'add', '--all'], cwd=root, check=True)
    return root


def one_release(release, collection, workdir, targets):
    name = 'ansible-core %s on Python %s' % (release['ansible_core'], release['python'])
    log_path = os.path.join(workdir, 'ansible-core-%s.log' % release['ansible_core'])
    started = time.monotonic()
    outcome = dict(release, name=name, log=log_path, problems=[])
    with open(log_path, 'w') as log:
        try:
            root = collection_copy(collection, workdir, release)
            venv = environment_for(release, workdir, log)
            outcome['setup_seconds'] = round(time.monotonic() - started, 1)
            env = dict(os.environ, PATH=os.path.join(venv, 'bin') + os.pathsep + os.environ['PATH'])
            test = [os.path.join(venv, 'bin', 'ansible-test')]
            with CPU_SLOTS:
                begun = time.monotonic()
                if run(test + ['units', '--python', release['python'], '--color', 'no'], log, cwd=root, env=env) != 0:
                    outcome['problems'].append('ansible-test units failed')
                outcome['units_seconds'] = round(time.monotonic() - begun, 1)
            if release.get('sanity'):
                with CPU_SLOTS:
                    begun = time.monotonic()
                    provide = os.path.join(root, 'tests', 'utils', 'provide_get_pip.py')
                    run([os.path.join(venv, 'bin', 'python'), provide], log, cwd=root, env=env)
                    if run(test + ['sanity', '--python', release['python'], '--color', 'no'], log, cwd=root,
                           env=env) != 0:
                        outcome['problems'].append('ansible-test sanity failed')
                    outcome['sanity_seconds'] = round(time.monotonic() - begun, 1)
            begun = time.monotonic()
            if run(test + ['integration', '--python', release['python'], '--color', 'no'] + targets, log, cwd=root,
                   env=env) != 0:
                outcome['problems'].append('ansible-test integration %s failed' % ' '.join(targets))
            outcome['integration_seconds'] = round(time.monotonic() - begun, 1)
        except Failure as failure:
            outcome['problems'].append(str(failure))
    outcome['problems'] += skipped_problems(log_path, targets)
    warnings = subprocess.run([sys.executable, os.path.join(HERE, 'check_warnings.py'), log_path],
                              capture_output=True, text=True, check=False)
    if warnings.returncode != 0:
        outcome['problems'].append('warnings:\n' + warnings.stdout.strip())
    outcome['seconds'] = round(time.monotonic() - started, 1)
    outcome['passed'] = not outcome['problems']
    outcome['units'] = units_passed(log_path)
    return outcome


def skipped_problems(log_path, targets):
    """A run that passes by running nothing is a failure: no unit test passed, or a target was skipped."""
    with open(log_path) as handle:
        text = handle.read()
    problems = []
    if not re.search(r'^=+ (?:.*, )?[1-9][0-9]* passed', text, re.MULTILINE):
        problems.append('no unit test passed')
    skipped = re.findall(r'^WARNING: (?:All targets skipped|Excluding).*$', text, re.MULTILINE)
    problems += ['ansible-test said: %s' % line for line in skipped]
    problems += ['integration target %s did not run' % target for target in targets
                 if 'Running %s integration test' % target not in text]
    return problems


def units_passed(log_path):
    """How many unit tests passed, over the pytest sessions of ansible-test units (one per kind of plugin)."""
    with open(log_path) as handle:
        text = handle.read()
    section = text.split(' units --python ', 1)[-1].split('\n# exit', 1)[0]
    counts = [int(match) for match in re.findall(r'^=+ (?:.*, )?([0-9]+) passed', section, re.MULTILINE)]
    return '%d passed' % sum(counts) if counts else None


def main():
    collection, workdir = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    with open(os.path.join(HERE, 'matrix.yml')) as handle:
        matrix = yaml.safe_load(handle)
    releases = [release for release in matrix['releases']
                if len(sys.argv) < 4 or release['ansible_core'].rsplit('.', 1)[0] in sys.argv[3:]]
    unknown = set(sys.argv[3:]) - {release['ansible_core'].rsplit('.', 1)[0] for release in matrix['releases']}
    if unknown or not releases:
        print('compat: no such release in tests/compat/matrix.yml: %s (it has %s)' % (
            ', '.join(sorted(unknown)) or 'none selected',
            ', '.join(release['ansible_core'] for release in matrix['releases'])))
        return 1
    os.makedirs(workdir, exist_ok=True)
    started = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(max_workers=PARALLEL) as pool:
        futures = [pool.submit(one_release, release, collection, workdir, matrix['integration_targets'])
                   for release in releases]
        results = []
        for future in concurrent.futures.as_completed(futures):
            outcome = future.result()
            results.append(outcome)
            print('%s: %s in %.0f s (set-up %s s, units %s s,%s integration %s s)%s' % (
                outcome['name'], 'passed' if outcome['passed'] else 'FAILED', outcome['seconds'],
                outcome.get('setup_seconds'), outcome.get('units_seconds'),
                ' sanity %s s,' % outcome['sanity_seconds'] if 'sanity_seconds' in outcome else '',
                outcome.get('integration_seconds'),
                ''.join('\n  ' + problem.replace('\n', '\n  ') for problem in outcome['problems'])), flush=True)
    results.sort(key=lambda outcome: [int(part) for part in outcome['ansible_core'].split('.')])
    with open(os.path.join(workdir, 'results.json'), 'w') as handle:
        json.dump(results, handle, indent=2)
    print('\n| ansible-core | Python | units | integration (%s) | result |' % ', '.join(matrix['integration_targets']))
    print('|---|---|---|---|---|')
    for outcome in results:
        integration = 'failed' if any('integration' in problem for problem in outcome['problems']) else 'ok'
        result = 'passed' if outcome['passed'] else 'failed (see %s)' % outcome['log']
        print('| %s | %s | %s | %s | %s |' % (
            outcome['ansible_core'], outcome['python'], outcome.get('units') or '-', integration, result))
    failed = [outcome for outcome in results if not outcome['passed']]
    print('compat: %d release(s) passed, %d failed, in %.0f s'
          % (len(results) - len(failed), len(failed), time.monotonic() - started))
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
