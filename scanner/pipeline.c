/*
 * pipeline.c - THE driver. Read this file first.
 *
 *   1. A source (sources/) walks the targets and calls on_blob() from worker threads, one blob at
 *      a time per worker, with the blob's bytes and provenance.
 *   2. on_blob() runs the matcher (match/) over the bytes with that worker's scratch: Vectorscan
 *      finds candidate ends for all rules in one pass, PCRE2 confirms them and extracts secrets,
 *      filters drop placeholders and references.
 *   3. Each match becomes a finding (model/finding.h): rule, secret, position, and the identity
 *      of its target (model/target.h: which repository, directory or account). While the blob is
 *      in memory the context and parser detectors (detectors/registry.c) add the key, comment
 *      and credential facts (certificate dates, JWT claims ...); the finding gets its salted
 *      fingerprint (scoped by the target) and joins the worker's list.
 *   4. When the source is done the lists are merged; the linkers pair findings that belong
 *      together (a certificate and its key); the dimension detectors and the scorer
 *      (detectors/scorer.c, under the policy) give each finding its scores, risk, severity and
 *      standing-access verdict with reasons. Cloud records join here (fbs_pipeline_add_records).
 *   5. fbs_pipeline_report() hands the sorted findings to a reporter (reporters/), which redacts
 *      what it prints.
 */
#include "pipeline.h"
#include "../detectors/detector.h"
#include "../detectors/verify.h"
#include "core/alloc.h"
#include "core/buf.h"
#include "core/error.h"
#include "core/text.h"
#include "match/match.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/banned.h"

struct worker {
    struct fbs_matcher *matcher;
    struct fbs_vec findings;
    struct fbs_buf view;       /* scratch: a blob's decoded or line-end-normalised text */
    struct fbs_buf strings;    /* scratch: a binary blob's printable runs */
    struct fbs_text_run *runs; /* where each printable run came from */
    size_t nruns, runs_cap;
    struct fbs_fp_memo *fp_memo; /* this thread's fingerprints (fbs_finding_fingerprint_memo) */
    struct unsettled *unsettled; /* findings whose blob's history was not final (settle_key) */
    size_t nunsettled, unsettled_cap;
};

struct unsettled {
    struct fbs_finding *f;
    uint32_t key;
};

struct run {
    const struct fbs_pipeline_opts *opts;
    struct fbs_scan_result *result;
    struct worker *workers;
    unsigned nworkers;
};

/* State for the matches of one blob: where we are in it, for line and column numbers. */
struct blob_scan {
    struct run *run;
    struct worker *worker;
    const struct fbs_blob *blob; /* what is matched: the blob or a view of it */
    size_t pos;                  /* offset already counted */
    unsigned line;               /* line number at pos */
    size_t line_start;
    bool char_columns;               /* columns count characters (transcoded text) */
    const struct fbs_text_run *runs; /* a strings view: no lines, byte offsets in the original */
    size_t nruns;
};

/* The number of UTF-8 characters (bytes that are not continuation bytes) in p[0, n). */
static size_t utf8_chars(const unsigned char *p, size_t n)
{
    size_t i, c = 0;

    for (i = 0; i < n; i++)
        c += (p[i] & 0xC0) != 0x80;
    return c;
}

/* Advance the line cursor to `off`; returns the 1-based line and sets the 1-based column. */
static unsigned locate(struct blob_scan *bs, size_t off, unsigned *column)
{
    const unsigned char *d = bs->blob->data;

    if (off < bs->pos) { /* matches come in start order, but secrets may precede; restart */
        bs->pos = 0;
        bs->line = 1;
        bs->line_start = 0;
    }
    while (bs->pos < off) {
        const unsigned char *nl = memchr(d + bs->pos, '\n', off - bs->pos);

        if (!nl) {
            bs->pos = off;
            break;
        }
        bs->line++;
        bs->pos = (size_t)(nl - d) + 1;
        bs->line_start = bs->pos;
    }
    *column = (unsigned)(bs->char_columns ? utf8_chars(d + bs->line_start, off - bs->line_start)
                                          : off - bs->line_start) +
              1;
    return bs->line;
}

