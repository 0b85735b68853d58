/*
 * discover.h - organisation discovery for sweeps: the repositories of a GitHub organisation or
 * user, or of a GitLab group with its subgroups, listed through the providers' REST APIs.
 *
 *   GitHub  GET {api}/orgs/{org}/repos?per_page=100&type=all (a 404 falls back to
 *           GET {api}/users/{user}/repos?per_page=100&type=owner), paged by `Link: <..>;
 *           rel="next"`; api defaults to https://api.github.com (GHE: https://HOST/api/v3).
 *   GitLab  GET {api}/groups/{url-encoded path}/projects?include_subgroups=true&per_page=100,
 *           paged by `Link` or `X-Next-Page`; api defaults to https://gitlab.com/api/v4.
 *
 * Every page goes through the one HTTP client (scanner/net/http.h, TLS always verified). The
 * client's own retries are off (max_tries 1): this module retries, so that each wait is bounded
 * by max_wait_s and reported through `wait` (the progress line):
 *   - 429 or 403 with Retry-After: that many seconds (GitHub secondary limits);
 *   - 429 or 403 with X-RateLimit-Remaining: 0 and X-RateLimit-Reset (GitHub, epoch seconds), or
 *     RateLimit-Reset (GitLab, epoch seconds): until the reset;
 *   - a 429 without those headers, or a 403 whose body says "rate limit" (a GitHub secondary
 *     limit without Retry-After): 60 s, as GitHub's documentation asks;
 *   - a 200 with X-RateLimit-Remaining: 0 and a next page: until the reset before asking it;
 *   - 500, 502, 503, 504 and transport errors: a short back-off, 3 attempts in all.
 * A wait longer than max_wait_s fails the listing with the wait named; never more than 20
 * waits per listing. A 401 fails with "the token in ENV was rejected" (or "no token" when
 * unset); a 403 without rate-limit headers and a 404 name the org or group.
 *
 * The token is read from the environment (GITHUB_TOKEN, GITLAB_TOKEN, or the configured
 * variable) at the time of the call; it is handed to the HTTP client only, which never puts it
 * into a message; it is never returned, stored or printed. A next-page URL on another origin
 * than the API base is refused (the token would follow it).
 */
#ifndef FBS_SWEEP_DISCOVER_H
#define FBS_SWEEP_DISCOVER_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FBS_DISCOVER_MAX_WAIT_S 900 /* default bound of one rate-limit wait: 15 min */

/* Where and what to list: a `github:` or `gitlab:` target of the sweep configuration. */
struct fbs_discover_source {
    const char *provider;  /* "github" | "gitlab" */
    const char *name;      /* organisation, user or group path (a/b/c) */
    const char *api;       /* API base URL, NULL: the public service's */
    const char *token_env; /* NULL: GITHUB_TOKEN / GITLAB_TOKEN */
    bool forks, archived;  /* include forks, archived repositories (default: no) */
    char *const *includes; /* globs on the repository's full name (org/repo): only these */
    size_t nincludes;
    char *const *excludes; /* globs on the full name: not these */
    size_t nexcludes;
    long max_wait_s;       /* 0: FBS_DISCOVER_MAX_WAIT_S */
    const char *ca_bundle; /* NULL: the system store */
};

/* One repository found. */
struct fbs_discover_repo {
    char *id;        /* the provider's repository id (decimal) */
    char *full_name; /* org/repo, group/sub/project */
    char *clone_url; /* https clone URL as the API gives it (no credentials) */
    char *default_branch;
};

struct fbs_discover_list {
    struct fbs_discover_repo *v;
    size_t n, cap;
    size_t skipped_forks, skipped_archived, skipped_glob;
    char *api;      /* the API base used (no trailing '/') */
    char *api_host; /* its host (and port), for identities: "api.github.com" */
    unsigned pages, waits;
};
void fbs_discover_list_release(struct fbs_discover_list *l);

struct fbs_discover_hooks {
    /* A rate-limit wait about to start: `seconds`, and why (no secret in it). */
    void (*wait)(const char *what, long seconds, void *payload);
    void *payload;
    atomic_bool *cancel; /* set: stop waiting, fail with FBS_EINTERNAL "interrupted" */
};

/*
 * List the repositories of `src`, filtered, sorted by full name. 0; FBS_EINVAL (bad source),
 * FBS_EIO (network, HTTP error, rate limit beyond max_wait, rejected token) with a message that
 * names the provider, the org/group and the problem; FBS_EPARSE (an unexpected response body);
 * FBS_ENOMEM; FBS_EUNSUPPORTED (no libcurl).
 */
int fbs_discover_list(struct fbs_discover_list *out, const struct fbs_discover_source *src,
                      const struct fbs_discover_hooks *hooks);

/* Internals shared by discover.c, discover_github.c and discover_gitlab.c ----------------- */

struct fbs_http;
struct fbs_http_response;

struct fbs_discover_ctx {
    const struct fbs_discover_source *src;
    const struct fbs_discover_hooks *hooks;
    struct fbs_http *http;
    struct fbs_discover_list *out;
    const char *token_env;
    bool has_token;
};

/*
 * GET every page from `first`, calling `page` on each parsed body (a JSON array). 0; FBS_ENOTFOUND
 * (a 404 on the first page, no message set) so the caller can try another endpoint; else as
 * fbs_discover_list.
 */
int fbs_discover_pages(struct fbs_discover_ctx *c, const char *first,
                       int (*page)(struct fbs_discover_ctx *c, void *array));
/* Apply the filters and add a repository (strings copied). 0 or FBS_ENOMEM. */
int fbs_discover_add(struct fbs_discover_ctx *c, const char *id, const char *full_name,
                     const char *clone_url, const char *default_branch, bool fork, bool archived);
/* Append `s` percent-encoded (RFC 3986 unreserved kept) to buf. */
struct fbs_buf;
int fbs_discover_urlencode(struct fbs_buf *b, const char *s);

int fbs_discover_github(struct fbs_discover_ctx *c);
int fbs_discover_gitlab(struct fbs_discover_ctx *c);

#endif
