/*
 * vec.h - a growable array of pointers.
 *
 * The vector owns its item array, not the items: fbs_vec_release() takes the function that frees
 * an item (or NULL when the items are borrowed).
 */
#ifndef FBS_VEC_H
#define FBS_VEC_H

#include <stddef.h>

struct fbs_vec {
    void **items;
    size_t len;
    size_t cap;
};

#define FBS_VEC_INIT                                                                               \
    {                                                                                              \
        NULL, 0, 0                                                                                 \
    }

void fbs_vec_init(struct fbs_vec *v);
/* Append; 0 or FBS_ENOMEM (the vector is unchanged, the item not taken). */
int fbs_vec_push(struct fbs_vec *v, void *item);
/* Append every item of `src` and empty it; 0 or FBS_ENOMEM (then nothing moved). */
int fbs_vec_append_take(struct fbs_vec *v, struct fbs_vec *src);
/* Free the array; free each item with `free_item` when it is not NULL. */
void fbs_vec_release(struct fbs_vec *v, void (*free_item)(void *));
void fbs_vec_sort(struct fbs_vec *v, int (*cmp)(const void *a, const void *b));

#endif
