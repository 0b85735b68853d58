#!/usr/bin/env bash
# bench/bench_sweep.sh - figures for `fallback-scan sweep` over many repositories.
#
#   bench/bench_sweep.sh [--bin build/fallback-scan] [--repos 200] [--commits 50] [--jobs 2]
#                        [--dir DIR] [--keep] [--generate-only]
#
# Generates REPOS repositories of COMMITS commits each (git fast-import; a few files changed
# per commit, one planted credential per repository), then prints:
#   1. the first sweep (everything read),
#   2. a second sweep with nothing changed (target: no blob read, <= 50 ms per repository),
#   3. a sweep after 10 repositories got new commits (incremental),
# with wall time and peak RSS (--jobs N) of each, and the blobs read (from the datastore).
# Figures are reported, not asserted: the script fails only when a command fails.
set -euo pipefail
export LC_ALL=C

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BIN="$ROOT/build/fallback-scan"
REPOS=200
COMMITS=50
JOBS=2
DIR=""
KEEP=0
GENERATE_ONLY=0

while [ $# -gt 0 ]; do
    case "$1" in
    --bin) BIN="$2"; shift 2 ;;
    --repos) REPOS="$2"; shift 2 ;;
    --commits) COMMITS="$2"; shift 2 ;;
    --jobs) JOBS="$2"; shift 2 ;;
    --dir) DIR="$2"; shift 2 ;;
    --keep) KEEP=1; shift ;;
    --generate-only) GENERATE_ONLY=1; KEEP=1; shift ;; # the repositories only (bench_fleet.sh)
    -h | --help) sed -n '2,12s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"; exit 0 ;;
    *) echo "bench_sweep.sh: unknown argument '$1'" >&2; exit 2 ;;
    esac
done
BIN="$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")"
[ -x "$BIN" ] || { echo "bench_sweep.sh: no binary at $BIN (build first)" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "bench_sweep.sh: GNU time is needed for peak RSS: apt-get install time" >&2; exit 2; }
if [ -z "$DIR" ]; then
    DIR="$(mktemp -d /tmp/fbs-bench-sweep.XXXXXX)"
fi
cleanup() { [ "$KEEP" = 1 ] || rm -rf "$DIR"; }
trap cleanup EXIT
export HOME="$DIR/home" XDG_CACHE_HOME="$DIR/cache" XDG_DATA_HOME="$DIR/data"
mkdir -p "$HOME" "$XDG_CACHE_HOME" "$XDG_DATA_HOME" "$DIR/repos"

# A fast-import stream: COMMITS commits, each touching 3 of 20 source files; the credential
# lands in commit 10 (config/breakglass.env); commit dates one day apart from 2025-01-01.
gen_stream() { # $1: repo index, $2: first commit number, $3: count, $4: parent ("" for none)
    python3 - "$@" <<'EOF'
import sys
idx, first, count, parent = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
alpha = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
def key(i):
    import random
    rnd = random.Random(i * 7919 + 12345)
    return "AKIA" + "".join(rnd.choice(alpha) for _ in range(16))
out = []
mark = 0
for c in range(first, first + count):
    mark += 1
    when = 1735689600 + c * 86400
    files = {}
    for k in range(3):
        f = (c * 3 + k) % 20
        body = "".join("// repo %d commit %d file %d line %d\n" % (idx, c, f, l) for l in range(60))
        files["src/module%02d.c" % f] = body
    if c == 10:
        files["config/breakglass.env"] = ("# emergency access, do not use\n"
                                          "breakglass_aws_key = %s\n" % key(idx))
    msg = "commit %d" % c
    out.append("commit refs/heads/main\nmark :%d\n" % mark)
    out.append("committer Dev <dev@example.com> %d +0000\n" % when)
    out.append("data %d\n%s\n" % (len(msg), msg))
    if mark == 1 and parent:
        out.append("from %s\n" % parent)
    for path, body in files.items():
        b = body.encode()
        out.append("M 100644 inline %s\ndata %d\n%s\n" % (path, len(b), body))
sys.stdout.write("".join(out))
EOF
}

echo "generating $REPOS repositories of $COMMITS commits in $DIR/repos ..." >&2
for i in $(seq 0 $((REPOS - 1))); do
    r="$DIR/repos/r$(printf %03d "$i")"
    git init -q -b main "$r"
    gen_stream "$i" 0 "$COMMITS" "" | git -C "$r" fast-import --quiet
done
printf 'targets:\n  - glob: repos/r*\n' >"$DIR/sweep.yml"
[ "$GENERATE_ONLY" = 1 ] && exit 0
DB="$DIR/sweeps.db"

# Run one sweep under /usr/bin/time; print "seconds peak_rss_kb".
timed_sweep() { # $1: --now
    local rc
    set +e
    /usr/bin/time -o "$DIR/time.out" -f "%e %M" "$BIN" sweep run --config "$DIR/sweep.yml" \
        --db "$DB" --jobs "$JOBS" --quiet --now "$1" >/dev/null 2>"$DIR/sweep.err"
    rc=$?
    set -e
    if [ "$rc" -ne 0 ]; then
        echo "bench_sweep.sh: sweep failed (rc=$rc):" >&2
        cat "$DIR/sweep.err" >&2
        exit 1
    fi
    tail -1 "$DIR/time.out"
}

sweep_stats() { # $1: sweep id -> "blobs modes"
    python3 - "$DB" "$1" <<'EOF'
import sqlite3, sys
con = sqlite3.connect(sys.argv[1])
s = int(sys.argv[2])
blobs = con.execute("SELECT coalesce(sum(blobs), 0) FROM target_scans WHERE sweep_id = ?",
                    (s,)).fetchone()[0]
modes = con.execute("SELECT mode, count(*) FROM target_scans WHERE sweep_id = ? GROUP BY mode "
                    "ORDER BY mode", (s,)).fetchall()
nf = con.execute("SELECT coalesce(sum(nfindings), 0) FROM target_scans WHERE sweep_id = ?",
                 (s,)).fetchone()[0]
print("%d blobs read, %d findings, modes: %s" % (blobs, nf,
      ", ".join("%s %d" % (m or "-", n) for m, n in modes)))
EOF
}

report() { # $1 label, $2 "secs rss", $3 sweep id
    local secs rss
    read -r secs rss <<<"$2"
    printf '%-34s %8.2f s  %7.1f ms/repo  peak RSS %6.1f MiB  %s\n' "$1" "$secs" \
        "$(awk -v s="$secs" -v n="$REPOS" 'BEGIN { print s * 1000 / n }')" \
        "$(awk -v r="$rss" 'BEGIN { print r / 1024 }')" "$(sweep_stats "$3")"
}

echo "fallback-scan sweep: $REPOS repositories x $COMMITS commits, --jobs $JOBS ($(nproc) cores)"
report "1. first sweep" "$(timed_sweep 2026-01-10T00:00:00Z)" 1
report "2. nothing changed" "$(timed_sweep 2026-01-17T00:00:00Z)" 2
CHANGED=$((REPOS < 10 ? REPOS : 10))
for i in $(seq 0 $((CHANGED - 1))); do
    r="$DIR/repos/r$(printf %03d $((i * REPOS / CHANGED)))"
    tip=$(git -C "$r" rev-parse main)
    gen_stream "$((i * REPOS / CHANGED))" "$COMMITS" 3 "$tip" | git -C "$r" fast-import --quiet
done
report "3. $CHANGED repositories got 3 commits" "$(timed_sweep 2026-01-24T00:00:00Z)" 3
