/*
 * net_http.c - the one libcurl client (see http.h for its guarantees).
 *
 * Each attempt resets the handle (live connections, the DNS and TLS session caches survive a
 * reset) and sets every option again, so no option of one request leaks into the next.
 */
#include "http.h"
#include "../core/alloc.h"
#include "../core/error.h"

#include <ctype.h>
#include <curl/curl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "dl.h"

#include "../core/banned.h"

#define MAX_BACKOFF_MS 8000

struct fbs_http {
    CURL *curl;
    struct fbs_http_opts opts; /* pointers below are owned copies */
    char *bearer_line;         /* the complete auth header, wiped when freed */
    char errbuf[CURL_ERROR_SIZE];
};

/* What the callbacks append to. */
struct sink {
    struct fbs_http_response *resp;
    size_t max;
    bool too_large;
    bool oom;
};

static pthread_once_t global_once = PTHREAD_ONCE_INIT;
static CURLcode global_rc = CURLE_FAILED_INIT;

static void global_init(void)
{
    global_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

void fbs_http_response_init(struct fbs_http_response *resp)
{
    resp->status = 0;
    resp->tries = 0;
    resp->retry_after_s = -1;
    fbs_buf_init(&resp->body);
    fbs_buf_init(&resp->headers);
}

void fbs_http_response_release(struct fbs_http_response *resp)
{
    if (!resp)
        return;
    fbs_buf_release_wipe(&resp->body);
    fbs_buf_release_wipe(&resp->headers);
    resp->status = 0;
}

bool fbs_http_response_header(const struct fbs_http_response *resp, const char *name,
                              struct fbs_buf *out)
{
    const char *p = resp->headers.ptr, *end = p ? p + resp->headers.len : NULL;
    size_t nlen = strlen(name);
    bool found = false;

    while (p && p < end) {
        const char *eol = memchr(p, '\n', (size_t)(end - p));
        const char *stop = eol ? eol : end;

        if ((size_t)(stop - p) > nlen && p[nlen] == ':' && !strncasecmp(p, name, nlen)) {
            const char *v = p + nlen + 1, *ve = stop;

            while (v < ve && (*v == ' ' || *v == '\t'))
                v++;
            while (ve > v && (ve[-1] == '\r' || ve[-1] == ' ' || ve[-1] == '\t'))
                ve--;
            fbs_buf_truncate(out, 0);
            if (fbs_buf_put(out, v, (size_t)(ve - v)) < 0)
                return false;
            found = true;
        }
        p = eol ? eol + 1 : end;
    }
    return found;
}

void fbs_http_url_host(char *out, size_t size, const char *url)
{
    const char *p = strstr(url, "://"), *at;
    size_t n, i;

    if (size == 0)
        return;
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
    if (n >= size)
        n = size - 1;
    for (i = 0; i < n; i++)
        out[i] = (char)tolower((unsigned char)p[i]);
    out[n] = '\0';
}

static bool host_loopback(const char *host)
{
    return !strcmp(host, "localhost") || !strcmp(host, "[::1]") || !strncmp(host, "127.", 4);
}

bool fbs_http_url_loopback(const char *url)
{
    char host[256];

    if (strncasecmp(url, "http://", 7) && strncasecmp(url, "https://", 8))
        return false;
    fbs_http_url_host(host, sizeof(host), url);
    return host_loopback(host);
}

/* Plain http is for loopback only: a credential must not cross a network in clear. */
static int check_url(const char *method, const char *url)
{
    char host[256];

    if (!strncasecmp(url, "https://", 8))
        return 0;
    if (strncasecmp(url, "http://", 7))
        return fbs_error_set(FBS_EINVAL, "%s '%s': not an http(s) URL", method, url);
    fbs_http_url_host(host, sizeof(host), url);
    if (host_loopback(host))
        return 0;
    return fbs_error_set(FBS_EINVAL,
                         "%s '%s': plain http is refused for credentials (use https; http is "
                         "allowed for loopback addresses only)",
                         method, url);
}

static size_t on_body(char *data, size_t size, size_t nmemb, void *userdata)
{
    struct sink *s = userdata;
    size_t n = size * nmemb;

    if (n > s->max || s->resp->body.len > s->max - n) {
        s->too_large = true;
        return 0; /* aborts the transfer with CURLE_WRITE_ERROR */
    }
    if (fbs_buf_put(&s->resp->body, data, n) < 0) {
        s->oom = true;
        return 0;
    }
    return n;
}

static size_t on_header(char *data, size_t size, size_t nmemb, void *userdata)
{
    struct sink *s = userdata;
    size_t n = size * nmemb;

    /* A new status line (after a 100 Continue) starts a new header block. */
    if (n >= 5 && !strncmp(data, "HTTP/", 5))
        fbs_buf_truncate(&s->resp->headers, 0);
    if (s->resp->headers.len + n > 256 * 1024)
        return n; /* headers past 256 KiB are not kept; the transfer goes on */
    if (fbs_buf_put(&s->resp->headers, data, n) < 0) {
        s->oom = true;
        return 0;
    }
    return n;
}

static void *dup_mem(const void *p, size_t n)
{
    return p ? fbs_memdup(p, n) : NULL;
}

int fbs_http_new(struct fbs_http **out, const struct fbs_http_opts *opts)
{
    struct fbs_http *h;
    struct fbs_http_opts *o;
    bool oom = false;

    *out = NULL;
    if (fbs_curl_load() < 0)
        return FBS_EUNSUPPORTED;
    pthread_once(&global_once, global_init);
    if (global_rc != CURLE_OK)
        return fbs_error_set(FBS_EINTERNAL, "cannot initialise libcurl: %s",
                             curl_easy_strerror(global_rc));
    h = fbs_calloc(1, sizeof(*h));
    if (!h)
        return fbs_error_set(FBS_ENOMEM, "out of memory");
    o = &h->opts;
    if (opts) {
        *o = *opts;
        o->ca_bundle = opts->ca_bundle ? fbs_strdup(opts->ca_bundle) : NULL;
        o->cert_file = opts->cert_file ? fbs_strdup(opts->cert_file) : NULL;
        o->key_file = opts->key_file ? fbs_strdup(opts->key_file) : NULL;
        o->ca_pem = dup_mem(opts->ca_pem, opts->ca_pem_len);
        o->cert_pem = dup_mem(opts->cert_pem, opts->cert_pem_len);
        o->key_pem = dup_mem(opts->key_pem, opts->key_pem_len);
        o->bearer = NULL;
        o->bearer_header = NULL;
        oom = (opts->ca_bundle && !o->ca_bundle) || (opts->cert_file && !o->cert_file) ||
              (opts->key_file && !o->key_file) || (opts->ca_pem && !o->ca_pem) ||
              (opts->cert_pem && !o->cert_pem) || (opts->key_pem && !o->key_pem);
        if (!oom && opts->bearer) {
            struct fbs_buf b = FBS_BUF_INIT;

            if (fbs_buf_printf(&b, "%s: %s%s",
                               opts->bearer_header ? opts->bearer_header : "Authorization",
                               opts->bearer_header ? "" : "Bearer ", opts->bearer) < 0)
                oom = true;
            else
                h->bearer_line = fbs_strdup(b.ptr);
            fbs_buf_release_wipe(&b);
            if (!h->bearer_line)
                oom = true;
        }
    }
    if (!o->timeout_s)
        o->timeout_s = 60;
    if (!o->connect_timeout_s)
        o->connect_timeout_s = 20;
    if (!o->max_response)
        o->max_response = FBS_HTTP_MAX_RESPONSE;
    if (!o->max_tries)
        o->max_tries = FBS_HTTP_MAX_TRIES;
    if (!o->backoff_ms)
        o->backoff_ms = FBS_HTTP_BACKOFF_MS;
    if (!o->max_retry_after_s)
        o->max_retry_after_s = FBS_HTTP_MAX_RETRY_AFTER_S;
    if (!oom)
        h->curl = curl_easy_init();
    if (oom || !h->curl) {
        fbs_http_free(h);
        return oom ? fbs_error_set(FBS_ENOMEM, "out of memory")
                   : fbs_error_set(FBS_EINTERNAL, "cannot create a libcurl handle");
    }
    *out = h;
    return 0;
}

void fbs_http_free(struct fbs_http *h)
{
    if (!h)
        return;
    if (h->curl)
        curl_easy_cleanup(h->curl);
    if (h->bearer_line)
        fbs_wipe(h->bearer_line, strlen(h->bearer_line));
    if (h->opts.key_pem)
        fbs_wipe((void *)h->opts.key_pem, h->opts.key_pem_len);
    fbs_free(h->bearer_line);
    fbs_free((void *)h->opts.ca_bundle);
    fbs_free((void *)h->opts.cert_file);
    fbs_free((void *)h->opts.key_file);
    fbs_free((void *)h->opts.ca_pem);
    fbs_free((void *)h->opts.cert_pem);
    fbs_free((void *)h->opts.key_pem);
    fbs_free(h);
}

static bool transient_status(long status)
{
    return status == 429 || status == 500 || status == 502 || status == 503 || status == 504;
}

/* Transport failures worth another attempt: the network, not the request, went wrong. */
static bool transient_curl(CURLcode cc)
{
    switch (cc) {
    case CURLE_COULDNT_CONNECT:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
        return true;
    default:
        return false;
    }
}

static void sleep_ms(unsigned ms)
{
    struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};

    while (nanosleep(&ts, &ts) != 0)
        ;
}

