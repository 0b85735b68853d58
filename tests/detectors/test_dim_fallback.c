/* test_dim_fallback.c - detectors/dim_fallback.c: fallback evidence, where it was found, scores. */
#include "support/test_support.h"

#include "detectors/detector.h"
#include "scanner/core/error.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "scanner/core/banned.h"

struct env {
    struct fbs_vocab *vocab;
    struct fbs_blob blob;
    struct fbs_detect_ctx ctx;
    struct fbs_finding *f;
};

/* A finding for `rel` (blob over "x") with the given context fields (NULL = unset). */
static void env_init(struct env *e, const char *rel, const char *key, const char *key_path,
                     const char *comment)
{
    memset(e, 0, sizeof(*e));
    assert_int_equal(fbs_vocab_load_builtin(&e->vocab), 0);
    e->blob.data = (const unsigned char *)"x";
    e->blob.len = 1;
    e->blob.path = rel;
    e->blob.rel_path = rel;
    e->blob.target = ".";
    e->ctx.blob = &e->blob;
    e->ctx.vocab = e->vocab;
    e->ctx.fallback_threshold = 0.5;
    e->f = fbs_finding_new();
    assert_non_null(e->f);
    assert_int_equal(fbs_finding_set_str(&e->f->kind, "generic_secret"), 0);
    assert_int_equal(fbs_finding_set_str(&e->f->path, rel), 0);
    assert_int_equal(fbs_finding_set_str(&e->f->key, key), 0);
    assert_int_equal(fbs_finding_set_str(&e->f->key_path, key_path), 0);
    assert_int_equal(fbs_finding_set_str(&e->f->comment, comment), 0);
}

static void env_run(struct env *e)
{
    assert_int_equal(fbs_detector_fallback.run(e->f, &e->ctx), 0);
    assert_true(fbs_finding_has_score(e->f, FBS_DIM_FALLBACK));
    assert_true(e->f->scores[FBS_DIM_FALLBACK] == e->f->fallback_confidence);
}

static void env_release(struct env *e)
{
    fbs_finding_free(e->f);
    fbs_vocab_free(e->vocab);
}

static const struct fbs_indicator *find_ind(const struct fbs_finding *f, const char *term,
                                            const char *where)
{
    size_t i;

    for (i = 0; i < f->nindicators; i++)
        if (!strcmp(f->indicators[i].term, term) && !strcmp(f->indicators[i].where, where))
            return &f->indicators[i];
    return NULL;
}

static void dump(const struct fbs_finding *f)
{
    size_t i;

    for (i = 0; i < f->nindicators; i++)
        print_error("  indicator %s @ %s = %.3f\n", f->indicators[i].term, f->indicators[i].where,
                    f->indicators[i].weight);
}

/* Exactly one indicator, (term, where) with this weight. */
static void expect_one(const struct env *e, const char *term, const char *where, double weight)
{
    const struct fbs_indicator *ind = find_ind(e->f, term, where);

    if (e->f->nindicators != 1 || !ind || fabs(ind->weight - weight) > 1e-9) {
        dump(e->f);
        fail_msg("want only %s @ %s = %.3f", term, where, weight);
    }
    assert_true(fabs(e->f->fallback_confidence - weight) < 1e-9);
}

static void expect_none(const struct env *e)
{
    if (e->f->nindicators) {
        dump(e->f);
        fail_msg("want no indicator");
    }
    assert_true(e->f->fallback_confidence == 0.0);
    assert_false(e->f->is_fallback);
}

