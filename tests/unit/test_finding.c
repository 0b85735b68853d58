/* test_finding.c - model/finding.c: the finding noun, its setters, fingerprint and ordering. */
#include "support/test_support.h"

#include "scanner/core/error.h"
#include "scanner/model/finding.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scanner/core/banned.h"

static struct fbs_finding *make(const char *rule, const char *path, const char *secret)
{
    struct fbs_finding *f = fbs_finding_new();

    assert_non_null(f);
    assert_int_equal(fbs_finding_set_str(&f->rule_id, rule), 0);
    assert_int_equal(fbs_finding_set_str(&f->path, path), 0);
    assert_int_equal(fbs_finding_set_secret(f, secret, strlen(secret)), 0);
    return f;
}

/* The id of (rule, path, secret, salt), at the given line. */
static void id_of(char out[33], const char *rule, const char *path, const char *secret,
                  const char *salt, unsigned line)
{
    struct fbs_finding *f = make(rule, path, secret);
    size_t i;

    f->line = line;
    f->column = line + 3;
    f->secret_start = line * 10;
    assert_int_equal(fbs_finding_fingerprint(f, salt), 0);
    assert_int_equal(strlen(f->id), 32);
    for (i = 0; i < 32; i++)
        assert_non_null(strchr("0123456789abcdef", f->id[i]));
    memcpy(out, f->id, 33);
    fbs_finding_free(f);
}

static void test_finding__new_has_explicit_unknowns(void **state)
{
    struct fbs_finding *f = fbs_finding_new();

    (void)state;
    assert_non_null(f);
    assert_int_equal(f->in_head, -1);
    assert_int_equal(f->risk, -1);
    assert_int_equal(f->standing, -1);
    assert_true(json_is_object(f->facts));
    assert_int_equal(json_object_size(f->facts), 0);
    assert_null(f->secret);
    assert_int_equal(f->nindicators, 0);
    assert_int_equal(f->scores_set, 0);
    assert_false(f->is_fallback);
    fbs_finding_free(f);
    fbs_finding_free(NULL);
    fbs_finding_free_v(NULL);
}

static void test_finding__fingerprint_stable(void **state)
{
    char a[33], b[33];

    (void)state;
    id_of(a, "aws.access_key", "infra/main.tf", "AKIAQWERTYUIOPASDFGH", "salt", 3);
    id_of(b, "aws.access_key", "infra/main.tf", "AKIAQWERTYUIOPASDFGH", "salt", 3);
    assert_string_equal(a, b);
    /* The line (and column, offsets) do not enter the id: edits above keep it. */
    id_of(b, "aws.access_key", "infra/main.tf", "AKIAQWERTYUIOPASDFGH", "salt", 250);
    assert_string_equal(a, b);
    /* Low-entropy secrets (stretched) are stable too. */
    id_of(a, "generic.password", "app/.env", "hunter2", NULL, 1);
    id_of(b, "generic.password", "app/.env", "hunter2", NULL, 9);
    assert_string_equal(a, b);
}

static void test_finding__fingerprint_inputs(void **state)
{
    char base[33], other[33];

    (void)state;
    id_of(base, "aws.access_key", "infra/main.tf", "AKIAQWERTYUIOPASDFGH", "salt", 3);
    id_of(other, "aws.access_key", "infra/main.tf", "AKIAQWERTYUIOPASDFGH", "pepper", 3);
    assert_string_not_equal(base, other);
    id_of(other, "aws.access_key", "infra/main.tf", "AKIAQWERTYUIOPASDFGH", NULL, 3);
    assert_string_not_equal(base, other);
    id_of(other, "aws.access_key", "infra/other.tf", "AKIAQWERTYUIOPASDFGH", "salt", 3);
    assert_string_not_equal(base, other);
    id_of(other, "aws.access_key", "infra/main.tf", "AKIAQWERTYUIOPASDFGX", "salt", 3);
    assert_string_not_equal(base, other);
    id_of(other, "aws.other_rule", "infra/main.tf", "AKIAQWERTYUIOPASDFGH", "salt", 3);
    assert_string_not_equal(base, other);
    /* The parts are length-prefixed: moving a boundary between them changes the id. */
    id_of(base, "ab", "c", "AKIAQWERTYUIOPASDFGH", "x", 1);
    id_of(other, "a", "bc", "AKIAQWERTYUIOPASDFGH", "x", 1);
    assert_string_not_equal(base, other);
    id_of(base, "r", "p", "AKIAQWERTYUIOPASDFGH", "x|1:r", 1);
    id_of(other, "r", "p", "AKIAQWERTYUIOPASDFGH", "x", 1);
    assert_string_not_equal(base, other);
}

