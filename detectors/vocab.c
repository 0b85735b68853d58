/* vocab.c - fallback terms, privilege terms and custody paths; see vocab.h. */
#include "vocab.h"
#include "../scanner/core/alloc.h"
#include "../scanner/core/error.h"
#include "../scanner/core/text.h"
#include "../scanner/model/builtin.h"
#include "../scanner/model/conf.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "../scanner/core/banned.h"

#define MAX_TOKENS    256
#define WINDOW        3
#define SUBSTRING_MIN 6

int fbs_vocab_new(struct fbs_vocab **out)
{
    *out = fbs_calloc(1, sizeof(**out));
    if (!*out)
        return fbs_error_set(FBS_ENOMEM, "out of memory");
    (*out)->default_custody_score = 0.5;
    return 0;
}

void fbs_vocab_free(struct fbs_vocab *v)
{
    size_t i;

    if (!v)
        return;
    for (i = 0; i < v->nterms; i++) {
        fbs_free(v->terms[i].term);
        fbs_free(v->terms[i].norm);
    }
    fbs_free(v->terms);
    for (i = 0; i < v->npriv_terms; i++) {
        fbs_free(v->priv_terms[i].term);
        fbs_free(v->priv_terms[i].norm);
    }
    fbs_free(v->priv_terms);
    for (i = 0; i < v->neveryday; i++) {
        fbs_free(v->everyday[i].term);
        fbs_free(v->everyday[i].norm);
    }
    fbs_free(v->everyday);
    for (i = 0; i < v->ncustody; i++) {
        fbs_free(v->custody[i].cls);
        fbs_free(v->custody[i].glob);
    }
    fbs_free(v->custody);
    for (i = 0; i < v->nclasses; i++)
        fbs_free(v->classes[i].cls);
    fbs_free(v->classes);
    fbs_free(v->default_custody);
    fbs_free(v);
}

static char *normalise(const char *s)
{
    char *out = fbs_malloc(strlen(s) + 1), *p = out;

    if (!out)
        return NULL;
    for (; *s; s++)
        if (isalnum((unsigned char)*s))
            *p++ = (char)tolower((unsigned char)*s);
    *p = '\0';
    return out;
}

