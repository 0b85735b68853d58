/* test_parse_kubeconfig.c - detectors/parse_kubeconfig.c: users, client certificates, admin.conf.
 */
#include "support/test_support.h"
#include "support/test_crypto.h"

#include "scanner/core/alloc.h"
#include "scanner/core/error.h"

#include <string.h>

#include "scanner/core/banned.h"

static EVP_PKEY *key, *other_key;
static char *cert_b64, *key_b64, *other_cert_b64;

static char *b64_of(char *pem)
{
    char *b = fbs_test_base64(pem, strlen(pem));

    fbs_free(pem);
    return b;
}

static int setup(void **state)
{
    struct fbs_test_cert c = {.cn = "breakglass-admin",
                              .o = "system:masters",
                              .not_before = fbs_test_time("2026-01-01T00:00:00Z"),
                              .not_after = fbs_test_time("2026-01-01T04:00:00Z"),
                              .client_auth = true};
    X509 *x, *y;

    (void)state;
    key = fbs_test_key("rsa", 2048);
    other_key = fbs_test_key("ec", 256);
    x = fbs_test_cert_new(key, &c);
    y = fbs_test_cert_new(other_key, &c);
    cert_b64 = b64_of(fbs_test_pem_cert(x));
    other_cert_b64 = b64_of(fbs_test_pem_cert(y));
    key_b64 = b64_of(fbs_test_pem_key(key, FBS_TEST_PEM_TRADITIONAL));
    X509_free(x);
    X509_free(y);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    fbs_free(cert_b64);
    fbs_free(other_cert_b64);
    fbs_free(key_b64);
    EVP_PKEY_free(key);
    EVP_PKEY_free(other_key);
    return 0;
}

#define TOKEN "kR8x2Pq0ZmT7wV4nB6yD1sF9hJ3lC5gA"

static char *kubeconfig(const char *cert)
{
    return fbs_test_cat("apiVersion: v1\nkind: Config\nclusters:\n"
                        "- name: staging\n  cluster:\n    server: https://staging.invalid:6443\n"
                        "- name: prod\n  cluster:\n    server: https://prod.invalid:6443\n"
                        "contexts:\n"
                        "- name: ci@staging\n  context: {cluster: staging, user: ci}\n"
                        "- name: breakglass@prod\n  context:\n    cluster: prod\n"
                        "    user: breakglass-admin\n"
                        "users:\n"
                        "- name: ci\n  user:\n    token: " TOKEN "\n"
                        "- name: breakglass-admin\n  user:\n    client-certificate-data: ",
                        cert, "\n    client-key-data: ", key_b64, "\n", NULL);
}

static const char *fstr(const struct fbs_finding *f, const char *k)
{
    return json_string_value(json_object_get(f->facts, k));
}

static struct fbs_finding *run_kube(const char *kind, const char *secret, const char *text,
                                    const char *path, int *rc)
{
    return fbs_test_run_detector(&fbs_detector_kubeconfig, kind, secret, strlen(secret), text,
                                 text ? strlen(text) : 0, path, rc);
}

static void test_parse_kubeconfig__client_certificate(void **state)
{
    char *text = kubeconfig(cert_b64);
    int rc;
    struct fbs_finding *f = run_kube("kubeconfig_client_key", key_b64, text, "k8s/prod.yaml", &rc);
    json_t *paired = json_object_get(f->facts, "paired_certificate");

    (void)state;
    assert_int_equal(rc, 0);
    assert_string_equal(fstr(f, "kube_user"), "breakglass-admin");
    assert_string_equal(fstr(f, "kube_context"), "breakglass@prod");
    assert_string_equal(fstr(f, "cluster_server"), "https://prod.invalid:6443");
    assert_string_equal(fstr(f, "key_type"), "rsa");
    assert_int_equal(f->issued, fbs_test_time("2026-01-01T00:00:00Z"));
    assert_int_equal(f->expires, fbs_test_time("2026-01-01T04:00:00Z"));
    assert_int_equal(f->privilege, FBS_PRIV_HIGH);
    assert_string_equal(
        json_string_value(json_array_get(json_object_get(f->facts, "privilege_evidence"), 0)),
        "Kubernetes cluster-admin (O=system:masters)");
    assert_string_equal(f->names, "breakglass-admin system:masters");
    /* Cluster-admin that RBAC cannot revoke: said as a fact of its own. */
    assert_true(
        json_is_true(json_object_get(json_object_get(f->facts, "kubernetes"), "system_masters")));
    assert_string_equal(json_string_value(json_object_get(paired, "matched_by")),
                        "kubeconfig_user");
    assert_int_equal(json_integer_value(json_object_get(paired, "line")), 23);
    fbs_finding_free(f);
    fbs_free(text);
}

