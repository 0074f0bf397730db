# -*- coding: utf-8 -*-
# Copyright: contributors to the azure_dr.recovery collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Event source ``azure_dr.recovery.fabric_workspace_watch``: the Fabric workspaces of a DR plan, one listing of the
deleted workspaces a poll, and an event when one of them is deleted (docs/eda.md, "Event sources").  Its
documentation and a ``main``: ``plugin_utils/_watch_sources`` runs it, ``module_utils/_watch`` decides and
``_watch_client`` reads with the modules' own HTTP, retry and credential code."""

from __future__ import annotations

import os
import sys

DOCUMENTATION = r"""
---
short_description: Watch the Fabric workspaces of a DR plan and say when one is deleted.
description:
  - An ansible-rulebook event source plugin that lists the deleted workspaces of the Fabric admin API once a poll
    (all pages; never one read per workspace) with the collection's own HTTP, retry and credential code (the Fabric
    modules' options and environment variables), and puts an event on the queue when a workspace of the plan becomes
    C(Deleted).
  - The admin API allows 200 reads an hour per caller, shared with the DR runs' readiness and restores' reads; the
    default I(interval) of 120 s costs 30, and an I(interval) that would make more than I(max_listings_per_hour)
    listings an hour is refused before any request.
  - "Every event is C({\"azure_dr\": {\"type\", \"plan\", \"workspace\", \"state\", \"time\", ...}}), C(time) in UTC (ISO 8601)."
  - "C(workspace_deleted): a workspace of the plan (by id, or by name) is in the deleted listing and was not at the
    poll before; once, until it leaves the listing (restored, or purged) and is deleted again. C(workspace) is the
    workspace as the listing returns it (C(id), C(name), C(type), C(state), C(capacityId)...), C(state) C(Deleted),
    C(entry) the plan's entry, C(matches) how many deleted workspaces match it. The API gives no deletion time:
    C(deleted_after) (the poll before) and C(deleted_before) (this poll) bound it, C(retention_days) is the retention
    assumed (I(retention_days), 30 for a personal workspace), C(restore_before) (C(deleted_after) plus the retention)
    and C(retention_left_seconds) say how long it can be restored at least; all three are null for a workspace
    already deleted when the watch started (with I(report_already_deleted))."
  - "C(snapshot): once, at the first poll (when I(snapshot) is true), with C(workspaces) (each C(id), C(name), C(type)
    and C(state): C(Deleted), or C(NotDeleted) - active, purged or never created: one listing of the deleted
    workspaces cannot tell)."
  - "C(watch_error): the listing failed (the token refused, not a Fabric administrator, throttling beyond
    I(read_timeout), no answer); once, until a listing works again; with C(message). The source keeps polling; an
    expired token is renewed."
  - Needs the collection's Python requirements (requests, msal) and ansible-core in the ansible-rulebook environment.
options:
  plan_file:
    description:
      - A DR plan file (docs/dr_plan.md, top key C(dr_plan)); its C(fabric_workspaces) are watched. Exactly one of
        I(plan_file) and I(workspaces).
    type: str
  workspaces:
    description:
      - The workspaces to watch, in the plan's shape (each C(id) or C(name)). Needs I(plan).
    type: list
    elements: dict
  plan:
    description:
      - The plan's name, in every event; with I(workspaces) only.
    type: str
  interval:
    description:
      - Seconds from the start of one listing to the start of the next.
    type: int
    default: 120
  max_listings_per_hour:
    description:
      - The most listings an hour (each page is a request). The admin API allows 200 reads an hour; keep room for
        the DR runs. Above 200 only against an emulator.
    type: int
    default: 100
  read_timeout:
    description:
      - Seconds one listing may take, its retries (a 429's C(Retry-After)) included, before the poll is a C(watch_error).
    type: int
    default: 60
  retention_days:
    description:
      - Days a deleted workspace (not a personal one, whose retention is 30 days) can be restored, the tenant's setting,
        7 to 90. The default, 7, is the shortest, so C(restore_before) is never late.
    type: int
    default: 7
  report_already_deleted:
    description:
      - Also send C(workspace_deleted) for the plan's workspaces already deleted at the first poll (their deletion time
        unknown). By default they are only in the C(snapshot).
    type: bool
    default: false
  snapshot:
    description:
      - Send one C(snapshot) event at the first poll.
    type: bool
    default: true
  max_polls:
    description:
      - Stop after this many polls (0, the default, never stops; for one-shot checks and tests).
    type: int
    default: 0
  auth_source:
    description:
      - As the modules' C(auth_source); docs/authentication.md.
    type: str
    choices: [auto, env, cli, msi, workload_identity, token]
    default: auto
  tenant:
    description:
      - Entra ID tenant (C(FABRIC_TENANT_ID) when C(FABRIC_CLIENT_ID) is set, else C(AZURE_TENANT), C(AZURE_TENANT_ID)).
    type: str
  client_id:
    description:
      - Application (client) id (C(FABRIC_CLIENT_ID), else C(AZURE_CLIENT_ID)).
    type: str
  secret:
    description:
      - Client secret (C(FABRIC_CLIENT_SECRET) with C(FABRIC_CLIENT_ID), else C(AZURE_SECRET), C(AZURE_CLIENT_SECRET)).
    type: str
  certificate_path:
    description:
      - Certificate of the application (C(FABRIC_CLIENT_CERTIFICATE_PATH) with C(FABRIC_CLIENT_ID), else
        C(AZURE_CLIENT_CERTIFICATE_PATH)).
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
      - A bearer token for the Fabric API; it cannot be renewed.
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
  fabric_endpoint:
    description:
      - Overrides the Fabric base URL, for example C(https://127.0.0.1:8443) (C(FABRIC_API_ENDPOINT)).
    type: str
notes:
  - Blocking HTTP runs in a thread (C(asyncio.to_thread)); the event loop of ansible-rulebook is never held.
  - ansible-rulebook runs the file with C(runpy.run_path); when C(ansible_collections) is not importable there, the
    source adds the directory that holds the installed C(ansible_collections/azure_dr/recovery) to C(sys.path).
"""

EXAMPLES = r"""
- name: Watch the plan's workspaces
  hosts: localhost
  sources:
    - azure_dr.recovery.fabric_workspace_watch:
        plan_file: /runner/project/plans/contoso-prod.yml
        interval: 120
        retention_days: 14
  rules:
    - name: A workspace of the plan was deleted
      condition: event.azure_dr.type == "workspace_deleted"
      action:
        debug:
          msg: "{{ event.azure_dr.workspace.name }} can be restored until {{ event.azure_dr.restore_before }}"
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
    return await _collection().run('fabric_workspace_watch', queue, args, **testing)


if __name__ == '__main__':
    # Try it from a shell: python fabric_workspace_watch.py plans/demo.yml (with AZURE_* in the environment); events are printed.
    _collection().print_events('fabric_workspace_watch', sys.argv[1:], {'max_polls': 1})
