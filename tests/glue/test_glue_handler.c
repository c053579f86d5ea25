/* Licensed under the Apache License, Version 2.0; see LICENSE. */

/* mod_todo_handler.c: the mount point and routing (todo_route_request,
 * with the <Location> sections its post_config hook collects from a fake
 * core server config), and, through the hooks it registers, the handler
 * (dispatch, 404, 405), /healthz, /readyz, /metrics and the log hook. */

#include <string.h>

#include <apr_strings.h>

#include "mod_todo_routes.h"
#include "mod_todo_shared.h"
#include "test_glue.h"

#define NO_SETHANDLER 0
#define SETHANDLER 1
#define LOCATION 0
#define LOCATION_MATCH 1

/* Register the handler's hooks (building its route table) and run its
 * post_config over @a s, as httpd does once the configuration is read. */
static void post_config(server_rec *s)
{
    apr_pool_t *p = s->process->pconf;

    todo_handler_register_hooks();
    assert_non_null(stub_hook_post_config());
    assert_int_equal(OK, stub_hook_post_config()(p, p, p, s));
}

/* A request of @a method @a uri, routed: @return the request, with the
 * router's status in @a prv. */
static todo_req_t *route(void **state, const char *method, const char *uri,
                         apr_status_t *prv)
{
    request_rec *r =
        stub_request(TS_SERVER(state), TS_POOL(state), method, uri);
    todo_req_t *req = todo_req_make(r);

    *prv = todo_route_request(req);
    return req;
}

static const char *pattern_of(const todo_req_t *req)
{
    assert_non_null(req->match.route);
    return req->match.route->pattern;
}

/* --- the mount point -------------------------------------------------- */

static void test_mount_is_the_base_path_when_set(void **state)
{
    server_rec *s = TS_SERVER(state);
    todo_dir_conf_t *dc =
        ap_get_module_config(s->lookup_defaults, &todo_module);
    todo_req_t *req;
    apr_status_t rv;

    stub_location(s, "/other", LOCATION, SETHANDLER);
    post_config(s);
    dc->base_path = "/api/v1";
    req = route(state, "GET", "/api/v1/healthz", &rv);
    assert_int_equal(APR_SUCCESS, rv);
    assert_string_equal("/api/v1", req->mount);
    assert_string_equal("/healthz", req->path);
    assert_string_equal("/healthz", pattern_of(req));
    /* TodoBasePath wins over the <Location>. */
    req = route(state, "GET", "/other/healthz", &rv);
    assert_int_equal(APR_ENOENT, rv);
    assert_null(req->mount);
    req = route(state, "GET", "/api/v1x/healthz", &rv);
    assert_int_equal(APR_ENOENT, rv);
    assert_null(req->mount);
    /* TodoBasePath / mounts the API at the server's root. */
    dc->base_path = "";
    req = route(state, "GET", "/healthz", &rv);
    assert_int_equal(APR_SUCCESS, rv);
    assert_string_equal("", req->mount);
}

static void
test_mount_is_the_last_applying_location_with_sethandler(void **state)
{
    server_rec *s = TS_SERVER(state);
    todo_req_t *req;
    apr_status_t rv;

    stub_location(s, "/api", LOCATION, SETHANDLER);
    stub_location(s, "/api/v1", LOCATION, SETHANDLER);
    stub_location(s, "/elsewhere", LOCATION, SETHANDLER);
    post_config(s);
    req = route(state, "GET", "/api/v1/healthz", &rv);
    assert_int_equal(APR_SUCCESS, rv);
    assert_string_equal("/api/v1", req->mount);
    assert_string_equal("/healthz", req->path);
    req = route(state, "GET", "/api/healthz", &rv);
    assert_int_equal(APR_SUCCESS, rv);
    assert_string_equal("/api", req->mount);
}

