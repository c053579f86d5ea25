/* Licensed under the Apache License, Version 2.0; see LICENSE. */

/* The database rate limiter's statements, on SQLite in memory (the
 * PostgreSQL ones run in tests/integration/test_825_fleet_limits.py). */

#include <string.h>

#include <apr_strings.h>

#include "test_common.h"
#include "todo_ratelimit_db.h"
#include "todo_sql.h"

#define MINUTE (60 * APR_USEC_PER_SEC)
#define MS(n) ((apr_time_t)(n)*1000)

static const unsigned char secret[TODO_RL_DB_KEY_LEN] =
    "0123456789abcdef0123456789abcdef";

/* Take one at @a now; @return 1 admitted, 0 refused (retry in *retry). */
static int take(todo_db_t *db, apr_pool_t *p, const char *key,
                const todo_rl_rule_t *rule, apr_time_t now, int *retry)
{
    int admitted = -1;

    assert_int_equal(APR_SUCCESS,
                     todo_rl_db_take(db, p, key, rule, now, &admitted, retry));
    assert_true(admitted == 0 || admitted == 1);
    return admitted;
}

static int rows_of(todo_db_t *db, apr_pool_t *p, const char *key)
{
    todo_rows_t *rows = NULL;

    assert_int_equal(APR_SUCCESS, todo_db_select(db, p, TODO_SQL_RATE_TAT,
                                                 &rows, TODO_ARGS(key)));
    return rows->nrows;
}

static void test_keys_are_keyed_hashes(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    static const unsigned char other[TODO_RL_DB_KEY_LEN] =
        "fedcba9876543210fedcba9876543210";
    const char *k = todo_rl_db_key(p, secret, "login-ip", "192.0.2.1");

    assert_int_equal(22, strlen(k)); /* 128 bits, base64url */
    assert_null(strstr(k, "192"));
    assert_string_equal(k, todo_rl_db_key(p, secret, "login-ip", "192.0.2.1"));
    assert_string_not_equal(k,
                            todo_rl_db_key(p, secret, "login-ip", "192.0.2.2"));
    assert_string_not_equal(
        k, todo_rl_db_key(p, secret, "register-ip", "192.0.2.1"));
    assert_string_not_equal(k,
                            todo_rl_db_key(p, other, "login-ip", "192.0.2.1"));
}

static void test_burst_then_refused_with_retry_after(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    todo_db_t *db = ts_memdb(p);
    todo_rl_rule_t three_a_minute = {3, MINUTE};
    const char *k = todo_rl_db_key(p, secret, "login-ip", "192.0.2.1");
    const char *other = todo_rl_db_key(p, secret, "login-ip", "192.0.2.9");
    int i, retry = -1;

    for (i = 0; i < 3; ++i) {
        assert_true(take(db, p, k, &three_a_minute, TS_NOW, &retry));
    }
    assert_false(take(db, p, k, &three_a_minute, TS_NOW, &retry));
    assert_int_equal(19, retry); /* one per 20 s from here, less the slack */
    assert_false(take(db, p, k, &three_a_minute, TS_NOW + MS(18999), &retry));
    assert_int_equal(1, retry);
    /* Another key has a budget of its own. */
    assert_true(take(db, p, other, &three_a_minute, TS_NOW, &retry));
    /* One more after the interval (less the second of slack), then
     * refused again. */
    assert_true(take(db, p, k, &three_a_minute, TS_NOW + MS(19000), &retry));
    assert_false(take(db, p, k, &three_a_minute, TS_NOW + MS(19000), &retry));
    /* A whole period later, the whole burst again. */
    for (i = 0; i < 3; ++i) {
        assert_true(
            take(db, p, k, &three_a_minute, TS_NOW + MS(80001), &retry));
    }
    assert_false(take(db, p, k, &three_a_minute, TS_NOW + MS(80001), &retry));
}

