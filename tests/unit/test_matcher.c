/* test_matcher.c - match/: Vectorscan stage, PCRE2 confirmation, rule tests and filters. */
#include "support/test_support.h"

#include "scanner/core/alloc.h"
#include "scanner/core/buf.h"
#include "scanner/core/error.h"
#include "scanner/core/text.h"
#include "scanner/match/match.h"

#include <stdio.h>
#include <string.h>

#include "scanner/core/banned.h"

/* Rules used by most cases. Every rule needs examples; they are not what is tested here. */
#define EX "    examples: ['x']\n    negative_examples: ['y']\n"
static const char base_rules[] =
    "rules:\n"
    "  - id: test.akia\n"
    "    name: Access key\n"
    "    kind: aws_access_key\n"
    "    pattern: 'AKIA[0-9A-Z]{16}'\n" EX "  - id: test.tok\n"
    "    name: Token\n"
    "    kind: tok\n"
    "    pattern: 'tok_([A-Za-z0-9]{20})'\n"
    "    secret_group: 1\n" EX "  - id: test.kw\n"
    "    name: Keyword gated\n"
    "    kind: kw\n"
    "    pattern: 'kw_[a-z0-9]{12}'\n"
    "    keywords: [deploykey, DEPLOY-TOKEN]\n" EX "  - id: test.ent\n"
    "    name: Entropy gated\n"
    "    kind: ent\n"
    "    pattern: 'ent_([A-Za-z0-9]{16})'\n"
    "    secret_group: 1\n"
    "    entropy_min: 3.5\n" EX "  - id: test.gh\n"
    "    name: Checksummed token\n"
    "    kind: gh\n"
    "    pattern: 'ghx_[A-Za-z0-9]{36}'\n"
    "    validate: github_crc32\n" EX "  - id: test.secret\n"
    "    name: Secret line\n"
    "    kind: secret_line\n"
    "    pattern: 'secret: ([^\\n]+)'\n"
    "    secret_group: 1\n" EX "  - id: test.hexline\n"
    "    name: Hex line\n"
    "    kind: hexline\n"
    "    pattern: '[0-9a-f]{64,}'\n" EX "  - id: test.pem\n"
    "    name: PEM-like block\n"
    "    kind: pem_key\n"
    "    pattern: '-----BEGIN TEST KEY-----\\n[A-Za-z0-9+/=\\n]+-----END TEST KEY-----'\n" EX;

struct recs {
    size_t n;
    struct fbs_match m[64];
    bool ordered;       /* secret starts never decreased */
    size_t last_secret; /* secret_start of the previous callback */
    int stop_after;     /* return 7 from the callback after this many (0 = never) */
};

static int record(const struct fbs_match *m, void *payload)
{
    struct recs *r = payload;

    if (r->n && m->secret_start < r->last_secret)
        r->ordered = false;
    r->last_secret = m->secret_start;
    if (r->n < sizeof(r->m) / sizeof(r->m[0]))
        r->m[r->n] = *m;
    r->n++;
    if (r->stop_after && r->n == (size_t)r->stop_after)
        return 7;
    return 0;
}

static struct fbs_ruleset *build(const char *yaml)
{
    struct fbs_ruleset *rs = NULL;

    assert_int_equal(fbs_ruleset_new(&rs), 0);
    if (fbs_ruleset_add_text(rs, "test.yml", yaml, strlen(yaml)) < 0)
        fail_msg("rules: %s", fbs_error_message());
    if (fbs_ruleset_compile(rs) < 0)
        fail_msg("compile: %s", fbs_error_message());
    return rs;
}

struct fixture {
    struct fbs_ruleset *rs;
    struct fbs_matcher *m;
};

static struct fixture setup_rules(const char *yaml)
{
    struct fixture fx;

    fx.rs = build(yaml);
    assert_int_equal(fbs_matcher_new(&fx.m, fx.rs), 0);
    return fx;
}

static void teardown_rules(struct fixture *fx)
{
    fbs_matcher_free(fx->m);
    fbs_ruleset_free(fx->rs);
}

/* Scan a C string; fills *r (zeroed first). */
static int scan_opts(struct fixture *fx, const char *text, size_t len,
                     const struct fbs_match_opts *opts, struct recs *r)
{
    memset(r, 0, sizeof(*r));
    r->ordered = true;
    return fbs_matcher_scan(fx->m, (const unsigned char *)text, len, opts, record, r);
}

static void scan(struct fixture *fx, const char *text, struct recs *r)
{
    static const struct fbs_match_opts opts = {false, false, NULL};

    assert_int_equal(scan_opts(fx, text, strlen(text), &opts, r), 0);
    assert_true(r->ordered);
}

static const char *rule_of(const struct recs *r, size_t i)
{
    return r->m[i].rule->id;
}

static void assert_secret(const char *text, const struct fbs_match *m, const char *want)
{
    size_t n = m->secret_end - m->secret_start;

    if (n != strlen(want) || memcmp(text + m->secret_start, want, n))
        fail_msg("secret '%.*s', want '%s'", (int)n, text + m->secret_start, want);
}

/* A GitHub-style token: prefix + 30 base62 characters + their CRC-32 as 6 base62 digits. */
static void make_crc_token(char out[41], const char *prefix4, const char *body30, bool corrupt)
{
    static const char alpha[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    uint32_t crc = fbs_crc32(body30, 30);
    int i;

    memcpy(out, prefix4, 4);
    memcpy(out + 4, body30, 30);
    for (i = 5; i >= 0; i--) {
        out[34 + i] = alpha[crc % 62];
        crc /= 62;
    }
    if (corrupt)
        out[39] = out[39] == 'A' ? 'B' : 'A';
    out[40] = '\0';
}

/* ---------------------------------------------------------------------------------------------- */

static void test_matcher__offsets(void **state)
{
    struct fixture fx = setup_rules(base_rules);
    static const char text[] = "id: AKIAQWERTYUIOPASDFGH\n"
                               "token = \"tok_Ab3dEf6hIj9kLm2nOp5q\" # x\n";
    struct recs r;

    (void)state;
    scan(&fx, text, &r);
    assert_int_equal(r.n, 2);
    assert_string_equal(rule_of(&r, 0), "test.akia");
    assert_int_equal(r.m[0].start, 4);
    assert_int_equal(r.m[0].end, 24);
    assert_int_equal(r.m[0].secret_start, 4); /* no secret group: the whole match */
    assert_int_equal(r.m[0].secret_end, 24);
    assert_string_equal(rule_of(&r, 1), "test.tok");
    assert_int_equal(r.m[1].start, 34);
    assert_int_equal(r.m[1].end, 58);
    assert_int_equal(r.m[1].secret_start, 38);
    assert_int_equal(r.m[1].secret_end, 58);
    assert_secret(text, &r.m[1], "Ab3dEf6hIj9kLm2nOp5q");
    assert_int_equal(fbs_matcher_counts(fx.m)->confirmed, 2);
    assert_true(fbs_matcher_counts(fx.m)->hits >= 2);
    teardown_rules(&fx);
}

static void test_matcher__multiple_occurrences(void **state)
{
    struct fixture fx = setup_rules(base_rules);
    static const char text[] = "AKIAQWERTYUIOPASDFGH AKIAZXCVBNMLKJHGFDSA\n"
                               "AKIA1111222233334444AKIA5555666677778888\n" /* adjacent */
                               "xAKIAPOIUYTREWQLKJHGFDx\n";
    static const char *const want[] = {"AKIAQWERTYUIOPASDFGH", "AKIAZXCVBNMLKJHGFDSA",
                                       "AKIA1111222233334444", "AKIA5555666677778888",
                                       "AKIAPOIUYTREWQLKJHGF"};
    struct recs r;
    size_t i;

    (void)state;
    scan(&fx, text, &r);
    assert_int_equal(r.n, 5);
    for (i = 0; i < 5; i++) {
        assert_string_equal(rule_of(&r, i), "test.akia");
        assert_secret(text, &r.m[i], want[i]);
        if (i)
            assert_true(r.m[i].start >= r.m[i - 1].end);
    }
    /* The matcher is reusable: a second blob starts clean. */
    scan(&fx, "nothing here", &r);
    assert_int_equal(r.n, 0);
    scan(&fx, "", &r);
    assert_int_equal(r.n, 0);
    teardown_rules(&fx);
}

/* Deterministic pseudo-random alphanumerics. */
static void fill_random(char *p, size_t n, uint32_t seed)
{
    static const char alpha[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    size_t i;

    for (i = 0; i < n; i++) {
        seed = seed * 1103515245u + 12345u;
        p[i] = alpha[(seed >> 16) % 62];
    }
}

/* Count of non-overlapping leftmost matches of `pattern` over data, as PCRE2 finds them. */
static size_t pcre2_count(const char *pattern, const char *data, size_t len)
{
    int err;
    PCRE2_SIZE off;
    pcre2_code *re = pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED, 0, &err, &off, NULL);
    pcre2_match_data *md;
    size_t n = 0, pos = 0;

    assert_non_null(re);
    md = pcre2_match_data_create_from_pattern(re, NULL);
    while (pos <= len && pcre2_match(re, (PCRE2_SPTR)data, len, pos, 0, md, NULL) >= 0) {
        PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);

        n++;
        pos = ov[1] > ov[0] ? ov[1] : ov[0] + 1;
    }
    pcre2_match_data_free(md);
    pcre2_code_free(re);
    return n;
}

