/*
 * test_report_gitlab.c - reporters/report_gitlab.c: GitLab's secret detection report.
 *
 * check_report() is our own reading of the required fields of GitLab's secret detection report
 * schema 15.0.7 (the facts listed at the top of report_gitlab.c), not a copy of the schema: every
 * report a test writes goes through it.
 */
#include "support/test_support.h"

#include "reporters/reporter.h"
#include "scanner/core/buf.h"
#include "scanner/core/error.h"
#include "scanner/core/text.h"
#include "scanner/model/diag.h"
#include "scanner/model/finding.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "scanner/core/banned.h"

/* Secrets are assembled at run time so that this file holds none a scanner would report. */
#define AWS_KEY                                                                                    \
    "AKIA"                                                                                         \
    "QYLPMN5HHHFPZAM2"
#define GIT_TOKEN                                                                                  \
    "glpat-"                                                                                       \
    "x7Rk2mQv9LtN4bWc8ZpJ"
#define CLOUD_ID                                                                                   \
    "AKIA"                                                                                         \
    "ZZ7RCLOUDRECORD0001"
#define CERT_PEM                                                                                   \
    "-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEII"                                                   \
    "rYSSNQFaA2Hwf1duRSxKtLYX5CB\n"                                                                \
    "-----END EC PRIVATE KEY-----\n"
#define GIT_COMMIT "0123456789abcdef0123456789abcdef01234567"
#define NO_COMMIT  "0000000"

/* ---- building findings by hand ---- */

static void set(char **field, const char *s)
{
    assert_int_equal(fbs_finding_set_str(field, s), 0);
}

static struct fbs_finding *base(const char *rule_id, const char *rule_name, const char *kind,
                                const char *secret)
{
    struct fbs_finding *f = fbs_finding_new();

    assert_non_null(f);
    set(&f->rule_id, rule_id);
    set(&f->rule_name, rule_name);
    set(&f->kind, kind);
    assert_int_equal(fbs_finding_set_secret(f, secret, strlen(secret)), 0);
    return f;
}

/* A file finding: a standing-access break-glass key in a config file. */
static struct fbs_finding *file_finding(unsigned line)
{
    struct fbs_finding *f =
        base("aws.access_key_id", "AWS access key ID", "aws_access_key", AWS_KEY);
    static const char text[] = "AWS_ACCESS_KEY_ID=" AWS_KEY " # break-glass";

    f->source = FBS_SOURCE_FILE;
    set(&f->path, "/work/repo/config/prod.env");
    set(&f->rel_path, "config/prod.env");
    set(&f->target, "/work/repo");
    f->line = line;
    f->end_line = line;
    f->column = 19;
    f->end_column = 39;
    set(&f->line_text, text);
    f->line_secret_start = 18;
    f->line_secret_len = strlen(AWS_KEY);
    set(&f->key, "AWS_ACCESS_KEY_ID");
    f->is_fallback = true;
    f->fallback_confidence = 0.9;
    assert_int_equal(fbs_finding_add_indicator(f, "break-glass", "comment", 0.9), 0);
    f->risk = 91;
    f->severity = "critical";
    f->standing = 1;
    assert_int_equal(fbs_finding_add_reason(f, "no expiry"), 0);
    /* Scanned content in a reason must not become a link, an image or HTML in GitLab. */
    assert_int_equal(fbs_finding_add_reason(f, "key [x](http://evil.example/p.png) <img src=x>"),
                     0);
    set(&f->remediation, "Deactivate the key and issue a time-bound one.");
    assert_int_equal(fbs_finding_fingerprint(f, NULL), 0);
    return f;
}

/* A git history finding: introduced in a commit, since removed from HEAD. */
static struct fbs_finding *git_finding(void)
{
    struct fbs_finding *f =
        base("gitlab.pat", "GitLab personal access token", "gitlab_pat", GIT_TOKEN);

