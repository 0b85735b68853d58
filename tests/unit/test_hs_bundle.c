/*
 * test_hs_bundle.c - match/hs_bundle.c and the embedded layer of the rule compile cache
 * (fbs_ruleset_set_embedded): entries are used only for exactly the rule set they were made for,
 * a damaged one falls back to compiling, and the built-in pack's embedded databases are found.
 */
#include "support/test_support.h"

#include "scanner/cli/rule_db.h"
#include "scanner/core/alloc.h"
#include "scanner/core/buf.h"
#include "scanner/core/error.h"
#include "scanner/match/hs_bundle.h"
#include "scanner/match/match.h"
#include "scanner/match/ruleset.h"

#include <stdio.h>
#include <string.h>

#include "scanner/core/banned.h"

/* A text rule, a path-gated one, a binary one and one Vectorscan takes only as a prefilter. */
static const char rules[] = "rules:\n"
                            "  - id: test.token\n"
                            "    name: Test token\n"
                            "    kind: test_token\n"
                            "    pattern: 'tok_([A-Za-z0-9]{20})'\n"
                            "    secret_group: 1\n"
                            "    examples: ['key = tok_Ab3dEf6hIj9kLm2nOp5q']\n"
                            "    negative_examples: ['tok_short']\n"
                            "  - id: test.gated\n"
                            "    name: Gated\n"
                            "    kind: test_token\n"
                            "    pattern: 'gat_[a-z0-9]{12}'\n"
                            "    paths: ['*.env']\n"
                            "    examples: [{text: 'gat_q7w2e9r4t1y6', path: a.env}]\n"
                            "    negative_examples: ['gat_abc']\n"
                            "  - id: test.binary\n"
                            "    name: Binary\n"
                            "    kind: test_token\n"
                            "    pattern: 'bin=[a-z]{8}'\n"
                            "    binary: true\n"
                            "    examples: ['bin=qzmxkvwt']\n"
                            "    negative_examples: ['bin=abc']\n"
                            "  - id: test.backref\n"
                            "    name: Repeated token\n"
                            "    kind: test_token\n"
                            "    pattern: '(rep_[a-z]{8})-\\1'\n"
                            "    secret_group: 1\n"
                            "    examples: ['rep_qmzvkxwt-rep_qmzvkxwt']\n"
                            "    negative_examples: ['rep_qmzvkxwt-rep_zzzzzzzz']\n";

static const char extra_rule[] = "rules:\n"
                                 "  - id: test.extra\n"
                                 "    name: Extra\n"
                                 "    kind: test_token\n"
                                 "    pattern: 'ext_[0-9]{10}'\n"
                                 "    examples: ['ext_0123456789']\n"
                                 "    negative_examples: ['ext_1']\n";

/* The text every rule of `rules` matches once (the gated rule as a file named x.env). */
static const char sample[] = "key = tok_Ab3dEf6hIj9kLm2nOp5q\n"
                             "gat_q7w2e9r4t1y6\n"
                             "rep_qmzvkxwt-rep_qmzvkxwt\n";

static int count_match(const struct fbs_match *m, void *payload)
{
    (void)m;
    ++*(int *)payload;
    return 0;
}

/* A compiled set of `text` (and `extra` when not NULL) with the given cache and bundle. */
static struct fbs_ruleset *compiled(const char *text, const char *extra, const char *cache,
                                    const struct fbs_buf *bundle)
{
    struct fbs_ruleset *rs = NULL;

    assert_int_equal(fbs_ruleset_new(&rs), 0);
    assert_int_equal(fbs_ruleset_add_text(rs, "rules/t.yml", text, strlen(text)), 0);
    if (extra)
        assert_int_equal(fbs_ruleset_add_text(rs, "rules/x.yml", extra, strlen(extra)), 0);
    assert_int_equal(fbs_ruleset_set_cache_dir(rs, cache), 0);
    if (bundle)
        fbs_ruleset_set_embedded(rs, bundle->ptr, bundle->len);
    if (fbs_ruleset_compile(rs) != 0)
        fail_msg("compile: %s", fbs_error_message());
    return rs;
}