/* Every match of `r` is 40 bytes, they do not overlap and come in order. */
static void assert_tiling(const struct recs *r)
{
    size_t i;

    for (i = 0; i < r->n && i < sizeof(r->m) / sizeof(r->m[0]); i++) {
        assert_int_equal(r->m[i].end - r->m[i].start, 40);
        if (i)
            assert_true(r->m[i].start >= r->m[i - 1].end);
    }
}

static void test_matcher__long_run_bounded_rule(void **state)
{
    /*
     * binary: true skips the placeholder/reference filters (see long_single_line for what they
     * cost on one long line), so this measures the Vectorscan + confirmation stages alone: one
     * contiguous 1 MiB run merges into a single hit range of ~1M ends.
     */
    static const char rules[] = "rules:\n"
                                "  - id: test.b40\n"
                                "    name: Forty\n"
                                "    kind: b40\n"
                                "    pattern: '[A-Za-z0-9]{40}'\n"
                                "    binary: true\n" EX;
    struct fixture fx = setup_rules(rules);
    static const struct fbs_match_opts opts = {false, false, NULL};
    const size_t len = 1u << 20;
    char *data = fbs_malloc(len);
    const struct fbs_match_counts *c;
    size_t want;
    struct recs r;

    (void)state;
    fill_random(data, len, 42);
    want = pcre2_count("[A-Za-z0-9]{40}", data, len);
    assert_int_equal(want, len / 40);
    assert_int_equal(scan_opts(&fx, data, len, &opts, &r), 0);
    assert_true(r.ordered);
    assert_tiling(&r);
    c = fbs_matcher_counts(fx.m);
    assert_int_equal(c->confirmed, want);
    assert_int_equal(r.n, want);
    assert_int_equal(r.m[0].start, 0);
    assert_int_equal(c->overflow_blobs, 0);
    assert_int_equal(c->regex_errors, 0);
    fbs_free(data);
    teardown_rules(&fx);
}

static void test_matcher__long_lines_with_filters(void **state)
{
    static const char rules[] = "rules:\n"
                                "  - id: test.b40\n"
                                "    name: Forty\n"
                                "    kind: b40\n"
                                "    pattern: '[A-Za-z0-9]{40}'\n" EX;
    struct fixture fx = setup_rules(rules);
    static const struct fbs_match_opts opts = {false, false, NULL};
    const size_t len = 128u << 10;
    char *data = fbs_malloc(len);
    const struct fbs_match_counts *c;
    size_t want, i;
    struct recs r;

    (void)state;
    /* 512-byte lines: many matches per line, every one through the filters. */
    fill_random(data, len, 42);
    for (i = 511; i < len; i += 512)
        data[i] = '\n';
    want = pcre2_count("[A-Za-z0-9]{40}", data, len);
    assert_true(want > 3000);
    assert_int_equal(scan_opts(&fx, data, len, &opts, &r), 0);
    assert_true(r.ordered);
    assert_tiling(&r);
    c = fbs_matcher_counts(fx.m);
    assert_int_equal(c->confirmed, want);
    /* Whatever the filters dropped (random text can spell "xxxx") is accounted for. */
    assert_int_equal(r.n + c->placeholder + c->reference + c->filtered, c->confirmed);
    assert_true(r.n > want - 10);
    fbs_free(data);
    teardown_rules(&fx);
}

static void test_matcher__long_single_line(void **state)
{
    static const char rules[] = "rules:\n"
                                "  - id: test.b40\n"
                                "    name: Forty\n"
                                "    kind: b40\n"
                                "    pattern: '[A-Za-z0-9]{40}'\n" EX;
    struct fixture fx;
    static const struct fbs_match_opts opts = {false, false, NULL};
    const size_t len = 1u << 20;
    char *data;
    struct recs r;

    (void)state;
    /*
     * Was a bug (fixed): fbs_filter_secret() walks back to the start of the secret's line and
     * searches that whole prefix for every reference mark, for every match. On one 1 MiB line (a
     * minified bundle, a data: URI, a base64 blob without line breaks) with ~26 000 matches that is
     * quadratic: ~26 000 x 23 searches over ~0.5 MiB each, minutes instead of milliseconds.
     * It also makes any "${", "ssm:", "ref+" ... anywhere earlier on a long line turn every later
     * secret on it into a "reference". Expected: the look-back bounded (e.g. 256 bytes or the
     * enclosing key/value), scan well under a second; actual: does not finish in a reasonable
     * time (~3 minutes). The same bytes in 1 KiB lines take well under a second, in 64 KiB lines
     * ~12 s; with a binary rule (no filters) ~0.05 s (long_run_bounded_rule).
     */
    fx = setup_rules(rules);
    data = fbs_malloc(len);
    fill_random(data, len, 42);
    assert_int_equal(scan_opts(&fx, data, len, &opts, &r), 0);
    assert_int_equal(fbs_matcher_counts(fx.m)->confirmed,
                     pcre2_count("[A-Za-z0-9]{40}", data, len));
    fbs_free(data);
    teardown_rules(&fx);
}

