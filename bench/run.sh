#!/usr/bin/env bash
# bench/run.sh - measure fallback-scan throughput and print a table of figures.
#
#   bench/run.sh [--bin build/fallback-scan] [--match-bin build/fbs-bench-match]
#                [--corpus DIR | PATH...] [--runs 5] [--threads N]
#                [--rules DIR] [--timer auto|hyperfine|loop] [--ok-status "0 1"]
#
# Figures are reported, not asserted: the script exits non-zero only when a command fails (or
# the arguments are wrong), never because a target is missed. See bench/README.md.
set -euo pipefail
export LC_ALL=C # decimal points, sort order

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BIN="$ROOT/build/fallback-scan"
MATCH_BIN="$ROOT/build/fbs-bench-match"
MATCH_BIN_GIVEN=0
CORPUS=""
PATHS=()
RUNS=5
THREADS=""
TIMER=auto
OK_STATUS="0 1" # exit statuses of the scanner that mean "ran fine" (1: findings reported)
RULES_ARGS=()   # --rules DIR, passed to the scanner and the matcher
LITERAL=AKIA

usage() {
    sed -n '2,9s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"
    cat <<'EOF'

Options:
  --bin PATH         fallback-scan binary (default: build/fallback-scan in the repository)
  --match-bin PATH   in-memory matcher bench binary (default: build/fbs-bench-match; the row
                     is skipped with a note when the default one is not built)
  --corpus DIR       corpus directory (default: ${TMPDIR:-/tmp}/fbs-bench-corpus); generated
                     with bench/gen_corpus.py --seed 1 when it does not exist
  PATH...            scan these files/directories instead of a corpus
  --runs N           timed runs per measurement; median and best are reported (default 5)
  --threads N        thread count for the multi-threaded scan and rg rows (default: the tools'
                     own default)
  --rules DIR        also load the rules under DIR (passed to the scanner and the matcher;
                     the figures then are not the built-in pack's)
  --timer T          auto (hyperfine when installed), hyperfine, or loop (bash wall clock)
  --ok-status LIST   scanner exit statuses that count as success (default "0 1")
EOF
}

die() {
    echo "run.sh: $*" >&2
    exit 2
}

need_arg() {
    [ "$#" -ge 2 ] || die "$1 needs a value"
}

while [ "$#" -gt 0 ]; do
    case "$1" in
    --bin) need_arg "$@"; BIN="$2"; shift 2 ;;
    --bin=*) BIN="${1#*=}"; shift ;;
    --match-bin) need_arg "$@"; MATCH_BIN="$2"; MATCH_BIN_GIVEN=1; shift 2 ;;
    --match-bin=*) MATCH_BIN="${1#*=}"; MATCH_BIN_GIVEN=1; shift ;;
    --corpus) need_arg "$@"; CORPUS="$2"; shift 2 ;;
    --corpus=*) CORPUS="${1#*=}"; shift ;;
    --runs) need_arg "$@"; RUNS="$2"; shift 2 ;;
    --runs=*) RUNS="${1#*=}"; shift ;;
    --threads) need_arg "$@"; THREADS="$2"; shift 2 ;;
    --threads=*) THREADS="${1#*=}"; shift ;;
    --rules) need_arg "$@"; RULES_ARGS+=(--rules "$2"); shift 2 ;;
    --rules=*) RULES_ARGS+=(--rules "${1#*=}"); shift ;;
    --timer) need_arg "$@"; TIMER="$2"; shift 2 ;;
    --timer=*) TIMER="${1#*=}"; shift ;;
    --ok-status) need_arg "$@"; OK_STATUS="$2"; shift 2 ;;
    --ok-status=*) OK_STATUS="${1#*=}"; shift ;;
    -h | --help) usage; exit 0 ;;
    --) shift; PATHS+=("$@"); break ;;
    -*) die "unknown option: $1 (see --help)" ;;
    *) PATHS+=("$1"); shift ;;
    esac
done

[[ "$RUNS" =~ ^[1-9][0-9]*$ ]] || die "--runs must be a positive integer"
[ -z "$THREADS" ] || [[ "$THREADS" =~ ^[1-9][0-9]*$ ]] || die "--threads must be a positive integer"
[[ "$OK_STATUS" =~ ^[0-9\ ]+$ ]] || die "--ok-status must be a list of exit statuses"
case "$TIMER" in
auto | hyperfine | loop) ;;
*) die "--timer must be auto, hyperfine or loop" ;;
esac
[ -n "$CORPUS" ] && [ "${#PATHS[@]}" -gt 0 ] && die "give --corpus DIR or PATH..., not both"

