/* ruleset.c - rule files to compiled rules; see ruleset.h and docs/rules.md. */
#include "ruleset.h"
#include "../core/alloc.h"
#include "../core/buf.h"
#include "../core/error.h"
#include "../core/text.h"
#include "../core/vec.h"
#include "../model/builtin.h"
#include "../model/conf.h"
#include "hs_bundle.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <hs/hs.h>
#include <limits.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../core/banned.h"

static void example_release(struct fbs_rule_example *e)
{
    fbs_free(e->path);
    fbs_free(e->text);
    fbs_free(e->secret);
}

static void strv_free(char **v, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        fbs_free(v[i]);
    fbs_free(v);
}

static void rule_free(struct fbs_rule *r)
{
    size_t i;

    if (!r)
        return;
    fbs_free(r->id);
    fbs_free(r->name);
    fbs_free(r->kind);
    fbs_free(r->pattern);
    fbs_free(r->scan_pattern);
    fbs_free(r->description);
    fbs_free(r->remediation);
    fbs_free(r->verify);
    strv_free(r->keywords, r->nkeywords);
    strv_free(r->references, r->nreferences);
    strv_free(r->paths, r->npaths);
    for (i = 0; i < r->nexamples; i++)
        example_release(&r->examples[i]);
    fbs_free(r->examples);
    for (i = 0; i < r->nnegatives; i++)
        example_release(&r->negatives[i]);
    fbs_free(r->negatives);
    fbs_free(r->file);
    pcre2_code_free(r->re);
    fbs_free(r);
}

int fbs_ruleset_new(struct fbs_ruleset **out)
{
    *out = fbs_calloc(1, sizeof(**out));
    return *out ? 0 : fbs_error_set(FBS_ENOMEM, "out of memory");
}

void fbs_ruleset_free(struct fbs_ruleset *rs)
{
    size_t i;

    if (!rs)
        return;
    for (i = 0; i < rs->n; i++)
        rule_free(rs->rules[i]);
    fbs_free(rs->rules);
    hs_free_database(rs->db_text);
    hs_free_database(rs->db_binary);
    for (i = 0; i < rs->ngated; i++)
        hs_free_database(rs->gated[i].db);
    fbs_free(rs->gated);
    fbs_free(rs->gate_globs);
    fbs_free(rs->cache_dir);
    fbs_free(rs);
}

static pthread_mutex_t jit_lock = PTHREAD_MUTEX_INITIALIZER;

/*
 * Whether Vectorscan can compile the pattern exactly (no prefilter approximation needed); if so
 * and `max_width` is given, the longest match in bytes there (UINT_MAX: unbounded).
 */
static bool hs_exact_ok(const char *pattern, unsigned *max_width)
{
    hs_expr_info_t *info = NULL;
    hs_compile_error_t *err = NULL;

    if (hs_expression_info(pattern, 0, &info, &err) != HS_SUCCESS) {
        hs_free_compile_error(err);
        return false;
    }
    if (max_width)
        *max_width = info->max_width;
    free(info); /* allocated by Vectorscan with the default allocator */
    return true;
}

void fbs_rule_prepare(const struct fbs_rule *cr)
{
    struct fbs_rule *r = (struct fbs_rule *)cr; /* only the JIT state changes, under the lock */

    if (atomic_load_explicit(&r->jit_state, memory_order_acquire))
        return;
    pthread_mutex_lock(&jit_lock);
    if (!atomic_load_explicit(&r->jit_state, memory_order_relaxed)) {
        unsigned width = UINT_MAX;

        /* JIT can fail for very large patterns; the interpreter is then used. */
        r->jit = pcre2_jit_compile(r->re, PCRE2_JIT_COMPLETE) == 0;
        /* How far before a hit a match can start, when Vectorscan can tell (no lookarounds or
         * other PCRE2-only syntax, no unbounded repeat): it bounds confirmation's windows. */
        r->max_len = hs_exact_ok(r->pattern, &width) && width != UINT_MAX ? width : 0;
        atomic_store_explicit(&r->jit_state, 1, memory_order_release);
    }
    pthread_mutex_unlock(&jit_lock);
}

const struct fbs_rule *fbs_ruleset_find(const struct fbs_ruleset *rs, const char *id)
{
    size_t i;

    for (i = 0; i < rs->n; i++)
        if (!strcmp(rs->rules[i]->id, id))
            return rs->rules[i];
    return NULL;
}

/* Parsing -------------------------------------------------------------------------------------- */

struct parse {
    const struct fbs_conf *conf;
    const char *name;
};

#define PERR(p, node, key, ...) perr_at((p), fbs_conf_line((p)->conf, (node), (key)), __VA_ARGS__)

__attribute__((format(printf, 3, 4))) static int perr_at(const struct parse *p, int line,
                                                         const char *fmt, ...)
{
    char msg[768];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (line > 0)
        return fbs_error_set(FBS_EPARSE, "'%s': line %d: %s", p->name, line, msg);
    return fbs_error_set(FBS_EPARSE, "'%s': %s", p->name, msg);
}

