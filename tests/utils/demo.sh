#!/usr/bin/env bash
# `make demo`: rehearse and run a DR failover of the emulator's demo estate, end to end, with the
# collection of this checkout. No credentials and no network beyond loopback.
# DEMO_BIN: the bin folder of the virtual environment to use (make demo: .venv-demo's, or .venv's when there);
# DEMO_STARTED_MS: when make demo began (epoch milliseconds), to say how long the set-up before this script took.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
root=$PWD
bin="${DEMO_BIN:-$root/.venv/bin}"
demo="$root/.demo"
# Failovers counted in polls: each answers "running" to this many polls of its operation (1 s apart, the
# emulator's Retry-After), then ends, whatever the machine's speed; the emulator's default is 10 s each.
failover_polls=2

# Where the time goes: each step's seconds, printed at the end.
steps=()
now_ms() { local t=${EPOCHREALTIME/./}; echo $(( t / 1000 )); }
demo_started=${DEMO_STARTED_MS:-$(now_ms)}
step_started=$demo_started
step_done() {  # step_done WHAT: the time since the previous step ended
    local now; now=$(now_ms)
    steps+=("$(printf '%6.1f s  %s' "$(( now - step_started ))e-3" "$1")")
    step_started=$now
}

step_done "the virtual environment ($(basename "$(dirname "$bin")"), made or found by make)"
rm -rf "$demo" && mkdir -p "$demo/collections/ansible_collections/azure_dr" "$demo/reports"
echo "== The collection: this checkout, linked as $demo/collections/ansible_collections/azure_dr/recovery"
# (no build and install here: make test builds the tarball and checks it, make build and make galaxy-import)
ln -s "$root" "$demo/collections/ansible_collections/azure_dr/recovery"

echo "== Starting the emulator of Entra ID, ARM and Fabric with the demo estate"
# The same start-up as the integration tests: the emulator from the installed collection, and the
# environment AWX's Azure credential injects (the demo service principal), its URL and its CA.
export ANSIBLE_COLLECTIONS_PATH="$demo/collections" ANSIBLE_TEST_PYTHON_INTERPRETER="$bin/python"
# shellcheck source=../integration/targets/setup_emulator/files/start_emulator.sh
source "$root/tests/integration/targets/setup_emulator/files/start_emulator.sh" "$demo"
side_pid=
stop() {  # on the way out, whatever happened: the emulator, and the split group's runs if still going
    if [ -n "$side_pid" ]; then pkill -TERM -P "$side_pid" 2>/dev/null || true; kill "$side_pid" 2>/dev/null || true; fi
    kill "$EMULATOR_PID" 2>/dev/null || true
}
trap stop EXIT
echo "   $EMULATOR_URL"
"$bin/python" - "$EMULATOR_URL/_emulator/settings" "$REQUESTS_CA_BUNDLE" "$failover_polls" <<'EOF'
import json, ssl, sys, urllib.request
body = json.dumps({'failover_polls': int(sys.argv[3])}).encode()
urllib.request.urlopen(urllib.request.Request(sys.argv[1], body, method='POST'),
                       context=ssl.create_default_context(cafile=sys.argv[2])).read()
EOF
echo "   Each failover here ends after $failover_polls polls of its operation (about $failover_polls s; in Azure, minutes;"
echo "   the emulator's default is 10 s each): the same requests, answers and reports, only shorter."
step_done 'the emulator started (its CA and certificate made)'
export DR_REPORT_DIR="$demo/reports"
export ANSIBLE_PYTHON_INTERPRETER="$bin/python" ANSIBLE_LOCALHOST_WARNING=false ANSIBLE_INVENTORY_UNPARSED_WARNING=false