static CURLcode set_blob(CURL *c, CURLoption opt, const void *data, size_t len)
{
    struct curl_blob blob;

    blob.data = (void *)data;
    blob.len = len;
    blob.flags = CURL_BLOB_NOCOPY;
    return curl_easy_setopt(c, opt, &blob);
}

/* Every option of one attempt, after a reset. */
static int set_request(struct fbs_http *h, const char *method, const struct fbs_http_request *req,
                       struct curl_slist *headers, struct sink *sink)
{
    const struct fbs_http_opts *o = &h->opts;
    CURL *c = h->curl;
    bool post = !strcmp(method, "POST");
    CURLcode cc = CURLE_OK;

    curl_easy_reset(c);
#define SET(opt, val)                                                                              \
    do {                                                                                           \
        if (cc == CURLE_OK)                                                                        \
            cc = curl_easy_setopt(c, opt, val);                                                    \
    } while (0)
    SET(CURLOPT_ERRORBUFFER, h->errbuf);
    SET(CURLOPT_NOSIGNAL, 1L);
    SET(CURLOPT_SSL_VERIFYPEER, 1L);
    SET(CURLOPT_SSL_VERIFYHOST, 2L);
    SET(CURLOPT_FOLLOWLOCATION, 0L);
#if LIBCURL_VERSION_NUM >= 0x075500
    SET(CURLOPT_PROTOCOLS_STR, "http,https");
#endif
    SET(CURLOPT_TIMEOUT, o->timeout_s);
    SET(CURLOPT_CONNECTTIMEOUT, o->connect_timeout_s);
    SET(CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)o->max_response);
    SET(CURLOPT_USERAGENT, "fallback-scan/" FBS_VERSION);
    SET(CURLOPT_ACCEPT_ENCODING, "");
    SET(CURLOPT_WRITEFUNCTION, on_body);
    SET(CURLOPT_WRITEDATA, sink);
    SET(CURLOPT_HEADERFUNCTION, on_header);
    SET(CURLOPT_HEADERDATA, sink);
    SET(CURLOPT_URL, req->url);
    SET(CURLOPT_HTTPHEADER, headers);
    if (o->ca_bundle)
        SET(CURLOPT_CAINFO, o->ca_bundle);
    if (o->ca_pem && cc == CURLE_OK)
        cc = set_blob(c, CURLOPT_CAINFO_BLOB, o->ca_pem, o->ca_pem_len);
    if (o->cert_file)
        SET(CURLOPT_SSLCERT, o->cert_file);
    if (o->key_file)
        SET(CURLOPT_SSLKEY, o->key_file);
    if (o->cert_pem && cc == CURLE_OK) {
        cc = set_blob(c, CURLOPT_SSLCERT_BLOB, o->cert_pem, o->cert_pem_len);
        SET(CURLOPT_SSLCERTTYPE, "PEM");
    }
    if (o->key_pem && cc == CURLE_OK) {
        cc = set_blob(c, CURLOPT_SSLKEY_BLOB, o->key_pem, o->key_pem_len);
        SET(CURLOPT_SSLKEYTYPE, "PEM");
    }
    if (post) {
        SET(CURLOPT_POST, 1L);
        SET(CURLOPT_POSTFIELDS, req->body ? req->body : "");
        SET(CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)(req->body ? req->body_len : 0));
    } else if (strcmp(method, "GET") != 0) {
        SET(CURLOPT_CUSTOMREQUEST, method);
        if (req->body) {
            SET(CURLOPT_POSTFIELDS, req->body);
            SET(CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->body_len);
        }
    }
    if (req->sigv4) {
        SET(CURLOPT_AWS_SIGV4, req->sigv4);
        SET(CURLOPT_USERNAME, req->user);
        SET(CURLOPT_PASSWORD, req->password);
    } else if (req->basic) {
        SET(CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
        SET(CURLOPT_USERNAME, req->user ? req->user : "");
        SET(CURLOPT_PASSWORD, req->password ? req->password : "");
    }
#undef SET
    if (cc == CURLE_OK)
        return 0;
    if (cc == CURLE_OUT_OF_MEMORY)
        return fbs_error_set(FBS_ENOMEM, "out of memory");
    return fbs_error_set(FBS_EINTERNAL, "%s %s: cannot set up the request: %s", method, req->url,
                         curl_easy_strerror(cc));
}

