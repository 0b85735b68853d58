/*
 * dim_usage.c - the usage dimension: when the credential was last used, where a source knows it
 * (cloud inventories). Text findings carry no usage and get no usage score (null, not a guess).
 *
 * facts.last_used_days. Score: used within the fallback window 1.0 (in active use); within
 * unused_max_age 0.6; unused longer 0.4 (dormant but live). Never used, with a known creation
 * date: facts.never_used, score 0.3.
 */
#include "detector.h"
#include "../scanner/core/error.h"

#include "../scanner/core/banned.h"

static int usage_run(struct fbs_finding *f, const struct fbs_detect_ctx *ctx)
{
    const struct fbs_policy *p = ctx->policy;
    json_t *never = json_object_get(f->facts, "never_used");
    int64_t days;

    if (!f->has_last_used) {
        if (json_is_true(never))
            fbs_finding_set_score(f, FBS_DIM_USAGE, 0.3);
        return 0;
    }
    days = fbs_time_days_between(f->last_used, ctx->now);
    if (days < 0)
        days = 0;
    if (json_object_set_new(f->facts, "last_used_days", json_integer(days)) < 0)
        return FBS_ENOMEM;
    if (days * FBS_DAY <= p->fallback_window)
        fbs_finding_set_score(f, FBS_DIM_USAGE, 1.0);
    else if (days * FBS_DAY <= p->unused_max_age)
        fbs_finding_set_score(f, FBS_DIM_USAGE, 0.6);
    else
        fbs_finding_set_score(f, FBS_DIM_USAGE, 0.4);
    return 0;
}

const struct fbs_detector fbs_detector_usage = {
    .name = "usage",
    .stage = FBS_STAGE_DIMENSION,
    .kinds = NULL,
    .run = usage_run,
};
