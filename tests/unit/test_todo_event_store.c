/* Licensed under the Apache License, Version 2.0; see LICENSE. */

/* todo_event_store: the payload streams send, what a resume decides, and
 * the events table on SQLite :memory: -- written in a transaction and
 * handed to the sink only once it committed, read back after an id, by
 * ids and by time, pruned with its watermark. */

#include <string.h>

#include <apr_strings.h>

#include "test_common.h"
#include "todo_event_store.h"

#define ADA "0192a6e4-0000-7000-8000-00000000a11c"
#define BOB "0192a6e4-0000-7000-8000-000000000b0b"

/* What a sink was given, in order. */
typedef struct {
    apr_pool_t *p;
    apr_array_header_t *got; /* const char * "id user payload" */
} sink_t;

static void record(void *ctx, apr_int64_t id, const char *user,
                   const char *payload, apr_size_t len)
{
    sink_t *s = ctx;

    assert_int_equal(strlen(payload), len);
    APR_ARRAY_PUSH(s->got, const char *) =
        apr_psprintf(s->p, "%" APR_INT64_T_FMT " %s %s", id, user, payload);
}

static sink_t *sink_on(todo_db_t *db, apr_pool_t *p)
{
    sink_t *s = apr_pcalloc(p, sizeof(*s));

    s->p = p;
    s->got = apr_array_make(p, 4, sizeof(const char *));
    db->event_sink = record;
    db->event_sink_ctx = s;
    return s;
}

static const char *got(const sink_t *s, int i)
{
    return i < s->got->nelts ? APR_ARRAY_IDX(s->got, i, const char *) : NULL;
}

/* Write one event of @a user in a transaction of its own. */
static apr_int64_t put(todo_db_t *db, apr_pool_t *p, const char *user,
                       const char *payload)
{
    todo_stored_event_t *ev = apr_pcalloc(p, sizeof(*ev));
    todo_tx_t *tx = NULL;

    ev->user = user;
    ev->payload = payload;
    ev->len = strlen(payload);
    assert_int_equal(APR_SUCCESS, todo_db_begin(db, p, &tx));
    assert_int_equal(APR_SUCCESS, todo_event_write(db, p, ev));
    assert_int_equal(APR_SUCCESS, todo_db_end(db, p, tx, 1));
    assert_true(ev->id > 0);
    return ev->id;
}

static void sql(todo_db_t *db, apr_pool_t *p, const char *text)
{
    const char *err = NULL;

    assert_int_equal(APR_SUCCESS, db->driver->script(db, p, text, &err));
}

static apr_int64_t now_ms(void)
{
    return apr_time_as_msec(apr_time_now());
}

/* ---- the payload -------------------------------------------------------- */

/* Exactly what streams sent before events were stored: the task's JSON
 * as the response has it, in {"type", "task"}. */
static void test_payload_wraps_the_task_text(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    static const char task[] = "{\"id\":\"x\",\"title\":\"a \\\"b\\\"\"}";
    apr_size_t len = 0;
    const char *text;

    text =
        todo_event_payload(p, TODO_EVENT_CREATED, task, sizeof(task) - 1, &len);
    assert_string_equal("{\"type\":\"task.created\",\"task\":{\"id\":\"x\","
                        "\"title\":\"a \\\"b\\\"\"}}",
                        text);
    assert_int_equal(strlen(text), len);
    /* Only @a len bytes of the task are taken (a slice of a bulk body). */
    text = todo_event_payload(p, TODO_EVENT_DELETED, "{\"id\":\"y\"},{...}", 10,
                              &len);
    assert_string_equal("{\"type\":\"task.deleted\",\"task\":{\"id\":\"y\"}}",
                        text);
    assert_int_equal(strlen(text), len);
}

/* ---- what a resume decides ----------------------------------------------- */

