/* test_time.c - core/time.c: civil dates, ISO-8601 formatting and parsing, day differences. */
#include "support/test_support.h"

#include "scanner/core/error.h"
#include "scanner/core/time.h"

#include <string.h>

#include "scanner/core/banned.h"

static void test_time__days_from_civil(void **state)
{
    (void)state;
    assert_int_equal(fbs_days_from_civil(1970, 1, 1), 0);
    assert_int_equal(fbs_days_from_civil(1969, 12, 31), -1);
    assert_int_equal(fbs_days_from_civil(1970, 1, 2), 1);
    /* 2000 is a leap year (divisible by 400). */
    assert_int_equal(fbs_days_from_civil(2000, 2, 29), 11016);
    assert_int_equal(fbs_days_from_civil(2000, 3, 1), 11017);
    /* 2100 is not (divisible by 100, not by 400): Feb 28 is followed by Mar 1. */
    assert_int_equal(fbs_days_from_civil(2100, 2, 28), 47540);
    assert_int_equal(fbs_days_from_civil(2100, 3, 1), 47541);
    assert_int_equal(fbs_days_from_civil(2024, 2, 29), 19782);
    assert_int_equal(fbs_days_from_civil(9999, 12, 31), 2932896);
    assert_int_equal(fbs_days_from_civil(1, 1, 1), -719162);
    /* Year 0 (1 BC) is a leap year in the proleptic calendar; negative years work. */
    assert_int_equal(fbs_days_from_civil(0, 12, 31), -719163);
    assert_int_equal(fbs_days_from_civil(0, 3, 1) - fbs_days_from_civil(0, 2, 28), 2);
    assert_int_equal(fbs_days_from_civil(0, 1, 1), -719528);
    assert_int_equal(fbs_days_from_civil(-1, 1, 1), -719893);
    assert_int_equal(fbs_days_from_civil(-1, 3, 1) - fbs_days_from_civil(-1, 2, 28), 1);
    assert_int_equal(fbs_days_from_civil(-4, 3, 1) - fbs_days_from_civil(-4, 2, 28), 2);
}

static void test_time__format(void **state)
{
    char out[FBS_TIME_ISO_LEN];

    (void)state;
    fbs_time_format(out, 0);
    assert_string_equal(out, "1970-01-01T00:00:00Z");
    fbs_time_format(out, 1705314030);
    assert_string_equal(out, "2024-01-15T10:20:30Z");
    fbs_time_format(out, 951782400);
    assert_string_equal(out, "2000-02-29T00:00:00Z");
    /* Before the epoch: floor to the previous day, positive time of day. */
    fbs_time_format(out, -1);
    assert_string_equal(out, "1969-12-31T23:59:59Z");
    fbs_time_format(out, -FBS_DAY);
    assert_string_equal(out, "1969-12-31T00:00:00Z");
    fbs_time_format(out, -FBS_DAY - 1);
    assert_string_equal(out, "1969-12-30T23:59:59Z");
    fbs_time_format(out, fbs_days_from_civil(9999, 12, 31) * FBS_DAY + FBS_DAY - 1);
    assert_string_equal(out, "9999-12-31T23:59:59Z");
    /* Outside 0..9999: clamped, still the fixed width. */
    fbs_time_format(out, fbs_days_from_civil(10000, 1, 1) * FBS_DAY);
    assert_string_equal(out, "9999-12-31T23:59:59Z");
    fbs_time_format(out, fbs_days_from_civil(-1, 6, 1) * FBS_DAY);
    assert_string_equal(out, "0000-01-01T00:00:00Z");
    assert_int_equal(strlen(out), FBS_TIME_ISO_LEN - 1);
}

struct parse_case {
    const char *in;
    fbs_time_t want;
};

