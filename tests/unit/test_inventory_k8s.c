/* test_inventory_k8s.c - cloud/inv_k8s.c: service account token Secrets, cluster-admin joins. */
#include "unit/inventory_support.h"

#include "scanner/core/banned.h"

#define RES_BG   "k8s://cluster/namespaces/kube-system/secrets/breakglass-admin-token"
#define RES_PROM "k8s://cluster/namespaces/monitoring/secrets/prometheus-token-x7k2p"

/* Only service account token Secrets become records; their data never leaves the parser. */
static void test_inventory_k8s__secrets(void **state)
{
    static const char *const files[] = {FIXTURE("k8s_secrets.json"), NULL};
    struct inv_run r;
    struct fbs_finding *f;

    (void)state;
    inv_load(&r, files);
    assert_int_equal(r.set.records.len, 2);
    assert_int_equal(inv_diags(&r, NULL, true), 0);
    f = inv_find(&r, RES_BG);
    assert_int_equal(f->source, FBS_SOURCE_KUBERNETES);
    assert_string_equal(f->kind, "kubernetes_service_account_token");
    assert_string_equal(f->secret, "0d9c8b7a-6f5e-4d3c-2b1a-0f9e8d7c6b5a");
    assert_string_equal(f->key, "breakglass-admin");
    assert_true(f->issued == inv_time("2023-04-11T07:20:31Z"));
    assert_true(f->has_last_used);
    assert_true(f->last_used == inv_time("2025-05-30"));
    assert_false(f->has_expires);
    assert_true(json_is_true(json_object_get(f->facts, "no_expiry")));
    assert_int_equal(f->active, 1);
    assert_int_equal(f->privilege, FBS_PRIV_UNKNOWN); /* no bindings given */
    assert_non_null(strstr(f->names, "breakglass-admin-token"));
    assert_non_null(strstr(f->names, "emergency cluster access"));
    assert_string_equal(inv_fact(f, "kubernetes", "namespace"), "kube-system");
    /* The cleaner invalidated the other token. */
    f = inv_find(&r, RES_PROM);
    assert_int_equal(f->active, 0);
    assert_string_equal(inv_fact(f, "kubernetes", "invalid_since"), "2024-01-15");
    /* Token data (raw or base64) and the applied manifest are not anywhere in the records. */
    inv_assert_absent(&r, "RkFLRS1LOFMtVE9LRU4tMDAwMQ==");
    inv_assert_absent(&r, "FAKE-K8S-TOKEN");
    inv_assert_absent(&r, "FAKE-APPLIED-TOKEN");
    inv_assert_absent(&r, "FAKE-DB-PASSWORD");
    inv_end(&r);
}

/* A legacy token of a service account bound to cluster-admin is high privilege, in any order. */
static void test_inventory_k8s__cluster_admin_join(void **state)
{
    static const char *const orders[][3] = {
        {FIXTURE("k8s_secrets.json"), FIXTURE("k8s_clusterrolebindings.json"), NULL},
        {FIXTURE("k8s_clusterrolebindings.json"), FIXTURE("k8s_secrets.json"), NULL},
    };
    size_t i;

    (void)state;
    for (i = 0; i < 2; i++) {
        struct inv_run r;
        struct fbs_finding *f;

        inv_load(&r, orders[i]);
        f = inv_find(&r, RES_BG);
        assert_int_equal(f->privilege, FBS_PRIV_HIGH);
        assert_true(inv_evidence_has(f, "breakglass-cluster-admin"));
        assert_true(inv_evidence_has(f, "cluster-admin"));
        f = inv_find(&r, RES_PROM);
        assert_int_equal(f->privilege, FBS_PRIV_UNKNOWN);
        inv_end(&r);
    }
}

