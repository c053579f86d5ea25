/* Licensed under the Apache License, Version 2.0; see LICENSE. */

/**
 * @file todo_writer.h
 * @brief Group commit: the writes of one process share one connection and
 * one durable COMMIT per group (SQLite and PostgreSQL).
 *
 * With synchronous=FULL, SQLite fsyncs the WAL at every COMMIT, and one
 * writer at a time holds the database's write lock, so commits per second
 * bound writes per second. On PostgreSQL each COMMIT waits for its WAL
 * flush too, and one user's writes take turns (each holds the user's
 * locks, its event's among them, until it has committed:
 * todo_event_store.h), so one user's writes per second were commits per
 * second. Here a thread with a write hands it over as a job; whichever
 * waiting thread finds no group running becomes the leader: it takes the
 * queued jobs (up to a bound), runs each inside its own SAVEPOINT of one
 * transaction (SQLite: BEGIN IMMEDIATE) on the process's writer
 * connection, COMMITs once and wakes the others. A group of one job runs
 * in the transaction alone, with no savepoint.
 * - Jobs run in the order of their keys (the user whose rows a job
 *   locks): every group takes its users' locks in one global order, so
 *   groups of different processes, or servers, never deadlock.
 *
 * - A job that fails (its own 404 or 412, or a failed statement) is
 *   rolled back to its savepoint alone; the others commit.
 * - Every job gets its status only after the COMMIT returned: a write is
 *   acknowledged once it is on disk, never before.
 * - If the group cannot commit, every job of it that had succeeded fails
 *   with TODO_EDB: nothing is acknowledged that is not stored.
 * - A job runs on the leader's thread with the waiting thread's pool; the
 *   waiting thread does nothing until it is woken, so the pool is only
 *   ever used by one thread at a time.
 * - Inside a job, todo_db_begin()/todo_db_end() become no-ops (the job's
 *   savepoint is its transaction) and nothing takes the write lock again.
 * - What a job registered with todo_db_after_commit() runs after the
 *   group's COMMIT, in job order, before the write lock is released; it
 *   is dropped with a job rolled back to its savepoint, or a group that
 *   could not commit.
 *
 * The cross-process write lock (todo_db_t's write_lock) is held for the
 * whole group, so groups of different processes take turns.
 *
 * The transaction control is the driver's (todo_driver.h: control_prepare
 * and control; SQLite has them). The writer counts nothing itself: it
 * reports to an observer (todo_writer_observe()), and the glue counts
 * what it hears in todo_metrics.
 */
#ifndef TODO_WRITER_H
#define TODO_WRITER_H

#include <apr_global_mutex.h>
#include <apr_pools.h>

#include "todo_store.h"

/** A write: runs on @a db (the writer connection) with the caller's pool. */
typedef apr_status_t (*todo_write_fn)(todo_db_t *db, apr_pool_t *p,
                                      void *baton);

typedef struct todo_writer_t todo_writer_t;

/**
 * What a writer reports as it goes. Both are called with the writer's
 * own mutex held or on the leader's thread: they must be quick, and must
 * not call the writer.
 */
typedef struct todo_writer_observer_t {
    /** Writes waiting for a group changed by @a delta: +1 as a write is
     * queued, -n as a leader takes n of them into its group. */
    void (*queued)(void *baton, int delta);
    /** A group committed, with @a writes (at least 1) writes that
     * succeeded in it (a group whose every write failed stored nothing,
     * and is not reported). */
    void (*committed)(void *baton, int writes);
} todo_writer_observer_t;

/**
 * Make the group-commit writer of one process over @a db, a connection
 * of its own (statements prepared; SQLite: busy timeout set) that nothing
 * else uses from now on, whose driver has group-commit control. A
 * connection that broke (PostgreSQL) is opened again before the next
 * group.
 * @param lock the cross-process write lock (may be NULL)
 * @param max_group the most jobs in one transaction (at least 1)
 * @return APR_SUCCESS, APR_EINVAL if the driver has no group commit or
 *         @a max_group < 1, or TODO_EDB
 */
apr_status_t todo_writer_create(todo_writer_t **pw, apr_pool_t *p,
                                todo_db_t *db, apr_global_mutex_t *lock,
                                int max_group);

/**
 * Report to @a obs (with @a baton) from now on; NULL: to nobody. Set it
 * before the first todo_writer_run(). @a obs must outlive the writer.
 */
void todo_writer_observe(todo_writer_t *w, const todo_writer_observer_t *obs,
                         void *baton);

/**
 * Run @a fn in the next group and wait until that group has committed.
 * @param key the user whose rows @a fn locks (NULL: run in arrival order)
 * @return fn's status, or TODO_EDB if the group could not commit
 */
apr_status_t todo_writer_run(todo_writer_t *w, apr_pool_t *p, const char *key,
                             todo_write_fn fn, void *baton);

#endif /* TODO_WRITER_H */
