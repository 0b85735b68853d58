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

static void test_dim_usage__table(void **state)
{
    static const struct usage_case cases[] = {
        {-1, false, -1, -1}, /* text findings: no usage, no score (null, not a guess) */
        {-1, true, -1, 0.3}, /* known never used */
        {0, false, 0, 1.0},  /* in active use */
        {7, false, 7, 1.0},  /* within the 7-day window */
        {8, false, 8, 0.6},  /* within the 45 days of unused_max_age */
        {45, false, 45, 0.6}, {46, false, 46, 0.4}, /* unused: dormant but live */
        {-3, false, 0, 1.0},                        /* used after --now (clock skew): today */
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
        fbs_finding_free(f);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dim_usage__table),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
