/* test_text.c - core/text.c: entropy, CRC-32, base62, glob, sizes, UTF-8. */
#include "support/test_support.h"

#include "scanner/core/buf.h"
#include "scanner/core/alloc.h"
#include "scanner/core/error.h"
#include "scanner/core/text.h"

#include <string.h>

#include "scanner/core/banned.h"

static void test_text__entropy(void **state)
{
    (void)state;
    assert_true(fbs_entropy("", 0) == 0.0);
    assert_true(fbs_entropy("aaaa", 4) == 0.0);
    assert_true(fbs_entropy("abcd", 4) > 1.99 && fbs_entropy("abcd", 4) < 2.01);
}

static void test_text__crc32(void **state)
{
    (void)state;
    /* The standard check value of CRC-32/ISO-HDLC. */
    assert_int_equal(fbs_crc32("123456789", 9), 0xCBF43926u);
    assert_int_equal(fbs_crc32("", 0), 0);
}

static void test_text__base62(void **state)
{
    static const char *alpha = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    uint64_t v;

    (void)state;
    assert_int_equal(fbs_base62_decode(&v, "10", 2, alpha), 0);
    assert_int_equal(v, 62);
    assert_int_equal(fbs_base62_decode(&v, "z", 1, alpha), 0);
    assert_int_equal(v, 61);
    assert_int_equal(fbs_base62_decode(&v, "a-", 2, alpha), -1);
}

static void test_text__glob(void **state)
{
    (void)state;
    assert_true(fbs_glob_match("*.tf", "infra/prod/main.tf", false));
    assert_false(fbs_glob_match("*.tf", "infra/prod/main.tfvars", false));
    assert_true(fbs_glob_match("infra/*/main.tf", "infra/prod/main.tf", false));
    assert_false(fbs_glob_match("infra/*/main.tf", "infra/a/b/main.tf", false));
    assert_true(fbs_glob_match("infra/**/main.tf", "infra/a/b/main.tf", false));
    assert_true(fbs_glob_match("infra/**/main.tf", "infra/main.tf", false));
    assert_true(fbs_glob_match("**/docs/**", "x/docs/a.md", false));
    assert_true(fbs_glob_match("**/docs/**", "docs/a/b.md", false));
    assert_true(fbs_glob_match("/top.txt", "top.txt", false));
    assert_false(fbs_glob_match("/top.txt", "a/top.txt", false));
    assert_true(fbs_glob_match("build/", "build", true));
    assert_false(fbs_glob_match("build/", "build", false));
    assert_true(fbs_glob_match("file[0-9].txt", "a/file7.txt", false));
    assert_false(fbs_glob_match("file[!0-9].txt", "file7.txt", false));
    assert_true(fbs_glob_match(".env.*", "app/.env.backup", false));
    assert_true(fbs_glob_match("*~", "notes.txt~", false));
    assert_false(fbs_glob_match("", "x", false));
}

/* The same semantics as the backtracking matcher it replaced, including the `**` forms. */
static void test_text__glob_semantics(void **state)
{
    (void)state;
    assert_true(fbs_glob_match("**/x", "x", false));
    assert_true(fbs_glob_match("**/x", "a/b/x", false));
    assert_true(fbs_glob_match("a/**/x", "a//x", false));
    assert_false(fbs_glob_match("a/**/x", "ax", false));
    assert_true(fbs_glob_match("a/**", "a/b/c", false));
    assert_true(fbs_glob_match("/a**b", "a/x/b", false));
    assert_false(fbs_glob_match("/a*b", "a/x/b", false));
    assert_false(fbs_glob_match("a?b", "a/b", false));
    assert_false(fbs_glob_match("a[/]b", "a/b", false));
    assert_true(fbs_glob_match("a[]]b", "a]b", false));
    assert_true(fbs_glob_match("a\\*b", "a*b", false));
    assert_false(fbs_glob_match("a\\*b", "axb", false));
    assert_true(fbs_glob_match("src/*.c", "src/x.c", false));
    assert_true(fbs_glob_match("/", "", true));
    /* An unclosed '[' matches itself (callers reject it with fbs_glob_check). */
    assert_true(fbs_glob_match("a[b", "a[b", false));
}

/*
 * Patterns that made the backtracking matcher exponential (`*a*a*a*a*a*b` on a 200-character
 * path ran for more than 300 s). Each runs in microseconds now; before, this test timed out.
 */
static void test_text__glob_adversarial(void **state)
{
    static const char *pats[] = {
        "*a*a*a*a*a*b",
        "*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b",
        "**a**a**a**a**a**a**a**a**a**a**a**a**a**a**a**a**b",
        "**/**/**/**/**/**/**/**/**/**/**/**/**/**/**/**/b",
        "*?*?*?*?*?*?*?*?*?*?*?*?*?*?*?*?*?*?*?*?*?*?*?*?*?b",
    };
    char path[401], dirs[401];

    (void)state;
    memset(path, 'a', 400);
    path[400] = '\0';
    for (size_t i = 0; i < 400; i++)
        dirs[i] = i % 2 ? '/' : 'a';
    dirs[400] = '\0';
    for (size_t i = 0; i < sizeof(pats) / sizeof(pats[0]); i++) {
        assert_false(fbs_glob_match(pats[i], path, false));
        assert_false(fbs_glob_match(pats[i], dirs, false));
    }
    path[399] = 'b';
    assert_true(fbs_glob_match(pats[1], path, false));
    assert_true(fbs_glob_match(pats[2], path, false));
}

