/* test_dim_privilege.c - detectors/dim_privilege.c and the privilege vocabulary. */
#include "support/test_support.h"

#include "detectors/detector.h"
#include "scanner/core/error.h"

#include <math.h>
#include <string.h>

#include "scanner/core/banned.h"

struct priv_case {
    const char *name;
    const char *key, *key_path, *rel, *names, *comment, *resource;
    const char *facts;               /* JSON object merged into f->facts, or NULL */
    enum fbs_privilege rule, parser; /* rule_privilege, and f->privilege before the run */
    enum fbs_privilege want;
    double score;         /* < 0: not checked */
    const char *evidence; /* an exact phrase expected, or NULL for no evidence at all */
};

#define U FBS_PRIV_UNKNOWN
#define N FBS_PRIV_NORMAL
#define H FBS_PRIV_HIGH

static struct fbs_finding *make(const struct priv_case *c)
{
    struct fbs_finding *f = fbs_finding_new();

    assert_non_null(f);
    assert_int_equal(fbs_finding_set_str(&f->kind, "generic_secret"), 0);
    assert_int_equal(fbs_finding_set_str(&f->rule_name, "Vault initial root token"), 0);
    assert_int_equal(fbs_finding_set_str(&f->key, c->key), 0);
    assert_int_equal(fbs_finding_set_str(&f->key_path, c->key_path), 0);
    assert_int_equal(fbs_finding_set_str(&f->rel_path, c->rel), 0);
    assert_int_equal(fbs_finding_set_str(&f->path, c->rel), 0);
    assert_int_equal(fbs_finding_set_str(&f->names, c->names), 0);
    assert_int_equal(fbs_finding_set_str(&f->comment, c->comment), 0);
    assert_int_equal(fbs_finding_set_str(&f->resource, c->resource), 0);
    if (c->facts) {
        json_error_t err;
        json_t *extra = json_loads(c->facts, 0, &err);

        assert_non_null(extra);
        assert_int_equal(json_object_update(f->facts, extra), 0);
        json_decref(extra);
    }
    f->rule_privilege = c->rule;
    f->privilege = c->parser > c->rule ? c->parser : c->rule;
    return f;
}

static bool has_evidence(const struct fbs_finding *f, const char *phrase)
{
    const json_t *arr = json_object_get(f->facts, "privilege_evidence"), *it;
    size_t i;

    json_array_foreach(arr, i, it)
    {
        if (!strcmp(json_string_value(it), phrase))
            return true;
    }
    return false;
}

static void dump_evidence(const struct fbs_finding *f)
{
    const json_t *arr = json_object_get(f->facts, "privilege_evidence"), *it;
    size_t i;

    json_array_foreach(arr, i, it)
    {
        print_error("  evidence: %s\n", json_string_value(it));
    }
}

