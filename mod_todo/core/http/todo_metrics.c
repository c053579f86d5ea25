/* Licensed under the Apache License, Version 2.0; see LICENSE. */

#include <string.h>

#include <apr_strings.h>
#include <apr_tables.h>

#include "todo_metrics.h"
#include "todo_version.h" /* build/gen, from VERSION */

/* Upper bounds of the latency buckets, in microseconds; the last
 * bucket is +Inf. */
static const apr_interval_time_t bucket_us[TODO_METRICS_BUCKETS - 1] = {
    500,    1000,   2500,   5000,    10000,   25000,  50000,
    100000, 250000, 500000, 1000000, 2500000, 5000000};
static const char *const bucket_le[TODO_METRICS_BUCKETS] = {
    "0.0005", "0.001", "0.0025", "0.005", "0.01", "0.025", "0.05",
    "0.1",    "0.25",  "0.5",    "1",     "2.5",  "5",     "+Inf"};

static const char *const auth_reasons[TODO_AUTH_REASONS] = {
    "missing_token", "malformed",     "bad_alg",         "bad_signature",
    "expired",       "not_yet_valid", "bad_issuer",      "bad_audience",
    "bad_claims",    "revoked",       "bad_credentials", "bad_refresh",
    "refresh_reuse", "other"};

static const char *const rl_kinds[TODO_RL_KINDS] = {
    "register_ip", "login_ip", "login_account", "password_account"};

#define ADD(word, n) __atomic_fetch_add(&(word), (n), __ATOMIC_RELAXED)
#define GET(word) __atomic_load_n(&(word), __ATOMIC_RELAXED)

void todo_metrics_request(todo_metrics_t *m, int route, int status,
                          apr_interval_time_t elapsed, int stream)
{
    int b;

    if (route < 0 || route >= TODO_METRICS_ROUTES) {
        route = TODO_METRICS_ROUTES - 1;
    }
    if (status < 100 || status > 599) {
        status = 500;
    }
    if (elapsed < 0) {
        elapsed = 0;
    }
    for (b = 0; b < TODO_METRICS_BUCKETS - 1 && elapsed > bucket_us[b]; ++b) {
    }
    ADD(m->requests[route][status - 100], 1);
    if (stream) {
        /* A stream lives for minutes: not a request latency. */
        ADD(m->streams_ended, 1);
        ADD(m->stream_us, (uint64_t)elapsed);
        return;
    }
    ADD(m->latency[route][b], 1);
    ADD(m->latency_sum_us[route], (uint64_t)elapsed);
}

void todo_metrics_auth_failure(todo_metrics_t *m, const char *reason)
{
    int i;

    for (i = 0; i < TODO_AUTH_REASONS - 1; ++i) {
        if (reason && !strcmp(reason, auth_reasons[i])) {
            break;
        }
    }
    ADD(m->auth_failures[i], 1);
}

void todo_metrics_rate_limited(todo_metrics_t *m, todo_rl_kind_t kind)
{
    ADD(m->rate_limited[kind], 1);
}

void todo_metrics_stream_refused(todo_metrics_t *m, todo_stream_verdict_t why)
{
    if (why > TODO_STREAM_ADMITTED && why < TODO_STREAM_VERDICTS) {
        ADD(m->streams_refused[why], 1);
    }
}

void todo_metrics_db_acquire(todo_metrics_t *m, apr_interval_time_t waited)
{
    if (waited < 0) {
        waited = 0;
    }
    ADD(m->db_acquires, 1);
    ADD(m->db_acquire_us, (uint64_t)waited);
    if (waited > 1000) {
        ADD(m->db_acquire_waits, 1);
    }
}

void todo_metrics_group_commit(todo_metrics_t *m, int writes)
{
    ADD(m->db_group_commits, 1);
    ADD(m->db_group_writes, (uint64_t)writes);
}

void todo_metrics_group_queued(todo_metrics_t *m, int delta)
{
    ADD(m->db_group_queued, delta);
}

void todo_metrics_db_error(todo_metrics_t *m)
{
    ADD(m->db_errors, 1);
}

int todo_metrics_stream_open(todo_metrics_t *m, apr_int64_t max)
{
    if (__atomic_add_fetch(&m->streams, 1, __ATOMIC_ACQ_REL) > max) {
        __atomic_sub_fetch(&m->streams, 1, __ATOMIC_ACQ_REL);
        return 0;
    }
    return 1;
}

