/*
 * dim_usage.c - the usage dimension: when the credential was last used, where a source knows it
 * (cloud inventories). Text findings carry no usage and get no usage score (null, not a guess).
 *
 * A credential nobody uses is one nobody watches: CIS (AWS 1.12, "credentials unused for 45 days
 * or greater are disabled") asks for dormant credentials to be disabled, and a fallback
 * credential left enabled between emergencies is exactly that. So the score rises with disuse:
 *   - never used since it was created (facts.never_used, set by the collectors when the provider
 *     says so, not when it merely does not know): 1.0, facts.usage = "never_used";
 *   - last used longer ago than unused_max_age: 0.8, facts.usage = "dormant";
 *   - last used within unused_max_age: 0.3, facts.usage = "in_use".
 * facts.last_used_days when the date is known. That a fallback credential in use has become a
 * routine path (used longer than the fallback window after it was created) is the scorer's
 * standing-access verdict, not this score.
 */
#include "detector.h"
#include "../scanner/core/error.h"

#include "../scanner/core/banned.h"

static int set_usage(struct fbs_finding *f, const char *usage, double score)
{
    if (json_object_set_new(f->facts, "usage", json_string(usage)) < 0)
        return FBS_ENOMEM;
    fbs_finding_set_score(f, FBS_DIM_USAGE, score);
    return 0;
}

static int usage_run(struct fbs_finding *f, const struct fbs_detect_ctx *ctx)
{
    const struct fbs_policy *p = ctx->policy;
    json_t *never = json_object_get(f->facts, "never_used");
    int64_t days;

    if (!f->has_last_used)
        return json_is_true(never) ? set_usage(f, "never_used", 1.0) : 0;
    days = fbs_time_days_between(f->last_used, ctx->now);
    if (days < 0)
        days = 0;
    if (json_object_set_new(f->facts, "last_used_days", json_integer(days)) < 0)
        return FBS_ENOMEM;
    if (days * FBS_DAY > p->unused_max_age)
        return set_usage(f, "dormant", 0.8);
    return set_usage(f, "in_use", 0.3);
}

const struct fbs_detector fbs_detector_usage = {
    .name = "usage",
    .stage = FBS_STAGE_DIMENSION,
    .kinds = NULL,
    .run = usage_run,
};
