/*
 * datastore.h - where sweeps remember: the backend-independent interface of the sweep history.
 *
 * Sweep logic (scanner/sweep/) talks only to this interface: a `struct fbs_store` whose first
 * member points at a const table of operations (`struct fbs_store_ops`). Two backends implement
 * it: the embedded SQLite file (store_sqlite.c) and PostgreSQL shared by many workers
 * (store_pg.c: scan_claim is SELECT ... FOR UPDATE SKIP LOCKED with a lease; docs/fleet.md).
 *
 * The model (docs/sweep.md describes the schema):
 *   - a sweep is one run over a configuration, at a `now`, under a rules+policy hash;
 *   - a target has a stable identity (the normalised remote URL without credentials, else the
 *     real path; root commits are kept as a fallback key, so a renamed repository stays the same
 *     target);
 *   - a target scan is the unit of work of a sweep: pending -> running (leased, attempts + 1) ->
 *     done | failed. Its results are committed in one transaction (scan_commit), so an
 *     interrupted sweep loses nothing that was recorded and records nothing twice;
 *   - a secret is known by a keyed HMAC (the key is random and kept in the datastore) and its
 *     redacted form: never the secret itself, never a bare hash;
 *   - a finding is a secret found by a rule at a place (path or resource) within a target. Its
 *     lifecycle state is open | fixed | reopened: only a complete target scan marks the findings
 *     it did not see again fixed; a fixed finding seen again is reopened;
 *   - decisions (triage) are append-only: accepted | false_positive | revoked, with a required
 *     reason, a reviewer, an optional expiry and a ticket. An acceptance whose expiry has passed
 *     at a sweep's now reopens the finding and is reported as due.
 *
 * Errors: every operation returns 0 (or a documented positive value) or a negative FBS_E* with
 * fbs_error_set(). Strings handed in are copied; strings in rows given to callbacks are borrowed
 * for the call only. A store is used from one thread at a time (callers serialise).
 */
#ifndef FBS_DATASTORE_H
#define FBS_DATASTORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../core/time.h"

#define FBS_STORE_SCHEMA_VERSION 2

struct fbs_store_ops;

/* A backend's handle starts with this. */
struct fbs_store {
    const struct fbs_store_ops *ops;
};

struct fbs_store_sweep {
    int64_t id;
    fbs_time_t started, finished; /* wall clock; finished 0 while running */
    fbs_time_t now;               /* the sweep's --now */
    const char *tool_version;
    const char *rules_hash; /* hex SHA-256 of the rules, the policy and the scoring version */
    const char *config;     /* the configuration file, for the record */
    const char *status;     /* running | done | incomplete | interrupted */
    int64_t ntargets, ndone, nfailed, nfindings;
};

/* A target as the sweep plans it. */
struct fbs_store_target {
    const char *kind;         /* git | path | url | inventory */
    const char *identity;     /* stable key (see above) */
    const char *display;      /* what reports show (no credentials) */
    const char *root_commits; /* sorted root commit ids joined by ',', or NULL */
};

/* A target scan handed to a worker by scan_claim(). Strings owned by the claim. */
struct fbs_store_claim {
    int64_t scan_id, target_id;
    int64_t attempts; /* including this one */
    char *spec;       /* what to scan (JSON written by the planner) */
    char *display;
};
void fbs_store_claim_release(struct fbs_store_claim *c);

/* The last completed scan of a target before a sweep (for incremental sweeps). */
struct fbs_store_prior {
    bool found;
    int64_t scan_id, sweep_id;
    char *tips;       /* JSON object {ref: commit}, or NULL */
    char *rules_hash; /* the hash it ran under */
};
void fbs_store_prior_release(struct fbs_store_prior *p);

/* One finding of a target scan, as the sweep hands it to scan_commit(). */
struct fbs_store_found {
    const char *secret_id; /* fbs_store_secret_id() of the raw secret */
    const char *redacted;  /* redacted form of the secret */
    const char *kind;
    const char *rule_id;
    const char *place; /* path within the target (or resource) */
    const char *path;  /* occurrence: path as reported */
    unsigned line;
    const char *commit, *author;
    int in_head; /* 1, 0, -1 unknown */
    int risk;    /* -1 unknown */
    const char *severity;
    int standing; /* 1, 0, -1 unknown */
    bool is_fallback;
    bool carried;            /* not read again: carried over from the prior scan and re-scored */
    const char *record;      /* the finding as the JSON report writes it (redacted) */
    const char *score_input; /* what re-scoring at a later now needs (JSON, no secret) */
};

