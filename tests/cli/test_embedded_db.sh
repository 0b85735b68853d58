#!/usr/bin/env bash
# The built-in rules' embedded, precompiled databases (CMakeLists.txt: FBS_EMBED_RULE_DB): a cold
# start (no compile cache) uses them when the build embedded any, FALLBACK_SCAN_EMBEDDED_DB=off
# compiles instead, and the findings are the same either way.
# usage: test_embedded_db.sh BIN BUNDLE DEMO_DIR
set -euo pipefail
bin="$1" bundle="$2" demo="$3"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
export FALLBACK_SCAN_CACHE=off TZ=UTC LC_ALL=C HOME="$tmp"

origin() { # the `rules list -v` line (stderr) on where the databases came from
    "$bin" rules list -v "$@" 2>&1 >/dev/null | grep '^databases: '
}
with="$(origin)"
without="$(FALLBACK_SCAN_EMBEDDED_DB=off origin)"
echo "embedded:     $with"
echo "not embedded: $without"
case "$without" in
"databases: 0 embedded, 0 from the cache, "[1-9]*" compiled; prefilter decisions: computed") ;;
*) echo "FAIL: FALLBACK_SCAN_EMBEDDED_DB=off still used embedded databases"; exit 1 ;;
esac
if [ -s "$bundle" ]; then
    case "$with" in
    "databases: "[1-9]*" embedded, 0 from the cache, 0 compiled; prefilter decisions: embedded") ;;
    *) echo "FAIL: the embedded databases were not used for the built-in pack"; exit 1 ;;
    esac
else
    echo "note: this build embedded no databases ($bundle is empty or absent)"
    [ "$with" = "$without" ]
fi

# A pack with a rule more (--rules DIR) compiles its text database.
mkdir "$tmp/rules"
cat >"$tmp/rules/extra.yml" <<'YML'
rules:
  - id: test.extra
    name: Extra
    kind: test_token
    pattern: 'ext_[0-9]{10}'
    examples: ['ext_0123456789']
    negative_examples: ['ext_1']
YML
extra="$(origin --rules "$tmp/rules")"
echo "a rule more:  $extra"
case "$extra" in
*" 0 compiled;"* | *"decisions: embedded") echo "FAIL: a modified pack compiled nothing"; exit 1 ;;
esac

# The same findings with and without the embedded databases.
scan() {
    local rc=0
    "$bin" files "$demo" --now 2026-11-23T00:00:00Z --format json -o "$1" || rc=$?
    [ "$rc" -eq 1 ] || { echo "FAIL: scan exit $rc"; exit 1; }
}
scan "$tmp/with.json"
FALLBACK_SCAN_EMBEDDED_DB=off scan "$tmp/without.json"
# Everything but the scan's duration (scan.stats.seconds) must be equal.
python3 - "$tmp/with.json" "$tmp/without.json" <<'PY'
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
for d in (a, b):
    del d["scan"]["stats"]["seconds"]
if not a["findings"]:
    sys.exit("FAIL: no findings in the demo scan")
if a != b:
    for k in a:
        if a[k] != b.get(k):
            print("differs:", k)
    sys.exit("FAIL: the reports differ with and without the embedded databases")
print(f"ok   {len(a['findings'])} findings, identical with and without the embedded databases")
PY
