/*
 * report_html.c - one self-contained HTML page for auditors: evidence for an access review.
 *
 * The page holds the scan (time, targets, the policy in force, what was read and skipped, the
 * diagnostics), a summary (counts by severity, fallback, standing access) and every finding as a
 * card: standing-access findings first, then the other fallback credentials, then the rest (the
 * text report's order). Inline CSS only: no script, no font, no external resource; it prints.
 *
 * Scanned repositories are hostile input: every string that comes from them (paths, keys,
 * snippets, authors, commit messages, facts, reasons) is repaired to UTF-8 and HTML-escaped,
 * and secrets go through redact.h like every other report. Nothing scanned is ever written into
 * an attribute value. The tool version appears in a JSON block ("version": ...) so that golden
 * tests normalise it as they do for the JSON report.
 */
#include "redact.h"
#include "reporter.h"
#include "../scanner/core/alloc.h"
#include "../scanner/core/buf.h"
#include "../scanner/core/error.h"
#include "../scanner/core/text.h"
#include "../scanner/core/vec.h"

#include <errno.h>
#include <jansson.h>
#include <string.h>

#include "../scanner/core/banned.h"

#define FACTS_MAX_DEPTH 6

static const char *const severities[] = {"critical", "high", "medium", "low", "info"};
#define NSEV (sizeof(severities) / sizeof(severities[0]))

struct html_state {
    const struct fbs_report_opts *opts;
    const struct fbs_report_info *info;
    struct fbs_vec standing; /* char *: rendered cards */
    struct fbs_vec fallback;
    struct fbs_vec other;
    size_t nstanding;
    size_t by_severity[NSEV + 1]; /* the last: no or unknown severity */
    bool any_verdict;
};

/* ---- escaping ---- */

/* Append valid UTF-8 bytes, escaped for HTML text and attribute values. */
static int put_escaped_utf8(struct fbs_buf *b, const char *s, size_t n)
{
    size_t i, run = 0;
    int rc = 0;

    for (i = 0; i < n; i++) {
        const char *rep = NULL;
        unsigned char c = (unsigned char)s[i];

        switch (c) {
        case '&':
            rep = "&amp;";
            break;
        case '<':
            rep = "&lt;";
            break;
        case '>':
            rep = "&gt;";
            break;
        case '"':
            rep = "&quot;";
            break;
        case '\'':
            rep = "&#39;";
            break;
        case '\r': /* CRLF line ends */
            rep = "";
            break;
        default:
            /* C0 controls other than tab and newline, and DEL, are not text. */
            if ((c < 0x20 && c != '\t' && c != '\n') || c == 0x7f)
                rep = "\xef\xbf\xbd";
            break;
        }
        if (rep) {
            rc |= fbs_buf_put(b, s + run, i - run);
            rc |= fbs_buf_puts(b, rep);
            run = i + 1;
        }
    }
    rc |= fbs_buf_put(b, s + run, n - run);
    return rc ? FBS_ENOMEM : 0;
}

/* Append bytes that may be anything (scanned content), as escaped UTF-8. */
static int put_esc_n(struct fbs_buf *b, const char *s, size_t n)
{
    struct fbs_buf tmp = FBS_BUF_INIT;
    int rc;

    if (fbs_utf8_valid(s, n))
        return put_escaped_utf8(b, s, n);
    rc = fbs_utf8_sanitize(&tmp, s, n);
    if (rc == 0)
        rc = put_escaped_utf8(b, tmp.ptr ? tmp.ptr : "", tmp.len);
    fbs_buf_release(&tmp);
    return rc < 0 ? FBS_ENOMEM : 0;
}

/* A string or "–" for unknown. */
static int put_esc(struct fbs_buf *b, const char *s)
{
    return s ? put_esc_n(b, s, strlen(s)) : fbs_buf_puts(b, "<span class=\"none\">&ndash;</span>");
}

static int put_time(struct fbs_buf *b, bool has, fbs_time_t t)
{
    char iso[FBS_TIME_ISO_LEN];

    if (!has)
        return fbs_buf_puts(b, "<span class=\"none\">unknown</span>");
    fbs_time_format(iso, t);
    return fbs_buf_puts(b, iso);
}

