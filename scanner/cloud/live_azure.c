/*
 * live_azure.c - the Azure collector: the client secrets and certificates of every application
 * and service principal in the tenant, through Microsoft Graph (see cloud_live.h).
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

static int on_page(struct fbs_cloud_set *s, json_t *page, void *payload)
{
    (void)payload;
    return fbs_azure_add_objects(s, page, NULL);
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
done:
    fbs_buf_release(&url);
    fbs_free(graph);
    return rc;
}
