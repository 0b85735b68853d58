/* test_parse_gcp.c - detectors/parse_gcp.c: service-account key files. */
#include "support/test_support.h"
#include "support/test_crypto.h"

#include "scanner/core/alloc.h"
#include "scanner/core/buf.h"
#include "scanner/core/error.h"

#include <stdlib.h>
#include <string.h>

#include "scanner/core/banned.h"

#define KEY_ID "bb421b9371ac24810a77c3e6e19bcc0b48453e66"
#define EMAIL  "breakglass-sa@acme-prod.iam.gserviceaccount.com"

static EVP_PKEY *key;
static char *key_json; /* the JSON key file */

static int setup(void **state)
{
    char *pem;
    json_t *doc;
    char *js;

    (void)state;
    key = fbs_test_key("rsa", 2048);
    pem = fbs_test_pem_key(key, FBS_TEST_PEM_PKCS8);
    doc = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "type", "service_account", "project_id",
                    "acme-prod", "private_key_id", KEY_ID, "private_key", pem, "client_email",
                    EMAIL, "client_id", "108925686457180670683");
    js = json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    key_json = fbs_test_cat(js, "\n", NULL);
    free(js);
    json_decref(doc);
    fbs_free(pem);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    fbs_free(key_json);
    EVP_PKEY_free(key);
    return 0;
}

static const char *fstr(const struct fbs_finding *f, const char *k)
{
    const char *v = json_string_value(json_object_get(f->facts, k));

    return v ? v : "(none)";
}

/* Run the detector as the rule matches: from "private_key_id" to the end of the PEM. */
static struct fbs_finding *run_gcp(const char *text, int *rc)
{
    const char *s = strstr(text, "-----BEGIN PRIVATE KEY");
    const char *e = strstr(text, "-----END PRIVATE KEY-----");
    const char *m = NULL, *p;
    struct fbs_finding *f;

    assert_non_null(s);
    for (p = strstr(text, "\"private_key_id\""); p && p < s;
         p = strstr(p + 1, "\"private_key_id\""))
        m = p;
    assert_non_null(m);
    assert_non_null(e);
    e += 25;
    f = fbs_test_finding("gcp_service_account_key", s, (size_t)(e - s), "sa/key.json");
    f->match_start = (size_t)(m - text);
    f->match_end = (size_t)(e - text);
    *rc = fbs_test_run(&fbs_detector_gcp, f, text, strlen(text));
    return f;
}

static void check_facts(const struct fbs_finding *f)
{
    assert_string_equal(fstr(f, "client_email"), EMAIL);
    assert_string_equal(fstr(f, "project_id"), "acme-prod");
    assert_string_equal(fstr(f, "private_key_id"), KEY_ID);
    assert_string_equal(fstr(f, "client_id"), "108925686457180670683");
    assert_string_equal(fstr(f, "key_type"), "rsa");
    assert_int_equal(json_integer_value(json_object_get(f->facts, "key_bits")), 2048);
    assert_string_equal(f->names, EMAIL);
}

static void test_parse_gcp__key_file(void **state)
{
    int rc;
    struct fbs_finding *f = run_gcp(key_json, &rc);

    (void)state;
    assert_int_equal(rc, 0);
    check_facts(f);
    fbs_finding_free(f);
}

/* The key file inside other documents: a YAML block, a JSON array with a decoy before it. */
static void test_parse_gcp__embedded(void **state)
{
    char *indented = NULL, *yaml, *arr;
    const char *p;
    struct fbs_buf b = FBS_BUF_INIT;
    int rc;
    struct fbs_finding *f;

    (void)state;
    for (p = key_json; *p; p++) {
        assert_int_equal(fbs_buf_putc(&b, *p), 0);
        if (*p == '\n' && p[1])
            assert_int_equal(fbs_buf_puts(&b, "    "), 0);
    }
    indented = fbs_buf_detach(&b);
    yaml = fbs_test_cat("apiVersion: v1\nkind: Secret\nstringData:\n  key.json: |\n    ", indented,
                        "  other: {a: 1}\n", NULL);
    arr = fbs_test_cat("[{\"private_key_id\": \"0000\", \"x\": {}}, ", key_json, ", {}]", NULL);
    f = run_gcp(yaml, &rc);
    assert_int_equal(rc, 0);
    check_facts(f);
    fbs_finding_free(f);
    f = run_gcp(arr, &rc);
    assert_int_equal(rc, 0);
    check_facts(f);
    fbs_finding_free(f);
    fbs_free(arr);
    fbs_free(yaml);
    fbs_free(indented);
}

static void test_parse_gcp__malformed(void **state)
{
    char *truncated = fbs_test_cat(key_json, NULL);
    char *badkey = fbs_test_cat(key_json, NULL);
    int rc;
    struct fbs_finding *f;

    (void)state;
    /* The JSON ends early: the key's facts, and a diagnostic. */
    *strstr(truncated, "\"client_email\"") = '\0';
    f = run_gcp(truncated, &rc);
    assert_int_equal(rc, FBS_EPARSE);
    assert_non_null(strstr(fbs_error_message(), "no service-account JSON document"));
    assert_string_equal(fstr(f, "key_type"), "rsa");
    assert_string_equal(fstr(f, "client_email"), "(none)");
    fbs_finding_free(f);
    /* A damaged key: the account's facts, and a diagnostic. */
    memcpy(strstr(badkey, "-----BEGIN PRIVATE KEY-----\\n") + 29, "AAAA", 4);
    f = run_gcp(badkey, &rc);
    assert_int_equal(rc, FBS_EPARSE);
    assert_non_null(strstr(fbs_error_message(), "private_key: malformed PRIVATE KEY"));
    assert_string_equal(fstr(f, "client_email"), EMAIL);
    fbs_finding_free(f);
    /* No blob (a cloud record of the same kind): nothing to do. */
    f = fbs_test_finding("gcp_service_account_key", KEY_ID, 40, NULL);
    assert_int_equal(fbs_test_run(&fbs_detector_gcp, f, NULL, 0), 0);
    assert_int_equal(json_object_size(f->facts), 0);
    fbs_finding_free(f);
    fbs_free(badkey);
    fbs_free(truncated);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_gcp__key_file),
        cmocka_unit_test(test_parse_gcp__embedded),
        cmocka_unit_test(test_parse_gcp__malformed),
    };

    fbs_test_use_cmocka_alloc();
    return cmocka_run_group_tests(tests, setup, teardown);
}