    f->source = FBS_SOURCE_GIT;
    set(&f->path, "deploy/token.txt");
    set(&f->rel_path, "deploy/token.txt");
    f->line = 2;
    f->end_line = 2;
    f->column = 1;
    set(&f->commit, GIT_COMMIT);
    set(&f->author, "Dana Ops <dana@example.com>");
    assert_int_equal(fbs_time_parse(&f->committed, "2024-03-01T10:00:00Z"), 0);
    f->has_committed = true;
    f->in_head = 0;
    f->risk = 55;
    f->severity = "medium";
    f->standing = 0;
    f->baseline = FBS_BASELINE_NEW;
    assert_int_equal(fbs_finding_add_reason(f, "not a fallback credential"), 0);
    assert_int_equal(fbs_finding_fingerprint(f, NULL), 0);
    return f;
}

/* A cloud inventory record: no file, only a resource. */
static struct fbs_finding *cloud_record(void)
{
    struct fbs_finding *f =
        base("aws.iam.access_key", "AWS IAM access key", "aws_access_key", CLOUD_ID);

    f->source = FBS_SOURCE_AWS;
    set(&f->resource, "arn:aws:iam::123456789012:user/breakglass");
    set(&f->key, "breakglass");
    f->risk = 80;
    f->severity = "high";
    f->standing = 1;
    f->is_fallback = true;
    assert_int_equal(fbs_finding_fingerprint(f, NULL), 0);
    return f;
}

/* ---- running the reporter ---- */

struct env {
    struct fbs_stats stats;
    struct fbs_diags diags;
    struct fbs_report_info info;
    const char *targets[1];
};

static void env_init(struct env *e)
{
    memset(e, 0, sizeof(*e));
    fbs_stats_init(&e->stats);
    assert_int_equal(fbs_diags_init(&e->diags, &e->stats, false), 0);
    e->targets[0] = "/work/repo";
    e->info.tool_version = "1.2.3";
    assert_int_equal(fbs_time_parse(&e->info.now, "2024-02-29T12:34:56Z"), 0);
    e->info.targets = e->targets;
    e->info.ntargets = 1;
    e->info.stats = &e->stats;
    e->info.diags = &e->diags;
    e->info.nrules = 42;
}

static void env_release(struct env *e)
{
    fbs_diags_release(&e->diags);
}

/* Run begin/add.../end writing to `path`. Returns the first error, or 0. */
static int run_to(const char *path, struct fbs_finding *const *fs, size_t n, const struct env *e,
                  bool show_secrets)
{
    struct fbs_report_opts opts = {0};
    void *state = NULL;
    size_t i;
    int rc, rc2;

    opts.out = fopen(path, "w");
    assert_non_null(opts.out);
    opts.show_secrets = show_secrets;
    rc = fbs_reporter_gitlab.begin(&state, &opts, &e->info);
    if (rc == 0) {
        for (i = 0; i < n && rc == 0; i++)
            rc = fbs_reporter_gitlab.add(state, fs[i]);
        rc2 = fbs_reporter_gitlab.end(state);
        if (rc == 0)
            rc = rc2;
    } else {
        assert_null(state);
    }
    assert_int_equal(fclose(opts.out), 0);
    return rc;
}

/* Run into a temporary file and read back the bytes written into *text. */
static void run(struct fbs_buf *text, struct fbs_finding *const *fs, size_t n, const struct env *e,
                bool show_secrets)
{
    char dir[300], path[400], chunk[4096];
    size_t got;
    FILE *in;

    snprintf(dir, sizeof(dir), "%s", fbs_test_tmpdir());
    snprintf(path, sizeof(path), "%s/gl-secret-detection-report.json", dir);
    assert_int_equal(run_to(path, fs, n, e, show_secrets), 0);
    in = fopen(path, "r");
    assert_non_null(in);
    fbs_buf_truncate(text, 0);
    while ((got = fread(chunk, 1, sizeof(chunk), in)) > 0)
        assert_int_equal(fbs_buf_put(text, chunk, got), 0);
    fclose(in);
    fbs_test_rmtree(dir);
}

/* Run and parse; the document is checked against the required fields before it is returned. */
static json_t *report(struct fbs_buf *text, struct fbs_finding *const *fs, size_t n,
                      const struct env *e, bool show_secrets);

/* ---- our validation of the schema's required fields ---- */

static const char *str_of(const json_t *o, const char *key)
{
    const json_t *v = json_object_get(o, key);

    assert_true(json_is_string(v));
    return json_string_value(v);
}

