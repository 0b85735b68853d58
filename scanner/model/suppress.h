/*
 * suppress.h - exceptions to the scanner, which must be time-bound too.
 *
 * Three ways a finding stops counting against a scan:
 *   - an inline comment `fallback-scan:allow [reason]` on the finding's line or the line above
 *     (detectors/allow.c);
 *   - an entry of an ignore file (each target's .fallbackscanignore, --ignore-file) selecting
 *     findings by fingerprint, rule or path glob, with a required reason and an optional expiry:
 *
 *         fingerprint:3f2a...e1 expires=2027-01-31  # accepted risk, ticket SEC-123
 *         rule:generic.password                      # the generic rule is noise in this repo
 *         path:test/fixtures/                        # fake credentials for tests (a directory)
 *         docs/examples/x.md                          # (a bare glob is a path entry)
 *
 *     An expired entry stops suppressing, and the report says so;
 *   - a baseline (a previous JSON, JSON Lines or SARIF report, --baseline): findings it knows
 *     are "unchanged" and do not fail the scan; the others are "new"; what it knows that the
 *     scan did not find is "absent".
 */
#ifndef FBS_SUPPRESS_H
#define FBS_SUPPRESS_H

#include <jansson.h>
#include <pthread.h>
#include <stdbool.h>

#include "../core/time.h"
#include "../core/vec.h"
#include "finding.h"

enum fbs_ignore_what { FBS_IGNORE_FINGERPRINT, FBS_IGNORE_RULE, FBS_IGNORE_PATH };

struct fbs_ignore_entry {
    enum fbs_ignore_what what;
    char *pattern; /* fingerprint (hex), rule id glob, or path glob relative to the target */
    char *reason;
    fbs_time_t expires;
    bool has_expires;
    char *file; /* where the entry was written */
    int line;
    char *target; /* the target it applies to; NULL: every target (--ignore-file) */
    bool reported_expired;
};

struct fbs_ignores {
    pthread_mutex_t lock; /* sources load ignore files from worker threads */
    struct fbs_vec entries;
};

int fbs_ignores_init(struct fbs_ignores *s);
void fbs_ignores_release(struct fbs_ignores *s);

/*
 * Parse ignore-file text named `name` and add its entries for `target` (NULL: all targets).
 * Malformed entries (no reason, a bad date, an unknown selector) are FBS_EPARSE naming the file
 * and line; nothing is added then.
 */
int fbs_ignores_load_text(struct fbs_ignores *s, const char *name, const char *text, size_t len,
                          const char *target);
/* Read a file: FBS_ENOTFOUND when it does not exist, FBS_EIO, or as above. */
int fbs_ignores_load_file(struct fbs_ignores *s, const char *path, const char *target);

/*
 * The first entry selecting `f` that has not expired at `now`, or NULL. *expired is set to an
 * expired entry that would have selected it (or NULL), so that the caller can say so.
 */
struct fbs_ignore_entry *fbs_ignores_match(struct fbs_ignores *s, const struct fbs_finding *f,
                                           fbs_time_t now, struct fbs_ignore_entry **expired);

/* A baseline: the findings of a previous report, by fingerprint. */
struct fbs_baseline {
    json_t *known; /* object: id -> {rule_id, rule_name, kind, path, line, resource, message} */
};

/* Load a JSON report (schema v1), JSON Lines, or SARIF file. FBS_EPARSE names the file. On
 * failure nothing is left to release. */
int fbs_baseline_load(struct fbs_baseline *b, const char *path);
void fbs_baseline_release(struct fbs_baseline *b);

#endif
