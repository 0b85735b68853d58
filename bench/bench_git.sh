#!/usr/bin/env bash
# bench/bench_git.sh - time fallback-scan's git history scan beside git's own cost of reading
# every object, and print a table of figures.
#
#   bench/bench_git.sh [--bin build/fallback-scan] [--runs 3] [--threads N]
#                      [--no-perf] [--generate N] [--staged-files N] REPO...
#
# Figures are reported, not asserted: the script exits non-zero only when a command fails (or
# the arguments are wrong), never because a target is missed. See bench/README.md.
set -euo pipefail
export LC_ALL=C # decimal points, sort order

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BIN="$ROOT/build/fallback-scan"
RUNS=3
THREADS=""
GENERATE=""
STAGED_FILES=""
PERF=auto
REPOS=()
OK_STATUS="0 1 3" # 1: findings; 3: incomplete (a partial clone's missing objects, say)

usage() {
    sed -n '2,9s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"
    cat <<'EOF'

Options:
  --bin PATH          fallback-scan binary (default: build/fallback-scan in the repository)
  --runs N            timed runs per measurement, after one warm-up; the median is reported
                      (default 3)
  --threads N         passed to fallback-scan as --threads N (default: its own, one per core)
  --generate N        also benchmark a generated repository of N commits with realistic churn
                      (files added, edited, renamed, deleted; topic branches merged; a few fake
                      credentials planted), built once with `git fast-import` under
                      ${TMPDIR:-/tmp}/fbs-bench-git-N and reused
  --staged-files N    also time `fallback-scan git --staged` in a generated work tree of N
                      files with a few staged changes (the pre-commit case; target < 100 ms
                      for N = 5000)
  --no-perf           skip the CPU split (one more scan under `perf record`, when perf works)
  REPO...             repositories (work trees or bare) to benchmark

Rows, run in turn (A B C A B C ...) after one warm-up round, so that ratios compare runs taken
side by side on a machine whose speed drifts: `cat-file --batch` is `git cat-file --batch` fed
the reachable blobs (`git rev-list --objects --all`), one thread: the cost of reading exactly
what a full history scan reads; `cat-file --all` is `git cat-file --batch-all-objects --batch
--unordered`, every object; `rev-list|cat-file` is git's own walk and read of a history,
`git rev-list --objects --all` piped to `git cat-file --batch` (commits and trees included: what
a scanner built on git pays); `scan` is `fallback-scan git REPO --quiet --format json -o /dev/null`
with the built-in rules; `scan, 1 rule` the same with a single rule that never matches (the walk,
reading and the pipeline without the rule pack). wall and cpu (user + system, children
included) are medians; /batch and /all are the medians of the scan's wall time over each
baseline's, run by run. MB are 10^6 bytes of uncompressed blob content (all blobs); RSS is the
largest peak resident set of one process (/usr/bin/time). Targets (2 cores): scan <= 0.75x
`cat-file --batch` of the reachable blobs (issue 19), <= 1.5x `cat-file --all`; RSS < 1 GB on
a history like hashicorp/terraform.
EOF
}

die() {
    echo "bench_git.sh: $*" >&2
    exit 2
}

need_arg() {
    [ "$#" -ge 2 ] || die "$1 needs a value"
}

while [ "$#" -gt 0 ]; do
    case "$1" in
    --bin) need_arg "$@"; BIN="$2"; shift 2 ;;
    --bin=*) BIN="${1#*=}"; shift ;;
    --runs) need_arg "$@"; RUNS="$2"; shift 2 ;;
    --runs=*) RUNS="${1#*=}"; shift ;;
    --threads) need_arg "$@"; THREADS="$2"; shift 2 ;;
    --threads=*) THREADS="${1#*=}"; shift ;;
    --generate) need_arg "$@"; GENERATE="$2"; shift 2 ;;
    --generate=*) GENERATE="${1#*=}"; shift ;;
    --staged-files) need_arg "$@"; STAGED_FILES="$2"; shift 2 ;;
    --staged-files=*) STAGED_FILES="${1#*=}"; shift ;;
    --no-perf) PERF=""; shift ;;
    -h | --help) usage; exit 0 ;;
    --) shift; REPOS+=("$@"); break ;;
    -*) die "unknown option: $1 (see --help)" ;;
    *) REPOS+=("$1"); shift ;;
    esac
