/*
 * verify.h - live verification (--verify, docs/verify.md): one read-only, side-effect-free call
 * per distinct credential to its issuer's own identity endpoint, over the shared HTTP client
 * (scanner/net/http.h). A stage after the linkers and before the dimension detectors and the
 * scorer; its result is facts.verification on each finding:
 *
 *   {"status": "live"|"revoked"|"unknown"|"error", "verifier": "github", "at": "<ISO time>",
 *    "identity": {...}, "scopes": [...], "privilege": "high"|"normal", "http_status": 200,
 *    "detail": "..."}
 *
 * Which verifier a finding gets comes from its rule (`verify: github` in the rule YAML,
 * f->verifier). Adding a provider is a row of the registry table in verify_providers.c (host,
 * path, how the credential is presented, which JSON fields name the identity) and at most one
 * small interpret function.
 *
 * Safety: the credential goes only to the provider's documented https host (a test-only override
 * may point a provider at a loopback address, nothing else); redirects are never followed;
 * internal endpoints taken from file context (Vault) need verify_internal; requests run on a
 * bounded pool with a per-host connection cap, and a Retry-After pauses that host for every
 * worker. Nothing from a response is kept beyond the extracted facts; no secret is logged.
 */
#ifndef FBS_VERIFY_H
#define FBS_VERIFY_H

#include <stdbool.h>
#include <stddef.h>

#include "detector.h"

#define FBS_VERIFY_CONCURRENCY 8 /* parallel requests in all */
#define FBS_VERIFY_PER_HOST    4 /* parallel requests to one host */
#define FBS_VERIFY_TIMEOUT_S   10

#define FBS_VERIFY_KEY_LEN 160 /* a cache key, NUL included */

/*
 * A cache of verification results (a sweep keeps it in its datastore, docs/sweep.md). Only
 * conclusive answers (live, revoked) are put; error and unknown are asked again next time. The
 * functions are called from the thread running fbs_verify_run(), never from its pool; several
 * scans may share one cache at once (the payload serialises). Each returns a negative FBS_E* on
 * failure, which fails the verification stage.
 */
struct fbs_verify_cache {
    /* The cache key of a credential into out[FBS_VERIFY_KEY_LEN]: keyed ids (HMAC under a
     * secret key) of the secret and of its partner and endpoint, never the secret or a bare
     * hash of it. 0 or FBS_E*. */
    int (*key)(void *payload, char out[FBS_VERIFY_KEY_LEN], const char *verifier,
               const char *secret, const char *partner, const char *endpoint);
    /* A result for (verifier, key) still fresh at `now`: 1 and *fact (the facts.verification
     * object, a new reference), 0 when there is none. */
    int (*get)(void *payload, const char *verifier, const char *key, fbs_time_t now, json_t **fact);
    /* Keep a conclusive result (fact: the facts.verification object, its `at` included). */
    int (*put)(void *payload, const char *verifier, const char *key, const json_t *fact);
    void *payload;
};

struct fbs_verify_opts {
    bool internal;        /* --verify-internal: context-derived endpoints (Vault) allowed */
    unsigned concurrency; /* 0: FBS_VERIFY_CONCURRENCY */
    unsigned per_host;    /* 0: FBS_VERIFY_PER_HOST */
    long timeout_s;       /* per attempt; 0: FBS_VERIFY_TIMEOUT_S */
    unsigned backoff_ms;  /* first retry delay; 0: 500 */
    /* FALLBACK_SCAN_VERIFY_OVERRIDE as read from the environment by the CLI, or NULL. */
    const char *override;
    /* Results to reuse and keep, or NULL (a single scan asks every time). With a cache, each
     * finding with a job gets f->verify_key, and a result taken from the cache is marked
     * `"cached": true` in facts.verification (its `at` is when it was asked). */
    const struct fbs_verify_cache *cache;
};

/* Whether `name` is a registered verifier (rule loading checks `verify:` keys with it). */
bool fbs_verify_known(const char *name);
/* The registered verifier names, NULL-terminated (docs, --list). */
const char *const *fbs_verify_names(void);

/*
 * Check an override string ("aws=http://127.0.0.1:8080,github=http://[::1]:9000"): every entry
 * names a registered verifier and a loopback http(s) base URL. 0 or FBS_EINVAL with a message.
 */
int fbs_verify_check_override(const char *override);

/*
 * Verify the findings that have a verifier (f->verifier), each distinct credential once, and
 * set facts.verification on them. Failures of a single call are results (status error), not
 * errors. Returns 0, FBS_EINVAL (a bad override), FBS_EUNSUPPORTED (no libcurl; a message),
 * FBS_ENOMEM.
 */
int fbs_verify_run(struct fbs_finding *const *findings, size_t n, const struct fbs_detect_ctx *ctx,
                   const struct fbs_verify_opts *opts);

/* --- for the providers (verify_providers.c) ------------------------------------------------- */

struct fbs_http;
struct fbs_http_response;
struct fbs_buf;

/* What a provider learns from one call. */
struct fbs_verify_result {
    const char *status;    /* static: "live", "revoked", "unknown", "error" */
    json_t *identity;      /* object, owned; may stay empty */
    json_t *scopes;        /* array of strings, owned, or NULL when the issuer reports none */
    const char *privilege; /* static "high"/"normal" from the scopes, or NULL */
    char detail[160];      /* short, never holding a secret */
    long http_status;
    long retry_after_s; /* of a final 429, -1 when none: the host is paused that long */
};

/* One credential to verify: the finding's secret and, for pairs, its partner's. */
struct fbs_verify_job {
    const struct fbs_verify_provider *provider;
    const char *secret;   /* NUL-terminated copy, wiped after */
    const char *partner;  /* AWS: the access key id; Twilio: the API key SID (SK...); or NULL */
    const char *endpoint; /* Vault: the address from context; or NULL */
    const char *base;     /* the provider's base URL, the override's, or the one base_of built */
    /* The finding's facts named by the provider's context_facts (those present), or NULL:
     * Twilio's account SID, Azure's storage account name, GCP's client_email and token_uri. */
    const json_t *context;
};

struct fbs_verify_provider {
    const char *name;
    const char *base; /* "https://api.github.com" (documented host); NULL: from context */
    /* One call; fills res. 0, or FBS_ENOMEM (anything else becomes status error). */
    int (*verify)(struct fbs_http *h, const struct fbs_verify_job *job,
                  struct fbs_verify_result *res);
    const char *const *partner_kinds; /* kinds whose secret is the partner, or NULL */
    bool internal;                    /* endpoint from context: needs --verify-internal */
    /* Fact keys copied into job->context (a credential with other context is another call). */
    const char *const *context_facts;
    /* Whether this secret takes a partner (NULL: always): a Twilio auth token does not, an API
     * key secret does. */
    bool (*wants_partner)(const char *secret, size_t len);
    /* The secret is only a signing key and never goes into a request (GCP, Azure): it may hold
     * spaces and line breaks (a PEM). */
    bool signs_only;
    /* The documented base URL built from context ("https://{account}.blob.core.windows.net"),
     * into out; NULL on success, else why it cannot be built (the finding is then unknown).
     * Not called when the override points the provider elsewhere. */
    const char *(*base_of)(const json_t *context, char *out, size_t size);
};

extern const struct fbs_verify_provider *const fbs_verify_providers[];

#endif
