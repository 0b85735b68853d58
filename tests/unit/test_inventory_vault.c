/* test_inventory_vault.c - cloud/inv_vault.c: token lookups, root tokens, many documents. */
#include "unit/inventory_support.h"

#include "scanner/core/banned.h"

/* A root token with ttl 0: no expiry, high privilege, the "root token" fallback indicator. */
static void test_inventory_vault__root_token(void **state)
{
    static const char *const files[] = {FIXTURE("vault_root_lookup.json"), NULL};
    struct inv_run r;
    struct fbs_finding *f;

    (void)state;
    inv_load(&r, files);
    assert_int_equal(r.set.records.len, 1);
    f = inv_find(&r, "vault://vault/auth/token/accessors/Xy7kPq2RsT9uVw3LmN5oBc1D");
    assert_int_equal(f->source, FBS_SOURCE_VAULT);
    assert_string_equal(f->kind, "vault_token");
    assert_string_equal(f->rule_name, "Vault root token");
    assert_string_equal(f->secret, "Xy7kPq2RsT9uVw3LmN5oBc1D");
    assert_string_equal(f->key, "root");
    assert_int_equal(f->privilege, FBS_PRIV_HIGH);
    assert_true(inv_evidence_has(f, "root policy"));
    assert_int_equal(f->nindicators, 1);
    assert_string_equal(f->indicators[0].term, "root token");
    assert_string_equal(f->indicators[0].where, "content");
    assert_true(f->indicators[0].weight == 1.0);
    assert_false(f->has_expires);
    assert_true(json_is_true(json_object_get(f->facts, "no_expiry")));
    assert_true(f->has_issued);
    assert_true(f->issued == inv_time("2024-03-01T08:00:00Z"));
    assert_false(f->has_last_used);
    /* The token itself is never kept. */
    inv_assert_absent(&r, "hvs.FAKEROOTTOKEN");
    inv_end(&r);
}

/* JSON Lines of accessor lookups; a batch token (no accessor) is skipped; addresses. */
static void test_inventory_vault__lookups_stream(void **state)
{
    static const char *const files[] = {FIXTURE("vault_lookups.jsonl"), NULL};
    struct inv_run r;
    struct fbs_finding *f;

    (void)state;
    inv_begin(&r);
    r.set.vault_addr = "https://vault.acme.example:8200/";
    assert_int_equal(fbs_inventory_scan(&r.set, files, 1, 0), 0);
    assert_int_equal(fbs_cloud_set_finish(&r.set), 0);
    assert_int_equal(r.set.records.len, 2);
    assert_int_equal(inv_diags(&r, NULL, true), 0);
    f = inv_find(&r,
                 "vault://vault.acme.example:8200/auth/token/accessors/Ab1Cd2Ef3Gh4Ij5Kl6Mn7Op8");
    assert_int_equal(f->privilege, FBS_PRIV_UNKNOWN); /* ops-admin: a name, not a known grant */
    assert_true(f->has_expires);
    assert_true(f->expires == inv_time("2025-02-02T00:00:00Z"));
    assert_true(f->issued == inv_time("2025-01-01T00:00:00Z"));
    assert_non_null(strstr(f->names, "token-breakglass-oncall"));
    assert_non_null(strstr(f->names, "emergency"));
    assert_non_null(strstr(f->names, "INC-4411"));
    assert_int_equal(f->nindicators, 0);
    f = inv_find(&r,
                 "vault://vault.acme.example:8200/auth/token/accessors/Zz9Yy8Xx7Ww6Vv5Uu4Tt3Ss2");
    assert_int_equal(f->privilege, FBS_PRIV_NORMAL); /* default policy only */
    assert_true(f->has_expires);                     /* ttl 0 but an expire_time: it has expired */
    inv_end(&r);
}

/* An array of lookups; a self lookup's token is wiped from the caller's document. */
static void test_inventory_vault__array_and_wipe(void **state)
{
    static const char text[] =
        "[{\"data\": {\"accessor\": \"acc1\", \"id\": \"hvs.SELFTOKEN\", \"policies\": [\"root\"],"
        "  \"creation_time\": 1700000000, \"expire_time\": null, \"ttl\": 0}},"
        " {\"accessor\": \"acc2\", \"policies\": [\"default\"], \"issue_time\": \"2024-01-01\","
        "  \"expire_time\": \"never\", \"ttl\": 5},"
        " \"junk\","
        " {\"data\": {\"policies\": [], \"ttl\": 0}}]";
    struct inv_run r;
    json_t *doc;

    (void)state;
    inv_begin(&r);
    doc = json_loads(text, 0, NULL);
    assert_non_null(doc);
    assert_int_equal(fbs_vault_add_lookups(&r.set, doc, NULL), 0);
    assert_int_equal(json_string_value(
                         json_object_get(json_object_get(json_array_get(doc, 0), "data"), "id"))[0],
                     '\0');
    json_decref(doc);
    assert_int_equal(r.set.records.len, 1);
    /* acc2's bad expire_time, "junk" and the accessor-less lookup. */
    assert_int_equal(inv_diags(&r, "inventory_item", true), 3);
    inv_assert_absent(&r, "SELFTOKEN");
    inv_end(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_inventory_vault__root_token),
        cmocka_unit_test(test_inventory_vault__lookups_stream),
        cmocka_unit_test(test_inventory_vault__array_and_wipe),
    };

    fbs_test_use_cmocka_alloc();
    return cmocka_run_group_tests(tests, NULL, NULL);
}
