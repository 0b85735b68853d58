/* test_parse_pem.c - detectors/parse_pem.c: PEM private keys and the certificate beside them. */
#include "support/test_support.h"
#include "support/test_crypto.h"

#include "detectors/x509.h"
#include "scanner/core/alloc.h"
#include "scanner/core/error.h"

#include <string.h>

#include "scanner/core/banned.h"

static EVP_PKEY *rsa, *ec256, *ec384, *ed, *dsa;

static int keys_setup(void **state)
{
    (void)state;
    rsa = fbs_test_key("rsa", 2048);
    ec256 = fbs_test_key("ec", 256);
    ec384 = fbs_test_key("ec", 384);
    ed = fbs_test_key("ed25519", 0);
    dsa = fbs_test_key("dsa", 1024);
    return 0;
}

static int keys_teardown(void **state)
{
    (void)state;
    EVP_PKEY_free(rsa);
    EVP_PKEY_free(ec256);
    EVP_PKEY_free(ec384);
    EVP_PKEY_free(ed);
    EVP_PKEY_free(dsa);
    return 0;
}

static const char *fstr(const struct fbs_finding *f, const char *k)
{
    return json_string_value(json_object_get(f->facts, k));
}

static long long fint(const struct fbs_finding *f, const char *k)
{
    json_t *v = json_object_get(f->facts, k);

    return v ? json_integer_value(v) : -1;
}

/* Run the PEM detector on `text`, the secret being the first private key block in it. */
static struct fbs_finding *run_pem(const char *text, const char *path, int *rc)
{
    const char *b = strstr(text, "-----BEGIN ");
    const char *e;

    while (b && strncmp(b, "-----BEGIN CERTIFICATE", 22) == 0)
        b = strstr(b + 1, "-----BEGIN ");
    assert_non_null(b);
    e = strstr(b, "-----END ");
    assert_non_null(e);
    e = strstr(e + 9, "-----") + 5;
    return fbs_test_run_detector(&fbs_detector_pem, "private_key", b, (size_t)(e - b), text,
                                 strlen(text), path, rc);
}

struct key_case {
    EVP_PKEY **key;
    enum fbs_test_pem how;
    const char *type;
    long long bits; /* -1: absent */
    const char *curve, *format;
    bool encrypted;
    const char *encryption;
};

static void test_parse_pem__key_types(void **state)
{
    static const struct key_case cases[] = {
        {&rsa, FBS_TEST_PEM_PKCS8, "rsa", 2048, NULL, "pkcs8", false, NULL},
        {&rsa, FBS_TEST_PEM_TRADITIONAL, "rsa", 2048, NULL, "pkcs1", false, NULL},
        {&ec256, FBS_TEST_PEM_TRADITIONAL, "ec", 256, "P-256", "sec1", false, NULL},
        {&ec384, FBS_TEST_PEM_PKCS8, "ec", 384, "P-384", "pkcs8", false, NULL},
        {&ed, FBS_TEST_PEM_PKCS8, "ed25519", 256, NULL, "pkcs8", false, NULL},
        {&dsa, FBS_TEST_PEM_TRADITIONAL, "dsa", 1024, NULL, "dsa", false, NULL},
        {&rsa, FBS_TEST_PEM_PKCS8_ENCRYPTED, NULL, -1, NULL, "pkcs8_encrypted", true,
         "AES-256-CBC"},
        {&rsa, FBS_TEST_PEM_LEGACY_ENCRYPTED, "rsa", -1, NULL, "pkcs1", true, "AES-128-CBC"},
        {&ec256, FBS_TEST_PEM_LEGACY_ENCRYPTED, "ec", -1, NULL, "sec1", true, "AES-128-CBC"},
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const struct key_case *c = &cases[i];
        char *pem = fbs_test_pem_key(*c->key, c->how);
        int rc;
        struct fbs_finding *f = run_pem(pem, "keys/k.pem", &rc);

        assert_int_equal(rc, 0);
        if (c->type)
            assert_string_equal(fstr(f, "key_type"), c->type);
        else
            assert_null(fstr(f, "key_type"));
        assert_int_equal(fint(f, "key_bits"), c->bits);
        if (c->curve)
            assert_string_equal(fstr(f, "key_curve"), c->curve);
        assert_string_equal(fstr(f, "key_format"), c->format);
        assert_int_equal(json_is_true(json_object_get(f->facts, "encrypted")), c->encrypted);
        if (c->encryption)
            assert_string_equal(fstr(f, "encryption"), c->encryption);
        /* Only a readable key has a public key to pair with. */
        assert_int_equal(fstr(f, "public_key_sha256") != NULL, !c->encrypted);
        assert_false(f->has_issued);
        fbs_finding_free(f);
        fbs_free(pem);
    }
}

