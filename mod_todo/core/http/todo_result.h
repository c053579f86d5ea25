/* Licensed under the Apache License, Version 2.0; see LICENSE. */

/**
 * @file todo_result.h
 * @brief The outcome of a core operation, in the shape the HTTP contract
 * needs: a status, a human-readable detail and, for validation failures,
 * FastAPI-style error items {loc, msg, type}.
 *
 * Core functions return an apr_status_t and, when they fail in a way a
 * client should hear about, describe it in a todo_result_t. The glue maps
 * the status to an HTTP code in exactly one place (todo_result_http()).
 */
#ifndef TODO_RESULT_H
#define TODO_RESULT_H

#include <apr_pools.h>
#include <apr_tables.h>
#include <jansson.h>

/* Statuses of our own, beyond APR's errno values. The plain APR codes
 * map as: APR_ENOENT 404, APR_EINVAL 422, APR_EEXIST 409, APR_EACCES 403. */
#define TODO_EAUTH (APR_OS_START_USERERR + 1)     /**< 401 */
#define TODO_EPRECOND (APR_OS_START_USERERR + 2)  /**< 412 */
#define TODO_EDB (APR_OS_START_USERERR + 3)       /**< 503 */
#define TODO_ETOOLARGE (APR_OS_START_USERERR + 4) /**< 413 */
#define TODO_EMEDIA (APR_OS_START_USERERR + 5)    /**< 415 */
#define TODO_EBADREQ (APR_OS_START_USERERR + 6)   /**< 400 */
#define TODO_ERATE (APR_OS_START_USERERR + 7)     /**< 429 */
#define TODO_EMETHOD (APR_OS_START_USERERR + 8)   /**< 405 */
#define TODO_ETIMEOUT (APR_OS_START_USERERR + 9)  /**< 408 */

/* Validation error types, the contract's short stable codes. */
#define TODO_ERR_MISSING "missing"
#define TODO_ERR_TOO_SHORT "string_too_short"
#define TODO_ERR_TOO_LONG "string_too_long"
#define TODO_ERR_PATTERN "string_pattern_mismatch"
#define TODO_ERR_ENUM "enum"
#define TODO_ERR_VALUE "value_error"
#define TODO_ERR_UUID "uuid_parsing"
#define TODO_ERR_INT "int_parsing"
#define TODO_ERR_BOOL "bool_parsing"
#define TODO_ERR_GE "greater_than_equal"
#define TODO_ERR_LE "less_than_equal"
#define TODO_ERR_JSON "json_invalid"
#define TODO_ERR_MODEL "model_type"
#define TODO_ERR_DATETIME "datetime_parsing"
#define TODO_ERR_STRING_TYPE "string_type"
#define TODO_ERR_BOOL_TYPE "bool_type"

/**
 * One validation failure. @c loc is a dotted path whose first part is
 * "body", "query", "path" or "header"; parts made only of digits render
 * as JSON integers (array indexes), so "body.tasks.3.title" becomes
 * ["body", "tasks", 3, "title"].
 */
typedef struct todo_error_item_t {
    const char *loc;
    const char *msg;
    const char *type;
} todo_error_item_t;

/** What went wrong, allocated from the pool it was made with. */
typedef struct todo_result_t {
    apr_pool_t *p;
    apr_status_t status;        /**< APR_SUCCESS or one of the above */
    const char *detail;         /**< message for non-422 errors */
    apr_array_header_t *errors; /**< todo_error_item_t, for APR_EINVAL */
    const char *auth_error;     /**< "invalid_token" when a token was bad */
    const char *allow;          /**< Allow header value for 405 */
    int retry_after;            /**< seconds, for 429 */
    const char *auth_reason;    /**< why a 401, as todo_metrics counts it */
    const char *etag;           /**< for 412: the current version's ETag */
} todo_result_t;

/** Make an empty (successful) result in @a p. */
todo_result_t *todo_result_make(apr_pool_t *p);

/**
 * Record a failure with a message; returns @a status so callers can
 * write `return todo_result_fail(res, APR_ENOENT, "Task not found");`.
 */
apr_status_t todo_result_fail(todo_result_t *res, apr_status_t status,
                              const char *detail);

/**
 * Add one validation error and set the status to APR_EINVAL.
 * The strings must outlive the result (literals or from res->p).
 * @return APR_EINVAL
 */
apr_status_t todo_result_invalid(todo_result_t *res, const char *loc,
                                 const char *type, const char *msg);

/** @return the HTTP status code for @a status (500 for unknown ones). */
int todo_result_http(apr_status_t status);

/**
 * Render the contract's error body: {"detail": "..."} or, for APR_EINVAL,
 * {"detail": [{"loc": [...], "msg": "...", "type": "..."}]}.
 * @return a new reference the caller owns
 */
json_t *todo_result_to_json(const todo_result_t *res);

#endif /* TODO_RESULT_H */
