/* test_support.c - see test_support.h. */
#include "test_support.h"

#include "scanner/core/alloc.h"

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
