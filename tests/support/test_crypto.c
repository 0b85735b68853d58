/* test_crypto.c - see test_crypto.h. */
#include "support/test_support.h"
#include "support/test_crypto.h"

#include "scanner/core/alloc.h"
#include "scanner/core/buf.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/provider.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>
#include <stdarg.h>
#include <string.h>

#include "scanner/core/banned.h"

EVP_PKEY *fbs_test_key(const char *type, int bits)
{
    EVP_PKEY *k = NULL, *params = NULL;
    EVP_PKEY_CTX *c;

    if (!strcmp(type, "rsa"))
        k = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)bits);
    else if (!strcmp(type, "ec"))
        k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", bits == 384 ? "P-384" : "P-256");
    else if (!strcmp(type, "ed25519"))
        k = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
    else if (!strcmp(type, "dsa")) {
        c = EVP_PKEY_CTX_new_from_name(NULL, "DSA", NULL);
        assert_non_null(c);
        assert_int_equal(EVP_PKEY_paramgen_init(c), 1);
        assert_int_equal(EVP_PKEY_CTX_set_dsa_paramgen_bits(c, bits), 1);
        assert_int_equal(EVP_PKEY_paramgen(c, &params), 1);
        EVP_PKEY_CTX_free(c);
        c = EVP_PKEY_CTX_new_from_pkey(NULL, params, NULL);
        assert_int_equal(EVP_PKEY_keygen_init(c), 1);
        assert_int_equal(EVP_PKEY_keygen(c, &k), 1);
        EVP_PKEY_CTX_free(c);
        EVP_PKEY_free(params);
    }
    assert_non_null(k);
    return k;
}

static void add_ext(X509 *x, X509V3_CTX *v3, int nid, const char *value)
{
    X509_EXTENSION *e = X509V3_EXT_conf_nid(NULL, v3, nid, value);

    assert_non_null(e);
    assert_int_equal(X509_add_ext(x, e, -1), 1);
    X509_EXTENSION_free(e);
}

static void add_name(X509_NAME *n, const char *field, const char *value)
{
    if (value)
        assert_int_equal(X509_NAME_add_entry_by_txt(n, field, MBSTRING_UTF8,
                                                    (const unsigned char *)value, -1, -1, 0),
                         1);
}

X509 *fbs_test_cert_new(EVP_PKEY *key, const struct fbs_test_cert *c)
{
    X509 *x = X509_new();
    X509_NAME *n = X509_get_subject_name(x);
    EVP_PKEY *signer = c->issuer_key ? c->issuer_key : key;
    X509V3_CTX v3;

    assert_non_null(x);
    assert_int_equal(X509_set_version(x, 2), 1);
    assert_int_equal(ASN1_INTEGER_set(X509_get_serialNumber(x), 1), 1);
    assert_non_null(ASN1_TIME_set(X509_getm_notBefore(x), (time_t)c->not_before));
    assert_non_null(ASN1_TIME_set(X509_getm_notAfter(x), (time_t)c->not_after));
    add_name(n, "O", c->o);
    add_name(n, "O", c->o2);
    add_name(n, "CN", c->cn);
    assert_int_equal(X509_set_issuer_name(x, c->issuer ? X509_get_subject_name(c->issuer) : n), 1);
    assert_int_equal(X509_set_pubkey(x, key), 1);
    X509V3_set_ctx(&v3, c->issuer ? c->issuer : x, x, NULL, NULL, 0);
    add_ext(x, &v3, NID_basic_constraints, c->ca ? "critical,CA:TRUE" : "critical,CA:FALSE");
    add_ext(x, &v3, NID_key_usage,
            c->ca ? "critical,keyCertSign,cRLSign,digitalSignature"
                  : "critical,digitalSignature,keyEncipherment");
    if (c->client_auth)
        add_ext(x, &v3, NID_ext_key_usage, "clientAuth");
    if (c->san_dns) {
        char san[256];

        snprintf(san, sizeof(san), "DNS:%s", c->san_dns);
        add_ext(x, &v3, NID_subject_alt_name, san);
    }
    assert_true(X509_sign(x, signer,
                          EVP_PKEY_get_base_id(signer) == EVP_PKEY_ED25519 ? NULL : EVP_sha256()) >
                0);
    return x;
}

