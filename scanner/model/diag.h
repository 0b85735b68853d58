/*
 * diag.h - what a scan counted and what it could not do.
 *
 * Stats are atomic counters updated by worker threads. Diagnostics are per-item problems (an
 * unreadable file, a missing object, a detector failing on one candidate): each is counted and,
 * when it means the scan is incomplete or the user asked for detail, listed with its subject.
 * Nothing here is fatal; fatal errors are return codes (see error.h).
 */
#ifndef FBS_DIAG_H
#define FBS_DIAG_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "../core/vec.h"

enum fbs_skip {
    FBS_SKIP_TOO_LARGE,
    FBS_SKIP_BINARY,
    FBS_SKIP_UNREADABLE,
    FBS_SKIP_SYMLINK,
    FBS_SKIP_SPECIAL,
    FBS_SKIP_EXCLUDED,
    FBS_SKIP_EMPTY,
    FBS_SKIP_SUBMODULE, /* a git submodule (gitlink) path: its repository is not scanned */
    FBS_SKIP__COUNT
};

/* "too_large", "binary", ... as written in reports. */
const char *fbs_skip_name(enum fbs_skip s);

/*
 * Blobs matched through a view instead of as their bytes, by how (docs/report.md, stats.views):
 * binary ones whose text rules saw only their printable runs, UTF-16 and UTF-32 text transcoded
 * to UTF-8.
 */
enum fbs_view { FBS_VIEW_BINARY_STRINGS, FBS_VIEW_UTF16, FBS_VIEW_UTF32, FBS_VIEW__COUNT };

/* "binary_strings", "utf16_transcoded", "utf32_transcoded" as written in reports. */
const char *fbs_view_name(enum fbs_view v);

struct fbs_stats {
    atomic_uint_fast64_t blobs; /* blobs (files) whose bytes were matched */
    atomic_uint_fast64_t bytes; /* bytes matched */
    atomic_uint_fast64_t files; /* files seen by the file source (scanned or skipped) */
    atomic_uint_fast64_t skipped[FBS_SKIP__COUNT];
    atomic_uint_fast64_t views[FBS_VIEW__COUNT];
    atomic_uint_fast64_t suppressed_placeholder;
    atomic_uint_fast64_t suppressed_reference;
    atomic_uint_fast64_t suppressed_ciphertext;  /* SOPS, Ansible Vault, sealed secrets ... */
    atomic_uint_fast64_t suppressed_inline;      /* fallback-scan:allow comments */
    atomic_uint_fast64_t suppressed_ignore_file; /* ignore-file entries */
    atomic_uint_fast64_t baseline_new, baseline_unchanged, baseline_absent;
    atomic_uint_fast64_t findings;
    atomic_uint_fast64_t errors; /* diagnostics that make the scan incomplete */
    double seconds;
    atomic_uint_fast64_t commits; /* commits walked by the git source */
    atomic_uint_fast64_t records; /* cloud credential records collected (no bytes scanned) */
};

void fbs_stats_init(struct fbs_stats *s);

struct fbs_diag {
    char *kind; /* snake_case: unreadable, read_error, too_large, symlink_loop ... */
    char *path; /* the subject: path, object id, ref, URL; may be NULL */
    char *message;
    bool error;  /* true: the scan is incomplete because of it */
    bool notice; /* listed even without --verbose */
};

struct fbs_diags {
    pthread_mutex_t lock;
    struct fbs_vec items;
    bool list_skips;         /* also list non-error diagnostics (--verbose) */
    struct fbs_stats *stats; /* errors are counted here when set */
};

int fbs_diags_init(struct fbs_diags *d, struct fbs_stats *stats, bool list_skips);
void fbs_diags_release(struct fbs_diags *d);

/*
 * Record a diagnostic. `error` marks the scan incomplete (counted in stats->errors); a non-error
 * diagnostic is only listed when list_skips is set. Thread-safe. Running out of memory here
 * drops the entry (the counters are still updated).
 */
void fbs_diags_add(struct fbs_diags *d, bool error, const char *kind, const char *path,
                   const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* A notice: always listed, never makes the scan incomplete (an expired ignore entry ...). */
void fbs_diags_notice(struct fbs_diags *d, const char *kind, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Sort entries by path then kind, for reproducible reports. */
void fbs_diags_sort(struct fbs_diags *d);

#endif