/* The redacted secret (or, when asked and single-line, the secret), escaped. */
static int put_secret(struct fbs_buf *b, const struct fbs_finding *f, bool show)
{
    struct fbs_buf tmp = FBS_BUF_INIT;
    int rc;

    if (!f->secret)
        return put_esc(b, NULL);
    if (show && !memchr(f->secret, '\n', f->secret_len))
        rc = fbs_utf8_sanitize(&tmp, f->secret, f->secret_len);
    else
        rc = fbs_redact_finding_secret(&tmp, f);
    if (rc == 0)
        rc = put_escaped_utf8(b, tmp.ptr ? tmp.ptr : "", tmp.len);
    fbs_buf_release_wipe(&tmp);
    return rc < 0 ? FBS_ENOMEM : 0;
}

static int put_snippet(struct fbs_buf *b, const struct fbs_finding *f, bool show)
{
    struct fbs_buf tmp = FBS_BUF_INIT;
    int rc;

    rc = fbs_redact_snippet(&tmp, f->line_text, f->line_secret_start, f->line_secret_len, show);
    if (rc == 0)
        rc = put_escaped_utf8(b, tmp.ptr ? tmp.ptr : "", tmp.len);
    fbs_buf_release_wipe(&tmp);
    return rc < 0 ? FBS_ENOMEM : 0;
}

/* A JSON value from a parser's facts, as nested HTML; strings escaped. */
static int put_json(struct fbs_buf *b, const json_t *v, int depth)
{
    const char *k;
    json_t *item;
    size_t i;
    int rc = 0;

    if (depth > FACTS_MAX_DEPTH)
        return fbs_buf_puts(b, "&hellip;");
    switch (json_typeof(v)) {
    case JSON_STRING:
        return put_esc_n(b, json_string_value(v), json_string_length(v));
    case JSON_INTEGER:
        return fbs_buf_printf(b, "%lld", (long long)json_integer_value(v));
    case JSON_REAL:
        return fbs_buf_printf(b, "%.3g", json_real_value(v));
    case JSON_TRUE:
        return fbs_buf_puts(b, "yes");
    case JSON_FALSE:
        return fbs_buf_puts(b, "no");
    case JSON_NULL:
        return fbs_buf_puts(b, "<span class=\"none\">unknown</span>");
    case JSON_ARRAY:
        if (!json_array_size(v))
            return fbs_buf_puts(b, "<span class=\"none\">none</span>");
        rc |= fbs_buf_puts(b, "<ul>");
        json_array_foreach(v, i, item)
        {
            rc |= fbs_buf_puts(b, "<li>");
            rc |= put_json(b, item, depth + 1);
            rc |= fbs_buf_puts(b, "</li>");
        }
        rc |= fbs_buf_puts(b, "</ul>");
        break;
    case JSON_OBJECT:
        rc |= fbs_buf_puts(b, "<dl class=\"facts\">");
        json_object_foreach((json_t *)v, k, item)
        {
            rc |= fbs_buf_puts(b, "<dt>");
            rc |= put_esc(b, k);
            rc |= fbs_buf_puts(b, "</dt><dd>");
            rc |= put_json(b, item, depth + 1);
            rc |= fbs_buf_puts(b, "</dd>");
        }
        rc |= fbs_buf_puts(b, "</dl>");
        break;
    }
    return rc ? FBS_ENOMEM : 0;
}

/* ---- one finding ---- */

static int row(struct fbs_buf *b, const char *label)
{
    return fbs_buf_printf(b, "<tr><th>%s</th><td>", label);
}

static int end_row(struct fbs_buf *b)
{
    return fbs_buf_puts(b, "</td></tr>\n");
}