/* The printable run of a strings view that holds offset `off` of the view. */
static const struct fbs_text_run *strings_run(const struct blob_scan *bs, size_t off)
{
    size_t lo = 0, hi = bs->nruns;

    while (hi - lo > 1) { /* the last run starting at or before off */
        size_t mid = lo + (hi - lo) / 2;

        if (bs->runs[mid].start <= off)
            lo = mid;
        else
            hi = mid;
    }
    return &bs->runs[lo];
}

/* Where the secret is: lines and columns, or byte offsets in a binary blob's strings view. */
static void place(struct blob_scan *bs, const struct fbs_match *m, struct fbs_finding *f)
{
    struct blob_scan end;
    size_t last = m->secret_end > m->secret_start ? m->secret_end - 1 : m->secret_start;

    if (bs->runs) { /* original offsets: a UTF-16LE run's characters are two bytes each */
        const struct fbs_text_run *ra = strings_run(bs, m->secret_start);
        const struct fbs_text_run *rb = strings_run(bs, last);
        size_t a = ra->origin + (m->secret_start - ra->start) * ra->width;
        size_t b = rb->origin + (last - rb->start + 1) * rb->width;

        f->line = f->column = f->end_line = f->end_column = 0;
        f->byte_offset = (int64_t)a;
        f->byte_length = (int64_t)(b > a ? b - a : 0);
        return;
    }
    f->line = locate(bs, m->secret_start, &f->column);
    end = *bs;
    f->end_line = locate(&end, last, &f->end_column);
    if (bs->char_columns) /* exclusive: one past the last character */
        f->end_column =
            (unsigned)utf8_chars(bs->blob->data + end.line_start, m->secret_end - end.line_start) +
            1;
    else
        f->end_column++; /* exclusive, like SARIF's endColumn */
}

/*
 * History facts the report carries: where the secret went, how widely it spread. First in the
 * finding's facts, in this order, also when they are settled after the detectors added theirs.
 */
static int set_history(struct fbs_finding *f, const struct fbs_provenance *p)
{
    json_t *facts = json_object(), *v;
    const char *k;

    if (!facts || fbs_finding_set_str(&f->removed_in, p->removed_in) < 0 ||
        (p->removed_in &&
         json_object_set_new(facts, "removed_in", json_string(p->removed_in)) < 0) ||
        json_object_set_new(facts, "other_locations",
                            json_integer((json_int_t)p->other_locations)) < 0)
        goto nomem;
    json_object_foreach(f->facts, k, v)
    {
        if (strcmp(k, "removed_in") && strcmp(k, "other_locations") &&
            json_object_set(facts, k, v) < 0)
            goto nomem;
    }
    json_decref(f->facts);
    f->facts = facts;
    return 0;
nomem:
    json_decref(facts);
    return FBS_ENOMEM;
}

static int make_finding(struct blob_scan *bs, const struct fbs_match *m, struct fbs_finding **out)
{
    const struct fbs_rule *r = m->rule;
    const struct fbs_blob *b = bs->blob;
    const struct fbs_provenance *p = b->prov;
    struct fbs_finding *f;
    int rc = FBS_ENOMEM;

    *out = NULL;
    f = fbs_finding_new();
    if (!f)
        return fbs_error_set(FBS_ENOMEM, "out of memory");
    if (fbs_finding_set_str(&f->rule_id, r->id) < 0 ||
        fbs_finding_set_str(&f->rule_name, r->name) < 0 ||
        fbs_finding_set_str(&f->kind, r->kind) < 0 ||
        fbs_finding_set_str(&f->remediation, r->remediation) < 0 ||
        fbs_finding_set_str(&f->verifier, r->verify) < 0 ||
        fbs_finding_set_str(&f->path, b->path) < 0 ||
        fbs_finding_set_str(&f->rel_path, b->rel_path) < 0 ||
        fbs_finding_set_str(&f->target, b->target) < 0 ||
        fbs_finding_set_secret(f, b->data + m->secret_start, m->secret_end - m->secret_start) < 0)
        goto fail;
    f->rule_fallback = r->fallback;
    f->rule_privilege = r->privilege;
    f->privilege = r->privilege;
    f->source = b->source;
    f->match_start = m->start;
    f->match_end = m->end;
    f->secret_start = m->secret_start;
    f->secret_end = m->secret_end;
    f->file_mtime = b->mtime;
    place(bs, m, f);
    if (p) {
        if (fbs_finding_set_str(&f->commit, p->commit) < 0 ||
            fbs_finding_set_str(&f->author, p->author) < 0 ||
            fbs_finding_set_str(&f->commit_message, p->message) < 0 || set_history(f, p) < 0)
            goto fail;
        f->committed = p->committed;
        f->has_committed = p->committed != 0;
        f->in_head = p->in_head;
        f->staged = p->staged;
    }
    *out = f;
    return 0;
fail:
    fbs_finding_free(f);
    return fbs_error_set(rc, "out of memory");
}

