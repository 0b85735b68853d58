/* text.c - byte-string helpers; see text.h. */
#include "text.h"
#include "alloc.h"
#include "error.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "banned.h"

double fbs_entropy(const void *data, size_t len)
{
    const unsigned char *p = data;
    size_t counts[256] = {0};
    double h = 0.0;
    size_t i;

    if (!len)
        return 0.0;
    for (i = 0; i < len; i++)
        counts[p[i]]++;
    for (i = 0; i < 256; i++) {
        if (counts[i]) {
            double f = (double)counts[i] / (double)len;
            h -= f * log2(f);
        }
    }
    return h;
}

static uint32_t crc_table[256];
static int crc_ready;

static void crc_init(void)
{
    uint32_t c;
    int n, k;

    for (n = 0; n < 256; n++) {
        c = (uint32_t)n;
        for (k = 0; k < 8; k++)
            c = c & 1 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
        crc_table[n] = c;
    }
    crc_ready = 1;
}

uint32_t fbs_crc32(const void *data, size_t len)
{
    const unsigned char *p = data;
    uint32_t c = 0xFFFFFFFFu;

    /* Racing initialisations write identical values, so no lock is needed. */
    if (!crc_ready)
        crc_init();
    while (len--)
        c = crc_table[(c ^ *p++) & 0xFF] ^ (c >> 8);
    return c ^ 0xFFFFFFFFu;
}

int fbs_base62_decode(uint64_t *out, const char *s, size_t len, const char *alphabet)
{
    uint64_t v = 0;
    size_t i;

    for (i = 0; i < len; i++) {
        const char *pos = memchr(alphabet, s[i], 62);

        if (!pos || !s[i])
            return -1;
        if (v > (UINT64_MAX - 61) / 62)
            return -1;
        v = v * 62 + (uint64_t)(pos - alphabet);
    }
    *out = v;
    return 0;
}

const char *fbs_memcasemem(const char *hay, size_t hlen, const char *needle, size_t nlen)
{
    const char *p = hay, *end;
    int lo, up;

    if (!nlen)
        return hay;
    if (nlen > hlen)
        return NULL;
    lo = tolower((unsigned char)needle[0]);
    up = toupper((unsigned char)needle[0]);
    end = hay + (hlen - nlen) + 1; /* candidate starts are < end */
    while (p < end) {
        /* Jump to the next candidate first byte with memchr (vectorised) in either case. */
        const char *a = memchr(p, lo, (size_t)(end - p));
        const char *b = lo == up ? NULL : memchr(p, up, (size_t)((a ? a : end) - p));
        const char *c = !a ? b : !b ? a : a < b ? a : b;
        size_t j;

        if (!c)
            return NULL;
        for (j = 1; j < nlen; j++)
            if (tolower((unsigned char)c[j]) != tolower((unsigned char)needle[j]))
                break;
        if (j == nlen)
            return c;
        p = c + 1;
    }
    return NULL;
}

/*
 * Glob matching runs as an NFA over the pattern's byte offsets: one pass over the path, keeping
 * the set of pattern positions still alive, so the work is O(len(path) x len(pattern)) whatever
 * the stars (a backtracking matcher is exponential on `*a*a*a*a*b`). A position is either the
 * start of a token, or (in `body`) the inside of a `**` followed by '/' that has consumed at
 * least one character and now waits for a '/'.
 */
#define GLOB_WORDS ((FBS_GLOB_MAX + 1 + 63) / 64)

enum glob_tok { GLOB_LIT, GLOB_ANY, GLOB_CLASS, GLOB_STAR, GLOB_DSTAR, GLOB_DSTAR_DIR };

struct glob_set {
    uint64_t tok[GLOB_WORDS];
    uint64_t body[GLOB_WORDS];
};

/*
 * The bracket class starting at p[i] == '['. Returns the offset past its ']' and sets *matched
 * for c, or 0 when the class is not closed before pend.
 */
static size_t glob_class(const char *p, size_t plen, size_t i, unsigned char c, bool *matched)
{
    size_t j = i + 1;
    bool negate = false, hit = false;

    if (j < plen && (p[j] == '!' || p[j] == '^')) {
        negate = true;
        j++;
    }
    if (j < plen && p[j] == ']') {
        hit = c == ']';
        j++;
    }
    while (j < plen && p[j] != ']') {
        if (j + 2 < plen && p[j + 1] == '-' && p[j + 2] != ']') {
            if (c >= (unsigned char)p[j] && c <= (unsigned char)p[j + 2])
                hit = true;
            j += 3;
        } else {
            if (c == (unsigned char)p[j])
                hit = true;
            j++;
        }
    }
    if (j >= plen)
        return 0;
    *matched = hit != negate;
    return j + 1;
}

