/*
 * sweep_run.c - plan a sweep, then let workers claim its target scans and run the pipeline.
 *
 * Planning expands the configuration (globs, URL files) into targets, identifies each
 * (sweep_target.c) and records a pending target scan for it with its spec (what to read and
 * how). Workers claim target scans one at a time from the datastore, so a resumed sweep (or,
 * with a shared datastore, another machine) picks up exactly those not done. For each target:
 *
 *   unchanged    same ref tips and rules+policy hash as its last completed scan: nothing is
 *                read; the findings of that scan are carried over and re-scored at this now;
 *   incremental  the old tips are all still reachable from the new ones (history only grew):
 *                only blobs introduced by the new commits are read (the old tips are hidden
 *                from the git walk), merged with the carried-over findings; if a carried
 *                finding left HEAD, the target is read in full instead (its custody changed);
 *   full         everything else: first scan, --full, rules or policy changed, history
 *                rewritten, not a repository.
 *
 * A target's findings are committed in one transaction; an interrupted target scan commits
 * nothing and is claimed again on --resume. Memory: one target's scan result per worker.
 */
#include "sweep_int.h"
#include "discover.h"
#include "../../reporters/redact.h"
#include "../../reporters/reporter.h"
#include "../cloud/cloud.h"
#include "../cloud/cloud_records.h"
#include "../cloud/inventory.h"
#include "../core/alloc.h"
#include "../core/buf.h"
#include "../core/error.h"
#include "../core/text.h"
#include "../pipeline.h"

#include <errno.h>
#include <glob.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../core/banned.h"

#define LEASE_SECONDS 3600
#define MAX_ATTEMPTS  3
#define WAIT_NS       250000000L /* a worker with nothing to claim looks again after 250 ms */
#define MAX_ERRORS    50

struct sweep {
    const struct fbs_sweep_opts *o;
    int64_t id;
    fbs_time_t now;
    char hash[65];
    char owner[128];
    int64_t lease;
    unsigned max_attempts;
    pthread_mutex_t lock;   /* the store, the progress, the counters */
    pthread_cond_t stop_cv; /* the heartbeat waits on it (under lock) */
    bool stop;              /* the workers are done: the heartbeat stops */
    size_t mine;            /* target scans recorded by this process */
    struct fbs_sweep_progress prog;
    int pass;       /* planning: 1 known identities, 2 the others */
    size_t partial; /* target scans recorded with error diagnostics (in this run) */
    int fatal;      /* the first error that stops the sweep */
    char fatal_msg[512];
    /* Discovery (github: and gitlab: targets), once per target before the planning passes. */
    /* --verify: the options handed to each target's pipeline, with the datastore's cache. */
    struct fbs_verify_opts vopts;
    struct fbs_verify_cache vcache;
    struct fbs_discover_list *lists; /* one per configured target (empty for the others) */
    char **list_errors;              /* the listing's failure, or NULL */
};

/* One finding as handed to the store, with the strings it owns. */
struct owned_found {
    struct fbs_store_found f;
    char *secret_id, *redacted, *kind, *rule_id, *place, *path, *commit, *author, *record,
        *score_input, *severity;
};

struct found_list {
    struct owned_found *v;
    size_t n, cap;
};

static void found_list_release(struct found_list *l)
{
    size_t i;

    for (i = 0; i < l->n; i++) {
        struct owned_found *o = &l->v[i];

        fbs_free(o->secret_id);
        fbs_free(o->redacted);
        fbs_free(o->kind);
        fbs_free(o->rule_id);
        fbs_free(o->place);
        fbs_free(o->path);
        fbs_free(o->commit);
        fbs_free(o->author);
        fbs_free(o->record);
        fbs_free(o->score_input);
        fbs_free(o->severity);
    }
    fbs_free(l->v);
    memset(l, 0, sizeof(*l));
}

static struct owned_found *found_list_add(struct found_list *l)
{
    if (fbs_array_grow((void **)&l->v, &l->cap, l->n + 1, sizeof(*l->v)) < 0)
        return NULL;
    memset(&l->v[l->n], 0, sizeof(l->v[l->n]));
    return &l->v[l->n++];
}

/* Copy a string into an owned slot; NULL stays NULL. */
static int dup_into(char **slot, const char *s)
{
    *slot = NULL;
    if (s && !(*slot = fbs_strdup(s)))
        return fbs_error_set(FBS_ENOMEM, "out of memory");
    return 0;
}

/* Point the store's view at the owned strings. */
static void found_link(struct owned_found *o)
{
    o->f.secret_id = o->secret_id;
    o->f.redacted = o->redacted;
    o->f.kind = o->kind;
    o->f.rule_id = o->rule_id;
    o->f.place = o->place;
    o->f.path = o->path;
    o->f.commit = o->commit;
    o->f.author = o->author;
    o->f.record = o->record;
    o->f.score_input = o->score_input;
    o->f.severity = o->severity;
}

/* The spec of a target scan ---------------------------------------------------------------- */

struct spec {
    json_t *doc;
    const char *kind, *location, *error;
    const char **excludes, **includes;
    size_t nexcludes, nincludes;
    uint64_t max_blob_size;
};

static json_t *str_array(char *const *v, size_t n)
{
    json_t *a = json_array();
    size_t i;

    for (i = 0; a && i < n; i++)
        json_array_append_new(a, json_string(v[i]));
    return a;
}

static const char **spec_list(const json_t *a, size_t *n)
{
    const char **v;
    size_t i;

    *n = json_array_size(a);
    v = fbs_calloc(*n ? *n : 1, sizeof(char *));
    for (i = 0; v && i < *n; i++)
        v[i] = json_string_value(json_array_get(a, i));
    return v;
}

static int spec_parse(struct spec *s, const char *text)
{
    memset(s, 0, sizeof(*s));
    s->doc = json_loads(text, 0, NULL);
    if (!json_is_object(s->doc))
        return fbs_error_set(FBS_EPARSE, "a target scan's spec is not valid JSON");
    s->kind = json_string_value(json_object_get(s->doc, "kind"));
    s->location = json_string_value(json_object_get(s->doc, "location"));
    s->error = json_string_value(json_object_get(s->doc, "error"));
    s->max_blob_size = (uint64_t)json_integer_value(json_object_get(s->doc, "max_blob_size"));
    s->excludes = spec_list(json_object_get(s->doc, "exclude"), &s->nexcludes);
    s->includes = spec_list(json_object_get(s->doc, "include"), &s->nincludes);
    if (!s->excludes || !s->includes)
        return fbs_error_set(FBS_ENOMEM, "out of memory");
    if (!s->kind || !s->location)
        return fbs_error_set(FBS_EPARSE, "a target scan's spec has no kind or location");
    return 0;
}

static void spec_release(struct spec *s)
{
    json_decref(s->doc);
    fbs_free(s->excludes);
    fbs_free(s->includes);
}

/* Planning --------------------------------------------------------------------------------- */

static void outcome(struct sweep *sw, const char *target, const char *mode, const char *error,
                    bool failed, size_t n)
{
    struct fbs_sweep_outcome oc = {target, mode, error, failed, n};

    if (!sw->o->outcome)
        return;
    pthread_mutex_lock(&sw->lock); /* callbacks are serialised, like progress */
    sw->o->outcome(&oc, sw->o->payload);
    pthread_mutex_unlock(&sw->lock);
}

/* An AWS account target is known by its profile (and region) before it is read. */
static int aws_ident(struct fbs_sweep_ident *id, const struct fbs_sweep_target *t)
{
    struct fbs_buf b = FBS_BUF_INIT;
    int rc;

    memset(id, 0, sizeof(*id));
    rc = t->profile ? fbs_buf_printf(&b, "aws profile %s", t->profile)
                    : fbs_buf_puts(&b, "aws default credentials");
    if (rc == 0 && t->region)
        rc = fbs_buf_printf(&b, " in %s", t->region);
    if (rc == 0 && t->endpoint_url)
        rc = fbs_buf_printf(&b, " at %s", t->endpoint_url);
    id->display = rc == 0 ? fbs_buf_detach(&b) : NULL;
    fbs_buf_release(&b);
    if (id->display && fbs_buf_printf(&b, "aws:%s", id->display + 4) == 0)
        id->identity = fbs_buf_detach(&b);
    fbs_buf_release(&b);
    id->kind = fbs_strdup("aws");
    id->location = fbs_strdup("aws");
    if (!id->display || !id->identity || !id->kind || !id->location) {
        fbs_sweep_ident_release(id);
        return fbs_error_set(FBS_ENOMEM, "out of memory");
    }
    return 0;
}

