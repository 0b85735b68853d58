/*
 * inv_azure_roles.c - Azure role assignments, so that the privilege of an application's or a
 * service principal's client secrets and certificates is known (see cloud_records.h):
 *
 *   Azure RBAC         role assignments and role definitions, from ARM
 *                      (GET {scope}/providers/Microsoft.Authorization/roleAssignments and
 *                      roleDefinitions: {"value": [{"id", "name", "properties": {...}}]}) or
 *                      from `az role assignment list --all` / `az role definition list` (the
 *                      same members, flat, plus principalName and roleDefinitionName);
 *   Entra ID roles     directory role assignments from Microsoft Graph
 *                      (GET /v1.0/roleManagement/directory/roleAssignments?$expand=roleDefinition).
 *
 * A role definition is evaluated once, from its permissions: every action (`*`), writing role
 * assignments (`Microsoft.Authorization/roleAssignments/write`, or every Microsoft.Authorization
 * action), or every action of a resource provider (Microsoft.KeyVault's, say) is high; anything
 * else is normal.
 * Directory roles are high by what they allow (assigning roles, adding credentials to
 * applications or service principals, all tasks on those) or, without their permissions, by the
 * built-in roles that do (Global Administrator, Privileged Role Administrator, Application
 * Administrator ...). A role known only by name is high or normal when the name is one of the
 * built-ins above or a "... Reader", else unknown.
 *
 * The join: an assignment's principalId is a service principal's object id; an application's
 * credentials belong to its service principal, found through the appId (servicePrincipal
 * objects read in the same run, or an az assignment's principalName, which is the appId).
 */
#include "cloud_records.h"
#include "inventory.h"
#include "../core/alloc.h"
#include "../core/buf.h"
#include "../core/error.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "../core/banned.h"

/* --- evaluating a role ------------------------------------------------------------------------ */

struct verdict {
    enum fbs_privilege level; /* UNKNOWN: cannot tell */
    char why[200];
};

static bool ends_with_ci(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);

    return n >= m && !strcasecmp(s + n - m, suffix);
}

static bool in_list_ci(const json_t *list, const char *s)
{
    const json_t *v;
    size_t i;

    json_array_foreach(list, i, v)
    {
        if (json_is_string(v) && !strcasecmp(json_string_value(v), s))
            return true;
    }
    return false;
}

/* One ARM action: why it makes a role administrative, or NULL. */
static const char *arm_action_high(const char *a, char *buf, size_t size)
{
    const char *slash = strchr(a, '/');

    if (!strcmp(a, "*"))
        return "all actions (*)";
    if (!strcasecmp(a, "Microsoft.Authorization/*") ||
        !strcasecmp(a, "Microsoft.Authorization/*/write") ||
        !strcasecmp(a, "Microsoft.Authorization/roleAssignments/*") ||
        !strcasecmp(a, "Microsoft.Authorization/roleAssignments/write") ||
        !strcasecmp(a, "*/write")) {
        snprintf(buf, size, "%s: it can grant roles", a);
        return buf;
    }
    /* Every action of one resource provider: full control of a service. */
    if (slash && !strcmp(slash, "/*")) {
        snprintf(buf, size, "%s: every action of %.*s", a, (int)(slash - a), a);
        return buf;
    }
    return NULL;
}

/* ARM permissions: [{"actions", "notActions", "dataActions", "notDataActions"}]. */
static void eval_arm_permissions(struct verdict *v, const json_t *perms)
{
    const json_t *p, *a;
    size_t i, j;
    bool reads_only = true;
    char buf[200];

    v->level = FBS_PRIV_NORMAL;
    json_array_foreach(perms, i, p)
    {
        const json_t *not_actions = json_object_get(p, "notActions");

        json_array_foreach(json_object_get(p, "actions"), j, a)
        {
            const char *act = json_string_value(a), *why;

            if (!act || in_list_ci(not_actions, act))
                continue;
            why = arm_action_high(act, buf, sizeof(buf));
            if (why) {
                v->level = FBS_PRIV_HIGH;
                snprintf(v->why, sizeof(v->why), "%s", why);
                return;
            }
            if (!ends_with_ci(act, "/read"))
                reads_only = false;
        }
    }
    snprintf(v->why, sizeof(v->why), "%s",
             reads_only ? "read-only" : "no role-assignment or full-control action");
}