static void test_dim_privilege__vocabulary(void **state)
{
    static const struct priv_case cases[] = {
        {"admin in the key", "admin_password", NULL, NULL, NULL, NULL, NULL, NULL, U, U, H, 1.0,
         "key name contains 'admin'"},
        {"upper case", "ADMIN_TOKEN", NULL, NULL, NULL, NULL, NULL, NULL, U, U, H, 1.0,
         "key name contains 'admin'"},
        {"camelCase", "adminToken", NULL, NULL, NULL, NULL, NULL, NULL, U, U, H, 1.0,
         "key name contains 'admin'"},
        {"administrator inside a word", "AzureADAdministratorsSecret", NULL, NULL, NULL, NULL, NULL,
         NULL, U, U, H, 1.0, "key name contains 'administrator'"},
        {"readonly in the key", "readonly_token", NULL, NULL, NULL, NULL, NULL, NULL, U, U, N, 0.25,
         "key name contains 'readonly' (limited)"},
        {"read-only spelled out", "db_read_only_password", NULL, NULL, NULL, NULL, NULL, NULL, U, U,
         N, 0.25, "key name contains 'readonly' (limited)"},
        /* A contact field is not an admin credential: "administrative" is neither the whole
         * token "admin" nor contains "administrator". */
        {"administrative contact", "administrative_contact_email", NULL, NULL, NULL, NULL, NULL,
         NULL, U, U, U, 0.5, NULL},
        {"master as a whole token", "master_password", NULL, NULL, NULL, NULL, NULL, NULL, U, U, H,
         1.0, "key name contains 'master'"},
        {"mastercard is not master", "mastercard_api_key", NULL, NULL, NULL, NULL, NULL, NULL, U, U,
         U, 0.5, NULL},
        {"su whole token", "su_password", NULL, NULL, NULL, NULL, NULL, NULL, U, U, H, 1.0,
         "key name contains 'su'"},
        {"super is not su", "super_secret", NULL, NULL, NULL, NULL, NULL, NULL, U, U, U, 0.5, NULL},
        {"prod directory alone tips the score", "password", NULL, "envs/prod/db.env", NULL, NULL,
         NULL, NULL, U, U, U, 0.58, "path contains 'prod'"},
        {"test directory alone", "password", NULL, "tests/fixtures/app.env", NULL, NULL, NULL, NULL,
         U, U, U, 0.42, "path contains 'test' (limited)"},
        {"prod and readonly", "prod_readonly", NULL, NULL, NULL, NULL, NULL, NULL, U, U, N, 0.25,
         "key name contains 'readonly' (limited)"},
        {"prod and admin", "prod_admin", NULL, NULL, NULL, NULL, NULL, NULL, U, U, H, 1.0,
         "key name contains 'prod'"},
        {"non-prod", "non_prod_token", NULL, NULL, NULL, NULL, NULL, NULL, U, U, N, 0.25,
         "key name contains 'nonprod' (limited)"},
        {"preproduction is not production", "preproduction_key", NULL, NULL, NULL, NULL, NULL, NULL,
         U, U, U, 0.34, "key name contains 'preprod' (limited)"},
        {"unprivileged", "unprivileged_token", NULL, NULL, NULL, NULL, NULL, NULL, U, U, N, 0.25,
         "key name contains 'unprivileged' (limited)"},
        {"service-account name", "token", NULL, NULL, "breakglass-admin", NULL, NULL, NULL, U, U, H,
         1.0, "name contains 'admin'"},
        {"key path parent", "password", "prod.database.admin.password", NULL, NULL, NULL, NULL,
         NULL, U, U, H, 1.0, "key path contains 'admin'"},
        {"the key is not counted again in its path", "password", "db.password", NULL, NULL, NULL,
         NULL, NULL, U, U, U, 0.5, NULL},
        {"kubernetes admin.conf", NULL, NULL, "k8s/admin.conf", NULL, NULL, NULL, NULL, U, U, H,
         1.0, "file name contains 'admin'"},
        {"an admin/ folder alone", "secret_key", NULL, "app/admin/settings.py", NULL, NULL, NULL,
         NULL, U, U, U, 0.68, "path contains 'admin'"},
        {"comment", "token", NULL, NULL, NULL, "cluster-admin kubeconfig for DR", NULL, NULL, U, U,
         H, 1.0, "comment mentions 'cluster-admin'"},
        {"aws root ARN", NULL, NULL, NULL, NULL, NULL, "arn:aws:iam::123456789012:root", NULL, U, U,
         H, 1.0, "resource contains 'root'"},
        {"certificate subject", NULL, NULL, NULL, NULL, NULL, NULL,
         "{\"certificate\": {\"subject\": \"O=system:masters, CN=kubernetes-admin\"}}", U, U, H,
         1.0, "certificate subject contains 'system:masters'"},
        {"jwt wildcard scope", NULL, NULL, NULL, NULL, NULL, NULL,
         "{\"jwt\": {\"scopes\": [\"openid\", \"*\"]}}", U, U, H, 1.0, "jwt scopes contain '*'"},
        {"jwt ordinary scopes", NULL, NULL, NULL, NULL, NULL, NULL,
         "{\"jwt\": {\"scopes\": [\"repo\", \"read:org\"]}}", U, U, U, 0.5, NULL},
        {"jwt viewer role", NULL, NULL, NULL, NULL, NULL, NULL,
         "{\"jwt\": {\"scopes\": [\"roles/viewer\"]}}", U, U, N, 0.25,
         "jwt scopes contain 'viewer' (limited)"},
        {"vault policies", NULL, NULL, NULL, NULL, NULL, NULL,
         "{\"policies\": [\"default\", \"root\"]}", U, U, H, 1.0, "policies contain 'root'"},
        {"nothing at all", NULL, NULL, NULL, NULL, NULL, NULL, NULL, U, U, U, 0.5, NULL},
    };
    struct fbs_vocab *v = NULL;
    struct fbs_detect_ctx ctx;
    size_t i;
    int failures = 0;

    (void)state;
    assert_int_equal(fbs_vocab_load_builtin(&v), 0);
    memset(&ctx, 0, sizeof(ctx));
    ctx.vocab = v;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const struct priv_case *c = &cases[i];
        struct fbs_finding *f = make(c);
        double got;

        assert_int_equal(fbs_detector_privilege.run(f, &ctx), 0);
        assert_true(fbs_finding_has_score(f, FBS_DIM_PRIVILEGE));
        got = f->scores[FBS_DIM_PRIVILEGE];
        if (f->privilege != c->want || (c->score >= 0 && fabs(got - c->score) > 1e-9) ||
            (c->evidence && !has_evidence(f, c->evidence)) ||
            (!c->evidence && json_object_get(f->facts, "privilege_evidence"))) {
            print_error("%s: %s %.3f, want %s %.3f and '%s'\n", c->name,
                        fbs_privilege_name(f->privilege), got, fbs_privilege_name(c->want),
                        c->score, c->evidence ? c->evidence : "(no evidence)");
            dump_evidence(f);
            failures++;
        }
        fbs_finding_free(f);
    }
    assert_int_equal(failures, 0);
    fbs_vocab_free(v);
}

