/*
 * test_report_sarif.c - reporters/report_sarif.c: the SARIF 2.1.0 reporter on findings built by
 * hand (cloud records, git history with a known repository, several targets, scored and
 * unscored), read back with jansson.
 *
 * With FBS_SARIF_SAMPLES=DIR set, the documents of the sample cases are also written to
 * DIR/<case>.sarif: tests/sarif/run_sarif.py validates them with the SARIF multitool and
 * compares them with its golden files (the CLI has no cloud source yet).
 */
#include "support/test_support.h"

#include "reporters/reporter.h"
#include "scanner/core/error.h"
#include "scanner/core/time.h"
#include "scanner/model/diag.h"
#include "scanner/model/finding.h"
#include "scanner/pipeline.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scanner/core/banned.h"

#define NOW     1795392000 /* 2026-11-23T00:00:00Z */
#define DAY     86400
#define AWS_ARN "arn:aws:iam::123456789012:user/breakglass"
#define AWS_KEY "AKIAR7MQ2LXW5NBTZ4KP"
#define GCP_NAME                                                                                   \
    "//iam.googleapis.com/projects/ops/serviceAccounts/recovery@ops.iam.gserviceaccount.com/keys/" \
    "4f2a"
#define GIT_KEY "AKIAQ3VX7LM2PNRT4KZW"
#define FILE_PW "Xq7!vR2#mP9$wL4k"

/* ---- building findings ---- */

static struct fbs_finding *rule(const char *id, const char *name, const char *kind, bool fb)
{
    struct fbs_finding *f = fbs_finding_new();

    assert_non_null(f);
    assert_int_equal(fbs_finding_set_str(&f->rule_id, id), 0);
    assert_int_equal(fbs_finding_set_str(&f->rule_name, name), 0);
    assert_int_equal(fbs_finding_set_str(&f->kind, kind), 0);
    assert_int_equal(fbs_finding_set_str(&f->remediation, "Revoke it where it was issued."), 0);
    f->rule_fallback = fb;
    return f;
}

static void score(struct fbs_finding *f, int risk, const char *severity, int standing)
{
    f->risk = risk;
    f->severity = severity;
    f->standing = standing;
    fbs_finding_set_score(f, FBS_DIM_FALLBACK, f->fallback_confidence);
    fbs_finding_set_score(f, FBS_DIM_AGE, 1.0);
    fbs_finding_set_score(f, FBS_DIM_EXPIRY, 1.0);
}

/* An AWS IAM access key of the break-glass user, as the AWS collector will hand it over. */
static struct fbs_finding *aws_record(void)
{
    struct fbs_finding *f =
        rule("aws.iam.access_key", "AWS IAM access key", "aws_access_key", false);

    f->source = FBS_SOURCE_AWS;
    assert_int_equal(fbs_finding_set_str(&f->resource, AWS_ARN), 0);
    assert_int_equal(fbs_finding_set_secret(f, AWS_KEY, strlen(AWS_KEY)), 0);
    assert_int_equal(fbs_finding_set_str(&f->key, "breakglass"), 0);
    assert_int_equal(fbs_finding_set_str(&f->names, "emergency access"), 0);
    f->issued = NOW - 700 * DAY;
    f->has_issued = true;
    f->last_used = NOW - 3 * DAY;
    f->has_last_used = true;
    f->active = 1;
    f->privilege = FBS_PRIV_HIGH;
    assert_int_equal(fbs_finding_add_indicator(f, "breakglass", "name", 0.95), 0);
    assert_int_equal(fbs_finding_add_indicator(f, "emergency", "description", 0.8), 0);
    f->fallback_confidence = 0.99;
    f->is_fallback = true;
    assert_int_equal(fbs_finding_set_str(&f->custody, "cloud_provider"), 0);
    json_object_set_new(f->facts, "account_id", json_string("123456789012"));
    json_object_set_new(f->facts, "issued_from", json_string("aws_iam"));
    score(f, 95, "critical", 1);
    assert_int_equal(fbs_finding_add_reason(f, "active, no expiry"), 0);
    assert_int_equal(fbs_finding_add_reason(f, "created 2024-12-23, 700 days ago > 7-day "
                                               "fallback window"),
                     0);
    assert_int_equal(fbs_finding_fingerprint(f, NULL), 0);
    return f;
}

/* A GCP service-account key, not scored yet. */
static struct fbs_finding *gcp_record(void)
{
    struct fbs_finding *f = rule("gcp.iam.service_account_key", "GCP service account key",
                                 "gcp_service_account_key", false);

    f->source = FBS_SOURCE_GCP;
    assert_int_equal(fbs_finding_set_str(&f->resource, GCP_NAME), 0);
    assert_int_equal(fbs_finding_set_secret(f, "4f2a", 4), 0);
    assert_int_equal(fbs_finding_set_str(&f->key, "recovery@ops.iam.gserviceaccount.com"), 0);
    assert_int_equal(fbs_finding_add_indicator(f, "recovery", "name", 0.8), 0);
    f->fallback_confidence = 0.8;
    f->is_fallback = true;
    assert_int_equal(fbs_finding_fingerprint(f, NULL), 0);
    return f;
}

/* A key added to git history under `target` and removed later. */
static struct fbs_finding *git_finding(const char *target, int risk, const char *severity)
{
    static const char line[] = "breakglass_access_key_id = \"" GIT_KEY "\"";
    struct fbs_finding *f =
        rule("aws.access_key_id", "AWS access key id", "aws_access_key_id", false);

