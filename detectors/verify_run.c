/*
 * verify_run.c - the verification stage (verify.h): jobs, one per distinct credential, run on a
 * bounded pool of threads (one HTTP client each) with a per-host cap on parallel requests; a
 * final 429 with Retry-After pauses that host for every worker.
 */
#include "verify.h"
#include "../scanner/core/alloc.h"
#include "../scanner/core/error.h"
#include "../scanner/core/time.h"
#include "../scanner/model/diag.h"
#include "../scanner/net/http.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../scanner/core/banned.h"

#define MAX_OVERRIDES 32

struct override {
    char name[32];
    char base[256];
};

struct job {
    struct fbs_verify_job j;
    char *secret, *partner, *endpoint;
    json_t *context; /* provider->context_facts of the finding, or NULL */
    char base[256];  /* a base built from context (provider->base_of) */
    char host[256];
    struct fbs_verify_result res;
    struct fbs_finding **findings; /* every finding this credential answers for */
    size_t nfindings, cap;
    char key[FBS_VERIFY_KEY_LEN]; /* with a cache: the credential's key, else "" */
    json_t *cached;               /* the cache's fresh result: no request is made */
};

struct host {
    char name[256];
    unsigned active;
    struct timespec not_before;
};

struct pool {
    struct job **jobs;
    size_t njobs, next;
    struct host *hosts;
    size_t nhosts;
    unsigned per_host;
    struct fbs_http_opts hopts;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int rc; /* first fatal error (FBS_ENOMEM, no libcurl) */
};

static const struct fbs_verify_provider *provider(const char *name)
{
    size_t i;

    for (i = 0; name && fbs_verify_providers[i]; i++)
        if (!strcmp(fbs_verify_providers[i]->name, name))
            return fbs_verify_providers[i];
    return NULL;
}

bool fbs_verify_known(const char *name)
{
    return provider(name) != NULL;
}

const char *const *fbs_verify_names(void)
{
    static const char *names[32];
    size_t i;

    for (i = 0; fbs_verify_providers[i] && i + 1 < sizeof(names) / sizeof(names[0]); i++)
        names[i] = fbs_verify_providers[i]->name;
    names[i] = NULL;
    return names;
}

static int parse_override(const char *s, struct override *ov, size_t *nov)
{
    const char *p = s;

    *nov = 0;
    while (p && *p) {
        const char *e = strchr(p, ','), *eq;
        size_t n = e ? (size_t)(e - p) : strlen(p), nl;

        eq = memchr(p, '=', n);
        if (!eq || eq == p)
            return fbs_error_set(
                FBS_EINVAL, "FALLBACK_SCAN_VERIFY_OVERRIDE: '%.*s' is not name=URL", (int)n, p);
        nl = (size_t)(eq - p);
        if (*nov >= MAX_OVERRIDES || nl >= sizeof(ov->name) || n - nl - 1 >= sizeof(ov->base))
            return fbs_error_set(FBS_EINVAL, "FALLBACK_SCAN_VERIFY_OVERRIDE: too long");
        memcpy(ov[*nov].name, p, nl);
        ov[*nov].name[nl] = '\0';
        memcpy(ov[*nov].base, eq + 1, n - nl - 1);
        ov[*nov].base[n - nl - 1] = '\0';
        while (*ov[*nov].base && ov[*nov].base[strlen(ov[*nov].base) - 1] == '/')
            ov[*nov].base[strlen(ov[*nov].base) - 1] = '\0';
        if (!provider(ov[*nov].name))
            return fbs_error_set(
                FBS_EINVAL, "FALLBACK_SCAN_VERIFY_OVERRIDE: no verifier named '%s'", ov[*nov].name);
        if (!fbs_http_url_loopback(ov[*nov].base))
            return fbs_error_set(FBS_EINVAL,
                                 "FALLBACK_SCAN_VERIFY_OVERRIDE: '%s' for %s is refused: the "
                                 "test override accepts loopback addresses only (127.0.0.0/8, "
                                 "[::1], localhost)",
                                 ov[*nov].base, ov[*nov].name);
        (*nov)++;
        p = e ? e + 1 : NULL;
    }
    return 0;
}

