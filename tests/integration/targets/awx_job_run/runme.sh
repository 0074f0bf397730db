#!/usr/bin/env bash
# DR jobs run the way AWX runs them: ansible-runner, a private data directory with env/envvars holding
# only what the job's credentials inject, env/extravars holding the survey answers and AWX's job
# variables, and the project's playbooks in project/. See awx_job.py.
set -eux
workdir=$(mktemp -d)
set +x
# shellcheck source=../setup_emulator/files/start_emulator.sh
source ../setup_emulator/files/start_emulator.sh "$workdir"
set -x
trap 'kill "$EMULATOR_PID" 2>/dev/null || true; rm -rf "$workdir"' EXIT
# Nothing of the credentials in the process environment: the jobs get them from env/envvars only.
unset AZURE_CLIENT_ID AZURE_SECRET AZURE_TENANT AZURE_SUBSCRIPTION_ID AZURE_AUTHORITY_HOST AZURE_ARM_ENDPOINT FABRIC_API_ENDPOINT
export EMULATOR_URL
"${ANSIBLE_TEST_PYTHON_INTERPRETER:-python}" awx_job.py "$workdir"
