/*
 * test_aws_iam.c - scanner/cloud: the XML tree, AWS error bodies, dates and percent-decoding,
 * IAM responses (the recorded ones the replay server serves, tests/cloud/replay/) and the policy
 * privilege reader.
 */
#include "support/test_support.h"

#include "scanner/cloud/aws_int.h"
#include "scanner/core/alloc.h"
#include "scanner/core/error.h"

#include <stdio.h>
#include <string.h>

#include "scanner/core/banned.h"

/* A recorded response, NUL-terminated (fbs_free it). */
static char *replay_file(const char *name, size_t *len)
{
    char path[1024];
    FILE *fp;
    char *buf;
    long n;

    snprintf(path, sizeof(path), "%s/tests/cloud/replay/%s", FBS_SOURCE_DIR, name);
    fp = fopen(path, "rb");
    assert_non_null(fp);
    assert_int_equal(fseek(fp, 0, SEEK_END), 0);
    n = ftell(fp);
    assert_true(n > 0);
    rewind(fp);
    buf = fbs_malloc((size_t)n + 1);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)n, fp), (size_t)n);
    buf[n] = '\0';
    fclose(fp);
    *len = (size_t)n;
    return buf;
}

static struct aws_xml *parse_file(const char *name)
{
    struct aws_xml *doc = NULL;
    size_t len;
    char *text = replay_file(name, &len);

    assert_int_equal(aws_xml_parse(&doc, text, len), 0);
    fbs_free(text);
    return doc;
}

static void test_aws_iam__xml_tree(void **state)
{
    static const char doc[] = "<?xml version=\"1.0\"?>\n"
                              "<a:Root xmlns:a=\"urn:x\"><L><member> one </member><other/>"
                              "<member>two &amp; <![CDATA[three]]></member></L>"
                              "<N><member><member>nested</member></member></N></a:Root>";
    struct aws_xml *x = NULL;
    const struct aws_xml *m;

    (void)state;
    assert_int_equal(aws_xml_parse(&x, doc, sizeof(doc) - 1), 0);
    assert_string_equal(x->name, "Root"); /* prefix dropped */
    m = aws_xml_path(x, "L/member");
    assert_non_null(m);
    assert_string_equal(m->text.ptr, "one"); /* trimmed */
    m = aws_xml_next(m);                     /* skips <other/> */
    assert_non_null(m);
    assert_string_equal(m->text.ptr, "two & three");
    assert_null(aws_xml_next(m));
    assert_string_equal(aws_xml_text(x, "N/member/member"), "nested");
    assert_null(aws_xml_text(x, "N/missing"));
    assert_null(aws_xml_path(NULL, "L"));
    assert_string_equal(aws_xml_text(x, "L/other"), "");
    aws_xml_free(x);
}

static void test_aws_iam__xml_rejects(void **state)
{
    static const char *const bad[] = {
        "",
        "<a><b></a>",
        "not xml",
        "<a>unterminated",
        "<!DOCTYPE a [<!ENTITY x \"y\">]><a>&x;</a>",
        "<!DOCTYPE a SYSTEM \"file:///etc/passwd\"><a/>",
        "<a/><b/>",
        NULL,
    };
    struct fbs_buf deep = FBS_BUF_INIT;
    struct aws_xml *x = NULL;

    (void)state;
    for (size_t i = 0; bad[i]; i++) {
        assert_int_equal(aws_xml_parse(&x, bad[i], strlen(bad[i])), FBS_EPARSE);
        assert_null(x);
    }
    /* Deeper than the bound: refused, not a stack overflow. */
    for (int i = 0; i < AWS_XML_MAX_DEPTH + 1; i++)
        assert_int_equal(fbs_buf_puts(&deep, "<a>"), 0);
    for (int i = 0; i < AWS_XML_MAX_DEPTH + 1; i++)
        assert_int_equal(fbs_buf_puts(&deep, "</a>"), 0);
    assert_int_equal(aws_xml_parse(&x, deep.ptr, deep.len), FBS_EPARSE);
    assert_non_null(strstr(fbs_error_message(), "deeper"));
    fbs_buf_release(&deep);
}

