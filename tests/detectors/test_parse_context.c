/* test_parse_context.c - detectors/parse_context.c: key, key path, names, comment, line text. */
#include "support/test_support.h"

#include "detectors/detector.h"
#include "scanner/core/buf.h"

#include <stdio.h>
#include <string.h>

#include "scanner/core/banned.h"

struct ctx_case {
    const char *name;
    const char *text;
    const char *secret;   /* its first occurrence in text is the finding's secret */
    const char *key;      /* expected; NULL = none */
    const char *key_path; /* expected; NULL = none */
    const char *comment;  /* expected; NULL = none */
};

/* Run the context detector on `text` with the secret at its first occurrence. */
static struct fbs_finding *run_context(const char *text, const char *secret, const char *rel)
{
    struct fbs_vocab *v = NULL;
    struct fbs_blob blob;
    struct fbs_detect_ctx ctx;
    struct fbs_finding *f = fbs_finding_new();
    const char *at = strstr(text, secret);

    assert_non_null(f);
    if (!at)
        fail_msg("secret '%s' not in the text", secret);
    assert_int_equal(fbs_vocab_load_builtin(&v), 0);
    memset(&blob, 0, sizeof(blob));
    blob.data = (const unsigned char *)text;
    blob.len = strlen(text);
    blob.path = rel;
    blob.rel_path = rel;
    blob.target = ".";
    blob.source = FBS_SOURCE_FILE;
    memset(&ctx, 0, sizeof(ctx));
    ctx.blob = &blob;
    ctx.vocab = v;
    ctx.fallback_threshold = 0.5;
    f->secret_start = (size_t)(at - text);
    f->secret_end = f->secret_start + strlen(secret);
    f->match_start = f->secret_start;
    f->match_end = f->secret_end;
    assert_int_equal(fbs_finding_set_secret(f, at, strlen(secret)), 0);
    assert_int_equal(fbs_finding_set_str(&f->path, rel), 0);
    assert_int_equal(fbs_detector_context.run(f, &ctx), 0);
    fbs_vocab_free(v);
    return f;
}

static bool str_eq(const char *a, const char *b)
{
    return (!a && !b) || (a && b && !strcmp(a, b));
}

static void check_cases(const struct ctx_case *cases, size_t n)
{
    size_t i;
    int failures = 0;

    for (i = 0; i < n; i++) {
        const struct ctx_case *c = &cases[i];
        struct fbs_finding *f = run_context(c->text, c->secret, "file.txt");

        if (!str_eq(f->key, c->key) || !str_eq(f->key_path, c->key_path) ||
            !str_eq(f->comment, c->comment)) {
            print_error("%s: key '%s' path '%s' comment '%s'; want '%s' '%s' '%s'\n", c->name,
                        f->key ? f->key : "(null)", f->key_path ? f->key_path : "(null)",
                        f->comment ? f->comment : "(null)", c->key ? c->key : "(null)",
                        c->key_path ? c->key_path : "(null)", c->comment ? c->comment : "(null)");
            failures++;
        }
        fbs_finding_free(f);
    }
    assert_int_equal(failures, 0);
}

