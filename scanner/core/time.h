/*
 * time.h - UTC timestamps without the C library's global-state time functions.
 *
 * Times are int64 seconds since 1970-01-01T00:00:00Z (fbs_time_t). Every date the tool prints is
 * ISO-8601 UTC, "YYYY-MM-DDTHH:MM:SSZ". Conversions use the proleptic Gregorian calendar for
 * years 0..9999.
 */
#ifndef FBS_TIME_H
#define FBS_TIME_H

#include <stdint.h>

typedef int64_t fbs_time_t;

#define FBS_TIME_ISO_LEN 21 /* "YYYY-MM-DDTHH:MM:SSZ" + NUL */
#define FBS_DAY          86400

/* Days since the epoch of the civil date y-m-d (m 1..12, d 1..31). */
int64_t fbs_days_from_civil(int64_t y, unsigned m, unsigned d);

/* Write `t` as "YYYY-MM-DDTHH:MM:SSZ" into out (FBS_TIME_ISO_LEN bytes). */
void fbs_time_format(char out[FBS_TIME_ISO_LEN], fbs_time_t t);

/*
 * Parse an ISO-8601 date or date-time into *out: "YYYY-MM-DD", "YYYY-MM-DDTHH:MM[:SS[.fff]]"
 * with an optional "Z" or "+HH:MM"/"-HHMM" offset (none means UTC), a space instead of "T", or
 * "@<epoch seconds>". Returns 0, or FBS_EINVAL with a message.
 */
int fbs_time_parse(fbs_time_t *out, const char *s);

/* The current time from the system clock. */
fbs_time_t fbs_time_now(void);

/* Whole days from `from` to `to` (floor; negative when `to` is earlier). */
int64_t fbs_time_days_between(fbs_time_t from, fbs_time_t to);

#endif
