# -*- coding: utf-8 -*-
# Copyright: contributors to the azure_dr.recovery collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Event source ``azure_dr.recovery.failover_group_watch``: the failover groups of a DR plan, both sides read on an
interval, and an event for each change (docs/eda.md, "Event sources").  Its documentation and a ``main``:
``plugin_utils/_watch_sources`` runs it, ``module_utils/_watch`` decides and ``_watch_client`` reads with the
modules' own HTTP, retry and credential code."""

from __future__ import annotations

import os
import sys

DOCUMENTATION = r"""
---
short_description: Watch the failover groups of a DR plan and say when one moves, a region stops answering, or a group goes.
description:
  - An ansible-rulebook event source plugin that reads both sides of every failover group of a DR plan on an
    interval, with the collection's own HTTP, retry and credential code (the modules' options and environment
    variables), and puts one event on the queue for each change, never a flood.
  - Each poll lists the failover groups once per subscription, resource group and region where a side of the
    plan's groups lives (never one read per group), at most I(max_concurrency) side by side; a side whose resource
    group the plan leaves out is found through the other side's read.
  - "Every event is C({\"azure_dr\": {\"type\", \"plan\", \"group\", \"groups\", \"sides\", \"time\", ...}}), C(time) in UTC
    (ISO 8601); C(sides) are both sides of the group as read (C(side) primary or dr as the plan names them,
    C(location), C(resource_group), C(subscription_id), C(derived), C(answered), C(found), C(role),
    C(replication_state), C(failover_policy), C(secondary_type), C(partner_location), C(partner_role), C(problem))."
  - "C(snapshot): once, at the first poll (when I(snapshot) is true), with C(snapshot) (each group's C(name),
    C(primary) and C(sides)), C(reads_per_interval) (the listings a poll makes) and C(requests) (the HTTP requests the
    first poll made, further pages and retries included)."
  - "C(role_changed): the primary region of a group is not the one of the poll before, and no DR run of ours moved it
    (see I(report_dir)); with C(primary) and C(previous_primary)."
  - "C(region_unreachable): every listing of a region failed (no answer within I(read_timeout), 5xx) in
    I(unreachable_after) polls in a row; one event per region (C(location), C(groups) and C(sides) of the plan's groups
    there, C(failed_reads), C(since), C(reason)) until C(region_recovered), its first answer after that (with C(down_since))."
  - "C(replication_state_changed): a side's C(replicationState) changed (for example to or from C(SEEDING)); with
    C(changes) (C(location), C(previous), C(current))."
  - "C(group_missing): a side answered without the group (its listing lacks it, or its resource group or subscription
    is not found); once, until every side that answers has it again; with C(message)."
  - "C(watch_error): listings failed for a reason that is not an outage (the token refused, no rights, throttling
    beyond I(read_timeout), a TLS or proxy error); once, until a poll without such errors; with C(message) and
    C(errors). The source keeps polling; an expired token is renewed."
  - Reads per poll (C(reads_per_interval)) are the number of distinct subscription, resource group and region
    triples of the plan's sides, plus one per further page of a listing; the plan of the emulator's demo estate
    (playbooks/plans/demo.yml) costs 4, and 100 groups in one resource group pair of two regions cost 2 (200 with
    one GET per side). I(max_reads_per_hour) is checked per subscription before any request.
  - Needs the collection's Python requirements (requests, msal; azure-identity for managed identity, workload
    identity and the Azure CLI) and ansible-core in the ansible-rulebook environment.
options:
  plan_file:
    description:
      - A DR plan file (docs/dr_plan.md, top key C(dr_plan)); its C(failover_groups) are watched. Exactly one of
        I(plan_file) and I(groups).
    type: str
  groups:
    description:
      - The failover groups to watch, in the plan's shape (C(name) with C(primary) and C(dr) sides, or C(name),
        C(resource_group), C(primary_location), C(dr_location)). Needs I(plan).
    type: list
    elements: dict
  plan:
    description:
      - The plan's name, in every event; with I(groups) only (a plan file names itself).
    type: str
  interval:
    description:
      - Seconds from the start of one poll to the start of the next (a poll that takes longer is followed at once).
    type: int
    default: 60
  unreachable_after:
    description:
      - Polls in a row whose every listing of a region failed before C(region_unreachable) is sent.
    type: int
    default: 3
  read_timeout:
    description:
      - Seconds one listing may take, its retries (C(Retry-After), backoff) included, before its region counts as not
        answering in that poll. Also bounds a poll when a region holds requests unanswered.
    type: int
    default: 20
  max_concurrency:
    description:
      - Listings read side by side (1 to 20).
    type: int
    default: 4
  max_reads_per_hour:
    description:
      - The most reads an hour the watch may make in one subscription (ARM allows about 12,000 an hour per
        subscription and identity, shared with the DR runs and everything else); an I(interval) that would exceed
        it is refused before any request, with the least interval that fits.
    type: int
    default: 3000
  snapshot:
    description:
      - Send one C(snapshot) event at the first poll.
    type: bool
    default: true
  report_dir:
    description:
      - "Where the plan's DR runs write their journals and reports (the plan's C(report_dir)): a move of a group is not
        a C(role_changed) when a run of ours made it - a journal C(<plan>-*.journal) of C(dr_failover), C(dr_failback)
        or C(dr_drill_live) (not a rehearsal, not a run that only confirms groups) naming the group and updated within
        I(own_run_window), or a report C(<plan>-*.json) of such a run that ended within I(own_run_window) before the
        move was seen and whose row of the group says it failed it over, forced it or failed it back."
      - Default the plan's C(report_dir) when it is an absolute path without a template; without one, every move is
        an event.
    type: str
  own_run_window:
    description:
      - Seconds a journal or a report of our runs counts for (see I(report_dir)).
    type: int
    default: 3600
  max_polls:
    description:
      - Stop after this many polls (0, the default, never stops; for one-shot checks and tests).
    type: int
    default: 0
  auth_source:
    description:
      - As the modules' C(auth_source) (C(AZURE_AUTH_SOURCE), C(ANSIBLE_AZURE_AUTH_SOURCE)); docs/authentication.md.
    type: str
    choices: [auto, env, cli, msi, workload_identity, token]
    default: auto
  tenant:
    description:
      - Entra ID tenant (C(AZURE_TENANT), C(AZURE_TENANT_ID)).
    type: str
  client_id:
    description:
      - Application (client) id (C(AZURE_CLIENT_ID)).
    type: str
  secret:
    description:
      - Client secret (C(AZURE_SECRET), C(AZURE_CLIENT_SECRET)); never in an event or a log line.
    type: str
  certificate_path:
    description:
      - PEM or PKCS#12 certificate of the application (C(AZURE_CLIENT_CERTIFICATE_PATH)).
    type: str
  ad_user:
    description:
      - User name for a user and password sign-in (C(AZURE_AD_USER)).
    type: str
  password:
    description:
      - The user's password (C(AZURE_PASSWORD)).
    type: str
  access_token:
    description:
      - A bearer token for ARM; it cannot be renewed, so the watch stops reading when it expires (a C(watch_error)).
    type: str
  subscription_id:
    description:
      - The subscription of a side that does not name its own (C(AZURE_SUBSCRIPTION_ID)).
    type: str
  cloud_environment:
    description:
      - C(AzureCloud), C(AzureUSGovernment), C(AzureChinaCloud), or a cloud's metadata URL (C(AZURE_CLOUD_ENVIRONMENT)).
    type: str
    default: AzureCloud
  authority_host:
    description:
      - Overrides the Entra ID host (C(AZURE_AUTHORITY_HOST)).
    type: str
  arm_endpoint:
    description:
      - Overrides the ARM base URL, for example C(https://127.0.0.1:8443) (C(AZURE_ARM_ENDPOINT)).
    type: str
notes:
  - Blocking HTTP runs in a thread (C(asyncio.to_thread)); the event loop of ansible-rulebook is never held.
  - ansible-rulebook runs the file with C(runpy.run_path); when C(ansible_collections) is not importable there, the
    source adds the directory that holds the installed C(ansible_collections/azure_dr/recovery) (found from its own
    path) to C(sys.path).
"""

