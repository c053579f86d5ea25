/* Licensed under the Apache License, Version 2.0; see LICENSE. */

/**
 * @file todo_task.h
 * @brief Tasks: the model, validation of create and update bodies, the
 * status/completed coupling, ETags and the JSON a client sees.
 *
 * `completed` is never stored: it is always `status == "completed"`.
 * Writing completed=true sets status "completed"; completed=false on a
 * completed task sets "pending" (and leaves "pending"/"in_progress"
 * alone); sending both, inconsistent, is a 422.
 */
#ifndef TODO_TASK_H
#define TODO_TASK_H

#include <apr_pools.h>
#include <apr_tables.h>
#include <jansson.h>

#include "todo_json.h"
#include "todo_result.h"

#define TODO_TITLE_MAX 200
#define TODO_DESCRIPTION_MAX 2000
#define TODO_BULK_MAX 100

#define TODO_KEY_TITLE "title"
#define TODO_KEY_DESCRIPTION "description"
#define TODO_KEY_COMPLETED "completed"
#define TODO_KEY_PRIORITY "priority"
#define TODO_KEY_DUE_DATE "due_date"
#define TODO_KEY_USER_ID "user_id"
#define TODO_KEY_TASKS "tasks"

/** A task as stored; strings from the pool it was read or made in. */
typedef struct todo_task_t {
    const char *id;
    const char *user_id;
    const char *title;
    const char *description; /**< NULL for JSON null */
    const char *status;      /**< "pending", "in_progress", "completed" */
    const char *priority;    /**< "low", "medium", "high" */
    const char *due_date;    /**< normalised RFC 3339, or NULL */
    const char *created_at;
    const char *updated_at;
    apr_int64_t version; /**< bumped by every write; drives the ETag */
} todo_task_t;

/**
 * A validated create or update body. Absent fields are NULL (and the
 * has_* flags 0); for the nullable fields an explicit JSON null has the
 * flag set and the value NULL.
 */
typedef struct todo_task_input_t {
    const char *title;
    const char *description;
    int has_description;
    const char *status;
    int completed; /**< -1 absent, 0 false, 1 true */
    const char *priority;
    const char *due_date; /**< normalised to UTC, microseconds, Z */
    int has_due_date;
} todo_task_input_t;

/**
 * Validate a TaskCreate (@a create: title required) or TaskUpdate body.
 * Errors are located under @a loc ("body", or "body.tasks.3" for bulk).
 * Server-owned and unknown fields are ignored.
 * @return APR_SUCCESS or APR_EINVAL with every bad field in @a res
 */
apr_status_t todo_task_parse_input(json_t *body, int create, const char *loc,
                                   todo_task_input_t *in, todo_result_t *res);

/** Fill a new task's fields from @a in with the contract's defaults. */
void todo_task_init(todo_task_t *t, const todo_task_input_t *in);

/** Apply an update to @a t in place (coupling included). */
void todo_task_apply(todo_task_t *t, const todo_task_input_t *in);

/** @return the rank used to sort by priority: low 0, medium 1, high 2 */
int todo_priority_rank(const char *priority);

/** @return whether @a status is one of the three statuses */
int todo_task_status_valid(const char *status);

/** @return whether @a priority is one of the three priorities */
int todo_task_priority_valid(const char *priority);

/**
 * Append the Task object to @a b: the bytes jansson would dump for it
 * (compact, the schema's key order), without building the tree.
 */
void todo_task_write_json(todo_jbuf_t *b, const todo_task_t *t);

/**
 * The JSON text of one task, from @a p.
 * @return NULL if a field is not valid UTF-8
 */
const char *todo_task_json_text(apr_pool_t *p, const todo_task_t *t,
                                apr_size_t *plen);

/**
 * The JSON text of a page of tasks (todo_task_t * elements):
 * {"tasks": [...], "total": ..., "page": ..., "page_size": ...}, from @a p.
 * @return NULL if a field is not valid UTF-8
 */
const char *todo_task_page_json_text(apr_pool_t *p,
                                     const apr_array_header_t *tasks,
                                     apr_int64_t total, int page, int page_size,
                                     apr_size_t *plen);

/**
 * The JSON text of a bulk create's answer, {"tasks": [...]}, from @a p,
 * each task written once: @a ptexts and @a plens receive where each task's
 * own text lies inside it (not NUL-terminated; for its event).
 * @return NULL if a field is not valid UTF-8
 */
const char *todo_task_bulk_json_text(apr_pool_t *p,
                                     const apr_array_header_t *tasks,
                                     const char ***ptexts, apr_size_t **plens,
                                     apr_size_t *plen);

/**
 * The task's strong ETag, quoted: "<version>-<last 12 hex of the id>".
 * It changes with every write.
 */
const char *todo_task_etag(apr_pool_t *p, const todo_task_t *t);

/**
 * Does @a etag satisfy a conditional header? @a header is an If-Match or
 * If-None-Match value: "*" or a comma-separated list of entity tags.
 * @param weak_ok 0 for If-Match (strong comparison: W/ tags never match),
 *                1 for If-None-Match (weak comparison)
 * @return 1 if one of the listed tags (or "*") matches
 */
int todo_etag_matches(const char *header, const char *etag, int weak_ok);

/**
 * The folded text the `q` filter searches: title and description, case
 * folded (todo_fold.h), separated by a newline.
 */
apr_status_t todo_task_search_text(apr_pool_t *p, const todo_task_t *t,
                                   const char **ptext);

#endif /* TODO_TASK_H */
