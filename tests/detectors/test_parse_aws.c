/* test_parse_aws.c - detectors/parse_aws.c: key type and account id from an access key id. */
#include "support/test_support.h"

#include "detectors/detector.h"
#include "scanner/core/error.h"

#include <string.h>

#include "scanner/core/banned.h"

static struct fbs_finding *new_finding(const char *kind, const char *secret)
{
    struct fbs_finding *f = fbs_finding_new();

    assert_non_null(f);
    assert_int_equal(fbs_finding_set_str(&f->kind, kind), 0);
    if (secret)
        assert_int_equal(fbs_finding_set_secret(f, secret, strlen(secret)), 0);
    return f;
}

static int run(struct fbs_finding *f)
{
    struct fbs_detect_ctx ctx;

    memset(&ctx, 0, sizeof(ctx));
    return fbs_detector_aws.run(f, &ctx);
}

static const char *jstr(const json_t *o, const char *k)
{
    const json_t *v = json_object_get(o, k);

    return json_is_string(v) ? json_string_value(v) : NULL;
}

struct aws_case {
    const char *id;
    const char *type;    /* facts.aws_key_type */
    const char *account; /* facts.aws_account_id, NULL: not encoded */
    bool hint;           /* facts.expires_hint set */
};

static void test_parse_aws__key_ids(void **state)
{
    /*
     * 609629065308: the account of ASIAY34FZKBOKMUTVV7A as reported by sts:GetAccessKeyInfo in
     * Aidan Steele's and Tal Be'ery's public write-ups. The others are worked by hand from the
     * same rule: base32 "Y" = 24 = 11000, so the generation bit is 1; "I" = 8 = 01000 (old
     * generation: no account). The AKIA keys below are the rule pack's examples.
     */
    static const struct aws_case cases[] = {
        {"ASIAY34FZKBOKMUTVV7A", "temporary", "609629065308", true},
        {"ASIAQNZGKIQY56JQ7WML", "temporary", "029608264753", true}, /* zero-padded */
        {"AKIAY3HHWPGTIWSN4WEK", "long_lived", "608223787430", false},
        {"AKIAR5GGWLJFUF3NETYZ", "long_lived", "131413203531", false},
        {"ASIA4CX4RKHIBUDE5O7M", "temporary", "830532047312", true},
        {"ABIAY34FZKBOKMUTVV7A", "temporary", "609629065308", true},
        {"ACCAY34FZKBOKMUTVV7A", "context_specific", "609629065308", false},
        {"AKIAIOSFODNN7EXAMPLE", "long_lived", NULL, false}, /* old generation */
        {"AKIAJAAAAAAAAAAAAAAA", "long_lived", NULL, false},
        {"AKIAQAAAAAAAAAAAAAAA", "long_lived", "000000000000", false}, /* the smallest */
        {"AKIA7777777777777777", "long_lived", NULL, false},           /* 2^40 - 1: 13 digits */
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct fbs_finding *f = new_finding("aws_access_key_id", cases[i].id);

        assert_int_equal(run(f), 0);
        assert_string_equal(jstr(f->facts, "aws_key_type"), cases[i].type);
        if (cases[i].account) {
            if (!jstr(f->facts, "aws_account_id") ||
                strcmp(jstr(f->facts, "aws_account_id"), cases[i].account))
                fail_msg("%s: account %s, want %s", cases[i].id, jstr(f->facts, "aws_account_id"),
                         cases[i].account);
        } else {
            assert_null(json_object_get(f->facts, "aws_account_id"));
        }
        assert_int_equal(jstr(f->facts, "expires_hint") != NULL, cases[i].hint);
        /* The exact expiry of a temporary key is not in the key. */
        assert_false(f->has_expires);
        fbs_finding_free(f);
    }
}

/* A cloud record that already knows its account keeps it. */
static void test_parse_aws__record_account_kept(void **state)
{
    struct fbs_finding *f = new_finding("aws_access_key", "AKIAY3HHWPGTIWSN4WEK");

    (void)state;
    f->source = FBS_SOURCE_AWS;
    assert_int_equal(json_object_set_new(f->facts, "aws_account_id", json_string("111122223333")),
                     0);
    assert_int_equal(run(f), 0);
    assert_string_equal(jstr(f->facts, "aws_account_id"), "111122223333");
    assert_string_equal(jstr(f->facts, "aws_key_type"), "long_lived");
    fbs_finding_free(f);
}

static void test_parse_aws__malformed(void **state)
{
    static const char *const bad[] = {
        "AKIAY3HHWPGTIWSN4WE",   /* 19 characters */
        "AKIAY3HHWPGTIWSN4WEKQ", /* 21 */
        "AKIA1234567890ABCDEF",  /* 0, 1, 8, 9 are not base32 */
        "AKIAy3hhwpgtiwsn4wek",  /* lower case */
        "AIDAY3HHWPGTIWSN4WEK",  /* a user id, not a key */
        "",
    };
    size_t i;
    struct fbs_finding *f;

    (void)state;
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        f = new_finding("aws_access_key_id", bad[i]);
        assert_int_equal(run(f), FBS_EPARSE);
        assert_true(strlen(fbs_error_message()) > 0);
        assert_int_equal(json_object_size(f->facts), 0);
        fbs_finding_free(f);
    }
    f = new_finding("aws_access_key_id", NULL);
    assert_int_equal(run(f), FBS_EPARSE);
    fbs_finding_free(f);
}

/* The registry applies the parser to access key ids only. */
static void test_parse_aws__kinds(void **state)
{
    struct fbs_finding *f =
        new_finding("aws_secret_access_key", "ZK0pqAUw+79RIgnanCtn6hDP4Za4yLnT5Aop9iPU");
    struct fbs_detect_ctx ctx;

    (void)state;
    memset(&ctx, 0, sizeof(ctx));
    assert_int_equal(fbs_detectors_run_stages(f, &ctx, FBS_STAGE_PARSE, FBS_STAGE_PARSE), 0);
    assert_null(json_object_get(f->facts, "aws_key_type"));
    fbs_finding_free(f);
    f = new_finding("aws_access_key_id", "AKIAY3HHWPGTIWSN4WEK");
    assert_int_equal(fbs_detectors_run_stages(f, &ctx, FBS_STAGE_PARSE, FBS_STAGE_PARSE), 0);
    assert_string_equal(jstr(f->facts, "aws_account_id"), "608223787430");
    fbs_finding_free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_aws__key_ids),
        cmocka_unit_test(test_parse_aws__record_account_kept),
        cmocka_unit_test(test_parse_aws__malformed),
        cmocka_unit_test(test_parse_aws__kinds),
    };

    fbs_test_use_cmocka_alloc();
    return cmocka_run_group_tests(tests, NULL, NULL);
}
