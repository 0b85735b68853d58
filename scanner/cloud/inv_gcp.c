/*
 * inv_gcp.c - GCP record builders: service account keys (gcloud iam service-accounts keys list
 * --format=json, or the IAM API's keys.list response), service accounts (names, disabled) and
 * the project IAM policy (roles). Used by the inventory and the live collector alike.
 *
 * A key's resource is its full resource name, "//iam.googleapis.com/" + name; its identifier is
 * the key id (the last segment of the name), which also appears as private_key_id in the key
 * file. validBeforeTime 9999-12-31T23:59:59Z is how the API writes "never expires".
 */
#include "cloud_records.h"
#include "inventory.h"
#include "../core/alloc.h"
#include "../core/buf.h"
#include "../core/error.h"

#include <stdio.h>
#include <string.h>

#include "../core/banned.h"

#define GCP_FROM "gcp_iam"

static const char gcp_remediation[] =
    "Delete the key (gcloud iam service-accounts keys delete KEY_ID --iam-account SA) and use "
    "short-lived credentials instead (impersonation, workload identity federation); a "
    "break-glass key that must exist should expire (constraints/iam.serviceAccountKeyExpiryHours) "
    "and its use should alert.";

bool fbs_gcp_role_is_high(const char *role)
{
    static const char *const high[] = {
        "roles/owner",
        "roles/editor",
        "roles/iam.serviceAccountKeyAdmin",
        "roles/iam.serviceAccountAdmin",
        "roles/iam.serviceAccountTokenCreator",
        "roles/iam.securityAdmin",
        "roles/iam.roleAdmin",
        "roles/iam.organizationRoleAdmin",
        "roles/resourcemanager.projectIamAdmin",
        "roles/resourcemanager.folderAdmin",
        "roles/resourcemanager.folderIamAdmin",
        "roles/resourcemanager.organizationAdmin",
        NULL,
    };
    size_t i, n;

    if (!role)
        return false;
    for (i = 0; high[i]; i++)
        if (!strcmp(role, high[i]))
            return true;
    /* A service's full administrator (roles/container.admin, roles/secretmanager.admin ...). */
    n = strlen(role);
    return !strncmp(role, "roles/", 6) && n > 12 && !strcmp(role + n - 6, ".admin") &&
           !memchr(role + 6, '/', n - 6);
}

/*
 * Split "projects/P/serviceAccounts/EMAIL/keys/ID" into its parts (copies into the caller's
 * buffers). 0, or -1 when the name has another shape.
 */
static int split_key_name(const char *name, char *project, size_t psz, char *email, size_t esz,
                          const char **key_id)
{
    const char *p, *sa, *keys;
    size_t n;

    if (strncmp(name, "projects/", 9))
        return -1;
    p = name + 9;
    sa = strstr(p, "/serviceAccounts/");
    if (!sa || sa == p)
        return -1;
    n = (size_t)(sa - p);
    if (n >= psz)
        return -1;
    memcpy(project, p, n);
    project[n] = '\0';
    sa += strlen("/serviceAccounts/");
    keys = strstr(sa, "/keys/");
    if (!keys || keys == sa)
        return -1;
    n = (size_t)(keys - sa);
    if (n >= esz)
        return -1;
    memcpy(email, sa, n);
    email[n] = '\0';
    *key_id = keys + strlen("/keys/");
    if (!**key_id || strchr(*key_id, '/'))
        return -1;
    return 0;
}

/*
 * Google's own findings about a key: disableReason (SERVICE_ACCOUNT_KEY_DISABLE_REASON_EXPOSED,
 * ..._COMPROMISE_DETECTED) and extendedStatus entries (SERVICE_ACCOUNT_KEY_EXTENDED_STATUS_
 * KEY_EXPOSED with where it was found, ..._KEY_COMPROMISE_DETECTED). Either sets facts.exposed
 * and facts.gcp.exposed_by; the values are kept in facts.gcp.
 */