int fbs_verify_check_override(const char *override)
{
    struct override ov[MAX_OVERRIDES];
    size_t n;

    return parse_override(override, ov, &n);
}

/* --- pairing and context -------------------------------------------------------------------- */

static bool same_blob(const struct fbs_finding *a, const struct fbs_finding *b)
{
    if (!a->path || !b->path || strcmp(a->path, b->path))
        return false;
    if (!a->commit != !b->commit)
        return false;
    return !a->commit || !strcmp(a->commit, b->commit);
}

static bool kind_in(const char *kind, const char *const *kinds)
{
    size_t i;

    for (i = 0; kind && kinds && kinds[i]; i++)
        if (!strcmp(kind, kinds[i]))
            return true;
    return false;
}

/* The partner of f (the access key id of an AWS secret): the nearest finding of a partner kind
 * in the same blob, preferring one before the secret. */
static struct fbs_finding *find_partner(struct fbs_finding *f, struct fbs_finding *const *fs,
                                        size_t n, const char *const *kinds)
{
    struct fbs_finding *best = NULL;
    size_t i, best_d = 0;

    for (i = 0; i < n; i++) {
        struct fbs_finding *g = fs[i];
        size_t d;

        if (g == f || g->drop || !kind_in(g->kind, kinds) || !same_blob(f, g) || !g->secret)
            continue;
        /* A key id after the secret counts double the distance. */
        d = g->secret_start <= f->secret_start ? f->secret_start - g->secret_start
                                               : 2 * (g->secret_start - f->secret_start);
        if (!best || d < best_d) {
            best = g;
            best_d = d;
        }
    }
    return best;
}

/* --- jobs ----------------------------------------------------------------------------------- */

static void job_free(struct job *j)
{
    if (!j)
        return;
    if (j->secret)
        fbs_wipe(j->secret, strlen(j->secret));
    if (j->partner)
        fbs_wipe(j->partner, strlen(j->partner));
    fbs_free(j->secret);
    fbs_free(j->partner);
    fbs_free(j->endpoint);
    json_decref(j->context);
    json_decref(j->res.identity);
    json_decref(j->res.scopes);
    json_decref(j->cached);
    fbs_free(j->findings);
    fbs_free(j);
}

static int job_add_finding(struct job *j, struct fbs_finding *f)
{
    size_t i;

    for (i = 0; i < j->nfindings; i++)
        if (j->findings[i] == f)
            return 0;
    if (fbs_array_grow((void **)&j->findings, &j->cap, j->nfindings + 1, sizeof(*j->findings)) < 0)
        return fbs_error_set(FBS_ENOMEM, "out of memory");
    j->findings[j->nfindings++] = f;
    return 0;
}

static bool same_str(const char *a, const char *b)
{
    return (!a && !b) || (a && b && !strcmp(a, b));
}

static struct job *find_job(struct job **jobs, size_t n, const struct fbs_verify_provider *p,
                            const char *secret, const char *partner, const char *endpoint,
                            const json_t *context)
{
    size_t i;

    /* Linear: verification is opt-in and the distinct credentials of a scan are few. */
    for (i = 0; i < n; i++)
        if (jobs[i]->j.provider == p && !strcmp(jobs[i]->secret, secret) &&
            same_str(jobs[i]->partner, partner) && same_str(jobs[i]->endpoint, endpoint) &&
            (jobs[i]->context == context ||
             (jobs[i]->context && context && json_equal(jobs[i]->context, context))))
            return jobs[i];
    return NULL;
}

/* The finding's facts the provider reads (context_facts), as a new object; NULL when it names
 * none or none is present. *oom on allocation failure. */