static char *bio_string(BIO *bio)
{
    char *p = NULL;
    long n = BIO_get_mem_data(bio, &p);
    char *s;

    assert_true(n > 0);
    s = fbs_strndup(p, (size_t)n);
    assert_non_null(s);
    BIO_free(bio);
    return s;
}

char *fbs_test_pem_key(EVP_PKEY *key, enum fbs_test_pem how)
{
    BIO *bio = BIO_new(BIO_s_mem());
    unsigned char pw[] = "pw";
    int ok = 0;

    assert_non_null(bio);
    switch (how) {
    case FBS_TEST_PEM_PKCS8:
        ok = PEM_write_bio_PrivateKey(bio, key, NULL, NULL, 0, NULL, NULL);
        break;
    case FBS_TEST_PEM_TRADITIONAL:
        ok = PEM_write_bio_PrivateKey_traditional(bio, key, NULL, NULL, 0, NULL, NULL);
        break;
    case FBS_TEST_PEM_PKCS8_ENCRYPTED:
        ok = PEM_write_bio_PKCS8PrivateKey(bio, key, EVP_aes_256_cbc(), "pw", 2, NULL, NULL);
        break;
    case FBS_TEST_PEM_LEGACY_ENCRYPTED:
        ok = PEM_write_bio_PrivateKey_traditional(bio, key, EVP_aes_128_cbc(), pw, 2, NULL, NULL);
        break;
    }
    assert_int_equal(ok, 1);
    return bio_string(bio);
}

char *fbs_test_pem_cert(X509 *x)
{
    BIO *bio = BIO_new(BIO_s_mem());

    assert_non_null(bio);
    assert_int_equal(PEM_write_bio_X509(bio, x), 1);
    return bio_string(bio);
}

unsigned char *fbs_test_p12(size_t *len, EVP_PKEY *key, X509 *cert, const char *pass, bool legacy,
                            int mac_iter)
{
    /* RC2 lives in the legacy provider: make legacy files in a context that has it (kept for
     * the process: freeing a context with providers loaded leaks inside OpenSSL 3.0). */
    static OSSL_LIB_CTX *ctx;
    OSSL_LIB_CTX *prev = NULL;
    PKCS12 *p12;
    unsigned char *der = NULL, *out;
    int n;

    if (legacy && !ctx) {
        ctx = OSSL_LIB_CTX_new();
        assert_non_null(ctx);
        assert_non_null(OSSL_PROVIDER_load(ctx, "default"));
        assert_non_null(OSSL_PROVIDER_load(ctx, "legacy"));
    }
    if (legacy)
        prev = OSSL_LIB_CTX_set0_default(ctx);
    p12 = PKCS12_create(
        pass, "test", key, cert, NULL, legacy ? NID_pbe_WithSHA1And3_Key_TripleDES_CBC : 0,
        legacy ? NID_pbe_WithSHA1And40BitRC2_CBC : 0, 2048, mac_iter ? mac_iter : 2048, 0);
    assert_non_null(p12);
    n = i2d_PKCS12(p12, &der);
    assert_true(n > 0);
    PKCS12_free(p12);
    if (legacy)
        OSSL_LIB_CTX_set0_default(prev);
    out = fbs_memdup(der, (size_t)n);
    assert_non_null(out);
    OPENSSL_free(der);
    *len = (size_t)n;
    return out;
}

/* ---- OpenSSH ------------------------------------------------------------------------------- */

static void put_u32(struct fbs_buf *b, uint32_t v)
{
    unsigned char x[4] = {(unsigned char)(v >> 24), (unsigned char)(v >> 16),
                          (unsigned char)(v >> 8), (unsigned char)v};

    assert_int_equal(fbs_buf_put(b, x, 4), 0);
}

static void put_str(struct fbs_buf *b, const void *s, size_t n)
{
    put_u32(b, (uint32_t)n);
    assert_int_equal(fbs_buf_put(b, s, n), 0);
}

