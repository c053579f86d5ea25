/* Licensed under the Apache License, Version 2.0; see LICENSE. */

#include <string.h>

#include "test_common.h"
#include "todo_time.h"

/* Parse @a s, failing the test unless it succeeds; return the time. */
static apr_time_t parse_ok(const char *s)
{
    apr_time_t t = -42;

    if (APR_SUCCESS != todo_time_parse(s, &t)) {
        fail_msg("todo_time_parse refused \"%s\"", s);
    }
    return t;
}

static void test_format(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    char buf[TODO_TIME_LEN];

    assert_string_equal("1970-01-01T00:00:00.000000Z", todo_time_format(p, 0));
    assert_string_equal("2016-10-09T02:35:45.000000Z",
                        todo_time_format(p, TS_NOW));
    assert_string_equal("2016-10-09T02:35:45.123456Z",
                        todo_time_format(p, TS_NOW + 123456));
    assert_string_equal(
        "9999-12-31T23:59:59.999999Z",
        todo_time_format(p, apr_time_from_sec(253402300799LL) + 999999));
    todo_time_format_buf(buf, TS_NOW + 1);
    assert_string_equal("2016-10-09T02:35:45.000001Z", buf);
    assert_int_equal(TODO_TIME_LEN - 1, strlen(buf));
}

static void test_parse_utc(void **state)
{
    (void)state;
    assert_true(TS_NOW == parse_ok("2016-10-09T02:35:45Z"));
    assert_true(TS_NOW == parse_ok("2016-10-09T02:35:45.000000Z"));
    assert_true(0 == parse_ok("1970-01-01T00:00:00Z"));
    assert_true(apr_time_from_sec(253402300799LL) + 999999
                == parse_ok("9999-12-31T23:59:59.999999Z"));
}

static void test_parse_offsets(void **state)
{
    (void)state;
    /* The offset says how far local time is ahead of UTC. */
    assert_true(TS_NOW == parse_ok("2016-10-09T04:35:45+02:00"));
    assert_true(TS_NOW == parse_ok("2016-10-08T21:05:45-05:30"));
    assert_true(TS_NOW == parse_ok("2016-10-09T02:35:45+00:00"));
    assert_true(TS_NOW == parse_ok("2016-10-09T02:35:45-00:00"));
    assert_true(TS_NOW == parse_ok("2016-10-10T01:34:45+22:59"));
}

static void test_parse_fractions(void **state)
{
    (void)state;
    assert_true(TS_NOW + 100000 == parse_ok("2016-10-09T02:35:45.1Z"));
    assert_true(TS_NOW + 120000 == parse_ok("2016-10-09T02:35:45.12Z"));
    assert_true(TS_NOW + 1 == parse_ok("2016-10-09T02:35:45.000001Z"));
    /* Beyond microseconds: truncated, never rounded up. */
    assert_true(TS_NOW + 123456 == parse_ok("2016-10-09T02:35:45.123456789Z"));
    assert_true(TS_NOW + 999999
                == parse_ok("2016-10-09T02:35:45.9999999999999999999Z"));
    assert_true(TS_NOW + 500000 == parse_ok("2016-10-09T04:35:45.5+02:00"));
}

static void test_parse_lenient_forms(void **state)
{
    (void)state;
    /* RFC 3339 5.6 note: lower case t/z, and a space for T. */
    assert_true(TS_NOW == parse_ok("2016-10-09t02:35:45z"));
    assert_true(TS_NOW == parse_ok("2016-10-09 02:35:45Z"));
    /* No offset: read as UTC. */
    assert_true(TS_NOW == parse_ok("2016-10-09T02:35:45"));
    assert_true(TS_NOW + 250000 == parse_ok("2016-10-09T02:35:45.25"));
}

static void test_parse_feb_29(void **state)
{
    apr_time_t t = 7;

    (void)state;
    assert_true(apr_time_from_sec(1709164800)
                == parse_ok("2024-02-29T00:00:00Z"));
    /* Divisible by 400: a leap year. */
    assert_true(apr_time_from_sec(951782400)
                == parse_ok("2000-02-29T00:00:00Z"));
    /* Not leap years: 2023, and 2100 (divisible by 100, not by 400). */
    assert_int_equal(APR_EINVAL, todo_time_parse("2023-02-29T00:00:00Z", &t));
    assert_int_equal(APR_EINVAL, todo_time_parse("2100-02-29T00:00:00Z", &t));
    assert_int_equal(APR_EINVAL, todo_time_parse("2024-02-30T00:00:00Z", &t));
    assert_int_equal(7, t);
}

