/*
 * finding.h - a credential found in a blob (or a cloud record), with everything the detectors,
 * scorer and reporters add to it. The one noun every later stage shares.
 *
 * Ownership: a finding owns every string it points to and its `facts` object. The raw secret lives
 * only here (and in the blob it came from); fbs_finding_free() wipes it. Nothing in this module
 * decides what leaves the process: reporters/redact.c does.
 *
 * Unknown values are represented explicitly (has_* flags, -1, NULL) so that reports write null
 * instead of inventing a value.
 */
#ifndef FBS_FINDING_H
#define FBS_FINDING_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../core/time.h"
#include "blob.h"

enum fbs_privilege { FBS_PRIV_UNKNOWN = 0, FBS_PRIV_NORMAL, FBS_PRIV_HIGH };

/* "unknown" / "normal" / "high"; parse returns -1 for anything else. */
const char *fbs_privilege_name(enum fbs_privilege p);
int fbs_privilege_parse(const char *s);

/* Why a finding does not count against the scan (suppress.h). */
enum fbs_suppression {
    FBS_SUPPRESSED_NO = 0,
    FBS_SUPPRESSED_INLINE,      /* a fallback-scan:allow comment */
    FBS_SUPPRESSED_IGNORE_FILE, /* an ignore-file entry */
};

/* "inline" / "ignore_file" as written in reports (NULL for FBS_SUPPRESSED_NO). */
const char *fbs_suppression_name(enum fbs_suppression s);

enum fbs_baseline_state { FBS_BASELINE_NONE = 0, FBS_BASELINE_NEW, FBS_BASELINE_UNCHANGED };

enum fbs_dim {
    FBS_DIM_FALLBACK,
    FBS_DIM_AGE,
    FBS_DIM_EXPIRY,
    FBS_DIM_PRIVILEGE,
    FBS_DIM_CUSTODY,
    FBS_DIM_USAGE,
    FBS_DIM__COUNT
};

/* "fallback", "age", ... as written in reports. */
const char *fbs_dim_name(enum fbs_dim dim);

/* One piece of evidence that the credential is a fallback one. */
struct fbs_indicator {
    char *term;  /* vocabulary term, or the rule's kind for intrinsic fallback kinds */
    char *where; /* key | key_path | file_name | directory | comment | rule | commit_message ... */
    double weight;
};

struct fbs_finding {
    /* The rule that matched (copied from the rule set). */
    char *rule_id;
    char *rule_name;
    char *kind;
    char *remediation; /* the rule's */
    char *verifier;    /* the rule's `verify:` (detectors/verify.h), or NULL */
    char *verify_key;  /* --verify with a cache (a sweep): the credential's cache key, or NULL */
    const char *fallback_advice; /* static: what to do with a fallback one (scorer), or NULL */
    bool rule_fallback;
    enum fbs_privilege rule_privilege;

    /* The secret: raw bytes, wiped on free. */
    char *secret;
    size_t secret_len;

    /* Where: offsets in the scanned bytes (the blob, or its decoded or strings view) and human
     * coordinates (1-based; column in bytes, in characters for transcoded UTF-16/32 text). */
    size_t match_start, match_end, secret_start, secret_end;
    enum fbs_source_kind source;
    char *path;
    char *rel_path;     /* relative to the target (custody and fallback read it) */
    char *target;       /* the target as given (a blob's), or NULL */
    char *target_id;    /* its identity (target.h: fbs_target_id), or NULL when unknown */
    char *target_scope; /* its fingerprint scope (target.h: fbs_target_scope), or NULL */
    unsigned line, column, end_line, end_column; /* 0: no line (printable runs of binary) */
    /* Byte offset of the secret in the original bytes and its length, when lines mean nothing
     * (a secret found in the printable runs of a binary blob); -1 otherwise. */
    int64_t byte_offset, byte_length;
    char *commit, *author, *commit_message, *removed_in;
    fbs_time_t committed;
    bool has_committed;
    int in_head;           /* -1 unknown */
    bool staged;           /* git: staged for commit, in no commit yet (provenance.staged) */
    char *resource;        /* cloud records: ARN / URI */
    fbs_time_t file_mtime; /* 0 unknown */
    int active;            /* cloud records: 1 active, 0 inactive/disabled, -1 unknown */
    bool interactive;   /* an interactive account (console password + MFA), not a bearer secret */
    bool secret_public; /* f->secret names the credential and is no secret (an AWS secret's
                         * name): reporters print it as it is */

