/* test_inventory_k8s.c - cloud/inv_k8s.c, inv_k8s_rbac.c: token Secrets, bootstrap tokens, RBAC. */
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

#define RBAC_FILES                                                                                 \
    FIXTURE("k8s_rbac_secrets.json"), FIXTURE("k8s_rbac_roles.json"),                              \
        FIXTURE("k8s_rbac_clusterroles.json")
#define RES(ns, name) "k8s://cluster/namespaces/" ns "/secrets/" name

/* Privilege decided by each bound role's rules, whatever the names, with the scope said. */
static void test_inventory_k8s__rules_decide(void **state)
{
    static const char *const files[] = {RBAC_FILES, NULL};
    struct inv_run r;
    struct fbs_finding *f;

    (void)state;
    inv_load(&r, files);
    assert_int_equal(inv_diags(&r, NULL, true), 0);
    /* A custom ClusterRole that creates Deployments: cluster-wide workload creation. */
    f = inv_find(&r, RES("ci", "deployer-token"));
    assert_int_equal(f->privilege, FBS_PRIV_HIGH);
    assert_true(inv_evidence_has(f, "ClusterRoleBinding ci-deployer binds ClusterRole deployer to "
                                    "service account ci/deployer, cluster-wide: create workloads"));
    assert_string_equal(json_string_value(json_object_get(f->facts, "privilege_from")),
                        "policy_evaluation");
    /* A namespaced Role reading Secrets, through a RoleBinding whose subject has no namespace. */
    f = inv_find(&r, RES("payments", "vault-sync-token"));
    assert_int_equal(f->privilege, FBS_PRIV_HIGH);
    assert_true(inv_evidence_has(f,
                                 "RoleBinding payments/vault-sync binds Role "
                                 "payments/secret-reader to service account payments/vault-sync, "
                                 "in namespace payments: read Secrets"));
    /* impersonate counts even when limited to named users. */
    f = inv_find(&r, RES("kube-system", "emergency-impersonator-token"));
    assert_int_equal(f->privilege, FBS_PRIV_HIGH);
    assert_true(inv_evidence_has(f, "impersonate users, groups or service accounts"));
    /* An aggregated ClusterRole with no rules of its own: those of the roles it selects. */
    f = inv_find(&r, RES("platform", "platform-ops-token"));
    assert_int_equal(f->privilege, FBS_PRIV_HIGH);
    assert_true(inv_evidence_has(f, "every service account in namespace platform"));
    assert_true(inv_evidence_has(f, "nodes/proxy"));
    /* Read-only rules are normal: names play no part ("admin" in the account's name). */
    f = inv_find(&r, RES("ops", "breakglass-admin-reports-token"));
    assert_int_equal(f->privilege, FBS_PRIV_NORMAL);
    assert_true(inv_evidence_has(f, "(ClusterRole view) grant no access to Secrets"));
    f = inv_find(&r, RES("monitoring", "prometheus-token"));
    assert_int_equal(f->privilege, FBS_PRIV_NORMAL);
    /* No binding at all, and a binding to a Role that does not exist: nothing granted. */
    f = inv_find(&r, RES("web", "default-token"));
    assert_int_equal(f->privilege, FBS_PRIV_NORMAL);
    assert_true(inv_evidence_has(f, "no RoleBinding or ClusterRoleBinding grants service account "
                                    "web/default anything"));
    f = inv_find(&r, RES("tools", "orphan-token"));
    assert_int_equal(f->privilege, FBS_PRIV_NORMAL);
    assert_true(inv_evidence_has(f, "Role tools/deleted-role, which does not exist"));
    inv_assert_absent(&r, "FAKE-K8S-ESTATE-TOKEN");
    inv_end(&r);
}

/* Without the RoleBindings, a read-only ClusterRole does not make the account normal. */
static void test_inventory_k8s__incomplete_rbac_stays_unknown(void **state)
{
    static const char *const files[] = {FIXTURE("k8s_rbac_secrets.json"),
                                        FIXTURE("k8s_rbac_clusterroles.json"), NULL};
    struct inv_run r;
    struct fbs_finding *f;

    (void)state;
    inv_load(&r, files);
    f = inv_find(&r, RES("monitoring", "prometheus-token"));
    assert_int_equal(f->privilege, FBS_PRIV_UNKNOWN);
    assert_string_equal(inv_fact(f, "kubernetes", "rbac_incomplete"), "RoleBindings were not read");
    assert_int_equal(inv_find(&r, RES("ci", "deployer-token"))->privilege, FBS_PRIV_HIGH);
    assert_int_equal(inv_find(&r, RES("payments", "vault-sync-token"))->privilege,
                     FBS_PRIV_UNKNOWN);
    inv_end(&r);
}

