#!/usr/bin/env python3
"""Clones and fetches over the network are bounded in time (issue 17): a server that accepts the
connection and then says nothing, one that answers the ref advertisement and stops in the middle
of the pack, and one that sends the pack so slowly that it never ends must each end the clone
after --clone-stall-timeout / --clone-timeout, with an error diagnostic naming the URL (without
its credentials), exit 3, and no partial clone left behind; the same for a sweep's URL target,
which is recorded failed. A normal clone through the same server still works.

The servers are on 127.0.0.1, started here: a listener that never answers, and a small HTTP
server that runs `git http-backend` (CGI) and delivers its answer whole, cut short, or dripping.

  run_clone_timeout.py --bin build/fallback-scan [CASE...]
"""
import argparse
import http.server
import json
import os
import shutil
import socket
import socketserver
import subprocess
import sys
import tempfile
import threading
import time

NOW = "2026-01-01T00:00:00Z"
LIMIT = 60  # seconds per run: far above the bounds set below; a run that hits it fails
GIT_ENV = {
    "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
    "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com",
    "GIT_AUTHOR_DATE": "2020-01-01T00:00:00Z", "GIT_COMMITTER_DATE": "2020-01-01T00:00:00Z",
    "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": "/dev/null",
}
SECRET = "aws_secret_access_key = Zk3xQ9vN2mL7pR4tY8wB1cF6hJ0sD5gA2eK9uT3q\n"
TOKEN = "hunter2sekrit"

BIN = None
CASES = []


class Fail(Exception):
    pass


def case(fn):
    CASES.append(fn)
    return fn


def expect(cond, what):
    if not cond:
        raise Fail(what)


def run(args, env=None, limit=LIMIT):
    t0 = time.monotonic()
    try:
        p = subprocess.run([BIN] + args, capture_output=True, timeout=limit,
                           env=dict(os.environ, **(env or {})))
    except subprocess.TimeoutExpired:
        raise Fail("timed out after %ds: %s" % (limit, " ".join(args)))
    return (p.returncode, p.stdout.decode("utf-8", "replace"),
            p.stderr.decode("utf-8", "replace"), time.monotonic() - t0)


def make_bare(tmp, big=0):
    """A bare repository with a secret (and `big` bytes of incompressible data)."""
    src = os.path.join(tmp, "src")
    os.makedirs(src)
    env = dict(os.environ, **GIT_ENV)
    subprocess.run(["git", "init", "-q", "-b", "main", src], check=True, env=env)
    with open(os.path.join(src, "a.txt"), "w") as f:
        f.write(SECRET)
    if big:
        with open(os.path.join(src, "blob.bin"), "wb") as f:
            f.write(os.urandom(big))
    subprocess.run(["git", "-C", src, "add", "."], check=True, env=env)
    subprocess.run(["git", "-C", src, "commit", "-qm", "one"], check=True, env=env)
    root = os.path.join(tmp, "srv")
    os.makedirs(root)
    subprocess.run(["git", "clone", "-q", "--bare", src, os.path.join(root, "r.git")],
                   check=True, env=env)
    return root


