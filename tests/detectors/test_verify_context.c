/*
 * test_verify_context.c - the context detectors of the verifiers (detectors/verify_providers.c):
 * a Twilio secret's account SID and an Azure storage key's account name, taken from the
 * credential's own file.
 */
#include "support/test_support.h"

#include "detectors/detector.h"

#include <string.h>

#include "scanner/core/banned.h"

static const char *jstr(const json_t *o, const char *k)
{
    const json_t *v = json_object_get(o, k);

    return json_is_string(v) ? json_string_value(v) : NULL;
}

/* Run `d` on a finding of `kind` whose secret is the first occurrence of `secret` in `text`. */
static struct fbs_finding *run_on(const struct fbs_detector *d, const char *kind, const char *text,
                                  const char *secret)
{
    struct fbs_finding *f = fbs_finding_new();
    struct fbs_blob blob;
    struct fbs_detect_ctx ctx;
    const char *at = strstr(text, secret);

    assert_non_null(f);
    assert_non_null(at);
    assert_int_equal(fbs_finding_set_str(&f->kind, kind), 0);
    assert_int_equal(fbs_finding_set_secret(f, secret, strlen(secret)), 0);
    f->secret_start = (size_t)(at - text);
    memset(&blob, 0, sizeof(blob));
    blob.data = (const unsigned char *)text;
    blob.len = strlen(text);
    memset(&ctx, 0, sizeof(ctx));
    ctx.blob = &blob;
    assert_int_equal(d->run(f, &ctx), 0);
    return f;
}

#define KEY_A                                                                                      \
    "uOew1kkTBXl1G658/Ws/wibXkJzJk1U//fhy2n2NfLAOYoW45xqsrm3kT0InlzDOxbcAAYO4YmkKyvvN9tsLjg=="
#define KEY_B                                                                                      \
    "jQUnt+Oa0zLtK6eY4E8i2WIjHhiiJyRidYO2nW4tp98wZFNjJWifABdz6AU4mJ9EhiHC3if1u0mcPxjJiAbszg=="

static void test_verify_context__azure_account(void **state)
{
    static const struct {
        const char *text, *key, *account, *suffix;
    } cases[] = {
        /* its own connection string wins over a nearer name elsewhere */
        {"AZURE_STORAGE_ACCOUNT=other\nCONN=DefaultEndpointsProtocol=https;AccountName=AcmeBackups;"
         "AccountKey=" KEY_A ";EndpointSuffix=core.windows.net\n",
         KEY_A, "acmebackups", NULL},
        /* another cloud is recorded, so that the verifier refuses it */
        {"DefaultEndpointsProtocol=https;AccountName=acmecn;AccountKey=" KEY_A
         ";EndpointSuffix=core.chinacloudapi.cn\n",
         KEY_A, "acmecn", "core.chinacloudapi.cn"},
        /* the nearest assignment in the file, before the key preferred */
        {"storage_account_name = \"farstore\"\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n"
         "export AZURE_STORAGE_ACCOUNT=nearstore\nexport AZURE_STORAGE_KEY=\"" KEY_B "\"\n",
         KEY_B, "nearstore", NULL},
        {"account_name: logsprod01\naccount_key: " KEY_B "\n", KEY_B, "logsprod01", NULL},
        /* no account name: AZURE_STORAGE_ACCOUNT_KEY is not a name, a reference is not one */
        {"AZURE_STORAGE_ACCOUNT_KEY=" KEY_B "\nstorage_account_name = var.name_of_it\n", KEY_B,
         NULL, NULL},
        {"AZURE_STORAGE_KEY=" KEY_B "\n", KEY_B, NULL, NULL},
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct fbs_finding *f = run_on(&fbs_detector_azure_context, "azure_storage_account_key",
                                       cases[i].text, cases[i].key);
        const char *got = jstr(f->facts, "azure_storage_account");

        if (cases[i].account ? !got || strcmp(got, cases[i].account) : got != NULL)
            fail_msg("case %zu: account %s, want %s", i, got ? got : "(none)",
                     cases[i].account ? cases[i].account : "(none)");
        got = jstr(f->facts, "azure_storage_endpoint_suffix");
        if (cases[i].suffix ? !got || strcmp(got, cases[i].suffix) : got != NULL)
            fail_msg("case %zu: suffix %s", i, got ? got : "(none)");
        fbs_finding_free(f);
    }
}

#define SID1 "AC0123456789abcdef0123456789abcdef"
#define SID2 "ACfedcba9876543210fedcba9876543210"
#define TOK  "0e0b9734c083e6a9d78ffe2511f07dfd"

static void test_verify_context__twilio_account_sid(void **state)
{
    static const struct {
        const char *text, *sid;
    } cases[] = {
        {"TWILIO_ACCOUNT_SID=" SID1 "\nTWILIO_AUTH_TOKEN=" TOK "\n", SID1},
        /* the nearest one; one after the secret counts double */
        {"a=" SID1
         "\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n"
         "b=" SID2 "\nTWILIO_AUTH_TOKEN=" TOK "\n",
         SID2},
        {"TWILIO_AUTH_TOKEN=" TOK "\nsid: " SID2 "\n", SID2},
        /* not a word of its own: part of a longer identifier */
        {"TWILIO_AUTH_TOKEN=" TOK "\nx=X" SID1 "\ny=" SID1 "0\n", NULL},
        {"TWILIO_AUTH_TOKEN=" TOK "\n", NULL},
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct fbs_finding *f =
            run_on(&fbs_detector_twilio_context, "twilio_auth_token", cases[i].text, TOK);
        const char *got = jstr(f->facts, "twilio_account_sid");

        if (cases[i].sid ? !got || strcmp(got, cases[i].sid) : got != NULL)
            fail_msg("case %zu: sid %s, want %s", i, got ? got : "(none)",
                     cases[i].sid ? cases[i].sid : "(none)");
        fbs_finding_free(f);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_verify_context__azure_account),
        cmocka_unit_test(test_verify_context__twilio_account_sid),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
