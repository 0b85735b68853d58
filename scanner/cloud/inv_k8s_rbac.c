/*
 * inv_k8s_rbac.c - Kubernetes RBAC: Roles, ClusterRoles, RoleBindings and ClusterRoleBindings
 * filed in the set's join table, and the privilege of a token's identity decided by the rules of
 * the roles bound to it, never by the roles' names (see k8s_int.h).
 *
 * A rule is an escalation path when it grants, on the resources it names (or `*`):
 *   every verb on every resource of every API group;
 *   escalate or bind on roles (grant any permission), impersonate on users, groups or service
 *   accounts;
 *   get, list or watch on secrets (every token and password of the scope);
 *   create, update or patch on rolebindings or clusterrolebindings;
 *   create on serviceaccounts/token (mint a token for any service account of the scope);
 *   create on pods/exec or pods/attach; create on pods or workload controllers (run a pod as
 *   any service account of the scope, mount its Secrets);
 *   any verb on nodes/proxy (the kubelet API: exec in every pod of the node);
 *   update on certificatesigningrequests/approval; writes to admission webhook configurations;
 *   create on persistentvolumes (hostPath: the node's file system).
 * These are the paths of the Kubernetes documentation's "Role Based Access Control Good
 * Practices" (privilege escalation risks). A rule limited by resourceNames counts only for
 * escalate, bind and impersonate. Anything else (reading pods, writing ConfigMaps ...) is no
 * path to the cluster: normal.
 *
 * An aggregated ClusterRole (aggregationRule) is evaluated with the rules listed in its object
 * (the controller copies them in); when that list is empty, with the rules of the ClusterRoles
 * its matchLabels selectors select. When a listing of ClusterRoles was read, a role it does not
 * hold does not exist and its bindings grant nothing; when no ClusterRole was read, the default
 * roles (cluster-admin, admin, edit, view, the discovery and node bootstrap roles) are evaluated
 * with their documented rules.
 */
#include "k8s_int.h"
#include "../core/alloc.h"
#include "../core/buf.h"
#include "../core/error.h"

#include <stdio.h>
#include <string.h>

#include "../core/banned.h"

#define RBAC_GROUP "rbac.authorization.k8s.io"

/* --- the join table ------------------------------------------------------------------------- */

static json_t *member(struct fbs_cloud_set *s, const char *name, bool array)
{
    json_t *v = json_object_get(s->k8s_rbac, name);

    if (v)
        return v;
    v = array ? json_array() : json_object();
    if (!v || json_object_set_new(s->k8s_rbac, name, v) < 0)
        return NULL;
    return v;
}

int fbs_k8s_rbac_seen(struct fbs_cloud_set *s, const char *kind)
{
    json_t *read = member(s, "read", false);

    if (!read || json_object_set_new(read, kind, json_true()) < 0)
        return fbs_error_set(FBS_ENOMEM, "out of memory");
    return 0;
}

/* obj[key] = a copy of src (when src is set). */
static int copy_member(json_t *obj, const char *key, const json_t *src)
{
    json_t *c;

    if (!src || json_is_null(src))
        return 0;
    c = json_deep_copy(src);
    if (!c || json_object_set_new(obj, key, c) < 0)
        return -1;
    return 0;
}

static int add_role(struct fbs_cloud_set *s, const json_t *item, const char *kind, size_t idx,
                    const char *origin)
{
    const json_t *md = json_object_get(item, "metadata");
    const char *name = fbs_cloud_str(md, "name"), *ns = fbs_cloud_str(md, "namespace");
    const bool cluster = !strcmp(kind, "ClusterRole");
    json_t *roles = member(s, "roles", false), *o = json_object();
    char *key = NULL;
    int rc = 0;

    if (!name || (!cluster && !ns)) {
        json_decref(o);
        fbs_cloud_item_error(s, origin, "%s %zu: no metadata.name%s",
                             cluster ? "clusterrole" : "role", idx,
                             cluster ? "" : " or metadata.namespace");
        return roles ? 0 : fbs_error_set(FBS_ENOMEM, "out of memory");
    }
    key = cluster ? fbs_cloud_format("ClusterRole:%s", name)
                  : fbs_cloud_format("Role:%s:%s", ns, name);
    if (!roles || !o || !key || copy_member(o, "rules", json_object_get(item, "rules")) < 0 ||
        copy_member(o, "aggregationRule", json_object_get(item, "aggregationRule")) < 0 ||
        copy_member(o, "labels", json_object_get(md, "labels")) < 0 ||
        json_object_set(roles, key, o) < 0)
        rc = fbs_error_set(FBS_ENOMEM, "out of memory");
    json_decref(o);
    fbs_free(key);
    return rc;
}

