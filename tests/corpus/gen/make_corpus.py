#!/usr/bin/env python3
"""Generate tests/corpus/ (files, versions, history.yml, labels.yml) from the definitions here.

  python3 tests/corpus/gen/make_corpus.py            # rewrites tests/corpus/{repo,versions}, *.yml

Needs python3-yaml and python3-cryptography (key material). The corpus is a fictional company's
("Larkspur") platform repository, built as git history by measure.py from history.yml. Labels
are the truth a security engineer would assign: what is a secret, which secrets are fallback
(exception-path) credentials, and which of those are standing access at NOW under the default
policy (DESIGN.md: 7-day fallback window; age from the credential's own issue date, else the
commit that introduced it; expired credentials are not standing; history-only exposure counts).

Definitions are grouped by commit, oldest first. Every credential is fake.
"""
import os
import shutil
import sys

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import values as V  # noqa: E402
from framework import Corpus, render  # noqa: E402

NOW = "2026-11-23T00:00:00Z"
C = Corpus(NOW)
S = C.secret

MAYA = "Maya Lindqvist <maya.lindqvist@larkspur.io>"
TOMAS = "Tomás Ferreira <tomas.ferreira@larkspur.io>"
PRIYA = "Priya Raman <priya.raman@larkspur.io>"
BEN = "Ben Okafor <ben.okafor@larkspur.io>"
CHEN = "Chen Wei <chen.wei@larkspur.io>"

# =============================================================================================
# c01 2024-02-14 - initial import: mostly ordinary files and hard negatives
# =============================================================================================
C.commit("c01", "2024-02-14T09:30:00Z", MAYA, "Initial import of the platform monorepo")

C.write("c01", "README.md", """\
# larkspur-platform

Infrastructure, service configuration and runbooks for the Larkspur platform.

| area | where |
|---|---|
| AWS accounts, RDS, IAM | `terraform/` |
| Kubernetes manifests | `k8s/`, `helm/` |
| Host configuration | `ansible/` |
| Runbooks | `docs/runbooks/` |

Secrets belong in Vault (`vault kv get secret/<team>/<app>`) or 1Password, never in this repo.
Emergency contact for the platform on-call: ⟦N:phone number of the on-call, not a credential⟧+1-555-0142 (PagerDuty bridge).
""")

C.write("c01", "k8s/base/deployment.yaml", """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: payments-api
  labels:
    app: payments-api
spec:
  replicas: 3
  selector:
    matchLabels:
      app: payments-api
  template:
    metadata:
      labels:
        app: payments-api
    spec:
      containers:
        - name: api
          image: registry.larkspur.io/payments/api@sha256:⟦N:image digest⟧%s
          env:
            - name: DB_PASSWORD
              valueFrom:
                secretKeyRef:
                  name: payments-secrets
                  key: ⟦N:name of a key in a Secret⟧DB_PASSWORD
            - name: BACKUP_SCHEDULE
              value: ⟦N:fallback-sounding word near a non-secret⟧"0 3 * * *"
          resources:
            limits:
              memory: 512Mi
""" % V.sha256_hex())

C.write("c01", "package-lock.json", """\
{
  "name": "ops-console",
  "version": "2.4.1",
  "lockfileVersion": 3,
  "requires": true,
  "packages": {
    "node_modules/jsonwebtoken": {
      "version": "9.0.2",
      "resolved": "https://registry.npmjs.org/jsonwebtoken/-/jsonwebtoken-9.0.2.tgz",
      "integrity": "⟦N:subresource integrity hash⟧%s",
      "license": "MIT"
    },
    "node_modules/otplib": {
      "version": "12.0.1",
      "resolved": "https://registry.npmjs.org/otplib/-/otplib-12.0.1.tgz",
      "integrity": "⟦N:subresource integrity hash⟧%s",
      "license": "MIT"
    }
  }
}
""" % (V.sri_sha512(), V.sri_sha512()))

C.write("c01", ".sops.yaml", """\
creation_rules:
  - path_regex: secrets/.*\\.enc\\.yaml$
    kms: arn:aws:kms:eu-west-1:318476520941:key/6b1f5c2e-8f0a-4d1e-9b7c-2f3e4a5b6c7d
    age: ⟦N:age recipient (public key)⟧age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p
""")

C.write("c01", "docs/onboarding/aws-cli.md", """\
# AWS CLI access

Use SSO: `aws configure sso --profile larkspur-prod`. Never create long-lived access keys.

If a tool insists on static keys, the file looks like this (AWS's documentation values):

```ini
[default]
aws_access_key_id = ⟦N:AWS documentation example key id⟧AKIAIOSFODNN7EXAMPLE
aws_secret_access_key = ⟦N:AWS documentation example secret⟧wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY
```

The break-glass role is `⟦N:role ARN, an identifier⟧arn:aws:iam::318476520941:role/BreakGlassAdmin`; see
`docs/runbooks/break-glass-aws.md` for when you may assume it.
""")

bad_ghp = V.github_token_bad_crc("ghp_")
C.write("c01", "docs/onboarding/github.md", """\
# GitHub tokens

Prefer the GitHub CLI (`gh auth login`), which stores an OAuth token in your keychain.

When a script needs a token, create a fine-grained PAT with an expiry and export it:

```sh
export GITHUB_TOKEN=⟦N:angle-bracket placeholder⟧<your-fine-grained-token>
```

A classic token looks like `⟦N:token-shaped string with a wrong CRC32 checksum⟧%s` (this one is made up and
its checksum does not match). Org owners: your 2FA recovery codes go into the security team's
1Password vault "Org Owners - Break Glass", not into a file here.
""" % bad_ghp)

C.write("c01", "docs/api/auth.md", """\
# Ops console API authentication

Requests carry a bearer JWT signed by the ops console (HS256, 1 hour). The example below is the
well-known token from jwt.io, not one of ours:

```http
GET /api/v1/deployments HTTP/1.1
Authorization: Bearer ⟦N:the jwt.io documentation example token⟧eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c
```

Operators enrol TOTP in the console; the QR code encodes a URI such as
`⟦N:documentation example TOTP URI (Google Authenticator wiki secret)⟧otpauth://totp/Example:alice@google.com?secret=JBSWY3DPEHPK3PXP&issuer=Example`.
Emergency access (when SSO is down) is described in `docs/runbooks/ops-console-emergency.md`.
""")

C.write("c01", "ansible/ansible.cfg", """\
[defaults]
inventory = inventory/prod.ini
remote_user = ansible
vault_password_file = ⟦N:path to a password file⟧~/.ansible/larkspur-vault-pass
host_key_checking = True

[privilege_escalation]
become = True
""")

C.write("c01", "ansible/group_vars/all/vars.yml", """\
---
ntp_servers: [0.pool.ntp.org, 1.pool.ntp.org]
backup_schedule: ⟦N:fallback-sounding key, not a secret⟧daily
backup_retention_days: 35
rescue_user_shell: ⟦N:fallback-sounding key, a path⟧/bin/bash
breakglass_user: breakglass
breakglass_password: ⟦N:Jinja reference to a vaulted variable⟧"{{ vault_breakglass_password }}"
ldap_bind_password: ⟦N:Jinja reference⟧"{{ vault_ldap_bind_password }}"
emergency_contact: ⟦N:phone number under a fallback key⟧"+1-555-0142"
""")

C.write("c01", "services/billing/.env.example", """\
# Copy to .env and fill in from 1Password ("billing - prod").
DATABASE_URL=⟦N:placeholder password in a URL⟧postgres://billing:changeme@localhost:5432/billing
REDIS_URL=redis://localhost:6379/0
STRIPE_SECRET_KEY=⟦N:angle-bracket placeholder⟧<REPLACE_ME>
STRIPE_WEBHOOK_SECRET=⟦N:placeholder of x's⟧whsec_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx
SENDGRID_API_KEY=⟦N:environment reference⟧${SENDGRID_API_KEY}
BREAKGLASS_ADMIN_TOKEN=
""")

C.write("c01", "helm/ops-console/values.yaml", """\
image:
  repository: registry.larkspur.io/ops/console
  digest: ⟦N:image digest⟧sha256:%s
replicaCount: 2
oidc:
  issuer: https://larkspur.okta.com/oauth2/default
  clientId: ⟦N:OIDC client id, a public identifier⟧0oa9x2mk4qPZ7hT1r417
  existingSecret: ⟦N:name of an existing Secret⟧ops-console-oidc
emergencyAccess:
  enabled: false
  adminPassword: ""
  recoveryWindow: ⟦N:fallback-sounding key, a duration⟧15m
""" % V.sha256_hex())

C.write("c01", "services/payments/config/application-dev.properties", """\
spring.datasource.url=jdbc:postgresql://localhost:5432/payments
spring.datasource.username=payments
spring.datasource.password=⟦N:Spring placeholder⟧${DB_PASSWORD}
payments.recovery.override-token=⟦N:Spring placeholder with empty default⟧${OVERRIDE_TOKEN:}
payments.backup.bucket=s3://larkspur-payments-backups
""")

C.write("c01", "services/payments/src/test/resources/application-test.properties", """\
spring.datasource.url=jdbc:h2:mem:payments
spring.datasource.username=sa
spring.datasource.password=
stripe.api-key=⟦N:Stripe documentation-style test placeholder⟧sk_test_placeholder
""")

# =============================================================================================
# c02 2024-03-05 - AWS organization break-glass user (terraform)
# =============================================================================================
C.commit("c02", "2024-03-05T14:02:00Z", MAYA, "terraform: AWS org break-glass IAM user and role\n\n"
         "Keys are for the management account and must only be used when SSO is unavailable.")

S("bg_akid", V.aws_key_id(), "aws_access_key", True, True, "break-glass IAM user key id in tfvars")
S("bg_secret", V.aws_secret(), "aws_secret_key", True, True, "its secret")
C.write("c02", "terraform/accounts/breakglass/terraform.tfvars", """\
# Break-glass access to the AWS organization management account.
# Use only when IAM Identity Center is down. Rotate after every use (see runbook).
breakglass_user_name         = "breakglass-admin"
breakglass_access_key_id     = "⟦S:bg_akid⟧"
breakglass_secret_access_key = "⟦S:bg_secret⟧"
breakglass_role_arn          = "⟦N:role ARN⟧arn:aws:iam::318476520941:role/OrganizationAccountAccessRole"
breakglass_approvers         = ⟦N:list of people⟧["maya.lindqvist@larkspur.io", "priya.raman@larkspur.io"]
""")

C.write("c02", "terraform/accounts/breakglass/main.tf", """\
provider "aws" {
  alias      = "breakglass"
  region     = "eu-west-1"
  access_key = ⟦N:Terraform variable reference⟧var.breakglass_access_key_id
  secret_key = ⟦N:Terraform variable reference⟧var.breakglass_secret_access_key
}

resource "aws_iam_user" "breakglass" {
  name = var.breakglass_user_name
  path = "/emergency/"
  tags = {
    Purpose = "break-glass"
  }
}

resource "aws_iam_user_login_profile" "breakglass" {
  user                    = aws_iam_user.breakglass.name
  pgp_key                 = ⟦N:keybase reference, a public key⟧"keybase:larkspur_secops"
  password_reset_required = true
}

resource "aws_secretsmanager_secret" "breakglass" {
  name                    = "breakglass/aws-admin"
  recovery_window_in_days = ⟦N:fallback-sounding setting⟧7
  kms_key_id              = ⟦N:KMS key ARN⟧"arn:aws:kms:eu-west-1:318476520941:key/6b1f5c2e-8f0a-4d1e-9b7c-2f3e4a5b6c7d"
}
""")

C.write("c02", "terraform/accounts/breakglass/variables.tf", """\
variable "breakglass_user_name" {
  type    = string
  default = "breakglass-admin"
}

variable "breakglass_access_key_id" {
  type      = string
  sensitive = true
}

variable "breakglass_secret_access_key" {
  type      = string
  sensitive = true
  default   = ""
}
""")

# =============================================================================================
# c03 2024-04-22 - Vault bootstrap notes (unseal keys + root token in a runbook)
# =============================================================================================
C.commit("c03", "2024-04-22T16:45:00Z", TOMAS, "vault: initial cluster bootstrap notes")
for i in range(1, 6):
    S("unseal%d" % i, V.vault_share_b64(), "vault_unseal_key", True, True, "unseal share %d" % i)
S("root_tok_2024", V.vault_hvs(), "vault_root_token", True, True, "initial root token, never revoked")
C.write("c03", "docs/runbooks/vault-init-2024.md", """\
# Vault production cluster - bootstrap (April 2024)

Cluster `vault-prod` (3 nodes, raft storage) was initialised on 2024-04-22:

```
$ vault operator init -key-shares=5 -key-threshold=3
Unseal Key 1: ⟦S:unseal1⟧
Unseal Key 2: ⟦S:unseal2⟧
Unseal Key 3: ⟦S:unseal3⟧
Unseal Key 4: ⟦S:unseal4⟧
Unseal Key 5: ⟦S:unseal5⟧

Initial Root Token: ⟦S:root_tok_2024⟧

Vault initialized with 5 key shares and a key threshold of 3. Please securely
distribute the key shares printed above.
```

After a restart, unseal each node with three of the keys: `vault operator unseal`.
Token TTLs: `⟦N:a duration under a token key⟧default_lease_ttl = "768h"`.
""")

# =============================================================================================
# c04 2024-05-13 - payments and billing production config (ordinary)
# =============================================================================================
C.commit("c04", "2024-05-13T11:20:00Z", BEN, "payments: production config and k8s secret")
S("pay_db_pw", V.password(22), "generic_password", False, note="Spring datasource password")
S("pay_stripe", V.stripe("sk_live_", 99), "stripe_secret_key", False)
S("pay_override", V.rnd(V.ALNUM, 40), "generic_secret", True, True,
  "operator override token; the comment above says it is the break-glass path")
