/*
 * inv_k8s.c - Kubernetes record builders: legacy service account token Secrets (type
 * kubernetes.io/service-account-token) and bootstrap token Secrets (type
 * bootstrap.kubernetes.io/token, in kube-system) from `kubectl get secrets -A -o json` or GET
 * /api/v1/secrets, and the RBAC objects (`kubectl get roles,rolebindings -A -o json`,
 * `kubectl get clusterroles,clusterrolebindings -o json`) whose rules decide the privilege of the
 * tokens' identities (inv_k8s_rbac.c). Used by the inventory and the live collector.
 *
 * A token Secret never expires and is never cleaned up unless the cluster runs the legacy token
 * cleaner; clusters since 1.26 label it with the day it was last used
 * (kubernetes.io/legacy-token-last-used) and the cleaner marks it invalid
 * (kubernetes.io/legacy-token-invalid-since) before deleting it.
 *
 * Identifier: the Secret's uid (or "namespace/name"). A Secret's data (the token, the CA) is
 * never read: it is wiped in the parsed document, as is the last-applied-configuration
 * annotation, which can hold the same data.
 *
 * A bootstrap token (the Kubernetes documentation, "Authenticating with Bootstrap Tokens")
 * authenticates as the user system:bootstrap:TOKEN-ID in the group system:bootstrappers and its
 * auth-extra-groups, when usage-bootstrap-authentication is "true", until its expiration (none:
 * never expires). Its identifier is token-id, which is public (it names the Secret); the fields
 * read (token-id, expiration, usage-*, auth-extra-groups, description) are copied out of the
 * data before the data is wiped, token-secret never is.
 */
#include "cloud_records.h"
#include "inventory.h"
#include "k8s_int.h"
#include "../core/alloc.h"
#include "../core/buf.h"
#include "../core/error.h"
#include "../core/text.h"

#include <stdio.h>
#include <string.h>

#include "../core/banned.h"

#define K8S_FROM "kubernetes"

#define SA_TOKEN_TYPE  "kubernetes.io/service-account-token"
#define BOOTSTRAP_TYPE "bootstrap.kubernetes.io/token"
#define BOOTSTRAP_NS   "kube-system"
#define STASH          "fallback-scan:bootstrap" /* public fields copied out of a token's data */
#define ANN_SA_NAME    "kubernetes.io/service-account.name"
#define ANN_SA_UID     "kubernetes.io/service-account.uid"
#define ANN_APPLIED    "kubectl.kubernetes.io/last-applied-configuration"
#define LBL_LAST_USED  "kubernetes.io/legacy-token-last-used"
#define LBL_INVALID    "kubernetes.io/legacy-token-invalid-since"

static const char k8s_remediation[] =
    "Delete the token Secret (kubectl delete secret -n NAMESPACE NAME) and use short-lived "
    "tokens (TokenRequest, kubectl create token --duration); a break-glass identity should get "
    "a time-limited role binding and its use should be audited.";

static const char bootstrap_remediation[] =
    "Delete the bootstrap token (kubeadm token delete TOKEN-ID, or kubectl delete secret -n "
    "kube-system bootstrap-token-TOKEN-ID) once the nodes have joined, and create join tokens on "
    "demand with a short --ttl (kubeadm token create); never keep one without expiry.";

/* A field of a bootstrap token's data (base64) or stringData (plain), as a new string. */
static json_t *token_field(const json_t *item, const char *key)
{
    const char *plain = fbs_cloud_str(json_object_get(item, "stringData"), key);
    const json_t *v = json_object_get(json_object_get(item, "data"), key);
    unsigned char *raw = NULL;
    size_t n = 0;
    json_t *out;

    if (plain)
        return json_string(plain);
    if (!json_is_string(v) ||
        fbs_base64_decode(&raw, &n, json_string_value(v), json_string_length(v), 4096) < 0)
        return NULL;
    out = json_stringn((const char *)raw, n);
    fbs_free(raw);
    return out;
}

/*
 * Copy the public fields of a bootstrap token's data into item[STASH] (once; a missing field,
 * or one that is not base64, is left out), so that the data can be wiped before it is read.
 * 0 or FBS_ENOMEM.
 */
