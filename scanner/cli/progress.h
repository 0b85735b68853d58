/*
 * progress.h - the progress line a scan draws on stderr when stderr is a terminal (not with
 * --quiet): one line, redrawn in place five times a second, that always fits the terminal's
 * width (TIOCGWINSZ, else $COLUMNS, else 80 columns) so that it never wraps, and is erased when
 * the scan ends.
 *
 * It counts "candidates": matches the detectors have not yet merged (versions of one secret,
 * key pairs), filtered or suppressed; the report's number of findings is known only at the end.
 */
#ifndef FBS_CLI_PROGRESS_H
#define FBS_CLI_PROGRESS_H

#include <stddef.h>
#include <stdint.h>

struct fbs_stats;

/* What one line shows. */
struct fbs_progress_view {
    const char *label; /* the target (a path, middle-truncated to fit), or NULL */
    uint64_t commits, blobs, files, bytes, candidates;
    double seconds;
};

/*
 * Format the line into buf (NUL-terminated, at most width - 1 columns, so that the cursor never
 * reaches the last column): fields are dropped, least useful first, and the label is shortened
 * in its middle until it fits. Control characters in the label are shown as '?'. Returns the
 * line's length in bytes.
 */
size_t fbs_progress_format(char *buf, size_t size, unsigned width,
                           const struct fbs_progress_view *v);

struct fbs_progress;

/*
 * Start drawing on fd 2 for a scan whose counters are `stats` (read atomically; they must
 * outlive the progress); `label` is copied. Draws once at once, then every 200 ms. *out is NULL
 * when nothing is drawn (the thread could not start). 0 always.
 */
int fbs_progress_start(struct fbs_progress **out, const struct fbs_stats *stats, const char *label);
/* Stop drawing, erase the line and free. NULL is a no-op. */
void fbs_progress_stop(struct fbs_progress *p);

#endif
