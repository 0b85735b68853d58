/* test_parse_mfa.c - detectors/parse_mfa.c: recovery code counts and otpauth:// URIs. */
#include "support/test_support.h"

#include "detectors/detector.h"
#include "scanner/core/error.h"

#include <string.h>

#include "scanner/core/banned.h"

struct env {
    struct fbs_blob blob;
    struct fbs_detect_ctx ctx;
    struct fbs_finding *f;
};

/* A finding of `kind` for the first occurrence of `secret` in `text` (text NULL: no blob). */
static void env_init(struct env *e, const char *kind, const char *text, const char *secret)
{
    const char *at = text ? strstr(text, secret) : NULL;

    memset(e, 0, sizeof(*e));
    if (text) {
        assert_non_null(at);
        e->blob.data = (const unsigned char *)text;
        e->blob.len = strlen(text);
        e->blob.path = e->blob.rel_path = "ops/mfa.txt";
        e->ctx.blob = &e->blob;
    }
    e->f = fbs_finding_new();
    assert_non_null(e->f);
    assert_int_equal(fbs_finding_set_str(&e->f->kind, kind), 0);
    assert_int_equal(fbs_finding_set_secret(e->f, secret, strlen(secret)), 0);
    if (at) {
        e->f->secret_start = (size_t)(at - text);
        e->f->secret_end = e->f->secret_start + strlen(secret);
    }
}

struct codes_case {
    const char *name, *secret;
    long count;
};

static void test_parse_mfa__recovery_codes(void **state)
{
    /* The secrets as the rules of rules/mfa.yml capture them. */
    static const struct codes_case cases[] = {
        {"github, one per line",
         "51fce-8ccdd\n883dc-b37ed\naf780-c6260\nc641d-4a76d\n86df7-61715\nbb8d6-1d60b\n"
         "89c79-6579b\n87a0c-2ca3c",
         8},
        {"github, columns", "e2afb-8f76c  ca84b-31653  28687-07fd5  d27db-f2b44", 4},
        {"github, bullets", "9728c-27daa\n  - 58025-39fae\n  - fed5f-47c00\n  - 8adec-51b8f", 4},
        {"google, numbered columns",
         "6753 1740\t\t6. 0304 1105\n2. 6791 7936\t\t7. 1901 6550\n3. 9581 2728\t\t8. 3291 "
         "9093\n4. 5234 0423\t\t9. 5791 1751\n5. 7029 2960\t\t10. 1395 0597",
         10},
        {"google, comma-separated", "58976338, 72136096, 41676271, 63293174, 53738899", 5},
        {"yaml block list",
         "- acbc-3fa1\n    - f10a-3f01\n    - 0a38-d164\n    - a7ea-547c\n"
         "    - 6a46-98b6",
         5},
        {"json list",
         "[\"58976338\", \"72136096\", \"41676271\", \"63293174\", \"53738899\", \"78816827\"]", 6},
        {"pam scratch codes", "58976338\n72136096\n41676271\n63293174\n53738899", 5},
        {"eight digits with single spaces are not merged", "58976338 72136096 41676271", 3},
        {"short stray words are not codes", "abcd-1234 | x | 9f9f-0000 ; 12", 2},
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct env e;
        const json_t *n;

        env_init(&e, "mfa_recovery_codes", NULL, cases[i].secret);
        assert_int_equal(fbs_detector_mfa.run(e.f, &e.ctx), 0);
        n = json_object_get(e.f->facts, "mfa_codes");
        if (!json_is_integer(n) || json_integer_value(n) != cases[i].count)
            fail_msg("%s: %lld codes, want %ld", cases[i].name,
                     json_is_integer(n) ? (long long)json_integer_value(n) : -1LL, cases[i].count);
        /* Counted, never copied. */
        assert_int_equal(json_object_size(e.f->facts), 1);
        fbs_finding_free(e.f);
    }
}

