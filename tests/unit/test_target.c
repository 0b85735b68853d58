/*
 * test_target.c - model/target.c (a target's identity: URL normalisation, fbs_target_id, the
 * fingerprint scope, lookup) and sources/source_target.c (describing real repositories).
 */
#include "support/test_support.h"

#include "scanner/core/alloc.h"
#include "scanner/core/buf.h"
#include "scanner/core/error.h"
#include "scanner/model/diag.h"
#include "scanner/model/target.h"
#include "scanner/sources/source.h"

#include <git2.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scanner/core/banned.h"

/* The normalised form of `url`, or "EPARSE". */
static void normalised(char *out, size_t size, const char *url)
{
    struct fbs_buf b = FBS_BUF_INIT;
    int rc = fbs_target_url_normalise(&b, url);

    if (rc == FBS_EPARSE) {
        assert_int_equal(b.len, 0);
        snprintf(out, size, "EPARSE");
    } else {
        assert_int_equal(rc, 0);
        snprintf(out, size, "%s", b.ptr);
    }
    fbs_buf_release(&b);
}

static void test_target__url_normalise_same_repository(void **state)
{
    static const char *const same[] = {
        "https://github.com/org/repo",
        "https://github.com/org/repo.git",
        "https://github.com/org/repo/",
        "https://github.com/org/repo.git/",
        "https://GitHub.COM/org/repo",
        "https://user:ghp_secretTOKEN@github.com/org/repo.git",
        "https://x-access-token@github.com/org/repo?ref=main#frag",
        "https://github.com:443/org/repo",
        "http://github.com:80/org/repo",
        "git@github.com:org/repo",
        "git@github.com:org/repo.git",
        "git@GITHUB.com:/org/repo.git",
        "github.com:org/repo",
        "ssh://git@github.com/org/repo.git",
        "ssh://git@github.com:22/org/repo",
        "git+ssh://git@github.com/org/repo",
        "git://github.com/org/repo.git",
        "https://github.com//org///repo",
    };
    char got[256];
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(same) / sizeof(same[0]); i++) {
        normalised(got, sizeof(got), same[i]);
        if (strcmp(got, "github.com/org/repo"))
            fail_msg("'%s' normalised to '%s'", same[i], got);
    }
}

static void test_target__url_normalise_keeps_what_differs(void **state)
{
    static const char *const cases[][2] = {
        /* A non-default port is another server; the path keeps its case. */
        {"ssh://git@host.example:2222/team/app.git", "host.example:2222/team/app"},
        {"https://host.example:8443/team/app", "host.example:8443/team/app"},
        {"https://host.example/Team/App", "host.example/Team/App"},
        {"https://host.example/group/sub/app.git", "host.example/group/sub/app"},
        {"https://[2001:db8::1]:8443/team/app", "[2001:db8::1]:8443/team/app"},
        /* Local repositories: their absolute path. */
        {"file:///srv/git/app.git", "/srv/git/app"},
        {"file://localhost/srv/git/app.git/", "/srv/git/app"},
        {"/srv/git/app.git", "/srv/git/app"},
        {"/home/me/src/app/.git", "/home/me/src/app"},
        /* Not a repository URL. */
        {"relative/path", "EPARSE"},
        {"./repo", "EPARSE"},
        {"C:repo", "EPARSE"},
        {"https://host.example", "EPARSE"},
        {"https://host.example/", "EPARSE"},
        {"https:///org/repo", "EPARSE"},
        {"git@host.example:", "EPARSE"},
        {"file://", "EPARSE"},
        {"/", "EPARSE"},
    };
    char got[256];
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        normalised(got, sizeof(got), cases[i][0]);
        if (strcmp(got, cases[i][1]))
            fail_msg("'%s' normalised to '%s', expected '%s'", cases[i][0], got, cases[i][1]);
    }
}

static void test_target__public_url_drops_credentials(void **state)
{
    char *u = NULL;

    (void)state;
    assert_int_equal(fbs_target_public_url(&u, "https://ci:ghp_TOKEN@github.com/o/r.git?x=1#y"), 0);
    assert_string_equal(u, "https://github.com/o/r.git");
    fbs_free(u);
    assert_int_equal(fbs_target_public_url(&u, "git@github.com:o/r.git"), 0);
    assert_string_equal(u, "ssh://github.com/o/r.git");
    fbs_free(u);
    assert_int_equal(fbs_target_public_url(&u, "/srv/git/r.git"), 0);
    assert_null(u);
    assert_true(fbs_target_is_url("git@host:org/repo"));
    assert_true(fbs_target_is_url("https://host/org/repo"));
    assert_false(fbs_target_is_url("dir/with:colon"));
    assert_false(fbs_target_is_url("repo"));
}

