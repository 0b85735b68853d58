/*
 * sweep_config.c - the sweep configuration file (YAML or JSON through model/conf.c).
 *
 *   targets: [~/src/a, https://host/org/b.git]          the shortest form
 *
 *   targets:
 *     - path: ~/src/a                                   a repository or a directory
 *       exclude: [vendor/]
 *       max_blob_size: 10MiB
 *     - url: https://host/org/b.git                     cloned bare into the cache
 *     - glob: ~/src/team-*                              every directory matching
 *     - url_file: repos.txt                             one URL (or path) a line, '#' comments
 *     - inventory: exports/aws-credreport.csv           an offline cloud inventory
 *     - cloud: aws                                      an AWS account through its APIs
 *       profile: audit                                  (region, endpoint_url, ca_bundle)
 *   defaults: {exclude: [...], include: [...], max_blob_size: 25MiB}
 *   policy: policy.yml
 *   ignore_file: .fallbackscanignore
 *   rules: [my-rules/]
 *   cache_dir: ~/.cache/fallback-scan/clones
 *   datastore: ~/sweeps.db
 *   verify: true                                        live verification (docs/verify.md)
 *   verify_internal: false                              also context endpoints (Vault)
 *   verify_cache_ttl: 24h                               reuse results this long (0: never)
 */
#include "sweep.h"
#include "../core/alloc.h"
#include "../core/buf.h"
#include "../core/error.h"
#include "../core/text.h"
#include "../model/conf.h"

#include <stdlib.h>
#include <string.h>

#include "../core/banned.h"

struct loader {
    struct fbs_conf *conf;
    const char *name;
    char *dir; /* the file's directory, for relative paths */
};

