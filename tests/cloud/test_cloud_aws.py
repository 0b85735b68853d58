#!/usr/bin/env python3
"""End-to-end tests of 'fallback-scan cloud aws' against servers this script starts on 127.0.0.1.

  --mode moto    a real moto server (moto_fixture.py): the break-glass user's 400-day-old admin
                 key is a high-privilege fallback finding, the CI key is not, the emergency
                 secret and role are reported. Skipped (exit 77) when moto cannot be imported.
  --mode replay  recorded responses (replay_server.py): paging, AccessDenied on one call,
                 throttling and 5xx retries, the credential report's root row, how requests are
                 signed and sent; then the failure paths (rejected credentials, unreachable
                 endpoint, bad options) and credentials from a profile file.

Credentials given to the binary are fake and distinctive, and every output is checked not to
contain the secret key or the session token.
"""

import argparse
import datetime
import json
import os
import socket
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
SKIP = 77

SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEYx"
TOKEN = "FwoGZXIvYXdzEXAMPLESESSIONTOKENdoNotLeakMe0123456789"
KEY_ID = "AKIAFALLBACKSCANTEST"

failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL: " + what)


def iso(dt):
    return dt.strftime("%Y-%m-%dT%H:%M:%SZ")


def run(binary, args, home, extra_env=None):
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update({
        "HOME": home,
        "AWS_ACCESS_KEY_ID": KEY_ID,
        "AWS_SECRET_ACCESS_KEY": SECRET,
        "AWS_SESSION_TOKEN": TOKEN,
        "AWS_REGION": "us-east-1",
        "FALLBACK_SCAN_AWS_BACKOFF_MS": "1",
        "FALLBACK_SCAN_CACHE": "off",
    })
    for k, v in (extra_env or {}).items():
        if v is None:
            env.pop(k, None)
        else:
            env[k] = v
    p = subprocess.run([binary, "cloud", "aws"] + args, env=env, capture_output=True,
                       timeout=300)
    out, err = p.stdout.decode(errors="replace"), p.stderr.decode(errors="replace")
    check(SECRET not in out + err, "secret access key leaked in output of %s" % args)
    check(TOKEN not in out + err, "session token leaked in output of %s" % args)
    return p.returncode, out, err


def by(findings, **want):
    """Findings whose fields match; keys are 'kind', 'resource', 'key', 'rule'."""
    res = []
    for f in findings:
        got = {"kind": f["credential"]["kind"], "resource": f["location"]["resource"],
               "key": f["context"]["key"], "rule": f["rule"]["id"]}
        if all(got[k] == v for k, v in want.items()):
            res.append(f)
    return res


def one(findings, what, **want):
    got = by(findings, **want)
    check(len(got) == 1, "expected one finding for %s %s, got %d" % (what, want, len(got)))
    return got[0] if got else None


# moto ------------------------------------------------------------------------------------

