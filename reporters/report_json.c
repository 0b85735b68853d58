/*
 * report_json.c - the JSON report (schema v1, docs/report-v1.schema.json) and JSON Lines.
 *
 * json: one document, written at end(): schema, schema_version, tool, scan (now, targets,
 * target_info, policy, stats, diagnostics), findings, summary. jsonl: one finding object per line
 * as they come, then a last line with everything but the findings. Unknown values are null, never
 * invented.
 */
#include "redact.h"
#include "group.h"
#include "reporter.h"
#include "../scanner/core/alloc.h"
#include "../scanner/core/error.h"
#include "../scanner/core/text.h"

#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <string.h>

#include "../scanner/core/banned.h"

#define SCHEMA_ID "fallback-scan/report/v1"
/* Additions within v1 (docs/report.md, "Versions"): a v1 reader ignores what it does not know. */
#define SCHEMA_VERSION "1.1"

struct json_state {
    const struct fbs_report_opts *opts;
    const struct fbs_report_info *info;
    bool lines;
    json_t *findings;
    json_t *by_kind;
    json_t *by_severity;
    size_t nfindings, nfallback, nstanding;
    bool any_verdict;
    int rc;
    struct fbs_groups groups; /* json: related findings (group.h), in the order of findings */
};

/* A JSON string from bytes that may not be UTF-8; NULL gives null. */
static json_t *jstr(const char *s)
{
    return s ? fbs_json_text(s, strlen(s)) : json_null();
}

static json_t *jtime(bool has, fbs_time_t t)
{
    char iso[FBS_TIME_ISO_LEN];

    if (!has)
        return json_null();
    fbs_time_format(iso, t);
    return json_string(iso);
}

static json_t *redacted_json(const struct fbs_finding *f)
{
    struct fbs_buf b = FBS_BUF_INIT;
    json_t *v;

    if (!f->secret)
        return json_null();
    if (fbs_redact_finding_secret(&b, f) < 0)
        return NULL;
    v = json_stringn(b.ptr, b.len);
    fbs_buf_release(&b);
    return v;
}

static json_t *snippet_json(const struct fbs_finding *f, bool show)
{
    struct fbs_buf b = FBS_BUF_INIT;
    json_t *v;

    if (!f->line_text)
        return json_null();
    if (fbs_redact_snippet(&b, f->line_text, f->line_secret_start, f->line_secret_len, show) < 0)
        return NULL;
    v = json_stringn(b.ptr, b.len);
    fbs_buf_release(&b);
    return v;
}

static json_t *secret_json(const struct fbs_finding *f)
{
    struct fbs_buf b = FBS_BUF_INIT;
    json_t *v;

    if (fbs_utf8_sanitize(&b, f->secret, f->secret_len) < 0)
        return NULL;
    v = json_stringn(b.ptr, b.len);
    fbs_buf_release(&b);
    return v;
}

