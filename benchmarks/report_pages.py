# -*- coding: utf-8 -*-
# Copyright: contributors to the azure_dr.recovery collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""What writing the report costs at the end of every DR run, by how many reports its folder already holds:
dr_report_write's action (JSON, Markdown, HTML, then index.html rebuilt from every JSON report there), in this
process, as the controller runs it.  .venv/bin/python benchmarks/report_pages.py [RUNS]"""

import json
import os
import shutil
import statistics
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def collection_on_path():
    """The checkout as ansible_collections.azure_dr.recovery, through a symlink in a temporary folder."""
    root = tempfile.mkdtemp(prefix='report-pages-')
    os.makedirs(os.path.join(root, 'ansible_collections', 'azure_dr'))
    os.symlink(os.path.dirname(HERE), os.path.join(root, 'ansible_collections', 'azure_dr', 'recovery'))
    sys.path.insert(0, root)
    return root


def main(runs=5):
    root = collection_on_path()
    # pylint: disable=import-outside-toplevel  # importable only once the checkout is on the path
    from ansible_collections.azure_dr.recovery.plugins.plugin_utils._dr_run.files import write_report
    from ansible_collections.azure_dr.recovery.plugins.plugin_utils._dr_run.report import build_report as dr_report

    groups = [{'name': 'fg-%02d' % n, 'resource_group': 'rg', 'primary_location': 'Japan West', 'dr_location': 'Japan East'}
              for n in range(20)]
    rows = [{'kind': 'failover_group', 'name': group['name'], 'location': 'Japan East', 'action': 'failed over',
             'changed': True, 'start_offset': 2.0, 'end_offset': 40.0 + n, 'duration': 38.0 + n,
             'final_state': 'Primary in Japan East', 'failover_kind': 'planned'} for n, group in enumerate(groups)]
    report = dr_report(rows, {'name': 'bench', 'failover_groups': groups}, 'dr_failover', 1764633600.0, now=1764633700.0)

    def write(path):
        write_report(report, path)

    write(os.path.join(root, 'warm-up'))  # imports
    try:
        for count in (0, 100, 1000):
            folder = tempfile.mkdtemp(prefix='reports-', dir=root)
            for n in range(count):
                with open(os.path.join(folder, 'old-%04d.json' % n), 'w') as handle:
                    json.dump(dict(report, started='2026-%02d-%02dT00:00:%02dZ' % (1 + n % 12, 1 + n % 28, n % 60)), handle)
            samples = []
            for run in range(runs):
                started = time.perf_counter()
                write(os.path.join(folder, 'new-%d' % run))
                samples.append(time.perf_counter() - started)
            print('%5d reports in the folder: median %.3f s (min %.3f, max %.3f, %d runs); index.html %d kB'
                  % (count, statistics.median(samples), min(samples), max(samples), runs,
                     os.path.getsize(os.path.join(folder, 'index.html')) // 1024))
    finally:
        shutil.rmtree(root)


if __name__ == '__main__':
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5)
