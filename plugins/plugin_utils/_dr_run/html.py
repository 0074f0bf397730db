# -*- coding: utf-8 -*-
# Copyright: contributors to the azure_dr.recovery collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The DR report as a self-contained HTML page, and the run history of a report folder.

Read by people under pressure and sent to auditors, so: no script, no external asset (inline CSS and
SVG), a Content-Security-Policy that forbids loading anything, every value escaped, and a print style.
The elements carry ``data-*`` attributes (kind, name, outcome, start, end, duration) so that tests and
tools read the page as its reader sees it (docs/dr_report.md, "HTML")."""

from __future__ import annotations

import datetime
import html
import json
import math
import urllib.parse

from ansible_collections.azure_dr.recovery.plugins.plugin_utils._dr_run.scope import event_line, scope_lines

CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
# Outcomes of an item, in the legend's order, with their colours (also the bars' and table's).
OUTCOMES = (('done', 'done', '#2e7d32'), ('nothing', 'nothing to do', '#8a8f98'),
            ('would-change', 'would change', '#1565c0'), ('forced', 'forced (data may be lost)', '#e65100'),
            ('error', 'error', '#c62828'))
COLOURS = {name: colour for name, _label, colour in OUTCOMES}
# The table's columns: every field of a report row (docs/dr_report.md); any other key goes in "other".
COLUMNS = (('name', 'name'), ('kind', 'kind'), ('leg', 'leg'), ('id', 'id'), ('action', 'action'), ('location', 'target'),
           ('failover_kind', 'failover sent'), ('would_send', 'would send'), ('escalation_reason', 'why forced'),
           ('before', 'before'), ('after', 'after'), ('start_offset', 'start (s)'), ('end_offset', 'end (s)'),
           ('duration', 'duration (s)'), ('final_state', 'final state'), ('new_name', 'new name'),
           ('changed', 'changed'), ('derived', 'derived'), ('request_id', 'request id'),
           ('correlation_id', 'correlation id'), ('error', 'error'), ('cause', 'cause'))
STYLE = """
:root { font-family: system-ui, -apple-system, "Segoe UI", "DejaVu Sans", "Liberation Sans", sans-serif; color: #1b1f24; }
body { margin: 24px; font-size: 14px; line-height: 1.4; }
h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 17px; margin: 28px 0 8px; }
.badge { display: inline-block; padding: 2px 10px; border-radius: 10px; color: #fff; font-weight: 600; }
.r-succeeded { background: #2e7d32; } .r-failed { background: #c62828; } .r-rehearsed { background: #1565c0; }
.r-no-go { background: #6a1b9a; }
dl.summary { display: grid; grid-template-columns: max-content 1fr; gap: 2px 16px; margin: 12px 0; }
dl.summary dt { color: #57606a; } dl.summary dd { margin: 0; }
.met { color: #2e7d32; font-weight: 600; } .missed { color: #c62828; font-weight: 600; }
table { border-collapse: collapse; font-size: 12px; }
th, td { border: 1px solid #d0d7de; padding: 3px 6px; text-align: left; vertical-align: top; overflow-wrap: break-word; }
td.c-start_offset, td.c-end_offset, td.c-duration, td.c-changed { white-space: nowrap; text-align: right; }
th { background: #f6f8fa; }
td.outcome, td.c-name, td.c-kind { font-weight: 600; white-space: nowrap; } td.c-kind { font-weight: 400; }
p.note, p.phases { color: #57606a; font-size: 12px; }
ul.legend { list-style: none; padding: 0; margin: 6px 0; display: flex; flex-wrap: wrap; gap: 14px; font-size: 12px; }
ul.legend span.swatch { display: inline-block; width: 12px; height: 12px; border-radius: 2px; margin-right: 4px; vertical-align: -1px; }
svg text { font-size: 11px; fill: #1b1f24; } svg .axis text { fill: #57606a; } svg .phase-label { font-size: 10px; fill: #57606a; }
svg .phase { fill: #f3f4f6; stroke: #d0d7de; } svg .phase.odd { fill: #e9ecf1; }
svg .bar.missing { fill: none; stroke: #c62828; stroke-dasharray: 2 2; }
svg .grid { stroke: #e1e4e8; } svg .target { stroke: #c62828; stroke-dasharray: 5 3; }
svg .point.check { fill: #fff; stroke-width: 2; } svg .point.run { stroke-width: 2; }
.problems li { color: #c62828; }
p.alarm { background: #c62828; color: #fff; font-weight: 700; padding: 8px 12px; border-radius: 4px; }
footer { margin-top: 28px; color: #57606a; font-size: 12px; }
@page { size: A4 landscape; margin: 12mm; }
@media print { body { margin: 0; font-size: 11px; } table { font-size: 9px; } h2 { break-after: avoid; }
  tr, svg { break-inside: avoid; } .badge, .swatch, svg * { print-color-adjust: exact; -webkit-print-color-adjust: exact; } }
"""


def _text(value):
    """Any value as escaped text: names come from plans and services, never trusted as markup."""
    if value is None:
        return ''
    if isinstance(value, (dict, list)):
        value = json.dumps(value, sort_keys=True)
    return html.escape(str(value), quote=True)


def _attributes(**values):
    return ''.join(' %s="%s"' % (name.replace('_', '-'), _text(value)) for name, value in values.items())


def _page(title, body, body_attributes=''):
    return ('<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
            '<meta http-equiv="Content-Security-Policy" content="%s">\n'
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            '<meta name="referrer" content="no-referrer">\n<title>%s</title>\n<style>%s</style>\n</head>\n'
            '<body%s>\n%s\n</body>\n</html>\n' % (CSP, _text(title), STYLE, body_attributes, body))


def outcome(item):
    """What became of a row or a step, for its colour: done, nothing (to do), would-change, forced or error."""
    if item.get('kind') == 'step':
        return {'failed': 'error', 'skipped': 'nothing', 'started': 'would-change'}.get(item.get('outcome'), 'done')
    action = str(item.get('action') or '')
    if action == 'error':
        return 'error'
    if item.get('failover_kind') == 'forced':
        return 'forced'
    if action.startswith('would '):
        return 'would-change'
    return 'nothing' if action in ('none', '') else 'done'


def _number(value):
    try:
        return None if value is None or value == '' else float(value)
    except (TypeError, ValueError):
        return None


def _seconds(value):
    number = _number(value)
    return '' if number is None else ('%.1f s' % number)


def _nice_step(span, ticks=8):
    """A round tick step (1, 2 or 5 times a power of ten) giving about ``ticks`` ticks over ``span``."""
    raw = max(span, 1e-9) / ticks
    power = 10 ** math.floor(math.log10(raw))
    return next(step * power for step in (1, 2, 5, 10) if step * power >= raw)


def _legend():
    return '<ul class="legend">%s</ul>' % ''.join(
        '<li><span class="swatch" style="background:%s"></span>%s</li>' % (colour, _text(label))
        for _name, label, colour in OUTCOMES)


def _rto_sentence(rto):
    rto = rto if isinstance(rto, dict) else {}
    if rto.get('target_seconds') is None:
        return 'no target (the plan\'s <code>rto_target_seconds</code>)'
    if rto.get('met') is None:
        return '%s s: <span class="missed">not met</span> (the run did not succeed)' % _text(rto['target_seconds'])
    margin = abs(_number(rto.get('margin_seconds')) or 0.0)
    if rto.get('met'):
        return '%s s: <span class="met">met</span>, %.1f s to spare' % (_text(rto['target_seconds']), margin)
    return '%s s: <span class="missed">missed</span> by %.1f s' % (_text(rto['target_seconds']), margin)


def _summary(report):
    awx = report.get('awx_job_id')
    rows = [('plan', _text(report.get('plan'))), ('playbook', _text(report.get('playbook'))),
            ('mode', {'check': 'drill (check mode: nothing changed)', 'run': 'run',
                      'drill-live': 'live drill (failed over and back for real)'}[_mode(report)]),
            ('result', '<span class="badge r-%s">%s</span>' % (_text(report.get('result')), _text(report.get('result')))),
            ('run by', _text(report.get('run_by'))),
            ('AWX job', '%s (%s)' % (_text(awx), _text(report.get('awx_job_template_name'))) if awx else 'not run from AWX'),
            ('started', _text(report.get('started'))), ('ended', _text(report.get('ended'))),
            ('achieved RTO', _seconds(_rto_of(report).get('achieved_seconds', report.get('duration')))),
            ('RTO target', _rto_sentence(report.get('rto')))]
    if report.get('legs'):  # a live drill: the failover's RTO above, each leg here
        rows.insert(-2, ('duration', _seconds(report.get('duration')) + ' in all'))
        rows[-2] = ('achieved RTO', rows[-2][1] + ' (the failover leg)')
        rows += [('%s leg' % _text(leg.get('name')), '%s: %s' % (
            _text(leg.get('result')), _text(leg.get('skipped')) if leg.get('skipped') else _seconds(leg.get('duration'))))
            for leg in report['legs']]
    rows += [('check after the %s' % _text(check.get('leg')), '<span class="met">passed</span>' if check.get('ok') else
              '<span class="missed">failed</span> at %s: %s' % (_text(check.get('task')), _text(check.get('message'))))
             for check in report.get('checks') or []]
    left = report.get('left_in_dr_region') or []
    alarm = ('<p class="alarm">LEFT IN THE DR REGION: %s</p>' % '; '.join(
        '%s (%s)' % (_text(group.get('name')), _text(group.get('why'))) for group in left)) if left else ''
    event = report.get('event') or {}
    if event:  # the event that started the run (a rulebook's)
        rows.append(('started by event', _text(event_line(event))))
    notes = ''.join('<p class="note">%s</p>' % _text(note) for note in scope_lines(report.get('scope')) + list(
        report.get('notes') or []))
    return '<section id="summary">\n%s<dl class="summary">%s</dl>%s\n</section>' % (alarm, ''.join(
        '<dt>%s</dt><dd>%s</dd>' % (name, value) for name, value in rows), notes)


def _readiness(readiness):
    if not readiness:
        return ''
    parts = ['<section id="readiness"><h2>Readiness: %s</h2>' % ('go' if readiness.get('go') else 'NO GO')]
    if readiness.get('problems'):
        parts.append('<ul class="problems">%s</ul>' % ''.join('<li>%s</li>' % _text(p) for p in readiness['problems']))
    if readiness.get('notes'):
        parts.append('<ul class="notes">%s</ul>' % ''.join('<li>%s</li>' % _text(n) for n in readiness['notes']))
    if not readiness.get('problems') and not readiness.get('notes'):
        parts.append('<p>No problem found before any change.</p>')
    return ''.join(parts) + _drift(readiness.get('drift')) + _parity(readiness.get('parity')) + '</section>'


def _drift(drift):
    if drift is None:
        return ''
    if not drift:
        return '<h3>Drift</h3><p id="drift">The plan matches the estate in the subscriptions and regions it covers.</p>'
    return ('<h3>Drift</h3><table id="drift"><thead><tr><th>group</th><th>kind</th><th>what</th></tr></thead><tbody>%s'
            '</tbody></table>' % ''.join('<tr class="drift-row"%s><td>%s</td><td>%s</td><td>%s</td></tr>' % (
                _attributes(data_kind=finding.get('kind'), data_name=finding.get('group')), _text(finding.get('group')),
                _text(finding.get('kind')), _text(finding.get('message'))) for finding in drift))


PARITY_COLUMNS = (('name', 'instance'), ('tier', 'tier'), ('family', 'hardware'), ('v_cores', 'vCores'),
                  ('storage_size_in_gb', 'storage (GB)'), ('license_type', 'license'), ('backup_storage_redundancy', 'backup'),
                  ('zone_redundant', 'zone redundant'))


def _parity(parity):
    """Both instances of every group side by side, the instance that becomes primary marked when it is smaller."""
    if not parity:
        return ''
    rows = []
    for entry in parity:
        colour = {'problem': COLOURS['error'], 'note': COLOURS['forced']}.get(entry.get('verdict'))
        for role in ('primary', 'dr'):
            side = entry.get(role) or {}
            rows.append('<tr class="parity-row"%s>%s<td>%s</td>%s%s</tr>' % (
                _attributes(data_name=entry.get('group'), data_side=role, data_verdict=entry.get('verdict')),
                '<td rowspan="2">%s</td>' % _text(entry.get('group')) if role == 'primary' else '', _text(role),
                ''.join('<td>%s</td>' % _cell(key, side.get(key)) for key, _heading in PARITY_COLUMNS),
                '<td rowspan="2"%s>%s</td>' % (' style="color:%s"' % colour if colour else '', _text(
                    '%s%s' % (entry.get('verdict'), ': ' + ', '.join(entry['smaller']) if entry.get('smaller') else '')))
                if role == 'primary' else ''))
    return ('<h3>Parity: both instances of every group</h3><table id="parity"><thead><tr><th>group</th><th>side</th>%s'
            '<th>verdict</th></tr></thead><tbody>%s</tbody></table>' % (
                ''.join('<th>%s</th>' % _text(heading) for _key, heading in PARITY_COLUMNS), ''.join(rows)))


def _timeline(report):
    """One bar per item and per step of the run (the user's own, dr_step) from its start to its end, on the run's
    phases, at a fixed scale."""
    items = (report.get('items') or []) + (report.get('steps') or [])
    phases = report.get('phases') or []
    ends = [_number(item.get('end_offset')) or 0.0 for item in items] + [_number(p.get('end_offset')) or 0.0 for p in phases]
    span = max([_number(report.get('duration')) or 0.0] + ends + [1.0])
    label_width, chart_width, row_height, top = 290, 720, 22, 36
    scale = chart_width / span
    height = top + row_height * max(len(items), 1) + 30
    parts = ['<svg id="timeline" xmlns="http://www.w3.org/2000/svg" role="img" width="%d" height="%d" viewBox="0 0 %d %d"'
             ' data-scale="%.6f" aria-label="Timeline of the run">' % (label_width + chart_width + 20, height,
                                                                       label_width + chart_width + 20, height, scale)]
    bottom = top + row_height * max(len(items), 1)
    for index, phase in enumerate(phases):
        start, end = _number(phase.get('start_offset')) or 0.0, _number(phase.get('end_offset')) or 0.0
        x, width = label_width + start * scale, max((end - start) * scale, 0.0)
        parts.append('<rect class="phase%s" x="%.2f" y="28" width="%.2f" height="%d"%s><title>%s: %.1f s to %.1f s</title>'
                     '</rect>' % (' odd' if index % 2 else '', x, width, bottom - 28,
                                  _attributes(data_phase=phase.get('name'), data_start=start, data_end=end),
                                  _text(phase.get('name')), start, end))
        label_y = 10 if index % 2 == 0 else 24  # neighbours on two lines: short phases' labels do not overlap
        parts.append('<text class="phase-label" x="%.2f" y="%d">%s</text>' % (x + 2, label_y, _text(phase.get('name'))))
    step = _nice_step(span)
    ticks, tick = [], 0.0
    while tick <= span + 1e-9:
        x = label_width + tick * scale
        ticks.append('<line class="grid" x1="%.2f" y1="%d" x2="%.2f" y2="%d"/><text x="%.2f" y="%d" text-anchor="middle">%s</text>'
                     % (x, top, x, bottom, x, bottom + 16, ('%g s' % round(tick, 6))))
        tick += step
    parts.append('<g class="axis">%s</g>' % ''.join(ticks))
    for index, item in enumerate(items):
        y = top + index * row_height
        start, end = _number(item.get('start_offset')), _number(item.get('end_offset'))
        duration = _number(item.get('duration'))
        kind = outcome(item)
        name = str(item.get('name') if item.get('name') is not None else '?')
        label = name if len(name) <= 36 else name[:35] + '\u2026'
        if item.get('leg'):  # a live drill: each group twice, one bar per leg
            label = '%s (%s)' % (label, item['leg'])
        attributes = _attributes(data_kind=item.get('kind'), data_name=name, data_outcome=kind,
                                 data_start='' if start is None else start, data_end='' if end is None else end,
                                 data_duration='' if duration is None else duration)
        if start is None:
            mark = '<rect class="bar missing" x="%d" y="%d" width="2" height="%d"/>' % (label_width, y + 4, row_height - 8)
        else:
            width = max(((end if end is not None else start) - start) * scale, 2.0)
            mark = ('<rect class="bar" x="%.2f" y="%d" width="%.2f" height="%d" rx="2" fill="%s"/>'
                    % (label_width + start * scale, y + 4, width, row_height - 8, COLOURS[kind]))
        parts.append('<g class="item"%s><title>%s: %s, %s</title><text x="%d" y="%d" text-anchor="end">%s</text>%s</g>'
                     % (attributes, _text(name), _text(item.get('action') or item.get('outcome')),
                        _seconds(duration) or 'not reached',
                        label_width - 8, y + row_height - 7, _text(label), mark))
    parts.append('</svg>')
    steps = ' &middot; '.join('%s %.1f&ndash;%.1f s' % (
        _text(phase.get('name')), _number(phase.get('start_offset')) or 0.0, _number(phase.get('end_offset')) or 0.0)
        for phase in phases)
    return '<section><h2>Timeline</h2>%s%s%s</section>' % (
        _legend(), ''.join(parts), '<p class="phases">Phases: %s</p>' % steps if steps else '')


def _cell(key, value):
    if key in ('before', 'after') and isinstance(value, dict):
        return '%s (%s)' % (_text(value.get('replication_role') or '?'), _text(value.get('replication_state') or '?'))
    if isinstance(value, bool):
        return 'yes' if value else 'no'
    return _text(value)


def _table(items):
    """Every field of the rows, a column each; a field empty in every row is left out (the JSON has it null)."""
    known = {key for key, _heading in COLUMNS}
    columns = [(key, heading) for key, heading in COLUMNS
               if key in ('name', 'kind', 'action') or any(item.get(key) not in (None, '', {}, []) for item in items)]
    others = any(key not in known for item in items for key in item)
    header = ''.join('<th>%s</th>' % _text(heading) for _key, heading in columns) + '<th>outcome</th>' + (
        '<th>other</th>' if others else '')
    rows = []
    for item in items:
        other = {key: value for key, value in item.items() if key not in known}
        kind = outcome(item)
        rows.append('<tr class="item-row"%s>%s<td class="outcome" style="color:%s">%s</td>%s</tr>' % (
            _attributes(data_kind=item.get('kind'), data_name=item.get('name'), data_outcome=kind),
            ''.join('<td class="c-%s">%s</td>' % (key, _cell(key, item.get(key))) for key, _heading in columns),
            COLOURS[kind], _text(kind), '<td>%s</td>' % _text(other or '') if others else ''))
    return ('<section><h2>Failover groups and workspaces</h2><table id="items"><thead><tr>%s</tr></thead>'
            '<tbody>%s</tbody></table><p class="note">A field that is empty in every row is left out of the table.</p>'
            '</section>' % (header, ''.join(rows)))


def _steps(steps):
    rows = ''.join('<tr class="step-row"%s><td class="c-name">%s</td><td class="outcome" style="color:%s">%s</td>'
                   '<td class="c-start_offset">%s</td><td class="c-end_offset">%s</td><td class="c-duration">%s</td>'
                   '<td>%s</td></tr>' % (_attributes(data_kind='step', data_name=step.get('name'), data_outcome=outcome(step)),
                                         _text(step.get('name')), COLOURS[outcome(step)], _text(step.get('outcome')),
                                         _text(step.get('start_offset')), _text(step.get('end_offset')),
                                         _text(step.get('duration')), _text(step.get('message')))
                   for step in steps)
    return ('<section><h2>Steps</h2><table id="steps"><thead><tr><th>name</th><th>outcome</th><th>start (s)</th>'
            '<th>end (s)</th><th>duration (s)</th><th>message</th></tr></thead><tbody>%s</tbody></table></section>' % rows)


def report_html(report, json_name=None):
    """The DR report (the dict of the ``dr_report`` filter) as a self-contained HTML page."""
    report = report or {}
    title = 'DR report: %s (%s), %s' % (report.get('plan'), report.get('playbook'), report.get('result'))
    items = report.get('items') or []
    body = ['<header><h1>%s</h1><p>%s, started %s</p></header>' % (
        _text('DR report: %s' % report.get('plan')), _text(report.get('playbook')), _text(report.get('started'))),
        _summary(report), _readiness(report.get('readiness'))]
    if report.get('result') == 'no-go':
        body.append('<p>Readiness stopped the run before any change: no failover group or workspace was touched.</p>')
    body.append(_timeline(report))
    body.append(_table(items))
    if report.get('steps'):
        body.append(_steps(report['steps']))
    body.append('<footer>Written by azure_dr.recovery%s. The run history of this folder: '
                '<a href="index.html">index.html</a>.</footer>'
                % (', from <a href="%s">%s</a>' % (_text(_href(json_name)), _text(json_name)) if json_name else ''))
    return _page(title, '\n'.join(body), _attributes(data_result=report.get('result')))


def _epoch(text):
    try:
        return datetime.datetime.strptime(str(text), '%Y-%m-%dT%H:%M:%SZ').replace(tzinfo=datetime.timezone.utc).timestamp()
    except ValueError:
        return None


def _chart(runs):
    """Achieved RTO over time: a point per run, drills hollow and real runs filled, each plan's target dashed."""
    width, height, left, right, top, bottom = 900, 260, 60, 20, 16, 40
    times = [run['epoch'] for run in runs]
    values = [run['rto'] for run in runs]
    targets = sorted({run['target'] for run in runs if run['target'] is not None})
    highest = max(values + targets + [1.0]) * 1.1
    first, last = (min(times), max(times)) if times else (0.0, 1.0)
    if last - first < 1:
        first, last = first - 30, last + 30
    margin = (last - first) * 0.04  # no point on the axis
    first, last = first - margin, last + margin

    def x(epoch):
        return left + (epoch - first) / (last - first) * (width - left - right)

    def y(seconds):
        return height - bottom - seconds / highest * (height - top - bottom)

    parts = ['<svg id="rto-chart" xmlns="http://www.w3.org/2000/svg" role="img" width="%d" height="%d" viewBox="0 0 %d %d"'
             ' aria-label="Achieved RTO of each run over time">' % (width, height, width, height)]
    step = _nice_step(highest, 5)
    tick = 0.0
    while tick <= highest:
        parts.append('<line class="grid" x1="%d" y1="%.2f" x2="%d" y2="%.2f"/><text x="%d" y="%.2f" text-anchor="end">%g s</text>'
                     % (left, y(tick), width - right, y(tick), left - 6, y(tick) + 4, round(tick, 6)))
        tick += step
    for target in targets:
        parts.append('<line class="target" x1="%d" y1="%.2f" x2="%d" y2="%.2f"><title>RTO target %g s</title></line>'
                     % (left, y(target), width - right, y(target), target))
    for epoch, anchor in ((min(times), 'start'), (max(times), 'end')) if times else ():  # the first and last runs
        parts.append('<text x="%.2f" y="%d" text-anchor="%s">%s</text>' % (x(epoch), height - 14, anchor, _text(_utc(epoch))))
    for run in runs:
        colour = COLOURS['error'] if run['result'] in ('failed', 'no-go') else COLOURS['done']
        drill = run['mode'] != 'run'  # drills hollow, real runs filled
        parts.append('<circle class="point %s" cx="%.2f" cy="%.2f" r="5" stroke="%s"%s%s><title>%s %s %s: %s</title></circle>'
                     % ('check' if drill else 'run', x(run['epoch']), y(run['rto']), colour, '' if drill else ' fill="%s"' % colour,
                        _attributes(data_mode=run['mode'], data_started=run['started'], data_rto=run['rto']),
                        _text(run['started']), _text(run['plan']), _text(run['playbook']), _seconds(run['rto'])))
    parts.append('</svg>')
    return ''.join(parts)


def _rto_of(report):
    rto = report.get('rto')
    return rto if isinstance(rto, dict) else {}


def _href(name):
    """A file of the same folder as a link: a relative path, its name quoted (a plan name may hold ':' or '#')."""
    return './' + urllib.parse.quote(str(name))


def _mode(report):
    """check (a drill in check mode), drill-live (a live drill: dr_drill_live) or run."""
    if report.get('mode') == 'check':
        return 'check'
    return 'drill-live' if report.get('playbook') == 'dr_drill_live' else 'run'


MODE_NAMES = {'check': 'drill', 'drill-live': 'live drill', 'run': 'run'}


def _utc(epoch):
    return datetime.datetime.fromtimestamp(epoch, datetime.timezone.utc).strftime('%Y-%m-%d %H:%M')


def history_html(reports, unreadable=()):
    """The run history of a report folder: ``reports`` is [(html or json file name, report)], any order;
    ``unreadable`` [(file name, why)] of the files that are not reports."""
    runs = []
    for link, report in reports:
        epoch = _epoch(report.get('started'))
        if epoch is None:
            unreadable = list(unreadable) + [(link, 'no start time')]
            continue
        rto = _rto_of(report)
        runs.append({'link': link, 'report': report, 'epoch': epoch, 'started': report.get('started'),
                     'mode': _mode(report), 'result': report.get('result'),
                     'rto': _number(rto.get('achieved_seconds', report.get('duration'))) or 0.0,
                     'target': _number(rto.get('target_seconds')),
                     'plan': report.get('plan'), 'playbook': report.get('playbook')})
    runs.sort(key=lambda run: run['epoch'], reverse=True)
    rows = []
    for run in runs:
        report = run['report']
        rows.append('<tr class="run"%s><td><a href="%s">%s</a></td><td>%s</td><td>%s</td><td>%s</td>'
                    '<td><span class="badge r-%s">%s</span></td><td>%s</td><td>%s</td><td>%s</td><td>%s</td></tr>' % (
                        _attributes(data_started=run['started'], data_mode=run['mode'], data_result=run['result'],
                                    data_rto=run['rto'], data_report=run['link']),
                        _text(_href(run['link'])), _text(run['started']), _text(run['plan']), _text(run['playbook']),
                        MODE_NAMES[run['mode']], _text(run['result']), _text(run['result']),
                        _seconds(run['rto']), _rto_sentence(report.get('rto')) if run['target'] is not None else '',
                        _text(report.get('run_by')),
                        _text('%s (%s)' % (report['awx_job_id'], report.get('awx_job_template_name')))
                        if report.get('awx_job_id') else ''))
    drills = sum(run['mode'] != 'run' for run in runs)
    body = ['<header><h1>DR run history</h1><p>%d run(s): %d real run(s), %d drill(s). Newest first.</p></header>'
            % (len(runs), len(runs) - drills, drills),
            '<section><h2>Achieved RTO over time</h2><ul class="legend"><li>&#9679; real run</li><li>&#9675; drill (check mode, '
            'or live: the failover leg)</li><li><span class="swatch" style="background:%s"></span>succeeded or rehearsed</li><li><span class="swatch" '
            'style="background:%s"></span>failed or no go</li><li>- - - RTO target</li></ul>%s</section>'
            % (COLOURS['done'], COLOURS['error'], _chart(runs)),
            '<section><h2>Runs</h2><table id="runs"><thead><tr><th>started (UTC): report</th><th>plan</th>'
            '<th>playbook</th><th>mode</th><th>result</th><th>achieved RTO</th><th>RTO target</th><th>run by</th>'
            '<th>AWX job</th></tr></thead><tbody>%s</tbody></table></section>' % ''.join(rows)]
    if unreadable:
        body.append('<section><h2>Not read</h2><ul>%s</ul></section>' % ''.join(
            '<li>%s: %s</li>' % (_text(name), _text(why)) for name, why in unreadable))
    body.append('<footer>Written by azure_dr.recovery from the JSON reports of this folder, after each run.</footer>')
    return _page('DR run history', '\n'.join(body))
