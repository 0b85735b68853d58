#!/usr/bin/env bash
set -euo pipefail
export AWS_SECRET_ACCESS_KEY="$(vault kv get -field=secret_access_key secret/breakglass/aws)"
new_password="$(openssl rand -base64 24)"
echo "rotated at $(date -u +%FT%TZ)"