[ -x "$BIN" ] || die "fallback-scan binary not found or not executable: $BIN (build it, or pass --bin)"
if [ ! -x "$MATCH_BIN" ]; then
    [ "$MATCH_BIN_GIVEN" -eq 1 ] && die "matcher binary not found or not executable: $MATCH_BIN"
    MATCH_BIN=""
fi

WORK="$(mktemp -d "${TMPDIR:-/tmp}/fbs-bench.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT

# ---------------------------------------------------------------------------------------------
# Corpus.
# ---------------------------------------------------------------------------------------------
if [ "${#PATHS[@]}" -eq 0 ]; then
    CORPUS="${CORPUS:-${TMPDIR:-/tmp}/fbs-bench-corpus}"
    if [ ! -e "$CORPUS" ]; then
        command -v python3 >/dev/null || die "python3 is needed to generate the corpus"
        echo "generating corpus in $CORPUS ..." >&2
        # Generate beside the target and rename, so an interrupted run leaves no half corpus.
        tmp_corpus="$CORPUS.tmp.$$"
        rm -rf "$tmp_corpus"
        python3 "$ROOT/bench/gen_corpus.py" "$tmp_corpus" --seed 1 >&2
        mv "$tmp_corpus" "$CORPUS"
    fi
    [ -d "$CORPUS" ] || die "not a directory: $CORPUS"
    PATHS=("$CORPUS")
fi
for p in "${PATHS[@]}"; do
    [ -e "$p" ] || die "no such file or directory: $p"
done

read -r NFILES NBYTES < <(find "${PATHS[@]}" -type f -printf '%s\n' |
    awk '{ n++; b += $1 } END { printf "%d %d\n", n, b }')
[ "$NFILES" -gt 0 ] || die "no files to scan under: ${PATHS[*]}"
PLANTED="-"
if [ -n "$CORPUS" ] && [ -f "$CORPUS/MANIFEST.tsv" ]; then
    PLANTED=$(($(wc -l <"$CORPUS/MANIFEST.tsv") - 1))
fi

# The matcher's input: every file except the manifest, one path per line (passed as @LIST).
LIST="$WORK/files.txt"
find "${PATHS[@]}" -type f ! -name MANIFEST.tsv -print >"$LIST"

# Warm the page cache: every measurement then reads from memory.
find "${PATHS[@]}" -type f -print0 | xargs -0 cat >/dev/null

# ---------------------------------------------------------------------------------------------
# Timing.
# ---------------------------------------------------------------------------------------------
JSON_TOOL=""
if command -v jq >/dev/null; then
    JSON_TOOL=jq
elif command -v python3 >/dev/null; then
    JSON_TOOL=python3
fi
if [ "$TIMER" = auto ]; then
    TIMER=loop
    if command -v hyperfine >/dev/null && [ -n "$JSON_TOOL" ]; then
        TIMER=hyperfine
    fi
elif [ "$TIMER" = hyperfine ]; then
    command -v hyperfine >/dev/null || die "--timer hyperfine: hyperfine is not installed"
    [ -n "$JSON_TOOL" ] || die "--timer hyperfine: needs jq or python3 to read its JSON"
fi

now() {
    if [ -n "${EPOCHREALTIME:-}" ]; then
        echo "$EPOCHREALTIME"
    else
        date +%s.%N
    fi
}

# is_ok STATUS OKLIST: is STATUS one of the statuses in OKLIST?
is_ok() {
    local s
    for s in $2; do
        [ "$1" -eq "$s" ] && return 0
    done
    return 1
}

# run_once OKLIST CMD...: run CMD with its output discarded; fail loudly on a bad status.
run_once() {
    local ok="$1" st=0
    shift
    "$@" >/dev/null 2>"$WORK/stderr" || st=$?
    if ! is_ok "$st" "$ok"; then
        echo "run.sh: command failed (exit $st): $*" >&2
        sed 's/^/    /' "$WORK/stderr" >&2
        exit 1
    fi
}

