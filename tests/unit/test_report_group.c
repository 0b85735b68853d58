/*
 * test_report_group.c - related findings (reporters/group.c): which pieces form one credential,
 * the group id, and what stays alone.
 */
#include "support/test_support.h"

#include "reporters/group.h"
#include "scanner/model/finding.h"

#include <string.h>

#include "scanner/core/banned.h"

static struct fbs_finding *piece(const char *kind, const char *path, unsigned line, const char *id)
{
    struct fbs_finding *f = fbs_finding_new();

    assert_non_null(f);
    assert_int_equal(fbs_finding_set_str(&f->kind, kind), 0);
    assert_int_equal(fbs_finding_set_str(&f->path, path), 0);
    assert_int_equal(fbs_finding_set_str(&f->target_id, "path:/repo"), 0);
    f->line = line;
    snprintf(f->id, sizeof(f->id), "%s", id);
    return f;
}

/* Adds fs in order, finishes, and frees the findings (the groups keep copies). */
static void group(struct fbs_groups *g, struct fbs_finding **fs, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        assert_int_equal(fbs_groups_add(g, fs[i]), 0);
        fbs_finding_free(fs[i]);
    }
    assert_int_equal(fbs_groups_finish(g), 0);
}

#define ID(c) c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c

/* An AWS key id and its secret; a second pair in the same file is a second group. */
static void test_report_group__aws_pairs(void **state)
{
    struct fbs_finding *fs[5] = {
        piece("aws_access_key_id", "prod.tfvars", 7, ID("e")),
        piece("aws_secret_access_key", "prod.tfvars", 8, ID("c")),
        piece("aws_access_key_id", "prod.tfvars", 12, ID("b")),
        piece("aws_secret_access_key", "prod.tfvars", 13, ID("d")),
        /* Same kind, another file: alone. */
        piece("aws_secret_access_key", "other.tfvars", 8, ID("a")),
    };
    struct fbs_groups g = FBS_GROUPS_INIT;

    (void)state;
    group(&g, fs, 5);
    assert_string_equal(fbs_groups_id(&g, 0), ID("c")); /* the smallest id of the pair */
    assert_string_equal(fbs_groups_id(&g, 1), ID("c"));
    assert_string_equal(fbs_groups_id(&g, 2), ID("b"));
    assert_string_equal(fbs_groups_id(&g, 3), ID("b"));
    assert_null(fbs_groups_id(&g, 4));
    assert_int_equal(g.items[0].members, 2);
    assert_int_equal(g.items[3].first, 2);
    fbs_groups_release(&g);
}

/* Five unseal shares and the root token of one init output; a share far below is not part. */
static void test_report_group__vault_init(void **state)
{
    struct fbs_finding *fs[8];
    struct fbs_groups g = FBS_GROUPS_INIT;
    size_t i;

    (void)state;
    for (i = 0; i < 5; i++)
        fs[i] = piece("vault_unseal_key", "runbook.md", 40 + (unsigned)i, ID("9"));
    fs[0]->id[0] = '1';
    fs[5] = piece("vault_root_token", "runbook.md", 46, ID("8"));
    fs[6] = piece("vault_unseal_key", "runbook.md", 300, ID("7"));
    fs[7] = piece("jwt", "runbook.md", 41, ID("0")); /* another kind: alone */
    group(&g, fs, 8);
    for (i = 0; i < 6; i++) {
        assert_non_null(fbs_groups_id(&g, i));
        assert_int_equal(fbs_groups_id(&g, i)[0], '1');
        assert_int_equal(g.items[i].members, 6);
    }
    assert_null(fbs_groups_id(&g, 6));
    assert_null(fbs_groups_id(&g, 7));
    fbs_groups_release(&g);
}

/* Nothing to group: no path, no line, a single finding. */
static void test_report_group__alone(void **state)
{
    struct fbs_finding *fs[2] = {piece("kubeconfig_client_key", "admin.kubeconfig", 19, ID("1")),
                                 piece("kubeconfig_client_key", "admin.kubeconfig", 0, ID("2"))};
    struct fbs_groups g = FBS_GROUPS_INIT;

    (void)state;
    group(&g, fs, 2);
    assert_null(fbs_groups_id(&g, 0));
    assert_null(fbs_groups_id(&g, 1));
    fbs_groups_release(&g);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_report_group__aws_pairs),
        cmocka_unit_test(test_report_group__vault_init),
        cmocka_unit_test(test_report_group__alone),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