static void test_finding__fingerprint_resource_over_path(void **state)
{
    struct fbs_finding *f = make("r", "some/path", "AKIAQWERTYUIOPASDFGH");
    char with_path[33];

    (void)state;
    assert_int_equal(fbs_finding_fingerprint(f, NULL), 0);
    memcpy(with_path, f->id, 33);
    assert_int_equal(fbs_finding_set_str(&f->resource, "arn:aws:iam::1:user/x"), 0);
    assert_int_equal(fbs_finding_fingerprint(f, NULL), 0);
    assert_string_not_equal(with_path, f->id);
    /* Path no longer matters once there is a resource. */
    {
        char first[33];

        memcpy(first, f->id, 33);
        assert_int_equal(fbs_finding_set_str(&f->path, "elsewhere"), 0);
        assert_int_equal(fbs_finding_fingerprint(f, NULL), 0);
        assert_string_equal(first, f->id);
    }
    fbs_finding_free(f);
}

/* The id of a secret at rel_path `rel` (path `path`) in a target of scope `scope` (NULL: none). */
static void scoped_id(char out[33], const char *scope, const char *path, const char *rel)
{
    struct fbs_finding *f = make("aws.access_key_id", path, "AKIAQ4ZT7XW2NBKM5RPL");

    assert_int_equal(fbs_finding_set_str(&f->rel_path, rel), 0);
    assert_int_equal(fbs_finding_set_str(&f->target_scope, scope), 0);
    assert_int_equal(fbs_finding_fingerprint(f, NULL), 0);
    memcpy(out, f->id, 33);
    fbs_finding_free(f);
}

static void test_finding__fingerprint_target_scope(void **state)
{
    char a[33], b[33], c[33], d[33], e[33];

    (void)state;
    /* The same .env in two repositories: two ids. */
    scoped_id(a, "git:git.example.com/team/a", ".env", ".env");
    scoped_id(b, "git:git.example.com/team/b", ".env", ".env");
    assert_string_not_equal(a, b);
    /* The same place in the same target, however the target was reached: one id. */
    scoped_id(c, "git:git.example.com/team/a", "checkout/.env", ".env");
    assert_string_equal(a, c);
    /* Another place in the same target: another id. */
    scoped_id(d, "git:git.example.com/team/a", "config/.env", "config/.env");
    assert_string_not_equal(a, d);
    /* Unscoped (no target known): the path alone, never equal to a scoped id. */
    scoped_id(e, NULL, ".env", ".env");
    assert_string_not_equal(a, e);
    assert_string_not_equal(b, e);
}

static void test_finding__fingerprint_enomem(void **state)
{
    struct fbs_finding *f = make("r", "p", "AKIAQWERTYUIOPASDFGH");

    (void)state;
    fbs_test_fail_allocs_after(0);
    assert_int_equal(fbs_finding_fingerprint(f, "s"), FBS_ENOMEM);
    fbs_test_fail_allocs_after(-1);
    fbs_finding_free(f);
}

/* The memo gives the ids fbs_finding_fingerprint gives, for every input part, and survives
 * being emptied when full; a memo allocation failure costs the memo, not the id. */
