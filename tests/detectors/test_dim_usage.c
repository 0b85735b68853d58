/* test_dim_usage.c - detectors/dim_usage.c: last use, where a source knows it. */
#include "support/test_support.h"

#include "detectors/detector.h"

#include <math.h>
#include <string.h>

#include "scanner/core/banned.h"

#define NOW ((fbs_time_t)1795392000) /* 2026-11-23 */
#define DAY ((fbs_time_t)FBS_DAY)

struct usage_case {
    int64_t used; /* days before NOW; -1 unknown */
    bool never;   /* facts.never_used */
    int64_t days; /* facts.last_used_days; -1 absent */
    double score; /* -1: no score */
};

/* A key used yesterday is less of a risk than one unused for 59 days (issue 14). */
static void test_dim_usage__dormant_outranks_recent(void **state)
{
    struct fbs_policy policy;
    struct fbs_detect_ctx ctx;
    struct fbs_finding *recent = fbs_finding_new(), *dormant = fbs_finding_new();

    (void)state;
    assert_int_equal(fbs_policy_load_builtin(&policy), 0);
    memset(&ctx, 0, sizeof(ctx));
    ctx.policy = &policy;
    ctx.now = NOW;
    assert_non_null(recent);
    assert_non_null(dormant);
    recent->last_used = NOW - DAY;
    recent->has_last_used = true;
    dormant->last_used = NOW - 59 * DAY;
    dormant->has_last_used = true;
    assert_int_equal(fbs_detector_usage.run(recent, &ctx), 0);
    assert_int_equal(fbs_detector_usage.run(dormant, &ctx), 0);
    assert_true(dormant->scores[FBS_DIM_USAGE] > recent->scores[FBS_DIM_USAGE]);
    fbs_finding_free(recent);
    fbs_finding_free(dormant);
}

static void test_dim_usage__table(void **state)
{
    static const struct usage_case cases[] = {
        {-1, false, -1, -1}, /* text findings: no usage, no score (null, not a guess) */
        {-1, true, -1, 1.0}, /* never used since creation: dormant, the riskiest */
        {0, false, 0, 0.3},  /* in use */
        {7, false, 7, 0.3},   {8, false, 8, 0.3},
        {45, false, 45, 0.3},                       /* within unused_max_age */
        {46, false, 46, 0.8}, {59, false, 59, 0.8}, /* unused longer: dormant (CIS AWS 1.12) */
        {-3, false, 0, 0.3},                        /* used after --now (clock skew): today */
    };
    struct fbs_policy policy;
    struct fbs_detect_ctx ctx;
    size_t i;

    (void)state;
    assert_int_equal(fbs_policy_load_builtin(&policy), 0);
    memset(&ctx, 0, sizeof(ctx));
    ctx.policy = &policy;
    ctx.now = NOW;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const struct usage_case *c = &cases[i];
        struct fbs_finding *f = fbs_finding_new();

        assert_non_null(f);
        if (c->used != -1) {
            f->last_used = NOW - c->used * DAY;
            f->has_last_used = true;
        }
        if (c->never)
            assert_int_equal(json_object_set_new(f->facts, "never_used", json_true()), 0);
        assert_int_equal(fbs_detector_usage.run(f, &ctx), 0);
        if (c->days >= 0)
            assert_int_equal(json_integer_value(json_object_get(f->facts, "last_used_days")),
                             c->days);
        else
            assert_null(json_object_get(f->facts, "last_used_days"));
        assert_int_equal(fbs_finding_has_score(f, FBS_DIM_USAGE), c->score >= 0);
        if (c->score >= 0 && fabs(f->scores[FBS_DIM_USAGE] - c->score) > 1e-9)
            fail_msg("case %zu: score %f, want %f", i, f->scores[FBS_DIM_USAGE], c->score);
        if (c->score >= 0)
            assert_string_equal(json_string_value(json_object_get(f->facts, "usage")),
                                c->never         ? "never_used"
                                : c->score > 0.5 ? "dormant"
                                                 : "in_use");
        fbs_finding_free(f);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dim_usage__table),
        cmocka_unit_test(test_dim_usage__dormant_outranks_recent),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
