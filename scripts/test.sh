#!/usr/bin/env bash
# Set up, build and run the whole test suite with ctest.
#   scripts/test.sh             normal build in build/
#   scripts/test.sh --sanitize  AddressSanitizer + UndefinedBehaviorSanitizer build in build-asan/
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
"$root/scripts/setup.sh"
dir="$root/build"
flags=(-DCMAKE_BUILD_TYPE=RelWithDebInfo -DFBS_TESTS=ON)
if [ "${1:-}" = "--sanitize" ]; then
    dir="$root/build-asan"
    flags=(-DCMAKE_BUILD_TYPE=Debug -DFBS_SANITIZE=ON -DFBS_TESTS=ON)
    export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1"
    # libgit2's own leak on version 1 repositories (docs/fuzzing.md); its test adds
    # fast_unwind_on_malloc=0, which the suppression needs, to its own runs only (10x slower).
    export LSAN_OPTIONS="suppressions=$root/tests/lsan.supp:print_suppressions=0"
    export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
fi
cmake -S "$root" -B "$dir" "${flags[@]}" >/dev/null
cmake --build "$dir" -j"$(nproc)"
cd "$dir"
ctest --output-on-failure -j"$(nproc)"
