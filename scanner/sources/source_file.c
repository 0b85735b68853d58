/*
 * source_file.c - files and directory trees.
 *
 * The walk runs first, on the calling thread: it lists regular files (skipping .git/, excluded
 * and ignored paths, special files, and symlinks unless asked to follow them, with loop
 * detection), then worker threads read each file into a reused buffer and hand it over. Every
 * skip is counted by reason; unreadable files are error diagnostics (the scan is incomplete).
 */
#include "source.h"
#include "source_int.h"
#include "../core/alloc.h"
#include "../core/buf.h"
#include "../core/error.h"
#include "../core/text.h"
#include "../core/vec.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../core/banned.h"

#define IGNORE_FILE_NAME ".fallbackscanignore"
#define READ_CHUNK       (1u << 20)

struct file_item {
    char *path;      /* display path: target joined with the relative path */
    size_t rel_off;  /* offset of the target-relative part in path */
    unsigned target; /* index into opts->targets */
};

struct walk {
    const struct fbs_source_opts *opts;
    struct fbs_vec files; /* struct file_item * */
    struct {
        dev_t dev;
        ino_t ino;
    } * seen; /* directories entered when following symlinks */
    size_t nseen, seen_cap;
};

static void item_free(void *p)
{
    struct file_item *it = p;

    if (!it)
        return;
    fbs_free(it->path);
    fbs_free(it);
}

/* 1 when the relative path is excluded (by --exclude), else 0. */
static int filtered(struct walk *w, const char *rel, bool is_dir, enum fbs_skip *why)
{
    size_t i;

    for (i = 0; i < w->opts->nexcludes; i++) {
        if (fbs_glob_match(w->opts->excludes[i], rel, is_dir)) {
            *why = FBS_SKIP_EXCLUDED;
            return 1;
        }
    }
    return 0;
}

static void skip(struct walk *w, enum fbs_skip why, const char *path, const char *what)
{
    atomic_fetch_add(&w->opts->stats->skipped[why], 1);
    fbs_diags_add(w->opts->diags, false, fbs_skip_name(why), path, "%s", what);
}

static int add_file(struct walk *w, const char *path, size_t rel_off, unsigned target)
{
    struct file_item *it = fbs_calloc(1, sizeof(*it));

    if (!it || !(it->path = fbs_strdup(path)) || fbs_vec_push(&w->files, it) < 0) {
        item_free(it);
        return fbs_error_set(FBS_ENOMEM, "out of memory");
    }
    it->rel_off = rel_off;
    it->target = target;
    return 0;
}

/* Remember a directory; 1 if it was already seen (a loop), 0 new, <0 ENOMEM. */
static int seen_dir(struct walk *w, const struct stat *st)
{
    size_t i;

    for (i = 0; i < w->nseen; i++)
        if (w->seen[i].dev == st->st_dev && w->seen[i].ino == st->st_ino)
            return 1;
    if (fbs_array_grow((void **)&w->seen, &w->seen_cap, w->nseen + 1, sizeof(*w->seen)) < 0)
        return FBS_ENOMEM;
    w->seen[w->nseen].dev = st->st_dev;
    w->seen[w->nseen].ino = st->st_ino;
    w->nseen++;
    return 0;
}

