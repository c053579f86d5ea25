/* Licensed under the Apache License, Version 2.0; see LICENSE. */

#include <string.h>
#include <sys/stat.h>

#include <apr_strings.h>

#include "test_common.h"
#include "todo_conf_parse.h"

#define SECRET40 "0123456789abcdefghijklmnopqrstuvwxyzABCD"

/* --- todo_parse_int_range ------------------------------------------------ */

static void test_int_range(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    apr_int64_t v = -1;

    assert_null(todo_parse_int_range(p, "4", 4, 31, &v));
    assert_int_equal(4, v);
    assert_null(todo_parse_int_range(p, "31", 4, 31, &v));
    assert_int_equal(31, v);
    assert_null(todo_parse_int_range(p, "0", 0, 0, &v));
    assert_int_equal(0, v);
    assert_null(todo_parse_int_range(p, "-5", -10, 10, &v));
    assert_true(v == -5);
}

static void test_int_range_refuses(void **state)
{
    static const char *const bad[] = {
        "3",  "32", "abc", "",    "+5",
        "5 ", " 5", "5.0", "0x5", "99999999999999999999"};
    apr_pool_t *p = TS_POOL(state);
    apr_int64_t v = 7;
    apr_size_t i;

    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); ++i) {
        const char *err = todo_parse_int_range(p, bad[i], 4, 31, &v);
        if (!err) {
            fail_msg("todo_parse_int_range accepted \"%s\"", bad[i]);
        }
    }
    assert_string_equal("'3' must be an integer from 4 to 31",
                        todo_parse_int_range(p, "3", 4, 31, &v));
    assert_int_equal(7, v);
}

/* --- todo_parse_size ---------------------------------------------------- */

static void test_size(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    apr_int64_t max = (apr_int64_t)64 * 1024 * 1024, v = -1;

    assert_null(todo_parse_size(p, "1024", 1024, max, &v));
    assert_int_equal(1024, v);
    assert_null(todo_parse_size(p, "1K", 1024, max, &v));
    assert_int_equal(1024, v);
    assert_null(todo_parse_size(p, "1k", 1024, max, &v));
    assert_int_equal(1024, v);
    assert_null(todo_parse_size(p, "512K", 1024, max, &v));
    assert_int_equal(512 * 1024, v);
    assert_null(todo_parse_size(p, "1M", 1024, max, &v));
    assert_int_equal(1024 * 1024, v);
    assert_null(todo_parse_size(p, "64m", 1024, max, &v));
    assert_true(v == max);
    assert_null(todo_parse_size(p, "1G", 0, (apr_int64_t)4 << 30, &v));
    assert_true(v == (apr_int64_t)1 << 30);
    assert_null(todo_parse_size(p, "3g", 0, (apr_int64_t)4 << 30, &v));
    assert_true(v == (apr_int64_t)3 << 30);
    assert_null(todo_parse_size(p, "0", 0, max, &v));
    assert_int_equal(0, v);
}

static void test_size_refuses(void **state)
{
    static const char *const bad[] = {
        "1023", /* below min */
        "65M",  /* above max */
        "65537K", "1G", "",   "K",   "M",   "1KB", "1 K",   "1.5M", "-1K",
        "-1",     "1T", "1b", "+1K", " 1K", "1K ", "0x10K", "KK",
    };
    apr_pool_t *p = TS_POOL(state);
    apr_int64_t max = (apr_int64_t)64 * 1024 * 1024, v = 7;
    apr_size_t i;

    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); ++i) {
        const char *err = todo_parse_size(p, bad[i], 1024, max, &v);
        if (!err) {
            fail_msg("todo_parse_size accepted \"%s\"", bad[i]);
        }
        assert_non_null(strstr(err, apr_psprintf(p, "'%s'", bad[i])));
        assert_non_null(strstr(err, "bytes"));
    }
    assert_non_null(todo_parse_size(p, NULL, 1024, max, &v));
    assert_int_equal(7, v);
}

/*
 * Regression (todo_conf_parse.c, todo_parse_size; fixed): the number was
 * checked against max before the suffix multiplied it, and v * mult was
 * signed overflow when max is large. With max = APR_INT64_MAX,
 * "9007199254740992G" (2^53 GiB = 2^83 bytes) wrapped to 0 and was
 * accepted as a size of 0 bytes.
 */
static void test_size_overflow_refused(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    apr_int64_t v = 7;

    assert_non_null(
        todo_parse_size(p, "9007199254740992G", 0, APR_INT64_MAX, &v));
    assert_non_null(
        todo_parse_size(p, "18014398509481984K", 0, APR_INT64_MAX, &v));
    assert_int_equal(7, v);
}

/* --- todo_secret_load --------------------------------------------------- */

