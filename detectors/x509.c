/*
 * x509.c - PEM blocks, keys and certificates to facts, shared by the credential parsers.
 *
 * PEM text comes from untrusted files, often quoted (JSON strings with \n escapes, string
 * literals joined with '+'). A block is read in two steps: the body between BEGIN and END is
 * cleaned into plain lines (quotes split it into pieces; pieces holding no base64 character are
 * the glue between literals and are dropped; escapes are resolved), then the lines are headers
 * (holding ':') or base64.
 */
#include "x509.h"
#include "../scanner/core/alloc.h"
#include "../scanner/core/buf.h"
#include "../scanner/core/error.h"
#include "../scanner/core/text.h"
#include "../scanner/core/time.h"

#include <ctype.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/pkcs12.h>
#include <openssl/x509v3.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "../scanner/core/banned.h"

#define MAX_NAMES     1024 /* bytes of f->names this module lets grow */
#define MAX_NAME_TEXT 512  /* bytes of one distinguished name or name field */
#define MAX_SANS      16

/* ---- small JSON helpers ------------------------------------------------------------------- */

/* Set o[k] = v (taking v); FBS_ENOMEM when v is NULL or the set fails. */
static int jset(json_t *o, const char *k, json_t *v)
{
    if (!v || json_object_set_new(o, k, v) < 0)
        return fbs_error_set(FBS_ENOMEM, "out of memory");
    return 0;
}

json_t *fbs_x509_jstr(const char *s, size_t n, size_t max)
{
    struct fbs_buf raw = FBS_BUF_INIT, out = FBS_BUF_INIT;
    json_t *j = NULL;
    size_t i;

    if (n > max)
        n = max;
    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];

        if (fbs_buf_putc(&raw, (c < 0x20 || c == 0x7f) ? '?' : (char)c) < 0)
            goto done;
    }
    if (fbs_utf8_sanitize(&out, raw.ptr, raw.len) == 0)
        j = json_stringn(out.ptr, out.len);
done:
    fbs_buf_release(&raw);
    fbs_buf_release(&out);
    return j;
}

/* ---- PEM blocks ---------------------------------------------------------------------------- */

void fbs_pem_block_release(struct fbs_pem_block *b)
{
    if (!b)
        return;
    if (b->der) {
        fbs_wipe(b->der, b->der_len);
        fbs_free(b->der);
    }
    b->der = NULL;
    b->der_len = 0;
}

/* Read "<label>-----" at text[p..]; the label length, or 0 when there is no valid label. */
static size_t label_at(const char *text, size_t len, size_t p)
{
    size_t j = p;

    while (j < len && j - p < 47 &&
           (isupper((unsigned char)text[j]) || isdigit((unsigned char)text[j]) || text[j] == ' '))
        j++;
    if (j == p || j + 5 > len || memcmp(text + j, "-----", 5))
        return 0;
    return j - p;
}

bool fbs_pem_label(char out[48], const char *text, size_t len)
{
    const char *b = memmem(text, len, "-----BEGIN ", 11);
    size_t p, n;

    out[0] = '\0';
    if (!b)
        return false;
    p = (size_t)(b - text) + 11;
    n = label_at(text, len, p);
    if (!n)
        return false;
    memcpy(out, text + p, n);
    out[n] = '\0';
    return true;
}

static bool glue_piece(const char *s, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        if (isalnum((unsigned char)s[i]) || s[i] == '/' || s[i] == '=')
            return false;
    return true;
}

/* Append one quote-delimited piece of a body to `out`, resolving escapes; a newline after. */
static int clean_piece(struct fbs_buf *out, const char *s, size_t n)
{
    size_t i;
    int rc = 0;

    if (glue_piece(s, n))
        return fbs_buf_putc(out, '\n');
    for (i = 0; i < n && rc == 0; i++) {
        char c = s[i];

        if (c == '\\' && i + 1 < n) {
            c = s[++i];
            if (c == 'n' || c == 'r')
                c = '\n';
            else if (c == 't')
                c = ' ';
        }
        rc = fbs_buf_putc(out, c == '\r' ? '\n' : c);
    }
    return rc < 0 ? rc : fbs_buf_putc(out, '\n');
}