static int walk_dir(struct walk *w, struct fbs_buf *path, size_t rel_off, unsigned target,
                    int depth)
{
    DIR *d;
    struct dirent *de;
    size_t base = path->len;
    int rc = 0;

    if (depth > 256) {
        fbs_diags_add(w->opts->diags, true, "too_deep", path->ptr,
                      "directory nesting deeper than 256 levels; not descended");
        return 0;
    }
    d = opendir(path->len ? path->ptr : "."); /* "" is the target "." itself */
    if (!d) {
        atomic_fetch_add(&w->opts->stats->skipped[FBS_SKIP_UNREADABLE], 1);
        fbs_diags_add(w->opts->diags, true, "unreadable", path->ptr, "cannot open directory: %s",
                      strerror(errno));
        return 0;
    }
    while ((de = readdir(d)) != NULL) {
        const char *name = de->d_name;
        unsigned char type = de->d_type;
        struct stat st;
        enum fbs_skip why;
        bool is_dir;

        if (w->opts->cancel && atomic_load(w->opts->cancel))
            break;
        if (!strcmp(name, ".") || !strcmp(name, ".."))
            continue;
        fbs_buf_truncate(path, base);
        if ((base && path->ptr[base - 1] != '/' && fbs_buf_putc(path, '/') < 0) ||
            fbs_buf_puts(path, name) < 0) {
            rc = fbs_error_set(FBS_ENOMEM, "out of memory");
            break;
        }
        if (type == DT_UNKNOWN) {
            if (lstat(path->ptr, &st) < 0) {
                fbs_diags_add(w->opts->diags, true, "unreadable", path->ptr, "cannot stat: %s",
                              strerror(errno));
                atomic_fetch_add(&w->opts->stats->skipped[FBS_SKIP_UNREADABLE], 1);
                continue;
            }
            type = S_ISDIR(st.st_mode)   ? DT_DIR
                   : S_ISREG(st.st_mode) ? DT_REG
                   : S_ISLNK(st.st_mode) ? DT_LNK
                                         : DT_FIFO;
        }
        if (type == DT_LNK) {
            if (!w->opts->follow_symlinks) {
                atomic_fetch_add(&w->opts->stats->files, 1);
                skip(w, FBS_SKIP_SYMLINK, path->ptr, "symbolic link not followed");
                continue;
            }
            if (stat(path->ptr, &st) < 0) {
                atomic_fetch_add(&w->opts->stats->files, 1);
                skip(w, FBS_SKIP_SYMLINK, path->ptr, "dangling symbolic link");
                continue;
            }
            type = S_ISDIR(st.st_mode) ? DT_DIR : S_ISREG(st.st_mode) ? DT_REG : DT_FIFO;
        }
        is_dir = type == DT_DIR;
        if (is_dir && !strcmp(name, ".git"))
            continue;
        if (filtered(w, path->ptr + rel_off, is_dir, &why)) {
            if (!is_dir)
                atomic_fetch_add(&w->opts->stats->files, 1);
            skip(w, why, path->ptr, is_dir ? "directory excluded" : "file excluded");
            continue;
        }
        if (is_dir) {
            if (w->opts->follow_symlinks) {
                int seen;

                if (stat(path->ptr, &st) < 0)
                    continue;
                seen = seen_dir(w, &st);
                if (seen < 0) {
                    rc = seen;
                    break;
                }
                if (seen) {
                    fbs_diags_add(w->opts->diags, false, "symlink_loop", path->ptr,
                                  "directory already visited (symbolic link loop); not descended");
                    continue;
                }
            }
            rc = walk_dir(w, path, rel_off, target, depth + 1);
            if (rc < 0)
                break;
            continue;
        }
        atomic_fetch_add(&w->opts->stats->files, 1);
        if (type != DT_REG) {
            skip(w, FBS_SKIP_SPECIAL, path->ptr, "not a regular file (FIFO, device or socket)");
            continue;
        }
        rc = add_file(w, path->ptr, rel_off, target);
        if (rc < 0)
            break;
    }
    closedir(d);
    fbs_buf_truncate(path, base);
    return rc;
}