static void test_time__parse_valid(void **state)
{
    static const struct parse_case cases[] = {
        {"1970-01-01", 0},
        {"2024-01-15", 1705276800},
        {"2000-02-29", 951782400},
        {"2024-02-29", 19782 * (fbs_time_t)FBS_DAY},
        {"2024-01-15T10:20:30Z", 1705314030},
        {"2024-01-15t10:20:30z", 1705314030},
        {"2024-01-15 10:20:30", 1705314030},
        {"2024-01-15T10:20:30", 1705314030}, /* no offset means UTC */
        {"2024-01-15T10:20", 1705314000},
        {"2024-01-15T10:20Z", 1705314000},
        {"2024-01-15T10:20:30.123Z", 1705314030},
        {"2024-01-15T10:20:30,5Z", 1705314030},
        {"2024-01-15T10:20:30.999999999", 1705314030},
        {"2024-01-15T12:20:30+02:00", 1705314030},
        {"2024-01-15T12:20:30+0200", 1705314030},
        {"2024-01-15T04:50:30-0530", 1705314030},
        {"2024-01-15T04:50:30-05:30", 1705314030},
        {"2024-01-15T10:20:30.5+00:00", 1705314030},
        {"2024-01-01T01:00:00+02:00", 1704063600}, /* crosses back into the previous year */
        {"@0", 0},
        {"@1705314030", 1705314030},
        {"@-86400", -86400},
        {"1969-12-31T23:59:59Z", -1},
        {"0000-01-01", -719528 * (fbs_time_t)FBS_DAY},
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        fbs_time_t t = 12345;
        int rc = fbs_time_parse(&t, cases[i].in);

        if (rc != 0 || t != cases[i].want)
            fail_msg("'%s': rc %d, got %lld, want %lld (%s)", cases[i].in, rc, (long long)t,
                     (long long)cases[i].want, fbs_error_message());
    }
}

static void test_time__parse_invalid(void **state)
{
    static const char *const bad[] = {
        "",
        "garbage",
        "2024",
        "2024-01",
        "2024-1-15",
        "2024-01-5",
        "24-01-15",
        "2024/01/15",
        "2024-13-01",               /* month 13 */
        "2024-00-10",               /* month 0 */
        "2024-01-00",               /* day 0 */
        "2024-01-32",               /* day 32 */
        "2024-02-30",               /* Feb 30 */
        "2023-02-29",               /* not a leap year */
        "2100-02-29",               /* not a leap year either */
        "2024-04-31",               /* April has 30 days */
        "2024-01-15x",              /* trailing text */
        "2024-01-15 ",              /* trailing space */
        "2024-01-15T",              /* T without a time */
        "2024-01-15T10",            /* hour only */
        "2024-01-15T1:20",          /* one-digit hour */
        "2024-01-15T24:00:00Z",     /* hour 24 */
        "2024-01-15T10:60:00Z",     /* minute 60 */
        "2024-01-15T10:20:61Z",     /* second 61 */
        "2024-01-15T10:20:3Z",      /* one-digit second */
        "2024-01-15T10:20:30.Z",    /* no fraction digits */
        "2024-01-15T10:20:30Zjunk", /* trailing text after Z */
        "2024-01-15T10:20:30+2",    /* one-digit offset */
        "2024-01-15T10:20:30+02:0", /* one-digit offset minutes */
        "2024-01-15T10:20:30+02:00:00",
        "2024-01-15T10:20:30 UTC",
        "2024-01-15Z", /* an offset needs a time */
        "@",
        "@12x",
        "@1.5",
        "2024-01-15T10:20:30\n",
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        fbs_time_t t = 777;
        int rc = fbs_time_parse(&t, bad[i]);

        if (rc != FBS_EINVAL)
            fail_msg("'%s' was accepted (rc %d, t %lld)", bad[i], rc, (long long)t);
        /* The message names the input. */
        assert_non_null(strstr(fbs_error_message(), "invalid time"));
    }
    assert_int_equal(fbs_time_parse(&(fbs_time_t){0}, "2024-13-01"), FBS_EINVAL);
    assert_non_null(strstr(fbs_error_message(), "'2024-13-01'"));
}