static void trim(const char **s, size_t *n)
{
    while (*n && isspace((unsigned char)**s)) {
        (*s)++;
        (*n)--;
    }
    while (*n && isspace((unsigned char)(*s)[*n - 1]))
        (*n)--;
}

static void pem_header(struct fbs_pem_block *b, const char *s, size_t n)
{
    if (n > 10 && !strncmp(s, "Proc-Type:", 10) && memmem(s, n, "ENCRYPTED", 9)) {
        b->proc_encrypted = true;
    } else if (n > 9 && !strncmp(s, "DEK-Info:", 9)) {
        size_t i = 9, k = 0;

        while (i < n && s[i] == ' ')
            i++;
        while (i < n && k + 1 < sizeof(b->dek_cipher) &&
               (isalnum((unsigned char)s[i]) || s[i] == '-'))
            b->dek_cipher[k++] = s[i++];
        b->dek_cipher[k] = '\0';
    }
}

/* Split cleaned text into header lines and base64; decode the base64 into b->der. */
static int pem_lines(struct fbs_pem_block *b, const struct fbs_buf *clean)
{
    struct fbs_buf b64 = FBS_BUF_INIT;
    const char *p = clean->ptr, *end = clean->ptr + clean->len;
    int rc = 0;

    while (p < end && rc == 0) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *s = p;
        size_t n = (size_t)((nl ? nl : end) - p), i;

        p = nl ? nl + 1 : end;
        trim(&s, &n);
        if (memchr(s, ':', n)) {
            pem_header(b, s, n);
            continue;
        }
        for (i = 0; i < n && rc == 0; i++)
            if (!isalnum((unsigned char)s[i]) && !strchr("+/=", s[i]) &&
                !isspace((unsigned char)s[i]))
                rc = fbs_error_set(FBS_EPARSE, "invalid character in the %s block", b->label);
        if (rc == 0)
            rc = fbs_buf_put(&b64, s, n);
    }
    if (rc == 0 && b64.len == 0)
        rc = fbs_error_set(FBS_EPARSE, "empty %s block", b->label);
    if (rc == 0)
        rc = fbs_base64_decode(&b->der, &b->der_len, b64.ptr, b64.len, FBS_PEM_MAX_BODY);
    if (rc == 0 && b->der_len == 0)
        rc = fbs_error_set(FBS_EPARSE, "empty %s block", b->label);
    fbs_buf_release_wipe(&b64);
    return rc;
}

static int pem_body(struct fbs_pem_block *b, const char *s, size_t n)
{
    struct fbs_buf clean = FBS_BUF_INIT;
    size_t i, start = 0;
    int rc = 0;

    for (i = 0; i <= n && rc == 0; i++) {
        if (i < n && s[i] != '"' && s[i] != '\'')
            continue;
        rc = clean_piece(&clean, s + start, i - start);
        start = i + 1;
    }
    if (rc == 0)
        rc = pem_lines(b, &clean);
    fbs_buf_release_wipe(&clean);
    return rc;
}

int fbs_pem_next(struct fbs_pem_block *out, const char *text, size_t len, size_t *pos,
                 const char *want)
{
    memset(out, 0, sizeof(*out));
    while (*pos < len) {
        const char *b = memmem(text + *pos, len - *pos, "-----BEGIN ", 11);
        const char *e;
        size_t p, ll, body;

        if (!b)
            return 0;
        p = (size_t)(b - text) + 11;
        ll = label_at(text, len, p);
        *pos = p;
        if (!ll && want)
            continue;
        if (!ll)
            return fbs_error_set(FBS_EPARSE, "malformed PEM BEGIN line");
        memcpy(out->label, text + p, ll);
        out->label[ll] = '\0';
        if (want && strcmp(out->label, want))
            continue;
        body = p + ll + 5;
        e = memmem(text + body, len - body, "-----END ", 9);
        if (!e)
            return fbs_error_set(FBS_EPARSE, "%s block without an END line", out->label);
        out->begin = (size_t)(b - text);
        out->end = (size_t)(e - text) + 9;
        if (out->end + ll + 5 > len || memcmp(e + 9, out->label, ll) ||
            memcmp(e + 9 + ll, "-----", 5))
            return fbs_error_set(FBS_EPARSE, "%s block ends with another END line", out->label);
        out->end += ll + 5;
        *pos = out->end;
        if ((size_t)(e - text) - body > FBS_PEM_MAX_BODY)
            return fbs_error_set(FBS_EPARSE, "%s block over %zu bytes", out->label,
                                 FBS_PEM_MAX_BODY);
        {
            int rc = pem_body(out, text + body, (size_t)(e - text) - body);

            if (rc < 0)
                fbs_pem_block_release(out);
            return rc < 0 ? rc : 1;
        }
    }
    return 0;
}

