#!/usr/bin/env python3
"""Regenerate the seeds of fuzz_pack (tests/fuzz/corpus/pack/seed-*): real packs made by git from
a small repository with deltas, each as "<4-byte big-endian .idx length><.idx><.pack>".

  tests/fuzz/make_pack_seeds.py            (writes tests/fuzz/corpus/pack/seed-*)

Besides, hostile-*: seed-whole with its last object replaced (the regression cases of
source_pack.c's bounds): a blob declaring 1 TiB, an OFS_DELTA declaring a 1 TiB result from a
delta that copies 64 KiB a byte, an OFS_DELTA whose delta declares 1 TiB, a REF_DELTA on itself,
an OFS_DELTA with a zero offset.

seed-ofs: `git repack -adf` (OFS_DELTA); seed-ref: `git pack-objects --no-reuse-delta` without
--delta-base-offset (REF_DELTA); seed-whole: --window=0 (no deltas); seed-deep: a chain of
--depth=50 over many versions of one file. Dates, names and contents are fixed, so the packs are
the same on every run with the same git."""
import os
import pathlib
import struct
import subprocess
import tempfile
import zlib

OUT = pathlib.Path(__file__).resolve().parent / "corpus" / "pack"
ENV = dict(os.environ, GIT_AUTHOR_NAME="Fuzz", GIT_AUTHOR_EMAIL="fuzz@example.com",
           GIT_COMMITTER_NAME="Fuzz", GIT_COMMITTER_EMAIL="fuzz@example.com",
           GIT_AUTHOR_DATE="2024-01-01T00:00:00Z", GIT_COMMITTER_DATE="2024-01-01T00:00:00Z",
           GIT_CONFIG_NOSYSTEM="1", HOME="/nonexistent", LC_ALL="C", TZ="UTC")


def git(repo, *args, stdin=None):
    return subprocess.run(["git", "-C", str(repo), *args], env=ENV, input=stdin, check=True,
                          capture_output=True).stdout


def make_repo(repo, versions):
    git(repo, "init", "-q", "-b", "main")
    body = "".join(f"line {i}: the quick brown fox jumps over the lazy dog\n" for i in range(60))
    for v in range(versions):
        (repo / "config.txt").write_text(body + f"version {v}\ntoken = t{v:04d}\n")
        (repo / "notes.md").write_text(f"# notes {v % 3}\n" + body[: 400 + 37 * v])
        # Each version changes one more line: the closest version is the best base (a chain).
        (repo / "log.txt").write_text("".join(
            f"entry {i:03d} {'rewritten in %d' % i if i < v else 'as it was first written'}\n"
            for i in range(120)))
        git(repo, "add", "-A")
        git(repo, "commit", "-q", "-m", f"version {v}")


def pack(repo, name, *args):
    objs = git(repo, "rev-list", "--objects", "--all")
    base = repo.parent / f"{repo.name}-{name}"
    sha = git(repo, "pack-objects", "-q", *args, str(base), stdin=objs).decode().strip()
    idx = pathlib.Path(f"{base}-{sha}.idx").read_bytes()
    data = pathlib.Path(f"{base}-{sha}.pack").read_bytes()
    return struct.pack(">I", len(idx)) + idx + data


def varint(n):
    out = bytearray()
    while True:
        out.append(n & 0x7F | (0x80 if n > 0x7F else 0))
        n >>= 7
        if not n:
            return bytes(out)


def entry_header(type_, size):
    out = bytearray([type_ << 4 | size & 15])
    size >>= 4
    while size:
        out[-1] |= 0x80
        out.append(size & 0x7F)
        size >>= 7
    return bytes(out)


def hostile(seed):
    """Variants of a seed whose last object (by offset) is replaced; the trailer stays."""
    n = struct.unpack(">I", seed[:4])[0]
    idx, data = seed[4:4 + n], seed[4 + n:]
    count = struct.unpack(">I", idx[8 + 1020:8 + 1024])[0]
    ids = [idx[1032 + 20 * i:1052 + 20 * i] for i in range(count)]
    offs = [struct.unpack(">I", idx[1032 + 24 * count + 4 * i:1036 + 24 * count + 4 * i])[0]
            for i in range(count)]
    last = max(range(count), key=lambda i: offs[i])
    first = min(range(count), key=lambda i: offs[i])
    # The first object's size, for a delta on it: its header, then its stream.
    p = offs[first]
    c = data[p]
    size, shift = c & 15, 4
    while c & 0x80:
        p += 1
        c = data[p]
        size |= (c & 0x7F) << shift
        shift += 7
    head, trailer = data[:offs[last]], data[-20:]

    def with_last(entry):
        return struct.pack(">I", n) + idx + head + entry + trailer

    bomb = zlib.compress(varint(size) + varint(1 << 40) + b"\x80" * 64)
    dist = offs[last] - offs[first]
    ofs = bytearray([dist & 0x7F])
    dist >>= 7
    while dist:
        dist -= 1
        ofs.insert(0, 0x80 | dist & 0x7F)
        dist >>= 7
    return {
        "hostile-huge-blob": with_last(entry_header(3, 1 << 40) + zlib.compress(b"x" * 100)),
        "hostile-delta-bomb": with_last(entry_header(6, len(zlib.decompress(bomb))) + bytes(ofs) +
                                        bomb),
        "hostile-huge-delta": with_last(entry_header(6, 1 << 40) + bytes(ofs) + bomb),
        "hostile-ref-self": with_last(entry_header(7, 10) + ids[last] +
                                      zlib.compress(varint(10) + varint(10) + b"\x90\x0a")),
        "hostile-ofs-zero": with_last(entry_header(6, 10) + b"\x00" +
                                      zlib.compress(varint(10) + varint(10) + b"\x90\x0a")),
    }


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        small = pathlib.Path(tmp, "small")
        small.mkdir()
        make_repo(small, 6)
        seeds = {  # from the loose objects, before the repack
            "seed-ref": pack(small, "ref", "--no-reuse-delta", "--window=10"),
            "seed-whole": pack(small, "whole", "--window=0"),
        }
        git(small, "repack", "-adfq")
        packdir = small / ".git" / "objects" / "pack"
        idx = next(packdir.glob("*.idx"))
        seeds["seed-ofs"] = (struct.pack(">I", idx.stat().st_size) + idx.read_bytes() +
                             idx.with_suffix(".pack").read_bytes())
        deep = pathlib.Path(tmp, "deep")
        deep.mkdir()
        make_repo(deep, 40)
        seeds["seed-deep"] = pack(deep, "deep", "--no-reuse-delta", "--delta-base-offset",
                                  "--depth=50", "--window=50")
        seeds.update(hostile(seeds["seed-whole"]))
        for name, data in seeds.items():
            (OUT / name).write_bytes(data)
            print(f"{OUT / name}: {len(data)} bytes")


if __name__ == "__main__":
    main()