static void test_parse_mfa__recovery_codes_malformed(void **state)
{
    static const char *const bad[] = {"- - -", "[\"a\", \"b\"]", ",,,"};
    size_t i, n = 70 * 1024;
    char *big;
    struct env e;

    (void)state;
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        env_init(&e, "mfa_recovery_codes", NULL, bad[i]);
        assert_int_equal(fbs_detector_mfa.run(e.f, &e.ctx), FBS_EPARSE);
        assert_non_null(strstr(fbs_error_message(), "no codes"));
        assert_null(json_object_get(e.f->facts, "mfa_codes"));
        fbs_finding_free(e.f);
    }
    big = test_malloc(n + 1);
    for (i = 0; i < n; i++)
        big[i] = i % 12 == 11 ? '\n' : 'a';
    big[n] = '\0';
    env_init(&e, "mfa_recovery_codes", NULL, big);
    assert_int_equal(fbs_detector_mfa.run(e.f, &e.ctx), FBS_EPARSE);
    assert_non_null(strstr(fbs_error_message(), "too long"));
    fbs_finding_free(e.f);
    test_free(big);
}

struct totp_case {
    const char *name, *text, *secret;
    const char *type, *issuer, *account, *algorithm; /* issuer NULL: null */
    long digits, period;
    bool privileged;
};

static void test_parse_mfa__totp_uri(void **state)
{
    static const struct totp_case cases[] = {
        {"aws root, issuer parameter",
         "otpauth://totp/AWS:root@acme.example?secret=L4GSRYU4NHEPEPOTGLP7FVMNGZ4H3XXY&issuer="
         "Amazon%20Web%20Services\n",
         "L4GSRYU4NHEPEPOTGLP7FVMNGZ4H3XXY", "totp", "Amazon Web Services", "root@acme.example",
         "SHA1", 6, 30, true},
        {"parameters in any order, quoted",
         "\"otpauth://totp/Acme%20VPN:ops?issuer=Acme%20VPN&algorithm=sha256&digits=8&period=60"
         "&secret=TM2SQVOMJXIIFPOH\"",
         "TM2SQVOMJXIIFPOH", "totp", "Acme VPN", "ops", "SHA256", 8, 60, false},
        {"no issuer at all", "uri: otpauth://totp/alice%40acme.example?secret=TM2SQVOMJXIIFPOH",
         "TM2SQVOMJXIIFPOH", "totp", NULL, "alice@acme.example", "SHA1", 6, 30, false},
        {"space after the colon, plus in the query",
         "otpauth://TOTP/Okta:%20break-glass-01?secret=TM2SQVOMJXIIFPOH&issuer=Okta+Prod",
         "TM2SQVOMJXIIFPOH", "totp", "Okta Prod", "break-glass-01", "SHA1", 6, 30, true},
        {"hotp, admin issuer",
         "<a href='otpauth://hotp/Admin%20Portal:jdoe?secret=TM2SQVOMJXIIFPOH&counter=3'>",
         "TM2SQVOMJXIIFPOH", "hotp", "Admin Portal", "jdoe", "SHA1", 6, 30, true},
        {"camelCase account", "otpauth://totp/GitHub:rootAccount?secret=TM2SQVOMJXIIFPOH",
         "TM2SQVOMJXIIFPOH", "totp", "GitHub", "rootAccount", "SHA1", 6, 30, true},
        {"rooted is not root", "otpauth://totp/Forum:rooted-fan?secret=TM2SQVOMJXIIFPOH",
         "TM2SQVOMJXIIFPOH", "totp", "Forum", "rooted-fan", "SHA1", 6, 30, false},
        {"invalid UTF-8 is repaired", "otpauth://totp/Caf%E9:bob?secret=TM2SQVOMJXIIFPOH",
         "TM2SQVOMJXIIFPOH", "totp", "Caf\xef\xbf\xbd", "bob", "SHA1", 6, 30, false},
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const struct totp_case *c = &cases[i];
        const json_t *t;
        struct env e;
        char *dump;
        int rc;

        env_init(&e, "totp_seed", c->text, c->secret);
        rc = fbs_detector_mfa.run(e.f, &e.ctx);
        if (rc)
            fail_msg("%s: rc %d: %s", c->name, rc, fbs_error_message());
        t = json_object_get(e.f->facts, "totp");
        if (!json_is_object(t))
            fail_msg("%s: no facts.totp", c->name);
        assert_string_equal(json_string_value(json_object_get(t, "type")), c->type);
        if (c->issuer)
            assert_string_equal(json_string_value(json_object_get(t, "issuer")), c->issuer);
        else
            assert_true(json_is_null(json_object_get(t, "issuer")));
        assert_string_equal(json_string_value(json_object_get(t, "account")), c->account);
        assert_string_equal(json_string_value(json_object_get(t, "algorithm")), c->algorithm);
        assert_int_equal(json_integer_value(json_object_get(t, "digits")), c->digits);
        assert_int_equal(json_integer_value(json_object_get(t, "period")), c->period);
        /* Never the seed. */
        dump = json_dumps(e.f->facts, 0);
        assert_null(strstr(dump, c->secret));
        free(dump);
        if (c->privileged) {
            assert_int_equal(e.f->privilege, FBS_PRIV_HIGH);
            assert_int_equal(e.f->nindicators, 1);
            assert_string_equal(e.f->indicators[0].term, "totp seed for root account");
            assert_string_equal(e.f->indicators[0].where, "content");
            assert_true(e.f->indicators[0].weight == 0.9);
            assert_true(json_array_size(json_object_get(e.f->facts, "privilege_evidence")) == 1);
        } else {
            assert_int_equal(e.f->privilege, FBS_PRIV_UNKNOWN);
            assert_int_equal(e.f->nindicators, 0);
        }
        fbs_finding_free(e.f);
    }
}