static void test_parse_context__yaml(void **state)
{
    static const struct ctx_case cases[] = {
        {"nested", "emergency:\n  aws:\n    access_key: AKIAQWERTYUIOPASDFGH\n",
         "AKIAQWERTYUIOPASDFGH", "access_key", "emergency.aws.access_key", NULL},
        {"siblings above",
         "prod:\n  db:\n    host: db.internal\n    port: 5432\n"
         "    password: Tr0ub4dor3xx\n",
         "Tr0ub4dor3xx", "password", "prod.db.password", NULL},
        {"sibling block above", "prod:\n  other:\n    x: 1\n  db:\n    password: Tr0ub4dor3xx\n",
         "Tr0ub4dor3xx", "password", "prod.db.password", NULL},
        {"quoted value", "root:\n  token: \"hvs.CAESIJ1b2C3d4E5f6\"\n", "hvs.CAESIJ1b2C3d4E5f6",
         "token", "root.token", NULL},
        {"list item key", "users:\n  - name: breakglass-admin\n    password: Tr0ub4dor3xx\n",
         "Tr0ub4dor3xx", "password", "users.password", NULL},
        {"list item first key", "users:\n  - password: Tr0ub4dor3xx\n    name: x\n", "Tr0ub4dor3xx",
         "password", "users.password", NULL},
        {"list of scalars", "recovery_codes:\n  - a1b2-c3d4-e5f6\n  - g7h8-i9j0-k1l2\n",
         "g7h8-i9j0-k1l2", "recovery_codes", "recovery_codes", NULL},
        {"block scalar",
         "tls.key: |\n  -----BEGIN RSA PRIVATE KEY-----\n  MIIEowIBAAKCAQEA0Z3\n"
         "  -----END RSA PRIVATE KEY-----\n",
         "-----BEGIN RSA PRIVATE KEY-----", "tls.key", "tls.key", NULL},
        {"nested block scalar",
         "apiVersion: v1\ndata:\n  tls.key: >-\n"
         "    -----BEGIN EC PRIVATE KEY-----\n    MHcCAQEE\n",
         "-----BEGIN EC PRIVATE KEY-----", "tls.key", "data.tls.key", NULL},
        {"opener with comment", "aws:  # prod account\n  secret: wJalrXUtnFEMI/K7MDENG\n",
         "wJalrXUtnFEMI/K7MDENG", "secret", "aws.secret", NULL},
        {"comment line above", "vault:\n  # break-glass only\n  root_token: hvs.CAESIJ1b2C3\n",
         "hvs.CAESIJ1b2C3", "root_token", "vault.root_token", "break-glass only"},
        {"same-line comment", "api_key: Zk8pQ2mX9vL4nR7t  # rotate yearly\n", "Zk8pQ2mX9vL4nR7t",
         "api_key", "api_key", "rotate yearly"},
        {"comment two lines up", "# emergency access\n# owner: sre\nkey: Zk8pQ2mX9vL4nR7t\n",
         "Zk8pQ2mX9vL4nR7t", "key", "key", "owner: sre"},
        {"comment not adjacent", "# unrelated\n\nkey: Zk8pQ2mX9vL4nR7t\n", "Zk8pQ2mX9vL4nR7t",
         "key", "key", NULL},
    };

    (void)state;
    check_cases(cases, sizeof(cases) / sizeof(cases[0]));
}

static void test_parse_context__json(void **state)
{
    static const struct ctx_case cases[] = {
        {"nested",
         "{\n  \"prod\": {\n    \"db\": {\n      \"password\": \"Tr0ub4dor3xx\"\n"
         "    }\n  }\n}\n",
         "Tr0ub4dor3xx", "password", "prod.db.password", NULL},
        {"after a closed sibling",
         "{\n  \"a\": {\n    \"x\": 1\n  },\n  \"b\": {\n"
         "    \"token\": \"Zk8pQ2mX9vL4nR7t\"\n  }\n}\n",
         "Zk8pQ2mX9vL4nR7t", "token", "b.token", NULL},
        {"array of objects",
         "{\n  \"keys\": [\n    {\n      \"name\": \"breakglass\",\n"
         "      \"secret\": \"Zk8pQ2mX9vL4nR7t\"\n    }\n  ]\n}\n",
         "Zk8pQ2mX9vL4nR7t", "secret", "keys.secret", NULL},
        {"one line", "{\"user\": \"a\", \"password\":\"Tr0ub4dor3xx\"}", "Tr0ub4dor3xx", "password",
         "password", NULL},
    };

    (void)state;
    check_cases(cases, sizeof(cases) / sizeof(cases[0]));
}

