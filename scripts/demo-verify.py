#!/usr/bin/env python3
"""Scan the demo repository with --verify against loopback replay servers
(tests/verify/verify_server.py) and show how each answer changed the standing-access decision:
the break-glass GitHub PAT answers live, the runbook's AWS key pair revoked, the Terraform
break-glass AWS pair live, the Slack bot token revoked, the npm token is rate-limited (unknown),
the DR restore GCP service-account key live (the replay server checks its RS256 assertion against
the key's public half; needs python3-cryptography, else it is answered as a deleted key).

    scripts/demo-verify.py [BIN]        (BIN: build/fallback-scan)
"""
import json
import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "verify"))
from verify_server import Server  # noqa: E402

BIN = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "build", "fallback-scan")
NOW = "2025-06-01T00:00:00Z"
PLAN = {  # (rule, path suffix) -> scenario
    ("github.pat_classic", "break-glass-deploy.yml"): "live",
    ("aws.access_key_id", "docs/runbooks/break-glass.md"): "revoked",
    ("aws.access_key_id", "terraform/prod/breakglass.tfvars"): "live",
    ("slack.bot_token", "app/config/production.yml"): "revoked",
    ("npm.access_token", ".npmrc"): "throttle",
    ("gcp.service_account_key", "ops/recovery/gcp-dr-restore-sa.json"): "live",
}
VERIFIERS = ("aws", "github", "slack", "npm", "gitlab", "stripe", "sendgrid", "openai",
             "anthropic", "datadog", "twilio", "gcp", "azure")


def gcp_public_key(f):
    """(client_email, (public key, private_key_id)) of a service-account key finding."""
    try:
        from cryptography.hazmat.primitives.serialization import load_pem_private_key
    except ImportError:
        return None
    pem = f["credential"]["secret"].replace("\\n", "\n").encode()
    key = load_pem_private_key(pem, password=None)
    return f["facts"]["client_email"], (key.public_key(), f["facts"]["private_key_id"])


def scan(repo, env, *extra):
    p = subprocess.run([BIN, "scan", repo, "-f", "json", "-q", "--now", NOW, "--fail-on", "none"]
                       + list(extra), env=env, capture_output=True, text=True, check=True)
    return json.loads(p.stdout)["findings"]


def main():
    repo = os.path.join(tempfile.mkdtemp(prefix="fbs-demo-verify-"), "demo")
    subprocess.run([os.path.join(ROOT, "scripts", "demo-repo.sh"), repo], check=True,
                   stdout=subprocess.DEVNULL)
    env = {k: v for k, v in os.environ.items() if not k.startswith("FALLBACK_SCAN_")}
    scen, gcp_keys = {}, {}
    for f in scan(repo, env, "--show-secrets"):
        for (rule, suffix), sc in PLAN.items():
            if f["rule"]["id"] == rule and f["location"]["path"].endswith(suffix):
                scen[f["credential"]["secret"]] = sc
                if rule == "gcp.service_account_key" and gcp_public_key(f):
                    email, reg = gcp_public_key(f)
                    scen[email] = sc
                    gcp_keys[email] = reg
    srv = Server(scen, gcp_keys=gcp_keys)
    # Every verifier at the loopback server: the demo never asks a real issuer.
    env["FALLBACK_SCAN_VERIFY_OVERRIDE"] = ",".join("%s=%s" % (n, srv.url) for n in VERIFIERS)
    before = {f["id"]: f for f in scan(repo, env)}
    after = scan(repo, env, "--verify")
    print("%-26s %-44s %-8s %-17s %-9s %s" % ("rule", "path", "verify", "standing", "risk",
                                            "reason"))
    for f in after:
        v = f.get("verification")
        if not v:
            continue
        b = before[f["id"]]
        why = [r for r in f["reasons"] if r.startswith(("verified", "verification"))]
        print("%-26s %-44s %-8s %-17s %-9s %s" % (
            f["rule"]["id"], f["location"]["path"].replace(repo + "/", "")[:44], v["status"],
            "%s -> %s" % (b["standing_access"], f["standing_access"]),
            "%d -> %d" % (b["risk"]["score"], f["risk"]["score"]), why[0] if why else ""))
    srv.close()


if __name__ == "__main__":
    main()
