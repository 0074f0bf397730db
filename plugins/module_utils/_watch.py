# -*- coding: utf-8 -*-
# Copyright: contributors to the azure_dr.recovery collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""What the Event-Driven Ansible sources ``failover_group_watch`` and ``fabric_workspace_watch`` decide, without
any request or any asyncio: the events and their shape, the reads a poll costs, the change detectors (given what
they knew and what a poll read, which events), and the rule that tells a move made by one of our own DR runs.

The sources (``extensions/eda/plugins/event_source/``) are run by ``plugin_utils/_watch_sources``; ``_watch_client`` reads;
this module only decides, so that every rule here is tested with plain values (docs/eda.md, "Event sources")."""

from __future__ import annotations

import datetime
import glob
import json
import os

EVENT_TYPES = ('snapshot', 'role_changed', 'region_unreachable', 'region_recovered', 'replication_state_changed',
               'group_missing', 'workspace_deleted', 'watch_error')

# The DR runs that can move a group (a drill, a rehearsal or a run that only confirms groups cannot), and the actions
# of a report's row that say the run moved it.
MOVING_PLAYBOOKS = ('dr_failover', 'dr_failback', 'dr_drill_live')
MOVED_ACTIONS = ('failed over', 'forced failover', 'failed back')

# Seconds in a day, and the days a deleted workspace can be restored: a personal one 30 days, any other for the
# tenant's setting (7 to 90 days; the watch assumes the shortest unless told).
DAY = 86400.0
PERSONAL_RETENTION_DAYS = 30


def iso(epoch):
    """UTC ISO 8601 with a Z, to the second: the ``time`` of every event."""
    if epoch is None:
        return None
    return datetime.datetime.fromtimestamp(epoch, datetime.timezone.utc).strftime('%Y-%m-%dT%H:%M:%SZ')


def parse_iso(text):
    """Epoch seconds of an ISO 8601 time (a DR report's ``ended``), or None."""
    if not isinstance(text, str) or not text:
        return None
    try:
        when = datetime.datetime.fromisoformat(text.replace('Z', '+00:00'))
    except ValueError:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=datetime.timezone.utc)
    return when.timestamp()


def event(kind, plan, when, **fields):
    """``{"azure_dr": {"type", "plan", ..., "time"}}``: the shape of every event of both sources."""
    body = {'type': kind, 'plan': plan}
    body.update(fields)
    body['time'] = iso(when)
    return {'azure_dr': body}


def region_key(location):
    """'Japan West', 'JapanWest' and 'japanwest' are one region."""
    return str(location or '').replace(' ', '').lower()


# --- the groups watched, and what a poll reads ---

def watched_groups(groups, subscription_id):
    """The groups of a plan as the watch keeps them: ``groups`` is ``[(name, (primary side, dr side))]``, each side
    ``{location, resource_group, subscription_id}`` as ``plan.group_sides`` gives it; a side without a subscription
    is in ``subscription_id`` (the source's), one without a resource group is found through the other side's read."""
    watched = []
    for name, sides in groups:
        watched.append({'name': name, 'sides': [
            {'side': role, 'location': side.get('location'), 'resource_group': side.get('resource_group') or None,
             'subscription_id': side.get('subscription_id') or subscription_id, 'derived': False}
            for role, side in zip(('primary', 'dr'), sides)]})
    return watched


def scope_key(side):
    """Where a side is listed: (subscription, resource group, region), or None while its resource group is unknown."""
    if not side.get('resource_group') or not side.get('subscription_id'):
        return None
    return (side['subscription_id'].lower(), side['resource_group'].lower(), region_key(side['location']))


def scopes_of(groups):
    """``{scope key: {subscription_id, resource_group, location}}`` of every side whose scope is known: one listing
    each per poll (ARM lists a resource group's failover groups per region), however many groups share it."""
    scopes = {}
    for group in groups:
        for side in group['sides']:
            key = scope_key(side)
            if key is not None and key not in scopes:
                scopes[key] = {'subscription_id': side['subscription_id'], 'resource_group': side['resource_group'],
                               'location': side['location']}
    return scopes


