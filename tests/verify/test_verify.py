#!/usr/bin/env python3
"""End-to-end tests of `--verify` (docs/verify.md) against loopback replay servers
(verify_server.py) and, with --mode moto, AWS STS GetCallerIdentity against a real moto server:
the verification object, how it changes the verdict, retries honouring Retry-After, refused
redirects, timeouts, the override's loopback-only rule, and that no secret reaches any output.

    test_verify.py --bin build/fallback-scan [--mode replay|moto]
"""
import argparse
import base64
import json
import os
import random
import re
import shutil
import string
import subprocess
import sys
import tempfile
import time
import unittest
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from verify_server import Server  # noqa: E402

NOW = "2025-06-01T00:00:00Z"
SCHEMA = os.path.join(os.path.dirname(os.path.dirname(HERE)), "docs", "report-v1.schema.json")
BIN = None
B62 = string.digits + string.ascii_uppercase + string.ascii_lowercase
RNG = random.Random(16)


def github_token(prefix="ghp_"):
    """A token with a valid GitHub checksum (CRC32 of the random part, base62, 6 digits)."""
    body = "".join(RNG.choice(string.ascii_letters + string.digits) for _ in range(30))
    c = zlib.crc32(body.encode()) & 0xFFFFFFFF
    s = ""
    while c:
        s = B62[c % 62] + s
        c //= 62
    return prefix + body + s.rjust(6, "0")


def rand(n, alphabet=string.ascii_letters + string.digits):
    return "".join(RNG.choice(alphabet) for _ in range(n))


def run(args, env_extra=None, timeout=120):
    env = {k: v for k, v in os.environ.items() if not k.startswith("FALLBACK_SCAN_")}
    env["FALLBACK_SCAN_CACHE"] = "off"
    env.update(env_extra or {})
    t0 = time.monotonic()
    p = subprocess.run([BIN] + args, env=env, capture_output=True, text=True, timeout=timeout)
    return p.returncode, p.stdout, p.stderr, time.monotonic() - t0


def findings_by_secret_file(rep):
    return {os.path.basename(f["location"]["path"]): f for f in rep["findings"]}


