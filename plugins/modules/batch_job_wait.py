#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: contributors to the azure_dr.recovery collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
module: batch_job_wait
short_description: Wait for a batch module's async job, with progress lines and a check that it is alive
version_added: 0.1.0
description:
  - Waits for an async job (C(async) with C(poll=0)) of M(azure_dr.recovery.instance_failover_group_failover_batch) started
    with O(progress_file), and returns the job's result, as C(ansible.builtin.async_status) in an C(until) loop would,
    without a C(FAILED - RETRYING) line per check.
  - At most every O(progress_interval) seconds it prints a line naming the items still running, what each waits for
    and for how long. The lines go through Ansible's display, so they are in AWX's job output too.
  - The job's progress file carries a heartbeat. When it has not changed for O(heartbeat_timeout) seconds (the job's
    process was killed or stopped), or the job has not ended after O(timeout) seconds, the task fails at once; RV(results)
    then has the outcome of every item that finished and an error for every other one, whose state is not confirmed.
  - A job taken for dead, or not ended within O(timeout), is stopped (C(SIGTERM)) if its process is still there, so
    that it does not act after the task has said it failed.
  - Removes the job's result and its progress file when it is done.
  - The progress lines are written to standard output, beside the callback's own output (a JSON stdout callback
    gets them too).
  - An action running on the controller; it reads the job's result file on the target where
    C(ansible.builtin.async_status) would (C(ansible_async_dir) is honoured), with one C(cat) rather than a module run.
options:
  jid:
    description: The C(ansible_job_id) of the async task.
    type: str
    required: true
  progress_file:
    description:
      - The O(azure_dr.recovery.instance_failover_group_failover_batch#module:progress_file) given to the job, a path
        on the target (C(~) is the target's home, with become the become user's).
    type: str
    required: true
  timeout:
    description: Seconds to wait for the job at most.
    type: int
    default: 3900
  poll_interval:
    description: Seconds between two checks of the progress file (a local read, no API call).
    type: float
    default: 0.5
  progress_interval:
    description: Seconds between two progress lines; the first comes after this long.
    type: int
    default: 30
  heartbeat_timeout:
    description:
      - Seconds without a heartbeat after which the job is taken for dead (it beats every 5 s), at least 10. A job
        already dead when the wait begins is seen at once, by the age of its last heartbeat.
      - The heartbeat comes from the job's process, so it shows the process is alive; a request that hangs inside
        it is bounded by the modules' own timeouts, and the whole job by O(timeout).
    type: int
    default: 30
attributes:
  check_mode:
    description: Waits the same way; the job itself ran in check mode when its task did.
    support: full
  diff_mode:
    description: The job's own results carry their diffs.
    support: none
extends_documentation_fragment:
  - azure_dr.recovery.attributes.action
seealso:
  - module: azure_dr.recovery.instance_failover_group_failover_batch
  - module: ansible.builtin.async_status
author:
  - azure_dr.recovery maintainers (@azure-dr)
'''

EXAMPLES = r'''
- name: Start every failover in the background
  azure_dr.recovery.instance_failover_group_failover_batch:
    groups: "{{ groups_to_fail_over }}"
    progress_file: ~/.ansible_async/dr-failover.progress
  async: 3900
  poll: 0
  register: started

- name: Restore other things meanwhile
  ansible.builtin.debug:
    msg: "..."

- name: Wait for the failovers, a progress line every 30 s
  azure_dr.recovery.batch_job_wait:
    jid: "{{ started.ansible_job_id }}"
    progress_file: ~/.ansible_async/dr-failover.progress
  register: failovers
'''

RETURN = r'''
results:
  description: The job's RV(azure_dr.recovery.instance_failover_group_failover_batch#module:results); when the job
    stopped or timed out, the outcome of each item that finished and an error for each other one.
  returned: when the job ran
  type: list
  elements: dict
msg:
  description: Why the job or the wait failed.
  returned: failure
  type: str
job_lost:
  description: Whether the job stopped without a result (killed or stopped) or did not end within O(timeout).
  returned: always
  type: bool
elapsed:
  description: Seconds the wait took.
  returned: always
  type: float
'''