static void test_parse_context__ini_env_properties(void **state)
{
    static const struct ctx_case cases[] = {
        {"ini section", "[database]\nhost = db\npassword = \"Tr0ub4dor3xx\"\n", "Tr0ub4dor3xx",
         "password", "database.password", NULL},
        {"toml later section", "[a]\nx = 1\n\n[backup.s3]\nsecret_key = \"Zk8pQ2mX9vL4nR7t\"\n",
         "Zk8pQ2mX9vL4nR7t", "secret_key", "backup.s3.secret_key", NULL},
        {"toml array of tables", "[[servers]]\ntoken = 'Zk8pQ2mX9vL4nR7t'\n", "Zk8pQ2mX9vL4nR7t",
         "token", "servers.token", NULL},
        {"ini comment", "[prod]\n; break-glass only\npass=Tr0ub4dor3xx\n", "Tr0ub4dor3xx", "pass",
         "prod.pass", "break-glass only"},
        {"dotenv", "DB_HOST=db\nDB_PASSWORD=Tr0ub4dor3xx\n", "Tr0ub4dor3xx", "DB_PASSWORD",
         "DB_PASSWORD", NULL},
        {"dotenv quoted", "DB_PASSWORD=\"Tr0ub4dor3xx\" # rotate\n", "Tr0ub4dor3xx", "DB_PASSWORD",
         "DB_PASSWORD", "rotate"},
        {"export", "#!/bin/sh\nset -e\nexport AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG\n",
         "wJalrXUtnFEMI/K7MDENG", "AWS_SECRET_ACCESS_KEY", "AWS_SECRET_ACCESS_KEY", NULL},
        {"properties", "spring.datasource.url=jdbc:x\nspring.datasource.password=Tr0ub4dor3xx\n",
         "Tr0ub4dor3xx", "spring.datasource.password", "spring.datasource.password", NULL},
        {"properties colon", "db.password: Tr0ub4dor3xx\n", "Tr0ub4dor3xx", "db.password",
         "db.password", NULL},
        {"go assign", "\tapiKey := \"Zk8pQ2mX9vL4nR7t\"\n", "Zk8pQ2mX9vL4nR7t", "apiKey", "apiKey",
         NULL},
        {"ruby hash", "  :password => 'Tr0ub4dor3xx',\n", "Tr0ub4dor3xx", "password", "password",
         NULL},
    };

    (void)state;
    check_cases(cases, sizeof(cases) / sizeof(cases[0]));
}

static void test_parse_context__hcl(void **state)
{
    static const struct ctx_case cases[] = {
        {"resource",
         "resource \"aws_iam_access_key\" \"breakglass\" {\n  user = \"x\"\n"
         "  secret = \"wJalrXUtnFEMI/K7MDENG\"\n}\n",
         "wJalrXUtnFEMI/K7MDENG", "secret", "resource.aws_iam_access_key.breakglass.secret", NULL},
        {"nested block",
         "provider \"vault\" {\n  auth_login {\n    path = \"x\"\n"
         "    token = \"hvs.CAESIJ1b2C3\"\n  }\n}\n",
         "hvs.CAESIJ1b2C3", "token", "provider.vault.auth_login.token", NULL},
        {"map assignment", "locals {\n  creds = {\n    password = \"Tr0ub4dor3xx\"\n  }\n}\n",
         "Tr0ub4dor3xx", "password", "locals.creds.password", NULL},
    };

    (void)state;
    check_cases(cases, sizeof(cases) / sizeof(cases[0]));
}

static void test_parse_context__xml_and_connection_strings(void **state)
{
    static const struct ctx_case cases[] = {
        {"xml element", "<config>\n  <password>Tr0ub4dor3xx</password>\n</config>\n",
         "Tr0ub4dor3xx", "password", "password", NULL},
        {"xml with attribute", "<secret type=\"api\">Zk8pQ2mX9vL4nR7t</secret>\n",
         "Zk8pQ2mX9vL4nR7t", "secret", "secret", NULL},
        {"connection string", "Server=db;Database=app;User Id=sa;Password=Tr0ub4dor3xx;\n",
         "Tr0ub4dor3xx", "Password", "Password", NULL},
        {"url query", "url: https://api.example.org/v1?user=x&token=Zk8pQ2mX9vL4nR7t\n",
         "Zk8pQ2mX9vL4nR7t", "token", "token", NULL},
    };

    (void)state;
    check_cases(cases, sizeof(cases) / sizeof(cases[0]));
}

static void test_parse_context__no_key(void **state)
{
    static const struct ctx_case cases[] = {
        {"bare token", "Zk8pQ2mX9vL4nR7t\n", "Zk8pQ2mX9vL4nR7t", NULL, NULL, NULL},
        {"prose", "the token is Zk8pQ2mX9vL4nR7t here\n", "Zk8pQ2mX9vL4nR7t", NULL, NULL, NULL},
        {"first byte", "Zk8pQ2mX9vL4nR7t", "Zk8pQ2mX9vL4nR7t", NULL, NULL, NULL},
    };

    (void)state;
    check_cases(cases, sizeof(cases) / sizeof(cases[0]));
}