/* A value term: lowercase, surrounding spaces removed. */
static char *normalise_value(const char *s)
{
    size_t n;
    char *out, *p;

    while (*s == ' ' || *s == '\t')
        s++;
    n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        n--;
    out = fbs_strndup(s, n);
    if (!out)
        return NULL;
    for (p = out; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    return out;
}

static int perr(const struct fbs_conf *c, const json_t *node, const char *key, const char *what)
{
    return fbs_error_set(FBS_EPARSE, "'%s': line %d: %s", c->name, fbs_conf_line(c, node, key),
                         what);
}

/* perr() with the current error message (copied first: fbs_error_set() writes over it). */
static int perr_last(const struct fbs_conf *c, const json_t *node, const char *key)
{
    char what[256];

    snprintf(what, sizeof(what), "%s", fbs_error_message());
    return perr(c, node, key, what);
}

/* Where load_terms() puts terms and what it allows: fallback or privilege terms. */
struct term_list {
    struct fbs_vocab_term **terms;
    size_t *n, *cap;
    bool privilege;
    bool everyday; /* everyday_terms: term and variants only */
};

/* How a privilege term matches (vocab.h). */
struct term_match {
    enum fbs_privilege level;
    bool value, whole;
    bool once, pair;
    unsigned not_in;
};

static int add_term(const struct term_list *l, const char *term, const char *spelling, double w,
                    const struct term_match *m)
{
    struct fbs_vocab_term *t;

    if (fbs_array_grow((void **)l->terms, l->cap, *l->n + 1, sizeof(**l->terms)) < 0)
        return FBS_ENOMEM;
    t = &(*l->terms)[*l->n];
    t->term = fbs_strdup(term);
    t->norm = m->value ? normalise_value(spelling) : normalise(spelling);
    t->weight = w;
    t->level = m->level;
    t->value = m->value;
    t->whole = m->whole;
    t->once = m->once;
    t->pair = m->pair;
    t->not_in = m->not_in;
    if (!t->term || !t->norm) {
        fbs_free(t->term);
        fbs_free(t->norm);
        return fbs_error_set(FBS_ENOMEM, "out of memory");
    }
    if (!*t->norm) {
        fbs_free(t->term);
        fbs_free(t->norm);
        return fbs_error_set(FBS_EPARSE, "term '%s' has no letters or digits", spelling);
    }
    (*l->n)++;
    return 0;
}

/* A privilege term's `level` (high|normal) and `match` (word|token|value). */
static int term_match(struct term_match *out, const struct fbs_conf *c, json_t *it)
{
    json_t *lv = json_object_get(it, "level"), *m = json_object_get(it, "match");
    const char *ms = m ? json_string_value(m) : "word";

    if (!json_is_string(lv) ||
        (strcmp(json_string_value(lv), "high") && strcmp(json_string_value(lv), "normal")))
        return perr(c, it, "level", "'level' must be 'high' or 'normal'");
    out->level = strcmp(json_string_value(lv), "high") ? FBS_PRIV_NORMAL : FBS_PRIV_HIGH;
    if (!ms || (strcmp(ms, "word") && strcmp(ms, "token") && strcmp(ms, "value")))
        return perr(c, it, "match", "'match' must be 'word', 'token' or 'value'");
    out->value = !strcmp(ms, "value");
    out->whole = !strcmp(ms, "token");
    return 0;
}

static const struct {
    const char *name;
    unsigned bit;
} places[] = {{"key", FBS_PLACE_KEY},
              {"key_path", FBS_PLACE_KEY_PATH},
              {"file_name", FBS_PLACE_FILE_NAME},
              {"directory", FBS_PLACE_DIRECTORY},
              {"name", FBS_PLACE_NAME},
              {"comment", FBS_PLACE_COMMENT},
              {"description", FBS_PLACE_DESCRIPTION},
              {"commit_message", FBS_PLACE_COMMIT_MESSAGE},
              {NULL, 0}};

unsigned fbs_vocab_place(const char *where)
{
    size_t i;

    for (i = 0; where && places[i].name; i++)
        if (!strcmp(places[i].name, where))
            return places[i].bit;
    return 0;
}

/* A fallback term's `pair` and `not_in` (a list of place names). */
static int term_places(struct term_match *tm, const struct fbs_conf *c, json_t *it)
{
    json_t *pair = json_object_get(it, "pair"), *ni = json_object_get(it, "not_in"), *p;
    size_t i;

    if (pair && !json_is_boolean(pair))
        return perr(c, it, "pair", "'pair' must be true or false");
    tm->pair = json_is_true(pair);
    if (ni && !json_is_array(ni))
        return perr(c, it, "not_in", "'not_in' must be a list of places");
    json_array_foreach(ni, i, p)
    {
        unsigned bit = fbs_vocab_place(json_string_value(p));

        if (!bit)
            return perr(c, it, "not_in",
                        "'not_in': places are key, key_path, file_name, directory, name, "
                        "comment, description, commit_message");
        tm->not_in |= bit;
    }
    return 0;
}

static int load_terms(const struct term_list *l, const struct fbs_conf *c, const char *listname,
                      json_t *list)
{
    json_t *it;
    size_t i;
    int rc;

    if (!json_is_array(list))
        return fbs_error_set(FBS_EPARSE, "'%s': line %d: '%s' must be a list", c->name,
                             fbs_conf_line(c, c->root, listname), listname);
    json_array_foreach(list, i, it)
    {
        json_t *term = json_object_get(it, "term"), *w = json_object_get(it, "weight");
        json_t *vars = json_object_get(it, "variants"), *var;
        struct term_match tm = {FBS_PRIV_UNKNOWN, false, false, false, false, 0};
        const char *k;
        json_t *kv;
        size_t j;

        if (!json_is_object(it))
            return perr(c, it, NULL, "a term must be a mapping with 'term' and 'weight'");
        json_object_foreach(it, k, kv)
        {
            bool fallback_key = !strcmp(k, "once") || !strcmp(k, "pair") || !strcmp(k, "not_in");
            bool privilege_key = !strcmp(k, "level") || !strcmp(k, "match");

            if (strcmp(k, "term") && strcmp(k, "variants") && strcmp(k, "note") &&
                (l->everyday || strcmp(k, "weight")) &&
                (l->privilege || l->everyday || !fallback_key) && (!l->privilege || !privilege_key))
                return fbs_error_set(FBS_EPARSE, "'%s': line %d: unknown key '%s'", c->name,
                                     fbs_conf_line(c, it, k), k);
        }
        if (!json_is_string(term))
            return perr(c, it, NULL, "'term' must be a string");
        if (l->everyday)
            w = NULL;
        else if (!json_is_number(w) || json_number_value(w) <= 0 || json_number_value(w) > 1)
            return perr(c, it, "weight", "'weight' must be a number in (0, 1]");
        if (!l->privilege && !l->everyday && (rc = term_places(&tm, c, it)) < 0)
            return rc;
        if (l->privilege && (rc = term_match(&tm, c, it)) < 0)
            return rc;
        if (json_object_get(it, "once") && !json_is_boolean(json_object_get(it, "once")))
            return perr(c, it, "once", "'once' must be true or false");
        tm.once = json_is_true(json_object_get(it, "once"));
        rc = add_term(l, json_string_value(term), json_string_value(term),
                      w ? json_number_value(w) : 1.0, &tm);
        if (rc < 0)
            return rc == FBS_EPARSE ? perr_last(c, it, "term") : rc;
        if (vars && !json_is_array(vars))
            return perr(c, it, "variants", "'variants' must be a list");
        json_array_foreach(vars, j, var)
        {
            if (!json_is_string(var))
                return perr(c, it, "variants", "variants must be strings");
            rc = add_term(l, json_string_value(term), json_string_value(var),
                          w ? json_number_value(w) : 1.0, &tm);
            if (rc < 0)
                return rc == FBS_EPARSE ? perr_last(c, it, "variants") : rc;
        }
    }
    return 0;
}

static int add_class(struct fbs_vocab *v, const char *cls, double score)
{
    if (fbs_array_grow((void **)&v->classes, &v->classes_cap, v->nclasses + 1,
                       sizeof(*v->classes)) < 0)
        return FBS_ENOMEM;
    v->classes[v->nclasses].cls = fbs_strdup(cls);
    if (!v->classes[v->nclasses].cls)
        return fbs_error_set(FBS_ENOMEM, "out of memory");
    v->classes[v->nclasses++].score = score;
    return 0;
}

static int load_custody(struct fbs_vocab *v, const struct fbs_conf *c)
{
    json_t *root = c->root, *def = json_object_get(root, "default");
    json_t *classes = json_object_get(root, "classes"), *paths = json_object_get(root, "paths");
    json_t *it, *g;
    const char *k;
    size_t i, j;
    int rc;

    if (!json_is_object(def) || !json_is_string(json_object_get(def, "class")) ||
        !json_is_number(json_object_get(def, "score")))
        return perr(c, root, "default", "'default' must be a mapping with 'class' and 'score'");
    fbs_free(v->default_custody);
    v->default_custody = fbs_strdup(json_string_value(json_object_get(def, "class")));
    if (!v->default_custody)
        return FBS_ENOMEM;
    v->default_custody_score = json_number_value(json_object_get(def, "score"));
    rc = add_class(v, v->default_custody, v->default_custody_score);
    if (rc < 0)
        return rc;
    if (classes && !json_is_object(classes))
        return perr(c, root, "classes", "'classes' must be a mapping of class to score");
    json_object_foreach(classes, k, it)
    {
        if (!json_is_number(it))
            return perr(c, classes, k, "a class score must be a number");
        if ((rc = add_class(v, k, json_number_value(it))) < 0)
            return rc;
    }
    if (!json_is_array(paths))
        return perr(c, root, "paths", "'paths' must be a list");
    json_array_foreach(paths, i, it)
    {
        json_t *cls = json_object_get(it, "class"), *score = json_object_get(it, "score");
        json_t *globs = json_object_get(it, "globs");

        if (!json_is_string(cls) || !json_is_number(score) || !json_is_array(globs))
            return perr(c, it, NULL, "a path entry needs 'class', 'score' and 'globs'");
        if ((rc = add_class(v, json_string_value(cls), json_number_value(score))) < 0)
            return rc;
        json_array_foreach(globs, j, g)
        {
            struct fbs_custody_rule *cr;

            const char *why;

            if (!json_is_string(g))
                return perr(c, it, "globs", "globs must be strings");
            if (!fbs_glob_check(json_string_value(g), &why)) {
                fbs_error_set(FBS_EPARSE, "bad glob '%.200s': %s", json_string_value(g), why);
                return perr_last(c, it, "globs");
            }
            if (fbs_array_grow((void **)&v->custody, &v->custody_cap, v->ncustody + 1,
                               sizeof(*v->custody)) < 0)
                return FBS_ENOMEM;
            cr = &v->custody[v->ncustody];
            cr->cls = fbs_strdup(json_string_value(cls));
            cr->glob = fbs_strdup(json_string_value(g));
            cr->score = json_number_value(score);
            if (!cr->cls || !cr->glob) {
                fbs_free(cr->cls);
                fbs_free(cr->glob);
                return fbs_error_set(FBS_ENOMEM, "out of memory");
            }
            v->ncustody++;
        }
    }
    return 0;
}

int fbs_vocab_add_text(struct fbs_vocab *v, const char *name, const char *text, size_t len)
{
    struct term_list fallback = {&v->terms, &v->nterms, &v->terms_cap, false, false};
    struct term_list privilege = {&v->priv_terms, &v->npriv_terms, &v->priv_terms_cap, true, false};
    struct term_list everyday = {&v->everyday, &v->neveryday, &v->everyday_cap, false, true};
    struct fbs_conf *c = NULL;
    json_t *terms, *priv;
    int rc;

    rc = fbs_conf_parse(&c, name, text, len);
    if (rc < 0)
        return fbs_error_prefix(rc, "cannot parse '%s'", name);
    if (!json_is_object(c->root)) {
        rc = fbs_error_set(FBS_EPARSE, "'%s': line 1: a vocabulary file must be a mapping", name);
        goto done;
    }
    terms = json_object_get(c->root, "terms");
    priv = json_object_get(c->root, "privilege_terms");
    if (terms) {
        rc = load_terms(&fallback, c, "terms", terms);
        if (rc == 0 && json_object_get(c->root, "everyday_terms"))
            rc = load_terms(&everyday, c, "everyday_terms",
                            json_object_get(c->root, "everyday_terms"));
    } else if (priv)
        rc = load_terms(&privilege, c, "privilege_terms", priv);
    else if (json_object_get(c->root, "paths"))
        rc = load_custody(v, c);
    else
        rc = fbs_error_set(FBS_EPARSE,
                           "'%s': line 1: expected a 'terms', 'privilege_terms' or 'paths' list",
                           name);
done:
    fbs_conf_free(c);
    return rc;
}

int fbs_vocab_load_builtin(struct fbs_vocab **out)
{
    static const char *const files[] = {"rules/vocab/fallback_terms.yml",
                                        "rules/vocab/privilege_terms.yml",
                                        "rules/vocab/custody_paths.yml", NULL};
    struct fbs_vocab *v = NULL;
    size_t i;
    int rc;

    *out = NULL;
    rc = fbs_vocab_new(&v);
    if (rc < 0)
        return rc;
    for (i = 0; files[i]; i++) {
        const struct fbs_builtin_file *f = fbs_builtin_find(files[i]);

        if (!f) {
            rc = fbs_error_set(FBS_EINTERNAL, "built-in vocabulary '%s' is missing", files[i]);
            goto fail;
        }
        rc = fbs_vocab_add_text(v, f->name, f->data, f->len);
        if (rc < 0)
            goto fail;
    }
    *out = v;
    return 0;
fail:
    fbs_vocab_free(v);
    return rc;
}

double fbs_vocab_custody_score(const struct fbs_vocab *v, const char *cls)
{
    size_t i;

    for (i = 0; cls && i < v->nclasses; i++)
        if (!strcmp(v->classes[i].cls, cls))
            return v->classes[i].score;
    return 0.5;
}

struct token {
    const char *s;
    size_t n;
};

static size_t tokenize(const char *text, size_t len, struct token *toks, size_t max)
{
    size_t i = 0, n = 0;

    while (i < len && n < max) {
        size_t start;

        while (i < len && !isalnum((unsigned char)text[i]))
            i++;
        if (i >= len)
            break;
        start = i;
        while (i < len && isalnum((unsigned char)text[i])) {
            /* camelCase: a lower-case letter or digit followed by an upper-case one. */
            if (i > start && isupper((unsigned char)text[i]) &&
                (islower((unsigned char)text[i - 1]) ||
                 (i + 1 < len && islower((unsigned char)text[i + 1]) &&
                  isupper((unsigned char)text[i - 1]))))
                break;
            i++;
        }
        toks[n].s = text + start;
        toks[n].n = i - start;
        n++;
    }
    return n;
}

static int scan_terms(const struct fbs_vocab_term *terms, size_t nterms, const char *text,
                      size_t len, fbs_vocab_hit_cb cb, void *payload)
{
    struct token toks[MAX_TOKENS];
    char joined[256];
    size_t n, i, j, t;
    int rc;

    n = tokenize(text, len, toks, MAX_TOKENS);
    for (i = 0; i < n; i++) {
        size_t jl = 0;

        for (j = i; j < n && j < i + WINDOW; j++) {
            size_t k;

            if (jl + toks[j].n >= sizeof(joined))
                break;
            for (k = 0; k < toks[j].n; k++)
                joined[jl++] = (char)tolower((unsigned char)toks[j].s[k]);
            joined[jl] = '\0';
            for (t = 0; t < nterms; t++) {
                const struct fbs_vocab_term *term = &terms[t];
                size_t tl = strlen(term->norm);
                bool hit;

                if (term->value)
                    continue;
                if (tl >= SUBSTRING_MIN && !term->whole)
                    /* On a window of several tokens the term must reach into the last one,
                     * so a hit inside the first token is not reported once per window. */
                    hit = (j == i || tl > jl - toks[j].n) && strstr(joined, term->norm) != NULL;
                else
                    hit = tl == jl && !memcmp(joined, term->norm, tl);
                if (hit && (rc = cb(term, payload)) != 0)
                    return rc;
            }
        }
    }
    return 0;
}

int fbs_vocab_scan(const struct fbs_vocab *v, const char *text, size_t len, fbs_vocab_hit_cb cb,
                   void *payload)
{
    return scan_terms(v->terms, v->nterms, text, len, cb, payload);
}

int fbs_vocab_scan_privilege(const struct fbs_vocab *v, const char *text, size_t len,
                             fbs_vocab_hit_cb cb, void *payload)
{
    return scan_terms(v->priv_terms, v->npriv_terms, text, len, cb, payload);
}

int fbs_vocab_match_privilege_value(const struct fbs_vocab *v, const char *value, size_t len,
                                    fbs_vocab_hit_cb cb, void *payload)
{
    size_t a = 0, b = len, t;
    int rc;

    while (a < b && (value[a] == ' ' || value[a] == '\t'))
        a++;
    while (b > a && (value[b - 1] == ' ' || value[b - 1] == '\t'))
        b--;
    for (t = 0; t < v->npriv_terms; t++) {
        const struct fbs_vocab_term *term = &v->priv_terms[t];

        if (term->value && strlen(term->norm) == b - a &&
            !strncasecmp(term->norm, value + a, b - a) && (rc = cb(term, payload)) != 0)
            return rc;
    }
    return scan_terms(v->priv_terms, v->npriv_terms, value, len, cb, payload);
}

static int first_hit(const struct fbs_vocab_term *t, void *payload)
{
    *(const char **)payload = t->term;
    return 1;
}

const char *fbs_vocab_everyday(const struct fbs_vocab *v, const char *text, size_t len)
{
    const char *hit = NULL;

    if (text && len)
        scan_terms(v->everyday, v->neveryday, text, len, first_hit, &hit);
    return hit;
}

bool fbs_vocab_term_once(const struct fbs_vocab *v, const char *term)
{
    size_t i;

    for (i = 0; i < v->nterms; i++)
        if (v->terms[i].once && !strcmp(v->terms[i].term, term))
            return true;
    return false;
}
