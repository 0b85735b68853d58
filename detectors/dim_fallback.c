/*
 * dim_fallback.c - the fallback dimension: how sure we are that a credential is an exception
 * path (break-glass, recovery, emergency, backup ...).
 *
 * Evidence is a vocabulary term found in a place, each place with its own strength:
 * the key name (1.0), the key path above it (0.9), the file name (0.9), a comment on or above the
 * line (0.8), the name or description of the object the key belongs to (0.8), the comment block
 * at the top of the file (its description, 0.7), a directory name
 * (0.7), the commit message that introduced it (0.35: it describes a whole change, often many
 * files, so alone it never reaches the threshold, but it corroborates other evidence);
 * and the rule itself when the credential kind is intrinsically a fallback one (unseal keys,
 * recovery codes). The strongest term of each place counts (a term marked `once`, only at its
 * strongest place); places combine as a noisy-OR, confidence = 1 - prod (1 - weight * strength);
 * the finding is a fallback one when the confidence reaches the policy threshold.
 */
#include "detector.h"
#include "../scanner/core/alloc.h"
#include "../scanner/core/error.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "../scanner/core/banned.h"

struct place {
    struct fbs_finding *f;
    const char *where;
    unsigned bit;      /* FBS_PLACE_* of `where` */
    bool everyday_key; /* the key's own name marks it the everyday key of a pair */
    double strength;
    int rc;
};

static int on_term(const struct fbs_vocab_term *t, void *payload)
{
    struct place *p = payload;

    /* Custody words in a path ("backup/" holds copies), pair words of a section shared with
     * the everyday key: no evidence about this credential's purpose. */
    if ((t->not_in & p->bit) || (t->pair && p->everyday_key && p->bit != FBS_PLACE_KEY))
        return 0;
    p->rc = fbs_finding_add_indicator(p->f, t->term, p->where, t->weight * p->strength);
    return p->rc;
}

static int count_term(const struct fbs_vocab_term *t, void *payload)
{
    (void)t;
    ++*(int *)payload;
    return 0;
}

static int pair_term(const struct fbs_vocab_term *t, void *payload)
{
    if (t->pair)
        *(bool *)payload = true;
    return 0;
}

/* Whether the key names a fallback term itself. */
static bool names_fallback_term(const struct fbs_vocab *v, const char *key, size_t n)
{
    int hits = 0;

    fbs_vocab_scan(v, key, n, count_term, &hits);
    return hits > 0;
}

/*
 * A key name's base: its lower-case alphanumeric tokens (split at punctuation and camelCase),
 * without the tokens that are pair terms (drop_pair: STANDBY, DR, SECONDARY ...) or everyday
 * terms (PRIMARY, ACTIVE ...), joined with '_'. *dropped: whether a token was dropped.
 */
static void base_name(const struct fbs_vocab *v, const char *s, size_t n, bool drop_pair, char *out,
                      size_t cap, bool *dropped)
{
    size_t i = 0, o = 0;

    *dropped = false;
    out[0] = '\0';
    while (i < n) {
        size_t a, k;
        bool pair = false, drop;

        while (i < n && !isalnum((unsigned char)s[i]))
            i++;
        a = i;
        while (i < n && isalnum((unsigned char)s[i]) &&
               !(i > a && isupper((unsigned char)s[i]) && islower((unsigned char)s[i - 1])))
            i++;
        if (i == a)
            continue;
        if (drop_pair)
            fbs_vocab_scan(v, s + a, i - a, pair_term, &pair);
        drop = drop_pair ? pair : fbs_vocab_everyday(v, s + a, i - a) != NULL;
        if (drop) {
            *dropped = true;
            continue;
        }
        if (o + (i - a) + 2 > cap)
            return;
        if (o)
            out[o++] = '_';
        for (k = a; k < i; k++)
            out[o++] = (char)tolower((unsigned char)s[k]);
        out[o] = '\0';
    }
}

