"""Token format facts for the rule evaluation set (tests/eval/gen_eval.py).

Every entry describes one credential format from its vendor's documentation or public format
facts (prefix, alphabet, length, structure) and how it is usually written:

  FORMATS[rule_id] = (kind, generator, key)

  kind  'token'   the token is recognisable on its own: it is wrapped in every context (code,
                  YAML, JSON, env, shell, XML, prose) under the key;
        'keyed'   the token is only recognisable next to its vendor's name: every context keeps
                  the key (which names the vendor), prose says "<key>: <token>";
        'snippet' the generator returns a whole text (a command line, a config file) and the
                  secret inside it: it is used as it is, with its own file name.
  generator(r) -> the token (or (text, secret, filename) for snippets), from a random.Random.
  key   the variable name the contexts assign it to.

The rule id tells which family (the part before the first '.') a sample belongs to; the eval
counts a sample as found when a finding of that family covers the secret. All values are
random and fake.
"""

import base64
import random
import string

ALNUM = string.ascii_letters + string.digits
LOWER_ALNUM = string.ascii_lowercase + string.digits
UPPER_ALNUM = string.ascii_uppercase + string.digits
HEX = "0123456789abcdef"
UHEX = "0123456789ABCDEF"
DIG = string.digits
B64 = ALNUM + "+/"
B64URL = ALNUM + "-_"
B32 = string.ascii_lowercase + "234567"
UPPER = string.ascii_uppercase
LOWER = string.ascii_lowercase


def rs(r, alphabet, n):
    """n random characters, with at least one digit and one letter when the alphabet has both."""
    while True:
        s = "".join(r.choice(alphabet) for _ in range(n))
        if n < 8 or not (set(alphabet) & set(DIG)) or not (set(alphabet) & set(string.ascii_letters)):
            return s
        if any(c.isdigit() for c in s) and any(c.isalpha() for c in s):
            return s


def uuid(r, upper=False):
    s = "-".join(rs(r, HEX, n) for n in (8, 4, 4, 4, 12))
    return s.upper() if upper else s


def b64(raw):
    return base64.b64encode(raw).decode()


def b64u(raw):
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def jwt_like(r, payload):
    head = b64u(b'{"alg":"HS256","typ":"JWT"}')
    return head + "." + b64u(payload.encode()) + "." + rs(r, B64URL, 43)


def password(r, n=16):
    return rs(r, ALNUM + "!#%^*_+-", n)


def T(*parts):
    """A token made of literal strings and (alphabet, length) pieces."""

    def gen(r):
        out = []
        for p in parts:
            if isinstance(p, str):
                out.append(p)
            elif callable(p):
                out.append(p(r))
            else:
                out.append(rs(r, p[0], p[1]))
        return "".join(out)

    return gen


def crc_token(prefix):
    """GitHub/npm token: 30 random base62 characters and the base62 CRC32 of them (6 chars)."""
    import zlib
    digits = string.digits + string.ascii_uppercase + string.ascii_lowercase

    def gen(r):
        body = rs(r, ALNUM, 30)
        c = zlib.crc32(body.encode()) & 0xFFFFFFFF
        enc = ""
        for _ in range(6):
            enc = digits[c % 62] + enc
            c //= 62
        return prefix + body + enc

    return gen


def snip(fn, name):
    def gen(r):
        text, secret = fn(r)
        return text, secret, name

    return gen


# ---------------------------------------------------------------------------------------------
# Snippets: credentials whose context is the format (command lines, credential files).


def _discord_bot_token(r):
    """Discord bot token: base64 of the bot's user id (a snowflake: milliseconds since the Discord
    epoch 2015-01-01 shifted left 22 bits, plus worker, process and increment bits) written in
    decimal, unpadded; a 6-char timestamp segment; an HMAC of 27 (older) or 38 characters."""
    ms = r.randrange(30 * 86400 * 1000, 11 * 365 * 86400 * 1000)  # 2015-01-31 .. 2025
    snowflake = (ms << 22) | r.getrandbits(22)
    first = b64(str(snowflake).encode()).rstrip("=")
    return "%s.%s.%s" % (first, b64u(r.getrandbits(32).to_bytes(4, "big")), rs(r, B64URL, r.choice((27, 38))))


def _curl_bearer(r):
    t = rs(r, ALNUM, 32)
    return "curl -sS -H 'Authorization: Bearer %s' https://api.%s.example.net/v1/items\n" % (
        t, rs(r, LOWER, 6)), t


def _curl_custom(r):
    t = rs(r, ALNUM, 36)
    h = r.choice(["X-API-Key", "X-Auth-Token", "Api-Key", "X-Access-Token", "PRIVATE-TOKEN"])
    return 'curl -X POST -H "%s: %s" https://svc.example.net/hooks\n' % (h, t), t


def _curl_u_cont(r):
    p = password(r, 14)
    return "curl -fsSL \\\n  -u deploy:%s \\\n  https://repo.example.net/upload\n" % p, p


def _curl_u_quoted(r):
    p = password(r, 14)
    return "curl -u 'ci-bot':'%s' https://nexus.example.net/\n" % p, p


def _wget(r):
    p = password(r, 14)
    return "wget --user=builder --password=%s https://files.example.net/pkg.tgz\n" % p, p


def _httpie(r):
    p = password(r, 14)
    return "http -a admin:%s GET https://api.example.net/status\n" % p, p


def _netuse(r):
    p = password(r, 12)
    return "net use Z: \\\\fs01\\share /user:CORP\\svc_backup %s /persistent:no\n" % p, p


def _psexec(r):
    p = password(r, 12)
    return "psexec \\\\web02 -u CORP\\admin -p %s cmd /c ipconfig\n" % p, p


def _mysql(r):
    p = password(r, 12)
    return "mysql -h db.internal -u root -p%s appdb < dump.sql\n" % p, p


def _sshpass(r):
    p = password(r, 12)
    return "sshpass -p '%s' ssh deploy@10.0.4.17 'systemctl restart app'\n" % p, p


def _netrc1(r):
    p = password(r, 16)
    return "machine api.example.net login deploy password %s\n" % p, p


def _netrc3(r):
    p = rs(r, ALNUM, 40)
    return "machine git.example.net\n  login ci\n  password %s\n" % p, p


def _pgpass(r):
    p = password(r, 16)
    return "db.example.net:5432:payments:app_rw:%s\n" % p, p


def _mycnf(r):
    p = password(r, 16)
    return "[client]\nuser=backup\npassword=%s\nhost=127.0.0.1\n" % p, p


def _gitcred(r):
    p = "ghp_" + rs(r, ALNUM, 36) if r.random() < 0 else rs(r, ALNUM, 24)
    return "https://builder:%s@git.example.net\n" % p, p


def _npmrc(r):
    p = rs(r, B64, 40)
    return "registry=https://npm.example.net/\n//npm.example.net/:_auth=%s\nalways-auth=true\n" % p, p


def _pypirc(r):
    p = password(r, 18)
    return "[distutils]\nindex-servers = internal\n\n[internal]\nrepository = https://pypi.example.net/\nusername = uploader\npassword = %s\n" % p, p