class Silent:
    """Accepts connections and never answers."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.conns = []
        self.stop = False
        threading.Thread(target=self.loop, daemon=True).start()

    def loop(self):
        while not self.stop:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            self.conns.append(c)

    def close(self):
        self.stop = True
        self.sock.close()
        for c in self.conns:
            c.close()


class Backend(http.server.BaseHTTPRequestHandler):
    """git http-backend as CGI; the server's `mode` says how the pack (upload-pack's answer) is
    delivered: whole, cut after `cut` bytes (then silence, connection open), or in 512-byte
    drips every 0.1 s."""
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def cgi(self, method):
        path, _, query = self.path.partition("?")
        body = b""
        if method == "POST":
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        env = dict(os.environ, GIT_PROJECT_ROOT=self.server.root, GIT_HTTP_EXPORT_ALL="1",
                   PATH_INFO=path, REQUEST_METHOD=method, QUERY_STRING=query,
                   CONTENT_TYPE=self.headers.get("Content-Type", ""),
                   CONTENT_LENGTH=str(len(body)), REMOTE_ADDR="127.0.0.1",
                   GIT_PROTOCOL=self.headers.get("Git-Protocol", ""))
        if self.headers.get("Content-Encoding"):
            env["HTTP_CONTENT_ENCODING"] = self.headers["Content-Encoding"]
        out = subprocess.run(["git", "http-backend"], input=body, env=env,
                             capture_output=True).stdout
        head, _, payload = out.partition(b"\r\n\r\n")
        status, headers = 200, []
        for line in head.split(b"\r\n"):
            k, _, v = line.decode().partition(":")
            if k.lower() == "status":
                status = int(v.split()[0])
            elif k:
                headers.append((k, v.strip()))
        self.send_response(status)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        mode = self.server.mode if path.endswith("/git-upload-pack") else "whole"
        if path.endswith("/git-upload-pack"):
            self.server.packs += 1
        if mode == "whole":
            self.wfile.write(payload)
        elif mode == "cut":
            self.wfile.write(payload[:self.server.cut])
            self.wfile.flush()
            self.server.hold.wait()
        else:  # drip
            for i in range(0, len(payload), 512):
                if self.server.hold.is_set():
                    return
                self.wfile.write(payload[i:i + 512])
                self.wfile.flush()
                time.sleep(0.1)

    def do_GET(self):
        self.cgi("GET")

    def do_POST(self):
        self.cgi("POST")


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True


def backend(root, mode, cut=0):
    srv = Server(("127.0.0.1", 0), Backend)
    srv.root, srv.mode, srv.cut, srv.hold = root, mode, cut, threading.Event()
    srv.packs = 0
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv


def stop(srv):
    srv.hold.set()
    srv.shutdown()
    srv.server_close()


def report(out):
    try:
        return json.loads(out)
    except ValueError:
        raise Fail("not a JSON report: %r" % out[:300])


def clone_failed(rep):
    return [d for d in rep["scan"].get("diagnostics", []) if d.get("kind") == "clone_failed"]


def check_timed_out(tmp, url, want, extra, keep=True):
    """A 'git URL' scan that must end by a timeout: rc 3, the diagnostic, nothing left."""
    keepdir = os.path.join(tmp, "keep")
    args = ["git", "--now", NOW, "--format", "json"] + extra
    if keep:
        args += ["--keep-clone", keepdir]
    rc, out, err, took = run(args + [url])
    rep = report(out)
    d = clone_failed(rep)
    expect(rc == 3, "rc %d (want 3): %s" % (rc, err[-500:]))
    expect(len(d) == 1, "one clone_failed diagnostic: %s" % rep["scan"].get("diagnostics"))
    expect(want in d[0]["message"], "message %r lacks %r" % (d[0]["message"], want))
    expect("127.0.0.1" in d[0]["path"], "the diagnostic names the URL: %r" % d[0])
    expect(TOKEN not in out and TOKEN not in err, "the token in the URL was shown")
    expect(took < 45, "took %.1f s" % took)
    if keep:
        left = os.listdir(keepdir) if os.path.exists(keepdir) else []
        expect(not left, "the partial clone was left in %s: %s" % (keepdir, left))
    return took


@case
def silent_http_server(tmp):
    """Accepts, never answers (was: hung forever)."""
    s = Silent()
    try:
        took = check_timed_out(tmp, "http://x:%s@127.0.0.1:%d/r.git" % (TOKEN, s.port),
                               "no transfer progress for 2 s", ["--clone-stall-timeout", "2"])
        expect(took >= 1.9, "gave up before the stall limit: %.1f s" % took)
    finally:
        s.close()


@case
def silent_https_and_git_servers(tmp):
    """The same bound for https:// (TLS handshake never answered) and git://."""
    s = Silent()
    try:
        for url in ("https://x:%s@127.0.0.1:%d/r.git" % (TOKEN, s.port),
                    "git://127.0.0.1:%d/r.git" % s.port):
            check_timed_out(tmp, url, "no transfer progress for 2 s",
                            ["--clone-stall-timeout", "2s"], keep=False)
    finally:
        s.close()


@case
def silent_ssh_server(tmp):
    """ssh://: an SSH server that never sends its banner (libgit2 here is built with libssh2)."""
    s = Silent()
    try:
        check_timed_out(tmp, "ssh://git@127.0.0.1:%d/r.git" % s.port,
                        "no transfer progress for 2 s", ["--clone-stall-timeout", "2"])
    finally:
        s.close()


@case
def stall_mid_pack(tmp):
    """The refs are advertised, then the pack stops after 20 KiB (connection kept open)."""
    root = make_bare(tmp, big=1 << 20)
    srv = backend(root, "cut", cut=20000)
    try:
        check_timed_out(tmp, "http://127.0.0.1:%d/r.git" % srv.server_address[1],
                        "no transfer progress for 2 s", ["--clone-stall-timeout", "2"])
        expect(srv.packs == 1, "the clone did not get to the pack (%d requests)" % srv.packs)
    finally:
        stop(srv)