static void test_finding__fingerprint_memo(void **state)
{
    static const char *const secrets[] = {"AKIAQWERTYUIOPASDFGH", "hunter2", "", "hunter3"};
    static const char *const paths[] = {"a/.env", "b/.env"};
    struct fbs_fp_memo *memo = NULL;
    uint64_t lookups, hits;
    char plain[33];
    size_t i, round;

    (void)state;
    assert_int_equal(fbs_fp_memo_new(&memo), 0);
    for (round = 0; round < 2; round++)
        for (i = 0; i < 4 * 2 * 2; i++) {
            const char *salt = i & 1 ? "salt" : NULL;
            struct fbs_finding *f = make("generic.password", paths[(i >> 1) & 1], secrets[i >> 2]);

            id_of(plain, "generic.password", paths[(i >> 1) & 1], secrets[i >> 2], salt, 1);
            assert_int_equal(fbs_finding_fingerprint_memo(f, salt, memo), 0);
            assert_string_equal(f->id, plain);
            fbs_finding_free(f);
        }
    fbs_fp_memo_stats(memo, &lookups, &hits);
    assert_int_equal(lookups, 32);
    assert_int_equal(hits, 16);
    /* Far more distinct inputs than the memo holds: it empties itself and stays right. */
    for (i = 0; i < 9000; i++) {
        char secret[32];
        struct fbs_finding *f;

        snprintf(secret, sizeof(secret), "tok-%zu-AKIAQWERTYUIOPASDFGH", i);
        f = make("r", "p", secret);
        assert_int_equal(fbs_finding_fingerprint_memo(f, "s", memo), 0);
        if (i % 1000 == 7) {
            id_of(plain, "r", "p", secret, "s", 1);
            assert_string_equal(f->id, plain);
        }
        fbs_finding_free(f);
    }
    {
        struct fbs_finding *f = make("r", "p", "tok-8999-AKIAQWERTYUIOPASDFGH");

        assert_int_equal(fbs_finding_fingerprint_memo(f, "s", memo), 0);
        fbs_fp_memo_stats(memo, &lookups, &hits);
        assert_int_equal(hits, 17);
        id_of(plain, "r", "p", "tok-8999-AKIAQWERTYUIOPASDFGH", "s", 1);
        assert_string_equal(f->id, plain);
        /* Only the memo's copy of a new key fails to allocate: the id is still computed. */
        assert_int_equal(fbs_finding_set_secret(f, "fresh-AKIAQWERTYUIOP", 20), 0);
        fbs_test_fail_allocs_after(1);
        assert_int_equal(fbs_finding_fingerprint_memo(f, "s", memo), 0);
        fbs_test_fail_allocs_after(-1);
        id_of(plain, "r", "p", "fresh-AKIAQWERTYUIOP", "s", 1);
        assert_string_equal(f->id, plain);
        fbs_finding_free(f);
    }
    fbs_fp_memo_free(memo);
    fbs_fp_memo_free(NULL);
}

static void test_finding__indicators_dedupe(void **state)
{
    struct fbs_finding *f = fbs_finding_new();

    (void)state;
    assert_int_equal(fbs_finding_add_indicator(f, "breakglass", "key", 0.5), 0);
    assert_int_equal(fbs_finding_add_indicator(f, "breakglass", "key", 0.9), 0);
    assert_int_equal(fbs_finding_add_indicator(f, "breakglass", "key", 0.2), 0);
    assert_int_equal(f->nindicators, 1);
    assert_true(f->indicators[0].weight == 0.9); /* the strongest is kept */
    assert_int_equal(fbs_finding_add_indicator(f, "breakglass", "comment", 0.4), 0);
    assert_int_equal(fbs_finding_add_indicator(f, "recovery", "key", 0.4), 0);
    assert_int_equal(f->nindicators, 3);
    assert_string_equal(f->indicators[1].where, "comment");
    assert_string_equal(f->indicators[2].term, "recovery");
    /* Many indicators grow the array. */
    {
        int i;

        for (i = 0; i < 40; i++) {
            char term[16];

            snprintf(term, sizeof(term), "t%d", i);
            assert_int_equal(fbs_finding_add_indicator(f, term, "file_name", 0.1), 0);
        }
        assert_int_equal(f->nindicators, 43);
    }
    fbs_finding_free(f);
}

