/* test_ruleset.c - match/ruleset.c: rule files to rules, their error messages, overrides. */
#include "support/test_support.h"

#include "scanner/core/error.h"
#include "scanner/match/match.h"
#include "scanner/match/ruleset.h"

#include <dirent.h>
#include <stdio.h>
#include <string.h>

#include "scanner/core/banned.h"

/* A valid rule file; line numbers are referred to below. */
static const char valid_rules[] = "rules:\n"                                    /* 1 */
                                  "  - id: test.token\n"                        /* 2 */
                                  "    name: Test token\n"                      /* 3 */
                                  "    kind: test_token\n"                      /* 4 */
                                  "    pattern: 'tok_([A-Za-z0-9]{20})'\n"      /* 5 */
                                  "    secret_group: 1\n"                       /* 6 */
                                  "    keywords: [tok_]\n"                      /* 7 */
                                  "    entropy_min: 3.0\n"                      /* 8 */
                                  "    privilege: high\n"                       /* 9 */
                                  "    fallback: true\n"                        /* 10 */
                                  "    references: [https://example.org/tok]\n" /* 11 */
                                  "    description: A test token.\n"            /* 12 */
                                  "    remediation: Revoke it.\n"               /* 13 */
                                  "    tags: [test]\n"                          /* 14 */
                                  "    examples:\n"                             /* 15 */
                                  "      - 'key = tok_Ab3dEf6hIj9kLm2nOp5q'\n"  /* 16 */
                                  "      - text: 'tok_Zz9yXx8wVv7uUt6sSr5q'\n"  /* 17 */
                                  "        secret: 'Zz9yXx8wVv7uUt6sSr5q'\n"    /* 18 */
                                  "    examples_hex:\n"                         /* 19 */
                                  "      - hex: '746f6b5f 41623364'\n"          /* 20 */
                                  "    negative_examples:\n"                    /* 21 */
                                  "      - 'tok_short'\n"                       /* 22 */
                                  "  - id: generic.thing\n"                     /* 23 */
                                  "    name: Generic thing\n"                   /* 24 */
                                  "    kind: generic_secret\n"                  /* 25 */
                                  "    pattern: 'thing=[a-z]{8}'\n"             /* 26 */
                                  "    keywords: thing\n"                       /* 27 */
                                  "    binary: true\n"                          /* 28 */
                                  "    examples: ['thing=abcdefgh']\n"          /* 29 */
                                  "    negative_examples: ['thing=abc']\n";     /* 30 */

static int count_match(const struct fbs_match *m, void *payload)
{
    (void)m;
    ++*(int *)payload;
    return 0;
}

static struct fbs_ruleset *new_set(void)
{
    struct fbs_ruleset *rs = NULL;

    assert_int_equal(fbs_ruleset_new(&rs), 0);
    assert_non_null(rs);
    return rs;
}

static void add_ok(struct fbs_ruleset *rs, const char *name, const char *text)
{
    int rc = fbs_ruleset_add_text(rs, name, text, strlen(text));

    if (rc != 0)
        fail_msg("adding %s failed (%d): %s", name, rc, fbs_error_message());
}

/*
 * Add `text` as "bad.yml" to a fresh set: it must fail with a parse/rule error whose message
 * names the file, says `line N` and contains `what`; the set stays empty.
 */
static void expect_error(const char *text, int line, const char *what)
{
    struct fbs_ruleset *rs = new_set();
    char want_line[32];
    const char *msg;
    int rc;

    rc = fbs_ruleset_add_text(rs, "bad.yml", text, strlen(text));
    msg = fbs_error_message();
    snprintf(want_line, sizeof(want_line), "line %d:", line);
    if ((rc != FBS_EPARSE && rc != FBS_ERULE) || !strstr(msg, "bad.yml") ||
        !strstr(msg, want_line) || !strstr(msg, what))
        fail_msg("rc %d, message \"%s\"; wanted \"%s\" and \"%s\"", rc, msg, want_line, what);
    assert_int_equal(rs->n, 0);
    fbs_ruleset_free(rs);
}

/* A minimal rule body with one line replaced or added: builds text for error cases. */
#define RULE_HEAD                                                                                  \
    "rules:\n"                                                                                     \
    "  - id: t.one\n"                                                                              \
    "    name: One\n"                                                                              \
    "    kind: one\n"
