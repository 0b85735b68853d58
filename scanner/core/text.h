/*
 * text.h - byte-string helpers shared by every stage: entropy, CRC-32, base62, case-insensitive
 * search, glob matching, sizes, binary detection and UTF-8 repair. Pure functions, libc only,
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

/* True when the bytes look binary: a NUL among the first 8000 bytes (git's rule). */
bool fbs_is_binary(const void *data, size_t len);

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