static int walk_target(struct walk *w, unsigned t)
{
    const char *target = w->opts->targets[t];
    struct fbs_buf path = FBS_BUF_INIT;
    struct stat st;
    size_t n = strlen(target);
    int rc = 0;

    while (n > 1 && target[n - 1] == '/')
        n--;
    if (fbs_buf_put(&path, target, n) < 0)
        return fbs_error_set(FBS_ENOMEM, "out of memory");
    if ((w->opts->follow_symlinks ? stat(path.ptr, &st) : lstat(path.ptr, &st)) < 0) {
        atomic_fetch_add(&w->opts->stats->skipped[FBS_SKIP_UNREADABLE], 1);
        fbs_diags_add(w->opts->diags, true, "unreadable", path.ptr, "cannot stat: %s",
                      strerror(errno));
        goto done;
    }
    if (S_ISDIR(st.st_mode)) {
        struct fbs_buf ign = FBS_BUF_INIT;

        if (fbs_buf_printf(&ign, "%s/%s", path.ptr, IGNORE_FILE_NAME) < 0) {
            rc = FBS_ENOMEM;
            goto done;
        }
        /* A directory target's own ignore file: its entries suppress findings under it. */
        rc = w->opts->ignores ? fbs_ignores_load_file(w->opts->ignores, ign.ptr, target) : 0;
        if (rc == FBS_EIO) {
            /* Unreadable (the directory itself, usually): a per-item error, not a usage one;
             * the walk below reports the directory. */
            fbs_diags_add(w->opts->diags, true, "unreadable", ign.ptr, "%s", fbs_error_message());
            rc = 0;
        }
        fbs_buf_release(&ign);
        if (rc == FBS_ENOTFOUND)
            rc = 0;
        if (rc < 0)
            goto done;
        if (w->opts->follow_symlinks && (rc = seen_dir(w, &st)) < 0)
            goto done;
        /* "." as a target: report paths without a "./" prefix. */
        if (!strcmp(path.ptr, ".")) {
            fbs_buf_truncate(&path, 0);
            rc = walk_dir(w, &path, 0, t, 0);
        } else {
            size_t rel = path.len + (path.ptr[path.len - 1] == '/' ? 0 : 1);

            rc = walk_dir(w, &path, rel, t, 0);
        }
        goto done;
    }
    atomic_fetch_add(&w->opts->stats->files, 1);
    if (S_ISLNK(st.st_mode)) {
        skip(w, FBS_SKIP_SYMLINK, path.ptr, "symbolic link not followed");
    } else if (!S_ISREG(st.st_mode)) {
        skip(w, FBS_SKIP_SPECIAL, path.ptr, "not a regular file (FIFO, device or socket)");
    } else {
        /* A file target: its "relative" part is its base name. */
        const char *slash = strrchr(path.ptr, '/');

        rc = add_file(w, path.ptr, slash ? (size_t)(slash - path.ptr) + 1 : 0, t);
    }
done:
    fbs_buf_release(&path);
    return rc;
}

/* Reading ------------------------------------------------------------------------------------- */

struct readers {
    const struct fbs_source_opts *opts;
    struct fbs_vec *files;
    atomic_size_t next;
    struct fbs_source_fail fail;
    fbs_blob_cb cb;
    void *payload;
};

struct reader {
    struct readers *shared;
    unsigned worker;
};

/* Read the whole file at fd into buf. 0, or an errno value. */
static int read_all(int fd, struct fbs_buf *buf, uint64_t max)
{
    fbs_buf_truncate(buf, 0);
    for (;;) {
        ssize_t n;

        if (fbs_buf_grow(buf, READ_CHUNK) < 0)
            return ENOMEM;
        n = read(fd, buf->ptr + buf->len, buf->cap - buf->len - 1);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return errno;
        }
        if (n == 0)
            break;
        buf->len += (size_t)n;
        if (buf->len > max)
            return EFBIG; /* grew while we read it */
    }
    buf->ptr[buf->len] = '\0';
    return 0;
}

int fbs_source_read_file(const struct fbs_source_opts *o, const char *fs_path, const char *name,
                         uint64_t max, struct fbs_buf *buf, fbs_time_t *mtime)
{
    struct stat st;
    int fd, err;

    fd = open(fs_path, O_RDONLY | O_NOCTTY | O_NONBLOCK | (o->follow_symlinks ? 0 : O_NOFOLLOW));
    if (fd < 0) {
        if (errno == ELOOP && !o->follow_symlinks) {
            atomic_fetch_add(&o->stats->skipped[FBS_SKIP_SYMLINK], 1);
            fbs_diags_add(o->diags, false, "symlink", name, "symbolic link not followed");
        } else {
            atomic_fetch_add(&o->stats->skipped[FBS_SKIP_UNREADABLE], 1);
            fbs_diags_add(o->diags, true, "unreadable", name, "cannot open: %s", strerror(errno));
        }
        return 0;
    }
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        atomic_fetch_add(&o->stats->skipped[FBS_SKIP_SPECIAL], 1);
        fbs_diags_add(o->diags, false, "special", name, "not a regular file");
        return 0;
    }
    if ((uint64_t)st.st_size > max) {
        close(fd);
        atomic_fetch_add(&o->stats->skipped[FBS_SKIP_TOO_LARGE], 1);
        fbs_diags_add(o->diags, false, "too_large", name,
                      "%lld bytes, over the %llu-byte limit (--max-file-size)",
                      (long long)st.st_size, (unsigned long long)max);
        return 0;
    }
    if (st.st_size == 0) {
        close(fd);
        atomic_fetch_add(&o->stats->skipped[FBS_SKIP_EMPTY], 1);
        return 0;
    }
    err = read_all(fd, buf, max);
    close(fd);
    if (err == EFBIG) {
        atomic_fetch_add(&o->stats->skipped[FBS_SKIP_TOO_LARGE], 1);
        fbs_diags_add(o->diags, false, "too_large", name,
                      "grew over the %llu-byte limit while being read", (unsigned long long)max);
        return 0;
    }
    if (err) {
        atomic_fetch_add(&o->stats->skipped[FBS_SKIP_UNREADABLE], 1);
        fbs_diags_add(o->diags, true, "unreadable", name, "cannot read: %s", strerror(err));
        return 0;
    }
    *mtime = (fbs_time_t)st.st_mtime;
    return 1;
}

