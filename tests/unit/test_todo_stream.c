/* Licensed under the Apache License, Version 2.0; see LICENSE. */

/* todo_stream: a live stream's decisions, stepped through time by hand. */

#include <string.h>

#include "test_common.h"
#include "todo_stream.h"
#include "todo_ws.h"

#define ADA "0192a6e4-7c2b-7def-8abc-00000000a0a0"
#define BOB "0192a6e4-7c2b-7def-8abc-00000000b0b0"
#define SID "0192a6e4-7c2b-7def-8abc-0000000051d0"
#define OTHER_SID "0192a6e4-7c2b-7def-8abc-0000000051d1"
#define SEC(n) apr_time_from_sec(n)
/* The token expires 900 s after TS_NOW; heartbeats every 15 s. */
#define EXP (TS_CONST + 900)

/* An event read from the ring: task events carry their durable @a id
 * (the ring's own sequence number is another, unrelated one). */
static todo_event_t event(todo_event_kind_t kind, const char *user,
                          const char *payload, uint64_t id)
{
    todo_event_t e;

    memset(&e, 0, sizeof(e));
    e.kind = kind;
    e.seq = 1000000 - id;
    e.id = kind == TODO_EVENT_TASK ? id : 0;
    strcpy(e.user, user);
    e.payload = payload;
    e.len = strlen(payload);
    return e;
}

static void test_waits_until_the_heartbeat(void **state)
{
    todo_stream_t s;
    apr_interval_time_t wait;
    todo_event_t e = event(TODO_EVENT_TASK, ADA, "{}", 10);

    (void)state;
    todo_stream_init(&s, 0, ADA, SID, EXP, SEC(15), TS_NOW);
    assert_int_equal(TODO_STREAM_WAIT, todo_stream_tick(&s, TS_NOW, 0, &wait));
    assert_int_equal(SEC(15), wait);
    assert_int_equal(TODO_STREAM_WAIT,
                     todo_stream_tick(&s, TS_NOW + SEC(10), 0, &wait));
    assert_int_equal(SEC(5), wait);
    /* Due: a ping, counted as sent; the next is 15 s later. */
    assert_int_equal(TODO_STREAM_PING,
                     todo_stream_tick(&s, TS_NOW + SEC(15), 0, &wait));
    assert_int_equal(TODO_STREAM_WAIT,
                     todo_stream_tick(&s, TS_NOW + SEC(16), 0, &wait));
    assert_int_equal(SEC(14), wait);
    /* An event sent meanwhile does not move it: heartbeats keep their
     * schedule (and with them the glue's session check). */
    assert_int_equal(TODO_STREAM_SEND, todo_stream_on_event(&s, &e));
    assert_int_equal(TODO_STREAM_WAIT,
                     todo_stream_tick(&s, TS_NOW + SEC(20), 0, &wait));
    assert_int_equal(SEC(10), wait);
    assert_int_equal(TODO_STREAM_PING,
                     todo_stream_tick(&s, TS_NOW + SEC(30), 0, &wait));
    assert_int_equal(0, s.close);
}

/*
 * The bug: a ping was due a heartbeat after the last write, and every
 * event is a write, so a WebSocket whose user's events came more often
 * than the heartbeat was never pinged; its client, which answers pings
 * and says nothing else, fell silent and the stream was closed as idle
 * (1001) after two heartbeats and 5 s. Heartbeats of 2 s, an event every
 * second and a client that answers each ping 100 ms later: it must be
 * pinged every 2 s and live on.
 */
static void test_busy_websocket_is_pinged_and_lives(void **state)
{
    todo_stream_t s;
    apr_interval_time_t wait;
    apr_time_t t, pong = 0;
    todo_event_t e = event(TODO_EVENT_TASK, ADA, "{}", 1);
    int pings = 0;

    (void)state;
    todo_stream_init(&s, 1, ADA, SID, EXP, SEC(2), TS_NOW);
    for (t = TS_NOW; t <= TS_NOW + SEC(60); t += apr_time_from_msec(100)) {
        if ((t - TS_NOW) % SEC(1) == 0) {
            e.id = (uint64_t)apr_time_sec(t - TS_NOW) + 1;
            assert_int_equal(TODO_STREAM_SEND, todo_stream_on_event(&s, &e));
        }
        if (pong && t >= pong) {
            todo_stream_heard(&s, t);
            pong = 0;
        }
        switch (todo_stream_tick(&s, t, 0, &wait)) {
        case TODO_STREAM_PING:
            ++pings;
            pong = t + apr_time_from_msec(100);
            assert_int_equal(TODO_STREAM_WAIT,
                             todo_stream_tick(&s, t, 0, &wait));
            break;
        case TODO_STREAM_WAIT:
            assert_true(wait > 0 && wait <= SEC(2));
            break;
        case TODO_STREAM_CLOSE:
            fail_msg("closed at +%" APR_TIME_T_FMT " us: %s", t - TS_NOW,
                     s.why);
        }
    }
    assert_int_equal(30, pings);
    assert_int_equal(0, s.close);
}