static void test_parse_refuses(void **state)
{
    static const char *const bad[] = {
        "",
        "2016-10-09",                /* date only */
        "2016-10-09T",               /* no time */
        "2016-10-09T02:35Z",         /* no seconds */
        "2016-10-09T02:35:45.Z",     /* empty fraction */
        "2016-00-09T02:35:45Z",      /* month 0 */
        "2016-13-09T02:35:45Z",      /* month 13 */
        "2016-10-00T02:35:45Z",      /* day 0 */
        "2016-10-32T02:35:45Z",      /* day 32 */
        "2016-04-31T02:35:45Z",      /* April has 30 */
        "2016-10-09T24:00:00Z",      /* hour 24 */
        "2016-10-09T02:60:45Z",      /* minute 60 */
        "2016-12-31T23:59:60Z",      /* leap second */
        "0000-01-01T00:00:00Z",      /* year 0 */
        "2016-10-09T02:35:45+24:00", /* offset hour */
        "2016-10-09T02:35:45+02:60", /* offset minute */
        "2016-10-09T02:35:45+0200",  /* offset without colon */
        "2016-10-09T02:35:45+02",    /* offset without minutes */
        "2016-10-09T02:35:45+",      /* bare sign */
        "2016-10-09T02:35:45ZZ",     /* trailing garbage */
        "2016-10-09T02:35:45Z ",     /* trailing space */
        " 2016-10-09T02:35:45Z",     /* leading space */
        "2016-1-09T02:35:45Z",       /* one-digit month */
        "16-10-09T02:35:45Z",        /* two-digit year */
        "2016/10/09T02:35:45Z",      /* wrong separator */
        "2016-10-09X02:35:45Z",      /* wrong T */
        "2016-10-09T02:35:45UTC",    /* zone name */
        "2016-10-09T02:35:45.-1Z",   /* signed fraction */
        "2016-10-09T02:35:45,5Z",    /* comma fraction */
        "１０１６-10-09T02:35:45Z",  /* non-ASCII digits */
    };
    apr_size_t i;
    apr_time_t t = 7;

    (void)state;
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); ++i) {
        if (APR_EINVAL != todo_time_parse(bad[i], &t)) {
            fail_msg("todo_time_parse accepted \"%s\"", bad[i]);
        }
    }
    assert_int_equal(APR_EINVAL, todo_time_parse(NULL, &t));
    /* *pt is left alone on error. */
    assert_int_equal(7, t);
}

static void test_round_trip(void **state)
{
    static const char *const canonical[] = {
        "1970-01-01T00:00:00.000000Z", "2016-10-09T02:35:45.123456Z",
        "2024-02-29T23:59:59.999999Z", "2038-01-19T03:14:08.000001Z",
        "9999-12-31T23:59:59.999999Z",
    };
    static const apr_time_t times[] = {0, 1, 999999, 1000000, TS_NOW + 424242};
    apr_pool_t *p = TS_POOL(state);
    apr_size_t i;

    for (i = 0; i < sizeof(canonical) / sizeof(canonical[0]); ++i) {
        assert_string_equal(canonical[i],
                            todo_time_format(p, parse_ok(canonical[i])));
    }
    for (i = 0; i < sizeof(times) / sizeof(times[0]); ++i) {
        assert_true(times[i] == parse_ok(todo_time_format(p, times[i])));
    }
    /* Offsets come back as the same instant in UTC. */
    assert_string_equal("2016-10-09T02:35:45.500000Z",
                        todo_time_format(p, parse_ok("2016-10-09T04:35:45.5"
                                                     "+02:00")));
}

static void test_format_sorts_in_time_order(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    const char *a = todo_time_format(p, TS_NOW + 999999);
    const char *b = todo_time_format(p, TS_NOW + 1000000);
    const char *c = todo_time_format(p, apr_time_from_sec(253402300799LL));

    assert_true(strcmp(a, b) < 0);
    assert_true(strcmp(b, c) < 0);
}