static json_t *context_of(const struct fbs_finding *f, const struct fbs_verify_provider *p,
                          bool *oom)
{
    json_t *o = NULL;
    size_t k;

    *oom = false;
    for (k = 0; p->context_facts && p->context_facts[k]; k++) {
        json_t *v = json_object_get(f->facts, p->context_facts[k]);

        if (!v)
            continue;
        if ((!o && !(o = json_object())) ||
            json_object_set_new(o, p->context_facts[k], json_deep_copy(v)) < 0) {
            json_decref(o);
            *oom = true;
            return NULL;
        }
    }
    return o;
}

/* The Vault address recorded by the context detector for this finding's file, if any. */
static const char *context_endpoint(const struct fbs_finding *f)
{
    return json_string_value(json_object_get(f->facts, "vault_address"));
}

/* Whether every byte is printable ASCII: a secret goes into a header line, where a CR or LF
 * would start another header. */
static bool printable(const char *s, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x21 || (unsigned char)s[i] > 0x7e)
            return false;
    return n > 0;
}

/* --- the pool ------------------------------------------------------------------------------- */

static bool ts_before(const struct timespec *a, const struct timespec *b)
{
    return a->tv_sec < b->tv_sec || (a->tv_sec == b->tv_sec && a->tv_nsec < b->tv_nsec);
}

static struct host *host_of(struct pool *pl, const char *name)
{
    size_t i;

    for (i = 0; i < pl->nhosts; i++)
        if (!strcmp(pl->hosts[i].name, name))
            return &pl->hosts[i];
    return NULL; /* every job's host was registered before the workers started */
}

static void host_acquire(struct pool *pl, struct host *h)
{
    pthread_mutex_lock(&pl->mu);
    for (;;) {
        struct timespec now;

        clock_gettime(CLOCK_REALTIME, &now);
        if (h->active < pl->per_host && !ts_before(&now, &h->not_before))
            break;
        if (h->active < pl->per_host)
            pthread_cond_timedwait(&pl->cv, &pl->mu, &h->not_before);
        else
            pthread_cond_wait(&pl->cv, &pl->mu);
    }
    h->active++;
    pthread_mutex_unlock(&pl->mu);
}

static void host_release(struct pool *pl, struct host *h, long retry_after_s)
{
    pthread_mutex_lock(&pl->mu);
    h->active--;
    if (retry_after_s > 0) {
        struct timespec t;

        clock_gettime(CLOCK_REALTIME, &t);
        t.tv_sec += retry_after_s > 60 ? 60 : retry_after_s;
        if (ts_before(&h->not_before, &t))
            h->not_before = t;
    }
    pthread_cond_broadcast(&pl->cv);
    pthread_mutex_unlock(&pl->mu);
}

static void *worker(void *arg)
{
    struct pool *pl = arg;
    struct fbs_http *http = NULL;
    int rc = fbs_http_new(&http, &pl->hopts);

    if (rc < 0) {
        pthread_mutex_lock(&pl->mu);
        if (!pl->rc)
            pl->rc = rc;
        pl->next = pl->njobs; /* nobody can verify without a client */
        pthread_mutex_unlock(&pl->mu);
        return NULL;
    }
    for (;;) {
        struct job *j;
        struct host *h;

        pthread_mutex_lock(&pl->mu);
        j = pl->next < pl->njobs && !pl->rc ? pl->jobs[pl->next++] : NULL;
        pthread_mutex_unlock(&pl->mu);
        if (!j)
            break;
        h = host_of(pl, j->host);
        host_acquire(pl, h);
        rc = j->j.provider->verify(http, &j->j, &j->res);
        host_release(pl, h, j->res.retry_after_s);
        if (rc < 0) {
            pthread_mutex_lock(&pl->mu);
            if (!pl->rc)
                pl->rc = rc;
            pthread_mutex_unlock(&pl->mu);
            break;
        }
    }
    fbs_http_free(http);
    return NULL;
}

