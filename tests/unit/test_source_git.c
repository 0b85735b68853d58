/*
 * test_source_git.c - sources/source_git.c: every reachable blob once, with the commit and path
 * that introduced it; scoping (since, range, branches, staged); clones; work tree files; and the
 * damaged repositories the scan must survive. Each test builds its repository with `git` and
 * pinned dates (fbs_test_sh), then drives fbs_source_git.scan() with a recording callback.
 */
#include "support/test_support.h"

#include "scanner/core/alloc.h"
#include "scanner/core/error.h"
#include "scanner/core/vec.h"
#include "scanner/model/diag.h"
#include "scanner/sources/source.h"

#include <dirent.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "scanner/core/banned.h"

#define MAX_RECS 64

/* 2024-02-01T00:00:00Z and friends, as epoch seconds. */
#define T_2024_01_01 1704067200
#define T_2024_02_01 1706745600
#define T_2024_03_01 1709251200

/* One blob the callback saw; fixed storage so that worker threads need not allocate. */
struct rec {
    char path[256];
    char data[64]; /* the first bytes, NUL-terminated */
    size_t len;
    enum fbs_source_kind source;
    bool binary;
    bool has_prov;
    char commit[48];
    char author[128];
    char message[128];
    char removed_in[48];
    fbs_time_t authored, committed;
    int in_head;
    unsigned other;
};

struct recs {
    pthread_mutex_t lock;
    size_t n;
    struct rec r[MAX_RECS];
    unsigned max_worker;
    bool bad_blob; /* a blob field was wrong (asserting in a worker thread would not work) */
    int ret;       /* what the callback returns */
};

static void copy_str(char *dst, size_t size, const char *s)
{
    snprintf(dst, size, "%s", s ? s : "");
}

static int record(const struct fbs_blob *b, unsigned worker, void *payload)
{
    struct recs *rs = payload;

    pthread_mutex_lock(&rs->lock);
    if (rs->n < MAX_RECS) {
        struct rec *r = &rs->r[rs->n];
        size_t n = b->len < sizeof(r->data) - 1 ? b->len : sizeof(r->data) - 1;

        copy_str(r->path, sizeof(r->path), b->path);
        memcpy(r->data, b->data, n);
        r->data[n] = '\0';
        r->len = b->len;
        r->source = b->source;
        r->binary = b->binary;
        r->has_prov = b->prov != NULL;
        if (b->prov) {
            copy_str(r->commit, sizeof(r->commit), b->prov->commit);
            copy_str(r->author, sizeof(r->author), b->prov->author);
            copy_str(r->message, sizeof(r->message), b->prov->message);
            copy_str(r->removed_in, sizeof(r->removed_in), b->prov->removed_in);
            r->authored = b->prov->authored;
            r->committed = b->prov->committed;
            r->in_head = b->prov->in_head;
            r->other = b->prov->other_locations;
        }
        /* No settle callback here: every provenance must be final when delivered. */
        if (!b->path || !b->rel_path || !b->target ||
            (b->source == FBS_SOURCE_GIT &&
             (!b->prov || b->mtime != 0 || strcmp(b->path, b->rel_path) || b->prov->settle_key)) ||
            (b->source == FBS_SOURCE_FILE && b->prov))
            rs->bad_blob = true;
    }
    rs->n++;
    if (worker > rs->max_worker)
        rs->max_worker = worker;
    pthread_mutex_unlock(&rs->lock);
    return rs->ret;
}

/* One scan's state. */
struct scan {
    struct fbs_source_opts o;
    struct fbs_stats stats;
    struct fbs_diags diags;
    struct recs *r;
    const char *targets[4];
    int rc;
};

static void scan_init(struct scan *s, const char *target)
{
    memset(s, 0, sizeof(*s));
    fbs_stats_init(&s->stats);
    assert_int_equal(fbs_diags_init(&s->diags, &s->stats, true), 0);
    s->r = calloc(1, sizeof(*s->r));
    assert_non_null(s->r);
    pthread_mutex_init(&s->r->lock, NULL);
    s->targets[0] = target;
    s->o.targets = s->targets;
    s->o.ntargets = 1;
    s->o.threads = 1; /* the calling thread only: cmocka's allocator is not thread-safe */
    s->o.max_file_size = 25u << 20;
    s->o.stats = &s->stats;
    s->o.diags = &s->diags;
}

static void scan_run(struct scan *s)
{
    s->rc = fbs_source_git.scan(&s->o, record, s->r);
}

static void scan_release(struct scan *s)
{
    assert_false(s->r->bad_blob);
    fbs_diags_release(&s->diags);
    pthread_mutex_destroy(&s->r->lock);
    free(s->r);
    s->r = NULL;
}

static uint64_t skipped(const struct scan *s, enum fbs_skip why)
{
    return atomic_load(&s->stats.skipped[why]);
}

/* The diagnostic of this kind (and subject, when given), or NULL. */
static const struct fbs_diag *find_diag(const struct scan *s, const char *kind, const char *subject)
{
    size_t i;

    for (i = 0; i < s->diags.items.len; i++) {
        const struct fbs_diag *d = s->diags.items.items[i];

        if (strcmp(d->kind, kind))
            continue;
        if (!subject || (d->path && !strcmp(d->path, subject)))
            return d;
    }
    return NULL;
}

/* The record of the blob at `path` with content starting with `data` (NULL: any); fails the
 * test unless there is exactly one. */
static const struct rec *the_rec(const struct scan *s, const char *path, const char *data)
{
    const struct rec *found = NULL;
    size_t i, n = 0;

    for (i = 0; i < s->r->n && i < MAX_RECS; i++) {
        const struct rec *r = &s->r->r[i];

        if (strcmp(r->path, path) || (data && strncmp(r->data, data, strlen(data))))
            continue;
        found = r;
        n++;
    }
    if (n != 1)
        fprintf(stderr, "expected one blob at '%s' (%s), found %zu\n", path, data ? data : "*", n);
    assert_int_equal(n, 1);
    return found;
}

/* How many blobs had this content (prefix). */
static size_t count_data(const struct scan *s, const char *data)
{
    size_t i, n = 0;

    for (i = 0; i < s->r->n && i < MAX_RECS; i++)
        if (!strncmp(s->r->r[i].data, data, strlen(data)))
            n++;
    return n;
}

static void new_dir(char *out, size_t size)
{
    snprintf(out, size, "%s", fbs_test_tmpdir());
}

static void rev(char *out, size_t size, const char *dir, const char *what)
{
    fbs_test_sh_out(out, size, dir, "git rev-parse %s", what);
    assert_int_equal(strlen(out), 40);
}

/* ---------------------------------------------------------------------------------------- */