static void test_mount_follows_the_configuration_order(void **state)
{
    server_rec *s = TS_SERVER(state);
    todo_req_t *req;
    apr_status_t rv;

    /* httpd merges <Location>s in the order written: the later /api
     * gives this request its handler, so the API is at /api. */
    stub_location(s, "/api/v1", LOCATION, SETHANDLER);
    stub_location(s, "/api", LOCATION, SETHANDLER);
    post_config(s);
    req = route(state, "GET", "/api/v1/healthz", &rv);
    assert_int_equal(APR_ENOENT, rv);
    assert_string_equal("/api", req->mount);
    assert_string_equal("/v1/healthz", req->path);
}

static void test_nested_location_without_sethandler_does_not_count(void **state)
{
    server_rec *s = TS_SERVER(state);
    todo_req_t *req;
    apr_status_t rv;

    stub_location(s, "/api/v1", LOCATION, SETHANDLER);
    stub_location(s, "/api/v1/tasks", LOCATION, NO_SETHANDLER);
    stub_location(s, "/api/v1/metrics", LOCATION_MATCH, NO_SETHANDLER);
    post_config(s);
    req = route(state, "GET", "/api/v1/tasks", &rv);
    assert_int_equal(APR_SUCCESS, rv);
    assert_string_equal("/api/v1", req->mount);
    assert_string_equal("/tasks", pattern_of(req));
    req = route(state, "GET", "/api/v1/metrics", &rv);
    assert_int_equal(APR_SUCCESS, rv);
    assert_string_equal("/metrics", pattern_of(req));
}

static void test_routes_answer_only_at_mount_slash_route(void **state)
{
    server_rec *s = TS_SERVER(state);
    todo_req_t *req;
    apr_status_t rv;

    stub_location(s, "/api/v1", LOCATION, SETHANDLER);
    post_config(s);
    /* Nothing is guessed from the URI: below the mount point or 404. */
    req = route(state, "GET", "/api/v1/x/healthz", &rv);
    assert_int_equal(APR_ENOENT, rv);
    assert_string_equal("/api/v1", req->mount);
    assert_string_equal("/x/healthz", req->path);
    req = route(state, "GET", "/x/api/v1/healthz", &rv);
    assert_int_equal(APR_ENOENT, rv);
    assert_null(req->mount);
    req = route(state, "GET", "/api/v1healthz", &rv);
    assert_int_equal(APR_ENOENT, rv);
    assert_null(req->mount);
    req = route(state, "GET", "/api/v1", &rv);
    assert_int_equal(APR_ENOENT, rv);
    assert_string_equal("", req->path);
    req = route(state, "GET", "/api/v1/healthz/", &rv);
    assert_int_equal(APR_ENOENT, rv);
}

static void test_trailing_slash_of_a_location_is_not_in_the_mount(void **state)
{
    server_rec *s = TS_SERVER(state);
    todo_req_t *req;
    apr_status_t rv;

    stub_location(s, "/api/v1/", LOCATION, SETHANDLER);
    post_config(s);
    req = route(state, "GET", "/api/v1/healthz", &rv);
    assert_int_equal(APR_SUCCESS, rv);
    assert_string_equal("/api/v1", req->mount);
    assert_string_equal("/healthz", req->path);
    /* "/api/v1/" does not apply to "/api/v1". */
    req = route(state, "GET", "/api/v1", &rv);
    assert_null(req->mount);
}

static void test_wildcard_location_gives_no_mount_point(void **state)
{
    server_rec *s = TS_SERVER(state);
    todo_req_t *req;
    apr_status_t rv;

    stub_location(s, "/api/v1", LOCATION, SETHANDLER);
    stub_location(s, "/api/*", LOCATION, SETHANDLER);
    post_config(s);
    /* As httpd matches it (APR_FNM_PATHNAME): '*' stops at a '/'. */
    req = route(state, "GET", "/api/v1/healthz", &rv);
    assert_int_equal(APR_SUCCESS, rv);
    assert_string_equal("/api/v1", req->mount);
    req = route(state, "GET", "/api/v1", &rv);
    assert_int_equal(APR_ENOENT, rv);
    assert_null(req->mount);
    assert_null(req->path);
    stub_location(s, "/api/v[0-9]/*", LOCATION, SETHANDLER);
    post_config(s);
    req = route(state, "GET", "/api/v1/healthz", &rv);
    assert_int_equal(APR_ENOENT, rv);
    assert_null(req->mount);
    assert_null(req->path);
}