static int run_pool(struct pool *pl, unsigned nthreads)
{
    pthread_t *t = fbs_calloc(nthreads, sizeof(*t));
    unsigned i, started = 0;

    if (!t)
        return fbs_error_set(FBS_ENOMEM, "out of memory");
    for (i = 0; i < nthreads; i++) {
        if (pthread_create(&t[i], NULL, worker, pl) != 0)
            break;
        started++;
    }
    if (!started)
        worker(pl);
    for (i = 0; i < started; i++)
        pthread_join(t[i], NULL);
    fbs_free(t);
    return pl->rc;
}

/* --- results -------------------------------------------------------------------------------- */

/* The facts.verification object of a job's answer; NULL on ENOMEM. */
static json_t *job_fact(const struct job *j, const struct fbs_detect_ctx *ctx)
{
    char at[FBS_TIME_ISO_LEN];
    json_t *o = json_object();

    if (!o)
        return NULL;
    fbs_time_format(at, ctx->now);
    json_object_set_new(o, "status", json_string(j->res.status ? j->res.status : "error"));
    json_object_set_new(o, "verifier", json_string(j->j.provider->name));
    json_object_set_new(o, "at", json_string(at));
    json_object_set_new(o, "identity",
                        j->res.identity ? json_deep_copy(j->res.identity) : json_object());
    if (j->res.scopes)
        json_object_set_new(o, "scopes", json_deep_copy(j->res.scopes));
    if (j->res.privilege)
        json_object_set_new(o, "privilege", json_string(j->res.privilege));
    if (j->res.http_status)
        json_object_set_new(o, "http_status", json_integer(j->res.http_status));
    if (j->res.detail[0])
        json_object_set_new(o, "detail", json_string(j->res.detail));
    return o;
}

/* Only conclusive answers are kept: an error or an unknown (rate-limited, a redirect, an
 * unexpected status) is asked again next time. */
static bool cacheable(const json_t *fact)
{
    const char *st = json_string_value(json_object_get(fact, "status"));

    return st && (!strcmp(st, "live") || !strcmp(st, "revoked"));
}

static int set_fact(struct fbs_finding *f, const json_t *fact, bool cached)
{
    json_t *o = json_deep_copy(fact);

    if (!o || (cached && json_object_set_new(o, "cached", json_true()) < 0) ||
        json_object_set_new(f->facts, "verification", o) < 0)
        return fbs_error_set(FBS_ENOMEM, "out of memory");
    return 0;
}

/* With a cache: each job's key, and the fresh results, which then need no request. The jobs
 * to run are moved first; *nrun says how many. */
static int cache_lookup(struct job **jobs, size_t n, const struct fbs_verify_cache *c,
                        const struct fbs_detect_ctx *ctx, size_t *nrun)
{
    size_t i, k, run = 0;
    int rc = 0;

    for (i = 0; rc == 0 && i < n; i++) {
        struct job *j = jobs[i];

        rc = c->key(c->payload, j->key, j->j.provider->name, j->secret, j->partner, j->endpoint);
        if (rc == 0)
            rc = c->get(c->payload, j->j.provider->name, j->key, ctx->now, &j->cached);
        if (rc > 0 && !json_is_object(j->cached)) {
            json_decref(j->cached);
            j->cached = NULL;
        }
        rc = rc > 0 ? 0 : rc;
        for (k = 0; rc == 0 && k < j->nfindings; k++)
            if (!j->findings[k]->verify_key &&
                fbs_finding_set_str(&j->findings[k]->verify_key, j->key) < 0)
                rc = fbs_error_set(FBS_ENOMEM, "out of memory");
    }
    for (i = 0; rc == 0 && i < n; i++)
        if (!jobs[i]->cached) {
            struct job *t = jobs[run];

            jobs[run++] = jobs[i];
            jobs[i] = t;
        }
    *nrun = rc == 0 ? run : 0;
    return rc;
}

