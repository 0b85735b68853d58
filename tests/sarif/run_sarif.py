#!/usr/bin/env python3
"""SARIF tests for fallback-scan: golden reports, validation, redaction, fingerprint stability.

Reports checked:
  tree             `files . --format sarif` over a copy of tests/fixtures/tree (mtimes pinned)
  git              `git repo --format sarif` over a repository built here (pinned identity and
                   dates: a break-glass key added in one commit, removed in the next)
  scan             `scan repo`: the same history plus an untracked file with a password
  exceptions       `scan exc` over a repository with an allow comment, a .fallbackscanignore
                   path entry and an --ignore-file (outside it) fingerprint entry: suppressed
                   results carry `suppressions` (inSource / external with the entry's location)
  baseline         a baseline round trip: `files .` written as SARIF, then a secret added and one
                   removed, re-scanned with --baseline: one "new", the rest "unchanged", one
                   "absent" result carrying the removed finding's fingerprint
  sample_<name>    the documents tests/unit/test_report_sarif.c writes (FBS_SARIF_SAMPLES=DIR):
                   cloud records, a repository with provenance, several targets, no findings
Every report (these, and the --show-secrets and line-shifted ones below) must
  1. validate against the SARIF 2.1.0 JSON schema (the one shipped with the multitool), and
  2. pass `Sarif.Multitool validate --rule-kind "Gh;Sarif" --level "Error;Warning"` with zero
     results (no error, no warning under SARIF's rules and GitHub's ingestion rules), and
  3. (the ones above) equal its golden file tests/sarif/expected/<name>.sarif after normalisation: the tool's
     version and semanticVersion -> "VERSION"; the temporary directory, tests/fixtures and the
     source tree -> @TMP@, @FIXTURES@, @SRC@ (also inside file:// URIs).
Further checks:
  redaction        no secret printed by `--show-secrets` (JSON) is in the default SARIF of the
                   same scan, while the --show-secrets SARIF has them (so the check can fail);
                   no partialFingerprint is a bare MD5/SHA-1/SHA-256 of a secret
  fingerprints     after inserting lines above the secrets and re-scanning, every result keeps
                   its partialFingerprints while its startLine moves
  validators       the checks can fail: a result without locations is a multitool error, a
                   bogus level a schema error
  exceptions       SARIF carries the suppressed findings even without --show-suppressed (JSON
                   does not), each with kind, status, justification and the entry's place
  baseline         states and counts as above; the absent result's rule is described; using the
                   second log as a baseline again skips its absent result (all "unchanged")
  partial          `git repo --since-commit HEAD~2 --baseline <full scan>`: no "absent" result
                   (the scan did not look where the rest is), properties.baseline.absent 0,
                   automationDetails.id "fallback-scan/partial/" (the full scan's is
                   "fallback-scan/full/"), properties.partial "--since-commit"; validated too
  targets          three repositories holding the same .env (two remotes, one without) in one
                   `scan` (also a golden, targets.sarif): three results under three base ids, with
                   three partialFingerprints and three properties.target, each target listed in
                   run.properties.targets with its id and uriBaseId
  provenance       the CLI names the repository: versionControlProvenance has the origin URL
                   without its credentials (an scp-like one as ssh://), HEAD's commit and branch;
                   `git repo/sub` maps %SRCROOT% to the work tree, `scan repo/sub` (not a
                   repository) to the directory, without provenance

The multitool is found with `scripts/setup.sh --sarif-multitool-path` (or --multitool); when it
is missing, `scripts/setup.sh --sarif-multitool` installs it. If that fails the test is skipped
(exit 77) with the reason - unless $CI is set, where it fails.

  run_sarif.py --bin build/fallback-scan --samples build/tests/test_report_sarif \\
               [--src .] [--multitool PATH] [--update]
Output: "ok   <check>" or "FAIL <check>" (with details) per check, then "N passed, N failed".
"""
import argparse
import difflib
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import urllib.parse

NOW = "--now=2026-11-23T00:00:00Z"
SKIP = 77
TIMEOUT = 300  # seconds per command (ASan builds are slow)
PINNED_MTIME = 1768435200  # 2026-01-15T00:00:00Z


class Checks:
    def __init__(self):
        self.passed = 0
        self.failed = 0

    def ok(self, name):
        print(f"ok   {name}")
        self.passed += 1

    def fail(self, name, detail):
        print(f"FAIL {name}")
        for line in str(detail).rstrip("\n").splitlines():
            print(f"     {line}")
        self.failed += 1

    def check(self, name, problems):
        if problems:
            self.fail(name, "\n".join(problems))
        else:
            self.ok(name)


