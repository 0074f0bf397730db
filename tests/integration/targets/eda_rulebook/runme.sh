#!/usr/bin/env bash
# The real ansible-rulebook (1.3.2, requirements-dev.txt; Java 17, which `make test` installs when missing) runs the
# collection's rulebook azure_dr.recovery.dr_watch, with its two event sources, against the emulator and a stand-in
# of the AAP controller API (controller_standin.py). scenario.py drives it through control calls and checks what it
# received, ran and launched: healthy estate, an outage (drill, approval workflow), a Microsoft-managed failover
# (confirmed, no failover sent), a deleted workspace (restored). ansible-rulebook exits 0 even when a playbook
# failed: nothing here looks at its exit code. Every process started here is ended on exit, also on failure.
set -eux
workdir=$(mktemp -d)
set +x
# shellcheck source=../setup_emulator/files/start_emulator.sh
source ../setup_emulator/files/start_emulator.sh "$workdir"
set -x
python="${ANSIBLE_TEST_PYTHON_INTERPRETER:-python}"
standin_pid='' rulebooks=()
cleanup() {
    # Each ansible-rulebook runs in a process group of its own (setsid), with the playbooks it started.
    for group in "${rulebooks[@]}"; do kill -TERM -- "-$group" 2>/dev/null || true; done
    if [ -n "$standin_pid" ]; then kill "$standin_pid" 2>/dev/null || true; fi
    kill "$EMULATOR_PID" 2>/dev/null || true
    for group in "${rulebooks[@]}"; do
        for _ in $(seq 50); do kill -0 -- "-$group" 2>/dev/null || break; sleep 0.1; done
        kill -KILL -- "-$group" 2>/dev/null || true
    done
    rm -rf "$workdir"
}
trap cleanup EXIT
started=$(date +%s)

command -v java >/dev/null || { echo 'java is required (make java installs openjdk-17-jre-headless)' >&2; exit 1; }
command -v ansible-rulebook >/dev/null || { echo 'ansible-rulebook is required (requirements-dev.txt)' >&2; exit 1; }
# drools-jpy starts the JVM that JAVA_HOME names.
export JAVA_HOME="${JAVA_HOME:-$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")}"
ansible-rulebook --version

# The demo plan as a project keeps it: plans/<name>.yml, its reports in the work folder; a region that does not
# answer costs a drill 3 s, not 30.
collection="${ANSIBLE_COLLECTIONS_PATH%%:*}/ansible_collections/azure_dr/recovery"
mkdir -p "$workdir/plans" "$workdir/reports"
sed -e "s|^  report_dir: .*|  report_dir: $workdir/reports|" -e 's|^  allow_data_loss: false|  primary_read_timeout: 3|' \
    "$collection/playbooks/plans/demo.yml" > "$workdir/plans/contoso-demo.yml"
grep -q 'primary_read_timeout: 3' "$workdir/plans/contoso-demo.yml"
# A 503 of the region out says retry after 1 s: the watch's 2 s read budget sees it fail within one poll.
emulator POST settings '{"outage_retry_after": 1}' >/dev/null

# The controller stand-in, on loopback over HTTPS with the emulator's certificate (ansible-rulebook verifies it against
# their CA); its token is made here and given to ansible-rulebook only (the trace is off wherever it is used: no token
# in this test's output).
set +x
token=$("$python" -c 'import secrets; print(secrets.token_hex(16))')
"$python" controller_standin.py --ready-file "$workdir/standin.json" --token "$token" --idle-exit 300 \
    --tls-cert "$workdir/tls/server.pem" --tls-key "$workdir/tls/server-key.pem" > "$workdir/standin.log" 2>&1 &
standin_pid=$!
set -x
for _ in $(seq 100); do [ -s "$workdir/standin.json" ] && break; sleep 0.1; done
standin_url=$("$python" -c 'import json, sys; print(json.load(open(sys.argv[1]))["url"])' "$workdir/standin.json")

cat > "$workdir/inventory.yml" <<EOF
all:
  hosts:
    localhost:
      ansible_connection: local
      ansible_python_interpreter: $(command -v "$python")
EOF
# Polls every second (the emulator is local), a region unreachable after 2 failed polls.
cat > "$workdir/vars.yml" <<EOF
dr_watch_plan_name: contoso-demo
dr_watch_plan_dir: $workdir/plans
dr_watch_interval: 1
dr_watch_unreachable_after: 2
dr_watch_read_timeout: 2
dr_watch_workspace_interval: 1
dr_watch_max_reads_per_hour: 100000
dr_watch_max_listings_per_hour: 100000
dr_watch_workspace_action: restore
EOF

# ansible-rulebook polls the controller's jobs every EDA_JOB_TEMPLATE_REFRESH_DELAY seconds (10 by default).
# Python unbuffered: its output reaches the log as it prints (scenario.py reads the events from it).
# rulebook VARS LOG: ansible-rulebook with dr_watch and those variables, in the background; its process group is the
# last of "${rulebooks[@]}".
rulebook() {
    { set +x; } 2>/dev/null
    ( cd "$workdir" && EDA_JOB_TEMPLATE_REFRESH_DELAY=0.5 PYTHONUNBUFFERED=1 exec setsid ansible-rulebook \
        -r azure_dr.recovery.dr_watch -i inventory.yml --vars "$1" --print-events \
        --controller-url "$standin_url" --controller-token "$token" --controller-ssl-verify "$REQUESTS_CA_BUNDLE" ) > "$2" 2>&1 &
    rulebooks+=($!)
    set -x
}
rulebook vars.yml "$workdir/rulebook.log"
if ! "$python" scenario.py "$workdir"; then
    tail -n 200 "$workdir/rulebook.log"
    exit 1
fi
kill -0 "${rulebooks[-1]}"  # still watching: no source ended, no rule stopped it
kill -TERM -- "-${rulebooks[-1]}"

# dr_watch_workspace_action: approve - a deleted workspace asks a person instead (the workflow, limited to it).
sed 's/^dr_watch_workspace_action: restore$/dr_watch_workspace_action: approve/' "$workdir/vars.yml" > "$workdir/approve.yml"
rulebook approve.yml "$workdir/approve.log"
if ! "$python" scenario.py "$workdir" approve; then
    tail -n 100 "$workdir/approve.log"
    exit 1
fi
kill -TERM -- "-${rulebooks[-1]}"
# The same scope and confirm-only runs as a person runs them: check mode and idempotence (no rulebook).
"$python" scenario.py "$workdir" scope
# No secret in what ansible-rulebook printed: neither the emulator's client secret nor the controller token.
set +x
if grep -q -e "$AZURE_SECRET" -e "$token" "$workdir/rulebook.log" "$workdir/approve.log"; then
    echo 'a secret in the rulebook output' >&2; exit 1
fi
set -x
echo "eda_rulebook: $(($(date +%s) - started)) s"