/* A discovered repository (discover.h), or a failed listing, as plan_one() takes it. */
struct plan_disc {
    const struct fbs_discover_repo *repo; /* NULL: the listing failed */
    const struct fbs_discover_list *list;
    const char *error;
};

static int plan_one_as(struct sweep *sw, const struct fbs_sweep_target *t, const char *kind,
                       const char *location, const struct plan_disc *pd);

static int plan_one(struct sweep *sw, const struct fbs_sweep_target *t, const char *kind,
                    const char *location)
{
    return plan_one_as(sw, t, kind, location, NULL);
}

/* Identity of a discovered repository: the provider's id (stable across renames and moves). */
static int disc_ident(struct fbs_sweep_ident *id, const struct fbs_sweep_target *t,
                      const struct plan_disc *pd)
{
    struct fbs_buf b = FBS_BUF_INIT;
    int rc;

    if (pd->repo) {
        rc = fbs_sweep_identify(id, "url", pd->repo->clone_url);
        if (rc < 0)
            return rc;
        fbs_free(id->identity);
        id->identity = NULL;
        rc = fbs_buf_printf(&b, "%s:%s/%s", t->kind, pd->list->api_host, pd->repo->id);
    } else {
        memset(id, 0, sizeof(*id));
        rc = fbs_buf_printf(&b, "%s:%s", t->kind, t->location);
        if (rc == 0 && !(id->display = fbs_strdup(b.ptr)))
            rc = FBS_ENOMEM;
        if (rc == 0 && !(id->kind = fbs_strdup("path")))
            rc = FBS_ENOMEM;
        if (rc == 0 && !(id->location = fbs_strdup(b.ptr)))
            rc = FBS_ENOMEM;
        fbs_buf_truncate(&b, 0);
        if (rc == 0)
            rc = fbs_buf_printf(&b, "%s:%s/%s", t->kind, t->api ? t->api : "default", t->location);
    }
    id->identity = rc == 0 ? fbs_buf_detach(&b) : NULL;
    fbs_buf_release(&b);
    if (rc < 0 || !id->identity) {
        fbs_sweep_ident_release(id);
        return fbs_error_set(FBS_ENOMEM, "out of memory");
    }
    return 0;
}

static int plan_one_as(struct sweep *sw, const struct fbs_sweep_target *t, const char *kind,
                       const char *location, const struct plan_disc *pd)
{
    struct fbs_sweep_ident id;
    struct fbs_store_target st;
    struct fbs_store *store = sw->o->store;
    json_t *spec = NULL;
    char *text = NULL;
    int64_t scan = 0;
    int rc;

    rc = pd                     ? disc_ident(&id, t, pd)
         : !strcmp(kind, "aws") ? aws_ident(&id, t)
                                : fbs_sweep_identify(&id, kind, location);
    if (rc == FBS_ENOMEM)
        return rc;
    /* Pass 1 plans the targets the datastore knows by identity (and those that cannot be read);
     * pass 2 the others, which may be known targets renamed: matched by their root commits
     * among the targets not planned in pass 1, so a fork listed beside its origin stays new. */
    if (rc == 0) {
        int known = store->ops->target_known(store, id.identity);

        if (known < 0 || (sw->pass == 1) != (known == 1)) {
            fbs_sweep_ident_release(&id);
            return known < 0 ? known : 0;
        }
        if (sw->pass == 2 && !strcmp(id.kind, "git") && !id.is_url)
            rc = fbs_sweep_ident_roots(&id);
        if (rc < 0) {
            fbs_sweep_ident_release(&id);
            return rc;
        }
    } else if (sw->pass == 2) {
        return 0;
    }
    spec = json_object();
    if (!spec)
        return fbs_error_set(FBS_ENOMEM, "out of memory");
    if (rc < 0) {
        /* Planned all the same: the sweep's coverage shows it failed, and why. */
        json_object_set_new(spec, "error", json_string(fbs_error_message()));
        memset(&id, 0, sizeof(id));
        rc = 0;
        if (!(id.kind = fbs_strdup("path"))) {
            json_decref(spec);
            return fbs_error_set(FBS_ENOMEM, "out of memory");
        }
        {
            struct fbs_buf b = FBS_BUF_INIT;

            if (fbs_buf_printf(&b, "path:%s", location) < 0) {
                fbs_sweep_ident_release(&id);
                json_decref(spec);
                return FBS_ENOMEM;
            }
            id.identity = fbs_buf_detach(&b);
        }
        id.display = fbs_strdup(location);
        id.location = fbs_strdup(location);
    }
    json_object_set_new(spec, "kind",
                        json_string(!strcmp(kind, "inventory") ? "inventory"
                                    : id.is_url                ? "url"
                                                               : id.kind));
    if (t->profile)
        json_object_set_new(spec, "profile", json_string(t->profile));
    if (t->region)
        json_object_set_new(spec, "region", json_string(t->region));
    if (t->endpoint_url)
        json_object_set_new(spec, "endpoint_url", json_string(t->endpoint_url));
    if (t->ca_bundle)
        json_object_set_new(spec, "ca_bundle", json_string(t->ca_bundle));
    json_object_set_new(spec, "location", json_string(id.location ? id.location : location));
    json_object_set_new(spec, "exclude", str_array(t->excludes, t->nexcludes));
    json_object_set_new(spec, "include", str_array(t->includes, t->nincludes));
    json_object_set_new(spec, "max_blob_size", json_integer((json_int_t)t->max_blob_size));
    json_object_set_new(spec, "config_line", json_integer(t->line));
    if (pd && pd->repo) {
        /* What the fetch needs to authenticate, never the token itself: it is read from the
         * environment when git asks. The listing is in the datastore with the plan. */
        json_object_set_new(spec, "provider", json_string(t->kind));
        json_object_set_new(spec, "api", json_string(pd->list->api));
        json_object_set_new(spec, "repo_id", json_string(pd->repo->id));
        json_object_set_new(spec, "full_name", json_string(pd->repo->full_name));
        json_object_set_new(spec, "token_env",
                            json_string(t->token_env                 ? t->token_env
                                        : !strcmp(t->kind, "github") ? "GITHUB_TOKEN"
                                                                     : "GITLAB_TOKEN"));
    } else if (pd) {
        json_object_set_new(spec, "error", json_string(pd->error));
    }
    text = json_dumps(spec, JSON_COMPACT | JSON_SORT_KEYS);
    if (!text || !id.identity || !id.display) {
        rc = fbs_error_set(FBS_ENOMEM, "out of memory");
        goto done;
    }
    st.kind = id.kind;
    st.identity = id.identity;
    st.display = id.display;
    st.root_commits = id.root_commits;
    rc = store->ops->target_plan(store, sw->id, &st, text, &scan);
    if (rc == 1) {
        outcome(sw, id.display, NULL, "listed more than once in the configuration: swept once",
                false, 0);
        rc = 0;
    }
done:
    free(text);
    json_decref(spec);
    fbs_sweep_ident_release(&id);
    return rc;
}