/*
 * Regression (todo_time.c, todo_time_parse; fixed): the header promises
 * years 0001-9999, but apr_time_exp_gmt_get() refuses any moment before
 * the epoch (APR_EBADDATE), so every date-time before 1970 was APR_EINVAL
 * — even "1969-12-31T23:30:00-01:00", which is 00:30 UTC on 1970-01-01 —
 * and a task due_date of 1969 was a 422 "datetime_parsing".
 */
static void test_parse_years_before_1970(void **state)
{
    (void)state;
    assert_true(-1000000 == parse_ok("1969-12-31T23:59:59Z"));
    assert_true(apr_time_from_sec(1800)
                == parse_ok("1969-12-31T23:30:00-01:00"));
    assert_true(apr_time_from_sec(-2203891200LL)
                == parse_ok("1900-03-01T00:00:00Z"));
    assert_true(apr_time_from_sec(-62135596800LL)
                == parse_ok("0001-01-01T00:00:00Z"));
}

/*
 * Regression (todo_time.c, todo_time_format_buf; fixed): a negative time
 * that is not a whole second was exploded by APR into a truncated second
 * and a negative tm_usec, so -500000 rendered as
 * "1970-01-01T00:00:00.-500000" (the 'Z' fell off the 28-byte buffer)
 * instead of "1969-12-31T23:59:59.500000Z". It was reachable:
 * todo_time_parse accepts "1970-01-01T00:00:00.5+01:00" (its local part
 * is after the epoch), and that instant rendered as
 * "1969-12-31T23:00:01.-500000".
 */
static void test_format_before_1970(void **state)
{
    apr_pool_t *p = TS_POOL(state);

    assert_string_equal("1969-12-31T23:59:59.000000Z",
                        todo_time_format(p, -1000000));
    assert_string_equal("1969-12-31T23:59:59.500000Z",
                        todo_time_format(p, -500000));
    assert_string_equal("1969-12-31T23:59:59.999999Z", todo_time_format(p, -1));
    assert_string_equal("1969-12-31T23:00:00.500000Z",
                        todo_time_format(p, parse_ok("1970-01-01T00:00:00.5"
                                                     "+01:00")));
}

/*
 * Found by tests/fuzz/fuzz_time.c: an offset carried the local date out
 * of the years formatted. "0001-01-01T00:00:00+23:59" is 0000-12-31 in
 * UTC, which todo_time_parse itself refuses once formatted; and
 * "9999-12-31T23:59:59-23:59" is in year 10000, whose five digits pushed
 * the 'Z' out of the 28-byte buffer. Both are refused now; the last
 * instants inside the range still parse and round-trip.
 */
static void test_parse_refuses_utc_outside_years_1_to_9999(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    apr_time_t t = 42;

    assert_int_equal(APR_EINVAL,
                     todo_time_parse("0001-01-01T00:00:00+23:59", &t));
    assert_int_equal(APR_EINVAL,
                     todo_time_parse("0001-01-01T00:00:00.000001+00:01", &t));
    assert_int_equal(APR_EINVAL,
                     todo_time_parse("9999-12-31T23:59:59-23:59", &t));
    assert_int_equal(APR_EINVAL,
                     todo_time_parse("9999-12-31T23:59:00-00:01", &t));
    assert_true(42 == t);
    assert_string_equal("0001-01-01T00:00:00.000000Z",
                        todo_time_format(p, parse_ok("0001-01-01T01:00:00"
                                                     "+01:00")));
    assert_string_equal("9999-12-31T23:59:59.999999Z",
                        todo_time_format(p, parse_ok("9999-12-31T22:59:59."
                                                     "999999-01:00")));
}

int test_todo_time_run(void)
{
    const struct CMUnitTest tests[] = {
        TS_TEST(test_format),
        TS_TEST(test_parse_utc),
        TS_TEST(test_parse_offsets),
        TS_TEST(test_parse_fractions),
        TS_TEST(test_parse_lenient_forms),
        TS_TEST(test_parse_feb_29),
        TS_TEST(test_parse_refuses),
        TS_TEST(test_round_trip),
        TS_TEST(test_format_sorts_in_time_order),
        TS_TEST(test_parse_years_before_1970),
        TS_TEST(test_format_before_1970),
        TS_TEST(test_parse_refuses_utc_outside_years_1_to_9999),
    };
    return cmocka_run_group_tests_name("todo_time", tests, NULL, NULL);
}