/* Directory (Entra ID) permissions: [{"allowedResourceActions": [...]}]. */
static void eval_directory_permissions(struct verdict *v, const json_t *perms)
{
    const json_t *p, *a;
    size_t i, j;
    bool reads_only = true;

    v->level = FBS_PRIV_NORMAL;
    json_array_foreach(perms, i, p)
    {
        json_array_foreach(json_object_get(p, "allowedResourceActions"), j, a)
        {
            const char *act = json_string_value(a);
            char lower[256];
            size_t k;

            if (!act)
                continue;
            for (k = 0; act[k] && k + 1 < sizeof(lower); k++)
                lower[k] = (char)tolower((unsigned char)act[k]);
            lower[k] = '\0';
            if (strstr(lower, "/roleassignments/") && !ends_with_ci(lower, "/read")) {
                v->level = FBS_PRIV_HIGH;
                snprintf(v->why, sizeof(v->why), "%s: it can assign directory roles", act);
                return;
            }
            if (strstr(lower, "/credentials/update") ||
                (strstr(lower, "/allproperties/alltasks") &&
                 (strstr(lower, "/applications/") || strstr(lower, "/serviceprincipals/") ||
                  strstr(lower, "/roledefinitions/")))) {
                v->level = FBS_PRIV_HIGH;
                snprintf(v->why, sizeof(v->why),
                         "%s: it can add credentials to applications or service principals", act);
                return;
            }
            if (!ends_with_ci(lower, "/read") && !strstr(lower, "/read/"))
                reads_only = false;
        }
    }
    snprintf(v->why, sizeof(v->why), "%s",
             reads_only ? "read-only" : "no role-assignment or credential action");
}

/* A role known by name (or directory template id) only. */
static void eval_name(struct verdict *v, const char *name, const char *template_id, bool directory)
{
    static const char *const rbac_high[] = {"Owner", "Contributor", "User Access Administrator",
                                            "Role Based Access Control Administrator", NULL};
    /* Built-in directory roles that can take over the tenant or its applications:
     * name, template id (the same in every tenant). */
    static const char *const dir_high[][2] = {
        {"Global Administrator", "62e90394-69f5-4237-9190-012177145e10"},
        {"Privileged Role Administrator", "e8611ab8-c189-46e8-94e1-60213ab1f814"},
        {"Privileged Authentication Administrator", "7be44c8a-adaf-4e2a-84d6-ab2649e08a13"},
        {"Application Administrator", "9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3"},
        {"Cloud Application Administrator", "158c047a-c907-4556-b7ef-446551a6b5f7"},
        {"Hybrid Identity Administrator", "8ac3fc64-6eca-42ea-9e69-59f4c7b60eb2"},
        {"Partner Tier2 Support", "e00e864a-17c5-4a4b-9c06-f5b95a8d5bd8"},
        {NULL, NULL},
    };
    size_t i;

    v->level = FBS_PRIV_UNKNOWN;
    snprintf(v->why, sizeof(v->why), "its definition was not read");
    if (directory) {
        for (i = 0; dir_high[i][0]; i++)
            if ((name && !strcasecmp(name, dir_high[i][0])) ||
                (template_id && !strcasecmp(template_id, dir_high[i][1]))) {
                v->level = FBS_PRIV_HIGH;
                snprintf(v->why, sizeof(v->why), "a built-in administrator role");
                return;
            }
    } else {
        for (i = 0; rbac_high[i]; i++)
            if (name && !strcasecmp(name, rbac_high[i])) {
                v->level = FBS_PRIV_HIGH;
                snprintf(v->why, sizeof(v->why), "a built-in administrator role");
                return;
            }
    }
    if (name && (!strcasecmp(name, "Reader") || ends_with_ci(name, " Reader"))) {
        v->level = FBS_PRIV_NORMAL;
        snprintf(v->why, sizeof(v->why), "a built-in read-only role");
    }
}