struct fbs_store_commit {
    int64_t scan_id;
    fbs_time_t finished;
    const char *mode;   /* full | incremental | unchanged */
    const char *tips;   /* JSON object, or NULL (not a repository) */
    bool complete;      /* every object was read: findings not seen are fixed */
    const char *errors; /* JSON array of diagnostics, or NULL */
    uint64_t blobs, bytes;
    const struct fbs_store_found *found;
    size_t nfound;
};

/* A finding as read back (reports, diffs, carry-over). Strings borrowed for the callback. */
struct fbs_store_row {
    const char *public_id;
    int64_t target_id;
    const char *target; /* display */
    const char *secret_id, *redacted, *rule_id, *place, *kind;
    const char *state;     /* effective state at the sweep asked for: open | reopened | fixed |
                              accepted | false_positive | revoked */
    const char *lifecycle; /* open | reopened | fixed */
    bool due;              /* an acceptance expired at the sweep's now */
    int64_t first_seen_sweep, last_seen_sweep;
    fbs_time_t first_seen, last_seen; /* the sweeps' now */
    int risk;
    const char *severity;
    int standing;
    bool is_fallback;
    const char *record, *score_input;
    /* The latest decision, if any (decision NULL otherwise). */
    const char *decision, *reason, *reviewer, *ticket;
    fbs_time_t decided, expires; /* expires 0: none */
    /* Events in (from, to] of the query: bits FBS_EVENT_*. */
    unsigned events;
    /* Occurrence in the sweep asked for (carry-over): path, line, commit, author, in_head. */
    const char *occ_path, *occ_commit, *occ_author;
    unsigned occ_line;
    int occ_in_head;
};

enum { FBS_EVENT_NEW = 1, FBS_EVENT_FIXED = 2, FBS_EVENT_REOPENED = 4, FBS_EVENT_DUE = 8 };

struct fbs_store_query {
    int64_t sweep;      /* state as of this sweep (required) */
    int64_t from;       /* events after this sweep (0: none asked) */
    int64_t target_id;  /* only this target (0: all) */
    bool seen_in_sweep; /* only findings with an occurrence in `sweep` */
};

/*
 * A cached live-verification result (--verify in a sweep; detectors/verify.h): keyed by the
 * verifier and the credential's keyed ids, never by the secret or a bare hash of it. `fact` is
 * the finding's facts.verification object as JSON: only the extracted facts (status, verifier,
 * at, identity, scopes, privilege, http_status, detail), never the secret or the raw response.
 */
struct fbs_store_verification {
    const char *verifier;  /* "github" */
    const char *secret_id; /* the secret's keyed id (secret_id(), as secrets.hmac) */
    const char *context;   /* keyed id of its partner and endpoint (an AWS key id, a Vault
                              address), or "" when it has none */
    const char *status;    /* live | revoked | unknown | error */
    fbs_time_t at;         /* when it was verified (the sweep's now) */
    const char *fact;      /* JSON object */
};

typedef int (*fbs_store_row_cb)(const struct fbs_store_row *row, void *payload);
typedef int (*fbs_store_sweep_cb)(const struct fbs_store_sweep *s, void *payload);

/* A target scan for reports (coverage). */
struct fbs_store_scan_row {
    int64_t target_id;
    const char *target, *kind, *status, *mode, *tips, *errors;
    const char *lease_owner; /* running: the worker holding it (host:pid), else NULL */
    int64_t lease_expires;   /* running: when its lease runs out, else 0 */
    int64_t attempts, nfindings;
    fbs_time_t started, finished;
    bool complete;
};
typedef int (*fbs_store_scan_cb)(const struct fbs_store_scan_row *row, void *payload);

struct fbs_store_decision {
    const char *finding; /* public id */
    const char *state;   /* accepted | false_positive | revoked */
    const char *reason;  /* required */
    const char *reviewer, *ticket;
    fbs_time_t at, expires; /* expires 0: none */
};

