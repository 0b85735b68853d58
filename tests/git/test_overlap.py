#!/usr/bin/env python3
"""A history scan reads blobs while its walk goes on (source_git.c): what the rest of the walk
finds about a blob read early (the commit that removed it, the other places that carry it) is
settled afterwards. On a repository built here with git fast-import (pinned dates, seeded
content): 40 commits add a key file each, then 400 commits add filler files (so that the early
blobs are read long before the walk ends), copy one key file elsewhere and finally delete 20 of
the key files (one of them, copied, stays in HEAD: not removed). The report must be the same
with 1 thread (no overlap: the readers start after the walk), 2 and 3 threads, and say what
the history says: the removing commit of each deleted key, and the copy as another location.

  test_overlap.py /path/to/fallback-scan
"""
import os
import random
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from history import Stream, build, check, environment, finish, scan_each  # noqa: E402

NOW = "--now=2026-11-23T00:00:00Z"
B32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"


def history(rng):
    """A fast-import stream and the key of each key file."""
    st, keys, put = Stream(3600), {}, Stream.put
    for i in range(40):
        key = "AKIA" + "".join(rng.choice(B32) for _ in range(16))
        keys["keys/k%02d.env" % i] = key
        st.commit("key %d" % i, put("keys/k%02d.env" % i, "aws_access_key_id = %s\n" % key))
    for i in range(400):
        ops = []
        for j in range(3):
            ops += put("filler/f%03d_%d.txt" % (i, j),
                       "".join(rng.choice("abcdefgh \n") for _ in range(200)) + "\n")
        if i == 200:
            ops += put("copies/k05.env", "aws_access_key_id = %s\n" % keys["keys/k05.env"])
        st.commit("filler %d" % i, ops)
    st.commit("remove the first 20 key files", ["D keys/k%02d.env" % i for i in range(20)])
    return st, keys


def main():
    fbs = os.path.abspath(sys.argv[1])
    tmp = tempfile.mkdtemp(prefix="fbs-overlap-")
    env = environment(tmp)
    try:
        stream, keys = history(random.Random(20261206))
        repo = build(tmp, env, stream)
        remover = subprocess.run(["git", "-C", repo, "rev-parse", "main"], env=env, check=True,
                                 capture_output=True, text=True).stdout.strip()
        reports = scan_each(fbs, repo, env, NOW, (1, 2, 3))
        by_path = {}
        for f in reports[2]["findings"]:
            by_path.setdefault(f["location"]["path"] if "location" in f else f.get("path"), f)
        found = {p: f for p, f in by_path.items() if p and p.split("/")[-1].startswith("k")}
        check("every key file is found", all(
            any(p.endswith(k) for p in found) for k in keys), sorted(found))
        removed = [p for p, f in found.items()
                   if f.get("facts", {}).get("removed_in") == remover]
        # k05 is not removed: its copy is still in HEAD (a move is not a removal).
        check("the deleted key files name the commit that removed them",
              sorted(os.path.basename(p) for p in removed) ==
              ["k%02d.env" % i for i in range(20) if i != 5], sorted(removed))
        k05 = [f for p, f in found.items() if p.endswith("keys/k05.env")]
        check("the copied key counts its other location",
              len(k05) == 1 and k05[0].get("facts", {}).get("other_locations") == 1,
              k05 and k05[0].get("facts"))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return finish()


if __name__ == "__main__":
    sys.exit(main())
