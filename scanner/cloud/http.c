/*
 * http.c - the libcurl transport of the cloud collectors (see http.h for its guarantees).
 */
#include "http.h"
#include "../core/alloc.h"
#include "../core/error.h"

#include <curl/curl.h>
#include <pthread.h>
#include <string.h>
#include <time.h>

#include "dl.h"

#include "../core/banned.h"

#define MAX_BACKOFF_MS    8000
#define MAX_RETRY_AFTER_S 60

struct fbs_http {
    CURL *curl;
    struct fbs_http_opts opts;
    char errbuf[CURL_ERROR_SIZE];
};

/* What the write callback appends to. */
struct sink {
    struct fbs_buf *buf;
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
    fbs_buf_init(&resp->body);
}

void fbs_http_response_release(struct fbs_http_response *resp)
{
    if (!resp)
        return;
    fbs_buf_release(&resp->body);
    resp->status = 0;
}

static size_t on_write(char *data, size_t size, size_t nmemb, void *userdata)
{
    struct sink *s = userdata;
    size_t n = size * nmemb;

    if (n > s->max || s->buf->len > s->max - n) {
        s->too_large = true;
        return 0; /* aborts the transfer with CURLE_WRITE_ERROR */
    }
    if (fbs_buf_put(s->buf, data, n) < 0) {
        s->oom = true;
        return 0;
    }
    return n;
}

