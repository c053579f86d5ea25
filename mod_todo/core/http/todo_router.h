/* Licensed under the Apache License, Version 2.0; see LICENSE. */

/**
 * @file todo_router.h
 * @brief Method + path pattern to route, with the Allow list for 405s.
 *
 * Patterns are '/'-separated segments; a segment "{name}" matches any one
 * non-empty segment and captures it. Paths are relative to the handler's
 * mount point ("/tasks/0192...").
 */
#ifndef TODO_ROUTER_H
#define TODO_ROUTER_H

#include <apr_pools.h>

#define TODO_ROUTE_MAX_PARAMS 4

/** One entry of a route table. */
typedef struct todo_route_t {
    const char *method;  /**< "GET", "POST", ... (HEAD is served by GET) */
    const char *pattern; /**< "/users/{id}" */
    int id;              /**< caller's route identifier */
} todo_route_t;

/** What a match found. */
typedef struct todo_route_match_t {
    const todo_route_t *route; /**< NULL if nothing matched the method */
    const char *allow;         /**< for a known path, the methods it takes */
    int nparams;
    const char *params[TODO_ROUTE_MAX_PARAMS];
} todo_route_match_t;

/**
 * Match @a method and @a path against @a routes.
 *
 * @return APR_SUCCESS with m->route set; TODO_EMETHOD (from todo_result.h)
 *         when the path is known but not for this method, with m->allow
 *         listing the methods that are ("GET, HEAD, PATCH"); APR_ENOENT
 *         when no pattern matches the path.
 */
apr_status_t todo_router_match(const todo_route_t *routes, int nroutes,
                               const char *method, const char *path,
                               apr_pool_t *p, todo_route_match_t *m);

/**
 * Does a <Location @a section> (a plain path, no wildcard) apply to
 * @a uri, as httpd decides it: @a section is a prefix of @a uri, ending
 * at a '/' of either ("/api/v1" applies to "/api/v1" and "/api/v1/tasks",
 * not to "/api/v1x"; "/api/" to "/api/tasks", not to "/api").
 */
int todo_router_location_applies(const char *section, const char *uri);

/**
 * The length of the mount point a <Location @a section> gives: its path
 * without trailing slashes ("/api/v1/" and "/api/v1" mount at "/api/v1",
 * "/" at the server's root, length 0).
 */
apr_size_t todo_router_mount_len(const char *section);

#endif /* TODO_ROUTER_H */