    /* Context around the match (filled by the context detector). */
    char *key;
    char *key_path;
    char *comment;
    char *names;        /* values of name-like sibling keys (name, user, description ...) */
    char *file_header;  /* the comment block at the top of the file, above the secret */
    char *sibling_keys; /* keys of the other entries of the secret's object, space-separated */
    char *line_text;    /* the raw line(s) holding the secret; reporters redact it */
    size_t line_secret_start, line_secret_len; /* the secret within line_text */

    /* Fallback dimension. */
    struct fbs_indicator *indicators;
    size_t nindicators, indicators_cap;
    double fallback_confidence;
    bool is_fallback;

    /* Credential facts. */
    fbs_time_t issued, expires, last_used;
    bool has_issued, has_expires, has_last_used;
    int64_t age_days, valid_days;
    bool has_age, has_valid;
    enum fbs_privilege privilege;
    char *custody; /* a custody class, or NULL */
    json_t *facts; /* further facts from parsers (object), never NULL after _new */

    /* Scores and verdict. */
    double scores[FBS_DIM__COUNT];
    unsigned scores_set;  /* bit (1u << dim) when scores[dim] is known */
    int risk;             /* 0..100, or -1 before scoring */
    const char *severity; /* static string, or NULL */
    int standing;         /* 1, 0, or -1 before scoring */
    char **reasons;
    size_t nreasons, reasons_cap;

    /* Exceptions (suppress.h). */
    enum fbs_suppression suppression;
    char *suppression_reason;
    char *suppression_source; /* "file:line" of the ignore entry, or NULL */
    enum fbs_baseline_state baseline;

    bool drop; /* a linker merged it into another finding: the pipeline removes it */

    char id[33]; /* fingerprint, hex */
};

/* A new, empty finding (all unknowns set); NULL on ENOMEM. */
struct fbs_finding *fbs_finding_new(void);
/* Free a finding, wiping the secret. NULL is a no-op. */
void fbs_finding_free(struct fbs_finding *f);
/* Adapter for fbs_vec_release(). */
void fbs_finding_free_v(void *f);

/* Replace a string field with a copy of `s` (NULL clears); 0 or FBS_ENOMEM. */
int fbs_finding_set_str(char **field, const char *s);
int fbs_finding_set_strn(char **field, const char *s, size_t n);
/* Copy the secret in (replacing and wiping any previous one). */
int fbs_finding_set_secret(struct fbs_finding *f, const void *secret, size_t len);
/* Append an indicator unless the same (term, where) is already there. */
int fbs_finding_add_indicator(struct fbs_finding *f, const char *term, const char *where,
                              double weight);
int fbs_finding_add_reason(struct fbs_finding *f, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void fbs_finding_set_score(struct fbs_finding *f, enum fbs_dim dim, double score);
bool fbs_finding_has_score(const struct fbs_finding *f, enum fbs_dim dim);

/*
 * Compute f->id: the first 128 bits, in hex, of PBKDF2-HMAC-SHA256 over the secret, salted with
 * a domain string, `salt` (may be NULL), the rule id and the location key: with a target scope
 * (f->target_scope, set by the pipeline), the scope and the place within the target (resource,
 * else rel_path, else path); without one, the path or resource alone (ids before report schema
 * 1.1). Never the line, so the id survives edits above the secret; the same secret at the same
 * place in two targets has two ids. Low-entropy secrets are stretched (1024 iterations) so that
 * they cannot be recovered from the id by a quick dictionary pass.
 */
int fbs_finding_fingerprint(struct fbs_finding *f, const char *salt);

/*
 * A memo of fingerprints for one thread: a history scan meets the same secret at the same place
 * in many versions of a file, and each would cost up to 1024 PBKDF2 iterations again. Keys are
 * the exact PBKDF2 inputs, so a memoised id is the id fbs_finding_fingerprint gives; they hold
 * secrets, are never written anywhere, and are wiped when the memo drops them. Not thread-safe:
 * one memo per thread.
 */
struct fbs_fp_memo;
int fbs_fp_memo_new(struct fbs_fp_memo **out);
void fbs_fp_memo_free(struct fbs_fp_memo *m); /* NULL is fine */
void fbs_fp_memo_stats(const struct fbs_fp_memo *m, uint64_t *lookups, uint64_t *hits);
/* fbs_finding_fingerprint through `memo` (NULL: no memo). */
int fbs_finding_fingerprint_memo(struct fbs_finding *f, const char *salt, struct fbs_fp_memo *memo);

/* Total order for reports: target, path, resource, line, column, rule id, secret offsets, commit,
 * id. */
int fbs_finding_cmp(const void *a, const void *b);

#endif