def run(argv, cwd=None, env=None, ok_codes=(0,)):
    p = subprocess.run(argv, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       timeout=TIMEOUT)
    if p.returncode not in ok_codes:
        raise RuntimeError(f"{' '.join(argv)}: exit {p.returncode}\n"
                           f"{p.stderr.decode(errors='replace')}")
    return p.stdout.decode()


def scan(args, argv, cwd):
    """A fallback-scan run that is expected to find something (exit 1) or nothing (0)."""
    return run([args.bin] + argv, cwd=cwd, ok_codes=(0, 1))


def pin_mtimes(root):
    """Every file and directory under root modified at PINNED_MTIME (as run_golden.py does)."""
    for dirpath, dirnames, filenames in os.walk(root):
        for name in filenames + dirnames:
            os.utime(os.path.join(dirpath, name), (PINNED_MTIME, PINNED_MTIME),
                     follow_symlinks=False)
    os.utime(root, (PINNED_MTIME, PINNED_MTIME))


# ---- the multitool and the schema ----

def find_multitool(args):
    """Path of Sarif.Multitool, installing it if needed; None (after printing why) to skip."""
    setup = os.path.join(args.src, "scripts", "setup.sh")
    path = args.multitool or run([setup, "--sarif-multitool-path"]).strip()
    if os.access(path, os.X_OK):
        return path
    if args.multitool:
        print(f"FAIL --multitool {path}: not an executable")
        sys.exit(1)
    print(f"note: {path} missing; running scripts/setup.sh --sarif-multitool", flush=True)
    p = subprocess.run([setup, "--sarif-multitool"], stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, timeout=TIMEOUT)
    if p.returncode == 0 and os.access(path, os.X_OK):
        return path
    lines = p.stdout.decode(errors="replace").strip().splitlines()
    why = [l for l in lines if re.search(r"\b(code|errno|ENOTFOUND|ECONN\w*|E\d{3})\b", l)][:4] \
        or lines[-5:]
    msg = ("the SARIF multitool cannot be installed (npm install @microsoft/sarif-multitool "
           "failed: no network?):\n  " + "\n  ".join(why))
    if os.environ.get("CI"):
        print(f"FAIL {msg}")
        sys.exit(1)
    print(f"SKIP {msg}")
    return None


def schema_validator(multitool):
    try:
        import jsonschema
    except ImportError:
        print("FAIL the jsonschema module is missing (scripts/setup.sh installs python3-jsonschema)")
        sys.exit(1)
    with open(os.path.join(os.path.dirname(multitool), "sarif-2.1.0.json")) as f:
        schema = json.load(f)
    cls = jsonschema.Draft202012Validator
    cls.check_schema(schema)
    return cls(schema)


def multitool_problems(multitool, path, tmp):
    """The multitool's errors and warnings for one SARIF file (empty: accepted)."""
    log = os.path.join(tmp, "validation-" + os.path.basename(path))  # it will not overwrite
    env = dict(os.environ, DOTNET_SYSTEM_GLOBALIZATION_INVARIANT="1",
               DOTNET_CLI_TELEMETRY_OPTOUT="1")
    out = run([multitool, "validate", "--rule-kind", "Gh;Sarif", "--level", "Error;Warning",
               "-o", log, path], env=env, ok_codes=(0, 1))
    try:
        with open(log) as f:
            doc = json.load(f)
    except (OSError, ValueError) as e:
        return [f"no validation log ({e}); multitool said:", out]
    problems = []
    for r in doc["runs"][0].get("results", []):
        if r.get("level", "warning") in ("error", "warning"):
            msg = r.get("message", {})
            text = msg.get("text") or f"{msg.get('id')} {msg.get('arguments')}"
            problems.append(f"{r.get('level', 'warning')} {r.get('ruleId')}: {text}")
    for inv in doc["runs"][0].get("invocations", []):
        if not inv.get("executionSuccessful", False):
            problems.append("the multitool did not run successfully:\n" + out)
        for n in inv.get("toolExecutionNotifications", []):
            if n.get("level") == "error":
                problems.append(f"multitool: {n.get('message', {}).get('text')}")
    return problems