/* The token at offset i (< plen): its kind, literal byte and the offset after it. */
static enum glob_tok glob_token(const char *p, size_t plen, size_t i, unsigned char *lit,
                                size_t *next)
{
    bool unused;

    *lit = (unsigned char)p[i];
    if (p[i] == '*') {
        if (i + 1 < plen && p[i + 1] == '*') {
            if (i + 2 < plen && p[i + 2] == '/') {
                *next = i + 3;
                return GLOB_DSTAR_DIR;
            }
            *next = i + 2;
            return GLOB_DSTAR;
        }
        *next = i + 1;
        return GLOB_STAR;
    }
    if (p[i] == '?') {
        *next = i + 1;
        return GLOB_ANY;
    }
    if (p[i] == '[') {
        size_t end = glob_class(p, plen, i, 0, &unused);

        if (end) {
            *next = end;
            return GLOB_CLASS;
        }
        /* An unclosed '[' is a literal (callers reject such patterns with fbs_glob_check). */
    }
    if (p[i] == '\\' && i + 1 < plen) {
        *lit = (unsigned char)p[i + 1];
        *next = i + 2;
        return GLOB_LIT;
    }
    *next = i + 1;
    return GLOB_LIT;
}

static void glob_add(uint64_t *set, size_t i)
{
    set[i / 64] |= UINT64_C(1) << (i % 64);
}

static bool glob_has(const uint64_t *set, size_t i)
{
    return (set[i / 64] >> (i % 64)) & 1;
}

/* Add the positions reachable without consuming a character. Epsilon moves only go forward. */
static void glob_closure(struct glob_set *s, const char *p, size_t plen)
{
    for (size_t w = 0; w <= plen / 64; w++) {
        /* Re-read the word each round: a move may add a later bit of the same word. */
        for (uint64_t done = 0, live; (live = s->tok[w] & ~done) != 0;) {
            size_t i = w * 64 + (size_t)__builtin_ctzll(live);
            unsigned char lit;
            size_t next;
            enum glob_tok t;

            done |= live & -live;
            if (i >= plen)
                continue;
            t = glob_token(p, plen, i, &lit, &next);
            if (t == GLOB_STAR || t == GLOB_DSTAR || t == GLOB_DSTAR_DIR)
                glob_add(s->tok, next);
        }
    }
}

static bool glob_nfa(const char *p, size_t plen, const char *s)
{
    struct glob_set sets[2], *cur = &sets[0], *nxt = &sets[1], *tmp;
    size_t words = plen / 64 + 1;

    memset(cur, 0, sizeof(*cur));
    glob_add(cur->tok, 0);
    glob_closure(cur, p, plen);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        bool any = false;

        memset(nxt->tok, 0, words * sizeof(uint64_t));
        memset(nxt->body, 0, words * sizeof(uint64_t));
        for (size_t w = 0; w < words; w++) {
            uint64_t live = cur->tok[w] | cur->body[w];

            while (live) {
                size_t i = w * 64 + (size_t)__builtin_ctzll(live);
                unsigned char lit;
                size_t next;
                bool in;

                live &= live - 1;
                if (i >= plen)
                    continue;
                if (glob_has(cur->body, i)) {
                    /* Inside `**` + '/': any character stays, a '/' may end the directories. */
                    glob_token(p, plen, i, &lit, &next);
                    glob_add(nxt->body, i);
                    if (c == '/')
                        glob_add(nxt->tok, next);
                }
                if (!glob_has(cur->tok, i))
                    continue;
                switch (glob_token(p, plen, i, &lit, &next)) {
                case GLOB_LIT:
                    if (c == lit)
                        glob_add(nxt->tok, next);
                    break;
                case GLOB_ANY:
                    if (c != '/')
                        glob_add(nxt->tok, next);
                    break;
                case GLOB_CLASS:
                    in = false;
                    glob_class(p, plen, i, c, &in);
                    if (in && c != '/')
                        glob_add(nxt->tok, next);
                    break;
                case GLOB_STAR:
                    if (c != '/')
                        glob_add(nxt->tok, i);
                    break;
                case GLOB_DSTAR:
                    glob_add(nxt->tok, i);
                    break;
                case GLOB_DSTAR_DIR:
                    glob_add(nxt->body, i);
                    if (c == '/')
                        glob_add(nxt->tok, next);
                    break;
                }
            }
        }
        glob_closure(nxt, p, plen);
        for (size_t w = 0; w < words; w++)
            any = any || nxt->tok[w] || nxt->body[w];
        if (!any)
            return false;
        tmp = cur;
        cur = nxt;
        nxt = tmp;
    }
    return glob_has(cur->tok, plen);
}

