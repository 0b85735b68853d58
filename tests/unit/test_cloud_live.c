/*
 * test_cloud_live.c - cloud/live_*.c and fetch.c against a fake transport (a table of URL ->
 * status and body): the requests each collector makes, paging, refused paging links, failed
 * requests as diagnostics, allocation failures; and the kubeconfig loader.
 */
#include "unit/inventory_support.h"

#include "scanner/cloud/cloud_live.h"
#include "scanner/cloud/fetch.h"
#include "scanner/core/alloc.h"
#include "scanner/core/buf.h"

#include "scanner/core/banned.h"

struct canned {
    const char *method; /* "GET" / "POST" */
    const char *url;
    long status;
    const char *body;
};

struct fake {
    const struct canned *table;
    size_t n;
    char calls[64][512]; /* "METHOD url [body]" */
    size_t ncalls;
};

static int fake_request(struct fake *fk, const char *method, const char *url, const char *body,
                        struct fbs_buf *out, long *status)
{
    size_t i;

    if (fk->ncalls < 64)
        snprintf(fk->calls[fk->ncalls++], sizeof(fk->calls[0]), "%s %s%s%s", method, url,
                 body ? " " : "", body ? body : "");
    fbs_buf_truncate(out, 0);
    for (i = 0; i < fk->n; i++) {
        if (strcmp(fk->table[i].method, method) || strcmp(fk->table[i].url, url))
            continue;
        *status = fk->table[i].status;
        return fbs_buf_puts(out, fk->table[i].body) < 0 ? fbs_error_set(FBS_ENOMEM, "out of memory")
                                                        : 0;
    }
    *status = 404;
    return fbs_buf_puts(out, "{\"error\": {\"message\": \"not found\"}}") < 0
               ? fbs_error_set(FBS_ENOMEM, "out of memory")
               : 0;
}

static int fake_get(void *ctx, const char *url, struct fbs_buf *out, long *status)
{
    return fake_request(ctx, "GET", url, NULL, out, status);
}

static int fake_post(void *ctx, const char *url, const char *body, struct fbs_buf *out,
                     long *status)
{
    return fake_request(ctx, "POST", url, body, out, status);
}

static void fake_init(struct fake *fk, struct fbs_cloud_fetch *fx, const struct canned *t, size_t n)
{
    memset(fk, 0, sizeof(*fk));
    fk->table = t;
    fk->n = n;
    fx->get = fake_get;
    fx->post = fake_post;
    fx->ctx = fk;
}

#define IAM "https://iam.test"
#define SA1 "a@p.iam.gserviceaccount.com"
#define SA2 "b@p.iam.gserviceaccount.com"
#define KEY(sa, id, before)                                                                        \
    "{\"name\": \"projects/p/serviceAccounts/" sa "/keys/" id "\", \"keyType\": \"USER_MANAGED\"," \
    " \"validAfterTime\": \"2024-01-01T00:00:00Z\", \"validBeforeTime\": \"" before "\"}"

