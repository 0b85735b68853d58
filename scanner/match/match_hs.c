/*
 * match_hs.c - the Vectorscan stage and the driver of one blob scan: collect hits, confirm them
 * (match_pcre2.c), apply the rule's tests and the filters (match_filter.c), reduce overlaps.
 */
#include "match_int.h"
#include "../core/alloc.h"
#include "../core/error.h"
#include "../core/text.h"

#include <stdlib.h>
#include <string.h>

#include "../core/banned.h"

/* A blob with more separate hit ranges than this is pathological; the rest is not confirmed. */
#define MAX_HITS         (1u << 22)
#define JIT_STACK_MAX    (4u << 20)
#define KEYWORD_LOOKBACK 256

/*
 * The longest run of plain characters in a glob without classes or escapes, slashes at its ends
 * dropped (a "**" may stand for none of the directories around it): a path the glob matches
 * contains it, so a path without it is turned away without the glob matcher.
 */
static void gate_need(struct fbs_gate *g, const char *glob)
{
    const char *p = glob;

    g->need = NULL;
    g->need_len = 0;
    if (strpbrk(glob, "[\\"))
        return;
    while (*p) {
        size_t len = strcspn(p, "*?"), k = len;
        const char *run = p;

        while (k && *run == '/') {
            run++;
            k--;
        }
        while (k && run[k - 1] == '/')
            k--;
        if (k > g->need_len) {
            g->need = run;
            g->need_len = k;
        }
        p += len;
        p += strspn(p, "*?");
    }
}

/*
 * Classify a gate glob. A glob with no '/' matches the last path component (fbs_glob_match), so
 * one with no metacharacter is an equality test on that component, "*lit" with no other
 * metacharacter a suffix test and "*lit*" a substring test; anything else goes through
 * fbs_glob_match, after a test for the literal it needs (gate_need).
 */
static void gate_classify(struct fbs_gate *g, const char *glob)
{
    size_t n = strlen(glob), k;

    g->lit = glob;
    g->len = n;
    g->kind = FBS_GATE_GLOB;
    g->need = NULL;
    g->need_len = 0;
    if (n && strcspn(glob, "*?[\\/") == n) {
        g->kind = FBS_GATE_NAME; /* no metacharacter: the last component, exactly */
        return;
    }
    if (n >= 2 && glob[0] == '*') {
        k = strcspn(glob + 1, "*?[\\/");
        if (k && 1 + k == n) {
            g->lit = glob + 1;
            g->len = k;
            g->kind = FBS_GATE_SUFFIX;
            return;
        }
        if (k && 1 + k + 1 == n && glob[n - 1] == '*') {
            g->lit = glob + 1;
            g->len = k;
            g->kind = FBS_GATE_INFIX;
            return;
        }
    }
    gate_need(g, glob);
}

int fbs_matcher_new(struct fbs_matcher **out, const struct fbs_ruleset *rs)
{
    struct fbs_matcher *m;
    size_t i;
    int rc = 0;

    *out = NULL;
    if (!rs->compiled)
        return fbs_error_set(FBS_EINVAL, "rule set is not compiled");
    m = fbs_calloc(1, sizeof(*m));
    if (!m)
        return fbs_error_set(FBS_ENOMEM, "out of memory");
    m->rs = rs;
    if (rs->ngate_globs) {
        m->gates = fbs_calloc(rs->ngate_globs, sizeof(*m->gates));
        if (!m->gates) {
            rc = fbs_error_set(FBS_ENOMEM, "out of memory");
            goto fail;
        }
        for (i = 0; i < rs->ngate_globs; i++)
            gate_classify(&m->gates[i], rs->gate_globs[i]);
    }
    if ((rs->db_text && hs_alloc_scratch(rs->db_text, &m->hs) != HS_SUCCESS) ||
        (rs->db_binary && hs_alloc_scratch(rs->db_binary, &m->hs) != HS_SUCCESS)) {
        rc = fbs_error_set(FBS_EINTERNAL, "cannot allocate Vectorscan scratch");
        goto fail;
    }
    for (i = 0; i < rs->ngated; i++) {
        if (hs_alloc_scratch(rs->gated[i].db, &m->hs) != HS_SUCCESS) {
            rc = fbs_error_set(FBS_EINTERNAL, "cannot allocate Vectorscan scratch");
            goto fail;
        }
    }
    m->md = pcre2_match_data_create(rs->max_groups, NULL);
    m->mctx = pcre2_match_context_create(NULL);
    m->jit_stack = pcre2_jit_stack_create(32 * 1024, JIT_STACK_MAX, NULL);
    m->head = fbs_calloc(rs->n, sizeof(*m->head));
    m->tail = fbs_calloc(rs->n, sizeof(*m->tail));
    m->touched = fbs_calloc(rs->n, sizeof(*m->touched));
    if (!m->md || !m->mctx || !m->jit_stack || !m->head || !m->tail || !m->touched) {
        rc = fbs_error_set(FBS_ENOMEM, "out of memory");
        goto fail;
    }
    pcre2_jit_stack_assign(m->mctx, NULL, m->jit_stack);
    *out = m;
    return 0;
fail:
    fbs_matcher_free(m);
    return rc;
}