static int get_string(const struct parse *p, json_t *obj, const char *key, bool required,
                      char **out)
{
    json_t *v = json_object_get(obj, key);

    *out = NULL;
    if (!v || json_is_null(v)) {
        if (required)
            return PERR(p, obj, NULL, "rule is missing required key '%s'", key);
        return 0;
    }
    if (!json_is_string(v))
        return PERR(p, obj, key, "'%s' must be a string", key);
    if (required && !json_string_length(v))
        return PERR(p, obj, key, "'%s' must not be empty", key);
    if (strlen(json_string_value(v)) != json_string_length(v))
        return PERR(p, obj, key, "'%s' contains a NUL byte", key);
    *out = fbs_strdup(json_string_value(v));
    return *out ? 0 : fbs_error_set(FBS_ENOMEM, "out of memory");
}

static int get_bool(const struct parse *p, json_t *obj, const char *key, bool *out)
{
    json_t *v = json_object_get(obj, key);

    if (!v || json_is_null(v))
        return 0;
    if (!json_is_boolean(v))
        return PERR(p, obj, key, "'%s' must be true or false", key);
    *out = json_is_true(v);
    return 0;
}

static int get_strv(const struct parse *p, json_t *obj, const char *key, char ***out, size_t *n)
{
    json_t *v = json_object_get(obj, key), *it;
    size_t i;

    *out = NULL;
    *n = 0;
    if (!v || json_is_null(v))
        return 0;
    if (json_is_string(v)) {
        *out = fbs_calloc(1, sizeof(char *));
        if (!*out || !((*out)[0] = fbs_strdup(json_string_value(v))))
            return fbs_error_set(FBS_ENOMEM, "out of memory");
        *n = 1;
        return 0;
    }
    if (!json_is_array(v))
        return PERR(p, obj, key, "'%s' must be a list of strings", key);
    *out = fbs_calloc(json_array_size(v) + 1, sizeof(char *));
    if (!*out)
        return fbs_error_set(FBS_ENOMEM, "out of memory");
    json_array_foreach(v, i, it)
    {
        if (!json_is_string(it) || !json_string_length(it))
            return PERR(p, obj, key, "'%s' item %zu must be a non-empty string", key, i + 1);
        (*out)[i] = fbs_strdup(json_string_value(it));
        if (!(*out)[i])
            return fbs_error_set(FBS_ENOMEM, "out of memory");
        *n = i + 1;
    }
    return 0;
}

static int hex_decode(const char *s, char **out, size_t *len)
{
    size_t n = 0, cap = strlen(s) / 2 + 1;
    char *buf = fbs_malloc(cap);
    int hi = -1;

    if (!buf)
        return FBS_ENOMEM;
    for (; *s; s++) {
        int v;

        if (isspace((unsigned char)*s))
            continue;
        if (!isxdigit((unsigned char)*s)) {
            fbs_free(buf);
            return FBS_EPARSE;
        }
        v = isdigit((unsigned char)*s) ? *s - '0' : (tolower((unsigned char)*s) - 'a' + 10);
        if (hi < 0) {
            hi = v;
        } else {
            buf[n++] = (char)(hi << 4 | v);
            hi = -1;
        }
    }
    if (hi >= 0) {
        fbs_free(buf);
        return FBS_EPARSE;
    }
    *out = buf;
    *len = n;
    return 0;
}

/* Append the examples under `key` (text form, or hex form when `hex`). */
static int get_examples(const struct parse *p, json_t *obj, const char *key, bool hex,
                        bool allow_secret, struct fbs_rule_example **arr, size_t *n)
{
    json_t *v = json_object_get(obj, key), *it;
    size_t i, cap = *n;
    const char *tkey = hex ? "hex" : "text", *skey = hex ? "secret_hex" : "secret";

    if (!v || json_is_null(v))
        return 0;
    if (!json_is_array(v))
        return PERR(p, obj, key, "'%s' must be a list", key);
    json_array_foreach(v, i, it)
    {
        struct fbs_rule_example e = {0};
        json_t *t = it, *s = NULL, *path = NULL;
        int line = fbs_conf_line(p->conf, it, NULL);

        if (!line)
            line = fbs_conf_line(p->conf, obj, key);
        if (json_is_object(it)) {
            const char *k;
            json_t *kv;

            json_object_foreach(it, k, kv)
            {
                if (strcmp(k, tkey) && strcmp(k, skey) && strcmp(k, "path"))
                    return PERR(p, it, k, "unknown key '%s' in %s (expected '%s', '%s' or 'path')",
                                k, key, tkey, skey);
            }
            t = json_object_get(it, tkey);
            s = json_object_get(it, skey);
            path = json_object_get(it, "path");
            if (path && !json_is_string(path))
                return PERR(p, it, "path", "'path' must be a string");
            if (s && !allow_secret)
                return PERR(p, it, skey, "'%s' has no meaning in %s", skey, key);
        }
        if (!t || !json_is_string(t))
            return perr_at(p, line, "%s item %zu must be a string or a mapping with '%s'", key,
                           i + 1, tkey);
        if (s && !json_is_string(s))
            return perr_at(p, line, "%s item %zu: '%s' must be a string", key, i + 1, skey);
        if (hex) {
            if (hex_decode(json_string_value(t), &e.text, &e.len) < 0 ||
                (s && hex_decode(json_string_value(s), &e.secret, &e.secret_len) < 0)) {
                example_release(&e);
                return perr_at(p, line, "%s item %zu is not valid hex", key, i + 1);
            }
        } else {
            e.len = json_string_length(t);
            e.text = fbs_memdup(json_string_value(t), e.len + 1);
            if (s) {
                e.secret_len = json_string_length(s);
                e.secret = fbs_memdup(json_string_value(s), e.secret_len + 1);
            }
            if (!e.text || (s && !e.secret)) {
                example_release(&e);
                return fbs_error_set(FBS_ENOMEM, "out of memory");
            }
        }
        if (path && !(e.path = fbs_strdup(json_string_value(path)))) {
            example_release(&e);
            return fbs_error_set(FBS_ENOMEM, "out of memory");
        }
        e.line = line;
        if (fbs_array_grow((void **)arr, &cap, *n + 1, sizeof(**arr)) < 0) {
            example_release(&e);
            return FBS_ENOMEM;
        }
        (*arr)[(*n)++] = e;
    }
    return 0;
}

