/*
 * group.c - related findings as groups (group.h): the pieces of one credential.
 */
#include "group.h"
#include "../scanner/core/alloc.h"
#include "../scanner/core/buf.h"
#include "../scanner/core/error.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../scanner/core/banned.h"

enum { FAM_NONE, FAM_AWS, FAM_VAULT_INIT, FAM_KUBECONFIG };

/* The family and piece of a kind; unique pieces are negative. */
static int family_of(const char *kind, int *piece)
{
    *piece = 0;
    if (!kind)
        return FAM_NONE;
    if (!strcmp(kind, "aws_access_key_id")) {
        *piece = -1;
        return FAM_AWS;
    }
    if (!strcmp(kind, "aws_secret_access_key")) {
        *piece = -2;
        return FAM_AWS;
    }
    if (!strcmp(kind, "vault_unseal_key") || !strcmp(kind, "vault_recovery_key")) {
        *piece = 1;
        return FAM_VAULT_INIT;
    }
    if (!strcmp(kind, "vault_root_token")) {
        *piece = -1;
        return FAM_VAULT_INIT;
    }
    if (!strncmp(kind, "kubeconfig_", 11)) {
        *piece = 1;
        return FAM_KUBECONFIG;
    }
    return FAM_NONE;
}

static unsigned max_gap(int family)
{
    return family == FAM_AWS ? 10 : family == FAM_VAULT_INIT ? 20 : 50;
}

int fbs_groups_add(struct fbs_groups *g, const struct fbs_finding *f)
{
    struct fbs_group_item *it;
    struct fbs_buf place = FBS_BUF_INIT;

    if (g->n == g->cap) {
        size_t cap = g->cap ? g->cap * 2 : 32;
        struct fbs_group_item *v = fbs_realloc(g->items, cap * sizeof(*v));

        if (!v)
            return fbs_error_set(FBS_ENOMEM, "out of memory");
        g->items = v;
        g->cap = cap;
    }
    it = &g->items[g->n];
    memset(it, 0, sizeof(*it));
    it->family = family_of(f->kind, &it->piece);
    it->line = f->line;
    memcpy(it->id, f->id, sizeof(it->id));
    it->id[sizeof(it->id) - 1] = '\0';
    if (it->family != FAM_NONE && f->path && f->line) {
        /* The unit separator cannot be in a path we would group (it would only split). */
        if (fbs_buf_printf(&place, "%s\x1f%s\x1f%s", f->target_id ? f->target_id : "", f->path,
                           f->commit ? f->commit : "") < 0)
            return fbs_error_set(FBS_ENOMEM, "out of memory");
        it->place = fbs_buf_detach(&place);
        if (!it->place)
            return fbs_error_set(FBS_ENOMEM, "out of memory");
    }
    g->n++;
    return 0;
}

/* Place, family, line, then order of addition (the items are one array). */
static int by_place(const void *a, const void *b)
{
    const struct fbs_group_item *x = *(const struct fbs_group_item *const *)a;
    const struct fbs_group_item *y = *(const struct fbs_group_item *const *)b;
    int c = strcmp(x->place, y->place);

    if (c)
        return c;
    if (x->family != y->family)
        return x->family < y->family ? -1 : 1;
    if (x->line != y->line)
        return x->line < y->line ? -1 : 1;
    return x < y ? -1 : x > y;
}

int fbs_groups_finish(struct fbs_groups *g)
{
    struct fbs_group_item **ix;
    size_t n = 0, i, j, start;

    for (i = 0; i < g->n; i++) {
        g->items[i].first = i;
        g->items[i].members = 1;
        g->items[i].group = NULL;
    }
    if (g->n < 2)
        return 0;
    ix = fbs_malloc(g->n * sizeof(*ix));
    if (!ix)
        return fbs_error_set(FBS_ENOMEM, "out of memory");
    for (i = 0; i < g->n; i++)
        if (g->items[i].place)
            ix[n++] = &g->items[i];
    qsort(ix, n, sizeof(*ix), by_place);
    for (start = 0; start < n; start = j) {
        const struct fbs_group_item *s = ix[start];
        unsigned seen = 0; /* unique pieces present, as bits of -piece */
        const char *gid;
        size_t first = (size_t)(ix[start] - g->items);

        if (s->piece < 0)
            seen |= 1u << -s->piece;
        for (j = start + 1; j < n; j++) {
            const struct fbs_group_item *p = ix[j - 1], *c = ix[j];

            if (strcmp(c->place, s->place) || c->family != s->family ||
                c->line - p->line > max_gap(s->family))
                break;
            if (c->piece < 0 && (seen & (1u << -c->piece)))
                break;
            if (c->piece < 0)
                seen |= 1u << -c->piece;
            if ((size_t)(ix[j] - g->items) < first)
                first = (size_t)(ix[j] - g->items);
        }
        if (j - start < 2)
            continue;
        gid = ix[start]->id;
        for (i = start + 1; i < j; i++)
            if (strcmp(ix[i]->id, gid) < 0)
                gid = ix[i]->id;
        for (i = start; i < j; i++) {
            ix[i]->group = gid;
            ix[i]->first = first;
            ix[i]->members = j - start;
        }
    }
    fbs_free(ix);
    return 0;
}

const char *fbs_groups_id(const struct fbs_groups *g, size_t i)
{
    return i < g->n ? g->items[i].group : NULL;
}

void fbs_groups_release(struct fbs_groups *g)
{
    size_t i;

    for (i = 0; i < g->n; i++)
        fbs_free(g->items[i].place);
    fbs_free(g->items);
    g->items = NULL;
    g->n = g->cap = 0;
}