static void test_target__strip_credentials(void **state)
{
    static const char *const cases[][2] = {
        {"https://ci:ghp_TOKEN@github.com/o/r.git", "https://github.com/o/r.git"},
        {"https://x-access-token:p@ss@host/o/r", "https://host/o/r"}, /* '@' in the password */
        {"clone of 'https://u:t@h/r' and ssh://git@h/r failed",
         "clone of 'https://h/r' and ssh://h/r failed"},
        {"https://host/path/user@example.com/keys", "https://host/path/user@example.com/keys"},
        {"git@github.com:o/r", "git@github.com:o/r"}, /* scp-like: no password */
        {"plain/path", "plain/path"},
        {"", ""},
    };
    struct fbs_stats stats;
    struct fbs_diags diags;
    const struct fbs_diag *d;
    char *out = NULL;
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        assert_int_equal(fbs_target_strip_credentials_dup(&out, cases[i][0]), 0);
        assert_string_equal(out, cases[i][1]);
        fbs_free(out);
    }
    assert_int_equal(fbs_target_strip_credentials_dup(&out, NULL), 0);
    assert_null(out);
    /* Diagnostics never keep them: a failed clone names its URL. */
    fbs_stats_init(&stats);
    assert_int_equal(fbs_diags_init(&diags, &stats, true), 0);
    fbs_diags_add(&diags, true, "clone_failed", "https://u:ghp_TOKEN@h.example/o/r.git",
                  "cannot clone '%s'", "https://u:ghp_TOKEN@h.example/o/r.git");
    assert_int_equal(diags.items.len, 1);
    d = diags.items.items[0];
    assert_string_equal(d->path, "https://h.example/o/r.git");
    assert_string_equal(d->message, "cannot clone 'https://h.example/o/r.git'");
    fbs_diags_release(&diags);
}

/* A target of `kind` from fields (NULL: unknown), finished; the caller releases it. */
static void make(struct fbs_target *t, enum fbs_target_kind kind, const char *name,
                 const char *root, const char *remote, const char *account)
{
    fbs_target_init(t);
    t->kind = kind;
    t->name = name ? fbs_strdup(name) : NULL;
    t->root = root ? fbs_strdup(root) : NULL;
    t->remote = remote ? fbs_strdup(remote) : NULL;
    t->account = account ? fbs_strdup(account) : NULL;
    assert_int_equal(fbs_target_finish(t), 0);
}

static void test_target__id_and_scope(void **state)
{
    struct fbs_target t;
    char *id = NULL;

    (void)state;
    /* A repository with a URL remote: the remote, however it is spelt, for both. */
    make(&t, FBS_TARGET_GIT, "./a/", "/work/a", "https://tok@Git.Example.com/team/a.git", NULL);
    assert_string_equal(t.id, "git:git.example.com/team/a");
    assert_string_equal(t.scope, "git:git.example.com/team/a");
    fbs_target_release(&t);
    make(&t, FBS_TARGET_GIT, "b", "/elsewhere/b", "git@git.example.com:team/a", NULL);
    assert_string_equal(t.id, "git:git.example.com/team/a");
    fbs_target_release(&t);

    /* A URL target (cloned, no root). */
    make(&t, FBS_TARGET_GIT, "https://git.example.com/team/a.git", NULL, NULL, NULL);
    assert_string_equal(t.id, "git:git.example.com/team/a");
    fbs_target_release(&t);

    /* Known by its path only: the root is its identity, the path as given its scope. */
    make(&t, FBS_TARGET_GIT, "./repos//a/", "/work/repos/a", NULL, NULL);
    assert_string_equal(t.id, "path:/work/repos/a");
    assert_string_equal(t.scope, "given:repos/a");
    fbs_target_release(&t);
    make(&t, FBS_TARGET_FILES, ".", "/work", NULL, NULL);
    assert_string_equal(t.id, "path:/work");
    assert_string_equal(t.scope, "given:.");
    fbs_target_release(&t);
    make(&t, FBS_TARGET_FILES, "/abs/./dir/", "/abs/dir", NULL, NULL);
    assert_string_equal(t.scope, "given:/abs/dir");
    fbs_target_release(&t);
    make(&t, FBS_TARGET_FILES, "gone", NULL, NULL, NULL);
    assert_string_equal(t.id, "path:gone");
    fbs_target_release(&t);

    /* Cloud accounts and inventories. */
    make(&t, FBS_TARGET_CLOUD, "aws:123456789012", NULL, NULL, NULL);
    assert_string_equal(t.id, "aws:123456789012");
    assert_string_equal(t.scope, "aws:123456789012");
    fbs_target_release(&t);
    make(&t, FBS_TARGET_CLOUD, "kubernetes:ctx", NULL, NULL, "kubernetes:prod-eu");
    assert_string_equal(t.id, "kubernetes:prod-eu");
    fbs_target_release(&t);
    make(&t, FBS_TARGET_INVENTORY, "exports/keys.json", NULL, NULL, NULL);
    assert_string_equal(t.id, "inventory:exports/keys.json");
    assert_string_equal(t.scope, "given:exports/keys.json");
    t.inventory = fbs_strdup("/data/exports/keys.json");
    assert_int_equal(fbs_target_finish(&t), 0);
    assert_string_equal(t.id, "inventory:/data/exports/keys.json");
    fbs_target_release(&t);

    /* A target without a name names nothing. */
    fbs_target_init(&t);
    assert_int_equal(fbs_target_id(&id, &t), FBS_EINVAL);
    assert_null(id);
    assert_int_equal(fbs_target_finish(&t), FBS_EINVAL);
    fbs_target_release(&t);
    fbs_target_release(NULL);
    fbs_targets_free(NULL, 3);
    assert_string_equal(fbs_target_kind_name(FBS_TARGET_INVENTORY), "inventory");
    assert_string_equal(fbs_target_kind_name(FBS_TARGET_GIT), "git");
}