static void test_source_git__added_then_removed(void **state)
{
    char dir[256], c2[48], c3[48];
    const struct rec *r;
    struct scan s;

    (void)state;
    new_dir(dir, sizeof(dir));
    fbs_test_sh(dir, "g init -q . && echo hello > README && g add README && "
                     "commit_at 2024-01-01T00:00:00Z 'initial' && "
                     "mkdir -p infra && echo 'breakglass_key = K1' > infra/bg.tfvars && "
                     "g add infra && GIT_AUTHOR_DATE=2024-01-15T00:00:00Z "
                     "GIT_COMMITTER_DATE=2024-02-01T00:00:00Z g commit -q -m "
                     "'add emergency access key' -m 'body line' && "
                     "g rm -q infra/bg.tfvars && commit_at 2024-03-01T00:00:00Z 'remove key'");
    rev(c2, sizeof(c2), dir, "HEAD~1");
    rev(c3, sizeof(c3), dir, "HEAD");
    scan_init(&s, dir);
    scan_run(&s);
    assert_int_equal(s.rc, 0);
    assert_int_equal(s.r->n, 2);
    r = the_rec(&s, "infra/bg.tfvars", "breakglass_key");
    assert_int_equal(r->source, FBS_SOURCE_GIT);
    assert_true(r->has_prov);
    assert_string_equal(r->commit, c2);
    assert_string_equal(r->author, "Test <test@example.com>");
    assert_string_equal(r->message, "add emergency access key");
    assert_int_equal(r->committed, T_2024_02_01);
    assert_int_equal(r->authored, T_2024_01_01 + 14 * 86400);
    assert_int_equal(r->in_head, 0);
    assert_string_equal(r->removed_in, c3);
    assert_int_equal(r->other, 0);
    r = the_rec(&s, "README", "hello");
    assert_int_equal(r->in_head, 1);
    assert_string_equal(r->removed_in, "");
    assert_int_equal(r->committed, T_2024_01_01);
    assert_int_equal(atomic_load(&s.stats.blobs), 2);
    assert_int_equal(atomic_load(&s.stats.files), 2);
    assert_int_equal(atomic_load(&s.stats.commits), 3);
    assert_int_equal(atomic_load(&s.stats.errors), 0);
    scan_release(&s);
    fbs_test_rmtree(dir);
}

static void test_source_git__same_blob_two_paths_two_branches(void **state)
{
    char dir[256], c1[48];
    const struct rec *r;
    struct scan s;

    (void)state;
    new_dir(dir, sizeof(dir));
    fbs_test_sh(dir, "g init -q . && echo base > base.txt && g add . && "
                     "commit_at 2024-01-01T00:00:00Z base && "
                     "echo SAME-SECRET > a.txt && g add . && commit_at 2024-01-02T00:00:00Z a && "
                     "g checkout -q -b side HEAD~1 && mkdir d && echo SAME-SECRET > d/b.txt && "
                     "echo SAME-SECRET > d/c.txt && g add . && commit_at 2024-01-03T00:00:00Z b "
                     "&& g checkout -q main");
    rev(c1, sizeof(c1), dir, "main");
    scan_init(&s, dir);
    scan_run(&s);
    assert_int_equal(s.rc, 0);
    assert_int_equal(count_data(&s, "SAME-SECRET"), 1);
    r = the_rec(&s, "a.txt", "SAME-SECRET");
    assert_string_equal(r->commit, c1); /* the older introduction wins */
    assert_int_equal(r->in_head, 1);
    assert_true(r->other >= 2); /* d/b.txt and d/c.txt on the side branch */
    assert_int_equal(s.r->n, 2);
    scan_release(&s);
    fbs_test_rmtree(dir);
}

static void test_source_git__rename_not_reported_again(void **state)
{
    char dir[256], c1[48];
    const struct rec *r;
    struct scan s;

    (void)state;
    new_dir(dir, sizeof(dir));
    fbs_test_sh(dir, "g init -q . && echo RENAMED-SECRET > old.txt && g add . && "
                     "commit_at 2024-01-01T00:00:00Z add && g mv old.txt new.txt && "
                     "commit_at 2024-01-02T00:00:00Z rename");
    rev(c1, sizeof(c1), dir, "HEAD~1");
    scan_init(&s, dir);
    scan_run(&s);
    assert_int_equal(s.rc, 0);
    assert_int_equal(s.r->n, 1);
    r = the_rec(&s, "old.txt", "RENAMED-SECRET");
    assert_string_equal(r->commit, c1);
    assert_int_equal(r->in_head, 0);        /* not at this path in HEAD */
    assert_string_equal(r->removed_in, ""); /* moved, not removed: still in HEAD */
    assert_int_equal(r->other, 1);
    scan_release(&s);
    fbs_test_rmtree(dir);
}

static void test_source_git__merge_commits(void **state)
{
    char dir[256], side[48], merge[48];
    const struct rec *r;
    struct scan s;

    (void)state;
    new_dir(dir, sizeof(dir));
    fbs_test_sh(dir, "g init -q . && echo base > base.txt && g add . && "
                     "commit_at 2024-01-01T00:00:00Z base && g checkout -q -b side && "
                     "echo SIDE-SECRET > side.txt && g add . && commit_at 2024-01-02T00:00:00Z s "
                     "&& g checkout -q main && echo main > main.txt && g add . && "
                     "commit_at 2024-01-03T00:00:00Z m && "
                     "GIT_AUTHOR_DATE=2024-01-04T00:00:00Z GIT_COMMITTER_DATE=2024-01-04T00:00:00Z "
                     "g merge -q --no-ff --no-commit side && echo EVIL-MERGE > evil.txt && "
                     "g add . && commit_at 2024-01-04T00:00:00Z merge && g branch -q -D side");
    rev(side, sizeof(side), dir, "HEAD^2");
    rev(merge, sizeof(merge), dir, "HEAD");
    scan_init(&s, dir);
    scan_run(&s);
    assert_int_equal(s.rc, 0);
    assert_int_equal(s.r->n, 4);
    r = the_rec(&s, "side.txt", "SIDE-SECRET");
    assert_string_equal(r->commit, side); /* introduced on the side branch, not by the merge */
    assert_int_equal(r->in_head, 1);
    r = the_rec(&s, "evil.txt", "EVIL-MERGE");
    assert_string_equal(r->commit, merge); /* new relative to both parents */
    assert_int_equal(atomic_load(&s.stats.commits), 4);
    scan_release(&s);
    fbs_test_rmtree(dir);
}

/* A secret replaced by another version, then the replacement reverted: the revert's tree was
 * walked before, yet what it drops is still noted. */
static void test_source_git__replaced_and_reverted(void **state)
{
    char dir[256], c1[48], c2[48], c3[48];
    const struct rec *r;
    struct scan s;

    (void)state;
    new_dir(dir, sizeof(dir));
    fbs_test_sh(dir, "g init -q . && mkdir -p cfg && echo KEY-ONE > cfg/key.txt && "
                     "echo other > other.txt && g add . && commit_at 2024-01-01T00:00:00Z one && "
                     "echo KEY-TWO > cfg/key.txt && g add . && commit_at 2024-01-02T00:00:00Z two "
                     "&& g revert --no-edit HEAD >/dev/null && "
                     "g commit -q --amend -m three --date 2024-01-03T00:00:00Z");
    rev(c1, sizeof(c1), dir, "HEAD~2");
    rev(c2, sizeof(c2), dir, "HEAD~1");
    rev(c3, sizeof(c3), dir, "HEAD");
    scan_init(&s, dir);
    scan_run(&s);
    assert_int_equal(s.rc, 0);
    assert_int_equal(s.r->n, 3);
    r = the_rec(&s, "cfg/key.txt", "KEY-ONE");
    assert_string_equal(r->commit, c1);
    assert_int_equal(r->in_head, 1);
    assert_string_equal(r->removed_in, ""); /* back in HEAD */
    r = the_rec(&s, "cfg/key.txt", "KEY-TWO");
    assert_string_equal(r->commit, c2);
    assert_int_equal(r->in_head, 0);
    assert_string_equal(r->removed_in, c3);
    assert_int_equal(atomic_load(&s.stats.commits), 3);
    scan_release(&s);
    fbs_test_rmtree(dir);
}