static void nonempty(const json_t *o, const char *key)
{
    assert_true(strlen(str_of(o, key)) > 0);
}

static bool one_of(const char *s, const char *const *set)
{
    for (; *set; set++)
        if (!strcmp(s, *set))
            return true;
    return false;
}

/* "YYYY-MM-DDTHH:MM:SS": no zone suffix, no fraction. */
static void check_scan_time(const char *s)
{
    static const char shape[] = "dddd-dd-ddTdd:dd:dd";
    size_t i;

    assert_int_equal(strlen(s), strlen(shape));
    for (i = 0; shape[i]; i++) {
        if (shape[i] == 'd')
            assert_true(s[i] >= '0' && s[i] <= '9');
        else
            assert_int_equal(s[i], shape[i]);
    }
}

/* MAJOR.MINOR.PATCH */
static void check_semver(const char *s)
{
    int parts = 1, digits = 0;

    for (; *s; s++) {
        if (*s == '.') {
            assert_true(digits > 0);
            parts++;
            digits = 0;
        } else {
            assert_true(*s >= '0' && *s <= '9');
            digits++;
        }
    }
    assert_true(digits > 0);
    assert_int_equal(parts, 3);
}

static bool is_uuid(const char *s)
{
    size_t i;

    if (strlen(s) != 36)
        return false;
    for (i = 0; i < 36; i++) {
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (s[i] != '-')
                return false;
        } else if (!strchr("0123456789abcdef", s[i])) {
            return false;
        }
    }
    return true;
}

