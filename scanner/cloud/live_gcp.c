/*
 * live_gcp.c - the GCP collector: a project's service accounts, their user-managed keys and the
 * project's IAM policy, through the IAM and Resource Manager APIs (see cloud_live.h).
 */
#include "live_int.h"
#include "../core/alloc.h"
#include "../core/buf.h"
#include "../core/error.h"

#include <string.h>

#include "../core/banned.h"

struct gcp_run {
    const struct fbs_cloud_fetch *fx;
    const char *iam, *project;
};

/* The user-managed keys of one account; a failure is a diagnostic about that account only. */
static int account_keys(struct fbs_cloud_set *s, const struct gcp_run *g, const char *email)
{
    struct fbs_buf url = FBS_BUF_INIT;
    json_t *doc = NULL;
    int rc;

    if (fbs_buf_printf(&url, "%s/v1/projects/", g->iam) < 0 ||
        fbs_url_escape(&url, g->project) < 0 || fbs_buf_puts(&url, "/serviceAccounts/") < 0 ||
        fbs_url_escape(&url, email) < 0 || fbs_buf_puts(&url, "/keys?keyTypes=USER_MANAGED") < 0) {
        fbs_buf_release(&url);
        return fbs_error_set(FBS_ENOMEM, "out of memory");
    }
    rc = fbs_fetch_json(&doc, g->fx, url.ptr, NULL, false);
    if (rc == 0) {
        rc = fbs_gcp_add_keys(s, doc, NULL);
        if (rc < 0 && rc != FBS_ENOMEM)
            fbs_error_prefix(rc, "%s", url.ptr);
    }
    if (rc < 0 && rc != FBS_ENOMEM) {
        fbs_live_failed(s, "gcp");
        rc = 0;
    }
    json_decref(doc);
    fbs_buf_release(&url);
    return rc;
}

/* One page of accounts: file their names, then list each one's keys. */
static int on_accounts(struct fbs_cloud_set *s, json_t *page, void *payload)
{
    const struct gcp_run *g = payload;
    const json_t *a;
    size_t i;
    int rc;

    rc = fbs_gcp_add_accounts(s, page, NULL);
    json_array_foreach(json_object_get(page, "accounts"), i, a)
    {
        const char *email = fbs_cloud_str(a, "email");

        if (rc == 0 && email)
            rc = account_keys(s, g, email);
    }
    return rc;
}

static int iam_policy(struct fbs_cloud_set *s, const struct fbs_cloud_fetch *fx, const char *crm,
                      const char *project)
{
    struct fbs_buf url = FBS_BUF_INIT;
    json_t *doc = NULL;
    int rc;

    if (fbs_buf_printf(&url, "%s/v1/projects/", crm) < 0 || fbs_url_escape(&url, project) < 0 ||
        fbs_buf_puts(&url, ":getIamPolicy") < 0) {
        fbs_buf_release(&url);
        return fbs_error_set(FBS_ENOMEM, "out of memory");
    }
    rc = fbs_fetch_json(&doc, fx, url.ptr, "{\"options\": {\"requestedPolicyVersion\": 3}}", false);
    if (rc == 0)
        rc = fbs_gcp_add_iam_policy(s, doc, NULL);
    if (rc < 0 && rc != FBS_ENOMEM) {
        fbs_live_failed(s, "gcp");
        rc = 0;
    }
    json_decref(doc);
    fbs_buf_release(&url);
    return rc;
}

/*
 * A request about an ancestor failed: the caller may not see that folder or organisation (403),
 * or it is gone (404). The privilege then comes from what was read, and a non-error diagnostic
 * says what was not; any other failure is a failed request like the rest.
 */
static void ancestor_failed(struct fbs_cloud_set *s, const char *what)
{
    if (!fbs_live_denied()) {
        fbs_live_failed(s, "gcp");
        return;
    }
    if (s->diags)
        fbs_diags_notice(s->diags, "gcp_ancestor_not_read", what,
                         "%s: roles granted there are not counted (%s)", what, fbs_error_message());
}