def schema_problems(validator, doc):
    return [f"/{'/'.join(map(str, e.absolute_path))}: {e.message}"
            for e in validator.iter_errors(doc)]


# ---- normalisation and golden files ----

def normalise(text, paths):
    doc = json.loads(text)
    for r in doc.get("runs", []):
        drv = r.get("tool", {}).get("driver", {})
        for k in ("version", "semanticVersion"):
            if k in drv:
                drv[k] = "VERSION"
    text = json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
    subst = {}
    for value, token in paths.items():
        for v in {value, os.path.realpath(value)}:
            subst[v] = token
            subst[urllib.parse.quote(v, safe="/-._~")] = token
    for value, token in sorted(subst.items(), key=lambda kv: -len(kv[0])):
        text = text.replace(value, token)
    return text


def compare(checks, args, name, text, paths):
    path = os.path.join(args.expected, f"{name}.sarif")
    actual = normalise(text, paths)
    if args.update:
        os.makedirs(args.expected, exist_ok=True)
        with open(path, "w") as f:
            f.write(actual)
    try:
        with open(path) as f:
            expected = f.read()
    except OSError as e:
        checks.fail(f"golden {name}", f"{e} (run with --update to create it)")
        return
    if expected == actual:
        checks.ok(f"golden {name}")
    else:
        checks.fail(f"golden {name}", "".join(difflib.unified_diff(
            expected.splitlines(True), actual.splitlines(True), f"expected/{name}.sarif",
            "actual")))


# ---- inputs ----

def git_in(tmp, repo):
    """git(*args, date=...) in repo with a pinned identity and no user configuration."""
    env = dict(os.environ, HOME=tmp, GIT_CONFIG_NOSYSTEM="1", GIT_CONFIG_GLOBAL=os.devnull,
               GIT_AUTHOR_NAME="Ops Bot", GIT_AUTHOR_EMAIL="ops@example.com",
               GIT_COMMITTER_NAME="Ops Bot", GIT_COMMITTER_EMAIL="ops@example.com")

    def git(*a, date=None):
        e = dict(env)
        if date:
            e["GIT_AUTHOR_DATE"] = e["GIT_COMMITTER_DATE"] = date
        return run(["git", "-c", "init.defaultBranch=main", "-c", "commit.gpgsign=false"] +
                   list(a), cwd=repo, env=e)
    return git


def write(root, rel, text):
    path = os.path.join(root, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)
    os.utime(path, (PINNED_MTIME, PINNED_MTIME))


def make_repo(tmp):
    """The git history case: a break-glass key added, then removed (history only)."""
    repo = os.path.join(tmp, "repo")
    git = git_in(tmp, repo)
    os.makedirs(os.path.join(repo, "breakglass"))
    git("init", "-q")
    with open(os.path.join(repo, "main.tf"), "w") as f:
        f.write('region = "eu-west-1"\n')
    git("add", "main.tf")
    git("commit", "-qm", "initial infrastructure", date="2025-01-10T09:00:00Z")
    with open(os.path.join(repo, "breakglass", "aws.tfvars"), "w") as f:
        f.write('# emergency access, rotate after use\n'
                'breakglass_access_key_id = "AKIAR7MQ2LXW5NBTZ4KP"\n')
    git("add", "breakglass")
    git("commit", "-qm", "add emergency access key", date="2025-03-02T10:30:00Z")
    git("rm", "-q", "-r", "breakglass")
    git("commit", "-qm", "remove emergency key from repo", date="2025-03-05T08:00:00Z")
    return repo


def secrets_of(json_text):
    return [f["credential"]["secret"] for f in json.loads(json_text)["findings"]
            if f["credential"].get("secret")]


def all_strings(v):
    if isinstance(v, str):
        yield v
    elif isinstance(v, dict):
        for k, x in v.items():
            yield k
            yield from all_strings(x)
    elif isinstance(v, list):
        for x in v:
            yield from all_strings(x)


def fingerprints(text):
    """(ruleId, uri, fingerprint) -> startLine for every result."""
    out = {}
    for r in json.loads(text)["runs"][0]["results"]:
        loc = r["locations"][0]["physicalLocation"]
        key = (r["ruleId"], loc["artifactLocation"]["uri"],
               r["partialFingerprints"]["fallbackScan/v1"])
        out[key] = loc["region"]["startLine"]
    return out


# ---- the checks ----

