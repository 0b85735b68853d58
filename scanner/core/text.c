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

/* Match a bracket class at *pp against c; advances *pp past ']'. -1 on a malformed class. */
static int glob_class(const char **pp, char c)
{
    const char *p = *pp + 1;
    int negate = 0, matched = 0;

    if (*p == '!' || *p == '^') {
        negate = 1;
        p++;
    }
    if (*p == ']') {
        matched = c == ']';
        p++;
    }
    while (*p && *p != ']') {
        if (p[1] == '-' && p[2] && p[2] != ']') {
            if (c >= p[0] && c <= p[2])
                matched = 1;
            p += 3;
        } else {
            if (c == *p)
                matched = 1;
            p++;
        }
    }
    if (*p != ']')
        return -1;
    *pp = p + 1;
    return matched != negate;
}

/* Match pattern p (up to pend) against string s (NUL-terminated). */
static bool glob_rec(const char *p, const char *pend, const char *s)
{
    while (p < pend) {
        if (p[0] == '*' && p + 1 < pend && p[1] == '*') {
            const char *rest = p + 2;

            /* "**" followed by "/" matches zero or more whole directories. */
            if (rest < pend && *rest == '/') {
                rest++;
                if (glob_rec(rest, pend, s))
                    return true;
                for (; *s; s++)
                    if (*s == '/' && glob_rec(rest, pend, s + 1))
                        return true;
                return false;
            }
            for (;; s++) {
                if (glob_rec(rest, pend, s))
                    return true;
                if (!*s)
                    return false;
            }
        }
        if (*p == '*') {
            p++;
            for (;; s++) {
                if (glob_rec(p, pend, s))
                    return true;
                if (!*s || *s == '/')
                    return false;
            }
        }
        if (!*s)
            return false;
        if (*p == '?') {
            if (*s == '/')
                return false;
        } else if (*p == '[') {
            const char *q = p;
            int m = glob_class(&q, *s);

            if (m < 0) {
                if (*s != '[')
                    return false;
            } else {
                if (!m || *s == '/')
                    return false;
                p = q;
                s++;
                continue;
            }
        } else if (*p == '\\' && p + 1 < pend) {
            p++;
            if (*p != *s)
                return false;
        } else if (*p != *s) {
            return false;
        }
        p++;
        s++;
    }
    return *s == '\0';
}

bool fbs_glob_match(const char *pattern, const char *path, bool is_dir)
{
    size_t plen = strlen(pattern);
    const char *pend, *slash;
    bool anchored;

    if (!plen)
        return false;
    if (pattern[plen - 1] == '/') {
        if (!is_dir)
            return false;
        plen--;
    }
    pend = pattern + plen;
    anchored = memchr(pattern, '/', plen) != NULL;
    if (pattern[0] == '/') {
        pattern++;
        return glob_rec(pattern, pend, path);
    }
    if (anchored)
        return glob_rec(pattern, pend, path);
    slash = strrchr(path, '/');
    return glob_rec(pattern, pend, slash ? slash + 1 : path);
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
