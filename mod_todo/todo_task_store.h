/* Licensed under the Apache License, Version 2.0; see LICENSE. */

/**
 * @file todo_task_store.h
 * @brief Tasks in the database. Every statement names the owner: a task
 * of another user is indistinguishable from a missing one (APR_ENOENT),
 * on every operation, inside the SQL itself.
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
 * Create a task for @a user_id.
 * @return APR_SUCCESS or TODO_EDB
 */
apr_status_t todo_task_create(todo_db_t *db, apr_pool_t *p, const char *user_id,
                              const todo_task_input_t *in, apr_time_t now,
                              todo_task_t **ptask);

/**
 * Create @a n tasks in one transaction: all or nothing.
 * @param ptasks receives an array of todo_task_t*
 */
apr_status_t todo_task_create_bulk(todo_db_t *db, apr_pool_t *p,
                                   const char *user_id,
                                   const todo_task_input_t *in, int n,
                                   apr_time_t now, apr_array_header_t **ptasks);

/** @return APR_SUCCESS, APR_ENOENT (404 "Task not found") or TODO_EDB */
apr_status_t todo_task_get(todo_db_t *db, apr_pool_t *p, const char *user_id,
                           const char *id, todo_task_t **ptask,
                           todo_result_t *res);

/**
 * Apply @a in to the task.
 * @return APR_SUCCESS, APR_ENOENT, TODO_EPRECOND (412) or TODO_EDB
 */
apr_status_t todo_task_update(todo_db_t *db, apr_pool_t *p, const char *user_id,
                              const char *id, const todo_task_input_t *in,
                              const char *if_match, apr_time_t now,
                              todo_task_t **ptask, todo_result_t *res);

/** @return APR_SUCCESS, APR_ENOENT, TODO_EPRECOND or TODO_EDB */
apr_status_t todo_task_delete(todo_db_t *db, apr_pool_t *p, const char *user_id,
                              const char *id, const char *if_match,
                              todo_result_t *res);

/**
 * One page of the user's tasks matching @a q, and how many match in all.
 * @param ptasks receives an array of todo_task_t*
 */
apr_status_t todo_task_list(todo_db_t *db, apr_pool_t *p, const char *user_id,
                            const todo_task_query_t *q,
                            apr_array_header_t **ptasks, apr_int64_t *ptotal);

#endif /* TODO_TASK_STORE_H */
