#!/usr/bin/env bash
# Discovery, drift and parity against the emulator's demo estate: dr_plan_discover writes a plan (every group with
# both sides, fg-orders over two subscriptions; the workspaces of a capacity) that dr_drill takes as it is and finds
# a go; check mode writes nothing; a group added to the estate is drift in the next drill; a DR instance resized
# below its primary makes the drill a no-go naming both sizes; discovery run again never overwrites the plan: it
# writes the new one beside it and says what differs.
set -eux -o pipefail
export ANSIBLE_DEPRECATION_WARNINGS=true
workdir=$(mktemp -d)
set +x
# shellcheck source=../setup_emulator/files/start_emulator.sh
source ../setup_emulator/files/start_emulator.sh "$workdir"
set -x
trap 'kill "$EMULATOR_PID" 2>/dev/null || true; rm -rf "$workdir"' EXIT
python="${ANSIBLE_TEST_PYTHON_INTERPRETER:-python}"
here=$(pwd)
check() { "$python" "$here/check.py" "$@"; }

capacity=41ce06d1-d81b-4ea0-bc6d-2ce3dd2f8e84
cd "$workdir"
discover() { ansible-playbook azure_dr.recovery.dr_plan_discover -e dr_plan_name=contoso-found "$@"; }
drill() { ansible-playbook azure_dr.recovery.dr_drill -e dr_plan_name=contoso-found "$@"; }
latest() { ls -t "$workdir"/dr-reports/contoso-found-dr_drill-*.json | head -1; }  # the default report_dir

# Bad input: every problem at once, nothing read.
since=$(check log-size)
if ansible-playbook azure_dr.recovery.dr_plan_discover -e '{"dr_discover_subscriptions": ["nope"], "dr_discover_workspaces": {"colour": 1}}' \
    > bad.txt 2>&1; then exit 1; fi
grep -q 'dr_plan_name is required' bad.txt
grep -q "dr_discover_subscriptions\[0\] must be a UUID" bad.txt
grep -q "dr_discover_workspaces: unknown key 'colour'" bad.txt
[ "$(check log-size)" = "$since" ]

# Check mode: the estate read, nothing written.
discover --check > check.txt 2>&1 || { cat check.txt; exit 1; }
grep -q 'Would write' check.txt
[ ! -e plans ]

# The plan of the demo estate, from every subscription the identity sees, and the workspaces of one capacity.
since=$(check log-size)
discover -e "{\"dr_discover_workspaces\": {\"capacity_id\": \"$capacity\"}}" > discover.txt 2>&1 || { cat discover.txt; exit 1; }
check plan plans/contoso-found.yml
check reads-once "$since"

# dr_drill takes it as it is: a go, fg-finance's smaller DR instance a note (the plan marks it parity: warn), no drift.
drill > drill.txt 2>&1 || { cat drill.txt; exit 1; }
check drill "$(latest)" '{"result": "rehearsed", "drift": [], "parity": {"fg-finance": "note", "fg-sales": "ok", "fg-orders": "ok"}}'

# A group added to the estate after discovery: drift (a note) in the next drill, which stays a go.
emulator POST failover-groups '{"name": "fg-billing", "subscription": "00000000-1111-2222-3333-444444444444",
    "resource_group": "rg-sql-dr", "locations": ["Japan West", "Japan East"], "primary": "Japan West"}'
drill > drift.txt 2>&1 || { cat drift.txt; exit 1; }
check drill "$(latest)" '{"result": "rehearsed", "drift": [["fg-billing", "unprotected"]]}'
grep -q 'drift: failover group fg-billing (.*) is not protected by this plan' drift.txt

# fg-sales's DR instance resized below its primary: the drill is a no-go that names both sizes.
emulator POST managed-instance-size '{"name": "fg-sales-japaneast", "vcores": 4}'
if drill > parity.txt 2>&1; then echo 'a drill with a smaller DR instance was a go' >&2; exit 1; fi
grep -q 'dr_drill: no go' parity.txt
grep -q 'parity: failover group fg-sales: the DR instance fg-sales-japaneast is smaller than fg-sales-japanwest (vCores 4 < 8)' parity.txt
check drill "$(latest)" '{"result": "no-go", "parity": {"fg-sales": "problem", "fg-finance": "note"}}'

# Discovery again: the plan is left as it is, the new one written beside it, and what differs shown.
cp plans/contoso-found.yml before.yml
discover -e "{\"dr_discover_workspaces\": {\"capacity_id\": \"$capacity\"}}" > again.txt 2>&1 || { cat again.txt; exit 1; }
cmp before.yml plans/contoso-found.yml
grep -q 'Plan contoso-found: + failover group fg-billing: in the estate, not in the plan' again.txt
ls plans/contoso-found.discovered-*.yml
check plan "$(ls plans/contoso-found.discovered-*.yml)" fg-billing smaller=fg-sales