static void test_matcher__reference_mark_far_back_on_line(void **state)
{
    struct fixture fx;
    struct recs r;
    /* One minified JSON line: an unrelated template reference, then a real key. */
    static const char text[] =
        "{\"url\":\"https://${HOST}/api\",\"n\":1,\"aws\":\"AKIAQWERTYUIOPASDFGH\"}";

    (void)state;
    /*
     * Was a bug (fixed): any reference mark ("${", "{{", "ssm:", "vault:", "valuefrom", ...)
     * anywhere before the secret on its line makes it a reference, however far back and in whatever
     * unrelated value. On minified JSON every secret after the first "${" is dropped. Expected: 1
     * match (the access key); actual: 0, counted as reference.
     */
    fx = setup_rules(base_rules);
    scan(&fx, text, &r);
    assert_int_equal(r.n, 1);
    assert_int_equal(fbs_matcher_counts(fx.m)->reference, 0);
    teardown_rules(&fx);
}

static void test_matcher__window_widening(void **state)
{
    struct fixture fx = setup_rules(base_rules);
    struct fbs_buf b = FBS_BUF_INIT;
    size_t begin, end, i;
    char line[65];
    struct recs r;

    (void)state;
    /* Prose before, so the first windows start inside the text, not at offset 0. */
    for (i = 0; i < 200; i++)
        assert_int_equal(fbs_buf_puts(&b, "Some prose about keys and where they live.\n"), 0);
    begin = b.len;
    assert_int_equal(fbs_buf_puts(&b, "-----BEGIN TEST KEY-----\n"), 0);
    for (i = 0; i < 48; i++) {
        fill_random(line, 64, (uint32_t)i + 1);
        line[64] = '\0';
        assert_int_equal(fbs_buf_printf(&b, "%s\n", line), 0);
    }
    assert_int_equal(fbs_buf_puts(&b, "-----END TEST KEY-----"), 0);
    end = b.len;
    assert_int_equal(fbs_buf_puts(&b, "\ntrailing text\n"), 0);
    assert_true(end - begin > 3000);
    scan(&fx, b.ptr, &r);
    assert_int_equal(r.n, 1);
    assert_string_equal(rule_of(&r, 0), "test.pem");
    assert_int_equal(r.m[0].start, begin); /* the whole block, not a window-sized tail */
    assert_int_equal(r.m[0].end, end);
    assert_int_equal(r.m[0].secret_start, begin);
    assert_int_equal(r.m[0].secret_end, end);
    fbs_buf_release(&b);
    teardown_rules(&fx);
}

static void test_matcher__window_widening_long_run(void **state)
{
    static const char rules[] = "rules:\n"
                                "  - id: test.long\n"
                                "    name: Long\n"
                                "    kind: long\n"
                                "    pattern: 'L=([A-Za-z0-9]{300,})'\n"
                                "    secret_group: 1\n" EX "  - id: test.min300\n"
                                "    name: At least 300\n"
                                "    kind: min300\n"
                                "    pattern: '[0-9]{300,}'\n" EX;
    struct fixture fx = setup_rules(rules);
    char text[4200];
    struct recs r;

    (void)state;
    memset(text, ' ', sizeof(text));
    memcpy(text + 10, "L=", 2);
    fill_random(text + 12, 2000, 7);
    {
        /* One 2000-digit run: every window start is inside it. */
        uint32_t seed = 99;
        size_t i;

        for (i = 2100; i < 4100; i++) {
            seed = seed * 1103515245u + 12345u;
            text[i] = (char)('0' + (seed >> 16) % 10);
        }
    }
    text[sizeof(text) - 1] = '\0';
    scan(&fx, text, &r);
    assert_int_equal(r.n, 2);
    assert_string_equal(rule_of(&r, 0), "test.long");
    assert_int_equal(r.m[0].start, 10);
    assert_int_equal(r.m[0].secret_start, 12);
    assert_int_equal(r.m[0].secret_end, 2012);
    assert_string_equal(rule_of(&r, 1), "test.min300");
    assert_int_equal(r.m[1].start, 2100);
    assert_int_equal(r.m[1].end, 4100);
    assert_int_equal(fbs_matcher_counts(fx.m)->confirmed, 2);
    teardown_rules(&fx);
}

static void test_matcher__window_suffix_match(void **state)
{
    /* A match made of a repeated multi-byte unit with nothing distinctive at its start. */
    static const char rules[] = "rules:\n"
                                "  - id: test.pairs\n"
                                "    name: Pairs\n"
                                "    kind: pairs\n"
                                "    pattern: '(?:q[0-9]){4,}Z'\n" EX;
    struct fixture fx;
    char text[1000];
    struct recs r;
    size_t i;

    (void)state;
    for (i = 0; i < 900; i += 2) {
        text[i] = 'q';
        text[i + 1] = (char)('0' + i % 10);
    }
    text[900] = 'Z';
    text[901] = '\0';
    /*
     * Was a bug (fixed): the confirmation window accepts the first match found in the window when
     * it starts after the window start S, but that match can be a suffix of a longer one starting
     * before S: here PCRE2 over the blob gives [0, 901), the matcher [646, 901) (the first window
     * is 256 bytes before the only Vectorscan end; a match starting at S+1 is taken as whole). Only
     * patterns without a distinctive start are affected. Expected start 0; actual 646.
     */
    fx = setup_rules(rules);
    scan(&fx, text, &r);
    assert_int_equal(r.n, 1);
    assert_int_equal(r.m[0].start, 0);
    assert_int_equal(r.m[0].end, 901);
    teardown_rules(&fx);
}

/*
 * Confirmation is linear in the blob: a hit that PCRE2 does not confirm is not searched back to
 * the blob's start again by every later hit, and a bounded rule never looks further back than
 * its longest match. (Before, 2,000 unconfirmed hits in a 200 KB blob asked for about 200 MB of
 * match starts.) The one real match at the end is still found, and so is a long unbounded one.
 */
static void test_matcher__confirm_linear(void **state)
{
    static const char rules[] = "rules:\n"
                                "  - id: test.unbounded\n"
                                "    name: Unbounded\n"
                                "    kind: tok\n"
                                "    pattern: 'tok_(?:[a-z]+_)*key=([0-9]{8,})'\n"
                                "    scan_pattern: 'key='\n"
                                "    secret_group: 1\n" EX "  - id: test.bounded\n"
                                "    name: Bounded\n"
                                "    kind: tok\n"
                                "    pattern: 'zed=([0-9]{8})(?:[^0-9]|\\z)'\n"
                                "    scan_pattern: 'zed='\n"
                                "    secret_group: 1\n" EX;
    struct fbs_buf text = FBS_BUF_INIT;
    struct fixture fx;
    struct recs r;
    size_t i;

    (void)state;
    fx = setup_rules(rules);
    for (i = 0; i < 2000; i++)
        assert_int_equal(fbs_buf_puts(&text, "filler text, key=none zed=x and more words\n"
                                             "another line of ordinary code here ....\n"),
                         0);
    assert_int_equal(fbs_buf_puts(&text, "tok_"), 0);
    for (i = 0; i < 300; i++) /* a 1,800-byte match: longer than any window */
        assert_int_equal(fbs_buf_puts(&text, "abcde_"), 0);
    assert_int_equal(fbs_buf_puts(&text, "key=73920581 zed=46190273\n"), 0);
    {
        const struct fbs_match_opts o = {false, false, NULL};

        assert_int_equal(scan_opts(&fx, text.ptr, text.len, &o, &r), 0);
    }
    assert_int_equal(r.n, 2);
    assert_string_equal(rule_of(&r, 0), "test.unbounded");
    assert_secret(text.ptr, &r.m[0], "73920581");
    assert_string_equal(rule_of(&r, 1), "test.bounded");
    assert_secret(text.ptr, &r.m[1], "46190273");
    assert_true(fbs_matcher_counts(fx.m)->hits >= 4000);
    if (fbs_matcher_counts(fx.m)->searched > 8 * (uint64_t)text.len)
        fail_msg("confirmation asked for %llu match starts in a %zu-byte blob",
                 (unsigned long long)fbs_matcher_counts(fx.m)->searched, text.len);
    fbs_buf_release(&text);
    teardown_rules(&fx);
}