/* ---- keys ---------------------------------------------------------------------------------- */

int fbs_x509_pubkey_sha256(char out[65], EVP_PKEY *pk)
{
    static const char hex[] = "0123456789abcdef";
    unsigned char *der = NULL, md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0, i;
    int n = i2d_PUBKEY(pk, &der);

    out[0] = '\0';
    if (n <= 0 || !EVP_Digest(der, (size_t)n, md, &mdlen, EVP_sha256(), NULL) || mdlen != 32) {
        OPENSSL_free(der);
        ERR_clear_error();
        return fbs_error_set(FBS_EPARSE, "cannot encode the public key");
    }
    OPENSSL_free(der);
    for (i = 0; i < 32; i++) {
        out[2 * i] = hex[md[i] >> 4];
        out[2 * i + 1] = hex[md[i] & 15];
    }
    out[64] = '\0';
    return 0;
}

static const char *key_type_name(EVP_PKEY *pk)
{
    switch (EVP_PKEY_get_base_id(pk)) {
    case EVP_PKEY_RSA:
        return "rsa";
    case EVP_PKEY_RSA_PSS:
        return "rsa-pss";
    case EVP_PKEY_EC:
        return "ec";
    case EVP_PKEY_DSA:
        return "dsa";
    case EVP_PKEY_ED25519:
        return "ed25519";
    case EVP_PKEY_ED448:
        return "ed448";
    case EVP_PKEY_X25519:
        return "x25519";
    case EVP_PKEY_X448:
        return "x448";
    case EVP_PKEY_DH:
    case EVP_PKEY_DHX:
        return "dh";
    default:
        return "unknown";
    }
}

/* The curve of an EC key: its NIST name ("P-256") when it has one, else OpenSSL's. */
static json_t *key_curve(EVP_PKEY *pk)
{
    char group[80];
    size_t n = 0;
    const char *nist;

    if (!EVP_PKEY_get_utf8_string_param(pk, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof(group), &n)) {
        ERR_clear_error();
        return NULL;
    }
    nist = EC_curve_nid2nist(OBJ_sn2nid(group));
    return nist ? json_string(nist) : fbs_x509_jstr(group, n, sizeof(group));
}

int fbs_x509_key_facts(json_t *facts, EVP_PKEY *pk)
{
    char hash[65];
    int bits = EVP_PKEY_get_bits(pk), rc;

    rc = jset(facts, "key_type", json_string(key_type_name(pk)));
    if (rc == 0 && bits > 0)
        rc = jset(facts, "key_bits", json_integer(bits));
    if (rc == 0 && EVP_PKEY_get_base_id(pk) == EVP_PKEY_EC) {
        json_t *curve = key_curve(pk);

        if (curve)
            rc = jset(facts, "key_curve", curve);
    }
    if (rc == 0 && fbs_x509_pubkey_sha256(hash, pk) == 0)
        rc = jset(facts, "public_key_sha256", json_string(hash));
    return rc;
}

struct key_label {
    const char *label, *format, *type;
    int evp; /* EVP_PKEY_NONE: PKCS#8 */
};