/* A file of URLs (or paths), one a line; '#' starts a comment. */
static int plan_url_file(struct sweep *sw, const struct fbs_sweep_target *t)
{
    struct fbs_buf b = FBS_BUF_INIT, p = FBS_BUF_INIT;
    char *line, *next, *dir = NULL, *slash;
    int rc;

    rc = fbs_buf_read_file(&b, t->location, 16u << 20);
    if (rc < 0)
        return fbs_error_prefix(rc, "url_file '%s'", t->location);
    dir = fbs_strdup(t->location);
    if (!dir) {
        fbs_buf_release(&b);
        return fbs_error_set(FBS_ENOMEM, "out of memory");
    }
    slash = strrchr(dir, '/');
    if (slash)
        *slash = '\0';
    for (line = b.ptr; rc == 0 && line && *line; line = next) {
        char *end, *hash;

        next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        hash = strchr(line, '#');
        if (hash)
            *hash = '\0';
        while (*line == ' ' || *line == '\t')
            line++;
        end = line + strlen(line);
        while (end > line && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r'))
            *--end = '\0';
        if (!*line)
            continue;
        if (fbs_sweep_is_url(line) || line[0] == '/' || !slash) {
            rc = plan_one(sw, t, fbs_sweep_is_url(line) ? "url" : "path", line);
        } else {
            fbs_buf_truncate(&p, 0);
            rc = fbs_buf_printf(&p, "%s/%s", dir, line);
            if (rc == 0)
                rc = plan_one(sw, t, "path", p.ptr);
        }
    }
    fbs_free(dir);
    fbs_buf_release(&p);
    fbs_buf_release(&b);
    return rc;
}

static int plan_glob(struct sweep *sw, const struct fbs_sweep_target *t)
{
    glob_t g;
    size_t i;
    int rc = 0, grc;

    memset(&g, 0, sizeof(g));
    grc = glob(t->location, GLOB_MARK, NULL, &g);
    if (grc == GLOB_NOMATCH) {
        if (sw->pass == 1)
            outcome(sw, t->location, NULL, "the glob matches no directory", false, 0);
        globfree(&g);
        return 0;
    }
    if (grc != 0) {
        globfree(&g);
        return fbs_error_set(FBS_EIO, "glob '%s' failed", t->location);
    }
    for (i = 0; rc == 0 && i < g.gl_pathc; i++) {
        size_t n = strlen(g.gl_pathv[i]);

        if (n && g.gl_pathv[i][n - 1] == '/') /* directories only (GLOB_MARK) */
            rc = plan_one(sw, t, "path", g.gl_pathv[i]);
    }
    globfree(&g);
    return rc;
}

static bool is_provider(const struct fbs_sweep_target *t)
{
    return !strcmp(t->kind, "github") || !strcmp(t->kind, "gitlab");
}

static void disc_wait(const char *what, long seconds, void *payload)
{
    struct sweep *sw = payload;
    char line[300];

    if (!sw->o->progress)
        return;
    snprintf(line, sizeof(line), "%s: waiting %lds", what, seconds);
    pthread_mutex_lock(&sw->lock);
    sw->prog.current = line;
    sw->o->progress(&sw->prog, sw->o->payload);
    sw->prog.current = NULL;
    pthread_mutex_unlock(&sw->lock);
}

/* List the repositories of every github: and gitlab: target (once, before the passes). */
static int discover_all(struct sweep *sw)
{
    const struct fbs_sweep_config *c = sw->o->config;
    struct fbs_discover_hooks hooks = {disc_wait, sw, sw->o->cancel};
    size_t i;
    int rc = 0;

    sw->lists = fbs_calloc(c->ntargets ? c->ntargets : 1, sizeof(*sw->lists));
    sw->list_errors = fbs_calloc(c->ntargets ? c->ntargets : 1, sizeof(char *));
    if (!sw->lists || !sw->list_errors)
        return fbs_error_set(FBS_ENOMEM, "out of memory");
    for (i = 0; rc == 0 && i < c->ntargets; i++) {
        const struct fbs_sweep_target *t = &c->targets[i];
        struct fbs_discover_source src;

        if (!is_provider(t))
            continue;
        memset(&src, 0, sizeof(src));
        src.provider = t->kind;
        src.name = t->location;
        src.api = t->api;
        src.token_env = t->token_env;
        src.forks = t->forks;
        src.archived = t->archived;
        src.includes = t->repo_includes;
        src.nincludes = t->nrepo_includes;
        src.excludes = t->repo_excludes;
        src.nexcludes = t->nrepo_excludes;
        src.max_wait_s = t->max_wait_s;
        if (sw->o->progress) {
            char line[300];

            snprintf(line, sizeof(line), "listing %s:%s", t->kind, t->location);
            pthread_mutex_lock(&sw->lock);
            sw->prog.current = line;
            sw->o->progress(&sw->prog, sw->o->payload);
            sw->prog.current = NULL;
            pthread_mutex_unlock(&sw->lock);
        }
        rc = fbs_discover_list(&sw->lists[i], &src, &hooks);
        if (rc == FBS_ENOMEM)
            return rc;
        if (rc < 0) {
            /* Recorded as a failed target of the sweep (exit 3), with the error. */
            sw->list_errors[i] = fbs_strdup(fbs_error_message());
            if (!sw->list_errors[i])
                return fbs_error_set(FBS_ENOMEM, "out of memory");
            rc = 0;
        } else if (!sw->lists[i].n) {
            outcome(sw, t->location, NULL, "the listing holds no repository (after filters)", false,
                    0);
        }
    }
    return rc;
}

static void discover_release(struct sweep *sw)
{
    size_t i;

    for (i = 0; sw->lists && i < sw->o->config->ntargets; i++)
        fbs_discover_list_release(&sw->lists[i]);
    for (i = 0; sw->list_errors && i < sw->o->config->ntargets; i++)
        fbs_free(sw->list_errors[i]);
    fbs_free(sw->lists);
    fbs_free(sw->list_errors);
    sw->lists = NULL;
    sw->list_errors = NULL;
}

static int plan_provider(struct sweep *sw, const struct fbs_sweep_target *t, size_t i)
{
    struct plan_disc pd = {NULL, &sw->lists[i], sw->list_errors[i]};
    size_t k;
    int rc = 0;

    if (pd.error)
        return plan_one_as(sw, t, "url", t->location, &pd);
    for (k = 0; rc == 0 && k < sw->lists[i].n; k++) {
        pd.repo = &sw->lists[i].v[k];
        rc = plan_one_as(sw, t, "url", pd.repo->clone_url, &pd);
    }
    return rc;
}

static int plan(struct sweep *sw)
{
    const struct fbs_sweep_config *c = sw->o->config;
    size_t i;
    int rc = discover_all(sw);

    for (i = 0; rc == 0 && i < 2 * c->ntargets; i++) {
        const struct fbs_sweep_target *t = &c->targets[i % c->ntargets];

        sw->pass = i < c->ntargets ? 1 : 2;
        if (is_provider(t))
            rc = plan_provider(sw, t, i % c->ntargets);
        else if (!strcmp(t->kind, "glob"))
            rc = plan_glob(sw, t);
        else if (!strcmp(t->kind, "url_file"))
            rc = plan_url_file(sw, t);
        else
            rc = plan_one(sw, t, t->kind, t->location);
    }
    discover_release(sw);
    return rc;
}

/* Findings of a scan -> what the store keeps --------------------------------------------- */

/* Each finding's report record, through the JSON Lines reporter (one line per finding). */
static int records(char ***out, struct fbs_finding *const *fs, size_t n,
                   const struct fbs_sweep_opts *o)
{
    struct fbs_report_opts ropts = {NULL, false, false};
    struct fbs_report_info info;
    struct fbs_stats stats;
    char *mem = NULL, **lines = NULL, *p;
    size_t memlen = 0, i;
    void *state = NULL;
    FILE *f;
    int rc;

    *out = NULL;
    fbs_stats_init(&stats);
    memset(&info, 0, sizeof(info));
    info.tool_version = o->tool_version;
    info.now = o->now;
    info.stats = &stats;
    info.policy = o->policy_json;
    f = open_memstream(&mem, &memlen);
    if (!f)
        return fbs_error_set(FBS_ENOMEM, "out of memory");
    ropts.out = f;
    rc = fbs_reporter_jsonl.begin(&state, &ropts, &info);
    for (i = 0; rc == 0 && i < n; i++)
        rc = fbs_reporter_jsonl.add(state, fs[i]);
    if (state) {
        int rc2 = fbs_reporter_jsonl.end(state);

        if (rc == 0)
            rc = rc2;
    }
    if (fclose(f) != 0 && rc == 0)
        rc = fbs_error_set(FBS_ENOMEM, "out of memory");
    if (rc == 0)
        lines = fbs_calloc(n ? n : 1, sizeof(char *));
    if (rc == 0 && !lines)
        rc = fbs_error_set(FBS_ENOMEM, "out of memory");
    for (i = 0, p = mem; rc == 0 && i < n; i++) {
        char *nl = p ? strchr(p, '\n') : NULL;

        if (!nl) {
            rc = fbs_error_set(FBS_EINTERNAL, "the JSON Lines reporter wrote too few lines");
            break;
        }
        lines[i] = fbs_strndup(p, (size_t)(nl - p));
        if (!lines[i])
            rc = fbs_error_set(FBS_ENOMEM, "out of memory");
        p = nl + 1;
    }
    free(mem);
    if (rc < 0) {
        for (i = 0; lines && i < n; i++)
            fbs_free(lines[i]);
        fbs_free(lines);
        return rc;
    }
    *out = lines;
    return 0;
}

static bool included(const struct spec *s, const struct fbs_finding *f)
{
    size_t i;
    const char *p = f->rel_path ? f->rel_path : f->path;

    if (!s->nincludes || !p)
        return true;
    for (i = 0; i < s->nincludes; i++)
        if (s->includes[i] && fbs_glob_match(s->includes[i], p, false))
            return true;
    return false;
}

static int add_scanned(struct sweep *sw, struct found_list *l, const struct spec *sp,
                       struct fbs_vec *findings)
{
    struct fbs_store *store = sw->o->store;
    struct fbs_finding **keep = NULL;
    char **lines = NULL;
    size_t i, n = 0;
    int rc = 0;

    keep = fbs_calloc(findings->len ? findings->len : 1, sizeof(*keep));
    if (!keep)
        return fbs_error_set(FBS_ENOMEM, "out of memory");
    /* Suppressed findings (allow comments, ignore entries) are the user's exceptions. */
    for (i = 0; i < findings->len; i++) {
        struct fbs_finding *f = findings->items[i];

        if (!f->suppression && included(sp, f))
            keep[n++] = f;
    }
    rc = records(&lines, keep, n, sw->o);
    for (i = 0; rc == 0 && i < n; i++) {
        struct fbs_finding *f = keep[i];
        struct owned_found *o = found_list_add(l);
        struct fbs_buf red = FBS_BUF_INIT;
        char sid[65];
        json_t *in;

        if (!o) {
            rc = fbs_error_set(FBS_ENOMEM, "out of memory");
            break;
        }
        pthread_mutex_lock(&sw->lock);
        if (f->secret)
            rc = store->ops->secret_id(store, sid, f->secret, f->secret_len);
        else /* a cloud record: the resource is the credential's identity */
            rc = store->ops->secret_id(store, sid, f->resource ? f->resource : f->path,
                                       strlen(f->resource ? f->resource : f->path));
        pthread_mutex_unlock(&sw->lock);
        if (rc == 0 && f->secret)
            rc = fbs_redact_secret(&red, f->secret, f->secret_len);
        if (rc == 0)
            rc = dup_into(&o->secret_id, sid);
        if (rc == 0)
            rc = dup_into(&o->redacted, red.ptr ? red.ptr : "");
        fbs_buf_release(&red);
        if (rc == 0)
            rc = dup_into(&o->kind, f->kind);
        if (rc == 0)
            rc = dup_into(&o->rule_id, f->rule_id);
        if (rc == 0)
            rc = dup_into(&o->place, f->resource   ? f->resource
                                     : f->rel_path ? f->rel_path
                                                   : f->path);
        if (rc == 0)
            rc = dup_into(&o->path, f->path);
        if (rc == 0)
            rc = dup_into(&o->commit, f->commit);
        if (rc == 0)
            rc = dup_into(&o->author, f->author);
        if (rc == 0)
            rc = dup_into(&o->severity, f->severity);
        o->record = lines[i];
        lines[i] = NULL;
        in = rc == 0 ? fbs_sweep_score_input(f) : NULL;
        o->score_input = in ? json_dumps(in, JSON_COMPACT) : NULL;
        json_decref(in);
        if (rc == 0 && !o->score_input)
            rc = fbs_error_set(FBS_ENOMEM, "out of memory");
        if (o->score_input) { /* json_dumps allocates with malloc; keep one allocator */
            char *copy = fbs_strdup(o->score_input);

            free(o->score_input);
            o->score_input = copy;
            if (!copy)
                rc = fbs_error_set(FBS_ENOMEM, "out of memory");
        }
        o->f.line = f->line;
        o->f.in_head = f->in_head;
        o->f.risk = f->risk;
        o->f.standing = f->standing;
        o->f.is_fallback = f->is_fallback;
        found_link(o);
    }
    for (i = 0; lines && i < n; i++)
        fbs_free(lines[i]);
    fbs_free(lines);
    fbs_free(keep);
    return rc;
}

/* Carried-over findings ---------------------------------------------------------------------- */

struct carry {
    struct sweep *sw;
    struct found_list *l;
    git_repository *repo; /* incremental: check that each is still where it was */
    bool head_moved;      /* a carried finding entered or left HEAD: read in full */
    bool reverify;        /* --verify: a carried finding has no fresh result: read in full */
};

static char *dumps_owned(const json_t *j)
{
    char *s = json_dumps(j, JSON_COMPACT), *copy;

    if (!s)
        return NULL;
    copy = fbs_strdup(s);
    free(s);
    return copy;
}

/* The verification cache (detectors/verify.h) in the datastore ------------------------------ */

/* A key is "<secret id>" or "<secret id>:<context id>": keyed ids of the store (HMAC under its
 * secret key), the context being the partner (an AWS access key id) and the endpoint (a Vault
 * address from the file) the answer also depends on. */
static int vcache_key(void *payload, char out[FBS_VERIFY_KEY_LEN], const char *verifier,
                      const char *secret, const char *partner, const char *endpoint)
{
    struct sweep *sw = payload;
    struct fbs_store *store = sw->o->store;
    struct fbs_buf ctx = FBS_BUF_INIT;
    char sid[65], cid[65] = "";
    int rc;

    (void)verifier;
    pthread_mutex_lock(&sw->lock);
    rc = store->ops->secret_id(store, sid, secret, strlen(secret));
    if (rc == 0 && (partner || endpoint)) {
        rc = fbs_buf_printf(&ctx, "fallback-scan verification context%c%s%c%s", 0,
                            partner ? partner : "", 0, endpoint ? endpoint : "");
        if (rc == 0)
            rc = store->ops->secret_id(store, cid, ctx.ptr, ctx.len);
    }
    pthread_mutex_unlock(&sw->lock);
    fbs_buf_release_wipe(&ctx);
    if (rc == 0)
        snprintf(out, FBS_VERIFY_KEY_LEN, "%s%s%s", sid, cid[0] ? ":" : "", cid);
    return rc;
}

/* The cached result of a key, if still fresh at the sweep's now; the caller holds sw->lock. */
static int vcache_get_locked(struct sweep *sw, const char *verifier, const char *key, json_t **fact)
{
    struct fbs_store *store = sw->o->store;
    char sid[65], *text = NULL;
    const char *colon = strchr(key, ':');
    fbs_time_t at = 0;
    int rc;

    *fact = NULL;
    if (sw->o->verify_ttl <= 0 || (colon ? (size_t)(colon - key) : strlen(key)) != 64)
        return 0;
    memcpy(sid, key, 64);
    sid[64] = '\0';
    rc = store->ops->verification_get(store, verifier, sid, colon ? colon + 1 : "", &text, &at);
    if (rc > 0 && at > sw->now - sw->o->verify_ttl) {
        *fact = json_loads(text, 0, NULL);
        rc = json_is_object(*fact) ? 1 : 0; /* an unreadable entry is asked again */
        if (!rc) {
            json_decref(*fact);
            *fact = NULL;
        }
    } else if (rc > 0) {
        rc = 0; /* too old: ask again */
    }
    fbs_free(text);
    return rc;
}

static int vcache_get(void *payload, const char *verifier, const char *key, fbs_time_t now,
                      json_t **fact)
{
    struct sweep *sw = payload;
    int rc;

    (void)now; /* the sweep's now */
    pthread_mutex_lock(&sw->lock);
    rc = vcache_get_locked(sw, verifier, key, fact);
    pthread_mutex_unlock(&sw->lock);
    return rc;
}

static int vcache_put(void *payload, const char *verifier, const char *key, const json_t *fact)
{
    struct sweep *sw = payload;
    struct fbs_store *store = sw->o->store;
    struct fbs_store_verification v;
    const char *colon = strchr(key, ':');
    char sid[65], *text;
    int rc;

    if (sw->o->verify_ttl <= 0 || (colon ? (size_t)(colon - key) : strlen(key)) != 64)
        return 0;
    memcpy(sid, key, 64);
    sid[64] = '\0';
    text = dumps_owned(fact);
    if (!text)
        return fbs_error_set(FBS_ENOMEM, "out of memory");
    memset(&v, 0, sizeof(v));
    v.verifier = verifier;
    v.secret_id = sid;
    v.context = colon ? colon + 1 : "";
    v.status = json_string_value(json_object_get(fact, "status"));
    v.at = sw->now;
    v.fact = text;
    pthread_mutex_lock(&sw->lock);
    rc = store->ops->verification_put(store, &v);
    pthread_mutex_unlock(&sw->lock);
    fbs_free(text);
    return rc;
}

/*
 * --verify on a carried-over finding: its credential's result from the cache, still fresh, goes
 * into the record and the score input (the scorer reads it); without one the target must be
 * read again, since the secret is not stored (c->reverify). A finding that had no request to
 * make (no verifier, no partner, no endpoint) keeps what it had.
 */
static int carry_verification(struct carry *c, json_t *record, json_t *input)
{
    const char *verifier = json_string_value(json_object_get(input, "verifier"));
    const char *key = json_string_value(json_object_get(input, "verify_key"));
    json_t *fact = NULL, *facts;
    int rc;

    if (!verifier || !key)
        return 0;
    rc = vcache_get_locked(c->sw, verifier, key, &fact); /* carry_over holds the lock */
    if (rc <= 0) {
        c->reverify = c->reverify || rc == 0;
        return rc;
    }
    json_object_set_new(fact, "cached", json_true());
    /* The JSON report (the record) writes it beside the facts; the scorer reads it in them. */
    json_object_set_new(record, "verification", json_deep_copy(fact));
    facts = json_object_get(input, "facts");
    if (json_is_object(facts))
        json_object_set_new(facts, "verification", json_deep_copy(fact));
    json_decref(fact);
    return 0;
}

static int carry_row(const struct fbs_store_row *r, void *payload)
{
    struct carry *c = payload;
    struct owned_found *o;
    json_t *record = NULL, *input = NULL;
    const char *sev = NULL;
    int rc = 0, risk = -1, standing = -1, in_head = r->occ_in_head;

    if (c->repo && r->occ_commit && *r->occ_commit) {
        int now = fbs_sweep_same_at_head(c->repo, r->occ_commit, r->place);

        if (now >= 0 && in_head >= 0 && now != in_head) {
            c->head_moved = true;
            return 0;
        }
    }
    o = found_list_add(c->l);
    if (!o)
        return fbs_error_set(FBS_ENOMEM, "out of memory");
    record = json_loads(r->record, 0, NULL);
    input = json_loads(r->score_input, 0, NULL);
    if (!record || !input)
        rc = fbs_error_set(FBS_EPARSE, "a stored finding (%s) is not valid JSON", r->public_id);
    if (rc == 0 && c->sw->o->verify)
        rc = carry_verification(c, record, input);
    if (rc == 0)
        rc = fbs_sweep_rescore(record, input, c->sw->now, c->sw->o->policy, c->sw->o->vocab, &risk,
                               &sev, &standing);
    if (rc == 0)
        rc = dup_into(&o->secret_id, r->secret_id);
    if (rc == 0)
        rc = dup_into(&o->redacted, r->redacted);
    if (rc == 0)
        rc = dup_into(&o->kind, r->kind);
    if (rc == 0)
        rc = dup_into(&o->rule_id, r->rule_id);
    if (rc == 0)
        rc = dup_into(&o->place, r->place);
    if (rc == 0)
        rc = dup_into(&o->path, r->occ_path);
    if (rc == 0)
        rc = dup_into(&o->commit, r->occ_commit);
    if (rc == 0)
        rc = dup_into(&o->author, r->occ_author);
    if (rc == 0)
        rc = dup_into(&o->severity, sev);
    if (rc == 0 && (!(o->record = dumps_owned(record)) || !(o->score_input = dumps_owned(input))))
        rc = fbs_error_set(FBS_ENOMEM, "out of memory");
    o->f.line = r->occ_line;
    o->f.in_head = in_head;
    o->f.risk = risk;
    o->f.standing = standing;
    o->f.is_fallback = r->is_fallback;
    o->f.carried = true;
    found_link(o);
    json_decref(record);
    json_decref(input);
    return rc;
}

static int carry_over(struct sweep *sw, struct found_list *l, int64_t target,
                      const struct fbs_store_prior *prior, git_repository *repo, bool *head_moved)
{
    struct fbs_store *store = sw->o->store;
    struct fbs_store_query q = {prior->sweep_id, 0, target, true};
    struct carry c = {sw, l, repo, false, false};
    int rc;

    pthread_mutex_lock(&sw->lock);
    rc = store->ops->findings(store, &q, carry_row, &c);
    pthread_mutex_unlock(&sw->lock);
    *head_moved = c.head_moved || c.reverify;
    return rc;
}

/* One target scan ---------------------------------------------------------------------------- */

struct target_run {
    struct found_list found;
    json_t *tips;
    const char *mode;
    bool complete;
    json_t *errors;
    uint64_t blobs, bytes;
    char *failure; /* the whole target failed */
};

static void errors_from(struct target_run *t, const struct fbs_scan_result *r)
{
    size_t i;

    for (i = 0; i < r->diags.items.len && json_array_size(t->errors) < MAX_ERRORS; i++) {
        const struct fbs_diag *d = r->diags.items.items[i];

        if (d->error)
            json_array_append_new(t->errors, json_pack("{s:s?, s:s?, s:s?}", "kind", d->kind,
                                                       "path", d->path, "message", d->message));
    }
}

static int run_pipeline(struct sweep *sw, struct target_run *t, const struct spec *sp,
                        const char *location, const char *const *hide, size_t nhide)
{
    const struct fbs_sweep_opts *o = sw->o;
    const struct fbs_source *source = fbs_source_find(strcmp(sp->kind, "path") ? "git" : "file");
    struct fbs_scan_result r;
    struct fbs_pipeline_opts po;
    struct fbs_ignores ign;
    const char *targets[1] = {location};
    int rc;

    rc = fbs_scan_result_init(&r, false);
    if (rc < 0)
        return rc;
    rc = fbs_ignores_init(&ign);
    if (rc < 0) {
        fbs_scan_result_release(&r);
        return rc;
    }
    if (o->config->ignore_file)
        rc = fbs_ignores_load_file(&ign, o->config->ignore_file, NULL);
    if (rc < 0)
        goto done;
    memset(&po, 0, sizeof(po));
    /* A directory that is a repository: its history (committed content, what tips describe). */
    po.source = !strcmp(sp->kind, "path") ? fbs_source_find("file") : source;
    po.source_opts.targets = targets;
    po.source_opts.ntargets = 1;
    po.source_opts.threads = o->threads;
    po.source_opts.max_file_size = sp->max_blob_size ? sp->max_blob_size : o->max_file_size;
    po.source_opts.max_blob_size = po.source_opts.max_file_size;
    po.source_opts.excludes = sp->excludes;
    po.source_opts.nexcludes = sp->nexcludes;
    po.source_opts.hide = hide;
    po.source_opts.nhide = nhide;
    po.source_opts.cancel = o->cancel;
    po.rules = o->rules;
    po.vocab = o->vocab;
    po.policy = o->policy;
    po.now = sw->now;
    po.ignores = &ign;
    po.verify = o->verify ? &sw->vopts : NULL;
    rc = fbs_pipeline_run(&r, &po);
    if (rc == 0 && o->cancel && atomic_load(o->cancel))
        rc = 1; /* interrupted: record nothing of this target */
    if (rc == 0) {
        t->blobs += atomic_load(&r.stats.blobs);
        t->bytes += atomic_load(&r.stats.bytes);
        if (atomic_load(&r.stats.errors))
            t->complete = false;
        errors_from(t, &r);
        rc = add_scanned(sw, &t->found, sp, &r.findings);
    }
done:
    fbs_ignores_release(&ign);
    fbs_scan_result_release(&r);
    return rc;
}

static int run_inventory(struct sweep *sw, struct target_run *t, const struct spec *sp)
{
    const struct fbs_sweep_opts *o = sw->o;
    struct fbs_scan_result r;
    struct fbs_cloud_set set;
    struct fbs_pipeline_opts po;
    int rc;

    rc = fbs_scan_result_init(&r, false);
    if (rc < 0)
        return rc;
    rc = fbs_cloud_set_init(&set, &r.diags);
    if (rc < 0) {
        fbs_scan_result_release(&r);
        return rc;
    }
    rc = fbs_inventory_scan(&set, &sp->location, 1, o->max_file_size);
    if (rc == 0)
        rc = fbs_cloud_set_finish(&set);
    memset(&po, 0, sizeof(po));
    po.vocab = o->vocab;
    po.policy = o->policy;
    po.now = sw->now;
    if (rc == 0)
        rc = fbs_pipeline_add_records(&r, &po, &set.records);
    if (rc == 0) {
        if (atomic_load(&r.stats.errors))
            t->complete = false;
        errors_from(t, &r);
        rc = add_scanned(sw, &t->found, sp, &r.findings);
    }
    fbs_cloud_set_release(&set);
    fbs_scan_result_release(&r);
    return rc;
}

static int run_aws(struct sweep *sw, struct target_run *t, const struct spec *sp)
{
    const struct fbs_sweep_opts *o = sw->o;
    const json_t *d = sp->doc;
    struct fbs_aws_creds creds;
    struct fbs_aws_opts ao;
    struct fbs_scan_result r;
    struct fbs_pipeline_opts po;
    struct fbs_vec records = FBS_VEC_INIT;
    char *account = NULL;
    int rc;

    fbs_aws_creds_init(&creds);
    rc = fbs_scan_result_init(&r, false);
    if (rc < 0)
        return rc;
    if (!o->aws_env) {
        rc = dup_into(&t->failure, "AWS targets need the credential environment");
        goto done;
    }
    rc = fbs_aws_creds_resolve(&creds, o->aws_env, json_string_value(json_object_get(d, "profile")),
                               json_string_value(json_object_get(d, "region")));
    if (rc < 0 && rc != FBS_ENOMEM) {
        rc = dup_into(&t->failure, fbs_error_message());
        goto done;
    }
    memset(&ao, 0, sizeof(ao));
    ao.creds = &creds;
    ao.endpoint_url = json_string_value(json_object_get(d, "endpoint_url"));
    ao.ca_bundle = json_string_value(json_object_get(d, "ca_bundle"));
    ao.backoff_ms = o->aws_backoff_ms;
    ao.filter = o->aws_filter;
    ao.filter_payload = (void *)o->vocab;
    if (rc == 0)
        rc = fbs_aws_collect(&records, &account, &ao, &r.diags);
    if (rc < 0 && rc != FBS_ENOMEM) {
        rc = dup_into(&t->failure, fbs_error_message());
        goto done;
    }
    memset(&po, 0, sizeof(po));
    po.vocab = o->vocab;
    po.policy = o->policy;
    po.now = sw->now;
    if (rc == 0)
        rc = fbs_pipeline_add_records(&r, &po, &records);
    if (rc == 0) {
        if (atomic_load(&r.stats.errors))
            t->complete = false;
        errors_from(t, &r);
        rc = add_scanned(sw, &t->found, sp, &r.findings);
    }
done:
    fbs_vec_release(&records, fbs_finding_free_v);
    fbs_free(account);
    fbs_aws_creds_release(&creds);
    fbs_scan_result_release(&r);
    return rc;
}

/* The distinct commits of a tips object, for hiding them from the walk. */
static const char **tip_commits(const json_t *tips, size_t *n)
{
    const char **v = fbs_calloc(json_object_size(tips) + 1, sizeof(char *));
    const char *k;
    json_t *x;
    size_t i;

    *n = 0;
    if (!v)
        return NULL;
    json_object_foreach((json_t *)tips, k, x)
    {
        const char *s = json_string_value(x);
        bool seen = false;

        for (i = 0; s && i < *n && !seen; i++)
            seen = !strcmp(v[i], s);
        if (s && !seen)
            v[(*n)++] = s;
    }
    return v;
}

static int run_git(struct sweep *sw, struct target_run *t, const struct fbs_store_claim *cl,
                   const struct spec *sp)
{
    struct fbs_store *store = sw->o->store;
    struct fbs_store_prior prior;
    git_repository *repo = NULL;
    json_t *old = NULL;
    char *clone = NULL;
    const char *location = sp->location, **hide = NULL;
    size_t nhide = 0;
    bool head_moved = false;
    int rc;

    memset(&prior, 0, sizeof(prior));
    if (!strcmp(sp->kind, "url")) {
        const char *cache = sw->o->cache_dir;

        const char *provider = json_string_value(json_object_get(sp->doc, "provider"));
        struct fbs_sweep_cred cred = {json_string_value(json_object_get(sp->doc, "token_env")),
                                      provider && !strcmp(provider, "gitlab") ? "oauth2"
                                                                              : "x-access-token",
                                      json_string_value(json_object_get(sp->doc, "api"))};

        rc = fbs_sweep_fetch_auth(&clone, cache, sp->location,
                                  provider && cred.token_env && cred.api ? &cred : NULL,
                                  sw->o->clone_timeout, sw->o->clone_stall);
        if (rc == FBS_ENOMEM)
            return rc;
        if (rc < 0)
            return dup_into(&t->failure, fbs_error_message());
        location = clone;
    }
    if (git_repository_open_ext(&repo, location, GIT_REPOSITORY_OPEN_NO_SEARCH, NULL) < 0) {
        rc = fbs_error_set(FBS_EIO, "cannot open the repository '%s': %s", location,
                           git_error_last() ? git_error_last()->message : "unknown error");
        rc = dup_into(&t->failure, fbs_error_message());
        goto done;
    }
    rc = fbs_sweep_tips(&t->tips, repo);
    if (rc < 0)
        goto done;
    pthread_mutex_lock(&sw->lock);
    rc = store->ops->scan_prior(store, cl->target_id, sw->id, &prior);
    pthread_mutex_unlock(&sw->lock);
    if (rc < 0)
        goto done;
    t->mode = "full";
    if (prior.found && !sw->o->full && prior.rules_hash && !strcmp(prior.rules_hash, sw->hash) &&
        prior.tips && (old = json_loads(prior.tips, 0, NULL)) != NULL) {
        if (json_equal(old, t->tips)) {
            t->mode = "unchanged";
        } else if (json_object_size(old) && fbs_sweep_history_grew(repo, old, t->tips) == 1) {
            t->mode = "incremental";
            hide = tip_commits(old, &nhide);
            if (!hide) {
                rc = fbs_error_set(FBS_ENOMEM, "out of memory");
                goto done;
            }
        }
    }
    if (strcmp(t->mode, "full")) {
        rc = carry_over(sw, &t->found, cl->target_id, &prior,
                        !strcmp(t->mode, "incremental") ? repo : NULL, &head_moved);
        if (rc < 0)
            goto done;
        if (head_moved) { /* custody changed: read it all again */
            found_list_release(&t->found);
            t->mode = "full";
        }
    }
    if (strcmp(t->mode, "unchanged"))
        rc = run_pipeline(sw, t, sp, location, !strcmp(t->mode, "incremental") ? hide : NULL,
                          !strcmp(t->mode, "incremental") ? nhide : 0);
done:
    fbs_free(hide);
    json_decref(old);
    fbs_store_prior_release(&prior);
    git_repository_free(repo);
    fbs_free(clone);
    return rc;
}

static char *dumps_or_null(const json_t *j)
{
    return j ? dumps_owned(j) : NULL;
}

/* Run one claimed target scan and record it. 0, or a fatal error. */
static int process(struct sweep *sw, const struct fbs_store_claim *cl)
{
    struct fbs_store *store = sw->o->store;
    struct target_run t;
    struct spec sp;
    struct fbs_store_found *view = NULL;
    char *tips = NULL, *errors = NULL;
    size_t i;
    int rc;

    memset(&t, 0, sizeof(t));
    t.complete = true;
    t.errors = json_array();
    rc = spec_parse(&sp, cl->spec);
    if (rc == FBS_ENOMEM || !t.errors) {
        rc = fbs_error_set(FBS_ENOMEM, "out of memory");
        goto done;
    }
    if (rc < 0)
        rc = dup_into(&t.failure, fbs_error_message());
    else if (sp.error)
        rc = dup_into(&t.failure, sp.error);
    else if (!strcmp(sp.kind, "aws"))
        t.mode = "full", rc = run_aws(sw, &t, &sp);
    else if (!strcmp(sp.kind, "inventory"))
        t.mode = "full", rc = run_inventory(sw, &t, &sp);
    else if (!strcmp(sp.kind, "path"))
        t.mode = "full", rc = run_pipeline(sw, &t, &sp, sp.location, NULL, 0);
    else
        rc = run_git(sw, &t, cl, &sp);
    if (rc == 1) { /* interrupted */
        rc = 0;
        goto done;
    }
    if (rc < 0 && rc != FBS_ENOMEM && !t.failure)
        rc = dup_into(&t.failure, fbs_error_message()); /* e.g. a revision that vanished */
    if (rc < 0 && rc == FBS_ENOMEM)
        goto done;
    rc = 0;
    if (t.failure) {
        json_array_append_new(
            t.errors, json_pack("{s:s, s:s}", "kind", "target_failed", "message", t.failure));
        errors = dumps_or_null(t.errors);
        pthread_mutex_lock(&sw->lock);
        rc = store->ops->scan_fail(store, cl->scan_id, errors, fbs_time_now());
        sw->mine++;
        sw->prog.failed++;
        sw->prog.done++;
        sw->prog.current = cl->display;
        if (sw->o->progress)
            sw->o->progress(&sw->prog, sw->o->payload);
        pthread_mutex_unlock(&sw->lock);
        outcome(sw, cl->display, NULL, t.failure, true, 0);
        goto done;
    }
    view = fbs_calloc(t.found.n ? t.found.n : 1, sizeof(*view));
    tips = dumps_or_null(t.tips);
    errors = dumps_or_null(t.errors);
    if (!view || (t.tips && !tips) || !errors) {
        rc = fbs_error_set(FBS_ENOMEM, "out of memory");
        goto done;
    }
    for (i = 0; i < t.found.n; i++)
        view[i] = t.found.v[i].f;
    {
        struct fbs_store_commit cm = {cl->scan_id, fbs_time_now(), t.mode,  tips, t.complete,
                                      errors,      t.blobs,        t.bytes, view, t.found.n};

        pthread_mutex_lock(&sw->lock);
        rc = store->ops->scan_commit(store, sw->id, &cm);
        if (rc == 0) {
            sw->mine++;
            sw->prog.done++;
            sw->prog.findings += t.found.n;
            sw->partial += !t.complete;
            sw->prog.current = cl->display;
            if (sw->o->progress)
                sw->o->progress(&sw->prog, sw->o->payload);
        }
        pthread_mutex_unlock(&sw->lock);
    }
    if (rc == 0)
        outcome(sw, cl->display, t.mode,
                json_array_size(t.errors)
                    ? json_string_value(json_object_get(json_array_get(t.errors, 0), "message"))
                    : NULL,
                false, t.found.n);
done:
    fbs_free(view);
    fbs_free(tips);
    fbs_free(errors);
    json_decref(t.tips);
    json_decref(t.errors);
    fbs_free(t.failure);
    found_list_release(&t.found);
    spec_release(&sp);
    return rc;
}

static void set_fatal(struct sweep *sw, int rc)
{
    pthread_mutex_lock(&sw->lock);
    if (!sw->fatal) {
        sw->fatal = rc;
        snprintf(sw->fatal_msg, sizeof(sw->fatal_msg), "%s", fbs_error_message());
    }
    pthread_mutex_unlock(&sw->lock);
}

/*
 * A worker with nothing to claim while other workers hold target scans waits (WAIT_NS) and
 * tries again: if one of them dies, its targets are claimed again here once
 * its lease expired. True while something is still held; false when all are done or failed.
 */
static bool others_running(struct sweep *sw)
{
    struct fbs_store *store = sw->o->store;
    struct fbs_store_sweep row;
    struct timespec until;
    bool more = false;
    int rc;

    pthread_mutex_lock(&sw->lock);
    rc = store->ops->sweep_get(store, sw->id, &row);
    if (rc < 0) {
        pthread_mutex_unlock(&sw->lock);
        set_fatal(sw, rc);
        return false;
    }
    more = rc == 1 && row.ndone + row.nfailed < row.ntargets;
    if (more && !sw->stop) {
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_nsec += WAIT_NS;
        if (until.tv_nsec >= 1000000000L) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&sw->stop_cv, &sw->lock, &until);
    }
    more = more && !sw->stop && !sw->fatal && !(sw->o->cancel && atomic_load(sw->o->cancel));
    pthread_mutex_unlock(&sw->lock);
    return more;
}

