/* test_buf.c - core/buf.c: the growable byte buffer and its empty-string invariant. */
#include "support/test_support.h"

#include "scanner/core/alloc.h"
#include "scanner/core/buf.h"
#include "scanner/core/error.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "scanner/core/banned.h"

static void test_buf__init_is_empty_string(void **state)
{
    struct fbs_buf a = FBS_BUF_INIT, b;

    (void)state;
    assert_non_null(a.ptr);
    assert_int_equal(a.len, 0);
    assert_int_equal(a.cap, 0);
    assert_string_equal(a.ptr, "");

    fbs_buf_init(&b);
    assert_ptr_equal(b.ptr, a.ptr); /* the shared empty string: no allocation */
    assert_string_equal(b.ptr, "");
    assert_int_equal(b.cap, 0);

    /* Releasing an unused buffer is a no-op and leaves it usable. */
    fbs_buf_release(&a);
    assert_string_equal(a.ptr, "");
    fbs_buf_release_wipe(&b);
    assert_string_equal(b.ptr, "");
}

static void test_buf__put_keeps_nul_terminator(void **state)
{
    struct fbs_buf b = FBS_BUF_INIT;

    (void)state;
    assert_int_equal(fbs_buf_put(&b, "abc", 3), 0);
    assert_int_equal(b.len, 3);
    assert_true(b.cap > 3);
    assert_string_equal(b.ptr, "abc");
    assert_int_equal(fbs_buf_putc(&b, 'd'), 0);
    assert_int_equal(fbs_buf_puts(&b, "ef"), 0);
    assert_string_equal(b.ptr, "abcdef");
    assert_int_equal(b.len, 6);

    /* Zero-length put on an empty buffer keeps the invariant. */
    fbs_buf_release(&b);
    assert_int_equal(fbs_buf_put(&b, NULL, 0), 0);
    assert_int_equal(b.len, 0);
    assert_string_equal(b.ptr, "");

    /* Embedded NUL bytes are data. */
    assert_int_equal(fbs_buf_put(&b, "a\0b", 3), 0);
    assert_int_equal(b.len, 3);
    assert_memory_equal(b.ptr, "a\0b", 4);
    fbs_buf_release(&b);
    assert_int_equal(b.len, 0);
    assert_int_equal(b.cap, 0);
}

static void test_buf__grow(void **state)
{
    struct fbs_buf b = FBS_BUF_INIT;
    size_t cap;
    char *p;

    (void)state;
    assert_int_equal(fbs_buf_grow(&b, 1000), 0);
    assert_true(b.cap >= 1001);
    assert_int_equal(b.len, 0);
    assert_string_equal(b.ptr, ""); /* growing an empty buffer leaves a valid C string */
    cap = b.cap;
    p = b.ptr;
    /* Room already there: nothing moves. */
    assert_int_equal(fbs_buf_grow(&b, 10), 0);
    assert_int_equal(b.cap, cap);
    assert_ptr_equal(b.ptr, p);
    /* A request the allocator refuses fails cleanly with the buffer unchanged. */
    assert_int_equal(fbs_buf_grow(&b, FBS_TEST_ALLOC_MAX), FBS_ENOMEM);
    assert_int_equal(b.cap, cap);
    assert_ptr_equal(b.ptr, p);
    fbs_buf_release(&b);
}

static void test_buf__grow_size_overflow(void **state)
{
    struct fbs_buf b = FBS_BUF_INIT;

    (void)state;
    /*
     * Was a bug (fixed): fbs_buf_grow() computes need = len + extra + 1 and only checks need < len,
     * so extra == SIZE_MAX wraps need around to exactly len and the call returns 0 ("room made")
     * without allocating anything; a following fbs_buf_put() of that size would write past the
     * buffer. Expected FBS_ENOMEM (buffer unchanged); actual 0, for an empty buffer and for one
     * holding data. Fix: check extra > SIZE_MAX - 1 - len before adding.
     */
    assert_int_equal(fbs_buf_grow(&b, SIZE_MAX), FBS_ENOMEM);
    assert_int_equal(fbs_buf_puts(&b, "abc"), 0);
    assert_int_equal(fbs_buf_grow(&b, SIZE_MAX), FBS_ENOMEM);
    assert_int_equal(fbs_buf_grow(&b, SIZE_MAX - 2), FBS_ENOMEM);
    assert_string_equal(b.ptr, "abc");
    fbs_buf_release(&b);
}