/* A tag may point straight at a blob (or a tree): reachable, so scanned, without a commit. */
static void test_source_git__tag_to_blob(void **state)
{
    char dir[256];
    const struct rec *r;
    struct scan s;

    (void)state;
    new_dir(dir, sizeof(dir));
    fbs_test_sh(dir, "g init -q . && echo A > a.txt && g add . && commit_at 2024-01-01T00:00:00Z a "
                     "&& g tag blobtag $(echo TAGGED-BLOB | git hash-object -w --stdin) && "
                     "g tag treetag $(printf '100644 blob %%s\\tt.txt\\n' "
                     "$(echo IN-TAGGED-TREE | git hash-object -w --stdin) | git mktree)");
    scan_init(&s, dir);
    scan_run(&s);
    assert_int_equal(s.rc, 0);
    assert_int_equal(s.r->n, 3);
    r = the_rec(&s, "refs/tags/blobtag", "TAGGED-BLOB");
    assert_true(r->has_prov);
    assert_string_equal(r->commit, "");
    r = the_rec(&s, "t.txt", "IN-TAGGED-TREE");
    assert_string_equal(r->commit, "");
    scan_release(&s);
    fbs_test_rmtree(dir);
}

static void test_source_git__tag_only_reachable(void **state)
{
    char dir[256], tagged[48];
    const struct rec *r;
    struct scan s;

    (void)state;
    new_dir(dir, sizeof(dir));
    fbs_test_sh(dir, "g init -q . && echo base > base.txt && g add . && "
                     "commit_at 2024-01-01T00:00:00Z base && g checkout -q --detach && "
                     "echo TAGGED-SECRET > tagged.txt && g add . && "
                     "commit_at 2024-01-02T00:00:00Z tagged && "
                     "g tag -a -m 'release' v1 && g checkout -q main");
    rev(tagged, sizeof(tagged), dir, "v1^{commit}");
    scan_init(&s, dir);
    scan_run(&s);
    assert_int_equal(s.rc, 0);
    r = the_rec(&s, "tagged.txt", "TAGGED-SECRET");
    assert_string_equal(r->commit, tagged);
    assert_int_equal(r->in_head, 0);
    assert_int_equal(s.r->n, 2);
    scan_release(&s);
    fbs_test_rmtree(dir);
}

/* A branch that was deleted leaves its objects behind until gc, but nothing reaches them: the
 * scan covers what refs reach, as git does, so its blobs are not scanned. */
static void test_source_git__deleted_branch_unreachable(void **state)
{
    char dir[256], oid[48];
    struct scan s;

    (void)state;
    new_dir(dir, sizeof(dir));
    fbs_test_sh(dir, "g init -q . && echo base > base.txt && g add . && "
                     "commit_at 2024-01-01T00:00:00Z base && g checkout -q -b tmp && "
                     "echo GONE-SECRET > gone.txt && g add . && commit_at 2024-01-02T00:00:00Z g "
                     "&& g checkout -q main && g branch -q -D tmp");
    fbs_test_sh_out(oid, sizeof(oid), dir, "echo GONE-SECRET | git hash-object --stdin");
    fbs_test_sh(dir, "git cat-file -e %s", oid); /* the object is still there */
    scan_init(&s, dir);
    scan_run(&s);
    assert_int_equal(s.rc, 0);
    assert_int_equal(count_data(&s, "GONE-SECRET"), 0);
    assert_int_equal(s.r->n, 1);
    scan_release(&s);
    fbs_test_rmtree(dir);
}

static void test_source_git__binary_and_large(void **state)
{
    char dir[256];
    const struct rec *r;
    struct scan s;

    (void)state;
    new_dir(dir, sizeof(dir));
    fbs_test_sh(dir, "g init -q . && printf 'BIN\\000\\001\\002' > bin.dat && "
                     "head -c 3000 /dev/zero | tr '\\000' x > big.txt && echo small > small.txt && "
                     ": > empty.txt && g add . && commit_at 2024-01-01T00:00:00Z files");
    scan_init(&s, dir);
    s.o.max_blob_size = 1000;
    scan_run(&s);
    assert_int_equal(s.rc, 0);
    assert_int_equal(s.r->n, 1);
    the_rec(&s, "small.txt", "small");
    assert_int_equal(skipped(&s, FBS_SKIP_BINARY), 1);
    assert_int_equal(skipped(&s, FBS_SKIP_TOO_LARGE), 1);
    assert_int_equal(skipped(&s, FBS_SKIP_EMPTY), 1);
    assert_non_null(find_diag(&s, "too_large", "big.txt"));
    assert_false(find_diag(&s, "too_large", "big.txt")->error);
    assert_non_null(find_diag(&s, "binary", "bin.dat"));
    assert_int_equal(atomic_load(&s.stats.errors), 0);
    assert_int_equal(atomic_load(&s.stats.files), 4);
    scan_release(&s);

    /* A rule targets binary content: binary blobs go through; max_blob_size 0 means
     * max_file_size. */
    scan_init(&s, dir);
    s.o.scan_binary = true;
    s.o.max_file_size = 2000;
    scan_run(&s);
    assert_int_equal(s.rc, 0);
    assert_int_equal(s.r->n, 2);
    r = the_rec(&s, "bin.dat", "BIN");
    assert_true(r->binary);
    assert_int_equal(r->len, 6);
    assert_int_equal(skipped(&s, FBS_SKIP_TOO_LARGE), 1);
    scan_release(&s);
    fbs_test_rmtree(dir);
}

static void test_source_git__missing_loose_object(void **state)
{
    char dir[256], oid[48];
    const struct fbs_diag *d;
    struct scan s;

    (void)state;
    new_dir(dir, sizeof(dir));
    fbs_test_sh(dir, "g init -q . && echo KEEP > keep.txt && echo LOST-SECRET > lost.txt && "
                     "g add . && commit_at 2024-01-01T00:00:00Z files");
    fbs_test_sh_out(oid, sizeof(oid), dir, "git rev-parse HEAD:lost.txt");
    fbs_test_sh(dir, "rm -f .git/objects/%.2s/%s", oid, oid + 2);
    scan_init(&s, dir);
    scan_run(&s);
    assert_int_equal(s.rc, 0);
    assert_int_equal(s.r->n, 1);
    the_rec(&s, "keep.txt", "KEEP");
    d = find_diag(&s, "missing_object", oid);
    assert_non_null(d);
    assert_true(d->error);
    assert_non_null(strstr(d->message, "lost.txt"));
    assert_true(atomic_load(&s.stats.errors) > 0);
    assert_int_equal(skipped(&s, FBS_SKIP_UNREADABLE), 1);
    scan_release(&s);
    fbs_test_rmtree(dir);
}

static void test_source_git__corrupt_object_and_missing_tree(void **state)
{
    char dir[256], blob[48], tree[48];
    struct scan s;

    (void)state;
    new_dir(dir, sizeof(dir));
    fbs_test_sh(dir, "g init -q . && echo KEEP > keep.txt && echo BAD > bad.txt && "
                     "mkdir sub && echo SUB > sub/s.txt && g add . && "
                     "commit_at 2024-01-01T00:00:00Z files");
    fbs_test_sh_out(blob, sizeof(blob), dir, "git rev-parse HEAD:bad.txt");
    fbs_test_sh_out(tree, sizeof(tree), dir, "git rev-parse HEAD:sub");
    fbs_test_sh(dir,
                "f=.git/objects/%.2s/%s && chmod u+w $f && echo garbage > $f && "
                "rm -f .git/objects/%.2s/%s",
                blob, blob + 2, tree, tree + 2);
    scan_init(&s, dir);
    scan_run(&s);
    assert_int_equal(s.rc, 0);
    the_rec(&s, "keep.txt", "KEEP");
    assert_int_equal(s.r->n, 1);
    assert_non_null(find_diag(&s, "corrupt_object", blob));
    assert_non_null(find_diag(&s, "missing_object", tree));
    assert_true(find_diag(&s, "missing_object", tree)->error);
    assert_true(atomic_load(&s.stats.errors) >= 2);
    scan_release(&s);
    fbs_test_rmtree(dir);
}

