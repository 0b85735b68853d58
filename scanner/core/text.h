/*
 * text.h - byte-string helpers shared by every stage: entropy, CRC-32, base62, case-insensitive
 * search, glob matching, sizes, binary and wide-text detection, transcoding to UTF-8, printable
 * runs of binary data and UTF-8 repair. Pure functions, libc only,
 * safe on any bytes (no NUL termination assumed where a length is given).
 */
#ifndef FBS_TEXT_H
#define FBS_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

/* Shannon entropy of the bytes, in bits per byte (0 for an empty string). */
double fbs_entropy(const void *data, size_t len);

/* CRC-32 (IEEE 802.3 / zlib polynomial) of the bytes. */
uint32_t fbs_crc32(const void *data, size_t len);

/*
 * Decode `len` base62 digits with `alphabet` (62 characters) into *out; 0, or -1 on a digit
 * outside the alphabet or overflow of 64 bits.
 */
int fbs_base62_decode(uint64_t *out, const char *s, size_t len, const char *alphabet);

/* First case-insensitive (ASCII) occurrence of needle in hay, or NULL. */
const char *fbs_memcasemem(const char *hay, size_t hlen, const char *needle, size_t nlen);

/*
 * Match `path` (slash-separated, relative) against a gitignore-style glob:
 * `*` and `?` do not cross '/', `[...]` classes, `**` spans directories; a pattern without a
 * '/' (other than a trailing one) matches the last component at any depth; a leading '/' anchors
 * at the root. A trailing '/' matches directories only (`is_dir`).
 */
bool fbs_glob_match(const char *pattern, const char *path, bool is_dir);

/* Longest glob pattern accepted, in bytes; fbs_glob_match() is false for a longer one. */
#define FBS_GLOB_MAX 1024

/*
 * Whether `pattern` is a well-formed glob: not empty, at most FBS_GLOB_MAX bytes, every '['
 * closed. On false *why is a static message for the user ("unclosed '[' in pattern").
 * fbs_glob_match() takes O(len(path) x len(pattern)) time on any pattern.
 */
bool fbs_glob_check(const char *pattern, const char **why);

/* Parse "25MiB", "10M", "512k", "1GB", "4096" into bytes; 0 or FBS_EINVAL. */
int fbs_parse_size(uint64_t *out, const char *s);

/*
 * True when the bytes look binary. Looked at: a known file signature (ELF, PE, Mach-O, Java
 * class, zip/jar, gzip, bzip2, xz, zstd, 7z, PNG, JPEG, GIF, SQLite, PDF, WebAssembly, tar) is
 * binary; UTF-16 or UTF-32 text (fbs_text_encoding) is not; otherwise more than one NUL in every
 * 256 of the first 8000 bytes (at least two), or, in the first 1024 bytes, control bytes (NUL and
 * C0 other than BS, TAB, LF, VT, FF, CR, ESC; DEL) making up more than a tenth of them, or more
 * than 1/32 of them with over a quarter of the bytes invalid UTF-8 (random or compressed data).
 * A text file with a stray NUL is text.
 */
bool fbs_is_binary(const void *data, size_t len);

enum fbs_text_encoding {
    FBS_ENC_BYTES = 0, /* UTF-8, ASCII or another byte encoding: scanned as it is */
    FBS_ENC_UTF16LE,
    FBS_ENC_UTF16BE,
    FBS_ENC_UTF32LE,
    FBS_ENC_UTF32BE,
};

/* "utf16le", ... ("bytes" for FBS_ENC_BYTES). */
const char *fbs_text_encoding_name(enum fbs_text_encoding e);

/*
 * The wide encoding of text: by its byte order mark (then *bom is its length), else by the
 * pattern of NUL bytes in the first 8000 bytes (ASCII-range text in UTF-16LE has a NUL in every
 * odd byte, in UTF-32LE three in every four ...; *bom is 0). FBS_ENC_BYTES for anything else.
 */
enum fbs_text_encoding fbs_text_encoding(const void *data, size_t len, size_t *bom);

/*
 * Append the wide text `data` (after its BOM) to `out` as UTF-8. Invalid code units (unpaired
 * surrogates, values over U+10FFFF, a trailing odd byte) become U+FFFD; NUL stays NUL. 0 or
 * FBS_ENOMEM.
 */
int fbs_text_decode(struct fbs_buf *out, const void *data, size_t len, enum fbs_text_encoding e);

/* Whether the bytes hold a CR that is not followed by LF (old Mac line endings). */
bool fbs_has_lone_cr(const void *data, size_t len);

/* Turn each CR not followed by LF into LF, in place: lines then end in LF or CR LF only. */
void fbs_lone_cr_to_lf(unsigned char *data, size_t len);

/* A printable run of binary data: where it starts in the strings view and in the data. */
struct fbs_text_run {
    size_t start, origin;
    unsigned width; /* bytes per character in the data: 1 (ASCII), 2 (UTF-16LE) */
};

/*
 * The printable runs of binary bytes, as strings(1) finds them (`strings` then `strings -el`):
 * maximal runs of at least `min_len` characters that are printable ASCII or TAB, first as bytes,
 * then as UTF-16LE code units (string literals of .NET assemblies, Windows resources), each
 * appended to `out` as ASCII followed by '\n'. (*runs)[0 .. *nruns) says where each landed, in
 * increasing `start` (the array is grown with fbs_array_grow, capacity in *cap; *nruns is reset
 * first). Returns 0 or FBS_ENOMEM.
 */
int fbs_text_strings(struct fbs_buf *out, struct fbs_text_run **runs, size_t *nruns, size_t *cap,
                     const void *data, size_t len, size_t min_len);

/* Append `len` bytes to `out` as valid UTF-8, replacing each invalid sequence with U+FFFD. */
int fbs_utf8_sanitize(struct fbs_buf *out, const void *data, size_t len);

/*
 * Append `len` bytes to `out` for a terminal or a text report, so that a hostile name cannot
 * forge lines or drive the terminal (git's core.quotePath style): invalid UTF-8 becomes U+FFFD,
 * control characters become C escapes (\n, \t, \033 ...), and so do the C1 controls and the
 * bidirectional overrides (their UTF-8 bytes in octal). With `quote`, a string that needs any
 * escape is wrapped in double quotes with '"' and '\' escaped too, as git prints such paths;
 * a plain string is appended as it is. 0 or FBS_ENOMEM.
 */
int fbs_text_escape(struct fbs_buf *out, const char *s, size_t len, bool quote);

/* Whether the bytes are valid UTF-8. */
bool fbs_utf8_valid(const void *data, size_t len);

/*
 * Decode base64 into a new NUL-terminated buffer (fbs_free; callers holding key material wipe
 * it). Both alphabets are accepted (standard "+/" and URL-safe "-_"), whitespace is skipped and
 * padding is optional. More than `max` decoded bytes, an invalid character or an impossible
 * length is FBS_EPARSE with a message; FBS_ENOMEM.
 */
int fbs_base64_decode(unsigned char **out, size_t *outlen, const char *s, size_t n, size_t max);

#endif