def _docker_cfg(r):
    a = b64(("ci:" + password(r, 16)).encode())
    return '{\n  "auths": {\n    "registry.example.net": {\n      "auth": "%s"\n    }\n  }\n}\n' % a, a


def _settings_xml(r):
    p = password(r, 16)
    return "<settings>\n  <servers>\n    <server>\n      <id>internal</id>\n      <username>deployer</username>\n      <password>%s</password>\n    </server>\n  </servers>\n</settings>\n" % p, p


def _nuget(r):
    p = password(r, 18)
    return '<configuration>\n  <packageSourceCredentials>\n    <internal>\n      <add key="Username" value="builder" />\n      <add key="ClearTextPassword" value="%s" />\n    </internal>\n  </packageSourceCredentials>\n</configuration>\n' % p, p


def _s3cfg(r):
    s = rs(r, B64, 40)
    return "[default]\naccess_key = AKIA%s\nsecret_key = %s\nhost_base = s3.amazonaws.com\n" % (rs(r, UPPER_ALNUM, 16), s), s


def _rclone(r):
    s = rs(r, B64URL, 40)
    return "[backup]\ntype = s3\nprovider = Other\naccess_key_id = %s\nsecret_access_key = %s\nendpoint = https://s3.example.net\n" % (rs(r, UPPER_ALNUM, 20), s), s


def _boto(r):
    s = rs(r, B64, 40)
    return "[Credentials]\naws_access_key_id = AKIA%s\naws_secret_access_key = %s\n" % (rs(r, UPPER_ALNUM, 16), s), s


def _odbc(r):
    p = password(r, 14)
    return 'conn = pyodbc.connect("Driver={ODBC Driver 18 for SQL Server};Server=tcp:sql01,1433;Database=erp;Uid=erp_app;Pwd=%s;Encrypt=yes")\n' % p, p


def _adonet_spaces(r):
    p = password(r, 14)
    return '"DefaultConnection": "Server=sql02;Database=Shop;User Id=shop;Password = %s;TrustServerCertificate=True"\n' % p, p


def _pg_at(r):
    p = rs(r, ALNUM, 6) + "@" + rs(r, ALNUM, 7)
    return "DATABASE_URL=postgres://app:%s@db.example.net:5432/app\n" % p, p


def _php_pdo(r):
    p = password(r, 14)
    return '$pdo = new PDO("mysql:host=db;dbname=shop", "shop", "%s");\n' % p, p


def _react_env(r):
    t = rs(r, ALNUM, 32)
    k = r.choice(["REACT_APP_API_KEY", "NEXT_PUBLIC_STRIPE_SECRET", "VITE_AUTH_TOKEN"])
    return "%s=%s\n" % (k, t), t


def _getenv_default(r):
    p = password(r, 16)
    k = r.choice(["DB_PASSWORD", "API_SECRET", "ADMIN_TOKEN"])
    return 'password = os.getenv("%s", "%s")\n' % (k, p), p


def _letters_password(r):
    p = "".join(r.choice(LOWER) for _ in range(14))
    return 'password: "%s"\n' % p, p


def _pem_b64(r):
    pem = "-----BEGIN RSA PRIVATE KEY-----\nMIIE" + rs(r, B64, 300) + "\n-----END RSA PRIVATE KEY-----\n"
    v = b64(pem.encode())
    return "apiVersion: v1\nkind: Secret\ndata:\n  tls.key: %s\n" % v, v


def _pgp_block(r):
    body = "\n".join(rs(r, B64, 64) for _ in range(6))
    blk = "-----BEGIN PGP PRIVATE KEY BLOCK-----\n\nlQdGBG" + body + "\n=" + rs(r, B64, 4) + "\n-----END PGP PRIVATE KEY BLOCK-----"
    return blk + "\n", blk


def _pem_truncated(r):
    body = "MIIEow" + rs(r, B64, 58) + "\n" + rs(r, B64, 64) + "\n" + rs(r, B64, 64)
    t = "-----BEGIN RSA PRIVATE KEY-----\n" + body
    return t + "\n...\n", t


def _k8s_bootstrap_secret(r):
    tid, sec = rs(r, LOWER_ALNUM, 6), rs(r, LOWER_ALNUM, 16)
    return ("apiVersion: v1\nkind: Secret\nmetadata:\n  name: bootstrap-token-%s\n  namespace: kube-system\n"
            "type: bootstrap.kubernetes.io/token\nstringData:\n  token-id: %s\n  token-secret: %s\n"
            "  usage-bootstrap-authentication: \"true\"\n" % (tid, tid, sec)), sec


def _okta_tf(r):
    t = "00" + rs(r, B64URL, 40)
    return 'provider "okta" {\n  org_name  = "acme"\n  base_url  = "okta.com"\n  api_token = "%s"\n}\n' % t, t


def _twilio_pair(r):
    s = rs(r, ALNUM, 32)
    return "TWILIO_API_KEY=SK%s\nTWILIO_API_SECRET=%s\n" % (rs(r, HEX, 32), s), s


def _google_client_json(r):
    s = rs(r, B64URL, 24)
    return ('{"installed":{"client_id":"%s-%s.apps.googleusercontent.com","project_id":"acme-%s",'
            '"auth_uri":"https://accounts.google.com/o/oauth2/auth","token_uri":"https://oauth2.googleapis.com/token",'
            '"client_secret":"%s","redirect_uris":["http://localhost"]}}\n' % (rs(r, DIG, 12), rs(r, LOWER_ALNUM, 32), rs(r, LOWER, 5), s)), s


def _telegram_url(r):
    t = rs(r, DIG, 10) + ":AA" + rs(r, B64URL, 33)
    return "https://api.telegram.org/bot%s/sendMessage?chat_id=-100123\n" % t, t


def _azure_appconfig(r):
    s = rs(r, B64, 43) + "="
    return "AppConfig=Endpoint=https://acme-%s.azconfig.io;Id=%s-l0-s0:%s;Secret=%s\n" % (
        rs(r, LOWER, 5), rs(r, ALNUM, 4), rs(r, ALNUM, 20), s), s


def _sentry_dsn(r):
    k = rs(r, HEX, 32)
    return "SENTRY_DSN=https://%s@o%s.ingest.sentry.io/%s\n" % (k, rs(r, DIG, 6), rs(r, DIG, 7)), k


def _splunk_hec(r):
    t = uuid(r)
    return 'curl -k https://hec.example.net:8088/services/collector -H "Authorization: Splunk %s" -d \'{"event":"x"}\'\n' % t, t