static int exposure(struct fbs_finding *f, json_t *gcp, const json_t *key)
{
    const char *reason = fbs_cloud_str(key, "disableReason");
    const json_t *ext = json_object_get(key, "extendedStatus"), *e;
    const char *by = NULL;
    size_t i;

    if (reason && json_object_set_new(gcp, "disable_reason", json_string(reason)) < 0)
        return fbs_error_set(FBS_ENOMEM, "out of memory");
    if (reason && (strstr(reason, "EXPOSED") || strstr(reason, "COMPROMISE")))
        by = reason;
    if (json_is_array(ext) && json_object_set(gcp, "extended_status", (json_t *)ext) < 0)
        return fbs_error_set(FBS_ENOMEM, "out of memory");
    json_array_foreach(ext, i, e)
    {
        const char *k = fbs_cloud_str(e, "key");

        if (!by && k && (strstr(k, "KEY_EXPOSED") || strstr(k, "COMPROMISE")))
            by = k;
    }
    if (!by)
        return 0;
    if (json_object_set_new(f->facts, "exposed", json_true()) < 0 ||
        json_object_set_new(gcp, "exposed_by", json_string(by)) < 0)
        return fbs_error_set(FBS_ENOMEM, "out of memory");
    return 0;
}

static int add_key(struct fbs_cloud_set *s, const json_t *key, size_t idx, const char *origin)
{
    const char *name = fbs_cloud_str(key, "name"), *type = fbs_cloud_str(key, "keyType");
    const char *key_id = NULL;
    char project[256], email[320], *resource = NULL;
    struct fbs_cloud_record_spec spec;
    struct fbs_finding *f = NULL;
    fbs_time_t t;
    json_t *gcp;
    int rc;

    if (!json_is_object(key)) {
        fbs_cloud_item_error(s, origin, "key %zu: not an object", idx);
        return 0;
    }
    if (!name || split_key_name(name, project, sizeof(project), email, sizeof(email), &key_id)) {
        fbs_cloud_item_error(
            s, origin, "key %zu: 'name' is not 'projects/P/serviceAccounts/EMAIL/keys/ID'", idx);
        return 0;
    }
    if (type && !strcmp(type, "SYSTEM_MANAGED")) {
        s->skipped_system_keys++;
        return 0;
    }
    resource = fbs_cloud_format("//iam.googleapis.com/%s", name);
    if (!resource)
        return fbs_error_set(FBS_ENOMEM, "out of memory");
    memset(&spec, 0, sizeof(spec));
    spec.source = FBS_SOURCE_GCP;
    spec.kind = "gcp_service_account_key";
    spec.rule_id = "gcp.iam.service_account_key";
    spec.rule_name = "GCP service account key";
    spec.remediation = gcp_remediation;
    spec.resource = resource;
    spec.identifier = key_id;
    spec.principal = email;
    spec.origin = origin;
    rc = fbs_cloud_record_new(&f, &spec);
    fbs_free(resource);
    if (rc < 0)
        return rc;
    gcp = fbs_cloud_record_facts(f, "gcp");
    if (!gcp || json_object_set_new(gcp, "project", json_string(project)) < 0 ||
        json_object_set_new(gcp, "service_account", json_string(email)) < 0 ||
        json_object_set_new(gcp, "key_id", json_string(key_id)) < 0 ||
        json_object_set_new(gcp, "key_type", json_string(type ? type : "USER_MANAGED")) < 0 ||
        (fbs_cloud_str(key, "keyAlgorithm") &&
         json_object_set_new(gcp, "key_algorithm",
                             json_string(fbs_cloud_str(key, "keyAlgorithm"))) < 0) ||
        (fbs_cloud_str(key, "keyOrigin") &&
         json_object_set_new(gcp, "key_origin", json_string(fbs_cloud_str(key, "keyOrigin"))) <
             0)) {
        rc = fbs_error_set(FBS_ENOMEM, "out of memory");
        goto fail;
    }
    if (json_is_true(json_object_get(key, "disabled")))
        f->active = 0;
    rc = exposure(f, gcp, key);
    if (rc < 0)
        goto fail;
    rc = fbs_cloud_date(&t, key, "validAfterTime");
    if (rc > 0)
        rc = fbs_cloud_record_date(f, FBS_CLOUD_ISSUED, t, GCP_FROM);
    if (rc == FBS_EPARSE)
        goto item;
    if (rc < 0)
        goto fail;
    rc = fbs_cloud_date(&t, key, "validBeforeTime");
    if (rc > 0) {
        /* The API's "no expiry": 9999-12-31T23:59:59Z (any date in year 9999 counts). */
        if (t >= fbs_days_from_civil(9999, 1, 1) * FBS_DAY)
            rc = fbs_cloud_record_no_expiry(f, GCP_FROM);
        else
            rc = fbs_cloud_record_date(f, FBS_CLOUD_EXPIRES, t, GCP_FROM);
    }
    if (rc == FBS_EPARSE)
        goto item;
    if (rc < 0)
        goto fail;
    return fbs_cloud_set_push(s, f);
item:
    fbs_cloud_item_error(s, origin, "key %zu (%s): %s", idx, key_id, fbs_error_message());
    fbs_finding_free(f);
    return 0;
fail:
    fbs_finding_free(f);
    return rc;
}