/* Give a finding its target's identity and fingerprint scope (fbs_pipeline_opts.targets). */
static int attach_target(struct fbs_finding *f, const struct fbs_pipeline_opts *o)
{
    const struct fbs_target *t = fbs_target_lookup(o->targets, o->ntargets, f->target);

    if (!t)
        return 0;
    if (fbs_finding_set_str(&f->target_id, t->id) < 0 ||
        fbs_finding_set_str(&f->target_scope, t->scope) < 0)
        return FBS_ENOMEM;
    return 0;
}

static void detect_ctx(struct fbs_detect_ctx *ctx, const struct fbs_pipeline_opts *o,
                       struct fbs_scan_result *r, const struct fbs_blob *blob)
{
    ctx->blob = blob;
    ctx->vocab = o->vocab;
    ctx->now = o->now;
    ctx->policy = o->policy;
    ctx->fallback_threshold = o->policy->fallback_threshold;
    ctx->diags = &r->diags;
}

static int on_match(const struct fbs_match *m, void *payload)
{
    struct blob_scan *bs = payload;
    struct worker *w = bs->worker;
    const uint32_t late = bs->blob->prov ? bs->blob->prov->settle_key : 0;
    const struct fbs_pipeline_opts *o = bs->run->opts;
    struct fbs_detect_ctx ctx;
    struct fbs_finding *f;
    int rc;

    rc = make_finding(bs, m, &f);
    if (rc == 0)
        rc = attach_target(f, o);
    if (rc < 0) {
        fbs_finding_free(f);
        return rc;
    }
    detect_ctx(&ctx, o, bs->run->result, bs->blob);
    rc = fbs_detectors_run_stages(f, &ctx, FBS_STAGE_CONTEXT, FBS_STAGE_PARSE);
    if (rc == 0)
        rc = fbs_finding_fingerprint_memo(f, o->fingerprint_salt, bs->worker->fp_memo);
    /* Room for it among the unsettled first: once in the list, the finding is the list's. */
    if (rc == 0 && late)
        rc = fbs_array_grow((void **)&w->unsettled, &w->unsettled_cap, w->nunsettled + 1,
                            sizeof(*w->unsettled));
    if (rc == 0)
        rc = fbs_vec_push(&w->findings, f);
    if (rc < 0) {
        fbs_finding_free(f);
        return rc;
    }
    if (late)
        w->unsettled[w->nunsettled++] = (struct unsettled){f, late};
    atomic_fetch_add(&bs->run->result->stats.findings, 1);
    return 0;
}

/*
 * A rule that hit a PCRE2 resource limit may have missed matches near where it failed (the
 * matcher resumed further on): an error diagnostic naming the rule, the file and the limit.
 */
static void report_regex_errors(struct run *run, struct worker *w, const struct fbs_blob *view)
{
    const struct fbs_regex_error *e;
    size_t i, n;
    char msg[256];

    e = fbs_matcher_regex_errors(w->matcher, &n);
    for (i = 0; i < n; i++)
        fbs_diags_add(&run->result->diags, true, "regex_limit", view->path,
                      "rule '%s' hit PCRE2's %s (%u time%s, the first in a search from offset "
                      "%zu); %s",
                      e[i].rule->id, fbs_regex_error_name(e[i].code, msg, sizeof(msg)), e[i].count,
                      e[i].count == 1 ? "" : "s", e[i].offset,
                      e[i].gave_up ? "the rule was given up for the rest of the file"
                                   : "its search resumed on the next line, so matches of it "
                                     "there may be missing");
}

