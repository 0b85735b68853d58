"""An AWS account for the collector's tests: moto's ThreadedMotoServer in this process on
127.0.0.1 (a free port), seeded through boto3, then backdated by editing moto's stored objects
(creation and last-used dates cannot be set through the API).

The estate, relative to `now` (the report's --now):
  - user "breakglass-admin": AdministratorAccess (an AWS managed policy, loaded because
    MOTO_IAM_LOAD_MANAGED_POLICIES=true), tag purpose=break-glass, one access key created 400
    days ago and last used 6 days ago (iam, us-east-1);
  - user "ci-deployer": an inline policy writing one S3 bucket, one key created 2 days ago;
  - role "emergency-access": trusted by the account root, SecurityAudit attached, created 300
    days ago, last used 3 days ago;
  - secret "emergency-db-root": rotation off, created 200 days ago;
  - secret "app/config": not a fallback name (must not be collected).

Run directly (python3 moto_fixture.py) it prints the port and serves until interrupted.
moto's credential report has no root row and its ListUsers ignores paging: those paths are
tested with the replay server (replay_server.py) instead.
"""

import datetime
import json
import logging
import os

ACCOUNT = "123456789012"
REGION = "us-east-1"


def start():
    """Start moto; returns (server, port)."""
    os.environ["MOTO_IAM_LOAD_MANAGED_POLICIES"] = "true"
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no access log
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    return server, server.get_host_and_port()[1]


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
    secrets = secretsmanager_backends[ACCOUNT][REGION].secrets
    epoch = int((now - 200 * days).replace(tzinfo=datetime.timezone.utc).timestamp())
    secrets["emergency-db-root"].created_date = epoch
    secrets["emergency-db-root"].last_changed_date = epoch
    return {"breakglass_key": bg_key, "ci_key": ci_key}


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