S("pay_sg", V.sendgrid(), "sendgrid_api_key", False)
C.write("c04", "services/payments/config/application.properties", """\
spring.application.name=payments
spring.datasource.url=jdbc:postgresql://payments-db.prod.larkspur.internal:5432/payments
spring.datasource.username=payments_app
spring.datasource.password=⟦S:pay_db_pw⟧
spring.datasource.hikari.maximum-pool-size=20

stripe.api-key=⟦S:pay_stripe⟧
mail.sendgrid.api-key=⟦S:pay_sg⟧

# Break-glass: operator override for the refund API when the auth service is down.
payments.recovery.override-token=⟦S:pay_override⟧
payments.backup.bucket=s3://larkspur-payments-backups
""")

S("k8s_pay_db", V.password(24), "generic_password", False, note="k8s Secret stringData")
S("k8s_pay_stripe_wh", V.stripe_whsec(), "stripe_webhook_secret", False)
S("k8s_pay_redis", V.password(20), "generic_password", False, note="base64 in data:")
C.write("c04", "k8s/prod/payments/secret.yaml", """\
apiVersion: v1
kind: Secret
metadata:
  name: payments-secrets
  namespace: payments
type: Opaque
stringData:
  DB_USER: payments_app
  DB_PASSWORD: "⟦S:k8s_pay_db⟧"
  STRIPE_WEBHOOK_SECRET: ⟦S:k8s_pay_stripe_wh⟧
data:
  REDIS_HOST: ⟦N:base64 of a host name⟧%s
  REDIS_PASSWORD: ⟦S:k8s_pay_redis|b64⟧
""" % V.b64("redis.payments.svc.cluster.local"))

S("billing_db", V.url_password(24), "db_password", False, note="password in a Postgres URL")
S("billing_redis", V.url_password(20), "db_password", False)
S("billing_whsec", V.stripe_whsec(), "stripe_webhook_secret", False)
S("billing_stripe_rk", V.stripe("rk_live_", 99), "stripe_secret_key", False, note="restricted key")
C.write("c04", "services/billing/.env", """\
APP_ENV=production
LOG_LEVEL=info
DATABASE_URL=postgres://billing:⟦S:billing_db⟧@billing-db.prod.larkspur.internal:5432/billing
REDIS_URL=redis://default:⟦S:billing_redis⟧@billing-cache.prod.larkspur.internal:6379/0
STRIPE_RESTRICTED_KEY=⟦S:billing_stripe_rk⟧
STRIPE_WEBHOOK_SECRET=⟦S:billing_whsec⟧
SENTRY_DSN=⟦N:Sentry DSN public key⟧https://%s@o448812.ingest.sentry.io/5521337
""" % V.hex_str(32))

# =============================================================================================
# c05 2024-06-18 - MFA recovery material for org owners (fallback)
# =============================================================================================
C.commit("c05", "2024-06-18T08:05:00Z", PRIYA,
         "mfa: store org owner recovery material for the security team")
S("gh_rc", "\n".join(V.github_recovery_codes(16)), "mfa_recovery_codes", True, True,
  "GitHub 2FA recovery codes as downloaded (one set)")
C.write("c05", "ops/mfa/github-recovery-codes.txt", "⟦S:gh_rc⟧\n")

gcodes = V.google_backup_codes(10)
S("google_bc", "\n".join("%d. %s\t\t%d. %s" % (i + 1, gcodes[i], i + 6, gcodes[i + 5]) for i in range(5))[3:],
  "mfa_recovery_codes", True, True, "Google Workspace super-admin backup codes (one set)")
C.write("c05", "ops/mfa/google-workspace-backup-codes.txt", """\
BACKUP VERIFICATION CODES

superadmin@larkspur.io

1. ⟦S:google_bc⟧

(Each code can be used only once.)
Generated Jun 18, 2024
""")

S("okta_rc", "\n".join("  - " + x for x in V.okta_recovery_codes(10))[4:], "mfa_recovery_codes", True,
  True, "Okta break-glass super admin recovery codes (one set)")
S("okta_totp", V.totp_seed(32), "totp_seed", True, True, "TOTP seed of the break-glass super admin")
C.write("c05", "ops/mfa/okta-superadmin.yml", """\
# Okta super administrator kept for break-glass (SSO outage, IdP lockout).
account: superadmin-breakglass@larkspur.okta.com
factor: google_authenticator
totp_secret: ⟦S:okta_totp⟧
recovery_codes:
  - ⟦S:okta_rc⟧
stored_by: priya.raman
""")

# =============================================================================================
# c06 2024-07-02 - SSH keys
# =============================================================================================
C.commit("c06", "2024-07-02T13:37:00Z", TOMAS, "ssh: bastion access keys and the CI deploy key")
bg_ssh, bg_ssh_pub = V.openssh_ed25519("breakglass@bastion")
S("ssh_bg", bg_ssh, "private_key", True, True, "unencrypted ed25519 key for the break-glass login")
C.write("c06", "ops/ssh/breakglass_ed25519", "⟦S:ssh_bg⟧\n")
C.write("c06", "ops/ssh/breakglass_ed25519.pub", "⟦N:public key⟧%s\n" % bg_ssh_pub)
deploy_key = V.rsa_key(3072)
S("ssh_deploy", V.pem_pkcs1(deploy_key), "private_key", False, note="CI deploy key (RSA, PKCS#1)")
C.write("c06", "ops/ssh/deploy_rsa", "⟦S:ssh_deploy⟧\n")
C.write("c06", "ops/ssh/config", """\
Host bastion-*
  User ops
  IdentityFile ⟦N:path to a key file⟧~/.ssh/id_ed25519

Host bastion-breakglass
  HostName bastion-01.prod.larkspur.internal
  User breakglass
  IdentityFile ⟦N:path to a key file, fallback-named⟧~/.ssh/breakglass_ed25519
""")
C.write("c06", "ansible/roles/breakglass-user/tasks/main.yml", """\
---
- name: Break-glass local user
  ansible.builtin.user:
    name: breakglass
    groups: wheel
    password: ⟦N:SHA-512 crypt hash, not the password⟧"%s"
    update_password: on_create

- name: Break-glass authorized key
  ansible.posix.authorized_key:
    user: breakglass
    key: ⟦N:public key⟧"%s"
""" % (V.sha512_crypt_like(), bg_ssh_pub))

# =============================================================================================
# c07 2024-08-09 - GCP service-account keys
# =============================================================================================
C.commit("c07", "2024-08-09T10:10:00Z", CHEN, "gcp: service account keys for the analytics loader and DR restore")


def gcp_sa(project, email, sid):
    return """\
{
  "type": "service_account",
  "project_id": "%s",
  "private_key_id": "%s",
  "private_key": "⟦S:%s|json⟧\\n",
  "client_email": "%s",
  "client_id": "%s",
  "auth_uri": "https://accounts.google.com/o/oauth2/auth",
  "token_uri": "https://oauth2.googleapis.com/token",
  "auth_provider_x509_cert_url": "https://www.googleapis.com/oauth2/v1/certs",
  "client_x509_cert_url": "https://www.googleapis.com/robot/v1/metadata/x509/%s",
  "universe_domain": "googleapis.com"
}
""" % (project, V.hex_str(40), sid, email, "".join(V.R.choice("0123456789") for _ in range(21)),
       email.replace("@", "%40"))


S("gcp_dr", V.pem_pkcs8(V.rsa_key(2048)), "gcp_service_account_key", True, True,
  "DR restore service account (directory recovery/, name dr-restore)")
C.write("c07", "ops/recovery/gcp-dr-restore-sa.json",
        gcp_sa("larkspur-prod-dr", "dr-restore@larkspur-prod-dr.iam.gserviceaccount.com", "gcp_dr"))
S("gcp_analytics", V.pem_pkcs8(V.rsa_key(2048)), "gcp_service_account_key", False,
  note="BigQuery loader, routine")
C.write("c07", "ops/gcp/analytics-loader-sa.json",
        gcp_sa("larkspur-analytics", "bq-loader@larkspur-analytics.iam.gserviceaccount.com", "gcp_analytics"))

# =============================================================================================
# c08 2024-09-03 - on-prem break-glass env (removed in c14: history only)
# =============================================================================================
C.commit("c08", "2024-09-03T09:00:00Z", TOMAS, "legacy: keep the on-prem cluster's emergency credentials here for now")
S("onprem_bg_pw", V.password(18), "generic_password", True, True, "removed from HEAD later: history only")
S("onprem_bg_vault", V.vault_legacy(), "vault_token", True, True, "legacy s. token, history only")
S("onprem_ipmi", V.human_password(), "generic_password", True, True, "IPMI rescue password, history only")
C.write("c08", "ops/legacy/onprem-breakglass.env", """\
# On-prem k8s (dc1) - emergency access when LDAP is down
ONPREM_BREAKGLASS_USER=root-rescue
ONPREM_BREAKGLASS_PASSWORD=⟦S:onprem_bg_pw⟧
VAULT_TOKEN=⟦S:onprem_bg_vault⟧
IPMI_RESCUE_PASS=⟦S:onprem_ipmi⟧
""")

# =============================================================================================
# c09 2024-10-15 - GitHub Actions
# =============================================================================================
C.commit("c09", "2024-10-15T15:25:00Z", MAYA, "ci: GitHub Actions deploy and rollback workflows")
S("gha_akid", V.aws_key_id(), "aws_access_key", False, note="ordinary CI deploy key")
S("gha_secret", V.aws_secret(), "aws_secret_key", False)
C.write("c09", ".github/workflows/deploy.yml", """\
name: deploy
on:
  push:
    branches: [main]
permissions:
  contents: read
env:
  AWS_REGION: eu-west-1
  AWS_ACCESS_KEY_ID: ⟦S:gha_akid⟧
  AWS_SECRET_ACCESS_KEY: ⟦S:gha_secret⟧
jobs:
  deploy:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@⟦N:pinned action commit SHA⟧%s
      - name: Log in to the registry
        uses: docker/login-action@v3
        with:
          registry: registry.larkspur.io
          username: ci-push
          password: ⟦N:GitHub Actions secret reference⟧${{ secrets.REGISTRY_PASSWORD }}
      - run: make deploy
        env:
          TF_VAR_db_password: ⟦N:GitHub Actions secret reference⟧${{ secrets.PROD_DB_PASSWORD }}
""" % V.git_sha())

S("gha_bg_pat", V.github_token("ghp_"), "github_pat", True, True, "classic PAT in the emergency rollback workflow")
C.write("c09", ".github/workflows/emergency-rollback.yml", """\
name: emergency-rollback
# Manual rollback when the normal deploy pipeline (or GitHub App auth) is broken.
on:
  workflow_dispatch:
    inputs:
      release:
        description: release tag to roll back to
        required: true
jobs:
  rollback:
    runs-on: ubuntu-latest
    env:
      GH_TOKEN: ⟦S:gha_bg_pat⟧
    steps:
      - uses: actions/checkout@v4
        with:
          token: ⟦N:expression reference⟧${{ env.GH_TOKEN }}
      - run: ./scripts/rollback.sh "${{ inputs.release }}"
        env:
          BREAKGLASS_PAT: ⟦N:GitHub Actions secret reference under a fallback key⟧${{ secrets.BREAKGLASS_PAT }}
""")

# =============================================================================================
# c10 2024-11-20 - notifier, auth, gateway configs
# =============================================================================================
C.commit("c10", "2024-11-20T10:00:00Z", BEN, "notifier, auth and gateway service configuration")
S("notif_slack_bot", V.slack_bot(), "slack_bot_token", False)
S("notif_webhook", V.slack_webhook(), "slack_webhook", False)
S("notif_twilio", V.twilio_token(), "twilio_auth_token", False)
S("notif_dd", V.datadog_api(), "datadog_key", False)
C.write("c10", "services/notifier/config.json", """\
{
  "service": "notifier",
  "slack": {
    "bot_token": "⟦S:notif_slack_bot⟧",
    "alerts_webhook": "⟦S:notif_webhook⟧",
    "channel": "#payments-alerts"
  },
  "twilio": {
    "account_sid": "⟦N:Twilio account SID, an identifier⟧AC%s",
    "twilio_auth_token": "⟦S:notif_twilio⟧",
    "from": "+15550100"
  },
  "datadog": {
    "dd_api_key": "⟦S:notif_dd⟧",
    "site": "datadoghq.eu"
  },
  "retry": {"max_attempts": 5, "backoff_ms": 250},
  "request_id_header": "X-Request-Id",
  "default_tenant": "⟦N:UUID⟧%s"
}
""" % (V.hex_str(32), V.uuid4()))

S("auth_ldap", V.password(20), "generic_password", False, note="LDAP bind password")
S("auth_emerg_pw", V.password(20), "generic_password", True, True, "emergency local login when LDAP is down")
S("auth_jwt_secret", V.rnd(V.ALNUM, 48), "generic_secret", False, note="session signing secret")
C.write("c10", "services/auth/settings.ini", """\
[server]
port = 8443
session_ttl = 3600

[ldap]
url = ldaps://ldap.larkspur.internal
bind_dn = cn=svc-auth,ou=services,dc=larkspur,dc=io
bind_password = ⟦S:auth_ldap⟧

[session]
signing_secret = ⟦S:auth_jwt_secret⟧

[emergency_login]
; local admin login, enabled only when LDAP is unreachable
username = emergency-admin
password = ⟦S:auth_emerg_pw⟧
""")