static void put_cstr(struct fbs_buf *b, const char *s)
{
    put_str(b, s, strlen(s));
}

static void put_mpint(struct fbs_buf *b, EVP_PKEY *k, const char *param)
{
    BIGNUM *bn = NULL;
    unsigned char buf[2048];
    int n;

    assert_int_equal(EVP_PKEY_get_bn_param(k, param, &bn), 1);
    n = BN_bn2mpi(bn, NULL);
    assert_true(n > 0 && (size_t)n <= sizeof(buf));
    BN_bn2mpi(bn, buf);
    assert_int_equal(fbs_buf_put(b, buf, (size_t)n), 0);
    BN_clear_free(bn);
}

static void put_ec_point(struct fbs_buf *b, EVP_PKEY *k)
{
    unsigned char q[133];
    size_t n = 0;

    assert_int_equal(EVP_PKEY_get_octet_string_param(k, OSSL_PKEY_PARAM_PUB_KEY, q, sizeof(q), &n),
                     1);
    put_str(b, q, n);
}

/* The public key blob; with `priv`, the private fields as the private section has them. */
static void ssh_key(struct fbs_buf *b, EVP_PKEY *k, bool priv)
{
    int id = EVP_PKEY_get_base_id(k);

    if (id == EVP_PKEY_ED25519) {
        unsigned char pub[32], sk[64];
        size_t n = 32;

        assert_int_equal(EVP_PKEY_get_raw_public_key(k, pub, &n), 1);
        put_cstr(b, "ssh-ed25519");
        put_str(b, pub, 32);
        if (priv) {
            n = 32;
            assert_int_equal(EVP_PKEY_get_raw_private_key(k, sk, &n), 1);
            memcpy(sk + 32, pub, 32);
            put_str(b, sk, 64);
        }
    } else if (id == EVP_PKEY_RSA) {
        put_cstr(b, "ssh-rsa");
        if (!priv) {
            put_mpint(b, k, OSSL_PKEY_PARAM_RSA_E);
            put_mpint(b, k, OSSL_PKEY_PARAM_RSA_N);
            return;
        }
        put_mpint(b, k, OSSL_PKEY_PARAM_RSA_N);
        put_mpint(b, k, OSSL_PKEY_PARAM_RSA_E);
        put_mpint(b, k, OSSL_PKEY_PARAM_RSA_D);
        put_mpint(b, k, OSSL_PKEY_PARAM_RSA_COEFFICIENT1);
        put_mpint(b, k, OSSL_PKEY_PARAM_RSA_FACTOR1);
        put_mpint(b, k, OSSL_PKEY_PARAM_RSA_FACTOR2);
    } else {
        assert_int_equal(id, EVP_PKEY_EC);
        put_cstr(b, "ecdsa-sha2-nistp256");
        put_cstr(b, "nistp256");
        put_ec_point(b, k);
        if (priv)
            put_mpint(b, k, OSSL_PKEY_PARAM_PRIV_KEY);
    }
}

static char *pem_wrap(const char *label, const unsigned char *der, size_t n)
{
    char *b64 = fbs_test_base64(der, n);
    struct fbs_buf out = FBS_BUF_INIT;
    size_t i, len = strlen(b64);

    assert_int_equal(fbs_buf_printf(&out, "-----BEGIN %s-----\n", label), 0);
    for (i = 0; i < len; i += 70)
        assert_int_equal(fbs_buf_printf(&out, "%.70s\n", b64 + i), 0);
    assert_int_equal(fbs_buf_printf(&out, "-----END %s-----\n", label), 0);
    fbs_free(b64);
    return fbs_buf_detach(&out);
}