static int stash_bootstrap(json_t *item)
{
    static const char *const keys[] = {"token-id",
                                       "expiration",
                                       "usage-bootstrap-authentication",
                                       "usage-bootstrap-signing",
                                       "auth-extra-groups",
                                       "description",
                                       NULL};
    const char *type = fbs_cloud_str(item, "type");
    json_t *st;
    size_t i;

    if (!type || strcmp(type, BOOTSTRAP_TYPE) || json_object_get(item, STASH))
        return 0;
    st = json_object();
    if (!st || json_object_set_new(item, STASH, st) < 0)
        return fbs_error_set(FBS_ENOMEM, "out of memory");
    for (i = 0; keys[i]; i++) {
        json_t *v = token_field(item, keys[i]);

        if (v && json_object_set_new(st, keys[i], v) < 0)
            return fbs_error_set(FBS_ENOMEM, "out of memory");
    }
    return 0;
}

/* Drop what a Secret must never leave behind in memory: its data and applied manifests. */
static int wipe_secret(json_t *item)
{
    json_t *ann = json_object_get(json_object_get(item, "metadata"), "annotations");
    int rc = stash_bootstrap(item);

    fbs_cloud_json_wipe(json_object_get(item, "data"));
    fbs_cloud_json_wipe(json_object_get(item, "stringData"));
    fbs_cloud_json_wipe(json_object_get(ann, ANN_APPLIED));
    return rc;
}

/* Labels and annotations set by people (not by Kubernetes itself): keys and values. */
static int user_metadata_names(struct fbs_finding *f, const json_t *map)
{
    const char *k;
    const json_t *v;
    int rc = 0;

    json_object_foreach((json_t *)map, k, v)
    {
        if (strstr(k, "kubernetes.io/") || strstr(k, "k8s.io/"))
            continue;
        rc = fbs_cloud_record_names(f, k);
        if (rc == 0)
            rc = fbs_cloud_record_names(f, json_string_value(v));
        if (rc < 0)
            return rc;
    }
    return 0;
}

/* A "true"/"false" field of the stash: 1, 0, or -1 when absent or something else. */
static int stash_bool(const json_t *st, const char *key)
{
    const char *v = fbs_cloud_str(st, key);

    if (!v)
        return -1;
    return !strcmp(v, "true") ? 1 : !strcmp(v, "false") ? 0 : -1;
}

/* The groups a bootstrap token authenticates in: system:bootstrappers and its extra groups. */
static json_t *bootstrap_groups(const char *extra)
{
    json_t *g = json_pack("[s, s]", "system:bootstrappers", "system:authenticated");
    const char *p = extra;

    while (g && p && *p) {
        const char *comma = strchr(p, ',');
        size_t n = comma ? (size_t)(comma - p) : strlen(p);

        while (n && *p == ' ') {
            p++;
            n--;
        }
        while (n && p[n - 1] == ' ')
            n--;
        if (n && json_array_append_new(g, json_stringn(p, n)) < 0) {
            json_decref(g);
            return NULL;
        }
        p = comma ? comma + 1 : NULL;
    }
    return g;
}

/* Whether every extra group starts with system:bootstrappers: (else the token is refused). */
static bool extra_groups_ok(const json_t *groups)
{
    const json_t *v;
    size_t i;

    json_array_foreach(groups, i, v)
    {
        const char *g = json_string_value(v);

        if (i >= 2 && (!g || strncmp(g, "system:bootstrappers:", 21) || !g[21]))
            return false;
    }
    return true;
}

/* Whether a token id is what the authenticator accepts: [a-z0-9]{6}. */
static bool token_id_ok(const char *id)
{
    size_t i;

    for (i = 0; id[i]; i++)
        if (!((id[i] >= 'a' && id[i] <= 'z') || (id[i] >= '0' && id[i] <= '9')))
            return false;
    return i == 6;
}

