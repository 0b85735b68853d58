/* test_link_keypair.c - detectors/link_keypair.c: a key and its certificate in another finding. */
#include "support/test_support.h"
#include "support/test_crypto.h"

#include "scanner/core/alloc.h"
#include "scanner/core/error.h"

#include <stdio.h>
#include <string.h>

#include "scanner/core/banned.h"

static EVP_PKEY *key, *other;
static X509 *cert, *renewed, *other_cert;
static char *key_pem, *cert_pem, *renewed_pem, *other_pem;

static int setup(void **state)
{
    struct fbs_test_cert c = {.cn = "breakglass-admin",
                              .o = "system:masters",
                              .not_before = fbs_test_time("2026-01-01T00:00:00Z"),
                              .not_after = fbs_test_time("2026-01-01T04:00:00Z")};
    struct fbs_test_cert r = {.cn = "breakglass-admin-2026b",
                              .not_before = fbs_test_time("2026-01-01T04:00:00Z"),
                              .not_after = fbs_test_time("2036-01-01T00:00:00Z")};

    (void)state;
    key = fbs_test_key("ec", 256);
    other = fbs_test_key("ec", 256);
    cert = fbs_test_cert_new(key, &c);
    renewed = fbs_test_cert_new(key, &r);
    other_cert = fbs_test_cert_new(other, &r);
    key_pem = fbs_test_pem_key(key, FBS_TEST_PEM_PKCS8);
    cert_pem = fbs_test_pem_cert(cert);
    renewed_pem = fbs_test_pem_cert(renewed);
    other_pem = fbs_test_pem_cert(other_cert);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    fbs_free(key_pem);
    fbs_free(cert_pem);
    fbs_free(renewed_pem);
    fbs_free(other_pem);
    X509_free(cert);
    X509_free(renewed);
    X509_free(other_cert);
    EVP_PKEY_free(key);
    EVP_PKEY_free(other);
    return 0;
}

/* A finding for `secret` in a file `path` holding `text`, through its parser. */
static struct fbs_finding *parsed(const struct fbs_detector *d, const char *kind,
                                  const char *secret, size_t len, const char *text, size_t tlen,
                                  const char *path)
{
    int rc;
    struct fbs_finding *f = fbs_test_run_detector(d, kind, secret, len, text, tlen, path, &rc);

    assert_int_equal(rc, 0);
    assert_int_equal(fbs_finding_set_str(&f->target, "repo"), 0);
    return f;
}

static struct fbs_finding *key_at(const char *path)
{
    return parsed(&fbs_detector_pem, "private_key", key_pem, strlen(key_pem), key_pem,
                  strlen(key_pem), path);
}

/* What a certificate rule's finding would be (no built-in rule reports certificates). */
static struct fbs_finding *cert_at(const char *pem, const char *path)
{
    return parsed(&fbs_detector_pem, "certificate", pem, strlen(pem), pem, strlen(pem), path);
}

static void link(struct fbs_finding **fs, size_t n)
{
    struct fbs_detect_ctx ctx;

    memset(&ctx, 0, sizeof(ctx));
    assert_int_equal(fbs_linker_keypair.run(fs, n, &ctx), 0);
}

static void free_all(struct fbs_finding **fs, size_t n)
{
    while (n--)
        fbs_finding_free(fs[n]);
}

static const char *paired_path(const struct fbs_finding *f)
{
    return json_string_value(
        json_object_get(json_object_get(f->facts, "paired_certificate"), "path"));
}

struct dir_case {
    const char *key_path, *cert_path;
    bool paired;
};

static void test_link_keypair__directories(void **state)
{
    static const struct dir_case cases[] = {
        {"pki/admin.key", "pki/admin.crt", true},
        {"admin.key", "admin.crt", true},
        {"a/pki/admin.key", "a/pki/sub/admin.crt", false},
        {"pki/admin.key", "pki2/admin.crt", false},
        {"pk/admin.key", "pki/admin.crt", false},
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct fbs_finding *fs[2] = {key_at(cases[i].key_path),
                                     cert_at(cert_pem, cases[i].cert_path)};

        link(fs, 2);
        assert_int_equal(fs[0]->has_expires, cases[i].paired);
        if (cases[i].paired) {
            assert_int_equal(fs[0]->expires, fbs_test_time("2026-01-01T04:00:00Z"));
            assert_int_equal(fs[0]->issued, fbs_test_time("2026-01-01T00:00:00Z"));
            assert_int_equal(fs[0]->privilege, FBS_PRIV_HIGH);
            assert_string_equal(fs[0]->names, "breakglass-admin system:masters");
            assert_string_equal(paired_path(fs[0]), cases[i].cert_path);
            assert_string_equal(
                json_string_value(json_object_get(
                    json_object_get(fs[0]->facts, "paired_certificate"), "matched_by")),
                "public_key");
        } else {
            assert_null(json_object_get(fs[0]->facts, "paired_certificate"));
        }
        free_all(fs, 2);
    }
}