class Replay(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tok = {name: github_token() for name in
                   ("live", "revoked", "throttle", "down", "slow", "redirect", "normal")}
        cls.gl_live = "glpat-" + rand(20)
        cls.gl_revoked = "glpat-" + rand(20)
        cls.slack_live = "xoxb-%s-%s-%s" % (rand(12, string.digits), rand(13, string.digits),
                                             rand(24))
        cls.slack_revoked = "xoxb-%s-%s-%s" % (rand(12, string.digits), rand(13, string.digits),
                                                rand(24))
        cls.vault = "hvs." + rand(95)
        scen = {cls.tok["live"]: "live", cls.tok["revoked"]: "revoked",
                cls.tok["throttle"]: "throttle", cls.tok["down"]: "down",
                cls.tok["slow"]: "slow", cls.tok["redirect"]: "redirect",
                cls.tok["normal"]: "live:read:user",
                cls.gl_live: "live", cls.gl_revoked: "revoked-json",
                cls.slack_live: "live", cls.slack_revoked: "revoked", cls.vault: "live"}
        cls.srv = Server(scen)
        cls.secrets = list(scen)
        cls.tmp = tempfile.mkdtemp(prefix="fbs-verify-")
        cls.dir = os.path.join(cls.tmp, "breakglass")
        os.makedirs(cls.dir)

        def put(name, text):
            with open(os.path.join(cls.dir, name), "w") as f:
                f.write(text)
            os.utime(os.path.join(cls.dir, name), (1600000000, 1600000000))  # old: 2020
        for k, t in cls.tok.items():
            put("gh_%s.env" % k, "# break-glass admin token\nGITHUB_TOKEN=%s\n" % t)
        put("gh_live_copy.env", "# emergency copy\nGH_TOKEN=%s\n" % cls.tok["live"])
        put("gl_live.env", "# break-glass\nGITLAB_TOKEN=%s\n" % cls.gl_live)
        put("gl_revoked.env", "# break-glass\nGITLAB_TOKEN=%s\n" % cls.gl_revoked)
        put("slack_live.env", "# emergency\nSLACK_BOT_TOKEN=%s\n" % cls.slack_live)
        put("slack_revoked.env", "# emergency\nSLACK_BOT_TOKEN=%s\n" % cls.slack_revoked)
        put("vault.env", "# break-glass root\nVAULT_ADDR=%s\nVAULT_TOKEN=%s\n"
            % (cls.srv.url, cls.vault))
        cls.env = {"FALLBACK_SCAN_VERIFY_OVERRIDE":
                   "github=%s,gitlab=%s,slack=%s" % (cls.srv.url, cls.srv.url, cls.srv.url)}
        rc, out, err, cls.elapsed = run(["scan", cls.dir, "-f", "json", "-q", "--now", NOW,
                                         "--verify", "--verify-timeout", "1"], cls.env)
        cls.rc, cls.out, cls.err = rc, out, err
        cls.rep = json.loads(out)
        try:
            import jsonschema
            with open(SCHEMA, encoding="utf-8") as f:
                jsonschema.validate(cls.rep, json.load(f))
        except ImportError:
            pass
        cls.by = findings_by_secret_file(cls.rep)
        cls.hits = dict(cls.srv.hits)  # of this first scan (other tests scan again)

    @classmethod
    def tearDownClass(cls):
        cls.srv.close()

    def ver(self, name):
        f = self.by[name]
        self.assertIn("verification", f, name)
        return f["verification"]

    def test_live_identity_scopes_privilege_and_standing(self):
        f = self.by["gh_live.env"]
        v = f["verification"]
        self.assertEqual(v["status"], "live")
        self.assertEqual(v["verifier"], "github")
        self.assertEqual(v["at"], NOW)
        self.assertEqual(v["identity"]["user"], "octocat")
        self.assertEqual(v["scopes"], ["repo", "admin:org"])
        self.assertEqual(v["privilege"], "high")
        self.assertEqual(f["facts"]["privilege"], "high")
        self.assertNotIn("verification", f["facts"])
        self.assertTrue(any("verified live at %s by github as user octocat" % NOW in r
                            for r in f["reasons"]), f["reasons"])
        if f["fallback"]["is_fallback"]:
            self.assertTrue(f["standing_access"])
            self.assertTrue(any("standing access confirmed" in r for r in f["reasons"]))

    def test_scopes_replace_guessed_privilege(self):
        v = self.ver("gh_normal.env")
        self.assertEqual(v["scopes"], ["read:user"])
        self.assertEqual(self.by["gh_normal.env"]["facts"]["privilege"], "normal")
        ev = self.by["gh_normal.env"]["facts"].get("privilege_evidence", [])
        self.assertTrue(any("verified by github: normal" in e for e in ev), ev)

    def test_revoked_is_not_standing(self):
        f = self.by["gh_revoked.env"]
        self.assertEqual(f["verification"]["status"], "revoked")
        self.assertEqual(f["verification"]["http_status"], 401)
        self.assertFalse(f["standing_access"])
        self.assertTrue(any(r.startswith("verified revoked at %s" % NOW) for r in f["reasons"]))
        self.assertLessEqual(f["risk"]["score"], self.by["gh_live.env"]["risk"]["score"])
        self.assertLessEqual(f["risk"]["score"], 40)

    def test_throttled_retries_honour_retry_after(self):
        v = self.ver("gh_throttle.env")
        self.assertEqual(v["status"], "unknown")
        self.assertIn("429", v["detail"])
        self.assertIn("Retry-After 1 s", v["detail"])
        self.assertEqual(self.hits[("/user", "throttle")], 3)  # max 3 attempts
        self.assertGreaterEqual(self.elapsed, 2.0)  # two waits of Retry-After: 1

    def test_5xx_is_error(self):
        v = self.ver("gh_down.env")
        self.assertEqual(v["status"], "error")
        self.assertIn("503", v["detail"])
        self.assertEqual(self.hits[("/user", "down")], 3)

    def test_slow_times_out(self):
        v = self.ver("gh_slow.env")
        self.assertEqual(v["status"], "error")
        self.assertIn("imeout", v["detail"] + v["detail"].replace("timed out", "Timeout"))

    def test_redirect_to_another_host_refused(self):
        v = self.ver("gh_redirect.env")
        self.assertEqual(v["status"], "unknown")
        self.assertIn("redirect to attacker.example.invalid refused", v["detail"])
        self.assertEqual(self.hits[("/user", "redirect")], 1)

    def test_each_credential_verified_once(self):
        self.assertEqual(self.hits[("/user", "live")], 1)  # two files, one request
        self.assertEqual(self.by["gh_live_copy.env"]["verification"]["status"], "live")

    def test_gitlab(self):
        v = self.ver("gl_live.env")
        self.assertEqual(v["status"], "live")
        self.assertEqual(v["identity"]["token_name"], "breakglass-ci")
        self.assertEqual(v["scopes"], ["read_api"])
        self.assertEqual(v["privilege"], "normal")
        v = self.ver("gl_revoked.env")
        self.assertEqual(v["status"], "revoked")
        self.assertIn("revoked", v["detail"])

    def test_slack(self):
        v = self.ver("slack_live.env")
        self.assertEqual(v["status"], "live")
        self.assertEqual(v["identity"]["team"], "Acme")
        self.assertEqual(v["scopes"], ["chat:write", "channels:read"])
        v = self.ver("slack_revoked.env")
        self.assertEqual(v["status"], "revoked")
        self.assertIn("invalid_auth", v["detail"])

    def test_vault_needs_verify_internal(self):
        v = self.ver("vault.env")
        self.assertEqual(v["status"], "unknown")
        self.assertIn("--verify-internal", v["detail"])
        self.assertEqual(self.hits.get(("/v1/auth/token/lookup-self", "live"), 0), 0)
        rc, out, err, _ = run(["scan", os.path.join(self.dir, "vault.env"), "-f", "json", "-q",
                               "--now", NOW, "--verify", "--verify-internal"], self.env)
        f = json.loads(out)["findings"]
        vs = [x["verification"] for x in f if "verification" in x]
        self.assertTrue(vs, f)
        self.assertEqual(vs[0]["status"], "live")
        self.assertEqual(vs[0]["privilege"], "high")
        self.assertEqual(vs[0]["identity"]["user"], "root")

    def test_no_secret_in_any_output(self):
        for fmt in ("json", "text", "sarif", "html"):
            rc, out, err, _ = run(["scan", self.dir, "-f", fmt, "--now", NOW, "--verify",
                                   "--verify-timeout", "1", "-v"], self.env)
            for s in self.secrets:
                self.assertNotIn(s, out, fmt)
                self.assertNotIn(s, err, fmt)
        for s in self.secrets:
            self.assertNotIn(s, self.out + self.err)

    def test_off_by_default(self):
        before = len(self.srv.seen_tokens)
        rc, out, err, _ = run(["scan", self.dir, "-f", "json", "-q", "--now", NOW], self.env)
        self.assertEqual(len(self.srv.seen_tokens), before)
        self.assertFalse(any("verification" in f for f in json.loads(out)["findings"]))

    def test_override_refuses_non_loopback(self):
        for bad, msg in (("github=https://api.github.com", "loopback addresses only"),
                         ("github=http://10.0.0.1:80", "loopback addresses only"),
                         ("nosuch=http://127.0.0.1:1", "no verifier named 'nosuch'"),
                         ("github", "is not name=URL")):
            rc, out, err, _ = run(["scan", self.dir, "-q", "--now", NOW, "--verify"],
                                  {"FALLBACK_SCAN_VERIFY_OVERRIDE": bad})
            self.assertEqual(rc, 2, bad)
            self.assertIn(msg, err, bad)

    def test_flags_need_verify(self):
        rc, out, err, _ = run(["scan", self.dir, "-q", "--only-verified"])
        self.assertEqual(rc, 2)
        self.assertIn("need --verify", err)

    def test_only_and_fail_on_verified(self):
        rc, out, err, _ = run(["scan", self.dir, "-f", "json", "-q", "--now", NOW, "--verify",
                               "--verify-timeout", "1", "--only-verified", "--fail-on-verified"],
                              self.env)
        self.assertEqual(rc, 1)
        fs = json.loads(out)["findings"]
        self.assertTrue(fs)
        self.assertTrue(all(f["verification"]["status"] == "live" for f in fs))
        d = os.path.join(self.tmp, "revoked-only")
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, "t.env"), "w") as f:
            f.write("GITHUB_TOKEN=%s\n" % self.tok["revoked"])
        rc, out, err, _ = run(["scan", d, "-f", "json", "-q", "--now", NOW, "--verify",
                               "--fail-on-verified"], self.env)
        self.assertEqual(rc, 0, err)

    def test_other_providers(self):
        def make():
            return {
                "openai": ("OPENAI_API_KEY", "sk-proj-" + rand(40) + "T3BlbkFJ" + rand(40)),
                "anthropic": ("ANTHROPIC_API_KEY", "sk-ant-api03-" + rand(90) + "AA"),
                "stripe": ("STRIPE_SECRET_KEY", "sk_live_" + rand(40)),
                "sendgrid": ("SENDGRID_API_KEY", "SG." + rand(22) + "." + rand(43)),
                "datadog": ("DD_API_KEY", rand(32, "0123456789abcdef")),
                "npm": ("NPM_TOKEN", github_token("npm_")),
            }
        keys, other = make(), make()
        live = {name: k[1] for name, k in keys.items()}
        srv = Server({v: "live" for v in live.values()})
        try:
            d = os.path.join(self.tmp, "providers")
            os.makedirs(d, exist_ok=True)
            for name, (var, val) in keys.items():
                with open(os.path.join(d, name + ".env"), "w") as f:
                    f.write("%s=%s\n" % (var, val))
                with open(os.path.join(d, name + "_revoked.env"), "w") as f:  # unknown: rejected
                    f.write("%s=%s\n" % other[name])
            env = {"FALLBACK_SCAN_VERIFY_OVERRIDE": ",".join("%s=%s" % (n, srv.url) for n in keys)}
            rc, out, err, _ = run(["scan", d, "-f", "json", "-q", "--now", NOW, "--verify"], env)
            got = {}
            for f in json.loads(out)["findings"]:
                if "verification" in f:
                    got[os.path.basename(f["location"]["path"])] = f["verification"]
            for name in keys:
                self.assertEqual(got[name + ".env"]["status"], "live", (name, got.get(name + ".env")))
                self.assertEqual(got[name + ".env"]["verifier"], name)
                want = "unknown" if name == "datadog" else "revoked"  # datadog: 403 may be an app key
                self.assertEqual(got[name + "_revoked.env"]["status"], want, name)
            self.assertEqual(got["stripe.env"]["identity"]["account"], "acct_1Kestrel")
            self.assertEqual(got["sendgrid.env"]["scopes"], ["mail.send", "stats.read"])
            self.assertEqual(got["sendgrid.env"]["privilege"], "high")
            self.assertEqual(got["npm.env"]["identity"]["user"], "release-bot")
            self.assertEqual(got["openai.env"]["identity"]["models"], 2)
            for v in live.values():
                self.assertNotIn(v, out + err)
        finally:
            srv.close()

    def test_override_refuses_non_loopback_for_new_hosts(self):
        for bad in ("twilio=https://api.twilio.com", "gcp=https://oauth2.googleapis.com",
                    "azure=https://acme.blob.core.windows.net", "azure=http://192.168.1.5:80"):
            rc, out, err, _ = run(["scan", self.dir, "-q", "--now", NOW, "--verify"],
                                  {"FALLBACK_SCAN_VERIFY_OVERRIDE": bad})
            self.assertEqual(rc, 2, bad)
            self.assertIn("loopback addresses only", err, bad)

    def test_rules_test_checks_verifier_names(self):
        d = os.path.join(self.tmp, "badrules")
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, "mine.yml"), "w") as f:
            f.write("rules:\n  - id: acme.token\n    name: Acme token\n    kind: acme_token\n"
                    "    pattern: '\\b(acme_[a-z0-9]{20})\\b'\n    secret_group: 1\n"
                    "    verify: acmeid\n"
                    "    examples:\n      - text: 'ACME=acme_k3j9vqp0hd7f2m8s1lq5'\n"
                    "        secret: acme_k3j9vqp0hd7f2m8s1lq5\n"
                    "    negative_examples:\n      - 'ACME=acme_short'\n")
        rc, out, err, _ = run(["rules", "test", d, "--no-builtin-rules"])
        self.assertNotEqual(rc, 0, out + err)
        msg = out + err
        self.assertIn("mine.yml:7", msg)
        self.assertIn("acme.token", msg)
        self.assertIn("'acmeid'", msg)
        with open(os.path.join(d, "mine.yml")) as f:
            text = f.read()
        with open(os.path.join(d, "mine.yml"), "w") as f:
            f.write(text.replace("verify: acmeid", "verify: github"))
        rc, out, err, _ = run(["rules", "test", d, "--no-builtin-rules"])
        self.assertEqual(rc, 0, out + err)

    def test_text_and_html_show_the_verification(self):
        """The text report's `verified:` line and the HTML report's Verified row and badge,
        the HTML as headless Chromium renders and prints it (tests/html does the same for the
        demo) when Chromium is installed."""
        rc, out, err, _ = run(["scan", os.path.join(self.dir, "gh_live.env"), "-f", "text", "-q",
                               "--now", NOW, "--verify"], self.env)
        self.assertIn("  verified: live at %s by github as user octocat, id 583231, type User; "
                      "scopes: repo, admin:org; privilege high; HTTP 200\n" % NOW, out)
        rc, out, err, _ = run(["scan", os.path.join(self.dir, "gh_revoked.env"), "-f", "text",
                               "-q", "--now", NOW, "--verify"], self.env)
        self.assertIn("  verified: revoked at %s by github; HTTP 401 (the issuer rejected the "
                      "credential (HTTP 401))\n" % NOW, out)
        page = os.path.join(self.tmp, "verified.html")
        rc, out, err, _ = run(["scan", os.path.join(self.dir, "gh_live.env"),
                               os.path.join(self.dir, "gh_revoked.env"), "-f", "html", "-q",
                               "--now", NOW, "--verify", "-o", page], self.env)
        with open(page, encoding="utf-8") as f:
            html = f.read()
        self.assertIn('<span class="badge ver ver-live">verified live</span>', html)
        self.assertIn('<span class="badge ver ver-revoked">verified revoked</span>', html)
        self.assertIn('<tr class="wide"><th>Verified</th><td><strong class="ver ver-live">'
                      'live</strong> at %s by github as user octocat' % NOW, html)
        self.assertNotIn("&quot;verification&quot;", html)  # not repeated among the facts
        chromium = next((shutil.which(n) for n in ("chromium", "chromium-browser")
                         if shutil.which(n)), None)
        if not chromium or not shutil.which("pdftotext"):
            self.skipTest("no chromium or pdftotext: the rendering is not checked")
        profile = os.path.join(self.tmp, "chromium-profile")
        base = [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                "--user-data-dir=" + profile]
        dom = subprocess.run(base + ["--dump-dom", "file://" + page], capture_output=True,
                             text=True, timeout=180).stdout
        self.assertIn('<strong class="ver ver-live">live</strong>', dom)
        pdf = os.path.join(self.tmp, "verified.pdf")
        subprocess.run(base + ["--no-pdf-header-footer", "--print-to-pdf=" + pdf,
                               "file://" + page], capture_output=True, timeout=180)
        text = subprocess.run(["pdftotext", "-layout", pdf, "-"], capture_output=True,
                              text=True).stdout
        # Printed, the label sits on the line of its value.
        self.assertTrue(re.search(r"Verified\s+live at %s by github" % re.escape(NOW), text),
                        text[:3000])
        self.assertTrue(re.search(r"Verified\s+revoked at", text))

    def test_sarif_properties(self):
        rc, out, err, _ = run(["scan", os.path.join(self.dir, "gh_live.env"), "-f", "sarif", "-q",
                               "--now", NOW, "--verify"], self.env)
        res = json.loads(out)["runs"][0]["results"]
        self.assertEqual(res[0]["properties"]["verification"]["status"], "live")