/* Matches of `sample` as the text file x.env, plus those of a binary blob (binary rules). */
static int matches(const struct fbs_ruleset *rs)
{
    struct fbs_matcher *m = NULL;
    static const struct fbs_match_opts text = {false, false, "x.env"}, bin = {true, false, "x"};
    static const unsigned char blob[] = "\x01\x02"
                                        "bin=qzmxkvwt"
                                        "\x00";
    int hits = 0;

    assert_int_equal(fbs_matcher_new(&m, rs), 0);
    assert_int_equal(fbs_matcher_scan(m, (const unsigned char *)sample, strlen(sample), &text,
                                      count_match, &hits),
                     0);
    assert_int_equal(fbs_matcher_scan(m, blob, sizeof(blob) - 1, &bin, count_match, &hits), 0);
    fbs_matcher_free(m);
    return hits;
}

static unsigned total_dbs(const struct fbs_ruleset *rs)
{
    return rs->loaded.db[FBS_ORIGIN_EMBEDDED] + rs->loaded.db[FBS_ORIGIN_DISK] +
           rs->loaded.db[FBS_ORIGIN_COMPILED];
}

/* Compile `rules` through a cache in dir/made and bundle its entries into `bundle`. */
static void make_bundle(const char *dir, struct fbs_buf *bundle)
{
    struct fbs_ruleset *rs;
    char made[300], out[320];

    snprintf(made, sizeof(made), "%s/made", dir);
    snprintf(out, sizeof(out), "%s/bundle.bin", dir);
    rs = compiled(rules, NULL, made, NULL);
    assert_int_equal(rs->loaded.db[FBS_ORIGIN_COMPILED], 3); /* text, binary, one gated group */
    assert_int_equal(rs->loaded.prefilters, FBS_ORIGIN_COMPILED);
    fbs_ruleset_free(rs);
    assert_int_equal(fbs_hs_bundle_write(made, out), 0);
    assert_int_equal(fbs_buf_read_file(bundle, out, 0), 0);
    assert_int_equal(fbs_hs_bundle_count(bundle->ptr, bundle->len), 4); /* 3 .db, 1 .pf */
}

static void test_hs_bundle__format(void **state)
{
    const char *tmp = fbs_test_tmpdir();
    char dir[256], out[320];
    struct fbs_buf b = FBS_BUF_INIT;
    const void *data = NULL;
    size_t len = 0, cut;
    uint64_t off;

    (void)state;
    snprintf(dir, sizeof(dir), "%s", tmp);
    fbs_test_write(dir, "hs-b.db", "second", 6);
    fbs_test_write(dir, "hs-a.pf", "0101", 4);
    fbs_test_write(dir, "hs-c.db", "", 0);
    fbs_test_write(dir, "other.db", "not an entry", 12);
    fbs_test_write(dir, "hs-d.tmp", "not an entry", 12);
    snprintf(out, sizeof(out), "%s/bundle.bin", dir);
    assert_int_equal(fbs_hs_bundle_write(dir, out), 0);
    assert_int_equal(fbs_buf_read_file(&b, out, 0), 0);
    assert_int_equal(fbs_hs_bundle_count(b.ptr, b.len), 3);
    assert_true(fbs_hs_bundle_find(b.ptr, b.len, "hs-b.db", &data, &len));
    assert_int_equal(len, 6);
    assert_memory_equal(data, "second", 6);
    assert_int_equal(((const char *)data - b.ptr) % 64, 0);
    assert_true(fbs_hs_bundle_find(b.ptr, b.len, "hs-a.pf", &data, &len));
    assert_memory_equal(data, "0101", 4);
    assert_true(fbs_hs_bundle_find(b.ptr, b.len, "hs-c.db", &data, &len));
    assert_int_equal(len, 0);
    assert_false(fbs_hs_bundle_find(b.ptr, b.len, "hs-d.tmp", &data, &len));
    assert_false(fbs_hs_bundle_find(b.ptr, b.len, "other.db", &data, &len));
    assert_false(fbs_hs_bundle_find(b.ptr, b.len, "hs-b", &data, &len)); /* a prefix */
    assert_false(fbs_hs_bundle_find(NULL, 0, "hs-b.db", &data, &len));
    /* Cut short: the table no longer fits, or an entry's bytes lie beyond the end. */
    assert_false(fbs_hs_bundle_find(b.ptr, 40, "hs-b.db", &data, &len));
    assert_int_equal(fbs_hs_bundle_count(b.ptr, 40), 0);
    assert_true(fbs_hs_bundle_find(b.ptr, b.len, "hs-b.db", &data, &len));
    cut = (size_t)((const char *)data - b.ptr) + 3;
    assert_false(fbs_hs_bundle_find(b.ptr, cut, "hs-b.db", &data, &len));
    /* An offset past the end (the entry hs-a.pf is the first: offset at 16 + 80). */
    off = (uint64_t)1 << 62;
    memcpy(b.ptr + 16 + 80, &off, sizeof(off));
    assert_false(fbs_hs_bundle_find(b.ptr, b.len, "hs-a.pf", &data, &len));
    /* Not a bundle. */
    memcpy(b.ptr, "XXXXXXXX", 8);
    assert_int_equal(fbs_hs_bundle_count(b.ptr, b.len), 0);
    assert_false(fbs_hs_bundle_find(b.ptr, b.len, "hs-b.db", &data, &len));
    fbs_buf_release(&b);
    fbs_test_rmtree(dir);
}

