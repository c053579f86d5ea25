/* Licensed under the Apache License, Version 2.0; see LICENSE. */

/* todo_router_match with mod_todo_handler.c's route table. The input is
 * "METHOD path" (a missing space makes it all path, method GET). */

#include "fuzz_common.h"
#include "todo_result.h"
#include "todo_router.h"

static const todo_route_t routes[] = {
    {"GET", "/healthz", 0},        {"GET", "/readyz", 1},
    {"GET", "/metrics", 2},        {"POST", "/auth/register", 3},
    {"POST", "/auth/login", 4},    {"POST", "/auth/refresh", 5},
    {"POST", "/auth/logout", 6},   {"GET", "/auth/me", 7},
    {"GET", "/users", 8},          {"GET", "/users/{id}", 9},
    {"PATCH", "/users/{id}", 10},  {"PUT", "/users/{id}", 11},
    {"DELETE", "/users/{id}", 12}, {"POST", "/tasks", 13},
    {"GET", "/tasks", 14},         {"POST", "/tasks/bulk", 15},
    {"GET", "/tasks/{id}", 16},    {"PATCH", "/tasks/{id}", 17},
    {"PUT", "/tasks/{id}", 18},    {"DELETE", "/tasks/{id}", 19},
    {"GET", "/events", 20},        {"GET", "/ws", 21},
};
#define NROUTES ((int)(sizeof(routes) / sizeof(routes[0])))

static void fuzz_one(apr_pool_t *p, const uint8_t *data, size_t size)
{
    const char *in = fuzz_str(p, data, size);
    const char *sp = strchr(in, ' ');
    const char *method =
        sp ? apr_pstrmemdup(p, in, (apr_size_t)(sp - in)) : "GET";
    const char *path = sp ? sp + 1 : in;
    todo_route_match_t m;
    apr_status_t rv;
    int i;

    memset(&m, 0, sizeof(m));
    rv = todo_router_match(routes, NROUTES, method, path, p, &m);
    if (APR_SUCCESS == rv) {
        FUZZ_ASSERT(m.route != NULL);
        FUZZ_ASSERT(m.nparams >= 0 && m.nparams <= TODO_ROUTE_MAX_PARAMS);
        for (i = 0; i < m.nparams; ++i) {
            FUZZ_ASSERT(m.params[i] && *m.params[i]);
            FUZZ_ASSERT(!strchr(m.params[i], '/'));
        }
    }
    else if (TODO_EMETHOD == rv) {
        FUZZ_ASSERT(m.allow && *m.allow);
    }
    else {
        FUZZ_ASSERT(APR_ENOENT == rv);
    }
}
