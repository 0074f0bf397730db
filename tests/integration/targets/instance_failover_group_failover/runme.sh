#!/usr/bin/env bash
# Drives instance_failover_group_failover through real playbooks against the emulator, with the
# credentials only as AWX-named environment variables; then checks that a -vvv run prints no secret.
set -eux
export ANSIBLE_ROLES_PATH=../

ansible-playbook main.yml "$@"
../setup_emulator/files/check_no_secrets.sh no_secrets.yml instance_failover_group_failover "$@"
