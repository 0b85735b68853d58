/* test_source_file.c - sources/source_file.c: the walk, excludes, ignore files, skips, threads. */
#include "support/test_support.h"

#include "scanner/core/alloc.h"
#include "scanner/core/error.h"
#include "scanner/core/vec.h"
#include "scanner/model/diag.h"
#include "scanner/sources/source.h"

#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "scanner/core/banned.h"

#define MAX_RECS 128

/* What the callback saw; fixed storage so that worker threads need not allocate. */
struct recs {
    pthread_mutex_t lock;
    size_t n;
    char rel[MAX_RECS][256];
    char path[MAX_RECS][512];
    char target[MAX_RECS][256];
    size_t len[MAX_RECS];
    bool binary[MAX_RECS];
    unsigned max_worker;
    unsigned char first_byte[MAX_RECS];
    bool bad_blob; /* a blob field was wrong (asserting in a worker thread would not work) */
    int ret;       /* what the callback returns */
};

static int record(const struct fbs_blob *b, unsigned worker, void *payload)
{
    struct recs *r = payload;

    pthread_mutex_lock(&r->lock);
    if (r->n < MAX_RECS) {
        snprintf(r->rel[r->n], sizeof(r->rel[0]), "%s", b->rel_path);
        snprintf(r->path[r->n], sizeof(r->path[0]), "%s", b->path);
        snprintf(r->target[r->n], sizeof(r->target[0]), "%s", b->target);
        r->len[r->n] = b->len;
        r->binary[r->n] = b->binary;
        r->first_byte[r->n] = b->len ? b->data[0] : 0;
    }
    r->n++;
    if (worker > r->max_worker)
        r->max_worker = worker;
    if (b->source != FBS_SOURCE_FILE || b->prov || b->mtime <= 0 ||
        strncmp(b->path, b->target, strlen(b->target) > 1 ? strlen(b->target) - 1 : 0))
        r->bad_blob = true;
    pthread_mutex_unlock(&r->lock);
    return r->ret;
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
    s->o.threads = 1;
    s->o.max_file_size = 25u << 20;
    s->o.stats = &s->stats;
    s->o.diags = &s->diags;
}

