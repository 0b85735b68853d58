#!/usr/bin/env python3
"""Hostile-input tests for the fallback-scan CLI (issue 17): inputs that anyone who can commit to
a scanned repository controls must not stall the scan, and outputs must not be forgeable or left
half-written.

Each case builds its input in a fresh temporary directory (real git repositories with explicit
dates, FIFOs, files with control characters in their names), runs the binary with a generous
time limit (a case that hits it fails: before the fixes these inputs ran for minutes or forever)
and checks the exit status, the report and the diagnostics.

  run_hostile.py --bin build/fallback-scan [CASE...]

Output: "ok   <case>" or "FAIL <case>: <why>" per case, then "N passed, N failed"; exit status 1
if any case failed.
"""
import argparse
import json
import os
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

NOW = "2026-01-01T00:00:00Z"
LIMIT = 60  # seconds per run; ASan builds are slow, the inputs here take well under a second
GIT_ENV = {
    "GIT_AUTHOR_NAME": "t",
    "GIT_AUTHOR_EMAIL": "t@example.com",
    "GIT_COMMITTER_NAME": "t",
    "GIT_COMMITTER_EMAIL": "t@example.com",
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_CONFIG_GLOBAL": "/dev/null",
}
# A token the built-in rules find (a GitHub personal access token with a valid checksum is not
# needed: the generic AWS secret rule fires on the key name and the 40 characters).
SECRET = "aws_secret_access_key = Zk3xQ9vN2mL7pR4tY8wB1cF6hJ0sD5gA2eK9uT3q\n"

BIN = None
CASES = []


class Fail(Exception):
    pass


def case(fn):
    CASES.append(fn)
    return fn


def run(args, cwd=None, stdin=None, preexec=None, limit=LIMIT, env=None):
    """Run the binary; returns (rc, stdout, stderr). A run over the limit is a failure."""
    try:
        p = subprocess.run([BIN] + args, cwd=cwd, input=stdin, capture_output=True,
                           timeout=limit, preexec_fn=preexec, env=env)
    except subprocess.TimeoutExpired:
        raise Fail("timed out after %ds: %s" % (limit, " ".join(args)))
    return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")


def expect(cond, what):
    if not cond:
        raise Fail(what)


def git(repo, *args, date="2020-01-01T00:00:00Z"):
    env = dict(os.environ, **GIT_ENV, GIT_AUTHOR_DATE=date, GIT_COMMITTER_DATE=date)
    subprocess.run(["git", "-C", repo] + list(args), check=True, env=env, capture_output=True)
    return subprocess.run(["git", "-C", repo] + list(args), env=env, capture_output=True,
                          text=True).stdout.strip() if args[0] == "rev-parse" else ""


def rev(repo, what):
    return subprocess.run(["git", "-C", repo, "rev-parse", what], check=True, capture_output=True,
                          text=True).stdout.strip()


def write(path, text, mode="w"):
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    with open(path, mode) as f:
        f.write(text)


def make_repo(tmp):
    repo = os.path.join(tmp, "repo")
    os.makedirs(repo)
    git(repo, "init", "-q", "-b", "main")
    write(os.path.join(repo, "a.txt"), SECRET)
    write(os.path.join(repo, "d", "b.txt"), "nothing here\n")
    git(repo, "add", ".")
    git(repo, "commit", "-qm", "one")
    write(os.path.join(repo, "a.txt"), SECRET + "more\n")
    git(repo, "add", ".")
    git(repo, "commit", "-qm", "two", date="2020-01-02T00:00:00Z")
    return repo


def report(out):
    try:
        return json.loads(out)
    except ValueError:
        raise Fail("not a JSON report: %r" % out[:300])


def diags(rep, kind=None):
    return [d for d in rep["scan"].get("diagnostics", []) if kind is None or d.get("kind") == kind]


def incomplete_rc(rc, rep, what):
    """Exit 3 for an incomplete scan, unless a finding fails it first (1); stats say so."""
    want = 1 if rep["findings"] else 3
    expect(rc == want, "%s: rc %d (want %d)" % (what, rc, want))
    expect(rep["scan"]["stats"].get("incomplete") is True, "%s: stats.incomplete not true" % what)


