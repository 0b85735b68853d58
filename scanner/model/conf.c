/* conf.c - YAML/JSON to jansson with line numbers; see conf.h. */
#include "conf.h"
#include "../core/alloc.h"
#include "../core/buf.h"
#include "../core/error.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "../core/banned.h"

struct fbs_conf_line {
    const json_t *node;
    const char *key; /* borrowed from the object's key storage, or NULL */
    int line;
};

#define CONF_MAX_DEPTH 64
/* Aliases can make a small document expand into millions of nodes ("billion laughs"). */
#define CONF_MAX_NODES 200000
/* Configuration and scanned documents larger than this are refused before parsing. */
#define CONF_MAX_BYTES (64u << 20)

static int add_line(struct fbs_conf *c, const json_t *node, const char *key, int line)
{
    if (fbs_array_grow((void **)&c->lines, &c->cap, c->nlines + 1, sizeof(*c->lines)) < 0)
        return FBS_ENOMEM;
    c->lines[c->nlines].node = node;
    c->lines[c->nlines].key = key;
    c->lines[c->nlines].line = line;
    c->nlines++;
    return 0;
}

static int is_plain(const yaml_node_t *n)
{
    return n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
}

/* Convert a plain scalar to a typed JSON value following YAML 1.2 core schema. */
static json_t *plain_scalar(const char *s, size_t len)
{
    char *end;

    if (!len || !strcmp(s, "~") || !strcmp(s, "null") || !strcmp(s, "Null") || !strcmp(s, "NULL"))
        return json_null();
    if (!strcmp(s, "true") || !strcmp(s, "True") || !strcmp(s, "TRUE"))
        return json_true();
    if (!strcmp(s, "false") || !strcmp(s, "False") || !strcmp(s, "FALSE"))
        return json_false();
    if ((s[0] >= '0' && s[0] <= '9') || ((s[0] == '-' || s[0] == '+') && len > 1)) {
        long long v;
        double d;

        errno = 0;
        v = strtoll(s, &end, 10);
        if (!*end && !errno)
            return json_integer(v);
        errno = 0;
        d = strtod(s, &end);
        /* inf and nan are not JSON numbers: keep them as the strings they were. */
        if (!*end && !errno && isfinite(d))
            return json_real(d);
    }
    return json_stringn(s, len);
}

