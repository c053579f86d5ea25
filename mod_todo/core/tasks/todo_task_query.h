/* Licensed under the Apache License, Version 2.0; see LICENSE. */

/**
 * @file todo_task_query.h
 * @brief The query string of GET /tasks: filters, sort, order and page,
 * validated into one structure.
 *
 * Filters: status, completed (true/false, and Pydantic's other spellings:
 * 1/0, yes/no, on/off, t/f, y/n, any case), priority, q (case-folded
 * substring of title or description), due_before and due_after (RFC 3339;
 * strictly before/after; tasks without a due date never match them).
 * sort: created_at (default), updated_at, due_date, priority, title;
 * order: asc or desc (default desc). Ties are broken by id, in the same
 * direction, so pages never repeat or skip a row; due_date puts tasks
 * without one last in both orders.
 */
#ifndef TODO_TASK_QUERY_H
#define TODO_TASK_QUERY_H

#include <apr_pools.h>
#include <apr_tables.h>

#include "todo_result.h"

/** Sort keys, in the order todo_sql.c lists its statements. */
typedef enum {
    TODO_SORT_CREATED_AT,
    TODO_SORT_UPDATED_AT,
    TODO_SORT_DUE_DATE,
    TODO_SORT_PRIORITY,
    TODO_SORT_TITLE,
    TODO_SORT_COUNT
} todo_task_sort_t;

/** A validated list query. NULL/-1 means "no such filter". */
typedef struct todo_task_query_t {
    const char *status;
    int completed; /**< -1, 0 or 1 */
    const char *priority;
    const char *q;          /**< already case folded */
    const char *due_before; /**< normalised RFC 3339 */
    const char *due_after;
    todo_task_sort_t sort;
    int desc;
    int page;
    int page_size;
} todo_task_query_t;

/**
 * Validate the decoded query parameters @a args (may be NULL).
 * @return APR_SUCCESS or APR_EINVAL with every bad parameter in @a res
 */
apr_status_t todo_task_query_parse(apr_table_t *args, todo_task_query_t *q,
                                   todo_result_t *res);

/**
 * Parse a boolean the way Pydantic does in lax mode.
 * @return 1 or 0, or -1 if @a s is not a boolean
 */
int todo_parse_bool(const char *s);

#endif /* TODO_TASK_QUERY_H */