static void *worker(void *arg)
{
    struct sweep *sw = arg;
    struct fbs_store *store = sw->o->store;

    for (;;) {
        struct fbs_store_claim cl;
        int rc;

        pthread_mutex_lock(&sw->lock);
        if (sw->fatal || (sw->o->cancel && atomic_load(sw->o->cancel))) {
            pthread_mutex_unlock(&sw->lock);
            break;
        }
        /* A scan whose worker died too often is failed rather than claimed again. */
        rc = store->ops->scan_expire(store, sw->id, fbs_time_now(), sw->max_attempts);
        if (rc > 0) {
            sw->prog.failed += (size_t)rc;
            sw->prog.done += (size_t)rc;
        }
        if (rc >= 0)
            rc = store->ops->scan_claim(store, sw->id, sw->owner, fbs_time_now(), sw->lease, &cl);
        if (rc == 1) {
            sw->prog.current = cl.display;
            if (sw->o->progress)
                sw->o->progress(&sw->prog, sw->o->payload);
        }
        pthread_mutex_unlock(&sw->lock);
        if (rc < 0)
            set_fatal(sw, rc);
        if (rc == 0 && sw->o->work && others_running(sw))
            continue; /* a worker elsewhere may die: its targets come back when leases expire */
        if (rc != 1)
            break;
        rc = process(sw, &cl);
        fbs_store_claim_release(&cl);
        if (rc < 0) {
            set_fatal(sw, rc);
            break;
        }
    }
    return NULL;
}

