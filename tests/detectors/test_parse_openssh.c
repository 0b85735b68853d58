/* test_parse_openssh.c - detectors/parse_openssh.c: OpenSSH (openssh-key-v1) and PuTTY keys. */
#include "support/test_support.h"
#include "support/test_crypto.h"

#include "detectors/x509.h"
#include "scanner/core/alloc.h"
#include "scanner/core/error.h"

#include <string.h>

#include "scanner/core/banned.h"

static EVP_PKEY *rsa, *ec, *ed;

static int keys_setup(void **state)
{
    (void)state;
    rsa = fbs_test_key("rsa", 2048);
    ec = fbs_test_key("ec", 256);
    ed = fbs_test_key("ed25519", 0);
    return 0;
}

static int keys_teardown(void **state)
{
    (void)state;
    EVP_PKEY_free(rsa);
    EVP_PKEY_free(ec);
    EVP_PKEY_free(ed);
    return 0;
}

static const char *fstr(const struct fbs_finding *f, const char *k)
{
    return json_string_value(json_object_get(f->facts, k));
}

static struct fbs_finding *run_ssh(const char *secret, int *rc)
{
    return fbs_test_run_detector(&fbs_detector_openssh, "private_key", secret, strlen(secret),
                                 secret, strlen(secret), "ssh/id", rc);
}

struct ssh_case {
    EVP_PKEY **key;
    const char *comment;
    bool encrypted;
    const char *type;
    long long bits;
    const char *curve;
};

static void test_parse_openssh__keys(void **state)
{
    static const struct ssh_case cases[] = {
        {&ed, "breakglass@bastion", false, "ed25519", 256, NULL},
        {&rsa, "deploy@ci", false, "rsa", 2048, NULL},
        {&ec, "", false, "ec", 256, "P-256"},
        {&ed, "breakglass@bastion", true, "ed25519", 256, NULL},
        {&rsa, "x", true, "rsa", 2048, NULL},
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const struct ssh_case *c = &cases[i];
        char *pem = fbs_test_openssh_key(*c->key, c->comment, c->encrypted);
        int rc;
        struct fbs_finding *f = run_ssh(pem, &rc);
        const char *fp;

        assert_int_equal(rc, 0);
        assert_string_equal(fstr(f, "key_type"), c->type);
        assert_int_equal(json_integer_value(json_object_get(f->facts, "key_bits")), c->bits);
        if (c->curve)
            assert_string_equal(fstr(f, "key_curve"), c->curve);
        assert_string_equal(fstr(f, "key_format"), "openssh");
        assert_int_equal(json_is_true(json_object_get(f->facts, "encrypted")), c->encrypted);
        fp = fstr(f, "ssh_fingerprint");
        assert_non_null(fp);
        assert_int_equal(strlen(fp), 7 + 43);
        assert_true(!strncmp(fp, "SHA256:", 7));
        if (c->encrypted) {
            /* The comment is inside the encrypted part. */
            assert_string_equal(fstr(f, "encryption"), "aes256-ctr");
            assert_null(fstr(f, "comment"));
            assert_null(f->names);
        } else if (*c->comment) {
            assert_string_equal(fstr(f, "comment"), c->comment);
            assert_string_equal(f->names, c->comment);
        } else {
            assert_null(fstr(f, "comment"));
        }
        fbs_finding_free(f);
        fbs_free(pem);
    }
}

/* The fingerprint depends on the public key only: same key, same fingerprint. */
static void test_parse_openssh__fingerprint(void **state)
{
    char *a = fbs_test_openssh_key(ed, "a", false), *b = fbs_test_openssh_key(ed, "b", true);
    char *c = fbs_test_openssh_key(rsa, "a", false);
    int rc;
    struct fbs_finding *fa = run_ssh(a, &rc), *fb = run_ssh(b, &rc), *fc = run_ssh(c, &rc);

    (void)state;
    assert_string_equal(fstr(fa, "ssh_fingerprint"), fstr(fb, "ssh_fingerprint"));
    assert_string_not_equal(fstr(fa, "ssh_fingerprint"), fstr(fc, "ssh_fingerprint"));
    fbs_finding_free(fa);
    fbs_finding_free(fb);
    fbs_finding_free(fc);
    fbs_free(a);
    fbs_free(b);
    fbs_free(c);
}

/* A PuTTY key for `key`: the public blob is the one inside the OpenSSH key we make. */
static char *ppk(EVP_PKEY *key, const char *encryption, const char *comment)
{
    char *ossh = fbs_test_openssh_key(key, "", false);
    struct fbs_pem_block b;
    size_t pos = 0, publen;
    const unsigned char *p;
    char *pub, *out;

    assert_int_equal(fbs_pem_next(&b, ossh, strlen(ossh), &pos, NULL), 1);
    /* magic(15) cipher(4+4) kdf(4+4) opts(4) n(4), then the public key string */
    p = b.der + 15 + 8 + 8 + 4 + 4;
    publen = (size_t)p[0] << 24 | (size_t)p[1] << 16 | (size_t)p[2] << 8 | p[3];
    pub = fbs_test_base64(p + 4, publen);
    out = fbs_test_cat("PuTTY-User-Key-File-3: ssh-ed25519\nEncryption: ", encryption,
                       "\nComment: ", comment, "\nPublic-Lines: 1\n", pub,
                       "\nPrivate-Lines: 1\nAAAAIGtleQ==\nPrivate-MAC: "
                       "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\n",
                       NULL);
    fbs_free(pub);
    fbs_pem_block_release(&b);
    fbs_free(ossh);
    return out;
}

