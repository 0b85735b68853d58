/* test_sweep_config.c - sweep/sweep_config.c and the target URLs of sweep/sweep_target.c. */
#include "support/test_support.h"

#include "scanner/core/alloc.h"
#include "scanner/core/error.h"
#include "scanner/sweep/sweep.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scanner/core/banned.h"

static char path[512];

static int load(struct fbs_sweep_config *c, const char *text)
{
    const char *dir = fbs_test_tmpdir();

    fbs_test_write(dir, "sweep.yml", text, strlen(text));
    snprintf(path, sizeof(path), "%s/sweep.yml", dir);
    return fbs_sweep_config_load(c, path);
}

static void test_sweep_config__short_form(void **state)
{
    struct fbs_sweep_config c;
    char want[600];

    (void)state;
    setenv("HOME", "/home/u", 1);
    assert_int_equal(load(&c, "targets: [~/src/a, https://h.example/org/b.git, rel, 'src/*']\n"),
                     0);
    assert_int_equal(c.ntargets, 4);
    assert_string_equal(c.targets[0].kind, "path");
    assert_string_equal(c.targets[0].location, "/home/u/src/a");
    assert_string_equal(c.targets[1].kind, "url");
    assert_string_equal(c.targets[1].location, "https://h.example/org/b.git");
    snprintf(want, sizeof(want), "%.*s/rel", (int)(strrchr(path, '/') - path), path);
    assert_string_equal(c.targets[2].location, want);
    assert_string_equal(c.targets[3].kind, "glob");
    assert_int_equal(c.targets[0].line, 1);
    fbs_sweep_config_release(&c);
}

static void test_sweep_config__full_form(void **state)
{
    struct fbs_sweep_config c;

    (void)state;
    assert_int_equal(load(&c, "defaults:\n"
                              "  exclude: [node_modules/]\n"
                              "  max_blob_size: 1MiB\n"
                              "targets:\n"
                              "  - path: /srv/a\n"
                              "    exclude: vendor/\n"
                              "    include: ['**/*.tf']\n"
                              "    max_blob_size: 2MiB\n"
                              "  - url_file: /srv/urls.txt\n"
                              "  - inventory: /srv/aws.csv\n"
                              "policy: /srv/policy.yml\n"
                              "rules: [/srv/rules]\n"
                              "builtin_rules: false\n"),
                     0);
    assert_int_equal(c.ntargets, 3);
    assert_int_equal(c.targets[0].nexcludes, 2);
    assert_string_equal(c.targets[0].excludes[0], "vendor/");
    assert_string_equal(c.targets[0].excludes[1], "node_modules/");
    assert_int_equal(c.targets[0].nincludes, 1);
    assert_int_equal(c.targets[0].max_blob_size, 2u << 20);
    assert_int_equal(c.targets[1].max_blob_size, 1u << 20);
    assert_string_equal(c.targets[1].kind, "url_file");
    assert_string_equal(c.targets[2].kind, "inventory");
    assert_int_equal(c.targets[2].line, 10);
    assert_string_equal(c.policy_file, "/srv/policy.yml");
    assert_int_equal(c.nrule_dirs, 1);
    assert_true(c.no_builtin_rules);
    fbs_sweep_config_release(&c);
}

static void test_sweep_config__errors_name_file_and_line(void **state)
{
    struct fbs_sweep_config c;

    (void)state;
    assert_int_equal(load(&c, "targets:\n  - path: a\n    exclud: [x]\n"), FBS_EPARSE);
    assert_non_null(strstr(fbs_error_message(), "sweep.yml': line 3: unknown key 'exclud'"));
    assert_int_equal(load(&c, "targets:\n  - path: a\n    url: b\n"), FBS_EPARSE);
    assert_non_null(strstr(fbs_error_message(), "not both"));
    assert_int_equal(load(&c, "targets: []\n"), FBS_EPARSE);
    assert_non_null(strstr(fbs_error_message(), "line 1: 'targets' must be a non-empty list"));
    assert_int_equal(load(&c, "targets: [a]\nmax_blob: 3\n"), FBS_EPARSE);
    assert_non_null(strstr(fbs_error_message(), "line 2: unknown key 'max_blob'"));
    assert_int_equal(load(&c, "targets:\n  - path: a\n    max_blob_size: lots\n"), FBS_EPARSE);
    assert_non_null(strstr(fbs_error_message(), "line 3"));
    assert_int_equal(load(&c, "targets:\n  - cloud: gcp\n"), FBS_EPARSE);
    assert_non_null(strstr(fbs_error_message(), "not supported in sweeps yet"));
    assert_int_equal(load(&c, "targets:\n  - path: a\n    profile: p\n"), FBS_EPARSE);
    assert_non_null(strstr(fbs_error_message(), "go with 'cloud:'"));
    assert_int_equal(
        load(&c, "targets:\n  - cloud: aws\n    profile: audit\n    region: eu-west-1\n"), 0);
    assert_string_equal(c.targets[0].kind, "aws");
    assert_string_equal(c.targets[0].profile, "audit");
    assert_string_equal(c.targets[0].region, "eu-west-1");
    fbs_sweep_config_release(&c);
    assert_int_equal(load(&c, "targets: [a\n"), FBS_EPARSE);
    assert_non_null(strstr(fbs_error_message(), "sweep.yml': line"));
    assert_int_equal(load(&c, "- a\n- b\n"), FBS_EPARSE);
    assert_non_null(strstr(fbs_error_message(), "a mapping with 'targets:'"));
}

static void test_sweep_config__public_url(void **state)
{
    static const char *const cases[][2] = {
        {"https://user:tok@GitHub.com/Org/Repo.git", "https://github.com/Org/Repo"},
        {"https://github.com/org/repo/", "https://github.com/org/repo"},
        {"https://h.example/org/repo.git?x=1#f", "https://h.example/org/repo"},
        {"git@github.com:org/repo.git", "ssh://github.com/org/repo"},
        {"ssh://git@h.example:2222/org/repo", "ssh://h.example:2222/org/repo"},
        {"file:///srv/git/repo.git", "file:///srv/git/repo"},
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *u = fbs_sweep_public_url(cases[i][0]);

        assert_non_null(u);
        assert_string_equal(u, cases[i][1]);
        fbs_free(u);
    }
    assert_null(fbs_sweep_public_url("/srv/git/repo"));
    assert_false(fbs_sweep_is_url("src/a"));
    assert_true(fbs_sweep_is_url("git@h:o/r"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sweep_config__short_form),
        cmocka_unit_test(test_sweep_config__full_form),
        cmocka_unit_test(test_sweep_config__errors_name_file_and_line),
        cmocka_unit_test(test_sweep_config__public_url),
    };

    fbs_test_use_cmocka_alloc();
    return cmocka_run_group_tests(tests, NULL, NULL);
}
