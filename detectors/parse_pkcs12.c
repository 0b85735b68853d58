/*
 * parse_pkcs12.c - PKCS#12 key stores (.p12/.pfx, binary or base64): whether they open with an
 * empty or well-known default password, and if so the key and certificates inside.
 *
 * Facts: pkcs12 = {opened: true | false | null, password: "empty" | "default", password_hint
 * (the default that opened it, e.g. "changeit": a published default, not a secret), reason (why
 * it could not be decided), certificates, keys, mac}; weak_password = "empty" | "default"; the
 * key facts of the first key and, for the certificate that goes with it, the x509.h certificate
 * facts (dates, subject, privilege).
 *
 * Costs are bounded: the file size, the number of password guesses times the MAC iteration count,
 * and the iteration count of every encryption we undo. Old files encrypt with RC2-40 or 3DES,
 * which OpenSSL 3 keeps in its "legacy" provider: the parser runs OpenSSL calls in a private
 * library context with the default and legacy providers (set as this thread's default while it
 * works), so that the rest of the process never sees legacy algorithms. When an algorithm is
 * still missing, opened is null with the reason.
 */
#include "detector.h"
#include "x509.h"
#include "../scanner/core/alloc.h"
#include "../scanner/core/error.h"

#include <openssl/err.h>
#include <openssl/pkcs12.h>
#include <openssl/provider.h>
#include <openssl/x509v3.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "../scanner/core/banned.h"

#define MAX_P12      ((size_t)4 << 20) /* bytes of a PKCS#12 file */
#define GUESS_BUDGET 2000000L          /* MAC iterations spent guessing passwords, per file */
#define MAX_ITER     1000000L          /* iteration count of one decryption */
#define MAX_SAFES    32
#define MAX_BAGS     64

static const char *const p12_kinds[] = {"pkcs12", NULL};

/* Published defaults of tools and tutorials (keytool's "changeit" ...): not secrets. */
static const char *const default_passwords[] = {
    "changeit", "changeme", "password", "secret",   "123456",  "pass",   "admin",
    "test",     "keystore", "1234",     "12345678", "default", "server", "client",
};

struct p12_state {
    int opened;           /* 1, 0, -1 unknown */
    const char *password; /* the one that verified (NULL: the NULL password) */
    const char *weak;     /* "empty" | "default" */
    const char *hint;     /* the default that opened it */
    char reason[160];
    STACK_OF(X509) * certs;
    EVP_PKEY *key;
    int nkeys;
};

/* ---- library context ----------------------------------------------------------------------- */

static pthread_once_t libctx_once = PTHREAD_ONCE_INIT;
static OSSL_LIB_CTX *libctx; /* default + legacy providers; lives as long as the process */

static void libctx_init(void)
{
    OSSL_LIB_CTX *c = OSSL_LIB_CTX_new();

    if (c && OSSL_PROVIDER_load(c, "default")) {
        (void)OSSL_PROVIDER_load(c, "legacy"); /* optional: RC2/3DES files fail without it */
        libctx = c;
    } else {
        OSSL_LIB_CTX_free(c);
    }
    ERR_clear_error();
}

/* ---- cost bounds --------------------------------------------------------------------------- */

static long integer(const ASN1_INTEGER *i)
{
    long v = i ? ASN1_INTEGER_get(i) : 1;

    return v <= 0 ? -1 : v;
}

/* The work factor of a PBE algorithm (iterations; scrypt N*r*p), or -1 when unreadable. */
static long pbe_cost(const X509_ALGOR *alg)
{
    const ASN1_OBJECT *obj;
    const void *pval;
    int ptype, nid;
    long cost = -1;

    X509_ALGOR_get0(&obj, &ptype, &pval, alg);
    nid = OBJ_obj2nid(obj);
    if (ptype != V_ASN1_SEQUENCE)
        return -1;
    if (nid == NID_pbes2) {
        PBE2PARAM *p2 = ASN1_item_unpack(pval, ASN1_ITEM_rptr(PBE2PARAM));

        if (p2)
            cost = pbe_cost(p2->keyfunc);
        PBE2PARAM_free(p2);
    } else if (nid == NID_id_pbkdf2) {
        PBKDF2PARAM *k = ASN1_item_unpack(pval, ASN1_ITEM_rptr(PBKDF2PARAM));

        cost = k ? integer(k->iter) : -1;
        PBKDF2PARAM_free(k);
    } else if (nid == NID_id_scrypt) {
        SCRYPT_PARAMS *s = ASN1_item_unpack(pval, ASN1_ITEM_rptr(SCRYPT_PARAMS));
        long n = s ? integer(s->costParameter) : -1, r = s ? integer(s->blockSize) : -1;
        long p = s ? integer(s->parallelizationParameter) : -1;

        cost = n < 0 || r < 0 || p < 0 || n > MAX_ITER || r > 64 || p > 64 ? -1 : n * r * p;
        SCRYPT_PARAMS_free(s);
    } else {
        PBEPARAM *pp = ASN1_item_unpack(pval, ASN1_ITEM_rptr(PBEPARAM));

        cost = pp ? integer(pp->iter) : -1;
        PBEPARAM_free(pp);
    }
    return cost;
}