/* The token's exp ends the stream (4001), and the wait never runs past
 * it. */
static void test_token_expiry(void **state)
{
    todo_stream_t s;
    apr_interval_time_t wait;

    (void)state;
    todo_stream_init(&s, 1, ADA, SID, TS_CONST + 10, SEC(15), TS_NOW);
    assert_int_equal(TODO_STREAM_WAIT, todo_stream_tick(&s, TS_NOW, 0, &wait));
    assert_int_equal(SEC(10), wait);
    todo_stream_heard(&s, TS_NOW + SEC(9));
    assert_int_equal(TODO_STREAM_CLOSE,
                     todo_stream_tick(&s, TS_NOW + SEC(10), 0, &wait));
    assert_int_equal(TODO_WS_CLOSE_TOKEN_EXPIRED, s.close);
    assert_string_equal("token expired", s.why);
    /* Ended stays ended, with its first reason. */
    assert_int_equal(TODO_STREAM_CLOSE,
                     todo_stream_tick(&s, TS_NOW + SEC(11), 1, &wait));
    assert_int_equal(TODO_WS_CLOSE_TOKEN_EXPIRED, s.close);
}

/* A WebSocket client that says nothing for two heartbeats and 5 s (two
 * pings unanswered) is gone (1001); an SSE client never says anything
 * and is not. */
static void test_silent_websocket_client(void **state)
{
    todo_stream_t ws, sse;
    apr_interval_time_t wait;
    apr_time_t t = TS_NOW + 2 * SEC(15) + TODO_STREAM_IDLE_SLACK;
    int i;

    (void)state;
    todo_stream_init(&ws, 1, ADA, SID, EXP, SEC(15), TS_NOW);
    todo_stream_init(&sse, 0, ADA, SID, EXP, SEC(15), TS_NOW);
    for (i = 1; i <= 2; ++i) {
        assert_int_equal(TODO_STREAM_PING,
                         todo_stream_tick(&ws, TS_NOW + i * SEC(15), 0, &wait));
        assert_int_equal(
            TODO_STREAM_PING,
            todo_stream_tick(&sse, TS_NOW + i * SEC(15), 0, &wait));
    }
    assert_int_equal(TODO_STREAM_WAIT, todo_stream_tick(&ws, t, 0, &wait));
    assert_int_equal(TODO_STREAM_CLOSE, todo_stream_tick(&ws, t + 1, 0, &wait));
    assert_int_equal(TODO_WS_CLOSE_GOING_AWAY, ws.close);
    assert_string_equal("idle", ws.why);
    assert_int_equal(TODO_STREAM_WAIT, todo_stream_tick(&sse, t + 1, 0, &wait));
    /* A pong (anything) keeps it alive. */
    todo_stream_init(&ws, 1, ADA, SID, EXP, SEC(15), TS_NOW);
    assert_int_equal(TODO_STREAM_PING,
                     todo_stream_tick(&ws, TS_NOW + SEC(30), 0, &wait));
    todo_stream_heard(&ws, TS_NOW + SEC(30));
    assert_int_equal(TODO_STREAM_WAIT, todo_stream_tick(&ws, t + 1, 0, &wait));
}

static void test_server_going_away(void **state)
{
    todo_stream_t s;
    apr_interval_time_t wait;

    (void)state;
    todo_stream_init(&s, 1, ADA, SID, EXP, SEC(15), TS_NOW);
    assert_int_equal(TODO_STREAM_CLOSE, todo_stream_tick(&s, TS_NOW, 1, &wait));
    assert_int_equal(TODO_WS_CLOSE_GOING_AWAY, s.close);
    assert_string_equal("server restarting", s.why);
}

/* Only the user's task events are sent; a resumed stream skips what its
 * client has. */
static void test_which_events_are_sent(void **state)
{
    todo_stream_t s;
    todo_event_t mine = event(TODO_EVENT_TASK, ADA, "{}", 10);
    todo_event_t theirs = event(TODO_EVENT_TASK, BOB, "{}", 11);

    (void)state;
    todo_stream_init(&s, 0, ADA, SID, EXP, SEC(15), TS_NOW);
    assert_int_equal(TODO_STREAM_SEND, todo_stream_on_event(&s, &mine));
    assert_int_equal(TODO_STREAM_SKIP, todo_stream_on_event(&s, &theirs));
    mine.id = 12;
    assert_int_equal(TODO_STREAM_SEND, todo_stream_on_event(&s, &mine));
    assert_int_equal(0, s.close);
}