struct bundle_case {
    const char *cn, *o;
    const char *not_before, *not_after;
    bool key_first;
    enum fbs_privilege privilege;
};

/* A certificate and its key in one file: the key gets the certificate's facts. */
static void test_parse_pem__bundle(void **state)
{
    static const struct bundle_case cases[] = {
        /* The expired 4-hour break-glass certificate. */
        {"breakglass-admin", "system:masters", "2026-01-01T00:00:00Z", "2026-01-01T04:00:00Z",
         false, FBS_PRIV_HIGH},
        {"breakglass-admin", "system:masters", "2026-01-01T00:00:00Z", "2026-01-01T04:00:00Z", true,
         FBS_PRIV_HIGH},
        /* A 10-year backup certificate. */
        {"vpn-backup", "Acme", "2026-01-01T00:00:00Z", "2036-01-01T00:00:00Z", false,
         FBS_PRIV_UNKNOWN},
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const struct bundle_case *c = &cases[i];
        struct fbs_test_cert tc = {.cn = c->cn,
                                   .o = c->o,
                                   .not_before = fbs_test_time(c->not_before),
                                   .not_after = fbs_test_time(c->not_after)};
        X509 *x = fbs_test_cert_new(ec256, &tc);
        char *cert = fbs_test_pem_cert(x), *key = fbs_test_pem_key(ec256, FBS_TEST_PEM_PKCS8);
        char *text = c->key_first ? fbs_test_cat("# bundle\n", key, cert, NULL)
                                  : fbs_test_cat("# bundle\n", cert, key, NULL);
        int rc;
        struct fbs_finding *f = run_pem(text, "vpn/client.pem", &rc);
        json_t *paired = json_object_get(f->facts, "paired_certificate");

        assert_int_equal(rc, 0);
        assert_true(f->has_issued && f->has_expires);
        assert_int_equal(f->issued, fbs_test_time(c->not_before));
        assert_int_equal(f->expires, fbs_test_time(c->not_after));
        assert_int_equal(f->privilege, c->privilege);
        assert_non_null(strstr(f->names, c->cn));
        assert_string_equal(json_string_value(json_object_get(paired, "matched_by")), "public_key");
        assert_string_equal(json_string_value(json_object_get(paired, "path")), "vpn/client.pem");
        assert_int_equal(json_integer_value(json_object_get(paired, "line")),
                         c->key_first ? 2 + 5 : 2); /* an EC PKCS#8 key is 5 lines */
        assert_string_equal(json_string_value(json_object_get(
                                json_object_get(f->facts, "certificate"), "subject_cn")),
                            c->cn);
        assert_null(json_object_get(f->facts, "certificates"));
        fbs_finding_free(f);
        fbs_free(text);
        fbs_free(key);
        fbs_free(cert);
        X509_free(x);
    }
}

/* Certificates of other keys are listed, not paired; of several for the key, the latest. */
static void test_parse_pem__choose_certificate(void **state)
{
    struct fbs_test_cert old = {.cn = "old",
                                .not_before = fbs_test_time("2020-01-01T00:00:00Z"),
                                .not_after = fbs_test_time("2021-01-01T00:00:00Z")};
    struct fbs_test_cert renewed = {.cn = "renewed",
                                    .not_before = fbs_test_time("2021-01-01T00:00:00Z"),
                                    .not_after = fbs_test_time("2031-01-01T00:00:00Z")};
    struct fbs_test_cert other = {.cn = "someone-else",
                                  .not_before = fbs_test_time("2021-01-01T00:00:00Z"),
                                  .not_after = fbs_test_time("2041-01-01T00:00:00Z")};
    X509 *x1 = fbs_test_cert_new(rsa, &old), *x2 = fbs_test_cert_new(rsa, &renewed);
    X509 *x3 = fbs_test_cert_new(ec256, &other);
    char *c1 = fbs_test_pem_cert(x1), *c2 = fbs_test_pem_cert(x2), *c3 = fbs_test_pem_cert(x3);
    char *key = fbs_test_pem_key(rsa, FBS_TEST_PEM_TRADITIONAL);
    char *text = fbs_test_cat(c3, c1, key, c2, "-----BEGIN CERTIFICATE-----\nbroken\n", NULL);
    json_t *listed;
    int rc;
    struct fbs_finding *f = run_pem(text, "tls/all.pem", &rc);

    (void)state;
    assert_int_equal(rc, 0);
    assert_int_equal(f->expires, fbs_test_time("2031-01-01T00:00:00Z"));
    assert_string_equal(f->names, "renewed");
    listed = json_object_get(f->facts, "certificates");
    assert_int_equal(json_array_size(listed), 2);
    assert_string_equal(json_string_value(json_object_get(json_array_get(listed, 0), "subject_cn")),
                        "someone-else");
    assert_string_equal(json_string_value(json_object_get(json_array_get(listed, 1), "subject_cn")),
                        "old");
    fbs_finding_free(f);
    /* A key alone in its file has nothing to pair with. */
    f = run_pem(key, "tls/alone.key", &rc);
    assert_int_equal(rc, 0);
    assert_false(f->has_expires);
    assert_null(json_object_get(f->facts, "paired_certificate"));
    fbs_finding_free(f);
    fbs_free(text);
    fbs_free(key);
    fbs_free(c1);
    fbs_free(c2);
    fbs_free(c3);
    X509_free(x1);
    X509_free(x2);
    X509_free(x3);
}