static const char *level_word(enum fbs_privilege p)
{
    return p == FBS_PRIV_HIGH ? "high" : p == FBS_PRIV_NORMAL ? "normal" : "unknown";
}

static int put_def(struct fbs_cloud_set *s, const char *key, const char *name,
                   const struct verdict *v)
{
    json_t *d =
        json_pack("{s:s?, s:s, s:s}", "name", name, "level", level_word(v->level), "why", v->why);

    if (!d || json_object_set_new(s->azure_role_defs, key, d) < 0)
        return fbs_error_set(FBS_ENOMEM, "out of memory");
    return 0;
}

/* The last segment of an id ("/subscriptions/S/providers/.../roleDefinitions/GUID"), lower. */
static void last_segment_lower(char *out, size_t size, const char *id, const char *prefix)
{
    const char *seg = strrchr(id, '/');
    size_t n = strlen(prefix), k;

    seg = seg ? seg + 1 : id;
    snprintf(out, size, "%s%s", prefix, seg);
    for (k = n; out[k]; k++)
        out[k] = (char)tolower((unsigned char)out[k]);
}

/* The members of an ARM object: under "properties" (REST) or flat (az). */
static const json_t *props_of(const json_t *item)
{
    const json_t *p = json_object_get(item, "properties");

    return json_is_object(p) ? p : item;
}

static const json_t *items_of(const json_t *doc)
{
    if (json_is_array(doc))
        return doc;
    if (json_is_array(json_object_get(doc, "value")))
        return json_object_get(doc, "value");
    return NULL;
}

/* --- builders --------------------------------------------------------------------------------- */

int fbs_azure_add_role_definitions(struct fbs_cloud_set *s, const json_t *doc, const char *origin)
{
    const json_t *items = items_of(doc), *item;
    size_t i;
    int rc;

    if (!items)
        return fbs_error_set(FBS_EPARSE, "expected Azure role definitions");
    json_array_foreach(items, i, item)
    {
        const json_t *p = props_of(item);
        const char *id = fbs_cloud_str(item, "name"), *name = fbs_cloud_str(p, "roleName");
        const json_t *perms = json_object_get(p, "permissions");
        struct verdict v;
        char key[128];

        if (!id)
            id = fbs_cloud_str(item, "id");
        if (!id || !*id) {
            fbs_cloud_item_error(s, origin, "role definition %zu: no 'name' or 'id'", i);
            continue;
        }
        if (json_is_array(perms))
            eval_arm_permissions(&v, perms);
        else
            eval_name(&v, name, NULL, false);
        last_segment_lower(key, sizeof(key), id, "");
        rc = put_def(s, key, name, &v);
        if (rc < 0)
            return rc;
    }
    return 0;
}

static int put_assignment(struct fbs_cloud_set *s, const char *id, const char *principal,
                          const char *principal_name, const char *role_key, const char *role_name,
                          const char *scope, const char *source, bool conditional)
{
    json_t *a = json_pack("{s:s, s:s?, s:s, s:s?, s:s, s:s, s:b}", "principal", principal,
                          "principal_name", principal_name, "role_id", role_key, "role_name",
                          role_name, "scope", scope, "source", source, "conditional", conditional);

    if (!a || json_object_set_new(s->azure_assignments, id, a) < 0)
        return fbs_error_set(FBS_ENOMEM, "out of memory");
    return 0;
}

