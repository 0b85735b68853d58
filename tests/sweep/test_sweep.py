#!/usr/bin/env python3
"""Sweeps end to end: the real binary, real git repositories built here with explicit dates, a
real SQLite datastore, a sequence of sweeps with a pinned --now (docs/sweep.md).

Scenarios: a secret added; removed from HEAD but kept in history (still open); the history
rewritten to drop it (fixed); accepted with an expiry that then passes (reopened, due); a
repository renamed (the same target); the same secret in two repositories (one secret, two
findings); a URL target (cloned into the cache); a sweep killed with SIGKILL half-way and resumed
(no loss, no duplicate); a corrupt, a locked and a newer datastore; a malformed configuration.

--backend postgresql runs the same scenarios through the one datastore interface against a real
PostgreSQL server started here (pg_server.py; exit 77 when its binaries are missing); the
SQLite-file cases (corrupt, locked, newer file, default location) are SQLite only, and
test_fleet.py has PostgreSQL's own hostile cases.
"""
import argparse
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time

FAILURES = []

KEY_A = "AKIAQ7X3M4K2P5R6T4W6"  # in alpha and beta: one secret, two findings
KEY_G = "AKIAZ2N3V4C6B7M3L5K7"  # added to gamma later
KEY_D = "AKIAH4J6K3L2M7N3P5Q7"  # in the URL target


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        FAILURES.append(what)