/* An encrypted key shows no public key: it pairs with the certificate its match spans. */
static void test_parse_pem__encrypted_bundle(void **state)
{
    struct fbs_test_cert tc = {.cn = "backup",
                               .not_before = fbs_test_time("2026-01-01T00:00:00Z"),
                               .not_after = fbs_test_time("2036-01-01T00:00:00Z")};
    X509 *x = fbs_test_cert_new(rsa, &tc);
    char *cert = fbs_test_pem_cert(x), *key = fbs_test_pem_key(rsa, FBS_TEST_PEM_PKCS8_ENCRYPTED);
    char *text = fbs_test_cat(cert, key, NULL);
    const char *kb = strstr(text, "-----BEGIN ENCRYPTED");
    struct fbs_finding *f;
    json_t *paired;

    (void)state;
    /* As rules/certificates.yml matches: the match spans the certificate, the secret is the key. */
    f = fbs_test_finding("private_key", kb, strlen(kb) - 1, "backup/bundle.pem");
    f->match_start = 0;
    f->match_end = strlen(text) - 1;
    assert_int_equal(fbs_test_run(&fbs_detector_pem, f, text, strlen(text)), 0);
    paired = json_object_get(f->facts, "paired_certificate");
    assert_string_equal(json_string_value(json_object_get(paired, "matched_by")), "adjacent");
    assert_int_equal(f->expires, fbs_test_time("2036-01-01T00:00:00Z"));
    assert_true(json_is_true(json_object_get(f->facts, "encrypted")));
    fbs_finding_free(f);
    /* The same key matched alone (plain rule): the certificate is only listed. */
    f = fbs_test_finding("private_key_encrypted", kb, strlen(kb) - 1, "backup/bundle.pem");
    assert_int_equal(fbs_test_run(&fbs_detector_pem, f, text, strlen(text)), 0);
    assert_false(f->has_expires);
    assert_int_equal(json_array_size(json_object_get(f->facts, "certificates")), 1);
    fbs_finding_free(f);
    fbs_free(text);
    fbs_free(key);
    fbs_free(cert);
    X509_free(x);
}

/* A key inside a JSON string (\n escapes) or a YAML block scalar, and a binary blob. */
static void test_parse_pem__quoted_and_binary(void **state)
{
    char *pem = fbs_test_pem_key(ed, FBS_TEST_PEM_PKCS8);
    json_t *doc = json_pack("{s:s}", "key", pem);
    char *js = json_dumps(doc, 0);
    const char *b = strstr(js, "-----BEGIN"), *e = strstr(js, "KEY-----\\n\"");
    int rc;
    struct fbs_finding *f;
    char bin[] = "\0\0-----BEGIN CERTIFICATE-----\nTWFu\n-----END CERTIFICATE-----\n";

    (void)state;
    assert_non_null(e);
    f = fbs_test_run_detector(&fbs_detector_pem, "private_key", b, (size_t)(e + 8 - b), js,
                              strlen(js), "app/config.json", &rc);
    assert_int_equal(rc, 0);
    assert_string_equal(fstr(f, "key_type"), "ed25519");
    fbs_finding_free(f);
    f = fbs_test_run_detector(&fbs_detector_pem, "private_key", pem, strlen(pem), bin,
                              sizeof(bin) - 1, "x.bin", &rc);
    assert_int_equal(rc, 0);
    assert_null(json_object_get(f->facts, "certificates"));
    fbs_finding_free(f);
    free(js);
    json_decref(doc);
    fbs_free(pem);
}

static void test_parse_pem__not_mine(void **state)
{
    static const char *const secrets[] = {
        ("-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE "
         "KEY-----"),
        "-----BEGIN PGP PRIVATE KEY BLOCK-----\nxcLYBF\n-----END PGP PRIVATE KEY BLOCK-----",
        "PuTTY-User-Key-File-3: ssh-ed25519\nEncryption: none\n",
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(secrets) / sizeof(secrets[0]); i++) {
        int rc;
        struct fbs_finding *f = fbs_test_run_detector(&fbs_detector_pem, "private_key", secrets[i],
                                                      strlen(secrets[i]), NULL, 0, "k", &rc);

        assert_int_equal(rc, 0);
        assert_int_equal(json_object_size(f->facts), 0);
        fbs_finding_free(f);
    }
}