    f->source = FBS_SOURCE_GIT;
    assert_int_equal(fbs_finding_set_str(&f->target, target), 0);
    assert_int_equal(fbs_finding_set_str(&f->path, "breakglass/aws.tfvars"), 0);
    assert_int_equal(fbs_finding_set_str(&f->rel_path, "breakglass/aws.tfvars"), 0);
    assert_int_equal(fbs_finding_set_secret(f, GIT_KEY, strlen(GIT_KEY)), 0);
    assert_int_equal(fbs_finding_set_str(&f->line_text, line), 0);
    f->line_secret_start = 28;
    f->line_secret_len = strlen(GIT_KEY);
    f->line = f->end_line = 2;
    f->column = 29;
    f->end_column = 49;
    assert_int_equal(fbs_finding_set_str(&f->key, "breakglass_access_key_id"), 0);
    assert_int_equal(fbs_finding_set_str(&f->commit, "00549838a8d897f2b5c9480f266935d3eaef0e24"),
                     0);
    assert_int_equal(fbs_finding_set_str(&f->author, "Ops Bot <ops@example.com>"), 0);
    assert_int_equal(fbs_finding_set_str(&f->commit_message, "add emergency access key"), 0);
    f->committed = NOW - 266 * DAY;
    f->has_committed = true;
    f->in_head = 0;
    assert_int_equal(fbs_finding_add_indicator(f, "breakglass", "key", 0.95), 0);
    f->fallback_confidence = 0.95;
    f->is_fallback = true;
    assert_int_equal(fbs_finding_set_str(&f->custody, "git_history_only"), 0);
    if (risk >= 0) {
        score(f, risk, severity, 1);
        assert_int_equal(fbs_finding_add_reason(f, "no expiry"), 0);
        assert_int_equal(fbs_finding_add_reason(f, "only in history since 0bf5fa6"), 0);
    }
    assert_int_equal(fbs_finding_fingerprint(f, NULL), 0);
    return f;
}

/* A password in a work-tree file of `target`, on a line with non-ASCII text before it. */
static struct fbs_finding *file_finding(const char *target, const char *rel, const char *prefix,
                                        int risk, const char *severity)
{
    struct fbs_finding *f = rule("generic.password_quoted", "Password assigned as a quoted string",
                                 "generic_password", false);
    char line[256];

    snprintf(line, sizeof(line), "%s\"%s\"", prefix, FILE_PW);
    f->source = FBS_SOURCE_FILE;
    assert_int_equal(fbs_finding_set_str(&f->target, target), 0);
    assert_int_equal(fbs_finding_set_str(&f->path, rel), 0);
    assert_int_equal(fbs_finding_set_str(&f->rel_path, rel), 0);
    assert_int_equal(fbs_finding_set_secret(f, FILE_PW, strlen(FILE_PW)), 0);
    assert_int_equal(fbs_finding_set_str(&f->line_text, line), 0);
    f->line_secret_start = strlen(prefix) + 1;
    f->line_secret_len = strlen(FILE_PW);
    f->line = f->end_line = 3;
    f->column = (unsigned)f->line_secret_start + 1;
    f->end_column = f->column + (unsigned)strlen(FILE_PW);
    assert_int_equal(fbs_finding_set_str(&f->key, "password"), 0);
    if (risk >= 0) {
        score(f, risk, severity, 0);
        assert_int_equal(fbs_finding_add_reason(f, "not a fallback credential"), 0);
    }
    assert_int_equal(fbs_finding_fingerprint(f, NULL), 0);
    return f;
}

/* ---- rendering ---- */

struct render {
    char *text;  /* the document as written */
    json_t *doc; /* parsed */
    json_t *run; /* runs[0] (borrowed) */
};

static void info_init(struct fbs_report_info *info, const char *const *targets, size_t n)
{
    memset(info, 0, sizeof(*info));
    info->tool_version = "0.1.0";
    info->now = NOW;
    info->targets = targets;
    info->ntargets = n;
    info->nrules = 124;
}

/* The reporter's output for findings, or a negative code (the output is then discarded). */
static int render_raw(char **out, struct fbs_finding **fs, size_t n,
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
    rc = fbs_reporter_sarif.begin(&state, &opts, info);
    for (i = 0; rc == 0 && i < n; i++)
        rc = fbs_reporter_sarif.add(state, fs[i]);
    if (rc == 0)
        rc = fbs_reporter_sarif.end(state);
    else
        fbs_reporter_sarif.end(state);
    fclose(fp);
    if (rc < 0) {
        free(buf); /* open_memstream's buffer is libc's */
        return rc;
    }
    *out = buf;
    return 0;
}

/* Render, parse, and write DIR/<sample>.sarif when FBS_SARIF_SAMPLES is set. */
static void render(struct render *r, struct fbs_finding **fs, size_t n,
                   const struct fbs_report_info *info, bool show, const char *sample)
{
    const char *dir = getenv("FBS_SARIF_SAMPLES");
    json_error_t err;

    assert_int_equal(render_raw(&r->text, fs, n, info, show), 0);
    r->doc = json_loads(r->text, 0, &err);
    if (!r->doc)
        fail_msg("not JSON: %s (line %d)", err.text, err.line);
    assert_string_equal(json_string_value(json_object_get(r->doc, "version")), "2.1.0");
    r->run = json_array_get(json_object_get(r->doc, "runs"), 0);
    assert_non_null(r->run);
    if (dir && sample) {
        char path[4096];
        FILE *fp;

        snprintf(path, sizeof(path), "%s/%s.sarif", dir, sample);
        fp = fopen(path, "w");
        assert_non_null(fp);
        assert_int_equal(fputs(r->text, fp) >= 0, 1);
        assert_int_equal(fclose(fp), 0);
    }
}

static void render_free(struct render *r)
{
    json_decref(r->doc);
    free(r->text);
}

static void free_all(struct fbs_finding **fs, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        fbs_finding_free(fs[i]);
}

/* runs[0] at a path of keys and indexes: "results/0/locations/0/physicalLocation". */
static json_t *at(json_t *v, const char *path)
{
    char buf[256], *save = NULL, *tok;

    snprintf(buf, sizeof(buf), "%s", path);
    for (tok = strtok_r(buf, "/", &save); v && tok; tok = strtok_r(NULL, "/", &save)) {
        char *end;
        long ix = strtol(tok, &end, 10);

        v = *end == '\0' && json_is_array(v) ? json_array_get(v, (size_t)ix)
                                             : json_object_get(v, tok);
    }
    return v;
}

static const char *str_at(json_t *v, const char *path)
{
    json_t *s = at(v, path);

    if (!json_is_string(s))
        fail_msg("%s: not a string", path);
    return json_string_value(s);
}

static long long int_at(json_t *v, const char *path)
{
    json_t *i = at(v, path);

    if (!json_is_integer(i))
        fail_msg("%s: not an integer", path);
    return (long long)json_integer_value(i);
}

/* ---- cases ---- */

