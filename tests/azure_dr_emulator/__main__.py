# -*- coding: utf-8 -*-
# Copyright: contributors to the azure_dr.recovery collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Start the emulator:

    PYTHONPATH=tests python -m azure_dr_emulator --port 8443 --state .emulator/state.json \\
        --seed tests/azure_dr_emulator/seeds/demo.yml

It prints one JSON line when it is ready (base URL, CA file, and the environment a client needs)."""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys

from .app import build_emulator

HERE = os.path.dirname(os.path.abspath(__file__))


def main(argv=None):
    parser = argparse.ArgumentParser(prog='azure_dr_emulator', description=__doc__.splitlines()[0])
    parser.add_argument('--host', default='127.0.0.1')
    parser.add_argument('--port', type=int, default=8443, help='0 picks a free port')
    parser.add_argument('--state', required=True, help='state file: continued when it exists, else seeded')
    parser.add_argument('--seed', default=os.path.join(HERE, 'seeds', 'demo.yml'), help='YAML or JSON seed file')
    parser.add_argument('--tls-dir', help='where the CA and server certificate are kept (default: beside the state)')
    parser.add_argument('--ready-file', help='also write the ready line to this file')
    parser.add_argument('--idle-exit', type=float, help='exit after this many seconds without a request')
    args = parser.parse_args(argv)

    tls_dir = args.tls_dir or os.path.join(os.path.dirname(os.path.abspath(args.state)), 'tls')
    emulator = build_emulator(args.state, args.seed, host=args.host, port=args.port, tls_dir=tls_dir)
    ready = json.dumps({
        'base_url': emulator.base_url, 'ca': emulator.ca_path, 'pid': os.getpid(),
        'environment': {'REQUESTS_CA_BUNDLE': emulator.ca_path, 'AZURE_AUTHORITY_HOST': emulator.base_url,
                        'AZURE_ARM_ENDPOINT': emulator.base_url, 'FABRIC_API_ENDPOINT': emulator.base_url},
    })
    if args.ready_file:
        with open(args.ready_file, 'w') as handle:
            handle.write(ready + '\n')
    print(ready, flush=True)
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(0))
    if args.idle_exit:
        emulator.exit_when_idle(args.idle_exit)
    try:
        emulator.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        emulator.httpd.server_close()


if __name__ == '__main__':
    main()
