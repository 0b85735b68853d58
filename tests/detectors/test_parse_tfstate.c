/* test_parse_tfstate.c - detectors/parse_tfstate.c: the state resource holding a secret gives its
 * issue date, status and names. */
#include "support/test_support.h"

#include "detectors/detector.h"
#include "scanner/core/error.h"

#include <string.h>

#include "scanner/core/banned.h"

static const char state[] =
    "{\"version\": 4, \"resources\": [\n"
    " {\"mode\": \"managed\", \"type\": \"aws_iam_access_key\", \"name\": \"this\",\n"
    "  \"module\": \"module.breakglass\", \"instances\": [{\"attributes\": {\n"
    "   \"create_date\": \"2024-02-12T10:41:07Z\", \"id\": \"AKIAXA37G7DJKZSX5LGK\",\n"
    "   \"secret\": \"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\", \"status\": \"Inactive\",\n"
    "   \"user\": \"breakglass-admin\"}}]},\n"
    " {\"mode\": \"managed\", \"type\": \"aws_db_instance\", \"name\": \"payments\",\n"
    "  \"instances\": [{\"attributes\": {\"password\": \"okTp2xegm\"}}]}]}\n";

struct tf_case {
    const char *rel;
    const char *text;
    const char *secret;
    int rc;
    bool issued;
    int active;
    const char *names;
};

static void test_parse_tfstate__cases(void **state_)
{
    static const struct tf_case cases[] = {
        {"prod/terraform.tfstate", state, "CIb27Mxy85v0eqHp2ERuLGQZx3NAcZCf+jCmhQdY", 0, true, 0,
         "module.breakglass this breakglass-admin"},
        {"prod/terraform.tfstate.backup", state, "AKIAXA37G7DJKZSX5LGK", 0, true, 0, NULL},
        {"prod/terraform.tfstate", state, "okTp2xegm", 0, false, -1, "payments"},
        {"prod/terraform.tfstate", state, "not-in-state", 0, false, -1, NULL},
        {"prod/main.tf", state, "AKIAXA37G7DJKZSX5LGK", 0, false, -1, NULL}, /* not state */
        {"terraform.tfstate", "{\"resources\": [", "x", FBS_EPARSE, false, -1, NULL},
        {"terraform.tfstate", "[1, 2]", "x", 0, false, -1, NULL},
        {"terraform.tfstate", "{\"resources\": {\"instances\": 3}}", "x", 0, false, -1, NULL},
    };
    size_t i;

    (void)state_;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const struct tf_case *c = &cases[i];
        struct fbs_blob blob;
        struct fbs_detect_ctx ctx;
        struct fbs_finding *f = fbs_finding_new();

        assert_non_null(f);
        memset(&blob, 0, sizeof(blob));
        blob.data = (const unsigned char *)c->text;
        blob.len = strlen(c->text);
        blob.rel_path = c->rel;
        memset(&ctx, 0, sizeof(ctx));
        ctx.blob = &blob;
        assert_int_equal(fbs_finding_set_str(&f->rel_path, c->rel), 0);
        assert_int_equal(fbs_finding_set_secret(f, c->secret, strlen(c->secret)), 0);
        if (fbs_detector_tfstate.run(f, &ctx) != c->rc)
            fail_msg("case %zu: %s", i, fbs_error_message());
        assert_int_equal(f->has_issued, c->issued);
        assert_int_equal(f->active, c->active);
        if (c->names)
            assert_string_equal(f->names, c->names);
        if (c->issued)
            assert_string_equal(json_string_value(json_object_get(f->facts, "issued_from")),
                                "terraform_state");
        fbs_finding_free(f);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_tfstate__cases),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
