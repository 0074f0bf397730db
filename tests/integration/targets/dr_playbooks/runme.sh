#!/usr/bin/env bash
# The DR playbooks against the emulator, the way AWX runs them (credentials in the environment of
# ansible-playbook) and with credentials given only as variables (dr_auth): bad plan, drill, forced
# failover, idempotent re-run, failback with a failing group, a run killed in the middle then run
# again, and a run whose failover worker is killed. Reports are checked against the emulator's log. The
# emulator's timed states are driven by counts and holds (control calls), never by how fast this machine is.
set -eux
# ansible-test turns deprecation warnings off; this target must see them (tests/compat/check_warnings.py).
export ANSIBLE_DEPRECATION_WARNINGS=true
workdir=$(mktemp -d)
set +x
# shellcheck source=../setup_emulator/files/start_emulator.sh
source ../setup_emulator/files/start_emulator.sh "$workdir"
set -x
# Every run in the background gets a process group of its own (setsid). ansible-playbook's own workers detach into
# sessions of their own, so a run is its process tree: the trap ends every process of it.
groups=()
tree() { local child; for child in $(pgrep -P "$1"); do echo "$child"; tree "$child"; done; }
cleanup() {
    for group in "${groups[@]}"; do
        for pid in $(tree "$group"); do kill -9 "$pid" 2>/dev/null || true; done
        kill -9 -- "-$group" 2>/dev/null || true
    done
    kill "$EMULATOR_PID" 2>/dev/null || true
    rm -rf "$workdir"
}
trap cleanup EXIT
python="${ANSIBLE_TEST_PYTHON_INTERPRETER:-python}"
check() { "$python" check.py "$@"; }
plan="$workdir/plan.yml"
sed "s|^  report_dir: .*|  report_dir: $workdir/reports|" \
    "${ANSIBLE_COLLECTIONS_PATH%%:*}/ansible_collections/azure_dr/recovery/playbooks/plans/demo.yml" > "$plan"
