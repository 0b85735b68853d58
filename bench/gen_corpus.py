#!/usr/bin/env python3
"""Generate the fallback-scan benchmark corpus.

    gen_corpus.py OUTDIR [--size-mb 25] [--files 5000] [--seed 1] [--force]

Writes a deterministic tree of realistic source and configuration text (Python, Go, JS/TS, Java,
C, YAML, JSON, Terraform, .env, INI/TOML, Markdown, shell, XML, logs) into OUTDIR, plants about
one FAKE credential per 50 files, lists the planted credentials in OUTDIR/MANIFEST.tsv and prints
a one-line summary.

Determinism: everything is drawn from one random.Random(seed); nothing depends on the time, on
hash randomisation or on directory listing order. The same seed, options and Python version give
a byte-identical tree.

Everything planted is generated at random and is not a real credential. The noise deliberately
contains near misses (UUIDs, hex digests, base64 blobs, npm integrity hashes, documentation
example keys, placeholders such as ${VAR} and {{ .Values.x }}, public certificates) so that a
scanner's prefilter fires often while its confirmation step rejects.

MANIFEST.tsv columns: path (relative to OUTDIR), line (1-based line where the secret starts; for
PEM keys the -----BEGIN line), kind, key (the name the secret is assigned to, or -).
"""

import argparse
import base64
import json
import math
import os
import random
import shutil
import sys
import time
import zlib

# --------------------------------------------------------------------------------------------
# Vocabularies. Deliberately free of credential words (key, token, secret, password, auth...):
# those only appear in planted secrets and in clearly placeholder-valued noise.
# --------------------------------------------------------------------------------------------

NOUNS = """account address alert archive asset audit backup balance batch billing bucket budget
cache cart catalog channel checkout client cluster config connector consumer contract counter
customer dashboard dataset device digest dispatch document domain driver email endpoint entry
event extract feature feed filter flag gateway graph group handler health history host identity
image intake index inventory invoice job journal label ledger limit listing loader locale lock
manifest member message metric migration mirror model module monitor node notice offer order
origin owner parcel page partition payment payload peer permission pipeline plan policy pool
price probe product profile project promo quota queue quote rate receipt record region registry
release replica report request resource response result review route rule sample schedule schema
scope search segment sender server service shard shipment signal site snapshot source span
spec stage status store stream subscriber summary supplier task team template tenant ticket
timer topic trace transfer trigger upload usage user vendor version view volume warehouse
webhook widget worker workflow zone""".split()

VERBS = """fetch load parse validate update create remove sync flush resolve encode decode compute
render emit enroll schedule retry merge normalize serialize persist refresh reconcile publish
subscribe dispatch build init close open read write scan check apply migrate collect prune
expand attach detach enqueue drain throttle aggregate index annotate archive ingest
format notify poll probe reload reset restore split verify watch wrap""".split()

ADJS = """stale pending active standard cached remote local primary secondary legacy internal
external deferred partial invalid empty expired current next previous shared regional temporary raw
normalized batched sorted unique optional required readonly dirty clean paused failed""".split()

VERBS_NOUNS = VERBS + NOUNS

GERUNDS = [v + "ing" if not v.endswith("e") else v[:-1] + "ing" for v in VERBS]

PEOPLE = """jsmith akumar mlopez tnguyen rpatel kchen dgarcia owilliams lbrown sjohnson hmuller
ayamamoto pkowalski fdubois eivanova bsilva cmartin nrossi""".split()

FIRST = """alice bob carol dave erin frank grace heidi ivan judy mallory niaj olivia peggy rupert
sybil trent victor walter yuki zoe""".split()

ORGS = ["acme", "globex", "initech", "umbrella", "hooli", "vandelay", "stark", "wayne", "tyrell",
        "cyberdyne", "soylent", "massive", "contoso", "fabrikam", "northwind"]

TLDS = ["com", "io", "net", "dev", "cloud", "internal"]

ENVS = ["dev", "staging", "prod", "qa", "sandbox", "perf", "eu-prod", "us-prod"]

REGIONS = ["us-east-1", "us-west-2", "eu-west-1", "eu-central-1", "ap-southeast-2", "ap-northeast-1"]

HTTP_METHODS = ["GET", "GET", "GET", "POST", "POST", "PUT", "PATCH", "DELETE"]
HTTP_CODES = [200, 200, 200, 200, 201, 204, 301, 304, 400, 401, 403, 404, 409, 429, 500, 502, 503]
LEVELS = ["INFO"] * 6 + ["DEBUG"] * 3 + ["WARN"] * 2 + ["ERROR"]
UAS = ["Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0 Safari/537.36",
       "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_3) AppleWebKit/605.1.15 Version/17.3 Safari/605.1.15",
       "curl/8.5.0", "python-requests/2.31.0", "Go-http-client/1.1", "kube-probe/1.29",
       "okhttp/4.12.0", "Prometheus/2.50.1", "aws-sdk-go/1.50.8 (go1.22.0; linux; amd64)"]

PY_STDLIB = ["os", "sys", "json", "time", "logging", "re", "typing", "datetime", "hashlib",
             "itertools", "functools", "collections", "dataclasses", "pathlib", "uuid", "base64",
             "asyncio", "contextlib", "enum", "random", "subprocess", "threading", "urllib.parse"]
PY_THIRD = ["requests", "boto3", "sqlalchemy", "pydantic", "fastapi", "click", "yaml", "redis",
            "celery", "httpx", "pytest", "numpy", "pandas", "structlog", "tenacity"]
GO_STD = ["context", "errors", "fmt", "io", "net/http", "os", "sort", "strconv", "strings", "sync",
          "time", "encoding/json", "database/sql", "log/slog", "bytes", "crypto/sha256"]
GO_THIRD = ["github.com/google/uuid", "github.com/prometheus/client_golang/prometheus",
            "go.uber.org/zap", "github.com/go-chi/chi/v5", "github.com/jackc/pgx/v5",
            "google.golang.org/grpc", "github.com/stretchr/testify/require",
            "github.com/aws/aws-sdk-go-v2/service/s3", "golang.org/x/sync/errgroup"]
JS_PKGS = ["react", "express", "axios", "lodash", "zod", "dayjs", "uuid", "@tanstack/react-query",
           "next/router", "pino", "ioredis", "pg", "jsonwebtoken-free", "@aws-sdk/client-s3",
           "vitest", "classnames", "react-hook-form", "date-fns"]
JAVA_IMPORTS = ["java.util.List", "java.util.Map", "java.util.Optional", "java.util.UUID",
                "java.time.Instant", "java.time.Duration", "java.util.concurrent.CompletableFuture",
                "org.slf4j.Logger", "org.slf4j.LoggerFactory",
                "org.springframework.stereotype.Service",
                "org.springframework.beans.factory.annotation.Autowired",
                "org.springframework.web.bind.annotation.GetMapping",
                "org.springframework.web.bind.annotation.RestController",
                "org.springframework.transaction.annotation.Transactional",
                "com.fasterxml.jackson.databind.ObjectMapper", "jakarta.validation.Valid"]
C_HEADERS = ["stdio.h", "stdlib.h", "string.h", "stdint.h", "stdbool.h", "errno.h", "unistd.h",
             "fcntl.h", "sys/types.h", "sys/stat.h", "pthread.h", "assert.h", "limits.h",
             "time.h", "inttypes.h", "signal.h"]
C_TYPES = ["int", "size_t", "uint32_t", "uint64_t", "int64_t", "bool", "char *", "const char *",
           "double", "uint8_t", "ssize_t"]
JAVA_TYPES = ["String", "int", "long", "boolean", "List<String>", "Map<String, Object>",
              "Optional<String>", "Instant", "UUID", "double"]
GO_TYPES = ["string", "int", "int64", "bool", "[]string", "map[string]string", "time.Time",
            "time.Duration", "float64", "[]byte", "uint32"]
TS_TYPES = ["string", "number", "boolean", "string[]", "Record<string, unknown>", "Date",
            "number | null", "unknown"]

K8S_IMAGES = ["nginx:1.25.4", "redis:7.2-alpine", "postgres:16.2", "busybox:1.36",
              "grafana/grafana:10.3.3", "prom/prometheus:v2.50.1", "envoyproxy/envoy:v1.29.1"]
TF_RESOURCES = ["aws_s3_bucket", "aws_iam_role", "aws_security_group", "aws_instance",
                "aws_lambda_function", "aws_sqs_queue", "aws_cloudwatch_log_group",
                "aws_route53_record", "aws_ecs_service", "aws_kms_key", "google_storage_bucket",
                "azurerm_resource_group", "aws_dynamodb_table", "aws_sns_topic"]

SENTENCE_TEMPLATES = [
    "{Verb} the {noun} before {gerund} the {noun2}.",
    "TODO({person}): {verb} {noun} once {noun2} supports {adj} mode.",
    "NOTE: this {verb}s the {adj} {noun} for every {noun2}.",
    "FIXME: {noun} can be {adj} when the {noun2} is {gerund} concurrently.",
    "Returns the {noun} for the given {noun2}, or None if it does not exist.",
    "Keep in sync with {path}.",
    "Deprecated: use {ident}() instead.",
    "The {noun} is retried up to {n} times with exponential backoff.",
    "{Verb} {adj} {noun}s in batches of {n} to avoid hitting the {noun2} quota.",
    "See {url} for the {noun} format.",
    "Only {adj} {noun}s are {verb}ed here; {adj2} ones go through the {noun2} queue.",
    "Workaround for issue #{n}: the {noun2} may {verb} the {noun} twice.",
    "We {verb} the {noun} lazily because {gerund} it up front is slow.",
    "HACK: {noun} {noun2} mapping is hard-coded until {person} finishes the migration.",
]

B62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
B32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
B64CH = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
PWCH = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789!@#%^*-_+=.?"


def base62(n, width):
    s = []
    while n:
        n, d = divmod(n, 62)
        s.append(B62[d])
    return "".join(reversed(s)).rjust(width, "0")


# --------------------------------------------------------------------------------------------
# Random text helpers.
# --------------------------------------------------------------------------------------------