static bool pbe_ok(struct p12_state *st, const X509_ALGOR *alg)
{
    long cost = pbe_cost(alg);

    if (cost < 0 || cost > MAX_ITER) {
        snprintf(st->reason, sizeof(st->reason),
                 "encryption parameters unreadable or over %ld iterations", MAX_ITER);
        return false;
    }
    return true;
}

static void ssl_reason(struct p12_state *st, const char *what)
{
    unsigned long e = ERR_peek_last_error();
    char buf[120] = "";

    if (e)
        ERR_error_string_n(e, buf, sizeof(buf));
    snprintf(st->reason, sizeof(st->reason), "%s%s%s", what, *buf ? ": " : "", buf);
}

/* ---- passwords ----------------------------------------------------------------------------- */

static bool mac_supported(PKCS12 *p12, long *iter, long *raw)
{
    const X509_ALGOR *alg = NULL;
    const ASN1_INTEGER *it = NULL;
    const ASN1_OBJECT *obj;
    EVP_MD *md;

    PKCS12_get0_mac(NULL, &alg, NULL, &it, p12);
    *iter = integer(it);
    *raw = it ? ASN1_INTEGER_get(it) : 1; /* absent: 1 (RFC 7292) */
    if (!alg)
        return false;
    X509_ALGOR_get0(&obj, NULL, NULL, alg);
    md = EVP_MD_fetch(NULL, OBJ_nid2sn(OBJ_obj2nid(obj)), NULL);
    EVP_MD_free(md);
    return md != NULL;
}

static void try_password(struct p12_state *st, PKCS12 *p12, const char *pass, const char *weak,
                         const char *hint)
{
    if (st->opened != 0 || !PKCS12_verify_mac(p12, pass, pass ? -1 : 0))
        return;
    st->opened = 1;
    st->password = pass;
    st->weak = weak;
    st->hint = hint;
}

/* Find the password by the MAC: st->opened 1 (found), 0 (none of ours), -1 (cannot tell). */
static void find_password(struct p12_state *st, PKCS12 *p12)
{
    long iter, raw, budget = GUESS_BUDGET;
    size_t i;

    if (!PKCS12_mac_present(p12)) {
        /* No integrity check to test passwords against: the contents decide whether "" opens. */
        st->opened = 1;
        st->password = "";
        st->weak = "empty";
        return;
    }
    if (!mac_supported(p12, &iter, &raw)) {
        st->opened = -1;
        snprintf(st->reason, sizeof(st->reason), "MAC algorithm unsupported");
        return;
    }
    if (iter < 0) {
        /* 0 or negative (ASN1_INTEGER_get gives -1 for a value it cannot represent too). */
        st->opened = -1;
        snprintf(st->reason, sizeof(st->reason),
                 "MAC iteration count %ld is invalid (at least 1 is required)", raw);
        return;
    }
    if (iter > GUESS_BUDGET / 2) {
        st->opened = -1;
        snprintf(st->reason, sizeof(st->reason), "MAC iteration count %ld is over %ld iterations",
                 iter, GUESS_BUDGET / 2);
        return;
    }
    try_password(st, p12, NULL, "empty", NULL);
    try_password(st, p12, "", "empty", NULL);
    budget -= 2 * iter;
    for (i = 0; i < sizeof(default_passwords) / sizeof(default_passwords[0]) && budget >= iter;
         i++, budget -= iter)
        try_password(st, p12, default_passwords[i], "default", default_passwords[i]);
    ERR_clear_error();
}

/* ---- contents ------------------------------------------------------------------------------ */

static int pass_len(const struct p12_state *st)
{
    return st->password ? (int)strlen(st->password) : 0;
}