int fbs_azure_add_role_assignments(struct fbs_cloud_set *s, const json_t *doc, const char *origin)
{
    const json_t *items = items_of(doc), *item;
    size_t i;
    int rc;

    if (!items)
        return fbs_error_set(FBS_EPARSE, "expected Azure role assignments");
    s->azure_read |= FBS_AZURE_RBAC;
    json_array_foreach(items, i, item)
    {
        const json_t *p = props_of(item);
        const char *principal = fbs_cloud_str(p, "principalId");
        const char *def = fbs_cloud_str(p, "roleDefinitionId");
        const char *scope = fbs_cloud_str(p, "scope"), *id = fbs_cloud_str(item, "id");
        const char *cond = fbs_cloud_str(p, "condition"), *ptype, *pname;
        char key[128], synth[512];

        if (!principal || !def || !scope) {
            fbs_cloud_item_error(s, origin,
                                 "role assignment %zu: no 'principalId', 'roleDefinitionId' or "
                                 "'scope'",
                                 i);
            continue;
        }
        last_segment_lower(key, sizeof(key), def, "");
        if (!id) {
            snprintf(synth, sizeof(synth), "%s|%s|%s", principal, key, scope);
            id = synth;
        }
        rc = put_assignment(s, id, principal, fbs_cloud_str(p, "principalName"), key,
                            fbs_cloud_str(p, "roleDefinitionName"), scope, "rbac", cond && *cond);
        /* az names a service principal by its appId: that links an application to it (the
         * service principal objects, when read, say the same and are kept). */
        ptype = fbs_cloud_str(p, "principalType");
        pname = fbs_cloud_str(p, "principalName");
        if (rc == 0 && ptype && !strcmp(ptype, "ServicePrincipal") && pname &&
            !json_object_get(s->azure_sps, pname))
            rc = fbs_azure_note_sp(s, pname, principal);
        if (rc < 0)
            return rc;
    }
    return 0;
}

int fbs_azure_add_directory_roles(struct fbs_cloud_set *s, const json_t *doc, const char *origin)
{
    const json_t *items = items_of(doc), *item;
    size_t i;
    int rc;

    if (!items)
        return fbs_error_set(FBS_EPARSE, "expected directory role assignments");
    s->azure_read |= FBS_AZURE_DIRECTORY;
    json_array_foreach(items, i, item)
    {
        const char *principal = fbs_cloud_str(item, "principalId");
        const char *def = fbs_cloud_str(item, "roleDefinitionId");
        const char *scope = fbs_cloud_str(item, "directoryScopeId");
        const char *id = fbs_cloud_str(item, "id");
        const json_t *rd = json_object_get(item, "roleDefinition");
        const char *name = fbs_cloud_str(rd, "displayName");
        const char *cond = fbs_cloud_str(item, "condition");
        char key[128], synth[512];

        if (!principal || !def) {
            fbs_cloud_item_error(s, origin,
                                 "directory role assignment %zu: no 'principalId' or "
                                 "'roleDefinitionId'",
                                 i);
            continue;
        }
        last_segment_lower(key, sizeof(key), def, "dir:");
        if (json_is_object(rd) && !json_object_get(s->azure_role_defs, key)) {
            const json_t *perms = json_object_get(rd, "rolePermissions");
            struct verdict v;

            /* What the role allows decides; a built-in administrator role (by name or
             * template id) is high even when its permissions listed say less. */
            if (json_array_size(perms))
                eval_directory_permissions(&v, perms);
            else
                v.level = FBS_PRIV_UNKNOWN;
            if (v.level != FBS_PRIV_HIGH) {
                struct verdict by_name;

                eval_name(&by_name, name, fbs_cloud_str(rd, "templateId"), true);
                if (by_name.level == FBS_PRIV_HIGH || v.level == FBS_PRIV_UNKNOWN)
                    v = by_name;
            }
            rc = put_def(s, key, name, &v);
            if (rc < 0)
                return rc;
        }
        if (!id) {
            snprintf(synth, sizeof(synth), "%s|%s|%s", principal, key, scope ? scope : "/");
            id = synth;
        }
        rc = put_assignment(s, id, principal, NULL, key, name, scope ? scope : "/", "directory",
                            cond && *cond);
        if (rc < 0)
            return rc;
    }
    return 0;
}

