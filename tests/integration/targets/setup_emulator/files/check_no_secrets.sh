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
# shellcheck source=start_emulator.sh
source "$(dirname "$0")/start_emulator.sh" "$workdir"
trap 'kill "$EMULATOR_PID" 2>/dev/null || true; rm -rf "$workdir"' EXIT
ansible-playbook "$playbook" -vvv "$@" > "$workdir/vvv.txt" 2>&1
grep -q "AnsiballZ_${module}" "$workdir/vvv.txt"  # the module really ran
if grep -n -e "$AZURE_SECRET" -e 'eyJ' "$workdir/vvv.txt"; then
    echo 'A secret or a token appears in the -vvv output' >&2
    exit 1
fi
echo 'No secret and no token in the -vvv output'