static bool read_key_bag(struct p12_state *st, PKCS12_SAFEBAG *bag, bool shrouded)
{
    PKCS8_PRIV_KEY_INFO *p8 = NULL;
    const X509_ALGOR *alg = NULL;
    EVP_PKEY *k;

    if (shrouded) {
        X509_SIG_get0(PKCS12_SAFEBAG_get0_pkcs8(bag), &alg, NULL);
        if (!alg || !pbe_ok(st, alg))
            return false;
        p8 = PKCS12_decrypt_skey(bag, st->password, pass_len(st));
        if (!p8) {
            ssl_reason(st, "cannot decrypt the private key");
            return false;
        }
    }
    k = EVP_PKCS82PKEY(shrouded ? p8 : PKCS12_SAFEBAG_get0_p8inf(bag));
    PKCS8_PRIV_KEY_INFO_free(p8);
    st->nkeys++;
    if (k && !st->key)
        st->key = k;
    else
        EVP_PKEY_free(k);
    return true;
}

static bool read_bag(struct p12_state *st, PKCS12_SAFEBAG *bag)
{
    switch (PKCS12_SAFEBAG_get_nid(bag)) {
    case NID_certBag: {
        X509 *x = PKCS12_SAFEBAG_get_bag_nid(bag) == NID_x509Certificate
                      ? PKCS12_SAFEBAG_get1_cert(bag)
                      : NULL;

        if (x && !sk_X509_push(st->certs, x))
            X509_free(x);
        return true;
    }
    case NID_keyBag:
        return read_key_bag(st, bag, false);
    case NID_pkcs8ShroudedKeyBag:
        return read_key_bag(st, bag, true);
    default:
        return true;
    }
}

static STACK_OF(PKCS12_SAFEBAG) * safe_bags(struct p12_state *st, PKCS7 *p7)
{
    STACK_OF(PKCS12_SAFEBAG) *bags = NULL;
    int nid = OBJ_obj2nid(p7->type);

    if (nid == NID_pkcs7_data) {
        bags = PKCS12_unpack_p7data(p7);
    } else if (nid == NID_pkcs7_encrypted) {
        if (!p7->d.encrypted || !p7->d.encrypted->enc_data ||
            !pbe_ok(st, p7->d.encrypted->enc_data->algorithm))
            return NULL;
        bags = PKCS12_unpack_p7encdata(p7, st->password, pass_len(st));
    } else {
        snprintf(st->reason, sizeof(st->reason), "unsupported content type (public-key mode?)");
        return NULL;
    }
    if (!bags)
        ssl_reason(st, "cannot decrypt the contents");
    return bags;
}

/* Decrypt what the password opens; false (with st->reason) when it cannot be read. */
static bool read_contents(struct p12_state *st, PKCS12 *p12)
{
    STACK_OF(PKCS7) *safes = PKCS12_unpack_authsafes(p12);
    bool ok = safes != NULL;
    int i, j;

    if (!safes)
        ssl_reason(st, "malformed contents");
    for (i = 0; ok && i < sk_PKCS7_num(safes) && i < MAX_SAFES; i++) {
        STACK_OF(PKCS12_SAFEBAG) *bags = safe_bags(st, sk_PKCS7_value(safes, i));

        ok = bags != NULL;
        for (j = 0; ok && j < sk_PKCS12_SAFEBAG_num(bags) && j < MAX_BAGS; j++)
            ok = read_bag(st, sk_PKCS12_SAFEBAG_value(bags, j));
        sk_PKCS12_SAFEBAG_pop_free(bags, PKCS12_SAFEBAG_free);
    }
    sk_PKCS7_pop_free(safes, PKCS7_free);
    return ok;
}

/* ---- facts --------------------------------------------------------------------------------- */

static int jset(json_t *o, const char *k, json_t *v)
{
    if (!v || json_object_set_new(o, k, v) < 0)
        return fbs_error_set(FBS_ENOMEM, "out of memory");
    return 0;
}

static int p12_summary(struct fbs_finding *f, const struct p12_state *st, bool mac)
{
    json_t *o = json_object();
    int rc = jset(f->facts, "pkcs12", o);

    if (rc == 0)
        rc = jset(o, "opened", st->opened < 0 ? json_null() : json_boolean(st->opened));
    if (rc == 0 && st->weak)
        rc = jset(o, "password", json_string(st->weak));
    if (rc == 0 && st->hint)
        rc = jset(o, "password_hint", json_string(st->hint));
    if (rc == 0 && st->opened < 0)
        rc = jset(o, "reason", fbs_x509_jstr(st->reason, strlen(st->reason), sizeof(st->reason)));
    if (rc == 0 && st->opened > 0)
        rc = jset(o, "certificates", json_integer(sk_X509_num(st->certs)));
    if (rc == 0 && st->opened > 0)
        rc = jset(o, "keys", json_integer(st->nkeys));
    if (rc == 0)
        rc = jset(o, "mac", json_boolean(mac));
    if (rc == 0 && st->weak)
        rc = jset(f->facts, "weak_password", json_string(st->weak));
    if (rc == 0 && st->opened >= 0)
        rc = jset(f->facts, "encrypted", json_boolean(!st->opened));
    return rc;
}

