/*
 * test_aws_credreport.c - scanner/cloud/aws_credreport.c: the IAM credential report CSV into
 * records, root access keys included (moto's report has no root row: this is where root-key
 * handling is tested), and malformed reports.
 */
#include "support/test_support.h"

#include "scanner/cloud/aws_int.h"
#include "scanner/cloud/cloud.h"
#include "scanner/core/alloc.h"
#include "scanner/core/error.h"
#include "scanner/model/finding.h"

#include <stdio.h>
#include <string.h>

#include "scanner/core/banned.h"

#define HEADER                                                                                     \
    "user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,"       \
    "password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,"             \
    "access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,"    \
    "access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,"                   \
    "access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,"                  \
    "cert_1_last_rotated,cert_2_active,cert_2_last_rotated\n"

#define ROOT_ROW                                                                                   \
    "<root_account>,arn:aws:iam::111122223333:root,2018-03-01T08:00:00+00:00,not_supported,"       \
    "2026-01-20T10:00:00+00:00,not_supported,not_supported,false,true,"                            \
    "2019-05-01T12:00:00+00:00,2026-02-27T13:00:00+00:00,us-east-1,s3,false,N/A,N/A,N/A,N/A,"      \
    "false,N/A,false,N/A\n"

struct ctx {
    struct fbs_stats stats;
    struct fbs_diags diags;
    struct fbs_vec records;
};

static void ctx_init(struct ctx *c)
{
    fbs_stats_init(&c->stats);
    assert_int_equal(fbs_diags_init(&c->diags, &c->stats, true), 0);
    fbs_vec_init(&c->records);
}

static void ctx_release(struct ctx *c)
{
    fbs_vec_release(&c->records, fbs_finding_free_v);
    fbs_diags_release(&c->diags);
}

static struct fbs_finding *find(const struct ctx *c, const char *kind, const char *resource,
                                const char *ident)
{
    for (size_t i = 0; i < c->records.len; i++) {
        struct fbs_finding *f = c->records.items[i];

        if (!strcmp(f->kind, kind) && !strcmp(f->resource, resource) &&
            f->secret_len == strlen(ident) && !memcmp(f->secret, ident, f->secret_len))
            return f;
    }
    return NULL;
}

static bool has_indicator(const struct fbs_finding *f, const char *term, const char *where)
{
    for (size_t i = 0; i < f->nindicators; i++)
        if (!strcmp(f->indicators[i].term, term) && !strcmp(f->indicators[i].where, where))
            return true;
    return false;
}