def check_redaction(checks, args, name, target, cwd, sarif_text):
    raw = scan(args, ["files" if name == "tree" else "git", NOW, "--quiet", "--format", "json",
                      "--show-secrets", target], cwd)
    secrets = secrets_of(raw)
    shown = scan(args, ["files" if name == "tree" else "git", NOW, "--quiet", "--format", "sarif",
                        "--show-secrets", target], cwd)
    problems = []
    if not secrets:
        problems.append("--show-secrets printed no secret: nothing to check")
    strings = list(all_strings(json.loads(sarif_text)))
    for s in secrets:
        if s in sarif_text or any(s in x for x in strings):
            problems.append(f"a raw secret of {len(s)} characters is in the default SARIF")
        if s not in shown and not any(s in x for x in all_strings(json.loads(shown))):
            problems.append(f"a secret of {len(s)} characters is missing from the "
                            "--show-secrets SARIF")
        digests = {hashlib.md5(s.encode()).hexdigest(), hashlib.sha1(s.encode()).hexdigest()[:32],
                   hashlib.sha256(s.encode()).hexdigest()[:32]}
        for r in json.loads(sarif_text)["runs"][0]["results"]:
            if set(r.get("partialFingerprints", {}).values()) & digests:
                problems.append(f"{r['ruleId']}: a partialFingerprint is a bare hash of the secret")
    checks.check(f"redaction {name} ({len(secrets)} secrets)", problems)
    return shown


def check_fingerprints(checks, args, tmp):
    tree = os.path.join(args.src, "tests", "fixtures", "tree")
    work = os.path.join(tmp, "shift")
    files = ["infra/breakglass.tf", "config/app.yml", "docs/runbooks/vault-init.md"]
    for rel in files:
        os.makedirs(os.path.dirname(os.path.join(work, rel)), exist_ok=True)
        shutil.copy(os.path.join(tree, rel), os.path.join(work, rel))
    argv = ["files", NOW, "--quiet", "--format", "sarif", "."]
    before = fingerprints(scan(args, argv, work))
    again = fingerprints(scan(args, argv, work))
    for rel in files:
        p = os.path.join(work, rel)
        with open(p) as f:
            body = f.read()
        with open(p, "w") as f:
            f.write("# a comment added above\n\n# and another one\n" + body)
    after_text = scan(args, argv, work)
    after = fingerprints(after_text)
    problems = []
    if len(before) < 3:
        problems.append(f"only {len(before)} results: nothing to compare")
    if again != before:
        problems.append("a re-scan of unchanged files changed the fingerprints")
    if set(after) != set(before):
        problems.append("fingerprints changed after inserting lines:\n  before " +
                        repr(sorted(before)) + "\n  after  " + repr(sorted(after)))
    for k, line in before.items():
        if k in after and after[k] != line + 3:
            problems.append(f"{k[0]} in {k[1]}: startLine {line} -> {after[k]}, expected "
                            f"{line + 3}")
    checks.check(f"fingerprints stable across line shifts ({len(before)} results)", problems)
    return after_text


GH_TOKEN = "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"


def make_exceptions_repo(tmp):
    """A repository with one finding of each kind of exception, and one that counts."""
    repo = os.path.join(tmp, "exc")
    os.makedirs(repo)
    git = git_in(tmp, repo)
    git("init", "-q")
    write(repo, "breakglass/aws.tfvars", 'breakglass_access_key_id = "AKIAR7MQ2LXW5NBTZ4KP"\n')
    write(repo, "test/fixtures/db.env",
          "# fallback-scan:allow test fixture, not a real password\n"
          "RECOVERY_DB_PASSWORD='Xq7!vR2#mP9$wL4k'\n")
    write(repo, "legacy/keys.tf", 'backup_access_key_id = "AKIAQ3VX7LM2PNRT4KZW"\n')
    write(repo, "ops/recovery.env", f"RECOVERY_GH_TOKEN={GH_TOKEN}\n")
    write(repo, ".fallbackscanignore",
          "# exceptions of this repository\n"
          "path:legacy/   # revoked in 2024, kept for the audit trail (SEC-101)\n")
    git("add", "-A")
    git("commit", "-qm", "infrastructure with exceptions", date="2025-06-01T09:00:00Z")
    return repo