# 1. Glob matching --------------------------------------------------------------------------------

@case
def glob_adversarial_ignore_file(tmp):
    """`path:*a*a*a*a*a*b` in a committed ignore file against a 200-character path (was > 300 s)."""
    root = os.path.join(tmp, "t")
    name = "a" * 200
    write(os.path.join(root, name), SECRET)
    write(os.path.join(root, ".fallbackscanignore"),
          "path:" + "*a" * 24 + "*b  # adversarial\n" + "**a" * 12 + "**b  # also\n")
    rc, out, err = run(["files", "--now", NOW, "--format", "json", "--exclude", "*a" * 24 + "*b",
                        root])
    expect(rc == 1, "rc %d (want 1, the finding stays): %s" % (rc, err))
    expect(len(report(out)["findings"]) >= 1, "the finding was lost")


@case
def glob_adversarial_rule_paths(tmp):
    rules = os.path.join(tmp, "rules")
    write(os.path.join(rules, "r.yml"), """rules:
  - id: test.glob
    name: Test glob
    kind: generic
    pattern: 'tok_[a-z0-9]{20}'
    paths: ['%s']
    examples: ['tok_abcdefghij0123456789']
    negative_examples: ['tok_short']
""" % ("*a" * 24 + "*b"))
    root = os.path.join(tmp, "t")
    write(os.path.join(root, "a" * 200), "tok_abcdefghij0123456789\n")
    rc, out, err = run(["files", "--now", NOW, "--no-builtin-rules", "--rules", rules, "--format",
                        "json", root])
    expect(rc == 0, "rc %d: %s" % (rc, err))


@case
def glob_malformed_ignore_file(tmp):
    root = os.path.join(tmp, "t")
    write(os.path.join(root, "x.txt"), "hello\n")
    write(os.path.join(root, ".fallbackscanignore"), "# ok\npath:secrets/[  # unclosed\n")
    rc, out, err = run(["files", "--now", NOW, "--format", "json", root])
    expect(".fallbackscanignore" in out + err and "line 2" in out + err and "'['" in out + err,
           "no file/line for the bad glob: rc %d out %r err %r" % (rc, out[-400:], err))
    expect(rc in (2, 3), "rc %d" % rc)


@case
def glob_malformed_exclude_and_rules(tmp):
    rc, out, err = run(["files", "--now", NOW, "--exclude", "a[b", tmp])
    expect(rc == 2 and "--exclude" in err and "'['" in err, "exclude: rc %d err %r" % (rc, err))
    rules = os.path.join(tmp, "rules")
    write(os.path.join(rules, "r.yml"), """rules:
  - id: test.glob
    name: Test glob
    kind: generic
    pattern: 'tok_[a-z0-9]{20}'
    paths: ['src/[']
    examples: ['tok_abcdefghij0123456789']
    negative_examples: ['tok_short']
""")
    rc, out, err = run(["files", "--now", NOW, "--no-builtin-rules", "--rules", rules, tmp])
    expect(rc == 2 and "r.yml" in err and "line 6" in err, "rules: rc %d err %r" % (rc, err))


# 2. Truncated loose objects ----------------------------------------------------------------------

def truncated(tmp, what):
    repo = make_repo(tmp)
    oid = rev(repo, what)
    path = os.path.join(repo, ".git", "objects", oid[:2], oid[2:])
    os.chmod(path, 0o644)
    os.truncate(path, 30)
    for cmd in ("git", "scan"):
        rc, out, err = run([cmd, "--now", NOW, "--format", "json", repo])
        rep = report(out)
        incomplete_rc(rc, rep, cmd)
        bad = [d for d in diags(rep, "corrupt_object") if oid in json.dumps(d)]
        expect(bad, "%s: no corrupt_object diagnostic naming %s: %s" % (cmd, oid, out[-600:]))


@case
def truncated_loose_commit(tmp):
    truncated(tmp, "HEAD~1")


@case
def truncated_loose_head_commit(tmp):
    truncated(tmp, "HEAD")