emulator POST settings '{"failover_polls": 2}'  # each failover runs for two polls, at least 2 s (Retry-After)
run() { ansible-playbook "azure_dr.recovery.$1" -e "@$2" "${@:3}"; }
latest() { ls -t "$workdir"/reports/*-"$1"-*.json | head -1; }
accepted_since() {
    check writes "$1" | "$python" -c 'import json, sys; print(sum(w["status"] == 202 for w in json.load(sys.stdin)))'
}
# in_background NAME PLAYBOOK N: runs PLAYBOOK in a process group of its own until the service has accepted N
# failovers since then. Its process group is the last of "${groups[@]}".
in_background() {
    local since
    since=$(check log-size)
    mkdir -p "$workdir/$1"
    # (timeout: a regression must fail this test, not hang it for the failovers' wait_timeout.)
    mkdir -p "$workdir/$1/tmp"  # where its workers keep their folders
    ( cd "$workdir/$1" && TMPDIR="$workdir/$1/tmp" exec setsid timeout 300 ansible-playbook \
        "azure_dr.recovery.$2" -e "@$plan" "${@:4}" ) > "$workdir/$1.txt" 2>&1 &
    groups+=($!)
    for _ in $(seq 120); do [ "$(accepted_since "$since")" = "$3" ] && break; sleep 0.5; done
    [ "$(accepted_since "$since")" = "$3" ]
}
# until_printed FILE PATTERN: until a run in the background has printed PATTERN (bounded). ansible-playbook's
# output to a file is flushed at each banner, not at each line, unless Python's output is unbuffered.
export PYTHONUNBUFFERED=1
until_printed() {
    for _ in $(seq 240); do grep -Eq "$2" "$1" && return 0; sleep 0.5; done
    cat "$1"; return 1
}
# A healthy run says FAILED nowhere; it prints progress lines instead of a retry line per check.
# (The trace is off while it looks, so that this test's own output does not carry the word.)
healthy() {
    { set +x; } 2>/dev/null
    if grep -n 'FAILED' "$1"; then echo "a healthy run printed FAILED: $1" >&2; exit 1; fi
    set -x
}

# The credentials as variables only: no AZURE_* or FABRIC_* variable in the environment of these runs.
auth="$workdir/auth.yml"
cat > "$auth" <<EOF
dr_auth:
  tenant: $AZURE_TENANT
  client_id: $AZURE_CLIENT_ID
  secret: $AZURE_SECRET
  subscription_id: $AZURE_SUBSCRIPTION_ID
  authority_host: $EMULATOR_URL
  arm_endpoint: $EMULATOR_URL
  fabric_endpoint: $EMULATOR_URL
EOF
without_auth=(-u AZURE_TENANT -u AZURE_CLIENT_ID -u AZURE_SECRET -u AZURE_SUBSCRIPTION_ID -u AZURE_AUTHORITY_HOST
    -u AZURE_ARM_ENDPOINT -u FABRIC_API_ENDPOINT)
variables_only() { env "${without_auth[@]}" "$@"; }

# A bad plan: every problem listed at once, and not one request sent.
if run dr_failover bad_plan.yml "$@" > "$workdir/bad.txt" 2>&1; then echo 'a bad plan was accepted' >&2; exit 1; fi
for problem in "unknown key 'colour'" 'dr_location is required' 'resource_group must be 1 to 90' \
    'primary_location and dr_location must differ' 'id must be a UUID' 'needs exactly one of id and name' \
    'type must be one of' "dr_plan.failover_mode must be one of planned, forced, planned_then_forced, got 'boldly'" \
    'dr_plan.forced_after must be a positive whole number' "(fg-finance).failover_mode must be one of"; do
    grep -q "$problem" "$workdir/bad.txt"
done
if run dr_drill "$plan" -e '{"dr_auth": {"colour": "blue"}}' "$@" > "$workdir/bad_auth.txt" 2>&1; then exit 1; fi
grep -q "dr_auth: unknown key 'colour'" "$workdir/bad_auth.txt"
[ "$(check log-size)" = 0 ]

# Drill, credentials as variables: the same reads and decisions, nothing written, a report of what would
# be done. Run as AWX runs it: the job's id and template name are in the report.
since=$(check log-size)
variables_only ansible-playbook azure_dr.recovery.dr_drill -e "@$plan" -e "@$auth" \
    -e '{"awx_job_id": 42, "awx_job_template_name": "DR drill"}' "$@" > "$workdir/drill.txt" 2>&1 \
    || { cat "$workdir/drill.txt"; exit 1; }
healthy "$workdir/drill.txt"
check report "$(latest dr_drill)" '{"plan": "contoso-demo", "playbook": "dr_drill", "mode": "check", "result": "rehearsed",
    "awx_job_id": 42, "awx_job_template_name": "DR drill", "actions": {"would fail over": 2, "would restore": 3}}' "$since"

# A group whose two sides are in two resource groups and two subscriptions (demo-split.yml): failed over
# where its DR side lives, then back where its primary side lives; the run's subscription serves the side
# that names none.
split="$workdir/split.yml"
sed "s|^  report_dir: .*|  report_dir: $workdir/reports|" \
    "${ANSIBLE_COLLECTIONS_PATH%%:*}/ansible_collections/azure_dr/recovery/playbooks/plans/demo-split.yml" > "$split"
since=$(check log-size)
run dr_failover "$split" "$@" > "$workdir/split-failover.txt" 2>&1 || { cat "$workdir/split-failover.txt"; exit 1; }
# Its estate read beside the failover: both fg-orders instances the same size (its DR side a Standby replica), and the
# demo's other groups, in the subscription and region the plan covers, not protected by this plan.
check report "$(latest dr_failover)" '{"plan": "contoso-demo-split", "result": "succeeded", "actions": {"failed over": 1},
    "parity": {"fg-orders": "ok"}, "drift": [["fg-sales", "unprotected"]]}' "$since"
run dr_failback "$split" "$@" > "$workdir/split-failback.txt" 2>&1 || { cat "$workdir/split-failback.txt"; exit 1; }
check writes "$since" | "$python" -c '
import json, sys
paths = [w["path"] for w in json.load(sys.stdin) if w["status"] == 202]
assert paths == ["/subscriptions/66666666-7777-4888-9999-000000000000/resourceGroups/rg-sql-east/providers/Microsoft.Sql/locations/Japan%20East/instanceFailoverGroups/fg-orders/failover",
                 "/subscriptions/00000000-1111-2222-3333-444444444444/resourceGroups/rg-sql-west/providers/Microsoft.Sql/locations/Japan%20West/instanceFailoverGroups/fg-orders/failover"], paths'
grep -q '"result": "succeeded"' "$(latest dr_failback)"

# A forced failover, credentials as variables: the report shows it was forced, row by row, with the request
# ids and the region's state before and after; progress lines while it runs (held by the emulator until the
# line is printed), and no FAILED.
since=$(check log-size)
emulator POST failover-holds '{}'
( exec setsid env "${without_auth[@]}" ansible-playbook azure_dr.recovery.dr_failover -e "@$plan" -e "@$auth" -e dr_allow_data_loss=true \
    -e dr_progress_interval=1 "$@" ) > "$workdir/forced.txt" 2>&1 &
groups+=($!)
until_printed "$workdir/forced.txt" 'Still running after [0-9]+ s, 0 of 2 done: .*\((Japan East|West US): forced failover running, [0-9]+ s\)'
emulator DELETE failover-holds
wait "${groups[-1]}" || { cat "$workdir/forced.txt"; exit 1; }
healthy "$workdir/forced.txt"
check report "$(latest dr_failover)" '{"plan": "contoso-demo", "playbook": "dr_failover", "mode": "run", "result": "succeeded",
    "actions": {"forced failover (data not yet replicated may be lost)": 2, "restored": 3}}' "$since"
check forced "$(latest dr_failover)"

# Again: nothing to do, nothing written.
since=$(check log-size); run dr_failover "$plan" "$@" > "$workdir/again.txt" 2>&1 || { cat "$workdir/again.txt"; exit 1; }
healthy "$workdir/again.txt"
check report "$(latest dr_failover)" '{"plan": "contoso-demo", "playbook": "dr_failover", "mode": "run", "result": "succeeded",
    "actions": {"none": 5}}' "$since"

# Failback with one group failing: the other goes through, the report says which failed and why.
emulator POST lro-faults '{"api": "arm", "code": "FailoverAborted", "message": "the partner instance went away"}'
since=$(check log-size)
if run dr_failback "$plan" "$@" > "$workdir/failback.txt" 2>&1; then echo 'the failback did not fail' >&2; exit 1; fi
grep -q 'dr_failback failed for: fg-[a-z]*: HTTP 400 FailoverAborted' "$workdir/failback.txt"
report=$(latest dr_failback)
check report "$report" '{"plan": "contoso-demo", "playbook": "dr_failback", "mode": "run", "result": "failed",
    "actions": {"failed over": 1, "error": 1}}' "$since"
grep -q 'FailoverAborted' "${report%.json}.md"

# A failback killed while its failover runs (held by the emulator), ansible-playbook and its workers, then run
# again: it converges, failing over only once. The run left its journal: what it had done when it was killed.
since=$(check log-size)
emulator POST failover-holds '{}'
in_background interrupted dr_failback 1 "$@"
kill -9 -- "-${groups[-1]}"
wait "${groups[-1]}" || true
# Nothing of the killed run goes on: no process works in its folder (bounded wait). From ansible-core 2.19 on, its
# workers detach from the group killed: the phase sees ansible-playbook gone and stops its own workers.
left() {
    local cwd
    for cwd in /proc/[0-9]*/cwd; do case "$(readlink "$cwd" 2>/dev/null)" in "$workdir/interrupted"*) return 0;; esac; done
    return 1
}
for _ in $(seq 60); do left || break; sleep 0.5; done
if left; then echo 'a process of the killed run was left running' >&2; exit 1; fi
journal=$(ls -t "$workdir"/reports/*-dr_failback-*.journal | head -1)
"$python" -c 'import json, sys; r = json.load(open(sys.argv[1])); assert r["playbook"] == "dr_failback" and "failovers" in r["phases"] and r["readiness"]["go"], r' "$journal"
emulator DELETE failover-holds
run dr_failback "$plan" "$@"
[ "$(accepted_since "$since")" = 1 ]
grep -q '"result": "succeeded"' "$(latest dr_failback)"

# A failover whose worker dies (killed) while ansible-playbook waits for it (the failovers held by the emulator):
# the run sees it at once, not after the failovers' wait_timeout; the report says failed, each group not
# confirmed primary is an error; run again, it converges without a second failover request being accepted.
since=$(check log-size)
emulator POST failover-holds '{}'
in_background workerkill dr_failover 2 "$@"
for pid in $(tree "${groups[-1]}"); do  # the failovers' worker only: ansible-playbook goes on waiting
    case "$(ps -o args= -p "$pid")" in *instance_failover_group_failover_batch*) kill -9 "$pid";; esac
done
if wait "${groups[-1]}"; then echo 'the run did not fail although its worker was killed' >&2; exit 1; fi
grep -q 'dr_failover failed for: fg-sales, fg-finance: the worker stopped: killed by signal 9' "$workdir/workerkill.txt"
check report "$(latest dr_failover)" '{"plan": "contoso-demo", "playbook": "dr_failover", "mode": "run", "result": "failed",
    "actions": {"error": 2, "none": 3}}' "$since"
emulator DELETE failover-holds
run dr_failover "$plan" "$@" > "$workdir/converged.txt" 2>&1 || { cat "$workdir/converged.txt"; exit 1; }
[ "$(accepted_since "$since")" = 2 ]
grep -q '"result": "succeeded"' "$(latest dr_failover)"
# A regional outage: Japan West, fg-orders' primary side, stops answering. The plan leaves out the primary
# side's resource group (the DR side's read names it). A drill is a no-go that says why, before any write; a
# run that may force must be confirmed as one; planned_then_forced forces at once, having waited on the dead
# region once in readiness and once in the run; the failback, once the region is back, waits out the busy
# window of the full backup that follows a failover, with progress lines.
outage="$workdir/outage.yml"
cat > "$outage" <<EOF
dr_plan:
  name: contoso-outage
  report_dir: $workdir/reports
  primary_read_timeout: 3
  failover_groups:
    - name: fg-orders
      primary: {location: Japan West}
      dr: {location: Japan East, resource_group: rg-sql-east, subscription_id: 66666666-7777-4888-9999-000000000000}
EOF
emulator POST settings '{"failover_polls": 2}'
emulator POST outages '{"location": "Japan West", "mode": "timeout"}'
since=$(check log-size)
if run dr_drill "$outage" "$@" > "$workdir/outage-drill.txt" 2>&1; then echo 'a drill in an outage was a go' >&2; exit 1; fi
grep -q 'dr_drill: no go. Readiness found 1 problem(s): failover group fg-orders: Refused before any change: the primary side of fg-orders does not answer' "$workdir/outage-drill.txt"
check no-go "$(latest dr_drill)"
[ "$(check writes "$since" | "$python" -c 'import json, sys; print(len(json.load(sys.stdin)))')" = 0 ]
if run dr_failover "$outage" -e dr_failover_mode=planned_then_forced -e dr_confirm=contoso-outage "$@" \
    > "$workdir/outage-unconfirmed.txt" 2>&1; then echo 'an unconfirmed forcing run went ahead' >&2; exit 1; fi
grep -q "dr_confirm must be exactly 'contoso-outage WITH DATA LOSS'" "$workdir/outage-unconfirmed.txt"
since=$(check log-size)
run dr_failover "$outage" -e dr_failover_mode=planned_then_forced -e '{"dr_confirm": "contoso-outage WITH DATA LOSS"}' "$@" \
    > "$workdir/outage-failover.txt" 2>&1 || { cat "$workdir/outage-failover.txt"; exit 1; }
grep -q 'FORCED FAILOVER POSSIBLE' "$workdir/outage-failover.txt"
check escalated "$(latest dr_failover)" "$since"
emulator DELETE outages '{}'
# The full backup after the failover: the group answers busy until the progress line says so.
emulator POST group-state '{"name": "fg-orders", "busy": true}'
since=$(check log-size)
( exec setsid ansible-playbook azure_dr.recovery.dr_failback -e "@$outage" -e dr_progress_interval=1 "$@" ) \
    > "$workdir/outage-failback.txt" 2>&1 &
groups+=($!)
until_printed "$workdir/outage-failback.txt" \
    'Still running after [0-9]+ s, 0 of 1 done: fg-orders \(Japan West: busy \(InstanceFailoverGroupBusy\), planned failover waiting'
emulator POST group-state '{"name": "fg-orders", "busy": false}'
wait "${groups[-1]}" || { cat "$workdir/outage-failback.txt"; exit 1; }
healthy "$workdir/outage-failback.txt"
grep -q '"result": "succeeded"' "$(latest dr_failback)"
[ "$(accepted_since "$since")" = 1 ]
if run dr_failback "$outage" -e dr_failover_mode=forced "$@" > "$workdir/outage-forced-failback.txt" 2>&1; then exit 1; fi
grep -q 'dr_failover_mode=forced does not apply to dr_failback' "$workdir/outage-forced-failback.txt"

# A live drill (its own target, dr_drill_live, tests it in depth; here every release runs it): there and back with
# the example checks, one report with both legs, every group confirmed back at its primary.
checks="${ANSIBLE_COLLECTIONS_PATH%%:*}/ansible_collections/azure_dr/recovery/playbooks/examples/dr_drill_validate.yml"
run dr_drill_live "$plan" -e dr_confirm=contoso-demo -e dr_drill_soak_seconds=1 -e dr_drill_validate_tasks="$checks" "$@" \
    > "$workdir/live-drill.txt" 2>&1 || { cat "$workdir/live-drill.txt"; exit 1; }
healthy "$workdir/live-drill.txt"
"$python" -c 'import json, sys; r = json.load(open(sys.argv[1])); assert r["result"] == "succeeded" and [l["result"] for l in r["legs"]] == ["succeeded", "succeeded"] and [c["ok"] for c in r["checks"]] == [True, True], r' "$(latest dr_drill_live)"

# No deprecation and no warning but those allowed, in the output of any run above (every release of
# ansible-core the collection claims runs this target: tests/compat).
"$python" "${ANSIBLE_COLLECTIONS_PATH%%:*}/ansible_collections/azure_dr/recovery/tests/compat/check_warnings.py" "$workdir"/*.txt
echo 'DR playbooks: all checks passed'