static void test_report_sarif__cloud_records(void **state)
{
    struct fbs_finding *fs[2];
    struct fbs_report_info info;
    struct render r;

    (void)state;
    fs[0] = aws_record();
    fs[1] = gcp_record();
    info_init(&info, NULL, 0);
    render(&r, fs, 2, &info, false, "cloud");

    /* GitHub rejects a result without a physical location: a pseudo-path under %CLOUD%. */
    assert_string_equal(
        str_at(r.run, "results/0/locations/0/physicalLocation/artifactLocation/uri"),
        "aws/arn%3Aaws%3Aiam%3A%3A123456789012%3Auser/breakglass");
    assert_string_equal(
        str_at(r.run, "results/0/locations/0/physicalLocation/artifactLocation/uriBaseId"),
        "%CLOUD%");
    assert_int_equal(int_at(r.run, "results/0/locations/0/physicalLocation/region/startLine"), 1);
    assert_string_equal(str_at(r.run, "results/0/locations/0/logicalLocations/0/kind"), "resource");
    assert_string_equal(
        str_at(r.run, "results/0/locations/0/logicalLocations/0/fullyQualifiedName"), AWS_ARN);
    assert_string_equal(str_at(r.run, "results/0/locations/0/logicalLocations/0/name"),
                        "breakglass");
    assert_string_equal(
        str_at(r.run, "results/1/locations/0/physicalLocation/artifactLocation/uri"),
        "gcp/%2F%2Fiam.googleapis.com/projects/ops/serviceAccounts/"
        "recovery%40ops.iam.gserviceaccount.com/keys/4f2a");
    assert_non_null(at(r.run, "originalUriBaseIds/%CLOUD%/description/text"));
    assert_null(at(r.run, "originalUriBaseIds/%CLOUD%/uri"));
    assert_null(at(r.run, "versionControlProvenance"));

    /* Scored: level from severity, rank = risk, the verdict in the message and properties. */
    assert_string_equal(str_at(r.run, "results/0/level"), "error");
    assert_true(json_real_value(at(r.run, "results/0/rank")) == 95.0);
    assert_non_null(strstr(str_at(r.run, "results/0/message/text"),
                           "a fallback credential and standing access (risk 95, critical)"));
    assert_non_null(strstr(str_at(r.run, "results/0/message/text"), "Reasons: active, no expiry;"));
    assert_int_equal(int_at(r.run, "results/0/properties/risk"), 95);
    assert_string_equal(str_at(r.run, "results/0/properties/severity"), "critical");
    assert_true(json_is_true(at(r.run, "results/0/properties/standing_access")));
    assert_string_equal(str_at(r.run, "results/0/properties/facts/account_id"), "123456789012");
    assert_string_equal(str_at(r.run, "results/0/properties/issued"), "2024-12-23T00:00:00Z");
    assert_string_equal(json_string_value(json_object_get(
                            at(r.run, "results/0/partialFingerprints"), "fallbackScan/v1")),
                        fs[0]->id);
    /* Unscored: SARIF's default level, no rank or risk, the evidence instead of reasons. */
    assert_string_equal(str_at(r.run, "results/1/level"), "warning");
    assert_null(at(r.run, "results/1/rank"));
    assert_null(at(r.run, "results/1/properties/risk"));
    assert_null(at(r.run, "results/1/properties/standing_access"));
    assert_non_null(strstr(str_at(r.run, "results/1/message/text"),
                           "standing access not assessed. Fallback evidence: 'recovery' in a "
                           "name beside it."));

    /* One descriptor per rule and band; security-severity only where a result was scored. */
    assert_int_equal(json_array_size(at(r.run, "tool/driver/rules")), 2);
    assert_string_equal(str_at(r.run, "tool/driver/rules/0/id"), "aws.iam.access_key/critical");
    assert_string_equal(str_at(r.run, "results/0/ruleId"), "aws.iam.access_key/critical");
    assert_string_equal(str_at(r.run, "tool/driver/rules/0/name"), "AwsIamAccessKeyCritical");
    assert_string_equal(str_at(r.run, "tool/driver/rules/0/properties/rule"), "aws.iam.access_key");
    assert_string_equal(str_at(r.run, "tool/driver/rules/0/properties/band"), "critical");
    assert_string_equal(str_at(r.run, "tool/driver/rules/0/helpUri"),
                        "https://github.com/fallback-scan/fallback-scan/blob/main/docs/cloud.md");
    /* Unscored: the plain rule id, no band. */
    assert_string_equal(str_at(r.run, "tool/driver/rules/1/id"), str_at(r.run, "results/1/ruleId"));
    assert_null(strchr(str_at(r.run, "results/1/ruleId"), '/'));
    assert_null(at(r.run, "tool/driver/rules/1/properties/band"));
    assert_string_equal(str_at(r.run, "tool/driver/rules/0/properties/security-severity"), "9.5");
    assert_string_equal(str_at(r.run, "tool/driver/rules/0/properties/precision"), "very-high");
    assert_null(at(r.run, "tool/driver/rules/1/properties/security-severity"));
    assert_int_equal(int_at(r.run, "results/1/ruleIndex"), 1);
    assert_non_null(strstr(r.text, "\"markdown\""));

    /* The access key id is the record's identifier, and still never printed raw. */
    assert_null(strstr(r.text, AWS_KEY));
    assert_non_null(strstr(r.text, "AKIA\xE2\x80\xA6Z4KP"));
    render_free(&r);
    free_all(fs, 2);
}