def test_moto(binary):
    try:
        import moto  # noqa: F401
        import boto3  # noqa: F401
    except Exception as e:  # ImportError, or a broken install
        print("SKIP: moto is not importable by %s (%s); install moto[server] to run the "
              "AWS collector against a live emulator" % (sys.executable, e))
        return SKIP
    sys.path.insert(0, HERE)
    import moto_fixture

    now = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None, microsecond=0)
    server, port = moto_fixture.start()
    try:
        keys = moto_fixture.seed(port, now)
        with tempfile.TemporaryDirectory() as home:
            rc, out, err = run(binary, ["--endpoint-url", "http://127.0.0.1:%d" % port,
                                        "--now", iso(now), "--format", "json"], home)
            check(rc == 1, "moto: exit status %d, expected 1 (findings); stderr: %s" % (rc, err))
            report = json.loads(out)
            txt_rc, txt, _ = run(binary, ["--endpoint-url", "http://127.0.0.1:%d" % port,
                                          "--now", iso(now), "--no-color"], home)
            check(txt_rc == 1 and "breakglass-admin" in txt, "moto: text report")
            r1_rc, r1, _ = run(binary, ["--endpoint-url", "http://127.0.0.1:%d" % port,
                                        "--now", iso(now), "--format", "json",
                                        "--regions", "us-east-1"], home)
            one_region = json.loads(r1)
            check("scanned 0 files" not in txt and
                  "credential records from aws:%s" % moto_fixture.ACCOUNT in txt,
                  "moto: the text report says what was collected: %s" % txt[-300:])
    finally:
        server.stop()

    acct = moto_fixture.ACCOUNT
    fs = report["findings"]
    check(report["scan"]["targets"] == ["aws:" + acct], "moto: target names the account")
    check(not report["scan"]["stats"]["incomplete"],
          "moto: complete scan, diagnostics: %s" % report["scan"]["diagnostics"])
    day = datetime.timedelta(days=1)

    bg = one(fs, "break-glass key", kind="aws_access_key",
             resource="arn:aws:iam::%s:user/breakglass-admin" % acct)
    if bg:
        check(bg["location"]["source"] == "aws", "moto: break-glass key source aws")
        check(bg["rule"]["id"] == "aws.iam.access_key", "moto: break-glass key rule")
        check(bg["context"]["key"] == "breakglass-admin", "moto: key names the user")
        check(bg["credential"]["redacted"].startswith(keys["breakglass_key"][:4]),
              "moto: redacted key id")
        check(bg["fallback"]["is_fallback"], "moto: break-glass key is a fallback credential")
        check(bg["facts"]["age_days"] == 400, "moto: age 400 days, got %s" % bg["facts"]["age_days"])
        check(bg["credential"]["issued"] == iso(now - 400 * day), "moto: issued date")
        check(bg["credential"]["last_used"] == iso(now - 6 * day), "moto: last used 6 days ago")
        check(bg["facts"]["privilege"] == "high", "moto: break-glass key privilege high")
        check(any("AdministratorAccess" in e for e in bg["facts"]["privilege_evidence"]),
              "moto: privilege evidence names AdministratorAccess")
        check(bg["facts"]["tags"] == {"purpose": "break-glass"}, "moto: tags")
        check(bg["facts"].get("last_used_service") == "iam", "moto: last used service")
        # The standing-access verdict comes from the scorer: checked when it is set.
        if bg["standing_access"] is not None:
            check(bg["standing_access"] is True, "moto: break-glass key is standing access")
            print("standing_access of the break-glass key checked (scorer present)")
        else:
            print("standing_access is null (no scorer in this build): not checked")

    ci = one(fs, "CI key", kind="aws_access_key",
             resource="arn:aws:iam::%s:user/ci-deployer" % acct)
    if ci:
        check(not ci["fallback"]["is_fallback"], "moto: CI key is not a fallback credential")
        check(ci["standing_access"] is not True, "moto: CI key is not standing access")
        check(ci["facts"]["age_days"] == 2, "moto: CI key age 2 days")
        check(ci["facts"]["privilege"] == "normal", "moto: CI key privilege normal")
        check(ci["facts"]["policies"] == ["inline policy 'deploy-artifacts'"], "moto: CI policies")

    sec = [f for f in by(fs, kind="aws_secret") if f["context"]["key"] == "emergency-db-root"]
    check(len(sec) == 1, "moto: the emergency secret is reported")
    if sec:
        s = sec[0]
        check(s["location"]["resource"].startswith(
            "arn:aws:secretsmanager:us-east-1:%s:secret:emergency-db-root" % acct),
            "moto: secret ARN")
        check(s["facts"]["rotation_enabled"] is False, "moto: rotation off")
        check(s["facts"]["age_days"] == 200, "moto: secret age 200 days")
        check(s["credential"]["redacted"] == "emergency-db-root",
              "moto: a secret's name is not redacted: %s" % s["credential"]["redacted"])
        check(s["fallback"]["is_fallback"], "moto: the emergency secret is a fallback one")
    check(not [f for f in fs if f["context"]["key"] == "app/config"],
          "moto: a secret without a fallback name is not collected")

    role = one(fs, "emergency role", kind="aws_role",
               resource="arn:aws:iam::%s:role/emergency-access" % acct)
    if role:
        check(role["credential"]["last_used"] == iso(now - 3 * day), "moto: role last used")
        check(role["facts"]["trusted_principals"] == ["AWS: arn:aws:iam::%s:root" % acct],
              "moto: role trust")
        check(role["facts"]["privilege"] == "normal", "moto: SecurityAudit is not high")
    check(not by(fs, kind="aws_root_access_key"), "moto: no root key (moto has none)")
    review_estate(fs, acct, now)
    # The break-glass user's other long-term credentials, each with its user's privilege.
    for kind in ("aws_signing_certificate", "aws_ssh_public_key"):
        f = one(fs, kind, kind=kind, resource="arn:aws:iam::%s:user/breakglass-admin" % acct)
        if f:
            check(f["facts"]["privilege"] == "high" and f["fallback"]["is_fallback"] and
                  f["facts"]["status"] == "Active", "moto: %s facts %s" % (kind, f["facts"]))
    sc = [f for f in by(fs, kind="aws_server_certificate")]
    check(len(sc) == 1 and sc[0]["context"]["key"] == "breakglass-tls" and
          sc[0]["credential"]["expires"] is not None, "moto: server certificate with its expiry")

    # IAM Identity Center: the emergency user's assignment, with the permission set's privilege.
    sso = by(fs, kind="aws_sso_assignment")
    check([f["context"]["key"] for f in sso] == ["breakglass-sso"],
          "moto: only the emergency user's assignment: %s" % [f["context"]["key"] for f in sso])
    if sso:
        f = sso[0]
        check(f["facts"]["privilege"] == "high" and f["facts"]["permission_set"] ==
              "AdministratorAccess" and f["facts"]["account"] == acct and
              f["facts"]["principal_type"] == "USER" and f["facts"]["session_duration"] == "PT1H",
              "moto: SSO assignment facts %s" % f["facts"])
        check(f["fallback"]["is_fallback"] and f["standing_access"] is False and
              reasons_have(f, "an Identity Center assignment"), "moto: SSO verdict %s" % f["reasons"])

    # Roles with administrator rights assumable from outside, whatever their names.
    role = lambda n: one(fs, n, kind="aws_role", resource="arn:aws:iam::%s:role/%s" % (acct, n))
    r = role("OrganizationAccountAccessRole")
    if r:
        t = r["facts"]["trust"]
        check(t["accounts"] == [moto_fixture.OTHER_ACCOUNT] and not t["mfa_required"],
              "moto: org role trust %s" % t)
        check(r["fallback"]["is_fallback"] and r["standing_access"] is True,
              "moto: org admin role without MFA is standing access")
        check(reasons_have(r, "assumable from outside the account (account %s) without an MFA "
                           "condition" % moto_fixture.OTHER_ACCOUNT,
                           "a privileged role that outsiders may assume without MFA"),
              "moto: org role reasons %s" % r["reasons"])
    r = role("vendor-support")
    if r:
        check(r["facts"]["trust"]["external_id_required"] is True, "moto: vendor ExternalId")
        check(r["standing_access"] is True and reasons_have(r, "an ExternalId is required"),
              "moto: vendor role reasons %s" % r["reasons"])
    r = role("corp-admins")
    if r:
        check(len(r["facts"]["trust"]["federated"]) == 1 and
              "saml-provider/corp-idp" in r["facts"]["trust"]["federated"][0],
              "moto: SAML role trust %s" % r["facts"]["trust"])
        check(r["standing_access"] is True, "moto: SAML admin role standing")
    r = role("audit-admin-mfa")
    if r:
        check(r["facts"]["trust"]["mfa_required"] is True and r["standing_access"] is False,
              "moto: MFA-conditioned role not standing: %s" % r["reasons"])
        check(reasons_have(r, "only with MFA"), "moto: MFA role reason %s" % r["reasons"])
    check(not by(fs, kind="aws_role",
                 resource="arn:aws:iam::%s:role/partner-readonly" % acct),
          "moto: a read-only role assumable from outside is not collected")

    # Secrets Manager in every enabled region (DescribeRegions), or those --regions names.
    eu = [f for f in by(fs, kind="aws_secret")
          if f["context"]["key"] == "breakglass/eu-vault-recovery"]
    check(len(eu) == 1 and ":eu-west-1:" in eu[0]["location"]["resource"],
          "moto: the eu-west-1 secret is found through DescribeRegions")
    names = [f["context"]["key"] for f in by(one_region["findings"], kind="aws_secret")]
    check("breakglass/eu-vault-recovery" not in names and "breakglass/rotated" in names,
          "moto: --regions us-east-1 reads that region only: %s" % names)
    return 0


