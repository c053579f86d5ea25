/* Licensed under the Apache License, Version 2.0; see LICENSE. */

#include <apr_strings.h>

#include "todo_time.h"

void todo_time_format_buf(char buf[TODO_TIME_LEN], apr_time_t t)
{
    apr_time_exp_t tm;

    apr_time_exp_gmt(&tm, t);
    apr_snprintf(buf, TODO_TIME_LEN, "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ",
                 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
                 tm.tm_min, tm.tm_sec, tm.tm_usec);
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
    apr_time_exp_t tm = {0};
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
    tm.tm_year = year - 1900;
    tm.tm_mon = month - 1;
    tm.tm_mday = day;
    tm.tm_hour = hour;
    tm.tm_min = minute;
    tm.tm_sec = second;
    if (APR_SUCCESS != apr_time_exp_gmt_get(&t, &tm)) {
        return APR_EINVAL;
    }
    *pt = t + usec - apr_time_from_sec(offset);
    return APR_SUCCESS;
}
