#!/usr/bin/env python3
"""End-to-end tests of `fallback-scan cloud gcp|azure|kubernetes|vault` against the replay server
(tests/cloud/replay_live_server.py, loopback only), and of `fallback-scan inventory` on the export
fixtures (tests/inventory/): the JSON report, the exit status, and that no API credential or
token from a response reaches the report or the terminal.

    test_cloud_live.py --bin build/fallback-scan
"""
import argparse
import base64
import json
import os
import shutil
import ssl
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from replay_live_server import Replay  # noqa: E402

INVENTORY = os.path.join(os.path.dirname(HERE), "inventory")
NOW = "2025-06-01T00:00:00Z"
BIN = None

# Credentials the tests hand the tool, and secrets the recorded responses carry: none may leak.
SECRETS = ["test-gcp-token-7f3a", "test-graph-token-51c2", "test-arm-token-2b9e",
           "test-k8s-token-c0de",
           "test-vault-token-9e1d", "FAKE-K8S-TOKEN", "RkFLRS1LOFMtVE9LRU4t", "FAKE-APPLIED-TOKEN",
           "hvs.FAKEROOTTOKEN", "Xk~", "q8Q", "FAKEBOOTSECRET01", "RkFLRUJPT1RTRUNSRVQwMQ",
           "FAKE-K8S-ESTATE-TOKEN", "FAKE-KUBECONFIG", "LS0tLS1CRUdJTiBFQyBQUklWQVRFIEtFWS0tLS0t"]


def run(args, env_extra=None):
    env = {k: v for k, v in os.environ.items()
           if k not in ("GOOGLE_OAUTH_ACCESS_TOKEN", "AZURE_ACCESS_TOKEN", "VAULT_ADDR",
                        "VAULT_TOKEN", "VAULT_CACERT", "KUBECONFIG")}
    env["FALLBACK_SCAN_CACHE"] = "off"
    env.update(env_extra or {})
    p = subprocess.run([BIN] + args, env=env, capture_output=True, text=True, timeout=120)
    return p.returncode, p.stdout, p.stderr


SCHEMA = os.path.join(os.path.dirname(os.path.dirname(HERE)), "docs", "report-v1.schema.json")


def report(out):
    """Parse a JSON report and validate it against the report schema (when jsonschema exists)."""
    rep = json.loads(out)
    try:
        import jsonschema
    except ImportError:
        return rep
    with open(SCHEMA, encoding="utf-8") as f:
        jsonschema.validate(rep, json.load(f))
    return rep


def by_resource(rep, suffix):
    hits = [f for f in rep["findings"] if f["location"]["resource"].endswith(suffix)]
    if len(hits) != 1:
        raise AssertionError("%d findings end with %s" % (len(hits), suffix))
    return hits[0]


class Base(unittest.TestCase):
    def assertNoSecrets(self, *texts):
        for t in texts:
            for s in SECRETS:
                self.assertNotIn(s, t)

    def diags(self, rep, kind=None):
        return [d for d in rep["scan"]["diagnostics"] if kind is None or d["kind"] == kind]

    def assertTarget(self, rep, target_id, kind="cloud"):
        """The report's one target has this id, and every finding names it."""
        (t,) = rep["scan"]["target_info"]
        self.assertEqual((t["id"], t["kind"]), (target_id, kind))
        self.assertTrue(rep["findings"])
        self.assertEqual({f["location"]["target"] for f in rep["findings"]}, {target_id})


