#!/usr/bin/env python3
"""Organisation discovery for sweeps (issue #12, section 3) against loopback replay servers that
speak the documented GitHub REST (v3) and GitLab REST (v4) shapes:

- GitHub: GET /orgs/{org}/repos paged by `Link: <...>; rel="next"`, a 403 with
  X-RateLimit-Remaining: 0 and X-RateLimit-Reset on a page (waited for, then asked again); an
  unknown org falling back to GET /users/{user}/repos, behind a 429 with Retry-After; forks,
  archived repositories and an exclude glob filtered out.
- GitLab: GET /groups/{path}/projects?include_subgroups=true paged by X-Next-Page (no Link),
  a 429 with RateLimit-Reset; archived projects filtered out.
- The repositories are real bare repositories built here, served by file:// clone URLs, and one
  private one over smart HTTP (`git http-backend`) behind HTTP Basic authentication: it is
  cloned with the token given by git's credential callback; a clone URL on another host than
  the API gets no credential.
- The provider's repository id is the target's identity; a second sweep reuses the clone cache
  (every target unchanged); a resumed sweep lists nothing again.
- A rejected token (401) and a rate limit beyond max_wait: clear errors, exit 3.
- The token never appears in stdout, stderr, the report, the datastore or the clone cache.
"""
import argparse
import base64
import http.server
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

FAILURES = []
TOKEN = "ghp_R3playT0kenNeverPrinted0123456789abcd"
GL_TOKEN = "glpat-R3playGitLabT0kenNeverPrinted"
KEY = "AKIAQ7X3M4K2P5R6T4W6"
NOW = "2026-01-10"


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        FAILURES.append(what)


class Replay:
    """The API state and a request log, shared with the handler."""

    def __init__(self, repos):
        self.repos = repos  # name -> file:// URL
        self.log = []  # (path, auth header)
        self.git_log = []  # (path, Host, Authorization) of the git server
        self.git_root = ""
        self.limited_once = set()
        self.port = 0

    def gh_repo(self, rid, name, fork=False, archived=False):
        return {"id": rid, "node_id": "R_%d" % rid, "name": name.split("/")[-1],
                "full_name": name, "private": True, "fork": fork, "archived": archived,
                "clone_url": self.repos[name.split("/")[-1]], "default_branch": "main",
                "html_url": "https://github.example/" + name}

    def gl_project(self, pid, path, archived=False):
        return {"id": pid, "path_with_namespace": path, "archived": archived,
                "http_url_to_repo": self.repos[path.split("/")[-1]], "default_branch": "main",
                "web_url": "https://gitlab.example/" + path}