static void test_aws_iam__xml_enomem(void **state)
{
    size_t len;
    char *text = replay_file("authz_page2.xml", &len);
    struct aws_xml *x = NULL;
    long n;
    int rc;

    (void)state;
    /* Every allocation failing in turn: ENOMEM, never a crash or a leak. */
    for (n = 0;; n++) {
        fbs_test_fail_allocs_after(n);
        rc = aws_xml_parse(&x, text, len);
        fbs_test_fail_allocs_after(-1);
        if (rc == 0)
            break;
        assert_int_equal(rc, FBS_ENOMEM);
        assert_null(x);
    }
    assert_true(n > 10);
    aws_xml_free(x);
    fbs_free(text);
}

struct err_case {
    const char *body;
    bool json;
    bool ok;
    const char *code, *message;
};

static void test_aws_iam__errors(void **state)
{
    static const struct err_case cases[] = {
        {"<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code>"
         "<Message>not authorized</Message></Error></ErrorResponse>",
         false, true, "AccessDenied", "not authorized"},
        {"<Error><Code>SlowDown</Code><Message>x\ny</Message></Error>", false, true, "SlowDown",
         "x y"},
        {"<Response><Errors><Error><Code>RequestLimitExceeded</Code></Error></Errors></Response>",
         false, true, "RequestLimitExceeded", ""},
        {"<GetUserResponse/>", false, false, NULL, NULL},
        {"Service Unavailable", false, false, NULL, NULL},
        {"{\"__type\":\"com.amazonaws.secretsmanager#AccessDeniedException\","
         "\"Message\":\"no\"}",
         true, true, "AccessDeniedException", "no"},
        {"{\"__type\":\"ThrottlingException\",\"message\":\"Rate exceeded\"}", true, true,
         "ThrottlingException", "Rate exceeded"},
        {"{\"SecretList\":[]}", true, false, NULL, NULL},
        {"[1,2]", true, false, NULL, NULL},
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct aws_error e;
        bool ok;

        memset(&e, 0, sizeof(e));
        ok = cases[i].json ? aws_error_from_json(&e, cases[i].body, strlen(cases[i].body))
                           : aws_error_from_xml(&e, cases[i].body, strlen(cases[i].body));
        assert_int_equal(ok, cases[i].ok);
        if (ok) {
            assert_string_equal(e.code, cases[i].code);
            assert_string_equal(e.message, cases[i].message);
        }
    }
    assert_true(aws_error_is_throttling("Throttling"));
    assert_true(aws_error_is_throttling("ThrottlingException"));
    assert_true(aws_error_is_throttling("TooManyRequestsException"));
    assert_false(aws_error_is_throttling("AccessDenied"));
    assert_false(aws_error_is_throttling(""));
    assert_false(aws_error_is_throttling(NULL));
}

struct date_case {
    const char *in;
    int rc;
    fbs_time_t want;
};

static void test_aws_iam__dates(void **state)
{
    static const struct date_case cases[] = {
        {"2024-01-15T10:20:30Z", 0, 1705314030},
        {"2026-11-23T09:18:32.261493Z", 0, 1795425512},
        {"2016-08-23T21:59:12+00:00", 0, 1471989552},
        {"2016-08-23T23:59:12+02:00", 0, 1471989552},
        {" 1705314030 ", 0, 1705314030},
        {"1523477145.713", 0, 1523477145},
        {"N/A", -1, 0},
        {"no_information", -1, 0},
        {"not_supported", -1, 0},
        {"", -1, 0},
        {"yesterday", -1, 0},
        {"1523477145.", -1, 0},
        {"99999999999999999999", -1, 0},
        {"2024-13-01T00:00:00Z", -1, 0},
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        fbs_time_t t = 0;

        assert_int_equal(aws_parse_date(&t, cases[i].in), cases[i].rc);
        if (cases[i].rc == 0)
            assert_int_equal(t, cases[i].want);
    }
    assert_int_equal(aws_parse_date(NULL, NULL), -1);
}