static void test_report_sarif__repository(void **state)
{
    static const char *const targets[] = {"infra"};
    struct fbs_target ti = {.root = (char *)"/src/infra",
                            .remote = (char *)"https://ci:ghp_secretTOKEN@github.com/ex/infra.git",
                            .revision = (char *)"9b1c7e0d3f4a5b6c7d8e9f0a1b2c3d4e5f6a7b8c",
                            .branch = (char *)"main"};
    struct fbs_finding *fs[3];
    struct fbs_report_info info;
    struct fbs_diags diags;
    struct fbs_stats stats;
    struct render r;

    (void)state;
    fs[0] = git_finding("infra", 72, "high");
    fs[1] = file_finding("infra", "config/db.yml", "password: ", 45, "medium");
    fs[2] = file_finding("infra", "config/old db.yml", "password: ", 12, "low");
    fbs_stats_init(&stats);
    assert_int_equal(fbs_diags_init(&diags, &stats, false), 0);
    fbs_diags_add(&diags, true, "missing_object", "4b825dc642cb6eb9a060e54bf8d69288fbee4904",
                  "object not found");
    info_init(&info, targets, 1);
    info.target_info = &ti;
    info.stats = &stats;
    info.diags = &diags;
    render(&r, fs, 3, &info, false, "repository");

    assert_string_equal(str_at(r.run, "originalUriBaseIds/%SRCROOT%/uri"), "file:///src/infra/");
    assert_string_equal(
        str_at(r.run, "results/0/locations/0/physicalLocation/artifactLocation/uri"),
        "breakglass/aws.tfvars");
    assert_string_equal(
        str_at(r.run, "results/0/locations/0/physicalLocation/artifactLocation/uriBaseId"),
        "%SRCROOT%");
    assert_string_equal(
        str_at(r.run, "results/2/locations/0/physicalLocation/artifactLocation/uri"),
        "config/old%20db.yml");
    /* The clone URL's credentials never reach the report. */
    assert_string_equal(str_at(r.run, "versionControlProvenance/0/repositoryUri"),
                        "https://github.com/ex/infra.git");
    assert_null(strstr(r.text, "ghp_secretTOKEN"));
    assert_string_equal(str_at(r.run, "versionControlProvenance/0/revisionId"), ti.revision);
    assert_string_equal(str_at(r.run, "versionControlProvenance/0/branch"), "main");
    assert_string_equal(str_at(r.run, "versionControlProvenance/0/mappedTo/uriBaseId"),
                        "%SRCROOT%");

    /* Git provenance in the result's properties. */
    assert_string_equal(str_at(r.run, "results/0/properties/commit"),
                        "00549838a8d897f2b5c9480f266935d3eaef0e24");
    assert_string_equal(str_at(r.run, "results/0/properties/author"), "Ops Bot <ops@example.com>");
    assert_string_equal(str_at(r.run, "results/0/properties/committed"), "2026-03-02T00:00:00Z");
    assert_true(json_is_false(at(r.run, "results/0/properties/in_head")));

    /* Region: the secret, redacted; the line as context, redacted. */
    assert_int_equal(int_at(r.run, "results/0/locations/0/physicalLocation/region/startColumn"),
                     29);
    assert_int_equal(int_at(r.run, "results/0/locations/0/physicalLocation/region/endColumn"), 49);
    assert_string_equal(str_at(r.run, "results/0/locations/0/physicalLocation/region/snippet/text"),
                        "AKIA\xE2\x80\xA6"
                        "4KZW");
    assert_string_equal(
        str_at(r.run, "results/0/locations/0/physicalLocation/contextRegion/snippet/text"),
        "breakglass_access_key_id = \"AKIA\xE2\x80\xA6"
        "4KZW\"");

    /* Levels: high -> error, medium -> warning, low -> note; security-severity per rule and
     * band: the medium and the low result of one rule have their own descriptors. */
    assert_string_equal(str_at(r.run, "results/0/level"), "error");
    assert_string_equal(str_at(r.run, "results/1/level"), "warning");
    assert_string_equal(str_at(r.run, "results/2/level"), "note");
    assert_string_equal(str_at(r.run, "tool/driver/rules/0/properties/security-severity"), "7.2");
    assert_string_equal(str_at(r.run, "tool/driver/rules/1/properties/security-severity"), "4.5");
    assert_string_equal(str_at(r.run, "tool/driver/rules/1/properties/precision"), "medium");
    assert_int_equal(json_array_size(at(r.run, "tool/driver/rules")), 3);
    assert_string_equal(str_at(r.run, "results/1/ruleId"), "generic.password_quoted/medium");
    assert_string_equal(str_at(r.run, "results/2/ruleId"), "generic.password_quoted/low");
    assert_int_equal(int_at(r.run, "results/2/ruleIndex"), 2);
    assert_string_equal(str_at(r.run, "tool/driver/rules/2/properties/security-severity"), "1.2");
    assert_string_equal(str_at(r.run, "tool/driver/rules/2/helpUri"),
                        "https://github.com/fallback-scan/fallback-scan/blob/main/rules/"
                        "generic.yml");

    /* Diagnostics are tool notifications. */
    assert_string_equal(str_at(r.run, "invocations/0/toolExecutionNotifications/0/level"), "error");
    assert_string_equal(str_at(r.run, "invocations/0/toolExecutionNotifications/0/descriptor/id"),
                        "missing_object");
    assert_true(json_is_true(at(r.run, "properties/stats/incomplete")));

    assert_null(strstr(r.text, GIT_KEY));
    assert_null(strstr(r.text, FILE_PW));
    render_free(&r);
    free_all(fs, 3);
    fbs_diags_release(&diags);
}

/* Two targets, one of them a plain directory, and a cloud record: no versionControlProvenance
 * (SARIF2007 would ask every result to hang from a repository). */
static void test_report_sarif__several_targets(void **state)
{
    static const char *const targets[] = {"repo", "plain"};
    struct fbs_target ti[2] = {{.root = (char *)"/work/repo"}, {.root = (char *)"/work/plain dir"}};
    struct fbs_finding *fs[3];
    struct fbs_report_info info;
    struct render r;

    (void)state;
    fs[0] = git_finding("repo", -1, NULL);
    fs[1] = file_finding("plain", "app.env", "DB_PASSWORD = ", -1, NULL);
    fs[2] = aws_record();
    info_init(&info, targets, 2);
    info.target_info = ti;
    render(&r, fs, 3, &info, false, "several_targets");

    assert_string_equal(str_at(r.run, "originalUriBaseIds/%SRCROOT%/uri"), "file:///work/repo/");
    assert_string_equal(str_at(r.run, "originalUriBaseIds/%SRCROOT2%/uri"),
                        "file:///work/plain%20dir/");
    assert_string_equal(
        str_at(r.run, "results/1/locations/0/physicalLocation/artifactLocation/uriBaseId"),
        "%SRCROOT2%");
    assert_null(at(r.run, "versionControlProvenance"));
    /* Unscored everywhere: warnings, no security-severity. */
    assert_string_equal(str_at(r.run, "results/0/level"), "warning");
    assert_null(at(r.run, "tool/driver/rules/0/properties/security-severity"));
    assert_non_null(strstr(str_at(r.run, "results/1/message/text"), "not a fallback credential"));
    render_free(&r);
    free_all(fs, 3);
}

