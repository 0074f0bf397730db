# -*- coding: utf-8 -*-
# Copyright: contributors to the azure_dr.recovery collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    """Attributes shared by the modules: every module is in the action group (DOCUMENTATION); the
    info modules only read (INFO_MODULE)."""

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
