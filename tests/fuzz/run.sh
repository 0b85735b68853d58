#!/usr/bin/env bash
# Run every libFuzzer target of a FBS_FUZZ=ON build for a fixed time on its seed corpus.
#   tests/fuzz/run.sh BUILD_DIR [SECONDS_PER_TARGET] [TARGET...]
# BUILD_DIR: CC=clang cmake -S . -B build-fuzz -DFBS_FUZZ=ON -DFBS_TESTS=OFF && cmake --build ...
# SECONDS_PER_TARGET defaults to 15 (what .ci/run uses); docs/fuzzing.md has long runs.
# The committed corpus is read, never written: new inputs go to a scratch directory. A crash, a
# leak or an input slower than the -timeout oracle (10 s) fails the run and leaves the input in
# $FBS_FUZZ_ARTIFACTS (default: BUILD_DIR/fuzz-artifacts); copy it into
# tests/fuzz/corpus/<target>/ once fixed, so the ordinary test build replays it.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
build="${1:?usage: run.sh BUILD_DIR [SECONDS] [TARGET...]}"
secs="${2:-15}"
shift $(( $# >= 2 ? 2 : 1 ))
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    targets=(glob conf ignore detectors inventory matcher loose pack)
fi
artifacts="${FBS_FUZZ_ARTIFACTS:-$build/fuzz-artifacts}"
mkdir -p "$artifacts"
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:symbolize=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
export LSAN_OPTIONS="${LSAN_OPTIONS:-suppressions=$root/tests/lsan.supp:print_suppressions=0}"
export FALLBACK_SCAN_CACHE=off
failed=0
for t in "${targets[@]}"; do
    bin="$build/tests/fuzz/fuzz_$t"
    [ -x "$bin" ] || { echo "fuzz: no $bin (configure with -DFBS_FUZZ=ON)" >&2; exit 2; }
    mkdir -p "$scratch/$t"
    echo "fuzz: $t for ${secs}s"
    if ! "$bin" "$scratch/$t" "$root/tests/fuzz/corpus/$t" -max_total_time="$secs" \
        -timeout=10 -rss_limit_mb=2048 -max_len=65536 -print_final_stats=1 \
        -artifact_prefix="$artifacts/$t-" >"$scratch/$t.log" 2>&1; then
        echo "fuzz: $t FAILED; input(s) in $artifacts:" >&2
        tail -60 "$scratch/$t.log" >&2
        failed=1
    else
        grep -E "stat::number_of_executed_units|cov:" "$scratch/$t.log" | tail -2 | sed "s/^/  /"
    fi
done
exit $failed