static int render_location(struct fbs_buf *b, const struct fbs_finding *f)
{
    int rc = 0;

    rc |= row(b, "Location");
    rc |= fbs_buf_puts(b, "<code>");
    rc |= put_esc(b, f->path ? f->path : f->resource);
    if (f->line)
        rc |= fbs_buf_printf(b, ":%u:%u", f->line, f->column);
    rc |=
        fbs_buf_printf(b, "</code> <span class=\"tag\">%s</span>", fbs_source_kind_name(f->source));
    if (f->path && f->resource) {
        rc |= fbs_buf_puts(b, "<br><code>");
        rc |= put_esc(b, f->resource);
        rc |= fbs_buf_puts(b, "</code>");
    }
    if (f->active >= 0)
        rc |= fbs_buf_puts(b, f->active ? " <span class=\"tag\">active</span>"
                                        : " <span class=\"tag\">inactive</span>");
    rc |= end_row(b);
    if (f->commit) {
        rc |= row(b, "Commit");
        rc |= fbs_buf_puts(b, "<code>");
        rc |= put_esc(b, f->commit);
        rc |= fbs_buf_puts(b, "</code> by ");
        rc |= put_esc(b, f->author);
        rc |= fbs_buf_puts(b, " on ");
        rc |= put_time(b, f->has_committed, f->committed);
        if (f->in_head >= 0)
            rc |= fbs_buf_puts(b, f->in_head ? "; still in HEAD" : "; no longer in HEAD");
        if (f->removed_in) {
            rc |= fbs_buf_puts(b, "; removed in <code>");
            rc |= put_esc(b, f->removed_in);
            rc |= fbs_buf_puts(b, "</code>");
        }
        if (f->commit_message) {
            rc |= fbs_buf_puts(b, "<pre class=\"msg\">");
            rc |= put_esc(b, f->commit_message);
            rc |= fbs_buf_puts(b, "</pre>");
        }
        rc |= end_row(b);
    }
    return rc ? FBS_ENOMEM : 0;
}

static int render_facts(struct fbs_buf *b, const struct fbs_finding *f)
{
    const char *k;
    json_t *v;
    int rc = 0;

    rc |= row(b, "Issued");
    rc |= put_time(b, f->has_issued, f->issued);
    rc |= end_row(b);
    if (f->has_age) {
        const char *from = json_string_value(json_object_get(f->facts, "age_from"));

        rc |= row(b, "Age");
        rc |= fbs_buf_printf(b, "%lld days", (long long)f->age_days);
        if (from) {
            rc |= fbs_buf_puts(b, " (from ");
            rc |= put_esc(b, from);
            rc |= fbs_buf_putc(b, ')');
        }
        rc |= end_row(b);
    }
    rc |= row(b, "Expires");
    if (f->has_expires)
        rc |= put_time(b, true, f->expires);
    else
        rc |= fbs_buf_puts(b, "<strong>no expiry known</strong>");
    if (f->has_valid)
        rc |= fbs_buf_printf(b, " (valid %lld days)", (long long)f->valid_days);
    rc |= end_row(b);
    if (f->has_last_used) {
        rc |= row(b, "Last used");
        rc |= put_time(b, true, f->last_used);
        rc |= end_row(b);
    }
    rc |= row(b, "Privilege");
    rc |= fbs_buf_puts(b, fbs_privilege_name(f->privilege));
    v = json_object_get(f->facts, "privilege_evidence");
    if (json_is_array(v) && json_array_size(v))
        rc |= put_json(b, v, 1);
    rc |= end_row(b);
    rc |= row(b, "Custody");
    rc |= put_esc(b, f->custody);
    rc |= end_row(b);
    if (json_object_size(f->facts) > (json_is_array(v) ? 1u : 0u)) {
        rc |= row(b, "Facts");
        rc |= fbs_buf_puts(b, "<dl class=\"facts\">");
        json_object_foreach(f->facts, k, v)
        {
            if (!strcmp(k, "privilege_evidence"))
                continue;
            rc |= fbs_buf_puts(b, "<dt>");
            rc |= put_esc(b, k);
            rc |= fbs_buf_puts(b, "</dt><dd>");
            rc |= put_json(b, v, 1);
            rc |= fbs_buf_puts(b, "</dd>");
        }
        rc |= fbs_buf_puts(b, "</dl>");
        rc |= end_row(b);
    }
    return rc ? FBS_ENOMEM : 0;
}