def check_exceptions(checks, args, tmp):
    """The exceptions report (text) after checking what its suppressions say."""
    repo = make_exceptions_repo(tmp)
    argv = ["scan", NOW, "--quiet", "exc"]
    found = json.loads(scan(args, argv + ["--format", "json"], tmp))
    token = [f for f in found["findings"] if f["rule"]["id"].startswith("github.")]
    problems = []
    if len(token) != 1:
        checks.fail("exceptions", f"expected one GitHub token finding, got {len(token)}")
        return None
    extra = os.path.join(tmp, "extra.ignore")  # outside the repository: an absolute location
    with open(extra, "w") as f:
        f.write(f"fingerprint:{token[0]['id']} expires=2027-06-30  # rotated by SEC-102\n")
    argv += ["--ignore-file", extra]
    shown = json.loads(scan(args, argv + ["--format", "json"], tmp))
    p = subprocess.run([args.bin] + argv + ["--format", "sarif"], cwd=tmp,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=TIMEOUT)
    text = p.stdout.decode()
    if p.returncode != 1:
        problems.append(f"exit status {p.returncode}, expected 1 (one finding counts)")
    results = json.loads(text)["runs"][0]["results"]
    if len(shown["findings"]) != 1:
        problems.append(f"the JSON report without --show-suppressed lists "
                        f"{len(shown['findings'])} findings, expected 1")
    want = {  # path -> (kind, justification, entry uri, uriBaseId, entry line); None: counts
        "breakglass/aws.tfvars": None,
        "test/fixtures/db.env": ("inSource", "test fixture, not a real password", None, None,
                                 None),
        "legacy/keys.tf": ("external", "revoked in 2024, kept for the audit trail (SEC-101)",
                           ".fallbackscanignore", "%SRCROOT%", 2),
        "ops/recovery.env": ("external", "rotated by SEC-102",
                             "file://" + urllib.parse.quote(os.path.realpath(extra),
                                                            safe="/-._~"), None, 1),
    }
    got = {}
    for r in results:
        uri = r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        sup = r.get("suppressions")
        if sup is None:
            got[uri] = None
            continue
        if len(sup) != 1 or sup[0].get("status") != "accepted":
            problems.append(f"{uri}: suppressions {sup!r}")
            continue
        loc = sup[0].get("location", {}).get("physicalLocation", {})
        art = loc.get("artifactLocation", {})
        got[uri] = (sup[0]["kind"], sup[0].get("justification"), art.get("uri"),
                    art.get("uriBaseId"), loc.get("region", {}).get("startLine"))
    for uri, w in want.items():
        if uri not in got:
            problems.append(f"{uri}: no result")
        elif got[uri] != w:
            problems.append(f"{uri}: {got[uri]!r}, expected {w!r}")
    if len(results) != len(want):
        problems.append(f"{len(results)} results, expected {len(want)}")
    stats = json.loads(text)["runs"][0]["properties"]["stats"]
    if stats.get("suppressed") != 3:
        problems.append(f"properties.stats.suppressed = {stats.get('suppressed')}, expected 3")
    checks.check("exceptions: suppressed results carry suppressions", problems)
    shutil.rmtree(repo)
    return text


def baseline_states(text):
    """(fingerprint, baselineState, ruleId, uri) of every result."""
    out = []
    for r in json.loads(text)["runs"][0]["results"]:
        out.append((r["partialFingerprints"]["fallbackScan/v1"], r.get("baselineState"),
                    r["ruleId"], r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]))
    return out


