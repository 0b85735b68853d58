/*
 * fetch_curl.c - the fetch.h transport on top of the shared HTTP client (scanner/net/http.h):
 * bearer (or named-header) authentication, verified TLS with an optional CA bundle or PEM bytes,
 * client certificates, timeouts, a cap on response size, and bounded retries of 429 and 5xx
 * answers honouring Retry-After. The client holds the credential and wipes it when freed.
 */
#include "fetch.h"
#include "../core/alloc.h"
#include "../core/error.h"

#include <string.h>

#include "../net/http.h"

#include "../core/banned.h"

struct curl_fetch {
    struct fbs_cloud_fetch iface;
    struct fbs_http *http;
};

static int request(struct curl_fetch *cf, const char *method, const char *url, const char *body,
                   struct fbs_buf *out, long *status)
{
    static const char *const get_headers[] = {"Accept: application/json", NULL};
    static const char *const post_headers[] = {"Accept: application/json",
                                               "Content-Type: application/json", NULL};
    struct fbs_http_request req;
    struct fbs_http_response resp;
    int rc;

    *status = 0;
    memset(&req, 0, sizeof(req));
    req.method = method;
    req.url = url;
    req.body = body;
    req.body_len = body ? strlen(body) : 0;
    req.headers = body ? post_headers : get_headers;
    fbs_http_response_init(&resp);
    rc = fbs_http_send(cf->http, &req, &resp);
    if (rc == 0) {
        *status = resp.status;
        /* Hand the body over (the caller wipes it when it may hold secrets). */
        fbs_buf_release_wipe(out);
        *out = resp.body;
        fbs_buf_init(&resp.body);
    }
    fbs_http_response_release(&resp);
    return rc;
}

static int curl_get(void *ctx, const char *url, struct fbs_buf *out, long *status)
{
    return request(ctx, "GET", url, NULL, out, status);
}

static int curl_post(void *ctx, const char *url, const char *json_body, struct fbs_buf *out,
                     long *status)
{
    return request(ctx, "POST", url, json_body ? json_body : "{}", out, status);
}

int fbs_fetch_curl_new(struct fbs_cloud_fetch **out, const struct fbs_fetch_curl_opts *o)
{
    struct fbs_http_opts ho;
    struct curl_fetch *cf;
    int rc;

    *out = NULL;
    cf = fbs_calloc(1, sizeof(*cf));
    if (!cf)
        return fbs_error_set(FBS_ENOMEM, "out of memory");
    cf->iface.get = curl_get;
    cf->iface.post = curl_post;
    cf->iface.ctx = cf;
    memset(&ho, 0, sizeof(ho));
    ho.bearer = o->token;
    ho.bearer_header = o->token_header;
    ho.ca_bundle = o->ca_file;
    ho.ca_pem = o->ca_pem;
    ho.ca_pem_len = o->ca_pem_len;
    ho.cert_file = o->cert_file;
    ho.key_file = o->key_file;
    ho.cert_pem = o->cert_pem;
    ho.cert_pem_len = o->cert_pem_len;
    ho.key_pem = o->key_pem;
    ho.key_pem_len = o->key_pem_len;
    ho.connect_timeout_s = o->connect_timeout > 0 ? o->connect_timeout : 10;
    ho.timeout_s = o->timeout > 0 ? o->timeout : 60;
    ho.max_response = o->max_response ? o->max_response : (size_t)256 << 20;
    ho.max_tries = o->max_retries + 1;
    ho.backoff_ms = 1000;
    rc = fbs_http_new(&cf->http, &ho);
    if (rc < 0) {
        fbs_free(cf);
        return rc;
    }
    *out = &cf->iface;
    return 0;
}

void fbs_fetch_curl_free(struct fbs_cloud_fetch *fx)
{
    struct curl_fetch *cf = fx ? fx->ctx : NULL;

    if (!cf)
        return;
    fbs_http_free(cf->http);
    fbs_free(cf);
}