static int add_binding(struct fbs_cloud_set *s, const json_t *item, const char *kind, size_t idx,
                       const char *origin)
{
    const json_t *md = json_object_get(item, "metadata"), *ref = json_object_get(item, "roleRef");
    const char *name = fbs_cloud_str(md, "name"), *ns = fbs_cloud_str(md, "namespace");
    const bool cluster = !strcmp(kind, "ClusterRoleBinding");
    json_t *bindings = member(s, "bindings", true), *o;

    if (!bindings)
        return fbs_error_set(FBS_ENOMEM, "out of memory");
    if (!json_is_object(ref) || !fbs_cloud_str(ref, "kind") || !fbs_cloud_str(ref, "name")) {
        fbs_cloud_item_error(s, origin, "%s %zu: no roleRef",
                             cluster ? "clusterrolebinding" : "rolebinding", idx);
        return 0;
    }
    if (!cluster && !ns) {
        fbs_cloud_item_error(s, origin, "rolebinding %zu: no metadata.namespace", idx);
        return 0;
    }
    o = json_pack("{s:s, s:s}", "kind", kind, "name", name ? name : "?");
    if (!o || (!cluster && json_object_set_new(o, "namespace", json_string(ns)) < 0) ||
        copy_member(o, "roleRef", ref) < 0 ||
        copy_member(o, "subjects", json_object_get(item, "subjects")) < 0 ||
        json_array_append_new(bindings, o) < 0) {
        json_decref(o);
        return fbs_error_set(FBS_ENOMEM, "out of memory");
    }
    return 0;
}

int fbs_k8s_rbac_add(struct fbs_cloud_set *s, const json_t *item, const char *kind, bool listed,
                     size_t idx, const char *origin)
{
    int rc = listed ? fbs_k8s_rbac_seen(s, kind) : 0;

    if (rc < 0)
        return rc;
    if (!strcmp(kind, "Role") || !strcmp(kind, "ClusterRole"))
        return add_role(s, item, kind, idx, origin);
    return add_binding(s, item, kind, idx, origin);
}

/* --- rules ---------------------------------------------------------------------------------- */

/* Whether a rule's list (apiGroups, resources, verbs) holds `want` or "*". */
static bool lists(const json_t *rule, const char *key, const char *want)
{
    const json_t *v;
    size_t i;

    json_array_foreach(json_object_get(rule, key), i, v)
    {
        const char *s = json_string_value(v);

        if (s && (!strcmp(s, "*") || !strcmp(s, want)))
            return true;
        /* "*\/exec" matches the subresource of every resource. */
        if (s && s[0] == '*' && s[1] == '/' && strchr(want, '/') &&
            !strcmp(s + 1, strchr(want, '/')))
            return true;
    }
    return false;
}

struct path {
    const char *group;
    const char *const *resources; /* NULL-terminated */
    const char *const *verbs;     /* NULL-terminated; NULL: any verb */
    bool named_ok;                /* still a path when limited by resourceNames */
    const char *what;
};

static const char *const r_roles[] = {"roles", "clusterroles", NULL};
static const char *const v_escalate[] = {"escalate", "bind", NULL};
static const char *const r_ids[] = {"users", "groups", "serviceaccounts", NULL};
static const char *const v_impersonate[] = {"impersonate", NULL};
static const char *const r_secrets[] = {"secrets", NULL};
static const char *const v_read[] = {"get", "list", "watch", NULL};
static const char *const r_bindings[] = {"rolebindings", "clusterrolebindings", NULL};
static const char *const v_write[] = {"create", "update", "patch", NULL};
static const char *const r_token[] = {"serviceaccounts/token", NULL};
static const char *const v_create[] = {"create", NULL};
static const char *const r_exec[] = {"pods/exec", "pods/attach", NULL};
static const char *const r_pods[] = {"pods", "replicationcontrollers", NULL};
static const char *const r_apps[] = {"deployments", "daemonsets", "statefulsets", "replicasets",
                                     NULL};