int fbs_azure_note_sp(struct fbs_cloud_set *s, const char *app_id, const char *sp_id)
{
    if (!app_id || !*app_id || !sp_id || !*sp_id)
        return 0;
    if (json_object_set_new(s->azure_sps, app_id, json_string(sp_id)) < 0)
        return fbs_error_set(FBS_ENOMEM, "out of memory");
    return 0;
}

/* --- the join --------------------------------------------------------------------------------- */

/* "subscription S", "resource group RG (subscription S)", "management group M" ... */
static void describe_scope(char *out, size_t size, const char *scope, bool directory)
{
    const char *rg;

    if (directory) {
        if (!strcmp(scope, "/"))
            snprintf(out, size, "the whole directory");
        else
            snprintf(out, size, "directory scope %s", scope);
        return;
    }
    if (!strcmp(scope, "/")) {
        snprintf(out, size, "the root scope / (every subscription)");
    } else if (!strncasecmp(scope, "/providers/Microsoft.Management/managementGroups/", 49)) {
        snprintf(out, size, "management group %s", scope + 49);
    } else if (!strncasecmp(scope, "/subscriptions/", 15)) {
        const char *sub = scope + 15;
        size_t n = strcspn(sub, "/");

        rg = sub[n] ? sub + n : NULL;
        if (!rg)
            snprintf(out, size, "subscription %s", sub);
        else if (!strncasecmp(rg, "/resourceGroups/", 16) && !strchr(rg + 16, '/'))
            snprintf(out, size, "resource group %s (subscription %.*s)", rg + 16, (int)n, sub);
        else
            snprintf(out, size, "resource %s", scope);
    } else {
        snprintf(out, size, "scope %s", scope);
    }
}