/* Bootstrap tokens: the token id identifies them, the secret is never kept. */
static void test_inventory_k8s__bootstrap_tokens(void **state)
{
    static const char *const files[] = {RBAC_FILES, NULL};
    static const char *const alone[] = {FIXTURE("k8s_rbac_secrets.json"), NULL};
    struct inv_run r;
    struct fbs_finding *f;
    json_t *groups;

    (void)state;
    inv_load(&r, files);
    f = inv_find(&r, RES("kube-system", "bootstrap-token-abcdef"));
    assert_string_equal(f->kind, "kubernetes_bootstrap_token");
    assert_string_equal(f->secret, "abcdef");
    assert_string_equal(f->key, "system:bootstrap:abcdef");
    assert_false(f->has_expires);
    assert_true(json_is_true(json_object_get(f->facts, "no_expiry")));
    assert_int_equal(f->active, 1);
    assert_true(f->issued == inv_time("2024-01-10T08:00:00Z"));
    assert_int_equal(f->privilege, FBS_PRIV_NORMAL); /* node bootstrapping only */
    assert_non_null(strstr(f->names, "kubeadm init"));
    groups = json_object_get(json_object_get(f->facts, "kubernetes"), "groups");
    assert_string_equal(json_string_value(json_array_get(groups, 2)),
                        "system:bootstrappers:kubeadm:default-node-token");
    /* An extra group bound to cluster-admin; an expiration. */
    f = inv_find(&r, RES("kube-system", "bootstrap-token-brkgls"));
    assert_int_equal(f->privilege, FBS_PRIV_HIGH);
    assert_true(inv_evidence_has(f, "to group system:bootstrappers:breakglass, cluster-wide: "
                                    "every verb on every resource"));
    assert_true(f->has_expires);
    assert_true(f->expires == inv_time("2030-01-01T00:00:00Z"));
    assert_string_equal(json_string_value(json_object_get(f->facts, "expires_from")), "expiration");
    /* Expired; signing only (cannot authenticate: inactive). */
    f = inv_find(&r, RES("kube-system", "bootstrap-token-old123"));
    assert_true(f->expires == inv_time("2024-01-11T08:00:00Z"));
    f = inv_find(&r, RES("kube-system", "bootstrap-token-sign01"));
    assert_int_equal(f->active, 0);
    assert_non_null(inv_fact(f, "kubernetes", "cannot_authenticate"));
    /* token-secret, raw or base64, is nowhere. */
    inv_assert_absent(&r, "0123456789abcdef");
    inv_assert_absent(&r, "fedcba9876543210");
    inv_assert_absent(&r, "MDEyMzQ1Njc4OWFiY2RlZg");
    inv_end(&r);
    /* Without any RBAC export: kubeadm's default node group is node bootstrapping (normal);
     * another extra group is unknown. */
    inv_load(&r, alone);
    f = inv_find(&r, RES("kube-system", "bootstrap-token-abcdef"));
    assert_int_equal(f->privilege, FBS_PRIV_NORMAL);
    assert_true(inv_evidence_has(f, "kubeadm's node bootstrap group only"));
    assert_int_equal(inv_find(&r, RES("kube-system", "bootstrap-token-brkgls"))->privilege,
                     FBS_PRIV_UNKNOWN);
    inv_end(&r);
}

