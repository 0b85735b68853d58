/*
 * test_parse_temporary.c - detectors/parse_temporary.c (lifetime class and the expiry written
 * next to a temporary credential), dim_expiry.c's max_lifetime bound and the scorer's verdict
 * and reasons for temporary credentials.
 */
#include "support/test_support.h"

#include "detectors/detector.h"
#include "scanner/core/error.h"

#include <string.h>

#include "scanner/core/banned.h"

#define NOW ((fbs_time_t)1795392000) /* 2026-11-23T00:00:00Z */

static const char *fact(const struct fbs_finding *f, const char *k)
{
    return json_string_value(json_object_get(f->facts, k));
}

/* Run the parser on `text` for the secret at the n-th (0-based) occurrence of `secret`. */
static struct fbs_finding *parse(const char *text, const char *kind, const char *secret, int nth)
{
    struct fbs_blob blob;
    struct fbs_detect_ctx ctx;
    struct fbs_finding *f = fbs_finding_new();
    const char *at = strstr(text, secret);

    assert_non_null(f);
    while (at && nth-- > 0)
        at = strstr(at + 1, secret);
    if (!at)
        fail_msg("secret '%s' not in the text", secret);
    memset(&blob, 0, sizeof(blob));
    blob.data = (const unsigned char *)text;
    blob.len = strlen(text);
    blob.path = blob.rel_path = "credentials";
    blob.source = FBS_SOURCE_FILE;
    memset(&ctx, 0, sizeof(ctx));
    ctx.blob = &blob;
    assert_int_equal(fbs_finding_set_str(&f->kind, kind), 0);
    f->secret_start = (size_t)(at - text);
    f->secret_end = f->secret_start + strlen(secret);
    assert_int_equal(fbs_finding_set_secret(f, at, strlen(secret)), 0);
    assert_int_equal(fbs_detector_temporary.run(f, &ctx), 0);
    return f;
}

static void expect(const char *text, const char *kind, const char *secret, int nth, const char *cls,
                   const char *expires, const char *from)
{
    struct fbs_finding *f = parse(text, kind, secret, nth);
    fbs_time_t t = 0;

    if (!cls) {
        if (fact(f, "lifetime_class"))
            fail_msg("%s: class %s, want none", secret, fact(f, "lifetime_class"));
    } else if (!fact(f, "lifetime_class") || strcmp(fact(f, "lifetime_class"), cls)) {
        fail_msg("%s: class %s, want %s", secret, fact(f, "lifetime_class"), cls);
    }
    assert_int_equal(f->has_expires, expires != NULL);
    if (expires) {
        assert_int_equal(fbs_time_parse(&t, expires), 0);
        assert_int_equal(f->expires, t);
        assert_string_equal(fact(f, "expires_from"), from);
    }
    fbs_finding_free(f);
}

static const char *const ini = "[incident-4412]\n"
                               "aws_access_key_id = ASIAY34FZKBOKMUTVV7A\n"
                               "aws_secret_access_key = Zk0pqAUw+79RIgnanCtn6hDP4Za4yLnT5Aop9iPX\n"
                               "aws_session_token = IQoJb3JpZ2luX2VjEJrTOKEN\n"
                               "x_security_token_expires = 2026-03-02T11:00:00Z\n"
                               "\n"
                               "[emergency-admin]\n"
                               "aws_access_key_id = AKIAY3HHWPGTIWSN4WEK\n"
                               "aws_secret_access_key = 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\n"
                               "aws_expiration = 2026-03-09T11:00:00Z\n";

static void test_parse_temporary__aws_ini_profiles(void **state)
{
    (void)state;
    expect(ini, "aws_access_key_id", "ASIAY34FZKBOKMUTVV7A", 0, "aws_sts_session",
           "2026-03-02T11:00:00Z", "x_security_token_expires");
    expect(ini, "aws_secret_access_key", "Zk0pqAUw+79RIgnanCtn6hDP4Za4yLnT5Aop9iPX", 0,
           "aws_sts_session", "2026-03-02T11:00:00Z", "x_security_token_expires");
    expect(ini, "aws_session_token", "IQoJb3JpZ2luX2VjEJrTOKEN", 0, "aws_sts_session",
           "2026-03-02T11:00:00Z", "x_security_token_expires");
    /* The next profile is a long-term key: its own set, whatever expiry key is written there. */
    expect(ini, "aws_access_key_id", "AKIAY3HHWPGTIWSN4WEK", 0, NULL, NULL, NULL);
    expect(ini, "aws_secret_access_key", "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", 0, NULL, NULL,
           NULL);
}