static const struct canned gcp_table[] = {
    {"GET", IAM "/v1/projects/p/serviceAccounts?pageSize=100", 200,
     "{\"accounts\": [{\"email\": \"" SA1 "\", \"name\": \"projects/p/serviceAccounts/" SA1 "\","
     " \"displayName\": \"break glass\"}], \"nextPageToken\": \"t/2\"}"},
    {"GET", IAM "/v1/projects/p/serviceAccounts?pageSize=100&pageToken=t%2F2", 200,
     "{\"accounts\": [{\"email\": \"" SA2 "\", \"name\": \"projects/p/serviceAccounts/" SA2
     "\"}]}"},
    {"GET",
     IAM "/v1/projects/p/serviceAccounts/a%40p.iam.gserviceaccount.com/keys?keyTypes=USER_MANAGED",
     200, "{\"keys\": [" KEY(SA1, "k1", "9999-12-31T23:59:59Z") "]}"},
    {"GET",
     IAM "/v1/projects/p/serviceAccounts/b%40p.iam.gserviceaccount.com/keys?keyTypes=USER_MANAGED",
     200, "{\"keys\": [" KEY(SA2, "k2", "2024-04-01T00:00:00Z") "]}"},
    {"POST", "https://crm.test/v1/projects/p:getIamPolicy", 200,
     "{\"bindings\": [{\"role\": \"roles/editor\", \"members\": [\"serviceAccount:" SA1 "\"]}]}"},
    /* The project's ancestry: a folder (whose policy makes SA2 an administrator) and an
     * organisation whose policy the caller may not read. */
    {"POST", "https://crm.test/v1/projects/p:getAncestry", 200,
     "{\"ancestor\": [{\"resourceId\": {\"type\": \"project\", \"id\": \"p\"}},"
     " {\"resourceId\": {\"type\": \"folder\", \"id\": \"1234\"}},"
     " {\"resourceId\": {\"type\": \"organization\", \"id\": \"5678\"}}]}"},
    {"POST", "https://crm.test/v3/folders/1234:getIamPolicy", 200,
     "{\"version\": 3, \"bindings\": [{\"role\": \"roles/resourcemanager.folderIamAdmin\","
     " \"members\": [\"serviceAccount:" SA2 "\"]}]}"},
    {"POST", "https://crm.test/v3/organizations/5678:getIamPolicy", 403,
     "{\"error\": {\"code\": 403, \"message\": \"The caller does not have permission\"}}"},
};

static void test_cloud_live__gcp(void **state)
{
    struct fbs_cloud_fetch fx;
    struct fake fk;
    struct inv_run r;
    struct fbs_finding *f;

    (void)state;
    fake_init(&fk, &fx, gcp_table, sizeof(gcp_table) / sizeof(gcp_table[0]));
    inv_begin(&r);
    assert_int_equal(fbs_live_gcp(&r.set, &fx, "p", IAM "/", "https://crm.test"), 0);
    assert_int_equal(fbs_cloud_set_finish(&r.set), 0);
    assert_int_equal(fk.ncalls, 8);
    assert_string_equal(fk.calls[5], "POST https://crm.test/v1/projects/p:getAncestry {}");
    assert_string_equal(fk.calls[6], "POST https://crm.test/v3/folders/1234:getIamPolicy "
                                     "{\"options\": {\"requestedPolicyVersion\": 3}}");
    assert_int_equal(inv_diags(&r, NULL, true), 0);
    /* The organisation's policy could not be read: a notice, not an error. */
    assert_int_equal(inv_diags(&r, "gcp_ancestor_not_read", false), 1);
    assert_non_null(strstr(inv_diag_message(&r, "gcp_ancestor_not_read"), "organizations/5678"));
    assert_int_equal(r.set.records.len, 2);
    f = inv_find(&r, "//iam.googleapis.com/projects/p/serviceAccounts/" SA1 "/keys/k1");
    assert_int_equal(f->privilege, FBS_PRIV_HIGH);
    assert_false(f->has_expires);
    assert_string_equal(f->names, "break glass");
    assert_null(json_object_get(f->facts, "inventory_file"));
    f = inv_find(&r, "//iam.googleapis.com/projects/p/serviceAccounts/" SA2 "/keys/k2");
    /* No project role, but an administrator role granted on the folder above the project. */
    assert_int_equal(f->privilege, FBS_PRIV_HIGH);
    assert_string_equal(
        json_string_value(json_array_get(json_object_get(f->facts, "privilege_evidence"), 0)),
        "service account " SA2 " has roles/resourcemanager.folderIamAdmin granted on folders/1234");
    assert_string_equal(json_string_value(json_array_get(
                            json_object_get(json_object_get(f->facts, "gcp"), "ancestors"), 1)),
                        "organizations/5678");
    assert_true(f->has_expires);
    inv_end(&r);
}

