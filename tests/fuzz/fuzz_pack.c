/*
 * fuzz_pack.c - the pack reader of the history scan (scanner/sources/source_pack.c), which maps
 * a scanned repository's .idx and .pack files: both are hostile input. The input is
 * "<4-byte big-endian length of the .idx><.idx><.pack>" (tests/fuzz/make_pack_seeds.sh makes
 * seeds from real packs); it is written as objects/pack/pack-f.idx and .pack, opened, and every
 * id the index lists is read with fbs_pack_header() and fbs_pack_read(), twice (the second read
 * may come from the cache). Oracle: no crash, leak, hang or unbounded allocation; a read object
 * agrees with its header and reads the same again.
 */
#include "fuzz.h"
#include "scanner/core/error.h"
#include "scanner/sources/source_int.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "scanner/core/banned.h"

static char dir[64] = "/tmp/fbs-fuzz-pack-XXXXXX";
static char objects[96], packdir[112], idx_path[140], pack_path[140];

static void cleanup(void)
{
    unlink(idx_path);
    unlink(pack_path);
    rmdir(packdir);
    rmdir(objects);
    rmdir(dir);
}

static void put(const char *path, const uint8_t *data, size_t size)
{
    FILE *f = fopen(path, "wb");

    if (!f || (size && fwrite(data, 1, size, f) != size))
        abort();
    fclose(f);
}

/* Read `id` twice and check the reads against each other and the header. */
static void check(struct fbs_packs *packs, const unsigned char *id, bool keep)
{
    struct fbs_gobj *a = NULL, *b = NULL;
    size_t len = 0;
    int type = 0, h = fbs_pack_header(packs, id, &type, &len);
    int r = fbs_pack_read(packs, id, keep, &a);

    if (r == 1) {
        if (h != 1 || a->type != type || a->len != len || a->data[a->len] != '\0')
            abort();
        if (fbs_pack_read(packs, id, !keep, &b) != 1 || b->type != a->type || b->len != a->len ||
            memcmp(a->data, b->data, a->len))
            abort();
    } else if (a) {
        abort();
    }
    fbs_gobj_drop(a);
    fbs_gobj_drop(b);
    fbs_error_clear();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const unsigned char absent[20] = {0xff, 0xfe};
    struct fbs_packs *packs = NULL;
    size_t idx_len, n, i;

    if (!objects[0]) {
        if (!mkdtemp(dir))
            abort();
        snprintf(objects, sizeof(objects), "%s/objects", dir);
        snprintf(packdir, sizeof(packdir), "%s/pack", objects);
        snprintf(idx_path, sizeof(idx_path), "%s/pack-f.idx", packdir);
        snprintf(pack_path, sizeof(pack_path), "%s/pack-f.pack", packdir);
        if (mkdir(objects, 0700) < 0 || mkdir(packdir, 0700) < 0)
            abort();
        atexit(cleanup);
    }
    if (size < 4)
        return 0;
    idx_len = (size_t)data[0] << 24 | (size_t)data[1] << 16 | (size_t)data[2] << 8 | data[3];
    data += 4;
    size -= 4;
    if (idx_len > size)
        idx_len = size;
    put(idx_path, data, idx_len);
    put(pack_path, data + idx_len, size - idx_len);
    /* A small cache (objects up to 16 KiB kept), so that eviction is exercised too. */
    if (fbs_packs_open(&packs, dir, 256 << 10) < 0)
        abort();
    /* The ids the index lists, however many its fan-out claims, as far as the file goes. */
    n = idx_len >= 8 + 1024 ? (size_t)data[8 + 1020] << 24 | (size_t)data[8 + 1021] << 16 |
                                  (size_t)data[8 + 1022] << 8 | data[8 + 1023]
                            : 0;
    for (i = 0; i < n && 8 + 1024 + (i + 1) * 20 <= idx_len; i++)
        check(packs, data + 8 + 1024 + i * 20, i & 1);
    check(packs, absent, false);
    fbs_packs_close(packs);
    return 0;
}