S("web_smtp", V.password(22), "generic_password", False)
S("web_bg_token", V.rnd(V.ALNUM, 36), "generic_secret", True, True, "BreakGlassAdminToken appSetting")
C.write("c10", "services/auth/web.config", """\
<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <appSettings>
    <add key="SmtpHost" value="smtp.larkspur.internal" />
    <add key="SmtpPassword" value="⟦S:web_smtp⟧" />
    <add key="BreakGlassAdminToken" value="⟦S:web_bg_token⟧" />
    <add key="MachineKeyValidation" value="HMACSHA256" />
  </appSettings>
</configuration>
""")

S("gw_signing", V.b64(bytes(V.R.getrandbits(8) for _ in range(32))), "generic_secret", False,
  note="JWT signing key")
S("gw_bypass", V.rnd(V.ALNUM, 40), "generic_secret", True, True,
  "emergency-bypass API key (key path security.emergency-bypass)")
S("gw_redis", V.url_password(20), "db_password", False)
C.write("c10", "services/gateway/src/main/resources/application.yml", """\
server:
  port: 8080
spring:
  data:
    redis:
      url: rediss://gateway:⟦S:gw_redis⟧@gateway-cache.prod.larkspur.internal:6380
security:
  jwt:
    signing-key: "⟦S:gw_signing⟧"
    issuer: https://gateway.larkspur.io
  emergency-bypass:
    enabled: true
    api-key: ⟦S:gw_bypass⟧
    allowed-cidrs: [10.20.0.0/16]
""")

# =============================================================================================
# c10b 2024-12-10 - legacy CRM (Laravel) and the worker (Django): ordinary secrets
# =============================================================================================
C.commit("c10b", "2024-12-10T14:30:00Z", CHEN, "legacy-crm: Laravel env; worker settings")
S("crm_app_key", "base64:" + V.b64(bytes(V.R.getrandbits(8) for _ in range(32))), "generic_secret", False,
  note="Laravel APP_KEY (base64: prefix)")
S("crm_db", V.password(20), "generic_password", False)
S("crm_mail", V.password(16), "generic_password", False)
S("crm_akid", V.aws_key_id(), "aws_access_key", False, note="S3 uploads")
S("crm_secret", V.aws_secret(), "aws_secret_key", False)
S("crm_pusher", V.hex_str(20), "generic_secret", False)
C.write("c10b", "services/legacy-crm/.env", """\
APP_NAME=LegacyCRM
APP_ENV=production
APP_KEY=⟦S:crm_app_key⟧
APP_DEBUG=false
DB_CONNECTION=mysql
DB_HOST=crm-db.prod.larkspur.internal
DB_USERNAME=crm
DB_PASSWORD=⟦S:crm_db⟧
MAIL_MAILER=smtp
MAIL_USERNAME=crm@larkspur.io
MAIL_PASSWORD=⟦S:crm_mail⟧
AWS_ACCESS_KEY_ID=⟦S:crm_akid⟧
AWS_SECRET_ACCESS_KEY=⟦S:crm_secret⟧
AWS_BUCKET=larkspur-crm-uploads
PUSHER_APP_ID=1593021
PUSHER_APP_SECRET=⟦S:crm_pusher⟧
""")
S("wk_django", V.rnd(V.ALNUM + "!@#%^*(-_=+)", 50), "generic_secret", False, note="Django SECRET_KEY")
S("wk_db", V.password(22), "generic_password", False)
S("wk_broker", V.url_password(20), "db_password", False)
S("wk_sentry", "sntryu_" + V.hex_str(64), "sentry_token", False)
C.write("c10b", "services/worker/settings.py", """\
import os

DEBUG = False
SECRET_KEY = "⟦S:wk_django⟧"
ALLOWED_HOSTS = ["worker.larkspur.internal"]

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": "worker",
        "USER": "worker",
        "PASSWORD": "⟦S:wk_db⟧",
        "HOST": "worker-db.prod.larkspur.internal",
    }
}

CELERY_BROKER_URL = "redis://:⟦S:wk_broker⟧@worker-cache.prod.larkspur.internal:6379/1"
CELERY_RESULT_EXPIRES = 3600
SENTRY_AUTH_TOKEN = "⟦S:wk_sentry⟧"
BACKUP_EXPORT_DIR = ⟦N:fallback-sounding setting, a path⟧os.environ.get("BACKUP_EXPORT_DIR", "/var/lib/worker/exports")
""")

# =============================================================================================
# c11 2024-12-02 - certificates
# =============================================================================================
C.commit("c11", "2024-12-02T09:45:00Z", PRIYA, "certs: backup CA, emergency VPN client, ingress TLS")
ca_key = V.rsa_key(3072)
ca_cert, ca_pem = V.certificate(ca_key, "Larkspur Backup Root CA", "2024-12-01T00:00:00Z",
                                "2034-11-29T00:00:00Z", o="Larkspur", ca=True)
S("backup_ca_key", V.pem_pkcs8(ca_key), "private_key", True, True,
  "key of the backup root CA (issued 2024-12-01, 10 years)", issued="2024-12-01T00:00:00Z",
  expires="2034-11-29T00:00:00Z")
C.write("c11", "ops/certs/backup-ca/backup-ca.key", "⟦S:backup_ca_key⟧\n")
C.write("c11", "ops/certs/backup-ca/backup-ca.crt", "⟦N:a certificate alone (public)⟧%s\n" % ca_pem)

vpn_key = V.ec_key()
vpn_cert, vpn_pem = V.certificate(vpn_key, "emergency-vpn-admin", "2024-12-01T12:00:00Z",
                                  "2025-06-01T00:00:00Z", o="Larkspur", client=True,
                                  issuer=ca_cert, issuer_key=ca_key)
S("vpn_key", V.pem_pkcs1(vpn_key), "private_key", True, False,
  "emergency VPN client key; its certificate expired 2025-06-01: not standing",
  issued="2024-12-01T12:00:00Z", expires="2025-06-01T00:00:00Z")
C.write("c11", "ops/certs/emergency-vpn/emergency-client.pem", "%s\n⟦S:vpn_key⟧\n" % vpn_pem)

int_key = V.rsa_key(2048)
int_cert, int_pem = V.certificate(int_key, "Larkspur Issuing CA 2", "2025-01-01T00:00:00Z",
                                  "2030-01-01T00:00:00Z", o="Larkspur", ca=True)
ing_key = V.ec_key()
ing_cert, ing_pem = V.certificate(ing_key, "*.larkspur.io", "2026-09-01T00:00:00Z", "2027-10-03T00:00:00Z",
                                  server_dns=["*.larkspur.io", "larkspur.io"], issuer=int_cert,
                                  issuer_key=int_key)
S("ingress_key", V.pem_pkcs1(ing_key), "private_key", False, note="ordinary TLS key")
C.write("c11", "ops/certs/ingress/tls.key", "⟦S:ingress_key⟧\n")
C.write("c11", "ops/certs/ingress/tls.crt", "⟦N:a certificate chain alone (public)⟧%s\n%s\n" % (ing_pem, int_pem))

# =============================================================================================
# c12/c13 2025-01-20/21 - Vault DR init output committed, removed the next day (history only)
# =============================================================================================
C.commit("c12", "2025-01-20T18:12:00Z", TOMAS, "vault: save init output of the DR cluster")
rk = [V.vault_share_b64() for _ in range(5)]
S("dr_rk_b64", '",\n    "'.join(rk), "vault_recovery_key", True, True, "recovery key set (b64), history only")
S("dr_rk_hex", '",\n    "'.join(V.b64_to_hex(x) for x in rk), "vault_recovery_key", True, True,
  "the same set in hex, history only")
S("dr_root", V.vault_hvs(), "vault_root_token", True, True, "DR cluster root token, history only")
C.write("c12", "ops/vault/dr-init.json", """\
{
  "unseal_keys_b64": [],
  "unseal_keys_hex": [],
  "unseal_shares": 1,
  "unseal_threshold": 1,
  "recovery_keys_b64": [
    "⟦S:dr_rk_b64⟧"
  ],
  "recovery_keys_hex": [
    "⟦S:dr_rk_hex⟧"
  ],
  "recovery_keys_shares": 5,
  "recovery_keys_threshold": 3,
  "root_token": "⟦S:dr_root⟧"
}
""")
C.commit("c13", "2025-01-21T08:30:00Z", TOMAS, "vault: remove DR init output (moved to 1Password)")
C.remove("c13", "ops/vault/dr-init.json")

# =============================================================================================
# c14 2025-02-10 - on-prem decommissioned: its emergency env leaves HEAD
# =============================================================================================
C.commit("c14", "2025-02-10T12:00:00Z", TOMAS, "decommission the on-prem cluster")
C.remove("c14", "ops/legacy/onprem-breakglass.env")

# =============================================================================================
# c15 2025-03-03 - terraform prod: RDS, providers, a state backup
# =============================================================================================
C.commit("c15", "2025-03-03T17:40:00Z", MAYA, "terraform: prod RDS and providers; keep a state copy")
S("rds_master", V.password(24), "generic_password", False, note="RDS master password")
C.write("c15", "terraform/prod/rds.tf", """\
resource "aws_db_instance" "payments" {
  identifier              = "payments-prod"
  engine                  = "postgres"
  engine_version          = "16.3"
  instance_class          = "db.r6g.large"
  username                = "payments_admin"
  password                = "⟦S:rds_master⟧"
  backup_retention_period = ⟦N:fallback-sounding setting⟧35
  backup_window           = "03:00-04:00"
  snapshot_identifier     = ⟦N:snapshot name⟧"payments-prod-dr-2025-02-28"
  kms_key_id              = ⟦N:KMS key ARN⟧"arn:aws:kms:eu-west-1:482913745106:key/0d3c1b2a-9e8f-4a7b-8c6d-5e4f3a2b1c0d"
  deletion_protection     = true
}

resource "aws_db_instance" "payments_replica" {
  identifier          = "payments-prod-dr"
  replicate_source_db = aws_db_instance.payments.identifier
  password            = ⟦N:Terraform variable reference⟧var.replica_password
}
""")

S("tf_dd_api", V.datadog_api(), "datadog_key", False)
S("tf_dd_app", V.hex_str(40), "datadog_key", False)
S("tf_cf", V.rnd(V.ALNUM + "_-", 40), "cloudflare_api_token", False)
C.write("c15", "terraform/prod/providers.tf", """\
provider "datadog" {
  api_key = "⟦S:tf_dd_api⟧"
  app_key = "⟦S:tf_dd_app⟧"
  api_url = "https://api.datadoghq.eu/"
}

provider "cloudflare" {
  api_token = "⟦S:tf_cf⟧"
}

provider "github" {
  owner = "larkspur"
  token = ⟦N:Terraform variable reference⟧var.github_token
}
""")

S("tfs_em_akid", V.aws_key_id(), "aws_access_key", True, True,
  "emergency-admin key in a state copy; created 2025-03-03 per the state")
S("tfs_em_secret", V.aws_secret(), "aws_secret_key", True, True, "its secret")
S("tfs_app_pw", V.password(32, symbols="!#%*+-=?_"), "generic_password", False,
  note="random_password result for the app DB user: ordinary, same file as the emergency key")
C.write("c15", "terraform/prod/terraform.tfstate.backup", """\
{
  "version": 4,
  "terraform_version": "1.7.4",
  "serial": 42,
  "lineage": "⟦N:state lineage UUID⟧%s",
  "outputs": {},
  "resources": [
    {
      "module": "module.emergency_access",
      "mode": "managed",
      "type": "aws_iam_user",
      "name": "this",
      "provider": "provider[\\"registry.terraform.io/hashicorp/aws\\"]",
      "instances": [
        {
          "schema_version": 0,
          "attributes": {
            "arn": "arn:aws:iam::482913745106:user/emergency/emergency-admin",
            "name": "emergency-admin",
            "path": "/emergency/",
            "tags": {"Purpose": "break-glass"}
          }
        }
      ]
    },
    {
      "module": "module.emergency_access",
      "mode": "managed",
      "type": "aws_iam_access_key",
      "name": "this",
      "provider": "provider[\\"registry.terraform.io/hashicorp/aws\\"]",
      "instances": [
        {
          "schema_version": 0,
          "attributes": {
            "create_date": "2025-03-03T17:31:09Z",
            "id": "⟦S:tfs_em_akid⟧",
            "pgp_key": null,
            "secret": "⟦S:tfs_em_secret⟧",
            "status": "Active",
            "user": "emergency-admin"
          },
          "sensitive_attributes": []
        }
      ]
    },
    {
      "mode": "managed",
      "type": "random_password",
      "name": "app_db",
      "provider": "provider[\\"registry.terraform.io/hashicorp/random\\"]",
      "instances": [
        {
          "schema_version": 3,
          "attributes": {
            "id": "none",
            "length": 32,
            "result": "⟦S:tfs_app_pw⟧",
            "special": true
          }
        }
      ]
    }
  ]
}
""" % V.uuid4())

# =============================================================================================
# c16 2025-04-14 - ml, search, ingest services (ordinary)
# =============================================================================================
C.commit("c16", "2025-04-14T10:30:00Z", CHEN, "ml, search and ingest service configuration")
S("ml_hf", V.hf_token(), "huggingface_token", False)
S("ml_anthropic", V.anthropic_key(), "anthropic_api_key", False)
S("ml_openai", V.openai_key(), "openai_api_key", False)
S("ml_mongo", V.url_password(22), "db_password", False)
C.write("c16", "services/ml/config/secrets.yaml", """\
providers:
  huggingface:
    token: ⟦S:ml_hf⟧
  anthropic:
    api_key: ⟦S:ml_anthropic⟧
  openai:
    api_key: ⟦S:ml_openai⟧
feature_store:
  uri: mongodb+srv://ml-features:⟦S:ml_mongo⟧@features.x7k2p.mongodb.net/features?retryWrites=true
model_cache_checksum: ⟦N:SHA-256 checksum⟧%s
""" % V.sha256_hex())