static const char *const rule_keys[] = {"id",
                                        "name",
                                        "kind",
                                        "pattern",
                                        "scan_pattern",
                                        "secret_group",
                                        "keywords",
                                        "entropy_min",
                                        "validate",
                                        "fallback",
                                        "privilege",
                                        "binary",
                                        "priority",
                                        "references",
                                        "remediation",
                                        "verify",
                                        "description",
                                        "examples",
                                        "negative_examples",
                                        "examples_hex",
                                        "negative_examples_hex",
                                        "tags",
                                        "paths",
                                        NULL};

static bool valid_id(const char *s)
{
    if (!*s)
        return false;
    for (; *s; s++)
        if (!(islower((unsigned char)*s) || isdigit((unsigned char)*s) || *s == '_' || *s == '.' ||
              *s == '-'))
            return false;
    return true;
}

/*
 * Bounded repeats with a large upper bound ({8,4096}) make Vectorscan build huge automata: one
 * such rule took the whole pack from 0.4 s to 10 s to compile. Unbounded ({8,}) is cheap and the
 * PCRE2 confirmation bounds nothing we need. Returns the offending bound or 0.
 */
#define MAX_REPEAT_BOUND 1024

static long large_repeat(const char *pat)
{
    const char *p;

    for (p = pat; *p; p++) {
        char *end;
        long lo, hi;

        if (*p == '\\' && p[1]) {
            p++;
            continue;
        }
        if (*p != '{' || !isdigit((unsigned char)p[1]))
            continue;
        lo = strtol(p + 1, &end, 10);
        if (*end != ',' || !isdigit((unsigned char)end[1]))
            continue;
        hi = strtol(end + 1, &end, 10);
        (void)lo;
        if (*end == '}' && hi > MAX_REPEAT_BOUND)
            return hi;
    }
    return 0;
}

static int compile_pcre2(const struct parse *p, json_t *obj, struct fbs_rule *r)
{
    int err = 0;
    PCRE2_SIZE off = 0;
    uint32_t groups = 0;

    r->re = pcre2_compile((PCRE2_SPTR)r->pattern, PCRE2_ZERO_TERMINATED, PCRE2_USE_OFFSET_LIMIT,
                          &err, &off, NULL);
    if (!r->re) {
        PCRE2_UCHAR msg[256];

        pcre2_get_error_message(err, msg, sizeof(msg));
        return PERR(p, obj, "pattern", "pattern does not compile at offset %zu: %s", (size_t)off,
                    (const char *)msg);
    }
    pcre2_pattern_info(r->re, PCRE2_INFO_CAPTURECOUNT, &groups);
    if (r->secret_group > groups)
        return PERR(p, obj, "secret_group", "secret_group %u but the pattern has %u groups",
                    r->secret_group, groups);
    /* JIT compilation is deferred to the rule's first hit (fbs_rule_prepare): most rules never
     * fire on a given run, and compiling all of them would dominate start-up. */
    return 0;
}

