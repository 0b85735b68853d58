/* test_dim_age.c - detectors/dim_age.c: age from the best evidence, and its score. */
#include "support/test_support.h"

#include "detectors/detector.h"

#include <math.h>
#include <string.h>

#include "scanner/core/banned.h"

#define NOW  ((fbs_time_t)1795392000) /* 2026-11-23 */
#define DAY  ((fbs_time_t)FBS_DAY)
#define NONE INT64_MIN

struct age_case {
    enum fbs_source_kind source;
    int64_t issued, committed, mtime; /* days before NOW, or NONE */
    const char *from;
    int64_t days; /* -1: unknown */
    bool weak, not_yet;
    double score; /* < 0: no score */
};

static void test_dim_age__table(void **state)
{
    static const struct age_case cases[] = {
        /* The credential's own date wins over the commit and the file date. */
        {FBS_SOURCE_GIT, 30, 400, 2, "credential", 30, false, false, -2},
        {FBS_SOURCE_GIT, NONE, 400, 2, "commit", 400, false, false, -2},
        {FBS_SOURCE_FILE, NONE, NONE, 50, "file_mtime", 50, true, false, -2},
        /* A file date means nothing for git blobs, stdin or cloud records. */
        {FBS_SOURCE_GIT, NONE, NONE, 50, "unknown", -1, false, false, -1},
        {FBS_SOURCE_STDIN, NONE, NONE, NONE, "unknown", -1, false, false, -1},
        /* A file or commit date after --now is no evidence of a young credential: unknown age
         * (a clone's files are as new as the clone; --now may be pinned in the past). */
        {FBS_SOURCE_FILE, NONE, NONE, -10, "file_mtime", -1, false, false, -1},
        {FBS_SOURCE_GIT, NONE, -3, NONE, "commit", -1, false, false, -1},
        /* Issued after --now: age 0, flagged. */
        {FBS_SOURCE_FILE, -10, NONE, NONE, "credential", 0, false, true, 0.1},
        /* Score: 0.1 within the 7-day window, 0.6 at 90 days, 1.0 at 360 and beyond. */
        {FBS_SOURCE_FILE, 7, NONE, NONE, "credential", 7, false, false, 0.1},
        {FBS_SOURCE_FILE, 90, NONE, NONE, "credential", 90, false, false, 0.6},
        {FBS_SOURCE_FILE, 360, NONE, NONE, "credential", 360, false, false, 1.0},
        {FBS_SOURCE_FILE, 5000, NONE, NONE, "credential", 5000, false, false, 1.0},
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
        const struct age_case *c = &cases[i];
        struct fbs_finding *f = fbs_finding_new();

        assert_non_null(f);
        f->source = c->source;
        if (c->issued != NONE) {
            f->issued = NOW - c->issued * DAY;
            f->has_issued = true;
        }
        if (c->committed != NONE) {
            f->committed = NOW - c->committed * DAY;
            f->has_committed = true;
        }
        if (c->mtime != NONE)
            f->file_mtime = NOW - c->mtime * DAY;
        assert_int_equal(fbs_detector_age.run(f, &ctx), 0);
        assert_string_equal(json_string_value(json_object_get(f->facts, "age_from")), c->from);
        assert_int_equal(f->has_age, c->days >= 0);
        if (c->days >= 0)
            assert_int_equal(f->age_days, c->days);
        assert_int_equal(json_is_true(json_object_get(f->facts, "age_weak")), c->weak);
        assert_int_equal(json_is_true(json_object_get(f->facts, "not_yet_valid")), c->not_yet);
        assert_int_equal(json_is_true(json_object_get(f->facts, "age_after_now")),
                         c->days < 0 && strcmp(c->from, "unknown") != 0);
        assert_int_equal(fbs_finding_has_score(f, FBS_DIM_AGE), c->score != -1);
        if (c->score >= 0 && fabs(f->scores[FBS_DIM_AGE] - c->score) > 1e-9)
            fail_msg("case %zu: score %f, want %f", i, f->scores[FBS_DIM_AGE], c->score);
        fbs_finding_free(f);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dim_age__table),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
