#!/usr/bin/env bash
# The live drill (dr_drill_live) against the emulator: refused without its confirmation and beyond
# dr_drill_max_groups, before any call; check mode reads only; the demo plan failed over, checked, soaked and
# failed back (every group where it started, one report with both legs, rendered in Chromium); a failing check
# (recorded, the failback still happens; or, when asked, the groups left in the DR region, loudly); an
# unreachable check host; a failback that first meets the busy window after the failover; and the playbook
# killed during the soak, then run again (everything back at its primary).
set -eux -o pipefail
# ansible-test turns deprecation warnings off; this target must see them (tests/compat/check_warnings.py).
export ANSIBLE_DEPRECATION_WARNINGS=true
workdir=$(mktemp -d)
set +x
# shellcheck source=../setup_emulator/files/start_emulator.sh
source ../setup_emulator/files/start_emulator.sh "$workdir"
set -x
group=
cleanup() {
    [ -n "$group" ] && kill -9 -- "-$group" 2>/dev/null || true
    pkill -9 -f "$workdir/killed/tmp/" 2>/dev/null || true
    kill "$EMULATOR_PID" 2>/dev/null || true
    rm -rf "$workdir"
}
trap cleanup EXIT
python="${ANSIBLE_TEST_PYTHON_INTERPRETER:-python}"
collection="${ANSIBLE_COLLECTIONS_PATH%%:*}/ansible_collections/azure_dr/recovery"
check() { "$python" check.py "$@"; }
plan="$workdir/plan.yml"
sed "s|^  report_dir: .*|  report_dir: $workdir/reports|" "$collection/playbooks/plans/demo.yml" > "$plan"
emulator POST settings '{"failover_polls": 1}'  # each failover runs for one poll
drill() { ansible-playbook azure_dr.recovery.dr_drill_live -e "@$plan" "$@"; }
latest() { ls -t "$workdir"/reports/*-dr_drill_live-*.json | head -1; }
refused() {  # refused WHAT ARGS...: the run fails, says WHAT, and sends nothing
    local since
    since=$(check log-size)
    if drill "${@:2}" > "$workdir/refused.txt" 2>&1; then echo "accepted: ${*:2}" >&2; exit 1; fi
    grep -q "$1" "$workdir/refused.txt"
    [ "$(check log-size)" = "$since" ]
}

# Before any call: the confirmation (always, for a live drill), the group guard, no forcing, the checks' file.
refused "dr_confirm is required: type 'contoso-demo' to confirm this dr_drill_live"
refused 'more than dr_drill_max_groups (1)' -e dr_confirm=contoso-demo -e dr_drill_max_groups=1
refused 'a live drill never forces a failover' -e dr_confirm=contoso-demo -e dr_allow_data_loss=true
refused "dr_drill_validate_tasks must name a task file" -e dr_confirm=contoso-demo -e dr_drill_validate_tasks=missing.yml
printf -- '- name: A check that does not load\n  ansible.builtin.uir: {url: "https://app.example"}\n' > "$workdir/misspelt.yml"
refused 'does not load, so no check could run' -e dr_confirm=contoso-demo -e dr_drill_validate_tasks="$workdir/misspelt.yml"
refused 'dr_run_rehearsal is set by the DR playbooks themselves' -e dr_confirm=contoso-demo -e dr_run_rehearsal=true

# Check mode reads only: no failover sent, and a report of both legs as they would go.
since=$(check log-size)
drill --check -e dr_drill_validate_tasks="$collection/playbooks/examples/dr_drill_validate.yml"
[ "$(check failovers "$since")" = '[]' ]
check home
check report "$(latest)" '{"result": "rehearsed", "mode": "check", "failover": ["would fail over", "would fail over"],
    "failback": ["none", "none"], "checks": []}'

# The drill of the demo plan: both groups to their DR regions and back, the example checks passing after each leg
# (the soak counts from the end of the failover: the checks take part of it, and on a busy machine may take all of it,
# so the report's legs say that the failback waited the soak out, not the pause's banner).
since=$(check log-size)
cd "$workdir" && cp "$collection/playbooks/examples/dr_drill_validate.yml" checks.yml
drill -e dr_confirm=contoso-demo -e dr_drill_soak_seconds=8 -e dr_drill_validate_tasks=checks.yml | tee "$workdir/drill.txt"
cd - > /dev/null
check home
[ "$(check failovers "$since" | "$python" -c 'import json, sys; print(sum(s == 202 for s, _ in json.load(sys.stdin)))')" = 4 ]
# A healthy drill says FAILED nowhere (the trace is off while it looks: this test's own output has the word).
{ set +x; } 2>/dev/null
if grep -n 'FAILED' "$workdir/drill.txt"; then echo 'a healthy live drill printed FAILED' >&2; exit 1; fi
set -x
check report "$(latest)" '{"result": "succeeded", "mode": "run", "failover": ["failed over", "failed over"],
    "failback": ["failed back", "failed back"], "checks": [["failover", true], ["failback", true]], "soaked_at_least": 8}'

# A failing check is recorded, and the failback still happens; the run fails and says why.
cat > "$workdir/failing.yml" <<'YAML'
- name: The listener answers
  ansible.builtin.assert:
    that: dr_drill_leg != 'failover'
    fail_msg: the listener did not answer
YAML
if drill -e dr_confirm=contoso-demo -e dr_drill_soak_seconds=30 -e dr_drill_validate_tasks="$workdir/failing.yml" \
    > "$workdir/failing.txt" 2>&1; then echo 'a failing check did not fail the drill' >&2; exit 1; fi
check home
grep -q "The check after the failover failed at 'The listener answers'" "$workdir/failing.txt"
if grep -q 'Pausing for' "$workdir/failing.txt"; then echo 'soaked after a failed check' >&2; exit 1; fi
check report "$(latest)" '{"result": "failed", "mode": "run", "failover": ["failed over", "failed over"],
    "failback": ["failed back", "failed back"],
    "checks": [["failover", false, "the listener did not answer"], ["failback", true]]}'

# dr_drill_fail_back_on_validation_failure=false: a failing check leaves the groups in the DR region, said loudly
# (the run's output and the report), and a run again brings them back.
if drill -e dr_confirm=contoso-demo -e dr_drill_validate_tasks="$workdir/failing.yml" \
    -e dr_drill_fail_back_on_validation_failure=false > "$workdir/left.txt" 2>&1; then exit 1; fi
check at-dr
grep -q 'LEFT IN THE DR REGION: fg-sales, fg-finance: not failed back: a check after the failover failed' "$workdir/left.txt"
"$python" -c 'import json, sys; r = json.load(open(sys.argv[1])); assert [g["name"] for g in r["left_in_dr_region"]] == ["fg-sales", "fg-finance"], r' \
    "$(latest)"
drill -e dr_confirm=contoso-demo -e dr_drill_soak_seconds=0
check home

# A check whose host is unreachable (it would end a play): recorded, and the failback still happens.
cat > "$workdir/unreachable.yml" <<'YAML'
- name: The application server answers
  ansible.builtin.ping:
  delegate_to: app-server
  vars: {ansible_connection: ssh, ansible_host: 127.0.0.1, ansible_port: 9, ansible_ssh_common_args: -o ConnectTimeout=2}
YAML
if drill -e dr_confirm=contoso-demo -e dr_drill_soak_seconds=0 -e dr_drill_validate_tasks="$workdir/unreachable.yml" \
    > "$workdir/unreachable.txt" 2>&1; then echo 'an unreachable check did not fail the drill' >&2; exit 1; fi
check home
check report "$(latest)" '{"result": "failed", "mode": "run", "failover": ["failed over", "failed over"],
    "failback": ["failed back", "failed back"],
    "checks": [["failover", false, "the checks ended with code 4: a host they use was unreachable, or their play could not start"],
               ["failback", false, "the checks ended with code 4: a host they use was unreachable, or their play could not start"]]}'

# The example check can fail: after a drill (every group home), run as if after a failover, it names both groups.
cat > "$workdir/example.yml" <<YAML
- name: The example check, out of place
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Run it
      ansible.builtin.include_tasks: $collection/playbooks/examples/dr_drill_validate.yml
      vars:
        dr_drill_leg: failover
        dr_drill_auth: {}
        dr_drill_groups: [{name: fg-sales, location: Japan East, resource_group: rg-sql-dr},
                          {name: fg-finance, location: West US, resource_group: rg-sql-dr}]
YAML
if ansible-playbook "$workdir/example.yml" -e "@$plan" > "$workdir/example.txt" 2>&1; then exit 1; fi
grep -q 'after the failover, not primary where expected: fg-sales, fg-finance' "$workdir/example.txt"

# The failback meets the busy window that follows a failover (its first two requests answered 409, counted by the
# emulator): it waits it out and fails back.
emulator POST settings '{"post_failover_busy_requests": 2}'
since=$(check log-size)
drill -e dr_confirm=contoso-demo -e dr_drill_soak_seconds=0
emulator POST settings '{"post_failover_busy_requests": 0}'
for name in fg-sales fg-finance; do  # the busy requests the failback left on each group
    emulator POST group-state "{\"name\": \"$name\", \"busy_requests\": 0}"
done
check home
check failovers "$since" | "$python" -c '
import json, sys
statuses = [status for status, _path in json.load(sys.stdin)]
assert 409 in statuses and statuses.count(202) == 4, statuses'
check report "$(latest)" '{"result": "succeeded", "mode": "run", "failover": ["failed over", "failed over"],
    "failback": ["failed back", "failed back"], "checks": []}'

# Killed during the soak (the groups in their DR regions), then run again: everything back at its primary.
mkdir -p "$workdir/killed"
( cd "$workdir/killed" && ANSIBLE_REMOTE_TMP="$workdir/killed/tmp" exec setsid timeout 300 ansible-playbook \
    azure_dr.recovery.dr_drill_live -e "@$plan" -e dr_confirm=contoso-demo -e dr_drill_soak_seconds=120 ) \
    > "$workdir/killed.txt" 2>&1 &
group=$!
# (The soak task's banner: ansible-playbook's own output to a file is flushed at each banner, not at each line.)
soaking() { grep -q 'TASK \[Soak in the DR region' "$workdir/killed.txt"; }
for _ in $(seq 120); do soaking && break; sleep 0.5; done
soaking || { cat "$workdir/killed.txt"; exit 1; }
check at-dr
kill -9 -- "-$group"
wait "$group" || true
group=
reports=$(ls "$workdir"/reports/*-dr_drill_live-*.json | wc -l)
drill -e dr_confirm=contoso-demo -e dr_drill_soak_seconds=0
check home
[ "$(ls "$workdir"/reports/*-dr_drill_live-*.json | wc -l)" = $((reports + 1)) ]
check report "$(latest)" '{"result": "succeeded", "mode": "run", "failover": ["none", "none"],
    "failback": ["failed back", "failed back"], "checks": []}'

# Every report page, both legs on one timeline, and the run history, in Chromium.
"$python" "$collection/tests/utils/check_report_pages.py" --out "$workdir/pages" "$workdir/reports"