/* The v1 finding object; NULL on ENOMEM. */
static json_t *finding_json(const struct fbs_finding *f, bool show_secrets)
{
    json_t *o = NULL, *cred, *loc, *ctx, *fb, *inds, *facts, *scores, *reasons, *v;
    size_t i;
    int d;

    o = json_object();
    if (!o)
        return NULL;
    json_object_set_new(o, "id", json_string(f->id));
    json_object_set_new(
        o, "rule", json_pack("{s:o, s:o}", "id", jstr(f->rule_id), "name", jstr(f->rule_name)));

    cred = json_object();
    json_object_set_new(cred, "kind", jstr(f->kind));
    json_object_set_new(cred, "redacted", redacted_json(f));
    if (show_secrets && f->secret)
        json_object_set_new(cred, "secret", secret_json(f));
    json_object_set_new(cred, "issued", jtime(f->has_issued, f->issued));
    json_object_set_new(cred, "expires", jtime(f->has_expires, f->expires));
    json_object_set_new(cred, "last_used", jtime(f->has_last_used, f->last_used));
    json_object_set_new(o, "credential", cred);

    loc = json_object();
    json_object_set_new(loc, "source", json_string(fbs_source_kind_name(f->source)));
    json_object_set_new(loc, "path", jstr(f->path));
    json_object_set_new(loc, "line", f->line ? json_integer(f->line) : json_null());
    json_object_set_new(loc, "column", f->line ? json_integer(f->column) : json_null());
    json_object_set_new(loc, "end_line", f->line ? json_integer(f->end_line) : json_null());
    json_object_set_new(loc, "end_column", f->line ? json_integer(f->end_column) : json_null());
    if (f->byte_offset >= 0) /* a secret in the printable runs of a binary blob */
        json_object_set_new(loc, "byte_offset",
                            json_pack("{s:I, s:I}", "start", (json_int_t)f->byte_offset, "length",
                                      (json_int_t)f->byte_length));
    json_object_set_new(loc, "commit", jstr(f->commit));
    json_object_set_new(loc, "author", jstr(f->author));
    json_object_set_new(loc, "committed", jtime(f->has_committed, f->committed));
    json_object_set_new(loc, "in_head", f->in_head < 0 ? json_null() : json_boolean(f->in_head));
    json_object_set_new(loc, "resource", jstr(f->resource));
    json_object_set_new(loc, "target", jstr(f->target_id));
    json_object_set_new(o, "location", loc);

    ctx = json_object();
    json_object_set_new(ctx, "key", jstr(f->key));
    json_object_set_new(ctx, "key_path", jstr(f->key_path));
    json_object_set_new(ctx, "snippet", snippet_json(f, show_secrets));
    json_object_set_new(o, "context", ctx);

    fb = json_object();
    inds = json_array();
    for (i = 0; i < f->nindicators; i++)
        json_array_append_new(inds,
                              json_pack("{s:o, s:o, s:o}", "term", jstr(f->indicators[i].term),
                                        "where", jstr(f->indicators[i].where), "weight",
                                        fbs_json_score(f->indicators[i].weight)));
    json_object_set_new(fb, "is_fallback", json_boolean(f->is_fallback));
    json_object_set_new(fb, "confidence", fbs_json_score(f->fallback_confidence));
    json_object_set_new(fb, "indicators", inds);
    json_object_set_new(o, "fallback", fb);

    facts = json_deep_copy(f->facts);
    if (!facts)
        facts = json_object();
    json_object_set_new(facts, "age_days", f->has_age ? json_integer(f->age_days) : json_null());
    json_object_set_new(facts, "valid_days",
                        f->has_valid ? json_integer(f->valid_days) : json_null());
    json_object_set_new(facts, "privilege", json_string(fbs_privilege_name(f->privilege)));
    json_object_set_new(facts, "custody", jstr(f->custody));
    /* --verify: its result is the finding's own `verification` object (schema 1.1), not a fact */
    if (json_object_get(facts, "verification")) {
        json_object_set(o, "verification", json_object_get(facts, "verification"));
        json_object_del(facts, "verification");
    }
    json_object_set_new(o, "facts", facts);

    scores = json_object();
    for (d = 0; d < FBS_DIM__COUNT; d++)
        json_object_set_new(scores, fbs_dim_name((enum fbs_dim)d),
                            fbs_finding_has_score(f, (enum fbs_dim)d) ? fbs_json_score(f->scores[d])
                                                                      : json_null());
    json_object_set_new(o, "scores", scores);

    if (f->risk >= 0 && f->severity)
        v = json_pack("{s:i, s:s}", "score", f->risk, "severity", f->severity);
    else
        v = json_null();
    json_object_set_new(o, "risk", v);
    json_object_set_new(o, "standing_access",
                        f->standing < 0 ? json_null() : json_boolean(f->standing));
    reasons = json_array();
    for (i = 0; i < f->nreasons; i++)
        json_array_append_new(reasons, jstr(f->reasons[i]));
    json_object_set_new(o, "reasons", reasons);
    if (f->fallback_advice && f->remediation) {
        struct fbs_buf r = FBS_BUF_INIT;

        json_object_set_new(o, "remediation",
                            fbs_buf_printf(&r, "%s %s", f->remediation, f->fallback_advice) < 0
                                ? json_null()
                                : json_string(r.ptr));
        fbs_buf_release(&r);
    } else {
        json_object_set_new(o, "remediation",
                            jstr(f->remediation ? f->remediation : f->fallback_advice));
    }
    json_object_set_new(
        o, "suppression",
        f->suppression
            ? json_pack("{s:s, s:o, s:o}", "kind", fbs_suppression_name(f->suppression), "reason",
                        jstr(f->suppression_reason), "source", jstr(f->suppression_source))
            : json_null());
    json_object_set_new(o, "baseline_state",
                        f->baseline == FBS_BASELINE_NONE  ? json_null()
                        : f->baseline == FBS_BASELINE_NEW ? json_string("new")
                                                          : json_string("unchanged"));
    return o;
}

