/*
 * test_aws_creds.c - scanner/cloud/aws_creds.c: where the AWS credentials and region come from
 * (environment, --profile, AWS_PROFILE, credentials and config files), what is refused, and that
 * messages never carry a secret.
 */
#include "support/test_support.h"

#include "scanner/cloud/cloud.h"
#include "scanner/core/alloc.h"
#include "scanner/core/error.h"

#include <stdio.h>
#include <string.h>

#include "scanner/core/banned.h"

#define SECRET_A "aSecretFromTheCredentialsFile0000000000A"

static const char credentials[] = "# comment\n"
                                  "; another comment\n"
                                  "[default]\n"
                                  "aws_access_key_id = AKIADEFAULTDEFAULT01\n"
                                  "aws_secret_access_key = defaultsecret\n"
                                  "\n"
                                  "[  audit  ]\n"
                                  "aws_access_key_id=AKIAAUDITAUDITAUDIT1\r\n"
                                  "aws_secret_access_key =   " SECRET_A "   \n"
                                  "aws_session_token = tok=en/with+chars==\n"
                                  "s3 =\n"
                                  "    max_concurrent_requests = 20\n"
                                  "[half]\n"
                                  "aws_access_key_id = AKIAHALFHALFHALFHAL1\n"
                                  "[dup]\n"
                                  "aws_access_key_id = AKIAFIRSTFIRSTFIRST1\n"
                                  "aws_secret_access_key = first\n"
                                  "aws_access_key_id = AKIASECONDSECONDSEC1\n"
                                  "[assumer]\n"
                                  "source_profile = default\n";

static const char config[] = "[default]\n"
                             "region = eu-central-1\n"
                             "[profile audit]\n"
                             "region = eu-west-1\n"
                             "[profile cfgkeys]\n"
                             "aws_access_key_id = AKIACONFIGCONFIGCON1\n"
                             "aws_secret_access_key = configsecret\n"
                             "region = ap-southeast-2\n"
                             "[profile role]\n"
                             "role_arn = arn:aws:iam::1:role/x\n"
                             "source_profile = default\n"
                             "[profile sso]\n"
                             "sso_session = corp\n"
                             "[profile badregion]\n"
                             "aws_access_key_id = AKIABADREGIONBADREG1\n"
                             "aws_secret_access_key = s\n"
                             "region = eu-west-1/../x\n";

struct creds_case {
    const char *name;
    /* environment */
    const char *akid, *secret, *token, *env_profile, *env_region, *env_default_region;
    /* options */
    const char *profile, *region;
    /* expected */
    int rc;
    const char *want_akid, *want_secret, *want_token, *want_region, *msg;
};