/* The certificate of the key (else the first end-entity certificate, else the first). */
static int pick_cert(const struct p12_state *st)
{
    int i, n = sk_X509_num(st->certs), pick = -1;

    for (i = 0; st->key && i < n; i++)
        if (X509_check_private_key(sk_X509_value(st->certs, i), st->key) == 1)
            return i;
    for (i = 0; i < n && pick < 0; i++)
        if (!(X509_get_extension_flags(sk_X509_value(st->certs, i)) & EXFLAG_CA))
            pick = i;
    ERR_clear_error();
    return pick < 0 && n ? 0 : pick;
}

static int cert_facts(struct fbs_finding *f, const struct p12_state *st)
{
    int i, pick = pick_cert(st), rc = 0;

    for (i = 0; rc == 0 && i < sk_X509_num(st->certs); i++) {
        json_t *cert = NULL;

        rc = fbs_x509_summary(&cert, sk_X509_value(st->certs, i));
        if (rc == FBS_EPARSE) {
            rc = 0;
            continue;
        }
        if (rc == 0)
            rc = i == pick ? fbs_x509_apply_cert(f, cert) : fbs_x509_list_cert(f, cert);
        json_decref(cert);
    }
    return rc;
}

static int p12_facts(struct fbs_finding *f, PKCS12 *p12)
{
    struct p12_state st;
    int rc;

    memset(&st, 0, sizeof(st));
    st.certs = sk_X509_new_null();
    if (!st.certs)
        return fbs_error_set(FBS_ENOMEM, "out of memory");
    find_password(&st, p12);
    if (st.opened > 0 && !read_contents(&st, p12)) {
        if (!PKCS12_mac_present(p12)) { /* we only guessed "empty": the contents disagree */
            st.weak = NULL;
            st.opened = 0;
        } else {
            st.opened = -1;
        }
    }
    rc = jset(f->facts, "key_format", json_string("pkcs12"));
    if (rc == 0)
        rc = p12_summary(f, &st, PKCS12_mac_present(p12));
    if (rc == 0 && st.opened > 0 && st.key)
        rc = fbs_x509_key_facts(f->facts, st.key);
    if (rc == 0 && st.opened > 0)
        rc = cert_facts(f, &st);
    sk_X509_pop_free(st.certs, X509_free);
    EVP_PKEY_free(st.key);
    return rc;
}

/* ---- input --------------------------------------------------------------------------------- */

/* The DER bytes: the file itself for the binary rule, the decoded secret for base64. */
static int p12_der(const struct fbs_finding *f, const struct fbs_detect_ctx *ctx,
                   const unsigned char **der, size_t *len, unsigned char **owned)
{
    const struct fbs_blob *b = ctx->blob;

    *owned = NULL;
    if (f->secret_len && (unsigned char)f->secret[0] == 0x30) {
        if (!b || f->match_start >= b->len)
            return fbs_error_set(FBS_EPARSE, "PKCS#12 header without the file");
        *der = b->data + f->match_start;
        *len = b->len - f->match_start;
        return *len > MAX_P12 ? fbs_error_set(FBS_EPARSE, "PKCS#12 file over %zu bytes", MAX_P12)
                              : 0;
    }
    {
        int rc = fbs_base64_decode(owned, len, f->secret, f->secret_len, MAX_P12);

        *der = *owned;
        return rc;
    }
}

static int p12_run(struct fbs_finding *f, const struct fbs_detect_ctx *ctx)
{
    const unsigned char *der = NULL, *p;
    unsigned char *owned = NULL;
    OSSL_LIB_CTX *prev = NULL;
    PKCS12 *p12;
    size_t len = 0;
    int rc;

    if (!f->secret)
        return 0;
    rc = p12_der(f, ctx, &der, &len, &owned);
    if (rc < 0)
        return rc;
    pthread_once(&libctx_once, libctx_init);
    if (libctx)
        prev = OSSL_LIB_CTX_set0_default(libctx);
    p = der;
    p12 = d2i_PKCS12(NULL, &p, (long)len);
    rc = p12 ? p12_facts(f, p12) : fbs_error_set(FBS_EPARSE, "malformed PKCS#12 structure");
    PKCS12_free(p12);
    if (libctx)
        OSSL_LIB_CTX_set0_default(prev);
    ERR_clear_error();
    if (owned) {
        fbs_wipe(owned, len);
        fbs_free(owned);
    }
    return rc;
}

const struct fbs_detector fbs_detector_pkcs12 = {
    .name = "pkcs12",
    .stage = FBS_STAGE_PARSE,
    .kinds = p12_kinds,
    .run = p12_run,
};