/* A local repository found by its git findings: its work tree is its repositoryUri, also when a
 * work-tree file of it comes first. */
static void test_report_sarif__local_repository(void **state)
{
    static const char *const targets[] = {"repo"};
    struct fbs_target ti = {.root = (char *)"/work/repo"};
    struct fbs_finding *fs[2];
    struct fbs_report_info info;
    struct render r;

    (void)state;
    fs[0] = file_finding("repo", "a.env", "password: ", 45, "medium");
    fs[1] = git_finding("repo", 72, "high");
    info_init(&info, targets, 1);
    info.target_info = &ti;
    render(&r, fs, 2, &info, false, NULL);
    assert_string_equal(str_at(r.run, "versionControlProvenance/0/repositoryUri"),
                        "file:///work/repo/");
    assert_string_equal(str_at(r.run, "versionControlProvenance/0/mappedTo/uriBaseId"),
                        "%SRCROOT%");
    assert_null(at(r.run, "versionControlProvenance/0/revisionId"));
    render_free(&r);
    /* Without the git finding nothing says it is a repository. */
    render(&r, fs, 1, &info, false, NULL);
    assert_null(at(r.run, "versionControlProvenance"));
    render_free(&r);
    free_all(fs, 2);
}

/* Columns are UTF-16 code units (SARIF's default), the finding's are bytes. */
static void test_report_sarif__utf16_columns(void **state)
{
    static const struct {
        const char *prefix;
        unsigned start, end; /* expected UTF-16 columns */
    } cases[] = {
        {"password: ", 12, 28},                   /* ASCII: unchanged */
        {"p\xC3\xA4ssword = ", 13, 29},           /* a 2-byte character: one unit */
        {"\xE2\x82\xAC password = ", 15, 31},     /* a 3-byte character: one unit */
        {"\xF0\x9F\x94\x91 password = ", 16, 32}, /* a 4-byte character: two units */
        {"\xFF\xFE password = ", 16, 32},         /* invalid bytes: one unit each */
    };
    struct fbs_report_info info;
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct fbs_finding *f = file_finding("t", "a.yml", cases[i].prefix, -1, NULL);
        struct render r;

        info_init(&info, NULL, 0);
        render(&r, &f, 1, &info, false, NULL);
        if (int_at(r.run, "results/0/locations/0/physicalLocation/region/startColumn") !=
                cases[i].start ||
            int_at(r.run, "results/0/locations/0/physicalLocation/region/endColumn") !=
                cases[i].end)
            fail_msg("case %zu: columns %lld..%lld, expected %u..%u", i,
                     int_at(r.run, "results/0/locations/0/physicalLocation/region/startColumn"),
                     int_at(r.run, "results/0/locations/0/physicalLocation/region/endColumn"),
                     cases[i].start, cases[i].end);
        render_free(&r);
        fbs_finding_free(f);
    }
}

/* --show-secrets shows them; by default no byte of them is printed. */
static void test_report_sarif__show_secrets(void **state)
{
    static const char *const targets[] = {"infra"};
    struct fbs_finding *fs[2];
    struct fbs_report_info info;
    struct render r;

    (void)state;
    fs[0] = git_finding("infra", 72, "high");
    fs[1] = file_finding("infra", "db.yml", "password: ", 45, "medium");
    info_init(&info, targets, 1);
    render(&r, fs, 2, &info, true, NULL);
    assert_non_null(strstr(r.text, GIT_KEY));
    assert_non_null(strstr(r.text, FILE_PW));
    render_free(&r);
    render(&r, fs, 2, &info, false, NULL);
    assert_null(strstr(r.text, GIT_KEY));
    assert_null(strstr(r.text, FILE_PW));
    render_free(&r);
    free_all(fs, 2);
}

/* Bytes that are not UTF-8 (a key name, a path) come out as valid UTF-8. */
static void test_report_sarif__not_utf8(void **state)
{
    struct fbs_finding *f = file_finding("t", "caf\xE9.yml", "password: ", -1, NULL);
    struct fbs_report_info info;
    struct render r;

    (void)state;
    assert_int_equal(fbs_finding_set_str(&f->key, "pass\xFFword"), 0);
    info_init(&info, NULL, 0);
    render(&r, &f, 1, &info, false, NULL);
    assert_string_equal(
        str_at(r.run, "results/0/locations/0/physicalLocation/artifactLocation/uri"), "caf%E9.yml");
    assert_non_null(strstr(str_at(r.run, "results/0/message/text"), "pass\xEF\xBF\xBDword"));
    render_free(&r);
    fbs_finding_free(f);
}

static void test_report_sarif__no_findings(void **state)
{
    static const char *const targets[] = {"."};
    struct fbs_report_info info;
    struct render r;

    (void)state;
    info_init(&info, targets, 1);
    render(&r, NULL, 0, &info, false, "empty");
    assert_int_equal(json_array_size(at(r.run, "results")), 0);
    assert_int_equal(json_array_size(at(r.run, "tool/driver/rules")), 0);
    assert_string_equal(str_at(r.run, "tool/driver/name"), "fallback-scan");
    assert_string_equal(str_at(r.run, "tool/driver/semanticVersion"), "0.1.0");
    assert_non_null(strstr(str_at(r.run, "originalUriBaseIds/%SRCROOT%/uri"), "file:///"));
    assert_null(at(r.run, "versionControlProvenance"));
    render_free(&r);
}