static void test_matcher__keywords_gate(void **state)
{
    struct fixture fx = setup_rules(base_rules);
    struct fbs_buf b = FBS_BUF_INIT;
    struct recs r;
    size_t i;

    (void)state;
    scan(&fx, "deploykey: kw_ab12cd34ef56\n", &r);
    assert_int_equal(r.n, 1);
    scan(&fx, "Deploy-Token=kw_ab12cd34ef56\n", &r); /* case-insensitive */
    assert_int_equal(r.n, 1);
    scan(&fx, "value: kw_ab12cd34ef56\n", &r);
    assert_int_equal(r.n, 0);
    assert_int_equal(fbs_matcher_counts(fx.m)->filtered, 1);
    /* The keyword must be near: within 256 bytes before the match. */
    assert_int_equal(fbs_buf_puts(&b, "deploykey\n"), 0);
    for (i = 0; i < 30; i++)
        assert_int_equal(fbs_buf_puts(&b, "filler filler\n"), 0);
    assert_int_equal(fbs_buf_puts(&b, "v: kw_ab12cd34ef56\n"), 0);
    scan(&fx, b.ptr, &r);
    assert_int_equal(r.n, 0);
    fbs_buf_release(&b);
    teardown_rules(&fx);
}

static void test_matcher__entropy_gate(void **state)
{
    struct fixture fx = setup_rules(base_rules);
    struct recs r;

    (void)state;
    scan(&fx, "ent_A1b2C3d4E5f6G7h8\n", &r); /* 4 bits/char */
    assert_int_equal(r.n, 1);
    scan(&fx, "ent_abababababcdcdcd\n", &r); /* < 2 bits/char */
    assert_int_equal(r.n, 0);
    assert_int_equal(fbs_matcher_counts(fx.m)->filtered, 1);
    assert_int_equal(fbs_matcher_counts(fx.m)->placeholder, 0);
    teardown_rules(&fx);
}

static void test_matcher__github_crc32(void **state)
{
    struct fixture fx = setup_rules(base_rules);
    char good[41], bad[41], text[100];
    struct recs r;

    (void)state;
    make_crc_token(good, "ghx_", "Q3vT9kLm2nOp5qRs8uVw1xYz4AbCdE", false);
    make_crc_token(bad, "ghx_", "Q3vT9kLm2nOp5qRs8uVw1xYz4AbCdE", true);
    snprintf(text, sizeof(text), "token: %s\n", good);
    scan(&fx, text, &r);
    assert_int_equal(r.n, 1);
    assert_secret(text, &r.m[0], good);
    snprintf(text, sizeof(text), "token: %s\n", bad);
    scan(&fx, text, &r);
    assert_int_equal(r.n, 0);
    assert_int_equal(fbs_matcher_counts(fx.m)->filtered, 1);
    teardown_rules(&fx);
}

static void test_matcher__validate_github_crc32_direct(void **state)
{
    char tok[41];
    char lower_first[41];

    (void)state;
    make_crc_token(tok, "ghp_", "aB3dEf6hIj9kLm2nOp5qRs8uVw1xYz", false);
    assert_true(fbs_validate_github_crc32(tok, 40));
    make_crc_token(tok, "ghp_", "aB3dEf6hIj9kLm2nOp5qRs8uVw1xYz", true);
    assert_false(fbs_validate_github_crc32(tok, 40));
    make_crc_token(tok, "npm_", "000000000000000000000000000000", false);
    assert_true(fbs_validate_github_crc32(tok, 40));
    /* The other digit order (lower case before upper case) is accepted too. */
    {
        static const char alpha[] =
            "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
        uint32_t crc = fbs_crc32("aB3dEf6hIj9kLm2nOp5qRs8uVw1xYz", 30);
        int i;

        memcpy(lower_first, "ghp_aB3dEf6hIj9kLm2nOp5qRs8uVw1xYz", 34);
        for (i = 5; i >= 0; i--) {
            lower_first[34 + i] = alpha[crc % 62];
            crc /= 62;
        }
        lower_first[40] = '\0';
        assert_true(fbs_validate_github_crc32(lower_first, 40));
    }
    /* Shape errors. */
    make_crc_token(tok, "ghp_", "aB3dEf6hIj9kLm2nOp5qRs8uVw1xYz", false);
    assert_false(fbs_validate_github_crc32(tok, 39));          /* too short */
    assert_false(fbs_validate_github_crc32(tok + 4, 36));      /* no '_' */
    assert_false(fbs_validate_github_crc32("ghp_", 4));        /* empty body */
    assert_false(fbs_validate_github_crc32("ghp_!!!!!!", 10)); /* not base62 */
    tok[36] = '-';
    assert_false(fbs_validate_github_crc32(tok, 40)); /* checksum digit outside the alphabet */
}

static void test_matcher__placeholders(void **state)
{
    struct fixture fx = setup_rules(base_rules);
    static const char *const texts[] = {
        "aws_access_key_id = AKIAIOSFODNN7EXAMPLE\n",
        "secret: changeme\n",
        "secret: <REPLACE_ME>\n",
        "secret: xxxxxxxx\n",
        "secret: your_api_key_here\n",
        "secret: password\n",
        "secret: ********\n",
        "secret: 00000000-0000-0000-0000-000000000000\n",
        "secret: <your token here>\n",
    };
    struct recs r;
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
        scan(&fx, texts[i], &r);
        if (r.n != 0)
            fail_msg("'%s' was kept", texts[i]);
        assert_int_equal(fbs_matcher_counts(fx.m)->placeholder, i + 1);
    }
    assert_int_equal(fbs_matcher_counts(fx.m)->reference, 0);
    /* A real-looking value is kept. */
    scan(&fx, "secret: Tr0ub4dor&3-horse\n", &r);
    assert_int_equal(r.n, 1);
    assert_secret("secret: Tr0ub4dor&3-horse\n", &r.m[0], "Tr0ub4dor&3-horse");
    teardown_rules(&fx);
}

