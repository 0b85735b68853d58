#!/bin/sh
# Three repositories with the same .env (same secret, same path, same commit): one with an HTTPS
# remote that carries a token (the report must not), one with an scp-style remote, one without a
# remote (known by its path). Each finding must name its own target and have its own id.
set -e
export GIT_AUTHOR_NAME="Ops Bot" GIT_AUTHOR_EMAIL="ops@example.com"
export GIT_COMMITTER_NAME="Ops Bot" GIT_COMMITTER_EMAIL="ops@example.com"
g() { git -c init.defaultBranch=main -c commit.gpgsign=false "$@"; }
for r in alpha beta gamma; do
    g init -q "$r"
    printf 'AWS_ACCESS_KEY_ID=AKIAQ4ZT7XW2NBKM5RPL\n' > "$r/.env"
    g -C "$r" add .env
    GIT_AUTHOR_DATE="2025-02-03T04:05:06Z" GIT_COMMITTER_DATE="2025-02-03T04:05:06Z" \
        g -C "$r" commit -qm "service settings"
done
g -C alpha remote add origin "https://ci-bot:ghp_NotARealTokenButSecret0000000000000@Git.Example.com/platform/alpha.git"
g -C beta remote add origin "git@git.example.com:platform/beta.git"
