/*
 * source_pack.c - read objects straight from a repository's pack files, for the history scan.
 *
 * libgit2 1.5 reads a packed object through a chain of deltas with a 16 MiB delta-base cache
 * that it empties whole when it is full, a new zlib stream (two allocations) and a zeroed buffer
 * for every link, and a copy of any cached result. A history walk reads trees oldest first, the
 * reverse of the order of git's delta chains, so most reads walked long chains again. Here:
 *
 *   - the .idx (version 2) and .pack files of objects/pack are mapped once; an id is found by
 *     the fan-out table and a binary search;
 *   - a chain is followed to the nearest cached object, then inflated and patched forward; every
 *     base met on the way is cached, and with `keep` the result too, in one cache for all threads
 *     (keyed by pack and offset, least recently used first out, a byte budget);
 *   - objects are reference counted: a cached object is handed out, never copied;
 *   - zlib streams are reused (inflateReset), delta buffers are per stream; built with
 *     libdeflate, an object is inflated whole by it instead (its size is in the entry header),
 *     about twice as fast, with the same Adler-32 check and the same exact-size rule.
 *
 * Whatever is not plainly right (an id in no mapped pack, a pack that does not match its index,
 * a truncated or corrupt stream, a delta that does not fit its base, a chain too deep, a size
 * that the stream or delta could not produce, an object over 256 MiB) is not an
 * error here: fbs_pack_read() says "not read" and the caller asks libgit2, whose message then
 * names the problem as before. So the diagnostics of missing and corrupt objects are libgit2's.
 * Loose objects and alternates are libgit2's too.
 */
#include "source_int.h"
#include "../core/alloc.h"
#include "../core/error.h"

#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#ifdef FBS_HAVE_LIBDEFLATE
#include <libdeflate.h>
#endif

#include "../core/banned.h"

#define ID_SIZE   20
#define MAX_CHAIN 10000 /* deeper than git ever writes (its default --depth is 50) */
/* Sizes in a pack are untrusted: nothing is allocated for a size before it is known to be
 * possible (deflate yields at most 1032 bytes per input byte: 258-byte matches in 2 bits; a delta
 * instruction copies at most 0xffffff bytes), and no object larger than MAX_OBJECT, nor a chain
 * producing more than MAX_WORK bytes in all, is read here: such objects are libgit2's. */
#define MAX_OBJECT   ((size_t)256 << 20)
#define MAX_WORK     ((size_t)1 << 30)
#define ZLIB_RATIO   1032
#define MAX_PACKS    ((size_t)1 << 16) /* the cache key is pack << 48 | offset */
#define DELTA_KEEP   ((size_t)1 << 20) /* a pooled stream keeps a delta buffer this large */
#define MAX_STREAMS  16
#define CACHE_MIN_BK 4096
/* Freed objects are kept for reuse by size class (four a power of two, 512 B to 1 MiB): glibc's
 * malloc is slow at churning through objects of a few KiB that a cache holds for a while. */
#define POOL_CLASSES 48
#define POOL_MIN_LOG 9
#define POOL_BUDGET  ((size_t)16 << 20)

/* Pack object types. */
enum { T_COMMIT = 1, T_TREE = 2, T_BLOB = 3, T_TAG = 4, T_OFS_DELTA = 6, T_REF_DELTA = 7 };

struct pack {
    const unsigned char *idx, *data;
    size_t idx_len, len;
    uint32_t n;
    const unsigned char *ids, *off32, *off64;
    size_t n64;
};

/* An object: the public part first. Shared between the cache and readers, counted. */
struct pobj {
    struct fbs_gobj pub;
    atomic_uint refs;
    struct pobj *hnext, *prev, *next; /* hash chain and LRU list (under the cache lock) */
    uint64_t key;
    struct fbs_packs *owner; /* whose pool it returns to; NULL: freed */
    int cls;                 /* its size class; -1: not pooled */
    bool cached;
    unsigned char bytes[]; /* len + 1 bytes, NUL-terminated */
};

struct zs {
    z_stream z;
#ifdef FBS_HAVE_LIBDEFLATE
    struct libdeflate_decompressor *ld; /* whole-buffer inflate: the sizes are known */
#endif
    unsigned char *delta; /* a reusable buffer for one delta */
    size_t delta_cap;
};