static const char *load(apr_pool_t *p, const char *path, apr_size_t min,
                        const unsigned char **psecret, apr_size_t *plen)
{
    *psecret = NULL;
    *plen = 0;
    return todo_secret_load(p, path, min, psecret, plen);
}

static void test_secret_0600_accepted(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    const char *path = ts_write_file(p, "s0600", SECRET40, 40, 0600);
    const unsigned char *secret;
    apr_size_t len;

    assert_null(load(p, path, 32, &secret, &len));
    assert_int_equal(40, len);
    assert_memory_equal(SECRET40, secret, 40);

    path = ts_write_file(p, "s0400", SECRET40, 40, 0400);
    assert_null(load(p, path, 32, &secret, &len));
    assert_int_equal(40, len);
}

static void test_secret_group_or_world_access_refused(void **state)
{
    static const int modes[] = {0644, 0640, 0604, 0620, 0602, 0660, 0666};
    apr_pool_t *p = TS_POOL(state);
    const unsigned char *secret;
    apr_size_t len, i;

    for (i = 0; i < sizeof(modes) / sizeof(modes[0]); ++i) {
        const char *path = ts_write_file(p, "smode", SECRET40, 40, modes[i]);
        const char *err = load(p, path, 32, &secret, &len);
        if (!err) {
            fail_msg("secret file with mode %04o accepted", modes[i]);
        }
        assert_non_null(strstr(err, path));
        assert_non_null(strstr(err, "0600"));
        assert_null(strstr(err, SECRET40));
        assert_null(secret);
    }
}

static void test_secret_trailing_newline_dropped(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    const unsigned char *secret;
    const char *path;
    apr_size_t len;

    path = ts_write_file(p, "snl", SECRET40 "\n", 41, 0600);
    assert_null(load(p, path, 32, &secret, &len));
    assert_int_equal(40, len);
    assert_memory_equal(SECRET40, secret, 40);

    path = ts_write_file(p, "scrlf", SECRET40 "\r\n", 42, 0600);
    assert_null(load(p, path, 32, &secret, &len));
    assert_int_equal(40, len);

    /* One newline only: the second belongs to the secret. */
    path = ts_write_file(p, "snlnl", SECRET40 "\n\n", 42, 0600);
    assert_null(load(p, path, 32, &secret, &len));
    assert_int_equal(41, len);

    /* Inside the secret, bytes are bytes. */
    path = ts_write_file(p, "sbin", "a\0b\nc" SECRET40, 45, 0600);
    assert_null(load(p, path, 32, &secret, &len));
    assert_int_equal(45, len);
    assert_memory_equal("a\0b\nc", secret, 5);
}

static void test_secret_too_short_refused(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    const unsigned char *secret;
    const char *path, *err;
    apr_size_t len;

    /* 31 bytes and a newline: the newline does not count. */
    path = ts_write_file(p, "sshort", "SUPERSECRET-0123456789abcdefghi\n", 32,
                         0600);
    err = load(p, path, 32, &secret, &len);
    assert_non_null(err);
    assert_non_null(strstr(err, "31"));
    assert_non_null(strstr(err, "32"));
    assert_null(strstr(err, "SUPERSECRET"));
    assert_null(secret);

    path = ts_write_file(p, "sempty", "", 0, 0600);
    assert_non_null(load(p, path, 32, &secret, &len));

    /* Exactly the minimum is enough. */
    path = ts_write_file(p, "s32", SECRET40, 32, 0600);
    assert_null(load(p, path, 32, &secret, &len));
    assert_int_equal(32, len);
}

static void test_secret_directory_refused(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    const char *file = ts_write_file(p, "sdirprobe", "x", 1, 0600);
    const char *dir =
        apr_pstrndup(p, file, (apr_size_t)(strrchr(file, '/') - file));
    const char *sub = apr_pstrcat(p, dir, "/secret.d", NULL);
    const unsigned char *secret;
    const char *err;
    apr_size_t len;

    mkdir(sub, 0700);
    err = load(p, sub, 32, &secret, &len);
    assert_non_null(err);
    assert_non_null(strstr(err, "not a regular file"));
    assert_null(secret);
}

static void test_secret_missing_file(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    const unsigned char *secret;
    const char *err;
    apr_size_t len;

    err = load(p, "/nonexistent/mod_todo/secret", 32, &secret, &len);
    assert_non_null(err);
    assert_non_null(strstr(err, "/nonexistent/mod_todo/secret"));
    assert_non_null(strstr(err, "No such file or directory"));
    assert_null(secret);
}

