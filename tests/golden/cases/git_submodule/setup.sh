#!/bin/sh
# A repository with a submodule (a gitlink): its files are not scanned, and the report says so
# without --verbose (a notice, stats.skipped.submodule, the text report's skipped line).
set -e
export GIT_AUTHOR_NAME="Ops Bot" GIT_AUTHOR_EMAIL="ops@example.com"
export GIT_COMMITTER_NAME="Ops Bot" GIT_COMMITTER_EMAIL="ops@example.com"
export GIT_AUTHOR_DATE="2025-01-10T09:00:00Z" GIT_COMMITTER_DATE="2025-01-10T09:00:00Z"
g() { git -c init.defaultBranch=main -c commit.gpgsign=false "$@"; }
g init -q repo
cd repo
printf 'region = "eu-west-1"\n' > main.tf
g add main.tf
g update-index --add --cacheinfo 160000,0123456789abcdef0123456789abcdef01234567,vendor/vault-tools
g commit -qm "infrastructure with a vendored submodule"