class G:
    """Random building blocks drawn from one random.Random."""

    def __init__(self, rng):
        self.r = rng
        self.choice = rng.choice
        self.rand = rng.random

    def n(self, a, b):
        return a + int(self.rand() * (b - a + 1))

    def chance(self, p):
        return self.rand() < p

    def noun(self):
        return self.choice(NOUNS)

    def snake(self, k=None):
        k = k or self.choice((1, 2, 2, 2, 3))
        return "_".join(self.choice(NOUNS) if i else self.choice(VERBS_NOUNS) for i in range(k))

    def snake_noun(self, k=None):
        k = k or self.choice((1, 2, 2, 3))
        return "_".join(self.choice(NOUNS) for _ in range(k))

    def camel(self, k=None):
        parts = self.snake(k).split("_")
        return parts[0] + "".join(p.capitalize() for p in parts[1:])

    def pascal(self, k=None):
        return "".join(p.capitalize() for p in self.snake_noun(k).split("_"))

    def upper(self, k=None):
        return self.snake_noun(k).upper()

    def kebab(self, k=None):
        return self.snake_noun(k).replace("_", "-")

    def hexs(self, n):
        return "%0*x" % (n, self.r.getrandbits(4 * n))

    def uuid(self):
        h = self.hexs(32)
        return "%s-%s-4%s-%s%s-%s" % (h[:8], h[8:12], h[13:16], "89ab"[int(h[16], 16) & 3],
                                      h[17:20], h[20:32])

    def b64(self, nbytes):
        return base64.b64encode(self.r.getrandbits(8 * nbytes).to_bytes(nbytes, "big")).decode()

    def b64url(self, nbytes):
        return base64.urlsafe_b64encode(
            self.r.getrandbits(8 * nbytes).to_bytes(nbytes, "big")).decode().rstrip("=")

    def chars(self, alphabet, n):
        return "".join(self.r.choices(alphabet, k=n))

    def host(self):
        c = self.rand()
        if c < 0.3:
            return "%s.%s.svc.cluster.local" % (self.kebab(1), self.choice(ENVS))
        if c < 0.6:
            return "%s.%s.%s" % (self.kebab(self.choice((1, 2))), self.choice(ORGS),
                                 self.choice(TLDS))
        if c < 0.75:
            return "%s-%s.%s.rds.amazonaws.com" % (self.kebab(1), self.choice(ENVS),
                                                   self.choice(REGIONS))
        if c < 0.9:
            return "10.%d.%d.%d" % (self.n(0, 255), self.n(0, 255), self.n(1, 254))
        return "localhost"

    def url(self):
        c = self.rand()
        if c < 0.15:
            return "https://github.com/%s/%s/blob/main/%s" % (self.choice(ORGS), self.kebab(2),
                                                             self.path())
        if c < 0.25:
            return "https://docs.%s.%s/%s/%s" % (self.choice(ORGS), self.choice(TLDS),
                                                 self.kebab(1), self.kebab(2))
        if c < 0.3:
            return "https://s3.%s.amazonaws.com/%s-%s/%s" % (self.choice(REGIONS),
                                                            self.choice(ORGS), self.kebab(1),
                                                            self.path())
        return "https://%s/api/v%d/%s/%s?%s=%d" % (
            self.host() if self.rand() < 0.5 else "api.%s.%s" % (self.choice(ORGS),
                                                                  self.choice(TLDS)),
            self.n(1, 3), self.noun() + "s", self.uuid() if self.rand() < 0.3 else self.n(1, 99999),
            self.choice(("page", "limit", "offset", "cursor", "region")), self.n(1, 500))

    def path(self):
        return "/".join([self.kebab(1) for _ in range(self.n(1, 3))] +
                        [self.snake(2) + self.choice((".py", ".go", ".ts", ".yaml", ".json", ".md"))])

    def ts(self):
        t = 1704067200 + self.n(0, 80 * 86400)
        return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t)) + ".%03dZ" % self.n(0, 999)

    def date(self):
        return time.strftime("%Y-%m-%d", time.gmtime(1672531200 + self.n(0, 500) * 86400))

    def version(self):
        return "%d.%d.%d" % (self.n(0, 5), self.n(0, 30), self.n(0, 20))

    def sentence(self):
        t = self.choice(SENTENCE_TEMPLATES)
        v = self.choice(VERBS)
        return t.format(Verb=v.capitalize(), verb=v, noun=self.noun(), noun2=self.noun(),
                        gerund=self.choice(GERUNDS), adj=self.choice(ADJS), adj2=self.choice(ADJS),
                        person=self.choice(PEOPLE), path=self.path(), ident=self.snake(2),
                        n=self.n(2, 5000), url=self.url())

    def paragraph(self, k=None):
        return " ".join(self.sentence() for _ in range(k or self.n(2, 5)))

    def near_miss(self):
        """A value that looks like it could be a credential but is not one."""
        c = self.n(0, 29)
        if c <= 4:
            return self.uuid()
        if c <= 7:
            return self.hexs(40)
        if c <= 9:
            return self.hexs(64)
        if c <= 12:
            return self.b64(self.n(12, 90))
        if c == 13:
            return "sha512-" + self.b64(64)
        if c == 14:
            return "sha256:" + self.hexs(64)
        if c == 15 and self.rand() < 0.4:
            return self.choice(("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
                                "AKIAXXXXXXXXXXXXXXXX", "ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
                                "xoxb-your-bot-token-here", "sk_live_XXXXXXXXXXXXXXXXXXXXXXXX",
                                "hvs.XXXXXXXXXXXXXXXXXXXXXXXX"))
        if c <= 16:
            return "%s_%s" % (self.choice(("req", "cus", "ch", "pi", "evt", "txn", "acct", "in")),
                              self.chars(B62, self.choice((14, 16, 24))))
        if c == 17:
            return "arn:aws:iam::%012d:role/%s" % (self.n(10 ** 11, 10 ** 12 - 1), self.kebab(2))
        if c == 18:
            return "ami-%s" % self.hexs(17)
        if c == 19:
            return "%s-%s" % (self.kebab(1), self.hexs(7))
        if c == 20:
            return self.b64url(self.n(16, 32))
        if c == 21:
            return self.chars(B32, 16)
        if c == 22:
            return "arn:aws:secretsmanager:%s:%012d:secret:%s/%s-%s" % (
                self.choice(REGIONS), self.n(10 ** 11, 10 ** 12 - 1), self.choice(ENVS),
                self.kebab(1), self.chars(B62, 6))
        if c == 23:
            return "ENC[AES256_GCM,data:%s,iv:%s,tag:%s,type:str]" % (
                self.b64(self.n(8, 24)), self.b64(32), self.b64(16))
        if c == 24:
            return "%d.%d.%d.%d/%d" % (10, self.n(0, 255), self.n(0, 255), 0, self.choice((16, 24)))
        if c == 25:
            return "#%s" % self.hexs(6)
        if c == 26:
            return "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI%s %s@%s" % (
                self.b64(32)[:43], self.choice(FIRST), self.kebab(1))
        if c == 27:
            return "%s=" % self.b64(self.n(20, 40)).rstrip("=")
        return self.url()

    def placeholder(self, name):
        """A credential-named value that is clearly not a credential."""
        c = self.n(0, 9)
        up = name.upper()
        if c <= 2:
            return "${%s}" % up
        if c == 3:
            return "{{ .Values.%s.%s }}" % (self.noun(), self.camel(1))
        if c == 4:
            return "<REPLACE_ME>"
        if c == 5:
            return "changeme"
        if c == 6:
            return "$(cat /run/secrets/%s)" % name.lower()
        if c == 7:
            return "vault:secret/data/%s/%s#%s" % (self.choice(ENVS), self.kebab(1), name.lower())
        if c == 8:
            return ""
        return "${%s:-}" % up

    def cred_name(self):
        return self.choice(("db_password", "api_key", "auth_token", "client_secret",
                            "smtp_password", "redis_password", "webhook_secret", "access_token"))

    def scalar(self):
        """A plain configuration value (number, bool, word, url, duration, near miss...)."""
        c = self.n(0, 15)
        if c <= 2:
            return self.n(0, 65535)
        if c == 3:
            return self.choice((True, False))
        if c <= 5:
            return self.kebab(self.choice((1, 2)))
        if c == 6:
            return self.url()
        if c == 7:
            return "%d%s" % (self.n(1, 600), self.choice(("s", "ms", "m", "h")))
        if c == 8:
            return self.host()
        if c == 9:
            return self.n(1, 100) / 10
        if c == 10:
            return self.sentence()
        if c == 11:
            return "/var/lib/%s/%s" % (self.kebab(1), self.snake(1))
        return self.near_miss()


def lit(v):
    """Render a scalar for C-like languages."""
    if v is True:
        return "true"
    if v is False:
        return "false"
    if isinstance(v, (int, float)):
        return str(v)
    return '"%s"' % v.replace("\\", "\\\\").replace('"', '\\"')


def pylit(v):
    if v is True:
        return "True"
    if v is False:
        return "False"
    return lit(v)


def yamlval(v):
    if v is True:
        return "true"
    if v is False:
        return "false"
    if isinstance(v, (int, float)):
        return str(v)
    if v == "" or not (v[0].isalnum() or v[0] in "/.") or ": " in v or " #" in v or \
            v.lower() in ("yes", "no", "on", "off", "null", "true", "false"):
        return '"%s"' % v.replace("\\", "\\\\").replace('"', '\\"')
    return v


def shq(v):
    """Quote a value for a shell command line when it needs it."""
    v = str(v)
    if v and all(c.isalnum() or c in "-_./:=@%+," for c in v):
        return v
    return "'%s'" % v.replace("'", "'\\''")


def jsonstr(v):
    return json.dumps(v)


# --------------------------------------------------------------------------------------------
# Planted secrets.
# --------------------------------------------------------------------------------------------

class Plant:
    """One planting: one or more (kind, key, value) items rendered together."""

    def __init__(self, group, items, comment=None, fallback=False):
        self.group = group        # aws | github | slack | stripe | pem | postgres | vault | unseal
        self.items = items        # [(kind, key, value)]
        self.comment = comment    # context comment (break-glass wording) or None
        self.fallback = fallback


BREAK_GLASS_COMMENTS = [
    "break-glass account: only use when SSO is down, see runbook",
    "EMERGENCY ACCESS ONLY - rotate after use",
    "break glass credentials for the on-call, do not share",
    "emergency admin login (used when the IdP is unavailable)",
    "fallback credentials in case vault is sealed",
]

PLANT_GROUPS = [("aws", 14), ("github", 12), ("slack", 9), ("stripe", 8), ("pem", 9),
                ("postgres", 12), ("vault", 8), ("unseal", 5), ("password", 23)]

# Which groups fit which file type (a type not listed takes any group).
GROUP_TYPES = {
    "unseal": {"md", "log", "sh", "yaml", "txt"},
}


def make_plant(g, group):
    bg = g.chance(0.25)
    comment = g.choice(BREAK_GLASS_COMMENTS) if bg else None
    if group == "aws":
        kid = "AKIA" + g.chars(B32, 16)
        sec = g.chars(B64CH, 40)
        return Plant(group, [("aws_access_key_id", "aws_access_key_id", kid),
                             ("aws_secret_access_key", "aws_secret_access_key", sec)], comment, bg)
    if group == "github":
        body = g.chars(B62, 30)
        tok = "ghp_" + body + base62(zlib.crc32(body.encode()), 6)
        key = "emergency_github_token" if bg else g.choice(("github_token", "gh_token",
                                                            "github_pat", "gh_deploy_token"))
        return Plant(group, [("github_pat", key, tok)], comment, bg)
    if group == "slack":
        tok = "xoxb-%d-%d-%s" % (g.n(10 ** 10, 10 ** 12), g.n(10 ** 12, 10 ** 13 - 1),
                                 g.chars(B62, 24))
        key = g.choice(("slack_bot_token", "slack_token", "slack_alerts_token"))
        return Plant(group, [("slack_bot_token", key, tok)], comment, bg)
    if group == "stripe":
        if g.chance(0.6):
            tok = "sk_live_" + g.chars(B62, 24)
        else:
            tok = "sk_live_51" + g.chars(B62, 97)
        key = g.choice(("stripe_secret_key", "stripe_api_key", "stripe_key"))
        return Plant(group, [("stripe_secret_key", key, tok)], comment, bg)
    if group == "pem":
        return Plant(group, [("private_key", "break_glass_private_key" if bg else
                              g.choice(("private_key", "tls_key", "signing_key", "ssh_key")),
                              make_pem(g))], comment, bg)
    if group == "postgres":
        user = g.choice(("app", "svc_" + g.noun(), "admin", "postgres", g.choice(FIRST),
                         "breakglass" if bg else "report_ro"))
        pw = g.chars(B62, g.n(12, 24))
        uri = "%s://%s:%s@%s:5432/%s" % (g.choice(("postgres", "postgresql")), user, pw,
                                         g.host() if g.chance(0.8) else "db", g.snake_noun(1))
        if g.chance(0.3):
            uri += "?sslmode=require"
        key = "emergency_database_url" if bg else g.choice(("database_url", "db_url", "dsn",
                                                            "postgres_url", "db_dsn"))
        return Plant(group, [("postgres_uri", key, uri)], comment, bg)
    if group == "vault":
        if g.chance(0.7):
            tok = "hvs." + g.chars(B62, 24)
        else:
            tok = "hvs.CAESI" + g.chars(B62 + "_-", 86)
        key = "vault_root_token_breakglass" if bg else g.choice(("vault_token", "vault_root_token"))
        return Plant(group, [("vault_token", key, tok)], comment, bg)
    if group == "unseal":
        shares = g.choice((1, 3, 5, 5))
        items = [("vault_unseal_key", "Unseal Key %d" % (i + 1), g.b64(33)) for i in range(shares)]
        if shares > 1:
            items.append(("vault_token", "Initial Root Token", "hvs." + g.chars(B62, 24)))
        return Plant(group, items, comment, True)
    # password
    if bg:
        key = g.choice(("break_glass_password", "breakglass_admin_password",
                        "break_glass_root_password", "emergency_admin_password",
                        "emergency_access_password", "emergency_db_password",
                        "breakglass_password"))
    else:
        key = g.choice(("password", "db_password", "admin_password", "smtp_password",
                        "redis_password", "ldap_bind_password", "keystore_password",
                        "mysql_root_password", "rabbitmq_password"))
    pw = g.chars(PWCH, 16)
    while not any(ch.isdigit() for ch in pw) or "xxxx" in pw.lower():
        pw = g.chars(PWCH, 16)
    return Plant("password", [("password", key, pw)], comment, bg)


def make_pem(g):
    c = g.n(0, 9)
    if c <= 3:
        label, der = "RSA PRIVATE KEY", b"\x30\x82\x04\xa4\x02\x01\x00\x02\x82\x01\x01\x00"
        n = 1192
    elif c <= 6:
        label, der = "PRIVATE KEY", b"\x30\x82\x04\xbe\x02\x01\x00\x30\x0d\x06\x09\x2a\x86\x48"
        n = 1218
    elif c <= 8:
        label, der = "EC PRIVATE KEY", b"\x30\x77\x02\x01\x01\x04\x20"
        n = 121
    else:
        label, der = "OPENSSH PRIVATE KEY", b"openssh-key-v1\x00\x00\x00\x00\x04none"
        n = 400
    body = der + g.r.getrandbits(8 * (n - len(der))).to_bytes(n - len(der), "big")
    b = base64.b64encode(body).decode()
    w = 70 if "OPENSSH" in label else 64
    lines = ["-----BEGIN %s-----" % label] + [b[i:i + w] for i in range(0, len(b), w)] + \
            ["-----END %s-----" % label]
    return "\n".join(lines)