static void read_one(struct readers *r, const struct file_item *it, struct fbs_buf *buf,
                     unsigned worker)
{
    const struct fbs_source_opts *o = r->opts;
    struct fbs_blob blob;
    fbs_time_t mtime = 0;

    if (!fbs_source_read_file(o, it->path, it->path, o->max_file_size, buf, &mtime))
        return;
    blob.data = (const unsigned char *)buf->ptr;
    blob.len = buf->len;
    blob.path = it->path;
    blob.rel_path = it->path + it->rel_off;
    blob.target = o->targets[it->target];
    blob.source = FBS_SOURCE_FILE;
    blob.mtime = mtime;
    blob.binary = fbs_is_binary(buf->ptr, buf->len);
    blob.prov = NULL;
    if (blob.binary && !o->scan_binary) {
        atomic_fetch_add(&o->stats->skipped[FBS_SKIP_BINARY], 1);
        fbs_diags_add(o->diags, false, "binary", it->path, "binary file skipped");
        return;
    }
    atomic_fetch_add(&o->stats->blobs, 1);
    atomic_fetch_add(&o->stats->bytes, buf->len);
    fbs_source_fail_record(&r->fail, r->cb(&blob, worker, r->payload));
}

static void *reader_main(void *arg)
{
    struct reader *self = arg;
    struct readers *r = self->shared;
    struct fbs_buf buf = FBS_BUF_INIT;

    for (;;) {
        size_t i = atomic_fetch_add(&r->next, 1);

        if (i >= r->files->len || fbs_source_failed(&r->fail))
            break;
        if (r->opts->cancel && atomic_load(r->opts->cancel))
            break;
        read_one(r, r->files->items[i], &buf, self->worker);
    }
    /* File contents may hold secrets: wipe before the memory is reused. */
    fbs_buf_release_wipe(&buf);
    return NULL;
}

static int file_scan(const struct fbs_source_opts *opts, fbs_blob_cb cb, void *payload)
{
    struct walk w;
    struct readers shared;
    struct reader *workers = NULL;
    unsigned nthreads = opts->threads ? opts->threads : 1, i;
    size_t t;
    int rc = 0;

    memset(&w, 0, sizeof(w));
    w.opts = opts;
    for (t = 0; t < opts->ntargets; t++) {
        rc = walk_target(&w, (unsigned)t);
        if (rc < 0)
            goto done;
    }
    shared.opts = opts;
    shared.files = &w.files;
    atomic_init(&shared.next, 0);
    fbs_source_fail_init(&shared.fail);
    shared.cb = cb;
    shared.payload = payload;
    if (nthreads > w.files.len)
        nthreads = w.files.len ? (unsigned)w.files.len : 1;
    workers = fbs_calloc(nthreads, sizeof(*workers));
    if (!workers) {
        rc = fbs_error_set(FBS_ENOMEM, "out of memory");
        goto done;
    }
    for (i = 0; i < nthreads; i++) {
        workers[i].shared = &shared;
        workers[i].worker = i;
    }
    rc = fbs_source_run_workers(nthreads, reader_main, workers, sizeof(*workers), &shared.fail);
done:
    fbs_free(workers);
    fbs_vec_release(&w.files, item_free);
    fbs_free(w.seen);
    return rc;
}

const struct fbs_source fbs_source_file = {
    .name = "file",
    .scan = file_scan,
};
