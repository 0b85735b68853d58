/*
 * dim_expiry.c - the expiry dimension: expired, expires soon, time-bound, valid longer than the
 * policy allows, or no expiry at all.
 *
 * The expiry comes from the credential (certificate notAfter, JWT exp, a cloud end date:
 * f->expires, set by a parser or a collector). A credential without one does not expire until
 * someone revokes it - the dangerous case - and scores highest. valid_days is expires - issued when
 * both are known.
 *
 * A short-lived credential (a lifetime class with a max_lifetime in the policy: STS session
 * credentials, GitHub App installation tokens ...) without an expiry of its own expires at the
 * latest max_lifetime after the first evidence that it existed: its issue date, else the commit
 * that introduced it, else the file's modification time (each is at or after the moment it was
 * issued). That bound becomes its expiry (facts.expires_from = "max_lifetime",
 * facts.expires_bound_from says which date it was counted from). With no such date (or one after
 * now) its validity is still at most max_lifetime: time_bound when that fits the fallback window.
 * facts.max_lifetime records the class's maximum ("36h").
 *
 * A credential rotated automatically (a Secrets Manager secret with rotation on: facts
 * rotation_enabled, rotation_days, last_rotated, next_rotation) has no expiry of its own, but
 * its value is replaced every rotation_days (for a cron() schedule: the days between the last and
 * the next rotation): while the next rotation is due in the future, the
 * rotation bounds its validity (valid = rotation_days, time left = until the next rotation;
 * facts.expiry_from = "rotation"). A rotation that is overdue bounds nothing: facts.expiry =
 * none and facts.rotation_missed = true.
 *
 * facts.expiry = expired | expires_soon | time_bound | long_lived | valid | none.
 * Score: expired 0.0; time-bound (validity or remaining time within the fallback window) 0.2;
 * expires soon 0.4; valid 0.6; valid longer than rotation_max_age 0.8; no expiry 1.0.
 */
#include "detector.h"
#include "../scanner/core/error.h"

#include <stdio.h>
#include <string.h>

#include "../scanner/core/banned.h"

static bool fact_date(fbs_time_t *out, const json_t *facts, const char *name)
{
    const char *s = json_string_value(json_object_get(facts, name));

    return s && fbs_time_parse(out, s) == 0;
}

enum fbs_rotation fbs_rotation_bound(const struct fbs_finding *f, fbs_time_t now, fbs_time_t *next,
                                     int64_t *days)
{
    const json_t *d = json_object_get(f->facts, "rotation_days");
    fbs_time_t last;

    *next = 0;
    *days = 0;
    if (!json_is_true(json_object_get(f->facts, "rotation_enabled")))
        return FBS_ROTATION_NONE;
    if (json_is_integer(d) && json_integer_value(d) > 0) {
        *days = json_integer_value(d);
    } else {
        /* A cron() schedule: the period between the last rotation and the next one. */
        fbs_time_t n;

        if (!fact_date(&last, f->facts, "last_rotated") ||
            !fact_date(&n, f->facts, "next_rotation") || n <= last)
            return FBS_ROTATION_NONE;
        *days = (n - last + FBS_DAY - 1) / FBS_DAY;
    }
    if (!fact_date(next, f->facts, "next_rotation")) {
        /* Not announced: one period after the last rotation, else after creation. */
        if (!fact_date(&last, f->facts, "last_rotated")) {
            if (!fact_date(&last, f->facts, "created"))
                return FBS_ROTATION_NONE;
        }
        *next = last + *days * (fbs_time_t)FBS_DAY;
    }
    return *next > now ? FBS_ROTATION_CURRENT : FBS_ROTATION_MISSED;
}