static void test_matcher__references(void **state)
{
    struct fixture fx = setup_rules(base_rules);
    static const struct {
        const char *text;
        bool ciphertext; /* counted as ciphertext, not as a reference */
    } texts[] = {
        {"secret: ${DB_PASSWORD}\n", false},
        {"secret: {{ .Values.x }}\n", false},
        {"secret: $(vault kv get -field=password secret/db)\n", false},
        {"secret: ENC[AES256_GCM,data:Tr0ub4dor3hx,iv:q1w2e3r4t5y6,tag:zxcvbnmasdfg,type:str]\n",
         true},
        {"secret: var.db_password\n", false},
        {"secret: $DB_PASSWORD\n", false},
        {"secret: op://vault/item/field\n", false},
        {"password: !vault |\n"
         "  $ANSIBLE_VAULT;1.1;AES256\n"
         "  62313365396662343061393464336163383764373764613633653634306231386433626436623361\n"
         "  6232626630643236373661376634353339643763626261360a383530653335303862626235353137\n",
         true},
        /* A Bitnami sealed secret: every value under encryptedData is ciphertext. */
        {"kind: SealedSecret\n"
         "spec:\n"
         "  encryptedData:\n"
         "    password: AgBy3i4OJSWK+PiTySYZZA9rO43cGDEq8Rkx4sFvZ9Wn3GmCxyIdOq9l9mGq0rUuNd0m2\n"
         "    secret: AgCx9k2LmN4pQ7rS1tU3vW5xY8zA0bC2dE4fG6hI8jK0lM2nO4pQ6rS8tU0vW2xY4zA6b\n",
         true},
        {"{\"kind\": \"SealedSecret\", \"spec\": {\"encryptedData\": {\"k\": "
         "\"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08\"}}}\n",
         true},
    };
    struct recs r;
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
        const struct fbs_match_counts *c = fbs_matcher_counts(fx.m);
        uint64_t ref = c->reference, ct = c->ciphertext;

        scan(&fx, texts[i].text, &r);
        if (r.n != 0)
            fail_msg("'%s' was kept (%s)", texts[i].text, rule_of(&r, 0));
        if (texts[i].ciphertext ? c->ciphertext <= ct || c->reference != ref
                                : c->reference <= ref || c->ciphertext != ct)
            fail_msg("'%s' not counted as %s", texts[i].text,
                     texts[i].ciphertext ? "ciphertext" : "a reference");
    }
    assert_int_equal(fbs_matcher_counts(fx.m)->placeholder, 0);
    /* After a blank line the vault block is over: a hex secret there counts again. */
    scan(&fx,
         "x: !vault |\n"
         "  $ANSIBLE_VAULT;1.1;AES256\n"
         "  6231\n"
         "\n"
         "k: 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08\n",
         &r);
    assert_int_equal(r.n, 1);
    assert_string_equal(rule_of(&r, 0), "test.hexline");
    /* Out of the encryptedData block (back at its indentation), values count again. */
    scan(&fx,
         "spec:\n"
         "  encryptedData:\n"
         "    secret: AgBy3i4OJSWK+PiTySYZZA9rO43cGDEq8Rkx4sFvZ9Wn3GmCxyIdOq9l9mGq0rUuNd0m2\n"
         "  template:\n"
         "    k: 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08\n",
         &r);
    assert_int_equal(r.n, 1);
    teardown_rules(&fx);
}

static void test_matcher__filter_secret_direct(void **state)
{
    struct {
        const char *line, *secret;
        enum fbs_filter_verdict want;
    } cases[] = {
        {"key: AKIAIOSFODNN7EXAMPLE", "AKIAIOSFODNN7EXAMPLE", FBS_FILTER_PLACEHOLDER},
        {"pw: changeme", "changeme", FBS_FILTER_PLACEHOLDER},
        {"pw: CHANGE_ME_PLEASE", "CHANGE_ME_PLEASE", FBS_FILTER_PLACEHOLDER},
        {"pw: <REPLACE_ME>", "<REPLACE_ME>", FBS_FILTER_PLACEHOLDER},
        {"pw: xxxxxxxx", "xxxxxxxx", FBS_FILTER_PLACEHOLDER},
        {"pw: aaaaaaaaaaab", "aaaaaaaaaaab", FBS_FILTER_PLACEHOLDER},
        {"pw: None", "None", FBS_FILTER_PLACEHOLDER},
        {"pw: ${DB_PASSWORD}", "${DB_PASSWORD}", FBS_FILTER_REFERENCE},
        {"pw: \"${DB_PASSWORD}\"", "DB_PASSWORD", FBS_FILTER_REFERENCE}, /* mark before it */
        {"pw: {{ .Values.x }}", "{{ .Values.x }}", FBS_FILTER_REFERENCE},
        {"pw: $(vault kv get x)", "$(vault kv get x)", FBS_FILTER_REFERENCE},
        {"pw: ENC[AES256_GCM,data:x]", "ENC[AES256_GCM,data:x]", FBS_FILTER_CIPHERTEXT},
        {"pw = var.db_password", "var.db_password", FBS_FILTER_REFERENCE},
        {"pw = local.creds.pw", "local.creds.pw", FBS_FILTER_REFERENCE},
        {"pw: $PASSWORD", "$PASSWORD", FBS_FILTER_REFERENCE},
        {"pw: arn:aws:secretsmanager:us-east-1:1:secret:x",
         "arn:aws:secretsmanager:us-east-1:1:secret:x", FBS_FILTER_REFERENCE},
        {"pw: Tr0ub4dor&3-horse", "Tr0ub4dor&3-horse", FBS_FILTER_KEEP},
        {"key: AKIAQWERTYUIOPASDFGH", "AKIAQWERTYUIOPASDFGH", FBS_FILTER_KEEP},
        {"pw = variable.x", "variable.x", FBS_FILTER_KEEP},
        {"pw: $5ecret!", "$5ecret!", FBS_FILTER_KEEP},
        {"pw: $HOME/.secrets/db", "$HOME/.secrets/db", FBS_FILTER_REFERENCE},
        {"pw=%NUGET_PASSWORD%", "%NUGET_PASSWORD%", FBS_FILTER_REFERENCE},
        {"password: *default_password", "*default_password", FBS_FILTER_REFERENCE},
        {"Uid={user};Pwd={password}", "{password}", FBS_FILTER_REFERENCE},
        {"Pwd={Xq7-2;}", "{Xq7-2;}", FBS_FILTER_KEEP},
        {"value=\"*P311CMj-GXhobNb3V\"", "*P311CMj-GXhobNb3V", FBS_FILTER_KEEP},
        {"href=#add-password", "#add-password", FBS_FILTER_REFERENCE},
        {"pw: #Summer2024", "#Summer2024", FBS_FILTER_KEEP},
        {"pw: &lt;your password&gt;", "&lt;your password&gt;", FBS_FILTER_PLACEHOLDER},
        {"api_key = \"abcdefg12345\"", "abcdefg12345", FBS_FILTER_PLACEHOLDER},
        {"secret = qwertyuiop123", "qwertyuiop123", FBS_FILTER_PLACEHOLDER},
        {"secret = 0123456789abcdef0123", "0123456789abcdef0123", FBS_FILTER_PLACEHOLDER},
        {"secret = q8Zr2Lw0Pk5Vt3", "q8Zr2Lw0Pk5Vt3", FBS_FILTER_KEEP},
        {"csrf_token = \"9f2c4e1a7b3d5f60\"", "9f2c4e1a7b3d5f60", FBS_FILTER_PLACEHOLDER},
        {"X-XSRF-TOKEN: Gs7Yp0d7QWBZkCeO9", "Gs7Yp0d7QWBZkCeO9", FBS_FILTER_PLACEHOLDER},
        {"{\"nextPageToken\": \"8mZiDh13nbgRMAy\"}", "8mZiDh13nbgRMAy", FBS_FILTER_PLACEHOLDER},
        {"access_token = \"8mZiDh13nbgRMAy\"", "8mZiDh13nbgRMAy", FBS_FILTER_KEEP},
        {"  password: cGFzc3dvcmQ=", "cGFzc3dvcmQ=", FBS_FILTER_PLACEHOLDER},
        {"TOKEN=pk.eyJ1IjoiYWNtZSJ9.Zx8", "pk.eyJ1IjoiYWNtZSJ9.Zx8", FBS_FILTER_PLACEHOLDER},
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const char *line = cases[i].line;
        const char *at = strstr(line, cases[i].secret);
        size_t start = (size_t)(at - line);
        enum fbs_filter_verdict got = fbs_filter_secret((const unsigned char *)line, strlen(line),
                                                        start, start + strlen(cases[i].secret));

        if (got != cases[i].want)
            fail_msg("'%s': verdict %d, want %d", line, (int)got, (int)cases[i].want);
    }
}

