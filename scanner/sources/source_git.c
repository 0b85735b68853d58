/*
 * source_git.c - git history: every blob reachable from the refs, once, with provenance.
 *
 * One target at a time, in three steps:
 *
 *   1. Start points. All refs (branches, tags, remote-tracking refs, notes, refs/stash and its
 *      reflog) and HEAD, or the --branch revisions, or the right side of a --range, or HEAD
 *      alone with --since-commit (`git log BASE..HEAD`); the hidden side (--since-commit, the
 *      left side of a range) is resolved too. Tags are peeled. "In HEAD" means in the tip of
 *      the one --branch when exactly one is given, else in HEAD.
 *   2. The walk, on the calling thread. The commit graph is read with our own small parser (the
 *      libgit2 1.5 revwalk stops with an error at a shallow clone's boundary; ours reads the
 *      `shallow` file and treats boundary commits as roots). Commits reachable from the hidden
 *      side are marked, then the visible ones are ordered parents-first, oldest ready commit
 *      first (what GIT_SORT_TOPOLOGICAL | GIT_SORT_TIME | GIT_SORT_REVERSE gives), and each
 *      commit's tree is compared with its parents' trees entry by entry (a merge-join over the
 *      sorted raw trees; for a merge, with every parent). An entry equal to the same entry of
 *      any parent is old. A subtree whose id was already walked is skipped without being read:
 *      everything under it was seen then. A new blob id becomes a work item with the commit and
 *      path that introduced it; a blob already known only counts one more location. A blob
 *      that leaves the first parent at the path where it was introduced, and is nowhere in
 *      HEAD, records that commit as `removed_in`.
 *   3. Reading, on `threads` workers, each with its own git_repository (libgit2 objects must
 *      not be shared between threads): the header first, so blobs over the size limit are never
 *      inflated, then the bytes, handed to the callback and wiped. With two threads or more
 *      and a caller that settles (fbs_source_opts.settle) this overlaps the walk: it publishes
 *      each batch of new items as jobs, one reader runs beside it and the others join when it
 *      ends; what the rest of the walk learns about a blob read early (removed_in, other
 *      locations) is settled afterwards. Otherwise the readers start after the walk (worker 0
 *      on the calling thread). Items are read in the walk's order, oldest first. After the
 *      walk its thread reads the commit and tag messages, which the readers scan. The queue
 *      between them is bounded (QUEUE_JOBS, QUEUE_TEXT_BYTES): the walk publishes no further
 *      while the readers are that far behind, and the message feed waits for them (with no
 *      reader running yet, it reads some itself).
 *
 * Packed objects (commits, trees, blobs) are read by source_pack.c, not libgit2: one cache of
 * delta bases for the walk and the readers, sized for the walk's oldest-first order, which runs
 * against git's delta chains. Loose objects, alternates and anything the pack reader declines
 * (damage of any kind) are read by libgit2, whose errors become the diagnostics, as before.
 *
 * Memory is proportional to the number of objects (sets of ids, one path and a few integers per
 * blob, one small record per commit), never to their contents (the queue's copies are
 * bounded). Everything a work item points to lives in an arena that is freed with the target.
 * Per-object problems are diagnostics with the object id as subject; see source.h for which are
 * errors.
 */
#include "source.h"
#include "source_int.h"
#include "git_fetch.h"
#include "../core/alloc.h"
#include "../core/buf.h"
#include "../core/error.h"
#include "../core/text.h"
#include "../core/vec.h"

#include <git2.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../core/banned.h"

#define NONE             UINT32_MAX
#define IGNORE_FILE_NAME ".fallbackscanignore"
#define ARENA_CHUNK      (64u * 1024)
#define MAX_TREE_DEPTH   1024
#define MAX_PEEL         16
#define READ_CHUNK       (1u << 20)

/* Git's entry modes. */
#define MODE_TREE    0040000u
#define MODE_GITLINK 0160000u
#define MODE_FMT     0170000u
#define MODE_REG     0100000u

/* Sets of object ids ------------------------------------------------------------------------ */

/* Object ids are uniformly distributed: their first bytes are a good hash. */
static uint64_t oid_hash(const git_oid *oid)
{
    uint64_t h;

    memcpy(&h, oid->id, sizeof(h));
    return h;
}

/* Compared word by word: the hottest comparison of the walk (a memcmp call costs more). */
static bool oid_eq(const git_oid *a, const git_oid *b)
{
    uint64_t a0, a1, b0, b1;
    uint32_t a2, b2;

    memcpy(&a0, a->id, 8);
    memcpy(&b0, b->id, 8);
    memcpy(&a1, a->id + 8, 8);
    memcpy(&b1, b->id + 8, 8);
    memcpy(&a2, a->id + 16, 4);
    memcpy(&b2, b->id + 16, 4);
    return ((a0 ^ b0) | (a1 ^ b1) | (a2 ^ b2)) == 0;
}

static bool oid_is_zero(const git_oid *oid)
{
    static const git_oid zero;

    return oid_eq(oid, &zero);
}

/* An open-addressing set of ids (linear probing, at most half full). */
struct oidset {
    git_oid *slots; /* all-zero: empty */
    size_t cap;     /* 0 or a power of two */
    size_t len;
    bool has_zero; /* the all-zero id (which marks empty slots) is a member */
};

static void oidset_release(struct oidset *s)
{
    fbs_free(s->slots);
    memset(s, 0, sizeof(*s));
}

static int oidset_grow(struct oidset *s)
{
    size_t ncap = s->cap ? s->cap * 2 : 1024, i;
    git_oid *ns = fbs_calloc(ncap, sizeof(*ns));

    if (!ns)
        return fbs_error_set(FBS_ENOMEM, "out of memory");
    for (i = 0; i < s->cap; i++) {
        size_t j;

        if (oid_is_zero(&s->slots[i]))
            continue;
        j = (size_t)oid_hash(&s->slots[i]) & (ncap - 1);
        while (!oid_is_zero(&ns[j]))
            j = (j + 1) & (ncap - 1);
        ns[j] = s->slots[i];
    }
    fbs_free(s->slots);
    s->slots = ns;
    s->cap = ncap;
    return 0;
}

/* 1 when `oid` was added, 0 when it was already a member, FBS_ENOMEM. */
static int oidset_add(struct oidset *s, const git_oid *oid)
{
    size_t j;

    if (oid_is_zero(oid)) {
        if (s->has_zero)
            return 0;
        s->has_zero = true;
        return 1;
    }
    if ((s->len + 1) * 2 > s->cap && oidset_grow(s) < 0)
        return FBS_ENOMEM;
    j = (size_t)oid_hash(oid) & (s->cap - 1);
    while (!oid_is_zero(&s->slots[j])) {
        if (oid_eq(&s->slots[j], oid))
            return 0;
        j = (j + 1) & (s->cap - 1);
    }
    s->slots[j] = *oid;
    s->len++;
    return 1;
}

static bool oidset_has(const struct oidset *s, const git_oid *oid)
{
    size_t j;

    if (oid_is_zero(oid))
        return s->has_zero;
    if (!s->cap)
        return false;
    j = (size_t)oid_hash(oid) & (s->cap - 1);
    while (!oid_is_zero(&s->slots[j])) {
        if (oid_eq(&s->slots[j], oid))
            return true;
        j = (j + 1) & (s->cap - 1);
    }
    return false;
}

/*
 * A map from ids to indices of an array whose elements start with their git_oid (nodes,
 * items): 4 bytes a slot; the id is read from the array, passed as `base` and `stride` because
 * the array moves when it grows.
 */
struct idxmap {
    uint32_t *slots; /* index + 1; 0: empty */
    size_t cap;      /* 0 or a power of two */
    size_t len;
};

#define KEY_AT(base, stride, idx)                                                                  \
    ((const git_oid *)((const char *)(base) + (size_t)(idx) * (stride)))

static uint32_t idxmap_get(const struct idxmap *m, const git_oid *oid, const void *base,
                           size_t stride)
{
    size_t j;

    if (!m->cap)
        return NONE;
    j = (size_t)oid_hash(oid) & (m->cap - 1);
    while (m->slots[j]) {
        if (oid_eq(KEY_AT(base, stride, m->slots[j] - 1), oid))
            return m->slots[j] - 1;
        j = (j + 1) & (m->cap - 1);
    }
    return NONE;
}

/* Add index `idx` (whose id is not yet in the map); 0 or FBS_ENOMEM. */
static int idxmap_add(struct idxmap *m, uint32_t idx, const void *base, size_t stride)
{
    size_t j;

    if ((m->len + 1) * 2 > m->cap) {
        size_t ncap = m->cap ? m->cap * 2 : 1024, i;
        uint32_t *ns = fbs_calloc(ncap, sizeof(*ns));

        if (!ns)
            return fbs_error_set(FBS_ENOMEM, "out of memory");
        for (i = 0; i < m->cap; i++) {
            if (!m->slots[i])
                continue;
            j = (size_t)oid_hash(KEY_AT(base, stride, m->slots[i] - 1)) & (ncap - 1);
            while (ns[j])
                j = (j + 1) & (ncap - 1);
            ns[j] = m->slots[i];
        }
        fbs_free(m->slots);
        m->slots = ns;
        m->cap = ncap;
    }
    j = (size_t)oid_hash(KEY_AT(base, stride, idx)) & (m->cap - 1);
    while (m->slots[j])
        j = (j + 1) & (m->cap - 1);
    m->slots[j] = idx + 1;
    m->len++;
    return 0;
}

/* FNV-1a: mixes a path into an id for the HEAD lookup. */
static uint64_t path_hash(const char *s, size_t n)
{
    uint64_t h = 1469598103934665603ull;
    size_t i;

    for (i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= 1099511628211ull;
    }
    return h;
}

/* The key of "blob `oid` at `path`": the id with the path hash folded in. */
static void path_key(git_oid *out, const git_oid *oid, const char *path, size_t len)
{
    uint64_t x;

    *out = *oid;
    memcpy(&x, out->id, sizeof(x));
    x ^= path_hash(path, len);
    memcpy(out->id, &x, sizeof(x));
    out->id[GIT_OID_RAWSZ - 1] ^= 0x5a; /* never equal to the bare id, even when the hash is 0 */
}

/* Strings that live as long as the target's scan ---------------------------------------------- */

struct arena_chunk {
    struct arena_chunk *next;
    size_t cap, used;
    char data[];
};

struct arena {
    struct arena_chunk *head;
};