static void test_aws_creds__resolve(void **state)
{
    static const struct creds_case cases[] = {
        {"environment keys", "AKIAENVENVENVENVENV1", "envsecret", "envtoken", NULL, NULL, NULL,
         NULL, NULL, 0, "AKIAENVENVENVENVENV1", "envsecret", "envtoken", "eu-central-1", NULL},
        {"env region beats the config", "AKIAENVENVENVENVENV1", "envsecret", NULL, NULL,
         "us-west-2", "ca-central-1", NULL, NULL, 0, "AKIAENVENVENVENVENV1", "envsecret", NULL,
         "us-west-2", NULL},
        {"AWS_DEFAULT_REGION", "AKIAENVENVENVENVENV1", "envsecret", NULL, NULL, NULL,
         "ca-central-1", NULL, NULL, 0, "AKIAENVENVENVENVENV1", "envsecret", NULL, "ca-central-1",
         NULL},
        {"--region beats all", "AKIAENVENVENVENVENV1", "envsecret", NULL, NULL, "us-west-2", NULL,
         NULL, "sa-east-1", 0, "AKIAENVENVENVENVENV1", "envsecret", NULL, "sa-east-1", NULL},
        {"half the env pair: files", "AKIAENVENVENVENVENV1", NULL, NULL, NULL, NULL, NULL, NULL,
         NULL, 0, "AKIADEFAULTDEFAULT01", "defaultsecret", NULL, "eu-central-1", NULL},
        {"--profile beats env keys", "AKIAENVENVENVENVENV1", "envsecret", "envtoken", NULL, NULL,
         NULL, "audit", NULL, 0, "AKIAAUDITAUDITAUDIT1", SECRET_A,
         "tok=en/with+chars==", "eu-west-1", NULL},
        {"AWS_PROFILE", NULL, NULL, NULL, "audit", NULL, NULL, NULL, NULL, 0,
         "AKIAAUDITAUDITAUDIT1", SECRET_A, "tok=en/with+chars==", "eu-west-1", NULL},
        {"keys in the config file", NULL, NULL, NULL, NULL, NULL, NULL, "cfgkeys", NULL, 0,
         "AKIACONFIGCONFIGCON1", "configsecret", NULL, "ap-southeast-2", NULL},
        {"a later duplicate wins", NULL, NULL, NULL, NULL, NULL, NULL, "dup", NULL, 0,
         "AKIASECONDSECONDSEC1", "first", NULL, NULL, NULL},
        {"missing profile", NULL, NULL, NULL, NULL, NULL, NULL, "nope", NULL, FBS_ENOTFOUND, NULL,
         NULL, NULL, NULL, "profile 'nope' not found"},
        {"missing AWS_PROFILE", NULL, NULL, NULL, "nope", NULL, NULL, NULL, NULL, FBS_ENOTFOUND,
         NULL, NULL, NULL, NULL, "profile 'nope' not found"},
        {"half a pair in a profile", NULL, NULL, NULL, NULL, NULL, NULL, "half", NULL, FBS_EINVAL,
         NULL, NULL, NULL, NULL, "the secret access key is missing"},
        {"assume role", NULL, NULL, NULL, NULL, NULL, NULL, "role", NULL, FBS_EUNSUPPORTED, NULL,
         NULL, NULL, NULL, "role_arn"},
        {"sso", NULL, NULL, NULL, NULL, NULL, NULL, "sso", NULL, FBS_EUNSUPPORTED, NULL, NULL, NULL,
         NULL, "sso_session"},
        {"profile without keys", NULL, NULL, NULL, NULL, NULL, NULL, "assumer", NULL, FBS_ENOTFOUND,
         NULL, NULL, NULL, NULL, "has no aws_access_key_id"},
        {"invalid region option", "AKIAENVENVENVENVENV1", "envsecret", NULL, NULL, NULL, NULL, NULL,
         "us-east-1.evil.com", FBS_EINVAL, NULL, NULL, NULL, NULL, "invalid AWS region"},
        {"invalid region in config", NULL, NULL, NULL, NULL, NULL, NULL, "badregion", NULL,
         FBS_EINVAL, NULL, NULL, NULL, NULL, "invalid AWS region"},
    };
    const char *dir = fbs_test_tmpdir();
    char cred_path[1024], conf_path[1024];
    size_t i;

    (void)state;
    fbs_test_write(dir, "credentials", credentials, sizeof(credentials) - 1);
    fbs_test_write(dir, "config", config, sizeof(config) - 1);
    snprintf(cred_path, sizeof(cred_path), "%s/credentials", dir);
    snprintf(conf_path, sizeof(conf_path), "%s/config", dir);
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const struct creds_case *t = &cases[i];
        struct fbs_aws_env env = {t->akid,        t->secret,     t->token,
                                  t->env_profile, t->env_region, t->env_default_region,
                                  cred_path,      conf_path,     "/nonexistent-home"};
        struct fbs_aws_creds c;
        int rc = fbs_aws_creds_resolve(&c, &env, t->profile, t->region);

        if (rc != t->rc)
            fail_msg("case '%s': rc %d (%s), want %d", t->name, rc, fbs_error_message(), t->rc);
        if (rc < 0) {
            assert_null(c.access_key_id);
            assert_null(c.secret_access_key);
            if (!strstr(fbs_error_message(), t->msg))
                fail_msg("case '%s': message '%s' lacks '%s'", t->name, fbs_error_message(),
                         t->msg);
            /* No secret ever appears in a message. */
            assert_null(strstr(fbs_error_message(), SECRET_A));
            continue;
        }
        assert_string_equal(c.access_key_id, t->want_akid);
        assert_string_equal(c.secret_access_key, t->want_secret);
        if (t->want_token)
            assert_string_equal(c.session_token, t->want_token);
        else
            assert_null(c.session_token);
        if (t->want_region)
            assert_string_equal(c.region, t->want_region);
        else
            assert_null(c.region);
        assert_non_null(c.source);
        assert_null(strstr(c.source, t->want_secret));
        fbs_aws_creds_release(&c);
        assert_null(c.access_key_id);
    }
    fbs_test_rmtree(dir);
}

