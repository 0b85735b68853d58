/*
 * allow.c - inline exceptions: a `fallback-scan:allow` comment on the finding's line or the line
 * above suppresses it, with the rest of that comment as the reason:
 *
 *     api_key = "..."  # fallback-scan:allow test fixture, not a real key
 *
 * The finding is still reported with --show-suppressed (and in SARIF, as a suppression).
 */
#include "detector.h"
#include "../scanner/core/error.h"
#include "../scanner/core/text.h"

#include <string.h>

#include "../scanner/core/banned.h"

#define MARK     "fallback-scan:allow"
#define MARK_LEN (sizeof(MARK) - 1)

/* The start of the line holding offset `off`. */
static size_t line_start(const unsigned char *d, size_t off)
{
    while (off > 0 && d[off - 1] != '\n')
        off--;
    return off;
}

static size_t line_end(const unsigned char *d, size_t len, size_t off)
{
    const unsigned char *nl = memchr(d + off, '\n', len - off);

    return nl ? (size_t)(nl - d) : len;
}

/* The reason after the mark: up to the end of the line or a comment closer, trimmed. */
static int set_reason(struct fbs_finding *f, const char *s, size_t n)
{
    static const char *const closers[] = {"*/", "-->", "#}", "%>", NULL};
    size_t i;

    for (i = 0; closers[i]; i++) {
        const char *c = memmem(s, n, closers[i], strlen(closers[i]));

        if (c)
            n = (size_t)(c - s);
    }
    while (n && (*s == ' ' || *s == '\t' || *s == ':' || *s == '-'))
        s++, n--;
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
        n--;
    return fbs_finding_set_strn(&f->suppression_reason, n ? s : "no reason given",
                                n ? (n > 200 ? 200 : n) : 15);
}

static int allow_run(struct fbs_finding *f, const struct fbs_detect_ctx *ctx)
{
    const struct fbs_blob *b = ctx->blob;
    size_t ls, from, to;
    const char *hit;

    if (!b || !b->data || f->secret_start > b->len || b->binary)
        return 0;
    ls = line_start(b->data, f->secret_start);
    from = ls > 0 ? line_start(b->data, ls - 1) : ls; /* the line above */
    to = line_end(b->data, b->len, f->secret_end < b->len ? f->secret_end : b->len);
    hit = memmem(b->data + from, to - from, MARK, MARK_LEN);
    if (!hit)
        return 0;
    f->suppression = FBS_SUPPRESSED_INLINE;
    {
        size_t at = (size_t)((const unsigned char *)hit - b->data) + MARK_LEN;

        return set_reason(f, (const char *)b->data + at, line_end(b->data, b->len, at) - at);
    }
}

const struct fbs_detector fbs_detector_allow = {
    .name = "allow",
    .stage = FBS_STAGE_CONTEXT,
    .kinds = NULL,
    .run = allow_run,
};