static int parse_rule(const struct parse *p, json_t *obj, struct fbs_rule **out)
{
    struct fbs_rule *r = NULL;
    const char *k;
    json_t *v;
    char *s = NULL;
    int rc;

    *out = NULL;
    if (!json_is_object(obj))
        return PERR(p, obj, NULL, "a rule must be a mapping");
    json_object_foreach(obj, k, v)
    {
        size_t i;

        for (i = 0; rule_keys[i]; i++)
            if (!strcmp(rule_keys[i], k))
                break;
        if (!rule_keys[i])
            return PERR(p, obj, k, "unknown key '%s'", k);
    }
    r = fbs_calloc(1, sizeof(*r));
    if (!r)
        return fbs_error_set(FBS_ENOMEM, "out of memory");
    r->line = fbs_conf_line(p->conf, obj, NULL);
    if (!(r->file = fbs_strdup(p->name))) {
        rc = fbs_error_set(FBS_ENOMEM, "out of memory");
        goto fail;
    }
    if ((rc = get_string(p, obj, "id", true, &r->id)) < 0 ||
        (rc = get_string(p, obj, "name", true, &r->name)) < 0 ||
        (rc = get_string(p, obj, "kind", true, &r->kind)) < 0 ||
        (rc = get_string(p, obj, "pattern", true, &r->pattern)) < 0 ||
        (rc = get_string(p, obj, "scan_pattern", false, &r->scan_pattern)) < 0 ||
        (rc = get_string(p, obj, "description", false, &r->description)) < 0 ||
        (rc = get_string(p, obj, "remediation", false, &r->remediation)) < 0 ||
        (rc = get_string(p, obj, "verify", false, &r->verify)) < 0 ||
        (rc = get_strv(p, obj, "keywords", &r->keywords, &r->nkeywords)) < 0 ||
        (rc = get_strv(p, obj, "references", &r->references, &r->nreferences)) < 0 ||
        (rc = get_strv(p, obj, "paths", &r->paths, &r->npaths)) < 0 ||
        (rc = get_bool(p, obj, "fallback", &r->fallback)) < 0 ||
        (rc = get_bool(p, obj, "binary", &r->binary)) < 0)
        goto fail;
    if (r->verify)
        r->verify_line = fbs_conf_line(p->conf, obj, "verify");
    if (!valid_id(r->id)) {
        rc = PERR(p, obj, "id", "rule id '%s' must use only a-z 0-9 . _ -", r->id);
        goto fail;
    }
    for (size_t g = 0; g < r->npaths; g++) {
        const char *why;

        if (!fbs_glob_check(r->paths[g], &why)) {
            rc = PERR(p, obj, "paths", "bad glob '%s' in 'paths': %s", r->paths[g], why);
            goto fail;
        }
    }
    if (!valid_id(r->kind)) {
        rc = PERR(p, obj, "kind", "kind '%s' must use only a-z 0-9 . _ -", r->kind);
        goto fail;
    }
    if ((v = json_object_get(obj, "tags")) && !json_is_array(v) && !json_is_null(v)) {
        rc = PERR(p, obj, "tags", "'tags' must be a list");
        goto fail;
    }
    v = json_object_get(obj, "secret_group");
    if (v && !json_is_null(v)) {
        if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > 99) {
            rc = PERR(p, obj, "secret_group", "'secret_group' must be an integer 0..99");
            goto fail;
        }
        r->secret_group = (unsigned)json_integer_value(v);
    }
    v = json_object_get(obj, "entropy_min");
    if (v && !json_is_null(v)) {
        if (!json_is_number(v) || json_number_value(v) < 0 || json_number_value(v) > 8) {
            rc = PERR(p, obj, "entropy_min", "'entropy_min' must be a number 0..8 (bits/char)");
            goto fail;
        }
        r->entropy_min = json_number_value(v);
    }
    r->priority = !strncmp(r->id, "generic.", 8) ? -10 : 0;
    v = json_object_get(obj, "priority");
    if (v && !json_is_null(v)) {
        if (!json_is_integer(v) || json_integer_value(v) < -100 || json_integer_value(v) > 100) {
            rc = PERR(p, obj, "priority", "'priority' must be an integer -100..100");
            goto fail;
        }
        r->priority = (int)json_integer_value(v);
    }
    if ((rc = get_string(p, obj, "privilege", false, &s)) < 0)
        goto fail;
    if (s) {
        int pv = fbs_privilege_parse(s);

        if (pv < 0) {
            rc = PERR(p, obj, "privilege", "privilege '%s' must be high, normal or unknown", s);
            goto fail;
        }
        r->privilege = (enum fbs_privilege)pv;
        fbs_free(s);
        s = NULL;
    }
    if ((rc = get_string(p, obj, "validate", false, &s)) < 0)
        goto fail;
    if (s) {
        if (!strcmp(s, "github_crc32")) {
            r->validator = FBS_VALIDATE_GITHUB_CRC32;
        } else {
            rc = PERR(p, obj, "validate", "unknown validator '%s' (known: github_crc32)", s);
            goto fail;
        }
        fbs_free(s);
        s = NULL;
    }
    if ((rc = get_examples(p, obj, "examples", false, true, &r->examples, &r->nexamples)) < 0 ||
        (rc = get_examples(p, obj, "examples_hex", true, true, &r->examples, &r->nexamples)) < 0 ||
        (rc = get_examples(p, obj, "negative_examples", false, false, &r->negatives,
                           &r->nnegatives)) < 0 ||
        (rc = get_examples(p, obj, "negative_examples_hex", true, false, &r->negatives,
                           &r->nnegatives)) < 0)
        goto fail;
    if (!r->nexamples) {
        rc = PERR(p, obj, NULL, "rule '%s' has no examples (every rule needs at least one)", r->id);
        goto fail;
    }
    if (!r->nnegatives) {
        rc = PERR(p, obj, NULL,
                  "rule '%s' has no negative_examples (every rule needs at least one)", r->id);
        goto fail;
    }
    if (large_repeat(r->pattern)) {
        rc = PERR(p, obj, "pattern",
                  "pattern has a bounded repeat up to %ld (over %d makes the rule database slow "
                  "to build; use an open bound such as {8,})",
                  large_repeat(r->pattern), MAX_REPEAT_BOUND);
        goto fail;
    }
    if (r->scan_pattern && large_repeat(r->scan_pattern)) {
        rc = PERR(p, obj, "scan_pattern", "scan_pattern has a bounded repeat up to %ld (over %d)",
                  large_repeat(r->scan_pattern), MAX_REPEAT_BOUND);
        goto fail;
    }
    if ((rc = compile_pcre2(p, obj, r)) < 0)
        goto fail;
    *out = r;
    return 0;
fail:
    fbs_free(s);
    rule_free(r);
    return rc;
}

