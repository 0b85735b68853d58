/*
 * test_aws_secrets.c - scanner/cloud/aws_secrets.c: ListSecrets pages (the recorded ones, and
 * the shapes the API and CLI exports take: epoch or ISO dates, omitted or null fields).
 */
#include "support/test_support.h"

#include "scanner/cloud/aws_int.h"
#include "scanner/core/alloc.h"
#include "scanner/core/error.h"

#include <stdio.h>
#include <string.h>

#include "scanner/core/banned.h"

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
    rewind(fp);
    buf = fbs_malloc((size_t)n + 1);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)n, fp), (size_t)n);
    buf[n] = '\0';
    fclose(fp);
    *len = (size_t)n;
    return buf;
}

/* RotationRules.ScheduleExpression: rate(N days), rate(N hours) rounded up; cron() unknown. */
static void test_aws_secrets__schedule_expression(void **state)
{
    static const struct {
        const char *rules;
        long long days;
    } cases[] = {
        {"{\"ScheduleExpression\": \"rate(10 days)\"}", 10},
        {"{\"ScheduleExpression\": \"rate(4 hours)\"}", 1},
        {"{\"ScheduleExpression\": \"rate(30 hours)\"}", 2},
        {"{\"ScheduleExpression\": \"cron(0 16 1,15 * ? *)\"}", -1},
        {"{\"AutomaticallyAfterDays\": 7, \"ScheduleExpression\": \"rate(7 days)\"}", 7},
        {"{}", -1},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct fbs_vec secrets = FBS_VEC_INIT;
        char *token = NULL, doc[512];
        const struct aws_secret *s;
        int n = snprintf(doc, sizeof(doc),
                         "{\"SecretList\": [{\"ARN\": \"arn:aws:secretsmanager:us-east-1:1:"
                         "secret:x\", \"Name\": \"x\", \"RotationEnabled\": true, "
                         "\"RotationRules\": %s}]}",
                         cases[i].rules);

        assert_int_equal(aws_secrets_page(&secrets, &token, doc, (size_t)n), 0);
        assert_int_equal(secrets.len, 1);
        s = secrets.items[0];
        assert_int_equal(s->rotation_days, cases[i].days);
        fbs_vec_release(&secrets, aws_secret_free);
        fbs_free(token);
    }
}

static void test_aws_secrets__replay_pages(void **state)
{
    struct fbs_vec secrets = FBS_VEC_INIT;
    const struct aws_secret *s;
    char *token = NULL, *text;
    size_t len;

    (void)state;
    text = replay_file("secrets_page1.json", &len);
    assert_int_equal(aws_secrets_page(&secrets, &token, text, len), 0);
    fbs_free(text);
    assert_string_equal(token, "c2VjcmV0cy1wYWdlLTI=");
    fbs_free(token);
    text = replay_file("secrets_page2.json", &len);
    assert_int_equal(aws_secrets_page(&secrets, &token, text, len), 0);
    fbs_free(text);
    assert_null(token);
    assert_int_equal(secrets.len, 3);

    s = secrets.items[0];
    assert_string_equal(s->name, "prod/app/db");
    assert_true(s->rotation_enabled);
    assert_int_equal(s->rotation_days, 30);
    assert_true(s->has_created);
    assert_int_equal(s->created, 1700000000); /* fractional epoch seconds, floored */
    assert_int_equal(s->tags.len, 1);

    s = secrets.items[1];
    assert_string_equal(s->name, "breakglass/db-admin");
    assert_false(s->rotation_enabled); /* omitted */
    assert_int_equal(s->rotation_days, -1);
    assert_false(s->has_last_rotated);
    assert_true(s->has_last_accessed);
    assert_int_equal(s->last_accessed, 1772064000);
    assert_string_equal(s->kms_key_id, "arn:aws:kms:eu-west-1:111122223333:key/1234abcd");
    assert_string_equal(s->description, "database superuser for incidents");

    s = secrets.items[2];
    assert_string_equal(s->name, "vault-unseal-shares");
    assert_null(s->description); /* null */
    assert_false(s->has_last_accessed);
    assert_int_equal(s->created, 1631178549); /* ISO string: 2021-09-09T09:09:09Z */
    assert_false(s->has_deleted);
    fbs_vec_release(&secrets, aws_secret_free);
}

struct page_case {
    const char *json;
    int rc;
    size_t nsecrets;
};

static void test_aws_secrets__shapes(void **state)
{
    static const struct page_case cases[] = {
        {"{\"SecretList\":[]}", 0, 0},
        {"{}", 0, 0},
        {"{\"SecretList\":[{\"Name\":\"x\"}]}", 0, 0}, /* no ARN: skipped */
        {"{\"SecretList\":[1,\"a\",{\"Name\":\"x\",\"ARN\":\"arn:x\"}]}", 0, 1},
        {"{\"SecretList\":[{\"Name\":\"x\",\"ARN\":\"arn:x\",\"CreatedDate\":-5,"
         "\"DeletedDate\":1e300,\"Tags\":{\"not\":\"a list\"}}]}",
         0, 1},
        {"{\"SecretList\":{}}", FBS_EPARSE, 0},
        {"[]", FBS_EPARSE, 0},
        {"{\"SecretList\":[", FBS_EPARSE, 0},
        {"", FBS_EPARSE, 0},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct fbs_vec secrets = FBS_VEC_INIT;
        char *token = NULL;

        assert_int_equal(aws_secrets_page(&secrets, &token, cases[i].json, strlen(cases[i].json)),
                         cases[i].rc);
        assert_int_equal(secrets.len, cases[i].nsecrets);
        for (size_t k = 0; k < secrets.len; k++) {
            const struct aws_secret *s = secrets.items[k];

            assert_false(s->has_created); /* negative: unknown */
            assert_false(s->has_deleted); /* out of range: unknown */
        }
        assert_null(token);
        fbs_vec_release(&secrets, aws_secret_free);
    }
}

static void test_aws_secrets__enomem(void **state)
{
    size_t len;
    char *text = replay_file("secrets_page1.json", &len);
    long n;
    int rc;

    (void)state;
    for (n = 0;; n++) {
        struct fbs_vec secrets = FBS_VEC_INIT;
        char *token = NULL;

        fbs_test_fail_allocs_after(n);
        rc = aws_secrets_page(&secrets, &token, text, len);
        fbs_test_fail_allocs_after(-1);
        fbs_free(token);
        fbs_vec_release(&secrets, aws_secret_free);
        if (rc == 0)
            break;
        assert_int_equal(rc, FBS_ENOMEM);
    }
    assert_true(n > 5);
    fbs_free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_aws_secrets__replay_pages),
        cmocka_unit_test(test_aws_secrets__schedule_expression),
        cmocka_unit_test(test_aws_secrets__shapes),
        cmocka_unit_test(test_aws_secrets__enomem),
    };

    fbs_test_use_failing_alloc();
    return cmocka_run_group_tests(tests, NULL, NULL);
}