/* Characters (code points) of a UTF-8 string. */
static size_t chars(const char *s)
{
    size_t n = 0;

    for (; *s; s++)
        n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

static void check_tool(const json_t *t)
{
    assert_true(json_is_object(t));
    nonempty(t, "id");
    nonempty(t, "name");
    nonempty(t, "version");
    assert_true(json_is_object(json_object_get(t, "vendor")));
    nonempty(json_object_get(t, "vendor"), "name");
}

/* A `details` entry and, for lists, its items: typed fields with what each type requires. */
static void check_detail(const json_t *d, bool named)
{
    static const char *const types[] = {"value", "text", "list", "code", "commit", NULL};
    const char *type;
    const json_t *v;
    size_t i;

    assert_true(json_is_object(d));
    if (named)
        nonempty(d, "name");
    type = str_of(d, "type");
    assert_true(one_of(type, types));
    v = json_object_get(d, !strcmp(type, "list") ? "items" : "value");
    if (!strcmp(type, "value"))
        assert_true(json_is_number(v) || json_is_string(v) || json_is_boolean(v));
    else if (!strcmp(type, "commit"))
        assert_true(json_is_string(v) && json_string_length(v) > 0);
    else if (!strcmp(type, "list"))
        for (assert_true(json_is_array(v)), i = 0; i < json_array_size(v); i++)
            check_detail(json_array_get(v, i), false);
    else
        assert_true(json_is_string(v));
}

static void check_vulnerability(const json_t *v)
{
    static const char *const severities[] = {"Info", "Unknown",  "Low", "Medium",
                                             "High", "Critical", NULL};
    const json_t *ids, *loc, *commit, *details, *x;
    const char *key;
    size_t i;

    assert_true(json_is_object(v));
    assert_true(is_uuid(str_of(v, "id")));
    ids = json_object_get(v, "identifiers");
    assert_true(json_is_array(ids) && json_array_size(ids) >= 1);
    for (i = 0; i < json_array_size(ids); i++) {
        nonempty(json_array_get(ids, i), "type");
        nonempty(json_array_get(ids, i), "name");
        nonempty(json_array_get(ids, i), "value");
    }
    loc = json_object_get(v, "location");
    assert_true(json_is_object(loc));
    commit = json_object_get(loc, "commit");
    assert_true(json_is_object(commit));
    nonempty(commit, "sha");
    nonempty(loc, "file"); /* optional in the schema; we always write it */
    x = json_object_get(loc, "start_line");
    if (x) {
        assert_true(json_is_integer(x) && json_integer_value(x) >= 1);
        assert_true(json_is_integer(json_object_get(loc, "end_line")));
        assert_true(json_integer_value(json_object_get(loc, "end_line")) >= json_integer_value(x));
    }
    assert_true(chars(str_of(v, "name")) <= 255);
    assert_true(chars(str_of(v, "description")) <= 1048576);
    assert_true(one_of(str_of(v, "severity"), severities));
    if (json_object_get(v, "solution"))
        assert_true(chars(str_of(v, "solution")) <= 7000);
    assert_string_equal(str_of(v, "category"), "secret_detection");
    /* Unsanitized source never leaves the process. */
    assert_null(json_object_get(v, "raw_source_code_extract"));
    details = json_object_get(v, "details");
    assert_true(json_is_object(details));
    json_object_foreach((json_t *)details, key, x) check_detail(x, true);
}

static void check_report(const json_t *doc)
{
    static const char *const statuses[] = {"success", "failure", NULL};
    static const char *const levels[] = {"info", "warn", "fatal", NULL};
    const json_t *scan, *msgs, *vulns;
    size_t i;

    assert_true(json_is_object(doc));
    check_semver(str_of(doc, "version"));
    assert_string_equal(str_of(doc, "version"), "15.0.7");
    assert_true(!strncmp(str_of(doc, "schema"), "https://", 8));
    assert_non_null(
        strstr(str_of(doc, "schema"), "v15.0.7/dist/secret-detection-report-format.json"));
    scan = json_object_get(doc, "scan");
    assert_true(json_is_object(scan));
    check_tool(json_object_get(scan, "analyzer"));
    check_tool(json_object_get(scan, "scanner"));
    assert_string_equal(str_of(scan, "type"), "secret_detection");
    assert_true(one_of(str_of(scan, "status"), statuses));
    check_scan_time(str_of(scan, "start_time"));
    check_scan_time(str_of(scan, "end_time"));
    assert_true(strcmp(str_of(scan, "start_time"), str_of(scan, "end_time")) <= 0);
    msgs = json_object_get(scan, "messages");
    assert_true(json_is_array(msgs));
    for (i = 0; i < json_array_size(msgs); i++) {
        assert_true(one_of(str_of(json_array_get(msgs, i), "level"), levels));
        nonempty(json_array_get(msgs, i), "value");
    }
    vulns = json_object_get(doc, "vulnerabilities");
    assert_true(json_is_array(vulns));
    for (i = 0; i < json_array_size(vulns); i++)
        check_vulnerability(json_array_get(vulns, i));
}

static json_t *report(struct fbs_buf *text, struct fbs_finding *const *fs, size_t n,
                      const struct env *e, bool show_secrets)
{
    json_error_t err;
    json_t *doc;

    run(text, fs, n, e, show_secrets);
    assert_true(fbs_utf8_valid(text->ptr, text->len));
    doc = json_loadb(text->ptr, text->len, 0, &err);
    if (!doc)
        fail_msg("not JSON: %s (line %d)", err.text, err.line);
    check_report(doc);
    return doc;
}

/* The message whose value contains `needle`, or NULL. */
static const json_t *message_with(const json_t *doc, const char *needle)
{
    const json_t *msgs = json_object_get(json_object_get(doc, "scan"), "messages");
    size_t i;

    for (i = 0; i < json_array_size(msgs); i++)
        if (strstr(str_of(json_array_get(msgs, i), "value"), needle))
            return json_array_get(msgs, i);
    return NULL;
}

static const json_t *vuln(const json_t *doc, size_t i)
{
    return json_array_get(json_object_get(doc, "vulnerabilities"), i);
}

/* ---- tests ---- */

static void test_report_gitlab__required_fields(void **state)
{
    struct fbs_finding *fs[3] = {file_finding(3), git_finding(), cloud_record()};
    struct fbs_buf text = FBS_BUF_INIT;
    const json_t *v, *loc, *m, *ident;
    struct env e;
    json_t *doc;
    size_t i;

    (void)state;
    env_init(&e);
    doc = report(&text, fs, 3, &e, false);
    assert_int_equal(json_array_size(json_object_get(doc, "vulnerabilities")), 2);
    assert_string_equal(
        str_of(json_object_get(json_object_get(doc, "scan"), "analyzer"), "version"), "1.2.3");
    assert_string_equal(str_of(json_object_get(doc, "scan"), "status"), "success");

    /* The file finding: no commit, so the placeholder sha. */
    v = vuln(doc, 0);
    loc = json_object_get(v, "location");
    assert_string_equal(str_of(loc, "file"), "config/prod.env");
    assert_int_equal(json_integer_value(json_object_get(loc, "start_line")), 3);
    assert_int_equal(json_integer_value(json_object_get(loc, "end_line")), 3);
    assert_string_equal(str_of(json_object_get(loc, "commit"), "sha"), NO_COMMIT);
    assert_null(json_object_get(json_object_get(loc, "commit"), "author"));
    assert_string_equal(str_of(v, "name"), "AWS access key ID");
    assert_string_equal(str_of(v, "severity"), "Critical");
    assert_string_equal(str_of(v, "solution"), "Deactivate the key and issue a time-bound one.");
    ident = json_array_get(json_object_get(v, "identifiers"), 0);
    assert_string_equal(str_of(ident, "type"), "fallback_scan_rule_id");
    assert_string_equal(str_of(ident, "value"), "aws.access_key_id");
    assert_string_equal(str_of(ident, "name"), "fallback-scan rule aws.access_key_id");
    assert_string_equal(
        str_of(json_object_get(json_object_get(v, "details"), "fingerprint"), "value"), fs[0]->id);
    assert_true(json_is_true(json_object_get(
        json_object_get(json_object_get(v, "details"), "standing_access"), "value")));

    /* The git finding: its commit, author and date. */
    v = vuln(doc, 1);
    loc = json_object_get(v, "location");
    assert_string_equal(str_of(loc, "file"), "deploy/token.txt");
    assert_string_equal(str_of(json_object_get(loc, "commit"), "sha"), GIT_COMMIT);
    assert_string_equal(str_of(json_object_get(loc, "commit"), "author"),
                        "Dana Ops <dana@example.com>");
    assert_string_equal(str_of(json_object_get(loc, "commit"), "date"), "2024-03-01T10:00:00Z");
    assert_string_equal(str_of(v, "severity"), "Medium");
    assert_null(json_object_get(v, "solution"));
    assert_string_equal(str_of(json_object_get(json_object_get(v, "details"), "commit"), "value"),
                        GIT_COMMIT);
    assert_string_equal(str_of(json_object_get(json_object_get(v, "details"), "baseline"), "value"),
                        "new");
    assert_non_null(strstr(str_of(v, "description"), "still in the history"));

    /* The cloud record is left out, and the report says so. */
    m = message_with(doc, "without a repository file");
    assert_non_null(m);
    assert_string_equal(str_of(m, "level"), "warn");
    assert_non_null(strstr(str_of(m, "value"), "1 finding "));
    assert_null(strstr(text.ptr, "arn:aws:iam"));

    json_decref(doc);
    fbs_buf_release(&text);
    env_release(&e);
    for (i = 0; i < 3; i++)
        fbs_finding_free(fs[i]);
}

static void test_report_gitlab__description_states_verdict(void **state)
{
    struct fbs_finding *f = file_finding(3);
    struct fbs_buf text = FBS_BUF_INIT;
    const char *desc;
    struct env e;
    json_t *doc;

    (void)state;
    env_init(&e);
    set(&f->key_path, "a`b");
    doc = report(&text, &f, 1, &e, false);
    desc = str_of(vuln(doc, 0), "description");
    /* Verdict, risk and every reason, as the text report gives them. */
    assert_non_null(strstr(desc, "**Standing access**"));
    assert_non_null(strstr(desc, "Risk 91/100 (critical)"));
    assert_non_null(strstr(desc, "\n- no expiry"));
    assert_non_null(strstr(desc, "Fallback evidence (confidence 0.90): `break-glass` (comment)"));
    /* Scanned text cannot make links, images or HTML. */
    assert_non_null(strstr(desc, "key \\[x\\](http://evil.example/p.png) \\<img src=x>"));
    assert_null(strstr(desc, "[x]("));
    /* A code span holding a backtick is fenced by two. */
    assert_non_null(strstr(desc, "key `` a`b ``"));
    assert_non_null(strstr(desc, f->id));
    json_decref(doc);
    fbs_buf_release(&text);
    env_release(&e);
    fbs_finding_free(f);
}

/* No raw secret in the bytes written, whether or not --show-secrets was given. */
static void test_report_gitlab__never_raw_secrets(void **state)
{
    struct fbs_finding *fs[4] = {file_finding(3), git_finding(), cloud_record(), file_finding(9)};
    struct fbs_buf text = FBS_BUF_INIT;
    static const char *const raw[] = {AWS_KEY, GIT_TOKEN, CLOUD_ID, "QYLPMN5HHHF", "MHcCAQEEII"};
    struct env e;
    json_t *doc;
    size_t i, j;
    int show;

    (void)state;
    env_init(&e);
    /* Key material, with its line, in the fourth finding. */
    assert_int_equal(fbs_finding_set_secret(fs[3], CERT_PEM, strlen(CERT_PEM)), 0);
    set(&fs[3]->line_text, CERT_PEM);
    fs[3]->line_secret_start = 0;
    fs[3]->line_secret_len = strlen(CERT_PEM);
    assert_int_equal(fbs_finding_fingerprint(fs[3], NULL), 0);
    for (show = 0; show <= 1; show++) {
        doc = report(&text, fs, 4, &e, show);
        for (j = 0; j < sizeof(raw) / sizeof(raw[0]); j++)
            assert_null(strstr(text.ptr, raw[j]));
        /* The redacted forms are there instead. */
        assert_non_null(strstr(text.ptr, "AKIA\xE2\x80\xA6ZAM2"));
        assert_non_null(strstr(text.ptr, "-----BEGIN EC PRIVATE KEY-----\xE2\x80\xA6"));
        json_decref(doc);
    }
    fbs_buf_release(&text);
    env_release(&e);
    for (i = 0; i < 4; i++)
        fbs_finding_free(fs[i]);
}

/* The id: the fingerprint as a version-8 UUID, stable, and unique within a report. */
static void test_report_gitlab__ids(void **state)
{
    struct fbs_finding *fs[3] = {file_finding(3), file_finding(7), git_finding()};
    struct fbs_buf text = FBS_BUF_INIT;
    char want[37], first[37], second[37];
    const char *id;
    struct env e;
    json_t *doc;
    size_t i, k;

    (void)state;
    env_init(&e);
    /* Same secret, rule and file: one fingerprint for two occurrences. */
    assert_string_equal(fs[0]->id, fs[1]->id);
    doc = report(&text, fs, 3, &e, false);
    id = str_of(vuln(doc, 0), "id");
    /* The fingerprint's hex, hyphenated, with the version nibble 8 and the variant bits 10. */
    for (i = 0, k = 0; i < 32; i++) {
        if (i == 8 || i == 12 || i == 16 || i == 20)
            want[k++] = '-';
        want[k++] = fs[0]->id[i];
    }
    want[36] = '\0';
    want[14] = '8';
    want[19] = "89ab89ab89ab89ab"[strchr("0123456789abcdef", fs[0]->id[16]) - "0123456789abcdef"];
    assert_string_equal(id, want);
    snprintf(first, sizeof(first), "%s", id);
    snprintf(second, sizeof(second), "%s", str_of(vuln(doc, 1), "id"));
    assert_string_not_equal(first, second);
    assert_int_equal(second[14], '8');
    assert_true(strchr("89ab", second[19]) != NULL);
    assert_string_not_equal(str_of(vuln(doc, 2), "id"), first);
    assert_string_not_equal(str_of(vuln(doc, 2), "id"), second);
    json_decref(doc);

    /* Another run gives the same ids. */
    doc = report(&text, fs, 3, &e, false);
    assert_string_equal(str_of(vuln(doc, 0), "id"), first);
    assert_string_equal(str_of(vuln(doc, 1), "id"), second);
    json_decref(doc);

    /* The first occurrence keeps its id whatever its line (edits above the secret). */
    fs[0]->line = fs[0]->end_line = 30;
    doc = report(&text, fs, 1, &e, false);
    assert_string_equal(str_of(vuln(doc, 0), "id"), first);
    json_decref(doc);
    fbs_buf_release(&text);
    env_release(&e);
    for (i = 0; i < 3; i++)
        fbs_finding_free(fs[i]);
}

static void test_report_gitlab__severity_map(void **state)
{
    static const struct {
        const char *ours, *gitlab;
    } cases[] = {
        {"critical", "Critical"}, {"high", "High"},  {"medium", "Medium"}, {"low", "Low"},
        {"info", "Info"},         {NULL, "Unknown"}, {"bogus", "Unknown"}, {"", "Unknown"},
    };
    struct fbs_finding *f = file_finding(3);
    struct fbs_buf text = FBS_BUF_INIT;
    struct env e;
    json_t *doc;
    size_t i;

    (void)state;
    env_init(&e);
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        f->severity = cases[i].ours;
        if (!cases[i].ours)
            f->risk = -1; /* unscored */
        doc = report(&text, &f, 1, &e, false);
        assert_string_equal(str_of(vuln(doc, 0), "severity"), cases[i].gitlab);
        json_decref(doc);
    }
    fbs_buf_release(&text);
    env_release(&e);
    fbs_finding_free(f);
}