/* Same file before same directory; the latest of several; other keys' certificates ignored. */
static void test_link_keypair__choice(void **state)
{
    char *other_key = fbs_test_pem_key(other, FBS_TEST_PEM_PKCS8);
    char *chain = fbs_test_cat(other_key, cert_pem, NULL);
    struct fbs_finding *fs[5];

    (void)state;
    fs[0] = key_at("pki/admin.pem");
    fs[1] = cert_at(cert_pem, "pki/admin.crt");
    fs[2] = cert_at(renewed_pem, "pki/renewed.crt");
    fs[3] = cert_at(other_pem, "pki/admin.pem");
    fs[4] = cert_at(cert_pem, "elsewhere/admin.crt");
    link(fs, 5);
    /* The directory holds two certificates for the key: the one that expires last. */
    assert_string_equal(paired_path(fs[0]), "pki/renewed.crt");
    assert_int_equal(fs[0]->expires, fbs_test_time("2036-01-01T00:00:00Z"));
    free_all(fs, 5);
    /* A certificate in the same file wins over a later one in the directory. */
    fs[0] = key_at("pki/admin.pem");
    fs[1] = cert_at(renewed_pem, "pki/renewed.crt");
    fs[2] = cert_at(cert_pem, "pki/admin.pem");
    link(fs, 3);
    assert_string_equal(paired_path(fs[0]), "pki/admin.pem");
    free_all(fs, 3);
    /* Another target is another tree. */
    fs[0] = key_at("pki/admin.key");
    fs[1] = cert_at(cert_pem, "pki/admin.crt");
    assert_int_equal(fbs_finding_set_str(&fs[1]->target, "other-repo"), 0);
    link(fs, 2);
    assert_null(paired_path(fs[0]));
    free_all(fs, 2);
    /* A certificate listed by the parser of another key's file counts too. */
    fs[0] = key_at("pki/admin.key");
    fs[1] = parsed(&fbs_detector_pem, "private_key", other_key, strlen(other_key), chain,
                   strlen(chain), "pki/chain.pem");
    assert_int_equal(json_array_size(json_object_get(fs[1]->facts, "certificates")), 1);
    link(fs, 2);
    assert_string_equal(paired_path(fs[0]), "pki/chain.pem");
    assert_int_equal(json_integer_value(json_object_get(
                         json_object_get(fs[0]->facts, "paired_certificate"), "line")),
                     6); /* after the other key's 5 lines */
    assert_null(json_object_get(fs[1]->facts, "paired_certificate"));
    free_all(fs, 2);
    fbs_free(chain);
    fbs_free(other_key);
}

/* The key in a file and its certificate inside a PKCS#12 store in the same directory. */
static void test_link_keypair__pkcs12(void **state)
{
    size_t len;
    unsigned char *der = fbs_test_p12(&len, key, cert, "changeit", false, 0);
    struct fbs_finding *fs[2];

    (void)state;
    fs[0] = key_at("vpn/client.key");
    fs[1] = parsed(&fbs_detector_pkcs12, "pkcs12", (const char *)der, 22, (const char *)der, len,
                   "vpn/client.p12");
    link(fs, 2);
    assert_string_equal(paired_path(fs[0]), "vpn/client.p12");
    assert_int_equal(fs[0]->expires, fbs_test_time("2026-01-01T04:00:00Z"));
    assert_true(
        json_is_null(json_object_get(json_object_get(fs[0]->facts, "paired_certificate"), "line")));
    /* The store already has its certificate: nothing changes there. */
    assert_null(json_object_get(fs[1]->facts, "paired_certificate"));
    free_all(fs, 2);
    fbs_free(der);
}

/* Through the real pipeline: the CLI on files written to disk. */
static void test_link_keypair__end_to_end(void **state)
{
    const char *dir = fbs_test_tmpdir();
    size_t len, i;
    unsigned char *der = fbs_test_p12(&len, key, cert, "", false, 0);
    char *bundle = fbs_test_cat(cert_pem, key_pem, NULL);
    json_t *report, *f, *want_key = NULL, *want_bundle = NULL;
    json_error_t err;
    char path[512];

    (void)state;
    fbs_test_write(dir, "tree/pki/breakglass.key", key_pem, strlen(key_pem));
    fbs_test_write(dir, "tree/pki/breakglass.p12", der, len);
    fbs_test_write(dir, "tree/vpn/bundle.pem", bundle, strlen(bundle));
    fbs_test_sh(dir,
                "FALLBACK_SCAN_CACHE=off '%s/fallback-scan' files tree --format json "
                "-o out.json --now 2026-06-01T00:00:00Z --quiet; test -s out.json",
                FBS_BINARY_DIR);
    snprintf(path, sizeof(path), "%s/out.json", dir);
    report = json_load_file(path, 0, &err);
    assert_non_null(report);
    json_array_foreach(json_object_get(report, "findings"), i, f)
    {
        const char *p = json_string_value(json_object_get(json_object_get(f, "location"), "path"));

        if (!strcmp(p, "tree/pki/breakglass.key"))
            want_key = f;
        if (!strcmp(p, "tree/vpn/bundle.pem"))
            want_bundle = f;
    }
    assert_non_null(want_key);
    assert_non_null(want_bundle);
    assert_string_equal(
        json_string_value(json_object_get(
            json_object_get(json_object_get(want_key, "facts"), "paired_certificate"), "path")),
        "tree/pki/breakglass.p12");
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(want_key, "credential"), "expires")),
        "2026-01-01T04:00:00Z");
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(want_key, "facts"), "privilege")),
        "high");
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(want_bundle, "credential"), "issued")),
        "2026-01-01T00:00:00Z");
    json_decref(report);
    fbs_test_rmtree(dir);
    fbs_free(bundle);
    fbs_free(der);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_link_keypair__directories),
        cmocka_unit_test(test_link_keypair__choice),
        cmocka_unit_test(test_link_keypair__pkcs12),
        cmocka_unit_test(test_link_keypair__end_to_end),
    };

    fbs_test_use_cmocka_alloc();
    return cmocka_run_group_tests(tests, setup, teardown);
}