static int render(const struct html_state *st, const struct fbs_finding *f, struct fbs_buf *b)
{
    bool show = st->opts->show_secrets;
    size_t i;
    int rc = 0;

    rc |= fbs_buf_printf(b, "<article class=\"finding sev-%s%s\">\n<h3>",
                         f->severity ? f->severity : "none", f->standing == 1 ? " standing" : "");
    rc |= fbs_buf_printf(b, "<span class=\"badge\">%s</span> ",
                         f->standing == 1 ? "STANDING ACCESS"
                         : f->is_fallback ? "FALLBACK"
                                          : "SECRET");
    if (f->risk >= 0 && f->severity)
        rc |= fbs_buf_printf(b, "<span class=\"sev\">%s %d</span> ", f->severity, f->risk);
    rc |= put_esc(b, f->rule_name);
    rc |= fbs_buf_puts(b, " <code class=\"rule\">");
    rc |= put_esc(b, f->rule_id);
    rc |= fbs_buf_puts(b, "</code></h3>\n<table class=\"kv\">\n");

    rc |= row(b, "Kind");
    rc |= put_esc(b, f->kind);
    if (f->interactive)
        rc |= fbs_buf_puts(b, " (interactive login)");
    rc |= end_row(b);
    rc |= render_location(b, f);
    if (f->key || f->key_path) {
        rc |= row(b, "Key");
        rc |= fbs_buf_puts(b, "<code>");
        rc |= put_esc(b, f->key_path ? f->key_path : f->key);
        rc |= fbs_buf_puts(b, "</code>");
        if (f->key_path && f->key && strcmp(f->key, f->key_path)) {
            rc |= fbs_buf_puts(b, " (<code>");
            rc |= put_esc(b, f->key);
            rc |= fbs_buf_puts(b, "</code>)");
        }
        rc |= end_row(b);
    }
    rc |= row(b, show ? "Secret" : "Secret (redacted)");
    rc |= fbs_buf_puts(b, "<code>");
    rc |= put_secret(b, f, show);
    rc |= fbs_buf_puts(b, "</code>");
    rc |= end_row(b);
    if (f->line_text) {
        rc |= row(b, "Line");
        rc |= fbs_buf_puts(b, "<pre class=\"line\">");
        rc |= put_snippet(b, f, show);
        rc |= fbs_buf_puts(b, "</pre>");
        rc |= end_row(b);
    }
    rc |= row(b, "Fallback");
    rc |= fbs_buf_printf(b, "%s, confidence %.2f", f->is_fallback ? "yes" : "no",
                         f->fallback_confidence);
    if (f->nindicators) {
        rc |= fbs_buf_puts(b, "<ul>");
        for (i = 0; i < f->nindicators; i++) {
            rc |= fbs_buf_puts(b, "<li>");
            rc |= put_esc(b, f->indicators[i].term);
            rc |= fbs_buf_puts(b, " <span class=\"tag\">");
            rc |= put_esc(b, f->indicators[i].where);
            rc |= fbs_buf_printf(b, "</span> weight %.2f</li>", f->indicators[i].weight);
        }
        rc |= fbs_buf_puts(b, "</ul>");
    }
    rc |= end_row(b);
    rc |= render_facts(b, f);

    rc |= row(b, "Verdict");
    rc |= fbs_buf_puts(b, f->standing == 1   ? "<strong>standing access</strong>"
                          : f->standing == 0 ? "not standing access"
                                             : "<span class=\"none\">not assessed</span>");
    if (f->risk >= 0 && f->severity)
        rc |= fbs_buf_printf(b, "; risk %d (%s)", f->risk, f->severity);
    if (f->nreasons) {
        rc |= fbs_buf_puts(b, "<ul class=\"reasons\">");
        for (i = 0; i < f->nreasons; i++) {
            rc |= fbs_buf_puts(b, "<li>");
            rc |= put_esc(b, f->reasons[i]);
            rc |= fbs_buf_puts(b, "</li>");
        }
        rc |= fbs_buf_puts(b, "</ul>");
    }
    rc |= end_row(b);
    if (f->remediation || f->fallback_advice) {
        rc |= row(b, "Remediation");
        if (f->remediation)
            rc |= put_esc(b, f->remediation);
        if (f->remediation && f->fallback_advice)
            rc |= fbs_buf_putc(b, ' ');
        if (f->fallback_advice)
            rc |= put_esc(b, f->fallback_advice);
        rc |= end_row(b);
    }
    if (f->suppression) {
        rc |= row(b, "Suppressed");
        rc |= fbs_buf_puts(b, fbs_suppression_name(f->suppression));
        if (f->suppression_source) {
            rc |= fbs_buf_puts(b, " (<code>");
            rc |= put_esc(b, f->suppression_source);
            rc |= fbs_buf_puts(b, "</code>)");
        }
        rc |= fbs_buf_puts(b, ": ");
        rc |= put_esc(b, f->suppression_reason);
        rc |= end_row(b);
    }
    if (f->baseline) {
        rc |= row(b, "Baseline");
        rc |= fbs_buf_puts(b, f->baseline == FBS_BASELINE_NEW ? "new" : "unchanged");
        rc |= end_row(b);
    }
    rc |= row(b, "Finding id");
    rc |= fbs_buf_puts(b, "<code>");
    rc |= put_esc(b, f->id);
    rc |= fbs_buf_puts(b, "</code>");
    rc |= end_row(b);
    rc |= fbs_buf_puts(b, "</table>\n</article>\n");
    return rc ? FBS_ENOMEM : 0;
}

