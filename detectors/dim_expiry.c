/*
 * dim_expiry.c - the expiry dimension: expired, expires soon, time-bound, valid longer than the
 * policy allows, or no expiry at all.
 *
 * The expiry comes from the credential (certificate notAfter, JWT exp, a cloud end date:
 * f->expires, set by a parser or a collector). A credential without one does not expire until
 * someone revokes it - the dangerous case - and scores highest. valid_days is expires - issued when
 * both are known.
 *
 * facts.expiry = expired | expires_soon | time_bound | long_lived | valid | none.
 * Score: expired 0.0; time-bound (validity or remaining time within the fallback window) 0.2;
 * expires soon 0.4; valid 0.6; valid longer than rotation_max_age 0.8; no expiry 1.0.
 */
#include "detector.h"
#include "../scanner/core/error.h"

#include "../scanner/core/banned.h"

static const char *classify(const struct fbs_finding *f, const struct fbs_policy *p, fbs_time_t now,
                            double *score)
{
    fbs_time_t left = f->expires - now;
    fbs_time_t valid = f->has_valid ? f->valid_days * (fbs_time_t)FBS_DAY : left;

    if (!f->has_expires) {
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
    fbs_finding_set_score(f, FBS_DIM_EXPIRY, score);
    return 0;
}

const struct fbs_detector fbs_detector_expiry = {
    .name = "expiry",
    .stage = FBS_STAGE_DIMENSION,
    .kinds = NULL,
    .run = expiry_run,
};
