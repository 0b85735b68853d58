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
    assert_true(fbs_is_binary("ab\0\0cd", 6));
    assert_false(fbs_is_binary("abcd", 4));
    assert_non_null(fbs_memcasemem("xxBreakGlass", 12, "breakglass", 10));
    assert_null(fbs_memcasemem("break", 5, "breakglass", 10));
}

/* A text file with a stray NUL is text; a real binary is binary by its signature or content. */
static void test_text__binary_classification(void **state)
{
    char text[4096], buf[4096];
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(text); i++)
        text[i] = i % 64 == 63 ? '\n' : (char)('a' + i % 26);
    memcpy(text + 2000, "\n\0\n", 3);
    assert_false(fbs_is_binary(text, sizeof(text)));
    /* A few NULs in a big text: still text; many: binary. */
    text[3000] = '\0';
    assert_false(fbs_is_binary(text, sizeof(text)));
    for (i = 0; i < 40; i++)
        text[100 * i + 5] = '\0';
    assert_true(fbs_is_binary(text, sizeof(text)));
    /* Control bytes without NULs. */
    for (i = 0; i < sizeof(buf); i++)
        buf[i] = i % 5 == 0 ? '\x01' : 'x';
    assert_true(fbs_is_binary(buf, sizeof(buf)));
    /* Signatures, with otherwise printable content. */
    memset(buf, 'A', sizeof(buf));
    assert_false(fbs_is_binary(buf, sizeof(buf)));
    memcpy(buf,
           "\x7f"
           "ELF",
           4);
    assert_true(fbs_is_binary(buf, sizeof(buf)));
    memcpy(buf, "SQLite format 3\0", 16);
    assert_true(fbs_is_binary(buf, sizeof(buf)));
    memcpy(buf, "PK\x03\x04", 4);
    assert_true(fbs_is_binary(buf, sizeof(buf)));
    memcpy(buf, "\x89PNG\r\n\x1a\n", 8);
    assert_true(fbs_is_binary(buf, sizeof(buf)));
    memset(buf, 'A', sizeof(buf));
    memcpy(buf, "MZ", 2);
    assert_false(fbs_is_binary(buf, sizeof(buf))); /* no PE header where e_lfanew points */
    buf[0x3c] = (char)0x80;
    buf[0x3d] = buf[0x3e] = buf[0x3f] = 0;
    memcpy(buf + 0x80, "PE\0\0", 4);
    assert_true(fbs_is_binary(buf, sizeof(buf)));
    /* Random (compressed, encrypted) bytes with a single NUL: binary; Latin-1 text: not. */
    {
        uint32_t x = 12345;

        for (i = 0; i < sizeof(buf); i++) {
            x = x * 1103515245u + 12345u;
            buf[i] = (char)(x >> 23);
            if (!buf[i])
                buf[i] = ' ';
        }
        buf[100] = '\0';
        assert_true(fbs_is_binary(buf, sizeof(buf)));
        for (i = 0; i < sizeof(buf); i++)
            buf[i] = i % 7 == 0 ? '\xe9' : (char)('a' + i % 26); /* 'é' in Latin-1 */
        assert_false(fbs_is_binary(buf, sizeof(buf)));
    }
    /* UTF-16 text is not binary. */
    for (i = 0; i < 256; i++) {
        buf[2 * i] = (char)('a' + i % 26);
        buf[2 * i + 1] = '\0';
    }
    assert_false(fbs_is_binary(buf, 512));
}