class TestLive(Base):
    def test_gcp(self):
        with Replay(os.path.join(HERE, "gcp")) as srv:
            rc, out, err = run(["cloud", "gcp", "--project", "acme-prod", "--endpoint", srv.base,
                                "--resource-manager-endpoint", srv.base + "/", "-f", "json",
                                "--now", NOW, "-q"],
                               {"GOOGLE_OAUTH_ACCESS_TOKEN": "test-gcp-token-7f3a"})
            log = srv.log
        self.assertEqual(rc, 1, err)  # findings
        rep = report(out)
        self.assertNoSecrets(out, err)
        self.assertTrue(all(r["auth_ok"] for r in log))
        self.assertTrue(all(r["user_agent"].startswith("fallback-scan/") for r in log))
        # Both account pages were read, the throttled key listing was retried.
        self.assertEqual(sum(1 for r in log if r["path"].endswith("/serviceAccounts")), 2)
        keys = [r for r in log if r["path"].endswith("breakglass-admin@acme-prod.iam"
                                                     ".gserviceaccount.com/keys")]
        self.assertEqual(len(keys), 2)
        self.assertEqual(log[-1]["method"], "POST")
        self.assertEqual(log[-1]["body"], {"options": {"requestedPolicyVersion": 3}})
        # The project's ancestry, then the folder's and the organisation's policies.
        self.assertEqual([r["path"] for r in log if r["method"] == "POST"],
                         ["/v1/projects/acme-prod:getIamPolicy",
                          "/v1/projects/acme-prod:getAncestry",
                          "/v3/folders/302845109176:getIamPolicy",
                          "/v3/organizations/815622430961:getIamPolicy"])
        self.assertEqual(len(rep["findings"]), 2)
        self.assertTarget(rep, "gcp:acme-prod")
        # No project role; roles/iam.serviceAccountTokenCreator granted on the folder above.
        dr = by_resource(rep, "/keys/6e5d4c3b2a1f0e9d8c7b6a5f4e3d2c1b0a998877")
        self.assertEqual(dr["facts"]["privilege"], "high")
        self.assertIn("service account dr-exporter@acme-prod.iam.gserviceaccount.com has "
                      "roles/iam.serviceAccountTokenCreator granted on folders/302845109176",
                      dr["facts"]["privilege_evidence"])
        self.assertEqual(dr["facts"]["gcp"]["ancestors"],
                         ["folders/302845109176", "organizations/815622430961"])
        self.assertEqual(dr["facts"]["gcp"]["inherited_roles"],
                         [{"role": "roles/iam.serviceAccountTokenCreator",
                           "on": "folders/302845109176", "conditional": False}])
        # The organisation's policy was denied: a notice, privilege from what was read.
        (n,) = self.diags(rep, "gcp_ancestor_not_read")
        self.assertFalse(n["error"])
        self.assertIn("organizations/815622430961", n["message"])
        self.assertIn("HTTP 403", n["message"])
        f = by_resource(rep, "/keys/3f1c2a9d8e7b6a5f4e3d2c1b0a9f8e7d6c5b4a39")
        self.assertEqual(f["location"]["source"], "gcp")
        self.assertEqual(f["credential"]["kind"], "gcp_service_account_key")
        self.assertIsNone(f["credential"]["expires"])  # 9999-12-31: never expires
        self.assertEqual(f["facts"]["expiry"], "none")
        self.assertEqual(f["facts"]["privilege"], "high")  # roles/owner
        self.assertTrue(f["fallback"]["is_fallback"])
        self.assertTrue(f["standing_access"])
        # The denied key listing is a diagnostic naming the API's words.
        d = self.diags(rep, "cloud_request")
        self.assertEqual(len(d), 1)
        self.assertIn("HTTP 403", d[0]["message"])
        self.assertIn("iam.serviceAccountKeys.list", d[0]["message"])
        self.assertTrue(rep["scan"]["stats"]["incomplete"])

    def test_gcp_incomplete_exit(self):
        with Replay(os.path.join(HERE, "gcp")) as srv:
            rc, out, err = run(["cloud", "gcp", "--project", "acme-prod", "--endpoint", srv.base,
                                "--resource-manager-endpoint", srv.base, "--fail-on", "none",
                                "-f", "json", "-o", os.devnull],
                               {"GOOGLE_OAUTH_ACCESS_TOKEN": "test-gcp-token-7f3a"})
        self.assertEqual(rc, 3, err)
        self.assertIn("HTTP 403", err)  # printed, since the report went to a file
        self.assertNoSecrets(out, err)

    def test_azure(self):
        with Replay(os.path.join(HERE, "azure")) as srv:
            rc, out, err = run(["cloud", "azure", "--api-url", srv.base, "-f", "json", "--now",
                                NOW, "-q"], {"AZURE_ACCESS_TOKEN": "test-graph-token-51c2"})
            log = srv.log
        self.assertEqual(rc, 1, err)
        rep = report(out)
        self.assertNoSecrets(out, err)
        self.assertEqual([r["path"] for r in log],
                         ["/v1.0/applications", "/v1.0/applications", "/v1.0/servicePrincipals",
                          "/v1.0/roleManagement/directory/roleAssignments"])
        # Without a Resource Manager token the RBAC roles are not read: said, not an error.
        self.assertEqual([(d["kind"], d["error"]) for d in self.diags(rep)],
                         [("azure_roles_not_read", False)])
        self.assertIn("AZURE_MANAGEMENT_TOKEN", self.diags(rep)[0]["message"])
        self.assertEqual(len(rep["findings"]), 4)
        # The token is not a JWT: no tenant to read, the Graph endpoint names the account.
        self.assertTarget(rep, "azure:" + srv.base)
        f = by_resource(rep, "/passwordCredentials/5e6f7a8b-9c0d-4e1f-a2b3-c4d5e6f70819")
        self.assertEqual(f["credential"]["kind"], "azure_client_secret")
        self.assertEqual(f["credential"]["issued"], "2024-02-01T00:00:00Z")
        self.assertEqual(f["credential"]["expires"], "2026-02-01T00:00:00Z")
        self.assertEqual(f["facts"]["valid_days"], 731)  # valid two years
        self.assertTrue(f["standing_access"])
        sp = by_resource(rep, "/servicePrincipals/9f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a/"
                              "passwordCredentials/a0b1c2d3-e4f5-4607-8819-2a3b4c5d6e7f")
        self.assertFalse(sp["standing_access"])  # its service principal is disabled
        # Its directory role decides; the others have none, but RBAC was not read: unknown.
        self.assertEqual(sp["facts"]["privilege"], "high")
        r = by_resource(rep, "/passwordCredentials/7b8c9d0e-1f2a-4b3c-9d4e-5f6a7b8c9d0e")
        self.assertEqual(r["facts"]["privilege"], "unknown")
        self.assertEqual(r["facts"]["privilege_evidence"],
                         ["no administrative role for service principal reporting-api in the role "
                          "assignments read, but some Azure RBAC role assignments could not be "
                          "read"])

    def azure_with_rbac(self, arm_dir, fail_on=None):
        with Replay(os.path.join(HERE, "azure")) as graph, Replay(arm_dir) as arm:
            args = ["cloud", "azure", "--api-url", graph.base, "--arm-endpoint", arm.base + "/",
                    "-f", "json", "--now", NOW, "-q"] + (["--fail-on", fail_on] if fail_on else [])
            rc, out, err = run(args, {"AZURE_ACCESS_TOKEN": "test-graph-token-51c2",
                                      "AZURE_MANAGEMENT_TOKEN": "test-arm-token-2b9e"})
            log, glog = arm.log, graph.log
        self.assertNoSecrets(out, err)
        # Each token went to its own API only (they have different audiences).
        self.assertTrue(all(r["auth_ok"] for r in log + glog))
        return rc, report(out), log, err

    def test_azure_role_assignments(self):
        rc, rep, log, err = self.azure_with_rbac(os.path.join(HERE, "azure_arm"))
        self.assertEqual(rc, 1, err)
        self.assertEqual(self.diags(rep), [])
        s1, s2 = ("/subscriptions/0b1c2d3e-4f5a-4b6c-8d7e-9f0a1b2c3d4e",
                  "/subscriptions/5a6b7c8d-9e0f-4a1b-8c2d-3e4f5a6b7c8d")
        authz = "/providers/Microsoft.Authorization/"
        # Both subscription pages, then each subscription's definitions and (paged) assignments.
        self.assertEqual([r["path"] for r in log],
                         ["/subscriptions", "/subscriptions",
                          s1 + authz + "roleDefinitions", s1 + authz + "roleAssignments",
                          s1 + authz + "roleAssignments",
                          s2 + authz + "roleDefinitions", s2 + authz + "roleAssignments"])
        self.assertTrue(all(r["query"]["api-version"] == ("2022-12-01" if r["path"] ==
                                                          "/subscriptions" else "2022-04-01")
                            for r in log))
        # The application's credentials are its service principal's: a custom role that may
        # write role assignments, granted on a management group.
        pay = by_resource(rep, "/passwordCredentials/5e6f7a8b-9c0d-4e1f-a2b3-c4d5e6f70819")
        self.assertEqual(pay["facts"]["privilege"], "high")
        self.assertEqual(pay["facts"]["privilege_evidence"],
                         ["service principal payments-emergency-access has Break Glass Operator "
                          "on management group acme-root (Azure RBAC: Microsoft.Authorization/"
                          "roleAssignments/write: it can grant roles)"])
        self.assertEqual(pay["facts"]["privilege_from"], "policy_evaluation")
        self.assertEqual(pay["facts"]["azure"]["roles"],
                         [{"role": "Break Glass Operator",
                           "scope": "/providers/Microsoft.Management/managementGroups/acme-root",
                           "source": "rbac", "privilege": "high", "conditional": False}])
        self.assertTrue(pay["standing_access"])
        # Reader on one resource group (from the second page of assignments): normal.
        rep_api = by_resource(rep, "/passwordCredentials/7b8c9d0e-1f2a-4b3c-9d4e-5f6a7b8c9d0e")
        self.assertEqual(rep_api["facts"]["privilege"], "normal")
        self.assertEqual(rep_api["facts"]["privilege_evidence"],
                         ["service principal reporting-api has only non-administrative roles: "
                          "Reader on resource group rg-reports (subscription "
                          "0b1c2d3e-4f5a-4b6c-8d7e-9f0a1b2c3d4e)"])
        # A directory role (Entra ID), read with the Graph token.
        sp = by_resource(rep, "/passwordCredentials/a0b1c2d3-e4f5-4607-8819-2a3b4c5d6e7f")
        self.assertEqual(sp["facts"]["privilege"], "high")
        self.assertIn("the directory role Application Administrator on the whole directory",
                      sp["facts"]["privilege_evidence"][0])

    def test_azure_role_assignments_denied(self):
        """A subscription whose assignments the token may not list: a notice, and principals
        without an administrative role found elsewhere stay unknown."""
        with tempfile.TemporaryDirectory() as tmp:
            for name in os.listdir(os.path.join(HERE, "azure_arm")):
                shutil.copy(os.path.join(HERE, "azure_arm", name), tmp)
            with open(os.path.join(tmp, "routes.json")) as f:
                spec = json.load(f)
            spec["routes"][-1] = dict(spec["routes"][-1], status=403, body={"error": {
                "code": "AuthorizationFailed",
                "message": "The client does not have authorization to perform action "
                           "'Microsoft.Authorization/roleAssignments/read'"}})
            del spec["routes"][-1]["file"]
            with open(os.path.join(tmp, "routes.json"), "w") as f:
                json.dump(spec, f)
            rc, rep, log, err = self.azure_with_rbac(tmp)
        self.assertEqual(rc, 1, err)  # not incomplete: a notice
        (d,) = self.diags(rep)
        self.assertEqual((d["kind"], d["error"]), ("azure_roles_not_read", False))
        self.assertIn("does not have authorization", d["message"])
        self.assertIn("HTTP 403", d["message"])
        pay = by_resource(rep, "/passwordCredentials/5e6f7a8b-9c0d-4e1f-a2b3-c4d5e6f70819")
        self.assertEqual(pay["facts"]["privilege"], "high")  # found in the first subscription
        rep_api = by_resource(rep, "/passwordCredentials/7b8c9d0e-1f2a-4b3c-9d4e-5f6a7b8c9d0e")
        self.assertEqual(rep_api["facts"]["privilege"], "unknown")
        self.assertNotIn("privilege_from", rep_api["facts"])

    def test_azure_tenant_from_token(self):
        """A Graph access token is a JWT: its tid claim names the tenant, the target's id."""
        def b64url(obj):
            return base64.urlsafe_b64encode(json.dumps(obj).encode()).rstrip(b"=").decode()
        tenant = "72f988bf-86f1-41af-91ab-2d7cd011db47"
        token = ".".join([b64url({"alg": "RS256", "typ": "JWT"}),
                          b64url({"tid": tenant, "aud": "https://graph.microsoft.com"}),
                          "c2lnbmF0dXJl"])
        with tempfile.TemporaryDirectory() as tmp:
            for name in os.listdir(os.path.join(HERE, "azure")):
                shutil.copy(os.path.join(HERE, "azure", name), tmp)
            with open(os.path.join(tmp, "routes.json")) as f:
                spec = json.load(f)
            spec["auth"]["value"] = "Bearer " + token
            with open(os.path.join(tmp, "routes.json"), "w") as f:
                json.dump(spec, f)
            with Replay(tmp) as srv:
                rc, out, err = run(["cloud", "azure", "--api-url", srv.base, "-f", "json",
                                    "--now", NOW, "-q"], {"AZURE_ACCESS_TOKEN": token})
                log = srv.log
        self.assertEqual(rc, 1, err)
        self.assertTrue(all(r["auth_ok"] for r in log))
        rep = report(out)
        self.assertTarget(rep, "azure:" + tenant)
        self.assertNotIn(token, out + err)

    def test_azure_refuses_foreign_paging_link(self):
        with tempfile.TemporaryDirectory() as tmp:
            with open(os.path.join(HERE, "azure", "routes.json")) as f:
                spec = json.load(f)
            for name in ("applications_1.json", "applications_2.json",
                         "service_principals.json", "directory_roles.json"):
                with open(os.path.join(HERE, "azure", name)) as f:
                    text = f.read()
                with open(os.path.join(tmp, name), "w") as f:
                    f.write(text.replace("{{base}}", "https://graph.example.invalid"))
            with open(os.path.join(tmp, "routes.json"), "w") as f:
                json.dump(spec, f)
            with Replay(tmp) as srv:
                rc, out, err = run(["cloud", "azure", "--endpoint", srv.base, "-f", "json",
                                    "--now", NOW, "-q", "--fail-on", "none"],
                                   {"AZURE_ACCESS_TOKEN": "test-graph-token-51c2"})
                log = srv.log
        self.assertEqual(rc, 3, err)
        rep = report(out)
        self.assertIn("another server", self.diags(rep, "cloud_request")[0]["message"])
        self.assertEqual(len([r for r in log if r["path"] == "/v1.0/applications"]), 1)

    def kubeconfig(self, tmp, server):
        path = os.path.join(tmp, "kubeconfig")
        with open(path, "w") as f:
            f.write("apiVersion: v1\nkind: Config\ncurrent-context: prod\n"
                    "clusters:\n- name: prod-eu-1\n  cluster:\n    server: %s\n"
                    "contexts:\n- name: prod\n  context:\n    cluster: prod-eu-1\n"
                    "    user: auditor\n"
                    "- name: other\n  context:\n    cluster: nowhere\n    user: auditor\n"
                    "users:\n- name: auditor\n  user:\n    token: test-k8s-token-c0de\n"
                    % server)
        return path

    def test_kubernetes(self):
        with tempfile.TemporaryDirectory() as tmp, \
                Replay(os.path.join(HERE, "kubernetes")) as srv:
            kc = self.kubeconfig(tmp, srv.base)
            rc, out, err = run(["cloud", "kubernetes", "--kubeconfig", kc, "-f", "json", "--now",
                                NOW, "-q"])
            log = srv.log
        self.assertEqual(rc, 1, err)
        rep = report(out)
        self.assertNoSecrets(out, err)
        rbac = "/apis/rbac.authorization.k8s.io/v1/"
        self.assertEqual([r["path"] for r in log],
                         ["/api/v1/secrets", "/api/v1/secrets",
                          "/api/v1/namespaces/kube-system/secrets",
                          rbac + "clusterrolebindings", rbac + "rolebindings",
                          rbac + "rolebindings", rbac + "clusterroles", rbac + "roles"])
        self.assertEqual(log[2]["query"]["fieldSelector"], "type=bootstrap.kubernetes.io/token")
        self.assertEqual(log[5]["query"]["continue"], "rb-page-2")
        self.assertEqual(log[0]["query"]["fieldSelector"],
                         "type=kubernetes.io/service-account-token")
        self.assertEqual(self.diags(rep), [])
        self.assertTarget(rep, "kubernetes:prod-eu-1")  # the cluster, not the context
        f = by_resource(rep, "k8s://prod-eu-1/namespaces/kube-system/secrets/"
                             "breakglass-admin-token")
        self.assertEqual(f["facts"]["privilege"], "high")  # bound to cluster-admin
        self.assertEqual(f["credential"]["last_used"], "2025-05-30T00:00:00Z")
        self.assertIsNone(f["credential"]["expires"])
        self.assertTrue(f["standing_access"])
        self.assertTrue(any("cluster-admin" in e for e in f["facts"]["privilege_evidence"]))
        # Read-only ClusterRole and Role (the RoleBinding was on the second page): normal.
        prom = by_resource(rep, "/namespaces/monitoring/secrets/prometheus-token-x7k2p")
        self.assertEqual(prom["facts"]["privilege"], "normal")
        self.assertEqual(prom["facts"]["privilege_from"], "policy_evaluation")
        self.assertEqual({(e["binding_kind"], e["role"], e["privilege"])
                          for e in prom["facts"]["kubernetes"]["rbac"]},
                         {("ClusterRoleBinding", "prometheus", "normal"),
                          ("RoleBinding", "config-reader", "normal")})
        # The bootstrap token: its id is the identifier, its secret is nowhere (assertNoSecrets).
        boot = by_resource(rep, "/namespaces/kube-system/secrets/bootstrap-token-k8stst")
        self.assertEqual(boot["credential"]["kind"], "kubernetes_bootstrap_token")
        self.assertEqual(boot["context"]["key"], "system:bootstrap:k8stst")
        self.assertIsNone(boot["credential"]["expires"])
        self.assertEqual(boot["facts"]["privilege"], "normal")
        self.assertTrue(boot["standing_access"])  # a join token that never expires

    def test_kubernetes_config_errors(self):
        with tempfile.TemporaryDirectory() as tmp:
            kc = self.kubeconfig(tmp, "https://127.0.0.1:1")
            rc, out, err = run(["cloud", "kubernetes", "--kubeconfig", kc, "--context", "other"])
            self.assertEqual(rc, 2)
            self.assertIn("no cluster named 'nowhere'", err)
            rc, out, err = run(["cloud", "kubernetes", "--kubeconfig", kc, "--context", "gone"])
            self.assertEqual(rc, 2)
            self.assertIn("no context named 'gone'", err)
            self.assertNoSecrets(out, err)

    def test_vault(self):
        with Replay(os.path.join(HERE, "vault")) as srv:
            rc, out, err = run(["cloud", "vault", "-f", "json", "--now", NOW, "-q"],
                               {"VAULT_ADDR": srv.base, "VAULT_TOKEN": "test-vault-token-9e1d"})
            log = srv.log
        self.assertEqual(rc, 1, err)
        rep = report(out)
        self.assertNoSecrets(out, err)
        self.assertEqual(len([r for r in log if r["method"] == "POST"]), 3)
        self.assertEqual(len(rep["findings"]), 2)
        self.assertTarget(rep, "vault:" + srv.base.rstrip("/"))
        f = by_resource(rep, "/auth/token/accessors/Xy7kPq2RsT9uVw3LmN5oBc1D")
        self.assertTrue(f["location"]["resource"].startswith("vault://127.0.0.1:"))
        self.assertEqual(f["facts"]["privilege"], "high")
        self.assertIsNone(f["credential"]["expires"])  # ttl 0
        self.assertIn({"term": "root token", "where": "content", "weight": 1.0},
                      f["fallback"]["indicators"])
        self.assertTrue(f["standing_access"])
        d = self.diags(rep, "cloud_request")
        self.assertEqual(len(d), 1)
        self.assertIn("invalid accessor", d[0]["message"])

    def test_vault_wrong_token(self):
        with Replay(os.path.join(HERE, "vault")) as srv:
            rc, out, err = run(["cloud", "vault", "-f", "json", "-o", os.devnull,
                                "--fail-on", "none"],
                               {"VAULT_ADDR": srv.base, "VAULT_TOKEN": "not-the-token"})
        self.assertEqual(rc, 3)
        self.assertIn("HTTP 401", err)
        self.assertNotIn("not-the-token", err)

    def test_usage_errors(self):
        cases = [
            (["cloud", "gcp"], {}, "--project ID is required"),
            (["cloud", "gcp", "--project", "p"], {}, "GOOGLE_OAUTH_ACCESS_TOKEN"),
            (["cloud", "azure"], {}, "AZURE_ACCESS_TOKEN"),
            (["cloud", "vault"], {"VAULT_TOKEN": "x"}, "VAULT_ADDR"),
            (["cloud", "nimbus"], {}, "unknown provider"),
            (["cloud", "azure", "--project", "p"], {}, "are for gcp"),
            (["cloud", "gcp", "--project", "p", "--token-file", "/nonexistent/t"], {},
             "--token-file"),
        ]
        for args, env, msg in cases:
            rc, out, err = run(args, env)
            self.assertEqual(rc, 2, args)
            self.assertIn(msg, err, args)

    def test_plain_http_refused_off_loopback(self):
        rc, out, err = run(["cloud", "vault", "--endpoint", "http://vault.example.invalid:8200",
                            "-f", "json", "-q", "--fail-on", "none"], {"VAULT_TOKEN": "tok-1"})
        self.assertEqual(rc, 3)
        rep = report(out)
        self.assertIn("plain http is refused", self.diags(rep, "cloud_request")[0]["message"])


