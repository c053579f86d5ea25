/* Licensed under the Apache License, Version 2.0; see LICENSE. */

/**
 * @file todo_metrics.h
 * @brief The module's counters, in memory shared by every httpd process,
 * and their Prometheus text exposition.
 *
 * Every counter is a 64-bit word changed with an atomic add, so the
 * processes never take a lock to count; a scrape reads each word once.
 */
#ifndef TODO_METRICS_H
#define TODO_METRICS_H

#include <stdint.h>

#include <apr_pools.h>
#include <apr_time.h>

#include "todo_stream_admit.h"

/** Routes the table can count: the module's routes, then "unmatched". */
#define TODO_METRICS_ROUTES 32
/** HTTP statuses 100-599. */
#define TODO_METRICS_STATUSES 500
/** Latency histogram buckets (upper bounds in todo_metrics.c) + +Inf. */
#define TODO_METRICS_BUCKETS 14

/** Reasons a 401 is counted under (see todo_metrics.c for the list);
 * anything else counts as "other". */
#define TODO_AUTH_REASONS 14

/** Which rate limit refused a request. */
typedef enum {
    TODO_RL_REGISTER_IP,   /**< registrations per client address */
    TODO_RL_LOGIN_IP,      /**< logins per client address */
    TODO_RL_LOGIN_ACCOUNT, /**< logins per account */
    TODO_RL_PASSWORD,      /**< password changes per account */
    TODO_RL_KINDS
} todo_rl_kind_t;

/** The shared counters. */
typedef struct todo_metrics_t {
    uint64_t requests[TODO_METRICS_ROUTES][TODO_METRICS_STATUSES];
    uint64_t latency[TODO_METRICS_ROUTES][TODO_METRICS_BUCKETS];
    uint64_t latency_sum_us[TODO_METRICS_ROUTES];
    uint64_t auth_failures[TODO_AUTH_REASONS];
    uint64_t rate_limited[TODO_RL_KINDS];
    uint64_t db_errors;        /**< requests answered 503 for the database */
    uint64_t db_acquires;      /**< connections taken from mod_dbd's pool */
    uint64_t db_acquire_us;    /**< time spent taking them */
    uint64_t db_acquire_waits; /**< acquisitions that took over 1 ms */
    uint64_t db_group_commits; /**< group commits (todo_writer.h) */
    uint64_t db_group_writes;  /**< writes in them */
    int64_t db_group_queued;   /**< writes waiting for a group (gauge) */
    int64_t streams;           /**< live realtime streams (gauge) */
    uint64_t streams_ended;    /**< streams that ended */
    uint64_t stream_us;        /**< the time they lived */
    /** streams refused, by todo_stream_verdict_t */
    uint64_t streams_refused[TODO_STREAM_VERDICTS];
} todo_metrics_t;

/** A route as the exposition labels it. */
typedef struct todo_metrics_route_t {
    const char *method;
    const char *pattern; /**< "/tasks/{id}" */
} todo_metrics_route_t;

/** Count one request of route @a route (TODO_METRICS_ROUTES - 1 for
 * none) answered @a status after @a elapsed; a @a stream's (one that was
 * admitted, and has ended) time goes to the stream counters, not to the
 * request latency histogram. */
void todo_metrics_request(todo_metrics_t *m, int route, int status,
                          apr_interval_time_t elapsed, int stream);

/** Count a 401 for @a reason: "missing_token", a todo_jwt_error_name(),
 * "revoked", "bad_credentials", "bad_refresh", "refresh_reuse". */
void todo_metrics_auth_failure(todo_metrics_t *m, const char *reason);

/** Count a request refused by rate limit @a kind. */
void todo_metrics_rate_limited(todo_metrics_t *m, todo_rl_kind_t kind);

/** Count one database connection acquisition that took @a waited. */
void todo_metrics_db_acquire(todo_metrics_t *m, apr_interval_time_t waited);

/** Count one SQLite group commit of @a writes writes. */
void todo_metrics_group_commit(todo_metrics_t *m, int writes);

/** Add @a delta to the writes waiting for a group commit. */
void todo_metrics_group_queued(todo_metrics_t *m, int delta);

/** Count a request answered 503 because of the database. */
void todo_metrics_db_error(todo_metrics_t *m);

/** Count a stream refused for @a why. */
void todo_metrics_stream_refused(todo_metrics_t *m, todo_stream_verdict_t why);

/**
 * Count one more live stream, unless that makes more than @a max: the
 * gauge is also the server-wide count the stream limit checks.
 * @return 1 if counted, 0 if @a max are already live
 */
int todo_metrics_stream_open(todo_metrics_t *m, apr_int64_t max);

/** Count a live stream (one that todo_metrics_stream_open() counted) out. */
void todo_metrics_stream_close(todo_metrics_t *m);

/**
 * The Prometheus text exposition (format 0.0.4) of @a m, in @a p.
 * @param routes labels of routes 0..nroutes-1 (nroutes below
 *        TODO_METRICS_ROUTES); the last row is labelled "unmatched"
 */
const char *todo_metrics_render(const todo_metrics_t *m,
                                const todo_metrics_route_t *routes, int nroutes,
                                apr_pool_t *p);

#endif /* TODO_METRICS_H */