struct fbs_store_ops {
    const char *name;
    void (*close)(struct fbs_store *st);
    /* Keyed id of a raw secret (hex HMAC-SHA256 under the datastore's key) into out[65]. */
    int (*secret_id)(struct fbs_store *st, char out[65], const void *secret, size_t len);
    /* Record a new sweep (status running); *out its id. */
    int (*sweep_begin)(struct fbs_store *st, const struct fbs_store_sweep *s, int64_t *out);
    /* Read a sweep: id > 0 that one, 0 the latest, -1 the latest not finished (resume). Returns
     * 1 found, 0 none. Strings valid until the next call on the store. */
    int (*sweep_get)(struct fbs_store *st, int64_t id, struct fbs_store_sweep *out);
    int (*sweep_finish)(struct fbs_store *st, int64_t id, const char *status, fbs_time_t at);
    int (*sweep_list)(struct fbs_store *st, fbs_store_sweep_cb cb, void *payload);
    /* Whether a target with this identity exists: 1 yes, 0 no. */
    int (*target_known)(struct fbs_store *st, const char *identity);
    /*
     * Plan a target in a sweep: find or create the target (by identity, else by root commits
     * among targets not planned in this sweep, which renames it), and a pending target scan
     * with `spec`. Idempotent. *out_scan: the scan id; returns 1 if the target was already
     * planned in this sweep (a duplicate), else 0.
     */
    int (*target_plan)(struct fbs_store *st, int64_t sweep, const struct fbs_store_target *t,
                       const char *spec, int64_t *out_scan);
    /*
     * Claim a pending target scan of `sweep` (or a running one of another owner whose lease expired
     * before `clock`) for `owner` until clock + lease seconds. Returns 1 with *out filled, 0 when
     * none is left.
     */
    int (*scan_claim)(struct fbs_store *st, int64_t sweep, const char *owner, fbs_time_t clock,
                      int64_t lease, struct fbs_store_claim *out);
    /* Heartbeat: extend the leases of the running scans of `sweep` held by `owner` to
     * clock + lease seconds. */
    int (*scan_extend)(struct fbs_store *st, int64_t sweep, const char *owner, fbs_time_t clock,
                       int64_t lease);
    /* Bounded retries: mark failed (with the error 'its worker stopped (lease expired) N times')
     * the running scans of `sweep` whose lease expired before `clock` after `max_attempts`
     * claims. Returns how many were marked. */
    int (*scan_expire)(struct fbs_store *st, int64_t sweep, fbs_time_t clock, int64_t max_attempts);
    /* Give running scans of `sweep` back (their worker is gone): resume. */
    int (*scan_release_all)(struct fbs_store *st, int64_t sweep);
    /* The last complete scan of a target in a sweep before `sweep` (a partial one is no base for
     * carrying findings over). 0 (found set or not). */
    int (*scan_prior)(struct fbs_store *st, int64_t target, int64_t sweep,
                      struct fbs_store_prior *out);
    /* Record a target scan's results and mark it done: one transaction. */
    int (*scan_commit)(struct fbs_store *st, int64_t sweep, const struct fbs_store_commit *c);
    /* Mark a target scan failed with its errors (JSON array). */
    int (*scan_fail)(struct fbs_store *st, int64_t scan, const char *errors, fbs_time_t at);
    int (*scans)(struct fbs_store *st, int64_t sweep, fbs_store_scan_cb cb, void *payload);
    int (*findings)(struct fbs_store *st, const struct fbs_store_query *q, fbs_store_row_cb cb,
                    void *payload);
    /* Append a decision; FBS_ENOTFOUND for an unknown finding. */
    int (*decide)(struct fbs_store *st, const struct fbs_store_decision *d);
    /*
     * The verification cache. verification_get: the result kept for (verifier, secret_id,
     * context); returns 1 with *fact (JSON, caller frees with fbs_free) and *at, or 0 when none.
     * verification_put: keep v (v->fact, v->status and v->at replace an older result for the
     * same key; an older v than the one kept is ignored). Both outside any sweep transaction.
     */
    int (*verification_get)(struct fbs_store *st, const char *verifier, const char *secret_id,
                            const char *context, char **fact, fbs_time_t *at);
    int (*verification_put)(struct fbs_store *st, const struct fbs_store_verification *v);
};

/*
 * Open the datastore at `location`: postgres://... or postgresql://... (a libpq URI), pg:CONNINFO
 * (a libpq keyword/value string) or pg: alone (the PG* environment variables) select PostgreSQL
 * (store_pg.c; FBS_EUNSUPPORTED when built without libpq); anything else is an SQLite file path.
 * `create`: create the file and its directories (SQLite) or the schema (PostgreSQL) when absent.
 * Errors name the location (never a password) and the problem: FBS_EIO (cannot open or connect,
 * locked, connection lost, permission denied), FBS_EPARSE (not a datastore, corrupt),
 * FBS_EUNSUPPORTED (written by a newer schema: both versions named).
 */
int fbs_store_open(struct fbs_store **out, const char *location, bool create);
/* Close; NULL is a no-op. */
void fbs_store_close(struct fbs_store *st);

extern const struct fbs_store_ops fbs_store_sqlite_ops;
int fbs_store_sqlite_open(struct fbs_store **out, const char *path, bool create);
/* Whether `location` names a PostgreSQL datastore (see fbs_store_open). */
bool fbs_store_is_pg(const char *location);
#ifdef FBS_HAVE_LIBPQ
extern const struct fbs_store_ops fbs_store_pg_ops;
int fbs_store_pg_open(struct fbs_store **out, const char *location, bool create);
#endif

#endif