static void test_source_git__unreadable_ref(void **state)
{
    char dir[256];
    const struct fbs_diag *d;
    struct scan s;

    (void)state;
    new_dir(dir, sizeof(dir));
    fbs_test_sh(dir, "g init -q . && echo A > a.txt && g add . && "
                     "commit_at 2024-01-01T00:00:00Z a && "
                     "echo 0123456789012345678901234567890123456789 > .git/refs/heads/dangling "
                     "&& mkdir -p .git/refs/heads/team && echo garbage > .git/refs/heads/team/x");
    scan_init(&s, dir);
    scan_run(&s);
    assert_int_equal(s.rc, 0);
    the_rec(&s, "a.txt", "A");
    d = find_diag(&s, "unreadable_ref", "refs/heads/dangling");
    assert_non_null(d);
    assert_true(d->error);
    d = find_diag(&s, "unreadable_ref", "refs/heads/team/x"); /* libgit2 does not list it */
    assert_non_null(d);
    assert_true(d->error);
    assert_int_equal(atomic_load(&s.stats.errors), 2);
    scan_release(&s);
    fbs_test_rmtree(dir);
}

static void test_source_git__shallow_clone(void **state)
{
    char dir[256], src[300], dst[300], head[48];
    const struct fbs_diag *d;
    const struct rec *r;
    struct scan s;

    (void)state;
    new_dir(dir, sizeof(dir));
    snprintf(src, sizeof(src), "%s/src", dir);
    snprintf(dst, sizeof(dst), "%s/dst", dir);
    fbs_test_sh(dir,
                "mkdir src && cd src && g init -q . && echo OLD-ONLY > old.txt && "
                "echo v1 > f.txt && g add . && commit_at 2024-01-01T00:00:00Z one && "
                "g rm -q old.txt && echo v2 > f.txt && g add . && "
                "commit_at 2024-01-02T00:00:00Z two && echo NEW > n.txt && g add . && "
                "commit_at 2024-01-03T00:00:00Z three && cd .. && "
                "g clone -q --depth 1 file://%s dst",
                src);
    rev(head, sizeof(head), dst, "HEAD");
    scan_init(&s, dst);
    scan_run(&s);
    assert_int_equal(s.rc, 0);
    assert_int_equal(s.r->n, 2);
    r = the_rec(&s, "f.txt", "v2");
    assert_string_equal(r->commit, head); /* the boundary commit, as far as we can know */
    the_rec(&s, "n.txt", "NEW");
    assert_int_equal(count_data(&s, "OLD-ONLY"), 0);
    d = find_diag(&s, "shallow", dst);
    assert_non_null(d);
    assert_false(d->error);
    assert_int_equal(atomic_load(&s.stats.errors), 0);
    scan_release(&s);
    fbs_test_rmtree(dir);
}

/* c1: a.txt v1; c2: b.txt; c3: c.txt and a.txt v2. */
static void three_commits(const char *dir, char c1[48], char c2[48])
{
    fbs_test_sh(dir, "g init -q . && echo A-V1 > a.txt && g add . && "
                     "commit_at 2024-01-01T00:00:00Z c1 && echo B > b.txt && g add . && "
                     "commit_at 2024-01-02T00:00:00Z c2 && echo C > c.txt && echo A-V2 > a.txt "
                     "&& g add . && commit_at 2024-01-03T00:00:00Z c3");
    rev(c1, 48, dir, "HEAD~2");
    rev(c2, 48, dir, "HEAD~1");
}

static void test_source_git__since_commit(void **state)
{
    char dir[256], c1[48], c2[48];
    const struct rec *r;
    struct scan s;

    (void)state;
    new_dir(dir, sizeof(dir));
    three_commits(dir, c1, c2);
    scan_init(&s, dir);
    s.o.since_commit = c1;
    scan_run(&s);
    assert_int_equal(s.rc, 0);
    assert_int_equal(s.r->n, 3);
    r = the_rec(&s, "b.txt", "B");
    assert_string_equal(r->commit, c2);
    the_rec(&s, "c.txt", "C");
    the_rec(&s, "a.txt", "A-V2");
    assert_int_equal(count_data(&s, "A-V1"), 0);
    assert_int_equal(atomic_load(&s.stats.commits), 2);
    scan_release(&s);

    /* An abbreviated id and a revision expression work too. */
    scan_init(&s, dir);
    s.o.since_commit = "HEAD~1";
    scan_run(&s);
    assert_int_equal(s.rc, 0);
    assert_int_equal(s.r->n, 2);
    scan_release(&s);

    /* A base that does not exist is an error, not a full scan. */
    scan_init(&s, dir);
    s.o.since_commit = "no-such-commit";
    scan_run(&s);
    assert_int_equal(s.rc, FBS_ENOTFOUND);
    assert_non_null(strstr(fbs_error_message(), "no-such-commit"));
    assert_int_equal(s.r->n, 0);
    scan_release(&s);
    fbs_test_rmtree(dir);
}

/*
 * --since-commit BASE is `git log BASE..HEAD`: secrets on other branches, tags, remote-tracking
 * refs and notes are not what this checkout adds, and are not scanned.
 */
