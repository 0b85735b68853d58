/* test_parse_x509.c - detectors/x509.c: base64, PEM blocks in quoted text, certificate facts. */
#include "support/test_support.h"
#include "support/test_crypto.h"

#include "detectors/x509.h"
#include "scanner/core/alloc.h"
#include "scanner/core/error.h"

#include <string.h>

#include "scanner/core/banned.h"

struct b64_case {
    const char *in;
    const char *out; /* NULL: FBS_EPARSE */
};

static void test_parse_x509__base64(void **state)
{
    static const struct b64_case cases[] = {
        {"TWFu", "Man"},        {"TWE=", "Ma"},  {"TWE", "Ma"},      {"TQ==", "M"},
        {" TW\nFu\r\n", "Man"}, {"", ""},        {"TWF*", NULL},     {"T", NULL},
        {"TQ==TQ==", NULL},     {"TQ===", NULL}, {"TWFuTWFu", NULL}, /* over max 4 */
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        unsigned char *out = NULL;
        size_t n = 0;
        int rc = fbs_base64_decode(&out, &n, cases[i].in, strlen(cases[i].in), 4);

        if (!cases[i].out) {
            assert_int_equal(rc, FBS_EPARSE);
            assert_null(out);
            continue;
        }
        assert_int_equal(rc, 0);
        assert_int_equal(n, strlen(cases[i].out));
        assert_memory_equal(out, cases[i].out, n);
        fbs_free(out);
    }
}

/* The DER of the first block of `text` (fbs_free), failing the test if there is none. */
static unsigned char *first_der(const char *text, size_t *n, struct fbs_pem_block *info)
{
    struct fbs_pem_block b;
    size_t pos = 0;
    unsigned char *der;

    assert_int_equal(fbs_pem_next(&b, text, strlen(text), &pos, NULL), 1);
    der = fbs_memdup(b.der, b.der_len);
    *n = b.der_len;
    *info = b;
    info->der = NULL;
    fbs_pem_block_release(&b);
    return der;
}

/* A key pasted into code and configuration the ways people do: the DER is the same. */
static void test_parse_x509__pem_quoting(void **state)
{
    static const char body1[] = "MC4CAQAwBQYDK2VwBCIEIHRnwA9Dve/ANT8MJRU5D3WrGAxV";
    static const char body2[] = "/z6K30pgHSIOUv6D";
    char *forms[6];
    unsigned char *want, *got;
    size_t wn, gn, i;
    struct fbs_pem_block info;

    (void)state;
    forms[0] = fbs_test_cat("-----BEGIN PRIVATE KEY-----\n", body1, "\n", body2,
                            "\n-----END PRIVATE KEY-----\n", NULL);
    forms[1] = fbs_test_cat("{\"key\": \"-----BEGIN PRIVATE KEY-----\\n", body1, "\\n", body2,
                            "\\n-----END PRIVATE KEY-----\\n\"}", NULL);
    forms[2] =
        fbs_test_cat("String k = \"-----BEGIN PRIVATE KEY-----\\n\" +\n  \"", body1,
                     "\\n\" +\n  \"", body2, "\\n\" +\n  \"-----END PRIVATE KEY-----\";", NULL);
    forms[3] =
        fbs_test_cat("key = (\"-----BEGIN PRIVATE KEY-----\\n\"\n       \"", body1,
                     "\\n\"\n       '", body2, "\\n'\n       \"-----END PRIVATE KEY-----\")", NULL);
    forms[4] = fbs_test_cat("tls:\n  key: |\n    -----BEGIN PRIVATE KEY-----\n    ", body1,
                            "\r\n    ", body2, "\n    -----END PRIVATE KEY-----\n", NULL);
    forms[5] = fbs_test_cat("\"-----BEGIN PRIVATE KEY-----\\r\\n", body1, "\\/", body2 + 1,
                            "\\r\\n-----END PRIVATE KEY-----\"", NULL);
    want = first_der(forms[0], &wn, &info);
    assert_string_equal(info.label, "PRIVATE KEY");
    for (i = 1; i < 6; i++) {
        got = first_der(forms[i], &gn, &info);
        if (gn != wn || memcmp(got, want, wn))
            fail_msg("form %zu decodes differently", i);
        fbs_free(got);
    }
    fbs_free(want);
    for (i = 0; i < 6; i++)
        fbs_free(forms[i]);
}