struct fbs_packs {
    struct pack *packs;
    size_t npacks, packs_cap;

    pthread_mutex_t lock; /* the cache and the stream pool */
    struct pobj **buckets;
    size_t nbuckets, nentries;
    struct pobj *lru_head, *lru_tail; /* head: most recent */
    size_t bytes, budget, max_obj;

    struct zs *pool[MAX_STREAMS];
    size_t npool;

    struct pobj *free_objs[POOL_CLASSES]; /* linked by hnext */
    size_t pooled;                        /* bytes in free_objs */
};

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

/* Objects ---------------------------------------------------------------------------------- */

/* The size class of an allocation of `n` bytes and its capacity; -1 when not pooled. */
static int size_class(size_t n, size_t *cap)
{
    unsigned b = 0;
    size_t step, idx;

    if (n <= ((size_t)1 << POOL_MIN_LOG) || n > ((size_t)1 << (POOL_MIN_LOG + POOL_CLASSES / 4)))
        return -1;
    while (((size_t)2 << b) < n)
        b++;
    /* 2^b < n <= 2^(b+1) */
    step = (size_t)1 << (b - 2);
    idx = (n - ((size_t)1 << b) - 1) / step;
    *cap = ((size_t)1 << b) + (idx + 1) * step;
    return (int)((b - POOL_MIN_LOG) * 4 + idx);
}

/* The capacity of size class `cls`. */
static size_t class_cap(int cls)
{
    unsigned b = (unsigned)cls / 4 + POOL_MIN_LOG;

    return ((size_t)1 << b) + ((size_t)(cls % 4) + 1) * ((size_t)1 << (b - 2));
}

static struct pobj *pobj_new(struct fbs_packs *p, int type, size_t len)
{
    struct pobj *o = NULL;
    size_t need, cap = 0;
    int cls, c;

    if (len > SIZE_MAX - sizeof(*o) - 1)
        return NULL;
    need = sizeof(*o) + len + 1;
    cls = p ? size_class(need, &cap) : -1;
    if (cls >= 0) {
        /* Its own class, or one of the next two (at most half as large again). */
        pthread_mutex_lock(&p->lock);
        for (c = cls; c < POOL_CLASSES && c <= cls + 2; c++)
            if ((o = p->free_objs[c]) != NULL) {
                p->free_objs[c] = o->hnext;
                p->pooled -= class_cap(c);
                cls = c;
                break;
            }
        pthread_mutex_unlock(&p->lock);
    }
    if (!o)
        o = fbs_malloc(cls >= 0 ? cap : need);
    if (!o)
        return NULL;
    memset(o, 0, sizeof(*o));
    o->owner = cls >= 0 ? p : NULL;
    o->cls = cls;
    o->pub.data = o->bytes;
    o->pub.len = len;
    o->pub.type = type;
    o->bytes[len] = '\0';
    atomic_init(&o->refs, 1);
    return o;
}

/* Under the cache lock or not: `locked` says which. */
static void pobj_free(struct pobj *o, bool locked)
{
    struct fbs_packs *p = o->owner;
    size_t cap = 0;

    if (o->pub.type != T_TREE) /* file contents and messages may hold secrets */
        fbs_wipe(o->bytes, o->pub.len);
    if (p) {
        struct pobj *old = NULL;
        int cls = o->cls, c;

        cap = class_cap(cls);
        if (!locked)
            pthread_mutex_lock(&p->lock);
        /* Full: let the smallest pooled object go (sizes drift as a history grows). */
        for (c = 0; p->pooled + cap > POOL_BUDGET && c < POOL_CLASSES; c++)
            if (p->free_objs[c]) {
                old = p->free_objs[c];
                p->free_objs[c] = old->hnext;
                p->pooled -= class_cap(c);
                break;
            }
        if (p->pooled + cap <= POOL_BUDGET) {
            o->hnext = p->free_objs[cls];
            p->free_objs[cls] = o;
            p->pooled += cap;
            o = NULL;
        }
        if (!locked)
            pthread_mutex_unlock(&p->lock);
        fbs_free(old);
    }
    fbs_free(o);
}

