/*
 * report_gitlab.c - GitLab's secret detection security report (--format gitlab): the JSON a CI
 * job hands to GitLab with `artifacts: reports: secret_detection: <file>`, so that findings show
 * in the merge request widget, the pipeline's Security tab and the vulnerability report.
 *
 * The format is GitLab's "Report format for GitLab Secret Detection", version 15.0.7, from
 * gitlab-org/security-products/security-report-schemas
 * (https://gitlab.com/gitlab-org/security-products/security-report-schemas/-/blob/v15.0.7/dist/secret-detection-report-format.json;
 * GitLab vendors the same file as lib/gitlab/ci/parsers/security/validators/schemas/15.0.7/).
 * What we rely on, in our own words:
 *
 * - GitLab validates a report against the schema version it declares and does not ingest a
 *   report that fails, or that declares a MAJOR.MINOR it does not know (for an unknown PATCH it
 *   uses its newest vendored patch of that MAJOR.MINOR)
 *   (https://docs.gitlab.com/user/application_security/detect/security_report_validation).
 *   We declare 15.0.7, as GitLab's own secrets analyzer does (analyzers/secrets MR !299 pinned
 *   it because GitLab 16.x did not know 15.1): the widest range of GitLab versions ingests it,
 *   and 15.1/15.2 changed nothing we write.
 * - Top level: `version`, `scan` and `vulnerabilities` are required; `version` is
 *   MAJOR.MINOR.PATCH; `schema`, optional, is an http(s) URL; other keys are allowed.
 * - `scan` requires `analyzer`, `scanner`, `type`, `start_time`, `end_time` and `status`.
 *   `analyzer` and `scanner` each require a non-empty `id`, `name`, `version` and `vendor.name`.
 *   Times are UTC "YYYY-MM-DDTHH:MM:SS" with no zone suffix (the pattern rejects a trailing Z).
 *   `status` is "success" or "failure"; `type` is "secret_detection". Optional `messages` are
 *   {level: info | warn | fatal, value: non-empty text}.
 * - A vulnerability requires `id` (a non-empty string; a UUID is recommended), `identifiers`
 *   (one or more {type, name, value}, each non-empty; the first is the primary identifier, which
 *   GitLab combines with the location to recognise the same vulnerability in later pipelines)
 *   and `location`.
 * - `location` requires `commit`, and `commit` requires a non-empty `sha` (author, date and
 *   message are optional strings). `file`, `start_line` and `end_line` are optional in the schema,
 *   but GitLab's location fingerprint for secret detection is "file:start_line:end_line".
 * - Optional: `name` (at most 255 characters, nothing specific to the occurrence), `description`
 *   (GitLab-flavoured Markdown, at most 1 MiB), `severity` (Info, Unknown, Low, Medium, High,
 *   Critical), `solution` (at most 7000 characters), `details` (named, typed fields: an object
 *   whose values are {name, type, ...} with type text, value, list, code, commit, ...).
 * - `raw_source_code_extract` is, in the schema's own description, an unsanitized excerpt of the
 *   source. It is never written here.
 * - The 15.x schema no longer defines `category` (14.x reports carried it); extra keys are allowed
 *   in a vulnerability, so we still write category "secret_detection" for readers of 14.x reports.
 *
 * Our choices (docs/report.md, "GitLab secret detection"):
 *
 * - `id` is a version-8 (custom) UUID made of the finding's fingerprint (f->id, 128 bits) with
 *   the version and variant bits set: stable across runs and edits above the secret. When the
 *   fingerprint was already used in this report (the same secret twice in one file, or in two
 *   commits), the UUID comes from SHA-256 over the fingerprint and the occurrence (commit, line,
 *   column), so that ids stay unique within the report.
 * - Without a commit (a file scan), `commit.sha` is "0000000": the schema only asks for a
 *   non-empty string, and GitLab's gitleaks-based analyzer writes that placeholder too (as
 *   semgrep's GitLab secrets formatter notes, cli/src/semgrep/formatter/gitlab_secrets.py).
 * - Findings without a file (cloud inventory records: an ARN is not a path in the repository) are
 *   left out, counted in a "warn" scan message: GitLab would link them as repository files and,
 *   with no file, fold all of one rule into a single vulnerability.
 * - Suppressed findings (allow comments, ignore entries) are left out even with
 *   --show-suppressed, counted in an "info" message: GitLab has no suppressed state, so they
 *   would reopen as vulnerabilities an exception the team already accepted.
 * - The report is uploaded and shown to everyone with access to the project, so it is always
 *   redacted: --show-secrets has no effect here.
 * - `start_time` is the scan's reference time (--now, else the clock at start); `end_time` adds
 *   the whole seconds the scan took. `status` is "success" (the scan ran to the end); an
 *   incomplete scan says so in "warn" messages, one per error diagnostic.
 */