void todo_metrics_stream_close(todo_metrics_t *m)
{
    __atomic_sub_fetch(&m->streams, 1, __ATOMIC_ACQ_REL);
}

/* ---- the exposition ---- */

typedef struct {
    apr_pool_t *p;
    apr_array_header_t *parts;
} out_t;

static void emit(out_t *o, const char *s)
{
    APR_ARRAY_PUSH(o->parts, const char *) = s;
}

static void header(out_t *o, const char *name, const char *type,
                   const char *help)
{
    emit(o, apr_psprintf(o->p, "# HELP %s %s\n# TYPE %s %s\n", name, help, name,
                         type));
}

/* A label value as the text format wants it: \, " and newline escaped. */
static const char *label(apr_pool_t *p, const char *v)
{
    char *out = apr_palloc(p, 2 * strlen(v) + 1), *o = out;

    for (; *v; ++v) {
        if (*v == '\\' || *v == '"') {
            *o++ = '\\';
            *o++ = *v;
        }
        else if (*v == '\n') {
            *o++ = '\\';
            *o++ = 'n';
        }
        else {
            *o++ = *v;
        }
    }
    *o = '\0';
    return out;
}

static const char *route_labels(apr_pool_t *p,
                                const todo_metrics_route_t *routes, int nroutes,
                                int r)
{
    if (r >= nroutes) {
        return "method=\"any\",route=\"unmatched\"";
    }
    return apr_psprintf(p, "method=\"%s\",route=\"%s\"",
                        label(p, routes[r].method),
                        label(p, routes[r].pattern));
}

static int route_row(int r, int nroutes)
{
    return r < nroutes ? r : TODO_METRICS_ROUTES - 1;
}

static void render_requests(out_t *o, const todo_metrics_t *m,
                            const todo_metrics_route_t *routes, int nroutes)
{
    int r, s;

    header(o, "todo_http_requests_total", "counter",
           "API requests answered, by route template and status.");
    for (r = 0; r <= nroutes; ++r) {
        int row = route_row(r, nroutes);
        for (s = 0; s < TODO_METRICS_STATUSES; ++s) {
            uint64_t n = GET(m->requests[row][s]);
            if (n) {
                emit(o,
                     apr_psprintf(o->p,
                                  "todo_http_requests_total{%s,status=\"%d\"}"
                                  " %" APR_UINT64_T_FMT "\n",
                                  route_labels(o->p, routes, nroutes, r),
                                  s + 100, n));
            }
        }
    }
}

static void render_latency(out_t *o, const todo_metrics_t *m,
                           const todo_metrics_route_t *routes, int nroutes)
{
    int r, b;

    header(o, "todo_http_request_duration_seconds", "histogram",
           "Time from reading the request to logging it, by route template.");
    for (r = 0; r <= nroutes; ++r) {
        int row = route_row(r, nroutes);
        const char *labels = route_labels(o->p, routes, nroutes, r);
        uint64_t counts[TODO_METRICS_BUCKETS], total = 0;

        /* Read each word once, so the buckets add up to the count. */
        for (b = 0; b < TODO_METRICS_BUCKETS; ++b) {
            counts[b] = GET(m->latency[row][b]);
        }
        for (b = 0; b < TODO_METRICS_BUCKETS; ++b) {
            total += counts[b];
        }
        if (!total) {
            continue;
        }
        total = 0;
        for (b = 0; b < TODO_METRICS_BUCKETS; ++b) {
            total += counts[b];
            emit(o, apr_psprintf(o->p,
                                 "todo_http_request_duration_seconds_bucket"
                                 "{%s,le=\"%s\"} %" APR_UINT64_T_FMT "\n",
                                 labels, bucket_le[b], total));
        }
        emit(o, apr_psprintf(o->p,
                             "todo_http_request_duration_seconds_sum{%s} %.6f\n"
                             "todo_http_request_duration_seconds_count{%s} "
                             "%" APR_UINT64_T_FMT "\n",
                             labels, (double)GET(m->latency_sum_us[row]) / 1e6,
                             labels, total));
    }
}

static void counter(out_t *o, const char *name, const char *help,
                    uint64_t value)
{
    header(o, name, "counter", help);
    emit(o, apr_psprintf(o->p, "%s %" APR_UINT64_T_FMT "\n", name, value));
}