static void test_aws_iam__url_decode(void **state)
{
    char a[] = "%7B%22a%22%3A%22b+c%20d%22%7D";
    char b[] = "100%";
    char c[] = "%zz%4";
    char d[] = "%41%42";

    (void)state;
    assert_int_equal(aws_url_decode(a, strlen(a)), strlen("{\"a\":\"b+c d\"}"));
    assert_string_equal(a, "{\"a\":\"b+c d\"}");
    assert_int_equal(aws_url_decode(b, strlen(b)), 4);
    assert_string_equal(b, "100%");
    assert_int_equal(aws_url_decode(c, strlen(c)), 5);
    assert_string_equal(c, "%zz%4");
    assert_int_equal(aws_url_decode(d, 3), 1); /* only the first escape is inside the length */
    assert_int_equal(d[0], 'A');
}

static const struct aws_principal *named(const struct fbs_vec *v, const char *name)
{
    for (size_t i = 0; i < v->len; i++)
        if (!strcmp(((const struct aws_principal *)v->items[i])->name, name))
            return v->items[i];
    return NULL;
}

static void test_aws_iam__authz_pages(void **state)
{
    struct aws_authz z;
    struct aws_xml *doc;
    char *marker = NULL;
    const struct aws_principal *u, *g, *r;
    const struct aws_policy *p;

    (void)state;
    aws_authz_init(&z);
    doc = parse_file("authz_page1.xml");
    assert_int_equal(aws_iam_authz_page(&z, &marker, doc), 0);
    aws_xml_free(doc);
    assert_string_equal(marker, "bWFya2VyLXBhZ2UtMg==");
    fbs_free(marker);
    doc = parse_file("authz_page2.xml");
    assert_int_equal(aws_iam_authz_page(&z, &marker, doc), 0);
    aws_xml_free(doc);
    assert_null(marker);

    assert_int_equal(z.users.len, 2);
    assert_int_equal(z.groups.len, 1);
    assert_int_equal(z.roles.len, 2); /* the role nested in an instance profile is not one */
    assert_int_equal(z.policies.len, 1);
    u = named(&z.users, "breakglass-ops");
    assert_non_null(u);
    assert_string_equal(u->arn, "arn:aws:iam::111122223333:user/emergency/breakglass-ops");
    assert_string_equal(u->path, "/emergency/");
    assert_true(u->has_created);
    assert_int_equal(u->created, 1730541600); /* 2024-11-02T10:00:00Z */
    assert_int_equal(u->groups.len, 1);
    assert_string_equal(u->groups.items[0], "admins");
    assert_int_equal(u->tags.len, 1);
    assert_string_equal(((struct aws_tag *)u->tags.items[0])->key, "owner");
    assert_string_equal(((struct aws_tag *)u->tags.items[0])->value, "security-team");
    u = named(&z.users, "app-reader");
    assert_non_null(u);
    assert_int_equal(u->inline_policies.len, 1);
    p = u->inline_policies.items[0];
    assert_string_equal(p->name, "read-reports");
    assert_non_null(strstr(p->doc, "\"Resource\":\"arn:aws:s3:::reports/*\"")); /* decoded */
    g = named(&z.groups, "admins");
    assert_non_null(g);
    assert_int_equal(g->attached.len, 1);
    p = g->attached.items[0];
    assert_string_equal(p->name, "IAMFullAccess");
    assert_string_equal(p->arn, "arn:aws:iam::aws:policy/IAMFullAccess");
    assert_null(p->doc);
    r = named(&z.roles, "emergency-access-role");
    assert_non_null(r);
    assert_true(r->has_last_used);
    assert_int_equal(r->last_used, 1768494600); /* 2026-01-15T16:30:00Z */
    assert_string_equal(r->last_used_region, "us-east-1");
    assert_non_null(strstr(r->trust_doc, "arn:aws:iam::444455556666:role/secops"));
    assert_string_equal(r->id, "AROAEXAMPLEEMERGENCY");
    assert_null(named(&z.roles, "nested-role-must-not-leak"));
    p = z.policies.items[0];
    assert_string_equal(p->arn, "arn:aws:iam::111122223333:policy/EscalateIAM");
    assert_non_null(strstr(p->doc, "iam:Put*Policy")); /* the default version (v2) */
    aws_authz_release(&z);
}