int fbs_azure_join(struct fbs_cloud_set *s, struct fbs_finding *f)
{
    json_t *az = json_object_get(f->facts, "azure"), *roles = NULL;
    const char *type = fbs_cloud_str(az, "object_type"), *app_id = fbs_cloud_str(az, "app_id");
    const char *sp_id = NULL, *who = f->key ? f->key : app_id ? app_id : "?";
    const char *key;
    const json_t *a;
    bool any_named = false, undecided = false;
    size_t matched = 0;
    struct fbs_buf list = FBS_BUF_INIT;
    char ev[768], where[300];
    int rc = 0;

    if (!az || !s->azure_read)
        return 0; /* no assignment data: the privilege stays unknown */
    if (type && !strcmp(type, "service_principal"))
        sp_id = fbs_cloud_str(az, "object_id");
    else if (app_id)
        sp_id = json_string_value(json_object_get(s->azure_sps, app_id));
    json_object_foreach(s->azure_assignments, key, a)
    {
        if (fbs_cloud_str(a, "principal_name"))
            any_named = true;
    }
    if (!app_id && !sp_id)
        return fbs_cloud_record_privilege(
            f, FBS_PRIV_UNKNOWN,
            "role assignments were read, but the export does not name the credential's "
            "application: they cannot be joined");
    if (!sp_id && !any_named)
        return fbs_cloud_record_privilege(
            f, FBS_PRIV_UNKNOWN,
            "role assignments were read, but not the service principal of this application "
            "(export 'az ad sp list' too)");
    roles = json_array();
    if (!roles)
        return fbs_error_set(FBS_ENOMEM, "out of memory");
    json_object_foreach(s->azure_assignments, key, a)
    {
        const char *principal = fbs_cloud_str(a, "principal");
        const char *pname = fbs_cloud_str(a, "principal_name");
        const char *role_id = fbs_cloud_str(a, "role_id"), *role = fbs_cloud_str(a, "role_name");
        const char *source = fbs_cloud_str(a, "source");
        bool directory = !strcmp(source, "directory");
        const json_t *def = json_object_get(s->azure_role_defs, role_id);
        struct verdict v;
        json_t *entry;

        if (!((sp_id && !strcasecmp(principal, sp_id)) ||
              (app_id && pname && !strcasecmp(pname, app_id))))
            continue;
        matched++;
        if (!role)
            role = fbs_cloud_str(def, "name");
        if (def) {
            const char *lv = fbs_cloud_str(def, "level");

            v.level = !strcmp(lv, "high")     ? FBS_PRIV_HIGH
                      : !strcmp(lv, "normal") ? FBS_PRIV_NORMAL
                                              : FBS_PRIV_UNKNOWN;
            snprintf(v.why, sizeof(v.why), "%s", fbs_cloud_str(def, "why"));
        } else {
            eval_name(&v, role, role_id + (directory ? 4 : 0), directory);
        }
        if (!role)
            role = role_id + (directory ? 4 : 0);
        describe_scope(where, sizeof(where), fbs_cloud_str(a, "scope"), directory);
        entry =
            json_pack("{s:s, s:s, s:s, s:s, s:b}", "role", role, "scope", fbs_cloud_str(a, "scope"),
                      "source", source, "privilege", level_word(v.level), "conditional",
                      json_is_true(json_object_get(a, "conditional")));
        if (!entry || json_array_append_new(roles, entry) < 0) {
            rc = fbs_error_set(FBS_ENOMEM, "out of memory");
            goto done;
        }
        snprintf(ev, sizeof(ev), "service principal %s has %s%s on %s (%s: %s)%s", who,
                 directory ? "the directory role " : "", role, where,
                 directory ? "Entra ID" : "Azure RBAC", v.why,
                 json_is_true(json_object_get(a, "conditional")) ? ", under a condition" : "");
        if (v.level == FBS_PRIV_HIGH) {
            rc = fbs_cloud_record_privilege(f, FBS_PRIV_HIGH, ev);
        } else if (v.level == FBS_PRIV_UNKNOWN) {
            undecided = true;
            rc = fbs_cloud_record_privilege(f, FBS_PRIV_UNKNOWN, ev);
        } else {
            rc = fbs_buf_printf(&list, "%s%s on %s", list.len ? ", " : "", role, where) < 0
                     ? fbs_error_set(FBS_ENOMEM, "out of memory")
                     : 0;
        }
        if (rc < 0)
            goto done;
    }
    if (json_array_size(roles) && json_object_set(az, "roles", roles) < 0) {
        rc = fbs_error_set(FBS_ENOMEM, "out of memory");
        goto done;
    }
    if (f->privilege != FBS_PRIV_HIGH) {
        if (undecided)
            goto done;
        if (s->azure_failed) {
            snprintf(ev, sizeof(ev),
                     "no administrative role for service principal %s in the role assignments "
                     "read, but %s could not be read",
                     who,
                     s->azure_failed == (FBS_AZURE_RBAC | FBS_AZURE_DIRECTORY)
                         ? "some Azure RBAC and directory role assignments"
                     : s->azure_failed == FBS_AZURE_RBAC ? "some Azure RBAC role assignments"
                                                         : "the directory role assignments");
            rc = fbs_cloud_record_privilege(f, FBS_PRIV_UNKNOWN, ev);
            goto done;
        }
        if (matched)
            snprintf(ev, sizeof(ev), "service principal %s has only non-administrative roles: %s",
                     who, list.ptr);
        else
            snprintf(
                ev, sizeof(ev), "service principal %s has no role assignment in the %s read%s", who,
                s->azure_read == FBS_AZURE_DIRECTORY ? "directory role assignments"
                : s->azure_read == FBS_AZURE_RBAC    ? "Azure RBAC role assignments"
                                                     : "Azure RBAC and directory role assignments",
                s->azure_read == FBS_AZURE_DIRECTORY ? " (Azure RBAC not read)"
                : s->azure_read == FBS_AZURE_RBAC    ? " (directory roles not read)"
                                                     : "");
        rc = fbs_cloud_record_privilege(f, FBS_PRIV_NORMAL, ev);
    }
    if (rc == 0 &&
        json_object_set_new(f->facts, "privilege_from", json_string("policy_evaluation")) < 0)
        rc = fbs_error_set(FBS_ENOMEM, "out of memory");
done:
    json_decref(roles);
    fbs_buf_release(&list);
    return rc;
}

