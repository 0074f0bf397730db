#!/usr/bin/env bash
# The DR playbooks run the way AWX runs them (credentials in the environment of ansible-playbook)
# against the emulator: bad plan, drill, failover, idempotent re-run, failback, a failing group,
# and a run killed in the middle then run again. Reports are checked against the emulator's log.
set -eux
workdir=$(mktemp -d)
set +x
# shellcheck source=../setup_emulator/files/start_emulator.sh
source ../setup_emulator/files/start_emulator.sh "$workdir"
set -x
trap 'kill "$EMULATOR_PID" 2>/dev/null || true; pkill -f "$workdir/interrupted" || true; rm -rf "$workdir"' EXIT
python="${ANSIBLE_TEST_PYTHON_INTERPRETER:-python}"
check() { "$python" check.py "$@"; }
plan="$workdir/plan.yml"
sed "s|^  report_dir: .*|  report_dir: $workdir/reports|" \
    "${ANSIBLE_COLLECTIONS_PATH%%:*}/ansible_collections/azure_dr/recovery/playbooks/plans/demo.yml" > "$plan"
emulator POST settings '{"failover_seconds": 3}'
run() { ansible-playbook "azure_dr.recovery.$1" -e "@$2" "${@:3}"; }
latest() { ls -t "$workdir"/reports/*-"$1"-*.json | head -1; }

# A bad plan: every problem listed at once, and not one request sent.
if run dr_failover bad_plan.yml "$@" > "$workdir/bad.txt" 2>&1; then echo 'a bad plan was accepted' >&2; exit 1; fi
for problem in "unknown key 'colour'" 'dr_location is required' 'resource_group must be 1 to 90' \
    'primary_location and dr_location must differ' 'id must be a UUID' 'needs exactly one of id and name' \
    'type must be one of'; do
    grep -q "$problem" "$workdir/bad.txt"
done
[ "$(check log-size)" = 0 ]

# Drill: the same reads and decisions, nothing written, a report of what would be done.
# Run as AWX runs it: the job's id and template name are in the report.
since=$(check log-size); run dr_drill "$plan" -e '{"awx_job_id": 42, "awx_job_template_name": "DR drill"}' "$@"
check report "$(latest dr_drill)" '{"plan": "contoso-demo", "playbook": "dr_drill", "mode": "check", "result": "rehearsed",
    "awx_job_id": 42, "awx_job_template_name": "DR drill", "actions": {"would fail over": 2, "would restore": 3}}' "$since"

# Failover, then again: the second run changes nothing and writes nothing.
since=$(check log-size); run dr_failover "$plan" "$@"
check report "$(latest dr_failover)" '{"plan": "contoso-demo", "playbook": "dr_failover", "mode": "run", "result": "succeeded",
    "actions": {"failed over": 2, "restored": 3}}' "$since"
sleep 1  # report file names carry the second the run started
since=$(check log-size); run dr_failover "$plan" "$@"
check report "$(latest dr_failover)" '{"plan": "contoso-demo", "playbook": "dr_failover", "mode": "run", "result": "succeeded",
    "actions": {"none": 5}}' "$since"

# Failback with one group failing: the other goes through, the report says which failed and why.
emulator POST lro-faults '{"api": "arm", "code": "FailoverAborted", "message": "the partner instance went away"}'
since=$(check log-size)
if run dr_failback "$plan" "$@" > "$workdir/failback.txt" 2>&1; then echo 'the failback did not fail' >&2; exit 1; fi
grep -q 'dr_failback failed for: fg-' "$workdir/failback.txt"
report=$(latest dr_failback)
check report "$report" '{"plan": "contoso-demo", "playbook": "dr_failback", "mode": "run", "result": "failed",
    "actions": {"failed over": 1, "error": 1}}' "$since"
grep -q 'FailoverAborted' "${report%.json}.md"

# A failback killed while its failover runs, then run again: it converges, failing over only once.
emulator POST settings '{"failover_seconds": 8}'
since=$(check log-size)
mkdir -p "$workdir/interrupted"
# A temporary directory of its own, so that the kill below finds this run's module process and no other.
( cd "$workdir/interrupted" && ANSIBLE_REMOTE_TMP="$workdir/interrupted/tmp" exec ansible-playbook azure_dr.recovery.dr_failback -e "@$plan" "$@" ) > "$workdir/killed.txt" 2>&1 &
victim=$!
for _ in $(seq 60); do
    [ "$(check writes "$since" | "$python" -c 'import json, sys; print(sum(w["status"] == 202 for w in json.load(sys.stdin)))')" = 1 ] && break
    sleep 0.5
done
kill -9 "$victim"; pkill -9 -f "$workdir/interrupted/tmp/" || true
sleep 1
run dr_failback "$plan" "$@"
accepted=$(check writes "$since" | "$python" -c 'import json, sys; print(sum(w["status"] == 202 for w in json.load(sys.stdin)))')
[ "$accepted" = 1 ]
grep -q '"result": "succeeded"' "$(latest dr_failback)"
echo 'DR playbooks: all checks passed'