/* Match one view of a blob (the blob itself, or text made from it). */
static int scan_view(struct run *run, struct worker *w, const struct fbs_blob *view, bool binary,
                     struct blob_scan *bs)
{
    struct fbs_match_opts mopts = {.binary = binary, .all_matches = false, .path = view->rel_path};
    int rc;

    rc = fbs_matcher_scan(w->matcher, view->data, view->len, &mopts, on_match, bs);
    report_regex_errors(run, w, view);
    if (rc == FBS_EINTERNAL) {
        fbs_diags_add(&run->result->diags, true, "match_failed", view->path, "%s",
                      fbs_error_message());
        return 0;
    }
    return rc;
}

/*
 * A binary blob: the binary rules over its bytes, then the text rules over its printable runs
 * (strings(1) with runs of STRINGS_MIN bytes), where findings are placed by byte offset.
 */
#define STRINGS_MIN 8

static int on_binary_blob(struct run *run, struct worker *w, const struct fbs_blob *blob)
{
    struct blob_scan bs = {run, w, blob, 0, 1, 0, false, NULL, 0};
    struct fbs_blob view = *blob;
    int rc = 0;

    if (run->opts->rules->db_binary)
        rc = scan_view(run, w, blob, true, &bs);
    if (rc)
        return rc;
    fbs_buf_truncate(&w->strings, 0);
    if (fbs_text_strings(&w->strings, &w->runs, &w->nruns, &w->runs_cap, blob->data, blob->len,
                         STRINGS_MIN) < 0)
        return fbs_error_set(FBS_ENOMEM, "out of memory");
    atomic_fetch_add(&run->result->stats.views[FBS_VIEW_BINARY_STRINGS], 1);
    if (!w->nruns)
        return 0;
    view.data = (const unsigned char *)w->strings.ptr;
    view.len = w->strings.len;
    view.binary = false;
    bs.blob = &view;
    bs.runs = w->runs;
    bs.nruns = w->nruns;
    return scan_view(run, w, &view, false, &bs);
}

static int on_blob(const struct fbs_blob *blob, unsigned worker, void *payload)
{
    struct run *run = payload;
    struct worker *w = &run->workers[worker];
    struct fbs_blob view = *blob;
    struct blob_scan bs = {run, w, &view, 0, 1, 0, false, NULL, 0};
    enum fbs_text_encoding enc;
    size_t bom;

    if (blob->binary)
        return on_binary_blob(run, w, blob);
    /* UTF-16/32 text is matched as UTF-8; old Mac line ends (lone CR) as LF, so that lines
     * count on CR, LF and CR LF alike and every detector sees the same lines. */
    enc = fbs_text_encoding(blob->data, blob->len, &bom);
    if (enc != FBS_ENC_BYTES) {
        fbs_buf_truncate(&w->view, 0);
        if (fbs_text_decode(&w->view, blob->data + bom, blob->len - bom, enc) < 0)
            return fbs_error_set(FBS_ENOMEM, "out of memory");
        fbs_lone_cr_to_lf((unsigned char *)w->view.ptr, w->view.len);
        view.data = (const unsigned char *)w->view.ptr;
        view.len = w->view.len;
        bs.char_columns = true;
        atomic_fetch_add(&run->result->stats.views[enc == FBS_ENC_UTF16LE || enc == FBS_ENC_UTF16BE
                                                       ? FBS_VIEW_UTF16
                                                       : FBS_VIEW_UTF32],
                         1);
    } else if (fbs_has_lone_cr(blob->data, blob->len)) {
        fbs_buf_truncate(&w->view, 0);
        if (fbs_buf_put(&w->view, blob->data, blob->len) < 0)
            return fbs_error_set(FBS_ENOMEM, "out of memory");
        fbs_lone_cr_to_lf((unsigned char *)w->view.ptr, w->view.len);
        view.data = (const unsigned char *)w->view.ptr;
    }
    return scan_view(run, w, &view, false, &bs);
}

/* fbs_source_opts.settle: the final history facts of the findings made before the walk ended. */
static int on_settle(void *payload,
                     void (*final)(void *ctx, uint32_t key, struct fbs_provenance *p), void *ctx)
{
    struct run *run = payload;
    unsigned i;

    for (i = 0; i < run->nworkers; i++) {
        struct worker *w = &run->workers[i];
        size_t k;

        for (k = 0; k < w->nunsettled; k++) {
            struct fbs_provenance p;

            memset(&p, 0, sizeof(p));
            final(ctx, w->unsettled[k].key, &p);
            if (set_history(w->unsettled[k].f, &p) < 0)
                return fbs_error_set(FBS_ENOMEM, "out of memory");
        }
        w->nunsettled = 0;
    }
    return 0;
}

