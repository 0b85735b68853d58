/* time.c - UTC date arithmetic and ISO-8601; see time.h. */
#include "time.h"
#include "error.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "banned.h"

/*
 * The civil calendar repeats every 400 years (146097 days). Counting years from March makes the
 * leap day the last day of the year, so the day-of-year of a month start is a linear formula.
 */
int64_t fbs_days_from_civil(int64_t y, unsigned m, unsigned d)
{
    int64_t era, yoe, doy, doe;

    y -= m <= 2;
    era = (y >= 0 ? y : y - 399) / 400;
    yoe = y - era * 400;
    doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
    int64_t era, doe, yoe, doy, mp;

    z += 719468;
    era = (z >= 0 ? z : z - 146096) / 146097;
    doe = z - era * 146097;
    yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    mp = (5 * doy + 2) / 153;
    *d = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
    *m = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

void fbs_time_format(char out[FBS_TIME_ISO_LEN], fbs_time_t t)
{
    int64_t days = t / FBS_DAY, secs = t % FBS_DAY, y;
    unsigned m, d;

    if (secs < 0) {
        secs += FBS_DAY;
        days--;
    }
    civil_from_days(days, &y, &m, &d);
    if (y < 0 || y > 9999) {
        snprintf(out, FBS_TIME_ISO_LEN, "%s",
                 y < 0 ? "0000-01-01T00:00:00Z" : "9999-12-31T23:59:59Z");
        return;
    }
    snprintf(out, FBS_TIME_ISO_LEN, "%04d-%02u-%02uT%02d:%02d:%02dZ", (int)y, m, d,
             (int)(secs / 3600), (int)(secs / 60 % 60), (int)(secs % 60));
}

static int digits(const char *s, int n, int *out)
{
    int v = 0, i;

    for (i = 0; i < n; i++) {
        if (!isdigit((unsigned char)s[i]))
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return 0;
}

static int days_in_month(int y, int m)
{
    static const int dim[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

    return m == 2 ? 28 + leap : dim[m - 1];
}

int fbs_time_parse(fbs_time_t *out, const char *s)
{
    int y, mo, d, h = 0, mi = 0, sec = 0, oh = 0, om = 0, sign = 0;
    const char *p = s;

    if (*p == '@') {
        char *end;
        long long v;

        if (!isdigit((unsigned char)p[1]) && !(p[1] == '-' && isdigit((unsigned char)p[2])))
            return fbs_error_set(FBS_EINVAL, "invalid time '%s'", s);
        errno = 0;
        v = strtoll(p + 1, &end, 10);
        if (end == p + 1 || *end || errno)
            return fbs_error_set(FBS_EINVAL, "invalid time '%s'", s);
        *out = v;
        return 0;
    }
    if (digits(p, 4, &y) < 0 || p[4] != '-' || digits(p + 5, 2, &mo) < 0 || p[7] != '-' ||
        digits(p + 8, 2, &d) < 0)
        goto bad;
    p += 10;
    if (mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo))
        goto bad;
    if (*p == 'T' || *p == 't' || *p == ' ') {
        p++;
        if (digits(p, 2, &h) < 0 || p[2] != ':' || digits(p + 3, 2, &mi) < 0)
            goto bad;
        p += 5;
        if (*p == ':') {
            if (digits(p + 1, 2, &sec) < 0)
                goto bad;
            p += 3;
            if (*p == '.' || *p == ',') {
                p++;
                if (!isdigit((unsigned char)*p))
                    goto bad;
                while (isdigit((unsigned char)*p))
                    p++;
            }
        }
        if (h > 23 || mi > 59 || sec > 60)
            goto bad;
        if (*p == 'Z' || *p == 'z') {
            p++;
        } else if (*p == '+' || *p == '-') {
            sign = *p == '-' ? -1 : 1;
            p++;
            if (digits(p, 2, &oh) < 0)
                goto bad;
            p += 2;
            if (*p == ':') {
                p++;
                if (digits(p, 2, &om) < 0)
                    goto bad;
                p += 2;
            } else if (*p) {
                if (digits(p, 2, &om) < 0)
                    goto bad;
                p += 2;
            }
            if (oh > 23 || om > 59)
                goto bad;
        }
    }
    if (*p)
        goto bad;
    *out = fbs_days_from_civil(y, (unsigned)mo, (unsigned)d) * FBS_DAY + h * 3600 + mi * 60 + sec -
           sign * (oh * 3600 + om * 60);
    return 0;
bad:
    return fbs_error_set(FBS_EINVAL,
                         "invalid time '%s' (expected YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ)", s);
}

fbs_time_t fbs_time_now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (fbs_time_t)ts.tv_sec;
}

int64_t fbs_time_days_between(fbs_time_t from, fbs_time_t to)
{
    int64_t diff = to - from;

    return diff >= 0 ? diff / FBS_DAY : -((-diff + FBS_DAY - 1) / FBS_DAY);
}
