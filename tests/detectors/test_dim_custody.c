/* test_dim_custody.c - detectors/dim_custody.c: custody class and score from where a key lives. */
#include "support/test_support.h"

#include "detectors/detector.h"
#include "scanner/core/error.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "scanner/core/banned.h"

struct custody_case {
    const char *rel;
    const char *cls;
    double score;
};

/* Run the custody detector for a finding at `rel`; returns it (caller frees). */
static struct fbs_finding *run_custody(const struct fbs_vocab *v, const char *rel, const char *kind,
                                       const char *secret)
{
    struct fbs_blob blob;
    struct fbs_detect_ctx ctx;
    struct fbs_finding *f = fbs_finding_new();

    assert_non_null(f);
    memset(&blob, 0, sizeof(blob));
    blob.data = (const unsigned char *)"x";
    blob.len = 1;
    blob.path = rel;
    blob.rel_path = rel;
    blob.target = ".";
    memset(&ctx, 0, sizeof(ctx));
    ctx.blob = &blob;
    ctx.vocab = v;
    ctx.fallback_threshold = 0.5;
    assert_int_equal(fbs_finding_set_str(&f->kind, kind), 0);
    assert_int_equal(fbs_finding_set_str(&f->path, rel), 0);
    assert_int_equal(fbs_finding_set_str(&f->rel_path, rel), 0);
    if (secret)
        assert_int_equal(fbs_finding_set_secret(f, secret, strlen(secret)), 0);
    assert_int_equal(fbs_detector_custody.run(f, &ctx), 0);
    assert_non_null(f->custody);
    assert_true(fbs_finding_has_score(f, FBS_DIM_CUSTODY));
    return f;
}

static void test_dim_custody__paths(void **state)
{
    static const struct custody_case cases[] = {
        {".github/workflows/x.yml", "ci_config", 0.8},
        {".gitlab-ci.yml", "ci_config", 0.8},
        {"ci/Jenkinsfile", "ci_config", 0.8},
        {"infra/main.tf", "iac", 0.85},
        {"terraform.tfstate", "iac", 0.85},
        {"envs/prod/terraform.tfstate.backup", "iac", 0.85},
        {"deploy/helm/values.yaml", "iac", 0.85},
        {"docs/runbook.md", "runbook_doc", 0.9},
        {"notes.txt", "runbook_doc", 0.9},
        {"team/wiki/breakglass.html", "runbook_doc", 0.9},
        {"config.yml.bak", "backup_file", 0.85},
        {"app/settings.py~", "backup_file", 0.85},
        {"backups/db/dump.sql", "backup_file", 0.85},
        {".env", "dotfile", 0.7},
        {"services/api/.env.production", "dotfile", 0.7},
        {".npmrc", "dotfile", 0.7},
        {"home/.aws/credentials", "dotfile", 0.7},
        {"src/app.py", "app_config", 0.6},
        {"config/application.yml", "app_config", 0.6},
    };
    struct fbs_vocab *v = NULL;
    size_t i;
    int failures = 0;

    (void)state;
    assert_int_equal(fbs_vocab_load_builtin(&v), 0);
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct fbs_finding *f = run_custody(v, cases[i].rel, "generic_secret", "Zk8pQ2mX9v");
        double got = f->scores[FBS_DIM_CUSTODY];

        if (strcmp(f->custody, cases[i].cls) || fabs(got - cases[i].score) > 1e-9) {
            print_error("%s: %s %.2f, want %s %.2f\n", cases[i].rel, f->custody, got, cases[i].cls,
                        cases[i].score);
            failures++;
        }
        fbs_finding_free(f);
    }
    assert_int_equal(failures, 0);
    fbs_vocab_free(v);
}

