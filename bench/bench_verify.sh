#!/usr/bin/env bash
# bench_verify.sh - live verification throughput: 1,000 distinct GitHub tokens verified against a
# loopback replay server (tests/verify/verify_server.py) answering after 50 ms, at the default
# concurrency (8 in flight, 4 per host). Prints the wall time, requests made and the peak number
# of requests in flight on the host.
#
#   bench/bench_verify.sh [BIN] [N] [LATENCY_S]
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=${1:-$ROOT/build/fallback-scan}
N=${2:-1000}
LAT=${3:-0.05}
exec python3 - "$BIN" "$N" "$LAT" "$ROOT" <<'PY'
import os, random, string, subprocess, sys, tempfile, time, zlib, json
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
d = tempfile.mkdtemp(prefix="fbs-bench-verify-")
with open(os.path.join(d, "tokens.env"), "w") as f:
    for i, t in enumerate(toks):
        f.write("GITHUB_TOKEN_%d=%s\n" % (i, t))
env = dict(os.environ, FALLBACK_SCAN_VERIFY_OVERRIDE="github=" + srv.url, FALLBACK_SCAN_CACHE="off")
t0 = time.monotonic()
p = subprocess.run([bin_, "scan", d, "-f", "json", "-q", "--fail-on", "none", "--verify"],
                   env=env, capture_output=True, text=True)
wall = time.monotonic() - t0
t0 = time.monotonic()
subprocess.run([bin_, "scan", d, "-f", "json", "-q", "--fail-on", "none"], env=env,
               capture_output=True, text=True)
base = time.monotonic() - t0
fs = json.loads(p.stdout)["findings"]
live = sum(1 for f in fs if f.get("verification", {}).get("status") == "live")
reqs = sum(srv.hits.values())
print("findings: %d, verified live: %d, requests: %d" % (len(fs), live, reqs))
print("latency per request: %.0f ms" % (lat * 1000))
print("scan --verify: %.2f s (scan alone %.2f s; verification %.2f s, %.0f requests/s)"
      % (wall, base, wall - base, reqs / max(wall - base, 1e-9)))
print("peak requests in flight on the host: %d (the server's count: a handler finishing its "
      "write overlaps the next request by moments)" % srv.peak)
print("peak connections open to the host: %d" % srv.peak_conns)
srv.close()
PY
