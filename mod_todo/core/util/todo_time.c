/* Licensed under the Apache License, Version 2.0; see LICENSE. */

#include <apr_strings.h>

#include "todo_time.h"

/* Days since 1970-01-01 of a proleptic Gregorian date, and back (Howard
 * Hinnant's civil-date algorithms): valid far before 1970, unlike APR's
 * conversions, which refuse negative times. */
static apr_int64_t days_from_civil(apr_int64_t y, int m, int d)
{
    apr_int64_t era, yoe, doy, doe;

    y -= m <= 2;
    era = (y >= 0 ? y : y - 399) / 400;
    yoe = y - era * 400;
    doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static void civil_from_days(apr_int64_t z, apr_int64_t *py, int *pm, int *pd)
{
    apr_int64_t era, doe, yoe, doy, mp;

    z += 719468;
    era = (z >= 0 ? z : z - 146096) / 146097;
    doe = z - era * 146097;
    yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    mp = (5 * doy + 2) / 153;
    *pd = (int)(doy - (153 * mp + 2) / 5 + 1);
    *pm = (int)(mp < 10 ? mp + 3 : mp - 9);
    *py = yoe + era * 400 + (*pm <= 2);
}

void todo_time_format_buf(char buf[TODO_TIME_LEN], apr_time_t t)
{
    /* Floor division, so times before 1970 split into a day and a
     * non-negative time of day. */
    apr_int64_t usec_per_day = APR_INT64_C(86400000000);
    apr_int64_t days = t / usec_per_day, rem = t % usec_per_day, year;
    int month, day, secs;

    if (rem < 0) {
        rem += usec_per_day;
        --days;
    }
    civil_from_days(days, &year, &month, &day);
    secs = (int)(rem / 1000000);
    apr_snprintf(buf, TODO_TIME_LEN, "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ",
                 (int)year, month, day, secs / 3600, secs / 60 % 60, secs % 60,
                 (int)(rem % 1000000));
}

const char *todo_time_format(apr_pool_t *p, apr_time_t t)
{
    char *buf = apr_palloc(p, TODO_TIME_LEN);
    todo_time_format_buf(buf, t);
    return buf;
}

/* Read exactly @a n digits at *ps; advance past them. */
static int read_digits(const char **ps, int n, int *pval)
{
    int v = 0, i;

    for (i = 0; i < n; ++i) {
        char c = (*ps)[i];
        if (c < '0' || c > '9') {
            return 0;
        }
        v = v * 10 + (c - '0');
    }
    *ps += n;
    *pval = v;
    return 1;
}

static int days_in_month(int year, int month)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    return month == 2 && leap ? 29 : days[month - 1];
}

apr_status_t todo_time_parse(const char *s, apr_time_t *pt)
{
    int year, month, day, hour, minute, second, usec = 0, offset = 0;
    apr_time_t t;

    if (!s || !read_digits(&s, 4, &year) || *s++ != '-'
        || !read_digits(&s, 2, &month) || *s++ != '-'
        || !read_digits(&s, 2, &day)) {
        return APR_EINVAL;
    }
    if (*s != 'T' && *s != 't' && *s != ' ') {
        return APR_EINVAL;
    }
    ++s;
    if (!read_digits(&s, 2, &hour) || *s++ != ':'
        || !read_digits(&s, 2, &minute) || *s++ != ':'
        || !read_digits(&s, 2, &second)) {
        return APR_EINVAL;
    }
    if (*s == '.') {
        int digits = 0;
        ++s;
        if (*s < '0' || *s > '9') {
            return APR_EINVAL;
        }
        for (; *s >= '0' && *s <= '9'; ++s, ++digits) {
            if (digits < 6) {
                usec = usec * 10 + (*s - '0');
            }
        }
        for (; digits < 6; ++digits) {
            usec *= 10;
        }
    }
    if (*s == 'Z' || *s == 'z') {
        ++s;
    }
    else if (*s == '+' || *s == '-') {
        int sign = *s++ == '-' ? -1 : 1, oh, om;
        if (!read_digits(&s, 2, &oh) || *s++ != ':' || !read_digits(&s, 2, &om)
            || oh > 23 || om > 59) {
            return APR_EINVAL;
        }
        offset = sign * (oh * 3600 + om * 60);
    }
    if (*s != '\0' || year < 1 || month < 1 || month > 12 || day < 1
        || day > days_in_month(year, month) || hour > 23 || minute > 59
        || second > 59) {
        return APR_EINVAL;
    }
    t = apr_time_from_sec(days_from_civil(year, month, day) * 86400
                          + hour * 3600 + minute * 60 + second);
    t += usec - apr_time_from_sec(offset);
    /* The offset can carry 0001-01-01 or 9999-12-31 out of the years we
     * format (found by tests/fuzz/fuzz_time.c): refuse, so that what is
     * parsed always formats to 28 bytes and parses back. */
    if (t < apr_time_from_sec(days_from_civil(1, 1, 1) * 86400)
        || t >= apr_time_from_sec(days_from_civil(10000, 1, 1) * 86400)) {
        return APR_EINVAL;
    }
    *pt = t;
    return APR_SUCCESS;
}
