/* finding.c - the finding noun; see finding.h. */
#include "finding.h"
#include "../core/alloc.h"
#include "../core/buf.h"
#include "../core/error.h"
#include "../core/text.h"

#include <openssl/evp.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "../core/banned.h"

/*
 * Iterations of PBKDF2. A secret with 128 bits of estimated entropy or more (a random token)
 * cannot be guessed from its id, so one keyed pass is enough; a low-entropy one (a typed
 * password) is stretched so that guessing it from an id costs ~0.3 ms a guess. The count depends
 * only on the secret, so ids stay stable.
 */
#define FBS_FINGERPRINT_ITER_HIGH   1
#define FBS_FINGERPRINT_ITER_LOW    1024
#define FBS_FINGERPRINT_STRONG_BITS 128.0
#define FBS_FINGERPRINT_DOMAIN      "fallback-scan/fingerprint/v1"

const char *fbs_source_kind_name(enum fbs_source_kind kind)
{
    static const char *const names[] = {"file", "git",   "stdin",      "aws",
                                        "gcp",  "azure", "kubernetes", "vault"};

    return (unsigned)kind < sizeof(names) / sizeof(names[0]) ? names[kind] : "file";
}

const char *fbs_privilege_name(enum fbs_privilege p)
{
    return p == FBS_PRIV_HIGH ? "high" : p == FBS_PRIV_NORMAL ? "normal" : "unknown";
}

int fbs_privilege_parse(const char *s)
{
    if (!strcmp(s, "high"))
        return FBS_PRIV_HIGH;
    if (!strcmp(s, "normal"))
        return FBS_PRIV_NORMAL;
    if (!strcmp(s, "unknown"))
        return FBS_PRIV_UNKNOWN;
    return -1;
}

const char *fbs_dim_name(enum fbs_dim dim)
{
    static const char *const names[] = {"fallback",  "age",     "expiry",
                                        "privilege", "custody", "usage"};

    return (unsigned)dim < FBS_DIM__COUNT ? names[dim] : "?";
}

const char *fbs_suppression_name(enum fbs_suppression s)
{
    switch (s) {
    case FBS_SUPPRESSED_INLINE:
        return "inline";
    case FBS_SUPPRESSED_IGNORE_FILE:
        return "ignore_file";
    default:
        return NULL;
    }
}

struct fbs_finding *fbs_finding_new(void)
{
    struct fbs_finding *f = fbs_calloc(1, sizeof(*f));

    if (!f)
        return NULL;
    f->facts = json_object();
    if (!f->facts) {
        fbs_free(f);
        return NULL;
    }
    f->in_head = -1;
    f->byte_offset = -1;
    f->byte_length = -1;
    f->active = -1;
    f->risk = -1;
    f->standing = -1;
    return f;
}

void fbs_finding_free(struct fbs_finding *f)
{
    size_t i;

    if (!f)
        return;
    fbs_free(f->rule_id);
    fbs_free(f->rule_name);
    fbs_free(f->kind);
    fbs_free(f->remediation);
    fbs_free(f->verifier);
    fbs_free(f->verify_key);
    if (f->secret)
        fbs_wipe(f->secret, f->secret_len);
    fbs_free(f->secret);
    fbs_free(f->path);
    fbs_free(f->rel_path);
    fbs_free(f->suppression_reason);
    fbs_free(f->suppression_source);
    fbs_free(f->target);
    fbs_free(f->target_id);
    fbs_free(f->target_scope);
    fbs_free(f->commit);
    fbs_free(f->author);
    fbs_free(f->commit_message);
    fbs_free(f->removed_in);
    fbs_free(f->resource);
    fbs_free(f->key);
    fbs_free(f->key_path);
    fbs_free(f->comment);
    fbs_free(f->names);
    fbs_free(f->file_header);
    fbs_free(f->sibling_keys);
    if (f->line_text)
        fbs_wipe(f->line_text, strlen(f->line_text));
    fbs_free(f->line_text);
    for (i = 0; i < f->nindicators; i++) {
        fbs_free(f->indicators[i].term);
        fbs_free(f->indicators[i].where);
    }
    fbs_free(f->indicators);
    fbs_free(f->custody);
    json_decref(f->facts);
    for (i = 0; i < f->nreasons; i++)
        fbs_free(f->reasons[i]);
    fbs_free(f->reasons);
    fbs_free(f);
}

