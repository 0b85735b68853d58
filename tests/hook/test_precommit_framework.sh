#!/bin/sh
# The pre-commit framework (https://pre-commit.com) with this checkout's .pre-commit-hooks.yaml,
# through real 'git commit's in repositories this test creates:
#   - the manifest validates (pre-commit validate-manifest);
#   - a hooks repository holding it is pinned by commit sha (rev: <sha>, as docs/ci.md says);
#   - in a scratch repository using it, a clean commit passes and a commit adding an AWS key pair
#     is refused (nothing committed, the secret not printed).
# Skipped (exit 77) when the 'pre-commit' command is not installed (scripts/setup.sh installs it).
#   test_precommit_framework.sh /path/to/fallback-scan /path/to/source-tree
set -eu
bin="$1"
src="$2"
if ! command -v pre-commit >/dev/null 2>&1; then
    echo "SKIP: the 'pre-commit' command is not installed (apt-get install pre-commit, or" \
        "scripts/setup.sh)"
    exit 77
fi
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
bindir="$(cd "$(dirname "$bin")" && pwd)"
[ "$(basename "$bin")" = fallback-scan ] || { echo "FAIL: $bin is not named fallback-scan"; exit 1; }
# The manifest's entry runs 'fallback-scan' from PATH: the binary under test comes first.
export PATH="$bindir:$PATH"
export HOME="$tmp" GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null \
    PRE_COMMIT_HOME="$tmp/pre-commit-cache" FALLBACK_SCAN_CACHE="$tmp/cache" TZ=UTC
export GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@example.com GIT_COMMITTER_NAME=t \
    GIT_COMMITTER_EMAIL=t@example.com \
    GIT_AUTHOR_DATE=2026-01-15T00:00:00Z GIT_COMMITTER_DATE=2026-01-15T00:00:00Z
fail() { echo "FAIL: $*" >&2; exit 1; }
g() { git -c init.defaultBranch=main -c commit.gpgsign=false "$@"; }
pre-commit --version

pre-commit validate-manifest "$src/.pre-commit-hooks.yaml" || fail "the manifest is rejected"

# The hooks repository: the manifest as this checkout has it, committed; pinned by its sha.
hooks="$tmp/fallback-scan-hooks"
g init -q "$hooks"
cp "$src/.pre-commit-hooks.yaml" "$hooks/"
(cd "$hooks" && g add .pre-commit-hooks.yaml && g commit -qm "hooks manifest")
rev="$(cd "$hooks" && git rev-parse HEAD)"

repo="$tmp/repo"
g init -q "$repo"
cd "$repo"
cat > .pre-commit-config.yaml <<EOF
repos:
  - repo: $hooks
    rev: $rev
    hooks:
      - id: fallback-scan
EOF
pre-commit validate-config .pre-commit-config.yaml || fail "the documented config is rejected"
pre-commit install >/dev/null || fail "pre-commit install"

# A clean commit passes (the configuration must be staged: pre-commit insists).
echo "# payments service" > README.md
g add README.md .pre-commit-config.yaml
g commit -qm "readme" >"$tmp/out" 2>&1 || fail "a clean commit was refused: $(cat "$tmp/out")"
grep -q "fallback-scan" "$tmp/out" || fail "the hook did not run: $(cat "$tmp/out")"
# No deprecation warning either (pre-commit 4 warns about the stage name 'commit').
grep -q "WARNING" "$tmp/out" && fail "pre-commit warned: $(cat "$tmp/out")"
[ "$(git rev-list --count HEAD)" = 1 ] || fail "the clean commit was not made"

# A plain AWS key pair (scored medium, not a fallback credential): refused.
printf 'aws_access_key_id = "AKIAR7MQ2LXW5NBTZ4KP"\naws_secret_access_key = "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"\n' \
    > deploy.tfvars
g add deploy.tfvars
if g commit -qm "deploy key" >"$tmp/out" 2>&1; then
    fail "a staged AWS key was committed: $(cat "$tmp/out")"
fi
grep -q "Failed" "$tmp/out" || fail "pre-commit did not report the hook failing: $(cat "$tmp/out")"
grep -q "staged for commit at deploy.tfvars" "$tmp/out" ||
    fail "no 'staged for commit' reason: $(cat "$tmp/out")"
grep -q "AKIAR7MQ2LXW5NBTZ4KP" "$tmp/out" && fail "the hook printed the secret unredacted"
[ "$(git rev-list --count HEAD)" = 1 ] || fail "a commit was made"

# Without the key, the commit goes through.
g rm -q --cached deploy.tfvars
rm deploy.tfvars
echo "more" >> README.md
g add README.md
g commit -qm "docs" >"$tmp/out" 2>&1 || fail "a clean commit was refused: $(cat "$tmp/out")"
[ "$(git rev-list --count HEAD)" = 2 ] || fail "the second clean commit was not made"
echo "ok: pre-commit $(pre-commit --version | cut -d' ' -f2) refuses a staged AWS key pair and" \
    "passes clean commits"