def check_baseline(checks, args, tmp):
    """The baseline round trip; returns the report of the second scan."""
    tree = os.path.join(args.src, "tests", "fixtures", "tree")
    work = os.path.join(tmp, "base")
    for rel in ["infra/breakglass.tf", "config/app.yml", "docs/runbooks/vault-init.md"]:
        write(work, rel, open(os.path.join(tree, rel)).read())
    pin_mtimes(work)
    base = os.path.join(tmp, "base.sarif")
    argv = ["files", NOW, "--quiet", "--format", "sarif", "."]
    scan(args, argv + ["-o", base], work)
    with open(base) as f:
        before = baseline_states(f.read())
    os.remove(os.path.join(work, "config", "app.yml"))
    write(work, "ops.env", "RECOVERY_DB_PASSWORD='Xq7!vR2#mP9$wL4k'\n")
    pin_mtimes(work)
    p = subprocess.run([args.bin] + argv + ["--baseline", base], cwd=work,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=TIMEOUT)
    text = p.stdout.decode()
    after = baseline_states(text)
    problems = []
    removed = [b for b in before if b[3] == "config/app.yml"]
    states = sorted(a[1] for a in after)
    if len(before) < 3 or len(removed) != 1:
        problems.append(f"the first scan has {len(before)} results, {len(removed)} in the file "
                        "removed: nothing to compare")
    if any(b[1] is not None for b in before):
        problems.append("a scan without --baseline has baselineState")
    if p.returncode != 1:
        problems.append(f"exit status {p.returncode}, expected 1 (one new finding)")
    if states != sorted(["new", "absent"] + ["unchanged"] * (len(before) - 1)):
        problems.append(f"baselineStates {states}")
    new = [a for a in after if a[1] == "new"]
    if len(new) != 1 or new[0][3] != "ops.env":
        problems.append(f"new: {new!r}, expected the password in ops.env")
    absent = [a for a in after if a[1] == "absent"]
    if absent and removed and absent[0][0] != removed[0][0]:
        problems.append(f"absent: {absent!r}, expected the fingerprint of {removed!r}")
    if {a[0] for a in after if a[1] == "unchanged"} != {b[0] for b in before} - {
            r[0] for r in removed}:
        problems.append("the unchanged results are not the findings kept")
    doc = json.loads(text)["runs"][0]
    rules = [r["id"] for r in doc["tool"]["driver"]["rules"]]
    for r in doc["results"]:
        if rules[r["ruleIndex"]] != r["ruleId"]:
            problems.append(f"{r['ruleId']}: ruleIndex {r['ruleIndex']} names {rules[r['ruleIndex']]}")
    counts = doc["properties"].get("baseline")
    if counts != {"new": 1, "unchanged": len(before) - 1, "absent": 1}:
        problems.append(f"properties.baseline = {counts}")
    # Round trip: the second log as a baseline knows everything but its absent result.
    again = os.path.join(tmp, "again.sarif")
    with open(again, "w") as f:
        f.write(text)
    p = subprocess.run([args.bin] + argv + ["--baseline", again], cwd=work,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=TIMEOUT)
    third = baseline_states(p.stdout.decode())
    if p.returncode != 0 or sorted(t[1] for t in third) != ["unchanged"] * len(before):
        problems.append(f"re-using the log as a baseline: exit {p.returncode}, states "
                        f"{sorted(t[1] for t in third)}")
    checks.check(f"baseline round trip ({len(before)} results)", problems)
    return text


def check_partial(checks, args, tmp):
    """A partial scan (--since-commit) of make_repo()'s repository with a full scan as baseline:
    no absent result, its own category; returns its report."""
    full = os.path.join(tmp, "partial-base.sarif")
    scan(args, ["git", NOW, "--quiet", "--format", "sarif", "-o", full, "repo"], tmp)
    text = scan(args, ["git", NOW, "--quiet", "--format", "sarif", "--since-commit", "HEAD~2",
                       "--baseline", full, "repo"], tmp)
    with open(full) as f:
        known = json.load(f)["runs"][0]
    run = json.loads(text)["runs"][0]
    problems = []
    if not known["results"] or known["automationDetails"] != {"id": "fallback-scan/full/"}:
        problems.append(f"the full scan: {len(known['results'])} results, "
                        f"automationDetails {known.get('automationDetails')}")
    states = [r.get("baselineState") for r in run["results"]]
    if "absent" in states or run["properties"].get("baseline", {}).get("absent") != 0:
        problems.append(f"baselineStates {states}, properties.baseline "
                        f"{run['properties'].get('baseline')}")
    if run.get("automationDetails") != {"id": "fallback-scan/partial/"} or \
            run["properties"].get("partial") != "--since-commit":
        problems.append(f"automationDetails {run.get('automationDetails')}, partial "
                        f"{run['properties'].get('partial')!r}")
    checks.check("partial scan with a full baseline: no absent result, category partial",
                 problems)
    return text


