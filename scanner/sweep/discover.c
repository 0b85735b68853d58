/*
 * discover.c - the provider-independent part of discovery: paging, rate limits, filters.
 */
#include "discover.h"
#include "../core/alloc.h"
#include "../core/buf.h"
#include "../core/error.h"
#include "../core/text.h"
#include "../net/http.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "../core/banned.h"

#define MAX_WAITS        20
#define MAX_PAGES        10000
#define TRANSIENT_TRIES  3
#define TRANSIENT_WAIT_S 2
#define SECONDARY_WAIT_S 60 /* GitHub: "wait for at least one minute" without a reset header */

void fbs_discover_list_release(struct fbs_discover_list *l)
{
    size_t i;

    for (i = 0; i < l->n; i++) {
        fbs_free(l->v[i].id);
        fbs_free(l->v[i].full_name);
        fbs_free(l->v[i].clone_url);
        fbs_free(l->v[i].default_branch);
    }
    fbs_free(l->v);
    fbs_free(l->api);
    fbs_free(l->api_host);
    memset(l, 0, sizeof(*l));
}

int fbs_discover_urlencode(struct fbs_buf *b, const char *s)
{
    int rc = 0;

    for (; *s && rc == 0; s++) {
        unsigned char ch = (unsigned char)*s;

        if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
            ch == '-' || ch == '_' || ch == '.' || ch == '~')
            rc = fbs_buf_putc(b, (char)ch);
        else
            rc = fbs_buf_printf(b, "%%%02X", ch);
    }
    return rc;
}

static bool name_matches(char *const *globs, size_t n, const char *name)
{
    size_t i;

    for (i = 0; i < n; i++)
        if (fbs_glob_match(globs[i], name, false))
            return true;
    return false;
}

int fbs_discover_add(struct fbs_discover_ctx *c, const char *id, const char *full_name,
                     const char *clone_url, const char *default_branch, bool fork, bool archived)
{
    const struct fbs_discover_source *s = c->src;
    struct fbs_discover_list *l = c->out;
    struct fbs_discover_repo *r;

    if (fork && !s->forks) {
        l->skipped_forks++;
        return 0;
    }
    if (archived && !s->archived) {
        l->skipped_archived++;
        return 0;
    }
    if ((s->nincludes && !name_matches(s->includes, s->nincludes, full_name)) ||
        name_matches(s->excludes, s->nexcludes, full_name)) {
        l->skipped_glob++;
        return 0;
    }
    if (fbs_array_grow((void **)&l->v, &l->cap, l->n + 1, sizeof(*l->v)) < 0)
        return fbs_error_set(FBS_ENOMEM, "out of memory");
    r = &l->v[l->n];
    memset(r, 0, sizeof(*r));
    r->id = fbs_strdup(id);
    r->full_name = fbs_strdup(full_name);
    r->clone_url = fbs_strdup(clone_url);
    r->default_branch = default_branch ? fbs_strdup(default_branch) : NULL;
    l->n++;
    if (!r->id || !r->full_name || !r->clone_url || (default_branch && !r->default_branch))
        return fbs_error_set(FBS_ENOMEM, "out of memory");
    return 0;
}

/* scheme://host[:port] of a URL: its length, 0 when not absolute. */
static size_t origin_len(const char *url)
{
    const char *p = strstr(url, "://");

    if (!p)
        return 0;
    p += 3;
    return (size_t)(p - url) + strcspn(p, "/?#");
}

static bool same_origin(const char *a, const char *b)
{
    size_t la = origin_len(a), lb = origin_len(b);

    return la && la == lb && !strncasecmp(a, b, la);
}

/* The URL of rel="next" in a Link header value, into out. */
static bool link_next(const char *link, struct fbs_buf *out)
{
    const char *p = link;

    while (p && *p) {
        const char *lt = strchr(p, '<'), *gt = lt ? strchr(lt, '>') : NULL, *end;

        if (!lt || !gt)
            return false;
        end = strchr(gt, ',');
        /* Parameters of this link: between '>' and the next ',' (or the end). */
        {
            size_t plen = end ? (size_t)(end - gt) : strlen(gt);

            if (fbs_memcasemem(gt, plen, "rel=\"next\"", 10) ||
                fbs_memcasemem(gt, plen, "rel=next", 8)) {
                fbs_buf_truncate(out, 0);
                return fbs_buf_put(out, lt + 1, (size_t)(gt - lt - 1)) == 0;
            }
        }
        p = end ? end + 1 : NULL;
    }
    return false;
}