static void test_aws_iam__authz_enomem(void **state)
{
    struct aws_xml *doc = parse_file("authz_page2.xml");
    long n;
    int rc;

    (void)state;
    for (n = 0;; n++) {
        struct aws_authz z;
        char *marker = NULL;

        aws_authz_init(&z);
        fbs_test_fail_allocs_after(n);
        rc = aws_iam_authz_page(&z, &marker, doc);
        fbs_test_fail_allocs_after(-1);
        fbs_free(marker);
        aws_authz_release(&z);
        if (rc == 0)
            break;
        assert_int_equal(rc, FBS_ENOMEM);
    }
    assert_true(n > 10);
    aws_xml_free(doc);
}

static void test_aws_iam__wrong_response(void **state)
{
    struct aws_xml *doc = parse_file("users_page1.xml");
    struct aws_authz z;
    struct fbs_vec keys = FBS_VEC_INIT;
    char *marker = NULL;
    static const char truncated[] = "<ListUsersResponse><ListUsersResult><Users/>"
                                    "<IsTruncated>true</IsTruncated></ListUsersResult>"
                                    "</ListUsersResponse>";
    struct aws_xml *t = NULL;

    (void)state;
    aws_authz_init(&z);
    assert_int_equal(aws_iam_authz_page(&z, &marker, doc), FBS_EPARSE);
    assert_non_null(strstr(fbs_error_message(), "GetAccountAuthorizationDetails"));
    assert_int_equal(aws_iam_keys_page(&keys, &marker, doc), FBS_EPARSE);
    assert_null(marker);
    aws_authz_release(&z);
    aws_xml_free(doc);
    /* IsTruncated without a Marker would loop forever: an error instead. */
    assert_int_equal(aws_xml_parse(&t, truncated, sizeof(truncated) - 1), 0);
    assert_int_equal(aws_iam_users_page(&keys, &marker, t), FBS_EPARSE);
    assert_null(marker);
    aws_xml_free(t);
    fbs_vec_release(&keys, aws_principal_free);
}

static void test_aws_iam__users_keys_mfa_summary(void **state)
{
    struct fbs_vec users = FBS_VEC_INIT, keys = FBS_VEC_INIT;
    struct aws_xml *doc;
    char *marker = NULL;
    const struct aws_principal *u;
    struct aws_access_key *k;
    size_t count = 0;

    (void)state;
    doc = parse_file("users_page1.xml");
    assert_int_equal(aws_iam_users_page(&users, &marker, doc), 0);
    aws_xml_free(doc);
    assert_string_equal(marker, "dXNlcnMtcGFnZS0y");
    fbs_free(marker);
    assert_int_equal(users.len, 1);
    u = users.items[0];
    assert_true(u->has_password_last_used);
    assert_int_equal(u->password_last_used, 1772057400); /* 2026-02-25T22:10:00Z */
    fbs_vec_release(&users, aws_principal_free);

    doc = parse_file("keys_app-reader.xml");
    assert_int_equal(aws_iam_keys_page(&keys, &marker, doc), 0);
    aws_xml_free(doc);
    assert_null(marker);
    assert_int_equal(keys.len, 2);
    k = keys.items[1];
    assert_string_equal(k->id, "AKIAEXAMPLEAPPREAD02");
    assert_string_equal(k->status, "Inactive");
    doc = parse_file("last_used_AKIAEXAMPLEAPPREAD02.xml");
    assert_int_equal(aws_iam_key_last_used(k, doc), 0);
    aws_xml_free(doc);
    assert_true(k->last_used_known);
    assert_false(k->has_last_used); /* never used: N/A */
    assert_null(k->last_used_service);
    k = keys.items[0];
    doc = parse_file("last_used_AKIAEXAMPLEAPPREAD01.xml");
    assert_int_equal(aws_iam_key_last_used(k, doc), 0);
    aws_xml_free(doc);
    assert_true(k->has_last_used);
    assert_int_equal(k->last_used, 1772264700); /* 2026-02-28T07:45:00Z */
    assert_string_equal(k->last_used_service, "s3");
    assert_string_equal(k->last_used_region, "eu-west-1");
    fbs_vec_release(&keys, aws_access_key_free);

    doc = parse_file("mfa_breakglass-ops.xml");
    assert_int_equal(aws_iam_mfa_page(&count, &marker, doc), 0);
    aws_xml_free(doc);
    assert_int_equal(count, 1);
    doc = parse_file("summary.xml");
    assert_int_equal(aws_iam_summary_value(doc, "AccountAccessKeysPresent"), 1);
    assert_int_equal(aws_iam_summary_value(doc, "Users"), 2);
    assert_int_equal(aws_iam_summary_value(doc, "Missing"), -1);
    aws_xml_free(doc);
}