static json_t *stats_json(const struct fbs_report_info *info)
{
    const struct fbs_stats *s = info->stats;
    json_t *skipped = json_object(), *views = json_object(), *o;
    int i;

    for (i = 0; i < FBS_VIEW__COUNT; i++)
        json_object_set_new(views, fbs_view_name((enum fbs_view)i),
                            json_integer((json_int_t)atomic_load(&s->views[i])));

    for (i = 0; i < FBS_SKIP__COUNT; i++)
        json_object_set_new(skipped, fbs_skip_name((enum fbs_skip)i),
                            json_integer((json_int_t)atomic_load(&s->skipped[i])));
    o = json_object();
    json_object_set_new(o, "blobs", json_integer((json_int_t)atomic_load(&s->blobs)));
    json_object_set_new(o, "bytes", json_integer((json_int_t)atomic_load(&s->bytes)));
    json_object_set_new(o, "seconds", json_real(round(s->seconds * 1000.0) / 1000.0));
    json_object_set_new(o, "files", json_integer((json_int_t)atomic_load(&s->files)));
    json_object_set_new(o, "commits", json_integer((json_int_t)atomic_load(&s->commits)));
    json_object_set_new(o, "findings", json_integer((json_int_t)atomic_load(&s->findings)));
    json_object_set_new(o, "rules", json_integer((json_int_t)info->nrules));
    json_object_set_new(o, "skipped", skipped);
    json_object_set_new(o, "views", views);
    json_object_set_new(o, "diagnostics", json_integer((json_int_t)atomic_load(&s->errors)));
    json_object_set_new(o, "incomplete", json_boolean(atomic_load(&s->errors) > 0));
    json_object_set_new(o, "suppressed",
                        json_pack("{s:I, s:I, s:I, s:I, s:I}", "placeholder",
                                  (json_int_t)atomic_load(&s->suppressed_placeholder), "reference",
                                  (json_int_t)atomic_load(&s->suppressed_reference), "ciphertext",
                                  (json_int_t)atomic_load(&s->suppressed_ciphertext), "inline",
                                  (json_int_t)atomic_load(&s->suppressed_inline), "ignore_file",
                                  (json_int_t)atomic_load(&s->suppressed_ignore_file)));
    return o;
}

/* What is known of one target (scan.target_info[i]); unknown fields are null. */
static json_t *target_json(const struct fbs_report_info *info, size_t i)
{
    const struct fbs_target *t = info->target_info ? &info->target_info[i] : NULL;

    return json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "id", jstr(t ? t->id : NULL),
                     "kind", t ? json_string(fbs_target_kind_name(t->kind)) : json_null(), "name",
                     fbs_json_target_name(info->targets[i]), "root", jstr(t ? t->root : NULL),
                     "remote", fbs_json_remote(t ? t->remote : NULL), "head_commit",
                     jstr(t ? t->revision : NULL), "branch", jstr(t ? t->branch : NULL), "account",
                     jstr(t ? t->account : NULL), "inventory", jstr(t ? t->inventory : NULL));
}