static const struct key_label key_labels[] = {
    {"RSA PRIVATE KEY", "pkcs1", "rsa", EVP_PKEY_RSA},
    {"EC PRIVATE KEY", "sec1", "ec", EVP_PKEY_EC},
    {"DSA PRIVATE KEY", "dsa", "dsa", EVP_PKEY_DSA},
    {"PRIVATE KEY", "pkcs8", NULL, EVP_PKEY_NONE},
    {"ENCRYPTED PRIVATE KEY", "pkcs8_encrypted", NULL, EVP_PKEY_NONE},
};

/* The cipher of an EncryptedPrivateKeyInfo ("AES-256-CBC" for PBES2), or NULL if malformed. */
static const char *pkcs8_cipher(const unsigned char *der, size_t len)
{
    const unsigned char *p = der;
    X509_SIG *sig = d2i_X509_SIG(NULL, &p, (long)len);
    const X509_ALGOR *alg = NULL;
    const ASN1_OBJECT *obj = NULL;
    const void *pval = NULL;
    const char *name = NULL;
    int ptype = 0, nid;

    if (!sig)
        return NULL;
    X509_SIG_get0(sig, &alg, NULL);
    X509_ALGOR_get0(&obj, &ptype, &pval, alg);
    nid = OBJ_obj2nid(obj);
    name = nid == NID_undef ? "unknown" : OBJ_nid2sn(nid);
    if (nid == NID_pbes2 && ptype == V_ASN1_SEQUENCE) {
        PBE2PARAM *pbe2 = ASN1_item_unpack(pval, ASN1_ITEM_rptr(PBE2PARAM));

        if (pbe2) {
            int cnid = OBJ_obj2nid(pbe2->encryption->algorithm);

            name = cnid == NID_undef ? "unknown" : OBJ_nid2sn(cnid);
            PBE2PARAM_free(pbe2);
        }
    }
    X509_SIG_free(sig);
    return name;
}

static EVP_PKEY *decode_key(const struct key_label *kl, const unsigned char *der, size_t len)
{
    const unsigned char *p = der;
    PKCS8_PRIV_KEY_INFO *p8;
    EVP_PKEY *pk;

    if (kl->evp != EVP_PKEY_NONE)
        return d2i_PrivateKey(kl->evp, NULL, &p, (long)len);
    p8 = d2i_PKCS8_PRIV_KEY_INFO(NULL, &p, (long)len);
    if (!p8)
        return NULL;
    pk = EVP_PKCS82PKEY(p8);
    PKCS8_PRIV_KEY_INFO_free(p8);
    return pk;
}

static int key_block_facts(json_t *facts, const struct fbs_pem_block *b)
{
    const struct key_label *kl = NULL;
    EVP_PKEY *pk;
    size_t i;
    int rc;

    for (i = 0; i < sizeof(key_labels) / sizeof(key_labels[0]); i++)
        if (!strcmp(b->label, key_labels[i].label))
            kl = &key_labels[i];
    if (!kl)
        return fbs_error_set(FBS_EPARSE, "'%s' is not a private key block", b->label);
    rc = jset(facts, "key_format", json_string(kl->format));
    if (rc == 0 && kl->type)
        rc = jset(facts, "key_type", json_string(kl->type));
    if (rc == 0 && b->proc_encrypted) {
        rc = jset(facts, "encrypted", json_true());
        if (rc == 0 && b->dek_cipher[0])
            rc = jset(facts, "encryption", json_string(b->dek_cipher));
        return rc;
    }
    if (rc == 0 && !strcmp(kl->format, "pkcs8_encrypted")) {
        const char *cipher = pkcs8_cipher(b->der, b->der_len);

        if (!cipher)
            return fbs_error_set(FBS_EPARSE, "malformed ENCRYPTED PRIVATE KEY block");
        rc = jset(facts, "encrypted", json_true());
        return rc ? rc : jset(facts, "encryption", json_string(cipher));
    }
    if (rc < 0)
        return rc;
    pk = decode_key(kl, b->der, b->der_len);
    if (!pk)
        return fbs_error_set(FBS_EPARSE, "malformed %s block", b->label);
    rc = jset(facts, "encrypted", json_false());
    if (rc == 0)
        rc = fbs_x509_key_facts(facts, pk);
    EVP_PKEY_free(pk);
    return rc;
}