#include "redact.h"
#include "reporter.h"
#include "../scanner/core/alloc.h"
#include "../scanner/core/buf.h"
#include "../scanner/core/error.h"
#include "../scanner/core/text.h"

#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <openssl/evp.h>
#include <stdarg.h>
#include <string.h>

#include "../scanner/core/banned.h"

#define GL_VERSION "15.0.7"
#define GL_SCHEMA                                                                                  \
    "https://gitlab.com/gitlab-org/security-products/security-report-schemas/-/raw/v" GL_VERSION   \
    "/dist/secret-detection-report-format.json"
#define GL_NO_COMMIT       "0000000"
#define GL_NAME_MAX        255
#define GL_SOLUTION_MAX    7000
#define GL_DESCRIPTION_MAX (1024 * 1024)
#define GL_MESSAGES_MAX    50 /* error diagnostics listed one by one; the rest are counted */

struct gitlab_state {
    const struct fbs_report_opts *opts;
    const struct fbs_report_info *info;
    json_t *vulns;
    json_t *ids;       /* the UUIDs written so far, as keys */
    size_t no_file;    /* findings without a repository file (cloud records), left out */
    size_t suppressed; /* suppressed findings given (--show-suppressed), left out */
};

/* Set o[key] = v, taking v; a NULL v or a failure clears *ok. */
static void put(bool *ok, json_t *o, const char *key, json_t *v)
{
    if (json_object_set_new(o, key, v) < 0)
        *ok = false;
}

static void append(bool *ok, json_t *a, json_t *v)
{
    if (json_array_append_new(a, v) < 0)
        *ok = false;
}

/*
 * A JSON string from bytes that may not be UTF-8, at most `max` bytes (cut at a character
 * boundary; 0: no limit). NULL on ENOMEM.
 */
static json_t *jstr_max(const char *s, size_t max)
{
    struct fbs_buf b = FBS_BUF_INIT;
    json_t *v;
    size_t n;

    if (fbs_utf8_sanitize(&b, s, strlen(s)) < 0)
        return NULL;
    n = b.len;
    if (max && n > max) {
        n = max;
        while (n > 0 && ((unsigned char)b.ptr[n] & 0xC0) == 0x80)
            n--;
    }
    v = json_stringn(b.ptr, n);
    fbs_buf_release(&b);
    return v;
}

static json_t *jstr(const char *s)
{
    return fbs_json_text(s, strlen(s));
}

/* "YYYY-MM-DDTHH:MM:SS": GitLab's scan times carry no zone suffix (they are UTC). */
static json_t *scan_time(fbs_time_t t)
{
    char iso[FBS_TIME_ISO_LEN];

    fbs_time_format(iso, t);
    return json_stringn(iso, 19);
}

static json_t *iso_time(fbs_time_t t)
{
    char iso[FBS_TIME_ISO_LEN];

    fbs_time_format(iso, t);
    return json_string(iso);
}

/* Our severities are lowercase words; GitLab's are capitalised, with Unknown for none. */
static const char *gl_severity(const char *s)
{
    static const char *const map[][2] = {
        {"critical", "Critical"}, {"high", "High"}, {"medium", "Medium"},
        {"low", "Low"},           {"info", "Info"},
    };
    size_t i;

    for (i = 0; s && i < sizeof(map) / sizeof(map[0]); i++)
        if (!strcmp(s, map[i][0]))
            return map[i][1];
    return "Unknown";
}

/* 16 bytes as a UUID string, with the version (8: custom) and variant (10) bits set. */
static void uuid_format(char out[37], const unsigned char in[16])
{
    static const char hex[] = "0123456789abcdef";
    unsigned char u[16];
    size_t i, o = 0;

    memcpy(u, in, sizeof(u));
    u[6] = (unsigned char)((u[6] & 0x0F) | 0x80);
    u[8] = (unsigned char)((u[8] & 0x3F) | 0x80);
    for (i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            out[o++] = '-';
        out[o++] = hex[u[i] >> 4];
        out[o++] = hex[u[i] & 15];
    }
    out[o] = '\0';
}