def check_provenance(checks, args, tmp):
    """The target_info the CLI fills, on the repository of make_repo(); returns the first
    report (a repository with a remote)."""
    repo = os.path.join(tmp, "repo")
    git = git_in(tmp, repo)
    head = git("rev-parse", "HEAD").strip()
    root = "file://" + urllib.parse.quote(os.path.realpath(repo), safe="/-._~") + "/"
    os.makedirs(os.path.join(repo, "sub"))
    problems = []
    token = "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"
    cases = [  # (origin, target, command, expected repositoryUri or None, expected root)
        (f"https://ci:{token}@github.com/ex/infra.git?t={token}#x", "repo", "git",
         "https://github.com/ex/infra.git", root),
        ("git@github.com:ex/infra.git", "repo/sub", "git", "ssh://github.com/ex/infra.git", root),
        (None, "repo", "scan", root, root),
        (None, "repo/sub", "scan", None, root + "sub/"),
    ]
    first = None
    for origin, target, cmd, uri, base in cases:
        run(["git", "remote", "remove", "origin"], cwd=repo, ok_codes=(0, 2))
        if origin:
            git("remote", "add", "origin", origin)
        text = scan(args, [cmd, NOW, "--quiet", "--format", "sarif", target], tmp)
        first = first or text
        run_ = json.loads(text)["runs"][0]
        vcp = run_.get("versionControlProvenance")
        got_base = run_.get("originalUriBaseIds", {}).get("%SRCROOT%", {}).get("uri")
        what = f"{cmd} {target} (origin {origin and origin.replace(token, 'TOKEN')})"
        if token in text:
            problems.append(f"{what}: the token in the remote URL is in the report")
        if got_base != base:
            problems.append(f"{what}: %SRCROOT% {got_base}, expected {base}")
        if uri is None:
            if vcp:
                problems.append(f"{what}: versionControlProvenance {vcp!r}")
            continue
        want = {"repositoryUri": uri, "revisionId": head, "branch": "main",
                "mappedTo": {"uriBaseId": "%SRCROOT%"}}
        if vcp != [want]:
            problems.append(f"{what}: versionControlProvenance {vcp!r}, expected {[want]!r}")
    run(["git", "remote", "remove", "origin"], cwd=repo, ok_codes=(0, 2))
    os.rmdir(os.path.join(repo, "sub"))
    checks.check("provenance from the repository", problems)
    return first


def check_targets(checks, args, tmp):
    """The same secret at the same path in three repositories of one scan; returns the log."""
    work = os.path.join(tmp, "targets")
    remotes = {"alpha": "https://ci:ghp_NotARealTokenButSecret0000000000000@git.example.com/p/alpha",
               "beta": "git@git.example.com:p/beta.git", "gamma": None}
    for name, remote in remotes.items():
        repo = os.path.join(work, name)
        os.makedirs(repo)
        git = git_in(tmp, repo)
        git("init", "-q")
        write(repo, ".env", "AWS_ACCESS_KEY_ID=AKIAQ4ZT7XW2NBKM5RPL\n")
        git("add", ".env")
        git("commit", "-qm", "service settings", date="2025-02-03T04:05:06Z")
        if remote:
            git("remote", "add", "origin", remote)
    text = scan(args, ["scan", NOW, "--quiet", "--format", "sarif"] + list(remotes), work)
    run_ = json.loads(text)["runs"][0]
    results = run_.get("results", [])
    listed = {t.get("id"): t.get("uriBaseId") for t in run_.get("properties", {}).get("targets", [])}
    problems = []
    want = ["git:git.example.com/p/alpha", "git:git.example.com/p/beta",
            "path:" + os.path.realpath(os.path.join(work, "gamma"))]
    got = [r.get("properties", {}).get("target") for r in results]
    if got != want:
        problems.append(f"properties.target {got}, expected {want}")
    if sorted(listed) != sorted(want):
        problems.append(f"run.properties.targets ids {sorted(listed)}, expected {sorted(want)}")
    bases = [r["locations"][0]["physicalLocation"]["artifactLocation"].get("uriBaseId")
             for r in results]
    if bases != ["%SRCROOT%", "%SRCROOT2%", "%SRCROOT3%"]:
        problems.append(f"uriBaseIds {bases}")
    for r, base in zip(results, bases):
        if listed.get(r.get("properties", {}).get("target")) != base:
            problems.append(f"result under {base} names a target listed under another base id")
    fps = [r.get("partialFingerprints", {}).get("fallbackScan/v1") for r in results]
    if len(set(fps)) != 3 or None in fps:
        problems.append(f"partialFingerprints not three distinct ids: {fps}")
    if "ghp_" in text:
        problems.append("the token in a remote URL is in the log")
    checks.check("targets: one secret in three repositories", problems)
    return text


