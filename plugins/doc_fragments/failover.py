# -*- coding: utf-8 -*-
# Copyright: contributors to the azure_dr.recovery collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    """How the failover modules fail over: the mode, its escalation, the wait."""

    DOCUMENTATION = r'''
options:
  failover_mode:
    description:
      - V(planned) (the default) sends a planned failover (C(failover)). Both regions synchronise first and no data
        is lost. The primary side is read first (within O(primary_read_timeout)); when it does not answer (time-outs,
        connection failures, 5xx), the task is refused before any change, because a planned failover needs both
        regions.
      - V(forced) sends a forced failover (C(forceFailoverAllowDataLoss)). The secondary becomes primary at once, and
        transactions committed on the old primary but not yet replicated are lost. Only when the primary region is
        really down. The result carries a warning.
      - V(planned_then_forced) reads the primary side first. When it does not answer, a forced failover is sent at
        once. Otherwise a planned one is sent; when that ends Failed, or has not ended after O(forced_after) seconds,
        a forced one is sent. C(escalation_reason) says why. Needs O(wait=true).
      - A group whose C(replicationState) is C(SEEDING) is never failed over (Azure refuses it).
    type: str
    choices: [planned, forced, planned_then_forced]
  forced_after:
    description: With O(failover_mode=planned_then_forced), seconds a planned failover may take before a forced one is sent.
    type: int
    default: 300
  allow_data_loss:
    description:
      - V(true) means O(failover_mode=forced), kept for playbooks written before O(failover_mode). Given with another
        O(failover_mode), it is an error.
    type: bool
    default: false
  primary_read_timeout:
    description:
      - Seconds the read of today's primary side may take, retries included, before its region is taken as not
        answering. With a region down, every group there is judged on one such wait.
    type: int
    default: 30
  wait:
    description:
      - Follow the failover to its end and check the new role.
      - V(false) returns as soon as the service has accepted the failover, with C(operation_url) to follow it.
    type: bool
    default: true
  wait_timeout:
    description:
      - Seconds to wait, in all, for a failover already under way to settle (a busy group, for example during the full
        backup that follows a failover) and for this one to complete. A managed instance failover usually takes
        minutes; large instances can take much longer.
      - When the time is up, the task fails with the C(operation_url); the failover goes on in Azure, and running the
        task again waits for it.
    type: int
    default: 3600
'''
