#!/usr/bin/env python3
"""Print the verdict table of the moto estate (moto_fixture.py) as a given binary scores it:
credential, privilege, usage, risk, standing, key reason, and what a permissions boundary or an SCP
took away from the identity policies (facts.privilege_limits). For reviews of scoring changes
(python3 estate_verdicts.py BINARY); not a test.
"""

import datetime
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))


def key_reason(f):
    rs = f["reasons"]
    ns = [r for r in rs if r.startswith("not ")]
    if ns:
        return ns[-1]
    skip = ("active in ", "issued ", "value last rotated ", "no expiry")
    rs = [r for r in rs if not r.startswith(skip) or r.startswith("no expiry,")] or rs
    return rs[-1] if rs else ""


def main():
    sys.path.insert(0, HERE)
    import moto_fixture

    now = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None, microsecond=0)
    server, port = moto_fixture.start()
    try:
        moto_fixture.seed(port, now)
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        env.update({"AWS_ACCESS_KEY_ID": "AKIAFALLBACKSCANTEST", "AWS_SECRET_ACCESS_KEY": "x",
                    "AWS_REGION": "us-east-1", "FALLBACK_SCAN_CACHE": "off"})
        with tempfile.TemporaryDirectory() as home:
            env["HOME"] = home
            p = subprocess.run([sys.argv[1], "cloud", "aws", "--endpoint-url",
                                "http://127.0.0.1:%d" % port, "--now", now.strftime("%Y-%m-%dT%H:%M:%SZ"),
                                "--format", "json"], env=env, capture_output=True)
    finally:
        server.stop()
    rep = json.loads(p.stdout)
    print("| credential | privilege | usage | risk | standing | key reason | privilege limited by |")
    print("|---|---|---|---|---|---|---|")
    for f in sorted(rep["findings"], key=lambda f: (f["context"]["key"], f["credential"]["kind"])):
        usage = f["facts"].get("usage")
        if usage is None:
            usage = ("last used %sd ago" % f["facts"]["last_used_days"]
                     if "last_used_days" in f["facts"] else "-")
        limits = f["facts"].get("privilege_limits") or ["-"]
        print("| %s %s | %s | %s | %s | %s | %s | %s |" % (
            f["credential"]["kind"], f["context"]["key"], f["facts"].get("privilege"), usage,
            f["risk"]["score"], "yes" if f["standing_access"] else "no", key_reason(f),
            "; ".join(limits)))


if __name__ == "__main__":
    main()
