/*
 * report_html.c - one self-contained HTML page for auditors: evidence for an access review.
 *
 * The page opens with an overview: the targets (with HEAD's commit and branch), `now` and the
 * policy, the counts with a small inline SVG chart of findings by verdict and severity, and one
 * table with a line per finding sorted by risk (verdict, risk, severity, rule, where, age, expiry,
 * privilege, custody, first seen), each line linking to its card. The cards follow in sections:
 * standing access, the other fallback credentials, the other secrets, each sorted by risk the
 * same way; then the scan (coverage, the full parameters, diagnostics, absent baseline findings).
 * Labels are plain words (internal keys and snake_case kinds stay in the JSON report). Inline CSS
 * only: no script, no font, no external resource. The print stylesheet keeps the overview on the
 * first pages and sets the cards as a compact appendix (docs/report.md: printing to PDF).
 *
 * Scanned repositories are hostile input: every string that comes from them (paths, keys,
 * snippets, authors, commit messages, facts, reasons) is repaired to UTF-8 and HTML-escaped,
 * and secrets go through redact.h like every other report. Nothing scanned is ever written into
 * an attribute value. The tool version appears in a JSON block ("version": ...) so that golden
 * tests normalise it as they do for the JSON report.
 */
#include "group.h"
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

enum section { SEC_STANDING, SEC_FALLBACK, SEC_OTHER, SEC__COUNT };

/* One finding as the page shows it, rendered while the finding is lent (add()). */
struct entry {
    char *card; /* the card's content, after its <article> tag, up to its </table> */
    char *row;  /* the overview line's cells before the rule */
    char *rule; /* the rule's name, escaped */
    char *rest; /* the overview line's cells after the rule */
    char *part; /* the finding as a piece of a group: one line */
    const struct entry *leader; /* the group's entry shown (NULL: itself) */
    size_t nparts;              /* as leader: the group's size */
    int risk;                   /* -1 unscored */
    enum section section;
    size_t sev; /* index in severities, NSEV for none */
    size_t seq; /* order of arrival: ties keep it */
};

struct html_state {
    const struct fbs_report_opts *opts;
    const struct fbs_report_info *info;
    struct fbs_vec entries;      /* struct entry * */
    size_t nsection[SEC__COUNT]; /* findings */
    size_t nentries[SEC__COUNT]; /* entries shown: a group is one */
    struct fbs_groups groups;
    size_t nstanding;
    size_t by_severity[NSEV + 1]; /* the last: no or unknown severity */
    size_t chart[SEC__COUNT][NSEV + 1];
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

/* Plain words for the keys parsers write into facts; others are humanised (humanise()). */
static const char *const fact_labels[][2] = {
    {"alg", "Algorithm (alg)"},
    {"typ", "Type (typ)"},
    {"iss", "Issuer (iss)"},
    {"sub", "Subject (sub)"},
    {"aud", "Audience (aud)"},
    {"iat", "Issued at (iat)"},
    {"nbf", "Not before (nbf)"},
    {"exp", "Expires (exp)"},
    {"jti", "Token id (jti)"},
    {"kid", "Key id (kid)"},
    {"jwt", "JSON Web Token"},
    {"other_locations", "Also found in"},
    {"expiry", "Expiry status"},
    {"versions", "Versions in history"},
    {"removed_in", "Removed in"},
    {"public_key_sha256", "Public key SHA-256"},
    {"paired_certificate", "Paired certificate"},
    {"not_before", "Valid from"},
    {"not_after", "Valid until"},
    {"account_id", "Account id"},
    {"arn", "ARN"},
    {"url", "URL"},
    {"token_uri", "Token URI"},
    {"ssh", "SSH"},
    {"mfa", "MFA"},
    {"totp", "TOTP"},
};

/* Facts the rows above already say in words: left out of the Facts row. */
static bool fact_hidden(const char *k, const json_t *v)
{
    if (!strcmp(k, "privilege_evidence") || !strcmp(k, "age_from") || !strcmp(k, "issued_from") ||
        !strcmp(k, "expires_from") || !strcmp(k, "verification")) /* its own row */
        return true;
    if (!strcmp(k, "expiry") && json_is_string(v) && !strcmp(json_string_value(v), "none"))
        return true; /* "no expiry known" says it */
    return !strcmp(k, "other_locations") && json_is_integer(v) && json_integer_value(v) == 0;
}

/*
 * A key or code as words: "other_locations" -> "Other locations", "runbook_doc" -> "runbook
 * doc" (cap: capitalise the first letter). Escaped.
 */
static int humanise(struct fbs_buf *b, const char *k, bool cap)
{
    struct fbs_buf w = FBS_BUF_INIT;
    size_t i;
    int rc = 0;

    if (!k)
        return fbs_buf_puts(b, "<span class=\"none\">&ndash;</span>");
    for (i = 0; i < sizeof(fact_labels) / sizeof(fact_labels[0]); i++)
        if (cap && !strcmp(k, fact_labels[i][0]))
            return fbs_buf_puts(b, fact_labels[i][1]);
    for (i = 0; k[i] && rc == 0; i++) {
        char c = k[i] == '_' ? ' ' : k[i];

        if (i == 0 && cap && c >= 'a' && c <= 'z')
            c = (char)(c - 'a' + 'A');
        rc = fbs_buf_putc(&w, c);
    }
    if (rc == 0)
        rc = put_esc_n(b, w.ptr, w.len);
    fbs_buf_release(&w);
    return rc < 0 ? FBS_ENOMEM : 0;
}

/* Where a date or age was taken from, in words. */
static const char *from_phrase(const char *from)
{
    static const char *const map[][2] = {
        {"credential", "the credential itself"},
        {"jwt", "the token's claims"},
        {"certificate", "the certificate"},
        {"commit", "the commit that added it"},
        {"git", "the commit that added it"},
        {"mtime", "the file's modification time"},
        {"file_mtime", "the file's modification time"},
        {"cloud", "the cloud inventory"},
    };
    size_t i;

    for (i = 0; from && i < sizeof(map) / sizeof(map[0]); i++)
        if (!strcmp(from, map[i][0]))
            return map[i][1];
    return NULL;
}

static int put_from(struct fbs_buf *b, const struct fbs_finding *f, const char *key)
{
    const char *from = json_string_value(json_object_get(f->facts, key));
    const char *phrase = from_phrase(from);
    int rc = 0;

    if (!from)
        return 0;
    rc |= fbs_buf_puts(b, " <span class=\"from\">(from ");
    rc |= phrase ? fbs_buf_puts(b, phrase) : humanise(b, from, false);
    rc |= fbs_buf_puts(b, ")</span>");
    return rc ? FBS_ENOMEM : 0;
}

/*
 * A JSON value from a parser's facts, as nested HTML; strings escaped. An object is a table with
 * one row per key, the label and its value in the same row, so that they stay side by side in
 * any layout (a float layout of <dl> shifted nested values by a row).
 */
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
        if (!json_object_size(v))
            return fbs_buf_puts(b, "<span class=\"none\">none</span>");
        rc |= fbs_buf_puts(b, "<table class=\"facts\">");
        json_object_foreach((json_t *)v, k, item)
        {
            if (fact_hidden(k, item))
                continue;
            rc |= fbs_buf_puts(b, "<tr><th>");
            rc |= humanise(b, k, true);
            rc |= fbs_buf_puts(b, "</th><td>");
            rc |= put_json(b, item, depth + 1);
            rc |= fbs_buf_puts(b, "</td></tr>");
        }
        rc |= fbs_buf_puts(b, "</table>");
        break;
    }
    return rc ? FBS_ENOMEM : 0;
}