FORMATS = {
    # Slack
    "slack.bot_token": ("token", T("xoxb-", (DIG, 12), "-", (DIG, 13), "-", (ALNUM, 24)), "SLACK_BOT_TOKEN"),
    "slack.legacy_bot_token": ("token", T("xoxb-", (DIG, 11), "-", (ALNUM, 24)), "SLACK_TOKEN"),
    "slack.user_token": ("token", T("xoxp-", (DIG, 12), "-", (DIG, 12), "-", (DIG, 13), "-", (HEX, 32)), "SLACK_USER_TOKEN"),
    "slack.legacy_token": ("token", T("xoxs-", (DIG, 11), "-", (DIG, 11), "-", (DIG, 12), "-", (HEX, 64)), "SLACK_LEGACY_TOKEN"),
    "slack.legacy_token#xoxo": ("token", T("xoxo-", (DIG, 10), "-", (DIG, 12), "-", (DIG, 12), "-", (HEX, 32)), "SLACK_TOKEN"),
    "slack.refresh_or_config_token": ("token", T("xoxe.xoxp-1-", (ALNUM, 140)), "SLACK_CONFIG_TOKEN"),
    "slack.refresh_or_config_token#short": ("token", T("xoxe-1-", (ALNUM, 60)), "SLACK_REFRESH_TOKEN"),
    "slack.app_level_token": ("token", T("xapp-1-A", (UPPER_ALNUM, 10), "-", (DIG, 13), "-", (HEX, 64)), "SLACK_APP_TOKEN"),
    "slack.app_level_token#lower": ("token", T("xapp-1-", (LOWER_ALNUM, 9), "-", (DIG, 13), "-", (HEX, 64)), "SLACK_APP_TOKEN"),
    "slack.webhook_url": ("token", T("https://hooks.slack.com/services/T", (UPPER_ALNUM, 10), "/B", (UPPER_ALNUM, 10), "/", (ALNUM, 24)), "SLACK_WEBHOOK"),
    "slack.webhook_url#http": ("token", T("http://hooks.slack.com/services/T", (UPPER_ALNUM, 8), "/B", (UPPER_ALNUM, 8), "/", (ALNUM, 24)), "SLACK_WEBHOOK"),
    "slack.webhook_url#workflow": ("token", T("https://hooks.slack.com/workflows/T", (UPPER_ALNUM, 10), "/A", (UPPER_ALNUM, 10), "/", (DIG, 18), "/", (ALNUM, 24)), "SLACK_WORKFLOW_URL"),
    "slack.webhook_url#trigger": ("token", T("https://hooks.slack.com/triggers/T", (UPPER_ALNUM, 10), "/", (DIG, 13), "/", (HEX, 32)), "SLACK_TRIGGER_URL"),
    # Connection strings / command lines / credential files
    "database.odbc#odbc": ("snippet", snip(_odbc, "db.py"), None),
    "database.adonet#spaces": ("snippet", snip(_adonet_spaces, "appsettings.json"), None),
    "database.postgres_url#at": ("snippet", snip(_pg_at, ".env"), None),
    "database.php_pdo": ("snippet", snip(_php_pdo, "db.php"), None),
    "cli.curl_auth_header": ("snippet", snip(_curl_bearer, "deploy.sh"), None),
    "cli.curl_custom_header": ("snippet", snip(_curl_custom, "notify.sh"), None),
    "cli.curl_user#cont": ("snippet", snip(_curl_u_cont, "upload.sh"), None),
    "cli.curl_user#quoted": ("snippet", snip(_curl_u_quoted, "check.sh"), None),
    "cli.wget_password": ("snippet", snip(_wget, "fetch.sh"), None),
    "cli.httpie_auth": ("snippet", snip(_httpie, "status.sh"), None),
    "cli.net_use_password": ("snippet", snip(_netuse, "map.bat"), None),
    "cli.psexec_password": ("snippet", snip(_psexec, "restart.cmd"), None),
    "cli.mysql_password": ("snippet", snip(_mysql, "restore.sh"), None),
    "cli.sshpass_password": ("snippet", snip(_sshpass, "push.sh"), None),
    "credfile.netrc#one": ("snippet", snip(_netrc1, ".netrc"), None),
    "credfile.netrc#multi": ("snippet", snip(_netrc3, "_netrc"), None),
    "credfile.pgpass": ("snippet", snip(_pgpass, ".pgpass"), None),
    "credfile.mycnf": ("snippet", snip(_mycnf, ".my.cnf"), None),
    "credfile.git_credentials": ("snippet", snip(_gitcred, ".git-credentials"), None),
    "credfile.npmrc": ("snippet", snip(_npmrc, ".npmrc"), None),
    "credfile.pypirc": ("snippet", snip(_pypirc, ".pypirc"), None),
    "credfile.docker_config": ("snippet", snip(_docker_cfg, "config.json"), None),
    "credfile.maven_settings": ("snippet", snip(_settings_xml, "settings.xml"), None),
    "credfile.nuget_password": ("snippet", snip(_nuget, "NuGet.Config"), None),
    "credfile.s3cfg": ("snippet", snip(_s3cfg, ".s3cfg"), None),
    "credfile.rclone": ("snippet", snip(_rclone, "rclone.conf"), None),
    "credfile.boto": ("snippet", snip(_boto, ".boto"), None),
    "generic.framework_env": ("snippet", snip(_react_env, ".env.local"), None),
    "generic.getenv_default": ("snippet", snip(_getenv_default, "settings.py"), None),
    "generic.password_letters": ("snippet", snip(_letters_password, "config.yml"), None),
    # Private keys
    "pem.base64_private_key": ("snippet", snip(_pem_b64, "secret.yaml"), None),
    "pem.pgp_private_key": ("snippet", snip(_pgp_block, "key.asc"), None),
    "pem.truncated_private_key": ("snippet", snip(_pem_truncated, "notes.md"), None),
    # Azure
    "azure.app_configuration_connection_string": ("snippet", snip(_azure_appconfig, "local.settings.env"), None),
    "azure.devops_pat_legacy": ("keyed", T((B32, 52)), "AZURE_DEVOPS_PAT"),
    "azure.devops_pat": ("token", T((ALNUM, 52), (ALNUM, 24), "AZDO", (ALNUM, 4)), "ADO_TOKEN"),
    "azure.storage_account_key": ("keyed", T((B64, 86), "=="), "STORAGE_ACCOUNT_KEY"),
    "azure.cognitive_services_key": ("token", T((ALNUM, 52), "JQQJ99", (ALNUM, 1), "AC", (ALNUM, 23)), "AZURE_OPENAI_API_KEY"),
    "azure.openai_key_legacy": ("keyed", T((HEX, 32)), "AZURE_OPENAI_KEY"),
    "azure.search_key": ("token", T((ALNUM, 42), "AzSe", (ALNUM, 6)), "AZURE_SEARCH_ADMIN_KEY"),
    # Other providers, claimed
    "huggingface.org_token": ("token", T("api_org_", (string.ascii_letters, 34)), "HF_ORG_TOKEN"),
    "huggingface.token": ("token", T("hf_", (string.ascii_letters, 34)), "HF_TOKEN"),
    "newrelic.admin_key": ("token", T("NRAA-", (HEX, 27)), "NEW_RELIC_ADMIN_KEY"),
    "newrelic.insights_insert_key": ("token", T("NRII-", (B64URL, 32)), "NEW_RELIC_INSERT_KEY"),
    "newrelic.insights_query_key": ("token", T("NRIQ-", (B64URL, 32)), "NEW_RELIC_QUERY_KEY"),
    "newrelic.rest_api_key": ("token", T("NRRA-", (HEX, 42)), "NEW_RELIC_REST_KEY"),
    "newrelic.license_key": ("token", T("eu01xx", (HEX, 30), "NRAL"), "NEW_RELIC_LICENSE_KEY"),
    "newrelic.license_key_hex": ("keyed", T((HEX, 40)), "NEW_RELIC_LICENSE_KEY"),
    "newrelic.browser_key": ("token", T("NRJS-", (HEX, 19)), "NEW_RELIC_BROWSER_KEY"),
    "gcp.oauth_access_token": ("token", T("ya29.", (B64URL, 120)), "GOOGLE_ACCESS_TOKEN"),
    "gcp.oauth_client_secret_json": ("snippet", snip(_google_client_json, "client_secret.json"), None),
    "datadog.api_key": ("keyed", T((HEX, 32)), "datadog_api_key"),
    "datadog.app_key": ("keyed", T((HEX, 40)), "datadog_application_key"),
    "grafana.api_key_legacy": ("token", lambda r: b64(('{"k":"%s","n":"%s","id":%d}' % (rs(r, ALNUM, 32), rs(r, LOWER, 8), r.randint(1, 99))).encode()), "GRAFANA_API_KEY"),
    "grafana.cloud_token": ("token", lambda r: "glc_" + b64(('{"o":"%s","n":"%s","k":"%s","m":{"r":"us"}}' % (rs(r, DIG, 6), rs(r, LOWER, 8), rs(r, ALNUM, 24))).encode()), "GRAFANA_CLOUD_TOKEN"),
    "cloudflare.origin_ca_key": ("token", T("v1.0-", (HEX, 24), "-", (HEX, 146)), "CF_ORIGIN_CA_KEY"),
    "cloudflare.global_api_key": ("keyed", T((HEX, 37)), "CLOUDFLARE_API_KEY"),
    "kubernetes.bootstrap_token": ("keyed", T((LOWER_ALNUM, 6), ".", (LOWER_ALNUM, 16)), "KUBEADM_TOKEN"),
    "kubernetes.bootstrap_token_secret": ("snippet", snip(_k8s_bootstrap_secret, "bootstrap-token.yaml"), None),
    "stripe.secret_key_live": ("token", T("rk_prod_", (ALNUM, 99)), "STRIPE_RESTRICTED_KEY"),
    "stripe.secret_key_live#sk": ("token", T("sk_live_", (ALNUM, 99)), "STRIPE_SECRET_KEY"),
    "twilio.api_key_secret": ("snippet", snip(_twilio_pair, ".env"), None),
    "twilio.api_key_sid": ("keyed", T("SK", (HEX, 32)), "TWILIO_API_KEY"),
    "telegram.bot_token": ("snippet", snip(_telegram_url, "notify.py"), None),
    "sentry.dsn": ("snippet", snip(_sentry_dsn, ".env"), None),
    "sentry.auth_token": ("token", T("sntryu_", (HEX, 64)), "SENTRY_AUTH_TOKEN"),
    "okta.api_token": ("snippet", snip(_okta_tf, "okta.tf"), None),
    "atlassian.api_token_legacy": ("keyed", T((ALNUM, 24)), "JIRA_API_TOKEN"),
    "onepassword.service_account_token": ("token", lambda r: "ops_" + b64u(('{"signInAddress":"acme.1password.com","userAuth":{"method":"SRPg-4096","alg":"PBES2g-HS256","iterations":650000,"salt":"%s"},"email":"%s@acme.1password.com","srpX":"%s","muk":{"alg":"A256GCM","ext":true,"k":"%s","key_ops":["encrypt","decrypt"],"kty":"oct","kid":"mp"},"secretKey":"A3-%s","throttleSecret":{"seed":"%s","deviceUuid":"%s"},"deviceUuid":"%s"}' % (rs(r, B64URL, 22), rs(r, LOWER_ALNUM, 13), rs(r, HEX, 64), rs(r, B64URL, 43), rs(r, UPPER_ALNUM, 34), rs(r, HEX, 64), rs(r, LOWER_ALNUM, 26), rs(r, LOWER_ALNUM, 26))).encode()), "OP_SERVICE_ACCOUNT_TOKEN"),
    "anthropic.admin_key": ("token", T("sk-ant-admin01-", (B64URL, 93), "AA"), "ANTHROPIC_ADMIN_KEY"),
    "anthropic.api_key": ("token", T("sk-ant-api03-", (B64URL, 93), "AA"), "ANTHROPIC_API_KEY"),
    # Families new in this pack
    "doppler.token": ("token", T("dp.st.", (LOWER, 3), ".", (ALNUM, 43)), "DOPPLER_TOKEN"),
    "doppler.token#pt": ("token", T("dp.pt.", (ALNUM, 43)), "DOPPLER_TOKEN"),
    "twitter.bearer_token": ("token", T("AAAAAAAAAAAAAAAAAAAAA", (ALNUM, 18), "%3D", (ALNUM, 50)), "TWITTER_BEARER_TOKEN"),
    "twitter.access_token": ("keyed", T((DIG, 19), "-", (ALNUM, 30)), "TWITTER_ACCESS_TOKEN"),
    "twitter.api_secret": ("keyed", T((ALNUM, 50)), "TWITTER_API_SECRET"),
    "facebook.access_token": ("token", T("EAA", (ALNUM, 1), "ZA", (ALNUM, 150)), "FB_ACCESS_TOKEN"),
    "facebook.app_secret": ("keyed", T((HEX, 32)), "FACEBOOK_APP_SECRET"),
    "square.access_token": ("token", T("EAAA", (B64URL, 60)), "SQUARE_ACCESS_TOKEN"),
    "square.oauth_secret": ("token", T("sq0csp-", (B64URL, 43)), "SQUARE_OAUTH_SECRET"),
    "square.access_token_legacy": ("token", T("sq0atp-", (B64URL, 22)), "SQUARE_TOKEN"),
    "jfrog.api_key": ("token", T("AKCp8", (ALNUM, 68)), "ARTIFACTORY_API_KEY"),
    "jfrog.reference_token": ("token", lambda r: "cmVmdGtuOjAxOjE3" + rs(r, ALNUM, 48), "JFROG_ACCESS_TOKEN"),
    "mapbox.secret_token": ("token", lambda r: "sk.eyJ1Ijoi" + b64u(('%s","a":"%s"}' % (rs(r, LOWER, 8), rs(r, LOWER_ALNUM, 25))).encode()) + "." + rs(r, B64URL, 22), "MAPBOX_SECRET_TOKEN"),
    "adobe.client_secret": ("token", T("p8e-", (B64URL, 32)), "ADOBE_CLIENT_SECRET"),
    "asana.pat": ("token", T("2/", (DIG, 16), "/", (DIG, 16), ":", (HEX, 32)), "ASANA_TOKEN"),
    "asana.pat#v1": ("token", T("1/", (DIG, 16), ":", (HEX, 32)), "ASANA_PAT"),
    "discord.bot_token": ("keyed", _discord_bot_token, "DISCORD_BOT_TOKEN"),
    "discord.webhook_url": ("token", T("https://discord.com/api/webhooks/", (DIG, 19), "/", (B64URL, 68)), "DISCORD_WEBHOOK"),
    "linkedin.client_secret": ("token", T("WPL_AP1.", (ALNUM, 16), ".", (B64, 16), "=="), "LINKEDIN_CLIENT_SECRET"),
    "linkedin.client_secret#keyed": ("keyed", T((ALNUM, 16)), "LINKEDIN_CLIENT_SECRET"),
    "mailgun.api_key": ("token", T("key-", (HEX, 32)), "MAILGUN_API_KEY"),
    "mailgun.private_key": ("keyed", T((HEX, 32), "-", (HEX, 8), "-", (HEX, 8)), "MAILGUN_API_KEY"),
    "sonar.token": ("token", T("squ_", (HEX, 40)), "SONAR_TOKEN"),
    "sonar.token#sqp": ("token", T("sqp_", (HEX, 40)), "SONAR_TOKEN"),
    "dropbox.short_lived_token": ("token", T("sl.", (B64URL, 138)), "DROPBOX_ACCESS_TOKEN"),
    "dropbox.long_lived_token": ("keyed", T((ALNUM, 11), "AAAAAAAAAA", (B64URL, 43)), "DROPBOX_TOKEN"),
    "shopify.token": ("token", T("shpat_", (HEX, 32)), "SHOPIFY_ACCESS_TOKEN"),
    "shopify.shared_secret": ("token", T("shpss_", (HEX, 32)), "SHOPIFY_API_SECRET"),
    "shopify.partner_token": ("token", T("prtapi_", (HEX, 32)), "SHOPIFY_PARTNER_TOKEN"),
    "bitbucket.app_password": ("token", T("ATBB", (ALNUM, 28), (UHEX, 8)), "BITBUCKET_APP_PASSWORD"),
    "circleci.token": ("token", T("CCIPAT_", (ALNUM, 22), "_", (HEX, 40)), "CIRCLECI_TOKEN"),
    "circleci.token_legacy": ("keyed", T((HEX, 40)), "CIRCLECI_TOKEN"),
    "travis.token": ("keyed", T((B64URL, 22)), "TRAVIS_API_TOKEN"),
    "buildkite.token": ("token", T("bkua_", (HEX, 40)), "BUILDKITE_API_TOKEN"),
    "buildkite.agent_token": ("keyed", T((HEX, 50)), "BUILDKITE_AGENT_TOKEN"),
    "netlify.token": ("token", T("nfp_", (ALNUM, 36)), "NETLIFY_AUTH_TOKEN"),
    "netlify.token_legacy": ("keyed", T((B64URL, 43)), "NETLIFY_AUTH_TOKEN"),
    "vercel.token": ("keyed", T((ALNUM, 24)), "VERCEL_TOKEN"),
    "vercel.token_prefixed": ("token", T("vcp_", (ALNUM, 56)), "VERCEL_TOKEN"),
    "flyio.token": ("token", T("FlyV1 fm2_", (B64, 200)), "FLY_API_TOKEN"),
    "render.api_key": ("token", T("rnd_", (ALNUM, 32)), "RENDER_API_KEY"),
    "supabase.pat": ("token", T("sbp_", (HEX, 40)), "SUPABASE_ACCESS_TOKEN"),
    "supabase.secret_key": ("token", T("sb_secret_", (B64URL, 31)), "SUPABASE_SECRET_KEY"),
    "supabase.service_role_key": ("keyed", lambda r: jwt_like(r, '{"iss":"supabase","ref":"%s","role":"service_role","iat":1700000000,"exp":2015576000}' % rs(r, LOWER, 20)), "SUPABASE_SERVICE_ROLE_KEY"),
    "planetscale.token": ("token", T("pscale_tkn_", (B64URL, 43)), "PLANETSCALE_SERVICE_TOKEN"),
    "planetscale.password": ("token", T("pscale_pw_", (B64URL, 43)), "DATABASE_PASSWORD"),
    "mongodb.atlas_private_key": ("keyed", lambda r: uuid(r), "MONGODB_ATLAS_PRIVATE_KEY"),
    "mongodb.atlas_service_account_secret": ("token", T("mdb_sa_sk_", (ALNUM, 40)), "MONGODB_ATLAS_CLIENT_SECRET"),
    "confluent.api_secret": ("keyed", T((B64, 64)), "CONFLUENT_CLOUD_API_SECRET"),
    "snowflake.password": ("keyed", lambda r: password(r, 16), "SNOWFLAKE_PASSWORD"),
    "airtable.pat": ("token", T("pat", (ALNUM, 14), ".", (HEX, 64)), "AIRTABLE_TOKEN"),
    "airtable.api_key_legacy": ("keyed", T("key", (ALNUM, 14)), "AIRTABLE_API_KEY"),
    "notion.token": ("token", T("ntn_", (DIG, 11), (ALNUM, 35)), "NOTION_TOKEN"),
    "notion.token#secret": ("token", T("secret_", (ALNUM, 43)), "NOTION_API_KEY"),
    "figma.pat": ("token", T("figd_", (B64URL, 40)), "FIGMA_TOKEN"),
    "zendesk.api_token": ("keyed", T((ALNUM, 40)), "ZENDESK_API_TOKEN"),
    "intercom.access_token": ("token", lambda r: "dG9rOj" + b64(("tok:" + uuid(r).replace("-", "_")[:36] + ":1:0").encode())[6:], "INTERCOM_ACCESS_TOKEN"),
    "pagerduty.api_key": ("token", T("u+", (B64URL, 18)), "PAGERDUTY_TOKEN"),
    "pagerduty.api_key#keyed": ("keyed", T((B64URL, 20)), "PAGERDUTY_API_KEY"),
    "opsgenie.api_key": ("keyed", lambda r: uuid(r), "OPSGENIE_API_KEY"),
    "segment.pat": ("token", T("sgp_", (ALNUM, 64)), "SEGMENT_TOKEN"),
    "segment.write_key": ("keyed", T((ALNUM, 32)), "SEGMENT_WRITE_KEY"),
    "algolia.admin_key": ("keyed", T((HEX, 32)), "ALGOLIA_ADMIN_KEY"),
    "contentful.pat": ("token", T("CFPAT-", (B64URL, 43)), "CONTENTFUL_MANAGEMENT_TOKEN"),
    "contentful.delivery_token": ("keyed", T((B64URL, 43)), "CONTENTFUL_DELIVERY_TOKEN"),
    "firebase.fcm_server_key": ("token", T("AAAA", (B64URL, 7), ":APA91b", (B64URL, 134)), "FCM_SERVER_KEY"),
    "msteams.webhook_url": ("token", lambda r: "https://acme%s.webhook.office.com/webhookb2/%s@%s/IncomingWebhook/%s/%s" % (rs(r, LOWER, 3), uuid(r), uuid(r), rs(r, HEX, 32), uuid(r)), "TEAMS_WEBHOOK_URL"),
    "msteams.workflow_url": ("token", lambda r: "https://prod-%02d.westeurope.logic.azure.com:443/workflows/%s/triggers/manual/paths/invoke?api-version=2016-06-01&sp=%%2Ftriggers%%2Fmanual%%2Frun&sv=1.0&sig=%s" % (r.randint(1, 99), rs(r, HEX, 32), rs(r, B64URL, 43)), "TEAMS_FLOW_URL"),
    "postmark.server_token": ("keyed", lambda r: uuid(r), "POSTMARK_SERVER_TOKEN"),
    "mailjet.api_secret": ("keyed", T((HEX, 32)), "MAILJET_SECRET_KEY"),
    "sparkpost.api_key": ("keyed", T((HEX, 40)), "SPARKPOST_API_KEY"),
    "braintree.access_token": ("token", T("access_token$production$", (LOWER_ALNUM, 16), "$", (HEX, 32)), "BRAINTREE_ACCESS_TOKEN"),
    "braintree.private_key": ("keyed", T((HEX, 32)), "BRAINTREE_PRIVATE_KEY"),
    "adyen.api_key": ("token", T("AQE", (B64URL, 3), "hmfxL", (B64URL, 180)), "ADYEN_API_KEY"),
    "plaid.secret": ("keyed", T((HEX, 30)), "PLAID_SECRET"),
    "plaid.access_token": ("token", lambda r: "access-production-" + uuid(r), "PLAID_ACCESS_TOKEN"),
    "coinbase.cdp_api_key": ("token", lambda r: "organizations/%s/apiKeys/%s" % (uuid(r), uuid(r)), "COINBASE_API_KEY_NAME"),
    "coinbase.api_secret": ("keyed", T((ALNUM, 32)), "COINBASE_API_SECRET"),
    "lob.api_key": ("token", T("live_", (HEX, 35)), "LOB_API_KEY"),
    "snyk.token": ("keyed", lambda r: uuid(r), "SNYK_TOKEN"),
    "sumologic.access_key": ("keyed", T((ALNUM, 64)), "SUMOLOGIC_ACCESS_KEY"),
    "sumologic.collector_url": ("token", lambda r: "https://endpoint%d.collection.us2.sumologic.com/receiver/v1/http/ZaVnC4dhaV%s" % (r.randint(1, 9), rs(r, B64URL, 110)), "SUMO_HTTP_SOURCE"),
    "splunk.hec_token": ("keyed", lambda r: uuid(r), "SPLUNK_HEC_TOKEN"),
    "splunk.hec_header": ("snippet", snip(_splunk_hec, "ship.sh"), None),
    "elastic.api_key": ("token", T("essu_", (B64, 80)), "EC_API_KEY"),
    "elastic.api_key_encoded": ("keyed", lambda r: b64((rs(r, B64URL, 20) + ":" + rs(r, B64URL, 22)).encode()), "ELASTIC_API_KEY"),
    "dynatrace.token": ("token", T("dt0c01.", (UPPER_ALNUM, 24), ".", (UPPER_ALNUM, 64)), "DT_API_TOKEN"),
    "tailscale.key": ("token", T("tskey-auth-k", (ALNUM, 16), "CNTRL-", (ALNUM, 33)), "TS_AUTHKEY"),
    "tailscale.key#api": ("token", T("tskey-api-k", (ALNUM, 16), "CNTRL-", (ALNUM, 33)), "TAILSCALE_API_KEY"),
    "ngrok.authtoken": ("keyed", T("2", (ALNUM, 26), "_", (ALNUM, 21)), "NGROK_AUTHTOKEN"),
    "ngrok.api_key": ("keyed", T("2", (ALNUM, 26), "_", (ALNUM, 21)), "NGROK_API_KEY"),
    "terraform.cloud_token": ("token", T((ALNUM, 14), ".atlasv1.", (B64URL, 67)), "TFE_TOKEN"),
    "pulumi.access_token": ("token", T("pul-", (HEX, 40)), "PULUMI_ACCESS_TOKEN"),
    "fastly.api_token": ("keyed", T((B64URL, 32)), "FASTLY_API_TOKEN"),
    "akamai.client_secret": ("keyed", T((B64, 43), "="), "akamai_client_secret"),
    "akamai.client_token": ("token", T("akab-", (LOWER_ALNUM, 16), "-", (LOWER_ALNUM, 16)), "AKAMAI_CLIENT_TOKEN"),
    "scaleway.secret_key": ("keyed", lambda r: uuid(r), "SCW_SECRET_KEY"),
    "linode.token": ("keyed", T((HEX, 64)), "LINODE_TOKEN"),
    "vultr.api_key": ("keyed", T((UPPER_ALNUM, 36)), "VULTR_API_KEY"),
    "hetzner.token": ("keyed", T((ALNUM, 64)), "HCLOUD_TOKEN"),
    "ovh.application_secret": ("keyed", T((ALNUM, 32)), "OVH_APPLICATION_SECRET"),
    "yandex.oauth_token": ("token", T("y0_", (B64URL, 55)), "YC_TOKEN"),
    "yandex.iam_token": ("token", T("t1.", (B64URL, 40), ".", (B64URL, 86)), "YC_IAM_TOKEN"),
    "yandex.api_key": ("token", T("AQVN", (B64URL, 36)), "YC_API_KEY"),
    "yandex.static_key_secret": ("token", T("YC", (B64URL, 38)), "YC_SECRET_ACCESS_KEY"),
    "tencent.secret_id": ("token", T("AKID", (ALNUM, 32)), "TENCENTCLOUD_SECRET_ID"),
    "tencent.secret_key": ("keyed", T((ALNUM, 32)), "TENCENTCLOUD_SECRET_KEY"),
    "huawei.secret_key": ("keyed", T((ALNUM, 40)), "HUAWEICLOUD_SDK_SK"),
    # More frequently leaked families
    "openai.api_key": ("token", T("sk-proj-", (B64URL, 74), "T3BlbkFJ", (B64URL, 74)), "OPENAI_API_KEY"),
    "groq.api_key": ("token", T("gsk_", (ALNUM, 52)), "GROQ_API_KEY"),
    "perplexity.api_key": ("token", T("pplx-", (ALNUM, 48)), "PERPLEXITY_API_KEY"),
    "replicate.api_token": ("token", T("r8_", (ALNUM, 37)), "REPLICATE_API_TOKEN"),
    "xai.api_key": ("token", T("xai-", (ALNUM, 80)), "XAI_API_KEY"),
    "openrouter.api_key": ("token", T("sk-or-v1-", (HEX, 64)), "OPENROUTER_API_KEY"),
    "langsmith.api_key": ("token", T("lsv2_pt_", (HEX, 32), "_", (HEX, 10)), "LANGSMITH_API_KEY"),
    "pinecone.api_key": ("token", T("pcsk_", (ALNUM, 6), "_", (ALNUM, 63)), "PINECONE_API_KEY"),
    "langfuse.secret_key": ("token", lambda r: "sk-lf-" + uuid(r), "LANGFUSE_SECRET_KEY"),
    "cohere.api_key": ("keyed", T((ALNUM, 40)), "COHERE_API_KEY"),
    "mistral.api_key": ("keyed", T((ALNUM, 32)), "MISTRAL_API_KEY"),
    "deepseek.api_key": ("keyed", T("sk-", (HEX, 32)), "DEEPSEEK_API_KEY"),
    "elevenlabs.api_key": ("token", T("sk_", (HEX, 48)), "ELEVENLABS_API_KEY"),
    "fireworks.api_key": ("token", T("fw_", (ALNUM, 24)), "FIREWORKS_API_KEY"),
    "wandb.api_key": ("keyed", T((HEX, 40)), "WANDB_API_KEY"),
    "brevo.api_key": ("token", T("xkeysib-", (HEX, 64), "-", (ALNUM, 16)), "BREVO_API_KEY"),
    "resend.api_key": ("token", T("re_", (ALNUM, 8), "_", (ALNUM, 24)), "RESEND_API_KEY"),
    "razorpay.key_id": ("token", T("rzp_live_", (ALNUM, 14)), "RAZORPAY_KEY_ID"),
    "razorpay.key_secret": ("keyed", T((ALNUM, 24)), "RAZORPAY_KEY_SECRET"),
    "flutterwave.secret_key": ("token", T("FLWSECK-", (HEX, 32), "-X"), "FLW_SECRET_KEY"),
    "shippo.api_token": ("token", T("shippo_live_", (HEX, 40)), "SHIPPO_API_TOKEN"),
    "easypost.api_key": ("token", T("EZAK", (HEX, 54)), "EASYPOST_API_KEY"),
    "duffel.token": ("token", T("duffel_live_", (B64URL, 43)), "DUFFEL_ACCESS_TOKEN"),
    "typeform.pat": ("token", T("tfp_", (B64URL, 44), "_", (B64URL, 14)), "TYPEFORM_TOKEN"),
    "nuget.api_key": ("token", T("oy2", (LOWER_ALNUM, 43)), "NUGET_API_KEY"),
    "crates.api_token": ("token", T("cio", (ALNUM, 32)), "CARGO_REGISTRY_TOKEN"),
    "clojars.token": ("token", T("CLOJARS_", (LOWER_ALNUM, 60)), "CLOJARS_PASSWORD"),
    "sourcegraph.token": ("token", T("sgp_", (HEX, 16), "_", (HEX, 40)), "SRC_ACCESS_TOKEN"),
    "codecov.token": ("keyed", lambda r: uuid(r), "CODECOV_TOKEN"),
    "harness.pat": ("token", T("pat.", (B64URL, 22), ".", (HEX, 24), ".", (ALNUM, 20)), "HARNESS_API_KEY"),
    "octopus.api_key": ("token", T("API-", (UPPER_ALNUM, 26)), "OCTOPUS_API_KEY"),
    "openshift.token": ("token", T("sha256~", (B64URL, 43)), "OPENSHIFT_TOKEN"),
    "rancher.token": ("token", T("token-", (LOWER_ALNUM, 5), ":", (LOWER_ALNUM, 54)), "RANCHER_TOKEN"),
    "jenkins.api_token": ("keyed", T("11", (HEX, 32)), "JENKINS_API_TOKEN"),
    "neon.api_key": ("token", T("napi_", (LOWER_ALNUM, 64)), "NEON_API_KEY"),
    "hubspot.private_app_token": ("token", lambda r: "pat-na1-" + uuid(r), "HUBSPOT_ACCESS_TOKEN"),
    "clickup.token": ("token", T("pk_", (DIG, 8), "_", (UPPER_ALNUM, 32)), "CLICKUP_TOKEN"),
    "trello.token": ("token", T("ATTA", (HEX, 64), (UHEX, 8)), "TRELLO_TOKEN"),
    "trello.api_key": ("keyed", T((HEX, 32)), "TRELLO_API_KEY"),
    "launchdarkly.api_key": ("token", lambda r: "api-" + uuid(r), "LD_API_KEY"),
    "launchdarkly.sdk_key": ("token", lambda r: "sdk-" + uuid(r), "LAUNCHDARKLY_SDK_KEY"),
    "posthog.personal_api_key": ("token", T("phx_", (ALNUM, 43)), "POSTHOG_PERSONAL_API_KEY"),
    "zapier.webhook_url": ("token", T("https://hooks.zapier.com/hooks/catch/", (DIG, 7), "/", (LOWER_ALNUM, 7), "/"), "ZAPIER_HOOK"),
    "cloudinary.url": ("token", T("cloudinary://", (DIG, 15), ":", (B64URL, 27), "@acme"), "CLOUDINARY_URL"),
    "riot.api_key": ("token", lambda r: "RGAPI-" + uuid(r), "RIOT_API_KEY"),
    "aws.bedrock_api_key": ("token", T("ABSKQmVkcm9ja0FQSUtleS", (B64, 110)), "AWS_BEARER_TOKEN_BEDROCK"),
    "aws.appsync_api_key": ("token", T("da2-", (LOWER_ALNUM, 26)), "APPSYNC_API_KEY"),
    "gitlab.pat": ("token", T("glpat-", (B64URL, 20)), "GITLAB_TOKEN"),
    "github.pat_classic": ("token", crc_token("ghp_"), "GITHUB_TOKEN"),
    "honeycomb.api_key": ("token", T("hcaik_", (LOWER_ALNUM, 58)), "HONEYCOMB_API_KEY"),
    "rollbar.access_token": ("keyed", T((HEX, 32)), "ROLLBAR_ACCESS_TOKEN"),
    "bugsnag.api_key": ("keyed", T((HEX, 32)), "BUGSNAG_API_KEY"),
    "infura.api_key": ("keyed", T((HEX, 32)), "INFURA_API_KEY"),
    "etherscan.api_key": ("keyed", T((UPPER_ALNUM, 34)), "ETHERSCAN_API_KEY"),
    "alchemy.api_key": ("keyed", T((B64URL, 32)), "ALCHEMY_API_KEY"),
    "mattermost.token": ("keyed", T((LOWER_ALNUM, 26)), "MATTERMOST_TOKEN"),
    "auth0.client_secret": ("keyed", T((B64URL, 64)), "AUTH0_CLIENT_SECRET"),
    "ibm.api_key": ("keyed", T((B64URL, 44)), "IBMCLOUD_API_KEY"),
    "consul.token": ("keyed", lambda r: uuid(r), "CONSUL_HTTP_TOKEN"),
    "infisical.token": ("token", T("st.", (HEX, 8), "-", (HEX, 4), "-", (HEX, 4), "-", (HEX, 4), "-", (HEX, 12), ".", (HEX, 32), ".", (HEX, 32)), "INFISICAL_TOKEN"),
    "gocardless.token": ("keyed", T("live_", (B64URL, 40)), "GOCARDLESS_ACCESS_TOKEN"),
    "mollie.api_key": ("keyed", T("live_", (ALNUM, 30)), "MOLLIE_API_KEY"),
    "twitch.client_secret": ("keyed", T((LOWER_ALNUM, 30)), "TWITCH_CLIENT_SECRET"),
    "spotify.client_secret": ("keyed", T((HEX, 32)), "SPOTIFY_CLIENT_SECRET"),
    "vonage.api_secret": ("keyed", T((ALNUM, 16)), "VONAGE_API_SECRET"),
    "plivo.auth_token": ("keyed", T((ALNUM, 40)), "PLIVO_AUTH_TOKEN"),
    "zoom.client_secret": ("keyed", T((ALNUM, 32)), "ZOOM_CLIENT_SECRET"),
    "salesforce.access_token": ("token", T("00D", (ALNUM, 12), "!", (B64URL[:-2] + ".", 96)), "SF_ACCESS_TOKEN"),
    "heroku.api_key": ("token", T("HRKU-AA", (B64URL, 58)), "HEROKU_API_KEY"),
    "databricks.pat": ("token", T("dapi", (HEX, 32), "-2"), "DATABRICKS_TOKEN"),
    "digitalocean.token": ("token", T("dop_v1_", (HEX, 64)), "DIGITALOCEAN_TOKEN"),
    "postman.api_key": ("token", T("PMAK-", (HEX, 24), "-", (HEX, 34)), "POSTMAN_API_KEY"),
    "sendgrid.api_key": ("token", T("SG.", (B64URL, 22), ".", (B64URL, 43)), "SENDGRID_API_KEY"),
    "npm.access_token": ("token", crc_token("npm_"), "NPM_TOKEN"),
    "pypi.api_token": ("token", T("pypi-AgEIcHlwaS5vcmc", (B64URL, 70)), "PYPI_TOKEN"),
    "vault.service_token": ("token", T("hvs.CAESI", (B64URL, 86)), "VAULT_TOKEN"),
    "linear.api_key": ("token", T("lin_api_", (ALNUM, 40)), "LINEAR_API_KEY"),
    "mailchimp.api_key": ("token", T((HEX, 32), "-us", (DIG, 2)), "MAILCHIMP_API_KEY"),
    "rubygems.api_key": ("token", T("rubygems_", (HEX, 48)), "GEM_HOST_API_KEY"),
    "age.secret_key": ("token", T("AGE-SECRET-KEY-1", ("QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L", 58)), "SOPS_AGE_KEY"),
    "gcp.api_key": ("token", T("AIza", (B64URL, 35)), "GOOGLE_API_KEY"),
    "aws.access_key_id": ("token", T("AKIA", ("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 16)), "AWS_ACCESS_KEY_ID"),
    "databricks.pat#plain": ("token", T("dapi", (HEX, 32)), "DATABRICKS_HOST_TOKEN"),
    "pusher.app_secret": ("keyed", T((HEX, 20)), "PUSHER_APP_SECRET"),
    # Further families
    "azure.function_key": ("token", lambda r: "https://acme-%s.azurewebsites.net/api/HttpTrigger?code=%s==" % (rs(r, LOWER, 5), rs(r, B64URL, 54)), "FUNCTION_URL"),
    "azure.cosmosdb_connection_string": ("token", lambda r: "AccountEndpoint=https://acme-%s.documents.azure.com:443/;AccountKey=%s==;" % (rs(r, LOWER, 5), rs(r, B64, 86)), "COSMOS_CONNECTION"),
    "azure.signalr_connection_string": ("token", lambda r: "Endpoint=https://acme-%s.service.signalr.net;AccessKey=%s=;Version=1.0;" % (rs(r, LOWER, 5), rs(r, B64, 43)), "AZURE_SIGNALR_CONNECTIONSTRING"),
    "amazon.mws_auth_token": ("token", lambda r: "amzn.mws." + uuid(r), "MWS_AUTH_TOKEN"),
    "mandrill.api_key": ("keyed", T("md-", (B64URL, 22)), "MANDRILL_API_KEY"),
    "quay.robot_token": ("keyed", T((UPPER_ALNUM, 64)), "QUAY_ROBOT_TOKEN"),
    "prefect.api_key": ("token", T("pnu_", (ALNUM, 36)), "PREFECT_API_KEY"),
    "hcp.client_secret": ("keyed", T((B64URL, 64)), "HCP_CLIENT_SECRET"),
    "deepgram.api_key": ("keyed", T((HEX, 40)), "DEEPGRAM_API_KEY"),
    "assemblyai.api_key": ("keyed", T((HEX, 32)), "ASSEMBLYAI_API_KEY"),
    "together.api_key": ("keyed", T((HEX, 64)), "TOGETHER_API_KEY"),
    "anyscale.api_key": ("token", T("esecret_", (LOWER_ALNUM, 26)), "ANYSCALE_API_KEY"),
    "mixpanel.api_secret": ("keyed", T((HEX, 32)), "MIXPANEL_API_SECRET"),
    "amplitude.secret_key": ("keyed", T((HEX, 32)), "AMPLITUDE_SECRET_KEY"),
    "sanity.token": ("keyed", T("sk", (ALNUM, 80)), "SANITY_API_TOKEN"),
    "klaviyo.private_key": ("keyed", T("pk_", (HEX, 34)), "KLAVIYO_PRIVATE_KEY"),
    "mailersend.api_token": ("token", T("mlsn.", (HEX, 64)), "MAILERSEND_API_TOKEN"),
    "readme.api_key": ("token", T("rdme_", (LOWER_ALNUM, 70)), "README_API_KEY"),
    "frameio.token": ("token", T("fio-u-", (B64URL, 64)), "FRAMEIO_TOKEN"),
    "zoho.oauth_token": ("keyed", T("1000.", (HEX, 32), ".", (HEX, 32)), "ZOHO_REFRESH_TOKEN"),
    "pubnub.secret_key": ("token", T("sec-c-", (ALNUM, 48)), "PUBNUB_SECRET_KEY"),
    "ably.api_key": ("keyed", T((B64URL, 6), ".", (B64URL, 6), ":", (B64URL, 43)), "ABLY_API_KEY"),
    "dingtalk.webhook_url": ("token", T("https://oapi.dingtalk.com/robot/send?access_token=", (HEX, 64)), "DINGTALK_WEBHOOK"),
    "feishu.webhook_url": ("token", lambda r: "https://open.feishu.cn/open-apis/bot/v2/hook/" + uuid(r), "FEISHU_WEBHOOK"),
    "wecom.webhook_url": ("token", lambda r: "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=" + uuid(r), "WECOM_WEBHOOK"),
    "googlechat.webhook_url": ("token", lambda r: "https://chat.googleapis.com/v1/spaces/AAAA%s/messages?key=AIzaSy%s&token=%s%%3D" % (rs(r, B64URL, 7), rs(r, B64URL, 33), rs(r, B64URL, 43)), "GOOGLE_CHAT_WEBHOOK"),
    "ifttt.webhook_key": ("token", lambda r: "https://maker.ifttt.com/trigger/door_open/with/key/" + rs(r, B64URL, 22), "IFTTT_URL"),
    "make.webhook_url": ("token", T("https://hook.eu1.make.com/", (LOWER_ALNUM, 32)), "MAKE_WEBHOOK"),
    "deno.deploy_token": ("token", T("ddp_", (ALNUM, 36)), "DENO_DEPLOY_TOKEN"),
    "scalingo.api_token": ("token", T("tk-us-", (B64URL, 48)), "SCALINGO_API_TOKEN"),
    "keycloak.client_secret": ("keyed", T((ALNUM, 32)), "KEYCLOAK_CLIENT_SECRET"),
    "bitwarden.client_secret": ("keyed", T((ALNUM, 30)), "BW_CLIENTSECRET"),
    "gitea.token": ("keyed", T((HEX, 40)), "GITEA_TOKEN"),
    "azure.eventgrid_key": ("keyed", T((B64, 43), "="), "EVENTGRID_KEY"),
    "okta.client_secret": ("keyed", T((B64URL, 40)), "OKTA_CLIENT_SECRET"),
    "line.channel_access_token": ("keyed", T((B64, 171), "="), "LINE_CHANNEL_ACCESS_TOKEN"),
}


def family(rule_id):
    return rule_id.split("#")[0].split(".")[0]
