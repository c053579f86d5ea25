/* Licensed under the Apache License, Version 2.0; see LICENSE. */

/* todo_park: who holds a stream that no thread holds, stepped one call at
 * a time through the races the threads can run into. */

#include "test_common.h"
#include "todo_park.h"

#define SEC(n) apr_time_from_sec(n)

/* What a schedule callback saw. */
typedef struct {
    int calls;
    todo_park_id_t ids[8];
    void *owners[8];
} seen_t;

static void note(void *baton, todo_park_id_t id, void *owner)
{
    seen_t *seen = baton;

    if (seen->calls < 8) {
        seen->ids[seen->calls] = id;
        seen->owners[seen->calls] = owner;
    }
    ++seen->calls;
}

/* A stream the handler made, handed off with nothing pending, parks;
 * the first wake schedules it, a worker runs it with that reason, and it
 * parks again with no reason left. */
static void test_park_wake_run_park(void **state)
{
    todo_park_t p;
    unsigned why;

    (void)state;
    todo_park_init(&p);
    assert_int_equal(TODO_PARK_RUNNING, p.state);
    assert_int_equal(TODO_PARK_ARM, todo_park_hand_off(&p, TS_NOW + SEC(15)));
    assert_int_equal(TODO_PARK_PARKED, p.state);
    assert_int_equal(TODO_PARK_SCHEDULE, todo_park_wake(&p, TODO_PARK_EVENT));
    assert_int_equal(TODO_PARK_SCHEDULED, p.state);
    assert_int_equal(TODO_PARK_EVENT, todo_park_begin(&p));
    assert_int_equal(TODO_PARK_RUNNING, p.state);
    assert_int_equal(TODO_PARK_ARM,
                     todo_park_end(&p, 0, TS_NOW + SEC(30), &why));
    assert_int_equal(0, why);
    assert_int_equal(TS_NOW + SEC(30), p.deadline);
}

/* Events that arrive while a worker runs the stream are not lost: the
 * run goes round again before it parks, with exactly those reasons. */
static void test_event_arrives_while_running(void **state)
{
    todo_park_t p;
    unsigned why;

    (void)state;
    todo_park_init(&p);
    todo_park_hand_off(&p, 0);
    todo_park_wake(&p, TODO_PARK_EVENT);
    assert_int_equal(TODO_PARK_EVENT, todo_park_begin(&p));
    /* The dispatcher sees another event, the watcher a frame: nobody
     * else is asked to schedule it. */
    assert_int_equal(TODO_PARK_NOTHING, todo_park_wake(&p, TODO_PARK_EVENT));
    assert_int_equal(TODO_PARK_NOTHING, todo_park_wake(&p, TODO_PARK_INPUT));
    assert_int_equal(TODO_PARK_RUNNING, p.state);
    assert_int_equal(TODO_PARK_AGAIN, todo_park_end(&p, 0, 0, &why));
    assert_int_equal(TODO_PARK_EVENT | TODO_PARK_INPUT, why);
    assert_int_equal(TODO_PARK_RUNNING, p.state);
    assert_int_equal(TODO_PARK_ARM, todo_park_end(&p, 0, 0, &why));
    assert_int_equal(0, why);
}

/* Wakes of a stream already scheduled pile up for the one run: a hang-up
 * seen while it waits for a worker reaches that worker. */
static void test_hangup_while_scheduled(void **state)
{
    todo_park_t p;

    (void)state;
    todo_park_init(&p);
    todo_park_hand_off(&p, 0);
    assert_int_equal(TODO_PARK_SCHEDULE, todo_park_wake(&p, TODO_PARK_TIMER));
    assert_int_equal(TODO_PARK_NOTHING, todo_park_wake(&p, TODO_PARK_HANGUP));
    assert_int_equal(TODO_PARK_NOTHING, todo_park_wake(&p, TODO_PARK_TIMER));
    assert_int_equal(TODO_PARK_TIMER | TODO_PARK_HANGUP, todo_park_begin(&p));
}

