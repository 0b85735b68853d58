"""An AWS account for the collector's tests: moto's ThreadedMotoServer in this process on
127.0.0.1 (a free port), seeded through boto3, then backdated by editing moto's stored objects
(creation and last-used dates cannot be set through the API).

The estate, relative to `now` (the report's --now):
  - user "breakglass-admin": AdministratorAccess (an AWS managed policy, loaded because
    MOTO_IAM_LOAD_MANAGED_POLICIES=true), tag purpose=break-glass, one access key created 400
    days ago and last used 6 days ago (iam, us-east-1); also a signing certificate and an SSH
    public key (moto 5 fails on service-specific credentials: the replay serves one); server
    certificate "breakglass-tls";
  - user "ci-deployer": an inline policy writing one S3 bucket, one key created 2 days ago;
  - role "emergency-access": trusted by the account root, SecurityAudit attached, created 300
    days ago, last used 3 days ago;
  - secret "emergency-db-root": rotation off, created 200 days ago;
  - secret "app/config": not a fallback name (must not be collected).

The access-review estate (issue 14), each user with one key unless said otherwise:
  - "admin-reports": s3:GetObject on one bucket (an "admin" name, a normal policy);
  - "breakglass-s3": AmazonS3FullAccess (a "FullAccess" name that is not administrator);
  - "breakglass-denied": Allow * and Deny * in one inline policy (grants nothing);
  - "breakglass-selfkeys": iam:CreateAccessKey on user/${aws:username} (own keys only);
  - "breakglass-split-deny": AdministratorAccess, and Deny * in a separate inline policy;
  - "breakglass-dormant": AdministratorAccess, a key created 800 days ago and never used;
  - "breakglass-console-nomfa": AdministratorAccess, a console password (400 days), no MFA, no key;
  - "breakglass-console-mfa": AdministratorAccess, a console password (400 days), a virtual MFA
    device, no key;
  - secret "breakglass/rotated": rotation every 30 days, last rotated 3 days ago;
  - secret "breakglass/eu-vault-recovery" in eu-west-1 (Secrets Manager is regional);
  - roles with AdministratorAccess assumable from outside, whatever their names:
    "OrganizationAccountAccessRole" (another account, no condition), "vendor-support" (a
    vendor's account with an ExternalId), "corp-admins" (SAML federation), "audit-admin-mfa"
    (another account, MFA required); "partner-readonly" (ReadOnlyAccess: not collected);
  - IAM Identity Center: user "breakglass-sso" assigned AdministratorAccess, group "developers"
    assigned ReadOnly (not a fallback name: not collected).
  - secret "breakglass/rotation-missed": rotation every 30 days, last rotated 60 days ago, the
    next rotation due 30 days ago.
  - what limits the identity policies: "breakglass-bounded" (user, AdministratorAccess, one key
    400 days old, never used) and "breakglass-bounded-role" (trusted by the account, 300 days) have the permissions boundary
    AmazonS3ReadOnlyAccess; the account is a member of an organization (management account
    OTHER_ACCOUNT) whose SCP "DenyIAMPolicyWrites" on the account denies writing IAM policies,
    and "breakglass-iam-writer" (one key, 400 days, never used) may only do that
    (iam:AttachUserPolicy, iam:PutUserPolicy).
    moto answers the account's Organizations calls as for a delegated administrator.

Run directly (python3 moto_fixture.py) it prints the port and serves until interrupted.
moto's credential report has no root row and its ListUsers ignores paging: those paths are
tested with the replay server (replay_server.py) instead.
"""

import datetime
import json
import logging
import os

ACCOUNT = "123456789012"
OTHER_ACCOUNT = "999988887777"   # the organisation's management account
VENDOR_ACCOUNT = "444455556666"  # a support vendor
REGION = "us-east-1"
S3_READ_ONLY = "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"