# measure OKLIST CMD...: time CMD $RUNS times (after one warm-up run); sets MED and BEST (s).
measure() {
    local ok="$1"
    shift
    if [ "$TIMER" = hyperfine ]; then
        local cmd json="$WORK/hyperfine.json"
        cmd="$(printf '%q ' "$@")"
        # hyperfine treats any non-zero status as failure; map the accepted ones to 0.
        cmd="$cmd; s=\$?; for ok in $ok; do [ \$s -eq \$ok ] && exit 0; done; exit \$s"
        if ! hyperfine --shell=bash --warmup 1 --runs "$RUNS" --style none \
            --export-json "$json" "$cmd" >"$WORK/hyperfine.out" 2>&1; then
            echo "run.sh: command failed under hyperfine: $*" >&2
            sed 's/^/    /' "$WORK/hyperfine.out" >&2
            run_once "$ok" "$@" # show the command's own error
            exit 1
        fi
        if [ "$JSON_TOOL" = jq ]; then
            read -r MED BEST < <(jq -r '.results[0] | "\(.median) \(.min)"' "$json")
        else
            read -r MED BEST < <(python3 -c 'import json, sys
r = json.load(open(sys.argv[1]))["results"][0]
print(r["median"], r["min"])' "$json")
        fi
    else
        local i t0 t1 times=()
        run_once "$ok" "$@" # warm-up
        for ((i = 0; i < RUNS; i++)); do
            t0="$(now)"
            run_once "$ok" "$@"
            t1="$(now)"
            times+=("$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.6f", b - a }')")
        done
        read -r MED BEST < <(printf '%s\n' "${times[@]}" | sort -g |
            awk '{ t[NR] = $1 } END { m = (NR % 2) ? t[(NR + 1) / 2] : (t[NR / 2] + t[NR / 2 + 1]) / 2
                                       printf "%.6f %.6f\n", m, t[1] }')
    fi
}

# calc EXPR: floating-point arithmetic via awk.
calc() {
    awk "BEGIN { printf \"%.2f\", $1 }"
}

# ---------------------------------------------------------------------------------------------
# Header: machine and build facts.
# ---------------------------------------------------------------------------------------------
CPU="$(grep -m1 -E '^(model name|Hardware|cpu model)' /proc/cpuinfo 2>/dev/null | cut -d: -f2- |
    sed 's/^ *//' || true)"
CPU="${CPU:-unknown}"
COMMIT="$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)"
if [ "$COMMIT" != unknown ] && [ -n "$(git -C "$ROOT" status --porcelain --untracked-files=no 2>/dev/null)" ]; then
    COMMIT="$COMMIT+dirty"
fi
TIMER_DESC="bash wall clock, $RUNS runs after 1 warm-up"
if [ "$TIMER" = hyperfine ]; then
    TIMER_DESC="$(hyperfine --version), $RUNS runs after 1 warm-up"
fi
MB="$(calc "$NBYTES / 1e6")"

echo "fallback-scan benchmark"
echo "  commit:   $COMMIT"
VERSION="$("$BIN" version 2>/dev/null | head -n 1 || true)"
echo "  binary:   $BIN${VERSION:+ ($VERSION)}"
if [ "${#RULES_ARGS[@]}" -gt 0 ]; then
    echo "  rules:    built-in pack plus ${RULES_ARGS[*]}"
fi
echo "  machine:  nproc=$(nproc), cpu=$CPU, $(uname -sr)"
echo "  corpus:   ${PATHS[*]}"
if [ "$PLANTED" != "-" ]; then
    echo "            files=$NFILES bytes=$NBYTES ($MB MB, incl. MANIFEST.tsv) planted=$PLANTED"
else
    echo "            files=$NFILES bytes=$NBYTES ($MB MB)"
fi
echo "  timing:   $TIMER_DESC; page cache warm; median (best) wall time"
echo

THREADS_ARGS=()
RG_THREADS_ARGS=()
THREADS_LABEL="default"
if [ -n "$THREADS" ]; then
    THREADS_ARGS=(--threads "$THREADS")
    RG_THREADS_ARGS=(-j "$THREADS")
    THREADS_LABEL="$THREADS"
fi

printf '%-38s %10s %10s %10s %10s\n' "measurement" "median s" "best s" "MB/s" "files/s"
printf '%-38s %10s %10s %10s %10s\n' "-----------" "--------" "------" "----" "-------"

row() { # row LABEL: print MED/BEST as a table row
    printf '%-38s %10.3f %10.3f %10s %10s\n' "$1" "$MED" "$BEST" \
        "$(calc "$NBYTES / 1e6 / $MED")" "$(awk -v n="$NFILES" -v t="$MED" 'BEGIN { printf "%.0f", n / t }')"
}

# 1. Whole tree, full built-in rule pack, default (or --threads) threads.
measure "$OK_STATUS" "$BIN" files --quiet --format json -o /dev/null "${RULES_ARGS[@]}" \
    "${THREADS_ARGS[@]}" "${PATHS[@]}"
SCAN_MED="$MED"
row "scan (threads=$THREADS_LABEL)"

# 2. The same on one thread.
measure "$OK_STATUS" "$BIN" files --quiet --format json -o /dev/null "${RULES_ARGS[@]}" \
    --threads 1 "${PATHS[@]}"
SCAN1_MED="$MED"
row "scan (threads=1)"

