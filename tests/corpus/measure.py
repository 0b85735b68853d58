#!/usr/bin/env python3
"""Precision and recall of fallback-scan on the labelled corpus (tests/corpus/README.md).

  measure.py --bin build/fallback-scan [--corpus tests/corpus] [--min 0.95] [--keep DIR]
             [--report FILE] [--quiet]

1. Builds the corpus as a git repository in a temporary directory from history.yml: each commit
   in order, with its author, dates and message pinned (GIT_AUTHOR_DATE, GIT_COMMITTER_DATE),
   files written from `src` and removed as listed; commits with `branch:` go to that branch.
2. Scans it: fallback-scan git REPO --now NOW --format json -q --show-secrets
   (--show-secrets only to disambiguate two labels on one line by their first characters; the
   report stays in the temporary directory and every value in the corpus is fake).
3. Matches each finding to the labels by path and line: a finding matches a label when its path
   is the label's and its line is within [line, end] (end defaults to line) widened by --slack
   lines; when several labels match, the one whose hint the secret starts with wins.

Figures:
  detection  per labelled secret: TP = labelled secrets with at least one finding; FN = those
             with none; FP = findings that match no labelled secret (hard negatives and anything
             else). Several findings of one labelled secret (the same line in two versions of a
             file) are one TP, not FPs.
  fallback   per matched finding: positive = fallback.is_fallback; truth = the label's fallback.
  standing   per matched finding: positive = standing_access; truth = the label's standing.
Exit status: 0 when all six figures reach --min, 1 when one does not, 2 on a setup error.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile

try:
    import yaml
except ImportError:  # pragma: no cover
    sys.stderr.write("measure.py: python3-yaml is required (scripts/setup.sh installs it)\n")
    sys.exit(2)

HERE = os.path.dirname(os.path.abspath(__file__))


def die(msg):
    sys.stderr.write("measure.py: %s\n" % msg)
    sys.exit(2)


def split_ident(s):
    """'Name <mail>' -> (name, mail)."""
    name, _, rest = s.partition("<")
    return name.strip(), rest.rstrip(">").strip()


def build_repo(corpus, history, dest):
    env = dict(os.environ)
    for k in list(env):
        if k.startswith("GIT_"):
            del env[k]
    env.update({"GIT_CONFIG_NOSYSTEM": "1", "HOME": dest, "TZ": "UTC", "LC_ALL": "C"})
    cname, cmail = split_ident(history.get("committer", "Corpus <corpus@example.invalid>"))

    def git(*args, extra=None):
        e = dict(env)
        if extra:
            e.update(extra)
        r = subprocess.run(["git", "-c", "init.defaultBranch=main", "-c", "commit.gpgsign=false",
                            "-c", "core.autocrlf=false", "-c", "user.useConfigOnly=false"] + list(args),
                           cwd=repo, env=e, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        if r.returncode != 0:
            die("git %s failed: %s" % (" ".join(args), r.stderr.strip()))
        return r.stdout

    repo = os.path.join(dest, "repo")
    os.makedirs(repo)
    git("init", "-q")
    branch = "main"
    branches = {"main"}
    for c in history["commits"]:
        want = c.get("branch", "main")
        if want != branch:
            if want in branches or want == "main":
                git("checkout", "-q", want)
            else:
                git("checkout", "-q", "-b", want)
                branches.add(want)
            branch = want
        for w in c.get("write", []):
            src = os.path.join(corpus, w["src"])
            dst = os.path.join(repo, w["path"])
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            shutil.copyfile(src, dst)
            git("add", "--", w["path"])
        for p in c.get("remove", []):
            git("rm", "-q", "--", p)
        aname, amail = split_ident(c["author"])
        git("commit", "-q", "--allow-empty", "-m", c["message"], extra={
            "GIT_AUTHOR_NAME": aname, "GIT_AUTHOR_EMAIL": amail, "GIT_AUTHOR_DATE": c["date"],
            "GIT_COMMITTER_NAME": cname, "GIT_COMMITTER_EMAIL": cmail,
            "GIT_COMMITTER_DATE": c.get("committer_date", c["date"])})
    if branch != "main":
        git("checkout", "-q", "main")
    return repo


def check_labels(corpus, history, labels):
    """Every label's hint must be on its line in the file version it names."""
    src_of = {}
    for c in history["commits"]:
        for w in c.get("write", []):
            src_of[(c["id"], w["path"])] = w["src"]
    problems = []
    for s in labels["secrets"]:
        src = src_of.get((s["commit"], s["path"]))
        if not src:
            problems.append("%s:%d: no file version from commit %s" % (s["path"], s["line"], s["commit"]))
            continue
        with open(os.path.join(corpus, src), encoding="utf-8") as fh:
            lines = fh.read().split("\n")
        if s["line"] > len(lines) or s["hint"] not in lines[s["line"] - 1]:
            problems.append("%s:%d: hint %r not on that line" % (s["path"], s["line"], s["hint"]))
        if s["standing"] and not s["fallback"]:
            problems.append("%s:%d: standing but not fallback" % (s["path"], s["line"]))
    return problems