/* --- inventory formats ------------------------------------------------------------------------ */

static const json_t *first_item(const json_t *doc)
{
    const json_t *items = items_of(doc);

    return json_is_object(json_array_get(items, 0)) ? json_array_get(items, 0) : NULL;
}

static bool type_is(const json_t *item, const char *type)
{
    const char *t = fbs_cloud_str(item, "type");

    return t && !strcasecmp(t, type);
}

static bool match_assignments(const json_t *doc)
{
    const json_t *first = first_item(doc), *p = props_of(first);

    return first && (type_is(first, "Microsoft.Authorization/roleAssignments") ||
                     (fbs_cloud_str(p, "principalId") && fbs_cloud_str(p, "roleDefinitionId") &&
                      fbs_cloud_str(p, "scope")));
}

static int add_assignments_json(struct fbs_cloud_set *s, json_t *doc, const char *origin)
{
    if (fbs_cloud_str(doc, "nextLink")) {
        s->azure_failed |= FBS_AZURE_RBAC;
        fbs_cloud_item_error(s, origin,
                             "the export is one page of a longer listing ('nextLink' is set): "
                             "the other pages were not read");
    }
    return fbs_azure_add_role_assignments(s, doc, origin);
}

const struct fbs_inventory_format fbs_inventory_azure_role_assignments = {
    .name = "azure_role_assignments",
    .describes = "az role assignment list --all -o json (or ARM roleAssignments)",
    .match_json = match_assignments,
    .add_json = add_assignments_json,
};

static bool match_definitions(const json_t *doc)
{
    const json_t *first = first_item(doc), *p = props_of(first);

    return first && (type_is(first, "Microsoft.Authorization/roleDefinitions") ||
                     (fbs_cloud_str(p, "roleName") && json_object_get(p, "permissions")));
}

static int add_definitions_json(struct fbs_cloud_set *s, json_t *doc, const char *origin)
{
    return fbs_azure_add_role_definitions(s, doc, origin);
}

const struct fbs_inventory_format fbs_inventory_azure_role_definitions = {
    .name = "azure_role_definitions",
    .describes = "az role definition list -o json (or ARM roleDefinitions)",
    .match_json = match_definitions,
    .add_json = add_definitions_json,
};

static bool match_directory(const json_t *doc)
{
    const json_t *first = first_item(doc);

    return first && fbs_cloud_str(first, "principalId") &&
           fbs_cloud_str(first, "roleDefinitionId") && json_object_get(first, "directoryScopeId");
}

static int add_directory_json(struct fbs_cloud_set *s, json_t *doc, const char *origin)
{
    if (fbs_cloud_str(doc, "@odata.nextLink")) {
        s->azure_failed |= FBS_AZURE_DIRECTORY;
        fbs_cloud_item_error(s, origin,
                             "the export is one page of a longer listing ('@odata.nextLink' is "
                             "set): the other pages were not read");
    }
    return fbs_azure_add_directory_roles(s, doc, origin);
}

const struct fbs_inventory_format fbs_inventory_azure_directory_roles = {
    .name = "azure_directory_roles",
    .describes = "Graph GET /v1.0/roleManagement/directory/roleAssignments?$expand="
                 "roleDefinition (az rest)",
    .match_json = match_directory,
    .add_json = add_directory_json,
};