static void test_dim_custody__encrypted(void **state)
{
    static const char enc_pem[] = "-----BEGIN RSA PRIVATE KEY-----\n"
                                  "Proc-Type: 4,ENCRYPTED\n"
                                  "DEK-Info: AES-128-CBC,0123456789ABCDEF0123456789ABCDEF\n"
                                  "\n"
                                  "MIIEowIBAAKCAQEA0Z3VS5JJcds3xfn\n"
                                  "-----END RSA PRIVATE KEY-----\n";
    static const char pkcs8_enc[] = "-----BEGIN ENCRYPTED PRIVATE KEY-----\n"
                                    "MIIFHDBOBgkqhkiG9w0BBQ0wQTApBgkqhkiG9w0BBQwwHAQI\n"
                                    "-----END ENCRYPTED PRIVATE KEY-----\n";
    static const char plain_pem[] = "-----BEGIN RSA PRIVATE KEY-----\n"
                                    "MIIEowIBAAKCAQEA0Z3VS5JJcds3xfn/ygWyF8PbnGy0AHB7MhgHcTz6sE2I\n"
                                    "-----END RSA PRIVATE KEY-----\n";
    struct fbs_vocab *v = NULL;
    struct fbs_finding *f;

    (void)state;
    assert_int_equal(fbs_vocab_load_builtin(&v), 0);
    /* By kind, whatever the path. */
    f = run_custody(v, ".github/workflows/deploy.yml", "private_key_encrypted", "x");
    assert_string_equal(f->custody, "encrypted");
    assert_true(fabs(f->scores[FBS_DIM_CUSTODY] - 0.2) < 1e-9);
    fbs_finding_free(f);
    /* By content: a legacy encrypted PEM and PKCS#8 EncryptedPrivateKeyInfo. */
    f = run_custody(v, "docs/runbook.md", "private_key", enc_pem);
    assert_string_equal(f->custody, "encrypted");
    fbs_finding_free(f);
    f = run_custody(v, "keys/backup.pem", "private_key", pkcs8_enc);
    assert_string_equal(f->custody, "encrypted");
    fbs_finding_free(f);
    /* A plain key is classified by its path. */
    f = run_custody(v, "docs/runbook.md", "private_key", plain_pem);
    assert_string_equal(f->custody, "runbook_doc");
    fbs_finding_free(f);
    /* A short value that merely says "encrypted" is not key material. */
    f = run_custody(v, "src/app.py", "password", "ENCRYPTED");
    assert_string_equal(f->custody, "app_config");
    fbs_finding_free(f);
    fbs_vocab_free(v);
}

static void test_dim_custody__git_history_and_no_blob(void **state)
{
    struct fbs_vocab *v = NULL;
    struct fbs_detect_ctx ctx;
    struct fbs_finding *f;

    (void)state;
    assert_int_equal(fbs_vocab_load_builtin(&v), 0);
    memset(&ctx, 0, sizeof(ctx));
    ctx.vocab = v;
    /* Git: no longer in HEAD. */
    f = fbs_finding_new();
    f->source = FBS_SOURCE_GIT;
    f->in_head = 0;
    assert_int_equal(fbs_finding_set_str(&f->path, "infra/main.tf"), 0);
    assert_int_equal(fbs_detector_custody.run(f, &ctx), 0);
    assert_string_equal(f->custody, "git_history_only");
    assert_true(fabs(f->scores[FBS_DIM_CUSTODY] - 0.7) < 1e-9);
    /* Still in HEAD: the path decides. */
    f->in_head = 1;
    assert_int_equal(fbs_detector_custody.run(f, &ctx), 0);
    assert_string_equal(f->custody, "iac");
    /* Staged for commit (git --staged): in no commit yet, not "history only". */
    f->in_head = 0;
    f->staged = true;
    assert_int_equal(fbs_detector_custody.run(f, &ctx), 0);
    assert_string_equal(f->custody, "staged");
    assert_true(fabs(f->scores[FBS_DIM_CUSTODY] - 0.8) < 1e-9);
    fbs_finding_free(f);
    /* No blob, no path: the default class. */
    f = fbs_finding_new();
    assert_int_equal(fbs_detector_custody.run(f, &ctx), 0);
    assert_string_equal(f->custody, "app_config");
    assert_true(fabs(f->scores[FBS_DIM_CUSTODY] - 0.6) < 1e-9);
    fbs_finding_free(f);
    /* Class scores not tied to a path; unknown classes score 0.5. */
    assert_true(fabs(fbs_vocab_custody_score(v, "encrypted") - 0.2) < 1e-9);
    assert_true(fabs(fbs_vocab_custody_score(v, "dotfile") - 0.7) < 1e-9);
    assert_true(fabs(fbs_vocab_custody_score(v, "no_such_class") - 0.5) < 1e-9);
    assert_true(fabs(fbs_vocab_custody_score(v, NULL) - 0.5) < 1e-9);
    fbs_vocab_free(v);
}