def start():
    """Start moto; returns (server, port)."""
    os.environ["MOTO_IAM_LOAD_MANAGED_POLICIES"] = "true"
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no access log
    from moto.iam.responses import IamResponse
    from moto.server import ThreadedMotoServer

    if not hasattr(IamResponse, "list_service_specific_credentials"):
        # moto 5 does not implement it (NotImplementedError, HTTP 500): answer as AWS does for a
        # user with none.
        IamResponse.list_service_specific_credentials = lambda self: (
            "<ListServiceSpecificCredentialsResponse><ListServiceSpecificCredentialsResult>"
            "<ServiceSpecificCredentials/><IsTruncated>false</IsTruncated>"
            "</ListServiceSpecificCredentialsResult></ListServiceSpecificCredentialsResponse>")

    from moto.organizations.models import OrganizationsBackend, organizations_backends

    if not getattr(OrganizationsBackend, "_fbs_delegated", False):
        # moto answers a member account's ListParents, ListPoliciesForTarget and DescribePolicy
        # from that account's own (empty) backend; AWS answers them for a member account that is
        # a delegated administrator for policies. Answer as the organization does.
        def delegated(name):
            orig = getattr(OrganizationsBackend, name)

            def call(self, *args, **kw):
                if self.org is None and self.account_id in organizations_backends.master_accounts:
                    master, part = organizations_backends.master_accounts[self.account_id]
                    return getattr(organizations_backends[master][part], name)(*args, **kw)
                return orig(self, *args, **kw)
            setattr(OrganizationsBackend, name, call)

        for name in ("list_parents", "list_policies_for_target", "describe_policy"):
            delegated(name)
        OrganizationsBackend._fbs_delegated = True

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    return server, server.get_host_and_port()[1]


SSH_PUBLIC_KEY = ("ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAAAgQDZtest000000000000000000000000000000000"
                  "00000000000000000000000000000000000000000000000000000000000000000000000000000"
                  "0000000000000000000000000000000000000000000000 breakglass@example")