static void test_regex_location_gives_no_mount_point(void **state)
{
    server_rec *s = TS_SERVER(state);
    todo_req_t *req;
    apr_status_t rv;

    stub_location(s, "/api/v1", LOCATION, SETHANDLER);
    stub_location(s, "^/api/v[0-9]+/", LOCATION_MATCH, SETHANDLER);
    stub_location(s, "\\.php$", LOCATION_MATCH, SETHANDLER);
    post_config(s);
    req = route(state, "GET", "/api/v1/healthz", &rv);
    assert_int_equal(APR_ENOENT, rv);
    assert_null(req->mount);
    /* One that does not apply changes nothing. */
    req = route(state, "GET", "/api/v1", &rv);
    assert_string_equal("/api/v1", req->mount);
}

static void test_mount_is_escaped_and_from_the_configuration(void **state)
{
    server_rec *s = TS_SERVER(state);
    todo_dir_conf_t *dc =
        ap_get_module_config(s->lookup_defaults, &todo_module);
    todo_req_t *req, *again;
    apr_status_t rv;

    stub_location(s, "/my api", LOCATION, SETHANDLER);
    stub_location(s, "/a%b/\xc3\xa9\"<x>", LOCATION, SETHANDLER);
    post_config(s);
    req = route(state, "GET", "/my api/healthz", &rv);
    assert_int_equal(APR_SUCCESS, rv);
    assert_string_equal("/my%20api", req->mount);
    assert_string_equal("/healthz", req->path);
    /* The configuration's string, made once: no request bytes in it. */
    again = route(state, "GET", "/my api/tasks", &rv);
    assert_ptr_equal(req->mount, again->mount);
    req = route(state, "GET", "/a%b/\xc3\xa9\"<x>/healthz", &rv);
    assert_int_equal(APR_SUCCESS, rv);
    assert_string_equal("/a%25b/%c3%a9%22%3cx%3e", req->mount);
    /* TodoBasePath is escaped the same way. */
    dc->base_path = "/my api";
    req = route(state, "GET", "/my api/healthz", &rv);
    assert_int_equal(APR_SUCCESS, rv);
    assert_string_equal("/my%20api", req->mount);
}

static void test_post_config_collects_every_server(void **state)
{
    server_rec *s = TS_SERVER(state);
    server_rec *vhost = stub_server(TS_POOL(state));
    request_rec *r;
    todo_req_t *req;

    s->next = vhost;
    vhost->process = s->process;
    stub_location(s, "/api", LOCATION, SETHANDLER);
    stub_location(vhost, "/v2", LOCATION, SETHANDLER);
    post_config(s);
    assert_int_equal(1, todo_srv_conf_get(s)->handler_sections->nelts);
    assert_int_equal(1, todo_srv_conf_get(vhost)->handler_sections->nelts);
    r = stub_request(vhost, TS_POOL(state), "GET", "/v2/healthz");
    req = todo_req_make(r);
    assert_int_equal(APR_SUCCESS, todo_route_request(req));
    assert_string_equal("/v2", req->mount);
}

/* --- matching below the mount point ----------------------------------- */

