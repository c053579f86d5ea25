/* Licensed under the Apache License, Version 2.0; see LICENSE. */

#include "test_common.h"
#include "todo_stream_admit.h"

/* The shipped shape, 2 x 64: 48 streams a process, 16 threads kept. */
static void test_quarter_of_each_process_is_kept(void **state)
{
    todo_stream_capacity_t c;

    (void)state;
    todo_stream_capacity(64, 2, &c);
    assert_int_equal(16, c.reserve);
    assert_int_equal(48, c.per_process);
    assert_int_equal(96, c.total);
    /* Debian's own event MPM: 25 threads, 150 / 25 = 6 processes. */
    todo_stream_capacity(25, 6, &c);
    assert_int_equal(6, c.reserve);
    assert_int_equal(19, c.per_process);
    assert_int_equal(114, c.total);
}

/* Small processes keep at least one thread: never a process whose every
 * thread may stream. */
static void test_at_least_one_thread_is_kept(void **state)
{
    todo_stream_capacity_t c;
    int threads;

    (void)state;
    for (threads = 2; threads <= 300; ++threads) {
        todo_stream_capacity(threads, 3, &c);
        assert_true(c.reserve >= 1);
        assert_true(c.per_process >= 1);
        assert_int_equal(threads, c.per_process + c.reserve);
        assert_int_equal(3 * c.per_process, c.total);
    }
    todo_stream_capacity(2, 1, &c);
    assert_int_equal(1, c.per_process);
    todo_stream_capacity(7, 1, &c);
    assert_int_equal(6, c.per_process);
    todo_stream_capacity(8, 1, &c);
    assert_int_equal(6, c.per_process);
}

/* One thread per process (prefork): a stream takes a whole process, and
 * a quarter of the processes (at least one) stay for requests. */
static void test_one_thread_per_process(void **state)
{
    todo_stream_capacity_t c;

    (void)state;
    todo_stream_capacity(1, 150, &c);
    assert_int_equal(0, c.per_process);
    assert_int_equal(37, c.reserve);
    assert_int_equal(113, c.total);
    todo_stream_capacity(1, 1, &c);
    assert_int_equal(0, c.total);
    todo_stream_capacity(0, 0, &c); /* nonsense in, nothing admitted */
    assert_int_equal(0, c.total);
}

/* Parked streams (event MPM) hold no thread but a descriptor: three
 * quarters of each process's descriptors, whatever its threads. */
static void test_async_capacity_follows_descriptors(void **state)
{
    todo_stream_capacity_t c;

    (void)state;
    todo_stream_capacity_async(1024, 2, &c);
    assert_int_equal(0, c.reserve);
    assert_int_equal(768, c.per_process);
    assert_int_equal(1536, c.total);
    todo_stream_capacity_async(20000, 2, &c);
    assert_int_equal(15000, c.per_process);
    assert_int_equal(30000, c.total);
    todo_stream_capacity_async(2, 0, &c); /* one kept, one stream */
    assert_int_equal(1, c.per_process);
    assert_int_equal(1, c.total);
    todo_stream_capacity_async(1, 3, &c); /* nonsense in, nothing */
    assert_int_equal(0, c.total);
}

static void test_verdict_names(void **state)
{
    (void)state;
    assert_string_equal("user",
                        todo_stream_verdict_name(TODO_STREAM_FULL_USER));
    assert_string_equal("address",
                        todo_stream_verdict_name(TODO_STREAM_FULL_ADDRESS));
    assert_string_equal("process",
                        todo_stream_verdict_name(TODO_STREAM_FULL_PROCESS));
    assert_string_equal("server",
                        todo_stream_verdict_name(TODO_STREAM_FULL_SERVER));
    assert_string_equal("server",
                        todo_stream_verdict_name(TODO_STREAM_VERDICTS));
}

int test_todo_stream_admit_run(void)
{
    const struct CMUnitTest tests[] = {
        TS_TEST(test_quarter_of_each_process_is_kept),
        TS_TEST(test_at_least_one_thread_is_kept),
        TS_TEST(test_one_thread_per_process),
        TS_TEST(test_async_capacity_follows_descriptors),
        TS_TEST(test_verdict_names),
    };
    return cmocka_run_group_tests_name("todo_stream_admit", tests, NULL, NULL);
}