#define RULE_PATTERN  "    pattern: 'one_[0-9]{6}'\n"
#define RULE_EXAMPLES "    examples: ['one_123456']\n"
#define RULE_NEG      "    negative_examples: ['one_12']\n"

static void test_ruleset__valid_file(void **state)
{
    struct fbs_ruleset *rs = new_set();
    const struct fbs_rule *r, *g;

    (void)state;
    add_ok(rs, "rules/test.yml", valid_rules);
    assert_int_equal(rs->n, 2);
    r = fbs_ruleset_find(rs, "test.token");
    assert_non_null(r);
    assert_string_equal(r->name, "Test token");
    assert_string_equal(r->kind, "test_token");
    assert_string_equal(r->pattern, "tok_([A-Za-z0-9]{20})");
    assert_int_equal(r->secret_group, 1);
    assert_int_equal(r->nkeywords, 1);
    assert_string_equal(r->keywords[0], "tok_");
    assert_true(r->entropy_min == 3.0);
    assert_int_equal(r->privilege, FBS_PRIV_HIGH);
    assert_true(r->fallback);
    assert_false(r->binary);
    assert_int_equal(r->priority, 0);
    assert_int_equal(r->nreferences, 1);
    assert_string_equal(r->description, "A test token.");
    assert_string_equal(r->remediation, "Revoke it.");
    assert_int_equal(r->validator, FBS_VALIDATE_NONE);
    assert_string_equal(r->file, "rules/test.yml");
    assert_int_equal(r->line, 2);
    assert_non_null(r->re);
    /* Examples: text form, mapping with secret, hex form; with their lines. */
    assert_int_equal(r->nexamples, 3);
    assert_string_equal(r->examples[0].text, "key = tok_Ab3dEf6hIj9kLm2nOp5q");
    assert_null(r->examples[0].secret);
    assert_int_equal(r->examples[0].line, 16);
    assert_string_equal(r->examples[1].text, "tok_Zz9yXx8wVv7uUt6sSr5q");
    assert_string_equal(r->examples[1].secret, "Zz9yXx8wVv7uUt6sSr5q");
    assert_int_equal(r->examples[1].secret_len, 20);
    assert_int_equal(r->examples[1].line, 17);
    assert_int_equal(r->examples[2].len, 8);
    assert_memory_equal(r->examples[2].text, "tok_Ab3d", 8);
    assert_int_equal(r->nnegatives, 1);
    assert_string_equal(r->negatives[0].text, "tok_short");
    assert_int_equal(r->negatives[0].line, 22);

    g = fbs_ruleset_find(rs, "generic.thing");
    assert_non_null(g);
    assert_int_equal(g->priority, -10); /* generic.* default */
    assert_true(g->binary);
    assert_int_equal(g->nkeywords, 1); /* a single string is a one-item list */
    assert_string_equal(g->keywords[0], "thing");
    assert_int_equal(g->secret_group, 0);
    assert_int_equal(g->privilege, FBS_PRIV_UNKNOWN);
    assert_null(fbs_ruleset_find(rs, "absent"));

    assert_int_equal(fbs_ruleset_compile(rs), 0);
    assert_true(rs->compiled);
    assert_non_null(rs->db_text);
    assert_non_null(rs->db_binary); /* generic.thing is binary */
    assert_int_equal(rs->max_groups, 2);
    /* Compiling twice is harmless; adding after compiling is refused. */
    assert_int_equal(fbs_ruleset_compile(rs), 0);
    assert_int_equal(fbs_ruleset_add_text(rs, "late.yml", valid_rules, strlen(valid_rules)),
                     FBS_EINVAL);
    fbs_ruleset_free(rs);
    fbs_ruleset_free(NULL);
}

static void test_ruleset__unknown_key(void **state)
{
    (void)state;
    expect_error(RULE_HEAD "    patern: 'one_[0-9]{6}'\n" RULE_EXAMPLES RULE_NEG, 5,
                 "unknown key 'patern'");
}