static void test_head_is_served_by_get(void **state)
{
    todo_req_t *req;
    apr_status_t rv;

    stub_location(TS_SERVER(state), "/api/v1", LOCATION, SETHANDLER);
    post_config(TS_SERVER(state));
    req = route(state, "HEAD", "/api/v1/healthz", &rv);
    assert_int_equal(APR_SUCCESS, rv);
    assert_string_equal("GET", req->match.route->method);
    assert_string_equal("/healthz", pattern_of(req));
    req = route(state, "HEAD", "/api/v1/tasks/abc", &rv);
    assert_int_equal(APR_SUCCESS, rv);
    assert_string_equal("/tasks/{id}", pattern_of(req));
    assert_string_equal("abc", req->match.params[0]);
    req = route(state, "HEAD", "/api/v1/auth/login", &rv);
    assert_int_equal(TODO_EMETHOD, rv);
}

static void test_405_carries_the_allow_list(void **state)
{
    todo_req_t *req;
    apr_status_t rv;

    stub_location(TS_SERVER(state), "/api/v1", LOCATION, SETHANDLER);
    post_config(TS_SERVER(state));
    req = route(state, "DELETE", "/api/v1/healthz", &rv);
    assert_int_equal(TODO_EMETHOD, rv);
    assert_string_equal("GET, HEAD", req->match.allow);
    req = route(state, "POST", "/api/v1/users/abc", &rv);
    assert_int_equal(TODO_EMETHOD, rv);
    assert_string_equal("GET, HEAD, PATCH, PUT, DELETE", req->match.allow);
    req = route(state, "GET", "/api/v1/tasks/bulk", &rv);
    assert_int_equal(APR_SUCCESS, rv);
    assert_string_equal("/tasks/{id}", pattern_of(req));
    req = route(state, "POST", "/api/v1/tasks/bulk", &rv);
    assert_int_equal(APR_SUCCESS, rv);
    assert_string_equal("/tasks/bulk", pattern_of(req));
}

/* --- the handler hook ------------------------------------------------- */

/* Run the handler hook on a fresh request. */
static request_rec *handle(void **state, const char *method, const char *uri,
                           int *pstatus)
{
    request_rec *r =
        stub_request(TS_SERVER(state), TS_POOL(state), method, uri);

    *pstatus = stub_hook_handler()(r);
    return r;
}

/* The route rows of the request metrics that counted @a status. */
static uint64_t counted(int row, int status)
{
    return todo_shared_metrics()->requests[row][status - 100];
}

static uint64_t counted_matched(int status)
{
    uint64_t n = 0;
    int row;

    for (row = 0; row < TODO_METRICS_ROUTES - 1; ++row) {
        n += counted(row, status);
    }
    return n;
}

static void test_handler_declines_other_handlers(void **state)
{
    request_rec *r = stub_request(TS_SERVER(state), TS_POOL(state), "GET",
                                  "/api/v1/healthz");

    stub_location(TS_SERVER(state), "/api/v1", LOCATION, SETHANDLER);
    post_config(TS_SERVER(state));
    r->handler = "default-handler";
    assert_int_equal(DECLINED, stub_hook_handler()(r));
    r->handler = NULL;
    assert_int_equal(DECLINED, stub_hook_handler()(r));
    assert_int_equal(0, stub_of(r)->passes);
}

static void test_handler_dispatches_and_counts_the_route(void **state)
{
    request_rec *r;
    int status;

    stub_location(TS_SERVER(state), "/api/v1", LOCATION, SETHANDLER);
    post_config(TS_SERVER(state));
    r = handle(state, "GET",
               "/api/v1/tasks/0192f000-0000-7000-8000-0000000000"
               "0a",
               &status);
    assert_int_equal(OK, status);
    assert_string_equal("todo_h_task_get", stub_dispatched());
    assert_string_equal("/api/v1", stub_dispatched_req()->mount);
    assert_string_equal("0192f000-0000-7000-8000-00000000000a",
                        stub_dispatched_req()->match.params[0]);
    r->status = 200;
    assert_int_equal(DECLINED, stub_hook_log_transaction()(r));
    assert_int_equal(1, counted_matched(200));
    assert_int_equal(0, counted(TODO_METRICS_ROUTES - 1, 200));
    r = handle(state, "PUT", "/api/v1/users/x", &status);
    assert_string_equal("todo_h_user_update", stub_dispatched());
    r = handle(state, "POST", "/api/v1/auth/login", &status);
    assert_string_equal("todo_h_login", stub_dispatched());
    r = handle(state, "GET", "/api/v1/ws", &status);
    assert_string_equal("todo_h_ws", stub_dispatched());
}