static void test_target__lookup(void **state)
{
    struct fbs_target *ts = fbs_calloc(2, sizeof(*ts));

    (void)state;
    assert_non_null(ts);
    make(&ts[0], FBS_TARGET_FILES, "a", "/w/a", NULL, NULL);
    make(&ts[1], FBS_TARGET_FILES, "b", "/w/b", NULL, NULL);
    assert_ptr_equal(fbs_target_lookup(ts, 2, "b"), &ts[1]);
    assert_ptr_equal(fbs_target_lookup(ts, 2, "a"), &ts[0]);
    assert_null(fbs_target_lookup(ts, 2, "c"));
    assert_null(fbs_target_lookup(ts, 2, NULL)); /* which of two? none */
    assert_ptr_equal(fbs_target_lookup(ts, 1, NULL), &ts[0]);
    assert_null(fbs_target_lookup(NULL, 0, "a"));
    fbs_targets_free(ts, 2);
}

static void test_target__enomem(void **state)
{
    long n;

    (void)state;
    for (n = 0; n < 16; n++) {
        struct fbs_target t;
        int rc;

        fbs_target_init(&t);
        t.kind = FBS_TARGET_GIT;
        t.name = fbs_strdup("repo");
        t.root = fbs_strdup("/w/repo");
        t.remote = fbs_strdup("https://git.example.com/team/repo.git");
        fbs_test_fail_allocs_after(n);
        rc = fbs_target_finish(&t);
        fbs_test_fail_allocs_after(-1);
        assert_true(rc == 0 || rc == FBS_ENOMEM);
        if (rc == 0)
            assert_string_equal(t.id, "git:git.example.com/team/repo");
        fbs_target_release(&t);
    }
}