S("search_es", V.url_password(20), "generic_password", False, note="password in an https URL")
S("search_newrelic", V.newrelic_user(), "newrelic_api_key", False)
C.write("c16", "services/search/config.yaml", """\
elasticsearch:
  url: https://elastic:⟦S:search_es⟧@search.prod.larkspur.internal:9200
  index_prefix: larkspur-
  snapshot_repository: ⟦N:fallback-sounding value, a repository name⟧s3-backup-repo
  recovery_point_objective: ⟦N:fallback-sounding key, a duration⟧15m
observability:
  newrelic_api_key: ⟦S:search_newrelic⟧
""")

S("ingest_kafka", V.password(20), "generic_password", False)
S("ingest_gcp_api", V.gcp_api_key(), "gcp_api_key", False)
C.write("c16", "services/ingest/config.toml", """\
[service]
name = "ingest"
workers = 8

[kafka]
brokers = ["kafka-1.prod.larkspur.internal:9093"]
sasl_username = "ingest"
sasl_password = "⟦S:ingest_kafka⟧"
sasl_password_file = ⟦N:a file path⟧"/var/run/secrets/kafka/password"

[geocoding]
api_key = "⟦S:ingest_gcp_api⟧"
""")

# =============================================================================================
# c17 2025-05-06 - kubeconfigs (break-glass cluster-admin)
# =============================================================================================
C.commit("c17", "2025-05-06T09:15:00Z", MAYA, "k8s: kubeconfigs for platform admins and the CI deployer")
kca_key = V.rsa_key(2048)
kca_cert, kca_pem = V.certificate(kca_key, "kubernetes", "2025-01-10T00:00:00Z", "2035-01-08T00:00:00Z", ca=True)
kbg_key = V.rsa_key(2048)
kbg_cert, kbg_pem = V.certificate(kbg_key, "breakglass-admin", "2025-05-06T08:00:00Z",
                                  "2035-05-04T08:00:00Z", o="system:masters", client=True,
                                  issuer=kca_cert, issuer_key=kca_key)
S("kube_bg_key", V.pem_pkcs1(kbg_key), "kubeconfig_client_key", True, True,
  "client key of CN=breakglass-admin O=system:masters (valid 10 years)",
  issued="2025-05-06T08:00:00Z", expires="2035-05-04T08:00:00Z")
C.write("c17", "k8s/platform/breakglass/cluster-admin.kubeconfig", """\
apiVersion: v1
kind: Config
clusters:
  - name: prod-eu-west-1
    cluster:
      server: https://k8s-api.prod.larkspur.internal:6443
      certificate-authority-data: ⟦N:cluster CA certificate (public)⟧%s
users:
  - name: breakglass-admin
    user:
      client-certificate-data: ⟦N:client certificate (public half)⟧%s
      client-key-data: ⟦S:kube_bg_key|b64⟧
contexts:
  - name: breakglass@prod
    context:
      cluster: prod-eu-west-1
      user: breakglass-admin
current-context: breakglass@prod
""" % (V.b64(kca_pem + "\n"), V.b64(kbg_pem + "\n")))

now_ts = V.ts(NOW)
S("kube_ci_token", V.jwt_rs256_unsigned({
    "aud": ["https://kubernetes.default.svc"], "iss": "https://kubernetes.default.svc",
    "kubernetes.io": {"namespace": "ci", "serviceaccount": {"name": "deployer", "uid": V.uuid4()}},
    "sub": "system:serviceaccount:ci:deployer", "iat": V.ts("2025-05-06T09:00:00Z"),
    "nbf": V.ts("2025-05-06T09:00:00Z")}, V.hex_str(40)), "kubernetes_token", False,
  note="CI deployer service-account token, ordinary", issued="2025-05-06T09:00:00Z")
C.write("c17", "k8s/platform/ci-deployer.kubeconfig", """\
apiVersion: v1
kind: Config
clusters:
  - name: prod-eu-west-1
    cluster:
      server: https://k8s-api.prod.larkspur.internal:6443
      insecure-skip-tls-verify: false
users:
  - name: ci-deployer
    user:
      token: ⟦S:kube_ci_token⟧
contexts:
  - name: ci@prod
    context:
      cluster: prod-eu-west-1
      user: ci-deployer
      namespace: ci
current-context: ci@prod
""")

C.write("c17", "k8s/ops/emergency-access-rbac.yaml", """\
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: emergency-access
  annotations:
    larkspur.io/purpose: ⟦N:fallback words in an annotation, no secret⟧break-glass
subjects:
  - kind: Group
    name: oidc:platform-breakglass
    apiGroup: rbac.authorization.k8s.io
roleRef:
  kind: ClusterRole
  name: cluster-admin
  apiGroup: rbac.authorization.k8s.io
""")

C.write("c17", "k8s/platform/external-secrets/breakglass.yaml", """\
apiVersion: external-secrets.io/v1beta1
kind: ExternalSecret
metadata:
  name: breakglass-aws-admin
spec:
  refreshInterval: 1h
  secretStoreRef:
    name: aws-secrets-manager
    kind: ClusterSecretStore
  target:
    name: breakglass-aws-admin
  data:
    - secretKey: ⟦N:name of a key in the target Secret⟧AWS_SECRET_ACCESS_KEY
      remoteRef:
        key: ⟦N:Secrets Manager path⟧breakglass/aws-admin
        property: secret_access_key
""")

C.write("c17", "k8s/apps/admission-webhook.yaml", """\
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingWebhookConfiguration
metadata:
  name: policy-webhook
webhooks:
  - name: policy.larkspur.io
    clientConfig:
      service:
        name: policy-webhook
        namespace: kube-system
      caBundle: ⟦N:CA bundle (public certificate, base64)⟧%s
    admissionReviewVersions: ["v1"]
    sideEffects: None
""" % V.b64(kca_pem + "\n"))

# =============================================================================================
# c17b 2025-05-20 - a legacy service-account token Secret for the emergency admin SA
# =============================================================================================
C.commit("c17b", "2025-05-20T10:00:00Z", MAYA, "k8s: token for the emergency-admin service account")
S("k8s_em_sa", V.jwt_rs256_unsigned({
    "iss": "kubernetes/serviceaccount", "kubernetes.io/serviceaccount/namespace": "kube-system",
    "kubernetes.io/serviceaccount/secret.name": "emergency-admin-token",
    "kubernetes.io/serviceaccount/service-account.name": "emergency-admin",
    "kubernetes.io/serviceaccount/service-account.uid": V.uuid4(),
    "sub": "system:serviceaccount:kube-system:emergency-admin"}, V.hex_str(40)),
  "kubernetes_token", True, True, "legacy SA token (no exp), base64 in data.token")
C.write("c17b", "k8s/platform/breakglass/emergency-admin-token.yaml", """\
apiVersion: v1
kind: Secret
metadata:
  name: emergency-admin-token
  namespace: kube-system
  annotations:
    kubernetes.io/service-account.name: emergency-admin
type: kubernetes.io/service-account-token
data:
  ca.crt: ⟦N:cluster CA certificate (public, base64)⟧%s
  namespace: ⟦N:base64 of a namespace name⟧a3ViZS1zeXN0ZW0=
  token: ⟦S:k8s_em_sa|b64⟧
""" % V.b64(kca_pem + "\n"))

# =============================================================================================
# c18 2025-06-30 - ansible hosts and inventory
# =============================================================================================
C.commit("c18", "2025-06-30T14:00:00Z", TOMAS, "ansible: database hosts and production inventory")
S("ans_repl", V.password(22), "generic_password", False, note="Postgres replication password")
S("ans_local_admin", V.password(20), "generic_password", True, True,
  "neutral key name; the comment above says break-glass")
C.write("c18", "ansible/host_vars/db-01.yml", """\
---
postgres_version: 16
postgres_replication_user: replicator
postgres_replication_password: "⟦S:ans_repl⟧"
# Break-glass: local login for when FreeIPA is unreachable. Rotate after use.
local_admin_password: "⟦S:ans_local_admin⟧"
""")
S("inv_become", V.password(18), "generic_password", False, note="become password of the ansible user")
S("inv_oob", V.password(18), "generic_password", True, True,
  "out-of-band rescue console password (iDRAC), last resort")
C.write("c18", "ansible/inventory/prod.ini", """\
[web]
web-01.prod.larkspur.internal
web-02.prod.larkspur.internal

[db]
db-01.prod.larkspur.internal

[all:vars]
ansible_user=ansible
ansible_become_pass=⟦S:inv_become⟧

# Out-of-band rescue consoles (iDRAC) - last resort when a host is unreachable over SSH.
[rescue]
oob-db-01.mgmt.larkspur.internal ansible_user=rescue ansible_password=⟦S:inv_oob⟧
""")
C.write("c18", "ansible/group_vars/all/vault.yml", "⟦N:Ansible Vault ciphertext⟧$ANSIBLE_VAULT;1.1;AES256\n" +
        "\n".join(V.hex_str(80) for _ in range(6)) + "\n")

# =============================================================================================
# c18b 2025-07-15 - alertmanager receivers, db group vars (ordinary)
# =============================================================================================
C.commit("c18b", "2025-07-15T11:45:00Z", TOMAS, "monitoring: alertmanager receivers; db group vars")
S("am_slack", V.slack_webhook(), "slack_webhook", False)
S("am_opsgenie", V.uuid4(), "generic_secret", False, note="Opsgenie API key (UUID format)")
S("am_smtp", V.password(18), "generic_password", False)
C.write("c18b", "k8s/prod/monitoring/alertmanager-secret.yaml", """\
apiVersion: v1
kind: Secret
metadata:
  name: alertmanager-main
  namespace: monitoring
stringData:
  alertmanager.yaml: |
    global:
      slack_api_url: ⟦S:am_slack⟧
      smtp_smarthost: smtp.larkspur.internal:587
      smtp_auth_username: alertmanager
      smtp_auth_password: ⟦S:am_smtp⟧
    receivers:
      - name: opsgenie-primary
        opsgenie_configs:
          - api_key: ⟦S:am_opsgenie⟧
      - name: emergency-fallback-email
        email_configs:
          - to: ⟦N:an email address under fallback-sounding names⟧oncall-escalation@larkspur.io
""")
S("db_pgbouncer", V.password(20), "generic_password", False)
S("db_redis", V.password(24), "generic_password", False)
C.write("c18b", "ansible/group_vars/db/main.yml", """\
---
pgbouncer_admin_user: pgbouncer
pgbouncer_admin_password: "⟦S:db_pgbouncer⟧"
redis_password: ⟦S:db_redis⟧
pg_backup_retention: ⟦N:fallback-sounding setting⟧14
""")

# =============================================================================================
# c19 2025-08-01 - a copy of the billing env (ordinary secrets in a backup copy)
# =============================================================================================
C.commit("c19", "2025-08-01T07:55:00Z", BEN, "backup of billing env before the Postgres 16 migration")
S("bak_billing_db", V.url_password(24), "db_password", False, note="copy of .env: ordinary")
S("bak_billing_stripe", V.stripe("sk_live_", 24), "stripe_secret_key", False, note="old 24-char key format")
S("bak_secret_key_base", V.hex_str(128), "generic_secret", False, note="Rails secret_key_base")
C.write("c19", "backups/2025-08-01/billing.env.bak", """\
APP_ENV=production
DATABASE_URL=postgres://billing:⟦S:bak_billing_db⟧@billing-db-old.prod.larkspur.internal:5432/billing
STRIPE_SECRET_KEY=⟦S:bak_billing_stripe⟧
SECRET_KEY_BASE=⟦S:bak_secret_key_base⟧
""")

# =============================================================================================
# c20 2025-09-12 - helm values
# =============================================================================================
C.commit("c20", "2025-09-12T16:20:00Z", MAYA, "helm: ops console prod values, grafana")
S("helm_oidc_secret", V.rnd(V.ALNUM + "-_", 40), "generic_secret", False, note="OIDC client secret")
S("helm_emerg_pw", V.password(20), "generic_password", True, True, "emergencyAccess.adminPassword")
C.write("c20", "helm/ops-console/values-prod.yaml", """\
replicaCount: 3
oidc:
  clientId: 0oa9x2mk4qPZ7hT1r417
  clientSecret: "⟦S:helm_oidc_secret⟧"
emergencyAccess:
  enabled: true
  # local admin for when Okta is down
  adminPassword: "⟦S:helm_emerg_pw⟧"
""")
S("grafana_admin", V.password(20), "generic_password", False)
S("grafana_sa", V.grafana_sa(), "grafana_token", False)
C.write("c20", "helm/grafana/values.yaml", """\
adminUser: admin
adminPassword: "⟦S:grafana_admin⟧"
env:
  GF_SECURITY_DISABLE_INITIAL_ADMIN_CREATION: "false"
sidecar:
  dashboards:
    enabled: true
provisioning:
  apiToken: ⟦S:grafana_sa⟧
persistence:
  enabled: true
  size: 10Gi
""")

# =============================================================================================
# c20b 2025-09-30 - a shared AWS credentials file: one ordinary profile, one break-glass profile
# =============================================================================================
C.commit("c20b", "2025-09-30T08:20:00Z", MAYA, "ops: AWS credentials file for the jump host")
S("awscred_akid", V.aws_key_id(), "aws_access_key", False, note="[default] profile")
S("awscred_secret", V.aws_secret(), "aws_secret_key", False)
S("awscred_bg_akid", V.aws_key_id(), "aws_access_key", True, True, "[breakglass] profile")
S("awscred_bg_secret", V.aws_secret(), "aws_secret_key", True, True, "[breakglass] profile")
C.write("c20b", "ops/aws/credentials", """\
[default]
aws_access_key_id = ⟦S:awscred_akid⟧
aws_secret_access_key = ⟦S:awscred_secret⟧
region = eu-west-1

[breakglass]
aws_access_key_id = ⟦S:awscred_bg_akid⟧
aws_secret_access_key = ⟦S:awscred_bg_secret⟧
region = eu-west-1
""")

