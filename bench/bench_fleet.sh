#!/usr/bin/env bash
# bench/bench_fleet.sh - figures for fleet sweeps: PostgreSQL datastore, 1, 2 and 4 workers.
#
#   bench/bench_fleet.sh [--bin build/fallback-scan] [--repos 200] [--commits 50]
#                        [--workers "1 2 4"] [--dir DIR] [--keep]
#
# Generates the repository set of bench_sweep.sh (its generator: --generate-only), starts a
# throwaway PostgreSQL server on this machine (tests/sweep/pg_server.py: initdb + pg_ctl on a
# unix socket, every statement's duration logged), then for each worker count: a fresh database,
# `sweep plan`, and that many `sweep worker -j 1 --threads 1` processes started together. Prints
# per worker count: wall time, speed-up over one worker, time per repository, the database time
# (server-side statement durations from the log) and the scanning time (workers' busy time less
# the database's), the database size per 1,000 findings; and the clone cost per repository
# (`git clone --mirror` of every repository from a file:// URL, which is what a worker does with a
# URL target). Figures are reported, not asserted. Run it once: the machine is shared.
set -euo pipefail
export LC_ALL=C

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BIN="$ROOT/build/fallback-scan"
REPOS=200
COMMITS=50
WORKERS="1 2 4"
DIR=""
KEEP=0

while [ $# -gt 0 ]; do
    case "$1" in
    --bin) BIN="$2"; shift 2 ;;
    --repos) REPOS="$2"; shift 2 ;;
    --commits) COMMITS="$2"; shift 2 ;;
    --workers) WORKERS="$2"; shift 2 ;;
    --dir) DIR="$2"; shift 2 ;;
    --keep) KEEP=1; shift ;;
    -h | --help) sed -n '2,15s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"; exit 0 ;;
    *) echo "bench_fleet.sh: unknown argument '$1'" >&2; exit 2 ;;
    esac
done
BIN="$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")"
[ -x "$BIN" ] || { echo "bench_fleet.sh: no binary at $BIN (build first)" >&2; exit 2; }
[ -z "$DIR" ] && DIR="$(mktemp -d /tmp/fbs-bench-fleet.XXXXXX)"
cleanup() { [ "$KEEP" = 1 ] || rm -rf "$DIR"; }
trap cleanup EXIT

"$ROOT/bench/bench_sweep.sh" --bin "$BIN" --repos "$REPOS" --commits "$COMMITS" --dir "$DIR" \
    --generate-only

python3 - "$ROOT" "$BIN" "$DIR" "$REPOS" "$COMMITS" "$WORKERS" <<'EOF'
import os, re, subprocess, sys, time
root, binary, d, repos, commits, workers = sys.argv[1:7]
sys.path.insert(0, os.path.join(root, "tests", "sweep"))
import pg_server

bindir = pg_server.find_bindir()
if not bindir:
    sys.exit("bench_fleet.sh: PostgreSQL server binaries not found (Debian package 'postgresql')")
env = dict(os.environ, HOME=os.path.join(d, "home"), XDG_CACHE_HOME=os.path.join(d, "cache"),
           XDG_DATA_HOME=os.path.join(d, "data"))
cfg = os.path.join(d, "sweep.yml")
pg = pg_server.Server(bindir)
log = os.path.join(pg.dir, "log")
orig_start = pg.start


def start_logged():
    # As pg_server.start, with every statement's duration in the log.
    pg._run(os.path.join(bindir, "initdb"), "-D", pg.data, "-U", pg_server.SUPERUSER,
            "--auth=trust", "--no-sync", "-E", "UTF8", "--locale=C")
    opts = ("-c listen_addresses='' -c unix_socket_directories='%s' -c port=%d "
            "-c max_connections=60 -c shared_buffers=64MB -c log_min_duration_statement=0 "
            "-c log_line_prefix='%%m [%%p] %%d ' " % (pg.sock, pg.port))
    pg._run(os.path.join(bindir, "pg_ctl"), "-D", pg.data, "-l", log, "-o", opts, "-w", "-t",
            "60", "start")
    pg.started = True