@case
def truncated_loose_tree(tmp):
    truncated(tmp, "HEAD:d")


@case
def truncated_loose_blob(tmp):
    truncated(tmp, "HEAD~1:a.txt")


# 3. YAML nesting ---------------------------------------------------------------------------------

DEEP = 150000  # 300 KB of '[' and ']': minutes of libyaml time before the limit was enforced early
KUBE_TOKEN = ("eyJhbGciOiJSUzI1NiIsImtpZCI6IjEyMyJ9.eyJpc3MiOiJrdWJlcm5ldGVzL3NlcnZpY2VhY2NvdW50"
              "In0.c2lnbmF0dXJlc2lnbmF0dXJlc2lnbmF0dXJl")


@case
def yaml_deep_scanned_kubeconfig(tmp):
    root = os.path.join(tmp, "t")
    write(os.path.join(root, "kubeconfig.yaml"),
          "apiVersion: v1\nkind: Config\nusers:\n- name: admin\n  user:\n    token: %s\n"
          "x: %s%s\n" % (KUBE_TOKEN, "[" * DEEP, "]" * DEEP))
    rc, out, err = run(["files", "--now", NOW, "--format", "json", root])
    rep = report(out)
    expect(rc == 1 and any(f["rule"]["id"] == "kubernetes.kubeconfig_token"
                           for f in rep["findings"]),
           "the regex finding did not stand: rc %d %s" % (rc, out[-500:]))
    refused = diags(rep, "document_refused")
    expect(refused and refused[0]["path"].endswith("kubeconfig.yaml")
           and "deeper than 64" in refused[0]["message"], "no document_refused: %s" % refused)


@case
def yaml_deep_rules(tmp):
    rules = os.path.join(tmp, "rules")
    write(os.path.join(rules, "r.yml"), "rules:\n- id: x\n  y: %s%s\n" % ("[" * DEEP, "]" * DEEP))
    rc, out, err = run(["files", "--now", NOW, "--rules", rules, tmp])
    expect(rc == 2 and "r.yml" in err and "line 3" in err and "deeper than 64" in err,
           "rc %d err %r" % (rc, err))


# 4. Timeouts -------------------------------------------------------------------------------------

AWS_ENV = {"AWS_ACCESS_KEY_ID": "AKIAFALLBACKSCANTEST", "AWS_SECRET_ACCESS_KEY": "x" * 40,
           "AWS_REGION": "us-east-1", "FALLBACK_SCAN_AWS_BACKOFF_MS": "1",
           "FALLBACK_SCAN_CACHE": "off"}


def run_env(args, env, limit=LIMIT):
    full = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    full.update(env)
    try:
        p = subprocess.run([BIN] + args, env=full, capture_output=True, timeout=limit)
    except subprocess.TimeoutExpired:
        raise Fail("timed out after %ds: %s" % (limit, " ".join(args)))
    return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")


class Server:
    """A loopback HTTP server on its own thread: 'silent' reads requests and never answers;
    'retry_after' answers every request 503 with Retry-After: 1 and notes when each came."""

    def __init__(self, mode):
        self.mode = mode
        self.times = []
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.conns = []
        self.stop = False
        threading.Thread(target=self.serve, daemon=True).start()

    def serve(self):
        while not self.stop:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            self.conns.append(c)
            threading.Thread(target=self.handle, args=(c,), daemon=True).start()

    def handle(self, c):
        buf = b""
        try:
            while True:
                data = c.recv(65536)
                if not data:
                    return
                buf += data
                while b"\r\n\r\n" in buf:
                    head, rest = buf.split(b"\r\n\r\n", 1)
                    n = 0
                    for line in head.split(b"\r\n"):
                        if line.lower().startswith(b"content-length:"):
                            n = int(line.split(b":")[1])
                    if len(rest) < n:
                        break
                    buf = rest[n:]
                    self.times.append(time.monotonic())
                    if self.mode == "retry_after":
                        body = b"<ErrorResponse><Error><Code>ServiceUnavailable</Code></Error>" \
                               b"</ErrorResponse>"
                        c.sendall(b"HTTP/1.1 503 Service Unavailable\r\nRetry-After: 1\r\n"
                                  b"Content-Type: text/xml\r\nContent-Length: %d\r\n\r\n"
                                  % len(body) + body)
        except OSError:
            return

    def close(self):
        self.stop = True
        self.sock.close()
        for c in self.conns:
            c.close()


