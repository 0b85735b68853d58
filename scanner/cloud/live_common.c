/*
 * live_common.c - paging and failure reporting for the live collectors (see live_int.h).
 */
#include "live_int.h"
#include "../core/alloc.h"
#include "../core/error.h"

#include <string.h>

#include "../core/banned.h"

#define MAX_PAGES 100000

void fbs_live_failed(struct fbs_cloud_set *s, const char *provider)
{
    if (s->diags)
        fbs_diags_add(s->diags, true, "cloud_request", provider, "%s", fbs_error_message());
}

bool fbs_live_denied(void)
{
    const char *m = fbs_error_message();

    return m && (strstr(m, ": HTTP 401") || strstr(m, ": HTTP 403") || strstr(m, ": HTTP 404"));
}

static int next_by_token(struct fbs_buf *next, const char *first, const char *param,
                         const char *token)
{
    if (!token || !*token)
        return 0;
    if (fbs_buf_printf(next, "%s%c%s=", first, strchr(first, '?') ? '&' : '?', param) < 0 ||
        fbs_url_escape(next, token) < 0)
        return fbs_error_set(FBS_ENOMEM, "out of memory");
    return 0;
}

int fbs_live_next_gcp(struct fbs_buf *next, const json_t *page, const char *first)
{
    return next_by_token(next, first, "pageToken", fbs_cloud_str(page, "nextPageToken"));
}

int fbs_live_next_k8s(struct fbs_buf *next, const json_t *page, const char *first)
{
    return next_by_token(next, first, "continue",
                         fbs_cloud_str(json_object_get(page, "metadata"), "continue"));
}

int fbs_live_next_graph(struct fbs_buf *next, const json_t *page, const char *first)
{
    const char *link = fbs_cloud_str(page, "@odata.nextLink");

    if (!link || !*link)
        return 0;
    /* The token goes wherever the link points: only ever to the server we were asked to use. */
    if (!fbs_url_same_origin(link, first))
        return fbs_error_set(FBS_EPARSE, "refusing a paging link to another server: '%.200s'",
                             link);
    return fbs_buf_puts(next, link) < 0 ? fbs_error_set(FBS_ENOMEM, "out of memory") : 0;
}

int fbs_live_list(struct fbs_cloud_set *s, const struct fbs_cloud_fetch *fx, const char *provider,
                  const char *first, fbs_live_next_fn next, fbs_live_page_fn on_page, void *payload,
                  bool wipe)
{
    struct fbs_buf url = FBS_BUF_INIT, following = FBS_BUF_INIT;
    unsigned pages;
    int rc = 0;

    if (fbs_buf_puts(&url, first) < 0)
        return fbs_error_set(FBS_ENOMEM, "out of memory");
    for (pages = 0; pages < MAX_PAGES; pages++) {
        json_t *page = NULL;

        rc = fbs_fetch_json(&page, fx, url.ptr, NULL, wipe);
        if (rc == 0) {
            rc = on_page(s, page, payload);
            if (rc < 0 && rc != FBS_ENOMEM) {
                fbs_error_prefix(rc, "%s", url.ptr);
                fbs_live_failed(s, provider);
                rc = 0;
            }
        } else if (rc != FBS_ENOMEM) {
            fbs_live_failed(s, provider);
            rc = 1; /* stop: without this page there is no next one */
        }
        fbs_buf_truncate(&following, 0);
        if (rc == 0)
            rc = next(&following, page, first);
        if (wipe)
            fbs_cloud_json_wipe(page);
        json_decref(page);
        if (rc == 0 && following.len && !strcmp(following.ptr, url.ptr))
            rc = fbs_error_set(FBS_EPARSE, "%s: the next page link repeats the page", url.ptr);
        if (rc == FBS_EPARSE) {
            fbs_live_failed(s, provider);
            rc = 1;
        }
        if (rc != 0 || !following.len)
            break;
        fbs_buf_truncate(&url, 0);
        if (fbs_buf_put(&url, following.ptr, following.len) < 0) {
            rc = fbs_error_set(FBS_ENOMEM, "out of memory");
            break;
        }
    }
    fbs_buf_release(&url);
    fbs_buf_release(&following);
    return rc == FBS_ENOMEM ? rc : 0;
}