done

[[ "$RUNS" =~ ^[1-9][0-9]*$ ]] || die "--runs must be a positive integer"
[ -z "$THREADS" ] || [[ "$THREADS" =~ ^[1-9][0-9]*$ ]] || die "--threads must be a positive integer"
[ -z "$GENERATE" ] || [[ "$GENERATE" =~ ^[1-9][0-9]*$ ]] || die "--generate must be a positive integer"
[ -z "$STAGED_FILES" ] || [[ "$STAGED_FILES" =~ ^[1-9][0-9]*$ ]] ||
    die "--staged-files must be a positive integer"
[ "${#REPOS[@]}" -gt 0 ] || [ -n "$GENERATE" ] || [ -n "$STAGED_FILES" ] ||
    die "nothing to benchmark: give REPO..., --generate N or --staged-files N (see --help)"
command -v git >/dev/null || die "git is not installed"
command -v python3 >/dev/null || { [ -z "$GENERATE$STAGED_FILES" ] || die "python3 is needed to generate repositories"; }
if [ "$PERF" = auto ]; then
    PERF=""
    command -v perf >/dev/null && perf stat -e task-clock true >/dev/null 2>&1 && PERF=1
fi
[ -x "$BIN" ] || die "fallback-scan binary not found or not executable: $BIN (build it, or pass --bin)"
TIME=/usr/bin/time
if [ ! -x "$TIME" ]; then
    if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
        echo "installing GNU time (for peak RSS) ..." >&2
        apt-get install -y -qq time >/dev/null 2>&1 || true
    fi
    [ -x "$TIME" ] || die "GNU time is needed for peak RSS: apt-get install time"
fi
for r in "${REPOS[@]}"; do
    git -C "$r" rev-parse --git-dir >/dev/null 2>&1 || die "not a git repository: $r"
done

WORK="$(mktemp -d "${TMPDIR:-/tmp}/fbs-bench-git.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT

# Does the binary have the 'git' command yet? (The CLI is wired separately from the engine.)
HAVE_GIT_CMD=1
if ! "$BIN" git --help >/dev/null 2>&1; then
    HAVE_GIT_CMD=0
fi
SCAN_ARGS=(--quiet --format json -o /dev/null)
[ -z "$THREADS" ] || SCAN_ARGS+=(--threads "$THREADS")
# The `1 rule` row: one rule whose literal never occurs, so that the figure is the cost of the
# source (walk, reading, inflating) and the pipeline, with next to no matching.
mkdir -p "$WORK/floor-rules"
cat >"$WORK/floor-rules/floor.yml" <<'YML'
rules:
  - id: bench.floor
    name: Bench floor
    kind: bench_floor
    description: A literal that never occurs, so that matching costs next to nothing.
    pattern: '(ZQXJ_FBS_BENCH_FLOOR_[0-9]{12})'
    secret_group: 1
    privilege: unknown
    remediation: none
    examples:
      - text: 'x = ZQXJ_FBS_BENCH_FLOOR_123456789012'
        secret: ZQXJ_FBS_BENCH_FLOOR_123456789012
    negative_examples:
      - 'nothing here'
YML

# ---------------------------------------------------------------------------------------------
# Generated repositories.
# ---------------------------------------------------------------------------------------------

