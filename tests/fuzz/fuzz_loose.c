/*
 * fuzz_loose.c - the loose git object check (scanner/sources/source_loose.c) that stands between
 * libgit2 and a hostile object store: the input is written as the loose object file of an id and
 * checked. Oracle: no crash, bounded time (a truncated or endless stream must not loop).
 */
#include "fuzz.h"
#include "scanner/core/error.h"
#include "scanner/sources/source_int.h"

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
    fbs_git_loose_check(dir, id, false);
    fbs_error_clear();
    unlink(path);
    return 0;
}
