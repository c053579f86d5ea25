/* Licensed under the Apache License, Version 2.0; see LICENSE. */

/**
 * @file mod_todo_stream.h
 * @brief Realtime: publishing revocations, and the GET /events (SSE)
 * and GET /ws (WebSocket) streams that deliver events.
 *
 * Events go into the shared ring (mod_todo_shared.h): task events once
 * their write has committed (todo_event_store.h: on SQLite from the
 * store, on PostgreSQL from the listener, mod_todo_bridge.c),
 * revocations from here. An SSE stream that resumes reads the events it
 * missed from the database first. Each httpd child
 * runs one dispatcher thread that sleeps on the ring's futex and, when
 * an event arrives, wakes just that user's streams in this process. On
 * the event MPM a stream is parked between writes (mod_todo_park.h): the
 * wake gets it a worker, which reads the ring from its cursor, writes
 * what is its user's and parks it again. Elsewhere each stream keeps its
 * thread, asleep on its socket and an eventfd the dispatcher rings.
 */
#ifndef MOD_TODO_STREAM_H
#define MOD_TODO_STREAM_H

#include "mod_todo_http.h"
#include "todo_events.h"

/** post_config: read the MPM's shape, the streams it can hold (on the
 * event MPM three quarters of each process's file descriptors; else a
 * quarter of each process's threads kept for requests); warn where
 * TodoStreamsMax asks for more. */
void todo_stream_post_config(server_rec *s);

/** After todo_stream_post_config(): the most streams any server of @a s
 * (the main server, then its virtual hosts) admits at once, its
 * TodoStreamsMax or what the MPM holds, whichever is less. */
uint32_t todo_stream_most(server_rec *s);

/** child_init: start this process's dispatcher (and its parking lot). */
void todo_stream_child_init(apr_pool_t *pchild, server_rec *s);

/** End @a user's streams of session @a sid (NULL: all of them), or with
 * TODO_EVENT_REVOKE_OTHERS all but @a sid's. */
void todo_publish_revoke(todo_req_t *req, const char *user,
                         todo_event_kind_t kind, const char *sid);

#endif /* MOD_TODO_STREAM_H */