int fbs_scan_result_init(struct fbs_scan_result *r, bool list_skips)
{
    fbs_vec_init(&r->findings);
    r->absent = NULL;
    r->partial = NULL;
    fbs_stats_init(&r->stats);
    if (fbs_diags_init(&r->diags, &r->stats, list_skips) < 0)
        return fbs_error_set(FBS_EINTERNAL, "cannot initialise a mutex");
    return 0;
}

void fbs_scan_result_release(struct fbs_scan_result *r)
{
    json_decref(r->absent);
    r->absent = NULL;
    fbs_vec_release(&r->findings, fbs_finding_free_v);
    fbs_diags_release(&r->diags);
}

/* Link all findings, then score each (step 4 above), then sort them for the report. */
static int analyse(struct fbs_scan_result *r, const struct fbs_pipeline_opts *opts)
{
    struct fbs_finding *const *fs = (struct fbs_finding *const *)r->findings.items;
    struct fbs_detect_ctx ctx;
    size_t i;
    int rc;

    detect_ctx(&ctx, opts, r, NULL);
    rc = fbs_detectors_link(fs, r->findings.len, &ctx);
    if (rc == 0) { /* findings a linker merged into another */
        size_t kept = 0;

        for (i = 0; i < r->findings.len; i++) {
            if (fs[i]->drop) {
                fbs_finding_free(fs[i]);
                atomic_fetch_sub(&r->stats.findings, 1);
            } else {
                r->findings.items[kept++] = fs[i];
            }
        }
        r->findings.len = kept;
    }
    if (rc == 0 && opts->verify) {
        rc = fbs_verify_run((struct fbs_finding *const *)r->findings.items, r->findings.len, &ctx,
                            opts->verify);
        if (rc < 0 && rc != FBS_ENOMEM) { /* no libcurl, a bad override: said, the scan goes on */
            fbs_diags_add(&r->diags, true, "verify", NULL, "--verify: %s", fbs_error_message());
            rc = 0;
        }
    }
    for (i = 0; rc == 0 && i < r->findings.len; i++)
        rc = fbs_detectors_run_stages(fs[i], &ctx, FBS_STAGE_DIMENSION, FBS_STAGE_SCORE);
    if (rc == 0)
        fbs_vec_sort(&r->findings, fbs_finding_cmp);
    return rc;
}

int fbs_pipeline_add_records(struct fbs_scan_result *r, const struct fbs_pipeline_opts *opts,
                             struct fbs_vec *records)
{
    struct fbs_detect_ctx ctx;
    size_t i, n = records->len;
    int rc = 0;

    detect_ctx(&ctx, opts, r, NULL);
    for (i = 0; rc == 0 && i < n; i++) {
        struct fbs_finding *f = records->items[i];

        rc = attach_target(f, opts);
        if (rc == 0)
            rc = fbs_detectors_run_stages(f, &ctx, FBS_STAGE_CONTEXT, FBS_STAGE_SCORE);
        if (rc == 0)
            rc = fbs_finding_fingerprint(f, opts->fingerprint_salt);
    }
    if (rc == 0)
        rc = fbs_vec_append_take(&r->findings, records);
    if (rc < 0)
        return rc;
    atomic_fetch_add(&r->stats.findings, n);
    atomic_fetch_add(&r->stats.records, n);
    fbs_vec_sort(&r->findings, fbs_finding_cmp);
    return fbs_pipeline_suppress(r, opts);
}

static int suppress_by_ignores(struct fbs_finding *f, const struct fbs_pipeline_opts *opts,
                               struct fbs_scan_result *r)
{
    struct fbs_ignore_entry *e, *expired;
    char day[FBS_TIME_ISO_LEN];

