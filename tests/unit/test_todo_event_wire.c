/* Licensed under the Apache License, Version 2.0; see LICENSE. */

#include <string.h>

#include <apr_strings.h>

#include "test_common.h"
#include "todo_event_wire.h"

#define ADA "0190a8b2-0000-7000-8000-00000000000a"

static void test_small_event_is_one_message(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    todo_wire_reasm_t *rs = todo_wire_reasm_make(p);
    apr_array_header_t *msgs =
        todo_wire_encode(p, 0xabc, 7, TODO_EVENT_TASK, ADA, "{\"x\":1}", 7);
    todo_event_t e;
    uint64_t origin = 0;

    assert_int_equal(1, msgs->nelts);
    assert_string_equal("0000000000000abc 0000000000000007 1 1 1 " ADA
                        " {\"x\":1}",
                        APR_ARRAY_IDX(msgs, 0, const char *));
    assert_int_equal(APR_SUCCESS,
                     todo_wire_take(rs, p, APR_ARRAY_IDX(msgs, 0, const char *),
                                    &origin, &e));
    assert_int_equal(0xabc, origin);
    assert_string_equal(ADA, e.user);
    assert_int_equal(TODO_EVENT_TASK, e.kind);
    assert_string_equal("{\"x\":1}", e.payload);
}

static void test_empty_payload(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    todo_wire_reasm_t *rs = todo_wire_reasm_make(p);
    apr_array_header_t *msgs =
        todo_wire_encode(p, 1, 1, TODO_EVENT_REVOKE, ADA, "", 0);
    todo_event_t e;
    uint64_t origin;

    assert_int_equal(1, msgs->nelts);
    assert_int_equal(APR_SUCCESS,
                     todo_wire_take(rs, p, APR_ARRAY_IDX(msgs, 0, const char *),
                                    &origin, &e));
    assert_int_equal(TODO_EVENT_REVOKE, e.kind);
    assert_int_equal(0, e.len);
}

/* A big event of multi-byte characters: parts are cut on character
 * boundaries, arrive interleaved with another event, and come back
 * whole. */
static void test_big_event_in_parts_interleaved(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    todo_wire_reasm_t *rs = todo_wire_reasm_make(p);
    apr_size_t n = 0, i;
    char *big = apr_palloc(p, 20001);
    apr_array_header_t *msgs, *other;
    todo_event_t e;
    uint64_t origin;
    int got = 0;

    while (n + 3 <= 20000) { /* "€" is 3 bytes: 7000 is not a multiple */
        memcpy(big + n, "\xe2\x82\xac", 3);
        n += 3;
    }
    big[n] = '\0';
    msgs = todo_wire_encode(p, 5, 9, TODO_EVENT_TASK, ADA, big, n);
    other = todo_wire_encode(p, 6, 1, TODO_EVENT_TASK, ADA, "small", 5);
    assert_int_equal(3, msgs->nelts);
    for (i = 0; i < (apr_size_t)msgs->nelts; ++i) {
        const char *m = APR_ARRAY_IDX(msgs, i, const char *);
        const char *slice = strrchr(m, ' ') + 1;
        /* every slice is whole characters */
        assert_int_equal(0, strlen(slice) % 3);
        if (i == 1) {
            assert_int_equal(
                APR_SUCCESS,
                todo_wire_take(rs, p, APR_ARRAY_IDX(other, 0, const char *),
                               &origin, &e));
            assert_string_equal("small", e.payload);
        }
        if (APR_SUCCESS == todo_wire_take(rs, p, m, &origin, &e)) {
            ++got;
            assert_int_equal(i, msgs->nelts - 1);
            assert_int_equal(n, e.len);
            assert_string_equal(big, e.payload);
        }
    }
    assert_int_equal(1, got);
}

static void test_malformed_messages(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    todo_wire_reasm_t *rs = todo_wire_reasm_make(p);
    todo_event_t e;
    uint64_t origin;
    static const char *const bad[] = {
        "",
        "zz 1 1 1 1 " ADA " x",
        "1 1 0 1 1 " ADA " x",   /* part 0 */
        "1 1 2 1 1 " ADA " x",   /* part > parts */
        "1 1 1 1 9 " ADA " x",   /* no such kind */
        "1 1 1 1 1 short x",     /* not a user id */
        "1 1 1 1 1 " ADA,        /* no data separator */
        "1 1 1 999 1 " ADA " x", /* too many parts */
    };
    apr_size_t i;

    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); ++i) {
        assert_int_equal(APR_EINVAL,
                         todo_wire_take(rs, p, bad[i], &origin, &e));
    }
}

/* The database's notification of a stored task event is "e<id>", told
 * apart from a message (16 hex digits, a space, ...): one that starts
 * with an 'e' hex digit is not taken for an event, nor is anything else
 * than a plain positive decimal. */
static void test_task_event_notifications(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    todo_wire_reasm_t *rs = todo_wire_reasm_make(p);
    apr_array_header_t *msgs;
    static const char *const bad[] = {
        "",
        "e",
        "e0",
        "e07",
        "e-1",
        "e+1",
        "e 1",
        "e1 ",
        "E1",
        "ex",
        "e1234567890123456789", /* 19 digits: beyond any id */
        "1",
        "f1",
    };
    apr_int64_t id = -1;
    todo_event_t e;
    uint64_t origin;
    apr_size_t i;

    (void)rs;
    assert_true(todo_wire_event_id("e1", &id));
    assert_int_equal(1, id);
    assert_true(todo_wire_event_id("e123456789012345678", &id));
    assert_true(id == APR_INT64_C(123456789012345678));
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); ++i) {
        id = -1;
        assert_false(todo_wire_event_id(bad[i], &id));
        assert_int_equal(-1, id);
    }
    /* A revocation whose origin starts with "e": a message, not an id. */
    msgs = todo_wire_encode(p, UINT64_C(0xe000000000000001), 2,
                            TODO_EVENT_REVOKE, ADA, "", 0);
    assert_false(todo_wire_event_id(APR_ARRAY_IDX(msgs, 0, const char *), &id));
    assert_int_equal(APR_SUCCESS,
                     todo_wire_take(rs, p, APR_ARRAY_IDX(msgs, 0, const char *),
                                    &origin, &e));
    assert_int_equal(0, e.id);
    /* And the other way round. */
    assert_int_equal(APR_EINVAL, todo_wire_take(rs, p, "e42", &origin, &e));
}

int test_todo_event_wire_run(void)
{
    const struct CMUnitTest tests[] = {
        TS_TEST(test_small_event_is_one_message),
        TS_TEST(test_empty_payload),
        TS_TEST(test_big_event_in_parts_interleaved),
        TS_TEST(test_malformed_messages),
        TS_TEST(test_task_event_notifications),
    };
    return cmocka_run_group_tests_name("todo_event_wire", tests, NULL, NULL);
}