static int add_header(struct curl_slist **list, const char *line)
{
    struct curl_slist *n = curl_slist_append(*list, line);

    if (!n)
        return fbs_error_set(FBS_ENOMEM, "out of memory");
    *list = n;
    return 0;
}

int fbs_http_send(struct fbs_http *h, const struct fbs_http_request *req,
                  struct fbs_http_response *resp)
{
    const char *method = req->method ? req->method : "POST";
    struct curl_slist *headers = NULL;
    struct sink sink = {resp, h->opts.max_response, false, false};
    unsigned try, delay = h->opts.backoff_ms;
    unsigned max_tries = req->max_tries ? req->max_tries : h->opts.max_tries;
    int rc;

    resp->status = 0;
    resp->tries = 0;
    resp->retry_after_s = -1;
    rc = check_url(method, req->url);
    if (rc < 0)
        goto done;
    for (size_t i = 0; rc == 0 && req->headers && req->headers[i]; i++)
        rc = add_header(&headers, req->headers[i]);
    if (rc == 0 && h->bearer_line)
        rc = add_header(&headers, h->bearer_line);
    if (rc < 0)
        goto done;
    for (try = 1;; try++) {
        CURLcode cc;
        bool retry;
        unsigned wait;

        fbs_buf_truncate(&resp->body, 0);
        fbs_buf_truncate(&resp->headers, 0);
        resp->status = 0;
        resp->retry_after_s = -1;
        resp->tries = try;
        rc = set_request(h, method, req, headers, &sink);
        if (rc < 0)
            goto done;
        h->errbuf[0] = '\0';
        cc = curl_easy_perform(h->curl);
        if (sink.oom) {
            rc = fbs_error_set(FBS_ENOMEM, "out of memory");
            goto done;
        }
        if (sink.too_large || cc == CURLE_FILESIZE_EXCEEDED) {
            rc = fbs_error_set(FBS_EIO, "%s %s: the response is larger than %zu bytes", method,
                               req->url, h->opts.max_response);
            goto done;
        }
        if (cc == CURLE_OK) {
            curl_off_t ra = -1;

            curl_easy_getinfo(h->curl, CURLINFO_RESPONSE_CODE, &resp->status);
            if (curl_easy_getinfo(h->curl, CURLINFO_RETRY_AFTER, &ra) == CURLE_OK && ra > 0)
                resp->retry_after_s = (long)ra;
            retry = transient_status(resp->status) ||
                    (req->transient && req->transient(resp->status, &resp->body, req->payload));
            if (!retry || try >= max_tries)
                goto done; /* a response, possibly an error the caller interprets */
        } else if (!transient_curl(cc) || try >= max_tries) {
            rc = fbs_error_set(FBS_EIO, "%s %s: %s%s", method, req->url,
                               h->errbuf[0] ? h->errbuf : curl_easy_strerror(cc),
                               try > 1 ? " (after retries)" : "");
            goto done;
        }
        wait = delay;
        if (resp->retry_after_s > 0) {
            /* The server says when to come back (429, 503): at least that, capped. */
            unsigned ms = resp->retry_after_s >= (long)h->opts.max_retry_after_s
                              ? h->opts.max_retry_after_s * 1000u
                              : (unsigned)resp->retry_after_s * 1000u;

            if (ms > wait)
                wait = ms;
        }
        sleep_ms(wait);
        delay = delay > MAX_BACKOFF_MS / 2 ? MAX_BACKOFF_MS : delay * 2;
    }
done:
    /* The handle keeps pointers to the request's strings; drop them with the request. */
    curl_easy_reset(h->curl);
    for (struct curl_slist *n = headers; n; n = n->next) /* a header may carry a token */
        fbs_wipe(n->data, strlen(n->data));
    curl_slist_free_all(headers);
    return rc;
}

int fbs_http_post(struct fbs_http *h, const struct fbs_http_request *req,
                  struct fbs_http_response *resp)
{
    struct fbs_http_request r = *req;

    r.method = "POST";
    return fbs_http_send(h, &r, resp);
}
