/*
 * test_inventory.c - cloud/inventory.c: format recognition from content, JSON streams, errors
 * that name the file and position, and a run over many files where some fail.
 */
#include "unit/inventory_support.h"

#include "scanner/core/alloc.h"

#include "scanner/core/banned.h"

/* Each fixture is recognised from its content alone (table: file -> records, error code). */
static void test_inventory__recognition(void **state)
{
    static const struct {
        const char *text;
        int rc;
        size_t records;
        const char *message; /* part of the error message */
    } cases[] = {
        {"[]", 0, 0, NULL},
        {"  \n{\"keys\": []}\n", 0, 0, NULL},
        {"{\"value\": []}", 0, 0, NULL},
        {"{}", 0, 0, NULL},
        {"\xEF\xBB\xBF[]", 0, 0, NULL},
        {"{\"accessor\": \"a1\", \"policies\": [\"root\"], \"ttl\": 0}", 0, 1, NULL},
        {"{\"accessor\": \"a1\", \"policies\": [\"root\"], \"ttl\": 0}\n"
         "{\"accessor\": \"a2\", \"policies\": [\"default\"], \"ttl\": 0}\n",
         0, 2, NULL},
        {"{\"kind\": \"Secret\", \"apiVersion\": \"v1\", \"type\": \"Opaque\", "
         "\"metadata\": {\"name\": \"x\", \"namespace\": \"y\"}}",
         0, 0, NULL},
        {"[{\"keyId\": \"k\", \"endDateTime\": \"2030-01-01T00:00:00Z\"}]", 0, 1, NULL},
        {"", FBS_EUNSUPPORTED, 0, "empty file"},
        {"  \n ", FBS_EUNSUPPORTED, 0, "empty file"},
        {"name,value\nx,1\n", FBS_EUNSUPPORTED, 0, "neither JSON nor"},
        {"{\"hello\": 1}", FBS_EUNSUPPORTED, 0, "unknown format"},
        {"[1, 2, 3]", FBS_EUNSUPPORTED, 0, "unknown format"},
        {"{\"kind\": \"Pod\", \"apiVersion\": \"v1\"}", FBS_EUNSUPPORTED, 0, "Kubernetes object"},
        {"{\"type\": \"service_account\", \"client_email\": \"a@b\", \"private_key\": \"x\"}",
         FBS_EUNSUPPORTED, 0, "key file"},
        {"{\"data\": {\"keys\": [\"a\"]}}", FBS_EUNSUPPORTED, 0, "Vault LIST"},
        {"[\n  {\"a\": 1},\n  {\"b\": 2,,}\n]", FBS_EPARSE, 0, "line 3, column"},
        {"{\"accessor\": \"a1\", \"policies\": [], \"ttl\": 0}\n{\"oops\"", FBS_EPARSE, 1,
         "line 2"},
        {"{\"accessor\": \"a1\", \"policies\": [], \"ttl\": 0}\n{\"x\": 1}", FBS_EUNSUPPORTED, 1,
         "document at line 2"},
        /* A credential report with a header and no rows: read, nothing in it. */
        {"user,arn,user_creation_time,password_enabled,password_last_used\n", 0, 0, NULL},
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct inv_run r;
        int rc;

        inv_begin(&r);
        rc = fbs_inventory_add_buffer(&r.set, "input", cases[i].text, strlen(cases[i].text));
        if (rc != cases[i].rc || r.set.records.len != cases[i].records)
            fail_msg("case %zu: rc %d (expected %d), %zu records (expected %zu): %s", i, rc,
                     cases[i].rc, r.set.records.len, cases[i].records, fbs_error_message());
        if (cases[i].message && !strstr(fbs_error_message(), cases[i].message))
            fail_msg("case %zu: message '%s' lacks '%s'", i, fbs_error_message(), cases[i].message);
        inv_end(&r);
    }
}

/* Every fixture is read by the format meant for it. */
static void test_inventory__fixtures_formats(void **state)
{
    static const struct {
        const char *file;
        const char *format;
    } cases[] = {
        {"gcp_keys.json", "gcp_service_account_keys"},
        {"gcp_keys_api.json", "gcp_service_account_keys"},
        {"gcp_service_accounts.json", "gcp_service_accounts"},
        {"gcp_iam_policy.json", "gcp_iam_policy"},
        {"azure_applications.json", "azure_applications"},
        {"azure_service_principals.json", "azure_applications"},
        {"azure_app_credentials.json", "azure_credentials"},
        {"k8s_secrets.json", "kubernetes"},
        {"k8s_clusterrolebindings.json", "kubernetes"},
        {"vault_root_lookup.json", "vault_token_lookups"},
    };
    size_t i, j;

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char path[1024];
        json_error_t err;
        json_t *doc;
        const char *hit = NULL;

        snprintf(path, sizeof(path), "%s", FIXTURE(""));
        snprintf(path + strlen(path), sizeof(path) - strlen(path), "%s", cases[i].file);
        doc = json_load_file(path, 0, &err);
        if (!doc)
            fail_msg("%s: %s", cases[i].file, err.text);
        for (j = 0; fbs_inventory_formats[j]; j++)
            if (fbs_inventory_formats[j]->match_json && fbs_inventory_formats[j]->match_json(doc)) {
                hit = fbs_inventory_formats[j]->name;
                break;
            }
        json_decref(doc);
        if (!hit || strcmp(hit, cases[i].format))
            fail_msg("%s: read as %s, expected %s", cases[i].file, hit ? hit : "nothing",
                     cases[i].format);
    }
}