static int add_bootstrap(struct fbs_cloud_set *s, json_t *item, size_t idx, const char *origin)
{
    const json_t *md = json_object_get(item, "metadata"), *st = json_object_get(item, STASH);
    const json_t *lbl = json_object_get(md, "labels"), *ann = json_object_get(md, "annotations");
    const char *name = fbs_cloud_str(md, "name"), *ns = fbs_cloud_str(md, "namespace");
    const char *id = fbs_cloud_str(st, "token-id"), *extra = fbs_cloud_str(st, "auth-extra-groups");
    const char *cluster = s->k8s_cluster && *s->k8s_cluster ? s->k8s_cluster : "cluster";
    const int authn = stash_bool(st, "usage-bootstrap-authentication");
    const int signing = stash_bool(st, "usage-bootstrap-signing");
    const char *why_not = NULL;
    struct fbs_cloud_record_spec spec;
    struct fbs_finding *f = NULL;
    char *resource = NULL, *principal = NULL;
    json_t *k, *groups = NULL;
    fbs_time_t t;
    int rc;

    if (!name || !ns) {
        fbs_cloud_item_error(s, origin, "secret %zu: no metadata.name or metadata.namespace", idx);
        return 0;
    }
    if (!id || !token_id_ok(id)) {
        fbs_cloud_item_error(s, origin, "bootstrap token %s/%s: no valid token-id in its data", ns,
                             name);
        return 0;
    }
    /* The authenticator reads only kube-system, and only Secrets named after their token id. */
    if (strcmp(ns, BOOTSTRAP_NS))
        why_not = "not in kube-system: the bootstrap authenticator does not read it";
    else if (strncmp(name, "bootstrap-token-", 16) || strcmp(name + 16, id))
        why_not = "not named bootstrap-token-TOKEN-ID: the bootstrap authenticator ignores it";
    else if (authn != 1)
        why_not = "usage-bootstrap-authentication is not \"true\": it cannot authenticate";
    resource = fbs_cloud_format("k8s://%s/namespaces/%s/secrets/%s", cluster, ns, name);
    principal = fbs_cloud_format("system:bootstrap:%s", id);
    groups = bootstrap_groups(extra);
    if (!resource || !principal || !groups) {
        rc = fbs_error_set(FBS_ENOMEM, "out of memory");
        goto fail;
    }
    if (!why_not && !extra_groups_ok(groups))
        why_not = "an auth-extra-groups entry does not start with system:bootstrappers:: the "
                  "authenticator refuses the token";
    memset(&spec, 0, sizeof(spec));
    spec.source = FBS_SOURCE_KUBERNETES;
    spec.kind = "kubernetes_bootstrap_token";
    spec.rule_id = "kubernetes.bootstrap_token";
    spec.rule_name = "Kubernetes bootstrap token";
    spec.remediation = bootstrap_remediation;
    spec.resource = resource;
    spec.identifier = id;
    spec.principal = principal;
    spec.origin = origin;
    rc = fbs_cloud_record_new(&f, &spec);
    if (rc < 0)
        goto fail;
    k = fbs_cloud_record_facts(f, "kubernetes");
    if (!k || json_object_set_new(k, "cluster", json_string(cluster)) < 0 ||
        json_object_set_new(k, "namespace", json_string(ns)) < 0 ||
        json_object_set_new(k, "secret", json_string(name)) < 0 ||
        json_object_set_new(k, "token_id", json_string(id)) < 0 ||
        json_object_set_new(k, "user", json_string(principal)) < 0 ||
        json_object_set(k, "groups", groups) < 0 ||
        json_object_set_new(k, "usage_bootstrap_authentication", json_boolean(authn == 1)) < 0 ||
        json_object_set_new(k, "usage_bootstrap_signing", json_boolean(signing == 1)) < 0 ||
        (why_not && json_object_set_new(k, "cannot_authenticate", json_string(why_not)) < 0)) {
        rc = fbs_error_set(FBS_ENOMEM, "out of memory");
        goto fail;
    }
    rc = fbs_cloud_record_names(f, name);
    if (rc == 0)
        rc = fbs_cloud_record_names(f, fbs_cloud_str(st, "description"));
    if (rc == 0)
        rc = user_metadata_names(f, lbl);
    if (rc == 0)
        rc = user_metadata_names(f, ann);
    if (rc < 0)
        goto fail;
    if (why_not)
        f->active = 0;
    rc = fbs_cloud_date(&t, md, "creationTimestamp");
    if (rc > 0)
        rc = fbs_cloud_record_date(f, FBS_CLOUD_ISSUED, t, K8S_FROM);
    if (rc == 0 || rc == 1)
        rc = fbs_cloud_date(&t, st, "expiration");
    if (rc > 0)
        rc = fbs_cloud_record_date(f, FBS_CLOUD_EXPIRES, t, "expiration");
    else if (rc == 0)
        rc = fbs_cloud_record_no_expiry(f, K8S_FROM);
    if (rc == FBS_EPARSE)
        goto item;
    if (rc < 0)
        goto fail;
    /* A join token that never expires and still authenticates is a standing way into the
     * cluster kept for later: kubeadm warns that --ttl 0 tokens are a security risk. */
    if (!why_not && !f->has_expires) {
        rc = fbs_finding_add_indicator(f, "bootstrap token without expiry", "content", 0.7);
        if (rc < 0)
            goto fail;
    }
    fbs_free(resource);
    fbs_free(principal);
    json_decref(groups);
    return fbs_cloud_set_push(s, f);
item:
    fbs_cloud_item_error(s, origin, "bootstrap token %s/%s: %s", ns, name, fbs_error_message());
    rc = 0;
fail:
    fbs_finding_free(f);
    fbs_free(resource);
    fbs_free(principal);
    json_decref(groups);
    return rc;
}

