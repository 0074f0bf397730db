# -*- coding: utf-8 -*-
# Copyright: contributors to the azure_dr.recovery collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""A stand-in of the AAP controller API, as much of it as ansible-rulebook 1.3.2's ``run_job_template`` and
``run_workflow_template`` call (ansible_rulebook/job_template_runner.py and shared_job_monitor.py), on loopback, over
HTTPS with ``--tls-cert`` and ``--tls-key`` (ansible-rulebook's ``--controller-ssl-verify`` then names their CA), else
plain HTTP.

    python controller_standin.py --ready-file FILE --token TOKEN [--tls-cert PEM --tls-key PEM] [--templates JSON]
                                 [--idle-exit SECONDS]

Routes (each needs ``Authorization: Bearer TOKEN``, else 401, as the controller answers):

    GET  /api/v2/config/                              the controller's version (ansible-rulebook's first call)
    GET  /api/v2/unified_job_templates/?name=...      the templates of that name, with their organization, launch
                                                      link and ask_*_on_launch (ansible-rulebook picks by type and
                                                      organization)
    POST /api/v2/job_templates/N/launch/              a job: 201 {job, id, url}; recorded with its extra vars
    POST /api/v2/workflow_job_templates/N/launch/     a workflow job: 201 {workflow_job, id, url}; recorded
    GET  /api/v2/jobs/?id__in=N,...                   the jobs' status (ansible-rulebook's shared job monitor polls in
    GET  /api/v2/workflow_jobs/?id__in=N,...          batches): a job is successful at once; a workflow job is running
    GET  /api/v2/jobs/N/, /api/v2/workflow_jobs/N/    until its approval is approved (below), then successful

The test's own routes (no token): ``GET /_standin/launches`` (every launch, in order, with its extra vars, the polls
of its job and whether it was approved), ``POST /_standin/workflow_jobs/N/approve`` (a person approves the workflow's
approval node).

The ready file gets ``{"url", "pid"}`` once the server listens; the server ends on SIGTERM, or by itself after
``--idle-exit`` seconds without a request (a test that dies cannot leave it behind)."""

import argparse
import json
import os
import signal
import ssl
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

# The templates a controller configured by extensions/awx/configure_awx.yml has (names as it creates them).
DEFAULT_TEMPLATES = [
    {'id': 7, 'name': 'DR: drill, approve, fail over', 'type': 'workflow_job_template', 'organization': 'Default'},
    {'id': 11, 'name': 'DR drill', 'type': 'job_template', 'organization': 'Default'},
    {'id': 12, 'name': 'DR failover', 'type': 'job_template', 'organization': 'Default'},
]
KINDS = {'job_template': ('job_templates', 'jobs', 'job'), 'workflow_job_template': ('workflow_job_templates', 'workflow_jobs',
                                                                                     'workflow_job')}


class Controller:
    """What the stand-in knows: its templates, the launches and their jobs."""

    def __init__(self, token, templates):
        self.token = token
        self.templates = templates
        self.launches = []
        self.lock = threading.Lock()
        self.last_request = time.time()

    def template(self, kind, number):
        return next((t for t in self.templates if t['type'] == kind and t['id'] == number), None)

    def summary(self, template):
        plural = KINDS[template['type']][0]
        return {'id': template['id'], 'type': template['type'], 'name': template['name'],
                'url': '/api/v2/%s/%d/' % (plural, template['id']),
                'related': {'launch': '/api/v2/%s/%d/launch/' % (plural, template['id'])},
                'summary_fields': {'organization': {'id': 1, 'name': template['organization']}},
                'ask_limit_on_launch': False, 'ask_labels_on_launch': False, 'ask_inventory_on_launch': False,
                'ask_variables_on_launch': bool(template.get('ask_variables_on_launch', True))}

    def launch(self, template, body):
        with self.lock:
            number = 100 + len(self.launches) + 1
            jobs, field = KINDS[template['type']][1:]
            job = {'id': number, field: number, 'type': field, 'url': '/api/v2/%s/%d/' % (jobs, number),
                   'name': template['name'], 'status': 'pending', 'failed': False,
                   'created': time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime())}
            self.launches.append({'template': template['name'], 'kind': template['type'], 'job': number, 'at': time.time(),
                                  'extra_vars': _extra_vars(body.get('extra_vars')), 'body_keys': sorted(body),
                                  'approved': template['type'] != 'workflow_job_template', 'polls': 0, 'job_view': job})
            return dict(job)

    def job(self, jobs, number):
        """The job ``number`` of kind ``jobs`` (``jobs`` or ``workflow_jobs``) as the controller shows it, or None."""
        with self.lock:
            for launch in self.launches:
                view = launch['job_view']
                if launch['job'] == number and view['url'] == '/api/v2/%s/%d/' % (jobs, number):
                    launch['polls'] += 1
                    view['status'] = 'successful' if launch['approved'] else 'running'
                    if launch['approved']:
                        view['finished'] = time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime())
                    return dict(view, artifacts={}, extra_vars=json.dumps(launch['extra_vars']))
        return None

    def approve(self, number):
        with self.lock:
            for launch in self.launches:
                if launch['job'] == number and launch['kind'] == 'workflow_job_template':
                    launch['approved'] = True
                    launch['approved_at'] = time.time()
                    return True
        return False


def _extra_vars(value):
    """A launch's extra vars: a mapping, or JSON or YAML-free JSON text as the controller also accepts."""
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return {'unparsed': value}
    return value or {}


