/* Licensed under the Apache License, Version 2.0; see LICENSE. */

/**
 * @file mod_todo_http.h
 * @brief The request as the API handlers see it, and the few HTTP helpers
 * they share: reading a JSON (or form) body within the size limit,
 * bearer authentication, and writing JSON and the contract's errors.
 */
#ifndef MOD_TODO_HTTP_H
#define MOD_TODO_HTTP_H

#include <httpd.h>
#include <jansson.h>

#include "mod_todo_config.h"
#include "todo_auth.h"
#include "todo_result.h"
#include "todo_router.h"
#include "todo_store.h"

/** One API request. */
typedef struct todo_req_t {
    request_rec *r;
    todo_srv_conf_t *sc;
    todo_dir_conf_t *dc;
    todo_result_t *res;
    todo_route_match_t match;
    const char *mount;     /**< the API's URL path: "/api/v1" */
    const char *path;      /**< below the mount point: "/users/..." */
    apr_time_t now;        /**< r->request_time */
    todo_db_t *db;         /**< after todo_req_db() */
    todo_principal_t *who; /**< after todo_req_authenticate() */
    todo_claims_t *claims; /**< after todo_req_token() */
    int answered;          /**< httpd already sent an error response */
} todo_req_t;

/** Body media types todo_req_read_body() accepts. */
typedef enum { TODO_BODY_JSON = 1, TODO_BODY_FORM = 2 } todo_body_type_t;

/** The API's view of @a r: its configs, an empty result, its time. */
todo_req_t *todo_req_make(request_rec *r);

/**
 * The database connection for this request.
 * @return APR_SUCCESS, or TODO_EDB (503) in req->res
 */
apr_status_t todo_req_db(todo_req_t *req);

/**
 * Run the write @a fn: in the process's group commit (todo_writer.h)
 * when there is one, else on the request's connection.
 * @return fn's status, or TODO_EDB when the write could not be stored
 */
apr_status_t todo_req_write(todo_req_t *req, todo_write_fn fn, void *baton);

/**
 * Count this request against rate limit @a kind for @a value (the
 * client address or the account).
 * @return APR_SUCCESS, or TODO_ERATE (429, with Retry-After) in req->res
 */
apr_status_t todo_req_rate_limit(todo_req_t *req, todo_rl_kind_t kind,
                                 const char *value);

/** Record the contract's 503 for an unavailable database in req->res.
 * @return TODO_EDB */
apr_status_t todo_req_fail_db(todo_req_t *req);

/**
 * Check @a token (NULL: none was sent, a 401) on @a db; on success fill
 * @a who and set r->user (the user id) and the auth type.
 * @return APR_SUCCESS, TODO_EAUTH or TODO_EDB in req->res
 */
apr_status_t todo_req_check_token(todo_req_t *req, todo_db_t *db,
                                  const char *token, todo_principal_t *who);

/**
 * Require a valid bearer token: sets req->who and r->user.
 * @return APR_SUCCESS, TODO_EAUTH or TODO_EDB in req->res
 */
apr_status_t todo_req_authenticate(todo_req_t *req);

/**
 * Verify the bearer token's JWT alone and get the database connection,
 * for a read whose own statement checks the session (todo_task_get(),
 * todo_task_list()): sets req->claims. Finish with
 * todo_req_session_checked().
 * @return APR_SUCCESS, TODO_EAUTH or TODO_EDB in req->res
 */
apr_status_t todo_req_token(todo_req_t *req);

/**
 * todo_req_token() without the database connection: for a write whose
 * own statement, on the writer's connection, checks the session
 * (todo_task_write_t.sid).
 */
apr_status_t todo_req_claims(todo_req_t *req);

/** The user the request acts for: authenticated, or by its token's
 * claims until its session is checked; NULL before either. */
const char *todo_req_user(const todo_req_t *req);

/**
 * After the read that checked the session: its TODO_EAUTH (the session
 * is revoked, or its user inactive) becomes the same 401 as
 * todo_req_authenticate() gives; once the read answered (APR_SUCCESS,
 * APR_ENOENT) r->user is set.
 * @return @a rv
 */
apr_status_t todo_req_session_checked(todo_req_t *req, apr_status_t rv);

/**
 * Read the route's {id} (a UUID).
 * @return APR_SUCCESS with @a pid canonical, or APR_EINVAL (422) in
 *         req->res
 */
apr_status_t todo_req_path_id(todo_req_t *req, const char **pid);

/**
 * Authenticate, then read the route's {id} (a UUID): the target of
 * /tasks/{id} and /users/{id}.
 * @return APR_SUCCESS with @a pid canonical; TODO_EAUTH, TODO_EDB, or
 *         APR_EINVAL (422) in req->res
 */
apr_status_t todo_req_target(todo_req_t *req, const char **pid);

/**
 * Decode the query string into @a pargs (NULL when there is none).
 * @return APR_SUCCESS, or TODO_EBADREQ (400) for a bad %-escape or
 *         invalid UTF-8
 */
apr_status_t todo_req_query(todo_req_t *req, apr_table_t **pargs);

/**
 * Read the request body (at most TodoMaxBodySize: 413 beyond) and
 * check its Content-Type against @a accept (415 otherwise; no
 * Content-Type is read as JSON, as FastAPI does).
 * @param ptype receives which type the body is
 */
apr_status_t todo_req_read_body(todo_req_t *req, int accept,
                                todo_body_type_t *ptype, const char **pbuf,
                                apr_size_t *plen);

/**
 * Read a JSON object body (413, 415, 422 as the contract says).
 * @param pobj receives the object, owned by r->pool
 */
apr_status_t todo_req_read_json(todo_req_t *req, json_t **pobj);

/**
 * Send @a j (stolen) with @a status as application/json.
 * @return OK, for the handler to return
 */
int todo_send_json(todo_req_t *req, int status, json_t *j);

/**
 * Send @a len bytes of JSON text @a body (from r->pool) with @a status;
 * a NULL @a body is the contract's 500.
 * @return OK
 */
int todo_send_body(todo_req_t *req, int status, const char *body,
                   apr_size_t len);

/** Send 204 No Content. @return OK */
int todo_send_no_content(todo_req_t *req);

/**
 * The HTTP status of the failure in req->res (else of @a rv), with what a
 * 401 needs besides a body: WWW-Authenticate, and the failure counted in
 * the metrics by reason. For AuthType Bearer, whose body is httpd's.
 */
int todo_req_refusal(todo_req_t *req, apr_status_t rv);

/**
 * Send the error in req->res: its status, the contract's body and the
 * headers that go with it (WWW-Authenticate, Allow, Retry-After). When
 * nothing was recorded in req->res, @a rv (the failing call's status)
 * decides the answer, so no failure can go out as a 200.
 * @return OK
 */
int todo_send_error(todo_req_t *req, apr_status_t rv);

/**
 * Extract the token of an "Authorization: Bearer <token>" header.
 * @return the token, or NULL if there is none
 */
const char *todo_bearer_token(request_rec *r);

#endif /* MOD_TODO_HTTP_H */
