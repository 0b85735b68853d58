#!/usr/bin/env python3
"""Partial git scans through the CLI, on a repository built here (pinned identity and dates).

  since-commit   `git . --since-commit BASE` is `git log BASE..HEAD`: on a clean branch, with AWS
                 keys on another branch, an annotated tag, a remote-tracking ref
                 (refs/remotes/origin/x) and a note, it reports 0 findings and exits 0; a key the
                 branch adds is found, "still in HEAD"; `--branch side` walks BASE..side.
  no absent      a full scan written as a baseline (JSON and SARIF), then each partial scan
                 (--since-commit, --range, --branch, --staged, --exclude, an incomplete scan
                 with a missing object) with --baseline: 0 absent in JSON
                 (summary.baseline.absent, absent_assessed false, partial says why), in text
                 ("absent not assessed") and in SARIF (no absent result, properties.baseline.absent
                 0, automationDetails.id "fallback-scan/partial/"); once the side branch is
                 deleted and collected, the full scan with the same baseline still reports its
                 key absent ("fallback-scan/full/").
  staged         a staged key: custody "staged", the reason "staged for commit at PATH", no
                 commit, nothing about history.

  test_partial_scans.py /path/to/fallback-scan
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

NOW = "--now=2026-11-23T00:00:00Z"
KEY_MAIN = 'aws_access_key_id = "AKIAR7MQ2LXW5NBTZ4KP"\n' \
           'aws_secret_access_key = "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"\n'
OTHER_KEYS = {
    "side": 'breakglass_access_key_id = "AKIAQ7XW2NBT5ZK4MRPL"\n',
    "tag": 'emergency_access_key_id = "AKIAZ3KP6WQ4MNT7XRLB"\n',
    "remote": 'recovery_access_key_id = "AKIAM4TQ5XZ2PLW7NRKB"\n',
    "note": 'root_access_key_id = "AKIAW6NB3QK7XZT2MRLP"\n',
}
failures = []


def check(name, problems):
    if problems:
        failures.append(name)
        print(f"FAIL {name}")
        for p in problems:
            print(f"     {p}")
    else:
        print(f"ok   {name}")


def main():
    fbs = os.path.abspath(sys.argv[1])
    tmp = tempfile.mkdtemp(prefix="fbs-partial-")
    env = dict(os.environ, HOME=tmp, GIT_CONFIG_NOSYSTEM="1", GIT_CONFIG_GLOBAL=os.devnull,
               GIT_AUTHOR_NAME="Ops Bot", GIT_AUTHOR_EMAIL="ops@example.com",
               GIT_COMMITTER_NAME="Ops Bot", GIT_COMMITTER_EMAIL="ops@example.com",
               FALLBACK_SCAN_CACHE=os.path.join(tmp, "cache"), TZ="UTC")
    repo = os.path.join(tmp, "repo")
    os.makedirs(repo)

    def git(*a, date="2025-01-10T09:00:00Z"):
        e = dict(env, GIT_AUTHOR_DATE=date, GIT_COMMITTER_DATE=date)
        p = subprocess.run(["git", "-c", "init.defaultBranch=main", "-c", "commit.gpgsign=false",
                            "-c", "tag.gpgsign=false"] + list(a), cwd=repo, env=e,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=True)
        return p.stdout.decode().strip()

    def write(rel, text):
        path = os.path.join(repo, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(text)

    def fbs_run(*a, ok=(0, 1)):
        p = subprocess.run([fbs, a[0], NOW, "--quiet", "--no-color"] + list(a[1:]), cwd=repo,
                           env=env,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=300)
        if p.returncode not in ok:
            raise RuntimeError(f"fallback-scan {' '.join(a)}: exit {p.returncode}\n"
                               f"{p.stderr.decode(errors='replace')}")
        return p.returncode, p.stdout.decode()

    def findings(text):
        return json.loads(text)["findings"]

    try:
        git("init", "-q")
        write("infra/main.tf", 'region = "eu-west-1"\n')
        write("infra/prod.tfvars", KEY_MAIN)
        git("add", ".")
        git("commit", "-qm", "initial infrastructure")
        base = git("rev-parse", "HEAD")
        # Secrets elsewhere: another branch, an annotated tag, a remote-tracking ref, a note.
        git("checkout", "-q", "-b", "side")
        write("side/keys.tfvars", OTHER_KEYS["side"])
        git("add", ".")
        git("commit", "-qm", "side work", date="2025-02-01T00:00:00Z")
        git("checkout", "-q", "-b", "tagged", "main")
        write("tag/keys.tfvars", OTHER_KEYS["tag"])
        git("add", ".")
        git("commit", "-qm", "release", date="2025-02-02T00:00:00Z")
        git("tag", "-a", "-m", "v1", "v1")
        git("checkout", "-q", "-b", "remote", "main")
        write("remote/keys.tfvars", OTHER_KEYS["remote"])
        git("add", ".")
        git("commit", "-qm", "remote work", date="2025-02-03T00:00:00Z")
        git("update-ref", "refs/remotes/origin/x", "HEAD")
        git("checkout", "-q", "main")
        git("branch", "-q", "-D", "tagged", "remote")
        git("notes", "add", "-m", OTHER_KEYS["note"], "HEAD", date="2025-02-04T00:00:00Z")
        # The clean branch under test (a pull request).
        git("checkout", "-q", "-b", "pr")
        write("README.md", "# payments\n")
        git("add", ".")
        git("commit", "-qm", "docs", date="2025-03-01T00:00:00Z")

        # --since-commit on the clean branch: nothing, exit 0.
        rc, out = fbs_run("git", ".", "--since-commit", base, "--format", "json")
        found = findings(out)
        check("since-commit: secrets only on other refs give 0 findings",
              [f"exit {rc}, {len(found)} findings: "
               f"{[x['location']['path'] for x in found]}"] if rc or found else [])
        rc, out = fbs_run("git", ".", "--format", "json")
        paths = sorted({x["location"]["path"] for x in findings(out)})
        check("full scan: every ref is still scanned",
              [] if {"side/keys.tfvars", "tag/keys.tfvars", "remote/keys.tfvars"} <= set(paths)
              else [f"paths {paths}"])

        # The branch adds a key: found, in HEAD; --branch side walks BASE..side.
        write("app/deploy.env", 'AWS_ACCESS_KEY_ID=AKIAT5NW4QK2XZR7MLBP\n')
        git("add", ".")
        git("commit", "-qm", "deploy", date="2025-03-02T00:00:00Z")
        rc, out = fbs_run("git", ".", "--since-commit", base, "--format", "json")
        found = findings(out)
        check("since-commit: the branch's own key, in HEAD",
              [] if rc == 1 and [x["location"]["path"] for x in found] == ["app/deploy.env"]
              and found[0]["location"]["in_head"] is True
              and found[0]["facts"]["custody"] != "git_history_only"
              else [f"exit {rc}: {[(x['location']['path'], x['location']['in_head']) for x in found]}"])
        rc, out = fbs_run("git", ".", "--since-commit", base, "--branch", "side", "--format",
                          "json")
        found = findings(out)
        check("since-commit with --branch: BASE..branch, in that branch's tip",
              [] if [x["location"]["path"] for x in found] == ["side/keys.tfvars"]
              and found[0]["location"]["in_head"] is True
              else [f"{[(x['location']['path'], x['location']['in_head']) for x in found]}"])

        # A full baseline (JSON and SARIF), then partial scans with it.
        full_json = os.path.join(tmp, "full.json")
        full_sarif = os.path.join(tmp, "full.sarif")
        fbs_run("git", ".", "--format", "json", "-o", full_json)
        fbs_run("git", ".", "--format", "sarif", "-o", full_sarif)
        with open(full_json) as f:
            nfull = len(json.load(f)["findings"])
        with open(full_sarif) as f:
            full_id = json.load(f)["runs"][0].get("automationDetails", {}).get("id")
        check("full scan: SARIF category fallback-scan/full/",
              [] if full_id == "fallback-scan/full/" and nfull >= 5 else
              [f"automationDetails.id {full_id!r}, {nfull} findings"])
        write("staged.tfvars", 'breakglass_access_key_id = "AKIAP2XK7WQ3NBT4ZMRL"\n')
        git("add", "staged.tfvars")
        partials = [
            ("--since-commit", ["--since-commit", base]),
            ("--range", ["--range", f"{base}..HEAD"]),
            ("--branch", ["--branch", "side"]),
            ("--staged", ["--staged"]),
            ("--exclude", ["--exclude", "side/**"]),
        ]
        for why, extra in partials:
            problems = []
            _, out = fbs_run("git", ".", *extra, "--baseline", full_json, "--format", "json")
            b = json.loads(out)["summary"].get("baseline", {})
            if b.get("absent") != 0 or b.get("absent_findings") != [] or \
                    b.get("absent_assessed") is not False or b.get("partial") != why:
                problems.append(f"json summary.baseline {b}")
            _, out = fbs_run("git", ".", *extra, "--baseline", full_json, "--format", "text")
            line = [x for x in out.splitlines() if x.startswith("baseline:")]
            if len(line) != 1 or "absent not assessed (partial scan: " + why + ")" not in line[0]:
                problems.append(f"text {line}")
            _, out = fbs_run("git", ".", *extra, "--baseline", full_sarif, "--format", "sarif")
            run = json.loads(out)["runs"][0]
            absent = [r for r in run["results"] if r.get("baselineState") == "absent"]
            if absent or run["properties"].get("baseline", {}).get("absent") != 0:
                problems.append(f"sarif: {len(absent)} absent results, properties.baseline "
                                f"{run['properties'].get('baseline')}")
            if run.get("automationDetails", {}).get("id") != "fallback-scan/partial/" or \
                    run["properties"].get("partial") != why:
                problems.append(f"sarif automationDetails {run.get('automationDetails')}, "
                                f"partial {run['properties'].get('partial')!r}")
            check(f"partial scan {why} + full baseline: 0 absent", problems)

        # The staged key: its own custody and reason, no commit.
        _, out = fbs_run("git", ".", "--staged", "--format", "json")
        found = findings(out)
        st = [x for x in found if x["location"]["path"] == "staged.tfvars"]
        problems = []
        if len(st) != 1:
            problems.append(f"{len(st)} staged findings of {len(found)}")
        else:
            f = st[0]
            if f["facts"]["custody"] != "staged" or f["location"]["commit"] is not None:
                problems.append(f"custody {f['facts']['custody']}, commit "
                                f"{f['location']['commit']}")
            if "staged for commit at staged.tfvars" not in f["reasons"] or \
                    any("history" in r or "commit ?" in r for r in f["reasons"]):
                problems.append(f"reasons {f['reasons']}")
        _, out = fbs_run("git", ".", "--staged", "--format", "text")
        if "[staged]" not in out or "history" in out:
            problems.append("text: " + out)
        check("staged: custody staged, reason 'staged for commit at PATH', no commit", problems)
        git("reset", "-q", "staged.tfvars")
        os.remove(os.path.join(repo, "staged.tfvars"))

        # An incomplete scan (a missing object) is partial too.
        blob = git("rev-parse", "HEAD:app/deploy.env")
        obj = os.path.join(repo, ".git", "objects", blob[:2], blob[2:])
        os.rename(obj, obj + ".away")
        rc, out = fbs_run("git", ".", "--baseline", full_json, "--format", "json", ok=(3,))
        b = json.loads(out)["summary"].get("baseline", {})
        check("incomplete scan + full baseline: 0 absent",
              [] if b.get("absent") == 0 and b.get("partial") == "incomplete" else [f"{b}"])
        os.rename(obj + ".away", obj)

        # A full scan still reports what is gone.
        git("branch", "-q", "-D", "side")
        git("reflog", "expire", "--expire=now", "--all")
        git("gc", "-q", "--prune=now")
        _, out = fbs_run("git", ".", "--baseline", full_json, "--format", "json")
        b = json.loads(out)["summary"].get("baseline", {})
        _, out = fbs_run("git", ".", "--baseline", full_sarif, "--format", "sarif")
        run = json.loads(out)["runs"][0]
        absent = [r for r in run["results"] if r.get("baselineState") == "absent"]
        check("full scan + baseline: what is gone is absent",
              [] if b.get("absent") == 1 and b.get("absent_assessed") is True
              and "partial" not in b and len(absent) == 1
              and run["automationDetails"]["id"] == "fallback-scan/full/"
              else [f"json {b}, sarif {len(absent)} absent"])
    except (RuntimeError, subprocess.CalledProcessError, subprocess.TimeoutExpired, OSError,
            KeyError, ValueError) as e:
        failures.append("run")
        print(f"FAIL run\n     {e}")
        if isinstance(e, subprocess.CalledProcessError):
            print(e.stderr.decode(errors="replace"))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"{len(failures)} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
