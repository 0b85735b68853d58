#!/usr/bin/env bash
# bench/eval_rules.sh - recall per family and false-positive rate of the rule pack on the
# labelled evaluation set (tests/eval/README.md).
#
#   bench/eval_rules.sh [--bin build/fallback-scan] [--set DIR] [--check] [extra eval_rules.py args]
#
# Generates the set with a fixed seed (tests/eval/gen_eval.py) unless --set names one, scans it,
# and prints a table: positives, found and recall per family, recall on covered families, how
# many positives the exactly expected rule reported, and the false positives on hard negatives
# (each listed). --check exits 1 below the targets (recall 0.95 per covered family, FP <= 3%).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BIN="$ROOT/build/fallback-scan"
ARGS=()
while [ $# -gt 0 ]; do
    case "$1" in
    --bin) BIN="$2"; shift 2 ;;
    -h|--help) sed -n '2,10s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"; exit 0 ;;
    *) ARGS+=("$1"); shift ;;
    esac
done
exec python3 "$ROOT/tests/eval/eval_rules.py" "$BIN" "${ARGS[@]+"${ARGS[@]}"}"
