/*
 * blob.h - the unit every source produces: bytes plus where they came from.
 *
 * A blob and everything it points to is borrowed by the matcher and detectors for the duration of
 * one callback; a finding copies what it keeps (see finding.h).
 */
#ifndef FBS_BLOB_H
#define FBS_BLOB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../core/time.h"

enum fbs_source_kind {
    FBS_SOURCE_FILE,
    FBS_SOURCE_GIT,
    FBS_SOURCE_STDIN,
    FBS_SOURCE_AWS,
    FBS_SOURCE_GCP,
    FBS_SOURCE_AZURE,
    FBS_SOURCE_KUBERNETES,
    FBS_SOURCE_VAULT,
};

/* "file", "git", ... as written in reports. */
const char *fbs_source_kind_name(enum fbs_source_kind kind);

/* Git provenance of a blob: the commit that first introduced it and what became of it. */
struct fbs_provenance {
    const char *commit;  /* 40 hex */
    const char *author;  /* "Name <email>" */
    fbs_time_t authored; /* author date */
    fbs_time_t committed;
    const char *message; /* first line of the commit message */
    int in_head;         /* 1, 0, or -1 when unknown */
    bool staged;         /* in the index, staged for the next commit (--staged): no commit */
    const char *removed_in;
    unsigned other_locations;
    /*
     * Non-zero when removed_in and other_locations are not final yet: a history scan reads
     * blobs while its walk is still finding where they went. The source settles them once the
     * walk is over, with this key (fbs_source_opts.settle).
     */
    uint32_t settle_key;
};

struct fbs_blob {
    const unsigned char *data;
    size_t len;
    const char *path;     /* as shown in reports: the target joined with rel_path */
    const char *rel_path; /* relative to the target (a file target: its base name) */
    const char *target;   /* the target (argument) the blob was found under */
    enum fbs_source_kind source;
    fbs_time_t mtime;                  /* file modification time, 0 when unknown */
    bool binary;                       /* contains NUL bytes: only binary-capable rules run */
    const struct fbs_provenance *prov; /* NULL outside git */
};

#endif