static int convert(struct fbs_conf *c, yaml_document_t *doc, yaml_node_t *n, json_t **out,
                   int depth)
{
    json_t *v = NULL;
    int line = (int)n->start_mark.line + 1;
    int rc = 0;

    *out = NULL;
    if (++c->nodes > CONF_MAX_NODES)
        return fbs_error_set(FBS_EPARSE,
                             "line %d: document expands to more than %d nodes (alias bomb?)", line,
                             CONF_MAX_NODES);
    if (depth > CONF_MAX_DEPTH)
        return fbs_error_set(FBS_EPARSE, "line %d: nesting deeper than %d levels", line,
                             CONF_MAX_DEPTH);
    switch (n->type) {
    case YAML_SCALAR_NODE: {
        const char *s = (const char *)n->data.scalar.value;
        size_t len = n->data.scalar.length;

        v = is_plain(n) ? plain_scalar(s, len) : json_stringn(s, len);
        if (!v)
            return fbs_error_set(FBS_EPARSE, "line %d: value is not valid UTF-8", line);
        break;
    }
    case YAML_SEQUENCE_NODE: {
        yaml_node_item_t *it;

        v = json_array();
        if (!v)
            return fbs_error_set(FBS_ENOMEM, "out of memory");
        for (it = n->data.sequence.items.start; it < n->data.sequence.items.top; it++) {
            json_t *child;

            rc = convert(c, doc, yaml_document_get_node(doc, *it), &child, depth + 1);
            if (rc < 0)
                goto fail;
            if (json_array_append_new(v, child) < 0) {
                rc = fbs_error_set(FBS_ENOMEM, "out of memory");
                goto fail;
            }
        }
        break;
    }
    case YAML_MAPPING_NODE: {
        yaml_node_pair_t *pair;

        v = json_object();
        if (!v)
            return fbs_error_set(FBS_ENOMEM, "out of memory");
        for (pair = n->data.mapping.pairs.start; pair < n->data.mapping.pairs.top; pair++) {
            yaml_node_t *k = yaml_document_get_node(doc, pair->key);
            json_t *child;
            const char *key;
            void *iter;
            int kline = (int)k->start_mark.line + 1;

            if (k->type != YAML_SCALAR_NODE) {
                rc = fbs_error_set(FBS_EPARSE, "line %d: mapping key is not a scalar", kline);
                goto fail;
            }
            key = (const char *)k->data.scalar.value;
            if (strlen(key) != k->data.scalar.length) {
                rc = fbs_error_set(FBS_EPARSE, "line %d: mapping key contains a NUL byte", kline);
                goto fail;
            }
            if (json_object_get(v, key)) {
                rc = fbs_error_set(FBS_EPARSE, "line %d: duplicate key '%s'", kline, key);
                goto fail;
            }
            rc = convert(c, doc, yaml_document_get_node(doc, pair->value), &child, depth + 1);
            if (rc < 0)
                goto fail;
            if (json_object_set_new(v, key, child) < 0) {
                rc = fbs_error_set(FBS_EPARSE, "line %d: key '%s' is not valid UTF-8", kline, key);
                goto fail;
            }
            iter = json_object_iter_at(v, key);
            rc = add_line(c, v, json_object_iter_key(iter), kline);
            if (rc < 0)
                goto fail;
        }
        break;
    }
    default:
        return fbs_error_set(FBS_EPARSE, "line %d: empty node", line);
    }
    /* Singletons (null/true/false) are shared; their lines come from their keys. */
    if (json_is_object(v) || json_is_array(v) || json_is_string(v) || json_is_number(v)) {
        rc = add_line(c, v, NULL, line);
        if (rc < 0)
            goto fail;
    }
    *out = v;
    return 0;
fail:
    json_decref(v);
    return rc;
}

static int line_cmp(const void *a, const void *b)
{
    const struct fbs_conf_line *x = a, *y = b;

    if (x->node != y->node)
        return (uintptr_t)x->node < (uintptr_t)y->node ? -1 : 1;
    if (!x->key || !y->key)
        return !x->key ? (!y->key ? 0 : -1) : 1;
    return strcmp(x->key, y->key);
}

/*
 * fbs_conf_check_limits: walk the event stream once with a depth counter and stop at the first
 * collection nested deeper than CONF_MAX_DEPTH, before yaml_parser_load() builds the document:
 * libyaml's cost grows with the square of the nesting depth (300 KB of '[' took minutes), so the
 * limit must be enforced while parsing, not on the finished tree. Syntax errors are left to the
 * loading pass, which words them; 0 or FBS_EPARSE / FBS_ENOMEM.
 */
int fbs_conf_check_limits(const char *text, size_t len)
{
    yaml_parser_t parser;
    yaml_event_t ev;
    int depth = 0, rc = 0;

    if (len > CONF_MAX_BYTES)
        return fbs_error_set(FBS_EPARSE, "line 1: document larger than %u MiB",
                             CONF_MAX_BYTES >> 20);
    if (!yaml_parser_initialize(&parser))
        return fbs_error_set(FBS_ENOMEM, "out of memory");
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
    for (;;) {
        yaml_event_type_t type;
        size_t line;

        if (!yaml_parser_parse(&parser, &ev))
            break;
        type = ev.type;
        line = ev.start_mark.line + 1;
        yaml_event_delete(&ev);
        if (type == YAML_SEQUENCE_START_EVENT || type == YAML_MAPPING_START_EVENT) {
            if (++depth > CONF_MAX_DEPTH) {
                rc = fbs_error_set(FBS_EPARSE, "line %zu: nesting deeper than %d levels", line,
                                   CONF_MAX_DEPTH);
                break;
            }
        } else if (type == YAML_SEQUENCE_END_EVENT || type == YAML_MAPPING_END_EVENT) {
            depth--;
        } else if (type == YAML_STREAM_END_EVENT) {
            break;
        }
    }
    yaml_parser_delete(&parser);
    return rc;
}

