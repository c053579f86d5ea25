/* Licensed under the Apache License, Version 2.0; see LICENSE. */

/**
 * @file mod_todo_shared.h
 * @brief The shared memory segment every httpd process of this server
 * sees: the metrics, the rate-limit table, live stream counts and the
 * realtime event ring.
 *
 * Made once by the parent in post_config and kept (ap_retained_data)
 * across graceful restarts, so counters, limits and the event backlog
 * survive a reload; children inherit the mapping when they are forked.
 * Linux: appenders wake readers in every process with a futex on the
 * ring's wake word.
 */
#ifndef MOD_TODO_SHARED_H
#define MOD_TODO_SHARED_H

#include <httpd.h>

#include "todo_events.h"
#include "todo_metrics.h"
#include "todo_ratelimit.h"
#include "todo_stream_admit.h"
#include "todo_stream_counts.h"

/**
 * Create (or find again after a restart) the segment, with an event
 * ring of @a backlog bytes (a power of two) and live stream counts for
 * @a stream_keys users and as many client addresses: the most streams
 * the server admits at once (todo_stream_most()), hence the most keys
 * that can hold one.
 * @return NULL, or an error message
 */
const char *todo_shared_post_config(server_rec *s, apr_size_t backlog,
                                    uint32_t stream_keys);

/** A leader that has not renewed its lease this long is replaced. */
#define TODO_LEASE_SECONDS 3

/** @return this server's random name, for messages to its peers */
uint64_t todo_shared_origin(void);

/** @return the next number of this server's messages to its peers */
uint64_t todo_shared_next_msgid(void);

/**
 * Take or renew the lease of "the process that listens for the other
 * servers' events": one per server, another takes over when it stops
 * renewing.
 * @return 1 if process @a me holds it now
 */
int todo_shared_lease(uint32_t me, apr_time_t now);

/** Give the lease up (if @a me holds it). */
void todo_shared_lease_release(uint32_t me);

/** @return the shared counters (never NULL once post_config ran) */
todo_metrics_t *todo_shared_metrics(void);

/** @return the shared rate-limit table */
todo_rl_table_t *todo_shared_rates(void);

/** @return the event ring */
todo_events_t *todo_shared_events(void);

/** Append an event (under the appenders' lock) and wake every waiter.
 * @param id a task event's durable id, else 0 */
apr_status_t todo_shared_publish(todo_event_kind_t kind, uint64_t id,
                                 const char *user, const char *payload,
                                 apr_size_t len);

/**
 * A todo_db_event_fn (todo_store.h): append a committed task event to the
 * ring (SQLite: called by the store right after the commit, before the
 * write lock is released). @a ctx is a server_rec, for the log.
 */
void todo_shared_publish_committed(void *ctx, apr_int64_t id, const char *user,
                                   const char *payload, apr_size_t len);

/**
 * The listener (PostgreSQL) was healthy at @a t: its connection
 * answered a query sent then, so every event committed before @a t was
 * notified to it. Kept across the listener's processes (a takeover).
 */
void todo_shared_listener_healthy(apr_time_t t);

/** @return when a listener of this server was last healthy, or, until
 * one was, when the segment was made (the server started: no stream is
 * older, and what was committed since is owed to those opened before
 * the first listener listens) */
apr_time_t todo_shared_listener_last_healthy(void);

/**
 * Is it time to prune the events table (once every @a period, one
 * process of the server)? Claims the turn.
 * @return 1 if the caller prunes now
 */
int todo_shared_prune_due(apr_time_t now, apr_interval_time_t period);

/** @return the ring's wake word now, to wait on */
uint32_t todo_shared_wake_word(void);

/** Sleep until the wake word moves past @a seen, or @a timeout. */
void todo_shared_wait(uint32_t seen, apr_interval_time_t timeout);

/** Wake every waiter (to stop a dispatcher). */
void todo_shared_wake_all(void);

/** The shared limits a new stream must fit (defaults applied). */
typedef struct todo_stream_quota_t {
    int per_user;    /**< TodoStreamsPerUser */
    int per_address; /**< TodoStreamsPerAddress */
    int total;       /**< TodoStreamsMax, at most the MPM's capacity */
} todo_stream_quota_t;

/**
 * Count a new live stream of @a user from client @a address, server-wide:
 * against q->total first, then (under a lock every process shares) each
 * user and each address exactly, by its whole id or address
 * (todo_stream_counts.h).
 * @return TODO_STREAM_ADMITTED, or why not (nothing counted then)
 */
todo_stream_verdict_t todo_shared_stream_enter(const char *user,
                                               const char *address,
                                               const todo_stream_quota_t *q);

/** Uncount a stream counted by todo_shared_stream_enter(). */
void todo_shared_stream_leave(const char *user, const char *address);

#endif /* MOD_TODO_SHARED_H */