/* Suppressed findings: an allow comment is inSource, an ignore entry external with its place. */
static void test_report_sarif__suppressions(void **state)
{
    static const char *const targets[] = {"infra"};
    static const struct {
        enum fbs_suppression kind;
        const char *reason, *source;
        const char *sarif_kind, *uri, *base; /* the entry's location; NULL: none */
        int line;
        const char *property; /* properties.source when there is no location */
    } cases[] = {
        {FBS_SUPPRESSED_INLINE, "test fixture", NULL, "inSource", NULL, NULL, 0, NULL},
        /* Under the target's root: relative to its base id. */
        {FBS_SUPPRESSED_IGNORE_FILE, "accepted: SEC-123", "/src/infra/.fallbackscanignore:3",
         "external", ".fallbackscanignore", "%SRCROOT%", 3, NULL},
        {FBS_SUPPRESSED_IGNORE_FILE, "vendored", "/src/infra/sub dir/.ignore:12", "external",
         "sub%20dir/.ignore", "%SRCROOT%", 12, NULL},
        /* --ignore-file elsewhere: an absolute URI (not a sibling directory's prefix). */
        {FBS_SUPPRESSED_IGNORE_FILE, "noise", "/src/infra2/extra.ignore:7", "external",
         "file:///src/infra2/extra.ignore", NULL, 7, NULL},
        /* Not a file and a line: kept as it is. */
        {FBS_SUPPRESSED_IGNORE_FILE, "odd", "somewhere", "external", NULL, NULL, 0, "somewhere"},
        {FBS_SUPPRESSED_IGNORE_FILE, "odd", "x.ignore:0", "external", NULL, NULL, 0, "x.ignore:0"},
    };
    struct fbs_target ti = {.root = (char *)"/src/infra"};
    struct fbs_finding *fs[1 + sizeof(cases) / sizeof(cases[0])];
    struct fbs_report_info info;
    struct fbs_stats stats;
    struct render r;
    size_t i, n = sizeof(cases) / sizeof(cases[0]);

    (void)state;
    for (i = 0; i < n; i++) {
        fs[i] = file_finding("infra", "db.yml", "password: ", 45, "medium");
        fs[i]->suppression = cases[i].kind;
        assert_int_equal(fbs_finding_set_str(&fs[i]->suppression_reason, cases[i].reason), 0);
        if (cases[i].source)
            assert_int_equal(fbs_finding_set_str(&fs[i]->suppression_source, cases[i].source), 0);
    }
    fs[n] = git_finding("infra", 72, "high"); /* not suppressed */
    fbs_stats_init(&stats);
    info_init(&info, targets, 1);
    info.target_info = &ti;
    info.stats = &stats;
    render(&r, fs, n + 1, &info, false, "suppressions");
    for (i = 0; i < n; i++) {
        json_t *s = at(r.run, "results"), *loc;
        char what[64];

        s = at(json_array_get(s, i), "suppressions");
        snprintf(what, sizeof(what), "case %zu", i);
        if (json_array_size(s) != 1)
            fail_msg("%s: %zu suppressions", what, json_array_size(s));
        s = json_array_get(s, 0);
        assert_string_equal(str_at(s, "kind"), cases[i].sarif_kind);
        assert_string_equal(str_at(s, "status"), "accepted");
        assert_string_equal(str_at(s, "justification"), cases[i].reason);
        loc = at(s, "location/physicalLocation");
        if (!cases[i].uri) {
            assert_null(loc);
        } else {
            assert_string_equal(str_at(loc, "artifactLocation/uri"), cases[i].uri);
            if (cases[i].base)
                assert_string_equal(str_at(loc, "artifactLocation/uriBaseId"), cases[i].base);
            else
                assert_null(at(loc, "artifactLocation/uriBaseId"));
            assert_int_equal(int_at(loc, "region/startLine"), cases[i].line);
        }
        if (cases[i].property)
            assert_string_equal(str_at(s, "properties/source"), cases[i].property);
        else
            assert_null(at(s, "properties"));
        /* Without a baseline there is no baselineState. */
        assert_null(at(json_array_get(at(r.run, "results"), i), "baselineState"));
    }
    assert_null(at(r.run, "results/6/suppressions"));
    assert_int_equal(int_at(r.run, "properties/stats/suppressed"), (long long)n);
    assert_int_equal(int_at(r.run, "properties/stats/findings"), (long long)n + 1);
    assert_null(at(r.run, "properties/baseline"));
    render_free(&r);
    free_all(fs, n + 1);
}

/* A baseline entry as the pipeline lists it in info.absent. */
static json_t *absent_entry(const char *id, const char *rule_id, const char *path, int line,
                            const char *resource, const char *message)
{
    json_t *d = json_object(), *e;

    assert_non_null(d);
    if (rule_id)
        json_object_set_new(d, "rule_id", json_string(rule_id));
    if (path)
        json_object_set_new(d, "path", json_string(path));
    if (line)
        json_object_set_new(d, "line", json_integer(line));
    if (resource)
        json_object_set_new(d, "resource", json_string(resource));
    if (message)
        json_object_set_new(d, "message", json_string(message));
    e = json_pack("{s:s, s:o}", "id", id, "finding", d);
    assert_non_null(e);
    return e;
}

/*
 * A result's GitHub severity is its own: two results of one rule with different risks get
 * descriptors of their bands, each security-severity inside GitHub's range for the band (even
 * when the policy's thresholds put a risk outside it), and the fingerprint does not move with the
 * band: the same finding scored differently keeps its partialFingerprints.
 */
