/*
 * dim_age.c - the age dimension: how long the credential has existed, from the best evidence.
 *
 * Evidence, strongest first: the credential's own issue date (certificate notBefore, JWT iat,
 * cloud create date: f->issued, set by a parser or a collector); else the commit that introduced
 * it; else, for a plain file, its modification time (weak: a copy or a checkout resets it);
 * else the age is unknown, and is said to be (never the scan time).
 *
 * facts.age_from = credential | commit | file_mtime | unknown; facts.age_weak for file_mtime.
 * A credential issued after now is not yet valid (facts.not_yet_valid, age 0). A commit or file
 * date after now is no evidence of a young credential (a checkout, a clock skew or a pinned --now
 * in the past makes one): the age stays unknown and facts.age_after_now says why.
 * Score: 0.1 within the fallback window, rising to 0.6 at rotation_max_age and to 1.0 at four
 * times rotation_max_age.
 */
#include "detector.h"
#include "../scanner/core/error.h"

#include "../scanner/core/banned.h"

static double age_score(const struct fbs_policy *p, int64_t days)
{
    double win = (double)p->fallback_window / FBS_DAY, rot = (double)p->rotation_max_age / FBS_DAY;
    double d = (double)days;

    if (d <= win)
        return 0.1;
    if (rot > win && d <= rot)
        return 0.1 + 0.5 * (d - win) / (rot - win);
    if (rot <= 0)
        return 1.0;
    d = 0.6 + 0.4 * (d - rot) / (3 * rot);
    return d > 1.0 ? 1.0 : d;
}

static int age_run(struct fbs_finding *f, const struct fbs_detect_ctx *ctx)
{
    const char *from = "unknown";
    fbs_time_t since = 0;

    if (f->has_issued) {
        from = "credential";
        since = f->issued;
    } else if (f->has_committed) {
        from = "commit";
        since = f->committed;
    } else if (f->file_mtime > 0 && f->source == FBS_SOURCE_FILE) {
        from = "file_mtime";
        since = f->file_mtime;
    }
    if (json_object_set_new(f->facts, "age_from", json_string(from)) < 0)
        return FBS_ENOMEM;
    if (!since)
        return 0;
    if (since > ctx->now && !f->has_issued) {
        if (json_object_set_new(f->facts, "age_after_now", json_true()) < 0)
            return FBS_ENOMEM;
        return 0;
    }
    f->age_days = fbs_time_days_between(since, ctx->now);
    if (f->age_days < 0) { /* issued after --now: not yet valid at the reference time */
        if (json_object_set_new(f->facts, "not_yet_valid", json_true()) < 0)
            return FBS_ENOMEM;
        f->age_days = 0;
    }
    f->has_age = true;
    if (!f->has_issued && f->file_mtime > 0 && !f->has_committed &&
        json_object_set_new(f->facts, "age_weak", json_true()) < 0)
        return FBS_ENOMEM;
    fbs_finding_set_score(f, FBS_DIM_AGE, age_score(ctx->policy, f->age_days));
    return 0;
}

const struct fbs_detector fbs_detector_age = {
    .name = "age",
    .stage = FBS_STAGE_DIMENSION,
    .kinds = NULL,
    .run = age_run,
};
