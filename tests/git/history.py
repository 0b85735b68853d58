"""What the history tests share (test_overlap.py, test_queue_bounds.py): a git fast-import
stream with pinned dates on one branch, a bare repository built from it in a hermetic
environment, and scans of it with several thread counts whose reports must agree."""
import json
import os
import subprocess

failures = []


def check(name, ok, detail=""):
    print(("ok   " if ok else "FAIL ") + name + (" (%s)" % detail if detail and not ok else ""))
    if not ok:
        failures.append(name)


def finish():
    """Print the count of failed checks; the exit status."""
    print("%d failed" % len(failures))
    return 1 if failures else 0


class Stream:
    """Commits on refs/heads/main, `step` seconds apart from 2025-01-01T00:00:00Z."""

    def __init__(self, step):
        self.out, self.mark, self.t, self.step = [], 0, 1735689600, step

    def commit(self, msg, ops):
        self.mark += 1
        self.t += self.step
        head = ["commit refs/heads/main", "mark :%d" % self.mark,
                "author Dev <dev@example.com> %d +0000" % self.t,
                "committer Dev <dev@example.com> %d +0000" % self.t,
                "data %d" % len(msg.encode()), msg]
        if self.mark > 1:
            head.append("from :%d" % (self.mark - 1))
        self.out.extend(head + ops + [""])

    @staticmethod
    def put(path, text):
        return ["M 100644 inline %s" % path, "data %d" % len(text.encode()), text]

    def text(self):
        return "\n".join(self.out) + "\n"


def environment(tmp):
    """No user or system git configuration, UTC, the C locale, a cache of the scan's own."""
    return dict(os.environ, HOME=tmp, GIT_CONFIG_NOSYSTEM="1", GIT_CONFIG_GLOBAL=os.devnull,
                TZ="UTC", LC_ALL="C", FALLBACK_SCAN_CACHE=os.path.join(tmp, "cache"))


def build(tmp, env, stream):
    """A bare repository in tmp made of the fast-import stream; its path."""
    repo = os.path.join(tmp, "repo.git")
    subprocess.run(["git", "init", "-q", "--bare", "-b", "main", repo], env=env, check=True)
    subprocess.run(["git", "-C", repo, "fast-import", "--quiet"], input=stream.text().encode(),
                   env=env, check=True)
    return repo


def scan_each(fbs, repo, env, now, threads, extra=()):
    """The JSON report (its `seconds` dropped) of a scan with each thread count, each checked
    to exit 1 (findings), and checked to be the same as the first's."""
    reports = {}
    for n in threads:
        p = subprocess.run([fbs, "git", repo, now, "--format", "json", "--quiet"] + list(extra) +
                           ["--threads", str(n)], env=env, capture_output=True, text=True)
        check("scan with %d thread(s) exits 1 (findings)" % n, p.returncode == 1,
              "rc=%d %s" % (p.returncode, p.stderr.strip()))
        r = json.loads(p.stdout) if p.returncode == 1 else {"findings": [], "scan": {}}
        r["scan"].get("stats", {}).pop("seconds", None)
        reports[n] = r
    first = threads[0]
    for n in threads[1:]:
        check("%d threads: the same report as %s" % (n, "one" if first == 1 else first),
              reports[n] == reports[first],
              "%d vs %d findings" % (len(reports[n]["findings"]), len(reports[first]["findings"])))
    return reports
