#!/usr/bin/env python3
"""Fleet sweeps on a real PostgreSQL server (docs/fleet.md): the real binary, real git
repositories built here with explicit dates, a PostgreSQL server started by pg_server.py (as a
non-root user, on a unix socket in a temporary directory).

Scenarios: several worker processes on one sweep (every target scanned exactly once, results
equal to a one-process SQLite sweep); a worker killed with SIGKILL in the middle of a target
(its lease expires, another worker finishes it, no loss, no duplicate); bounded attempts (a
target whose worker keeps dying is failed with its error and the sweep is not 'done'); hostile
datastores: connection refused, a connection dropped in the middle of a transaction
(pg_terminate_backend), a read-only role, a newer schema. Exit 77 when PostgreSQL is missing.
"""
import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pg_server  # noqa: E402
from test_sweep import Env, check, env_file, FAILURES, report_json  # noqa: E402


def keyfor(i):
    return "AKIA" + chr(65 + i % 26) + chr(66 + i % 25) + "Q7X3M4K2P5R6T" + chr(50 + i % 6)


def make_repos(e, sub, n, heavy=None):
    os.makedirs(os.path.join(e.root, sub))
    for i in range(n):
        r = e.repo("%s/r%02d" % (sub, i))
        files = {".env": env_file(keyfor(i)), "README": "repo %d\n" % i}
        if heavy is not None and i == heavy:
            # Big enough that a worker is caught in the middle of it: 24 different parts (the
            # same bytes would be one blob, scanned once), about 34 MB.
            for k in range(24):
                files["data/part%02d.txt" % k] = "".join(
                    "config_%02d_%06d = value-%06d-%s\n" % (k, j, j, "x" * 40)
                    for j in range(20000))
        e.commit(r, files, "init", "2025-01-%02dT00:00:00Z" % (i % 28 + 1))
    cfg = os.path.join(e.root, sub + ".yml")
    with open(cfg, "w") as f:
        f.write("targets:\n  - glob: %s/r*\n" % sub)
    return cfg