int fbs_x509_pem_key_facts(struct fbs_finding *f, const char *text, size_t len)
{
    struct fbs_pem_block b;
    size_t pos = 0;
    int rc = fbs_pem_next(&b, text, len, &pos, NULL);

    if (rc == 0)
        rc = fbs_error_set(FBS_EPARSE, "no PEM block");
    if (rc == 1)
        rc = key_block_facts(f->facts, &b);
    fbs_pem_block_release(&b);
    ERR_clear_error();
    return rc;
}

/* ---- certificates -------------------------------------------------------------------------- */

int fbs_x509_from_der(X509 **out, const unsigned char *der, size_t len)
{
    const unsigned char *p = der;

    *out = len <= FBS_PEM_MAX_BODY ? d2i_X509(NULL, &p, (long)len) : NULL;
    ERR_clear_error();
    return *out ? 0 : fbs_error_set(FBS_EPARSE, "malformed certificate");
}

static int asn1_time(fbs_time_t *out, const ASN1_TIME *t)
{
    struct tm tm;
    int64_t y;

    memset(&tm, 0, sizeof(tm));
    if (!t || !ASN1_TIME_to_tm(t, &tm))
        return FBS_EPARSE;
    y = (int64_t)tm.tm_year + 1900;
    if (y < 0 || y > 9999)
        return FBS_EPARSE;
    *out = fbs_days_from_civil(y, (unsigned)tm.tm_mon + 1, (unsigned)tm.tm_mday) * FBS_DAY +
           tm.tm_hour * 3600 + tm.tm_min * 60 + tm.tm_sec;
    return 0;
}

static int set_time(json_t *o, const char *k, const ASN1_TIME *t)
{
    char iso[FBS_TIME_ISO_LEN];
    fbs_time_t v;

    if (asn1_time(&v, t) < 0)
        return fbs_error_set(FBS_EPARSE, "certificate has a malformed %s", k);
    fbs_time_format(iso, v);
    return jset(o, k, json_string(iso));
}

/* All values of attribute `nid` in `name`, joined with ", " (NULL when there is none). */
static json_t *name_values(const X509_NAME *name, int nid)
{
    struct fbs_buf b = FBS_BUF_INIT;
    json_t *j = NULL;
    int i = -1, rc = 0;

    while (rc == 0 && (i = X509_NAME_get_index_by_NID(name, nid, i)) >= 0) {
        unsigned char *utf = NULL;
        int n = ASN1_STRING_to_UTF8(&utf, X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, i)));

        if (n >= 0 && b.len < MAX_NAME_TEXT)
            rc = fbs_buf_printf(&b, "%s%.*s", b.len ? ", " : "", n, (const char *)utf);
        OPENSSL_free(utf);
    }
    ERR_clear_error();
    if (rc == 0 && b.len)
        j = fbs_x509_jstr(b.ptr, b.len, MAX_NAME_TEXT);
    fbs_buf_release(&b);
    return j;
}

static int name_fields(json_t *o, const char *which, const X509_NAME *name)
{
    char key[32];
    BIO *bio = BIO_new(BIO_s_mem());
    char *p = NULL;
    long n;
    json_t *v;
    int rc;

    if (!bio || X509_NAME_print_ex(bio, name, 0, XN_FLAG_RFC2253) < 0) {
        BIO_free(bio);
        return fbs_error_set(FBS_ENOMEM, "out of memory");
    }
    n = BIO_get_mem_data(bio, &p);
    rc = jset(o, which, fbs_x509_jstr(p ? p : "", n > 0 ? (size_t)n : 0, MAX_NAME_TEXT));
    BIO_free(bio);
    v = rc ? NULL : name_values(name, NID_commonName);
    snprintf(key, sizeof(key), "%s_cn", which);
    if (v)
        rc = jset(o, key, v);
    v = rc ? NULL : name_values(name, NID_organizationName);
    snprintf(key, sizeof(key), "%s_o", which);
    if (v)
        rc = jset(o, key, v);
    return rc;
}