/* Reasons that came while the handler still held the stream (before the
 * MPM suspended the connection) schedule it at the hand-off. */
static void test_wake_before_hand_off(void **state)
{
    todo_park_t p;

    (void)state;
    todo_park_init(&p);
    assert_int_equal(TODO_PARK_NOTHING, todo_park_wake(&p, TODO_PARK_EVENT));
    assert_int_equal(TODO_PARK_SCHEDULE,
                     todo_park_hand_off(&p, TS_NOW + SEC(15)));
    assert_int_equal(TODO_PARK_SCHEDULED, p.state);
    assert_int_equal(TODO_PARK_EVENT, todo_park_begin(&p));
}

/* Stop while parked: scheduled like any wake; the run sees STOP. */
static void test_stop_while_parked(void **state)
{
    todo_park_t p;
    unsigned why;

    (void)state;
    todo_park_init(&p);
    todo_park_hand_off(&p, TS_NOW + SEC(15));
    assert_int_equal(TODO_PARK_SCHEDULE, todo_park_wake(&p, TODO_PARK_STOP));
    assert_int_equal(TODO_PARK_STOP, todo_park_begin(&p));
    assert_int_equal(TODO_PARK_FINISHED, todo_park_end(&p, 1, 0, &why));
    assert_int_equal(TODO_PARK_DONE, p.state);
    /* Once done, nothing wakes it, and nothing runs it. */
    assert_int_equal(TODO_PARK_NOTHING, todo_park_wake(&p, TODO_PARK_EVENT));
    assert_int_equal(0, todo_park_begin(&p));
    assert_int_equal(TODO_PARK_DONE, p.state);
}

/* A run that ends the stream ends it, whatever else came meanwhile. */
static void test_finish_drops_pending(void **state)
{
    todo_park_t p;
    unsigned why;

    (void)state;
    todo_park_init(&p);
    todo_park_wake(&p, TODO_PARK_EVENT);
    assert_int_equal(TODO_PARK_FINISHED, todo_park_end(&p, 1, 0, &why));
    assert_int_equal(0, p.pending);
}

/* begin() only starts a scheduled run: not a parked stream, not one
 * another worker runs. */
static void test_begin_needs_scheduled(void **state)
{
    todo_park_t p;

    (void)state;
    todo_park_init(&p);
    todo_park_wake(&p, TODO_PARK_EVENT);
    assert_int_equal(0, todo_park_begin(&p)); /* RUNNING */
    assert_int_equal(TODO_PARK_EVENT, p.pending);
    todo_park_hand_off(&p, 0);
    assert_int_equal(TODO_PARK_EVENT, todo_park_begin(&p));
    assert_int_equal(0, todo_park_begin(&p)); /* twice: once only */
}

/* The deadline wakes a parked stream (and only a parked one) with TIMER
 * from the moment it passes; no deadline never wakes. */
static void test_deadline(void **state)
{
    todo_park_t p;
    unsigned why;

    (void)state;
    todo_park_init(&p);
    todo_park_hand_off(&p, TS_NOW + SEC(15));
    assert_int_equal(TODO_PARK_NOTHING, todo_park_due(&p, TS_NOW + SEC(14)));
    assert_int_equal(TODO_PARK_SCHEDULE, todo_park_due(&p, TS_NOW + SEC(15)));
    assert_int_equal(TODO_PARK_NOTHING, todo_park_due(&p, TS_NOW + SEC(16)));
    assert_int_equal(TODO_PARK_TIMER, todo_park_begin(&p));
    assert_int_equal(TODO_PARK_NOTHING, todo_park_due(&p, TS_NOW + SEC(99)));
    todo_park_end(&p, 0, 0, &why);
    assert_int_equal(TODO_PARK_NOTHING, todo_park_due(&p, TS_NOW + SEC(99)));
}

/* Ids: live ones find their stream and owner; once removed, an id is
 * stale for good, even when its slot holds another stream. */