static void test_report_sarif__severity_bands(void **state)
{
    static const char *const targets[] = {"infra"};
    struct fbs_target ti = {.root = (char *)"/src/infra"};
    struct fbs_finding *fs[4];
    struct fbs_report_info info;
    struct render r;
    json_t *rules;
    char fp[2][64];
    size_t i;

    (void)state;
    fs[0] = git_finding("infra", 95, "critical");
    fs[1] = git_finding("infra", 20, "low");
    fs[2] = file_finding("infra", "config/db.yml", "password: ", 60, "high"); /* policy: 60 high */
    fs[3] = file_finding("infra", "config/info.yml", "password: ", 5, "info");
    info_init(&info, targets, 1);
    info.target_info = &ti;
    render(&r, fs, 4, &info, false, "bands");
    rules = at(r.run, "tool/driver/rules");
    assert_int_equal(json_array_size(rules), 4);
    assert_string_equal(str_at(r.run, "results/0/ruleId"), "aws.access_key_id/critical");
    assert_string_equal(str_at(r.run, "results/1/ruleId"), "aws.access_key_id/low");
    assert_string_equal(str_at(r.run, "results/2/ruleId"), "generic.password_quoted/high");
    assert_string_equal(str_at(r.run, "results/3/ruleId"), "generic.password_quoted/info");
    for (i = 0; i < 4; i++) {
        json_t *rule = json_array_get(
            rules, (size_t)int_at(json_array_get(at(r.run, "results"), i), "ruleIndex"));

        assert_string_equal(str_at(rule, "id"),
                            str_at(json_array_get(at(r.run, "results"), i), "ruleId"));
        assert_non_null(str_at(rule, "helpUri"));
    }
    assert_string_equal(str_at(json_array_get(rules, 0), "properties/security-severity"), "9.5");
    assert_string_equal(str_at(json_array_get(rules, 1), "properties/security-severity"), "2.0");
    /* Risk 60 is "high" under this policy: 7.0, the lowest GitHub reads as high. */
    assert_string_equal(str_at(json_array_get(rules, 2), "properties/security-severity"), "7.0");
    assert_null(at(json_array_get(rules, 3), "properties/security-severity"));
    assert_string_equal(str_at(json_array_get(rules, 1), "shortDescription/text"),
                        "AWS access key id (low risk)");
    snprintf(fp[0], sizeof(fp[0]), "%s",
             json_string_value(
                 json_object_get(at(r.run, "results/1/partialFingerprints"), "fallbackScan/v1")));
    render_free(&r);

    /* The same finding, now critical: another band, the same fingerprint. */
    fs[1]->risk = 93;
    fs[1]->severity = "critical";
    render(&r, &fs[1], 1, &info, false, NULL);
    assert_string_equal(str_at(r.run, "results/0/ruleId"), "aws.access_key_id/critical");
    snprintf(fp[1], sizeof(fp[1]), "%s",
             json_string_value(
                 json_object_get(at(r.run, "results/0/partialFingerprints"), "fallbackScan/v1")));
    assert_string_equal(fp[0], fp[1]);
    assert_string_equal(fp[0], fs[1]->id);
    render_free(&r);
    free_all(fs, 4);
}

/* baselineState: new / unchanged from the finding, and one "absent" result per entry the
 * baseline has that the scan did not find. */
static void test_report_sarif__baseline(void **state)
{
    static const char *const targets[] = {"infra"};
    struct fbs_target ti = {.root = (char *)"/src/infra"};
    struct fbs_finding *fs[2];
    struct fbs_report_info info;
    struct render r;
    json_t *absent = json_array(), *rules;
    long long ix;

    (void)state;
    fs[0] = git_finding("infra", 72, "high");
    fs[0]->baseline = FBS_BASELINE_UNCHANGED;
    fs[1] = file_finding("infra", "config/db.yml", "password: ", 45, "medium");
    fs[1]->baseline = FBS_BASELINE_NEW;
    assert_non_null(absent);
    /* A JSON baseline: the path as found (the target's prefix), a line, a rule of this run. */
    json_array_append_new(
        absent, absent_entry("a1", "aws.access_key_id", "infra/old/keys.tf", 7, NULL, NULL));
    /* ... that kept its severity: the result names the band it was reported under. */
    json_object_set_new(json_object_get(json_array_get(absent, 0), "finding"), "severity",
                        json_string("high"));
    /* A cloud record of a rule this run has no result for: the rule gets a descriptor. */
    json_array_append_new(absent, absent_entry("a2", "aws.iam.access_key", NULL, 0, AWS_ARN, NULL));
    /* A SARIF baseline: the uri as written (not encoded twice), its message, no line. */
    json_array_append_new(absent,
                          absent_entry("a3", "generic.password_quoted", "config/old%20db.yml", 0,
                                       NULL, "Password in 'password': not a fallback one."));
    /* Nowhere: left out. */
    json_array_append_new(absent, absent_entry("a4", "x.y", NULL, 0, NULL, NULL));
    info_init(&info, targets, 1);
    info.target_info = &ti;
    info.absent = absent;
    render(&r, fs, 2, &info, false, "baseline");

    assert_string_equal(str_at(r.run, "results/0/baselineState"), "unchanged");
    assert_string_equal(str_at(r.run, "results/1/baselineState"), "new");
    assert_int_equal(json_array_size(at(r.run, "results")), 5);
    assert_string_equal(str_at(r.run, "results/2/baselineState"), "absent");
    assert_string_equal(str_at(r.run, "results/2/kind"), "pass");
    assert_string_equal(str_at(r.run, "results/2/level"), "none");
    assert_string_equal(str_at(r.run, "results/2/ruleId"), "aws.access_key_id/high");
    assert_int_equal(int_at(r.run, "results/2/ruleIndex"), int_at(r.run, "results/0/ruleIndex"));
    assert_string_equal(json_string_value(json_object_get(
                            at(r.run, "results/2/partialFingerprints"), "fallbackScan/v1")),
                        "a1");
    assert_string_equal(
        str_at(r.run, "results/2/locations/0/physicalLocation/artifactLocation/uri"),
        "old/keys.tf");
    assert_string_equal(
        str_at(r.run, "results/2/locations/0/physicalLocation/artifactLocation/uriBaseId"),
        "%SRCROOT%");
    assert_int_equal(int_at(r.run, "results/2/locations/0/physicalLocation/region/startLine"), 7);
    assert_string_equal(str_at(r.run, "results/2/message/text"),
                        "No longer found: aws.access_key_id in 'infra/old/keys.tf', line 7.");

    rules = at(r.run, "tool/driver/rules");
    ix = int_at(r.run, "results/3/ruleIndex");
    /* The medium result's band, and the SARIF baseline's rule (no severity kept): 4. */
    assert_int_equal(json_array_size(rules), 4);
    assert_int_equal(ix, 2);
    assert_string_equal(str_at(json_array_get(rules, (size_t)ix), "id"), "aws.iam.access_key");
    assert_non_null(at(json_array_get(rules, (size_t)ix), "help/markdown"));
    assert_string_equal(
        str_at(r.run, "results/3/locations/0/physicalLocation/artifactLocation/uri"),
        "aws/arn%3Aaws%3Aiam%3A%3A123456789012%3Auser/breakglass");
    assert_string_equal(
        str_at(r.run, "results/3/locations/0/logicalLocations/0/fullyQualifiedName"), AWS_ARN);
    assert_non_null(at(r.run, "originalUriBaseIds/%CLOUD%"));

    assert_string_equal(
        str_at(r.run, "results/4/locations/0/physicalLocation/artifactLocation/uri"),
        "config/old%20db.yml");
    assert_int_equal(int_at(r.run, "results/4/locations/0/physicalLocation/region/startLine"), 1);
    assert_string_equal(str_at(r.run, "results/4/message/text"),
                        "No longer found: Password in 'password': not a fallback one.");

    assert_int_equal(int_at(r.run, "properties/baseline/new"), 1);
    assert_int_equal(int_at(r.run, "properties/baseline/unchanged"), 1);
    assert_int_equal(int_at(r.run, "properties/baseline/absent"), 3);
    render_free(&r);

    /* A baseline that knows everything: no absent result, the counts still there. */
    json_array_clear(absent);
    render(&r, fs, 2, &info, false, NULL);
    assert_int_equal(json_array_size(at(r.run, "results")), 2);
    assert_int_equal(int_at(r.run, "properties/baseline/absent"), 0);
    render_free(&r);
    json_decref(absent);
    free_all(fs, 2);
}

