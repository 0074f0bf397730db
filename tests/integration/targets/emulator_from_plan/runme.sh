#!/usr/bin/env bash
# Rehearsing one's own plan offline: the emulator seeded from a DR plan (tests/azure_dr_emulator/from_plan.py), and the
# DR playbooks of that very plan run against it unchanged. The demo plan (playbooks/plans/demo.yml: the flat shape, a
# workspace by name) is drilled, failed over, failed back and drilled live; a generated plan of 100 groups (two-sided,
# over three subscriptions and three region pairs, some sides left to be found through the other side's read, a tenth
# flat) starts in seconds, its drill is a no-go while Japan West is out (POST /_emulator/outages), a go once it is
# back, and it fails over. The emulator's timed states are counted (failover_polls), never waited out; the trap ends
# the emulator.
set -eux
base=$(mktemp -d)  # (not "workdir": start_emulator.sh sets that)
EMULATOR_PID=
cleanup() {
    [ -z "$EMULATOR_PID" ] || kill "$EMULATOR_PID" 2>/dev/null || true
    rm -rf "$base"
}
trap cleanup EXIT
collection="${ANSIBLE_COLLECTIONS_PATH%%:*}/ansible_collections/azure_dr/recovery"
python="${ANSIBLE_TEST_PYTHON_INTERPRETER:-python}"
check() { "$python" check.py "$@"; }
run() { ansible-playbook "azure_dr.recovery.$1" -e "@$2" "${@:3}"; }
latest() { ls -t "$1"/*-"$2"-*.json | head -1; }
# start PLAN: an emulator seeded from PLAN, in a folder of its own beside it (the one before it ended first).
start() {
    if [ -n "$EMULATOR_PID" ]; then kill "$EMULATOR_PID"; wait "$EMULATOR_PID" || true; fi
    local dir
    dir="$(dirname "$1")/emulator"
    mkdir -p "$dir"
    set +x
    # shellcheck source=../setup_emulator/files/start_emulator.sh
    source ../setup_emulator/files/start_emulator.sh "$dir" "$1"
    set -x
    # What it printed for the user to export is what start_emulator.sh exported (the emulator's own principal).
    "$python" - "$dir/ready.json" <<'PY'
import json, os, sys
ready = json.load(open(sys.argv[1]))
wrong = {name: value for name, value in ready['environment'].items() if os.environ.get(name) != value}
assert not wrong and len(ready['environment']) == 8, wrong
print('seeded from %s in %.2f s' % (ready['plan'], ready['seconds_to_start']))
PY
    emulator POST settings '{"failover_polls": 2, "outage_hang_seconds": 5}' > /dev/null
}

# The demo plan as it is shipped (its report_dir, a template, pointed at this run's folder).
mkdir -p "$base/demo"
sed "s|^  report_dir: .*|  report_dir: $base/demo/reports|" "$collection/playbooks/plans/demo.yml" > "$base/demo/plan.yml"
start "$base/demo/plan.yml"
run dr_drill "$base/demo/plan.yml" "$@"
check report "$(latest "$base/demo/reports" dr_drill)" \
    '{"result": "rehearsed", "actions": {"would fail over": 2, "would restore": 3}, "clean": true}'
run dr_failover "$base/demo/plan.yml" "$@"
check report "$(latest "$base/demo/reports" dr_failover)" \
    '{"result": "succeeded", "actions": {"failed over": 2, "restored": 3}, "clean": true}'
check primaries "$base/demo/plan.yml" dr
run dr_failback "$base/demo/plan.yml" "$@"
check report "$(latest "$base/demo/reports" dr_failback)" '{"result": "succeeded", "actions": {"failed over": 2}}'
check primaries "$base/demo/plan.yml" primary
# The live drill of the same plan: there and back with the example checks, one report with both legs.
run dr_drill_live "$base/demo/plan.yml" -e dr_confirm=contoso-demo -e dr_drill_soak_seconds=0 \
    -e dr_drill_validate_tasks="$collection/playbooks/examples/dr_drill_validate.yml" "$@"
check live "$(latest "$base/demo/reports" dr_drill_live)"
check primaries "$base/demo/plan.yml" primary

# A generated plan of 100 groups: it starts in seconds (the ready line says how long the seeding took).
mkdir -p "$base/big"
check make-plan "$base/big/plan.yml" 100 8 "$base/big/reports"
start "$base/big/plan.yml"
"$python" -c 'import json, sys; s = json.load(open(sys.argv[1]))["seconds_to_start"]; assert s < 5, s' "$base/big/emulator/ready.json"
# A bad day: Japan West (the primary region of 34 of its groups) stops answering. The drill is a no-go that names
# each of them, and nothing is written.
emulator POST outages '{"location": "Japan West", "mode": "timeout"}'
since=$(check log-size)
if run dr_drill "$base/big/plan.yml" "$@" > "$base/big/outage-drill.txt" 2>&1; then
    cat "$base/big/outage-drill.txt"; echo 'a drill with its primary region out was a go' >&2; exit 1
fi
grep -q 'dr_drill: no go' "$base/big/outage-drill.txt" || { cat "$base/big/outage-drill.txt"; exit 1; }
check no-go "$(latest "$base/big/reports" dr_drill)" 'Japan West' 34
[ "$(check writes "$since")" = 0 ]
# The region is back: a go, then the failover of all 100 groups and the 8 restores.
emulator DELETE outages
run dr_drill "$base/big/plan.yml" "$@"
check report "$(latest "$base/big/reports" dr_drill)" \
    '{"result": "rehearsed", "actions": {"would fail over": 100, "would restore": 8}, "clean": true}'
run dr_failover "$base/big/plan.yml" "$@"
check report "$(latest "$base/big/reports" dr_failover)" \
    '{"result": "succeeded", "actions": {"failed over": 100, "restored": 8}, "clean": true}'
check primaries "$base/big/plan.yml" dr
echo 'emulator from a plan: all checks passed'