def reasons_have(f, *parts):
    return all(any(p in r for r in f["reasons"]) for p in parts)


def review_estate(fs, acct, now):
    """Issue 14: the access-review estate, each verdict and its reason checked against its facts."""
    day = datetime.timedelta(days=1)
    user = lambda n: "arn:aws:iam::%s:user/%s" % (acct, n)
    key = lambda n: one(fs, n, kind="aws_access_key", resource=user(n))

    # Privilege from the policies, not the names.
    f = key("admin-reports")
    if f:
        check(f["facts"]["privilege"] == "normal", "review: an 'admin' name with s3:GetObject is "
              "normal: %s" % f["facts"].get("privilege_evidence"))
        check(f["facts"].get("privilege_from") == "policy_evaluation", "review: privilege_from")
    for n, what in (("breakglass-s3", "AmazonS3FullAccess is not administrator"),
                    ("breakglass-denied", "Allow * with Deny * grants nothing"),
                    ("breakglass-selfkeys", "iam:CreateAccessKey on ${aws:username} is own keys"),
                    ("breakglass-split-deny", "a Deny * in another policy removes the Allow *")):
        f = key(n)
        if f:
            check(f["facts"]["privilege"] == "normal" and not f["facts"]["privilege_evidence"],
                  "review: %s: %s %s" % (what, f["facts"]["privilege"],
                                         f["facts"]["privilege_evidence"]))

    # What limits the identity policies: a permissions boundary, the SCPs of the organization.
    scp_levels = None
    f = key("breakglass-bounded")
    if f:
        check(f["facts"]["privilege"] == "normal" and not f["facts"]["privilege_evidence"] and
              f["facts"]["permissions_boundary"] == {
                  "arn": "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess",
                  "policy": "AmazonS3ReadOnlyAccess", "read": True},
              "review: admin within an S3 read-only boundary is normal: %s" % f["facts"])
        check(reasons_have(f, "managed policy 'AdministratorAccess' allows every action ('*') on "
                           "every resource, but permissions boundary 'AmazonS3ReadOnlyAccess' "
                           "allows no administrator or IAM write action"),
              "review: boundary reason %s" % f["reasons"])
        scp_levels = f["facts"].get("scp", {}).get("levels")
    r = one(fs, "bounded role", kind="aws_role",
            resource="arn:aws:iam::%s:role/breakglass-bounded-role" % acct)
    if r:
        check(r["facts"]["privilege"] == "normal" and
              r["facts"]["permissions_boundary"]["policy"] == "AmazonS3ReadOnlyAccess" and
              reasons_have(r, "permissions boundary 'AmazonS3ReadOnlyAccess' allows no "
                           "administrator"), "review: bounded role %s" % r["reasons"])
    f = key("breakglass-iam-writer")
    if f:
        check(f["facts"]["privilege"] == "normal" and not f["facts"]["privilege_evidence"],
              "review: IAM policy writes denied by an SCP: %s" % f["facts"])
        check(reasons_have(f, "allows IAM write action 'iam:AttachUserPolicy', but SCP "
                           "'DenyIAMPolicyWrites' (on account %s) denies it" % acct),
              "review: SCP reason %s" % f["reasons"])
        scp = f["facts"].get("scp", {})
        check(scp.get("applies") is True and scp.get("management_account") is False and
              [l["target"].split()[0] for l in scp.get("levels", [])] == ["root", "account"] and
              "SCP 'DenyIAMPolicyWrites' (on account %s)" % acct in scp["levels"][-1]["policies"],
              "review: facts.scp %s" % scp)
    check(scp_levels is not None, "review: facts.scp on every record")
    f = key("breakglass-admin")
    if f:
        check(f["facts"]["privilege"] == "high" and
              any("every action but the ones they exclude" in e and "DenyIAMPolicyWrites" in e
                  for e in f["facts"]["privilege_evidence"]),
              "review: an SCP denying a few actions leaves an administrator one: %s" %
              f["facts"]["privilege_evidence"])

    # Usage: a key never used since it was created 800 days ago is dormant standing access.
    f = key("breakglass-dormant")
    if f:
        check(f["facts"].get("never_used") is True and f["facts"].get("usage") == "never_used",
              "review: dormant key never_used")
        check(f["standing_access"] is True and f["facts"]["privilege"] == "high",
              "review: dormant admin key standing")
        created = (now - 800 * day).strftime("%Y-%m-%d")
        check(reasons_have(f, "never used since it was created %s, 800 days ago: dormant standing "
                           "access" % created), "review: dormant reason %s" % f["reasons"])
    f = key("breakglass-admin")
    if f:
        check(f["facts"].get("usage") == "in_use" and "never_used" not in f["facts"],
              "review: the used key is in use")
        check(reasons_have(f, "394 days after it was created > 7-day fallback window: the "
                           "fallback path has become a routine one"), "review: routine reason")

    # MFA decides the interactive verdict; no "time-bound" for what has no expiry.
    con = lambda n: one(fs, n, kind="aws_console_password", resource=user(n))
    f = con("breakglass-console-nomfa")
    if f:
        check(f["facts"].get("mfa_enabled") is False, "review: no-MFA console mfa_enabled false")
        check(f["standing_access"] is True, "review: privileged console without MFA is standing")
        check(reasons_have(f, "console password without MFA: the password alone opens the account"),
              "review: no-MFA reason %s" % f["reasons"])
    g = con("breakglass-console-mfa")
    if g:
        check(g["facts"].get("mfa_enabled") is True and g["facts"].get("mfa_devices") == 1,
              "review: MFA console facts")
        check(g["standing_access"] is False, "review: console with MFA, unused, not standing")
        check(reasons_have(g, "console password with MFA (1 device)",
                           "not standing access: an interactive account with MFA"),
              "review: MFA reasons %s" % g["reasons"])
    for x in fs:
        check(not any("time-bound" in r for r in x["reasons"]) or x["credential"]["expires"]
              or x["facts"].get("expiry_from") == "rotation",
              "review: 'time-bound' said of %s which has no expiry" % x["context"]["key"])

    # Rotation: a validity bound while kept; a missed rotation is its own reason.
    secrets = {x["context"]["key"]: x for x in by(fs, kind="aws_secret")}
    f = secrets.get("breakglass/rotated")
    check(f is not None, "review: rotated secret reported")
    if f:
        check(f["facts"]["age_days"] == 3 and f["facts"].get("issued_from") == "last_rotation",
              "review: rotated secret's age counts from its last rotation: %s" % f["facts"])
        check(f["standing_access"] is False, "review: recently rotated secret not standing")
        check(f["facts"].get("expiry_from") == "rotation", "review: rotation bounds expiry")
        check(reasons_have(f, "rotated automatically every 30 days (next rotation %s)" %
                           (now + 27 * day).strftime("%Y-%m-%d")), "review: rotation reason %s" %
              f["reasons"])
    f = secrets.get("breakglass/rotation-missed")
    check(f is not None, "review: missed-rotation secret reported")
    if f:
        check(f["facts"].get("rotation_missed") is True, "review: rotation_missed fact")
        check(f["standing_access"] is True, "review: missed rotation is standing")
        check(reasons_have(f, "rotation every 30 days was missed: next rotation was due %s, 30 "
                           "days ago" % (now - 30 * day).strftime("%Y-%m-%d")),
              "review: missed rotation reason %s" % f["reasons"])


