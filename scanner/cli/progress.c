/*
 * progress.c - the progress line of a scan (progress.h).
 */
#include "progress.h"
#include "../core/alloc.h"
#include "../model/diag.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "../core/banned.h"

#define DEFAULT_WIDTH 80
#define MIN_LABEL     8  /* columns: a shorter label says nothing; it is left out */
#define LABEL_WANT    24 /* columns of label worth more than the speed, size and commits */

/* 1234567 -> "1,234,567" (the same in every locale). */
static void thousands(char *out, size_t size, uint64_t n)
{
    char digits[24];
    size_t len, i, j = 0;

    len = (size_t)snprintf(digits, sizeof(digits), "%llu", (unsigned long long)n);
    for (i = 0; i < len && j + 2 < size; i++) {
        if (i && (len - i) % 3 == 0)
            out[j++] = ',';
        out[j++] = digits[i];
    }
    out[j] = '\0';
}

/* Columns a UTF-8 string takes (continuation bytes take none; wide characters are rare here). */
static size_t columns(const char *s, size_t n)
{
    size_t i, c = 0;

    for (i = 0; i < n; i++)
        c += ((unsigned char)s[i] & 0xC0) != 0x80;
    return c;
}

/* The byte offset after the first `cols` columns of s (not splitting a character). */
static size_t cut_after(const char *s, size_t n, size_t cols)
{
    size_t i = 0, c = 0;

    while (i < n) {
        if (((unsigned char)s[i] & 0xC0) != 0x80) {
            if (c == cols)
                break;
            c++;
        }
        i++;
    }
    return i;
}

/* The byte offset where the last `cols` columns of s start. */
static size_t cut_before(const char *s, size_t n, size_t cols)
{
    size_t i = n, c = 0;

    while (i > 0) {
        i--;
        if (((unsigned char)s[i] & 0xC0) != 0x80 && ++c == cols)
            break;
    }
    return c < cols ? 0 : i;
}

/* Copy the label into out (size >= 4), fitting `cols` columns: "head...tail" when longer. */
static void fit_label(char *out, size_t size, const char *label, size_t cols)
{
    char clean[1024];
    size_t n = 0, i, head, tail, a, b;

    for (i = 0; label[i] && n + 1 < sizeof(clean); i++)
        clean[n++] = (unsigned char)label[i] < 0x20 || label[i] == 0x7f ? '?' : label[i];
    clean[n] = '\0';
    if (columns(clean, n) <= cols || cols < 4) {
        snprintf(out, size, "%s", columns(clean, n) <= cols ? clean : "");
        return;
    }
    /* Keep more of the tail: the end of a path names what is being scanned; keep its last
     * component whole when it fits. */
    head = (cols - 3) / 3;
    tail = cols - 3 - head;
    {
        const char *slash = strrchr(clean, '/');
        size_t base = slash ? columns(slash, strlen(slash)) : 0;

        if (base > tail && base + 4 <= cols) {
            tail = base;
            head = cols - 3 - tail;
        }
    }
    a = cut_after(clean, n, head);
    b = cut_before(clean, n, tail);
    snprintf(out, size, "%.*s...%s", (int)a, clean, clean + b);
}

enum { F_COMMITS, F_BLOBS, F_MB, F_RATE, F_CANDIDATES, F_COUNT };

/* "scanning" + ": " + the fields on, joined by ", " (ASCII: bytes are columns). */
static size_t line_length(char field[][80], const bool *on)
{
    size_t i, n = strlen("scanning");

    for (i = 0; i < F_COUNT; i++)
        if (on[i])
            n += 2 + strlen(field[i]);
    return n;
}

size_t fbs_progress_format(char *buf, size_t size, unsigned width,
                           const struct fbs_progress_view *v)
{
    /* Dropped in this order when the line is too long. */
    static const int drop_order[] = {F_RATE, F_MB, F_COMMITS, F_BLOBS, F_CANDIDATES};
    char field[F_COUNT][80], num[32], num2[32], label[512];
    bool on[F_COUNT];
    double mb = (double)v->bytes / 1e6;
    size_t max = width > 1 ? width - 1 : 0, len, fixed, want, i, k;

    if (size == 0)
        return 0;
    thousands(num, sizeof(num), v->commits);
    snprintf(field[F_COMMITS], sizeof(field[0]), "%s commits", num);
    thousands(num, sizeof(num), v->blobs);
    if (v->files) {
        thousands(num2, sizeof(num2), v->files);
        snprintf(field[F_BLOBS], sizeof(field[0]), "%s/%s files", num, num2);
    } else {
        snprintf(field[F_BLOBS], sizeof(field[0]), "%s blobs", num);
    }
    snprintf(field[F_MB], sizeof(field[0]), "%.1f MB", mb);
    snprintf(field[F_RATE], sizeof(field[0]), "%.1f MB/s", v->seconds > 0 ? mb / v->seconds : 0);
    thousands(num, sizeof(num), v->candidates);
    snprintf(field[F_CANDIDATES], sizeof(field[0]), "%s candidate%s", num,
             v->candidates == 1 ? "" : "s");
    for (i = 0; i < F_COUNT; i++)
        on[i] = true;
    on[F_COMMITS] = v->commits > 0;
    /*
     * First make room for a useful label (up to LABEL_WANT columns) by dropping the speed, the
     * size and the commits; then, if the line is still too long, leave the label out and drop
     * what else must go.
     */
    want = 0;
    if (v->label && *v->label) {
        want = columns(v->label, strlen(v->label));
        want = want < LABEL_WANT ? want : LABEL_WANT;
    }
    for (k = 0;; k++) {
        fixed = line_length(field, on);
        if (fixed + (want ? 1 + want : 0) <= max || k == 3)
            break;
        on[drop_order[k]] = false;
    }
    if (want && fixed + 1 + MIN_LABEL > max)
        want = 0;
    for (; fixed > max && k < F_COUNT; k++) {
        on[drop_order[k]] = false;
        fixed = line_length(field, on);
    }
    label[0] = '\0';
    if (want)
        fit_label(label, sizeof(label), v->label, max - fixed - 1);
    len = (size_t)snprintf(buf, size, "scanning%s%s", label[0] ? " " : "", label);
    for (i = 0, k = 0; i < F_COUNT && len < size; i++) {
        if (!on[i])
            continue;
        len += (size_t)snprintf(buf + len, size - len, "%s%s", k++ ? ", " : ": ", field[i]);
    }
    if (len >= size)
        len = size - 1;
    /* Narrower than "scanning" alone: cut (never wrap). */
    if (columns(buf, len) > max) {
        len = cut_after(buf, len, max);
        buf[len] = '\0';
    }
    return len;
}