static void test_parse_context__section_needs_a_section_line(void **state)
{
    static const struct ctx_case cases[] = {
        {"shell test",
         "#!/bin/sh\n[ -n \"$DEBUG\" ] && set -x\n"
         "export AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG\n",
         "wJalrXUtnFEMI/K7MDENG", "AWS_SECRET_ACCESS_KEY", "AWS_SECRET_ACCESS_KEY", NULL},
        {"markdown link", "[Backup runbook](https://wiki/x)\n\nroot_token: hvs.CAESIJ1b2C3\n",
         "hvs.CAESIJ1b2C3", "root_token", "root_token", NULL},
    };

    (void)state;
    /*
     * Was a bug (fixed): the TOML/INI section search takes any line starting with '[' up to a ']'
     * as a section, whatever follows it: a shell test `[ -n "$DEBUG" ] && set -x` gives the key
     * path ` -n "$DEBUG" .AWS_SECRET_ACCESS_KEY`, a Markdown link `[Backup runbook](...)` gives
     * `Backup runbook.root_token` - and dim_fallback then reads "backup" into key_path evidence
     * (0.54 for a runbook that merely links to one). Expected: key paths without the bogus
     * section (a section line is `[name]` alone, maybe followed by a comment); actual as above.
     */
    check_cases(cases, sizeof(cases) / sizeof(cases[0]));
}

static void test_parse_context__line_text(void **state)
{
    static const char text[] = "a: 1\n  password: \"Tr0ub4dor3xx\"  # c\r\nz: 2\n";
    struct fbs_finding *f;
    struct fbs_buf big = FBS_BUF_INIT;
    size_t i;

    (void)state;
    f = run_context(text, "Tr0ub4dor3xx", "x.yml");
    assert_string_equal(f->line_text, "  password: \"Tr0ub4dor3xx\"  # c"); /* no CR */
    assert_int_equal(f->line_secret_start, 13);
    assert_int_equal(f->line_secret_len, 12);
    assert_string_equal(f->comment, "c");
    fbs_finding_free(f);

    /* A long line is cut around the secret; the offsets follow. */
    for (i = 0; i < 200; i++)
        assert_int_equal(fbs_buf_puts(&big, "word "), 0);
    assert_int_equal(fbs_buf_puts(&big, "token=Zk8pQ2mX9vL4nR7t "), 0);
    for (i = 0; i < 200; i++)
        assert_int_equal(fbs_buf_puts(&big, "more "), 0);
    f = run_context(big.ptr, "Zk8pQ2mX9vL4nR7t", "x.txt");
    assert_true(strlen(f->line_text) <= 512);
    assert_true(f->line_secret_start + f->line_secret_len <= strlen(f->line_text));
    assert_memory_equal(f->line_text + f->line_secret_start, "Zk8pQ2mX9vL4nR7t", 16);
    assert_int_equal(f->line_secret_len, 16);
    assert_string_equal(f->key, "token");
    fbs_finding_free(f);

    /* A multi-line secret: the first line, the secret clipped to it. */
    f = run_context("k: |\n  -----BEGIN X-----\n  abc\n", "-----BEGIN X-----\n  abc", "k.yml");
    assert_string_equal(f->line_text, "  -----BEGIN X-----");
    assert_int_equal(f->line_secret_start, 2);
    assert_int_equal(f->line_secret_len, 17);
    fbs_finding_free(f);
    fbs_buf_release(&big);
}

