/* Licensed under the Apache License, Version 2.0; see LICENSE. */

/**
 * @file mod_todo_routes.h
 * @brief The per-resource handlers the router dispatches to. Each parses
 * the request, calls the core, and renders; each returns what the httpd
 * handler hook returns (OK once a response has been sent).
 */
#ifndef MOD_TODO_ROUTES_H
#define MOD_TODO_ROUTES_H

#include "mod_todo_http.h"

/** A route's handler. */
typedef int todo_route_fn(todo_req_t *req);

/* mod_todo_handler.c */
/** Register the API handler hook (and build the route table). */
void todo_handler_register_hooks(void);
/**
 * The handler's first step: find the API's mount point for req->r and
 * match the route below it (mod_todo_handler.c explains the rules). An
 * internal glue API, not static so that the glue's unit tests
 * (tests/glue) can reach it; the route table must have been built by
 * todo_handler_register_hooks().
 * @return APR_SUCCESS with req->match; TODO_EMETHOD with
 *         req->match.allow; APR_ENOENT. req->mount (%-escaped, from the
 *         configuration only) and req->path are set when the URI is
 *         below the mount point, else req->mount stays NULL.
 */
apr_status_t todo_route_request(todo_req_t *req);
int todo_h_healthz(todo_req_t *req);
int todo_h_readyz(todo_req_t *req);
int todo_h_metrics(todo_req_t *req);

/* mod_todo_logformat.c */
/** Register the %{...}J access-log format item (JSON values). */
void todo_logformat_register_hooks(void);

/* mod_todo_openapi.c */
/** Register the hook that loads the embedded OpenAPI document. */
void todo_openapi_register_hooks(void);
int todo_h_openapi(todo_req_t *req);

/* mod_todo_auth.c */
int todo_h_register(todo_req_t *req);
int todo_h_login(todo_req_t *req);
int todo_h_refresh(todo_req_t *req);
int todo_h_logout(todo_req_t *req);
int todo_h_me(todo_req_t *req);

/* mod_todo_users.c */
int todo_h_user_list(todo_req_t *req);
int todo_h_user_get(todo_req_t *req);
int todo_h_user_update(todo_req_t *req);
int todo_h_user_delete(todo_req_t *req);

/* mod_todo_tasks.c */
int todo_h_task_create(todo_req_t *req);
int todo_h_task_bulk(todo_req_t *req);
int todo_h_task_list(todo_req_t *req);
int todo_h_task_get(todo_req_t *req);
int todo_h_task_update(todo_req_t *req);
int todo_h_task_delete(todo_req_t *req);

/* mod_todo_stream.c */
int todo_h_events(todo_req_t *req);
int todo_h_ws(todo_req_t *req);
/** In r->notes once a stream was admitted: the log hook counts the
 * request as a stream that ended, not as one more request latency. */
#define TODO_NOTE_STREAM "mod_todo-stream"

#endif /* MOD_TODO_ROUTES_H */
