# -*- coding: utf-8 -*-
# Copyright: contributors to the azure_dr.recovery collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""A CONNECT proxy on loopback for the integration tests (target http_proxy), and a reader of its log.

    loopback_proxy.py serve DIR [--tls] [--refuse 407] [--idle-exit SECONDS]
    loopback_proxy.py summary DIR... [--clear] [--timeout SECONDS]

``serve`` listens on a free port of 127.0.0.1, plain or (``--tls``) with TLS on its own socket, its
certificate issued by a CA of its own (DIR/ca.pem), and tunnels CONNECTs to loopback hosts.  It writes
DIR/ready.json ({port, url, pid, ca, log}) when it listens, and one JSON line per event to
DIR/connects.jsonl: ``open`` (CONNECT host:port, and the proxy's own end of the upstream connection,
which is the client address the upstream server sees), ``close`` (bytes each way), ``refused`` (the
status it answered, the request's header names: never their values).  ``--refuse 407`` answers every
CONNECT with 407 Proxy Authentication Required.  It exits on SIGTERM, and after ``--idle-exit``
seconds without a tunnel open, so that a failed test leaves nothing running for long.

``summary`` waits (at most ``--timeout`` seconds) until every tunnel opened is closed, prints what each
proxy's log holds as one JSON object ({DIR's name: {tunnels, closed, open, targets, upstreams,
bytes_up, bytes_down, refused}}), and with ``--clear`` empties the logs for the next test."""

import argparse
import json
import os
import select
import signal
import socket
import socketserver
import ssl
import sys
import threading
import time

LOOPBACK = ('127.0.0.1', 'localhost', '::1')
TUNNEL_IDLE_SECONDS = 60.0


class Proxy(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, directory, context, refuse):
        super().__init__(('127.0.0.1', 0), Tunnel)
        self.log_path = os.path.join(directory, 'connects.jsonl')
        self.context, self.refuse = context, refuse
        self.lock, self.count, self.active, self.last_activity = threading.Lock(), 0, 0, time.time()

    def record(self, **event):
        with self.lock:
            with open(self.log_path, 'a') as handle:
                handle.write(json.dumps(dict(event, time=time.time())) + '\n')

    def exit_when_idle(self, seconds):
        def watch():
            while self.active or time.time() - self.last_activity < seconds:
                time.sleep(0.5)
            self.shutdown()
        threading.Thread(target=watch, name='idle-exit', daemon=True).start()


class Tunnel(socketserver.BaseRequestHandler):
    def handle(self):
        server, client = self.server, self.request
        server.last_activity = time.time()
        client.settimeout(10)
        if server.context is not None:
            try:
                client = server.context.wrap_socket(client, server_side=True)
            except (ssl.SSLError, OSError) as exc:
                server.record(event='tls-failed', error=str(exc)[:200])
                return
        head = b''
        while b'\r\n\r\n' not in head and len(head) < 16384:
            chunk = client.recv(4096)
            if not chunk:
                return
            head += chunk
        lines = head.split(b'\r\n\r\n', 1)[0].decode('latin-1').split('\r\n')
        method, target = (lines[0].split() + ['', ''])[:2]
        names = sorted(line.split(':', 1)[0].strip().lower() for line in lines[1:] if ':' in line)
        host = target.rsplit(':', 1)[0].strip('[]')
        status = 405 if method != 'CONNECT' else server.refuse or (403 if host not in LOOPBACK else None)
        if status:
            server.record(event='refused', status=status, method=method, target=target, headers=names)
            reasons = {403: 'Forbidden', 405: 'Method Not Allowed', 407: 'Proxy Authentication Required'}
            challenge = 'Proxy-Authenticate: Basic realm="loopback-proxy"\r\n' if status == 407 else ''
            client.sendall(('HTTP/1.1 %d %s\r\n%sContent-Length: 0\r\nConnection: close\r\n\r\n'
                            % (status, reasons.get(status, 'Refused'), challenge)).encode())
            return
        try:
            upstream = socket.create_connection((host, int(target.rsplit(':', 1)[1])), timeout=10)
        except (OSError, ValueError) as exc:
            server.record(event='refused', status=502, method=method, target=target, headers=names, error=str(exc)[:200])
            client.sendall(b'HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n')
            return
        with server.lock:
            server.count += 1
            number = server.count
            server.active += 1
        try:
            server.record(event='open', id=number, target=target, upstream='%s:%s' % upstream.getsockname()[:2])
            client.sendall(b'HTTP/1.1 200 Connection established\r\n\r\n')
            up, down = self.pump(client, upstream, head.split(b'\r\n\r\n', 1)[1])
            server.record(event='close', id=number, target=target, bytes_up=up, bytes_down=down)
        finally:
            upstream.close()
            with server.lock:
                server.active -= 1
                server.last_activity = time.time()

    @staticmethod
    def pump(client, upstream, early):
        """Copies bytes both ways until either end closes (or nothing moves for TUNNEL_IDLE_SECONDS)."""
        counts = {client: len(early), upstream: 0}
        if early:
            upstream.sendall(early)
        other = {client: upstream, upstream: client}
        while True:
            ready = [end for end in (client, upstream) if isinstance(end, ssl.SSLSocket) and end.pending()]
            ready = ready or select.select([client, upstream], [], [], TUNNEL_IDLE_SECONDS)[0]
            if not ready:
                break
            for end in ready:
                end.settimeout(0)
                try:
                    data = end.recv(65536)
                except (ssl.SSLWantReadError, ssl.SSLWantWriteError, BlockingIOError):
                    continue
                except OSError:
                    data = b''
                finally:
                    end.settimeout(10)
                if not data:
                    return counts[client], counts[upstream]
                other[end].sendall(data)
                counts[end] += len(data)
        return counts[client], counts[upstream]


def serve(args):
    os.makedirs(args.dir, exist_ok=True)
    context, ca_path = None, None
    if args.tls:
        import trustme  # the emulator's own certificates come from it

        ca = trustme.CA(organization_name='azure_dr.recovery loopback proxy')
        ca_path = os.path.join(args.dir, 'ca.pem')
        ca.cert_pem.write_to_path(ca_path)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ca.issue_cert('127.0.0.1', 'localhost').configure_cert(context)
    proxy = Proxy(args.dir, context, args.refuse)
    port = proxy.server_address[1]
    ready = {'port': port, 'url': '%s://127.0.0.1:%d' % ('https' if args.tls else 'http', port), 'pid': os.getpid(),
             'ca': ca_path, 'log': proxy.log_path}
    open(proxy.log_path, 'a').close()
    with open(os.path.join(args.dir, 'ready.tmp'), 'w') as handle:
        handle.write(json.dumps(ready) + '\n')
    os.replace(os.path.join(args.dir, 'ready.tmp'), os.path.join(args.dir, 'ready.json'))
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(0))
    proxy.exit_when_idle(args.idle_exit)
    try:
        proxy.serve_forever(poll_interval=0.2)
    finally:
        proxy.server_close()


def summary(args):
    """{basename of each DIR: what its proxy saw}, once every tunnel it opened is closed (or at the timeout)."""
    deadline = time.monotonic() + args.timeout
    seen = {}
    for directory in args.dirs:
        path = os.path.join(directory, 'connects.jsonl')
        while True:
            with open(path) as handle:
                events = [json.loads(line) for line in handle if line.strip()]
            opened = {event['id']: event for event in events if event['event'] == 'open'}
            closed = {event['id']: event for event in events if event['event'] == 'close'}
            if set(opened) <= set(closed) or time.monotonic() > deadline:
                break
            time.sleep(0.05)  # polls the condition (every tunnel closed), for --timeout seconds at most
        if args.clear:
            open(path, 'w').close()
        seen[os.path.basename(os.path.normpath(directory))] = {
            'tunnels': len(opened), 'closed': len(closed), 'open': sorted(set(opened) - set(closed)),
            'targets': sorted(set(event['target'] for event in opened.values())),
            'upstreams': [event['upstream'] for event in opened.values()],
            'bytes_up': [event['bytes_up'] for event in closed.values()],
            'bytes_down': [event['bytes_down'] for event in closed.values()],
            'refused': [event for event in events if event['event'] in ('refused', 'tls-failed')],
        }
    print(json.dumps(seen))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest='command', required=True)
    start = commands.add_parser('serve')
    start.add_argument('dir')
    start.add_argument('--tls', action='store_true')
    start.add_argument('--refuse', type=int, choices=[407])
    start.add_argument('--idle-exit', type=float, default=60.0)
    read = commands.add_parser('summary')
    read.add_argument('dirs', nargs='+', metavar='dir')
    read.add_argument('--clear', action='store_true')
    read.add_argument('--timeout', type=float, default=10.0)
    args = parser.parse_args(argv)
    (serve if args.command == 'serve' else summary)(args)


if __name__ == '__main__':
    main()
