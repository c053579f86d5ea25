/* Licensed under the Apache License, Version 2.0; see LICENSE. */

/**
 * @file mod_todo_park.h
 * @brief The parking lot: event streams that hold no thread on the event
 * MPM. A stream's handler returns SUSPENDED; one watcher thread per
 * process then waits on every parked socket (epoll) and on the streams'
 * deadlines, and a stream that needs a worker (events for its user, a
 * heartbeat due, a client frame or hang-up, the server stopping) gets one
 * through ap_mpm_register_timed_callback(0, ...). Who may touch a parked
 * connection is todo_park.h's state machine, under one lock.
 *
 * Once a parked stream ends, its connection is closed here, not by the
 * MPM: httpd 2.4 has no call that gives a suspended connection back to
 * the event MPM (trunk's ap_mpm_resume_suspended()). So the lot does what
 * the MPM would: a lingering close (ap_start_lingering_close(), then up
 * to 2 s of reading what the client still sends, in the watcher), then
 * the connection's pool is destroyed, which closes the socket and lets
 * the MPM count the connection gone (a graceful stop waits for that).
 *
 * On other MPMs (prefork, worker) nothing is parked: todo_lot_usable()
 * says no and each stream keeps its worker thread (mod_todo_stream.c).
 */
#ifndef MOD_TODO_PARK_H
#define MOD_TODO_PARK_H

#include <httpd.h>

#include "todo_park.h"

/** What the lot asks of a parked stream (mod_todo_stream.c gives it). */
typedef struct todo_lot_ops_t {
    /**
     * Run @a stream for @a why (TODO_PARK_* flags; 0 the first time, in
     * the handler) on the thread that owns it.
     * @return 1 to park it until *@a pdeadline (0: no deadline), 0 once
     * it must end
     */
    int (*step)(void *stream, unsigned why, apr_time_t *pdeadline);
    /**
     * End @a stream: write its last bytes and finish its request
     * (ap_process_request_after_handler()): its request pool is gone
     * afterwards. The connection is closed by the lot.
     */
    void (*finish)(void *stream);
} todo_lot_ops_t;

/** A stream in the lot (from its request's pool). */
typedef struct todo_lot_entry_t todo_lot_entry_t;

/**
 * Can @a r's stream be parked? Only on an async MPM (the event MPM), on
 * a connection of the MPM's own (not an HTTP/2 stream's, not one whose
 * input filters need a thread), once the lot runs in this process.
 */
int todo_lot_usable(request_rec *r);

/**
 * Put @a stream in the lot, RUNNING on the handler's thread: from here
 * on todo_lot_wake() may name it (reasons wait while the handler runs
 * it). The handler then runs todo_lot_ops_t::step() once itself, and
 * either parks it (todo_lot_park(), then returns SUSPENDED) or ends it
 * the threaded way (todo_lot_leave()).
 * @return APR_ENOSPC if the lot is full (keep the thread then)
 */
apr_status_t todo_lot_enter(request_rec *r, const todo_lot_ops_t *ops,
                            void *stream, todo_park_id_t *pid);

/**
 * @a r's handler returns SUSPENDED next; its stream waits until
 * @a deadline (0: none). Nothing runs it until the MPM has suspended the
 * connection (the suspend_connection hook); then it is parked, or, with
 * reasons pending, scheduled.
 */
void todo_lot_park(request_rec *r, apr_time_t deadline);

/** Take @a r's stream out of the lot again: its handler ends it. */
void todo_lot_leave(request_rec *r);

/** Wake the stream @a id (stale: nothing) for @a why. */
void todo_lot_wake(todo_park_id_t id, unsigned why);

/** Is this process stopping (a graceful or hard stop, a restart,
 * MaxConnectionsPerChild)? */
int todo_lot_stopping(void);

/** child_init: the table of @a capacity streams, the watcher thread. */
void todo_lot_child_init(apr_pool_t *pchild, server_rec *s, int capacity);

/** Register the lot's hooks (suspend_connection, child_stopping). */
void todo_lot_register_hooks(void);

#endif /* MOD_TODO_PARK_H */
