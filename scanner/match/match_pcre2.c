/*
 * match_pcre2.c - the confirmation stage: turn Vectorscan hit ranges into exact matches with
 * capture groups, using each rule's PCRE2 pattern.
 *
 * Vectorscan without start-of-match tells us only where a match ends. We search with PCRE2 from a
 * window start S before the first end of a hit range, limiting match starts to the range's last
 * end (PCRE2_USE_OFFSET_LIMIT), so the search never runs past the hit. If no match is found, or
 * the match starts exactly at S (it may have been cut short by the window), the window widens
 * fourfold until it reaches the end of the previous confirmed match of the rule. A match that
 * starts within EDGE_SLACK bytes of the window start may be the tail of a longer one, so it
 * widens the window too. Lookbehinds may
 * look before S, so `\b` and friends behave as over the whole blob.
 */
#include "match_int.h"
#include "../core/alloc.h"
#include "../core/error.h"

#include <stdio.h>
#include <string.h>

#include "../core/banned.h"

#define CONFIRM_WINDOW 256
/*
 * A match found within this many bytes of the window start may be the tail of a longer match
 * that began before the window (a repetition restarts within one repeated unit): widen and look
 * again. Real matches that start there cost one extra search.
 */
#define EDGE_SLACK 64

static int push_found(struct fbs_matcher *m, const struct fbs_rule *r, const PCRE2_SIZE *ov)
{
    struct fbs_match *x;
    unsigned g = r->secret_group;

    if (fbs_array_grow((void **)&m->found, &m->found_cap, m->nfound + 1, sizeof(*m->found)) < 0)
        return FBS_ENOMEM;
    x = &m->found[m->nfound++];
    x->rule = r;
    x->start = ov[0];
    x->end = ov[1];
    if (g && ov[2 * g] != PCRE2_UNSET) {
        x->secret_start = ov[2 * g];
        x->secret_end = ov[2 * g + 1];
    } else {
        x->secret_start = ov[0];
        x->secret_end = ov[1];
    }
    m->counts.confirmed++;
    return 0;
}

const char *fbs_regex_error_name(int code, char *buf, size_t size)
{
    switch (code) {
    case PCRE2_ERROR_MATCHLIMIT:
        return "match limit";
    case PCRE2_ERROR_DEPTHLIMIT:
        return "depth limit";
    case PCRE2_ERROR_HEAPLIMIT:
        return "heap limit";
    case PCRE2_ERROR_JIT_STACKLIMIT:
        return "JIT stack limit";
    default:
        if (pcre2_get_error_message(code, (PCRE2_UCHAR *)buf, size) < 0)
            snprintf(buf, size, "PCRE2 error %d", code);
        return buf;
    }
}

/* Record a failing search of `r` from `from`; false once the rule is given up for the blob. */
static int record_error(struct fbs_matcher *m, const struct fbs_rule *r, size_t from, int code)
{
    struct fbs_regex_error *e = NULL;
    size_t i;

    m->counts.regex_errors++;
    for (i = 0; i < m->nerrors; i++)
        if (m->errors[i].rule == r)
            e = &m->errors[i];
    if (!e) {
        if (fbs_array_grow((void **)&m->errors, &m->errors_cap, m->nerrors + 1,
                           sizeof(*m->errors)) < 0)
            return FBS_ENOMEM;
        e = &m->errors[m->nerrors++];
        e->rule = r;
        e->offset = from;
        e->code = code;
        e->count = 0;
        e->gave_up = false;
    }
    if (++e->count >= FBS_REGEX_MAX_ERRORS)
        e->gave_up = true;
    return e->gave_up ? 0 : 1;
}

/* search() results besides 1 (found), 0 (none) and FBS_ENOMEM. */
#define SEARCH_LIMIT   2 /* a resource limit was hit (recorded): resume further on */
#define SEARCH_GIVE_UP 3 /* likewise, and the rule is given up for this blob */