/* Suppressed findings are left out (GitLab has no suppressed state), and counted. */
static void test_report_gitlab__suppressed_left_out(void **state)
{
    struct fbs_finding *fs[2] = {file_finding(3), git_finding()};
    struct fbs_buf text = FBS_BUF_INIT;
    const json_t *m;
    struct env e;
    json_t *doc;

    (void)state;
    env_init(&e);
    fs[0]->suppression = FBS_SUPPRESSED_INLINE;
    e.info.show_suppressed = true;
    doc = report(&text, fs, 2, &e, false);
    assert_int_equal(json_array_size(json_object_get(doc, "vulnerabilities")), 1);
    assert_string_equal(str_of(json_object_get(vuln(doc, 0), "location"), "file"),
                        "deploy/token.txt");
    m = message_with(doc, "suppressed");
    assert_non_null(m);
    assert_string_equal(str_of(m, "level"), "info");
    assert_non_null(strstr(str_of(m, "value"), "1 finding "));
    json_decref(doc);

    /* Without --show-suppressed they never reach the reporter: the stats count them. */
    atomic_store(&e.stats.suppressed_inline, 2);
    atomic_store(&e.stats.suppressed_ignore_file, 1);
    doc = report(&text, fs + 1, 1, &e, false);
    assert_non_null(strstr(str_of(message_with(doc, "suppressed"), "value"), "3 findings "));
    json_decref(doc);
    fbs_buf_release(&text);
    env_release(&e);
    fbs_finding_free(fs[0]);
    fbs_finding_free(fs[1]);
}