static void test_handler_answers_404_for_unknown_routes(void **state)
{
    request_rec *r;
    int status;

    stub_location(TS_SERVER(state), "/api/v1", LOCATION, SETHANDLER);
    post_config(TS_SERVER(state));
    r = handle(state, "GET", "/api/v1/nope", &status);
    assert_int_equal(OK, status);
    assert_int_equal(404, r->status);
    assert_string_equal("Not Found", ts_detail(r));
    assert_null(stub_dispatched());
    assert_int_equal(0, stub_log_count(r));
    assert_int_equal(DECLINED, stub_hook_log_transaction()(r));
    assert_int_equal(1, counted(TODO_METRICS_ROUTES - 1, 404));
}

static void test_handler_answers_405_with_allow(void **state)
{
    request_rec *r;
    int status;

    stub_location(TS_SERVER(state), "/api/v1", LOCATION, SETHANDLER);
    post_config(TS_SERVER(state));
    r = handle(state, "DELETE", "/api/v1/healthz", &status);
    assert_int_equal(OK, status);
    assert_int_equal(405, r->status);
    assert_string_equal("GET, HEAD",
                        apr_table_get(r->err_headers_out, "Allow"));
    assert_string_equal("Method Not Allowed", ts_detail(r));
}

static void test_handler_without_mount_point_warns_and_404s(void **state)
{
    request_rec *r;
    int status;

    stub_location(TS_SERVER(state), "/api/*", LOCATION, SETHANDLER);
    post_config(TS_SERVER(state));
    r = handle(state, "GET", "/api/v1/healthz", &status);
    assert_int_equal(OK, status);
    assert_int_equal(404, r->status);
    assert_string_equal("Not Found", ts_detail(r));
    assert_non_null(stub_logged(r, APLOG_WARNING,
                                "cannot tell the API mount point for "
                                "/api/v1/healthz"));
    assert_non_null(stub_logged(r, APLOG_WARNING, "set TodoBasePath"));
    /* Said once: a client cannot fill the log with it. */
    r = handle(state, "GET", "/api/v1/tasks", &status);
    assert_int_equal(404, r->status);
    assert_null(stub_logged(r, APLOG_WARNING, "cannot tell"));
}

/* Outside TodoBasePath is simply not the API: a 404, and no warning. */
static void test_handler_outside_base_path_is_quiet(void **state)
{
    request_rec *r;
    int status;

    stub_location(TS_SERVER(state), "/", LOCATION, SETHANDLER);
    post_config(TS_SERVER(state));
    r = stub_request(TS_SERVER(state), TS_POOL(state), "GET", "/other/x");
    todo_dir_conf_get(r)->base_path = "/api/v1";
    status = stub_hook_handler()(r);
    assert_int_equal(OK, status);
    assert_int_equal(404, r->status);
    assert_null(stub_logged(r, APLOG_WARNING, "mount point"));
}

/* --- /healthz, /readyz, /metrics ------------------------------------- */

