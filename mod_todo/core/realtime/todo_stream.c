/* Licensed under the Apache License, Version 2.0; see LICENSE. */

#include <string.h>

#include "todo_stream.h"
#include "todo_ws.h"

void todo_stream_init(todo_stream_t *s, int ws, const char *user,
                      const char *sid, long exp, apr_interval_time_t beat,
                      apr_time_t now)
{
    memset(s, 0, sizeof(*s));
    s->ws = ws;
    s->user = user;
    s->sid = sid;
    s->expires = apr_time_from_sec(exp);
    s->beat = beat;
    s->last_beat = s->last_heard = now;
}

void todo_stream_end(todo_stream_t *s, int code, const char *why)
{
    if (!s->close) {
        s->close = code;
        s->why = why;
    }
}

todo_stream_step_t todo_stream_tick(todo_stream_t *s, apr_time_t now,
                                    int stopping, apr_interval_time_t *pwait)
{
    apr_time_t wake = s->last_beat + s->beat;

    *pwait = 0;
    if (s->close) {
        return TODO_STREAM_CLOSE;
    }
    if (stopping) {
        todo_stream_end(s, TODO_WS_CLOSE_GOING_AWAY, "server restarting");
        return TODO_STREAM_CLOSE;
    }
    if (now >= s->expires) {
        todo_stream_end(s, TODO_WS_CLOSE_TOKEN_EXPIRED, "token expired");
        return TODO_STREAM_CLOSE;
    }
    if (s->ws && now - s->last_heard > 2 * s->beat + TODO_STREAM_IDLE_SLACK) {
        todo_stream_end(s, TODO_WS_CLOSE_GOING_AWAY, "idle");
        return TODO_STREAM_CLOSE;
    }
    if (now >= wake) {
        s->last_beat = now;
        return TODO_STREAM_PING;
    }
    if (wake > s->expires) {
        wake = s->expires;
    }
    *pwait = wake - now;
    return TODO_STREAM_WAIT;
}

void todo_stream_heard(todo_stream_t *s, apr_time_t now)
{
    s->last_heard = now;
}

todo_stream_event_t todo_stream_on_event(todo_stream_t *s,
                                         const todo_event_t *e)
{
    if (strcmp(e->user, s->user)) {
        return TODO_STREAM_SKIP;
    }
    switch (e->kind) {
    case TODO_EVENT_TASK:
        if (e->id <= s->seen) {
            return TODO_STREAM_SKIP;
        }
        s->seen = e->id;
        return TODO_STREAM_SEND;
    case TODO_EVENT_REVOKE:
        if (e->len && strcmp(e->payload, s->sid)) {
            return TODO_STREAM_SKIP;
        }
        break;
    case TODO_EVENT_REVOKE_OTHERS:
        if (!strcmp(e->payload, s->sid)) {
            return TODO_STREAM_SKIP;
        }
        break;
    default:
        return TODO_STREAM_SKIP;
    }
    todo_stream_end(s, TODO_WS_CLOSE_REVOKED, "session revoked");
    return TODO_STREAM_END;
}

void todo_stream_lost(todo_stream_t *s)
{
    todo_stream_end(s, TODO_WS_CLOSE_SLOW, "too slow: events were dropped");
}
