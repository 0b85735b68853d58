/*
 * source.h - where blobs come from.
 *
 * A source turns targets (paths, later repositories and URLs) into blobs and hands each to a
 * callback, from up to `threads` worker threads at once; `worker` (0..threads-1) tells the
 * callback which per-thread scratch to use. Per-item problems are counted in `stats` and recorded
 * in `diags`; the scan goes on. A source returns non-zero only for fatal errors (out of memory,
 * a callback's error), and a callback's non-zero return stops the scan and is returned.
 */
#ifndef FBS_SOURCE_H
#define FBS_SOURCE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../model/blob.h"
#include "../model/diag.h"

struct fbs_source_opts {
    const char *const *targets;
    size_t ntargets;
    unsigned threads;       /* >= 1 */
    uint64_t max_file_size; /* bytes; larger files are skipped (counted) */
    bool follow_symlinks;
    bool scan_binary;            /* some rule targets binary content: don't skip binary files */
    const char *const *excludes; /* globs (text.h semantics), relative to the target */
    size_t nexcludes;
    const char *ignore_file; /* extra ignore file; each directory target's own
                                .fallbackscanignore is always read */
    struct fbs_stats *stats;
    struct fbs_diags *diags;
    atomic_bool *cancel; /* optional: set to stop early */
};

typedef int (*fbs_blob_cb)(const struct fbs_blob *blob, unsigned worker, void *payload);

struct fbs_source {
    const char *name;
    int (*scan)(const struct fbs_source_opts *opts, fbs_blob_cb cb, void *payload);
};

extern const struct fbs_source fbs_source_file;

/* The registry: the source with this name ("file"), or NULL. */
const struct fbs_source *fbs_source_find(const char *name);

/*
 * Read an ignore file: one glob per line, '#' starts a comment (also after whitespace at the
 * end of a line: "secrets/  # reason"), blank lines skipped, a leading '!' is rejected. Appends
 * heap strings to `out`. 0; FBS_EIO when the file cannot be read (FBS_ENOTFOUND when it does not
 * exist); FBS_EPARSE naming the line.
 */
struct fbs_vec;
int fbs_ignore_file_load(struct fbs_vec *out, const char *path);

#endif