static void test_time__parse_bad_offset(void **state)
{
    static const char *const bad[] = {
        "2024-01-15T10:20:30+24:00", /* offsets are at most 23:59 */
        "2024-01-15T10:20:30+99:00", "2024-01-15T10:20:30+02:60",
        "2024-01-15T10:20:30-0099",  "2024-01-15T10:20:30+02:", /* dangling colon */
    };
    size_t i;

    (void)state;
    /*
     * Was a bug (fixed): fbs_time_parse() does not range-check the UTC offset: "+99:00", "+24:00", "+02:60" and
     * "-0099" are accepted (shifting the time by up to ~4 days), and "+02:" with a dangling colon
     * too. Expected FBS_EINVAL for offset hours > 23 or minutes > 59 and for a ':' not followed by
     * two digits; actual 0.
     */
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        fbs_time_t t = 0;

        if (fbs_time_parse(&t, bad[i]) != FBS_EINVAL)
            fail_msg("'%s' was accepted (t %lld)", bad[i], (long long)t);
    }
}

static void test_time__parse_bad_epoch(void **state)
{
    static const char *const bad[] = {
        "@ 5",                   /* whitespace: strtoll skips it */
        "@99999999999999999999", /* overflows int64: strtoll clamps to LLONG_MAX */
        "@-99999999999999999999",
    };
    size_t i;

    (void)state;
    /*
     * Was a bug (fixed): '@<epoch seconds>' goes through strtoll() without checking errno or leading
     * whitespace: "@99999999999999999999" is accepted as INT64_MAX (prints as
     * 9999-12-31T23:59:59Z), "@ 5" as 5. Expected FBS_EINVAL; actual 0.
     */
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        fbs_time_t t = 0;

        if (fbs_time_parse(&t, bad[i]) != FBS_EINVAL)
            fail_msg("'%s' was accepted (t %lld)", bad[i], (long long)t);
    }
}

static void test_time__roundtrip(void **state)
{
    static const fbs_time_t times[] = {0,          1,          59, 86399,  951782400,
                                       1705314030, 4102444800, -1, -86401, -2208988800};
    char out[FBS_TIME_ISO_LEN];
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(times) / sizeof(times[0]); i++) {
        fbs_time_t back = 0;

        fbs_time_format(out, times[i]);
        assert_int_equal(fbs_time_parse(&back, out), 0);
        assert_int_equal(back, times[i]);
    }
}

static void test_time__days_between(void **state)
{
    (void)state;
    assert_int_equal(fbs_time_days_between(0, 0), 0);
    assert_int_equal(fbs_time_days_between(0, FBS_DAY - 1), 0);
    assert_int_equal(fbs_time_days_between(0, FBS_DAY), 1);
    assert_int_equal(fbs_time_days_between(100, 100 + 3 * FBS_DAY + 5), 3);
    /* Floor, not truncation, when `to` is earlier. */
    assert_int_equal(fbs_time_days_between(0, -1), -1);
    assert_int_equal(fbs_time_days_between(0, -FBS_DAY), -1);
    assert_int_equal(fbs_time_days_between(0, -FBS_DAY - 1), -2);
    assert_int_equal(fbs_time_days_between(10 * FBS_DAY, 0), -10);
    assert_int_equal(fbs_time_days_between(10 * FBS_DAY, 1), -10);
    assert_int_equal(fbs_time_days_between(-5, 5), 0);
}

static void test_time__now_is_plausible(void **state)
{
    fbs_time_t now = fbs_time_now();

    (void)state;
    assert_true(now > 1577836800); /* after 2020-01-01 */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_time__days_from_civil),  cmocka_unit_test(test_time__format),
        cmocka_unit_test(test_time__parse_valid),      cmocka_unit_test(test_time__parse_invalid),
        cmocka_unit_test(test_time__parse_bad_offset), cmocka_unit_test(test_time__parse_bad_epoch),
        cmocka_unit_test(test_time__roundtrip),        cmocka_unit_test(test_time__days_between),
        cmocka_unit_test(test_time__now_is_plausible),
    };

    fbs_test_use_cmocka_alloc();
    return cmocka_run_group_tests(tests, NULL, NULL);
}
