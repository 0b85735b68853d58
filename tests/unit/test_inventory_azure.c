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

/* Load fixtures with the scan's reference time set (role conditions are read against it). */
static void load_at(struct inv_run *r, const char *const *files)
{
    size_t n = 0;

    inv_begin(r);
    r->set.now = inv_time("2025-06-01T00:00:00Z");
    while (files[n])
        n++;
    assert_int_equal(fbs_inventory_scan(&r->set, files, n, 0), 0);
    assert_int_equal(fbs_cloud_set_finish(&r->set), 0);
}

static const char *evidence(const struct fbs_finding *f, size_t i)
{
    return json_string_value(json_array_get(json_object_get(f->facts, "privilege_evidence"), i));
}

#define SP_LEGACY                                                                                  \
    GRAPH "servicePrincipals/9f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a/passwordCredentials/"            \
          "a0b1c2d3-e4f5-4607-8819-2a3b4c5d6e7f"
#define REPORTING                                                                                  \
    GRAPH "applications/1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d/passwordCredentials/"                 \
          "7b8c9d0e-1f2a-4b3c-9d4e-5f6a7b8c9d0e"
#define PAYMENTS GRAPH APP "/passwordCredentials/5e6f7a8b-9c0d-4e1f-a2b3-c4d5e6f70819"

/*
 * az role assignment list --all, az role definition list and the Graph directory roles: each
 * principal's roles decide its privilege, whatever its names (the payments app's "owner:" tag).
 */
static void test_inventory_azure__role_assignments(void **state)
{
    static const char *const files[] = {FIXTURE("azure_role_assignments.json"),
                                        FIXTURE("azure_applications.json"),
                                        FIXTURE("azure_service_principals.json"),
                                        FIXTURE("azure_role_definitions.json"),
                                        FIXTURE("azure_directory_roles.json"),
                                        FIXTURE("azure_app_credentials.json"),
                                        NULL};
    struct inv_run r;
    struct fbs_finding *f;
    const json_t *roles;

    (void)state;
    load_at(&r, files);
    assert_int_equal(inv_diags(&r, NULL, true), 0);
    assert_int_equal(r.set.records.len, 5);
    /* A custom role allowed to write role assignments, on a management group. */
    f = inv_find(&r, PAYMENTS);
    assert_int_equal(f->privilege, FBS_PRIV_HIGH);
    assert_string_equal(evidence(f, 0),
                        "service principal payments-emergency-access has Break Glass Operator on "
                        "management group acme-root (Azure RBAC: Microsoft.Authorization/"
                        "roleAssignments/write: it can grant roles)");
    assert_string_equal(json_string_value(json_object_get(f->facts, "privilege_from")),
                        "policy_evaluation");
    roles = json_object_get(json_object_get(f->facts, "azure"), "roles");
    assert_int_equal(json_array_size(roles), 1);
    assert_string_equal(json_string_value(json_object_get(json_array_get(roles, 0), "source")),
                        "rbac");
    /* Its certificate is the same principal's. */
    f = inv_find(&r, GRAPH APP "/keyCredentials/c4d5e6f7-0819-4a2b-8c3d-4e5f60718293");
    assert_int_equal(f->privilege, FBS_PRIV_HIGH);
    /* Reader on a resource group and Global Reader in the directory: read-only. */
    f = inv_find(&r, REPORTING);
    assert_int_equal(f->privilege, FBS_PRIV_NORMAL);
    assert_string_equal(evidence(f, 0),
                        "service principal reporting-api has only non-administrative roles: "
                        "Reader on resource group rg-reports (subscription "
                        "0b1c2d3e-4f5a-4b6c-8d7e-9f0a1b2c3d4e), Global Reader on the whole "
                        "directory");
    /* A directory role that may add credentials to applications. */
    f = inv_find(&r, SP_LEGACY);
    assert_int_equal(f->privilege, FBS_PRIV_HIGH);
    assert_true(inv_evidence_has(f, "has the directory role Application Administrator on the "
                                    "whole directory (Entra ID: microsoft.directory/applications/"
                                    "credentials/update"));
    /* A bare credential list names no application: nothing to join. */
    f = inv_find(&r, GRAPH "applications/unknown/passwordCredentials/"
                           "0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0");
    assert_int_equal(f->privilege, FBS_PRIV_UNKNOWN);
    assert_true(inv_evidence_has(f, "does not name the credential's application"));
    inv_end(&r);
}

