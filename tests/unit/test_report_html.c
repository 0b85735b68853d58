/*
 * test_report_html.c - reporters/report_html.c: the self-contained HTML page for auditors.
 *
 * Findings are built by hand with hostile strings where scanned content goes (paths, keys,
 * snippets, authors, commit messages, facts, reasons): every one must come out escaped, the raw
 * secret must not appear unless asked for, and the page must stay well formed.
 */
#include "support/test_support.h"

#include "reporters/reporter.h"
#include "scanner/core/error.h"
#include "scanner/core/text.h"
#include "scanner/model/diag.h"
#include "scanner/model/finding.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
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
#define HOSTILE_SECRET                                                                             \
    "<script>alert(1)</script>"                                                                    \
    "Zq8vN3kL0pR7tW2y"
#define GIT_COMMIT "0123456789abcdef0123456789abcdef01234567"

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

/* A file finding, standing access, with hostile strings everywhere scanned content goes. */
static struct fbs_finding *file_finding(void)
{
    struct fbs_finding *f =
        base("aws.access_key_id", "AWS access key ID", "aws_access_key", AWS_KEY);
    static const char text[] = "<script>K=\"" AWS_KEY "\" # break-glass & 'x'\xff";

    f->source = FBS_SOURCE_FILE;
    set(&f->path, "/repo/<script>alert('p')</script>/prod.env");
    set(&f->rel_path, "<script>alert('p')</script>/prod.env");
    f->line = 3;
    f->column = 12;
    set(&f->line_text, text);
    f->line_secret_start = 11;
    f->line_secret_len = strlen(AWS_KEY);
    set(&f->key, "<script>key</script>");
    f->is_fallback = true;
    f->fallback_confidence = 0.9;
    assert_int_equal(fbs_finding_add_indicator(f, "break-glass", "comment", 0.9), 0);
    f->has_issued = true;
    assert_int_equal(fbs_time_parse(&f->issued, "2023-01-02T03:04:05Z"), 0);
    f->has_age = true;
    f->age_days = 423;
    f->privilege = FBS_PRIV_HIGH;
    json_object_set_new(f->facts, "privilege_evidence",
                        json_pack("[s]", "subject O=<b>system:masters</b>"));
    json_object_set_new(f->facts, "subject", json_string("CN=\"evil\" <img src=x onerror=y>"));
    json_object_set_new(f->facts, "<fact>", json_pack("{s:[i, b]}", "nested", 7, 1));
    set(&f->custody, "plain_file");
    f->risk = 91;
    f->severity = "critical";
    f->standing = 1;
    assert_int_equal(fbs_finding_add_reason(f, "no expiry"), 0);
    assert_int_equal(fbs_finding_add_reason(f, "key named <script>x</script> & 'quoted'"), 0);
    set(&f->remediation, "Deactivate the key.");
    f->fallback_advice = "Issue break-glass credentials on demand.";
    assert_int_equal(fbs_finding_fingerprint(f, NULL), 0);
    return f;
}

/* A git history finding, not standing, baseline new. */
static struct fbs_finding *git_finding(void)
{
    struct fbs_finding *f =
        base("gitlab.pat", "GitLab personal access token", "gitlab_pat", GIT_TOKEN);

    f->source = FBS_SOURCE_GIT;
    set(&f->path, "deploy/token.txt");
    f->line = 2;
    f->column = 1;
    set(&f->commit, GIT_COMMIT);
    set(&f->author, "Dana <dana@example.com>");
    set(&f->commit_message, "add token </pre><script>x()</script>\r\n\x1b[31m");
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

/* A cloud record: only a resource. */
static struct fbs_finding *cloud_record(void)
{
    struct fbs_finding *f =
        base("aws.iam.access_key", "AWS IAM access key", "aws_access_key", CLOUD_ID);

    f->source = FBS_SOURCE_AWS;
    set(&f->resource, "arn:aws:iam::123456789012:user/breakglass");
    set(&f->key, "breakglass");
    f->active = 1;
    f->has_expires = true;
    assert_int_equal(fbs_time_parse(&f->expires, "2027-01-01T00:00:00Z"), 0);
    f->risk = 70;
    f->severity = "high";
    f->standing = 0;
    f->is_fallback = true;
    assert_int_equal(fbs_finding_add_reason(f, "expires within the fallback window"), 0);
    assert_int_equal(fbs_finding_fingerprint(f, NULL), 0);
    return f;
}

/* A suppressed finding whose secret itself is hostile. */
static struct fbs_finding *suppressed_finding(void)
{
    struct fbs_finding *f = base("generic.password", "Password", "password", HOSTILE_SECRET);

