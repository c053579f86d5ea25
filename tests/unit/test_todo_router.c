/* Licensed under the Apache License, Version 2.0; see LICENSE. */

#include <string.h>

#include "test_common.h"
#include "todo_result.h"
#include "todo_router.h"

/* Shaped like the module's own table (mod_todo_handler.c). */
static const todo_route_t routes[] = {
    {"GET", "/healthz", 1},
    {"POST", "/auth/login", 2},
    {"GET", "/users", 3},
    {"GET", "/users/{id}", 4},
    {"PATCH", "/users/{id}", 5},
    {"DELETE", "/users/{id}", 6},
    {"POST", "/tasks", 7},
    {"GET", "/tasks", 8},
    {"POST", "/tasks/bulk", 9},
    {"GET", "/tasks/{id}", 10},
    {"GET", "/users/{uid}/tasks/{tid}", 11},
};
#define NROUTES ((int)(sizeof(routes) / sizeof(routes[0])))

/* Leave non-zero bytes where the next call's locals will live, so that
 * reading an uninitialised one shows (valgrind reports it too). */
static __attribute__((noinline)) void dirty_stack(void)
{
    volatile unsigned char junk[4096];
    apr_size_t i;

    for (i = 0; i < sizeof(junk); ++i) {
        junk[i] = 0xa5;
    }
}

static apr_status_t match(apr_pool_t *p, const char *method, const char *path,
                          todo_route_match_t *m)
{
    dirty_stack();
    return todo_router_match(routes, NROUTES, method, path, p, m);
}

/* Match and return the route id, failing the test if nothing matched. */
static int route_id(apr_pool_t *p, const char *method, const char *path,
                    todo_route_match_t *m)
{
    apr_status_t rv = match(p, method, path, m);

    if (APR_SUCCESS != rv || !m->route) {
        fail_msg("%s %s did not match (status %d)", method, path, rv);
    }
    return m->route->id;
}

static void test_static_routes(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    todo_route_match_t m;

    assert_int_equal(1, route_id(p, "GET", "/healthz", &m));
    assert_int_equal(0, m.nparams);
    assert_int_equal(2, route_id(p, "POST", "/auth/login", &m));
    assert_int_equal(7, route_id(p, "POST", "/tasks", &m));
    assert_int_equal(8, route_id(p, "GET", "/tasks", &m));
    assert_int_equal(9, route_id(p, "POST", "/tasks/bulk", &m));
}

static void test_params_captured(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    todo_route_match_t m;

    assert_int_equal(4, route_id(p, "GET", "/users/0192a6e4-7c2b", &m));
    assert_int_equal(1, m.nparams);
    assert_string_equal("0192a6e4-7c2b", m.params[0]);
    assert_int_equal(5, route_id(p, "PATCH", "/users/me", &m));
    assert_string_equal("me", m.params[0]);
    /* Captured as sent: decoding is not the router's business. */
    assert_int_equal(6, route_id(p, "DELETE", "/users/a%20b", &m));
    assert_string_equal("a%20b", m.params[0]);

    assert_int_equal(11, route_id(p, "GET", "/users/u1/tasks/t2", &m));
    assert_int_equal(2, m.nparams);
    assert_string_equal("u1", m.params[0]);
    assert_string_equal("t2", m.params[1]);

    /* A static segment wins only by table order: GET /tasks/bulk is
     * /tasks/{id} with id "bulk" (then a 422 for the bad UUID). */
    assert_int_equal(10, route_id(p, "GET", "/tasks/bulk", &m));
    assert_string_equal("bulk", m.params[0]);
}

/*
 * Regression (todo_router.c, todo_router_match; fixed): on success *m was
 * copied from a local todo_route_match_t that pattern_match() only partly
 * filled, so m->allow (and params[] past nparams) were uninitialised
 * stack bytes, undoing the memset at the top.
 */
static void test_match_leaves_no_garbage(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    todo_route_match_t m;
    int i;

    assert_int_equal(1, route_id(p, "GET", "/healthz", &m));
    assert_null(m.allow);
    for (i = m.nparams; i < TODO_ROUTE_MAX_PARAMS; ++i) {
        assert_null(m.params[i]);
    }
    /* Also when earlier routes for the path took other methods. */
    assert_int_equal(6, route_id(p, "DELETE", "/users/x", &m));
    assert_null(m.allow);
    for (i = m.nparams; i < TODO_ROUTE_MAX_PARAMS; ++i) {
        assert_null(m.params[i]);
    }
}

static void test_head_is_served_by_get(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    todo_route_match_t m;

    assert_int_equal(1, route_id(p, "HEAD", "/healthz", &m));
    assert_int_equal(4, route_id(p, "HEAD", "/users/x", &m));
    assert_string_equal("x", m.params[0]);
}