static void test_matcher__overlap_reduction(void **state)
{
    static const char rules[] = "rules:\n"
                                "  - id: generic.password\n"
                                "    name: Generic password\n"
                                "    kind: password\n"
                                "    pattern: 'password\\s*=\\s*\"?([A-Za-z0-9_]{12,})'\n"
                                "    secret_group: 1\n" EX "  - id: test.tok\n"
                                "    name: Token\n"
                                "    kind: tok\n"
                                "    pattern: 'tok_[A-Za-z0-9]{20}'\n" EX "  - id: generic.quoted\n"
                                "    name: Quoted\n"
                                "    kind: quoted\n"
                                "    pattern: '\"([^\"]{12,})\"'\n"
                                "    secret_group: 1\n" EX;
    struct fixture fx = setup_rules(rules);
    static const char same[] = "password = tok_Ab3dEf6hIj9kLm2nOp5q\n";
    static const char contained[] = "x = \"prefix tok_Ab3dEf6hIj9kLm2nOp5q\"\n";
    static const struct fbs_match_opts all = {false, true, NULL};
    struct recs r;

    (void)state;
    /* Same secret from a generic and a specific rule: only the specific one. */
    scan(&fx, same, &r);
    assert_int_equal(r.n, 1);
    assert_string_equal(rule_of(&r, 0), "test.tok");
    assert_int_equal(scan_opts(&fx, same, strlen(same), &all, &r), 0);
    assert_int_equal(r.n, 2);
    /* A specific secret inside a generic one's: the specific one replaces it. */
    scan(&fx, contained, &r);
    assert_int_equal(r.n, 1);
    assert_string_equal(rule_of(&r, 0), "test.tok");
    assert_secret(contained, &r.m[0], "tok_Ab3dEf6hIj9kLm2nOp5q");
    assert_int_equal(scan_opts(&fx, contained, strlen(contained), &all, &r), 0);
    assert_int_equal(r.n, 2);
    /* A generic match alone is kept. */
    scan(&fx, "password = Kbq7ef1R3x56Q\n", &r);
    assert_int_equal(r.n, 1);
    assert_string_equal(rule_of(&r, 0), "generic.password");
    teardown_rules(&fx);
}

static void test_matcher__binary_blob(void **state)
{
    static const char rules[] = "rules:\n"
                                "  - id: test.bin\n"
                                "    name: Binary\n"
                                "    kind: der\n"
                                "    pattern: 'BINKEY_[0-9]{8}'\n"
                                "    binary: true\n" EX "  - id: test.txt\n"
                                "    name: Text\n"
                                "    kind: txt\n"
                                "    pattern: 'TXTKEY_[0-9]{8}'\n" EX;
    struct fixture fx = setup_rules(rules);
    static const char blob[] = "TXTKEY_12345678\0\0\x01\x02"
                               "BINKEY_87654321\0";
    static const struct fbs_match_opts bin = {true, false, NULL}, txt = {false, false, NULL};
    struct recs r;

    (void)state;
    assert_int_equal(scan_opts(&fx, blob, sizeof(blob) - 1, &bin, &r), 0);
    assert_int_equal(r.n, 1);
    assert_string_equal(rule_of(&r, 0), "test.bin");
    assert_int_equal(r.m[0].start, 19);
    assert_int_equal(scan_opts(&fx, blob, sizeof(blob) - 1, &txt, &r), 0);
    assert_int_equal(r.n, 2);
    teardown_rules(&fx);

    /* No binary rule at all: a binary scan finds nothing and does not fail. */
    fx = setup_rules(base_rules);
    assert_int_equal(scan_opts(&fx, "AKIAQWERTYUIOPASDFGH\0", 21, &bin, &r), 0);
    assert_int_equal(r.n, 0);
    teardown_rules(&fx);
}

static void test_matcher__lookbehind_prefilter(void **state)
{
    static const char rules[] = "rules:\n"
                                "  - id: test.lb\n"
                                "    name: Lookbehind\n"
                                "    kind: lb\n"
                                "    pattern: '(?<=apikey=)[a-z0-9]{16}'\n" EX;
    struct fixture fx = setup_rules(rules);
    static const char text[] = "apikey=q1w2e3r4t5y6u7i8\n"
                               "other=1111111111111111 apikey=fe4cb29a76e53q10\n"
                               "APIKEY=aaaaaaaaaaaaaaaa\n"
                               "apikey=a1b2c3d4e5f60718";
    struct recs r;

    (void)state;
    assert_true(fbs_ruleset_find(fx.rs, "test.lb")->prefilter);
    scan(&fx, text, &r);
    assert_int_equal(r.n, 3);
    assert_secret(text, &r.m[0], "q1w2e3r4t5y6u7i8");
    assert_secret(text, &r.m[1], "fe4cb29a76e53q10");
    assert_secret(text, &r.m[2], "a1b2c3d4e5f60718");
    assert_int_equal(r.m[0].start, 7);
    teardown_rules(&fx);
}

static void test_matcher__scan_pattern(void **state)
{
    /* Vectorscan scans for the key name only; PCRE2 confirms the whole assignment. */
    static const char rules[] =
        "rules:\n"
        "  - id: test.keyed\n"
        "    name: Keyed\n"
        "    kind: keyed\n"
        "    pattern: '(?i:acme[a-z_]{0,30}?key)[ =:\"]+([0-9a-f]{32})\\b'\n"
        "    scan_pattern: '(?i:acme[a-z_]*key)'\n"
        "    secret_group: 1\n" EX "  - id: test.lb\n"
        "    name: Lookbehind\n"
        "    kind: lb\n"
        "    pattern: '(?<=apikey=)[a-z0-9]{16}'\n"
        "    scan_pattern: 'apikey='\n" EX;
    struct fixture fx = setup_rules(rules);
    static const char text[] = "ACME_API_KEY = \"0f1e2d3c4b5a69788796a5b4c3d2e1f0\"\n"
                               "acme_key: 0f1e2d3c4b5a6978\n" /* key name, value too short */
                               "apikey=q1w2e3r4t5y6u7i8\n";
    struct recs r;

    (void)state;
    /* The scan pattern has no lookbehind: exact in Vectorscan, no whole-blob confirmation. */
    assert_false(fbs_ruleset_find(fx.rs, "test.lb")->prefilter);
    scan(&fx, text, &r);
    assert_int_equal(r.n, 2);
    assert_string_equal(rule_of(&r, 0), "test.keyed");
    assert_secret(text, &r.m[0], "0f1e2d3c4b5a69788796a5b4c3d2e1f0");
    assert_string_equal(rule_of(&r, 1), "test.lb");
    assert_secret(text, &r.m[1], "q1w2e3r4t5y6u7i8");
    teardown_rules(&fx);
}