static int fail(struct loader *l, const json_t *obj, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int fail(struct loader *l, const json_t *obj, const char *key, const char *fmt, ...)
{
    struct fbs_buf b = FBS_BUF_INIT;
    va_list ap;
    int rc;

    va_start(ap, fmt);
    rc = fbs_buf_vprintf(&b, fmt, ap);
    va_end(ap);
    if (rc < 0)
        return rc;
    rc = fbs_error_set(FBS_EPARSE, "'%s': line %d: %s", l->name, fbs_conf_line(l->conf, obj, key),
                       b.ptr);
    fbs_buf_release(&b);
    return rc;
}

/* `~/x` -> $HOME/x; a relative path -> the configuration's directory joined with it. */
static char *expand_path(struct loader *l, const char *p)
{
    struct fbs_buf b = FBS_BUF_INIT;
    const char *home = getenv("HOME");
    int rc;

    if (p[0] == '~' && (p[1] == '/' || !p[1]) && home && *home)
        rc = fbs_buf_printf(&b, "%s%s", home, p + 1);
    else if (p[0] == '/' || fbs_sweep_is_url(p))
        rc = fbs_buf_puts(&b, p);
    else
        rc = fbs_buf_printf(&b, "%s/%s", l->dir, p);
    if (rc < 0) {
        fbs_buf_release(&b);
        return NULL;
    }
    return fbs_buf_detach(&b);
}

static int get_string(struct loader *l, const json_t *obj, const char *key, const char **out)
{
    const json_t *v = json_object_get(obj, key);

    *out = NULL;
    if (!v || json_is_null(v))
        return 0;
    if (!json_is_string(v) || !*json_string_value(v))
        return fail(l, obj, key, "'%s' must be a non-empty string", key);
    *out = json_string_value(v);
    return 0;
}

static int get_path(struct loader *l, const json_t *obj, const char *key, char **out)
{
    const char *s;
    int rc = get_string(l, obj, key, &s);

    if (rc < 0 || !s)
        return rc;
    fbs_free(*out);
    *out = expand_path(l, s);
    return *out ? 0 : fbs_error_set(FBS_ENOMEM, "out of memory");
}

/* datastore: a path, or a PostgreSQL location (postgres://, postgresql://, pg:) as it is. */
static int get_datastore(struct loader *l, const json_t *obj, char **out)
{
    const char *s;
    int rc = get_string(l, obj, "datastore", &s);

    if (rc < 0 || !s)
        return rc;
    if (!fbs_store_is_pg(s))
        return get_path(l, obj, "datastore", out);
    fbs_free(*out);
    *out = fbs_strdup(s);
    return *out ? 0 : fbs_error_set(FBS_ENOMEM, "out of memory");
}

/* A string or a list of strings, appended to *v. */
static int get_list(struct loader *l, const json_t *obj, const char *key, char ***v, size_t *n,
                    bool paths)
{
    const json_t *a = json_object_get(obj, key), *e;
    size_t i, count;

    if (!a || json_is_null(a))
        return 0;
    count = json_is_array(a) ? json_array_size(a) : 1;
    if (!json_is_array(a) && !json_is_string(a))
        return fail(l, obj, key, "'%s' must be a string or a list of strings", key);
    for (i = 0; i < count; i++) {
        char **nv, *s;

        e = json_is_array(a) ? json_array_get(a, i) : a;
        if (!json_is_string(e) || !*json_string_value(e))
            return fail(l, e == a ? obj : e, e == a ? key : NULL,
                        "'%s' must list non-empty strings", key);
        s = paths ? expand_path(l, json_string_value(e)) : fbs_strdup(json_string_value(e));
        nv = s ? fbs_realloc(*v, (*n + 1) * sizeof(char *)) : NULL;
        if (!nv) {
            fbs_free(s);
            return fbs_error_set(FBS_ENOMEM, "out of memory");
        }
        nv[(*n)++] = s;
        *v = nv;
    }
    return 0;
}

static int get_size(struct loader *l, const json_t *obj, const char *key, uint64_t *out)
{
    const json_t *v = json_object_get(obj, key);

    if (!v || json_is_null(v))
        return 0;
    if (json_is_integer(v) && json_integer_value(v) > 0) {
        *out = (uint64_t)json_integer_value(v);
        return 0;
    }
    if (json_is_string(v) && fbs_parse_size(out, json_string_value(v)) == 0 && *out > 0)
        return 0;
    return fail(l, obj, key, "'%s' must be a size such as 10MiB", key);
}

/* A duration: seconds (an integer), or a string N with s, m, h or d; 0 to 365 days. */
static int get_duration(struct loader *l, const json_t *obj, const char *key, int64_t *out)
{
    const json_t *v = json_object_get(obj, key);
    const int64_t max = 365 * 86400;

    if (!v || json_is_null(v))
        return 0;
    if (json_is_integer(v) && json_integer_value(v) >= 0 && json_integer_value(v) <= max) {
        *out = json_integer_value(v);
        return 0;
    }
    if (json_is_string(v)) {
        const char *s = json_string_value(v);
        size_t n = strlen(s), i;
        int64_t mult = 1, x = 0;

        if (n > 1 && strchr("smhd", s[n - 1])) {
            mult = s[n - 1] == 'd' ? 86400 : s[n - 1] == 'h' ? 3600 : s[n - 1] == 'm' ? 60 : 1;
            n--;
        }
        for (i = 0; i < n && i < 12 && s[i] >= '0' && s[i] <= '9'; i++)
            x = x * 10 + (s[i] - '0');
        if (n && i == n && x * mult <= max) {
            *out = x * mult;
            return 0;
        }
    }
    return fail(l, obj, key,
                "'%s' must be a duration such as 24h, 30m, 7d or seconds (at most 365d)", key);
}

static int get_bool(struct loader *l, const json_t *obj, const char *key, bool *out)
{
    const json_t *b = json_object_get(obj, key);

    if (!b || json_is_null(b))
        return 0;
    if (!json_is_boolean(b))
        return fail(l, obj, key, "'%s' must be true or false", key);
    *out = json_is_true(b);
    return 0;
}

static int check_keys(struct loader *l, const json_t *obj, const char *const *known,
                      const char *what)
{
    const char *key;
    json_t *v;
    size_t i;

    json_object_foreach((json_t *)obj, key, v)
    {
        bool ok = false;

        (void)v;
        for (i = 0; known[i] && !ok; i++)
            ok = !strcmp(known[i], key);
        if (!ok) {
            struct fbs_buf b = FBS_BUF_INIT;
            int rc;

            for (i = 0; known[i]; i++)
                if (fbs_buf_printf(&b, "%s%s", i ? ", " : "", known[i]) < 0) {
                    fbs_buf_release(&b);
                    return FBS_ENOMEM;
                }
            rc = fail(l, obj, key, "unknown key '%s' in %s (known: %s)", key, what, b.ptr);
            fbs_buf_release(&b);
            return rc;
        }
    }
    return 0;
}

static const char *const target_kinds[] = {"path",  "url",    "glob",   "url_file", "inventory",
                                           "cloud", "github", "gitlab", NULL};

static void target_release(struct fbs_sweep_target *t)
{
    size_t i;

    fbs_free(t->kind);
    fbs_free(t->location);
    fbs_free(t->profile);
    fbs_free(t->region);
    fbs_free(t->endpoint_url);
    fbs_free(t->ca_bundle);
    for (i = 0; i < t->nexcludes; i++)
        fbs_free(t->excludes[i]);
    for (i = 0; i < t->nincludes; i++)
        fbs_free(t->includes[i]);
    fbs_free(t->excludes);
    fbs_free(t->includes);
    fbs_free(t->api);
    fbs_free(t->token_env);
    for (i = 0; i < t->nrepo_excludes; i++)
        fbs_free(t->repo_excludes[i]);
    for (i = 0; i < t->nrepo_includes; i++)
        fbs_free(t->repo_includes[i]);
    fbs_free(t->repo_excludes);
    fbs_free(t->repo_includes);
}

/*
 * `github: ORG` or `github: {org|user: X, api: URL, forks: B, archived: B, include: [globs],
 * exclude: [globs], token_env: NAME, max_wait: SECONDS}` (gitlab: `group:` for org/user).
 */
static int parse_provider(struct loader *l, struct fbs_sweep_target *t, const json_t *e,
                          const char *kind)
{
    static const char *const keys[] = {"org",       "user",     "group",   "api",
                                       "forks",     "archived", "include", "exclude",
                                       "token_env", "max_wait", NULL};
    const json_t *v = json_object_get(e, kind), *b;
    const char *s = NULL, *names[] = {"org", "user", "group"};
    size_t i;
    int rc;

    if (json_is_string(v)) {
        if (!*json_string_value(v))
            return fail(l, e, kind, "'%s' must name an organisation, user or group", kind);
        t->location = fbs_strdup(json_string_value(v));
        return t->location ? 0 : fbs_error_set(FBS_ENOMEM, "out of memory");
    }
    if (!json_is_object(v))
        return fail(l, e, kind, "'%s' is a name or a mapping (org:, api:, ...)", kind);
    rc = check_keys(l, v, keys, kind);
    for (i = 0; rc == 0 && i < 3; i++) {
        const char *x = NULL;

        rc = get_string(l, v, names[i], &x);
        if (rc == 0 && x && s)
            rc = fail(l, v, names[i], "one of org, user or group, not two");
        if (x)
            s = x;
    }
    if (rc == 0 && !s)
        rc = fail(l, e, kind, "'%s' needs org:, user: or group:", kind);
    if (rc == 0 && !(t->location = fbs_strdup(s)))
        rc = fbs_error_set(FBS_ENOMEM, "out of memory");
    if (rc == 0)
        rc = get_string(l, v, "api", &s);
    if (rc == 0 && s && strncmp(s, "https://", 8) && strncmp(s, "http://", 7))
        rc = fail(l, v, "api", "'api' must be an http(s) URL");
    if (rc == 0 && s && !(t->api = fbs_strdup(s)))
        rc = fbs_error_set(FBS_ENOMEM, "out of memory");
    if (rc == 0)
        rc = get_string(l, v, "token_env", &s);
    if (rc == 0 && s && !(t->token_env = fbs_strdup(s)))
        rc = fbs_error_set(FBS_ENOMEM, "out of memory");
    for (i = 0; rc == 0 && i < 2; i++) {
        const char *key = i ? "archived" : "forks";

        b = json_object_get(v, key);
        if (b && !json_is_boolean(b))
            rc = fail(l, v, key, "'%s' must be true or false", key);
        else if (i)
            t->archived = b && json_is_true(b);
        else
            t->forks = b && json_is_true(b);
    }
    if (rc == 0)
        rc = get_list(l, v, "include", &t->repo_includes, &t->nrepo_includes, false);
    if (rc == 0)
        rc = get_list(l, v, "exclude", &t->repo_excludes, &t->nrepo_excludes, false);
    b = json_object_get(v, "max_wait");
    if (rc == 0 && b &&
        (!json_is_integer(b) || json_integer_value(b) <= 0 || json_integer_value(b) > 86400))
        rc = fail(l, v, "max_wait", "'max_wait' must be seconds, 1 to 86400");
    if (rc == 0 && b)
        t->max_wait_s = (long)json_integer_value(b);
    return rc;
}

static int add_target(struct fbs_sweep_config *c, struct fbs_sweep_target *t)
{
    struct fbs_sweep_target *nv = fbs_realloc(c->targets, (c->ntargets + 1) * sizeof(*nv));

    if (!nv)
        return fbs_error_set(FBS_ENOMEM, "out of memory");
    nv[c->ntargets++] = *t;
    c->targets = nv;
    memset(t, 0, sizeof(*t));
    return 0;
}

static int copy_list(char ***dst, size_t *n, char *const *src, size_t ns)
{
    size_t i;

    for (i = 0; i < ns; i++) {
        char **nv = fbs_realloc(*dst, (*n + 1) * sizeof(char *));
        char *s = nv ? fbs_strdup(src[i]) : NULL;

        if (nv)
            *dst = nv;
        if (!s)
            return fbs_error_set(FBS_ENOMEM, "out of memory");
        (*dst)[(*n)++] = s;
    }
    return 0;
}

static int parse_target(struct loader *l, struct fbs_sweep_config *c, const json_t *e,
                        const struct fbs_sweep_target *defaults)
{
    static const char *const keys[] = {"path",      "url",     "glob",    "url_file",
                                       "inventory", "exclude", "include", "max_blob_size",
                                       "cloud",     "profile", "region",  "endpoint_url",
                                       "ca_bundle", "github",  "gitlab",  NULL};
    struct fbs_sweep_target t;
    const char *s = NULL;
    size_t i;
    int rc = 0;

    memset(&t, 0, sizeof(t));
    t.line = fbs_conf_line(l->conf, e, NULL);
    if (json_is_string(e)) {
        s = json_string_value(e);
        if (!*s)
            return fail(l, e, NULL, "a target must not be empty");
        if ((!strncmp(s, "github:", 7) || !strncmp(s, "gitlab:", 7)) && !strstr(s, "://")) {
            if (!s[7])
                return fail(l, e, NULL, "'%s' names no organisation, user or group", s);
            t.kind = fbs_strndup(s, 6);
            t.location = fbs_strdup(s + 7);
        } else {
            t.kind = fbs_strdup(fbs_sweep_is_url(s) ? "url" : strpbrk(s, "*?[") ? "glob" : "path");
            t.location = expand_path(l, s);
        }
    } else if (json_is_object(e)) {
        const char *kind = NULL;

        rc = check_keys(l, e, keys, "a target");
        for (i = 0; rc == 0 && target_kinds[i]; i++) {
            if (!json_object_get(e, target_kinds[i]))
                continue;
            if (kind)
                rc = fail(l, e, target_kinds[i], "a target has one of %s or %s, not both", kind,
                          target_kinds[i]);
            kind = target_kinds[i];
        }
        if (rc == 0 && !kind)
            rc = fail(l, e, NULL,
                      "a target needs one of path, url, glob, url_file, inventory, cloud, "
                      "github or gitlab");
        if (rc == 0 && (!strcmp(kind, "github") || !strcmp(kind, "gitlab"))) {
            rc = parse_provider(l, &t, e, kind);
            if (rc == 0 && !(t.kind = fbs_strdup(kind)))
                rc = fbs_error_set(FBS_ENOMEM, "out of memory");
            kind = NULL; /* done: the common keys below */
        }
        if (rc == 0 && kind)
            rc = get_string(l, e, kind, &s);
        if (rc == 0 && kind && !strcmp(kind, "cloud") && strcmp(s, "aws"))
            rc = fail(l, e, "cloud",
                      "cloud '%s' is not supported in sweeps yet (aws is; for the others, "
                      "export the inventory and use 'inventory:')",
                      s);
        if (rc == 0 && (!kind || strcmp(kind, "cloud")) &&
            (json_object_get(e, "profile") || json_object_get(e, "region") ||
             json_object_get(e, "endpoint_url") || json_object_get(e, "ca_bundle")))
            rc = fail(l, e, NULL, "profile, region, endpoint_url and ca_bundle go with 'cloud:'");
        if (rc == 0 && kind) {
            t.kind = fbs_strdup(!strcmp(kind, "cloud") ? "aws" : kind);
            t.location =
                strcmp(kind, "url") && strcmp(kind, "cloud") ? expand_path(l, s) : fbs_strdup(s);
        }
        if (rc == 0)
            rc = get_string(l, e, "profile", &s);
        if (rc == 0 && s && !(t.profile = fbs_strdup(s)))
            rc = fbs_error_set(FBS_ENOMEM, "out of memory");
        if (rc == 0)
            rc = get_string(l, e, "region", &s);
        if (rc == 0 && s && !(t.region = fbs_strdup(s)))
            rc = fbs_error_set(FBS_ENOMEM, "out of memory");
        if (rc == 0)
            rc = get_string(l, e, "endpoint_url", &s);
        if (rc == 0 && s && !(t.endpoint_url = fbs_strdup(s)))
            rc = fbs_error_set(FBS_ENOMEM, "out of memory");
        if (rc == 0)
            rc = get_path(l, e, "ca_bundle", &t.ca_bundle);
        if (rc == 0)
            rc = get_list(l, e, "exclude", &t.excludes, &t.nexcludes, false);
        if (rc == 0)
            rc = get_list(l, e, "include", &t.includes, &t.nincludes, false);
        if (rc == 0)
            rc = get_size(l, e, "max_blob_size", &t.max_blob_size);
    } else {
        rc = fail(l, e, NULL, "a target is a path, a URL, or a mapping (path:, url:, ...)");
    }
    if (rc == 0 && (!t.kind || !t.location))
        rc = fbs_error_set(FBS_ENOMEM, "out of memory");
    if (rc == 0)
        rc = copy_list(&t.excludes, &t.nexcludes, defaults->excludes, defaults->nexcludes);
    if (rc == 0)
        rc = copy_list(&t.includes, &t.nincludes, defaults->includes, defaults->nincludes);
    if (rc == 0 && !t.max_blob_size)
        t.max_blob_size = defaults->max_blob_size;
    if (rc == 0)
        rc = add_target(c, &t);
    target_release(&t);
    return rc;
}

int fbs_sweep_config_load(struct fbs_sweep_config *out, const char *path)
{
    static const char *const top_keys[] = {
        "targets", "defaults",        "policy",           "ignore_file",
        "rules",   "cache_dir",       "datastore",        "builtin_rules",
        "verify",  "verify_internal", "verify_cache_ttl", NULL};
    static const char *const default_keys[] = {"exclude", "include", "max_blob_size", NULL};
    struct loader l = {NULL, path, NULL};
    struct fbs_sweep_target defaults;
    const json_t *root, *targets, *d, *b;
    char *slash;
    size_t i;
    int rc;

    memset(out, 0, sizeof(*out));
    memset(&defaults, 0, sizeof(defaults));
    rc = fbs_conf_load_file(&l.conf, path);
    if (rc == FBS_EPARSE)
        return fbs_error_prefix(rc, "'%s'", path);
    if (rc < 0)
        return rc;
    l.dir = fbs_strdup(path);
    out->path = fbs_strdup(path);
    if (!l.dir || !out->path) {
        rc = fbs_error_set(FBS_ENOMEM, "out of memory");
        goto done;
    }
    slash = strrchr(l.dir, '/');
    if (slash)
        slash[slash == l.dir ? 1 : 0] = '\0';
    else
        memcpy(l.dir, ".", 2);
    root = l.conf->root;
    if (!json_is_object(root)) {
        rc = fail(&l, root, NULL, "a sweep configuration is a mapping with 'targets:'");
        goto done;
    }
    rc = check_keys(&l, root, top_keys, "the sweep configuration");
    if (rc < 0)
        goto done;
    targets = json_object_get(root, "targets");
    if (!targets) {
        rc = fail(&l, root, NULL, "no 'targets:' (a list of paths, URLs or target mappings)");
        goto done;
    }
    if (!json_is_array(targets) || !json_array_size(targets)) {
        rc = fail(&l, root, "targets", "'targets' must be a non-empty list");
        goto done;
    }
    d = json_object_get(root, "defaults");
    if (d && !json_is_object(d)) {
        rc = fail(&l, root, "defaults", "'defaults' must be a mapping");
        goto done;
    }
    if (d) {
        rc = check_keys(&l, d, default_keys, "'defaults'");
        if (rc == 0)
            rc = get_list(&l, d, "exclude", &defaults.excludes, &defaults.nexcludes, false);
        if (rc == 0)
            rc = get_list(&l, d, "include", &defaults.includes, &defaults.nincludes, false);
        if (rc == 0)
            rc = get_size(&l, d, "max_blob_size", &defaults.max_blob_size);
    }
    if (rc == 0)
        rc = get_path(&l, root, "policy", &out->policy_file);
    if (rc == 0)
        rc = get_path(&l, root, "ignore_file", &out->ignore_file);
    if (rc == 0)
        rc = get_path(&l, root, "cache_dir", &out->cache_dir);
    if (rc == 0)
        rc = get_datastore(&l, root, &out->datastore);
    if (rc == 0)
        rc = get_list(&l, root, "rules", &out->rule_dirs, &out->nrule_dirs, true);
    b = json_object_get(root, "builtin_rules");
    if (rc == 0 && b && !json_is_boolean(b))
        rc = fail(&l, root, "builtin_rules", "'builtin_rules' must be true or false");
    out->no_builtin_rules = b && json_is_false(b);
    out->verify_cache_ttl = FBS_SWEEP_VERIFY_TTL;
    if (rc == 0)
        rc = get_bool(&l, root, "verify", &out->verify);
    if (rc == 0)
        rc = get_bool(&l, root, "verify_internal", &out->verify_internal);
    if (rc == 0)
        rc = get_duration(&l, root, "verify_cache_ttl", &out->verify_cache_ttl);
    for (i = 0; rc == 0 && i < json_array_size(targets); i++)
        rc = parse_target(&l, out, json_array_get(targets, i), &defaults);
done:
    target_release(&defaults);
    fbs_free(l.dir);
    fbs_conf_free(l.conf);
    if (rc < 0)
        fbs_sweep_config_release(out);
    return rc;
}

void fbs_sweep_config_release(struct fbs_sweep_config *c)
{
    size_t i;

    for (i = 0; i < c->ntargets; i++)
        target_release(&c->targets[i]);
    fbs_free(c->targets);
    for (i = 0; i < c->nrule_dirs; i++)
        fbs_free(c->rule_dirs[i]);
    fbs_free(c->rule_dirs);
    fbs_free(c->path);
    fbs_free(c->policy_file);
    fbs_free(c->ignore_file);
    fbs_free(c->cache_dir);
    fbs_free(c->datastore);
    memset(c, 0, sizeof(*c));
}
