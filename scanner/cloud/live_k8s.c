/*
 * live_k8s.c - the Kubernetes collector (legacy service account token Secrets, kube-system
 * bootstrap token Secrets, and the RBAC Roles, ClusterRoles, RoleBindings and ClusterRoleBindings
 * whose rules decide what their identities may do) and the kubeconfig loader that says how to
 * reach a cluster (see cloud_live.h).
 *
 * The Secret listings carry tokens: their pages are wiped, raw and parsed.
 * The kubeconfig carries the caller's own credentials: the file's bytes and its parsed tree are
 * wiped too, and only the fields needed to connect are kept.
 */
#include "k8s_int.h"
#include "live_int.h"
#include "../core/alloc.h"
#include "../core/buf.h"
#include "../core/error.h"
#include "../core/text.h"
#include "../model/conf.h"

#include <string.h>

#include "../core/banned.h"

static int on_page(struct fbs_cloud_set *s, json_t *page, void *payload)
{
    (void)payload;
    return fbs_k8s_add_objects(s, page, NULL);
}

/* The listings, in order: the path after the server, and whether its pages hold secrets. */
static const struct {
    const char *path;
    bool wipe;
} k8s_lists[] = {
    {"/api/v1/secrets?fieldSelector=type%3Dkubernetes.io%2Fservice-account-token&limit=500", true},
    {"/api/v1/namespaces/kube-system/secrets?fieldSelector=type%3Dbootstrap.kubernetes.io%2Ftoken"
     "&limit=500",
     true},
    {"/apis/rbac.authorization.k8s.io/v1/clusterrolebindings?limit=500", false},
    {"/apis/rbac.authorization.k8s.io/v1/rolebindings?limit=500", false},
    {"/apis/rbac.authorization.k8s.io/v1/clusterroles?limit=500", false},
    {"/apis/rbac.authorization.k8s.io/v1/roles?limit=500", false},
};

int fbs_live_kubernetes(struct fbs_cloud_set *s, const struct fbs_cloud_fetch *fx,
                        const char *server_url)
{
    char *server = fbs_url_trim(server_url);
    struct fbs_buf url = FBS_BUF_INIT;
    size_t i;
    int rc = server ? 0 : fbs_error_set(FBS_ENOMEM, "out of memory");

    for (i = 0; rc == 0 && i < sizeof(k8s_lists) / sizeof(k8s_lists[0]); i++) {
        fbs_buf_truncate(&url, 0);
        if (fbs_buf_printf(&url, "%s%s", server, k8s_lists[i].path) < 0)
            rc = fbs_error_set(FBS_ENOMEM, "out of memory");
        else
            rc = fbs_live_list(s, fx, "kubernetes", url.ptr, fbs_live_next_k8s, on_page, NULL,
                               k8s_lists[i].wipe);
    }
    fbs_buf_release(&url);
    fbs_free(server);
    return rc;
}

/* --- kubeconfig ----------------------------------------------------------------------------- */

/* Decode base64 (whitespace ignored, padding optional) into a new buffer. 0, -1 bad, ENOMEM. */
static int b64_decode(unsigned char **out, size_t *outlen, const char *s)
{
    int rc = fbs_base64_decode(out, outlen, s, strlen(s), strlen(s));

    return rc == FBS_EPARSE ? -1 : rc;
}

/* The object named `name` in a kubeconfig list ("clusters", "contexts", "users"), member `inner`.
 */
static const json_t *named(const json_t *root, const char *list, const char *name,
                           const char *inner)
{
    const json_t *item;
    size_t i;

    json_array_foreach(json_object_get(root, list), i, item)
    {
        const char *n = fbs_cloud_str(item, "name");

        if (n && !strcmp(n, name))
            return json_is_object(json_object_get(item, inner)) ? json_object_get(item, inner)
                                                                : NULL;
    }
    return NULL;
}

/* A path from the kubeconfig, relative to its folder unless absolute. */
static char *resolve(const char *kubeconfig, const char *p)
{
    const char *slash = strrchr(kubeconfig, '/');
    struct fbs_buf b = FBS_BUF_INIT;

    if (p[0] == '/' || !slash)
        return fbs_strdup(p);
    if (fbs_buf_printf(&b, "%.*s/%s", (int)(slash - kubeconfig), kubeconfig, p) < 0)
        return NULL;
    return fbs_buf_detach(&b);
}

