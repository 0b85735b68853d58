/* test_parse_der_key.c - detectors/parse_der_key.c: raw DER private key files. */
#include "support/test_support.h"
#include "support/test_crypto.h"

#include "scanner/core/alloc.h"

#include <openssl/evp.h>
#include <openssl/x509.h>
#include <string.h>

#include "scanner/core/banned.h"

static struct fbs_finding *run_der(const unsigned char *der, size_t len, int *rc)
{
    return fbs_test_run_detector(&fbs_detector_der_key, "private_key_der", (const char *)der,
                                 len < 16 ? len : 16, (const char *)der, len, "keys/app.der", rc);
}

/* PKCS#1 / SEC1 (i2d_PrivateKey) and PKCS#8 (i2d_PKCS8PrivateKey_bio-free form) both read. */
static void test_parse_der_key__formats(void **state)
{
    static const struct {
        const char *alg;
        int bits;
        const char *type;
    } cases[] = {{"rsa", 2048, "RSA"}, {"ec", 256, "EC"}, {"ed25519", 0, "ED25519"}};

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        EVP_PKEY *k = fbs_test_key(cases[i].alg, cases[i].bits);
        PKCS8_PRIV_KEY_INFO *p8 = EVP_PKEY2PKCS8(k);
        unsigned char *trad = NULL, *pk8 = NULL;
        int ntrad = i2d_PrivateKey(k, &trad), npk8 = i2d_PKCS8_PRIV_KEY_INFO(p8, &pk8), rc;
        struct fbs_finding *f;
        const char *type;

        assert_true(ntrad > 0 && npk8 > 0);
        for (int form = 0; form < 2; form++) {
            f = form ? run_der(pk8, (size_t)npk8, &rc) : run_der(trad, (size_t)ntrad, &rc);
            assert_int_equal(rc, 0);
            type = json_string_value(json_object_get(f->facts, "key_type"));
            if (!type || strcasecmp(type, cases[i].type))
                fail_msg("%s form %d: key_type %s", cases[i].alg, form, type ? type : "(none)");
            assert_null(json_object_get(f->facts, "der_key_error"));
            fbs_finding_free(f);
        }
        OPENSSL_free(trad);
        OPENSSL_free(pk8);
        PKCS8_PRIV_KEY_INFO_free(p8);
        EVP_PKEY_free(k);
    }
}

/* A header that matched but a body that is not a key: the finding stays, with the reason. */
static void test_parse_der_key__not_a_key(void **state)
{
    static const unsigned char junk[] = {0x30, 0x82, 0x01, 0x0a, 0x02, 0x01, 0x00, 0x02,
                                         0x82, 0x01, 0x01, 0x00, 0xc2, 0xcc, 0x01, 0x02};
    struct fbs_finding *f;
    int rc;

    (void)state;
    f = run_der(junk, sizeof(junk), &rc);
    assert_int_equal(rc, 0);
    assert_non_null(json_object_get(f->facts, "der_key_error"));
    assert_null(json_object_get(f->facts, "key_type"));
    fbs_finding_free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_der_key__formats),
        cmocka_unit_test(test_parse_der_key__not_a_key),
    };

    fbs_test_use_cmocka_alloc();
    return cmocka_run_group_tests(tests, NULL, NULL);
}
