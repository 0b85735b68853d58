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
import os
import random
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from history import Stream, build, check, environment, finish, scan_each  # noqa: E402

NOW = "--now=2026-12-06T00:00:00Z"
B32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"


def history(rng):
    """A fast-import stream, the keys in files and the keys in messages."""
    st, file_keys, msg_keys, put = Stream(60), set(), set(), Stream.put

    def key():
        return "AKIA" + "".join(rng.choice(B32) for _ in range(16))

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
        st.commit(msg, ops)
    line = "".join(rng.choice("abcdefgh ") for _ in range(99)) + "\n"
    for i in range(24):
        body = "long log %d\n\n" % i + line * 10000 + "tail %d\n" % i
        if i % 3 == 0:
            k = key()
            msg_keys.add(k)
            body += "aws_access_key_id = %s\n" % k
        st.commit(body, put("logs/l%02d.txt" % i, "log %d\n" % i))
    return st, file_keys, msg_keys


def main():
    fbs = os.path.abspath(sys.argv[1])
    tmp = tempfile.mkdtemp(prefix="fbs-queue-")
    env = environment(tmp)
    try:
        stream, file_keys, msg_keys = history(random.Random(20261206))
        repo = build(tmp, env, stream)
        reports = scan_each(fbs, repo, env, NOW, (1, 2, 3), ["--show-secrets"])
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
    return finish()


if __name__ == "__main__":
    sys.exit(main())
