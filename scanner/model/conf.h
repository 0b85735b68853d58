/*
 * conf.h - one loader for YAML and JSON configuration (rules, vocabularies, policy).
 *
 * libyaml parses the text into a jansson tree; the loader remembers the line of every mapping
 * key and every non-singleton value so that errors can name "file, line and problem". Plain YAML
 * scalars become typed values (null/~, true/false, integers, reals); quoted scalars stay strings.
 * Aliases are resolved; a document must have a single root. Duplicate keys are an error.
 *
 * Ownership: struct fbs_conf owns the tree and the line table; values borrowed from `root` live
 * until fbs_conf_free().
 */
#ifndef FBS_CONF_H
#define FBS_CONF_H

#include <jansson.h>
#include <stddef.h>

struct fbs_conf_line;

struct fbs_conf {
    char *name; /* file name used in messages */
    json_t *root;
    struct fbs_conf_line *lines; /* sorted by (node, key) after load */
    size_t nlines;
    size_t cap;
    size_t nodes; /* nodes built so far: bounded, aliases expand */
};

/*
 * Parse `len` bytes of YAML/JSON named `name` into *out. Returns 0; FBS_EPARSE with a message
 * "line N: problem" (the caller prefixes the file name); FBS_ENOMEM. Bounded on any input: more
 * than 64 MiB, a collection nested deeper than 64 levels (checked while parsing, before the
 * document is built) or aliases expanding past 200000 nodes are FBS_EPARSE.
 */
int fbs_conf_parse(struct fbs_conf **out, const char *name, const char *text, size_t len);

/*
 * The limits fbs_conf_parse() enforces before building a document (size, nesting depth), for
 * callers that treat a refused document differently from a malformed one: 0, or FBS_EPARSE with
 * "line N: problem"; FBS_ENOMEM. Linear in `len`.
 */
int fbs_conf_check_limits(const char *text, size_t len);

/* Read and parse a file; FBS_EIO when it cannot be read. */
int fbs_conf_load_file(struct fbs_conf **out, const char *path);

void fbs_conf_free(struct fbs_conf *conf);

/* The 1-based line of key `key` in object `obj`, of a value node (key NULL), or 0 if unknown. */
int fbs_conf_line(const struct fbs_conf *conf, const json_t *node, const char *key);

#endif
