/* Licensed under the Apache License, Version 2.0; see LICENSE. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <apr_strings.h>

#include "test_common.h"
#include "todo_events.h"

#define ADA "0190a8b2-0000-7000-8000-00000000000a"
#define BOB "0190a8b2-0000-7000-8000-00000000000b"

static todo_events_t *ring(apr_pool_t *p, uint64_t size)
{
    todo_events_t *ev = apr_palloc(p, todo_events_bytes(size));

    todo_events_init(ev, size, 1000);
    return ev;
}

/* A task event whose durable id is its sequence number + 5000 (any
 * number the ring must carry as it is). */
static uint64_t put(todo_events_t *ev, const char *user, const char *text)
{
    uint64_t seq = 0;

    assert_int_equal(APR_SUCCESS, todo_events_append(ev, TODO_EVENT_TASK,
                                                     ev->head_seq + 5000, user,
                                                     text, strlen(text), &seq));
    return seq;
}

static void test_append_then_read_in_order(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    todo_events_t *ev = ring(p, 4096);
    todo_events_cursor_t cur;
    todo_event_t e;

    todo_events_cursor_now(ev, &cur);
    assert_int_equal(APR_EOF, todo_events_next(ev, &cur, p, &e));
    assert_int_equal(1000, put(ev, ADA, "{\"a\":1}"));
    assert_int_equal(1001, put(ev, BOB, ""));
    assert_int_equal(APR_SUCCESS, todo_events_next(ev, &cur, p, &e));
    assert_int_equal(1000, e.seq);
    assert_int_equal(6000, e.id);
    assert_int_equal(TODO_EVENT_TASK, e.kind);
    assert_string_equal(ADA, e.user);
    assert_string_equal("{\"a\":1}", e.payload);
    assert_int_equal(7, e.len);
    assert_int_equal(APR_SUCCESS, todo_events_next(ev, &cur, p, &e));
    assert_string_equal(BOB, e.user);
    assert_int_equal(0, e.len);
    assert_int_equal(APR_EOF, todo_events_next(ev, &cur, p, &e));
}

static void test_refuses_what_cannot_fit(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    todo_events_t *ev = ring(p, 4096);
    char big[2048];

    memset(big, 'x', sizeof(big));
    assert_int_equal(APR_EINVAL, todo_events_append(ev, TODO_EVENT_TASK, 1, ADA,
                                                    big, sizeof(big), NULL));
    assert_int_equal(APR_EINVAL, todo_events_append(ev, TODO_EVENT_TASK, 1,
                                                    "short", "x", 1, NULL));
}

/* Many laps around a small ring: a reader that keeps up reads every
 * record intact, across the wrap markers. */
static void test_wraps_many_times(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    todo_events_t *ev = ring(p, 1024);
    todo_events_cursor_t cur;
    todo_event_t e;
    int i;

    todo_events_cursor_now(ev, &cur);
    for (i = 0; i < 500; ++i) {
        const char *text = apr_psprintf(p, "event %d %.*s", i, i % 97,
                                        "..................................."
                                        "..................................."
                                        "...........................");
        put(ev, i % 2 ? ADA : BOB, text);
        assert_int_equal(APR_SUCCESS, todo_events_next(ev, &cur, p, &e));
        assert_string_equal(text, e.payload);
        assert_int_equal(1000 + i, e.seq);
    }
}

static void test_slow_reader_is_told_it_lost(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    todo_events_t *ev = ring(p, 1024);
    todo_events_cursor_t slow;
    todo_event_t e;
    int i;

    todo_events_cursor_now(ev, &slow);
    for (i = 0; i < 100; ++i) {
        put(ev, ADA, "a record of some forty bytes or so......");
    }
    assert_int_equal(TODO_EVENTS_LOST, todo_events_next(ev, &slow, p, &e));
}

/* A revocation carries no durable id; a task event's id is whatever the
 * database gave it, in no relation to the ring's sequence numbers. */
static void test_records_carry_their_event_id(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    todo_events_t *ev = ring(p, 4096);
    todo_events_cursor_t cur;
    todo_event_t e;

    todo_events_cursor_now(ev, &cur);
    assert_int_equal(APR_SUCCESS, todo_events_append(ev, TODO_EVENT_TASK,
                                                     UINT64_C(9007199254740993),
                                                     ADA, "{}", 2, NULL));
    assert_int_equal(APR_SUCCESS, todo_events_append(ev, TODO_EVENT_REVOKE, 0,
                                                     ADA, "", 0, NULL));
    assert_int_equal(APR_SUCCESS, todo_events_next(ev, &cur, p, &e));
    assert_true(e.id == UINT64_C(9007199254740993));
    assert_int_equal(1000, e.seq);
    assert_int_equal(APR_SUCCESS, todo_events_next(ev, &cur, p, &e));
    assert_int_equal(0, e.id);
    assert_int_equal(TODO_EVENT_REVOKE, e.kind);
}