static json_t *scan_json(const struct fbs_report_info *info)
{
    json_t *scan = json_object(), *targets = json_array(), *diags = json_array();
    json_t *tinfo = json_array();
    char iso[FBS_TIME_ISO_LEN];
    size_t i;

    for (i = 0; i < info->ntargets; i++) {
        json_array_append_new(targets, fbs_json_target_name(info->targets[i]));
        json_array_append_new(tinfo, target_json(info, i));
    }
    if (info->diags) {
        for (i = 0; i < info->diags->items.len; i++) {
            const struct fbs_diag *d = info->diags->items.items[i];

            json_array_append_new(diags, json_pack("{s:o, s:o, s:o, s:b}", "kind", jstr(d->kind),
                                                   "path", jstr(d->path), "message",
                                                   jstr(d->message), "error", d->error));
        }
    }
    fbs_time_format(iso, info->now);
    json_object_set_new(scan, "now", json_string(iso));
    json_object_set_new(scan, "targets", targets);
    json_object_set_new(scan, "target_info", tinfo);
    json_object_set_new(scan, "policy",
                        info->policy ? json_deep_copy(info->policy) : json_object());
    json_object_set_new(scan, "stats", stats_json(info));
    json_object_set_new(scan, "diagnostics", diags);
    return scan;
}

static json_t *summary_json(struct json_state *st)
{
    return json_pack("{s:I, s:I, s:o, s:O, s:O}", "findings", (json_int_t)st->nfindings, "fallback",
                     (json_int_t)st->nfallback, "standing_access",
                     st->any_verdict ? json_integer((json_int_t)st->nstanding) : json_null(),
                     "by_kind", st->by_kind, "by_severity", st->by_severity);
}

static int begin_common(void **state, const struct fbs_report_opts *opts,
                        const struct fbs_report_info *info, bool lines)
{
    struct json_state *st = fbs_calloc(1, sizeof(*st));

    *state = NULL;
    if (!st)
        return fbs_error_set(FBS_ENOMEM, "out of memory");
    st->opts = opts;
    st->info = info;
    st->lines = lines;
    st->findings = json_array();
    st->by_kind = json_object();
    st->by_severity = json_object();
    if (!st->findings || !st->by_kind || !st->by_severity) {
        json_decref(st->findings);
        json_decref(st->by_kind);
        json_decref(st->by_severity);
        fbs_free(st);
        return fbs_error_set(FBS_ENOMEM, "out of memory");
    }
    *state = st;
    return 0;
}

static int json_begin(void **state, const struct fbs_report_opts *opts,
                      const struct fbs_report_info *info)
{
    return begin_common(state, opts, info, false);
}

static int jsonl_begin(void **state, const struct fbs_report_opts *opts,
                       const struct fbs_report_info *info)
{
    return begin_common(state, opts, info, true);
}

static void count(json_t *obj, const char *key)
{
    json_t *v = json_object_get(obj, key);

    json_object_set_new(obj, key, json_integer(v ? json_integer_value(v) + 1 : 1));
}