@case
def aws_timeout(tmp):
    srv = Server("silent")
    try:
        t0 = time.monotonic()
        rc, out, err = run_env(["cloud", "aws", "--now", NOW, "--timeout", "1", "--endpoint-url",
                                "http://127.0.0.1:%d" % srv.port], AWS_ENV)
        took = time.monotonic() - t0
    finally:
        srv.close()
    expect(rc in (2, 3) and "timed out" in (out + err).lower(), "rc %d: %r" % (rc, err[-300:]))
    expect(took < 30, "took %.1f s with --timeout 1 (4 attempts)" % took)
    rc, out, err = run_env(["cloud", "aws", "--timeout", "0"], AWS_ENV)
    expect(rc == 2 and "--timeout" in err, "--timeout 0: rc %d %r" % (rc, err))


@case
def aws_retry_after(tmp):
    srv = Server("retry_after")
    try:
        rc, out, err = run_env(["cloud", "aws", "--now", NOW, "--endpoint-url",
                                "http://127.0.0.1:%d" % srv.port], AWS_ENV)
    finally:
        srv.close()
    expect(len(srv.times) == 4, "%d attempts (want 4): rc %d %r" % (len(srv.times), rc, err))
    gaps = [b - a for a, b in zip(srv.times, srv.times[1:])]
    # The backoff is 1 ms here (FALLBACK_SCAN_AWS_BACKOFF_MS): only Retry-After explains 1 s.
    expect(all(g >= 0.9 for g in gaps), "Retry-After: 1 not honoured: gaps %s" % gaps)


@case
def inventory_fifo(tmp):
    fifo = os.path.join(tmp, "inv.json")
    os.mkfifo(fifo)
    t0 = time.monotonic()
    rc, out, err = run(["inventory", "--now", NOW, "--format", "json", fifo])
    took = time.monotonic() - t0
    expect(rc == 3, "rc %d: %r" % (rc, err))
    d = diags(report(out), "inventory_unreadable")
    expect(d and d[0]["path"].endswith("inv.json") and "no data" in d[0]["message"],
           "no diagnostic: %s" % out[-400:])
    expect(took < 40, "took %.1f s" % took)


# 10. Atomic reports ------------------------------------------------------------------------------

def small_fsize():
    """In the child: writes past 300 bytes fail with EFBIG (SIGXFSZ ignored, so no signal)."""
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (300, 300))


@case
def report_atomic_on_write_failure(tmp):
    root = os.path.join(tmp, "t")
    for i in range(5):
        write(os.path.join(root, "s%d.txt" % i), SECRET)
    out_dir = os.path.join(tmp, "out")
    os.makedirs(out_dir)
    for opt in ("-o", "--write-baseline"):
        target = os.path.join(out_dir, "report.json")
        write(target, "OLD REPORT\n")
        args = ["files", "--now", NOW, "--format", "json", root]
        args += [opt, target] if opt == "-o" else ["-o", "/dev/null", opt, target]
        rc, out, err = run(args, preexec=small_fsize)
        expect(rc == 2, "%s: rc %d (want 2): %r" % (opt, rc, err))
        expect("cannot write" in err and "too large" in err, "%s: message %r" % (opt, err))
        with open(target) as f:
            expect(f.read() == "OLD REPORT\n", "%s: the old report was damaged" % opt)
        expect(os.listdir(out_dir) == ["report.json"],
               "%s: temporary files left: %s" % (opt, os.listdir(out_dir)))
    # Without the limit the report is replaced, keeping the old file's mode.
    os.chmod(target, 0o640)
    rc, out, err = run(["files", "--now", NOW, "--format", "json", "-o", target, root])
    expect(rc == 1, "rc %d: %r" % (rc, err))
    report(open(target).read())
    expect(os.stat(target).st_mode & 0o777 == 0o640, "mode not kept")
    expect(os.listdir(out_dir) == ["report.json"], "temporary files left")
    # A symlink is followed: the link stays, the file it names is replaced.
    link = os.path.join(out_dir, "link.json")
    os.symlink("report.json", link)
    rc, out, err = run(["files", "--now", NOW, "--format", "text", "-o", link, root])
    expect(os.path.islink(link) and "Other secrets" in open(target).read(), "symlink: %r" % err)