# gen_history DIR N: a bare repository of N commits, written as one fast-import stream. Seeded,
# so the same N gives the same history.
gen_history() {
    local dir="$1" n="$2" tmp="$1.tmp.$$"
    rm -rf "$tmp"
    git init -q --bare "$tmp"
    python3 - "$n" <<'PY' | git -C "$tmp" fast-import --quiet --done
import random, sys

n = int(sys.argv[1])
rnd = random.Random(1)
out = sys.stdout.buffer
words = ("region bucket timeout replicas image port host user role policy cidr subnet zone "
         "retention backup enabled version endpoint queue topic cluster namespace secret_ref "
         "log_level cache ttl memory cpu storage class owner team alert threshold").split()
dirs = ["infra/prod", "infra/staging", "infra/modules/net", "infra/modules/db", "app/config",
        "app/src", "app/src/handlers", "deploy/k8s", "deploy/helm/values", "docs/runbooks",
        "scripts", "ci"]
exts = [".tf", ".yml", ".yaml", ".json", ".py", ".md", ".sh", ".properties", ".env.example"]
people = [("Ana Lima", "ana@example.com"), ("Bo Chen", "bo@example.com"),
          ("Cy Okafor", "cy@example.com"), ("Di Novak", "di@example.com")]
secrets = ["AKIA" + "".join(rnd.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567") for _ in range(16)),
           "ghp_" + "".join(rnd.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(36))]

def line():
    return "%s = %s\n" % (rnd.choice(words), rnd.choice([str(rnd.randint(1, 99999)),
                                                         '"%s-%d"' % (rnd.choice(words), rnd.randint(1, 999))]))

def content(nlines):
    return "".join(line() for _ in range(nlines))

def data(b):
    out.write(b"data %d\n" % len(b))
    out.write(b)
    out.write(b"\n")

files = {}
def new_path():
    while True:
        p = "%s/%s-%d%s" % (rnd.choice(dirs), rnd.choice(words), rnd.randint(1, 9999), rnd.choice(exts))
        if p not in files:
            return p

t = 1500000000
mark = 0
def commit(ref, msg, changes, parent=None, merge=None):
    global t, mark
    mark += 1
    t += rnd.randint(60, 20000)
    name, email = rnd.choice(people)
    out.write(b"commit %s\nmark :%d\n" % (ref.encode(), mark))
    out.write(b"author %s <%s> %d +0000\n" % (name.encode(), email.encode(), t))
    out.write(b"committer %s <%s> %d +0000\n" % (name.encode(), email.encode(), t))
    data(msg.encode())
    if parent:
        out.write(b"from :%d\n" % parent)
    if merge:
        out.write(b"merge :%d\n" % merge)
    for op in changes:
        if op[0] == "M":
            out.write(b"M 100644 inline %s\n" % op[1].encode())
            data(op[2].encode())
        else:
            out.write(b"D %s\n" % op[1].encode())
    return mark

def churn(k):
    ch = []
    for _ in range(k):
        r = rnd.random()
        if r < 0.75 and files:
            p = rnd.choice(list(files))
            lines = files[p].splitlines(True)
            for _ in range(rnd.randint(1, 4)):
                i = rnd.randrange(len(lines))
                lines[i] = line()
            if rnd.random() < 0.3:
                lines.append(line())
            files[p] = "".join(lines)
            ch.append(("M", p, files[p]))
        elif r < 0.92 or not files:
            p = new_path()
            files[p] = content(rnd.randint(10, 200))
            ch.append(("M", p, files[p]))
        elif r < 0.97:
            p = rnd.choice(list(files))
            del files[p]
            ch.append(("D", p))
        else:
            p = rnd.choice(list(files))
            q = new_path()
            files[q] = files.pop(p)
            ch.append(("D", p))
            ch.append(("M", q, files[q]))
    return ch

init = []
for _ in range(300):
    p = new_path()
    files[p] = content(rnd.randint(10, 200))
    init.append(("M", p, files[p]))
main = commit("refs/heads/main", "initial import", init)
i = 1
while i < n:
    if rnd.random() < 0.04 and i + 4 < n:
        # a topic branch of a few commits, merged back with a merge commit
        saved = dict(files)
        tip = commit("refs/heads/topic", "topic: start", churn(rnd.randint(1, 4)), parent=main)
        for _ in range(rnd.randint(1, 3)):
            tip = commit("refs/heads/topic", "topic: more", churn(rnd.randint(1, 4)))
            i += 1
        main = commit("refs/heads/main", "Merge branch 'topic'", [("M", p, files[p]) for p in files
                      if saved.get(p) != files[p]] + [("D", p) for p in saved if p not in files],
                      parent=main, merge=tip)
        i += 2
        continue
    ch = churn(rnd.randint(1, 5))
    msg = "update %s" % rnd.choice(words)
    if rnd.random() < 0.002:
        p = "infra/prod/breakglass-%d.tfvars" % i
        files[p] = "emergency_access_key = \"%s\"\n" % rnd.choice(secrets)
        ch.append(("M", p, files[p]))
        msg = "add emergency access key"
    main = commit("refs/heads/main", msg, ch, parent=main)
    i += 1
    if i % 500 == 0:
        out.write(b"reset refs/tags/v%d\nfrom :%d\n\n" % (i // 500, main))
out.write(b"done\n")
PY
    git -C "$tmp" update-ref -d refs/heads/topic 2>/dev/null || true
    git -C "$tmp" symbolic-ref HEAD refs/heads/main
    git -C "$tmp" repack -adq
    git -C "$tmp" prune-packed
    mv "$tmp" "$dir"
}

# gen_worktree DIR N: a work tree of N files in one commit, then a few staged changes.
gen_worktree() {
    local dir="$1" n="$2" tmp="$1.tmp.$$"
    rm -rf "$tmp"
    mkdir -p "$tmp"
    python3 - "$tmp" "$n" <<'PY'
import os, random, sys
root, n = sys.argv[1], int(sys.argv[2])
rnd = random.Random(2)
for i in range(n):
    d = os.path.join(root, "src", "m%d" % (i % 17), "d%d" % (i % 251))
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "f%d.txt" % i), "w") as f:
        f.write("".join("key_%d = %d\n" % (j, rnd.randint(0, 1 << 30)) for j in range(20)))
PY
    (
        cd "$tmp"
        export GIT_AUTHOR_NAME=bench GIT_AUTHOR_EMAIL=bench@example.com
        export GIT_COMMITTER_NAME=bench GIT_COMMITTER_EMAIL=bench@example.com
        git -c init.defaultBranch=main init -q .
        git add -A
        git -c commit.gpgsign=false commit -qm "initial"
        echo 'changed = 1' >>src/m1/d1/f1.txt
        echo 'token = "not-a-real-token"' >new-file.env
        git add src/m1/d1/f1.txt new-file.env
    )
    mv "$tmp" "$dir"
}

if [ -n "$GENERATE" ]; then
    gdir="${TMPDIR:-/tmp}/fbs-bench-git-$GENERATE"
    if [ ! -d "$gdir" ]; then
        echo "generating a repository of $GENERATE commits in $gdir ..." >&2
        gen_history "$gdir" "$GENERATE"
    fi
    REPOS+=("$gdir")
fi

# ---------------------------------------------------------------------------------------------
# Timing.
# ---------------------------------------------------------------------------------------------

# is_ok STATUS OKLIST
is_ok() {
    local s
    for s in $2; do
        [ "$1" -eq "$s" ] && return 0
    done
    return 1
}

# measure OKLIST CMD...: one warm-up run, then $RUNS timed runs under GNU time; sets MED
# (median wall seconds) and RSS (largest peak RSS, KiB).
measure() {
    local ok="$1" i st
    shift
    local times=() rss=0
    for ((i = 0; i <= RUNS; i++)); do
        st=0
        "$TIME" -f "%e %M" -o "$WORK/time" "$@" >/dev/null 2>"$WORK/stderr" || st=$?
        if ! is_ok "$st" "$ok"; then
            echo "bench_git.sh: command failed (exit $st): $*" >&2
            sed 's/^/    /' "$WORK/stderr" >&2
            exit 1
        fi
        [ "$i" -eq 0 ] && continue # warm-up
        read -r t m < <(tail -n 1 "$WORK/time")
        times+=("$t")
        [ "$m" -gt "$rss" ] && rss="$m"
    done
    MED=$(printf '%s\n' "${times[@]}" | sort -g | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }')
    RSS="$rss"
}

rev="$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)"
git -C "$ROOT" diff --quiet 2>/dev/null || rev="$rev+dirty"
echo "fallback-scan git benchmark: commit $rev, $("$BIN" --version 2>/dev/null | head -n 1 || echo "$BIN")"
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | sed 's/.*: //'), $(uname -sr)"
echo "runs: $RUNS (median of wall times; one warm-up run first)"
[ "$HAVE_GIT_CMD" -eq 1 ] || echo "note: $BIN has no 'git' command yet; only git's own figures are shown"
echo