void fbs_finding_free_v(void *f)
{
    fbs_finding_free(f);
}

int fbs_finding_set_strn(char **field, const char *s, size_t n)
{
    char *copy = NULL;

    if (s) {
        copy = fbs_strndup(s, n);
        if (!copy)
            return fbs_error_set(FBS_ENOMEM, "out of memory");
    }
    fbs_free(*field);
    *field = copy;
    return 0;
}

int fbs_finding_set_str(char **field, const char *s)
{
    return fbs_finding_set_strn(field, s, s ? strlen(s) : 0);
}

int fbs_finding_set_secret(struct fbs_finding *f, const void *secret, size_t len)
{
    char *copy = fbs_malloc(len + 1);

    if (!copy)
        return fbs_error_set(FBS_ENOMEM, "out of memory");
    memcpy(copy, secret, len);
    copy[len] = '\0';
    if (f->secret) {
        fbs_wipe(f->secret, f->secret_len);
        fbs_free(f->secret);
    }
    f->secret = copy;
    f->secret_len = len;
    return 0;
}

int fbs_finding_add_indicator(struct fbs_finding *f, const char *term, const char *where,
                              double weight)
{
    struct fbs_indicator *ind;
    size_t i;

    for (i = 0; i < f->nindicators; i++) {
        if (!strcmp(f->indicators[i].term, term) && !strcmp(f->indicators[i].where, where)) {
            if (weight > f->indicators[i].weight)
                f->indicators[i].weight = weight;
            return 0;
        }
    }
    if (fbs_array_grow((void **)&f->indicators, &f->indicators_cap, f->nindicators + 1,
                       sizeof(*f->indicators)) < 0)
        return FBS_ENOMEM;
    ind = &f->indicators[f->nindicators];
    ind->term = fbs_strdup(term);
    ind->where = fbs_strdup(where);
    ind->weight = weight;
    if (!ind->term || !ind->where) {
        fbs_free(ind->term);
        fbs_free(ind->where);
        return fbs_error_set(FBS_ENOMEM, "out of memory");
    }
    f->nindicators++;
    return 0;
}

int fbs_finding_add_reason(struct fbs_finding *f, const char *fmt, ...)
{
    struct fbs_buf b = FBS_BUF_INIT;
    va_list ap;
    int rc;

    va_start(ap, fmt);
    rc = fbs_buf_vprintf(&b, fmt, ap);
    va_end(ap);
    if (rc < 0)
        goto fail;
    rc = fbs_array_grow((void **)&f->reasons, &f->reasons_cap, f->nreasons + 1, sizeof(char *));
    if (rc < 0)
        goto fail;
    f->reasons[f->nreasons] = fbs_buf_detach(&b);
    if (!f->reasons[f->nreasons])
        return fbs_error_set(FBS_ENOMEM, "out of memory");
    f->nreasons++;
    return 0;
fail:
    fbs_buf_release(&b);
    return rc;
}

void fbs_finding_set_score(struct fbs_finding *f, enum fbs_dim dim, double score)
{
    if (score < 0.0)
        score = 0.0;
    if (score > 1.0)
        score = 1.0;
    f->scores[dim] = score;
    f->scores_set |= 1u << dim;
}

bool fbs_finding_has_score(const struct fbs_finding *f, enum fbs_dim dim)
{
    return (f->scores_set & (1u << dim)) != 0;
}