int fbs_ruleset_add_text(struct fbs_ruleset *rs, const char *name, const char *text, size_t len)
{
    struct fbs_conf *conf = NULL;
    struct fbs_vec added = FBS_VEC_INIT;
    struct parse p = {NULL, name};
    json_t *list, *it;
    size_t i, j;
    int rc;

    if (rs->compiled)
        return fbs_error_set(FBS_EINVAL, "rule set already compiled");
    rc = fbs_conf_parse(&conf, name, text, len);
    if (rc < 0)
        return fbs_error_prefix(rc, "cannot parse '%s'", name);
    p.conf = conf;
    if (!json_is_object(conf->root)) {
        rc = perr_at(&p, 1, "a rule file must be a mapping with a 'rules' list");
        goto done;
    }
    {
        const char *k;
        json_t *v;

        json_object_foreach(conf->root, k, v)
        {
            if (strcmp(k, "rules")) {
                rc = PERR(&p, conf->root, k, "unknown top-level key '%s' (expected 'rules')", k);
                goto done;
            }
        }
    }
    list = json_object_get(conf->root, "rules");
    if (!json_is_array(list)) {
        rc = perr_at(&p, list ? fbs_conf_line(conf, conf->root, "rules") : 1,
                     "'rules' must be a list");
        goto done;
    }
    json_array_foreach(list, i, it)
    {
        struct fbs_rule *r;

        rc = parse_rule(&p, it, &r);
        if (rc < 0)
            goto done;
        for (j = 0; j < added.len; j++) {
            struct fbs_rule *o = added.items[j];

            if (!strcmp(o->id, r->id)) {
                rc = perr_at(&p, r->line, "duplicate rule id '%s' (first at line %d)", r->id,
                             o->line);
                rule_free(r);
                goto done;
            }
        }
        if (fbs_vec_push(&added, r) < 0) {
            rule_free(r);
            rc = FBS_ENOMEM;
            goto done;
        }
    }
    if (fbs_array_grow((void **)&rs->rules, &rs->cap, rs->n + added.len, sizeof(*rs->rules)) < 0) {
        rc = FBS_ENOMEM;
        goto done;
    }
    /* Commit: a rule with a known id replaces the old one in place (its position is kept). */
    for (i = 0; i < added.len; i++) {
        struct fbs_rule *r = added.items[i];

        for (j = 0; j < rs->n; j++) {
            if (!strcmp(rs->rules[j]->id, r->id)) {
                rule_free(rs->rules[j]);
                rs->rules[j] = r;
                break;
            }
        }
        if (j == rs->n)
            rs->rules[rs->n++] = r;
    }
    added.len = 0;
done:
    fbs_vec_release(&added, (void (*)(void *))rule_free);
    fbs_conf_free(conf);
    return rc;
}

int fbs_ruleset_add_builtin(struct fbs_ruleset *rs)
{
    const struct fbs_builtin_file *f;
    int rc;

    for (f = fbs_builtin_files; f->name; f++) {
        size_t n = strlen(f->name);

        /* Only rules/<file>.yml: vocabularies and policy live in subfolders. */
        if (strncmp(f->name, "rules/", 6) || strchr(f->name + 6, '/') || n < 5 ||
            strcmp(f->name + n - 4, ".yml"))
            continue;
        rc = fbs_ruleset_add_text(rs, f->name, f->data, f->len);
        if (rc < 0)
            return rc;
    }
    return 0;
}

static int name_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int collect_rule_files(struct fbs_vec *out, const char *dir, int depth)
{
    DIR *d;
    struct dirent *de;
    int rc = 0;

    if (depth > 16)
        return 0;
    d = opendir(dir);
    if (!d)
        return fbs_error_set(FBS_EIO, "cannot open rules directory '%s': %s", dir, strerror(errno));
    while ((de = readdir(d)) != NULL) {
        struct fbs_buf path = FBS_BUF_INIT;
        struct stat st;
        size_t n = strlen(de->d_name);

        if (de->d_name[0] == '.')
            continue;
        if (fbs_buf_printf(&path, "%s/%s", dir, de->d_name) < 0) {
            rc = FBS_ENOMEM;
            break;
        }
        if (stat(path.ptr, &st) < 0) {
            fbs_buf_release(&path);
            continue;
        }
        if (S_ISDIR(st.st_mode)) {
            /* Files directly in DIR only: subfolders hold other data (rules/vocab, rules/policy).
             */
            fbs_buf_release(&path);
            continue;
        }
        if (S_ISREG(st.st_mode) && ((n > 4 && !strcmp(de->d_name + n - 4, ".yml")) ||
                                    (n > 5 && !strcmp(de->d_name + n - 5, ".yaml")))) {
            char *s = fbs_buf_detach(&path);

            if (!s || fbs_vec_push(out, s) < 0) {
                fbs_free(s);
                rc = FBS_ENOMEM;
                break;
            }
        }
        fbs_buf_release(&path);
    }
    closedir(d);
    return rc;
}