# run_one NAME OKLIST CMD...: one run of CMD under GNU time; appends "wall cpu rss" to
# $WORK/NAME.runs (cpu: user + system seconds, the children it waited for included).
run_one() {
    local name="$1" ok="$2" st=0
    shift 2
    "$TIME" -f "%e %U %S %M" -o "$WORK/time" "$@" >/dev/null 2>"$WORK/stderr" || st=$?
    if ! is_ok "$st" "$ok"; then
        echo "bench_git.sh: command failed (exit $st): $*" >&2
        sed 's/^/    /' "$WORK/stderr" >&2
        exit 1
    fi
    tail -n 1 "$WORK/time" | awk '{ printf "%s %.2f %s\n", $1, $2 + $3, $4 }' >>"$WORK/$name.runs"
}

# median FILE COLUMN: the median of a column of numbers.
median() {
    awk -v c="$2" '{ print $c }' "$1" | sort -g |
        awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'
}

# ratio_median A B COLUMN: the median over runs of A's figure / B's figure, pair by pair (run i of
# A beside run i of B, taken in turn: a drift of the machine's speed moves both).
ratio_median() {
    paste -d' ' "$WORK/$1.runs" "$WORK/$2.runs" |
        awk -v c="$3" '{ b = $(c + 3); print (b > 0) ? $c / b : 0 }' | sort -g |
        awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'
}