struct policy_case {
    const char *doc;
    int rc;
    size_t nevidence;
    const char *needle; /* in the first evidence string */
};

static void test_aws_iam__policy_eval(void **state)
{
    static const struct policy_case cases[] = {
        {"{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"*\",\"Resource\":\"*\"}]}", 0, 1,
         "every action ('*') on every resource"},
        {"{\"Statement\":{\"Effect\":\"Allow\",\"Action\":[\"*:*\"],\"Resource\":[\"*\"]}}", 0, 1,
         "every action"},
        {"{\"Statement\":[{\"Effect\":\"Deny\",\"Action\":\"*\",\"Resource\":\"*\"}]}", 0, 0, NULL},
        {"{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"s3:*\",\"Resource\":\"*\"}]}", 0, 0,
         NULL},
        {"{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":[\"s3:GetObject\",\"IAM:*\"],"
         "\"Resource\":\"*\"}]}",
         0, 1, "IAM write action 'IAM:*'"},
        {"{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"iam:Create*\",\"Resource\":"
         "\"arn:aws:iam::1:user/*\"}]}",
         0, 1, "iam:Create*"},
        {"{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"iam:PassRole\",\"Resource\":"
         "\"arn:aws:iam::1:role/x\"}]}",
         0, 1, "iam:PassRole"},
        /* IAM write on a non-IAM resource cannot apply. */
        {"{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"iam:*\",\"Resource\":"
         "\"arn:aws:s3:::bucket\"}]}",
         0, 0, NULL},
        /* Read-only IAM is not escalation. */
        {"{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":[\"iam:Get*\",\"iam:List*\"],"
         "\"Resource\":\"*\"}]}",
         0, 0, NULL},
        {"{\"Statement\":[{\"Effect\":\"Allow\",\"NotAction\":[\"iam:*\",\"organizations:*\"],"
         "\"Resource\":\"*\"}]}",
         0, 1, "except 'iam:*', 'organizations:*' (NotAction)"},
        {"{\"Statement\":[{\"Effect\":\"Allow\",\"NotAction\":\"*\",\"Resource\":\"*\"}]}", 0, 0,
         NULL},
        {"{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"*\",\"NotResource\":\"arn:x\"}]}", 0,
         1, "every resource"},
        {"{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"*\",\"Resource\":\"arn:aws:s3:::b\"}"
         "]}",
         0, 0, NULL},
        {"{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"*\",\"Resource\":"
         "\"arn:aws:iam::1:user/x\"}]}",
         0, 1, "on IAM resources"},
        /* Issue 14: what Deny statements, resource scope and conditions take away. */
        {"{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"*\",\"Resource\":\"*\"},"
         "{\"Effect\":\"Deny\",\"Action\":\"*\",\"Resource\":\"*\"}]}",
         0, 0, NULL},
        {"{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"iam:*\",\"Resource\":\"*\"},"
         "{\"Effect\":\"Deny\",\"Action\":\"iam:*\",\"Resource\":\"*\"}]}",
         0, 0, NULL},
        /* A Deny under a Condition may not apply: it removes nothing. */
        {"{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"*\",\"Resource\":\"*\"},"
         "{\"Effect\":\"Deny\",\"Action\":\"*\",\"Resource\":\"*\",\"Condition\":{\"Bool\":"
         "{\"aws:MultiFactorAuthPresent\":\"false\"}}}]}",
         0, 1, "every action ('*') on every resource ('*')"},
        {"{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"iam:CreateAccessKey\","
         "\"Resource\":\"arn:aws:iam::*:user/${aws:username}\"}]}",
         0, 0, NULL},
        /* Attaching a policy to oneself is still escalation. */
        {"{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":[\"iam:CreateAccessKey\","
         "\"iam:AttachUserPolicy\"],\"Resource\":\"arn:aws:iam::*:user/${aws:username}\"}]}",
         0, 1, "iam:AttachUserPolicy"},
        {"{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"*\",\"Resource\":\"*\","
         "\"Condition\":{\"IpAddress\":{\"aws:SourceIp\":\"10.0.0.0/8\"}}}]}",
         0, 1, "only under a condition on 'aws:SourceIp'"},
        {"{\"Version\":\"2012-10-17\"}", FBS_EPARSE, 0, NULL},
        {"not json", FBS_EPARSE, 0, NULL},
        {"[]", FBS_EPARSE, 0, NULL},
        {"{\"Statement\":[1,\"x\",{\"Effect\":7}]}", 0, 0, NULL},
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct fbs_vec ev = FBS_VEC_INIT;

        assert_int_equal(aws_policy_eval(&ev, cases[i].doc, "inline policy 'p'"), cases[i].rc);
        assert_int_equal(ev.len, cases[i].nevidence);
        if (cases[i].needle) {
            assert_non_null(strstr(ev.items[0], cases[i].needle));
            assert_non_null(strstr(ev.items[0], "inline policy 'p'"));
        }
        fbs_vec_release(&ev, fbs_free);
    }
    {
        /* A Deny in one policy of the principal removes the Allow of another; an unreadable
         * document is said to be. */
        const char *docs[3] = {
            "{\"Statement\":{\"Effect\":\"Allow\",\"Action\":\"*\",\"Resource\":\"*\"}}",
            "{\"Statement\":{\"Effect\":\"Deny\",\"Action\":\"*\",\"Resource\":\"*\"}}", NULL};
        const char *labels[3] = {"managed policy 'AdministratorAccess'", "inline policy 'deny'",
                                 "managed policy 'unknown'"};
        struct fbs_vec ev = FBS_VEC_INIT;
        bool bad = false;

        assert_int_equal(aws_policy_eval_set(&ev, docs, labels, 2, &bad), 0);
        assert_int_equal(ev.len, 0);
        assert_false(bad);
        assert_int_equal(aws_policy_eval_set(&ev, docs, labels, 1, &bad), 0);
        assert_int_equal(ev.len, 1);
        fbs_vec_release(&ev, fbs_free);
        docs[1] = docs[0];
        assert_int_equal(aws_policy_eval_set(&ev, docs + 1, labels + 1, 2, &bad), 0);
        assert_true(bad);
        assert_int_equal(ev.len, 1);
        fbs_vec_release(&ev, fbs_free);
    }
    assert_true(aws_policy_is_admin_arn("arn:aws:iam::aws:policy/AdministratorAccess"));
    assert_true(aws_policy_is_admin_arn("arn:aws-us-gov:iam::aws:policy/AdministratorAccess"));
    assert_false(aws_policy_is_admin_arn("arn:aws:iam::123456789012:policy/AdministratorAccess"));
    assert_false(aws_policy_is_admin_arn("arn:aws:iam::aws:policy/AdministratorAccess-Amplify"));
    assert_false(aws_policy_is_admin_arn(NULL));
}

/* Permissions boundaries and SCP levels intersect with the identity policies. */
struct limit_case {
    const char *name;
    const char *identity;
    const char *limit[2]; /* documents of one limit (NULL-terminated, at most 2) */
    size_t nevidence;
    const char *evidence; /* a part of the first evidence, or NULL */
    const char *note;     /* a part of the first note, or NULL for none */
};

static void test_aws_iam__policy_limits(void **state)
{
#define ALLOW(a) "{\"Statement\":{\"Effect\":\"Allow\",\"Action\":" a ",\"Resource\":\"*\"}}"
#define DENY(a)                                                                                    \
    "{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"*\",\"Resource\":\"*\"},"                  \
    "{\"Effect\":\"Deny\",\"Action\":" a ",\"Resource\":\"*\"}]}"
    static const struct limit_case cases[] = {
        {"admin within an S3 read-only boundary",
         ALLOW("\"*\""),
         {ALLOW("[\"s3:Get*\",\"s3:List*\"]")},
         0,
         NULL,
         "allows no administrator or IAM write action"},
        {"admin within an allow-everything boundary",
         ALLOW("\"*\""),
         {ALLOW("\"*\"")},
         1,
         "every action ('*') on every resource ('*')",
         NULL},
        {"admin under an SCP denying some services: still administrator",
         ALLOW("\"*\""),
         {DENY("\"organizations:*\"")},
         1,
         "every action but the ones they exclude",
         NULL},
        {"admin under an allow-list SCP that lets iam:PassRole through",
         ALLOW("\"*\""),
         {ALLOW("[\"s3:*\",\"iam:PassRole\"]")},
         1,
         "still let through IAM write action "
         "'iam:passrole'",
         NULL},
        {"IAM write denied by an SCP",
         ALLOW("\"iam:AttachUserPolicy\""),
         {DENY("[\"iam:Attach*\",\"iam:Put*\"]")},
         0,
         NULL,
         "SCP 'L0' denies it"},
        {"IAM write missing from an allow-list",
         ALLOW("\"iam:AttachUserPolicy\""),
         {ALLOW("\"s3:*\"")},
         0,
         NULL,
         "limit 'L' does not allow it"},
        {"IAM write allowed by one SCP of the level",
         ALLOW("\"iam:AttachUserPolicy\""),
         {ALLOW("\"s3:*\""), ALLOW("\"iam:*\"")},
         1,
         "IAM write action 'iam:AttachUserPolicy'",
         NULL},
        {"NotAction identity under an S3-only boundary",
         "{\"Statement\":{\"Effect\":\"Allow\",\"NotAction\":\"iam:*\",\"Resource\":\"*\"}}",
         {ALLOW("\"s3:*\"")},
         0,
         NULL,
         "allows no administrator"},
        {"an unreadable limit limits nothing",
         ALLOW("\"*\""),
         {"not json"},
         1,
         "every action ('*') on every resource ('*')",
         NULL},
    };
#undef ALLOW
#undef DENY
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const struct limit_case *t = &cases[i];
        const char *labels[1] = {"managed policy 'P'"};
        const char *dl[2] = {"SCP 'L0'", "SCP 'L1'"};
        struct aws_policy_limit lim = {"limit 'L'", t->limit, dl, t->limit[1] ? 2 : 1};
        struct fbs_vec ev = FBS_VEC_INIT, notes = FBS_VEC_INIT;
        bool bad = false;

        assert_int_equal(
            aws_policy_eval_limited(&ev, &notes, &t->identity, labels, 1, &lim, 1, &bad), 0);
        if (ev.len != t->nevidence || (t->evidence && !strstr(ev.items[0], t->evidence)) ||
            (t->note ? notes.len == 0 || !strstr(notes.items[0], t->note) : notes.len != 0))
            fail_msg("%s: %zu evidence (%s), %zu notes (%s)", t->name, ev.len,
                     ev.len ? (char *)ev.items[0] : "", notes.len,
                     notes.len ? (char *)notes.items[0] : "");
        fbs_vec_release(&ev, fbs_free);
        fbs_vec_release(&notes, fbs_free);
    }
}

/* Allocation failures anywhere in a limited evaluation: ENOMEM (or a document read as unknown),
 * never a leak or a crash. */
static void test_aws_iam__policy_limits_enomem(void **state)
{
    const char *docs[2] = {
        "{\"Statement\":{\"Effect\":\"Allow\",\"Action\":\"*\",\"Resource\":\"*\"}}",
        "{\"Statement\":{\"Effect\":\"Allow\",\"Action\":\"iam:AttachUserPolicy\","
        "\"Resource\":\"*\"}}"};
    const char *labels[2] = {"managed policy 'A'", "inline policy 'B'"};
    const char *bdoc[1] = {
        "{\"Statement\":{\"Effect\":\"Allow\",\"Action\":[\"s3:*\",\"iam:PassRole\","
        "\"iam:AttachUserPolicy\"],\"Resource\":\"*\"}}"};
    const char *sdocs[2] = {
        "{\"Statement\":{\"Effect\":\"Allow\",\"Action\":\"*\",\"Resource\":\"*\"}}",
        "{\"Statement\":{\"Effect\":\"Deny\",\"Action\":\"iam:Attach*\",\"Resource\":\"*\"}}"};
    const char *bl[1] = {"permissions boundary 'B'"};
    const char *sl[2] = {"SCP 'Full'", "SCP 'DenyAttach'"};
    const struct aws_policy_limit lims[2] = {
        {"permissions boundary 'B'", bdoc, bl, 1},
        {"the SCPs on account 1 (Full, DenyAttach)", sdocs, sl, 2}};
    long n;

    (void)state;
    for (n = 0; n < 100000; n++) {
        struct fbs_vec ev = FBS_VEC_INIT, notes = FBS_VEC_INIT;
        bool bad = false, done;
        int rc;

        fbs_test_fail_allocs_after(n);
        rc = aws_policy_eval_limited(&ev, &notes, docs, labels, 2, lims, 2, &bad);
        fbs_test_fail_allocs_after(-1);
        assert_true(rc == 0 || rc == FBS_ENOMEM);
        done = rc == 0 && !bad && ev.len == 1 && notes.len == 1;
        if (done) {
            assert_non_null(strstr(ev.items[0], "still let through IAM write action "
                                                "'iam:passrole'"));
            assert_non_null(strstr(notes.items[0], "SCP 'DenyAttach' denies it"));
        }
        fbs_vec_release(&ev, fbs_free);
        fbs_vec_release(&notes, fbs_free);
        if (done)
            break;
    }
    assert_true(n > 5 && n < 100000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_aws_iam__xml_tree),
        cmocka_unit_test(test_aws_iam__xml_rejects),
        cmocka_unit_test(test_aws_iam__xml_enomem),
        cmocka_unit_test(test_aws_iam__errors),
        cmocka_unit_test(test_aws_iam__dates),
        cmocka_unit_test(test_aws_iam__url_decode),
        cmocka_unit_test(test_aws_iam__authz_pages),
        cmocka_unit_test(test_aws_iam__authz_enomem),
        cmocka_unit_test(test_aws_iam__wrong_response),
        cmocka_unit_test(test_aws_iam__users_keys_mfa_summary),
        cmocka_unit_test(test_aws_iam__policy_eval),
        cmocka_unit_test(test_aws_iam__policy_limits),
        cmocka_unit_test(test_aws_iam__policy_limits_enomem),
    };

    fbs_test_use_failing_alloc();
    return cmocka_run_group_tests(tests, NULL, NULL);
}
