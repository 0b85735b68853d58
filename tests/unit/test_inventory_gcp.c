/* test_inventory_gcp.c - cloud/inv_gcp.c: service account keys, accounts, IAM policy joins. */
#include "unit/inventory_support.h"

#include "scanner/core/banned.h"

#define SA_BG "breakglass-admin@acme-prod.iam.gserviceaccount.com"
#define SA_CI "ci-deployer@acme-prod.iam.gserviceaccount.com"
#define RES_BG                                                                                     \
    "//iam.googleapis.com/projects/acme-prod/serviceAccounts/" SA_BG                               \
    "/keys/3f1c2a9d8e7b6a5f4e3d2c1b0a9f8e7d6c5b4a39"
#define RES_CI_OLD                                                                                 \
    "//iam.googleapis.com/projects/acme-prod/serviceAccounts/" SA_CI                               \
    "/keys/1122334455667788990011223344556677889900"
#define RES_CI_NEW                                                                                 \
    "//iam.googleapis.com/projects/acme-prod/serviceAccounts/" SA_CI                               \
    "/keys/9e8d7c6b5a49382716f5e4d3c2b1a09f8e7d6c5b"

/* gcloud keys list: a user-managed key valid until 9999-12-31 never expires; system keys skip. */
static void test_inventory_gcp__keys_list(void **state)
{
    static const char *const files[] = {FIXTURE("gcp_keys.json"), NULL};
    struct inv_run r;
    struct fbs_finding *f;

    (void)state;
    inv_load(&r, files);
    assert_int_equal(r.set.records.len, 1);
    assert_int_equal(r.set.skipped_system_keys, 1);
    assert_int_equal(inv_diags(&r, "gcp_system_managed_keys", false), 1);
    assert_int_equal(inv_diags(&r, NULL, true), 0);
    f = inv_find(&r, RES_BG);
    assert_int_equal(f->source, FBS_SOURCE_GCP);
    assert_string_equal(f->kind, "gcp_service_account_key");
    assert_string_equal(f->rule_id, "gcp.iam.service_account_key");
    assert_string_equal(f->secret, "3f1c2a9d8e7b6a5f4e3d2c1b0a9f8e7d6c5b4a39");
    assert_string_equal(f->key, SA_BG);
    assert_null(f->path);
    assert_true(f->has_issued);
    assert_true(f->issued == inv_time("2024-03-02T09:15:00Z"));
    assert_false(f->has_expires);
    assert_true(json_is_true(json_object_get(f->facts, "no_expiry")));
    assert_string_equal(json_string_value(json_object_get(f->facts, "issued_from")), "gcp_iam");
    assert_int_equal(f->active, 1);
    assert_false(f->interactive);
    assert_int_equal(f->privilege, FBS_PRIV_UNKNOWN); /* no IAM policy given */
    assert_string_equal(inv_fact(f, "gcp", "project"), "acme-prod");
    assert_string_equal(inv_fact(f, "gcp", "key_origin"), "GOOGLE_PROVIDED");
    assert_string_equal(json_string_value(json_object_get(f->facts, "inventory_file")),
                        FIXTURE("gcp_keys.json"));
    inv_end(&r);
}

/* The API shape {"keys": [...]}; a dated key expires; a disabled key is inactive. */
static void test_inventory_gcp__api_shape(void **state)
{
    static const char *const files[] = {FIXTURE("gcp_keys_api.json"), NULL};
    struct inv_run r;
    struct fbs_finding *f;

    (void)state;
    inv_load(&r, files);
    assert_int_equal(r.set.records.len, 2);
    f = inv_find(&r, RES_CI_NEW);
    assert_true(f->has_expires);
    assert_true(f->expires == inv_time("2025-04-10T12:00:00Z"));
    assert_null(json_object_get(f->facts, "no_expiry"));
    assert_int_equal(f->active, 1);
    f = inv_find(&r, RES_CI_OLD);
    assert_int_equal(f->active, 0);
    assert_false(f->has_expires);
    assert_string_equal(inv_fact(f, "gcp", "key_origin"), "USER_PROVIDED");
    inv_end(&r);
}