static void test_finding__reasons(void **state)
{
    struct fbs_finding *f = fbs_finding_new();

    (void)state;
    assert_int_equal(fbs_finding_add_reason(f, "age %d days over %s", 400, "policy"), 0);
    assert_int_equal(fbs_finding_add_reason(f, "%s", "fallback credential"), 0);
    assert_int_equal(f->nreasons, 2);
    assert_string_equal(f->reasons[0], "age 400 days over policy");
    assert_string_equal(f->reasons[1], "fallback credential");
    fbs_test_fail_allocs_after(0);
    assert_int_equal(fbs_finding_add_reason(f, "x%s", "y"), FBS_ENOMEM);
    fbs_test_fail_allocs_after(-1);
    assert_int_equal(f->nreasons, 2);
    fbs_finding_free(f);
}

static void test_finding__scores_clamped(void **state)
{
    struct fbs_finding *f = fbs_finding_new();

    (void)state;
    assert_false(fbs_finding_has_score(f, FBS_DIM_AGE));
    fbs_finding_set_score(f, FBS_DIM_AGE, 1.7);
    assert_true(f->scores[FBS_DIM_AGE] == 1.0);
    assert_true(fbs_finding_has_score(f, FBS_DIM_AGE));
    fbs_finding_set_score(f, FBS_DIM_CUSTODY, -0.3);
    assert_true(f->scores[FBS_DIM_CUSTODY] == 0.0);
    assert_true(fbs_finding_has_score(f, FBS_DIM_CUSTODY)); /* known, and zero */
    fbs_finding_set_score(f, FBS_DIM_FALLBACK, 0.42);
    assert_true(f->scores[FBS_DIM_FALLBACK] == 0.42);
    assert_false(fbs_finding_has_score(f, FBS_DIM_USAGE));
    assert_int_equal(f->scores_set,
                     (1u << FBS_DIM_AGE) | (1u << FBS_DIM_CUSTODY) | (1u << FBS_DIM_FALLBACK));
    fbs_finding_free(f);
}