def reads_figures(groups, interval, page_size=None):
    """What a poll costs: ``scopes`` (listings), ``reads_per_interval`` (a listing is one read, plus one per further
    page of ``page_size`` groups when given), ``reads_per_hour``, and the same per subscription (ARM counts reads per
    subscription and identity); ``gets_instead``: what one GET per side would cost.  A side whose resource group is
    found through the other side's read costs one listing more once found."""
    per_scope = {}
    for group in groups:
        for side in group['sides']:
            key = scope_key(side)
            if key is not None:
                per_scope[key] = per_scope.get(key, 0) + 1
    per_subscription = {}
    total = 0
    for key, count in per_scope.items():
        pages = 1 if not page_size else max(1, -(-count // page_size))
        total += pages
        per_subscription[key[0]] = per_subscription.get(key[0], 0) + pages
    hourly = 3600.0 / float(interval)
    return {
        'scopes': len(per_scope),
        'reads_per_interval': total,
        'reads_per_hour': int(round(total * hourly)),
        'per_subscription': {sub: {'reads_per_interval': count, 'reads_per_hour': int(round(count * hourly))}
                             for sub, count in sorted(per_subscription.items())},
        'gets_instead': sum(len(group['sides']) for group in groups),
    }


def reads_problems(figures, interval, max_reads_per_hour, option='max_reads_per_hour'):
    """One problem per subscription that the watch would read more often than ``max_reads_per_hour``."""
    problems = []
    for sub, counts in figures['per_subscription'].items():
        if counts['reads_per_hour'] > max_reads_per_hour:
            needed = -(-counts['reads_per_interval'] * 3600 // max_reads_per_hour)
            problems.append('interval: %d listing(s) per poll in subscription %s every %s s are %d reads an hour, more '
                            'than %s (%d); make interval at least %d seconds, or raise %s (ARM allows about 12,000 reads '
                            'an hour per subscription and identity, shared with the DR runs)'
                            % (counts['reads_per_interval'], sub, interval, counts['reads_per_hour'], option,
                               max_reads_per_hour, needed, option))
    return problems


# --- one side as read ---

def side_view(side, outcome, name):
    """A side of group ``name`` as a poll read it (what every event's ``sides`` holds).  ``outcome``: the listing of
    its scope (``{status, groups, error}``; None when it was not read)."""
    found = None
    if outcome is not None and outcome['status'] == 'ok':
        found = outcome['groups'].get(name.lower())
    properties = (found or {}).get('properties') or {}
    partner = ((properties.get('partnerRegions') or [{}])[0]) or {}
    if outcome is None:
        problem = ('not read: its resource group is not known yet (the other side\'s read names it)'
                   if scope_key(side) is None else 'not read')
    elif outcome['status'] == 'ok':
        problem = None if found is not None else 'no failover group %s at %s in resource group %s' % (
            name, side['location'], side['resource_group'])
    else:
        problem = outcome['error']
    return {
        'side': side['side'], 'location': side['location'], 'resource_group': side['resource_group'],
        'subscription_id': side['subscription_id'], 'derived': side['derived'],
        'answered': outcome is not None and outcome['status'] in ('ok', 'missing'),
        'found': found is not None, 'role': properties.get('replicationRole'),
        'replication_state': properties.get('replicationState'),
        'failover_policy': (properties.get('readWriteEndpoint') or {}).get('failoverPolicy'),
        'secondary_type': properties.get('secondaryType'),
        'partner_location': partner.get('location'), 'partner_role': partner.get('replicationRole'),
        'problem': problem,
    }


def primary_of(views):
    """The region that is primary, as the sides read say (a side that answers Secondary names its partner as the
    primary), spelled as the plan spells it; None when no side says, or the sides disagree."""
    spelled = {region_key(view['location']): view['location'] for view in views}
    said = set()
    for view in views:
        if not view['found']:
            continue
        if view['role'] == 'Primary':
            said.add(region_key(view['location']))
        elif view['role'] == 'Secondary' and view['partner_role'] == 'Primary' and view['partner_location']:
            said.add(region_key(view['partner_location']))
            spelled.setdefault(region_key(view['partner_location']), view['partner_location'])
    if len(said) != 1:
        return None
    return spelled[said.pop()]


# --- the failover groups' detector ---

class GroupDetector:
    """Given the listings of a poll, the events: the first poll is the baseline (and the ``snapshot`` event, when
    asked); after it, each change once.

    - ``role_changed``: the primary region of a group is not the one of the last poll that said, and ``ours(name,
      now)`` (the rule of ``OwnRuns``) finds no run of ours that moved it (a run of ours that did is noted, no event);
    - ``region_unreachable``: a region whose every listing failed (no answer, time-outs, 5xx) in ``unreachable_after``
      polls in a row, one event per region until ``region_recovered`` (its first answer after that event); a failure
      shorter than that says nothing;
    - ``replication_state_changed``: a side's ``replicationState`` differs from its last answered one;
    - ``group_missing``: a side answered without the group (the listing lacks it, or its resource group or
      subscription is not found): once, until every side that answers has it again;
    - ``watch_error``: a poll with listings that failed for another reason (the token refused, no rights, a
      configuration error, throttling beyond the read's budget): once, until a poll without such errors."""

    def __init__(self, plan, unreachable_after=3, snapshot=True, ours=None, note=None):
        self.plan = plan
        self.unreachable_after = unreachable_after
        self.snapshot = snapshot
        self.ours = ours or (lambda name, now: None)
        self.note = note or (lambda message: None)
        self.first = True
        self.primary = {}  # group name -> its primary region (plan's spelling), once a poll said
        self.states = {}  # (group name, region key) -> the replicationState last answered there
        self.missing = set()  # groups whose group_missing was sent and that are not found again yet
        self.regions = {}  # region key -> {'failures', 'down', 'since', 'reason'}
        self.erroring = False

    def observe(self, groups, outcomes, now, reads_per_interval=None, requests=None):
        """The events of one poll.  ``outcomes``: ``{scope key: {status, groups, error}}``, status ``ok`` (``groups``:
        ``{name lowercase: group as ARM lists it}``), ``missing`` (404: the resource group or subscription is not
        found), ``unreachable`` (no answer within the read's budget) or ``error``.  ``reads_per_interval`` (the
        listings a poll makes) and ``requests`` (the HTTP requests this one made: pages and retries too) go in the
        snapshot."""
        views = {group['name']: [side_view(side, outcomes.get(scope_key(side)), group['name']) for side in group['sides']]
                 for group in groups}
        events = []
        if self.first and self.snapshot:
            events.append(event('snapshot', self.plan, now, group=None, groups=[group['name'] for group in groups],
                                sides=None, reads_per_interval=reads_per_interval, requests=requests,
                                snapshot=[{'name': group['name'], 'primary': primary_of(views[group['name']]),
                                           'sides': views[group['name']]} for group in groups]))
        events += self._errors(groups, outcomes, now)
        events += self._regions(groups, outcomes, views, now)
        for group in groups:
            name, sides = group['name'], views[group['name']]
            events += self._missing(name, sides, now)
            events += self._role(name, sides, now)
            events += self._replication(name, sides, now)
        self.first = False
        return events

    def _errors(self, groups, outcomes, now):
        failed = [(scope, outcome) for scope, outcome in outcomes.items() if outcome['status'] == 'error']
        if not failed:
            self.erroring = False
            return []
        if self.erroring:
            return []
        self.erroring = True
        affected = [group['name'] for group in groups
                    if any(scope_key(side) in dict(failed) for side in group['sides'])]
        errors = [{'subscription_id': outcome.get('scope', {}).get('subscription_id'),
                   'resource_group': outcome.get('scope', {}).get('resource_group'),
                   'location': outcome.get('scope', {}).get('location'), 'message': outcome['error']}
                  for _scope, outcome in failed]
        return [event('watch_error', self.plan, now, group=None, groups=affected, sides=None,
                      message='%d of %d listing(s) failed: %s' % (len(failed), len(outcomes), errors[0]['message']),
                      errors=errors)]

    def _regions(self, groups, outcomes, views, now):
        spelled, statuses = {}, {}
        for group in groups:
            for side in group['sides']:
                key = scope_key(side)
                if key is None or key not in outcomes:
                    continue
                spelled.setdefault(key[2], side['location'])
                statuses.setdefault(key[2], []).append(outcomes[key])
        events = []
        for region, outcomes_here in statuses.items():
            health = self.regions.setdefault(region, {'failures': 0, 'down': False, 'since': None, 'reason': None})
            answered = any(outcome['status'] in ('ok', 'missing') for outcome in outcomes_here)
            unreachable = [outcome for outcome in outcomes_here if outcome['status'] == 'unreachable']
            if answered:
                if health['down']:
                    events.append(self._region_event('region_recovered', region, spelled[region], groups, views, now,
                                                     health, down_since=iso(health['since'])))
                health.update(failures=0, down=False, since=None, reason=None)
            elif unreachable:
                health['failures'] += 1
                health['since'] = health['since'] or now
                health['reason'] = unreachable[0]['error']
                if health['failures'] >= self.unreachable_after and not health['down']:
                    health['down'] = True
                    events.append(self._region_event('region_unreachable', region, spelled[region], groups, views, now,
                                                     health, failed_reads=health['failures'], since=iso(health['since']),
                                                     reason=health['reason']))
            # Only errors (the token refused...): nothing is known of the region; its count stays.
        return events

    def _region_event(self, kind, region, location, groups, views, now, health, **fields):
        here = [group['name'] for group in groups if any(region_key(side['location']) == region for side in group['sides'])]
        sides = [dict(view, group=name) for name in here for view in views[name] if region_key(view['location']) == region]
        return event(kind, self.plan, now, group=None, groups=here, sides=sides, location=location, **fields)

    def _missing(self, name, sides, now):
        answered = [view for view in sides if view['answered']]
        if any(not view['found'] for view in answered):
            if name in self.missing:
                return []
            self.missing.add(name)
            absent = [view for view in answered if not view['found']]
            return [event('group_missing', self.plan, now, group=name, groups=[name], sides=sides,
                          message='; '.join(view['problem'] for view in absent))]
        if answered:
            self.missing.discard(name)
        return []

    def _role(self, name, sides, now):
        primary = primary_of(sides)
        if primary is None:
            return []
        before = self.primary.get(name)
        self.primary[name] = primary
        if before is None or region_key(before) == region_key(primary):
            return []
        run = self.ours(name, now)
        if run is not None:
            self.note('%s: primary moved from %s to %s by our DR run %s (%s): no event'
                      % (name, before, primary, run.get('run_id'), run.get('playbook')))
            return []
        return [event('role_changed', self.plan, now, group=name, groups=[name], sides=sides, primary=primary,
                      previous_primary=before)]

    def _replication(self, name, sides, now):
        changes = []
        for view in sides:
            if not view['found'] or view['replication_state'] is None:
                continue
            key = (name, region_key(view['location']))
            before = self.states.get(key)
            self.states[key] = view['replication_state']
            if before is not None and before != view['replication_state']:
                changes.append({'location': view['location'], 'previous': before, 'current': view['replication_state']})
        if not changes:
            return []
        return [event('replication_state_changed', self.plan, now, group=name, groups=[name], sides=sides,
                      changes=changes)]


# --- the runs of ours ---

class OwnRuns:
    """Whether one of our own DR runs moved a group: the rule behind ``role_changed``'s "no run of ours did it".

    In ``report_dir`` (the plan's), for the plan ``plan``: a run in progress - a journal ``<plan>-*.journal`` of
    ``dr_failover``, ``dr_failback`` or ``dr_drill_live``, not a rehearsal nor a run that only confirms groups, whose
    groups include the group, updated within ``window`` seconds - or a run that ended within ``window`` seconds before
    the change was seen - a report ``<plan>-*.json`` of such a run whose row of the group says it failed it over,
    forced it over or failed it back.  Without ``report_dir`` no run is known, and every move is an event."""

    def __init__(self, report_dir, plan, window=3600.0):
        self.report_dir = report_dir
        self.plan = plan
        self.window = window

    def __call__(self, name, now):
        if not self.report_dir or not os.path.isdir(self.report_dir):
            return None
        pattern = os.path.join(glob.escape(self.report_dir), glob.escape(self.plan) + '-*')
        for path in sorted(glob.glob(pattern + '.journal')):
            record = _read_json(path)
            if record and self._journal_moves(record, name, now):
                return {'run_id': record.get('run_id'), 'playbook': record.get('playbook'), 'path': path,
                        'state': 'in progress'}
        for path in sorted(glob.glob(pattern + '.json')):
            report = _read_json(path)
            if report and self._report_moved(report, name, now):
                return {'run_id': report.get('run_id'), 'playbook': report.get('playbook'), 'path': path,
                        'state': 'ended'}
        return None

    def _journal_moves(self, record, name, now):
        plan = record.get('plan') if isinstance(record.get('plan'), dict) else {}
        scope = record.get('scope') if isinstance(record.get('scope'), dict) else {}
        updated = record.get('updated')
        return (plan.get('name') == self.plan and record.get('playbook') in MOVING_PLAYBOOKS
                and not record.get('rehearsal') and not scope.get('confirm_only')
                and isinstance(updated, (int, float)) and now - updated <= self.window
                and any(isinstance(group, dict) and _same(group.get('name'), name) for group in record.get('groups') or []))

    def _report_moved(self, report, name, now):
        ended = parse_iso(report.get('ended'))
        if report.get('plan') != self.plan or report.get('playbook') not in MOVING_PLAYBOOKS or report.get('mode') != 'run' \
                or ended is None or not -60 <= now - ended <= self.window:
            return False
        return any(isinstance(row, dict) and row.get('kind') == 'failover_group' and _same(row.get('name'), name)
                   and str(row.get('action') or '').startswith(MOVED_ACTIONS) for row in report.get('items') or [])


def _same(left, right):
    return str(left or '').lower() == str(right or '').lower()


def _read_json(path):
    try:
        with open(path, encoding='utf-8') as stream:
            value = json.load(stream)
    except (OSError, ValueError):
        return None
    return value if isinstance(value, dict) else None


# --- the workspaces' detector ---

def workspace_key(entry):
    return ('id', entry['id'].lower()) if entry.get('id') else ('name', str(entry.get('name') or '').lower())


def deleted_matches(entry, deleted):
    """The deleted workspaces (as the admin listing returns them) that are the plan's ``entry`` (by id, or by name)."""
    if entry.get('id'):
        return [workspace for workspace in deleted if _same(workspace.get('id'), entry['id'])]
    return [workspace for workspace in deleted if _same(workspace.get('name'), entry.get('name'))]


class WorkspaceDetector:
    """Given one listing of the deleted workspaces per poll, the events: ``workspace_deleted`` for a workspace of the
    plan that was not deleted at the poll before (or, with ``report_already_deleted``, that is deleted at the first
    poll), once, until it leaves the deleted listing (restored, or purged) and is deleted again; ``watch_error`` once
    per run of failed listings; ``snapshot`` at the first poll, when asked.

    A workspace not in the deleted listing is ``NotDeleted``: active (or purged, or never created: one listing of
    the deleted workspaces cannot tell, and costs one request instead of one per workspace).  The admin API gives
    no deletion time: a workspace seen deleted was deleted after ``deleted_after`` (the poll before, when it was not)
    and before ``deleted_before``; it can be restored at least until ``restore_before``, ``deleted_after`` plus its
    retention (``retention_days``, the tenant's setting; 30 days for a personal workspace)."""

    def __init__(self, plan, entries, retention_days=7, report_already_deleted=False, snapshot=True):
        self.plan = plan
        self.entries = entries
        self.retention_days = retention_days
        self.report_already_deleted = report_already_deleted
        self.snapshot = snapshot
        self.first = True
        self.deleted = {}  # workspace key -> True (deleted) / False, as the last listing said
        self.last_poll = None
        self.erroring = False

    def observe(self, deleted, now, error=None):
        """The events of one poll: ``deleted`` the listing (None when it failed with ``error``)."""
        if deleted is None:
            if self.erroring:
                return []
            self.erroring = True
            return [event('watch_error', self.plan, now, workspace=None, state=None, message=error,
                          errors=[{'message': error}])]
        self.erroring = False
        events, seen = [], []
        for entry in self.entries:
            key = workspace_key(entry)
            matches = deleted_matches(entry, deleted)
            before = self.deleted.get(key)
            self.deleted[key] = bool(matches)
            seen.append(dict(self._shown(entry, matches), state='Deleted' if matches else 'NotDeleted'))
            if matches and (before is False or (before is None and self.report_already_deleted)):
                events.append(self._deleted_event(entry, matches, now, known_since=self.last_poll if before is False else None))
        if self.first and self.snapshot:
            events.insert(0, event('snapshot', self.plan, now, workspace=None, state=None, workspaces=seen))
        self.first = False
        self.last_poll = now
        return events

    @staticmethod
    def _shown(entry, matches):
        found = matches[0] if matches else {}
        return {'id': found.get('id') or entry.get('id'), 'name': found.get('name') or entry.get('name'),
                'type': found.get('type')}

    def _deleted_event(self, entry, matches, now, known_since):
        workspace = matches[0]
        days = PERSONAL_RETENTION_DAYS if _same(workspace.get('type'), 'Personal') else self.retention_days
        restore_before = known_since + days * DAY if known_since is not None and days else None
        return event('workspace_deleted', self.plan, now, workspace=workspace, state=workspace.get('state') or 'Deleted',
                     entry=entry, matches=len(matches), deleted_after=iso(known_since), deleted_before=iso(now),
                     retention_days=days, restore_before=iso(restore_before),
                     retention_left_seconds=None if restore_before is None else int(max(0, restore_before - now)))
