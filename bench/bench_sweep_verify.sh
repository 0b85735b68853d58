#!/usr/bin/env bash
# bench_sweep_verify.sh - the verification cache of sweeps (docs/sweep.md): N repositories, each
# with one distinct GitHub token, swept with `verify: true` against a loopback replay server
# (tests/verify/verify_server.py) answering after 50 ms; then a second sweep within the TTL
# (nothing changed: every finding carried over with its cached answer) and a third past it
# (every target read and verified again). Prints the wall time and requests of each sweep.
#
#   bench/bench_sweep_verify.sh [BIN] [N] [LATENCY_S]
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=${1:-$ROOT/build/fallback-scan}
N=${2:-200}
LAT=${3:-0.05}
exec python3 - "$BIN" "$N" "$LAT" "$ROOT" <<'PY'
import os, random, shutil, string, subprocess, sys, tempfile, time, zlib
bin_, n, lat, root = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
sys.path.insert(0, os.path.join(root, "tests", "verify"))
from verify_server import Server
rng = random.Random(1)
B62 = string.digits + string.ascii_uppercase + string.ascii_lowercase
def tok():
    body = "".join(rng.choice(string.ascii_letters + string.digits) for _ in range(30))
    c = zlib.crc32(body.encode()) & 0xFFFFFFFF; s = ""
    while c:
        s = B62[c % 62] + s; c //= 62
    return "ghp_" + body + s.rjust(6, "0")
toks = [tok() for _ in range(n)]
srv = Server({t: "live" for t in toks}, latency=lat)
d = tempfile.mkdtemp(prefix="fbs-bench-sweep-verify-")
genv = dict(os.environ, GIT_AUTHOR_NAME="b", GIT_AUTHOR_EMAIL="b@example.com",
            GIT_COMMITTER_NAME="b", GIT_COMMITTER_EMAIL="b@example.com",
            GIT_AUTHOR_DATE="2025-01-01T00:00:00Z", GIT_COMMITTER_DATE="2025-01-01T00:00:00Z")
for i, t in enumerate(toks):
    r = os.path.join(d, "repo%04d" % i)
    os.makedirs(r)
    with open(os.path.join(r, "breakglass.env"), "w") as f:
        f.write("# break-glass admin token\nGITHUB_TOKEN=%s\n" % t)
    for args in (["init", "-q"], ["add", "."], ["commit", "-q", "-m", "init"]):
        subprocess.run(["git", "-C", r] + args, env=genv, check=True)
cfg = os.path.join(d, "sweep.yml")
with open(cfg, "w") as f:
    f.write("targets:\n  - glob: %s/repo*\nverify: true\nverify_cache_ttl: 24h\n" % d)
env = dict(os.environ, FALLBACK_SCAN_VERIFY_OVERRIDE="github=" + srv.url, FALLBACK_SCAN_CACHE="off",
           XDG_CACHE_HOME=os.path.join(d, "cache"))
db = os.path.join(d, "sweeps.db")
for label, now in (("sweep 1 (verifies)", "2026-01-10T00:00:00Z"),
                   ("sweep 2 (+12 h, within the TTL)", "2026-01-10T12:00:00Z"),
                   ("sweep 3 (+36 h, past the TTL)", "2026-01-11T12:00:00Z")):
    before = sum(srv.hits.values())
    t0 = time.monotonic()
    p = subprocess.run([bin_, "sweep", "run", "--config", cfg, "--db", db, "--now", now, "-q"],
                       env=env, capture_output=True, text=True)
    wall = time.monotonic() - t0
    print("%-34s %6.2f s, %4d requests (rc %d)" % (label, wall, sum(srv.hits.values()) - before,
                                                   p.returncode))
print("%d repositories, one distinct token each, %.0f ms per answer" % (n, lat * 1000))
srv.close()
shutil.rmtree(d, ignore_errors=True)
PY
