/*
 * link_versions.c - one secret, several versions of a file: when a file is edited without
 * touching the secret, git history holds the secret in each version's blob, and the git source
 * delivers each blob once, with the commit that introduced *that blob*. The secret itself was
 * introduced by the earliest of them, and it is still in HEAD if any of them is.
 *
 * For git findings of the same target, path, rule and secret, this keeps one finding - the one
 * in HEAD when there is one (its line numbers are current), else the newest - gives it the
 * provenance of the earliest (commit, author, date, message: the commit that introduced the
 * secret), records facts.versions, and drops the others.
 */
#include "detector.h"
#include "../scanner/core/alloc.h"
#include "../scanner/core/error.h"

#include <stdlib.h>
#include <string.h>

#include "../scanner/core/banned.h"

static int cmp_str(const char *a, const char *b)
{
    return strcmp(a ? a : "", b ? b : "");
}

/*
 * Order: target, path, rule, secret; then earliest commit first. Commits of the same second are
 * ordered by id, then by place, so that the result never depends on the order in which the
 * threads delivered the blobs.
 */
static int by_secret(const void *pa, const void *pb)
{
    const struct fbs_finding *a = *(const struct fbs_finding *const *)pa;
    const struct fbs_finding *b = *(const struct fbs_finding *const *)pb;
    int c;

    if ((c = cmp_str(a->target, b->target)) || (c = cmp_str(a->rel_path, b->rel_path)) ||
        (c = cmp_str(a->rule_id, b->rule_id)))
        return c;
    if (a->secret_len != b->secret_len)
        return a->secret_len < b->secret_len ? -1 : 1;
    if ((c = memcmp(a->secret, b->secret, a->secret_len)))
        return c;
    if (a->committed != b->committed)
        return a->committed < b->committed ? -1 : 1;
    if ((c = cmp_str(a->commit, b->commit)))
        return c;
    if (a->line != b->line)
        return a->line < b->line ? -1 : 1;
    if (a->column != b->column)
        return a->column < b->column ? -1 : 1;
    if (a->in_head != b->in_head)
        return a->in_head < b->in_head ? -1 : 1;
    return 0;
}

static bool same_secret(const struct fbs_finding *a, const struct fbs_finding *b)
{
    return !cmp_str(a->target, b->target) && !cmp_str(a->rel_path, b->rel_path) &&
           !cmp_str(a->rule_id, b->rule_id) && a->secret_len == b->secret_len &&
           !memcmp(a->secret, b->secret, a->secret_len);
}

/* Keep findings[keep] with the provenance of findings[first] (the earliest). */
static int merge(struct fbs_finding **g, size_t n, size_t keep)
{
    struct fbs_finding *k = g[keep], *first = g[0];
    size_t i;
    int rc = 0;

    if (keep != 0) {
        rc = fbs_finding_set_str(&k->commit, first->commit);
        if (rc == 0)
            rc = fbs_finding_set_str(&k->author, first->author);
        if (rc == 0)
            rc = fbs_finding_set_str(&k->commit_message, first->commit_message);
        k->committed = first->committed;
        k->has_committed = first->has_committed;
    }
    if (rc == 0 && json_object_set_new(k->facts, "versions", json_integer((json_int_t)n)) < 0)
        rc = FBS_ENOMEM;
    if (rc == 0 && k->in_head == 1)
        json_object_del(k->facts, "removed_in");
    for (i = 0; i < n; i++)
        g[i]->drop = i != keep;
    return rc;
}

static int versions_run(struct fbs_finding *const *findings, size_t n,
                        const struct fbs_detect_ctx *ctx)
{
    struct fbs_finding **git;
    size_t ngit = 0, i, j;
    int rc = 0;

    (void)ctx;
    git = fbs_calloc(n ? n : 1, sizeof(*git));
    if (!git)
        return fbs_error_set(FBS_ENOMEM, "out of memory");
    for (i = 0; i < n; i++)
        if (findings[i]->source == FBS_SOURCE_GIT && findings[i]->has_committed &&
            findings[i]->secret)
            git[ngit++] = findings[i];
    qsort(git, ngit, sizeof(*git), by_secret);
    for (i = 0; i < ngit && rc == 0; i = j) {
        size_t keep, k;

        for (j = i + 1; j < ngit && same_secret(git[i], git[j]); j++)
            ;
        if (j - i < 2)
            continue;
        keep = j - i - 1; /* the newest, unless one is in HEAD */
        for (k = 0; k < j - i; k++)
            if (git[i + k]->in_head == 1)
                keep = k;
        rc = merge(git + i, j - i, keep);
    }
    fbs_free(git);
    return rc < 0 ? fbs_error_set(FBS_ENOMEM, "out of memory") : 0;
}

const struct fbs_linker fbs_linker_versions = {
    .name = "versions",
    .run = versions_run,
};