/* A seed that is not in a URI (a key name rule, a PAM file, no blob) gets no facts. */
static void test_parse_mfa__totp_without_uri(void **state)
{
    struct env e;

    (void)state;
    env_init(&e, "totp_seed", "ROOT_MFA_TOTP_SECRET=L4GSRYU4NHEPEPOTGLP7FVMNGZ4H3XXY\n",
             "L4GSRYU4NHEPEPOTGLP7FVMNGZ4H3XXY");
    assert_int_equal(fbs_detector_mfa.run(e.f, &e.ctx), 0);
    assert_int_equal(json_object_size(e.f->facts), 0);
    fbs_finding_free(e.f);
    env_init(&e, "totp_seed", NULL, "L4GSRYU4NHEPEPOTGLP7FVMNGZ4H3XXY");
    assert_int_equal(fbs_detector_mfa.run(e.f, &e.ctx), 0);
    assert_int_equal(json_object_size(e.f->facts), 0);
    fbs_finding_free(e.f);
    /* Offsets outside the blob: nothing read. */
    env_init(&e, "totp_seed", "otpauth://totp/A:b?secret=TM2SQVOMJXIIFPOH", "TM2SQVOMJXIIFPOH");
    e.f->secret_start = 999;
    e.f->secret_end = 1015;
    assert_int_equal(fbs_detector_mfa.run(e.f, &e.ctx), 0);
    assert_int_equal(json_object_size(e.f->facts), 0);
    fbs_finding_free(e.f);
}

struct bad_uri {
    const char *name, *text, *message;
};

static void test_parse_mfa__totp_malformed(void **state)
{
    static const struct bad_uri cases[] = {
        {"unknown type", "otpauth://motp/A:b?secret=TM2SQVOMJXIIFPOH", "type"},
        {"no type", "otpauth://secret=TM2SQVOMJXIIFPOH", "type"},
        {"bad escape in the label", "otpauth://totp/A%2:b?secret=TM2SQVOMJXIIFPOH",
         "percent-escape"},
        {"escape cut short", "otpauth://totp/A:b?secret=TM2SQVOMJXIIFPOH&issuer=x%4",
         "percent-escape"},
        {"digits not a number", "otpauth://totp/A:b?secret=TM2SQVOMJXIIFPOH&digits=six", "digits"},
        {"digits absurd", "otpauth://totp/A:b?secret=TM2SQVOMJXIIFPOH&digits=4000000000", "digits"},
        {"period zero", "otpauth://totp/A:b?secret=TM2SQVOMJXIIFPOH&period=0", "period"},
        {"algorithm with junk", "otpauth://totp/A:b?secret=TM2SQVOMJXIIFPOH&algorithm=SHA1;rm",
         "algorithm"},
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct env e;
        int rc;

        env_init(&e, "totp_seed", cases[i].text, "TM2SQVOMJXIIFPOH");
        rc = fbs_detector_mfa.run(e.f, &e.ctx);
        if (rc != FBS_EPARSE || !strstr(fbs_error_message(), cases[i].message))
            fail_msg("%s: rc %d, message '%s'", cases[i].name, rc, fbs_error_message());
        assert_null(json_object_get(e.f->facts, "totp"));
        fbs_finding_free(e.f);
    }
}