static void pobj_drop(struct pobj *o, bool locked)
{
    if (o && atomic_fetch_sub(&o->refs, 1) == 1)
        pobj_free(o, locked);
}

struct fbs_gobj *fbs_gobj_new(int type, const void *data, size_t len)
{
    struct pobj *o = pobj_new(NULL, type, len);

    if (!o)
        return NULL;
    memcpy(o->bytes, data, len);
    return &o->pub;
}

struct fbs_gobj *fbs_gobj_dup(struct fbs_gobj *obj)
{
    atomic_fetch_add(&((struct pobj *)obj)->refs, 1);
    return obj;
}

void fbs_gobj_drop(struct fbs_gobj *obj)
{
    pobj_drop((struct pobj *)obj, false);
}

/* The cache (all under p->lock) --------------------------------------------------------------- */

static size_t bucket_of(const struct fbs_packs *p, uint64_t key)
{
    uint64_t h = key * 0x9e3779b97f4a7c15ull;

    return (size_t)(h >> 32) & (p->nbuckets - 1);
}

static void lru_unlink(struct fbs_packs *p, struct pobj *o)
{
    if (o->prev)
        o->prev->next = o->next;
    else
        p->lru_head = o->next;
    if (o->next)
        o->next->prev = o->prev;
    else
        p->lru_tail = o->prev;
    o->prev = o->next = NULL;
}

static void lru_front(struct fbs_packs *p, struct pobj *o)
{
    o->prev = NULL;
    o->next = p->lru_head;
    if (p->lru_head)
        p->lru_head->prev = o;
    p->lru_head = o;
    if (!p->lru_tail)
        p->lru_tail = o;
}

static struct pobj *cache_get(struct fbs_packs *p, uint64_t key)
{
    struct pobj *o = NULL;

    if (!p->budget)
        return NULL;
    pthread_mutex_lock(&p->lock);
    if (p->nbuckets)
        for (o = p->buckets[bucket_of(p, key)]; o && o->key != key; o = o->hnext)
            ;
    if (o) {
        lru_unlink(p, o);
        lru_front(p, o);
        atomic_fetch_add(&o->refs, 1);
    }
    pthread_mutex_unlock(&p->lock);
    return o;
}

static void cache_evict(struct fbs_packs *p, struct pobj *o)
{
    struct pobj **pp = &p->buckets[bucket_of(p, o->key)];

    while (*pp != o)
        pp = &(*pp)->hnext;
    *pp = o->hnext;
    lru_unlink(p, o);
    p->bytes -= o->pub.len;
    p->nentries--;
    o->cached = false;
    pobj_drop(o, true);
}

/* Offer `o` to the cache under `key` (it takes a reference); nothing when it does not fit. */
static void cache_put(struct fbs_packs *p, struct pobj *o, uint64_t key)
{
    struct pobj *x;
    size_t b;

    if (!p->budget || o->pub.len > p->max_obj)
        return;
    pthread_mutex_lock(&p->lock);
    if (o->cached)
        goto done; /* handed out by the cache (`cached` is only read and written locked) */
    if (p->nentries >= p->nbuckets) {
        size_t n = p->nbuckets ? p->nbuckets * 2 : CACHE_MIN_BK, i;
        struct pobj **nb = fbs_calloc(n, sizeof(*nb));

        if (!nb)
            goto done; /* not cached: only slower */
        for (i = 0; i < p->nbuckets; i++) {
            while ((x = p->buckets[i]) != NULL) {
                p->buckets[i] = x->hnext;
                x->hnext = nb[(size_t)((x->key * 0x9e3779b97f4a7c15ull) >> 32) & (n - 1)];
                nb[(size_t)((x->key * 0x9e3779b97f4a7c15ull) >> 32) & (n - 1)] = x;
            }
        }
        fbs_free(p->buckets);
        p->buckets = nb;
        p->nbuckets = n;
    }
    b = bucket_of(p, key);
    for (x = p->buckets[b]; x; x = x->hnext)
        if (x->key == key)
            goto done; /* another thread was first */
    while (p->bytes + o->pub.len > p->budget && p->lru_tail)
        cache_evict(p, p->lru_tail);
    o->key = key;
    o->cached = true;
    o->hnext = p->buckets[b];
    p->buckets[b] = o;
    lru_front(p, o);
    p->bytes += o->pub.len;
    p->nentries++;
    atomic_fetch_add(&o->refs, 1);
done:
    pthread_mutex_unlock(&p->lock);
}