static int decode_field(unsigned char **out, size_t *len, const json_t *obj, const char *key,
                        const char *owner)
{
    const char *v = fbs_cloud_str(obj, key);
    int rc;

    if (!v)
        return 0;
    rc = b64_decode(out, len, v);
    if (rc == FBS_ENOMEM)
        return fbs_error_set(FBS_ENOMEM, "out of memory");
    if (rc < 0)
        return fbs_error_set(FBS_EPARSE, "'%s': %s is not base64", owner, key);
    return 0;
}

static int path_field(char **out, const json_t *obj, const char *key, const char *kubeconfig)
{
    const char *v = fbs_cloud_str(obj, key);

    if (!v || !*v)
        return 0;
    *out = resolve(kubeconfig, v);
    return *out ? 0 : fbs_error_set(FBS_ENOMEM, "out of memory");
}

static int read_token_file(char **out, const char *path)
{
    struct fbs_buf b = FBS_BUF_INIT;
    int rc = fbs_cloud_read_file(&b, path, 64 * 1024);

    if (rc == 0) {
        while (b.len &&
               (b.ptr[b.len - 1] == '\n' || b.ptr[b.len - 1] == '\r' || b.ptr[b.len - 1] == ' '))
            b.len--;
        *out = fbs_strndup(b.ptr, b.len);
        if (!*out)
            rc = fbs_error_set(FBS_ENOMEM, "out of memory");
    } else if (rc != FBS_ENOMEM) {
        rc = fbs_error_prefix(rc, "tokenFile '%s'", path);
    }
    fbs_buf_release_wipe(&b);
    return rc;
}

static int load_user(struct fbs_kubeconfig *k, const json_t *user, const char *uname,
                     const char *path)
{
    const char *token = fbs_cloud_str(user, "token");
    char *tf = NULL;
    int rc;

    if (json_object_get(user, "exec") || json_object_get(user, "auth-provider"))
        return fbs_error_set(FBS_EUNSUPPORTED,
                             "user '%s' gets its credentials from a plugin (exec or "
                             "auth-provider), which fallback-scan does not run: give a token with "
                             "--token-file (e.g. from 'kubectl create token SA')",
                             uname);
    if (token && *token) {
        k->token = fbs_strdup(token);
        if (!k->token)
            return fbs_error_set(FBS_ENOMEM, "out of memory");
    } else {
        rc = path_field(&tf, user, "tokenFile", path);
        if (rc == 0 && tf)
            rc = read_token_file(&k->token, tf);
        fbs_free(tf);
        if (rc < 0)
            return rc;
    }
    rc = decode_field(&k->cert_pem, &k->cert_pem_len, user, "client-certificate-data", uname);
    if (rc == 0)
        rc = decode_field(&k->key_pem, &k->key_pem_len, user, "client-key-data", uname);
    if (rc == 0)
        rc = path_field(&k->cert_file, user, "client-certificate", path);
    if (rc == 0)
        rc = path_field(&k->key_file, user, "client-key", path);
    if (rc == 0 && !k->token && !k->cert_pem && !k->cert_file &&
        (fbs_cloud_str(user, "username") || fbs_cloud_str(user, "password")))
        rc = fbs_error_set(FBS_EUNSUPPORTED,
                           "user '%s' uses a password, which fallback-scan does not send: give a "
                           "token with --token-file",
                           uname);
    return rc;
}