static void test_aws_credreport__replay_report(void **state)
{
    char path[1024], buf[8192];
    struct ctx c;
    struct fbs_finding *f;
    FILE *fp;
    size_t n;

    (void)state;
    snprintf(path, sizeof(path), "%s/tests/cloud/replay/credreport.csv", FBS_SOURCE_DIR);
    fp = fopen(path, "rb");
    assert_non_null(fp);
    n = fread(buf, 1, sizeof(buf), fp);
    fclose(fp);
    ctx_init(&c);
    assert_int_equal(fbs_aws_credreport_parse(buf, n, &c.records, &c.diags), 0);
    assert_int_equal(c.diags.items.len, 0);
    /* root key 1 and root sign-in (password used 2026-01-20); breakglass-ops key 1 + console +
     * signing certificate 1 (cert 2 inactive); app-reader keys 1 and 2 (2 only rotated). */
    assert_int_equal(c.records.len, 7);
    f = find(&c, "aws_signing_certificate",
             "arn:aws:iam::111122223333:user/emergency/breakglass-ops", "signing_certificate_1");
    assert_non_null(f);
    assert_string_equal(f->rule_id, "aws.iam.signing_certificate");
    assert_string_equal(f->key, "breakglass-ops");
    assert_int_equal(f->active, 1);
    assert_true(f->has_issued);
    assert_int_equal(f->issued, 1734249600); /* cert_1_last_rotated 2024-12-15T08:00:00Z */
    assert_string_equal(json_string_value(json_object_get(f->facts, "issued_from")),
                        "aws_credential_report");
    assert_int_equal(json_integer_value(json_object_get(f->facts, "cert_slot")), 1);
    assert_null(find(&c, "aws_signing_certificate",
                     "arn:aws:iam::111122223333:user/emergency/breakglass-ops",
                     "signing_certificate_2"));

    f = find(&c, "aws_root_console_password", "arn:aws:iam::111122223333:root", "root_password");
    assert_non_null(f);
    assert_true(f->rule_fallback);
    assert_true(f->interactive);
    assert_int_equal(f->privilege, FBS_PRIV_HIGH);
    assert_true(f->has_last_used);
    assert_int_equal(f->last_used, 1768903200); /* 2026-01-20T10:00:00Z */
    assert_true(json_is_false(json_object_get(f->facts, "mfa_enabled")));
    assert_string_equal(json_string_value(json_object_get(f->facts, "mfa_from")),
                        "credential_report");

    f = find(&c, "aws_root_access_key", "arn:aws:iam::111122223333:root", "root_access_key_1");
    assert_non_null(f);
    assert_int_equal(f->source, FBS_SOURCE_AWS);
    assert_string_equal(f->rule_id, "aws.iam.root_access_key");
    assert_string_equal(f->key, "<root_account>");
    assert_true(f->rule_fallback);
    assert_int_equal(f->privilege, FBS_PRIV_HIGH);
    assert_true(has_indicator(f, "root access key", "content"));
    assert_int_equal(json_array_size(json_object_get(f->facts, "privilege_evidence")), 1);
    assert_int_equal(f->active, 1);
    assert_true(f->has_issued);
    assert_int_equal(f->issued, 1556712000); /* 2019-05-01T12:00:00Z */
    assert_true(f->has_last_used);
    assert_int_equal(f->last_used, 1772197200); /* 2026-02-27T13:00:00Z */
    assert_false(f->has_expires);
    assert_false(f->interactive);
    assert_string_equal(json_string_value(json_object_get(f->facts, "issued_from")),
                        "aws_credential_report");
    assert_string_equal(json_string_value(json_object_get(f->facts, "last_used_service")), "s3");
    assert_true(json_is_false(json_object_get(f->facts, "mfa_enabled")));
    assert_null(f->path);

    f = find(&c, "aws_access_key", "arn:aws:iam::111122223333:user/emergency/breakglass-ops",
             "access_key_1");
    assert_non_null(f);
    assert_string_equal(f->key, "breakglass-ops");
    assert_int_equal(f->privilege, FBS_PRIV_UNKNOWN); /* the report has no policies */
    assert_int_equal(f->nindicators, 0);              /* the fallback detector decides */
    assert_true(json_is_true(json_object_get(f->facts, "console_password")));
    f = find(&c, "aws_console_password", "arn:aws:iam::111122223333:user/emergency/breakglass-ops",
             "console_password");
    assert_non_null(f);
    assert_true(f->interactive);
    assert_int_equal(f->issued, 1730541900);    /* password_last_changed 2024-11-02T10:05 */
    assert_int_equal(f->last_used, 1772057400); /* 2026-02-25T22:10:00Z */
    assert_true(json_is_true(json_object_get(f->facts, "mfa_enabled")));
    f = find(&c, "aws_access_key", "arn:aws:iam::111122223333:user/app-reader", "access_key_2");
    assert_non_null(f);
    assert_int_equal(f->active, 0); /* rotated but inactive: still there */
    assert_false(f->has_last_used);
    assert_null(find(&c, "aws_console_password", "arn:aws:iam::111122223333:user/app-reader",
                     "console_password"));
    ctx_release(&c);
}

struct shape_case {
    const char *name;
    const char *csv;
    size_t nrecords;
    size_t ndiags;
};

static void test_aws_credreport__shapes(void **state)
{
    static const struct shape_case cases[] = {
        {"root only, no keys",
         HEADER
         "<root_account>,arn:aws:iam::1:root,2018-03-01T08:00:00+00:00,not_supported,"
         "no_information,not_supported,not_supported,true,false,N/A,N/A,N/A,N/A,false,N/A,N/A,"
         "N/A,N/A,false,N/A,false,N/A\n",
         1, 0}, /* the root sign-in, never used ("no_information") */
        {"root with one key (and its sign-in)", HEADER ROOT_ROW, 2, 0},
        {"CRLF line ends and a BOM",
         "\xEF\xBB\xBFuser,arn,access_key_1_active,access_key_1_last_rotated\r\n"
         "bob,arn:aws:iam::1:user/bob,true,2024-01-01T00:00:00+00:00\r\n",
         1, 0},
        {"columns by name, reordered, extra ones",
         "extra,access_key_1_active,arn,user,password_enabled\n"
         "x,true,arn:aws:iam::1:user/a,a,true\n",
         2, 0},
        {"quoted fields",
         "user,arn,access_key_1_active\n"
         "\"odd,name\",\"arn:aws:iam::1:user/\"\"q\"\"\",true\n",
         1, 0},
        {"a short row is skipped", HEADER "bob,arn:aws:iam::1:user/bob,true\n" ROOT_ROW, 2, 1},
        {"a long row is skipped", "user,arn,access_key_1_active\nbob,a,true,extra\n", 0, 1},
        {"unterminated quote", "user,arn,access_key_1_active\nbob,a,true\n\"never closed,x\n", 1,
         1},
        {"blank lines are ignored", "user,arn,access_key_1_active\n\nbob,a,true\n\n", 1, 0},
        {"header only", HEADER, 0, 0},
        {"no trailing newline", "user,arn,access_key_1_active\nbob,a,true", 1, 0},
        {"active signing certificates, with and without a date (inactive ones are not)",
         "user,arn,cert_1_active,cert_1_last_rotated,cert_2_active,cert_2_last_rotated\n"
         "bob,arn:aws:iam::1:user/bob,true,2024-01-01T00:00:00+00:00,true,N/A\n"
         "eve,arn:aws:iam::1:user/eve,false,2024-01-01T00:00:00+00:00,false,N/A\n",
         2, 0},
        {"the root user's signing certificate",
         "user,arn,cert_1_active,cert_1_last_rotated\n"
         "<root_account>,arn:aws:iam::1:root,true,2020-01-01T00:00:00+00:00\n",
         1, 0},
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct ctx c;
        int rc;

        ctx_init(&c);
        rc = fbs_aws_credreport_parse(cases[i].csv, strlen(cases[i].csv), &c.records, &c.diags);
        if (rc != 0 || c.records.len != cases[i].nrecords || c.diags.items.len != cases[i].ndiags)
            fail_msg("case '%s': rc %d, %zu records, %zu diagnostics", cases[i].name, rc,
                     c.records.len, c.diags.items.len);
        assert_int_equal(atomic_load(&c.stats.errors), cases[i].ndiags);
        ctx_release(&c);
    }
}