/* zlib streams -------------------------------------------------------------------------------- */

static struct zs *zs_take(struct fbs_packs *p)
{
    struct zs *s = NULL;

    pthread_mutex_lock(&p->lock);
    if (p->npool)
        s = p->pool[--p->npool];
    pthread_mutex_unlock(&p->lock);
    if (s)
        return s;
    s = fbs_calloc(1, sizeof(*s));
    if (s && inflateInit(&s->z) != Z_OK) {
        fbs_free(s);
        s = NULL;
    }
#ifdef FBS_HAVE_LIBDEFLATE
    if (s && !(s->ld = libdeflate_alloc_decompressor())) {
        inflateEnd(&s->z);
        fbs_free(s);
        s = NULL;
    }
#endif
    return s;
}

static void zs_free(struct zs *s)
{
#ifdef FBS_HAVE_LIBDEFLATE
    libdeflate_free_decompressor(s->ld);
#endif
    inflateEnd(&s->z);
    fbs_free(s->delta);
    fbs_free(s);
}

static void zs_give(struct fbs_packs *p, struct zs *s)
{
    if (s->delta_cap > DELTA_KEEP) {
        fbs_free(s->delta);
        s->delta = NULL;
        s->delta_cap = 0;
    }
    pthread_mutex_lock(&p->lock);
    if (p->npool < MAX_STREAMS) {
        p->pool[p->npool++] = s;
        s = NULL;
    }
    pthread_mutex_unlock(&p->lock);
    if (s)
        zs_free(s);
}

/* Whether the stream at `at` could inflate to `size` bytes, and they are not too many. */
static bool inflatable(const struct pack *k, size_t at, size_t size)
{
    size_t avail = k->len - ID_SIZE - at;

    return size <= MAX_OBJECT &&
           (avail >= MAX_OBJECT / ZLIB_RATIO || size <= (avail + 1) * ZLIB_RATIO);
}

/* Inflate the stream at `at` into out[0..size): exactly `size` bytes and the stream's end. */
static bool inflate_exact(struct zs *s, const struct pack *k, size_t at, unsigned char *out,
                          size_t size)
{
    size_t avail = k->len - ID_SIZE - at;
#ifdef FBS_HAVE_LIBDEFLATE
    size_t used = 0, got = 0;
    unsigned char spare;

    /* libdeflate inflates a whole stream into a buffer of known size, about twice as fast as
     * zlib's streaming inflate, and checks the Adler-32 too. A stream that would produce more
     * than `size` bytes is INSUFFICIENT_SPACE; fewer is caught by comparing `got`. */
    if (size > UINT32_MAX) /* as with zlib below: one call's worth */
        return false;
    return libdeflate_zlib_decompress_ex(s->ld, k->data + at, avail, size ? out : &spare, size,
                                         &used, &got) == LIBDEFLATE_SUCCESS &&
           got == size;
#else
    unsigned char spare;
    int zr;

    if (inflateReset(&s->z) != Z_OK)
        return false;
    s->z.next_in = (unsigned char *)(uintptr_t)(k->data + at);
    s->z.avail_in = avail > UINT32_MAX ? UINT32_MAX : (uInt)avail;
    if (size > UINT32_MAX) /* one call; git's objects this large are not scanned anyway */
        return false;
    /* One byte more than expected, to see a stream that is longer than its header says. */
    s->z.next_out = size ? out : &spare;
    s->z.avail_out = size ? (uInt)size : 1;
    zr = inflate(&s->z, Z_FINISH);
    if (zr == Z_BUF_ERROR && size && s->z.avail_out == 0) {
        s->z.next_out = &spare;
        s->z.avail_out = 1;
        zr = inflate(&s->z, Z_FINISH);
    }
    return zr == Z_STREAM_END && s->z.total_out == size;
#endif
}