def make_pki(tmp, cli_subject="/CN=fallback-auditor"):
    """A CA, a server certificate for 127.0.0.1 and a client certificate, with openssl."""
    def ossl(*args):
        subprocess.run(["openssl"] + list(args), cwd=tmp, check=True, capture_output=True)

    with open(os.path.join(tmp, "srv.ext"), "w") as f:
        f.write("subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n")
    with open(os.path.join(tmp, "cli.ext"), "w") as f:
        f.write("extendedKeyUsage=clientAuth\n")
    for ca in ("ca", "other-ca"):
        ossl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
             "-nodes", "-keyout", ca + ".key", "-out", ca + ".pem", "-days", "2",
             "-subj", "/CN=" + ca)
    for name, subj in (("srv", "/CN=127.0.0.1"), ("cli", cli_subject)):
        ossl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
             "-keyout", name + ".key", "-out", name + ".csr", "-subj", subj)
        ossl("x509", "-req", "-in", name + ".csr", "-CA", "ca.pem", "-CAkey", "ca.key",
             "-CAcreateserial", "-out", name + ".pem", "-days", "2", "-extfile", name + ".ext")

    def b64(name):
        with open(os.path.join(tmp, name), "rb") as f:
            return base64.b64encode(f.read()).decode()

    return b64