/* A run over several files: the failing ones are error diagnostics naming them; others count. */
static void test_inventory__scan_continues(void **state)
{
    static const char *const files[] = {
        FIXTURE("gcp_keys.json"),
        FIXTURE("bad/malformed.json"),
        FIXTURE("bad/unknown.json"),
        FIXTURE("does-not-exist.json"),
        FIXTURE("vault_root_lookup.json"),
        FIXTURE("bad/vault_accessor_list.json"),
        FIXTURE("bad/text.txt"),
        FIXTURE("bad"),
        FIXTURE("aws_credential_report.csv"),
        NULL,
    };
    struct inv_run r;
    size_t i;

    (void)state;
    inv_load(&r, files);
    /* The Vault root token, and the credential report's records (it is read: AWS is built in). */
    assert_true(r.set.records.len > 2);
    assert_int_equal(inv_diags(&r, "inventory_malformed", true), 1);
    assert_int_equal(inv_diags(&r, "inventory_unknown_format", true), 3);
    assert_int_equal(inv_diags(&r, "inventory_unreadable", true), 2);
    assert_int_equal(atomic_load(&r.stats.errors), 6);
    assert_non_null(strstr(inv_diag_message(&r, "inventory_malformed"), "line 4, column 32"));
    for (i = 0; i < r.diags.items.len; i++) {
        const struct fbs_diag *d = r.diags.items.items[i];

        if (d->error)
            assert_non_null(d->path); /* every failure names its file */
    }
    inv_end(&r);
}

/* A file over the size limit is refused before it is parsed. */
static void test_inventory__size_limit(void **state)
{
    struct inv_run r;

    (void)state;
    inv_begin(&r);
    assert_int_equal(fbs_inventory_add_file(&r.set, FIXTURE("gcp_keys.json"), 100), FBS_EIO);
    assert_non_null(strstr(fbs_error_message(), "larger than 100 bytes"));
    assert_int_equal(fbs_inventory_add_file(&r.set, FIXTURE("bad/text.txt"), 16),
                     FBS_EUNSUPPORTED); /* exactly the limit is fine */
    inv_end(&r);
}

/* Running out of memory anywhere is FBS_ENOMEM, never a crash or a leak. */
static void test_inventory__alloc_failures(void **state)
{
    static const char *const files[] = {
        FIXTURE("k8s_secrets.json"),          FIXTURE("k8s_clusterrolebindings.json"),
        FIXTURE("azure_applications.json"),   FIXTURE("gcp_keys_api.json"),
        FIXTURE("gcp_service_accounts.json"), FIXTURE("gcp_iam_policy.json"),
        FIXTURE("vault_lookups.jsonl"),       NULL};
    long n;

    (void)state;
    fbs_test_use_failing_alloc();
    for (n = 0; n < 400; n++) {
        struct fbs_stats stats;
        struct fbs_diags diags;
        struct fbs_cloud_set set;
        int rc;

        fbs_stats_init(&stats);
        assert_int_equal(fbs_diags_init(&diags, &stats, true), 0);
        fbs_test_fail_allocs_after(n);
        rc = fbs_cloud_set_init(&set, &diags);
        if (rc == 0) {
            rc = fbs_inventory_scan(&set, files, 7, 0);
            if (rc == 0)
                rc = fbs_cloud_set_finish(&set);
            assert_true(rc == 0 || rc == FBS_ENOMEM);
            fbs_cloud_set_release(&set);
        }
        fbs_test_fail_allocs_after(-1);
        fbs_diags_release(&diags);
        if (rc == 0)
            break;
    }
    assert_true(n < 400);
    fbs_test_use_cmocka_alloc();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_inventory__recognition),
        cmocka_unit_test(test_inventory__fixtures_formats),
        cmocka_unit_test(test_inventory__scan_continues),
        cmocka_unit_test(test_inventory__size_limit),
        cmocka_unit_test(test_inventory__alloc_failures),
    };

    fbs_test_use_cmocka_alloc();
    return cmocka_run_group_tests(tests, NULL, NULL);
}