/* Rules and parsers: HIGH is never lowered; a rule's NORMAL may be raised. */
static void test_dim_privilege__rule_and_parser(void **state)
{
    static const struct priv_case cases[] = {
        {"rule high, readonly key", "readonly_token", NULL, NULL, NULL, NULL, NULL, NULL, H, U, H,
         1.0, "rule: Vault initial root token"},
        {"parser high, readonly key", "readonly_token", NULL, NULL, NULL, NULL, NULL, NULL, U, H, H,
         1.0, "key name contains 'readonly' (limited)"},
        {"rule normal, admin key", "admin_token", NULL, NULL, NULL, NULL, NULL, NULL, N, U, H, 1.0,
         "key name contains 'admin'"},
        {"rule normal, no words", "token", NULL, NULL, NULL, NULL, NULL, NULL, N, U, N, 0.25, NULL},
        {"rule normal, prod path stays normal", "token", NULL, "prod/x.env", NULL, NULL, NULL, NULL,
         N, U, N, 0.25, "path contains 'prod'"},
    };
    struct fbs_vocab *v = NULL;
    struct fbs_detect_ctx ctx;
    size_t i;

    (void)state;
    assert_int_equal(fbs_vocab_load_builtin(&v), 0);
    memset(&ctx, 0, sizeof(ctx));
    ctx.vocab = v;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct fbs_finding *f = make(&cases[i]);

        assert_int_equal(fbs_detector_privilege.run(f, &ctx), 0);
        if (f->privilege != cases[i].want ||
            fabs(f->scores[FBS_DIM_PRIVILEGE] - cases[i].score) > 1e-9 ||
            (cases[i].evidence && !has_evidence(f, cases[i].evidence))) {
            dump_evidence(f);
            fail_msg("%s: %s", cases[i].name, fbs_privilege_name(f->privilege));
        }
        fbs_finding_free(f);
    }
    /* Without a vocabulary the rule alone decides. */
    ctx.vocab = NULL;
    {
        struct fbs_finding *f = make(&cases[2]);

        assert_int_equal(fbs_detector_privilege.run(f, &ctx), 0);
        assert_int_equal(f->privilege, FBS_PRIV_NORMAL);
        fbs_finding_free(f);
    }
    fbs_vocab_free(v);
}

static void test_dim_privilege__evidence_helpers(void **state)
{
    struct fbs_finding *f = fbs_finding_new();
    const json_t *arr;
    int i;

    (void)state;
    assert_int_equal(fbs_privilege_raise(f, FBS_PRIV_HIGH, "jwt role '%s'", "admin"), 0);
    assert_int_equal(f->privilege, FBS_PRIV_HIGH);
    /* Never lowered; the same phrase is kept once; NULL adds none. */
    assert_int_equal(fbs_privilege_raise(f, FBS_PRIV_NORMAL, "jwt role '%s'", "admin"), 0);
    assert_int_equal(fbs_privilege_raise(f, FBS_PRIV_UNKNOWN, NULL), 0);
    assert_int_equal(f->privilege, FBS_PRIV_HIGH);
    arr = json_object_get(f->facts, "privilege_evidence");
    assert_int_equal(json_array_size(arr), 1);
    /* Invalid UTF-8 (a key name from a Latin-1 file) is repaired, not dropped. */
    assert_int_equal(fbs_privilege_add_evidence(f, "key name contains '%s'", "r\xe9seau"), 0);
    assert_string_equal(json_string_value(json_array_get(arr, 1)),
                        "key name contains 'r\xef\xbf\xbdseau'");
    /* A bounded list. */
    for (i = 0; i < 100; i++)
        assert_int_equal(fbs_privilege_add_evidence(f, "phrase %d", i), 0);
    assert_int_equal(json_array_size(arr), 64);
    fbs_finding_free(f);
}

