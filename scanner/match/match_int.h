/*
 * match_int.h - internals shared by match_hs.c (the Vectorscan stage and the driver) and
 * match_pcre2.c (the confirmation stage).
 */
#ifndef FBS_MATCH_INT_H
#define FBS_MATCH_INT_H

#include "match.h"

#include <hs/hs.h>

/* A run of contiguous Vectorscan ends of one rule. */
struct fbs_hit {
    unsigned rule;
    unsigned next; /* index+1 of the rule's next hit, 0 = last */
    size_t first_end, last_end;
};

/*
 * A path gate glob, pre-classified: most are "lit", "*lit" or "*lit*" on the last path
 * component.
 */
enum fbs_gate_kind { FBS_GATE_NAME, FBS_GATE_SUFFIX, FBS_GATE_INFIX, FBS_GATE_GLOB };

struct fbs_gate {
    const char *lit; /* the literal (SUFFIX, INFIX) or the whole glob (GLOB), borrowed */
    size_t len;
    enum fbs_gate_kind kind;
    const char *need; /* GLOB: a literal every matching path contains (borrowed), or NULL */
    size_t need_len;
};

struct fbs_matcher {
    const struct fbs_ruleset *rs;
    struct fbs_gate *gates; /* one per rs->gate_globs, group by group */
    hs_scratch_t *hs;
    pcre2_match_data *md;
    pcre2_match_context *mctx;
    pcre2_jit_stack *jit_stack;

    struct fbs_hit *hits;
    size_t nhits, hits_cap;
    unsigned *head, *tail; /* per rule: index+1 of first/last hit in this blob, 0 = none */
    unsigned *touched;     /* rules with hits in this blob */
    size_t ntouched;
    bool hit_overflow;

    struct fbs_match *found;
    size_t nfound, found_cap;

    struct fbs_regex_error *errors; /* this blob's, one per failing rule */
    size_t nerrors, errors_cap;

    struct fbs_match_counts counts;
};

/* Confirm one rule's hits over data; appends to m->found. 0 or FBS_ENOMEM. */
int fbs_confirm_rule(struct fbs_matcher *m, unsigned rule, const unsigned char *data, size_t len);

#endif
