/*
 * parse_pem.c - PEM private keys: key type and size, encrypted or not, and the certificate that
 * goes with the key when it sits in the same file.
 *
 * The key is the finding's secret (quoted as it was in the file). Certificates are public and no
 * rule reports one alone, so the parser looks for CERTIFICATE blocks in the whole blob: the one
 * whose public key is the key's (SHA-256 of the SubjectPublicKeyInfo) becomes the key's
 * certificate - issue and expiry dates, subject, privilege (x509.h). An encrypted key has no
 * readable public key; it is paired with the certificate its match spans (the bundle rules of
 * rules/certificates.yml). Other certificates of the blob are listed in facts.certificates, so
 * that link_keypair.c can pair keys in other files of the same directory with them.
 *
 * OpenSSH keys are parse_openssh.c's; OpenPGP blocks are left alone.
 */
#include "detector.h"
#include "x509.h"
#include "../scanner/core/error.h"

#include <string.h>

#include "../scanner/core/banned.h"

#define MAX_BLOB_CERTS 32 /* CERTIFICATE blocks read per blob */

static const char *const pem_kinds[] = {"private_key", "private_key_encrypted", "certificate",
                                        NULL};

struct pairing {
    json_t *best;   /* the chosen certificate summary (owned) */
    bool by_key;    /* matched by public key (else: spanned by the match) */
    unsigned lines; /* line of the scan cursor */
    size_t at;      /* offset of the scan cursor */
};

static unsigned line_of(struct pairing *p, const unsigned char *data, size_t off)
{
    while (p->at < off) {
        const unsigned char *nl = memchr(data + p->at, '\n', off - p->at);

        if (!nl) {
            p->at = off;
            break;
        }
        p->lines++;
        p->at = (size_t)(nl - data) + 1;
    }
    return p->lines;
}

static const char *not_after(const json_t *cert)
{
    const char *s = json_string_value(json_object_get(cert, "not_after"));

    return s ? s : "";
}

/*
 * Keep `cert` (taken) as the pairing when it is a candidate - same public key, or spanned by
 * the match of a key without a readable public key - better than the current one; list the
 * other certificates.
 */
static int consider(struct fbs_finding *f, struct pairing *p, json_t *cert, bool by_key,
                    bool spanned)
{
    json_t *loser = cert;
    bool better;
    int rc;

    /* Several certificates for one key (renewals): the one that expires last counts. */
    better = (by_key || spanned) &&
             (!p->best || (by_key && !p->by_key) ||
              (by_key == p->by_key && strcmp(not_after(cert), not_after(p->best)) > 0));
    if (better) {
        loser = p->best;
        p->best = cert;
        p->by_key = by_key;
    }
    rc = loser ? fbs_x509_list_cert(f, loser) : 0;
    json_decref(loser);
    return rc;
}

/* One CERTIFICATE block of the blob. */
static int blob_cert(struct fbs_finding *f, struct pairing *p, const struct fbs_blob *b,
                     const struct fbs_pem_block *blk, const char *mine)
{
    X509 *x = NULL;
    json_t *cert = NULL;
    const char *theirs;
    int rc;

    if (fbs_x509_from_der(&x, blk->der, blk->der_len) < 0)
        return 0; /* a broken certificate beside a key is not the key's problem */
    rc = fbs_x509_summary(&cert, x);
    X509_free(x);
    if (rc == FBS_EPARSE)
        return 0;
    if (rc == 0)
        rc = json_object_set_new(cert, "line", json_integer(line_of(p, b->data, blk->begin)));
    if (rc < 0) {
        json_decref(cert);
        return fbs_error_set(FBS_ENOMEM, "out of memory");
    }
    theirs = json_string_value(json_object_get(cert, "public_key_sha256"));
    return consider(f, p, cert, mine && theirs && !strcmp(mine, theirs),
                    !mine && blk->begin >= f->match_start && blk->end <= f->match_end);
}

static int pair_in_blob(struct fbs_finding *f, const struct fbs_blob *b)
{
    const char *mine = json_string_value(json_object_get(f->facts, "public_key_sha256"));
    struct pairing p = {NULL, false, 1, 0};
    size_t pos = 0, k;
    int rc = 0;

    for (k = 0; k < MAX_BLOB_CERTS && rc == 0; k++) {
        struct fbs_pem_block blk;
        int found = fbs_pem_next(&blk, (const char *)b->data, b->len, &pos, "CERTIFICATE");

        if (found == 1)
            rc = blob_cert(f, &p, b, &blk, mine);
        fbs_pem_block_release(&blk);
        if (found == 0 || found == FBS_ENOMEM) {
            rc = found;
            break;
        }
    }
    if (rc == 0 && p.best) {
        rc = fbs_x509_apply_cert(f, p.best);
        if (rc == 0)
            rc = fbs_x509_set_paired(f, f->path,
                                     (unsigned)json_integer_value(json_object_get(p.best, "line")),
                                     p.best, p.by_key ? "public_key" : "adjacent");
    }
    json_decref(p.best);
    return rc;
}

/* A certificate finding (a rule whose secret is the certificate itself). */
static int cert_run(struct fbs_finding *f)
{
    struct fbs_pem_block blk;
    size_t pos = 0;
    X509 *x = NULL;
    json_t *cert = NULL;
    int rc = fbs_pem_next(&blk, f->secret, f->secret_len, &pos, "CERTIFICATE");

    if (rc == 0)
        rc = fbs_error_set(FBS_EPARSE, "no CERTIFICATE block");
    if (rc == 1)
        rc = fbs_x509_from_der(&x, blk.der, blk.der_len);
    fbs_pem_block_release(&blk);
    if (rc == 0)
        rc = fbs_x509_summary(&cert, x);
    X509_free(x);
    if (rc == 0)
        rc = fbs_x509_apply_cert(f, cert);
    json_decref(cert);
    return rc;
}

static int pem_run(struct fbs_finding *f, const struct fbs_detect_ctx *ctx)
{
    char label[48];
    int rc;

    if (!f->secret || !fbs_pem_label(label, f->secret, f->secret_len))
        return 0; /* PuTTY and other non-PEM keys */
    if (strstr(label, "OPENSSH") || strstr(label, "PGP"))
        return 0;
    if (!strcmp(label, "CERTIFICATE"))
        return cert_run(f);
    rc = fbs_x509_pem_key_facts(f, f->secret, f->secret_len);
    if (rc == 0 && ctx->blob && !ctx->blob->binary)
        rc = pair_in_blob(f, ctx->blob);
    return rc;
}

const struct fbs_detector fbs_detector_pem = {
    .name = "pem",
    .stage = FBS_STAGE_PARSE,
    .kinds = pem_kinds,
    .run = pem_run,
};