@unittest.skipUnless(shutil.which("openssl"), "the openssl command is not installed")
class TestKubernetesTLS(Base):
    """The kubeconfig's CA data verifies the server; its client certificate authenticates."""

    def scan(self, ca_name, cli_subject="/CN=fallback-auditor"):
        with tempfile.TemporaryDirectory() as tmp:
            b64 = make_pki(tmp, cli_subject)
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.load_cert_chain(os.path.join(tmp, "srv.pem"), os.path.join(tmp, "srv.key"))
            ctx.load_verify_locations(os.path.join(tmp, "ca.pem"))
            ctx.verify_mode = ssl.CERT_REQUIRED
            with Replay(os.path.join(HERE, "kubernetes"), ssl_context=ctx,
                        require_auth=False) as srv:
                kc = os.path.join(tmp, "kubeconfig")
                with open(kc, "w") as f:
                    f.write("apiVersion: v1\nkind: Config\ncurrent-context: tls\n"
                            "clusters:\n- name: tls-cluster\n  cluster:\n    server: %s\n"
                            "    certificate-authority-data: %s\n"
                            "contexts:\n- name: tls\n  context: {cluster: tls-cluster, "
                            "user: cert}\n"
                            "users:\n- name: cert\n  user:\n"
                            "    client-certificate-data: %s\n    client-key-data: %s\n"
                            % (srv.base, b64(ca_name), b64("cli.pem"), b64("cli.key")))
                rc, out, err = run(["cloud", "kubernetes", "--kubeconfig", kc, "-f", "json",
                                    "--now", NOW, "-q", "--fail-on", "none", "--retries", "0"])
                return rc, out, err, srv.log, b64("cli.key")

    def test_client_certificate(self):
        rc, out, err, log, key = self.scan("ca.pem")
        self.assertEqual(rc, 0, err)
        rep = report(out)
        self.assertEqual(self.diags(rep), [])
        self.assertEqual(len(log), 8)
        self.assertTrue(all(r["peer"] == "fallback-auditor" for r in log))
        f = by_resource(rep, "k8s://tls-cluster/namespaces/kube-system/secrets/"
                             "breakglass-admin-token")
        self.assertEqual(f["facts"]["privilege"], "high")
        self.assertNotIn(key, out + err)

    def test_system_masters_certificate_reported(self):
        """Scanning with a system:masters certificate reports that certificate itself."""
        rc, out, err, log, key = self.scan("ca.pem", "/O=system:masters/CN=breakglass-admin")
        rep = report(out)
        self.assertEqual(self.diags(rep), [])
        f = by_resource(rep, "k8s://tls-cluster/kubeconfig/users/cert")
        self.assertEqual(f["credential"]["kind"], "kubernetes_client_certificate")
        self.assertEqual(f["context"]["key"], "breakglass-admin")
        self.assertEqual(f["facts"]["privilege"], "high")
        self.assertIs(f["facts"]["kubernetes"]["system_masters"], True)
        self.assertIsNotNone(f["credential"]["expires"])
        self.assertTrue(any("only rotating the cluster CA or its expiry on "
                            + f["credential"]["expires"][:10] in r for r in f["reasons"]),
                        f["reasons"])
        self.assertNotIn(key, out + err)
        # An ordinary certificate is the caller's business: not reported.
        rc, out, err, log, key = self.scan("ca.pem")
        self.assertFalse([f for f in report(out)["findings"]
                          if f["credential"]["kind"] == "kubernetes_client_certificate"])

    def test_wrong_ca_is_refused(self):
        rc, out, err, log, key = self.scan("other-ca.pem")
        self.assertEqual(rc, 3, err)
        self.assertEqual(log, [])
        d = self.diags(report(out), "cloud_request")
        self.assertEqual(len(d), 6)  # the two secret listings and the four RBAC lists
        self.assertRegex(d[0]["message"], "(?i)certificate|SSL")
        self.assertNotIn(key, out + err)