/* The same rules with no disk cache: every database and the prefilter decisions come from the
 * bundle, and the set matches as a compiled one does. */
static void test_hs_bundle__embedded_used(void **state)
{
    const char *tmp = fbs_test_tmpdir();
    char dir[256], cache[300];
    struct fbs_buf bundle = FBS_BUF_INIT;
    struct fbs_ruleset *rs;
    int want;

    (void)state;
    snprintf(dir, sizeof(dir), "%s", tmp);
    snprintf(cache, sizeof(cache), "%s/cache", dir);
    make_bundle(dir, &bundle);
    rs = compiled(rules, NULL, NULL, NULL);
    want = matches(rs);
    assert_int_equal(want, 4);
    fbs_ruleset_free(rs);

    rs = compiled(rules, NULL, NULL, &bundle);
    assert_int_equal(rs->loaded.db[FBS_ORIGIN_EMBEDDED], 3);
    assert_int_equal(total_dbs(rs), 3);
    assert_int_equal(rs->loaded.prefilters, FBS_ORIGIN_EMBEDDED);
    assert_true(rs->rules[3]->prefilter);
    assert_false(rs->rules[0]->prefilter);
    assert_int_equal(matches(rs), want);
    fbs_ruleset_free(rs);
    /* With a disk cache too, the bundle goes first and nothing is written to the cache. */
    rs = compiled(rules, NULL, cache, &bundle);
    assert_int_equal(rs->loaded.db[FBS_ORIGIN_EMBEDDED], 3);
    assert_int_equal(rs->loaded.prefilters, FBS_ORIGIN_EMBEDDED);
    fbs_ruleset_free(rs);
    rs = compiled(rules, NULL, cache, NULL);
    assert_int_equal(rs->loaded.db[FBS_ORIGIN_COMPILED], 3);
    fbs_ruleset_free(rs);
    /* Then a disabled bundle (length 0) is ignored: the disk cache serves. */
    rs = compiled(rules, NULL, cache, NULL);
    assert_int_equal(rs->loaded.db[FBS_ORIGIN_DISK], 3);
    assert_int_equal(rs->loaded.prefilters, FBS_ORIGIN_DISK);
    fbs_ruleset_free(rs);
    fbs_buf_release(&bundle);
    fbs_test_rmtree(dir);
}

