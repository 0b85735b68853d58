/*
 * error.h - error codes and the thread-local error message.
 *
 * A fallible function returns int: 0 on success or a negative FBS_E* code. At the point of
 * failure it records a message with fbs_error_set(), which returns the code so that
 *
 *     return fbs_error_set(FBS_EPARSE, "line %d: unknown key '%s'", line, key);
 *
 * reads like git's `return error(...)`. The message lives in thread-local storage until the next
 * fbs_error_set() on the same thread. The engine never prints; cli/ turns codes and messages
 * into output and exit statuses.
 */
#ifndef FBS_ERROR_H
#define FBS_ERROR_H

enum fbs_error_code {
    FBS_OK = 0,
    FBS_ENOMEM = -1,       /* out of memory */
    FBS_EIO = -2,          /* a read or write failed */
    FBS_EPARSE = -3,       /* malformed input (rules, policy, a credential) */
    FBS_EINVAL = -4,       /* an invalid argument or option value */
    FBS_ENOTFOUND = -5,    /* a named thing does not exist */
    FBS_ERULE = -6,        /* a rule is invalid (pattern does not compile, bad example) */
    FBS_EUNSUPPORTED = -7, /* the input is of a kind we do not handle */
    FBS_EINTERNAL = -8,    /* a library we call failed in a way that is not the input's fault */
};

/*
 * Record a printf-style message for `code` on this thread and return `code`. The message is
 * truncated to 1023 bytes.
 */
int fbs_error_set(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Prefix the current message with "<prefix>: " (keeps the code); returns `code`. */
int fbs_error_prefix(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The last message set on this thread, or "" when none. Borrowed; valid until the next set. */
const char *fbs_error_message(void);

/* The code recorded with the last message on this thread (0 when none). */
int fbs_error_code(void);

/* Forget the last message. */
void fbs_error_clear(void);

/* A short English name for a code ("out of memory", "parse error", ...). Static storage. */
const char *fbs_error_name(int code);

#endif