def self_signed(cn, now):
    """A throwaway self-signed certificate and key (PEM strings), valid from now for 30 days."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now).not_valid_after(now + datetime.timedelta(days=30))
            .sign(key, hashes.SHA256()))
    return (cert.public_bytes(serialization.Encoding.PEM).decode(),
            key.private_bytes(serialization.Encoding.PEM,
                              serialization.PrivateFormat.TraditionalOpenSSL,
                              serialization.NoEncryption()).decode())


def seed(port, now):
    """Create the estate through the API, then backdate it. `now` is a naive UTC datetime."""
    import boto3
    from moto.iam.models import AccessKeyLastUsed, iam_backends
    from moto.secretsmanager.models import secretsmanager_backends

    kw = dict(endpoint_url="http://127.0.0.1:%d" % port, region_name=REGION,
              aws_access_key_id="AKIASEEDSEEDSEEDSEED", aws_secret_access_key="seed-secret")
    iam = boto3.client("iam", **kw)
    sm = boto3.client("secretsmanager", **kw)

    iam.create_user(UserName="breakglass-admin",
                    Tags=[{"Key": "purpose", "Value": "break-glass"}])
    iam.attach_user_policy(UserName="breakglass-admin",
                           PolicyArn="arn:aws:iam::aws:policy/AdministratorAccess")
    bg_key = iam.create_access_key(UserName="breakglass-admin")["AccessKey"]["AccessKeyId"]

    # The break-glass user's other long-term credentials, and a server certificate.
    cert_pem, key_pem = self_signed("breakglass-admin", now)
    iam.upload_signing_certificate(UserName="breakglass-admin", CertificateBody=cert_pem)
    iam.upload_ssh_public_key(UserName="breakglass-admin", SSHPublicKeyBody=SSH_PUBLIC_KEY)
    iam.upload_server_certificate(ServerCertificateName="breakglass-tls",
                                  CertificateBody=cert_pem, PrivateKey=key_pem)

    iam.create_user(UserName="ci-deployer")
    iam.put_user_policy(
        UserName="ci-deployer", PolicyName="deploy-artifacts",
        PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Action": ["s3:PutObject"],
            "Resource": "arn:aws:s3:::artifacts/*"}]}))
    ci_key = iam.create_access_key(UserName="ci-deployer")["AccessKey"]["AccessKeyId"]

    iam.create_role(
        RoleName="emergency-access",
        AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::%s:root" % ACCOUNT},
            "Action": "sts:AssumeRole"}]}))
    iam.attach_role_policy(RoleName="emergency-access",
                           PolicyArn="arn:aws:iam::aws:policy/SecurityAudit")

    sm.create_secret(Name="emergency-db-root", SecretString="not-a-real-password",
                     Description="database root for incidents")
    sm.create_secret(Name="app/config", SecretString="{}")

    def user(name, policy=None, managed=None, key=True):
        iam.create_user(UserName=name)
        if policy:
            iam.put_user_policy(UserName=name, PolicyName=name + "-policy",
                                PolicyDocument=json.dumps({"Version": "2012-10-17",
                                                           "Statement": policy}))
        if managed:
            iam.attach_user_policy(UserName=name,
                                   PolicyArn="arn:aws:iam::aws:policy/" + managed)
        if key:
            return iam.create_access_key(UserName=name)["AccessKey"]["AccessKeyId"]
        return None

    user("admin-reports", [{"Effect": "Allow", "Action": "s3:GetObject",
                            "Resource": "arn:aws:s3:::reports/*"}])
    user("breakglass-s3", managed="AmazonS3FullAccess")
    user("breakglass-denied", [{"Effect": "Allow", "Action": "*", "Resource": "*"},
                               {"Effect": "Deny", "Action": "*", "Resource": "*"}])
    user("breakglass-selfkeys", [{"Effect": "Allow", "Action": "iam:CreateAccessKey",
                                  "Resource": "arn:aws:iam::*:user/${aws:username}"}])
    user("breakglass-split-deny", managed="AdministratorAccess")
    iam.put_user_policy(UserName="breakglass-split-deny", PolicyName="deny-all",
                        PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [
                            {"Effect": "Deny", "Action": "*", "Resource": "*"}]}))
    dormant_key = user("breakglass-dormant", managed="AdministratorAccess")
    for name in ("breakglass-console-nomfa", "breakglass-console-mfa"):
        user(name, managed="AdministratorAccess", key=False)
        iam.create_login_profile(UserName=name, Password="Not-a-real-Passw0rd!")
    serial = iam.create_virtual_mfa_device(
        VirtualMFADeviceName="breakglass-console-mfa")["VirtualMFADevice"]["SerialNumber"]
    iam.enable_mfa_device(UserName="breakglass-console-mfa", SerialNumber=serial,
                          AuthenticationCode1="123456", AuthenticationCode2="654321")
    boto3.client("secretsmanager", **dict(kw, region_name="eu-west-1")).create_secret(
        Name="breakglass/eu-vault-recovery", SecretString="not-a-real-password")
    def role(name, principal, condition=None, managed="AdministratorAccess"):
        st = {"Effect": "Allow", "Principal": principal,
              "Action": "sts:AssumeRoleWithSAML" if "Federated" in principal
              else "sts:AssumeRole"}
        if condition:
            st["Condition"] = condition
        iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(
            {"Version": "2012-10-17", "Statement": [st]}))
        iam.attach_role_policy(RoleName=name, PolicyArn="arn:aws:iam::aws:policy/" + managed)

    saml = iam.create_saml_provider(Name="corp-idp", SAMLMetadataDocument="<md/>" * 200)
    role("OrganizationAccountAccessRole", {"AWS": "arn:aws:iam::%s:root" % OTHER_ACCOUNT})
    role("vendor-support", {"AWS": "arn:aws:iam::%s:root" % VENDOR_ACCOUNT},
         {"StringEquals": {"sts:ExternalId": "vendor-4711"}})
    role("corp-admins", {"Federated": saml["SAMLProviderArn"]},
         {"StringEquals": {"SAML:aud": "https://signin.aws.amazon.com/saml"}})
    role("audit-admin-mfa", {"AWS": "arn:aws:iam::%s:root" % OTHER_ACCOUNT},
         {"Bool": {"aws:MultiFactorAuthPresent": "true"}})
    role("partner-readonly", {"AWS": "arn:aws:iam::%s:root" % OTHER_ACCOUNT},
         managed="ReadOnlyAccess")
    # IAM Identity Center: an emergency user and an ordinary group, each assigned a permission
    # set in this account.
    sso = boto3.client("sso-admin", **kw)
    ids = boto3.client("identitystore", **kw)
    inst = sso.list_instances()["Instances"][0]
    store = inst["IdentityStoreId"]

    def permission_set(name, managed):
        arn = sso.create_permission_set(InstanceArn=inst["InstanceArn"], Name=name,
                                        SessionDuration="PT1H")["PermissionSet"]["PermissionSetArn"]
        sso.attach_managed_policy_to_permission_set(
            InstanceArn=inst["InstanceArn"], PermissionSetArn=arn,
            ManagedPolicyArn="arn:aws:iam::aws:policy/" + managed)
        return arn

    admin_ps = permission_set("AdministratorAccess", "AdministratorAccess")
    read_ps = permission_set("ReadOnly", "ReadOnlyAccess")
    bg_user = ids.create_user(IdentityStoreId=store, UserName="breakglass-sso",
                              DisplayName="Emergency access",
                              Name={"GivenName": "Break", "FamilyName": "Glass"})["UserId"]
    devs = ids.create_group(IdentityStoreId=store, DisplayName="developers")["GroupId"]
    for ps, ptype, pid in ((admin_ps, "USER", bg_user), (read_ps, "GROUP", devs)):
        sso.create_account_assignment(InstanceArn=inst["InstanceArn"], TargetId=ACCOUNT,
                                      TargetType="AWS_ACCOUNT", PermissionSetArn=ps,
                                      PrincipalType=ptype, PrincipalId=pid)
        sso.provision_permission_set(InstanceArn=inst["InstanceArn"], PermissionSetArn=ps,
                                     TargetType="AWS_ACCOUNT", TargetId=ACCOUNT)
    # What limits the identity policies (issue 14): permissions boundaries and SCPs.
    writer_key = user("breakglass-iam-writer", [{"Effect": "Allow",
                                    "Action": ["iam:AttachUserPolicy", "iam:PutUserPolicy"],
                                    "Resource": "*"}])
    bounded_key = user("breakglass-bounded", managed="AdministratorAccess")
    iam.create_role(RoleName="breakglass-bounded-role",
                    AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [{
                        "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::%s:root" % ACCOUNT},
                        "Action": "sts:AssumeRole"}]}),
                    PermissionsBoundary=S3_READ_ONLY)
    iam.attach_role_policy(RoleName="breakglass-bounded-role",
                           PolicyArn="arn:aws:iam::aws:policy/AdministratorAccess")
    org_id, deny_scp = organization(kw)
    sm.create_secret(Name="breakglass/rotated", SecretString="not-a-real-password")
    sm.create_secret(Name="breakglass/rotation-missed", SecretString="not-a-real-password")

    # Backdate: moto keeps naive UTC datetimes.
    backend = iam_backends[ACCOUNT]["aws"]
    days = datetime.timedelta(days=1)
    for user in ("breakglass-admin", "ci-deployer"):
        for key in backend.users[user].access_keys:
            if key.access_key_id == bg_key:
                key.create_date = now - 400 * days
                key.last_used = AccessKeyLastUsed(now - 6 * days, "iam", REGION)
            elif key.access_key_id == ci_key:
                key.create_date = now - 2 * days
    role = backend.roles[backend.get_role("emergency-access").id]
    role.create_date = now - 300 * days
    role.last_used = now - 3 * days
    role.last_used_region = REGION
    for key in backend.users["breakglass-dormant"].access_keys:
        if key.access_key_id == dormant_key:
            key.create_date = now - 800 * days
    for name in ("breakglass-console-nomfa", "breakglass-console-mfa"):
        backend.users[name].create_date = now - 400 * days
        backend.users[name].password_last_used = None
    secrets = secretsmanager_backends[ACCOUNT][REGION].secrets

    def epoch(ago):
        return int((now - ago * days).replace(tzinfo=datetime.timezone.utc).timestamp())

    secrets["emergency-db-root"].created_date = epoch(200)
    secrets["emergency-db-root"].last_changed_date = epoch(200)
    for name, last in (("breakglass/rotated", 3), ("breakglass/rotation-missed", 60)):
        sec = secrets[name]
        sec.created_date = epoch(400)
        sec.rotation_requested = True
        sec.rotation_enabled = True
        sec.rotation_lambda_arn = "arn:aws:lambda:%s:%s:function:rotate" % (REGION, ACCOUNT)
        sec.auto_rotate_after_days = 30
        sec.last_rotation_date = epoch(last)
        sec.next_rotation_date = epoch(last - 30)
        sec.last_changed_date = epoch(last)
    # moto 5 has no put_user_permissions_boundary: set the boundary GetAccountAuthorizationDetails
    # reports for the user (UserDetail.PermissionsBoundary), as AWS does.
    for name, key in (("breakglass-bounded", bounded_key), ("breakglass-iam-writer", writer_key)):
        for k in backend.users[name].access_keys:
            if k.access_key_id == key:
                k.create_date = now - 400 * days
    role = backend.roles[backend.get_role("breakglass-bounded-role").id]
    role.create_date = now - 300 * days
    backend.users["breakglass-bounded"].permissions_boundary = {
        "PermissionsBoundaryType": "PermissionsBoundaryPolicy",
        "PermissionsBoundaryArn": S3_READ_ONLY}
    return {"breakglass_key": bg_key, "ci_key": ci_key, "dormant_key": dormant_key,
            "bounded_key": bounded_key, "organization": org_id, "deny_scp": deny_scp}


def organization(kw):
    """An organization whose management account is OTHER_ACCOUNT, with ACCOUNT a member of it
    (moto creates member accounts with random ids: the new one is renamed ACCOUNT), and an SCP
    on ACCOUNT that denies writing IAM policies. Returns (organization id, SCP id)."""
    import boto3
    from moto.organizations.models import organizations_backends

    creds = boto3.client("sts", **kw).assume_role(
        RoleArn="arn:aws:iam::%s:role/OrganizationAccountAccessRole" % OTHER_ACCOUNT,
        RoleSessionName="seed")["Credentials"]
    org = boto3.client("organizations", endpoint_url=kw["endpoint_url"], region_name=REGION,
                       aws_access_key_id=creds["AccessKeyId"],
                       aws_secret_access_key=creds["SecretAccessKey"],
                       aws_session_token=creds["SessionToken"])
    org_id = org.create_organization(FeatureSet="ALL")["Organization"]["Id"]
    new = org.create_account(Email="estate@example.com", AccountName="estate")
    new_id = new["CreateAccountStatus"]["AccountId"]
    master = organizations_backends[OTHER_ACCOUNT]["aws"]
    acct = [a for a in master.accounts if a.id == new_id][0]
    organizations_backends.master_accounts.pop(new_id)
    acct.id = ACCOUNT
    organizations_backends.master_accounts[ACCOUNT] = (OTHER_ACCOUNT, "aws")
    scp = org.create_policy(
        Name="DenyIAMPolicyWrites", Type="SERVICE_CONTROL_POLICY",
        Description="no one in member accounts writes IAM policies",
        Content=json.dumps({"Version": "2012-10-17", "Statement": [{
            "Effect": "Deny", "Resource": "*",
            "Action": ["iam:Attach*Policy", "iam:Put*Policy", "iam:CreatePolicyVersion",
                       "iam:SetDefaultPolicyVersion"]}]}))["Policy"]["PolicySummary"]["Id"]
    org.attach_policy(PolicyId=scp, TargetId=ACCOUNT)
    return org_id, scp


if __name__ == "__main__":
    import time

    srv, p = start()
    info = seed(p, datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None,
                                                                         microsecond=0))
    print(p, json.dumps(info), flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        srv.stop()
