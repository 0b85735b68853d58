#!/usr/bin/env bash
# The Debian package: build it from a Release build tree (cpack -G DEB), check that its Depends
# name the package of every library the binary links, install it (dpkg -i), run the installed
# /usr/bin/fallback-scan (version, man page, a scan of demo/), then remove it (dpkg -r).
# Changes the system: run by .ci/run (as root, or with sudo), not by ctest.
#   tests/package/test_deb.sh BUILD_DIR
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
build="$(cd "${1:?usage: tests/package/test_deb.sh BUILD_DIR}" && pwd)"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
tmp="$(mktemp -d)"
installed=0
cleanup() {
    [ "$installed" = 0 ] || $sudo dpkg -r fallback-scan >/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT

(cd "$build" && rm -f fallback-scan_*.deb && cpack -G DEB >/dev/null)
deb="$(ls "$build"/fallback-scan_*.deb)"
echo "package: $deb"
dpkg-deb --field "$deb" Package Version Architecture Depends Recommends

# Every NEEDED library of the binary comes from a package the Depends line names.
depends="$(dpkg-deb --field "$deb" Depends)"
for lib in $(objdump -p "$build/fallback-scan" | awk '/NEEDED/ {print $2}'); do
    path="$(ldconfig -p | awk -v l="$lib" '$1 == l && !n++ {print $NF}')"
    pkg=""
    real="$(readlink -f "$path")"
    for p in "$path" "$real" "${real#/usr}" "$(dirname "$path")/$(basename "$real")"; do
        pkg="$(dpkg -S "$p" 2>/dev/null | head -1 | cut -d: -f1)" && [ -n "$pkg" ] && break
    done
    if [ -z "$pkg" ] || ! grep -Eq "(^|[ ,|])$pkg( |,|$)" <<<"$depends"; then
        echo "FAIL: $lib (package '${pkg:-?}') is not in Depends: $depends" >&2
        exit 1
    fi
done
echo "ok   Depends covers every linked library"

$sudo dpkg -i "$deb"
installed=1
test "$(command -v fallback-scan)" = /usr/bin/fallback-scan
/usr/bin/fallback-scan version
man -w fallback-scan
test -f /usr/share/bash-completion/completions/fallback-scan
rc=0
FALLBACK_SCAN_CACHE=off /usr/bin/fallback-scan files "$root/demo" --now 2026-11-23T00:00:00Z \
    --format json -o "$tmp/report.json" || rc=$?
n="$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["findings"]))' \
    "$tmp/report.json")"
echo "installed binary: scan of demo/ exit $rc, $n findings"
[ "$rc" -eq 1 ] && [ "$n" -gt 0 ]
$sudo dpkg -r fallback-scan
installed=0
test ! -e /usr/bin/fallback-scan
echo "ok   the package installs, runs and is removed"
