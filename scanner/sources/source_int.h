/*
 * source_int.h - internals shared by the sources (source_file.c, source_git.c): running the
 * reader workers and carrying the first callback failure back to the calling thread.
 */
#ifndef FBS_SOURCE_INT_H
#define FBS_SOURCE_INT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * The first non-zero callback return of a scan and the error message that went with it. Error
 * messages are thread-local, so the failing worker copies its message here; only the thread that
 * records the code writes the message, and it is read after the workers have been joined.
 */
struct fbs_source_fail {
    atomic_int rc;
    char msg[1024];
};

void fbs_source_fail_init(struct fbs_source_fail *f);

/* Record a callback's non-zero return `rc` (the first one wins) with this thread's message. */
void fbs_source_fail_record(struct fbs_source_fail *f, int rc);

/* Whether a worker has failed: readers stop taking new items. */
int fbs_source_failed(struct fbs_source_fail *f);

/*
 * Run `main` on `n` (>= 1) workers: main(args), main(args + stride), ...; worker 0 on the calling
 * thread, the others on their own threads (a thread that cannot be created leaves its share to
 * the others, which take items from a shared counter). Returns after all have finished with
 * f->rc, the failing worker's message set on the calling thread.
 */
int fbs_source_run_workers(unsigned n, void *(*main)(void *), void *args, size_t stride,
                           struct fbs_source_fail *f);

/*
 * The same in two steps, for a source that keeps the calling thread busy while its workers
 * run: start workers first .. n - 1 (main(args + i * stride)) on their own threads, returning
 * how many started (a thread that cannot be created leaves its share to the others, or to the
 * caller); then join them, with f->rc and its message as fbs_source_run_workers.
 */
struct fbs_source_crew {
    pthread_t *threads;
    unsigned started;
};
int fbs_source_crew_start(struct fbs_source_crew *c, unsigned first, unsigned n,
                          void *(*main)(void *), void *args, size_t stride);
int fbs_source_crew_join(struct fbs_source_crew *c, struct fbs_source_fail *f);

/*
 * Check the loose object `id` (20 bytes, SHA-1) under the repository directory `objdir` (the
 * directory holding objects/) before libgit2 reads it, since libgit2 1.5.1 spins forever on a
 * truncated zlib stream: 0 when it is not loose or inflates to a complete object of the size its
 * header gives; FBS_EPARSE (truncated, corrupt stream, bad header or size) or FBS_EIO with a
 * message. With `header_only`, only "<type> <size>\0" must inflate (before a header read: a
 * large blob skipped by size costs nothing). Bounded by the file and the header size;
 * thread-safe. source_loose.c.
 */
int fbs_git_loose_check(const char *objdir, const unsigned char id[20], bool header_only);

/* What the header of a loose object says: its type and its size. */
enum { FBS_GIT_LOOSE_COMMIT, FBS_GIT_LOOSE_TREE, FBS_GIT_LOOSE_BLOB, FBS_GIT_LOOSE_TAG };
struct fbs_git_loose {
    int type; /* FBS_GIT_LOOSE_* */
    uint64_t size;
};

/*
 * fbs_git_loose_check() that also reads: when `id` is a loose blob of 1..max bytes, its content
 * is appended to `out` (which should be empty; the caller wipes and releases it), checked as by
 * fbs_git_loose_check() (the whole stream, the header's type and size; not the hash: like
 * libgit2 with strict hash verification off, which the git source sets). Returns 1 with *info
 * set (and the content in `out` only for such a blob: another type, an empty or a larger blob
 * is inflated only as far as its header), 0 when the object is not loose (nothing set: read it
 * with libgit2), or fbs_git_loose_check()'s errors (`out` left empty).
 */
struct fbs_buf;
int fbs_git_loose_read(const char *objdir, const unsigned char id[20], uint64_t max,
                       struct fbs_buf *out, struct fbs_git_loose *info);

/*
 * A git object's bytes, reference counted and shared (never modify them): `type` is libgit2's
 * git_object_t value (1 commit, 2 tree, 3 blob, 4 tag); data[len] is '\0'. The bytes of anything
 * but a tree (contents, messages) are wiped when the last reference goes. source_pack.c.
 */
struct fbs_gobj {
    const unsigned char *data;
    size_t len;
    int type;
};

/* A copy of `data` as an object with one reference; NULL when out of memory. */
struct fbs_gobj *fbs_gobj_new(int type, const void *data, size_t len);
/* One more reference to `obj`, which is returned. Thread-safe. */
struct fbs_gobj *fbs_gobj_dup(struct fbs_gobj *obj);
/* Drop one reference (NULL: nothing). Thread-safe. */
void fbs_gobj_drop(struct fbs_gobj *obj);

/*
 * The pack files of the repository whose directory (holding objects/) is `objdir`, read
 * directly, with one cache of objects (delta bases, and what is read with `keep`) of `budget`
 * bytes shared by all threads. Packs that are not version-2 indexed or do not match their index
 * are left out. 0 (*out set, maybe with no pack at all) or FBS_ENOMEM.
 */
struct fbs_packs;
int fbs_packs_open(struct fbs_packs **out, const char *objdir, size_t budget);
/* Unmap the packs and free the cache (objects still referenced live on). NULL: nothing. */
void fbs_packs_close(struct fbs_packs *packs);

/*
 * Read object `id` (SHA-1) from the packs: 1 with *out holding a reference; 0 when it is in no
 * pack or cannot be read here (a corrupt stream or delta, a chain too deep, an object over 256
 * MiB or a chain producing over 1 GiB; sizes are checked before anything is allocated for them, so
 * a hostile pack costs no more than its contents really inflate to): the caller then
 * reads it through libgit2, which says what is wrong; FBS_ENOMEM. With `keep`, the object stays
 * in the cache (for objects read again soon). Thread-safe; `packs` may be NULL (0).
 */
int fbs_pack_read(struct fbs_packs *packs, const unsigned char id[20], bool keep,
                  struct fbs_gobj **out);

/* The type and size of object `id` without inflating more than a delta's first bytes: 1, 0 (as
 * fbs_pack_read), FBS_ENOMEM. Thread-safe. */
int fbs_pack_header(struct fbs_packs *packs, const unsigned char id[20], int *type, size_t *len);

#endif
