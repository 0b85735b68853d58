"""A replay server for the AWS collector: recorded IAM, STS and Secrets Manager responses
(tests/cloud/replay/) served over HTTP on 127.0.0.1, chosen by the request's signed service,
Action (or X-Amz-Target) and parameters.

It covers what moto cannot: paging (GetAccountAuthorizationDetails and ListUsers with
IsTruncated/Marker, ListSecrets with NextToken), an AccessDenied on one user's
GetAccessKeyLastUsed, throttling (Throttling, ThrottlingException) and a 503 that succeed on
retry, throttling that never ends (one user's ListMFADevices), a credential report with a <root_account> row, and rejected credentials (mode "reject").
Organizations answers AccessDeniedException (a member account), or, in mode "management",
describes an organization whose management account is the caller's.
Every request is logged (method, headers, parameters) for the test to check how it was sent.
Standard library only.
"""

import base64
import collections
import json
import os
import re
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

SCOPE = re.compile(r"Credential=([^/]+)/(\d{8})/([^/]+)/([^/]+)/aws4_request")


class Replay:
    def __init__(self, root, mode="normal"):
        self.root = root
        self.mode = mode
        self.log = []
        self.counts = collections.Counter()
        self.unexpected = []
        self.lock = threading.Lock()

    def file(self, name):
        with open(os.path.join(self.root, name), "rb") as f:
            return f.read()

    def xml(self, name, status=200):
        return status, "text/xml", self.file(name)

    def once_then(self, key, first, then):
        """`first` the first time `key` is asked for, `then` afterwards (retry tests)."""
        with self.lock:
            self.counts[key] += 1
            n = self.counts[key]
        return first if n == 1 else then

    # The users' other credentials and the server certificates: one SSH key for the
    # break-glass user (a second page after a Marker), its signing certificate, nothing else.
    EMPTY_LISTS = {"ListSigningCertificates": "Certificates",
                   "ListServiceSpecificCredentials": "ServiceSpecificCredentials",
                   "ListServerCertificates": "ServerCertificateMetadataList"}

    def iam(self, action, p):
        get = lambda k: p.get(k, [None])[0]
        if action == "ListServiceSpecificCredentials" and get("UserName") == "breakglass-ops":
            return 200, "text/xml", (
                b"<ListServiceSpecificCredentialsResponse><ListServiceSpecificCredentialsResult>"
                b"<ServiceSpecificCredentials><member><UserName>breakglass-ops</UserName>"
                b"<Status>Inactive</Status><ServiceUserName>breakglass-ops-at-111122223333"
                b"</ServiceUserName><CreateDate>2024-11-05T10:00:00Z</CreateDate>"
                b"<ServiceSpecificCredentialId>ACCAEXAMPLE123EXAMPLE</ServiceSpecificCredentialId>"
                b"<ServiceName>codecommit.amazonaws.com</ServiceName></member>"
                b"</ServiceSpecificCredentials><IsTruncated>false</IsTruncated>"
                b"</ListServiceSpecificCredentialsResult></ListServiceSpecificCredentialsResponse>")
        if action == "ListSigningCertificates" and get("UserName") == "breakglass-ops":
            # The certificate the credential report's cert_1 columns describe (joined).
            return 200, "text/xml", (
                b"<ListSigningCertificatesResponse><ListSigningCertificatesResult><Certificates>"
                b"<member><UserName>breakglass-ops</UserName><Status>Active</Status>"
                b"<CertificateBody>-----BEGIN CERTIFICATE-----</CertificateBody>"
                b"<CertificateId>CERTEXAMPLE0BREAKGLASS0OPS00001</CertificateId>"
                b"<UploadDate>2024-12-15T08:00:00Z</UploadDate></member></Certificates>"
                b"<IsTruncated>false</IsTruncated></ListSigningCertificatesResult>"
                b"</ListSigningCertificatesResponse>")
        if action in self.EMPTY_LISTS:
            return 200, "text/xml", (
                "<%sResponse><%sResult><%s/><IsTruncated>false</IsTruncated></%sResult>"
                "</%sResponse>" % (action, action, self.EMPTY_LISTS[action], action,
                                   action)).encode()
        if action == "ListSSHPublicKeys":
            if get("UserName") != "breakglass-ops" or get("Marker") not in (None, "ssh-2"):
                return 200, "text/xml", (
                    b"<ListSSHPublicKeysResponse><ListSSHPublicKeysResult><SSHPublicKeys/>"
                    b"<IsTruncated>false</IsTruncated></ListSSHPublicKeysResult>"
                    b"</ListSSHPublicKeysResponse>")
            if get("Marker") is None:
                return 200, "text/xml", (
                    b"<ListSSHPublicKeysResponse><ListSSHPublicKeysResult><SSHPublicKeys/>"
                    b"<IsTruncated>true</IsTruncated><Marker>ssh-2</Marker>"
                    b"</ListSSHPublicKeysResult></ListSSHPublicKeysResponse>")
            return 200, "text/xml", (
                b"<ListSSHPublicKeysResponse><ListSSHPublicKeysResult><SSHPublicKeys><member>"
                b"<UserName>breakglass-ops</UserName><SSHPublicKeyId>APKAEIBAERJR2EXAMPLE"
                b"</SSHPublicKeyId><Status>Active</Status>"
                b"<UploadDate>2024-12-01T08:00:00Z</UploadDate></member></SSHPublicKeys>"
                b"<IsTruncated>false</IsTruncated></ListSSHPublicKeysResult>"
                b"</ListSSHPublicKeysResponse>")
        if action == "GetAccountAuthorizationDetails":
            filters = sorted(v[0] for k, v in p.items() if k.startswith("Filter.member."))
            if filters != ["Group", "LocalManagedPolicy", "Role", "User"]:
                return None
            marker = get("Marker")
            if marker is None:
                return self.once_then("authz1", (503, "text/plain", b"Service Unavailable"),
                                      self.xml("authz_page1.xml"))
            if marker == "bWFya2VyLXBhZ2UtMg==":
                return self.xml("authz_page2.xml")
            return None
        if action == "ListUsers":
            marker = get("Marker")
            if marker is None:
                return self.xml("users_page1.xml")
            if marker == "dXNlcnMtcGFnZS0y":
                return self.xml("users_page2.xml")
            return None
        if action == "GenerateCredentialReport":
            return self.once_then("report", self.xml("report_started.xml"),
                                  self.xml("report_complete.xml"))
        if action == "GetCredentialReport":
            content = base64.b64encode(self.file("credreport.csv")).decode()
            body = ('<GetCredentialReportResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/">'
                    "<GetCredentialReportResult><Content>%s</Content>"
                    "<ReportFormat>text/csv</ReportFormat>"
                    "<GeneratedTime>2026-03-01T00:00:00Z</GeneratedTime>"
                    "</GetCredentialReportResult></GetCredentialReportResponse>" % content)
            return 200, "text/xml", body.encode()
        if action == "GetAccountSummary":
            return self.xml("summary.xml")
        if action == "ListAccessKeys":
            name = "keys_%s.xml" % get("UserName")
            if os.path.exists(os.path.join(self.root, name)):
                return self.xml(name)
            return None
        if action == "GetAccessKeyLastUsed":
            key = get("AccessKeyId")
            if key == "AKIAEXAMPLEBREAKGL01":
                return self.xml("access_denied.xml", 403)
            name = "last_used_%s.xml" % key
            if os.path.exists(os.path.join(self.root, name)):
                return self.xml(name)
            return None
        if action == "GetLoginProfile":
            user = get("UserName")
            if user == "breakglass-ops":
                return self.once_then("login-" + user, self.xml("throttling.xml", 400),
                                      self.xml("login_profile_breakglass-ops.xml"))
            return self.xml("no_such_entity.xml", 404)
        if action == "ListMFADevices":
            if get("UserName") == "app-reader":  # throttled for good: retries run out
                return self.xml("throttling.xml", 400)
            name = "mfa_%s.xml" % get("UserName")
            if os.path.exists(os.path.join(self.root, name)):
                return self.xml(name)
            return self.xml("mfa_none.xml")
        if action == "GetPolicy" and get("PolicyArn") == "arn:aws:iam::aws:policy/IAMFullAccess":
            return self.xml("policy_IAMFullAccess.xml")
        if (action == "GetPolicyVersion"
                and get("PolicyArn") == "arn:aws:iam::aws:policy/IAMFullAccess"
                and get("VersionId") == "v2"):
            return self.xml("policy_version_IAMFullAccess.xml")
        return None

    def respond(self, method, headers, body):
        auth = headers.get("authorization", "")
        m = SCOPE.search(auth)
        service = m.group(4) if m else None
        target = headers.get("x-amz-target")
        entry = {"method": method, "headers": headers, "service": service, "body": body}
        result = None
        if service == "sso" and target == "SWBExternalService.ListInstances":
            entry["action"], entry["params"] = "ListInstances", json.loads(body or b"{}")
            result = (200, "application/x-amz-json-1.1", b'{"Instances": []}')
        elif service == "organizations":
            entry["action"] = (target or "").rpartition(".")[2]
            entry["params"] = json.loads(body or b"{}")
            if self.mode == "management" and entry["action"] == "DescribeOrganization":
                # The account is the organization's management account.
                result = (200, "application/x-amz-json-1.1", json.dumps({"Organization": {
                    "Id": "o-exampleorg1", "FeatureSet": "ALL",
                    "Arn": "arn:aws:organizations::111122223333:organization/o-exampleorg1",
                    "MasterAccountId": "111122223333",
                    "MasterAccountArn": "arn:aws:organizations::111122223333:account/"
                                        "o-exampleorg1/111122223333"}}).encode())
            elif self.mode != "management":
                # A member account that is no delegated administrator: AccessDeniedException.
                result = (400, "application/x-amz-json-1.1",
                          b'{"__type": "AccessDeniedException", "Message": "You don\'t have '
                          b'permissions to access this resource."}')
        elif service == "secretsmanager" and target == "secretsmanager.ListSecrets":
            req = json.loads(body or b"{}")
            entry["action"], entry["params"] = "ListSecrets", req
            token = req.get("NextToken")
            if token is None:
                result = (200, "application/x-amz-json-1.1", self.file("secrets_page1.json"))
            elif token == "c2VjcmV0cy1wYWdlLTI=":
                result = self.once_then(
                    "secrets2",
                    (400, "application/x-amz-json-1.1", self.file("secrets_throttled.json")),
                    (200, "application/x-amz-json-1.1", self.file("secrets_page2.json")))
        else:
            params = urllib.parse.parse_qs(body.decode(), keep_blank_values=True)
            action = params.get("Action", [None])[0]
            entry["action"], entry["params"] = action, params
            if service == "sts" and action == "GetCallerIdentity":
                result = self.xml("sts_rejected.xml", 403) if self.mode == "reject" \
                    else self.xml("sts_caller.xml")
            elif service == "iam":
                result = self.iam(action, params)
            elif service == "ec2" and action == "DescribeRegions":
                # The account's enabled regions: here only the one the call was signed for.
                region = m.group(3)
                result = (200, "text/xml", (
                    '<DescribeRegionsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">'
                    "<requestId>r-1</requestId><regionInfo><item>"
                    "<regionName>%s</regionName>"
                    "<regionEndpoint>ec2.%s.amazonaws.com</regionEndpoint>"
                    "<optInStatus>opt-in-not-required</optInStatus>"
                    "</item></regionInfo></DescribeRegionsResponse>" % (region, region)).encode())
        with self.lock:
            self.log.append(entry)
            if result is None:
                self.unexpected.append(entry)
        if result is None:
            return (400, "text/xml",
                    b"<ErrorResponse><Error><Code>InvalidAction</Code>"
                    b"<Message>not in the replay</Message></Error></ErrorResponse>")
        return result


def start(root, mode="normal"):
    """Start a server in a thread; returns (server, replay, port). server.shutdown() stops it."""
    replay = Replay(root, mode)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            n = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(n)
            headers = {k.lower(): v for k, v in self.headers.items()}
            status, ctype, data = replay.respond("POST", headers, body)
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self):
            headers = {k.lower(): v for k, v in self.headers.items()}
            with replay.lock:
                replay.log.append({"method": "GET", "headers": headers, "action": None})
                replay.unexpected.append({"method": "GET", "path": self.path})
            self.send_response(405)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, fmt, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, replay, server.server_address[1]