int fbs_ruleset_add_dir(struct fbs_ruleset *rs, const char *dir)
{
    struct fbs_vec files = FBS_VEC_INIT;
    size_t i;
    int rc;

    rc = collect_rule_files(&files, dir, 0);
    if (rc < 0)
        goto done;
    fbs_vec_sort(&files, name_cmp);
    for (i = 0; i < files.len; i++) {
        struct fbs_buf text = FBS_BUF_INIT;

        rc = fbs_buf_read_file(&text, files.items[i], 0);
        if (rc < 0) {
            fbs_buf_release(&text);
            rc = rc == FBS_ENOMEM ? rc : FBS_EIO;
            goto done;
        }
        rc = fbs_ruleset_add_text(rs, files.items[i], text.ptr, text.len);
        fbs_buf_release(&text);
        if (rc < 0)
            goto done;
    }
done:
    fbs_vec_release(&files, fbs_free);
    return rc;
}

/* Compiling ------------------------------------------------------------------------------------ */

/* The pattern Vectorscan scans for: the rule's scan_pattern when it has one. */
static const char *hs_pattern(const struct fbs_rule *r)
{
    return r->scan_pattern ? r->scan_pattern : r->pattern;
}

int fbs_ruleset_set_cache_dir(struct fbs_ruleset *rs, const char *dir)
{
    char *copy = NULL;

    if (dir && !(copy = fbs_strdup(dir)))
        return fbs_error_set(FBS_ENOMEM, "out of memory");
    fbs_free(rs->cache_dir);
    rs->cache_dir = copy;
    return 0;
}

void fbs_ruleset_set_embedded(struct fbs_ruleset *rs, const void *bundle, size_t len)
{
    rs->embedded = len ? bundle : NULL;
    rs->embedded_len = bundle ? len : 0;
}

/* The cache entry name for a set of expressions: hs-<sha256><suffix>. */
static int cache_name(struct fbs_buf *out, const char *const *exprs, const unsigned *flags,
                      const unsigned *ids, size_t n, const char *suffix)
{
    static const char hex[] = "0123456789abcdef";
    unsigned char md[32];
    unsigned int mdlen = 0;
    hs_platform_info_t plat;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    size_t i;
    int ok;

    if (!ctx)
        return FBS_ENOMEM;
    memset(&plat, 0, sizeof(plat));
    hs_populate_platform(&plat);
    ok = EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) &&
         EVP_DigestUpdate(ctx, hs_version(), strlen(hs_version()) + 1) &&
         EVP_DigestUpdate(ctx, &plat, sizeof(plat));
    for (i = 0; ok && i < n; i++)
        ok = EVP_DigestUpdate(ctx, &flags[i], sizeof(flags[i])) &&
             EVP_DigestUpdate(ctx, &ids[i], sizeof(ids[i])) &&
             EVP_DigestUpdate(ctx, exprs[i], strlen(exprs[i]) + 1);
    ok = ok && EVP_DigestFinal_ex(ctx, md, &mdlen);
    EVP_MD_CTX_free(ctx);
    if (!ok)
        return FBS_EINTERNAL;
    if (fbs_buf_puts(out, "hs-") < 0)
        return FBS_ENOMEM;
    for (i = 0; i < mdlen; i++)
        if (fbs_buf_putc(out, hex[md[i] >> 4]) < 0 || fbs_buf_putc(out, hex[md[i] & 15]) < 0)
            return FBS_ENOMEM;
    return fbs_buf_puts(out, suffix);
}

/* The cache file for an entry name: <dir>/<name>. */
static int cache_path(struct fbs_buf *out, const char *dir, const char *name)
{
    return fbs_buf_printf(out, "%s/%s", dir, name) < 0 ? FBS_ENOMEM : 0;
}

/* Read a whole cache file into `data`; false when it is absent or unreadable. */
static bool cache_read(const char *path, struct fbs_buf *data)
{
    bool ok = fbs_buf_read_file(data, path, 0) == 0;

    fbs_error_clear(); /* a missing cache entry is not an error */
    return ok;
}