static void test_parse_x509__pem_blocks(void **state)
{
    static const char text[] = "junk -----BEGIN CERTIFICATE-----\nTWFu\n-----END CERTIFICATE-----\n"
                               "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\n"
                               "DEK-Info: AES-128-CBC,0123456789ABCDEF0123456789ABCDEF\n\nTWFu\n"
                               "-----END RSA PRIVATE KEY-----\n"
                               "-----BEGIN X509 CRL-----\nTWFu\n-----END CERTIFICATE-----\n"
                               "-----BEGIN CERTIFICATE-----\nTW*u\n-----END CERTIFICATE-----\n"
                               "-----BEGIN CERTIFICATE-----\n\n-----END CERTIFICATE-----\n"
                               "-----BEGIN lower-----\n"
                               "-----BEGIN CERTIFICATE-----\nTQ==\n-----END CERTIFICATE-----\n"
                               "-----BEGIN CERTIFICATE-----\nTWFu\n";
    struct fbs_pem_block b;
    size_t pos = 0;
    int rcs[16], n = 0, rc;
    static const int want[] = {1,          1, FBS_EPARSE, FBS_EPARSE, FBS_EPARSE,
                               FBS_EPARSE, 1, FBS_EPARSE, 0};

    (void)state;
    do {
        rc = fbs_pem_next(&b, text, strlen(text), &pos, NULL);
        if (n == 1) {
            assert_string_equal(b.label, "RSA PRIVATE KEY");
            assert_true(b.proc_encrypted);
            assert_string_equal(b.dek_cipher, "AES-128-CBC");
            assert_int_equal(b.der_len, 3);
        }
        if (n == 6)
            assert_memory_equal(b.der, "M", 1);
        fbs_pem_block_release(&b);
        rcs[n++] = rc;
    } while (rc != 0 && n < 16);
    assert_int_equal(n, sizeof(want) / sizeof(want[0]));
    assert_memory_equal(rcs, want, sizeof(want));
    /* `want` skips other labels without decoding them. */
    pos = 0;
    assert_int_equal(fbs_pem_next(&b, text, strlen(text), &pos, "RSA PRIVATE KEY"), 1);
    assert_string_equal(b.label, "RSA PRIVATE KEY");
    fbs_pem_block_release(&b);
    assert_int_equal(fbs_pem_next(&b, text, strlen(text), &pos, "RSA PRIVATE KEY"), 0);
}

static json_t *summary_of(X509 *x)
{
    json_t *s = NULL;

    assert_int_equal(fbs_x509_summary(&s, x), 0);
    return s;
}

static const char *sget(const json_t *o, const char *k)
{
    const char *v = json_string_value(json_object_get(o, k));

    if (!v)
        fail_msg("no string '%s'", k);
    return v;
}

static void test_parse_x509__summary(void **state)
{
    EVP_PKEY *ca_key = fbs_test_key("ec", 256), *key = fbs_test_key("ed25519", 0);
    struct fbs_test_cert cc = {.cn = "Acme Backup Root CA",
                               .o = "Acme",
                               .not_before = fbs_test_time("2026-01-01T00:00:00Z"),
                               .not_after = fbs_test_time("2036-01-01T00:00:00Z"),
                               .ca = true};
    X509 *ca = fbs_test_cert_new(ca_key, &cc), *leaf;
    struct fbs_test_cert lc = {.cn = "breakglass-admin",
                               .o = "ops",
                               .o2 = "system:masters",
                               .not_before = fbs_test_time("2026-01-01T00:00:00Z"),
                               .not_after = fbs_test_time("9999-12-31T23:59:59Z"),
                               .client_auth = true,
                               .san_dns = "bastion.example.invalid",
                               .issuer_key = ca_key,
                               .issuer = ca};
    json_t *s;
    char hash[65];

    (void)state;
    leaf = fbs_test_cert_new(key, &lc);
    s = summary_of(ca);
    assert_string_equal(sget(s, "subject"), "CN=Acme Backup Root CA,O=Acme");
    assert_string_equal(sget(s, "subject_cn"), "Acme Backup Root CA");
    assert_true(json_is_true(json_object_get(s, "ca")));
    assert_true(json_is_true(json_object_get(s, "self_signed")));
    assert_string_equal(sget(s, "key_type"), "ec");
    assert_string_equal(sget(s, "key_curve"), "P-256");
    assert_string_equal(sget(s, "not_after"), "2036-01-01T00:00:00Z");
    assert_string_equal(json_string_value(json_array_get(json_object_get(s, "key_usage"), 1)),
                        "keyCertSign");
    json_decref(s);
    s = summary_of(leaf);
    assert_string_equal(sget(s, "subject"), "CN=breakglass-admin,O=system:masters,O=ops");
    assert_string_equal(sget(s, "subject_o"), "ops, system:masters");
    assert_string_equal(sget(s, "issuer_cn"), "Acme Backup Root CA");
    assert_string_equal(sget(s, "serial"), "01");
    assert_string_equal(sget(s, "not_before"), "2026-01-01T00:00:00Z");
    assert_string_equal(sget(s, "not_after"), "9999-12-31T23:59:59Z");
    assert_true(json_is_false(json_object_get(s, "ca")));
    assert_true(json_is_false(json_object_get(s, "self_signed")));
    assert_string_equal(sget(s, "key_type"), "ed25519");
    assert_string_equal(
        json_string_value(json_array_get(json_object_get(s, "extended_key_usage"), 0)),
        "clientAuth");
    assert_string_equal(
        json_string_value(json_array_get(json_object_get(s, "subject_alt_names"), 0)),
        "bastion.example.invalid");
    assert_int_equal(fbs_x509_pubkey_sha256(hash, key), 0);
    assert_string_equal(sget(s, "public_key_sha256"), hash);
    json_decref(s);
    X509_free(leaf);
    X509_free(ca);
    EVP_PKEY_free(key);
    EVP_PKEY_free(ca_key);
}