static int json_add(void *state, const struct fbs_finding *f)
{
    struct json_state *st = state;
    json_t *o = finding_json(f, st->opts->show_secrets);

    if (!o)
        return fbs_error_set(FBS_ENOMEM, "out of memory");
    st->nfindings++;
    st->nfallback += f->is_fallback;
    if (f->standing >= 0) {
        st->any_verdict = true;
        st->nstanding += f->standing == 1;
    }
    count(st->by_kind, f->kind ? f->kind : "unknown");
    if (f->severity)
        count(st->by_severity, f->severity);
    if (st->lines) {
        int rc = json_dumpf(o, st->opts->out,
                            JSON_COMPACT | JSON_ENSURE_ASCII | JSON_REAL_PRECISION(10));

        json_decref(o);
        if (rc < 0 || fputc('\n', st->opts->out) == EOF)
            return fbs_error_set(FBS_EIO, "cannot write the report: %s", strerror(errno));
        return 0;
    }
    if (fbs_groups_add(&st->groups, f) < 0) {
        json_decref(o);
        return FBS_ENOMEM;
    }
    return json_array_append_new(st->findings, o) < 0 ? fbs_error_set(FBS_ENOMEM, "out of memory")
                                                      : 0;
}

/* Each finding's "group": the id of the related findings it belongs to (group.h), or null. */
static int set_groups(struct json_state *st)
{
    json_t *o;
    size_t i;

    if (fbs_groups_finish(&st->groups) < 0)
        return FBS_ENOMEM;
    json_array_foreach(st->findings, i, o)
    {
        const char *g = fbs_groups_id(&st->groups, i);

        if (json_object_set_new(o, "group", g ? json_string(g) : json_null()) < 0)
            return fbs_error_set(FBS_ENOMEM, "out of memory");
    }
    return 0;
}

static int json_end(void *state)
{
    struct json_state *st = state;
    json_t *doc;
    int rc = 0;

    if (!st)
        return 0;
    doc = json_object();
    json_object_set_new(doc, "schema", json_string(SCHEMA_ID));
    json_object_set_new(doc, "schema_version", json_string(SCHEMA_VERSION));
    json_object_set_new(
        doc, "tool",
        json_pack("{s:s, s:s}", "name", "fallback-scan", "version", st->info->tool_version));
    json_object_set_new(doc, "scan", scan_json(st->info));
    if (!st->lines) {
        if (set_groups(st) < 0) {
            json_decref(doc);
            doc = NULL;
            rc = fbs_error_set(FBS_ENOMEM, "out of memory");
        } else {
            json_object_set(doc, "findings", st->findings);
        }
    }
    if (!doc)
        goto done;
    {
        json_t *summary = summary_json(st);
        const struct fbs_stats *s = st->info->stats;

        if (summary && st->info->absent) {
            json_t *b = json_pack(
                "{s:I, s:I, s:I, s:O, s:b}", "new", (json_int_t)atomic_load(&s->baseline_new),
                "unchanged", (json_int_t)atomic_load(&s->baseline_unchanged), "absent",
                (json_int_t)json_array_size(st->info->absent), "absent_findings",
                (json_t *)st->info->absent, "absent_assessed", st->info->partial == NULL);

            /* A partial scan cannot tell what is gone: say why absent was not assessed. */
            if (b && st->info->partial)
                json_object_set_new(b, "partial", json_string(st->info->partial));
            json_object_set_new(summary, "baseline", b);
        }
        json_object_set_new(doc, "summary", summary);
    }
    if (json_dumpf(doc, st->opts->out,
                   (st->lines ? JSON_COMPACT | JSON_ENSURE_ASCII : JSON_INDENT(2)) |
                       JSON_REAL_PRECISION(10)) < 0 ||
        fputc('\n', st->opts->out) == EOF)
        rc = fbs_error_set(FBS_EIO, "cannot write the report: %s", strerror(errno));
done:
    json_decref(doc);
    json_decref(st->findings);
    json_decref(st->by_kind);
    json_decref(st->by_severity);
    fbs_groups_release(&st->groups);
    fbs_free(st);
    return rc;
}

const struct fbs_reporter fbs_reporter_json = {
    .name = "json",
    .begin = json_begin,
    .add = json_add,
    .end = json_end,
};

const struct fbs_reporter fbs_reporter_jsonl = {
    .name = "jsonl",
    .begin = jsonl_begin,
    .add = json_add,
    .end = json_end,
};
