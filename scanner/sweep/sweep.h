/*
 * sweep.h - sweeps: many targets scanned by the pipeline, remembered in a datastore.
 *
 * A sweep reads a configuration (sweep_config.c), plans one target scan per target in the
 * datastore (sweep_run.c), and lets `jobs` workers claim target scans and run the pipeline on
 * each; each target's findings are committed in one transaction. A target whose ref tips did
 * not change since its last completed scan (same rules and policy hash) is not read again: its
 * findings are carried over and re-scored at the new now (sweep_record.c). A target with new
 * commits on top of its old tips is scanned only for what those commits introduced.
 *
 * The sweep logic talks to the history only through store/datastore.h. Nothing here prints or
 * exits; progress and per-target outcomes go to callbacks.
 */
#ifndef FBS_SWEEP_H
#define FBS_SWEEP_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "../../detectors/policy.h"
#include "../../detectors/verify.h"
#include "../../detectors/vocab.h"
#include "../cloud/cloud.h"
#include "../core/time.h"
#include "../match/ruleset.h"
#include "../model/finding.h"
#include "../model/suppress.h"
#include "../store/datastore.h"

/* One target of a configuration, before discovery (a glob or a URL file is expanded at plan). */
struct fbs_sweep_target {
    char *kind;     /* path | url | glob | url_file | inventory | aws | github | gitlab */
    char *location; /* expanded path, URL, pattern or file ("aws" for aws) */
    char *profile, *region, *endpoint_url, *ca_bundle; /* aws: as 'cloud aws' takes them */
    char **excludes, **includes;
    size_t nexcludes, nincludes;
    uint64_t max_blob_size; /* 0: the default */
    int line;               /* in the configuration file */
    /* github | gitlab (discover.h): location is the org, user or group; api the API base
     * (NULL: the public service); the token's environment variable (NULL: GITHUB_TOKEN /
     * GITLAB_TOKEN); forks and archived repositories kept; globs on the repository's full name;
     * the longest rate-limit wait (0: the default). */
    char *api, *token_env;
    bool forks, archived;
    char **repo_includes, **repo_excludes;
    size_t nrepo_includes, nrepo_excludes;
    long max_wait_s;
};

struct fbs_sweep_config {
    char *path; /* the file read */
    struct fbs_sweep_target *targets;
    size_t ntargets;
    char *policy_file, *ignore_file, *cache_dir, *datastore;
    char **rule_dirs;
    size_t nrule_dirs;
    bool no_builtin_rules;
    /* Live verification (docs/verify.md): `verify`, `verify_internal`, and how long a result
     * is reused from the datastore (`verify_cache_ttl`, seconds; 0: always ask again). */
    bool verify, verify_internal;
    int64_t verify_cache_ttl;
};

#define FBS_SWEEP_VERIFY_TTL (24 * 3600) /* verify_cache_ttl by default */

/*
 * Read a sweep configuration: `targets: [PATH|URL, ...]`, or the full form (docs/sweep.md).
 * Relative paths are relative to the file's directory; `~/` is $HOME. FBS_EPARSE with
 * "'FILE': line N: problem"; FBS_EIO when unreadable; FBS_ENOMEM.
 */
int fbs_sweep_config_load(struct fbs_sweep_config *out, const char *path);
void fbs_sweep_config_release(struct fbs_sweep_config *c);

/*
 * A remote URL without credentials, query or fragment, lowercase scheme and host, without a
 * trailing '/' or '.git'; scp-like user@host:path becomes ssh://host/path. NULL when `url` is
 * not a URL, or on ENOMEM. Caller frees.
 */
char *fbs_sweep_public_url(const char *url);
/* Whether `s` is a URL or an scp-like address rather than a path. */
bool fbs_sweep_is_url(const char *s);

/* Progress, called from the workers under the sweep's lock. */
struct fbs_sweep_progress {
    size_t done, total, failed, findings;
    const char *current; /* target just started or finished */
};

/* What happened to one target, for the command's diagnostics. */
struct fbs_sweep_outcome {
    const char *target;
    const char *mode;  /* full | incremental | unchanged, or NULL when it failed */
    const char *error; /* the failure or the first error diagnostic, or NULL */
    bool failed;
    size_t nfindings;
};