/* Scan times without a zone; an incomplete scan says so, one message per error. */
static void test_report_gitlab__scan_times_and_messages(void **state)
{
    struct fbs_buf text = FBS_BUF_INIT;
    const json_t *scan;
    struct env e;
    json_t *doc;
    int i;

    (void)state;
    env_init(&e);
    e.stats.seconds = 61.7;
    doc = report(&text, NULL, 0, &e, false);
    scan = json_object_get(doc, "scan");
    assert_string_equal(str_of(scan, "start_time"), "2024-02-29T12:34:56");
    assert_string_equal(str_of(scan, "end_time"), "2024-02-29T12:35:57");
    assert_int_equal(json_array_size(json_object_get(doc, "vulnerabilities")), 0);
    assert_int_equal(json_array_size(json_object_get(scan, "messages")), 0);
    json_decref(doc);

    fbs_diags_add(&e.diags, true, "unreadable", "secrets/vault.hcl", "permission denied");
    fbs_diags_add(&e.diags, false, "binary", "img.png", "binary file skipped");
    doc = report(&text, NULL, 0, &e, false);
    assert_string_equal(str_of(message_with(doc, "scan incomplete"), "level"), "warn");
    assert_non_null(strstr(str_of(message_with(doc, "scan incomplete"), "value"), "1 item "));
    assert_non_null(message_with(doc, "unreadable secrets/vault.hcl: permission denied"));
    assert_null(message_with(doc, "img.png"));
    json_decref(doc);

    /* Many errors: the first ones listed, the rest counted. */
    for (i = 0; i < 60; i++)
        fbs_diags_add(&e.diags, true, "unreadable", "f", "denied %d", i);
    doc = report(&text, NULL, 0, &e, false);
    assert_non_null(message_with(doc, "and 11 more diagnostics"));
    json_decref(doc);
    fbs_buf_release(&text);
    env_release(&e);
}