# =============================================================================================
# c21 2025-10-19 (400 days before NOW) - AWS break-glass runbook and Vault DR runbook
# =============================================================================================
C.commit("c21", "2025-10-19T11:00:00Z", PRIYA, "runbooks: AWS break-glass procedure, Vault DR recovery")
S("root_akid", V.aws_key_id(), "aws_access_key", True, True, "AWS root user access key in the break-glass runbook")
S("root_secret", V.aws_secret(), "aws_secret_key", True, True, "its secret")
S("root_totp_uri", V.totp_seed(32), "totp_seed", True, True, "root user MFA seed (otpauth URI)")
S("rb_slack_hook", V.slack_webhook(), "slack_webhook", False,
  note="ordinary notification webhook inside a break-glass runbook: not itself a fallback credential")
C.write("c21", "docs/runbooks/break-glass-aws.md", """\
# AWS break-glass procedure

Use this only when IAM Identity Center (SSO) is unavailable **and** production is impaired.
Two people must be on the bridge: the incident commander and a security engineer.

## 1. Announce

Post in #sec-breakglass before you start. The channel's webhook (used by the script below):
`⟦S:rb_slack_hook⟧`

## 2. Sign in

Root user of the management account (last resort, console only):

- email: aws-root@larkspur.io
- MFA: the TOTP below is registered as the root user's virtual MFA device
  `otpauth://totp/Amazon%%20Web%%20Services:root@318476520941?secret=⟦S:root_totp_uri⟧&issuer=Amazon%%20Web%%20Services`

Programmatic access (only if the console is down):

```sh
export AWS_ACCESS_KEY_ID=⟦S:root_akid⟧
export AWS_SECRET_ACCESS_KEY=⟦S:root_secret⟧
aws sts get-caller-identity
```

## 3. After

Rotate everything you used. Assume `⟦N:role ARN⟧arn:aws:iam::318476520941:role/BreakGlassAdmin` afterwards
for clean-up; emergency contact: ⟦N:phone number⟧+1-555-0142.
""".replace("%%", "%"))

for i in range(1, 4):
    S("vdr_rk%d" % i, V.vault_share_b64(), "vault_recovery_key", True, True, "recovery share %d" % i)
C.write("c21", "docs/runbooks/vault-dr.md", """\
# Vault DR cluster - recovery

The DR cluster auto-unseals with AWS KMS. Recovery keys are needed to generate a new root token.
Three of the five shares (the other two are with the CISO and the CTO):

```
Recovery Key 1: ⟦S:vdr_rk1⟧
Recovery Key 2: ⟦S:vdr_rk2⟧
Recovery Key 3: ⟦S:vdr_rk3⟧
Recovery Key 4: ⟦N:angle-bracket placeholder⟧<held by the CISO>
```

Generate a root token: `vault operator generate-root -init`, then
`vault operator generate-root -decode=⟦N:placeholder⟧<encoded-token> -otp=<otp>`.
Revoke it when done: `vault token revoke ⟦N:placeholder⟧<root-token>`.
""")

# =============================================================================================
# c22 2025-10-19 - ops console emergency overrides (modified 2026-11-21 in c34, secret unchanged)
# =============================================================================================
C.commit("c22", "2025-10-19T15:30:00Z", BEN, "ops-console: incident settings")
S("oc_override", V.rnd(V.ALNUM, 40), "generic_secret", True, True,
  "emergency override key; its file was edited later (c34) without changing it: still 400 days old")
S("oc_metrics_token", V.rnd(V.ALNUM, 32), "generic_secret", False, note="metrics scrape token")
OVERRIDES = """\
# Ops console overrides used during incidents.
rate_limit_per_minute: %d
maintenance_banner: false
emergency:
  override_token: ⟦S:oc_override⟧
metrics:
  scrape_token: ⟦S:oc_metrics_token⟧
"""
C.write("c22", "services/ops-console/config/overrides.yml", OVERRIDES % 600)

# =============================================================================================
# c23 2026-01-08 - other CI systems, package registries
# =============================================================================================
C.commit("c23", "2026-01-08T13:10:00Z", BEN, "ci: Jenkins credentials, CircleCI, Buildkite, GitLab mirror; registry auth")
S("jenkins_nexus", V.password(20), "generic_password", False)
S("jenkins_bg", V.password(22), "generic_password", True, True, "Jenkins credential id breakglass-deployer")
C.write("c23", "ci/jenkins/credentials.xml", """\
<?xml version='1.1' encoding='UTF-8'?>
<com.cloudbees.plugins.credentials.SystemCredentialsProvider plugin="credentials@1337.v60b_d7b_c7b_c9f">
  <domainCredentialsMap class="hudson.util.CopyOnWriteMap$Hash">
    <entry>
      <com.cloudbees.plugins.credentials.domains.Domain>
        <specifications/>
      </com.cloudbees.plugins.credentials.domains.Domain>
      <java.util.concurrent.CopyOnWriteArrayList>
        <com.cloudbees.plugins.credentials.impl.UsernamePasswordCredentialsImpl>
          <scope>GLOBAL</scope>
          <id>nexus-deployer</id>
          <username>ci-deployer</username>
          <password>⟦S:jenkins_nexus⟧</password>
        </com.cloudbees.plugins.credentials.impl.UsernamePasswordCredentialsImpl>
        <com.cloudbees.plugins.credentials.impl.UsernamePasswordCredentialsImpl>
          <scope>GLOBAL</scope>
          <id>breakglass-deployer</id>
          <description>Emergency deploys when Nexus SSO is down</description>
          <username>breakglass-deployer</username>
          <password>⟦S:jenkins_bg⟧</password>
        </com.cloudbees.plugins.credentials.impl.UsernamePasswordCredentialsImpl>
        <com.cloudbees.plugins.credentials.impl.UsernamePasswordCredentialsImpl>
          <scope>GLOBAL</scope>
          <id>artifactory</id>
          <username>ci</username>
          <password>⟦N:Jenkins-encrypted secret {AQAA...}⟧{AQAAABAAAAAQ%s}</password>
        </com.cloudbees.plugins.credentials.impl.UsernamePasswordCredentialsImpl>
      </java.util.concurrent.CopyOnWriteArrayList>
    </entry>
  </domainCredentialsMap>
</com.cloudbees.plugins.credentials.SystemCredentialsProvider>
""" % V.b64(bytes(V.R.getrandbits(8) for _ in range(48))))

S("circle_npm", V.npm_token(), "npm_token", False)
S("circle_sonar", V.hex_str(40), "generic_secret", False, note="SonarQube token")
C.write("c23", ".circleci/config.yml", """\
version: 2.1
executors:
  node:
    docker:
      - image: cimg/node:20.11
jobs:
  publish:
    executor: node
    environment:
      NPM_TOKEN: ⟦S:circle_npm⟧
      SONAR_TOKEN: ⟦S:circle_sonar⟧
      RELEASE_CHANNEL: << pipeline.parameters.channel >>
    steps:
      - checkout
      - run: npm publish
""")

S("bk_dockerhub", V.dockerhub_pat(), "docker_hub_token", False)
S("bk_tfc", V.tfc_token(), "terraform_cloud_token", False)
C.write("c23", ".buildkite/pipeline.yml", """\
env:
  DOCKERHUB_USER: larkspurci
  DOCKERHUB_TOKEN: ⟦S:bk_dockerhub⟧
  TF_TOKEN_app_terraform_io: ⟦S:bk_tfc⟧
steps:
  - label: ":docker: build"
    command: make image
  - label: ":terraform: plan"
    command: terraform plan
""")

S("gl_trigger", V.gitlab_trigger(), "gitlab_trigger_token", False)
S("gl_dr_vault", V.vault_hvs(), "vault_token", True, True, "Vault token in the dr-failover job")
S("gl_runner", V.gitlab_runner(), "gitlab_runner_token", False)
C.write("c23", ".gitlab-ci.yml", """\
stages: [build, deploy, dr]

variables:
  DOWNSTREAM_TRIGGER_TOKEN: ⟦S:gl_trigger⟧
  RUNNER_AUTH: ⟦S:gl_runner⟧

build:
  stage: build
  script:
    - docker login -u "$CI_REGISTRY_USER" -p ⟦N:CI variable reference⟧"$CI_REGISTRY_PASSWORD" $CI_REGISTRY
    - docker build -t $CI_REGISTRY_IMAGE:$CI_COMMIT_SHA .

deploy:
  stage: deploy
  script:
    - export VAULT_TOKEN=⟦N:command substitution⟧"$(vault write -field=token auth/jwt/login role=deploy jwt=$CI_JOB_JWT)"
    - make deploy

# Fail over to us-west-2 when eu-west-1 is down (manual, DR only).
dr-failover:
  stage: dr
  when: manual
  variables:
    VAULT_ADDR: https://vault-dr.larkspur.internal:8200
    VAULT_TOKEN: ⟦S:gl_dr_vault⟧
  script:
    - ./scripts/dr-failover.sh
""")

S("npmrc_tok", V.npm_token(), "npm_token", False)
C.write("c23", ".npmrc", """\
@larkspur:registry=https://registry.npmjs.org/
//registry.npmjs.org/:_authToken=⟦S:npmrc_tok⟧
//npm.pkg.github.com/:_authToken=⟦N:environment reference⟧${GITHUB_PACKAGES_TOKEN}
""")
S("pypirc_tok", V.pypi_token(), "pypi_token", False)
C.write("c23", ".pypirc", """\
[distutils]
index-servers = pypi

[pypi]
username = __token__
password = ⟦S:pypirc_tok⟧
""")

# =============================================================================================
# c23b 2026-01-20 - triage bot, Databricks, an Azure service principal, nightly workflow (ordinary)
# =============================================================================================
C.commit("c23b", "2026-01-20T09:40:00Z", CHEN, "triage bot, databricks config, azure SP, nightly workflow")
S("tri_linear", "lin_api_" + V.rnd(V.ALNUM, 40), "linear_api_key", False)
S("tri_xapp", "xapp-1-A%s-%d-%s" % (V.rnd("ABCDEFGHJKLMNPQRSTUVWXYZ0123456789", 10), V.R.randint(10 ** 12, 10 ** 13 - 1),
                                       V.hex_str(64)), "slack_app_token", False)
S("tri_xoxp", V.slack_user(), "slack_user_token", False)
C.write("c23b", "ops/linear/triage-bot.env", """\
LINEAR_API_KEY=⟦S:tri_linear⟧
SLACK_APP_TOKEN=⟦S:tri_xapp⟧
SLACK_USER_TOKEN=⟦S:tri_xoxp⟧
TRIAGE_TEAM=PLAT
""")
S("dbx_tok", V.databricks(), "databricks_token", False)
C.write("c23b", ".databrickscfg", """\
[DEFAULT]
host = https://dbc-4f1a2b3c-9d8e.cloud.databricks.com
token = ⟦S:dbx_tok⟧
""")
S("az_sp", V.rnd(V.ALNUM, 3) + "8Q~" + V.rnd(V.ALNUM + "_~.-", 34), "azure_client_secret", False)
C.write("c23b", "ops/azure/sp-terraform.json", """\
{
  "appId": "⟦N:application id, a public identifier⟧%s",
  "displayName": "sp-terraform-prod",
  "password": "⟦S:az_sp⟧",
  "tenant": "⟦N:tenant id, a public identifier⟧%s"
}
""" % (V.uuid4(), V.uuid4()))
S("nightly_snyk", V.uuid4(), "generic_secret", False, note="Snyk token (UUID format)")
S("nightly_slack", V.slack_bot(), "slack_bot_token", False)
C.write("c23b", ".github/workflows/nightly.yml", """\
name: nightly
on:
  schedule:
    - cron: "0 2 * * *"
jobs:
  scan:
    runs-on: ubuntu-latest
    env:
      SNYK_TOKEN: ⟦S:nightly_snyk⟧
      SLACK_BOT_TOKEN: ⟦S:nightly_slack⟧
    steps:
      - uses: actions/checkout@v4
      - run: npx snyk test --severity-threshold=high
""")

# =============================================================================================
# c23c 2026-01-27 - secrets hard-coded in source (ordinary)
# =============================================================================================
C.commit("c23c", "2026-01-27T16:05:00Z", BEN, "edge defaults; reporting client")
S("go_key", V.rnd(V.ALNUM, 32), "generic_secret", False, note="API key constant in Go source")
C.write("c23c", "services/edge/internal/config/defaults.go", """\
package config

import "time"

const (
	DefaultTimeout = 5 * time.Second
	internalAPIKey = "⟦S:go_key⟧"
	geoRegion      = "eu-west-1"
)

// APIKey returns the key the edge uses towards the internal API.
func APIKey() string { return internalAPIKey }
""")
S("java_pw", V.password(18), "generic_password", False, note="password constant in Java source")
C.write("c23c", "services/reporting/src/main/java/io/larkspur/reporting/ReportingClient.java", """\
package io.larkspur.reporting;

public final class ReportingClient {
    private static final String REPORTING_USER = "reporting";
    private static final String REPORTING_PASSWORD = "⟦S:java_pw⟧";
    private static final int BACKUP_PORT = ⟦N:fallback-sounding constant, a port⟧5433;

    public Connection connect() {
        return Db.connect("finance.prod.larkspur.internal", REPORTING_USER, REPORTING_PASSWORD);
    }
}
""")

