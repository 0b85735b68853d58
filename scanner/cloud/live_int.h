/*
 * live_int.h - what the live collectors share (private to scanner/cloud/live_*.c): walking a
 * paged listing and recording a failed request.
 */
#ifndef FBS_LIVE_INT_H
#define FBS_LIVE_INT_H

#include "../core/buf.h"
#include "cloud_live.h"

/* An error diagnostic "cloud_request" for `provider` with the current error message. */
void fbs_live_failed(struct fbs_cloud_set *s, const char *provider);
/* Whether the current error is an HTTP 401, 403 or 404 answer (fbs_fetch_json): not allowed
 * to read, or nothing there. */
bool fbs_live_denied(void);

/*
 * Where the next page is: append its URL to `next` (left empty when `page` is the last).
 * `first` is the listing's first URL. 0, FBS_ENOMEM, or FBS_EPARSE (a link to refuse).
 */
typedef int (*fbs_live_next_fn)(struct fbs_buf *next, const json_t *page, const char *first);

/* Handle one page. 0, FBS_ENOMEM (fatal), or another code (a diagnostic; paging goes on). */
typedef int (*fbs_live_page_fn)(struct fbs_cloud_set *s, json_t *page, void *payload);

/*
 * GET `first`, then every next page, handing each to on_page. A failed request or a paging link
 * that repeats or leaves the origin ends the listing with a diagnostic. `wipe`: pages may hold
 * secrets. Returns 0 or FBS_ENOMEM.
 */
int fbs_live_list(struct fbs_cloud_set *s, const struct fbs_cloud_fetch *fx, const char *provider,
                  const char *first, fbs_live_next_fn next, fbs_live_page_fn on_page, void *payload,
                  bool wipe);

/* Next-page functions: a token in the body appended as a query parameter. */
int fbs_live_next_gcp(struct fbs_buf *next, const json_t *page, const char *first);
int fbs_live_next_k8s(struct fbs_buf *next, const json_t *page, const char *first);
/* An absolute link in the body (@odata.nextLink), on the first URL's origin only. */
int fbs_live_next_graph(struct fbs_buf *next, const json_t *page, const char *first);

#endif