def cert_block(g):
    b = base64.b64encode(b"\x30\x82\x03" + g.r.getrandbits(8 * 700).to_bytes(700, "big")).decode()
    return ["-----BEGIN CERTIFICATE-----"] + [b[i:i + 64] for i in range(0, len(b), 64)] + \
           ["-----END CERTIFICATE-----"]


def style(key, how):
    if how == "upper":
        return key.upper().replace(" ", "_")
    if how == "camel":
        p = key.replace(" ", "_").split("_")
        return p[0] + "".join(x.capitalize() for x in p[1:])
    if how == "pascal":
        return "".join(x.capitalize() for x in key.replace(" ", "_").split("_"))
    return key.replace(" ", "_")


def is_pem(v):
    return v.startswith("-----BEGIN")


def render_plant(g, p, lang, ind=""):
    """Lines that put plant p into a file of type `lang` at indentation `ind`."""
    out = []
    cm = {"py": "# ", "sh": "# ", "env": "# ", "ini": "; ", "toml": "# ", "yaml": "# ",
          "hcl": "# ", "go": "// ", "js": "// ", "java": "// ", "c": "/* ", "log": None,
          "md": None, "xml": "<!-- ", "json": None, "txt": None, "pem": None}[lang]
    if p.comment and cm:
        end = " */" if cm == "/* " else (" -->" if cm == "<!-- " else "")
        out.append(ind + cm + p.comment + end)

    if p.group == "unseal":
        block = ["%s: %s" % (k, v) for _, k, v in p.items]
        if len(p.items) > 1:
            n = len(p.items) - 1
            block += ["", "Vault initialized with %d key shares and a key threshold of %d. Please"
                      % (n, min(3, n)), "securely distribute the key shares printed above."]
        if lang == "md":
            out += ["", "Output of `vault operator init` on %s:" % g.date(), "", "```"] + block + \
                   ["```", ""]
        elif lang == "log":
            t = g.ts()
            out += ["%s INFO  [vault-init] %s" % (t, ln) if ln else t + " INFO  [vault-init]"
                    for ln in block]
        elif lang in ("sh", "yaml"):
            out += [ind + "# " + ln if ln else ind + "#" for ln in block]
        else:
            out += block
        return out

    if lang == "md":
        if p.comment:
            out += ["", "> **%s**" % p.comment]
        out += ["", "```%s" % g.choice(("bash", "sh", "", "ini"))]
    if lang in ("py", "js", "c", "java", "toml", "ini"):
        out.insert(0, "")
    for kind, key, v in p.items:
        pem = is_pem(v)
        if lang == "py":
            k = style(key, "upper")
            out.append(ind + ('%s = """%s\n"""' % (k, v) if pem else '%s = "%s"' % (k, v)))
        elif lang == "go":
            k = style(key, "camel")
            out.append(ind + ("%s = `%s\n`" % (k, v) if pem else '%s = "%s"' % (k, v)))
        elif lang == "js":
            k = style(key, "upper")
            out.append(ind + ("export const %s = `%s\n`;" % (k, v) if pem else
                              "export const %s = '%s';" % (k, v)))
        elif lang == "java":
            k = style(key, "upper")
            if pem:
                ls = v.split("\n")
                out.append(ind + "private static final String %s =" % k)
                out += [ind + '        "%s\\n"%s' % (ln, " +" if i < len(ls) - 1 else ";")
                        for i, ln in enumerate(ls)]
            else:
                out.append(ind + 'private static final String %s = "%s";' % (k, v))
        elif lang == "c":
            k = style(key, "upper") if g.chance(0.5) else key.replace(" ", "_")
            if pem:
                out.append("static const char %s[] =" % k.lower())
                out += ['    "%s\\n"%s' % (ln, "" if i < len(v.split("\n")) - 1 else ";")
                        for i, ln in enumerate(v.split("\n"))]
            elif k.isupper():
                out.append('#define %s "%s"' % (k, v))
            else:
                out.append('static const char *%s = "%s";' % (k, v))
        elif lang in ("sh", "env"):
            k = style(key, "upper")
            pre = "export " if lang == "sh" and g.chance(0.7) else ""
            if pem:
                out.append('%s%s="%s\n"' % (pre, k, v))
            elif kind == "github_pat" and lang == "sh" and g.chance(0.3):
                out.append("git clone https://x-access-token:%s@github.com/%s/%s.git" %
                           (v, g.choice(ORGS), g.kebab(2)))
            elif kind == "vault_token" and lang == "sh" and g.chance(0.4):
                out.append("vault login %s" % v)
            elif kind == "slack_bot_token" and lang == "sh" and g.chance(0.4):
                out.append('curl -sS -H "Authorization: Bearer %s" -d channel=%s '
                           'https://slack.com/api/chat.postMessage' % (v, g.kebab(1)))
            else:
                q = g.choice(('', '"', "'")) if lang == "env" else '"'
                out.append("%s%s=%s%s%s" % (pre, k, q, v, q))
        elif lang == "yaml":
            if pem:
                out.append(ind + "%s: |" % key.replace(" ", "_"))
                out += [ind + "  " + ln for ln in v.split("\n")]
            else:
                out.append(ind + '%s: "%s"' % (key.replace(" ", "_"), v))
        elif lang == "json":
            out.append(ind + "%s: %s," % (jsonstr(key.replace(" ", "_")), jsonstr(v + "\n" if pem
                                                                                  else v)))
        elif lang == "hcl":
            if pem:
                out += [ind + "%s = <<-EOT" % key.replace(" ", "_")] + \
                       [ind + "  " + ln for ln in v.split("\n")] + [ind + "EOT"]
            else:
                out.append(ind + '%s = "%s"' % (key.replace(" ", "_"), v))
        elif lang == "toml":
            if pem:
                out.append("%s = '''\n%s\n'''" % (key.replace(" ", "_"), v))
            else:
                out.append('%s = "%s"' % (key.replace(" ", "_"), v))
        elif lang == "ini":
            if pem:
                out.append("%s = %s" % (key.replace(" ", "_"), v.replace("\n", "\n    ")))
            else:
                out.append("%s = %s" % (key.replace(" ", "_"), v))
        elif lang == "xml":
            k = style(key, "pascal")
            if pem:
                out += [ind + "<%s>" % k, v, ind + "</%s>" % k]
            elif g.chance(0.5):
                out.append(ind + '<add key="%s" value="%s" />' % (k, v.replace("&", "&amp;")))
            else:
                out.append(ind + "<%s>%s</%s>" % (key.replace(" ", "_"), v.replace("&", "&amp;"),
                                                  key.replace(" ", "_")))
        elif lang == "md":
            k = style(key, "upper")
            out.append("%s=%s" % (k, v) if not pem else v)
        elif lang == "log":
            t = g.ts()
            svc = g.kebab(1)
            if pem:
                out.append("%s DEBUG [%s] loaded %s from environment:" % (t, svc, key))
                out += v.split("\n")
            elif kind == "postgres_uri":
                out.append("%s INFO  [%s] db: connecting to %s (pool=%d)" % (t, svc, v, g.n(2, 64)))
            elif kind in ("slack_bot_token", "github_pat", "vault_token", "stripe_secret_key"):
                out.append('%s DEBUG [%s] http: %s %s headers={"Authorization": "Bearer %s", '
                           '"User-Agent": "%s"}' % (t, svc, g.choice(HTTP_METHODS), g.url(), v,
                                                    g.choice(UAS)))
            else:
                out.append("%s WARN  [%s] config: %s=%s (from env)" % (t, svc, style(key, "upper"), v))
        elif lang == "txt":
            out.append("%s: %s" % (key, v))
        elif lang == "pem":
            out.append(v)
    if lang == "md":
        out += ["```", ""]
    return out


# --------------------------------------------------------------------------------------------
# Output accumulator: lines, a running size, and pending plants released at boundaries.
# --------------------------------------------------------------------------------------------

class Out:
    def __init__(self, g, target, plants):
        self.g = g
        self.lines = []
        self.size = 0
        self.target = target
        self.pending = [(int(target * g.r.uniform(0.15, 0.9)), p) for p in plants]

    def add(self, line):
        self.lines.append(line)
        self.size += len(line) + 1

    def extend(self, lines):
        self.lines.extend(lines)
        self.size += sum(len(x) for x in lines) + len(lines)

    def full(self):
        return self.size >= self.target

    def boundary(self, lang, ind="", wrap=None, force=False):
        """At a point where a plant may go: emit the due ones."""
        if not self.pending:
            return
        due = [p for at, p in self.pending if force or self.size >= at]
        if not due:
            return
        self.pending = [(at, p) for at, p in self.pending if p not in due]
        for p in due:
            if p.group == "unseal":  # pasted command output: never inside a structure
                self.extend(render_plant(self.g, p, lang, ""))
                continue
            lines = render_plant(self.g, p, lang, ind)
            self.extend(wrap(p, lines) if wrap else lines)

    def flush(self, lang, ind="", wrap=None):
        self.boundary(lang, ind, wrap, force=True)


# --------------------------------------------------------------------------------------------
# File-type generators. Each fills `o` (an Out) until o.full(), calling o.boundary() where a
# planted secret fits syntactically, and o.flush() before any closing lines.
# --------------------------------------------------------------------------------------------

def py_stmt(g, ind, depth=0):
    c = g.n(0, 17)
    a, b = g.snake(), g.snake()
    if c == 0:  # a comment never stands alone: a block must hold a statement
        return [ind + "# " + g.sentence()] + py_stmt(g, ind, depth)
    if c == 1:
        return [ind + '%s = %s.get("%s", %s)' % (a, g.snake(1), g.snake_noun(1), pylit(g.scalar()))]
    if c == 2 and depth < 2:
        return [ind + "if not %s:" % a,
                ind + '    raise ValueError(f"%s {%s!r} is %s")' % (g.noun(), b, g.choice(ADJS))]
    if c == 3 and depth < 2:
        body = [py_stmt(g, ind + "    ", depth + 1) for _ in range(g.n(1, 3))]
        return [ind + "for %s in %s:" % (g.noun(), g.snake_noun(1) + "s")] + sum(body, [])
    if c == 4:
        return [ind + 'logger.%s("%s %%s %s", %s)' % (g.choice(("info", "debug", "warning")),
                                                     g.choice(VERBS), g.noun(), a)]
    if c == 5:
        return [ind + 'resp = self.session.%s(f"{self.base_url}/v%d/%ss/{%s}", timeout=%d)' % (
            g.choice(("get", "post", "put")), g.n(1, 3), g.noun(), a, g.n(5, 60)),
                ind + "resp.raise_for_status()"]
    if c == 6:
        return [ind + '%s = f"%s:{%s}:{%s}"' % (a, g.noun(), b, g.snake(1))]
    if c == 7:
        return [ind + '%s = "%s"' % (a, g.near_miss())]
    if c == 8:
        return [ind + "%s = {" % a] + [ind + '    "%s": %s,' % (g.snake(1), pylit(g.scalar()))
                                        for _ in range(g.n(2, 6))] + [ind + "}"]
    if c == 9 and depth < 2:
        return [ind + "try:"] + py_stmt(g, ind + "    ", depth + 1) + \
               [ind + "except %s as exc:" % g.choice(("KeyError", "ValueError", "TimeoutError",
                                                       "requests.HTTPError", "OSError")),
                ind + '    logger.exception("%s failed: %%s", exc)' % g.choice(GERUNDS),
                ind + "    raise"]
    if c == 10:
        return [ind + "%s = [%s for %s in %s if %s.%s]" % (a, g.snake(1), "x", b, "x",
                                                           g.choice(ADJS))]
    if c == 11:
        return [ind + "%s = os.environ.get(\"%s\", \"%s\")" % (a, g.upper(2), g.kebab(1))]
    if c == 12 and g.chance(0.5):
        n = g.cred_name()
        return [ind + '%s = os.environ["%s"]' % (n, n.upper())]
    if c == 13:
        return [ind + "return %s(%s, %s=%s)" % (g.pascal(2), a, g.snake(1), pylit(g.scalar()))]
    if c == 14:
        return [ind + "%s += %s.%s * %d" % (a, b, g.snake_noun(1), g.n(2, 1000))]
    return [ind + "%s = self.%s(%s, %s)" % (a, g.snake(2), b, g.snake(1))]


