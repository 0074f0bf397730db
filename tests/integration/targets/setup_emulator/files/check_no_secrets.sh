#!/usr/bin/env bash
# Usage: check_no_secrets.sh PLAYBOOK MODULE [ansible-playbook arguments...]
# Starts an emulator, runs PLAYBOOK with -vvv and checks that MODULE ran and that neither the secret
# nor any token appears in the output.
set -eu
playbook=$1 module=$2
shift 2

# The -vvv run gets its credentials the way AWX gives them: in the environment of ansible-playbook
# itself. (Ansible prints variables set with the `environment:` keyword in -vvv output; AWX does not
# use that keyword, and neither should users for secrets.)
workdir=$(mktemp -d)
python="${ANSIBLE_TEST_PYTHON_INTERPRETER:-python}"
PYTHONPATH="${ANSIBLE_COLLECTIONS_PATH%%:*}/ansible_collections/azure_dr/recovery/tests" \
    "$python" -m azure_dr_emulator --port 0 --state "$workdir/state.json" --ready-file "$workdir/ready.json" \
    --idle-exit 60 > "$workdir/emulator.log" 2>&1 &
emulator_pid=$!
trap 'kill "$emulator_pid" 2>/dev/null || true; rm -rf "$workdir"' EXIT
for _ in $(seq 100); do [ -s "$workdir/ready.json" ] && break; sleep 0.1; done
eval "$("$python" - "$workdir/ready.json" <<'PY'
import json, shlex, sys
ready = json.load(open(sys.argv[1]))
env = dict(ready['environment'], AZURE_CLIENT_ID='0f1e2d3c-4b5a-4697-8877-665544332211',
           AZURE_SECRET='emulator-only-secret-1', AZURE_TENANT='6b7a1c2e-3f4d-4e5a-9b8c-7d6e5f4a3b2c',
           AZURE_SUBSCRIPTION_ID='00000000-1111-2222-3333-444444444444')
print('\n'.join('export %s=%s' % (name, shlex.quote(value)) for name, value in env.items()))
PY
)"
ansible-playbook "$playbook" -vvv "$@" > "$workdir/vvv.txt" 2>&1
grep -q "AnsiballZ_${module}" "$workdir/vvv.txt"  # the module really ran
if grep -n -e "$AZURE_SECRET" -e 'eyJ' "$workdir/vvv.txt"; then
    echo 'A secret or a token appears in the -vvv output' >&2
    exit 1
fi
echo 'No secret and no token in the -vvv output'