def ratio(a, b):
    return a / b if b else 1.0


def prf(tp, fp, fn):
    return ratio(tp, tp + fp), ratio(tp, tp + fn)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bin", required=True, help="the fallback-scan binary")
    ap.add_argument("--corpus", default=HERE)
    ap.add_argument("--min", type=float, default=0.95, help="lowest acceptable figure (default 0.95)")
    ap.add_argument("--slack", type=int, default=0, help="lines a finding may be off its label")
    ap.add_argument("--keep", help="build the repository in this (new) directory and keep it")
    ap.add_argument("--report", help="also write the scan's JSON report here")
    ap.add_argument("--quiet", action="store_true", help="only the figures and the verdict")
    a = ap.parse_args()

    with open(os.path.join(a.corpus, "history.yml"), encoding="utf-8") as fh:
        history = yaml.safe_load(fh)
    with open(os.path.join(a.corpus, "labels.yml"), encoding="utf-8") as fh:
        labels = yaml.safe_load(fh)
    problems = check_labels(a.corpus, history, labels)
    if problems:
        die("labels do not match the corpus files:\n  " + "\n  ".join(problems))
    if shutil.which("git") is None:
        die("git is required to build the corpus repository")

    tmp = None
    if a.keep:
        os.makedirs(a.keep)
        work = os.path.abspath(a.keep)
    else:
        tmp = tempfile.TemporaryDirectory(prefix="fbs-corpus-")
        work = tmp.name
    try:
        repo = build_repo(a.corpus, history, work)
        cmd = [a.bin, "git", repo, "--now", history["now"], "--format", "json", "-q", "--show-secrets",
               "--fail-on", "none"]
        env = dict(os.environ, FALLBACK_SCAN_SALT="corpus")
        r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
        if r.returncode not in (0, 1) or "Sanitizer" in r.stderr or "runtime error:" in r.stderr:
            die("scan failed (exit %d): %s" % (r.returncode, r.stderr.strip()))
        report = json.loads(r.stdout)
        if a.report:
            with open(a.report, "w") as fh:
                fh.write(r.stdout)
    finally:
        if tmp:
            tmp.cleanup()

    secrets = labels["secrets"]
    negs = {(n["path"], n["line"]): n for n in labels.get("negatives", [])}
    by_path = {}
    for i, s in enumerate(secrets):
        by_path.setdefault(s["path"], []).append(i)

    matched = {}   # label index -> [findings]
    fps = []       # (finding, why)
    for f in report["findings"]:
        loc = f["location"]
        path, line, col = loc.get("path"), loc.get("line") or 0, loc.get("column") or 0
        sec = f["credential"].get("secret") or ""
        near = [i for i in by_path.get(path, [])
                if secrets[i]["line"] - a.slack <= line <= secrets[i].get("end", secrets[i]["line"]) + a.slack]
        # The same value: the finding starts where the label's value starts, or its secret starts
        # with the label's hint (a rule may take a bullet or quote along: within 4 characters).
        same = [i for i in near
                if (line == secrets[i]["line"] and col == secrets[i]["column"])
                or secrets[i]["hint"] in sec[:len(secrets[i]["hint"]) + 4]]
        if same:
            same.sort(key=lambda i: (abs(secrets[i]["line"] - line), abs(secrets[i]["column"] - col)))
            matched.setdefault(same[0], []).append(f)
        elif near:
            fps.append((f, "on the line of a labelled secret, but another value (column %d, starts %r)"
                        % (col, sec[:4])))
        else:
            n = negs.get((path, line))
            fps.append((f, ("hard negative: " + n["why"]) if n else "not a labelled secret"))

    tp = len(matched)
    fn_idx = [i for i in range(len(secrets)) if i not in matched]
    det_p, det_r = prf(tp, len(fps), len(fn_idx))

    cls = {"fallback": [0, 0, 0], "standing": [0, 0, 0]}  # tp, fp, fn
    wrong = {"fallback": [], "standing": []}
    for i, fl in sorted(matched.items()):
        s = secrets[i]
        for f in fl:
            for dim, got, want in (("fallback", bool(f["fallback"]["is_fallback"]), s["fallback"]),
                                   ("standing", bool(f.get("standing_access")), s["standing"])):
                if got and want:
                    cls[dim][0] += 1
                elif got and not want:
                    cls[dim][1] += 1
                    wrong[dim].append(("FP", s, f))
                elif want and not got:
                    cls[dim][2] += 1
                    wrong[dim].append(("FN", s, f))
    fb_p, fb_r = prf(*cls["fallback"])
    st_p, st_r = prf(*cls["standing"])

    out = []
    w = out.append
    nfb = sum(1 for s in secrets if s["fallback"])
    nst = sum(1 for s in secrets if s["standing"])
    w("corpus: %d labelled secrets (%d fallback, %d standing), %d listed hard negatives; %d findings"
      % (len(secrets), nfb, nst, len(negs), len(report["findings"])))
    if not a.quiet:
        for f, why in fps:
            loc = f["location"]
            w("  detection FP  %s:%s  %s  (%s)" % (loc.get("path"), loc.get("line"), f["rule"]["id"], why))
        for i in fn_idx:
            s = secrets[i]
            w("  detection FN  %s:%d  %s %s…%s" % (s["path"], s["line"], s["kind"], s["hint"],
                                                   ("  (" + s["note"] + ")") if s.get("note") else ""))
        for dim in ("fallback", "standing"):
            for kind, s, f in wrong[dim]:
                if dim == "fallback":
                    ind = ", ".join("%s@%s" % (x["term"], x["where"]) for x in f["fallback"]["indicators"]) or "none"
                    detail = "confidence %.2f; indicators: %s" % (f["fallback"]["confidence"], ind)
                else:
                    detail = "; ".join(f.get("reasons") or [])
                w("  %-8s %s  %s:%d  %s  [%s]  %s" % (dim, kind, s["path"], s["line"], f["rule"]["id"],
                                                    (f["location"].get("commit") or "")[:8], detail))
    w("")
    w("%-22s %9s %9s   %5s %5s %5s" % ("", "precision", "recall", "TP", "FP", "FN"))
    w("%-22s %9.3f %9.3f   %5d %5d %5d" % ("secret detection", det_p, det_r, tp, len(fps), len(fn_idx)))
    w("%-22s %9.3f %9.3f   %5d %5d %5d" % ("fallback (per finding)", fb_p, fb_r, *cls["fallback"]))
    w("%-22s %9.3f %9.3f   %5d %5d %5d" % ("standing (per finding)", st_p, st_r, *cls["standing"]))
    figs = {"detection precision": det_p, "detection recall": det_r, "fallback precision": fb_p,
            "fallback recall": fb_r, "standing precision": st_p, "standing recall": st_r}
    low = ["%s %.3f" % (k, v) for k, v in figs.items() if v < a.min]
    w("")
    if low:
        w("FAIL: below the %.2f minimum: %s" % (a.min, ", ".join(low)))
        w("(The labels are the truth; the misses listed above are the scanner's to fix - in a rule, "
          "a detector or a parser - not the labels'. See tests/corpus/README.md.)")
    else:
        w("ok: all six figures >= %.2f" % a.min)
    print("\n".join(out))
    return 1 if low else 0


if __name__ == "__main__":
    sys.exit(main())