/* Keys + accounts + IAM policy, in any order: names, disabled accounts and roles are joined. */
static void test_inventory_gcp__joins(void **state)
{
    static const char *const orders[][5] = {
        {FIXTURE("gcp_keys.json"), FIXTURE("gcp_keys_api.json"),
         FIXTURE("gcp_service_accounts.json"), FIXTURE("gcp_iam_policy.json"), NULL},
        {FIXTURE("gcp_iam_policy.json"), FIXTURE("gcp_service_accounts.json"),
         FIXTURE("gcp_keys_api.json"), FIXTURE("gcp_keys.json"), NULL},
    };
    size_t i;

    (void)state;
    for (i = 0; i < 2; i++) {
        struct inv_run r;
        struct fbs_finding *f;

        inv_load(&r, orders[i]);
        assert_int_equal(r.set.records.len, 3);
        f = inv_find(&r, RES_BG);
        assert_int_equal(f->privilege, FBS_PRIV_HIGH);
        assert_true(inv_evidence_has(f, "roles/owner"));
        assert_non_null(strstr(f->names, "Break-glass admin"));
        assert_non_null(strstr(f->names, "Emergency access"));
        assert_int_equal(f->active, 1);
        f = inv_find(&r, RES_CI_NEW);
        assert_int_equal(f->privilege, FBS_PRIV_NORMAL);
        assert_int_equal(f->active, 0); /* the account is disabled */
        assert_true(json_is_true(
            json_object_get(json_object_get(f->facts, "gcp"), "service_account_disabled")));
        assert_int_equal(
            json_array_size(json_object_get(json_object_get(f->facts, "gcp"), "roles")), 2);
        inv_end(&r);
    }
}