static void test_resume_parse(void **state)
{
    static const char *const reset[] = {
        "",     "-1", "abc",
        "1.5",  " 1", "1 ",
        "0x10", "+",  "99999999999999999999", /* beyond int64 */
    };
    apr_int64_t after = -1;
    apr_size_t i;

    (void)state;
    assert_int_equal(TODO_RESUME_LIVE, todo_event_resume_parse(NULL, &after));
    assert_int_equal(TODO_RESUME_AFTER, todo_event_resume_parse("0", &after));
    assert_int_equal(0, after);
    assert_int_equal(TODO_RESUME_AFTER, todo_event_resume_parse("42", &after));
    assert_int_equal(42, after);
    assert_int_equal(TODO_RESUME_AFTER,
                     todo_event_resume_parse("9223372036854775807", &after));
    for (i = 0; i < sizeof(reset) / sizeof(reset[0]); ++i) {
        assert_int_equal(TODO_RESUME_RESET,
                         todo_event_resume_parse(reset[i], &after));
    }
}

/* Resumable from the watermark up to the newest id; below it events may
 * have been pruned, above it the id was never given here (another
 * database, a restored backup, a stream of the old per-server ids). */
static void test_resume_check(void **state)
{
    (void)state;
    assert_int_equal(TODO_RESUME_AFTER, todo_event_resume_check(0, 0, 0));
    assert_int_equal(TODO_RESUME_AFTER, todo_event_resume_check(0, 0, 10));
    assert_int_equal(TODO_RESUME_AFTER, todo_event_resume_check(10, 0, 10));
    assert_int_equal(TODO_RESUME_AFTER, todo_event_resume_check(5, 5, 10));
    assert_int_equal(TODO_RESUME_RESET, todo_event_resume_check(4, 5, 10));
    assert_int_equal(TODO_RESUME_RESET, todo_event_resume_check(11, 5, 10));
    assert_int_equal(TODO_RESUME_RESET, todo_event_resume_check(0, 1, 10));
    /* An id from before a restart of the per-server ring (microseconds). */
    assert_int_equal(
        TODO_RESUME_RESET,
        todo_event_resume_check(APR_INT64_C(1727000000000000), 0, 10));
}

/* ---- the table ------------------------------------------------------------
 */

/* The sink hears of an event once its transaction committed, in commit
 * order, and never of one rolled back. */
static void test_written_events_reach_the_sink_at_commit(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    todo_db_t *db = ts_memdb(p);
    sink_t *s = sink_on(db, p);
    todo_stored_event_t a = {0, ADA, "{\"n\":1}", 7}, b = {0, ADA, "{}", 2};
    todo_stored_event_t c = {0, BOB, "{\"n\":3}", 7};
    todo_tx_t *tx = NULL;
    apr_array_header_t *events;

    assert_int_equal(APR_SUCCESS, todo_db_begin(db, p, &tx));
    assert_int_equal(APR_SUCCESS, todo_event_write(db, p, &a));
    assert_int_equal(APR_SUCCESS, todo_event_write(db, p, &b));
    assert_int_equal(0, s->got->nelts); /* not before the commit */
    assert_int_equal(APR_SUCCESS, todo_db_end(db, p, tx, 1));
    assert_int_equal(2, s->got->nelts);
    assert_true(b.id == a.id + 1);
    assert_string_equal(
        apr_psprintf(p, "%" APR_INT64_T_FMT " " ADA " {\"n\":1}", a.id),
        got(s, 0));
    assert_string_equal(
        apr_psprintf(p, "%" APR_INT64_T_FMT " " ADA " {}", b.id), got(s, 1));
    /* Rolled back: neither stored nor heard of. */
    assert_int_equal(APR_SUCCESS, todo_db_begin(db, p, &tx));
    assert_int_equal(APR_SUCCESS, todo_event_write(db, p, &c));
    assert_int_equal(APR_SUCCESS, todo_db_end(db, p, tx, 0));
    assert_int_equal(2, s->got->nelts);
    assert_int_equal(APR_SUCCESS,
                     todo_event_read_after(db, p, BOB, 0, 10, &events));
    assert_int_equal(0, events->nelts);
    /* Ids are never given twice, even one rolled back. */
    assert_true(put(db, p, BOB, "{}") > b.id);
}

