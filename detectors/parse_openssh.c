/*
 * parse_openssh.c - SSH private keys: OpenSSH's openssh-key-v1 format and PuTTY .ppk files.
 *
 * openssh-key-v1 (PROTOCOL.key in OpenSSH) after base64: the magic "openssh-key-v1\0", cipher
 * name, KDF name, KDF options, the number of keys, each public key in the clear, then the private
 * section (encrypted unless the cipher is "none"). The public key gives the type, size and the
 * SHA256 fingerprint ssh-keygen prints; an unencrypted private section gives the key comment
 * ("breakglass@bastion"), which goes to facts.comment and f->names so that fallback vocabulary
 * in it counts. PuTTY keys carry the same public key and their comment in the clear.
 *
 * Nothing is decrypted. Every length read from the key is checked against what is left.
 */
#include "detector.h"
#include "x509.h"
#include "../scanner/core/alloc.h"
#include "../scanner/core/buf.h"
#include "../scanner/core/error.h"

#include <openssl/err.h>
#include <stdint.h>
#include <string.h>

#include "../scanner/core/banned.h"

#define MAX_KEYS       16
#define MAX_PUTTY_SIZE 65536

static const char *const ssh_kinds[] = {"private_key", "private_key_encrypted", NULL};

/* ---- SSH wire format ----------------------------------------------------------------------- */

struct rd {
    const unsigned char *p;
    size_t n;
};

static bool rd_u32(struct rd *r, uint32_t *v)
{
    if (r->n < 4)
        return false;
    *v = (uint32_t)r->p[0] << 24 | (uint32_t)r->p[1] << 16 | (uint32_t)r->p[2] << 8 | r->p[3];
    r->p += 4;
    r->n -= 4;
    return true;
}

static bool rd_str(struct rd *r, const unsigned char **s, size_t *n)
{
    uint32_t len;

    if (!rd_u32(r, &len) || len > r->n)
        return false;
    *s = r->p;
    *n = len;
    r->p += len;
    r->n -= len;
    return true;
}

static bool rd_skip(struct rd *r, unsigned nstrings)
{
    const unsigned char *s;
    size_t n;

    while (nstrings--)
        if (!rd_str(r, &s, &n))
            return false;
    return true;
}

static bool str_is(const unsigned char *s, size_t n, const char *want)
{
    return n == strlen(want) && !memcmp(s, want, n);
}

/* Bits of an SSH mpint (big-endian, maybe a leading zero byte). */
static unsigned mpint_bits(const unsigned char *s, size_t n)
{
    unsigned bits;

    while (n && !*s) {
        s++;
        n--;
    }
    if (!n || n > 8192)
        return 0;
    for (bits = 8; bits && !(*s & (1u << (bits - 1))); bits--)
        ;
    return (unsigned)(n - 1) * 8 + bits;
}

/* ---- public keys --------------------------------------------------------------------------- */

struct ssh_type {
    const char *name, *type, *curve;
    unsigned bits;                /* fixed size, or 0: read mpint number `mpint` */
    unsigned mpint;               /* 1-based index of the mpint that gives the size */
    bool sk;                      /* a FIDO security key */
    unsigned priv_pre, priv_post; /* private fields: strings before/after a flags byte */
    bool priv_flags;
};