static int hexval(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* The fingerprint's 128 bits, or false when f->id is not 32 lowercase hex digits. */
static bool id_bytes(unsigned char out[16], const char *id)
{
    size_t i;

    for (i = 0; i < 16; i++) {
        int hi = hexval(id[2 * i]), lo = hi < 0 ? -1 : hexval(id[2 * i + 1]);

        if (hi < 0 || lo < 0)
            return false;
        out[i] = (unsigned char)(hi << 4 | lo);
    }
    return id[32] == '\0';
}

/* Where the finding is in the repository: the path relative to the scanned target, or NULL. */
static const char *file_of(const struct fbs_finding *f)
{
    const char *p = f->rel_path && *f->rel_path ? f->rel_path : f->path;

    return p && *p ? p : NULL;
}

/* The vulnerability id for f (see the top of the file); 0, FBS_ENOMEM or FBS_EINTERNAL. */
static int vuln_uuid(struct gitlab_state *st, const struct fbs_finding *f, char out[37])
{
    struct fbs_buf b = FBS_BUF_INIT;
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    unsigned n;
    int rc = 0;

    if (id_bytes(md, f->id)) {
        uuid_format(out, md);
        if (!json_object_get(st->ids, out))
            goto done;
    }
    for (n = 0;; n++) {
        fbs_buf_truncate(&b, 0);
        if (fbs_buf_printf(&b, "fallback-scan/gitlab-id/v1|%s|%s|%s|%u:%u|%u", f->id,
                           file_of(f) ? file_of(f) : "", f->commit ? f->commit : "", f->line,
                           f->column, n) < 0) {
            rc = FBS_ENOMEM;
            goto done;
        }
        if (!EVP_Digest(b.ptr, b.len, md, &mdlen, EVP_sha256(), NULL) || mdlen < 16) {
            rc = fbs_error_set(FBS_EINTERNAL, "SHA-256 failed");
            goto done;
        }
        uuid_format(out, md);
        if (!json_object_get(st->ids, out))
            break;
    }
done:
    fbs_buf_release(&b);
    if (rc == 0 && json_object_set_new(st->ids, out, json_true()) < 0)
        rc = FBS_ENOMEM;
    return rc;
}

/*
 * Append text from the repository (paths, key names, reasons quoting them) to Markdown as plain
 * text: one line, and the characters that would make links, images, HTML, emphasis or tables
 * escaped, so that scanned content cannot shape the description GitLab renders.
 */
static int md_text(struct fbs_buf *out, const char *s)
{
    struct fbs_buf t = FBS_BUF_INIT;
    size_t i;
    int rc;

    rc = fbs_utf8_sanitize(&t, s, strlen(s));
    for (i = 0; rc == 0 && i < t.len; i++) {
        char c = t.ptr[i];

        if (c == '\n' || c == '\r' || c == '\t')
            rc = fbs_buf_putc(out, ' ');
        else if (strchr("\\`*_[]<|~", c))
            rc = fbs_buf_printf(out, "\\%c", c);
        else
            rc = fbs_buf_putc(out, c);
    }
    fbs_buf_release(&t);
    return rc;
}

/* Append s as a Markdown code span (one line), fenced by more backticks than it holds. */
static int md_code(struct fbs_buf *out, const char *s)
{
    struct fbs_buf t = FBS_BUF_INIT;
    size_t i, run = 0, longest = 0;
    int rc;

    rc = fbs_utf8_sanitize(&t, s, strlen(s));
    for (i = 0; rc == 0 && i < t.len; i++) {
        if (t.ptr[i] == '\n' || t.ptr[i] == '\r' || t.ptr[i] == '\t')
            t.ptr[i] = ' ';
        run = t.ptr[i] == '`' ? run + 1 : 0;
        if (run > longest)
            longest = run;
    }
    for (i = 0; rc == 0 && i <= longest; i++)
        rc = fbs_buf_putc(out, '`');
    if (rc == 0 && longest)
        rc = fbs_buf_putc(out, ' ');
    if (rc == 0)
        rc = fbs_buf_put(out, t.ptr, t.len);
    if (rc == 0 && longest)
        rc = fbs_buf_putc(out, ' ');
    for (i = 0; rc == 0 && i <= longest; i++)
        rc = fbs_buf_putc(out, '`');
    fbs_buf_release(&t);
    return rc;
}

static int redacted(struct fbs_buf *out, const struct fbs_finding *f)
{
    if (!f->secret)
        return fbs_redact_secret(out, "", 0);
    return fbs_redact_finding_secret(out, f);
}

/* The redacted line holding the secret (into out, empty when there is none). */
static int snippet(struct fbs_buf *out, const struct fbs_finding *f)
{
    if (!f->line_text)
        return 0;
    return fbs_redact_snippet(out, f->line_text, f->line_secret_start, f->line_secret_len, false);
}

/* The description: the verdict and its reasons first, as the text report gives them. */
static int describe(struct fbs_buf *b, const struct fbs_finding *f)
{
    char day[FBS_TIME_ISO_LEN];
    size_t i;
    int rc = 0;

    if (f->standing == 1)
        rc |= fbs_buf_puts(b, "**Standing access**: a fallback credential that has become "
                              "standing access.");
    else if (f->is_fallback)
        rc |= fbs_buf_printf(b, "**Fallback credential**%s.",
                             f->standing == 0 ? ", not standing access" : "");
    else
        rc |= fbs_buf_puts(b, "**Secret**, not a fallback credential.");
    if (f->risk >= 0 && f->severity)
        rc |= fbs_buf_printf(b, " Risk %d/100 (%s).", f->risk, f->severity);
    if (f->nreasons)
        rc |= fbs_buf_puts(b, "\n\nWhy:\n");
    for (i = 0; i < f->nreasons; i++) {
        rc |= fbs_buf_puts(b, "\n- ");
        rc |= md_text(b, f->reasons[i]);
    }
    if (f->nindicators) {
        rc |= fbs_buf_printf(b, "\n\nFallback evidence (confidence %.2f):", f->fallback_confidence);
        for (i = 0; i < f->nindicators; i++) {
            rc |= fbs_buf_puts(b, i ? ", " : " ");
            rc |= md_code(b, f->indicators[i].term ? f->indicators[i].term : "");
            rc |= fbs_buf_puts(b, " (");
            rc |= md_text(b, f->indicators[i].where ? f->indicators[i].where : "");
            rc |= fbs_buf_putc(b, ')');
        }
        rc |= fbs_buf_putc(b, '.');
    }
    rc |= fbs_buf_puts(b, "\n\nCredential: ");
    rc |= md_code(b, f->kind ? f->kind : "unknown");
    if (f->secret) {
        struct fbs_buf r = FBS_BUF_INIT;

        rc |= redacted(&r, f);
        rc |= fbs_buf_puts(b, ", secret ");
        rc |= md_code(b, r.ptr);
        rc |= fbs_buf_puts(b, " (redacted)");
        fbs_buf_release(&r);
    }
    if (f->key_path || f->key) {
        rc |= fbs_buf_puts(b, ", key ");
        rc |= md_code(b, f->key_path ? f->key_path : f->key);
    }
    rc |= fbs_buf_putc(b, '.');
    if (f->commit) {
        rc |= fbs_buf_puts(b, "\n\nIntroduced in commit ");
        rc |= md_code(b, f->commit);
        if (f->author) {
            rc |= fbs_buf_puts(b, " by ");
            rc |= md_text(b, f->author);
        }
        if (f->has_committed) {
            fbs_time_format(day, f->committed);
            rc |= fbs_buf_printf(b, " on %.10s", day);
        }
        rc |= fbs_buf_putc(b, '.');
        if (f->in_head == 0)
            rc |= fbs_buf_puts(b, " No longer at this path in HEAD: still in the history.");
    }
    if (f->has_issued || f->has_expires || f->has_last_used) {
        const char *sep = "\n\n";

        if (f->has_issued) {
            fbs_time_format(day, f->issued);
            rc |= fbs_buf_printf(b, "%sIssued %.10s", sep, day);
            sep = "; ";
        }
        if (f->has_expires) {
            fbs_time_format(day, f->expires);
            rc |= fbs_buf_printf(b, "%sexpires %.10s", sep, day);
            sep = "; ";
        }
        if (f->has_last_used) {
            fbs_time_format(day, f->last_used);
            rc |= fbs_buf_printf(b, "%slast used %.10s", sep, day);
        }
        rc |= fbs_buf_putc(b, '.');
    }
    if (f->line_text) {
        struct fbs_buf s = FBS_BUF_INIT;

        rc |= snippet(&s, f);
        rc |= fbs_buf_puts(b, "\n\nLine (secret redacted): ");
        rc |= md_code(b, s.ptr);
        fbs_buf_release(&s);
    }
    if (f->id[0])
        rc |= fbs_buf_printf(b, "\n\nfallback-scan fingerprint: `%s`.", f->id);
    return rc < 0 ? FBS_ENOMEM : 0;
}

/* One `details` field: {name, type, value}. */
static json_t *field(const char *name, const char *type, json_t *value)
{
    json_t *o = json_pack("{s:s, s:s}", "name", name, "type", type);

    if (!o || json_object_set_new(o, "value", value) < 0) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static json_t *details_json(const struct fbs_finding *f)
{
    json_t *d = json_object(), *list;
    struct fbs_buf b = FBS_BUF_INIT;
    bool ok = d != NULL;
    size_t i;

    if (f->id[0])
        put(&ok, d, "fingerprint", field("Fingerprint", "value", json_string(f->id)));
    if (f->target_id) /* which repository or account: a scan may have several */
        put(&ok, d, "target", field("Target", "value", jstr(f->target_id)));
    put(&ok, d, "credential_kind",
        field("Credential kind", "value", jstr(f->kind ? f->kind : "unknown")));
    if (f->risk >= 0)
        put(&ok, d, "risk", field("Risk (0-100)", "value", json_integer(f->risk)));
    if (f->standing >= 0)
        put(&ok, d, "standing_access",
            field("Standing access", "value", json_boolean(f->standing == 1)));
    put(&ok, d, "fallback", field("Fallback credential", "value", json_boolean(f->is_fallback)));
    put(&ok, d, "fallback_confidence",
        field("Fallback confidence", "value",
              json_real(round(f->fallback_confidence * 1000.0) / 1000.0)));
    if (f->nreasons) {
        list = json_array();
        for (i = 0; i < f->nreasons; i++)
            append(&ok, list,
                   json_pack("{s:s, s:o}", "type", "text", "value", jstr(f->reasons[i])));
        put(&ok, d, "reasons",
            json_pack("{s:s, s:s, s:o}", "name", "Reasons", "type", "list", "items", list));
    }
    put(&ok, d, "privilege",
        field("Privilege", "value", json_string(fbs_privilege_name(f->privilege))));
    if (f->custody)
        put(&ok, d, "custody", field("Custody", "value", jstr(f->custody)));
    if (f->has_issued)
        put(&ok, d, "issued", field("Issued", "value", iso_time(f->issued)));
    if (f->has_expires)
        put(&ok, d, "expires", field("Expires", "value", iso_time(f->expires)));
    if (f->has_last_used)
        put(&ok, d, "last_used", field("Last used", "value", iso_time(f->last_used)));
    if (f->secret) {
        if (redacted(&b, f) < 0)
            ok = false;
        put(&ok, d, "secret", field("Secret (redacted)", "value", json_stringn(b.ptr, b.len)));
        fbs_buf_truncate(&b, 0);
    }
    if (f->line_text) {
        if (snippet(&b, f) < 0)
            ok = false;
        put(&ok, d, "line", field("Line (secret redacted)", "code", json_stringn(b.ptr, b.len)));
    }
    if (f->commit)
        put(&ok, d, "commit", field("Commit", "commit", jstr(f->commit)));
    if (f->baseline)
        put(&ok, d, "baseline",
            field("Baseline", "value",
                  json_string(f->baseline == FBS_BASELINE_NEW ? "new" : "unchanged")));
    fbs_buf_release(&b);
    if (!ok) {
        json_decref(d);
        return NULL;
    }
    return d;
}

static json_t *location_json(const struct fbs_finding *f, const char *file)
{
    json_t *loc = json_object(), *commit = json_object();
    bool ok = loc && commit;

    put(&ok, loc, "file", jstr(file));
    if (f->line) {
        put(&ok, loc, "start_line", json_integer(f->line));
        put(&ok, loc, "end_line", json_integer(f->end_line >= f->line ? f->end_line : f->line));
    }
    put(&ok, commit, "sha", jstr(f->commit && *f->commit ? f->commit : GL_NO_COMMIT));
    if (f->commit && f->author)
        put(&ok, commit, "author", jstr(f->author));
    if (f->commit && f->has_committed)
        put(&ok, commit, "date", iso_time(f->committed));
    put(&ok, loc, "commit", commit);
    if (!ok) {
        json_decref(loc);
        return NULL;
    }
    return loc;
}

static int gitlab_begin(void **state, const struct fbs_report_opts *opts,
                        const struct fbs_report_info *info)
{
    struct gitlab_state *st = fbs_calloc(1, sizeof(*st));

    *state = st;
    if (!st)
        return fbs_error_set(FBS_ENOMEM, "out of memory");
    st->opts = opts;
    st->info = info;
    st->vulns = json_array();
    st->ids = json_object();
    if (!st->vulns || !st->ids) {
        json_decref(st->vulns);
        json_decref(st->ids);
        fbs_free(st);
        *state = NULL;
        return fbs_error_set(FBS_ENOMEM, "out of memory");
    }
    return 0;
}

static int gitlab_add(void *state, const struct fbs_finding *f)
{
    struct gitlab_state *st = state;
    struct fbs_buf desc = FBS_BUF_INIT;
    const char *file = file_of(f);
    const char *rule_id = f->rule_id && *f->rule_id ? f->rule_id : "unknown";
    char uuid[37];
    json_t *v = NULL, *ident = NULL;
    bool ok = true;
    int rc;

    if (f->suppression) {
        st->suppressed++;
        return 0;
    }
    if (!file) {
        st->no_file++;
        return 0;
    }
    rc = vuln_uuid(st, f, uuid);
    if (rc == 0)
        rc = describe(&desc, f);
    if (rc < 0)
        goto done;
    v = json_object();
    ok = v != NULL;
    put(&ok, v, "id", json_string(uuid));
    put(&ok, v, "category", json_string("secret_detection"));
    put(&ok, v, "name",
        jstr_max(f->rule_name && *f->rule_name ? f->rule_name : rule_id, GL_NAME_MAX));
    put(&ok, v, "description", jstr_max(desc.ptr, GL_DESCRIPTION_MAX));
    put(&ok, v, "severity", json_string(gl_severity(f->severity)));
    if (f->remediation && *f->remediation)
        put(&ok, v, "solution", jstr_max(f->remediation, GL_SOLUTION_MAX));
    ident = json_object();
    put(&ok, ident, "type", json_string("fallback_scan_rule_id"));
    {
        struct fbs_buf name = FBS_BUF_INIT;

        if (fbs_buf_printf(&name, "fallback-scan rule %s", rule_id) < 0)
            ok = false;
        put(&ok, ident, "name", jstr(name.ptr));
        fbs_buf_release(&name);
    }
    put(&ok, ident, "value", jstr(rule_id));
    put(&ok, v, "identifiers", json_pack("[o]", ident));
    put(&ok, v, "location", location_json(f, file));
    put(&ok, v, "details", details_json(f));
    if (!ok || json_array_append(st->vulns, v) < 0)
        rc = FBS_ENOMEM;
done:
    json_decref(v);
    fbs_buf_release(&desc);
    /* FBS_EINTERNAL comes with its message already set. */
    return rc == FBS_ENOMEM ? fbs_error_set(FBS_ENOMEM, "out of memory") : rc;
}

/* {level, value} from printf-style text; NULL on ENOMEM. */
static json_t *message(const char *level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static json_t *message(const char *level, const char *fmt, ...)
{
    struct fbs_buf b = FBS_BUF_INIT;
    json_t *m = NULL;
    va_list ap;
    int rc;

    va_start(ap, fmt);
    rc = fbs_buf_vprintf(&b, fmt, ap);
    va_end(ap);
    if (rc == 0)
        m = json_pack("{s:s, s:o}", "level", level, "value", jstr(b.ptr));
    fbs_buf_release(&b);
    return m;
}

static json_t *messages_json(const struct gitlab_state *st)
{
    const struct fbs_report_info *info = st->info;
    const struct fbs_stats *s = info->stats;
    json_t *msgs = json_array();
    size_t suppressed = st->suppressed, i, listed = 0, errors = 0;
    bool ok = msgs != NULL;

    if (s) {
        size_t all =
            (size_t)(atomic_load(&s->suppressed_inline) + atomic_load(&s->suppressed_ignore_file));

        if (all > suppressed)
            suppressed = all;
    }
    if (st->no_file)
        append(&ok, msgs,
               message("warn",
                       "%zu finding%s without a repository file (cloud inventory records) %s not "
                       "in this report: GitLab locates secret detection findings in repository "
                       "files; use --format json or sarif for them",
                       st->no_file, st->no_file == 1 ? "" : "s", st->no_file == 1 ? "is" : "are"));
    if (suppressed)
        append(&ok, msgs,
               message("info",
                       "%zu finding%s suppressed by allow comments or ignore entries %s not in "
                       "this report: GitLab has no suppressed state",
                       suppressed, suppressed == 1 ? "" : "s", suppressed == 1 ? "is" : "are"));
    if (s && atomic_load(&s->errors)) {
        unsigned long long n = atomic_load(&s->errors);

        append(&ok, msgs,
               message("warn",
                       "scan incomplete: %llu item%s could not be read; findings may be "
                       "missing",
                       n, n == 1 ? "" : "s"));
    }
    for (i = 0; info->diags && i < info->diags->items.len; i++) {
        const struct fbs_diag *d = info->diags->items.items[i];

        if (!d->error)
            continue;
        errors++;
        if (listed == GL_MESSAGES_MAX)
            continue;
        listed++;
        append(&ok, msgs,
               message("warn", "%s %s: %s", d->kind, d->path ? d->path : "-", d->message));
    }
    if (errors > listed)
        append(&ok, msgs,
               message("warn", "and %zu more diagnostic%s (see --format json)", errors - listed,
                       errors - listed == 1 ? "" : "s"));
    if (!ok) {
        json_decref(msgs);
        return NULL;
    }
    return msgs;
}

/* analyzer and scanner: the same program fills both roles. */
static json_t *tool_json(const char *version)
{
    return json_pack("{s:s, s:s, s:o, s:{s:s}}", "id", "fallback-scan", "name", "fallback-scan",
                     "version", jstr(version && *version ? version : "unknown"), "vendor", "name",
                     "fallback-scan");
}

static int gitlab_end(void *state)
{
    struct gitlab_state *st = state;
    const struct fbs_report_info *info;
    json_t *doc = NULL, *scan = NULL;
    fbs_time_t seconds = 0;
    bool ok;
    int rc = 0;

    if (!st)
        return 0;
    info = st->info;
    if (info->stats && info->stats->seconds > 0)
        seconds = (fbs_time_t)info->stats->seconds;
    doc = json_object();
    scan = json_object();
    ok = doc && scan;
    put(&ok, scan, "analyzer", tool_json(info->tool_version));
    put(&ok, scan, "scanner", tool_json(info->tool_version));
    put(&ok, scan, "type", json_string("secret_detection"));
    put(&ok, scan, "start_time", scan_time(info->now));
    put(&ok, scan, "end_time", scan_time(info->now + seconds));
    put(&ok, scan, "status", json_string("success"));
    put(&ok, scan, "messages", messages_json(st));
    put(&ok, doc, "version", json_string(GL_VERSION));
    put(&ok, doc, "schema", json_string(GL_SCHEMA));
    put(&ok, doc, "scan", scan);
    scan = NULL;
    put(&ok, doc, "vulnerabilities", json_incref(st->vulns));
    if (!ok)
        rc = fbs_error_set(FBS_ENOMEM, "out of memory");
    else if (json_dumpf(doc, st->opts->out, JSON_INDENT(2) | JSON_REAL_PRECISION(10)) < 0 ||
             fputc('\n', st->opts->out) == EOF || ferror(st->opts->out))
        rc = fbs_error_set(FBS_EIO, "cannot write the report: %s", strerror(errno));
    json_decref(scan);
    json_decref(doc);
    json_decref(st->vulns);
    json_decref(st->ids);
    fbs_free(st);
    return rc;
}

const struct fbs_reporter fbs_reporter_gitlab = {
    .name = "gitlab",
    .begin = gitlab_begin,
    .add = gitlab_add,
    .end = gitlab_end,
};