    e = fbs_ignores_match(opts->ignores, f, opts->now, &expired);
    if (!e && expired && !expired->reported_expired) {
        expired->reported_expired = true;
        fbs_time_format(day, expired->expires);
        day[10] = '\0';
        fbs_diags_notice(&r->diags, "ignore_entry_expired", expired->file,
                         "line %d: the entry '%s' expired on %s and no longer suppresses "
                         "findings (reason given: %s)",
                         expired->line, expired->pattern, day, expired->reason);
    }
    if (!e)
        return 0;
    f->suppression = FBS_SUPPRESSED_IGNORE_FILE;
    if (fbs_finding_set_str(&f->suppression_reason, e->reason) < 0)
        return FBS_ENOMEM;
    {
        struct fbs_buf src = FBS_BUF_INIT;
        int rc = fbs_buf_printf(&src, "%s:%d", e->file, e->line) < 0
                     ? FBS_ENOMEM
                     : fbs_finding_set_str(&f->suppression_source, src.ptr);

        fbs_buf_release(&src);
        if (rc < 0)
            return rc;
    }
    atomic_fetch_add(&r->stats.suppressed_ignore_file, 1);
    return 0;
}

/* What made the scan partial (see fbs_scan_result.partial), or NULL. */
static const char *scan_partial(const struct fbs_scan_result *r,
                                const struct fbs_pipeline_opts *opts)
{
    const struct fbs_source_opts *so = &opts->source_opts;

    if (so->staged)
        return "--staged";
    if (so->since_commit)
        return "--since-commit";
    if (so->range)
        return "--range";
    if (so->nbranches)
        return "--branch";
    if (so->nexcludes)
        return "--exclude";
    if (so->cancel && atomic_load(so->cancel))
        return "cancelled";
    if (atomic_load(&r->stats.errors))
        return "incomplete";
    return NULL;
}

int fbs_pipeline_suppress(struct fbs_scan_result *r, const struct fbs_pipeline_opts *opts)
{
    json_t *seen = NULL;
    size_t i;
    int rc = 0;

    r->partial = scan_partial(r, opts);
    if (opts->baseline && !(seen = json_object()))
        return fbs_error_set(FBS_ENOMEM, "out of memory");
    for (i = 0; i < r->findings.len && rc == 0; i++) {
        struct fbs_finding *f = r->findings.items[i];

        if (f->suppression == FBS_SUPPRESSED_INLINE)
            atomic_fetch_add(&r->stats.suppressed_inline, 1);
        if (!f->suppression && opts->ignores)
            rc = suppress_by_ignores(f, opts, r);
        if (rc == 0 && opts->baseline) {
            bool known = json_object_get(opts->baseline->known, f->id) != NULL;

            f->baseline = known ? FBS_BASELINE_UNCHANGED : FBS_BASELINE_NEW;
            atomic_fetch_add(known ? &r->stats.baseline_unchanged : &r->stats.baseline_new, 1);
            if (known && json_object_set_new(seen, f->id, json_true()) < 0)
                rc = FBS_ENOMEM;
        }
    }
    if (rc == 0 && opts->baseline) {
        const char *id;
        json_t *desc;

        json_decref(r->absent);
        r->absent = json_array();
        if (!r->absent)
            rc = FBS_ENOMEM;
        /* A partial scan did not look where the others are: it cannot say they are gone. */
        json_object_foreach(opts->baseline->known, id, desc)
        {
            if (rc || r->partial || json_object_get(seen, id))
                continue;
            if (json_array_append_new(r->absent,
                                      json_pack("{s:s, s:O}", "id", id, "finding", desc)) < 0)
                rc = FBS_ENOMEM;
        }
        atomic_store(&r->stats.baseline_absent, r->absent ? json_array_size(r->absent) : 0);
    }
    json_decref(seen);
    return rc < 0 ? fbs_error_set(FBS_ENOMEM, "out of memory") : 0;
}

