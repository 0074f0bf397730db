# -*- coding: utf-8 -*-
# Copyright: contributors to the azure_dr.recovery collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Where the controller's share of a module's cost goes: put this directory on PYTHONPATH of
``ansible-playbook`` and set CONTROLLER_GC_LOG to a file.  Each line is one garbage collection that
took more than 3 ms or reached generation 2 (with where it happened), or one task's
``_execute_module`` (payload build, transfer and the module process, in the task's worker)::

    CONTROLLER_GC_LOG=/tmp/gc.log PYTHONPATH=benchmarks/controller_gc ansible-playbook ...

Not used by ``make bench`` or ``make test``: a diagnostic, see benchmarks/README.md."""

import gc
import os
import sys
import time
import traceback

LOG = os.environ.get('CONTROLLER_GC_LOG')


def _write(line):
    with open(LOG, 'a') as handle:
        handle.write('pid %d %s\n' % (os.getpid(), line))


def _on_collection(phase, info, _started={}):  # pylint: disable=dangerous-default-value
    if phase == 'start':
        _started['at'] = time.perf_counter()
        return
    took = time.perf_counter() - _started.get('at', time.perf_counter())
    if info['generation'] == 2 or took > 0.003:
        frames = [frame for frame in traceback.extract_stack()[:-1] if 'ansible' in frame.filename][-3:]
        where = ' < '.join('%s:%s' % (frame.filename.rsplit('site-packages/', 1)[-1], frame.name) for frame in reversed(frames))
        survivors = ', %d objects left in generation 2' % len(gc.get_objects(2)) if info['generation'] == 2 else ''
        _write('gc generation %d: %.1f ms, %d objects freed%s, at %s'
               % (info['generation'], took * 1000, info['collected'], survivors, where))


def _time_execute_module():
    from ansible.plugins.action import ActionBase

    original = ActionBase._execute_module  # pylint: disable=protected-access

    def timed(self, *args, **kwargs):
        started = time.perf_counter()
        try:
            return original(self, *args, **kwargs)
        finally:
            _write('_execute_module %s: %.1f ms' % (self._task.action, (time.perf_counter() - started) * 1000))

    ActionBase._execute_module = timed  # pylint: disable=protected-access


class _AfterActionBase:
    """Patches ActionBase once ansible.plugins.action has been imported by ansible-playbook itself."""

    def find_spec(self, name, path=None, target=None):
        if name != 'ansible.plugins.action':
            return None
        sys.meta_path.remove(self)
        import importlib.util

        spec = importlib.util.find_spec(name)
        execute = spec.loader.exec_module

        def exec_module(module):
            execute(module)
            _time_execute_module()

        spec.loader.exec_module = exec_module
        return spec


if LOG and os.path.basename(sys.argv[0] if sys.argv else '') == 'ansible-playbook':
    gc.callbacks.append(_on_collection)
    sys.meta_path.insert(0, _AfterActionBase())
