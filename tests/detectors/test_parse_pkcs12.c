/* test_parse_pkcs12.c - detectors/parse_pkcs12.c: PKCS#12 files with weak and strong passwords. */
#include "support/test_support.h"
#include "support/test_crypto.h"

#include "scanner/core/alloc.h"
#include "scanner/core/error.h"

#include <openssl/pkcs12.h>
#include <string.h>

#include "scanner/core/banned.h"

static EVP_PKEY *key, *ca_key;
static X509 *cert;

static int setup(void **state)
{
    struct fbs_test_cert c = {.cn = "breakglass-admin",
                              .o = "system:masters",
                              .not_before = fbs_test_time("2026-01-01T00:00:00Z"),
                              .not_after = fbs_test_time("2026-01-01T04:00:00Z"),
                              .client_auth = true};

    (void)state;
    key = fbs_test_key("ec", 256);
    ca_key = fbs_test_key("ec", 256);
    cert = fbs_test_cert_new(key, &c);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    X509_free(cert);
    EVP_PKEY_free(key);
    EVP_PKEY_free(ca_key);
    return 0;
}

static json_t *p12_facts(const struct fbs_finding *f)
{
    return json_object_get(f->facts, "pkcs12");
}

/* Run the detector the way the binary rule finds a file: the secret is the DER header. */
static struct fbs_finding *run_binary(const unsigned char *der, size_t len, int *rc)
{
    return fbs_test_run_detector(&fbs_detector_pkcs12, "pkcs12", (const char *)der, 22,
                                 (const char *)der, len, "certs/client.p12", rc);
}

struct p12_case {
    const char *pass;
    bool legacy;
    int opened; /* 1, 0 */
    const char *weak, *hint;
};

static void test_parse_pkcs12__passwords(void **state)
{
    static const struct p12_case cases[] = {
        {"", false, 1, "empty", NULL},
        {NULL, false, 1, "empty", NULL},
        {"changeit", false, 1, "default", "changeit"},
        {"changeme", true, 1, "default", "changeme"}, /* RC2-40 + 3DES: the legacy provider */
        {"", true, 1, "empty", NULL},
        {"S3cure-Long-Passw0rd!", false, 0, NULL, NULL},
        {"S3cure-Long-Passw0rd!", true, 0, NULL, NULL},
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const struct p12_case *c = &cases[i];
        size_t len;
        unsigned char *der = fbs_test_p12(&len, key, cert, c->pass, c->legacy, 0);
        int rc;
        struct fbs_finding *f = run_binary(der, len, &rc);
        json_t *p = p12_facts(f);

        if (rc != 0)
            fail_msg("case %zu: %s", i, fbs_error_message());
        assert_int_equal(json_is_true(json_object_get(p, "opened")), c->opened);
        assert_int_equal(json_is_false(json_object_get(p, "opened")), !c->opened);
        assert_true(json_is_true(json_object_get(p, "mac")));
        if (c->weak) {
            assert_string_equal(json_string_value(json_object_get(p, "password")), c->weak);
            assert_string_equal(json_string_value(json_object_get(f->facts, "weak_password")),
                                c->weak);
        } else {
            assert_null(json_object_get(f->facts, "weak_password"));
        }
        if (c->hint)
            assert_string_equal(json_string_value(json_object_get(p, "password_hint")), c->hint);
        else
            assert_null(json_object_get(p, "password_hint"));
        assert_int_equal(json_is_true(json_object_get(f->facts, "encrypted")), !c->opened);
        if (c->opened) {
            /* The break-glass certificate inside: 4 hours, system:masters. */
            assert_int_equal(json_integer_value(json_object_get(p, "certificates")), 1);
            assert_int_equal(json_integer_value(json_object_get(p, "keys")), 1);
            assert_int_equal(f->issued, fbs_test_time("2026-01-01T00:00:00Z"));
            assert_int_equal(f->expires, fbs_test_time("2026-01-01T04:00:00Z"));
            assert_int_equal(f->privilege, FBS_PRIV_HIGH);
            assert_string_equal(json_string_value(json_object_get(f->facts, "key_type")), "ec");
            assert_string_equal(f->names, "breakglass-admin system:masters");
        } else {
            assert_false(f->has_expires);
            assert_null(json_object_get(f->facts, "key_type"));
        }
        fbs_finding_free(f);
        fbs_free(der);
    }
}

/* Base64 in a text file (pkcs12.base64), and the chain: the key's certificate is the one used. */
static void test_parse_pkcs12__base64_and_chain(void **state)
{
    struct fbs_test_cert cc = {.cn = "Backup Root CA",
                               .ca = true,
                               .not_before = fbs_test_time("2020-01-01T00:00:00Z"),
                               .not_after = fbs_test_time("2040-01-01T00:00:00Z")};
    X509 *ca = fbs_test_cert_new(ca_key, &cc);
    STACK_OF(X509) *chain = sk_X509_new_null();
    PKCS12 *p12;
    unsigned char *der = NULL;
    char *b64, *text;
    int n, rc;
    struct fbs_finding *f;

    (void)state;
    sk_X509_push(chain, ca);
    p12 = PKCS12_create("", "x", key, cert, chain, 0, 0, 0, 0, 0);
    assert_non_null(p12);
    n = i2d_PKCS12(p12, &der);
    b64 = fbs_test_base64(der, (size_t)n);
    text = fbs_test_cat("data:\n  client.p12: ", b64, "\n", NULL);
    f = fbs_test_run_detector(&fbs_detector_pkcs12, "pkcs12", b64, strlen(b64), text, strlen(text),
                              "k8s/secret.yaml", &rc);
    assert_int_equal(rc, 0);
    assert_int_equal(json_integer_value(json_object_get(p12_facts(f), "certificates")), 2);
    assert_int_equal(f->expires, fbs_test_time("2026-01-01T04:00:00Z"));
    assert_string_equal(
        json_string_value(json_object_get(
            json_array_get(json_object_get(f->facts, "certificates"), 0), "subject_cn")),
        "Backup Root CA");
    fbs_finding_free(f);
    fbs_free(text);
    fbs_free(b64);
    OPENSSL_free(der);
    PKCS12_free(p12);
    sk_X509_free(chain);
    X509_free(ca);
}

