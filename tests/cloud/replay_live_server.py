#!/usr/bin/env python3
"""A loopback HTTP server that replays recorded API responses, for the live collector tests.

A scenario directory holds routes.json:

    {"auth": {"header": "Authorization", "value": "Bearer t"},      # optional; else 401
     "routes": [
        {"method": "GET", "path": "/v1/x",                          # path compared decoded
         "query": {"pageToken": "p2"},                              # these parameters must match
         "absent": ["pageToken"],                                   # these must be missing
         "json": {"accessor": "a1"},                                # POST body members to match
         "status": 429, "headers": {"Retry-After": "0"},            # default 200, no headers
         "times": 1,                                                # serve only this many times
         "file": "page1.json" | "body": {...}}]}                    # the response body

Routes are tried in order; the first that matches (and has uses left) answers, anything else is
a 404. In bodies, {{base}} becomes the server's base URL (for absolute paging links). Every
request is logged (method, decoded path, query, JSON body, whether it carried the expected
credential, the subject of a client certificate) for the tests to inspect. The server binds
127.0.0.1 only; with an ssl.SSLContext it speaks HTTPS (and may require client certificates).
"""
import json
import os
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Replay:
    def __init__(self, scenario_dir, ssl_context=None, require_auth=True):
        self.dir = scenario_dir
        with open(os.path.join(scenario_dir, "routes.json"), encoding="utf-8") as f:
            spec = json.load(f)
        self.auth = spec.get("auth") if require_auth else None
        self.routes = spec["routes"]
        self.uses = [0] * len(self.routes)
        self.log = []
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        # A client that rejects our certificate is an expected outcome, not a traceback.
        self.server.handle_error = lambda request, address: None
        scheme = "http"
        if ssl_context is not None:
            self.server.socket = ssl_context.wrap_socket(self.server.socket, server_side=True)
            scheme = "https"
        self.base = "%s://127.0.0.1:%d" % (scheme, self.server.server_address[1])
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=10)

    def _body(self, route):
        if "file" in route:
            with open(os.path.join(self.dir, route["file"]), encoding="utf-8") as f:
                text = f.read()
        else:
            text = json.dumps(route.get("body", {}))
        return text.replace("{{base}}", self.base).encode("utf-8")

    def _match(self, method, path, query, body):
        for i, r in enumerate(self.routes):
            if r.get("method", "GET") != method or r["path"] != path:
                continue
            if any(query.get(k) != v for k, v in r.get("query", {}).items()):
                continue
            if any(k in query for k in r.get("absent", [])):
                continue
            if any(not isinstance(body, dict) or body.get(k) != v
                   for k, v in r.get("json", {}).items()):
                continue
            if "times" in r and self.uses[i] >= r["times"]:
                continue
            self.uses[i] += 1
            return r
        return None

    def _handler(self):
        replay = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # quiet
                pass

            def _serve(self, method):
                parts = urllib.parse.urlsplit(self.path)
                path = urllib.parse.unquote(parts.path)
                query = {k: v[0] for k, v in urllib.parse.parse_qs(parts.query).items()}
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                try:
                    body = json.loads(raw) if raw else None
                except ValueError:
                    body = raw.decode("utf-8", "replace")
                peer = None
                if hasattr(self.connection, "getpeercert"):
                    cert = self.connection.getpeercert() or {}
                    peer = dict(x[0] for x in cert.get("subject", ())).get("commonName")
                auth_ok = True
                if replay.auth:
                    auth_ok = self.headers.get(replay.auth["header"]) == replay.auth["value"]
                with replay.lock:
                    replay.log.append({"method": method, "path": path, "query": query,
                                       "body": body, "auth_ok": auth_ok, "peer": peer,
                                       "user_agent": self.headers.get("User-Agent", "")})
                    route = replay._match(method, path, query, body) if auth_ok else None
                if not auth_ok:
                    status, headers, data = 401, {}, b'{"error": {"message": "unauthenticated"}}'
                elif route is None:
                    status, headers, data = 404, {}, b'{"error": {"message": "no such route"}}'
                else:
                    status = route.get("status", 200)
                    headers = route.get("headers", {})
                    data = replay._body(route)
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for k, v in headers.items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):
                self._serve("GET")

            def do_POST(self):
                self._serve("POST")

        return Handler
