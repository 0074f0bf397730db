# -*- coding: utf-8 -*-
# Copyright: contributors to the azure_dr.recovery collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Start the emulator:

    PYTHONPATH=tests python -m azure_dr_emulator --port 8443 --state .emulator/state.json \\
        --seed tests/azure_dr_emulator/seeds/demo.yml

or seeded from a DR plan (from_plan.py), to rehearse that plan offline:

    PYTHONPATH=tests python -m azure_dr_emulator --port 8443 --state .emulator/plan-state.json \\
        --plan plans/contoso-prod.yml

It prints one JSON line when it is ready (base URL, CA file, and the environment a client needs: with --plan, also
the emulator's own service principal and the run's subscription, and on standard error the same as lines to
export).  A plan's state is continued over a restart only when it was made from the same plan: a changed plan
starts afresh (the plan's digest is kept beside the state, in STATE.plan)."""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import signal
import sys
import time

from . import from_plan
from .app import build_emulator

HERE = os.path.dirname(os.path.abspath(__file__))


def main(argv=None):
    parser = argparse.ArgumentParser(prog='azure_dr_emulator', description=__doc__.splitlines()[0])
    parser.add_argument('--host', default='127.0.0.1')
    parser.add_argument('--port', type=int, default=8443, help='0 picks a free port')
    parser.add_argument('--state', required=True, help='state file: continued when it exists, else seeded')
    source = parser.add_mutually_exclusive_group()
    source.add_argument('--seed', default=os.path.join(HERE, 'seeds', 'demo.yml'), help='YAML or JSON seed file')
    source.add_argument('--plan', help='a DR plan (docs/dr_plan.md): seed the emulator with its estate')
    parser.add_argument('--subscription', default=from_plan.DEFAULT_SUBSCRIPTION,
                        help="with --plan: the run's subscription (AZURE_SUBSCRIPTION_ID), for sides that name none")
    parser.add_argument('--tls-dir', help='where the CA and server certificate are kept (default: beside the state)')
    parser.add_argument('--ready-file', help='also write the ready line to this file')
    parser.add_argument('--idle-exit', type=float, help='exit after this many seconds without a request')
    args = parser.parse_args(argv)

    tls_dir = args.tls_dir or os.path.join(os.path.dirname(os.path.abspath(args.state)), 'tls')
    started = time.time()
    seed = args.seed
    if args.plan:
        try:
            seed = from_plan.seed_from_plan(from_plan.load_plan(args.plan), args.subscription, source=args.plan)
        except from_plan.PlanError as exc:
            parser.exit(2, 'azure_dr_emulator: %s\n' % exc)
        _forget_state_of_another_plan(args.state, seed)
    try:
        emulator = build_emulator(args.state, seed, host=args.host, port=args.port, tls_dir=tls_dir)
    except ValueError as exc:  # a seed the emulator refuses: say what, without a traceback
        parser.exit(2, 'azure_dr_emulator: %s\n' % exc)
    environment = {'REQUESTS_CA_BUNDLE': emulator.ca_path, 'AZURE_AUTHORITY_HOST': emulator.base_url,
                   'AZURE_ARM_ENDPOINT': emulator.base_url, 'FABRIC_API_ENDPOINT': emulator.base_url}
    ready = {'base_url': emulator.base_url, 'ca': emulator.ca_path, 'pid': os.getpid(), 'environment': environment}
    if args.plan:
        # (the CA's absolute path: the lines to export are pasted into other shells and folders)
        environment.update(from_plan.environment(emulator.base_url, os.path.abspath(emulator.ca_path), args.subscription))
        ready.update(plan=args.plan, seconds_to_start=round(time.time() - started, 3))
    if args.ready_file:
        with open(args.ready_file, 'w') as handle:
            handle.write(json.dumps(ready) + '\n')
    print(json.dumps(ready), flush=True)
    if args.plan:
        _tell(args.plan, seed, environment, ready['seconds_to_start'])
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(0))
    if args.idle_exit:
        emulator.exit_when_idle(args.idle_exit)
    try:
        emulator.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        emulator.httpd.server_close()


def _forget_state_of_another_plan(state_path, seed):
    """Removes a state made from another plan (or another version of this one): the plan's state starts afresh."""
    digest = hashlib.sha256(json.dumps(seed, sort_keys=True).encode()).hexdigest()
    os.makedirs(os.path.dirname(os.path.abspath(state_path)), exist_ok=True)
    marker = state_path + '.plan'
    try:
        with open(marker) as handle:
            same = handle.read().strip() == digest
    except OSError:
        same = False
    if not same and os.path.exists(state_path):
        os.remove(state_path)
        print('azure_dr_emulator: %s was made from another plan, or from another version of this one: seeded afresh'
              % state_path, file=sys.stderr)
    with open(marker, 'w') as handle:
        handle.write(digest + '\n')


def _tell(plan, seed, environment, seconds):
    """What the user needs, on standard error (standard output's first line stays the JSON ready line)."""
    lines = ['', 'Emulator seeded from %s in %.2f s: %s.' % (plan, seconds, from_plan.summary(seed)),
             "The credentials below are the emulator's own throw-away service principal (not a secret of yours):", '']
    lines += ["export %s='%s'" % (name, value) for name, value in sorted(environment.items())]
    lines += ['', 'Then run the plan against it, e.g.: ansible-playbook azure_dr.recovery.dr_drill -e @%s' % plan,
              'A bad day (outages, seeding, busy groups): docs/emulator.md. Ctrl-C stops it.', '']
    print('\n'.join(lines), file=sys.stderr, flush=True)


if __name__ == '__main__':
    main()
