#!/usr/bin/env python3
"""Live verification in sweeps (`verify: true`, docs/sweep.md): results cached in the datastore
per credential (keyed ids) and time, against the loopback replay server of tests/verify, which
counts the requests it gets. Real git repositories built here with explicit dates, pinned --now.

  sweep 1            every distinct credential is asked once (the same token in two targets:
                     one request), verdicts live / revoked / error;
  sweep 2 (+12 h)    within the TTL: the unchanged target makes no request and reports the same
                     verdicts, taken from the cache, although the issuer now answers otherwise;
                     the target whose credential had an error (not cached) is read and asked again;
  sweep 3 (+36 h)    past the TTL: the unchanged target is read again and re-verified.

Also: nothing secret in the datastore (the SQLite files, or a pg_dump), the verification table
holds only the facts, the reports and the diff show the verification, bad configuration keys
are reported with file and line. --backend postgresql runs it on a real PostgreSQL server
(pg_server.py; exit 77 without its binaries).
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "verify"))
from test_sweep import Env  # noqa: E402
from test_verify import github_token, rand  # noqa: E402
from verify_server import Server  # noqa: E402

FAILURES = []
T1, T2, T3 = "2026-01-10T00:00:00Z", "2026-01-10T12:00:00Z", "2026-01-11T12:00:00Z"


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        FAILURES.append(what)


def hits_since(srv, before, path):
    return sum(n for (p, _), n in srv.hits.items() if p == path) - \
        sum(n for (p, _), n in before.items() if p == path)


def total_since(srv, before):
    return sum(srv.hits.values()) - sum(before.values())


def report(e, db):
    rc, out, err = e.run("sweep", "report", "--db", db, "--format", "json")
    if rc != 0:
        raise SystemExit("sweep report failed: rc=%d %s" % (rc, err))
    return json.loads(out)


def verdicts(rep):
    """{target:place -> (status, at, cached)} of the findings that carry a verification."""
    out = {}
    for f in rep["findings"]:
        v = f.get("verification")
        if v:
            assert v == f["finding"]["verification"], v
            out["%s:%s" % (os.path.basename(f["target"]), f["place"])] = (
                v["status"], v["at"], bool(v.get("cached")))
    return out


def modes(e, db, sweep):
    rows = e.sql(db, "SELECT t.display, s.mode FROM target_scans s JOIN targets t ON "
                 "t.id = s.target_id WHERE s.sweep_id = %d" % sweep)
    return {os.path.basename(d): m for d, m in rows}


def scenario(e):
    tok_live, tok_revoked, tok_down = github_token(), github_token(), github_token()
    slack = "xoxb-%s-%s-%s" % (rand(12, "0123456789"), rand(13, "0123456789"), rand(24))
    secrets = [tok_live, tok_revoked, tok_down, slack]
    srv = Server({tok_live: "live", tok_revoked: "revoked", tok_down: "down", slack: "live"})
    try:
        run_scenario(e, srv, secrets)
    finally:
        srv.close()


def run_scenario(e, srv, secrets):
    tok_live, tok_revoked, tok_down, slack = secrets
    ops, copy, flaky = e.repo("ops"), e.repo("copy"), e.repo("flaky")
    e.commit(ops, {"breakglass/github.env": "# break-glass admin token\nGITHUB_TOKEN=%s\n"
                   % tok_live,
                   "breakglass/old.env": "# break-glass token (old)\nGITHUB_TOKEN=%s\n"
                   % tok_revoked,
                   "breakglass/slack.env": "# emergency bot\nSLACK_BOT_TOKEN=%s\n" % slack},
             "runbook", "2025-01-01T00:00:00Z")
    e.commit(copy, {"ci/.env": "# emergency copy\nGH_TOKEN=%s\n" % tok_live}, "copy",
             "2025-02-01T00:00:00Z")
    e.commit(flaky, {"ops/token.env": "# break-glass\nGITHUB_TOKEN=%s\n" % tok_down}, "flaky",
             "2025-03-01T00:00:00Z")
    db = e.newdb("verify")
    cfg = os.path.join(e.root, "sweep.yml")
    with open(cfg, "w") as f:
        f.write("targets: [ops, copy, flaky]\nverify: true\nverify_cache_ttl: 24h\n")
    e.env["FALLBACK_SCAN_VERIFY_OVERRIDE"] = "github=%s,slack=%s" % (srv.url, srv.url)

    def sweep(now):
        before = dict(srv.hits)
        t0 = time.monotonic()
        # One target at a time: the second holder of a token finds it in the cache.
        rc, out, err = e.run("sweep", "run", "--config", cfg, "--db", db, "--now", now, "-j", "1",
                             "--quiet")
        return rc, err, before, time.monotonic() - t0

    # Sweep 1: every distinct credential once; the error is retried (3 tries), not cached.
    rc, err, before, dt1 = sweep(T1)
    check(rc == 0, "sweep 1 runs with verify: true (rc=%d %s)" % (rc, err.strip()))
    n1 = total_since(srv, before)
    check(hits_since(srv, before, "/user") == 2 + 3 and
          hits_since(srv, before, "/api/auth.test") == 1,
          "sweep 1: one request per distinct credential, the token in two targets asked once "
          "(GitHub %d = 2 + 3 tries of the failing one, Slack %d)"
          % (hits_since(srv, before, "/user"), hits_since(srv, before, "/api/auth.test")))
    v1 = verdicts(report(e, db))
    want1 = {"ops:breakglass/github.env": "live", "ops:breakglass/old.env": "revoked",
             "ops:breakglass/slack.env": "live", "copy:ci/.env": "live",
             "flaky:ops/token.env": "error"}
    check({k: v[0] for k, v in v1.items()} == want1,
          "sweep 1: verdicts live / revoked / error (%s)" % {k: v[0] for k, v in v1.items()})
    check(v1.get("copy:ci/.env", ("", "", False))[2] and
          not v1.get("ops:breakglass/github.env", ("", "", True))[2],
          "sweep 1: the second target's copy of the token came from the cache")
    rows = e.sql(db, "SELECT verifier, status, at FROM verifications ORDER BY verifier, status")
    check(sorted((r[0], r[1]) for r in rows) ==
          [("github", "live"), ("github", "revoked"), ("slack", "live")],
          "the cache holds the conclusive answers only, not the error (%s)" % rows)

    # The issuer changes its mind; within the TTL the cache answers.
    srv.scenarios[tok_live] = "revoked"
    srv.scenarios[tok_revoked] = "live"
    rc, err, before, dt2 = sweep(T2)
    check(rc == 0, "sweep 2 runs (rc=%d %s)" % (rc, err.strip()))
    n2_ops = hits_since(srv, before, "/user") - 3 + hits_since(srv, before, "/api/auth.test")
    check(n2_ops == 0 and hits_since(srv, before, "/user") == 3,
          "sweep 2 within the TTL: no request for the cached credentials (%d), the error asked "
          "again (%d tries)" % (n2_ops, hits_since(srv, before, "/user")))
    m2 = modes(e, db, 2)
    check(m2 == {"ops": "unchanged", "copy": "unchanged", "flaky": "full"},
          "sweep 2: cached targets carried over, the one with an error read again (%s)" % m2)
    v2 = verdicts(report(e, db))
    check({k: v[0] for k, v in v2.items()} == want1,
          "sweep 2: the same verdicts (a revoked token stays revoked from the cache)")
    check(all(v2[k][2] and v2[k][1] == v1[k][1] for k in want1 if want1[k] != "error"),
          "sweep 2: cached results keep the time they were asked (%s)" % v2)
    rc, out, err = e.run("sweep", "report", "--db", db)
    check(rc == 0 and "verified revoked 2026-01-10" in out and "verified live 2026-01-10" in out,
          "the text report shows the verification")
    rc, out, err = e.run("sweep", "diff", "--db", db, "--from", "1", "--format", "json")
    d = json.loads(out) if rc in (0, 1) else {}
    standing = d.get("still_open_standing", [])
    check(rc in (0, 1) and standing and
          all("verification" in x for x in standing),
          "the diff shows the verification of its findings")
    rc, out, err = e.run("sweep", "report", "--db", db, "--format", "sarif")
    check(rc == 0 and '"verification"' in out and all(s not in out for s in secrets),
          "SARIF from the datastore carries the verification, no secret")

    # Past the TTL: read again, asked again; the issuer's new answers are taken.
    rc, err, before, dt3 = sweep(T3)
    check(rc == 0, "sweep 3 runs (rc=%d %s)" % (rc, err.strip()))
    m3 = modes(e, db, 3)
    # (copy may find the token already asked again by ops in this sweep: either mode is right)
    check(m3.get("ops") == "full" and m3.get("flaky") == "full",
          "sweep 3 past the TTL: the targets are read again (%s)" % m3)
    check(hits_since(srv, before, "/user") == 2 + 3 and
          hits_since(srv, before, "/api/auth.test") == 1,
          "sweep 3: each credential re-verified once (GitHub %d, Slack %d)"
          % (hits_since(srv, before, "/user"), hits_since(srv, before, "/api/auth.test")))
    v3 = verdicts(report(e, db))
    check(v3.get("ops:breakglass/github.env", ("",))[0] == "revoked" and
          v3.get("ops:breakglass/old.env", ("",))[0] == "live" and
          v3["ops:breakglass/github.env"][1].startswith("2026-01-11T12"),
          "sweep 3: the new answers, asked at the sweep's now (%s)" % v3)

    if e.pg:
        # A fleet shares the cache: a plan and two workers an hour later ask nothing of what
        # sweep 3 verified (only the credential whose answer was an error, 3 tries).
        before = dict(srv.hits)
        rc, out, err = e.run("sweep", "plan", "--config", cfg, "--db", db, "--now",
                             "2026-01-11T13:00:00Z", "--quiet")
        check(rc == 0, "fleet: plan (rc=%d %s)" % (rc, err.strip()))
        procs = [subprocess.Popen([e.bin, "sweep", "worker", "--config", cfg, "--db", db, "-j",
                                   "1", "--quiet"], env=e.env, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True) for _ in range(2)]
        rcs = [p.wait(timeout=120) for p in procs]
        check(rcs == [0, 0], "fleet: two workers finish (%s)" % rcs)
        check(hits_since(srv, before, "/user") == 3 and
              hits_since(srv, before, "/api/auth.test") == 0,
              "fleet: the workers reuse the shared cache (GitHub %d, Slack %d)"
              % (hits_since(srv, before, "/user"), hits_since(srv, before, "/api/auth.test")))
        v4 = verdicts(report(e, db))
        check(v4.get("ops:breakglass/github.env", ("",))[0] == "revoked" and
              v4["ops:breakglass/github.env"][2], "fleet: the cached verdicts are reported")

    # Nothing secret anywhere in the datastore; the facts only.
    raw = e.raw(db)
    leaked = [s[:8] for s in secrets if s.encode() in raw]
    check(not leaked, "no secret in the datastore (%s)" % leaked)
    facts = [json.loads(r[0]) for r in e.sql(db, "SELECT fact FROM verifications")]
    check(facts and all(set(f) <= {"status", "verifier", "at", "identity", "scopes",
                                    "privilege", "http_status", "detail"} for f in facts),
          "the cache keeps the extracted facts only")
    keys = e.sql(db, "SELECT secret_hmac FROM verifications")
    known = {r[0] for r in e.sql(db, "SELECT hmac FROM secrets")}
    check(all(k[0] in known for k in keys), "the cache is keyed by the secrets' keyed ids")
    print("figures: sweep 1 %.2fs (%d requests), sweep 2 %.2fs (cached targets: 0 requests), "
          "sweep 3 %.2fs" % (dt1, n1, dt2, dt3))

    # verify_cache_ttl: 0 asks every time.
    cfg0 = os.path.join(e.root, "sweep0.yml")
    db0 = e.newdb("verify0")
    with open(cfg0, "w") as f:
        f.write("targets: [ops]\nverify: true\nverify_cache_ttl: 0\n")
    before = dict(srv.hits)
    for now in (T1, T2):
        rc, out, err = e.run("sweep", "run", "--config", cfg0, "--db", db0, "--now", now,
                             "--quiet")
    check(rc == 0 and hits_since(srv, before, "/api/auth.test") == 2 and
          not e.sql(db0, "SELECT * FROM verifications"),
          "verify_cache_ttl: 0 keeps nothing and asks every sweep")
    # sweep run --verify on a configuration without verify: the same.
    cfg1 = os.path.join(e.root, "sweep1.yml")
    db1 = e.newdb("verify1")
    with open(cfg1, "w") as f:
        f.write("targets: [copy]\n")
    rc, out, err = e.run("sweep", "run", "--config", cfg1, "--db", db1, "--now", T1, "--verify",
                         "--quiet")
    check(rc == 0 and [r[0] for r in e.sql(db1, "SELECT verifier FROM verifications")] ==
          ["github"], "sweep run --verify verifies and caches")

    # A datastore of schema version 1 (before the cache) is upgraded by the next sweep.
    if e.pg:
        name = db1.split("/")[3].split("?")[0]
        e.pg.psql(name, "DROP TABLE verifications; DELETE FROM schema_version WHERE version = 2")
    else:
        import sqlite3
        con = sqlite3.connect(db1)
        con.executescript("DROP TABLE verifications; PRAGMA user_version = 1;")
        con.close()
    rc, out, err = e.run("sweep", "run", "--config", cfg1, "--db", db1, "--now", T2, "--verify",
                         "--quiet")
    check(rc == 0 and len(e.sql(db1, "SELECT verifier FROM verifications")) == 1 and
          len(e.sql(db1, "SELECT id FROM sweeps")) == 2,
          "a schema-1 datastore is upgraded, its sweeps kept (rc=%d %s)" % (rc, err.strip()))
    del e.env["FALLBACK_SCAN_VERIFY_OVERRIDE"]


def bad_config(e):
    db = e.newdb("badverify")
    cfg = os.path.join(e.root, "bad.yml")
    for text, want in (("targets: [ops]\nverify: yes please\n", "line 2: 'verify' must be"),
                       ("targets: [ops]\nverify: true\nverify_cache_ttl: 3 weeks\n",
                        "line 3: 'verify_cache_ttl' must be a duration"),
                       ("targets: [ops]\nverify: true\nverify_cache_ttl: -5\n",
                        "line 3: 'verify_cache_ttl' must be a duration"),
                       ("targets: [ops]\nverify_internal: true\n", "need --verify")):
        with open(cfg, "w") as f:
            f.write(text)
        rc, out, err = e.run("sweep", "run", "--config", cfg, "--db", db, "--now", T1, "--quiet")
        check(rc == 2 and want in err, "bad configuration: exit 2, %r (%s)" % (want, err.strip()))
    with open(cfg, "w") as f:
        f.write("targets: [ops]\nverify: true\n")
    rc, out, err = e.run("sweep", "run", "--config", cfg, "--db", db, "--now", T1, "--quiet")
    del out
    env = dict(e.env)
    e.env["FALLBACK_SCAN_VERIFY_OVERRIDE"] = "github=https://api.github.com"
    rc, out, err = e.run("sweep", "run", "--config", cfg, "--db", db, "--now", T1, "--quiet")
    e.env = env
    check(rc == 2 and "loopback" in err, "the override is loopback-only in sweeps too")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--keep", action="store_true")
    ap.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    a = ap.parse_args()
    pg = None
    if a.backend == "postgresql":
        import pg_server
        bindir = pg_server.find_bindir()
        if not bindir:
            print("SKIP: the PostgreSQL server binaries (initdb, pg_ctl) are not installed")
            return 77
        pg = pg_server.Server(bindir).start()
    root = tempfile.mkdtemp(prefix="fbs-sweep-verify-")
    try:
        e = Env(os.path.abspath(a.bin), root, pg)
        for k in list(e.env):
            if k.startswith("FALLBACK_SCAN_"):
                del e.env[k]
        e.env["FALLBACK_SCAN_CACHE"] = "off"
        os.chdir(root)
        scenario(e)
        bad_config(e)
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
