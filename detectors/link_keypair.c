/*
 * link_keypair.c - pairs a private key with its certificate found in another finding of the same
 * file or directory.
 *
 * Parsers record, all as public facts: public_key_sha256 on every key they read, the key's own
 * or paired certificate as facts.certificate, and other certificates seen with it as
 * facts.certificates (parse_pem.c lists the certificates of a PEM file, parse_pkcs12.c those of
 * a key store, parse_kubeconfig.c a user's client certificate). A key that has no certificate
 * yet gets the certificate with the same public key from a finding under the same target,
 * preferring the same file, then the same directory; among several (renewals) the one that
 * expires last. It gains the certificate's dates, subject, privilege and names
 * (fbs_x509_apply_cert) and facts.paired_certificate with where the certificate was found.
 *
 * Certificates alone are never findings (no rule reports public material), so a key and a
 * certificate kept as two files (tls.key + tls.crt) pair only when the certificate also appears
 * in a finding of that directory.
 */
#include "detector.h"
#include "x509.h"
#include "../scanner/core/alloc.h"
#include "../scanner/core/error.h"

#include <stdlib.h>
#include <string.h>

#include "../scanner/core/banned.h"

struct cert_ref {
    const char *hash;
    const json_t *cert;
    size_t finding;
};

struct refs {
    struct cert_ref *v;
    size_t n, cap;
};

static int add_ref(struct refs *r, const json_t *cert, size_t finding)
{
    const char *hash = json_string_value(json_object_get(cert, "public_key_sha256"));

    if (!hash)
        return 0;
    if (fbs_array_grow((void **)&r->v, &r->cap, r->n + 1, sizeof(*r->v)) < 0)
        return fbs_error_set(FBS_ENOMEM, "out of memory");
    r->v[r->n].hash = hash;
    r->v[r->n].cert = cert;
    r->v[r->n].finding = finding;
    r->n++;
    return 0;
}

static int collect(struct refs *r, struct fbs_finding *const *fs, size_t n)
{
    size_t i, j;
    int rc = 0;

    for (i = 0; i < n && rc == 0; i++) {
        const json_t *own = json_object_get(fs[i]->facts, "certificate"), *c;

        if (json_is_object(own))
            rc = add_ref(r, own, i);
        json_array_foreach(json_object_get(fs[i]->facts, "certificates"), j, c)
        {
            if (rc == 0 && json_is_object(c))
                rc = add_ref(r, c, i);
        }
    }
    return rc;
}

static int ref_cmp(const void *a, const void *b)
{
    return strcmp(((const struct cert_ref *)a)->hash, ((const struct cert_ref *)b)->hash);
}

static const char *location(const struct fbs_finding *f)
{
    return f->path ? f->path : f->rel_path;
}

static size_t dir_len(const char *p)
{
    const char *slash = p ? strrchr(p, '/') : NULL;

    return slash ? (size_t)(slash - p) : 0;
}

/* 2: same file, 1: same directory, 0: elsewhere (never paired). */
static int closeness(const struct fbs_finding *a, const struct fbs_finding *b)
{
    const char *pa = location(a), *pb = location(b);
    size_t da = dir_len(pa);

    if (!pa || !pb || (a->target && b->target && strcmp(a->target, b->target)) ||
        (!a->target != !b->target))
        return 0;
    if (!strcmp(pa, pb))
        return 2;
    return da == dir_len(pb) && !strncmp(pa, pb, da) ? 1 : 0;
}

static const char *not_after(const json_t *cert)
{
    const char *s = json_string_value(json_object_get(cert, "not_after"));

    return s ? s : "";
}

/* The best certificate for finding k among the refs with its public key, or NULL. */
static const struct cert_ref *best_ref(const struct refs *r, struct fbs_finding *const *fs,
                                       size_t k, const char *hash)
{
    struct cert_ref key = {hash, NULL, 0};
    const struct cert_ref *hit = bsearch(&key, r->v, r->n, sizeof(*r->v), ref_cmp), *best = NULL;
    int best_close = 0;

    if (!hit)
        return NULL;
    while (hit > r->v && !strcmp(hit[-1].hash, hash))
        hit--;
    for (; hit < r->v + r->n && !strcmp(hit->hash, hash); hit++) {
        int c = hit->finding == k ? 0 : closeness(fs[k], fs[hit->finding]);

        if (c > best_close ||
            (c && c == best_close && strcmp(not_after(hit->cert), not_after(best->cert)) > 0)) {
            best = hit;
            best_close = c;
        }
    }
    return best;
}

static int pair(struct fbs_finding *f, const struct fbs_finding *other, const json_t *cert)
{
    json_t *line = json_object_get(cert, "line");
    json_t *copy = json_deep_copy(cert); /* `cert` may live in f's own facts */
    int rc;

    if (!copy)
        return fbs_error_set(FBS_ENOMEM, "out of memory");
    rc = fbs_x509_apply_cert(f, copy);
    if (rc == 0)
        rc = fbs_x509_set_paired(f, location(other),
                                 json_is_integer(line) ? (unsigned)json_integer_value(line) : 0,
                                 copy, "public_key");
    json_decref(copy);
    return rc;
}

static int keypair_link(struct fbs_finding *const *fs, size_t n, const struct fbs_detect_ctx *ctx)
{
    struct refs r = {NULL, 0, 0};
    size_t k;
    int rc;

    (void)ctx;
    rc = collect(&r, fs, n);
    if (rc == 0 && r.n)
        qsort(r.v, r.n, sizeof(*r.v), ref_cmp);
    for (k = 0; rc == 0 && r.n && k < n; k++) {
        const char *hash = json_string_value(json_object_get(fs[k]->facts, "public_key_sha256"));
        const struct cert_ref *best;

        if (!hash || json_object_get(fs[k]->facts, "certificate"))
            continue;
        best = best_ref(&r, fs, k, hash);
        if (best)
            rc = pair(fs[k], fs[best->finding], best->cert);
    }
    fbs_free(r.v);
    return rc;
}

const struct fbs_linker fbs_linker_keypair = {
    .name = "keypair",
    .run = keypair_link,
};