bool fbs_glob_match(const char *pattern, const char *path, bool is_dir)
{
    size_t plen = strlen(pattern);

    if (!plen || plen > FBS_GLOB_MAX)
        return false;
    if (pattern[plen - 1] == '/') {
        if (!is_dir)
            return false;
        plen--;
    }
    if (pattern[0] == '/')
        return glob_nfa(pattern + 1, plen ? plen - 1 : 0, path);
    if (memchr(pattern, '/', plen))
        return glob_nfa(pattern, plen, path);
    {
        const char *slash = strrchr(path, '/');

        return glob_nfa(pattern, plen, slash ? slash + 1 : path);
    }
}

bool fbs_glob_check(const char *pattern, const char **why)
{
    size_t plen = strlen(pattern);

    *why = NULL;
    if (!plen)
        *why = "empty pattern";
    else if (plen > FBS_GLOB_MAX)
        *why = "pattern longer than 1024 bytes";
    for (size_t i = 0; !*why && i < plen;) {
        unsigned char lit;
        size_t next;

        if (pattern[i] == '[' && glob_token(pattern, plen, i, &lit, &next) == GLOB_LIT)
            *why = "unclosed '[' in pattern";
        else
            glob_token(pattern, plen, i, &lit, &next);
        i = next;
    }
    return !*why;
}

int fbs_parse_size(uint64_t *out, const char *s)
{
    char *end;
    unsigned long long v;
    uint64_t mult = 1;

    errno = 0;
    if (!isdigit((unsigned char)*s))
        goto bad;
    v = strtoull(s, &end, 10);
    if (errno)
        goto bad;
    if (*end) {
        char u = (char)toupper((unsigned char)*end);

        if (u == 'K')
            mult = 1024;
        else if (u == 'M')
            mult = 1024 * 1024;
        else if (u == 'G')
            mult = 1024ull * 1024 * 1024;
        else if (u != 'B')
            goto bad;
        if (u != 'B')
            end++;
        if (!strcasecmp(end, "ib") || !strcasecmp(end, "b") || !*end)
            ;
        else
            goto bad;
    }
    if (v > UINT64_MAX / mult)
        goto bad;
    *out = v * mult;
    return 0;
bad:
    return fbs_error_set(FBS_EINVAL, "invalid size '%s' (expected e.g. 25MiB, 512k, 1048576)", s);
}

/* How much of the start of a blob binary and encoding detection look at (git looks at 8000). */
#define SNIFF_LEN 8000

static bool has_prefix(const unsigned char *p, size_t len, const char *magic, size_t n)
{
    return len >= n && memcmp(p, magic, n) == 0;
}

