/* test_link_versions.c - detectors/link_versions.c: one secret in several versions of a file is
 * one finding, introduced by the earliest commit, current in HEAD. */
#include "support/test_support.h"

#include "detectors/detector.h"
#include "scanner/core/error.h"

#include <string.h>

#include "scanner/core/banned.h"

static struct fbs_finding *version(const char *path, const char *secret, const char *commit,
                                   fbs_time_t when, int in_head)
{
    struct fbs_finding *f = fbs_finding_new();

    assert_non_null(f);
    f->source = FBS_SOURCE_GIT;
    assert_int_equal(fbs_finding_set_str(&f->target, "repo"), 0);
    assert_int_equal(fbs_finding_set_str(&f->rel_path, path), 0);
    assert_int_equal(fbs_finding_set_str(&f->rule_id, "generic.secret"), 0);
    assert_int_equal(fbs_finding_set_secret(f, secret, strlen(secret)), 0);
    assert_int_equal(fbs_finding_set_str(&f->commit, commit), 0);
    assert_int_equal(fbs_finding_set_str(&f->author, commit), 0);
    f->committed = when;
    f->has_committed = true;
    f->in_head = in_head;
    return f;
}

static void test_link_versions__merge(void **state)
{
    struct fbs_finding *f[6];
    struct fbs_detect_ctx ctx;
    size_t i;

    (void)state;
    memset(&ctx, 0, sizeof(ctx));
    /* Three versions of one file hold the same secret; HEAD's version is the middle one here. */
    f[0] = version("app.yml", "S3cr3t-value-1", "c-new", 3000, 0);
    f[1] = version("app.yml", "S3cr3t-value-1", "c-old", 1000, 0);
    f[2] = version("app.yml", "S3cr3t-value-1", "c-head", 2000, 1);
    /* Another secret in the same file, another path with the same secret: untouched. */
    f[3] = version("app.yml", "Other-secret-2", "c-x", 1500, 1);
    f[4] = version("copy.yml", "S3cr3t-value-1", "c-copy", 2500, 1);
    /* Not git: untouched. */
    f[5] = version("app.yml", "S3cr3t-value-1", "c-file", 500, -1);
    f[5]->source = FBS_SOURCE_FILE;
    assert_int_equal(fbs_linker_versions.run(f, 6, &ctx), 0);
    assert_true(f[0]->drop);
    assert_true(f[1]->drop);
    assert_false(f[2]->drop);
    assert_string_equal(f[2]->commit, "c-old"); /* introduced by the earliest */
    assert_string_equal(f[2]->author, "c-old");
    assert_int_equal(f[2]->committed, 1000);
    assert_int_equal(f[2]->in_head, 1);
    assert_int_equal(json_integer_value(json_object_get(f[2]->facts, "versions")), 3);
    for (i = 3; i < 6; i++) {
        assert_false(f[i]->drop);
        assert_null(json_object_get(f[i]->facts, "versions"));
    }
    for (i = 0; i < 6; i++)
        fbs_finding_free(f[i]);
}

static void test_link_versions__history_only_keeps_newest(void **state)
{
    struct fbs_finding *f[2];
    struct fbs_detect_ctx ctx;

    (void)state;
    memset(&ctx, 0, sizeof(ctx));
    f[0] = version("old.env", "Removed-secret-3", "c-2", 2000, 0);
    f[1] = version("old.env", "Removed-secret-3", "c-1", 1000, 0);
    assert_int_equal(fbs_linker_versions.run(f, 2, &ctx), 0);
    assert_false(f[0]->drop);
    assert_true(f[1]->drop);
    assert_string_equal(f[0]->commit, "c-1");
    fbs_finding_free(f[0]);
    fbs_finding_free(f[1]);
    assert_int_equal(fbs_linker_versions.run(NULL, 0, &ctx), 0);
}

/* Two commits of the same second: the result must not depend on the order of delivery (the
 * threads of a history scan deliver blobs in any order). */
static void test_link_versions__same_second_any_order(void **state)
{
    struct fbs_finding *f[2];
    struct fbs_detect_ctx ctx;
    int order;

    (void)state;
    memset(&ctx, 0, sizeof(ctx));
    for (order = 0; order < 2; order++) {
        f[order] = version("ci.env", "Same-second-4", "c-bbb", 1000, 0);
        f[1 - order] = version("ci.env", "Same-second-4", "c-aaa", 1000, 0);
        f[order]->line = 7;
        f[1 - order]->line = 3;
        assert_int_equal(fbs_linker_versions.run(f, 2, &ctx), 0);
        /* Earliest by (time, commit id): c-aaa introduced it; the kept one is the other. */
        assert_false(f[order]->drop);
        assert_true(f[1 - order]->drop);
        assert_string_equal(f[order]->commit, "c-aaa");
        assert_int_equal(f[order]->line, 7);
        fbs_finding_free(f[0]);
        fbs_finding_free(f[1]);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_link_versions__merge),
        cmocka_unit_test(test_link_versions__history_only_keeps_newest),
        cmocka_unit_test(test_link_versions__same_second_any_order),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
