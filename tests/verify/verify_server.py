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

It counts requests per (path, scenario), the peak number of requests in flight and the peak
number of open connections.
"""
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Server:
    def __init__(self, scenarios, latency=0.0):
        self.scenarios = dict(scenarios)
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
                if n:
                    self.rfile.read(n)
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
        if auth.startswith("AWS4-HMAC-SHA256 Credential="):  # SigV4: the access key id
            return auth.split("Credential=", 1)[1].split("/", 1)[0]
        if auth.startswith("Bearer "):
            return auth[7:]
        if auth.startswith("Basic "):  # Stripe: the key is the user
            import base64
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

    def send_xml(self, h, status, text):
        data = text.encode()
        h.send_response(status)
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