/* A reporter that counts what it is given. */
static int counted;

static int count_begin(void **state, const struct fbs_report_opts *opts,
                       const struct fbs_report_info *info)
{
    (void)opts;
    (void)info;
    *state = NULL;
    counted = 0;
    return 0;
}

static int count_add(void *state, const struct fbs_finding *f)
{
    (void)state;
    (void)f;
    counted++;
    return 0;
}

static int count_end(void *state)
{
    (void)state;
    return 0;
}

/* The report filter hides suppressed findings unless --show-suppressed, except from a reporter
 * that wants them (SARIF); its other conditions still hold. */
static void test_report_sarif__pipeline_gives_suppressed(void **state)
{
    static const struct {
        bool wants, show, only_fallback;
        int expected;
    } cases[] = {
        {false, false, false, 2}, {false, true, false, 3}, {true, false, false, 3},
        {true, true, false, 3},   {true, false, true, 2},
    };
    struct fbs_reporter rep = {
        .name = "count", .begin = count_begin, .add = count_add, .end = count_end};
    struct fbs_scan_result res;
    struct fbs_report_info info;
    struct fbs_report_opts opts;
    struct fbs_finding *f;
    size_t i;

    (void)state;
    assert_int_equal(fbs_scan_result_init(&res, false), 0);
    f = git_finding("infra", 72, "high"); /* a fallback credential */
    assert_int_equal(fbs_vec_push(&res.findings, f), 0);
    f = file_finding("infra", "a.yml", "password: ", 45, "medium"); /* not a fallback one */
    assert_int_equal(fbs_vec_push(&res.findings, f), 0);
    f = file_finding("infra", "b.yml", "password: ", 45, "medium");
    f->suppression = FBS_SUPPRESSED_INLINE;
    f->is_fallback = true;
    assert_int_equal(fbs_vec_push(&res.findings, f), 0);
    info_init(&info, NULL, 0);
    memset(&opts, 0, sizeof(opts));
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct fbs_report_filter flt = {cases[i].show, cases[i].only_fallback, FBS_SEV_INFO, false};

        rep.wants_suppressed = cases[i].wants;
        assert_int_equal(fbs_pipeline_report(&res, &flt, &rep, &opts, &info), 0);
        if (counted != cases[i].expected)
            fail_msg("case %zu: %d findings given, expected %d", i, counted, cases[i].expected);
    }
    assert_true(fbs_reporter_sarif.wants_suppressed);
    fbs_scan_result_release(&res);
}

/* Out of memory anywhere: an error, never a crash or a leak. */
static void test_report_sarif__out_of_memory(void **state)
{
    static const char *const targets[] = {"infra"};
    struct fbs_target ti = {.root = (char *)"/src/infra",
                            .remote = (char *)"https://github.com/ex/infra.git"};
    struct fbs_finding *fs[3];
    struct fbs_report_info info;
    json_t *absent = json_array();
    long n;
    int rc = -1;

    (void)state;
    fs[0] = git_finding("infra", 72, "high");
    fs[0]->baseline = FBS_BASELINE_UNCHANGED;
    fs[1] = file_finding("infra", "db.yml", "password: ", 45, "medium");
    fs[1]->baseline = FBS_BASELINE_NEW;
    fs[1]->suppression = FBS_SUPPRESSED_IGNORE_FILE;
    assert_int_equal(fbs_finding_set_str(&fs[1]->suppression_reason, "accepted"), 0);
    assert_int_equal(
        fbs_finding_set_str(&fs[1]->suppression_source, "/src/infra/.fallbackscanignore:3"), 0);
    fs[2] = aws_record();
    fs[2]->baseline = FBS_BASELINE_NEW;
    assert_non_null(absent);
    json_array_append_new(
        absent, absent_entry("a1", "aws.access_key_id", "infra/old/keys.tf", 7, NULL, NULL));
    json_array_append_new(absent, absent_entry("a2", "gcp.iam.service_account_key", NULL, 0,
                                               GCP_NAME, "GCP service account key of 'recovery'."));
    info_init(&info, targets, 1);
    info.target_info = &ti;
    info.absent = absent;
    for (n = 0; n < 10000 && rc != 0; n++) {
        char *out = NULL;

        fbs_test_fail_allocs_after(n);
        rc = render_raw(&out, fs, 3, &info, false);
        fbs_test_fail_allocs_after(-1);
        if (rc == 0)
            free(out);
        else
            assert_int_equal(rc, FBS_ENOMEM);
    }
    assert_int_equal(rc, 0);
    assert_true(n > 3);
    json_decref(absent);
    free_all(fs, 3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_report_sarif__cloud_records),
        cmocka_unit_test(test_report_sarif__repository),
        cmocka_unit_test(test_report_sarif__several_targets),
        cmocka_unit_test(test_report_sarif__local_repository),
        cmocka_unit_test(test_report_sarif__utf16_columns),
        cmocka_unit_test(test_report_sarif__show_secrets),
        cmocka_unit_test(test_report_sarif__not_utf8),
        cmocka_unit_test(test_report_sarif__no_findings),
        cmocka_unit_test(test_report_sarif__suppressions),
        cmocka_unit_test(test_report_sarif__severity_bands),
        cmocka_unit_test(test_report_sarif__baseline),
        cmocka_unit_test(test_report_sarif__pipeline_gives_suppressed),
        cmocka_unit_test(test_report_sarif__out_of_memory),
    };

    fbs_test_use_failing_alloc();
    return cmocka_run_group_tests(tests, NULL, NULL);
}
