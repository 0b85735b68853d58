/*
 * fetch_curl.c - the libcurl transport of fetch.h: bearer (or named-header) authentication,
 * verified TLS with an optional CA bundle or PEM bytes, client certificates, timeouts, a cap on
 * response size, and bounded retries of 429 and 5xx answers.
 *
 * The credential lives in this struct only (wiped when freed) and in the header list built for
 * one request (wiped before it is freed). Error messages come from libcurl's error buffer, which
 * names the URL and the failure, never a header.
 */
#include "fetch.h"
#include "../core/alloc.h"
#include "../core/error.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "dl.h"

#include "../core/banned.h"

struct curl_fetch {
    struct fbs_cloud_fetch iface;
    CURL *curl;
    char *token;
    char *token_header;
    char *ca_file, *cert_file, *key_file;
    void *ca_pem, *cert_pem, *key_pem;
    size_t ca_pem_len, cert_pem_len, key_pem_len;
    long connect_timeout, timeout;
    size_t max_response;
    unsigned max_retries;
};

/* Per-request state for the callbacks. */
struct transfer {
    struct fbs_buf *out;
    size_t max;
    bool too_large;
    bool oom;
    long retry_after; /* seconds, -1 when absent */
};

static size_t on_body(char *data, size_t size, size_t n, void *payload)
{
    struct transfer *t = payload;
    size_t len = size * n;

    if (t->out->len + len > t->max) {
        t->too_large = true;
        return 0;
    }
    if (fbs_buf_put(t->out, data, len) < 0) {
        t->oom = true;
        return 0;
    }
    return len;
}

static size_t on_header(char *data, size_t size, size_t n, void *payload)
{
    struct transfer *t = payload;
    size_t len = size * n;

    if (len > 12 && !strncasecmp(data, "retry-after:", 12)) {
        char buf[32];
        size_t k = len - 12 < sizeof(buf) - 1 ? len - 12 : sizeof(buf) - 1;
        char *end;
        long v;

        memcpy(buf, data + 12, k);
        buf[k] = '\0';
        v = strtol(buf, &end, 10);
        /* Seconds only; an HTTP date falls back to the exponential wait. */
        if (end != buf && v >= 0)
            t->retry_after = v;
    }
    return len;
}

/* Host of an absolute URL (brackets kept for IPv6), into out. */
static void url_host(char *out, size_t size, const char *url)
{
    const char *p = strstr(url, "://"), *at;
    size_t n;

    out[0] = '\0';
    if (!p)
        return;
    p += 3;
    at = memchr(p, '@', strcspn(p, "/?#")); /* user:password@host */
    if (at)
        p = at + 1;
    if (*p == '[')
        n = strcspn(p, "]") + 1;
    else
        n = strcspn(p, ":/?#");
    snprintf(out, size, "%.*s", (int)n, p);
}

/* Plain http is for loopback only: a bearer token must not cross a network in clear. */
static int check_url(const char *url)
{
    char host[256];

    if (!strncasecmp(url, "https://", 8))
        return 0;
    if (strncasecmp(url, "http://", 7))
        return fbs_error_set(FBS_EINVAL, "'%s': not an http(s) URL", url);
    url_host(host, sizeof(host), url);
    if (!strcmp(host, "localhost") || !strcmp(host, "[::1]") || !strncmp(host, "127.", 4))
        return 0;
    return fbs_error_set(FBS_EINVAL,
                         "'%s': plain http is refused for credentials (use https; http is "
                         "allowed for loopback addresses only)",
                         url);
}

static void wipe_headers(struct curl_slist *h)
{
    for (; h; h = h->next)
        fbs_wipe(h->data, strlen(h->data));
}

static int add_header(struct curl_slist **list, const char *h)
{
    struct curl_slist *n = curl_slist_append(*list, h);

    if (!n)
        return FBS_ENOMEM;
    *list = n;
    return 0;
}

static int build_headers(struct curl_fetch *cf, bool post, struct curl_slist **out)
{
    struct fbs_buf auth = FBS_BUF_INIT;
    int rc = 0;

    *out = NULL;
    if (add_header(out, "Accept: application/json") < 0 ||
        (post && add_header(out, "Content-Type: application/json") < 0))
        rc = FBS_ENOMEM;
    if (rc == 0 && cf->token) {
        if (cf->token_header)
            rc = fbs_buf_printf(&auth, "%s: %s", cf->token_header, cf->token);
        else
            rc = fbs_buf_printf(&auth, "Authorization: Bearer %s", cf->token);
        if (rc == 0)
            rc = add_header(out, auth.ptr);
    }
    fbs_buf_release_wipe(&auth);
    if (rc < 0) {
        wipe_headers(*out);
        curl_slist_free_all(*out);
        *out = NULL;
        return fbs_error_set(FBS_ENOMEM, "out of memory");
    }
    return 0;
}

