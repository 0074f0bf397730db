#!/usr/bin/env bash
# The demo's DR runs (drill, failover, the failover again, failback, the example runbook with its own steps, a
# failback, the runbook with a failing step) with one more deleted workspace, named
# <img src=x onerror=alert(1)>, then every HTML report and the run history rendered in headless Chromium to
# PNG and PDF and read back from the rendered page (tests/utils/check_report_pages.py). The pages are kept
# under tests/output/data/dr_report_html/ of the collection.
set -eux
workdir=$(mktemp -d)
set +x
# shellcheck source=../setup_emulator/files/start_emulator.sh
source ../setup_emulator/files/start_emulator.sh "$workdir"
set -x
trap 'kill "$EMULATOR_PID" 2>/dev/null || true; rm -rf "$workdir"' EXIT
python="${ANSIBLE_TEST_PYTHON_INTERPRETER:-python}"
collection="${ANSIBLE_COLLECTIONS_PATH%%:*}/ansible_collections/azure_dr/recovery"
hostile='<img src=x onerror=alert(1)>'
output="$collection/tests/output/data/dr_report_html"
rm -rf "$output" && mkdir -p "$output"

# The demo estate with the hostile workspace deleted too, and the demo plan asking for it back.
"$python" - "$collection" "$workdir" "$hostile" <<'PY'
import json, sys, yaml
collection, workdir, hostile = sys.argv[1:]
seed = yaml.safe_load(open(collection + '/tests/azure_dr_emulator/seeds/demo.yml'))
seed['settings']['failover_polls'] = 1
seed['workspaces'].append({'id': '0b0b0b0b-1c1c-4d2d-8e3e-4f4f4f4f4f4f', 'name': hostile, 'type': 'Workspace',
                           'state': 'Deleted', 'deleted_days_ago': 1, 'retention_days': 7})
json.dump(seed, open(workdir + '/seed.json', 'w'))
plan = yaml.safe_load(open(collection + '/playbooks/plans/demo.yml'))
plan['dr_plan']['report_dir'] = workdir + '/reports'
plan['dr_plan']['fabric_workspaces'].append({'name': hostile})
yaml.safe_dump(plan, open(workdir + '/plan.yml', 'w'))
PY
emulator POST reset "@$workdir/seed.json"
run() { ansible-playbook "azure_dr.recovery.$1" -e "@$workdir/plan.yml" "${@:2}"; }
run dr_drill
run dr_failover -e dr_confirm=contoso-demo
run dr_failover -e dr_confirm=contoso-demo
run dr_failback -e dr_confirm=contoso-demo | tee "$workdir/failback.txt"
# The run says where its pages are.
grep -q "reports/contoso-demo-dr_failback-.*\.html; run history: $workdir/reports/index.html" "$workdir/failback.txt"


# The example runbook: its own steps after the failovers, in the JSON, the Markdown and (read by Chromium below) the
# HTML timeline; then, every group back, the same runbook whose smoke test fails: a failed report that has every step.
runbook="$collection/playbooks/examples/dr_runbook.yml"
steps() { "$python" -c 'import json, sys; r = json.load(open(sys.argv[1])); print(r["result"], [(s["name"], s["outcome"]) for s in r["steps"]])' "$1"; }
ansible-playbook "$runbook" -e "@$workdir/plan.yml" > "$workdir/runbook.txt" 2>&1 || { cat "$workdir/runbook.txt"; exit 1; }
report=$(ls -t "$workdir"/reports/*-contoso_runbook-*.json | head -1)
[ "$(steps "$report")" = "succeeded [('DNS switch', 'succeeded'), ('application restart', 'succeeded'), ('smoke test', 'succeeded')]" ]
grep -q '| application restart | succeeded |' "${report%.json}.md"
run dr_failback -e dr_confirm=contoso-demo
if ansible-playbook "$runbook" -e "@$workdir/plan.yml" -e '{"dr_runbook_smoke_test": ["false"]}' > "$workdir/runbook-failed.txt" 2>&1; then
    echo 'a runbook whose smoke test failed did not fail' >&2; exit 1
fi
grep -q 'contoso_runbook failed for: Smoke test of the application: non-zero return code' "$workdir/runbook-failed.txt"
report=$(ls -t "$workdir"/reports/*-contoso_runbook-*.json | head -1)
[ "$(steps "$report")" = "failed [('DNS switch', 'succeeded'), ('application restart', 'succeeded'), ('Smoke test of the application', 'failed')]" ]
grep -q '| Smoke test of the application | failed |' "${report%.json}.md"

[ "$(ls "$workdir"/reports/*.json | wc -l)" = 7 ] && [ "$(ls "$workdir"/reports/*.html | wc -l)" = 8 ]
cp "$workdir"/reports/* "$output/"  # kept, also when a check below fails
# The check first proves that it fails on broken pages (a bar off its duration, a missing bar, an external
# stylesheet, an unescaped name, the history out of order), then checks the demo's pages.
"$python" "$collection/tests/utils/check_report_pages.py" --self-test
"$python" "$collection/tests/utils/check_report_pages.py" --out "$output" --expect-text "$hostile" "$output"
ls "$output"
