#!/usr/bin/env bash
# Rotate a credential set after use. Usage: scripts/rotate.sh breakglass|ci
set -euo pipefail
export VAULT_ADDR=${VAULT_ADDR:-https://vault.kestrel.example:8200}

case "${1:-}" in
  breakglass)
    OLD_KEY_ID="$(vault kv get -field=access_key_id secret/platform/breakglass/aws)"
    export AWS_ACCESS_KEY_ID="$OLD_KEY_ID"
    export AWS_SECRET_ACCESS_KEY="$(vault kv get -field=secret_access_key secret/platform/breakglass/aws)"
    NEW="$(aws iam create-access-key --user-name breakglass-admin --output json)"
    vault kv put secret/platform/breakglass/aws \
      access_key_id="$(jq -r .AccessKey.AccessKeyId <<<"$NEW")" \
      secret_access_key="$(jq -r .AccessKey.SecretAccessKey <<<"$NEW")"
    aws iam delete-access-key --user-name breakglass-admin --access-key-id "$OLD_KEY_ID"
    ;;
  ci)
    gh secret set AWS_SECRET_ACCESS_KEY --repo kestrel/infra --body "$(vault kv get -field=secret_access_key secret/platform/ci/aws)"
    ;;
  *)
    echo "usage: $0 breakglass|ci" >&2; exit 64 ;;
esac