static void test_parse_context__names(void **state)
{
    struct fbs_finding *f;

    (void)state;
    f = run_context("resource \"aws_iam_user\" \"u\" {\n  name = \"breakglass-admin\"\n"
                    "  description = \"emergency access\"\n  secret = \"wJalrXUtnFEMI/K7MDENG\"\n"
                    "}\n",
                    "wJalrXUtnFEMI/K7MDENG", "main.tf");
    /* Both name-like siblings, nearest first. */
    assert_string_equal(f->names, "emergency access breakglass-admin");
    fbs_finding_free(f);
    /* Only the same object: a name in a sibling object does not count. */
    f = run_context("a:\n  name: breakglass\nb:\n  token: Zk8pQ2mX9vL4nR7t\n", "Zk8pQ2mX9vL4nR7t",
                    "x.yml");
    assert_null(f->names);
    fbs_finding_free(f);
    /* A name below the key in the same object counts. */
    f = run_context("x:\n  token: Zk8pQ2mX9vL4nR7t\n  user: recovery-bot\n", "Zk8pQ2mX9vL4nR7t",
                    "x.yml");
    assert_string_equal(f->names, "recovery-bot");
    fbs_finding_free(f);
}

static void test_parse_context__sibling_keys(void **state)
{
    struct fbs_finding *f;

    (void)state;
    /* .env: the other assignments, nearest first above, then below. */
    f = run_context("# payments keys\nREGION=eu-west-1\nPAYMENTS_API_KEY=Zk8pQ2mX9vL4nR7t\n"
                    "export PAYMENTS_API_KEY_DR=Qw3eR5tY7uI9oP1a\n",
                    "Zk8pQ2mX9vL4nR7t", "ops/keys.env");
    assert_string_equal(f->sibling_keys, "REGION PAYMENTS_API_KEY_DR");
    fbs_finding_free(f);
    /* JSON and YAML: the same object only. */
    f = run_context(
        "{\n  \"a\": {\"x\": 1},\n  \"storage\": {\n    \"primary_key\": \"Zk8pQ2mX9vL4nR7t\",\n"
        "    \"secondary_key\": \"Qw3eR5tY7uI9oP1a\"\n  }\n}\n",
        "Zk8pQ2mX9vL4nR7t", "s.json");
    assert_string_equal(f->sibling_keys, "secondary_key");
    fbs_finding_free(f);
    f = run_context("a:\n  key: Qw3eR5tY7uI9oP1a\nb:\n  token: Zk8pQ2mX9vL4nR7t\n",
                    "Zk8pQ2mX9vL4nR7t", "x.yml");
    assert_null(f->sibling_keys);
    fbs_finding_free(f);
}

static void test_parse_context__no_text(void **state)
{
    struct fbs_finding *f = fbs_finding_new();
    struct fbs_detect_ctx ctx;
    struct fbs_blob blob;

    (void)state;
    memset(&ctx, 0, sizeof(ctx));
    /* No blob (a cloud record): nothing to do. */
    assert_int_equal(fbs_detector_context.run(f, &ctx), 0);
    assert_null(f->key);
    /* A binary blob: nothing either. */
    memset(&blob, 0, sizeof(blob));
    blob.data = (const unsigned char *)"password: x\0y";
    blob.len = 13;
    blob.binary = true;
    ctx.blob = &blob;
    f->secret_start = 10;
    f->secret_end = 11;
    assert_int_equal(fbs_detector_context.run(f, &ctx), 0);
    assert_null(f->key);
    assert_null(f->line_text);
    /* Offsets past the end are ignored. */
    blob.binary = false;
    f->secret_start = 50;
    f->secret_end = 60;
    assert_int_equal(fbs_detector_context.run(f, &ctx), 0);
    assert_null(f->line_text);
    assert_string_equal(fbs_detector_context.name, "context");
    assert_int_equal(fbs_detector_context.stage, FBS_STAGE_CONTEXT);
    fbs_finding_free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_context__yaml),
        cmocka_unit_test(test_parse_context__json),
        cmocka_unit_test(test_parse_context__ini_env_properties),
        cmocka_unit_test(test_parse_context__hcl),
        cmocka_unit_test(test_parse_context__xml_and_connection_strings),
        cmocka_unit_test(test_parse_context__no_key),
        cmocka_unit_test(test_parse_context__section_needs_a_section_line),
        cmocka_unit_test(test_parse_context__line_text),
        cmocka_unit_test(test_parse_context__names),
        cmocka_unit_test(test_parse_context__sibling_keys),
        cmocka_unit_test(test_parse_context__no_text),
    };

    fbs_test_use_cmocka_alloc();
    return cmocka_run_group_tests(tests, NULL, NULL);
}