class Env:
    def __init__(self, binary, root, pg=None):
        self.bin = binary
        self.root = root
        self.pg = pg
        self.ndb = 0
        self.env = dict(os.environ)
        for k in list(self.env):
            if k.startswith("GIT_") or k.startswith("XDG_"):
                del self.env[k]
        self.env.update({
            "HOME": os.path.join(root, "home"),
            "XDG_DATA_HOME": os.path.join(root, "xdg-data"),
            "XDG_CACHE_HOME": os.path.join(root, "xdg-cache"),
            "XDG_CONFIG_HOME": os.path.join(root, "xdg-config"),
            "GIT_CONFIG_NOSYSTEM": "1",
            "TZ": "UTC",
            "LC_ALL": "C",
        })
        os.makedirs(self.env["HOME"], exist_ok=True)

    def newdb(self, name):
        """A fresh datastore location: an SQLite file, or a new PostgreSQL database."""
        if not self.pg:
            return os.path.join(self.root, name + ".db")
        self.ndb += 1
        return self.pg.createdb("%s_%d" % (name.replace("-", "_"), self.ndb))

    def sql(self, db, query):
        """Rows of a query on the datastore (integers as int)."""
        if not self.pg:
            con = sqlite3.connect(db)
            try:
                return con.execute(query).fetchall()
            finally:
                con.close()
        name = db.split("/")[3].split("?")[0]
        return [tuple(int(v) if v.lstrip("-").isdigit() else v for v in row)
                for row in self.pg.psql(name, query)]

    def sql_poll(self, db, query):
        """As sql(), for a datastore being written: None when it cannot be read yet."""
        if not self.pg:
            try:
                con = sqlite3.connect("file:%s?mode=ro" % db, uri=True, timeout=0.05)
                try:
                    return con.execute(query).fetchall()
                finally:
                    con.close()
            except sqlite3.Error:
                return None
        try:
            return self.sql(db, query)
        except RuntimeError:
            return None

    def raw(self, db):
        """Every byte the datastore holds (SQLite: the files; PostgreSQL: a dump)."""
        if self.pg:
            return self.pg.dump(db.split("/")[3].split("?")[0])
        con = sqlite3.connect(db)
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        con.close()
        raw = b""
        for suffix in ("", "-wal", "-shm"):
            if os.path.exists(db + suffix):
                with open(db + suffix, "rb") as f:
                    raw += f.read()
        return raw

    def git(self, repo, *args, date="2025-01-01T00:00:00Z"):
        env = dict(self.env)
        env.update({"GIT_AUTHOR_NAME": "Dev", "GIT_AUTHOR_EMAIL": "dev@example.com",
                    "GIT_COMMITTER_NAME": "Dev", "GIT_COMMITTER_EMAIL": "dev@example.com",
                    "GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date})
        subprocess.run(["git", "-C", repo] + list(args), env=env, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def repo(self, name):
        path = os.path.join(self.root, name)
        os.makedirs(path)
        self.git(path, "init", "-q", "-b", "main")
        return path

    def commit(self, repo, files, msg, date):
        for rel, text in files.items():
            full = os.path.join(repo, rel)
            if text is None:
                self.git(repo, "rm", "-q", rel, date=date)
                continue
            os.makedirs(os.path.dirname(full), exist_ok=True)
            with open(full, "w") as f:
                f.write(text)
            self.git(repo, "add", rel, date=date)
        self.git(repo, "commit", "-q", "-m", msg, date=date)

    def run(self, *args, timeout=120):
        p = subprocess.run([self.bin] + list(args), env=self.env, capture_output=True,
                           text=True, timeout=timeout)
        return p.returncode, p.stdout, p.stderr


def env_file(key):
    return "# break-glass credentials for the outage runbook\nbreakglass_aws_key = %s\n" % key


def diff_json(e, db, *extra):
    rc, out, err = e.run("sweep", "diff", "--db", db, "--format", "json", *extra)
    if rc not in (0, 1):
        raise SystemExit("sweep diff failed: rc=%d %s" % (rc, err))
    return rc, json.loads(out)


def report_json(e, db, sweep=None):
    args = ["sweep", "report", "--db", db, "--format", "json"]
    if sweep:
        args += ["--sweep", str(sweep)]
    rc, out, err = e.run(*args)
    if rc != 0:
        raise SystemExit("sweep report failed: rc=%d %s" % (rc, err))
    return json.loads(out)


def places(lst):
    return sorted("%s:%s" % (os.path.basename(x["target"]), x["place"]) for x in lst)


def sequence(e):
    print("# a sequence of sweeps")
    alpha, beta, gamma = e.repo("alpha"), e.repo("beta"), e.repo("gamma")
    e.commit(alpha, {".env": env_file(KEY_A), "README": "alpha\n"}, "init", "2025-01-01T00:00:00Z")
    e.commit(beta, {".env": env_file(KEY_A)}, "init", "2025-02-01T00:00:00Z")
    e.commit(gamma, {"README": "gamma\n"}, "init", "2025-03-01T00:00:00Z")
    delta_src = e.repo("delta-src")
    e.commit(delta_src, {"deploy/prod.env": env_file(KEY_D)}, "init", "2025-04-01T00:00:00Z")
    delta_bare = os.path.join(e.root, "delta.git")
    subprocess.run(["git", "clone", "-q", "--bare", delta_src, delta_bare], check=True,
                   env=e.env)
    db = e.newdb("sweeps")
    cfg = os.path.join(e.root, "sweep.yml")
    with open(cfg, "w") as f:
        f.write("targets: [alpha, beta, gamma, 'file://%s']\n" % delta_bare)

    # Sweep 1: alpha and beta hold the same secret; delta is a URL.
    rc, out, err = e.run("sweep", "run", "--config", cfg, "--db", db, "--now",
                         "2026-01-10T00:00:00Z", "--quiet")
    check(rc == 0, "sweep 1 runs (rc=%d %s)" % (rc, err.strip()))
    rc, d = diff_json(e, db)
    check(places(d["new"]) == ["alpha:.env", "beta:.env", "delta:deploy/prod.env"],
          "sweep 1: three new findings (%s)" % places(d["new"]))
    nsec = e.sql(db, "SELECT count(*) FROM secrets")[0][0]
    nf = e.sql(db, "SELECT count(*) FROM findings f JOIN secrets s ON s.id = f.secret_id "
               "GROUP BY s.id ORDER BY count(*) DESC")[0][0]
    check(nsec == 2 and nf == 2, "the same secret in two repositories: one secret, two findings "
          "(secrets=%d, findings of it=%d)" % (nsec, nf))
    ids = {os.path.basename(x["target"]): x["id"] for x in d["new"]}
    check(len(set(ids.values())) == 3, "finding ids differ across targets")

    # Between sweeps: a secret added to gamma; alpha's removed from HEAD (kept in history).
    e.commit(gamma, {"ops/breakglass.env": env_file(KEY_G)}, "emergency key",
             "2026-01-11T00:00:00Z")
    e.commit(alpha, {".env": None}, "remove the key", "2026-01-12T00:00:00Z")
    rc, out, err = e.run("sweep", "run", "--config", cfg, "--db", db, "--now",
                         "2026-01-20T00:00:00Z", "--quiet")
    check(rc == 0, "sweep 2 runs (rc=%d %s)" % (rc, err.strip()))
    rc, d = diff_json(e, db, "--fail-on-new-standing")
    check(places(d["new"]) == ["gamma:ops/breakglass.env"],
          "sweep 2: the added secret is new (%s)" % places(d["new"]))
    check(rc == 1, "diff --fail-on-new-standing exits 1 on new standing access (rc=%d)" % rc)
    check(places(d["fixed"]) == [], "sweep 2: nothing fixed: history is exposure")
    check("alpha:.env" in places(d["still_open_standing"]),
          "sweep 2: alpha's secret, removed from HEAD, is still open standing access")
    r2 = report_json(e, db)
    modes = {os.path.basename(t["target"]): t["mode"] for t in r2["targets"]}
    check(modes.get("beta") == "unchanged" and modes.get("delta") == "unchanged",
          "sweep 2: unchanged targets are not read again (%s)" % modes)
    check(modes.get("gamma") == "incremental",
          "sweep 2: a target with new commits is scanned incrementally (%s)" % modes.get("gamma"))
    check(modes.get("alpha") == "full",
          "sweep 2: a finding that left HEAD makes the target read in full (%s)"
          % modes.get("alpha"))
    blobs = dict(e.sql(db, "SELECT t.display, ts.blobs FROM target_scans ts JOIN targets t ON "
                           "t.id = ts.target_id WHERE ts.sweep_id = 2"))
    blobs = {os.path.basename(k): v for k, v in blobs.items()}
    # gamma's one new commit: its one new blob and its commit message (messages are scanned too).
    check(blobs.get("gamma") == 2 and blobs.get("beta") == 0,
          "sweep 2: incremental reads only the new commits' blobs, unchanged reads none (%s)"
          % blobs)
    byplace = {"%s:%s" % (os.path.basename(f["target"]), f["place"]): f for f in r2["findings"]}
    fa = byplace["alpha:.env"]["finding"]
    check(fa["location"]["in_head"] is False, "sweep 2: alpha's finding is no longer in HEAD")
    fb = byplace["beta:.env"]["finding"]
    check(fb["facts"]["age_days"] == 353,
          "sweep 2: carried-over findings are re-scored at the new now (age %s, want 353)"
          % fb["facts"]["age_days"])
    check(byplace["beta:.env"]["first_seen"].startswith("2026-01-10"),
          "first seen is kept across sweeps")

    # Accept beta's finding until 2026-01-25, then sweep 3 (before) and 4 (after).
    rc, out, err = e.run("sweep", "triage", ids["beta"], "--db", db, "--state", "accepted",
                         "--reason", "vendor migration", "--expires", "2026-01-25",
                         "--reviewer", "alice", "--ticket", "SEC-1", "--now",
                         "2026-01-20T12:00:00Z")
    check(rc == 0, "triage accepted with an expiry (rc=%d %s)" % (rc, err.strip()))
    rc, out, err = e.run("sweep", "triage", ids["beta"], "--db", db, "--state", "accepted")
    check(rc == 2 and "--reason" in err, "triage without a reason is refused")
    rc, out, err = e.run("sweep", "run", "--config", cfg, "--db", db, "--now",
                         "2026-01-22T00:00:00Z", "--quiet")
    check(rc == 0, "sweep 3 runs")
    rc, d = diff_json(e, db, "--expiring-within", "7")
    check(places(d["acceptances_expiring"]) == ["beta:.env"],
          "sweep 3: the acceptance expiring within 7 days is listed")
    r3 = report_json(e, db)
    st = {"%s:%s" % (os.path.basename(f["target"]), f["place"]): f["state"]
          for f in r3["findings"]}
    check(st.get("beta:.env") == "accepted", "sweep 3: beta's finding is accepted")

    # Rewrite alpha to drop the secret from history; rename gamma.
    e.git(alpha, "checkout", "-q", "--orphan", "rewritten", date="2026-01-23T00:00:00Z")
    e.git(alpha, "commit", "-q", "-m", "history without the key", date="2026-01-23T00:00:00Z")
    e.git(alpha, "branch", "-q", "-D", "main", date="2026-01-23T00:00:00Z")
    e.git(alpha, "branch", "-q", "-m", "main", date="2026-01-23T00:00:00Z")
    gamma2 = os.path.join(e.root, "gamma-renamed")
    os.rename(gamma, gamma2)
    subprocess.run(["git", "clone", "-q", beta, os.path.join(e.root, "beta-fork")], check=True,
                   env=e.env)
    with open(cfg, "w") as f:
        f.write("targets: [alpha, beta, gamma-renamed, beta-fork, 'file://%s']\n" % delta_bare)
    rc, out, err = e.run("sweep", "run", "--config", cfg, "--db", db, "--now",
                         "2026-01-30T00:00:00Z", "--quiet")
    check(rc == 0, "sweep 4 runs")
    rc, d = diff_json(e, db)
    check(places(d["fixed"]) == ["alpha:.env"],
          "sweep 4: the rewritten history fixes alpha's finding (%s)" % places(d["fixed"]))
    check(places(d["new"]) == ["beta-fork:.env"],
          "sweep 4: the renamed repository is the same target, a fork beside its origin is "
          "another one (new: %s)" % places(d["new"]))
    check(places(d["acceptances_due"]) == ["beta:.env"],
          "sweep 4: the expired acceptance is due (%s)" % places(d["acceptances_due"]))
    check("beta:.env" in places(d["reopened"]), "sweep 4: the expired acceptance reopens it")
    r4 = report_json(e, db)
    g = [f for f in r4["findings"] if f["place"] == "ops/breakglass.env"]
    check(len(g) == 1 and g[0]["first_seen_sweep"] == 2 and
          g[0]["target"].endswith("gamma-renamed"),
          "sweep 4: the renamed target keeps its finding and first-seen sweep")
    rc, out, err = e.run("sweep", "report", "--db", db, "--format", "sarif")
    sarif = json.loads(out) if rc == 0 else {}
    results = sarif.get("runs", [{}])[0].get("results", [])
    open4 = [f for f in r4["findings"] if f["state"] != "fixed"]
    check(rc == 0 and len(results) == len(open4) and
          len(sarif["runs"][0].get("originalUriBaseIds", {})) == 4,
          "sweep report --format sarif: the open findings, a base per local target (%d of %d)"
          % (len(results), len(open4)))
    check(all(k not in out for k in (KEY_A, KEY_G, KEY_D)), "the SARIF report is redacted")
    rc, out, err = e.run("sweep", "report", "--db", db, "--format", "html")
    check(rc == 0 and "<html" in out and "first seen 2026-01-20" in out and
          all(k not in out for k in (KEY_A, KEY_G, KEY_D)),
          "sweep report --format html: state and first seen, redacted")
    rc, out, err = e.run("sweep", "list", "--db", db)
    check(rc == 0 and out.count(" done ") == 4, "sweep list shows four done sweeps")
    rc, out, err = e.run("sweep", "diff", "--db", db, "--from", "1", "--to", "4")
    check(rc == 0 and "fixed: 1" in out and "new: 2" in out, "sweep diff 1 -> 4 in text")

    # The seen-again rule: alpha gets the old secret back.
    e.commit(alpha, {".env": env_file(KEY_A)}, "oops", "2026-02-01T00:00:00Z")
    rc, out, err = e.run("sweep", "run", "--config", cfg, "--db", db, "--now",
                         "2026-02-05T00:00:00Z", "--quiet")
    rc, d = diff_json(e, db)
    check(places(d["reopened"]) == ["alpha:.env"],
          "sweep 5: a fixed finding seen again is reopened (%s)" % places(d["reopened"]))

    # --full reads everything again and changes nothing.
    rc, out, err = e.run("sweep", "run", "--config", cfg, "--db", db, "--now",
                         "2026-02-05T00:00:00Z", "--quiet", "--full")
    rc, d = diff_json(e, db)
    check(not d["new"] and not d["fixed"] and not d["reopened"], "--full: no change")
    r = report_json(e, db)
    check(all(t["mode"] == "full" for t in r["targets"]), "--full reads every target in full")

    # Secrets never stored in the clear.
    raw = e.raw(db)
    check(all(k.encode() not in raw for k in (KEY_A, KEY_G, KEY_D)),
          "no secret is stored in the clear")
    return db, cfg


def resume(e):
    print("# a sweep killed half-way and resumed")
    root = os.path.join(e.root, "many")
    os.makedirs(root)
    n = 24
    for i in range(n):
        r = e.repo("many/r%02d" % i)
        for c in range(12):
            e.commit(r, {"src/file%02d.txt" % c: ("line %d\n" % c) * 2000}, "c%d" % c,
                     "2025-01-%02dT00:00:00Z" % (c + 1))
        key = "AKIA" + chr(65 + i) + chr(66 + i) + "Q7X3M4K2P5R6T4"
        e.commit(r, {".env": env_file(key)}, "key", "2025-02-01T00:00:00Z")
    cfg = os.path.join(e.root, "many.yml")
    with open(cfg, "w") as f:
        f.write("targets:\n  - glob: many/r*\n")
    db = e.newdb("many")
    p = subprocess.Popen([e.bin, "sweep", "run", "--config", cfg, "--db", db, "--jobs", "1",
                          "--threads", "1", "--now", "2026-01-10T00:00:00Z", "--quiet"],
                         env=e.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    killed_at = None
    deadline = time.time() + 60
    while time.time() < deadline and p.poll() is None:
        rows = e.sql_poll(db, "SELECT count(*) FROM target_scans WHERE status = 'done'")
        done = rows[0][0] if rows else 0
        if done >= 3:
            p.send_signal(signal.SIGKILL)
            killed_at = done
            break
        time.sleep(0.005)
    p.wait()
    check(killed_at is not None and killed_at < n,
          "the sweep was killed half-way (%s of %d done)" % (killed_at, n))
    rc, out, err = e.run("sweep", "list", "--db", db, "--format", "json")
    sweeps = json.loads(out)
    check(len(sweeps) == 1 and sweeps[0]["status"] == "running" and
          sweeps[0]["done"] < n, "the killed sweep is recorded as unfinished")
    rc, out, err = e.run("sweep", "run", "--config", cfg, "--db", db, "--resume", "--quiet",
                         "--now", "2030-01-01T00:00:00Z")
    check(rc == 0, "sweep run --resume completes it (rc=%d %s)" % (rc, err.strip()))
    done = e.sql(db, "SELECT count(*) FROM target_scans WHERE status = 'done'")[0][0]
    nfind = e.sql(db, "SELECT count(*) FROM findings")[0][0]
    nocc = e.sql(db, "SELECT count(*) FROM occurrences")[0][0]
    nsweeps = e.sql(db, "SELECT count(*) FROM sweeps")[0][0]
    now = e.sql(db, "SELECT now FROM sweeps")[0][0]
    check(done == n and nsweeps == 1, "every target scanned once, in the same sweep (%d)" % done)
    check(nfind == n and nocc == n,
          "no loss, no duplicate: %d findings, %d occurrences for %d keys" % (nfind, nocc, n))
    check(now == 1768003200, "the resumed sweep keeps its own now")
    rc, out, err = e.run("sweep", "run", "--config", cfg, "--db", db, "--resume", "--quiet")
    check(rc == 2 and "no unfinished sweep" in err, "nothing left to resume: a clear error")

    # SIGINT: stops claiming, records what finished, exits 3; --resume finishes.
    db2 = e.newdb("many2")
    p = subprocess.Popen([e.bin, "sweep", "run", "--config", cfg, "--db", db2, "--jobs", "1",
                          "--threads", "1", "--now", "2026-01-10T00:00:00Z", "--quiet"],
                         env=e.env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 60
    while time.time() < deadline and p.poll() is None:
        rows = e.sql_poll(db2, "SELECT count(*) FROM target_scans WHERE status = 'done'")
        done = rows[0][0] if rows else 0
        if done >= 2:
            p.send_signal(signal.SIGINT)
            break
        time.sleep(0.005)
    err = p.communicate()[1]
    check(p.returncode == 3 and "--resume" in err,
          "SIGINT: exit 3 and a hint to resume (rc=%s)" % p.returncode)
    rc, out, err = e.run("sweep", "run", "--config", cfg, "--db", db2, "--resume", "--quiet")
    nfind = e.sql(db2, "SELECT count(*) FROM findings")[0][0]
    check(rc == 0 and nfind == n,
          "after SIGINT, --resume records every finding once (rc=%d, %d findings for %d keys%s)"
          % (rc, nfind, n, (": " + err.strip()) if rc else ""))


def bad_sqlite(e, db, cfg):
    print("# bad SQLite datastores")
    junk = os.path.join(e.root, "junk.db")
    with open(junk, "wb") as f:
        f.write(b"not a database at all " * 100)
    rc, out, err = e.run("sweep", "list", "--db", junk)
    check(rc == 2 and "junk.db" in err and "corrupt" in err,
          "corrupt datastore: exit 2 naming it (%s)" % err.strip())

    newer = os.path.join(e.root, "newer.db")
    shutil.copy(db, newer)
    con = sqlite3.connect(newer)
    con.execute("PRAGMA user_version = 7")
    con.commit()
    con.close()
    rc, out, err = e.run("sweep", "list", "--db", newer)
    check(rc == 2 and "schema version 7" in err and "schema version 2" in err,
          "newer schema: refused naming both versions (%s)" % err.strip())

    before = os.path.getsize(db)
    con = sqlite3.connect(db, timeout=0.1, isolation_level=None)
    con.execute("BEGIN EXCLUSIVE")
    t0 = time.time()
    rc, out, err = e.run("sweep", "run", "--config", cfg, "--db", db, "--now",
                         "2026-03-01T00:00:00Z", "--quiet")
    con.execute("ROLLBACK")
    con.close()
    check(rc == 2 and "locked" in err, "locked datastore: exit 2, 'locked' (%s)" % err.strip())
    rc, out, err = e.run("sweep", "list", "--db", db, "--format", "json")
    check(rc == 0 and len(json.loads(out)) == 6 and os.path.getsize(db) >= before,
          "nothing lost after the lock")


def bad_input(e, db, cfg):
    if not e.pg:
        bad_sqlite(e, db, cfg)
    print("# bad configurations")
    bad = os.path.join(e.root, "bad.yml")
    with open(bad, "w") as f:
        f.write("targets:\n  - path: alpha\n    exclud: [vendor/]\n")
    rc, out, err = e.run("sweep", "run", "--config", bad, "--db", db)
    check(rc == 2 and "bad.yml" in err and "line 3" in err and "exclud" in err,
          "malformed config: file, line, problem (%s)" % err.strip())
    with open(bad, "w") as f:
        f.write("targets: [alpha\n")
    rc, out, err = e.run("sweep", "run", "--config", bad, "--db", db)
    check(rc == 2 and "bad.yml" in err and "line" in err, "YAML syntax error: file and line (%s)"
          % err.strip())
    with open(bad, "w") as f:
        f.write("policy: p.yml\n")
    rc, out, err = e.run("sweep", "run", "--config", bad, "--db", db)
    check(rc == 2 and "targets" in err, "no targets: a clear error (%s)" % err.strip())


def other_targets(e, db):
    print("# inventory, AWS and failed targets")

    # An inventory target: cloud records, keyed by resource, carried like any finding.
    src = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "inventory",
                       "aws_credential_report.csv")
    shutil.copy(src, os.path.join(e.root, "aws.csv"))
    inv = os.path.join(e.root, "inv.yml")
    with open(inv, "w") as f:
        f.write("targets:\n  - inventory: aws.csv\n")
    idb = e.newdb("inv")
    for now in ("2026-03-01T00:00:00Z", "2026-03-08T00:00:00Z"):
        rc, out, err = e.run("sweep", "run", "--config", inv, "--db", idb, "--now", now,
                             "--quiet")
    r = report_json(e, idb)
    # The root row holds two credentials: its access key and its console sign-in.
    check(rc == 0 and sorted(f["rule"] for f in r["findings"]) ==
          ["aws.iam.root_access_key", "aws.iam.root_console_password"] and
          all(f["place"] == "arn:aws:iam::123456789012:root" and
              f["first_seen"].startswith("2026-03-01") for f in r["findings"]) and
          r["targets"][0]["kind"] == "inventory",
          "an inventory target: its records are findings kept across sweeps")

    # An AWS account (the collector's replay server on 127.0.0.1): its records are findings;
    # the replayed AccessDenied and endless throttling make the target scan partial (exit 3),
    # so nothing is marked fixed and the next sweep reads it in full again.
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "cloud"))
    import replay_server
    server, replay, port = replay_server.start(os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "cloud", "replay"))
    secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEYx"
    try:
        aws = os.path.join(e.root, "aws.yml")
        with open(aws, "w") as f:
            f.write("targets:\n  - cloud: aws\n    region: us-east-1\n"
                    "    endpoint_url: http://127.0.0.1:%d\n" % port)
        adb = e.newdb("aws")
        saved = dict(e.env)
        e.env.update({"AWS_ACCESS_KEY_ID": "AKIAFALLBACKSCANTEST",
                      "AWS_SECRET_ACCESS_KEY": secret,
                      "FALLBACK_SCAN_AWS_BACKOFF_MS": "1"})
        rcs = []
        for now in ("2026-03-01T00:00:00Z", "2026-03-08T00:00:00Z"):
            rc, out, err = e.run("sweep", "run", "--config", aws, "--db", adb, "--now", now,
                                 "--quiet")
            rcs.append(rc)
        e.env = saved
    finally:
        server.shutdown()
    r = report_json(e, adb)
    rc, d = diff_json(e, adb)
    check(rcs == [3, 3] and r["targets"][0]["kind"] == "aws" and len(r["findings"]) >= 3 and
          not r["targets"][0]["complete"] and r["targets"][0]["mode"] == "full" and
          all(f["place"].startswith("arn:aws:") for f in r["findings"]),
          "an AWS target: records kept, a partial scan exits 3 (rc=%s, %d findings)"
          % (rcs, len(r["findings"])))
    check(not d["new"] and not d["fixed"], "an AWS target's second sweep: nothing new or fixed")
    check(secret.encode() not in e.raw(adb), "the AWS secret key is not in the datastore")

    # A missing target is a failed target scan; the sweep goes on and exits 3.
    miss = os.path.join(e.root, "miss.yml")
    with open(miss, "w") as f:
        f.write("targets: [beta, does-not-exist]\n")
    mdb = e.newdb("miss")
    rc, out, err = e.run("sweep", "run", "--config", miss, "--db", mdb, "--now",
                         "2026-03-01T00:00:00Z", "--quiet")
    check(rc == 3 and "does-not-exist" in err, "a missing target fails alone: exit 3")
    r = report_json(e, mdb)
    st = sorted((os.path.basename(t["target"]), t["status"]) for t in r["targets"])
    check(st == [("beta", "done"), ("does-not-exist", "failed")],
          "coverage shows the failed target (%s)" % st)

    if e.pg:
        return
    # The default datastore is under $XDG_DATA_HOME.
    rc, out, err = e.run("sweep", "run", "--config", miss, "--now", "2026-03-01T00:00:00Z",
                         "--quiet")
    check(os.path.exists(os.path.join(e.env["XDG_DATA_HOME"], "fallback-scan", "sweeps.db")),
          "default datastore: $XDG_DATA_HOME/fallback-scan/sweeps.db")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--keep", action="store_true")
    ap.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    a = ap.parse_args()
    pg = None
    if a.backend == "postgresql":
        sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
        import pg_server
        bindir = pg_server.find_bindir()
        if not bindir:
            print("SKIP: the PostgreSQL server binaries (initdb, pg_ctl: Debian package "
                  "'postgresql') are not installed")
            return 77
        pg = pg_server.Server(bindir).start()
    root = tempfile.mkdtemp(prefix="fbs-sweep-")
    try:
        e = Env(os.path.abspath(a.bin), root, pg)
        os.chdir(root)
        db, cfg = sequence(e)
        resume(e)
        bad_input(e, db, cfg)
        other_targets(e, db)
    finally:
        if pg:
            pg.stop()
        if a.keep:
            print("kept", root)
        else:
            shutil.rmtree(root, ignore_errors=True)
    print("%d failed" % len(FAILURES))
    return 1 if FAILURES else 0


if __name__ == "__main__":
    sys.exit(main())
