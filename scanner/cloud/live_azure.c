/*
 * live_azure.c - the Azure collector: the client secrets and certificates of every application
 * and service principal in the tenant, and the directory roles, through Microsoft Graph; the
 * Azure RBAC role assignments and definitions of every subscription the caller sees, through
 * Azure Resource Manager (see cloud_live.h).
 */
#include "live_int.h"
#include "../core/alloc.h"
#include "../core/buf.h"
#include "../core/error.h"

#include <string.h>

#include "../core/banned.h"

/* Only what the records use: the credentials' metadata and the names the fallback reads. */
static const char app_query[] =
    "/v1.0/applications?$select=id,appId,displayName,description,notes,tags,"
    "passwordCredentials,keyCredentials&$top=999";
static const char sp_query[] =
    "/v1.0/servicePrincipals?$select=id,appId,displayName,appDisplayName,description,notes,tags,"
    "accountEnabled,servicePrincipalType,passwordCredentials,keyCredentials&$top=999";

static const char dir_query[] =
    "/v1.0/roleManagement/directory/roleAssignments?$expand=roleDefinition";

#define ARM_SUBSCRIPTIONS_API "2022-12-01"
#define ARM_AUTHORIZATION_API "2022-04-01"

static int on_page(struct fbs_cloud_set *s, json_t *page, void *payload)
{
    (void)payload;
    return fbs_azure_add_objects(s, page, NULL);
}

typedef int (*role_page_fn)(struct fbs_cloud_set *s, const json_t *page, void *payload);

/*
 * A paged listing of role data (`link`: the member holding the next page's absolute URL, on the
 * same server only). Not being allowed to read it (401/403/404) is a notice; another failure is
 * a failed request. Either way the listing counts as incomplete (azure_failed |= `source`), so
 * a principal without a role found there is not called normal. 0 or FBS_ENOMEM.
 */
static int role_list(struct fbs_cloud_set *s, const struct fbs_cloud_fetch *fx, const char *first,
                     const char *link, unsigned source, role_page_fn on, void *payload)
{
    struct fbs_buf url = FBS_BUF_INIT;
    unsigned pages;
    int rc = 0;

    if (fbs_buf_puts(&url, first) < 0)
        return fbs_error_set(FBS_ENOMEM, "out of memory");
    for (pages = 0; pages < 100000; pages++) {
        json_t *page = NULL;
        const char *next;
        bool more;

        rc = fbs_fetch_json(&page, fx, url.ptr, NULL, false);
        if (rc == 0)
            rc = on(s, page, payload);
        next = rc == 0 ? fbs_cloud_str(page, link) : NULL;
        if (rc == 0 && next && *next &&
            (!fbs_url_same_origin(next, first) || !strcmp(next, url.ptr)))
            rc = fbs_error_set(FBS_EPARSE,
                               "%s: refusing a paging link to another server or "
                               "the same page: '%.200s'",
                               url.ptr, next);
        more = rc == 0 && next && *next;
        if (more) {
            fbs_buf_truncate(&url, 0);
            if (fbs_buf_puts(&url, next) < 0)
                rc = fbs_error_set(FBS_ENOMEM, "out of memory");
        }
        json_decref(page); /* `next` pointed into it */
        if (rc < 0 || !more)
            break;
    }
    if (rc < 0 && rc != FBS_ENOMEM) {
        s->azure_failed |= source;
        if (fbs_live_denied() && s->diags)
            fbs_diags_notice(s->diags, "azure_roles_not_read", NULL,
                             "%s: principals without an administrative role found elsewhere "
                             "keep an unknown privilege",
                             fbs_error_message());
        else
            fbs_live_failed(s, "azure");
        rc = 0;
    }
    fbs_buf_release(&url);
    return rc;
}

static int on_directory(struct fbs_cloud_set *s, const json_t *page, void *payload)
{
    (void)payload;
    return fbs_azure_add_directory_roles(s, page, NULL);
}

static int on_definitions(struct fbs_cloud_set *s, const json_t *page, void *payload)
{
    (void)payload;
    return fbs_azure_add_role_definitions(s, page, NULL);
}

static int on_assignments(struct fbs_cloud_set *s, const json_t *page, void *payload)
{
    (void)payload;
    return fbs_azure_add_role_assignments(s, page, NULL);
}

