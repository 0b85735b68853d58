/*
 * vocab.h - vocabularies: the words that mark a credential as a fallback one, the words that say
 * how much it may do (privilege), and the path patterns that classify where a credential is kept
 * (custody). Data, not code: rules/vocab/fallback_terms.yml, rules/vocab/privilege_terms.yml and
 * rules/vocab/custody_paths.yml, compiled into the binary.
 *
 * Terms are matched on identifier tokens: "break_glass", "breakGlass" and "BREAKGLASS" all give
 * the tokens that spell "breakglass". A term of six letters or more also matches inside a longer
 * token ("emergencyaccess"); shorter ones ("dr", "root", "admin") only as whole tokens. So
 * "administrative_contact" holds neither "admin" (a shorter, whole-token term) nor
 * "administrator" (not a substring of "administrative").
 *
 * Privilege terms carry a level: high ("admin", "cluster-admin") or normal ("readonly",
 * "sandbox": evidence of a limited credential). A privilege term marked `match: token` matches
 * whole tokens only, even when long ("master" is not in "mastercard", "production" not in
 * "preproduction"); one marked `match: value` ("*") is not a word: it matches a whole value (a
 * JWT scope, a role) exactly, case-insensitively.
 */
#ifndef FBS_VOCAB_H
#define FBS_VOCAB_H

#include <stdbool.h>
#include <stddef.h>

#include "../scanner/model/finding.h"

struct fbs_vocab_term {
    char *term; /* the canonical term reported as the indicator */
    char *norm; /* lowercase letters and digits only (value terms: the lowercase value) */
    double weight;
    enum fbs_privilege level; /* privilege terms: FBS_PRIV_HIGH or FBS_PRIV_NORMAL */
    bool value;               /* privilege terms: matches a whole value, not tokens */
    bool whole;               /* privilege terms: whole tokens only, whatever the length */
    bool once; /* fallback terms: found in several places, it counts once (an ambiguous word) */
    bool pair; /* fallback terms: a word for one member of a pair of keys (standby, secondary,
                  failover ...): in a place the pair shares it does not describe a key whose own
                  name marks it the everyday one (fbs_vocab_everyday) */
    unsigned not_in; /* fallback terms: FBS_PLACE_* bits of places where it is no evidence */
};

/*
 * The places dim_fallback looks for fallback terms (an indicator's `where`), as bits for a
 * term's `not_in` list. fbs_vocab_place() maps a name to its bit (0 when unknown).
 */
enum {
    FBS_PLACE_KEY = 1u << 0,
    FBS_PLACE_KEY_PATH = 1u << 1,
    FBS_PLACE_FILE_NAME = 1u << 2,
    FBS_PLACE_DIRECTORY = 1u << 3,
    FBS_PLACE_NAME = 1u << 4,
    FBS_PLACE_COMMENT = 1u << 5,
    FBS_PLACE_DESCRIPTION = 1u << 6,
    FBS_PLACE_COMMIT_MESSAGE = 1u << 7,
};
unsigned fbs_vocab_place(const char *where);

struct fbs_custody_rule {
    char *cls;  /* custody class */
    char *glob; /* text.h glob over the relative path */
    double score;
};

struct fbs_vocab {
    struct fbs_vocab_term *terms; /* fallback terms */
    size_t nterms, terms_cap;
    struct fbs_vocab_term *everyday; /* words that mark the key of a pair used day to day */
    size_t neveryday, everyday_cap;
    struct fbs_vocab_term *priv_terms; /* privilege terms */
    size_t npriv_terms, priv_terms_cap;
    struct fbs_custody_rule *custody;
    size_t ncustody, custody_cap;
    char *default_custody;
    double default_custody_score;
    /* Scores of custody classes not tied to a path (set by code: encrypted, git, ...). */
    struct {
        char *cls;
        double score;
    } * classes;
    size_t nclasses, classes_cap;
};

/* Load the built-in vocabularies. 0, FBS_EPARSE (naming file and line), FBS_ENOMEM. */
int fbs_vocab_load_builtin(struct fbs_vocab **out);
/* Parse vocabulary files from text (for tests and --vocab overrides). */
int fbs_vocab_add_text(struct fbs_vocab *v, const char *name, const char *text, size_t len);
int fbs_vocab_new(struct fbs_vocab **out);
void fbs_vocab_free(struct fbs_vocab *v);

/* Whether the fallback term `term` (canonical) is marked `once`. */
bool fbs_vocab_term_once(const struct fbs_vocab *v, const char *term);

/*
 * The first everyday term (primary, active, current ...: the `everyday_terms` list of
 * fallback_terms.yml) in `text`, or NULL.
 */
const char *fbs_vocab_everyday(const struct fbs_vocab *v, const char *text, size_t len);

/* The score of a custody class (0.5 when unknown). */
double fbs_vocab_custody_score(const struct fbs_vocab *v, const char *cls);

/*
 * Split an identifier or path into lowercase alphanumeric tokens (on punctuation, spaces and
 * camelCase boundaries). Calls `cb` for each term found in the text, with the term and weight.
 */
typedef int (*fbs_vocab_hit_cb)(const struct fbs_vocab_term *t, void *payload);
int fbs_vocab_scan(const struct fbs_vocab *v, const char *text, size_t len, fbs_vocab_hit_cb cb,
                   void *payload);

/*
 * The same over the privilege terms (word terms only): `cb` gets each privilege term found in
 * the text (see the term's level). Stops at and returns the first non-zero `cb` result.
 */
int fbs_vocab_scan_privilege(const struct fbs_vocab *v, const char *text, size_t len,
                             fbs_vocab_hit_cb cb, void *payload);

/*
 * Match a whole value (a scope, a role) against the privilege terms: `match: value` terms compare
 * the value exactly (case-insensitively, surrounding spaces ignored); word terms are scanned as
 * above. Stops at and returns the first non-zero `cb` result.
 */
int fbs_vocab_match_privilege_value(const struct fbs_vocab *v, const char *value, size_t len,
                                    fbs_vocab_hit_cb cb, void *payload);

#endif