/* ---- the reporter ---- */

static int html_begin(void **state, const struct fbs_report_opts *opts,
                      const struct fbs_report_info *info)
{
    struct html_state *st = fbs_calloc(1, sizeof(*st));

    *state = st;
    if (!st)
        return fbs_error_set(FBS_ENOMEM, "out of memory");
    st->opts = opts;
    st->info = info;
    return 0;
}

static int html_add(void *state, const struct fbs_finding *f)
{
    struct html_state *st = state;
    struct fbs_buf b = FBS_BUF_INIT;
    size_t sev;
    char *s;

    if (render(st, f, &b) < 0) {
        fbs_buf_release(&b);
        return fbs_error_set(FBS_ENOMEM, "out of memory");
    }
    s = fbs_buf_detach(&b);
    if (!s || fbs_vec_push(f->standing == 1 ? &st->standing
                           : f->is_fallback ? &st->fallback
                                            : &st->other,
                           s) < 0) {
        fbs_free(s);
        return fbs_error_set(FBS_ENOMEM, "out of memory");
    }
    if (f->standing >= 0) {
        st->any_verdict = true;
        st->nstanding += f->standing == 1;
    }
    for (sev = 0; sev < NSEV; sev++)
        if (f->severity && !strcmp(f->severity, severities[sev]))
            break;
    st->by_severity[sev]++;
    return 0;
}

static const char css[] =
    "body{font:14px/1.45 system-ui,-apple-system,\"Segoe UI\",Helvetica,Arial,sans-serif;"
    "color:#1a1a1a;margin:2em auto;max-width:72em;padding:0 1em}\n"
    "h1{font-size:1.6em;margin-bottom:.2em}h2{border-bottom:2px solid #ccc;margin-top:1.6em}\n"
    "code,pre{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.92em}\n"
    "pre{white-space:pre-wrap;word-break:break-all;background:#f5f5f5;padding:.4em .6em;"
    "margin:.2em 0}\n"
    "table{border-collapse:collapse}th,td{text-align:left;vertical-align:top;padding:.2em .6em}\n"
    "table.grid th,table.grid td{border:1px solid #ccc}\n"
    "table.kv{width:100%}table.kv th{width:11em;color:#555;font-weight:600}\n"
    "table.kv td{word-break:break-word}\n"
    "ul{margin:.2em 0;padding-left:1.4em}dl.facts{margin:0}dl.facts dt{font-weight:600;"
    "float:left;clear:left;margin-right:.5em}dl.facts dd{margin:0 0 0 1em}\n"
    "dl.facts dt::after{content:\":\"}\n"
    "article.finding{border:1px solid #bbb;border-left:6px solid #888;margin:1em 0;"
    "padding:.3em .8em;break-inside:avoid;page-break-inside:avoid}\n"
    "article.finding h3{margin:.3em 0}\n"
    ".sev-critical{border-left-color:#8b0000!important}.sev-high{border-left-color:#d9480f"
    "!important}.sev-medium{border-left-color:#e6a700!important}.sev-low{border-left-color:"
    "#2f6fb0!important}\n"
    ".badge{font-size:.75em;border:1px solid currentColor;padding:.05em .4em;border-radius:3px}\n"
    ".standing .badge{color:#8b0000;font-weight:700}.sev{font-size:.8em;color:#555}\n"
    ".tag{font-size:.8em;color:#555;border:1px solid #ccc;padding:0 .3em;border-radius:3px}\n"
    ".none{color:#888}.warn{border:2px solid #b35c00;background:#fff4e5;padding:.5em 1em}\n"
    "code.rule{color:#555;font-size:.8em}\n"
    "@media print{body{margin:0;max-width:none;font-size:11pt}pre{background:none;"
    "border:1px solid #ccc}h2{break-after:avoid}}\n";

