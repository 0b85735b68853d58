/*
 * policy.c - load the standing-access policy: the built-in rules/policy/default.yml, then
 * --policy overrides. Every key is checked: unknown keys, wrong types and out-of-range values
 * are errors naming the file and line.
 */
#include "policy.h"
#include "../scanner/core/error.h"
#include "../scanner/model/builtin.h"
#include "../scanner/model/conf.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../scanner/core/banned.h"

static const char *const sev_names[] = {"info", "low", "medium", "high", "critical"};

const char *fbs_severity_name(enum fbs_severity s)
{
    return (unsigned)s <= FBS_SEV_CRITICAL ? sev_names[s] : "info";
}

int fbs_severity_parse(const char *s)
{
    int i;

    for (i = 0; s && i <= FBS_SEV_CRITICAL; i++)
        if (!strcmp(s, sev_names[i]))
            return i;
    return -1;
}

struct loader {
    const struct fbs_conf *conf;
    const char *name;
};

static int perr(const struct loader *l, const json_t *obj, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int perr(const struct loader *l, const json_t *obj, const char *key, const char *fmt, ...)
{
    char msg[256];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    return fbs_error_set(FBS_EPARSE, "'%s': line %d: %s", l->name, fbs_conf_line(l->conf, obj, key),
                         msg);
}

/* "7d", "36h", "90" (days) -> seconds. */
static int parse_duration(const json_t *v, int64_t *out)
{
    const char *s, *end;
    long long n;
    int64_t unit = 86400;

    if (json_is_integer(v)) {
        n = json_integer_value(v);
        if (n < 0 || n > 100000)
            return -1;
        *out = (int64_t)n * 86400;
        return 0;
    }
    if (!json_is_string(v))
        return -1;
    s = json_string_value(v);
    errno = 0;
    n = strtoll(s, (char **)&end, 10);
    if (errno || end == s || n < 0 || n > 100000LL * 24)
        return -1;
    if (!strcmp(end, "s"))
        unit = 1;
    else if (!strcmp(end, "m"))
        unit = 60;
    else if (!strcmp(end, "h"))
        unit = 3600;
    else if (!strcmp(end, "d") || !*end)
        unit = 86400;
    else if (!strcmp(end, "w"))
        unit = 7 * 86400;
    else
        return -1;
    *out = (int64_t)n * unit;
    return 0;
}

static int get_duration(const struct loader *l, const json_t *obj, const char *key, int64_t *out)
{
    if (parse_duration(json_object_get(obj, key), out) < 0)
        return perr(l, obj, key, "'%s' must be a duration such as 7d, 36h or 90 (days)", key);
    return 0;
}

static int get_number(const struct loader *l, const json_t *obj, const char *key, double lo,
                      double hi, double *out)
{
    const json_t *v = json_object_get(obj, key);

    if (!json_is_number(v) || json_number_value(v) < lo || json_number_value(v) > hi)
        return perr(l, obj, key, "'%s' must be a number from %g to %g", key, lo, hi);
    *out = json_number_value(v);
    return 0;
}

static int get_risk(const struct loader *l, const json_t *obj, const char *key, int *out)
{
    double d = 0;
    int rc = get_number(l, obj, key, 0, 100, &d);

    if (rc == 0 && d != (double)(int)d)
        return perr(l, obj, key, "'%s' must be an integer from 0 to 100", key);
    if (rc == 0)
        *out = (int)d;
    return rc;
}

static int apply_weights(const struct loader *l, struct fbs_policy *p, const json_t *w)
{
    const char *key;
    json_t *v;

    if (!json_is_object(w))
        return perr(l, w, NULL, "%s must be a mapping of dimension: weight", "'weights'");
    json_object_foreach((json_t *)w, key, v)
    {
        int d;
        int rc;

        for (d = 0; d < FBS_DIM__COUNT; d++)
            if (!strcmp(key, fbs_dim_name((enum fbs_dim)d)))
                break;
        if (d == FBS_DIM__COUNT)
            return perr(l, w, key,
                        "unknown dimension '%s' (known: fallback, age, expiry, privilege, "
                        "custody, usage)",
                        key);
        rc = get_number(l, w, key, 0, 100, &p->weights[d]);
        if (rc < 0)
            return rc;
    }
    return 0;
}

static int apply_severity(const struct loader *l, struct fbs_policy *p, const json_t *s)
{
    const char *key;
    json_t *v;
    int i;

    if (!json_is_object(s))
        return perr(l, s, NULL, "%s must be a mapping of severity: minimum risk", "'severity'");
    json_object_foreach((json_t *)s, key, v)
    {
        int sev = fbs_severity_parse(key);
        int rc;

        if (sev <= FBS_SEV_INFO)
            return perr(l, s, key, "unknown severity '%s' (known: critical, high, medium, low)",
                        key);
        rc = get_risk(l, s, key, &p->severity_min[sev]);
        if (rc < 0)
            return rc;
    }
    for (i = FBS_SEV_LOW + 1; i <= FBS_SEV_CRITICAL; i++)
        if (p->severity_min[i] < p->severity_min[i - 1])
            return perr(l, s, sev_names[i], "severity '%s' must not be below the levels under it",
                        sev_names[i]);
    return 0;
}

static int apply_lifetimes(const struct loader *l, struct fbs_policy *p, const json_t *m)
{
    const char *key;
    json_t *v;

    if (!json_is_object(m))
        return perr(l, m, NULL, "%s must be a mapping of lifetime class: duration",
                    "'max_lifetime'");
    json_object_foreach((json_t *)m, key, v)
    {
        int64_t secs = 0;
        size_t i;
        int rc;

        if (strlen(key) >= sizeof(p->lifetimes[0].cls) || !*key)
            return perr(l, m, key, "lifetime class '%.64s' must be 1 to 63 characters", key);
        if ((rc = get_duration(l, m, key, &secs)) < 0)
            return rc;
        for (i = 0; i < p->nlifetimes; i++)
            if (!strcmp(p->lifetimes[i].cls, key))
                break;
        if (i == p->nlifetimes) {
            if (p->nlifetimes == FBS_POLICY_MAX_LIFETIMES)
                return perr(l, m, key, "more than %d lifetime classes", FBS_POLICY_MAX_LIFETIMES);
            snprintf(p->lifetimes[i].cls, sizeof(p->lifetimes[i].cls), "%s", key);
            p->nlifetimes++;
        }
        p->lifetimes[i].max = secs;
    }
    return 0;
}

int64_t fbs_policy_max_lifetime(const struct fbs_policy *p, const struct fbs_finding *f,
                                const char **cls)
{
    const char *c = json_string_value(json_object_get(f->facts, "lifetime_class"));
    size_t i;

    if (!c)
        c = f->kind;
    if (cls)
        *cls = c;
    for (i = 0; c && p && i < p->nlifetimes; i++)
        if (!strcmp(p->lifetimes[i].cls, c))
            return p->lifetimes[i].max;
    return 0;
}

static int apply(struct fbs_policy *p, const struct fbs_conf *c, const char *name)
{
    struct loader l = {c, name};
    const json_t *root = c->root;
    const char *key;
    json_t *v;
    int rc = 0;

    if (json_is_null(root))
        return 0; /* an empty file overrides nothing */
    if (!json_is_object(root))
        return perr(&l, root, NULL, "%s", "a policy must be a mapping of keys");
    json_object_foreach((json_t *)root, key, v)
    {
        if (!strcmp(key, "fallback_window"))
            rc = get_duration(&l, root, key, &p->fallback_window);
        else if (!strcmp(key, "rotation_max_age"))
            rc = get_duration(&l, root, key, &p->rotation_max_age);
        else if (!strcmp(key, "expires_soon"))
            rc = get_duration(&l, root, key, &p->expires_soon);
        else if (!strcmp(key, "unused_max_age"))
            rc = get_duration(&l, root, key, &p->unused_max_age);
        else if (!strcmp(key, "fallback_threshold"))
            rc = get_number(&l, root, key, 0, 1, &p->fallback_threshold);
        else if (!strcmp(key, "weights"))
            rc = apply_weights(&l, p, v);
        else if (!strcmp(key, "severity"))
            rc = apply_severity(&l, p, v);
        else if (!strcmp(key, "standing_min_risk"))
            rc = get_risk(&l, root, key, &p->standing_min_risk);
        else if (!strcmp(key, "standing_high_min_risk"))
            rc = get_risk(&l, root, key, &p->standing_high_min_risk);
        else if (!strcmp(key, "expired_max_risk"))
            rc = get_risk(&l, root, key, &p->expired_max_risk);
        else if (!strcmp(key, "max_lifetime"))
            rc = apply_lifetimes(&l, p, v);
        else
            rc = perr(&l, root, key,
                      "unknown key '%s' (known: fallback_window, rotation_max_age, "
                      "expires_soon, unused_max_age, fallback_threshold, weights, severity, "
                      "standing_min_risk, standing_high_min_risk, expired_max_risk, "
                      "max_lifetime)",
                      key);
        if (rc < 0)
            return rc;
    }
    {
        double sum = 0;
        int d;

        for (d = 0; d < FBS_DIM__COUNT; d++)
            sum += p->weights[d];
        if (sum <= 0)
            return perr(&l, root, "weights", "%s", "the weights must not all be zero");
    }
    return 0;
}

int fbs_policy_apply_text(struct fbs_policy *p, const char *name, const char *text, size_t len)
{
    struct fbs_conf *c = NULL;
    int rc = fbs_conf_parse(&c, name, text, len);

    if (rc == FBS_EPARSE)
        return fbs_error_prefix(rc, "'%s'", name);
    if (rc < 0)
        return rc;
    rc = apply(p, c, name);
    fbs_conf_free(c);
    return rc;
}

int fbs_policy_apply_file(struct fbs_policy *p, const char *path)
{
    struct fbs_conf *c = NULL;
    int rc = fbs_conf_load_file(&c, path);

    if (rc == FBS_EPARSE)
        return fbs_error_prefix(rc, "'%s'", path);
    if (rc < 0)
        return rc;
    rc = apply(p, c, path);
    fbs_conf_free(c);
    return rc;
}

int fbs_policy_load_builtin(struct fbs_policy *p)
{
    const struct fbs_builtin_file *f = fbs_builtin_find("rules/policy/default.yml");

    memset(p, 0, sizeof(*p));
    if (!f)
        return fbs_error_set(FBS_EINTERNAL, "the built-in policy is missing");
    return fbs_policy_apply_text(p, f->name, f->data, f->len);
}

static json_t *duration_json(int64_t secs)
{
    char buf[32];

    if (secs % 86400 == 0)
        snprintf(buf, sizeof(buf), "%lldd", (long long)(secs / 86400));
    else if (secs % 3600 == 0)
        snprintf(buf, sizeof(buf), "%lldh", (long long)(secs / 3600));
    else
        snprintf(buf, sizeof(buf), "%llds", (long long)secs);
    return json_string(buf);
}

json_t *fbs_policy_to_json(const struct fbs_policy *p)
{
    json_t *o = json_object(), *w = json_object(), *s = json_object(), *m = json_object();
    size_t k;
    int i, bad = 0;

    /* json_object_set_new() takes the reference even when it fails. */
    if (!o || json_object_set_new(o, "weights", w) < 0 ||
        json_object_set_new(o, "severity", s) < 0 ||
        json_object_set_new(o, "max_lifetime", m) < 0) {
        json_decref(o);
        return NULL;
    }
    for (k = 0; k < p->nlifetimes; k++)
        if (p->lifetimes[k].max > 0)
            bad |= json_object_set_new(m, p->lifetimes[k].cls, duration_json(p->lifetimes[k].max));
    for (i = 0; i < FBS_DIM__COUNT; i++)
        bad |= json_object_set_new(w, fbs_dim_name((enum fbs_dim)i), json_real(p->weights[i]));
    for (i = FBS_SEV_CRITICAL; i > FBS_SEV_INFO; i--)
        bad |= json_object_set_new(s, sev_names[i], json_integer(p->severity_min[i]));
    bad |= json_object_set_new(o, "fallback_window", duration_json(p->fallback_window));
    bad |= json_object_set_new(o, "rotation_max_age", duration_json(p->rotation_max_age));
    bad |= json_object_set_new(o, "expires_soon", duration_json(p->expires_soon));
    bad |= json_object_set_new(o, "unused_max_age", duration_json(p->unused_max_age));
    bad |= json_object_set_new(o, "fallback_threshold", json_real(p->fallback_threshold));
    bad |= json_object_set_new(o, "standing_min_risk", json_integer(p->standing_min_risk));
    bad |=
        json_object_set_new(o, "standing_high_min_risk", json_integer(p->standing_high_min_risk));
    bad |= json_object_set_new(o, "expired_max_risk", json_integer(p->expired_max_risk));
    if (bad) {
        json_decref(o);
        return NULL;
    }
    return o;
}

enum fbs_severity fbs_policy_severity(const struct fbs_policy *p, int risk)
{
    int i;

    for (i = FBS_SEV_CRITICAL; i > FBS_SEV_INFO; i--)
        if (risk >= p->severity_min[i])
            return (enum fbs_severity)i;
    return FBS_SEV_INFO;
}
