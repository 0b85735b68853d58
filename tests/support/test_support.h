/*
 * test_support.h - shared helpers for the cmocka tests: the leak-checking allocator and small
 * fixtures (temporary directories, writing files).
 */
#ifndef FBS_TEST_SUPPORT_H
#define FBS_TEST_SUPPORT_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

/* Route fbs_malloc and friends to cmocka's checking allocator (leaks fail the test). */
void fbs_test_use_cmocka_alloc(void);

/* Create a fresh temporary directory; returns its path (static storage until the next call). */
const char *fbs_test_tmpdir(void);

/* Write `len` bytes to dir/name, creating parent directories. Fails the test on error. */
void fbs_test_write(const char *dir, const char *name, const void *data, size_t len);

/* Remove a directory tree (best effort). */
void fbs_test_rmtree(const char *dir);

/*
 * Failure injection on top of the cmocka allocator (leaks are still caught).
 * fbs_test_use_failing_alloc() installs it (instead of fbs_test_use_cmocka_alloc()); then after
 * fbs_test_fail_allocs_after(n), `n` more allocations succeed and every later one returns NULL,
 * until fbs_test_fail_allocs_after(-1). Requests over FBS_TEST_ALLOC_MAX bytes always return NULL
 * (cmocka would fail the test instead).
 */
#define FBS_TEST_ALLOC_MAX ((size_t)1 << 32)
void fbs_test_use_failing_alloc(void);
void fbs_test_fail_allocs_after(long n);

/*
 * Run a shell script (sh -c) in `dir` with a pinned git identity and dates, so that commit ids
 * are reproducible: GIT_{AUTHOR,COMMITTER}_NAME "Test", _EMAIL "test@example.com", _DATE
 * 2024-01-01T00:00:00Z, HOME=dir, no system or global git config. The script may use `g ARGS`
 * (git with -c init.defaultBranch=main -c commit.gpgsign=false -c protocol.file.allow=always)
 * and `commit_at DATE MESSAGE` (g commit -q with both dates set to DATE). printf-style; fails the
 * test when the script exits non-zero.
 */
void fbs_test_sh(const char *dir, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Like fbs_test_sh(), keeping the first line of the script's standard output (without its
 * newline) in out. */
void fbs_test_sh_out(char *out, size_t size, const char *dir, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#endif