    f->source = FBS_SOURCE_FILE;
    set(&f->path, "a.yml");
    f->line = 1;
    f->column = 1;
    f->suppression = FBS_SUPPRESSED_IGNORE_FILE;
    set(&f->suppression_reason, "accepted <risk> by \"ops\"");
    set(&f->suppression_source, ".fallback-scan-ignore:4");
    assert_int_equal(fbs_finding_fingerprint(f, NULL), 0);
    return f;
}

struct env {
    struct fbs_stats stats;
    struct fbs_diags diags;
    struct fbs_report_info info;
    const char *targets[1];
    json_t *policy;
};

static void env_init(struct env *e)
{
    memset(e, 0, sizeof(*e));
    fbs_stats_init(&e->stats);
    assert_int_equal(fbs_diags_init(&e->diags, &e->stats, false), 0);
    e->targets[0] = "/work/<repo>";
    e->policy = json_pack("{s:i}", "fallback_window", 7);
    assert_non_null(e->policy);
    e->info.tool_version = "1.2.3";
    assert_int_equal(fbs_time_parse(&e->info.now, "2024-02-29T12:34:56Z"), 0);
    e->info.targets = e->targets;
    e->info.ntargets = 1;
    e->info.stats = &e->stats;
    e->info.diags = &e->diags;
    e->info.nrules = 42;
    e->info.policy = e->policy;
}

static void env_release(struct env *e)
{
    fbs_diags_release(&e->diags);
    json_decref(e->policy);
}

/* Run begin/add.../end into memory; *out is libc's (free()). 0 or the first error. */
static int render_raw(char **out, struct fbs_finding *const *fs, size_t n,
                      const struct fbs_report_info *info, bool show)
{
    struct fbs_report_opts opts;
    char *buf = NULL;
    size_t len = 0, i;
    void *state = NULL;
    FILE *fp = open_memstream(&buf, &len);
    int rc;

    assert_non_null(fp);
    memset(&opts, 0, sizeof(opts));
    opts.out = fp;
    opts.show_secrets = show;
    rc = fbs_reporter_html.begin(&state, &opts, info);
    for (i = 0; rc == 0 && i < n; i++)
        rc = fbs_reporter_html.add(state, fs[i]);
    if (rc == 0)
        rc = fbs_reporter_html.end(state);
    else
        fbs_reporter_html.end(state);
    fclose(fp);
    if (rc < 0) {
        free(buf); /* open_memstream's buffer is libc's */
        return rc;
    }
    *out = buf;
    return 0;
}

static size_t count(const char *hay, const char *needle)
{
    size_t n = 0;

    for (hay = strstr(hay, needle); hay; hay = strstr(hay + 1, needle))
        n++;
    return n;
}

/* Well formed enough: one document, balanced elements we open, valid UTF-8. */
static void check_page(const char *html)
{
    static const char *const balanced[][2] = {
        {"<html", "</html>"},       {"<body", "</body>"},     {"<article", "</article>"},
        {"<section", "</section>"}, {"<table", "</table>"},   {"<tr", "</tr>"},
        {"<ul", "</ul>"},           {"<pre", "</pre>"},       {"<code", "</code>"},
        {"<dl", "</dl>"},           {"<script", "</script>"}, {"<li>", "</li>"},
    };
    size_t i;

    assert_true(fbs_utf8_valid(html, strlen(html)));
    assert_int_equal(strncmp(html, "<!DOCTYPE html>\n", 16), 0);
    assert_int_equal(count(html, "<html"), 1);
    assert_non_null(strstr(html, "</html>\n"));
    assert_string_equal(strstr(html, "</html>\n"), "</html>\n");
    for (i = 0; i < sizeof(balanced) / sizeof(balanced[0]); i++)
        if (count(html, balanced[i][0]) != count(html, balanced[i][1]))
            fail_msg("unbalanced %s: %zu vs %zu", balanced[i][0], count(html, balanced[i][0]),
                     count(html, balanced[i][1]));
    /* Self-contained: nothing fetched, nothing run. */
    assert_int_equal(count(html, "<script"), 0);
    assert_null(strstr(html, "src=\""));
    assert_null(strstr(html, "<link"));
    assert_null(strstr(html, "url("));
    assert_null(strstr(html, "@import"));
}

static void free_all(struct fbs_finding **fs, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        fbs_finding_free(fs[i]);
}

static void test_report_html__escapes_scanned_content(void **state)
{
    struct fbs_finding *fs[4] = {git_finding(), file_finding(), cloud_record(),
                                 suppressed_finding()};
    static const char *const escaped[] = {
        "/repo/&lt;script&gt;alert(&#39;p&#39;)&lt;/script&gt;/prod.env:3:12",
        "&lt;script&gt;key&lt;/script&gt;",
        "key named &lt;script&gt;x&lt;/script&gt; &amp; &#39;quoted&#39;",
        "subject O=&lt;b&gt;system:masters&lt;/b&gt;",
        "CN=&quot;evil&quot; &lt;img src=x onerror=y&gt;",
        "<tr><th>&lt;fact&gt;</th>",
        "add token &lt;/pre&gt;&lt;script&gt;x()&lt;/script&gt;\n\xef\xbf\xbd[31m</pre>",
        "Dana &lt;dana@example.com&gt;",
        "accepted &lt;risk&gt; by &quot;ops&quot;",
        "/work/&lt;repo&gt;",
        "&lt;script&gt;K=&quot;AKIA…ZAM2&quot; # break-glass &amp; &#39;x&#39;\xef\xbf\xbd",
    };
    struct env e;
    char *html = NULL;
    size_t i;

    (void)state;
    env_init(&e);
    assert_int_equal(render_raw(&html, fs, 4, &e.info, false), 0);
    check_page(html);
    for (i = 0; i < sizeof(escaped) / sizeof(escaped[0]); i++)
        if (!strstr(html, escaped[i]))
            fail_msg("missing escaped text: %s", escaped[i]);
    /* No raw secret, and the hostile one only in redacted, escaped form. */
    assert_null(strstr(html, AWS_KEY));
    assert_null(strstr(html, GIT_TOKEN));
    assert_null(strstr(html, HOSTILE_SECRET));
    assert_null(strstr(html, "alert(1)"));
    assert_null(strstr(html, "onerror=y>"));
    free(html);
    free_all(fs, 4);
    env_release(&e);
}

static void test_report_html__content(void **state)
{
    struct fbs_finding *fs[4] = {git_finding(), cloud_record(), suppressed_finding(),
                                 file_finding()};
    static const char *const present[] = {
        "\"version\": \"1.2.3\"",
        "\"now\": \"2024-02-29T12:34:56Z\"",
        "\"fallback_window\": 7",
        "<tr><th>Findings</th><td>4</td></tr>",
        "<tr><th>Fallback credentials</th><td>2</td></tr>",
        "<tr><th>Standing access</th><td><strong>1</strong></td></tr>",
        "<tr><th>By severity</th><td>critical 1, high 1, medium 1, low 0, info 0, none 1</td></tr>",
        "<strong>standing access</strong>; risk 91 (critical)",
        "<li>no expiry</li>",
        "not standing access; risk 55 (medium)",
        "Deactivate the key. Issue break-glass credentials on demand.",
        "<code>" GIT_COMMIT "</code> by Dana",
        "2024-03-01T10:00:00Z; no longer in HEAD",
        "arn:aws:iam::123456789012:user/breakglass",
        "<span class=\"tag\">aws</span> <span class=\"tag\">active</span>",
        "2027-01-01T00:00:00Z",
        "ignore_file (<code>.fallback-scan-ignore:4</code>)",
        "<tr><th>Baseline</th><td>new</td></tr>",
        "2023-01-02T03:04:05Z",
        "<tr><th>Age</th><td>423 days</td></tr>",
        "<tr class=\"wide\"><th>Privilege</th><td>high",
        "<tr><th>Custody</th><td>plain file</td></tr>",
        "&lsquo;break-glass&rsquo; in a comment (weight 0.90)",
        "<tr><th>Nested</th><td><ul><li>7</li><li>yes</li></ul></td></tr>",
        /* The overview: targets, the chart, one line per finding by risk. */
        "<svg class=\"chart\"",
        "<title id=\"chart-title\">Findings by verdict and severity</title>",
        ("<tr><td class=\"num\"><a href=\"#f-1\">1</a></td><td class=\"v\"><strong>Standing "
         "access</strong></td><td class=\"num\">91</td>"),
        "<tr><th>Complete</th><td>yes</td></tr>",
        "<tr><th>Rules</th><td>42</td></tr>",
    };
    struct env e;
    char *html = NULL;
    const char *standing, *fallback, *other, *scan;
    size_t i;

    (void)state;
    env_init(&e);
    assert_int_equal(render_raw(&html, fs, 4, &e.info, false), 0);
    check_page(html);
    for (i = 0; i < sizeof(present) / sizeof(present[0]); i++)
        if (!strstr(html, present[i]))
            fail_msg("missing: %s", present[i]);
    for (i = 0; i < 4; i++)
        assert_non_null(strstr(html, fs[i]->id));
    /* The overview first; then standing, other fallback, the rest, whatever the order given. */
    assert_true(strstr(html, "<section id=\"overview\">") <
                strstr(html, "<section id=\"standing\">"));
    assert_null(strstr(html, "other_locations"));
    assert_null(strstr(html, "age_from"));
    standing = strstr(html, "<section id=\"standing\">");
    fallback = strstr(html, "<section id=\"fallback\">");
    other = strstr(html, "<section id=\"other\">");
    scan = strstr(html, "<section id=\"scan\">");
    assert_non_null(standing);
    assert_true(standing < fallback && fallback < other && other < scan);
    assert_true(strstr(html, fs[3]->id) > standing && strstr(html, fs[3]->id) < fallback);
    assert_true(strstr(html, fs[1]->id) > fallback && strstr(html, fs[1]->id) < other);
    assert_true(strstr(html, fs[0]->id) > other && strstr(html, fs[2]->id) > other);
    free(html);
    free_all(fs, 4);
    env_release(&e);
}

static void test_report_html__show_secrets(void **state)
{
    struct fbs_finding *fs[2] = {file_finding(), suppressed_finding()};
    struct env e;
    char *html = NULL;

    (void)state;
    env_init(&e);
    assert_int_equal(render_raw(&html, fs, 2, &e.info, true), 0);
    check_page(html);
    assert_non_null(strstr(html, "<code>" AWS_KEY "</code>"));
    /* Shown, but still escaped. */
    assert_non_null(strstr(html, "&lt;script&gt;alert(1)&lt;/script&gt;Zq8vN3kL0pR7tW2y"));
    assert_null(strstr(html, HOSTILE_SECRET));
    free(html);
    free_all(fs, 2);
    env_release(&e);
}

static void test_report_html__incomplete_and_diagnostics(void **state)
{
    struct env e;
    char *html = NULL;
    json_t *absent;

    (void)state;
    env_init(&e);
    fbs_diags_add(&e.diags, true, "unreadable", "dir/<b>x</b>", "permission denied & more");
    /* As the pipeline gives them: the baseline's description of each (suppress.c). */
    absent = json_pack("[{s:s, s:{s:s, s:s, s:i}}, {s:s, s:{s:s, s:s}}]", "id", "ffee", "finding",
                       "rule_id", "aws.access_key_id", "path", "old/<i>.env", "line", 7, "id",
                       "aaaa", "finding", "rule_id", "aws.iam.access_key", "resource",
                       "arn:aws:iam::1:user/<x>");
    assert_non_null(absent);
    e.info.absent = absent;
    assert_int_equal(render_raw(&html, NULL, 0, &e.info, false), 0);
    check_page(html);
    assert_non_null(strstr(html, "<strong>Incomplete scan:</strong> 1 item could not be read"));
    assert_non_null(strstr(html, "<td>unreadable</td><td><code>dir/&lt;b&gt;x&lt;/b&gt;</code>"
                                 "</td><td>permission denied &amp; more</td><td>yes</td>"));
    assert_non_null(strstr(html, "<tr><th>Complete</th><td><strong>no"));
    assert_non_null(strstr(html, "<tr><td><code>ffee</code></td><td>aws.access_key_id</td><td>"
                                 "<code>old/&lt;i&gt;.env:7</code></td></tr>"));
    assert_non_null(strstr(html, "<tr><td><code>aaaa</code></td><td>aws.iam.access_key</td><td>"
                                 "<code>arn:aws:iam::1:user/&lt;x&gt;</code></td></tr>"));
    assert_non_null(strstr(html, "<tr><th>Standing access</th><td class=\"none\">not assessed"));
    assert_int_equal(count(html, "<p class=\"none\">None.</p>"), 4); /* overview, 3 sections */
    free(html);
    json_decref(absent);
    env_release(&e);
}

static void test_report_html__out_of_memory(void **state)
{
    struct fbs_finding *fs[4] = {file_finding(), git_finding(), cloud_record(),
                                 suppressed_finding()};
    struct env e;
    int rc = -1;
    long n;

    (void)state;
    env_init(&e);
    fbs_diags_add(&e.diags, true, "unreadable", "x", "denied");
    for (n = 0; n < 10000 && rc != 0; n++) {
        char *out = NULL;

        fbs_test_fail_allocs_after(n);
        rc = render_raw(&out, fs, 4, &e.info, false);
        fbs_test_fail_allocs_after(-1);
        if (rc == 0)
            free(out);
        else
            assert_int_equal(rc, FBS_ENOMEM);
    }
    assert_int_equal(rc, 0);
    assert_true(n > 4);
    free_all(fs, 4);
    env_release(&e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_report_html__escapes_scanned_content),
        cmocka_unit_test(test_report_html__content),
        cmocka_unit_test(test_report_html__show_secrets),
        cmocka_unit_test(test_report_html__incomplete_and_diagnostics),
        cmocka_unit_test(test_report_html__out_of_memory),
    };

    fbs_test_use_failing_alloc();
    return cmocka_run_group_tests(tests, NULL, NULL);
}
