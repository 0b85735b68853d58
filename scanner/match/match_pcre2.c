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

/* One PCRE2 search from `from`, matches starting at most at `limit`. 1 found, 0 none. */
static int search(struct fbs_matcher *m, const struct fbs_rule *r, const unsigned char *data,
                  size_t len, size_t from, size_t limit)
{
    int rc;

    pcre2_set_offset_limit(m->mctx, limit);
    rc = pcre2_match(r->re, data, len, from, 0, m->md, m->mctx);
    if (rc >= 0)
        return 1;
    if (rc != PCRE2_ERROR_NOMATCH)
        m->counts.regex_errors++;
    return 0;
}

/* Every match of a prefilter rule over the whole blob. */
static int confirm_whole(struct fbs_matcher *m, const struct fbs_rule *r, const unsigned char *data,
                         size_t len)
{
    size_t pos = 0;

    while (pos <= len && search(m, r, data, len, pos, len)) {
        PCRE2_SIZE *ov = pcre2_get_ovector_pointer(m->md);

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
        size_t window = CONFIRM_WINDOW, from;
        PCRE2_SIZE *ov;
        int found;

        if (hit->last_end <= covered)
            continue;
        for (;;) {
            from = hit->first_end > covered + window ? hit->first_end - window : covered;
            found = search(m, r, data, len, from, hit->last_end);
            ov = pcre2_get_ovector_pointer(m->md);
            if (from == covered || (found && ov[0] >= from + EDGE_SLACK))
                break;
            window *= 4;
        }
        if (!found)
            continue;
        /* Emit this match and any further ones that start inside the hit range. */
        for (;;) {
            if (push_found(m, r, ov) < 0)
                return FBS_ENOMEM;
            covered = ov[1] > ov[0] ? ov[1] : ov[0] + 1;
            if (covered >= hit->last_end || !search(m, r, data, len, covered, hit->last_end))
                break;
            ov = pcre2_get_ovector_pointer(m->md);
        }
    }
    return 0;
}