title() {  # title PLAYBOOK WHAT [PLAN [ARGS...]]
    echo
    echo "== ansible-playbook azure_dr.recovery.$1 -e @${3:-playbooks/plans/demo.yml} ${*:4}  ($2)"
}
playbook() {  # playbook PLAYBOOK [PLAN [ARGS...]]: the playbook's output but its task headers
    "$bin/ansible-playbook" "azure_dr.recovery.$1" -e "@${2:-playbooks/plans/demo.yml}" "${@:3}" \
        | grep -vE '^(TASK|PLAY \[|\s*$)'
}
run() {  # run PLAYBOOK WHAT [PLAN [ARGS...]]
    title "$@"
    playbook "$1" "${@:3}"
    step_done "$1 ${3:-playbooks/plans/demo.yml} ($2)"
}

# Two lanes side by side, as the two plans name groups of their own: demo.yml (fg-sales, fg-finance) here, and
# demo-split.yml (fg-orders) in the background, its output kept in a file and shown after the runs of demo.yml.
split_log="$demo/split-group.log"
(
    split_started=$(now_ms)
    title dr_failover 'a group whose sides are in two resource groups and two subscriptions' playbooks/plans/demo-split.yml
    playbook dr_failover playbooks/plans/demo-split.yml
    title dr_failback 'and back' playbooks/plans/demo-split.yml
    playbook dr_failback playbooks/plans/demo-split.yml
    echo
    echo "== ansible-playbook playbooks/examples/dr_runbook.yml -e @playbooks/plans/demo-split.yml  (your own runbook: the failover, then a DNS switch, a restart and a smoke test, each in the report)"
    "$bin/ansible-playbook" playbooks/examples/dr_runbook.yml -e @playbooks/plans/demo-split.yml | grep -vE '^(TASK|PLAY \[|\s*$)'
    title dr_failback 'back again' playbooks/plans/demo-split.yml
    playbook dr_failback playbooks/plans/demo-split.yml
    echo "$(( $(now_ms) - split_started ))" > "$demo/split-group.ms"
) > "$split_log" 2>&1 &
side_pid=$!

run dr_drill 'a rehearsal: nothing changes'
run dr_failover 'fail over both groups to their DR regions and restore three workspaces'
run dr_failover 'again: everything is already done, changed=0 for the DR work'
run dr_failback 'back to the primary regions'

split_status=0
wait "$side_pid" || split_status=$?
side_pid=
echo
echo "== Meanwhile, side by side with the runs above, the split group (fg-orders) and your own runbook:"
cat "$split_log"
[ "$split_status" = 0 ] || { echo "the split group's runs failed (exit $split_status)"; exit "$split_status"; }
split_ms=$(cat "$demo/split-group.ms")
step_done 'waiting for the split group (the runs of demo-split.yml, side by side with those of demo.yml above)'
steps+=("$(printf '%6.1f s  %s' "${split_ms}e-3" '(side by side: dr_failover, dr_failback, your runbook, dr_failback of demo-split.yml; not in the total)')")

run dr_drill_live 'a live drill: fail over for real, check, soak 3 s, fail back' playbooks/plans/demo.yml \
    -e dr_confirm=contoso-demo -e dr_drill_soak_seconds=3 -e dr_drill_validate_tasks=playbooks/examples/dr_drill_validate.yml

echo
echo "== Reports in $demo/reports:"
ls -1 "$demo/reports"
echo
echo "== The failover report:"
cat "$(ls "$demo"/reports/contoso-demo-dr_failover-*.md | head -1)"
echo
echo "== Open in a browser (no server, no network needed):"
echo "   the failover report: $(ls "$demo"/reports/contoso-demo-dr_failover-*.html | head -1)"
echo "   the live drill:      $(ls "$demo"/reports/*-dr_drill_live-*.html | head -1)"
echo "   your own runbook:    $(ls "$demo"/reports/*-contoso_runbook-*.html | head -1)"
echo "   the run history:     $demo/reports/index.html"
echo
echo "== Where the time went:"
printf '%s\n' "${steps[@]}"
printf '%6.1f s  %s\n' "$(( $(now_ms) - demo_started ))e-3" 'in all'