static void test_text__wide_encodings(void **state)
{
    static const char le16[] = "k\0e\0y\0=\0\xe9\0\x3d\xd8\x00\xde\n\0"; /* key=é😀\n */
    static const char be16[] = "\0k\0e\0y\0=\0\xe9\xd8\x3d\xde\x00\0\n";
    static const char le32[] = "k\0\0\0e\0\0\0y\0\0\0=\0\0\0\xe9\0\0\0\x00\xf6\x01\0\n\0\0\0";
    const char want[] = "key=\xc3\xa9\xf0\x9f\x98\x80\n";
    struct fbs_buf b = FBS_BUF_INIT;
    char bom16[2 + sizeof(le16) - 1];
    size_t bom;

    (void)state;
    assert_int_equal(fbs_text_encoding(le16, sizeof(le16) - 1, &bom), FBS_ENC_UTF16LE);
    assert_int_equal(bom, 0);
    assert_int_equal(fbs_text_encoding(be16, sizeof(be16) - 1, &bom), FBS_ENC_UTF16BE);
    assert_int_equal(fbs_text_encoding(le32, sizeof(le32) - 1, &bom), FBS_ENC_UTF32LE);
    assert_int_equal(fbs_text_encoding("plain text", 10, &bom), FBS_ENC_BYTES);
    memcpy(bom16, "\xff\xfe", 2);
    memcpy(bom16 + 2, le16, sizeof(le16) - 1);
    assert_int_equal(fbs_text_encoding(bom16, sizeof(bom16), &bom), FBS_ENC_UTF16LE);
    assert_int_equal(bom, 2);
    assert_int_equal(fbs_text_encoding("\0\0\xfe\xff", 4, &bom), FBS_ENC_UTF32BE);
    assert_int_equal(bom, 4);
    assert_string_equal(fbs_text_encoding_name(FBS_ENC_UTF16BE), "utf16be");

    assert_int_equal(fbs_text_decode(&b, le16, sizeof(le16) - 1, FBS_ENC_UTF16LE), 0);
    assert_string_equal(b.ptr, want);
    fbs_buf_truncate(&b, 0);
    assert_int_equal(fbs_text_decode(&b, be16, sizeof(be16) - 1, FBS_ENC_UTF16BE), 0);
    assert_string_equal(b.ptr, want);
    fbs_buf_truncate(&b, 0);
    assert_int_equal(fbs_text_decode(&b, le32, sizeof(le32) - 1, FBS_ENC_UTF32LE), 0);
    assert_string_equal(b.ptr, want);
    /* An unpaired surrogate and a trailing odd byte become U+FFFD. */
    fbs_buf_truncate(&b, 0);
    assert_int_equal(fbs_text_decode(&b,
                                     "a\0\x00\xd8"
                                     "b\0c",
                                     7, FBS_ENC_UTF16LE),
                     0);
    assert_string_equal(b.ptr, "a\xef\xbf\xbd"
                               "b\xef\xbf\xbd");
    fbs_buf_release(&b);
}

static void test_text__line_ends_and_strings(void **state)
{
    unsigned char t[] = "a\rb\r\nc\r";
    static const char bin[] = "\x01\x02short\0printable run one\xff\x80"
                              "second printable\0tail";
    struct fbs_buf out = FBS_BUF_INIT;
    struct fbs_text_run *runs = NULL;
    size_t n = 0, cap = 0;

    (void)state;
    assert_true(fbs_has_lone_cr(t, sizeof(t) - 1));
    assert_false(fbs_has_lone_cr("a\r\nb\n", 5));
    fbs_lone_cr_to_lf(t, sizeof(t) - 1);
    assert_string_equal((char *)t, "a\nb\r\nc\n");

    assert_int_equal(fbs_text_strings(&out, &runs, &n, &cap, bin, sizeof(bin) - 1, 8), 0);
    assert_string_equal(out.ptr, "printable run one\nsecond printable\n");
    assert_int_equal(n, 2);
    assert_int_equal(runs[0].start, 0);
    assert_int_equal(runs[0].origin, 8);
    assert_int_equal(runs[1].start, 18);
    assert_int_equal(runs[1].origin, 27);
    assert_int_equal(runs[1].width, 1);
    /* UTF-16LE runs (strings -el) come after the byte runs, at either alignment. */
    fbs_buf_truncate(&out, 0);
    assert_int_equal(fbs_text_strings(&out, &runs, &n, &cap,
                                      "\x01\x02\x03t\0o\0k\0e\0n\0=\0a\0b\0c\0\xff\xff", 23, 8),
                     0);
    assert_string_equal(out.ptr, "token=abc\n");
    assert_int_equal(n, 1);
    assert_int_equal(runs[0].origin, 3);
    assert_int_equal(runs[0].width, 2);
    fbs_free(runs);
    fbs_buf_release(&out);
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
        cmocka_unit_test(test_text__binary_classification),
        cmocka_unit_test(test_text__wide_encodings),
        cmocka_unit_test(test_text__line_ends_and_strings),
        cmocka_unit_test(test_text__base64),
    };

    fbs_test_use_cmocka_alloc();
    return cmocka_run_group_tests(tests, NULL, NULL);
}
