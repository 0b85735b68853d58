#!/usr/bin/env python3
"""Score the rule pack on the labelled evaluation set (tests/eval/README.md).

  eval_rules.py BIN [--set DIR] [--check] [--min-recall 0.95] [--max-fp 0.03] [--json OUT]

Generates the set (gen_eval.py, fixed seed) unless --set names an existing one, scans it with
`BIN files --format jsonl --show-secrets`, and prints recall per family, the share of
positives reported by a rule of the expected family, and the false-positive rate on the hard
negatives. A positive is found when a finding of its family (rule id prefix) covers its secret
(for credential files, command lines and connection strings: any rule of the cli, credfile,
database or generic families). A negative is a false positive when it has any finding.
It also scans every rule example that declares its secret (rules/*.yml) with the whole pack:
one credential must be reported by exactly one rule, the most specific, so an example reported
under another rule means two rules overlap and their priorities need fixing.
With --check, exits 1 when a covered family is under --min-recall, the FP rate is over
--max-fp, or an example is reported under another rule. A family is covered when the pack has
a rule of that family.
"""

import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
RULES = os.path.join(HERE, "..", "..", "rules")


def scan(binary, cwd, env):
    proc = subprocess.run([binary, "files", "--format", "jsonl", "--show-secrets", "-q", "--now",
                           "2026-06-01T00:00:00Z", "-j", "1", "."], cwd=cwd,
                          capture_output=True, text=True, env=env)
    if proc.returncode not in (0, 1):
        raise SystemExit("scan failed (%d): %s" % (proc.returncode, proc.stderr))
    by_path = {}
    for ln in proc.stdout.splitlines():
        f = json.loads(ln)
        if "rule" not in f:
            continue
        p = os.path.normpath(f["location"]["path"])
        by_path.setdefault(p, []).append((f["rule"]["id"], f["credential"].get("secret") or ""))
    return by_path


def example_overlaps(binary, env):
    """Rule examples (with a declared secret) that the whole pack reports under another rule."""
    import glob
    import yaml

    bad = []
    with tempfile.TemporaryDirectory(prefix="fbs-examples-") as d:
        want = {}
        n = 0
        for f in sorted(glob.glob(os.path.join(RULES, "*.yml"))):
            for r in (yaml.safe_load(open(f, encoding="utf-8")) or {}).get("rules") or []:
                for e in r.get("examples") or []:
                    if not isinstance(e, dict) or "secret" not in e:
                        continue
                    n += 1
                    rel = os.path.join("%04d" % n, os.path.basename(e.get("path") or "sample.txt"))
                    os.makedirs(os.path.join(d, "%04d" % n))
                    with open(os.path.join(d, rel), "w", encoding="utf-8") as out:
                        out.write(e["text"])
                    want[rel] = (r["id"], e["secret"])
        found = scan(binary, d, env)
        for rel, (rid, sec) in sorted(want.items()):
            got = [g for g, s in found.get(os.path.normpath(rel), []) if s == sec]
            if rid not in got:
                bad.append((rid, got))
    return n, bad
CONTEXTUAL = {"cli", "credfile", "database", "generic"}


def arg(name, default):
    if name in sys.argv:
        return sys.argv[sys.argv.index(name) + 1]
    return default


def main():
    if len(sys.argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    binary = os.path.abspath(sys.argv[1])
    min_recall = float(arg("--min-recall", "0.95"))
    max_fp = float(arg("--max-fp", "0.03"))
    tmp = None
    setdir = arg("--set", None)
    if not setdir:
        tmp = tempfile.TemporaryDirectory(prefix="fbs-eval-")
        setdir = tmp.name
        subprocess.run([sys.executable, os.path.join(HERE, "gen_eval.py"), setdir], check=True,
                       stdout=subprocess.DEVNULL)
    labels = json.load(open(os.path.join(setdir, "labels.json"), encoding="utf-8"))
    env = dict(os.environ, FALLBACK_SCAN_CACHE="off", TZ="UTC", LC_ALL="C")
    rules = subprocess.run([binary, "rules", "list"], capture_output=True, text=True, env=env).stdout
    rule_ids = [ln.split()[0] for ln in rules.splitlines() if ln.strip() and "." in ln.split()[0]]
    pack_families = {r.split(".")[0] for r in rule_ids}
    by_path = scan(binary, setdir, env)
    fam = {}
    wrong_rule = 0
    exact = 0
    exact_n = 0
    negatives = fp = 0
    fp_list = []
    for lab in labels:
        found = by_path.get(os.path.normpath(lab["path"]), [])
        if lab["label"] == "negative":
            negatives += 1
            if found:
                fp += 1
                fp_list.append((lab["path"], found[0][0]))
            continue
        family = lab["family"]
        st = fam.setdefault(family, [0, 0])
        st[0] += 1
        ok = False
        for rid, sec in found:
            rfam = rid.split(".")[0]
            covers = sec and (lab["secret"] in sec or sec in lab["secret"])
            if not covers:
                continue
            # A key in a credential file (s3cfg, docker config, .npmrc) may be named by its provider's rule.
            if rfam == family or (family in CONTEXTUAL and rfam in CONTEXTUAL | {"aws", "docker", "npm"}):
                ok = True
            else:
                wrong_rule += 1
        if ok:
            st[1] += 1
        want = lab["format"].split("#")[0]
        if want in rule_ids:
            exact_n += 1
            exact += any(rid == want for rid, _ in found)
        elif not ok and os.environ.get("EVAL_VERBOSE"):
            pass
        if not ok and os.environ.get("EVAL_VERBOSE"):
            print("  missed %s (%s) %s" % (lab["path"], lab["format"], [x[0] for x in found]))
    covered = {f: v for f, v in fam.items() if f in pack_families}
    print("%-14s %5s %5s %7s  %s" % ("family", "n", "found", "recall", "covered"))
    for f in sorted(fam):
        n, k = fam[f]
        print("%-14s %5d %5d %7.3f  %s" % (f, n, k, k / n, "yes" if f in covered else "no"))
    pos = sum(v[0] for v in fam.values())
    hit = sum(v[1] for v in fam.values())
    cpos = sum(v[0] for v in covered.values())
    chit = sum(v[1] for v in covered.values())
    low = sorted(f for f, (n, k) in covered.items() if k / n < min_recall)
    fp_rate = fp / negatives if negatives else 0.0
    print("rules in pack: %d" % len(rule_ids))
    print("positives: %d in %d families; recall over all: %.3f" % (pos, len(fam), hit / pos))
    print("covered families: %d; recall on covered: %.3f; under %.2f: %s" % (
        len(covered), chit / cpos if cpos else 0.0, min_recall, ", ".join(low) or "none"))
    print("positives reported under another family's rule: %d" % wrong_rule)
    if exact_n:
        print("positives reported by exactly the expected rule: %d/%d (%.3f)" % (exact, exact_n, exact / exact_n))
    print("hard negatives: %d; false positives: %d (%.3f)" % (negatives, fp, fp_rate))
    for p, rid in fp_list:
        print("  FP %s -> %s" % (p, rid))
    nex, overl = example_overlaps(binary, env)
    print("rule examples: %d; reported under another rule: %d" % (nex, len(overl)))
    for rid, got in overl:
        print("  example of %s reported as %s" % (rid, ", ".join(got) or "nothing"))
    if "--check" in sys.argv and (low or fp_rate > max_fp or overl):
        print("FAIL: recall under %.2f in %s, FP rate %.3f (max %.2f), %d overlapping examples" % (
            min_recall, ", ".join(low) or "no family", fp_rate, max_fp, len(overl)))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