static const struct ssh_type ssh_types[] = {
    {"ssh-rsa", "rsa", NULL, 0, 2, false, 6, 0, false},
    {"ssh-dss", "dsa", NULL, 0, 1, false, 5, 0, false},
    {"ecdsa-sha2-nistp256", "ec", "P-256", 256, 0, false, 3, 0, false},
    {"ecdsa-sha2-nistp384", "ec", "P-384", 384, 0, false, 3, 0, false},
    {"ecdsa-sha2-nistp521", "ec", "P-521", 521, 0, false, 3, 0, false},
    {"ssh-ed25519", "ed25519", NULL, 256, 0, false, 2, 0, false},
    {"ssh-ed448", "ed448", NULL, 456, 0, false, 2, 0, false},
    {"sk-ecdsa-sha2-nistp256@openssh.com", "ec", "P-256", 256, 0, true, 3, 2, true},
    {"sk-ssh-ed25519@openssh.com", "ed25519", NULL, 256, 0, true, 2, 2, true},
    /* Certificates: the certificate blob, then the private parts. */
    {"ssh-rsa-cert-v01@openssh.com", "rsa", NULL, 0, 0, false, 5, 0, false},
    {"ssh-dss-cert-v01@openssh.com", "dsa", NULL, 0, 0, false, 2, 0, false},
    {"ecdsa-sha2-nistp256-cert-v01@openssh.com", "ec", "P-256", 256, 0, false, 2, 0, false},
    {"ecdsa-sha2-nistp384-cert-v01@openssh.com", "ec", "P-384", 384, 0, false, 2, 0, false},
    {"ecdsa-sha2-nistp521-cert-v01@openssh.com", "ec", "P-521", 521, 0, false, 2, 0, false},
    {"ssh-ed25519-cert-v01@openssh.com", "ed25519", NULL, 256, 0, false, 3, 0, false},
};

static const struct ssh_type *ssh_type(const unsigned char *s, size_t n)
{
    size_t i;

    for (i = 0; i < sizeof(ssh_types) / sizeof(ssh_types[0]); i++)
        if (str_is(s, n, ssh_types[i].name))
            return &ssh_types[i];
    return NULL;
}

static int jset(json_t *o, const char *k, json_t *v)
{
    if (!v || json_object_set_new(o, k, v) < 0)
        return fbs_error_set(FBS_ENOMEM, "out of memory");
    return 0;
}

/* "SHA256:<base64 without padding>" of the public key blob, as ssh-keygen -l prints it. */
static int fingerprint(json_t *facts, const unsigned char *blob, size_t n)
{
    unsigned char md[32], b64[48];
    char out[64];
    unsigned int mdlen = 0;
    int len;

    if (!EVP_Digest(blob, n, md, &mdlen, EVP_sha256(), NULL) || mdlen != 32) {
        ERR_clear_error();
        return 0;
    }
    len = EVP_EncodeBlock(b64, md, 32);
    while (len > 0 && b64[len - 1] == '=')
        len--;
    snprintf(out, sizeof(out), "SHA256:%.*s", len, (const char *)b64);
    return jset(facts, "ssh_fingerprint", json_string(out));
}

static unsigned pub_bits(const struct ssh_type *t, struct rd *r)
{
    const unsigned char *s = NULL;
    size_t n = 0;
    unsigned i;

    if (t->bits || !t->mpint)
        return t->bits;
    for (i = 0; i < t->mpint; i++)
        if (!rd_str(r, &s, &n))
            return 0;
    return mpint_bits(s, n);
}

static int pub_facts(json_t *facts, const unsigned char *blob, size_t n)
{
    struct rd r = {blob, n};
    const unsigned char *name;
    size_t nn;
    const struct ssh_type *t;
    unsigned bits;
    int rc;

    if (!rd_str(&r, &name, &nn))
        return fbs_error_set(FBS_EPARSE, "truncated SSH public key");
    t = ssh_type(name, nn);
    rc = jset(facts, "key_type",
              t ? json_string(t->type) : fbs_x509_jstr((const char *)name, nn, 64));
    bits = t ? pub_bits(t, &r) : 0;
    if (rc == 0 && bits)
        rc = jset(facts, "key_bits", json_integer(bits));
    if (rc == 0 && t && t->curve)
        rc = jset(facts, "key_curve", json_string(t->curve));
    if (rc == 0 && t && t->sk)
        rc = jset(facts, "security_key", json_true());
    return rc ? rc : fingerprint(facts, blob, n);
}

/* ---- openssh-key-v1 ------------------------------------------------------------------------ */