/* A finding whose secret is a certificate (a certificate rule): its own dates and subject. */
static void test_parse_pem__certificate_finding(void **state)
{
    struct fbs_test_cert tc = {.cn = "breakglass-admin",
                               .o = "system:masters",
                               .not_before = fbs_test_time("2026-01-01T00:00:00Z"),
                               .not_after = fbs_test_time("2026-01-01T04:00:00Z")};
    X509 *x = fbs_test_cert_new(ec256, &tc);
    char *cert = fbs_test_pem_cert(x);
    int rc;
    struct fbs_finding *f = fbs_test_run_detector(&fbs_detector_pem, "certificate", cert,
                                                  strlen(cert), cert, strlen(cert), "a.crt", &rc);

    (void)state;
    assert_int_equal(rc, 0);
    assert_int_equal(f->expires - f->issued, 4 * 3600);
    assert_int_equal(f->privilege, FBS_PRIV_HIGH);
    assert_non_null(json_object_get(json_object_get(f->facts, "certificate"), "public_key_sha256"));
    fbs_finding_free(f);
    fbs_free(cert);
    X509_free(x);
}

struct bad_case {
    const char *secret;
    const char *message; /* a part of the diagnostic */
};

static void test_parse_pem__malformed(void **state)
{
    static const struct bad_case cases[] = {
        {"-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA0Z3VS5JJcds3xfn\n"
         "-----END RSA PRIVATE KEY-----",
         "malformed RSA PRIVATE KEY"},
        {"-----BEGIN PRIVATE KEY-----\nMII*owIBAAKCAQEA\n-----END PRIVATE KEY-----",
         "invalid character"},
        {"-----BEGIN PRIVATE KEY-----\nMIIEowIBAAKCAQEA0Z3VS5JJcds3xfn", "without an END"},
        {"-----BEGIN PRIVATE KEY-----\n\n-----END PRIVATE KEY-----", "empty PRIVATE KEY"},
        {"-----BEGIN PRIVATE KEY-----\nTWFu\n-----END RSA PRIVATE KEY-----", "another END"},
        {"-----BEGIN ENCRYPTED PRIVATE KEY-----\nTWFu\n-----END ENCRYPTED PRIVATE KEY-----",
         "malformed ENCRYPTED"},
        {"-----BEGIN PUBLIC KEY-----\nTWFu\n-----END PUBLIC KEY-----", "not a private key"},
        {"-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIHRnwA9Dve/ANT8MJRU5D3WrGAxV\n"
         "-----END PRIVATE KEY-----",
         "malformed PRIVATE KEY"},
    };
    char *good = fbs_test_pem_key(rsa, FBS_TEST_PEM_TRADITIONAL);
    size_t i, n = strlen(good);

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        int rc;
        struct fbs_finding *f = fbs_test_run_detector(
            &fbs_detector_pem, "private_key", cases[i].secret, strlen(cases[i].secret),
            cases[i].secret, strlen(cases[i].secret), "bad.pem", &rc);

        assert_int_equal(rc, FBS_EPARSE);
        if (!strstr(fbs_error_message(), cases[i].message))
            fail_msg("case %zu: '%s'", i, fbs_error_message());
        fbs_finding_free(f);
    }
    /* Every truncation of a real key: a diagnostic or facts, never a crash. */
    for (i = 30; i < n; i += 13) {
        char *cut = fbs_test_cat(good, NULL);
        int rc;
        struct fbs_finding *f;

        memcpy(cut + i, "\n-----END RSA PRIVATE KEY-----", n - i < 30 ? n - i : 30);
        f = fbs_test_run_detector(&fbs_detector_pem, "private_key", cut, strlen(cut), cut,
                                  strlen(cut), "cut.pem", &rc);
        assert_true(rc == 0 || rc == FBS_EPARSE);
        fbs_finding_free(f);
        fbs_free(cut);
    }
    fbs_free(good);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_pem__key_types),
        cmocka_unit_test(test_parse_pem__bundle),
        cmocka_unit_test(test_parse_pem__choose_certificate),
        cmocka_unit_test(test_parse_pem__encrypted_bundle),
        cmocka_unit_test(test_parse_pem__quoted_and_binary),
        cmocka_unit_test(test_parse_pem__not_mine),
        cmocka_unit_test(test_parse_pem__certificate_finding),
        cmocka_unit_test(test_parse_pem__malformed),
    };

    fbs_test_use_cmocka_alloc();
    return cmocka_run_group_tests(tests, keys_setup, keys_teardown);
}