static const json_t *items_of(const json_t *doc, const char *wrapper)
{
    if (json_is_array(doc))
        return doc;
    if (json_is_object(doc) && json_is_array(json_object_get(doc, wrapper)))
        return json_object_get(doc, wrapper);
    return NULL;
}

int fbs_gcp_add_keys(struct fbs_cloud_set *s, const json_t *doc, const char *origin)
{
    const json_t *items = items_of(doc, "keys");
    size_t i;
    int rc;

    if (json_is_object(doc) && !json_object_get(doc, "keys") && fbs_cloud_str(doc, "name"))
        return add_key(s, doc, 0, origin); /* a single key (keys get) */
    if (!items) {
        if (json_is_object(doc) && !json_object_size(doc))
            return 0; /* the API omits "keys" when an account has none: {} */
        return fbs_error_set(FBS_EPARSE, "expected an array of service account keys");
    }
    for (i = 0; i < json_array_size(items); i++) {
        rc = add_key(s, json_array_get(items, i), i, origin);
        if (rc < 0)
            return rc;
    }
    return 0;
}

static int add_account(struct fbs_cloud_set *s, const json_t *a, size_t idx, const char *origin)
{
    const char *email = fbs_cloud_str(a, "email");
    const char *dn = fbs_cloud_str(a, "displayName"), *desc = fbs_cloud_str(a, "description");
    struct fbs_buf names = FBS_BUF_INIT;
    json_t *entry;
    int rc = 0;

    if (!email) {
        fbs_cloud_item_error(s, origin, "service account %zu: no 'email'", idx);
        return 0;
    }
    if ((dn && fbs_buf_puts(&names, dn) < 0) ||
        (desc && ((names.len && fbs_buf_putc(&names, ' ') < 0) || fbs_buf_puts(&names, desc) < 0)))
        rc = FBS_ENOMEM;
    entry = rc == 0 ? json_pack("{s:s, s:b}", "names", names.ptr, "disabled",
                                json_is_true(json_object_get(a, "disabled")))
                    : NULL;
    fbs_buf_release(&names);
    if (!entry || json_object_set_new(s->gcp_accounts, email, entry) < 0)
        return fbs_error_set(FBS_ENOMEM, "out of memory");
    return 0;
}

int fbs_gcp_add_accounts(struct fbs_cloud_set *s, const json_t *doc, const char *origin)
{
    const json_t *items = items_of(doc, "accounts");
    size_t i;
    int rc;

    if (!items) {
        if (json_is_object(doc) && !json_object_size(doc))
            return 0;
        return fbs_error_set(FBS_EPARSE, "expected an array of service accounts");
    }
    for (i = 0; i < json_array_size(items); i++) {
        rc = add_account(s, json_array_get(items, i), i, origin);
        if (rc < 0)
            return rc;
    }
    return 0;
}