/*
 * The standby twin of this key among its siblings: a sibling whose name is this key's name
 * with a pair term added (API_KEY_DR next to API_KEY, STANDBY_SIGNING_KEY next to SIGNING_KEY),
 * when this key's own name names no fallback term. Its length in *tn, or NULL.
 */
static const char *standby_twin(const struct fbs_finding *f, const struct fbs_vocab *v, size_t *tn)
{
    char own[160], other[160];
    const char *p;
    bool dropped;

    if (!f->key || !f->sibling_keys || names_fallback_term(v, f->key, strlen(f->key)))
        return NULL;
    base_name(v, f->key, strlen(f->key), false, own, sizeof(own), &dropped);
    if (!own[0])
        return NULL;
    for (p = f->sibling_keys; *p;) {
        size_t n = strcspn(p, " ");

        base_name(v, p, n, true, other, sizeof(other), &dropped);
        if (dropped && !strcmp(own, other)) {
            *tn = n;
            return p;
        }
        p += n;
        while (*p == ' ')
            p++;
    }
    return NULL;
}

/*
 * Whether the key's own name marks it the everyday member of a pair - an everyday term
 * (primary, active, current ...) and no fallback term, or a sibling that is its standby twin -
 * so that the pair words of the places it shares with the other key (its section, the comment
 * above both, the file, the directory) describe that other key, not this one. Records why in
 * facts.everyday_key (the term, or "twin of <sibling>").
 */
static int everyday_key(struct fbs_finding *f, const struct fbs_vocab *v, bool *out)
{
    const char *term = NULL, *twin;
    size_t tn = 0;
    char why[128];

    *out = false;
    if (!f->key)
        return 0;
    term = fbs_vocab_everyday(v, f->key, strlen(f->key));
    if (term && !names_fallback_term(v, f->key, strlen(f->key)))
        snprintf(why, sizeof(why), "%s", term);
    else if ((twin = standby_twin(f, v, &tn)) != NULL)
        snprintf(why, sizeof(why), "twin of %.*s", (int)(tn > 100 ? 100 : tn), twin);
    else
        return 0;
    *out = true;
    if (json_object_set_new(f->facts, "everyday_key", json_string(why)) < 0)
        return fbs_error_set(FBS_ENOMEM, "out of memory");
    return 0;
}

static int scan_place(struct fbs_finding *f, const struct fbs_vocab *v, const char *where,
                      double strength, const char *text, size_t len, bool everyday)
{
    struct place p = {f, where, fbs_vocab_place(where), everyday, strength, 0};

    if (!text || !len)
        return 0;
    fbs_vocab_scan(v, text, len, on_term, &p);
    return p.rc;
}

/*
 * The length of a file name without the suffixes that mark a copy of a file (".backup", ".bak",
 * ".old", ".orig", "~"): "terraform.tfstate.backup" is a backup copy of a state file, not a
 * backup credential. Custody records what such a copy means.
 */
static size_t copy_suffix_cut(const char *base)
{
    static const char *const suffixes[] = {".backup", ".bak", ".old", ".orig", ".save", "~", NULL};
    size_t n = strlen(base), i, k;
    bool cut = true;

    while (cut) {
        cut = false;
        for (i = 0; suffixes[i]; i++) {
            k = strlen(suffixes[i]);
            if (n > k && !strncmp(base + n - k, suffixes[i], k)) {
                n -= k;
                cut = true;
            }
        }
    }
    return n;
}

/* Whether indicator i is before any other indicator that beats it, by weight then position. */
static bool beats_all(const struct fbs_finding *f, size_t i, bool same_term)
{
    const struct fbs_indicator *a = &f->indicators[i];
    size_t j;

    for (j = 0; j < f->nindicators; j++) {
        const struct fbs_indicator *b = &f->indicators[j];

        if (j == i || strcmp(same_term ? b->term : b->where, same_term ? a->term : a->where))
            continue;
        if (b->weight > a->weight || (b->weight == a->weight && j < i))
            return false;
    }
    return true;
}