static void test_ruleset__missing_required(void **state)
{
    (void)state;
    expect_error("rules:\n"
                 "  - name: One\n"
                 "    kind: one\n" RULE_PATTERN RULE_EXAMPLES RULE_NEG,
                 2, "missing required key 'id'");
    expect_error(RULE_HEAD RULE_EXAMPLES RULE_NEG, 2, "missing required key 'pattern'");
    expect_error(RULE_HEAD RULE_PATTERN RULE_NEG, 2, "has no examples");
    expect_error(RULE_HEAD RULE_PATTERN RULE_EXAMPLES, 2, "has no negative_examples");
    expect_error(RULE_HEAD RULE_PATTERN "    examples: []\n" RULE_NEG, 2, "has no examples");
    expect_error("rules:\n"
                 "  - id: t.one\n"
                 "    kind: one\n" RULE_PATTERN RULE_EXAMPLES RULE_NEG,
                 2, "missing required key 'name'");
    expect_error(RULE_HEAD "    pattern: ''\n" RULE_EXAMPLES RULE_NEG, 5,
                 "'pattern' must not be empty");
    expect_error(RULE_HEAD "    pattern: 12\n" RULE_EXAMPLES RULE_NEG, 5,
                 "'pattern' must be a string");
}

static void test_ruleset__bad_values(void **state)
{
    (void)state;
    expect_error(RULE_HEAD RULE_PATTERN "    privilege: root\n" RULE_EXAMPLES RULE_NEG, 6,
                 "privilege 'root'");
    expect_error(RULE_HEAD RULE_PATTERN "    validate: luhn\n" RULE_EXAMPLES RULE_NEG, 6,
                 "unknown validator 'luhn'");
    expect_error(RULE_HEAD RULE_PATTERN "    fallback: yes\n" RULE_EXAMPLES RULE_NEG, 6,
                 "'fallback' must be true or false");
    expect_error(RULE_HEAD RULE_PATTERN "    entropy_min: 9\n" RULE_EXAMPLES RULE_NEG, 6,
                 "entropy_min");
    expect_error(RULE_HEAD RULE_PATTERN "    priority: 1.5\n" RULE_EXAMPLES RULE_NEG, 6,
                 "priority");
    expect_error(RULE_HEAD RULE_PATTERN "    secret_group: -1\n" RULE_EXAMPLES RULE_NEG, 6,
                 "secret_group");
    expect_error(RULE_HEAD RULE_PATTERN "    keywords: {a: b}\n" RULE_EXAMPLES RULE_NEG, 6,
                 "'keywords' must be a list of strings");
    expect_error(RULE_HEAD RULE_PATTERN "    keywords: [ok, '']\n" RULE_EXAMPLES RULE_NEG, 6,
                 "'keywords' item 2");
    expect_error(RULE_HEAD RULE_PATTERN "    tags: x\n" RULE_EXAMPLES RULE_NEG, 6,
                 "'tags' must be a list");
    expect_error("rules:\n"
                 "  - id: T.One\n"
                 "    name: One\n"
                 "    kind: one\n" RULE_PATTERN RULE_EXAMPLES RULE_NEG,
                 2, "rule id 'T.One'");
    expect_error(RULE_HEAD RULE_PATTERN RULE_EXAMPLES "    negative_examples:\n"
                                                      "      - text: x\n"
                                                      "        secret: x\n",
                 9, "'secret' has no meaning in negative_examples");
    expect_error(RULE_HEAD RULE_PATTERN "    examples:\n"
                                        "      - txt: one_123456\n" RULE_NEG,
                 7, "unknown key 'txt'");
    expect_error(RULE_HEAD RULE_PATTERN "    examples:\n"
                                        "      - 12\n" RULE_NEG,
                 7, "examples item 1 must be a string");
}

static void test_ruleset__pattern_errors(void **state)
{
    (void)state;
    expect_error(RULE_HEAD "    pattern: 'one_([0-9]{6}'\n" RULE_EXAMPLES RULE_NEG, 5,
                 "pattern does not compile");
    expect_error(RULE_HEAD "    pattern: 'one_[0-9'\n" RULE_EXAMPLES RULE_NEG, 5,
                 "pattern does not compile at offset");
    expect_error(RULE_HEAD RULE_PATTERN "    secret_group: 2\n" RULE_EXAMPLES RULE_NEG, 6,
                 "secret_group 2 but the pattern has 0 groups");
    expect_error(RULE_HEAD "    pattern: 'one_([0-9]{6})'\n"
                           "    secret_group: 3\n" RULE_EXAMPLES RULE_NEG,
                 6, "secret_group 3 but the pattern has 1 groups");
}