static void test_parse_temporary__aws_tool_output(void **state)
{
    static const char *const assume =
        "{\n"
        "    \"Credentials\": {\n"
        "        \"AccessKeyId\": \"ASIA4CX4RKHIBUDE5O7M\",\n"
        "        \"SecretAccessKey\": \"w05K/a/CeiISLVMvNgdG3sQ+0SxjE+fqqv/GwmEq\",\n"
        "        \"SessionToken\": \"FwoGZXIvYXdzEMGABtVAVhHa\",\n"
        "        \"Expiration\": \"2026-03-02T12:00:00+00:00\"\n"
        "    },\n"
        "    \"AssumedRoleUser\": {\"AssumedRoleId\": \"AROAY34FZKBOKMUTVV7AB:s\"}\n"
        "}\n";
    static const char *const process =
        "{\"Version\": 1, \"AccessKeyId\": \"ASIA4CX4RKHIBUDE5O7M\", \"SecretAccessKey\": "
        "\"w05K/a/CeiISLVMvNgdG3sQ+0SxjE+fqqv/GwmEq\", \"SessionToken\": \"FwoGZXIv\", "
        "\"Expiration\": \"2026-11-23T06:00:00Z\"}\n";
    static const char *const env = "export AWS_ACCESS_KEY_ID=ASIAY34FZKBOKMUTVV7A\n"
                                   "export AWS_SECRET_ACCESS_KEY=Zk0pqAUw+79RIgnanCtn6hDP4Za4\n"
                                   "export AWS_SESSION_TOKEN=IQoJb3JpZ2lu\n"
                                   "export AWS_CREDENTIAL_EXPIRATION=1772449200\n";
    static const char *const no_id = "aws_secret_access_key = Zk0pqAUw+79RIgnanCtn6hDP4Za4\n"
                                     "aws_session_token = IQoJb3JpZ2lu\n";

    (void)state;
    expect(assume, "aws_secret_access_key", "w05K/a/CeiISLVMvNgdG3sQ+0SxjE+fqqv/GwmEq", 0,
           "aws_sts_session", "2026-03-02T12:00:00Z", "expiration");
    expect(process, "aws_session_token", "FwoGZXIv", 0, "aws_sts_session", "2026-11-23T06:00:00Z",
           "expiration");
    /* Epoch seconds: 1772449200 = 2026-03-02T11:00:00Z. */
    expect(env, "aws_secret_access_key", "Zk0pqAUw+79RIgnanCtn6hDP4Za4", 0, "aws_sts_session",
           "2026-03-02T11:00:00Z", "credential_expiration");
    /* No key id, but a session token: temporary, expiry unknown. */
    expect(no_id, "aws_secret_access_key", "Zk0pqAUw+79RIgnanCtn6hDP4Za4", 0, "aws_sts_session",
           NULL, NULL);
}

static void test_parse_temporary__other_kinds(void **state)
{
    struct fbs_finding *f;
    struct fbs_detect_ctx ctx;
    json_t *jwt;

    (void)state;
    memset(&ctx, 0, sizeof(ctx));
    f = fbs_finding_new();
    assert_non_null(f);
    assert_int_equal(fbs_finding_set_str(&f->kind, "vault_token"), 0);
    json_object_set_new(f->facts, "vault_token_type", json_string("batch"));
    assert_int_equal(fbs_detector_temporary.run(f, &ctx), 0);
    assert_string_equal(fact(f, "lifetime_class"), "vault_batch_token");
    json_object_set_new(f->facts, "vault_token_type", json_string("service"));
    json_object_del(f->facts, "lifetime_class");
    assert_int_equal(fbs_detector_temporary.run(f, &ctx), 0);
    assert_null(fact(f, "lifetime_class"));
    fbs_finding_free(f);

    f = fbs_finding_new();
    assert_non_null(f);
    assert_int_equal(fbs_finding_set_str(&f->kind, "jwt"), 0);
    jwt = json_pack("{s:s}", "iss", "https://sts.windows.net/72f988bf-86f1-41af-91ab/");
    json_object_set_new(f->facts, "jwt", jwt);
    assert_int_equal(fbs_detector_temporary.run(f, &ctx), 0);
    assert_string_equal(fact(f, "lifetime_class"), "azure_ad_access_token");
    json_object_set_new(f->facts, "jwt", json_pack("{s:s}", "iss", "https://ops.example.org"));
    json_object_del(f->facts, "lifetime_class");
    assert_int_equal(fbs_detector_temporary.run(f, &ctx), 0);
    assert_null(fact(f, "lifetime_class"));
    fbs_finding_free(f);
}