/* The heartbeat: every lease/3 seconds, extend the leases this process holds. A failure is not
 * fatal here (the scan's commit will say what is wrong); the lease then simply runs out. */
static void *heartbeat(void *arg)
{
    struct sweep *sw = arg;
    struct fbs_store *store = sw->o->store;
    int64_t every_ms = sw->lease * 1000 / 3; /* a third of the lease */

    pthread_mutex_lock(&sw->lock);
    while (!sw->stop) {
        struct timespec until;

        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += (time_t)(every_ms / 1000);
        until.tv_nsec += (long)(every_ms % 1000) * 1000000L;
        if (until.tv_nsec >= 1000000000L) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&sw->stop_cv, &sw->lock, &until);
        if (!sw->stop)
            store->ops->scan_extend(store, sw->id, sw->owner, fbs_time_now(), sw->lease);
    }
    pthread_mutex_unlock(&sw->lock);
    return NULL;
}

static int count_partial(const struct fbs_store_scan_row *r, void *payload)
{
    *(size_t *)payload += !strcmp(r->status, "done") && !r->complete;
    return 0;
}

/* Sweep `id` for a worker: given, else the latest unfinished one; same rules and policy. */
static int work_sweep(struct sweep *sw, struct fbs_store_sweep *row)
{
    struct fbs_store *store = sw->o->store;
    int rc = store->ops->sweep_get(store, sw->o->sweep_id ? sw->o->sweep_id : -1, row);

    if (rc == 0)
        return sw->o->sweep_id ? fbs_error_set(FBS_ENOTFOUND, "no sweep %lld in the datastore",
                                               (long long)sw->o->sweep_id)
                               : fbs_error_set(FBS_ENOTFOUND,
                                               "no unfinished sweep to work on (run 'sweep plan' "
                                               "first)");
    if (rc < 0)
        return rc;
    if (strcmp(row->rules_hash, sw->hash))
        return fbs_error_set(FBS_EINVAL,
                             "sweep %lld was planned under other rules or another policy: give "
                             "the workers the same configuration, rules and policy as the plan",
                             (long long)row->id);
    sw->id = row->id;
    sw->now = row->now;
    return 0;
}

