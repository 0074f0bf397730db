#!/usr/bin/env bash
# Usage: source start_emulator.sh WORKDIR [PLAN]
# Starts an emulator with the demo estate in WORKDIR (or, given a DR plan file, the estate of that plan:
# tests/azure_dr_emulator/from_plan.py) and exports what a job gets from AWX's Azure credential (the demo
# service principal, which a plan's estate has too), where the emulator is, and its CA. Sets EMULATOR_PID,
# EMULATOR_URL, and emulator() for control calls: emulator METHOD PATH [JSON].
workdir=$1
python="${ANSIBLE_TEST_PYTHON_INTERPRETER:-python}"
PYTHONPATH="${ANSIBLE_COLLECTIONS_PATH%%:*}/ansible_collections/azure_dr/recovery/tests" \
    "$python" -m azure_dr_emulator --port 0 --state "$workdir/state.json" --ready-file "$workdir/ready.json" \
    ${2:+--plan "$2"} --idle-exit 120 > "$workdir/emulator.log" 2>&1 &
EMULATOR_PID=$!
for _ in $(seq 100); do [ -s "$workdir/ready.json" ] && break; sleep 0.1; done
[ -s "$workdir/ready.json" ] || cat "$workdir/emulator.log" >&2  # why it did not start (a bad plan says which key)
EMULATOR_URL=$("$python" -c "import json, sys; print(json.load(open(sys.argv[1]))['base_url'])" "$workdir/ready.json")
export AZURE_CLIENT_ID=0f1e2d3c-4b5a-4697-8877-665544332211
export AZURE_SECRET=emulator-only-secret-1
export AZURE_TENANT=6b7a1c2e-3f4d-4e5a-9b8c-7d6e5f4a3b2c
export AZURE_SUBSCRIPTION_ID=00000000-1111-2222-3333-444444444444
export AZURE_AUTHORITY_HOST="$EMULATOR_URL" AZURE_ARM_ENDPOINT="$EMULATOR_URL" FABRIC_API_ENDPOINT="$EMULATOR_URL"
export REQUESTS_CA_BUNDLE="$workdir/tls/ca.pem"

emulator() {
    curl -sS --fail --cacert "$REQUESTS_CA_BUNDLE" -X "$1" "$EMULATOR_URL/_emulator/$2" ${3:+-d "$3"}
}