static void test_table_ids_go_stale(void **state)
{
    todo_park_table_t *t;
    todo_park_id_t a, b, c;
    int x, y, z;
    void *owner;

    assert_int_equal(APR_EINVAL, todo_park_table_make(TS_POOL(state), 0, &t));
    assert_int_equal(APR_SUCCESS, todo_park_table_make(TS_POOL(state), 2, &t));
    assert_int_equal(APR_SUCCESS, todo_park_table_add(t, &x, &a));
    assert_int_equal(APR_SUCCESS, todo_park_table_add(t, &y, &b));
    assert_true(a && b && a != b);
    assert_int_equal(2, todo_park_table_count(t));
    assert_int_equal(APR_ENOSPC, todo_park_table_add(t, &z, &c));
    assert_non_null(todo_park_table_get(t, a, &owner));
    assert_ptr_equal(&x, owner);
    assert_int_equal(TODO_PARK_RUNNING, todo_park_table_get(t, a, NULL)->state);
    todo_park_table_remove(t, a);
    todo_park_table_remove(t, a); /* twice: nothing */
    assert_int_equal(1, todo_park_table_count(t));
    assert_null(todo_park_table_get(t, a, &owner));
    assert_null(owner);
    /* The freed slot takes the next stream, under another id. */
    assert_int_equal(APR_SUCCESS, todo_park_table_add(t, &z, &c));
    assert_true(c != a);
    assert_null(todo_park_table_get(t, a, NULL));
    assert_non_null(todo_park_table_get(t, c, &owner));
    assert_ptr_equal(&z, owner);
    assert_null(todo_park_table_get(t, 0, NULL));
    assert_null(todo_park_table_get(t, ((todo_park_id_t)1 << 32) | 99, NULL));
}

/* The watcher's sweep: due streams are scheduled, the others give the
 * next deadline; running ones are left to their run. */
static void test_table_due(void **state)
{
    todo_park_table_t *t;
    todo_park_id_t a, b, c, d;
    int x, y, z, w;
    seen_t seen = {0};
    unsigned why;

    todo_park_table_make(TS_POOL(state), 8, &t);
    todo_park_table_add(t, &x, &a);
    todo_park_table_add(t, &y, &b);
    todo_park_table_add(t, &z, &c);
    todo_park_table_add(t, &w, &d);
    todo_park_hand_off(todo_park_table_get(t, a, NULL), TS_NOW + SEC(5));
    todo_park_hand_off(todo_park_table_get(t, b, NULL), TS_NOW + SEC(20));
    todo_park_hand_off(todo_park_table_get(t, c, NULL), 0);
    /* d stays RUNNING, with a deadline that passed. */
    todo_park_table_get(t, d, NULL)->deadline = TS_NOW;
    assert_int_equal(TS_NOW + SEC(5),
                     todo_park_table_due(t, TS_NOW, note, &seen));
    assert_int_equal(0, seen.calls);
    assert_int_equal(TS_NOW + SEC(20),
                     todo_park_table_due(t, TS_NOW + SEC(6), note, &seen));
    assert_int_equal(1, seen.calls);
    assert_true(seen.ids[0] == a);
    assert_ptr_equal(&x, seen.owners[0]);
    /* a is scheduled: not again, and not counted for the next one. */
    assert_int_equal(TS_NOW + SEC(20),
                     todo_park_table_due(t, TS_NOW + SEC(7), note, &seen));
    assert_int_equal(1, seen.calls);
    assert_int_equal(TODO_PARK_TIMER,
                     todo_park_begin(todo_park_table_get(t, a, NULL)));
    todo_park_end(todo_park_table_get(t, a, NULL), 0, TS_NOW + SEC(10), &why);
    assert_int_equal(TS_NOW + SEC(10),
                     todo_park_table_due(t, TS_NOW + SEC(8), note, &seen));
    todo_park_table_remove(t, a);
    todo_park_table_remove(t, b);
    assert_int_equal(0, todo_park_table_due(t, TS_NOW + SEC(8), note, &seen));
}