# =============================================================================================
# c24 2026-02-12 - SSO outage incident notes: an expired emergency JWT and a never-revoked PAT
# =============================================================================================
C.commit("c24", "2026-02-12T09:20:00Z", TOMAS, "incident 2026-02-11: SSO outage notes")
S("inc_jwt", V.jwt_hs256({"sub": "emergency-operator", "role": "admin", "reason": "INC-5120 SSO outage",
                          "iat": V.ts("2026-02-11T10:02:00Z"), "exp": V.ts("2026-02-11T14:02:00Z")}),
  "jwt", True, False, "emergency JWT, exp 4 h after iat: expired", issued="2026-02-11T10:02:00Z",
  expires="2026-02-11T14:02:00Z")
S("inc_pat", V.github_token("ghp_"), "github_pat", True, True,
  "temporary break-glass PAT created during the incident and never revoked")
C.write("c24", "docs/incidents/2026-02-11-sso-outage.md", """\
# 2026-02-11 SSO outage (INC-5120)

Okta was unreachable from 09:40 to 13:55 UTC. Timeline:

- 09:58 IC declared break-glass. Tomás minted an emergency operator token for the ops console:
  `⟦S:inc_jwt⟧`
- 10:15 Maya created a temporary PAT on the org owner account to unblock the release:
  `⟦S:inc_pat⟧` (TODO: revoke)
- 13:55 Okta back; break-glass closed.

Follow-ups: INC-5121 (alerting on break-glass logins), INC-5122 (rotate the root user's password).
""")

# =============================================================================================
# c24b 2026-03-02 - disk-encryption recovery passphrases and a 1Password emergency kit (fallback)
# =============================================================================================
C.commit("c24b", "2026-03-02T10:10:00Z", PRIYA, "security: escrow copies for the DB hosts and the security vault")
S("luks1", "%d-%s-%s-%s-%d" % (V.R.randint(2, 9), "kettle", "Orbit", "lumen", V.R.randint(10, 99)) + V.rnd(V.ALNUM, 6),
  "generic_password", True, True, "LUKS recovery passphrase (escrow)")
S("luks2", "%d-%s-%s-%s-%d" % (V.R.randint(2, 9), "fjord", "Cinder", "magpie", V.R.randint(10, 99)) + V.rnd(V.ALNUM, 6),
  "generic_password", True, True, "LUKS recovery passphrase (escrow)")
C.write("c24b", "ops/recovery/luks-escrow.ini", """\
; LUKS recovery passphrases - use only if TPM unlock fails after a board replacement.
[db-01.prod.larkspur.internal]
device = /dev/nvme0n1p3
luks_recovery_passphrase = ⟦S:luks1⟧

[db-02.prod.larkspur.internal]
device = /dev/nvme0n1p3
luks_recovery_passphrase = ⟦S:luks2⟧
""")
S("op_secret_key", "A3-%s-%s-%s-%s-%s-%s" % (V.rnd(V.B32[:26] + "23456789", 6), V.rnd(V.B32, 6), V.rnd(V.B32, 5),
                                             V.rnd(V.B32, 5), V.rnd(V.B32, 5), V.rnd(V.B32, 5)),
  "password_manager_secret_key", True, True, "1Password Secret Key of the security team's emergency account")
S("op_master", V.human_password(), "generic_password", True, True, "its master password")
C.write("c24b", "ops/recovery/1password-emergency-kit.txt", """\
1Password Emergency Kit - security-breakglass@larkspur.io
Sign-in address: https://larkspur.1password.com
Email: security-breakglass@larkspur.io
Secret Key: ⟦S:op_secret_key⟧
Master Password: ⟦S:op_master⟧
Keep this kit offline. It opens the "Org Owners - Break Glass" vault.
""")

# =============================================================================================
# c25 2026-03-15 - DR drill notes on a branch that was never merged (still reachable: branch)
# =============================================================================================
C.commit("c25", "2026-03-15T19:00:00Z", TOMAS, "DR drill March 2026: what we used", branch="dr-drill-2026-03")
S("drill_pg", V.url_password(22), "db_password", True, True, "DR admin password in the drill notes (branch only)")
S("drill_gl_pat", V.gitlab_pat(), "gitlab_pat", True, True, "GitLab PAT used to push during the drill")
C.write("c25", "ops/dr/drill-2026-03.md", """\
# DR drill 2026-03-15

Failed over payments to us-west-2 in 41 minutes (RTO 60 min).

Connected to the DR replica as the DR admin:

    psql "postgresql://dr_admin:⟦S:drill_pg⟧@payments-dr.us-west-2.larkspur.internal:5432/payments"

GitLab was read-only, so we pushed the DNS change with the DR service account's token:

    git push https://dr-bot:⟦S:drill_gl_pat⟧@gitlab.larkspur.io/platform/dns.git
""")

# =============================================================================================
# c26 2026-04-02 - "Emergency fix" commit message on an ordinary credential change
# =============================================================================================
C.commit("c26", "2026-04-02T22:47:00Z", BEN, "Emergency fix: rotate payments DB credentials after leak")
S("pay_prod_db", V.password(24), "generic_password", False,
  note="ordinary DB password; only the commit message says emergency")
S("pay_prod_jdbc", V.password(20, symbols="!#%*+-=?@^_"), "db_password", False, note="JDBC URL password")
C.write("c26", "services/payments/config/application-prod.properties", """\
spring.datasource.url=jdbc:postgresql://payments-db.prod.larkspur.internal:5432/payments
spring.datasource.username=payments_app
spring.datasource.password=⟦S:pay_prod_db⟧
reporting.datasource.url=jdbc:sqlserver://reporting.prod.larkspur.internal:1433;databaseName=finance;user=reporting;password=⟦S:pay_prod_jdbc⟧
""")

# =============================================================================================
# c27 2026-06-20 - docker, scripts
# =============================================================================================
C.commit("c27", "2026-06-20T12:00:00Z", CHEN, "docker configs and ops scripts")
S("docker_auth", "ci-push:" + V.rnd(V.ALNUM, 32), "docker_registry_auth", False,
  note="base64(user:password) in auths")
C.write("c27", "docker/config.json", """\
{
  "auths": {
    "registry.larkspur.io": {
      "auth": "⟦S:docker_auth|b64⟧"
    }
  },
  "credsStore": ⟦N:credential helper name⟧"ecr-login"
}
""")
S("compose_mysql_root", V.password(20), "generic_password", False,
  note="MySQL root password for the local compose stack: the DB superuser, used routinely, not an exception path")
S("compose_rabbit", V.url_password(18), "db_password", False)
C.write("c27", "docker-compose.yml", """\
services:
  mysql:
    image: mysql:8.4
    environment:
      MYSQL_ROOT_PASSWORD: "⟦S:compose_mysql_root⟧"
      MYSQL_DATABASE: legacy_crm
  postgres:
    image: postgres:16
    environment:
      POSTGRES_PASSWORD: ⟦N:environment reference with default⟧${POSTGRES_PASSWORD:-}
  worker:
    build: ./services/worker
    environment:
      AMQP_URL: amqp://worker:⟦S:compose_rabbit⟧@rabbitmq:5672/
      BACKUP_ENABLED: ⟦N:fallback-sounding key, a boolean⟧"true"
""")
S("dockerfile_curl", V.password(16), "generic_password", False, note="curl -u in a Dockerfile")
C.write("c27", "docker/Dockerfile", """\
FROM python:3.12-slim
ARG PIP_EXTRA_INDEX_URL
ARG NPM_TOKEN
RUN curl -fsSL -u deploy:⟦S:dockerfile_curl⟧ https://artifacts.larkspur.io/tools/healthcheck -o /usr/local/bin/healthcheck
COPY . /app
CMD ["python", "-m", "app"]
""")

S("script_em_glpat", V.gitlab_pat(), "gitlab_pat", True, True, "token in scripts/emergency-deploy.sh")
C.write("c27", "scripts/emergency-deploy.sh", """\
#!/usr/bin/env bash
# Emergency deploy: bypasses the pipeline. Use only with an open incident.
set -euo pipefail
: "${RELEASE:?release tag}"
AWS_SECRET_ACCESS_KEY=⟦N:1Password reference⟧"$(op read 'op://Platform Breakglass/aws-admin/secret')"
export AWS_SECRET_ACCESS_KEY
curl -fsS -H "Authorization: Bearer ⟦S:script_em_glpat⟧" \\
  -X POST "https://gitlab.larkspur.io/api/v4/projects/42/pipelines?ref=${RELEASE}"
""")
C.write("c27", "scripts/rotate-keys.sh", """\
#!/usr/bin/env bash
set -euo pipefail
export AWS_SECRET_ACCESS_KEY=⟦N:command substitution from Vault⟧"$(vault kv get -field=secret_access_key secret/breakglass/aws)"
new_password=⟦N:command substitution⟧"$(openssl rand -base64 24)"
echo "rotated at $(date -u +%FT%TZ)"
""")
S("restore_pg", V.password(20), "generic_password", True, True, "DR restore user password in the restore script")
C.write("c27", "scripts/db-restore.sh", """\
#!/usr/bin/env bash
# Disaster recovery: restore the payments database from the latest snapshot into the DR region.
set -euo pipefail
export PGHOST=payments-dr.us-west-2.larkspur.internal
export PGUSER=dr_restore
export PGPASSWORD='⟦S:restore_pg⟧'
pg_restore --clean --if-exists -d payments /restore/latest.dump
""")

# =============================================================================================
# c28 2026-09-09 - backup job credentials (ordinary), rescue TOTP, CI bot TOTP
# =============================================================================================
C.commit("c28", "2026-09-09T08:30:00Z", PRIYA, "ops: nightly restic and pg_dump backup jobs")
S("restic_pw", V.password(30), "generic_password", False,
  note="restic repository password of the nightly backup JOB: routine, not an exception path")
S("restic_akid", V.aws_key_id(), "aws_access_key", False, note="backup job uploader key")
S("restic_secret", V.aws_secret(), "aws_secret_key", False)
C.write("c28", "ops/backup/restic.env", """\
# Nightly restic backup of /srv to S3 (cron on backup-01).
RESTIC_REPOSITORY=s3:s3.eu-west-1.amazonaws.com/larkspur-backups/srv
RESTIC_PASSWORD=⟦S:restic_pw⟧
AWS_ACCESS_KEY_ID=⟦S:restic_akid⟧
AWS_SECRET_ACCESS_KEY=⟦S:restic_secret⟧
""")
S("pgbackup_pw", V.password(20), "generic_password", False, note="pg_dump job password")
C.write("c28", "ops/backup/pg-backup-cron.sh", """\
#!/bin/sh
# m h dom mon dow - runs daily at 03:00 (backup_schedule: daily)
export PGPASSWORD=⟦S:pgbackup_pw⟧
pg_dump -h payments-db.prod.larkspur.internal -U backup_ro payments | gzip > /backups/payments-$(date +%F).sql.gz
find /backups -mtime +35 -delete
""")
C.commit("c28b", "2026-09-10T13:00:00Z", TOMAS, "bastion: TOTP for the rescue account")
S("rescue_totp", V.totp_seed(26), "totp_seed", True, True, "TOTP secret of the bastion rescue account")
S("rescue_scratch", "\n".join(V.pam_scratch_codes(5)), "mfa_recovery_codes", True, True,
  "emergency scratch codes of the rescue account (one set)")
C.write("c28b", "ops/bastion/rescue/.google_authenticator", """\
⟦S:rescue_totp⟧
" RATE_LIMIT 3 30
" WINDOW_SIZE 3
" DISALLOW_REUSE
" TOTP_AUTH
⟦S:rescue_scratch⟧
""")
C.commit("c28c", "2026-09-11T09:00:00Z", CHEN, "ci: TOTP seed for the release bot's GitHub account")
S("cibot_totp", V.totp_seed(32), "totp_seed", False,
  note="TOTP of the CI bot account, used by automation on every release: routine")
C.write("c28c", "ops/mfa/ci-bot-totp.txt", """\
# GitHub 2FA for larkspur-ci-bot (release automation signs in with it on every release)
otpauth://totp/GitHub:larkspur-ci-bot?secret=⟦S:cibot_totp⟧&issuer=GitHub
""")

# =============================================================================================
# c29 2026-10-30 - PagerDuty, sops, test fixtures (negatives only)
# =============================================================================================
C.commit("c29", "2026-10-30T10:00:00Z", TOMAS, "ops: PagerDuty escalation, sops-encrypted break-glass secrets, test fixtures")
C.write("c29", "ops/pagerduty/escalation.yml", """\
escalation_policy: platform-primary
emergency_contact: ⟦N:phone number under a fallback key⟧"+1-555-0199"
escalation_timeout_minutes: 15
break_glass_approvers: ⟦N:people under a fallback key⟧[maya.lindqvist, priya.raman]
dr_region: ⟦N:fallback-sounding key, a region⟧us-west-2
recovery_time_objective: ⟦N:fallback-sounding key, a duration⟧60m
""")


def enc():
    return "ENC[AES256_GCM,data:%s,iv:%s,tag:%s,type:str]" % (
        V.b64(bytes(V.R.getrandbits(8) for _ in range(30))), V.b64(bytes(V.R.getrandbits(8) for _ in range(32))),
        V.b64(bytes(V.R.getrandbits(8) for _ in range(16))))


C.write("c29", "secrets/breakglass.enc.yaml", """\
breakglass:
    aws_access_key_id: ⟦N:sops-encrypted value⟧%s
    aws_secret_access_key: ⟦N:sops-encrypted value⟧%s
    okta_recovery_codes: ⟦N:sops-encrypted value⟧%s
sops:
    kms:
        - arn: arn:aws:kms:eu-west-1:318476520941:key/6b1f5c2e-8f0a-4d1e-9b7c-2f3e4a5b6c7d
          enc: ⟦N:KMS-encrypted sops data key⟧AQICAHj%s
    lastmodified: "2026-10-30T09:58:12Z"
    mac: ⟦N:sops MAC⟧%s
    version: 3.9.1
""" % (enc(), enc(), enc(), V.b64(bytes(V.R.getrandbits(8) for _ in range(120))), enc()))

