/* alloc.c - allocation entry points; see alloc.h. */
#include "alloc.h"
#include "error.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "banned.h"

static struct fbs_alloc_hooks hooks;
static int hooked;

void fbs_alloc_set_hooks(const struct fbs_alloc_hooks *h)
{
    if (h) {
        hooks = *h;
        hooked = 1;
    } else {
        memset(&hooks, 0, sizeof(hooks));
        hooked = 0;
    }
}

void *fbs_malloc(size_t size)
{
    return hooked ? hooks.malloc_fn(size ? size : 1) : malloc(size ? size : 1);
}

void *fbs_calloc(size_t nmemb, size_t size)
{
    if (!nmemb || !size)
        nmemb = size = 1;
    return hooked ? hooks.calloc_fn(nmemb, size) : calloc(nmemb, size);
}

void *fbs_realloc(void *ptr, size_t size)
{
    return hooked ? hooks.realloc_fn(ptr, size ? size : 1) : realloc(ptr, size ? size : 1);
}

void fbs_free(void *ptr)
{
    if (!ptr)
        return;
    if (hooked)
        hooks.free_fn(ptr);
    else
        free(ptr);
}

int fbs_array_grow(void **ptr, size_t *cap, size_t need, size_t elem)
{
    size_t ncap;
    void *p;

    if (need <= *cap)
        return 0;
    ncap = *cap ? *cap : 8;
    while (ncap < need) {
        if (ncap > SIZE_MAX / 2)
            return fbs_error_set(FBS_ENOMEM, "array too large");
        ncap *= 2;
    }
    if (ncap > SIZE_MAX / elem)
        return fbs_error_set(FBS_ENOMEM, "array too large");
    p = fbs_realloc(*ptr, ncap * elem);
    if (!p)
        return fbs_error_set(FBS_ENOMEM, "out of memory");
    *ptr = p;
    *cap = ncap;
    return 0;
}

char *fbs_strdup(const char *s)
{
    return s ? fbs_strndup(s, strlen(s)) : NULL;
}

char *fbs_strndup(const char *s, size_t n)
{
    char *p;

    if (!s)
        return NULL;
    p = fbs_malloc(n + 1);
    if (!p)
        return NULL;
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

void *fbs_memdup(const void *src, size_t n)
{
    void *p;

    if (!src)
        return NULL;
    p = fbs_malloc(n ? n : 1);
    if (p && n)
        memcpy(p, src, n);
    return p;
}

void fbs_wipe(void *p, size_t n)
{
    /* explicit_bzero: as fast as memset, and never optimised away. */
    if (p)
        explicit_bzero(p, n);
}