static const char *const r_batch[] = {"jobs", "cronjobs", NULL};
static const char *const r_proxy[] = {"nodes/proxy", NULL};
static const char *const r_approval[] = {"certificatesigningrequests/approval", NULL};
static const char *const v_update[] = {"update", "patch", NULL};
static const char *const r_hooks[] = {"mutatingwebhookconfigurations",
                                      "validatingwebhookconfigurations", NULL};
static const char *const r_pv[] = {"persistentvolumes", NULL};
static const char *const r_authn[] = {"userextras/scopes", "uids", NULL};

static const struct path paths[] = {
    {RBAC_GROUP, r_roles, v_escalate, true, "escalate or bind roles (grant any permission)"},
    {"", r_ids, v_impersonate, true, "impersonate users, groups or service accounts"},
    {"authentication.k8s.io", r_authn, v_impersonate, true,
     "impersonate users, groups or service accounts"},
    {"", r_secrets, v_read, false, "read Secrets"},
    {RBAC_GROUP, r_bindings, v_write, false, "write RoleBindings or ClusterRoleBindings"},
    {"", r_token, v_create, false, "create service account tokens"},
    {"", r_exec, v_create, false, "exec into or attach to pods"},
    {"", r_pods, v_create, false, "create pods (run as any service account of the scope)"},
    {"apps", r_apps, v_create, false, "create workloads (run as any service account of the scope)"},
    {"batch", r_batch, v_create, false,
     "create workloads (run as any service account of the scope)"},
    {"", r_proxy, NULL, false, "reach the kubelet API (nodes/proxy)"},
    {"certificates.k8s.io", r_approval, v_update, false, "approve certificate signing requests"},
    {"admissionregistration.k8s.io", r_hooks, v_write, false, "control admission webhooks"},
    {"", r_pv, v_create, false, "create persistent volumes (hostPath: the node's file system)"},
};

static bool rule_is_all(const json_t *rule)
{
    return lists(rule, "apiGroups", "\x01") && lists(rule, "resources", "\x01") &&
           lists(rule, "verbs", "\x01"); /* only "*" matches an impossible name */
}

static bool rule_grants(const json_t *rule, const struct path *p)
{
    size_t i;

    if (json_array_size(json_object_get(rule, "resourceNames")) && !p->named_ok)
        return false;
    if (!lists(rule, "apiGroups", p->group))
        return false;
    for (i = 0; p->resources[i]; i++) {
        size_t v;

        if (!lists(rule, "resources", p->resources[i]))
            continue;
        if (!p->verbs)
            return json_array_size(json_object_get(rule, "verbs")) > 0;
        for (v = 0; p->verbs[v]; v++)
            if (lists(rule, "verbs", p->verbs[v]))
                return true;
    }
    return false;
}

/* Append `what` to a ", "-joined list unless it is there. */
static int list_add(struct fbs_buf *b, const char *what)
{
    const size_t n = strlen(what);
    const char *p;

    /* Already there as a whole entry (between the start or ", " and the end or ", "). */
    for (p = b->len ? strstr(b->ptr, what) : NULL; p; p = strstr(p + 1, what))
        if ((p == b->ptr || (p - b->ptr >= 2 && p[-2] == ',' && p[-1] == ' ')) &&
            (p[n] == '\0' || (p[n] == ',' && p[n + 1] == ' ')))
            return 0;
    if (fbs_buf_printf(b, "%s%s", b->len ? ", " : "", what) < 0)
        return fbs_error_set(FBS_ENOMEM, "out of memory");
    return 0;
}

/* The escalation paths `rules` open, into `out` (empty when none). */
static int evaluate(struct fbs_buf *out, const json_t *rules)
{
    const json_t *rule;
    size_t i, k;
    int rc = 0;

    json_array_foreach(rules, i, rule)
    {
        if (rule_is_all(rule)) {
            rc = list_add(out, "every verb on every resource");
            if (rc < 0)
                return rc;
            continue;
        }
        for (k = 0; k < sizeof(paths) / sizeof(paths[0]); k++)
            if (rule_grants(rule, &paths[k])) {
                rc = list_add(out, paths[k].what);
                if (rc < 0)
                    return rc;
            }
    }
    return 0;
}

/*
 * The default roles, as the Kubernetes documentation describes them ("User-facing roles",
 * "Core component roles", "Discovery roles") and kubeadm creates them: the rules that decide
 * (admin and edit read Secrets, exec into pods and impersonate service accounts; view reads all
 * but Secrets), used only when no ClusterRole listing was read.
 */