static double seconds_since(const struct timespec *t0)
{
    struct timespec t1;

    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

int fbs_pipeline_run(struct fbs_scan_result *r, const struct fbs_pipeline_opts *opts)
{
    struct fbs_source_opts so = opts->source_opts;
    struct run run = {opts, r, NULL, 0};
    struct timespec t0;
    unsigned i;
    int rc = 0;

    clock_gettime(CLOCK_MONOTONIC, &t0);
    run.nworkers = so.threads ? so.threads : 1;
    run.workers = fbs_calloc(run.nworkers, sizeof(*run.workers));
    if (!run.workers)
        return fbs_error_set(FBS_ENOMEM, "out of memory");
    for (i = 0; i < run.nworkers; i++) {
        fbs_buf_init(&run.workers[i].view);
        fbs_buf_init(&run.workers[i].strings);
    }
    for (i = 0; i < run.nworkers; i++) {
        rc = fbs_matcher_new(&run.workers[i].matcher, opts->rules);
        if (rc == 0)
            rc = fbs_fp_memo_new(&run.workers[i].fp_memo);
        if (rc < 0)
            goto done;
    }
    so.threads = run.nworkers;
    so.stats = &r->stats;
    so.diags = &r->diags;
    so.scan_binary = true; /* binary blobs: binary rules, then text rules over printable runs */
    so.messages = true;    /* git: commit and tag messages are scanned too */
    so.ignores = opts->ignores;
    so.settle = on_settle;
    rc = opts->source->scan(&so, on_blob, &run);
    if (rc < 0)
        goto done;
    for (i = 0; i < run.nworkers; i++) {
        const struct fbs_match_counts *c = fbs_matcher_counts(run.workers[i].matcher);

        atomic_fetch_add(&r->stats.suppressed_placeholder, c->placeholder);
        atomic_fetch_add(&r->stats.suppressed_reference, c->reference);
        atomic_fetch_add(&r->stats.suppressed_ciphertext, c->ciphertext);
        if (c->overflow_blobs)
            fbs_diags_add(&r->diags, true, "too_many_hits", NULL,
                          "%llu blob(s) had more candidate matches than can be confirmed; "
                          "their tails were not checked",
                          (unsigned long long)c->overflow_blobs);
        rc = fbs_vec_append_take(&r->findings, &run.workers[i].findings);
        if (rc < 0)
            goto done;
    }
    rc = analyse(r, opts);
    if (rc == 0)
        rc = fbs_pipeline_suppress(r, opts);
    if (rc < 0)
        goto done;
    fbs_diags_sort(&r->diags);
done:
    for (i = 0; i < run.nworkers; i++) {
        fbs_matcher_free(run.workers[i].matcher);
        fbs_fp_memo_free(run.workers[i].fp_memo);
        fbs_free(run.workers[i].unsettled);
        fbs_vec_release(&run.workers[i].findings, fbs_finding_free_v);
        fbs_buf_release_wipe(&run.workers[i].view);
        fbs_buf_release_wipe(&run.workers[i].strings);
        fbs_free(run.workers[i].runs);
    }
    fbs_free(run.workers);
    r->stats.seconds = seconds_since(&t0);
    return rc;
}

bool fbs_finding_verified_live(const struct fbs_finding *f)
{
    const char *st =
        json_string_value(json_object_get(json_object_get(f->facts, "verification"), "status"));

    return st && !strcmp(st, "live");
}

bool fbs_report_filter_pass(const struct fbs_report_filter *flt, const struct fbs_finding *f)
{
    if (!flt)
        return true;
    if (f->suppression && !flt->show_suppressed)
        return false;
    if (flt->only_fallback && !f->is_fallback)
        return false;
    if (flt->only_verified && !fbs_finding_verified_live(f))
        return false;
    return flt->min_severity <= FBS_SEV_INFO ||
           fbs_severity_parse(f->severity) >= flt->min_severity;
}

int fbs_pipeline_report(const struct fbs_scan_result *r, const struct fbs_report_filter *flt,
                        const struct fbs_reporter *reporter, const struct fbs_report_opts *ropts,
                        const struct fbs_report_info *info)
{
    struct fbs_report_filter with_suppressed;
    void *state = NULL;
    size_t i;
    int rc;

    if (flt && reporter->wants_suppressed && !flt->show_suppressed) {
        with_suppressed = *flt;
        with_suppressed.show_suppressed = true;
        flt = &with_suppressed;
    }
    rc = reporter->begin(&state, ropts, info);
    if (rc < 0)
        return rc;
    for (i = 0; i < r->findings.len && rc == 0; i++)
        if (fbs_report_filter_pass(flt, r->findings.items[i]))
            rc = reporter->add(state, r->findings.items[i]);
    {
        int rc2 = reporter->end(state);

        return rc < 0 ? rc : rc2;
    }
}