/* Integer header value, or -1 when absent or not a number. */
static long long header_num(const struct fbs_http_response *r, const char *name)
{
    struct fbs_buf v = FBS_BUF_INIT;
    long long n = -1;

    if (fbs_http_response_header(r, name, &v) && v.len) {
        char *end = NULL;

        n = strtoll(v.ptr, &end, 10);
        if (end == v.ptr || *end)
            n = -1;
    }
    fbs_buf_release(&v);
    return n;
}

/*
 * Seconds to wait before asking again after a rate-limited answer, -1 when it is not a rate
 * limit. GitHub: Retry-After, else X-RateLimit-Remaining 0 + X-RateLimit-Reset (epoch); GitLab:
 * Retry-After, else RateLimit-Reset (epoch).
 */
static long rate_wait(const struct fbs_http_response *r, bool on_success)
{
    long long remaining = header_num(r, "X-RateLimit-Remaining"), reset;
    long long now = (long long)time(NULL);

    if (!on_success && r->retry_after_s >= 0)
        return r->retry_after_s;
    if (remaining < 0)
        remaining = header_num(r, "RateLimit-Remaining");
    reset = header_num(r, "X-RateLimit-Reset");
    if (reset < 0)
        reset = header_num(r, "RateLimit-Reset");
    if (on_success) {
        if (remaining != 0 || reset < 0)
            return -1;
    } else if (reset < 0 || (remaining != 0 && r->status != 429)) {
        return r->status == 429 ? SECONDARY_WAIT_S : -1;
    }
    /* RateLimit-Reset may be seconds from now (IETF draft) rather than an epoch. */
    if (reset < 1000000000LL)
        return (long)reset;
    return reset > now ? (long)(reset - now + 1) : 1;
}

static const char *provider_title(const struct fbs_discover_ctx *c)
{
    return !strcmp(c->src->provider, "github") ? "GitHub" : "GitLab";
}

static int do_wait(struct fbs_discover_ctx *c, long seconds, const char *why)
{
    long max = c->src->max_wait_s > 0 ? c->src->max_wait_s : FBS_DISCOVER_MAX_WAIT_S;
    struct fbs_buf what = FBS_BUF_INIT;
    long i;

    if (seconds > max)
        return fbs_error_set(FBS_EIO,
                             "%s '%s': %s: the wait (%ld s) exceeds max_wait (%ld s); try later "
                             "or raise max_wait",
                             provider_title(c), c->src->name, why, seconds, max);
    if (++c->out->waits > MAX_WAITS)
        return fbs_error_set(FBS_EIO, "%s '%s': %s again after %d waits: giving up",
                             provider_title(c), c->src->name, why, MAX_WAITS);
    if (c->hooks && c->hooks->wait) {
        if (fbs_buf_printf(&what, "%s:%s %s", c->src->provider, c->src->name, why) < 0)
            return fbs_error_set(FBS_ENOMEM, "out of memory");
        c->hooks->wait(what.ptr, seconds, c->hooks->payload);
        fbs_buf_release(&what);
    }
    for (i = 0; i < seconds * 10; i++) {
        struct timespec ts = {0, 100000000L};

        if (c->hooks && c->hooks->cancel && atomic_load(c->hooks->cancel))
            return fbs_error_set(FBS_EINTERNAL, "interrupted while waiting for %s",
                                 provider_title(c));
        nanosleep(&ts, NULL);
    }
    return 0;
}

/* The API's error message ("message" in GitHub's and GitLab's JSON errors), if short and sane. */
static void api_message(const struct fbs_http_response *r, char *out, size_t size)
{
    json_t *j = json_loadb(r->body.ptr ? r->body.ptr : "", r->body.len, 0, NULL);
    const char *m = json_string_value(json_object_get(j, "message"));
    size_t i;

    out[0] = '\0';
    if (!m)
        m = json_string_value(json_object_get(j, "error"));
    if (m) {
        snprintf(out, size, ": %s", m);
        for (i = 0; out[i]; i++)
            if ((unsigned char)out[i] < 0x20 || out[i] == 0x7f)
                out[i] = ' ';
    }
    json_decref(j);
}

static int get_page(struct fbs_discover_ctx *c, const char *url, bool first,
                    struct fbs_http_response *resp)
{
    struct fbs_http_request req;
    static const char *const headers[] = {"Accept: application/json", NULL};
    unsigned transient = 0;
    char msg[200];
    int rc;