static void test_405_lists_allowed_methods(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    todo_route_match_t m;

    assert_int_equal(TODO_EMETHOD, match(p, "POST", "/users/x", &m));
    assert_null(m.route);
    assert_string_equal("GET, HEAD, PATCH, DELETE", m.allow);

    assert_int_equal(TODO_EMETHOD, match(p, "DELETE", "/healthz", &m));
    assert_string_equal("GET, HEAD", m.allow);

    assert_int_equal(TODO_EMETHOD, match(p, "GET", "/auth/login", &m));
    assert_string_equal("POST", m.allow);
    /* HEAD on a POST-only route is GET on it: not allowed either. */
    assert_int_equal(TODO_EMETHOD, match(p, "HEAD", "/auth/login", &m));
    assert_string_equal("POST", m.allow);

    assert_int_equal(TODO_EMETHOD, match(p, "PUT", "/tasks", &m));
    assert_string_equal("POST, GET, HEAD", m.allow);

    /* Methods are case-sensitive (RFC 9110 9.1). */
    assert_int_equal(TODO_EMETHOD, match(p, "get", "/healthz", &m));
    assert_string_equal("GET, HEAD", m.allow);
}

static void test_unknown_paths(void **state)
{
    static const char *const unknown[] = {
        "/nope",   "/healthzz",  "/health",         "/HEALTHZ",        "", "/",
        "healthz", "/users/x/y", "/api/v1/healthz", "/users/u1/tasks",
    };
    apr_pool_t *p = TS_POOL(state);
    todo_route_match_t m;
    apr_size_t i;

    for (i = 0; i < sizeof(unknown) / sizeof(unknown[0]); ++i) {
        apr_status_t rv = match(p, "GET", unknown[i], &m);
        if (APR_ENOENT != rv) {
            fail_msg("GET \"%s\" gave status %d, not APR_ENOENT", unknown[i],
                     rv);
        }
        assert_null(m.route);
        assert_null(m.allow);
    }
}

static void test_trailing_slash_not_matched(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    todo_route_match_t m;

    assert_int_equal(APR_ENOENT, match(p, "GET", "/healthz/", &m));
    assert_int_equal(APR_ENOENT, match(p, "GET", "/users/", &m));
    assert_int_equal(APR_ENOENT, match(p, "GET", "/users/x/", &m));
    assert_int_equal(APR_ENOENT, match(p, "GET", "/tasks/", &m));
}

static void test_empty_segment_not_matched(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    todo_route_match_t m;

    assert_int_equal(APR_ENOENT, match(p, "GET", "/users//tasks/t", &m));
    assert_int_equal(APR_ENOENT, match(p, "GET", "/users/u//t", &m));
    assert_int_equal(APR_ENOENT, match(p, "GET", "/users/u/tasks/", &m));
    assert_int_equal(APR_ENOENT, match(p, "GET", "//healthz", &m));
}

/* The mount point is the <Location>'s own path: a section applies where
 * httpd applies it, and nowhere else. */
static void test_location_applies_like_httpd(void **state)
{
    (void)state;
    assert_true(todo_router_location_applies("/api/v1", "/api/v1"));
    assert_true(todo_router_location_applies("/api/v1", "/api/v1/tasks"));
    assert_false(todo_router_location_applies("/api/v1", "/api/v1x/tasks"));
    assert_false(todo_router_location_applies("/api/v1", "/api/v"));
    assert_false(todo_router_location_applies("/api/v1", "/x/api/v1/tasks"));
    assert_true(todo_router_location_applies("/api/v1/", "/api/v1/tasks"));
    assert_false(todo_router_location_applies("/api/v1/", "/api/v1"));
    assert_true(todo_router_location_applies("/", "/anything"));
    assert_true(todo_router_location_applies("", "/anything"));
    /* Case and bytes as they are: no folding. */
    assert_false(todo_router_location_applies("/api/v1", "/API/v1/tasks"));
}

static void test_mount_len_drops_trailing_slashes(void **state)
{
    (void)state;
    assert_int_equal(7, todo_router_mount_len("/api/v1"));
    assert_int_equal(7, todo_router_mount_len("/api/v1/"));
    assert_int_equal(7, todo_router_mount_len("/api/v1//"));
    assert_int_equal(0, todo_router_mount_len("/"));
    assert_int_equal(0, todo_router_mount_len(""));
}

int test_todo_router_run(void)
{
    const struct CMUnitTest tests[] = {
        TS_TEST(test_static_routes),
        TS_TEST(test_params_captured),
        TS_TEST(test_match_leaves_no_garbage),
        TS_TEST(test_head_is_served_by_get),
        TS_TEST(test_405_lists_allowed_methods),
        TS_TEST(test_unknown_paths),
        TS_TEST(test_trailing_slash_not_matched),
        TS_TEST(test_empty_segment_not_matched),
        TS_TEST(test_location_applies_like_httpd),
        TS_TEST(test_mount_len_drops_trailing_slashes),
    };
    return cmocka_run_group_tests_name("todo_router", tests, NULL, NULL);
}