/* Packs -------------------------------------------------------------------------------------- */

static void unmap(const unsigned char *p, size_t len)
{
    if (p)
        munmap((void *)(uintptr_t)p, len);
}

static const unsigned char *map_file(const char *path, size_t *len)
{
    struct stat st;
    void *m;
    int fd = open(path, O_RDONLY | O_CLOEXEC);

    if (fd < 0)
        return NULL;
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size <= 0 ||
        (uint64_t)st.st_size > SIZE_MAX) {
        close(fd);
        return NULL;
    }
    m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (m == MAP_FAILED)
        return NULL;
    *len = (size_t)st.st_size;
    return m;
}

/* Map one pack and its index; false when either is not what git writes (libgit2 decides). */
static bool pack_load(struct pack *k, const char *idx_path)
{
    char path[4200];
    size_t n = strlen(idx_path), min, i;
    uint32_t prev = 0, version;

    memset(k, 0, sizeof(*k));
    if (n < 4 || n - 4 + 6 > sizeof(path))
        return false;
    k->idx = map_file(idx_path, &k->idx_len);
    if (!k->idx)
        return false;
    if (k->idx_len < 8 + 1024 + 2 * ID_SIZE || memcmp(k->idx, "\377tOc", 4))
        goto bad; /* version 1 indexes are left to libgit2 */
    version = be32(k->idx + 4);
    if (version != 2)
        goto bad;
    for (i = 0; i < 256; i++) {
        uint32_t f = be32(k->idx + 8 + 4 * i);

        if (f < prev)
            goto bad;
        prev = f;
    }
    k->n = prev;
    min = 8 + 1024 + (size_t)k->n * (ID_SIZE + 8) + 2 * ID_SIZE;
    if (k->idx_len < min || (k->idx_len - min) % 8 ||
        (k->n && (k->idx_len - min) / 8 > (size_t)k->n - 1) || (!k->n && k->idx_len != min))
        goto bad;
    k->ids = k->idx + 8 + 1024;
    k->off32 = k->ids + (size_t)k->n * (ID_SIZE + 4);
    k->off64 = k->off32 + (size_t)k->n * 4;
    k->n64 = (k->idx_len - min) / 8;
    memcpy(path, idx_path, n - 4);
    memcpy(path + n - 4, ".pack", 6);
    k->data = map_file(path, &k->len);
    if (!k->data)
        goto bad;
    /* What libgit2 checks before it reads a pack: signature, version, count, checksum. */
    if (k->len < 12 + ID_SIZE || (uint64_t)k->len >> 48 || memcmp(k->data, "PACK", 4) ||
        (be32(k->data + 4) != 2 && be32(k->data + 4) != 3) || be32(k->data + 8) != k->n ||
        memcmp(k->data + k->len - ID_SIZE, k->idx + k->idx_len - 2 * ID_SIZE, ID_SIZE))
        goto bad;
    return true;
bad:
    unmap(k->idx, k->idx_len);
    unmap(k->data, k->len);
    memset(k, 0, sizeof(*k));
    return false;
}

int fbs_packs_open(struct fbs_packs **out, const char *objdir, size_t budget)
{
    struct fbs_packs *p;
    struct dirent *de;
    char dir[4096], path[4400];
    DIR *d;
    int n;

    *out = NULL;
    p = fbs_calloc(1, sizeof(*p));
    if (!p)
        return fbs_error_set(FBS_ENOMEM, "out of memory");
    pthread_mutex_init(&p->lock, NULL);
    p->budget = budget;
    p->max_obj = budget / 16;
    *out = p;
    n = snprintf(dir, sizeof(dir), "%s%sobjects/pack", objdir,
                 *objdir && objdir[strlen(objdir) - 1] != '/' ? "/" : "");
    if (n < 0 || (size_t)n >= sizeof(dir) || !(d = opendir(dir)))
        return 0; /* no packs: everything is libgit2's */
    while ((de = readdir(d)) != NULL) {
        size_t len = strlen(de->d_name);
        struct pack k;

        if (len < 5 || strcmp(de->d_name + len - 4, ".idx") || p->npacks >= MAX_PACKS)
            continue;
        n = snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
        if (n < 0 || (size_t)n >= sizeof(path) || !pack_load(&k, path))
            continue;
        if (fbs_array_grow((void **)&p->packs, &p->packs_cap, p->npacks + 1, sizeof(*p->packs)) <
            0) {
            unmap(k.idx, k.idx_len);
            unmap(k.data, k.len);
            closedir(d);
            return fbs_error_set(FBS_ENOMEM, "out of memory");
        }
        p->packs[p->npacks++] = k;
    }
    closedir(d);
    return 0;
}