static int bit_names(json_t *o, const char *k, uint32_t bits, const uint32_t *flags,
                     const char *const *names, size_t n)
{
    json_t *a = json_array();
    size_t i;

    if (!a)
        return fbs_error_set(FBS_ENOMEM, "out of memory");
    for (i = 0; i < n; i++)
        if ((bits & flags[i]) && json_array_append_new(a, json_string(names[i])) < 0) {
            json_decref(a);
            return fbs_error_set(FBS_ENOMEM, "out of memory");
        }
    return jset(o, k, a);
}

static int usages(json_t *o, X509 *x)
{
    static const uint32_t ku[] = {KU_DIGITAL_SIGNATURE, KU_NON_REPUDIATION, KU_KEY_ENCIPHERMENT,
                                  KU_DATA_ENCIPHERMENT, KU_KEY_AGREEMENT,   KU_KEY_CERT_SIGN,
                                  KU_CRL_SIGN,          KU_ENCIPHER_ONLY,   KU_DECIPHER_ONLY};
    static const char *const ku_names[] = {"digitalSignature", "nonRepudiation", "keyEncipherment",
                                           "dataEncipherment", "keyAgreement",   "keyCertSign",
                                           "cRLSign",          "encipherOnly",   "decipherOnly"};
    static const uint32_t xku[] = {XKU_SSL_SERVER, XKU_SSL_CLIENT, XKU_SMIME, XKU_CODE_SIGN,
                                   XKU_OCSP_SIGN,  XKU_TIMESTAMP,  XKU_ANYEKU};
    static const char *const xku_names[] = {"serverAuth",         "clientAuth",  "emailProtection",
                                            "codeSigning",        "OCSPSigning", "timeStamping",
                                            "anyExtendedKeyUsage"};
    uint32_t flags = X509_get_extension_flags(x);
    int rc = 0;

    if (flags & EXFLAG_KUSAGE)
        rc = bit_names(o, "key_usage", X509_get_key_usage(x), ku, ku_names, 9);
    if (rc == 0 && (flags & EXFLAG_XKUSAGE))
        rc = bit_names(o, "extended_key_usage", X509_get_extended_key_usage(x), xku, xku_names, 7);
    return rc;
}

static json_t *san_value(const GENERAL_NAME *g)
{
    const ASN1_STRING *s = NULL;
    char ip[64];

    if (g->type == GEN_DNS || g->type == GEN_EMAIL || g->type == GEN_URI)
        s = g->d.ia5;
    if (s)
        return fbs_x509_jstr((const char *)ASN1_STRING_get0_data(s), (size_t)ASN1_STRING_length(s),
                             256);
    if (g->type == GEN_IPADD && g->d.ip->length == 4) {
        const unsigned char *a = g->d.ip->data;

        snprintf(ip, sizeof(ip), "%u.%u.%u.%u", a[0], a[1], a[2], a[3]);
        return json_string(ip);
    }
    return NULL;
}

static int sans(json_t *o, X509 *x)
{
    GENERAL_NAMES *gens = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
    json_t *a;
    int i, rc = 0;

    ERR_clear_error();
    if (!gens)
        return 0;
    a = json_array();
    for (i = 0; a && rc == 0 && i < sk_GENERAL_NAME_num(gens) && i < MAX_SANS; i++) {
        json_t *v = san_value(sk_GENERAL_NAME_value(gens, i));

        if (v && json_array_append_new(a, v) < 0)
            rc = FBS_ENOMEM;
    }
    GENERAL_NAMES_free(gens);
    if (!a || rc)
        json_decref(a);
    return !a || rc ? fbs_error_set(FBS_ENOMEM, "out of memory") : jset(o, "subject_alt_names", a);
}