/* A failing page ends its listing with a diagnostic; the rest of the collection goes on. */
static void test_cloud_live__failures_are_diagnostics(void **state)
{
    static const struct canned table[] = {
        {"GET", IAM "/v1/projects/p/serviceAccounts?pageSize=100", 403,
         "{\"error\": {\"code\": 403, \"message\": \"caller lacks iam.serviceAccounts.list\"}}"},
        {"POST", "https://crm.test/v1/projects/p:getIamPolicy", 200, "not json"},
    };
    struct fbs_cloud_fetch fx;
    struct fake fk;
    struct inv_run r;

    (void)state;
    fake_init(&fk, &fx, table, 2);
    inv_begin(&r);
    assert_int_equal(fbs_live_gcp(&r.set, &fx, "p", IAM, "https://crm.test"), 0);
    assert_int_equal(r.set.records.len, 0);
    assert_int_equal(inv_diags(&r, "cloud_request", true), 2);
    assert_non_null(strstr(inv_diag_message(&r, "cloud_request"), "HTTP 403: caller lacks"));
    inv_end(&r);
}

/* Graph paging follows @odata.nextLink on the same server only; a repeated link stops. */
static void test_cloud_live__graph_paging(void **state)
{
#define APPS "https://graph.test/v1.0/applications?"
#define SPS  "https://graph.test/v1.0/servicePrincipals?"
#define APPQ                                                                                       \
    "$select=id,appId,displayName,description,notes,tags,passwordCredentials,keyCredentials&$top=" \
    "999"
#define SPQ                                                                                        \
    "$select=id,appId,displayName,appDisplayName,description,notes,tags,accountEnabled,"           \
    "servicePrincipalType,passwordCredentials,keyCredentials&$top=999"
#define CRED                                                                                       \
    "\"passwordCredentials\": [{\"keyId\": \"k\", \"endDateTime\": \"2030-01-01T00:00:00Z\"}]"
    static const struct canned table[] = {
        {"GET", APPS APPQ, 200,
         "{\"value\": [{\"id\": \"a1\", " CRED "}], \"@odata.nextLink\": \"" APPS "page=2\"}"},
        {"GET", APPS "page=2", 200,
         "{\"value\": [{\"id\": \"a2\", " CRED "}], \"@odata.nextLink\": \"" APPS "page=2\"}"},
        {"GET", SPS SPQ, 200,
         "{\"value\": [{\"id\": \"s1\", \"servicePrincipalType\": \"Application\", " CRED "}],"
         " \"@odata.nextLink\": \"https://elsewhere.test/v1.0/servicePrincipals?page=2\"}"},
    };
    struct fbs_cloud_fetch fx;
    struct fake fk;
    struct inv_run r;

    (void)state;
    fake_init(&fk, &fx, table, 3);
    inv_begin(&r);
    assert_int_equal(fbs_live_azure(&r.set, &fx, "https://graph.test"), 0);
    assert_int_equal(fk.ncalls, 4); /* and the directory roles, not found here: a notice */
    assert_int_equal(inv_diags(&r, "azure_roles_not_read", false), 1);
    assert_int_equal(r.set.records.len, 3);
    assert_int_equal(inv_diags(&r, "cloud_request", true), 2);
    inv_find(&r, "https://graph.microsoft.com/v1.0/servicePrincipals/s1/passwordCredentials/k");
    inv_end(&r);
}

/*
 * Azure role assignments: Graph objects and directory roles, then ARM subscriptions (paged),
 * each one's role definitions and assignments. An application joins its service principal by
 * appId; a listing the caller may not read leaves principals without an administrative role
 * unknown.
 */