static const char *arena_strndup(struct arena *a, const char *s, size_t n)
{
    struct arena_chunk *c = a->head;
    char *p;

    if (!c || c->cap - c->used < n + 1) {
        size_t cap = n + 1 > ARENA_CHUNK / 4 ? n + 1 : ARENA_CHUNK;

        c = fbs_malloc(sizeof(*c) + cap);
        if (!c)
            return NULL;
        c->cap = cap;
        c->used = 0;
        if (cap == ARENA_CHUNK || !a->head) {
            c->next = a->head;
            a->head = c;
        } else { /* a large string gets its own chunk; keep filling the current one */
            c->next = a->head->next;
            a->head->next = c;
        }
    }
    p = c->data + c->used;
    c->used += n + 1;
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

static void arena_release(struct arena *a)
{
    while (a->head) {
        struct arena_chunk *next = a->head->next;

        fbs_free(a->head);
        a->head = next;
    }
}

/* A growable array of node indices. */
struct u32vec {
    uint32_t *v;
    size_t n, cap;
};

static int u32_push(struct u32vec *a, uint32_t x)
{
    if (fbs_array_grow((void **)&a->v, &a->cap, a->n + 1, sizeof(*a->v)) < 0)
        return FBS_ENOMEM;
    a->v[a->n++] = x;
    return 0;
}

/* The state of one target's scan -------------------------------------------------------------- */

#define N_PARSED  0x01u
#define N_BAD     0x02u /* missing or corrupt: no tree, no parents */
#define N_SHALLOW 0x04u /* a shallow clone's boundary: its parents are not in the repository */
#define N_HIDDEN  0x08u /* reachable from the hidden side (--since-commit, a range's left) */
#define N_VISIBLE 0x10u /* to walk: reachable from a start point, not hidden */
#define N_START   0x20u /* already in the start list */

struct node {
    git_oid oid; /* first: the idxmap key */
    git_oid tree;
    int64_t time;      /* committer date: orders commits that are ready at the same time */
    uint32_t parents;  /* first index in gscan.parents */
    uint32_t nparents; /* 0 for roots, shallow boundaries and bad commits */
    uint32_t info;     /* index in gscan.infos; NONE for commits not walked */
    uint8_t flags;
};

/* What a finding says about the commit that introduced its blob; strings in the arena. */
struct commit_info {
    const char *author;  /* "Name <email>" */
    const char *message; /* first line */
    fbs_time_t authored, committed;
};

enum item_kind {
    ITEM_BLOB,    /* read from the object database */
    ITEM_FILE,    /* a work tree file, read from disk */
    ITEM_MESSAGE, /* a commit or tag message (a job only, never an item) */
};

struct item {
    git_oid oid;           /* first: the idxmap key (zero for ITEM_FILE) */
    const char *path;      /* repository-relative, in the arena */
    uint32_t commit;       /* node that introduced it; NONE: staged, a tag's tree, on disk */
    uint32_t removed_in;   /* node; NONE when unknown or still in HEAD */
    uint32_t other;        /* other (commit, path) pairs found carrying it */
    int8_t in_head;        /* at this path in HEAD: 1, 0, -1 unknown */
    bool in_head_anywhere; /* somewhere in HEAD's tree (a rename is not a removal) */
    uint8_t kind;
};

/* A raw tree, parsed in place: entries point into the object's data. */
struct tentry {
    const char *name;
    const git_oid *oid;
    uint32_t namelen;
    uint32_t mode;
};

struct tview {
    struct fbs_gobj *obj;
    struct tentry *e;
    size_t n, cap;
    size_t pos; /* merge-join cursor */
};

/* Per depth of the tree walk: reused views (the tree and its parents' trees) and subtree ids. */
struct level {
    struct tview *v;
    size_t vcap;
    git_oid *sub;
    size_t subcap;
};

/* A ref that peels to a tree or a blob rather than a commit (rare, but reachable). */
struct extra {
    git_oid oid;
    const char *name;
    git_object_t type;
};

/*
 * Most trees are read twice: as the new tree of a commit, then as the parent's tree when its
 * child is compared with it, usually a few commits later. A small direct-mapped cache of the
 * raw objects turns the second read into a hit. (libgit2's object cache is turned off: it costs
 * more than it saves here and holds up to 256 MiB.)
 */
#define TCACHE_SLOTS   8192
#define TCACHE_MAX_OBJ (1u << 20)
#define TCACHE_BUDGET  (64u << 20)

/*
 * The pack cache (source_pack.c): delta bases met on the way to an object, trees and blobs
 * read. The walk reads trees oldest first, against git's delta chains (newest first): a chain's
 * bases must stay in it from one read to the next.
 */
#define PACK_CACHE_BUDGET ((size_t)96 << 20)
/* Blobs read are not kept in the cache (the delta bases met on the way are): read in the walk's
 * oldest-first order, against git's delta chains, a blob is rarely the base of the next one, and
 * keeping them cost 4-6% of the wall time (terraform, the generated 50k-commit history). */
#define PACK_KEEP_BLOBS false

struct tcache_slot {
    git_oid oid;
    struct fbs_gobj *obj;
};

struct gscan {
    const struct fbs_source_opts *opts;
    const char *target;
    git_repository *repo;
    git_odb *odb;
    struct fbs_packs *packs; /* the packs, read directly (source_pack.c); shared by the readers */
    const char *workdir;     /* borrowed from repo; NULL when bare */

    struct node *nodes;
    size_t nnodes, nodes_cap;
    struct idxmap node_map;
    uint32_t *parents;
    size_t nparents, parents_cap;
    struct commit_info *infos;
    size_t ninfos, infos_cap;
    struct u32vec starts, hides;
    struct extra *extras;
    size_t nextras, extras_cap;
    size_t nshallow;
    size_t nrefs; /* refs listed, readable or not */

    struct item *items;
    size_t nitems, items_cap;
    struct idxmap item_map;

    struct oidset seen_trees;    /* trees walked (or being walked) */
    struct oidset removed_trees; /* trees searched for removed blobs */
    struct oidset bad;           /* objects already reported */
    struct oidset paths;         /* paths already reported as submodules or skipped (keys) */
    struct oidset head;          /* HEAD's blobs: bare ids and path keys */
    struct oidset shallow;       /* the shallow file's commits */
    bool head_known;
    bool head_corrupt; /* HEAD's commit or one of its trees cannot be read */

    struct tcache_slot *tcache; /* recently read trees (TCACHE_SLOTS, direct-mapped) */
    size_t tcache_bytes;
    git_oid *ptrees; /* the parents' root trees of the commit being walked */
    size_t ptrees_cap;
    struct level *levels;
    size_t nlevels;
    struct fbs_buf path; /* the path of the tree being walked */
    struct arena arena;
    struct readers *feed; /* while readers run: where new items are published (feed_publish) */
    size_t published;     /* items published: g->items[0, published) */
    struct job *pending;  /* message jobs not published yet (feed_message) */
    size_t npending, pending_cap;
    size_t pending_text; /* bytes of message text in pending */
    char settle_hex[GIT_OID_HEXSZ + 1];
};

static void gscan_release(struct gscan *g)
{
    size_t i, j;

    for (i = 0; i < g->nlevels; i++) {
        for (j = 0; j < g->levels[i].vcap; j++) {
            fbs_gobj_drop(g->levels[i].v[j].obj);
            fbs_free(g->levels[i].v[j].e);
        }
        fbs_free(g->levels[i].v);
        fbs_free(g->levels[i].sub);
    }
    fbs_free(g->levels);
    for (i = 0; g->tcache && i < TCACHE_SLOTS; i++)
        fbs_gobj_drop(g->tcache[i].obj);
    fbs_free(g->tcache);
    fbs_free(g->ptrees);
    fbs_free(g->nodes);
    fbs_free(g->node_map.slots);
    fbs_free(g->parents);
    fbs_free(g->infos);
    fbs_free(g->starts.v);
    fbs_free(g->hides.v);
    fbs_free(g->extras);
    fbs_free(g->items);
    fbs_free(g->item_map.slots);
    fbs_free(g->pending);
    oidset_release(&g->seen_trees);
    oidset_release(&g->removed_trees);
    oidset_release(&g->bad);
    oidset_release(&g->paths);
    oidset_release(&g->head);
    oidset_release(&g->shallow);
    fbs_buf_release(&g->path);
    arena_release(&g->arena);
    fbs_packs_close(g->packs);
    git_odb_free(g->odb);
    git_repository_free(g->repo);
    memset(g, 0, sizeof(*g));
}

/* Whether the scan was asked to stop (fbs_source_opts.cancel). */
static bool cancelled(const struct gscan *g)
{
    return g->opts->cancel && atomic_load(g->opts->cancel);
}

/* Diagnostics --------------------------------------------------------------------------------- */

static const char *git_msg(void)
{
    const git_error *e = git_error_last();

    return e && e->message ? e->message : "unknown error";
}

/*
 * git_odb_read() behind a check of the loose object's zlib stream (fbs_git_loose_check): a
 * truncated loose object makes libgit2 1.5.1 spin forever, so it becomes an error (GIT_ERROR
 * with the reason as libgit2's message, for the corrupt_object diagnostic) instead.
 */
static int odb_read_checked(git_odb_object **out, git_repository *repo, git_odb *odb,
                            const git_oid *oid)
{
    *out = NULL;
    if (fbs_git_loose_check(git_repository_commondir(repo), oid->id, false) < 0) {
        git_error_set_str(GIT_ERROR_ODB, fbs_error_message());
        return GIT_ERROR;
    }
    return git_odb_read(out, odb, oid);
}

/* git_odb_read_header() behind the same check, of the header only. */
static int odb_header_checked(size_t *len, git_object_t *type, git_repository *repo, git_odb *odb,
                              const git_oid *oid)
{
    if (fbs_git_loose_check(git_repository_commondir(repo), oid->id, true) < 0) {
        git_error_set_str(GIT_ERROR_ODB, fbs_error_message());
        return GIT_ERROR;
    }
    return git_odb_read_header(len, type, odb, oid);
}

/*
 * Object `oid` from the packs (source_pack.c), or else through libgit2 (odb_read_checked): 0 with
 * *out holding a reference, or libgit2's error code with its message set. With `keep`, a packed
 * object stays in the pack cache.
 */
static int obj_read(struct fbs_gobj **out, git_repository *repo, git_odb *odb,
                    struct fbs_packs *packs, const git_oid *oid, bool keep)
{
    git_odb_object *obj = NULL;
    int e;

    if (fbs_pack_read(packs, oid->id, keep, out) == 1)
        return 0;
    *out = NULL;
    e = odb_read_checked(&obj, repo, odb, oid);
    if (e < 0)
        return e;
    *out =
        fbs_gobj_new(git_odb_object_type(obj), git_odb_object_data(obj), git_odb_object_size(obj));
    if (git_odb_object_type(obj) != GIT_OBJECT_TREE) /* contents and messages: secrets */
        fbs_wipe((void *)git_odb_object_data(obj), git_odb_object_size(obj));
    git_odb_object_free(obj);
    if (!*out) {
        git_error_set_str(GIT_ERROR_NOMEMORY, "out of memory");
        return GIT_ERROR;
    }
    return 0;
}

/* Report an object that cannot be read (once per object): an error, the scan is incomplete. */
static void bad_object(struct gscan *g, const git_oid *oid, int gerr, const char *what,
                       const char *where)
{
    char hex[GIT_OID_HEXSZ + 1];

    if (oidset_add(&g->bad, oid) == 0)
        return;
    if (where && !*where)
        where = NULL;
    git_oid_tostr(hex, sizeof(hex), oid);
    fbs_diags_add(g->opts->diags, true, gerr == GIT_ENOTFOUND ? "missing_object" : "corrupt_object",
                  hex, "%s%s%s%s cannot be read: %s", what, where ? " at '" : "",
                  where ? where : "", where ? "'" : "",
                  gerr ? git_msg() : "unexpected object type or format");
}

/* Whether `rel` (a directory when is_dir) is excluded: the reason, or
 * FBS_SKIP__COUNT. */
static enum fbs_skip filtered(const struct gscan *g, const char *rel, bool is_dir)
{
    size_t i;

    for (i = 0; i < g->opts->nexcludes; i++)
        if (fbs_glob_match(g->opts->excludes[i], rel, is_dir))
            return FBS_SKIP_EXCLUDED;
    return FBS_SKIP__COUNT;
}

/* Like filtered() for a file path, checking each of its directories first. */
static enum fbs_skip filtered_path(const struct gscan *g, char *rel)
{
    enum fbs_skip why = FBS_SKIP__COUNT;
    char *slash;

    if (!g->opts->nexcludes)
        return why;
    for (slash = strchr(rel, '/'); slash && why == FBS_SKIP__COUNT;
         slash = strchr(slash + 1, '/')) {
        *slash = '\0';
        why = filtered(g, rel, true);
        *slash = '/';
    }
    return why != FBS_SKIP__COUNT ? why : filtered(g, rel, false);
}

/* Count and list a skipped path once, however many commits carry it. */
static void skip_path(struct gscan *g, enum fbs_skip why, const char *path, bool is_dir)
{
    static const git_oid zero;
    git_oid key;

    path_key(&key, &zero, path, strlen(path));
    if (oidset_add(&g->paths, &key) != 1)
        return;
    if (!is_dir)
        atomic_fetch_add(&g->opts->stats->files, 1);
    atomic_fetch_add(&g->opts->stats->skipped[why], 1);
    fbs_diags_add(g->opts->diags, false, fbs_skip_name(why), path, "%s %s",
                  is_dir ? "directory" : "file", why == FBS_SKIP_EXCLUDED ? "excluded" : "ignored");
}

/* Commits ------------------------------------------------------------------------------------- */

/* The node for `oid`, created unparsed when new; FBS_ENOMEM. Nodes move when one is added. */
static int node_get(struct gscan *g, const git_oid *oid, uint32_t *out)
{
    uint32_t n = idxmap_get(&g->node_map, oid, g->nodes, sizeof(*g->nodes));
    struct node *x;

    if (n != NONE) {
        *out = n;
        return 0;
    }
    if (g->nnodes >= NONE - 1)
        return fbs_error_set(FBS_ENOMEM, "too many commits");
    if (fbs_array_grow((void **)&g->nodes, &g->nodes_cap, g->nnodes + 1, sizeof(*g->nodes)) < 0)
        return FBS_ENOMEM;
    x = &g->nodes[g->nnodes];
    memset(x, 0, sizeof(*x));
    x->oid = *oid;
    x->info = NONE;
    if (idxmap_add(&g->node_map, (uint32_t)g->nnodes, g->nodes, sizeof(*g->nodes)) < 0)
        return FBS_ENOMEM;
    *out = (uint32_t)g->nnodes++;
    return 0;
}

/* The time in an ident line's tail ("Name <email> 1700000000 +0100"); 0 when malformed. */
static int64_t ident_time(const char *s, const char *end, const char **gt)
{
    const char *p = end;
    int64_t t = 0;
    int digits = 0;

    while (p > s && p[-1] != '>')
        p--;
    *gt = p > s ? p : NULL;
    while (p < end && *p == ' ')
        p++;
    while (p < end && *p >= '0' && *p <= '9' && digits < 18) {
        t = t * 10 + (*p++ - '0');
        digits++;
    }
    return t;
}

static bool header_is(const char *p, const char *end, const char *key, size_t keylen)
{
    return (size_t)(end - p) > keylen && !memcmp(p, key, keylen);
}

static int info_parse(struct gscan *g, uint32_t n, const char *p, const char *end);

/* Read a commit's tree, parents and date, and with `info` its commit_info. A commit that cannot
 * be read is reported and becomes a root with no tree (N_BAD); 0 or FBS_ENOMEM. */
static int node_parse(struct gscan *g, uint32_t n, bool info)
{
    struct fbs_gobj *obj = NULL;
    git_oid oid = g->nodes[n].oid;
    const char *p, *end;
    bool have_tree = false, shallow;
    int rc = 0, e;

    if (g->nodes[n].flags & N_PARSED)
        return 0;
    g->nodes[n].flags |= N_PARSED;
    e = obj_read(&obj, g->repo, g->odb, g->packs, &oid, false);
    if (e < 0 || obj->type != GIT_OBJECT_COMMIT) {
        g->nodes[n].flags |= N_BAD;
        bad_object(g, &oid, e < 0 ? e : 0, "commit", NULL);
        goto done;
    }
    shallow = oidset_has(&g->shallow, &oid);
    p = (const char *)obj->data;
    end = p + obj->len;
    g->nodes[n].parents = (uint32_t)g->nparents;
    while (p < end && *p != '\n') {
        const char *eol = memchr(p, '\n', (size_t)(end - p));
        git_oid id;

        if (!eol)
            eol = end;
        if (header_is(p, eol, "tree ", 5)) {
            have_tree = eol - p - 5 == GIT_OID_HEXSZ &&
                        git_oid_fromstrn(&g->nodes[n].tree, p + 5, GIT_OID_HEXSZ) == 0;
        } else if (header_is(p, eol, "parent ", 7) && !shallow) {
            uint32_t pi;

            if (eol - p - 7 == GIT_OID_HEXSZ && git_oid_fromstrn(&id, p + 7, GIT_OID_HEXSZ) == 0) {
                rc = node_get(g, &id, &pi);
                if (rc == 0 && fbs_array_grow((void **)&g->parents, &g->parents_cap,
                                              g->nparents + 1, sizeof(*g->parents)) < 0)
                    rc = FBS_ENOMEM;
                if (rc < 0)
                    goto done;
                g->parents[g->nparents++] = pi;
                g->nodes[n].nparents++;
            }
        } else if (header_is(p, eol, "committer ", 10)) {
            const char *gt;

            g->nodes[n].time = ident_time(p + 10, eol, &gt);
        }
        p = eol < end ? eol + 1 : end;
    }
    if (!have_tree) {
        g->nodes[n].flags |= N_BAD;
        g->nodes[n].nparents = 0;
        bad_object(g, &oid, 0, "commit", NULL);
    } else {
        if (shallow)
            g->nodes[n].flags |= N_SHALLOW;
        if (info)
            rc = info_parse(g, n, (const char *)obj->data, end);
    }
done:
    fbs_gobj_drop(obj);
    return rc;
}

/* Copy `n` bytes into the arena as valid UTF-8 (commit messages need not be). */
static const char *arena_utf8(struct gscan *g, const char *s, size_t n)
{
    struct fbs_buf b = FBS_BUF_INIT;
    const char *r = NULL;

    if (fbs_utf8_valid(s, n))
        return arena_strndup(&g->arena, s, n);
    if (fbs_utf8_sanitize(&b, s, n) == 0)
        r = arena_strndup(&g->arena, b.ptr, b.len);
    fbs_buf_release(&b);
    return r;
}

/* Parse a raw commit's author, dates and subject into node `n`'s commit_info; 0 or
 * FBS_ENOMEM. */
static int info_parse(struct gscan *g, uint32_t n, const char *p, const char *end)
{
    struct commit_info ci = {NULL, NULL, 0, 0};

    while (p < end && *p != '\n') {
        const char *eol = memchr(p, '\n', (size_t)(end - p)), *gt;

        if (!eol)
            eol = end;
        if (header_is(p, eol, "author ", 7)) {
            ci.authored = ident_time(p + 7, eol, &gt);
            if (gt && !(ci.author = arena_utf8(g, p + 7, (size_t)(gt - p - 7))))
                return fbs_error_set(FBS_ENOMEM, "out of memory");
        } else if (header_is(p, eol, "committer ", 10)) {
            ci.committed = ident_time(p + 10, eol, &gt);
        }
        p = eol < end ? eol + 1 : end;
    }
    if (p < end) { /* the blank line; the subject is the first non-empty line after it */
        const char *eol;

        while (p < end && (*p == '\n' || *p == '\r' || *p == ' '))
            p++;
        eol = p < end ? memchr(p, '\n', (size_t)(end - p)) : NULL;
        if (!eol)
            eol = end;
        while (eol > p && (eol[-1] == '\r' || eol[-1] == ' ' || eol[-1] == '\t'))
            eol--;
        if (!(ci.message = arena_utf8(g, p, (size_t)(eol - p))))
            return fbs_error_set(FBS_ENOMEM, "out of memory");
    }
    if (fbs_array_grow((void **)&g->infos, &g->infos_cap, g->ninfos + 1, sizeof(*g->infos)) < 0)
        return FBS_ENOMEM;
    g->infos[g->ninfos] = ci;
    g->nodes[n].info = (uint32_t)g->ninfos++;
    return 0;
}

/* Make sure node `n` has its commit_info (normally parsed with the commit); 0 or FBS_ENOMEM. */
static int node_info(struct gscan *g, uint32_t n)
{
    struct fbs_gobj *obj = NULL;
    const char *p;
    int rc;

    if (g->nodes[n].info != NONE)
        return 0;
    if (obj_read(&obj, g->repo, g->odb, g->packs, &g->nodes[n].oid, false) < 0)
        return info_parse(g, n, "", ""); /* reported when it was parsed */
    p = (const char *)obj->data;
    rc = info_parse(g, n, p, p + obj->len);
    fbs_gobj_drop(obj);
    return rc;
}

/* Read the `shallow` file: the boundary commits of a shallow clone. */
static int load_shallow(struct gscan *g)
{
    struct fbs_buf path = FBS_BUF_INIT;
    char line[128];
    FILE *f;
    int rc = 0;

    if (!git_repository_is_shallow(g->repo))
        return 0;
    if (fbs_buf_printf(&path, "%sshallow", git_repository_commondir(g->repo)) < 0)
        return FBS_ENOMEM;
    f = fopen(path.ptr, "r");
    fbs_buf_release(&path);
    if (!f)
        return 0;
    while (rc >= 0 && fgets(line, sizeof(line), f)) {
        git_oid oid;

        if (git_oid_fromstrn(&oid, line, GIT_OID_HEXSZ) == 0)
            rc = oidset_add(&g->shallow, &oid);
    }
    fclose(f);
    return rc < 0 ? rc : 0;
}

/* Start points ------------------------------------------------------------------------------- */

/* Peel `target` (what a ref points at) to a commit and add it to `list` (starts or hides); a
 * tree or a blob becomes an extra. Unreadable targets are reported against `name`. */
static int add_start(struct gscan *g, const git_oid *target, const char *name, struct u32vec *list)
{
    git_oid oid = *target;
    int depth;

    for (depth = 0; depth < MAX_PEEL; depth++) {
        git_object_t type;
        size_t len;
        uint32_t n;
        int e = odb_header_checked(&len, &type, g->repo, g->odb, &oid);

        if (e < 0) {
            char hex[GIT_OID_HEXSZ + 1];

            if (e != GIT_ENOTFOUND)
                bad_object(g, &oid, e, "object", NULL); /* the object itself, once */
            fbs_diags_add(g->opts->diags, true, "unreadable_ref", name,
                          "points to %s, which cannot be read: %s",
                          git_oid_tostr(hex, sizeof(hex), &oid), git_msg());
            return 0;
        }
        if (type == GIT_OBJECT_COMMIT) {
            int rc = node_get(g, &oid, &n);

            if (rc < 0)
                return rc;
            if (list == &g->starts && (g->nodes[n].flags & N_START))
                return 0;
            if (list == &g->starts)
                g->nodes[n].flags |= N_START;
            return u32_push(list, n);
        }
        if (type == GIT_OBJECT_TAG) {
            git_tag *tag;

            if (git_tag_lookup(&tag, g->repo, &oid) < 0) {
                bad_object(g, &oid, GIT_ERROR, "tag", name);
                return 0;
            }
            oid = *git_tag_target_id(tag);
            git_tag_free(tag);
            continue;
        }
        if ((type == GIT_OBJECT_TREE || type == GIT_OBJECT_BLOB) && list == &g->starts) {
            struct extra *x;

            if (fbs_array_grow((void **)&g->extras, &g->extras_cap, g->nextras + 1,
                               sizeof(*g->extras)) < 0)
                return FBS_ENOMEM;
            x = &g->extras[g->nextras];
            x->oid = oid;
            x->type = type;
            x->name = arena_strndup(&g->arena, name, strlen(name));
            if (!x->name)
                return fbs_error_set(FBS_ENOMEM, "out of memory");
            g->nextras++;
        }
        return 0;
    }
    fbs_diags_add(g->opts->diags, true, "unreadable_ref", name, "tags nested too deep");
    return 0;
}

/* The key of a ref name in the set of listed refs. */
static void ref_key(git_oid *out, const char *name)
{
    static const git_oid zero;

    path_key(out, &zero, name, strlen(name));
    out->id[1] ^= 1; /* not a path's key */
}

/*
 * libgit2 lists loose refs it cannot parse as if they did not exist (git warns "ignoring broken
 * ref"). A broken ref may be all that reaches a branch's history: find loose ref files that were
 * not listed and report the ones that cannot be read. `path` holds the directory's path and
 * `name` its ref name ("refs/..."); both are restored.
 */
static int check_loose_refs(struct gscan *g, struct oidset *listed, struct fbs_buf *path,
                            struct fbs_buf *name, int depth)
{
    size_t plen = path->len, nlen = name->len;
    struct dirent *de;
    DIR *d;
    int rc = 0;

    if (depth > 64 || !(d = opendir(path->ptr)))
        return 0;
    while (rc == 0 && (de = readdir(d)) != NULL) {
        struct stat st;
        size_t len = strlen(de->d_name);
        git_reference *ref = NULL;
        git_oid key;

        if (de->d_name[0] == '.' || (len > 5 && !strcmp(de->d_name + len - 5, ".lock")))
            continue;
        if (fbs_buf_printf(path, "/%s", de->d_name) < 0 ||
            fbs_buf_printf(name, "/%s", de->d_name) < 0) {
            rc = fbs_error_set(FBS_ENOMEM, "out of memory");
            break;
        }
        if (lstat(path->ptr, &st) == 0 && S_ISDIR(st.st_mode)) {
            rc = check_loose_refs(g, listed, path, name, depth + 1);
        } else if (S_ISREG(st.st_mode)) {
            ref_key(&key, name->ptr);
            if (!oidset_has(listed, &key)) {
                g->nrefs++;
                if (git_reference_lookup(&ref, g->repo, name->ptr) < 0)
                    fbs_diags_add(g->opts->diags, true, "unreadable_ref", name->ptr,
                                  "cannot read the ref: %s", git_msg());
                else if (git_reference_type(ref) == GIT_REFERENCE_DIRECT)
                    rc = add_start(g, git_reference_target(ref), name->ptr, &g->starts);
                git_reference_free(ref);
            }
        }
        fbs_buf_truncate(path, plen);
        fbs_buf_truncate(name, nlen);
    }
    closedir(d);
    return rc;
}

/* Every ref, HEAD and the stash's reflog. */
static int starts_from_refs(struct gscan *g)
{
    struct oidset listed = {NULL, 0, 0, false};
    struct fbs_buf path = FBS_BUF_INIT, rname = FBS_BUF_INIT;
    git_oid key;
    git_reference_iterator *it = NULL;
    git_reflog *log = NULL;
    const char *name;
    git_oid oid;
    int rc = 0, e;

    if (git_reference_iterator_new(&it, g->repo) < 0) {
        fbs_diags_add(g->opts->diags, true, "unreadable_ref", g->target,
                      "cannot list references: %s", git_msg());
    } else {
        while (rc == 0 && (e = git_reference_next_name(&name, it)) == 0) {
            git_reference *ref = NULL;

            g->nrefs++;
            ref_key(&key, name);
            if (oidset_add(&listed, &key) < 0) {
                rc = FBS_ENOMEM;
                break;
            }
            if (git_reference_lookup(&ref, g->repo, name) < 0) {
                fbs_diags_add(g->opts->diags, true, "unreadable_ref", name, "%s", git_msg());
                continue;
            }
            /* A symbolic ref's target is listed on its own (or dangles: nothing to scan). */
            if (git_reference_type(ref) == GIT_REFERENCE_DIRECT)
                rc = add_start(g, git_reference_target(ref), name, &g->starts);
            git_reference_free(ref);
        }
        if (rc == 0 && e != GIT_ITEROVER)
            fbs_diags_add(g->opts->diags, true, "unreadable_ref", g->target,
                          "cannot list references: %s", git_msg());
        git_reference_iterator_free(it);
    }
    if (rc == 0) {
        if (fbs_buf_printf(&path, "%srefs", git_repository_commondir(g->repo)) < 0 ||
            fbs_buf_puts(&rname, "refs") < 0)
            rc = fbs_error_set(FBS_ENOMEM, "out of memory");
        else
            rc = check_loose_refs(g, &listed, &path, &rname, 0);
    }
    fbs_buf_release(&path);
    fbs_buf_release(&rname);
    oidset_release(&listed);
    /* A detached HEAD need not be on any ref. */
    if (rc == 0 && git_reference_name_to_id(&oid, g->repo, "HEAD") == 0)
        rc = add_start(g, &oid, "HEAD", &g->starts);
    if (rc == 0 && git_reflog_read(&log, g->repo, "refs/stash") == 0) {
        size_t i, n = git_reflog_entrycount(log);

        for (i = 0; i < n && rc == 0; i++) {
            const git_reflog_entry *en = git_reflog_entry_byindex(log, i);
            char ref[64];

            snprintf(ref, sizeof(ref), "refs/stash@{%zu}", i);
            if (en && !oid_is_zero(git_reflog_entry_id_new(en)))
                rc = add_start(g, git_reflog_entry_id_new(en), ref, &g->starts);
        }
        git_reflog_free(log);
    }
    return rc;
}

/* Resolve a revision the user gave to a commit id; FBS_ENOTFOUND when it does not resolve. */
static int resolve_commit(struct gscan *g, const char *rev, const char *what, git_oid *out)
{
    git_object *obj = NULL, *commit = NULL;
    int rc = 0;

    if (git_revparse_single(&obj, g->repo, rev) < 0 ||
        git_object_peel(&commit, obj, GIT_OBJECT_COMMIT) < 0)
        rc = fbs_error_set(FBS_ENOTFOUND, "%s: cannot resolve '%s' in '%s': %s", what, rev,
                           g->target, git_msg());
    else
        *out = *git_object_id(commit);
    git_object_free(commit);
    git_object_free(obj);
    return rc;
}

static int resolve_starts(struct gscan *g)
{
    const struct fbs_source_opts *o = g->opts;
    git_oid oid;
    uint32_t n;
    size_t i;
    int rc = 0;

    if (o->since_commit) {
        rc = resolve_commit(g, o->since_commit, "--since-commit", &oid);
        if (rc == 0)
            rc = node_get(g, &oid, &n);
        if (rc == 0)
            rc = u32_push(&g->hides, n);
        if (rc < 0)
            return rc;
    }
    for (i = 0; i < o->nhide; i++) {
        rc = resolve_commit(g, o->hide[i], "hidden commit", &oid);
        if (rc == 0)
            rc = node_get(g, &oid, &n);
        if (rc == 0)
            rc = u32_push(&g->hides, n);
        if (rc < 0)
            return rc;
    }
    if (o->range) {
        git_revspec spec;
        git_oid from, to;

        memset(&spec, 0, sizeof(spec));
        if (git_revparse(&spec, g->repo, o->range) < 0)
            return fbs_error_set(FBS_ENOTFOUND, "--range: cannot resolve '%s' in '%s': %s",
                                 o->range, g->target, git_msg());
        if ((spec.flags & GIT_REVSPEC_SINGLE) || !spec.from || !spec.to) {
            git_object_free(spec.from);
            git_object_free(spec.to);
            return fbs_error_set(FBS_EINVAL, "--range: '%s' is not a range (expected A..B)",
                                 o->range);
        }
        {
            git_object *f = NULL, *t = NULL;

            if (git_object_peel(&f, spec.from, GIT_OBJECT_COMMIT) < 0 ||
                git_object_peel(&t, spec.to, GIT_OBJECT_COMMIT) < 0)
                rc = fbs_error_set(FBS_ENOTFOUND, "--range: '%s' does not name commits: %s",
                                   o->range, git_msg());
            if (rc == 0) {
                from = *git_object_id(f);
                to = *git_object_id(t);
            }
            git_object_free(f);
            git_object_free(t);
            git_object_free(spec.from);
            git_object_free(spec.to);
        }
        if (rc < 0)
            return rc;
        if (spec.flags & GIT_REVSPEC_MERGE_BASE) {
            /* A...B: reachable from either but not both, i.e. not from their merge bases. */
            git_oidarray bases = {NULL, 0};

            rc = add_start(g, &from, o->range, &g->starts);
            if (rc == 0)
                rc = add_start(g, &to, o->range, &g->starts);
            if (rc == 0 && git_merge_bases(&bases, g->repo, &from, &to) == 0) {
                for (i = 0; i < bases.count && rc == 0; i++) {
                    rc = node_get(g, &bases.ids[i], &n);
                    if (rc == 0)
                        rc = u32_push(&g->hides, n);
                }
                git_oidarray_dispose(&bases);
            }
        } else {
            rc = node_get(g, &from, &n);
            if (rc == 0)
                rc = u32_push(&g->hides, n);
            if (rc == 0)
                rc = add_start(g, &to, o->range, &g->starts);
        }
        return rc;
    }
    if (o->nbranches) {
        for (i = 0; i < o->nbranches && rc == 0; i++) {
            git_object *obj = NULL;

            if (git_revparse_single(&obj, g->repo, o->branches[i]) < 0)
                return fbs_error_set(FBS_ENOTFOUND, "--branch: cannot resolve '%s' in '%s': %s",
                                     o->branches[i], g->target, git_msg());
            rc = add_start(g, git_object_id(obj), o->branches[i], &g->starts);
            git_object_free(obj);
        }
        return rc;
    }
    if (o->since_commit) {
        /* `git log BASE..HEAD`: what this checkout adds, never other branches, tags or remotes. */
        if (git_reference_name_to_id(&oid, g->repo, "HEAD") < 0)
            return fbs_error_set(FBS_ENOTFOUND,
                                 "--since-commit: HEAD does not name a commit in '%s' (give "
                                 "--branch): %s",
                                 g->target, git_msg());
        return add_start(g, &oid, "HEAD", &g->starts);
    }
    return starts_from_refs(g);
}

/* Mark everything reachable from `stack` with `flag` (N_HIDDEN, or N_VISIBLE stopping at hidden
 * commits), reading commits as they are reached. The stack is consumed. */
static int mark_reachable(struct gscan *g, struct u32vec *stack, uint8_t flag)
{
    size_t i;
    int rc;

    while (stack->n) {
        uint32_t n = stack->v[--stack->n];

        if (cancelled(g))
            return 0;
        rc = node_parse(g, n, flag == N_VISIBLE); /* visible commits may introduce blobs */
        if (rc < 0)
            return rc;
        for (i = 0; i < g->nodes[n].nparents; i++) {
            uint32_t p = g->parents[g->nodes[n].parents + i];

            if (g->nodes[p].flags & (N_HIDDEN | flag))
                continue;
            g->nodes[p].flags |= flag;
            if (u32_push(stack, p) < 0)
                return FBS_ENOMEM;
        }
    }
    return 0;
}

/* Trees --------------------------------------------------------------------------------------- */

static bool mode_is_tree(uint32_t m)
{
    return (m & MODE_FMT) == MODE_TREE;
}

static bool mode_is_file(uint32_t m)
{
    return (m & MODE_FMT) == MODE_REG;
}

/* Git's tree order: names compared as bytes, a tree's name as if it ended in '/'. */
static int entry_cmp(const struct tentry *a, const struct tentry *b)
{
    uint32_t n = a->namelen < b->namelen ? a->namelen : b->namelen;
    unsigned ca, cb;
    int c;

    if (a->name[0] != b->name[0]) /* names are never empty; most differ right away */
        return (int)(unsigned char)a->name[0] - (int)(unsigned char)b->name[0];
    c = memcmp(a->name, b->name, n);
    if (c)
        return c;
    ca = n < a->namelen ? (unsigned char)a->name[n] : mode_is_tree(a->mode) ? '/' : 0;
    cb = n < b->namelen ? (unsigned char)b->name[n] : mode_is_tree(b->mode) ? '/' : 0;
    return (int)ca - (int)cb;
}

/* Read object `oid` through the tree cache; libgit2's error code. */
static int tree_fetch(struct gscan *g, struct fbs_gobj **out, const git_oid *oid)
{
    struct tcache_slot *slot;
    size_t size;
    int e;

    if (!g->tcache)
        g->tcache = fbs_calloc(TCACHE_SLOTS, sizeof(*g->tcache)); /* none: no cache */
    slot = g->tcache ? &g->tcache[oid_hash(oid) & (TCACHE_SLOTS - 1)] : NULL;
    if (slot && slot->obj && oid_eq(&slot->oid, oid)) {
        *out = fbs_gobj_dup(slot->obj);
        return 0;
    }
    e = obj_read(out, g->repo, g->odb, g->packs, oid, true);
    if (e < 0 || !slot)
        return e;
    size = (*out)->len;
    if (size > TCACHE_MAX_OBJ)
        return 0;
    if (slot->obj) {
        g->tcache_bytes -= slot->obj->len;
        fbs_gobj_drop(slot->obj);
        slot->obj = NULL;
    }
    if (g->tcache_bytes + size <= TCACHE_BUDGET) {
        slot->obj = fbs_gobj_dup(*out);
        slot->oid = *oid;
        g->tcache_bytes += size;
    }
    return 0;
}

/* Parse the raw tree entry at p (< end) into *e: where the next one starts, or NULL when it is
 * malformed. */
static const unsigned char *entry_parse(const unsigned char *p, const unsigned char *end,
                                        struct tentry *e)
{
    const unsigned char *name, *nul;
    uint32_t mode = 0;
    int digits = 0;

    /* The modes git writes, then the general case. */
    if (end - p >= 7 && !memcmp(p, "100644 ", 7)) {
        mode = 0100644u;
        p += 6;
    } else if (end - p >= 6 && !memcmp(p, "40000 ", 6)) {
        mode = MODE_TREE;
        p += 5;
    } else {
        while (p < end && *p >= '0' && *p <= '7' && digits++ < 7)
            mode = mode * 8 + (uint32_t)(*p++ - '0');
        if (p >= end || *p != ' ' || !digits)
            return NULL;
    }
    name = ++p;
    nul = memchr(p, '\0', (size_t)(end - p));
    if (!nul || nul == name || (size_t)(end - nul - 1) < GIT_OID_RAWSZ)
        return NULL;
    e->name = (const char *)name;
    e->namelen = (uint32_t)(nul - name);
    e->mode = mode;
    e->oid = (const git_oid *)(nul + 1);
    return nul + 1 + GIT_OID_RAWSZ;
}

/* Read tree `oid` into `v` without parsing it. 1 when it cannot be read (reported; `v` is
 * empty) or 0. `where` names the path for the diagnostic. */
static int tree_load(struct gscan *g, struct tview *v, const git_oid *oid, const char *where)
{
    int e;

    v->n = 0;
    v->pos = 0;
    e = tree_fetch(g, &v->obj, oid);
    if (e < 0 || v->obj->type != GIT_OBJECT_TREE) {
        fbs_gobj_drop(v->obj);
        v->obj = NULL;
        bad_object(g, oid, e < 0 ? e : 0, "tree", where);
        return 1;
    }
    return 0;
}

/* A tree that turned out malformed: reported, and empty from now on. */
static void tree_corrupt(struct gscan *g, struct tview *v, const git_oid *oid, const char *where)
{
    fbs_gobj_drop(v->obj);
    v->obj = NULL;
    v->n = 0;
    bad_object(g, oid, 0, "tree", where);
}

/* Read and parse a tree into `v`. 1 when it cannot be read (reported; `v` is empty), 0, or
 * FBS_ENOMEM. `where` names the path for the diagnostic. */
static int tree_read(struct gscan *g, struct tview *v, const git_oid *oid, const char *where)
{
    const unsigned char *p, *end;

    if (tree_load(g, v, oid, where))
        return 1;
    p = v->obj->data;
    end = p + v->obj->len;
    /* The shortest entry is 28 bytes ("40000 x", NUL, 20-byte id): room for all at once. */
    if (fbs_array_grow((void **)&v->e, &v->cap, (size_t)(end - p) / 28 + 1, sizeof(*v->e)) < 0)
        return FBS_ENOMEM;
    while (p < end) {
        if (v->n == v->cap && /* only a malformed tree has shorter entries */
            fbs_array_grow((void **)&v->e, &v->cap, v->n + 1, sizeof(*v->e)) < 0)
            return FBS_ENOMEM;
        p = entry_parse(p, end, &v->e[v->n]);
        if (!p) {
            tree_corrupt(g, v, oid, where);
            return 1;
        }
        v->n++;
    }
    return 0;
}

static void tview_drop(struct tview *v)
{
    fbs_gobj_drop(v->obj);
    v->obj = NULL;
    v->n = 0;
    v->pos = 0;
}

/* The reusable views and subtree ids of one depth, with room for `nviews`. */
static int level_get(struct gscan *g, unsigned depth, size_t nviews, struct tview **views,
                     git_oid **sub)
{
    struct level *l;

    if (depth >= g->nlevels) {
        size_t cap = g->nlevels;

        if (fbs_array_grow((void **)&g->levels, &cap, depth + 1, sizeof(*g->levels)) < 0)
            return FBS_ENOMEM;
        memset(g->levels + g->nlevels, 0, (cap - g->nlevels) * sizeof(*g->levels));
        g->nlevels = cap;
    }
    l = &g->levels[depth];
    if (nviews > l->vcap) {
        size_t cap = l->vcap;

        if (fbs_array_grow((void **)&l->v, &cap, nviews, sizeof(*l->v)) < 0)
            return FBS_ENOMEM;
        memset(l->v + l->vcap, 0, (cap - l->vcap) * sizeof(*l->v));
        l->vcap = cap;
    }
    if (fbs_array_grow((void **)&l->sub, &l->subcap, nviews, sizeof(*l->sub)) < 0)
        return FBS_ENOMEM;
    *views = l->v;
    *sub = l->sub;
    return 0;
}

static int path_push(struct gscan *g, const struct tentry *e)
{
    if ((g->path.len && fbs_buf_putc(&g->path, '/') < 0) ||
        fbs_buf_put(&g->path, e->name, e->namelen) < 0)
        return fbs_error_set(FBS_ENOMEM, "out of memory");
    return 0;
}

static bool head_has_at(const struct gscan *g, const git_oid *oid, const char *path, size_t len)
{
    git_oid key;

    path_key(&key, oid, path, len);
    return oidset_has(&g->head, &key);
}

/* A new blob id: a work item introduced by commit `c` (NONE: no commit) at g->path. A known id
 * counts one more location. */
static int add_blob(struct gscan *g, uint32_t c, const git_oid *oid)
{
    uint32_t idx = idxmap_get(&g->item_map, oid, g->items, sizeof(*g->items));
    struct item *it;
    enum fbs_skip why;

    if (idx != NONE) {
        if (g->items[idx].other < UINT32_MAX)
            g->items[idx].other++;
        return 0;
    }
    /* An excluded path does not make the blob seen: it may also live at a path that is not. */
    why = filtered(g, g->path.ptr, false);
    if (why != FBS_SKIP__COUNT) {
        skip_path(g, why, g->path.ptr, false);
        return 0;
    }
    if (g->nitems >= NONE - 1)
        return fbs_error_set(FBS_ENOMEM, "too many blobs");
    if (fbs_array_grow((void **)&g->items, &g->items_cap, g->nitems + 1, sizeof(*g->items)) < 0)
        return FBS_ENOMEM;
    if (c != NONE && node_info(g, c) < 0)
        return FBS_ENOMEM;
    it = &g->items[g->nitems];
    memset(it, 0, sizeof(*it));
    it->oid = *oid;
    it->path = arena_strndup(&g->arena, g->path.ptr, g->path.len);
    if (!it->path)
        return fbs_error_set(FBS_ENOMEM, "out of memory");
    it->commit = c;
    it->removed_in = NONE;
    it->kind = ITEM_BLOB;
    if (g->head_known) {
        it->in_head = head_has_at(g, oid, g->path.ptr, g->path.len) ? 1 : 0;
        it->in_head_anywhere = oidset_has(&g->head, oid);
    } else {
        it->in_head = -1;
    }
    if (idxmap_add(&g->item_map, (uint32_t)g->nitems, g->items, sizeof(*g->items)) < 0)
        return FBS_ENOMEM;
    g->nitems++;
    atomic_fetch_add(&g->opts->stats->files, 1);
    return 0;
}

static void submodule(struct gscan *g, uint32_t c, const struct tentry *e)
{
    char hex[GIT_OID_HEXSZ + 1], chex[GIT_OID_HEXSZ + 1] = "";
    git_oid key;
    static const git_oid zero;

    path_key(&key, &zero, g->path.ptr, g->path.len);
    key.id[0] ^= 1; /* not the key of a skipped path */
    if (oidset_add(&g->paths, &key) == 0)
        return;
    if (c != NONE)
        git_oid_tostr(chex, sizeof(chex), &g->nodes[c].oid);
    /* Always said (a notice, and counted as skipped): a submodule's files are not in the scan. */
    atomic_fetch_add(&g->opts->stats->skipped[FBS_SKIP_SUBMODULE], 1);
    fbs_diags_notice(g->opts->diags, "submodule", g->path.ptr,
                     "submodule (commit %s%s%s) not followed; scan its repository on its own",
                     git_oid_tostr(hex, sizeof(hex), e->oid), *chex ? ", added in " : "", chex);
}

static int walk_removed(struct gscan *g, uint32_t c, const git_oid *tree, unsigned depth);

/* `pe`, an entry of the first parent at g->path, is gone from commit `c` (or replaced). A blob
 * that was introduced at that path and is nowhere in HEAD was removed by `c`; a removed subtree
 * is searched for such blobs (each subtree once). */
static int note_removed(struct gscan *g, uint32_t c, const struct tentry *pe, unsigned depth)
{
    size_t base = g->path.len;
    int rc;

    if (c == NONE)
        return 0;
    if (mode_is_file(pe->mode)) {
        uint32_t idx = idxmap_get(&g->item_map, pe->oid, g->items, sizeof(*g->items));
        struct item *it;
        size_t plen;

        if (idx == NONE)
            return 0;
        it = &g->items[idx];
        if (it->removed_in != NONE || it->in_head_anywhere || it->commit == NONE)
            return 0;
        plen = strlen(it->path);
        if (plen == base + (base ? 1 : 0) + pe->namelen && !memcmp(it->path, g->path.ptr, base) &&
            (!base || it->path[base] == '/') &&
            !memcmp(it->path + plen - pe->namelen, pe->name, pe->namelen))
            it->removed_in = c;
        return 0;
    }
    if (!mode_is_tree(pe->mode))
        return 0;
    rc = oidset_add(&g->removed_trees, pe->oid);
    if (rc <= 0)
        return rc;
    rc = path_push(g, pe);
    if (rc == 0)
        rc = walk_removed(g, c, pe->oid, depth + 1);
    fbs_buf_truncate(&g->path, base);
    return rc;
}

static int walk_removed(struct gscan *g, uint32_t c, const git_oid *tree, unsigned depth)
{
    struct tview *v;
    git_oid *sub;
    size_t i;
    int rc;

    if (depth > MAX_TREE_DEPTH)
        return 0;
    rc = level_get(g, depth, 1, &v, &sub);
    if (rc < 0)
        return rc;
    rc = tree_read(g, &v[0], tree, g->path.ptr);
    if (rc != 0)
        return rc < 0 ? rc : 0;
    for (i = 0; i < v[0].n && rc == 0; i++)
        rc = note_removed(g, c, &v[0].e[i], depth);
    tview_drop(&v[0]);
    return rc;
}

/* The offset of entry `i` of a raw tree starting at `base`: where entry i - 1 ends. */
static size_t entry_off(const struct tview *v, const unsigned char *base, size_t i)
{
    return i ? (size_t)((const unsigned char *)v->e[i - 1].oid + GIT_OID_RAWSZ - base) : 0;
}

/*
 * A big directory usually changes in a few entries. Its leading entries that lie within the
 * bytes it shares with the first parent's tree are the same entries, at the same index; so are
 * its trailing entries within the shared last bytes, once their offsets line up. `t` is parsed;
 * `p`, the first parent's tree, is only loaded: it is parsed here from the end of the common
 * leading entries to where its offsets line up with a trailing entry of `t` (or to its end), into
 * p->e[lead..ptail), since nothing else of it is looked at. Sets *lead (entries 0..lead-1 of both
 * are equal) and *tail, *ptail (entries tail.. of the tree equal entries ptail.. of the
 * parent's). 0, 1 when `p` is malformed (nothing set), FBS_ENOMEM.
 */
static int common_entries(const struct tview *t, struct tview *p, size_t *lead, size_t *tail,
                          size_t *ptail)
{
    const unsigned char *a = t->obj->data, *b = p->obj->data, *q, *end;
    size_t na = t->obj->len, nb = p->obj->len;
    size_t n = na < nb ? na : nb, pre = 0, suf = 0, i, k;

    while (pre + 8 <= n) { /* a word at a time */
        uint64_t x, y;

        memcpy(&x, a + pre, 8);
        memcpy(&y, b + pre, 8);
        if (x != y)
            break;
        pre += 8;
    }
    while (pre < n && a[pre] == b[pre])
        pre++;
    while (suf + 8 <= n - pre) {
        uint64_t x, y;

        memcpy(&x, a + na - suf - 8, 8);
        memcpy(&y, b + nb - suf - 8, 8);
        if (x != y)
            break;
        suf += 8;
    }
    while (suf < n - pre && a[na - 1 - suf] == b[nb - 1 - suf])
        suf++;
    /* Entries that end within the common prefix: the same bytes parse the same in both. */
    for (i = 0; i < t->n && entry_off(t, a, i + 1) <= pre; i++)
        ;
    *lead = i;
    /* The first of t's entries that start within the common suffix. */
    for (i = t->n; i > *lead && entry_off(t, a, i - 1) >= na - suf; i--)
        ;
    q = b + entry_off(t, a, *lead);
    end = b + nb;
    k = *lead;
    if (fbs_array_grow((void **)&p->e, &p->cap, k + (size_t)(end - q) / 28 + 1, sizeof(*p->e)) < 0)
        return FBS_ENOMEM;
    for (;;) {
        size_t at = (size_t)(q - b);

        /* t's entry i would start at entry_off(t, i) - na + nb in p: skip those behind us. */
        while (i < t->n && entry_off(t, a, i) + nb < at + na)
            i++;
        if (i < t->n && entry_off(t, a, i) + nb == at + na)
            break; /* lined up: the rest of both are the same entries */
        if (q >= end)
            break;
        if (k == p->cap && fbs_array_grow((void **)&p->e, &p->cap, k + 1, sizeof(*p->e)) < 0)
            return FBS_ENOMEM;
        q = entry_parse(q, end, &p->e[k]);
        if (!q)
            return 1;
        k++;
    }
    if (q >= end && i < t->n && entry_off(t, a, i) + nb != (size_t)(q - b) + na)
        i = t->n;
    *tail = i < t->n ? i : t->n;
    *ptail = k;
    p->n = k + (t->n - *tail);
    return 0;
}

/*
 * The heart of the walk: tree `tree` of commit `c` at g->path, against the trees at the same path
 * in the commit's parents (`np` of them; fewer than the parents where a parent has no such
 * directory). Entries equal to the same entry of any parent are old; new subtrees not walked
 * before are walked; new blobs become work items. With `removals_only` (a tree walked before,
 * against the first parent's tree alone) nothing is added: only what the first parent loses is
 * noted, so that reverting to an earlier tree still records `removed_in`.
 */
static int walk_tree(struct gscan *g, uint32_t c, const git_oid *tree, const git_oid *ptrees,
                     size_t np, unsigned depth, bool removals_only)
{
    struct tview *v;
    git_oid *sub;
    size_t base = g->path.len, i, j, lead = 0, tail, ptail = 0;
    int rc;

    if (depth > MAX_TREE_DEPTH) {
        if (!removals_only)
            fbs_diags_add(g->opts->diags, true, "too_deep", g->path.ptr,
                          "trees nested deeper than %d levels; not descended", MAX_TREE_DEPTH);
        return 0;
    }
    rc = level_get(g, depth, np + 1, &v, &sub);
    if (rc < 0)
        return rc;
    rc = tree_read(g, &v[0], tree, g->path.ptr);
    if (rc != 0)
        return rc < 0 ? rc : 0;
    tail = v[0].n;
    for (j = 0; j < np && rc >= 0; j++) /* the first parent's is parsed by common_entries() */
        rc = j ? tree_read(g, &v[1 + j], &ptrees[j], g->path.ptr)
               : tree_load(g, &v[1], &ptrees[0], g->path.ptr);
    if (rc < 0)
        goto done;
    rc = 0;
    if (np && v[1].obj) { /* skip what did not change without comparing entry by entry */
        rc = common_entries(&v[0], &v[1], &lead, &tail, &ptail);
        if (rc < 0)
            goto done;
        if (rc > 0) {
            tree_corrupt(g, &v[1], &ptrees[0], g->path.ptr);
            lead = 0;
            tail = v[0].n;
            ptail = 0;
            rc = 0;
        }
        v[1].pos = lead;
    }
    for (i = lead; i < tail && rc == 0; i++) {
        const struct tentry *e = &v[0].e[i];
        const git_oid *first_sub = NULL; /* the first parent's different subtree here */
        bool unchanged = false;
        size_t nsub = 0;
        enum fbs_skip why;

        for (j = 0; j < np && rc == 0; j++) {
            struct tview *pv = &v[1 + j];
            const struct tentry *m;
            int cmp = 1;

            /* Parent entries before e are gone from this commit (for the first parent). */
            while (pv->pos < (j ? pv->n : ptail) && rc == 0 &&
                   (cmp = entry_cmp(&pv->e[pv->pos], e)) < 0) {
                if (j == 0)
                    rc = note_removed(g, c, &pv->e[pv->pos], depth);
                pv->pos++;
            }
            if (pv->pos >= (j ? pv->n : ptail) || cmp != 0)
                continue;
            m = &pv->e[pv->pos++];
            if (oid_eq(m->oid, e->oid)) {
                unchanged = true;
            } else if (mode_is_tree(m->mode) && mode_is_tree(e->mode)) {
                sub[nsub++] = *m->oid;
                if (j == 0)
                    first_sub = m->oid;
            } else if (j == 0 && rc == 0) {
                rc = note_removed(g, c, m, depth); /* replaced at this path */
            }
        }
        if (unchanged || rc < 0)
            continue;
        if (removals_only && !first_sub)
            continue;
        rc = path_push(g, e);
        if (rc < 0)
            break;
        if (mode_is_tree(e->mode)) {
            why = removals_only ? FBS_SKIP__COUNT : filtered(g, g->path.ptr, true);
            if (why != FBS_SKIP__COUNT) {
                skip_path(g, why, g->path.ptr, true); /* not marked seen: it may recur elsewhere */
            } else if (removals_only || (rc = oidset_add(&g->seen_trees, e->oid)) == 0) {
                if (first_sub) /* seen before; only look for what the first parent loses */
                    rc = walk_tree(g, c, e->oid, first_sub, 1, depth + 1, true);
            } else if (rc == 1) {
                rc = walk_tree(g, c, e->oid, sub, nsub, depth + 1, false);
            }
        } else if ((e->mode & MODE_FMT) == MODE_GITLINK) {
            submodule(g, c, e);
        } else if (mode_is_file(e->mode)) {
            rc = add_blob(g, c, e->oid);
        } /* a symbolic link's blob is the link's target, not content */
        fbs_buf_truncate(&g->path, base);
    }
    /* Whatever the first parent has after our last entry (before the common tail) is gone. */
    for (; np && rc == 0 && v[1].pos < ptail; v[1].pos++)
        rc = note_removed(g, c, &v[1].e[v[1].pos], depth);
done:
    for (j = 0; j <= np; j++)
        tview_drop(&v[j]);
    fbs_buf_truncate(&g->path, base);
    return rc < 0 ? rc : 0;
}

/* HEAD's blobs, by id and by (id, path), for in_head. */
static int head_walk(struct gscan *g, const git_oid *tree, unsigned depth)
{
    struct tview *v;
    git_oid *sub;
    size_t base = g->path.len, i;
    int rc;

    if (depth > MAX_TREE_DEPTH)
        return 0;
    rc = level_get(g, depth, 1, &v, &sub);
    if (rc < 0)
        return rc;
    rc = tree_read(g, &v[0], tree, g->path.ptr);
    if (rc > 0)
        g->head_corrupt = true;
    if (rc != 0)
        return rc < 0 ? rc : 0;
    for (i = 0; i < v[0].n && rc >= 0; i++) {
        const struct tentry *e = &v[0].e[i];
        git_oid key;

        if (!mode_is_tree(e->mode) && !mode_is_file(e->mode))
            continue;
        rc = path_push(g, e);
        if (rc < 0)
            break;
        if (mode_is_tree(e->mode)) {
            rc = head_walk(g, e->oid, depth + 1);
        } else {
            path_key(&key, e->oid, g->path.ptr, g->path.len);
            rc = oidset_add(&g->head, &key);
            if (rc >= 0)
                rc = oidset_add(&g->head, e->oid);
        }
        fbs_buf_truncate(&g->path, base);
    }
    tview_drop(&v[0]);
    return rc < 0 ? rc : 0;
}

static int head_load(struct gscan *g)
{
    git_commit *commit = NULL;
    git_oid oid, tree;
    int rc, e;

    if (g->opts->nbranches == 1 && !g->opts->staged) {
        /* One --branch: its tip is what "still there" means, whatever is checked out. */
        git_object *obj = NULL, *peeled = NULL;

        e = git_revparse_single(&obj, g->repo, g->opts->branches[0]);
        if (e == 0)
            e = git_object_peel(&peeled, obj, GIT_OBJECT_COMMIT);
        git_object_free(obj);
        if (e < 0)
            return 0; /* not a commit: in_head stays unknown; resolve_starts() reports it */
        commit = (git_commit *)peeled;
    } else {
        if (git_reference_name_to_id(&oid, g->repo, "HEAD") < 0)
            return 0; /* unborn: in_head stays unknown */
        if (fbs_git_loose_check(git_repository_commondir(g->repo), oid.id, false) < 0 ||
            git_commit_lookup(&commit, g->repo, &oid) < 0) {
            g->head_corrupt = true; /* reported when the refs are resolved */
            return 0;
        }
    }
    tree = *git_commit_tree_id(commit);
    git_commit_free(commit);
    fbs_buf_truncate(&g->path, 0);
    rc = head_walk(g, &tree, 0);
    g->head_known = rc == 0;
    return rc;
}

/* The walk over the history ------------------------------------------------------------------ */

struct heap {
    uint32_t *v;
    size_t n;
    const struct node *nodes;
};

static bool heap_less(const struct heap *h, uint32_t a, uint32_t b)
{
    if (h->nodes[a].time != h->nodes[b].time)
        return h->nodes[a].time < h->nodes[b].time;
    return a < b;
}

static void heap_push(struct heap *h, uint32_t x)
{
    size_t i = h->n++;

    while (i > 0) {
        size_t up = (i - 1) / 2;

        if (!heap_less(h, x, h->v[up]))
            break;
        h->v[i] = h->v[up];
        i = up;
    }
    h->v[i] = x;
}

static uint32_t heap_pop(struct heap *h)
{
    uint32_t top = h->v[0], last = h->v[--h->n];
    size_t i = 0;

    for (;;) {
        size_t l = 2 * i + 1, m;

        if (l >= h->n)
            break;
        m = l + 1 < h->n && heap_less(h, h->v[l + 1], h->v[l]) ? l + 1 : l;
        if (!heap_less(h, h->v[m], last))
            break;
        h->v[i] = h->v[m];
        i = m;
    }
    if (h->n)
        h->v[i] = last;
    return top;
}

static int walk_commit(struct gscan *g, uint32_t n)
{
    const struct node *c = &g->nodes[n];
    size_t i, np = 0;
    int rc;

    atomic_fetch_add(&g->opts->stats->commits, 1);
    if (c->flags & N_BAD)
        return 0;
    if (fbs_array_grow((void **)&g->ptrees, &g->ptrees_cap, c->nparents + 1, sizeof(*g->ptrees)) <
        0)
        return FBS_ENOMEM;
    for (i = 0; i < c->nparents; i++) {
        const struct node *p = &g->nodes[g->parents[c->parents + i]];

        if ((p->flags & N_PARSED) && !(p->flags & N_BAD))
            g->ptrees[np++] = p->tree;
    }
    fbs_buf_truncate(&g->path, 0);
    rc = oidset_add(&g->seen_trees, &c->tree);
    if (rc < 0)
        return rc;
    if (rc == 0) { /* a tree walked before (a revert, say): nothing new, maybe removals */
        if (!np || oid_eq(&g->ptrees[0], &c->tree))
            return 0;
        return walk_tree(g, n, &c->tree, g->ptrees, 1, 0, true);
    }
    return walk_tree(g, n, &c->tree, g->ptrees, np, 0, false);
}

static int feed_publish(struct gscan *g);

/* Items published to the readers at a time: one lock and wake-up for this many blobs. */
#define FEED_BATCH 64
/* Jobs a reader takes at a time, at most. */
#define READ_BATCH 8
/*
 * The queue's bounds: jobs published and not taken yet, and the bytes of message text they
 * copy. The walk publishes no further while the readers have QUEUE_JOBS to go (the rest waits
 * in g->items), and the message feed waits, or reads some itself, until the readers are half
 * way down: a history of millions of blobs and commits is never queued whole.
 */
#define QUEUE_JOBS       8192
#define QUEUE_TEXT_BYTES ((size_t)16 << 20)

/* Walk the visible commits parents first, the oldest ready commit first; the readers get each
 * commit's new blobs as soon as it has been walked. */
static int walk_commits(struct gscan *g)
{
    uint32_t *pending = NULL, *off = NULL, *children = NULL;
    struct heap h = {NULL, 0, g->nodes};
    size_t nn = g->nnodes, i, k, nedges = 0;
    int rc = 0;

    pending = fbs_calloc(nn + 1, sizeof(*pending));
    off = fbs_calloc(nn + 2, sizeof(*off));
    h.v = fbs_malloc((nn + 1) * sizeof(*h.v));
    if (!pending || !off || !h.v) {
        rc = fbs_error_set(FBS_ENOMEM, "out of memory");
        goto done;
    }
    /* Children lists (CSR) over visible edges; pending = visible parents not yet walked. */
    for (i = 0; i < nn; i++) {
        const struct node *x = &g->nodes[i];

        if (!(x->flags & N_VISIBLE))
            continue;
        for (k = 0; k < x->nparents; k++) {
            uint32_t p = g->parents[x->parents + k];

            if (g->nodes[p].flags & N_VISIBLE) {
                off[p + 2]++;
                pending[i]++;
                nedges++;
            }
        }
    }
    for (i = 2; i < nn + 2; i++)
        off[i] += off[i - 1];
    children = fbs_malloc((nedges + 1) * sizeof(*children));
    if (!children) {
        rc = fbs_error_set(FBS_ENOMEM, "out of memory");
        goto done;
    }
    for (i = 0; i < nn; i++) {
        const struct node *x = &g->nodes[i];

        if (!(x->flags & N_VISIBLE))
            continue;
        for (k = 0; k < x->nparents; k++) {
            uint32_t p = g->parents[x->parents + k];

            if (g->nodes[p].flags & N_VISIBLE)
                children[off[p + 1]++] = (uint32_t)i;
        }
    }
    /* off[p] .. off[p + 1] are now p's children. */
    for (i = 0; i < nn; i++)
        if ((g->nodes[i].flags & N_VISIBLE) && !pending[i])
            heap_push(&h, (uint32_t)i);
    while (h.n && rc == 0) {
        uint32_t n = heap_pop(&h);

        if (cancelled(g))
            break;
        rc = walk_commit(g, n);
        if (rc == 0 && g->nitems - g->published >= FEED_BATCH)
            rc = feed_publish(g);
        for (k = off[n]; k < off[n + 1]; k++)
            if (--pending[children[k]] == 0)
                heap_push(&h, children[k]);
    }
done:
    fbs_free(pending);
    fbs_free(off);
    fbs_free(children);
    fbs_free(h.v);
    return rc;
}

static int collect_history(struct gscan *g)
{
    size_t i;
    int rc;

    rc = load_shallow(g);
    if (rc == 0)
        rc = head_load(g);
    if (rc == 0)
        rc = resolve_starts(g);
    if (rc < 0)
        return rc;
    if (!g->starts.n && !g->nextras) {
        if (!g->nrefs && git_repository_head_unborn(g->repo) == 1)
            fbs_diags_add(g->opts->diags, false, "empty_repository", g->target,
                          "the repository has no commits; nothing to scan");
        return 0;
    }
    for (i = 0; i < g->hides.n; i++)
        g->nodes[g->hides.v[i]].flags |= N_HIDDEN;
    rc = mark_reachable(g, &g->hides, N_HIDDEN);
    if (rc < 0)
        return rc;
    {
        size_t kept = 0; /* start points that are hidden too are not walked */

        for (i = 0; i < g->starts.n; i++) {
            struct node *x = &g->nodes[g->starts.v[i]];

            if (!(x->flags & N_HIDDEN)) {
                x->flags |= N_VISIBLE;
                g->starts.v[kept++] = g->starts.v[i];
            }
        }
        g->starts.n = kept;
    }
    rc = mark_reachable(g, &g->starts, N_VISIBLE);
    if (rc < 0)
        return rc;
    for (i = 0; i < g->nnodes; i++)
        if ((g->nodes[i].flags & (N_VISIBLE | N_SHALLOW)) == (N_VISIBLE | N_SHALLOW))
            g->nshallow++;
    if (g->nshallow)
        fbs_diags_add(g->opts->diags, false, "shallow", g->target,
                      "shallow clone: history stops at %zu boundary commit(s); older commits are "
                      "not in the repository and were not scanned",
                      g->nshallow);
    rc = walk_commits(g);
    /* Refs to trees and blobs (after the commits, so that a commit's provenance wins). */
    for (i = 0; i < g->nextras && rc == 0; i++) {
        const struct extra *x = &g->extras[i];

        fbs_buf_truncate(&g->path, 0);
        if (x->type == GIT_OBJECT_BLOB) {
            rc = fbs_buf_puts(&g->path, x->name);
            if (rc == 0)
                rc = add_blob(g, NONE, &x->oid);
        } else if ((rc = oidset_add(&g->seen_trees, &x->oid)) == 1) {
            rc = walk_tree(g, NONE, &x->oid, NULL, 0, 0, false);
        }
    }
    fbs_buf_truncate(&g->path, 0);
    return rc < 0 ? rc : 0;
}

/* --staged: the index's entries that are not in HEAD at the same path. */
static int collect_staged(struct gscan *g)
{
    git_index *index = NULL;
    size_t i, n;
    int rc;

    if (git_repository_index(&index, g->repo) < 0) {
        fbs_diags_add(g->opts->diags, true, "unreadable_index", g->target, "%s", git_msg());
        return 0;
    }
    rc = head_load(g);
    n = git_index_entrycount(index);
    for (i = 0; i < n && rc == 0; i++) {
        const git_index_entry *e = git_index_get_byindex(index, i);
        size_t len;

        if (!e || GIT_INDEX_ENTRY_STAGE(e) != 0 || !mode_is_file(e->mode))
            continue;
        len = strlen(e->path);
        if (g->head_known && head_has_at(g, &e->id, e->path, len))
            continue;
        fbs_buf_truncate(&g->path, 0);
        rc = fbs_buf_put(&g->path, e->path, len);
        if (rc == 0)
            rc = add_blob(g, NONE, &e->id);
    }
    for (i = 0; i < g->nitems; i++) /* staged, by definition not (yet) in HEAD there */
        g->items[i].in_head = 0;
    fbs_buf_truncate(&g->path, 0);
    git_index_free(index);
    return rc;
}

/* 'scan' on a work tree: untracked (not ignored) files and files that differ from HEAD. */
static int collect_worktree(struct gscan *g)
{
    git_status_options so;
    git_status_list *list = NULL;
    size_t i, n;
    int rc = 0;
    const unsigned wanted = GIT_STATUS_WT_NEW | GIT_STATUS_WT_MODIFIED | GIT_STATUS_WT_TYPECHANGE |
                            GIT_STATUS_WT_RENAMED | GIT_STATUS_INDEX_NEW |
                            GIT_STATUS_INDEX_MODIFIED | GIT_STATUS_INDEX_RENAMED |
                            GIT_STATUS_INDEX_TYPECHANGE;

    if (git_status_options_init(&so, GIT_STATUS_OPTIONS_VERSION) < 0)
        return fbs_error_set(FBS_EINTERNAL, "libgit2: %s", git_msg());
    if (g->head_corrupt) {
        /* libgit2 would read the same objects and may hang on them (fbs_git_loose_check). */
        fbs_diags_add(g->opts->diags, true, "unreadable_worktree", g->target,
                      "cannot list the work tree's changes: HEAD's commit or one of its trees "
                      "cannot be read");
        return 0;
    }
    so.show = GIT_STATUS_SHOW_INDEX_AND_WORKDIR;
    so.flags = GIT_STATUS_OPT_INCLUDE_UNTRACKED | GIT_STATUS_OPT_RECURSE_UNTRACKED_DIRS |
               GIT_STATUS_OPT_EXCLUDE_SUBMODULES;
    if (git_status_list_new(&list, g->repo, &so) < 0) {
        fbs_diags_add(g->opts->diags, true, "unreadable_worktree", g->target,
                      "cannot list the work tree's changes: %s", git_msg());
        return 0;
    }
    n = git_status_list_entrycount(list);
    for (i = 0; i < n && rc == 0; i++) {
        const git_status_entry *s = git_status_byindex(list, i);
        const git_diff_delta *d;
        struct item *it;
        enum fbs_skip why;

        if (!s || !(s->status & wanted) || (s->status & GIT_STATUS_WT_DELETED))
            continue;
        d = s->index_to_workdir ? s->index_to_workdir : s->head_to_index;
        if (!d || !d->new_file.path)
            continue;
        if (fbs_array_grow((void **)&g->items, &g->items_cap, g->nitems + 1, sizeof(*g->items)) < 0)
            return FBS_ENOMEM;
        it = &g->items[g->nitems];
        memset(it, 0, sizeof(*it));
        it->path = arena_strndup(&g->arena, d->new_file.path, strlen(d->new_file.path));
        if (!it->path) {
            rc = fbs_error_set(FBS_ENOMEM, "out of memory");
            break;
        }
        it->commit = NONE;
        it->removed_in = NONE;
        it->in_head = -1;
        it->kind = ITEM_FILE;
        why = filtered_path(g, (char *)it->path);
        if (why != FBS_SKIP__COUNT) {
            skip_path(g, why, it->path, false);
            continue;
        }
        g->nitems++;
        atomic_fetch_add(&g->opts->stats->files, 1);
    }
    git_status_list_free(list);
    return rc;
}

/* Reading ------------------------------------------------------------------------------------- */

/*
 * A history scan reads blobs while the walk is still going: the walk publishes each commit's new
 * items as jobs, copies of what reading them needs (the walk's arrays move as they grow), and
 * the readers take them in that order. What the rest of the walk may still change about an item,
 * the commit that removed it and how many other places carry it, is settled after the walk
 * (fbs_source_opts.settle) for the blobs read before it ended.
 */
struct job {
    git_oid oid;
    git_oid commit; /* has_commit */
    const char *path;
    struct commit_info ci; /* zero when the commit says nothing */
    struct fbs_gobj *text; /* ITEM_MESSAGE: the message, its own copy */
    uint32_t item;
    int8_t in_head;
    uint8_t kind;
    bool has_commit;
};

struct readers {
    struct gscan *g;
    fbs_blob_cb cb;
    void *payload;
    uint64_t max_blob, max_file;
    struct fbs_source_fail fail;
    struct reader *workers;
    unsigned nthreads;
    struct fbs_source_crew crew;

    pthread_mutex_t lock; /* the queue below */
    pthread_cond_t more;  /* readers wait for jobs */
    pthread_cond_t room;  /* the message feed waits for the readers (queue_full) */
    struct job *jobs;
    size_t njobs, jobs_cap, next;
    size_t text_bytes; /* message text in the jobs not taken yet */
    unsigned waiting;
    unsigned exited;     /* crew readers that have returned */
    bool feeder_waiting; /* the message feed waits on `room` */
    bool walked; /* the walk is over: each item's history is final; the readers publish the rest */
    bool closed; /* nothing more will be published (messages come after the walk) */
    bool stop;   /* the walk failed: take nothing more */
};

struct reader {
    struct readers *shared;
    unsigned worker;
    git_repository *repo; /* this worker's own handle */
    git_odb *odb;
    struct fbs_buf buf;  /* work tree files */
    struct fbs_buf path; /* work tree paths */
};

/*
 * Room for `n` more jobs, under the lock. The jobs taken are dropped first once they are half
 * the queue, so that it holds about what the readers have not taken yet, not the whole
 * history's (readers copy what they take).
 */
static int jobs_room(struct readers *r, size_t n)
{
    if (r->next && r->next >= r->njobs / 2) {
        memmove(r->jobs, r->jobs + r->next, (r->njobs - r->next) * sizeof(*r->jobs));
        r->njobs -= r->next;
        r->next = 0;
    }
    return fbs_array_grow((void **)&r->jobs, &r->jobs_cap, r->njobs + n, sizeof(*r->jobs));
}

/* What commit node `n` says for provenance (node_info() done); all zero when nothing. */
static void commit_info_of(const struct gscan *g, uint32_t n, struct commit_info *ci)
{
    const struct node *c = &g->nodes[n];

    memset(ci, 0, sizeof(*ci));
    if (c->info != NONE)
        *ci = g->infos[c->info];
}

/* Publish up to `max` of g->items[published, nitems) to the readers, under the lock. */
static int publish_locked(struct gscan *g, struct readers *r, size_t max)
{
    size_t i, n = g->nitems - g->published;

    if (n > max)
        n = max;
    if (!n)
        return 0;
    if (jobs_room(r, n) < 0)
        return FBS_ENOMEM;
    for (i = g->published; i < g->published + n; i++) {
        const struct item *it = &g->items[i];
        struct job *j = &r->jobs[r->njobs++];

        memset(j, 0, sizeof(*j));
        j->oid = it->oid;
        j->path = it->path;
        j->item = (uint32_t)i;
        j->in_head = it->in_head;
        j->kind = it->kind;
        if (it->commit != NONE) {
            j->commit = g->nodes[it->commit].oid;
            j->has_commit = true;
            commit_info_of(g, it->commit, &j->ci);
        }
    }
    g->published += n;
    if (r->waiting)
        pthread_cond_broadcast(&r->more);
    return 0;
}

/* During the walk, with readers running: publish its new items, up to QUEUE_JOBS not taken. */
static int feed_publish(struct gscan *g)
{
    struct readers *r = g->feed;
    size_t left;
    int rc = 0;

    if (!r || !r->crew.started)
        return 0;
    pthread_mutex_lock(&r->lock);
    left = r->njobs - r->next;
    if (left < QUEUE_JOBS)
        rc = publish_locked(g, r, QUEUE_JOBS - left);
    pthread_mutex_unlock(&r->lock);
    return rc;
}

/*
 * The walk is over: what readers take from now on has its history final. The items not
 * published yet are published by the readers as they need them (g->items no longer moves), so
 * that the queue never holds a whole history's copies.
 */
static void feed_walked(struct gscan *g)
{
    struct readers *r = g->feed;

    if (!r || r->walked)
        return;
    pthread_mutex_lock(&r->lock);
    r->walked = true;
    if (r->waiting)
        pthread_cond_broadcast(&r->more);
    pthread_mutex_unlock(&r->lock);
}

/* Whether the queue is over its bounds (`low`: over half of them), under the lock. */
static bool queue_full(const struct readers *r, bool low)
{
    size_t jobs = r->njobs - r->next, text = r->text_bytes;

    if (low)
        return jobs > QUEUE_JOBS / 2 || text > QUEUE_TEXT_BYTES / 2;
    return jobs > QUEUE_JOBS || text > QUEUE_TEXT_BYTES;
}

static size_t take_jobs(struct readers *r, const struct reader *w, struct job *jobs, bool *settled);
static void run_jobs(struct readers *r, struct reader *w, struct job *jobs, size_t n, bool settled);

/* No reader runs yet (one thread, or none beside the walk): the message feed reads the queue
 * itself, as reader 0, until it is half way down. */
static void drain_here(struct readers *r)
{
    struct job jobs[READ_BATCH];
    bool settled = false, full;
    size_t n;

    for (;;) {
        pthread_mutex_lock(&r->lock);
        full = queue_full(r, true);
        pthread_mutex_unlock(&r->lock);
        if (!full || !(n = take_jobs(r, &r->workers[0], jobs, &settled)))
            break;
        run_jobs(r, &r->workers[0], jobs, n, settled);
    }
}

/* Drop the message jobs not published (nobody will read them): their copies are wiped. */
static void pending_drop(struct gscan *g)
{
    size_t i;

    for (i = 0; i < g->npending; i++)
        fbs_gobj_drop(g->pending[i].text);
    g->npending = 0;
    g->pending_text = 0;
}

/* Publish the pending message jobs; over the queue's bounds, wait for the readers (or, none
 * running, read some here) until it is half way down. */
static int feed_flush(struct gscan *g)
{
    struct readers *r = g->feed;
    bool full;

    if (!r || !g->npending)
        return 0;
    pthread_mutex_lock(&r->lock);
    if (r->stop || fbs_source_failed(&r->fail)) {
        pthread_mutex_unlock(&r->lock);
        pending_drop(g);
        return 0;
    }
    if (jobs_room(r, g->npending) < 0) {
        pthread_mutex_unlock(&r->lock);
        return FBS_ENOMEM;
    }
    memcpy(r->jobs + r->njobs, g->pending, g->npending * sizeof(*g->pending));
    r->text_bytes += g->pending_text; /* pending holds messages only */
    r->njobs += g->npending;
    g->npending = 0;
    g->pending_text = 0;
    if (r->waiting)
        pthread_cond_broadcast(&r->more);
    full = queue_full(r, false);
    if (full && r->crew.started) {
        r->feeder_waiting = true;
        while (queue_full(r, true) && !r->stop && !fbs_source_failed(&r->fail) && !cancelled(g) &&
               r->exited < r->crew.started)
            pthread_cond_wait(&r->room, &r->lock);
        r->feeder_waiting = false;
        full = false;
    }
    pthread_mutex_unlock(&r->lock);
    if (full)
        drain_here(r);
    return 0;
}

/* A message job (its text copied), after the walk; published FEED_BATCH at a time, or sooner
 * when the texts are long. */
static int feed_message(struct gscan *g, const char *msg, size_t len, const char *path,
                        const git_oid *commit, const struct commit_info *ci)
{
    struct job *j;
    struct fbs_gobj *text;

    if (fbs_array_grow((void **)&g->pending, &g->pending_cap, g->npending + 1,
                       sizeof(*g->pending)) < 0 ||
        !(text = fbs_gobj_new(GIT_OBJECT_BLOB, msg, len)))
        return fbs_error_set(FBS_ENOMEM, "out of memory");
    j = &g->pending[g->npending++];
    memset(j, 0, sizeof(*j));
    j->kind = ITEM_MESSAGE;
    j->path = path;
    j->commit = *commit;
    j->has_commit = true;
    j->ci = *ci;
    j->text = text;
    g->pending_text += len;
    return g->npending >= FEED_BATCH || g->pending_text >= QUEUE_TEXT_BYTES / 4 ? feed_flush(g) : 0;
}

/* The history facts of item `it` that the walk settles: who removed it, where else it is. */
static void item_history(const struct gscan *g, const struct item *it, struct fbs_provenance *prov,
                         char *rhex)
{
    prov->other_locations = it->other;
    prov->removed_in = NULL;
    if (it->commit != NONE && it->removed_in != NONE && it->in_head != 1)
        prov->removed_in = git_oid_tostr(rhex, GIT_OID_HEXSZ + 1, &g->nodes[it->removed_in].oid);
}

/* A job's provenance from its commit (the history facts aside); `chex` holds the commit id. */
static void job_prov(const struct job *j, struct fbs_provenance *prov, char *chex)
{
    memset(prov, 0, sizeof(*prov));
    prov->in_head = j->in_head;
    if (!j->has_commit)
        return;
    prov->commit = git_oid_tostr(chex, GIT_OID_HEXSZ + 1, &j->commit);
    prov->author = j->ci.author;
    prov->authored = j->ci.authored;
    prov->committed = j->ci.committed;
    prov->message = j->ci.message;
}

/* fbs_source_opts.settle's `final`: a key is an item's index plus one. */
static void settle_final(void *ctx, uint32_t key, struct fbs_provenance *prov)
{
    struct gscan *g = ctx;

    item_history(g, &g->items[key - 1], prov, g->settle_hex);
}

static void deliver(struct readers *r, struct reader *w, struct fbs_blob *blob)
{
    const struct fbs_source_opts *o = r->g->opts;

    blob->binary = fbs_is_binary(blob->data, blob->len);
    if (blob->binary && !o->scan_binary) {
        atomic_fetch_add(&o->stats->skipped[FBS_SKIP_BINARY], 1);
        fbs_diags_add(o->diags, false, "binary", blob->path, "binary file skipped");
        return;
    }
    atomic_fetch_add(&o->stats->blobs, 1);
    atomic_fetch_add(&o->stats->bytes, blob->len);
    fbs_source_fail_record(&r->fail, r->cb(blob, w->worker, r->payload));
}

/* Read and deliver a blob; `settled`: the walk is over, the item's history is final. */
static void read_blob(struct readers *r, struct reader *w, const struct job *it, bool settled)
{
    const struct gscan *g = r->g;
    const struct fbs_source_opts *o = g->opts;
    char hex[GIT_OID_HEXSZ + 1], chex[GIT_OID_HEXSZ + 1], rhex[GIT_OID_HEXSZ + 1];
    struct fbs_provenance prov;
    struct fbs_blob blob;
    struct fbs_buf loose = FBS_BUF_INIT;
    struct fbs_git_loose info;
    struct fbs_gobj *obj = NULL;
    git_object_t type = GIT_OBJECT_INVALID;
    size_t len = 0;
    bool have_loose = false;
    int e, ptype;

    git_oid_tostr(hex, sizeof(hex), &it->oid);
    if (fbs_pack_header(g->packs, it->oid.id, &ptype, &len) == 1) {
        type = (git_object_t)ptype;
        e = 0;
    } else {
        /* A loose blob is inflated once, by the guard (source_loose.c), not again by libgit2. */
        e = fbs_git_loose_read(git_repository_commondir(w->repo), it->oid.id, r->max_blob, &loose,
                               &info);
        if (e < 0) {
            git_error_set_str(GIT_ERROR_ODB, fbs_error_message());
            e = GIT_ERROR;
        } else if (e > 0) {
            e = 0;
            type = info.type == FBS_GIT_LOOSE_BLOB ? GIT_OBJECT_BLOB : GIT_OBJECT_COMMIT;
            len = info.size > SIZE_MAX ? SIZE_MAX : (size_t)info.size;
            have_loose = type == GIT_OBJECT_BLOB && len && len <= r->max_blob;
        } else {
            e = odb_header_checked(&len, &type, w->repo, w->odb, &it->oid);
        }
    }
    if (e == 0 && type != GIT_OBJECT_BLOB)
        e = GIT_EINVALID;
    if (e == 0 && len && len <= r->max_blob && !have_loose)
        e = obj_read(&obj, w->repo, w->odb, g->packs, &it->oid, PACK_KEEP_BLOBS);
    if (e < 0) {
        atomic_fetch_add(&o->stats->skipped[FBS_SKIP_UNREADABLE], 1);
        fbs_diags_add(o->diags, true, e == GIT_ENOTFOUND ? "missing_object" : "corrupt_object", hex,
                      "blob at '%s' cannot be read: %s", it->path,
                      e == GIT_EINVALID ? "not a blob" : git_msg());
        return;
    }
    if (!len) {
        atomic_fetch_add(&o->stats->skipped[FBS_SKIP_EMPTY], 1);
        return;
    }
    if (len > r->max_blob) {
        atomic_fetch_add(&o->stats->skipped[FBS_SKIP_TOO_LARGE], 1);
        fbs_diags_add(o->diags, false, "too_large", it->path,
                      "blob %s: %zu bytes, over the %llu-byte limit (--max-blob-size)", hex, len,
                      (unsigned long long)r->max_blob);
        return;
    }
    job_prov(it, &prov, chex);
    prov.staged = o->staged;
    if (settled)
        item_history(g, &g->items[it->item], &prov, rhex);
    else
        prov.settle_key = it->item + 1;
    memset(&blob, 0, sizeof(blob));
    blob.data = obj ? obj->data : (const unsigned char *)loose.ptr;
    blob.len = obj ? obj->len : loose.len;
    blob.path = it->path;
    blob.rel_path = it->path;
    blob.target = g->target;
    blob.source = FBS_SOURCE_GIT;
    blob.mtime = 0;
    blob.prov = &prov;
    deliver(r, w, &blob);
    /* The bytes may hold secrets: a packed blob's are wiped when its last reference goes (here,
     * or when the pack cache lets it go), a loose one's here. */
    fbs_gobj_drop(obj);
    fbs_buf_release_wipe(&loose);
}

static void read_file(struct readers *r, struct reader *w, const struct job *it)
{
    const struct fbs_source_opts *o = r->g->opts;
    struct fbs_source_opts fo = *o;
    struct fbs_blob blob;
    fbs_time_t mtime = 0;

    fbs_buf_truncate(&w->path, 0);
    if (fbs_buf_printf(&w->path, "%s%s", r->g->workdir, it->path) < 0) {
        atomic_fetch_add(&o->stats->skipped[FBS_SKIP_UNREADABLE], 1);
        fbs_diags_add(o->diags, true, "unreadable", it->path, "out of memory");
        return;
    }
    fo.follow_symlinks = false; /* a work tree's links are git's: their targets are not ours */
    if (!fbs_source_read_file(&fo, w->path.ptr, it->path, r->max_file, &w->buf, &mtime))
        return;
    memset(&blob, 0, sizeof(blob));
    blob.data = (const unsigned char *)w->buf.ptr;
    blob.len = w->buf.len;
    blob.path = it->path;
    blob.rel_path = it->path;
    blob.target = r->g->target;
    blob.source = FBS_SOURCE_FILE;
    blob.mtime = mtime;
    blob.prov = NULL;
    deliver(r, w, &blob);
}

static void read_message(struct readers *r, struct reader *w, struct job *it)
{
    const struct fbs_source_opts *o = r->g->opts;
    char hex[GIT_OID_HEXSZ + 1];
    struct fbs_provenance prov;
    struct fbs_blob blob;

    job_prov(it, &prov, hex); /* in_head 0: a message is in no tree, history only */
    memset(&blob, 0, sizeof(blob));
    blob.data = it->text->data;
    blob.len = it->text->len;
    blob.path = it->path;
    blob.rel_path = it->path;
    blob.target = r->g->target;
    blob.source = FBS_SOURCE_GIT;
    blob.binary = fbs_is_binary(blob.data, blob.len);
    blob.prov = &prov;
    atomic_fetch_add(&o->stats->blobs, 1);
    atomic_fetch_add(&o->stats->bytes, blob.len);
    fbs_source_fail_record(&r->fail, r->cb(&blob, w->worker, r->payload));
    fbs_gobj_drop(it->text); /* a message may hold secrets: wiped */
}

/*
 * Take the next jobs (at most READ_BATCH) into `jobs`, waiting for them; `settled`: the walk is
 * over. 0 when the reader is done: nothing more will come, the scan failed or was cancelled.
 */
static size_t take_jobs(struct readers *r, const struct reader *w, struct job *jobs, bool *settled)
{
    size_t n = 0, i;

    pthread_mutex_lock(&r->lock);
    while (!r->stop && !fbs_source_failed(&r->fail) && !cancelled(r->g)) {
        /* While the walk runs it has a core of its own: the last reader waits for its end. */
        if (r->next < r->njobs && (r->walked || r->nthreads == 1 || w->worker + 1 < r->nthreads)) {
            /* A few at a time, fewer near the end of what is published so that each reader
             * has some while the walk goes on. */
            n = (r->njobs - r->next) / (2 * r->nthreads) + 1;
            if (n > READ_BATCH)
                n = READ_BATCH;
            memcpy(jobs, r->jobs + r->next, n * sizeof(*jobs));
            r->next += n;
            *settled = r->walked;
            for (i = 0; i < n; i++)
                if (jobs[i].kind == ITEM_MESSAGE)
                    r->text_bytes -= jobs[i].text->len;
            if (r->feeder_waiting && !queue_full(r, true))
                pthread_cond_signal(&r->room);
            break;
        }
        if (r->walked && r->next >= r->njobs && r->g->published < r->g->nitems) {
            if (publish_locked(r->g, r, FEED_BATCH) < 0) {
                fbs_source_fail_record(&r->fail, fbs_error_set(FBS_ENOMEM, "out of memory"));
                break;
            }
            continue;
        }
        if (r->next >= r->njobs && r->closed)
            break;
        r->waiting++;
        pthread_cond_wait(&r->more, &r->lock);
        r->waiting--;
    }
    pthread_mutex_unlock(&r->lock);
    return n;
}

/* Read and deliver the jobs taken. */
static void run_jobs(struct readers *r, struct reader *w, struct job *jobs, size_t n, bool settled)
{
    size_t i;

    for (i = 0; i < n; i++) {
        if (fbs_source_failed(&r->fail) || cancelled(r->g)) {
            for (; i < n; i++) /* not delivered: their copies go */
                if (jobs[i].kind == ITEM_MESSAGE)
                    fbs_gobj_drop(jobs[i].text);
            break;
        }
        if (jobs[i].kind == ITEM_BLOB)
            read_blob(r, w, &jobs[i], settled);
        else if (jobs[i].kind == ITEM_FILE)
            read_file(r, w, &jobs[i]);
        else
            read_message(r, w, &jobs[i]);
    }
}

static void *reader_main(void *arg)
{
    struct reader *w = arg;
    struct readers *r = w->shared;
    struct job jobs[READ_BATCH];
    size_t n;
    bool settled = false;

    while ((n = take_jobs(r, w, jobs, &settled)) > 0)
        run_jobs(r, w, jobs, n, settled);
    pthread_mutex_lock(&r->lock); /* a message feed waiting for room must not wait for us */
    r->exited++;
    if (r->feeder_waiting)
        pthread_cond_broadcast(&r->room);
    pthread_mutex_unlock(&r->lock);
    return NULL;
}

/*
 * Open the readers' handles and, with `overlap` and two threads or more, start them: they
 * wait for what feed_publish() gives them. Otherwise they start in readers_finish(), after
 * the walk. Release with readers_finish() also on failure.
 */
static int readers_start(struct gscan *g, struct readers *r, fbs_blob_cb cb, void *payload,
                         bool overlap)
{
    const struct fbs_source_opts *o = g->opts;
    unsigned i;

    memset(r, 0, sizeof(*r));
    r->g = g;
    r->cb = cb;
    r->payload = payload;
    r->max_file = o->max_file_size ? o->max_file_size : UINT64_MAX;
    r->max_blob = o->max_blob_size ? o->max_blob_size : r->max_file;
    r->nthreads = o->threads ? o->threads : 1;
    fbs_source_fail_init(&r->fail);
    pthread_mutex_init(&r->lock, NULL);
    pthread_cond_init(&r->more, NULL);
    pthread_cond_init(&r->room, NULL);
    r->workers = fbs_calloc(r->nthreads, sizeof(*r->workers));
    if (!r->workers)
        return fbs_error_set(FBS_ENOMEM, "out of memory");
    /* Handles are opened here, where a failure can be reported; each is then used by one
     * thread only. */
    for (i = 0; i < r->nthreads; i++) {
        struct reader *w = &r->workers[i];

        w->shared = r;
        w->worker = i;
        fbs_buf_init(&w->buf);
        fbs_buf_init(&w->path);
        if (git_repository_open_bare(&w->repo, git_repository_commondir(g->repo)) < 0 ||
            git_repository_odb(&w->odb, w->repo) < 0)
            return fbs_error_set(FBS_EINTERNAL, "cannot open '%s' again for reading: %s", g->target,
                                 git_msg());
    }
    g->feed = r;
    if (overlap && r->nthreads > 1)
        fbs_source_crew_start(&r->crew, 0, r->nthreads, reader_main, r->workers,
                              sizeof(*r->workers));
    return 0;
}

/*
 * After the walk (`failed`: it failed, take nothing more): publish the rest, close the queue,
 * let the readers finish it (on the calling thread too, the readers not started yet), join
 * them and release them. Returns the first reader's failure.
 */
static int readers_finish(struct gscan *g, struct readers *r, bool failed)
{
    unsigned i, n;
    int rc = 0;

    if (!failed) {
        feed_walked(g);
        rc = feed_flush(g);
    }
    pending_drop(g); /* not published: the scan failed */
    pthread_mutex_lock(&r->lock);
    r->closed = true;
    r->stop = failed || rc < 0;
    pthread_cond_broadcast(&r->more);
    pthread_mutex_unlock(&r->lock);
    g->feed = NULL;
    if (r->workers && !r->stop && !r->crew.started) {
        size_t left = g->nitems - g->published + r->njobs - r->next;

        n = r->nthreads;
        if (n > left)
            n = left ? (unsigned)left : 1;
        fbs_source_crew_start(&r->crew, 1, n, reader_main, r->workers, sizeof(*r->workers));
        reader_main(&r->workers[0]);
    }
    i = (unsigned)fbs_source_crew_join(&r->crew, &r->fail);
    if (rc == 0)
        rc = (int)i;
    for (i = 0; r->workers && i < r->nthreads; i++) {
        git_odb_free(r->workers[i].odb);
        git_repository_free(r->workers[i].repo);
        fbs_buf_release_wipe(&r->workers[i].buf);
        fbs_buf_release(&r->workers[i].path);
    }
    fbs_free(r->workers);
    for (; r->next < r->njobs; r->next++) /* not taken: the walk or a reader failed */
        if (r->jobs[r->next].kind == ITEM_MESSAGE)
            fbs_gobj_drop(r->jobs[r->next].text);
    fbs_free(r->jobs);
    pthread_cond_destroy(&r->more);
    pthread_cond_destroy(&r->room);
    pthread_mutex_destroy(&r->lock);
    return rc;
}

/* Messages ------------------------------------------------------------------------------------ */

/*
 * Commit and tag messages are text people paste tokens into: each unique message is one more
 * blob, read after the walk, with the commit (for a tag: the tagged commit and the tagger) as
 * provenance and a pseudo-path naming what it is (FBS_MSG_COMMIT, "<tag NAME>"; docs/report.md).
 * Only commits in the scan's scope are read, and tags whose commit is in scope. Notes need
 * nothing here: the refs under refs/notes are refs, so their blobs are scanned with the rest.
 */
#define FBS_MSG_COMMIT "<commit message>"

/* The message of a raw commit or tag object: what follows the blank line after the headers. */
static const char *object_message(const char *p, const char *end, size_t *len)
{
    while (p < end && *p != '\n') {
        const char *eol = memchr(p, '\n', (size_t)(end - p));

        p = eol ? eol + 1 : end;
    }
    if (p < end)
        p++; /* the blank line */
    *len = (size_t)(end - p);
    return p;
}

/* Whether the message is new: keyed by its blob id, so each unique message is scanned once. */
static int message_new(struct oidset *seen, const char *msg, size_t len)
{
    git_oid id;

    if (git_odb_hash(&id, msg, len, GIT_OBJECT_BLOB) < 0)
        return fbs_error_set(FBS_EINTERNAL, "libgit2: %s", git_msg());
    return oidset_add(seen, &id);
}

/* Oldest first (committer date, then id): a repeated message is credited to its first commit. */
static int order_cmp(const void *a, const void *b, void *nodes)
{
    const struct node *x = &((const struct node *)nodes)[*(const uint32_t *)a];
    const struct node *y = &((const struct node *)nodes)[*(const uint32_t *)b];

    if (x->time != y->time)
        return x->time < y->time ? -1 : 1;
    return git_oid_cmp(&x->oid, &y->oid);
}

static int commit_messages(struct gscan *g, struct oidset *seen)
{
    struct commit_info ci;
    uint32_t *order = NULL;
    size_t i, n = 0;
    int rc = 0;

    order = fbs_malloc((g->nnodes + 1) * sizeof(*order));
    if (!order)
        return fbs_error_set(FBS_ENOMEM, "out of memory");
    for (i = 0; i < g->nnodes; i++)
        if ((g->nodes[i].flags & (N_VISIBLE | N_BAD)) == N_VISIBLE)
            order[n++] = (uint32_t)i;
    qsort_r(order, n, sizeof(*order), order_cmp, g->nodes);
    for (i = 0; i < n && rc == 0; i++) {
        struct fbs_gobj *obj = NULL;
        const char *data, *msg;
        size_t len;
        uint32_t c = order[i];

        if (cancelled(g))
            break;
        if (obj_read(&obj, g->repo, g->odb, g->packs, &g->nodes[c].oid, false) < 0)
            continue; /* reported when the commit was parsed */
        data = (const char *)obj->data;
        msg = object_message(data, data + obj->len, &len);
        if (len && (rc = message_new(seen, msg, len)) == 1 && (rc = node_info(g, c)) == 0) {
            commit_info_of(g, c, &ci);
            rc = feed_message(g, msg, len, FBS_MSG_COMMIT, &g->nodes[c].oid, &ci);
        }
        fbs_gobj_drop(obj); /* a message may hold secrets: wiped with the last reference */
    }
    fbs_free(order);
    return rc < 0 ? rc : 0;
}

/* One annotated tag: its message, when the commit it points to is in scope. */
static int tag_message(struct gscan *g, struct oidset *seen, const git_oid *oid, const char *name)
{
    struct commit_info ci;
    struct fbs_buf path = FBS_BUF_INIT;
    const char *apath;
    git_odb_object *obj = NULL;
    const char *p, *end, *msg, *tagger = NULL, *tagger_end = NULL;
    git_oid target;
    bool have_target = false;
    uint32_t n;
    size_t len;
    int rc = 0;

    if (git_odb_read(&obj, g->odb, oid) < 0 || git_odb_object_type(obj) != GIT_OBJECT_TAG)
        goto done; /* a lightweight tag (or unreadable: the ref walk reports it) */
    p = git_odb_object_data(obj);
    end = p + git_odb_object_size(obj);
    msg = object_message(p, end, &len);
    while (p < msg) {
        const char *eol = memchr(p, '\n', (size_t)(msg - p));

        if (!eol)
            eol = msg;
        if (header_is(p, eol, "object ", 7) && eol - p - 7 == GIT_OID_HEXSZ)
            have_target = git_oid_fromstrn(&target, p + 7, GIT_OID_HEXSZ) == 0;
        else if (header_is(p, eol, "tagger ", 7)) {
            tagger = p + 7;
            tagger_end = eol;
        }
        p = eol + 1;
    }
    /* A tag of a tag of a commit is rare; only tags of commits in scope are read. */
    if (!have_target || !len ||
        (n = idxmap_get(&g->node_map, &target, g->nodes, sizeof(*g->nodes))) == NONE ||
        (g->nodes[n].flags & (N_VISIBLE | N_BAD)) != N_VISIBLE)
        goto done;
    rc = message_new(seen, msg, len);
    if (rc != 1)
        goto done;
    rc = node_info(g, n);
    if (rc == 0 && fbs_buf_printf(&path, "<tag %s>", name) < 0)
        rc = FBS_ENOMEM;
    if (rc < 0)
        goto done;
    commit_info_of(g, n, &ci);
    if (tagger) { /* the tagger wrote the message */
        const char *gt;
        int64_t t = ident_time(tagger, tagger_end, &gt);

        ci.author = gt ? arena_utf8(g, tagger, (size_t)(gt - tagger)) : NULL;
        ci.authored = ci.committed = t;
    }
    apath = arena_strndup(&g->arena, path.ptr, path.len); /* the readers' until the end */
    rc = apath ? feed_message(g, msg, len, apath, &g->nodes[n].oid, &ci)
               : fbs_error_set(FBS_ENOMEM, "out of memory");
done:
    if (obj) {
        fbs_wipe((void *)git_odb_object_data(obj), git_odb_object_size(obj));
        git_odb_object_free(obj);
    }
    fbs_buf_release(&path);
    return rc < 0 ? rc : 0;
}

static int tag_messages(struct gscan *g, struct oidset *seen)
{
    git_reference_iterator *it = NULL;
    git_reference *ref;
    int rc = 0;

    if (git_reference_iterator_glob_new(&it, g->repo, "refs/tags/*") < 0)
        return 0; /* the ref walk has reported unreadable refs */
    while (rc == 0 && git_reference_next(&ref, it) == 0) {
        const char *name = git_reference_shorthand(ref);

        if (git_reference_type(ref) == GIT_REFERENCE_DIRECT && git_reference_target(ref))
            rc = tag_message(g, seen, git_reference_target(ref), name);
        git_reference_free(ref);
    }
    git_reference_iterator_free(it);
    return rc;
}

/*
 * The messages of the commits in scope and of their annotated tags, each unique one once, given
 * to the readers after the walk (they may still be reading its blobs).
 */
static int scan_messages(struct gscan *g)
{
    struct oidset seen;
    int rc;

    memset(&seen, 0, sizeof(seen));
    feed_walked(g);
    rc = commit_messages(g, &seen);
    if (rc == 0)
        rc = tag_messages(g, &seen);
    oidset_release(&seen);
    return rc;
}

/* Targets ------------------------------------------------------------------------------------- */

static bool is_url(const char *t)
{
    const char *colon = strchr(t, ':'), *at = strchr(t, '@'), *slash = strchr(t, '/');

    if (strstr(t, "://"))
        return true;
    /* scp-like "user@host:path" */
    return at && colon && at < colon && (!slash || colon < slash);
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    remove(path);
    return 0;
}

/* The directory a URL is cloned into: a new temporary one, or under --keep-clone. */
static int clone_dir(const struct fbs_source_opts *o, const char *url, size_t nurls, size_t urlno,
                     struct fbs_buf *out, bool *temporary)
{
    *temporary = !o->keep_clone;
    if (!o->keep_clone) {
        const char *tmp = getenv("TMPDIR");

        if (fbs_buf_printf(out, "%s/fbs-clone-XXXXXX", tmp && *tmp ? tmp : "/tmp") < 0)
            return FBS_ENOMEM;
        if (!mkdtemp(out->ptr))
            return fbs_error_set(FBS_EIO, "cannot create a temporary directory: %s",
                                 strerror(errno));
        return 0;
    }
    if (nurls == 1)
        return fbs_buf_puts(out, o->keep_clone) < 0 ? FBS_ENOMEM : 0;
    /* Several URLs: DIR/<n>-<last component of the URL>. */
    {
        size_t len = strlen(url), start;

        while (len && url[len - 1] == '/')
            len--;
        start = len;
        while (start && url[start - 1] != '/' && url[start - 1] != ':')
            start--;
        if (mkdir(o->keep_clone, 0777) < 0 && errno != EEXIST)
            return fbs_error_set(FBS_EIO, "cannot create '%s': %s", o->keep_clone, strerror(errno));
        if (fbs_buf_printf(out, "%s/%zu-", o->keep_clone, urlno) < 0)
            return FBS_ENOMEM;
        for (; start < len; start++) {
            char ch = url[start];

            if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                  (ch >= '0' && ch <= '9') || ch == '.' || ch == '-' || ch == '_'))
                ch = '_';
            if (fbs_buf_putc(out, ch) < 0)
                return FBS_ENOMEM;
        }
    }
    return 0;
}