def gen_py(g, o):
    if g.chance(0.3):
        o.add("#!/usr/bin/env python3")
    o.add('"""%s' % g.sentence())
    o.add("")
    o.add(g.paragraph(2))
    o.add('"""')
    o.add("")
    mods = sorted(set(g.r.sample(PY_STDLIB, g.n(2, 6))))
    o.extend(["import %s" % m for m in mods])
    o.add("")
    for m in sorted(set(g.r.sample(PY_THIRD, g.n(0, 3)))):
        o.add("import %s" % m)
    o.add("from %s.%s import %s, %s" % (g.snake_noun(1), g.snake_noun(1), g.pascal(2), g.snake(2)))
    o.extend(["", "logger = logging.getLogger(__name__)", ""])
    for _ in range(g.n(1, 5)):
        o.add("%s = %s" % (g.upper(2), pylit(g.scalar())))
    o.add("")
    while not o.full():
        o.boundary("py")
        if g.chance(0.35):
            cls = g.pascal(2)
            o.extend(["", "", "class %s(%s):" % (cls, g.choice(("object", "Base" + g.pascal(1),
                                                                "Exception", "BaseModel"))),
                      '    """%s"""' % g.sentence(), ""])
            for _ in range(g.n(2, 6)):
                if _ and o.full():
                    break
                o.add("    def %s(self, %s, %s=None):" % (g.snake(2), g.snake(1), g.snake(1)))
                for _ in range(g.n(2, 8)):
                    if _ and o.full():
                        break
                    o.extend(py_stmt(g, "        "))
                o.add("")
        else:
            o.extend(["", "", "def %s(%s, %s: %s = %s) -> %s:" % (
                g.snake(2), g.snake(1), g.snake(1), g.choice(("int", "str", "bool", "float")),
                pylit(g.scalar()) if g.chance(0.5) else "None",
                g.choice(("dict", "list", "None", "bool", g.pascal(1))))])
            if g.chance(0.5):
                o.add('    """%s"""' % g.sentence())
            for _ in range(g.n(3, 12)):
                if _ and o.full():
                    break
                o.extend(py_stmt(g, "    "))
    o.add("")
    o.flush("py")
    if g.chance(0.2):
        o.extend(["", 'if __name__ == "__main__":', "    main()"])


def go_stmt(g, ind):
    c = g.n(0, 13)
    a, b = g.camel(), g.camel()
    if c == 0:
        return [ind + "// " + g.sentence()]
    if c <= 2:
        return [ind + "%s, err := %s.%s(ctx, %s)" % (a, g.camel(1), g.pascal(2), b),
                ind + "if err != nil {",
                ind + '\treturn nil, fmt.Errorf("%s %s: %%w", err)' % (g.choice(VERBS), g.noun()),
                ind + "}"]
    if c == 3:
        return [ind + "for _, %s := range %s {" % (g.noun(), b),
                ind + "\t%s += %s.%s" % (a, g.noun(), g.pascal(1)), ind + "}"]
    if c == 4:
        return [ind + 'log.Info("%s %s", "%s", %s, "id", "%s")' % (
            g.choice(VERBS), g.noun(), g.snake(1), a, g.uuid())]
    if c == 5:
        return [ind + '%s := "%s"' % (a, g.near_miss())]
    if c == 6:
        return [ind + "if %s == nil {" % a, ind + "\treturn nil, Err%s" % g.pascal(2), ind + "}"]
    if c == 7:
        return [ind + "%s := &%s{" % (a, g.pascal(2))] + \
               [ind + "\t%s: %s," % (g.pascal(1), lit(g.scalar())) for _ in range(g.n(2, 5))] + \
               [ind + "}"]
    if c == 8:
        return [ind + "ctx, cancel := context.WithTimeout(ctx, %d*time.Second)" % g.n(1, 60),
                ind + "defer cancel()"]
    if c == 9:
        return [ind + "%s.mu.Lock()" % g.choice("srcw"), ind + "defer %s.mu.Unlock()" % g.choice("srcw")]
    if c == 10:
        return [ind + 'req, err := http.NewRequestWithContext(ctx, http.Method%s, "%s", nil)' % (
            g.choice(("Get", "Post", "Put")), g.url())]
    return [ind + "%s := %s(%s, %d)" % (a, g.camel(2), b, g.n(0, 4096))]


def gen_go(g, o, pkg=None):
    pkg = pkg or g.noun()
    o.extend(["// Package %s %s" % (pkg, g.sentence().lower()), "package %s" % pkg, "", "import ("])
    o.extend(['\t"%s"' % m for m in sorted(set(g.r.sample(GO_STD, g.n(3, 7))))])
    o.add("")
    o.extend(['\t"%s"' % m for m in sorted(set(g.r.sample(GO_THIRD, g.n(1, 3))))])
    o.extend([")", "", "const ("])
    for _ in range(g.n(2, 6)):
        o.add("\t%s = %s" % (g.camel(2), lit(g.scalar())))
    o.extend([")", ""])
    while not o.full():
        o.boundary("go", wrap=lambda p, ls: ["var ("] + ["\t" + x for x in ls] + [")", ""])
        if g.chance(0.3):
            t = g.pascal(2)
            o.extend(["// %s %s" % (t, g.sentence().lower()), "type %s struct {" % t])
            for _ in range(g.n(2, 9)):
                if _ and o.full():
                    break
                f = g.snake(2)
                o.add('\t%s %s `json:"%s,omitempty" db:"%s"`' % (
                    "".join(x.capitalize() for x in f.split("_")), g.choice(GO_TYPES),
                    g.choice((f, style(f, "camel"))), f))
            o.extend(["}", ""])
        else:
            recv = "(%s *%s) " % (g.choice("srcw"), g.pascal(1)) if g.chance(0.6) else ""
            o.add("// %s %s" % (g.pascal(2), g.sentence().lower()))
            o.add("func %s%s(ctx context.Context, %s %s) (*%s, error) {" % (
                recv, g.pascal(2), g.camel(1), g.choice(GO_TYPES), g.pascal(1)))
            for _ in range(g.n(3, 10)):
                if _ and o.full():
                    break
                o.extend(go_stmt(g, "\t"))
            o.extend(["\treturn %s, nil" % g.camel(1), "}", ""])
    o.flush("go", wrap=lambda p, ls: ["var ("] + ["\t" + x for x in ls] + [")", ""])


def gen_go_pb(g, o):
    name = g.snake_noun(2)
    o.extend(["// Code generated by protoc-gen-go. DO NOT EDIT.", "// versions:",
              "// \tprotoc-gen-go v1.32.0", "// \tprotoc        v4.25.2",
              "// source: %s/v1/%s.proto" % (g.noun(), name), "", "package %sv1" % g.noun(), "",
              "import (", '\tprotoreflect "google.golang.org/protobuf/reflect/protoreflect"',
              '\tprotoimpl "google.golang.org/protobuf/runtime/protoimpl"', ")", ""])
    while not o.full():
        if g.chance(0.25):
            m = g.pascal(2)
            o.extend(["type %s struct {" % m, "\tstate         protoimpl.MessageState",
                      "\tsizeCache     protoimpl.SizeCache",
                      "\tunknownFields protoimpl.UnknownFields", ""])
            for i in range(g.n(2, 8)):
                f = g.snake(2)
                o.add('\t%s %s `protobuf:"bytes,%d,opt,name=%s,proto3" json:"%s,omitempty"`' % (
                    style(f, "pascal"), g.choice(GO_TYPES), i + 1, f, style(f, "camel")))
            o.extend(["}", ""])
        else:
            o.add("var file_%s_proto_rawDesc = []byte{" % name)
            for _ in range(g.n(40, 200)):
                if _ and o.full():
                    break
                o.add("\t" + ", ".join("0x%02x" % b for b in g.r.getrandbits(128).to_bytes(16, "big"))
                      + ",")
            o.extend(["}", ""])
        o.boundary("go", wrap=lambda p, ls: ["var ("] + ["\t" + x for x in ls] + [")", ""])
    o.flush("go", wrap=lambda p, ls: ["var ("] + ["\t" + x for x in ls] + [")", ""])


def js_stmt(g, ind, ts):
    c = g.n(0, 12)
    a, b = g.camel(), g.camel()
    if c == 0:
        return [ind + "// " + g.sentence()]
    if c == 1:
        return [ind + "const %s = await %s.%s(%s);" % (a, g.camel(1), g.camel(2), b)]
    if c == 2:
        return [ind + "if (!%s) {" % a, ind + "  throw new Error(`%s ${%s} is %s`);" % (
            g.noun(), b, g.choice(ADJS)), ind + "}"]
    if c == 3:
        return [ind + "const %s = %s.filter((x) => x.%s).map((x) => x.%s);" % (
            a, b, g.camel(1), g.camel(1))]
    if c == 4:
        return [ind + "const res = await fetch(`${BASE_URL}/v%d/%ss/${%s}`, {" % (
            g.n(1, 3), g.noun(), a), ind + "  method: '%s'," % g.choice(HTTP_METHODS),
                ind + "  headers: { 'Content-Type': 'application/json' },", ind + "});"]
    if c == 5:
        return [ind + "const %s = '%s';" % (a, g.near_miss())]
    if c == 6:
        return [ind + "logger.%s({ %s, %s }, '%s %s');" % (
            g.choice(("info", "debug", "warn")), a, b, g.choice(VERBS), g.noun())]
    if c == 7:
        return [ind + "const %s%s = {" % (a, ": " + g.pascal(2) if ts else "")] + \
               [ind + "  %s: %s," % (g.camel(1), lit(g.scalar())) for _ in range(g.n(2, 6))] + \
               [ind + "};"]
    if c == 8:
        return [ind + "const %s = process.env.%s ?? '';" % (g.camel(1), g.cred_name().upper())]
    if c == 9:
        return [ind + "for (const %s of %s) {" % (g.noun(), b),
                ind + "  %s += %s.%s;" % (a, g.noun(), g.camel(1)), ind + "}"]
    return [ind + "return %s(%s, { %s: %s });" % (g.camel(2), a, g.camel(1), lit(g.scalar()))]


def gen_js(g, o, ts=False, jsx=False):
    for p in sorted(set(g.r.sample(JS_PKGS, g.n(2, 6)))):
        o.add("import %s from '%s';" % (style(p.split("/")[-1].replace("-", "_"), "camel"), p))
    o.add("import { %s, %s } from '../%s/%s';" % (g.camel(2), g.pascal(1), g.kebab(1), g.camel(1)))
    o.extend(["", "const BASE_URL = '%s';" % g.url().split("/api")[0], ""])
    while not o.full():
        o.boundary("js")
        c = g.rand()
        if ts and c < 0.25:
            o.add("export interface %s {" % g.pascal(2))
            for _ in range(g.n(2, 8)):
                if _ and o.full():
                    break
                o.add("  %s%s: %s;" % (g.camel(), "?" if g.chance(0.3) else "", g.choice(TS_TYPES)))
            o.extend(["}", ""])
        elif jsx and c < 0.5:
            comp = g.pascal(2)
            o.extend(["export function %s({ %s, %s }%s) {" % (comp, g.camel(1), g.camel(1),
                                                             ": Props" if ts else ""),
                      "  const [%s, set%s] = useState(%s);" % (g.camel(1), g.pascal(1),
                                                               lit(g.scalar())),
                      "  return (",
                      '    <div className="%s">' % g.kebab(2)])
            for _ in range(g.n(2, 8)):
                if _ and o.full():
                    break
                o.add('      <%s %s={%s} data-testid="%s" />' % (
                    g.pascal(1), g.camel(1), g.camel(1), g.kebab(2)))
            o.extend(["    </div>", "  );", "}", ""])
        else:
            o.add("/**\n * %s\n */" % g.sentence())
            o.add("export %sfunction %s(%s%s) {" % ("async " if g.chance(0.5) else "", g.camel(2),
                                                    g.camel(1), ": " + g.choice(TS_TYPES) if ts else ""))
            for _ in range(g.n(3, 10)):
                if _ and o.full():
                    break
                o.extend(js_stmt(g, "  ", ts))
            o.extend(["}", ""])
    o.flush("js")


def gen_js_min(g, o):
    o.add("/*! %s v%s | (c) %s | MIT License */" % (g.kebab(2), g.version(), g.choice(ORGS)))
    parts = []
    size = 0
    line_target = g.n(20000, 400000)
    while not o.full():
        c = g.n(0, 6)
        if c == 0:
            s = 'function %s(e,t,n){var r=e[t];if(!r)throw new Error("%s");return r.%s(n)}' % (
                g.choice("abcdefghijklmnopqrstuvwxyz"), g.sentence()[:40], g.camel(1))
        elif c == 1:
            s = 'var %s="%s",%s=%d;' % (g.choice("ABCDEFGHIJ") + str(g.n(0, 99)), g.near_miss(),
                                       g.choice("kmnpq"), g.n(0, 99999))
        elif c == 2:
            s = '%s.exports={%s:"%s",%s:%s};' % (g.choice("emnr"), g.camel(1), g.kebab(2),
                                                 g.camel(1), lit(g.scalar()))
        elif c == 3:
            s = 'case %d:return t.%s=n,"%s";' % (g.n(0, 99), g.camel(1), g.uuid())
        elif c == 4:
            s = 'fetch("%s").then(function(e){return e.json()});' % g.url()
        else:
            s = "for(var i=0;i<%s.length;i++)%s[i]=%s(%s[i],%d);" % (
                g.choice("abcde"), g.choice("fgh"), g.choice("xyz"), g.choice("abcde"), g.n(1, 64))
        parts.append(s)
        size += len(s)
        o.size += len(s)
        if size >= line_target:
            o.lines.append("".join(parts))
            o.size += 1
            parts, size = [], 0
            line_target = g.n(20000, 400000)
            o.boundary("js")
    if parts:
        o.lines.append("".join(parts))
        o.size += 1
    o.flush("js")
    o.add("//# sourceMappingURL=%s.min.js.map" % g.kebab(1))