static void test_dim_fallback__places(void **state)
{
    struct env e;

    (void)state;
    /* key: strength 1.0 (breakglass 0.95) */
    env_init(&e, "app/config.yml", "breakglass_token", "breakglass_token", NULL);
    env_run(&e);
    expect_one(&e, "breakglass", "key", 0.95);
    assert_true(e.f->is_fallback);
    env_release(&e);

    /* key_path: the parents only, strength 0.9 (emergency 0.85) */
    env_init(&e, "app/config.yml", "access_key", "emergency.aws.access_key", NULL);
    env_run(&e);
    expect_one(&e, "emergency", "key_path", 0.85 * 0.9);
    env_release(&e);

    /* file_name: strength 0.9 */
    env_init(&e, "keys/breakglass.env", NULL, NULL, NULL);
    env_run(&e);
    expect_one(&e, "breakglass", "file_name", 0.95 * 0.9);
    env_release(&e);

    /* directory: strength 0.7 (recovery 0.8) */
    env_init(&e, "recovery/keys/app.env", NULL, NULL, NULL);
    env_run(&e);
    expect_one(&e, "recovery", "directory", 0.8 * 0.7);
    env_release(&e);

    /* comment: strength 0.8 */
    env_init(&e, "app.env", "TOKEN", "TOKEN", "break-glass only");
    env_run(&e);
    expect_one(&e, "breakglass", "comment", 0.95 * 0.8);
    env_release(&e);

    /* names of the object: strength 0.8 */
    env_init(&e, "main.tf", "secret", "resource.x.secret", NULL);
    assert_int_equal(fbs_finding_set_str(&e.f->names, "firecall-admin"), 0);
    env_run(&e);
    expect_one(&e, "firecall", "name", 0.95 * 0.8);
    env_release(&e);

    /* commit message: strength 0.7 */
    env_init(&e, "app.env", NULL, NULL, NULL);
    assert_int_equal(fbs_finding_set_str(&e.f->commit_message, "add rescue credentials"), 0);
    env_run(&e);
    expect_one(&e, "rescue", "commit_message", 0.7 * 0.35);
    env_release(&e);
}

static void test_dim_fallback__rule_intrinsic(void **state)
{
    struct env e;

    (void)state;
    env_init(&e, "app/config.yml", "key", "key", NULL);
    e.f->rule_fallback = true;
    assert_int_equal(fbs_finding_set_str(&e.f->kind, "vault_unseal_key"), 0);
    env_run(&e);
    expect_one(&e, "vault_unseal_key", "rule", 1.0);
    assert_true(e.f->is_fallback);
    env_release(&e);
}

static void test_dim_fallback__spellings(void **state)
{
    static const char *const keys[] = {"breakGlassToken", "BREAK_GLASS",  "break-glass-pw",
                                       "BreakGlass",      "x.breakglass", "glassbreak_key",
                                       "BREAKGLASS_KEY"};
    size_t i;
    struct env e;

    (void)state;
    for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
        env_init(&e, "a.yml", keys[i], keys[i], NULL);
        env_run(&e);
        if (!find_ind(e.f, "breakglass", "key")) {
            dump(e.f);
            fail_msg("'%s': no breakglass indicator", keys[i]);
        }
        env_release(&e);
    }
    /* Long terms match inside longer tokens. */
    env_init(&e, "a.yml", "emergencyAccessKey", "x", NULL);
    env_run(&e);
    assert_non_null(find_ind(e.f, "emergency", "key"));
    env_release(&e);
    env_init(&e, "a.yml", "EMERGENCYACCESS", "x", NULL);
    env_run(&e);
    assert_non_null(find_ind(e.f, "emergency", "key"));
    env_release(&e);
}

static void test_dim_fallback__short_terms_whole_words(void **state)
{
    static const char *const yes[] = {"dr_password", "DR_DB_PASS", "drPassword", "site-dr", "dr"};
    static const char *const no[] = {"address", "drop_table", "hdr_key",
                                     "ADDRESS", "dry_run",    "android"};
    size_t i;
    struct env e;

    (void)state;
    for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
        env_init(&e, "a.yml", yes[i], yes[i], NULL);
        env_run(&e);
        if (!find_ind(e.f, "dr", "key")) {
            dump(e.f);
            fail_msg("'%s': no dr indicator", yes[i]);
        }
        assert_true(e.f->is_fallback); /* 0.5 reaches the 0.5 threshold */
        env_release(&e);
    }
    for (i = 0; i < sizeof(no) / sizeof(no[0]); i++) {
        env_init(&e, "a.yml", no[i], no[i], NULL);
        env_run(&e);
        if (find_ind(e.f, "dr", "key")) {
            dump(e.f);
            fail_msg("'%s': dr found inside a word", no[i]);
        }
        env_release(&e);
    }
    /* Same for root (whole word only). */
    env_init(&e, "a.yml", "root_password", "x", NULL);
    env_run(&e);
    assert_non_null(find_ind(e.f, "root", "key"));
    env_release(&e);
    env_init(&e, "a.yml", "grootKey", "x", NULL);
    env_run(&e);
    assert_null(find_ind(e.f, "root", "key"));
    env_release(&e);
}

