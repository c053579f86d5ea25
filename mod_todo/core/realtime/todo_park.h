/* Licensed under the Apache License, Version 2.0; see LICENSE. */

/**
 * @file todo_park.h
 * @brief Parked streams: who may touch a stream that holds no thread, and
 * when it needs one. A state machine per stream (RUNNING, PARKED,
 * SCHEDULED, DONE) with wake reasons accumulated as bit flags, and a
 * table of them addressed by ids that go stale when a stream ends.
 *
 * On an async MPM (event) a stream's handler returns SUSPENDED and the
 * stream is parked: no thread holds it. Several threads may then want it
 * at once: the dispatcher (events for its user), the watcher (its socket
 * is readable or hung up, its deadline passed, the server stops) and a
 * worker running it. The rule is that exactly one thread runs a stream at
 * a time, and no reason to run it is ever lost:
 *
 *  - RUNNING: one thread owns the stream (the handler's thread at first,
 *    then a worker). Wakes only add to @c pending.
 *  - PARKED: nobody owns it. The first wake makes it SCHEDULED and tells
 *    its caller to get it a worker (TODO_PARK_SCHEDULE); only that caller
 *    does.
 *  - SCHEDULED: a worker is on its way. Wakes add to @c pending.
 *  - DONE: it ended. Wakes do nothing.
 *
 * A run that ends with reasons pending (they came while it ran) runs
 * again before it parks. Nothing here locks or reads a clock: the glue
 * (mod_todo_stream.c) holds one mutex around every call, and passes the
 * time in, so the unit tests step races and time by hand.
 */
#ifndef TODO_PARK_H
#define TODO_PARK_H

#include <stdint.h>

#include <apr_pools.h>
#include <apr_time.h>

/** @defgroup todo_park_why Why a stream needs a worker (bit flags)
 * @{ */
#define TODO_PARK_EVENT 0x01u /**< the ring holds events for its user */
#define TODO_PARK_TIMER 0x02u /**< its deadline passed: heartbeat, expiry */
#define TODO_PARK_INPUT                                                        \
    0x04u /**< its socket is readable: the client                              \
           * sent something (a WebSocket frame) or                             \
           * closed */
#define TODO_PARK_HANGUP                                                       \
    0x08u                    /**< the client hung up (or the socket            \
                              * failed) */
#define TODO_PARK_STOP 0x10u /**< this process is stopping */
/** @} */

/** A stream's owner, as far as threads go. */
typedef enum {
    TODO_PARK_RUNNING,   /**< one thread runs it */
    TODO_PARK_PARKED,    /**< no thread holds it; waiting for a reason */
    TODO_PARK_SCHEDULED, /**< a worker was asked for; none runs it yet */
    TODO_PARK_DONE       /**< it ended */
} todo_park_state_t;

/** One stream's parking state. */
typedef struct todo_park_t {
    todo_park_state_t state;
    unsigned pending;    /**< reasons no run has taken yet */
    apr_time_t deadline; /**< a PARKED stream wakes with TIMER then; 0:
                          * never */
} todo_park_t;

/** What the caller does next. */
typedef enum {
    TODO_PARK_NOTHING,  /**< another thread has it in hand, or it ended */
    TODO_PARK_SCHEDULE, /**< it is SCHEDULED now, by this call: get it a
                         * worker (and only this caller does) */
    TODO_PARK_AGAIN,    /**< reasons came while it ran: run it again (the
                         * caller still owns it) */
    TODO_PARK_ARM,      /**< it is PARKED now: arm its watch */
    TODO_PARK_FINISHED  /**< it is DONE: the caller tears it down */
} todo_park_action_t;

/** A new stream, RUNNING: the thread that made it (the handler's) owns
 * it until todo_park_hand_off(). */
void todo_park_init(todo_park_t *p);

/**
 * Something happened that @a p must see: add @a why to its reasons.
 * @return TODO_PARK_SCHEDULE if it was PARKED (now SCHEDULED), else
 * TODO_PARK_NOTHING (whoever runs it, or will, sees @a why; a DONE
 * stream ignores it)
 */
todo_park_action_t todo_park_wake(todo_park_t *p, unsigned why);

