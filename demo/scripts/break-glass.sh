#!/usr/bin/env bash
# Open a break-glass AWS session. Secrets come from 1Password, never from this repo.
set -euo pipefail
: "${INCIDENT:?set INCIDENT=INC-xxxx}"

export AWS_ACCESS_KEY_ID="$(op read 'op://Platform Break Glass/aws-breakglass-admin/access_key_id')"
export AWS_SECRET_ACCESS_KEY="$(op read 'op://Platform Break Glass/aws-breakglass-admin/secret_access_key')"
export AWS_DEFAULT_REGION=eu-west-1

logger -t break-glass "session opened by $USER for $INCIDENT"
aws sts get-caller-identity
exec "$SHELL" -l