/* A file signature of a format that is not text (executables, archives, images, databases). */
static bool binary_magic(const unsigned char *p, size_t len)
{
    static const struct {
        const char *m;
        size_t n;
    } sigs[] = {
        {"\x7f"
         "ELF",
         4},
        {"\xfe\xed\xfa\xce", 4},
        {"\xfe\xed\xfa\xcf", 4},
        {"\xce\xfa\xed\xfe", 4},
        {"\xcf\xfa\xed\xfe", 4},
        {"\xca\xfe\xba\xbe", 4}, /* Mach-O universal, Java class */
        {"PK\x03\x04", 4},
        {"PK\x05\x06", 4},
        {"PK\x07\x08", 4},
        {"\x1f\x8b", 2},
        {"\xfd"
         "7zXZ\0",
         6},
        {"\x28\xb5\x2f\xfd", 4},
        {"7z\xbc\xaf\x27\x1c", 6},
        {"\x89PNG\r\n\x1a\n", 8},
        {"\xff\xd8\xff", 3},
        {"GIF87a", 6},
        {"GIF89a", 6},
        {"SQLite format 3", 16}, /* with its NUL */
        {"%PDF-", 5},
        {"\0asm", 4},
    };
    size_t i;

    for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
        if (has_prefix(p, len, sigs[i].m, sigs[i].n))
            return true;
    if (has_prefix(p, len, "BZh", 3) && len >= 10 && p[3] >= '1' && p[3] <= '9' &&
        memcmp(p + 4, "1AY&SY", 6) == 0)
        return true;
    if (len >= 263 && memcmp(p + 257, "ustar", 5) == 0)
        return true;
    if (has_prefix(p, len, "MZ", 2) && len >= 0x40) { /* PE: "PE\0\0" where e_lfanew points */
        size_t pe =
            (size_t)p[0x3c] | (size_t)p[0x3d] << 8 | (size_t)p[0x3e] << 16 | (size_t)p[0x3f] << 24;

        if (pe <= len - 4 && memcmp(p + pe, "PE\0\0", 4) == 0)
            return true;
    }
    return false;
}

static size_t utf8_seq(const unsigned char *p, size_t len);

/* How much of the sample the byte statistics (control bytes, invalid UTF-8) look at: they are
 * proportions, as telling over 1 KB as over 8 KB, and this loop is on every file's path. */
#define STATS_LEN 1024

bool fbs_is_binary(const void *data, size_t len)
{
    const unsigned char *p = data, *q, *end;
    size_t n = len < SNIFF_LEN ? len : SNIFF_LEN, m = n < STATS_LEN ? n : STATS_LEN, i = 0;
    size_t nul = 0, ctl = 0, bad = 0, bom;

    if (binary_magic(p, len))
        return true;
    if (fbs_text_encoding(data, len, &bom) != FBS_ENC_BYTES)
        return false;
    for (q = p, end = p + n; (q = memchr(q, '\0', (size_t)(end - q))) != NULL; q++)
        nul++;
    if (nul >= 2 && nul * 256 > n)
        return true;
    while (i < m) {
        unsigned c = p[i];
        size_t k;

        if (c - 0x20u < 0x5fu || c == '\n') { /* printable ASCII: the common case, first */
            i++;
            continue;
        }
        if (c >= 0x80) { /* invalid UTF-8 (a sequence cut at the sample's end is not) */
            k = utf8_seq(p + i, len - i);
            if (!k) {
                bad++;
                k = 1;
            }
            i += k;
            continue;
        }
        if ((c < 0x20 && (c < '\b' || c > '\r') && c != 0x1b) || c == 0x7f)
            ctl++; /* NULs included */
        i++;
    }
    /* Random, compressed or encrypted bytes: ~10% control bytes and mostly invalid UTF-8. */
    return ctl * 10 > m || (ctl * 32 > m && bad * 4 > m);
}

const char *fbs_text_encoding_name(enum fbs_text_encoding e)
{
    static const char *const names[] = {"bytes", "utf16le", "utf16be", "utf32le", "utf32be"};

    return (unsigned)e <= FBS_ENC_UTF32BE ? names[e] : "?";
}