static const char *classify(const struct fbs_finding *f, const struct fbs_policy *p, fbs_time_t now,
                            int64_t max_life, double *score)
{
    fbs_time_t left = f->expires - now;
    fbs_time_t valid = f->has_valid ? f->valid_days * (fbs_time_t)FBS_DAY : left;
    fbs_time_t next;
    int64_t days;

    if (!f->has_expires && max_life > 0) {
        *score = max_life <= p->fallback_window ? 0.2 : 0.6;
        return max_life <= p->fallback_window ? "time_bound" : "valid";
    }
    if (!f->has_expires && fbs_rotation_bound(f, now, &next, &days) == FBS_ROTATION_CURRENT) {
        left = next - now;
        valid = days * (fbs_time_t)FBS_DAY;
    } else if (!f->has_expires) {
        *score = 1.0;
        return "none";
    }
    if (left <= 0) {
        *score = 0.0;
        return "expired";
    }
    if (valid <= p->fallback_window || left <= p->fallback_window) {
        *score = 0.2;
        return "time_bound";
    }
    if (left <= p->expires_soon) {
        *score = 0.4;
        return "expires_soon";
    }
    if (valid > p->rotation_max_age) {
        *score = 0.8;
        return "long_lived";
    }
    *score = 0.6;
    return "valid";
}

static json_t *duration_json(int64_t secs)
{
    char buf[32];

    if (secs % FBS_DAY == 0)
        snprintf(buf, sizeof(buf), "%lldd", (long long)(secs / FBS_DAY));
    else if (secs % 3600 == 0)
        snprintf(buf, sizeof(buf), "%lldh", (long long)(secs / 3600));
    else
        snprintf(buf, sizeof(buf), "%llds", (long long)secs);
    return json_string(buf);
}

static int set(struct fbs_finding *f, const char *k, json_t *v)
{
    if (!v || json_object_set_new(f->facts, k, v) < 0)
        return FBS_ENOMEM;
    return 0;
}

/* Bound the expiry of a short-lived credential by its class's maximum lifetime. */
static int bound_lifetime(struct fbs_finding *f, fbs_time_t now, int64_t max_life)
{
    const char *from = NULL;
    fbs_time_t base = 0;
    int rc;

    if ((rc = set(f, "max_lifetime", duration_json(max_life))) < 0 || f->has_expires)
        return rc;
    if (f->has_issued) {
        base = f->issued, from = "issued";
    } else if (f->has_committed) {
        base = f->committed, from = "commit";
    } else if (f->file_mtime > 0 && f->source == FBS_SOURCE_FILE) {
        base = f->file_mtime, from = "file_mtime";
    }
    if (!from || base > now)
        return 0;
    f->expires = base + max_life;
    f->has_expires = true;
    if ((rc = set(f, "expires_from", json_string("max_lifetime"))) < 0)
        return rc;
    return set(f, "expires_bound_from", json_string(from));
}

static int expiry_run(struct fbs_finding *f, const struct fbs_detect_ctx *ctx)
{
    int64_t max_life = fbs_policy_max_lifetime(ctx->policy, f, NULL);
    const char *cls;
    double score;
    int rc;

    if (max_life > 0 && (rc = bound_lifetime(f, ctx->now, max_life)) < 0)
        return rc;
    if (f->has_expires && f->has_issued) {
        f->valid_days = (f->expires - f->issued) / FBS_DAY;
        f->has_valid = true;
    }
    cls = classify(f, ctx->policy, ctx->now, max_life, &score);
    if (json_object_set_new(f->facts, "expiry", json_string(cls)) < 0)
        return FBS_ENOMEM;
    if (!f->has_expires) {
        fbs_time_t next;
        int64_t days;
        enum fbs_rotation r = fbs_rotation_bound(f, ctx->now, &next, &days);

        if ((r == FBS_ROTATION_CURRENT &&
             json_object_set_new(f->facts, "expiry_from", json_string("rotation")) < 0) ||
            (r == FBS_ROTATION_MISSED &&
             json_object_set_new(f->facts, "rotation_missed", json_true()) < 0))
            return FBS_ENOMEM;
    }
    fbs_finding_set_score(f, FBS_DIM_EXPIRY, score);
    return 0;
}

const struct fbs_detector fbs_detector_expiry = {
    .name = "expiry",
    .stage = FBS_STAGE_DIMENSION,
    .kinds = NULL,
    .run = expiry_run,
};
