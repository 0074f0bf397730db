#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: contributors to the azure_dr.recovery collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
module: dr_plan_from_estate
short_description: Write a DR plan from the estate - every failover group with both sides, and the workspaces to protect
version_added: 0.3.0
description:
  - Reads every managed instance and instance failover group of the subscriptions (one run of
    M(azure_dr.recovery.managed_instance_info), the subscriptions read side by side) and, with O(workspaces), one
    listing of the Fabric workspaces (M(azure_dr.recovery.fabric_workspace_info)), beside it.
  - Writes the plan C(<directory>/<name>.yml) in the two-sided shape (each side's location, resource group,
    subscription and instance), today's primary side as C(primary), each group with its failover policy, secondary
    type and both instances' sizes as comments, each workspace by id with its name as a comment. M(azure_dr.recovery.dr_run_open)
    (and so C(dr_drill)) accepts it as it is.
  - Never overwrites a plan. When C(<name>.yml) exists, the new plan is written beside it as
    C(<name>.discovered-<UTC time>.yml) and every difference is shown (groups and workspaces added or gone, sides that
    moved); when there is none, nothing is written.
  - The action of the playbook C(azure_dr.recovery.dr_plan_discover), which gives it its run variables.
options:
  name:
    description:
      - The plan's name, and so its file C(<directory>/<name>.yml) (letters, digits, dots, underscores, hyphens).
      - Required; the playbook's C(dr_plan_name).
    type: str
  directory:
    description:
      - Where the plan goes; a relative path is taken from the directory C(ansible-playbook) runs in (in AWX, the
        project's root). The playbook's C(dr_plan_dir).
    type: str
    default: plans
  subscriptions:
    description:
      - The subscriptions to read (ids), a list or one text of ids separated by commas, spaces or new lines (what an
        AWX survey gives). Default (or blank), every subscription the identity sees. The playbook's
        C(dr_discover_subscriptions).
    type: raw
  workspaces:
    description:
      - The Fabric workspaces to protect, picked from the admin listing - a mapping of C(capacity_id), C(domain_id) and
        C(name) (a pattern such as V(Sales*), case-insensitive), each one value or a list; a workspace that any of them
        matches is picked, personal workspaces never. Its YAML or JSON text is taken too (what an AWX survey gives).
        Without it, the plan has no workspace and Fabric is not called. The playbook's C(dr_discover_workspaces).
    type: raw
extends_documentation_fragment:
  - azure_dr.recovery.attributes.action
attributes:
  check_mode:
    description: Reads the estate and says what it would write; writes nothing.
    support: full
  diff_mode:
    description: The differences from the plan on disk are in RV(changes), also without diff mode.
    support: none
notes:
  - Every problem of the options is reported at once, before any request. The credentials are the modules' shared
    options (C(dr_auth), C(dr_fabric_auth), module defaults or the environment), as in a DR run.
  - The identity needs the Reader role on each subscription (managed instances and instance failover groups), and,
    with O(workspaces), to be a Fabric administrator. A subscription it may list but not read is named in a warning.
seealso:
  - module: azure_dr.recovery.managed_instance_info
  - ref: ansible_collections.azure_dr.recovery.docsite.dr_plan
    description: The DR plan, discovery, drift and parity.
author:
  - azure_dr.recovery maintainers (@azure-dr)
'''

EXAMPLES = r'''
- name: A plan of every failover group the identity sees, and the workspaces of one capacity
  azure_dr.recovery.dr_plan_from_estate:
    name: contoso-prod
    workspaces:
      capacity_id: 41ce06d1-d81b-4ea0-bc6d-2ce3dd2f8e84
  register: discovered

- name: Two subscriptions only, in check mode - nothing is written
  azure_dr.recovery.dr_plan_from_estate:
    name: contoso-prod
    subscriptions:
      - 00000000-1111-2222-3333-444444444444
      - 66666666-7777-4888-9999-000000000000
  check_mode: true
'''

RETURN = r'''
path:
  description: The file written (or that would be written, in check mode); null when the plan on disk is up to date.
  returned: success
  type: str
  sample: /srv/dr/plans/contoso-prod.discovered-20261207T150000Z.yml
plan_path:
  description: The plan's own file, C(<directory>/<name>.yml).
  returned: success
  type: str
changes:
  description: What differs from the plan already at RV(plan_path) (empty when there was none, or nothing differs).
  returned: success
  type: list
  elements: str
  sample: ['+ failover group fg-orders: in the estate, not in the plan']
plan:
  description: The plan written, as C(dr_plan) holds it.
  returned: success
  type: dict
groups:
  description: How many failover groups were found.
  returned: success
  type: int
workspaces:
  description: How many workspaces were picked.
  returned: success
  type: int
ansible_stats:
  description:
    - The job's artifacts in AWX (C(set_stats) data), where the job's project folder goes away with it -
      C(dr_plan_discovered), the plan file's text, and C(dr_plan_changes), what differs.
  returned: success
  type: dict
subscriptions:
  description: The subscriptions read (C(subscription_id), and with every subscription, C(display_name) and C(state)).
  returned: success
  type: list
  elements: dict
'''
