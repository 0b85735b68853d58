#!/usr/bin/env python3
"""bench/bench_hostile.py - time fallback-scan on the worst inputs of issue 17 (each once, after a
warm-up run) and print a table: input, size, wall time, exit status. Figures are reported, not
asserted (tests/hostile/run_hostile.py asserts the behaviour with generous limits).

  bench/bench_hostile.py [--bin build/fallback-scan]
"""
import argparse
import os
import shutil
import subprocess
import tempfile
import time
import zlib

NOW = "2026-01-01T00:00:00Z"
SECRET = "aws_secret_access_key = Zk3xQ9vN2mL7pR4tY8wB1cF6hJ0sD5gA2eK9uT3q\n"
TOKEN = ("eyJhbGciOiJSUzI1NiIsImtpZCI6IjEyMyJ9.eyJpc3MiOiJrdWJlcm5ldGVzL3NlcnZpY2VhY2NvdW50In0."
         "c2lnbmF0dXJlc2lnbmF0dXJlc2lnbmF0dXJl")


def write(path, data, mode="w"):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, mode) as f:
        f.write(data)


def timed(binary, args, cwd=None):
    subprocess.run([binary] + args, capture_output=True, cwd=cwd, timeout=600)  # warm-up
    t0 = time.monotonic()
    p = subprocess.run([binary] + args, capture_output=True, cwd=cwd, timeout=600)
    return time.monotonic() - t0, p.returncode


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default="build/fallback-scan")
    a = ap.parse_args()
    binary = os.path.abspath(a.bin)
    tmp = tempfile.mkdtemp(prefix="fbs-bench-hostile-")
    rows = []
    try:
        # 1. globs: an ignore file and --exclude with 24 stars against 200- and 4000-char names
        for n in (200, 4000):
            root = os.path.join(tmp, "glob%d" % n)
            name = "/".join(["a" * 200] * (n // 200))
            write(os.path.join(root, name), SECRET)
            pat = "*a" * 24 + "*b"
            write(os.path.join(root, ".fallbackscanignore"),
                  "path:%s  # x\npath:%s  # y\n" % (pat, "**a" * 24 + "**b"))
            t, rc = timed(binary, ["files", "--now", NOW, "--exclude", pat, "--exclude",
                                   "/" + "a*" * 500, root])
            rows.append(("glob: 24-star patterns, %d-char path" % n, "%d B path" % n, t, rc))
        # 2. truncated loose commit
        repo = os.path.join(tmp, "repo")
        os.makedirs(repo)
        env = dict(os.environ, GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@e", GIT_COMMITTER_NAME="t",
                   GIT_COMMITTER_EMAIL="t@e", GIT_AUTHOR_DATE="2020-01-01T00:00:00Z",
                   GIT_COMMITTER_DATE="2020-01-01T00:00:00Z")
        git = ["git", "-C", repo]
        subprocess.run(git + ["init", "-q"], check=True, env=env)
        write(os.path.join(repo, "a.txt"), SECRET)
        subprocess.run(git + ["add", "."], check=True, env=env)
        subprocess.run(git + ["commit", "-qm", "x"], check=True, env=env)
        oid = subprocess.run(git + ["rev-parse", "HEAD"], capture_output=True, text=True,
                             check=True).stdout.strip()
        obj = os.path.join(repo, ".git", "objects", oid[:2], oid[2:])
        os.chmod(obj, 0o644)
        os.truncate(obj, 30)
        t, rc = timed(binary, ["git", "--now", NOW, repo])
        rows.append(("truncated loose commit (truncate -s 30)", "30 B object", t, rc))
        # a 64 MiB loose blob: the check inflates it once more before libgit2 does
        big = os.path.join(tmp, "big")
        os.makedirs(big)
        subprocess.run(["git", "-C", big, "init", "-q"], check=True, env=env)
        write(os.path.join(big, "big.bin"), os.urandom(1 << 20) * 64, mode="wb")
        subprocess.run(["git", "-C", big, "add", "."], check=True, env=env)
        subprocess.run(["git", "-C", big, "commit", "-qm", "x"], check=True, env=env)
        t, rc = timed(binary, ["git", "--now", NOW, "--max-blob-size", "128MiB", big])
        rows.append(("64 MiB loose blob (checked, then read)", "64 MiB", t, rc))
        # 3. YAML nesting: scanned and as --rules
        deep = 150000
        root = os.path.join(tmp, "yaml")
        write(os.path.join(root, "kubeconfig.yaml"),
              "apiVersion: v1\nkind: Config\nusers:\n- name: admin\n  user:\n    token: %s\n"
              "x: %s%s\n" % (TOKEN, "[" * deep, "]" * deep))
        t, rc = timed(binary, ["files", "--now", NOW, root])
        rows.append(("YAML [[[...]]] in a scanned kubeconfig", "300 KB", t, rc))
        rules = os.path.join(tmp, "rules")
        write(os.path.join(rules, "r.yml"), "rules:\n- id: x\n  y: %s%s\n" % ("[" * deep,
                                                                               "]" * deep))
        t, rc = timed(binary, ["files", "--now", NOW, "--rules", rules, root])
        rows.append(("YAML [[[...]]] as --rules", "300 KB", t, rc))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print("%-45s %-14s %10s %4s" % ("input", "size", "seconds", "exit"))
    for name, size, t, rc in rows:
        print("%-45s %-14s %10.3f %4d" % (name, size, t, rc))


if __name__ == "__main__":
    main()
