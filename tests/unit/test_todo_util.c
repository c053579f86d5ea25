/* Licensed under the Apache License, Version 2.0; see LICENSE. */

#include <string.h>

#include <apr_strings.h>

#include "test_common.h"
#include "todo_util.h"

/* --- randomness and comparison ------------------------------------------ */

static void test_random_bytes_differ(void **state)
{
    unsigned char a[16], b[16];

    (void)state;
    memset(a, 0, sizeof(a));
    memset(b, 0, sizeof(b));
    assert_int_equal(APR_SUCCESS, todo_random_bytes(a, sizeof(a)));
    assert_int_equal(APR_SUCCESS, todo_random_bytes(b, sizeof(b)));
    assert_memory_not_equal(a, b, sizeof(a));
    assert_int_equal(APR_SUCCESS, todo_random_bytes(a, 0));
}

static void test_ct_equal(void **state)
{
    (void)state;
    assert_int_equal(1, todo_ct_equal("abcdef", "abcdef", 6));
    assert_int_equal(0, todo_ct_equal("abcdef", "abcdeF", 6));
    assert_int_equal(0, todo_ct_equal("Xbcdef", "abcdef", 6));
    assert_int_equal(1, todo_ct_equal("a", "b", 0));
}

/* --- todo_parse_int64 --------------------------------------------------- */

static void test_parse_int64_accepts(void **state)
{
    apr_int64_t v = 0;

    (void)state;
    assert_int_equal(APR_SUCCESS, todo_parse_int64("0", 0, 10, &v));
    assert_int_equal(0, v);
    assert_int_equal(APR_SUCCESS, todo_parse_int64("-0", 0, 10, &v));
    assert_int_equal(0, v);
    assert_int_equal(APR_SUCCESS, todo_parse_int64("42", 0, 100, &v));
    assert_int_equal(42, v);
    assert_int_equal(APR_SUCCESS, todo_parse_int64("-42", -100, 100, &v));
    assert_true(v == -42);
    /* Both bounds are inclusive. */
    assert_int_equal(APR_SUCCESS, todo_parse_int64("1", 1, 100, &v));
    assert_int_equal(1, v);
    assert_int_equal(APR_SUCCESS, todo_parse_int64("100", 1, 100, &v));
    assert_int_equal(100, v);
    assert_int_equal(APR_SUCCESS,
                     todo_parse_int64("9223372036854775807", APR_INT64_MIN,
                                      APR_INT64_MAX, &v));
    assert_true(v == APR_INT64_MAX);
    assert_int_equal(APR_SUCCESS,
                     todo_parse_int64("-9223372036854775808", APR_INT64_MIN,
                                      APR_INT64_MAX, &v));
    assert_true(v == APR_INT64_MIN);
}

static void test_parse_int64_range(void **state)
{
    apr_int64_t v = 7;

    (void)state;
    assert_int_equal(APR_ERANGE, todo_parse_int64("0", 1, 100, &v));
    assert_int_equal(APR_ERANGE, todo_parse_int64("101", 1, 100, &v));
    assert_int_equal(APR_ERANGE, todo_parse_int64("-1", 0, 100, &v));
    /* Beyond int64 altogether is out of range, not "not an integer". */
    assert_int_equal(APR_ERANGE,
                     todo_parse_int64("9223372036854775808", APR_INT64_MIN,
                                      APR_INT64_MAX, &v));
    assert_int_equal(APR_ERANGE,
                     todo_parse_int64("-9223372036854775809", APR_INT64_MIN,
                                      APR_INT64_MAX, &v));
    assert_int_equal(APR_ERANGE,
                     todo_parse_int64("99999999999999999999999", APR_INT64_MIN,
                                      APR_INT64_MAX, &v));
    /* *pval is left alone on error. */
    assert_int_equal(7, v);
}

static void test_parse_int64_refuses_non_integers(void **state)
{
    static const char *const bad[] = {
        "",    "-",   "+1",  " 1",  "1 ", "1a",  "a1", "0x10",
        "1.0", "1e3", "--1", "- 1", "1-", "\t1", "１" /* fullwidth digit */
    };
    apr_size_t i;
    apr_int64_t v = 7;

    (void)state;
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); ++i) {
        if (APR_EINVAL
            != todo_parse_int64(bad[i], APR_INT64_MIN, APR_INT64_MAX, &v)) {
            fail_msg("todo_parse_int64 accepted \"%s\"", bad[i]);
        }
    }
    assert_int_equal(APR_EINVAL, todo_parse_int64(NULL, 0, 1, &v));
    assert_int_equal(7, v);
}

int test_todo_util_run(void)
{
    const struct CMUnitTest tests[] = {
        TS_TEST(test_random_bytes_differ),
        TS_TEST(test_ct_equal),
        TS_TEST(test_parse_int64_accepts),
        TS_TEST(test_parse_int64_range),
        TS_TEST(test_parse_int64_refuses_non_integers),
    };
    return cmocka_run_group_tests_name("todo_util", tests, NULL, NULL);
}