def make_handler(rp):
    class H(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive and Expect: 100-continue, as git expects

        def log_message(self, *a):
            pass

        def send(self, status, body, headers=()):
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for k, v in headers:
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(data)

        def once(self, key):
            if key in rp.limited_once:
                return False
            rp.limited_once.add(key)
            return True

        def git_backend(self):
            """Smart HTTP through `git http-backend`, behind HTTP Basic authentication with the
            GitHub token (user x-access-token), as GitHub serves private repositories."""
            rp.git_log.append((self.path, self.headers.get("Host"),
                               self.headers.get("Authorization")))
            u = urllib.parse.urlsplit(self.path)
            body = b""
            if self.command == "POST" and \
                    "chunked" in self.headers.get("Transfer-Encoding", "").lower():
                while True:  # libgit2 streams a POST body in chunks
                    size = int(self.rfile.readline().strip().split(b";")[0], 16)
                    chunk = self.rfile.read(size)
                    self.rfile.readline()
                    if not size:
                        break
                    body += chunk
            elif self.command == "POST":
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            want = "Basic " + base64.b64encode(("x-access-token:" + TOKEN).encode()).decode()
            if self.headers.get("Authorization") != want:
                data = b""  # (libgit2 1.x does not drain a 401's body before asking again)
                self.send_response(401)
                self.send_header("WWW-Authenticate", 'Basic realm="GitHub"')
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
                return
            env = {"GIT_PROJECT_ROOT": rp.git_root, "GIT_HTTP_EXPORT_ALL": "1",
                   "PATH_INFO": u.path[len("/git"):], "QUERY_STRING": u.query,
                   "REQUEST_METHOD": self.command, "PATH": os.environ.get("PATH", ""),
                   "CONTENT_TYPE": self.headers.get("Content-Type", ""),
                   "CONTENT_LENGTH": str(len(body)), "REMOTE_USER": "x-access-token",
                   "GIT_CONFIG_NOSYSTEM": "1", "HOME": rp.git_root}
            p = subprocess.run(["git", "http-backend"], input=body, env=env,
                               capture_output=True)
            head, _, payload = p.stdout.partition(b"\r\n\r\n")
            status = 200
            headers = []
            for line in head.split(b"\r\n"):
                k, _, v = line.decode().partition(":")
                if k.lower() == "status":
                    status = int(v.strip().split()[0])
                elif k:
                    headers.append((k, v.strip()))
            self.send_response(status)
            for k, v in headers:
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def do_POST(self):
            if self.path.startswith("/git/"):
                return self.git_backend()
            return self.send(405, {"message": "Method Not Allowed"})

        def do_GET(self):
            if self.path.startswith("/git/"):
                return self.git_backend()
            u = urllib.parse.urlsplit(self.path)
            q = dict(urllib.parse.parse_qsl(u.query))
            auth = self.headers.get("Authorization") or self.headers.get("PRIVATE-TOKEN")
            rp.log.append((self.path, auth))
            base = "http://127.0.0.1:%d" % rp.port
            if u.path.startswith("/gh/"):
                if self.headers.get("Authorization") != "Bearer " + TOKEN:
                    return self.send(401, {"message": "Bad credentials",
                                           "documentation_url": "https://docs.github.com/rest"})
                if u.path == "/gh/orgs/acme/repos":
                    if q.get("page", "1") == "1":
                        nxt = "%s/gh/orgs/acme/repos?type=all&per_page=100&page=2" % base
                        return self.send(200, [rp.gh_repo(101, "acme/alpha"),
                                               rp.gh_repo(102, "acme/alpha-fork", fork=True),
                                               rp.gh_repo(103, "acme/old", archived=True)],
                                         [("Link", '<%s>; rel="next", <%s>; rel="last"' %
                                           (nxt, nxt)), ("X-RateLimit-Remaining", "57")])
                    if self.once("gh-page2"):
                        return self.send(403, {"message": "API rate limit exceeded"},
                                         [("X-RateLimit-Remaining", "0"),
                                          ("X-RateLimit-Reset", str(int(time.time()) + 1))])
                    first = "%s/gh/orgs/acme/repos?type=all&per_page=100&page=1" % base
                    return self.send(200, [rp.gh_repo(104, "acme/beta"),
                                           rp.gh_repo(105, "acme/skip-me"),
                                           rp.gh_repo(106, "acme/private")],
                                     [("Link", '<%s>; rel="first", <%s>; rel="prev"' %
                                       (first, first))])
                if u.path == "/gh/orgs/solo/repos":
                    return self.send(404, {"message": "Not Found"})
                if u.path == "/gh/users/solo/repos":
                    if self.once("gh-solo"):
                        return self.send(429, {"message": "secondary rate limit"},
                                         [("Retry-After", "1")])
                    return self.send(200, [rp.gh_repo(201, "solo/tool")])
                if u.path == "/gh/orgs/leaky/repos":
                    # A clone URL on another host than the API: no token goes there.
                    r = rp.gh_repo(901, "leaky/private")
                    r["clone_url"] = "http://localhost:%d/git/private.git" % rp.port
                    return self.send(200, [r])
                if u.path == "/gh/orgs/secondary/repos":
                    return self.send(403, {"message": "You have exceeded a secondary rate "
                                                      "limit. Please wait a few minutes."})
                if u.path == "/gh/orgs/throttled/repos":
                    return self.send(403, {"message": "API rate limit exceeded"},
                                     [("X-RateLimit-Remaining", "0"),
                                      ("X-RateLimit-Reset", str(int(time.time()) + 3600))])
                return self.send(404, {"message": "Not Found"})
            if u.path.startswith("/gl/api/v4/"):
                if self.headers.get("PRIVATE-TOKEN") != GL_TOKEN:
                    return self.send(401, {"message": "401 Unauthorized"})
                if u.path == "/gl/api/v4/groups/infra%2Fplatform/projects" or \
                        u.path == "/gl/api/v4/groups/infra/platform/projects":
                    if q.get("include_subgroups") != "true":
                        return self.send(400, {"error": "include_subgroups expected"})
                    if q.get("page", "1") == "1":
                        return self.send(200, [rp.gl_project(301, "infra/platform/svc"),
                                               rp.gl_project(302, "infra/platform/sub/db")],
                                         [("X-Next-Page", "2"), ("X-Page", "1"),
                                          ("X-Total-Pages", "2")])
                    if self.once("gl-page2"):
                        return self.send(429, {"message": "Retry later"},
                                         [("RateLimit-Remaining", "0"),
                                          ("RateLimit-Reset", str(int(time.time()) + 1))])
                    return self.send(200, [rp.gl_project(303, "infra/platform/legacy",
                                                         archived=True)],
                                     [("X-Next-Page", ""), ("X-Page", "2")])
                return self.send(404, {"message": "404 Group Not Found"})
            return self.send(404, {"message": "Not Found"})

    return H


class Env:
    def __init__(self, binary, root):
        self.bin = binary
        self.root = root
        self.env = {k: v for k, v in os.environ.items()
                    if not k.startswith(("GIT_", "XDG_", "GITHUB_", "GITLAB_"))}
        self.env.update({"HOME": os.path.join(root, "home"), "GIT_CONFIG_NOSYSTEM": "1",
                         "TZ": "UTC", "LC_ALL": "C", "GITHUB_TOKEN": TOKEN,
                         "GITLAB_TOKEN": GL_TOKEN})
        for k in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy",
                  "ALL_PROXY"):
            self.env.pop(k, None)
        os.makedirs(self.env["HOME"])

    def git(self, repo, *args):
        env = dict(self.env)
        env.update({"GIT_AUTHOR_NAME": "Dev", "GIT_AUTHOR_EMAIL": "dev@example.com",
                    "GIT_COMMITTER_NAME": "Dev", "GIT_COMMITTER_EMAIL": "dev@example.com",
                    "GIT_AUTHOR_DATE": "2025-01-01T00:00:00Z",
                    "GIT_COMMITTER_DATE": "2025-01-01T00:00:00Z"})
        subprocess.run(["git"] + list(args), cwd=repo, env=env, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def bare_repo(self, name, files):
        work = os.path.join(self.root, "work", name)
        os.makedirs(work)
        self.git(work, "init", "-q", "-b", "main")
        for rel, text in files.items():
            with open(os.path.join(work, rel), "w") as f:
                f.write(text)
            self.git(work, "add", rel)
        self.git(work, "commit", "-q", "-m", "initial")
        bare = os.path.join(self.root, "remotes", name + ".git")
        os.makedirs(os.path.dirname(bare), exist_ok=True)
        self.git(self.root, "clone", "-q", "--bare", work, bare)
        return "file://" + bare

    def run(self, *args, env=None):
        p = subprocess.run([self.bin] + list(args), env=env or self.env, capture_output=True,
                           text=True, timeout=300)
        return p.returncode, p.stdout, p.stderr


def all_bytes_under(path):
    out = b""
    for dp, _, fs in os.walk(path):
        for f in fs:
            try:
                with open(os.path.join(dp, f), "rb") as fh:
                    out += fh.read()
            except OSError:
                pass
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    a = ap.parse_args()
    root = tempfile.mkdtemp(prefix="fbs-discover-")
    try:
        e = Env(os.path.abspath(a.bin), root)
        repos = {}
        private = None
        runbook = "# break-glass credentials for the outage runbook\nbreakglass_aws_key = %s\n"
        for name in ("alpha", "alpha-fork", "old", "beta", "skip-me", "tool", "svc", "db",
                     "legacy", "private"):
            files = {"README.md": "# %s\n" % name}
            if name in ("alpha", "db"):
                files["runbook.env"] = runbook % KEY
            repos[name] = e.bare_repo(name, files)
        rp = Replay(repos)
        rp.git_root = os.path.join(root, "remotes")
        srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), make_handler(rp))
        rp.port = srv.server_address[1]
        repos["private"] = "http://127.0.0.1:%d/git/private.git" % rp.port
        threading.Thread(target=srv.serve_forever, daemon=True).start()
        base = "http://127.0.0.1:%d" % rp.port
        db = os.path.join(root, "sweeps.db")
        cache = os.path.join(root, "cache")
        cfg = os.path.join(root, "sweep.yml")
        with open(cfg, "w") as f:
            f.write("targets:\n"
                    "  - github: {org: acme, api: %s/gh, exclude: ['acme/skip-*']}\n"
                    "  - github: {org: solo, api: %s/gh/}\n"
                    "  - gitlab: {group: infra/platform, api: %s/gl/api/v4}\n"
                    "cache_dir: %s\n"
                    "datastore: %s\n" % (base, base, base, cache, db))

        # 1. The first sweep: listing with paging, rate limits and filters; clones; findings.
        rc, out, err = e.run("sweep", "run", "--config", cfg, "--now", NOW, "--jobs", "2")
        check(rc == 0, "first sweep exits 0 (rc=%d, %s)" % (rc, err.strip()[-300:]))
        con = sqlite3.connect(db)
        ids = sorted(r[0] for r in con.execute("SELECT identity FROM targets"))
        host = "127.0.0.1:%d" % rp.port
        want = sorted(["github:%s/101" % host, "github:%s/104" % host, "github:%s/106" % host,
                       "github:%s/201" % host,
                       "gitlab:%s/301" % host, "gitlab:%s/302" % host])
        check(ids == want, "targets are the discovered repositories, known by provider id "
              "(forks, archived, excluded left out): %s" % ids)
        st = con.execute("SELECT status, count(*) FROM target_scans GROUP BY status").fetchall()
        check(st == [("done", 6)], "every discovered repository scanned: %s" % st)
        specs = [json.loads(r[0]) for r in con.execute("SELECT spec FROM target_scans")]
        check(all(s.get("repo_id") and s.get("full_name") and s.get("kind") == "url"
                  for s in specs), "the listing (id, full name, clone URL) is in the plan")
        nf = con.execute("SELECT count(*) FROM findings").fetchone()[0]
        check(nf == 2, "the secret found in acme/alpha and infra/platform/sub/db (%d)" % nf)
        con.close()
        paths = [p for p, _ in rp.log]
        check(paths.count("/gh/orgs/acme/repos?type=all&per_page=100&page=2") == 2,
              "GitHub page 2 (rel=next) asked again after its 403 rate limit reset")
        check("/gh/users/solo/repos?type=owner&per_page=100" in paths,
              "an unknown org falls back to the user's repositories")
        check(sum(1 for p in paths if "/gl/api/v4/groups/infra%2Fplatform/projects" in p and
                  "page=2" in p) == 2,
              "GitLab page 2 (X-Next-Page) asked again after its 429 RateLimit-Reset")
        check(all(a in ("Bearer " + TOKEN, GL_TOKEN) for _, a in rp.log),
              "every API request carried the provider's token")
        clones = sorted(os.listdir(cache))
        check(len(clones) == 6, "six clones in the cache (%d)" % len(clones))
        check(any(a for p, h, a in rp.git_log if "private.git" in p),
              "the private repository was cloned over HTTP with the token from git's "
              "credential callback")
        outputs = out + err

        # 2. A second sweep: the cache is reused, every target unchanged.
        rc, out, err = e.run("sweep", "run", "--config", cfg, "--now", "2026-01-17")
        check(rc == 0, "second sweep exits 0 (rc=%d, %s)" % (rc, err.strip()[-300:]))
        check(sorted(os.listdir(cache)) == clones, "the second sweep reuses the clone cache")
        con = sqlite3.connect(db)
        modes = con.execute("SELECT mode, count(*) FROM target_scans WHERE sweep_id = 2 "
                            "GROUP BY mode").fetchall()
        check(modes == [("unchanged", 6)], "second sweep: every target unchanged: %s" % modes)
        # 3. Resume: a sweep left unfinished continues from its recorded listing.
        con.execute("UPDATE target_scans SET status = 'pending' WHERE sweep_id = 2 AND "
                    "id = (SELECT min(id) FROM target_scans WHERE sweep_id = 2)")
        con.execute("UPDATE sweeps SET status = 'interrupted', finished = NULL WHERE id = 2")
        con.commit()
        con.close()
        before = len(rp.log)
        rc, out2, err2 = e.run("sweep", "run", "--config", cfg, "--resume")
        check(rc == 0, "resume exits 0 (rc=%d, %s)" % (rc, err2.strip()[-300:]))
        check(len(rp.log) == before, "a resumed sweep lists nothing again (%d requests)" %
              (len(rp.log) - before))
        outputs += out + err + out2 + err2

        rc, rep, err = e.run("sweep", "report", "--db", db, "--format", "json")
        check(rc == 0 and "/alpha" in rep and "/db" in rep, "the report covers the repositories")
        outputs += rep + err

        # 4. A rejected token: a clear error naming the variable, never the token.
        bad = dict(e.env)
        bad["GITHUB_TOKEN"] = "ghp_WrongTokenAlsoNeverPrinted000000000"
        db2 = os.path.join(root, "bad.db")
        rc, out, err = e.run("sweep", "run", "--config", cfg, "--db", db2, "--now", NOW,
                             env=bad)
        check(rc == 3, "a rejected token: exit 3 (rc=%d)" % rc)
        check("the token in GITHUB_TOKEN was rejected (HTTP 401: Bad credentials)" in err,
              "a rejected token: clear error (%s)" % err.strip()[:400])
        check(bad["GITHUB_TOKEN"] not in out + err and
              bad["GITHUB_TOKEN"].encode() not in open(db2, "rb").read(),
              "the rejected token is in no output and not in the datastore")
        outputs += out + err
        noenv = dict(e.env)
        del noenv["GITHUB_TOKEN"]
        rc, out, err = e.run("sweep", "run", "--config", cfg, "--db",
                             os.path.join(root, "noenv.db"), "--now", NOW, env=noenv)
        check(rc == 3 and "GITHUB_TOKEN is not set" in err,
              "no token: the error names the variable (%s)" % err.strip()[:300])

        # 5. A rate limit beyond max_wait: the wait is named, the sweep goes on without it.
        cfg3 = os.path.join(root, "throttled.yml")
        with open(cfg3, "w") as f:
            f.write("targets:\n"
                    "  - github: {org: throttled, api: %s/gh, max_wait: 30}\n"
                    "  - github: {org: secondary, api: %s/gh, max_wait: 30}\n"
                    "cache_dir: %s\n" % (base, base, cache))
        t0 = time.monotonic()
        rc, out, err = e.run("sweep", "run", "--config", cfg3, "--db",
                             os.path.join(root, "thr.db"), "--now", NOW)
        check(rc == 3 and "exceeds max_wait (30 s)" in err,
              "a reset an hour away with max_wait 30: clear error, exit 3 (rc=%d, %s)" %
              (rc, err.strip()[:300]))
        check("GitHub 'secondary': rate limited: the wait (60 s) exceeds max_wait (30 s)" in err,
              "a secondary limit (403, message only): a 60 s wait, beyond max_wait 30 (%s)" %
              err.strip()[:400])
        check(time.monotonic() - t0 < 60, "it did not wait")
        outputs += out + err

        # 6. A clone URL on another host than the API gets no token.
        cfg5 = os.path.join(root, "leaky.yml")
        with open(cfg5, "w") as f:
            f.write("targets:\n"
                    "  - github: {org: leaky, api: %s/gh}\n"
                    "cache_dir: %s\n" % (base, cache))
        n = len(rp.git_log)
        rc, out, err = e.run("sweep", "run", "--config", cfg5, "--db",
                             os.path.join(root, "leaky.db"), "--now", NOW)
        seen = rp.git_log[n:]
        check(rc == 3 and seen and all(a is None for _, _, a in seen),
              "a clone URL on another host: the fetch fails, no credential sent (%s)" %
              [(p, h, a is not None) for p, h, a in seen])
        outputs += out + err

        # 7. Bad configurations.
        cfg4 = os.path.join(root, "bad.yml")
        with open(cfg4, "w") as f:
            f.write("targets:\n  - github: {org: a, user: b}\n")
        rc, out, err = e.run("sweep", "run", "--config", cfg4, "--db",
                             os.path.join(root, "x.db"))
        check(rc == 2 and "line 2" in err and "one of org, user or group" in err,
              "org and user together: exit 2 with the line (%s)" % err.strip())
        with open(cfg4, "w") as f:
            f.write("targets:\n  - gitlab: {group: a, api: ftp://x}\n")
        rc, out, err = e.run("sweep", "run", "--config", cfg4, "--db",
                             os.path.join(root, "x.db"))
        check(rc == 2 and "http(s) URL" in err, "a non-http API base: exit 2 (%s)" % err.strip())

        # The tokens never leave the process.
        for tok in (TOKEN, GL_TOKEN):
            check(tok not in outputs, "token %s... in no stdout, stderr or report" % tok[:6])
            check(tok.encode() not in open(db, "rb").read(), "token %s... not in the "
                  "datastore" % tok[:6])
            check(tok.encode() not in all_bytes_under(cache), "token %s... not in the clone "
                  "cache (.git/config included)" % tok[:6])
        srv.shutdown()
    finally:
        if not os.environ.get("KEEP"):
            shutil.rmtree(root, ignore_errors=True)
    if FAILURES:
        print("%d check(s) failed" % len(FAILURES))
        return 1
    print("all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