/* One PCRE2 search from `from`, matches starting at most at `limit`; see above. */
static int search(struct fbs_matcher *m, const struct fbs_rule *r, const unsigned char *data,
                  size_t len, size_t from, size_t limit)
{
    int rc;

    pcre2_set_offset_limit(m->mctx, limit);
    m->counts.searched += limit >= from ? limit - from + 1 : 0;
    rc = pcre2_match(r->re, data, len, from, 0, m->md, m->mctx);
    if (rc >= 0)
        return 1;
    if (rc == PCRE2_ERROR_NOMATCH)
        return 0;
    rc = record_error(m, r, from, rc);
    return rc < 0 ? rc : rc ? SEARCH_LIMIT : SEARCH_GIVE_UP;
}

/* Where to search again after a search from `from` failed: the next line, or a step on. */
static size_t resume_after(const unsigned char *data, size_t len, size_t from)
{
    size_t end = len - from > FBS_REGEX_RESUME_STEP ? from + FBS_REGEX_RESUME_STEP : len;
    const unsigned char *nl = from < len ? memchr(data + from, '\n', end - from) : NULL;

    return nl ? (size_t)(nl - data) + 1 : end > from ? end : from + 1;
}

/* Every match of a prefilter rule over the whole blob. */
static int confirm_whole(struct fbs_matcher *m, const struct fbs_rule *r, const unsigned char *data,
                         size_t len)
{
    size_t pos = 0;
    int found;

    while (pos <= len && (found = search(m, r, data, len, pos, len)) != 0) {
        PCRE2_SIZE *ov = pcre2_get_ovector_pointer(m->md);

        if (found == FBS_ENOMEM)
            return FBS_ENOMEM;
        if (found == SEARCH_GIVE_UP)
            break;
        if (found == SEARCH_LIMIT) {
            pos = resume_after(data, len, pos);
            continue;
        }
        if (push_found(m, r, ov) < 0)
            return FBS_ENOMEM;
        pos = ov[1] > ov[0] ? ov[1] : ov[0] + 1;
    }
    return 0;
}

int fbs_confirm_rule(struct fbs_matcher *m, unsigned rule, const unsigned char *data, size_t len)
{
    const struct fbs_rule *r = m->rs->rules[rule];
    size_t covered = 0;
    unsigned h;

    fbs_rule_prepare(r);
    if (r->prefilter)
        return confirm_whole(m, r, data, len);
    for (h = m->head[rule]; h; h = m->hits[h - 1].next) {
        const struct fbs_hit *hit = &m->hits[h - 1];
        size_t window = CONFIRM_WINDOW, from, floor;
        PCRE2_SIZE *ov;
        int found;

        if (hit->last_end <= covered)
            continue;
    retry:
        window = CONFIRM_WINDOW;
        /* A match that starts before first_end - max_len ends before this hit: its own hit,
         * earlier, found it. So a bounded rule never looks further back than that. */
        floor = covered;
        if (r->max_len && hit->first_end > covered + r->max_len + EDGE_SLACK)
            floor = hit->first_end - r->max_len - EDGE_SLACK;
        for (;;) {
            from = hit->first_end > floor + window ? hit->first_end - window : floor;
            found = search(m, r, data, len, from, hit->last_end);
            ov = pcre2_get_ovector_pointer(m->md);
            if (found != 0 && found != 1)
                break;
            if (from == floor || (found && ov[0] >= from + EDGE_SLACK))
                break;
            window *= 4;
        }
        /* Nothing starts between `floor` and the hit, nor (see above) before it after
         * `covered`: later hits need not search there again. Without this, every unconfirmed
         * hit of an unbounded rule searched back to the last match or the blob's start, and a
         * large blob with many such hits cost hits x size. */
        if (found == 0)
            covered = hit->last_end;
        /* Emit this match and any further ones that start inside the hit range. */
        while (found == 1) {
            if (push_found(m, r, ov) < 0)
                return FBS_ENOMEM;
            covered = ov[1] > ov[0] ? ov[1] : ov[0] + 1;
            if (covered >= hit->last_end)
                break;
            from = covered;
            found = search(m, r, data, len, from, hit->last_end);
            ov = pcre2_get_ovector_pointer(m->md);
        }
        if (found == FBS_ENOMEM)
            return FBS_ENOMEM;
        if (found == SEARCH_GIVE_UP)
            return 0;                /* given up for this blob */
        if (found == SEARCH_LIMIT) { /* search again from the next line */
            covered = resume_after(data, len, from);
            if (covered < hit->last_end)
                goto retry;
        }
    }
    return 0;
}