static void test_ruleset__large_repeat_rejected(void **state)
{
    struct fbs_ruleset *rs = new_set();

    (void)state;
    expect_error(RULE_HEAD "    pattern: 'one_[0-9]{8,4096}'\n" RULE_EXAMPLES RULE_NEG, 5,
                 "bounded repeat up to 4096");
    expect_error(RULE_HEAD "    pattern: 'one_(?:[0-9]{2}-){1,2000}'\n" RULE_EXAMPLES RULE_NEG, 5,
                 "bounded repeat up to 2000");
    /* At the limit, open bounds, exact counts and escaped braces are fine. */
    add_ok(rs, "a.yml", RULE_HEAD "    pattern: 'one_[0-9]{6,1024}'\n" RULE_EXAMPLES RULE_NEG);
    add_ok(rs, "b.yml", RULE_HEAD "    pattern: 'one_[0-9]{6,}'\n" RULE_EXAMPLES RULE_NEG);
    add_ok(rs, "c.yml", RULE_HEAD "    pattern: 'one_[0-9]{2000}'\n" RULE_EXAMPLES RULE_NEG);
    add_ok(rs, "d.yml",
           RULE_HEAD "    pattern: 'one_\\{6,4096\\}[0-9]{6}'\n" RULE_EXAMPLES RULE_NEG);
    assert_string_equal(fbs_ruleset_find(rs, "t.one")->pattern, "one_\\{6,4096\\}[0-9]{6}");
    fbs_ruleset_free(rs);
}

static void test_ruleset__duplicate_id_in_file(void **state)
{
    (void)state;
    expect_error(RULE_HEAD RULE_PATTERN RULE_EXAMPLES RULE_NEG /* lines 1-7 */
                 "  - id: t.one\n"                             /* 8 */
                 "    name: Again\n"
                 "    kind: one\n" RULE_PATTERN RULE_EXAMPLES RULE_NEG,
                 8, "duplicate rule id 't.one' (first at line 2)");
}

static void test_ruleset__file_shape_errors(void **state)
{
    (void)state;
    expect_error("rules: []\n"
                 "extra: 1\n",
                 2, "unknown top-level key 'extra'");
    expect_error("- id: x\n", 1, "must be a mapping with a 'rules' list");
    expect_error("rules: {id: x}\n", 1, "'rules' must be a list");
    expect_error("# header\n"
                 "rules:\n"
                 "  - just a string\n",
                 3, "a rule must be a mapping");
    /* YAML syntax errors go through the loader: file and line too. */
    expect_error("rules:\n"
                 "  - id: x\n"
                 "    name: [unclosed\n",
                 4, "cannot parse 'bad.yml'");
}

static void test_ruleset__examples_hex(void **state)
{
    (void)state;
    expect_error(RULE_HEAD RULE_PATTERN RULE_EXAMPLES "    examples_hex: ['abc']\n" RULE_NEG, 7,
                 "examples_hex item 1 is not valid hex");
    expect_error(RULE_HEAD RULE_PATTERN RULE_EXAMPLES "    examples_hex: ['zz']\n" RULE_NEG, 7,
                 "not valid hex");
    expect_error(RULE_HEAD RULE_PATTERN RULE_EXAMPLES "    examples_hex:\n"
                                                      "      - hex: '6f6e65'\n"
                                                      "        secret_hex: '6'\n" RULE_NEG,
                 8, "not valid hex");
}

static void test_ruleset__error_leaves_set_unchanged(void **state)
{
    struct fbs_ruleset *rs = new_set();
    static const char bad[] =
        RULE_HEAD RULE_PATTERN RULE_EXAMPLES RULE_NEG "  - id: test.token\n"
                                                      "    name: Broken replacement\n"
                                                      "    kind: one\n"
                                                      "    pattern: '('\n" RULE_EXAMPLES RULE_NEG;

    (void)state;
    add_ok(rs, "a.yml", valid_rules);
    assert_int_equal(fbs_ruleset_add_text(rs, "b.yml", bad, strlen(bad)), FBS_EPARSE);
    assert_int_equal(rs->n, 2);
    assert_null(fbs_ruleset_find(rs, "t.one")); /* the good rule of the bad file is not added */
    assert_string_equal(fbs_ruleset_find(rs, "test.token")->name, "Test token");
    fbs_ruleset_free(rs);
}