static int set_blob(CURL *c, CURLoption opt, void *data, size_t len)
{
    struct curl_blob blob;

    blob.data = data;
    blob.len = len;
    blob.flags = CURL_BLOB_NOCOPY;
    return curl_easy_setopt(c, opt, &blob) == CURLE_OK ? 0 : -1;
}

/* One attempt. 0 with *status, or a negative code; *retry says whether another try may help. */
static int attempt(struct curl_fetch *cf, const char *method, const char *url, const char *body,
                   struct transfer *t, long *status, bool *retry)
{
    CURL *c = cf->curl;
    struct curl_slist *headers = NULL;
    char errbuf[CURL_ERROR_SIZE];
    CURLcode cc;
    int rc;

    *retry = false;
    rc = build_headers(cf, body != NULL, &headers);
    if (rc < 0)
        return rc;
    curl_easy_reset(c);
    errbuf[0] = '\0';
    if (curl_easy_setopt(c, CURLOPT_URL, url) != CURLE_OK ||
        curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https") != CURLE_OK ||
        curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L) != CURLE_OK ||
        curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L) != CURLE_OK ||
        curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L) != CURLE_OK ||
        curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L) != CURLE_OK ||
        curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, cf->connect_timeout) != CURLE_OK ||
        curl_easy_setopt(c, CURLOPT_TIMEOUT, cf->timeout) != CURLE_OK ||
        curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)cf->max_response) != CURLE_OK ||
        curl_easy_setopt(c, CURLOPT_USERAGENT, "fallback-scan/" FBS_VERSION) != CURLE_OK ||
        curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers) != CURLE_OK ||
        curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body) != CURLE_OK ||
        curl_easy_setopt(c, CURLOPT_WRITEDATA, t) != CURLE_OK ||
        curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header) != CURLE_OK ||
        curl_easy_setopt(c, CURLOPT_HEADERDATA, t) != CURLE_OK ||
        curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf) != CURLE_OK ||
        (cf->ca_file && curl_easy_setopt(c, CURLOPT_CAINFO, cf->ca_file) != CURLE_OK) ||
        (cf->ca_pem && set_blob(c, CURLOPT_CAINFO_BLOB, cf->ca_pem, cf->ca_pem_len) < 0) ||
        (cf->cert_file && curl_easy_setopt(c, CURLOPT_SSLCERT, cf->cert_file) != CURLE_OK) ||
        (cf->key_file && curl_easy_setopt(c, CURLOPT_SSLKEY, cf->key_file) != CURLE_OK) ||
        (cf->cert_pem && (set_blob(c, CURLOPT_SSLCERT_BLOB, cf->cert_pem, cf->cert_pem_len) < 0 ||
                          curl_easy_setopt(c, CURLOPT_SSLCERTTYPE, "PEM") != CURLE_OK)) ||
        (cf->key_pem && (set_blob(c, CURLOPT_SSLKEY_BLOB, cf->key_pem, cf->key_pem_len) < 0 ||
                         curl_easy_setopt(c, CURLOPT_SSLKEYTYPE, "PEM") != CURLE_OK)) ||
        (body && (curl_easy_setopt(c, CURLOPT_POST, 1L) != CURLE_OK ||
                  curl_easy_setopt(c, CURLOPT_POSTFIELDS, body) != CURLE_OK))) {
        rc = fbs_error_set(FBS_EINTERNAL, "%s %s: libcurl rejected an option", method, url);
        goto done;
    }
    cc = curl_easy_perform(c);
    if (t->oom) {
        rc = fbs_error_set(FBS_ENOMEM, "out of memory");
    } else if (t->too_large || cc == CURLE_FILESIZE_EXCEEDED) {
        rc = fbs_error_set(FBS_EIO, "%s %s: the response is larger than %zu bytes", method, url,
                           cf->max_response);
    } else if (cc != CURLE_OK) {
        *retry = cc == CURLE_OPERATION_TIMEDOUT || cc == CURLE_GOT_NOTHING ||
                 cc == CURLE_RECV_ERROR || cc == CURLE_SEND_ERROR;
        rc = fbs_error_set(FBS_EIO, "%s %s: %s", method, url,
                           *errbuf ? errbuf : curl_easy_strerror(cc));
    } else {
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, status);
        *retry = *status == 429 || (*status >= 500 && *status <= 599 && *status != 501);
    }