EXAMPLES = r"""
- name: Watch the plan's failover groups
  hosts: localhost
  sources:
    - azure_dr.recovery.failover_group_watch:
        plan_file: /runner/project/plans/contoso-prod.yml
        interval: 60
        unreachable_after: 3
  rules:
    - name: A region stopped answering
      condition: event.azure_dr.type == "region_unreachable"
      action:
        run_playbook:
          name: azure_dr.recovery.dr_drill

- name: Watch two groups given inline, against the local emulator
  hosts: localhost
  sources:
    - azure_dr.recovery.failover_group_watch:
        plan: contoso-demo
        groups:
          - name: fg-sales
            resource_group: rg-sql-dr
            primary_location: Japan West
            dr_location: Japan East
        arm_endpoint: https://127.0.0.1:8443
        authority_host: https://127.0.0.1:8443
        interval: 5
        max_reads_per_hour: 100000
  rules:
    - name: Moved by someone else
      condition: event.azure_dr.type == "role_changed"
      action:
        debug:
"""


def _collection():
    """The collection's code for the sources.  ansible-rulebook runs this file with ``runpy.run_path`` and does not put
    the collections' directory on ``sys.path``: when ``ansible_collections`` cannot be imported, the directory holding
    ``ansible_collections/azure_dr/recovery`` (where this file is installed) is added."""
    try:
        from ansible_collections.azure_dr.recovery.plugins.plugin_utils import _watch_sources
    except ImportError:
        root = os.path.abspath(__file__)
        for _level in range(5):  # the file, event_source, plugins, eda, extensions: the collection's root
            root = os.path.dirname(root)
        if root.replace(os.sep, '/').split('/')[-3:] != ['ansible_collections', 'azure_dr', 'recovery']:
            raise
        sys.path.append(os.path.dirname(os.path.dirname(os.path.dirname(root))))
        from ansible_collections.azure_dr.recovery.plugins.plugin_utils import _watch_sources
    return _watch_sources


async def main(queue, args, **testing):
    """Put the events on ``queue`` until cancelled (or ``max_polls``); ansible-rulebook gives only ``queue`` and
    ``args`` (tests: ``_watch_sources.run``'s clocks)."""
    return await _collection().run('failover_group_watch', queue, args, **testing)


if __name__ == '__main__':
    # Try it from a shell: python failover_group_watch.py plans/demo.yml (with AZURE_* in the environment); events are printed.
    _collection().print_events('failover_group_watch', sys.argv[1:], {'max_polls': 3, 'interval': 10, 'max_reads_per_hour': 100000})
