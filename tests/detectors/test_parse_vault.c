/* test_parse_vault.c - detectors/parse_vault.c: init output, root tokens, token types. */
#include "support/test_support.h"

#include "detectors/detector.h"
#include "scanner/core/error.h"

#include <string.h>

#include "scanner/core/banned.h"

#define K1 "yhy3P2XABlghqkjn1VL7iw86K175VzbijUPYlJj7KbX+"
#define K2 "zUE4oPO6KEi9bt+loKuJyxOOXu4QzHr19mbtL54PEgtr"
#define K3 "uxjiyrtL+G1YX272b056thbwzWFoeG6Ui/KHddQ7xcZ8"
#define K4 "kK8SYifTv7GouOyOcGzHoxAf0B3VuDGjm1sy4WbqhxHI"
#define K5 "5EvhIHZ1F1K68PhWkWdKh+OepLnWy1Dz2N6L7kia78X8"
#define H1 "a6e91af5565216a34f5180e0b1a1caffacfbfc53385eeeadb4cef5d884f489517a"
#define H2 "0b0f3c3b19b7d8d2b8e2d2a9e25f0f8c8e3c3fa7b5c7a3d9e2f1a0b9c8d7e6f5a4"
#define ROOT                                                                                       \
    "hvs.CAESIJjn6VOn6wFmWMnHxhHziTbSVPttfEgHSFSbANnNR-OZuO1frKIWXd2UCZ7_fQsi8ZST_"                \
    "7ZB7m6hSy6Vik6rbyQ"

/* A finding of `kind` whose match is the first occurrence of `secret` in `text`. */
struct env {
    struct fbs_blob blob;
    struct fbs_detect_ctx ctx;
    struct fbs_finding *f;
};

static void env_init(struct env *e, const char *kind, const char *text, const char *secret)
{
    const char *at = text ? strstr(text, secret) : NULL;

    memset(e, 0, sizeof(*e));
    if (text) {
        assert_non_null(at);
        e->blob.data = (const unsigned char *)text;
        e->blob.len = strlen(text);
        e->blob.path = e->blob.rel_path = "docs/runbooks/vault-init.md";
        e->ctx.blob = &e->blob;
    }
    e->f = fbs_finding_new();
    assert_non_null(e->f);
    assert_int_equal(fbs_finding_set_str(&e->f->kind, kind), 0);
    assert_int_equal(fbs_finding_set_secret(e->f, secret, strlen(secret)), 0);
    if (at) {
        e->f->match_start = e->f->secret_start = (size_t)(at - text);
        e->f->match_end = e->f->secret_end = e->f->match_start + strlen(secret);
    }
}

static int env_run(struct env *e)
{
    return fbs_detector_vault.run(e->f, &e->ctx);
}