/* dim_expiry + scorer: a fallback credential of a lifetime class, committed `days` ago. */
static struct fbs_finding *judge(const char *kind, const char *cls, int64_t committed_days_ago,
                                 const struct fbs_policy *p)
{
    struct fbs_detect_ctx ctx;
    struct fbs_finding *f = fbs_finding_new();

    assert_non_null(f);
    memset(&ctx, 0, sizeof(ctx));
    ctx.policy = p;
    ctx.now = NOW;
    ctx.fallback_threshold = p->fallback_threshold;
    assert_int_equal(fbs_finding_set_str(&f->kind, kind), 0);
    assert_int_equal(fbs_finding_set_str(&f->path, "ops/breakglass.env"), 0);
    if (cls)
        json_object_set_new(f->facts, "lifetime_class", json_string(cls));
    f->source = FBS_SOURCE_GIT;
    f->in_head = 1;
    if (committed_days_ago >= 0) {
        f->committed = NOW - committed_days_ago * FBS_DAY;
        f->has_committed = true;
        f->age_days = committed_days_ago;
        f->has_age = true;
        json_object_set_new(f->facts, "age_from", json_string("commit"));
    }
    f->is_fallback = true;
    f->fallback_confidence = 0.95;
    assert_int_equal(fbs_detector_expiry.run(f, &ctx), 0);
    assert_int_equal(fbs_detector_scorer.run(f, &ctx), 0);
    return f;
}

static bool has_reason(const struct fbs_finding *f, const char *part)
{
    size_t i;

    for (i = 0; i < f->nreasons; i++)
        if (strstr(f->reasons[i], part))
            return true;
    return false;
}

static void test_parse_temporary__bounded_by_max_lifetime(void **state)
{
    struct fbs_policy p;
    struct fbs_finding *f;

    (void)state;
    assert_int_equal(fbs_policy_load_builtin(&p), 0);

    /* Committed 200 days ago: expired 36 hours after that at the latest. */
    f = judge("aws_secret_access_key", "aws_sts_session", 200, &p);
    assert_true(f->has_expires);
    assert_int_equal(f->expires, NOW - 200 * FBS_DAY + 36 * 3600);
    assert_string_equal(fact(f, "expires_from"), "max_lifetime");
    assert_string_equal(fact(f, "expires_bound_from"), "commit");
    assert_string_equal(fact(f, "expiry"), "expired");
    assert_int_equal(f->standing, 0);
    assert_true(has_reason(f, "expired by 2026-05-08 at the latest"));
    assert_true(has_reason(f, "lives at most 36 hours"));
    assert_true(f->risk <= p.expired_max_risk);
    fbs_finding_free(f);

    /* No date at all: still at most 36 hours long, so time-bound, not standing. */
    f = judge("aws_session_token", "aws_sts_session", -1, &p);
    assert_false(f->has_expires);
    assert_string_equal(fact(f, "expiry"), "time_bound");
    assert_int_equal(f->standing, 0);
    assert_true(has_reason(f, "no expiry recorded, but a credential of class aws_sts_session "
                              "lives at most 36 hours: time-bound"));
    fbs_finding_free(f);

    /* A kind that is its own class (GitHub App installation token, 1 hour). */
    f = judge("github_app_installation_token", NULL, 30, &p);
    assert_string_equal(fact(f, "max_lifetime"), "1h");
    assert_int_equal(f->standing, 0);
    fbs_finding_free(f);

    /* Vault batch tokens can outlive the window (768h): committed 3 days ago, live and not
     * time-bound, but not older than the window either. */
    f = judge("vault_token", "vault_batch_token", 3, &p);
    assert_string_equal(fact(f, "expiry"), "expires_soon"); /* 29 days left < 30 */
    assert_int_equal(f->standing, 0);
    assert_true(has_reason(f, "expires by 2026-12-22 at the latest"));
    fbs_finding_free(f);

    /* A long-lived key (no class) committed as long ago is standing access. */
    f = judge("aws_secret_access_key", NULL, 200, &p);
    assert_int_equal(f->standing, 1);
    assert_true(has_reason(f, "no expiry"));
    fbs_finding_free(f);
}

static void test_parse_temporary__policy_overrides(void **state)
{
    struct fbs_policy p;
    struct fbs_finding *f;
    static const char *const ok = "max_lifetime:\n  aws_sts_session: 0\n  custom_token: 2h\n";

    (void)state;
    assert_int_equal(fbs_policy_load_builtin(&p), 0);
    assert_int_equal(fbs_policy_apply_text(&p, "p.yml", ok, strlen(ok)), 0);
    f = judge("custom_token", NULL, 100, &p);
    assert_string_equal(fact(f, "expiry"), "expired");
    fbs_finding_free(f);
    /* Removed: an STS key without an expiry is then judged like any other. */
    f = judge("aws_session_token", "aws_sts_session", 100, &p);
    assert_int_equal(f->standing, 1);
    fbs_finding_free(f);
    assert_int_equal(fbs_policy_apply_text(&p, "p.yml", "max_lifetime: 3\n", 15), FBS_EPARSE);
    assert_int_equal(fbs_policy_apply_text(&p, "p.yml", "max_lifetime:\n  x: soon\n", 24),
                     FBS_EPARSE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_temporary__aws_ini_profiles),
        cmocka_unit_test(test_parse_temporary__aws_tool_output),
        cmocka_unit_test(test_parse_temporary__other_kinds),
        cmocka_unit_test(test_parse_temporary__bounded_by_max_lifetime),
        cmocka_unit_test(test_parse_temporary__policy_overrides),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
