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

/* --- base64url ---------------------------------------------------------- */

static void test_b64url_rfc4648_vectors(void **state)
{
    static const char *const plain[] = {"",     "f",     "fo",    "foo",
                                        "foob", "fooba", "foobar"};
    static const char *const coded[] = {"",       "Zg",      "Zm8",     "Zm9v",
                                        "Zm9vYg", "Zm9vYmE", "Zm9vYmFy"};
    apr_pool_t *p = TS_POOL(state);
    apr_size_t i;

    for (i = 0; i < sizeof(plain) / sizeof(plain[0]); ++i) {
        unsigned char *data = NULL;
        apr_size_t len = 99;
        assert_string_equal(
            coded[i],
            todo_b64url_encode(p, (const void *)plain[i], strlen(plain[i])));
        assert_int_equal(APR_SUCCESS,
                         todo_b64url_decode(p, coded[i], &data, &len));
        assert_int_equal(strlen(plain[i]), len);
        assert_memory_equal(plain[i], data, len);
    }
}

static void test_b64url_url_alphabet(void **state)
{
    static const unsigned char bytes[] = {0xfb, 0xff, 0xbf};
    apr_pool_t *p = TS_POOL(state);

    /* Standard base64 would be "+/+/", padded forms "+/8=": neither '+',
     * '/' nor '=' may appear. */
    assert_string_equal("-_-_", todo_b64url_encode(p, bytes, 3));
    assert_string_equal("-_8", todo_b64url_encode(p, bytes, 2));
    assert_string_equal("-w", todo_b64url_encode(p, bytes, 1));
}

static void test_b64url_round_trip_lengths_0_to_10(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    unsigned char src[10];
    apr_size_t len, i;

    for (i = 0; i < sizeof(src); ++i) {
        src[i] = (unsigned char)(0xff - i * 37);
    }
    for (len = 0; len <= sizeof(src); ++len) {
        const char *enc = todo_b64url_encode(p, src, len);
        unsigned char *dec = NULL;
        apr_size_t declen = 0;

        /* Unpadded: ceil(4 * len / 3) characters. */
        assert_int_equal((len * 4 + 2) / 3, strlen(enc));
        assert_null(strpbrk(enc, "+/="));
        assert_int_equal(APR_SUCCESS,
                         todo_b64url_decode(p, enc, &dec, &declen));
        assert_int_equal(len, declen);
        if (len) {
            assert_memory_equal(src, dec, len);
        }
    }
}

static void test_b64url_decode_refuses_bad_input(void **state)
{
    static const char *const bad[] = {
        "Zm8=",    /* padding */
        "Zg==",    /* padding */
        "Zm+v",    /* standard alphabet */
        "Zm/v",    /* standard alphabet */
        "Zm 9",    /* space */
        "Zm9\n",   /* newline */
        "Zm9\xc3", /* non-ASCII */
        "Z",       /* impossible length (4n + 1) */
        "Zm9vY",   /* impossible length (4n + 1) */
    };
    apr_pool_t *p = TS_POOL(state);
    apr_size_t i;

    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); ++i) {
        unsigned char *data = NULL;
        apr_size_t len = 0;
        if (APR_EINVAL != todo_b64url_decode(p, bad[i], &data, &len)) {
            fail_msg("todo_b64url_decode accepted \"%s\"", bad[i]);
        }
    }
}

/* --- hex ---------------------------------------------------------------- */

static void test_hex_encode(void **state)
{
    static const unsigned char bytes[] = {0x00, 0x0f, 0xa5, 0xff};
    apr_pool_t *p = TS_POOL(state);

    assert_string_equal("000fa5ff", todo_hex_encode(p, bytes, 4));
    assert_string_equal("", todo_hex_encode(p, bytes, 0));
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
        TS_TEST(test_b64url_rfc4648_vectors),
        TS_TEST(test_b64url_url_alphabet),
        TS_TEST(test_b64url_round_trip_lengths_0_to_10),
        TS_TEST(test_b64url_decode_refuses_bad_input),
        TS_TEST(test_hex_encode),
        TS_TEST(test_parse_int64_accepts),
        TS_TEST(test_parse_int64_range),
        TS_TEST(test_parse_int64_refuses_non_integers),
    };
    return cmocka_run_group_tests_name("todo_util", tests, NULL, NULL);
}