static void test_cloud_live__azure_roles(void **state)
{
#define ARM   "https://arm.test"
#define AUTHZ "/providers/Microsoft.Authorization/"
#define API   "?api-version=2022-04-01"
#define OWNER "8e3af657-a8ff-443c-a75c-2fe8c4bcb635"
#define AZ_CREDS                                                                                   \
    "\"passwordCredentials\": [{\"keyId\": \"k\", \"endDateTime\": \"2030-01-01T00:00:00Z\"}]"
    static const struct canned table[] = {
        {"GET", APPS APPQ, 200,
         "{\"value\": [{\"id\": \"a1\", \"appId\": \"app1\", \"displayName\": \"ops\", " AZ_CREDS
         "}, {\"id\": \"a3\", \"appId\": \"app3\", \"displayName\": \"reports\", " AZ_CREDS "}]}"},
        {"GET", SPS SPQ, 200,
         "{\"value\": [{\"id\": \"sp1\", \"appId\": \"app1\", \"servicePrincipalType\": "
         "\"Application\", \"passwordCredentials\": []}, {\"id\": \"sp3\", \"appId\": \"app3\", "
         "\"servicePrincipalType\": \"Application\", \"passwordCredentials\": []}]}"},
        {"GET",
         "https://graph.test/v1.0/roleManagement/directory/roleAssignments?$expand=roleDefinition",
         403,
         "{\"error\": {\"code\": \"Authorization_RequestDenied\", \"message\": "
         "\"Insufficient privileges to complete the operation.\"}}"},
        {"GET", ARM "/subscriptions?api-version=2022-12-01", 200,
         "{\"value\": [{\"id\": \"/subscriptions/s1\", \"subscriptionId\": \"s1\"}],"
         " \"nextLink\": \"" ARM "/subscriptions?api-version=2022-12-01&$skiptoken=2\"}"},
        {"GET", ARM "/subscriptions?api-version=2022-12-01&$skiptoken=2", 200,
         "{\"value\": [{\"id\": \"/subscriptions/s2\", \"subscriptionId\": \"s2\"}]}"},
        {"GET", ARM "/subscriptions/s1" AUTHZ "roleDefinitions" API, 200,
         "{\"value\": [{\"id\": \"/subscriptions/s1" AUTHZ "roleDefinitions/" OWNER "\", \"name\": "
         "\"" OWNER "\", \"type\": \"Microsoft.Authorization/roleDefinitions\", \"properties\": "
         "{\"roleName\": \"Owner\", \"type\": \"BuiltInRole\", \"permissions\": [{\"actions\": "
         "[\"*\"], \"notActions\": []}]}}]}"},
        {"GET", ARM "/subscriptions/s1" AUTHZ "roleAssignments" API, 200,
         "{\"value\": [{\"id\": \"/subscriptions/s1" AUTHZ "roleAssignments/r1\", \"name\": "
         "\"r1\", \"type\": \"Microsoft.Authorization/roleAssignments\", \"properties\": "
         "{\"roleDefinitionId\": \"/subscriptions/s1" AUTHZ "roleDefinitions/" OWNER "\", "
         "\"principalId\": \"sp1\", \"principalType\": \"ServicePrincipal\", \"scope\": "
         "\"/subscriptions/s1\"}}]}"},
        {"GET", ARM "/subscriptions/s2" AUTHZ "roleDefinitions" API, 200, "{\"value\": []}"},
        {"GET", ARM "/subscriptions/s2" AUTHZ "roleAssignments" API, 403,
         "{\"error\": {\"code\": \"AuthorizationFailed\", \"message\": \"The client does not "
         "have authorization to perform action\"}}"},
    };
    struct fbs_cloud_fetch fx;
    struct fake fk;
    struct inv_run r;
    struct fbs_finding *f;

    (void)state;
    fake_init(&fk, &fx, table, sizeof(table) / sizeof(table[0]));
    inv_begin(&r);
    assert_int_equal(fbs_live_azure(&r.set, &fx, "https://graph.test"), 0);
    assert_int_equal(fbs_live_azure_rbac(&r.set, &fx, ARM "/"), 0);
    assert_int_equal(fbs_cloud_set_finish(&r.set), 0);
    assert_int_equal(fk.ncalls, 9);
    assert_int_equal(inv_diags(&r, NULL, true), 0);
    assert_int_equal(inv_diags(&r, "azure_roles_not_read", false), 2);
    assert_int_equal(r.set.records.len, 2);
    f = inv_find(&r, "https://graph.microsoft.com/v1.0/applications/a1/passwordCredentials/k");
    assert_int_equal(f->privilege, FBS_PRIV_HIGH);
    assert_string_equal(
        json_string_value(json_array_get(json_object_get(f->facts, "privilege_evidence"), 0)),
        "service principal ops has Owner on subscription s1 (Azure RBAC: all actions (*))");
    assert_string_equal(json_string_value(json_object_get(f->facts, "privilege_from")),
                        "policy_evaluation");
    /* No role found, but subscription s2's assignments and the directory roles were not read. */
    f = inv_find(&r, "https://graph.microsoft.com/v1.0/applications/a3/passwordCredentials/k");
    assert_int_equal(f->privilege, FBS_PRIV_UNKNOWN);
    assert_non_null(strstr(
        json_string_value(json_array_get(json_object_get(f->facts, "privilege_evidence"), 0)),
        "could not be read"));
    assert_null(json_object_get(f->facts, "privilege_from"));
    inv_end(&r);
}