/* Bootstrap token Secrets the authenticator would not read, or without a token id. */
static void test_inventory_k8s__bootstrap_edge_cases(void **state)
{
    static const char doc[] =
        "{\"kind\": \"SecretList\", \"apiVersion\": \"v1\", \"items\": ["
        "  {\"metadata\": {\"name\": \"bootstrap-token-aaaaaa\", \"namespace\": \"default\"},"
        "   \"type\": \"bootstrap.kubernetes.io/token\", \"stringData\": {\"token-id\": \"aaaaaa\","
        "   \"token-secret\": \"SECRETSECRET0001\", \"usage-bootstrap-authentication\": \"true\"}},"
        "  {\"metadata\": {\"name\": \"my-join-token\", \"namespace\": \"kube-system\"},"
        "   \"type\": \"bootstrap.kubernetes.io/token\", \"stringData\": {\"token-id\": \"bbbbbb\","
        "   \"usage-bootstrap-authentication\": \"true\"}},"
        "  {\"metadata\": {\"name\": \"bootstrap-token-x\", \"namespace\": \"kube-system\"},"
        "   \"type\": \"bootstrap.kubernetes.io/token\", \"data\": {\"token-id\": \"!!!\"}},"
        "  {\"metadata\": {\"name\": \"bootstrap-token-cccccc\", \"namespace\": \"kube-system\"},"
        "   \"type\": \"bootstrap.kubernetes.io/token\", \"stringData\": {\"token-id\": \"cccccc\","
        "   \"usage-bootstrap-authentication\": \"true\", \"expiration\": \"soon\"}},"
        "  {\"metadata\": {\"name\": \"bootstrap-token-dddddd\", \"namespace\": \"kube-system\"},"
        "   \"type\": \"bootstrap.kubernetes.io/token\", \"stringData\": {\"token-id\": \"dddddd\","
        "   \"usage-bootstrap-authentication\": \"true\", \"auth-extra-groups\":"
        "   \"system:bootstrappers:ok, system:masters\"}}]}";
    struct inv_run r;
    struct fbs_finding *f;
    json_t *d = json_loads(doc, 0, NULL);

    (void)state;
    assert_non_null(d);
    inv_begin(&r);
    assert_int_equal(fbs_k8s_add_objects(&r.set, d, "s.json"), 0);
    json_decref(d);
    assert_int_equal(fbs_cloud_set_finish(&r.set), 0);
    assert_int_equal(r.set.records.len, 3);
    assert_int_equal(inv_diags(&r, "inventory_item", true), 2); /* no token-id; bad expiration */
    /* A group outside system:bootstrappers: makes the authenticator refuse the token. */
    f = inv_find(&r, "k8s://cluster/namespaces/kube-system/secrets/bootstrap-token-dddddd");
    assert_int_equal(f->active, 0);
    assert_non_null(strstr(inv_fact(f, "kubernetes", "cannot_authenticate"), "auth-extra-groups"));
    assert_int_equal(inv_find(&r, "k8s://cluster/namespaces/default/secrets/"
                                  "bootstrap-token-aaaaaa")
                         ->active,
                     0);
    assert_int_equal(
        inv_find(&r, "k8s://cluster/namespaces/kube-system/secrets/my-join-token")->active, 0);
    inv_assert_absent(&r, "SECRETSECRET0001");
    inv_end(&r);
}

/* A kubeconfig export: each client certificate is a record; system:masters needs no RBAC. */
static void test_inventory_k8s__kubeconfig_certificates(void **state)
{
    static const char *const files[] = {FIXTURE("k8s_kubeconfig.json"), RBAC_FILES, NULL};
    struct inv_run r;
    struct fbs_finding *f;

    (void)state;
    inv_load(&r, files);
    assert_int_equal(inv_diags(&r, NULL, true), 0);
    f = inv_find(&r, "k8s://prod/kubeconfig/users/breakglass-admin");
    assert_string_equal(f->kind, "kubernetes_client_certificate");
    assert_string_equal(f->secret, "5a17e0c0ffee01"); /* the serial number */
    assert_string_equal(f->key, "breakglass-admin");
    assert_int_equal(f->privilege, FBS_PRIV_HIGH);
    assert_true(inv_evidence_has(f, "O=system:masters"));
    assert_false(inv_evidence_has(f, "RoleBinding")); /* RBAC plays no part */
    assert_true(
        json_is_true(json_object_get(json_object_get(f->facts, "kubernetes"), "system_masters")));
    assert_true(f->issued == inv_time("2024-03-01T00:00:00Z"));
    assert_true(f->expires == inv_time("2034-03-01T00:00:00Z"));
    /* Another certificate: its O is a group that RBAC binds. */
    f = inv_find(&r, "k8s://prod/kubeconfig/users/ci-bot");
    assert_int_equal(f->privilege, FBS_PRIV_HIGH);
    assert_true(inv_evidence_has(f, "ClusterRoleBinding ci-deployers binds ClusterRole deployer "
                                    "to group ci-deployers, cluster-wide"));
    f = inv_find(&r, "k8s://prod/kubeconfig/users/auditor");
    assert_int_equal(f->privilege, FBS_PRIV_NORMAL);
    /* Three certificates, no record for the token user; keys and tokens never kept. */
    assert_int_equal(r.set.records.len, 12 + 3);
    inv_assert_absent(&r, "FAKE-KUBECONFIG");
    inv_assert_absent(&r, "LS0tLS1CRUdJTiBFQyBQUklWQVRFIEtFWS0tLS0t");
    inv_end(&r);
}