    for (;;) {
        long wait;

        memset(&req, 0, sizeof(req));
        req.method = "GET";
        req.url = url;
        req.headers = headers;
        req.max_tries = 1;
        fbs_http_response_release(resp);
        fbs_http_response_init(resp);
        rc = fbs_http_send(c->http, &req, resp);
        if (rc == FBS_EIO && ++transient < TRANSIENT_TRIES) {
            rc = do_wait(c, TRANSIENT_WAIT_S, "unreachable, retrying");
            if (rc < 0)
                return rc;
            continue;
        }
        if (rc < 0)
            return fbs_error_prefix(rc, "%s '%s'", provider_title(c), c->src->name);
        if (resp->status == 200)
            return 0;
        if (resp->status == 403 || resp->status == 429) {
            wait = rate_wait(resp, false);
            /* A secondary limit may come as a 403 with only a message saying so. */
            if (wait < 0 && resp->body.len &&
                fbs_memcasemem(resp->body.ptr, resp->body.len, "rate limit", 10))
                wait = SECONDARY_WAIT_S;
            if (wait >= 0) {
                rc = do_wait(c, wait < 1 ? 1 : wait, "rate limited");
                if (rc < 0)
                    return rc;
                continue;
            }
        }
        if ((resp->status == 500 || resp->status == 502 || resp->status == 503 ||
             resp->status == 504) &&
            ++transient < TRANSIENT_TRIES) {
            rc = do_wait(c, TRANSIENT_WAIT_S, "server error, retrying");
            if (rc < 0)
                return rc;
            continue;
        }
        if (resp->status == 404 && first)
            return FBS_ENOTFOUND;
        api_message(resp, msg, sizeof(msg));
        if (resp->status == 401 && c->has_token)
            return fbs_error_set(FBS_EIO, "%s '%s': the token in %s was rejected (HTTP 401%s)",
                                 provider_title(c), c->src->name, c->token_env, msg);
        if (resp->status == 401)
            return fbs_error_set(FBS_EIO,
                                 "%s '%s': authentication required and %s is not set (HTTP "
                                 "401%s)",
                                 provider_title(c), c->src->name, c->token_env, msg);
        if (resp->status == 403 || resp->status == 404)
            return fbs_error_set(FBS_EIO,
                                 "%s '%s': HTTP %ld%s (no such organisation or group, or the "
                                 "token in %s cannot see it)",
                                 provider_title(c), c->src->name, resp->status, msg, c->token_env);
        return fbs_error_set(FBS_EIO, "%s '%s': HTTP %ld from the API%s", provider_title(c),
                             c->src->name, resp->status, msg);
    }
}

int fbs_discover_pages(struct fbs_discover_ctx *c, const char *first,
                       int (*page)(struct fbs_discover_ctx *c, void *array))
{
    struct fbs_http_response resp;
    struct fbs_buf url = FBS_BUF_INIT, hv = FBS_BUF_INIT;
    json_t *body = NULL;
    unsigned n;
    int rc;

    fbs_http_response_init(&resp);
    rc = fbs_buf_puts(&url, first);
    for (n = 0; rc == 0; n++) {
        json_error_t jerr;
        bool next;

        if (n >= MAX_PAGES) {
            rc = fbs_error_set(FBS_EIO, "%s '%s': more than %d pages", provider_title(c),
                               c->src->name, MAX_PAGES);
            break;
        }
        rc = get_page(c, url.ptr, n == 0, &resp);
        if (rc < 0)
            break;
        c->out->pages++;
        json_decref(body);
        body = json_loadb(resp.body.ptr ? resp.body.ptr : "", resp.body.len, 0, &jerr);
        if (!json_is_array(body)) {
            rc = fbs_error_set(FBS_EPARSE, "%s '%s': page %u of the listing is not a JSON array",
                               provider_title(c), c->src->name, n + 1);
            break;
        }
        rc = page(c, body);
        if (rc < 0)
            break;
        next = false;
        if (fbs_http_response_header(&resp, "Link", &hv))
            next = link_next(hv.ptr, &url);
        if (!next && fbs_http_response_header(&resp, "X-Next-Page", &hv) && hv.len) {
            /* GitLab without Link (keyset pagination off, large counts): page=N. */
            char *q;

            fbs_buf_truncate(&url, 0);
            rc = fbs_buf_puts(&url, first);
            q = rc == 0 ? strstr(url.ptr, "&page=") : NULL;
            if (q)
                fbs_buf_truncate(&url, (size_t)(q - url.ptr));
            if (rc == 0)
                rc = fbs_buf_puts(&url, "&page=");
            if (rc == 0)
                rc = fbs_discover_urlencode(&url, hv.ptr);
            next = rc == 0;
        }
        if (rc < 0 || !next || !json_array_size(body))
            break;
        if (!same_origin(url.ptr, c->out->api)) {
            rc = fbs_error_set(FBS_EIO,
                               "%s '%s': the next page is on another host than the API: refused "
                               "(the token would go with it)",
                               provider_title(c), c->src->name);
            break;
        }
        {
            long wait = rate_wait(&resp, true);

            if (wait >= 0)
                rc = do_wait(c, wait < 1 ? 1 : wait, "rate limit used up");
        }
    }
    json_decref(body);
    fbs_buf_release(&hv);
    fbs_buf_release(&url);
    fbs_http_response_release(&resp);
    return rc;
}