# 11. Control characters in names ----------------------------------------------------------------

EVIL = "evil\n  where:    forged.txt:1:1\x1b[2J\x1b]0;owned\x07\u202e.txt"


def no_raw_controls(text, what):
    bad = [c for c in text if (ord(c) < 0x20 and c != "\n") or ord(c) == 0x7F
           or 0x80 <= ord(c) <= 0x9F or c in "\u202a\u202b\u202c\u202d\u202e"]
    expect(not bad, "%s: raw control characters %r in %r" % (what, bad, text[-600:]))
    expect("forged.txt:1:1\n" not in text and not any(
        l.startswith("  where:    forged") for l in text.split("\n")), "%s: forged line" % what)


@case
def text_escapes_hostile_names(tmp):
    root = os.path.join(tmp, "t")
    write(os.path.join(root, EVIL), SECRET)
    rc, out, err = run(["files", "--now", NOW, "--format", "text", "--color", root])
    expect(rc == 1, "rc %d: %r" % (rc, err))
    plain = out.replace("\x1b[1m", "").replace("\x1b[0m", "").replace("\x1b[2m", "")
    plain = plain.replace("\x1b[31m", "").replace("\x1b[33m", "")
    no_raw_controls(plain, "files")
    expect('evil\\n  where:    forged.txt:1:1\\033[2J\\033]0;owned\\a\\342\\200\\256.txt"'
           in out, "no git-style quoting: %r" % out[:400])
    # git: a hostile path, author and a diagnostic about the path (a truncated blob).
    repo = os.path.join(tmp, "repo")
    os.makedirs(repo)
    git(repo, "init", "-q", "-b", "main")
    write(os.path.join(repo, EVIL), SECRET)
    git(repo, "add", ".")
    env = dict(os.environ, **GIT_ENV)
    env.update(GIT_AUTHOR_DATE="2020-01-01T00:00:00Z", GIT_COMMITTER_DATE="2020-01-01T00:00:00Z",
               GIT_AUTHOR_NAME="Mallory\x1b[31m")
    subprocess.run(["git", "-C", repo, "commit", "-qm", "x"], check=True, env=env,
                   capture_output=True)
    write(os.path.join(repo, "x\x1b[2Jy.txt"), "z\n")
    git(repo, "add", ".")
    git(repo, "commit", "-qm", "y", date="2020-01-02T00:00:00Z")
    oid = rev(repo, "HEAD:x\x1b[2Jy.txt")
    path = os.path.join(repo, ".git", "objects", oid[:2], oid[2:])
    os.chmod(path, 0o644)
    os.truncate(path, 10)
    rc, out, err = run(["git", "--now", NOW, "--format", "text", repo])
    expect(rc == 1, "git: rc %d: %r" % (rc, err))
    no_raw_controls(out, "git")
    expect("Mallory\\033[31m" in out and "x\\033[2Jy.txt" in out,
           "git: author or diagnostic not escaped: %r" % out[-600:])
    # Error messages on stderr quote committed text: escaped too.
    bad = os.path.join(tmp, "bad")
    write(os.path.join(bad, ".fallbackscanignore"), "path:a\x1b[2Jb c  # x\n")
    rc, out, err = run(["files", "--now", NOW, bad])
    expect(rc == 2 and "a\\033[2Jb c" in err and "\x1b" not in err, "stderr: %r" % err)


# 12. Unreadable target directory -----------------------------------------------------------------