static void test_parse_openssh__putty(void **state)
{
    char *plain = ppk(ed, "none", "emergency-access"), *enc = ppk(ed, "aes256-cbc", "rescue");
    int rc;
    struct fbs_finding *f = run_ssh(plain, &rc);

    (void)state;
    assert_int_equal(rc, 0);
    assert_string_equal(fstr(f, "key_format"), "putty");
    assert_string_equal(fstr(f, "key_type"), "ed25519");
    assert_false(json_is_true(json_object_get(f->facts, "encrypted")));
    assert_string_equal(f->names, "emergency-access");
    fbs_finding_free(f);
    /* PuTTY keeps the comment in the clear even when the key is encrypted. */
    f = run_ssh(enc, &rc);
    assert_int_equal(rc, 0);
    assert_true(json_is_true(json_object_get(f->facts, "encrypted")));
    assert_string_equal(fstr(f, "encryption"), "aes256-cbc");
    assert_string_equal(fstr(f, "comment"), "rescue");
    fbs_finding_free(f);
    fbs_free(plain);
    fbs_free(enc);
}

/* Re-wrap `der` (n bytes) as an OPENSSH PRIVATE KEY block. */
static char *wrap(const unsigned char *der, size_t n)
{
    char *b64 = fbs_test_base64(der, n);
    char *out = fbs_test_cat("-----BEGIN OPENSSH PRIVATE KEY-----\n", b64,
                             "\n-----END OPENSSH PRIVATE KEY-----\n", NULL);

    fbs_free(b64);
    return out;
}

static void test_parse_openssh__malformed(void **state)
{
    static const char *const bad[] = {
        "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEA\n-----END OPENSSH PRIVATE "
        "KEY-----",
        "-----BEGIN OPENSSH PRIVATE KEY-----\nbm90LW9wZW5zc2g=\n-----END OPENSSH PRIVATE KEY-----",
        "-----BEGIN OPENSSH PRIVATE KEY-----\nb3Blbn*zaC1rZXktdjEA\n-----END OPENSSH PRIVATE "
        "KEY-----",
        "PuTTY-User-Key-File-3: ssh-ed25519\nEncryption: none\nPublic-Lines: 9999\n",
        "PuTTY-User-Key-File-3: ssh-ed25519\nEncryption: none\nPublic-Lines: 2\nAAAA\n",
        "PuTTY-User-Key-File-3: ssh-ed25519\nComment: x\n",
    };
    char *good = fbs_test_openssh_key(rsa, "breakglass@bastion", false);
    struct fbs_pem_block b;
    size_t pos = 0, i;
    unsigned seed = 12345;

    (void)state;
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        int rc;
        struct fbs_finding *f = run_ssh(bad[i], &rc);

        if (rc != FBS_EPARSE)
            fail_msg("case %zu: rc %d", i, rc);
        fbs_finding_free(f);
    }
    assert_int_equal(fbs_pem_next(&b, good, strlen(good), &pos, NULL), 1);
    /* Every truncation, and bytes flipped at pseudo-random places: never a crash. */
    for (i = 0; i < b.der_len; i += 3) {
        char *cut = wrap(b.der, i);
        int rc;
        struct fbs_finding *f = run_ssh(cut, &rc);

        assert_int_equal(rc, FBS_EPARSE);
        fbs_finding_free(f);
        fbs_free(cut);
    }
    for (i = 0; i < 300; i++) {
        unsigned char *mut = fbs_memdup(b.der, b.der_len);
        char *text;
        int rc;
        struct fbs_finding *f;

        seed = seed * 1103515245u + 12345u;
        mut[15 + (seed >> 8) % (b.der_len - 15)] ^= (unsigned char)(1u << (seed % 8));
        text = wrap(mut, b.der_len);
        f = run_ssh(text, &rc);
        assert_true(rc == 0 || rc == FBS_EPARSE);
        fbs_finding_free(f);
        fbs_free(text);
        fbs_free(mut);
    }
    fbs_pem_block_release(&b);
    fbs_free(good);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_openssh__keys),
        cmocka_unit_test(test_parse_openssh__fingerprint),
        cmocka_unit_test(test_parse_openssh__putty),
        cmocka_unit_test(test_parse_openssh__malformed),
    };

    fbs_test_use_cmocka_alloc();
    return cmocka_run_group_tests(tests, keys_setup, keys_teardown);
}