static int add_role(struct fbs_cloud_set *s, const char *email, const char *role)
{
    json_t *roles = json_object_get(s->gcp_roles, email);
    size_t i;

    if (!roles) {
        roles = json_array();
        if (!roles || json_object_set_new(s->gcp_roles, email, roles) < 0)
            return fbs_error_set(FBS_ENOMEM, "out of memory");
    }
    for (i = 0; i < json_array_size(roles); i++)
        if (!strcmp(json_string_value(json_array_get(roles, i)), role))
            return 0;
    if (json_array_append_new(roles, json_string(role)) < 0)
        return fbs_error_set(FBS_ENOMEM, "out of memory");
    return 0;
}

/*
 * A conditional binding that grants only until a time: its condition's expression is a
 * conjunction holding `request.time < timestamp("T")` (or `<=`). Once T is past (s->now), the
 * binding grants nothing. Other conditions are kept: the role may apply.
 */
static bool binding_expired(const struct fbs_cloud_set *s, const json_t *b)
{
    const char *expr = fbs_cloud_str(json_object_get(b, "condition"), "expression");
    const char *p;

    if (!expr || !s->now || strstr(expr, "||"))
        return false;
    for (p = strstr(expr, "request.time"); p; p = strstr(p + 1, "request.time")) {
        const char *q = p + 12, *ts;
        char when[40];
        size_t n;
        fbs_time_t t;

        while (*q == ' ')
            q++;
        if (*q != '<')
            continue;
        q += q[1] == '=' ? 2 : 1;
        while (*q == ' ')
            q++;
        if (strncmp(q, "timestamp(", 10) != 0)
            continue;
        ts = q + 10;
        if (*ts != '"' && *ts != '\'')
            continue;
        n = strcspn(ts + 1, "\"'");
        if (n == 0 || n >= sizeof(when))
            continue;
        memcpy(when, ts + 1, n);
        when[n] = '\0';
        if (fbs_time_parse(&t, when) == 0 && t <= s->now)
            return true;
    }
    return false;
}

/* A role granted to `email` on an ancestor (`on`), once per role and place. */
static int add_grant(struct fbs_cloud_set *s, const char *email, const char *role, const char *on,
                     bool conditional)
{
    json_t *grants = json_object_get(s->gcp_grants, email), *g;
    size_t i;

    if (!grants) {
        grants = json_array();
        if (!grants || json_object_set_new(s->gcp_grants, email, grants) < 0)
            return fbs_error_set(FBS_ENOMEM, "out of memory");
    }
    json_array_foreach(grants, i, g)
    {
        if (!strcmp(fbs_cloud_str(g, "role"), role) && !strcmp(fbs_cloud_str(g, "on"), on)) {
            /* Granted both with and without a condition: the unconditional grant decides. */
            if (!conditional && json_object_set_new(g, "conditional", json_false()) < 0)
                return fbs_error_set(FBS_ENOMEM, "out of memory");
            return 0;
        }
    }
    g = json_pack("{s:s, s:s, s:b}", "role", role, "on", on, "conditional", conditional);
    if (!g || json_array_append_new(grants, g) < 0)
        return fbs_error_set(FBS_ENOMEM, "out of memory");
    return 0;
}

int fbs_gcp_add_iam_policy(struct fbs_cloud_set *s, const json_t *doc, const char *origin)
{
    return fbs_gcp_add_iam_policy_on(s, doc, origin, NULL);
}

int fbs_gcp_add_iam_policy_on(struct fbs_cloud_set *s, const json_t *doc, const char *origin,
                              const char *on)
{
    const json_t *bindings = json_object_get(doc, "bindings"), *b;
    size_t i, j;
    int rc;

    if (!json_is_object(doc))
        return fbs_error_set(FBS_EPARSE, "expected an IAM policy object");
    if (!bindings)
        return 0; /* a policy without bindings */
    if (!json_is_array(bindings))
        return fbs_error_set(FBS_EPARSE, "'bindings' is not an array");
    json_array_foreach(bindings, i, b)
    {
        const char *role = fbs_cloud_str(b, "role");
        const json_t *members = json_object_get(b, "members");

        if (!role || !json_is_array(members)) {
            fbs_cloud_item_error(s, origin, "binding %zu: no 'role' or 'members'", i);
            continue;
        }
        if (binding_expired(s, b))
            continue;
        for (j = 0; j < json_array_size(members); j++) {
            const char *m = json_string_value(json_array_get(members, j));

            /* "deleted:serviceAccount:..." members no longer grant anything. */
            if (!m || strncmp(m, "serviceAccount:", 15) || !m[15])
                continue;
            rc = on ? add_grant(s, m + 15, role, on, json_object_get(b, "condition") != NULL)
                    : add_role(s, m + 15, role);
            if (rc < 0)
                return rc;
        }
    }
    return 0;
}

