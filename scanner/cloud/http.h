/*
 * http.h - the cloud collectors' HTTP transport: a small libcurl wrapper.
 *
 * One client holds one curl handle (connections are kept alive between calls) and is used from
 * one thread. Every request is a POST: the AWS Query and JSON APIs take their parameters in the
 * body, and signing a body is where libcurl's CURLOPT_AWS_SIGV4 and AWS agree (see DESIGN.md).
 *
 * Safety properties, relied on by the collectors:
 *   - TLS peers are always verified (--ca-bundle only replaces the trusted store); only http and
 *     https are allowed; redirects are not followed.
 *   - Credentials go to libcurl only (CURLOPT_USERNAME/PASSWORD for SigV4, or a header the
 *     caller passes) and never into an error message: messages name the method, the URL given
 *     and libcurl's error text, never headers or bodies.
 *   - A response body larger than max_response is an error, not an unbounded allocation.
 *   - Transient failures (connection errors, timeouts, HTTP 429 and 5xx, and whatever the
 *     request's `transient` callback recognises, such as an AWS "Throttling" error) are retried
 *     up to max_tries attempts in all, with exponential backoff; a Retry-After (seconds or an
 *     HTTP date) on a 429/5xx answer is honoured, waiting at most 60 s. So a call takes at most
 *     max_tries x timeout_s plus the waits (default 4 x 60 s + 8.75 s of backoff).
 */
#ifndef FBS_HTTP_H
#define FBS_HTTP_H

#include <stdbool.h>
#include <stddef.h>

#include "../core/buf.h"

#define FBS_HTTP_MAX_RESPONSE ((size_t)64 << 20) /* 64 MiB: a large credential report fits */
#define FBS_HTTP_MAX_TRIES    4
#define FBS_HTTP_BACKOFF_MS   250

struct fbs_http_opts {
    const char *ca_bundle; /* PEM file of trusted CAs; NULL: the system store */
    long timeout_s;        /* whole transfer, per attempt; 0: 60 s */
    size_t max_response;   /* 0: FBS_HTTP_MAX_RESPONSE */
    unsigned max_tries;    /* attempts in all; 0: FBS_HTTP_MAX_TRIES */
    unsigned backoff_ms;   /* delay before the first retry, doubled each time; 0: the default.
                            * Tests set 1 to keep retries fast. */
};

struct fbs_http_request {
    const char *url;
    const char *body; /* POST body; NULL: empty */
    size_t body_len;
    const char *const *headers; /* "Name: value" lines, NULL-terminated; may be NULL */
    const char *sigv4;          /* "aws:amz:REGION:SERVICE" to sign with SigV4, or NULL */
    const char *user;           /* SigV4 access key id */
    const char *password;       /* SigV4 secret access key */
    /* Whether a complete response is a transient failure to retry (throttling); NULL: only the
     * status decides (429, 500, 502, 503, 504). */
    bool (*transient)(long status, const struct fbs_buf *body, void *payload);
    void *payload;
};

struct fbs_http_response {
    long status;         /* HTTP status of the last attempt */
    struct fbs_buf body; /* its body */
    unsigned tries;      /* attempts made */
};

struct fbs_http;

/* A client; 0, FBS_ENOMEM or FBS_EINTERNAL (libcurl could not be initialised). */
int fbs_http_new(struct fbs_http **out, const struct fbs_http_opts *opts);
/* NULL is a no-op. */
void fbs_http_free(struct fbs_http *h);

/*
 * POST the request. On 0, `resp` holds the last attempt's status and body whatever the status
 * (after the retries for transient failures are used up); the caller releases it with
 * fbs_http_response_release() (also after a failure). Returns FBS_EIO when no response came
 * (the message names the URL and the transport error), FBS_EIO when the body exceeds
 * max_response, FBS_ENOMEM.
 */
int fbs_http_post(struct fbs_http *h, const struct fbs_http_request *req,
                  struct fbs_http_response *resp);

void fbs_http_response_init(struct fbs_http_response *resp);
void fbs_http_response_release(struct fbs_http_response *resp);

#endif
