#!/usr/bin/env bash
# bench/bench_loose.sh - CPU of a history scan over loose objects (a repository before `git gc`),
# where every blob passes the loose-object guard (scanner/sources/source_loose.c).
#
#   bench/bench_loose.sh [--bin build/fallback-scan] [--base OTHER_BINARY] [--files 20000]
#                        [--size 4096] [--runs 3] [--threads 1] [--dir DIR] [--keep]
#
# Generates a repository of --files text files of about --size bytes each (pseudo-random words,
# a few with a credential) in one commit, every object loose (gc.auto=0), then runs
# `fallback-scan git REPO -f json -o /dev/null` --runs times with -j --threads under
# /usr/bin/time and prints the fastest run's wall time, user and system CPU seconds and peak
# RSS; with --base, the same for another binary (for example one built before a change), and
# the ratio. Figures are reported, not asserted. Run it once: the machine is shared.
set -euo pipefail
export LC_ALL=C

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BIN="$ROOT/build/fallback-scan"
BASE=""
FILES=20000
SIZE=4096
RUNS=3
THREADS=1
DIR=""
KEEP=0

while [ $# -gt 0 ]; do
    case "$1" in
    --bin) BIN="$2"; shift 2 ;;
    --base) BASE="$2"; shift 2 ;;
    --files) FILES="$2"; shift 2 ;;
    --size) SIZE="$2"; shift 2 ;;
    --runs) RUNS="$2"; shift 2 ;;
    --threads) THREADS="$2"; shift 2 ;;
    --dir) DIR="$2"; shift 2 ;;
    --keep) KEEP=1; shift ;;
    -h | --help) sed -n '2,13s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"; exit 0 ;;
    *) echo "bench_loose.sh: unknown argument '$1'" >&2; exit 2 ;;
    esac
done
[ -x "$BIN" ] || { echo "bench_loose.sh: no binary at $BIN (build first)" >&2; exit 2; }
[ -z "$BASE" ] || [ -x "$BASE" ] || { echo "bench_loose.sh: no binary at $BASE" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "bench_loose.sh: needs /usr/bin/time (apt-get install time)" >&2; exit 2; }

if [ -z "$DIR" ]; then
    DIR="$(mktemp -d /tmp/fbs-bench-loose-XXXXXX)"
fi
[ "$KEEP" = 1 ] || trap 'rm -rf "$DIR"' EXIT
REPO="$DIR/repo"
export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null
export GIT_AUTHOR_NAME=b GIT_AUTHOR_EMAIL=b@example.com GIT_COMMITTER_NAME=b
export GIT_COMMITTER_EMAIL=b@example.com GIT_AUTHOR_DATE=2024-01-01T00:00:00Z
export GIT_COMMITTER_DATE=2024-01-01T00:00:00Z
export FALLBACK_SCAN_CACHE="$DIR/cache"

if [ ! -d "$REPO/.git" ]; then
    git init -q -b main "$REPO"
    git -C "$REPO" config gc.auto 0
    python3 - "$REPO" "$FILES" "$SIZE" <<'EOF'
import os, random, sys
repo, n, size = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
rnd = random.Random(17)
words = ["alpha", "beta", "config", "server", "port", "timeout", "user", "name", "value",
         "region", "bucket", "retry", "path", "enabled", "level", "mode", "cache", "limit"]
for i in range(n):
    d = os.path.join(repo, "d%03d" % (i % 200))
    os.makedirs(d, exist_ok=True)
    lines, total = [], 0
    while total < size:
        line = "%s_%d = %s\n" % (rnd.choice(words), rnd.randrange(1000),
                                 " ".join(rnd.choice(words) for _ in range(6)))
        lines.append(line)
        total += len(line)
    if i % 500 == 0:
        lines.append("aws_secret_access_key = %s\n" %
                     "".join(rnd.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
                             for _ in range(40)))
    with open(os.path.join(d, "f%05d.conf" % i), "w") as f:
        f.write("".join(lines))
EOF
    git -C "$REPO" add -A
    git -C "$REPO" commit -qm "many files"
fi
loose=$(git -C "$REPO" count-objects -v | sed -n 's/^count: //p')
packed=$(git -C "$REPO" count-objects -v | sed -n 's/^in-pack: //p')
bytes=$(du -sb "$REPO" --exclude=.git | cut -f1)
echo "repository: $FILES files of ~$SIZE bytes ($bytes bytes), $loose loose objects, $packed packed"

measure() { # BIN LABEL -> prints the fastest run
    local bin="$1" label="$2" best="" line
    # a first run compiles the rules into the cache and warms the page cache
    "$bin" git "$REPO" -j "$THREADS" --now 2026-01-01T00:00:00Z -f json -o /dev/null \
        >/dev/null 2>&1 || true
    for _ in $(seq "$RUNS"); do
        /usr/bin/time -o "$DIR/time.out" -f "%e %U %S %M" "$bin" git "$REPO" -j "$THREADS" \
            --now 2026-01-01T00:00:00Z -f json -o /dev/null >/dev/null 2>&1 || true
        line=$(tail -1 "$DIR/time.out")
        # fastest by user + system CPU
        if [ -z "$best" ] || awk -v a="$line" -v b="$best" 'BEGIN { split(a, x, " ");
            split(b, y, " "); exit !(x[2] + x[3] < y[2] + y[3]) }'; then
            best="$line"
        fi
    done
    echo "$best" | awk -v l="$label" '{ printf "%-8s wall %6.2f s  user %6.2f s  sys %5.2f s  cpu %6.2f s  rss %7.1f MiB\n", l, $1, $2, $3, $2 + $3, $4 / 1024 }'
    echo "$best" > "$DIR/$label.fig"
}

echo "fallback-scan git REPO -j $THREADS, fastest of $RUNS runs:"
measure "$BIN" after
if [ -n "$BASE" ]; then
    measure "$BASE" before
    paste "$DIR/before.fig" "$DIR/after.fig" |
        awk '{ printf "cpu after/before: %.2f (%.2f s -> %.2f s)\n", ($6 + $7) / ($2 + $3), $2 + $3, $6 + $7 }'
fi
