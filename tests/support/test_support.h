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

#endif
