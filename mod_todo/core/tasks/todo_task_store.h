/* Licensed under the Apache License, Version 2.0; see LICENSE. */

/**
 * @file todo_task_store.h
 * @brief Tasks in the database. Every statement names the owner: a task
 * of another user is indistinguishable from a missing one (APR_ENOENT),
 * on every operation, inside the SQL itself.
 *
 * Every write also writes its event (todo_event_store.h) as the last
 * statement of its transaction: create, bulk create (one event a task),
 * update and delete. A write that is stored has its event, and one that
 * is not has none.
 *
 * Conditional writes: @a if_match is the request's If-Match header (or
 * NULL). Updates and deletes read the task and write it in one
 * transaction, and the write is conditional on the version read, so no
 * concurrent write can slip between the check and the change: of ten
 * concurrent updates carrying the same ETag exactly one succeeds.
 */
#ifndef TODO_TASK_STORE_H
#define TODO_TASK_STORE_H

#include <apr_pools.h>
#include <apr_tables.h>
#include <apr_time.h>

#include "todo_result.h"
#include "todo_store.h"
#include "todo_task.h"
#include "todo_task_query.h"

/**
 * Task @a id of @a user_id, read in the statement that checks the user's
 * session @a sid is live (one round trip per read; the caller verified
 * the token's JWT, todo_auth_verify()).
 * @return APR_SUCCESS, TODO_EAUTH for a dead session (res untouched: see
 *         todo_auth_fail_revoked()), APR_ENOENT (404 "Task not found") or
 *         TODO_EDB
 */
apr_status_t todo_task_get(todo_db_t *db, apr_pool_t *p, const char *sid,
                           const char *user_id, const char *id,
                           todo_task_t **ptask, todo_result_t *res);

/**
 * Apply @a in to the task (and write its task.updated event).
 * @return APR_SUCCESS, APR_ENOENT, TODO_EPRECOND (412) or TODO_EDB
 */
apr_status_t todo_task_update(todo_db_t *db, apr_pool_t *p, const char *user_id,
                              const char *id, const todo_task_input_t *in,
                              const char *if_match, apr_time_t now,
                              todo_task_t **ptask, todo_result_t *res);

/** Delete the task (and write its task.deleted event).
 * @return APR_SUCCESS, APR_ENOENT, TODO_EPRECOND or TODO_EDB */
apr_status_t todo_task_delete(todo_db_t *db, apr_pool_t *p, const char *user_id,
                              const char *id, const char *if_match,
                              todo_result_t *res);

/**
 * One page of the user's tasks matching @a q, and how many match in all,
 * read in the statement that checks session @a sid is live (an empty page
 * takes a second statement, for the total).
 * @param ptasks receives an array of todo_task_t*
 * @return APR_SUCCESS, TODO_EAUTH for a dead session or TODO_EDB
 */
apr_status_t todo_task_list(todo_db_t *db, apr_pool_t *p, const char *sid,
                            const char *user_id, const todo_task_query_t *q,
                            apr_array_header_t **ptasks, apr_int64_t *ptotal);

/** The task writes todo_task_write() runs. */
typedef enum {
    TODO_TASK_CREATE,
    TODO_TASK_CREATE_BULK,
    TODO_TASK_UPDATE,
    TODO_TASK_DELETE
} todo_task_op_e;

/** A new task's row, made by todo_task_write_prepare(). */
typedef struct todo_task_row_t todo_task_row_t;

/**
 * One task write, described as data so that it can run on another
 * thread's connection inside a group commit (todo_writer.h): its inputs,
 * and its outputs once it ran.
 */
typedef struct todo_task_write_t {
    todo_task_op_e op;
    const char *user_id;
    /** create: the token's session, checked by the write itself where it
     * can be (PostgreSQL: TODO_EAUTH if it is not live); NULL: checked */
    const char *sid;
    const char *id;              /**< update, delete */
    const todo_task_input_t *in; /**< create, update: one; bulk: n */
    int n;                       /**< bulk */
    const char *if_match;        /**< update, delete; may be NULL */
    apr_time_t now;
    todo_result_t *res;         /**< update, delete: the failure's details */
    todo_task_t *task;          /**< out: create, update */
    apr_array_header_t *tasks;  /**< out: bulk */
    const char *text;           /**< out: the response body, JSON: the task
                                     (create, update), {"tasks": [...]}
                                     (bulk); NULL for a delete */
    apr_size_t len;             /**< strlen(text) */
    apr_array_header_t *events; /**< out: the todo_stored_event_t written,
                                     in order, their ids set */
    todo_task_row_t *rows;      /**< creates: made ahead (may be NULL) */
} todo_task_write_t;

/**
 * Make what a create or bulk create will insert (ids, timestamps, the
 * folded and derived columns, the response's JSON and the events'
 * payloads) ahead of the write, so that a group commit holds the database
 * only for the INSERTs. Nothing to do for other writes; todo_task_write()
 * calls it itself when it was not called.
 */
apr_status_t todo_task_write_prepare(todo_task_write_t *w, apr_pool_t *p);

/**
 * Run the write @a baton, a todo_task_write_t, with the functions above
 * (a todo_write_fn).
 */
apr_status_t todo_task_write(todo_db_t *db, apr_pool_t *p, void *baton);

#endif /* TODO_TASK_STORE_H */