# 3. The floor: rg walking and reading the same tree looking for one literal.
RG_MED=""
RG1_MED=""
if command -v rg >/dev/null; then
    measure "0 1" rg -c --no-ignore --hidden -uuu "${RG_THREADS_ARGS[@]}" "$LITERAL" "${PATHS[@]}"
    RG_MED="$MED"
    row "rg -c $LITERAL (threads=$THREADS_LABEL, floor)"
    measure "0 1" rg -c --no-ignore --hidden -uuu -j 1 "$LITERAL" "${PATHS[@]}"
    RG1_MED="$MED"
    row "rg -c $LITERAL (threads=1)"
else
    printf '%-38s %s\n' "rg -c $LITERAL (floor)" "skipped: rg is not installed"
fi

# 4. The in-memory matcher: one thread, files already in memory, no walking or reporting.
MATCH_LINE=""
MATCH_MED=""
MATCH_BEST=""
if [ -n "$MATCH_BIN" ]; then
    mbps=()
    for ((i = 0; i < RUNS; i++)); do
        st=0
        "$MATCH_BIN" "${RULES_ARGS[@]}" "@$LIST" >"$WORK/match.out" 2>"$WORK/stderr" || st=$?
        if [ "$st" -ne 0 ]; then
            echo "run.sh: command failed (exit $st): $MATCH_BIN ${RULES_ARGS[*]} @$LIST" >&2
            sed 's/^/    /' "$WORK/stderr" >&2
            exit 1
        fi
        if [ "$(wc -l <"$WORK/match.out")" -ne 1 ] ||
            ! grep -Eq '^bytes=[0-9]+ seconds=[0-9.eE+-]+ mbps=[0-9.eE+-]+ hits=[0-9]+ findings=[0-9]+$' \
                "$WORK/match.out"; then
            echo "run.sh: $MATCH_BIN printed something other than one line" \
                "'bytes=N seconds=S mbps=X hits=H findings=F':" >&2
            sed 's/^/    /' "$WORK/match.out" >&2
            exit 1
        fi
        line="$(cat "$WORK/match.out")"
        if [ -n "$MATCH_LINE" ] && [ "${line#* hits=}" != "${MATCH_LINE#* hits=}" ]; then
            echo "run.sh: warning: matcher hits/findings differ between runs:" \
                "'${MATCH_LINE#* hits=}' vs '${line#* hits=}'" >&2
        fi
        MATCH_LINE="$line"
        v="${line#* mbps=}"
        mbps+=("${v%% *}")
    done
    read -r MATCH_MED MATCH_BEST < <(printf '%s\n' "${mbps[@]}" | sort -g |
        awk '{ t[NR] = $1 } END { m = (NR % 2) ? t[(NR + 1) / 2] : (t[NR / 2] + t[NR / 2 + 1]) / 2
                                   printf "%.1f %.1f\n", m, t[NR] }')
    printf '%-38s %10s %10s %10s %10s\n' "matcher in memory (1 thread)" "-" "-" "$MATCH_MED" "-"
else
    printf '%-38s %s\n' "matcher in memory (1 thread)" \
        "skipped: $ROOT/build/fbs-bench-match is not built"
fi

# ---------------------------------------------------------------------------------------------
# Summary against the targets (reported, not asserted).
# ---------------------------------------------------------------------------------------------
verdict() { # verdict OK?: "met" or "NOT met"
    if [ "$1" = 1 ]; then echo "met"; else echo "NOT met"; fi
}

echo
echo "targets"
if [ -n "$RG_MED" ]; then
    ratio="$(calc "$SCAN_MED / $RG_MED")"
    met="$(awk -v r="$ratio" 'BEGIN { print (r <= 2.0) ? 1 : 0 }')"
    printf '  %-44s %8s   (target <= 2.0: %s)\n' "scan / rg floor (threads=$THREADS_LABEL)" "$ratio x" "$(verdict "$met")"
    ratio1="$(calc "$SCAN1_MED / $RG1_MED")"
    printf '  %-44s %8s   (for information)\n' "scan / rg floor (threads=1)" "$ratio1 x"
else
    printf '  %-44s %s\n' "scan / rg floor" "not measured (rg is not installed)"
fi
if [ -n "$MATCH_MED" ]; then
    met="$(awk -v r="$MATCH_MED" 'BEGIN { print (r >= 1000) ? 1 : 0 }')"
    printf '  %-44s %8s   (target >= 1000 MB/s: %s)\n' "matcher MB/s per core (median of $RUNS)" \
        "$MATCH_MED" "$(verdict "$met")"
    printf '  %-44s %8s\n' "matcher MB/s per core (best)" "$MATCH_BEST"
    printf '  %-44s %s\n' "matcher last run" "$MATCH_LINE"
else
    printf '  %-44s %s\n' "matcher MB/s per core" "not measured (matcher not built)"
fi