static int cmp_repo(const void *a, const void *b)
{
    return strcmp(((const struct fbs_discover_repo *)a)->full_name,
                  ((const struct fbs_discover_repo *)b)->full_name);
}

int fbs_discover_list(struct fbs_discover_list *out, const struct fbs_discover_source *src,
                      const struct fbs_discover_hooks *hooks)
{
    struct fbs_http_opts ho;
    struct fbs_discover_ctx c;
    const char *token;
    const char *def_api;
    size_t len;
    int rc;

    memset(out, 0, sizeof(*out));
    memset(&c, 0, sizeof(c));
    c.src = src;
    c.hooks = hooks;
    c.out = out;
    if (!strcmp(src->provider, "github"))
        def_api = "https://api.github.com";
    else if (!strcmp(src->provider, "gitlab"))
        def_api = "https://gitlab.com/api/v4";
    else
        return fbs_error_set(FBS_EINVAL, "unknown provider '%s'", src->provider);
    if (!src->name || !*src->name)
        return fbs_error_set(FBS_EINVAL, "%s: no organisation or group named", src->provider);
    c.token_env = src->token_env                     ? src->token_env
                  : !strcmp(src->provider, "github") ? "GITHUB_TOKEN"
                                                     : "GITLAB_TOKEN";
    out->api = fbs_strdup(src->api ? src->api : def_api);
    if (!out->api)
        return fbs_error_set(FBS_ENOMEM, "out of memory");
    len = strlen(out->api);
    while (len && out->api[len - 1] == '/')
        out->api[--len] = '\0';
    if (!origin_len(out->api) || strncasecmp(out->api, "http", 4)) {
        rc = fbs_error_set(FBS_EINVAL, "%s: the API base '%s' is not an http(s) URL", src->provider,
                           out->api);
        goto done;
    }
    {
        /* Keep the port: two services on one host are two providers. */
        const char *h = strstr(out->api, "://") + 3;
        size_t hl = strcspn(h, "/?#");
        char *at = memchr(h, '@', hl);

        if (at) {
            rc = fbs_error_set(FBS_EINVAL, "%s: the API base must not hold credentials",
                               src->provider);
            goto done;
        }
        out->api_host = fbs_calloc(1, hl + 1);
        if (!out->api_host) {
            rc = fbs_error_set(FBS_ENOMEM, "out of memory");
            goto done;
        }
        memcpy(out->api_host, h, hl);
        for (len = 0; len < hl; len++)
            if (out->api_host[len] >= 'A' && out->api_host[len] <= 'Z')
                out->api_host[len] = (char)(out->api_host[len] - 'A' + 'a');
    }
    token = getenv(c.token_env);
    c.has_token = token && *token;
    memset(&ho, 0, sizeof(ho));
    ho.ca_bundle = src->ca_bundle;
    ho.bearer = c.has_token ? token : NULL;
    ho.bearer_header = !strcmp(src->provider, "gitlab") ? "PRIVATE-TOKEN" : NULL;
    ho.max_tries = 1;
    ho.timeout_s = 60;
    rc = fbs_http_new(&c.http, &ho);
    if (rc < 0)
        goto done;
    rc = !strcmp(src->provider, "github") ? fbs_discover_github(&c) : fbs_discover_gitlab(&c);
    if (rc == 0 && out->n)
        qsort(out->v, out->n, sizeof(*out->v), cmp_repo);
done:
    fbs_http_free(c.http);
    if (rc < 0)
        fbs_discover_list_release(out);
    return rc;
}