/* Another rule set (an extra rule; only some of the rules) finds no entry for what changed. */
static void test_hs_bundle__other_set_compiles(void **state)
{
    const char *tmp = fbs_test_tmpdir();
    char dir[256];
    struct fbs_buf bundle = FBS_BUF_INIT;
    struct fbs_ruleset *rs;
    const char *only_first;
    char *first = NULL;

    (void)state;
    snprintf(dir, sizeof(dir), "%s", tmp);
    make_bundle(dir, &bundle);
    /* The extra rule joins the text database (compiled); the binary and gated databases are
     * the same expressions with the same ids, so their entries are exactly right. */
    rs = compiled(rules, extra_rule, NULL, &bundle);
    assert_int_equal(rs->loaded.db[FBS_ORIGIN_COMPILED], 1);
    assert_int_equal(rs->loaded.db[FBS_ORIGIN_EMBEDDED], 2);
    assert_int_equal(rs->loaded.prefilters, FBS_ORIGIN_COMPILED);
    assert_true(rs->rules[3]->prefilter);
    assert_int_equal(matches(rs), 4);
    fbs_ruleset_free(rs);
    /* The first rule alone: nothing of the bundle fits. */
    only_first = strstr(rules, "  - id: test.gated");
    assert_non_null(only_first);
    first = fbs_strndup(rules, (size_t)(only_first - rules));
    assert_non_null(first);
    rs = compiled(first, NULL, NULL, &bundle);
    assert_int_equal(rs->loaded.db[FBS_ORIGIN_EMBEDDED], 0);
    assert_int_equal(rs->loaded.db[FBS_ORIGIN_COMPILED], 1);
    assert_int_equal(rs->loaded.prefilters, FBS_ORIGIN_COMPILED);
    fbs_ruleset_free(rs);
    fbs_free(first);
    fbs_buf_release(&bundle);
    fbs_test_rmtree(dir);
}

/* Damaged entries: a database Vectorscan refuses is compiled instead; malformed prefilter
 * decisions are made afresh, and decisions that lie ("exact" for a backreference) too. */
static void test_hs_bundle__damaged_entries_compile(void **state)
{
    const char *tmp = fbs_test_tmpdir();
    char dir[256], name[128];
    struct fbs_buf bundle = FBS_BUF_INIT;
    struct fbs_ruleset *rs;
    const void *data;
    size_t len, i;
    unsigned damaged = 0;

    (void)state;
    snprintf(dir, sizeof(dir), "%s", tmp);
    make_bundle(dir, &bundle);
    rs = compiled(rules, NULL, NULL, &bundle);
    assert_int_equal(rs->loaded.db[FBS_ORIGIN_EMBEDDED], 3);
    fbs_ruleset_free(rs);
    /* Every .db entry's first bytes (Vectorscan's header) overwritten. */
    for (i = 0; i < fbs_hs_bundle_count(bundle.ptr, bundle.len); i++) {
        memcpy(name, bundle.ptr + 16 + i * 96, 80);
        name[80] = '\0';
        assert_true(fbs_hs_bundle_find(bundle.ptr, bundle.len, name, &data, &len));
        if (strstr(name, ".db")) {
            memset((char *)data, 0x5a, len < 16 ? len : 16);
            damaged++;
        } else
            memset((char *)data, 'x', len); /* prefilter decisions: not 0/1 */
    }
    assert_int_equal(damaged, 3);
    rs = compiled(rules, NULL, NULL, &bundle);
    assert_int_equal(rs->loaded.db[FBS_ORIGIN_EMBEDDED], 0);
    assert_int_equal(rs->loaded.db[FBS_ORIGIN_COMPILED], 3);
    assert_int_equal(rs->loaded.prefilters, FBS_ORIGIN_COMPILED);
    assert_int_equal(matches(rs), 4);
    fbs_ruleset_free(rs);
    /* Decisions that say the backreference rule is exact: Vectorscan refuses that, so the
     * decisions are made afresh and the set still compiles and matches. */
    for (i = 0; i < fbs_hs_bundle_count(bundle.ptr, bundle.len); i++) {
        memcpy(name, bundle.ptr + 16 + i * 96, 80);
        name[80] = '\0';
        assert_true(fbs_hs_bundle_find(bundle.ptr, bundle.len, name, &data, &len));
        if (strstr(name, ".pf"))
            memset((char *)data, '0', len);
    }
    rs = compiled(rules, NULL, NULL, &bundle);
    assert_true(rs->rules[3]->prefilter);
    assert_int_equal(rs->loaded.prefilters, FBS_ORIGIN_COMPILED);
    assert_int_equal(matches(rs), 4);
    fbs_ruleset_free(rs);
    fbs_buf_release(&bundle);
    fbs_test_rmtree(dir);
}