static void test_dim_fallback__copy_suffixes(void **state)
{
    struct env e;

    (void)state;
    /* A backup copy of a state file is not a backup credential... */
    env_init(&e, "infra/terraform.tfstate.backup", NULL, NULL, NULL);
    env_run(&e);
    expect_none(&e);
    env_release(&e);
    env_init(&e, "config.yml.bak", NULL, NULL, NULL);
    env_run(&e);
    expect_none(&e);
    env_release(&e);
    env_init(&e, "secrets.env.old~", NULL, NULL, NULL);
    env_run(&e);
    expect_none(&e);
    env_release(&e);
    /* ...but a file named for a backup key is. */
    env_init(&e, "pki/backup-ca.pem", NULL, NULL, NULL);
    env_run(&e);
    assert_non_null(find_ind(e.f, "backup-credential", "file_name"));
    assert_true(fabs(e.f->fallback_confidence - 0.85 * 0.9) < 1e-9); /* "backup" counted once */
    assert_true(e.f->is_fallback);
    env_release(&e);
    /* A backups/ directory says where a copy is kept (custody), not what it is for. */
    env_init(&e, "backups/db.env.bak", NULL, NULL, NULL);
    env_run(&e);
    expect_none(&e);
    env_release(&e);
}

static void test_dim_fallback__noisy_or_and_threshold(void **state)
{
    struct env e;
    double want;

    (void)state;
    /* Two weak pieces of evidence: 1 - (1 - 0.5)(1 - 0.45 * 0.8) */
    env_init(&e, "app.yml", "dr_token", "dr_token", "spare site");
    env_run(&e);
    want = 1.0 - (1.0 - 0.5) * (1.0 - 0.45 * 0.8);
    assert_int_equal(e.f->nindicators, 2);
    assert_true(fabs(e.f->fallback_confidence - want) < 1e-9);
    assert_true(e.f->is_fallback);
    env_release(&e);

    /* One weak piece under the threshold: not a fallback, but the score is known. */
    env_init(&e, "app.yml", "spare_key", "spare_key", NULL);
    env_run(&e);
    expect_one(&e, "spare", "key", 0.45);
    assert_false(e.f->is_fallback);
    env_release(&e);

    /* The same term in several places counts once per place... */
    env_init(&e, "breakglass/breakglass.yml", "breakglass", "breakglass.breakglass", "breakglass");
    env_run(&e);
    assert_int_equal(e.f->nindicators, 5); /* key, key_path, file_name, directory, comment */
    want = 1.0 - (1.0 - 0.95) * (1.0 - 0.95 * 0.9) * (1.0 - 0.95 * 0.9) * (1.0 - 0.95 * 0.7) *
                     (1.0 - 0.95 * 0.8);
    assert_true(fabs(e.f->fallback_confidence - want) < 1e-9);
    env_release(&e);
    /* ...except an ambiguous term marked `once` ("backup"): only at its strongest place. */
    env_init(&e, "app.yml", "backup_pass", "jobs.backup.backup_pass", "nightly backup");
    env_run(&e);
    assert_int_equal(e.f->nindicators, 3); /* key, key_path, comment */
    assert_true(fabs(e.f->fallback_confidence - 0.5) < 1e-9);
    env_release(&e);

    /* Two terms in one place count once (the stronger); in two places, both. */
    env_init(&e, "app.yml", "emergency_root_key", "emergency_root_key", NULL);
    env_run(&e);
    assert_true(fabs(e.f->fallback_confidence - 0.85) < 1e-9);
    env_release(&e);
    env_init(&e, "root/app.yml", "emergency_key", "emergency_key", NULL);
    env_run(&e);
    want = 1.0 - (1.0 - 0.85) * (1.0 - 0.45 * 0.7);
    assert_true(fabs(e.f->fallback_confidence - want) < 1e-9);
    env_release(&e);

    /* The threshold comes from the policy. */
    env_init(&e, "app.yml", "secondary_key", "secondary_key", NULL);
    e.ctx.fallback_threshold = 0.4;
    env_run(&e);
    assert_true(e.f->is_fallback);
    env_release(&e);

    /* Nothing at all: confidence 0, score set. */
    env_init(&e, "src/app.py", "api_key", "api_key", "see docs");
    env_run(&e);
    expect_none(&e);
    env_release(&e);
}