int fbs_conf_parse(struct fbs_conf **out, const char *name, const char *text, size_t len)
{
    struct fbs_conf *c = NULL;
    yaml_parser_t parser;
    yaml_document_t doc;
    int have_parser = 0, have_doc = 0, rc = 0;
    yaml_node_t *root;

    *out = NULL;
    c = fbs_calloc(1, sizeof(*c));
    if (!c || !(c->name = fbs_strdup(name))) {
        rc = fbs_error_set(FBS_ENOMEM, "out of memory");
        goto done;
    }
    rc = fbs_conf_check_limits(text, len);
    if (rc < 0)
        goto done;
    if (!yaml_parser_initialize(&parser)) {
        rc = fbs_error_set(FBS_ENOMEM, "out of memory");
        goto done;
    }
    have_parser = 1;
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
    if (!yaml_parser_load(&parser, &doc)) {
        if (parser.context)
            rc = fbs_error_set(FBS_EPARSE, "line %zu: %s %s started at line %zu",
                               parser.problem_mark.line + 1,
                               parser.problem ? parser.problem : "syntax error", parser.context,
                               parser.context_mark.line + 1);
        else
            rc = fbs_error_set(FBS_EPARSE, "line %zu: %s", parser.problem_mark.line + 1,
                               parser.problem ? parser.problem : "syntax error");
        goto done;
    }
    have_doc = 1;
    root = yaml_document_get_root_node(&doc);
    if (!root) {
        c->root = json_object();
        if (!c->root)
            rc = fbs_error_set(FBS_ENOMEM, "out of memory");
        goto done;
    }
    rc = convert(c, &doc, root, &c->root, 0);
    if (rc < 0)
        goto done;
    {
        /* A second document in the same stream is almost always a mistake in a rule file. */
        yaml_document_t next;

        if (yaml_parser_load(&parser, &next)) {
            int more = yaml_document_get_root_node(&next) != NULL;
            int nline = more ? (int)yaml_document_get_root_node(&next)->start_mark.line + 1 : 0;

            yaml_document_delete(&next);
            if (more) {
                rc = fbs_error_set(FBS_EPARSE, "line %d: more than one YAML document", nline);
                goto done;
            }
        }
    }
    if (c->nlines)
        qsort(c->lines, c->nlines, sizeof(*c->lines), line_cmp);
done:
    if (have_doc)
        yaml_document_delete(&doc);
    if (have_parser)
        yaml_parser_delete(&parser);
    if (rc < 0) {
        fbs_conf_free(c);
        return rc;
    }
    *out = c;
    return 0;
}

int fbs_conf_load_file(struct fbs_conf **out, const char *path)
{
    struct fbs_buf text = FBS_BUF_INIT;
    int rc;

    *out = NULL;
    rc = fbs_buf_read_file(&text, path, 0);
    if (rc == FBS_ENOTFOUND)
        rc = FBS_EIO; /* documented: a file that cannot be read is FBS_EIO */
    if (rc == 0)
        rc = fbs_conf_parse(out, path, text.ptr, text.len);
    fbs_buf_release(&text);
    return rc;
}

void fbs_conf_free(struct fbs_conf *c)
{
    if (!c)
        return;
    json_decref(c->root);
    fbs_free(c->lines);
    fbs_free(c->name);
    fbs_free(c);
}

int fbs_conf_line(const struct fbs_conf *c, const json_t *node, const char *key)
{
    struct fbs_conf_line k = {node, key, 0};
    const struct fbs_conf_line *hit;

    if (!c || !node || !c->nlines)
        return 0;
    hit = bsearch(&k, c->lines, c->nlines, sizeof(*c->lines), line_cmp);
    return hit ? hit->line : 0;
}