done:
    /* Drop the references to the header list and the caller's body before they go away. */
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, NULL);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, NULL);
    wipe_headers(headers);
    curl_slist_free_all(headers);
    return rc;
}

static void wait_seconds(long s)
{
    struct timespec ts = {s, 0};

    while (nanosleep(&ts, &ts) < 0)
        ;
}

static int request(struct curl_fetch *cf, const char *method, const char *url, const char *body,
                   struct fbs_buf *out, long *status)
{
    unsigned tries;
    int rc;

    *status = 0;
    rc = check_url(url);
    if (rc < 0)
        return rc;
    for (tries = 0;; tries++) {
        struct transfer t = {out, cf->max_response, false, false, -1};
        bool retry;

        fbs_buf_truncate(out, 0);
        rc = attempt(cf, method, url, body, &t, status, &retry);
        if (!retry || tries >= cf->max_retries)
            return rc;
        wait_seconds(t.retry_after >= 0 ? (t.retry_after > 60 ? 60 : t.retry_after)
                                        : 1L << (tries < 5 ? tries : 5));
    }
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

static void *dup_mem(const void *p, size_t n)
{
    return p ? fbs_memdup(p, n) : NULL;
}

int fbs_fetch_curl_new(struct fbs_cloud_fetch **out, const struct fbs_fetch_curl_opts *o)
{
    struct curl_fetch *cf;

    *out = NULL;
    cf = fbs_calloc(1, sizeof(*cf));
    if (!cf)
        return fbs_error_set(FBS_ENOMEM, "out of memory");
    cf->iface.get = curl_get;
    cf->iface.post = curl_post;
    cf->iface.ctx = cf;
    cf->connect_timeout = o->connect_timeout > 0 ? o->connect_timeout : 10;
    cf->timeout = o->timeout > 0 ? o->timeout : 60;
    cf->max_response = o->max_response ? o->max_response : (size_t)256 << 20;
    cf->max_retries = o->max_retries;
    cf->token = fbs_strdup(o->token);
    cf->token_header = fbs_strdup(o->token_header);
    cf->ca_file = fbs_strdup(o->ca_file);
    cf->cert_file = fbs_strdup(o->cert_file);
    cf->key_file = fbs_strdup(o->key_file);
    cf->ca_pem = dup_mem(o->ca_pem, o->ca_pem_len);
    cf->cert_pem = dup_mem(o->cert_pem, o->cert_pem_len);
    cf->key_pem = dup_mem(o->key_pem, o->key_pem_len);
    cf->ca_pem_len = o->ca_pem_len;
    cf->cert_pem_len = o->cert_pem_len;
    cf->key_pem_len = o->key_pem_len;
    if ((o->token && !cf->token) || (o->token_header && !cf->token_header) ||
        (o->ca_file && !cf->ca_file) || (o->cert_file && !cf->cert_file) ||
        (o->key_file && !cf->key_file) || (o->ca_pem && !cf->ca_pem) ||
        (o->cert_pem && !cf->cert_pem) || (o->key_pem && !cf->key_pem)) {
        fbs_fetch_curl_free(&cf->iface);
        return fbs_error_set(FBS_ENOMEM, "out of memory");
    }
    if (fbs_curl_load() < 0) {
        fbs_fetch_curl_free(&cf->iface);
        return FBS_EUNSUPPORTED;
    }
    cf->curl = curl_easy_init();
    if (!cf->curl) {
        fbs_fetch_curl_free(&cf->iface);
        return fbs_error_set(FBS_EINTERNAL, "libcurl could not start");
    }
    *out = &cf->iface;
    return 0;
}

void fbs_fetch_curl_free(struct fbs_cloud_fetch *fx)
{
    struct curl_fetch *cf = fx ? fx->ctx : NULL;

    if (!cf)
        return;
    if (cf->curl)
        curl_easy_cleanup(cf->curl);
    if (cf->token)
        fbs_wipe(cf->token, strlen(cf->token));
    if (cf->key_pem)
        fbs_wipe(cf->key_pem, cf->key_pem_len);
    fbs_free(cf->token);
    fbs_free(cf->token_header);
    fbs_free(cf->ca_file);
    fbs_free(cf->cert_file);
    fbs_free(cf->key_file);
    fbs_free(cf->ca_pem);
    fbs_free(cf->cert_pem);
    fbs_free(cf->key_pem);
    fbs_free(cf);
}