/* Long and non-UTF-8 values: cut at a character boundary, repaired, within the schema's limits. */
static void test_report_gitlab__limits_and_bad_bytes(void **state)
{
    struct fbs_finding *f = file_finding(3);
    struct fbs_buf text = FBS_BUF_INIT, name = FBS_BUF_INIT;
    const char *got;
    struct env e;
    json_t *doc;
    int i;

    (void)state;
    env_init(&e);
    for (i = 0; i < 200; i++)
        assert_int_equal(fbs_buf_puts(&name, "\xC3\xA9"), 0); /* 'é': 400 bytes, 200 chars */
    set(&f->rule_name, name.ptr);
    fbs_buf_truncate(&name, 0);
    for (i = 0; i < 8000; i++)
        assert_int_equal(fbs_buf_putc(&name, 'r'), 0);
    set(&f->remediation, name.ptr);
    set(&f->rel_path, "conf/\xFF\xFEprod.env");
    e.info.tool_version = "";
    doc = report(&text, &f, 1, &e, false);
    got = str_of(vuln(doc, 0), "name");
    assert_int_equal(strlen(got), 254); /* 127 whole characters within 255 bytes */
    assert_int_equal(strlen(str_of(vuln(doc, 0), "solution")), 7000);
    assert_string_equal(str_of(json_object_get(vuln(doc, 0), "location"), "file"),
                        "conf/\xEF\xBF\xBD\xEF\xBF\xBDprod.env");
    assert_string_equal(
        str_of(json_object_get(json_object_get(doc, "scan"), "analyzer"), "version"), "unknown");
    json_decref(doc);
    fbs_buf_release(&name);
    fbs_buf_release(&text);
    env_release(&e);
    fbs_finding_free(f);
}