/* ---- one finding ---- */

/*
 * A row of a card: the label and its value in one <tr>. Rows whose value runs long are "wide":
 * the print stylesheet sets the others two to a line.
 */
static int row(struct fbs_buf *b, const char *label)
{
    static const char *const wide[] = {"Location",  "Commit",  "Line",        "Fallback",
                                       "Facts",     "Verdict", "Remediation", "Suppressed",
                                       "Privilege", "Verified"};
    size_t i;

    for (i = 0; i < sizeof(wide) / sizeof(wide[0]); i++)
        if (!strcmp(label, wide[i]))
            return fbs_buf_printf(b, "<tr class=\"wide\"><th>%s</th><td>", label);
    return fbs_buf_printf(b, "<tr><th>%s</th><td>", label);
}

static int end_row(struct fbs_buf *b)
{
    return fbs_buf_puts(b, "</td></tr>\n");
}

static int render_location(struct fbs_buf *b, const struct fbs_finding *f)
{
    int rc = 0;

    if (f->target_id) {
        rc |= row(b, "Target");
        rc |= fbs_buf_puts(b, "<code>");
        rc |= put_esc(b, f->target_id);
        rc |= fbs_buf_puts(b, "</code>");
        rc |= end_row(b);
    }
    rc |= row(b, "Location");
    rc |= fbs_buf_puts(b, "<code>");
    rc |= put_esc(b, f->path ? f->path : f->resource);
    if (f->line)
        rc |= fbs_buf_printf(b, ":%u:%u", f->line, f->column);
    else if (f->byte_offset >= 0)
        rc |= fbs_buf_printf(b, " @ byte %lld", (long long)f->byte_offset);
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
    json_t *v, *ev;
    size_t shown = 0;
    int rc = 0;

    rc |= row(b, "Issued");
    rc |= put_time(b, f->has_issued, f->issued);
    if (f->has_issued)
        rc |= put_from(b, f, "issued_from");
    rc |= end_row(b);
    if (f->has_age) {
        rc |= row(b, "Age");
        rc |= fbs_buf_printf(b, "%lld days", (long long)f->age_days);
        rc |= put_from(b, f, "age_from");
        rc |= end_row(b);
    }
    rc |= row(b, "Expires");
    if (f->has_expires) {
        rc |= put_time(b, true, f->expires);
        rc |= put_from(b, f, "expires_from");
    } else {
        rc |= fbs_buf_puts(b, "<strong>no expiry known</strong>");
    }
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
    ev = json_object_get(f->facts, "privilege_evidence");
    if (json_is_array(ev) && json_array_size(ev))
        rc |= put_json(b, ev, 1);
    rc |= end_row(b);
    rc |= row(b, "Custody");
    rc |= humanise(b, f->custody, false);
    rc |= end_row(b);
    json_object_foreach(f->facts, k, v) shown += !fact_hidden(k, v);
    if (shown) {
        rc |= row(b, "Facts");
        rc |= put_json(b, f->facts, 1);
        rc |= end_row(b);
    }
    return rc ? FBS_ENOMEM : 0;
}