/* The comment of the first key of an unencrypted private section, or NULL/0. */
static bool priv_comment(const unsigned char *s, size_t n, const unsigned char **c, size_t *cn)
{
    struct rd r = {s, n};
    const unsigned char *name;
    uint32_t c1, c2;
    size_t nn;
    const struct ssh_type *t;

    /* check1 == check2 is how OpenSSH tells a right passphrase; unencrypted they must agree. */
    if (!rd_u32(&r, &c1) || !rd_u32(&r, &c2) || c1 != c2 || !rd_str(&r, &name, &nn))
        return false;
    t = ssh_type(name, nn);
    if (!t || !rd_skip(&r, t->priv_pre))
        return false;
    if (t->priv_flags) { /* the security key's flags byte */
        if (r.n < 1)
            return false;
        r.p++;
        r.n--;
    }
    return rd_skip(&r, t->priv_post) && rd_str(&r, c, cn);
}

static int comment_facts(struct fbs_finding *f, const unsigned char *c, size_t n)
{
    json_t *v;

    if (!n)
        return 0;
    v = fbs_x509_jstr((const char *)c, n, 256);
    if (jset(f->facts, "comment", v) < 0)
        return FBS_ENOMEM;
    return fbs_x509_append_names(f, json_string_value(v), json_string_length(v));
}

static int cipher_facts(json_t *facts, const char *format, const unsigned char *c, size_t n)
{
    bool enc = !str_is(c, n, "none");
    int rc = jset(facts, "key_format", json_string(format));

    if (rc == 0)
        rc = jset(facts, "encrypted", json_boolean(enc));
    if (rc == 0 && enc)
        rc = jset(facts, "encryption", fbs_x509_jstr((const char *)c, n, 64));
    return rc;
}

static int openssh_facts(struct fbs_finding *f, const unsigned char *d, size_t n)
{
    static const char magic[] = "openssh-key-v1";
    struct rd r = {d, n};
    const unsigned char *cipher, *kdf, *opts, *pub = NULL, *other, *priv, *c;
    size_t cn, kn, on, pn = 0, othern, privn, comn;
    uint32_t nkeys, i;
    int rc;

    if (n < sizeof(magic) || memcmp(d, magic, sizeof(magic)))
        return fbs_error_set(FBS_EPARSE, "not an openssh-key-v1 key");
    r.p += sizeof(magic);
    r.n -= sizeof(magic);
    if (!rd_str(&r, &cipher, &cn) || !rd_str(&r, &kdf, &kn) || !rd_str(&r, &opts, &on) ||
        !rd_u32(&r, &nkeys) || nkeys == 0 || nkeys > MAX_KEYS)
        return fbs_error_set(FBS_EPARSE, "truncated or malformed openssh-key-v1 header");
    for (i = 0; i < nkeys; i++)
        if (!rd_str(&r, i ? &other : &pub, i ? &othern : &pn))
            return fbs_error_set(FBS_EPARSE, "truncated openssh-key-v1 public key");
    if (!rd_str(&r, &priv, &privn))
        return fbs_error_set(FBS_EPARSE, "truncated openssh-key-v1 private section");
    rc = cipher_facts(f->facts, "openssh", cipher, cn);
    if (rc == 0)
        rc = pub_facts(f->facts, pub, pn);
    if (rc == 0 && str_is(cipher, cn, "none")) {
        if (!priv_comment(priv, privn, &c, &comn))
            return fbs_error_set(FBS_EPARSE, "malformed openssh-key-v1 private section");
        rc = comment_facts(f, c, comn);
    }
    return rc;
}

static int openssh_run_pem(struct fbs_finding *f)
{
    struct fbs_pem_block blk;
    size_t pos = 0;
    int rc = fbs_pem_next(&blk, f->secret, f->secret_len, &pos, "OPENSSH PRIVATE KEY");

    if (rc == 0)
        rc = fbs_error_set(FBS_EPARSE, "no OPENSSH PRIVATE KEY block");
    if (rc == 1)
        rc = openssh_facts(f, blk.der, blk.der_len);
    fbs_pem_block_release(&blk);
    return rc;
}

/* ---- PuTTY --------------------------------------------------------------------------------- */