static void test_read_after_an_id(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    todo_db_t *db = ts_memdb(p);
    apr_array_header_t *events;
    apr_int64_t ids[6];
    int i;

    for (i = 0; i < 6; ++i) {
        ids[i] =
            put(db, p, i % 2 ? BOB : ADA, apr_psprintf(p, "{\"n\":%d}", i));
    }
    /* Ada's after her first: the 3rd and 5th, oldest first. */
    assert_int_equal(APR_SUCCESS,
                     todo_event_read_after(db, p, ADA, ids[0], 10, &events));
    assert_int_equal(2, events->nelts);
    assert_true(APR_ARRAY_IDX(events, 0, todo_stored_event_t).id == ids[2]);
    assert_string_equal("{\"n\":2}",
                        APR_ARRAY_IDX(events, 0, todo_stored_event_t).payload);
    assert_int_equal(7, APR_ARRAY_IDX(events, 0, todo_stored_event_t).len);
    assert_string_equal(ADA,
                        APR_ARRAY_IDX(events, 0, todo_stored_event_t).user);
    assert_true(APR_ARRAY_IDX(events, 1, todo_stored_event_t).id == ids[4]);
    /* A page at a time. */
    assert_int_equal(APR_SUCCESS,
                     todo_event_read_after(db, p, BOB, 0, 2, &events));
    assert_int_equal(2, events->nelts);
    assert_true(APR_ARRAY_IDX(events, 1, todo_stored_event_t).id == ids[3]);
    assert_int_equal(APR_SUCCESS,
                     todo_event_read_after(db, p, BOB, ids[3], 2, &events));
    assert_int_equal(1, events->nelts);
    assert_true(APR_ARRAY_IDX(events, 0, todo_stored_event_t).id == ids[5]);
    assert_int_equal(APR_SUCCESS,
                     todo_event_read_after(db, p, BOB, ids[5], 2, &events));
    assert_int_equal(0, events->nelts);
}

/* In the order asked (the notifications'), without those not there. */
static void test_fetch_by_ids(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    todo_db_t *db = ts_memdb(p);
    apr_array_header_t *events;
    apr_int64_t a = put(db, p, ADA, "{\"a\":1}"), b = put(db, p, BOB, "{}");
    apr_int64_t ids[3];

    ids[0] = b;
    ids[1] = b + 1000; /* pruned, or its user deleted */
    ids[2] = a;
    assert_int_equal(APR_SUCCESS, todo_event_fetch(db, p, ids, 3, &events));
    assert_int_equal(2, events->nelts);
    assert_true(APR_ARRAY_IDX(events, 0, todo_stored_event_t).id == b);
    assert_string_equal(BOB,
                        APR_ARRAY_IDX(events, 0, todo_stored_event_t).user);
    assert_true(APR_ARRAY_IDX(events, 1, todo_stored_event_t).id == a);
    assert_string_equal("{\"a\":1}",
                        APR_ARRAY_IDX(events, 1, todo_stored_event_t).payload);
    assert_int_equal(APR_SUCCESS, todo_event_fetch(db, p, ids, 0, &events));
    assert_int_equal(0, events->nelts);
    assert_int_equal(
        APR_EINVAL, todo_event_fetch(db, p, ids, TODO_EVENT_PAGE + 1, &events));
}

/* created_at is the database's clock: the catch-up asks by it. */
static void test_ids_since_a_time(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    todo_db_t *db = ts_memdb(p);
    apr_int64_t before = now_ms(), a, b, c;
    apr_array_header_t *ids;

    a = put(db, p, ADA, "{}");
    b = put(db, p, BOB, "{}");
    c = put(db, p, ADA, "{}");
    sql(db, p,
        apr_psprintf(p,
                     "UPDATE events SET created_at = created_at - 60000"
                     " WHERE id = %" APR_INT64_T_FMT,
                     a));
    /* Within a second of the clock here. */
    assert_true(before - 1000 <= now_ms());
    assert_int_equal(APR_SUCCESS,
                     todo_event_ids_since(db, p, before - 1000, 10, &ids));
    assert_int_equal(2, ids->nelts);
    assert_true(APR_ARRAY_IDX(ids, 0, apr_int64_t) == b);
    assert_true(APR_ARRAY_IDX(ids, 1, apr_int64_t) == c);
    assert_int_equal(APR_SUCCESS, todo_event_ids_since(db, p, 0, 2, &ids));
    assert_int_equal(2, ids->nelts);
    assert_true(APR_ARRAY_IDX(ids, 0, apr_int64_t) == a);
    assert_int_equal(APR_SUCCESS,
                     todo_event_ids_since(db, p, now_ms() + 60000, 10, &ids));
    assert_int_equal(0, ids->nelts);
}