static void test_buf__enomem_leaves_buffer_unchanged(void **state)
{
    struct fbs_buf b = FBS_BUF_INIT;
    char big[200];

    (void)state;
    memset(big, 'y', sizeof(big));
    assert_int_equal(fbs_buf_puts(&b, "keep"), 0); /* 64-byte first allocation */
    fbs_test_fail_allocs_after(0);
    assert_int_equal(fbs_buf_put(&b, big, sizeof(big)), FBS_ENOMEM);
    assert_int_equal(fbs_buf_printf(&b, "%.*s", (int)sizeof(big), big), FBS_ENOMEM);
    assert_int_equal(b.len, 4);
    assert_string_equal(b.ptr, "keep");
    /* Appends that fit still work without allocating. */
    assert_int_equal(fbs_buf_puts(&b, "!"), 0);
    assert_string_equal(b.ptr, "keep!");
    fbs_test_fail_allocs_after(-1);
    fbs_buf_release(&b);

    /* Detach of an empty buffer needs one allocation: NULL when it fails. */
    fbs_test_fail_allocs_after(0);
    assert_null(fbs_buf_detach(&b));
    fbs_test_fail_allocs_after(-1);
    assert_string_equal(b.ptr, "");
}

static void test_buf__many_appends(void **state)
{
    struct fbs_buf b = FBS_BUF_INIT;
    size_t i;

    (void)state;
    for (i = 0; i < 10000; i++)
        assert_int_equal(fbs_buf_putc(&b, (char)('a' + i % 26)), 0);
    assert_int_equal(b.len, 10000);
    assert_int_equal(strlen(b.ptr), 10000);
    assert_int_equal(b.ptr[26], 'a');
    assert_int_equal(b.ptr[9999], 'a' + 9999 % 26);
    fbs_buf_release(&b);
}