static const struct {
    const char *name, *rules;
} builtins[] = {
    {"cluster-admin", "[{\"apiGroups\": [\"*\"], \"resources\": [\"*\"], \"verbs\": [\"*\"]}]"},
    {"admin",
     "[{\"apiGroups\": [\"\"], \"resources\": [\"secrets\", \"pods\", \"pods/exec\", "
     "\"pods/attach\", \"serviceaccounts\"], \"verbs\": [\"get\", \"list\", \"watch\", "
     "\"create\", \"update\", \"patch\", \"delete\", \"impersonate\"]}, {\"apiGroups\": "
     "[\"rbac.authorization.k8s.io\"], \"resources\": [\"rolebindings\", \"roles\"], \"verbs\": "
     "[\"create\", \"delete\", \"get\", \"list\", \"patch\", \"update\", \"watch\"]}]"},
    {"edit", "[{\"apiGroups\": [\"\"], \"resources\": [\"secrets\", \"pods\", \"pods/exec\", "
             "\"pods/attach\", \"serviceaccounts\"], \"verbs\": [\"get\", \"list\", \"watch\", "
             "\"create\", \"update\", \"patch\", \"delete\", \"impersonate\"]}]"},
    {"view", "[{\"apiGroups\": [\"\", \"apps\", \"batch\"], \"resources\": [\"pods\", "
             "\"services\", \"configmaps\", \"deployments\", \"jobs\"], \"verbs\": [\"get\", "
             "\"list\", \"watch\"]}]"},
    {"system:basic-user", "[{\"apiGroups\": [\"authorization.k8s.io\"], \"resources\": "
                          "[\"selfsubjectaccessreviews\", \"selfsubjectrulesreviews\"], "
                          "\"verbs\": [\"create\"]}]"},
    {"system:discovery", "[{\"nonResourceURLs\": [\"/api\", \"/apis\", \"/version\"], "
                         "\"verbs\": [\"get\"]}]"},
    {"system:public-info-viewer", "[{\"nonResourceURLs\": [\"/healthz\", \"/version\"], "
                                  "\"verbs\": [\"get\"]}]"},
    {"system:node-bootstrapper", "[{\"apiGroups\": [\"certificates.k8s.io\"], \"resources\": "
                                 "[\"certificatesigningrequests\"], \"verbs\": [\"create\", "
                                 "\"get\", \"list\", \"watch\"]}]"},
    {"system:certificates.k8s.io:certificatesigningrequests:nodeclient",
     "[{\"apiGroups\": [\"certificates.k8s.io\"], \"resources\": "
     "[\"certificatesigningrequests/nodeclient\"], \"verbs\": [\"create\"]}]"},
    {"kubeadm:get-nodes",
     "[{\"apiGroups\": [\"\"], \"resources\": [\"nodes\"], \"verbs\": [\"get\"]}]"},
};

/* The documented rules of default role `name` (JSON text), or NULL when it is none of them. */
static const char *builtin_rules(const char *name)
{
    size_t i;

    for (i = 0; i < sizeof(builtins) / sizeof(builtins[0]); i++)
        if (!strcmp(builtins[i].name, name))
            return builtins[i].rules;
    return NULL;
}

/* Whether every matchLabels pair of `sel` is among `labels` (a selector of nothing: false). */
static bool selects(const json_t *sel, const json_t *labels)
{
    const json_t *ml = json_object_get(sel, "matchLabels"), *v;
    const char *k;

    if (!json_object_size(ml) || json_object_get(sel, "matchExpressions"))
        return false;
    json_object_foreach((json_t *)ml, k, v)
    {
        const char *have = fbs_cloud_str(labels, k);

        if (!have || !json_is_string(v) || strcmp(have, json_string_value(v)))
            return false;
    }
    return true;
}

/* The rules of an aggregated ClusterRole whose own list is empty: those it selects. */
static json_t *aggregate(const json_t *roles, const json_t *role)
{
    const json_t *sels = json_object_get(json_object_get(role, "aggregationRule"),
                                         "clusterRoleSelectors"),
                 *sel, *other;
    json_t *out = json_array();
    const char *key;
    size_t i;

    if (!out)
        return NULL;
    json_object_foreach((json_t *)roles, key, other)
    {
        if (other == role || strncmp(key, "ClusterRole:", 12))
            continue;
        json_array_foreach(sels, i, sel)
        {
            if (selects(sel, json_object_get(other, "labels"))) {
                if (json_array_extend(out, json_object_get(other, "rules")) < 0) {
                    json_decref(out);
                    return NULL;
                }
                break;
            }
        }
    }
    return out;
}

