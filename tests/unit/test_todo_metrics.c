/* Licensed under the Apache License, Version 2.0; see LICENSE. */

#include <string.h>

#include "test_common.h"
#include "todo_metrics.h"
#include "todo_version.h"

static const todo_metrics_route_t routes[] = {
    {"GET", "/tasks/{id}"},
    {"POST", "/auth/login"},
    {"GET", "/odd\"one\\"},
};
#define NROUTES 3

static todo_metrics_t *fresh(apr_pool_t *p)
{
    return apr_pcalloc(p, sizeof(todo_metrics_t));
}

static void has_line(const char *text, const char *line)
{
    const char *at = strstr(text, line);

    if (!at || (at != text && at[-1] != '\n') || at[strlen(line)] != '\n') {
        fail_msg("no line \"%s\" in:\n%s", line, text);
    }
}

static void test_requests_by_route_and_status(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    todo_metrics_t *m = fresh(p);
    const char *text;

    todo_metrics_request(m, 0, 200, 100, 0);
    todo_metrics_request(m, 0, 200, 100, 0);
    todo_metrics_request(m, 0, 404, 100, 0);
    todo_metrics_request(m, 1, 429, 100, 0);
    todo_metrics_request(m, -1, 404, 100, 0); /* not routed */
    todo_metrics_request(m, 0, 999, 100, 0);  /* nonsense status */
    text = todo_metrics_render(m, routes, NROUTES, p);
    has_line(text, "todo_http_requests_total{method=\"GET\",route=\"/tasks/"
                   "{id}\",status=\"200\"} 2");
    has_line(text, "todo_http_requests_total{method=\"GET\",route=\"/tasks/"
                   "{id}\",status=\"404\"} 1");
    has_line(text, "todo_http_requests_total{method=\"POST\",route=\"/auth/"
                   "login\",status=\"429\"} 1");
    has_line(text,
             "todo_http_requests_total{method=\"any\",route=\"unmatched\","
             "status=\"404\"} 1");
    has_line(text, "todo_http_requests_total{method=\"GET\",route=\"/tasks/"
                   "{id}\",status=\"500\"} 1");
    /* Nothing for what never happened. */
    assert_null(strstr(text, "status=\"201\""));
}

static void test_histogram_is_cumulative(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    todo_metrics_t *m = fresh(p);
    const char *text;

    todo_metrics_request(m, 1, 200, 500, 0);     /* on the 0.5 ms bound */
    todo_metrics_request(m, 1, 200, 501, 0);     /* just above */
    todo_metrics_request(m, 1, 401, 3000000, 0); /* 3 s */
    todo_metrics_request(m, 1, 200, 9000000, 0); /* beyond 5 s */
    text = todo_metrics_render(m, routes, NROUTES, p);
#define B(le, n)                                                               \
    "todo_http_request_duration_seconds_bucket{method=\"POST\",route=\"/auth/" \
    "login\",le=\"" le "\"} " #n
    has_line(text, B("0.0005", 1));
    has_line(text, B("0.001", 2));
    has_line(text, B("2.5", 2));
    has_line(text, B("5", 3));
    has_line(text, B("+Inf", 4));
#undef B
    has_line(text, "todo_http_request_duration_seconds_count{method=\"POST\","
                   "route=\"/auth/login\"} 4");
    has_line(text, "todo_http_request_duration_seconds_sum{method=\"POST\","
                   "route=\"/auth/login\"} 12.001001");
    /* A route without requests has no histogram. */
    assert_null(strstr(text, "duration_seconds_count{method=\"GET\""));
}

/* A stream is counted as a request, but its life (minutes) is not a
 * request latency: it goes to the stream counters. */
static void test_streams_stay_out_of_the_latency_histogram(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    todo_metrics_t *m = fresh(p);
    const char *text;

    todo_metrics_request(m, 0, 200, 90000000, 1); /* a 90 s stream */
    todo_metrics_request(m, 0, 200, 30000000, 1);
    text = todo_metrics_render(m, routes, NROUTES, p);
    has_line(text, "todo_http_requests_total{method=\"GET\",route=\"/tasks/"
                   "{id}\",status=\"200\"} 2");
    assert_null(strstr(text, "duration_seconds_count{method=\"GET\""));
    has_line(text, "todo_realtime_streams_ended_total 2");
    has_line(text, "todo_build_info{version=\"" TODO_VERSION "\"} 1");
    has_line(text, "todo_realtime_stream_seconds_total 120.000000");
}

static void test_label_values_escaped(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    todo_metrics_t *m = fresh(p);
    const char *text;

    todo_metrics_request(m, 2, 200, 1, 0);
    text = todo_metrics_render(m, routes, NROUTES, p);
    has_line(text, "todo_http_requests_total{method=\"GET\",route=\"/odd\\\""
                   "one\\\\\",status=\"200\"} 1");
}

static void test_auth_rate_db_and_streams(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    todo_metrics_t *m = fresh(p);
    const char *text;

    todo_metrics_auth_failure(m, "expired");
    todo_metrics_auth_failure(m, "expired");
    todo_metrics_auth_failure(m, "missing_token");
    todo_metrics_auth_failure(m, "no such reason");
    todo_metrics_auth_failure(m, NULL);
    todo_metrics_rate_limited(m, TODO_RL_LOGIN_ACCOUNT);
    todo_metrics_db_acquire(m, 200);
    todo_metrics_db_acquire(m, 1500); /* a wait */
    todo_metrics_db_error(m);
    todo_metrics_group_commit(m, 5);
    todo_metrics_group_commit(m, 1);
    assert_true(todo_metrics_stream_open(m, 2));
    assert_true(todo_metrics_stream_open(m, 2));
    assert_false(todo_metrics_stream_open(m, 2)); /* a third is one too many */
    todo_metrics_stream_close(m);
    text = todo_metrics_render(m, routes, NROUTES, p);
    has_line(text, "todo_auth_failures_total{reason=\"expired\"} 2");
    has_line(text, "todo_auth_failures_total{reason=\"missing_token\"} 1");
    has_line(text, "todo_auth_failures_total{reason=\"other\"} 2");
    /* Every reason is exported, zero or not. */
    has_line(text, "todo_auth_failures_total{reason=\"refresh_reuse\"} 0");
    has_line(text, "todo_rate_limited_total{limit=\"login_account\"} 1");
    has_line(text, "todo_rate_limited_total{limit=\"register_ip\"} 0");
    has_line(text, "todo_db_acquires_total 2");
    has_line(text, "todo_db_pool_waits_total 1");
    has_line(text, "todo_db_acquire_seconds_total 0.001700");
    has_line(text, "todo_db_errors_total 1");
    has_line(text, "todo_db_group_commits_total 2");
    has_line(text, "todo_db_group_writes_total 6");
    has_line(text, "todo_realtime_streams 1");
    has_line(text, "# TYPE todo_realtime_streams gauge");
}

int test_todo_metrics_run(void)
{
    const struct CMUnitTest tests[] = {
        TS_TEST(test_requests_by_route_and_status),
        TS_TEST(test_histogram_is_cumulative),
        TS_TEST(test_streams_stay_out_of_the_latency_histogram),
        TS_TEST(test_label_values_escaped),
        TS_TEST(test_auth_rate_db_and_streams),
    };
    return cmocka_run_group_tests_name("todo_metrics", tests, NULL, NULL);
}
