"""A loopback replay server speaking the documented answers of the issuers' identity endpoints,
for `--verify` tests and bench/bench_verify.sh. What it answers depends on the credential
presented: SCENARIOS maps a token to live / revoked / throttle / down / slow / redirect.

    GitHub   GET /user                                  Authorization: Bearer T
    GitLab   GET /api/v4/personal_access_tokens/self    PRIVATE-TOKEN: T
    Slack    POST /api/auth.test                        Authorization: Bearer T
    OpenAI   GET /v1/models                             Authorization: Bearer T
    npm      GET /-/whoami                              Authorization: Bearer T
    Vault    GET /v1/auth/token/lookup-self             X-Vault-Token: T
    AWS STS  POST / (GetCallerIdentity, SigV4)          the access key id of the signature
    Twilio   GET /2010-04-01/Accounts[/AC...].json       Basic SID:T (T: the token or secret)
    GCP      POST /token (jwt-bearer grant)               the assertion's iss; its RS256
                                                          signature is checked (gcp_keys)
    Azure    GET /?comp=list&maxresults=1 (Shared Key)    the account; its signature is checked
                                                          (azure_keys)

The signing verifiers are checked as the issuers would: the GCP assertion's signature against the
registered public key and its claims (aud, scope, iat/exp one hour apart, kid); the Azure Shared
Key signature recomputed from the request with the registered account key. A signature that does
not verify is answered the way the issuer answers a deleted or rotated key.

It counts requests per (path, scenario), the peak number of requests in flight and the peak
number of open connections.
"""
import base64
import hashlib
import hmac
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Server:
    GCP_TOKEN_URL = "https://oauth2.googleapis.com/token"
    # The account's own auth token, in every Twilio Account resource answered: a secret the
    # scanner must never keep or print.
    TWILIO_MASTER_TOKEN = "f00dfacecafebeef" * 2
    # The access token every live GCP exchange answers: never kept or printed either.
    GCP_ACCESS_TOKEN = "ya29.c.replay-access-token-never-shown-0123456789"

    def __init__(self, scenarios, latency=0.0, gcp_keys=None, azure_keys=None):
        self.scenarios = dict(scenarios)
        self.gcp_keys = dict(gcp_keys or {})  # client_email -> (public key, private_key_id)
        self.azure_keys = dict(azure_keys or {})  # account -> base64 account key
        self.latency = latency
        self.hits = {}
        self.lock = threading.Lock()
        self.inflight = 0
        self.peak = 0
        self.conns = 0
        self.peak_conns = 0  # TCP connections open at once (kept-alive idle ones included)
        self.seen_tokens = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a):
                pass

            def setup(self):
                super().setup()
                with outer.lock:
                    outer.conns += 1
                    outer.peak_conns = max(outer.peak_conns, outer.conns)

            def finish(self):
                try:
                    super().finish()
                finally:
                    with outer.lock:
                        outer.conns -= 1

            def do_GET(self):
                outer.handle(self)

            def do_POST(self):
                n = int(self.headers.get("Content-Length") or 0)
                self.body = self.rfile.read(n) if n else b""
                outer.handle(self)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.url = "http://127.0.0.1:%d" % self.port
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()

    def token(self, h):
        auth = h.headers.get("Authorization", "")
        if h.path.startswith("/2010-04-01/") and auth.startswith("Basic "):  # Twilio: the secret
            return base64.b64decode(auth[6:]).decode().split(":", 1)[1]
        if auth.startswith("SharedKey "):  # Azure: the account
            return auth[10:].split(":", 1)[0]
        if h.path == "/token" and h.command == "POST":  # GCP: the assertion's issuer
            try:
                return self.jwt_parts(h)[1].get("iss", "")
            except Exception:
                return ""
        if auth.startswith("AWS4-HMAC-SHA256 Credential="):  # SigV4: the access key id
            return auth.split("Credential=", 1)[1].split("/", 1)[0]
        if auth.startswith("Bearer "):
            return auth[7:]
        if auth.startswith("Basic "):  # Stripe: the key is the user
            return base64.b64decode(auth[6:]).decode().split(":", 1)[0]
        return (h.headers.get("PRIVATE-TOKEN") or h.headers.get("X-Vault-Token")
                or h.headers.get("x-api-key") or h.headers.get("DD-API-KEY") or "")

    def send(self, h, status, body, headers=None):
        data = json.dumps(body).encode() if body is not None else b""
        h.send_response(status)
        h.send_header("Content-Type", "application/json")
        h.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            h.send_header(k, v)
        h.end_headers()
        h.wfile.write(data)

    @staticmethod
    def b64url(s):
        return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))

    def jwt_parts(self, h):
        """(header, claims, signing input, signature) of the grant's assertion."""
        form = dict(x.split("=", 1) for x in h.body.decode().split("&"))
        if form.get("grant_type") != "urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer":
            raise ValueError("grant_type")
        a = form["assertion"]
        hd, cl, sig = a.split(".")
        return (json.loads(self.b64url(hd)), json.loads(self.b64url(cl)),
                (hd + "." + cl).encode(), self.b64url(sig))

    def gcp_answer(self, h, sc):
        """The token endpoint: 200 with an access token when the assertion is signed by the
        registered key and its claims are what Google asks for; Google's 400 answers else."""
        from cryptography.exceptions import InvalidSignature
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import padding
        try:
            hd, cl, signed, sig = self.jwt_parts(h)
        except Exception:
            return self.send(h, 400, {"error": "invalid_request", "error_description": "bad"})
        reg = self.gcp_keys.get(cl.get("iss"))
        if not reg:
            return self.send(h, 400, {"error": "invalid_grant",
                                      "error_description": "Invalid grant: account not found"})
        pub, kid = reg
        try:
            pub.verify(sig, signed, padding.PKCS1v15(), hashes.SHA256())
        except InvalidSignature:
            return self.send(h, 400, {"error": "invalid_grant",
                                      "error_description": "Invalid JWT Signature."})
        if (hd.get("alg") != "RS256" or hd.get("kid") != kid or cl.get("aud") != self.GCP_TOKEN_URL
                or not cl.get("scope") or cl.get("exp", 0) - cl.get("iat", 0) != 3600
                or abs(cl.get("iat", 0) - time.time()) > 300):
            return self.send(h, 400, {"error": "invalid_grant", "error_description":
                                      "Invalid JWT: Token must be a short-lived token (60 minutes)"
                                      " and in a reasonable timeframe."})
        return self.send(h, 200, {"access_token": self.GCP_ACCESS_TOKEN, "expires_in": 3599,
                                  "token_type": "Bearer"})

    def azure_answer(self, h, sc):
        """List containers: 200 when the Shared Key signature verifies with the registered key."""
        auth = h.headers.get("Authorization", "")
        acct, _, sig = auth[10:].partition(":")
        key = self.azure_keys.get(acct)
        path, _, query = h.path.partition("?")
        params = sorted(p.split("=", 1) for p in query.split("&") if p)
        xms = sorted((k.lower(), v.strip()) for k, v in h.headers.items()
                     if k.lower().startswith("x-ms-"))
        sts = ("GET\n" + "\n" * 11 + "".join("%s:%s\n" % kv for kv in xms)
               + "/%s%s" % (acct, path) + "".join("\n%s:%s" % (k, v) for k, v in params))
        want = (base64.b64encode(hmac.new(base64.b64decode(key), sts.encode(),
                                          hashlib.sha256).digest()).decode() if key else None)
        if not (h.headers.get("x-ms-date") and h.headers.get("x-ms-version")) or sig != want:
            data = ("<?xml version=\"1.0\" encoding=\"utf-8\"?><Error><Code>AuthenticationFailed"
                    "</Code><Message>Server failed to authenticate the request.</Message></Error>")
            return self.send_xml(h, 403, data, {"x-ms-error-code": "AuthenticationFailed"})
        return self.send_xml(h, 200, "<?xml version=\"1.0\" encoding=\"utf-8\"?><EnumerationResults"
                             " ServiceEndpoint=\"https://%s.blob.core.windows.net/\"><MaxResults>1"
                             "</MaxResults><Containers><Container><Name>backups</Name></Container>"
                             "</Containers><NextMarker /></EnumerationResults>" % acct)

    def twilio_answer(self, h, sc, live):
        auth = h.headers.get("Authorization", "")
        user = base64.b64decode(auth[6:]).decode().split(":", 1)[0] if auth.startswith("Basic ") else ""
        acct = {"sid": "AC" + "0" * 32, "friendly_name": "Acme break-glass", "status": "active",
                "type": "Full", "auth_token": self.TWILIO_MASTER_TOKEN,
                "owner_account_sid": "AC" + "0" * 32}
        if h.path.startswith("/2010-04-01/Accounts/AC"):
            acct["sid"] = acct["owner_account_sid"] = h.path.split("/")[3][:34]
            if user.startswith("AC") and user != acct["sid"]:
                live = False
        if not live or not (user.startswith("AC") or user.startswith("SK")):
            return self.send(h, 401, {"code": 20003, "message": "Authenticate",
                                      "more_info": "https://www.twilio.com/docs/errors/20003",
                                      "status": 401})
        if h.path == "/2010-04-01/Accounts.json":
            return self.send(h, 200, {"accounts": [acct], "first_page_uri": "/2010-04-01/"
                                      "Accounts.json?PageSize=50&Page=0", "page": 0,
                                      "page_size": 50})
        return self.send(h, 200, acct)

    def send_xml(self, h, status, text, headers=None):
        data = text.encode()
        h.send_response(status)
        for k, v in (headers or {}).items():
            h.send_header(k, v)
        h.send_header("Content-Type", "text/xml")
        h.send_header("Content-Length", str(len(data)))
        h.end_headers()
        h.wfile.write(data)

    def handle(self, h):
        with self.lock:
            self.inflight += 1
            self.peak = max(self.peak, self.inflight)
        try:
            self.answer(h)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (the slow scenario with a short timeout)
        finally:
            with self.lock:
                self.inflight -= 1

    def answer(self, h):
        tok = self.token(h)
        sc = self.scenarios.get(tok, "revoked")
        path = h.path
        with self.lock:
            self.hits[(path, sc)] = self.hits.get((path, sc), 0) + 1
            self.seen_tokens.append(tok)
        if self.latency:
            time.sleep(self.latency)
        if sc == "throttle":
            return self.send(h, 429, {"message": "rate limited"}, {"Retry-After": "1"})
        if sc == "down":
            return self.send(h, 503, {"message": "unavailable"})
        if sc == "redirect":
            return self.send(h, 302, None, {"Location": "http://attacker.example.invalid/steal"})
        if sc == "slow":
            time.sleep(3)
            sc = "live"
        live = sc == "live" or sc.startswith("live:")
        if path.startswith("/2010-04-01/Accounts"):
            return self.twilio_answer(h, sc, live)
        if path == "/token" and h.command == "POST":
            return self.gcp_answer(h, sc)
        if path.startswith("/?comp=list"):
            return self.azure_answer(h, sc)
        if path == "/" and h.command == "POST":  # STS GetCallerIdentity (XML)
            if not live:
                return self.send_xml(h, 403, "<ErrorResponse><Error><Type>Sender</Type><Code>"
                                     "InvalidClientTokenId</Code><Message>The security token "
                                     "included in the request is invalid.</Message></Error>"
                                     "</ErrorResponse>")
            return self.send_xml(h, 200, "<GetCallerIdentityResponse><GetCallerIdentityResult>"
                                 "<Arn>arn:aws:iam::210987654321:user/breakglass</Arn>"
                                 "<UserId>AIDAEXAMPLEUSERID0001</UserId><Account>210987654321"
                                 "</Account></GetCallerIdentityResult>"
                                 "</GetCallerIdentityResponse>")
        if path == "/user":
            if not live:
                return self.send(h, 401, {"message": "Bad credentials"})
            return self.send(h, 200, {"login": "octocat", "id": 583231, "type": "User"},
                             {"X-OAuth-Scopes": sc[5:] if sc.startswith("live:") else "repo, admin:org"})
        if path == "/api/v4/personal_access_tokens/self":
            if sc == "revoked-json":
                return self.send(h, 200, {"id": 7, "name": "old", "revoked": True, "active": False,
                                          "scopes": ["api"], "user_id": 3})
            if not live:
                return self.send(h, 401, {"message": "401 Unauthorized"})
            return self.send(h, 200, {"id": 42, "name": "breakglass-ci", "revoked": False,
                                      "active": True, "scopes": ["read_api"], "user_id": 9,
                                      "expires_at": None, "last_used_at": "2025-05-20T10:00:00Z"})
        if path == "/api/auth.test":
            if not live:
                return self.send(h, 200, {"ok": False, "error": "invalid_auth"})
            return self.send(h, 200, {"ok": True, "team": "Acme", "team_id": "T024BE7LD",
                                      "user": "ops-bot", "user_id": "U0CJ5PC7L"},
                             {"X-OAuth-Scopes": "chat:write,channels:read"})
        if path == "/v1/models":
            if not live:
                return self.send(h, 401, {"error": {"code": "invalid_api_key"}})
            return self.send(h, 200, {"object": "list", "data": [{"id": "m1"}, {"id": "m2"}]})
        if path == "/v1/account":  # Stripe
            if not live:
                return self.send(h, 401, {"error": {"type": "invalid_request_error"}})
            return self.send(h, 200, {"id": "acct_1Kestrel", "object": "account"})
        if path == "/v3/scopes":  # SendGrid
            if not live:
                return self.send(h, 401, {"errors": [{"message": "access forbidden"}]})
            return self.send(h, 200, {"scopes": ["mail.send", "stats.read"]})
        if path == "/api/v1/validate":  # Datadog
            if not live:
                return self.send(h, 403, {"errors": ["Forbidden"]})
            return self.send(h, 200, {"valid": True})
        if path == "/-/whoami":
            if not live:
                return self.send(h, 401, {"error": "unauthorized"})
            return self.send(h, 200, {"username": "release-bot"})
        if path == "/v1/auth/token/lookup-self":
            if not live:
                return self.send(h, 403, {"errors": ["permission denied"]})
            return self.send(h, 200, {"data": {"display_name": "root", "policies": ["root"],
                                               "entity_id": "", "expire_time": None}})
        return self.send(h, 404, {"message": "not found"})