def java_stmt(g, ind):
    c = g.n(0, 10)
    a, b = g.camel(), g.camel()
    if c == 0:
        return [ind + "// " + g.sentence()]
    if c == 1:
        return [ind + "%s %s = %s.%s(%s);" % (g.choice(JAVA_TYPES), a, g.camel(1), g.camel(2), b)]
    if c == 2:
        return [ind + "if (%s == null) {" % a,
                ind + '    throw new IllegalArgumentException("%s must not be null");' % a,
                ind + "}"]
    if c == 3:
        return [ind + 'log.%s("%s {} for {}", %s, %s);' % (
            g.choice(("info", "debug", "warn")), g.choice(VERBS), a, b)]
    if c == 4:
        return [ind + "for (var %s : %s) {" % (g.noun(), b),
                ind + "    %s.add(%s.get%s());" % (a, g.noun(), g.pascal(1)), ind + "}"]
    if c == 5:
        return [ind + 'String %s = "%s";' % (a, g.near_miss())]
    if c == 6:
        return [ind + "try {", ind + "    %s.%s(%s);" % (g.camel(1), g.camel(2), b),
                ind + "} catch (%s e) {" % g.choice(("IOException", "IllegalStateException",
                                                     "TimeoutException", "SQLException")),
                ind + '    log.error("%s failed", e);' % g.choice(GERUNDS),
                ind + "    throw new %sException(e);" % g.pascal(1), ind + "}"]
    if c == 7:
        return [ind + "return %s.stream().filter(%s::is%s).map(%s::get%s).toList();" % (
            b, g.pascal(1), g.pascal(1), g.pascal(1), g.pascal(1))]
    return [ind + "%s.set%s(%s);" % (a, g.pascal(2), lit(g.scalar()))]


def gen_java(g, o, pkg):
    cls = g.pascal(2) + g.choice(("Service", "Controller", "Repository", "Client", "Handler", ""))
    o.extend(["package %s;" % pkg, ""])
    o.extend(["import %s;" % i for i in sorted(set(g.r.sample(JAVA_IMPORTS, g.n(3, 9))))])
    o.extend(["", "/**", " * %s" % g.sentence(), " */",
              "@%s" % g.choice(("Service", "RestController", "Component", "Repository")),
              "public class %s {" % cls, "",
              "    private static final Logger log = LoggerFactory.getLogger(%s.class);" % cls, ""])
    for _ in range(g.n(1, 5)):
        o.add("    private static final %s %s = %s;" % (
            g.choice(("String", "int", "long")), g.upper(2), lit(g.scalar())))
    o.add("")
    while not o.full():
        o.boundary("java", "    ")
        o.extend(["    /**", "     * %s" % g.sentence(), "     */"])
        o.add("    public %s %s(%s %s) {" % (g.choice(JAVA_TYPES + ["void"]), g.camel(2),
                                             g.choice(JAVA_TYPES), g.camel(1)))
        for _ in range(g.n(3, 10)):
            if _ and o.full():
                break
            o.extend(java_stmt(g, "        "))
        o.extend(["    }", ""])
    o.flush("java", "    ")
    o.add("}")


def c_stmt(g, ind):
    c = g.n(0, 10)
    a, b = g.snake(), g.snake()
    if c == 0:
        return [ind + "/* " + g.sentence() + " */"]
    if c == 1:
        return [ind + "if (%s == NULL) {" % a, ind + "    errno = ENOMEM;", ind + "    return -1;",
                ind + "}"]
    if c == 2:
        return [ind + "for (size_t i = 0; i < %s->len; i++) {" % b,
                ind + "    %s += %s->items[i].%s;" % (a, b, g.snake_noun(1)), ind + "}"]
    if c == 3:
        return [ind + "%s = %s(%s, %d);" % (a, g.snake(2), b, g.n(0, 65536))]
    if c == 4:
        return [ind + 'static const char %s[] = "%s";' % (a, g.near_miss())]
    if c == 5:
        return [ind + "memcpy(%s->buf + %s->len, %s, %s_len);" % (a, a, b, b),
                ind + "%s->len += %s_len;" % (a, b)]
    if c == 6:
        return [ind + 'fprintf(stderr, "%s: %s %%s: %%s\\n", %s, strerror(errno));' % (
            g.snake(1), g.choice(GERUNDS), b)]
    if c == 7:
        return [ind + "switch (%s->%s) {" % (a, g.snake_noun(1))] + \
               sum([[ind + "case %s_%s:" % (g.upper(1), g.upper(1)),
                     ind + "    %s |= 0x%s;" % (b, g.hexs(4)), ind + "    break;"]
                    for _ in range(g.n(2, 4))], []) + [ind + "default:", ind + "    break;",
                                                       ind + "}"]
    return [ind + "uint32_t %s = (%s >> %d) & 0x%s;" % (a, b, g.n(1, 24), g.hexs(8))]


def gen_c(g, o, header=False):
    mod = g.snake_noun(2)
    o.extend(["/*", " * %s.%s - %s" % (mod, "h" if header else "c", g.sentence()),
              " *", " * Copyright (c) %d %s. All rights reserved." % (g.n(2015, 2024),
                                                                     g.choice(ORGS).capitalize()),
              " */"])
    guard = "%s_H" % mod.upper()
    if header:
        o.extend(["#ifndef " + guard, "#define " + guard, ""])
    o.extend(["#include <%s>" % h for h in sorted(set(g.r.sample(C_HEADERS, g.n(2, 7))))])
    o.extend(['#include "%s.h"' % g.snake_noun(1), ""])
    for _ in range(g.n(1, 6)):
        o.add("#define %s_%s %s" % (mod.upper(), g.upper(1), g.choice((
            str(g.n(1, 65536)), "0x%s" % g.hexs(8), '"%s"' % g.kebab(2), "(1u << %d)" % g.n(0, 31)))))
    o.add("")
    while not o.full():
        o.boundary("c")
        if header or g.chance(0.2):
            st = g.snake_noun(2)
            o.add("struct %s {" % st)
            for _ in range(g.n(2, 8)):
                if _ and o.full():
                    break
                o.add("    %s %s;" % (g.choice(C_TYPES), g.snake(1)))
            o.extend(["};", ""])
            if header:
                for _ in range(g.n(1, 5)):
                    o.extend(["/* %s */" % g.sentence(), "int %s_%s(struct %s *%s, %s %s);" % (
                        mod, g.snake(1), st, g.choice("sbpq"), g.choice(C_TYPES), g.snake(1)), ""])
        else:
            o.add("%s%s %s_%s(%s %s, %s %s)" % ("static " if g.chance(0.5) else "",
                                                g.choice(C_TYPES), mod, g.snake(1),
                                                g.choice(C_TYPES), g.snake(1), g.choice(C_TYPES),
                                                g.snake(1)))
            o.add("{")
            for _ in range(g.n(3, 10)):
                if _ and o.full():
                    break
                o.extend(c_stmt(g, "    "))
            o.extend(["    return 0;", "}", ""])
    o.flush("c")
    if header:
        o.extend(["", "#endif /* %s */" % guard])


# --- YAML ---

def yaml_map(g, ind, depth=0, n=None):
    out = []
    for _ in range(n or g.n(2, 6)):
        k = g.snake(g.choice((1, 1, 2)))
        c = g.rand()
        if depth < 3 and c < 0.25:
            out.append(ind + k + ":")
            out += yaml_map(g, ind + "  ", depth + 1)
        elif depth < 3 and c < 0.35:
            out.append(ind + k + ":")
            out += [ind + "  - " + yamlval(g.scalar()) for _ in range(g.n(1, 4))]
        elif c < 0.365:
            n = g.cred_name()
            out.append(ind + '%s: "%s"' % (n, g.placeholder(n)))
        else:
            out.append(ind + "%s: %s" % (k, yamlval(g.scalar())))
    return out


def k8s_secret_wrap(g, ns):
    def wrap(p, lines):
        return ["---", "apiVersion: v1", "kind: Secret", "metadata:",
                "  name: %s-%s" % (g.kebab(1), g.choice(("credentials", "secrets", "config",
                                                          "breakglass" if p.fallback else "env"))),
                "  namespace: %s" % ns, "type: Opaque", "stringData:"] + lines
    return wrap


def gen_yaml_k8s(g, o):
    app = g.kebab(2)
    ns = g.choice(ENVS)
    first = True
    while not o.full():
        if not first:
            o.boundary("yaml", "  ", wrap=k8s_secret_wrap(g, ns))
            o.add("---")
        first = False
        kind = g.choice(("Deployment", "Deployment", "Service", "ConfigMap", "Ingress",
                         "CronJob", "HorizontalPodAutoscaler"))
        o.extend(["apiVersion: %s" % {"Deployment": "apps/v1", "Ingress": "networking.k8s.io/v1",
                                      "CronJob": "batch/v1",
                                      "HorizontalPodAutoscaler": "autoscaling/v2"}.get(kind, "v1"),
                  "kind: " + kind, "metadata:", "  name: " + app, "  namespace: " + ns,
                  "  labels:", "    app.kubernetes.io/name: " + app,
                  "    app.kubernetes.io/version: \"%s\"" % g.version(),
                  "  annotations:", "    checksum/config: %s" % g.hexs(64)])
        if kind in ("Deployment", "CronJob"):
            o.extend(["spec:", "  replicas: %d" % g.n(1, 12), "  template:", "    spec:",
                      "      containers:", "        - name: " + app,
                      "          image: %s.dkr.ecr.%s.amazonaws.com/%s@sha256:%s" % (
                          g.n(10 ** 11, 10 ** 12 - 1), g.choice(REGIONS), app, g.hexs(64)),
                      "          ports:", "            - containerPort: %d" % g.n(1024, 9999),
                      "          env:"])
            for _ in range(g.n(2, 10)):
                if _ and o.full():
                    break
                if g.chance(0.2):
                    n = g.cred_name()
                    o.extend(["            - name: " + n.upper(), "              valueFrom:",
                              "                secretKeyRef:",
                              "                  name: %s-secrets" % app,
                              "                  key: " + n.replace("_", "-")])
                else:
                    o.extend(["            - name: " + g.upper(2),
                              "              value: %s" % yamlval(str(g.scalar()))])
            o.extend(["          resources:", "            limits:",
                      "              cpu: %dm" % g.n(100, 4000),
                      "              memory: %dMi" % g.n(64, 8192)])
        elif kind == "ConfigMap":
            o.add("data:")
            o.extend(yaml_map(g, "  ", 1, g.n(3, 12)))
            if g.chance(0.2):
                o.add("  ca.crt: |")
                o.extend(["    " + x for x in cert_block(g)])
        else:
            o.add("spec:")
            o.extend(yaml_map(g, "  ", 1))
    o.flush("yaml", "  ", wrap=k8s_secret_wrap(g, ns))


def gen_yaml_ci(g, o):
    o.extend(["name: %s" % g.choice(("CI", "Build and test", "Release", "Deploy", "Nightly")),
              "", "on:", "  push:", "    branches: [main]", "  pull_request:", "",
              "permissions:", "  contents: read", "", "jobs:"])

    def wrap(p, lines):
        return ["  %s:" % g.kebab(2), "    runs-on: ubuntu-latest", "    env:"] + \
               ["    " + x for x in lines] + ["    steps:", "      - uses: actions/checkout@v4",
                                               "      - run: ./scripts/%s.sh" % g.kebab(1), ""]
    while not o.full():
        o.boundary("yaml", "  ", wrap=wrap)
        o.extend(["  %s:" % g.kebab(2), "    runs-on: %s" % g.choice(("ubuntu-latest",
                                                                      "ubuntu-22.04",
                                                                      "self-hosted")),
                  "    timeout-minutes: %d" % g.n(5, 90), "    env:"])
        for _ in range(g.n(1, 4)):
            o.add("      %s: %s" % (g.upper(2), yamlval(g.scalar())))
        if g.chance(0.5):
            n = g.cred_name().upper()
            o.add("      %s: ${{ secrets.%s }}" % (n, n))
        o.extend(["    steps:", "      - uses: actions/checkout@%s" % g.hexs(40)])
        for _ in range(g.n(2, 7)):
            if _ and o.full():
                break
            if g.chance(0.3):
                o.extend(["      - uses: %s/%s@v%d" % (g.kebab(1), g.kebab(2), g.n(1, 5)),
                          "        with:",
                          "          %s: %s" % (g.kebab(1), yamlval(g.scalar()))])
            else:
                o.extend(["      - name: %s %s" % (g.choice(VERBS).capitalize(), g.noun()),
                          "        run: |"])
                o.extend(["          " + x for x in sh_cmd(g)])
        o.add("")
    o.flush("yaml", "  ", wrap=wrap)