static int add_secret(struct fbs_cloud_set *s, json_t *item, size_t idx, const char *origin)
{
    const json_t *md = json_object_get(item, "metadata");
    const json_t *ann = json_object_get(md, "annotations"), *lbl = json_object_get(md, "labels");
    const char *type = fbs_cloud_str(item, "type"), *name = fbs_cloud_str(md, "name");
    const char *ns = fbs_cloud_str(md, "namespace"), *uid = fbs_cloud_str(md, "uid");
    const char *sa = fbs_cloud_str(ann, ANN_SA_NAME), *sa_uid = fbs_cloud_str(ann, ANN_SA_UID);
    const char *cluster = s->k8s_cluster && *s->k8s_cluster ? s->k8s_cluster : "cluster";
    const char *invalid = fbs_cloud_str(lbl, LBL_INVALID);
    char *resource, *ident;
    struct fbs_cloud_record_spec spec;
    struct fbs_finding *f = NULL;
    fbs_time_t t;
    json_t *k;
    int rc;

    rc = wipe_secret(item);
    if (rc < 0)
        return rc;
    if (type && !strcmp(type, BOOTSTRAP_TYPE))
        return add_bootstrap(s, item, idx, origin);
    if (!type || strcmp(type, SA_TOKEN_TYPE))
        return 0;
    if (!name || !ns) {
        fbs_cloud_item_error(s, origin, "secret %zu: no metadata.name or metadata.namespace", idx);
        return 0;
    }
    resource = fbs_cloud_format("k8s://%s/namespaces/%s/secrets/%s", cluster, ns, name);
    ident = fbs_cloud_format("%s/%s", ns, name);
    if (!resource || !ident) {
        fbs_free(resource);
        fbs_free(ident);
        return fbs_error_set(FBS_ENOMEM, "out of memory");
    }
    memset(&spec, 0, sizeof(spec));
    spec.source = FBS_SOURCE_KUBERNETES;
    spec.kind = "kubernetes_service_account_token";
    spec.rule_id = "kubernetes.service_account_token";
    spec.rule_name = "Kubernetes legacy service account token";
    spec.remediation = k8s_remediation;
    spec.resource = resource;
    spec.identifier = uid && *uid ? uid : ident;
    spec.principal = sa;
    spec.origin = origin;
    rc = fbs_cloud_record_new(&f, &spec);
    fbs_free(resource);
    fbs_free(ident);
    if (rc < 0)
        return rc;
    k = fbs_cloud_record_facts(f, "kubernetes");
    if (!k || json_object_set_new(k, "cluster", json_string(cluster)) < 0 ||
        json_object_set_new(k, "namespace", json_string(ns)) < 0 ||
        json_object_set_new(k, "secret", json_string(name)) < 0 ||
        (sa && json_object_set_new(k, "service_account", json_string(sa)) < 0) ||
        (sa_uid && json_object_set_new(k, "service_account_uid", json_string(sa_uid)) < 0) ||
        (invalid && json_object_set_new(k, "invalid_since", json_string(invalid)) < 0)) {
        rc = fbs_error_set(FBS_ENOMEM, "out of memory");
        goto fail;
    }
    rc = fbs_cloud_record_names(f, name);
    if (rc == 0)
        rc = user_metadata_names(f, lbl);
    if (rc == 0)
        rc = user_metadata_names(f, ann);
    if (rc == 0)
        rc = fbs_cloud_record_no_expiry(f, K8S_FROM);
    if (rc < 0)
        goto fail;
    /* The legacy token cleaner has invalidated it: it no longer authenticates. */
    if (invalid)
        f->active = 0;
    rc = fbs_cloud_date(&t, md, "creationTimestamp");
    if (rc > 0)
        rc = fbs_cloud_record_date(f, FBS_CLOUD_ISSUED, t, K8S_FROM);
    if (rc == FBS_EPARSE)
        goto item;
    if (rc < 0)
        goto fail;
    rc = fbs_cloud_date(&t, lbl, LBL_LAST_USED);
    if (rc > 0)
        rc = fbs_cloud_record_date(f, FBS_CLOUD_LAST_USED, t, K8S_FROM);
    if (rc == FBS_EPARSE)
        goto item;
    if (rc < 0)
        goto fail;
    return fbs_cloud_set_push(s, f);
item:
    fbs_cloud_item_error(s, origin, "secret %s/%s: %s", ns, name, fbs_error_message());
    fbs_finding_free(f);
    return 0;
fail:
    fbs_finding_free(f);
    return rc;
}

