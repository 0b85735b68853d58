/* test_dim_expiry.c - detectors/dim_expiry.c: the expiry class, validity and score. */
#include "support/test_support.h"

#include "detectors/detector.h"

#include <math.h>
#include <string.h>

#include "scanner/core/banned.h"

#define NOW  ((fbs_time_t)1795392000) /* 2026-11-23 */
#define DAY  ((fbs_time_t)FBS_DAY)
#define NONE INT64_MIN

struct expiry_case {
    int64_t issued;  /* days before NOW, or NONE */
    int64_t expires; /* days after NOW (negative: past), or NONE */
    const char *cls;
    int64_t valid; /* -1: unknown */
    double score;
};

static void test_dim_expiry__table(void **state)
{
    static const struct expiry_case cases[] = {
        {200, NONE, "none", -1, 1.0},
        {NONE, NONE, "none", -1, 1.0},
        {400, -30, "expired", 370, 0.0},
        {NONE, 0, "expired", -1, 0.0},       /* expiring at now is expired */
        {2, 2, "time_bound", 4, 0.2},        /* valid 4 days */
        {NONE, 5, "time_bound", -1, 0.2},    /* 5 days left */
        {100, 20, "expires_soon", 120, 0.4}, /* 20 days left < 30 */
        {10, 60, "valid", 70, 0.6},          /* 70 days <= 90 */
        {30, 3620, "long_lived", 3650, 0.8}, /* a 10-year certificate */
        {NONE, 400, "long_lived", -1, 0.8},  /* no issue date: what is left counts */
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
        const struct expiry_case *c = &cases[i];
        struct fbs_finding *f = fbs_finding_new();

        assert_non_null(f);
        if (c->issued != NONE) {
            f->issued = NOW - c->issued * DAY;
            f->has_issued = true;
        }
        if (c->expires != NONE) {
            f->expires = NOW + c->expires * DAY;
            f->has_expires = true;
        }
        assert_int_equal(fbs_detector_expiry.run(f, &ctx), 0);
        if (strcmp(json_string_value(json_object_get(f->facts, "expiry")), c->cls))
            fail_msg("case %zu: %s, want %s", i,
                     json_string_value(json_object_get(f->facts, "expiry")), c->cls);
        assert_int_equal(f->has_valid, c->valid >= 0);
        if (c->valid >= 0)
            assert_int_equal(f->valid_days, c->valid);
        assert_true(fabs(f->scores[FBS_DIM_EXPIRY] - c->score) < 1e-9);
        fbs_finding_free(f);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dim_expiry__table),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