/* The class of a verification status: one of the four, whatever the object says. */
static const char *ver_class(const json_t *v)
{
    static const char *const known[] = {"live", "revoked", "unknown", "error"};
    const char *s = json_string_value(json_object_get(v, "status"));
    size_t i;

    for (i = 0; s && i < sizeof(known) / sizeof(known[0]); i++)
        if (!strcmp(s, known[i]))
            return known[i];
    return "unknown";
}

/* The Verified row (--verify): the status, then when, by which verifier, the identity,
 * scopes, privilege and detail in words. */
static int render_verification(struct fbs_buf *b, const json_t *v)
{
    const char *status = json_string_value(json_object_get(v, "status"));
    struct fbs_buf w = FBS_BUF_INIT;
    int rc = 0, got;

    if (!status)
        return 0;
    got = fbs_report_verification(&w, v);
    if (got < 0)
        return got;
    rc |= row(b, "Verified");
    rc |= fbs_buf_printf(b, "<strong class=\"ver ver-%s\">", ver_class(v));
    rc |= put_esc(b, status);
    rc |= fbs_buf_puts(b, "</strong>");
    if (got && w.len > strlen(status))
        rc |= put_esc(b, w.ptr + strlen(status));
    rc |= end_row(b);
    fbs_buf_release(&w);
    return rc ? FBS_ENOMEM : 0;
}

static int render(const struct html_state *st, const struct fbs_finding *f, struct fbs_buf *b)
{
    const json_t *ver = json_object_get(f->facts, "verification");
    bool show = st->opts->show_secrets;
    size_t i;
    int rc = 0;

    rc |= fbs_buf_printf(b, "<h3><span class=\"badge\">%s</span> ",
                         f->standing == 1 ? "STANDING ACCESS"
                         : f->is_fallback ? "FALLBACK"
                                          : "SECRET");
    if (f->risk >= 0 && f->severity)
        rc |= fbs_buf_printf(b, "<span class=\"sev\">%s %d</span> ", f->severity, f->risk);
    if (ver)
        rc |= fbs_buf_printf(b, "<span class=\"badge ver ver-%s\">verified %s</span> ",
                             ver_class(ver), ver_class(ver));
    rc |= put_esc(b, f->rule_name);
    rc |= fbs_buf_puts(b, " <code class=\"rule\">");
    rc |= put_esc(b, f->rule_id);
    rc |= fbs_buf_puts(b, "</code></h3>\n<table class=\"kv\">\n");

    rc |= row(b, "Kind");
    rc |= humanise(b, f->kind, true);
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
            const char *w = fbs_report_where_words(f->indicators[i].where);

            rc |= fbs_buf_puts(b, "&lsquo;");
            rc |= put_esc(b, f->indicators[i].term);
            rc |= fbs_buf_puts(b, "&rsquo; in ");
            rc |= w ? fbs_buf_puts(b, w) : humanise(b, f->indicators[i].where, false);
            rc |= fbs_buf_printf(b, " (weight %.2f)</li>", f->indicators[i].weight);
        }
        rc |= fbs_buf_puts(b, "</ul>");
    }
    rc |= end_row(b);
    rc |= render_facts(b, f);
    if (ver)
        rc |= render_verification(b, ver);

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
    return rc ? FBS_ENOMEM : 0;
}

static int put_date(struct fbs_buf *b, bool has, fbs_time_t t)
{
    char iso[FBS_TIME_ISO_LEN];

    if (!has)
        return fbs_buf_puts(b, "<span class=\"none\">&ndash;</span>");
    fbs_time_format(iso, t);
    return fbs_buf_put(b, iso, 10);
}

/*
 * The overview line's cells: verdict, risk, severity, rule, where, age, expiry, privilege,
 * custody, first seen (the date of the commit that added it, when known).
 */
static int render_row(const struct fbs_finding *f, struct fbs_buf *b, struct fbs_buf *rule,
                      struct fbs_buf *rest, fbs_time_t now)
{
    int rc = 0;

