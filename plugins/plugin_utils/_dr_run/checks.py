# -*- coding: utf-8 -*-
# Copyright: contributors to the azure_dr.recovery collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""A live drill's checks (``dr_drill_validate_tasks``): loaded before any call, and run after each leg in an
ansible-playbook of their own, so that nothing in them - a failing task, a file that does not load, an
unreachable host - can end the drill before its failback."""

from __future__ import annotations

import json
import os
import subprocess
import tempfile

import yaml

# playbooks/files/dr_drill_checks.yml of this collection: the play that runs the checks.
CHECKS_PLAY = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))),
                           'playbooks', 'files', 'dr_drill_checks.yml')
# Plain output for the log. Under AWX, ansible-runner's callback plugins (ANSIBLE_CALLBACK_PLUGINS) would turn it
# into encoded events of their own.
CHILD_ENVIRONMENT = {'ANSIBLE_STDOUT_CALLBACK': 'ansible.builtin.default', 'ANSIBLE_CALLBACK_PLUGINS': '',
                     'ANSIBLE_NOCOLOR': '1', 'ANSIBLE_FORCE_COLOR': '0'}


def _playbook(python, arguments, cwd):
    return subprocess.run([python, '-m', 'ansible.cli.playbook'] + arguments, capture_output=True, text=True, cwd=cwd,
                          stdin=subprocess.DEVNULL,
                          env=dict(os.environ, **CHILD_ENVIRONMENT), check=False)


def _first_error(stderr, otherwise):
    return next((line.strip() for line in stderr.splitlines() if 'ERROR' in line), None) or otherwise


def load_problems(python, path, cwd):
    """[] when the checks file loads; else why not (ansible-playbook --syntax-check of a play importing it)."""
    with tempfile.TemporaryDirectory(prefix='dr_drill_syntax.') as folder:
        play = os.path.join(folder, 'load.yml')
        with open(play, 'w', encoding='utf-8') as stream:
            yaml.safe_dump([{'name': 'Load dr_drill_validate_tasks', 'hosts': 'localhost', 'gather_facts': False,
                             'tasks': [{'name': 'Load it', 'ansible.builtin.import_tasks': path}]}], stream)
        done = _playbook(python, ['--syntax-check', play], cwd)
    if done.returncode == 0:
        return []
    return ['dr_drill_validate_tasks (%s) does not load, so no check could run: %s'
            % (path, _first_error(done.stderr, done.stderr.strip()))]


def run_checks(python, variables, inventories, cwd):
    """Run the checks with ``variables`` (which may hold credentials: written readable by this user only, and
    removed after); returns (ok, the failing task or None, its message or None, the play's output lines)."""
    with tempfile.TemporaryDirectory(prefix='dr_drill_check.') as folder:
        failure = os.path.join(folder, 'failure.json')
        path = os.path.join(folder, 'vars.json')
        with open(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), 'w', encoding='utf-8') as stream:
            json.dump(dict(variables, dr_drill_check_failure=failure), stream)
        inventories = ['--inventory=' + inventory for inventory in inventories if os.path.exists(inventory)]
        done = _playbook(python, [CHECKS_PLAY, '-e', '@' + path] + inventories, cwd)
        if done.returncode == 0:
            return True, None, None, []
        try:
            with open(failure, encoding='utf-8') as stream:
                found = json.load(stream)
        except (OSError, ValueError):  # the play did not get as far as a task
            found = {'message': _first_error(done.stderr, 'the checks ended with code %d: a host they use was unreachable, '
                                                          'or their play could not start' % done.returncode)}
        return False, found.get('task'), found.get('message'), [line for line in done.stdout.splitlines() if line]
