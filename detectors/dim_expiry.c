/*
 * dim_expiry.c - the expiry dimension: expired, expires soon, time-bound, valid longer than the
 * policy allows, or no expiry at all.
 *
 * The expiry comes from the credential (certificate notAfter, JWT exp, a cloud end date:
 * f->expires, set by a parser or a collector). A credential without one does not expire until
 * someone revokes it - the dangerous case - and scores highest. valid_days is expires - issued when
 * both are known.
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
                            double *score)
{
    fbs_time_t left = f->expires - now;
    fbs_time_t valid = f->has_valid ? f->valid_days * (fbs_time_t)FBS_DAY : left;
    fbs_time_t next;
    int64_t days;

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

static int expiry_run(struct fbs_finding *f, const struct fbs_detect_ctx *ctx)
{
    const char *cls;
    double score;

    if (f->has_expires && f->has_issued) {
        f->valid_days = (f->expires - f->issued) / FBS_DAY;
        f->has_valid = true;
    }
    cls = classify(f, ctx->policy, ctx->now, &score);
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