    rc |= fbs_buf_printf(b, "<td class=\"v\">%s</td>",
                         f->standing == 1 ? "<strong>Standing access</strong>"
                         : f->is_fallback ? "Fallback"
                                          : "Secret");
    if (f->risk >= 0 && f->severity)
        rc |= fbs_buf_printf(b, "<td class=\"num\">%d</td><td class=\"sev-%s\">%s</td>", f->risk,
                             f->severity, f->severity);
    else
        rc |= fbs_buf_puts(b, "<td class=\"none\">&ndash;</td><td class=\"none\">&ndash;</td>");
    rc |= put_esc(rule, f->rule_name ? f->rule_name : f->rule_id);
    b = rest;
    rc |= fbs_buf_puts(b, "<td class=\"where\"><code>");
    rc |= put_esc(b, f->path ? f->path : f->resource);
    if (f->line)
        rc |= fbs_buf_printf(b, ":%u", f->line);
    rc |= fbs_buf_puts(b, "</code></td>");
    if (f->has_age)
        rc |= fbs_buf_printf(b, "<td class=\"num\">%lld&nbsp;d</td>", (long long)f->age_days);
    else
        rc |= fbs_buf_puts(b, "<td class=\"none\">&ndash;</td>");
    rc |= fbs_buf_puts(b, "<td>");
    if (!f->has_expires)
        rc |= fbs_buf_puts(b, "<strong>none</strong>");
    else if (f->expires <= now)
        rc |= fbs_buf_puts(b, "expired ");
    if (f->has_expires)
        rc |= put_date(b, true, f->expires);
    rc |= fbs_buf_printf(b, "</td><td>%s</td><td>", fbs_privilege_name(f->privilege));
    rc |= humanise(b, f->custody, false);
    rc |= fbs_buf_puts(b, "</td><td class=\"d\">");
    rc |= put_date(b, f->has_committed, f->committed);
    rc |= fbs_buf_puts(b, "</td>");
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

static void entry_free(void *p)
{
    struct entry *e = p;

    if (!e)
        return;
    fbs_free(e->card);
    fbs_free(e->row);
    fbs_free(e->rule);
    fbs_free(e->rest);
    fbs_free(e->part);
    fbs_free(e);
}

/* A finding as a piece of a group: rule, place, redacted secret, risk, id. */
static int render_part(const struct html_state *st, const struct fbs_finding *f, struct fbs_buf *b)
{
    int rc = 0;

    rc |= fbs_buf_puts(b, "<li>");
    rc |= put_esc(b, f->rule_name ? f->rule_name : f->rule_id);
    rc |= fbs_buf_puts(b, " <code>");
    rc |= put_esc(b, f->path ? f->path : f->resource);
    if (f->line)
        rc |= fbs_buf_printf(b, ":%u", f->line);
    rc |= fbs_buf_puts(b, "</code> <code>");
    rc |= put_secret(b, f, st->opts->show_secrets);
    rc |= fbs_buf_puts(b, "</code>");
    if (f->risk >= 0 && f->severity)
        rc |= fbs_buf_printf(b, ", risk %d (%s)", f->risk, f->severity);
    rc |= fbs_buf_printf(b, ", finding id <code>%s</code></li>", f->id);
    return rc ? FBS_ENOMEM : 0;
}

static int html_add(void *state, const struct fbs_finding *f)
{
    struct html_state *st = state;
    struct fbs_buf card = FBS_BUF_INIT, line = FBS_BUF_INIT, rule = FBS_BUF_INIT;
    struct fbs_buf rest = FBS_BUF_INIT, part = FBS_BUF_INIT;
    struct entry *e = fbs_calloc(1, sizeof(*e));
    size_t sev;

    if (!e || render(st, f, &card) < 0 || render_row(f, &line, &rule, &rest, st->info->now) < 0 ||
        render_part(st, f, &part) < 0 || fbs_groups_add(&st->groups, f) < 0)
        goto nomem;
    e->card = fbs_buf_detach(&card);
    e->row = fbs_buf_detach(&line);
    e->rule = fbs_buf_detach(&rule);
    e->rest = fbs_buf_detach(&rest);
    e->part = fbs_buf_detach(&part);
    if (!e->card || !e->row || !e->rule || !e->rest || !e->part)
        goto nomem;
    for (sev = 0; sev < NSEV; sev++)
        if (f->severity && !strcmp(f->severity, severities[sev]))
            break;
    e->sev = sev;
    e->risk = f->severity ? f->risk : -1;
    e->section = f->standing == 1 ? SEC_STANDING : f->is_fallback ? SEC_FALLBACK : SEC_OTHER;
    e->seq = st->entries.len;
    if (fbs_vec_push(&st->entries, e) < 0)
        goto nomem;
    if (f->standing >= 0) {
        st->any_verdict = true;
        st->nstanding += f->standing == 1;
    }
    st->nsection[e->section]++;
    st->by_severity[sev]++;
    st->chart[e->section][sev]++;
    return 0;
nomem:
    fbs_buf_release(&card);
    fbs_buf_release(&line);
    fbs_buf_release(&rule);
    fbs_buf_release(&rest);
    fbs_buf_release_wipe(&part);
    entry_free(e);
    return fbs_error_set(FBS_ENOMEM, "out of memory");
}

/* Risk first (unscored last), then standing access, other fallback, the rest; then arrival. */
static int entry_cmp(const void *a, const void *b)
{
    const struct entry *x = *(const struct entry *const *)a, *y = *(const struct entry *const *)b;

    if (x->risk != y->risk)
        return x->risk > y->risk ? -1 : 1;
    if (x->section != y->section)
        return x->section < y->section ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static const char css[] =
    "body{font:14px/1.45 system-ui,-apple-system,\"Segoe UI\",Helvetica,Arial,sans-serif;"
    "color:#1a1a1a;margin:2em auto;max-width:80em;padding:0 1em}\n"
    "h1{font-size:1.6em;margin-bottom:.2em}h2{border-bottom:2px solid #ccc;margin-top:1.6em}\n"
    "code,pre{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.92em}\n"
    "pre{white-space:pre-wrap;word-break:break-all;background:#f5f5f5;padding:.4em .6em;"
    "margin:.2em 0}\n"
    "table{border-collapse:collapse}th,td{text-align:left;vertical-align:top;padding:.2em .6em}\n"
    "table.grid th,table.grid td{border:1px solid #ccc}\n"
    "table.kv{width:100%}table.kv>tbody>tr>th{width:11em;color:#555;font-weight:600}\n"
    "table.kv td{word-break:break-word}\n"
    "ul{margin:.2em 0;padding-left:1.4em}\n"
    "table.facts{margin:0}table.facts th{font-weight:600;padding:0 .8em 0 0;white-space:nowrap;"
    "color:#1a1a1a;width:auto}table.facts td{padding:0}\n"
    "table.overview{width:100%;font-size:.92em}table.overview th{background:#eee;"
    "position:sticky;top:0}table.overview td.where{word-break:break-all}\n"
    "table.overview tbody tr:nth-child(even){background:#fafafa}td.num{text-align:right}\n"
    "table.overview td.v,table.overview td.num,table.overview td.d{white-space:nowrap}\n"
    "td.sev-critical{color:#8b0000;font-weight:700}td.sev-high{color:#b33c00;font-weight:600}\n"
    ".overview-head{display:flex;flex-wrap:wrap;gap:1em 2em;align-items:flex-start}\n"
    "svg.chart{font:11px system-ui,Helvetica,Arial,sans-serif}\n"
    "article.finding{border:1px solid #bbb;border-left:6px solid #888;margin:1em 0;"
    "padding:.3em .8em}\n"
    "article.finding h3{margin:.3em 0}\n"
    ".sev-critical{border-left-color:#8b0000!important}.sev-high{border-left-color:#d9480f"
    "!important}.sev-medium{border-left-color:#e6a700!important}.sev-low{border-left-color:"
    "#2f6fb0!important}\n"
    ".badge{font-size:.75em;border:1px solid currentColor;padding:.05em .4em;border-radius:3px}\n"
    ".standing .badge{color:#8b0000;font-weight:700}.sev{font-size:.8em;color:#555}\n"
    ".tag{font-size:.8em;color:#555;border:1px solid #ccc;padding:0 .3em;border-radius:3px}\n"
    ".none,.from{color:#777}.warn{border:2px solid #b35c00;background:#fff4e5;padding:.5em 1em}\n"
    "code.rule{color:#555;font-size:.8em}\n"
    ".ver-live{color:#8b0000;font-weight:700}.ver-revoked{color:#2b6e1f}"
    ".ver-unknown,.ver-error{color:#666}\n"
    /* Print: the overview on the first pages, the cards as a compact appendix. */
    "@media print{@page{size:A4;margin:12mm 10mm}body{margin:0;max-width:none;font-size:8pt;"
    "line-height:1.3}h1{font-size:14pt}h2{font-size:11pt;margin-top:.8em;break-after:avoid}"
    "h3{font-size:8.5pt}nav{display:none}pre{background:none;border:0;padding:0;margin:0}"
    "table.overview{font-size:7pt}table.overview th{position:static}"
    "table.overview tr{break-inside:avoid}th,td{padding:.05em .4em}"
    "section#standing{break-before:page}"
    "article.finding{margin:.35em 0;padding:.1em .5em;border-left-width:4px;font-size:7.5pt}"
    "article.finding h3{margin:.1em 0}"
    "table.kv,table.kv>tbody{display:block;width:100%}"
    "table.kv>tbody{display:grid;grid-template-columns:1fr 1fr;column-gap:1.2em}"
    "table.kv>tbody>tr{display:grid;grid-template-columns:7.5em 1fr;break-inside:avoid}"
    "table.kv>tbody>tr.wide{grid-column:1/-1}table.kv>tbody>tr>th{width:auto}"
    "article.finding ul{display:inline;padding:0;margin:0}article.finding li{display:inline}"
    "table.facts,table.facts>tbody{display:inline}table.facts>tbody>tr{display:inline-block;"
    "margin-right:1.2em}table.facts th,table.facts td{display:inline;padding:0 .3em 0 0}"
    "article.finding li+li::before{content:\"; \"}article.finding ul::before{content:\" \\2014  \"}"
    "a{color:inherit;text-decoration:none}}\n";

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
        const struct fbs_target *t = info->target_info ? &info->target_info[i] : NULL;

        struct fbs_buf name = FBS_BUF_INIT;

        fputs("<li><code>", out);
        rc |= fbs_target_strip_credentials(&name, info->targets[i]);
        rc |= write_esc(out, name.ptr ? name.ptr : "");
        fbs_buf_release(&name);
        fputs("</code>", out);
        if (t && t->id) {
            fprintf(out, " <span class=\"tag\">%s</span> <code>", fbs_target_kind_name(t->kind));
            rc |= write_esc(out, t->id);
            fputs("</code>", out);
        }
        if (t && t->revision) {
            fputs(" at <code>", out);
            rc |= write_esc(out, t->revision);
            fputs("</code>", out);
            if (t->branch) {
                fputs(" on <code>", out);
                rc |= write_esc(out, t->branch);
                fputs("</code>", out);
            }
        }
        fputs("</li>", out);
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
    for (k = 0; k < FBS_SKIP__COUNT; k++) {
        struct fbs_buf lb = FBS_BUF_INIT;

        rc |= humanise(&lb, fbs_skip_name((enum fbs_skip)k), false);
        fprintf(out, "<tr><th>Skipped: %s</th><td>%llu</td></tr>\n", lb.ptr, ld(&s->skipped[k]));
        fbs_buf_release(&lb);
    }
    for (k = 0; k < FBS_VIEW__COUNT; k++) {
        struct fbs_buf lb = FBS_BUF_INIT;

        rc |= humanise(&lb, fbs_view_name((enum fbs_view)k), false);
        fprintf(out, "<tr><th>Scanned as: %s</th><td>%llu</td></tr>\n", lb.ptr, ld(&s->views[k]));
        fbs_buf_release(&lb);
    }
    fprintf(out,
            "<tr><th>Not reported: placeholders</th><td>%llu</td></tr>\n"
            "<tr><th>Not reported: references</th><td>%llu</td></tr>\n"
            "<tr><th>Not reported: ciphertext</th><td>%llu</td></tr>\n"
            "<tr><th>Suppressed: allow comments</th><td>%llu</td></tr>\n"
            "<tr><th>Suppressed: ignore entries</th><td>%llu</td></tr>\n",
            ld(&s->suppressed_placeholder), ld(&s->suppressed_reference),
            ld(&s->suppressed_ciphertext), ld(&s->suppressed_inline),
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

        fputs("<h3>Baseline findings not found again</h3>\n<table class=\"grid\">\n"
              "<tr><th>Finding id</th><th>Rule</th><th>Where</th></tr>\n",
              out);
        json_array_foreach(info->absent, i, a)
        {
            const json_t *fj = json_object_get(a, "finding");
            const char *where = json_string_value(json_object_get(fj, "path"));

            if (!where)
                where = json_string_value(json_object_get(fj, "resource"));
            fputs("<tr><td><code>", out);
            rc |= write_esc(out, json_string_value(json_object_get(a, "id")));
            fputs("</code></td><td>", out);
            rc |= write_esc(out, json_string_value(json_object_get(fj, "rule_id")));
            fputs("</td><td><code>", out);
            rc |= write_esc(out, where);
            if (json_integer_value(json_object_get(fj, "line")) > 0)
                fprintf(out, ":%lld", (long long)json_integer_value(json_object_get(fj, "line")));
            fputs("</code></td></tr>\n", out);
        }
        fputs("</table>\n", out);
    }
    fputs("</section>\n", out);
    return rc ? FBS_ENOMEM : 0;
}

/* Colours of the severities in the chart (critical ... info, none). */
static const char *const sev_colours[NSEV + 1] = {"#8b0000", "#d9480f", "#e6a700",
                                                  "#2f6fb0", "#8c8c8c", "#c8c8c8"};
static const char *const section_names[SEC__COUNT] = {"Standing access", "Other fallback",
                                                      "Other secrets"};

/*
 * Findings by verdict and severity: one horizontal bar per section, stacked by severity, with
 * the counts written on it and a legend. Inline SVG, no script; the numbers are also in the
 * summary table beside it.
 */
static void write_chart(struct html_state *st)
{
    FILE *out = st->opts->out;
    const int left = 110, width = 300, bar = 22, gap = 10, top = 8;
    size_t max = 1, i, k;
    int y, lx;

    for (i = 0; i < SEC__COUNT; i++)
        if (st->nsection[i] > max)
            max = st->nsection[i];
    fprintf(out,
            "<svg class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
            "viewBox=\"0 0 %d %d\" role=\"img\" aria-labelledby=\"chart-title\">\n"
            "<title id=\"chart-title\">Findings by verdict and severity</title>\n",
            left + width + 40, top + 3 * (bar + gap) + 30, left + width + 40,
            top + 3 * (bar + gap) + 30);
    for (i = 0; i < SEC__COUNT; i++) {
        double x = left;

        y = top + (int)i * (bar + gap);
        fprintf(out, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%s</text>\n", left - 6,
                y + bar / 2 + 4, section_names[i]);
        for (k = 0; k <= NSEV; k++) {
            double w = (double)st->chart[i][k] * width / (double)max;

            if (!st->chart[i][k])
                continue;
            fprintf(out,
                    "<rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%d\" fill=\"%s\">"
                    "<title>%s, %s: %zu</title></rect>\n",
                    x, y, w, bar, sev_colours[k], section_names[i],
                    k < NSEV ? severities[k] : "no severity", st->chart[i][k]);
            if (w >= 14)
                fprintf(
                    out,
                    "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\" fill=\"#fff\">%zu</text>\n",
                    x + w / 2, y + bar / 2 + 4, st->chart[i][k]);
            x += w;
        }
        fprintf(out, "<text x=\"%.1f\" y=\"%d\">%zu</text>\n", x + 4, y + bar / 2 + 4,
                st->nsection[i]);
    }
    y = top + 3 * (bar + gap) + 12;
    lx = left;
    for (k = 0; k <= NSEV; k++) {
        if (k == NSEV && !st->by_severity[NSEV])
            break;
        fprintf(out,
                "<rect x=\"%d\" y=\"%d\" width=\"10\" height=\"10\" fill=\"%s\"/>"
                "<text x=\"%d\" y=\"%d\">%s</text>\n",
                lx, y - 9, sev_colours[k], lx + 13, y, k < NSEV ? severities[k] : "none");
        lx += k < NSEV ? 13 + (int)strlen(severities[k]) * 6 + 10 : 40;
    }
    fputs("</svg>\n", out);
}

static void write_summary(struct html_state *st)
{
    FILE *out = st->opts->out;
    size_t n = st->entries.len, i;

    fputs("<table class=\"grid summary\">\n", out);
    fprintf(out, "<tr><th>Findings</th><td>%zu</td></tr>\n", n);
    fprintf(out, "<tr><th>Fallback credentials</th><td>%zu</td></tr>\n",
            st->nsection[SEC_STANDING] + st->nsection[SEC_FALLBACK]);
    if (st->any_verdict)
        fprintf(out, "<tr><th>Standing access</th><td><strong>%zu</strong></td></tr>\n",
                st->nstanding);
    else
        fputs("<tr><th>Standing access</th><td class=\"none\">not assessed</td></tr>\n", out);
    fprintf(out, "<tr><th>Other secrets</th><td>%zu</td></tr>\n", st->nsection[SEC_OTHER]);
    fputs("<tr><th>By severity</th><td>", out);
    for (i = 0; i < NSEV; i++)
        fprintf(out, "%s%s %zu", i ? ", " : "", severities[i], st->by_severity[i]);
    if (st->by_severity[NSEV])
        fprintf(out, ", none %zu", st->by_severity[NSEV]);
    fputs("</td></tr>\n</table>\n", out);
}

/* The policy in one paragraph: its scalar settings and the severity thresholds, in words. */
static int write_policy(FILE *out, const json_t *policy)
{
    struct fbs_buf b = FBS_BUF_INIT;
    const char *k;
    json_t *v;
    bool first = true;
    int rc = 0;

    json_object_foreach((json_t *)policy, k, v)
    {
        if (json_is_object(v))
            continue;
        rc |= fbs_buf_puts(&b, first ? "" : "; ");
        rc |= humanise(&b, k, first);
        rc |= fbs_buf_puts(&b, " ");
        if (json_is_string(v))
            rc |= put_esc(&b, json_string_value(v));
        else if (json_is_integer(v))
            rc |= fbs_buf_printf(&b, "%lld", (long long)json_integer_value(v));
        else if (json_is_real(v))
            rc |= fbs_buf_printf(&b, "%g", json_real_value(v));
        else
            rc |= fbs_buf_puts(&b, json_is_true(v) ? "yes" : "no");
        first = false;
    }
    v = json_object_get(policy, "severity");
    if (json_is_object(v)) {
        rc |= fbs_buf_puts(&b, first ? "Severity from risk: " : "; severity from risk: ");
        first = true;
        json_object_foreach(v, k, policy)
        {
            rc |= fbs_buf_puts(&b, first ? "" : ", ");
            rc |= put_esc(&b, k);
            rc |= fbs_buf_printf(&b, " &ge; %lld", (long long)json_integer_value(policy));
            first = false;
        }
    }
    if (rc == 0 && b.len)
        fwrite(b.ptr, 1, b.len, out);
    fbs_buf_release(&b);
    return rc ? FBS_ENOMEM : 0;
}

static int write_targets(FILE *out, const struct fbs_report_info *info)
{
    size_t i;
    int rc = 0;

    fputs("<table class=\"grid targets\">\n<thead><tr><th>Target</th><th>Kind</th>"
          "<th>Commit (HEAD)</th><th>Branch</th></tr></thead>\n<tbody>\n",
          out);
    for (i = 0; i < info->ntargets; i++) {
        const struct fbs_target *t = info->target_info ? &info->target_info[i] : NULL;
        struct fbs_buf name = FBS_BUF_INIT;

        fputs("<tr><td><code>", out);
        rc |= fbs_target_strip_credentials(&name, info->targets[i]);
        rc |= write_esc(out, name.ptr ? name.ptr : "");
        fbs_buf_release(&name);
        fputs("</code></td><td>", out);
        fputs(t ? fbs_target_kind_name(t->kind) : "&ndash;", out);
        fputs("</td><td><code>", out);
        rc |= write_esc(out, t && t->revision ? t->revision : NULL);
        fputs("</code></td><td>", out);
        rc |= write_esc(out, t && t->branch ? t->branch : NULL);
        fputs("</td></tr>\n", out);
    }
    fputs("</tbody></table>\n", out);
    return rc ? FBS_ENOMEM : 0;
}

static int write_overview(struct html_state *st)
{
    FILE *out = st->opts->out;
    char iso[FBS_TIME_ISO_LEN];
    size_t i, k, nshown = 0;
    int rc = 0;

    for (k = 0; k < SEC__COUNT; k++)
        nshown += st->nentries[k];
    fbs_time_format(iso, st->info->now);
    fputs("<section id=\"overview\">\n<h2>Overview</h2>\n", out);
    rc |= write_targets(out, st->info);
    fprintf(out,
            "<p><strong>Now</strong> (ages and expiry are measured at): %s. <strong>Policy"
            "</strong>: ",
            iso);
    if (st->info->policy)
        rc |= write_policy(out, st->info->policy);
    else
        fputs("<span class=\"none\">not given</span>", out);
    fputs(" (in full under <a href=\"#scan\">Scan</a>).</p>\n<div class=\"overview-head\">\n", out);
    write_summary(st);
    write_chart(st);
    fputs("</div>\n", out);
    if (nshown == st->entries.len)
        fprintf(out, "<h3>Findings by risk (%zu)</h3>\n", st->entries.len);
    else
        fprintf(out,
                "<h3>Findings by risk (%zu findings in %zu entries: the pieces of one "
                "credential are one entry)</h3>\n",
                st->entries.len, nshown);
    if (!st->entries.len) {
        fputs("<p class=\"none\">None.</p>\n</section>\n", out);
        return rc;
    }
    fputs("<table class=\"grid overview\">\n<thead><tr><th>#</th><th>Verdict</th><th>Risk</th>"
          "<th>Severity</th><th>Rule</th><th>Where</th><th>Age</th><th>Expiry</th>"
          "<th>Privilege</th><th>Custody</th><th>First seen</th></tr></thead>\n<tbody>\n",
          out);
    for (i = 0, k = 0; i < st->entries.len; i++) {
        const struct entry *e = st->entries.items[i];

        if (e->leader)
            continue;
        k++;
        fprintf(out, "<tr><td class=\"num\"><a href=\"#f-%zu\">%zu</a></td>%s<td>%s", k, k, e->row,
                e->rule);
        if (e->nparts > 1)
            fprintf(out, " <span class=\"parts\">and %zu related piece%s</span>", e->nparts - 1,
                    e->nparts == 2 ? "" : "s");
        fprintf(out, "</td>%s</tr>\n", e->rest);
    }
    fputs("</tbody></table>\n</section>\n", out);
    return rc;
}

static void write_section(struct html_state *st, enum section sec, const char *anchor,
                          const char *title)
{
    FILE *out = st->opts->out;
    size_t i, k, j;

    if (st->nentries[sec] == st->nsection[sec])
        fprintf(out, "<section id=\"%s\">\n<h2>%s (%zu)</h2>\n", anchor, title, st->nsection[sec]);
    else
        fprintf(out, "<section id=\"%s\">\n<h2>%s (%zu findings in %zu entries)</h2>\n", anchor,
                title, st->nsection[sec], st->nentries[sec]);
    if (!st->nsection[sec])
        fputs("<p class=\"none\">None.</p>\n", out);
    for (i = 0, k = 0; i < st->entries.len; i++) {
        const struct entry *e = st->entries.items[i];

        if (e->leader)
            continue;
        k++;
        if (e->section != sec)
            continue;
        fprintf(out, "<article class=\"finding sev-%s%s\" id=\"f-%zu\">\n",
                e->sev < NSEV ? severities[e->sev] : "none", sec == SEC_STANDING ? " standing" : "",
                k);
        fputs(e->card, out);
        if (e->nparts > 1) {
            fprintf(out,
                    "<tr class=\"wide\"><th>Pieces of this credential</th><td>%zu findings, "
                    "this one first<ul class=\"parts\">",
                    e->nparts);
            for (j = i; j < st->entries.len; j++) {
                const struct entry *p = st->entries.items[j];

                if (p == e || p->leader == e)
                    fputs(p->part, out);
            }
            fputs("</ul></td></tr>\n", out);
        }
        fputs("</table>\n</article>\n", out);
    }
    fputs("</section>\n", out);
}

/*
 * After sorting: the pieces of one credential (group.h) become one entry, shown where its
 * riskiest piece sorts; the others are listed in its card. Counts the entries per section.
 */
static int group_entries(struct html_state *st)
{
    struct entry **leader_of;
    size_t i, n = st->entries.len;

    if (fbs_groups_finish(&st->groups) < 0 || st->groups.n != n)
        return FBS_ENOMEM;
    leader_of = fbs_calloc(n ? n : 1, sizeof(*leader_of));
    if (!leader_of)
        return FBS_ENOMEM;
    for (i = 0; i < n; i++) {
        struct entry *e = st->entries.items[i];
        const struct fbs_group_item *g = &st->groups.items[e->seq];

        if (g->members > 1 && leader_of[g->first]) {
            e->leader = leader_of[g->first];
            leader_of[g->first]->nparts++;
            continue;
        }
        if (g->members > 1) {
            leader_of[g->first] = e;
            e->nparts = 1;
        }
        st->nentries[e->section]++;
    }
    fbs_free(leader_of);
    return 0;
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
    fbs_vec_sort(&st->entries, entry_cmp);
    if (group_entries(st) < 0)
        rc = fbs_error_set(FBS_ENOMEM, "out of memory");
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
    fputs("<nav><a href=\"#overview\">Overview</a> &middot; <a href=\"#standing\">Standing "
          "access</a> &middot; <a href=\"#fallback\">Other fallback credentials</a> &middot; "
          "<a href=\"#other\">Other secrets</a> &middot; <a href=\"#scan\">Scan</a></nav>\n"
          "</header>\n<main>\n",
          out);
    if (write_overview(st) < 0)
        rc = fbs_error_set(FBS_ENOMEM, "out of memory");
    write_section(st, SEC_STANDING, "standing",
                  "Standing access: fallback credentials that became standing");
    write_section(st, SEC_FALLBACK, "fallback", "Other fallback credentials");
    write_section(st, SEC_OTHER, "other", "Other secrets");
    if (write_scan(st) < 0 && rc == 0)
        rc = fbs_error_set(FBS_ENOMEM, "out of memory");
    fputs("</main>\n</body>\n</html>\n", out);
    if (rc == 0 && ferror(out))
        rc = fbs_error_set(FBS_EIO, "cannot write the report: %s", strerror(errno));
    fbs_vec_release(&st->entries, entry_free);
    fbs_groups_release(&st->groups);
    fbs_free(st);
    return rc;
}

const struct fbs_reporter fbs_reporter_html = {
    .name = "html",
    .begin = html_begin,
    .add = html_add,
    .end = html_end,
};