static void write_list(struct html_state *st, const char *anchor, const char *title,
                       struct fbs_vec *v)
{
    FILE *out = st->opts->out;
    size_t i;

    fprintf(out, "<section id=\"%s\">\n<h2>%s (%zu)</h2>\n", anchor, title, v->len);
    if (!v->len)
        fputs("<p class=\"none\">None.</p>\n", out);
    for (i = 0; i < v->len; i++)
        fputs(v->items[i], out);
    fputs("</section>\n", out);
}

/* Escaped text of anything (NULL as "-") straight to the file; 0 or FBS_ENOMEM. */
static int write_esc(FILE *out, const char *s)
{
    struct fbs_buf b = FBS_BUF_INIT;
    int rc = s ? put_esc_n(&b, s, strlen(s)) : fbs_buf_puts(&b, "-");

    if (rc == 0 && b.len)
        fwrite(b.ptr, 1, b.len, out);
    fbs_buf_release(&b);
    return rc < 0 ? FBS_ENOMEM : 0;
}

/*
 * The scan parameters as indented JSON in a <pre>: tool, version, --now, policy. Escaped for
 * element text (& < >): quotes stay, so that "version": ... reads as JSON and golden tests can
 * normalise it. The policy is configuration, not scanned content.
 */
static int dump_to_buf(const char *text, size_t size, void *data)
{
    return fbs_buf_put(data, text, size) < 0 ? -1 : 0;
}

static int write_parameters(FILE *out, const struct fbs_report_info *info)
{
    struct fbs_buf b = FBS_BUF_INIT;
    char iso[FBS_TIME_ISO_LEN];
    json_t *doc, *policy;
    size_t i;
    int rc;

    fbs_time_format(iso, info->now);
    policy = info->policy ? json_deep_copy(info->policy) : json_object();
    doc = policy ? json_pack("{s:s, s:s, s:s, s:o}", "tool", "fallback-scan", "version",
                             info->tool_version ? info->tool_version : "unknown", "now", iso,
                             "policy", policy)
                 : NULL;
    rc = doc ? json_dump_callback(doc, dump_to_buf, &b, JSON_INDENT(2) | JSON_REAL_PRECISION(10))
             : -1;
    json_decref(doc);
    if (rc < 0) {
        fbs_buf_release(&b);
        return FBS_ENOMEM;
    }
    fputs("<pre class=\"params\">", out);
    for (i = 0; i < b.len; i++) {
        if (b.ptr[i] == '<')
            fputs("&lt;", out);
        else if (b.ptr[i] == '>')
            fputs("&gt;", out);
        else if (b.ptr[i] == '&')
            fputs("&amp;", out);
        else
            fputc(b.ptr[i], out);
    }
    fputs("</pre>\n", out);
    fbs_buf_release(&b);
    return 0;
}

static unsigned long long ld(const atomic_uint_fast64_t *v)
{
    return (unsigned long long)atomic_load(v);
}