static void test_healthz_and_readyz(void **state)
{
    request_rec *r;
    int status;

    stub_location(TS_SERVER(state), "/api/v1", LOCATION, SETHANDLER);
    post_config(TS_SERVER(state));
    r = handle(state, "GET", "/api/v1/healthz", &status);
    assert_int_equal(200, r->status);
    assert_string_equal("{\"status\":\"ok\"}", stub_response(r, NULL));
    assert_int_equal(0, stub_of(r)->db_acquires);
    r = stub_request(TS_SERVER(state), TS_POOL(state), "GET", "/api/v1/readyz");
    stub_of(r)->db = ts_memdb(r->pool);
    assert_int_equal(OK, stub_hook_handler()(r));
    assert_int_equal(200, r->status);
    assert_string_equal("{\"status\":\"ok\",\"checks\":{\"database\":\"ok\"}}",
                        stub_response(r, NULL));
    r = handle(state, "GET", "/api/v1/readyz", &status);
    assert_int_equal(503, r->status);
    assert_string_equal("{\"status\":\"unavailable\",\"checks\":{\"database\":"
                        "\"unavailable\"}}",
                        stub_response(r, NULL));
}

static void test_metrics_answer_loopback_only_by_default(void **state)
{
    request_rec *r;
    const char *body;
    apr_size_t len;

    stub_location(TS_SERVER(state), "/api/v1", LOCATION, SETHANDLER);
    post_config(TS_SERVER(state));
    todo_metrics_db_error(todo_shared_metrics());
    r = stub_request(TS_SERVER(state), TS_POOL(state), "GET",
                     "/api/v1/tasks/abc");
    assert_int_equal(OK, stub_hook_handler()(r));
    assert_int_equal(DECLINED, stub_hook_log_transaction()(r));
    r = stub_request(TS_SERVER(state), TS_POOL(state), "GET",
                     "/api/v1/metrics");
    stub_client(r, "::1");
    assert_int_equal(OK, stub_hook_handler()(r));
    assert_int_equal(200, r->status);
    assert_string_equal("text/plain; version=0.0.4; charset=utf-8",
                        r->content_type);
    assert_string_equal("no-store",
                        apr_table_get(r->headers_out, "Cache-Control"));
    body = stub_response(r, &len);
    assert_string_equal(apr_psprintf(r->pool, "%" APR_SIZE_T_FMT, len),
                        apr_table_get(r->headers_out, "Content-Length"));
    assert_non_null(strstr(body, "todo_db_errors_total 1"));
    /* Labelled with the handler's route table. */
    assert_non_null(strstr(body, "todo_http_requests_total{method=\"GET\","
                                 "route=\"/tasks/{id}\",status=\"200\"} 1"));
    /* Anyone else: 403, in JSON. */
    r = stub_request(TS_SERVER(state), TS_POOL(state), "GET",
                     "/api/v1/metrics");
    stub_client(r, "192.0.2.1");
    assert_int_equal(OK, stub_hook_handler()(r));
    assert_int_equal(403, r->status);
    assert_string_equal("Forbidden", ts_detail(r));
    /* HEAD: the headers, no body. */
    r = stub_request(TS_SERVER(state), TS_POOL(state), "HEAD",
                     "/api/v1/metrics");
    assert_int_equal(OK, stub_hook_handler()(r));
    assert_int_equal(200, r->status);
    assert_non_null(apr_table_get(r->headers_out, "Content-Length"));
    assert_string_equal("", stub_response(r, NULL));
}

/* --- the log hook ---------------------------------------------------- */

static void test_log_hook_redacts_access_tokens(void **state)
{
    request_rec *r = stub_request(TS_SERVER(state), TS_POOL(state), "GET",
                                  "/api/v1/events?x=1&access_token=s3cr3t");

    post_config(TS_SERVER(state));
    assert_int_equal(DECLINED, stub_hook_log_transaction()(r));
    assert_null(strstr(r->args, "s3cr3t"));
    assert_null(strstr(r->the_request, "s3cr3t"));
    assert_non_null(strstr(r->args, "x=1"));
    /* Any spelling, and for any handler: the log line is httpd's. */
    r = stub_request(TS_SERVER(state), TS_POOL(state), "GET",
                     "/static?ACCESS%5Ftoken=s3cr3t");
    r->handler = "default-handler";
    assert_int_equal(DECLINED, stub_hook_log_transaction()(r));
    assert_null(strstr(r->args, "s3cr3t"));
    assert_null(strstr(r->the_request, "s3cr3t"));
    /* The API request (not routed here) was counted as unmatched; the
     * other one not at all. */
    assert_int_equal(1, counted(TODO_METRICS_ROUTES - 1, 200));
    assert_int_equal(0, counted_matched(200));
}

