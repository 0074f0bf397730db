#!/usr/bin/env bash
# `make demo`: rehearse and run a DR failover of the emulator's demo estate, end to end, with the
# collection installed from this checkout. No credentials and no network beyond loopback.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
root=$PWD
bin="$root/.venv/bin"
demo="$root/.demo"

rm -rf "$demo" && mkdir -p "$demo/collections" "$demo/reports"
echo "== Installing the collection from the checkout"
"$bin/ansible-galaxy" collection build --force --output-path "$demo" . > /dev/null
"$bin/ansible-galaxy" collection install --force -p "$demo/collections" "$demo"/azure_dr-recovery-*.tar.gz > /dev/null

echo "== Starting the emulator of Entra ID, ARM and Fabric with the demo estate"
# The same start-up as the integration tests: the emulator from the installed collection, and the
# environment AWX's Azure credential injects (the demo service principal), its URL and its CA.
export ANSIBLE_COLLECTIONS_PATH="$demo/collections" ANSIBLE_TEST_PYTHON_INTERPRETER="$bin/python"
# shellcheck source=../integration/targets/setup_emulator/files/start_emulator.sh
source "$root/tests/integration/targets/setup_emulator/files/start_emulator.sh" "$demo"
trap 'kill "$EMULATOR_PID" 2>/dev/null || true' EXIT
echo "   $EMULATOR_URL"
export DR_REPORT_DIR="$demo/reports"
export ANSIBLE_PYTHON_INTERPRETER="$bin/python" ANSIBLE_LOCALHOST_WARNING=false ANSIBLE_INVENTORY_UNPARSED_WARNING=false

run() {  # run PLAYBOOK WHAT [PLAN [ARGS...]]
    local plan=${3:-playbooks/plans/demo.yml}
    echo
    echo "== ansible-playbook azure_dr.recovery.$1 -e @$plan ${*:4}  ($2)"
    "$bin/ansible-playbook" "azure_dr.recovery.$1" -e "@$plan" "${@:4}" | grep -vE '^(TASK|PLAY \[|\s*$)'
}
started=$(date +%s)
run dr_drill 'a rehearsal: nothing changes'
run dr_failover 'fail over both groups to their DR regions and restore three workspaces'
run dr_failover 'again: everything is already done, changed=0 for the DR work'
run dr_failback 'back to the primary regions'
echo
echo "== ansible-playbook playbooks/examples/dr_runbook.yml -e @playbooks/plans/demo.yml  (your own runbook: the failover, then a DNS switch, a restart and a smoke test, each in the report)"
"$bin/ansible-playbook" playbooks/examples/dr_runbook.yml -e @playbooks/plans/demo.yml | grep -vE '^(TASK|PLAY \[|\s*$)'
run dr_failback 'back to the primary regions again'
run dr_failover 'a group whose sides are in two resource groups and two subscriptions' playbooks/plans/demo-split.yml
run dr_failback 'and back' playbooks/plans/demo-split.yml
run dr_drill_live 'a live drill: fail over for real, check, soak 3 s, fail back' playbooks/plans/demo.yml \
    -e dr_confirm=contoso-demo -e dr_drill_soak_seconds=3 -e dr_drill_validate_tasks=playbooks/examples/dr_drill_validate.yml

echo
echo "== Reports in $demo/reports:"
ls -1 "$demo/reports"
echo
echo "== The failover report:"
cat "$(ls "$demo"/reports/*-dr_failover-*.md | head -1)"
echo "== Demo done in $(( $(date +%s) - started )) s of playbooks."
echo
echo "== Open in a browser (no server, no network needed):"
echo "   the failover report: $(ls "$demo"/reports/*-dr_failover-*.html | head -1)"
echo "   the live drill:      $(ls "$demo"/reports/*-dr_drill_live-*.html | head -1)"
echo "   your own runbook:    $(ls "$demo"/reports/*-contoso_runbook-*.html | head -1)"
echo "   the run history:     $demo/reports/index.html"