static void test_text__glob_check(void **state)
{
    const char *why;
    char big[FBS_GLOB_MAX + 2];

    (void)state;
    assert_true(fbs_glob_check("*.tf", &why));
    assert_null(why);
    assert_true(fbs_glob_check("a[]]b", &why));
    assert_true(fbs_glob_check("a\\[b", &why));
    assert_false(fbs_glob_check("secrets/[", &why));
    assert_string_equal(why, "unclosed '[' in pattern");
    assert_false(fbs_glob_check("[!", &why));
    assert_false(fbs_glob_check("", &why));
    memset(big, 'a', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    assert_false(fbs_glob_check(big, &why));
    assert_false(fbs_glob_match(big, big, false));
}

static void test_text__parse_size(void **state)
{
    uint64_t v;

    (void)state;
    assert_int_equal(fbs_parse_size(&v, "25MiB"), 0);
    assert_int_equal(v, 25u * 1024 * 1024);
    assert_int_equal(fbs_parse_size(&v, "512k"), 0);
    assert_int_equal(v, 512u * 1024);
    assert_int_equal(fbs_parse_size(&v, "100"), 0);
    assert_int_equal(v, 100);
    assert_int_equal(fbs_parse_size(&v, "1G"), 0);
    assert_true(fbs_parse_size(&v, "lots") < 0);
    assert_true(fbs_parse_size(&v, "5X") < 0);
    assert_true(fbs_parse_size(&v, "-5") < 0);
}

static void test_text__utf8(void **state)
{
    struct fbs_buf b = FBS_BUF_INIT;

    (void)state;
    assert_true(fbs_utf8_valid("h\xC3\xA9llo", 6));
    assert_false(fbs_utf8_valid("\xC3", 1));
    assert_false(fbs_utf8_valid("\xED\xA0\x80", 3)); /* a surrogate */
    assert_int_equal(fbs_utf8_sanitize(&b,
                                       "a\xFF"
                                       "b",
                                       3),
                     0);
    assert_string_equal(b.ptr, "a\xEF\xBF\xBD"
                               "b");
    fbs_buf_release(&b);
}

static void test_text__binary_and_casemem(void **state)
{
    (void)state;
    assert_true(fbs_is_binary("ab\0cd", 5));
    assert_false(fbs_is_binary("abcd", 4));
    assert_non_null(fbs_memcasemem("xxBreakGlass", 12, "breakglass", 10));
    assert_null(fbs_memcasemem("break", 5, "breakglass", 10));
}

struct b64_case {
    const char *in;
    size_t max;
    int rc;
    const char *out;
};

static void test_text__base64(void **state)
{
    static const struct b64_case cases[] = {
        {"aGVsbG8=", 64, 0, "hello"},
        {"aGVsbG8", 64, 0, "hello"},         /* padding optional */
        {"aGVs\n bG8=\r\n", 64, 0, "hello"}, /* whitespace skipped */
        {"-_-_", 64, 0, "\xfb\xff\xbf"},     /* URL-safe alphabet */
        {"+/+/", 64, 0, "\xfb\xff\xbf"},     /* standard alphabet */
        {"", 64, 0, ""},
        {"aGVsbG8=", 4, FBS_EPARSE, NULL},  /* over max */
        {"aGV!bG8=", 64, FBS_EPARSE, NULL}, /* bad character */
        {"aGVsb", 64, FBS_EPARSE, NULL},    /* impossible length */
        {"aG=Vs", 64, FBS_EPARSE, NULL},    /* data after padding */
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        unsigned char *out = NULL;
        size_t n = 0;
        int rc = fbs_base64_decode(&out, &n, cases[i].in, strlen(cases[i].in), cases[i].max);

        if (rc != cases[i].rc)
            fail_msg("case %zu: rc %d", i, rc);
        if (rc == 0) {
            assert_int_equal(n, strlen(cases[i].out));
            assert_memory_equal(out, cases[i].out, n);
            assert_int_equal(out[n], 0); /* NUL-terminated */
        } else {
            assert_null(out);
        }
        fbs_free(out);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_text__entropy),
        cmocka_unit_test(test_text__crc32),
        cmocka_unit_test(test_text__base62),
        cmocka_unit_test(test_text__glob),
        cmocka_unit_test(test_text__glob_semantics),
        cmocka_unit_test(test_text__glob_adversarial),
        cmocka_unit_test(test_text__glob_check),
        cmocka_unit_test(test_text__parse_size),
        cmocka_unit_test(test_text__utf8),
        cmocka_unit_test(test_text__binary_and_casemem),
        cmocka_unit_test(test_text__base64),
    };

    fbs_test_use_cmocka_alloc();
    return cmocka_run_group_tests(tests, NULL, NULL);
}