def check_validators(checks, multitool, validator, good_text, tmp):
    doc = json.loads(good_text)
    del doc["runs"][0]["results"][0]["locations"]
    p = os.path.join(tmp, "no_locations.sarif")
    with open(p, "w") as f:
        json.dump(doc, f, indent=2)
    problems = []
    if not multitool_problems(multitool, p, tmp):
        problems.append("the multitool accepted a result without locations")
    doc = json.loads(good_text)
    doc["runs"][0]["results"][0]["level"] = "bogus"
    if not schema_problems(validator, doc):
        problems.append("the schema accepted level 'bogus'")
    checks.check("validators reject broken SARIF", problems)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--samples", required=True, help="the test_report_sarif executable")
    ap.add_argument("--src", default=os.path.join(os.path.dirname(__file__), "..", ".."))
    ap.add_argument("--expected", default=os.path.join(os.path.dirname(__file__), "expected"))
    ap.add_argument("--multitool")
    ap.add_argument("--update", action="store_true")
    args = ap.parse_args()
    args.src = os.path.abspath(args.src)
    args.bin = os.path.abspath(args.bin)
    args.samples = os.path.abspath(args.samples)

    multitool = find_multitool(args)
    if not multitool:
        return SKIP
    validator = schema_validator(multitool)
    checks = Checks()
    tmp = tempfile.mkdtemp(prefix="fbs-sarif-")
    try:
        fixtures = os.path.join(args.src, "tests", "fixtures")
        paths = {tmp: "@TMP@", fixtures: "@FIXTURES@", args.src: "@SRC@"}
        reports = []  # (name, text)

        # A copy of the fixture tree with pinned modification times: file ages come from them.
        tree = os.path.join(tmp, "tree")
        shutil.copytree(os.path.join(fixtures, "tree"), tree, symlinks=True)
        pin_mtimes(tree)
        tree_text = scan(args, ["files", NOW, "--quiet", "--format", "sarif", "."], tree)
        reports.append(("tree", tree_text))
        make_repo(tmp)
        git_text = scan(args, ["git", NOW, "--quiet", "--format", "sarif", "repo"], tmp)
        reports.append(("git", git_text))
        # A work tree: history plus an untracked file, one repository (versionControlProvenance).
        untracked = os.path.join(tmp, "repo", "ops.env")
        with open(untracked, "w") as f:
            f.write("RECOVERY_DB_PASSWORD='Xq7!vR2#mP9$wL4k'\n")
        os.utime(untracked, (PINNED_MTIME, PINNED_MTIME))
        reports.append(("scan", scan(args, ["scan", NOW, "--quiet", "--format", "sarif", "repo"],
                                     tmp)))
        os.remove(untracked)

        samples = os.path.join(tmp, "samples")
        os.makedirs(samples)
        run([args.samples], cwd=tmp, env=dict(os.environ, FBS_SARIF_SAMPLES=samples))
        names = sorted(os.listdir(samples))
        if not names:
            checks.fail("samples", f"{args.samples} wrote no SARIF into FBS_SARIF_SAMPLES")
        for n in names:
            with open(os.path.join(samples, n)) as f:
                reports.append(("sample_" + n[:-len(".sarif")], f.read()))

        def validate(name, text):
            """Schema and multitool checks of one report; False when it is not JSON."""
            try:
                doc = json.loads(text)
            except ValueError as e:
                checks.fail(f"json {name}", e)
                return False
            checks.check(f"schema {name}", schema_problems(validator, doc))
            p = os.path.join(tmp, f"{name}.sarif")
            with open(p, "w") as f:
                f.write(text)
            checks.check(f"multitool {name}", multitool_problems(multitool, p, tmp))
            return True

        exceptions_text = check_exceptions(checks, args, tmp)
        if exceptions_text:
            reports.append(("exceptions", exceptions_text))
        reports.append(("baseline", check_baseline(checks, args, tmp)))
        reports.append(("targets", check_targets(checks, args, tmp)))

        for name, text in reports:
            if validate(name, text):
                compare(checks, args, name, text, paths)

        validate("tree_show_secrets", check_redaction(checks, args, "tree", ".", tree, tree_text))
        validate("git_show_secrets", check_redaction(checks, args, "git", "repo", tmp, git_text))
        validate("tree_shifted", check_fingerprints(checks, args, tmp))
        validate("partial", check_partial(checks, args, tmp))
        validate("provenance", check_provenance(checks, args, tmp))
        check_validators(checks, multitool, validator, git_text, tmp)
    except (RuntimeError, subprocess.TimeoutExpired, OSError) as e:
        checks.fail("run", e)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"{checks.passed} passed, {checks.failed} failed")
    return 1 if checks.failed else 0


if __name__ == "__main__":
    sys.exit(main())
