/*
 * inv_k8s.c - Kubernetes record builders: legacy service account token Secrets (type
 * kubernetes.io/service-account-token) from `kubectl get secrets -A -o json` or GET
 * /api/v1/secrets, and ClusterRoleBindings (`kubectl get clusterrolebindings -o json`) that make
 * the bound service accounts cluster administrators. Used by the inventory and the live collector.
 *
 * A token Secret never expires and is never cleaned up unless the cluster runs the legacy token
 * cleaner; clusters since 1.26 label it with the day it was last used
 * (kubernetes.io/legacy-token-last-used) and the cleaner marks it invalid
 * (kubernetes.io/legacy-token-invalid-since) before deleting it.
 *
 * Identifier: the Secret's uid (or "namespace/name"). A Secret's data (the token, the CA) is
 * never read: it is wiped in the parsed document, as is the last-applied-configuration
 * annotation, which can hold the same data.
 */
#include "cloud_records.h"
#include "inventory.h"
#include "../core/alloc.h"
#include "../core/buf.h"
#include "../core/error.h"

#include <stdio.h>
#include <string.h>

#include "../core/banned.h"

#define K8S_FROM "kubernetes"

#define SA_TOKEN_TYPE "kubernetes.io/service-account-token"
#define ANN_SA_NAME   "kubernetes.io/service-account.name"
#define ANN_SA_UID    "kubernetes.io/service-account.uid"
#define ANN_APPLIED   "kubectl.kubernetes.io/last-applied-configuration"
#define LBL_LAST_USED "kubernetes.io/legacy-token-last-used"
#define LBL_INVALID   "kubernetes.io/legacy-token-invalid-since"

static const char k8s_remediation[] =
    "Delete the token Secret (kubectl delete secret -n NAMESPACE NAME) and use short-lived "
    "tokens (TokenRequest, kubectl create token --duration); a break-glass identity should get "
    "a time-limited role binding and its use should be audited.";

/* Drop what a Secret must never leave behind in memory: its data and applied manifests. */
static void wipe_secret(json_t *item)
{
    json_t *ann = json_object_get(json_object_get(item, "metadata"), "annotations");

    fbs_cloud_json_wipe(json_object_get(item, "data"));
    fbs_cloud_json_wipe(json_object_get(item, "stringData"));
    fbs_cloud_json_wipe(json_object_get(ann, ANN_APPLIED));
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

    wipe_secret(item);
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

static int add_admin(struct fbs_cloud_set *s, const char *key, const char *evidence)
{
    json_t *list = json_object_get(s->k8s_admins, key);
    size_t i;

    if (!list) {
        list = json_array();
        if (!list || json_object_set_new(s->k8s_admins, key, list) < 0)
            return fbs_error_set(FBS_ENOMEM, "out of memory");
    }
    for (i = 0; i < json_array_size(list); i++)
        if (!strcmp(json_string_value(json_array_get(list, i)), evidence))
            return 0;
    if (json_array_append_new(list, json_string(evidence)) < 0)
        return fbs_error_set(FBS_ENOMEM, "out of memory");
    return 0;
}

/*
 * The cluster roles that make a service account an administrator when bound cluster-wide:
 * cluster-admin (everything), admin (everything in every namespace, including every Secret).
 */
static bool admin_role(const json_t *ref)
{
    const char *kind = fbs_cloud_str(ref, "kind"), *name = fbs_cloud_str(ref, "name");

    return kind && name && !strcmp(kind, "ClusterRole") &&
           (!strcmp(name, "cluster-admin") || !strcmp(name, "admin"));
}

static int add_binding(struct fbs_cloud_set *s, const json_t *item, size_t idx, const char *origin)
{
    const char *bname = fbs_cloud_str(json_object_get(item, "metadata"), "name");
    const json_t *ref = json_object_get(item, "roleRef"), *subjects, *sub;
    const char *role = fbs_cloud_str(ref, "name");
    char key[512], ev[1024];
    size_t i;
    int rc;

    if (!json_is_object(ref)) {
        fbs_cloud_item_error(s, origin, "clusterrolebinding %zu: no roleRef", idx);
        return 0;
    }
    if (!admin_role(ref))
        return 0;
    if (!bname)
        bname = "?";
    subjects = json_object_get(item, "subjects");
    json_array_foreach(subjects, i, sub)
    {
        const char *kind = fbs_cloud_str(sub, "kind"), *name = fbs_cloud_str(sub, "name");
        const char *ns = fbs_cloud_str(sub, "namespace");

        if (!kind || !name)
            continue;
        key[0] = '\0';
        if (!strcmp(kind, "ServiceAccount") && ns) {
            snprintf(key, sizeof(key), "%s/%s", ns, name);
            snprintf(ev, sizeof(ev),
                     "ClusterRoleBinding %s binds ClusterRole %s to service account %s/%s", bname,
                     role, ns, name);
        } else if (!strcmp(kind, "User") && !strncmp(name, "system:serviceaccount:", 22) &&
                   strchr(name + 22, ':')) {
            /* The user name a service account authenticates as: system:serviceaccount:NS:SA */
            const char *colon = strchr(name + 22, ':');

            snprintf(key, sizeof(key), "%.*s/%s", (int)(colon - (name + 22)), name + 22, colon + 1);
            snprintf(ev, sizeof(ev), "ClusterRoleBinding %s binds ClusterRole %s to user %s", bname,
                     role, name);
        } else if (!strcmp(kind, "Group") && !strcmp(name, "system:serviceaccounts")) {
            snprintf(ev, sizeof(ev),
                     "ClusterRoleBinding %s binds ClusterRole %s to every service account", bname,
                     role);
        } else if (!strcmp(kind, "Group") && !strncmp(name, "system:serviceaccounts:", 23) &&
                   name[23]) {
            snprintf(key, sizeof(key), "%s/", name + 23);
            snprintf(ev, sizeof(ev),
                     "ClusterRoleBinding %s binds ClusterRole %s to every service account in "
                     "namespace %s",
                     bname, role, name + 23);
        } else {
            continue;
        }
        rc = add_admin(s, key, ev);
        if (rc < 0)
            return rc;
    }
    return 0;
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
    if (!strcmp(kind, "ClusterRoleBinding"))
        return add_binding(s, item, idx, origin);
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
    json_array_foreach(items, i, item) wipe_secret(item);
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
    static const char *const kinds[] = {"List",   "SecretList",         "ClusterRoleBindingList",
                                        "Secret", "ClusterRoleBinding", NULL};
    const char *kind = fbs_cloud_str(doc, "kind");
    size_t i;

    if (!kind || !fbs_cloud_str(doc, "apiVersion"))
        return false;
    for (i = 0; kinds[i]; i++)
        if (!strcmp(kind, kinds[i]))
            return true;
    return false;
}

static int add_k8s_json(struct fbs_cloud_set *s, json_t *doc, const char *origin)
{
    const char *cont = fbs_cloud_str(json_object_get(doc, "metadata"), "continue");

    if (cont && *cont)
        fbs_cloud_item_error(s, origin,
                             "the export is one page of a longer listing (metadata.continue is "
                             "set): the other pages were not read");
    return fbs_k8s_add_objects(s, doc, origin);
}

const struct fbs_inventory_format fbs_inventory_k8s = {
    .name = "kubernetes",
    .describes = "kubectl get secrets -A -o json / kubectl get clusterrolebindings -o json",
    .match_json = match_k8s,
    .add_json = add_k8s_json,
};