static void test_source_git__since_commit_only_head(void **state)
{
    char dir[256], base[48], c3[48], c4[48];
    static const char *const only_side[] = {"side"};
    const struct rec *r;
    struct scan s;

    (void)state;
    new_dir(dir, sizeof(dir));
    fbs_test_sh(dir, "g init -q . && echo base > base.txt && g add . && "
                     "commit_at 2024-01-01T00:00:00Z base && "
                     /* other branches, a tag, a remote-tracking ref: each with a secret */
                     "g checkout -q -b side && echo SIDE-SECRET > side.txt && g add . && "
                     "commit_at 2024-01-02T00:00:00Z side && "
                     "g checkout -q -b tagged main && echo TAG-SECRET > tag.txt && g add . && "
                     "commit_at 2024-01-03T00:00:00Z tagged && g tag -a -m t v1 && "
                     "g checkout -q -b remote main && echo REMOTE-SECRET > remote.txt && "
                     "g add . && commit_at 2024-01-04T00:00:00Z remote && "
                     "g update-ref refs/remotes/origin/x HEAD && g checkout -q main && "
                     "g branch -q -D tagged remote && "
                     /* the clean branch under test */
                     "g checkout -q -b pr && echo CLEAN > clean.txt && g add . && "
                     "commit_at 2024-01-05T00:00:00Z clean");
    rev(base, sizeof(base), dir, "main");
    scan_init(&s, dir);
    s.o.since_commit = base;
    scan_run(&s);
    assert_int_equal(s.rc, 0);
    assert_int_equal(s.r->n, 1);
    assert_int_equal(the_rec(&s, "clean.txt", "CLEAN")->in_head, 1);
    assert_int_equal(count_data(&s, "SIDE-SECRET"), 0);
    assert_int_equal(count_data(&s, "TAG-SECRET"), 0);
    assert_int_equal(count_data(&s, "REMOTE-SECRET"), 0);
    assert_int_equal(atomic_load(&s.stats.commits), 1);
    scan_release(&s);

    /* Without --since-commit every ref is still scanned. */
    scan_init(&s, dir);
    scan_run(&s);
    assert_int_equal(s.rc, 0);
    assert_int_equal(count_data(&s, "SIDE-SECRET"), 1);
    assert_int_equal(count_data(&s, "TAG-SECRET"), 1);
    assert_int_equal(count_data(&s, "REMOTE-SECRET"), 1);
    scan_release(&s);

    /* Added and removed within BASE..HEAD: history only, removed by the later commit. */
    fbs_test_sh(dir, "echo PR-SECRET > leak.txt && g add . && commit_at 2024-01-06T00:00:00Z add "
                     "&& g rm -q leak.txt && commit_at 2024-01-07T00:00:00Z rm");
    rev(c3, sizeof(c3), dir, "HEAD~1");
    rev(c4, sizeof(c4), dir, "HEAD");
    scan_init(&s, dir);
    s.o.since_commit = base;
    scan_run(&s);
    assert_int_equal(s.rc, 0);
    assert_int_equal(s.r->n, 2);
    r = the_rec(&s, "leak.txt", "PR-SECRET");
    assert_string_equal(r->commit, c3);
    assert_int_equal(r->in_head, 0);
    assert_string_equal(r->removed_in, c4);
    scan_release(&s);

    /* With --branch the walk is BASE..branch, and "in HEAD" is about that branch's tip. */
    scan_init(&s, dir);
    s.o.since_commit = base;
    s.o.branches = only_side;
    s.o.nbranches = 1;
    scan_run(&s);
    assert_int_equal(s.rc, 0);
    assert_int_equal(s.r->n, 1);
    assert_int_equal(the_rec(&s, "side.txt", "SIDE-SECRET")->in_head, 1);
    scan_release(&s);

    /* An unborn HEAD has nothing to compare with BASE: an error, not a scan of every ref. */
    fbs_test_sh(dir, "g checkout -q --orphan unborn");
    scan_init(&s, dir);
    s.o.since_commit = base;
    scan_run(&s);
    assert_int_equal(s.rc, FBS_ENOTFOUND);
    assert_non_null(strstr(fbs_error_message(), "HEAD"));
    assert_int_equal(s.r->n, 0);
    scan_release(&s);
    fbs_test_rmtree(dir);
}

static void test_source_git__range(void **state)
{
    char dir[256], c1[48], c2[48], range[128];
    struct scan s;

    (void)state;
    new_dir(dir, sizeof(dir));
    three_commits(dir, c1, c2);
    snprintf(range, sizeof(range), "%s..%s", c1, c2);
    scan_init(&s, dir);
    s.o.range = range;
    scan_run(&s);
    assert_int_equal(s.rc, 0);
    assert_int_equal(s.r->n, 1);
    assert_string_equal(the_rec(&s, "b.txt", "B")->commit, c2);
    assert_int_equal(atomic_load(&s.stats.commits), 1);
    scan_release(&s);

    scan_init(&s, dir);
    s.o.range = "HEAD~1..HEAD";
    scan_run(&s);
    assert_int_equal(s.rc, 0);
    assert_int_equal(s.r->n, 2);
    the_rec(&s, "c.txt", "C");
    the_rec(&s, "a.txt", "A-V2");
    scan_release(&s);

    scan_init(&s, dir);
    s.o.range = "HEAD"; /* not a range */
    scan_run(&s);
    assert_int_equal(s.rc, FBS_EINVAL);
    scan_release(&s);
    fbs_test_rmtree(dir);
}

static void test_source_git__branches(void **state)
{
    char dir[256];
    struct scan s;
    static const char *const only_side[] = {"side"};

    (void)state;
    new_dir(dir, sizeof(dir));
    fbs_test_sh(dir, "g init -q . && echo base > base.txt && g add . && "
                     "commit_at 2024-01-01T00:00:00Z base && g checkout -q -b side && "
                     "echo SIDE > side.txt && g add . && commit_at 2024-01-02T00:00:00Z s && "
                     "g checkout -q main && echo MAIN > main.txt && g add . && "
                     "commit_at 2024-01-03T00:00:00Z m");
    scan_init(&s, dir);
    s.o.branches = only_side;
    s.o.nbranches = 1;
    scan_run(&s);
    assert_int_equal(s.rc, 0);
    assert_int_equal(s.r->n, 2);
    the_rec(&s, "side.txt", "SIDE");
    the_rec(&s, "base.txt", "base");
    assert_int_equal(count_data(&s, "MAIN"), 0);
    scan_release(&s);
    fbs_test_rmtree(dir);
}

static void test_source_git__staged(void **state)
{
    char dir[256];
    const struct rec *r;
    struct scan s;

    (void)state;
    new_dir(dir, sizeof(dir));
    fbs_test_sh(dir, "g init -q . && echo A1 > a.txt && echo B1 > b.txt && echo D1 > d.txt && "
                     "g add . && commit_at 2024-01-01T00:00:00Z c1 && "
                     "echo A2-STAGED > a.txt && echo NEW-STAGED > new.txt && g add a.txt new.txt "
                     "&& g mv d.txt moved.txt && echo B2-UNSTAGED > b.txt && "
                     "echo UNTRACKED > u.txt");
    scan_init(&s, dir);
    s.o.staged = true;
    scan_run(&s);
    assert_int_equal(s.rc, 0);
    r = the_rec(&s, "a.txt", "A2-STAGED");
    assert_true(r->has_prov);
    assert_string_equal(r->commit, "");
    assert_int_equal(r->in_head, 0);
    assert_int_equal(r->source, FBS_SOURCE_GIT);
    the_rec(&s, "new.txt", "NEW-STAGED");
    the_rec(&s, "moved.txt", "D1"); /* a new path for old content: added to the index there */
    assert_int_equal(s.r->n, 3);
    assert_int_equal(atomic_load(&s.stats.commits), 0);
    scan_release(&s);

    /* Before the first commit every index entry is new. */
    fbs_test_sh(dir, "rm -rf .git && g init -q . && g add a.txt");
    scan_init(&s, dir);
    s.o.staged = true;
    scan_run(&s);
    assert_int_equal(s.rc, 0);
    assert_int_equal(s.r->n, 1);
    assert_int_equal(the_rec(&s, "a.txt", "A2-STAGED")->in_head, 0);
    scan_release(&s);
    fbs_test_rmtree(dir);
}

static size_t count_clone_dirs(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    size_t n = 0;

    assert_non_null(d);
    while ((de = readdir(d)) != NULL)
        if (!strncmp(de->d_name, "fbs-clone-", 10))
            n++;
    closedir(d);
    return n;
}