/**
 * A worker starts a SCHEDULED run: the stream is RUNNING.
 * @return the reasons it was woken for (taken: pending is empty); 0 and
 * nothing changes if @a p was not SCHEDULED (a bug in the caller)
 */
unsigned todo_park_begin(todo_park_t *p);

/**
 * The owner's run is over. @a finished: the stream ended (DONE). Else, if
 * reasons came meanwhile, it stays RUNNING and they are taken into
 * *@a pwhy (TODO_PARK_AGAIN); else it parks until @a deadline (0: none).
 * @return TODO_PARK_FINISHED, TODO_PARK_AGAIN or TODO_PARK_ARM
 */
todo_park_action_t todo_park_end(todo_park_t *p, int finished,
                                 apr_time_t deadline, unsigned *pwhy);

/**
 * The handler's thread lets go of a stream it cannot run again (the MPM
 * now has the connection suspended): parked until @a deadline, or, with
 * reasons pending, SCHEDULED for a worker.
 * @return TODO_PARK_ARM or TODO_PARK_SCHEDULE
 */
todo_park_action_t todo_park_hand_off(todo_park_t *p, apr_time_t deadline);

/**
 * Wake @a p with TIMER if it is PARKED and its deadline is at or before
 * @a now. @return as todo_park_wake(); TODO_PARK_NOTHING if not due
 */
todo_park_action_t todo_park_due(todo_park_t *p, apr_time_t now);

/* ---- the table of one process's streams ---- */

/** One process's parked streams, in fixed slots. */
typedef struct todo_park_table_t todo_park_table_t;

/** A stream's id in its table: slot and generation, never 0 and never
 * with the top bit set (the glue may tag other things with it). Once the
 * stream is removed, its id is stale for good (the slot's next stream has
 * another), so an id read from an epoll event or a registry after the
 * stream ended finds nothing. */
typedef uint64_t todo_park_id_t;

/**
 * A table of @a capacity slots (at least 1), from @a p.
 * @return APR_EINVAL for a capacity below 1
 */
apr_status_t todo_park_table_make(apr_pool_t *p, int capacity,
                                  todo_park_table_t **ptable);

/**
 * Take a slot for a new stream, RUNNING (todo_park_init()), whose owner
 * (the glue's stream) is @a owner.
 * @return APR_ENOSPC if every slot is taken
 */
apr_status_t todo_park_table_add(todo_park_table_t *t, void *owner,
                                 todo_park_id_t *pid);

/**
 * The stream of @a id, and its owner into *@a powner (when not NULL).
 * @return NULL if @a id is stale or was never given
 */
todo_park_t *todo_park_table_get(todo_park_table_t *t, todo_park_id_t id,
                                 void **powner);

/** Free @a id's slot (a stale @a id is ignored). */
void todo_park_table_remove(todo_park_table_t *t, todo_park_id_t id);

/** The streams in @a t. */
int todo_park_table_count(const todo_park_table_t *t);

/** Called for a stream the caller must get a worker for
 * (TODO_PARK_SCHEDULE), with its @a id and @a owner. */
typedef void todo_park_schedule_fn(void *baton, todo_park_id_t id, void *owner);

/**
 * Wake every PARKED stream whose deadline is at or before @a now
 * (todo_park_due()), calling @a fn for each.
 * @return the earliest deadline of those still PARKED, 0 if none has one
 */
apr_time_t todo_park_table_due(todo_park_table_t *t, apr_time_t now,
                               todo_park_schedule_fn *fn, void *baton);

/**
 * Wake every stream with @a why (the server stopping), calling @a fn for
 * each that was PARKED.
 */
void todo_park_table_wake_all(todo_park_table_t *t, unsigned why,
                              todo_park_schedule_fn *fn, void *baton);

/**
 * Take every stream nobody holds (PARKED or SCHEDULED): each becomes
 * RUNNING, woken with @a why, and @a fn is called for it, in slot order.
 * At shutdown, once no worker is left to run what was scheduled, the
 * caller ends them itself (and todo_park_end() each).
 */
void todo_park_table_claim_idle(todo_park_table_t *t, unsigned why,
                                todo_park_schedule_fn *fn, void *baton);

#endif /* TODO_PARK_H */
