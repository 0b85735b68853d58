/* test_allow.c - detectors/allow.c: inline fallback-scan:allow comments and their reasons. */
#include "support/test_support.h"

#include "detectors/detector.h"

#include <string.h>

#include "scanner/core/banned.h"

struct allow_case {
    const char *text; /* the secret is "SECRETVALUE" */
    bool allowed;
    const char *reason;
};

static void test_allow__table(void **state)
{
    static const struct allow_case cases[] = {
        {"key = SECRETVALUE  # fallback-scan:allow test fixture\n", true, "test fixture"},
        {"# fallback-scan:allow: rotated daily\nkey = SECRETVALUE\n", true, "rotated daily"},
        {"<!-- fallback-scan:allow sample -->\n<key>SECRETVALUE</key>\n", true, "sample"},
        {"/* fallback-scan:allow - demo */ key = \"SECRETVALUE\";\n", true, "demo"},
        {"key = SECRETVALUE # fallback-scan:allow\n", true, "no reason given"},
        /* Two lines above is too far; another line's comment is not this one's. */
        {"# fallback-scan:allow old\n\nkey = SECRETVALUE\n", false, NULL},
        {"key = SECRETVALUE\n# fallback-scan:allow for the next line\n", false, NULL},
        {"key = SECRETVALUE  # fallback-scan:deny\n", false, NULL},
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const struct allow_case *c = &cases[i];
        struct fbs_blob blob;
        struct fbs_detect_ctx ctx;
        struct fbs_finding *f = fbs_finding_new();
        const char *at = strstr(c->text, "SECRETVALUE");

        assert_non_null(f);
        memset(&blob, 0, sizeof(blob));
        blob.data = (const unsigned char *)c->text;
        blob.len = strlen(c->text);
        memset(&ctx, 0, sizeof(ctx));
        ctx.blob = &blob;
        f->secret_start = (size_t)(at - c->text);
        f->secret_end = f->secret_start + 11;
        assert_int_equal(fbs_detector_allow.run(f, &ctx), 0);
        if ((f->suppression == FBS_SUPPRESSED_INLINE) != c->allowed)
            fail_msg("case %zu: allowed %d", i, f->suppression == FBS_SUPPRESSED_INLINE);
        if (c->reason)
            assert_string_equal(f->suppression_reason, c->reason);
        fbs_finding_free(f);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_allow__table),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