static void scan_run(struct scan *s)
{
    s->rc = fbs_source_file.scan(&s->o, record, s->r);
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

/* The diagnostic of this kind (and path suffix, when given), or NULL. */
static const struct fbs_diag *find_diag(const struct scan *s, const char *kind, const char *suffix)
{
    size_t i;

    for (i = 0; i < s->diags.items.len; i++) {
        const struct fbs_diag *d = s->diags.items.items[i];
        size_t n = d->path ? strlen(d->path) : 0;

        if (strcmp(d->kind, kind))
            continue;
        if (!suffix || (n >= strlen(suffix) && !strcmp(d->path + n - strlen(suffix), suffix)))
            return d;
    }
    return NULL;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The relative paths seen must be exactly `want` (any order, each once). */
static void assert_rels(const struct recs *r, const char *const *want, size_t nwant)
{
    const char *got[MAX_RECS];
    const char *exp[MAX_RECS];
    size_t i;

    assert_true(r->n <= MAX_RECS);
    for (i = 0; i < r->n; i++)
        got[i] = r->rel[i];
    for (i = 0; i < nwant; i++)
        exp[i] = want[i];
    qsort(got, r->n, sizeof(got[0]), cmp_str);
    qsort(exp, nwant, sizeof(exp[0]), cmp_str);
    for (i = 0; i < r->n && i < nwant; i++)
        if (strcmp(got[i], exp[i]))
            fail_msg("seen '%s', expected '%s' (%zu seen, %zu expected)", got[i], exp[i], r->n,
                     nwant);
    if (r->n != nwant)
        fail_msg("%zu files seen, %zu expected", r->n, nwant);
}

static int rec_index(const struct recs *r, const char *rel)
{
    size_t i;

    for (i = 0; i < r->n && i < MAX_RECS; i++)
        if (!strcmp(r->rel[i], rel))
            return (int)i;
    fail_msg("'%s' not seen", rel);
    return -1;
}

static void write_str(const char *dir, const char *name, const char *text)
{
    fbs_test_write(dir, name, text, strlen(text));
}

static char *join(char *buf, size_t size, const char *dir, const char *name)
{
    snprintf(buf, size, "%s/%s", dir, name);
    return buf;
}

/* ---------------------------------------------------------------------------------------------- */

static void test_source_file__recursion_skips_git_dir(void **state)
{
    char dir[256], want_path[600];
    struct scan s;
    static const char *const want[] = {"a.txt", "sub/b.txt", "sub/deeper/c.env", ".gitignore",
                                       "sub/.git"};
    int i;

    (void)state;
    snprintf(dir, sizeof(dir), "%s", fbs_test_tmpdir());
    write_str(dir, "a.txt", "alpha\n");
    write_str(dir, "sub/b.txt", "bravo\n");
    write_str(dir, "sub/deeper/c.env", "KEY=value\n");
    write_str(dir, ".gitignore", "*.o\n");
    write_str(dir, ".git/config", "[core]\n");
    write_str(dir, ".git/objects/ab/cdef", "blob");
    write_str(dir, "sub/.git", "gitdir: ../.git/worktrees/sub\n"); /* a file, not a dir */
    scan_init(&s, dir);
    scan_run(&s);
    assert_int_equal(s.rc, 0);
    assert_rels(s.r, want, 5);
    i = rec_index(s.r, "sub/b.txt");
    assert_string_equal(s.r->path[i], join(want_path, sizeof(want_path), dir, "sub/b.txt"));
    assert_string_equal(s.r->target[i], dir);
    assert_int_equal(s.r->len[i], 6);
    assert_int_equal(s.r->first_byte[i], 'b');
    assert_false(s.r->binary[i]);
    assert_int_equal(atomic_load(&s.stats.files), 5);
    assert_int_equal(atomic_load(&s.stats.blobs), 5);
    assert_int_equal(atomic_load(&s.stats.bytes), 6 + 6 + 10 + 4 + 30);
    assert_int_equal(atomic_load(&s.stats.errors), 0);
    scan_release(&s);

    /* A trailing slash on the target does not double the separator. */
    {
        char target[300];

        snprintf(target, sizeof(target), "%s/", dir);
        scan_init(&s, target);
        scan_run(&s);
        i = rec_index(s.r, "sub/b.txt");
        assert_string_equal(s.r->path[i], join(want_path, sizeof(want_path), dir, "sub/b.txt"));
        scan_release(&s);
    }
    fbs_test_rmtree(dir);
}

static void test_source_file__excludes(void **state)
{
    char dir[256];
    struct scan s;
    static const char *const excludes[] = {"*.log", "build/", "docs/**", "/top.txt"};
    static const char *const want[] = {"keep.txt", "src/top.txt", "src/main.c", "build.txt"};

    (void)state;
    snprintf(dir, sizeof(dir), "%s", fbs_test_tmpdir());
    write_str(dir, "keep.txt", "k\n");
    write_str(dir, "top.txt", "t\n");
    write_str(dir, "src/top.txt", "t\n");
    write_str(dir, "src/main.c", "int x;\n");
    write_str(dir, "src/debug.log", "log\n");
    write_str(dir, "app.log", "log\n");
    write_str(dir, "build/out.txt", "o\n");
    write_str(dir, "build/deep/more.txt", "o\n");
    write_str(dir, "build.txt", "not the directory\n");
    write_str(dir, "docs/a/b.md", "doc\n");
    scan_init(&s, dir);
    s.o.excludes = excludes;
    s.o.nexcludes = 4;
    scan_run(&s);
    assert_int_equal(s.rc, 0);
    assert_rels(s.r, want, 4);
    /* app.log, src/debug.log, top.txt, and the build/ and docs/ directories (not descended). */
    assert_int_equal(skipped(&s, FBS_SKIP_EXCLUDED), 5);
    assert_non_null(find_diag(&s, "excluded", "/build"));
    assert_null(find_diag(&s, "excluded", "/build/out.txt"));
    assert_int_equal(atomic_load(&s.stats.errors), 0);
    scan_release(&s);
    fbs_test_rmtree(dir);
}

/* A directory target's .fallbackscanignore is loaded (tagged with the target); nothing is skipped
 * for it: its entries suppress findings later (test_suppress.c). */
static void test_source_file__ignore_files(void **state)
{
    char dir[256];
    struct scan s;
    struct fbs_ignores ign;
    static const char *const want[] = {".fallbackscanignore", "app/config.yml",
                                       "app/config.yml.bak", "secrets/prod.env"};
    const struct fbs_ignore_entry *e;

    (void)state;
    snprintf(dir, sizeof(dir), "%s", fbs_test_tmpdir());
    write_str(dir, ".fallbackscanignore",
              "# test fixtures hold fake keys\n"
              "\n"
              "secrets/  # reason: rotated 2024-01\n"
              "rule:generic.* expires=2027-01-31\t# noisy here\n");
    write_str(dir, "app/config.yml", "x: 1\n");
    write_str(dir, "app/config.yml.bak", "x: 0\n");
    write_str(dir, "secrets/prod.env", "K=v\n");
    assert_int_equal(fbs_ignores_init(&ign), 0);
    scan_init(&s, dir);
    s.o.ignores = &ign;
    scan_run(&s);
    assert_int_equal(s.rc, 0);
    assert_rels(s.r, want, 4);
    assert_int_equal(ign.entries.len, 2);
    e = ign.entries.items[0];
    assert_int_equal(e->what, FBS_IGNORE_PATH);
    assert_string_equal(e->pattern, "secrets/");
    assert_string_equal(e->reason, "reason: rotated 2024-01");
    assert_string_equal(e->target, dir);
    assert_int_equal(e->line, 3);
    e = ign.entries.items[1];
    assert_int_equal(e->what, FBS_IGNORE_RULE);
    assert_true(e->has_expires);
    scan_release(&s);
    fbs_ignores_release(&ign);
    fbs_test_rmtree(dir);
}

static void test_source_file__ignore_file_per_target(void **state)
{
    char a[256], b[256];
    struct scan s;
    struct fbs_ignores ign;
    static const char *const want[] = {".fallbackscanignore", "one.txt", "two.txt"};

    (void)state;
    snprintf(a, sizeof(a), "%s", fbs_test_tmpdir());
    snprintf(b, sizeof(b), "%s", fbs_test_tmpdir());
    write_str(a, ".fallbackscanignore", "*.txt  # scratch files\n");
    write_str(a, "one.txt", "1\n");
    write_str(b, "two.txt", "2\n");
    assert_int_equal(fbs_ignores_init(&ign), 0);
    scan_init(&s, a);
    s.targets[1] = b;
    s.o.ntargets = 2;
    s.o.ignores = &ign;
    scan_run(&s);
    assert_int_equal(s.rc, 0);
    assert_rels(s.r, want, 3);
    assert_int_equal(ign.entries.len, 1);
    assert_string_equal(((struct fbs_ignore_entry *)ign.entries.items[0])->target, a);
    scan_release(&s);
    fbs_ignores_release(&ign);
    fbs_test_rmtree(a);
    fbs_test_rmtree(b);
}

static void test_source_file__ignore_file_malformed(void **state)
{
    char dir[256];
    struct scan s;
    struct fbs_ignores ign;
    const char *msg;

    (void)state;
    snprintf(dir, sizeof(dir), "%s", fbs_test_tmpdir());
    write_str(dir, ".fallbackscanignore",
              "# header\n"
              "*.bak  # editor backups\n"
              "!keep.bak  # but not this one\n");
    write_str(dir, "a.txt", "a\n");
    assert_int_equal(fbs_ignores_init(&ign), 0);
    scan_init(&s, dir);
    s.o.ignores = &ign;
    scan_run(&s);
    assert_int_equal(s.rc, FBS_EPARSE);
    msg = fbs_error_message();
    if (!strstr(msg, "line 3") || !strstr(msg, ".fallbackscanignore"))
        fail_msg("message \"%s\"", msg);
    assert_int_equal(s.r->n, 0); /* fatal: nothing scanned */
    assert_int_equal(ign.entries.len, 0);
    scan_release(&s);
    fbs_ignores_release(&ign);
    fbs_test_rmtree(dir);
}

static void test_source_file__symlinks_not_followed(void **state)
{
    char dir[256], link[300];
    struct scan s;
    static const char *const want[] = {"a.txt", "sub/b.txt"};

    (void)state;
    snprintf(dir, sizeof(dir), "%s", fbs_test_tmpdir());
    write_str(dir, "a.txt", "a\n");
    write_str(dir, "sub/b.txt", "b\n");
    assert_int_equal(symlink("a.txt", join(link, sizeof(link), dir, "link.txt")), 0);
    assert_int_equal(symlink("sub", join(link, sizeof(link), dir, "dirlink")), 0);
    assert_int_equal(symlink("/nonexistent/x", join(link, sizeof(link), dir, "dangling")), 0);
    scan_init(&s, dir);
    scan_run(&s);
    assert_int_equal(s.rc, 0);
    assert_rels(s.r, want, 2);
    assert_int_equal(skipped(&s, FBS_SKIP_SYMLINK), 3);
    assert_non_null(find_diag(&s, "symlink", "/link.txt"));
    assert_int_equal(atomic_load(&s.stats.errors), 0);
    scan_release(&s);

    /* A symlink given as the target is not followed either. */
    scan_init(&s, join(link, sizeof(link), dir, "link.txt"));
    scan_run(&s);
    assert_int_equal(s.r->n, 0);
    assert_int_equal(skipped(&s, FBS_SKIP_SYMLINK), 1);
    scan_release(&s);
    fbs_test_rmtree(dir);
}

static void test_source_file__follow_symlinks_loop(void **state)
{
    char dir[256], link[300];
    struct scan s;
    static const char *const want[] = {"a.txt", "sub/b.txt", "link.txt"};

    (void)state;
    snprintf(dir, sizeof(dir), "%s", fbs_test_tmpdir());
    write_str(dir, "a.txt", "a\n");
    write_str(dir, "sub/b.txt", "b\n");
    assert_int_equal(symlink("a.txt", join(link, sizeof(link), dir, "link.txt")), 0);
    assert_int_equal(symlink("..", join(link, sizeof(link), dir, "sub/loop")), 0);
    assert_int_equal(symlink("/nonexistent/x", join(link, sizeof(link), dir, "dangling")), 0);
    scan_init(&s, dir);
    s.o.follow_symlinks = true;
    scan_run(&s); /* terminates */
    assert_int_equal(s.rc, 0);
    assert_rels(s.r, want, 3);
    assert_non_null(find_diag(&s, "symlink_loop", "/sub/loop"));
    assert_false(find_diag(&s, "symlink_loop", NULL)->error);
    assert_int_equal(skipped(&s, FBS_SKIP_SYMLINK), 1); /* the dangling one */
    assert_int_equal(atomic_load(&s.stats.errors), 0);
    scan_release(&s);
    fbs_test_rmtree(dir);
}

static void test_source_file__fifo_skipped(void **state)
{
    char dir[256], fifo[300];
    struct scan s;
    static const char *const want[] = {"a.txt"};

    (void)state;
    snprintf(dir, sizeof(dir), "%s", fbs_test_tmpdir());
    write_str(dir, "a.txt", "a\n");
    assert_int_equal(mkfifo(join(fifo, sizeof(fifo), dir, "pipe"), 0600), 0);
    scan_init(&s, dir);
    scan_run(&s); /* must not block opening the FIFO */
    assert_int_equal(s.rc, 0);
    assert_rels(s.r, want, 1);
    assert_int_equal(skipped(&s, FBS_SKIP_SPECIAL), 1);
    assert_non_null(find_diag(&s, "special", "/pipe"));
    scan_release(&s);

    /* With symlinks followed, and as a direct target. */
    scan_init(&s, fifo);
    s.o.follow_symlinks = true;
    scan_run(&s);
    assert_int_equal(s.r->n, 0);
    assert_int_equal(skipped(&s, FBS_SKIP_SPECIAL), 1);
    scan_release(&s);
    fbs_test_rmtree(dir);
}

static void test_source_file__unreadable_file(void **state)
{
    char dir[256], path[300];
    struct scan s;
    bool readable;
    const struct fbs_diag *d;

    (void)state;
    snprintf(dir, sizeof(dir), "%s", fbs_test_tmpdir());
    write_str(dir, "a.txt", "a\n");
    write_str(dir, "locked.txt", "secret\n");
    assert_int_equal(chmod(join(path, sizeof(path), dir, "locked.txt"), 0), 0);
    /* As root (CAP_DAC_OVERRIDE) mode 000 is still readable: nothing to assert then. */
    readable = access(path, R_OK) == 0;
    scan_init(&s, dir);
    scan_run(&s);
    assert_int_equal(s.rc, 0); /* per-item problem: the scan goes on */
    if (!readable) {
        static const char *const want[] = {"a.txt"};

        assert_rels(s.r, want, 1);
        d = find_diag(&s, "unreadable", "/locked.txt");
        assert_non_null(d);
        assert_true(d->error);
        assert_int_equal(atomic_load(&s.stats.errors), 1);
        assert_int_equal(skipped(&s, FBS_SKIP_UNREADABLE), 1);
    } else {
        assert_int_equal(s.r->n, 2);
    }
    scan_release(&s);

    /* A target that does not exist is an error diagnostic, not a failure. */
    scan_init(&s, join(path, sizeof(path), dir, "missing"));
    scan_run(&s);
    assert_int_equal(s.rc, 0);
    assert_int_equal(s.r->n, 0);
    d = find_diag(&s, "unreadable", "/missing");
    assert_non_null(d);
    assert_true(d->error);
    assert_int_equal(atomic_load(&s.stats.errors), 1);
    scan_release(&s);
    chmod(join(path, sizeof(path), dir, "locked.txt"), 0600);
    fbs_test_rmtree(dir);
}

static void test_source_file__empty_and_too_large(void **state)
{
    char dir[256], path[300];
    struct scan s;
    static const char *const want[] = {"small.txt"};
    int fd;

    (void)state;
    snprintf(dir, sizeof(dir), "%s", fbs_test_tmpdir());
    write_str(dir, "small.txt", "s\n");
    fbs_test_write(dir, "empty.txt", "", 0);
    /* 30 MiB, sparse: fast to make, over the 25 MiB limit. */
    fd = open(join(path, sizeof(path), dir, "huge.bin"), O_CREAT | O_WRONLY | O_TRUNC, 0644);
    assert_true(fd >= 0);
    assert_int_equal(ftruncate(fd, 30 << 20), 0);
    close(fd);
    scan_init(&s, dir);
    scan_run(&s);
    assert_int_equal(s.rc, 0);
    assert_rels(s.r, want, 1);
    assert_int_equal(skipped(&s, FBS_SKIP_EMPTY), 1);
    assert_int_equal(skipped(&s, FBS_SKIP_TOO_LARGE), 1);
    assert_non_null(find_diag(&s, "too_large", "/huge.bin"));
    assert_false(find_diag(&s, "too_large", NULL)->error);
    assert_int_equal(atomic_load(&s.stats.files), 3);
    assert_int_equal(atomic_load(&s.stats.errors), 0);
    scan_release(&s);

    /* Exactly at the limit is read. */
    scan_init(&s, dir);
    s.o.max_file_size = 2;
    scan_run(&s);
    assert_rels(s.r, want, 1);
    scan_release(&s);
    scan_init(&s, dir);
    s.o.max_file_size = 1;
    scan_run(&s);
    assert_int_equal(s.r->n, 0);
    assert_int_equal(skipped(&s, FBS_SKIP_TOO_LARGE), 2);
    scan_release(&s);
    fbs_test_rmtree(dir);
}

static void test_source_file__long_line_invalid_utf8(void **state)
{
    char dir[256];
    struct scan s;
    const size_t n = (1u << 20) + 100;
    char *data = malloc(n);
    int i;

    (void)state;
    assert_non_null(data);
    memset(data, 'x', n);
    memcpy(data + 500, "\xff\xfe\xc3(\xed\xa0\x80", 7); /* invalid UTF-8, no NUL */
    data[n - 1] = '\n';
    snprintf(dir, sizeof(dir), "%s", fbs_test_tmpdir());
    fbs_test_write(dir, "long.txt", data, n);
    scan_init(&s, dir);
    scan_run(&s);
    assert_int_equal(s.rc, 0);
    assert_int_equal(s.r->n, 1);
    i = rec_index(s.r, "long.txt");
    assert_int_equal(s.r->len[i], n);
    assert_false(s.r->binary[i]);
    assert_int_equal(atomic_load(&s.stats.bytes), n);
    scan_release(&s);
    free(data);
    fbs_test_rmtree(dir);
}

static void test_source_file__binary_files(void **state)
{
    char dir[256];
    struct scan s;
    static const char bin[] = "\x30\x82\x01\x0a\x00\x01secretish";
    static const char *const text_only[] = {"a.txt"};
    static const char *const both[] = {"a.txt", "key.der"};

    (void)state;
    snprintf(dir, sizeof(dir), "%s", fbs_test_tmpdir());
    write_str(dir, "a.txt", "a\n");
    fbs_test_write(dir, "key.der", bin, sizeof(bin) - 1);
    scan_init(&s, dir);
    scan_run(&s);
    assert_rels(s.r, text_only, 1);
    assert_int_equal(skipped(&s, FBS_SKIP_BINARY), 1);
    assert_non_null(find_diag(&s, "binary", "/key.der"));
    scan_release(&s);

    scan_init(&s, dir);
    s.o.scan_binary = true;
    scan_run(&s);
    assert_rels(s.r, both, 2);
    assert_true(s.r->binary[rec_index(s.r, "key.der")]);
    assert_false(s.r->binary[rec_index(s.r, "a.txt")]);
    assert_int_equal(s.r->len[rec_index(s.r, "key.der")], sizeof(bin) - 1);
    assert_int_equal(skipped(&s, FBS_SKIP_BINARY), 0);
    scan_release(&s);
    fbs_test_rmtree(dir);
}

static void test_source_file__threads_each_file_once(void **state)
{
    char dir[256], name[64];
    const char *want[60];
    static char names[60][32];
    struct scan s;
    int i;

    (void)state;
    snprintf(dir, sizeof(dir), "%s", fbs_test_tmpdir());
    for (i = 0; i < 60; i++) {
        snprintf(names[i], sizeof(names[i]), "d%d/f%02d.txt", i % 5, i);
        snprintf(name, sizeof(name), "content %d\n", i);
        write_str(dir, names[i], name);
        want[i] = names[i];
    }
    scan_init(&s, dir);
    s.o.threads = 4;
    /* cmocka's checking allocator is not thread-safe: plain libc for the threaded part. */
    fbs_alloc_set_hooks(NULL);
    scan_run(&s);
    fbs_diags_release(&s.diags);
    fbs_test_use_cmocka_alloc();
    assert_int_equal(s.rc, 0);
    assert_rels(s.r, want, 60);
    assert_true(s.r->max_worker < 4);
    assert_int_equal(atomic_load(&s.stats.blobs), 60);
    pthread_mutex_destroy(&s.r->lock);
    free(s.r);
    fbs_test_rmtree(dir);
}

static void test_source_file__file_target(void **state)
{
    char dir[256], target[300];
    struct scan s;
    static const char *const want[] = {"creds.env"};

    (void)state;
    snprintf(dir, sizeof(dir), "%s", fbs_test_tmpdir());
    write_str(dir, "sub/creds.env", "TOKEN=x\n");
    write_str(dir, "sub/.fallbackscanignore", "*.env\n"); /* only read for directory targets */
    scan_init(&s, join(target, sizeof(target), dir, "sub/creds.env"));
    scan_run(&s);
    assert_int_equal(s.rc, 0);
    assert_rels(s.r, want, 1);
    assert_string_equal(s.r->path[0], target);
    assert_string_equal(s.r->target[0], target);
    assert_int_equal(atomic_load(&s.stats.files), 1);
    scan_release(&s);
    fbs_test_rmtree(dir);
}

static void test_source_file__dot_target(void **state)
{
    char dir[256], cwd[PATH_MAX];
    struct scan s;
    static const char *const want[] = {"a.txt", "sub/b.txt"};
    int i;

    (void)state;
    /* "." is read as the current directory; paths come without a "./" prefix. */
    snprintf(dir, sizeof(dir), "%s", fbs_test_tmpdir());
    write_str(dir, "a.txt", "a\n");
    write_str(dir, "sub/b.txt", "b\n");
    assert_non_null(getcwd(cwd, sizeof(cwd)));
    assert_int_equal(chdir(dir), 0);
    scan_init(&s, ".");
    scan_run(&s);
    assert_int_equal(chdir(cwd), 0);
    assert_int_equal(s.rc, 0);
    assert_int_equal(atomic_load(&s.stats.errors), 0);
    assert_rels(s.r, want, 2);
    i = rec_index(s.r, "sub/b.txt");
    assert_string_equal(s.r->path[i], "sub/b.txt");
    scan_release(&s);
    fbs_test_rmtree(dir);
}

static void test_source_file__callback_error_stops(void **state)
{
    char dir[256];
    struct scan s;
    int i;

    (void)state;
    snprintf(dir, sizeof(dir), "%s", fbs_test_tmpdir());
    for (i = 0; i < 5; i++) {
        char name[32];

        snprintf(name, sizeof(name), "f%d.txt", i);
        write_str(dir, name, "x\n");
    }
    scan_init(&s, dir);
    s.r->ret = -42;
    scan_run(&s);
    assert_int_equal(s.rc, -42);
    assert_int_equal(s.r->n, 1);
    scan_release(&s);

    /* Cancelled before the start: nothing is read. */
    {
        atomic_bool cancel;

        atomic_init(&cancel, true);
        scan_init(&s, dir);
        s.o.cancel = &cancel;
        scan_run(&s);
        assert_int_equal(s.rc, 0);
        assert_int_equal(s.r->n, 0);
        scan_release(&s);
    }
    assert_ptr_equal(fbs_source_find("file"), &fbs_source_file);
    assert_null(fbs_source_find("nope"));
    fbs_test_rmtree(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_source_file__recursion_skips_git_dir),
        cmocka_unit_test(test_source_file__excludes),
        cmocka_unit_test(test_source_file__ignore_files),
        cmocka_unit_test(test_source_file__ignore_file_per_target),
        cmocka_unit_test(test_source_file__ignore_file_malformed),
        cmocka_unit_test(test_source_file__symlinks_not_followed),
        cmocka_unit_test(test_source_file__follow_symlinks_loop),
        cmocka_unit_test(test_source_file__fifo_skipped),
        cmocka_unit_test(test_source_file__unreadable_file),
        cmocka_unit_test(test_source_file__empty_and_too_large),
        cmocka_unit_test(test_source_file__long_line_invalid_utf8),
        cmocka_unit_test(test_source_file__binary_files),
        cmocka_unit_test(test_source_file__threads_each_file_once),
        cmocka_unit_test(test_source_file__file_target),
        cmocka_unit_test(test_source_file__dot_target),
        cmocka_unit_test(test_source_file__callback_error_stops),
    };

    fbs_test_use_cmocka_alloc();
    return cmocka_run_group_tests(tests, NULL, NULL);
}