static json_int_t init_int(const struct fbs_finding *f, const char *k)
{
    const json_t *v = json_object_get(json_object_get(f->facts, "vault_init"), k);

    return json_is_integer(v) ? json_integer_value(v) : -1; /* -1: null */
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

struct init_case {
    const char *name, *kind, *text, *secret;
    int unseal, shares, threshold, recovery, rshares, rthreshold; /* -1: null */
    bool root;
    const char *evidence; /* the exact phrase, or NULL for none */
};

static void test_parse_vault__init_output(void **state)
{
    static const struct init_case cases[] = {
        {"text: all five shares", "vault_unseal_key",
         "$ vault operator init\n"
         "Unseal Key 1: " K1 "\nUnseal Key 2: " K2 "\nUnseal Key 3: " K3 "\nUnseal Key 4: " K4
         "\nUnseal Key 5: " K5 "\n\nInitial Root Token: " ROOT "\n\n"
         "Vault initialized with 5 key shares and a key threshold of 3. Please securely\n"
         "distribute the key shares printed above.\n",
         K3, 5, 5, 3, 0, -1, -1, true,
         "5 of 5 unseal key shares in one place (threshold 3): enough to unseal"},
        {"text: two of five, not enough", "vault_unseal_key",
         "Unseal Key 2: " K2 "\nUnseal Key 4: " K4 "\n"
         "Vault initialized with 5 key shares and a key threshold of 3.\n",
         K2, 2, 5, 3, 0, -1, -1, false, NULL},
        {"text: no threshold line", "vault_unseal_key",
         "Unseal Key 1: " K1 "\nUnseal Key 2: " K2 "\nUnseal Key 3: " K3 "\n", K1, 3, -1, -1, 0, -1,
         -1, false, NULL},
        {"text: hex and base64 of the same shares count once", "vault_unseal_key",
         "Unseal Key 1 (base64): " K1 "\nUnseal Key 1 (hex)   : " H1 "\n"
         "Unseal Key 2 (base64): " K2 "\nUnseal Key 2 (hex)   : " H2 "\n"
         "Vault initialized with 2 key shares and a key threshold of 2.\n",
         K1, 2, 2, 2, 0, -1, -1, false,
         "2 of 2 unseal key shares in one place (threshold 2): enough to unseal"},
        {"text: placeholders are not shares", "vault_unseal_key",
         "Unseal Key 1: " K1 "\nUnseal Key 2: <unseal key 2>\nUnseal Key 3: <unseal key 3>\n"
         "Initial Root Token: <root token>\n"
         "Vault initialized with 3 key shares and a key threshold of 2.\n",
         K1, 1, 3, 2, 0, -1, -1, false, NULL},
        {"text: recovery keys", "vault_recovery_key",
         "$ vault operator init -recovery-shares=3 -recovery-threshold=2\n"
         "Recovery Key 1: " K1 "\nRecovery Key 2: " K2 "\nRecovery Key 3: " K3 "\n\n"
         "Initial Root Token: " ROOT "\n\n"
         "Success! Vault is initialized\n\n"
         "Recovery key initialized with 3 key shares and a key threshold of 2. Please\n"
         "securely distribute the key shares printed above.\n",
         K2, 0, -1, -1, 3, 3, 2, true,
         "3 of 3 recovery key shares in one place (threshold 2): enough to generate a root "
         "token"},
        {"json: b64 and hex lists are the same shares", "vault_unseal_key",
         "{\n  \"unseal_keys_b64\": [\n    \"" K1 "\",\n    \"" K2 "\",\n    \"" K3 "\"\n  ],\n"
         "  \"unseal_keys_hex\": [\"" H1 "\", \"" H2 "\", \"" H1 "\"],\n"
         "  \"unseal_shares\": 3,\n  \"unseal_threshold\": 2,\n"
         "  \"recovery_keys_b64\": [],\n  \"recovery_keys_hex\": [],\n"
         "  \"recovery_keys_shares\": 0,\n  \"recovery_keys_threshold\": 0,\n"
         "  \"root_token\": \"" ROOT "\"\n}\n",
         K1, 3, 3, 2, 0, -1, -1, true,
         "3 of 3 unseal key shares in one place (threshold 2): enough to unseal"},
        {"json: one of three shares", "vault_unseal_key",
         "{\"unseal_keys_b64\":[\"" K4 "\"],\"unseal_shares\":3,\"unseal_threshold\":2}", K4, 1, 3,
         2, 0, -1, -1, false, NULL},
        {"json: recovery keys", "vault_recovery_key",
         "{\"recovery_keys_b64\":[\"" K1 "\",\"" K2 "\"],\"recovery_keys_shares\":5,"
         "\"recovery_keys_threshold\":2,\"root_token\":null}",
         K1, 0, -1, -1, 2, 5, 2, false,
         "2 of 5 recovery key shares in one place (threshold 2): enough to generate a root token"},
        {"root token finding reads the init output too", "vault_root_token",
         "Unseal Key 1: " K1 "\nInitial Root Token: " ROOT "\n"
         "Vault initialized with 1 key shares and a key threshold of 1.\n",
         ROOT, 1, 1, 1, 0, -1, -1, true, "root token (vault operator init)"},
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const struct init_case *c = &cases[i];
        const json_t *root;
        struct env e;
        int rc;

        env_init(&e, c->kind, c->text, c->secret);
        rc = env_run(&e);
        if (rc)
            fail_msg("%s: rc %d: %s", c->name, rc, fbs_error_message());
        if (!json_is_object(json_object_get(e.f->facts, "vault_init")))
            fail_msg("%s: no vault_init", c->name);
        if (init_int(e.f, "unseal_keys") != c->unseal ||
            init_int(e.f, "unseal_shares") != c->shares ||
            init_int(e.f, "threshold") != c->threshold ||
            init_int(e.f, "recovery_keys") != c->recovery ||
            init_int(e.f, "recovery_shares") != c->rshares ||
            init_int(e.f, "recovery_threshold") != c->rthreshold)
            fail_msg("%s: unseal %d/%d/%d recovery %d/%d/%d", c->name,
                     (int)init_int(e.f, "unseal_keys"), (int)init_int(e.f, "unseal_shares"),
                     (int)init_int(e.f, "threshold"), (int)init_int(e.f, "recovery_keys"),
                     (int)init_int(e.f, "recovery_shares"),
                     (int)init_int(e.f, "recovery_threshold"));
        root = json_object_get(json_object_get(e.f->facts, "vault_init"), "root_token_present");
        assert_true(json_is_boolean(root));
        assert_int_equal(json_is_true(root), c->root);
        if (c->evidence) {
            if (!has_evidence(e.f, c->evidence))
                fail_msg("%s: no evidence '%s'", c->name, c->evidence);
            assert_int_equal(e.f->privilege, FBS_PRIV_HIGH);
        } else {
            assert_null(json_object_get(e.f->facts, "privilege_evidence"));
            assert_int_equal(e.f->privilege, FBS_PRIV_UNKNOWN);
        }
        fbs_finding_free(e.f);
    }
}

/* Shares far from the match (another document section) are outside the window. */
static void test_parse_vault__window(void **state)
{
    static const char first[] = "Unseal Key 1: " K1 "\n", second[] = "Unseal Key 2: " K2 "\n";
    size_t pad = 40 * 1024, la = strlen(first), lb = strlen(second);
    char *text = test_malloc(la + pad + lb + 1);
    struct env e;

    (void)state;
    memcpy(text, first, la);
    memset(text + la, '.', pad);
    memcpy(text + la + pad, second, lb + 1);
    env_init(&e, "vault_unseal_key", text, K1);
    assert_int_equal(env_run(&e), 0);
    assert_int_equal(init_int(e.f, "unseal_keys"), 1);
    fbs_finding_free(e.f);
    /* From the second share, the first is out of reach too. */
    env_init(&e, "vault_unseal_key", text, K2);
    assert_int_equal(env_run(&e), 0);
    assert_int_equal(init_int(e.f, "unseal_keys"), 1);
    fbs_finding_free(e.f);
    test_free(text);
}

struct token_case {
    const char *kind, *key, *comment, *secret;
    const char *type; /* facts.vault_token_type or NULL */
    bool root;
};

static void test_parse_vault__tokens(void **state)
{
    static const struct token_case cases[] = {
        {"vault_token", "VAULT_TOKEN", NULL, ROOT, "service", false},
        {"vault_token", "token", NULL, "hvb.AAAAAQRJTz-eFOqPUCKkbKRdtfvgYmHq6Xl", "batch", false},
        {"vault_token", NULL, NULL, "hvr.CAESIguySON_5hsH9ahU4a6M4E5EJ8Fw", "recovery", false},
        {"vault_token", NULL, NULL, "s.zsnlwEHkj69H1J8UfGBfdhw7", "legacy_service", false},
        {"vault_token", NULL, NULL, "b.AAAAAQJd8E2vD", "legacy_batch", false},
        {"vault_token", NULL, NULL, "r.Qm0hq6OcM2sOCY", "legacy_recovery", false},
        {"vault_token", NULL, NULL, "x.notatoken", NULL, false},
        {"vault_token", NULL, NULL, "hvs.", NULL, false},
        {"vault_token", "VAULT_ROOT_TOKEN", NULL, ROOT, "service", true},
        {"vault_token", "rootToken", NULL, ROOT, "service", true},
        {"vault_token", "token", "root token for the DR cluster", ROOT, "service", true},
        {"vault_token", "rootless_token", NULL, ROOT, "service", false},
        {"vault_root_token", NULL, NULL, ROOT, "service", true},
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const struct token_case *c = &cases[i];
        const json_t *type;
        struct env e;

        env_init(&e, c->kind, NULL, c->secret);
        assert_int_equal(fbs_finding_set_str(&e.f->key, c->key), 0);
        assert_int_equal(fbs_finding_set_str(&e.f->comment, c->comment), 0);
        assert_int_equal(env_run(&e), 0);
        type = json_object_get(e.f->facts, "vault_token_type");
        if (c->type)
            assert_string_equal(json_string_value(type), c->type);
        else
            assert_null(type);
        assert_null(json_object_get(e.f->facts, "vault_init")); /* no blob: no init output */
        if (c->root) {
            assert_int_equal(e.f->privilege, FBS_PRIV_HIGH);
            assert_int_equal(e.f->nindicators, 1);
            assert_string_equal(e.f->indicators[0].term, "root token");
            assert_string_equal(e.f->indicators[0].where, "content");
            assert_true(e.f->indicators[0].weight == 1.0);
        } else {
            assert_int_equal(e.f->privilege, FBS_PRIV_UNKNOWN);
            assert_int_equal(e.f->nindicators, 0);
        }
        fbs_finding_free(e.f);
    }
}

/* A Vault token record whose policies include root (no blob). */
static void test_parse_vault__record_policies(void **state)
{
    struct env e;

    (void)state;
    env_init(&e, "vault_token", NULL, "hvs.accessor-not-a-secret");
    e.f->source = FBS_SOURCE_VAULT;
    assert_int_equal(
        json_object_set_new(e.f->facts, "policies", json_pack("[s, s]", "default", "root")), 0);
    assert_int_equal(env_run(&e), 0);
    assert_int_equal(e.f->privilege, FBS_PRIV_HIGH);
    assert_true(has_evidence(e.f, "token policies include root"));
    fbs_finding_free(e.f);
}

struct bad_case {
    const char *name, *kind, *text, *secret, *message;
};

static void test_parse_vault__malformed(void **state)
{
    static const struct bad_case cases[] = {
        {"key number out of range", "vault_unseal_key", "Unseal Key 999: " K1 "\n", K1,
         "out of range"},
        {"key number zero", "vault_unseal_key", "Unseal Key 0: " K1 "\n", K1, "out of range"},
        {"absurd share count", "vault_unseal_key",
         "Unseal Key 1: " K1 "\nVault initialized with 99999 key shares and a key threshold of "
         "3.\n",
         K1, "out of range"},
        {"threshold above shares", "vault_unseal_key",
         "Unseal Key 1: " K1 "\nVault initialized with 3 key shares and a key threshold of 5.\n",
         K1, "threshold 5 is above"},
        {"json list cut off at the end", "vault_unseal_key", "{\"unseal_keys_b64\": [\"" K1 "\", ",
         K1, "cut off"},
        {"json string cut off at the end", "vault_unseal_key",
         "{\"unseal_keys_b64\": [\"" K1 "\", \"" K2 "\n", K1, "unterminated"},
        {"json list holds a number", "vault_unseal_key", "{\"unseal_keys_b64\": [\"" K1 "\", 42]}",
         K1, "non-string"},
        {"json shares out of range", "vault_unseal_key",
         "{\"unseal_keys_b64\": [\"" K1 "\"], \"unseal_shares\": 1000}", K1, "out of range"},
        {"json threshold above shares", "vault_recovery_key",
         "{\"recovery_keys_b64\": [\"" K1 "\"], \"recovery_keys_shares\": 2, "
         "\"recovery_keys_threshold\": 3}",
         K1, "above 2 shares"},
    };
    size_t i;
    struct env e;

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        int rc;

        env_init(&e, cases[i].kind, cases[i].text, cases[i].secret);
        rc = env_run(&e);
        if (rc != FBS_EPARSE || !strstr(fbs_error_message(), cases[i].message))
            fail_msg("%s: rc %d, message '%s'", cases[i].name, rc, fbs_error_message());
        assert_null(json_object_get(e.f->facts, "vault_init"));
        fbs_finding_free(e.f);
    }
    /* Match offsets outside the blob. */
    env_init(&e, "vault_unseal_key", "Unseal Key 1: " K1 "\n", K1);
    e.f->match_end = 4096;
    assert_int_equal(env_run(&e), FBS_EPARSE);
    fbs_finding_free(e.f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_vault__init_output),
        cmocka_unit_test(test_parse_vault__window),
        cmocka_unit_test(test_parse_vault__tokens),
        cmocka_unit_test(test_parse_vault__record_policies),
        cmocka_unit_test(test_parse_vault__malformed),
    };

    fbs_test_use_cmocka_alloc();
    return cmocka_run_group_tests(tests, NULL, NULL);
}