/* Whether a character code below 0x100 is what text is made of. */
static bool texty(unsigned c)
{
    return (c >= 0x20 && c != 0x7f) || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

/*
 * Whether `n` bytes read as `width`-byte units with the character's low byte at `lo` look like
 * text whose characters are mostly below U+0100: at least 70% of the units have all other bytes
 * zero, and 95% of those are text characters (not NUL nor other control bytes).
 */
static bool wide_pattern(const unsigned char *p, size_t n, unsigned width, unsigned lo)
{
    size_t units = n / width, narrow = 0, good = 0, i;
    unsigned k;

    if (units < 4)
        return false;
    for (i = 0; i < units; i++) {
        const unsigned char *u = p + i * width;
        bool zero = true;

        for (k = 0; k < width && zero; k++)
            if (k != lo && u[k])
                zero = false;
        if (!zero)
            continue;
        narrow++;
        good += texty(u[lo]);
    }
    return narrow * 10 >= units * 7 && good * 20 >= narrow * 19;
}

enum fbs_text_encoding fbs_text_encoding(const void *data, size_t len, size_t *bom)
{
    const unsigned char *p = data;
    size_t n = len < SNIFF_LEN ? len : SNIFF_LEN;

    *bom = 0;
    if (has_prefix(p, len, "\xff\xfe\0\0", 4)) {
        *bom = 4;
        return FBS_ENC_UTF32LE;
    }
    if (has_prefix(p, len, "\0\0\xfe\xff", 4)) {
        *bom = 4;
        return FBS_ENC_UTF32BE;
    }
    if (has_prefix(p, len, "\xff\xfe", 2)) {
        *bom = 2;
        return FBS_ENC_UTF16LE;
    }
    if (has_prefix(p, len, "\xfe\xff", 2)) {
        *bom = 2;
        return FBS_ENC_UTF16BE;
    }
    if (!memchr(p, '\0', n))
        return FBS_ENC_BYTES;
    if (wide_pattern(p, n, 4, 0))
        return FBS_ENC_UTF32LE;
    if (wide_pattern(p, n, 4, 3))
        return FBS_ENC_UTF32BE;
    if (wide_pattern(p, n, 2, 0))
        return FBS_ENC_UTF16LE;
    if (wide_pattern(p, n, 2, 1))
        return FBS_ENC_UTF16BE;
    return FBS_ENC_BYTES;
}

static int put_utf8(struct fbs_buf *out, uint32_t cp)
{
    char u[4];
    size_t n;

    if (cp < 0x80) {
        u[0] = (char)cp;
        n = 1;
    } else if (cp < 0x800) {
        u[0] = (char)(0xC0 | (cp >> 6));
        u[1] = (char)(0x80 | (cp & 0x3F));
        n = 2;
    } else if (cp < 0x10000) {
        u[0] = (char)(0xE0 | (cp >> 12));
        u[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        u[2] = (char)(0x80 | (cp & 0x3F));
        n = 3;
    } else {
        u[0] = (char)(0xF0 | (cp >> 18));
        u[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
        u[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
        u[3] = (char)(0x80 | (cp & 0x3F));
        n = 4;
    }
    return fbs_buf_put(out, u, n);
}

int fbs_text_decode(struct fbs_buf *out, const void *data, size_t len, enum fbs_text_encoding e)
{
    const unsigned char *p = data;
    bool le = e == FBS_ENC_UTF16LE || e == FBS_ENC_UTF32LE;
    unsigned width = e == FBS_ENC_UTF32LE || e == FBS_ENC_UTF32BE ? 4 : 2;
    size_t i = 0;

    if (e == FBS_ENC_BYTES)
        return fbs_buf_put(out, data, len);
    /* Mostly ASCII: the UTF-8 is about len / width bytes. */
    if (fbs_buf_grow(out, len / width + 16) < 0)
        return FBS_ENOMEM;
    while (i + width <= len) {
        uint32_t cp;

        if (width == 4) {
            cp = le ? (uint32_t)p[i] | (uint32_t)p[i + 1] << 8 | (uint32_t)p[i + 2] << 16 |
                          (uint32_t)p[i + 3] << 24
                    : (uint32_t)p[i + 3] | (uint32_t)p[i + 2] << 8 | (uint32_t)p[i + 1] << 16 |
                          (uint32_t)p[i] << 24;
            i += 4;
            if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
                cp = 0xFFFD;
        } else {
            cp = le ? (uint32_t)p[i] | (uint32_t)p[i + 1] << 8
                    : (uint32_t)p[i + 1] | (uint32_t)p[i] << 8;
            i += 2;
            if (cp >= 0xD800 && cp <= 0xDBFF && i + 2 <= len) {
                uint32_t lo = le ? (uint32_t)p[i] | (uint32_t)p[i + 1] << 8
                                 : (uint32_t)p[i + 1] | (uint32_t)p[i] << 8;

                if (lo >= 0xDC00 && lo <= 0xDFFF) {
                    cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                    i += 2;
                } else {
                    cp = 0xFFFD;
                }
            } else if (cp >= 0xD800 && cp <= 0xDFFF) {
                cp = 0xFFFD;
            }
        }
        if (put_utf8(out, cp) < 0)
            return FBS_ENOMEM;
    }
    if (i < len && put_utf8(out, 0xFFFD) < 0)
        return FBS_ENOMEM;
    return 0;
}

bool fbs_has_lone_cr(const void *data, size_t len)
{
    const unsigned char *p = data, *end = p + len, *cr;

    while ((cr = memchr(p, '\r', (size_t)(end - p))) != NULL) {
        if (cr + 1 == end || cr[1] != '\n')
            return true;
        p = cr + 2;
    }
    return false;
}

void fbs_lone_cr_to_lf(unsigned char *data, size_t len)
{
    unsigned char *p = data, *end = data + len, *cr;

    while ((cr = memchr(p, '\r', (size_t)(end - p))) != NULL) {
        if (cr + 1 == end || cr[1] != '\n')
            *cr = '\n';
        p = cr + 1;
    }
}

#define PRINTABLE(c) (((c) >= 0x20 && (c) < 0x7f) || (c) == '\t')

static int add_run(struct fbs_buf *out, struct fbs_text_run **runs, size_t *nruns, size_t *cap,
                   size_t origin, unsigned width)
{
    if (fbs_array_grow((void **)runs, cap, *nruns + 1, sizeof(**runs)) < 0)
        return FBS_ENOMEM;
    (*runs)[*nruns].start = out->len;
    (*runs)[*nruns].origin = origin;
    (*runs)[*nruns].width = width;
    (*nruns)++;
    return 0;
}

int fbs_text_strings(struct fbs_buf *out, struct fbs_text_run **runs, size_t *nruns, size_t *cap,
                     const void *data, size_t len, size_t min_len)
{
    const unsigned char *p = data;
    size_t i = 0;

    *nruns = 0;
    while (i < len) {
        size_t start;

        while (i < len && !((p[i] >= 0x20 && p[i] < 0x7f) || p[i] == '\t'))
            i++;
        start = i;
        while (i < len && ((p[i] >= 0x20 && p[i] < 0x7f) || p[i] == '\t'))
            i++;
        if (i - start < min_len || i == start)
            continue;
        if (add_run(out, runs, nruns, cap, start, 1) < 0 ||
            fbs_buf_put(out, p + start, i - start) < 0 || fbs_buf_putc(out, '\n') < 0)
            return FBS_ENOMEM;
    }
    /* UTF-16LE: printable characters each followed by a NUL, at either alignment. */
    for (i = 0; i + 1 < len;) {
        size_t start = i, n = 0, k;

        while (i + 1 < len && PRINTABLE(p[i]) && p[i + 1] == 0) {
            i += 2;
            n++;
        }
        if (n < min_len) {
            i = n ? i : i + 1;
            continue;
        }
        if (add_run(out, runs, nruns, cap, start, 2) < 0 || fbs_buf_grow(out, n + 1) < 0)
            return FBS_ENOMEM;
        for (k = 0; k < n; k++)
            out->ptr[out->len++] = (char)p[start + 2 * k];
        out->ptr[out->len] = '\0';
        if (fbs_buf_putc(out, '\n') < 0)
            return FBS_ENOMEM;
    }
    return 0;
}

/* Length of the valid UTF-8 sequence at p (1..4), or 0 when invalid. */
static size_t utf8_seq(const unsigned char *p, size_t len)
{
    unsigned c = p[0];
    size_t n, i;
    unsigned cp;

    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF)
        n = 2, cp = c & 0x1F;
    else if (c >= 0xE0 && c <= 0xEF)
        n = 3, cp = c & 0x0F;
    else if (c >= 0xF0 && c <= 0xF4)
        n = 4, cp = c & 0x07;
    else
        return 0;
    if (len < n)
        return 0;
    for (i = 1; i < n; i++) {
        if ((p[i] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (p[i] & 0x3F);
    }
    if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
        (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return n;
}

int fbs_utf8_sanitize(struct fbs_buf *out, const void *data, size_t len)
{
    const unsigned char *p = data;
    size_t i = 0, run = 0;

    while (i < len) {
        size_t n = utf8_seq(p + i, len - i);

        if (n && p[i] != 0) {
            i += n;
            continue;
        }
        if (fbs_buf_put(out, p + run, i - run) < 0 || fbs_buf_puts(out, "\xEF\xBF\xBD") < 0)
            return FBS_ENOMEM;
        i++;
        run = i;
    }
    return fbs_buf_put(out, p + run, len - run);
}

bool fbs_utf8_valid(const void *data, size_t len)
{
    const unsigned char *p = data;
    size_t i = 0;

    while (i < len) {
        size_t n = utf8_seq(p + i, len - i);

        if (!n)
            return false;
        i += n;
    }
    return true;
}

static int b64val(unsigned char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+' || c == '-')
        return 62;
    if (c == '/' || c == '_')
        return 63;
    return -1;
}

int fbs_base64_decode(unsigned char **out, size_t *outlen, const char *s, size_t n, size_t max)
{
    unsigned char *buf;
    size_t i, o = 0, chars = 0, pad = 0;
    uint32_t acc = 0;
    int bits = 0, rc = 0;

    *out = NULL;
    *outlen = 0;
    buf = fbs_malloc(n / 4 * 3 + 4);
    if (!buf)
        return fbs_error_set(FBS_ENOMEM, "out of memory");
    for (i = 0; i < n && rc == 0; i++) {
        unsigned char c = (unsigned char)s[i];
        int v = b64val(c);

        if (isspace(c))
            continue;
        if (c == '=') {
            pad++;
            continue;
        }
        if (v < 0 || pad)
            rc = fbs_error_set(FBS_EPARSE, "invalid base64 at byte %zu", i);
        else if (o >= max)
            rc = fbs_error_set(FBS_EPARSE, "base64 data over %zu bytes", max);
        if (rc)
            break;
        acc = (acc << 6) | (uint32_t)v;
        bits += 6;
        chars++;
        if (bits >= 8) {
            bits -= 8;
            buf[o++] = (unsigned char)(acc >> bits);
        }
    }
    if (rc == 0 && (chars % 4 == 1 || pad > 2))
        rc = fbs_error_set(FBS_EPARSE, "truncated base64");
    if (rc < 0) {
        fbs_wipe(buf, n / 4 * 3 + 4);
        fbs_free(buf);
        return rc;
    }
    buf[o] = '\0';
    *out = buf;
    *outlen = o;
    return 0;
}

/* The UTF-8 sequences that steer a terminal or reorder text although they print nothing: the C1
 * controls (U+0080..U+009F, which some terminals obey as CSI and friends) and the bidirectional
 * overrides and isolates (U+202A..U+202E, U+2066..U+2069). Their length at p, or 0. */
static size_t invisible_control(const unsigned char *p, size_t n)
{
    if (n >= 2 && p[0] == 0xC2 && p[1] >= 0x80 && p[1] <= 0x9F)
        return 2;
    if (n >= 3 && p[0] == 0xE2 && p[1] == 0x80 && p[2] >= 0xAA && p[2] <= 0xAE)
        return 3;
    if (n >= 3 && p[0] == 0xE2 && p[1] == 0x81 && p[2] >= 0xA6 && p[2] <= 0xA9)
        return 3;
    return 0;
}

int fbs_text_escape(struct fbs_buf *out, const char *s, size_t len, bool quote)
{
    struct fbs_buf clean = FBS_BUF_INIT;
    const unsigned char *p;
    bool needs = false;
    size_t i;
    int rc = fbs_utf8_sanitize(&clean, s, len);

    if (rc < 0)
        goto done;
    p = (const unsigned char *)clean.ptr;
    for (i = 0; i < clean.len && !needs; i++)
        needs = p[i] < 0x20 || p[i] == 0x7F || invisible_control(p + i, clean.len - i) ||
                (quote && (p[i] == '"' || p[i] == '\\'));
    if (!needs) {
        rc = fbs_buf_put(out, clean.ptr, clean.len);
        goto done;
    }
    if (quote)
        rc = fbs_buf_putc(out, '"');
    for (i = 0; i < clean.len && rc == 0;) {
        static const char named[] = "abtnvfr"; /* \a (7) ... \r (13) */
        size_t k = invisible_control(p + i, clean.len - i);
        unsigned char c = p[i];

        if (k) {
            for (; k && rc == 0; k--, i++)
                rc = fbs_buf_printf(out, "\\%03o", p[i]);
            continue;
        }
        if (c >= 7 && c <= 13)
            rc = fbs_buf_printf(out, "\\%c", named[c - 7]);
        else if (c < 0x20 || c == 0x7F)
            rc = fbs_buf_printf(out, "\\%03o", c);
        else if (quote && (c == '"' || c == '\\'))
            rc = fbs_buf_printf(out, "\\%c", c);
        else
            rc = fbs_buf_putc(out, (char)c);
        i++;
    }
    if (rc == 0 && quote)
        rc = fbs_buf_putc(out, '"');
done:
    fbs_buf_release(&clean);
    return rc < 0 ? FBS_ENOMEM : 0;
}
