/* Licensed under the Apache License, Version 2.0; see LICENSE. */

/**
 * @file todo_event_store.h
 * @brief Durable task events: the event a stream sends, written in the
 * transaction of the task write that makes it; read back to resume a
 * stream after an id (on any server, after a restart), by id and by time
 * for PostgreSQL's listeners, and pruned after their retention.
 *
 * An event is a row of the events table (sql/sqlite3/0005_events.up.sql,
 * sql/pgsql/0004_events.up.sql): a global id, the user whose streams get
 * it, its payload `{"type":"task.created","task":{...}}` exactly as
 * streams send it, and when it was made. One user's events commit in id order
 * (PostgreSQL: the user's advisory lock, held from the id's drawing to the
 * commit; SQLite: one writer), which is all a stream needs: it sends a user's
 * events in id order and skips those up to the last id it sent.
 *
 * How events reach the event ring (todo_events.h), and so live streams:
 * on SQLite through db->event_sink, called after the commit and before
 * the write lock is released (so in commit order); on PostgreSQL only
 * through each server's listener, which reads the rows the database's
 * NOTIFY "e<id>" names (delivered at commit, in commit order).
 */
#ifndef TODO_EVENT_STORE_H
#define TODO_EVENT_STORE_H

#include <apr_pools.h>
#include <apr_tables.h>

#include "todo_store.h"

/** The event types of task writes. */
#define TODO_EVENT_CREATED "task.created"
#define TODO_EVENT_UPDATED "task.updated"
#define TODO_EVENT_DELETED "task.deleted"

/** Events a resume reads at a time (each one query). */
#define TODO_EVENT_PAGE 500

/** One stored event. */
typedef struct todo_stored_event_t {
    apr_int64_t id;      /**< its id (0 until written) */
    const char *user;    /**< whose: a canonical UUID */
    const char *payload; /**< what streams send: {"type", "task"} JSON */
    apr_size_t len;      /**< strlen(payload) */
} todo_stored_event_t;

/**
 * The payload `{"type":"<type>","task":<task>}` around a task's JSON text
 * (as the response has it, so a task is serialised once per write).
 * @param task the task's JSON, @a len bytes (not NUL-terminated)
 * @return the payload, NUL-terminated, its length in @a plen; from @a p
 */
const char *todo_event_payload(apr_pool_t *p, const char *type,
                               const char *task, apr_size_t len,
                               apr_size_t *plen);

/**
 * Write @a ev (user, payload, len) in the open transaction of @a db,
 * which this must end (PostgreSQL holds the user's lock from here to the
 * commit): call it as the transaction's last statement. Sets ev->id. Once
 * the transaction commits, db->event_sink (if any) gets the event.
 * @a ev and @a p must live until then.
 * @return APR_SUCCESS, or TODO_EDB
 */
apr_status_t todo_event_write(todo_db_t *db, apr_pool_t *p,
                              todo_stored_event_t *ev);

/**
 * todo_event_write() through the statement @a label, which stores the
 * event (its payload among @a args) with whatever else it writes and
 * returns the event's id: TODO_SQL_TASK_INSERT_EVENT, a created task and
 * its event in one round trip to PostgreSQL, if the session is live.
 * @return TODO_EAUTH when it returned no row (the session was not live:
 *         it wrote nothing), else as todo_event_write()
 */
apr_status_t todo_event_write_with(todo_db_t *db, apr_pool_t *p,
                                   todo_stored_event_t *ev, const char *label,
                                   int nargs, const char **args);

/**
 * What a resume checks against: every event up to @a ppruned was pruned
 * (and none above); @a plast is the newest id there is (at least
 * @a ppruned).
 */
apr_status_t todo_event_bounds(todo_db_t *db, apr_pool_t *p,
                               apr_int64_t *ppruned, apr_int64_t *plast);

/** What an SSE stream does with the id its client resumes after. */
typedef enum {
    TODO_RESUME_LIVE,  /**< no id: events from now on */
    TODO_RESUME_AFTER, /**< send the stored events after the id, then go on */
    TODO_RESUME_RESET  /**< events after it may be gone: `event: reset` */
} todo_resume_t;

/**
 * Read the Last-Event-ID (or ?last_event_id=) a client sent, NULL for
 * none: TODO_RESUME_LIVE; a decimal integer 0 to 2^63-1: TODO_RESUME_AFTER
 * with it in @a pafter; anything else: TODO_RESUME_RESET.
 */
todo_resume_t todo_event_resume_parse(const char *last, apr_int64_t *pafter);

/**
 * Can a stream resume after @a after, the bounds being @a pruned and
 * @a last (todo_event_bounds())? Not if events after it were pruned
 * (@a after < @a pruned), nor if no such event ever was (@a after >
 * @a last: an id of another database, or of one restored from a backup).
 * @return TODO_RESUME_AFTER or TODO_RESUME_RESET
 */
todo_resume_t todo_event_resume_check(apr_int64_t after, apr_int64_t pruned,
                                      apr_int64_t last);

/**
 * @a user's events with ids above @a after, oldest first, at most
 * @a limit.
 * @param pevents receives an array of todo_stored_event_t, from @a p
 */
apr_status_t todo_event_read_after(todo_db_t *db, apr_pool_t *p,
                                   const char *user, apr_int64_t after,
                                   int limit, apr_array_header_t **pevents);

/**
 * The events with the @a n ids @a ids (at most TODO_EVENT_PAGE), in that
 * order; ids that are not there (pruned, their user deleted) are left out.
 * @param pevents receives an array of todo_stored_event_t, from @a p
 */
apr_status_t todo_event_fetch(todo_db_t *db, apr_pool_t *p,
                              const apr_int64_t *ids, int n,
                              apr_array_header_t **pevents);

/**
 * The ids of the events made at or after @a since_ms (milliseconds since
 * the epoch, the database's clock), in id order, at most @a limit, read in
 * one snapshot.
 * @param pids receives an array of apr_int64_t, from @a p
 */
apr_status_t todo_event_ids_since(todo_db_t *db, apr_pool_t *p,
                                  apr_int64_t since_ms, int limit,
                                  apr_array_header_t **pids);

/** Events pruned per transaction. */
#define TODO_EVENT_PRUNE_BATCH 1000

/**
 * Prune one batch, in a transaction of its own: of the oldest @a batch
 * events, those up to the newest one made before @a before_ms go, and the
 * watermark moves up to it, together.
 * @param pdeleted receives how many went (fewer than @a batch: done)
 */
apr_status_t todo_event_prune(todo_db_t *db, apr_pool_t *p,
                              apr_int64_t before_ms, int batch, int *pdeleted);

#endif /* TODO_EVENT_STORE_H */
