/* Licensed under the Apache License, Version 2.0; see LICENSE. */

/* mod_todo_shared.c: the segment todo_shared_post_config() makes (and
 * finds again after a graceful restart), the live stream counts and
 * their verdicts, the listener lease, publishing events and the wake
 * word. The fixture has made a fresh segment (ts_setup()). */

#include <apr_thread_proc.h>

#include "mod_todo_shared.h"
#include "test_glue.h"

#define USER_A "0192f000-0000-7000-8000-00000000000a"
#define USER_B "0192f000-0000-7000-8000-00000000000b"
#define USER_C "0192f000-0000-7000-8000-00000000000c"
#define ADDR_X "192.0.2.1"
#define ADDR_Y "192.0.2.2"
#define ADDR_Z "192.0.2.3"
/* Two users, and two addresses, that shared one of the 65,536 hashed
 * buckets (FNV-1a of the text) streams were once counted in. */
#define USER_P "0192f000-0000-7000-8000-00000000018d"
#define USER_Q "0192f000-0000-7000-8000-0000000004c8"
#define ADDR_P "2001:db8::18d"
#define ADDR_Q "2001:db8::4c8"

#define SEC(n) apr_time_from_sec(n)

static int64_t gauge(void)
{
    return todo_shared_metrics()->streams;
}

/* --- the segment ------------------------------------------------------ */

static void test_post_config_makes_a_zeroed_segment(void **state)
{
    todo_metrics_t *m = todo_shared_metrics();
    todo_events_t *ev = todo_shared_events();

    (void)state;
    assert_non_null(m);
    assert_non_null(todo_shared_rates());
    assert_non_null(ev);
    assert_int_equal(0, m->streams);
    assert_int_equal(0, m->db_errors);
    assert_int_equal(0, m->auth_failures[0]);
    assert_int_equal(TS_BACKLOG, ev->size);
    /* Event numbers start at the time: older ones are never current. */
    assert_true(ev->head_seq >= (uint64_t)TS_NOW);
    assert_int_equal(1, todo_shared_next_msgid());
    assert_int_equal(2, todo_shared_next_msgid());
    assert_int_equal(3, todo_shared_next_msgid());
}

static void test_post_config_again_finds_the_same_segment(void **state)
{
    server_rec *s = TS_SERVER(state);
    todo_metrics_t *m = todo_shared_metrics();
    uint64_t origin = todo_shared_origin();

    todo_metrics_db_error(m);
    todo_shared_next_msgid();
    /* A graceful restart: the counters and this server's name survive. */
    assert_null(todo_shared_post_config(s, TS_BACKLOG, TS_STREAM_KEYS));
    assert_ptr_equal(m, todo_shared_metrics());
    assert_int_equal(1, todo_shared_metrics()->db_errors);
    assert_int_equal(origin, todo_shared_origin());
    assert_int_equal(2, todo_shared_next_msgid());
    /* Another TodoEventBacklog: a new segment, counted from zero. */
    assert_null(todo_shared_post_config(s, 2 * TS_BACKLOG, TS_STREAM_KEYS));
    assert_int_equal(2 * TS_BACKLOG, todo_shared_events()->size);
    assert_int_equal(0, todo_shared_metrics()->db_errors);
    assert_int_equal(1, todo_shared_next_msgid());
    /* So does another most of streams (their tables' size). */
    todo_metrics_db_error(todo_shared_metrics());
    assert_null(todo_shared_post_config(s, 2 * TS_BACKLOG, TS_STREAM_KEYS));
    assert_int_equal(1, todo_shared_metrics()->db_errors);
    assert_null(todo_shared_post_config(s, 2 * TS_BACKLOG, 2 * TS_STREAM_KEYS));
    assert_int_equal(0, todo_shared_metrics()->db_errors);
}

/* --- live streams ----------------------------------------------------- */