/* A finding whose verifier cannot run: the fact says why, no request is made. */
static int set_unknown(struct fbs_finding *f, const char *verifier, const char *why,
                       const struct fbs_detect_ctx *ctx)
{
    char at[FBS_TIME_ISO_LEN];
    json_t *o = json_object();

    if (!o)
        return fbs_error_set(FBS_ENOMEM, "out of memory");
    fbs_time_format(at, ctx->now);
    json_object_set_new(o, "status", json_string("unknown"));
    json_object_set_new(o, "verifier", json_string(verifier));
    json_object_set_new(o, "at", json_string(at));
    json_object_set_new(o, "identity", json_object());
    json_object_set_new(o, "detail", json_string(why));
    if (json_object_set_new(f->facts, "verification", o) < 0)
        return fbs_error_set(FBS_ENOMEM, "out of memory");
    return 0;
}

int fbs_verify_run(struct fbs_finding *const *fs, size_t n, const struct fbs_detect_ctx *ctx,
                   const struct fbs_verify_opts *opts)
{
    struct override ov[MAX_OVERRIDES];
    size_t nov = 0, i, k, jobs_cap = 0, hosts_cap = 0;
    struct pool pl;
    size_t njobs = 0; /* every job; pl.njobs: those the pool runs */
    int rc = 0;

    memset(&pl, 0, sizeof(pl));
    if (opts->override && *opts->override) {
        rc = parse_override(opts->override, ov, &nov);
        if (rc < 0)
            return rc;
    }
    for (i = 0; rc == 0 && i < n; i++) {
        struct fbs_finding *f = fs[i], *partner = NULL;
        const struct fbs_verify_provider *p;
        const char *base, *endpoint = NULL;
        char built[256];
        json_t *cx = NULL;
        bool oom;
        struct job *j;

        if (f->drop || !f->verifier || !f->secret)
            continue;
        p = provider(f->verifier);
        if (p && !p->signs_only && !printable(f->secret, f->secret_len)) {
            rc = set_unknown(f, p->name, "not verified: the secret has control characters", ctx);
            continue;
        }
        if (!p) {
            rc = set_unknown(f, f->verifier, "no verifier of that name", ctx);
            continue;
        }
        base = p->base;
        for (k = 0; k < nov; k++)
            if (!strcmp(ov[k].name, p->name))
                base = ov[k].base;
        if (p->internal) {
            endpoint = context_endpoint(f);
            if (!opts->internal) {
                rc = set_unknown(f, p->name,
                                 "not verified: its endpoint comes from the file's context "
                                 "(--verify-internal allows it)",
                                 ctx);
                continue;
            }
            if (!endpoint) {
                rc = set_unknown(f, p->name, "no endpoint address in the file's context", ctx);
                continue;
            }
            if (base == p->base)
                base = endpoint;
            if (strncmp(base, "https://", 8) && !fbs_http_url_loopback(base)) {
                rc = set_unknown(f, p->name, "the endpoint in context is not https", ctx);
                continue;
            }
        }
        cx = context_of(f, p, &oom);
        if (oom) {
            rc = fbs_error_set(FBS_ENOMEM, "out of memory");
            break;
        }
        if (p->base_of && base == p->base) {
            const char *why = p->base_of(cx, built, sizeof(built));

            if (why) {
                json_decref(cx);
                rc = set_unknown(f, p->name, why, ctx);
                continue;
            }
            base = built;
        }
        if (p->partner_kinds && (!p->wants_partner || p->wants_partner(f->secret, f->secret_len)))
            partner = find_partner(f, fs, n, p->partner_kinds);
        j = find_job(pl.jobs, pl.njobs, p, f->secret, partner ? partner->secret : NULL, endpoint,
                     cx);
        if (j)
            json_decref(cx);
        if (!j) {
            j = fbs_calloc(1, sizeof(*j));
            if (!j ||
                fbs_array_grow((void **)&pl.jobs, &jobs_cap, pl.njobs + 1, sizeof(*pl.jobs)) < 0) {
                fbs_free(j);
                json_decref(cx);
                rc = fbs_error_set(FBS_ENOMEM, "out of memory");
                break;
            }
            pl.jobs[pl.njobs++] = j;
            j->context = cx;
            j->secret = fbs_strndup(f->secret, f->secret_len);
            j->partner = partner ? fbs_strndup(partner->secret, partner->secret_len) : NULL;
            j->endpoint = endpoint ? fbs_strdup(endpoint) : NULL;
            j->res.identity = json_object();
            j->res.retry_after_s = -1;
            if (!j->secret || (partner && !j->partner) || (endpoint && !j->endpoint) ||
                !j->res.identity) {
                rc = fbs_error_set(FBS_ENOMEM, "out of memory");
                break;
            }
            j->j.provider = p;
            j->j.secret = j->secret;
            j->j.partner = j->partner;
            j->j.endpoint = j->endpoint;
            j->j.context = j->context;
            if (base == built) {
                snprintf(j->base, sizeof(j->base), "%s", built);
                base = j->base;
            }
            j->j.base = base;
            fbs_http_url_host(j->host, sizeof(j->host), base);
        }
        rc = job_add_finding(j, f);
        if (rc == 0 && partner)
            rc = job_add_finding(j, partner);
    }
    /* Fresh results from the cache need no request: only the others go to the pool. */
    njobs = pl.njobs;
    if (rc == 0 && opts->cache)
        rc = cache_lookup(pl.jobs, njobs, opts->cache, ctx, &pl.njobs);
    /* Hosts, for the per-host cap. */
    for (i = 0; rc == 0 && i < pl.njobs; i++) {
        if (host_of(&pl, pl.jobs[i]->host))
            continue;
        if (fbs_array_grow((void **)&pl.hosts, &hosts_cap, pl.nhosts + 1, sizeof(*pl.hosts)) < 0) {
            rc = fbs_error_set(FBS_ENOMEM, "out of memory");
            break;
        }
        memset(&pl.hosts[pl.nhosts], 0, sizeof(pl.hosts[0]));
        snprintf(pl.hosts[pl.nhosts].name, sizeof(pl.hosts[0].name), "%s", pl.jobs[i]->host);
        pl.nhosts++;
    }
    if (rc == 0 && pl.njobs) {
        unsigned conc = opts->concurrency ? opts->concurrency : FBS_VERIFY_CONCURRENCY;

        pl.per_host = opts->per_host ? opts->per_host : FBS_VERIFY_PER_HOST;
        pl.hopts.timeout_s = opts->timeout_s ? opts->timeout_s : FBS_VERIFY_TIMEOUT_S;
        pl.hopts.connect_timeout_s = pl.hopts.timeout_s;
        pl.hopts.max_tries = 3;
        pl.hopts.backoff_ms = opts->backoff_ms ? opts->backoff_ms : 500;
        pl.hopts.max_retry_after_s = 30;
        pl.hopts.max_response = (size_t)1 << 20; /* identity answers are small */
        pthread_mutex_init(&pl.mu, NULL);
        pthread_cond_init(&pl.cv, NULL);
        rc = run_pool(&pl, conc < pl.njobs ? conc : (unsigned)pl.njobs);
        pthread_cond_destroy(&pl.cv);
        pthread_mutex_destroy(&pl.mu);
    }
    for (i = 0; rc == 0 && i < njobs; i++) {
        struct job *j = pl.jobs[i];
        json_t *fact = j->cached ? json_incref(j->cached) : job_fact(j, ctx);

        if (!fact) {
            rc = fbs_error_set(FBS_ENOMEM, "out of memory");
            break;
        }
        for (k = 0; rc == 0 && k < j->nfindings; k++)
            rc = set_fact(j->findings[k], fact, j->cached != NULL);
        if (rc == 0 && !j->cached && opts->cache && j->key[0] && cacheable(fact))
            rc = opts->cache->put(opts->cache->payload, j->j.provider->name, j->key, fact);
        json_decref(fact);
    }
    for (i = 0; i < njobs; i++)
        job_free(pl.jobs[i]);
    fbs_free(pl.jobs);
    fbs_free(pl.hosts);
    return rc;
}
