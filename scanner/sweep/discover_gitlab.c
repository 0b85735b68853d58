/*
 * discover_gitlab.c - the projects of a GitLab group and its subgroups (REST API v4).
 *
 * GET {api}/groups/{url-encoded full path}/projects?include_subgroups=true&per_page=100&
 * order_by=id&sort=asc. Each project: id, path_with_namespace, http_url_to_repo,
 * default_branch, archived, forked_from_project (present for a fork) (docs.gitlab.com "Groups
 * API: list projects").
 */
#include "discover.h"
#include "../core/buf.h"
#include "../core/error.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "../core/banned.h"

static int gitlab_page(struct fbs_discover_ctx *c, void *array)
{
    json_t *a = array, *r;
    size_t i;
    int rc = 0;

    json_array_foreach(a, i, r)
    {
        const json_t *id = json_object_get(r, "id");
        const char *name = json_string_value(json_object_get(r, "path_with_namespace"));
        const char *url = json_string_value(json_object_get(r, "http_url_to_repo"));
        const char *branch = json_string_value(json_object_get(r, "default_branch"));
        const json_t *fork = json_object_get(r, "forked_from_project");
        char idtext[32];

        if (!json_is_integer(id) || !name || !url)
            return fbs_error_set(FBS_EPARSE,
                                 "GitLab '%s': a project without id, path_with_namespace or "
                                 "http_url_to_repo in the listing",
                                 c->src->name);
        snprintf(idtext, sizeof(idtext), "%lld", (long long)json_integer_value(id));
        rc = fbs_discover_add(c, idtext, name, url, branch, fork && !json_is_null(fork),
                              json_is_true(json_object_get(r, "archived")));
        if (rc < 0)
            return rc;
    }
    return 0;
}

int fbs_discover_gitlab(struct fbs_discover_ctx *c)
{
    struct fbs_buf url = FBS_BUF_INIT;
    int rc;

    rc = fbs_buf_printf(&url, "%s/groups/", c->out->api);
    if (rc == 0)
        rc = fbs_discover_urlencode(&url, c->src->name);
    if (rc == 0)
        rc = fbs_buf_puts(&url, "/projects?include_subgroups=true&per_page=100&order_by=id&"
                                "sort=asc");
    if (rc == 0)
        rc = fbs_discover_pages(c, url.ptr, gitlab_page);
    if (rc == FBS_ENOTFOUND)
        rc = fbs_error_set(FBS_EIO,
                           "GitLab '%s': no such group (HTTP 404; a private one needs a token "
                           "in %s that can see it)",
                           c->src->name, c->token_env);
    fbs_buf_release(&url);
    return rc;
}