int fbs_http_new(struct fbs_http **out, const struct fbs_http_opts *opts)
{
    struct fbs_http *h;
    CURLcode cc = CURLE_OK;

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
    if (opts)
        h->opts = *opts;
    if (!h->opts.timeout_s)
        h->opts.timeout_s = 60;
    if (!h->opts.max_response)
        h->opts.max_response = FBS_HTTP_MAX_RESPONSE;
    if (!h->opts.max_tries)
        h->opts.max_tries = FBS_HTTP_MAX_TRIES;
    if (!h->opts.backoff_ms)
        h->opts.backoff_ms = FBS_HTTP_BACKOFF_MS;
    h->curl = curl_easy_init();
    if (!h->curl) {
        fbs_free(h);
        return fbs_error_set(FBS_EINTERNAL, "cannot create a libcurl handle");
    }
    /* Settings that hold for every request of the client. */
    if (cc == CURLE_OK)
        cc = curl_easy_setopt(h->curl, CURLOPT_ERRORBUFFER, h->errbuf);
    if (cc == CURLE_OK)
        cc = curl_easy_setopt(h->curl, CURLOPT_NOSIGNAL, 1L);
    if (cc == CURLE_OK)
        cc = curl_easy_setopt(h->curl, CURLOPT_SSL_VERIFYPEER, 1L);
    if (cc == CURLE_OK)
        cc = curl_easy_setopt(h->curl, CURLOPT_SSL_VERIFYHOST, 2L);
    if (cc == CURLE_OK)
        cc = curl_easy_setopt(h->curl, CURLOPT_FOLLOWLOCATION, 0L);
#if LIBCURL_VERSION_NUM >= 0x075500
    if (cc == CURLE_OK)
        cc = curl_easy_setopt(h->curl, CURLOPT_PROTOCOLS_STR, "http,https");
#endif
    if (cc == CURLE_OK)
        cc = curl_easy_setopt(h->curl, CURLOPT_TIMEOUT, h->opts.timeout_s);
    if (cc == CURLE_OK)
        cc = curl_easy_setopt(h->curl, CURLOPT_CONNECTTIMEOUT, 20L);
    if (cc == CURLE_OK)
        cc = curl_easy_setopt(h->curl, CURLOPT_USERAGENT, "fallback-scan/" FBS_VERSION);
    if (cc == CURLE_OK)
        cc = curl_easy_setopt(h->curl, CURLOPT_ACCEPT_ENCODING, "");
    if (cc == CURLE_OK)
        cc = curl_easy_setopt(h->curl, CURLOPT_WRITEFUNCTION, on_write);
    if (cc == CURLE_OK && h->opts.ca_bundle)
        cc = curl_easy_setopt(h->curl, CURLOPT_CAINFO, h->opts.ca_bundle);
    if (cc != CURLE_OK) {
        int rc = fbs_error_set(cc == CURLE_OUT_OF_MEMORY ? FBS_ENOMEM : FBS_EINTERNAL,
                               "cannot configure libcurl: %s", curl_easy_strerror(cc));

        fbs_http_free(h);
        return rc;
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

static int set_request(struct fbs_http *h, const struct fbs_http_request *req,
                       struct curl_slist *headers, struct sink *sink)
{
    CURLcode cc = CURLE_OK;

    cc = curl_easy_setopt(h->curl, CURLOPT_URL, req->url);
    if (cc == CURLE_OK)
        cc = curl_easy_setopt(h->curl, CURLOPT_POST, 1L);
    if (cc == CURLE_OK)
        cc = curl_easy_setopt(h->curl, CURLOPT_POSTFIELDS, req->body ? req->body : "");
    if (cc == CURLE_OK)
        cc = curl_easy_setopt(h->curl, CURLOPT_POSTFIELDSIZE_LARGE,
                              (curl_off_t)(req->body ? req->body_len : 0));
    if (cc == CURLE_OK)
        cc = curl_easy_setopt(h->curl, CURLOPT_HTTPHEADER, headers);
    if (cc == CURLE_OK)
        cc = curl_easy_setopt(h->curl, CURLOPT_AWS_SIGV4, req->sigv4);
    if (cc == CURLE_OK)
        cc = curl_easy_setopt(h->curl, CURLOPT_USERNAME, req->sigv4 ? req->user : NULL);
    if (cc == CURLE_OK)
        cc = curl_easy_setopt(h->curl, CURLOPT_PASSWORD, req->sigv4 ? req->password : NULL);
    if (cc == CURLE_OK)
        cc = curl_easy_setopt(h->curl, CURLOPT_WRITEDATA, sink);
    if (cc == CURLE_OK)
        return 0;
    if (cc == CURLE_OUT_OF_MEMORY)
        return fbs_error_set(FBS_ENOMEM, "out of memory");
    return fbs_error_set(FBS_EINTERNAL, "POST %s: cannot set up the request: %s", req->url,
                         curl_easy_strerror(cc));
}

int fbs_http_post(struct fbs_http *h, const struct fbs_http_request *req,
                  struct fbs_http_response *resp)
{
    struct curl_slist *headers = NULL;
    struct sink sink = {&resp->body, h->opts.max_response, false, false};
    unsigned try, delay = h->opts.backoff_ms;
    int rc = 0;

    for (size_t i = 0; req->headers && req->headers[i]; i++) {
        struct curl_slist *n = curl_slist_append(headers, req->headers[i]);

        if (!n) {
            rc = fbs_error_set(FBS_ENOMEM, "out of memory");
            goto done;
        }
        headers = n;
    }
    rc = set_request(h, req, headers, &sink);
    if (rc < 0)
        goto done;
    for (try = 1;; try++) {
        CURLcode cc;
        bool retry;
        unsigned wait;

        fbs_buf_truncate(&resp->body, 0);
        h->errbuf[0] = '\0';
        resp->status = 0;
        resp->tries = try;
        cc = curl_easy_perform(h->curl);
        if (sink.oom) {
            rc = fbs_error_set(FBS_ENOMEM, "out of memory");
            goto done;
        }
        if (sink.too_large) {
            rc = fbs_error_set(FBS_EIO, "POST %s: the response is larger than %zu bytes", req->url,
                               h->opts.max_response);
            goto done;
        }
        if (cc == CURLE_OK) {
            curl_easy_getinfo(h->curl, CURLINFO_RESPONSE_CODE, &resp->status);
            retry = transient_status(resp->status) ||
                    (req->transient && req->transient(resp->status, &resp->body, req->payload));
            if (!retry || try >= h->opts.max_tries)
                goto done; /* a response, possibly an error the caller interprets */
        } else if (!transient_curl(cc) || try >= h->opts.max_tries) {
            rc = fbs_error_set(FBS_EIO, "POST %s: %s%s", req->url,
                               h->errbuf[0] ? h->errbuf : curl_easy_strerror(cc),
                               try > 1 ? " (after retries)" : "");
            goto done;
        }
        wait = delay;
        if (cc == CURLE_OK) {
            /* The server says when to come back (429, 503): at least that, at most 60 s. */
            curl_off_t ra = 0;

            if (curl_easy_getinfo(h->curl, CURLINFO_RETRY_AFTER, &ra) == CURLE_OK && ra > 0) {
                unsigned ms =
                    ra >= MAX_RETRY_AFTER_S ? MAX_RETRY_AFTER_S * 1000u : (unsigned)ra * 1000u;

                if (ms > wait)
                    wait = ms;
            }
        }
        sleep_ms(wait);
        delay = delay > MAX_BACKOFF_MS / 2 ? MAX_BACKOFF_MS : delay * 2;
    }
done:
    /* The handle keeps pointers to the request's strings; drop them with the request. */
    curl_easy_setopt(h->curl, CURLOPT_HTTPHEADER, NULL);
    curl_easy_setopt(h->curl, CURLOPT_POSTFIELDS, NULL);
    curl_easy_setopt(h->curl, CURLOPT_WRITEDATA, NULL);
    for (struct curl_slist *n = headers; n; n = n->next) /* a header may carry a session token */
        fbs_wipe(n->data, strlen(n->data));
    curl_slist_free_all(headers);
    return rc;
}