/*
 * A pair of keys: the one whose own name marks it the everyday key is not made a fallback one by
 * the pair words of its section, comment, file or directory; the standby key is, by its name or
 * its own comment. Strong purpose words (breakglass) still apply to both.
 */
static void test_dim_fallback__standby_and_active_keys(void **state)
{
    struct env e;

    (void)state;
    env_init(&e, "dr/storage.env", "AZURE_STORAGE_PRIMARY_KEY", "AZURE_STORAGE_PRIMARY_KEY",
             "DR account: the primary key is in daily use, the standby key is for failover");
    env_run(&e);
    expect_none(&e);
    assert_string_equal(json_string_value(json_object_get(e.f->facts, "everyday_key")), "primary");
    env_release(&e);

    env_init(&e, "dr/storage.env", "AZURE_STORAGE_STANDBY_KEY", "AZURE_STORAGE_STANDBY_KEY",
             "DR account: the primary key is in daily use, the standby key is for failover");
    env_run(&e);
    assert_true(e.f->is_fallback);
    assert_non_null(find_ind(e.f, "standby", "key"));
    assert_non_null(find_ind(e.f, "dr", "directory"));
    assert_null(json_object_get(e.f->facts, "everyday_key"));
    env_release(&e);

    /* Primary and secondary under a failover section. */
    env_init(&e, "app.yml", "primary_key", "storage.failover.primary_key", NULL);
    env_run(&e);
    expect_none(&e);
    env_release(&e);
    env_init(&e, "app.yml", "secondary_key", "storage.failover.secondary_key", NULL);
    env_run(&e);
    assert_true(e.f->is_fallback);
    env_release(&e);

    /* Neutral names, told apart by their own comments. */
    env_init(&e, "keys.env", "STORAGE_KEY2", "STORAGE_KEY2", "standby, for failover");
    env_run(&e);
    assert_true(e.f->is_fallback);
    env_release(&e);

    /* A purpose word is not a pair word: the break-glass account's active key is still one. */
    env_init(&e, "breakglass/storage.env", "ACTIVE_KEY", "ACTIVE_KEY", NULL);
    env_run(&e);
    assert_true(e.f->is_fallback);
    assert_non_null(find_ind(e.f, "breakglass", "directory"));
    env_release(&e);

    /* A neutral name next to its standby twin (the same name plus a pair word) is the everyday
     * key: the comment above both describes the twin. */
    env_init(&e, "dr/keys.env", "PAYMENTS_API_KEY", "PAYMENTS_API_KEY",
             "payments keys: the DR key is for the us-west-2 failover site");
    assert_int_equal(fbs_finding_set_str(&e.f->sibling_keys, "REGION PAYMENTS_API_KEY_DR"), 0);
    env_run(&e);
    expect_none(&e);
    assert_string_equal(json_string_value(json_object_get(e.f->facts, "everyday_key")),
                        "twin of PAYMENTS_API_KEY_DR");
    env_release(&e);
    env_init(&e, "ops/keys.env", "PAYMENTS_API_KEY_DR", "PAYMENTS_API_KEY_DR", NULL);
    assert_int_equal(fbs_finding_set_str(&e.f->sibling_keys, "PAYMENTS_API_KEY"), 0);
    env_run(&e);
    assert_true(e.f->is_fallback);
    env_release(&e);
    /* Not a twin: another name with a pair word leaves the comment's words in place. */
    env_init(&e, "dr/keys.env", "PAYMENTS_API_KEY", "PAYMENTS_API_KEY",
             "payments keys: the DR key is for the us-west-2 failover site");
    assert_int_equal(fbs_finding_set_str(&e.f->sibling_keys, "DR_DB_PASSWORD"), 0);
    env_run(&e);
    assert_true(e.f->is_fallback);
    env_release(&e);

    /* A key naming both ("primary_standby_key") is judged by its fallback word. */
    env_init(&e, "dr/app.yml", "primary_standby_key", "primary_standby_key", NULL);
    env_run(&e);
    assert_true(e.f->is_fallback);
    assert_non_null(find_ind(e.f, "dr", "directory"));
    env_release(&e);
}