/* Write atomically (temporary file + rename) so concurrent runs never read half a file. */
static void cache_write(const char *dir, const char *path, const void *bytes, size_t len)
{
    struct fbs_buf tmp = FBS_BUF_INIT;
    size_t off = 0;
    int fd;

    mkdir(dir, 0700);
    if (fbs_buf_printf(&tmp, "%s.%ld.tmp", path, (long)getpid()) < 0)
        goto done;
    fd = open(tmp.ptr, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        goto done;
    while (off < len) {
        ssize_t n = write(fd, (const char *)bytes + off, len - off);

        if (n <= 0)
            break;
        off += (size_t)n;
    }
    /* fsync before the rename, or a crash can leave a renamed but empty cache entry; a failed
     * rename must not leave the temporary file behind either. */
    {
        bool ok = off == len && fsync(fd) == 0;

        ok = close(fd) == 0 && ok;
        if (!ok || rename(tmp.ptr, path) != 0)
            unlink(tmp.ptr);
    }
done:
    fbs_buf_release(&tmp);
}

static hs_database_t *cache_load(const char *path)
{
    hs_database_t *db = NULL;
    struct fbs_buf data = FBS_BUF_INIT;

    if (cache_read(path, &data) && data.len &&
        hs_deserialize_database(data.ptr, data.len, &db) != HS_SUCCESS)
        db = NULL;
    fbs_buf_release(&data);
    return db;
}

/* The embedded entry `name` as a database; NULL when absent, or unusable here (Vectorscan checks
 * the version, the platform and the bytes' checksum). */
static hs_database_t *embedded_load(const struct fbs_ruleset *rs, const char *name)
{
    hs_database_t *db = NULL;
    const void *data;
    size_t len;

    if (!fbs_hs_bundle_find(rs->embedded, rs->embedded_len, name, &data, &len) || !len ||
        hs_deserialize_database(data, len, &db) != HS_SUCCESS)
        return NULL;
    return db;
}

static void cache_store(const char *dir, const char *path, const hs_database_t *db)
{
    char *bytes = NULL;
    size_t len = 0;

    if (hs_serialize_database(db, &bytes, &len) != HS_SUCCESS)
        return;
    cache_write(dir, path, bytes, len);
    free(bytes); /* allocated by Vectorscan with the default allocator */
}

/*
 * Which rules Vectorscan can take exactly and which only as prefilters. Asking it
 * (hs_expression_info) parses and analyses every pattern: about 10 ms for the built-in pack, a
 * quarter of a warm start. So the answers are cached too, next to the databases, under a key
 * of the Vectorscan version, the platform and the patterns.
 */
static int decide_prefilters(struct fbs_ruleset *rs, bool use_cache, bool *from_cache)
{
    struct fbs_buf name = FBS_BUF_INIT, cpath = FBS_BUF_INIT, data = FBS_BUF_INIT;
    const char **exprs = fbs_calloc(rs->n, sizeof(*exprs));
    unsigned *zeros = fbs_calloc(rs->n, sizeof(*zeros));
    char *bits = fbs_malloc(rs->n);
    const void *stored = NULL;
    size_t i, len = 0;
    int rc = 0;

    if (!exprs || !zeros || !bits) {
        rc = fbs_error_set(FBS_ENOMEM, "out of memory");
        goto done;
    }
    for (i = 0; i < rs->n; i++)
        exprs[i] = hs_pattern(rs->rules[i]);
    *from_cache = false;
    if ((rs->embedded || rs->cache_dir) && cache_name(&name, exprs, zeros, zeros, rs->n, ".pf") < 0)
        fbs_buf_truncate(&name, 0); /* no cache: decide below */
    if (rs->cache_dir && name.len && cache_path(&cpath, rs->cache_dir, name.ptr) < 0)
        fbs_buf_truncate(&cpath, 0);
    /* The embedded entry first, then the disk cache. */
    if (use_cache && name.len &&
        fbs_hs_bundle_find(rs->embedded, rs->embedded_len, name.ptr, &stored, &len))
        rs->loaded.prefilters = FBS_ORIGIN_EMBEDDED;
    else if (use_cache && cpath.len && cache_read(cpath.ptr, &data)) {
        stored = data.ptr;
        len = data.len;
        rs->loaded.prefilters = FBS_ORIGIN_DISK;
    }
    if (stored && len == rs->n) {
        const char *p = stored;

        for (i = 0; i < rs->n && (p[i] == '0' || p[i] == '1'); i++)
            rs->rules[i]->prefilter = p[i] == '1';
        *from_cache = i == rs->n;
        if (*from_cache)
            goto done;
    }
    rs->loaded.prefilters = FBS_ORIGIN_COMPILED;
    for (i = 0; i < rs->n; i++) {
        rs->rules[i]->prefilter = !hs_exact_ok(hs_pattern(rs->rules[i]), NULL);
        bits[i] = rs->rules[i]->prefilter ? '1' : '0';
    }
    if (cpath.len)
        cache_write(rs->cache_dir, cpath.ptr, bits, rs->n);
done:
    fbs_free(exprs);
    fbs_free(zeros);
    fbs_free(bits);
    fbs_buf_release(&name);
    fbs_buf_release(&cpath);
    fbs_buf_release(&data);
    return rc;
}

enum db_kind { DB_TEXT, DB_BINARY, DB_GATED };

/* Whether two rules have the same `paths` list (same globs in the same order). */
static bool same_paths(const struct fbs_rule *a, const struct fbs_rule *b)
{
    size_t i;

    if (a->npaths != b->npaths)
        return false;
    for (i = 0; i < a->npaths; i++)
        if (strcmp(a->paths[i], b->paths[i]))
            return false;
    return true;
}

/* `gate`: for DB_GATED, a rule of the group (the rules with its `paths` list). */
static bool in_db(const struct fbs_rule *r, enum db_kind kind, const struct fbs_rule *gate)
{
    switch (kind) {
    case DB_TEXT:
        return !r->npaths;
    case DB_BINARY:
        return r->binary;
    default:
        return r->npaths > 0 && !r->binary && same_paths(r, gate);
    }
}

static int build_db(struct fbs_ruleset *rs, enum db_kind kind, const struct fbs_rule *gate,
                    hs_database_t **out)
{
    struct fbs_buf name = FBS_BUF_INIT, cpath = FBS_BUF_INIT;
    const char **exprs = NULL;
    unsigned *flags = NULL, *ids = NULL;
    size_t i, n = 0;
    hs_compile_error_t *err = NULL;
    int rc = 0;

    *out = NULL;
    exprs = fbs_calloc(rs->n + 1, sizeof(*exprs));
    flags = fbs_calloc(rs->n + 1, sizeof(*flags));
    ids = fbs_calloc(rs->n + 1, sizeof(*ids));
    if (!exprs || !flags || !ids) {
        rc = fbs_error_set(FBS_ENOMEM, "out of memory");
        goto done;
    }
    for (i = 0; i < rs->n; i++) {
        struct fbs_rule *r = rs->rules[i];

        if (!in_db(r, kind, gate))
            continue;
        exprs[n] = hs_pattern(r);
        flags[n] = r->prefilter ? HS_FLAG_PREFILTER : 0;
        ids[n] = (unsigned)i;
        n++;
    }
    if (!n)
        goto done;
    /* The embedded entry first, then the disk cache, then compile (and store in the cache). */
    if ((rs->embedded || rs->cache_dir) && cache_name(&name, exprs, flags, ids, n, ".db") < 0)
        fbs_buf_truncate(&name, 0);
    if (name.len && rs->embedded && (*out = embedded_load(rs, name.ptr)) != NULL) {
        rs->loaded.db[FBS_ORIGIN_EMBEDDED]++;
        goto done;
    }
    if (name.len && rs->cache_dir) {
        if (cache_path(&cpath, rs->cache_dir, name.ptr) < 0)
            fbs_buf_release(&cpath);
        else if ((*out = cache_load(cpath.ptr)) != NULL) {
            rs->loaded.db[FBS_ORIGIN_DISK]++;
            goto done;
        }
    }
    if (hs_compile_multi(exprs, flags, ids, (unsigned)n, HS_MODE_BLOCK, NULL, out, &err) !=
        HS_SUCCESS) {
        const struct fbs_rule *bad =
            err && err->expression >= 0 ? rs->rules[ids[err->expression]] : NULL;

        if (bad)
            rc = fbs_error_set(FBS_ERULE,
                               "'%s': line %d: rule '%s': Vectorscan cannot compile "
                               "the pattern: %s",
                               bad->file, bad->line, bad->id, err->message);
        else
            rc = fbs_error_set(FBS_ERULE, "cannot build the rule database: %s",
                               err ? err->message : "unknown error");
        hs_free_compile_error(err);
        *out = NULL;
        goto done;
    }
    rs->loaded.db[FBS_ORIGIN_COMPILED]++;
    if (cpath.len)
        cache_store(rs->cache_dir, cpath.ptr, *out);
done:
    fbs_buf_release(&name);
    fbs_buf_release(&cpath);
    fbs_free(exprs);
    fbs_free(flags);
    fbs_free(ids);
    return rc;
}

int fbs_ruleset_compile(struct fbs_ruleset *rs)
{
    hs_database_t *db = NULL;
    size_t i, k, glob_cap = 0, group_cap = 0;
    bool cached = false;
    int rc;

    if (rs->compiled)
        return 0;
    if (!rs->n)
        return fbs_error_set(FBS_ERULE, "no rules to compile");
    rs->max_groups = 1;
    rc = decide_prefilters(rs, true, &cached);
    if (rc < 0)
        return rc;
    for (i = 0; i < rs->n; i++) {
        struct fbs_rule *r = rs->rules[i];
        uint32_t groups = 0;

        r->index = (unsigned)i;
        pcre2_pattern_info(r->re, PCRE2_INFO_CAPTURECOUNT, &groups);
        if (groups + 1 > rs->max_groups)
            rs->max_groups = groups + 1;
    }
    /* The gated groups: one per distinct `paths` list of a text rule, in order of first use. */
    for (i = 0; i < rs->n; i++) {
        struct fbs_rule *r = rs->rules[i];
        size_t g, j;

        if (r->binary || !r->npaths)
            continue;
        for (j = 0; j < i; j++)
            if (!rs->rules[j]->binary && rs->rules[j]->npaths && same_paths(rs->rules[j], r))
                break;
        if (j < i)
            continue;
        if (fbs_array_grow((void **)&rs->gated, &group_cap, rs->ngated + 1, sizeof(*rs->gated)) < 0)
            return FBS_ENOMEM;
        if (fbs_array_grow((void **)&rs->gate_globs, &glob_cap, rs->ngate_globs + r->npaths,
                           sizeof(*rs->gate_globs)) < 0)
            return FBS_ENOMEM;
        rs->gated[rs->ngated].db = NULL;
        rs->gated[rs->ngated].rule = r;
        rs->gated[rs->ngated].first_glob = rs->ngate_globs;
        rs->gated[rs->ngated].nglobs = r->npaths;
        rs->ngated++;
        for (g = 0; g < r->npaths; g++)
            rs->gate_globs[rs->ngate_globs++] = r->paths[g];
    }
    rc = build_db(rs, DB_TEXT, NULL, &db);
    if (rc == FBS_ERULE && cached) {
        /* A damaged cache entry said a pattern is exact when it is not: decide afresh. */
        rc = decide_prefilters(rs, false, &cached);
        if (rc == 0)
            rc = build_db(rs, DB_TEXT, NULL, &db);
    }
    if (rc < 0)
        return rc;
    rs->db_text = db;
    rc = build_db(rs, DB_BINARY, NULL, &db);
    if (rc < 0)
        return rc;
    rs->db_binary = db;
    for (k = 0; k < rs->ngated; k++) {
        rc = build_db(rs, DB_GATED, rs->gated[k].rule, &db);
        if (rc < 0)
            return rc;
        rs->gated[k].db = db;
    }
    rs->compiled = true;
    return 0;
}
