#!/usr/bin/env python3
"""Generate the labelled rule evaluation set (docs: tests/eval/README.md).

  gen_eval.py OUTDIR [--seed N]

Writes OUTDIR/pos/NNNN-<context>/<file> (one credential per file), OUTDIR/neg/NNNN/<file> (hard
negatives: text that must give no finding) and OUTDIR/labels.json. Positives are fake tokens in
each format of tests/eval/formats.py (a seed distinct from anything in rules/*.yml), wrapped in
code, YAML, JSON, env, shell, XML, INI and prose contexts. Negatives are hand-written: the
placeholders, references, sample keys from SDK documentation, non-secret keys and near-misses
that scanners commonly report.
"""

import json
import os
import random
import string
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from formats import FORMATS, family, rs, uuid, ALNUM, HEX, B64, B64URL, LOWER, LOWER_ALNUM, DIG  # noqa: E402

SAMPLES_PER_FORMAT = 5

CONTEXTS = {
    "env": (".env", lambda k, v: "# service settings\n%s=%s\nLOG_LEVEL=info\n" % (k, v)),
    "shell": ("deploy.sh", lambda k, v: "#!/bin/sh\nset -eu\nexport %s=\"%s\"\n./bin/deploy --prod\n" % (k, v)),
    "yaml": ("values.yaml", lambda k, v: "app:\n  replicas: 2\n  env:\n    %s: %s\n" % (k.lower(), v)),
    "json": ("config.json", lambda k, v: '{\n  "name": "svc",\n  "%s": "%s",\n  "timeout": 30\n}\n' % (k.lower(), v)),
    "python": ("settings.py", lambda k, v: "import os\n\nDEBUG = False\n%s = \"%s\"\n" % (k, v)),
    "js": ("client.js", lambda k, v: "const %s = '%s';\nmodule.exports = { %s };\n" % (camel(k), v, camel(k))),
    "xml": ("app.config", lambda k, v: "<config>\n  <%s>%s</%s>\n</config>\n" % (camel(k), v, camel(k))),
    "ini": ("app.ini", lambda k, v: "[service]\nhost = api.internal\n%s = %s\n" % (k.lower(), v)),
    "prose": ("NOTES.md", lambda k, v: "Deployment notes\n\nThe staging job authenticates with %s until the vault migration.\n" % v),
}
TOKEN_CONTEXTS = list(CONTEXTS)
KEYED_CONTEXTS = [c for c in CONTEXTS if c != "prose"]


def camel(k):
    parts = k.lower().split("_")
    return parts[0] + "".join(p.capitalize() for p in parts[1:])


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write(text)