/* The server stops: every parked stream is scheduled once; scheduled and
 * running ones get STOP for their run, and nobody is asked twice. */
static void test_table_stop_all(void **state)
{
    todo_park_table_t *t;
    todo_park_id_t a, b, c;
    int x, y, z;
    seen_t seen = {0};
    todo_park_t *pa, *pb, *pc;

    todo_park_table_make(TS_POOL(state), 4, &t);
    todo_park_table_add(t, &x, &a);
    todo_park_table_add(t, &y, &b);
    todo_park_table_add(t, &z, &c);
    pa = todo_park_table_get(t, a, NULL);
    pb = todo_park_table_get(t, b, NULL);
    pc = todo_park_table_get(t, c, NULL);
    todo_park_hand_off(pa, TS_NOW + SEC(15));
    todo_park_hand_off(pb, 0);
    todo_park_wake(pb, TODO_PARK_EVENT); /* b: SCHEDULED; c: RUNNING */
    todo_park_table_wake_all(t, TODO_PARK_STOP, note, &seen);
    assert_int_equal(1, seen.calls);
    assert_true(seen.ids[0] == a);
    assert_int_equal(TODO_PARK_STOP, pa->pending);
    assert_int_equal(TODO_PARK_EVENT | TODO_PARK_STOP, pb->pending);
    assert_int_equal(TODO_PARK_STOP, pc->pending);
    todo_park_table_wake_all(t, TODO_PARK_STOP, note, &seen);
    assert_int_equal(1, seen.calls);
}

/* At shutdown with no worker left: the streams nobody runs (parked or
 * scheduled) are taken by the caller, RUNNING, with STOP; a running one
 * is not (its worker ends it). */
static void test_table_claim_idle(void **state)
{
    todo_park_table_t *t;
    todo_park_id_t a, b, c;
    int x, y, z;
    seen_t seen = {0};
    unsigned why;

    todo_park_table_make(TS_POOL(state), 4, &t);
    todo_park_table_add(t, &x, &a);
    todo_park_table_add(t, &y, &b);
    todo_park_table_add(t, &z, &c);
    todo_park_hand_off(todo_park_table_get(t, a, NULL), 0);
    todo_park_hand_off(todo_park_table_get(t, b, NULL), 0);
    todo_park_wake(todo_park_table_get(t, b, NULL), TODO_PARK_INPUT);
    todo_park_table_claim_idle(t, TODO_PARK_STOP, note, &seen);
    assert_int_equal(2, seen.calls);
    assert_ptr_equal(&x, seen.owners[0]);
    assert_ptr_equal(&y, seen.owners[1]);
    assert_int_equal(TODO_PARK_RUNNING, todo_park_table_get(t, a, NULL)->state);
    assert_int_equal(TODO_PARK_INPUT | TODO_PARK_STOP,
                     todo_park_table_get(t, b, NULL)->pending);
    /* The run the MPM had scheduled for b can no longer start it. */
    assert_int_equal(0, todo_park_begin(todo_park_table_get(t, b, NULL)));
    assert_int_equal(
        TODO_PARK_FINISHED,
        todo_park_end(todo_park_table_get(t, b, NULL), 1, 0, &why));
}

int test_todo_park_run(void)
{
    const struct CMUnitTest tests[] = {
        TS_TEST(test_park_wake_run_park),
        TS_TEST(test_event_arrives_while_running),
        TS_TEST(test_hangup_while_scheduled),
        TS_TEST(test_wake_before_hand_off),
        TS_TEST(test_stop_while_parked),
        TS_TEST(test_finish_drops_pending),
        TS_TEST(test_begin_needs_scheduled),
        TS_TEST(test_deadline),
        TS_TEST(test_table_ids_go_stale),
        TS_TEST(test_table_due),
        TS_TEST(test_table_stop_all),
        TS_TEST(test_table_claim_idle),
    };
    return cmocka_run_group_tests_name("todo_park", tests, NULL, NULL);
}