static void test_streams_admitted_up_to_per_user(void **state)
{
    const todo_stream_quota_t q = {2, 100, 100};

    (void)state;
    assert_int_equal(TODO_STREAM_ADMITTED,
                     todo_shared_stream_enter(USER_A, ADDR_X, &q));
    assert_int_equal(TODO_STREAM_ADMITTED,
                     todo_shared_stream_enter(USER_A, ADDR_Y, &q));
    assert_int_equal(TODO_STREAM_FULL_USER,
                     todo_shared_stream_enter(USER_A, ADDR_Z, &q));
    assert_int_equal(2, gauge());
    assert_int_equal(TODO_STREAM_ADMITTED,
                     todo_shared_stream_enter(USER_B, ADDR_Z, &q));
    assert_int_equal(3, gauge());
    todo_shared_stream_leave(USER_A, ADDR_X);
    assert_int_equal(2, gauge());
    assert_int_equal(TODO_STREAM_ADMITTED,
                     todo_shared_stream_enter(USER_A, ADDR_Z, &q));
    assert_int_equal(3, gauge());
}

static void test_streams_admitted_up_to_per_address(void **state)
{
    const todo_stream_quota_t q = {1, 2, 100};

    (void)state;
    assert_int_equal(TODO_STREAM_ADMITTED,
                     todo_shared_stream_enter(USER_A, ADDR_X, &q));
    assert_int_equal(TODO_STREAM_ADMITTED,
                     todo_shared_stream_enter(USER_B, ADDR_X, &q));
    assert_int_equal(TODO_STREAM_FULL_ADDRESS,
                     todo_shared_stream_enter(USER_C, ADDR_X, &q));
    assert_int_equal(2, gauge());
    /* The refused stream left nothing counted for its user. */
    assert_int_equal(TODO_STREAM_ADMITTED,
                     todo_shared_stream_enter(USER_C, ADDR_Y, &q));
    assert_int_equal(3, gauge());
}

static void test_streams_admitted_up_to_total(void **state)
{
    const todo_stream_quota_t q = {100, 100, 3};

    (void)state;
    assert_int_equal(TODO_STREAM_ADMITTED,
                     todo_shared_stream_enter(USER_A, ADDR_X, &q));
    assert_int_equal(TODO_STREAM_ADMITTED,
                     todo_shared_stream_enter(USER_B, ADDR_Y, &q));
    assert_int_equal(TODO_STREAM_ADMITTED,
                     todo_shared_stream_enter(USER_C, ADDR_Z, &q));
    assert_int_equal(TODO_STREAM_FULL_SERVER,
                     todo_shared_stream_enter(USER_A, ADDR_Z, &q));
    assert_int_equal(3, gauge());
    todo_shared_stream_leave(USER_B, ADDR_Y);
    assert_int_equal(TODO_STREAM_ADMITTED,
                     todo_shared_stream_enter(USER_A, ADDR_Z, &q));
    assert_int_equal(3, gauge());
}

static void test_streams_full_server_is_checked_first(void **state)
{
    const todo_stream_quota_t one = {1, 1, 1};

    (void)state;
    assert_int_equal(TODO_STREAM_ADMITTED,
                     todo_shared_stream_enter(USER_A, ADDR_X, &one));
    /* Over every limit at once: the server's is the one reported. */
    assert_int_equal(TODO_STREAM_FULL_SERVER,
                     todo_shared_stream_enter(USER_A, ADDR_X, &one));
    assert_int_equal(1, gauge());
}

static void test_streams_counted_back_out(void **state)
{
    const todo_stream_quota_t q = {3, 3, 3};
    int i;

    (void)state;
    for (i = 0; i < 3; ++i) {
        assert_int_equal(TODO_STREAM_ADMITTED,
                         todo_shared_stream_enter(USER_A, ADDR_X, &q));
    }
    assert_int_equal(3, gauge());
    for (i = 0; i < 3; ++i) {
        todo_shared_stream_leave(USER_A, ADDR_X);
    }
    assert_int_equal(0, gauge());
    for (i = 0; i < 3; ++i) {
        assert_int_equal(TODO_STREAM_ADMITTED,
                         todo_shared_stream_enter(USER_A, ADDR_X, &q));
    }
    assert_int_equal(TODO_STREAM_FULL_SERVER,
                     todo_shared_stream_enter(USER_B, ADDR_Y, &q));
}

/*
 * The bug: per-user counts were kept in hashed buckets, and the first
 * user of two that shared one took its TodoStreamsPerUser slots; with
 * 1,000 users some 7 pairs collide, and the second user of each was
 * refused (429) with no stream open. Counted by the whole id (and the
 * whole address), each has its own.
 */