/*
 * Assignments without definitions: built-in names decide (Reader is read-only), a custom role is
 * unknown; a principal with no assignment is normal once assignments were read; no assignment
 * data at all leaves the privilege unknown, as before.
 */
static void test_inventory_azure__assignments_only(void **state)
{
    static const char *const with[] = {FIXTURE("azure_applications.json"),
                                       FIXTURE("azure_service_principals.json"),
                                       FIXTURE("azure_role_assignments.json"), NULL};
    static const char *const without[] = {FIXTURE("azure_applications.json"),
                                          FIXTURE("azure_service_principals.json"), NULL};
    struct inv_run r;
    struct fbs_finding *f;

    (void)state;
    load_at(&r, with);
    f = inv_find(&r, PAYMENTS);
    assert_int_equal(f->privilege, FBS_PRIV_UNKNOWN);
    assert_string_equal(evidence(f, 0),
                        "service principal payments-emergency-access has Break Glass Operator on "
                        "management group acme-root (Azure RBAC: its definition was not read)");
    assert_null(json_object_get(f->facts, "privilege_from"));
    f = inv_find(&r, REPORTING);
    assert_int_equal(f->privilege, FBS_PRIV_NORMAL);
    f = inv_find(&r, SP_LEGACY);
    assert_int_equal(f->privilege, FBS_PRIV_NORMAL);
    assert_string_equal(evidence(f, 0),
                        "service principal legacy-sync has no role assignment in the Azure RBAC "
                        "role assignments read (directory roles not read)");
    inv_end(&r);

    load_at(&r, without);
    f = inv_find(&r, SP_LEGACY);
    assert_int_equal(f->privilege, FBS_PRIV_UNKNOWN);
    assert_null(json_object_get(f->facts, "privilege_evidence"));
    inv_end(&r);
}