C.write("c29", "tests/fixtures/fake_credentials.json", """\
{
  "_comment": "Fake values for the credential-loader unit tests. Not real credentials.",
  "aws_secret_access_key": ⟦N:fake test fixture value⟧"fakeAwsSecretKeyForUnitTestsOnly0000000000",
  "api_token": ⟦N:fake test fixture value⟧"fake-api-token-7f3a9c21-unit-tests",
  "db_password": ⟦N:fake test fixture value⟧"fake_Passw0rd!_for_tests"
}
""")
C.write("c29", "tests/unit/test_password_policy.py", """\
from larkspur.auth import policy


def test_rejects_common_passwords():
    assert not policy.acceptable(⟦N:a known-bad password in a test of the password policy⟧"Password123!")
    assert policy.minimum_length == 14
    assert policy.password_reuse_prevention == 24


def test_hash_format():
    h = policy.hash_password("correct horse battery staple")
    assert h.startswith("$2b$")
    assert ⟦N:bcrypt hash constant, not a password⟧"%s" != h
""" % V.bcrypt_like())

# =============================================================================================
# c30 2026-11-01 (22 days) - an old, long-expired drill token pasted into an incident archive
# =============================================================================================
C.commit("c30", "2026-11-01T09:00:00Z", PRIYA, "incident archive: break-glass drill token from June 2024")
S("drill_jwt_2024", V.jwt_hs256({"sub": "breakglass-drill", "role": "admin", "iat": V.ts("2024-06-12T09:00:00Z"),
                                 "exp": V.ts("2024-06-12T13:00:00Z")}),
  "jwt", True, False, "JWT expired in June 2024 (committed 22 days ago): not standing",
  issued="2024-06-12T09:00:00Z", expires="2024-06-12T13:00:00Z")
C.write("c30", "docs/incidents/2024-06-12-breakglass-drill.md", """\
# Break-glass drill, 2024-06-12 (archived from the old wiki)

The drill used a four-hour emergency admin token for the ops console:

    ⟦S:drill_jwt_2024⟧

Outcome: the on-call could reach the console in 6 minutes without SSO.
""")

# =============================================================================================
# c31 2026-11-17 (6 days) - the standby release-signing key (old certificate) imported from an HSM export
# =============================================================================================
C.commit("c31", "2026-11-17T15:00:00Z", PRIYA, "certs: standby release-signing key from the old HSM export, for when the HSM is lost")
bs_key = V.rsa_key(2048)
bs_cert, bs_pem = V.certificate(bs_key, "Larkspur Release Signing (standby)", "2024-05-01T00:00:00Z",
                                "2034-04-29T00:00:00Z", o="Larkspur")
S("standby_signing_key", V.pem_pkcs8(bs_key), "private_key", True, True,
  "committed 6 days ago but issued 2024-05-01 (certificate in the same file), valid 10 years",
  issued="2024-05-01T00:00:00Z", expires="2034-04-29T00:00:00Z")
C.write("c31", "ops/certs/release-signing/standby-signing.pem", "%s\n⟦S:standby_signing_key⟧\n" % bs_pem)

# =============================================================================================
# c32 2026-11-18 (5 days) - temporary Okta emergency admin: fallback, not standing yet
# =============================================================================================
C.commit("c32", "2026-11-18T10:00:00Z", TOMAS, "break-glass: temporary Okta emergency admin for the IdP migration")
S("okta_em_pw", V.password(20), "generic_password", True, False, "committed 5 days ago: within the window")
S("okta_api_tok", "00" + V.rnd(V.ALNUM + "_-", 40), "okta_api_token", True, False, "same file, 5 days")
C.write("c32", "ops/breakglass/okta-emergency-admin.txt", """\
Okta emergency admin (IdP migration, delete after 2026-11-25)
username: emergency-admin@larkspur.okta.com
password: ⟦S:okta_em_pw⟧
okta_api_token: ⟦S:okta_api_tok⟧
""")

# =============================================================================================
# c33 2026-11-20 (3 days) - DR failover env: fallback, not standing yet
# =============================================================================================
C.commit("c33", "2026-11-20T09:00:00Z", TOMAS, "dr: failover environment for the us-west-2 test")
S("dr_env_pw", V.password(22), "generic_password", True, False, "3 days old")
S("dr_env_akid", V.aws_key_id(), "aws_access_key", True, False, "3 days old")
S("dr_env_secret", V.aws_secret(), "aws_secret_key", True, False, "3 days old")
C.write("c33", "ops/dr/failover.env", """\
# Disaster recovery failover to us-west-2
DR_DB_PASSWORD=⟦S:dr_env_pw⟧
DR_AWS_ACCESS_KEY_ID=⟦S:dr_env_akid⟧
DR_AWS_SECRET_ACCESS_KEY=⟦S:dr_env_secret⟧
""")

# =============================================================================================
# c34 2026-11-21 (2 days) - edit of overrides.yml (secret unchanged); an old emergency JWT copied in
# =============================================================================================
C.commit("c34", "2026-11-21T08:00:00Z", MAYA, "ops-console: raise the rate limit; copy the legacy emergency JWT from the wiki")
C.write("c34", "services/ops-console/config/overrides.yml", OVERRIDES % 1200)
S("legacy_em_jwt", V.jwt_hs256({"sub": "emergency-operator", "role": "admin", "iat": V.ts("2025-12-01T12:00:00Z")}),
  "jwt", True, True, "committed 2 days ago, but iat 2025-12-01 and no exp: standing",
  issued="2025-12-01T12:00:00Z")
C.write("c34", "ops/breakglass/legacy-emergency-token.txt", """\
Legacy ops-console emergency token (from the old wiki page "When SSO is down"):
⟦S:legacy_em_jwt⟧
""")

# =============================================================================================
# c35 2026-11-21 (2 days) - a short-lived emergency JWT: time-bound, not standing
# =============================================================================================
C.commit("c35", "2026-11-21T09:30:00Z", PRIYA, "ops-console: emergency token for this week's maintenance")
S("maint_jwt", V.jwt_hs256({"sub": "emergency-operator", "role": "admin", "reason": "CHG-2291",
                            "iat": V.ts("2026-11-21T09:00:00Z"), "exp": V.ts("2026-11-25T09:00:00Z")}),
  "jwt", True, False, "iat 2 days ago, exp in 2 days (4-day validity): time-bound",
  issued="2026-11-21T09:00:00Z", expires="2026-11-25T09:00:00Z")
C.write("c35", "services/ops-console/maintenance.env", """\
# Emergency operator token for the CHG-2291 maintenance window (expires 2026-11-25).
OPS_CONSOLE_EMERGENCY_TOKEN=⟦S:maint_jwt⟧
""")

# =============================================================================================
# c36 2026-11-22 (1 day) - ordinary staging secrets
# =============================================================================================
C.commit("c36", "2026-11-22T16:00:00Z", BEN, "payments: staging config")
S("stg_whsec", V.stripe_whsec(), "stripe_webhook_secret", False)
S("stg_db", V.url_password(20), "db_password", False)
C.write("c36", "services/payments/config/staging.env", """\
DATABASE_URL=postgresql://payments:⟦S:stg_db⟧@payments-db.staging.larkspur.internal:5432/payments
STRIPE_WEBHOOK_SECRET=⟦S:stg_whsec⟧
FEATURE_FLAGS=refunds_v2,backup_codes_ui
""")


# =============================================================================================
# Issue 18 cases (appended last so that the seeded generator leaves every earlier value as it
# was): temporary credentials and their expiry, standby/active key pairs, a backup copy of an
# everyday credential, credentials in runbook prose and Terraform state, a break-glass SSH access
# grant, and ciphertext / environment lookups that are not secrets. Dates are older than the
# commits above them: history order is not date order, and nothing depends on it.
# =============================================================================================
def sts_token():
    return "IQoJb3JpZ2luX2VjE" + V.rnd(V.B64, 340) + "=="


def storage_key():
    return V.rnd(V.B64, 86) + "=="


# v18a 2026-03-02 - saml2aws output pasted for an incident: the STS session expired that day;
# the long-term break-glass key pasted under it has no expiry (standing access).
C.commit("v18a", "2026-03-02T12:00:00Z", TOMAS, "INC-2231: break-glass AWS session used for the S3 lockout")
S("sts_ini_id", V.aws_key_id("ASIA"), "aws_access_key", True, False,
  "STS key id; x_security_token_expires 2026-03-02T23:00Z: expired", expires="2026-03-02T23:00:00Z")
S("sts_ini_secret", V.aws_secret(), "aws_secret_key", True, False,
  "secret of the expired STS session", expires="2026-03-02T23:00:00Z")
S("sts_ini_token", sts_token(), "aws_session_token", True, False,
  "session token of the expired STS session", expires="2026-03-02T23:00:00Z")
S("bg_lt_id", V.aws_key_id("AKIA"), "aws_access_key", True, True, "long-term break-glass key: no expiry")
S("bg_lt_secret", V.aws_secret(), "aws_secret_key", True, True, "long-term break-glass key: no expiry")
C.write("v18a", "ops/aws/inc-2231-credentials", """\
# INC-2231: credentials used during the S3 lockout (saml2aws login as BreakGlassAdmin).
[breakglass-inc-2231]
aws_access_key_id = ⟦S:sts_ini_id⟧
aws_secret_access_key = ⟦S:sts_ini_secret⟧
aws_session_token = ⟦S:sts_ini_token⟧
x_security_token_expires = 2026-03-02T23:00:00Z
x_principal_arn = arn:aws:sts::318476520941:assumed-role/BreakGlassAdmin/tomas

[breakglass-longterm]
aws_access_key_id = ⟦S:bg_lt_id⟧
aws_secret_access_key = ⟦S:bg_lt_secret⟧
""")

# v18b 2026-04-10 - `aws sts assume-role` JSON kept in the incident notes: expired.
C.commit("v18b", "2026-04-10T12:30:00Z", PRIYA, "incident notes: emergency role session for the KMS key recovery")
S("sts_json_id", V.aws_key_id("ASIA"), "aws_access_key", True, False, "Expiration 2026-04-10T13:30Z",
  expires="2026-04-10T13:30:00Z")
S("sts_json_secret", V.aws_secret(), "aws_secret_key", True, False, "Expiration 2026-04-10T13:30Z",
  expires="2026-04-10T13:30:00Z")
S("sts_json_token", sts_token(), "aws_session_token", True, False, "Expiration 2026-04-10T13:30Z",
  expires="2026-04-10T13:30:00Z")
C.write("v18b", "docs/incidents/2026-04-10-emergency-assume-role.json", """\
{
    "Credentials": {
        "AccessKeyId": "⟦S:sts_json_id⟧",
        "SecretAccessKey": "⟦S:sts_json_secret⟧",
        "SessionToken": "⟦S:sts_json_token⟧",
        "Expiration": "2026-04-10T13:30:00+00:00"
    },
    "AssumedRoleUser": {
        "AssumedRoleId": "AROAUSL2F7QJXK5MZB6WN:priya",
        "Arn": "arn:aws:sts::318476520941:assumed-role/EmergencyKMSAdmin/priya"
    }
}
""")

# v18c 2026-05-20 - a DR drill's temporary credentials without an expiry, and a GitHub App
# installation token: both bounded by their kind's maximum lifetime (36 h, 1 h).
C.commit("v18c", "2026-05-20T08:00:00Z", TOMAS, "dr drill: session for the DisasterRecovery role")
S("sts_env_id", V.aws_key_id("ASIA"), "aws_access_key", True, False,
  "no expiry written: at most 36 h after the commit", expires="2026-05-21T20:00:00Z")
S("sts_env_secret", V.aws_secret(), "aws_secret_key", True, False,
  "no expiry written: at most 36 h after the commit", expires="2026-05-21T20:00:00Z")
S("sts_env_token", sts_token(), "aws_session_token", True, False,
  "no expiry written: at most 36 h after the commit", expires="2026-05-21T20:00:00Z")
S("bg_ghs", V.github_token("ghs_"), "github_app_installation_token", True, False,
  "installation token: at most 1 h", expires="2026-05-20T09:00:00Z")
C.write("v18c", "ops/dr/drill-session.sh", """\
# Disaster recovery drill 2026-05: temporary credentials of the DisasterRecovery role.
export AWS_ACCESS_KEY_ID=⟦S:sts_env_id⟧
export AWS_SECRET_ACCESS_KEY=⟦S:sts_env_secret⟧
export AWS_SESSION_TOKEN=⟦S:sts_env_token⟧
""")
C.write("v18c", "ops/breakglass/github-app-token.txt", "⟦S:bg_ghs⟧\n")

# v18d 2026-06-01 - storage account key pairs: the standby key is the fallback credential, the
# primary one is in daily use.
C.commit("v18d", "2026-06-01T10:00:00Z", CHEN, "dr: storage keys for the failover account")
S("stor_primary", storage_key(), "azure_storage_account_key", False, False, "primary key, in daily use")
S("stor_standby", storage_key(), "azure_storage_account_key", True, True, "standby key, for failover")
S("cfg_primary", storage_key(), "azure_storage_account_key", False, False, "primary key, in daily use")
S("cfg_secondary", storage_key(), "azure_storage_account_key", True, True, "secondary key kept back")
C.write("v18d", "ops/dr/storage.env", """\
# DR storage account (larkspurdr): the primary key is in daily use by the sync job,
# the standby key is kept for failover while the primary is rotated.
AZURE_STORAGE_PRIMARY_KEY=⟦S:stor_primary⟧
AZURE_STORAGE_STANDBY_KEY=⟦S:stor_standby⟧
""")
C.write("v18d", "services/reporting/config/storage.yml", """\
storage:
  account: larkspurreports
  failover:
    # both keys of the account; clients use the primary
    primary_key: "⟦S:cfg_primary⟧"
    secondary_key: "⟦S:cfg_secondary⟧"
""")