/* --- identities and subjects ---------------------------------------------------------------- */

struct ident {
    const char *sa_ns, *sa_name; /* a service account, or NULL */
    char user[512];
    const json_t *groups; /* strings */
    bool bootstrap;       /* a bootstrap token */
    char label[600];      /* "service account NS/NAME", "bootstrap token ID" */
};

static bool in_groups(const struct ident *id, const char *g)
{
    const json_t *v;
    size_t i;

    json_array_foreach(id->groups, i, v)
    {
        if (json_is_string(v) && !strcmp(json_string_value(v), g))
            return true;
    }
    return false;
}

/* Whether the subject names the identity; `desc` says how. */
static bool subject_matches(const json_t *sub, const char *bns, const struct ident *id, char *desc,
                            size_t size)
{
    const char *kind = fbs_cloud_str(sub, "kind"), *name = fbs_cloud_str(sub, "name");
    const char *ns = fbs_cloud_str(sub, "namespace");

    if (!kind || !name)
        return false;
    if (!strcmp(kind, "ServiceAccount")) {
        /* In a RoleBinding a service account without a namespace is the binding's. */
        if (!ns || !*ns)
            ns = bns;
        if (!id->sa_ns || !ns || strcmp(ns, id->sa_ns) || strcmp(name, id->sa_name))
            return false;
        snprintf(desc, size, "service account %s/%s", ns, name);
        return true;
    }
    if (!strcmp(kind, "User")) {
        if (strcmp(name, id->user))
            return false;
        snprintf(desc, size, "user %s", name);
        return true;
    }
    if (strcmp(kind, "Group") || !in_groups(id, name))
        return false;
    if (!strcmp(name, "system:serviceaccounts"))
        snprintf(desc, size, "every service account (group %s)", name);
    else if (!strncmp(name, "system:serviceaccounts:", 23))
        snprintf(desc, size, "every service account in namespace %s (group %s)", name + 23, name);
    else if (!strcmp(name, "system:authenticated"))
        snprintf(desc, size, "every authenticated user (group %s)", name);
    else
        snprintf(desc, size, "group %s", name);
    return true;
}

/* --- the join ------------------------------------------------------------------------------- */

struct outcome {
    unsigned high, normal, unknown, bound;
    struct fbs_buf normal_roles; /* "ClusterRole view, Role ns/x" */
};

