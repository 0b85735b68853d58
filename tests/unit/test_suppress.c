/* test_suppress.c - scanner/model/suppress.c: ignore entries (reasons, expiry, selectors) and
 * baselines (JSON, JSON Lines, SARIF). */
#include "support/test_support.h"

#include "scanner/core/error.h"
#include "scanner/model/suppress.h"

#include <stdio.h>
#include <string.h>

#include "scanner/core/banned.h"

#define NOW ((fbs_time_t)1795392000) /* 2026-11-23 */

struct bad_entry {
    const char *text;
    const char *message;
};

static void test_suppress__malformed_entries(void **state)
{
    static const struct bad_entry cases[] = {
        {"secrets/\n", "line 1: an entry needs a reason"},
        {"# c\n\nsecrets/  #   \n", "line 3: an entry needs a reason"},
        {"a/ expires=2027-13-01  # x\n", "line 1: bad expiry date"},
        {"a/ b/  # two selectors\n", "unexpected text after the selector"},
        {"fingerprint:1234  # short\n", "32 lowercase hex digits"},
        {"commit:abc  # unknown\n", "unknown selector 'commit:abc'"},
        {"!keep.bak  # negation\n", "negated patterns"},
        {"rule:  # empty\n", "empty selector"},
    };
    struct fbs_ignores s;
    size_t i;

    (void)state;
    assert_int_equal(fbs_ignores_init(&s), 0);
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        assert_int_equal(
            fbs_ignores_load_text(&s, "ign", cases[i].text, strlen(cases[i].text), NULL),
            FBS_EPARSE);
        if (!strstr(fbs_error_message(), cases[i].message))
            fail_msg("case %zu: '%s'", i, fbs_error_message());
        assert_non_null(strstr(fbs_error_message(), "'ign'"));
    }
    assert_int_equal(s.entries.len, 0); /* a bad file adds nothing */
    fbs_ignores_release(&s);
}

static struct fbs_finding *finding(const char *target, const char *rel, const char *rule)
{
    struct fbs_finding *f = fbs_finding_new();

    assert_non_null(f);
    assert_int_equal(fbs_finding_set_str(&f->target, target), 0);
    assert_int_equal(fbs_finding_set_str(&f->rel_path, rel), 0);
    assert_int_equal(fbs_finding_set_str(&f->rule_id, rule), 0);
    memcpy(f->id, "0123456789abcdef0123456789abcdef", 33);
    return f;
}

struct match_case {
    const char *target, *rel, *rule;
    int entry_line;   /* the line of the entry that must match, 0 none */
    int expired_line; /* the line of the expired entry reported, 0 none */
};

static void test_suppress__matching(void **state)
{
    static const char text[] = "# header\n"
                               "path:fixtures/  # test data\n"                           /* 2 */
                               "*.md  # docs\n"                                          /* 3 */
                               "rule:generic.*  # noisy\n"                               /* 4 */
                               "fingerprint:0123456789abcdef0123456789abcdef  # known\n" /* 5 */
                               "old/ expires=2026-01-31  # legacy\n";                    /* 6 */
    static const struct match_case cases[] = {
        {"repo", "fixtures/a/keys.env", "aws.access_key_id", 2, 0},
        {"repo", "docs/setup.md", "aws.access_key_id", 3, 0},
        {"repo", "app/config.yml", "generic.password", 4, 0},
        {"repo", "app/config.yml", "aws.access_key_id", 5, 0},
        {"other", "fixtures/keys.env", "aws.access_key_id", 0, 0}, /* entries of target repo */
        {"repo", "old/x.env", "aws.access_key_id", 5, 6},
    };
    struct fbs_ignores s;
    size_t i;

    (void)state;
    assert_int_equal(fbs_ignores_init(&s), 0);
    assert_int_equal(fbs_ignores_load_text(&s, "ign", text, strlen(text), "repo"), 0);
    assert_int_equal(s.entries.len, 5);
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct fbs_finding *f = finding(cases[i].target, cases[i].rel, cases[i].rule);
        struct fbs_ignore_entry *e, *expired;

        if (i == 4)
            memcpy(f->id, "ffffffffffffffffffffffffffffffff", 33);
        if (i == 5) { /* only the expired entry and the fingerprint select it */
            e = fbs_ignores_match(&s, f, NOW, &expired);
            assert_non_null(e);
            assert_int_equal(e->line, 5);
            memcpy(f->id, "ffffffffffffffffffffffffffffffff", 33);
        }
        e = fbs_ignores_match(&s, f, NOW, &expired);
        if (i == 5) {
            assert_null(e);
            assert_non_null(expired);
            assert_int_equal(expired->line, 6);
            /* Before its expiry date it suppresses. */
            e = fbs_ignores_match(&s, f, NOW - 400 * 86400, &expired);
            assert_non_null(e);
            assert_int_equal(e->line, 6);
        } else if (cases[i].entry_line) {
            assert_non_null(e);
            assert_int_equal(e->line, cases[i].entry_line);
        } else {
            assert_null(e);
        }
        fbs_finding_free(f);
    }
    fbs_ignores_release(&s);
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");

    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

struct baseline_case {
    const char *text;
    int rc;
    size_t known;
    const char *message;
};

static void test_suppress__baselines(void **state)
{
    static const struct baseline_case cases[] = {
        {"{\"schema\":\"fallback-scan/report/v1\",\"findings\":[{\"id\":\"aaaa\",\"rule\":{\"id\":"
         "\"r\",\"name\":\"R\"},\"location\":{\"path\":\"p\",\"line\":3}},{\"id\":\"bbbb\"}],"
         "\"summary\":{}}",
         0, 2, NULL},
        {"{\"id\":\"aaaa\",\"rule\":{\"id\":\"r\"}}\n{\"id\":\"cccc\",\"rule\":{\"id\":\"r\"}}\n"
         "{\"schema\":\"fallback-scan/report/v1\",\"summary\":{}}\n",
         0, 2, NULL},
        {"{\"version\":\"2.1.0\",\"runs\":[{\"results\":[{\"ruleId\":\"r\",\"partialFingerprints\":"
         "{\"fallbackScan/v1\":\"dddd\"}},{\"ruleId\":\"r\",\"baselineState\":\"absent\","
         "\"partialFingerprints\":{\"fallbackScan/v1\":\"eeee\"}}]}]}",
         0, 1, NULL},
        {"{\"runs\": 3}", FBS_EPARSE, 0, "not a fallback-scan"},
        {"{\"id\":\"aaaa\",\"rule\":{}}\n{not json\n", FBS_EPARSE, 0, "line 2"},
        {"", FBS_EPARSE, 0, "not a fallback-scan"},
    };
    char path[256];
    size_t i;

    (void)state;
    snprintf(path, sizeof(path), "%s/baseline.json", fbs_test_tmpdir());
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct fbs_baseline b = {0};
        int rc;

        write_file(path, cases[i].text);
        rc = fbs_baseline_load(&b, path);
        if (rc != cases[i].rc)
            fail_msg("case %zu: rc %d (%s)", i, rc, fbs_error_message());
        if (rc == 0)
            assert_int_equal(json_object_size(b.known), cases[i].known);
        else
            assert_non_null(strstr(fbs_error_message(), cases[i].message));
        fbs_baseline_release(&b);
    }
    {
        struct fbs_baseline b = {0};

        assert_int_equal(fbs_baseline_load(&b, "/nonexistent/base.json"), FBS_EIO);
        fbs_baseline_release(&b);
    }
    remove(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_suppress__malformed_entries),
        cmocka_unit_test(test_suppress__matching),
        cmocka_unit_test(test_suppress__baselines),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
