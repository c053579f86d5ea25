/* Licensed under the Apache License, Version 2.0; see LICENSE. */

/**
 * @file todo_stream.h
 * @brief One live event stream's state and its decisions, with the clock
 * passed in: when it must write a heartbeat, when it ends (token expiry,
 * an idle WebSocket, a server going away, a revocation, a reader that
 * fell behind) and with which close code, and which ring events it
 * sends. The glue (mod_todo_stream.c) does the I/O and asks.
 *
 * Times are apr_time_t microseconds; nothing here reads a clock, so the
 * unit tests step time by hand.
 */
#ifndef TODO_STREAM_H
#define TODO_STREAM_H

#include <stdint.h>

#include <apr_time.h>

#include "todo_events.h"

/** A stream's state. */
typedef struct todo_stream_t {
    int ws;                   /**< a WebSocket (else SSE) */
    const char *user;         /**< whose events it carries */
    const char *sid;          /**< the login session it belongs to */
    apr_time_t expires;       /**< the access token's exp */
    apr_interval_time_t beat; /**< TodoStreamHeartbeat */
    apr_time_t last_beat;     /**< when the last heartbeat was due (at
                               * first: when the stream began) */
    apr_time_t last_heard;    /**< when the client last sent (WebSocket) */
    uint64_t seen;            /**< the client has this user's task events
                               * up to this id: the last one sent, or the
                               * id a resumed SSE stream read up to */
    int close;                /**< the code it ends with; 0 while it lives */
    const char *why;          /**< and the reason */
} todo_stream_t;

/** How long a WebSocket may say nothing at all: two heartbeats (two
 * pings unanswered) and this. */
#define TODO_STREAM_IDLE_SLACK apr_time_from_sec(5)

/**
 * A new stream of @a user's session @a sid whose token expires at
 * @a exp (seconds since the epoch), heartbeating every @a beat, at
 * @a now.
 */
void todo_stream_init(todo_stream_t *s, int ws, const char *user,
                      const char *sid, long exp, apr_interval_time_t beat,
                      apr_time_t now);

/** End @a s with @a code and @a why, unless it already ends. */
void todo_stream_end(todo_stream_t *s, int code, const char *why);

/** What a stream does next. */
typedef enum {
    TODO_STREAM_WAIT, /**< sleep until an event, the client, or *pwait */
    TODO_STREAM_PING, /**< write a heartbeat now */
    TODO_STREAM_CLOSE /**< end (s->close says how) */
} todo_stream_step_t;

/**
 * Decide, at @a now, what @a s does: end if the server is @a stopping
 * (1001), the token expired (4001) or a WebSocket client has been silent
 * too long (1001); write a heartbeat if one is due; else wait, at most
 * @a pwait (until the next heartbeat or the token's expiry).
 *
 * Heartbeats keep their schedule, one every s->beat, whatever else the
 * stream writes: a WebSocket client answers pings and may send nothing
 * else, so a stream busy with events must ping it all the same (or it
 * falls silent and is closed as idle), and each heartbeat is when the
 * glue rechecks the session. TODO_STREAM_PING counts as the heartbeat
 * sent (if writing it fails, the stream ends anyway).
 */
todo_stream_step_t todo_stream_tick(todo_stream_t *s, apr_time_t now,
                                    int stopping, apr_interval_time_t *pwait);

/** The client sent something at @a now. */
void todo_stream_heard(todo_stream_t *s, apr_time_t now);

/** What to do with one event read from the ring. */
typedef enum {
    TODO_STREAM_SKIP, /**< not this stream's, or the client has it */
    TODO_STREAM_SEND, /**< a task event for this stream's user */
    TODO_STREAM_END   /**< it revokes this stream's session: end (4003) */
} todo_stream_event_t;

/**
 * Decide about event @a e (ending @a s with 4003 for a revocation). A
 * task event of this user with an id up to s->seen is skipped (the client
 * has it: it was read from the database for a resume, or the ring holds
 * it twice after a listener caught up); one that is sent becomes s->seen.
 * One user's events reach the ring in id order (todo_event_store.h), so
 * nothing newer is ever skipped.
 */
todo_stream_event_t todo_stream_on_event(todo_stream_t *s,
                                         const todo_event_t *e);

/** The ring dropped events this stream had not read: end it (4008). */
void todo_stream_lost(todo_stream_t *s);

#endif /* TODO_STREAM_H */