static void test_finding__setters(void **state)
{
    struct fbs_finding *f = fbs_finding_new();

    (void)state;
    assert_int_equal(fbs_finding_set_str(&f->key, "password"), 0);
    assert_string_equal(f->key, "password");
    assert_int_equal(fbs_finding_set_str(&f->key, "other"), 0); /* replaces, no leak */
    assert_string_equal(f->key, "other");
    assert_int_equal(fbs_finding_set_str(&f->key, NULL), 0);
    assert_null(f->key);
    assert_int_equal(fbs_finding_set_strn(&f->comment, "break-glass only, really", 16), 0);
    assert_string_equal(f->comment, "break-glass only");
    /* The secret is copied, NUL-terminated, may hold NUL bytes, and replacing it is clean. */
    assert_int_equal(fbs_finding_set_secret(f, "a\0b", 3), 0);
    assert_int_equal(f->secret_len, 3);
    assert_memory_equal(f->secret, "a\0b", 4);
    assert_int_equal(fbs_finding_set_secret(f, "second", 6), 0);
    assert_string_equal(f->secret, "second");
    assert_int_equal(f->secret_len, 6);
    fbs_test_fail_allocs_after(0);
    assert_int_equal(fbs_finding_set_secret(f, "third", 5), FBS_ENOMEM);
    assert_int_equal(fbs_finding_set_str(&f->key, "k"), FBS_ENOMEM);
    fbs_test_fail_allocs_after(-1);
    assert_string_equal(f->secret, "second"); /* unchanged on failure */
    /* Every owned field set: the leak checker sees them all freed. */
    assert_int_equal(fbs_finding_set_str(&f->rule_id, "r"), 0);
    assert_int_equal(fbs_finding_set_str(&f->rule_name, "R"), 0);
    assert_int_equal(fbs_finding_set_str(&f->kind, "k"), 0);
    assert_int_equal(fbs_finding_set_str(&f->remediation, "rotate"), 0);
    assert_int_equal(fbs_finding_set_str(&f->path, "p"), 0);
    assert_int_equal(fbs_finding_set_str(&f->target, "t"), 0);
    assert_int_equal(fbs_finding_set_str(&f->commit, "c"), 0);
    assert_int_equal(fbs_finding_set_str(&f->author, "a"), 0);
    assert_int_equal(fbs_finding_set_str(&f->commit_message, "m"), 0);
    assert_int_equal(fbs_finding_set_str(&f->removed_in, "x"), 0);
    assert_int_equal(fbs_finding_set_str(&f->resource, "res"), 0);
    assert_int_equal(fbs_finding_set_str(&f->key, "key"), 0);
    assert_int_equal(fbs_finding_set_str(&f->key_path, "a.key"), 0);
    assert_int_equal(fbs_finding_set_str(&f->names, "n"), 0);
    assert_int_equal(fbs_finding_set_str(&f->line_text, "key: second"), 0);
    assert_int_equal(fbs_finding_set_str(&f->custody, "dotfile"), 0);
    assert_int_equal(fbs_finding_add_indicator(f, "t", "w", 0.5), 0);
    assert_int_equal(fbs_finding_add_reason(f, "r"), 0);
    assert_int_equal(json_object_set_new(f->facts, "bits", json_integer(2048)), 0);
    fbs_finding_free(f);
}

static void test_finding__enum_names(void **state)
{
    (void)state;
    assert_string_equal(fbs_privilege_name(FBS_PRIV_HIGH), "high");
    assert_string_equal(fbs_privilege_name(FBS_PRIV_NORMAL), "normal");
    assert_string_equal(fbs_privilege_name(FBS_PRIV_UNKNOWN), "unknown");
    assert_int_equal(fbs_privilege_parse("high"), FBS_PRIV_HIGH);
    assert_int_equal(fbs_privilege_parse("normal"), FBS_PRIV_NORMAL);
    assert_int_equal(fbs_privilege_parse("unknown"), FBS_PRIV_UNKNOWN);
    assert_int_equal(fbs_privilege_parse("High"), -1);
    assert_int_equal(fbs_privilege_parse(""), -1);
    assert_string_equal(fbs_dim_name(FBS_DIM_FALLBACK), "fallback");
    assert_string_equal(fbs_dim_name(FBS_DIM_CUSTODY), "custody");
    assert_string_equal(fbs_dim_name(FBS_DIM_USAGE), "usage");
    assert_string_equal(fbs_dim_name(FBS_DIM__COUNT), "?");
    assert_string_equal(fbs_source_kind_name(FBS_SOURCE_FILE), "file");
    assert_string_equal(fbs_source_kind_name(FBS_SOURCE_GIT), "git");
    assert_string_equal(fbs_source_kind_name(FBS_SOURCE_VAULT), "vault");
}