static void test_buf__printf(void **state)
{
    struct fbs_buf b = FBS_BUF_INIT;
    char big[300];

    (void)state;
    assert_int_equal(fbs_buf_printf(&b, "%s=%d", "n", 42), 0);
    assert_string_equal(b.ptr, "n=42");
    assert_int_equal(fbs_buf_printf(&b, ";%05.1f", 2.25), 0);
    assert_string_equal(b.ptr, "n=42;002.2");
    /* Longer than the first allocation: output is complete. */
    memset(big, 'x', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    assert_int_equal(fbs_buf_printf(&b, "[%s]", big), 0);
    assert_int_equal(b.len, 10 + 2 + 299);
    assert_int_equal(b.ptr[b.len - 1], ']');
    assert_int_equal(b.ptr[b.len], '\0');
    /* An empty format appends nothing. */
    {
        size_t len = b.len;
        const char *empty = "";

        assert_int_equal(fbs_buf_printf(&b, "%s", empty), 0);
        assert_int_equal(b.len, len);
    }
    fbs_buf_release(&b);
}

static void test_buf__truncate(void **state)
{
    struct fbs_buf b = FBS_BUF_INIT;

    (void)state;
    fbs_buf_truncate(&b, 0); /* on the shared empty string: must not write */
    fbs_buf_truncate(&b, 5);
    assert_string_equal(b.ptr, "");
    assert_int_equal(fbs_buf_puts(&b, "hello world"), 0);
    fbs_buf_truncate(&b, 5);
    assert_int_equal(b.len, 5);
    assert_string_equal(b.ptr, "hello");
    /* Truncating to a larger length does nothing. */
    fbs_buf_truncate(&b, 50);
    assert_int_equal(b.len, 5);
    assert_string_equal(b.ptr, "hello");
    fbs_buf_truncate(&b, 0);
    assert_string_equal(b.ptr, "");
    assert_true(b.cap > 0); /* the allocation is kept for reuse */
    assert_int_equal(fbs_buf_puts(&b, "again"), 0);
    assert_string_equal(b.ptr, "again");
    fbs_buf_release(&b);
}

static void test_buf__detach(void **state)
{
    struct fbs_buf b = FBS_BUF_INIT;
    char *s;

    (void)state;
    assert_int_equal(fbs_buf_puts(&b, "owned"), 0);
    s = fbs_buf_detach(&b);
    assert_string_equal(s, "owned");
    /* The buffer is reset to the empty invariant and reusable. */
    assert_int_equal(b.len, 0);
    assert_int_equal(b.cap, 0);
    assert_string_equal(b.ptr, "");
    fbs_free(s);

    /* Detaching an empty buffer still gives a heap string the caller frees. */
    s = fbs_buf_detach(&b);
    assert_non_null(s);
    assert_string_equal(s, "");
    assert_true(s != fbs_buf__empty);
    fbs_free(s);
    assert_string_equal(b.ptr, "");
}

static void test_buf__release_wipe(void **state)
{
    struct fbs_buf b = FBS_BUF_INIT;

    (void)state;
    assert_int_equal(fbs_buf_puts(&b, "hunter2-secret"), 0);
    fbs_buf_release_wipe(&b);
    assert_int_equal(b.len, 0);
    assert_int_equal(b.cap, 0);
    assert_string_equal(b.ptr, "");
    /* Usable again afterwards. */
    assert_int_equal(fbs_buf_puts(&b, "x"), 0);
    assert_string_equal(b.ptr, "x");
    fbs_buf_release_wipe(&b);
}

static void test_buf__shared_empty_never_written(void **state)
{
    struct fbs_buf a = FBS_BUF_INIT, b = FBS_BUF_INIT;

    (void)state;
    /* Filling one buffer must not change what another empty buffer reads. */
    assert_int_equal(fbs_buf_puts(&a, "zzz"), 0);
    assert_string_equal(b.ptr, "");
    assert_int_equal(fbs_buf__empty[0], '\0');
    fbs_buf_release(&a);
}

static void test_buf__read_file(void **state)
{
    struct fbs_buf b = FBS_BUF_INIT;
    char dir[256], path[300];

    (void)state;
    snprintf(dir, sizeof(dir), "%s", fbs_test_tmpdir());
    fbs_test_write(dir, "f.txt", "hello\n", 6);
    snprintf(path, sizeof(path), "%s/f.txt", dir);
    /* Appended after what the buffer holds, NUL-terminated. */
    assert_int_equal(fbs_buf_puts(&b, ">"), 0);
    assert_int_equal(fbs_buf_read_file(&b, path, 0), 0);
    assert_string_equal(b.ptr, ">hello\n");
    /* A bound counts the file's bytes: exactly max is fine, one more is too large. */
    fbs_buf_truncate(&b, 0);
    assert_int_equal(fbs_buf_read_file(&b, path, 6), 0);
    fbs_buf_truncate(&b, 0);
    assert_int_equal(fbs_buf_read_file(&b, path, 5), FBS_EIO);
    assert_non_null(strstr(fbs_error_message(), "larger than 5 bytes"));
    assert_non_null(strstr(fbs_error_message(), path));
    /* Missing, and not a readable file. */
    snprintf(path, sizeof(path), "%s/absent", dir);
    assert_int_equal(fbs_buf_read_file(&b, path, 0), FBS_ENOTFOUND);
    assert_non_null(strstr(fbs_error_message(), path));
    assert_int_equal(fbs_buf_read_file(&b, dir, 0), FBS_EIO); /* a directory */
    fbs_buf_release(&b);
    fbs_test_rmtree(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_buf__init_is_empty_string),
        cmocka_unit_test(test_buf__put_keeps_nul_terminator),
        cmocka_unit_test(test_buf__grow),
        cmocka_unit_test(test_buf__grow_size_overflow),
        cmocka_unit_test(test_buf__enomem_leaves_buffer_unchanged),
        cmocka_unit_test(test_buf__many_appends),
        cmocka_unit_test(test_buf__printf),
        cmocka_unit_test(test_buf__truncate),
        cmocka_unit_test(test_buf__detach),
        cmocka_unit_test(test_buf__release_wipe),
        cmocka_unit_test(test_buf__shared_empty_never_written),
        cmocka_unit_test(test_buf__read_file),
    };

    fbs_test_use_failing_alloc();
    return cmocka_run_group_tests(tests, NULL, NULL);
}