static int count_hit(const struct fbs_vocab_term *t, void *payload)
{
    (void)t;
    (*(int *)payload)++;
    return 0;
}

static int first_level(const struct fbs_vocab_term *t, void *payload)
{
    *(enum fbs_privilege *)payload = t->level;
    return 1;
}

static void test_dim_privilege__vocab_api(void **state)
{
    struct fbs_vocab *v = NULL;
    enum fbs_privilege level = FBS_PRIV_UNKNOWN;
    int hits = 0;

    (void)state;
    assert_int_equal(fbs_vocab_load_builtin(&v), 0);
    assert_true(v->npriv_terms > 20);
    /* Privilege terms do not leak into the fallback scan, and the reverse. */
    assert_int_equal(fbs_vocab_scan(v, "readonly_admin", 14, count_hit, &hits), 0);
    assert_int_equal(hits, 0);
    assert_int_equal(fbs_vocab_scan_privilege(v, "breakglass", 10, count_hit, &hits), 0);
    assert_int_equal(hits, 0);
    /* "*" is a value term: only a whole value matches it. */
    assert_int_equal(fbs_vocab_scan_privilege(v, "*", 1, count_hit, &hits), 0);
    assert_int_equal(hits, 0);
    assert_int_equal(fbs_vocab_match_privilege_value(v, " * ", 3, count_hit, &hits), 0);
    assert_int_equal(hits, 1);
    hits = 0;
    assert_int_equal(fbs_vocab_match_privilege_value(v, "repo:*", 6, count_hit, &hits), 0);
    assert_int_equal(hits, 0);
    /* A callback's non-zero result stops the scan and is returned. */
    assert_int_equal(fbs_vocab_scan_privilege(v, "viewer admin", 12, first_level, &level), 1);
    assert_int_equal(level, FBS_PRIV_NORMAL);
    fbs_vocab_free(v);
}

static void test_dim_privilege__vocab_errors(void **state)
{
    static const struct {
        const char *text, *message;
    } cases[] = {
        {"privilege_terms:\n  - term: x\n    weight: 0.5\n", "'level' must be"},
        {"privilege_terms:\n  - term: x\n    weight: 0.5\n    level: medium\n", "'level' must be"},
        {"privilege_terms:\n  - term: x\n    weight: 0.5\n    level: high\n    match: regex\n",
         "'match' must be"},
        {"privilege_terms:\n  - term: x\n    weight: 0\n    level: high\n", "'weight' must be"},
        {"privilege_terms: 3\n", "'privilege_terms' must be a list"},
        {"terms:\n  - term: x\n    weight: 0.5\n    level: high\n", "unknown key 'level'"},
        {"privilege_terms:\n  - term: '--'\n    weight: 0.5\n    level: high\n",
         "no letters or digits"},
    };
    struct fbs_vocab *v = NULL;
    size_t i;
    static const char good[] = "privilege_terms:\n"
                               "  - {term: boss, weight: 0.9, level: high, variants: [chief]}\n"
                               "  - {term: '**', weight: 0.9, level: high, match: value}\n"
                               "  - {term: intern, weight: 0.5, level: normal, match: token}\n";
    int hits = 0;

    (void)state;
    assert_int_equal(fbs_vocab_new(&v), 0);
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        if (fbs_vocab_add_text(v, "p.yml", cases[i].text, strlen(cases[i].text)) != FBS_EPARSE ||
            !strstr(fbs_error_message(), cases[i].message))
            fail_msg("case %zu: '%s'", i, fbs_error_message());
    }
    assert_int_equal(fbs_vocab_add_text(v, "p.yml", good, strlen(good)), 0);
    assert_int_equal(v->npriv_terms, 4);
    /* match: token keeps a long term to whole tokens. */
    assert_int_equal(fbs_vocab_scan_privilege(v, "interns internship", 18, count_hit, &hits), 0);
    assert_int_equal(hits, 0);
    assert_int_equal(fbs_vocab_scan_privilege(v, "intern_key chief", 16, count_hit, &hits), 0);
    assert_int_equal(hits, 2);
    fbs_vocab_free(v);
}

