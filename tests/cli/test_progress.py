#!/usr/bin/env python3
"""The progress line on a real terminal (a pseudo-terminal whose size the test sets).

  test_progress.py --bin build/fallback-scan --demo demo/

Checks, for a scan of a copy of demo/ under a long path:
  - 60 columns: every drawn line fits in 59 columns (it never wraps), the long path is shortened
    in its middle ("...") and keeps its last component, counts say "candidates" (not
    "findings": the report's count is only known at the end), and the line is erased at the end;
  - a terminal that does not tell its width: $COLUMNS (40) is used;
  - 20 columns: still no wrap;
  - --quiet, and stderr that is not a terminal: nothing drawn.
"""
import argparse
import fcntl
import os
import pty
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import termios

ERASE = "\x1b[K"


def run_on_pty(argv, cols, env=None):
    """Run argv with stderr on a pty of `cols` columns; return (exit status, what it wrote)."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, cols, 0, 0))
    p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                         stderr=slave, env=env)
    os.close(slave)
    out = b""
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # EIO: the other side is closed
            break
        if not chunk:
            break
        out += chunk
    os.close(master)
    return p.wait(timeout=300), out.decode("utf-8", "replace")


def drawn_lines(text):
    """The lines as the terminal shows them one after the other (split at \\r and \\n)."""
    return [seg.replace(ERASE, "") for seg in re.split(r"[\r\n]", text)]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--demo", required=True)
    args = ap.parse_args()
    args.bin = os.path.abspath(args.bin)
    failures = []

    def check(cond, what):
        print(("ok   " if cond else "FAIL ") + what)
        if not cond:
            failures.append(what)

    with tempfile.TemporaryDirectory() as tmp:
        target = os.path.join(tmp, "a-directory-with-a-rather-long-name", "and-another-one",
                              "infra-repository")
        shutil.copytree(args.demo, target)
        env = dict(os.environ, FALLBACK_SCAN_CACHE="off")
        env.pop("COLUMNS", None)
        scan = [args.bin, "files", target, "--now", "2026-11-23T00:00:00Z", "-f", "json",
                "-o", os.path.join(tmp, "report.json")]

        rc, text = run_on_pty(scan, 60, env)
        lines = [l for l in drawn_lines(text) if l]
        check(rc == 1, "60 columns: the scan finds the demo's credentials (exit 1, got %d)" % rc)
        check(any(l.startswith("scanning") for l in lines), "60 columns: a progress line is drawn")
        too_long = [l for l in lines if len(l) > 59]
        check(not too_long, "60 columns: every line fits in 59 columns %r" % too_long)
        check(all("..." in l and "/infra-repository:" in l for l in lines if l),
              "60 columns: the path is shortened in its middle, its end kept %r" % lines[:1])
        check(all("candidate" in l and "finding" not in l for l in lines),
              "the line counts candidates, not findings")
        check(text.endswith("\r" + ERASE), "the line is erased when the scan ends")

        env_cols = dict(env, COLUMNS="40")
        rc, text = run_on_pty(scan, 0, env_cols)
        lines = [l for l in drawn_lines(text) if l]
        check(lines and all(len(l) <= 39 for l in lines),
              "no size from the terminal: $COLUMNS=40 is used %r" % lines[:1])

        rc, text = run_on_pty(scan, 20, env)
        lines = [l for l in drawn_lines(text) if l]
        check(lines and all(len(l) <= 19 for l in lines), "20 columns: no wrap %r" % lines[:1])

        rc, text = run_on_pty(scan + ["--quiet"], 60, env)
        check(rc == 1 and text == "", "--quiet: nothing drawn (got %r)" % text[:80])

        p = subprocess.run(scan, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                           stderr=subprocess.PIPE, env=env, timeout=300)
        check(p.returncode == 1 and p.stderr == b"",
              "stderr not a terminal: nothing drawn (got %r)" % p.stderr[:80])

    print("%d failed" % len(failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