static void test_source_git__file_url_clone(void **state)
{
    char dir[256], url[400], tmp[300], keep[300], path[400], c1[48];
    const char *old_tmp = getenv("TMPDIR");
    char *saved = old_tmp ? strdup(old_tmp) : NULL;
    struct stat st;
    const struct rec *r;
    struct scan s;

    (void)state;
    new_dir(dir, sizeof(dir));
    snprintf(tmp, sizeof(tmp), "%s/tmp", dir);
    snprintf(keep, sizeof(keep), "%s/keep", dir);
    snprintf(url, sizeof(url), "file://%s/origin.git", dir);
    fbs_test_sh(dir, "mkdir tmp work && cd work && g init -q . && echo CLONED-SECRET > s.txt && "
                     "g add . && commit_at 2024-01-01T00:00:00Z one && g tag v1 && "
                     "g checkout -q -b feature && echo FEATURE > f.txt && g add . && "
                     "commit_at 2024-01-02T00:00:00Z two && cd .. && "
                     "g clone -q --bare work origin.git");
    snprintf(path, sizeof(path), "%s/origin.git", dir);
    rev(c1, sizeof(c1), path, "main");
    setenv("TMPDIR", tmp, 1);
    scan_init(&s, url);
    scan_run(&s);
    if (saved)
        setenv("TMPDIR", saved, 1);
    else
        unsetenv("TMPDIR");
    assert_int_equal(s.rc, 0);
    assert_int_equal(atomic_load(&s.stats.errors), 0);
    r = the_rec(&s, "s.txt", "CLONED-SECRET");
    assert_string_equal(r->commit, c1);
    the_rec(&s, "f.txt", "FEATURE");            /* every branch of the remote */
    assert_int_equal(count_clone_dirs(tmp), 0); /* the temporary clone is gone */
    scan_release(&s);

    scan_init(&s, url);
    s.o.keep_clone = keep;
    scan_run(&s);
    assert_int_equal(s.rc, 0);
    assert_int_equal(s.r->n, 2);
    snprintf(path, sizeof(path), "%s/HEAD", keep);
    assert_int_equal(stat(path, &st), 0); /* a bare clone, kept */
    scan_release(&s);

    /* A URL that cannot be cloned is an error diagnostic; the scan goes on. */
    snprintf(url, sizeof(url), "file://%s/nothing-here.git", dir);
    scan_init(&s, url);
    scan_run(&s);
    assert_int_equal(s.rc, 0);
    assert_non_null(find_diag(&s, "clone_failed", url));
    assert_true(atomic_load(&s.stats.errors) > 0);
    scan_release(&s);
    free(saved);
    fbs_test_rmtree(dir);
}

static void test_source_git__empty_repository(void **state)
{
    char dir[256];
    const struct fbs_diag *d;
    struct scan s;

    (void)state;
    new_dir(dir, sizeof(dir));
    fbs_test_sh(dir, "g init -q .");
    scan_init(&s, dir);
    scan_run(&s);
    assert_int_equal(s.rc, 0);
    assert_int_equal(s.r->n, 0);
    d = find_diag(&s, "empty_repository", dir);
    assert_non_null(d);
    assert_false(d->error);
    assert_int_equal(atomic_load(&s.stats.errors), 0);
    scan_release(&s);
    fbs_test_rmtree(dir);
}

static void test_source_git__worktree_files(void **state)
{
    char dir[256], plain[300];
    const struct rec *r;
    struct scan s;

    (void)state;
    new_dir(dir, sizeof(dir));
    fbs_test_sh(dir, "mkdir repo plain && echo PLAIN > plain/p.txt && cd repo && g init -q . && "
                     "echo T1 > tracked.txt && echo same > same.txt && echo ignored.txt > "
                     ".gitignore && g add . && commit_at 2024-01-01T00:00:00Z c1 && "
                     "echo T2-MODIFIED > tracked.txt && mkdir -p new/dir && "
                     "echo UNTRACKED > new/dir/u.txt && echo IGNORED > ignored.txt && "
                     "echo STAGED > staged.txt && g add staged.txt");
    snprintf(dir + strlen(dir), sizeof(dir) - strlen(dir), "/repo");
    snprintf(plain, sizeof(plain), "%.*s/plain", (int)(strlen(dir) - 5), dir);
    scan_init(&s, dir);
    s.targets[1] = plain;
    s.o.ntargets = 2;
    s.o.worktree_files = true;
    scan_run(&s);
    assert_int_equal(s.rc, 0);
    r = the_rec(&s, "tracked.txt", "T1");
    assert_int_equal(r->source, FBS_SOURCE_GIT);
    r = the_rec(&s, "tracked.txt", "T2-MODIFIED");
    assert_int_equal(r->source, FBS_SOURCE_FILE);
    assert_false(r->has_prov);
    assert_int_equal(the_rec(&s, "new/dir/u.txt", "UNTRACKED")->source, FBS_SOURCE_FILE);
    assert_int_equal(the_rec(&s, "staged.txt", "STAGED")->source, FBS_SOURCE_FILE);
    assert_int_equal(count_data(&s, "IGNORED"), 0);
    assert_int_equal(count_data(&s, "same"), 1);  /* unchanged: from history only */
    assert_int_equal(count_data(&s, "PLAIN"), 1); /* not a repository: a file scan */
    assert_int_equal(s.r->n, 7);
    scan_release(&s);

    /* Without worktree_files, a directory that is not a repository is an error. */
    scan_init(&s, plain);
    scan_run(&s);
    assert_int_equal(s.rc, 0);
    assert_int_equal(s.r->n, 0);
    assert_non_null(find_diag(&s, "not_a_repository", plain));
    scan_release(&s);
    dir[strlen(dir) - 5] = '\0';
    fbs_test_rmtree(dir);
}

static void test_source_git__excludes_and_ignore_file(void **state)
{
    char dir[256];
    static const char *const excludes[] = {"vendor/"};
    struct scan s;
    struct fbs_ignores ign;

    (void)state;
    new_dir(dir, sizeof(dir));
    fbs_test_sh(dir, "g init -q . && mkdir vendor docs && echo V > vendor/v.txt && "
                     "echo D > docs/d.md && echo K > keep.txt && "
                     "echo 'docs/  # not ours' > .fallbackscanignore && g add . && "
                     "commit_at 2024-01-01T00:00:00Z c1");
    assert_int_equal(fbs_ignores_init(&ign), 0);
    scan_init(&s, dir);
    s.o.excludes = excludes;
    s.o.nexcludes = 1;
    s.o.ignores = &ign;
    scan_run(&s);
    assert_int_equal(s.rc, 0);
    /* Excludes skip; the ignore file is loaded for the suppression step, not skipped by. */
    the_rec(&s, "keep.txt", "K");
    the_rec(&s, ".fallbackscanignore", "docs/");
    the_rec(&s, "docs/d.md", "D");
    assert_int_equal(s.r->n, 3);
    assert_int_equal(skipped(&s, FBS_SKIP_EXCLUDED), 1);
    assert_int_equal(ign.entries.len, 1);
    assert_string_equal(((struct fbs_ignore_entry *)ign.entries.items[0])->pattern, "docs/");
    scan_release(&s);
    fbs_ignores_release(&ign);
    fbs_test_rmtree(dir);
}

static void test_source_git__submodule_reported(void **state)
{
    char dir[256];
    const struct fbs_diag *d;
    struct scan s;

    (void)state;
    new_dir(dir, sizeof(dir));
    fbs_test_sh(dir, "g init -q . && echo A > a.txt && g add . && "
                     "g update-index --add --cacheinfo "
                     "160000,0123456789abcdef0123456789abcdef01234567,libs/sub && "
                     "commit_at 2024-01-01T00:00:00Z c1");
    scan_init(&s, dir);
    scan_run(&s);
    assert_int_equal(s.rc, 0);
    assert_int_equal(s.r->n, 1);
    d = find_diag(&s, "submodule", "libs/sub");
    assert_non_null(d);
    assert_false(d->error);
    assert_true(d->notice); /* listed even without --verbose: the scan's coverage is smaller */
    assert_non_null(strstr(d->message, "0123456789abcdef0123456789abcdef01234567"));
    assert_int_equal(skipped(&s, FBS_SKIP_SUBMODULE), 1);
    assert_int_equal(atomic_load(&s.stats.errors), 0);
    scan_release(&s);
    fbs_test_rmtree(dir);
}