static int load_root(struct fbs_kubeconfig *k, const json_t *root, const char *path,
                     const char *context)
{
    const char *ctx_name = context ? context : fbs_cloud_str(root, "current-context");
    const json_t *ctx, *cluster, *user;
    const char *cname, *uname, *server;
    int rc;

    if (!ctx_name || !*ctx_name)
        return fbs_error_set(FBS_ENOTFOUND, "no current-context (name one with --context)");
    ctx = named(root, "contexts", ctx_name, "context");
    if (!ctx)
        return fbs_error_set(FBS_ENOTFOUND, "no context named '%s'", ctx_name);
    cname = fbs_cloud_str(ctx, "cluster");
    uname = fbs_cloud_str(ctx, "user");
    cluster = cname ? named(root, "clusters", cname, "cluster") : NULL;
    if (!cluster)
        return fbs_error_set(FBS_ENOTFOUND, "context '%s': no cluster named '%s'", ctx_name,
                             cname ? cname : "");
    server = fbs_cloud_str(cluster, "server");
    if (!server || !*server)
        return fbs_error_set(FBS_EPARSE, "cluster '%s' has no server", cname);
    k->context = fbs_strdup(ctx_name);
    k->cluster_name = fbs_strdup(cname);
    k->server = fbs_strdup(server);
    k->user = uname ? fbs_strdup(uname) : NULL;
    if (!k->context || !k->cluster_name || !k->server || (uname && !k->user))
        return fbs_error_set(FBS_ENOMEM, "out of memory");
    rc = decode_field(&k->ca_pem, &k->ca_pem_len, cluster, "certificate-authority-data", cname);
    if (rc == 0)
        rc = path_field(&k->ca_file, cluster, "certificate-authority", path);
    if (rc == 0 && json_is_true(json_object_get(cluster, "insecure-skip-tls-verify")))
        k->insecure_skip_tls_verify = true;
    if (rc < 0)
        return rc;
    if (!uname)
        return 0; /* anonymous, or a token given on the command line */
    user = named(root, "users", uname, "user");
    if (!user)
        return fbs_error_set(FBS_ENOTFOUND, "context '%s': no user named '%s'", ctx_name, uname);
    return load_user(k, user, uname, path);
}

int fbs_kubeconfig_load(struct fbs_kubeconfig *out, const char *path, const char *context)
{
    struct fbs_buf text = FBS_BUF_INIT;
    struct fbs_conf *conf = NULL;
    int rc;

    memset(out, 0, sizeof(*out));
    rc = fbs_cloud_read_file(&text, path, 16 << 20);
    if (rc == 0)
        rc = fbs_conf_parse(&conf, path, text.ptr, text.len);
    fbs_buf_release_wipe(&text);
    if (rc == 0 && !json_is_object(conf->root))
        rc = fbs_error_set(FBS_EPARSE, "not a kubeconfig (a YAML mapping)");
    if (rc == 0)
        rc = load_root(out, conf->root, path, context);
    if (conf) {
        fbs_cloud_json_wipe(json_object_get(conf->root, "users"));
        fbs_conf_free(conf);
    }
    if (rc < 0) {
        if (rc != FBS_ENOMEM)
            fbs_error_prefix(rc, "kubeconfig '%s'", path);
        fbs_kubeconfig_release(out);
    }
    return rc;
}

static void free_secret(void *p, size_t n)
{
    if (p)
        fbs_wipe(p, n);
    fbs_free(p);
}

void fbs_kubeconfig_release(struct fbs_kubeconfig *k)
{
    fbs_free(k->context);
    fbs_free(k->user);
    fbs_free(k->cluster_name);
    fbs_free(k->server);
    fbs_free(k->ca_pem);
    fbs_free(k->ca_file);
    free_secret(k->token, k->token ? strlen(k->token) : 0);
    fbs_free(k->cert_pem);
    free_secret(k->key_pem, k->key_pem_len);
    fbs_free(k->cert_file);
    fbs_free(k->key_file);
    memset(k, 0, sizeof(*k));
}

int fbs_kubeconfig_add_masters(struct fbs_cloud_set *s, const struct fbs_kubeconfig *k)
{
    struct fbs_buf b = FBS_BUF_INIT;
    const unsigned char *pem = k->cert_pem;
    size_t n = k->cert_pem_len;
    int rc = 0;

    if (!pem && k->cert_file) {
        rc = fbs_cloud_read_file(&b, k->cert_file, 1 << 20);
        pem = (const unsigned char *)b.ptr;
        n = b.len;
    }
    if (rc == 0 && pem)
        rc = fbs_k8s_add_client_cert(s, pem, n, k->user, s->k8s_cluster, NULL, true);
    fbs_buf_release(&b);
    return rc == FBS_ENOMEM ? rc : 0;
}