def no_dac_override():
    """In the child: as root, drop the capabilities that bypass file permissions (from the
    bounding set, so the exec'ed binary lacks them); others are subject to permissions anyway."""
    if os.geteuid() == 0:
        import ctypes
        libc = ctypes.CDLL(None, use_errno=True)
        for cap in (1, 2):  # CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH
            if libc.prctl(24, cap, 0, 0, 0) != 0:  # PR_CAPBSET_DROP
                raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")


@case
def unreadable_target_directory(tmp):
    target = os.path.join(tmp, "t")
    write(os.path.join(target, "sub", "a.txt"), SECRET)
    os.chmod(target, 0)
    try:
        rc, out, err = run(["files", "--now", NOW, "--format", "json", target],
                           preexec=no_dac_override)
    finally:
        os.chmod(target, 0o755)
    expect(rc == 3, "rc %d (want 3): %r" % (rc, err))
    rep = report(out)
    expect(any(d["path"] == target for d in diags(rep, "unreadable")),
           "no diagnostic for the directory: %s" % diags(rep))


# 13. Smaller problems ----------------------------------------------------------------------------

@case
def cli_option_messages(tmp):
    rc, out, err = run(["files", "-rf", tmp])
    expect(rc == 2 and "unknown option '-r'" in err, "files -rf: %r" % err)
    rc, out, err = run(["files", "-q", "-o"])
    expect(rc == 2 and "option '-o' needs a value" in err, "files -o: %r" % err)
    for opt in ("--max-file-size", "--max-blob-size"):
        cmd = "files" if opt == "--max-file-size" else "git"
        rc, out, err = run([cmd, opt, "0", tmp])
        expect(rc == 2 and opt in err and "at least 1" in err, "%s 0: rc %d %r" % (opt, rc, err))


@case
def credential_report_diagnostic_names_file(tmp):
    csv = os.path.join(tmp, "credential-report.csv")
    write(csv, "user,arn,user_creation_time,password_enabled,password_last_used\n"
               "alice,arn:aws:iam::123456789012:user/alice,2020-01-01T00:00:00+00:00,true\n")
    rc, out, err = run(["inventory", "--now", NOW, "--format", "json", csv])
    d = diags(report(out), "credential_report")
    expect(d and d[0]["path"] == csv, "diagnostic path: %s" % d)


# A throwaway P-256 key made for this test (SEC1 DER, as `openssl ec -outform DER` writes it).
EC_DER = bytes.fromhex(
    "307702010104204fae2b8a707a1e07cde1dfdce06d14ca93fed5e923a5bb19f7dcbe6612e7273ea00a06082a86"
    "48ce3d030107a14403420004fd7627df5be0d18997b1270ada2dd2abab641fc1bfae879294208e806728eecb9a"
    "804b0fc9bc7c37de3d8bdc36ef119f6149ff52839ee05ad9c0d41d01257a7f")


@case
def der_key_and_damaged_gcp_found(tmp):
    root = os.path.join(tmp, "t")
    write(os.path.join(root, "keys", "app.der"), EC_DER, mode="wb")
    write(os.path.join(root, "sa.json"),
          '{"type": "service_account", "project_id": "acme-prod", "private_key_id": '
          '"7d1e4c0a9b3f52e68c17a0d94be23f5c6a81d09e", "private_key": "-----BEGIN PRIVATE KEY-----'
          '\\nMIICdQIBADANBgkqhkiG9w0BAQEFAASCAl8wggJbAgEAAoGBAPaH1\n')
    rc, out, err = run(["files", "--now", NOW, "--format", "json", root])
    rep = report(out)
    got = {(f["rule"]["id"], os.path.basename(f["location"]["path"])) for f in rep["findings"]}
    expect(("der.sec1_ec_private_key", "app.der") in got, "DER key not found: %s" % got)
    expect(("gcp.service_account_key_damaged", "sa.json") in got, "GCP file not found: %s" % got)


# 14. libgit2's leak on core.repositoryformatversion=1 -------------------------------------------