/* A Resource Manager paging link to another server is refused (the token would follow it). */
static void test_cloud_live__arm_foreign_link(void **state)
{
    static const struct canned table[] = {
        {"GET", ARM "/subscriptions?api-version=2022-12-01", 200,
         "{\"value\": [], \"nextLink\": \"https://arm.evil.test/subscriptions?page=2\"}"},
    };
    struct fbs_cloud_fetch fx;
    struct fake fk;
    struct inv_run r;

    (void)state;
    fake_init(&fk, &fx, table, 1);
    inv_begin(&r);
    assert_int_equal(fbs_live_azure_rbac(&r.set, &fx, ARM), 0);
    assert_int_equal(fk.ncalls, 1);
    assert_int_equal(inv_diags(&r, "cloud_request", true), 1);
    assert_non_null(strstr(inv_diag_message(&r, "cloud_request"), "refusing a paging link"));
    assert_true(r.set.azure_failed & FBS_AZURE_RBAC);
    inv_end(&r);
}

/* Kubernetes: the secret listing's continue token; Vault: list then look up each accessor. */
static void test_cloud_live__k8s_and_vault(void **state)
{
#define SECRETS                                                                                    \
    "https://k8s.test:6443/api/v1/"                                                                \
    "secrets?fieldSelector=type%3Dkubernetes.io%2Fservice-account-token&limit=500"
#define TOKEN_SECRET_OF(n, sa)                                                                     \
    "{\"metadata\": {\"name\": \"" n "\", \"namespace\": \"ns\", \"annotations\": "                \
    "{\"kubernetes.io/service-account.name\": \"" sa "\"}}, \"type\": "                            \
    "\"kubernetes.io/service-account-token\", \"data\": {\"token\": \"dG9r\"}}"
#define TOKEN_SECRET(n) TOKEN_SECRET_OF(n, "sa")
#define RBAC            "https://k8s.test:6443/apis/rbac.authorization.k8s.io/v1/"
    static const struct canned table[] = {
        {"GET", SECRETS, 200,
         "{\"kind\": \"SecretList\", \"apiVersion\": \"v1\", \"metadata\": {\"continue\": \"c+1\"},"
         " \"items\": [" TOKEN_SECRET("s1") "]}"},
        {"GET", SECRETS "&continue=c%2B1", 200,
         "{\"kind\": \"SecretList\", \"apiVersion\": \"v1\", \"metadata\": {},"
         " \"items\": [" TOKEN_SECRET("s2") ", " TOKEN_SECRET_OF("s3", "reader") "]}"},
        {"GET",
         "https://k8s.test:6443/api/v1/namespaces/kube-system/"
         "secrets?fieldSelector=type%3Dbootstrap.kubernetes.io%2Ftoken&limit=500",
         200,
         "{\"kind\": \"SecretList\", \"apiVersion\": \"v1\", \"items\": [{\"metadata\": "
         "{\"name\": \"bootstrap-token-abcdef\", \"namespace\": \"kube-system\"}, \"type\": "
         "\"bootstrap.kubernetes.io/token\", \"data\": {\"token-id\": \"YWJjZGVm\", "
         "\"token-secret\": \"MDEyMzQ1Njc4OWFiY2RlZg==\", \"usage-bootstrap-authentication\": "
         "\"dHJ1ZQ==\"}}]}"},
        {"GET", RBAC "clusterrolebindings?limit=500", 200,
         "{\"kind\": \"ClusterRoleBindingList\", \"apiVersion\": \"rbac.authorization.k8s.io/v1\","
         " \"items\": [{\"metadata\": {\"name\": \"b\"}, \"roleRef\": {\"kind\": \"ClusterRole\","
         " \"name\": \"cluster-admin\"}, \"subjects\": [{\"kind\": \"ServiceAccount\", \"name\":"
         " \"sa\", \"namespace\": \"ns\"}]}]}"},
        /* RoleBindings on two pages; the subject's namespace is the binding's. */
        {"GET", RBAC "rolebindings?limit=500", 200,
         "{\"kind\": \"RoleBindingList\", \"apiVersion\": \"rbac.authorization.k8s.io/v1\","
         " \"metadata\": {\"continue\": \"r1\"}, \"items\": []}"},
        {"GET", RBAC "rolebindings?limit=500&continue=r1", 200,
         "{\"kind\": \"RoleBindingList\", \"apiVersion\": \"rbac.authorization.k8s.io/v1\","
         " \"metadata\": {}, \"items\": [{\"metadata\": {\"name\": \"readers\", \"namespace\":"
         " \"ns\"}, \"roleRef\": {\"kind\": \"Role\", \"name\": \"secret-reader\"},"
         " \"subjects\": [{\"kind\": \"ServiceAccount\", \"name\": \"reader\"}]}]}"},
        {"GET", RBAC "clusterroles?limit=500", 200,
         "{\"kind\": \"ClusterRoleList\", \"apiVersion\": \"rbac.authorization.k8s.io/v1\","
         " \"items\": [{\"metadata\": {\"name\": \"cluster-admin\"}, \"rules\": [{\"apiGroups\":"
         " [\"*\"], \"resources\": [\"*\"], \"verbs\": [\"*\"]}]}]}"},
        {"GET", RBAC "roles?limit=500", 200,
         "{\"kind\": \"RoleList\", \"apiVersion\": \"rbac.authorization.k8s.io/v1\","
         " \"items\": [{\"metadata\": {\"name\": \"secret-reader\", \"namespace\": \"ns\"},"
         " \"rules\": [{\"apiGroups\": [\"\"], \"resources\": [\"secrets\"], \"verbs\":"
         " [\"get\"]}]}]}"},
        {"GET", "https://vault.test/v1/auth/token/accessors?list=true", 200,
         "{\"data\": {\"keys\": [\"acc1\", 7, \"acc2\"]}}"},
        {"POST", "https://vault.test/v1/auth/token/lookup-accessor", 200,
         "{\"data\": {\"accessor\": \"acc1\", \"policies\": [\"root\"], \"ttl\": 0, \"id\": \"\","
         " \"creation_time\": 1700000000, \"expire_time\": null}}"},
    };
    struct fbs_cloud_fetch fx;
    struct fake fk;
    struct inv_run r;
    struct fbs_finding *f;
    size_t i, posts = 0;

    (void)state;
    fake_init(&fk, &fx, table, sizeof(table) / sizeof(table[0]));
    inv_begin(&r);
    r.set.k8s_cluster = "c";
    assert_int_equal(fbs_live_kubernetes(&r.set, &fx, "https://k8s.test:6443/"), 0);
    assert_int_equal(fbs_live_vault(&r.set, &fx, "https://vault.test"), 0);
    assert_int_equal(fbs_cloud_set_finish(&r.set), 0);
    assert_int_equal(inv_diags(&r, NULL, true), 0);
    /* Two tokens with privilege from the binding; acc1 and acc2 (same canned lookup: acc1). */
    assert_int_equal(inv_find(&r, "k8s://c/namespaces/ns/secrets/s2")->privilege, FBS_PRIV_HIGH);
    /* The Role's rules, through a RoleBinding on the second page: reads Secrets in ns. */
    f = inv_find(&r, "k8s://c/namespaces/ns/secrets/s3");
    assert_int_equal(f->privilege, FBS_PRIV_HIGH);
    assert_true(inv_evidence_has(f, "Role ns/secret-reader to service account ns/reader, in "
                                    "namespace ns: read Secrets"));
    /* The bootstrap token: its id is the identifier, its secret is nowhere; no binding names it
     * in a cluster whose RBAC was read whole. */
    f = inv_find(&r, "k8s://c/namespaces/kube-system/secrets/bootstrap-token-abcdef");
    assert_string_equal(f->secret, "abcdef");
    assert_int_equal(f->privilege, FBS_PRIV_NORMAL);
    inv_assert_absent(&r, "0123456789abcdef");
    inv_assert_absent(&r, "MDEyMzQ1Njc4OWFiY2RlZg");
    for (i = 0; i < fk.ncalls; i++)
        if (!strncmp(fk.calls[i], "POST", 4)) {
            posts++;
            assert_non_null(strstr(fk.calls[i], "{\"accessor\":\"acc"));
        }
    assert_int_equal(posts, 2);
    inv_assert_absent(&r, "dG9r");
    inv_end(&r);
}