static void test_matcher__callback_order_and_stop(void **state)
{
    struct fixture fx = setup_rules(base_rules);
    static const char text[] = "tok_Ab3dEf6hIj9kLm2nOp5q AKIAQWERTYUIOPASDFGH\n"
                               "secret: Tr0ub4dor&3-horse\n"
                               "AKIAZXCVBNMLKJHGFDSA tok_Zz9yXx8wVv7uUt6sSr5q\n";
    static const struct fbs_match_opts opts = {false, false, NULL};
    struct recs r;
    size_t i;

    (void)state;
    scan(&fx, text, &r);
    assert_int_equal(r.n, 5);
    for (i = 1; i < r.n; i++) {
        assert_true(r.m[i].start > r.m[i - 1].start);
        assert_true(r.m[i].secret_start > r.m[i - 1].secret_start);
    }
    assert_string_equal(rule_of(&r, 0), "test.tok");
    assert_string_equal(rule_of(&r, 1), "test.akia");
    assert_string_equal(rule_of(&r, 2), "test.secret");
    assert_string_equal(rule_of(&r, 3), "test.akia");
    assert_string_equal(rule_of(&r, 4), "test.tok");
    /* A non-zero callback return stops the scan and is returned. */
    memset(&r, 0, sizeof(r));
    r.ordered = true;
    r.stop_after = 2;
    assert_int_equal(
        fbs_matcher_scan(fx.m, (const unsigned char *)text, strlen(text), &opts, record, &r), 7);
    assert_int_equal(r.n, 2);
    /* And the matcher still works afterwards. */
    scan(&fx, text, &r);
    assert_int_equal(r.n, 5);
    teardown_rules(&fx);
}

static void test_matcher__callback_order_by_match_start(void **state)
{
    static const char rules[] = "rules:\n"
                                "  - id: test.ctx\n"
                                "    name: Context first\n"
                                "    kind: ctx\n"
                                "    pattern: 'ctx:.{0,40}?(SA[0-9]{6})'\n"
                                "    secret_group: 1\n" EX "  - id: test.tokb\n"
                                "    name: Token\n"
                                "    kind: tokb\n"
                                "    pattern: 'tokb_[0-9]{6}'\n" EX;
    static const char text[] = "ctx: tokb_172839 SA918273\n";
    struct fixture fx;
    struct recs r;

    (void)state;
    /*
     * match.h: callbacks come in order of the secret's start (reports are about secrets).
     * test.ctx matches [0, 25) with its secret at [17, 25); test.tokb's secret is [5, 16).
     */
    fx = setup_rules(rules);
    scan(&fx, text, &r);
    assert_int_equal(r.n, 2);
    assert_string_equal(rule_of(&r, 0), "test.tokb");
    assert_string_equal(rule_of(&r, 1), "test.ctx");
    assert_int_equal(r.m[1].start, 0);
    teardown_rules(&fx);
}

static void test_matcher__path_gated_rule(void **state)
{
    static const char rules[] = "rules:\n"
                                "  - id: test.codes\n"
                                "    name: Codes\n"
                                "    kind: codes\n"
                                "    pattern: '([0-9]{4} [0-9]{4})'\n"
                                "    secret_group: 1\n"
                                "    paths: ['*backup*codes*', '*.txt']\n" EX "  - id: test.tok\n"
                                "    name: Token\n"
                                "    kind: tok\n"
                                "    pattern: 'tok_[0-9]{6}'\n" EX;
    static const char text[] = "8265 1734 tok_918273\n";
    const struct fbs_match_opts gated = {false, false, "secrets/google-backup-codes"};
    const struct fbs_match_opts plain = {false, false, "src/main.c"};
    const struct fbs_match_opts none = {false, false, NULL};
    struct fixture fx;
    struct recs r;

    (void)state;
    fx = setup_rules(rules);
    assert_int_equal(fx.rs->ngated, 1);
    assert_non_null(fx.rs->gated[0].db);
    memset(&r, 0, sizeof(r));
    r.ordered = true;
    assert_int_equal(scan_opts(&fx, text, strlen(text), &gated, &r), 0);
    assert_int_equal(r.n, 2);
    assert_string_equal(rule_of(&r, 0), "test.codes");
    memset(&r, 0, sizeof(r));
    r.ordered = true;
    assert_int_equal(scan_opts(&fx, text, strlen(text), &plain, &r), 0);
    assert_int_equal(r.n, 1);
    assert_string_equal(rule_of(&r, 0), "test.tok");
    memset(&r, 0, sizeof(r));
    r.ordered = true;
    assert_int_equal(scan_opts(&fx, text, strlen(text), &none, &r), 0);
    assert_int_equal(r.n, 1);
    teardown_rules(&fx);
}

/* Gate globs: "lit" is the last path component, "*lit" a suffix and "*lit*" a substring of it;
 * other globs go through fbs_glob_match, after a test for their longest literal (whose end
 * slashes a "**" may absorb). */
static void test_matcher__path_gate_kinds(void **state)
{
    static const char rules[] =
        "rules:\n"
        "  - id: test.codes\n"
        "    name: Codes\n"
        "    kind: codes\n"
        "    pattern: '([0-9]{4} [0-9]{4})'\n"
        "    secret_group: 1\n"
        "    paths: ['*.netrc', '*pgpass*', '*my?ql*.cnf', 'app.ini',\n"
        "            '**/conf/*.keys', '*/settings/*.py', 'a*[0-9].pem']\n" EX;
    static const char text[] = "8265 1734\n";
    static const struct {
        const char *path;
        size_t n;
    } cases[] = {
        {"home/u/.netrc", 1},
        {".netrc", 1},
        {"home/u/.netrc.bak", 0},
        {"etc/app.pgpass", 1},
        {"x/my-pgpass-old", 1},
        {"pgpass/notes.md", 0},
        {"etc/mysql-client.cnf", 1},
        {"etc/mysql.ini", 0},
        {"mysql.cnf/readme", 0},
        {"etc/app.ini", 1},
        {"app.ini", 1},
        {"etc/myapp.ini", 0},
        {"app.ini/x", 0},
        {"app.ini.bak", 0},
        {"conf/prod.keys", 1},
        {"srv/conf/prod.keys", 1},
        {"srv/confs/prod.keys", 0},
        {"srv/conf/prod.key", 0},
        {"web/settings/base.py", 1},
        {"settings/base.py", 0},
        {"web/settings.py", 0},
        {"certs/app7.pem", 1},
        {"certs/appx.pem", 0},
    };
    struct fixture fx;
    size_t i;

    (void)state;
    fx = setup_rules(rules);
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const struct fbs_match_opts o = {false, false, cases[i].path};
        struct recs r;

        memset(&r, 0, sizeof(r));
        r.ordered = true;
        assert_int_equal(scan_opts(&fx, text, strlen(text), &o, &r), 0);
        if (r.n != cases[i].n)
            fail_msg("%s: %zu matches, expected %zu", cases[i].path, r.n, cases[i].n);
    }
    teardown_rules(&fx);
}

