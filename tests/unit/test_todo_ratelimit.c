/* Licensed under the Apache License, Version 2.0; see LICENSE. */

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <apr_strings.h>

#include "test_common.h"
#include "todo_ratelimit.h"

#define MINUTE (60 * APR_USEC_PER_SEC)

static todo_rl_table_t *table(apr_pool_t *p, uint32_t nslots)
{
    todo_rl_table_t *t = apr_palloc(p, todo_rl_table_size(nslots));

    todo_rl_table_init(t, nslots, 42, TS_NOW);
    return t;
}

static int take(todo_rl_table_t *t, const char *who, const todo_rl_rule_t *rule,
                apr_time_t now, int *retry)
{
    return todo_rl_take(t, todo_rl_key(t, "login-ip", who), rule, now, retry);
}

static void test_burst_then_refused_with_retry_after(void **state)
{
    todo_rl_table_t *t = table(TS_POOL(state), 1024);
    todo_rl_rule_t ten_a_minute = {10, MINUTE};
    int i, retry = -1;

    for (i = 0; i < 10; ++i) {
        assert_true(take(t, "192.0.2.1", &ten_a_minute, TS_NOW, &retry));
    }
    assert_false(take(t, "192.0.2.1", &ten_a_minute, TS_NOW, &retry));
    assert_int_equal(6, retry); /* one request per 6 s from here */
    /* Refused requests do not push the limit further out. */
    assert_false(take(t, "192.0.2.1", &ten_a_minute, TS_NOW + 1000, &retry));
    assert_int_equal(6, retry);
    assert_false(take(t, "192.0.2.1", &ten_a_minute,
                      TS_NOW + 5 * APR_USEC_PER_SEC, &retry));
    assert_int_equal(1, retry);
    /* One more after 6 s, and only one. */
    assert_true(take(t, "192.0.2.1", &ten_a_minute,
                     TS_NOW + 6 * APR_USEC_PER_SEC, &retry));
    assert_false(take(t, "192.0.2.1", &ten_a_minute,
                      TS_NOW + 6 * APR_USEC_PER_SEC, &retry));
    /* A whole period later the full burst is back. */
    for (i = 0; i < 10; ++i) {
        assert_true(
            take(t, "192.0.2.1", &ten_a_minute, TS_NOW + 2 * MINUTE, &retry));
    }
    assert_false(
        take(t, "192.0.2.1", &ten_a_minute, TS_NOW + 2 * MINUTE, &retry));
}

static void test_keys_and_kinds_are_apart(void **state)
{
    todo_rl_table_t *t = table(TS_POOL(state), 1024);
    todo_rl_rule_t one = {1, MINUTE};
    int retry;

    assert_true(take(t, "192.0.2.1", &one, TS_NOW, &retry));
    assert_false(take(t, "192.0.2.1", &one, TS_NOW, &retry));
    assert_true(take(t, "192.0.2.2", &one, TS_NOW, &retry));
    /* The same value under another limit is another key. */
    assert_true(todo_rl_take(t, todo_rl_key(t, "register-ip", "192.0.2.1"),
                             &one, TS_NOW, &retry));
    assert_true(todo_rl_key(t, "login-ip", "ab")
                != todo_rl_key(t, "login-i", "pab"));
}

static void test_seed_changes_keys(void **state)
{
    todo_rl_table_t *a = table(TS_POOL(state), 16);
    todo_rl_table_t *b = table(TS_POOL(state), 16);

    b->seed = 43;
    assert_true(todo_rl_key(a, "login-account", "ada")
                != todo_rl_key(b, "login-account", "ada"));
}

static void test_count_zero_is_no_limit(void **state)
{
    todo_rl_table_t *t = table(TS_POOL(state), 16);
    todo_rl_rule_t off = {0, MINUTE};
    int i, retry;

    for (i = 0; i < 1000; ++i) {
        assert_true(take(t, "192.0.2.1", &off, TS_NOW, &retry));
    }
}

static void test_full_table_evicts_nearest_expiry(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    todo_rl_table_t *t = table(p, 16);
    todo_rl_rule_t one = {1, MINUTE};
    int i, retry;

    /* 100 keys in 16 slots: every newcomer is admitted (a full table
     * forgets the oldest state rather than refusing strangers), and the
     * newest key is still remembered. */
    for (i = 0; i < 100; ++i) {
        assert_true(take(t, apr_itoa(p, i), &one, TS_NOW + i, &retry));
    }
    assert_false(take(t, "99", &one, TS_NOW + 100, &retry));
}

static void test_period_shorter_than_count_ms(void **state)
{
    todo_rl_table_t *t = table(TS_POOL(state), 16);
    todo_rl_rule_t fast = {5000, APR_USEC_PER_SEC};
    int i, admitted = 0, retry;

    /* Below millisecond resolution: one per ms, a burst of ~1000. */
    for (i = 0; i < 5000; ++i) {
        admitted += take(t, "x", &fast, TS_NOW, &retry);
    }
    assert_in_range(admitted, 999, 1001);
}

/* Four processes on one shared table: the limit holds exactly. */
static void test_processes_share_one_count(void **state)
{
    apr_size_t size = todo_rl_table_size(1024);
    todo_rl_table_t *t =
        mmap(NULL, size + 4 * sizeof(int), PROT_READ | PROT_WRITE,
             MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    todo_rl_rule_t rule = {1000, MINUTE};
    int *admitted, i, total = 0, status;

    (void)state;
    assert_true(t != MAP_FAILED);
    todo_rl_table_init(t, 1024, 7, TS_NOW);
    admitted = (int *)((char *)t + size);
    for (i = 0; i < 4; ++i) {
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
            int n = 0, j, retry;
            for (j = 0; j < 1000; ++j) {
                n += take(t, "192.0.2.9", &rule, TS_NOW, &retry);
            }
            admitted[i] = n;
            _exit(0);
        }
    }
    for (i = 0; i < 4; ++i) {
        assert_true(wait(&status) > 0);
        assert_int_equal(0, status);
    }
    for (i = 0; i < 4; ++i) {
        total += admitted[i];
    }
    assert_int_equal(1000, total);
    munmap(t, size + 4 * sizeof(int));
}

int test_todo_ratelimit_run(void)
{
    const struct CMUnitTest tests[] = {
        TS_TEST(test_burst_then_refused_with_retry_after),
        TS_TEST(test_keys_and_kinds_are_apart),
        TS_TEST(test_seed_changes_keys),
        TS_TEST(test_count_zero_is_no_limit),
        TS_TEST(test_full_table_evicts_nearest_expiry),
        TS_TEST(test_period_shorter_than_count_ms),
        TS_TEST(test_processes_share_one_count),
    };
    return cmocka_run_group_tests_name("todo_ratelimit", tests, NULL, NULL);
}