static void test_inventory_gcp__high_roles(void **state)
{
    static const struct {
        const char *role;
        bool high;
    } cases[] = {
        {"roles/owner", true},
        {"roles/editor", true},
        {"roles/iam.serviceAccountKeyAdmin", true},
        {"roles/iam.serviceAccountTokenCreator", true},
        {"roles/resourcemanager.projectIamAdmin", true},
        {"roles/container.admin", true},
        {"roles/secretmanager.admin", true},
        {"roles/viewer", false},
        {"roles/storage.objectAdmin", false},
        {"roles/run.developer", false},
        {"projects/p/roles/custom.admin", false},
        {"roles/.admin", false},
        {NULL, false},
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        if (fbs_gcp_role_is_high(cases[i].role) != cases[i].high)
            fail_msg("role '%s': expected %s", cases[i].role ? cases[i].role : "(null)",
                     cases[i].high ? "high" : "not high");
}

/* A malformed item is an error diagnostic naming the input and the item; the others go on. */
static void test_inventory_gcp__bad_items(void **state)
{
    static const char *const files[] = {FIXTURE("bad/bad_item.json"), NULL};
    struct inv_run r;
    const char *msg;

    (void)state;
    inv_load(&r, files);
    assert_int_equal(r.set.records.len, 1);
    assert_int_equal(inv_diags(&r, "inventory_item", true), 2);
    assert_int_equal(atomic_load(&r.stats.errors), 2);
    msg = inv_diag_message(&r, "inventory_item");
    assert_true(strstr(msg, "key 1") || strstr(msg, "key 2"));
    inv_end(&r);
}

/* Builders called directly with the shapes the live API returns. */
static void test_inventory_gcp__builders(void **state)
{
    struct inv_run r;
    json_t *doc;

    (void)state;
    inv_begin(&r);
    doc = json_loads("{}", 0, NULL); /* keys.list of an account without keys */
    assert_int_equal(fbs_gcp_add_keys(&r.set, doc, NULL), 0);
    json_decref(doc);
    doc = json_loads("[1, 2]", 0, NULL);
    assert_int_equal(fbs_gcp_add_keys(&r.set, doc, NULL), 0);
    assert_int_equal(inv_diags(&r, "inventory_item", true), 2);
    json_decref(doc);
    doc = json_loads("{\"keys\": 3}", 0, NULL);
    assert_int_equal(fbs_gcp_add_keys(&r.set, doc, NULL), FBS_EPARSE);
    json_decref(doc);
    doc = json_loads("{\"bindings\": {}}", 0, NULL);
    assert_int_equal(fbs_gcp_add_iam_policy(&r.set, doc, NULL), FBS_EPARSE);
    json_decref(doc);
    assert_int_equal(fbs_cloud_set_finish(&r.set), 0);
    assert_int_equal(r.set.records.len, 0);
    inv_end(&r);
}

#define RECOVERY_KEY                                                                               \
    "//iam.googleapis.com/projects/acme-prod/serviceAccounts/"                                     \
    "platform-recovery@acme-prod.iam.gserviceaccount.com/keys/"                                    \
    "5d4c3b2a1f0e9d8c7b6a5f4e3d2c1b0a99887766"
#define DR_KEY                                                                                     \
    "//iam.googleapis.com/projects/acme-prod/serviceAccounts/"                                     \
    "dr-exporter@acme-prod.iam.gserviceaccount.com/keys/6e5d4c3b2a1f0e9d8c7b6a5f4e3d2c1b0a998877"

static void load_at(struct inv_run *r, const char *const *files, const char *now)
{
    size_t n = 0;

    inv_begin(r);
    r->set.now = inv_time(now);
    while (files[n])
        n++;
    assert_int_equal(fbs_inventory_scan(&r->set, files, n, 0), 0);
    assert_int_equal(fbs_cloud_set_finish(&r->set), 0);
}

/*
 * gcloud projects get-ancestors-iam-policy: roles granted on the folder and the organisation
 * count, the evidence says where; an expired conditional grant on the folder does not.
 */
static void test_inventory_gcp__ancestors(void **state)
{
    static const char *const files[] = {FIXTURE("gcp_ancestors_iam_policy.json"),
                                        FIXTURE("gcp_keys_recovery.json"), NULL};
    struct inv_run r;
    struct fbs_finding *f;
    const json_t *gcp, *inh;

    (void)state;
    load_at(&r, files, "2025-06-01T00:00:00Z");
    assert_int_equal(inv_diags(&r, NULL, true), 0);
    f = inv_find(&r, RECOVERY_KEY);
    assert_int_equal(f->privilege, FBS_PRIV_HIGH);
    assert_true(inv_evidence_has(f, "service account platform-recovery@acme-prod.iam."
                                    "gserviceaccount.com has roles/owner granted on "
                                    "organizations/815622430961"));
    gcp = json_object_get(f->facts, "gcp");
    assert_string_equal(json_string_value(json_array_get(json_object_get(gcp, "roles"), 0)),
                        "roles/viewer");
    assert_string_equal(json_string_value(json_array_get(json_object_get(gcp, "ancestors"), 0)),
                        "folders/302845109176");
    assert_string_equal(json_string_value(json_array_get(json_object_get(gcp, "ancestors"), 1)),
                        "organizations/815622430961");
    f = inv_find(&r, DR_KEY);
    assert_int_equal(f->privilege, FBS_PRIV_NORMAL);
    assert_true(inv_evidence_has(f, "has only non-administrative roles on the project and its "
                                    "ancestors"));
    inh = json_object_get(json_object_get(f->facts, "gcp"), "inherited_roles");
    assert_int_equal(json_array_size(inh), 1); /* folderAdmin expired 2025-03-01 */
    assert_string_equal(json_string_value(json_object_get(json_array_get(inh, 0), "role")),
                        "roles/storage.objectViewer");
    inv_end(&r);

    /* Before the folder grant expired, it counts, and says it is conditional. */
    load_at(&r, files, "2025-02-01T00:00:00Z");
    f = inv_find(&r, DR_KEY);
    assert_int_equal(f->privilege, FBS_PRIV_HIGH);
    assert_true(inv_evidence_has(f, "has roles/resourcemanager.folderAdmin granted on "
                                    "folders/302845109176 (under a condition)"));
    inv_end(&r);

    /* Without the ancestors' policies, only the project's roles are known (none here). */
    load_at(&r, files + 1, "2025-06-01T00:00:00Z");
    f = inv_find(&r, RECOVERY_KEY);
    assert_int_equal(f->privilege, FBS_PRIV_UNKNOWN);
    inv_end(&r);
}

/* gcloud projects get-ancestors (no policies): the ancestry alone; malformed entries. */
static void test_inventory_gcp__ancestry_only(void **state)
{
    static const char doc[] =
        "[{\"id\": \"acme-prod\", \"type\": \"project\"},"
        " {\"id\": \"11\", \"type\": \"folder\"},"
        " {\"id\": \"12\", \"type\": \"team\"},"
        " {\"id\": \"13\", \"type\": \"folder\", \"policy\": {\"bindings\": 4}},"
        " {\"id\": \"99\", \"type\": \"organization\"}]";
    struct inv_run r;
    const json_t *chain;

    (void)state;
    inv_begin(&r);
    assert_int_equal(fbs_inventory_add_buffer(&r.set, "anc.json", doc, sizeof(doc) - 1), 0);
    chain = json_object_get(r.set.gcp_ancestry, "acme-prod");
    assert_int_equal(json_array_size(chain), 3);
    assert_string_equal(json_string_value(json_array_get(chain, 2)), "organizations/99");
    assert_int_equal(inv_diags(&r, "inventory_item", true), 2);
    assert_int_equal(json_object_size(r.set.gcp_grants), 0);
    inv_end(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_inventory_gcp__keys_list),
        cmocka_unit_test(test_inventory_gcp__api_shape),
        cmocka_unit_test(test_inventory_gcp__joins),
        cmocka_unit_test(test_inventory_gcp__high_roles),
        cmocka_unit_test(test_inventory_gcp__bad_items),
        cmocka_unit_test(test_inventory_gcp__builders),
        cmocka_unit_test(test_inventory_gcp__ancestors),
        cmocka_unit_test(test_inventory_gcp__ancestry_only),
    };

    fbs_test_use_cmocka_alloc();
    return cmocka_run_group_tests(tests, NULL, NULL);
}
