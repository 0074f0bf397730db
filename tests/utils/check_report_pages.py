# -*- coding: utf-8 -*-
# Copyright: contributors to the azure_dr.recovery collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Checks the DR report pages in a real browser: Debian's headless Chromium (`make browser`) driven by Playwright.

    python tests/utils/check_report_pages.py --out DIR REPORT_DIR [--expect-text TEXT ...]
    python tests/utils/check_report_pages.py --self-test [--out DIR]

REPORT_DIR holds the JSON reports, the HTML page of each (same name) and the history page index.html; their
DOM contract is in docs/dr_report.md.  Each page is opened twice:
- with JavaScript disabled, as the page needs none: every request is recorded (only the page itself may be
  loaded; anything else is refused before it leaves), a full-page PNG and an A4 PDF go to DIR, and the rendered
  DOM is read (Playwright's evaluate runs in its own world, page scripts stay off) and checked against the
  JSON: one bar and one table row per item in order, bar lengths and left edges at the page's scale, phases
  inside the run, the history's runs newest first with drills drawn hollow;
- with JavaScript enabled, as a reader's browser would: it must stay as quiet (no request, dialog or error).
Pages are opened from file://, as a reader opens a saved or mailed report: no server to start and stop, and
Chromium reports and routes file:// requests like any other (a sibling file the page would load shows too).
Every --expect-text must show as text on a report page, and no element named like its tag (<img ...>) may
exist.  Prints one line per page; exits 1 listing every problem.  --self-test checks the checker on fixture
pages written here to the contract: good ones must pass, each broken one must fail for its reason.
"""

import argparse
import contextlib
import datetime
import html
import json
import os
import pathlib
import re
import signal
import statistics
import struct
import sys
import tempfile
import time
import urllib.parse
import uuid

from playwright.sync_api import sync_playwright

CHROMIUM = '/usr/bin/chromium'
# The machines reach no network but package registries: Chromium's own background connections must not start.
LAUNCH_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
               '--disable-sync', '--no-first-run']
PHASES = ('validation', 'pre-flight', 'failovers', 'restores', 'confirmation',
          'failover-checks', 'soak', 'failbacks', 'failback-checks')  # a live drill's (dr_drill_live)
MIN_BAR = 2.0               # px: the contract's minimum bar width
TOLERANCE = (1.5, 0.02)     # px or share of the expected length, whichever is larger
SECONDS = 0.05              # data-* against the JSON
RUN_ROUNDING = 0.1          # the report's duration is rounded to 0.1 s, its phases' ends are not

# Everything read from a page, in one call.  getBoundingClientRect is the rendered box in CSS px.
DOM_JS = """tags => {
  const box = e => { const r = e.getBoundingClientRect(); return {x: r.left, right: r.right, w: r.width, h: r.height}; };
  const all = (s, root) => [...(root || document).querySelectorAll(s)];
  const svg = document.querySelector('svg#timeline');
  const view = svg && svg.viewBox && svg.viewBox.baseVal;
  return {
    csp: all('meta[http-equiv="Content-Security-Policy" i]').map(m => m.content),
    scripts: all('script').length, imgs: all('img').length,
    handlers: all('*').flatMap(e => [...e.attributes].filter(a => /^on/i.test(a.name)).map(a => e.localName + ' ' + a.name)),
    tags: Object.fromEntries(tags.map(t => [t, document.getElementsByTagName(t).length])),
    text: document.body ? document.body.innerText : '',
    svg: svg && {scale: svg.dataset.scale, box: box(svg), view: view ? view.width : 0},
    items: all('svg#timeline g.item').map(g => ({name: g.dataset.name, kind: g.dataset.kind, start: g.dataset.start,
      end: g.dataset.end, duration: g.dataset.duration,
      bars: all('rect.bar', g).map(r => Object.assign({missing: r.classList.contains('missing')}, box(r)))})),
    phases: all('svg#timeline rect.phase').map(r => Object.assign({name: r.dataset.phase, start: r.dataset.start,
      end: r.dataset.end}, box(r))),
    rows: all('table#items tr.item-row').map(r => ({name: r.dataset.name, kind: r.dataset.kind})),
    steps: all('table#steps tr.step-row').map(r => ({name: r.dataset.name, kind: r.dataset.kind})),
    runs: all('table#runs tr.run').map(r => ({started: r.dataset.started, mode: r.dataset.mode, report: r.dataset.report,
      links: all('a', r).map(a => a.getAttribute('href'))})),
    points: all('svg#rto-chart circle.point').map(c => ({started: c.dataset.started, mode: c.dataset.mode,
      fill: getComputedStyle(c).fill, opacity: getComputedStyle(c).fillOpacity})),
    background: getComputedStyle(document.body || document.documentElement).backgroundColor,
  };
}"""


def number(text):
    try:
        return None if text in (None, '') else float(text)
    except (TypeError, ValueError):
        return None


def tolerated(got, want):
    return abs(got - want) <= max(TOLERANCE[0], TOLERANCE[1] * abs(want))


def started_at(text):
    try:
        return datetime.datetime.fromisoformat(str(text).replace('Z', '+00:00'))
    except ValueError:
        return None


@contextlib.contextmanager
def browser_session(chromium):
    """Chromium, closed however the check ends; afterwards no process it started may be left."""
    if not os.access(chromium, os.X_OK):
        raise SystemExit('%s not found: `make browser` installs Debian\'s chromium' % chromium)
    # Found afterwards by a mark in the environment that the Playwright driver, the browser and its crash
    # handlers inherit, and by the browser's process group (its zygote-forked children get a clean environment).
    os.environ['CHECK_REPORT_PAGES_RUN'] = uuid.uuid4().hex
    mark, groups = ('CHECK_REPORT_PAGES_RUN=' + os.environ['CHECK_REPORT_PAGES_RUN']).encode(), set()
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=chromium, args=LAUNCH_ARGS)
            try:
                groups = {group for _pid, group in processes(mark, ()) if group != os.getpgrp()}
                yield browser
            finally:
                browser.close()
    finally:
        left = leftovers(mark, groups)
        for pid in left:
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
        if left:
            print('FAIL processes left behind (killed): %s' % ' '.join(map(str, left)))
            sys.exit(1)


def processes(mark, groups):
    """[(pid, process group)] of the processes with ``mark`` in their environment or in one of ``groups``."""
    found = []
    for name in filter(str.isdigit, os.listdir('/proc')):
        with contextlib.suppress(OSError, ValueError, IndexError):
            with open('/proc/%s/stat' % name) as handle:
                group = int(handle.read().rsplit(')', 1)[1].split()[2])
            with open('/proc/%s/environ' % name, 'rb') as handle:
                marked = mark in handle.read().split(b'\0')
            if int(name) != os.getpid() and (marked or group in groups):
                found.append((int(name), group))
    return found


def leftovers(mark, groups, grace=5.0):
    deadline = time.time() + grace
    while True:
        found = [pid for pid, _group in processes(mark, groups)]
        if not found or time.time() > deadline:
            return found
        time.sleep(0.2)


def open_page(browser, path, javascript):
    """(context, page, events, url) with the page loaded; the context refuses every request but the page's own."""
    url = pathlib.Path(path).resolve().as_uri()
    context = browser.new_context(java_script_enabled=javascript, viewport={'width': 1280, 'height': 800})
    context.set_default_timeout(30000)
    events = {'requests': [], 'failed': {}, 'console': [], 'dialogs': [], 'errors': []}
    context.route('**/*', lambda route: route.continue_() if route.request.url == url else route.abort())
    page = context.new_page()
    page.on('request', lambda request: events['requests'].append(request.url))
    page.on('requestfailed', lambda request: events['failed'].__setitem__(request.url, request.failure))
    page.on('console', lambda message: message.type == 'error' and events['console'].append(message.text))
    page.on('dialog', lambda dialog: (events['dialogs'].append(dialog.message), dialog.dismiss()))
    page.on('pageerror', lambda error: events['errors'].append(str(error)))
    try:
        page.goto(url, wait_until='load')
    except Exception:
        context.close()
        raise
    return context, page, events, url


def quiet_problems(events, url, how):
    problems = []
    for request in events['requests']:
        if request != url:
            failure = events['failed'].get(request)
            why = ('blocked by the page\'s Content-Security-Policy' if failure == 'csp'
                   else 'refused by this check' if failure else 'loaded')
            problems.append('%s: requested %s (%s)' % (how, request, why))
    problems += ['%s: console error: %s' % (how, text) for text in events['console']]
    problems += ['%s: dialog opened: %r' % (how, text) for text in events['dialogs']]
    problems += ['%s: script error: %s' % (how, text) for text in events['errors']]
    return problems


def page_problems(dom):
    """What holds for both pages: a CSP that forbids loading anything, nothing that loads or runs."""
    problems = []
    if not any("default-src 'none'" in policy for policy in dom['csp']):
        problems.append('no Content-Security-Policy meta with default-src \'none\' (found %r)' % dom['csp'])
    if dom['imgs']:
        problems.append('%d img element(s): the page must draw with inline SVG only' % dom['imgs'])
    if dom['scripts']:
        problems.append('%d script element(s): the page must need no script' % dom['scripts'])
    if dom['handlers']:
        problems.append('event handler attribute(s): %s' % ', '.join(dom['handlers']))
    return problems


def report_problems(dom, report):
    """The timeline and tables against the JSON report - a bar for every item and then every step of the run (the
    user's own, dr_step), a table row for each; returns (problems, numbers for the summary line)."""
    problems, items, steps = [], report.get('items') or [], report.get('steps') or []
    timeline = items + steps
    for what, found, wanted in (('svg#timeline g.item', dom['items'], timeline), ('table#items tr.item-row', dom['rows'], items),
                                ('table#steps tr.step-row', dom['steps'], steps)):
        names = [str(item.get('name')) for item in wanted]
        if [element['name'] for element in found] != names:
            problems.append('%s data-name %r, the JSON %r (one each, same order)' % (what, [e['name'] for e in found], names))
        problems += ['%s %r: data-kind %r, the JSON %r' % (what, e['name'], e['kind'], item.get('kind'))
                     for e, item in zip(found, wanted) if e['kind'] != item.get('kind')]
    svg, scale = dom['svg'], number((dom['svg'] or {}).get('scale'))
    if not svg or not scale or scale <= 0:
        return problems + ['no svg#timeline with a positive data-scale (%r)' % svg], {}
    factor = svg['box']['w'] / svg['view'] if svg['view'] else 1.0    # SVG units to rendered px
    px = scale * factor                                              # rendered px per second
    run = number(report.get('duration')) or 0.0
    edges, missing, minimum = [], [], 0
    for index, (element, item) in enumerate(zip(dom['items'], timeline)):
        label = 'item %d %r' % (index + 1, element['name'])
        for key, attribute in (('start_offset', 'start'), ('end_offset', 'end'), ('duration', 'duration')):
            want, got = number(item.get(key)), number(element[attribute])
            if (want is None) != (got is None) or (want is not None and abs(want - got) > SECONDS):
                problems.append('%s: data-%s=%r, the JSON %s %r' % (label, attribute, element[attribute], key, item.get(key)))
        if len(element['bars']) != 1:
            problems.append('%s: %d rect.bar, not one' % (label, len(element['bars'])))
            continue
        rect, start = element['bars'][0], number(element['start'])
        if rect['w'] <= 0 or rect['h'] <= 0:
            problems.append('%s: its bar is not visible (%.1f x %.1f px)' % (label, rect['w'], rect['h']))
        if start is None:       # never reached: a minimum-width rect.bar.missing at 0 s
            missing.append((label, rect))
            if not rect['missing']:
                problems.append('%s: data-start="" but its bar is not rect.bar.missing' % label)
            continue
        if rect['missing']:
            problems.append('%s: has a start but its bar is rect.bar.missing' % label)
        want = (number(element['duration']) or 0.0) * px
        if abs(rect['w'] - MIN_BAR * factor) < 0.5 and want < MIN_BAR * factor:
            minimum += 1
        elif not tolerated(rect['w'], want):
            problems.append('%s: bar %.1f px long for %s s, %.1f px at the page\'s %s px/s'
                            % (label, rect['w'], element['duration'], want, svg['scale']))
        edges.append((label + ' bar', rect['x'] - start * px))
    for phase in dom['phases']:
        label, start, end = 'phase %r' % phase['name'], number(phase['start']), number(phase['end'])
        if phase['name'] not in PHASES:
            problems.append('%s: not one of %s' % (label, ', '.join(PHASES)))
        if start is None or end is None or not 0 <= start <= end <= run + RUN_ROUNDING:
            problems.append('%s: %r to %r s, not inside the run (0 to %s s)' % (label, phase['start'], phase['end'], run))
            continue
        if not tolerated(phase['w'], (end - start) * px):
            problems.append('%s: %.1f px long for %.1f s, %.1f px at the page\'s scale' % (label, phase['w'], end - start, (end - start) * px))
        if phase['x'] < svg['box']['x'] - 1 or phase['right'] > svg['box']['right'] + 1:
            problems.append('%s: drawn outside the timeline' % label)
        edges.append((label, phase['x'] - start * px))
    wanted = [phase.get('name') for phase in report.get('phases') or []]
    if 'phases' in report and [phase['name'] for phase in dom['phases']] != wanted:
        problems.append('rect.phase %r, the JSON phases %r' % ([phase['name'] for phase in dom['phases']], wanted))
    # Where 0 s is drawn: every bar's and phase's left edge less data-start at the scale must agree.
    zero = statistics.median(edge for _label, edge in edges) if edges else None
    problems += ['%s: left edge %+.1f px from where its data-start puts it' % (label, edge - zero)
                 for label, edge in edges if abs(edge - zero) > TOLERANCE[0]]
    problems += ['%s: never reached, its bar is not at 0 s (%+.1f px)' % (label, rect['x'] - zero)
                 for label, rect in missing if zero is not None and abs(rect['x'] - zero) > TOLERANCE[0]]
    numbers = {'items': len(items), 'steps': len(steps), 'bars': sum(len(e['bars']) for e in dom['items']), 'min-width': minimum,
               'unreached': len(missing), 'rows': len(dom['rows']), 'phases': len(dom['phases']), 'px/s': round(px, 3)}
    return problems, numbers


# The history's data-mode of a report: a drill in check mode, a live drill (dr_drill_live), or a real run.
DRILLS = ('check', 'drill-live')


def report_mode(report):
    if report.get('mode') == 'check':
        return 'check'
    return 'drill-live' if report.get('playbook') == 'dr_drill_live' else 'run'


def history_problems(dom, reports, folder):
    problems = []
    wanted = sorted((str(report.get('started')), report_mode(report)) for report in reports)
    for what, found in (('tr.run', dom['runs']), ('circle.point', dom['points'])):
        got = sorted((str(e['started']), str(e['mode'])) for e in found)
        if got != wanted:
            problems.append('%s (data-started, data-mode) %r, the JSON reports %r (one each)' % (what, got, wanted))
    times = [started_at(run['started']) for run in dom['runs']]
    if None in times or times != sorted(times, reverse=True):
        problems.append('tr.run not newest first by data-started: %s' % ', '.join(str(run['started']) for run in dom['runs']))
    for run in dom['runs']:
        linked = [urllib.parse.unquote(re.sub(r'^\./', '', link or '')) for link in run['links']]  # ./name, quoted
        if not run['report'] or not os.path.exists(os.path.join(folder, run['report'])) or run['report'] not in linked:
            problems.append('tr.run %s: data-report %r is not a file of the folder linked from the row (links %r)'
                            % (run['started'], run['report'], run['links']))
    # Drills hollow, real runs filled: told apart by the page's style, not only by an attribute.
    background = dom['background'] if not re.search(r',\s*0\)$', dom['background']) else 'rgb(255, 255, 255)'
    for point in dom['points']:
        hollow = point['fill'] in ('none', background) or re.search(r',\s*0\)$', point['fill']) or number(point['opacity']) == 0
        if bool(hollow) != (point['mode'] in DRILLS):
            problems.append('circle.point %s (data-mode %s): fill %s is %s'
                            % (point['started'], point['mode'], point['fill'], 'hollow' if hollow else 'filled'))
    return problems, {'runs': len(dom['runs']), 'drills': sum(run['mode'] in DRILLS for run in dom['runs']),
                      'points': len(dom['points'])}


def render(page, out, stem):
    """Full-page PNG and A4 PDF (backgrounds printed, the page's own @page size honoured); their sizes."""
    png, pdf = os.path.join(out, stem + '.png'), os.path.join(out, stem + '.pdf')
    page.screenshot(path=png, full_page=True)
    page.pdf(path=pdf, format='A4', print_background=True, prefer_css_page_size=True)
    with open(png, 'rb') as handle:
        width, height = struct.unpack('>II', handle.read(24)[16:24])
    with open(pdf, 'rb') as handle:
        pages = len(re.findall(rb'/Type\s*/Page[^s]', handle.read()))
    return '%dx%d png, %d-page pdf' % (width, height, pages)


def check_page(browser, path, out, check, tags):
    """Problems of one page, its summary line, and its DOM (for --expect-text)."""
    context, page, events, url = open_page(browser, path, javascript=False)
    try:
        rendered = render(page, out, os.path.splitext(os.path.basename(path))[0])
        dom = page.evaluate(DOM_JS, tags)
        problems, numbers = check(dom)
        problems = page_problems(dom) + problems + quiet_problems(events, url, 'without JavaScript')
    finally:
        context.close()
    context, _page, events, url = open_page(browser, path, javascript=True)
    context.close()
    problems += quiet_problems(events, url, 'with JavaScript')
    line = '%s: %s, %s' % (os.path.basename(path), ' '.join('%s=%s' % item for item in numbers.items()), rendered)
    return problems, line, dom


def check_folder(browser, folder, out, expect_texts=(), say=print):
    """Every report page and the history page of ``folder``; returns the problems, each prefixed by its page."""
    os.makedirs(out, exist_ok=True)
    problems, reports, texts = [], [], []
    tags = sorted({match.lower() for text in expect_texts for match in re.findall(r'<\s*([A-Za-z][\w-]*)', text)})
    for name in sorted(os.listdir(folder)):
        if not name.endswith('.json'):
            continue
        with open(os.path.join(folder, name), encoding='utf-8') as handle:
            report = json.load(handle)
        if not isinstance(report, dict) or 'schema_version' not in report or 'playbook' not in report:
            say('skip %s: not a DR report' % name)
            continue
        reports.append(report)
        page = os.path.join(folder, name[:-len('.json')] + '.html')
        if not os.path.exists(page):
            problems.append('%s: no HTML page beside it (%s)' % (name, os.path.basename(page)))
            continue
        found, line, dom = check_page(browser, page, out, lambda dom, report=report: report_problems(dom, report), tags)
        texts.append(dom['text'])
        problems += flag_tags(dom, tags, os.path.basename(page)) + ['%s: %s' % (os.path.basename(page), p) for p in found]
        say('%s %s' % ('FAIL' if found else 'ok  ', line))
    index = os.path.join(folder, 'index.html')
    if os.path.exists(index):
        found, line, dom = check_page(browser, index, out, lambda dom: history_problems(dom, reports, folder), tags)
        problems += flag_tags(dom, tags, 'index.html') + ['index.html: %s' % p for p in found]
        say('%s %s' % ('FAIL' if found else 'ok  ', line))
    else:
        problems.append('no index.html in %s' % folder)
    if not reports:
        problems.append('no JSON report in %s' % folder)
    problems += ['--expect-text %r: shown as text on no report page' % text for text in expect_texts
                 if not any(text in shown for shown in texts)]
    return problems


def flag_tags(dom, tags, name):
    return ['%s: %d <%s> element(s), where --expect-text wants the text' % (name, dom['tags'][tag], tag)
            for tag in tags if dom['tags'].get(tag)]


# --self-test: fixture pages written to the contract, a good folder and broken variants of it.
HOSTILE = '<img src=x onerror=alert(1)>'
CSP_META = '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; style-src \'unsafe-inline\'; img-src data:">'
STYLE = '<style>body{font-family:sans-serif} .bar{fill:#2e7d32} .bar.missing{fill:none;stroke:#c62828} .phase{fill:#eee}' \
        ' .point.run{fill:#2e7d32} .point.check{fill:none;stroke:#1565c0;stroke-width:2}</style>'


def fixture_page(title, body):
    return ('<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">%s<title>%s</title>%s</head>\n%s\n</html>\n'
            % (CSP_META, html.escape(title), STYLE, body))


def fixture_report(report, scale=10.0, left=200):
    def attrs(**values):
        return ''.join(' data-%s="%s"' % (k, html.escape('' if v is None else str(v))) for k, v in values.items())
    shapes = ['<rect class="phase"%s x="%.2f" y="0" width="%.2f" height="120"/><text class="phase-label" x="%.2f" y="10">%s</text>'
              % (attrs(phase=p['name'], start=p['start_offset'], end=p['end_offset']), left + p['start_offset'] * scale,
                 (p['end_offset'] - p['start_offset']) * scale, left + p['start_offset'] * scale, p['name'])
              for p in report['phases']]
    rows, steps = [], report.get('steps') or []
    for index, item in enumerate(report['items'] + steps):
        start, name = item['start_offset'], html.escape(item['name'])
        y = 20 + 20 * index
        shape = ('<rect class="bar missing" x="%d" y="%d" width="2" height="14"/>' % (left, y) if start is None else
                 '<rect class="bar" x="%.2f" y="%d" width="%.2f" height="14"/>' % (left + start * scale, y, max(item['duration'] * scale, MIN_BAR)))
        shapes.append('<g class="item"%s><text x="%d" y="%d" text-anchor="end">%s</text>%s</g>' % (
            attrs(kind=item['kind'], name=item['name'], outcome='done', start=start, end=item['end_offset'],
                  duration=item['duration']), left - 8, y + 12, name, shape))
        if item['kind'] != 'step':
            rows.append('<tr class="item-row"%s><td>%s</td><td>%s</td></tr>'
                        % (attrs(kind=item['kind'], name=item['name']), name, item['duration']))
    step_rows = ''.join('<tr class="step-row"%s><td>%s</td></tr>' % (attrs(kind='step', name=step['name']), html.escape(step['name']))
                        for step in steps)
    return fixture_page('DR report', '<body data-result="%s"><section id="summary"><dl><dt>plan</dt><dd>%s</dd></dl></section>'
                        '<svg id="timeline" width="900" height="120" viewBox="0 0 900 120" data-scale="%s">%s</svg>'
                        '<table id="items">%s</table>%s</body>' % (
                            report['result'], report['plan'], scale, ''.join(shapes), ''.join(rows),
                            '<table id="steps">%s</table>' % step_rows if steps else ''))


def fixture_history(runs):
    runs = sorted(runs, key=lambda run: run[1]['started'], reverse=True)
    rows = ''.join('<tr class="run" data-started="%s" data-mode="%s" data-result="%s" data-rto="%s" data-report="%s">'
                   '<td><a href="%s">%s</a></td></tr>' % (r['started'], r['mode'], r['result'], r['duration'], page, page, page)
                   for page, r in runs)
    points = ''.join('<circle class="point %s" data-mode="%s" data-started="%s" data-rto="%s" cx="%d" cy="50" r="5"/>'
                     % (r['mode'], r['mode'], r['started'], r['duration'], 50 + 100 * i) for i, (_page, r) in enumerate(runs))
    return fixture_page('DR run history', '<body><svg id="rto-chart" width="400" height="100">%s</svg><table id="runs">%s</table></body>'
                        % (points, rows))


def fixture_folder():
    """{file name: content}: a drill with the hostile name, a zero-length and an unreached item, and a real run."""
    def item(kind, name, start, duration):
        return {'kind': kind, 'name': name, 'start_offset': start, 'duration': duration,
                'end_offset': None if start is None else start + duration}
    drill = {'schema_version': 1, 'plan': 'demo', 'playbook': 'dr_drill', 'mode': 'check', 'result': 'rehearsed',
             'started': '2026-01-02T03:04:05Z', 'duration': 13.0,
             'phases': [{'name': n, 'start_offset': s, 'end_offset': e}
                        for n, s, e in (('validation', 0, 1), ('pre-flight', 1, 2), ('failovers', 2, 12), ('confirmation', 12, 13))],
             'items': [item('failover_group', 'fg-east', 0.0, 12.0), item('workspace', HOSTILE, 3.0, 6.0),
                       item('workspace', 'ws-quick', 12.0, 0.1), item('workspace', 'ws-never', None, None)]}
    run = dict(drill, playbook='dr_failover', mode='run', result='succeeded', started='2026-01-03T00:00:00Z', duration=20.0,
               phases=[{'name': 'validation', 'start_offset': 0, 'end_offset': 20}], items=[item('failover_group', 'fg-east', 1.0, 18.0)],
               steps=[dict(item('step', 'DNS switch', 19.0, 1.0), outcome='succeeded')])
    files = {'index.html': fixture_history([('demo-dr_drill.html', drill), ('demo-dr_failover.html', run)])}
    for stem, report in (('demo-dr_drill', drill), ('demo-dr_failover', run)):
        files[stem + '.json'] = json.dumps(report, indent=4)
        files[stem + '.html'] = fixture_report(report)
    return files


def changed(files, name, old, new):
    text = files[name].replace(old, new) if isinstance(old, str) else old.sub(new, files[name])
    if text == files[name]:
        raise AssertionError('self-test fixture: %r not found in %s' % (old, name))
    return dict(files, **{name: text})


def swap_runs(files):
    rows = re.findall(r'<tr class="run".*?</tr>', files['index.html'])
    return changed(files, 'index.html', ''.join(rows), ''.join(reversed(rows)))


LINK = '<link rel="stylesheet" href="http://127.0.0.1:9/x.css">'
VARIANTS = (  # (what is broken, the files, a text the checker's problems must hold)
    ('a bar whose width does not follow its duration', lambda f: changed(f, 'demo-dr_drill.html', 'width="60.00"', 'width="90.00"'),
     'bar 90.0 px long for 6.0 s'),
    ('an item without its bar', lambda f: changed(f, 'demo-dr_drill.html', re.compile(r'<rect class="bar" x="230.00"[^>]*>'), ''),
     '0 rect.bar, not one'),
    ('an external stylesheet, CSP present', lambda f: changed(f, 'demo-dr_drill.html', '<title>', LINK + '<title>'),
     "requested http://127.0.0.1:9/x.css (blocked by the page's Content-Security-Policy)"),
    ('an external stylesheet, no CSP', lambda f: changed(changed(f, 'demo-dr_drill.html', '<title>', LINK + '<title>'),
                                                         'demo-dr_drill.html', CSP_META, ''),
     'requested http://127.0.0.1:9/x.css (refused by this check)'),
    ('the hostile name unescaped', lambda f: changed(f, 'demo-dr_drill.html', '>' + html.escape(HOSTILE) + '<', '>' + HOSTILE + '<'),
     'img element'),
    ('history rows oldest first', swap_runs, 'not newest first'),
    ('a step of the run missing from the timeline',
     lambda f: changed(f, 'demo-dr_failover.html', re.compile(r'<g class="item" data-kind="step".*?</g>'), ''),
     "svg#timeline g.item data-name ['fg-east'], the JSON ['fg-east', 'DNS switch']"),
)


def self_test(browser, out):
    failures, base = [], fixture_folder()
    for index, (what, variant, reason) in enumerate((('nothing', lambda f: f, None),) + VARIANTS):
        lines = []
        with tempfile.TemporaryDirectory(prefix='check_report_pages-') as folder:
            for name, text in variant(base).items():
                with open(os.path.join(folder, name), 'w', encoding='utf-8') as handle:
                    handle.write(text)
            problems = check_folder(browser, folder, os.path.join(out, 'variant-%d' % index), [HOSTILE], lines.append)
        if reason is None:
            ok = not problems
            print('%s good pages pass:\n%s' % ('ok  ' if ok else 'FAIL', '\n'.join('       ' + line for line in lines)))
        else:
            ok = any(reason in problem for problem in problems)
            print('%s broken (%s) fails: %d problem(s), the expected one %s'
                  % ('ok  ' if ok else 'FAIL', what, len(problems), 'found' if ok else 'MISSING: %r' % reason))
        # As expected, a broken case shows the problem it was made for; otherwise every problem, to see why.
        for problem in [p for p in problems if reason and reason in p][:1] if ok else problems:
            print('       %s' % problem)
        failures += [] if ok else [what]
    return failures


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n', maxsplit=1)[0])
    parser.add_argument('folder', nargs='?', metavar='REPORT_DIR')
    parser.add_argument('--out', help='where the PNG and PDF of each page go')
    parser.add_argument('--expect-text', action='append', default=[], metavar='TEXT')
    parser.add_argument('--self-test', action='store_true')
    parser.add_argument('--chromium', default=CHROMIUM)
    args = parser.parse_args()
    if not args.self_test and not (args.folder and args.out):
        parser.error('REPORT_DIR and --out DIR are required (or --self-test)')
    if args.folder and not os.path.isdir(args.folder):
        parser.error('REPORT_DIR %s is not a folder' % args.folder)
    # A TERM (a timeout, ansible-test giving up) still closes Chromium: the finally clauses run.
    signal.signal(signal.SIGTERM, lambda *_args: sys.exit(143))
    began = time.time()
    with browser_session(args.chromium) as browser:
        if args.self_test:
            with tempfile.TemporaryDirectory() as scratch:
                failures = self_test(browser, args.out or scratch)
            cases = len(VARIANTS) + 1
            print('self-test: %d of %d cases as expected (%.1f s)' % (cases - len(failures), cases, time.time() - began))
            problems = failures
        else:
            problems = check_folder(browser, args.folder, args.out, args.expect_text)
            for problem in problems:
                print('  problem: %s' % problem)
            print('%s: %d problem(s) (%.1f s)' % (args.folder, len(problems), time.time() - began))
    return 1 if problems else 0


if __name__ == '__main__':
    sys.exit(main())