/* Pruning removes the oldest events made before a time, a batch per
 * transaction, and moves the watermark to the last id it removed:
 * nothing above the watermark is ever pruned, everything up to it is. */
static void test_prune_and_its_watermark(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    todo_db_t *db = ts_memdb(p);
    apr_int64_t ids[6], pruned = -1, last = -1;
    apr_array_header_t *events;
    int i, n = -1;

    assert_int_equal(APR_SUCCESS, todo_event_bounds(db, p, &pruned, &last));
    assert_int_equal(0, pruned);
    assert_int_equal(0, last);
    for (i = 0; i < 6; ++i) {
        ids[i] = put(db, p, ADA, apr_psprintf(p, "{\"n\":%d}", i));
    }
    /* The first four are a day old; of them, the third is not quite
     * (a transaction that took its time): it goes with its elders. */
    sql(db, p,
        apr_psprintf(p,
                     "UPDATE events SET created_at = created_at - 86400000"
                     " WHERE id <= %" APR_INT64_T_FMT
                     " AND id <> %" APR_INT64_T_FMT,
                     ids[3], ids[2]));
    assert_int_equal(APR_SUCCESS, todo_event_bounds(db, p, &pruned, &last));
    assert_int_equal(0, pruned);
    assert_true(last == ids[5]);
    /* A batch of 2: the two oldest. */
    assert_int_equal(APR_SUCCESS,
                     todo_event_prune(db, p, now_ms() - 3600000, 2, &n));
    assert_int_equal(2, n);
    assert_int_equal(APR_SUCCESS, todo_event_bounds(db, p, &pruned, &last));
    assert_true(pruned == ids[1]);
    /* The rest of them: up to the fourth, the third with it. */
    assert_int_equal(APR_SUCCESS,
                     todo_event_prune(db, p, now_ms() - 3600000, 100, &n));
    assert_int_equal(2, n);
    assert_int_equal(APR_SUCCESS, todo_event_bounds(db, p, &pruned, &last));
    assert_true(pruned == ids[3]);
    assert_true(last == ids[5]);
    assert_int_equal(APR_SUCCESS,
                     todo_event_read_after(db, p, ADA, 0, 10, &events));
    assert_int_equal(2, events->nelts);
    assert_true(APR_ARRAY_IDX(events, 0, todo_stored_event_t).id == ids[4]);
    /* Nothing more is old enough: nothing moves. */
    assert_int_equal(APR_SUCCESS,
                     todo_event_prune(db, p, now_ms() - 3600000, 100, &n));
    assert_int_equal(0, n);
    assert_int_equal(APR_SUCCESS, todo_event_bounds(db, p, &pruned, &last));
    assert_true(pruned == ids[3]);
    /* Everything: the newest id is the watermark's, and the next one
     * written is above it (AUTOINCREMENT: never given again). */
    assert_int_equal(APR_SUCCESS,
                     todo_event_prune(db, p, now_ms() + 60000, 100, &n));
    assert_int_equal(2, n);
    assert_int_equal(APR_SUCCESS, todo_event_bounds(db, p, &pruned, &last));
    assert_true(pruned == ids[5]);
    assert_true(last == ids[5]);
    assert_true(put(db, p, ADA, "{}") > ids[5]);
}

int test_todo_event_store_run(void)
{
    const struct CMUnitTest tests[] = {
        TS_TEST(test_payload_wraps_the_task_text),
        TS_TEST(test_resume_parse),
        TS_TEST(test_resume_check),
        TS_TEST(test_written_events_reach_the_sink_at_commit),
        TS_TEST(test_read_after_an_id),
        TS_TEST(test_fetch_by_ids),
        TS_TEST(test_ids_since_a_time),
        TS_TEST(test_prune_and_its_watermark),
    };
    return cmocka_run_group_tests_name("todo_event_store", tests, NULL, NULL);
}