# Hard negatives: each a function of a Random returning (filename, text). They are written by
# hand from what real repositories contain and must produce no finding.
def _neg_templates():
    N = []

    def add(name, fn):
        N.append((name, fn))

    # Placeholders and references.
    for t in [
        "SLACK_BOT_TOKEN=xoxb-your-bot-token-here\n",
        "SLACK_WEBHOOK_URL=https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX\n",
        'api_key: "<YOUR_API_KEY>"\n',
        "password: ${DB_PASSWORD}\n",
        'password: "{{ .Values.postgres.password }}"\n',
        "DB_PASSWORD=changeme\n",
        "export GITHUB_TOKEN=$GITHUB_TOKEN\n",
        "token: ${{ secrets.DEPLOY_TOKEN }}\n",
        'aws_secret_access_key = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"\n',
        "AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE\n",
        "stripe.api_key = 'sk_test_xxxxxxxxxxxxxxxxxxxxxxxx'\n",
        "OPENAI_API_KEY=sk-...\n",
        "ANTHROPIC_API_KEY=sk-ant-api03-...\n",
        "DATADOG_API_KEY=<DATADOG_API_KEY>\n",
        "NEW_RELIC_LICENSE_KEY=YOUR_LICENSE_KEY\n",
        "password = var.db_password\n",
        'password = random_password.db.result\n',
        "secret: !Ref DatabaseSecret\n",
        "password: !vault |\n",
        "client_secret: ENC[AES256_GCM,data:Tr7o=,iv:1=,tag:2=,type:str]\n",
        'token = os.environ["API_TOKEN"]\n',
        "password = getpass.getpass()\n",
        'api_key = config["api_key"]\n',
        'token = request.headers.get("X-Auth-Token")\n',
        "secret_key = settings.SECRET_KEY\n",
        'DATABASE_URL=postgres://user:password@localhost:5432/db\n',
        "mongodb://<username>:<password>@cluster0.mongodb.net/test\n",
        "curl -u $USER:$PASS https://api.example.net/\n",
        'curl -H "Authorization: Bearer $TOKEN" https://api.example.net/\n',
        'curl -H "X-API-Key: ${API_KEY}" https://api.example.net/\n',
        "mysql -u root -p appdb\n",
        "sshpass -p \"$SSH_PASS\" ssh host\n",
        "wget --password=$WGET_PASSWORD https://files.example.net/x\n",
        "machine api.example.net login deploy password $NETRC_PASSWORD\n",
        "//registry.npmjs.org/:_authToken=${NPM_TOKEN}\n",
        '<add key="ClearTextPassword" value="%NUGET_PASSWORD%" />\n',
        "<password>${env.MAVEN_PASSWORD}</password>\n",
        "Pwd=<password>;\n",
        "Server=db;Database=app;User Id=sa;Password=;\n",
        "net use Z: \\\\fs01\\share /user:CORP\\svc %SVC_PASSWORD%\n",
        "REACT_APP_API_URL=https://api.example.net\n",
        "VITE_APP_TITLE=Customer Portal 2024\n",
        "NEXT_PUBLIC_GA_ID=G-ABC123DEF4\n",
        'password = os.getenv("DB_PASSWORD", "")\n',
        'api_key = os.getenv("API_KEY", None)\n',
        "password: $HOME/.secrets/db_password\n",
        "token_file: $XDG_RUNTIME_DIR/token\n",
        "PASSWORD=$VAULT_PATH/secret/db\n",
        "password: &lt;your-password&gt;\n",
        '<a href="#add-password">Add a password</a>\n',
        "password=&quot;&quot;\n",
        "api_key = \"abcdefg12345\"\n",
        "password: abc123abc123\n",
        "token: 1234567890abcdef\n",
        "secret = \"qwertyuiop123\"\n",
        "hvr.CAESIJlWh0cm\n",
        "VAULT_TOKEN=hvs.\n",
        "xoxb-1234-5678-abcdefgh\n",
        "ghp_ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789\n",
        "sk_live_0000000000000000000000000000\n",
        "AIzaSyXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX\n",
        "-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAu1SU1LfVLPHCozMxH2Mo\n-----END PUBLIC KEY-----\n",
        "-----BEGIN RSA PRIVATE KEY-----\n...\n-----END RSA PRIVATE KEY-----\n",
        "-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nmQINBGJ0aXsBEAC\n-----END PGP PUBLIC KEY BLOCK-----\n",
        "Get your key from https://app.datadoghq.com/organization-settings/api-keys\n",
        "token_type: Bearer\n",
        "password_min_length: 12\n",
        "password_reset_url: https://example.net/reset\n",
        "Set the `password` field to your database password.\n",
        "kubeadm join 10.0.0.1:6443 --token <token> --discovery-token-ca-cert-hash sha256:<hash>\n",
        "kubeadm join 10.0.0.1:6443 --token abcdef.0123456789abcdef\n",
        "TWILIO_ACCOUNT_SID=ACXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX\n",
        "SENTRY_DSN=https://examplePublicKey@o0.ingest.sentry.io/0\n",
        "https://api.telegram.org/bot<token>/getMe\n",
        "DOPPLER_TOKEN=dp.st.xxxx\n",
        "MAPBOX_ACCESS_TOKEN=pk.eyJ1IjoiZXhhbXBsZSIsImEiOiJjbGV4YW1wbGUifQ.public\n",
    ]:
        add("placeholder", lambda r, t=t: (".env" if "=" in t.split("\n")[0] else "notes.txt", t))

    # Non-secret keys with random-looking values.
    add("csrf", lambda r: ("index.html", '<meta name="csrf-token" content="%s">\n' % rs(r, B64URL, 40)))
    add("csrf2", lambda r: ("app.py", 'csrf_token = "%s"\n' % rs(r, HEX, 40)))
    add("xsrf", lambda r: ("req.txt", "X-XSRF-TOKEN: %s\n" % rs(r, B64URL, 36)))
    add("integrity", lambda r: ("index.html", '<script src="app.js" integrity="sha384-%s" crossorigin="anonymous"></script>\n' % rs(r, B64, 64)))
    add("commit", lambda r: ("CHANGELOG.md", "Fixed in commit %s (see #%d).\n" % (rs(r, HEX, 40), r.randint(100, 999))))
    add("sha256", lambda r: ("SHA256SUMS", "%s  fallback-scan-linux-amd64.tar.gz\n" % rs(r, HEX, 64)))
    add("lockfile", lambda r: ("package-lock.json", '    "integrity": "sha512-%s=="\n' % rs(r, B64, 86)))
    add("gosum", lambda r: ("go.sum", "github.com/acme/lib v1.2.3 h1:%s=\n" % rs(r, B64, 43)))
    add("tflock", lambda r: (".terraform.lock.hcl", '  hashes = [\n    "h1:%s=",\n    "zh:%s",\n  ]\n' % (rs(r, B64, 43), rs(r, HEX, 64))))
    add("request_id", lambda r: ("log.json", '{"request_id": "%s", "status": 200}\n' % uuid(r)))
    add("trace", lambda r: ("log.txt", "trace_id=%s span_id=%s\n" % (rs(r, HEX, 32), rs(r, HEX, 16))))
    add("page_token", lambda r: ("resp.json", '{"nextPageToken": "%s"}\n' % rs(r, B64URL, 40)))
    add("idempotency", lambda r: ("client.py", 'headers = {"Idempotency-Key": "%s"}\n' % uuid(r)))
    add("cache_key", lambda r: ("ci.yml", "      key: deps-%s\n" % rs(r, HEX, 40)))
    add("publishable", lambda r: ("checkout.js", "const stripe = Stripe('pk_live_%s');\n" % rs(r, ALNUM, 24)))
    add("public_key", lambda r: ("id_ed25519.pub", "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI%s user@host\n" % rs(r, B64, 43)))
    add("sentry_release", lambda r: ("sentry.properties", "defaults.org=acme\ndefaults.project=web-%s\n" % rs(r, LOWER, 5)))
    add("firebase_sample", lambda r: ("google-services.json", '{\n  "client": [{\n    "api_key": [{"current_key": "AIzaSyDOCAbC123dEf456GhI789jKl012-MnO"}]\n  }]\n}\n'))
    add("uuid_id", lambda r: ("main.tf", 'resource "azurerm_role_assignment" "x" {\n  principal_id = "%s"\n  scope        = "/subscriptions/%s"\n}\n' % (uuid(r), uuid(r))))
    add("tenant", lambda r: (".env", "AZURE_TENANT_ID=%s\nAZURE_CLIENT_ID=%s\n" % (uuid(r), uuid(r))))
    add("image_digest", lambda r: ("deploy.yaml", "    image: registry.example.net/app@sha256:%s\n" % rs(r, HEX, 64)))
    add("gitlfs", lambda r: ("model.bin", "version https://git-lfs.github.com/spec/v1\noid sha256:%s\nsize %d\n" % (rs(r, HEX, 64), r.randint(1000, 99999))))
    add("base64_img", lambda r: ("style.css", ".logo{background:url(data:image/png;base64,iVBORw0KGgo%s)}\n" % rs(r, B64, 120)))
    add("jwt_public", lambda r: ("jwks.json", '{"keys":[{"kty":"RSA","kid":"%s","n":"%s","e":"AQAB"}]}\n' % (rs(r, HEX, 16), rs(r, B64URL, 86))))
    add("bcrypt", lambda r: ("users.sql", "INSERT INTO users VALUES (1, 'alice', '$2b$12$%s');\n" % rs(r, B64URL[:-2] + "./", 53)))
    add("color", lambda r: ("theme.js", "export const palette = { primary: '#%s', secondary: '#%s' };\n" % (rs(r, HEX, 6), rs(r, HEX, 6))))
    add("k8s_uid", lambda r: ("pod.yaml", "metadata:\n  uid: %s\n  resourceVersion: \"%d\"\n" % (uuid(r), r.randint(10000, 99999))))
    add("placeholder_k8s", lambda r: ("secret.yaml", "apiVersion: v1\nkind: Secret\ndata:\n  password: cGFzc3dvcmQ=\n"))
    add("mailchimp_dc", lambda r: ("mc.py", 'server = "us%d"\nlist_id = "%s"\n' % (r.randint(1, 20), rs(r, HEX, 10))))
    add("twilio_sid", lambda r: ("sms.py", 'account_sid = "AC%s"\n' % rs(r, HEX, 32)))
    add("algolia_app", lambda r: ("search.js", "const client = algoliasearch('%s', 'SEARCH_ONLY_KEY');\n" % rs(r, string.ascii_uppercase + DIG, 10)))
    add("gcp_project", lambda r: ("main.tf", 'provider "google" {\n  project = "acme-prod-%d"\n  region  = "europe-west1"\n}\n' % r.randint(100000, 999999)))
    add("html_pw_field", lambda r: ("login.html", '<input type="password" name="password" id="password" autocomplete="current-password">\n'))
    add("i18n", lambda r: ("en.json", '{"password": "Password", "password_hint": "At least 12 characters", "token_expired": "Your session expired"}\n'))
    add("docs_cmd", lambda r: ("README.md", "Run `mysql -u root -p` and enter the password when prompted.\n"))
    add("curl_docs", lambda r: ("README.md", "curl -H \"Authorization: Bearer <your-token>\" https://api.example.net/v1/me\n"))
    add("netrc_doc", lambda r: ("README.md", "Add `machine example.net login <user> password <password>` to ~/.netrc\n"))
    add("hvr_wrong", lambda r: ("notes.txt", "replication token prefix hvr.%s\n" % rs(r, B64URL, 8)))
    add("short_hvs", lambda r: ("notes.txt", "token hvs.%s\n" % rs(r, B64URL, 10)))
    add("abcseq", lambda r: (".env", "API_KEY=abcdefghijklmnopqrstuvwxyz123456\n"))
    add("seq2", lambda r: ("config.yml", "secret: 0123456789abcdef0123456789abcdef\n"))
    add("version", lambda r: ("build.gradle", "version = '%d.%d.%d'\nbuildToken = 'SNAPSHOT'\n" % (r.randint(1, 9), r.randint(0, 20), r.randint(0, 50))))
    add("env_ref_path", lambda r: ("run.sh", 'PASSWORD_FILE="$SECRETS_DIR/db/%s"\n' % rs(r, LOWER, 8)))
    add("ansible_ref", lambda r: ("vars.yml", "db_password: \"{{ vault_db_password }}\"\napi_token: \"{{ lookup('env', 'API_TOKEN') }}\"\n"))
    add("helm_ref", lambda r: ("values.yaml", "auth:\n  existingSecret: %s-db-credentials\n  passwordKey: password\n" % rs(r, LOWER, 6)))
    add("k8s_ref", lambda r: ("deploy.yaml", "        - name: DB_PASSWORD\n          valueFrom:\n            secretKeyRef:\n              name: db-%s\n              key: password\n" % rs(r, LOWER, 5)))
    add("sample_jwt", lambda r: ("README.md", "Example: eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c\n"))
    add("test_fixture_hex", lambda r: ("test_hash.py", 'assert md5(b"hello") == "%s"\n' % rs(r, HEX, 32)))
    add("datadog_site", lambda r: ("datadog.yaml", "site: datadoghq.eu\nhostname: web-%02d\ntags:\n  - env:prod\n" % r.randint(1, 40)))
    add("newrelic_app", lambda r: ("newrelic.yml", "common: &default_settings\n  app_name: Shop %d\n  license_key: '<%%= ENV[\"NEW_RELIC_LICENSE_KEY\"] %%>'\n" % r.randint(1, 9)))
    add("npmrc_ok", lambda r: (".npmrc", "registry=https://registry.npmjs.org/\nsave-exact=true\n"))
    add("pypirc_ok", lambda r: (".pypirc", "[distutils]\nindex-servers = pypi\n\n[pypi]\nusername = __token__\n"))
    add("docker_cfg_ok", lambda r: ("config.json", '{\n  "credsStore": "desktop",\n  "auths": {\n    "https://index.docker.io/v1/": {}\n  }\n}\n'))
    add("pgpass_wild", lambda r: (".pgpass", "*:*:*:*:\n"))
    add("git_remote", lambda r: (".git-credentials", "https://github.com\n"))
    add("mycnf_ok", lambda r: (".my.cnf", "[client]\nuser=%s\nhost=127.0.0.1\n" % rs(r, LOWER, 6)))
    add("boto_ok", lambda r: (".boto", "[Boto]\ndebug = 0\nnum_retries = 10\n"))
    add("s3cfg_ok", lambda r: (".s3cfg", "[default]\nhost_base = s3.amazonaws.com\nuse_https = True\n"))
    add("base64_cert", lambda r: ("ca.yaml", "data:\n  ca.crt: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0t%s\n" % rs(r, B64, 80)))
    add("uuid_list", lambda r: ("ids.txt", "\n".join(uuid(r) for _ in range(3)) + "\n"))
    add("random_word_pw", lambda r: ("form.py", 'label = "password"\nplaceholder = "Enter password"\n'))
    add("slack_channel", lambda r: ("slack.yml", "channel: C%s\nteam: T%s\n" % (rs(r, string.ascii_uppercase + DIG, 10), rs(r, string.ascii_uppercase + DIG, 10))))
    add("webhook_doc", lambda r: ("README.md", "Create an incoming webhook at https://api.slack.com/messaging/webhooks and paste it here.\n"))
    add("teams_doc", lambda r: ("README.md", "Teams: https://learn.microsoft.com/microsoftteams/platform/webhooks-and-connectors/how-to/add-incoming-webhook\n"))
    add("ops_doc", lambda r: ("README.md", "export OP_SERVICE_ACCOUNT_TOKEN=<your-service-account-token>\n"))
    add("prose_pw", lambda r: ("README.md", "Choose a password of at least %d characters; the token expires after %d days.\n" % (r.randint(8, 16), r.randint(7, 90))))
    add("pwd_path", lambda r: ("env.sh", "PWD=/home/%s/src/app\nOLDPWD=/home/%s\n" % (rs(r, LOWER, 5), rs(r, LOWER, 5))))
    add("secret_name", lambda r: ("main.tf", 'secret_name = "prod/%s/db"\nsecret_arn = "arn:aws:secretsmanager:eu-west-1:%s:secret:prod/db-%s"\n' % (rs(r, LOWER, 6), rs(r, DIG, 12), rs(r, ALNUM, 6))))
    add("yaml_anchor", lambda r: ("ci.yml", "password: *default_password\ntoken: &tok ${TOKEN}\n"))
    add("code_expr", lambda r: ("app.js", "const password = req.body.password || generatePassword(%d);\n" % r.randint(12, 32)))
    add("hash_key", lambda r: ("config.rb", "config.cache_store = :redis, { namespace: 'cache-%s' }\n" % rs(r, HEX, 8)))
    add("ado_org", lambda r: ("azure-pipelines.yml", "pool:\n  vmImage: ubuntu-latest\nvariables:\n  buildConfiguration: Release\n"))
    add("k8s_join_ph", lambda r: ("join.sh", "kubeadm token create --print-join-command\n"))
    add("github_action_sha", lambda r: ("ci.yml", "      - uses: actions/checkout@%s # v4\n" % rs(r, HEX, 40)))
    add("storage_doc", lambda r: (".env", "AZURE_STORAGE_CONNECTION_STRING=UseDevelopmentStorage=true\n"))
    add("azurite", lambda r: ("local.settings.json", '{"AzureWebJobsStorage": "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;BlobEndpoint=http://127.0.0.1:10000/devstoreaccount1;"}\n'))
    # Near misses for the provider formats: right prefix, wrong length or alphabet; identifiers.
    add("nm_api_version", lambda r: ("client.py", 'headers = {"API-VERSION": "2024-%02d-01", "X-Request-Id": "%s"}\n' % (r.randint(1, 12), rs(r, HEX, 16))))
    add("nm_sk_short", lambda r: ("tts.py", 'voice = "sk_%s"\n' % rs(r, HEX, 12)))
    add("nm_live_word", lambda r: (".env", "STREAM_MODE=live_%s\n" % rs(r, LOWER, 8)))
    add("nm_token_name", lambda r: ("rbac.yaml", "metadata:\n  name: token-%s\n" % rs(r, LOWER_ALNUM, 5)))
    add("nm_pat_word", lambda r: ("routes.js", "const pat = /pat\\.%s/;\n" % rs(r, LOWER, 6)))
    add("nm_t1", lambda r: ("svc.yaml", "tier: t1.%s\n" % rs(r, LOWER, 6)))
    add("nm_secret_ident", lambda r: ("config.py", "SECRET_KEY_FALLBACKS = []\nsecret_%s = None\n" % rs(r, LOWER, 10)))
    add("nm_glpat_short", lambda r: ("README.md", "Tokens look like glpat-%s (truncated).\n" % rs(r, B64URL, 8)))
    add("nm_xoxb_short", lambda r: ("README.md", "Bot tokens start with xoxb-%s-\n" % rs(r, DIG, 6)))
    add("nm_slack_channel_url", lambda r: ("README.md", "See https://acme.slack.com/archives/C%s/p%s\n" % (rs(r, string.ascii_uppercase + DIG, 10), rs(r, DIG, 16))))
    add("nm_teams_doc", lambda r: ("README.md", "https://acme.webhook.office.com/webhookb2/<group>@<tenant>/IncomingWebhook/<id>/<owner>\n"))
    add("nm_discord_invite", lambda r: ("README.md", "Join us: https://discord.com/invite/%s\n" % rs(r, ALNUM, 8)))
    add("nm_dsn_public", lambda r: ("sentry.properties", "defaults.url=https://sentry.io/\ndefaults.org=acme-%s\n" % rs(r, LOWER, 4)))
    add("nm_k8s_join_ref", lambda r: ("join.sh", 'kubeadm join %s:6443 --token "$JOIN_TOKEN" --discovery-token-ca-cert-hash sha256:%s\n' % ("10.0.0.%d" % r.randint(2, 250), rs(r, HEX, 64))))
    add("nm_semver_dots", lambda r: ("versions.txt", "abcdef.%s\n" % rs(r, DIG, 16)))
    add("nm_pgpass_ref", lambda r: (".pgpass", "db.internal:5432:app:app:*\n"))
    add("nm_netrc_nopw", lambda r: (".netrc", "machine %s.example.net login deploy\n" % rs(r, LOWER, 5)))
    add("nm_mycnf_socket", lambda r: (".my.cnf", "[mysqld]\nsocket=/var/run/mysqld/mysqld.sock\npassword_history=%d\n" % r.randint(1, 9)))
    add("nm_curl_header_plain", lambda r: ("fetch.sh", 'curl -H "Accept: application/json" -H "X-Request-Id: %s" https://api.example.net/\n' % uuid(r)))
    add("nm_curl_u_prompt", lambda r: ("fetch.sh", "curl -u %s https://api.example.net/\n" % rs(r, LOWER, 6)))
    add("nm_mysql_prompt", lambda r: ("db.sh", "mysqldump -u%s -p --single-transaction app > app.sql\n" % rs(r, LOWER, 5)))
    add("nm_sshpass_env", lambda r: ("push.sh", "SSHPASS=$(cat /run/secrets/ssh) sshpass -e scp build.tgz deploy@host:/srv\n"))
    add("nm_getenv_none", lambda r: ("settings.py", 'SECRET_KEY = os.getenv("SECRET_KEY")\nDEBUG = os.getenv("DEBUG", "false")\n'))
    add("nm_react_public", lambda r: (".env", "REACT_APP_SENTRY_DSN_HOST=o%d.ingest.sentry.io\nVITE_API_BASE=https://api.example.net/v%d\n" % (r.randint(1, 999), r.randint(1, 3))))
    add("nm_odbc_ref", lambda r: ("db.py", 'conn = pyodbc.connect(f"Driver={{ODBC Driver 18}};Server={host};Uid={user};Pwd={password}")\n'))
    add("nm_pdo_var", lambda r: ("db.php", "$pdo = new PDO($dsn, $user, $password, $options);\n"))
    add("nm_pem_cert_b64", lambda r: ("values.yaml", "tls:\n  crt: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1J%s\n" % rs(r, B64, 100)))
    add("nm_pem_public", lambda r: ("key.pub", "-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA%s\n%s\n-----END PUBLIC KEY-----\n" % (rs(r, B64, 20), rs(r, B64, 64))))
    add("nm_ya29_doc", lambda r: ("README.md", "Access tokens look like ya29.a0Af... and expire after an hour.\n"))
    add("nm_uuid_keyed", lambda r: (".env", "DATADOG_SITE=datadoghq.com\nSNYK_ORG_ID=%s\nOPSGENIE_TEAM_ID=%s\n" % (uuid(r), uuid(r))))
    add("nm_hex_nonkey", lambda r: (".env", "ALGOLIA_APP_ID=%s\nMIXPANEL_PROJECT_ID=%d\n" % (rs(r, string.ascii_uppercase + DIG, 10), r.randint(100000, 9999999))))
    add("nm_azure_ids", lambda r: ("main.tf", 'subscription_id = "%s"\ntenant_id = "%s"\n' % (uuid(r), uuid(r))))
    add("nm_webhook_placeholder", lambda r: (".env", "DISCORD_WEBHOOK=https://discord.com/api/webhooks/<id>/<token>\n"))
    add("nm_docs_pdo", lambda r: ("README.md", "Use `new PDO($dsn, $user, $pass)` with values from the environment.\n"))
    add("nm_asterisks", lambda r: ("config.yml", 'password: "%s"\n' % ("*" * r.randint(8, 16))))
    add("nm_hash_pw", lambda r: ("users.yml", "admin:\n  password_hash: \"$argon2id$v=19$m=65536,t=3,p=4$%s$%s\"\n" % (rs(r, B64, 22), rs(r, B64, 43))))
    return N