/* Commit and annotated tag messages are blobs of their own (with messages on), each unique once. */
static void test_source_git__messages(void **state)
{
    char dir[256];
    const struct rec *r;
    struct scan s;

    (void)state;
    new_dir(dir, sizeof(dir));
    fbs_test_sh(dir,
                "g init -q . && echo A > a.txt && g add . && "
                "commit_at 2024-01-01T00:00:00Z 'token ghp_one' && "
                "echo B > a.txt && g add . && commit_at 2024-02-01T00:00:00Z 'same message' && "
                "echo C > a.txt && g add . && commit_at 2024-03-01T00:00:00Z 'same message' && "
                "GIT_COMMITTER_DATE=2024-03-02T00:00:00Z g tag -a v1 -m 'tag note secret' && "
                "g tag light");
    scan_init(&s, dir);
    scan_run(&s);
    assert_int_equal(s.rc, 0);
    assert_int_equal(s.r->n, 3); /* off by default: the files only */
    scan_release(&s);

    scan_init(&s, dir);
    s.o.messages = true;
    scan_run(&s);
    assert_int_equal(s.rc, 0);
    assert_int_equal(s.r->n, 6); /* 3 files, 2 unique commit messages, 1 annotated tag */
    r = the_rec(&s, "<commit message>", "token ghp_one");
    assert_int_equal(r->committed, T_2024_01_01);
    assert_string_equal(r->message, "token ghp_one");
    assert_int_equal(r->in_head, 0);
    r = the_rec(&s, "<commit message>", "same message");
    assert_int_equal(r->committed, T_2024_02_01); /* credited to its first commit */
    assert_string_equal(r->author, "Test <test@example.com>");
    r = the_rec(&s, "<tag v1>", "tag note secret");
    assert_int_equal(r->committed, T_2024_03_01 + 86400); /* the tagger's date */
    assert_string_equal(r->author, "Test <test@example.com>");
    assert_int_equal(strlen(r->commit), 40);
    assert_int_equal(atomic_load(&s.stats.errors), 0);
    scan_release(&s);

    /* --staged reads no messages. */
    scan_init(&s, dir);
    s.o.messages = true;
    s.o.staged = true;
    scan_run(&s);
    assert_int_equal(s.rc, 0);
    assert_int_equal(count_data(&s, "same message"), 0);
    scan_release(&s);
    fbs_test_rmtree(dir);
}

static void test_source_git__stash_bare_and_worktree(void **state)
{
    char dir[256], path[300];
    struct scan s;

    (void)state;
    new_dir(dir, sizeof(dir));
    fbs_test_sh(dir, "mkdir repo && cd repo && g init -q . && echo A > a.txt && g add . && "
                     "commit_at 2024-01-01T00:00:00Z c1 && echo STASHED-1 > a.txt && "
                     "g stash -q && echo STASHED-2 > a.txt && g stash -q && "
                     "g worktree add -q ../wt -b wt && cd ../wt && echo WT > wt.txt && "
                     "g add . && commit_at 2024-01-02T00:00:00Z wt && cd .. && "
                     "g clone -q --bare repo bare.git");
    snprintf(path, sizeof(path), "%s/repo", dir);
    scan_init(&s, path);
    scan_run(&s);
    assert_int_equal(s.rc, 0);
    assert_int_equal(count_data(&s, "STASHED-1"), 1); /* from the stash's reflog */
    assert_int_equal(count_data(&s, "STASHED-2"), 1);
    assert_int_equal(count_data(&s, "WT"), 1);
    scan_release(&s);

    snprintf(path, sizeof(path), "%s/wt", dir); /* a linked work tree */
    scan_init(&s, path);
    scan_run(&s);
    assert_int_equal(s.rc, 0);
    assert_int_equal(count_data(&s, "WT"), 1);
    assert_int_equal(the_rec(&s, "wt.txt", "WT")->in_head, 1); /* its own HEAD */
    assert_int_equal(atomic_load(&s.stats.errors), 0);
    scan_release(&s);

    snprintf(path, sizeof(path), "%s/bare.git", dir);
    scan_init(&s, path);
    scan_run(&s);
    assert_int_equal(s.rc, 0);
    assert_int_equal(count_data(&s, "A"), 1);
    assert_int_equal(count_data(&s, "WT"), 1);
    assert_int_equal(atomic_load(&s.stats.errors), 0);
    scan_release(&s);
    fbs_test_rmtree(dir);
}

static void test_source_git__threads_each_blob_once(void **state)
{
    char dir[256];
    struct scan s;
    size_t i, j;

    (void)state;
    new_dir(dir, sizeof(dir));
    fbs_test_sh(dir, "g init -q . && for c in 1 2 3 4 5; do for f in 1 2 3 4 5 6 7 8; do "
                     "mkdir -p d$f && echo content-$c-$f > d$f/f$f.txt; done; g add . && "
                     "commit_at 2024-01-0${c}T00:00:00Z c$c; done");
    scan_init(&s, dir);
    s.o.threads = 4;
    /* cmocka's checking allocator is not thread-safe: plain libc for the threaded part. */
    fbs_alloc_set_hooks(NULL);
    scan_run(&s);
    fbs_diags_release(&s.diags);
    fbs_test_use_cmocka_alloc();
    assert_int_equal(s.rc, 0);
    assert_int_equal(s.r->n, 40);
    for (i = 0; i < s.r->n; i++)
        for (j = i + 1; j < s.r->n; j++)
            assert_true(strcmp(s.r->r[i].data, s.r->r[j].data) != 0);
    assert_true(s.r->max_worker < 4);
    assert_int_equal(atomic_load(&s.stats.blobs), 40);
    assert_int_equal(atomic_load(&s.stats.commits), 5);
    assert_false(s.r->bad_blob);
    pthread_mutex_destroy(&s.r->lock);
    free(s.r);
    fbs_test_rmtree(dir);
}

static void test_source_git__callback_error_stops(void **state)
{
    char dir[256];
    struct scan s;

    (void)state;
    new_dir(dir, sizeof(dir));
    fbs_test_sh(dir, "g init -q . && echo A > a.txt && echo B > b.txt && g add . && "
                     "commit_at 2024-01-01T00:00:00Z c1");
    scan_init(&s, dir);
    s.r->ret = fbs_error_set(FBS_EIO, "callback failed");
    scan_run(&s);
    assert_int_equal(s.rc, FBS_EIO);
    assert_int_equal(s.r->n, 1);
    scan_release(&s);
    fbs_test_rmtree(dir);
}

/*
 * A history whose objects are packed (source_pack.c reads them, not libgit2) gives exactly what
 * the same history gives loose: every blob, commit, removed_in, in_head and count. The history
 * edits one big file and one big directory commit after commit, so that the pack holds long
 * delta chains of blobs and of trees, read oldest first by the walk; `ref_deltas` packs with
 * REF_DELTA (base by id) instead of OFS_DELTA.
 */