def start(e, *args):
    return subprocess.Popen([e.bin, "sweep"] + list(args), env=e.env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def summary(r):
    return sorted((os.path.basename(f["target"]), f["place"], json.dumps(f["finding"].get("rule"), sort_keys=True),
                   f["state"], f["risk"]) for f in r["findings"])


def plan(e, cfg, db, now="2026-01-10T00:00:00Z"):
    rc, out, err = e.run("sweep", "plan", "--config", cfg, "--db", db, "--now", now)
    check(rc == 0 and out.strip().isdigit(), "sweep plan records the sweep (rc=%d %s)"
          % (rc, err.strip()))
    return int(out.strip()) if out.strip().isdigit() else 0


def several_workers(e):
    print("# several workers on one sweep")
    n = 16
    cfg = make_repos(e, "many", n)
    db = e.newdb("fleet")
    sid = plan(e, cfg, db)
    st = e.sql(db, "SELECT status, count(*) FROM target_scans GROUP BY status")
    check(st == [("pending", n)], "plan: %d target scans pending (%s)" % (n, st))
    t0 = time.time()
    ps = [start(e, "worker", "--config", cfg, "--db", db, "--sweep", str(sid), "-j", "1",
                "--threads", "1", "--quiet") for _ in range(3)]
    outs = [p.communicate(timeout=300) for p in ps]
    took = time.time() - t0
    check(all(p.returncode == 0 for p in ps), "three workers exit 0 (%s %s)"
          % ([p.returncode for p in ps], [o[1].strip() for o in outs]))
    rows = e.sql(db, "SELECT status, attempts, count(*) FROM target_scans GROUP BY status, "
                     "attempts")
    check(rows == [("done", 1, n)], "every target scanned exactly once (%s)" % rows)
    nf = e.sql(db, "SELECT count(*) FROM findings")[0][0]
    no = e.sql(db, "SELECT count(*) FROM occurrences")[0][0]
    check(nf == n and no == n, "no duplicate: %d findings, %d occurrences for %d keys"
          % (nf, no, n))
    rc, out, err = e.run("sweep", "list", "--db", db, "--format", "json")
    check(rc == 0 and json.loads(out)[-1]["status"] == "done",
          "the last worker marks the sweep done")
    one = os.path.join(e.root, "one.db")
    rc, out, err = e.run("sweep", "run", "--config", cfg, "--db", one, "--now",
                         "2026-01-10T00:00:00Z", "--quiet", "-j", "1")
    check(rc == 0 and summary(report_json(e, db)) == summary(report_json(e, one)),
          "three workers on PostgreSQL = one process on SQLite (same findings, states, risks)")
    print("     (3 workers, %d targets: %.1fs)" % (n, took))
    return cfg, db


def settle():
    """After SIGSTOP: a statement the worker sent just before (its COMMIT, say) still completes in
    the server. Reading the worker's hold before it lands would see a target as in flight that
    is in fact recorded."""
    time.sleep(0.3)


def killed_worker(e):
    print("# a worker killed with SIGKILL in the middle of a target (3 workers)")
    n = 12
    cfg = make_repos(e, "kill", n, heavy=0)
    db = e.newdb("kill")
    sid = plan(e, cfg, db)
    heavy = e.sql(db, "SELECT ts.id FROM target_scans ts JOIN targets t ON t.id = ts.target_id "
                      "WHERE t.display LIKE '%/r00'")[0][0]
    t0 = time.time()
    a = start(e, "worker", "--config", cfg, "--db", db, "--sweep", str(sid), "-j", "1",
              "--threads", "1", "--lease", "2s", "--quiet")
    owner = pg_server.wait_for(lambda: (e.sql_poll(
        db, "SELECT lease_owner FROM target_scans WHERE status = 'running' AND lease_owner "
            "LIKE '%%:%d'" % a.pid) or [None])[0], timeout=120, step=0.02)
    # While the worker holds the heavy target: a small one is scanned in a few milliseconds and
    # recorded at once, so a worker caught holding one is nearly always in its COMMIT, which
    # lands after the stop (the target is then not in flight at all). The heavy one takes long
    # enough to be caught in the middle. The worker is stopped, statements it sent are let
    # land (settle), then its hold is read; one that holds nothing is let go and caught again.
    # A worker that ended is a failure, not a wait.
    held = []
    for _ in range(200):
        pg_server.wait_for(lambda: a.poll() is not None or e.sql_poll(
            db, "SELECT 1 FROM target_scans WHERE id = %d AND status = 'running' AND "
                "lease_owner LIKE '%%:%d'" % (heavy, a.pid)), timeout=120, step=0.01)
        if a.poll() is not None:
            break
        a.send_signal(signal.SIGSTOP)
        settle()
        held = e.sql(db, "SELECT id FROM target_scans WHERE status = 'running' AND lease_owner "
                         "= '%s'" % (owner[0] if owner else "?"))
        if held:
            break
        a.send_signal(signal.SIGCONT)
    if a.poll() is None:
        a.send_signal(signal.SIGKILL)
    a.wait()
    others = [start(e, "worker", "--config", cfg, "--db", db, "--sweep", str(sid), "-j", "1",
                    "--threads", "1", "--lease", "2s", "--quiet") for _ in range(2)]
    killed_at = time.time() - t0
    done_at_kill = e.sql(db, "SELECT count(*) FROM target_scans WHERE status = 'done'")[0][0]
    check(owner is not None and owner[0].endswith(":%d" % a.pid) and len(held) == 1,
          "the killed worker held a target in flight, not recorded (%s, %s)" % (owner, held))
    rc, out, err = e.run("sweep", "status", "--db", db, "--sweep", str(sid))
    check(rc == 0 and ("worker %s" % owner[0]) in out,
          "sweep status shows the dead worker's lease (%s)" % out.strip().replace("\n", "; "))
    outs = [p.communicate(timeout=300) for p in others]
    took = time.time() - t0
    check(all(p.returncode == 0 for p in others), "the other workers finish (%s %s)"
          % ([p.returncode for p in others], [o[1].strip() for o in outs]))
    rows = e.sql(db, "SELECT status, attempts, count(*) FROM target_scans GROUP BY status, "
                     "attempts ORDER BY attempts")
    retried = e.sql(db, "SELECT id FROM target_scans WHERE attempts = 2")
    check(rows == [("done", 1, n - 1), ("done", 2, 1)] and retried == held,
          "every target done; the one in flight in the killed worker retried once (%s)" % rows)
    nf = e.sql(db, "SELECT count(*) FROM findings")[0][0]
    no = e.sql(db, "SELECT count(*) FROM occurrences")[0][0]
    dup = e.sql(db, "SELECT count(*) FROM (SELECT finding_id FROM occurrences GROUP BY "
                    "finding_id, sweep_id HAVING count(*) > 1) d")[0][0]
    check(nf == n and no == n and dup == 0,
          "no loss, no duplicate: %d findings, %d occurrences for %d keys" % (nf, no, n))
    rc, out, err = e.run("sweep", "status", "--db", db, "--sweep", str(sid), "--format", "json")
    s = json.loads(out) if rc == 0 else {}
    check(s.get("status") == "done" and s.get("done") == n and s.get("running") == 0,
          "the sweep is done (%s)" % {k: s.get(k) for k in ("status", "done", "running")})
    print("     figures: %d targets, 3 workers, worker pid %d killed at %.1fs with %d done and "
          "a target in flight; the other two finished in %.1fs; %d findings, %d "
          "occurrences" % (n, a.pid, killed_at, done_at_kill, took, nf, no))

    print("# bounded attempts")
    db2 = e.newdb("bounded")
    sid = plan(e, cfg, db2)
    a = start(e, "worker", "--config", cfg, "--db", db2, "--sweep", str(sid), "-j", "1",
              "--threads", "1", "--lease", "1s", "--quiet")
    # Stop the worker while it holds the heavy target (see killed_worker), then look.
    heavy = e.sql(db2, "SELECT ts.id FROM target_scans ts JOIN targets t ON t.id = ts.target_id "
                       "WHERE t.display LIKE '%/r00'")[0][0]
    held = []
    for _ in range(200):
        pg_server.wait_for(lambda: a.poll() is not None or e.sql_poll(
            db2, "SELECT 1 FROM target_scans WHERE id = %d AND status = 'running' AND "
            "lease_owner LIKE '%%:%d'" % (heavy, a.pid)), timeout=120, step=0.01)
        if a.poll() is not None:
            break
        a.send_signal(signal.SIGSTOP)
        settle()
        held = e.sql(db2, "SELECT id FROM target_scans WHERE status = 'running' AND lease_owner "
                          "LIKE '%%:%d'" % a.pid)
        if held:
            break
        a.send_signal(signal.SIGCONT)
    if a.poll() is None:
        a.send_signal(signal.SIGKILL)
    a.wait()
    check(len(held) == 1, "the stopped worker held a target (%s)" % held)
    if not held:
        return
    heavy = held[0][0]
    rc, out, err = e.run("sweep", "worker", "--config", cfg, "--db", db2, "--sweep", str(sid),
                         "--max-attempts", "1", "--lease", "1s", "--quiet", timeout=300)
    st = e.sql(db2, "SELECT status, errors FROM target_scans WHERE id = %d" % heavy)[0]
    check(rc == 3 and st[0] == "failed" and "lease expired" in st[1],
          "a target whose worker died max-attempts times is failed with its error (rc=%d %s)"
          % (rc, st))
    rc, out, err = e.run("sweep", "list", "--db", db2, "--format", "json")
    check(json.loads(out)[-1]["status"] == "incomplete",
          "a sweep with a failed target is 'incomplete', never 'done'")


def hostile(e, cfg, db):
    print("# hostile datastores")
    rc, out, err = e.run("sweep", "list", "--db", "postgresql://fbs:hunter2@127.0.0.1:1/x")
    check(rc == 2 and "cannot connect" in err and "127.0.0.1" in err and "hunter2" not in err,
          "connection refused: exit 2, a clear error without the password (%s)" % err.strip())
    rc, out, err = e.run("sweep", "list", "--db", "pg:host=%s port=1 user=fbs dbname=x"
                         % e.pg.sock)
    check(rc == 2 and "cannot connect" in err, "no server on the socket: exit 2 (%s)"
          % err.strip())
    rc, out, err = e.run("sweep", "list", "--db", "pg:host=127.0.0.1 port=1 password=hunter2 "
                         "user=fbs")
    rc2, out, err2 = e.run("sweep", "list", "--db", "postgresql://127.0.0.1:1/x?password=hunter2")
    check(rc == 2 and rc2 == 2 and "hunter2" not in err + err2 and "password=***" in err + err2,
          "a password in a keyword string or a URI parameter is not shown (%s)" % err.strip())

    # A read-only role: reading works, writing is refused clearly, nothing changes.
    name = db.split("/")[3].split("?")[0]
    e.pg.psql(name, "CREATE ROLE reader LOGIN; GRANT SELECT ON ALL TABLES IN SCHEMA public TO "
                    "reader")
    ro = e.pg.url(name, user="reader")
    before = e.sql(db, "SELECT count(*) FROM sweeps")[0][0]
    rc, out, err = e.run("sweep", "list", "--db", ro)
    check(rc == 0 and out.count(" done ") == before, "a read-only role can list the sweeps")
    rc, out, err = e.run("sweep", "run", "--config", cfg, "--db", ro, "--now",
                         "2026-02-01T00:00:00Z", "--quiet")
    check(rc == 2 and "permission denied" in err and "read-only" in err,
          "a read-only role cannot sweep: exit 2, a clear error (%s)" % err.strip())
    check(e.sql(db, "SELECT count(*) FROM sweeps")[0][0] == before, "nothing was recorded")

    # A connection dropped in the middle of a transaction: a worker's commit blocks on a lock
    # the test holds, and the test terminates that backend.
    sid = plan(e, cfg, db, now="2026-02-01T00:00:00Z")
    nocc = e.sql(db, "SELECT count(*) FROM occurrences")[0][0]
    lock = subprocess.Popen([os.path.join(e.pg.bindir, "psql"), "-X", "-q", "-h", e.pg.sock,
                             "-p", str(e.pg.port), "-U", pg_server.SUPERUSER, "-d", name],
                            stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, text=True)
    lock.stdin.write("BEGIN; LOCK TABLE findings IN EXCLUSIVE MODE; SELECT 1;\n")
    lock.stdin.flush()
    time.sleep(0.5)
    w = start(e, "worker", "--config", cfg, "--db", db, "--sweep", str(sid), "-j", "1",
              "--threads", "1", "--lease", "2s", "--quiet")
    pid = pg_server.wait_for(lambda: (e.sql_poll(
        db, "SELECT pid FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE "
            "'%INSERT INTO findings%'") or [None])[0], timeout=60)
    e.sql(db, "SELECT pg_terminate_backend(%d)" % pid[0] if pid else "SELECT 1")
    out, err = w.communicate(timeout=60)
    lock.stdin.write("ROLLBACK;\n")
    lock.stdin.close()
    lock.wait()
    check(pid is not None and w.returncode == 2 and "connection to PostgreSQL was lost" in err,
          "a connection dropped mid-transaction: exit 2, a clear error (%s)" % err.strip())
    st = e.sql(db, "SELECT status, count(*) FROM target_scans WHERE sweep_id = %d GROUP BY "
                   "status" % sid)
    check(e.sql(db, "SELECT count(*) FROM occurrences")[0][0] == nocc and
          ("done", 16) not in st and
          e.sql(db, "SELECT status FROM sweeps WHERE id = %d" % sid)[0][0] == "running",
          "nothing of the dropped transaction was recorded; the sweep is not complete (%s)" % st)
    rc, out, err = e.run("sweep", "worker", "--config", cfg, "--db", db, "--sweep", str(sid),
                         "--quiet", timeout=300)
    st = e.sql(db, "SELECT status, count(*) FROM target_scans WHERE sweep_id = %d GROUP BY "
                   "status" % sid)
    check(rc == 0 and st == [("done", 16)] and
          e.sql(db, "SELECT count(*) FROM occurrences")[0][0] == nocc + 16,
          "another worker finishes after the lease expired (%s)" % st)

    # A newer schema is refused, naming both versions.
    e.pg.psql(name, "INSERT INTO schema_version(version) VALUES (7)")
    rc, out, err = e.run("sweep", "list", "--db", db)
    check(rc == 2 and "schema version 7" in err and "schema version 2" in err,
          "newer schema: refused naming both versions (%s)" % err.strip())
    rc, out, err = e.run("sweep", "worker", "--config", cfg, "--db", db, "--quiet")
    check(rc == 2 and "schema version 7" in err, "a worker refuses it too")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--keep", action="store_true")
    a = ap.parse_args()
    bindir = pg_server.find_bindir()
    if not bindir:
        print("SKIP: the PostgreSQL server binaries (initdb, pg_ctl: Debian package "
              "'postgresql') are not installed")
        return 77
    pg = pg_server.Server(bindir).start()
    root = tempfile.mkdtemp(prefix="fbs-fleet-")
    try:
        e = Env(os.path.abspath(a.bin), root, pg)
        os.chdir(root)
        cfg, db = several_workers(e)
        killed_worker(e)
        hostile(e, cfg, db)
    finally:
        pg.stop()
        if a.keep:
            print("kept", root)
        else:
            shutil.rmtree(root, ignore_errors=True)
    print("%d failed" % len(FAILURES))
    return 1 if FAILURES else 0


if __name__ == "__main__":
    sys.exit(main())