/*
 * The fingerprint memo: an open-addressing table from the exact PBKDF2 input (the salt string
 * and the secret) to the id it gave. The keys hold secrets, so they are wiped when dropped.
 */
#define FP_MEMO_SLOTS 8192 /* a power of two; the memo is emptied when half full */

struct fp_entry {
    uint64_t hash;
    char *key; /* salt string, then the secret */
    size_t salt_len, key_len;
    char id[33];
};

struct fbs_fp_memo {
    struct fp_entry *slots;
    size_t used;
    uint64_t lookups, hits;
};

int fbs_fp_memo_new(struct fbs_fp_memo **out)
{
    struct fbs_fp_memo *m = fbs_calloc(1, sizeof(*m));

    *out = NULL;
    if (!m || !(m->slots = fbs_calloc(FP_MEMO_SLOTS, sizeof(*m->slots)))) {
        fbs_free(m);
        return fbs_error_set(FBS_ENOMEM, "out of memory");
    }
    *out = m;
    return 0;
}

static void fp_memo_clear(struct fbs_fp_memo *m)
{
    size_t i;

    for (i = 0; i < FP_MEMO_SLOTS && m->used; i++) {
        struct fp_entry *e = &m->slots[i];

        if (!e->key)
            continue;
        fbs_wipe(e->key, e->key_len);
        fbs_free(e->key);
        memset(e, 0, sizeof(*e));
        m->used--;
    }
}

void fbs_fp_memo_free(struct fbs_fp_memo *m)
{
    if (!m)
        return;
    fp_memo_clear(m);
    fbs_free(m->slots);
    fbs_free(m);
}

void fbs_fp_memo_stats(const struct fbs_fp_memo *m, uint64_t *lookups, uint64_t *hits)
{
    *lookups = m ? m->lookups : 0;
    *hits = m ? m->hits : 0;
}

/* FNV-1a over the salt string and the secret, with the split point mixed in. */
static uint64_t fp_hash(const char *salt, size_t salt_len, const char *secret, size_t len)
{
    uint64_t h = 1469598103934665603ull ^ salt_len;
    size_t i;

    for (i = 0; i < salt_len; i++)
        h = (h ^ (unsigned char)salt[i]) * 1099511628211ull;
    for (i = 0; i < len; i++)
        h = (h ^ (unsigned char)secret[i]) * 1099511628211ull;
    return h ^ (h >> 29);
}

/* The slot of the key, or the empty slot where it would go. */
static struct fp_entry *fp_slot(struct fbs_fp_memo *m, uint64_t h, const char *salt,
                                size_t salt_len, const char *secret, size_t len)
{
    size_t i = (size_t)h & (FP_MEMO_SLOTS - 1);

    for (;; i = (i + 1) & (FP_MEMO_SLOTS - 1)) {
        struct fp_entry *e = &m->slots[i];

        if (!e->key)
            return e;
        if (e->hash == h && e->salt_len == salt_len && e->key_len == salt_len + len &&
            !memcmp(e->key, salt, salt_len) && !memcmp(e->key + salt_len, secret, len))
            return e;
    }
}