/* The listener reads the whole ring to know which events it holds: from
 * the tail, the oldest still there, to the head. */
static void test_cursor_at_the_tail_reads_what_is_left(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    todo_events_t *ev = ring(p, 1024);
    todo_events_cursor_t cur;
    todo_event_t e;
    uint64_t first = 0, n = 0;
    int i;

    todo_events_cursor_tail(ev, &cur);
    assert_int_equal(APR_EOF, todo_events_next(ev, &cur, p, &e));
    for (i = 0; i < 100; ++i) {
        put(ev, ADA, apr_itoa(p, i));
    }
    todo_events_cursor_tail(ev, &cur);
    while (APR_SUCCESS == todo_events_next(ev, &cur, p, &e)) {
        if (!n++) {
            first = e.id;
        }
        /* Consecutive, up to the newest. */
        assert_int_equal(first + n - 1, e.id);
    }
    /* The oldest few dozen are gone, the newest is the last read. */
    assert_true(n > 5 && n < 100);
    assert_int_equal(1099 + 5000, first + n - 1);
}

/* A writer process laps a small ring while a reader process reads: the
 * reader gets intact records or "lost", never a torn one. The writer goes
 * on until the reader has checked GOOD_READS whole records (and has
 * written at least MIN_WRITES), so the test does not depend on how the
 * two are scheduled: on a loaded machine it only takes longer. */
#define GOOD_READS 1000
#define MIN_WRITES 200000
static void test_concurrent_reader_never_sees_torn_records(void **state)
{
    uint64_t size = 2048;
    apr_size_t bytes = todo_events_bytes(size);
    todo_events_t *ev = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
                             MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    int *good = mmap(NULL, sizeof(int), PROT_READ | PROT_WRITE,
                     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    pid_t writer;
    int status, lost = 0;
    apr_pool_t *p = TS_POOL(state);
    todo_events_cursor_t cur;
    todo_event_t e;

    assert_true(ev != MAP_FAILED && good != MAP_FAILED);
    *good = 0;
    todo_events_init(ev, size, 1);
    writer = fork();
    assert_true(writer >= 0);
    if (writer == 0) {
        char text[200];
        int i, n;
        time_t give_up = time(NULL) + 120;
        for (i = 0; i < MIN_WRITES
                    || (__atomic_load_n(good, __ATOMIC_ACQUIRE) < GOOD_READS
                        && time(NULL) < give_up);
             ++i) {
            /* The payload repeats its own number: a torn read shows. */
            n = snprintf(text, sizeof(text), "%d", i);
            while (n < 20 + i % 150) {
                n += snprintf(text + n, sizeof(text) - (size_t)n, ",%d", i);
            }
            todo_events_append(ev, TODO_EVENT_TASK, (uint64_t)i, ADA, text,
                               (size_t)n, NULL);
        }
        _exit(0);
    }
    todo_events_cursor_now(ev, &cur);
    while (waitpid(writer, &status, WNOHANG) == 0) {
        apr_status_t rv = todo_events_next(ev, &cur, p, &e);
        if (rv == APR_SUCCESS) {
            char *dup = strdup(e.payload), *tok, *save = NULL;
            const char *first = strtok_r(dup, ",", &save);
            for (tok = strtok_r(NULL, ",", &save); tok;
                 tok = strtok_r(NULL, ",", &save)) {
                assert_string_equal(first, tok);
            }
            assert_int_equal(e.seq, (uint64_t)atoi(first) + 1);
            assert_int_equal(e.id, (uint64_t)atoi(first));
            free(dup);
            __atomic_add_fetch(good, 1, __ATOMIC_ACQ_REL);
        }
        else if (rv == TODO_EVENTS_LOST) {
            ++lost;
            todo_events_cursor_now(ev, &cur);
        }
        apr_pool_clear(p);
    }
    assert_int_equal(0, status);
    assert_true(*good >= GOOD_READS);
    munmap(ev, bytes);
    munmap(good, sizeof(int));
    (void)lost;
}

int test_todo_events_run(void)
{
    const struct CMUnitTest tests[] = {
        TS_TEST(test_append_then_read_in_order),
        TS_TEST(test_refuses_what_cannot_fit),
        TS_TEST(test_wraps_many_times),
        TS_TEST(test_slow_reader_is_told_it_lost),
        TS_TEST(test_records_carry_their_event_id),
        TS_TEST(test_cursor_at_the_tail_reads_what_is_left),
        TS_TEST(test_concurrent_reader_never_sees_torn_records),
    };
    return cmocka_run_group_tests_name("todo_events", tests, NULL, NULL);
}
