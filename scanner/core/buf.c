/* buf.c - growable byte buffer; see buf.h. */
#include "buf.h"
#include "alloc.h"
#include "error.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "banned.h"

char fbs_buf__empty[1];

void fbs_buf_init(struct fbs_buf *b)
{
    b->ptr = fbs_buf__empty;
    b->len = 0;
    b->cap = 0;
}

void fbs_buf_release(struct fbs_buf *b)
{
    if (b->cap)
        fbs_free(b->ptr);
    fbs_buf_init(b);
}

void fbs_buf_release_wipe(struct fbs_buf *b)
{
    if (b->cap)
        fbs_wipe(b->ptr, b->cap);
    fbs_buf_release(b);
}

int fbs_buf_grow(struct fbs_buf *b, size_t extra)
{
    size_t need, ncap;
    char *p;

    if (extra > SIZE_MAX - b->len - 1)
        return fbs_error_set(FBS_ENOMEM, "buffer too large");
    need = b->len + extra + 1;
    if (need <= b->cap)
        return 0;
    ncap = b->cap ? b->cap : 64;
    while (ncap < need)
        ncap = ncap * 2 > ncap ? ncap * 2 : need;
    p = fbs_realloc(b->cap ? b->ptr : NULL, ncap);
    if (!p)
        return fbs_error_set(FBS_ENOMEM, "out of memory");
    if (!b->cap)
        p[0] = '\0';
    b->ptr = p;
    b->cap = ncap;
    return 0;
}

int fbs_buf_put(struct fbs_buf *b, const void *data, size_t len)
{
    if (fbs_buf_grow(b, len) < 0)
        return FBS_ENOMEM;
    if (len)
        memcpy(b->ptr + b->len, data, len);
    b->len += len;
    b->ptr[b->len] = '\0';
    return 0;
}

int fbs_buf_puts(struct fbs_buf *b, const char *s)
{
    return fbs_buf_put(b, s, strlen(s));
}

int fbs_buf_putc(struct fbs_buf *b, char c)
{
    return fbs_buf_put(b, &c, 1);
}

int fbs_buf_vprintf(struct fbs_buf *b, const char *fmt, va_list ap)
{
    va_list cp;
    int n;

    va_copy(cp, ap);
    n = vsnprintf(NULL, 0, fmt, cp);
    va_end(cp);
    if (n < 0)
        return fbs_error_set(FBS_EINTERNAL, "bad format");
    if (fbs_buf_grow(b, (size_t)n) < 0)
        return FBS_ENOMEM;
    vsnprintf(b->ptr + b->len, (size_t)n + 1, fmt, ap);
    b->len += (size_t)n;
    return 0;
}

int fbs_buf_printf(struct fbs_buf *b, const char *fmt, ...)
{
    va_list ap;
    int rc;

    va_start(ap, fmt);
    rc = fbs_buf_vprintf(b, fmt, ap);
    va_end(ap);
    return rc;
}

void fbs_buf_truncate(struct fbs_buf *b, size_t len)
{
    if (len < b->len) {
        b->len = len;
        b->ptr[len] = '\0';
    }
}

char *fbs_buf_detach(struct fbs_buf *b)
{
    char *p;

    if (b->cap) {
        p = b->ptr;
    } else {
        p = fbs_strdup("");
        if (!p)
            return NULL;
    }
    fbs_buf_init(b);
    return p;
}

int fbs_buf_read_file(struct fbs_buf *b, const char *path, size_t max)
{
    size_t start = b->len;
    int fd = open(path, O_RDONLY | O_CLOEXEC), rc = 0;

    if (fd < 0)
        return fbs_error_set(errno == ENOENT ? FBS_ENOTFOUND : FBS_EIO, "cannot read '%s': %s",
                             path, strerror(errno));
    for (;;) {
        ssize_t n;

        if (fbs_buf_grow(b, 65536) < 0) {
            rc = FBS_ENOMEM;
            break;
        }
        n = read(fd, b->ptr + b->len, 65536);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            rc = fbs_error_set(FBS_EIO, "cannot read '%s': %s", path, strerror(errno));
            break;
        }
        if (n == 0)
            break;
        b->len += (size_t)n;
        b->ptr[b->len] = '\0';
        if (max && b->len - start > max) {
            rc = fbs_error_set(FBS_EIO, "cannot read '%s': larger than %zu bytes", path, max);
            break;
        }
    }
    close(fd);
    return rc;
}