static void test_cloud_live__alloc_failures(void **state)
{
    struct fbs_cloud_fetch fx;
    struct fake fk;
    long n;

    (void)state;
    fake_init(&fk, &fx, gcp_table, sizeof(gcp_table) / sizeof(gcp_table[0]));
    fbs_test_use_failing_alloc();
    for (n = 0; n < 500; n++) {
        struct fbs_stats stats;
        struct fbs_diags diags;
        struct fbs_cloud_set set;
        int rc;

        fbs_stats_init(&stats);
        assert_int_equal(fbs_diags_init(&diags, &stats, true), 0);
        fk.ncalls = 0;
        fbs_test_fail_allocs_after(n);
        rc = fbs_cloud_set_init(&set, &diags);
        if (rc == 0) {
            rc = fbs_live_gcp(&set, &fx, "p", IAM, "https://crm.test");
            if (rc == 0)
                rc = fbs_cloud_set_finish(&set);
            assert_true(rc == 0 || rc == FBS_ENOMEM);
            fbs_cloud_set_release(&set);
        }
        fbs_test_fail_allocs_after(-1);
        fbs_diags_release(&diags);
        if (rc == 0 && fk.ncalls == 8)
            break;
    }
    assert_true(n < 500);
    fbs_test_use_cmocka_alloc();
}

