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
PYTHONPATH="$root/tests" "$bin/python" -m azure_dr_emulator --port 0 --state "$demo/state.json" \
    --ready-file "$demo/ready.json" --idle-exit 300 > "$demo/emulator.log" 2>&1 &
emulator=$!
trap 'kill "$emulator" 2>/dev/null || true' EXIT
for _ in $(seq 100); do [ -s "$demo/ready.json" ] && break; sleep 0.1; done
base_url=$("$bin/python" -c "import json, sys; print(json.load(open(sys.argv[1]))['base_url'])" "$demo/ready.json")
echo "   $base_url"

# What AWX's Microsoft Azure Resource Manager credential injects (the emulator's demo service
# principal), plus where the emulator is and the CA it signs with.
export AZURE_CLIENT_ID=0f1e2d3c-4b5a-4697-8877-665544332211
export AZURE_SECRET=emulator-only-secret-1
export AZURE_TENANT=6b7a1c2e-3f4d-4e5a-9b8c-7d6e5f4a3b2c
export AZURE_SUBSCRIPTION_ID=00000000-1111-2222-3333-444444444444
export AZURE_AUTHORITY_HOST="$base_url" AZURE_ARM_ENDPOINT="$base_url" FABRIC_API_ENDPOINT="$base_url"
export REQUESTS_CA_BUNDLE="$demo/tls/ca.pem"
export ANSIBLE_COLLECTIONS_PATH="$demo/collections" DR_REPORT_DIR="$demo/reports"
export ANSIBLE_PYTHON_INTERPRETER="$bin/python" ANSIBLE_LOCALHOST_WARNING=false ANSIBLE_INVENTORY_UNPARSED_WARNING=false

run() {
    echo
    echo "== ansible-playbook azure_dr.recovery.$1 -e @playbooks/plans/demo.yml   ($2)"
    "$bin/ansible-playbook" "azure_dr.recovery.$1" -e @playbooks/plans/demo.yml | grep -vE '^(TASK|PLAY \[|\s*$)'
}
started=$(date +%s)
run dr_drill 'a rehearsal: nothing changes'
run dr_failover 'fail over both groups to their DR regions and restore three workspaces'
run dr_failover 'again: everything is already done, changed=0 for the DR work'
run dr_failback 'back to the primary regions'

echo
echo "== Reports in $demo/reports:"
ls -1 "$demo/reports"
echo
echo "== The failover report:"
cat "$(ls "$demo"/reports/*-dr_failover-*.md | head -1)"
echo "== Demo done in $(( $(date +%s) - started )) s of playbooks."
