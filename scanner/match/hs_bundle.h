/*
 * hs_bundle.h - a read-only bundle of rule-database cache entries, for embedding in the binary.
 *
 * The compile cache of ruleset.c keeps one file per entry, named hs-<sha256><suffix> (".db": a
 * serialised Vectorscan database; ".pf": the prefilter decisions of a rule set), the key hashing
 * the Vectorscan version, the platform and every expression with its flags and id. A bundle is
 * such a directory's entries in one blob: fbs-rules-precompile (tools/) writes the built-in
 * pack's entries at build time, the build embeds the blob in the executable, and the rule set
 * looks an entry up by its name before it tries the disk cache (fbs_ruleset_set_embedded). An
 * entry can only be found under the exact key it was made for, so a bundle made for another
 * rule set, Vectorscan version or CPU is never used: the databases are then compiled as without it.
 *
 * Layout (host byte order: a bundle is made and used on the same kind of machine): the 8 bytes
 * "FBSHSDB1", a uint32 entry count, a uint32 0, then per entry a NUL-padded 80-byte name and two
 * uint64s (offset from the start of the bundle, length), then the entries' bytes, each starting
 * at a multiple of 64.
 */
#ifndef FBS_HS_BUNDLE_H
#define FBS_HS_BUNDLE_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Find the entry named `name` (e.g. "hs-<hex>.db") in the bundle of `len` bytes at `bundle`
 * (which need not be aligned). True and the entry's bytes in *data, *dlen (pointing into the
 * bundle) when present; false when absent or when the bundle is malformed (never reads outside
 * it).
 */
bool fbs_hs_bundle_find(const void *bundle, size_t len, const char *name, const void **data,
                        size_t *dlen);

/* The number of entries of a well-formed bundle; 0 when empty or malformed. */
size_t fbs_hs_bundle_count(const void *bundle, size_t len);

/*
 * Write the hs-*.db and hs-*.pf files directly in `dir` as a bundle to `out` (atomically), in
 * name order. 0, or FBS_EIO/FBS_ENOMEM with a message naming the file.
 */
int fbs_hs_bundle_write(const char *dir, const char *out);

#endif
