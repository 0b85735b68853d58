#!/usr/bin/env bash
# Build the demo repository: demo/ committed as a small infrastructure repo with a dated history
# (so ages come from commits, as they would in a real repository), plus one break-glass key that
# was committed and later deleted (it lives on in history only).
#
#   scripts/demo-repo.sh DIR     create DIR (replacing a previous demo repository there)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
dest="${1:?usage: demo-repo.sh DIR}"
if [ -e "$dest" ] && [ ! -d "$dest/.git" ]; then
    echo "demo-repo.sh: $dest exists and is not a git repository; not replacing it" >&2
    exit 2
fi
rm -rf "$dest"
mkdir -p "$dest"
export GIT_AUTHOR_NAME="Dana Ops" GIT_AUTHOR_EMAIL="dana.ops@kestrel.example"
export GIT_COMMITTER_NAME="Dana Ops" GIT_COMMITTER_EMAIL="dana.ops@kestrel.example"
git -C "$dest" -c init.defaultBranch=main init -q
git -C "$dest" config commit.gpgsign false

# commit DATE MESSAGE PATH... : copy PATHs (relative to demo/) in and commit them at DATE.
commit() {
    local date="$1" msg="$2"
    shift 2
    (cd "$root/demo" && cp -R --parents "$@" "$dest/")
    git -C "$dest" add -A
    GIT_AUTHOR_DATE="$date" GIT_COMMITTER_DATE="$date" git -C "$dest" commit -qm "$msg"
}

commit "2024-01-10T09:12:00Z" "Initial infrastructure layout" \
    README.md .gitignore .sops.yaml .github/CODEOWNERS docker terraform/modules terraform/prod/backend.tf \
    terraform/prod/main.tf terraform/prod/outputs.tf terraform/prod/variables.tf terraform/staging k8s/base
commit "2024-01-12T16:40:00Z" "k8s: break-glass cluster-admin kubeconfig for the incident runbook" k8s/admin
commit "2024-02-14T11:05:00Z" "terraform: break-glass IAM user (emergency access)" \
    terraform/prod/breakglass.tfvars terraform/prod/terraform.tfstate.backup
commit "2024-03-04T10:00:00Z" "payments service, helm chart, CI" \
    services helm app ci .github/workflows/deploy.yml .gitlab-ci.yml .npmrc k8s/prod
commit "2024-04-22T08:30:00Z" "runbooks: break-glass and Vault recovery" docs scripts
commit "2024-05-13T10:20:00Z" "ops: nightly restic job to S3" ops/backup
commit "2024-05-20T15:45:00Z" "ops: DR restore service account for the GCP project" ops/recovery
commit "2024-06-03T13:15:00Z" "security: MFA recovery material for the root and admin accounts" \
    ops/mfa secrets
commit "2024-06-10T09:00:00Z" "ssh: emergency access key for the bastion" ssh
commit "2024-07-01T11:30:00Z" "certs: backup CA bundle and the ingress certificate" certs
commit "2024-07-15T14:10:00Z" "ansible: bastion host configuration" ansible sops
commit "2024-08-05T17:25:00Z" "ci: break-glass deploy workflow" .github/workflows/break-glass-deploy.yml \
    .fallbackscanignore

# A root key pasted during an incident, deleted the next day: gone from HEAD, not from history.
mkdir -p "$dest/terraform/prod"
cat >"$dest/terraform/prod/emergency-root.auto.tfvars" <<'TFVARS'
# INCIDENT-2291: temporary root credentials for the emergency restore. REMOVE AFTER USE.
emergency_root_access_key_id     = "AKIAV7QDKR3M5YTX2PLQ"
emergency_root_secret_access_key = "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"
TFVARS
git -C "$dest" add -A
GIT_AUTHOR_DATE="2025-02-03T02:14:00Z" GIT_COMMITTER_DATE="2025-02-03T02:14:00Z" \
    git -C "$dest" commit -qm "INCIDENT-2291: emergency root credentials for the restore"
git -C "$dest" rm -q terraform/prod/emergency-root.auto.tfvars
GIT_AUTHOR_DATE="2025-02-04T09:00:00Z" GIT_COMMITTER_DATE="2025-02-04T09:00:00Z" \
    git -C "$dest" commit -qm "Remove the incident credentials"
echo "$dest"