int fbs_gcp_add_ancestry(struct fbs_cloud_set *s, const char *project, const json_t *ancestors)
{
    if (!project || !*project || !json_is_array(ancestors))
        return 0;
    if (json_object_set(s->gcp_ancestry, project, (json_t *)ancestors) < 0)
        return fbs_error_set(FBS_ENOMEM, "out of memory");
    return 0;
}

int fbs_gcp_join_inherited(struct fbs_cloud_set *s, struct fbs_finding *f, json_t *gcp,
                           const char *email, size_t *granted)
{
    const json_t *grants = json_object_get(s->gcp_grants, email), *g;
    const json_t *chain = json_object_get(s->gcp_ancestry, fbs_cloud_str(gcp, "project"));
    char ev[640];
    size_t i;
    int rc;

    *granted = json_array_size(grants);
    if (json_array_size(chain) && json_object_set(gcp, "ancestors", (json_t *)chain) < 0)
        return fbs_error_set(FBS_ENOMEM, "out of memory");
    if (!*granted)
        return 0;
    /* Roles granted above the project hold on every project below: they count wherever the
     * key's project sits, and the evidence says where each was granted. */
    if (json_object_set(gcp, "inherited_roles", (json_t *)grants) < 0)
        return fbs_error_set(FBS_ENOMEM, "out of memory");
    json_array_foreach(grants, i, g)
    {
        const char *role = fbs_cloud_str(g, "role");

        if (!fbs_gcp_role_is_high(role))
            continue;
        snprintf(ev, sizeof(ev), "service account %s has %s granted on %s%s", email, role,
                 fbs_cloud_str(g, "on"),
                 json_is_true(json_object_get(g, "conditional")) ? " (under a condition)" : "");
        rc = fbs_cloud_record_privilege(f, FBS_PRIV_HIGH, ev);
        if (rc < 0)
            return rc;
    }
    return 0;
}

/* --- inventory formats ---------------------------------------------------------------------- */

static bool is_key_name(const char *name)
{
    return name && !strncmp(name, "projects/", 9) && strstr(name, "/serviceAccounts/") &&
           strstr(name, "/keys/");
}

static bool match_keys(const json_t *doc)
{
    const json_t *first = fbs_inventory_first(doc, "keys", true);

    return first && is_key_name(fbs_cloud_str(first, "name")) &&
           (json_object_get(first, "validAfterTime") || json_object_get(first, "keyType") ||
            json_object_get(first, "keyAlgorithm"));
}

static int add_keys_json(struct fbs_cloud_set *s, json_t *doc, const char *origin)
{
    return fbs_gcp_add_keys(s, doc, origin);
}

const struct fbs_inventory_format fbs_inventory_gcp_keys = {
    .name = "gcp_service_account_keys",
    .describes = "gcloud iam service-accounts keys list --format=json (or the keys.list API)",
    .match_json = match_keys,
    .add_json = add_keys_json,
};

static bool match_accounts(const json_t *doc)
{
    const json_t *first = fbs_inventory_first(doc, "accounts", false);
    const char *name = fbs_cloud_str(first, "name");

    return first && fbs_cloud_str(first, "email") && name && !strncmp(name, "projects/", 9) &&
           strstr(name, "/serviceAccounts/") && !strstr(name, "/keys/");
}

static int add_accounts_json(struct fbs_cloud_set *s, json_t *doc, const char *origin)
{
    return fbs_gcp_add_accounts(s, doc, origin);
}