static void test_finding__cmp_order(void **state)
{
    struct fbs_finding *f[7];
    size_t i;

    (void)state;
    /* Built in the expected order; shuffled; sorted back. */
    f[0] = make("b.rule", "a/file", "s1");
    f[0]->line = 1;
    f[0]->column = 5;
    f[1] = make("a.rule", "a/file", "s2");
    f[1]->line = 2;
    f[1]->column = 1;
    f[2] = make("a.rule", "a/file", "s3");
    f[2]->line = 2;
    f[2]->column = 9;
    f[3] = make("a.rule", "a/file", "s4");
    f[3]->line = 2;
    f[3]->column = 9;
    f[3]->secret_start = 0; /* same place, rule id decides */
    assert_int_equal(fbs_finding_set_str(&f[3]->rule_id, "b.rule"), 0);
    f[4] = make("a.rule", "a/file", "s5");
    f[4]->line = 2;
    f[4]->column = 9;
    f[4]->secret_start = 50; /* then the secret offset */
    assert_int_equal(fbs_finding_set_str(&f[4]->rule_id, "b.rule"), 0);
    f[5] = make("a.rule", "a/file", "s6");
    f[5]->line = 10;
    f[6] = make("a.rule", "b/file", "s7");
    f[6]->line = 1;
    {
        struct fbs_finding *shuffled[7] = {f[5], f[3], f[6], f[0], f[4], f[2], f[1]};

        qsort(shuffled, 7, sizeof(shuffled[0]), fbs_finding_cmp);
        for (i = 0; i < 7; i++)
            if (shuffled[i] != f[i])
                fail_msg("position %zu holds the finding with secret %s", i, shuffled[i]->secret);
    }
    assert_int_equal(fbs_finding_cmp(&f[2], &f[2]), 0);
    assert_true(fbs_finding_cmp(&f[0], &f[1]) < 0);
    assert_true(fbs_finding_cmp(&f[1], &f[0]) > 0);
    /* The target comes first; NULL sorts as "". */
    assert_int_equal(fbs_finding_set_str(&f[6]->target, "a-target"), 0);
    assert_true(fbs_finding_cmp(&f[0], &f[6]) < 0);
    /* Two versions at one place, same rule and start (a key replaced, in history): the end,
     * then the commit, then the id decide, never the order the threads produced them. */
    f[1]->line = f[2]->line = 3;
    f[1]->column = f[2]->column = 1;
    f[1]->secret_start = f[2]->secret_start = 0;
    f[1]->secret_end = 40;
    f[2]->secret_end = 80;
    assert_true(fbs_finding_cmp(&f[1], &f[2]) < 0);
    f[2]->secret_end = 40;
    assert_int_equal(fbs_finding_set_str(&f[1]->commit, "5e34eb96"), 0);
    assert_int_equal(fbs_finding_set_str(&f[2]->commit, "3fa2dffb"), 0);
    assert_true(fbs_finding_cmp(&f[2], &f[1]) < 0);
    assert_int_equal(fbs_finding_set_str(&f[2]->commit, "5e34eb96"), 0);
    memcpy(f[1]->id, "a345", 5);
    memcpy(f[2]->id, "018c", 5);
    assert_true(fbs_finding_cmp(&f[2], &f[1]) < 0);
    assert_true(fbs_finding_cmp(&f[1], &f[2]) > 0);
    for (i = 0; i < 7; i++)
        fbs_finding_free(f[i]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_finding__new_has_explicit_unknowns),
        cmocka_unit_test(test_finding__fingerprint_stable),
        cmocka_unit_test(test_finding__fingerprint_inputs),
        cmocka_unit_test(test_finding__fingerprint_resource_over_path),
        cmocka_unit_test(test_finding__fingerprint_target_scope),
        cmocka_unit_test(test_finding__fingerprint_enomem),
        cmocka_unit_test(test_finding__fingerprint_memo),
        cmocka_unit_test(test_finding__indicators_dedupe),
        cmocka_unit_test(test_finding__reasons),
        cmocka_unit_test(test_finding__scores_clamped),
        cmocka_unit_test(test_finding__setters),
        cmocka_unit_test(test_finding__enum_names),
        cmocka_unit_test(test_finding__cmp_order),
    };

    fbs_test_use_failing_alloc();
    return cmocka_run_group_tests(tests, NULL, NULL);
}