static void test_streams_colliding_users_counted_apart(void **state)
{
    const todo_stream_quota_t one_each = {1, 1, 100};

    (void)state;
    assert_int_equal(TODO_STREAM_ADMITTED,
                     todo_shared_stream_enter(USER_P, ADDR_X, &one_each));
    assert_int_equal(TODO_STREAM_ADMITTED,
                     todo_shared_stream_enter(USER_Q, ADDR_Y, &one_each));
    assert_int_equal(TODO_STREAM_FULL_USER,
                     todo_shared_stream_enter(USER_Q, ADDR_Z, &one_each));
    assert_int_equal(TODO_STREAM_ADMITTED,
                     todo_shared_stream_enter(USER_A, ADDR_P, &one_each));
    assert_int_equal(TODO_STREAM_ADMITTED,
                     todo_shared_stream_enter(USER_B, ADDR_Q, &one_each));
    assert_int_equal(TODO_STREAM_FULL_ADDRESS,
                     todo_shared_stream_enter(USER_C, ADDR_Q, &one_each));
    /* Leaving gives back the leaver's slot, not its neighbour's. */
    todo_shared_stream_leave(USER_P, ADDR_X);
    assert_int_equal(TODO_STREAM_FULL_USER,
                     todo_shared_stream_enter(USER_Q, ADDR_Z, &one_each));
    assert_int_equal(TODO_STREAM_ADMITTED,
                     todo_shared_stream_enter(USER_P, ADDR_Z, &one_each));
    assert_int_equal(4, gauge());
}

/*
 * A capacity attack: many users (or addresses) cannot fill the tables,
 * sized for the server's cap (todo_stream_most()), past it. The cap is
 * checked first, so a stream over it is refused (server) before its
 * user or address takes a slot. Were a quota's total above the tables'
 * size (it never is), the full table refuses too, and what the stream
 * had counted (its user) is counted out.
 */
static void test_streams_cap_comes_before_the_tables(void **state)
{
    const todo_stream_quota_t q = {2, 1, 3}, over = {2, 1, 5};

    assert_null(todo_shared_post_config(TS_SERVER(state), TS_BACKLOG, 3));
    assert_int_equal(TODO_STREAM_ADMITTED,
                     todo_shared_stream_enter(USER_A, ADDR_X, &q));
    assert_int_equal(TODO_STREAM_ADMITTED,
                     todo_shared_stream_enter(USER_B, ADDR_Y, &q));
    assert_int_equal(TODO_STREAM_ADMITTED,
                     todo_shared_stream_enter(USER_A, ADDR_Z, &q));
    assert_int_equal(TODO_STREAM_FULL_SERVER,
                     todo_shared_stream_enter(USER_C, ADDR_P, &q));
    assert_int_equal(3, gauge());
    /* Users A and B, addresses X, Y and Z: C's user fits, its address
     * does not. */
    assert_int_equal(TODO_STREAM_FULL_SERVER,
                     todo_shared_stream_enter(USER_C, ADDR_P, &over));
    assert_int_equal(3, gauge());
    /* C kept nothing of it: two streams of C now fit its two. */
    todo_shared_stream_leave(USER_A, ADDR_Z);
    todo_shared_stream_leave(USER_B, ADDR_Y);
    assert_int_equal(TODO_STREAM_ADMITTED,
                     todo_shared_stream_enter(USER_C, ADDR_P, &q));
    assert_int_equal(TODO_STREAM_ADMITTED,
                     todo_shared_stream_enter(USER_C, ADDR_Q, &q));
    assert_int_equal(3, gauge());
}

/* --- the listener lease ------------------------------------------------ */

static void test_lease_has_one_holder_at_a_time(void **state)
{
    apr_time_t t = TS_NOW;

    (void)state;
    assert_true(todo_shared_lease(100, t));
    assert_false(todo_shared_lease(200, t));
    assert_false(todo_shared_lease(300, t + SEC(1)));
    /* Renewed by its holder, at any time. */
    assert_true(todo_shared_lease(100, t + SEC(2)));
    assert_true(todo_shared_lease(100, t + SEC(2)));
}

