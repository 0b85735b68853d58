#!/usr/bin/env bash
# Set up (scripts/setup.sh --build), build, and scan: by default the demo repository (demo/ committed
# with a dated history by scripts/demo-repo.sh into build/demo-repo: its history, ages from the
# commits, one key that lives in history only), or the command and options given. The report goes to stdout. Findings are the expected outcome of the demo, so
# exit status 1 (findings) is reported but not treated as a failure of this script.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
"$root/scripts/setup.sh" --build
# The tests are configured when their tools are there (scripts/test.sh installs them).
tests=OFF
if pkg-config --exists cmocka; then
    tests=ON
fi
cmake -S "$root" -B "$root/build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DFBS_TESTS=$tests >/dev/null
cmake --build "$root/build" -j"$(nproc)" >/dev/null
if [ "$#" -eq 0 ]; then
    "$root/scripts/demo-repo.sh" "$root/build/demo-repo" >/dev/null
    set -- scan "$root/build/demo-repo"
fi
status=0
"$root/build/fallback-scan" "$@" || status=$?
if [ "$status" -eq 1 ]; then
    echo "(fallback-scan exit status 1: findings were reported)" >&2
    exit 0
fi
exit "$status"