# replay ----------------------------------------------------------------------------------

def test_replay(binary):
    sys.path.insert(0, HERE)
    import replay_server

    root = os.path.join(HERE, "replay")
    now = "2026-03-01T00:00:00Z"
    acct = "111122223333"
    server, replay, port = replay_server.start(root)
    url = "http://127.0.0.1:%d" % port
    try:
        with tempfile.TemporaryDirectory() as home:
            rc, out, err = run(binary, ["--endpoint-url", url, "--now", now, "--format", "json",
                                        "--verbose"], home)
    finally:
        server.shutdown()
    check(rc == 1, "replay: exit status %d, expected 1; stderr: %s" % (rc, err))
    report = json.loads(out)
    fs = report["findings"]
    diags = report["scan"]["diagnostics"]
    tinfo = report["scan"]["target_info"]
    check([(t["id"], t["kind"], t["account"]) for t in tinfo] == [("aws:" + acct, "cloud",
                                                                    "aws:" + acct)],
          "replay: the one target is the account: %s" % tinfo)
    check(fs and all(f["location"]["target"] == "aws:" + acct for f in fs),
          "replay: every finding names the account as its target")

    # Requests: all POST, SigV4-signed by the given key for the right service, token sent.
    check(not replay.unexpected, "replay: unexpected requests: %s" %
          [(e.get("action"), e.get("params")) for e in replay.unexpected])
    for e in replay.log:
        h = e["headers"]
        check(e["method"] == "POST", "replay: %s sent as POST" % e.get("action"))
        check(h.get("authorization", "").startswith(
            "AWS4-HMAC-SHA256 Credential=%s/" % KEY_ID), "replay: %s signed" % e.get("action"))
        check(h.get("x-amz-security-token") == TOKEN, "replay: session token header")
        check("x-amz-security-token" in h.get("authorization", ""),
              "replay: session token header is signed")
        check(SECRET not in json.dumps(h) and SECRET.encode() not in (e.get("body") or b""),
              "replay: the secret key is never sent")
    services = {(e["service"], e["action"]) for e in replay.log}
    check(("sts", "GetCallerIdentity") in services, "replay: STS called")
    check(("secretsmanager", "ListSecrets") in services, "replay: Secrets Manager called")
    sm = [e for e in replay.log if e["service"] == "secretsmanager"]
    check(all(e["headers"].get("x-amz-target") == "secretsmanager.ListSecrets" and
              e["headers"].get("content-type") == "application/x-amz-json-1.1" for e in sm),
          "replay: JSON 1.1 requests carry X-Amz-Target")
    check(len(sm) == 3, "replay: ListSecrets page 1, throttled page 2, page 2 again (got %d)"
          % len(sm))
    count = lambda action: sum(1 for e in replay.log if e.get("action") == action)
    check(count("GetAccountAuthorizationDetails") == 3, "replay: authz 503 retried, 2 pages")
    check(count("ListUsers") == 2, "replay: ListUsers paged")
    check(count("GenerateCredentialReport") == 2, "replay: report polled until COMPLETE")
    check(count("GetPolicy") == 1 and count("GetPolicyVersion") == 1,
          "replay: the AWS managed policy document is fetched once")
    logins = [e for e in replay.log if e.get("action") == "GetLoginProfile"
              and e["params"]["UserName"] == ["breakglass-ops"]]
    check(len(logins) == 2, "replay: throttled GetLoginProfile retried once")

    # Organizations refused (a member account, no delegated administrator): SCPs are not
    # evaluated, said in a non-error diagnostic; the privilege stays that of the IAM policies.
    scp = [d for d in diags if d["kind"] == "scp_unknown"]
    check(len(scp) == 1 and scp[0].get("error") is False and
          "AccessDeniedException" in scp[0]["message"] and
          "not evaluated" in scp[0]["message"], "replay: SCPs unknown diagnostic: %s" % scp)
    check([e["headers"].get("x-amz-target") for e in replay.log
           if e["service"] == "organizations"] ==
          ["AWSOrganizationsV20161128.DescribeOrganization"], "replay: one Organizations call")

    # Diagnostics: the AccessDenied call and the call that stayed throttled, nothing else.
    errs = [d for d in diags if d.get("error", True)]
    check(report["scan"]["stats"]["incomplete"], "replay: the scan is marked incomplete")
    check(len(errs) == 2, "replay: two error diagnostics, got %s" % diags)
    mfa = [e for e in replay.log if e.get("action") == "ListMFADevices"
           and e["params"]["UserName"] == ["app-reader"]]
    check(len(mfa) == 4, "replay: a call throttled for good is tried 4 times (got %d)" % len(mfa))
    throttled = [d for d in errs if "ListMFADevices" in d["message"]]
    check(len(throttled) == 1 and "Throttling" in throttled[0]["message"]
          and "after retries" in throttled[0]["message"]
          and throttled[0].get("path") == "arn:aws:iam::%s:user/app-reader" % acct,
          "replay: throttling diagnostic: %s" % throttled)
    denied = [d for d in errs if "GetAccessKeyLastUsed" in d["message"]]
    check(len(denied) == 1, "replay: AccessDenied diagnostic")
    if denied:
        d = denied[0]
        check(d["kind"] == "api_error", "replay: diagnostic kind api_error")
        check(d.get("path") == "arn:aws:iam::%s:user/emergency/breakglass-ops" % acct,
              "replay: diagnostic names the user's ARN: %s" % d)
        check("GetAccessKeyLastUsed" in d["message"] and "AccessDenied" in d["message"],
              "replay: diagnostic message: %s" % d["message"])

    bg = one(fs, "break-glass key", kind="aws_access_key",
             resource="arn:aws:iam::%s:user/emergency/breakglass-ops" % acct)
    if bg:
        check(bg["credential"]["issued"] == "2025-01-10T09:30:00Z", "replay: key issued")
        check(bg["credential"]["last_used"] == "2026-02-01T03:15:00Z",
              "replay: last used from the credential report after AccessDenied")
        check(bg["facts"]["last_used_from"] == "credential_report", "replay: last_used_from")
        check(bg["facts"]["privilege"] == "high", "replay: IAMFullAccess via group is high")
        check(any("group 'admins' managed policy 'IAMFullAccess'" in e and "iam:*" in e
                  for e in bg["facts"]["privilege_evidence"]),
              "replay: evidence names the group policy: %s" % bg["facts"]["privilege_evidence"])
        check(bg["facts"]["mfa_devices"] == 1 and bg["facts"]["mfa_enabled"] is True,
              "replay: MFA devices")
        check(bg["fallback"]["is_fallback"], "replay: break-glass key is fallback")
    con = one(fs, "console password", kind="aws_console_password",
              resource="arn:aws:iam::%s:user/emergency/breakglass-ops" % acct)
    if con:
        check(con["credential"]["issued"] == "2024-11-02T10:05:00Z", "replay: login profile date")
        check(con["credential"]["last_used"] == "2026-02-25T22:10:00Z",
              "replay: PasswordLastUsed from ListUsers")

    app = by(fs, kind="aws_access_key", resource="arn:aws:iam::%s:user/app-reader" % acct)
    check(len(app) == 2, "replay: both app-reader keys (authz page 2)")
    for f in app:
        check(f["facts"]["privilege"] == "normal", "replay: app-reader privilege normal")
        check("mfa_devices" not in f["facts"], "replay: MFA unknown after throttling")
        check(not f["fallback"]["is_fallback"], "replay: app-reader key not fallback")
        check(f["standing_access"] is not True, "replay: app-reader key not standing")
    active = [f for f in app if f["credential"]["last_used"] == "2026-02-28T07:45:00Z"]
    check(len(active) == 1 and active[0]["facts"]["last_used_service"] == "s3",
          "replay: GetAccessKeyLastUsed date and service")
    inactive = [f for f in app if f["facts"].get("status") == "Inactive"]
    check(len(inactive) == 1 and inactive[0]["credential"]["last_used"] is None,
          "replay: never-used inactive key")
    check(not by(fs, kind="aws_console_password",
                 resource="arn:aws:iam::%s:user/app-reader" % acct),
          "replay: NoSuchEntity login profile is no password")

    root = one(fs, "root key", kind="aws_root_access_key")
    if root:
        check(root["location"]["resource"] == "arn:aws:iam::%s:root" % acct, "replay: root ARN")
        check(root["credential"]["issued"] == "2019-05-01T12:00:00Z", "replay: root key rotated")
        check(root["credential"]["last_used"] == "2026-02-27T13:00:00Z", "replay: root used")
        check(root["facts"]["privilege"] == "high", "replay: root privilege")
        check(root["fallback"]["is_fallback"], "replay: root key is fallback")
        check({"term": "root access key", "where": "content"} in
              [{"term": i["term"], "where": i["where"]} for i in root["fallback"]["indicators"]],
              "replay: root indicator")
        if root["risk"]["severity"] is not None:
            check(root["risk"]["severity"] in ("critical", "high"), "replay: root severity")

    # The root user's sign-in: the report saw the password used; AccountMFAEnabled (the
    # summary, current) says MFA is on, though the hours-old report said false.
    rcon = one(fs, "root sign-in", kind="aws_root_console_password")
    if rcon:
        check(rcon["location"]["resource"] == "arn:aws:iam::%s:root" % acct, "replay: root ARN")
        check(rcon["facts"]["mfa_enabled"] is True and
              rcon["facts"]["mfa_from"] == "iam:GetAccountSummary", "replay: root MFA from summary")
        check(rcon["credential"]["last_used"] == "2026-01-20T10:00:00Z", "replay: root password use")
        check(rcon["standing_access"] is False and
              any("console password with MFA" in r for r in rcon["reasons"]),
              "replay: root with MFA, used once: %s" % rcon["reasons"])
    if root:
        check(root["standing_access"] is True and
              any("CIS AWS 1.4" in r for r in root["reasons"]), "replay: root key standing")

    ssh = one(fs, "SSH key", kind="aws_ssh_public_key",
              resource="arn:aws:iam::%s:user/emergency/breakglass-ops" % acct)
    if ssh:
        check(ssh["credential"]["issued"] == "2024-12-01T08:00:00Z" and
              ssh["facts"]["status"] == "Active", "replay: SSH key from page 2 of ListSSHPublicKeys")
        check(ssh["facts"]["privilege"] == "high", "replay: the SSH key has its user's privilege")
    # The signing certificate: listed by ListSigningCertificates and joined with the credential
    # report's cert_1 columns (same upload time): one record, not two.
    certs = by(fs, kind="aws_signing_certificate",
               resource="arn:aws:iam::%s:user/emergency/breakglass-ops" % acct)
    check(len(certs) == 1 and certs[0]["facts"].get("cert_slot") == 1 and
          certs[0]["credential"]["issued"] == "2024-12-15T08:00:00Z" and
          certs[0]["facts"]["privilege"] == "high",
          "replay: signing certificate joined with the report's cert_1: %s" %
          [(f["facts"], f["credential"]["issued"]) for f in certs])
    ssc = one(fs, "service-specific credential", kind="aws_service_specific_credential",
              resource="arn:aws:iam::%s:user/emergency/breakglass-ops" % acct)
    if ssc:
        check(ssc["facts"]["service_name"] == "codecommit.amazonaws.com" and
              ssc["facts"]["status"] == "Inactive" and ssc["standing_access"] is False,
              "replay: service-specific credential %s" % ssc["facts"])

    roles = by(fs, kind="aws_role")
    check([r["context"]["key"] for r in roles] == ["emergency-access-role"],
          "replay: only the fallback role (page 2): %s" % [r["context"]["key"] for r in roles])
    if roles:
        r = roles[0]
        check(r["credential"]["last_used"] == "2026-01-15T16:30:00Z", "replay: RoleLastUsed")
        check(r["facts"]["privilege"] == "high" and any(
            "EscalateIAM" in e and "iam:Put*Policy" in e for e in r["facts"]["privilege_evidence"]),
            "replay: customer managed policy default version evaluated")
        check(r["facts"]["trusted_principals"] == [
            "AWS: arn:aws:iam::111122223333:root", "AWS: arn:aws:iam::444455556666:role/secops"],
            "replay: trust principals")
    check("nested-role-must-not-leak" not in out, "replay: instance profile roles stay nested")

    secrets = {f["context"]["key"]: f for f in by(fs, kind="aws_secret")}
    check(sorted(secrets) == ["breakglass/db-admin", "vault-unseal-shares"],
          "replay: fallback secrets from both pages: %s" % sorted(secrets))
    s = secrets.get("breakglass/db-admin")
    if s:
        check(s["facts"]["rotation_enabled"] is False, "replay: omitted RotationEnabled is false")
        check(s["credential"]["issued"] == "2022-04-15T05:20:00Z", "replay: epoch CreatedDate")
        check(s["credential"]["last_used"] == "2026-02-26T00:00:00Z", "replay: LastAccessedDate")
    s = secrets.get("vault-unseal-shares")
    if s:
        check(s["credential"]["issued"] == "2021-09-09T09:09:09Z", "replay: ISO CreatedDate")
        check(s["credential"]["last_used"] is None, "replay: null LastAccessedDate")
        check(s["facts"]["tags"] == {"purpose": "disaster-recovery"}, "replay: secret tags")
    return 0


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def test_errors(binary):
    sys.path.insert(0, HERE)
    import replay_server

    root = os.path.join(HERE, "replay")
    with tempfile.TemporaryDirectory() as home:
        server, replay, port = replay_server.start(root, mode="reject")
        try:
            rc, out, err = run(binary, ["--endpoint-url", "http://127.0.0.1:%d" % port], home)
        finally:
            server.shutdown()
        check(rc == 2, "reject: exit status %d, expected 2" % rc)
        check("rejected" in err and "InvalidClientTokenId" in err, "reject: message: %s" % err)
        check(len(replay.log) == 1, "reject: nothing is called after STS fails")

        port = free_port()
        rc, out, err = run(binary, ["--endpoint-url", "http://127.0.0.1:%d/" % port], home)
        check(rc == 2, "unreachable: exit status %d, expected 2" % rc)
        check("127.0.0.1:%d" % port in err, "unreachable: message names the URL: %s" % err)

        rc, out, err = run(binary, ["--endpoint-url", "http://user:pw@127.0.0.1:1/"], home)
        check(rc == 2 and "user information" in err, "endpoint with credentials refused")
        rc, out, err = run(binary, [], home, {"AWS_ACCESS_KEY_ID": None,
                                              "AWS_SECRET_ACCESS_KEY": None})
        check(rc == 2 and "no AWS credentials" in err, "no credentials: %s" % err)
        rc, out, err = run(binary, ["--profile", "missing"], home)
        check(rc == 2 and "profile 'missing' not found" in err, "missing profile: %s" % err)
        p = subprocess.run([binary, "cloud", "nimbus"], capture_output=True)
        check(p.returncode == 2 and b"not supported" in p.stderr, "unknown provider")

        # A profile from ~/.aws: its key signs the requests (not the environment's).
        os.makedirs(os.path.join(home, ".aws"))
        with open(os.path.join(home, ".aws", "credentials"), "w") as f:
            f.write("[default]\naws_access_key_id = AKIAWRONGWRONGWRONG1\n"
                    "aws_secret_access_key = wrong\n\n"
                    "[audit]\naws_access_key_id = AKIAPROFILEPROFILE01\n"
                    "aws_secret_access_key = %s\n" % SECRET)
        with open(os.path.join(home, ".aws", "config"), "w") as f:
            f.write("[profile audit]\nregion = eu-west-1\n")
        # (The account is also its organization's management account: SCPs do not apply.)
        server, replay, port = replay_server.start(root, mode="management")
        try:
            rc, out, err = run(binary, ["--profile", "audit", "--endpoint-url",
                                        "http://127.0.0.1:%d" % port, "--format", "json",
                                        "--verbose"],
                               home, {"AWS_REGION": None})
        finally:
            server.shutdown()
        check(rc == 1, "profile: exit status %d; stderr %s" % (rc, err))
        rep = json.loads(out)
        mgmt = [d for d in rep["scan"]["diagnostics"] if d["kind"] == "scp_management_account"]
        check(len(mgmt) == 1 and mgmt[0]["error"] is False and
              "service control policies do not apply" in mgmt[0]["message"],
              "management account: diagnostic %s" % rep["scan"]["diagnostics"])
        check(rep["findings"] and all(
            f["facts"].get("scp", {}).get("management_account") is True and
            f["facts"]["scp"]["applies"] is False for f in rep["findings"]
            if f["credential"]["kind"] == "aws_access_key"),
              "management account: facts.scp says SCPs do not apply")
        check([e["action"] for e in replay.log if e["service"] == "organizations"] ==
              ["DescribeOrganization"], "management account: no SCP is read")
        auth = [e["headers"]["authorization"] for e in replay.log]
        check(auth and all("Credential=AKIAPROFILEPROFILE01/" in a for a in auth),
              "profile: requests signed with the profile's key")
        sm = [a for a in auth if "/secretsmanager/" in a]
        check(sm and all("/eu-west-1/secretsmanager/aws4_request" in a for a in sm),
              "profile: Secrets Manager signed for the profile's region")
        check(all("x-amz-security-token" not in e["headers"] for e in replay.log),
              "profile: no session token from the environment")
    return 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--mode", choices=["moto", "replay", "errors"], required=True)
    a = ap.parse_args()
    rc = {"moto": test_moto, "replay": test_replay, "errors": test_errors}[a.mode](a.bin)
    if rc == SKIP:
        return SKIP
    if failures:
        print("%d check(s) failed" % len(failures))
        return 1
    print("ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
