/*
 * fetch.h - the HTTP transport the live collectors (GCP, Azure, Kubernetes, Vault) talk through:
 * an abstract GET/POST interface, so that collectors are tested against any implementation and
 * the transport can be swapped, and an implementation on the shared HTTP client
 * (fetch_curl.c over scanner/net/http.h).
 *
 * Credentials: the implementation holds the credential (a bearer token, a client certificate)
 * and adds it to each request; collectors never see it, and no message, diagnostic or report
 * carries it. URLs carry no credential.
 *
 * Response bodies can hold secrets (a Secret list carries tokens): collectors release them with
 * fbs_buf_release_wipe().
 */
#ifndef FBS_FETCH_H
#define FBS_FETCH_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "../core/buf.h"

struct fbs_cloud_fetch {
    /*
     * GET `url` (absolute) into `out` (replaced) and the HTTP status into *status. Returns 0
     * whatever the status (retries of 429 and 5xx are the implementation's business), or
     * FBS_EIO (transport failure, with a message naming the URL), FBS_EINVAL (a URL the
     * transport refuses), FBS_ENOMEM.
     */
    int (*get)(void *ctx, const char *url, struct fbs_buf *out, long *status);
    /* POST `json_body` (Content-Type: application/json) to `url`; as get(). */
    int (*post)(void *ctx, const char *url, const char *json_body, struct fbs_buf *out,
                long *status);
    void *ctx;
};

/*
 * GET (json_body NULL) or POST and parse a JSON object or array into *out (caller decrefs).
 * A status outside 2xx is FBS_EIO with "GET URL: HTTP 403: <the API's error message>"; a body
 * that is not JSON is FBS_EPARSE. `wipe`: the response may hold secrets; wipe the raw body.
 */
int fbs_fetch_json(json_t **out, const struct fbs_cloud_fetch *fx, const char *url,
                   const char *json_body, bool wipe);

/* Append `s` percent-encoded for a URL path segment or query value (RFC 3986 unreserved kept). */
int fbs_url_escape(struct fbs_buf *b, const char *s);

/* "https://host:port/base/" -> "https://host:port/base" (a copy without trailing slashes). */
char *fbs_url_trim(const char *base);

/* Whether an absolute URL is on the same scheme, host and port as `base` (paging links). */
bool fbs_url_same_origin(const char *url, const char *base);

/* --- libcurl ------------------------------------------------------------------------------ */

struct fbs_fetch_curl_opts {
    const char *token;        /* borrowed; copied (and wiped when freed) */
    const char *token_header; /* NULL: "Authorization: Bearer <token>"; else "<hdr>: <token>" */
    const char *ca_file;      /* PEM bundle to verify servers with; NULL: the system's */
    const void *ca_pem;       /* or PEM bytes (a kubeconfig's certificate-authority-data) */
    size_t ca_pem_len;
    const char *cert_file, *key_file; /* client certificate (Kubernetes) */
    const void *cert_pem, *key_pem;   /* or PEM bytes; the key is wiped when freed */
    size_t cert_pem_len, key_pem_len;
    long connect_timeout; /* seconds; 0: 10 */
    long timeout;         /* seconds per request; 0: 60 */
    size_t max_response;  /* bytes; 0: 256 MiB */
    unsigned max_retries; /* of 429/5xx/timeouts; 0: none. Waits Retry-After (at most 60 s) or
                             1, 2, 4 ... s */
};

/*
 * A transport over the shared HTTP client (scanner/net/http.h). TLS is always verified; plain
 * http:// is refused unless the host is a loopback address (tests, local proxies); redirects are
 * not followed (a credential must not travel to another host). 0, FBS_ENOMEM or FBS_EINTERNAL
 * (libcurl could not start).
 */
int fbs_fetch_curl_new(struct fbs_cloud_fetch **out, const struct fbs_fetch_curl_opts *opts);
/* Free the transport, wiping the credential. NULL is a no-op. */
void fbs_fetch_curl_free(struct fbs_cloud_fetch *fx);

#endif