def gen_yaml_conf(g, o):
    o.add("# %s" % g.sentence())
    while not o.full():
        o.boundary("yaml", "  ", wrap=lambda p, ls: ["%s:" % g.snake(1)] + ls)
        o.add("%s:" % g.snake(1))
        o.extend(yaml_map(g, "  ", 1, g.n(2, 8)))
        o.add("")
    o.flush("yaml", "  ", wrap=lambda p, ls: ["%s:" % g.snake(1)] + ls)


# --- JSON ---

def json_obj(g, depth=0):
    d = {}
    for _ in range(g.n(2, 7)):
        k = g.camel(g.choice((1, 1, 2))) if g.chance(0.6) else g.snake(g.choice((1, 2)))
        c = g.rand()
        if depth < 2 and c < 0.2:
            d[k] = json_obj(g, depth + 1)
        elif depth < 2 and c < 0.3:
            d[k] = [g.scalar() for _ in range(g.n(1, 4))]
        else:
            d[k] = g.scalar()
    return d


def gen_json(g, o, plants, mode=None):
    """JSON is built as objects then serialised; plants are inserted as keys."""
    c = g.n(0, 3) if mode is None else mode
    recs = []
    est = 0
    if c == 0:  # package-lock style
        doc = {"name": g.kebab(2), "version": g.version(), "lockfileVersion": 3,
               "requires": True, "packages": {}}
        while est < o.target:
            name = g.kebab(g.choice((1, 2)))
            v = g.version()
            rec = {"version": v,
                   "resolved": "https://registry.npmjs.org/%s/-/%s-%s.tgz" % (name, name, v),
                   "integrity": "sha512-" + g.b64(64), "license": g.choice(("MIT", "ISC",
                                                                           "Apache-2.0"))}
            if g.chance(0.3):
                rec["dependencies"] = {g.kebab(1): "^" + g.version() for _ in range(g.n(1, 4))}
            while "node_modules/" + name in doc["packages"]:
                name += "-" + g.noun()
            doc["packages"]["node_modules/" + name] = rec
            recs.append(rec)
            est += 280 + 34 * len(rec.get("dependencies", ()))
    elif c == 1:  # fixtures / API dump
        doc = []
        while est < o.target:
            rec = {"id": g.uuid(), "createdAt": g.ts(), g.camel(1): g.scalar()}
            rec.update(json_obj(g, 1))
            doc.append(rec)
            recs.append(rec)
            est += len(json.dumps(rec)) + 16 * len(rec)
    else:  # application config
        doc = {"name": g.kebab(2), "version": g.version(), "environment": g.choice(ENVS)}
        recs.append(doc)
        while est < o.target:
            k = g.snake_noun(1)
            while k in doc:
                k = g.snake_noun(2)
            rec = json_obj(g, 1)
            doc[k] = rec
            recs.append(rec)
            est += len(json.dumps(rec)) + 14 * len(rec)
    for p in plants:
        tgt = g.choice(recs) if recs else doc
        items = list(tgt.items())
        pos = g.n(0, len(items))
        new = [(k.replace(" ", "_"), v + "\n" if is_pem(v) else v) for _, k, v in p.items]
        if p.group == "pem":
            new = [("type", "service_account"), ("project_id", "%s-%s" % (g.kebab(1), g.n(100, 999))),
                   ("private_key_id", g.hexs(40))] + new + \
                  [("client_email", "%s@%s.iam.gserviceaccount.com" % (g.kebab(1), g.kebab(1)))]
        taken = {k for k, _ in new}
        items = [kv for kv in items if kv[0] not in taken]
        pos = min(pos, len(items))
        tgt.clear()
        tgt.update(items[:pos] + new + items[pos:])
    o.lines = json.dumps(doc, indent=2, ensure_ascii=False).split("\n")


# --- HCL ---

def gen_hcl(g, o, tfvars=False):
    if tfvars:
        o.add("# %s" % g.sentence())
        while not o.full():
            o.boundary("hcl")
            c = g.rand()
            if c < 0.7:
                o.add('%s = %s' % (g.snake(2), lit(g.scalar())))
            elif c < 0.85:
                o.add("%s = {" % g.snake(1))
                for _ in range(g.n(2, 5)):
                    o.add('  %s = %s' % (g.snake(1), lit(g.scalar())))
                o.add("}")
            else:
                o.add('%s = [%s]' % (g.snake(1), ", ".join(lit(g.kebab(1)) for _ in range(g.n(1, 4)))))
        o.flush("hcl")
        return
    o.extend(["terraform {", '  required_version = ">= 1.%d"' % g.n(3, 7), "  backend \"s3\" {",
              '    bucket = "%s-tfstate-%s"' % (g.choice(ORGS), g.choice(ENVS)),
              '    key    = "%s/terraform.tfstate"' % g.kebab(1),
              '    region = "%s"' % g.choice(REGIONS), "  }", "}", ""])
    wrap = lambda p, ls: ["locals {"] + ls + ["}", ""]  # noqa: E731
    while not o.full():
        o.boundary("hcl", "  ", wrap=wrap)
        c = g.rand()
        if c < 0.2:
            v = g.snake(2)
            o.extend(['variable "%s" {' % v, '  type        = %s' % g.choice(("string", "number",
                                                                                "bool",
                                                                                "list(string)")),
                      '  description = "%s"' % g.sentence()])
            if g.chance(0.3):
                o.add("  sensitive   = true")
            else:
                o.add("  default     = %s" % lit(g.scalar()))
            o.extend(["}", ""])
        elif c < 0.3:
            o.extend(['output "%s" {' % g.snake(2),
                      "  value = %s.%s.%s" % (g.choice(TF_RESOURCES), g.snake(1), g.snake(1)),
                      "}", ""])
        elif c < 0.4:
            o.extend(['module "%s" {' % g.snake(1),
                      '  source  = "git::https://github.com/%s/terraform-%s.git?ref=v%s"' % (
                          g.choice(ORGS), g.kebab(2), g.version())])
            for _ in range(g.n(2, 6)):
                if _ and o.full():
                    break
                o.add("  %s = %s" % (g.snake(1), lit(g.scalar())))
            o.extend(["}", ""])
        else:
            o.add('resource "%s" "%s" {' % (g.choice(TF_RESOURCES), g.snake(1)))
            for _ in range(g.n(2, 8)):
                if _ and o.full():
                    break
                if g.chance(0.1):
                    n = g.cred_name()
                    o.add("  %s = var.%s" % (n, n))
                else:
                    o.add("  %s = %s" % (g.snake(1), lit(g.scalar())))
            if g.chance(0.4):
                o.extend(["", "  tags = {", '    Environment = "%s"' % g.choice(ENVS),
                          '    Team        = "%s"' % g.kebab(1),
                          '    CostCenter  = "%d"' % g.n(1000, 9999), "  }"])
            if g.chance(0.3):
                o.extend(["", "  policy = jsonencode({", '    Version = "2012-10-17"',
                          "    Statement = [{", '      Effect   = "Allow"',
                          '      Action   = ["s3:GetObject", "s3:PutObject"]',
                          '      Resource = "arn:aws:s3:::%s-%s/*"' % (g.choice(ORGS), g.kebab(1)),
                          "    }]", "  })"])
            o.extend(["}", ""])
    o.flush("hcl", "  ", wrap=wrap)


# --- .env / INI / TOML / properties ---

def gen_env(g, o):
    o.add("# %s" % g.sentence())
    while not o.full():
        o.boundary("env")
        if g.chance(0.15):
            o.extend(["", "# --- %s ---" % g.noun()])
        c = g.rand()
        if c < 0.06:
            n = g.cred_name().upper()
            o.add("%s=%s" % (n, g.placeholder(n)))
        else:
            v = g.scalar()
            v = lit(v) if isinstance(v, str) and " " in v else str(v).lower() \
                if isinstance(v, bool) else str(v)
            o.add("%s=%s" % (g.upper(g.choice((1, 2, 3))), v))
    o.flush("env")


def gen_ini(g, o, toml=False):
    lang = "toml" if toml else "ini"
    cm = "#" if toml else g.choice(("#", ";"))
    o.add("%s %s" % (cm, g.sentence()))
    sections = set()

    def section(name_fn):
        name = name_fn()
        while name in sections:
            name = "%s_%s" % (name, g.noun())
        sections.add(name)
        return name

    def wrap(p, ls):
        if p.group == "aws":
            if toml:
                sec = section(lambda: "aws." + ("breakglass" if p.fallback else g.snake_noun(1)))
            else:
                sec = section(lambda: "profile break-glass" if p.fallback else
                              g.choice(("default", "profile " + g.kebab(1))))
            return ["", "[%s]" % sec] + ls
        return ["", "[%s]" % section(lambda: g.snake(1))] + ls
    while not o.full():
        o.boundary(lang, wrap=wrap)
        o.extend(["", "[%s]" % section(lambda: g.snake(1) if g.chance(0.7) else
                                       "%s.%s" % (g.snake(1), g.snake(1)))])
        keys = set()
        for _ in range(g.n(2, 9)):
            if _ and o.full():
                break
            v = g.scalar()
            if g.chance(0.05):
                k = g.cred_name()
                v = g.placeholder(k)
            else:
                k = g.snake(g.choice((1, 2)))
            if k in keys:
                continue
            keys.add(k)
            if toml:
                o.add("%s = %s" % (k, lit(v)))
            else:
                o.add("%s = %s" % (k, str(v).lower() if isinstance(v, bool) else v))
    o.flush(lang, wrap=wrap)


# --- Markdown ---