/* Evaluate one binding that names the identity; record the result in `rbac` and evidence. */
static int judge_binding(struct fbs_finding *f, const json_t *tbl, const json_t *b,
                         const char *subj, json_t *rbac, struct outcome *o)
{
    const json_t *ref = json_object_get(b, "roleRef"), *roles = json_object_get(tbl, "roles");
    const json_t *read = json_object_get(tbl, "read");
    const char *bkind = fbs_cloud_str(b, "kind"), *bname = fbs_cloud_str(b, "name");
    const char *bns = fbs_cloud_str(b, "namespace");
    const char *rkind = fbs_cloud_str(ref, "kind"), *rname = fbs_cloud_str(ref, "name");
    const bool role_ns = rkind && !strcmp(rkind, "Role");
    const char *verdict = "unknown", *rules_from = "object";
    struct fbs_buf key = FBS_BUF_INIT, grants = FBS_BUF_INIT, ev = FBS_BUF_INIT;
    json_t *rules = NULL, *entry = NULL;
    const json_t *role;
    char scope[300], rolename[300];
    int rc = 0;

    if (!rkind || !rname || (role_ns && !bns) ||
        (strcmp(rkind, "Role") && strcmp(rkind, "ClusterRole")))
        return 0;
    o->bound++;
    if (bns)
        snprintf(scope, sizeof(scope), "in namespace %s", bns);
    else
        snprintf(scope, sizeof(scope), "cluster-wide");
    if (role_ns)
        snprintf(rolename, sizeof(rolename), "Role %s/%s", bns, rname);
    else
        snprintf(rolename, sizeof(rolename), "ClusterRole %s", rname);
    if ((role_ns ? fbs_buf_printf(&key, "Role:%s:%s", bns, rname)
                 : fbs_buf_printf(&key, "ClusterRole:%s", rname)) < 0) {
        rc = fbs_error_set(FBS_ENOMEM, "out of memory");
        goto done;
    }
    role = json_object_get(roles, key.ptr);
    if (role && !json_array_size(json_object_get(role, "rules")) &&
        json_object_get(role, "aggregationRule")) {
        rules = aggregate(roles, role);
        rules_from = "aggregation";
    } else if (role) {
        rules = json_incref(json_object_get(role, "rules"));
        if (!rules)
            rules = json_array();
    } else if (json_is_true(json_object_get(read, rkind))) {
        rules = json_array(); /* listed, and not there: the binding grants nothing */
        rules_from = "missing";
    } else if (!role_ns && builtin_rules(rname)) {
        rules = json_loads(builtin_rules(rname), 0, NULL);
        rules_from = "default";
    }
    if (!rules && (role || !strcmp(rules_from, "missing") || !strcmp(rules_from, "default"))) {
        rc = fbs_error_set(FBS_ENOMEM, "out of memory");
        goto done;
    }
    if (rules)
        rc = evaluate(&grants, rules);
    if (rc < 0)
        goto done;
    if (fbs_buf_printf(&ev, "%s %s%s%s binds %s to %s, %s: ", bkind, bns ? bns : "", bns ? "/" : "",
                       bname, rolename, subj, scope) < 0) {
        rc = fbs_error_set(FBS_ENOMEM, "out of memory");
        goto done;
    }
    if (!rules) {
        o->unknown++;
        rc = fbs_buf_puts(&ev, "its rules were not read") < 0 ? FBS_ENOMEM : 0;
        rules_from = "not_read";
    } else if (grants.len) {
        o->high++;
        verdict = "high";
        rc = fbs_buf_puts(&ev, grants.ptr) < 0 ? FBS_ENOMEM : 0;
        if (rc == 0 && !strcmp(rules_from, "default"))
            rc = fbs_buf_puts(&ev, " (the default role's rules)") < 0 ? FBS_ENOMEM : 0;
    } else {
        o->normal++;
        verdict = "normal";
        if (!strcmp(rules_from, "missing"))
            strncat(rolename, ", which does not exist", sizeof(rolename) - strlen(rolename) - 1);
        rc = list_add(&o->normal_roles, rolename);
    }
    if (rc < 0) {
        rc = fbs_error_set(FBS_ENOMEM, "out of memory");
        goto done;
    }
    entry = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "binding", bname, "binding_kind",
                      bkind, "role", rname, "role_kind", rkind, "subject", subj, "scope",
                      bns ? bns : "cluster", "privilege", verdict);
    if (!entry || json_object_set_new(entry, "rules_from", json_string(rules_from)) < 0 ||
        (grants.len && json_object_set_new(entry, "grants", json_string(grants.ptr)) < 0) ||
        json_array_append(rbac, entry) < 0) {
        rc = fbs_error_set(FBS_ENOMEM, "out of memory");
        goto done;
    }
    if (strcmp(verdict, "normal"))
        rc = fbs_cloud_record_privilege(
            f, strcmp(verdict, "high") ? FBS_PRIV_UNKNOWN : FBS_PRIV_HIGH, ev.ptr);
done:
    json_decref(entry);
    json_decref(rules);
    fbs_buf_release(&key);
    fbs_buf_release(&grants);
    fbs_buf_release(&ev);
    return rc;
}

/* Bootstrap tokens in kubeadm's default node group only (or none). */
static bool default_bootstrap(const struct ident *id)
{
    const json_t *v;
    size_t i;

    json_array_foreach(id->groups, i, v)
    {
        const char *g = json_string_value(v);

        if (g && strcmp(g, "system:bootstrappers") && strcmp(g, "system:authenticated") &&
            strcmp(g, "system:bootstrappers:kubeadm:default-node-token"))
            return false;
    }
    return true;
}

static int decide(struct fbs_finding *f, const json_t *tbl, const struct ident *id,
                  struct outcome *o, json_t *k)
{
    const json_t *read = json_object_get(tbl, "read");
    const bool complete = json_is_true(json_object_get(read, "RoleBinding")) &&
                          json_is_true(json_object_get(read, "ClusterRoleBinding"));
    char ev[1200];
    int rc;