static void test_aws_credreport__quoted_values(void **state)
{
    static const char csv[] = "user,arn,access_key_1_active\n"
                              "\"odd,name\",\"arn:aws:iam::1:user/\"\"q\"\"\",true\n";
    struct ctx c;
    struct fbs_finding *f;

    (void)state;
    ctx_init(&c);
    assert_int_equal(fbs_aws_credreport_parse(csv, sizeof(csv) - 1, &c.records, &c.diags), 0);
    assert_int_equal(c.records.len, 1);
    f = c.records.items[0];
    assert_string_equal(f->key, "odd,name");
    assert_string_equal(f->resource, "arn:aws:iam::1:user/\"q\"");
    assert_int_equal(f->active, 1);
    assert_false(f->has_issued);
    ctx_release(&c);
}

static void test_aws_credreport__rejects(void **state)
{
    static const char *const bad[] = {
        "",
        "\n",
        "name,role\nbob,admin\n",
        "user,access_key_1_active\nbob,true\n",
        "\"unterminated header",
        NULL,
    };

    (void)state;
    for (size_t i = 0; bad[i]; i++) {
        struct ctx c;

        ctx_init(&c);
        assert_int_equal(fbs_aws_credreport_parse(bad[i], strlen(bad[i]), &c.records, &c.diags),
                         FBS_EPARSE);
        assert_int_equal(c.records.len, 0);
        ctx_release(&c);
    }
}

static void test_aws_credreport__summary_root_record(void **state)
{
    struct fbs_vec out = FBS_VEC_INIT;
    struct fbs_finding *f;

    (void)state;
    /* GetAccountSummary says root keys exist, without a report: one record, no dates. */
    assert_int_equal(aws_root_key_record(&out, NULL, 0, "123456789012"), 0);
    assert_int_equal(out.len, 1);
    f = out.items[0];
    assert_string_equal(f->resource, "arn:aws:iam::123456789012:root");
    assert_string_equal(f->kind, "aws_root_access_key");
    assert_int_equal(f->privilege, FBS_PRIV_HIGH);
    assert_int_equal(f->active, 1);
    assert_false(f->has_issued);
    assert_null(json_object_get(f->facts, "issued_from"));
    assert_true(has_indicator(f, "root access key", "content"));
    fbs_vec_release(&out, fbs_finding_free_v);
}

static void test_aws_credreport__enomem(void **state)
{
    static const char csv[] = HEADER ROOT_ROW
        "bob,arn:aws:iam::1:user/bob,2024-01-01T00:00:00+00:00,true,N/A,"
        "2024-01-01T00:00:00+00:00,N/A,true,true,2024-01-01T00:00:00+00:00,N/A,N/A,N/A,false,"
        "N/A,N/A,N/A,N/A,false,N/A,false,N/A\n";
    long n;
    int rc;

    (void)state;
    for (n = 0;; n++) {
        struct ctx c;

        ctx_init(&c);
        fbs_test_fail_allocs_after(n);
        rc = fbs_aws_credreport_parse(csv, sizeof(csv) - 1, &c.records, &c.diags);
        fbs_test_fail_allocs_after(-1);
        if (rc == 0)
            assert_int_equal(c.records.len, 4);
        ctx_release(&c);
        if (rc == 0)
            break;
        assert_int_equal(rc, FBS_ENOMEM);
    }
    assert_true(n > 10);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_aws_credreport__replay_report),
        cmocka_unit_test(test_aws_credreport__shapes),
        cmocka_unit_test(test_aws_credreport__quoted_values),
        cmocka_unit_test(test_aws_credreport__rejects),
        cmocka_unit_test(test_aws_credreport__summary_root_record),
        cmocka_unit_test(test_aws_credreport__enomem),
    };

    fbs_test_use_failing_alloc();
    return cmocka_run_group_tests(tests, NULL, NULL);
}