struct fbs_sweep_opts {
    struct fbs_store *store;
    const struct fbs_sweep_config *config;
    const char *config_path;
    const struct fbs_ruleset *rules;
    const struct fbs_vocab *vocab;
    const struct fbs_policy *policy;
    const json_t *policy_json;
    struct fbs_ignores *ignores; /* ignore_file entries, or NULL */
    fbs_time_t now;
    unsigned jobs;          /* targets scanned at once, >= 1 */
    unsigned threads;       /* pipeline threads per target, >= 1 */
    uint64_t max_file_size; /* default blob size limit */
    bool full;              /* rescan everything */
    /* Live verification of the targets read (NULL: none), its results cached in the store for
     * verify_ttl seconds. A carried-over finding takes the cached result; when it has none
     * still fresh, its target is read in full (the secret is not stored). */
    const struct fbs_verify_opts *verify;
    int64_t verify_ttl;
    bool resume; /* continue the latest unfinished sweep */
    /*
     * The work queue (docs/fleet.md): `plan_only` records the sweep and its pending target scans
     * and returns; `work` plans nothing and claims target scans of sweep `sweep_id` (0: the
     * latest unfinished one) beside other workers, leaving the others' leases alone. `run` is
     * plan then work in one process. A claim holds a lease of `lease` seconds (0: 3600) that a
     * heartbeat extends every lease/3; a scan whose worker died is claimed again once its lease
     * expired, at most `max_attempts` times (0: 3), then recorded failed.
     */
    bool plan_only, work;
    int64_t sweep_id;
    int64_t lease;
    unsigned max_attempts;
    const char *cache_dir;               /* clones of URL targets */
    unsigned clone_timeout, clone_stall; /* their fetches' bounds in seconds, 0: the defaults */
    const char *tool_version;
    /* AWS targets: the credential environment (AWS_*, HOME), the roles/secrets filter, the
     * retry back-off (0: the collector's default). */
    const struct fbs_aws_env *aws_env;
    bool (*aws_filter)(const char *text, size_t len, void *payload);
    unsigned aws_backoff_ms;
    atomic_bool *cancel; /* set (SIGINT) to stop claiming; in-flight targets are dropped */
    void (*progress)(const struct fbs_sweep_progress *p, void *payload);
    void (*outcome)(const struct fbs_sweep_outcome *o, void *payload);
    void *payload;
};

struct fbs_sweep_summary {
    int64_t sweep_id;
    size_t targets, done, failed, findings;
    size_t partial; /* targets recorded with error diagnostics (something could not be read) */
    bool interrupted, incomplete;
    size_t mine;    /* target scans this process recorded (done or failed) */
    size_t running; /* work: target scans still leased by other workers at the end */
};

/*
 * Run (or with opts->resume, continue) a sweep. Per-target failures are outcomes, not errors.
 * Returns 0, or a negative FBS_E* for what stops the whole sweep (datastore, memory, a
 * malformed target list); FBS_ENOTFOUND when --resume finds nothing to resume.
 */
int fbs_sweep_run(struct fbs_sweep_summary *out, const struct fbs_sweep_opts *opts);

/* The hex SHA-256 of the rules, the policy and the scoring version: a change forces rescans. */
int fbs_sweep_rules_hash(char out[65], const struct fbs_ruleset *rules, const json_t *policy);

/* Mix `what` into a rules hash (hex, in place): a setting that changes what is recorded. */
int fbs_sweep_hash_mix(char hash[65], const char *what);

/* Record of a finding ------------------------------------------------------------------------ */

/* A finding's score input (what re-scoring at a later now needs; never the secret). */
json_t *fbs_sweep_score_input(const struct fbs_finding *f);
/*
 * Re-score a stored finding at `now`: rebuild the facts from `score_input`, run the
 * now-dependent detectors (age, expiry, usage) and the scorer, and patch `record` (the report
 * JSON of the finding) and `score_input` in place. Sets *risk, *severity (static), *standing.
 */
int fbs_sweep_rescore(json_t *record, json_t *score_input, fbs_time_t now,
                      const struct fbs_policy *policy, const struct fbs_vocab *vocab, int *risk,
                      const char **severity, int *standing);

/*
 * A finding rebuilt from its stored report record (the JSON report's finding object), for the
 * reporters: everything but the secret itself (the snippet is the redacted one). `target` and
 * `place` become f->target and f->rel_path. NULL on ENOMEM. Free with fbs_finding_free().
 */
struct fbs_finding *fbs_sweep_finding_from_record(const json_t *record, const char *target,
                                                  const char *place);

#endif
