/*
 * discover_github.c - the repositories of a GitHub organisation or user (REST API v3).
 *
 * GET {api}/orgs/{org}/repos?type=all&per_page=100; on 404, GET {api}/users/{user}/repos?
 * type=owner&per_page=100. Each repository: id, full_name, clone_url, default_branch, fork,
 * archived (docs.github.com "List organization repositories" / "List repositories for a user").
 */
#include "discover.h"
#include "../core/buf.h"
#include "../core/error.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "../core/banned.h"

static int github_page(struct fbs_discover_ctx *c, void *array)
{
    json_t *a = array, *r;
    size_t i;
    int rc = 0;

    json_array_foreach(a, i, r)
    {
        const json_t *id = json_object_get(r, "id");
        const char *name = json_string_value(json_object_get(r, "full_name"));
        const char *url = json_string_value(json_object_get(r, "clone_url"));
        const char *branch = json_string_value(json_object_get(r, "default_branch"));
        char idtext[32];

        if (!json_is_integer(id) || !name || !url)
            return fbs_error_set(FBS_EPARSE,
                                 "GitHub '%s': a repository without id, full_name or clone_url "
                                 "in the listing",
                                 c->src->name);
        snprintf(idtext, sizeof(idtext), "%lld", (long long)json_integer_value(id));
        rc =
            fbs_discover_add(c, idtext, name, url, branch, json_is_true(json_object_get(r, "fork")),
                             json_is_true(json_object_get(r, "archived")));
        if (rc < 0)
            return rc;
    }
    return 0;
}

int fbs_discover_github(struct fbs_discover_ctx *c)
{
    struct fbs_buf url = FBS_BUF_INIT;
    int rc, kind;

    /* An organisation first, then a user of that name. */
    for (kind = 0, rc = FBS_ENOTFOUND; kind < 2 && rc == FBS_ENOTFOUND; kind++) {
        fbs_buf_truncate(&url, 0);
        rc = fbs_buf_printf(&url, "%s/%s/", c->out->api, kind ? "users" : "orgs");
        if (rc == 0)
            rc = fbs_discover_urlencode(&url, c->src->name);
        if (rc == 0)
            rc = fbs_buf_puts(&url, kind ? "/repos?type=owner&per_page=100"
                                         : "/repos?type=all&per_page=100");
        if (rc == 0)
            rc = fbs_discover_pages(c, url.ptr, github_page);
    }
    if (rc == FBS_ENOTFOUND)
        rc = fbs_error_set(FBS_EIO,
                           "GitHub '%s': no such organisation or user (HTTP 404; a private one "
                           "needs a token in %s that can see it)",
                           c->src->name, c->token_env);
    fbs_buf_release(&url);
    return rc;
}