static void test_secret_too_large_refused(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    char *big = apr_palloc(p, 4097);
    const unsigned char *secret;
    const char *path;
    apr_size_t len;

    memset(big, 'k', 4097);
    path = ts_write_file(p, "sbig", big, 4097, 0600);
    assert_non_null(load(p, path, 32, &secret, &len));
    path = ts_write_file(p, "s4096", big, 4096, 0600);
    assert_null(load(p, path, 32, &secret, &len));
    assert_int_equal(4096, len);
}

/* --- todo_parse_ip_allow / todo_ip_allowed ------------------------------ */

static apr_sockaddr_t *addr(apr_pool_t *p, const char *ip)
{
    apr_sockaddr_t *sa = NULL;

    assert_int_equal(APR_SUCCESS, apr_sockaddr_info_get(&sa, ip, APR_UNSPEC, 0,
                                                        APR_IPV4_ADDR_OK, p));
    return sa;
}

static void test_ip_allow_local(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    todo_ip_allow_t allow = {0, 0, NULL};

    assert_null(todo_parse_ip_allow(p, "local", &allow));
    assert_true(todo_ip_allowed(&allow, addr(p, "127.0.0.1")));
    assert_true(todo_ip_allowed(&allow, addr(p, "127.9.8.7")));
    assert_true(todo_ip_allowed(&allow, addr(p, "::1")));
    assert_true(todo_ip_allowed(&allow, addr(p, "::ffff:127.0.0.1")));
    assert_false(todo_ip_allowed(&allow, addr(p, "203.0.113.5")));
    assert_false(todo_ip_allowed(&allow, addr(p, "::ffff:203.0.113.5")));
    assert_false(todo_ip_allowed(&allow, addr(p, "::2")));
    assert_false(todo_ip_allowed(&allow, addr(p, "128.0.0.1")));
}

static void test_ip_allow_networks_add_up(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    todo_ip_allow_t allow = {0, 0, NULL};

    assert_null(todo_parse_ip_allow(p, "203.0.113.0/24", &allow));
    assert_null(todo_parse_ip_allow(p, "2001:db8::/32", &allow));
    assert_null(todo_parse_ip_allow(p, "198.51.100.7", &allow));
    assert_true(todo_ip_allowed(&allow, addr(p, "203.0.113.200")));
    assert_true(todo_ip_allowed(&allow, addr(p, "2001:db8:1::1")));
    assert_true(todo_ip_allowed(&allow, addr(p, "198.51.100.7")));
    assert_false(todo_ip_allowed(&allow, addr(p, "198.51.100.8")));
    assert_false(todo_ip_allowed(&allow, addr(p, "203.0.114.1")));
    assert_false(todo_ip_allowed(&allow, addr(p, "127.0.0.1")));
}

static void test_ip_allow_all_and_none(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    todo_ip_allow_t allow = {0, 0, NULL};

    assert_false(todo_ip_allowed(&allow, addr(p, "127.0.0.1")));
    assert_null(todo_parse_ip_allow(p, "ALL", &allow));
    assert_true(todo_ip_allowed(&allow, addr(p, "203.0.113.5")));
    assert_null(todo_parse_ip_allow(p, "none", &allow));
    assert_false(todo_ip_allowed(&allow, addr(p, "203.0.113.5")));
    assert_false(todo_ip_allowed(&allow, addr(p, "127.0.0.1")));
}

static void test_ip_allow_refuses(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    static const char *const bad[] = {"bogus",     "10.0.0.0/99", "300.1.2.3",
                                      "10.0.0.1/", "localhost",   ""};
    size_t i;

    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); ++i) {
        todo_ip_allow_t allow = {0, 0, NULL};
        const char *err = todo_parse_ip_allow(p, bad[i], &allow);
        assert_non_null(err);
        assert_non_null(strstr(err, bad[i]));
    }
}

int test_todo_conf_parse_run(void)
{
    const struct CMUnitTest tests[] = {
        TS_TEST(test_int_range),
        TS_TEST(test_int_range_refuses),
        TS_TEST(test_size),
        TS_TEST(test_size_refuses),
        TS_TEST(test_size_overflow_refused),
        TS_TEST(test_secret_0600_accepted),
        TS_TEST(test_secret_group_or_world_access_refused),
        TS_TEST(test_secret_trailing_newline_dropped),
        TS_TEST(test_secret_too_short_refused),
        TS_TEST(test_secret_directory_refused),
        TS_TEST(test_secret_missing_file),
        TS_TEST(test_secret_too_large_refused),
        TS_TEST(test_ip_allow_local),
        TS_TEST(test_ip_allow_networks_add_up),
        TS_TEST(test_ip_allow_all_and_none),
        TS_TEST(test_ip_allow_refuses),
    };
    return cmocka_run_group_tests_name("todo_conf_parse", tests, NULL, NULL);
}