/* The vocabulary's pair / not_in / everyday_terms fields: loaded, and bad values rejected. */
static void test_dim_fallback__vocab_pair_fields(void **state)
{
    static const char ok[] = "terms:\n"
                             "  - term: twin\n"
                             "    weight: 0.7\n"
                             "    pair: true\n"
                             "    not_in: [directory, commit_message]\n"
                             "everyday_terms:\n"
                             "  - term: hot\n"
                             "    variants: [in-service]\n";
    static const char bad_place[] = "terms:\n  - term: x\n    weight: 0.5\n    not_in: [roof]\n";
    static const char bad_pair[] = "terms:\n  - term: x\n    weight: 0.5\n    pair: 1\n";
    static const char bad_everyday[] = "terms: []\neveryday_terms:\n  - term: x\n    pair: true\n";
    struct fbs_vocab *v = NULL;

    (void)state;
    assert_int_equal(fbs_vocab_new(&v), 0);
    assert_int_equal(fbs_vocab_add_text(v, "t.yml", ok, strlen(ok)), 0);
    assert_int_equal(v->nterms, 1);
    assert_true(v->terms[0].pair);
    assert_int_equal(v->terms[0].not_in, FBS_PLACE_DIRECTORY | FBS_PLACE_COMMIT_MESSAGE);
    assert_string_equal(fbs_vocab_everyday(v, "HOT_KEY", 7), "hot");
    assert_string_equal(fbs_vocab_everyday(v, "inServiceKey", 12), "hot");
    assert_null(fbs_vocab_everyday(v, "shotgun", 7));
    assert_int_equal(fbs_vocab_add_text(v, "t.yml", bad_place, strlen(bad_place)), FBS_EPARSE);
    assert_non_null(strstr(fbs_error_message(), "line 4"));
    assert_int_equal(fbs_vocab_add_text(v, "t.yml", bad_pair, strlen(bad_pair)), FBS_EPARSE);
    assert_int_equal(fbs_vocab_add_text(v, "t.yml", bad_everyday, strlen(bad_everyday)),
                     FBS_EPARSE);
    assert_non_null(strstr(fbs_error_message(), "unknown key 'pair'"));
    assert_int_equal(fbs_vocab_place("comment"), FBS_PLACE_COMMENT);
    assert_int_equal(fbs_vocab_place("roof"), 0);
    fbs_vocab_free(v);
}

static void test_dim_fallback__key_in_key_path_not_counted_twice(void **state)
{
    struct env e;

    (void)state;
    env_init(&e, "a.yml", "recovery_key", "vault.recovery_key", NULL);
    env_run(&e);
    expect_one(&e, "recovery", "key", 0.8);
    env_release(&e);
    /* A key path that is only the key adds nothing. */
    env_init(&e, "a.yml", "recovery_key", "recovery_key", NULL);
    env_run(&e);
    expect_one(&e, "recovery", "key", 0.8);
    env_release(&e);
}

static void test_dim_fallback__without_blob(void **state)
{
    struct env e;

    (void)state;
    /* Cloud records have no blob: the finding's path (or nothing) is used. */
    env_init(&e, "x", NULL, NULL, NULL);
    e.ctx.blob = NULL;
    assert_int_equal(fbs_finding_set_str(&e.f->path, "emergency/creds.json"), 0);
    env_run(&e);
    expect_one(&e, "emergency", "directory", 0.85 * 0.7);
    env_release(&e);
    env_init(&e, "x", NULL, NULL, NULL);
    e.ctx.blob = NULL;
    assert_int_equal(fbs_finding_set_str(&e.f->path, NULL), 0);
    env_run(&e);
    expect_none(&e);
    env_release(&e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dim_fallback__places),
        cmocka_unit_test(test_dim_fallback__rule_intrinsic),
        cmocka_unit_test(test_dim_fallback__spellings),
        cmocka_unit_test(test_dim_fallback__short_terms_whole_words),
        cmocka_unit_test(test_dim_fallback__copy_suffixes),
        cmocka_unit_test(test_dim_fallback__noisy_or_and_threshold),
        cmocka_unit_test(test_dim_fallback__key_in_key_path_not_counted_twice),
        cmocka_unit_test(test_dim_fallback__standby_and_active_keys),
        cmocka_unit_test(test_dim_fallback__vocab_pair_fields),
        cmocka_unit_test(test_dim_fallback__without_blob),
    };

    fbs_test_use_cmocka_alloc();
    return cmocka_run_group_tests(tests, NULL, NULL);
}
