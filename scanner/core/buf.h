/*
 * buf.h - a growable byte buffer (git's strbuf, reduced).
 *
 * Invariant: after fbs_buf_init() `ptr` is never NULL and ptr[len] == '\0', so a buffer can be
 * used as a C string at any time. The buffer owns `ptr`; fbs_buf_detach() hands it out.
 * Functions that grow the buffer return 0 or FBS_ENOMEM (the buffer is then unchanged).
 */
#ifndef FBS_BUF_H
#define FBS_BUF_H

#include <stdarg.h>
#include <stddef.h>

struct fbs_buf {
    char *ptr;
    size_t len;
    size_t cap; /* 0 while ptr points at the shared empty string */
};

#define FBS_BUF_INIT                                                                               \
    {                                                                                              \
        fbs_buf__empty, 0, 0                                                                       \
    }
extern char fbs_buf__empty[];

void fbs_buf_init(struct fbs_buf *b);
/* Free the contents; the buffer is left initialised and empty. */
void fbs_buf_release(struct fbs_buf *b);
/* Like release, but overwrite the bytes first (secrets). */
void fbs_buf_release_wipe(struct fbs_buf *b);
/* Make room for `extra` more bytes. */
int fbs_buf_grow(struct fbs_buf *b, size_t extra);
int fbs_buf_put(struct fbs_buf *b, const void *data, size_t len);
int fbs_buf_puts(struct fbs_buf *b, const char *s);
int fbs_buf_putc(struct fbs_buf *b, char c);
int fbs_buf_printf(struct fbs_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int fbs_buf_vprintf(struct fbs_buf *b, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));
void fbs_buf_truncate(struct fbs_buf *b, size_t len);
/* Return the heap string (caller frees with fbs_free) and reset the buffer; NULL on ENOMEM. */
char *fbs_buf_detach(struct fbs_buf *b);

/*
 * Append the whole file at `path` to `b` (NUL-terminated as always). `max` > 0 bounds it: a
 * longer file is FBS_EIO "larger than N bytes". FBS_ENOTFOUND when it does not exist, FBS_EIO
 * when it cannot be read, FBS_ENOMEM; every message names the path.
 */
int fbs_buf_read_file(struct fbs_buf *b, const char *path, size_t max);

#endif