/* A resumed SSE stream sent the events after its client's id from the
 * database, up to s.seen; the ring, read from before that, holds some of
 * them again: those are skipped by their durable id, and sending one
 * moves s.seen on, so an event the ring holds twice (a listener's
 * catch-up) goes out once. */
static void test_skips_what_the_client_has(void **state)
{
    todo_stream_t s;
    todo_event_t e = event(TODO_EVENT_TASK, ADA, "{}", 10);

    (void)state;
    todo_stream_init(&s, 0, ADA, SID, EXP, SEC(15), TS_NOW);
    s.seen = 10;
    assert_int_equal(TODO_STREAM_SKIP, todo_stream_on_event(&s, &e));
    e.id = 9;
    assert_int_equal(TODO_STREAM_SKIP, todo_stream_on_event(&s, &e));
    e.id = 11;
    assert_int_equal(TODO_STREAM_SEND, todo_stream_on_event(&s, &e));
    assert_int_equal(11, s.seen);
    assert_int_equal(TODO_STREAM_SKIP, todo_stream_on_event(&s, &e));
    /* Another user's ids are no measure of this one's. */
    e = event(TODO_EVENT_TASK, BOB, "{}", 50);
    assert_int_equal(TODO_STREAM_SKIP, todo_stream_on_event(&s, &e));
    assert_int_equal(11, s.seen);
    e = event(TODO_EVENT_TASK, ADA, "{}", 12);
    assert_int_equal(TODO_STREAM_SEND, todo_stream_on_event(&s, &e));
}

/* Every revocation that names this session ends it (4003): its own
 * logout or a reused refresh token (REVOKE sid), the user's deletion
 * (REVOKE ""), a password change made in another session (REVOKE_OTHERS
 * of that one). Revocations of the user's other sessions, and anybody
 * else's, do not; nor does one skipped as already seen. */
static void test_revocations(void **state)
{
    static const struct {
        todo_event_kind_t kind;
        const char *user, *payload;
        int ends;
    } cases[] = {
        {TODO_EVENT_REVOKE, ADA, SID, 1},
        {TODO_EVENT_REVOKE, ADA, "", 1},
        {TODO_EVENT_REVOKE_OTHERS, ADA, OTHER_SID, 1},
        {TODO_EVENT_REVOKE, ADA, OTHER_SID, 0},
        {TODO_EVENT_REVOKE_OTHERS, ADA, SID, 0},
        {TODO_EVENT_REVOKE, BOB, SID, 0},
        {TODO_EVENT_REVOKE, BOB, "", 0},
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); ++i) {
        todo_stream_t s;
        todo_event_t e =
            event(cases[i].kind, cases[i].user, cases[i].payload, 5);
        todo_stream_init(&s, 1, ADA, SID, EXP, SEC(15), TS_NOW);
        s.seen = 9; /* revocations count even among seen ids */
        assert_int_equal(cases[i].ends ? TODO_STREAM_END : TODO_STREAM_SKIP,
                         todo_stream_on_event(&s, &e));
        assert_int_equal(cases[i].ends ? TODO_WS_CLOSE_REVOKED : 0, s.close);
    }
}

static void test_lost_events_end_it(void **state)
{
    todo_stream_t s;
    apr_interval_time_t wait;

    (void)state;
    todo_stream_init(&s, 1, ADA, SID, EXP, SEC(15), TS_NOW);
    todo_stream_lost(&s);
    assert_int_equal(TODO_WS_CLOSE_SLOW, s.close);
    assert_int_equal(TODO_STREAM_CLOSE, todo_stream_tick(&s, TS_NOW, 0, &wait));
    /* The first reason stays. */
    todo_stream_end(&s, TODO_WS_CLOSE_NORMAL, "");
    assert_int_equal(TODO_WS_CLOSE_SLOW, s.close);
}

int test_todo_stream_run(void)
{
    const struct CMUnitTest tests[] = {
        TS_TEST(test_waits_until_the_heartbeat),
        TS_TEST(test_busy_websocket_is_pinged_and_lives),
        TS_TEST(test_token_expiry),
        TS_TEST(test_silent_websocket_client),
        TS_TEST(test_server_going_away),
        TS_TEST(test_which_events_are_sent),
        TS_TEST(test_skips_what_the_client_has),
        TS_TEST(test_revocations),
        TS_TEST(test_lost_events_end_it),
    };
    return cmocka_run_group_tests_name("todo_stream", tests, NULL, NULL);
}
