/*
 * suppress.c - ignore-file entries (with reasons and expiry dates) and baselines.
 */
#include "suppress.h"
#include "../core/alloc.h"
#include "../core/buf.h"
#include "../core/error.h"
#include "../core/text.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "../core/banned.h"

int fbs_ignores_init(struct fbs_ignores *s)
{
    fbs_vec_init(&s->entries);
    return pthread_mutex_init(&s->lock, NULL) ? fbs_error_set(FBS_EINTERNAL, "cannot init a mutex")
                                              : 0;
}

static void entry_free(void *p)
{
    struct fbs_ignore_entry *e = p;

    if (!e)
        return;
    fbs_free(e->pattern);
    fbs_free(e->reason);
    fbs_free(e->file);
    fbs_free(e->target);
    fbs_free(e);
}

void fbs_ignores_release(struct fbs_ignores *s)
{
    fbs_vec_release(&s->entries, entry_free);
    pthread_mutex_destroy(&s->lock);
}

static char *trim(char *s)
{
    size_t n;

    while (*s == ' ' || *s == '\t')
        s++;
    n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
        s[--n] = '\0';
    return s;
}

static bool is_hex_id(const char *s)
{
    size_t i;

    for (i = 0; s[i]; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return false;
    return i == 32;
}

/* Parse one non-empty, non-comment line into *e. */
static int parse_entry(struct fbs_ignore_entry *e, char *s, const char *name, int line)
{
    char *hash = strstr(s, " #"), *sel, *opt;

    if (!hash)
        hash = strstr(s, "\t#");
    if (!hash || !*trim(hash + 2))
        return fbs_error_set(
            FBS_EPARSE, "'%s': line %d: an entry needs a reason: '<selector>  # why'", name, line);
    *hash = '\0';
    e->reason = fbs_strdup(trim(hash + 2));
    sel = trim(s);
    /* An optional " expires=YYYY-MM-DD" after the selector. */
    opt = strstr(sel, " expires=");
    if (!opt)
        opt = strstr(sel, "\texpires=");
    if (opt) {
        *opt = '\0';
        if (fbs_time_parse(&e->expires, trim(opt + 9)) < 0)
            return fbs_error_set(FBS_EPARSE, "'%s': line %d: bad expiry date '%s' (YYYY-MM-DD)",
                                 name, line, trim(opt + 9));
        e->has_expires = true;
        sel = trim(sel);
    }
    if (strchr(sel, ' ') || strchr(sel, '\t'))
        return fbs_error_set(FBS_EPARSE,
                             "'%s': line %d: unexpected text after the selector '%s' (only "
                             "expires=DATE may follow it)",
                             name, line, sel);
    if (!strncmp(sel, "fingerprint:", 12) || !strncmp(sel, "id:", 3)) {
        sel = strchr(sel, ':') + 1;
        if (!is_hex_id(sel))
            return fbs_error_set(FBS_EPARSE,
                                 "'%s': line %d: a fingerprint is the 32 lowercase hex digits of "
                                 "a finding's id",
                                 name, line);
        e->what = FBS_IGNORE_FINGERPRINT;
    } else if (!strncmp(sel, "rule:", 5)) {
        sel += 5;
        e->what = FBS_IGNORE_RULE;
    } else if (!strncmp(sel, "path:", 5)) {
        sel += 5;
        e->what = FBS_IGNORE_PATH;
    } else if (strchr(sel, ':') && !strchr(sel, '/') && !strchr(sel, '*')) {
        return fbs_error_set(FBS_EPARSE,
                             "'%s': line %d: unknown selector '%s' (known: fingerprint:, rule:, "
                             "path:, or a bare path glob)",
                             name, line, sel);
    } else {
        e->what = FBS_IGNORE_PATH;
    }
    if (!*sel)
        return fbs_error_set(FBS_EPARSE, "'%s': line %d: empty selector", name, line);
    if (*sel == '!')
        return fbs_error_set(FBS_EPARSE, "'%s': line %d: negated patterns ('!') are not supported",
                             name, line);
    if (e->what != FBS_IGNORE_FINGERPRINT) {
        const char *why;

        if (!fbs_glob_check(sel, &why))
            return fbs_error_set(FBS_EPARSE, "'%s': line %d: bad glob '%s': %s", name, line, sel,
                                 why);
    }
    e->pattern = fbs_strdup(sel);
    e->file = fbs_strdup(name);
    e->line = line;
    if (!e->reason || !e->pattern || !e->file)
        return fbs_error_set(FBS_ENOMEM, "out of memory");
    return 0;
}

int fbs_ignores_load_text(struct fbs_ignores *s, const char *name, const char *text, size_t len,
                          const char *target)
{
    struct fbs_vec add = FBS_VEC_INIT;
    size_t pos = 0;
    int line = 0, rc = 0;

    while (pos < len && rc == 0) {
        const char *nl = memchr(text + pos, '\n', len - pos);
        size_t n = nl ? (size_t)(nl - (text + pos)) : len - pos;
        struct fbs_ignore_entry *e;
        char *copy, *t;

        line++;
        copy = fbs_strndup(text + pos, n);
        pos += n + 1;
        if (!copy) {
            rc = fbs_error_set(FBS_ENOMEM, "out of memory");
            break;
        }
        t = trim(copy);
        if (!*t || *t == '#') {
            fbs_free(copy);
            continue;
        }
        e = fbs_calloc(1, sizeof(*e));
        rc = e ? parse_entry(e, t, name, line) : fbs_error_set(FBS_ENOMEM, "out of memory");
        if (rc == 0 && target && !(e->target = fbs_strdup(target)))
            rc = fbs_error_set(FBS_ENOMEM, "out of memory");
        if (rc == 0 && fbs_vec_push(&add, e) < 0)
            rc = fbs_error_set(FBS_ENOMEM, "out of memory");
        if (rc < 0)
            entry_free(e);
        fbs_free(copy);
    }
    if (rc == 0) {
        pthread_mutex_lock(&s->lock);
        rc = fbs_vec_append_take(&s->entries, &add);
        pthread_mutex_unlock(&s->lock);
        if (rc < 0)
            rc = fbs_error_set(FBS_ENOMEM, "out of memory");
    }
    fbs_vec_release(&add, entry_free);
    return rc;
}

int fbs_ignores_load_file(struct fbs_ignores *s, const char *path, const char *target)
{
    struct fbs_buf text = FBS_BUF_INIT;
    int rc = fbs_buf_read_file(&text, path, 1u << 20);

    if (rc == 0)
        rc = fbs_ignores_load_text(s, path, text.ptr, text.len, target);
    fbs_buf_release(&text);
    return rc;
}

/* A path glob selects a file by its path or by any directory above it. */
static bool path_selected(const char *glob, const char *rel)
{
    char dir[4096];
    const char *slash;

    if (fbs_glob_match(glob, rel, false))
        return true;
    for (slash = strchr(rel, '/'); slash; slash = strchr(slash + 1, '/')) {
        size_t n = (size_t)(slash - rel);

        if (n >= sizeof(dir))
            break;
        memcpy(dir, rel, n);
        dir[n] = '\0';
        if (fbs_glob_match(glob, dir, true))
            return true;
    }
    return false;
}

static bool selects(const struct fbs_ignore_entry *e, const struct fbs_finding *f)
{
    const char *rel = f->rel_path ? f->rel_path : f->path;

    if (e->target && (!f->target || strcmp(e->target, f->target)))
        return false;
    switch (e->what) {
    case FBS_IGNORE_FINGERPRINT:
        return !strcmp(e->pattern, f->id);
    case FBS_IGNORE_RULE:
        return f->rule_id && fbs_glob_match(e->pattern, f->rule_id, false);
    case FBS_IGNORE_PATH:
        return rel && path_selected(e->pattern, rel);
    }
    return false;
}

struct fbs_ignore_entry *fbs_ignores_match(struct fbs_ignores *s, const struct fbs_finding *f,
                                           fbs_time_t now, struct fbs_ignore_entry **expired)
{
    size_t i;

    *expired = NULL;
    for (i = 0; i < s->entries.len; i++) {
        struct fbs_ignore_entry *e = s->entries.items[i];

        if (!selects(e, f))
            continue;
        if (e->has_expires && e->expires <= now) {
            if (!*expired)
                *expired = e;
            continue;
        }
        return e;
    }
    return NULL;
}

/* Baselines ------------------------------------------------------------------------------- */

static int remember(struct fbs_baseline *b, const char *id, json_t *desc)
{
    if (!id || !*id) {
        json_decref(desc);
        return 0;
    }
    return json_object_set_new(b->known, id, desc) < 0 ? FBS_ENOMEM : 0;
}

/* A finding of a JSON report (v1). */
static int from_finding(struct fbs_baseline *b, json_t *f)
{
    json_t *loc = json_object_get(f, "location"), *rule = json_object_get(f, "rule");

    return remember(b, json_string_value(json_object_get(f, "id")),
                    json_pack("{s:O?, s:O?, s:O?, s:O?, s:O?, s:O?, s:O?}", "rule_id",
                              json_object_get(rule, "id"), "rule_name",
                              json_object_get(rule, "name"), "kind",
                              json_object_get(json_object_get(f, "credential"), "kind"), "path",
                              json_object_get(loc, "path"), "line", json_object_get(loc, "line"),
                              "resource", json_object_get(loc, "resource"), "severity",
                              json_object_get(json_object_get(f, "risk"), "severity")));
}

/* A result of a SARIF log: its fallback-scan fingerprint. */
static int from_result(struct fbs_baseline *b, json_t *r)
{
    json_t *fp = json_object_get(r, "partialFingerprints");
    json_t *phys =
        json_object_get(json_array_get(json_object_get(r, "locations"), 0), "physicalLocation");
    json_t *art = json_object_get(phys, "artifactLocation");
    json_t *line = json_object_get(json_object_get(phys, "region"), "startLine");
    const char *state = json_string_value(json_object_get(r, "baselineState"));
    const char *key;
    json_t *v;

    if (state && !strcmp(state, "absent"))
        return 0; /* reported as gone last time: not part of the baseline */
    if (json_array_size(json_object_get(r, "suppressions")))
        return 0; /* suppressed: not a finding of that scan (as a JSON baseline leaves it out) */
    json_object_foreach(fp, key, v)
    {
        if (strncmp(key, "fallbackScan", 12) || !json_is_string(v))
            continue;
        return remember(b, json_string_value(v),
                        json_pack("{s:O?, s:O?, s:O?, s:O?}", "rule_id",
                                  json_object_get(r, "ruleId"), "path", json_object_get(art, "uri"),
                                  "line", line, "message",
                                  json_object_get(json_object_get(r, "message"), "text")));
    }
    return 0;
}

static int walk_doc(struct fbs_baseline *b, json_t *doc)
{
    size_t i, j;
    json_t *x, *run, *res;
    int rc = 0;

    if (json_is_array(json_object_get(doc, "runs"))) { /* SARIF */
        json_array_foreach(json_object_get(doc, "runs"), i, run)
            json_array_foreach(json_object_get(run, "results"), j, res) if (rc == 0) rc =
                from_result(b, res);
        return rc;
    }
    if (json_is_array(json_object_get(doc, "findings"))) { /* JSON report */
        json_array_foreach(json_object_get(doc, "findings"), i, x) if (rc == 0) rc =
            from_finding(b, x);
        return rc;
    }
    if (json_object_get(doc, "rule") && json_object_get(doc, "id")) /* a JSON Lines finding */
        return from_finding(b, doc);
    return 1; /* not a report */
}

int fbs_baseline_load(struct fbs_baseline *b, const char *path)
{
    struct fbs_buf text = FBS_BUF_INIT;
    json_error_t err;
    json_t *doc;
    size_t pos = 0;
    int rc, line = 0, any = 0;

    b->known = json_object();
    if (!b->known)
        return fbs_error_set(FBS_ENOMEM, "out of memory");
    rc = fbs_buf_read_file(&text, path, 0);
    if (rc == FBS_ENOTFOUND)
        rc = FBS_EIO;
    if (rc < 0)
        goto done;
    /* One document (a JSON report, SARIF) ... */
    doc = json_loadb(text.ptr ? text.ptr : "", text.len, 0, &err);
    if (doc) {
        rc = walk_doc(b, doc);
        json_decref(doc);
        any = rc == 0;
        goto done;
    }
    /* ... or one per line (JSON Lines). */
    while (pos < text.len) {
        const char *nl = memchr(text.ptr + pos, '\n', text.len - pos);
        size_t n = nl ? (size_t)(nl - (text.ptr + pos)) : text.len - pos;

        line++;
        if (n && text.ptr[pos] == '{') {
            doc = json_loadb(text.ptr + pos, n, 0, &err);
            if (!doc) {
                rc = fbs_error_set(FBS_EPARSE, "baseline '%s': line %d: %s", path, line, err.text);
                goto done;
            }
            rc = walk_doc(b, doc);
            json_decref(doc);
            if (rc < 0)
                goto done;
            any |= rc == 0;
        }
        pos += n + 1;
    }
    rc = 0;
done:
    fbs_buf_release(&text);
    if (rc == FBS_ENOMEM || (rc < 0 && rc != FBS_EPARSE && rc != FBS_EIO))
        rc = fbs_error_set(FBS_ENOMEM, "out of memory");
    else if (rc >= 0)
        rc = any ? 0
                 : fbs_error_set(
                       FBS_EPARSE,
                       "baseline '%s': not a fallback-scan JSON, JSON Lines or SARIF report", path);
    if (rc < 0) { /* nothing to release on failure (found by fuzz_ignore) */
        json_decref(b->known);
        b->known = NULL;
    }
    return rc;
}

void fbs_baseline_release(struct fbs_baseline *b)
{
    json_decref(b->known);
    b->known = NULL;
}