@case
def total_timeout_dripping_pack(tmp):
    """A pack that keeps coming, 5 KiB/s (never a stall): --clone-timeout ends it."""
    root = make_bare(tmp, big=1 << 20)
    srv = backend(root, "drip")
    try:
        took = check_timed_out(tmp, "http://127.0.0.1:%d/r.git" % srv.server_address[1],
                               "timed out after 4 s (--clone-timeout)",
                               ["--clone-timeout", "4", "--clone-stall-timeout", "30"])
        expect(took >= 3.9, "gave up before the limit: %.1f s" % took)
    finally:
        stop(srv)


@case
def normal_clone_through_backend(tmp):
    """The bound does not get in the way: a clone through the same server finds the secret."""
    root = make_bare(tmp)
    srv = backend(root, "whole")
    try:
        keep = os.path.join(tmp, "keep")
        rc, out, err, _ = run(["git", "--now", NOW, "--format", "json", "--clone-timeout", "30",
                               "--clone-stall-timeout", "10", "--keep-clone", keep,
                               "http://127.0.0.1:%d/r.git" % srv.server_address[1]])
        rep = report(out)
        expect(rc == 1 and rep["findings"], "rc %d, %d findings: %s" %
               (rc, len(rep["findings"]), err[-500:]))
        expect(os.path.exists(os.path.join(keep, "HEAD")), "the clone was not kept")
    finally:
        stop(srv)


@case
def option_values(tmp):
    for bad in ("0", "-1", "x", "8d", "169h", "5ss"):
        rc, out, err, _ = run(["git", "--clone-timeout", bad, "http://127.0.0.1:1/r.git"])
        expect(rc == 2 and "--clone-timeout" in err, "%r: rc %d %s" % (bad, rc, err))
    rc, out, err, _ = run(["files", "--clone-stall-timeout", "5", tmp])
    expect(rc == 2 and "need 'git' or 'scan'" in err, "files: rc %d %s" % (rc, err))


@case
def sweep_url_target_stalls(tmp):
    """A sweep's URL target on a silent server is recorded failed (exit 3), the next target is
    swept, and the mirror cache holds nothing of the failed fetch."""
    s = Silent()
    try:
        good = os.path.join(tmp, "good")
        env = dict(os.environ, **GIT_ENV)
        subprocess.run(["git", "init", "-q", "-b", "main", good], check=True, env=env)
        with open(os.path.join(good, "a.txt"), "w") as f:
            f.write(SECRET)
        subprocess.run(["git", "-C", good, "add", "."], check=True, env=env)
        subprocess.run(["git", "-C", good, "commit", "-qm", "one"], check=True, env=env)
        cache = os.path.join(tmp, "cache")
        cfg = os.path.join(tmp, "sweep.yml")
        with open(cfg, "w") as f:
            f.write("cache_dir: %s\ntargets: ['http://x:%s@127.0.0.1:%d/r.git', '%s']\n"
                    % (cache, TOKEN, s.port, good))
        rc, out, err, took = run(["sweep", "run", "--config", cfg, "--db",
                                  os.path.join(tmp, "s.db"), "--now", NOW, "--quiet",
                                  "--clone-stall-timeout", "2s"])
        expect(rc == 3, "rc %d (want 3): %s" % (rc, err[-800:]))
        expect("no transfer progress for 2 s" in err and "127.0.0.1:%d" % s.port in err,
               "the failure names the URL and the bound: %s" % err[-800:])
        expect(TOKEN not in out + err, "the token was shown")
        expect(took < 45, "took %.1f s" % took)
        left = [os.path.join(d, f) for d, _, fs in os.walk(cache) for f in fs]
        expect(not left, "the failed fetch left files: %s" % left[:5])
        rc, out, err, _ = run(["sweep", "list", "--db", os.path.join(tmp, "s.db"), "--format",
                               "json"])
        expect(rc == 0 and '"failed": 1' in out.replace('"failed":1', '"failed": 1'),
               "the sweep records one failed target: %s" % out[-800:])
    finally:
        s.close()


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
        tmp = tempfile.mkdtemp(prefix="fbs-clone-")
        try:
            fn(tmp)
            print("ok   %s" % fn.__name__)
            passed += 1
        except Fail as e:
            print("FAIL %s: %s" % (fn.__name__, e))
            failed += 1
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
