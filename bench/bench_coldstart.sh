#!/usr/bin/env bash
# bench/bench_coldstart.sh - start-up cost of the built-in rule pack with no compile cache.
#
#   bench/bench_coldstart.sh [--bin build/fallback-scan] [--base OTHER_BINARY] [--runs 5]
#
# Runs `fallback-scan files -q EMPTYDIR` with FALLBACK_SCAN_CACHE=off (a first run, a fresh CI
# container) --runs times under /usr/bin/time, in turn: the binary with its embedded precompiled
# databases, the same binary with FALLBACK_SCAN_EMBEDDED_DB=off (compiling, as without them) and,
# with --base, another binary (for example one built before a change). Prints each one's median
# user+sys CPU, wall time and peak RSS, and says where the databases came from (`rules list -v`).
# Figures are reported, not asserted. Run it once: the machine is shared.
set -euo pipefail
export LC_ALL=C FALLBACK_SCAN_CACHE=off

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BIN="$ROOT/build/fallback-scan"
BASE=""
RUNS=5
while [ $# -gt 0 ]; do
    case "$1" in
    --bin) BIN="$2"; shift 2 ;;
    --base) BASE="$2"; shift 2 ;;
    --runs) RUNS="$2"; shift 2 ;;
    *) echo "usage: $0 [--bin BIN] [--base OTHER_BIN] [--runs N]" >&2; exit 2 ;;
    esac
done
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/empty"

labels=(embedded compiled)
[ -n "$BASE" ] && labels+=(base)
for ((i = 0; i < RUNS; i++)); do
    env /usr/bin/time -f '%U %S %e %M' -o "$tmp/t" "$BIN" files -q "$tmp/empty" >/dev/null 2>&1 || true
    awk '{printf "%.3f %.3f %d\n", $1 + $2, $3, $4}' "$tmp/t" >>"$tmp/embedded"
    env FALLBACK_SCAN_EMBEDDED_DB=off /usr/bin/time -f '%U %S %e %M' -o "$tmp/t" "$BIN" files -q \
        "$tmp/empty" >/dev/null 2>&1 || true
    awk '{printf "%.3f %.3f %d\n", $1 + $2, $3, $4}' "$tmp/t" >>"$tmp/compiled"
    if [ -n "$BASE" ]; then
        /usr/bin/time -f '%U %S %e %M' -o "$tmp/t" "$BASE" files -q "$tmp/empty" >/dev/null 2>&1 ||
            true
        awk '{printf "%.3f %.3f %d\n", $1 + $2, $3, $4}' "$tmp/t" >>"$tmp/base"
    fi
done
echo "cold start (FALLBACK_SCAN_CACHE=off, files -q EMPTYDIR), median of $RUNS runs:"
printf '  %-10s %8s %8s %10s\n' run cpu_s wall_s maxrss_kb
for l in "${labels[@]}"; do
    for col in 1 2 3; do
        cut -d' ' -f"$col" "$tmp/$l" | sort -n | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'
    done | paste -sd' ' | awk -v l="$l" '{printf "  %-10s %8s %8s %10s\n", l, $1, $2, $3}'
done
echo "  (embedded: $BIN; compiled: the same with FALLBACK_SCAN_EMBEDDED_DB=off${BASE:+; base: $BASE})"
"$BIN" rules list -v 2>&1 >/dev/null | sed 's/^/  built-in pack: /'
