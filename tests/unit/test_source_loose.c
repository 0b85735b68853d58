/*
 * test_source_loose.c - sources/source_loose.c: the loose-object guard's read
 * (fbs_git_loose_read), which hands the git source a loose blob's content so that it is inflated
 * once: the content is exactly git's, other types and blobs over the limit are read only as far
 * as their header, and damaged objects fail with the guard's messages (those of
 * fbs_git_loose_check, so the diagnostics stay the same), leaving nothing in the buffer.
 */
#include "support/test_support.h"

#include "scanner/core/buf.h"
#include "scanner/core/error.h"
#include "scanner/sources/source_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scanner/core/banned.h"

static void hex_to_id(unsigned char id[20], const char *hex)
{
    for (int i = 0; i < 20; i++) {
        unsigned v = 0;

        assert_int_equal(sscanf(hex + 2 * i, "%2x", &v), 1);
        id[i] = (unsigned char)v;
    }
}

/* A repository with loose objects: a blob holding `text`; ids of the blob and of HEAD. */
static const char *make_repo(char blob[48], char commit[48], const char *text)
{
    static char dir[256];

    snprintf(dir, sizeof(dir), "%s", fbs_test_tmpdir());
    fbs_test_sh(dir,
                "g init -q . && printf '%%s\\n' '%s' > f.txt && g add f.txt && "
                "commit_at 2024-01-01T00:00:00Z one",
                text);
    fbs_test_sh_out(blob, 48, dir, "g rev-parse HEAD:f.txt");
    fbs_test_sh_out(commit, 48, dir, "g rev-parse HEAD");
    return dir;
}

static void test_source_loose__blob_content(void **state)
{
    char blob[48], commit[48], gitdir[300];
    unsigned char id[20];
    struct fbs_buf out = FBS_BUF_INIT;
    struct fbs_git_loose info;
    const char *dir = make_repo(blob, commit, "aws_secret_access_key = abc");

    (void)state;
    snprintf(gitdir, sizeof(gitdir), "%s/.git", dir);
    hex_to_id(id, blob);
    assert_int_equal(fbs_git_loose_read(gitdir, id, 1000, &out, &info), 1);
    assert_int_equal(info.type, FBS_GIT_LOOSE_BLOB);
    assert_int_equal(info.size, 28);
    assert_int_equal(out.len, 28);
    assert_memory_equal(out.ptr, "aws_secret_access_key = abc\n", 28);
    fbs_buf_release(&out);

    /* Over the limit: the header says how large, nothing is read. */
    assert_int_equal(fbs_git_loose_read(gitdir, id, 27, &out, &info), 1);
    assert_int_equal(info.type, FBS_GIT_LOOSE_BLOB);
    assert_int_equal(info.size, 28);
    assert_int_equal(out.len, 0);

    /* Not a blob: its type, not its content. */
    hex_to_id(id, commit);
    assert_int_equal(fbs_git_loose_read(gitdir, id, 1000, &out, &info), 1);
    assert_int_equal(info.type, FBS_GIT_LOOSE_COMMIT);
    assert_int_equal(out.len, 0);

    /* Not loose (packed): 0, left to libgit2. */
    fbs_test_sh(dir, "g gc -q && g prune --expire=now");
    hex_to_id(id, blob);
    assert_int_equal(fbs_git_loose_read(gitdir, id, 1000, &out, &info), 0);
    assert_int_equal(out.len, 0);
    fbs_buf_release(&out);
    fbs_test_rmtree(dir);
}

static void test_source_loose__damaged_same_as_check(void **state)
{
    /* A blob whose zlib stream is cut, and one whose header claims more than the content: the
     * read fails exactly as the check does. */
    static const char *const damage[] = {
        "truncate -s 20 \"$p\"",
        "printf 'blob 999\\000abc' | python3 -c 'import sys,zlib; "
        "sys.stdout.buffer.write(zlib.compress(sys.stdin.buffer.read()))' > x && "
        "chmod u+w \"$p\" && cp x \"$p\"",
    };
    char text[8192];

    (void)state;
    memset(text, 'q', sizeof(text) - 1);
    text[sizeof(text) - 1] = '\0';
    for (size_t i = 0; i < sizeof(damage) / sizeof(damage[0]); i++) {
        char blob[48], commit[48], gitdir[300], check_msg[512];
        unsigned char id[20];
        struct fbs_buf out = FBS_BUF_INIT;
        struct fbs_git_loose info;
        const char *dir = make_repo(blob, commit, text);
        int check, read;

        snprintf(gitdir, sizeof(gitdir), "%s/.git", dir);
        fbs_test_sh(dir, "p=.git/objects/%.2s/%s && %s", blob, blob + 2, damage[i]);
        hex_to_id(id, blob);
        check = fbs_git_loose_check(gitdir, id, false);
        snprintf(check_msg, sizeof(check_msg), "%s", fbs_error_message());
        read = fbs_git_loose_read(gitdir, id, 1 << 20, &out, &info);
        assert_true(check < 0);
        assert_int_equal(read, check);
        assert_string_equal(fbs_error_message(), check_msg);
        assert_int_equal(out.len, 0);
        fbs_buf_release(&out);
        fbs_test_rmtree(dir);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_source_loose__blob_content),
        cmocka_unit_test(test_source_loose__damaged_same_as_check),
    };

    fbs_test_use_cmocka_alloc();
    return cmocka_run_group_tests(tests, NULL, NULL);
}
