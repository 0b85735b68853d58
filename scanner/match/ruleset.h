/*
 * ruleset.h - rules: YAML data that says how to recognise a credential in bytes.
 *
 * A rule set is built by adding rule files (built-in, then --rules directories; a rule with an
 * id already present replaces it) and then compiled once: every pattern into PCRE2 (JIT) when it
 * is added, so errors name the file and line, and all of them together into one Vectorscan
 * database by fbs_ruleset_compile(). After compiling, the set is immutable and shared read-only by
 * every worker thread. See docs/rules.md for the format.
 */
#ifndef FBS_RULESET_H
#define FBS_RULESET_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "../model/finding.h"

enum fbs_validator { FBS_VALIDATE_NONE = 0, FBS_VALIDATE_GITHUB_CRC32 };

struct fbs_rule_example {
    char *text;
    size_t len;
    char *secret; /* NULL: only has to match */
    size_t secret_len;
    char *path; /* the file path the example is tested as (path-gated rules need one) */
    int line;
};

struct fbs_rule {
    char *id;
    char *name;
    char *kind;
    char *pattern;
    /*
     * Optional cheaper pattern for the Vectorscan stage (NULL: `pattern`). It must match wherever
     * `pattern` does, ending at or after the start of that match and at most 256 bytes after it;
     * `pattern` (PCRE2) then confirms the hit and extracts the secret.
     */
    char *scan_pattern;
    char *description;
    char *remediation;
    char *verify;    /* `verify:` the live verifier's name (detectors/verify.h), or NULL */
    int verify_line; /* the line of `verify:` in file, for messages */
    char **keywords;
    size_t nkeywords;
    char **references;
    size_t nreferences;
    char **paths; /* globs: the rule only runs on files whose path matches one (path-gated) */
    size_t npaths;
    unsigned secret_group;
    double entropy_min; /* 0 = none */
    enum fbs_validator validator;
    bool fallback;
    enum fbs_privilege privilege;
    bool binary;
    int priority; /* wins overlaps against lower priorities; generic.* default to -10 */
    struct fbs_rule_example *examples, *negatives;
    size_t nexamples, nnegatives;
    char *file; /* where it was defined, for messages */
    int line;

    /* Compiled state. */
    pcre2_code *re;
    bool prefilter;       /* Vectorscan cannot compile it exactly: confirm over the whole blob */
    unsigned index;       /* position in the set: breaks ties between equal priorities */
    bool jit;             /* JIT-compiled (set by fbs_rule_prepare) */
    atomic_int jit_state; /* 0: not yet tried; 1: tried (jit tells the outcome) */
    size_t max_len;       /* longest match in bytes, 0 = unbounded or unknown (fbs_rule_prepare) */
};

/* The path-gated rules that share one `paths` list. */
struct fbs_gate_group {
    void *db;                    /* hs_database_t *: the group's rules */
    const struct fbs_rule *rule; /* the first rule with the list */
    size_t first_glob;           /* its globs: gate_globs[first_glob, first_glob + nglobs) */
    size_t nglobs;
};

/* Where compiled state came from (fbs_ruleset.loaded). */
enum fbs_origin { FBS_ORIGIN_COMPILED = 0, FBS_ORIGIN_DISK, FBS_ORIGIN_EMBEDDED };

struct fbs_ruleset {
    struct fbs_rule **rules;
    size_t n, cap;
    void *db_text;       /* hs_database_t *: text rules without `paths`, or NULL */
    void *db_binary;     /* hs_database_t *: rules with binary: true, or NULL */
                         /* In every database a pattern's id is its index in `rules`. */
    unsigned max_groups; /* largest capture count + 1 */
    bool compiled;
    /*
     * Path-gated text rules, one group per distinct `paths` list, each with its own database,
     * so that a file runs only the gated rules its path is about (a *.yml file only the rules
     * gated on YAML, not those gated on *.md or *.tfstate).
     */
    struct fbs_gate_group *gated;
    size_t ngated;
    const char **gate_globs; /* every group's globs, group by group (borrowed from rules) */
    size_t ngate_globs;
    char *cache_dir;      /* where compiled databases are kept, or NULL */
    const void *embedded; /* read-only cache entries built into the binary (hs_bundle.h), or NULL */
    size_t embedded_len;
    /* Set by fbs_ruleset_compile: how many databases came from each origin (indexed by enum
     * fbs_origin), and where the prefilter decisions came from. */
    struct {
        unsigned db[3];
        enum fbs_origin prefilters;
    } loaded;
};

int fbs_ruleset_new(struct fbs_ruleset **out);
void fbs_ruleset_free(struct fbs_ruleset *rs);

/*
 * Parse the rule file `text` (named `name` in messages) and add its rules. Returns 0, or
 * FBS_EPARSE/FBS_ERULE with the message "'<name>': line N: problem", or FBS_ENOMEM. On error the
 * set is unchanged.
 */
int fbs_ruleset_add_text(struct fbs_ruleset *rs, const char *name, const char *text, size_t len);

/* Add every .yml and .yaml file directly in `dir` (not subfolders), in name order; FBS_EIO if
 * unreadable. */
int fbs_ruleset_add_dir(struct fbs_ruleset *rs, const char *dir);

/* Add the built-in rule pack (the .yml files of rules/, compiled into the binary). */
int fbs_ruleset_add_builtin(struct fbs_ruleset *rs);

/*
 * Keep compiled Vectorscan databases in `dir` (created if missing), keyed by a SHA-256 of the
 * Vectorscan version, the platform and every pattern with its flags, so that a later run with the
 * same rules deserialises in milliseconds instead of compiling. NULL disables the cache. Cache
 * problems (unwritable, corrupt, other CPU) are silent: the databases are then compiled.
 */
int fbs_ruleset_set_cache_dir(struct fbs_ruleset *rs, const char *dir);

/*
 * Look compiled databases and prefilter decisions up in `bundle` (hs_bundle.h: the built-in
 * pack's, precompiled at build time) before the disk cache. The bundle is borrowed and must
 * outlive the set; NULL or `len` 0 disables it. An entry is used only when its key is exactly
 * that of the set being compiled (same rules, Vectorscan version and platform); anything else is
 * looked up in the disk cache or compiled, as without it.
 */
void fbs_ruleset_set_embedded(struct fbs_ruleset *rs, const void *bundle, size_t len);

/* Build the Vectorscan databases. Call once, after the last add. FBS_ERULE on failure. */
int fbs_ruleset_compile(struct fbs_ruleset *rs);

/*
 * JIT-compile the rule's pattern on first use. Thread-safe; cheap after the first call. Call
 * before matching with r->re (the matcher does).
 */
void fbs_rule_prepare(const struct fbs_rule *r);

/* The rule with this id, or NULL. */
const struct fbs_rule *fbs_ruleset_find(const struct fbs_ruleset *rs, const char *id);

#endif