int fbs_sweep_run(struct fbs_sweep_summary *out, const struct fbs_sweep_opts *o)
{
    struct fbs_store *store = o->store;
    struct fbs_store_sweep row;
    struct sweep sw;
    pthread_t *threads = NULL, beat;
    bool *started = NULL, beating = false;
    unsigned i, jobs = o->jobs ? o->jobs : 1;
    char host[64] = "localhost";
    int rc;

    memset(out, 0, sizeof(*out));
    memset(&sw, 0, sizeof(sw));
    sw.o = o;
    sw.now = o->now;
    sw.lease = o->lease > 0 ? o->lease : LEASE_SECONDS;
    sw.max_attempts = o->max_attempts ? o->max_attempts : MAX_ATTEMPTS;
    pthread_mutex_init(&sw.lock, NULL);
    pthread_cond_init(&sw.stop_cv, NULL);
    gethostname(host, sizeof(host) - 1);
    snprintf(sw.owner, sizeof(sw.owner), "%s:%ld", host, (long)getpid());
    rc = fbs_sweep_rules_hash(sw.hash, o->rules, o->policy_json);
    if (rc == 0 && o->verify) {
        /* Verified records differ from unverified ones: switching --verify (or its internal
         * endpoints) on or off reads every target again once. */
        rc = fbs_sweep_hash_mix(sw.hash, o->verify->internal ? "verify internal" : "verify");
        sw.vopts = *o->verify;
        sw.vcache.key = vcache_key;
        sw.vcache.get = vcache_get;
        sw.vcache.put = vcache_put;
        sw.vcache.payload = &sw;
        sw.vopts.cache = &sw.vcache;
    }
    if (rc < 0)
        goto done;
    if (o->work) {
        rc = work_sweep(&sw, &row);
    } else if (o->resume) {
        rc = store->ops->sweep_get(store, -1, &row);
        if (rc == 0)
            rc = fbs_error_set(FBS_ENOTFOUND, "no unfinished sweep to resume");
        if (rc < 0)
            goto done;
        if (strcmp(row.rules_hash, sw.hash)) {
            rc = fbs_error_set(FBS_EINVAL,
                               "sweep %lld ran under other rules or another policy: resume it "
                               "with the same ones, or start a new sweep",
                               (long long)row.id);
            goto done;
        }
        sw.id = row.id;
        sw.now = row.now; /* the sweep's reference time, whatever this run's clock says */
        rc = store->ops->scan_release_all(store, sw.id);
    } else {
        struct fbs_store_sweep s;

        memset(&s, 0, sizeof(s));
        s.started = fbs_time_now();
        s.now = o->now;
        s.tool_version = o->tool_version;
        s.rules_hash = sw.hash;
        s.config = o->config_path;
        rc = store->ops->sweep_begin(store, &s, &sw.id);
        if (rc == 0)
            rc = plan(&sw);
    }
    if (rc < 0)
        goto done;
    rc = store->ops->sweep_get(store, sw.id, &row);
    if (rc < 0)
        goto done;
    if (o->plan_only) { /* the workers do the rest */
        out->sweep_id = sw.id;
        out->targets = (size_t)row.ntargets;
        out->done = (size_t)row.ndone;
        out->failed = (size_t)row.nfailed;
        goto done;
    }
    sw.prog.total = (size_t)row.ntargets;
    sw.prog.done = (size_t)(row.ndone);
    sw.prog.findings = (size_t)row.nfindings;
    threads = fbs_calloc(jobs, sizeof(*threads));
    started = fbs_calloc(jobs, sizeof(*started));
    if (!threads || !started) {
        rc = fbs_error_set(FBS_ENOMEM, "out of memory");
        goto done;
    }
    beating = pthread_create(&beat, NULL, heartbeat, &sw) == 0;
    /* The calling thread is worker 0. */
    for (i = 1; i < jobs; i++)
        started[i] = pthread_create(&threads[i], NULL, worker, &sw) == 0;
    worker(&sw);
    for (i = 1; i < jobs; i++)
        if (started[i])
            pthread_join(threads[i], NULL);
    if (beating) {
        pthread_mutex_lock(&sw.lock);
        sw.stop = true;
        pthread_cond_broadcast(&sw.stop_cv);
        pthread_mutex_unlock(&sw.lock);
        pthread_join(beat, NULL);
    }
    out->mine = sw.mine;
    if (sw.fatal || (o->cancel && atomic_load(o->cancel))) {
        /* What this process still holds goes back to the queue at once (lease expired). */
        store->ops->scan_extend(store, sw.id, sw.owner, 0, 0);
    }
    if (sw.fatal) {
        rc = fbs_error_set(sw.fatal, "%s", sw.fatal_msg);
        if (!o->work) /* other workers may still finish a shared sweep */
            store->ops->sweep_finish(store, sw.id, "interrupted", fbs_time_now());
        out->sweep_id = sw.id;
        goto done;
    }
    rc = store->ops->sweep_get(store, sw.id, &row);
    if (rc < 0)
        goto done;
    out->sweep_id = sw.id;
    out->targets = (size_t)row.ntargets;
    out->done = (size_t)row.ndone;
    out->failed = (size_t)row.nfailed;
    out->findings = (size_t)row.nfindings;
    out->interrupted = out->done + out->failed < out->targets;
    out->partial = sw.partial;
    out->incomplete = out->failed > 0 || sw.partial > 0;
    if (o->work && out->interrupted && !(o->cancel && atomic_load(o->cancel))) {
        /* Nothing left to claim; other workers hold the rest: they finish the sweep. */
        out->running = out->targets - out->done - out->failed;
        out->interrupted = false;
        goto done;
    }
    if (o->work) { /* the last worker finishes the sweep: all workers' partial scans count */
        size_t partial = 0;

        rc = store->ops->scans(store, sw.id, count_partial, &partial);
        if (rc < 0)
            goto done;
        out->incomplete = out->incomplete || partial > 0;
    }
    rc = store->ops->sweep_finish(store, sw.id,
                                  out->interrupted  ? "interrupted"
                                  : out->incomplete ? "incomplete"
                                                    : "done",
                                  out->interrupted ? 0 : fbs_time_now());
done:
    fbs_free(threads);
    fbs_free(started);
    pthread_cond_destroy(&sw.stop_cv);
    pthread_mutex_destroy(&sw.lock);
    return rc < 0 ? rc : 0;
}