/* POST {crm}/v3/{folders/F | organizations/O}:getIamPolicy, filed as grants on `name`. */
static int ancestor_policy(struct fbs_cloud_set *s, const struct fbs_cloud_fetch *fx,
                           const char *crm, const char *name)
{
    struct fbs_buf url = FBS_BUF_INIT;
    json_t *doc = NULL;
    int rc;

    if (fbs_buf_printf(&url, "%s/v3/%s:getIamPolicy", crm, name) < 0) {
        fbs_buf_release(&url);
        return fbs_error_set(FBS_ENOMEM, "out of memory");
    }
    rc = fbs_fetch_json(&doc, fx, url.ptr, "{\"options\": {\"requestedPolicyVersion\": 3}}", false);
    if (rc == 0)
        rc = fbs_gcp_add_iam_policy_on(s, doc, NULL, name);
    if (rc < 0 && rc != FBS_ENOMEM) {
        ancestor_failed(s, name);
        rc = 0;
    }
    json_decref(doc);
    fbs_buf_release(&url);
    return rc;
}

/*
 * The project's folders and organisation (POST {crm}/v1/projects/P:getAncestry: the project
 * first, then each parent up to the organisation), and the IAM policy of each: roles granted
 * there hold on the project too.
 */
static int ancestors(struct fbs_cloud_set *s, const struct fbs_cloud_fetch *fx, const char *crm,
                     const char *project)
{
    struct fbs_buf url = FBS_BUF_INIT;
    json_t *doc = NULL, *chain = json_array();
    const json_t *a;
    size_t i;
    int rc;

    if (!chain || fbs_buf_printf(&url, "%s/v1/projects/", crm) < 0 ||
        fbs_url_escape(&url, project) < 0 || fbs_buf_puts(&url, ":getAncestry") < 0) {
        rc = fbs_error_set(FBS_ENOMEM, "out of memory");
        goto done;
    }
    rc = fbs_fetch_json(&doc, fx, url.ptr, "{}", false);
    if (rc < 0) {
        if (rc != FBS_ENOMEM) {
            ancestor_failed(s, "the project's ancestry");
            rc = 0;
        }
        goto done;
    }
    json_array_foreach(json_object_get(doc, "ancestor"), i, a)
    {
        const json_t *id = json_object_get(a, "resourceId");
        const char *type = fbs_cloud_str(id, "type"), *rid = fbs_cloud_str(id, "id");
        char *name;

        if (!type || !rid || !*rid ||
            strspn(rid, "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-_") !=
                strlen(rid))
            continue;
        if (strcmp(type, "folder") && strcmp(type, "organization"))
            continue; /* the project itself */
        name = fbs_cloud_format("%ss/%s", type, rid);
        if (!name || json_array_append_new(chain, json_string(name)) < 0) {
            fbs_free(name);
            rc = fbs_error_set(FBS_ENOMEM, "out of memory");
            goto done;
        }
        rc = ancestor_policy(s, fx, crm, name);
        fbs_free(name);
        if (rc < 0)
            goto done;
    }
    rc = fbs_gcp_add_ancestry(s, project, chain);
done:
    json_decref(chain);
    json_decref(doc);
    fbs_buf_release(&url);
    return rc;
}

int fbs_live_gcp(struct fbs_cloud_set *s, const struct fbs_cloud_fetch *fx, const char *project,
                 const char *iam_url, const char *crm_url)
{
    char *iam = fbs_url_trim(iam_url ? iam_url : FBS_GCP_IAM_URL);
    char *crm = fbs_url_trim(crm_url ? crm_url : FBS_GCP_CRM_URL);
    struct fbs_buf first = FBS_BUF_INIT;
    struct gcp_run g = {fx, iam, project};
    int rc;

    if (!iam || !crm || fbs_buf_printf(&first, "%s/v1/projects/", iam) < 0 ||
        fbs_url_escape(&first, project) < 0 ||
        fbs_buf_puts(&first, "/serviceAccounts?pageSize=100") < 0) {
        rc = fbs_error_set(FBS_ENOMEM, "out of memory");
        goto done;
    }
    rc = fbs_live_list(s, fx, "gcp", first.ptr, fbs_live_next_gcp, on_accounts, &g, false);
    if (rc == 0)
        rc = iam_policy(s, fx, crm, project);
    if (rc == 0)
        rc = ancestors(s, fx, crm, project);
done:
    fbs_buf_release(&first);
    fbs_free(iam);
    fbs_free(crm);
    return rc;
}
