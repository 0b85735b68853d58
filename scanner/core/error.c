/* error.c - thread-local error messages; see error.h. */
#include "error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "banned.h"

#define FBS_ERROR_MAX 1024

static _Thread_local char error_msg[FBS_ERROR_MAX];
static _Thread_local int error_last;

int fbs_error_set(int code, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(error_msg, sizeof(error_msg), fmt, ap);
    va_end(ap);
    error_last = code;
    return code;
}

int fbs_error_prefix(int code, const char *fmt, ...)
{
    char prefix[FBS_ERROR_MAX];
    char old[FBS_ERROR_MAX];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(prefix, sizeof(prefix), fmt, ap);
    va_end(ap);
    memcpy(old, error_msg, sizeof(old));
    {
        /* prefix + ": " + old, truncated to the buffer. */
        size_t n = strlen(prefix), m = strlen(old), cap = sizeof(error_msg) - 1, k;

        k = n < cap ? n : cap;
        memcpy(error_msg, prefix, k);
        if (m && k + 2 < cap) {
            memcpy(error_msg + k, ": ", 2);
            k += 2;
            memcpy(error_msg + k, old, m < cap - k ? m : cap - k);
            k += m < cap - k ? m : cap - k;
        }
        error_msg[k] = '\0';
    }
    error_last = code;
    return code;
}

const char *fbs_error_message(void)
{
    return error_msg;
}

int fbs_error_code(void)
{
    return error_last;
}

void fbs_error_clear(void)
{
    error_msg[0] = '\0';
    error_last = 0;
}

const char *fbs_error_name(int code)
{
    switch (code) {
    case FBS_OK:
        return "success";
    case FBS_ENOMEM:
        return "out of memory";
    case FBS_EIO:
        return "i/o error";
    case FBS_EPARSE:
        return "parse error";
    case FBS_EINVAL:
        return "invalid argument";
    case FBS_ENOTFOUND:
        return "not found";
    case FBS_ERULE:
        return "invalid rule";
    case FBS_EUNSUPPORTED:
        return "unsupported";
    default:
        return "internal error";
    }
}