/* The kind of the items of a typed list ("SecretList" -> "Secret"), or NULL. */
static const char *item_kind(const json_t *item, const char *list_kind, char *buf, size_t size)
{
    const char *k = fbs_cloud_str(item, "kind");
    size_t n;

    if (k)
        return k;
    if (!list_kind)
        return NULL;
    n = strlen(list_kind);
    if (n <= 4 || strcmp(list_kind + n - 4, "List") || n - 4 >= size)
        return NULL;
    memcpy(buf, list_kind, n - 4);
    buf[n - 4] = '\0';
    return buf;
}

static int add_item(struct fbs_cloud_set *s, json_t *item, const char *list_kind, size_t idx,
                    const char *origin)
{
    char buf[128];
    const char *kind = item_kind(item, list_kind, buf, sizeof(buf));

    if (!json_is_object(item)) {
        fbs_cloud_item_error(s, origin, "item %zu: not an object", idx);
        return 0;
    }
    if (!kind)
        return 0;
    if (!strcmp(kind, "Secret"))
        return add_secret(s, item, idx, origin);
    if (!strcmp(kind, "Role") || !strcmp(kind, "ClusterRole") || !strcmp(kind, "RoleBinding") ||
        !strcmp(kind, "ClusterRoleBinding"))
        return fbs_k8s_rbac_add(s, item, kind, list_kind != NULL, idx, origin);
    return 0;
}

int fbs_k8s_add_objects(struct fbs_cloud_set *s, json_t *doc, const char *origin)
{
    const char *kind = fbs_cloud_str(doc, "kind");
    json_t *items, *item;
    size_t i;
    int rc;

    if (!json_is_object(doc) || !kind)
        return fbs_error_set(FBS_EPARSE, "expected a Kubernetes object or List");
    items = json_object_get(doc, "items");
    if (!items)
        return add_item(s, doc, NULL, 0, origin);
    if (!json_is_array(items) && !json_is_null(items))
        return fbs_error_set(FBS_EPARSE, "'items' is not an array");
    /* Wipe every Secret first, so that an allocation failure half-way leaves nothing behind. */
    rc = 0;
    json_array_foreach(items, i, item)
    {
        int w = wipe_secret(item);

        if (w < 0)
            rc = w;
    }
    if (rc < 0)
        return rc;
    /* A typed listing of RBAC objects says that kind was read, even when it holds none. */
    if (!strcmp(kind, "RoleList") || !strcmp(kind, "ClusterRoleList") ||
        !strcmp(kind, "RoleBindingList") || !strcmp(kind, "ClusterRoleBindingList")) {
        char buf[32];

        snprintf(buf, sizeof(buf), "%.*s", (int)(strlen(kind) - 4), kind);
        rc = fbs_k8s_rbac_seen(s, buf);
        if (rc < 0)
            return rc;
    }
    json_array_foreach(items, i, item)
    {
        rc = add_item(s, item, kind, i, origin);
        if (rc < 0)
            return rc;
    }
    return 0;
}