char *fbs_test_openssh_key(EVP_PKEY *key, const char *comment, bool encrypted)
{
    struct fbs_buf b = FBS_BUF_INIT, pub = FBS_BUF_INIT, priv = FBS_BUF_INIT;
    unsigned char pad = 1, random[64];
    char *pem;

    assert_int_equal(fbs_buf_put(&b, "openssh-key-v1", 15), 0);
    put_cstr(&b, encrypted ? "aes256-ctr" : "none");
    put_cstr(&b, encrypted ? "bcrypt" : "none");
    if (encrypted) {
        struct fbs_buf opts = FBS_BUF_INIT;

        put_str(&opts, "0123456789abcdef", 16);
        put_u32(&opts, 16);
        put_str(&b, opts.ptr, opts.len);
        fbs_buf_release(&opts);
    } else {
        put_cstr(&b, "");
    }
    put_u32(&b, 1);
    ssh_key(&pub, key, false);
    put_str(&b, pub.ptr, pub.len);
    if (encrypted) {
        assert_int_equal(RAND_bytes(random, sizeof(random)), 1);
        put_str(&b, random, sizeof(random));
    } else {
        put_u32(&priv, 0x12345678);
        put_u32(&priv, 0x12345678);
        ssh_key(&priv, key, true);
        put_cstr(&priv, comment ? comment : "");
        while (priv.len % 8)
            assert_int_equal(fbs_buf_putc(&priv, (char)pad++), 0);
        put_str(&b, priv.ptr, priv.len);
    }
    pem = pem_wrap("OPENSSH PRIVATE KEY", (const unsigned char *)b.ptr, b.len);
    fbs_buf_release_wipe(&priv);
    fbs_buf_release(&pub);
    fbs_buf_release_wipe(&b);
    return pem;
}

char *fbs_test_base64(const void *data, size_t len)
{
    char *out = fbs_malloc(len / 3 * 4 + 8);

    assert_non_null(out);
    EVP_EncodeBlock((unsigned char *)out, data, (int)len);
    return out;
}

char *fbs_test_cat(const char *first, ...)
{
    struct fbs_buf b = FBS_BUF_INIT;
    const char *s;
    va_list ap;

    va_start(ap, first);
    for (s = first; s; s = va_arg(ap, const char *))
        assert_int_equal(fbs_buf_puts(&b, s), 0);
    va_end(ap);
    return fbs_buf_detach(&b);
}

fbs_time_t fbs_test_time(const char *iso)
{
    fbs_time_t t = 0;

    assert_int_equal(fbs_time_parse(&t, iso), 0);
    return t;
}

struct fbs_finding *fbs_test_finding(const char *kind, const char *secret, size_t len,
                                     const char *path)
{
    struct fbs_finding *f = fbs_finding_new();

    assert_non_null(f);
    assert_int_equal(fbs_finding_set_str(&f->kind, kind), 0);
    assert_int_equal(fbs_finding_set_secret(f, secret, len), 0);
    assert_int_equal(fbs_finding_set_str(&f->path, path), 0);
    assert_int_equal(fbs_finding_set_str(&f->rel_path, path), 0);
    return f;
}

int fbs_test_run(const struct fbs_detector *d, struct fbs_finding *f, const char *text,
                 size_t text_len)
{
    struct fbs_detect_ctx ctx;
    struct fbs_blob blob;

    if (!f->match_end) {
        const char *at =
            text && f->secret_len ? memmem(text, text_len, f->secret, f->secret_len) : NULL;

        f->match_start = f->secret_start = at ? (size_t)(at - text) : 0;
        f->match_end = f->secret_end = f->match_start + f->secret_len;
    }
    memset(&blob, 0, sizeof(blob));
    blob.data = (const unsigned char *)text;
    blob.len = text_len;
    blob.path = f->path;
    blob.rel_path = f->rel_path;
    blob.target = ".";
    blob.binary = text && memchr(text, '\0', text_len) != NULL;
    memset(&ctx, 0, sizeof(ctx));
    ctx.blob = text ? &blob : NULL;
    return d->run(f, &ctx);
}

struct fbs_finding *fbs_test_run_detector(const struct fbs_detector *d, const char *kind,
                                          const char *secret, size_t len, const char *text,
                                          size_t text_len, const char *path, int *rc)
{
    struct fbs_finding *f = fbs_test_finding(kind, secret, len, path);

    *rc = fbs_test_run(d, f, text, text_len);
    return f;
}
