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
#include "../model/suppress.h"
#include "../model/target.h"

struct fbs_source_opts {
    const char *const *targets;
    size_t ntargets;
    unsigned threads;       /* >= 1 */
    uint64_t max_file_size; /* bytes; larger files are skipped (counted) */
    bool follow_symlinks;
    bool scan_binary;            /* some rule targets binary content: don't skip binary files */
    const char *const *excludes; /* globs (text.h semantics), relative to the target */
    size_t nexcludes;
    /* Where each target's .fallbackscanignore (a directory target's, a work tree's) is loaded,
     * tagged with the target; may be NULL. Its entries suppress findings (suppress.h). */
    struct fbs_ignores *ignores;
    struct fbs_stats *stats;
    struct fbs_diags *diags;
    atomic_bool *cancel; /* optional: set to stop early */

    /*
     * Git (fbs_source_git). Targets are repositories: a path in a work tree or a bare repository
     * (searched upward like git; with worktree_files only the top of a work tree or a bare
     * repository counts), or a URL (scheme://... or user@host:path) cloned bare into a
     * temporary directory that is removed afterwards (in a child process, bounded by
     * clone_timeout and clone_stall: git_fetch.h; a failed clone is an error diagnostic).
     * With none of the scoping fields set, every
     * blob reachable from all refs, HEAD and the stash reflog is scanned once. Blob paths are
     * repository-relative (path == rel_path); excludes, ignore_file and the work tree's
     * .fallbackscanignore apply to them. Process-wide, a git scan turns off libgit2's object
     * cache and its re-hashing of every object read (git does not verify on read either).
     */
    const char *since_commit;    /* revision BASE: only blobs introduced by the commits of
                                    `git log BASE..HEAD` (or BASE..each branch), never other
                                    refs (unresolvable, or no HEAD: FBS_ENOTFOUND) */
    const char *range;           /* "A..B" (B not A) or "A...B" (either, not both): only blobs
                                    introduced by those commits; replaces the refs */
    const char *const *branches; /* revisions to start from instead of all refs (or HEAD);
                                    with exactly one, in_head is about its tip, not HEAD's */
    size_t nbranches;
    bool staged;            /* only the index's blobs that differ from HEAD at the same path */
    bool messages;          /* also the messages of the commits in scope and of annotated tags
                               pointing at them, each unique one once, read after the walk: blobs
                               with the pseudo-path "<commit message>" or "<tag NAME>" and the
                               commit as provenance (in_head 0); not with staged */
    uint64_t max_blob_size; /* bytes; larger blobs are skipped (counted); 0: max_file_size */
    const char *keep_clone; /* clone URL targets here and keep them: this directory for one URL,
                               DIR/<n>-<name> for several; it must not exist or be empty */
    unsigned clone_timeout; /* seconds for a URL target's clone, 0: the default (git_fetch.h) */
    unsigned clone_stall;   /* seconds without transfer progress, 0: the default */
    bool worktree_files;    /* 'scan' semantics: a target that is the top of a work tree also
                               yields its untracked and modified files (FBS_SOURCE_FILE); a target
                               that is not a repository is handed to fbs_source_file */

    /* Incremental sweeps: commits (40 hex) already scanned, the old ref tips. Only blobs
     * introduced by commits not reachable from them are read; one that does not resolve is
     * FBS_ENOTFOUND. */
    const char *const *hide;
    size_t nhide;

    /*
     * Called by the git source, once per target, after its last blob and with no other
     * callback running: `final` gives the final removed_in and other_locations of each
     * settle_key it delivered (the strings valid until the next call of `final`), and the
     * caller updates what it made from those blobs (none delivered: nothing to do). The
     * payload is the blob callback's. NULL: the blobs are read after the walk, their
     * provenance final when delivered.
     */
    int (*settle)(void *payload,
                  void (*final)(void *ctx, uint32_t key, struct fbs_provenance *prov), void *ctx);
};

typedef int (*fbs_blob_cb)(const struct fbs_blob *blob, unsigned worker, void *payload);

struct fbs_source {
    const char *name;
    int (*scan)(const struct fbs_source_opts *opts, fbs_blob_cb cb, void *payload);
};

extern const struct fbs_source fbs_source_file;
/*
 * git history (source_git.c): each unique blob once, with the commit and path that first
 * introduced it (struct fbs_provenance). Missing or corrupt objects, unreadable refs and clones
 * that fail are error diagnostics (the scan is incomplete) and the scan goes on; submodules,
 * shallow boundaries and empty repositories are non-error diagnostics. Unresolvable
 * since_commit/range/branches are FBS_ENOTFOUND (FBS_EINVAL for a range without ".."): fatal,
 * nothing is scanned.
 */
extern const struct fbs_source fbs_source_git;

/*
 * Read the file at `fs_path` into `buf` for a source (the file source and the git source's
 * work-tree files share it). What must not or cannot be read is counted in o->stats and recorded
 * in o->diags under `name`: a symbolic link (unless o->follow_symlinks), not a regular file, over
 * `max` bytes, empty, or unreadable (an error diagnostic). Returns 1 with buf holding the bytes
 * and *mtime set, or 0 when the file was skipped.
 */
struct fbs_buf;
int fbs_source_read_file(const struct fbs_source_opts *o, const char *fs_path, const char *name,
                         uint64_t max, struct fbs_buf *buf, fbs_time_t *mtime);

/*
 * Describe a target given on the command line for reports and finding identity (target.h), as
 * the sources will see it (source_target.c): a URL is a git target known by its URL (its clone
 * is temporary: no root, no HEAD); with `search` ('git') the repository found at or above the
 * path, else ('scan', 'files') a path that is the top of a work tree, or a bare repository, is
 * that repository (a bare one: its directory as root); anything
 * else is plain files rooted at the directory (a file: its directory). A repository gets its
 * work tree as root, its origin remote without credentials, HEAD's commit and branch, read with
 * libgit2 (initialised and shut down here, only when the path holds a repository). A path that
 * does not exist is plain files known by its name. Then fbs_target_finish(). `out` is
 * initialised here; release it with fbs_target_release(), also on failure. 0 or FBS_ENOMEM.
 */
int fbs_target_describe(struct fbs_target *out, const char *target, bool search);

/*
 * git_libgit2_init() with what reading any repository needs, process-wide while libgit2 stays
 * initialised: repositories with extensions.partialclone (partial clones, whose promisor remote
 * holds the objects left out) open, libgit2 1.5 refusing them otherwise; their absent objects
 * are missing_object diagnostics like any other. Returns git_libgit2_init()'s result; pair it
 * with git_libgit2_shutdown(). source_target.c.
 */
int fbs_git_init(void);

/* The registry: the source with this name ("file", "git"), or NULL. */
const struct fbs_source *fbs_source_find(const char *name);

#endif