/*
 * The confidence from the indicators. Evidence is correlated: an ambiguous term marked `once`
 * in the vocabulary ("backup", which a backup job's files repeat in the directory, the file
 * name and the commit message) counts only at its strongest place; then several terms in one
 * place ("emergency root" in a key name) are one hint, the strongest. Places combine as a
 * noisy-OR.
 */
static int confidence(const struct fbs_finding *f, const struct fbs_vocab *v, double *out)
{
    bool *eligible = fbs_calloc(f->nindicators ? f->nindicators : 1, sizeof(*eligible));
    double keep = 1.0;
    size_t i, j;

    if (!eligible)
        return fbs_error_set(FBS_ENOMEM, "out of memory");
    for (i = 0; i < f->nindicators; i++)
        eligible[i] = !fbs_vocab_term_once(v, f->indicators[i].term) || beats_all(f, i, true);
    for (i = 0; i < f->nindicators; i++) {
        const struct fbs_indicator *a = &f->indicators[i];
        bool strongest = eligible[i];

        for (j = 0; j < f->nindicators && strongest; j++) {
            const struct fbs_indicator *b = &f->indicators[j];

            if (j != i && eligible[j] && !strcmp(b->where, a->where) &&
                (b->weight > a->weight || (b->weight == a->weight && j < i)))
                strongest = false;
        }
        if (strongest)
            keep *= 1.0 - a->weight;
    }
    fbs_free(eligible);
    *out = 1.0 - keep;
    return 0;
}

static int fallback_run(struct fbs_finding *f, const struct fbs_detect_ctx *ctx)
{
    const struct fbs_vocab *v = ctx->vocab;
    const char *rel = f->rel_path ? f->rel_path : f->path;
    bool ed = false;
    int rc = everyday_key(f, v, &ed);

    if (!rc && f->rule_fallback)
        rc = fbs_finding_add_indicator(f, f->kind, "rule", 1.0);
    if (!rc && f->key)
        rc = scan_place(f, v, "key", 1.0, f->key, strlen(f->key), ed);
    if (!rc && f->key_path) {
        /* The parents only: the key itself is counted above. */
        size_t n = strlen(f->key_path);

        if (f->key && n > strlen(f->key))
            n -= strlen(f->key);
        else if (f->key)
            n = 0;
        rc = scan_place(f, v, "key_path", 0.9, f->key_path, n, ed);
    }
    if (!rc && rel) {
        const char *slash = strrchr(rel, '/');
        const char *base = slash ? slash + 1 : rel;

        rc = scan_place(f, v, "file_name", 0.9, base, copy_suffix_cut(base), ed);
        if (!rc && slash)
            rc = scan_place(f, v, "directory", 0.7, rel, (size_t)(slash - rel), ed);
    }
    if (!rc && f->names)
        rc = scan_place(f, v, "name", 0.8, f->names, strlen(f->names), ed);
    if (!rc && f->comment)
        rc = scan_place(f, v, "comment", 0.8, f->comment, strlen(f->comment), ed);
    if (!rc && f->file_header)
        rc = scan_place(f, v, "description", 0.7, f->file_header, strlen(f->file_header), ed);
    if (!rc && f->commit_message)
        rc = scan_place(f, v, "commit_message", 0.35, f->commit_message, strlen(f->commit_message),
                        ed);
    if (rc == 0)
        rc = confidence(f, v, &f->fallback_confidence);
    if (rc < 0)
        return rc;
    f->is_fallback = f->fallback_confidence >= ctx->fallback_threshold;
    fbs_finding_set_score(f, FBS_DIM_FALLBACK, f->fallback_confidence);
    return 0;
}

const struct fbs_detector fbs_detector_fallback = {
    .name = "fallback",
    .stage = FBS_STAGE_DIMENSION,
    .kinds = NULL,
    .run = fallback_run,
};