/* The built-in pack's databases embedded at build time (FBS_EMBED_RULE_DB): the pack as the
 * CLI loads it gets every database and its prefilter decisions from them; a pack with a rule
 * more compiles its text database, and a set without the pack uses none of them. */
static void test_hs_bundle__builtin_embedded(void **state)
{
    size_t len = 0;
    const void *db = fbs_cli_rule_db(&len);
    struct fbs_ruleset *rs = NULL;

    (void)state;
    if (!db || !len) {
        print_message("this build embedded no rule databases (FBS_EMBED_RULE_DB=OFF, "
                      "cross-compiled, or the precompile failed: see the build log)\n");
        skip();
    }
    assert_true(fbs_hs_bundle_count(db, len) > 1);
    assert_int_equal(fbs_ruleset_new(&rs), 0);
    assert_int_equal(fbs_ruleset_add_builtin(rs), 0);
    fbs_ruleset_set_embedded(rs, db, len);
    assert_int_equal(fbs_ruleset_compile(rs), 0);
    assert_true(rs->loaded.db[FBS_ORIGIN_EMBEDDED] > 0);
    assert_int_equal(rs->loaded.db[FBS_ORIGIN_COMPILED], 0);
    assert_int_equal(rs->loaded.db[FBS_ORIGIN_DISK], 0);
    assert_int_equal(rs->loaded.prefilters, FBS_ORIGIN_EMBEDDED);
    assert_non_null(rs->db_text);
    fbs_ruleset_free(rs);

    assert_int_equal(fbs_ruleset_new(&rs), 0);
    assert_int_equal(fbs_ruleset_add_builtin(rs), 0);
    assert_int_equal(fbs_ruleset_add_text(rs, "x.yml", extra_rule, strlen(extra_rule)), 0);
    fbs_ruleset_set_embedded(rs, db, len);
    assert_int_equal(fbs_ruleset_compile(rs), 0);
    assert_int_equal(rs->loaded.db[FBS_ORIGIN_COMPILED], 1); /* the text database */
    assert_int_equal(rs->loaded.prefilters, FBS_ORIGIN_COMPILED);
    fbs_ruleset_free(rs);

    assert_int_equal(fbs_ruleset_new(&rs), 0);
    assert_int_equal(fbs_ruleset_add_text(rs, "x.yml", rules, strlen(rules)), 0);
    fbs_ruleset_set_embedded(rs, db, len);
    assert_int_equal(fbs_ruleset_compile(rs), 0);
    assert_int_equal(rs->loaded.db[FBS_ORIGIN_EMBEDDED], 0);
    assert_int_equal(rs->loaded.db[FBS_ORIGIN_COMPILED], 3);
    fbs_ruleset_free(rs);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hs_bundle__format),
        cmocka_unit_test(test_hs_bundle__embedded_used),
        cmocka_unit_test(test_hs_bundle__other_set_compiles),
        cmocka_unit_test(test_hs_bundle__damaged_entries_compile),
        cmocka_unit_test(test_hs_bundle__builtin_embedded),
    };

    fbs_test_use_cmocka_alloc();
    return cmocka_run_group_tests(tests, NULL, NULL);
}