void fbs_packs_close(struct fbs_packs *p)
{
    size_t i, c;

    if (!p)
        return;
    while (p->lru_tail)
        cache_evict(p, p->lru_tail);
    fbs_free(p->buckets);
    for (c = 0; c < POOL_CLASSES; c++)
        while (p->free_objs[c]) {
            struct pobj *o = p->free_objs[c];

            p->free_objs[c] = o->hnext;
            fbs_free(o);
        }
    for (i = 0; i < p->npool; i++)
        zs_free(p->pool[i]);
    for (i = 0; i < p->npacks; i++) {
        unmap(p->packs[i].idx, p->packs[i].idx_len);
        unmap(p->packs[i].data, p->packs[i].len);
    }
    fbs_free(p->packs);
    pthread_mutex_destroy(&p->lock);
    fbs_free(p);
}

/* Where `id` is in pack `k`: its offset, or 0 (no object starts at 0). */
static size_t pack_find(const struct pack *k, const unsigned char *id)
{
    uint32_t lo = id[0] ? be32(k->idx + 8 + 4 * (id[0] - 1u)) : 0;
    uint32_t hi = be32(k->idx + 8 + 4 * (size_t)id[0]);

    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        int c = memcmp(k->ids + (size_t)mid * ID_SIZE, id, ID_SIZE);

        if (c == 0) {
            uint32_t o = be32(k->off32 + (size_t)mid * 4);
            uint64_t off;

            if (!(o & 0x80000000u))
                return o;
            o &= 0x7fffffffu;
            if (o >= k->n64)
                return 0;
            off =
                (uint64_t)be32(k->off64 + (size_t)o * 8) << 32 | be32(k->off64 + (size_t)o * 8 + 4);
            return off < k->len ? (size_t)off : 0;
        }
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return 0;
}

/* One entry's header at `off`: type, size and where its data (or delta base) starts. */
static bool entry_header(const struct pack *k, size_t off, int *type, size_t *size, size_t *at)
{
    size_t end = k->len - ID_SIZE, s;
    unsigned shift = 4;
    unsigned char c;

    if (off < 12 || off >= end)
        return false;
    c = k->data[off++];
    *type = (c >> 4) & 7;
    s = c & 15;
    while (c & 0x80) {
        if (off >= end || shift > 57)
            return false;
        c = k->data[off++];
        s += (size_t)(c & 0x7f) << shift;
        shift += 7;
    }
    *size = s;
    *at = off;
    return true;
}

/* A delta's base: its offset; `at` moves past the base reference. 0 when unusable. */
static size_t delta_base(const struct pack *k, size_t obj_off, int type, size_t *at)
{
    size_t end = k->len - ID_SIZE, p = *at;

    if (type == T_OFS_DELTA) {
        unsigned char c;
        size_t ofs;

        if (p >= end)
            return 0;
        c = k->data[p++];
        ofs = c & 127;
        while (c & 128) {
            if (p >= end || ofs > (SIZE_MAX >> 8))
                return 0;
            c = k->data[p++];
            ofs = ((ofs + 1) << 7) + (c & 127);
        }
        if (!ofs || ofs >= obj_off)
            return 0;
        *at = p;
        return obj_off - ofs;
    }
    if (p + ID_SIZE > end)
        return 0;
    *at = p + ID_SIZE;
    return pack_find(k, k->data + p); /* the base of a REF_DELTA is in the same pack */
}