static void test_lease_taken_over_only_after_lease_seconds(void **state)
{
    apr_time_t beat = TS_NOW + SEC(2);

    (void)state;
    assert_true(todo_shared_lease(100, TS_NOW));
    assert_true(todo_shared_lease(100, beat));
    assert_false(todo_shared_lease(200, beat + SEC(TODO_LEASE_SECONDS) - 1));
    assert_true(todo_shared_lease(200, beat + SEC(TODO_LEASE_SECONDS)));
    /* The old holder has lost it, and cannot renew it back. */
    assert_false(todo_shared_lease(100, beat + SEC(TODO_LEASE_SECONDS) + 1));
    assert_true(todo_shared_lease(200, beat + SEC(TODO_LEASE_SECONDS) + 1));
}

static void test_lease_released_by_its_holder_only(void **state)
{
    (void)state;
    assert_true(todo_shared_lease(100, TS_NOW));
    todo_shared_lease_release(200);
    assert_false(todo_shared_lease(200, TS_NOW));
    todo_shared_lease_release(100);
    /* Free at once, not after TODO_LEASE_SECONDS. */
    assert_true(todo_shared_lease(200, TS_NOW));
    assert_false(todo_shared_lease(100, TS_NOW));
}

/* --- events and the wake word --------------------------------------- */

static void test_publish_appends_and_bumps_the_wake_word(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    todo_events_t *ev = todo_shared_events();
    uint32_t word = todo_shared_wake_word();
    todo_events_cursor_t cur;
    todo_event_t e;

    todo_events_cursor_now(ev, &cur);
    assert_int_equal(APR_SUCCESS,
                     todo_shared_publish(TODO_EVENT_TASK, 41, USER_A, "{}", 2));
    assert_int_equal(word + 1, todo_shared_wake_word());
    assert_int_equal(APR_SUCCESS,
                     todo_shared_publish(TODO_EVENT_REVOKE, 0, USER_B, "", 0));
    assert_int_equal(word + 2, todo_shared_wake_word());
    assert_int_equal(APR_SUCCESS, todo_events_next(ev, &cur, p, &e));
    assert_int_equal(TODO_EVENT_TASK, e.kind);
    assert_int_equal(41, e.id);
    assert_string_equal(USER_A, e.user);
    assert_int_equal(2, e.len);
    assert_memory_equal("{}", e.payload, 2);
    assert_int_equal(APR_SUCCESS, todo_events_next(ev, &cur, p, &e));
    assert_int_equal(TODO_EVENT_REVOKE, e.kind);
    assert_string_equal(USER_B, e.user);
    assert_int_equal(APR_EOF, todo_events_next(ev, &cur, p, &e));
    /* What can never be stored is refused, and not published. */
    assert_int_equal(
        APR_EINVAL, todo_shared_publish(TODO_EVENT_TASK, 42, "short", "{}", 2));
    assert_int_equal(APR_EOF, todo_events_next(ev, &cur, p, &e));
}

/* The store's sink on SQLite: a committed event, with its id, into the
 * ring; one that cannot be is said in the log (it is stored all the
 * same), never a failure of the write. */
static void test_committed_events_go_to_the_ring(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    todo_events_t *ev = todo_shared_events();
    todo_events_cursor_t cur;
    todo_event_t e;

    todo_events_cursor_now(ev, &cur);
    todo_shared_publish_committed(TS_SERVER(state), 77, USER_A, "{\"a\":1}", 7);
    assert_int_equal(APR_SUCCESS, todo_events_next(ev, &cur, p, &e));
    assert_int_equal(TODO_EVENT_TASK, e.kind);
    assert_int_equal(77, e.id);
    assert_string_equal("{\"a\":1}", e.payload);
    todo_shared_publish_committed(TS_SERVER(state), 78, "short", "{}", 2);
    assert_int_equal(APR_EOF, todo_events_next(ev, &cur, p, &e));
    assert_non_null(stub_logged(NULL, APLOG_WARNING, "MT00043"));
}

/* When the listener was last healthy outlives the process (a takeover);
 * at a server's first start, when its segment was made: a stream opened
 * before the first listener listens is owed what was committed since
 * (PostgreSQL: test_720_11 lost its first event to that gap). */