const struct fbs_inventory_format fbs_inventory_gcp_accounts = {
    .name = "gcp_service_accounts",
    .describes = "gcloud iam service-accounts list --format=json (or the serviceAccounts.list API)",
    .match_json = match_accounts,
    .add_json = add_accounts_json,
};

static bool match_policy(const json_t *doc)
{
    const json_t *b = json_array_get(json_object_get(doc, "bindings"), 0);

    return json_is_object(doc) && fbs_cloud_str(b, "role") &&
           json_is_array(json_object_get(b, "members"));
}

static int add_policy_json(struct fbs_cloud_set *s, json_t *doc, const char *origin)
{
    return fbs_gcp_add_iam_policy(s, doc, origin);
}

const struct fbs_inventory_format fbs_inventory_gcp_iam_policy = {
    .name = "gcp_iam_policy",
    .describes = "gcloud projects get-iam-policy PROJECT --format=json",
    .match_json = match_policy,
    .add_json = add_policy_json,
};

/*
 * `gcloud projects get-ancestors-iam-policy P --format=json`: the project's policy and those of
 * its folders and organisation, nearest first: [{"id", "type": "project" | "folder" |
 * "organization", "policy": {...}}]. `gcloud projects get-ancestors P --format=json` is the same
 * list without policies: the ancestry alone.
 */
static const char *ancestor_prefix(const char *type)
{
    if (!type)
        return NULL;
    if (!strcmp(type, "project"))
        return "projects/";
    if (!strcmp(type, "folder"))
        return "folders/";
    if (!strcmp(type, "organization"))
        return "organizations/";
    return NULL;
}

static bool match_ancestors(const json_t *doc)
{
    const json_t *first = json_array_get(doc, 0);

    return json_is_array(doc) && fbs_cloud_str(first, "id") &&
           ancestor_prefix(fbs_cloud_str(first, "type")) &&
           (!json_object_get(first, "policy") || json_is_object(json_object_get(first, "policy")));
}

static int add_ancestors_json(struct fbs_cloud_set *s, json_t *doc, const char *origin)
{
    const char *project = NULL;
    const json_t *item;
    json_t *chain = json_array();
    size_t i;
    int rc = 0;

    if (!chain)
        return fbs_error_set(FBS_ENOMEM, "out of memory");
    json_array_foreach(doc, i, item)
    {
        const char *id = fbs_cloud_str(item, "id"), *type = fbs_cloud_str(item, "type");
        const char *prefix = ancestor_prefix(type);
        const json_t *policy = json_object_get(item, "policy");
        char *name;

        if (!id || !*id || !prefix) {
            fbs_cloud_item_error(s, origin,
                                 "ancestor %zu: no 'id', or a 'type' other than "
                                 "project, folder or organization",
                                 i);
            continue;
        }
        if (!strcmp(type, "project")) {
            if (!project)
                project = id;
            if (policy)
                rc = fbs_gcp_add_iam_policy_on(s, policy, origin, NULL);
        } else {
            name = fbs_cloud_format("%s%s", prefix, id);
            if (!name) {
                rc = fbs_error_set(FBS_ENOMEM, "out of memory");
                break;
            }
            rc = json_array_append_new(chain, json_string(name)) < 0
                     ? fbs_error_set(FBS_ENOMEM, "out of memory")
                     : 0;
            if (rc == 0 && policy)
                rc = fbs_gcp_add_iam_policy_on(s, policy, origin, name);
            fbs_free(name);
        }
        if (rc == FBS_EPARSE) {
            fbs_cloud_item_error(s, origin, "policy of %s%s: %s", prefix, id, fbs_error_message());
            rc = 0;
        }
        if (rc < 0)
            break;
    }
    if (rc == 0)
        rc = fbs_gcp_add_ancestry(s, project, chain);
    json_decref(chain);
    return rc;
}

const struct fbs_inventory_format fbs_inventory_gcp_ancestors = {
    .name = "gcp_ancestors_iam_policy",
    .describes = "gcloud projects get-ancestors-iam-policy PROJECT --format=json (or "
                 "get-ancestors)",
    .match_json = match_ancestors,
    .add_json = add_ancestors_json,
};
