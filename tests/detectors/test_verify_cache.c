/* test_verify_cache.c - detectors/verify_run.c: the cache hook (struct fbs_verify_cache) of the
 * verification stage. Every answer here comes from the cache, so no request is made. */
#include "support/test_support.h"
#include "support/test_crypto.h"

#include "detectors/verify.h"
#include "scanner/core/alloc.h"
#include "scanner/core/error.h"

#include <stdio.h>
#include <string.h>

#include "scanner/core/banned.h"

struct fake {
    unsigned nkey, nget, nput;
    fbs_time_t asked_now;
    int get_rc; /* what get returns when it has no fact to give */
};

static int fake_key(void *payload, char out[FBS_VERIFY_KEY_LEN], const char *verifier,
                    const char *secret, const char *partner, const char *endpoint)
{
    struct fake *c = payload;

    c->nkey++;
    /* A stand-in: the real key (the sweep's) is keyed ids, never the secret. */
    snprintf(out, FBS_VERIFY_KEY_LEN, "%s/%zu/%s/%s", verifier, strlen(secret), partner ? "p" : "-",
             endpoint ? "e" : "-");
    return 0;
}

static int fake_get(void *payload, const char *verifier, const char *key, fbs_time_t now,
                    json_t **fact)
{
    struct fake *c = payload;

    (void)key;
    c->nget++;
    c->asked_now = now;
    if (c->get_rc)
        return c->get_rc;
    *fact = json_pack("{s:s, s:s, s:s, s:{s:s}}", "status", "revoked", "verifier", verifier, "at",
                      "2026-01-01T00:00:00Z", "identity", "user", "octocat");
    return 1;
}

static int fake_put(void *payload, const char *verifier, const char *key, const json_t *fact)
{
    struct fake *c = payload;

    (void)verifier;
    (void)key;
    (void)fact;
    c->nput++;
    return 0;
}

static struct fbs_finding *token(const char *secret, const char *path)
{
    struct fbs_finding *f = fbs_finding_new();

    assert_non_null(f);
    assert_int_equal(fbs_finding_set_secret(f, secret, strlen(secret)), 0);
    assert_int_equal(fbs_finding_set_str(&f->verifier, "github"), 0);
    assert_int_equal(fbs_finding_set_str(&f->path, path), 0);
    return f;
}

static void test_verify_cache__hits_make_no_request(void **state)
{
    struct fbs_finding *fs[3];
    struct fake c = {0};
    struct fbs_verify_cache cache = {fake_key, fake_get, fake_put, &c};
    struct fbs_verify_opts opts;
    struct fbs_detect_ctx ctx;
    size_t i;

    (void)state;
    memset(&opts, 0, sizeof(opts));
    memset(&ctx, 0, sizeof(ctx));
    ctx.now = fbs_test_time("2026-01-02T00:00:00Z");
    opts.cache = &cache;
    fs[0] = token("ghp_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "a.env");
    fs[1] = token("ghp_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "b.env"); /* the same credential */
    fs[2] = token("ghp_bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb", "c.env");
    assert_int_equal(fbs_verify_run(fs, 3, &ctx, &opts), 0);
    /* One key and one look-up per distinct credential; nothing to keep. */
    assert_int_equal(c.nkey, 2);
    assert_int_equal(c.nget, 2);
    assert_int_equal(c.nput, 0);
    assert_int_equal(c.asked_now, ctx.now);
    for (i = 0; i < 3; i++) {
        json_t *v = json_object_get(fs[i]->facts, "verification");

        assert_string_equal(json_string_value(json_object_get(v, "status")), "revoked");
        /* The time it was asked, not this scan's now; marked as taken from the cache. */
        assert_string_equal(json_string_value(json_object_get(v, "at")), "2026-01-01T00:00:00Z");
        assert_true(json_is_true(json_object_get(v, "cached")));
        assert_non_null(fs[i]->verify_key);
    }
    assert_string_equal(fs[0]->verify_key, fs[1]->verify_key);
    assert_string_not_equal(fs[0]->verify_key, fs[2]->verify_key);
    for (i = 0; i < 3; i++)
        fbs_finding_free(fs[i]);
}

static void test_verify_cache__failure_fails_the_stage(void **state)
{
    struct fbs_finding *f = token("ghp_cccccccccccccccccccccccccccccccccccc", "d.env");
    struct fake c = {0};
    struct fbs_verify_cache cache = {fake_key, fake_get, fake_put, &c};
    struct fbs_verify_opts opts;
    struct fbs_detect_ctx ctx;

    (void)state;
    memset(&opts, 0, sizeof(opts));
    memset(&ctx, 0, sizeof(ctx));
    opts.cache = &cache;
    c.get_rc = fbs_error_set(FBS_EIO, "datastore lost");
    assert_int_equal(fbs_verify_run(&f, 1, &ctx, &opts), FBS_EIO);
    assert_null(json_object_get(f->facts, "verification"));
    fbs_finding_free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_verify_cache__hits_make_no_request),
        cmocka_unit_test(test_verify_cache__failure_fails_the_stage),
    };

    fbs_test_use_cmocka_alloc();
    return cmocka_run_group_tests(tests, NULL, NULL);
}