static int serial(json_t *o, X509 *x)
{
    BIGNUM *bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(x), NULL);
    char *hex = bn ? BN_bn2hex(bn) : NULL;
    size_t i;
    int rc = 0;

    if (hex) {
        for (i = 0; hex[i]; i++)
            hex[i] = (char)tolower((unsigned char)hex[i]);
        rc = jset(o, "serial", fbs_x509_jstr(hex, strlen(hex), 128));
    }
    OPENSSL_free(hex);
    BN_free(bn);
    ERR_clear_error();
    return rc;
}

static int summary_fill(json_t *o, X509 *x)
{
    uint32_t flags = X509_get_extension_flags(x);
    EVP_PKEY *pk = X509_get0_pubkey(x);
    int rc;

    rc = name_fields(o, "subject", X509_get_subject_name(x));
    if (rc == 0)
        rc = name_fields(o, "issuer", X509_get_issuer_name(x));
    if (rc == 0)
        rc = serial(o, x);
    if (rc == 0)
        rc = set_time(o, "not_before", X509_get0_notBefore(x));
    if (rc == 0)
        rc = set_time(o, "not_after", X509_get0_notAfter(x));
    if (rc == 0)
        rc = jset(o, "ca", json_boolean(flags & EXFLAG_CA));
    if (rc == 0)
        rc = usages(o, x);
    if (rc == 0)
        rc = sans(o, x);
    if (rc == 0)
        rc = jset(o, "self_signed", json_boolean(X509_self_signed(x, 0) == 1));
    if (rc == 0 && pk)
        rc = fbs_x509_key_facts(o, pk);
    return rc;
}

int fbs_x509_summary(json_t **out, X509 *x)
{
    json_t *o = json_object();
    int rc;

    *out = NULL;
    if (!o)
        return fbs_error_set(FBS_ENOMEM, "out of memory");
    rc = summary_fill(o, x);
    ERR_clear_error();
    if (rc < 0) {
        json_decref(o);
        return rc;
    }
    *out = o;
    return 0;
}

/* ---- onto the finding ---------------------------------------------------------------------- */

int fbs_x509_raise_privilege(struct fbs_finding *f, const char *evidence)
{
    json_t *a = json_object_get(f->facts, "privilege_evidence");
    size_t i;
    json_t *v;

    f->privilege = FBS_PRIV_HIGH;
    if (!json_is_array(a)) {
        a = json_array();
        if (jset(f->facts, "privilege_evidence", a) < 0)
            return FBS_ENOMEM;
    }
    json_array_foreach(a, i, v)
    {
        if (json_is_string(v) && !strcmp(json_string_value(v), evidence))
            return 0;
    }
    if (json_array_append_new(a, json_string(evidence)) < 0)
        return fbs_error_set(FBS_ENOMEM, "out of memory");
    return 0;
}

int fbs_x509_append_names(struct fbs_finding *f, const char *s, size_t n)
{
    json_t *clean = fbs_x509_jstr(s, n, 256);
    const char *c;
    size_t have = f->names ? strlen(f->names) : 0, cn;
    char *names;

    if (!clean)
        return fbs_error_set(FBS_ENOMEM, "out of memory");
    c = json_string_value(clean);
    cn = json_string_length(clean);
    if (!cn || have + cn + 1 > MAX_NAMES || (f->names && strstr(f->names, c))) {
        json_decref(clean);
        return 0;
    }
    names = fbs_malloc(have + cn + 2);
    if (names) {
        memcpy(names, f->names ? f->names : "", have);
        if (have)
            names[have++] = ' ';
        memcpy(names + have, c, cn + 1);
        fbs_free(f->names);
        f->names = names;
    }
    json_decref(clean);
    return names ? 0 : fbs_error_set(FBS_ENOMEM, "out of memory");
}

/* Whether a ", "-joined list of O values holds `want` as a whole value. */
static bool has_value(const char *list, const char *want)
{
    size_t n = strlen(want);
    const char *p = list;

    while (p && *p) {
        while (*p == ' ' || *p == ',')
            p++;
        if (!strncmp(p, want, n) && (p[n] == '\0' || p[n] == ','))
            return true;
        p = strchr(p, ',');
    }
    return false;
}