static int write_scan(struct html_state *st)
{
    const struct fbs_report_info *info = st->info;
    const struct fbs_stats *s = info->stats;
    FILE *out = st->opts->out;
    char iso[FBS_TIME_ISO_LEN];
    size_t i;
    int rc = 0, k;

    fbs_time_format(iso, info->now);
    fprintf(out,
            "<section id=\"scan\">\n<h2>Scan</h2>\n<table class=\"kv\">\n"
            "<tr><th>Scan time</th><td>%s</td></tr>\n<tr><th>Targets</th><td><ul>",
            iso);
    for (i = 0; i < info->ntargets; i++) {
        fputs("<li><code>", out);
        rc |= write_esc(out, info->targets[i]);
        fputs("</code></li>", out);
    }
    fprintf(out, "</ul></td></tr>\n<tr><th>Rules</th><td>%zu</td></tr>\n</table>\n", info->nrules);
    fputs("<h3>Parameters and policy in force</h3>\n", out);
    rc |= write_parameters(out, info);

    fputs("<h3>Coverage</h3>\n<table class=\"grid\">\n", out);
    fprintf(out, "<tr><th>Files seen</th><td>%llu</td></tr>\n", ld(&s->files));
    fprintf(out, "<tr><th>Blobs scanned</th><td>%llu</td></tr>\n", ld(&s->blobs));
    fprintf(out, "<tr><th>Bytes scanned</th><td>%llu</td></tr>\n", ld(&s->bytes));
    fprintf(out, "<tr><th>Commits walked</th><td>%llu</td></tr>\n", ld(&s->commits));
    fprintf(out, "<tr><th>Findings</th><td>%llu</td></tr>\n", ld(&s->findings));
    for (k = 0; k < FBS_SKIP__COUNT; k++)
        fprintf(out, "<tr><th>Skipped: %s</th><td>%llu</td></tr>\n",
                fbs_skip_name((enum fbs_skip)k), ld(&s->skipped[k]));
    fprintf(out,
            "<tr><th>Not reported: placeholders</th><td>%llu</td></tr>\n"
            "<tr><th>Not reported: references</th><td>%llu</td></tr>\n"
            "<tr><th>Suppressed: allow comments</th><td>%llu</td></tr>\n"
            "<tr><th>Suppressed: ignore entries</th><td>%llu</td></tr>\n",
            ld(&s->suppressed_placeholder), ld(&s->suppressed_reference), ld(&s->suppressed_inline),
            ld(&s->suppressed_ignore_file));
    if (info->absent && info->partial) /* a fixed word from the pipeline: nothing to escape */
        fprintf(out,
                "<tr><th>Baseline: new</th><td>%llu</td></tr>\n"
                "<tr><th>Baseline: unchanged</th><td>%llu</td></tr>\n"
                "<tr><th>Baseline: absent</th><td>not assessed (partial scan: %s)</td></tr>\n",
                ld(&s->baseline_new), ld(&s->baseline_unchanged), info->partial);
    else if (info->absent)
        fprintf(out,
                "<tr><th>Baseline: new</th><td>%llu</td></tr>\n"
                "<tr><th>Baseline: unchanged</th><td>%llu</td></tr>\n"
                "<tr><th>Baseline: absent</th><td>%zu</td></tr>\n",
                ld(&s->baseline_new), ld(&s->baseline_unchanged), json_array_size(info->absent));
    fprintf(out,
            "<tr><th>Diagnostics (incomplete)</th><td>%llu</td></tr>\n"
            "<tr><th>Complete</th><td>%s</td></tr>\n</table>\n",
            ld(&s->errors), ld(&s->errors) ? "<strong>no: the scan is incomplete</strong>" : "yes");
    if (info->show_suppressed)
        fputs("<p>Suppressed findings are listed below, marked as such.</p>\n", out);

    if (info->diags && info->diags->items.len) {
        fputs("<h3>Diagnostics</h3>\n<table class=\"grid\">\n"
              "<tr><th>Kind</th><th>Subject</th><th>Message</th><th>Incomplete</th></tr>\n",
              out);
        for (i = 0; i < info->diags->items.len; i++) {
            const struct fbs_diag *d = info->diags->items.items[i];

            fputs("<tr><td>", out);
            rc |= write_esc(out, d->kind);
            fputs("</td><td><code>", out);
            rc |= write_esc(out, d->path);
            fputs("</code></td><td>", out);
            rc |= write_esc(out, d->message);
            fprintf(out, "</td><td>%s</td></tr>\n", d->error ? "yes" : "no");
        }
        fputs("</table>\n", out);
    }
    if (info->absent && json_array_size(info->absent)) {
        const json_t *a;

        fputs("<h3>Baseline findings not found again</h3>\n<ul>\n", out);
        json_array_foreach(info->absent, i, a)
        {
            const json_t *fj = json_object_get(a, "finding");

            fputs("<li><code>", out);
            rc |= write_esc(out, json_string_value(json_object_get(a, "id")));
            fputs("</code> ", out);
            rc |= write_esc(out,
                            json_string_value(json_object_get(json_object_get(fj, "rule"), "id")));
            fputs(" <code>", out);
            rc |= write_esc(
                out, json_string_value(json_object_get(json_object_get(fj, "location"), "path")));
            fputs("</code></li>\n", out);
        }
        fputs("</ul>\n", out);
    }
    fputs("</section>\n", out);
    return rc ? FBS_ENOMEM : 0;
}