/* Group and user subjects; typed lists whose items carry no kind; a cluster name. */
static void test_inventory_k8s__subjects_and_typed_lists(void **state)
{
    static const char bindings[] =
        "{\"kind\": \"ClusterRoleBindingList\", \"apiVersion\": \"rbac.authorization.k8s.io/v1\","
        " \"items\": ["
        "  {\"metadata\": {\"name\": \"ns-all\"},"
        "   \"roleRef\": {\"kind\": \"ClusterRole\", \"name\": \"admin\"},"
        "   \"subjects\": [{\"kind\": \"Group\", \"name\": \"system:serviceaccounts:ops\"}]},"
        "  {\"metadata\": {\"name\": \"as-user\"},"
        "   \"roleRef\": {\"kind\": \"ClusterRole\", \"name\": \"cluster-admin\"},"
        "   \"subjects\": [{\"kind\": \"User\", \"name\": \"system:serviceaccount:ci:deployer\"}]},"
        "  {\"metadata\": {\"name\": \"view\"},"
        "   \"roleRef\": {\"kind\": \"ClusterRole\", \"name\": \"view\"},"
        "   \"subjects\": [{\"kind\": \"Group\", \"name\": \"system:serviceaccounts\"}]},"
        "  {\"metadata\": {\"name\": \"broken\"}}]}";
    static const char secrets[] =
        "{\"kind\": \"SecretList\", \"apiVersion\": \"v1\", \"items\": ["
        "  {\"metadata\": {\"name\": \"t1\", \"namespace\": \"ops\", \"annotations\":"
        "    {\"kubernetes.io/service-account.name\": \"anyone\"}},"
        "   \"type\": \"kubernetes.io/service-account-token\", \"data\": {\"token\": "
        "\"c2VjcmV0\"}},"
        "  {\"metadata\": {\"name\": \"t2\", \"namespace\": \"ci\", \"annotations\":"
        "    {\"kubernetes.io/service-account.name\": \"deployer\"}},"
        "   \"type\": \"kubernetes.io/service-account-token\"},"
        "  {\"metadata\": {\"name\": \"t3\", \"namespace\": \"web\", \"annotations\":"
        "    {\"kubernetes.io/service-account.name\": \"default\"}},"
        "   \"type\": \"kubernetes.io/service-account-token\"},"
        "  {\"metadata\": {\"name\": \"t4\"}, \"type\": \"kubernetes.io/service-account-token\"}]}";
    struct inv_run r;
    struct fbs_finding *f;
    json_t *doc;

    (void)state;
    inv_begin(&r);
    r.set.k8s_cluster = "prod-eu";
    doc = json_loads(bindings, 0, NULL);
    assert_non_null(doc);
    assert_int_equal(fbs_k8s_add_objects(&r.set, doc, "crb.json"), 0);
    json_decref(doc);
    doc = json_loads(secrets, 0, NULL);
    assert_non_null(doc);
    assert_int_equal(fbs_k8s_add_objects(&r.set, doc, "secrets.json"), 0);
    /* The caller's document has its secret data wiped. */
    assert_int_equal(
        json_string_value(json_object_get(
            json_object_get(json_array_get(json_object_get(doc, "items"), 0), "data"), "token"))[0],
        '\0');
    json_decref(doc);
    assert_int_equal(fbs_cloud_set_finish(&r.set), 0);
    assert_int_equal(r.set.records.len, 3);
    assert_int_equal(inv_diags(&r, "inventory_item", true), 2); /* "broken", t4 */
    f = inv_find(&r, "k8s://prod-eu/namespaces/ops/secrets/t1");
    assert_int_equal(f->privilege, FBS_PRIV_HIGH);
    assert_true(inv_evidence_has(f, "every service account in namespace ops"));
    assert_string_equal(f->secret, "ops/t1"); /* no uid: namespace/name */
    f = inv_find(&r, "k8s://prod-eu/namespaces/ci/secrets/t2");
    assert_int_equal(f->privilege, FBS_PRIV_HIGH);
    assert_true(inv_evidence_has(f, "system:serviceaccount:ci:deployer"));
    f = inv_find(&r, "k8s://prod-eu/namespaces/web/secrets/t3");
    assert_int_equal(f->privilege, FBS_PRIV_UNKNOWN); /* bound to view only */
    inv_end(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_inventory_k8s__secrets),
        cmocka_unit_test(test_inventory_k8s__cluster_admin_join),
        cmocka_unit_test(test_inventory_k8s__subjects_and_typed_lists),
    };

    fbs_test_use_cmocka_alloc();
    return cmocka_run_group_tests(tests, NULL, NULL);
}