void fbs_matcher_free(struct fbs_matcher *m)
{
    if (!m)
        return;
    hs_free_scratch(m->hs);
    pcre2_match_data_free(m->md);
    pcre2_match_context_free(m->mctx);
    pcre2_jit_stack_free(m->jit_stack);
    fbs_free(m->hits);
    fbs_free(m->head);
    fbs_free(m->tail);
    fbs_free(m->touched);
    fbs_free(m->found);
    fbs_free(m->errors);
    fbs_free(m->gates);
    fbs_free(m);
}

const struct fbs_match_counts *fbs_matcher_counts(const struct fbs_matcher *m)
{
    return &m->counts;
}

const struct fbs_regex_error *fbs_matcher_regex_errors(const struct fbs_matcher *m, size_t *n)
{
    *n = m->nerrors;
    return m->errors;
}

static int on_hit(unsigned int id, unsigned long long from, unsigned long long to,
                  unsigned int flags, void *ctx)
{
    struct fbs_matcher *m = ctx;
    struct fbs_hit *last;

    (void)from;
    (void)flags;
    m->counts.hits++;
    if (m->tail[id]) {
        last = &m->hits[m->tail[id] - 1];
        /* Prefilter rules are confirmed over the whole blob once; one hit is enough. */
        if (m->rs->rules[id]->prefilter)
            return 0;
        if (to <= last->last_end + 1) {
            last->last_end = (size_t)to;
            return 0;
        }
    }
    if (m->nhits >= MAX_HITS) {
        m->hit_overflow = true;
        return 1; /* stop: HS_SCAN_TERMINATED */
    }
    if (fbs_array_grow((void **)&m->hits, &m->hits_cap, m->nhits + 1, sizeof(*m->hits)) < 0) {
        m->hit_overflow = true;
        return 1;
    }
    m->hits[m->nhits].rule = id;
    m->hits[m->nhits].next = 0;
    m->hits[m->nhits].first_end = (size_t)to;
    m->hits[m->nhits].last_end = (size_t)to;
    m->nhits++;
    if (m->tail[id])
        m->hits[m->tail[id] - 1].next = (unsigned)m->nhits;
    else {
        m->head[id] = (unsigned)m->nhits;
        m->touched[m->ntouched++] = id;
    }
    m->tail[id] = (unsigned)m->nhits;
    return 0;
}

static bool keyword_ok(const struct fbs_rule *r, const unsigned char *data,
                       const struct fbs_match *x)
{
    size_t from = x->start > KEYWORD_LOOKBACK ? x->start - KEYWORD_LOOKBACK : 0, i;

    if (!r->nkeywords)
        return true;
    for (i = 0; i < r->nkeywords; i++)
        if (fbs_memcasemem((const char *)data + from, x->end - from, r->keywords[i],
                           strlen(r->keywords[i])))
            return true;
    return false;
}

/* Whether a path-gated rule may run on `path`. */
static bool path_ok(const struct fbs_rule *r, const char *path)
{
    size_t i;

    if (!r->npaths)
        return true;
    for (i = 0; path && i < r->npaths; i++)
        if (fbs_glob_match(r->paths[i], path, false))
            return true;
    return false;
}

/* Whether the rules of gated group `group` may run on `path` (base: its last component). */
static bool group_gated(const struct fbs_matcher *m, size_t group, const char *path,
                        const char *base, size_t blen)
{
    const struct fbs_gate_group *gg = &m->rs->gated[group];
    size_t i;

    for (i = gg->first_glob; i < gg->first_glob + gg->nglobs; i++) {
        const struct fbs_gate *g = &m->gates[i];

        switch (g->kind) {
        case FBS_GATE_NAME:
            if (blen == g->len && !memcmp(base, g->lit, g->len))
                return true;
            break;
        case FBS_GATE_SUFFIX:
            if (blen >= g->len && !memcmp(base + blen - g->len, g->lit, g->len))
                return true;
            break;
        case FBS_GATE_INFIX:
            if (blen >= g->len && memmem(base, blen, g->lit, g->len))
                return true;
            break;
        default:
            if (g->need && !memmem(path, strlen(path), g->need, g->need_len))
                break;
            if (fbs_glob_match(g->lit, path, false))
                return true;
            break;
        }
    }
    return false;
}

/* Apply the rule's own tests and the filters; true to keep. */
static bool keep_match(struct fbs_matcher *m, const unsigned char *data, size_t len,
                       const struct fbs_match *x, const char *path)
{
    const struct fbs_rule *r = x->rule;
    const char *secret = (const char *)data + x->secret_start;
    size_t n = x->secret_end - x->secret_start;

    if (!n || !path_ok(r, path) || !keyword_ok(r, data, x) ||
        (r->entropy_min > 0 && fbs_entropy(secret, n) < r->entropy_min) ||
        (r->validator == FBS_VALIDATE_GITHUB_CRC32 && !fbs_validate_github_crc32(secret, n))) {
        m->counts.filtered++;
        return false;
    }
    /* Binary rules match structure (DER headers), not typed values: no placeholder test. */
    if (r->binary)
        return true;
    switch (fbs_filter_secret(data, len, x->secret_start, x->secret_end)) {
    case FBS_FILTER_PLACEHOLDER:
        m->counts.placeholder++;
        return false;
    case FBS_FILTER_REFERENCE:
        m->counts.reference++;
        return false;
    case FBS_FILTER_CIPHERTEXT:
        m->counts.ciphertext++;
        return false;
    default:
        return true;
    }
}