static void test_ruleset__override_same_id(void **state)
{
    struct fbs_ruleset *rs = new_set();
    static const char second[] = "rules:\n"
                                 "  - id: test.token\n"
                                 "    name: Replaced token\n"
                                 "    kind: test_token\n"
                                 "    pattern: 'tkn_[0-9a-f]{32}'\n"
                                 "    examples: ['tkn_0123456789abcdef0123456789abcdef']\n"
                                 "    negative_examples: ['tkn_0123']\n";
    const struct fbs_rule *r;

    (void)state;
    add_ok(rs, "builtin.yml", valid_rules);
    add_ok(rs, "mine.yml", second);
    assert_int_equal(rs->n, 2);
    r = fbs_ruleset_find(rs, "test.token");
    assert_string_equal(r->pattern, "tkn_[0-9a-f]{32}");
    assert_string_equal(r->name, "Replaced token");
    assert_string_equal(r->file, "mine.yml");
    assert_int_equal(r->nkeywords, 0);
    assert_false(r->fallback);
    assert_ptr_equal(rs->rules[0], r); /* the position is kept */
    assert_int_equal(fbs_ruleset_compile(rs), 0);
    fbs_ruleset_free(rs);
}

static void test_ruleset__compile_lookbehind_prefilter(void **state)
{
    struct fbs_ruleset *rs = new_set();
    static const char text[] = "rules:\n"
                               "  - id: lb.key\n"
                               "    name: Lookbehind\n"
                               "    kind: lb\n"
                               "    pattern: '(?<=apikey=)[a-z0-9]{16}'\n"
                               "    examples: ['apikey=abcdef0123456789']\n"
                               "    negative_examples: ['key=abcdef0123456789']\n"
                               "  - id: plain.key\n"
                               "    name: Plain\n"
                               "    kind: plain\n"
                               "    pattern: 'pk_[a-z0-9]{16}'\n"
                               "    examples: ['pk_abcdef0123456789']\n"
                               "    negative_examples: ['pk_abc']\n";

    (void)state;
    add_ok(rs, "lb.yml", text);
    assert_int_equal(fbs_ruleset_compile(rs), 0);
    assert_true(fbs_ruleset_find(rs, "lb.key")->prefilter);
    assert_false(fbs_ruleset_find(rs, "plain.key")->prefilter);
    assert_non_null(rs->db_text);
    assert_null(rs->db_binary); /* no binary rules */
    fbs_ruleset_free(rs);
}

static void test_ruleset__compile_empty_fails(void **state)
{
    struct fbs_ruleset *rs = new_set();

    (void)state;
    assert_int_equal(fbs_ruleset_compile(rs), FBS_ERULE);
    assert_non_null(strstr(fbs_error_message(), "no rules"));
    assert_false(rs->compiled);
    fbs_ruleset_free(rs);
}

static void test_ruleset__compile_error_names_rule(void **state)
{
    struct fbs_ruleset *rs = new_set();
    /* PCRE2 accepts a pattern that can match the empty string; Vectorscan refuses it. */
    static const char text[] =
        "rules:\n"
        "  - id: ok.rule\n"
        "    name: Fine\n"
        "    kind: one\n" RULE_PATTERN RULE_EXAMPLES RULE_NEG "  - id: empty.match\n"
        "    name: Empty\n"
        "    kind: one\n"
        "    pattern: '[a-z]*'\n" RULE_EXAMPLES RULE_NEG;
    const char *msg;

    (void)state;
    add_ok(rs, "empty.yml", text);
    assert_int_equal(fbs_ruleset_compile(rs), FBS_ERULE);
    msg = fbs_error_message();
    if (!strstr(msg, "empty.yml") || !strstr(msg, "line 8:") || !strstr(msg, "empty.match"))
        fail_msg("message \"%s\"", msg);
    assert_false(rs->compiled);
    fbs_ruleset_free(rs);
}

/* Compile valid_rules with `cache` and check that the set matches; returns nothing. */
static void compile_and_match(const char *cache)
{
    struct fbs_ruleset *rs = new_set();
    struct fbs_matcher *m = NULL;
    static const struct fbs_match_opts opts = {false, false, NULL};
    static const char text[] = "key = tok_Ab3dEf6hIj9kLm2nOp5q\n";
    int hits = 0;

    add_ok(rs, "rules/test.yml", valid_rules);
    assert_int_equal(fbs_ruleset_set_cache_dir(rs, cache), 0);
    assert_int_equal(fbs_ruleset_compile(rs), 0);
    assert_int_equal(fbs_matcher_new(&m, rs), 0);
    assert_int_equal(
        fbs_matcher_scan(m, (const unsigned char *)text, strlen(text), &opts, count_match, &hits),
        0);
    assert_int_equal(hits, 1);
    fbs_matcher_free(m);
    fbs_ruleset_free(rs);
}