static bool varint(const unsigned char **p, const unsigned char *end, size_t *out)
{
    size_t v = 0;
    unsigned shift = 0;
    unsigned char c;

    do {
        if (*p >= end || shift > 63)
            return false;
        c = *(*p)++;
        v |= (size_t)(c & 0x7f) << shift;
        shift += 7;
    } while (c & 0x80);
    *out = v;
    return true;
}

/* Apply delta d[0..n) to `base`: the new object, or NULL (malformed or out of memory). */
static struct pobj *delta_apply(struct fbs_packs *p, const struct pobj *base,
                                const unsigned char *d, size_t n)
{
    const unsigned char *end = d + n, *src = base->bytes;
    size_t src_len, dst_len, left, per;
    struct pobj *o;
    unsigned char *out;

    if (!varint(&d, end, &src_len) || !varint(&d, end, &dst_len) || src_len != base->pub.len)
        return NULL;
    /* Each byte left yields at most one copy (from the base, at most 0xffffff bytes). */
    per = src_len > 0xffffff ? 0xffffff : src_len ? src_len : 1;
    if (dst_len > MAX_OBJECT || dst_len / per > (size_t)(end - d))
        return NULL;
    o = pobj_new(p, base->pub.type, dst_len);
    if (!o)
        return NULL;
    out = o->bytes;
    left = dst_len;
    while (d < end) {
        unsigned char op = *d++;

        if (op & 0x80) {
            size_t off = 0, sz = 0;
            unsigned i;

            for (i = 0; i < 4; i++)
                if (op & (1u << i)) {
                    if (d >= end)
                        goto bad;
                    off |= (size_t)*d++ << (8 * i);
                }
            for (i = 0; i < 3; i++)
                if (op & (0x10u << i)) {
                    if (d >= end)
                        goto bad;
                    sz |= (size_t)*d++ << (8 * i);
                }
            if (!sz)
                sz = 0x10000;
            if (off > src_len || sz > src_len - off || sz > left)
                goto bad;
            memcpy(out, src + off, sz);
            out += sz;
            left -= sz;
        } else if (op) {
            if (op > (size_t)(end - d) || op > left)
                goto bad;
            memcpy(out, d, op);
            d += op;
            out += op;
            left -= op;
        } else {
            goto bad;
        }
    }
    if (left)
        goto bad;
    return o;
bad:
    pobj_free(o, false);
    return NULL;
}

struct link {
    size_t off, at, size;
};

/* The object at `off` of pack `pk`: 1 and *out, 0 (not readable here), FBS_ENOMEM. */
static int unpack(struct fbs_packs *p, size_t pk, size_t off, bool keep, struct pobj **out)
{
    const struct pack *k = &p->packs[pk];
    struct link small[64], *chain = small;
    size_t nchain = 0, cap = 64, at, size, work;
    struct pobj *obj = NULL;
    struct zs *s = NULL;
    int type, rc = 0;
    bool oom = false;

    *out = NULL;
    for (;;) { /* down the chain to a cached object or a whole one */
        size_t base;

        if ((obj = cache_get(p, (uint64_t)pk << 48 | off)) != NULL)
            break;
        if (!entry_header(k, off, &type, &size, &at))
            goto done;
        if (type >= T_COMMIT && type <= T_TAG)
            break;
        if (type != T_OFS_DELTA && type != T_REF_DELTA)
            goto done;
        base = delta_base(k, off, type, &at);
        if (!base || nchain >= MAX_CHAIN || !inflatable(k, at, size))
            goto done;
        if (nchain == cap) {
            struct link *nc = fbs_malloc(cap * 2 * sizeof(*nc));

            if (!nc) {
                oom = true;
                goto done;
            }
            memcpy(nc, chain, nchain * sizeof(*nc));
            if (chain != small)
                fbs_free(chain);
            chain = nc;
            cap *= 2;
        }
        chain[nchain].off = off;
        chain[nchain].at = at;
        chain[nchain].size = size;
        nchain++;
        off = base;
    }
    if (obj && !nchain) { /* the object itself was cached */
        *out = obj;
        return 1;
    }
    s = zs_take(p);
    if (!s) {
        oom = true;
        goto done;
    }
    if (!obj) { /* a whole object at `off` */
        if (!inflatable(k, at, size))
            goto done;
        obj = pobj_new(p, type, size);
        if (!obj) {
            oom = true;
            goto done;
        }
        if (!inflate_exact(s, k, at, obj->bytes, size))
            goto done;
    }
    work = obj->pub.len;
    while (nchain) { /* up the chain: each base is cached for the next reads */
        const struct link *l = &chain[--nchain];
        struct pobj *next;

        cache_put(p, obj, (uint64_t)pk << 48 | off);
        if (l->size > s->delta_cap) {
            unsigned char *nb = fbs_realloc(s->delta, l->size + 1);

            if (!nb) {
                oom = true;
                goto done;
            }
            s->delta = nb;
            s->delta_cap = l->size + 1;
        }
        if (!inflate_exact(s, k, l->at, s->delta, l->size))
            goto done;
        next = delta_apply(p, obj, s->delta, l->size);
        if (!next)
            goto done; /* malformed, or out of memory: libgit2 will say which */
        fbs_gobj_drop(&obj->pub);
        obj = next;
        if ((work += obj->pub.len) > MAX_WORK)
            goto done;
        off = l->off;
    }
    if (keep)
        cache_put(p, obj, (uint64_t)pk << 48 | off);
    *out = obj;
    obj = NULL;
    rc = 1;
done:
    if (obj)
        fbs_gobj_drop(&obj->pub);
    if (s)
        zs_give(p, s);
    if (chain != small)
        fbs_free(chain);
    return oom ? fbs_error_set(FBS_ENOMEM, "out of memory") : rc;
}