class Handler(BaseHTTPRequestHandler):
    controller = None  # set by serve()
    protocol_version = 'HTTP/1.1'

    def log_message(self, format, *args):  # pylint: disable=redefined-builtin
        sys.stderr.write('%s %s\n' % (time.strftime('%H:%M:%S'), format % args))

    def _send(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header('Content-Type', 'application/json')
        self.send_header('Content-Length', str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _body(self):
        length = int(self.headers.get('Content-Length') or 0)
        raw = self.rfile.read(length) if length else b''
        try:
            return json.loads(raw or b'{}')
        except ValueError:
            return {}

    def _authorized(self):
        return self.headers.get('Authorization') == 'Bearer %s' % self.controller.token

    def do_GET(self):  # pylint: disable=invalid-name
        self.controller.last_request = time.time()
        url = urllib.parse.urlsplit(self.path)
        path = url.path.rstrip('/') + '/'
        query = dict(urllib.parse.parse_qsl(url.query))
        if path == '/_standin/launches/':
            return self._send(200, {'launches': [{key: value for key, value in launch.items() if key != 'job_view'}
                                                 for launch in self.controller.launches]})
        if not self._authorized():
            return self._send(401, {'detail': 'Authentication credentials were not provided.'})
        prefix = '/api/controller/v2/' if path.startswith('/api/controller/v2/') else '/api/v2/'
        rest = path[len(prefix):]
        if rest == 'config/':
            return self._send(200, {'version': '4.6.0', 'ansible_version': '2.19.0', 'license_info': {'valid_key': True}})
        if rest in ('ping/', ''):
            return self._send(200, {'version': '4.6.0', 'ha': False})
        if rest == 'unified_job_templates/':
            found = [self.controller.summary(t) for t in self.controller.templates if t['name'] == query.get('name')]
            return self._send(200, {'count': len(found), 'next': None, 'previous': None, 'results': found})
        for jobs in ('jobs', 'workflow_jobs'):
            if rest == jobs + '/' and 'id__in' in query:  # the shared job monitor's batch poll
                found = [self.controller.job(jobs, int(number)) for number in query['id__in'].split(',') if number.isdigit()]
                found = [job for job in found if job]
                return self._send(200, {'count': len(found), 'next': None, 'previous': None, 'results': found})
            if rest.startswith(jobs + '/') and rest[len(jobs) + 1:-1].isdigit():
                job = self.controller.job(jobs, int(rest[len(jobs) + 1:-1]))
                return self._send(200, job) if job else self._send(404, {'detail': 'Not found.'})
        return self._send(404, {'detail': 'Not found.'})

    def do_POST(self):  # pylint: disable=invalid-name
        self.controller.last_request = time.time()
        path = urllib.parse.urlsplit(self.path).path.rstrip('/') + '/'
        body = self._body()
        parts = path.strip('/').split('/')
        if path.startswith('/_standin/workflow_jobs/') and parts[-1] == 'approve' and parts[-2].isdigit():
            return self._send(200 if self.controller.approve(int(parts[-2])) else 404, {'approved': int(parts[-2])})
        if not self._authorized():
            return self._send(401, {'detail': 'Authentication credentials were not provided.'})
        # /api/v2/<plural>/<id>/launch/ (or /api/controller/v2/...)
        if len(parts) >= 4 and parts[-1] == 'launch' and parts[-2].isdigit():
            kind = {'job_templates': 'job_template', 'workflow_job_templates': 'workflow_job_template'}.get(parts[-3])
            template = self.controller.template(kind, int(parts[-2])) if kind else None
            if template is None:
                return self._send(404, {'detail': 'Not found.'})
            return self._send(201, self.controller.launch(template, body))
        return self._send(404, {'detail': 'Not found.'})


def serve(arguments):
    templates = json.loads(arguments.templates) if arguments.templates else DEFAULT_TEMPLATES
    controller = Controller(arguments.token, templates)
    Handler.controller = controller
    server = ThreadingHTTPServer(('127.0.0.1', 0), Handler)
    server.daemon_threads = True
    scheme = 'http'
    if arguments.tls_cert:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(arguments.tls_cert, arguments.tls_key)
        server.socket = context.wrap_socket(server.socket, server_side=True)
        scheme = 'https'

    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.shutdown, daemon=True).start())

    def idle():
        while True:
            time.sleep(1)
            if time.time() - controller.last_request > arguments.idle_exit:
                server.shutdown()
                return

    threading.Thread(target=idle, daemon=True).start()
    url = '%s://127.0.0.1:%d' % (scheme, server.server_address[1])
    temporary = arguments.ready_file + '.tmp'
    with open(temporary, 'w') as handle:
        json.dump({'url': url, 'pid': os.getpid()}, handle)
    os.replace(temporary, arguments.ready_file)
    server.serve_forever()
    server.server_close()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n', 1)[0])
    parser.add_argument('--ready-file', required=True)
    parser.add_argument('--token', required=True)
    parser.add_argument('--templates')
    parser.add_argument('--tls-cert', help='PEM of the server certificate (and its chain): serve HTTPS')
    parser.add_argument('--tls-key', help='PEM of its private key')
    parser.add_argument('--idle-exit', type=float, default=600)
    serve(parser.parse_args())


if __name__ == '__main__':
    main()