/* --- inventory format ----------------------------------------------------------------------- */

static bool match_k8s(const json_t *doc)
{
    static const char *const kinds[] = {"List",
                                        "SecretList",
                                        "RoleList",
                                        "ClusterRoleList",
                                        "RoleBindingList",
                                        "ClusterRoleBindingList",
                                        "Secret",
                                        "Role",
                                        "ClusterRole",
                                        "RoleBinding",
                                        "ClusterRoleBinding",
                                        NULL};
    const char *kind = fbs_cloud_str(doc, "kind");
    size_t i;

    if (!kind || !fbs_cloud_str(doc, "apiVersion"))
        return false;
    /* `kubectl config view --raw -o json`: kind Config with users. */
    if (!strcmp(kind, "Config") && json_is_array(json_object_get(doc, "users")))
        return true;
    for (i = 0; kinds[i]; i++)
        if (!strcmp(kind, kinds[i]))
            return true;
    return false;
}

/* The cluster of the first context that uses kubeconfig user `uname`, or NULL. */
static const char *user_cluster(const json_t *doc, const char *uname)
{
    const json_t *c;
    size_t i;

    json_array_foreach(json_object_get(doc, "contexts"), i, c)
    {
        const json_t *ctx = json_object_get(c, "context");
        const char *u = fbs_cloud_str(ctx, "user");

        if (u && uname && !strcmp(u, uname))
            return fbs_cloud_str(ctx, "cluster");
    }
    return NULL;
}

/*
 * A kubeconfig (`kubectl config view --raw -o json`): each user's client certificate becomes a
 * kubernetes_client_certificate record. Tokens, keys and plugins are not read; the users are
 * wiped in the document.
 */
static int add_kubeconfig(struct fbs_cloud_set *s, json_t *doc, const char *origin)
{
    json_t *users = json_object_get(doc, "users"), *u;
    size_t i;
    int rc = 0;

    json_array_foreach(users, i, u)
    {
        const char *uname = fbs_cloud_str(u, "name");
        const char *data = fbs_cloud_str(json_object_get(u, "user"), "client-certificate-data");
        const char *cluster =
            s->k8s_cluster && *s->k8s_cluster ? s->k8s_cluster : user_cluster(doc, uname);
        unsigned char *pem = NULL;
        size_t n = 0;

        if (!data)
            continue;
        if (!strcmp(data, "DATA+OMITTED") || !strcmp(data, "REDACTED")) {
            fbs_cloud_item_error(s, origin,
                                 "user '%s': the client certificate was omitted from the export "
                                 "(export with 'kubectl config view --raw -o json')",
                                 uname ? uname : "?");
            continue;
        }
        rc = fbs_base64_decode(&pem, &n, data, strlen(data), (size_t)1 << 20);
        if (rc == 0)
            rc = fbs_k8s_add_client_cert(s, pem, n, uname, cluster, origin, false);
        fbs_free(pem);
        if (rc == FBS_EPARSE) {
            fbs_cloud_item_error(s, origin, "user '%s': %s", uname ? uname : "?",
                                 fbs_error_message());
            rc = 0;
        }
        if (rc < 0)
            break;
    }
    fbs_cloud_json_wipe(users);
    return rc;
}

static int add_k8s_json(struct fbs_cloud_set *s, json_t *doc, const char *origin)
{
    const char *cont = fbs_cloud_str(json_object_get(doc, "metadata"), "continue");
    const char *kind = fbs_cloud_str(doc, "kind");

    if (kind && !strcmp(kind, "Config"))
        return add_kubeconfig(s, doc, origin);

    if (cont && *cont)
        fbs_cloud_item_error(s, origin,
                             "the export is one page of a longer listing (metadata.continue is "
                             "set): the other pages were not read");
    return fbs_k8s_add_objects(s, doc, origin);
}

const struct fbs_inventory_format fbs_inventory_k8s = {
    .name = "kubernetes",
    .describes = "kubectl get secrets -A -o json / kubectl get roles,rolebindings -A -o json / "
                 "kubectl get clusterroles,clusterrolebindings -o json / "
                 "kubectl config view --raw -o json",
    .match_json = match_k8s,
    .add_json = add_k8s_json,
};