def db_ms(name, since, until):
    total = 0.0
    with open(log, errors="replace") as f:
        f.seek(since)
        for line in f.read(until - since).splitlines():
            m = re.search(r" %s LOG:  duration: ([0-9.]+) ms" % re.escape(name), line)
            if m:
                total += float(m.group(1))
    return total


start_logged()
try:
    print("fallback-scan fleet sweep: %s repositories x %s commits, PostgreSQL %s on this "
          "machine (%d cores), workers -j 1 --threads 1 each"
          % (repos, commits, os.path.basename(os.path.dirname(bindir)), os.cpu_count()))
    base = None
    for w in [int(x) for x in workers.split()]:
        name = "fleet_w%d" % w
        url = pg.createdb(name)
        empty = pg.size(name)
        pos = os.path.getsize(log)
        t0 = time.time()
        p = subprocess.run([binary, "sweep", "plan", "--config", cfg, "--db", url, "--now",
                            "2026-01-10T00:00:00Z", "--quiet"], env=env, capture_output=True,
                           text=True)
        if p.returncode != 0:
            sys.exit("plan failed: " + p.stderr)
        t_plan = time.time() - t0
        time.sleep(0.5)  # the log is written by the server: let it catch up
        pos1 = os.path.getsize(log)
        db_plan = db_ms(name, pos, pos1)
        t1 = time.time()
        ps = [subprocess.Popen([binary, "sweep", "worker", "--config", cfg, "--db", url, "-j",
                                "1", "--threads", "1", "--quiet"], env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
              for _ in range(w)]
        for q in ps:
            err = q.communicate()[1]
            if q.returncode != 0:
                sys.exit("worker failed (rc=%d): %s" % (q.returncode, err))
        t_work = time.time() - t1
        wall = t_plan + t_work
        time.sleep(0.5)
        dbms = db_ms(name, pos1, os.path.getsize(log))
        nf = int(pg.psql(name, "SELECT count(*) FROM findings")[0][0])
        nocc = int(pg.psql(name, "SELECT count(*) FROM occurrences")[0][0])
        done = pg.psql(name, "SELECT status, count(*) FROM target_scans GROUP BY status")
        tables = int(pg.psql(name, "SELECT sum(pg_total_relation_size(c.oid)) FROM pg_class c "
                                   "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE "
                                   "n.nspname = 'public' AND c.relkind = 'r'")[0][0])
        size = pg.size(name) - empty
        base = base or wall
        busy = w * t_work
        print("%d worker%s  %7.2f s (plan %.2f s, of it db %.2f s; workers %.2f s)  speed-up "
              "%.2fx  %6.1f ms/repo  workers' busy time %.2f s: db %.2f s (%.0f%%), scan %.2f s"
              "  findings %d  occurrences %d  %s"
              % (w, "s" if w > 1 else " ", wall, t_plan, db_plan / 1000, t_work, base / wall,
                 wall * 1000 / int(repos), busy, dbms / 1000, 100 * dbms / 1000 / busy,
                 busy - dbms / 1000, nf, nocc, " ".join("%s=%s" % (a, b) for a, b in done)))
    nf = max(nf, 1)
    print("db size: tables %.1f KiB, database growth %.1f KiB for %d findings: %.0f KiB per "
          "1,000 findings (tables), %.0f KiB (database)"
          % (tables / 1024, size / 1024, nf, tables / 1024 * 1000 / nf, size / 1024 * 1000 / nf))
    # Clone cost: what a worker pays for a URL target on first sight.
    cdir = os.path.join(d, "clones")
    os.makedirs(cdir, exist_ok=True)
    t0 = time.time()
    for i in range(int(repos)):
        subprocess.run(["git", "clone", "-q", "--mirror", "file://%s/repos/r%03d" % (d, i),
                        os.path.join(cdir, "r%03d.git" % i)], check=True, env=env)
    tc = time.time() - t0
    print("clone: git clone --mirror of %s repositories from file:// URLs: %.2f s, %.1f ms/repo "
          "(local disk: a network clone costs more)" % (repos, tc, tc * 1000 / int(repos)))
finally:
    pg.stop()
EOF