int fbs_pack_read(struct fbs_packs *p, const unsigned char id[20], bool keep, struct fbs_gobj **out)
{
    size_t i;

    *out = NULL;
    for (i = 0; p && i < p->npacks; i++) {
        size_t off = pack_find(&p->packs[i], id);
        struct pobj *o;
        int rc;

        if (!off)
            continue;
        rc = unpack(p, i, off, keep, &o);
        if (rc == 1)
            *out = &o->pub;
        return rc;
    }
    return 0;
}

int fbs_pack_header(struct fbs_packs *p, const unsigned char id[20], int *type, size_t *len)
{
    size_t i, n;

    for (i = 0; p && i < p->npacks; i++) {
        const struct pack *k = &p->packs[i];
        size_t off = pack_find(k, id), at, size;
        int t;

        if (!off)
            continue;
        if (!entry_header(k, off, &t, &size, &at))
            return 0;
        if (t >= T_COMMIT && t <= T_TAG) {
            *type = t;
            *len = size;
            return 1;
        }
        /* A delta: the result's size is the second number at the start of the delta. */
        {
            unsigned char head[32];
            const unsigned char *h = head;
            size_t base = off, src, avail;
            struct zs *s;
            int zr;

            if (!delta_base(k, off, t, &at))
                return 0;
            s = zs_take(p);
            if (!s)
                return fbs_error_set(FBS_ENOMEM, "out of memory");
            avail = k->len - ID_SIZE - at;
            zr = inflateReset(&s->z);
            s->z.next_in = (unsigned char *)(uintptr_t)(k->data + at);
            s->z.avail_in = avail > UINT32_MAX ? UINT32_MAX : (uInt)avail;
            s->z.next_out = head;
            s->z.avail_out = sizeof(head);
            if (zr == Z_OK)
                zr = inflate(&s->z, Z_SYNC_FLUSH);
            n = sizeof(head) - s->z.avail_out;
            zs_give(p, s);
            if ((zr != Z_OK && zr != Z_STREAM_END) || !varint(&h, head + n, &src) ||
                !varint(&h, head + n, len))
                return 0;
            for (n = 0; n < MAX_CHAIN; n++) { /* the type is the base's, down the chain */
                if (!entry_header(k, base, &t, &size, &at))
                    return 0;
                if (t >= T_COMMIT && t <= T_TAG) {
                    *type = t;
                    return 1;
                }
                if ((t != T_OFS_DELTA && t != T_REF_DELTA) || !(base = delta_base(k, base, t, &at)))
                    return 0;
            }
            return 0;
        }
    }
    return 0;
}