struct apply_case {
    const char *cn, *o, *o2;
    bool ca;
    enum fbs_privilege want;
    const char *evidence;
    const char *names;
};

static void test_parse_x509__apply_cert(void **state)
{
    static const struct apply_case cases[] = {
        {"breakglass-admin", "system:masters", NULL, false, FBS_PRIV_HIGH,
         "Kubernetes cluster-admin (O=system:masters)", "svc breakglass-admin system:masters"},
        {"ci", "developers", "system:masters", false, FBS_PRIV_HIGH,
         "Kubernetes cluster-admin (O=system:masters)", "svc ci developers, system:masters"},
        {"ci", "system:masters-not", NULL, false, FBS_PRIV_UNKNOWN, NULL,
         "svc ci system:masters-not"},
        {"Backup Root CA", "Acme", NULL, true, FBS_PRIV_HIGH,
         "certificate authority key (CA:TRUE, keyCertSign)", "svc Backup Root CA Acme"},
        {"www.example.invalid", NULL, NULL, false, FBS_PRIV_UNKNOWN, NULL,
         "svc www.example.invalid"},
    };
    EVP_PKEY *key = fbs_test_key("ec", 256);
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct fbs_test_cert c = {.cn = cases[i].cn,
                                  .o = cases[i].o,
                                  .o2 = cases[i].o2,
                                  .not_before = fbs_test_time("2026-01-01T00:00:00Z"),
                                  .not_after = fbs_test_time("2026-01-01T04:00:00Z"),
                                  .ca = cases[i].ca};
        X509 *x = fbs_test_cert_new(key, &c);
        json_t *s = summary_of(x);
        struct fbs_finding *f = fbs_finding_new();
        json_t *ev;

        assert_int_equal(fbs_finding_set_str(&f->names, "svc"), 0);
        assert_int_equal(fbs_x509_apply_cert(f, s), 0);
        assert_int_equal(fbs_x509_apply_cert(f, s), 0); /* idempotent */
        assert_int_equal(f->privilege, cases[i].want);
        ev = json_object_get(f->facts, "privilege_evidence");
        if (cases[i].evidence) {
            assert_int_equal(json_array_size(ev), 1);
            assert_string_equal(json_string_value(json_array_get(ev, 0)), cases[i].evidence);
        } else {
            assert_null(ev);
        }
        assert_true(f->has_issued && f->has_expires);
        assert_int_equal(f->issued, fbs_test_time("2026-01-01T00:00:00Z"));
        assert_int_equal(f->expires - f->issued, 4 * 3600);
        assert_string_equal(json_string_value(json_object_get(f->facts, "expires_from")),
                            "certificate");
        assert_string_equal(f->names, cases[i].names);
        fbs_finding_free(f);
        json_decref(s);
        X509_free(x);
    }
    EVP_PKEY_free(key);
}

static void test_parse_x509__own_dates_win(void **state)
{
    struct fbs_finding *f = fbs_finding_new();
    json_t *cert =
        json_pack("{s:s, s:s}", "not_before", "2026-01-01T00:00:00Z", "not_after", "garbage");

    (void)state;
    f->issued = 5;
    f->has_issued = true;
    assert_int_equal(fbs_x509_apply_cert(f, cert), 0);
    assert_int_equal(f->issued, 5);
    assert_false(f->has_expires);
    assert_null(json_object_get(f->facts, "issued_from"));
    json_decref(cert);
    fbs_finding_free(f);
}

static void test_parse_x509__names(void **state)
{
    struct fbs_finding *f = fbs_finding_new();
    char word[101];
    size_t len;
    int i;

    (void)state;
    assert_int_equal(fbs_x509_append_names(f,
                                           "a\x01"
                                           "b",
                                           3),
                     0);
    assert_string_equal(f->names, "a?b");
    assert_int_equal(fbs_x509_append_names(f, "a?b", 3), 0);  /* already there */
    assert_int_equal(fbs_x509_append_names(f, "\xff", 1), 0); /* invalid UTF-8 repaired */
    assert_string_equal(f->names, "a?b \xef\xbf\xbd");
    /* Names stop growing at 1 KiB. */
    for (i = 0; i < 12; i++) {
        memset(word, 'a' + i, 100);
        word[100] = '\0';
        assert_int_equal(fbs_x509_append_names(f, word, 100), 0);
    }
    len = strlen(f->names);
    assert_true(len <= 1024 && len > 900);
    assert_null(strstr(f->names, "lll"));
    fbs_finding_free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_x509__base64),
        cmocka_unit_test(test_parse_x509__pem_quoting),
        cmocka_unit_test(test_parse_x509__pem_blocks),
        cmocka_unit_test(test_parse_x509__summary),
        cmocka_unit_test(test_parse_x509__apply_cert),
        cmocka_unit_test(test_parse_x509__own_dates_win),
        cmocka_unit_test(test_parse_x509__names),
    };

    fbs_test_use_cmocka_alloc();
    return cmocka_run_group_tests(tests, NULL, NULL);
}