/*
 * Gated rules with different `paths` lists go into different databases, and a file runs only the
 * databases its path is about: a *.yml file does not scan for the rule gated on *.md (no
 * Vectorscan hit for it, not only no finding), and a rule listed in both runs on both.
 */
static void test_matcher__path_gate_groups(void **state)
{
    static const char rules[] = "rules:\n"
                                "  - id: test.yml\n"
                                "    name: Yml\n"
                                "    kind: codes\n"
                                "    pattern: '([0-9]{4} [0-9]{4})'\n"
                                "    secret_group: 1\n"
                                "    paths: ['*.yml', '*.yaml']\n" EX "  - id: test.md\n"
                                "    name: Md\n"
                                "    kind: codes\n"
                                "    pattern: '([0-9]{4} [0-9]{4})'\n"
                                "    secret_group: 1\n"
                                "    paths: ['*.md']\n" EX "  - id: test.yml2\n"
                                "    name: Yml2\n"
                                "    kind: tok\n"
                                "    pattern: 'tok_[0-9]{6}'\n"
                                "    paths: ['*.yml', '*.yaml']\n" EX;
    static const char text[] = "8265 1734 tok_918273\n";
    static const struct {
        const char *path;
        uint64_t hits; /* Vectorscan hits */
        size_t n;      /* matches */
        const char *first;
    } cases[] = {
        {"conf/app.yml", 2, 2, "test.yml"},
        {"docs/README.md", 1, 1, "test.md"},
        {"src/main.c", 0, 0, NULL},
    };
    struct fixture fx;
    size_t i;

    (void)state;
    fx = setup_rules(rules);
    assert_int_equal(fx.rs->ngated, 2);
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const struct fbs_match_opts o = {false, true, cases[i].path};
        uint64_t before = fbs_matcher_counts(fx.m)->hits;
        struct recs r;

        memset(&r, 0, sizeof(r));
        r.ordered = true;
        assert_int_equal(scan_opts(&fx, text, strlen(text), &o, &r), 0);
        if (fbs_matcher_counts(fx.m)->hits - before != cases[i].hits || r.n != cases[i].n)
            fail_msg("%s: %llu hits and %zu matches, expected %llu and %zu", cases[i].path,
                     (unsigned long long)(fbs_matcher_counts(fx.m)->hits - before), r.n,
                     (unsigned long long)cases[i].hits, cases[i].n);
        if (cases[i].first)
            assert_string_equal(rule_of(&r, 0), cases[i].first);
    }
    teardown_rules(&fx);
}

static void test_matcher__new_needs_compiled_set(void **state)
{
    struct fbs_ruleset *rs = NULL;
    struct fbs_matcher *m = (struct fbs_matcher *)1;

    (void)state;
    assert_int_equal(fbs_ruleset_new(&rs), 0);
    assert_int_equal(fbs_ruleset_add_text(rs, "t.yml", base_rules, strlen(base_rules)), 0);
    assert_int_equal(fbs_matcher_new(&m, rs), FBS_EINVAL);
    assert_null(m);
    fbs_matcher_free(NULL);
    fbs_ruleset_free(rs);
}

/*
 * A rule that exhausts PCRE2's match limit on one line: the failure is recorded (rule, offset,
 * limit) and the search resumes on the next line, where the real match is still found.
 */
static void test_matcher__regex_limit_resumes(void **state)
{
    static const char rules[] = "rules:\n"
                                "  - id: test.redos\n"
                                "    name: Backtracking\n"
                                "    kind: redos\n"
                                "    pattern: '(a+)+b'\n" EX;
    struct fixture fx = setup_rules(rules);
    static const struct fbs_match_opts opts = {false, false, NULL};
    const struct fbs_regex_error *e;
    char text[128], msg[64];
    struct recs r;
    size_t n;

    (void)state;
    memset(text, 'a', 40);
    memcpy(text + 40, "c\nxx ab\n", 9);
    assert_int_equal(scan_opts(&fx, text, strlen(text), &opts, &r), 0);
    assert_int_equal(r.n, 1);
    assert_int_equal(r.m[0].start, 45);
    assert_int_equal(r.m[0].end, 47);
    e = fbs_matcher_regex_errors(fx.m, &n);
    assert_int_equal(n, 1);
    assert_string_equal(e[0].rule->id, "test.redos");
    assert_int_equal(e[0].count, 1);
    assert_int_equal(e[0].offset, 0);
    assert_false(e[0].gave_up);
    assert_string_equal(fbs_regex_error_name(e[0].code, msg, sizeof(msg)), "match limit");
    assert_int_equal(fbs_matcher_counts(fx.m)->regex_errors, 1);
    /* The next scan starts with no errors; confirm_only reports the same failure. */
    assert_int_equal(scan_opts(&fx, "xx ab\n", 6, &opts, &r), 0);
    assert_int_equal(r.n, 1);
    fbs_matcher_regex_errors(fx.m, &n);
    assert_int_equal(n, 0);
    assert_int_equal(
        fbs_matcher_confirm_only(fx.m, (const unsigned char *)text, strlen(text), &opts), 0);
    fbs_matcher_regex_errors(fx.m, &n);
    assert_int_equal(n, 1);
    teardown_rules(&fx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_matcher__offsets),
        cmocka_unit_test(test_matcher__path_gate_kinds),
        cmocka_unit_test(test_matcher__path_gate_groups),
        cmocka_unit_test(test_matcher__multiple_occurrences),
        cmocka_unit_test(test_matcher__long_run_bounded_rule),
        cmocka_unit_test(test_matcher__long_lines_with_filters),
        cmocka_unit_test(test_matcher__long_single_line),
        cmocka_unit_test(test_matcher__reference_mark_far_back_on_line),
        cmocka_unit_test(test_matcher__window_widening),
        cmocka_unit_test(test_matcher__window_widening_long_run),
        cmocka_unit_test(test_matcher__window_suffix_match),
        cmocka_unit_test(test_matcher__confirm_linear),
        cmocka_unit_test(test_matcher__keywords_gate),
        cmocka_unit_test(test_matcher__entropy_gate),
        cmocka_unit_test(test_matcher__github_crc32),
        cmocka_unit_test(test_matcher__validate_github_crc32_direct),
        cmocka_unit_test(test_matcher__placeholders),
        cmocka_unit_test(test_matcher__references),
        cmocka_unit_test(test_matcher__filter_secret_direct),
        cmocka_unit_test(test_matcher__overlap_reduction),
        cmocka_unit_test(test_matcher__binary_blob),
        cmocka_unit_test(test_matcher__lookbehind_prefilter),
        cmocka_unit_test(test_matcher__scan_pattern),
        cmocka_unit_test(test_matcher__callback_order_and_stop),
        cmocka_unit_test(test_matcher__callback_order_by_match_start),
        cmocka_unit_test(test_matcher__new_needs_compiled_set),
        cmocka_unit_test(test_matcher__path_gated_rule),
        cmocka_unit_test(test_matcher__regex_limit_resumes),
    };

    fbs_test_use_cmocka_alloc();
    return cmocka_run_group_tests(tests, NULL, NULL);
}