static void test_aws_creds__home_files(void **state)
{
    const char *dir = fbs_test_tmpdir();
    struct fbs_aws_env env;
    struct fbs_aws_creds c;

    (void)state;
    memset(&env, 0, sizeof(env));
    env.home = dir;
    /* No files at all: a clear message. */
    assert_int_equal(fbs_aws_creds_resolve(&c, &env, NULL, NULL), FBS_ENOTFOUND);
    assert_non_null(strstr(fbs_error_message(), "no AWS credentials"));
    fbs_test_write(dir, ".aws/credentials", credentials, sizeof(credentials) - 1);
    assert_int_equal(fbs_aws_creds_resolve(&c, &env, NULL, NULL), 0);
    assert_string_equal(c.access_key_id, "AKIADEFAULTDEFAULT01");
    assert_null(c.region); /* no config file */
    fbs_aws_creds_release(&c);
    /* No HOME and no explicit files: only the environment can help. */
    env.home = NULL;
    assert_int_equal(fbs_aws_creds_resolve(&c, &env, "audit", NULL), FBS_ENOTFOUND);
    fbs_test_rmtree(dir);
}

static void test_aws_creds__unreadable(void **state)
{
    const char *dir = fbs_test_tmpdir();
    struct fbs_aws_env env;
    struct fbs_aws_creds c;

    (void)state;
    memset(&env, 0, sizeof(env));
    env.shared_credentials_file = dir; /* a directory */
    assert_int_equal(fbs_aws_creds_resolve(&c, &env, NULL, NULL), FBS_EIO);
    assert_non_null(strstr(fbs_error_message(), "not a regular file"));
    fbs_test_rmtree(dir);
}

static void test_aws_creds__enomem(void **state)
{
    const char *dir = fbs_test_tmpdir();
    char cred_path[1024], conf_path[1024];
    struct fbs_aws_env env;
    long n;
    int rc;

    (void)state;
    fbs_test_write(dir, "credentials", credentials, sizeof(credentials) - 1);
    fbs_test_write(dir, "config", config, sizeof(config) - 1);
    snprintf(cred_path, sizeof(cred_path), "%s/credentials", dir);
    snprintf(conf_path, sizeof(conf_path), "%s/config", dir);
    memset(&env, 0, sizeof(env));
    env.shared_credentials_file = cred_path;
    env.config_file = conf_path;
    for (n = 0;; n++) {
        struct fbs_aws_creds c;

        fbs_test_fail_allocs_after(n);
        rc = fbs_aws_creds_resolve(&c, &env, "audit", NULL);
        fbs_test_fail_allocs_after(-1);
        if (rc == 0) {
            assert_string_equal(c.access_key_id, "AKIAAUDITAUDITAUDIT1");
            fbs_aws_creds_release(&c);
            break;
        }
        assert_int_equal(rc, FBS_ENOMEM);
    }
    assert_true(n > 3);
    fbs_test_rmtree(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_aws_creds__resolve),
        cmocka_unit_test(test_aws_creds__home_files),
        cmocka_unit_test(test_aws_creds__unreadable),
        cmocka_unit_test(test_aws_creds__enomem),
    };

    fbs_test_use_failing_alloc();
    return cmocka_run_group_tests(tests, NULL, NULL);
}