static void packed_same_as_loose(bool ref_deltas)
{
    char dir[256];
    struct scan loose, packed;
    size_t i;

    new_dir(dir, sizeof(dir));
    fbs_test_sh(dir,
                "g init -q . && mkdir -p big/dir && "
                "for i in $(seq 1 60); do echo \"line $i of the config\" >> big/conf.txt; done && "
                "for i in $(seq 1 20); do echo \"file $i\" > big/dir/f$i.txt; done && "
                "g add . && commit_at 2024-01-01T00:00:00Z base && "
                "for c in $(seq 1 10); do "
                "  sed -i \"s/^line $c of/line $c edited $c of/\" big/conf.txt && "
                "  echo \"edit $c\" >> big/dir/f$c.txt && "
                "  if [ $c = 4 ]; then echo 'breakglass_key = K4' > big/dir/bg.txt; fi && "
                "  if [ $c = 8 ]; then g rm -q big/dir/bg.txt; fi && "
                "  if [ $c = 9 ]; then g mv big/dir/f20.txt big/dir/g20.txt; fi && "
                "  g add -A . && commit_at 2024-01-$((c + 1))T00:00:00Z \"edit $c\"; "
                "done && "
                "g checkout -q -b topic HEAD~3 && echo topic > big/dir/topic.txt && g add . && "
                "commit_at 2024-01-20T00:00:00Z topic && g checkout -q main && "
                "g merge -q --no-ff -m merge topic && echo 'untouched by packing' > /dev/null");
    scan_init(&loose, dir);
    scan_run(&loose);
    assert_int_equal(loose.rc, 0);
    assert_true(loose.r->n > 20 && loose.r->n < MAX_RECS);
    fbs_test_sh(dir,
                "g %s repack -q -a -d -f --depth=50 --window=50 && g prune-packed && "
                "test -z \"$(find .git/objects -type f -path '*/objects/[0-9a-f][0-9a-f]/*')\" && "
                "g verify-pack -v .git/objects/pack/*.idx | awk '$2 == \"tree\" && NF == 7' | "
                "grep -q . && "
                "g verify-pack -v .git/objects/pack/*.idx | awk '$2 == \"blob\" && NF == 7' | "
                "grep -q .",
                ref_deltas ? "-c repack.useDeltaBaseOffset=false" : "");
    scan_init(&packed, dir);
    scan_run(&packed);
    assert_int_equal(packed.rc, 0);
    assert_int_equal(packed.r->n, loose.r->n);
    for (i = 0; i < loose.r->n; i++) {
        const struct rec *a = &loose.r->r[i], *b = NULL;
        size_t j, n = 0;

        for (j = 0; j < packed.r->n; j++)
            if (!strcmp(packed.r->r[j].path, a->path) && !strcmp(packed.r->r[j].data, a->data) &&
                packed.r->r[j].len == a->len) {
                b = &packed.r->r[j];
                n++;
            }
        assert_int_equal(n, 1);
        assert_string_equal(a->commit, b->commit);
        assert_string_equal(a->removed_in, b->removed_in);
        assert_string_equal(a->message, b->message);
        assert_int_equal(a->in_head, b->in_head);
        assert_int_equal(a->other, b->other);
        assert_int_equal(a->committed, b->committed);
    }
    assert_string_equal(the_rec(&packed, "big/dir/bg.txt", "breakglass_key")->removed_in,
                        the_rec(&loose, "big/dir/bg.txt", "breakglass_key")->removed_in);
    assert_int_equal(atomic_load(&packed.stats.commits), atomic_load(&loose.stats.commits));
    assert_int_equal(atomic_load(&packed.stats.files), atomic_load(&loose.stats.files));
    assert_int_equal(atomic_load(&packed.stats.errors), 0);
    scan_release(&loose);
    scan_release(&packed);
    fbs_test_rmtree(dir);
}

static void test_source_git__packed_same_as_loose(void **state)
{
    (void)state;
    packed_same_as_loose(false);
}

static void test_source_git__packed_ref_deltas(void **state)
{
    (void)state;
    packed_same_as_loose(true);
}

/*
 * A packed blob whose zlib stream is damaged: source_pack.c does not read it and libgit2 then
 * reports it (corrupt_object, its message), the rest of the pack is read; a pack that does not
 * match its index is left to libgit2 altogether.
 */
static void test_source_git__corrupt_packed_object(void **state)
{
    char dir[256], blob[48], off[32];
    const struct fbs_diag *d;
    struct scan s;

    (void)state;
    new_dir(dir, sizeof(dir));
    fbs_test_sh(dir,
                "g init -q . && echo KEEP > keep.txt && "
                "for i in $(seq 1 200); do echo \"bad line $i $((i * 7919))\"; done > bad.txt && "
                "g add . && commit_at 2024-01-01T00:00:00Z files && g repack -q -a -d && "
                "g prune-packed");
    fbs_test_sh_out(blob, sizeof(blob), dir, "git rev-parse HEAD:bad.txt");
    fbs_test_sh_out(
        off, sizeof(off), dir,
        "git show-index < $(ls .git/objects/pack/*.idx) | awk '$2 == \"%s\" {print $1}'", blob);
    assert_true(off[0] >= '1' && off[0] <= '9');
    /* Past the entry's header (3 bytes for this size) and zlib's: inside the deflate data. */
    fbs_test_sh(dir,
                "p=$(ls .git/objects/pack/*.pack) && chmod u+w $p && "
                "printf 'XXXXXXXXXXXXXXXX' | dd of=$p bs=1 seek=$((%s + 40)) conv=notrunc "
                "2>/dev/null",
                off);
    scan_init(&s, dir);
    scan_run(&s);
    assert_int_equal(s.rc, 0);
    assert_int_equal(s.r->n, 1);
    the_rec(&s, "keep.txt", "KEEP");
    d = find_diag(&s, "corrupt_object", blob);
    assert_non_null(d);
    assert_true(d->error);
    assert_non_null(strstr(d->message, "bad.txt"));
    assert_int_equal(skipped(&s, FBS_SKIP_UNREADABLE), 1);
    scan_release(&s);
    fbs_test_rmtree(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_source_git__added_then_removed),
        cmocka_unit_test(test_source_git__same_blob_two_paths_two_branches),
        cmocka_unit_test(test_source_git__rename_not_reported_again),
        cmocka_unit_test(test_source_git__merge_commits),
        cmocka_unit_test(test_source_git__replaced_and_reverted),
        cmocka_unit_test(test_source_git__tag_to_blob),
        cmocka_unit_test(test_source_git__tag_only_reachable),
        cmocka_unit_test(test_source_git__deleted_branch_unreachable),
        cmocka_unit_test(test_source_git__binary_and_large),
        cmocka_unit_test(test_source_git__missing_loose_object),
        cmocka_unit_test(test_source_git__corrupt_object_and_missing_tree),
        cmocka_unit_test(test_source_git__unreadable_ref),
        cmocka_unit_test(test_source_git__shallow_clone),
        cmocka_unit_test(test_source_git__since_commit),
        cmocka_unit_test(test_source_git__since_commit_only_head),
        cmocka_unit_test(test_source_git__range),
        cmocka_unit_test(test_source_git__branches),
        cmocka_unit_test(test_source_git__staged),
        cmocka_unit_test(test_source_git__file_url_clone),
        cmocka_unit_test(test_source_git__empty_repository),
        cmocka_unit_test(test_source_git__worktree_files),
        cmocka_unit_test(test_source_git__excludes_and_ignore_file),
        cmocka_unit_test(test_source_git__submodule_reported),
        cmocka_unit_test(test_source_git__messages),
        cmocka_unit_test(test_source_git__stash_bare_and_worktree),
        cmocka_unit_test(test_source_git__threads_each_blob_once),
        cmocka_unit_test(test_source_git__callback_error_stops),
        cmocka_unit_test(test_source_git__packed_same_as_loose),
        cmocka_unit_test(test_source_git__packed_ref_deltas),
        cmocka_unit_test(test_source_git__corrupt_packed_object),
    };

    fbs_test_use_cmocka_alloc();
    return cmocka_run_group_tests(tests, NULL, NULL);
}