# v18e 2026-06-15 - a copy of db01's my.cnf before an upgrade: an everyday admin password in a
# backup location is not a fallback credential (custody, not purpose).
C.commit("v18e", "2026-06-15T09:00:00Z", BEN, "db01: keep a copy of my.cnf before the MySQL 8.4 upgrade")
S("mycnf_root", V.password(18), "db_password", False, False, "root's everyday client password, .bak copy")
C.write("v18e", "backups/db01/my.cnf.bak", """\
[client]
user=root
password=⟦S:mycnf_root⟧
host=db01.larkspur.internal
""")

# v18f 2026-07-01 - runbooks: 2FA backup codes listed in Markdown, a password in a sentence.
C.commit("v18f", "2026-07-01T16:00:00Z", PRIYA, "runbooks: Slack owner account and database emergency access")
S("slack_codes", "\n- ".join(V.rnd("0123456789", 10) for _ in range(10)), "mfa_recovery_codes", True, True,
  "10 backup codes in a Markdown list")
S("pg_emerg_pw", V.password(16), "db_password", True, True, "password in a runbook sentence")
C.write("v18f", "docs/runbooks/slack-owner-account.md", """\
# Slack: the owner account

The primary owner signs in with SSO. If SSO and the owner's phone are both lost, use one of the
account's two-factor backup codes below (each works once; cross it out after use):

- ⟦S:slack_codes⟧

Regenerate the list after any use and tell #security.
""")
C.write("v18f", "docs/runbooks/db-emergency-access.md", """\
# Database emergency access

When IAM authentication to payments-db is down, connect as `pg_emergency`. The emergency password is ⟦S:pg_emerg_pw⟧ and it must be rotated after every use.

The password of the everyday `payments` role is ⟦N:a sentence about a password, no value⟧stored in Vault and never written here.
""")

# v18g 2026-07-20 - Terraform state of the mail and break-glass stacks.
C.commit("v18g", "2026-07-20T11:00:00Z", MAYA, "terraform: mail stack state (local backend during the migration)")
S("ses_id", V.aws_key_id("AKIA"), "aws_access_key", False, False)
S("ses_secret", V.aws_secret(), "aws_secret_key", False, False)
S("ses_smtp", "B" + V.rnd(V.B64, 43), "aws_ses_smtp_password", False, False, "ses_smtp_password_v4")
S("bg_console_pw", V.password(20), "aws_console_password", True, True,
  "aws_iam_user_login_profile.password of the break-glass user")
S("mail_db_pw", V.rnd(V.ALNUM, 24), "db_password", False, False, "aws_db_instance.password, letters and digits")
C.write("v18g", "terraform/mail/terraform.tfstate", """\
{
  "version": 4,
  "terraform_version": "1.8.5",
  "serial": 17,
  "lineage": "3e1f0c2a-7b4d-4c6e-9a8b-1d2e3f4a5b6c",
  "outputs": {},
  "resources": [
    {
      "mode": "managed",
      "type": "aws_iam_access_key",
      "name": "ses_smtp",
      "provider": "provider[\\"registry.terraform.io/hashicorp/aws\\"]",
      "instances": [
        {
          "schema_version": 0,
          "attributes": {
            "create_date": "2026-07-20T10:58:12Z",
            "id": "⟦S:ses_id⟧",
            "pgp_key": null,
            "secret": "⟦S:ses_secret⟧",
            "ses_smtp_password_v4": "⟦S:ses_smtp⟧",
            "status": "Active",
            "user": "ses-smtp-sender"
          },
          "sensitive_attributes": []
        }
      ]
    },
    {
      "module": "module.breakglass",
      "mode": "managed",
      "type": "aws_iam_user_login_profile",
      "name": "this",
      "provider": "provider[\\"registry.terraform.io/hashicorp/aws\\"]",
      "instances": [
        {
          "schema_version": 0,
          "attributes": {
            "encrypted_password": null,
            "id": "breakglass-admin",
            "key_fingerprint": null,
            "password": "⟦S:bg_console_pw⟧",
            "password_length": 20,
            "password_reset_required": false,
            "pgp_key": null,
            "user": "breakglass-admin"
          },
          "sensitive_attributes": []
        }
      ]
    },
    {
      "mode": "managed",
      "type": "aws_db_instance",
      "name": "mail",
      "provider": "provider[\\"registry.terraform.io/hashicorp/aws\\"]",
      "instances": [
        {
          "schema_version": 2,
          "attributes": {
            "engine": "postgres",
            "identifier": "mail-prod",
            "password": "⟦S:mail_db_pw⟧",
            "username": "mail_app"
          },
          "sensitive_attributes": []
        }
      ]
    }
  ]
}
""")

# v18h 2026-08-05 - root's authorized_keys with a break-glass entry (an access grant), plus the
# ciphertext of a sealed secret and environment lookups: not secrets.
C.commit("v18h", "2026-08-05T09:30:00Z", TOMAS, "ansible: root authorized_keys; sealed break-glass secret; recovery settings")
S("bg_ssh_grant", "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI" + V.rnd(V.B64, 43), "ssh_access_grant", True, True,
  "break-glass root entry without command=: a standing access grant")
C.write("v18h", "ansible/roles/base/files/root_authorized_keys", """\
⟦S:bg_ssh_grant⟧ breakglass-root@larkspur
command="/usr/local/sbin/restic-serve",no-pty ⟦N:public key of a forced-command entry⟧ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI%s backup-job@larkspur
""" % V.rnd(V.B64, 43))
C.write("v18h", "k8s/prod/ops/breakglass-sealed.yaml", """\
apiVersion: bitnami.com/v1alpha1
kind: SealedSecret
metadata:
  name: breakglass-admin
  namespace: ops
spec:
  encryptedData:
    password: ⟦N:sealed-secrets ciphertext⟧Ag%s
    recovery_token: ⟦N:sealed-secrets ciphertext⟧Ag%s
  template:
    metadata:
      name: breakglass-admin
""" % (V.rnd(V.B64, 300), V.rnd(V.B64, 300)))
C.write("v18h", "services/ops-console/ops_console/recovery.py", """\
import os

RECOVERY_TOKEN = os.environ.get(⟦N:environment lookup⟧"RECOVERY_TOKEN")
BREAKGLASS_PASSWORD = os.getenv(⟦N:environment lookup⟧"BREAKGLASS_PASSWORD", "")
EMERGENCY_API_KEY = os.environ[⟦N:environment lookup⟧"EMERGENCY_API_KEY"]
""")


# v18i 2026-08-20 - signing secrets picked as phrases (no digits) in settings modules.
C.commit("v18i", "2026-08-20T10:00:00Z", BEN, "ops-console: settings module; gateway JWT config")
S("oc_jwt_phrase", "larkspur-" + V.rnd("abcdefghijklmnopqrstuvwxyz", 8) + "-console-signing-key",
  "signing_secret", False, False, "JWT signing secret, a phrase without digits")
S("gw_jwt_phrase", "gateway-" + V.rnd("abcdefghijklmnopqrstuvwxyz", 10) + "-hmac-key", "signing_secret",
  False, False, "JWT secret in a YAML block")
C.write("v18i", "services/ops-console/ops_console/settings.py", """\
import os

DEBUG = False
JWT_SECRET = "⟦S:oc_jwt_phrase⟧"
JWT_ALGORITHM = "HS256"
SESSION_SECRET = os.environ[⟦N:environment lookup⟧"SESSION_SECRET"]
""")
C.write("v18i", "services/gateway/config/application.yml", """\
server:
  port: 8443
security:
  jwt:
    secret: ⟦S:gw_jwt_phrase⟧
    ttl: 3600
""")


# v18j 2026-09-01 - an everyday key and its DR twin under one comment: only the twin is fallback.
C.commit("v18j", "2026-09-01T09:00:00Z", CHEN, "payments: Stripe keys for the primary and the failover site")
S("stripe_main", V.stripe(), "stripe_secret_key", False, False, "everyday key; the comment above is about its twin")
S("stripe_dr", V.stripe(), "stripe_secret_key", True, True, "the DR twin of STRIPE_SECRET_KEY")
C.write("v18j", "services/payments/config/stripe.env", """\
# Stripe keys. The DR key is only for the us-west-2 failover site.
STRIPE_SECRET_KEY=⟦S:stripe_main⟧
STRIPE_SECRET_KEY_DR=⟦S:stripe_dr⟧
""")


# =============================================================================================
# output
# =============================================================================================
def check_standing(labs):
    """The hand-assigned standing labels must follow the policy from the dates we know."""
    when = {c["id"]: V.ts(c["date"]) for c in C.commits}
    first = {}
    for lab in labs:
        first[lab["id"]] = min(first.get(lab["id"], 1 << 62), when[lab["commit"]])
    now, window = V.ts(NOW), 7 * 86400
    bad = []
    for lab in labs:
        s = C.secrets[lab["id"]]
        issued = V.ts(s.issued) if s.issued else first[lab["id"]]
        expires = V.ts(s.expires) if s.expires else None
        live = expires is None or expires > now
        old = now - issued > window
        unbounded = expires is None or expires - issued > window
        want = s.fallback and live and old and unbounded
        if want != s.standing:
            bad.append("%s (%s:%d): labelled standing=%s, policy says %s"
                       % (lab["id"], lab["path"], lab["line"], s.standing, want))
    if bad:
        raise SystemExit("standing labels disagree with the policy:\n  " + "\n  ".join(bad))


def main():
    out = os.path.dirname(HERE)
    for d in ("repo", "versions"):
        shutil.rmtree(os.path.join(out, d), ignore_errors=True)
    seen_paths = set()
    commits_yaml = []
    labels, negatives = {}, {}
    for c in C.commits:
        entry = {"id": c["id"], "date": c["date"], "author": c["author"], "message": c["message"]}
        if c["committer_date"] != c["date"]:
            entry["committer_date"] = c["committer_date"]
        if c["branch"] != "main":
            entry["branch"] = c["branch"]
        writes = []
        for path, text in c["write"]:
            rendered, uses, negs = render(C, text)
            if path in seen_paths:
                src = os.path.join("versions", c["id"], path)
            else:
                src = os.path.join("repo", path)
                seen_paths.add(path)
            dst = os.path.join(out, src)
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            with open(dst, "w", encoding="utf-8", newline="") as fh:
                fh.write(rendered)
            writes.append({"path": path, "src": src})
            for sid, line, end, hint, col in uses:
                s = C.secrets[sid]
                key = (path, line, col)
                lab = {"path": path, "line": line, "column": col}
                if end != line:
                    lab["end"] = end
                lab.update({"hint": hint, "kind": s.kind, "fallback": s.fallback, "standing": s.standing,
                            "id": sid, "commit": c["id"]})
                if s.note:
                    lab["note"] = s.note
                if key in labels:
                    if labels[key]["id"] != sid:
                        raise SystemExit("two secrets at %s:%d:%d" % key)
                    continue
                labels[key] = lab
            for why, line, hint, col in negs:
                key = (path, line, hint)
                negatives.setdefault(key, {"path": path, "line": line, "hint": hint, "why": why})
        if writes:
            entry["write"] = writes
        if c["remove"]:
            entry["remove"] = list(c["remove"])
        commits_yaml.append(entry)
    check_standing(labels.values())
    unused = set(C.secrets) - {lab["id"] for lab in labels.values()}
    if unused:
        raise SystemExit("declared but unused secrets: " + ", ".join(sorted(unused)))

    header = ("# GENERATED by tests/corpus/gen/make_corpus.py - edit the generator, not this file.\n")
    with open(os.path.join(out, "history.yml"), "w") as fh:
        fh.write(header)
        fh.write("# Commits in order; measure.py replays them into a fresh git repository.\n"
                 "# write: the file at `path` gets the content of `src` (relative to tests/corpus);\n"
                 "# remove: paths deleted in that commit; branch: commit on that branch (created from\n"
                 "# main's tip when new) instead of main. committer_date defaults to date.\n")
        yaml.safe_dump({"now": NOW, "committer": "Larkspur Git <git@larkspur.io>", "commits": commits_yaml},
                       fh, sort_keys=False, allow_unicode=True, width=100)
    secs = sorted(labels.values(), key=lambda x: (x["path"], x["line"]))
    negs = sorted(negatives.values(), key=lambda x: (x["path"], x["line"]))
    with open(os.path.join(out, "labels.yml"), "w") as fh:
        fh.write(header)
        fh.write("# secrets: every credential in the corpus, at the line where it starts (end: last line of a\n"
                 "#   multi-line value); hint: its first 4 characters as written in the file; fallback: an\n"
                 "#   exception-path credential; standing: standing access at `now` under the default policy\n"
                 "#   (only fallback credentials can be); commit: the commit that introduced that file version.\n"
                 "# negatives: hard negatives - text that must not be reported (anything reported that is\n"
                 "#   not a labelled secret is a false positive; these are listed to explain why).\n")
        yaml.safe_dump({"now": NOW, "secrets": secs, "negatives": negs}, fh, sort_keys=False,
                       allow_unicode=True, width=100)
    nf = sum(1 for s in secs if s["fallback"])
    ns = sum(1 for s in secs if s["standing"])
    files = {s["path"] for s in secs} | {n["path"] for n in negs}
    print("secrets %d (fallback %d, standing %d), negatives %d, files with labels %d, files %d"
          % (len(secs), nf, ns, len(negs), len(files), len(seen_paths)))


if __name__ == "__main__":
    main()
