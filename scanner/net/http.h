/*
 * http.h - the one HTTP client of fallback-scan (libcurl, opened at run time by dl.c), shared by
 * the AWS collector (POST, SigV4), the live collectors (fetch_curl.c: GET/POST with a bearer
 * token or a client certificate) and live verification (detectors/verify_*.c).
 *
 * Layer: scanner/net sits on core only (core -> model -> {match, sources, net, cloud} -> ...).
 *
 * One client holds one curl handle (connections are kept alive between calls) and is used from
 * one thread at a time; concurrent callers make one client each.
 *
 * Safety properties, relied on by every caller:
 *   - TLS peers are always verified (a CA bundle or PEM bytes only replace the trusted store);
 *     only http and https are allowed, and plain http only to a loopback host (127.0.0.0/8,
 *     [::1], localhost): a credential never crosses a network in clear.
 *   - Redirects are never followed: a 3xx answer is returned to the caller as it is, so a
 *     credential never travels to a host the caller did not name.
 *   - Proxies come from the standard environment variables, as libcurl reads them (http_proxy,
 *     https_proxy / HTTPS_PROXY, all_proxy, no_proxy); nothing else configures one.
 *   - Credentials go to libcurl only (SigV4 user/password, a header the caller passes, the
 *     client's bearer token) and never into an error message: messages name the method, the URL
 *     given and libcurl's error text, never headers or bodies. Header lists are wiped.
 *   - A response body larger than max_response is an error, not an unbounded allocation.
 *   - Transient failures (connection errors, timeouts, HTTP 429, 500, 502, 503, 504, and what
 *     the request's `transient` callback recognises, such as an AWS "Throttling" error) are
 *     retried up to max_tries attempts in all, with exponential backoff; a Retry-After (seconds
 *     or an HTTP date) on such an answer is honoured, waiting at most max_retry_after_s. So a
 *     call takes at most max_tries x timeout_s plus the waits.
 */
#ifndef FBS_NET_HTTP_H
#define FBS_NET_HTTP_H

#include <stdbool.h>
#include <stddef.h>

#include "../core/buf.h"

#define FBS_HTTP_MAX_RESPONSE      ((size_t)64 << 20) /* 64 MiB: a large credential report fits */
#define FBS_HTTP_MAX_TRIES         4
#define FBS_HTTP_BACKOFF_MS        250
#define FBS_HTTP_MAX_RETRY_AFTER_S 60

struct fbs_http_opts {
    const char *ca_bundle; /* PEM file of trusted CAs; NULL: the system store */
    const void *ca_pem;    /* or PEM bytes (a kubeconfig's certificate-authority-data); copied */
    size_t ca_pem_len;
    const char *cert_file, *key_file; /* client certificate (Kubernetes) */
    const void *cert_pem, *key_pem;   /* or PEM bytes; copied, the key wiped when freed */
    size_t cert_pem_len, key_pem_len;
    const char *bearer;         /* a token added to every request; copied, wiped when freed */
    const char *bearer_header;  /* NULL: "Authorization: Bearer <t>"; else "<hdr>: <t>" */
    long timeout_s;             /* whole transfer, per attempt; 0: 60 s */
    long connect_timeout_s;     /* 0: 20 s */
    size_t max_response;        /* 0: FBS_HTTP_MAX_RESPONSE */
    unsigned max_tries;         /* attempts in all; 0: FBS_HTTP_MAX_TRIES */
    unsigned backoff_ms;        /* delay before the first retry, doubled each time (at most 8 s);
                                 * 0: the default. Tests set 1 to keep retries fast. */
    unsigned max_retry_after_s; /* longest Retry-After honoured; 0: FBS_HTTP_MAX_RETRY_AFTER_S.
                                 * A longer one is capped to it. */
};

struct fbs_http_request {
    const char *method; /* "GET", "POST", ...; NULL: "POST" */
    const char *url;
    const char *body; /* request body; NULL: empty (a POST is still sent with a body of 0 bytes) */
    size_t body_len;
    const char *const *headers; /* "Name: value" lines, NULL-terminated; may be NULL */
    const char *sigv4;          /* "aws:amz:REGION:SERVICE" to sign with SigV4, or NULL */
    const char *user;           /* SigV4 access key id, or HTTP Basic user (basic set) */
    const char *password;       /* SigV4 secret access key, or HTTP Basic password */
    bool basic;                 /* send user/password as HTTP Basic authentication */
    unsigned max_tries;         /* this request's attempts; 0: the client's */
    /* Whether a complete response is a transient failure to retry (throttling); NULL: only the
     * status decides. */
    bool (*transient)(long status, const struct fbs_buf *body, void *payload);
    void *payload;
};

struct fbs_http_response {
    long status;            /* HTTP status of the last attempt */
    struct fbs_buf body;    /* its body */
    struct fbs_buf headers; /* its header lines, as received (wiped when released) */
    long retry_after_s;     /* its Retry-After in seconds (uncapped), -1 when absent */
    unsigned tries;         /* attempts made */
};

struct fbs_http;

/* A client; 0, FBS_ENOMEM, FBS_EUNSUPPORTED (no libcurl) or FBS_EINTERNAL. */
int fbs_http_new(struct fbs_http **out, const struct fbs_http_opts *opts);
/* NULL is a no-op. Wipes the bearer token and key bytes. */
void fbs_http_free(struct fbs_http *h);

/*
 * Send the request. On 0, `resp` holds the last attempt's status, headers and body whatever the
 * status (after the retries for transient failures are used up); the caller releases it with
 * fbs_http_response_release() (also after a failure). Returns FBS_EINVAL for a URL the client
 * refuses (not http(s), plain http off loopback), FBS_EIO when no response came (the message
 * names the method, the URL and the transport error) or the body exceeds max_response,
 * FBS_ENOMEM.
 */
int fbs_http_send(struct fbs_http *h, const struct fbs_http_request *req,
                  struct fbs_http_response *resp);
/* fbs_http_send() with method POST (the AWS Query and JSON APIs). */
int fbs_http_post(struct fbs_http *h, const struct fbs_http_request *req,
                  struct fbs_http_response *resp);

void fbs_http_response_init(struct fbs_http_response *resp);
/* Release (and wipe) the body and headers. */
void fbs_http_response_release(struct fbs_http_response *resp);
/*
 * The value of response header `name` (case-insensitive; the last one when repeated), trimmed,
 * copied into `out` (replaced). true when present.
 */
bool fbs_http_response_header(const struct fbs_http_response *resp, const char *name,
                              struct fbs_buf *out);

/* Whether `url` is http(s) on a loopback host (127.0.0.0/8, [::1], localhost). */
bool fbs_http_url_loopback(const char *url);
/* The host of an absolute URL (brackets kept for IPv6), lower-cased, into out (size bytes). */
void fbs_http_url_host(char *out, size_t size, const char *url);

#endif