/* Role definitions are evaluated from their permissions; directory roles too. */
static void test_inventory_azure__role_evaluation(void **state)
{
    static const char defs[] =
        "{\"value\": ["
        " {\"name\": \"d1\", \"properties\": {\"roleName\": \"Contributor\", \"permissions\": "
        "[{\"actions\": [\"*\"], \"notActions\": [\"Microsoft.Authorization/*/Write\"]}]}},"
        " {\"name\": \"d2\", \"properties\": {\"roleName\": \"Vault ops\", \"permissions\": "
        "[{\"actions\": [\"Microsoft.KeyVault/*\"]}]}},"
        " {\"name\": \"d3\", \"properties\": {\"roleName\": \"Not quite\", \"permissions\": "
        "[{\"actions\": [\"Microsoft.Authorization/roleAssignments/write\", "
        "\"Microsoft.Compute/virtualMachines/start/action\"], \"notActions\": "
        "[\"microsoft.authorization/roleassignments/write\"]}]}},"
        " {\"name\": \"d4\", \"properties\": {\"roleName\": \"Reads\", \"permissions\": "
        "[{\"actions\": [\"*/read\"]}]}}]}";
    static const char *const want[][3] = {
        {"d1", "high", "all actions (*)"},
        {"d2", "high", "Microsoft.KeyVault/*: every action of Microsoft.KeyVault"},
        {"d3", "normal", "no role-assignment or full-control action"},
        {"d4", "normal", "read-only"},
    };
    static const char dir[] =
        "{\"value\": [{\"principalId\": \"p1\", \"roleDefinitionId\": \"c1\", "
        "\"directoryScopeId\": \"/administrativeUnits/au1\", \"roleDefinition\": {\"displayName\": "
        "\"Custom role admin\", \"rolePermissions\": [{\"allowedResourceActions\": "
        "[\"microsoft.directory/roleAssignments/allProperties/update\"]}]}},"
        " {\"principalId\": \"p2\", \"roleDefinitionId\": \"62e90394-69f5-4237-9190-012177145e10\","
        " \"directoryScopeId\": \"/\"}]}";
    struct inv_run r;
    const json_t *d;
    json_t *doc;
    size_t i;

    (void)state;
    inv_begin(&r);
    doc = json_loads(defs, 0, NULL);
    assert_non_null(doc);
    assert_int_equal(fbs_azure_add_role_definitions(&r.set, doc, NULL), 0);
    json_decref(doc);
    for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
        d = json_object_get(r.set.azure_role_defs, want[i][0]);
        assert_string_equal(json_string_value(json_object_get(d, "level")), want[i][1]);
        assert_string_equal(json_string_value(json_object_get(d, "why")), want[i][2]);
    }
    doc = json_loads(dir, 0, NULL);
    assert_non_null(doc);
    assert_int_equal(fbs_azure_add_directory_roles(&r.set, doc, NULL), 0);
    json_decref(doc);
    d = json_object_get(r.set.azure_role_defs, "dir:c1");
    assert_string_equal(json_string_value(json_object_get(d, "level")), "high");
    assert_true(r.set.azure_read == FBS_AZURE_DIRECTORY);
    assert_int_equal(json_object_size(r.set.azure_assignments), 2);
    /* Malformed documents and items. */
    doc = json_loads("{\"value\": [{\"principalId\": \"p\"}]}", 0, NULL);
    assert_int_equal(fbs_azure_add_role_assignments(&r.set, doc, NULL), 0);
    assert_int_equal(inv_diags(&r, "inventory_item", true), 1);
    json_decref(doc);
    doc = json_loads("{\"value\": 3}", 0, NULL);
    assert_int_equal(fbs_azure_add_role_definitions(&r.set, doc, NULL), FBS_EPARSE);
    json_decref(doc);
    inv_end(&r);
}

static void test_inventory_azure__roles_alloc_failures(void **state)
{
    static const char *const files[] = {
        FIXTURE("azure_role_assignments.json"),   FIXTURE("azure_applications.json"),
        FIXTURE("azure_service_principals.json"), FIXTURE("azure_role_definitions.json"),
        FIXTURE("azure_directory_roles.json"),    NULL};
    long n;

    (void)state;
    fbs_test_use_failing_alloc();
    for (n = 0; n < 2000; n++) {
        struct fbs_stats stats;
        struct fbs_diags diags;
        struct fbs_cloud_set set;
        int rc;

        fbs_stats_init(&stats);
        assert_int_equal(fbs_diags_init(&diags, &stats, true), 0);
        fbs_test_fail_allocs_after(n);
        rc = fbs_cloud_set_init(&set, &diags);
        if (rc == 0) {
            rc = fbs_inventory_scan(&set, files, 5, 0);
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
    assert_true(n < 2000);
    fbs_test_use_cmocka_alloc();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_inventory_azure__applications),
        cmocka_unit_test(test_inventory_azure__service_principals),
        cmocka_unit_test(test_inventory_azure__bare_credentials),
        cmocka_unit_test(test_inventory_azure__builders),
        cmocka_unit_test(test_inventory_azure__role_assignments),
        cmocka_unit_test(test_inventory_azure__assignments_only),
        cmocka_unit_test(test_inventory_azure__role_evaluation),
        cmocka_unit_test(test_inventory_azure__roles_alloc_failures),
    };

    fbs_test_use_cmocka_alloc();
    return cmocka_run_group_tests(tests, NULL, NULL);
}