static void write_summary(struct html_state *st)
{
    FILE *out = st->opts->out;
    size_t n = st->standing.len + st->fallback.len + st->other.len, i;

    fputs("<section id=\"summary\">\n<h2>Summary</h2>\n<table class=\"grid\">\n", out);
    fprintf(out, "<tr><th>Findings</th><td>%zu</td></tr>\n", n);
    fprintf(out, "<tr><th>Fallback credentials</th><td>%zu</td></tr>\n",
            st->standing.len + st->fallback.len);
    if (st->any_verdict)
        fprintf(out, "<tr><th>Standing access</th><td><strong>%zu</strong></td></tr>\n",
                st->nstanding);
    else
        fputs("<tr><th>Standing access</th><td class=\"none\">not assessed</td></tr>\n", out);
    fprintf(out, "<tr><th>Other secrets</th><td>%zu</td></tr>\n", st->other.len);
    for (i = 0; i < NSEV; i++)
        fprintf(out, "<tr><th>Severity %s</th><td>%zu</td></tr>\n", severities[i],
                st->by_severity[i]);
    if (st->by_severity[NSEV])
        fprintf(out, "<tr><th>No severity</th><td>%zu</td></tr>\n", st->by_severity[NSEV]);
    fputs("</table>\n</section>\n", out);
}

static int html_end(void *state)
{
    struct html_state *st = state;
    const struct fbs_stats *s;
    FILE *out;
    int rc = 0;

    if (!st)
        return 0;
    out = st->opts->out;
    s = st->info->stats;
    fprintf(out,
            "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
            "<meta name=\"generator\" content=\"fallback-scan\">\n"
            "<title>fallback-scan report</title>\n<style>\n%s</style>\n</head>\n<body>\n"
            "<header>\n<h1>Fallback credentials and standing access</h1>\n"
            "<p>Evidence report by fallback-scan. Secrets are redacted%s.</p>\n",
            css,
            st->opts->show_secrets ? " <strong>except where shown in full (--show-secrets)"
                                     "</strong>"
                                   : "");
    if (ld(&s->errors))
        fprintf(out,
                "<p class=\"warn\"><strong>Incomplete scan:</strong> %llu item%s could not be "
                "read (see Diagnostics).</p>\n",
                ld(&s->errors), ld(&s->errors) == 1 ? "" : "s");
    fputs("<nav><a href=\"#summary\">Summary</a> &middot; <a href=\"#standing\">Standing "
          "access</a> &middot; <a href=\"#fallback\">Other fallback credentials</a> &middot; "
          "<a href=\"#other\">Other secrets</a> &middot; <a href=\"#scan\">Scan</a></nav>\n"
          "</header>\n<main>\n",
          out);
    write_summary(st);
    write_list(st, "standing", "Standing access: fallback credentials that became standing",
               &st->standing);
    write_list(st, "fallback", "Other fallback credentials", &st->fallback);
    write_list(st, "other", "Other secrets", &st->other);
    if (write_scan(st) < 0)
        rc = fbs_error_set(FBS_ENOMEM, "out of memory");
    fputs("</main>\n</body>\n</html>\n", out);
    if (rc == 0 && ferror(out))
        rc = fbs_error_set(FBS_EIO, "cannot write the report: %s", strerror(errno));
    fbs_vec_release(&st->standing, fbs_free);
    fbs_vec_release(&st->fallback, fbs_free);
    fbs_vec_release(&st->other, fbs_free);
    fbs_free(st);
    return rc;
}

const struct fbs_reporter fbs_reporter_html = {
    .name = "html",
    .begin = html_begin,
    .add = html_add,
    .end = html_end,
};
