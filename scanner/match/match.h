/*
 * match.h - find rule matches in a blob: Vectorscan prefilter, PCRE2 confirmation, filters.
 *
 * One pass of the blob through the Vectorscan database of all rules yields (rule, end offset)
 * hits. Contiguous hits of one rule are merged into a range; each range is confirmed by the
 * rule's PCRE2 pattern searched backwards in a widening window ending at the hit, which also
 * extracts the secret group. Confirmed matches then pass the rule's keyword, entropy and checksum
 * tests and the placeholder/reference filters (docs/rules.md), and overlapping matches of
 * different rules are reduced to the most specific one.
 *
 * A matcher is per-thread scratch (Vectorscan scratch, PCRE2 match data and JIT stack, hit
 * buffers) reused across blobs; the rule set is shared read-only.
 */
#ifndef FBS_MATCH_H
#define FBS_MATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ruleset.h"

struct fbs_match {
    const struct fbs_rule *rule;
    size_t start, end;               /* the whole match */
    size_t secret_start, secret_end; /* the secret group */
};

/* Counters a matcher accumulates over its lifetime. */
struct fbs_match_counts {
    uint64_t hits;           /* Vectorscan callbacks */
    uint64_t confirmed;      /* PCRE2-confirmed matches before filters */
    uint64_t placeholder;    /* dropped: placeholder or documentation example */
    uint64_t reference;      /* dropped: variable / secret-manager reference */
    uint64_t ciphertext;     /* dropped: encrypted at rest (SOPS, Ansible Vault, sealed secret) */
    uint64_t filtered;       /* dropped: keyword, entropy or checksum test */
    uint64_t regex_errors;   /* PCRE2 resource limits hit (see fbs_matcher_regex_errors) */
    uint64_t overflow_blobs; /* blobs with too many hits: the tail was not confirmed */
    uint64_t searched;       /* bytes of match starts PCRE2 was asked to try, over all hits */
};

struct fbs_matcher;

/* Options for one scan. */
struct fbs_match_opts {
    bool binary;      /* the blob is binary: only rules with binary: true run */
    bool all_matches; /* keep overlapping matches of different rules (rule self-tests) */
    const char *path; /* the blob's path relative to its target, for path-gated rules; or NULL */
};

typedef int (*fbs_match_cb)(const struct fbs_match *m, void *payload);

/* Per-thread scratch for a compiled rule set. 0, FBS_ENOMEM or FBS_EINTERNAL. */
int fbs_matcher_new(struct fbs_matcher **out, const struct fbs_ruleset *rs);
void fbs_matcher_free(struct fbs_matcher *m);

/*
 * Scan `len` bytes and call `cb` for each surviving match, in order of the secret's start offset. A
 * non-zero return from `cb` stops the scan and is returned. Other returns: 0, FBS_ENOMEM,
 * FBS_EINTERNAL.
 */
int fbs_matcher_scan(struct fbs_matcher *m, const unsigned char *data, size_t len,
                     const struct fbs_match_opts *opts, fbs_match_cb cb, void *payload);

/*
 * Only the first two stages of fbs_matcher_scan (prefilter and confirmation; no filters, no
 * callbacks): for the rule self-test of resource limits, whose outcome is
 * fbs_matcher_regex_errors. 0, FBS_ENOMEM, FBS_EINTERNAL.
 */
int fbs_matcher_confirm_only(struct fbs_matcher *m, const unsigned char *data, size_t len,
                             const struct fbs_match_opts *opts);

/* The counters so far (borrowed). */
const struct fbs_match_counts *fbs_matcher_counts(const struct fbs_matcher *m);

/*
 * A rule whose PCRE2 search hit a resource limit (match limit, depth or heap limit, JIT stack) in
 * the last scanned blob. The search resumes at the next line after the failing search's start
 * (at most FBS_REGEX_RESUME_STEP bytes on), so later matches are still found; after
 * FBS_REGEX_MAX_ERRORS failures the rule is given up for that blob (`gave_up`). What lies between
 * a failing start and the resume point may hold missed matches: the caller reports it (the scan
 * is incomplete).
 */
#define FBS_REGEX_RESUME_STEP 1024
#define FBS_REGEX_MAX_ERRORS  16

struct fbs_regex_error {
    const struct fbs_rule *rule;
    size_t offset;  /* where the first failing search started */
    int code;       /* the first PCRE2 error code */
    unsigned count; /* failing searches of this rule in the blob */
    bool gave_up;   /* FBS_REGEX_MAX_ERRORS reached: the rest of the blob was not searched */
};

/* The rules that hit a limit in the last fbs_matcher_scan (borrowed, valid until the next). */
const struct fbs_regex_error *fbs_matcher_regex_errors(const struct fbs_matcher *m, size_t *n);

/* "match limit", "depth limit", "heap limit", "JIT stack limit", or PCRE2's message. */
const char *fbs_regex_error_name(int code, char *buf, size_t size);

/* The filters, exposed for tests and for the rule self-test. ---------------------------------- */

enum fbs_filter_verdict {
    FBS_FILTER_KEEP = 0,
    FBS_FILTER_PLACEHOLDER,
    FBS_FILTER_REFERENCE,
    FBS_FILTER_CIPHERTEXT,
};

/*
 * Whether the secret at data[start, end) is a placeholder/documentation value, a reference to a
 * secret kept elsewhere (looking at the secret and the text before it on its line), or
 * ciphertext whose key is kept elsewhere: a SOPS ENC[...] value, an Ansible Vault or PGP
 * block, a value under a sealed secret's encryptedData.
 */
enum fbs_filter_verdict fbs_filter_secret(const unsigned char *data, size_t len, size_t start,
                                          size_t end);

/* Whether a GitHub/npm style token's trailing base62 CRC-32 is right. */
bool fbs_validate_github_crc32(const char *token, size_t len);

#endif
