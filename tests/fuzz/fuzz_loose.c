/*
 * fuzz_loose.c - the loose git object check (scanner/sources/source_loose.c) that stands between
 * libgit2 and a hostile object store: the input is written as the loose object file of an id and
 * checked, and read. Oracle: no crash, bounded time (a truncated or endless stream must not loop),
 * and the read agrees with the check.
 */
#include "fuzz.h"
#include "scanner/core/buf.h"
#include "scanner/core/error.h"
#include "scanner/sources/source_int.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "scanner/core/banned.h"

static char dir[64] = "/tmp/fbs-fuzz-loose-XXXXXX";
static char objects[96], fan[112];

static void cleanup(void)
{
    rmdir(fan);
    rmdir(objects);
    rmdir(dir);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const unsigned char id[20] = {0xab, 0xcd};
    char path[160];
    FILE *f;

    if (!objects[0]) {
        if (!mkdtemp(dir))
            abort();
        snprintf(objects, sizeof(objects), "%s/objects", dir);
        snprintf(fan, sizeof(fan), "%s/objects/ab", dir);
        if (mkdir(objects, 0700) < 0 || mkdir(fan, 0700) < 0)
            abort();
        atexit(cleanup);
    }
    snprintf(path, sizeof(path), "%s/cd000000000000000000000000000000000000", fan);
    f = fopen(path, "wb");
    if (!f)
        abort();
    if (size && fwrite(data, 1, size, f) != size)
        abort();
    fclose(f);
    fbs_git_loose_check(dir, id, true);
    {
        /* The read (one inflate for the git source) agrees with the check: a failed read is a
         * failed check; content is handed over only when the check passes, and it is exactly
         * the size the header gives; what the read stops at the header for (not a blob, empty,
         * over the limit) is what the git source never reads further. */
        struct fbs_buf out = FBS_BUF_INIT;
        struct fbs_git_loose info;
        int check = fbs_git_loose_check(dir, id, false);
        int read = fbs_git_loose_read(dir, id, 1 << 20, &out, &info);
        bool header_only =
            read > 0 && (info.type != FBS_GIT_LOOSE_BLOB || !info.size || info.size > (1 << 20));

        if ((read < 0 && (check >= 0 || out.len)) || (read == 0 && check != 0) ||
            (read > 0 && !header_only && (check < 0 || out.len != info.size)) ||
            (header_only && out.len))
            abort();
        fbs_buf_release(&out);
    }
    fbs_error_clear();
    unlink(path);
    return 0;
}