static void test_parse_kubeconfig__token_and_json(void **state)
{
    char *text = kubeconfig(cert_b64);
    static const char js[] =
        "{\"kind\":\"Config\",\"clusters\":[{\"name\":\"c\",\"cluster\":{\"server\":"
        "\"https://json.invalid\"}}],\"users\":[{\"name\":\"ci\",\"user\":{\"token\":\"" TOKEN
        "\"}}]}";
    int rc;
    struct fbs_finding *f = run_kube("kubernetes_token", TOKEN, text, "k8s/prod.yaml", &rc);

    (void)state;
    assert_int_equal(rc, 0);
    assert_string_equal(fstr(f, "kube_user"), "ci");
    assert_string_equal(fstr(f, "cluster_server"), "https://staging.invalid:6443");
    assert_null(json_object_get(f->facts, "certificate"));
    assert_int_equal(f->privilege, FBS_PRIV_UNKNOWN);
    fbs_finding_free(f);
    /* JSON, no context: the only cluster. */
    f = run_kube("kubernetes_token", TOKEN, js, "kubeconfig.json", &rc);
    assert_int_equal(rc, 0);
    assert_string_equal(fstr(f, "cluster_server"), "https://json.invalid");
    assert_null(fstr(f, "kube_context"));
    fbs_finding_free(f);
    fbs_free(text);
}

struct name_case {
    const char *path;
    bool indicator;
    enum fbs_privilege privilege;
};

static void test_parse_kubeconfig__kubeadm_files(void **state)
{
    static const struct name_case cases[] = {
        {"etc/kubernetes/super-admin.conf", true, FBS_PRIV_HIGH},
        {"super-admin.conf", true, FBS_PRIV_HIGH},
        {"etc/kubernetes/admin.conf", false, FBS_PRIV_HIGH},
        {"etc/kubernetes/kubelet.conf", false, FBS_PRIV_UNKNOWN},
        {"backup/not-super-admin.conf", false, FBS_PRIV_UNKNOWN},
    };
    char *text = kubeconfig(other_cert_b64);
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        int rc;
        struct fbs_finding *f = run_kube("kubernetes_token", TOKEN, text, cases[i].path, &rc);

        assert_int_equal(rc, 0);
        assert_int_equal(f->nindicators, cases[i].indicator);
        if (cases[i].indicator) {
            assert_string_equal(f->indicators[0].term, "super-admin.conf");
            assert_string_equal(f->indicators[0].where, "content");
            assert_true(f->indicators[0].weight > 0.89 && f->indicators[0].weight < 0.91);
        }
        assert_int_equal(f->privilege, cases[i].privilege);
        fbs_finding_free(f);
    }
    fbs_free(text);
}

/* A client certificate of another key is not the key's: listed, not paired. */
static void test_parse_kubeconfig__mismatched_certificate(void **state)
{
    char *text = kubeconfig(other_cert_b64);
    int rc;
    struct fbs_finding *f = run_kube("kubeconfig_client_key", key_b64, text, "k.yaml", &rc);

    (void)state;
    assert_int_equal(rc, 0);
    assert_false(f->has_expires);
    assert_null(json_object_get(f->facts, "paired_certificate"));
    assert_int_equal(json_array_size(json_object_get(f->facts, "certificates")), 1);
    fbs_finding_free(f);
    fbs_free(text);
}

struct bad_case {
    const char *kind, *secret, *text;
    const char *message;
};

static void test_parse_kubeconfig__malformed(void **state)
{
    static const struct bad_case cases[] = {
        {"kubernetes_token", TOKEN, "users:\n- name: ci\n  user: {token: " TOKEN "\n",
         "kubeconfig: line"},
        {"kubeconfig_client_key", "LS0tLS1CRUdJTi*", "users: []\n", "client-key-data"},
        {"kubeconfig_client_key", "LS0tLS1CRUdJTiBSU0EgUFJJVkFURSBLRVktLS0tLQpNSUlF", "users: []\n",
         "client-key-data: RSA PRIVATE KEY block without an END line"},
        {"kubeconfig_client_key", "TWFu",
         "users:\n- name: x\n  user:\n    client-key-data: TWFu\n"
         "    client-certificate-data: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCg==\n",
         "client-certificate-data: CERTIFICATE block without an END line"},
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        int rc;
        struct fbs_finding *f = run_kube(cases[i].kind, cases[i].secret, cases[i].text, "k", &rc);

        assert_int_equal(rc, FBS_EPARSE);
        if (!strstr(fbs_error_message(), cases[i].message))
            fail_msg("case %zu: '%s'", i, fbs_error_message());
        fbs_finding_free(f);
    }
}

/* Not a kubeconfig at all, or no blob: no facts, no diagnostic. */
static void test_parse_kubeconfig__elsewhere(void **state)
{
    static const char env[] = "K8S_TOKEN=" TOKEN "\n";
    int rc;
    struct fbs_finding *f = run_kube("kubernetes_token", TOKEN, env, ".env", &rc);

    (void)state;
    assert_int_equal(rc, 0);
    assert_int_equal(json_object_size(f->facts), 0);
    fbs_finding_free(f);
    f = run_kube("kubernetes_token", TOKEN, NULL, NULL, &rc);
    assert_int_equal(rc, 0);
    fbs_finding_free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_kubeconfig__client_certificate),
        cmocka_unit_test(test_parse_kubeconfig__token_and_json),
        cmocka_unit_test(test_parse_kubeconfig__kubeadm_files),
        cmocka_unit_test(test_parse_kubeconfig__mismatched_certificate),
        cmocka_unit_test(test_parse_kubeconfig__malformed),
        cmocka_unit_test(test_parse_kubeconfig__elsewhere),
    };

    fbs_test_use_cmocka_alloc();
    return cmocka_run_group_tests(tests, setup, teardown);
}