/* The drawing thread ----------------------------------------------------------------------------
 */

struct fbs_progress {
    const struct fbs_stats *stats;
    char *label;
    pthread_mutex_t lock;
    pthread_cond_t wake; /* signalled by stop(), so that the scan's end is not delayed */
    bool stop;           /* under lock */
    pthread_t thread;
    struct timespec t0;
};

static unsigned terminal_width(void)
{
    struct winsize ws;
    const char *env;
    long n;

    if (ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
        return ws.ws_col;
    env = getenv("COLUMNS");
    if (env && *env) {
        char *end;

        n = strtol(env, &end, 10);
        if (!*end && n > 0 && n < 10000)
            return (unsigned)n;
    }
    return DEFAULT_WIDTH;
}

static void draw(struct fbs_progress *p)
{
    struct fbs_progress_view v;
    struct timespec now;
    char line[1024], out[1040];
    size_t n;

    clock_gettime(CLOCK_MONOTONIC, &now);
    memset(&v, 0, sizeof(v));
    v.label = p->label;
    v.commits = atomic_load(&p->stats->commits);
    v.blobs = atomic_load(&p->stats->blobs);
    v.files = atomic_load(&p->stats->files);
    v.bytes = atomic_load(&p->stats->bytes);
    v.candidates = atomic_load(&p->stats->findings);
    v.seconds = (double)(now.tv_sec - p->t0.tv_sec) + (double)(now.tv_nsec - p->t0.tv_nsec) / 1e9;
    n = fbs_progress_format(line, sizeof(line), terminal_width(), &v);
    /* One write: the carriage return, the line, then erase what a longer one left. */
    n = (size_t)snprintf(out, sizeof(out), "\r%.*s\033[K", (int)n, line);
    if (write(STDERR_FILENO, out, n < sizeof(out) ? n : sizeof(out) - 1) < 0) {
        /* nothing to do: a progress line is best effort */
    }
}

static void *progress_main(void *arg)
{
    struct fbs_progress *p = arg;
    struct timespec until;
    bool stop = false;

    while (!stop) {
        draw(p);
        clock_gettime(CLOCK_MONOTONIC, &until);
        until.tv_nsec += 200 * 1000 * 1000;
        if (until.tv_nsec >= 1000000000L) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000L;
        }
        pthread_mutex_lock(&p->lock);
        while (!p->stop && pthread_cond_timedwait(&p->wake, &p->lock, &until) == 0)
            ;
        stop = p->stop;
        pthread_mutex_unlock(&p->lock);
    }
    if (write(STDERR_FILENO, "\r\033[K", 4) < 0) {
        /* best effort */
    }
    return NULL;
}

static void progress_free(struct fbs_progress *p, bool sync)
{
    if (sync) {
        pthread_cond_destroy(&p->wake);
        pthread_mutex_destroy(&p->lock);
    }
    fbs_free(p->label);
    fbs_free(p);
}

int fbs_progress_start(struct fbs_progress **out, const struct fbs_stats *stats, const char *label)
{
    struct fbs_progress *p = fbs_calloc(1, sizeof(*p));
    pthread_condattr_t ca;
    bool sync = false;

    *out = NULL;
    if (!p)
        return 0;
    p->stats = stats;
    p->label = label ? fbs_strdup(label) : NULL;
    clock_gettime(CLOCK_MONOTONIC, &p->t0);
    if (pthread_condattr_init(&ca) == 0) {
        sync = pthread_condattr_setclock(&ca, CLOCK_MONOTONIC) == 0 &&
               pthread_cond_init(&p->wake, &ca) == 0;
        pthread_condattr_destroy(&ca);
        if (sync && pthread_mutex_init(&p->lock, NULL) != 0) {
            pthread_cond_destroy(&p->wake);
            sync = false;
        }
    }
    if (!sync || pthread_create(&p->thread, NULL, progress_main, p) != 0) {
        progress_free(p, sync);
        return 0;
    }
    *out = p;
    return 0;
}

void fbs_progress_stop(struct fbs_progress *p)
{
    if (!p)
        return;
    pthread_mutex_lock(&p->lock);
    p->stop = true;
    pthread_cond_signal(&p->wake);
    pthread_mutex_unlock(&p->lock);
    pthread_join(p->thread, NULL);
    progress_free(p, true);
}