/* A kubeconfig exported without --raw, or with a certificate that is not one. */
static void test_inventory_k8s__kubeconfig_bad_users(void **state)
{
    static const char doc[] =
        "{\"kind\": \"Config\", \"apiVersion\": \"v1\", \"users\": ["
        "  {\"name\": \"a\", \"user\": {\"client-certificate-data\": \"DATA+OMITTED\","
        "   \"client-key-data\": \"DATA+OMITTED\"}},"
        "  {\"name\": \"b\", \"user\": {\"client-certificate-data\": \"bm90IGEgY2VydA==\","
        "   \"token\": \"SECRET-TOKEN-B\"}}]}";
    struct inv_run r;

    (void)state;
    inv_begin(&r);
    assert_int_equal(fbs_inventory_add_buffer(&r.set, "kc.json", doc, strlen(doc)), 0);
    assert_int_equal(fbs_cloud_set_finish(&r.set), 0);
    assert_int_equal(r.set.records.len, 0);
    assert_int_equal(inv_diags(&r, "inventory_item", true), 2);
    assert_non_null(strstr(inv_diag_message(&r, "inventory_item"), "kubectl config view --raw"));
    inv_end(&r);
}

/* Single exported objects say nothing about the objects not exported. */
static void test_inventory_k8s__single_objects(void **state)
{
    static const char *const docs[] = {
        "{\"apiVersion\": \"rbac.authorization.k8s.io/v1\", \"kind\": \"ClusterRole\","
        " \"metadata\": {\"name\": \"reader\"}, \"rules\": [{\"apiGroups\": [\"\"],"
        " \"resources\": [\"pods\"], \"verbs\": [\"get\"]}]}",
        "{\"apiVersion\": \"rbac.authorization.k8s.io/v1\", \"kind\": \"ClusterRoleBinding\","
        " \"metadata\": {\"name\": \"b1\"}, \"roleRef\": {\"kind\": \"ClusterRole\", \"name\":"
        " \"cluster-admin\"}, \"subjects\": [{\"kind\": \"ServiceAccount\", \"name\": \"a\","
        " \"namespace\": \"x\"}]}",
        "{\"apiVersion\": \"rbac.authorization.k8s.io/v1\", \"kind\": \"RoleBinding\","
        " \"metadata\": {\"name\": \"b2\", \"namespace\": \"x\"}, \"roleRef\": {\"kind\":"
        " \"ClusterRole\", \"name\": \"reader\"}, \"subjects\": [{\"kind\": \"ServiceAccount\","
        " \"name\": \"b\"}]}",
        "{\"kind\": \"SecretList\", \"apiVersion\": \"v1\", \"items\": ["
        "  {\"metadata\": {\"name\": \"ta\", \"namespace\": \"x\", \"annotations\":"
        "    {\"kubernetes.io/service-account.name\": \"a\"}},"
        "   \"type\": \"kubernetes.io/service-account-token\"},"
        "  {\"metadata\": {\"name\": \"tb\", \"namespace\": \"x\", \"annotations\":"
        "    {\"kubernetes.io/service-account.name\": \"b\"}},"
        "   \"type\": \"kubernetes.io/service-account-token\"}]}",
    };
    struct inv_run r;
    struct fbs_finding *f;
    size_t i;

    (void)state;
    inv_begin(&r);
    for (i = 0; i < sizeof(docs) / sizeof(docs[0]); i++)
        assert_int_equal(fbs_inventory_add_buffer(&r.set, "o.json", docs[i], strlen(docs[i])), 0);
    assert_int_equal(fbs_cloud_set_finish(&r.set), 0);
    /* cluster-admin was not exported, yet it exists: its default rules decide. */
    f = inv_find(&r, "k8s://cluster/namespaces/x/secrets/ta");
    assert_int_equal(f->privilege, FBS_PRIV_HIGH);
    assert_true(inv_evidence_has(f, "every verb on every resource (the default role's rules)"));
    /* Read-only, but other bindings may exist: unknown, not normal. */
    f = inv_find(&r, "k8s://cluster/namespaces/x/secrets/tb");
    assert_int_equal(f->privilege, FBS_PRIV_UNKNOWN);
    inv_end(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_inventory_k8s__secrets),
        cmocka_unit_test(test_inventory_k8s__cluster_admin_join),
        cmocka_unit_test(test_inventory_k8s__subjects_and_typed_lists),
        cmocka_unit_test(test_inventory_k8s__rules_decide),
        cmocka_unit_test(test_inventory_k8s__incomplete_rbac_stays_unknown),
        cmocka_unit_test(test_inventory_k8s__bootstrap_tokens),
        cmocka_unit_test(test_inventory_k8s__bootstrap_edge_cases),
        cmocka_unit_test(test_inventory_k8s__kubeconfig_certificates),
        cmocka_unit_test(test_inventory_k8s__kubeconfig_bad_users),
        cmocka_unit_test(test_inventory_k8s__single_objects),
    };

    fbs_test_use_cmocka_alloc();
    return cmocka_run_group_tests(tests, NULL, NULL);
}
