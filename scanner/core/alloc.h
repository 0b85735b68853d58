/*
 * alloc.h - every allocation of the project goes through these functions.
 *
 * They behave like the libc functions of the same name and return NULL on failure (callers turn
 * that into FBS_ENOMEM). Tests swap the implementation with fbs_alloc_set_hooks() so that leaks
 * are caught and failures can be injected; the hooks must be set before any allocation and
 * restored (NULL) after the last free.
 */
#ifndef FBS_ALLOC_H
#define FBS_ALLOC_H

#include <stddef.h>

struct fbs_alloc_hooks {
    void *(*malloc_fn)(size_t size);
    void *(*calloc_fn)(size_t nmemb, size_t size);
    void *(*realloc_fn)(void *ptr, size_t size);
    void (*free_fn)(void *ptr);
};

/* Install hooks (NULL restores libc). Not thread-safe: call before threads start. */
void fbs_alloc_set_hooks(const struct fbs_alloc_hooks *hooks);

void *fbs_malloc(size_t size);
void *fbs_calloc(size_t nmemb, size_t size);
/* Like realloc; on failure `ptr` is untouched and NULL is returned. */
void *fbs_realloc(void *ptr, size_t size);
/* Grow an array of `*cap` elements of `elem` bytes to hold at least `need`; 0 or FBS_ENOMEM. */
int fbs_array_grow(void **ptr, size_t *cap, size_t need, size_t elem);
void fbs_free(void *ptr);
/* Copies of strings and memory; NULL in gives NULL out (not an error). */
char *fbs_strdup(const char *s);
char *fbs_strndup(const char *s, size_t n);
void *fbs_memdup(const void *p, size_t n);
/* Overwrite n bytes with zeros in a way the compiler may not elide (for secrets). */
void fbs_wipe(void *p, size_t n);

#endif