static void test_cloud_live__url_helpers(void **state)
{
    struct fbs_buf b = FBS_BUF_INIT;
    char *t;

    (void)state;
    assert_int_equal(fbs_url_escape(&b, "a@b c/d~e.f_g-h%"), 0);
    assert_string_equal(b.ptr, "a%40b%20c%2Fd~e.f_g-h%25");
    fbs_buf_release(&b);
    t = fbs_url_trim("https://x.test:8200//");
    assert_string_equal(t, "https://x.test:8200");
    fbs_free(t);
    assert_true(fbs_url_same_origin("https://g.test/v1.0/a?x", "https://G.test/v1.0/b"));
    assert_false(fbs_url_same_origin("https://g.test.evil/v1.0/a", "https://g.test/v1.0/b"));
    assert_false(fbs_url_same_origin("https://g.test:444/a", "https://g.test/a"));
    assert_false(fbs_url_same_origin("http://g.test/a", "https://g.test/a"));
    assert_false(fbs_url_same_origin("/relative", "https://g.test/a"));
}

/* --- kubeconfig ----------------------------------------------------------------------------- */

static void test_cloud_live__kubeconfig(void **state)
{
    static const char config[] =
        "apiVersion: v1\nkind: Config\ncurrent-context: prod\n"
        "clusters:\n"
        "- name: prod-cluster\n  cluster:\n    server: https://10.0.0.1:6443\n"
        "    certificate-authority-data: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCg==\n"
        "- name: lab\n  cluster:\n    server: https://lab.test:6443\n"
        "    certificate-authority: certs/lab-ca.pem\n    insecure-skip-tls-verify: true\n"
        "contexts:\n"
        "- name: prod\n  context: {cluster: prod-cluster, user: admin}\n"
        "- name: lab\n  context: {cluster: lab, user: file-token}\n"
        "- name: gke\n  context: {cluster: lab, user: plugin}\n"
        "- name: pw\n  context: {cluster: lab, user: basic}\n"
        "- name: bad-user\n  context: {cluster: lab, user: nobody}\n"
        "users:\n"
        "- name: admin\n  user:\n    client-certificate-data: Y2VydA==\n"
        "    client-key-data: a2V5LWJ5dGVz\n"
        "- name: file-token\n  user:\n    tokenFile: tok.txt\n"
        "- name: plugin\n  user:\n    exec: {command: gke-gcloud-auth-plugin}\n"
        "- name: basic\n  user: {username: u, password: sekrit-pw}\n";
    const char *dir = fbs_test_tmpdir();
    char path[1024];
    struct fbs_kubeconfig k;

    (void)state;
    fbs_test_write(dir, "kubeconfig", config, strlen(config));
    fbs_test_write(dir, "tok.txt", "file-token-value\n", 17);
    snprintf(path, sizeof(path), "%s/kubeconfig", dir);

    assert_int_equal(fbs_kubeconfig_load(&k, path, NULL), 0);
    assert_string_equal(k.context, "prod");
    assert_string_equal(k.user, "admin");
    assert_string_equal(k.cluster_name, "prod-cluster");
    assert_string_equal(k.server, "https://10.0.0.1:6443");
    assert_int_equal(k.ca_pem_len, 28);
    assert_memory_equal(k.ca_pem, "-----BEGIN CERTIFICATE-----\n", 28);
    assert_int_equal(k.cert_pem_len, 4);
    assert_memory_equal(k.key_pem, "key-bytes", 9);
    assert_null(k.token);
    assert_false(k.insecure_skip_tls_verify);
    {
        /* "cert" is no certificate: no record, and no error (the connection says it). */
        struct inv_run r;

        inv_begin(&r);
        assert_int_equal(fbs_kubeconfig_add_masters(&r.set, &k), 0);
        assert_int_equal(r.set.records.len, 0);
        inv_end(&r);
    }
    fbs_kubeconfig_release(&k);

    assert_int_equal(fbs_kubeconfig_load(&k, path, "lab"), 0);
    assert_string_equal(k.token, "file-token-value");
    assert_true(k.insecure_skip_tls_verify);
    assert_non_null(strstr(k.ca_file, "/certs/lab-ca.pem"));
    assert_int_equal(strncmp(k.ca_file, dir, strlen(dir)), 0);
    fbs_kubeconfig_release(&k);

    assert_int_equal(fbs_kubeconfig_load(&k, path, "gke"), FBS_EUNSUPPORTED);
    assert_non_null(strstr(fbs_error_message(), "--token-file"));
    assert_int_equal(fbs_kubeconfig_load(&k, path, "pw"), FBS_EUNSUPPORTED);
    assert_null(strstr(fbs_error_message(), "sekrit"));
    assert_int_equal(fbs_kubeconfig_load(&k, path, "bad-user"), FBS_ENOTFOUND);
    assert_int_equal(fbs_kubeconfig_load(&k, path, "missing"), FBS_ENOTFOUND);
    assert_non_null(strstr(fbs_error_message(), "kubeconfig '"));
    snprintf(path, sizeof(path), "%s/none", dir);
    assert_int_equal(fbs_kubeconfig_load(&k, path, NULL), FBS_EIO);
    fbs_test_rmtree(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cloud_live__gcp),
        cmocka_unit_test(test_cloud_live__failures_are_diagnostics),
        cmocka_unit_test(test_cloud_live__graph_paging),
        cmocka_unit_test(test_cloud_live__azure_roles),
        cmocka_unit_test(test_cloud_live__arm_foreign_link),
        cmocka_unit_test(test_cloud_live__k8s_and_vault),
        cmocka_unit_test(test_cloud_live__alloc_failures),
        cmocka_unit_test(test_cloud_live__url_helpers),
        cmocka_unit_test(test_cloud_live__kubeconfig),
    };

    fbs_test_use_cmocka_alloc();
    return cmocka_run_group_tests(tests, NULL, NULL);
}