static void test_parse_mfa__totp_bounds(void **state)
{
    size_t pad = 5000, i;
    char *text = test_malloc(pad + 64);
    struct env e;

    (void)state;
    /* A label longer than a URI may be. */
    memcpy(text, "otpauth://totp/", 15);
    for (i = 15; i < 15 + pad; i++)
        text[i] = 'a';
    memcpy(text + 15 + pad, "?secret=TM2SQVOMJXIIFPOH", 25);
    env_init(&e, "totp_seed", text, "TM2SQVOMJXIIFPOH");
    assert_int_equal(fbs_detector_mfa.run(e.f, &e.ctx), 0); /* scheme out of reach: no URI */
    assert_null(json_object_get(e.f->facts, "totp"));
    fbs_finding_free(e.f);
    /* A URI that runs on past the bound after the seed. */
    memcpy(text, "otpauth://totp/a:b?secret=TM2SQVOMJXIIFPOH&x=", 45);
    for (i = 45; i < 45 + pad; i++)
        text[i] = 'z';
    text[45 + pad] = '\0';
    env_init(&e, "totp_seed", text, "TM2SQVOMJXIIFPOH");
    assert_int_equal(fbs_detector_mfa.run(e.f, &e.ctx), FBS_EPARSE);
    assert_non_null(strstr(fbs_error_message(), "longer than"));
    fbs_finding_free(e.f);
    /* A decoded field over the bound. */
    memcpy(text, "otpauth://totp/a:b?secret=TM2SQVOMJXIIFPOH&issuer=", 50);
    for (i = 50; i < 50 + 1000; i++)
        text[i] = 'q';
    text[1050] = '\0';
    env_init(&e, "totp_seed", text, "TM2SQVOMJXIIFPOH");
    assert_int_equal(fbs_detector_mfa.run(e.f, &e.ctx), FBS_EPARSE);
    assert_non_null(strstr(fbs_error_message(), "issuer is too long"));
    fbs_finding_free(e.f);
    test_free(text);
}

/* Every allocation failing in turn: ENOMEM or success, no leak, no crash. */
static void test_parse_mfa__enomem(void **state)
{
    static const char text[] =
        "otpauth://totp/AWS:root@acme.example?secret=TM2SQVOMJXIIFPOH&issuer=Amazon";
    long n;
    int rc = FBS_ENOMEM;

    (void)state;
    fbs_test_use_failing_alloc();
    for (n = 0; rc == FBS_ENOMEM && n < 200; n++) {
        struct env e;

        env_init(&e, "totp_seed", text, "TM2SQVOMJXIIFPOH");
        fbs_test_fail_allocs_after(n);
        rc = fbs_detector_mfa.run(e.f, &e.ctx);
        fbs_test_fail_allocs_after(-1);
        assert_true(rc == 0 || rc == FBS_ENOMEM);
        fbs_finding_free(e.f);
    }
    assert_int_equal(rc, 0);
    fbs_test_use_cmocka_alloc();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_mfa__recovery_codes),
        cmocka_unit_test(test_parse_mfa__recovery_codes_malformed),
        cmocka_unit_test(test_parse_mfa__totp_uri),
        cmocka_unit_test(test_parse_mfa__totp_without_uri),
        cmocka_unit_test(test_parse_mfa__totp_malformed),
        cmocka_unit_test(test_parse_mfa__totp_bounds),
        cmocka_unit_test(test_parse_mfa__enomem),
    };

    fbs_test_use_cmocka_alloc();
    return cmocka_run_group_tests(tests, NULL, NULL);
}