static void test_listener_health_is_shared(void **state)
{
    apr_time_t made = todo_shared_listener_last_healthy();

    (void)state;
    assert_true(made > 0 && made <= apr_time_now());
    assert_true(apr_time_now() - made < apr_time_from_sec(60));
    todo_shared_listener_healthy(TS_NOW);
    assert_int_equal(TS_NOW, todo_shared_listener_last_healthy());
}

/* One prune a period, whoever asks. */
static void test_prune_once_a_period(void **state)
{
    (void)state;
    assert_true(todo_shared_prune_due(TS_NOW, SEC(60)));
    assert_false(todo_shared_prune_due(TS_NOW, SEC(60)));
    assert_false(todo_shared_prune_due(TS_NOW + SEC(59), SEC(60)));
    assert_true(todo_shared_prune_due(TS_NOW + SEC(60), SEC(60)));
    assert_false(todo_shared_prune_due(TS_NOW + SEC(61), SEC(60)));
}

static void test_wait_returns_at_once_once_the_word_moved(void **state)
{
    uint32_t word = todo_shared_wake_word();
    apr_time_t start;

    (void)state;
    todo_shared_wake_all();
    assert_int_equal(word + 1, todo_shared_wake_word());
    start = apr_time_now();
    todo_shared_wait(word, SEC(30));
    assert_true(apr_time_now() - start < SEC(10));
}

static void test_wait_times_out_when_nothing_happens(void **state)
{
    apr_time_t start = apr_time_now();

    (void)state;
    todo_shared_wait(todo_shared_wake_word(), apr_time_from_msec(20));
    assert_true(apr_time_now() - start >= apr_time_from_msec(15));
}

static void *APR_THREAD_FUNC publisher(apr_thread_t *thread, void *data)
{
    (void)data;
    apr_sleep(apr_time_from_msec(20));
    todo_shared_publish(TODO_EVENT_TASK, 1, USER_A, "{}", 2);
    apr_thread_exit(thread, APR_SUCCESS);
    return NULL;
}

static void test_publish_wakes_a_waiter(void **state)
{
    uint32_t word = todo_shared_wake_word();
    apr_time_t start = apr_time_now();
    apr_thread_t *thread = NULL;
    apr_status_t rv = APR_SUCCESS;

    assert_int_equal(APR_SUCCESS, apr_thread_create(&thread, NULL, publisher,
                                                    NULL, TS_POOL(state)));
    /* Whether it publishes before or during the wait, the wait ends
     * with the word moved, long before its timeout. */
    while (todo_shared_wake_word() == word
           && apr_time_now() - start < SEC(30)) {
        todo_shared_wait(word, SEC(30));
    }
    assert_int_equal(APR_SUCCESS, apr_thread_join(&rv, thread));
    assert_int_equal(word + 1, todo_shared_wake_word());
    assert_true(apr_time_now() - start < SEC(10));
}

int test_glue_shared_run(void)
{
    const struct CMUnitTest tests[] = {
        TS_TEST(test_post_config_makes_a_zeroed_segment),
        TS_TEST(test_post_config_again_finds_the_same_segment),
        TS_TEST(test_streams_admitted_up_to_per_user),
        TS_TEST(test_streams_admitted_up_to_per_address),
        TS_TEST(test_streams_colliding_users_counted_apart),
        TS_TEST(test_streams_cap_comes_before_the_tables),
        TS_TEST(test_streams_admitted_up_to_total),
        TS_TEST(test_streams_full_server_is_checked_first),
        TS_TEST(test_streams_counted_back_out),
        TS_TEST(test_lease_has_one_holder_at_a_time),
        TS_TEST(test_lease_taken_over_only_after_lease_seconds),
        TS_TEST(test_lease_released_by_its_holder_only),
        TS_TEST(test_publish_appends_and_bumps_the_wake_word),
        TS_TEST(test_committed_events_go_to_the_ring),
        TS_TEST(test_listener_health_is_shared),
        TS_TEST(test_prune_once_a_period),
        TS_TEST(test_wait_returns_at_once_once_the_word_moved),
        TS_TEST(test_wait_times_out_when_nothing_happens),
        TS_TEST(test_publish_wakes_a_waiter),
    };

    return cmocka_run_group_tests_name("mod_todo_shared", tests, NULL, NULL);
}
