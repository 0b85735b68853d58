/*
 * vocab.h - vocabularies: the words that mark a credential as a fallback one, and the path
 * patterns that classify where a credential is kept (custody). Data, not code:
 * rules/vocab/fallback_terms.yml and rules/vocab/custody_paths.yml, compiled into the binary.
 *
 * Terms are matched on identifier tokens: "break_glass", "breakGlass" and "BREAKGLASS" all give
 * the tokens that spell "breakglass". A term of six letters or more also matches inside a longer
 * token ("emergencyaccess"); shorter ones ("dr", "root") only as whole tokens.
 */
#ifndef FBS_VOCAB_H
#define FBS_VOCAB_H

#include <stdbool.h>
#include <stddef.h>

struct fbs_vocab_term {
    char *term; /* the canonical term reported as the indicator */
    char *norm; /* lowercase letters and digits only */
    double weight;
};

struct fbs_custody_rule {
    char *cls;  /* custody class */
    char *glob; /* text.h glob over the relative path */
    double score;
};

struct fbs_vocab {
    struct fbs_vocab_term *terms;
    size_t nterms, terms_cap;
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

/* The score of a custody class (0.5 when unknown). */
double fbs_vocab_custody_score(const struct fbs_vocab *v, const char *cls);

/*
 * Split an identifier or path into lowercase alphanumeric tokens (on punctuation, spaces and
 * camelCase boundaries). Calls `cb` for each term found in the text, with the term and weight.
 */
typedef int (*fbs_vocab_hit_cb)(const struct fbs_vocab_term *t, void *payload);
int fbs_vocab_scan(const struct fbs_vocab *v, const char *text, size_t len, fbs_vocab_hit_cb cb,
                   void *payload);

#endif