int fbs_finding_fingerprint_memo(struct fbs_finding *f, const char *salt, struct fbs_fp_memo *memo)
{
    struct fbs_buf s = FBS_BUF_INIT;
    unsigned char out[16];
    const char *loc = f->resource ? f->resource : f->path ? f->path : "";
    const char *scope = f->target_scope;
    const char *rule_id = f->rule_id ? f->rule_id : "";
    const char *secret = f->secret ? f->secret : "";
    size_t rule_id_len = strlen(rule_id);
    static const char hex[] = "0123456789abcdef";
    struct fp_entry *e = NULL;
    uint64_t h = 0;
    int rc = 0, iterations;
    size_t i;

    /* Length-prefixed parts: no two different (salt, rule, [scope,] location) give the same
     * salt; a scoped one has one part more, so it never equals an unscoped one either. */
    if (scope && !f->resource && f->rel_path)
        loc = f->rel_path;
    if (fbs_buf_printf(&s, "%s|%zu:%s|%zu:%s|%zu:%s", FBS_FINGERPRINT_DOMAIN,
                       salt ? strlen(salt) : 0, salt ? salt : "", rule_id_len, rule_id, strlen(loc),
                       loc) < 0 ||
        (scope && fbs_buf_printf(&s, "|%zu:%s", strlen(scope), scope) < 0)) {
        rc = FBS_ENOMEM;
        goto done;
    }
    if (memo) {
        memo->lookups++;
        h = fp_hash(s.ptr, s.len, secret, f->secret_len);
        e = fp_slot(memo, h, s.ptr, s.len, secret, f->secret_len);
        if (e->key) {
            memo->hits++;
            memcpy(f->id, e->id, sizeof(e->id));
            goto done;
        }
    }
    iterations =
        fbs_entropy(secret, f->secret_len) * (double)f->secret_len >= FBS_FINGERPRINT_STRONG_BITS
            ? FBS_FINGERPRINT_ITER_HIGH
            : FBS_FINGERPRINT_ITER_LOW;
    if (!PKCS5_PBKDF2_HMAC(secret, (int)f->secret_len, (const unsigned char *)s.ptr, (int)s.len,
                           iterations, EVP_sha256(), sizeof(out), out)) {
        rc = fbs_error_set(FBS_EINTERNAL, "PBKDF2 failed");
        goto done;
    }
    for (i = 0; i < sizeof(out); i++) {
        f->id[2 * i] = hex[out[i] >> 4];
        f->id[2 * i + 1] = hex[out[i] & 15];
    }
    f->id[32] = '\0';
    if (memo) {
        char *key = fbs_malloc(s.len + f->secret_len + 1);

        if (!key) /* the id is computed; only the memo misses out */
            goto done;
        if (memo->used >= FP_MEMO_SLOTS / 2) {
            fp_memo_clear(memo);
            e = fp_slot(memo, h, s.ptr, s.len, secret, f->secret_len);
        }
        memcpy(key, s.ptr, s.len);
        memcpy(key + s.len, secret, f->secret_len);
        e->hash = h;
        e->key = key;
        e->salt_len = s.len;
        e->key_len = s.len + f->secret_len;
        memcpy(e->id, f->id, sizeof(e->id));
        memo->used++;
    }
done:
    fbs_buf_release(&s);
    return rc;
}

int fbs_finding_fingerprint(struct fbs_finding *f, const char *salt)
{
    return fbs_finding_fingerprint_memo(f, salt, NULL);
}

static int strcmp0(const char *a, const char *b)
{
    return strcmp(a ? a : "", b ? b : "");
}

int fbs_finding_cmp(const void *pa, const void *pb)
{
    const struct fbs_finding *a = *(const struct fbs_finding *const *)pa;
    const struct fbs_finding *b = *(const struct fbs_finding *const *)pb;
    int c;

    if ((c = strcmp0(a->target, b->target)) != 0)
        return c;
    if ((c = strcmp0(a->path, b->path)) != 0)
        return c;
    if ((c = strcmp0(a->resource, b->resource)) != 0)
        return c;
    if (a->line != b->line)
        return a->line < b->line ? -1 : 1;
    if (a->column != b->column)
        return a->column < b->column ? -1 : 1;
    if ((c = strcmp0(a->rule_id, b->rule_id)) != 0)
        return c;
    if (a->secret_start != b->secret_start)
        return a->secret_start < b->secret_start ? -1 : 1;
    /* Two versions of a file at one place (a key replaced by another, in history): without
     * these the order came from which thread finished first. */
    if (a->secret_end != b->secret_end)
        return a->secret_end < b->secret_end ? -1 : 1;
    if ((c = strcmp0(a->commit, b->commit)) != 0)
        return c;
    return strcmp(a->id, b->id);
}
