#!/usr/bin/env python3
"""The history scan's queue is bounded (source_git.c: QUEUE_JOBS jobs not taken yet, and
QUEUE_TEXT_BYTES of message text): the walk stops publishing while the readers are behind,
and the message feed waits for them, or with no reader running yet (one thread) reads some
itself. Nothing may be lost or reordered by that. On a repository built here with git
fast-import (pinned dates, seeded content): 10,000 commits, each adding three files of 4 to
8 KiB (in 100 directories, so that fast-import stays quick: more blobs than the walk lets
wait, and more than the readers keep up with) and with a message of its own (more jobs than
the bound), and 24 commits with a 1 MiB message each (more text than the bound); a key sits
in every 400th file of the first kind, every 500th short message and every third long one.
With one thread the feed reads messages itself; with two the walk stops publishing and the
feed waits, at least once each (seen with a traced build when the bounds were written). The
report must be the same with 1, 2 and 3 threads and hold every key once.

  test_queue_bounds.py /path/to/fallback-scan
"""
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile

NOW = "--now=2026-12-06T00:00:00Z"
B32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
failures = []


def check(name, ok, detail=""):
    print(("ok   " if ok else "FAIL ") + name + (" (%s)" % detail if detail and not ok else ""))
    if not ok:
        failures.append(name)


def history(rng):
    """A fast-import stream, the keys in files and the keys in messages."""
    out, file_keys, msg_keys, t = [], set(), set(), 1735689600  # 2025-01-01T00:00:00Z
    mark = 0

    def key():
        return "AKIA" + "".join(rng.choice(B32) for _ in range(16))

    def commit(msg, ops):
        nonlocal mark, t
        mark += 1
        t += 60
        data = msg.encode()
        head = ["commit refs/heads/main", "mark :%d" % mark,
                "author Dev <dev@example.com> %d +0000" % t,
                "committer Dev <dev@example.com> %d +0000" % t,
                "data %d" % len(data), msg]
        if mark > 1:
            head.append("from :%d" % (mark - 1))
        out.extend(head + ops + [""])

    def put(path, text):
        return ["M 100644 inline %s" % path, "data %d" % len(text.encode()), text]

    filler = "".join(rng.choice("abcdefgh ") for _ in range(99)) + "\n"
    for i in range(10000):
        text = "note %d: %s\n" % (i, "".join(rng.choice("abcdefgh ") for _ in range(40)))
        text += filler * 80  # 8 KiB: reading falls behind the walk
        if i % 400 == 7:
            k = key()
            file_keys.add(k)
            text += "aws_access_key_id = %s\n" % k
        msg = "change %d" % i
        if i % 500 == 11:
            k = key()
            msg_keys.add(k)
            msg += "\n\ndeploy with aws_access_key_id = %s\n" % k
        ops = put("notes/%02d/n%05d.txt" % (i % 100, i), text)
        for j in range(2):  # more blobs than the walk waits for
            ops += put("more/%02d/m%05d_%d.txt" % (i % 100, i, j), "%d %d\n" % (i, j) + filler * 40)
        commit(msg, ops)
    line = "".join(rng.choice("abcdefgh ") for _ in range(99)) + "\n"
    for i in range(24):
        body = "long log %d\n\n" % i + line * 10000 + "tail %d\n" % i
        if i % 3 == 0:
            k = key()
            msg_keys.add(k)
            body += "aws_access_key_id = %s\n" % k
        commit(body, put("logs/l%02d.txt" % i, "log %d\n" % i))
    return "\n".join(out) + "\n", file_keys, msg_keys


def main():
    fbs = os.path.abspath(sys.argv[1])
    tmp = tempfile.mkdtemp(prefix="fbs-queue-")
    env = dict(os.environ, HOME=tmp, GIT_CONFIG_NOSYSTEM="1", GIT_CONFIG_GLOBAL=os.devnull,
               TZ="UTC", LC_ALL="C", FALLBACK_SCAN_CACHE=os.path.join(tmp, "cache"))
    try:
        repo = os.path.join(tmp, "repo.git")
        subprocess.run(["git", "init", "-q", "--bare", "-b", "main", repo], env=env, check=True)
        stream, file_keys, msg_keys = history(random.Random(20261206))
        subprocess.run(["git", "-C", repo, "fast-import", "--quiet"], input=stream.encode(),
                       env=env, check=True)
        reports = {}
        for threads in (1, 2, 3):
            p = subprocess.run([fbs, "git", repo, NOW, "--format", "json", "--quiet",
                                "--show-secrets", "--threads", str(threads)], env=env,
                               capture_output=True, text=True)
            check("scan with %d thread(s) exits 1 (findings)" % threads, p.returncode == 1,
                  "rc=%d %s" % (p.returncode, p.stderr.strip()))
            r = json.loads(p.stdout) if p.returncode == 1 else {"findings": [], "scan": {}}
            r["scan"].get("stats", {}).pop("seconds", None)
            reports[threads] = r
        for threads in (2, 3):
            check("%d threads: the same report as one" % threads,
                  reports[threads] == reports[1],
                  "%d vs %d findings" % (len(reports[threads]["findings"]),
                                         len(reports[1]["findings"])))
        for threads, r in sorted(reports.items()):
            in_msgs, in_files = [], []
            for f in r["findings"]:
                path = f.get("location", {}).get("path", "")
                secret = f.get("credential", {}).get("secret", "")
                (in_msgs if path == "<commit message>" else in_files).append(secret)
            check("%d thread(s): every key in a message, once" % threads,
                  sorted(in_msgs) == sorted(msg_keys), "%d of %d" % (len(in_msgs), len(msg_keys)))
            check("%d thread(s): every key in a file, once" % threads,
                  sorted(in_files) == sorted(file_keys),
                  "%d of %d" % (len(in_files), len(file_keys)))
            stats = r["scan"].get("stats", {})
            check("%d thread(s): every blob and message was read" % threads,
                  stats.get("blobs") == 3 * 10000 + 24 + 10024, stats)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print("%d failed" % len(failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