static bool usage_has(const json_t *cert, const char *usage)
{
    json_t *v;
    size_t i;

    json_array_foreach(json_object_get(cert, "key_usage"), i, v)
    {
        if (json_is_string(v) && !strcmp(json_string_value(v), usage))
            return true;
    }
    return false;
}

static int cert_dates(struct fbs_finding *f, const json_t *cert)
{
    const char *nb = json_string_value(json_object_get(cert, "not_before"));
    const char *na = json_string_value(json_object_get(cert, "not_after"));
    fbs_time_t t;
    int rc = 0;

    if (!f->has_issued && nb && fbs_time_parse(&t, nb) == 0) {
        f->issued = t;
        f->has_issued = true;
        rc = jset(f->facts, "issued_from", json_string("certificate"));
    }
    if (rc == 0 && !f->has_expires && na && fbs_time_parse(&t, na) == 0) {
        f->expires = t;
        f->has_expires = true;
        rc = jset(f->facts, "expires_from", json_string("certificate"));
    }
    return rc;
}

static int cert_privilege(struct fbs_finding *f, const json_t *cert)
{
    const char *o = json_string_value(json_object_get(cert, "subject_o"));
    int rc = 0;

    if (o && has_value(o, "system:masters")) {
        json_t *k = json_object_get(f->facts, "kubernetes");

        /* The API server grants this group everything before RBAC is consulted. */
        rc = fbs_x509_raise_privilege(f, "Kubernetes cluster-admin (O=system:masters)");
        if (rc == 0 && !json_is_object(k)) {
            k = json_object();
            rc = jset(f->facts, "kubernetes", k);
        }
        if (rc == 0)
            rc = jset(k, "system_masters", json_true());
    }
    if (rc == 0 && json_is_true(json_object_get(cert, "ca")) && usage_has(cert, "keyCertSign"))
        rc = fbs_x509_raise_privilege(f, "certificate authority key (CA:TRUE, keyCertSign)");
    return rc;
}

static int cert_names(struct fbs_finding *f, const json_t *cert)
{
    static const char *const keys[] = {"subject_cn", "subject_o"};
    size_t i;
    int rc = 0;

    for (i = 0; i < 2 && rc == 0; i++) {
        json_t *v = json_object_get(cert, keys[i]);

        if (json_is_string(v))
            rc = fbs_x509_append_names(f, json_string_value(v), json_string_length(v));
    }
    return rc;
}

int fbs_x509_apply_cert(struct fbs_finding *f, const json_t *cert)
{
    int rc = jset(f->facts, "certificate", json_deep_copy(cert));

    if (rc == 0)
        rc = cert_dates(f, cert);
    if (rc == 0)
        rc = cert_privilege(f, cert);
    if (rc == 0)
        rc = cert_names(f, cert);
    return rc;
}

int fbs_x509_set_paired(struct fbs_finding *f, const char *path, unsigned line, const json_t *cert,
                        const char *matched_by)
{
    json_t *o = json_object(), *subject = json_object_get(cert, "subject");
    int rc;

    if (!o)
        return fbs_error_set(FBS_ENOMEM, "out of memory");
    rc = jset(o, "path", path ? json_string(path) : json_null());
    if (rc == 0)
        rc = jset(o, "line", line ? json_integer(line) : json_null());
    if (rc == 0)
        rc = jset(o, "subject", subject ? json_deep_copy(subject) : json_null());
    if (rc == 0)
        rc = jset(o, "matched_by", json_string(matched_by));
    if (rc < 0) {
        json_decref(o);
        return rc;
    }
    return jset(f->facts, "paired_certificate", o);
}

int fbs_x509_list_cert(struct fbs_finding *f, const json_t *cert)
{
    json_t *a = json_object_get(f->facts, "certificates");

    if (!json_is_array(a)) {
        a = json_array();
        if (jset(f->facts, "certificates", a) < 0)
            return FBS_ENOMEM;
    }
    if (json_array_size(a) >= FBS_X509_MAX_LISTED)
        return 0;
    if (json_array_append_new(a, json_deep_copy(cert)) < 0)
        return fbs_error_set(FBS_ENOMEM, "out of memory");
    return 0;
}