class TestInventory(Base):
    def files(self, *names):
        return [os.path.join(INVENTORY, n) for n in names]

    def test_all_exports_joined(self):
        rc, out, err = run(["inventory", "-f", "json", "--now", NOW, "-q", "-v", "--cluster",
                            "prod"] +
                           self.files("k8s_secrets.json", "k8s_clusterrolebindings.json",
                                      "gcp_keys.json", "gcp_keys_api.json",
                                      "gcp_service_accounts.json", "gcp_iam_policy.json",
                                      "azure_applications.json", "azure_app_credentials.json",
                                      "azure_service_principals.json", "vault_root_lookup.json",
                                      "vault_lookups.jsonl"))
        self.assertEqual(rc, 1, err)
        rep = report(out)
        self.assertNoSecrets(out, err)
        # Google-managed keys are listed as skipped (with --verbose), not reported.
        self.assertEqual([d["kind"] for d in self.diags(rep)], ["gcp_system_managed_keys"])
        self.assertFalse(rep["scan"]["stats"]["incomplete"])
        self.assertEqual(len(rep["findings"]), 13)
        kinds = {f["credential"]["kind"] for f in rep["findings"]}
        self.assertEqual(kinds, {"gcp_service_account_key", "azure_client_secret",
                                 "azure_certificate_credential",
                                 "kubernetes_service_account_token", "vault_token"})
        k = by_resource(rep, "k8s://prod/namespaces/kube-system/secrets/breakglass-admin-token")
        self.assertEqual(k["facts"]["privilege"], "high")
        g = by_resource(rep, "/keys/3f1c2a9d8e7b6a5f4e3d2c1b0a9f8e7d6c5b4a39")
        self.assertIsNone(g["credential"]["expires"])
        self.assertEqual(g["facts"]["privilege"], "high")
        # Each file is a target; a record names the file it came from.
        ids = ["inventory:" + os.path.realpath(p) for p in self.files(
            "k8s_secrets.json", "gcp_keys.json", "azure_applications.json",
            "vault_root_lookup.json")]
        listed = {t["id"] for t in rep["scan"]["target_info"]}
        self.assertEqual(len(listed), 11)
        self.assertTrue(set(ids) <= listed)
        self.assertEqual(k["location"]["target"], ids[0])
        self.assertIn(g["location"]["target"], listed)
        self.assertEqual({f["location"]["target"] for f in rep["findings"]} - listed, set())
        # Findings ids are unique within the report.
        self.assertEqual(len({f["id"] for f in rep["findings"]}), len(rep["findings"]))

    def test_role_assignments_and_ancestor_policies(self):
        """Issue 14: Azure role assignments and GCP folder and organisation bindings decide the
        privilege of the credentials they concern, and the reasons say where each was granted."""
        rc, out, err = run(["inventory", "-f", "json", "--now", NOW, "-q"] + self.files(
            "gcp_keys_recovery.json", "gcp_ancestors_iam_policy.json", "azure_applications.json",
            "azure_service_principals.json", "azure_role_assignments.json",
            "azure_role_definitions.json", "azure_directory_roles.json"))
        self.assertEqual(rc, 1, err)
        rep = report(out)
        self.assertEqual(self.diags(rep), [])
        verdicts = {f["location"]["resource"].rsplit("/", 1)[-1]:
                    (f["facts"]["privilege"], f["standing_access"]) for f in rep["findings"]}
        self.assertEqual(verdicts, {
            "5d4c3b2a1f0e9d8c7b6a5f4e3d2c1b0a99887766": ("high", True),    # org owner
            "6e5d4c3b2a1f0e9d8c7b6a5f4e3d2c1b0a998877": ("normal", True),  # folder viewer
            "5e6f7a8b-9c0d-4e1f-a2b3-c4d5e6f70819": ("high", True),  # may write assignments
            "c4d5e6f7-0819-4a2b-8c3d-4e5f60718293": ("high", True),
            "7b8c9d0e-1f2a-4b3c-9d4e-5f6a7b8c9d0e": ("normal", False),  # readers only
            "a0b1c2d3-e4f5-4607-8819-2a3b4c5d6e7f": ("high", False),  # disabled; app admin
        })
        g = by_resource(rep, "/keys/5d4c3b2a1f0e9d8c7b6a5f4e3d2c1b0a99887766")
        self.assertIn("roles/owner granted on organizations/815622430961",
                      g["facts"]["privilege_evidence"][0])
        a = by_resource(rep, "/passwordCredentials/5e6f7a8b-9c0d-4e1f-a2b3-c4d5e6f70819")
        self.assertIn("on management group acme-root", a["facts"]["privilege_evidence"][0])

    def test_kubernetes_rbac_and_kubeconfig(self):
        """RBAC exports decide the privilege of tokens and client certificates; a kubeconfig
        export's keys and tokens never reach the report."""
        rc, out, err = run(["inventory", "-f", "json", "--now", NOW, "-q"] +
                           self.files("k8s_rbac_secrets.json", "k8s_rbac_roles.json",
                                      "k8s_rbac_clusterroles.json", "k8s_kubeconfig.json"))
        self.assertEqual(rc, 1, err)
        rep = report(out)
        self.assertNoSecrets(out, err)
        self.assertEqual(self.diags(rep), [])
        k = by_resource(rep, "/namespaces/payments/secrets/vault-sync-token")
        self.assertEqual(k["facts"]["privilege"], "high")
        self.assertEqual(k["facts"]["kubernetes"]["rbac"][0]["scope"], "payments")
        m = by_resource(rep, "k8s://prod/kubeconfig/users/breakglass-admin")
        self.assertTrue(m["standing_access"])
        self.assertTrue(any("system:masters group" in r for r in m["reasons"]), m["reasons"])

    def test_bad_files_reported_and_others_read(self):
        rc, out, err = run(["inventory", "-f", "json", "--now", NOW, "--fail-on", "none"] +
                           self.files("vault_root_lookup.json", "bad/malformed.json",
                                      "bad/unknown.json", "bad/vault_accessor_list.json"))
        self.assertEqual(rc, 3, err)
        rep = report(out)
        self.assertEqual(len(rep["findings"]), 1)
        kinds = sorted(d["kind"] for d in self.diags(rep) if d["error"])
        self.assertEqual(kinds, ["inventory_malformed", "inventory_unknown_format",
                                 "inventory_unknown_format"])
        self.assertIn("malformed.json: line 4, column 32", err)
        self.assertIn("Vault LIST", err)

    def test_missing_file_is_usage_error(self):
        rc, out, err = run(["inventory", os.path.join(INVENTORY, "nope.json")])
        self.assertEqual(rc, 2)
        self.assertIn("nope.json", err)


