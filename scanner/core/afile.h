/*
 * afile.h - write a file atomically: a temporary file in the same directory, flushed and
 * fsync'ed, then renamed over the target. Readers see the old file or the new one, never half
 * of one; when any step fails (a full disk, a file size limit, a directory that refuses the
 * rename) the temporary file is removed and the old file is left as it was.
 *
 * A target that exists and is not a regular file (/dev/stdout, a FIFO, a terminal) is written in
 * place: renaming over it would replace the device. A symbolic link is followed, so the file it
 * names is replaced and the link stays. A new file gets mode 0666 minus the umask, a replaced
 * one keeps its mode.
 *
 * Usage:
 *     struct fbs_afile af;
 *     if (fbs_afile_open(&af, path) < 0) ...;       // af.f is the stream to write
 *     ... fprintf(af.f, ...) ...
 *     rc = ok ? fbs_afile_commit(&af) : (fbs_afile_abort(&af), rc);
 */
#ifndef FBS_AFILE_H
#define FBS_AFILE_H

#include <stdio.h>

struct fbs_afile {
    FILE *f;    /* write here */
    char *path; /* the target (a symlink resolved) */
    char *tmp;  /* the temporary file, or NULL when writing in place */
};

/* Start writing `path`: 0, or FBS_EIO ("cannot write 'path': reason") / FBS_ENOMEM. */
int fbs_afile_open(struct fbs_afile *a, const char *path);

/*
 * Flush, fsync and rename the temporary file over the target, and release `a`. 0, or FBS_EIO
 * with a message naming the target (nothing replaced then).
 */
int fbs_afile_commit(struct fbs_afile *a);

/* Give up: close and remove the temporary file, release `a`; the target is untouched. */
void fbs_afile_abort(struct fbs_afile *a);

#endif