static int found_cmp(const void *a, const void *b)
{
    const struct fbs_match *x = a, *y = b;

    if (x->secret_start != y->secret_start)
        return x->secret_start < y->secret_start ? -1 : 1;
    if (x->secret_end != y->secret_end)
        return x->secret_end > y->secret_end ? -1 : 1; /* containers first */
    if (x->rule->priority != y->rule->priority)
        return x->rule->priority > y->rule->priority ? -1 : 1;
    return x->rule->index < y->rule->index ? -1 : x->rule->index > y->rule->index;
}

/*
 * Drop matches whose secret lies inside another match's secret unless they have a higher
 * priority (in which case the container goes). Matches are sorted with containers first.
 */
static void reduce_overlaps(struct fbs_matcher *m)
{
    size_t i, out = 0, cont = (size_t)-1;

    for (i = 0; i < m->nfound; i++) {
        struct fbs_match *x = &m->found[i];

        if (cont != (size_t)-1) {
            struct fbs_match *c = &m->found[cont];

            if (x->secret_start >= c->secret_start && x->secret_end <= c->secret_end) {
                if (x->rule->priority <= c->rule->priority)
                    continue;
                /* The contained match is more specific: it replaces the container. */
                *c = *x;
                continue;
            }
        }
        m->found[out] = *x;
        cont = out++;
    }
    m->nfound = out;
}

static int scan_blob(struct fbs_matcher *m, const unsigned char *data, size_t len,
                     const struct fbs_match_opts *opts, bool confirm_only, fbs_match_cb cb,
                     void *payload)
{
    const hs_database_t *db = opts->binary ? m->rs->db_binary : m->rs->db_text;
    size_t i, kept;
    hs_error_t err;
    int rc = 0;

    m->nhits = 0;
    m->nfound = 0;
    m->nerrors = 0;
    m->hit_overflow = false;
    if (len > 0xFFFFFFFFu)
        return 0;
    err = db ? hs_scan(db, (const char *)data, (unsigned)len, 0, m->hs, on_hit, m) : HS_SUCCESS;
    /* Path-gated rules (patterns with no literal to prefilter on, such as lists of recovery
     * codes) run only on the files they are about: each group's database on its own paths. */
    if (!opts->binary && opts->path && m->rs->ngated) {
        const char *base = strrchr(opts->path, '/');
        size_t blen;

        base = base ? base + 1 : opts->path;
        blen = strlen(base);
        for (i = 0; i < m->rs->ngated; i++) {
            if ((err != HS_SUCCESS && err != HS_SCAN_TERMINATED) || m->hit_overflow)
                break;
            if (group_gated(m, i, opts->path, base, blen))
                err = hs_scan(m->rs->gated[i].db, (const char *)data, (unsigned)len, 0, m->hs,
                              on_hit, m);
        }
    }
    if (err != HS_SUCCESS && err != HS_SCAN_TERMINATED) {
        rc = fbs_error_set(FBS_EINTERNAL, "Vectorscan scan failed (%d)", (int)err);
        goto done;
    }
    for (i = 0; i < m->ntouched; i++) {
        rc = fbs_confirm_rule(m, m->touched[i], data, len);
        if (rc < 0)
            goto done;
    }
    if (confirm_only)
        goto done;
    for (i = kept = 0; i < m->nfound; i++)
        if (keep_match(m, data, len, &m->found[i], opts->path))
            m->found[kept++] = m->found[i];
    m->nfound = kept;
    if (m->hit_overflow)
        m->counts.overflow_blobs++;
    if (m->nfound > 1)
        qsort(m->found, m->nfound, sizeof(*m->found), found_cmp);
    if (!opts->all_matches)
        reduce_overlaps(m);
    for (i = 0; i < m->nfound; i++) {
        rc = cb(&m->found[i], payload);
        if (rc)
            goto done;
    }
done:
    for (i = 0; i < m->ntouched; i++)
        m->head[m->touched[i]] = m->tail[m->touched[i]] = 0;
    m->ntouched = 0;
    return rc;
}

int fbs_matcher_scan(struct fbs_matcher *m, const unsigned char *data, size_t len,
                     const struct fbs_match_opts *opts, fbs_match_cb cb, void *payload)
{
    return scan_blob(m, data, len, opts, false, cb, payload);
}

int fbs_matcher_confirm_only(struct fbs_matcher *m, const unsigned char *data, size_t len,
                             const struct fbs_match_opts *opts)
{
    return scan_blob(m, data, len, opts, true, NULL, NULL);
}