def main():
    if len(sys.argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    out = sys.argv[1]
    seed = 20261206
    if "--seed" in sys.argv:
        seed = int(sys.argv[sys.argv.index("--seed") + 1])
    r = random.Random(seed)
    labels = []
    n = 0
    for rule_id in sorted(FORMATS):
        kind, gen, key = FORMATS[rule_id]
        ctxs = TOKEN_CONTEXTS if kind == "token" else KEYED_CONTEXTS
        start = r.randrange(len(ctxs))
        for i in range(SAMPLES_PER_FORMAT):
            n += 1
            if kind == "snippet":
                text, secret, name = gen(r)
                ctx = "snippet"
            else:
                secret = gen(r)
                ctx = ctxs[(start + i) % len(ctxs)]
                name, wrap = CONTEXTS[ctx]
                text = wrap(key, secret)
            rel = "pos/%04d-%s/%s" % (n, ctx, name)
            write(os.path.join(out, rel), text)
            labels.append({"path": rel, "label": "positive", "family": family(rule_id),
                           "format": rule_id, "context": ctx, "secret": secret})
    templates = _neg_templates()
    m = 0
    rounds = 0
    while m < 600:
        for name, fn in templates:
            if m >= 600:
                break
            # Fixed texts are used once; generated ones several times with fresh values.
            fixed = name == "placeholder"
            if fixed and rounds > 0:
                continue
            fname, text = fn(r)
            m += 1
            rel = "neg/%04d-%s/%s" % (m, name, fname)
            write(os.path.join(out, rel), text)
            labels.append({"path": rel, "label": "negative", "family": name})
        rounds += 1
    with open(os.path.join(out, "labels.json"), "w", encoding="utf-8") as f:
        json.dump(labels, f, indent=0)
    print("wrote %d positives (%d formats, %d families), %d hard negatives to %s" % (
        n, len(FORMATS), len({family(k) for k in FORMATS}), m, out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
