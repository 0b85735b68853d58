/* hs_bundle.c - a bundle of rule-database cache entries; see hs_bundle.h. */
#include "hs_bundle.h"
#include "../core/afile.h"
#include "../core/alloc.h"
#include "../core/buf.h"
#include "../core/error.h"
#include "../core/vec.h"

#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "../core/banned.h"

#define BUNDLE_MAGIC  "FBSHSDB1"
#define BUNDLE_HEADER 16
#define BUNDLE_NAME   80
#define BUNDLE_ENTRY  (BUNDLE_NAME + 16)
#define BUNDLE_ALIGN  64

/* The entry count when the header and the entry table fit in `len`; else 0. */
static size_t bundle_entries(const unsigned char *b, size_t len)
{
    uint32_t count, zero;

    if (!b || len < BUNDLE_HEADER || memcmp(b, BUNDLE_MAGIC, 8))
        return 0;
    memcpy(&count, b + 8, sizeof(count));
    memcpy(&zero, b + 12, sizeof(zero));
    if (zero || count > (len - BUNDLE_HEADER) / BUNDLE_ENTRY)
        return 0;
    return count;
}

size_t fbs_hs_bundle_count(const void *bundle, size_t len)
{
    return bundle_entries(bundle, len);
}

bool fbs_hs_bundle_find(const void *bundle, size_t len, const char *name, const void **data,
                        size_t *dlen)
{
    const unsigned char *b = bundle;
    size_t i, n = bundle_entries(b, len), nlen = strlen(name);

    if (nlen >= BUNDLE_NAME)
        return false;
    for (i = 0; i < n; i++) {
        const unsigned char *e = b + BUNDLE_HEADER + i * BUNDLE_ENTRY;
        uint64_t off, size;

        if (memcmp(e, name, nlen + 1)) /* the name and its NUL */
            continue;
        memcpy(&off, e + BUNDLE_NAME, sizeof(off));
        memcpy(&size, e + BUNDLE_NAME + 8, sizeof(size));
        if (off > len || size > len - off)
            return false;
        *data = b + off;
        *dlen = (size_t)size;
        return true;
    }
    return false;
}

static int name_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* An entry of the compile cache: hs-<key>.db or hs-<key>.pf. */
static bool entry_name(const char *s)
{
    size_t n = strlen(s);

    return n > 6 && n < BUNDLE_NAME && !strncmp(s, "hs-", 3) &&
           (!strcmp(s + n - 3, ".db") || !strcmp(s + n - 3, ".pf"));
}

int fbs_hs_bundle_write(const char *dir, const char *out)
{
    struct fbs_vec names = FBS_VEC_INIT;
    struct fbs_buf head = FBS_BUF_INIT, body = FBS_BUF_INIT, data = FBS_BUF_INIT;
    struct fbs_afile af = {NULL, NULL, NULL};
    struct dirent *de;
    DIR *d = opendir(dir);
    uint32_t count, zero = 0;
    size_t i, table;
    int rc = 0;

    if (!d)
        return fbs_error_set(FBS_EIO, "cannot open '%s': %s", dir, strerror(errno));
    while ((de = readdir(d)) != NULL) {
        char *s;

        if (!entry_name(de->d_name))
            continue;
        if (!(s = fbs_strdup(de->d_name)) || fbs_vec_push(&names, s) < 0) {
            fbs_free(s);
            rc = fbs_error_set(FBS_ENOMEM, "out of memory");
            goto done;
        }
    }
    fbs_vec_sort(&names, name_cmp);
    if (names.len > UINT32_MAX) {
        rc = fbs_error_set(FBS_EINVAL, "'%s': too many entries", dir);
        goto done;
    }
    count = (uint32_t)names.len;
    table = BUNDLE_HEADER + names.len * BUNDLE_ENTRY;
    if (fbs_buf_put(&head, BUNDLE_MAGIC, 8) < 0 || fbs_buf_put(&head, &count, 4) < 0 ||
        fbs_buf_put(&head, &zero, 4) < 0) {
        rc = fbs_error_set(FBS_ENOMEM, "out of memory");
        goto done;
    }
    for (i = 0; i < names.len; i++) {
        char name[BUNDLE_NAME] = {0};
        uint64_t off, size;

        fbs_buf_truncate(&data, 0);
        if (fbs_buf_printf(&data, "%s/%s", dir, (const char *)names.items[i]) < 0) {
            rc = fbs_error_set(FBS_ENOMEM, "out of memory");
            goto done;
        }
        {
            char *path = fbs_buf_detach(&data);

            rc = path ? fbs_buf_read_file(&data, path, 0) : FBS_ENOMEM;
            fbs_free(path);
        }
        if (rc < 0)
            goto done;
        while ((table + body.len) % BUNDLE_ALIGN)
            if (fbs_buf_putc(&body, 0) < 0) {
                rc = fbs_error_set(FBS_ENOMEM, "out of memory");
                goto done;
            }
        memcpy(name, names.items[i], strlen(names.items[i]));
        off = table + body.len;
        size = data.len;
        if (fbs_buf_put(&head, name, sizeof(name)) < 0 || fbs_buf_put(&head, &off, 8) < 0 ||
            fbs_buf_put(&head, &size, 8) < 0 || fbs_buf_put(&body, data.ptr, data.len) < 0) {
            rc = fbs_error_set(FBS_ENOMEM, "out of memory");
            goto done;
        }
    }
    rc = fbs_afile_open(&af, out);
    if (rc < 0)
        goto done;
    if (fwrite(head.ptr, 1, head.len, af.f) != head.len ||
        (body.len && fwrite(body.ptr, 1, body.len, af.f) != body.len)) {
        fbs_afile_abort(&af);
        rc = fbs_error_set(FBS_EIO, "cannot write '%s': %s", out, strerror(errno));
        goto done;
    }
    rc = fbs_afile_commit(&af);
done:
    if (d)
        closedir(d);
    fbs_vec_release(&names, fbs_free);
    fbs_buf_release(&head);
    fbs_buf_release(&body);
    fbs_buf_release(&data);
    return rc;
}