/* Describe real repositories and directories as the CLI does. */
static void test_target__describe(void **state)
{
    const char *dir = fbs_test_tmpdir();
    char head[64], path[PATH_MAX], real[PATH_MAX], expect[PATH_MAX + 16];
    struct fbs_target t;

    (void)state;
    fbs_test_sh(dir, "g init -q app && cd app && printf 'x\\n' > f && mkdir sub && touch sub/g && "
                     "g add f sub/g && commit_at 2025-01-02T03:04:05Z first && "
                     "g remote add origin https://ci:ghp_TOKEN@Git.Example.com/team/app.git && "
                     "cd .. && g init -q local && cd local && touch f && g add f && "
                     "commit_at 2025-01-02T03:04:05Z first && cd .. && mkdir plain && "
                     "printf 'k\\n' > plain/file.env");
    fbs_test_sh_out(head, sizeof(head), dir, "cd app && g rev-parse HEAD");
    assert_non_null(realpath(dir, real));

    /* A work tree's top, as 'scan' sees it. */
    snprintf(path, sizeof(path), "%s/app", dir);
    assert_int_equal(fbs_target_describe(&t, path, false), 0);
    assert_int_equal(t.kind, FBS_TARGET_GIT);
    assert_string_equal(t.name, path);
    snprintf(expect, sizeof(expect), "%s/app", real);
    assert_string_equal(t.root, expect);
    assert_string_equal(t.remote, "https://Git.Example.com/team/app.git"); /* no token */
    assert_string_equal(t.revision, head);
    assert_string_equal(t.branch, "main");
    assert_string_equal(t.id, "git:git.example.com/team/app");
    assert_string_equal(t.scope, t.id);
    fbs_target_release(&t);

    /* A directory inside it: 'git' finds the repository, 'scan' takes plain files. */
    snprintf(path, sizeof(path), "%s/app/sub", dir);
    assert_int_equal(fbs_target_describe(&t, path, true), 0);
    assert_string_equal(t.id, "git:git.example.com/team/app");
    fbs_target_release(&t);
    assert_int_equal(fbs_target_describe(&t, path, false), 0);
    assert_int_equal(t.kind, FBS_TARGET_FILES);
    snprintf(expect, sizeof(expect), "path:%s/app/sub", real);
    assert_string_equal(t.id, expect);
    assert_null(t.revision);
    fbs_target_release(&t);

    /* A repository without a remote: its work tree. */
    snprintf(path, sizeof(path), "%s/local", dir);
    assert_int_equal(fbs_target_describe(&t, path, false), 0);
    assert_int_equal(t.kind, FBS_TARGET_GIT);
    assert_null(t.remote);
    snprintf(expect, sizeof(expect), "path:%s/local", real);
    assert_string_equal(t.id, expect);
    assert_non_null(t.revision);
    fbs_target_release(&t);

    /* A bare clone: the repository, known by its directory (it has no work tree). */
    fbs_test_sh(dir, "g clone -q --bare app bare.git");
    snprintf(path, sizeof(path), "%s/bare.git", dir);
    assert_int_equal(fbs_target_describe(&t, path, false), 0);
    assert_int_equal(t.kind, FBS_TARGET_GIT);
    snprintf(expect, sizeof(expect), "%s/bare.git", real);
    assert_string_equal(t.root, expect);
    assert_string_equal(t.revision, head);
    assert_null(t.remote); /* cloned from a path: no URL */
    snprintf(expect, sizeof(expect), "path:%s/bare.git", real);
    assert_string_equal(t.id, expect);
    fbs_target_release(&t);

    /* Plain files: a file target is rooted at its directory. */
    snprintf(path, sizeof(path), "%s/plain/file.env", dir);
    assert_int_equal(fbs_target_describe(&t, path, false), 0);
    assert_int_equal(t.kind, FBS_TARGET_FILES);
    snprintf(expect, sizeof(expect), "path:%s/plain", real);
    assert_string_equal(t.id, expect);
    fbs_target_release(&t);

    /* A URL: known by its URL (credentials dropped); a vanished path by its name. */
    assert_int_equal(fbs_target_describe(&t, "https://u:p@git.example.com/team/x.git", true), 0);
    assert_int_equal(t.kind, FBS_TARGET_GIT);
    assert_string_equal(t.remote, "https://git.example.com/team/x.git");
    assert_string_equal(t.id, "git:git.example.com/team/x");
    assert_null(t.root);
    fbs_target_release(&t);
    snprintf(path, sizeof(path), "%s/nothing-here", dir);
    assert_int_equal(fbs_target_describe(&t, path, false), 0);
    assert_int_equal(t.kind, FBS_TARGET_FILES);
    assert_null(t.root);
    fbs_target_release(&t);
    fbs_test_rmtree(dir);
}

/* Each thread starts and ends libgit2 as a sweep worker's scan does. */
static void *git_init_loop(void *arg)
{
    (void)arg;
    for (int i = 0; i < 3000; i++) {
        if (fbs_git_init() < 0)
            return (void *)1;
        git_libgit2_shutdown();
    }
    return NULL;
}

/*
 * fbs_git_init from many threads while libgit2 is up: the extension list is set once, when
 * libgit2 comes up, never again from the others (setting it frees the old list: a sweep's
 * workers doing that at once was a double free), and it survives them.
 */
static void test_target__git_init_threads(void **state)
{
    pthread_t th[4];
    git_strarray ext = {NULL, 0};
    bool partial = false;

    (void)state;
    assert_int_equal(fbs_git_init(), 1);
    for (size_t i = 0; i < 4; i++)
        assert_int_equal(pthread_create(&th[i], NULL, git_init_loop, NULL), 0);
    for (size_t i = 0; i < 4; i++) {
        void *ret = (void *)1;

        assert_int_equal(pthread_join(th[i], &ret), 0);
        assert_null(ret);
    }
    assert_int_equal(git_libgit2_opts(GIT_OPT_GET_EXTENSIONS, &ext), 0);
    for (size_t i = 0; i < ext.count; i++)
        partial = partial || strcmp(ext.strings[i], "partialclone") == 0;
    git_strarray_dispose(&ext);
    assert_true(partial);
    assert_int_equal(git_libgit2_shutdown(), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_target__url_normalise_same_repository),
        cmocka_unit_test(test_target__url_normalise_keeps_what_differs),
        cmocka_unit_test(test_target__public_url_drops_credentials),
        cmocka_unit_test(test_target__strip_credentials),
        cmocka_unit_test(test_target__id_and_scope),
        cmocka_unit_test(test_target__lookup),
        cmocka_unit_test(test_target__enomem),
        cmocka_unit_test(test_target__describe),
        cmocka_unit_test(test_target__git_init_threads),
    };

    fbs_test_use_failing_alloc();
    return cmocka_run_group_tests(tests, NULL, NULL);
}
