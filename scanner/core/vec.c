/* vec.c - pointer vector; see vec.h. */
#include "vec.h"
#include "alloc.h"
#include "error.h"

#include <stdlib.h>
#include <string.h>

#include "banned.h"

void fbs_vec_init(struct fbs_vec *v)
{
    v->items = NULL;
    v->len = v->cap = 0;
}

int fbs_vec_push(struct fbs_vec *v, void *item)
{
    if (fbs_array_grow((void **)&v->items, &v->cap, v->len + 1, sizeof(void *)) < 0)
        return FBS_ENOMEM;
    v->items[v->len++] = item;
    return 0;
}

int fbs_vec_append_take(struct fbs_vec *v, struct fbs_vec *src)
{
    if (!src->len)
        return 0;
    if (fbs_array_grow((void **)&v->items, &v->cap, v->len + src->len, sizeof(void *)) < 0)
        return FBS_ENOMEM;
    memcpy(v->items + v->len, src->items, src->len * sizeof(void *));
    v->len += src->len;
    src->len = 0;
    return 0;
}

void fbs_vec_release(struct fbs_vec *v, void (*free_item)(void *))
{
    size_t i;

    if (free_item)
        for (i = 0; i < v->len; i++)
            free_item(v->items[i]);
    fbs_free(v->items);
    fbs_vec_init(v);
}

void fbs_vec_sort(struct fbs_vec *v, int (*cmp)(const void *a, const void *b))
{
    if (v->len > 1)
        qsort(v->items, v->len, sizeof(void *), cmp);
}