static int scan_target(const struct fbs_source_opts *o, const char *target, size_t nurls,
                       size_t *urlno, struct fbs_vec *plain, fbs_blob_cb cb, void *payload)
{
    struct gscan g;
    struct readers rd;
    struct fbs_buf dir = FBS_BUF_INIT;
    bool temporary = false;
    int rc = 0;

    memset(&g, 0, sizeof(g));
    g.opts = o;
    g.target = target;
    fbs_buf_init(&g.path);
    if (is_url(target)) {
        struct fbs_git_fetch f = {target,           NULL,          false, NULL, NULL, NULL,
                                  o->clone_timeout, o->clone_stall};

        rc = clone_dir(o, target, nurls, ++*urlno, &dir, &temporary);
        if (rc < 0)
            goto done;
        f.dir = dir.ptr;
        rc = fbs_git_fetch_run(&f);
        if (rc == 0 && git_repository_open_bare(&g.repo, dir.ptr) < 0)
            rc = fbs_error_set(FBS_EIO, "%s", git_msg());
        if (rc == FBS_ENOMEM)
            goto done;
        if (rc < 0) { /* diag.c leaves out the credentials the URL may hold */
            fbs_diags_add(o->diags, true, "clone_failed", target, "cannot clone into '%s': %s",
                          dir.ptr, fbs_error_message());
            rc = 0;
            goto done;
        }
    } else {
        unsigned flags = o->worktree_files ? GIT_REPOSITORY_OPEN_NO_SEARCH : 0;
        int e = git_repository_open_ext(&g.repo, target, flags, NULL);

        if (e < 0) {
            if (o->worktree_files) {
                /* Not a repository: a plain file scan, as without git. */
                if (e != GIT_ENOTFOUND)
                    fbs_diags_add(o->diags, true, "unreadable_repository", target,
                                  "history not scanned, only the files: %s", git_msg());
                if (fbs_vec_push(plain, (void *)target) < 0)
                    rc = fbs_error_set(FBS_ENOMEM, "out of memory");
            } else {
                fbs_diags_add(o->diags, true, "not_a_repository", target, "%s", git_msg());
            }
            goto done;
        }
    }
    if (git_repository_odb(&g.odb, g.repo) < 0) {
        fbs_diags_add(o->diags, true, "unreadable_repository", target, "%s", git_msg());
        goto done;
    }
    rc = fbs_packs_open(&g.packs, git_repository_commondir(g.repo), PACK_CACHE_BUDGET);
    if (rc < 0)
        goto done;
    g.workdir = git_repository_workdir(g.repo);
    if (g.workdir) {
        struct fbs_buf ign = FBS_BUF_INIT;

        /* The work tree's ignore file: its entries suppress findings of this target. */
        rc = fbs_buf_printf(&ign, "%s%s", g.workdir, IGNORE_FILE_NAME) < 0 ? FBS_ENOMEM
             : o->ignores ? fbs_ignores_load_file(o->ignores, ign.ptr, target)
                          : 0;
        if (rc == FBS_EIO) { /* unreadable: an error diagnostic, the scan goes on */
            fbs_diags_add(o->diags, true, "unreadable", ign.ptr, "%s", fbs_error_message());
            rc = 0;
        }
        fbs_buf_release(&ign);
        if (rc == FBS_ENOTFOUND)
            rc = 0;
    }
    if (rc < 0)
        goto done;
    /* A history's blobs are read while it is walked (when the caller can settle what the walk
     * learns later); the few of --staged after. */
    rc = readers_start(&g, &rd, cb, payload, !o->staged && o->settle);
    if (rc == 0 && o->staged) {
        rc = collect_staged(&g);
    } else if (rc == 0) {
        rc = collect_history(&g);
        if (rc == 0 && o->worktree_files && g.workdir)
            rc = collect_worktree(&g);
    }
    if (rc == 0 && o->messages && !o->staged)
        rc = scan_messages(&g);
    {
        int rrc = readers_finish(&g, &rd, rc < 0);

        if (rc == 0)
            rc = rrc;
    }
    if (rc == 0 && o->settle) /* nothing to do when no blob was read early */
        rc = o->settle(payload, settle_final, &g);
done:
    gscan_release(&g);
    if (temporary && dir.len)
        nftw(dir.ptr, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    fbs_buf_release(&dir);
    return rc;
}

static int git_scan(const struct fbs_source_opts *opts, fbs_blob_cb cb, void *payload)
{
    struct fbs_vec plain = FBS_VEC_INIT;
    size_t t, nurls = 0, urlno = 0;
    int rc = 0;

    if (fbs_git_init() < 0)
        return fbs_error_set(FBS_EINTERNAL, "cannot initialise libgit2: %s", git_msg());
    /* Re-hashing every object read doubles the cost of reading a history; git itself does not
     * verify on read either. Corruption still shows as inflate or format errors. */
    git_libgit2_opts(GIT_OPT_ENABLE_STRICT_HASH_VERIFICATION, 0);
    /* The walk reads each commit and tree about once (recent trees are in our own cache) and
     * blobs once: libgit2's object cache would only hold up to 256 MiB of dead objects. */
    git_libgit2_opts(GIT_OPT_ENABLE_CACHING, 0);
    for (t = 0; t < opts->ntargets; t++)
        if (is_url(opts->targets[t]))
            nurls++;
    for (t = 0; t < opts->ntargets && rc == 0; t++) {
        if (opts->cancel && atomic_load(opts->cancel))
            break;
        rc = scan_target(opts, opts->targets[t], nurls, &urlno, &plain, cb, payload);
    }
    if (rc == 0 && plain.len) {
        struct fbs_source_opts fo = *opts;

        fo.targets = (const char *const *)plain.items;
        fo.ntargets = plain.len;
        rc = fbs_source_file.scan(&fo, cb, payload);
    }
    fbs_vec_release(&plain, NULL);
    git_libgit2_shutdown();
    return rc;
}

const struct fbs_source fbs_source_git = {
    .name = "git",
    .scan = git_scan,
};