/* The number of hs-*<suffix> cache files in dir (0 when it does not exist); the first one's
 * path in `first` when given. */
static int cache_files(const char *dir, const char *suffix, char *first, size_t size)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    int n = 0;

    if (!d)
        return 0;
    while ((de = readdir(d)) != NULL) {
        size_t len = strlen(de->d_name);

        if (!strncmp(de->d_name, "hs-", 3) && len > 3 + strlen(suffix) &&
            !strcmp(de->d_name + len - strlen(suffix), suffix)) {
            if (!n && first)
                snprintf(first, size, "%s/%s", dir, de->d_name);
            n++;
        }
    }
    closedir(d);
    return n;
}

/* A rule Vectorscan takes only as a prefilter (a backreference), and a cache that says it is
 * exact: the rule set still compiles and matches. */
static void prefilter_cache_lies(const char *dir)
{
    static const char rules[] = "rules:\n"
                                "  - id: test.backref\n"
                                "    name: Repeated token\n"
                                "    kind: test_token\n"
                                "    pattern: '(tok_[a-z]{8})-\\1'\n"
                                "    secret_group: 1\n"
                                "    examples: ['tok_abcdefgh-tok_abcdefgh']\n"
                                "    negative_examples: ['tok_abcdefgh-tok_zzzzzzzz']\n";
    char cache[300], pf[700];
    int pass;

    snprintf(cache, sizeof(cache), "%s/cache2", dir);
    for (pass = 0; pass < 3; pass++) {
        struct fbs_ruleset *rs = new_set();
        FILE *f;

        add_ok(rs, "rules/t.yml", rules);
        assert_int_equal(fbs_ruleset_set_cache_dir(rs, cache), 0);
        assert_int_equal(fbs_ruleset_compile(rs), 0);
        assert_true(rs->rules[0]->prefilter);
        fbs_ruleset_free(rs);
        if (pass == 0) { /* damage the cached decision: "exact" */
            assert_int_equal(cache_files(cache, ".pf", pf, sizeof(pf)), 1);
            f = fopen(pf, "wb");
            assert_non_null(f);
            assert_int_equal(fputs("0", f) >= 0, 1);
            assert_int_equal(fclose(f), 0);
        }
    }
}

static void test_ruleset__compile_cache(void **state)
{
    const char *tmp = fbs_test_tmpdir();
    char dir[256], cache[300], db[700];
    FILE *f;

    (void)state;
    snprintf(dir, sizeof(dir), "%s", tmp);
    snprintf(cache, sizeof(cache), "%s/cache", dir);
    /* No cache directory set: nothing is written. */
    compile_and_match(NULL);
    /* First run compiles and stores (text and binary databases), creating the directory. */
    compile_and_match(cache);
    assert_int_equal(cache_files(cache, ".db", db, sizeof(db)), 2);
    /* Second run loads them. */
    compile_and_match(cache);
    assert_int_equal(cache_files(cache, ".db", NULL, 0), 2);
    /* A corrupt entry is ignored (recompiled), never trusted. */
    f = fopen(db, "wb");
    assert_non_null(f);
    assert_int_equal(fputs("not a database", f) >= 0, 1);
    assert_int_equal(fclose(f), 0);
    compile_and_match(cache);
    /* The prefilter decisions are cached too; a damaged entry (wrong length, or claiming a
     * PCRE2-only pattern is exact) is not trusted. */
    assert_int_equal(cache_files(cache, ".pf", db, sizeof(db)), 1);
    f = fopen(db, "wb");
    assert_non_null(f);
    assert_int_equal(fputs("0", f) >= 0, 1);
    assert_int_equal(fclose(f), 0);
    compile_and_match(cache);
    prefilter_cache_lies(dir);
    /* An unusable directory is silent. */
    compile_and_match("/nonexistent/fbs/cache");
    fbs_test_rmtree(dir);
}

