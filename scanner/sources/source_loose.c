/*
 * source_loose.c - check a loose git object's zlib stream before libgit2 reads it.
 *
 * libgit2 1.5.1 (Debian 12) spins forever in git_odb_read() on a loose object whose zlib stream
 * is cut short (`truncate -s 30` on a commit). A file that anyone can commit to a scanned
 * repository must not hang the scan, so the git source checks a loose object here first: the
 * stream must inflate to exactly "<type> <size>\0" followed by <size> bytes, and end there. The
 * work is bounded by the file (every inflate call must consume input or produce output) and by
 * the size in the header. The check discards what it inflates; the read (fbs_git_loose_read)
 * keeps a blob's content, so that a loose blob is inflated once, not by the check and again by
 * libgit2.
 */
#include "source_int.h"
#include "../core/alloc.h"
#include "../core/buf.h"
#include "../core/error.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "../core/banned.h"

/* Parse the inflated header "<type> <size>\0" in h[0..n); its length, 0 when incomplete, -1.
 * *type: the index of the type in types[] (commit, tree, blob, tag). */
static long loose_header(const unsigned char *h, size_t n, uint64_t *size, int *type)
{
    static const char *const types[] = {"commit ", "tree ", "blob ", "tag "};
    size_t i, t, digits = 0;

    for (t = 0; t < sizeof(types) / sizeof(types[0]); t++) {
        size_t tl = strlen(types[t]);

        if (n < tl) {
            if (!memcmp(h, types[t], n))
                return 0;
            continue;
        }
        if (!memcmp(h, types[t], tl))
            break;
    }
    if (t == sizeof(types) / sizeof(types[0]))
        return -1;
    *type = (int)t;
    *size = 0;
    for (i = strlen(types[t]); i < n && h[i] >= '0' && h[i] <= '9'; i++) {
        if (++digits > 19)
            return -1;
        *size = *size * 10 + (uint64_t)(h[i] - '0');
    }
    if (i == n)
        return 0;
    if (!digits || h[i] != '\0')
        return -1;
    return (long)i + 1;
}

/*
 * The check, and with `keep` the read: once the header is whole, a blob of 1..max bytes has its
 * content appended to `keep` as it inflates (anything else: the header is enough).
 */
static int loose_inflate(const char *objdir, const unsigned char id[20], bool header_only,
                         struct fbs_buf *keep, uint64_t max, struct fbs_git_loose *info)
{
    static const char hexd[] = "0123456789abcdef";
    char path[4200], hex[41];
    unsigned char in[16384], out[16384], head[64];
    size_t nhead = 0;
    uint64_t want = 0, got = 0;
    long hlen = 0;
    z_stream z;
    int fd = -1, zr = Z_OK, rc = 0, n, type = -1;
    bool zinit = false;

    for (int i = 0; i < 20; i++) {
        hex[2 * i] = hexd[id[i] >> 4];
        hex[2 * i + 1] = hexd[id[i] & 15];
    }
    hex[40] = '\0';
    n = snprintf(path, sizeof(path), "%s%sobjects/%.2s/%s", objdir,
                 *objdir && objdir[strlen(objdir) - 1] != '/' ? "/" : "", hex, hex + 2);
    if (n < 0 || (size_t)n >= sizeof(path))
        return 0; /* cannot name it: leave it to libgit2 */
    fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0)
        return 0; /* not loose (packed, or missing: libgit2 says which) */
    rc = 1;
    memset(&z, 0, sizeof(z));
    if (inflateInit(&z) != Z_OK) {
        rc = fbs_error_set(FBS_ENOMEM, "out of memory");
        goto done;
    }
    zinit = true;
    while (zr != Z_STREAM_END) {
        ssize_t r = read(fd, in, sizeof(in));

        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            rc = fbs_error_set(FBS_EIO, "loose object file cannot be read: %s", strerror(errno));
            goto done;
        }
        if (r == 0) {
            rc = fbs_error_set(FBS_EPARSE, "loose object file is truncated (zlib stream ends "
                                           "early)");
            goto done;
        }
        z.next_in = in;
        z.avail_in = (uInt)r;
        while (z.avail_in && zr != Z_STREAM_END) {
            uInt before_in = z.avail_in;
            size_t produced;

            z.next_out = out;
            z.avail_out = sizeof(out);
            zr = inflate(&z, Z_NO_FLUSH);
            if (zr != Z_OK && zr != Z_STREAM_END && zr != Z_BUF_ERROR) {
                rc = fbs_error_set(FBS_EPARSE, "loose object file has a corrupt zlib stream%s%s",
                                   z.msg ? ": " : "", z.msg ? z.msg : "");
                goto done;
            }
            produced = sizeof(out) - z.avail_out;
            if (!produced && z.avail_in == before_in) {
                /* Output room and input both there, yet no progress: never loop on it. */
                rc = fbs_error_set(FBS_EPARSE, "loose object file has a corrupt zlib stream");
                goto done;
            }
            if (hlen == 0) {
                size_t take = produced < sizeof(head) - nhead ? produced : sizeof(head) - nhead;

                memcpy(head + nhead, out, take);
                nhead += take;
                hlen = loose_header(head, nhead, &want, &type);
                if (hlen < 0 || (hlen == 0 && nhead == sizeof(head))) {
                    rc = fbs_error_set(FBS_EPARSE, "loose object has a malformed header");
                    goto done;
                }
                if (hlen > 0 && info) {
                    info->type = type;
                    info->size = want;
                }
                if (hlen > 0 && keep && (type != FBS_GIT_LOOSE_BLOB || !want || want > max)) {
                    keep = NULL; /* not read: the header tells why */
                    header_only = true;
                }
                if (hlen > 0 && header_only)
                    goto done; /* the header is whole: enough for a header read */
                if (hlen > 0 && keep && fbs_buf_grow(keep, (size_t)want) < 0) {
                    rc = fbs_error_set(FBS_ENOMEM, "out of memory");
                    goto done;
                }
            }
            if (hlen > 0 && got + produced > want + (uint64_t)hlen) {
                rc = fbs_error_set(FBS_EPARSE, "loose object is longer than its header says");
                goto done;
            }
            if (hlen > 0 && keep) {
                size_t from = got < (uint64_t)hlen ? (size_t)((uint64_t)hlen - got) : 0;

                if (from < produced)
                    fbs_buf_put(keep, out + from, produced - from); /* room reserved above */
            }
            got += produced;
        }
    }
    if (hlen <= 0 || got != want + (uint64_t)hlen)
        rc = fbs_error_set(FBS_EPARSE, "loose object is shorter than its header says");
done:
    fbs_wipe(out, sizeof(out));
    if (keep && rc < 0)
        fbs_buf_release_wipe(keep); /* nothing of a damaged object is handed over, or kept */
    if (zinit)
        inflateEnd(&z);
    if (fd >= 0)
        close(fd);
    return rc;
}

int fbs_git_loose_check(const char *objdir, const unsigned char id[20], bool header_only)
{
    int rc = loose_inflate(objdir, id, header_only, NULL, 0, NULL);

    return rc < 0 ? rc : 0;
}

int fbs_git_loose_read(const char *objdir, const unsigned char id[20], uint64_t max,
                       struct fbs_buf *out, struct fbs_git_loose *info)
{
    return loose_inflate(objdir, id, false, out, max, info);
}