/* Costs are bounded: a MAC iteration count over the limit is not guessed at. */
static void test_parse_pkcs12__iteration_limit(void **state)
{
    size_t len;
    unsigned char *der = fbs_test_p12(&len, key, cert, "", false, 1100000);
    int rc;
    struct fbs_finding *f = run_binary(der, len, &rc);
    json_t *p = p12_facts(f);

    (void)state;
    assert_int_equal(rc, 0);
    assert_true(json_is_null(json_object_get(p, "opened")));
    assert_non_null(strstr(json_string_value(json_object_get(p, "reason")), "iterations"));
    assert_null(json_object_get(f->facts, "encrypted"));
    fbs_finding_free(f);
    fbs_free(der);
}

/* A MAC iteration count of 0 is invalid, and said so (it was reported as "over 1000000"). */
static void test_parse_pkcs12__iteration_zero(void **state)
{
    size_t len;
    unsigned char *der = fbs_test_p12(&len, key, cert, "", false, 2);
    struct fbs_finding *f;
    const char *reason;
    int rc;

    (void)state;
    /* MacData ends the file: ... iterations INTEGER 2 (02 01 02). Make it 0. */
    assert_true(len > 3 && der[len - 3] == 0x02 && der[len - 2] == 0x01 && der[len - 1] == 0x02);
    der[len - 1] = 0x00;
    f = run_binary(der, len, &rc);
    assert_int_equal(rc, 0);
    reason = json_string_value(json_object_get(p12_facts(f), "reason"));
    assert_non_null(reason);
    assert_non_null(strstr(reason, "iteration count 0 is invalid"));
    fbs_finding_free(f);
    fbs_free(der);
}

/* Without a MAC there is nothing to test a password against: the contents decide. */
static void test_parse_pkcs12__no_mac(void **state)
{
    size_t len;
    unsigned char *open = fbs_test_p12(&len, key, cert, "", false, -1);
    size_t len2;
    unsigned char *closed = fbs_test_p12(&len2, key, cert, "S3cure-Long-Passw0rd!", false, -1);
    int rc;
    struct fbs_finding *f = run_binary(open, len, &rc);

    (void)state;
    assert_int_equal(rc, 0);
    assert_true(json_is_true(json_object_get(p12_facts(f), "opened")));
    assert_true(json_is_false(json_object_get(p12_facts(f), "mac")));
    assert_string_equal(json_string_value(json_object_get(f->facts, "weak_password")), "empty");
    fbs_finding_free(f);
    f = run_binary(closed, len2, &rc);
    assert_int_equal(rc, 0);
    assert_true(json_is_false(json_object_get(p12_facts(f), "opened")));
    assert_null(json_object_get(f->facts, "weak_password"));
    fbs_finding_free(f);
    fbs_free(open);
    fbs_free(closed);
}

static void test_parse_pkcs12__malformed(void **state)
{
    static const char *const b64[] = {"MIIELAIBAzCC", "MIIE*AIBAzCC", "bm90IGEgcDEy"};
    size_t len, i;
    unsigned char *der = fbs_test_p12(&len, key, cert, "changeit", false, 0);
    unsigned seed = 99;
    int rc;
    struct fbs_finding *f;

    (void)state;
    for (i = 0; i < sizeof(b64) / sizeof(b64[0]); i++) {
        f = fbs_test_run_detector(&fbs_detector_pkcs12, "pkcs12", b64[i], strlen(b64[i]), NULL, 0,
                                  "x.yaml", &rc);
        assert_int_equal(rc, FBS_EPARSE);
        fbs_finding_free(f);
    }
    /* The binary header with no file behind it. */
    f = fbs_test_run_detector(&fbs_detector_pkcs12, "pkcs12", (const char *)der, 22, NULL, 0,
                              "x.p12", &rc);
    assert_int_equal(rc, FBS_EPARSE);
    fbs_finding_free(f);
    /* Truncations and flipped bytes: a diagnostic or facts, never a crash. */
    for (i = 22; i < len; i += 37) {
        f = run_binary(der, i, &rc);
        assert_int_equal(rc, FBS_EPARSE);
        fbs_finding_free(f);
    }
    for (i = 0; i < 200; i++) {
        unsigned char *mut = fbs_memdup(der, len);

        seed = seed * 1103515245u + 12345u;
        mut[22 + (seed >> 8) % (len - 22)] ^= (unsigned char)(1u << (seed % 8));
        f = run_binary(mut, len, &rc);
        assert_true(rc == 0 || rc == FBS_EPARSE);
        fbs_finding_free(f);
        fbs_free(mut);
    }
    fbs_free(der);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_pkcs12__passwords),
        cmocka_unit_test(test_parse_pkcs12__base64_and_chain),
        cmocka_unit_test(test_parse_pkcs12__iteration_limit),
        cmocka_unit_test(test_parse_pkcs12__iteration_zero),
        cmocka_unit_test(test_parse_pkcs12__no_mac),
        cmocka_unit_test(test_parse_pkcs12__malformed),
    };

    fbs_test_use_cmocka_alloc();
    return cmocka_run_group_tests(tests, setup, teardown);
}