class TestReviewFacts(Base):
    """Issue 14: the documented fields the replay fixtures lacked (GCP disableReason and
    extendedStatus, conditional bindings; Vault identity_policies, period), read from exports."""

    def scan(self, docs):
        with tempfile.TemporaryDirectory() as d:
            paths = []
            for name, doc in docs.items():
                paths.append(os.path.join(d, name))
                with open(paths[-1], "w") as f:
                    json.dump(doc, f)
            rc, out, err = run(["inventory", "-f", "json", "--now", NOW, "-q"] + paths)
        self.assertIn(rc, (0, 1), err)
        return report(out)

    def test_gcp_exposed_keys_and_expired_binding(self):
        sa = "%s@acme-prod.iam.gserviceaccount.com"
        key = lambda acct, kid, **kw: dict({
            "name": "projects/acme-prod/serviceAccounts/%s/keys/%s" % (sa % acct, kid),
            "keyType": "USER_MANAGED", "keyAlgorithm": "KEY_ALG_RSA_2048",
            "validAfterTime": "2024-01-01T00:00:00Z",
            "validBeforeTime": "9999-12-31T23:59:59Z"}, **kw)
        rep = self.scan({
            "keys.json": {"keys": [
                key("breakglass-a", "a" * 40, extendedStatus=[{
                    "key": "SERVICE_ACCOUNT_KEY_EXTENDED_STATUS_KEY_EXPOSED",
                    "value": "https://github.com/example/leak/blob/main/key.json"}]),
                key("breakglass-b", "b" * 40, disabled=True,
                    disableReason="SERVICE_ACCOUNT_KEY_DISABLE_REASON_EXPOSED"),
                key("batch-c", "c" * 40)]},
            "policy.json": {"version": 3, "bindings": [
                {"role": "roles/owner", "members": ["serviceAccount:" + sa % "breakglass-a"],
                 "condition": {"title": "temporary",
                               "expression": 'request.time < timestamp("2025-01-01T00:00:00Z")'}},
                {"role": "roles/owner", "members": ["serviceAccount:" + sa % "breakglass-b"],
                 "condition": {"title": "until later",
                               "expression": 'request.time < timestamp("2026-01-01T00:00:00Z")'}},
                {"role": "roles/viewer", "members": ["serviceAccount:" + sa % "breakglass-a"]}]},
        })
        a = by_resource(rep, "/keys/" + "a" * 40)
        self.assertTrue(a["facts"]["exposed"])
        self.assertEqual(a["facts"]["gcp"]["exposed_by"],
                         "SERVICE_ACCOUNT_KEY_EXTENDED_STATUS_KEY_EXPOSED")
        self.assertTrue(any("reports the key exposed" in r for r in a["reasons"]), a["reasons"])
        # The owner binding expired on 2025-01-01 (before --now): only roles/viewer is left.
        self.assertEqual(a["facts"]["gcp"]["roles"], ["roles/viewer"])
        self.assertEqual(a["facts"]["privilege"], "normal")
        b = by_resource(rep, "/keys/" + "b" * 40)
        self.assertTrue(b["facts"]["exposed"])
        self.assertEqual(b["facts"]["gcp"]["disable_reason"],
                         "SERVICE_ACCOUNT_KEY_DISABLE_REASON_EXPOSED")
        self.assertEqual(b["facts"]["privilege"], "high")  # binding still in force
        # No IAM policy names this account: a "prod" project is no evidence of privilege.
        c = by_resource(rep, "/keys/" + "c" * 40)
        self.assertEqual(c["facts"]["privilege"], "unknown", c["facts"]["privilege_evidence"])

    def test_aws_credential_report_json(self):
        with open(os.path.join(HERE, "replay", "credreport.csv"), "rb") as f:
            csv = f.read()
        rep = self.scan({"report.json": {
            "Content": base64.b64encode(csv).decode(), "ReportFormat": "text/csv",
            "GeneratedTime": "2026-02-28T00:00:00+00:00"}})
        kinds = sorted(f["credential"]["kind"] for f in rep["findings"])
        self.assertIn("aws_root_access_key", kinds)
        self.assertIn("aws_console_password", kinds)
        root = [f for f in rep["findings"] if f["credential"]["kind"] == "aws_root_access_key"]
        self.assertTrue(root[0]["standing_access"])
        self.assertTrue(any("CIS AWS 1.4" in r for r in root[0]["reasons"]))
        # The root row: password used 2026-01-20, mfa_active false: root sign-in without MFA.
        rs = [f for f in rep["findings"]
              if f["credential"]["kind"] == "aws_root_console_password"]
        self.assertEqual(len(rs), 1)
        self.assertIs(rs[0]["facts"]["mfa_enabled"], False)
        self.assertEqual(rs[0]["facts"]["mfa_from"], "credential_report")
        self.assertEqual(rs[0]["credential"]["last_used"], "2026-01-20T10:00:00Z")
        self.assertTrue(rs[0]["standing_access"])
        self.assertTrue(any("console password without MFA" in r for r in rs[0]["reasons"]))
        # breakglass-ops' active signing certificate (cert_1_active), dated cert_1_last_rotated.
        cs = [f for f in rep["findings"] if f["credential"]["kind"] == "aws_signing_certificate"]
        self.assertEqual([(f["context"]["key"], f["credential"]["issued"]) for f in cs],
                         [("breakglass-ops", "2024-12-15T08:00:00Z")])

    def test_vault_identity_policies_and_periodic_token(self):
        base = {"creation_time": 1735689600, "issue_time": "2025-01-01T00:00:00Z",
                "explicit_max_ttl": 0, "num_uses": 0, "orphan": False, "type": "service",
                "path": "auth/token/create", "meta": None, "id": ""}
        rep = self.scan({"lookups.json": [
            {"data": dict(base, accessor="IdentityAccessor0000001", display_name="token-oncall",
                          policies=["default"], identity_policies=["ops-admin"],
                          ttl=600, expire_time="2025-06-01T00:10:00Z", renewable=True)},
            {"data": dict(base, accessor="PeriodicAccessor0000001", display_name="token-agent",
                          policies=["default"], ttl=3600, period=86400, renewable=True,
                          expire_time="2025-06-01T01:00:00Z",
                          last_renewal_time=1748732400)},
        ]})
        i = by_resource(rep, "/auth/token/accessors/IdentityAccessor0000001")
        self.assertNotEqual(i["facts"]["privilege"], "normal")
        self.assertEqual(i["facts"]["policies"], ["default", "ops-admin"])
        p = by_resource(rep, "/auth/token/accessors/PeriodicAccessor0000001")
        self.assertIsNone(p["credential"]["expires"])  # renewed for ever
        self.assertEqual(p["facts"]["expiry"], "none")
        self.assertEqual(p["facts"]["vault"]["period"], 86400)
        self.assertEqual(p["facts"]["vault"]["last_renewal_time"], 1748732400)
        self.assertIs(p["facts"]["vault"]["renewable"], True)


def main():
    global BIN
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    args, rest = ap.parse_known_args()
    BIN = os.path.abspath(args.bin)
    unittest.main(argv=[sys.argv[0]] + rest, verbosity=2)


if __name__ == "__main__":
    main()