struct ppk {
    const char *p, *end;
};

/* The next line (without CR/LF); false at the end. */
static bool ppk_line(struct ppk *k, const char **s, size_t *n)
{
    const char *nl;

    if (k->p >= k->end)
        return false;
    nl = memchr(k->p, '\n', (size_t)(k->end - k->p));
    *s = k->p;
    *n = (size_t)((nl ? nl : k->end) - k->p);
    k->p = nl ? nl + 1 : k->end;
    if (*n && (*s)[*n - 1] == '\r')
        (*n)--;
    return true;
}

/* The value of "<name>: value" when the line has that header. */
static bool ppk_header(const char *s, size_t n, const char *name, const char **v, size_t *vn)
{
    size_t k = strlen(name);

    if (n < k + 1 || memcmp(s, name, k) || s[k] != ':')
        return false;
    *v = s + k + 1;
    *vn = n - k - 1;
    while (*vn && **v == ' ') {
        (*v)++;
        (*vn)--;
    }
    return true;
}

static int ppk_public(struct fbs_finding *f, struct ppk *k, const char *v, size_t vn)
{
    struct fbs_buf b64 = FBS_BUF_INIT;
    unsigned char *blob = NULL;
    size_t bn = 0, lines = 0, i;
    const char *s;
    size_t n;
    int rc = 0;

    for (i = 0; i < vn && i < 3 && v[i] >= '0' && v[i] <= '9'; i++)
        lines = lines * 10 + (size_t)(v[i] - '0');
    if (!vn || i != vn || lines == 0 || lines > 64)
        return fbs_error_set(FBS_EPARSE, "malformed PuTTY Public-Lines");
    for (i = 0; i < lines && rc == 0; i++)
        rc = ppk_line(k, &s, &n) ? fbs_buf_put(&b64, s, n)
                                 : fbs_error_set(FBS_EPARSE, "truncated PuTTY public key");
    if (rc == 0)
        rc = fbs_base64_decode(&blob, &bn, b64.ptr, b64.len, 16384);
    if (rc == 0)
        rc = pub_facts(f->facts, blob, bn);
    fbs_free(blob);
    fbs_buf_release(&b64);
    return rc;
}

static int putty_run(struct fbs_finding *f)
{
    struct ppk k = {f->secret,
                    f->secret + (f->secret_len > MAX_PUTTY_SIZE ? MAX_PUTTY_SIZE : f->secret_len)};
    const char *s, *v;
    size_t n, vn;
    int rc = 0, seen = 0;

    while (rc == 0 && ppk_line(&k, &s, &n)) {
        if (ppk_header(s, n, "Encryption", &v, &vn)) {
            rc = cipher_facts(f->facts, "putty", (const unsigned char *)v, vn);
            seen++;
        } else if (ppk_header(s, n, "Comment", &v, &vn)) {
            rc = comment_facts(f, (const unsigned char *)v, vn);
        } else if (ppk_header(s, n, "Public-Lines", &v, &vn)) {
            rc = ppk_public(f, &k, v, vn);
            seen++;
        }
    }
    if (rc == 0 && seen < 2)
        rc = fbs_error_set(FBS_EPARSE, "malformed PuTTY key (no Encryption or Public-Lines)");
    return rc;
}

static int openssh_run(struct fbs_finding *f, const struct fbs_detect_ctx *ctx)
{
    char label[48];
    int rc = 0;

    (void)ctx;
    if (!f->secret)
        return 0;
    if (f->secret_len > 20 && !memcmp(f->secret, "PuTTY-User-Key-File-", 20))
        rc = putty_run(f);
    else if (fbs_pem_label(label, f->secret, f->secret_len) &&
             !strcmp(label, "OPENSSH PRIVATE KEY"))
        rc = openssh_run_pem(f);
    ERR_clear_error();
    return rc;
}

const struct fbs_detector fbs_detector_openssh = {
    .name = "openssh",
    .stage = FBS_STAGE_PARSE,
    .kinds = ssh_kinds,
    .run = openssh_run,
};
