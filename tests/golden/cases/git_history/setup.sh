#!/bin/sh
# A repository with a break-glass key added in one commit and removed in the next: history-only.
set -e
export GIT_AUTHOR_NAME="Ops Bot" GIT_AUTHOR_EMAIL="ops@example.com"
export GIT_COMMITTER_NAME="Ops Bot" GIT_COMMITTER_EMAIL="ops@example.com"
g() { git -c init.defaultBranch=main -c commit.gpgsign=false "$@"; }
g init -q repo
cd repo
printf 'region = "eu-west-1"\n' > main.tf
g add main.tf
GIT_AUTHOR_DATE="2025-01-10T09:00:00Z" GIT_COMMITTER_DATE="2025-01-10T09:00:00Z" g commit -qm "initial infrastructure"
mkdir -p breakglass
printf '# emergency access, rotate after use\nbreakglass_access_key_id = "AKIAR7MQ2LXW5NBTZ4KP"\n' > breakglass/aws.tfvars
g add breakglass
GIT_AUTHOR_DATE="2025-03-02T10:30:00Z" GIT_COMMITTER_DATE="2025-03-02T10:30:00Z" g commit -qm "add emergency access key"
g rm -q -r breakglass
GIT_AUTHOR_DATE="2025-03-05T08:00:00Z" GIT_COMMITTER_DATE="2025-03-05T08:00:00Z" g commit -qm "remove emergency key from repo"
