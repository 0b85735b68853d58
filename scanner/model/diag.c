/* diag.c - scan statistics and diagnostics; see diag.h. */
#include "diag.h"
#include "target.h"
#include "../core/alloc.h"
#include "../core/buf.h"

#include <stdarg.h>
#include <string.h>

#include "../core/banned.h"

const char *fbs_skip_name(enum fbs_skip s)
{
    static const char *const names[] = {"too_large", "binary",   "unreadable", "symlink",
                                        "special",   "excluded", "empty",      "submodule"};

    return (unsigned)s < FBS_SKIP__COUNT ? names[s] : "?";
}

const char *fbs_view_name(enum fbs_view v)
{
    static const char *const names[] = {"binary_strings", "utf16_transcoded", "utf32_transcoded"};

    return (unsigned)v < FBS_VIEW__COUNT ? names[v] : "?";
}

void fbs_stats_init(struct fbs_stats *s)
{
    int i;

    atomic_init(&s->blobs, 0);
    atomic_init(&s->bytes, 0);
    atomic_init(&s->files, 0);
    atomic_init(&s->records, 0);
    for (i = 0; i < FBS_SKIP__COUNT; i++)
        atomic_init(&s->skipped[i], 0);
    for (i = 0; i < FBS_VIEW__COUNT; i++)
        atomic_init(&s->views[i], 0);
    atomic_init(&s->suppressed_placeholder, 0);
    atomic_init(&s->suppressed_reference, 0);
    atomic_init(&s->suppressed_ciphertext, 0);
    atomic_init(&s->suppressed_inline, 0);
    atomic_init(&s->suppressed_ignore_file, 0);
    atomic_init(&s->baseline_new, 0);
    atomic_init(&s->baseline_unchanged, 0);
    atomic_init(&s->baseline_absent, 0);
    atomic_init(&s->findings, 0);
    atomic_init(&s->errors, 0);
    s->seconds = 0.0;
    atomic_init(&s->commits, 0);
}

int fbs_diags_init(struct fbs_diags *d, struct fbs_stats *stats, bool list_skips)
{
    fbs_vec_init(&d->items);
    d->list_skips = list_skips;
    d->stats = stats;
    return pthread_mutex_init(&d->lock, NULL) ? -1 : 0;
}

static void diag_free(void *p)
{
    struct fbs_diag *x = p;

    fbs_free(x->kind);
    fbs_free(x->path);
    fbs_free(x->message);
    fbs_free(x);
}

void fbs_diags_release(struct fbs_diags *d)
{
    fbs_vec_release(&d->items, diag_free);
    pthread_mutex_destroy(&d->lock);
}

static void diags_vadd(struct fbs_diags *d, bool error, bool notice, const char *kind,
                       const char *path, const char *fmt, va_list ap)
    __attribute__((format(printf, 6, 0)));

static void diags_vadd(struct fbs_diags *d, bool error, bool notice, const char *kind,
                       const char *path, const char *fmt, va_list ap)
{
    struct fbs_buf msg = FBS_BUF_INIT;
    struct fbs_diag *x;

    if (error && d->stats)
        atomic_fetch_add(&d->stats->errors, 1);
    if (!error && !notice && !d->list_skips)
        return;
    x = fbs_calloc(1, sizeof(*x));
    if (!x)
        return;
    if (fbs_buf_vprintf(&msg, fmt, ap) < 0) {
        fbs_free(x);
        return;
    }
    x->notice = notice;
    x->kind = fbs_strdup(kind);
    /* Subjects and messages may quote a clone URL: never its user and password. */
    if (fbs_target_strip_credentials_dup(&x->path, path) < 0)
        x->path = NULL;
    if (fbs_target_strip_credentials_dup(&x->message, msg.ptr ? msg.ptr : "") < 0)
        x->message = NULL;
    fbs_buf_release(&msg);
    x->error = error;
    pthread_mutex_lock(&d->lock);
    if (!x->kind || !x->message || (path && !x->path) || fbs_vec_push(&d->items, x) < 0)
        diag_free(x);
    pthread_mutex_unlock(&d->lock);
}

void fbs_diags_add(struct fbs_diags *d, bool error, const char *kind, const char *path,
                   const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    diags_vadd(d, error, false, kind, path, fmt, ap);
    va_end(ap);
}

void fbs_diags_notice(struct fbs_diags *d, const char *kind, const char *path, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    diags_vadd(d, false, true, kind, path, fmt, ap);
    va_end(ap);
}

static int diag_cmp(const void *a, const void *b)
{
    const struct fbs_diag *x = *(const struct fbs_diag *const *)a;
    const struct fbs_diag *y = *(const struct fbs_diag *const *)b;
    int c = strcmp(x->path ? x->path : "", y->path ? y->path : "");

    if (c)
        return c;
    c = strcmp(x->kind, y->kind);
    return c ? c : strcmp(x->message, y->message);
}

void fbs_diags_sort(struct fbs_diags *d)
{
    fbs_vec_sort(&d->items, diag_cmp);
}
