/* Licensed under the Apache License, Version 2.0; see LICENSE. */

#include <stdio.h>
#include <string.h>

#include "test_common.h"
#include "todo_uuid.h"

static const char *v7(apr_pool_t *p, apr_time_t t)
{
    const char *id = NULL;

    assert_int_equal(APR_SUCCESS, todo_uuid_v7(p, t, &id));
    assert_non_null(id);
    return id;
}

static void test_v7_shape(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    const char *id = v7(p, TS_NOW);
    const char *canon = NULL;
    int i;

    assert_int_equal(TODO_UUID_STRLEN, strlen(id));
    for (i = 0; i < TODO_UUID_STRLEN; ++i) {
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            assert_int_equal('-', id[i]);
        }
        else {
            assert_non_null(strchr("0123456789abcdef", id[i]));
        }
    }
    /* Our own parser takes it back unchanged. */
    assert_int_equal(APR_SUCCESS, todo_uuid_parse(p, id, &canon));
    assert_string_equal(id, canon);
}

static void test_v7_version_and_variant_bits(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    int i;

    /* The random bits around them must never disturb them. */
    for (i = 0; i < 200; ++i) {
        const char *id = v7(p, TS_NOW + i);
        assert_int_equal('7', id[14]);
        assert_non_null(strchr("89ab", id[19]));
    }
}

static void test_v7_timestamp_is_unix_ms(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    const char *id = v7(p, TS_NOW + 123999); /* 123 ms and change */
    char want[16];

    /* 48 bits of milliseconds: 1475980545123 = 0x157a74bcc63 */
    snprintf(want, sizeof(want), "%012llx",
             (unsigned long long)TS_CONST * 1000 + 123);
    assert_memory_equal(want, id, 8);
    assert_memory_equal(want + 8, id + 9, 4);
}

static void test_v7_orders_by_time(void **state)
{
    static const apr_time_t steps[] = {
        0,
        1000,                     /* 1 ms */
        2000,                     /* 2 ms */
        APR_USEC_PER_SEC,         /* 1 s */
        APR_USEC_PER_SEC * 86400, /* 1 day */
        APR_USEC_PER_SEC * 86400 * 3650,
    };
    apr_pool_t *p = TS_POOL(state);
    const char *prev = NULL;
    apr_size_t i;

    for (i = 0; i < sizeof(steps) / sizeof(steps[0]); ++i) {
        const char *id = v7(p, TS_NOW + steps[i]);
        if (prev && strcmp(prev, id) >= 0) {
            fail_msg("%s does not sort after %s", id, prev);
        }
        prev = id;
    }
}

static void test_v7_random_part_differs(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    const char *a = v7(p, TS_NOW), *b = v7(p, TS_NOW);

    assert_memory_equal(a, b, 13);
    assert_string_not_equal(a, b);
}

static void test_parse_canonicalises(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    const char *canon = NULL;

    assert_int_equal(
        APR_SUCCESS,
        todo_uuid_parse(p, "0192a6e4-7c2b-7def-8abc-0123456789ab", &canon));
    assert_string_equal("0192a6e4-7c2b-7def-8abc-0123456789ab", canon);
    assert_int_equal(
        APR_SUCCESS,
        todo_uuid_parse(p, "0192A6E4-7C2B-7DEF-8ABC-0123456789AB", &canon));
    assert_string_equal("0192a6e4-7c2b-7def-8abc-0123456789ab", canon);
    assert_int_equal(
        APR_SUCCESS,
        todo_uuid_parse(p, "0192a6E4-7c2B-7dEf-8aBc-0123456789aB", &canon));
    assert_string_equal("0192a6e4-7c2b-7def-8abc-0123456789ab", canon);
    /* Any version is a UUID here; the nil UUID too. */
    assert_int_equal(
        APR_SUCCESS,
        todo_uuid_parse(p, "00000000-0000-0000-0000-000000000000", NULL));
    assert_int_equal(
        APR_SUCCESS,
        todo_uuid_parse(p, "f81d4fae-7dec-11d0-a765-00a0c91e6bf6", NULL));
}

static void test_parse_refuses(void **state)
{
    static const char *const bad[] = {
        "",
        "0192a6e4-7c2b-7def-8abc-0123456789a",   /* 35 */
        "0192a6e4-7c2b-7def-8abc-0123456789abc", /* 37 */
        "0192a6e47c2b7def8abc0123456789ab",      /* no dashes */
        "0192a6e4-7c2b-7def-8abc0-123456789ab",  /* dash moved */
        "0192a6e-47c2b-7def-8abc-0123456789ab",  /* dash moved */
        "0192a6e4-7c2b-7def-8abc_0123456789ab",  /* underscore */
        "0192a6e4+7c2b-7def-8abc-0123456789ab",  /* plus */
        "0192a6g4-7c2b-7def-8abc-0123456789ab",  /* 'g' */
        "0192a6e4-7c2b-7def-8abc-0123456789a ",  /* space */
        " 192a6e4-7c2b-7def-8abc-0123456789ab",  /* space */
        "{0192a6e4-7c2b-7def-8abc-0123456789ab}",
        "urn:uuid:0192a6e4-7c2b-7def-8abc-0123456789ab",
        "0192a6e4-7c2b-7def-8abc-0123456789ab\n",
        "------------------------------------",
        "0192a6e4-7c2b-7def-8abc-0123456789\xc3\xa9", /* 36 bytes */
    };
    apr_pool_t *p = TS_POOL(state);
    apr_size_t i;

    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); ++i) {
        const char *canon = "untouched";
        if (APR_EINVAL != todo_uuid_parse(p, bad[i], &canon)) {
            fail_msg("todo_uuid_parse accepted \"%s\"", bad[i]);
        }
        assert_string_equal("untouched", canon);
    }
    assert_int_equal(APR_EINVAL, todo_uuid_parse(p, NULL, NULL));
}

int test_todo_uuid_run(void)
{
    const struct CMUnitTest tests[] = {
        TS_TEST(test_v7_shape),
        TS_TEST(test_v7_version_and_variant_bits),
        TS_TEST(test_v7_timestamp_is_unix_ms),
        TS_TEST(test_v7_orders_by_time),
        TS_TEST(test_v7_random_part_differs),
        TS_TEST(test_parse_canonicalises),
        TS_TEST(test_parse_refuses),
    };
    return cmocka_run_group_tests_name("todo_uuid", tests, NULL, NULL);
}