# row LABEL NAME: a table row from $WORK/NAME.runs.
row() {
    local wall cpu rss
    wall="$(median "$WORK/$2.runs" 1)"
    cpu="$(median "$WORK/$2.runs" 2)"
    rss="$(awk 'BEGIN { m = 0 } $3 > m { m = $3 } END { print m }' "$WORK/$2.runs")"
    printf '   %-17s %8.2f %8.2f %8.2f %8.2f %9.1f %8.1f\n' "$1" "$wall" "$cpu" \
        "$(ratio_median "$2" reach 1)" "$(ratio_median "$2" all 1)" \
        "$(awk -v b="$bbytes" -v s="$wall" 'BEGIN { print (s > 0) ? b / 1e6 / s : 0 }')" \
        "$(awk -v r="$rss" 'BEGIN { print r / 1024 }')"
}

for repo in "${REPOS[@]}"; do
    gitdir="$(git -C "$repo" rev-parse --absolute-git-dir)"
    read -r nblobs bbytes < <(git -C "$repo" cat-file --batch-all-objects --unordered \
        --batch-check='%(objecttype) %(objectsize)' 2>/dev/null |
        awk '$1 == "blob" { n++; b += $2 } END { printf "%d %.0f\n", n, b }')
    # The reachable blobs, in `rev-list --objects` order (newest first): the yardstick reads
    # exactly the contents a full history scan has to read. (A partial clone's missing blobs
    # are left out: they cannot be read by either.)
    git -C "$repo" rev-list --objects --all --missing=allow-any | cut -d' ' -f1 |
        git -C "$repo" cat-file --batch-check='%(objecttype) %(objectname) %(objectsize)' |
        awk '$1 == "blob" { print $2; n++; b += $3 } END { printf "%d %.0f\n", n, b > "/dev/stderr" }' \
            >"$WORK/reachable" 2>"$WORK/reachable.size"
    read -r rblobs rbytes <"$WORK/reachable.size"
    ncommits="$(git -C "$repo" rev-list --all --count 2>/dev/null || echo '?')"
    packmb="$(du -sm "$gitdir/objects" | cut -f1)"
    # Warm the page cache: the figures are CPU figures, not disk figures.
    find "$gitdir/objects" -type f -print0 | xargs -0 cat >/dev/null
    echo "== $repo"
    printf '   %s commits, %s blobs (%s reachable), %.1f MB of blob content (%.1f MB reachable), %s MB on disk\n' \
        "$ncommits" "$nblobs" "$rblobs" "$(echo "$bbytes" | awk '{ print $1 / 1e6 }')" \
        "$(echo "$rbytes" | awk '{ print $1 / 1e6 }')" "$packmb"
    echo "   load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
    rm -f "$WORK"/*.runs
    # The rows are run in turn, one warm-up round first, so that each ratio compares runs taken
    # side by side.
    for ((i = 0; i <= RUNS; i++)); do
        run_one reach 0 sh -c 'exec git -C "$1" cat-file --batch <"$2"' sh "$repo" "$WORK/reachable"
        run_one all 0 git -C "$repo" cat-file --batch-all-objects --batch --unordered
        # git's own walk and read: the objects reachable from the refs listed, then read.
        run_one walkread 0 sh -c 'git -C "$1" rev-list --objects --all --missing=allow-any |
            cut -d" " -f1 | git -C "$1" cat-file --batch' sh "$repo"
        if [ "$HAVE_GIT_CMD" -eq 1 ]; then
            run_one scan "$OK_STATUS" "$BIN" git "$repo" "${SCAN_ARGS[@]}"
            run_one floor "$OK_STATUS" "$BIN" git "$repo" "${SCAN_ARGS[@]}" --no-builtin-rules \
                --rules "$WORK/floor-rules"
        fi
        if [ "$i" -eq 0 ]; then # the warm-up round is not counted
            rm -f "$WORK"/*.runs
        fi
    done
    echo "   load average after:  $(cut -d' ' -f1-3 /proc/loadavg)"
    printf '   %-17s %8s %8s %8s %8s %9s %8s\n' "row" "wall s" "cpu s" "/batch" "/all" "MB/s" "RSS MB"
    row "cat-file --batch" reach
    row "cat-file --all" all
    row "rev-list|cat-file" walkread
    if [ "$HAVE_GIT_CMD" -eq 1 ]; then
        row "scan" scan
        row "scan, 1 rule" floor
        r="$(ratio_median scan reach 1)"
        echo "   target scan <= 0.75x cat-file --batch of the reachable blobs: $(awk -v r="$r" 'BEGIN { print (r <= 0.75) ? "met" : "NOT met" }') ($(printf '%.2f' "$r")x)"
        r="$(ratio_median scan all 1)"
        echo "   target scan <= 1.5x cat-file --batch-all-objects: $(awk -v r="$r" 'BEGIN { print (r <= 1.5) ? "met" : "NOT met" }') ($(printf '%.2f' "$r")x)"
        echo "   scan / git's own walk and read (rev-list --objects | cat-file --batch): $(printf '%.2f' "$(ratio_median scan walkread 1)")x"
        if [ -n "$PERF" ]; then
            # One more scan under perf: where its CPU goes, by component (shared object).
            if perf record -q -F 499 -g -o "$WORK/perf.data" -- "$BIN" git "$repo" "${SCAN_ARGS[@]}" \
                >/dev/null 2>&1 || [ -s "$WORK/perf.data" ]; then
                echo "   CPU split of one scan (perf record, by shared object; git = the cat-file children):"
                perf report -i "$WORK/perf.data" --no-children --sort comm,dso -g none 2>/dev/null |
                    awk '/^ *[0-9.]+%/ && $1 + 0 >= 0.5 { printf "     %s\n", $0 }' | head -n 14
            else
                echo "   CPU split: perf record failed (no permission for perf events here?)"
            fi
        fi
    fi
    echo
done

if [ -n "$STAGED_FILES" ]; then
    wdir="${TMPDIR:-/tmp}/fbs-bench-staged-$STAGED_FILES"
    if [ ! -d "$wdir" ]; then
        echo "generating a work tree of $STAGED_FILES files in $wdir ..." >&2
        gen_worktree "$wdir" "$STAGED_FILES"
    fi
    echo "== --staged in $wdir ($STAGED_FILES files, 2 staged changes)"
    if [ "$HAVE_GIT_CMD" -eq 1 ]; then
        measure "$OK_STATUS" "$BIN" git --staged "$wdir" "${SCAN_ARGS[@]}"
        ms="$(awk -v s="$MED" 'BEGIN { printf "%.0f", s * 1000 }')"
        printf '   %-10s %7s ms %9.1f RSS MB   target < 100 ms: %s\n' "staged" "$ms" \
            "$(awk -v r="$RSS" 'BEGIN { print r / 1024 }')" \
            "$(awk -v m="$ms" 'BEGIN { print (m < 100) ? "met" : "NOT met" }')"
    else
        echo "   skipped: no 'git' command in $BIN yet"
    fi
    echo
fi