/* Collect the subscription ids of a page into the payload (a JSON array). */
static int on_subscriptions(struct fbs_cloud_set *s, const json_t *page, void *payload)
{
    json_t *ids = payload;
    const json_t *sub;
    size_t i;

    (void)s;
    if (!json_is_array(json_object_get(page, "value")))
        return fbs_error_set(FBS_EPARSE, "expected a list of subscriptions ('value')");
    json_array_foreach(json_object_get(page, "value"), i, sub)
    {
        const char *id = fbs_cloud_str(sub, "subscriptionId");

        if (id && *id && json_array_append_new(ids, json_string(id)) < 0)
            return fbs_error_set(FBS_ENOMEM, "out of memory");
    }
    return 0;
}

int fbs_live_azure_rbac(struct fbs_cloud_set *s, const struct fbs_cloud_fetch *fx,
                        const char *arm_url)
{
    char *arm = fbs_url_trim(arm_url ? arm_url : FBS_AZURE_ARM_URL);
    struct fbs_buf url = FBS_BUF_INIT;
    json_t *ids = json_array();
    const json_t *id;
    size_t i;
    int rc;

    if (!arm || !ids ||
        fbs_buf_printf(&url, "%s/subscriptions?api-version=" ARM_SUBSCRIPTIONS_API, arm) < 0) {
        rc = fbs_error_set(FBS_ENOMEM, "out of memory");
        goto done;
    }
    rc = role_list(s, fx, url.ptr, "nextLink", FBS_AZURE_RBAC, on_subscriptions, ids);
    /* Per subscription: the definitions (built-in and custom) and the assignments that apply
     * there, inherited ones from management groups and the root included. */
    json_array_foreach(ids, i, id)
    {
        static const char *const what[] = {"roleDefinitions", "roleAssignments"};
        size_t k;

        for (k = 0; rc == 0 && k < 2; k++) {
            fbs_buf_truncate(&url, 0);
            if (fbs_buf_printf(&url, "%s/subscriptions/", arm) < 0 ||
                fbs_url_escape(&url, json_string_value(id)) < 0 ||
                fbs_buf_printf(
                    &url,
                    "/providers/Microsoft.Authorization/%s?api-version=" ARM_AUTHORIZATION_API,
                    what[k]) < 0) {
                rc = fbs_error_set(FBS_ENOMEM, "out of memory");
                break;
            }
            rc = role_list(s, fx, url.ptr, "nextLink", FBS_AZURE_RBAC,
                           k ? on_assignments : on_definitions, NULL);
        }
        if (rc < 0)
            break;
    }
done:
    json_decref(ids);
    fbs_buf_release(&url);
    fbs_free(arm);
    return rc;
}

int fbs_live_azure(struct fbs_cloud_set *s, const struct fbs_cloud_fetch *fx, const char *graph_url)
{
    char *graph = fbs_url_trim(graph_url ? graph_url : FBS_AZURE_GRAPH_URL);
    struct fbs_buf url = FBS_BUF_INIT;
    int rc;

    if (!graph || fbs_buf_printf(&url, "%s%s", graph, app_query) < 0) {
        rc = fbs_error_set(FBS_ENOMEM, "out of memory");
        goto done;
    }
    rc = fbs_live_list(s, fx, "azure", url.ptr, fbs_live_next_graph, on_page, NULL, false);
    fbs_buf_truncate(&url, 0);
    if (rc == 0 && fbs_buf_printf(&url, "%s%s", graph, sp_query) < 0)
        rc = fbs_error_set(FBS_ENOMEM, "out of memory");
    if (rc == 0)
        rc = fbs_live_list(s, fx, "azure", url.ptr, fbs_live_next_graph, on_page, NULL, false);
    fbs_buf_truncate(&url, 0);
    if (rc == 0 && fbs_buf_printf(&url, "%s%s", graph, dir_query) < 0)
        rc = fbs_error_set(FBS_ENOMEM, "out of memory");
    if (rc == 0)
        rc = role_list(s, fx, url.ptr, "@odata.nextLink", FBS_AZURE_DIRECTORY, on_directory, NULL);
done:
    fbs_buf_release(&url);
    fbs_free(graph);
    return rc;
}