class Signed(unittest.TestCase):
    """Twilio, GCP and Azure (--mode signed: a ctest of its own, so that each stays well inside
    its timeout under ASan on a loaded machine)."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="fbs-verify-signed-")

    def test_twilio_gcp_azure(self):
        """The pairing and signing verifiers: Twilio (an auth token with its account SID, an API
        key secret with its SK SID), GCP service-account keys (an RS256 JWT-bearer exchange) and
        Azure storage account keys (a Shared Key signed list call), each live, revoked, error and
        unknown, against a server that checks the signatures as the issuers do."""
        try:
            from cryptography.hazmat.primitives import serialization
            from cryptography.hazmat.primitives.asymmetric import rsa
        except ImportError:
            self.skipTest("python3-cryptography is not installed")
        hexd = "0123456789abcdef"
        d = os.path.join(self.tmp, "signed")
        os.makedirs(d, exist_ok=True)
        # Only the rule files of these credentials: each scan compiles its rules, which takes
        # most of a scan's time under ASan on a loaded machine.
        rules = os.path.join(self.tmp, "signed-rules")
        os.makedirs(rules, exist_ok=True)
        for name in ("twilio.yml", "gcp.yml", "azure.yml", "paired_keys.yml"):
            shutil.copy(os.path.join(HERE, "..", "..", "rules", name), rules)
        only = ["--no-builtin-rules", "--rules", rules]
        secrets, files = [], {}

        def put(name, text):
            files[name] = text
            with open(os.path.join(d, name), "w") as f:
                f.write(text)

        # Twilio
        ac, tw = "AC" + rand(32, hexd), {k: rand(32, hexd) for k in ("live", "revoked", "down")}
        sk, sk_secret = "SK" + rand(32, hexd), rand(32)
        for k, tok in tw.items():
            put("twilio_%s.env" % k, "# break-glass SMS\nTWILIO_ACCOUNT_SID=%s\n"
                "TWILIO_AUTH_TOKEN=%s\n" % (ac, tok))
        put("twilio_key.env", "TWILIO_API_KEY=%s\nTWILIO_API_SECRET=%s\n" % (sk, sk_secret))
        nosid = rand(32, hexd)
        put("twilio_nosid.env", "TWILIO_AUTH_TOKEN=%s\n" % nosid)
        secrets += list(tw.values()) + [sk_secret, nosid]

        # GCP: keys made here; the server knows the public keys of the live and down accounts,
        # and for the revoked one a key other than the file's (the file's key was deleted).
        def rsa_key():
            return rsa.generate_private_key(public_exponent=65537, key_size=2048)

        gcp_keys = {}
        for k in ("live", "revoked", "down", "foreign"):
            key, kid = rsa_key(), rand(40, hexd)
            email = "breakglass-%s@acme-prod.iam.gserviceaccount.com" % k
            pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                    serialization.NoEncryption()).decode()
            pub = (rsa_key() if k == "revoked" else key).public_key()
            gcp_keys[email] = (pub, kid)
            doc = {"type": "service_account", "project_id": "acme-prod", "private_key_id": kid,
                   "private_key": pem, "client_email": email, "client_id": rand(21, "0123456789"),
                   "auth_uri": "https://accounts.google.com/o/oauth2/auth",
                   "token_uri": ("https://evil.example.invalid/token" if k == "foreign"
                                 else "https://oauth2.googleapis.com/token")}
            put("gcp_%s.json" % k, json.dumps(doc, indent=2) + "\n")
            secrets += [line for line in pem.splitlines() if "PRIVATE KEY" not in line]

        # Azure
        def akey():
            return base64.b64encode(os.urandom(64)).decode()
        az = {"acmelive": akey(), "acmeold": akey(), "acmedown": akey(), "acmeenv": akey()}
        azure_keys = {a: k for a, k in az.items() if a != "acmeold"}
        azure_keys["acmeold"] = akey()  # rotated: the file's key no longer signs
        for a in ("acmelive", "acmeold", "acmedown"):
            put("azure_%s.env" % a, "AZURE_STORAGE_CONNECTION_STRING=\"DefaultEndpointsProtocol="
                "https;AccountName=%s;AccountKey=%s;EndpointSuffix=core.windows.net\"\n"
                % (a, az[a]))
        put("azure_env.env", "export AZURE_STORAGE_ACCOUNT=acmeenv\nexport AZURE_STORAGE_KEY=\"%s\"\n"
            % az["acmeenv"])
        noacct = akey()
        put("azure_noacct.env", "AZURE_STORAGE_KEY=%s\n" % noacct)
        china = akey()
        put("azure_china.env", "DefaultEndpointsProtocol=https;AccountName=acmecn;AccountKey=%s;"
            "EndpointSuffix=core.chinacloudapi.cn\n" % china)
        secrets += list(az.values()) + [noacct, china]

        scen = {tw["live"]: "live", tw["down"]: "down", sk_secret: "live",
                "breakglass-live@acme-prod.iam.gserviceaccount.com": "live",
                "breakglass-revoked@acme-prod.iam.gserviceaccount.com": "live",
                "breakglass-down@acme-prod.iam.gserviceaccount.com": "down",
                "acmelive": "live", "acmeold": "live", "acmedown": "down", "acmeenv": "live"}
        srv = Server(scen, gcp_keys=gcp_keys, azure_keys=azure_keys)
        try:
            env = {"FALLBACK_SCAN_VERIFY_OVERRIDE": "twilio=%s,gcp=%s,azure=%s"
                   % (srv.url, srv.url, srv.url)}
            rc, out, err, _ = run(["scan", d, "-f", "json", "-q", "--now", NOW, "--verify",
                                   "--verify-timeout", "5"] + only, env)
            got = {}
            for f in json.loads(out)["findings"]:
                if "verification" in f:
                    got[(os.path.basename(f["location"]["path"]), f["credential"]["kind"])] = \
                        f["verification"]

            def v(name, kind):
                self.assertIn((name, kind), got, sorted(got))
                return got[(name, kind)]

            # Twilio
            t = v("twilio_live.env", "twilio_auth_token")
            self.assertEqual(t["status"], "live", t)
            self.assertEqual(t["verifier"], "twilio")
            self.assertEqual(t["identity"]["friendly_name"], "Acme break-glass")
            self.assertEqual(t["identity"]["status"], "active")
            self.assertEqual(t["identity"]["account_sid"], ac)
            self.assertNotIn("auth_token", t["identity"])
            t = v("twilio_revoked.env", "twilio_auth_token")
            self.assertEqual((t["status"], t["http_status"]), ("revoked", 401))
            self.assertEqual(v("twilio_down.env", "twilio_auth_token")["status"], "error")
            t = v("twilio_key.env", "twilio_api_key_secret")
            self.assertEqual(t["status"], "live", t)
            self.assertEqual(t["identity"]["api_key_sid"], sk)
            self.assertEqual(t["identity"]["accounts"], 1)
            self.assertEqual(v("twilio_key.env", "twilio_api_key_sid")["status"], "live")
            t = v("twilio_nosid.env", "twilio_auth_token")
            self.assertEqual(t["status"], "unknown")
            self.assertIn("no account SID", t["detail"])
            self.assertEqual(srv.hits.get(("/2010-04-01/Accounts/%s.json" % ac, "live")), 1)
            self.assertEqual(srv.hits.get(("/2010-04-01/Accounts.json", "live")), 1)

            # GCP
            g = v("gcp_live.json", "gcp_service_account_key")
            self.assertEqual(g["status"], "live", g)
            self.assertEqual(g["verifier"], "gcp")
            self.assertEqual(g["identity"]["client_email"],
                             "breakglass-live@acme-prod.iam.gserviceaccount.com")
            self.assertEqual(g["identity"]["project_id"], "acme-prod")
            g = v("gcp_revoked.json", "gcp_service_account_key")
            self.assertEqual((g["status"], g["http_status"]), ("revoked", 400), g)
            self.assertIn("Invalid JWT Signature", g["detail"])
            self.assertEqual(v("gcp_down.json", "gcp_service_account_key")["status"], "error")
            # The test-only override replaces the token endpoint, whatever token_uri the file
            # names; without it, another token_uri is refused before any request (below).
            self.assertEqual(v("gcp_foreign.json", "gcp_service_account_key")["status"], "live")

            # Azure
            a = v("azure_acmelive.env", "azure_storage_account_key")
            self.assertEqual(a["status"], "live", a)
            self.assertEqual(a["verifier"], "azure")
            self.assertEqual(a["identity"]["account"], "acmelive")
            self.assertEqual(a["privilege"], "high")
            a = v("azure_acmeold.env", "azure_storage_account_key")
            self.assertEqual((a["status"], a["http_status"]), ("revoked", 403), a)
            self.assertIn("AuthenticationFailed", a["detail"])
            self.assertEqual(v("azure_acmedown.env", "azure_storage_account_key")["status"],
                             "error")
            self.assertEqual(v("azure_env.env", "azure_storage_account_key")["status"], "live")
            a = v("azure_noacct.env", "azure_storage_account_key")
            self.assertEqual(a["status"], "unknown")
            self.assertIn("no storage account name", a["detail"])

            # No secret in any output: the credentials, the account's own auth token the Twilio
            # answer carries, the access token the GCP exchange returns.
            leaks = secrets + [Server.TWILIO_MASTER_TOKEN, Server.GCP_ACCESS_TOKEN]
            quick = [os.path.join(d, n) for n in files if "down" not in n]  # no retry waits
            for fmt in ("json", "text", "sarif", "html"):
                rc, out2, err2, _ = run(["scan"] + quick + ["-f", fmt, "--now", NOW, "--verify",
                                                           "--verify-timeout", "5", "-v"] + only,
                                        env)
                for sec in leaks:
                    self.assertNotIn(sec, out2 + err2, fmt)
            for sec in leaks:
                self.assertNotIn(sec, out + err)

            # Without the override, nothing outside loopback may be asked in a test: only the
            # cases decided before any request are checked, by a scan that cannot reach a host.
            before = len(srv.seen_tokens)
            rc, out3, err3, _ = run(["scan", os.path.join(d, "gcp_foreign.json"),
                                     os.path.join(d, "azure_china.env"), "-f", "json", "-q",
                                     "--now", NOW, "--verify"] + only,
                                    {"FALLBACK_SCAN_VERIFY_OVERRIDE": "twilio=%s" % srv.url})
            vs = {os.path.basename(f["location"]["path"]): f["verification"]
                  for f in json.loads(out3)["findings"] if "verification" in f}
            self.assertEqual(vs["gcp_foreign.json"]["status"], "unknown")
            self.assertIn("token_uri is not Google's", vs["gcp_foreign.json"]["detail"])
            self.assertEqual(vs["azure_china.env"]["status"], "unknown")
            self.assertIn("EndpointSuffix", vs["azure_china.env"]["detail"])
            self.assertEqual(len(srv.seen_tokens), before)
        finally:
            srv.close()


class Moto(unittest.TestCase):
    """STS GetCallerIdentity, signed with SigV4, against moto with keys it issued."""

    @classmethod
    def setUpClass(cls):
        import logging
        import boto3
        from moto.server import ThreadedMotoServer
        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        cls.server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        cls.server.start()
        port = cls.server.get_host_and_port()[1]
        cls.url = "http://127.0.0.1:%d" % port
        iam = boto3.client("iam", endpoint_url=cls.url, region_name="us-east-1",
                           aws_access_key_id="testing", aws_secret_access_key="testing")
        iam.create_user(UserName="breakglass-admin")
        iam.put_user_policy(UserName="breakglass-admin", PolicyName="all",
                            PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [
                                {"Effect": "Allow", "Action": "*", "Resource": "*"}]}))
        cls.live = iam.create_access_key(UserName="breakglass-admin")["AccessKey"]
        cls.dead = iam.create_access_key(UserName="breakglass-admin")["AccessKey"]
        iam.delete_access_key(UserName="breakglass-admin", AccessKeyId=cls.dead["AccessKeyId"])
        cls.tmp = tempfile.mkdtemp(prefix="fbs-verify-aws-")
        for name, k in (("live", cls.live), ("dead", cls.dead)):
            with open(os.path.join(cls.tmp, "breakglass_%s.ini" % name), "w") as f:
                f.write("[breakglass]\naws_access_key_id = %s\naws_secret_access_key = %s\n"
                        % (k["AccessKeyId"], k["SecretAccessKey"]))

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def test_get_caller_identity(self):
        rc, out, err, _ = run(["scan", self.tmp, "-f", "json", "-q", "--now", NOW, "--verify"],
                              {"FALLBACK_SCAN_VERIFY_OVERRIDE": "aws=" + self.url})
        for s in (self.live["SecretAccessKey"], self.dead["SecretAccessKey"]):
            self.assertNotIn(s, out + err)
        fs = json.loads(out)["findings"]
        got = {}
        for f in fs:
            if "verification" in f:
                got.setdefault(os.path.basename(f["location"]["path"]), set()).add(
                    (f["credential"]["kind"], f["verification"]["status"]))
        self.assertEqual(got["breakglass_live.ini"],
                         {("aws_access_key_id", "live"), ("aws_secret_access_key", "live")}, fs)
        self.assertEqual(got["breakglass_dead.ini"],
                         {("aws_access_key_id", "revoked"), ("aws_secret_access_key", "revoked")})
        live = [f for f in fs if f["location"]["path"].endswith("breakglass_live.ini")][0]
        self.assertIn("breakglass-admin", live["verification"]["identity"]["arn"])
        self.assertEqual(live["verification"]["identity"]["account"], "123456789012")
        dead = [f for f in fs if f["location"]["path"].endswith("breakglass_dead.ini")][0]
        self.assertIn("InvalidClientTokenId", dead["verification"]["detail"])
        self.assertFalse(dead["standing_access"])


def main():
    global BIN
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--mode", default="replay", choices=["replay", "signed", "moto"])
    a, rest = ap.parse_known_args()
    BIN = os.path.abspath(a.bin)
    if a.mode == "moto":
        # Read by moto when imported: after 5 unauthenticated set-up calls it checks every
        # request's key and signature, as AWS does.
        os.environ["INITIAL_NO_AUTH_ACTION_COUNT"] = "5"
        try:
            import moto  # noqa: F401
            import boto3  # noqa: F401
        except ImportError:
            print("SKIP: moto and boto3 are not installed")
            sys.exit(77)
        cls = Moto
    elif a.mode == "signed":
        cls = Signed
    else:
        cls = Replay
    names = [n for n in rest if not n.startswith("-")]  # e.g. Replay.test_slack
    suite = (unittest.defaultTestLoader.loadTestsFromNames(names, sys.modules[__name__]) if names
             else unittest.defaultTestLoader.loadTestsFromTestCase(cls))
    r = unittest.TextTestRunner(verbosity=2).run(suite)
    sys.exit(0 if r.wasSuccessful() else 1)


if __name__ == "__main__":
    main()
