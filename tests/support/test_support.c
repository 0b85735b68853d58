/* test_support.c - see test_support.h. */
#include "test_support.h"

#include "scanner/core/alloc.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "scanner/core/banned.h"

static void *t_malloc(size_t n)
{
    return _test_malloc(n, __FILE__, __LINE__);
}

static void *t_calloc(size_t a, size_t b)
{
    return _test_calloc(a, b, __FILE__, __LINE__);
}

static void *t_realloc(void *p, size_t n)
{
    return _test_realloc(p, n, __FILE__, __LINE__);
}

static void t_free(void *p)
{
    _test_free(p, __FILE__, __LINE__);
}

void fbs_test_use_cmocka_alloc(void)
{
    static const struct fbs_alloc_hooks hooks = {t_malloc, t_calloc, t_realloc, t_free};

    fbs_alloc_set_hooks(&hooks);
}

const char *fbs_test_tmpdir(void)
{
    static char path[256];
    const char *base = getenv("TMPDIR");

    snprintf(path, sizeof(path), "%s/fbs-test-XXXXXX", base && *base ? base : "/tmp");
    assert_non_null(mkdtemp(path));
    return path;
}

static void mkdirs(char *path)
{
    char *p;

    for (p = path + 1; *p; p++) {
        if (*p == '/') {
            *p = '\0';
            mkdir(path, 0755);
            *p = '/';
        }
    }
}

void fbs_test_write(const char *dir, const char *name, const void *data, size_t len)
{
    char path[1024];
    FILE *f;

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    mkdirs(path);
    f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
}

void fbs_test_rmtree(const char *dir)
{
    char cmd[1200];

    if (!dir || !strncmp(dir, "/", 2))
        return;
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "warning: could not remove %s\n", dir);
}

/* Failure injection: wrappers of the cmocka hooks above. ------------------------------------- */

static long fail_countdown = -1; /* allocations left before failures start; -1 = never */

/* True when this allocation must fail: injected, or too large for cmocka's allocator (which
 * fails the test instead of returning NULL). */
static int f_should_fail(size_t n)
{
    if (n > FBS_TEST_ALLOC_MAX)
        return 1;
    if (fail_countdown < 0)
        return 0;
    if (fail_countdown == 0)
        return 1;
    fail_countdown--;
    return 0;
}

static void *f_malloc(size_t n)
{
    return f_should_fail(n) ? NULL : t_malloc(n);
}

static void *f_calloc(size_t a, size_t b)
{
    if ((b && a > FBS_TEST_ALLOC_MAX / b) || f_should_fail(a * b))
        return NULL;
    return t_calloc(a, b);
}

static void *f_realloc(void *p, size_t n)
{
    return f_should_fail(n) ? NULL : t_realloc(p, n);
}

void fbs_test_use_failing_alloc(void)
{
    static const struct fbs_alloc_hooks hooks = {f_malloc, f_calloc, f_realloc, t_free};

    fail_countdown = -1;
    fbs_alloc_set_hooks(&hooks);
}

void fbs_test_fail_allocs_after(long n)
{
    fail_countdown = n < 0 ? -1 : n;
}

/* Shell scripts with a pinned git identity: fbs_test_sh(). ------------------------------------ */

#define SH_PREAMBLE                                                                                \
    "export GIT_AUTHOR_NAME=Test GIT_AUTHOR_EMAIL=test@example.com GIT_COMMITTER_NAME=Test "       \
    "GIT_COMMITTER_EMAIL=test@example.com GIT_AUTHOR_DATE=2024-01-01T00:00:00Z "                   \
    "GIT_COMMITTER_DATE=2024-01-01T00:00:00Z GIT_CONFIG_NOSYSTEM=1 "                               \
    "GIT_CONFIG_GLOBAL=/dev/null HOME=\"$PWD\" && "                                                \
    "g() { git -c init.defaultBranch=main -c commit.gpgsign=false -c protocol.file.allow=always "  \
    "-c advice.detachedHead=false \"$@\"; } && "                                                   \
    "commit_at() { GIT_AUTHOR_DATE=\"$1\" GIT_COMMITTER_DATE=\"$1\" g commit -q -m \"$2\"; } && "

/* The full command for a script: cd DIR && preamble && script. Heap (libc): free() it. */
static char *sh_command(const char *dir, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));

static char *sh_command(const char *dir, const char *fmt, va_list ap)
{
    va_list ap2;
    int n;
    size_t head;
    char *cmd;

    va_copy(ap2, ap);
    n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    assert_true(n >= 0);
    head = strlen(dir) + strlen(SH_PREAMBLE) + 16;
    cmd = malloc(head + (size_t)n + 1);
    assert_non_null(cmd);
    snprintf(cmd, head, "cd '%s' && %s", dir, SH_PREAMBLE);
    vsnprintf(cmd + strlen(cmd), (size_t)n + 1, fmt, ap);
    return cmd;
}

void fbs_test_sh(const char *dir, const char *fmt, ...)
{
    va_list ap;
    char *cmd;
    int st;

    va_start(ap, fmt);
    cmd = sh_command(dir, fmt, ap);
    va_end(ap);
    st = system(cmd);
    if (st != 0)
        fprintf(stderr, "script failed (%d): %s\n", st, cmd);
    free(cmd);
    assert_int_equal(st, 0);
}

void fbs_test_sh_out(char *out, size_t size, const char *dir, const char *fmt, ...)
{
    va_list ap;
    char *cmd;
    FILE *p;
    size_t n;
    int st;

    va_start(ap, fmt);
    cmd = sh_command(dir, fmt, ap);
    va_end(ap);
    p = popen(cmd, "r");
    assert_non_null(p);
    out[0] = '\0';
    if (!fgets(out, (int)size, p))
        out[0] = '\0';
    while (fgetc(p) != EOF) /* drain */
        ;
    st = pclose(p);
    if (st != 0)
        fprintf(stderr, "script failed (%d): %s\n", st, cmd);
    free(cmd);
    assert_int_equal(st, 0);
    n = strlen(out);
    while (n && (out[n - 1] == '\n' || out[n - 1] == '\r'))
        out[--n] = '\0';
}