/* Attempts whose clocks run a little out of the order they reach the
 * table in (two servers; two threads) still get exactly the burst: the
 * later-stored, earlier-stamped ones are not refused for it. */
static void test_out_of_order_clocks_get_the_burst(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    todo_db_t *db = ts_memdb(p);
    todo_rl_rule_t three_a_minute = {3, MINUTE};
    todo_rl_rule_t ten_a_second = {10, APR_USEC_PER_SEC};
    const char *k = todo_rl_db_key(p, secret, "login-account", "ada");
    const char *fast = todo_rl_db_key(p, secret, "login-account", "bob");
    int i, retry = -1;

    assert_true(take(db, p, k, &three_a_minute, TS_NOW + MS(40), &retry));
    assert_true(take(db, p, k, &three_a_minute, TS_NOW + MS(5), &retry));
    assert_true(take(db, p, k, &three_a_minute, TS_NOW, &retry));
    assert_false(take(db, p, k, &three_a_minute, TS_NOW + MS(40), &retry));
    assert_false(take(db, p, k, &three_a_minute, TS_NOW, &retry));
    /* A short interval (100 ms) gets half of it as slack: still ten. */
    for (i = 0; i < 10; ++i) {
        assert_true(take(db, p, fast, &ten_a_second,
                         TS_NOW + MS(i % 2 ? 0 : 20), &retry));
    }
    assert_false(take(db, p, fast, &ten_a_second, TS_NOW + MS(20), &retry));
}

static void test_no_limit_touches_nothing(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    todo_db_t *db = ts_memdb(p);
    todo_rl_rule_t off = {0, MINUTE};
    const char *k = todo_rl_db_key(p, secret, "login-ip", "192.0.2.1");
    int i, retry = -1;

    for (i = 0; i < 100; ++i) {
        assert_true(take(db, p, k, &off, TS_NOW, &retry));
    }
    assert_int_equal(0, rows_of(db, p, k));
}

/* A take on a millisecond divisible by 64 first deletes the rows whose
 * time has passed, and only those. */
static void test_spent_rows_are_pruned(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    todo_db_t *db = ts_memdb(p);
    todo_rl_rule_t one_a_second = {1, APR_USEC_PER_SEC};
    todo_rl_rule_t one_an_hour = {1, 3600 * APR_USEC_PER_SEC};
    const char *spent = todo_rl_db_key(p, secret, "login-ip", "192.0.2.1");
    const char *live = todo_rl_db_key(p, secret, "login-ip", "192.0.2.2");
    const char *k = todo_rl_db_key(p, secret, "login-ip", "192.0.2.3");
    apr_time_t t = MS(1475980545024); /* a multiple of 64 ms */
    int retry;

    assert_true(take(db, p, spent, &one_a_second, t - MS(5000), &retry));
    assert_true(take(db, p, live, &one_an_hour, t - MS(5000), &retry));
    assert_int_equal(1, rows_of(db, p, spent));
    /* Not on the 64th millisecond: nothing pruned. */
    assert_true(take(db, p, k, &one_a_second, t - MS(1), &retry));
    assert_int_equal(1, rows_of(db, p, spent));
    assert_true(take(db, p, k, &one_a_second, t + MS(64000), &retry));
    assert_int_equal(0, rows_of(db, p, spent));
    assert_int_equal(1, rows_of(db, p, live));
    /* Pruned keys start afresh, as they would have anyway. */
    assert_true(take(db, p, spent, &one_a_second, t + MS(64000), &retry));
}

int test_todo_ratelimit_db_run(void)
{
    const struct CMUnitTest tests[] = {
        TS_TEST(test_keys_are_keyed_hashes),
        TS_TEST(test_burst_then_refused_with_retry_after),
        TS_TEST(test_out_of_order_clocks_get_the_burst),
        TS_TEST(test_no_limit_touches_nothing),
        TS_TEST(test_spent_rows_are_pruned),
    };
    return cmocka_run_group_tests_name("todo_ratelimit_db", tests, NULL, NULL);
}
