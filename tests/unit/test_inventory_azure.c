/* test_inventory_azure.c - cloud/inv_azure.c: Graph applications, service principals, bare lists.
 */
#include "unit/inventory_support.h"

#include "scanner/core/banned.h"

#define GRAPH "https://graph.microsoft.com/v1.0/"
#define APP   "applications/8b2f6a31-3c4d-4e5f-9a0b-1c2d3e4f5a6b"

/* A client secret valid two years, and a certificate, on an application. */
static void test_inventory_azure__applications(void **state)
{
    static const char *const files[] = {FIXTURE("azure_applications.json"), NULL};
    struct inv_run r;
    struct fbs_finding *f;

    (void)state;
    inv_load(&r, files);
    assert_int_equal(r.set.records.len, 3);
    assert_int_equal(inv_diags(&r, NULL, true), 0);

    f = inv_find(&r, GRAPH APP "/passwordCredentials/5e6f7a8b-9c0d-4e1f-a2b3-c4d5e6f70819");
    assert_int_equal(f->source, FBS_SOURCE_AZURE);
    assert_string_equal(f->kind, "azure_client_secret");
    assert_string_equal(f->rule_id, "azure.ad.client_secret");
    assert_string_equal(f->secret, "5e6f7a8b-9c0d-4e1f-a2b3-c4d5e6f70819");
    assert_string_equal(f->key, "payments-emergency-access");
    assert_true(f->has_issued && f->has_expires);
    assert_true(f->issued == inv_time("2024-02-01T00:00:00Z"));
    assert_true(f->expires == inv_time("2026-02-01T00:00:00Z"));
    assert_int_equal(fbs_time_days_between(f->issued, f->expires), 731); /* two years */
    assert_string_equal(json_string_value(json_object_get(f->facts, "expires_from")),
                        "azure_graph");
    assert_non_null(strstr(f->names, "emergency secret"));
    assert_non_null(strstr(f->names, "Break-glass app registration"));
    assert_non_null(strstr(f->names, "tier0"));
    assert_string_equal(inv_fact(f, "azure", "object_type"), "application");
    assert_string_equal(inv_fact(f, "azure", "app_id"), "00a1b2c3-d4e5-46f7-8899-aabbccddeeff");
    assert_int_equal(f->active, 1);
    assert_int_equal(f->privilege, FBS_PRIV_UNKNOWN);
    assert_false(f->interactive);

    f = inv_find(&r, GRAPH APP "/keyCredentials/c4d5e6f7-0819-4a2b-8c3d-4e5f60718293");
    assert_string_equal(f->kind, "azure_certificate_credential");
    assert_string_equal(inv_fact(f, "azure", "type"), "AsymmetricX509Cert");
    assert_string_equal(inv_fact(f, "azure", "usage"), "Verify");

    /* Seven-digit fractions, as Graph writes them. */
    f = inv_find(&r, GRAPH "applications/1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d/passwordCredentials/"
                           "7b8c9d0e-1f2a-4b3c-9d4e-5f6a7b8c9d0e");
    assert_true(f->expires == inv_time("2025-08-01T00:00:00Z"));

    /* The hint (the secret's first characters) is never kept. */
    inv_assert_absent(&r, "Xk~");
    inv_assert_absent(&r, "q8Q");
    inv_end(&r);
}

/* A disabled service principal's credentials are inactive; SP resources use their collection. */
static void test_inventory_azure__service_principals(void **state)
{
    static const char *const files[] = {FIXTURE("azure_service_principals.json"), NULL};
    struct inv_run r;
    struct fbs_finding *f;

    (void)state;
    inv_load(&r, files);
    assert_int_equal(r.set.records.len, 1);
    f = inv_find(&r, GRAPH "servicePrincipals/9f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a/"
                           "passwordCredentials/a0b1c2d3-e4f5-4607-8819-2a3b4c5d6e7f");
    assert_int_equal(f->active, 0);
    assert_string_equal(inv_fact(f, "azure", "object_type"), "service_principal");
    assert_true(f->expires == inv_time("2299-12-31T00:00:00Z"));
    inv_end(&r);
}

/* `az ad app credential list`: the owner is not in the export. */
static void test_inventory_azure__bare_credentials(void **state)
{
    static const char *const files[] = {FIXTURE("azure_app_credentials.json"), NULL};
    struct inv_run r;
    struct fbs_finding *f;

    (void)state;
    inv_load(&r, files);
    assert_int_equal(r.set.records.len, 1);
    f = inv_find(&r, GRAPH "applications/unknown/passwordCredentials/"
                           "0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0");
    assert_null(f->key);
    assert_string_equal(f->names, "breakglass");
    assert_true(f->issued == inv_time("2025-03-01T08:30:00Z"));
    inv_assert_absent(&r, "7yT");
    inv_end(&r);
}

/* Direct builder calls: malformed credentials are item diagnostics; a bad date too. */
static void test_inventory_azure__builders(void **state)
{
    static const char page[] =
        "{\"value\": [{\"id\": \"o1\", \"displayName\": \"a\", \"passwordCredentials\": ["
        "  {\"displayName\": \"no key id\"},"
        "  {\"keyId\": \"k2\", \"endDateTime\": \"soon\"},"
        "  {\"keyId\": \"k3\", \"endDateTime\": \"2030-01-01T00:00:00Z\"}],"
        " \"keyCredentials\": \"oops\"},"
        " {\"displayName\": \"no ids\", \"passwordCredentials\": []}],"
        " \"@odata.nextLink\": \"https://graph.microsoft.com/v1.0/applications?$skiptoken=x\"}";
    struct inv_run r;
    json_t *doc;

    (void)state;
    inv_begin(&r);
    doc = json_loads(page, 0, NULL);
    assert_non_null(doc);
    assert_int_equal(fbs_azure_add_objects(&r.set, doc, NULL), 0);
    json_decref(doc);
    assert_int_equal(r.set.records.len, 1);
    assert_int_equal(inv_diags(&r, "inventory_item", true), 4);
    doc = json_loads("{\"value\": 1}", 0, NULL);
    assert_int_equal(fbs_azure_add_credentials(&r.set, doc, NULL), FBS_EPARSE);
    json_decref(doc);
    inv_end(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_inventory_azure__applications),
        cmocka_unit_test(test_inventory_azure__service_principals),
        cmocka_unit_test(test_inventory_azure__bare_credentials),
        cmocka_unit_test(test_inventory_azure__builders),
    };

    fbs_test_use_cmocka_alloc();
    return cmocka_run_group_tests(tests, NULL, NULL);
}