const char *todo_metrics_render(const todo_metrics_t *m,
                                const todo_metrics_route_t *routes, int nroutes,
                                apr_pool_t *p)
{
    out_t o;
    int i;

    o.p = p;
    o.parts = apr_array_make(p, 256, sizeof(const char *));
    if (nroutes > TODO_METRICS_ROUTES - 1) {
        nroutes = TODO_METRICS_ROUTES - 1;
    }
    header(&o, "todo_build_info", "gauge",
           "The module's version, as a label (always 1).");
    emit(&o, "todo_build_info{version=\"" TODO_VERSION "\"} 1\n");
    render_requests(&o, m, routes, nroutes);
    render_latency(&o, m, routes, nroutes);

    header(&o, "todo_auth_failures_total", "counter",
           "Requests answered 401, by reason.");
    for (i = 0; i < TODO_AUTH_REASONS; ++i) {
        emit(&o, apr_psprintf(p,
                              "todo_auth_failures_total{reason=\"%s\"} "
                              "%" APR_UINT64_T_FMT "\n",
                              auth_reasons[i], GET(m->auth_failures[i])));
    }
    header(&o, "todo_rate_limited_total", "counter",
           "Requests answered 429, by the limit that refused them.");
    for (i = 0; i < TODO_RL_KINDS; ++i) {
        emit(&o, apr_psprintf(p,
                              "todo_rate_limited_total{limit=\"%s\"} "
                              "%" APR_UINT64_T_FMT "\n",
                              rl_kinds[i], GET(m->rate_limited[i])));
    }
    counter(&o, "todo_db_errors_total",
            "Requests answered 503 because the database was unavailable.",
            GET(m->db_errors));
    counter(&o, "todo_db_acquires_total",
            "Connections taken from mod_dbd's pool.", GET(m->db_acquires));
    header(&o, "todo_db_acquire_seconds_total", "counter",
           "Time spent taking connections from mod_dbd's pool.");
    emit(&o, apr_psprintf(p, "todo_db_acquire_seconds_total %.6f\n",
                          (double)GET(m->db_acquire_us) / 1e6));
    counter(&o, "todo_db_pool_waits_total",
            "Connection acquisitions that took longer than 1 ms.",
            GET(m->db_acquire_waits));
    counter(&o, "todo_db_group_commits_total",
            "Transactions committed for groups of task writes (that "
            "stored at least one).",
            GET(m->db_group_commits));
    counter(&o, "todo_db_group_writes_total",
            "Writes committed in those groups (their average size is this "
            "over todo_db_group_commits_total).",
            GET(m->db_group_writes));
    header(&o, "todo_db_group_queued", "gauge",
           "Task writes waiting for a group commit now.");
    emit(&o, apr_psprintf(p, "todo_db_group_queued %" APR_INT64_T_FMT "\n",
                          (apr_int64_t)GET(m->db_group_queued)));
    header(&o, "todo_realtime_streams", "gauge",
           "Live realtime streams (WebSocket and Server-Sent Events).");
    emit(&o, apr_psprintf(p, "todo_realtime_streams %" APR_INT64_T_FMT "\n",
                          (apr_int64_t)GET(m->streams)));
    counter(&o, "todo_realtime_streams_ended_total",
            "Realtime streams admitted that have ended (their requests are in "
            "todo_http_requests_total, their time only here).",
            GET(m->streams_ended));
    header(&o, "todo_realtime_stream_seconds_total", "counter",
           "Time the ended realtime streams lived.");
    emit(&o, apr_psprintf(p, "todo_realtime_stream_seconds_total %.6f\n",
                          (double)GET(m->stream_us) / 1e6));
    header(&o, "todo_realtime_streams_refused_total", "counter",
           "Streams answered 429, by the limit that refused them.");
    for (i = TODO_STREAM_ADMITTED + 1; i < TODO_STREAM_VERDICTS; ++i) {
        emit(&o,
             apr_psprintf(p,
                          "todo_realtime_streams_refused_total{limit=\"%s\"} "
                          "%" APR_UINT64_T_FMT "\n",
                          todo_stream_verdict_name((todo_stream_verdict_t)i),
                          GET(m->streams_refused[i])));
    }
    return apr_array_pstrcat(p, o.parts, 0);
}