static void test_dim_custody__all_detectors(void **state)
{
    static const char text[] = "emergency:\n  # break-glass only\n  token: Zk8pQ2mX9vL4nR7t\n";
    struct fbs_vocab *v = NULL;
    struct fbs_blob blob;
    struct fbs_detect_ctx ctx;
    struct fbs_policy policy;
    struct fbs_finding *f = fbs_finding_new();

    (void)state;
    assert_int_equal(fbs_vocab_load_builtin(&v), 0);
    assert_int_equal(fbs_policy_load_builtin(&policy), 0);
    memset(&blob, 0, sizeof(blob));
    blob.data = (const unsigned char *)text;
    blob.len = strlen(text);
    blob.path = "repo/.github/workflows/deploy.yml";
    blob.rel_path = ".github/workflows/deploy.yml";
    blob.target = "repo";
    memset(&ctx, 0, sizeof(ctx));
    ctx.blob = &blob;
    ctx.vocab = v;
    ctx.fallback_threshold = 0.5;
    ctx.policy = &policy;
    ctx.now = 1795000000;
    assert_int_equal(fbs_finding_set_str(&f->kind, "generic_token"), 0);
    assert_int_equal(fbs_finding_set_str(&f->rel_path, blob.rel_path), 0);
    f->secret_start = (size_t)(strstr(text, "Zk8p") - text);
    f->secret_end = f->secret_start + 16;
    assert_int_equal(fbs_finding_set_secret(f, text + f->secret_start, 16), 0);
    /* The registry runs context, then the dimensions. */
    assert_int_equal(fbs_detectors_run(f, &ctx), 0);
    assert_string_equal(f->key, "token");
    assert_string_equal(f->key_path, "emergency.token");
    assert_string_equal(f->comment, "break-glass only");
    assert_true(f->is_fallback);
    assert_true(f->fallback_confidence > 0.9);
    assert_string_equal(f->custody, "ci_config");
    /* ... and the scorer: no date at all, so the age is unknown and it is not standing. */
    assert_false(f->has_age);
    assert_int_equal(f->standing, 0);
    assert_true(f->risk >= 0 && f->risk <= 100);
    assert_non_null(f->severity);
    fbs_finding_free(f);
    fbs_vocab_free(v);
}

static void test_dim_custody__vocab_errors(void **state)
{
    struct fbs_vocab *v = NULL;
    static const char bad_weight[] = "terms:\n  - term: x\n    weight: 2\n";
    static const char bad_key[] = "terms:\n  - term: x\n    weight: 0.5\n    wieght: 1\n";
    static const char no_paths[] = "default: {class: a, score: 0.5}\npaths: 3\n";

    (void)state;
    assert_int_equal(fbs_vocab_new(&v), 0);
    assert_int_equal(fbs_vocab_add_text(v, "t.yml", bad_weight, strlen(bad_weight)), FBS_EPARSE);
    assert_non_null(strstr(fbs_error_message(), "line 3"));
    assert_int_equal(fbs_vocab_add_text(v, "t.yml", bad_key, strlen(bad_key)), FBS_EPARSE);
    assert_non_null(strstr(fbs_error_message(), "unknown key 'wieght'"));
    assert_int_equal(fbs_vocab_add_text(v, "t.yml", no_paths, strlen(no_paths)), FBS_EPARSE);
    assert_int_equal(fbs_vocab_add_text(v, "t.yml", "x: 1\n", 5), FBS_EPARSE);
    fbs_vocab_free(v);
    fbs_vocab_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dim_custody__paths),
        cmocka_unit_test(test_dim_custody__encrypted),
        cmocka_unit_test(test_dim_custody__git_history_and_no_blob),
        cmocka_unit_test(test_dim_custody__all_detectors),
        cmocka_unit_test(test_dim_custody__vocab_errors),
    };

    fbs_test_use_cmocka_alloc();
    return cmocka_run_group_tests(tests, NULL, NULL);
}