def gen_md(g, o):
    o.extend(["# %s %s" % (g.pascal(2), g.choice(("Service", "Runbook", "Guide", "Design", ""))),
              "", g.paragraph(), ""])
    while not o.full():
        o.boundary("md")
        c = g.rand()
        o.extend(["## %s %s" % (g.choice(VERBS).capitalize(), g.noun()), ""])
        if c < 0.3:
            o.extend(["```%s" % g.choice(("bash", "sh", "console")), *sh_cmd(g), "```", ""])
        elif c < 0.45:
            o.extend(["```yaml"] + yaml_map(g, "", 0, g.n(2, 6)) + ["```", ""])
        elif c < 0.6:
            o.extend(["| %s | %s | %s |" % (g.noun().capitalize(), g.noun().capitalize(), "Notes"),
                      "|---|---|---|"] +
                     ["| `%s` | %s | %s |" % (g.snake(1), g.near_miss() if g.chance(0.3)
                                               else g.scalar(), g.sentence())
                      for _ in range(g.n(2, 8))] + [""])
        elif c < 0.75:
            o.extend(["- %s" % g.sentence() for _ in range(g.n(2, 7))] + [""])
        elif c < 0.78:
            o.extend(["Example (from the %s docs, not a real key):" % g.choice(("AWS", "vendor")),
                      "", "```ini", "[default]", "aws_access_key_id = AKIAIOSFODNN7EXAMPLE",
                      "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "```", ""])
        else:
            o.extend([g.paragraph(), "", "See [%s](%s) — %s." % (g.noun(), g.url(), g.sentence()),
                      ""])
    o.flush("md")


# --- Shell ---

def sh_cmd(g):
    c = g.n(0, 11)
    if c == 0:
        return ["kubectl -n %s rollout restart deployment/%s" % (g.choice(ENVS), g.kebab(2))]
    if c == 1:
        return ["aws s3 cp s3://%s-%s/%s ./%s --region %s" % (
            g.choice(ORGS), g.kebab(1), g.path(), g.snake(1), g.choice(REGIONS))]
    if c == 2:
        return ['curl -fsSL -H "Accept: application/json" "%s" | jq \'.%s\'' % (g.url(), g.camel(1))]
    if c == 3:
        return ["docker build -t %s/%s:%s --build-arg GIT_SHA=%s ." % (
            g.choice(ORGS), g.kebab(1), g.version(), g.hexs(40))]
    if c == 4:
        return ["for f in %s/*.%s; do" % (g.kebab(1), g.choice(("json", "yaml", "sql"))),
                '  echo "%s $f"' % g.choice(VERBS), '  %s "$f"' % g.kebab(2), "done"]
    if c == 5:
        return ['if [ -z "${%s:-}" ]; then' % g.upper(2),
                '  echo "error: %s is not set" >&2' % g.upper(2), "  exit 1", "fi"]
    if c == 6:
        return ["terraform -chdir=infra/%s plan -var-file=%s.tfvars -out=plan.out" % (
            g.kebab(1), g.choice(ENVS))]
    if c == 7:
        return ["echo '%s' | sha256sum -c -" % ("%s  %s.tar.gz" % (g.hexs(64), g.kebab(1)))]
    if c == 8:
        return ["psql \"$DATABASE_URL\" -c 'SELECT count(*) FROM %s WHERE %s > now() - interval '\\''%d days'\\'''" % (
            g.snake_noun(1) + "s", g.snake(1), g.n(1, 90))]
    if c == 9 and g.chance(0.5):
        n = g.cred_name().upper()
        return ['export %s="$(vault kv get -field=%s secret/%s/%s)"' % (
            n, n.lower(), g.choice(ENVS), g.kebab(1))]
    return ["%s --%s=%s --%s %s" % (g.kebab(1), g.kebab(1), shq(g.scalar()), g.kebab(1), g.kebab(1))]


def gen_sh(g, o):
    o.extend(["#!/usr/bin/env bash", "# %s" % g.sentence(), "set -euo pipefail", "",
              'ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"',
              'ENVIRONMENT="${1:-%s}"' % g.choice(ENVS), ""])
    while not o.full():
        o.boundary("sh")
        if g.chance(0.3):
            o.extend(["%s() {" % g.snake(2), '  local %s="$1"' % g.snake(1)])
            for _ in range(g.n(1, 4)):
                o.extend(["  " + x for x in sh_cmd(g)])
            o.extend(["}", ""])
        else:
            if g.chance(0.4):
                o.add("# " + g.sentence())
            o.extend(sh_cmd(g))
    o.flush("sh")


# --- XML ---

def gen_xml(g, o, mode=None):
    c = g.n(0, 2) if mode is None else mode
    o.add('<?xml version="1.0" encoding="UTF-8"?>')
    if c == 0:  # maven pom
        o.extend(['<project xmlns="http://maven.apache.org/POM/4.0.0">',
                  "  <modelVersion>4.0.0</modelVersion>",
                  "  <groupId>com.%s</groupId>" % g.choice(ORGS),
                  "  <artifactId>%s</artifactId>" % g.kebab(2),
                  "  <version>%s-SNAPSHOT</version>" % g.version(), "  <properties>"])
        wrap = lambda p, ls: ls  # noqa: E731
        for _ in range(g.n(2, 6)):
            k = "%s.%s" % (g.kebab(1), g.choice(("version", "url", "enabled")))
            o.add("    <%s>%s</%s>" % (k, g.version(), k))
        o.boundary("xml", "    ", wrap=wrap)
        o.extend(["  </properties>", "  <dependencies>"])
        while not o.full():
            o.extend(["    <dependency>", "      <groupId>%s.%s</groupId>" % (
                g.choice(("org", "com", "io")), g.choice(ORGS)),
                      "      <artifactId>%s</artifactId>" % g.kebab(2),
                      "      <version>%s</version>" % g.version(), "    </dependency>"])
        o.extend(["  </dependencies>"])
        o.flush("xml", "  ", wrap=lambda p, ls: ["  <properties>"] + ["  " + x for x in ls] +
                ["  </properties>"])
        o.add("</project>")
    elif c == 1:  # web.config / app settings
        o.extend(["<configuration>", "  <appSettings>"])
        while not o.full():
            o.boundary("xml", "    ")
            v = g.scalar()
            o.add('    <add key="%s" value="%s" />' % (g.pascal(2),
                                                       str(v).replace("&", "&amp;").replace('"', "&quot;")))
        o.flush("xml", "    ")
        o.extend(["  </appSettings>", "</configuration>"])
    else:  # junit results / generic records
        o.add('<testsuites name="%s" tests="%d">' % (g.kebab(2), g.n(10, 5000)))
        while not o.full():
            o.boundary("xml", "  ", wrap=lambda p, ls: ['  <properties>'] + ls + ['  </properties>'])
            o.add('  <testsuite name="%s.%s" time="%.3f">' % (g.snake(1), g.pascal(2), g.rand() * 30))
            for _ in range(g.n(2, 10)):
                if _ and o.full():
                    break
                if g.chance(0.1):
                    o.extend(['    <testcase name="test_%s" time="%.3f">' % (g.snake(2), g.rand()),
                              '      <failure message="%s">%s</failure>' % (
                                  g.sentence().replace('"', "'"), g.near_miss()),
                              "    </testcase>"])
                else:
                    o.add('    <testcase name="test_%s" classname="%s" time="%.3f" />' % (
                        g.snake(2), g.pascal(2), g.rand()))
            o.add("  </testsuite>")
        o.flush("xml", "  ", wrap=lambda p, ls: ['  <properties>'] + ls + ['  </properties>'])
        o.add("</testsuites>")


# --- logs ---

def gen_log(g, o):
    style_ = g.n(0, 2)
    svc = g.kebab(2)
    t0 = 1704067200 + g.n(0, 60 * 86400)
    t = t0
    while not o.full():
        o.boundary("log")
        t += g.n(0, 3)
        ts = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t)) + ".%03dZ" % g.n(0, 999)
        if style_ == 0:
            lvl = g.choice(LEVELS)
            o.add("%s %-5s [%s-%d] %s.%s: %s %s id=%s duration_ms=%d trace_id=%s" % (
                ts, lvl, g.choice(("worker", "http", "main", "scheduler")), g.n(0, 15), svc,
                g.snake_noun(1), g.choice(VERBS), g.noun(),
                g.uuid() if g.chance(0.5) else g.n(1, 10 ** 7), g.n(0, 5000), g.hexs(32)))
            if lvl == "ERROR" and g.chance(0.5):
                o.add("Traceback (most recent call last):")
                for _ in range(g.n(2, 6)):
                    o.extend(['  File "/app/%s", line %d, in %s' % (g.path(), g.n(1, 900), g.snake(2)),
                              "    %s = %s(%s)" % (g.snake(1), g.snake(2), g.snake(1))])
                o.add("%s: %s" % (g.choice(("KeyError", "TimeoutError", "ConnectionResetError",
                                            "ValueError")), g.sentence()))
        elif style_ == 1:
            o.add('%s - - [%s +0000] "%s /api/v%d/%ss/%s HTTP/1.1" %d %d "-" "%s" %.3f' % (
                g.host() if g.chance(0.2) else "10.%d.%d.%d" % (g.n(0, 255), g.n(0, 255), g.n(1, 254)),
                time.strftime("%d/%b/%Y:%H:%M:%S", time.gmtime(t)), g.choice(HTTP_METHODS),
                g.n(1, 3), g.noun(), g.uuid() if g.chance(0.5) else g.n(1, 99999),
                g.choice(HTTP_CODES), g.n(0, 200000), g.choice(UAS), g.rand()))
        else:
            o.add('{"ts":"%s","level":"%s","logger":"%s","msg":"%s %s","request_id":"%s",'
                  '"user_id":%d,"latency_ms":%d,"%s":%s}' % (
                      ts, g.choice(LEVELS).lower(), svc, g.choice(VERBS), g.noun(), g.uuid(),
                      g.n(1, 10 ** 6), g.n(0, 3000), g.camel(1), jsonstr(g.scalar())))
    o.flush("log")


def gen_txt(g, o):
    o.extend([g.paragraph(), ""])
    while not o.full():
        o.boundary("txt")
        o.extend([g.paragraph(), ""])
    o.flush("txt")


def gen_pem(g, o):
    o.flush("pem")


# --------------------------------------------------------------------------------------------
# Tree layout.
# --------------------------------------------------------------------------------------------

# File types: name -> (extension chooser / fixed names, generator)
PROJECT_KINDS = {
    # kind: list of (weight, ftype, subdirs)
    "python": [(60, "py", ["src/{pkg}", "src/{pkg}/{sub}", "src/{pkg}/{sub}", "tests", "tests/unit",
                           "tests/integration"]),
               (6, "yaml_conf", ["config", "deploy"]), (5, "ini", [".", "config"]),
               (3, "toml", ["."]), (5, "md", [".", "docs"]), (3, "env", [".", "config"]),
               (4, "sh", ["scripts"]), (4, "json", ["tests/fixtures", "config"]),
               (3, "yaml_ci", [".github/workflows"]), (2, "yaml_k8s", ["deploy/k8s"])],
    "go": [(60, "go", ["cmd/{pkg}", "internal/{sub}", "internal/{sub}", "pkg/{sub}", "pkg/{sub}/{sub2}"]),
           (5, "yaml_conf", ["config"]), (5, "md", [".", "docs"]), (4, "sh", ["scripts", "hack"]),
           (4, "json", ["testdata", "api"]), (3, "yaml_ci", [".github/workflows"]),
           (5, "yaml_k8s", ["deploy", "deploy/{env}"]), (2, "env", ["."])],
    "node": [(40, "ts", ["src", "src/{sub}", "src/{sub}", "src/lib", "src/api", "test"]),
             (15, "tsx", ["src/components", "src/components/{sub}", "src/pages"]),
             (10, "js", ["src", "scripts", "config"]), (8, "json", [".", "src/fixtures", "config"]),
             (4, "md", [".", "docs"]), (4, "env", ["."]), (3, "yaml_ci", [".github/workflows"]),
             (2, "sh", ["scripts"])],
    "java": [(60, "java", ["src/main/java/com/{org}/{pkg}/{sub}", "src/main/java/com/{org}/{pkg}",
                           "src/test/java/com/{org}/{pkg}/{sub}"]),
             (6, "xml", [".", "src/main/resources"]), (6, "yaml_conf", ["src/main/resources"]),
             (4, "ini", ["src/main/resources"]), (4, "md", ["."]), (3, "yaml_ci", [".github/workflows"]),
             (3, "sh", ["scripts"])],
    "c": [(45, "c", ["src", "src/{sub}", "lib", "tests"]), (25, "h", ["include/{pkg}", "src"]),
          (5, "md", [".", "doc"]), (5, "sh", ["scripts", "tools"]), (4, "yaml_ci", [".github/workflows"]),
          (3, "ini", ["."])],
    "terraform": [(55, "tf", ["modules/{sub}", "modules/{sub}", "envs/{env}", "."]),
                  (12, "tfvars", ["envs/{env}"]), (8, "md", [".", "modules/{sub}"]),
                  (6, "sh", ["scripts"]), (6, "json", ["policies"]), (5, "yaml_ci", [".github/workflows",
                                                                                    ".gitlab"])],
    "k8s": [(60, "yaml_k8s", ["base", "overlays/{env}", "charts/{pkg}/templates", "apps/{sub}"]),
            (10, "yaml_conf", ["charts/{pkg}", "overlays/{env}"]), (8, "md", [".", "docs"]),
            (6, "sh", ["scripts"]), (4, "json", ["dashboards"]), (3, "env", ["overlays/{env}"])],
    "docs": [(60, "md", ["runbooks", "adr", "guides/{sub}", "onboarding", "postmortems"]),
             (8, "txt", ["runbooks", "notes"]), (8, "yaml_conf", ["."]), (4, "sh", ["snippets"])],
    "logs": [(70, "log", ["{sub}", "{sub}/{env}", "archive/{sub}"]), (10, "json", ["{sub}"])],
    "config": [(20, "ini", ["{env}", "{env}/{sub}"]), (15, "toml", ["{env}"]),
               (20, "yaml_conf", ["{env}", "{env}/{sub}"]), (15, "json", ["{env}"]),
               (15, "env", ["{env}", "{env}/{sub}"]), (10, "xml", ["{env}"])],
}

PROJECT_ROOTS = [("python", "services", 14), ("go", "services", 12), ("node", "web", 10),
                 ("java", "services", 8), ("c", "libs", 6), ("python", "libs", 4), ("go", "libs", 4),
                 ("terraform", "infra/terraform", 8), ("k8s", "infra/k8s", 7), ("docs", "docs", 6),
                 ("logs", "var/log", 5), ("config", "config", 6), ("python", "tools", 3),
                 ("node", "tools", 2)]

EXT = {"py": ".py", "go": ".go", "ts": ".ts", "tsx": ".tsx", "js": ".js", "java": ".java",
       "c": ".c", "h": ".h", "yaml_conf": ".yaml", "yaml_k8s": ".yaml", "yaml_ci": ".yml",
       "json": ".json", "tf": ".tf", "tfvars": ".tfvars", "env": "", "ini": ".ini", "toml": ".toml",
       "md": ".md", "sh": ".sh", "xml": ".xml", "log": ".log", "txt": ".txt", "pem": ".pem"}

FIXED_NAMES = {
    "py": ["__init__.py", "conftest.py", "main.py", "settings.py", "models.py", "utils.py"],
    "go": ["main.go", "doc.go", "server.go", "config.go"],
    "ts": ["index.ts", "types.ts", "client.ts"], "js": ["index.js", "webpack.config.js"],
    "json": ["package.json", "tsconfig.json", "settings.json", "appsettings.json"],
    "tf": ["main.tf", "variables.tf", "outputs.tf", "providers.tf", "versions.tf"],
    "tfvars": ["terraform.tfvars", "prod.auto.tfvars"],
    "env": [".env", ".env.local", ".env.production", ".env.staging", ".env.example", "app.env"],
    "ini": ["setup.cfg", "tox.ini", "config.ini", "application.properties", "credentials"],
    "toml": ["pyproject.toml", "config.toml", "settings.toml"],
    "md": ["README.md", "CHANGELOG.md", "CONTRIBUTING.md"], "sh": ["deploy.sh", "bootstrap.sh",
                                                                  "entrypoint.sh"],
    "yaml_conf": ["values.yaml", "application.yml", "config.yaml", "docker-compose.yml"],
    "yaml_k8s": ["deployment.yaml", "service.yaml", "kustomization.yaml", "ingress.yaml"],
    "yaml_ci": ["ci.yml", "release.yml", "deploy.yml"], "xml": ["pom.xml", "logback.xml",
                                                                 "web.config"],
}


def file_name(g, ftype):
    fixed = FIXED_NAMES.get(ftype)
    if fixed and g.chance(0.15):
        return g.choice(fixed)
    ext = EXT[ftype]
    if ftype == "java":
        return g.pascal(2) + g.choice(("", "Service", "Controller", "Test", "Config", "Mapper")) + ext
    if ftype in ("ts", "js"):
        return g.camel(2) + g.choice(("", "", ".test", ".spec", ".util")) + ext
    if ftype == "tsx":
        return g.pascal(2) + ext
    if ftype == "go":
        return g.snake(2) + g.choice(("", "", "", "_test")) + ext
    if ftype == "env":
        return ".env." + g.choice(ENVS)
    if ftype == "log":
        return "%s-%s%s" % (g.kebab(1), g.date(), g.choice((".log", ".log", ".1.log", ".jsonl")))
    if ftype == "md":
        return g.kebab(g.choice((1, 2, 3))) + ext
    if ftype == "ini":
        return g.snake(1) + g.choice((".ini", ".cfg", ".properties", ".conf"))
    return g.snake(g.choice((1, 2))) + ext


def build_layout(g, nfiles):
    """A list of (path, ftype) with unique paths, in generation order."""
    nproj = max(1, round(nfiles / 60))
    weights = [w for _, _, w in PROJECT_ROOTS]
    projects = []
    names = set()
    for _ in range(nproj):
        kind, root, _w = g.r.choices(PROJECT_ROOTS, weights)[0]
        name = g.kebab(g.choice((1, 2, 2)))
        if kind in ("python", "go", "java", "c"):
            name += g.choice(("", "", "-service", "-api", "-worker", "-lib", "-core"))
        while "%s/%s" % (root, name) in names:
            name += "-%d" % g.n(2, 9)
        names.add("%s/%s" % (root, name))
        ctx = {"pkg": name.replace("-", "_").split("_")[0], "org": g.choice(ORGS),
               "subs": [g.snake_noun(1) for _ in range(g.n(2, 6))]}
        projects.append((kind, "%s/%s" % (root, name), ctx, g.rand() * 2 + 0.3))
    pweights = [p[3] for p in projects]
    files = []
    seen = set()
    for _ in range(nfiles):
        kind, proot, ctx, _w = g.r.choices(projects, pweights)[0]
        spec = PROJECT_KINDS[kind]
        _, ftype, dirs = g.r.choices(spec, [s[0] for s in spec])[0]
        d = g.choice(dirs).format(pkg=ctx["pkg"], org=ctx["org"], sub=g.choice(ctx["subs"]),
                                  sub2=g.choice(ctx["subs"]), env=g.choice(ENVS))
        for _attempt in range(20):
            fn = file_name(g, ftype)
            path = os.path.normpath("%s/%s/%s" % (proot, d, fn)).replace(os.sep, "/")
            if path not in seen:
                break
        else:
            stem, ext = os.path.splitext(fn)
            i = 2
            while True:
                path = os.path.normpath("%s/%s/%s-%d%s" % (proot, d, stem, i, ext)).replace(os.sep, "/")
                if path not in seen:
                    break
                i += 1
        seen.add(path)
        files.append([path, ftype, proot])
    return files, seen


def plan_sizes(g, nfiles, total):
    nlarge = round(nfiles * 0.003) if total >= 5_000_000 else 0
    large = [int(math.exp(g.r.uniform(math.log(100_000), math.log(1_000_000)))) for _ in range(nlarge)]
    if sum(large) > 0.35 * total:
        f = 0.35 * total / sum(large)
        large = [int(x * f) for x in large]
    small = [min(90_000, max(150, g.r.lognormvariate(math.log(2600), 0.9)))
             for _ in range(nfiles - nlarge)]
    f = (total - sum(large)) / max(1.0, sum(small))
    small = [max(100, int(x * f)) for x in small]
    return small, large


LARGE_TYPES = ["log", "log", "log", "json", "jsmin", "gopb", "yaml_k8s", "xml"]


def generate(outdir, size_mb, nfiles, seed):
    rng = random.Random(seed)
    g = G(rng)
    total = int(size_mb * 1_000_000)
    files, seen = build_layout(g, nfiles)
    small, large = plan_sizes(g, nfiles, total)
    sizes = small + large
    # Large files become big logs, lockfiles, bundles, generated code...
    large_idx = g.r.sample(range(nfiles), len(large))
    size_of = {}
    for i, sz in zip(large_idx, large):
        t = g.choice(LARGE_TYPES)
        proot = files[i][2]
        if t == "jsmin":
            path = "%s/%s/%s.%s.min.js" % (proot, g.choice(("dist", "public/assets", "build/static")),
                                           g.kebab(1), g.hexs(8))
        elif t == "gopb":
            path = "%s/gen/proto/%s/v1/%s.pb.go" % (proot, g.noun(), g.snake_noun(2))
        elif t == "log":
            svc = g.kebab(2)
            path = "var/log/%s/%s-%s.log" % (svc, svc, g.date())
        elif t == "json":
            path = "%s/%s" % (proot, g.choice(("package-lock.json", "testdata/fixtures.json",
                                                "testdata/dump.json", "exports/export.json")))
        elif t == "xml":
            path = "%s/build/test-results/TEST-%s.xml" % (proot, g.pascal(2))
        else:
            path = "%s/deploy/rendered/%s.yaml" % (proot, g.choice(ENVS))
        while path in seen:
            stem, ext = os.path.splitext(path)
            path = "%s-%d%s" % (stem, g.n(2, 99), ext)
        seen.discard(files[i][0])
        seen.add(path)
        files[i] = [path, t, files[i][2]]
        size_of[i] = sz
    it = iter(small)
    for i in range(nfiles):
        if i not in size_of:
            size_of[i] = next(it)
    assert len(sizes) == nfiles

    # Plants: about one per 50 files.
    nplant = max(1, round(nfiles / 50))
    plant_idx = sorted(g.r.sample(range(nfiles), nplant))
    gnames = [x for x, _ in PLANT_GROUPS]
    gweights = [w for _, w in PLANT_GROUPS]
    plants_for = {}
    for i in plant_idx:
        ftype = files[i][1]
        lang = LANG_OF[ftype]
        for _ in range(50):
            grp = g.r.choices(gnames, gweights)[0]
            allowed = GROUP_TYPES.get(grp)
            if allowed is None or lang in allowed:
                break
        p = make_plant(g, grp)
        if grp == "pem" and g.chance(0.35):
            # A standalone key file next to the file we picked.
            d = os.path.dirname(files[i][0])
            path = "%s/%s" % (d, g.choice(("server.key", "id_rsa", "deploy_key.pem", "tls.key",
                                           "private.pem", "breakglass-root.pem" if p.fallback
                                           else "signing.pem")))
            while path in seen:
                path = "%s/%s-%d.pem" % (d, g.kebab(1), g.n(2, 99))
            seen.discard(files[i][0])
            seen.add(path)
            files[i] = [path, "pem", files[i][2]]
        plants_for[i] = [p]

    os.makedirs(outdir, exist_ok=True)
    manifest = []
    nbytes = 0
    made = set()
    for i, (path, ftype, _kind) in enumerate(files):
        plants = plants_for.get(i, [])
        text = render_file(g, ftype, size_of[i], plants, path)
        data = text.encode("utf-8")
        full = os.path.join(outdir, path)
        d = os.path.dirname(full)
        if d not in made:
            os.makedirs(d, exist_ok=True)
            made.add(d)
        with open(full, "wb") as f:
            f.write(data)
        nbytes += len(data)
        for p in plants:
            pos = 0
            for kind, key, value in p.items:
                needle = value.split("\n")[1] if is_pem(value) else value
                at = text.find(needle, pos)
                if at < 0:
                    raise AssertionError("planted %s not found in %s" % (kind, path))
                if is_pem(value):
                    at = text.rfind("-----BEGIN", 0, at)
                pos = at + 1
                manifest.append((path, text.count("\n", 0, at) + 1, kind,
                                 key.replace(" ", "_") if kind != "vault_unseal_key" else key))
    manifest.sort(key=lambda m: (m[0], m[1]))
    with open(os.path.join(outdir, "MANIFEST.tsv"), "w", encoding="utf-8", newline="\n") as f:
        f.write("path\tline\tkind\tkey\n")
        for m in manifest:
            f.write("%s\t%d\t%s\t%s\n" % m)
    return nfiles, nbytes, len(manifest)


LANG_OF = {"py": "py", "go": "go", "gopb": "go", "ts": "js", "tsx": "js", "js": "js", "jsmin": "js",
           "java": "java", "c": "c", "h": "c", "yaml_conf": "yaml", "yaml_k8s": "yaml",
           "yaml_ci": "yaml", "json": "json", "tf": "hcl", "tfvars": "hcl", "env": "env",
           "ini": "ini", "toml": "toml", "md": "md", "sh": "sh", "xml": "xml", "log": "log",
           "txt": "txt", "pem": "pem"}


def render_file(g, ftype, size, plants, path):
    o = Out(g, size, plants)
    if ftype == "py":
        gen_py(g, o)
    elif ftype == "go":
        gen_go(g, o)
    elif ftype == "gopb":
        gen_go_pb(g, o)
    elif ftype in ("ts", "tsx", "js"):
        gen_js(g, o, ts=ftype != "js", jsx=ftype == "tsx")
    elif ftype == "jsmin":
        gen_js_min(g, o)
    elif ftype == "java":
        parts = path.split("/")
        pkg = ".".join(parts[parts.index("java") + 1:-1]) if "java" in parts[:-1] else "com.example"
        gen_java(g, o, pkg)
    elif ftype in ("c", "h"):
        gen_c(g, o, header=ftype == "h")
    elif ftype == "yaml_k8s":
        gen_yaml_k8s(g, o)
    elif ftype == "yaml_ci":
        gen_yaml_ci(g, o)
    elif ftype == "yaml_conf":
        gen_yaml_conf(g, o)
    elif ftype == "json":
        base = os.path.basename(path)
        gen_json(g, o, plants, 0 if base.startswith("package-lock") else
                 1 if base.startswith(("fixtures", "dump", "export")) else None)
    elif ftype in ("tf", "tfvars"):
        gen_hcl(g, o, tfvars=ftype == "tfvars")
    elif ftype == "env":
        gen_env(g, o)
    elif ftype in ("ini", "toml"):
        gen_ini(g, o, toml=ftype == "toml")
    elif ftype == "md":
        gen_md(g, o)
    elif ftype == "sh":
        gen_sh(g, o)
    elif ftype == "xml":
        base = os.path.basename(path)
        gen_xml(g, o, 0 if base == "pom.xml" else 1 if base.endswith(".config") else
                2 if base.startswith("TEST-") else None)
    elif ftype == "log":
        gen_log(g, o)
    elif ftype == "txt":
        gen_txt(g, o)
    elif ftype == "pem":
        gen_pem(g, o)
    else:
        raise ValueError(ftype)
    return "\n".join(o.lines) + "\n"


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("outdir")
    ap.add_argument("--size-mb", type=float, default=25.0, help="total size, MB = 10^6 bytes")
    ap.add_argument("--files", type=int, default=5000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--force", action="store_true",
                    help="replace OUTDIR if it holds a corpus generated earlier (has MANIFEST.tsv)")
    a = ap.parse_args(argv)
    if a.files < 1 or a.size_mb <= 0:
        ap.error("--files and --size-mb must be positive")
    if os.path.isdir(a.outdir) and os.listdir(a.outdir):
        if not a.force:
            ap.error("%s exists and is not empty (use --force to replace a generated corpus)"
                     % a.outdir)
        if not os.path.isfile(os.path.join(a.outdir, "MANIFEST.tsv")):
            ap.error("%s does not look like a generated corpus (no MANIFEST.tsv); not removing it"
                     % a.outdir)
        shutil.rmtree(a.outdir)
    t0 = time.monotonic()
    nfiles, nbytes, nplanted = generate(a.outdir, a.size_mb, a.files, a.seed)
    print("gen_corpus: files=%d bytes=%d planted=%d seed=%d dir=%s (%.1fs)" % (
        nfiles, nbytes, nplanted, a.seed, a.outdir, time.monotonic() - t0))
    return 0


if __name__ == "__main__":
    sys.exit(main())
