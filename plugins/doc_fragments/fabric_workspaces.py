# -*- coding: utf-8 -*-
# Copyright: contributors to the azure_dr.recovery collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    """Options of the Fabric workspace modules: the rate limit, of every one of them (DOCUMENTATION), and
    how long a restore is followed, of both restore modules (RESTORE).  The specs are in
    module_utils/_fabric_workspaces.py."""

    DOCUMENTATION = r'''
options:
  rate_limit_timeout:
    description:
      - Seconds that answers 429 C(RequestBlocked) may be waited out for each request, each wait exactly as long as
        C(Retry-After) says, with a warning. The restore API allows 10 calls a minute and the reads 200 an hour, per
        caller.
    type: int
    default: 900
'''

    RESTORE = r'''
options:
  wait_timeout:
    description:
      - Seconds to follow each restore that Fabric answers as a long-running operation (202).
    type: int
    default: 600
'''
