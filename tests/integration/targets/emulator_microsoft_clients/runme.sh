#!/usr/bin/env bash
# Microsoft's own Python clients drive the emulator as they drive Azure (clients.py): azure-mgmt-sql's
# SqlManagementClient (base_url, and azure-identity's ClientSecretCredential with authority and
# disable_instance_discovery) and microsoft-fabric-api's FabricAdminClient (base_url ending in /). Test dependencies
# only (requirements-dev.txt); the collection never imports them. The failovers are counted (failover_polls), the lists
# paged small so that both clients follow nextLink and continuationUri; the trap ends the emulator.
set -eux
base=$(mktemp -d)  # (not "workdir": start_emulator.sh sets that)
EMULATOR_PID=
cleanup() {
    [ -z "$EMULATOR_PID" ] || kill "$EMULATOR_PID" 2>/dev/null || true
    rm -rf "$base"
}
trap cleanup EXIT
python="${ANSIBLE_TEST_PYTHON_INTERPRETER:-python}"
set +x
# shellcheck source=../setup_emulator/files/start_emulator.sh
source ../setup_emulator/files/start_emulator.sh "$base"
set -x
# Both polling headers on a failover's 202 (as Azure sends them), two polls answered running, pages of two.
emulator POST settings '{"failover_polls": 2, "arm_async_operation": true, "arm_page_size": 2, "fabric_page_size": 2}' > /dev/null
"$python" clients.py
echo "Microsoft's clients against the emulator: all checks passed"