/* Out of memory at every allocation in turn: an error code, nothing leaked (cmocka checks). */
static void test_report_gitlab__enomem(void **state)
{
    struct fbs_finding *fs[3] = {file_finding(3), file_finding(7), git_finding()};
    char dir[300], path[400];
    struct env e;
    long n;
    int rc = -1;

    (void)state;
    env_init(&e);
    fbs_diags_add(&e.diags, true, "unreadable", "x", "denied");
    snprintf(dir, sizeof(dir), "%s", fbs_test_tmpdir());
    snprintf(path, sizeof(path), "%s/report.json", dir);
    for (n = 0; n < 10000 && rc != 0; n++) {
        fbs_test_fail_allocs_after(n);
        rc = run_to(path, fs, 3, &e, false);
        fbs_test_fail_allocs_after(-1);
        assert_true(rc == 0 || rc == FBS_ENOMEM);
    }
    assert_int_equal(rc, 0);
    assert_true(n > 1);
    fbs_test_rmtree(dir);
    env_release(&e);
    for (n = 0; n < 3; n++)
        fbs_finding_free(fs[n]);
}

static void test_report_gitlab__registered(void **state)
{
    (void)state;
    assert_ptr_equal(fbs_reporter_find("gitlab"), &fbs_reporter_gitlab);
    assert_non_null(strstr(fbs_reporter_names(), "gitlab"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_report_gitlab__required_fields),
        cmocka_unit_test(test_report_gitlab__description_states_verdict),
        cmocka_unit_test(test_report_gitlab__never_raw_secrets),
        cmocka_unit_test(test_report_gitlab__ids),
        cmocka_unit_test(test_report_gitlab__severity_map),
        cmocka_unit_test(test_report_gitlab__suppressed_left_out),
        cmocka_unit_test(test_report_gitlab__scan_times_and_messages),
        cmocka_unit_test(test_report_gitlab__limits_and_bad_bytes),
        cmocka_unit_test(test_report_gitlab__enomem),
        cmocka_unit_test(test_report_gitlab__registered),
    };

    fbs_test_use_failing_alloc();
    return cmocka_run_group_tests(tests, NULL, NULL);
}