/* Through the registry: the parsers run first, then the dimension sees their facts. */
static void test_dim_privilege__all_detectors(void **state)
{
    static const char text[] =
        "admin_token: \"eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJodHRwczovL29wcy5hY21lLmlu"
        "dGVybmFsIiwic3ViIjoib25jYWxsLXNyZSIsInJvbGUiOiJhZG1pbiIsImlhdCI6MTcxNjE5ODAwMCwianRpIjoi"
        "NDIyZGQzMTktNzk1MC00OTFmLWJmNzktNmJmNzhlNGU1OGRmIn0.ceaRm4CS3Iy5OLfztAVtoR8WG4tNa4CN5ZRT"
        "VwAsTCA"
        "\"\n";
    struct fbs_vocab *v = NULL;
    struct fbs_blob blob;
    struct fbs_detect_ctx ctx;
    struct fbs_policy policy;
    struct fbs_finding *f = fbs_finding_new();
    const char *tok = strstr(text, "eyJ");
    size_t n = (size_t)(strchr(tok, '"') - tok);

    (void)state;
    assert_int_equal(fbs_vocab_load_builtin(&v), 0);
    memset(&blob, 0, sizeof(blob));
    blob.data = (const unsigned char *)text;
    blob.len = strlen(text);
    blob.path = blob.rel_path = "ops/tokens.yml";
    memset(&ctx, 0, sizeof(ctx));
    ctx.blob = &blob;
    ctx.vocab = v;
    ctx.fallback_threshold = 0.5;
    assert_int_equal(fbs_policy_load_builtin(&policy), 0);
    ctx.policy = &policy;
    ctx.now = 1795392000;
    assert_int_equal(fbs_finding_set_str(&f->kind, "jwt"), 0);
    assert_int_equal(fbs_finding_set_str(&f->rel_path, "ops/tokens.yml"), 0);
    f->secret_start = f->match_start = (size_t)(tok - text);
    f->secret_end = f->match_end = f->secret_start + n;
    assert_int_equal(fbs_finding_set_secret(f, tok, n), 0);
    assert_int_equal(fbs_detectors_run(f, &ctx), 0);
    assert_string_equal(f->key, "admin_token");
    assert_int_equal(f->privilege, FBS_PRIV_HIGH);
    assert_true(f->scores[FBS_DIM_PRIVILEGE] == 1.0);
    assert_true(has_evidence(f, "jwt role 'admin'"));
    assert_true(has_evidence(f, "key name contains 'admin'"));
    assert_true(has_evidence(f, "jwt scopes contain 'admin'"));
    assert_true(f->has_issued);
    assert_string_equal(f->names, "oncall-sre");
    fbs_finding_free(f);
    fbs_vocab_free(v);
}

/* Every allocation failing in turn: ENOMEM or success, no leak, no crash. */
static void test_dim_privilege__enomem(void **state)
{
    static const struct priv_case c = {"enomem",
                                       "prod_admin",
                                       "ops.prod_admin",
                                       "envs/prod/a.env",
                                       "root",
                                       "readonly",
                                       NULL,
                                       NULL,
                                       H,
                                       U,
                                       H,
                                       1.0,
                                       NULL};
    struct fbs_vocab *v = NULL;
    struct fbs_detect_ctx ctx;
    long n;
    int rc = FBS_ENOMEM;

    (void)state;
    assert_int_equal(fbs_vocab_load_builtin(&v), 0);
    memset(&ctx, 0, sizeof(ctx));
    ctx.vocab = v;
    fbs_test_use_failing_alloc();
    for (n = 0; rc == FBS_ENOMEM && n < 200; n++) {
        struct fbs_finding *f = make(&c);

        fbs_test_fail_allocs_after(n);
        rc = fbs_detector_privilege.run(f, &ctx);
        fbs_test_fail_allocs_after(-1);
        assert_true(rc == 0 || rc == FBS_ENOMEM);
        fbs_finding_free(f);
    }
    assert_int_equal(rc, 0);
    fbs_test_use_cmocka_alloc();
    fbs_vocab_free(v);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dim_privilege__vocabulary),
        cmocka_unit_test(test_dim_privilege__rule_and_parser),
        cmocka_unit_test(test_dim_privilege__evidence_helpers),
        cmocka_unit_test(test_dim_privilege__vocab_api),
        cmocka_unit_test(test_dim_privilege__vocab_errors),
        cmocka_unit_test(test_dim_privilege__all_detectors),
        cmocka_unit_test(test_dim_privilege__enomem),
    };

    fbs_test_use_cmocka_alloc();
    return cmocka_run_group_tests(tests, NULL, NULL);
}