@case
def lsan_repositoryformatversion_1(tmp):
    """Under scripts/test.sh --sanitize (ASan + LSan with tests/lsan.supp) the scan must end
    cleanly: libgit2 1.5.1 leaks in git_config_foreach_match when it checks a version 1
    repository's extensions, and LeakSanitizer aborted the run after the report."""
    repo = make_repo(tmp)
    git(repo, "config", "core.repositoryformatversion", "1")
    git(repo, "config", "extensions.noop", "true")
    env = dict(os.environ)
    if env.get("ASAN_OPTIONS"):
        # tests/lsan.supp matches a libgit2 frame: it needs whole allocation stacks (the fast
        # unwinder stops in libpcre2), too slow to turn on for the whole suite.
        env["ASAN_OPTIONS"] += ":fast_unwind_on_malloc=0"
    for cmd in ("git", "scan"):
        rc, out, err = run([cmd, "--now", NOW, "--format", "json", repo], env=env)
        expect("LeakSanitizer" not in err and "AddressSanitizer" not in err,
               "%s: sanitizer report: %s" % (cmd, err[-1500:]))
        rep = report(out)
        expect(rc == 1 and rep["findings"], "%s: rc %d %s" % (cmd, rc, err[-300:]))


# Partial clones with extensions.partialclone -----------------------------------------------------

@case
def partial_clone_extension(tmp):
    """A `git clone --filter=blob:none` whose config has extensions.partialClone (older git and
    other tools write it; git 2.39 records the promisor remote only, so the test sets it): libgit2
    1.5 refused to open it (`git`: not_a_repository, `scan`: files only). Now the history is
    scanned: blobs present locally give findings, the ones left on the promisor remote are
    missing_object error diagnostics (exit 3 when nothing is found)."""
    src = make_repo(tmp)
    git(src, "config", "uploadpack.allowFilter", "true")
    bare = os.path.join(tmp, "part.git")
    subprocess.run(["git", "clone", "-q", "--bare", "--filter=blob:none",
                    "file://" + src, bare], check=True, capture_output=True,
                   env=dict(os.environ, **GIT_ENV))
    git(bare, "config", "extensions.partialClone", "origin")
    env = dict(os.environ)
    if env.get("ASAN_OPTIONS"):  # see lsan_repositoryformatversion_1
        env["ASAN_OPTIONS"] += ":fast_unwind_on_malloc=0"
    rc, out, err = run(["git", "--now", NOW, "--format", "json", bare], env=env)
    rep = report(out)
    missing = diags(rep, "missing_object")
    expect(not diags(rep, "not_a_repository"), "refused: %s" % diags(rep))
    expect(rc == 3 and not rep["findings"], "git, no blob local: rc %d %s" % (rc, err[-300:]))
    expect(len(missing) == 3 and all(d["error"] for d in missing),
           "three blobs absent, three missing_object: %s" % diags(rep))
    # Fetch one blob from the promisor remote (what a checkout does): its secret is found.
    subprocess.run(["git", "-C", bare, "cat-file", "-p", "HEAD:a.txt"], check=True,
                   capture_output=True, env=dict(os.environ, **GIT_ENV))
    rc, out, err = run(["git", "--now", NOW, "--format", "json", bare], env=env)
    rep = report(out)
    expect(rc == 1 and rep["findings"], "git, a.txt fetched: rc %d %s" % (rc, err[-300:]))
    expect(len(diags(rep, "missing_object")) == 2 and rep["scan"]["stats"]["incomplete"],
           "the two absent blobs are still reported: %s" % diags(rep))


def main():
    global BIN
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("cases", nargs="*")
    a = ap.parse_args()
    BIN = os.path.abspath(a.bin)
    passed = failed = 0
    for fn in CASES:
        if a.cases and fn.__name__ not in a.cases:
            continue
        tmp = tempfile.mkdtemp(prefix="fbs-hostile-")
        try:
            fn(tmp)
            print("ok   %s" % fn.__name__)
            passed += 1
        except Fail as e:
            print("FAIL %s: %s" % (fn.__name__, e))
            failed += 1
        finally:
            for dirpath, dirnames, _ in os.walk(tmp):
                for d in dirnames:
                    try:
                        os.chmod(os.path.join(dirpath, d), 0o755)
                    except OSError:
                        pass
            shutil.rmtree(tmp, ignore_errors=True)
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