static void test_ruleset__add_dir(void **state)
{
    const char *tmp = fbs_test_tmpdir();
    char dir[512], missing[600];
    struct fbs_ruleset *rs = new_set();
    static const char a[] = "rules:\n"
                            "  - id: d.one\n"
                            "    name: First\n"
                            "    kind: one\n" RULE_PATTERN RULE_EXAMPLES RULE_NEG;
    static const char b[] = "rules:\n"
                            "  - id: d.one\n"
                            "    name: Second\n"
                            "    kind: one\n" RULE_PATTERN RULE_EXAMPLES RULE_NEG;
    static const char c[] = "rules:\n"
                            "  - id: d.two\n"
                            "    name: Two\n"
                            "    kind: one\n" RULE_PATTERN RULE_EXAMPLES RULE_NEG;

    (void)state;
    snprintf(dir, sizeof(dir), "%s", tmp);
    /* Name order: a.yml, b.yaml, c.yml; b replaces a's rule. Other files and subfolders (like
     * rules/vocab) are ignored. */
    fbs_test_write(dir, "a.yml", a, strlen(a));
    fbs_test_write(dir, "b.yaml", b, strlen(b));
    fbs_test_write(dir, "c.yml", c, strlen(c));
    fbs_test_write(dir, "vocab/terms.yml", "terms: []\n", 10);
    fbs_test_write(dir, "notes.txt", "not yaml: [", 11);
    fbs_test_write(dir, ".hidden.yml", "broken: [", 9);
    assert_int_equal(fbs_ruleset_add_dir(rs, dir), 0);
    assert_int_equal(rs->n, 2);
    assert_string_equal(fbs_ruleset_find(rs, "d.one")->name, "Second");
    assert_non_null(fbs_ruleset_find(rs, "d.two"));
    /* A broken file names its path. */
    fbs_test_write(dir, "z.yml", "rules: [", 8);
    assert_int_equal(fbs_ruleset_add_dir(rs, dir), FBS_EPARSE);
    assert_non_null(strstr(fbs_error_message(), "z.yml"));
    snprintf(missing, sizeof(missing), "%s/none", dir);
    assert_int_equal(fbs_ruleset_add_dir(rs, missing), FBS_EIO);
    fbs_ruleset_free(rs);
    fbs_test_rmtree(dir);
}

static void test_ruleset__builtin(void **state)
{
    struct fbs_ruleset *rs = new_set();
    int rc;

    (void)state;
    rc = fbs_ruleset_add_builtin(rs);
    if (rc < 0 || rs->n == 0) {
        /*
         * The built-in pack (the .yml files of rules/) is being written concurrently; while it is
         * missing or does not load, this case cannot say anything about the loader. Unskip when it
         * lands.
         */
        print_message("built-in rules not available yet (rc %d, %zu rules): %s\n", rc, rs->n,
                      fbs_error_message());
        fbs_ruleset_free(rs);
        fail();
    }
    assert_int_equal(fbs_ruleset_compile(rs), 0);
    assert_true(rs->compiled);
    assert_non_null(rs->db_text);
    {
        size_t i;

        for (i = 0; i < rs->n; i++) {
            assert_non_null(rs->rules[i]->re);
            assert_true(rs->rules[i]->nexamples > 0);
            assert_true(rs->rules[i]->nnegatives > 0);
            assert_non_null(strstr(rs->rules[i]->file, "rules/"));
        }
    }
    fbs_ruleset_free(rs);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ruleset__valid_file),
        cmocka_unit_test(test_ruleset__unknown_key),
        cmocka_unit_test(test_ruleset__missing_required),
        cmocka_unit_test(test_ruleset__bad_values),
        cmocka_unit_test(test_ruleset__pattern_errors),
        cmocka_unit_test(test_ruleset__large_repeat_rejected),
        cmocka_unit_test(test_ruleset__duplicate_id_in_file),
        cmocka_unit_test(test_ruleset__file_shape_errors),
        cmocka_unit_test(test_ruleset__examples_hex),
        cmocka_unit_test(test_ruleset__error_leaves_set_unchanged),
        cmocka_unit_test(test_ruleset__override_same_id),
        cmocka_unit_test(test_ruleset__compile_lookbehind_prefilter),
        cmocka_unit_test(test_ruleset__compile_empty_fails),
        cmocka_unit_test(test_ruleset__compile_error_names_rule),
        cmocka_unit_test(test_ruleset__compile_cache),
        cmocka_unit_test(test_ruleset__add_dir),
        cmocka_unit_test(test_ruleset__builtin),
    };

    fbs_test_use_cmocka_alloc();
    return cmocka_run_group_tests(tests, NULL, NULL);
}