    if (o->high)
        return json_object_set_new(f->facts, "privilege_from", json_string("policy_evaluation")) < 0
                   ? fbs_error_set(FBS_ENOMEM, "out of memory")
                   : 0;
    if (!o->unknown && complete) {
        if (o->normal)
            snprintf(ev, sizeof(ev),
                     "the roles bound to %s (%s) grant no access to Secrets, other identities, "
                     "workloads or nodes",
                     id->label, o->normal_roles.ptr);
        else
            snprintf(ev, sizeof(ev), "no RoleBinding or ClusterRoleBinding grants %s anything",
                     id->label);
        rc = fbs_cloud_record_privilege(f, FBS_PRIV_NORMAL, ev);
        if (rc == 0 &&
            json_object_set_new(f->facts, "privilege_from", json_string("policy_evaluation")) < 0)
            rc = fbs_error_set(FBS_ENOMEM, "out of memory");
        return rc;
    }
    if (id->bootstrap && !o->unknown && default_bootstrap(id)) {
        snprintf(ev, sizeof(ev),
                 "%s is in kubeadm's node bootstrap group only: it can request a node client "
                 "certificate and join a node to the cluster",
                 id->label);
        return fbs_cloud_record_privilege(f, FBS_PRIV_NORMAL, ev);
    }
    if (!complete && json_object_size(read) &&
        json_object_set_new(k, "rbac_incomplete",
                            json_string(json_is_true(json_object_get(read, "RoleBinding"))
                                            ? "ClusterRoleBindings were not read"
                                            : "RoleBindings were not read")) < 0)
        return fbs_error_set(FBS_ENOMEM, "out of memory");
    return 0;
}

int fbs_k8s_join(struct fbs_cloud_set *s, struct fbs_finding *f)
{
    json_t *k = json_object_get(f->facts, "kubernetes"), *rbac = NULL, *groups = NULL;
    const json_t *tbl = s->k8s_rbac, *b, *sub;
    const char *sa = fbs_cloud_str(k, "service_account"), *ns = fbs_cloud_str(k, "namespace");
    const char *tid = fbs_cloud_str(k, "token_id"), *user = fbs_cloud_str(k, "user");
    struct outcome o;
    struct ident id;
    size_t i, j;
    int rc = 0;

    memset(&o, 0, sizeof(o));
    memset(&id, 0, sizeof(id));
    if (!k || (!(sa && ns) && !(user && json_is_array(json_object_get(k, "groups")))))
        return 0;
    /* system:masters is authorized before RBAC: no binding adds to it or takes from it. */
    if (json_is_true(json_object_get(k, "system_masters")))
        return 0;
    rbac = json_array();
    if (sa && ns) {
        id.sa_ns = ns;
        id.sa_name = sa;
        snprintf(id.user, sizeof(id.user), "system:serviceaccount:%s:%s", ns, sa);
        snprintf(id.label, sizeof(id.label), "service account %s/%s", ns, sa);
        groups = json_pack("[s, s+, s]", "system:serviceaccounts", "system:serviceaccounts:", ns,
                           "system:authenticated");
    } else {
        /* A bootstrap token or a client certificate: the user and groups it authenticates as. */
        snprintf(id.user, sizeof(id.user), "%s", user);
        if (tid)
            snprintf(id.label, sizeof(id.label), "bootstrap token %s", tid);
        else
            snprintf(id.label, sizeof(id.label), "user %s", user);
        id.bootstrap = tid != NULL;
        groups = json_deep_copy(json_object_get(k, "groups"));
    }
    if (!rbac || !groups) {
        rc = fbs_error_set(FBS_ENOMEM, "out of memory");
        goto done;
    }
    id.groups = groups;
    json_array_foreach(json_object_get(tbl, "bindings"), i, b)
    {
        char desc[700];

        json_array_foreach(json_object_get(b, "subjects"), j, sub)
        {
            if (subject_matches(sub, fbs_cloud_str(b, "namespace"), &id, desc, sizeof(desc))) {
                rc = judge_binding(f, tbl, b, desc, rbac, &o);
                break;
            }
        }
        if (rc < 0)
            goto done;
    }
    if (json_array_size(rbac) && json_object_set(k, "rbac", rbac) < 0) {
        rc = fbs_error_set(FBS_ENOMEM, "out of memory");
        goto done;
    }
    rc = decide(f, tbl, &id, &o, k);
done:
    fbs_buf_release(&o.normal_roles);
    json_decref(rbac);
    json_decref(groups);
    return rc;
}
