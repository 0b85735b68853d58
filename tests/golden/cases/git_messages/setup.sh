#!/bin/sh
# Tokens pasted into commit messages, an annotated tag message and a git note: each is found,
# with its commit as provenance; a message repeated in two commits is one finding, credited to
# the first. (Paths "<commit message>" and "<tag NAME>"; the note is a blob of refs/notes/commits.)
set -e
export GIT_AUTHOR_NAME="Ops Bot" GIT_AUTHOR_EMAIL="ops@example.com"
export GIT_COMMITTER_NAME="Ops Bot" GIT_COMMITTER_EMAIL="ops@example.com"
g() { git -c init.defaultBranch=main -c commit.gpgsign=false -c tag.gpgsign=false "$@"; }
g init -q repo
cd repo
export GIT_AUTHOR_DATE="2025-01-10T09:00:00Z" GIT_COMMITTER_DATE="2025-01-10T09:00:00Z"
printf 'region = "eu-west-1"\n' > main.tf
g add main.tf
g commit -qm "initial infrastructure"
export GIT_AUTHOR_DATE="2025-03-02T10:30:00Z" GIT_COMMITTER_DATE="2025-03-02T10:30:00Z"
printf 'region = "eu-west-2"\n' > main.tf
g commit -qam "move region

break-glass: temporarily using GITHUB_TOKEN=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 until the app is fixed"
export GIT_AUTHOR_DATE="2025-03-03T10:30:00Z" GIT_COMMITTER_DATE="2025-03-03T10:30:00Z"
printf 'region = "eu-west-3"\n' > main.tf
g commit -qam "move region

break-glass: temporarily using GITHUB_TOKEN=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 until the app is fixed"
g tag -a v1.0 -m "release 1.0
emergency_access_key = \"AKIA5UCDRD6PM6HU2ZX2\"
emergency_secret_key = \"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\""
g notes add -m "STRIPE_SECRET_KEY=sk_live_cVOmyT6a02Dsw2TR1OoxF8U2" HEAD
