/* afile.c - atomic file replacement; see afile.h. */
#include "afile.h"
#include "alloc.h"
#include "buf.h"
#include "error.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "banned.h"

static void afile_release(struct fbs_afile *a)
{
    fbs_free(a->path);
    fbs_free(a->tmp);
    a->path = NULL;
    a->tmp = NULL;
    a->f = NULL;
}

int fbs_afile_open(struct fbs_afile *a, const char *path)
{
    struct fbs_buf tmp = FBS_BUF_INIT;
    struct stat st;
    const char *slash;
    mode_t mode, mask;
    int fd = -1, rc = 0;

    memset(a, 0, sizeof(*a));
    if (lstat(path, &st) == 0 && S_ISLNK(st.st_mode)) {
        char *real = realpath(path, NULL); /* libc malloc */

        if (real) {
            a->path = fbs_strdup(real);
            free(real);
        } else {
            a->path = fbs_strdup(path); /* dangling: the link itself is replaced */
        }
    } else {
        a->path = fbs_strdup(path);
    }
    if (!a->path) {
        rc = fbs_error_set(FBS_ENOMEM, "out of memory");
        goto done;
    }
    if (stat(a->path, &st) == 0 && !S_ISREG(st.st_mode)) {
        a->f = fopen(a->path, "w");
        if (!a->f)
            rc = fbs_error_set(FBS_EIO, "cannot write '%s': %s", path, strerror(errno));
        goto done;
    }
    if (stat(a->path, &st) == 0) {
        mode = st.st_mode & 07777;
    } else {
        mask = umask(0);
        umask(mask);
        mode = 0666 & ~mask;
    }
    slash = strrchr(a->path, '/');
    if (slash)
        rc = fbs_buf_put(&tmp, a->path, (size_t)(slash - a->path) + 1);
    if (rc == 0)
        rc = fbs_buf_printf(&tmp, ".%s.tmp.XXXXXX", slash ? slash + 1 : a->path);
    if (rc < 0) {
        rc = fbs_error_set(FBS_ENOMEM, "out of memory");
        goto done;
    }
    fd = mkstemp(tmp.ptr);
    if (fd < 0) {
        rc = fbs_error_set(FBS_EIO, "cannot write '%s': %s", path, strerror(errno));
        goto done;
    }
    a->tmp = fbs_buf_detach(&tmp);
    if (!a->tmp || fchmod(fd, mode) < 0 || !(a->f = fdopen(fd, "w"))) {
        rc = a->tmp ? fbs_error_set(FBS_EIO, "cannot write '%s': %s", path, strerror(errno))
                    : fbs_error_set(FBS_ENOMEM, "out of memory");
        if (a->tmp)
            unlink(a->tmp);
        close(fd);
        goto done;
    }
done:
    fbs_buf_release(&tmp);
    if (rc < 0)
        afile_release(a);
    return rc;
}

int fbs_afile_commit(struct fbs_afile *a)
{
    int rc = 0, err = 0;

    if (!a->f)
        return fbs_error_set(FBS_EIO, "cannot write: no file open");
    if (fflush(a->f) != 0 || ferror(a->f))
        err = errno ? errno : EIO;
    if (!err && a->tmp && fsync(fileno(a->f)) != 0)
        err = errno;
    if (fclose(a->f) != 0 && !err)
        err = errno;
    a->f = NULL;
    if (!err && a->tmp && rename(a->tmp, a->path) != 0)
        err = errno;
    if (err) {
        rc = fbs_error_set(FBS_EIO, "cannot write '%s': %s", a->path, strerror(err));
        if (a->tmp)
            unlink(a->tmp);
    } else if (a->tmp) {
        /* Make the rename itself durable: fsync the directory (best effort). */
        const char *slash = strrchr(a->path, '/');
        char *dir = slash ? fbs_strndup(a->path, slash == a->path ? 1 : (size_t)(slash - a->path))
                          : fbs_strdup(".");
        int dfd = dir ? open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;

        if (dfd >= 0) {
            fsync(dfd);
            close(dfd);
        }
        fbs_free(dir);
    }
    afile_release(a);
    return rc;
}

void fbs_afile_abort(struct fbs_afile *a)
{
    if (a->f)
        fclose(a->f);
    if (a->tmp)
        unlink(a->tmp);
    afile_release(a);
}
