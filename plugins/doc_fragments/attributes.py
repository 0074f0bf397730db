# -*- coding: utf-8 -*-
# Copyright: contributors to the azure_dr.recovery collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    """Attributes shared by the modules: every module is in the action group (DOCUMENTATION); the
    info modules only read (INFO_MODULE).  An action documented as a module takes ACTION instead of
    DOCUMENTATION: it is in the group too, and accepts the group's shared options only to ignore them.
    A unit test checks both memberships against meta/runtime.yml."""

    DOCUMENTATION = r'''
attributes:
  action_group:
    description: Use C(group/azure_dr.recovery.recovery) in C(module_defaults) to set the shared options.
    support: full
    membership:
      - azure_dr.recovery.recovery
'''

    INFO_MODULE = r'''
attributes:
  check_mode:
    description: The module only reads.
    support: full
  diff_mode:
    description: The module only reads, so there is nothing to show.
    support: none
'''

    ACTION = r'''
attributes:
  action_group:
    description:
      - Is in the collection's action group; the shared options of the group's other modules are accepted and
        ignored, so that C(group/azure_dr.recovery.recovery) in C(module_defaults) can set them for every task.
    support: full
    membership:
      - azure_dr.recovery.recovery
  action:
    description: An action plugin - it runs on the controller, and sends no module to the target.
    support: full
'''