/* A request of a stream route is counted as a stream that ended only if
 * the stream was admitted (the note its handler leaves); a refusal
 * (429, 401, ...) is a request with a latency like any other. */
static void test_log_hook_counts_admitted_streams_only(void **state)
{
    todo_metrics_t *m = todo_shared_metrics();
    request_rec *r;
    uint64_t latencies = 0;
    int status, row, b;

    stub_location(TS_SERVER(state), "/api/v1", LOCATION, SETHANDLER);
    post_config(TS_SERVER(state));
    r = handle(state, "GET", "/api/v1/events", &status);
    assert_string_equal("todo_h_events", stub_dispatched());
    r->status = 429;
    assert_int_equal(DECLINED, stub_hook_log_transaction()(r));
    r = handle(state, "GET", "/api/v1/ws", &status);
    assert_string_equal("todo_h_ws", stub_dispatched());
    r->status = 429;
    assert_int_equal(DECLINED, stub_hook_log_transaction()(r));
    assert_int_equal(2, counted_matched(429));
    assert_int_equal(0, m->streams_ended);
    for (row = 0; row < TODO_METRICS_ROUTES; ++row) {
        for (b = 0; b < TODO_METRICS_BUCKETS; ++b) {
            latencies += m->latency[row][b];
        }
    }
    assert_int_equal(2, latencies);
    /* Admitted, then ended. */
    r = handle(state, "GET", "/api/v1/events", &status);
    apr_table_setn(r->notes, TODO_NOTE_STREAM, "1");
    r->status = 200;
    assert_int_equal(DECLINED, stub_hook_log_transaction()(r));
    assert_int_equal(1, m->streams_ended);
    assert_int_equal(1, counted_matched(200));
}

int test_glue_handler_run(void)
{
    const struct CMUnitTest tests[] = {
        TS_TEST(test_mount_is_the_base_path_when_set),
        TS_TEST(test_mount_is_the_last_applying_location_with_sethandler),
        TS_TEST(test_mount_follows_the_configuration_order),
        TS_TEST(test_nested_location_without_sethandler_does_not_count),
        TS_TEST(test_routes_answer_only_at_mount_slash_route),
        TS_TEST(test_trailing_slash_of_a_location_is_not_in_the_mount),
        TS_TEST(test_wildcard_location_gives_no_mount_point),
        TS_TEST(test_regex_location_gives_no_mount_point),
        TS_TEST(test_mount_is_escaped_and_from_the_configuration),
        TS_TEST(test_post_config_collects_every_server),
        TS_TEST(test_head_is_served_by_get),
        TS_TEST(test_405_carries_the_allow_list),
        TS_TEST(test_handler_declines_other_handlers),
        TS_TEST(test_handler_dispatches_and_counts_the_route),
        TS_TEST(test_handler_answers_404_for_unknown_routes),
        TS_TEST(test_handler_answers_405_with_allow),
        TS_TEST(test_handler_without_mount_point_warns_and_404s),
        TS_TEST(test_handler_outside_base_path_is_quiet),
        TS_TEST(test_healthz_and_readyz),
        TS_TEST(test_metrics_answer_loopback_only_by_default),
        TS_TEST(test_log_hook_redacts_access_tokens),
        TS_TEST(test_log_hook_counts_admitted_streams_only),
    };

    return cmocka_run_group_tests_name("mod_todo_handler", tests, NULL, NULL);
}
