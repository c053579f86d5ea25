/* Licensed under the Apache License, Version 2.0; see LICENSE. */

/* mod_todo_http.c: reading the request body within TodoMaxBodySize and
 * its media type, read errors, bearer authentication, rate limits, and
 * the error answers (status, headers, the contract's JSON body, the
 * metrics). Bodies come from the stubbed ap_get_brigade(). */

#include <string.h>

#include <apr_lib.h>
#include <apr_strings.h>

#include "mod_todo_http.h"
#include "mod_todo_shared.h"
#include "test_glue.h"
#include "todo_auth.h"
#include "todo_password.h"

#define SECRET "0123456789abcdef0123456789abcdef"
#define PASSWORD "correct horse"
#define LIMIT 1024

/* The index of each reason in todo_metrics_t.auth_failures (the order
 * of todo_metrics.c's list). */
#define REASON_MISSING_TOKEN 0
#define REASON_MALFORMED 1

static request_rec *request(void **state, const char *method)
{
    return stub_request(TS_SERVER(state), TS_POOL(state), method,
                        "/api/v1/tasks");
}

/* A POST of @a len bytes of @a body with Content-Type @a ctype (NULL:
 * none), in buckets of @a bucket_len, with TodoMaxBodySize LIMIT. */
static todo_req_t *post(void **state, const char *ctype, const char *body,
                        apr_size_t len, apr_size_t bucket_len)
{
    request_rec *r = request(state, "POST");
    todo_req_t *req;

    if (ctype) {
        apr_table_setn(r->headers_in, "Content-Type", ctype);
    }
    stub_body(r, body, len, bucket_len);
    req = todo_req_make(r);
    req->dc->max_body = LIMIT;
    return req;
}

static apr_status_t read_body(todo_req_t *req, int accept,
                              todo_body_type_t *ptype, const char **pbuf,
                              apr_size_t *plen)
{
    *ptype = 0;
    *pbuf = NULL;
    *plen = 0;
    return todo_req_read_body(req, accept, ptype, pbuf, plen);
}

/* @a len bytes that differ from one offset to the next. */
static char *pattern(apr_pool_t *p, apr_size_t len)
{
    char *buf = apr_palloc(p, len);
    apr_size_t i;

    for (i = 0; i < len; ++i) {
        buf[i] = (char)('!' + (i * 7 + i / 91) % 90);
    }
    return buf;
}

static void assert_status(todo_req_t *req, apr_status_t rv, apr_status_t want,
                          int http)
{
    assert_int_equal(want, rv);
    assert_int_equal(want, req->res->status);
    assert_int_equal(http, todo_result_http(req->res->status));
}

/* --- todo_req_read_body: media types ---------------------------------- */

static void test_read_body_without_content_type_is_json(void **state)
{
    todo_req_t *req = post(state, NULL, "{\"a\":1}", 7, 0);
    todo_body_type_t type;
    const char *buf;
    apr_size_t len;

    assert_int_equal(APR_SUCCESS,
                     read_body(req, TODO_BODY_JSON, &type, &buf, &len));
    assert_int_equal(TODO_BODY_JSON, type);
    assert_int_equal(7, len);
    assert_string_equal("{\"a\":1}", buf);
}

static void
test_read_body_takes_json_types_any_case_with_parameters(void **state)
{
    static const char *const json[] = {
        "application/json", "Application/JSON; charset=utf-8",
        "application/json ;charset=utf-8", "application/merge-patch+json",
        "application/problem+json; charset=UTF-8"};
    apr_size_t i;

    for (i = 0; i < sizeof(json) / sizeof(json[0]); ++i) {
        todo_req_t *req = post(state, json[i], "{}", 2, 0);
        todo_body_type_t type;
        const char *buf;
        apr_size_t len;
        assert_int_equal(APR_SUCCESS,
                         read_body(req, TODO_BODY_JSON, &type, &buf, &len));
        assert_int_equal(TODO_BODY_JSON, type);
    }
}

static void test_read_body_takes_a_form_where_a_form_is_accepted(void **state)
{
    todo_req_t *req =
        post(state, "application/x-www-form-urlencoded; charset=utf-8",
             "username=a&password=b", 21, 0);
    todo_body_type_t type;
    const char *buf;
    apr_size_t len;

    assert_int_equal(
        APR_SUCCESS,
        read_body(req, TODO_BODY_JSON | TODO_BODY_FORM, &type, &buf, &len));
    assert_int_equal(TODO_BODY_FORM, type);
    assert_string_equal("username=a&password=b", buf);
}

static void test_read_body_refuses_other_types_with_415(void **state)
{
    static const char *const other[] = {"text/plain", "text/x+json",
                                        "application/jsonx",
                                        "multipart/form-data", ""};
    apr_size_t i;
    todo_body_type_t type;
    const char *buf;
    apr_size_t len;
    todo_req_t *req;

    for (i = 0; i < sizeof(other) / sizeof(other[0]); ++i) {
        req = post(state, other[i], "{}", 2, 0);
        assert_status(req, read_body(req, TODO_BODY_JSON, &type, &buf, &len),
                      TODO_EMEDIA, 415);
        assert_string_equal("Unsupported Media Type: send application/json",
                            req->res->detail);
        assert_int_equal(0, stub_of(req->r)->reads);
    }
    /* A form where only JSON is taken. */
    req = post(state, "application/x-www-form-urlencoded", "a=b", 3, 0);
    assert_status(req, read_body(req, TODO_BODY_JSON, &type, &buf, &len),
                  TODO_EMEDIA, 415);
    /* Where a form is taken, the detail says so. */
    req = post(state, "text/plain", "a=b", 3, 0);
    assert_status(
        req, read_body(req, TODO_BODY_JSON | TODO_BODY_FORM, &type, &buf, &len),
        TODO_EMEDIA, 415);
    assert_string_equal("Unsupported Media Type: send application/json or "
                        "application/x-www-form-urlencoded",
                        req->res->detail);
}

/* --- todo_req_read_body: the size limit ------------------------------- */

static void
test_read_body_refuses_a_content_length_over_the_limit_unread(void **state)
{
    char *body = pattern(TS_POOL(state), LIMIT + 1);
    todo_req_t *req = post(state, NULL, body, LIMIT + 1, 0);
    todo_body_type_t type;
    const char *buf;
    apr_size_t len;

    apr_table_setn(req->r->headers_in, "Content-Length", "1025");
    assert_status(req, read_body(req, TODO_BODY_JSON, &type, &buf, &len),
                  TODO_ETOOLARGE, 413);
    assert_string_equal("Request body larger than 1024 bytes",
                        req->res->detail);
    assert_int_equal(0, stub_of(req->r)->reads);
    assert_int_equal(AP_CONN_CLOSE, req->r->connection->keepalive);
}

static void test_read_body_refuses_a_stream_past_the_limit(void **state)
{
    apr_size_t size = 64 * 1024;
    char *body = pattern(TS_POOL(state), size);
    todo_req_t *req = post(state, NULL, body, size, 100);
    todo_body_type_t type;
    const char *buf;
    apr_size_t len;

    assert_status(req, read_body(req, TODO_BODY_JSON, &type, &buf, &len),
                  TODO_ETOOLARGE, 413);
    assert_string_equal("Request body larger than 1024 bytes",
                        req->res->detail);
    assert_int_equal(AP_CONN_CLOSE, req->r->connection->keepalive);
    /* It stopped at the first brigade that went past the limit. */
    assert_int_equal(1, stub_of(req->r)->reads);
    assert_true(stub_of(req->r)->sent < size);
    assert_null(buf);
}

static void test_read_body_takes_a_body_exactly_at_the_limit(void **state)
{
    char *body = pattern(TS_POOL(state), LIMIT);
    todo_body_type_t type;
    const char *buf;
    apr_size_t len;
    todo_req_t *req = post(state, NULL, body, LIMIT, 100);

    assert_int_equal(APR_SUCCESS,
                     read_body(req, TODO_BODY_JSON, &type, &buf, &len));
    assert_int_equal(LIMIT, len);
    assert_memory_equal(body, buf, LIMIT);
    assert_int_equal(AP_CONN_UNKNOWN, req->r->connection->keepalive);
    /* And with its Content-Length. */
    req = post(state, NULL, body, LIMIT, 0);
    apr_table_setn(req->r->headers_in, "Content-Length", "1024");
    assert_int_equal(APR_SUCCESS,
                     read_body(req, TODO_BODY_JSON, &type, &buf, &len));
    assert_int_equal(LIMIT, len);
}

static void test_read_body_reassembles_many_buckets_exactly(void **state)
{
    static const apr_size_t bucket_lens[] = {1, 7, 100, 4096, 8193, 0};
    apr_size_t size = 50000, i;
    char *body = pattern(TS_POOL(state), size);

    for (i = 0; i < sizeof(bucket_lens) / sizeof(bucket_lens[0]); ++i) {
        todo_req_t *req = post(state, NULL, body, size, bucket_lens[i]);
        todo_body_type_t type;
        const char *buf;
        apr_size_t len;
        req->dc->max_body = 1024 * 1024;
        assert_int_equal(APR_SUCCESS,
                         read_body(req, TODO_BODY_JSON, &type, &buf, &len));
        assert_int_equal(size, len);
        assert_memory_equal(body, buf, size);
        assert_int_equal('\0', buf[len]);
        /* 8192 bytes a read: several reads, then the EOS. */
        assert_true(stub_of(req->r)->reads >= 7);
    }
}

static void test_read_body_grows_its_buffer_to_exactly_the_limit(void **state)
{
    apr_size_t size = 65536;
    char *body = pattern(TS_POOL(state), size);
    todo_req_t *req = post(state, NULL, body, size, 1000);
    todo_body_type_t type;
    const char *buf;
    apr_size_t len;

    req->dc->max_body = (apr_int64_t)size;
    assert_int_equal(APR_SUCCESS,
                     read_body(req, TODO_BODY_JSON, &type, &buf, &len));
    assert_int_equal(size, len);
    assert_memory_equal(body, buf, size);
    assert_int_equal('\0', buf[len]);
}

static void test_read_body_of_nothing_is_empty(void **state)
{
    todo_req_t *req = post(state, NULL, "", 0, 0);
    todo_body_type_t type;
    const char *buf;
    apr_size_t len;

    assert_int_equal(APR_SUCCESS,
                     read_body(req, TODO_BODY_JSON, &type, &buf, &len));
    assert_int_equal(0, len);
    assert_string_equal("", buf);
}

/* --- todo_req_read_body: read errors ---------------------------------- */

static todo_req_t *failing_post(void **state, apr_status_t rv, int in_bucket)
{
    char *body = pattern(TS_POOL(state), 1000);
    todo_req_t *req = post(state, NULL, body, 1000, 10);

    stub_body_fail(req->r, 300, rv, in_bucket);
    return req;
}

static void test_read_body_maps_a_timeout_to_408(void **state)
{
    static const apr_status_t timeouts[] = {APR_TIMEUP, APR_ETIMEDOUT};
    apr_size_t i;

    for (i = 0; i < 2; ++i) {
        todo_req_t *req = failing_post(state, timeouts[i], 0);
        todo_body_type_t type;
        const char *buf;
        apr_size_t len;
        assert_status(req, read_body(req, TODO_BODY_JSON, &type, &buf, &len),
                      TODO_ETIMEOUT, 408);
        assert_string_equal("Timed out reading the request body",
                            req->res->detail);
        assert_int_equal(AP_CONN_CLOSE, req->r->connection->keepalive);
        assert_false(req->answered);
        assert_int_equal(2, stub_of(req->r)->reads);
    }
}

static void test_read_body_maps_a_broken_body_to_400(void **state)
{
    static const apr_status_t broken[] = {APR_EGENERAL, APR_ECONNRESET, APR_EOF,
                                          APR_EINVAL};
    apr_size_t i;
    int in_bucket;

    for (in_bucket = 0; in_bucket < 2; ++in_bucket) {
        for (i = 0; i < sizeof(broken) / sizeof(broken[0]); ++i) {
            todo_req_t *req = failing_post(state, broken[i], in_bucket);
            todo_body_type_t type;
            const char *buf;
            apr_size_t len;
            assert_status(req,
                          read_body(req, TODO_BODY_JSON, &type, &buf, &len),
                          TODO_EBADREQ, 400);
            assert_string_equal("Malformed request body", req->res->detail);
            assert_int_equal(AP_CONN_CLOSE, req->r->connection->keepalive);
            assert_false(req->answered);
        }
    }
}

static void test_read_body_maps_enospc_to_413(void **state)
{
    todo_req_t *req = failing_post(state, APR_ENOSPC, 0);
    todo_body_type_t type;
    const char *buf;
    apr_size_t len;

    assert_status(req, read_body(req, TODO_BODY_JSON, &type, &buf, &len),
                  TODO_ETOOLARGE, 413);
    assert_string_equal("Request body too large", req->res->detail);
    assert_int_equal(AP_CONN_CLOSE, req->r->connection->keepalive);
}

static void test_read_body_filter_error_leaves_the_answer_to_httpd(void **state)
{
    todo_req_t *req = failing_post(state, AP_FILTER_ERROR, 0);
    todo_body_type_t type;
    const char *buf;
    apr_size_t len;

    assert_int_not_equal(APR_SUCCESS,
                         read_body(req, TODO_BODY_JSON, &type, &buf, &len));
    assert_true(req->answered);
    assert_int_equal(AP_CONN_CLOSE, req->r->connection->keepalive);
    /* An input filter has sent the response: nothing more goes out. */
    assert_int_equal(AP_FILTER_ERROR, todo_send_error(req, req->res->status));
    assert_int_equal(0, stub_of(req->r)->passes);
    assert_string_equal("", stub_response(req->r, NULL));
}

/* --- todo_req_read_json ----------------------------------------------- */

static void test_read_json_invalid_is_422_json_invalid(void **state)
{
    todo_req_t *req = post(state, "application/json", "{\"a\":", 5, 0);
    json_t *obj = NULL, *item;

    assert_int_equal(APR_EINVAL, todo_req_read_json(req, &obj));
    assert_null(obj);
    assert_int_equal(OK, todo_send_error(req, APR_EINVAL));
    assert_int_equal(422, req->r->status);
    item =
        json_array_get(json_object_get(ts_response_json(req->r), "detail"), 0);
    assert_string_equal("json_invalid",
                        json_string_value(json_object_get(item, "type")));
    assert_string_equal("body", json_string_value(json_array_get(
                                    json_object_get(item, "loc"), 0)));
    assert_true(
        json_is_integer(json_array_get(json_object_get(item, "loc"), 1)));
}

static void test_read_json_takes_an_object_only(void **state)
{
    todo_req_t *req = post(state, NULL, "{\"title\":\"x\"}", 13, 3);
    json_t *obj = NULL;

    assert_int_equal(APR_SUCCESS, todo_req_read_json(req, &obj));
    assert_string_equal("x", json_string_value(json_object_get(obj, "title")));
    req = post(state, NULL, "[1]", 3, 0);
    assert_int_equal(APR_EINVAL, todo_req_read_json(req, &obj));
    req = post(state, NULL, "", 0, 0);
    assert_int_equal(APR_EINVAL, todo_req_read_json(req, &obj));
    /* The media type and the limit come first. */
    req = post(state, "application/x-www-form-urlencoded", "a=b", 3, 0);
    assert_int_equal(TODO_EMEDIA, todo_req_read_json(req, &obj));
}

/* --- authentication and the 401 --------------------------------------- */

static todo_auth_config_t *auth_setup(todo_srv_conf_t *sc, apr_pool_t *p)
{
    sc->secret = (const unsigned char *)SECRET;
    sc->secret_len = sizeof(SECRET) - 1;
    sc->bcrypt_cost = TODO_BCRYPT_COST_MIN;
    assert_null(todo_srv_conf_finish(p, sc));
    return sc->auth;
}

/* Register a user in @a db and log in: @return its access token. */
static const char *login(todo_db_t *db, apr_pool_t *p,
                         const todo_auth_config_t *cfg, const char **pid)
{
    todo_user_input_t in = {"ada@example.com", "ada", PASSWORD};
    todo_result_t *res = todo_result_make(p);
    todo_user_t *u = NULL;
    const char *hash = NULL;
    todo_login_t attempt;
    todo_tokens_t t;

    assert_int_equal(APR_SUCCESS,
                     todo_password_hash(p, PASSWORD, cfg->bcrypt_cost, &hash));
    assert_int_equal(APR_SUCCESS,
                     todo_user_create(db, p, &in, hash, TS_NOW, &u, res));
    assert_int_equal(APR_SUCCESS, todo_auth_login_find(db, p, "ada", &attempt));
    assert_int_equal(APR_SUCCESS, todo_auth_login(db, p, cfg, &attempt,
                                                  PASSWORD, TS_NOW, &t, res));
    *pid = u->id;
    return t.access_token;
}

static void test_bearer_token_is_read_from_authorization(void **state)
{
    request_rec *r = request(state, "GET");

    assert_null(todo_bearer_token(r));
    apr_table_setn(r->headers_in, "Authorization", "Bearer abc.def");
    assert_string_equal("abc.def", todo_bearer_token(r));
    apr_table_setn(r->headers_in, "Authorization", "bearer    abc");
    assert_string_equal("abc", todo_bearer_token(r));
    apr_table_setn(r->headers_in, "Authorization", "Bearer ");
    assert_null(todo_bearer_token(r));
    apr_table_setn(r->headers_in, "Authorization", "Bearerabc");
    assert_null(todo_bearer_token(r));
    apr_table_setn(r->headers_in, "Authorization", "Basic YTpi");
    assert_null(todo_bearer_token(r));
}

static void test_send_error_401_without_token_says_bearer(void **state)
{
    request_rec *r = request(state, "GET");
    todo_req_t *req = todo_req_make(r);
    apr_size_t len;
    const char *body;

    assert_int_equal(TODO_EAUTH, todo_req_authenticate(req));
    assert_int_equal(0, stub_of(r)->db_acquires);
    assert_int_equal(OK, todo_send_error(req, TODO_EAUTH));
    assert_int_equal(401, r->status);
    assert_string_equal("Bearer",
                        apr_table_get(r->err_headers_out, "WWW-Authenticate"));
    assert_string_equal("Not authenticated", ts_detail(r));
    assert_int_equal(
        1, todo_shared_metrics()->auth_failures[REASON_MISSING_TOKEN]);
    /* The contract's JSON, whole, with its length. */
    body = stub_response(r, &len);
    assert_string_equal("{\"detail\":\"Not authenticated\"}", body);
    assert_string_equal("application/json", r->content_type);
    assert_string_equal(apr_psprintf(r->pool, "%" APR_SIZE_T_FMT, len),
                        apr_table_get(r->headers_out, "Content-Length"));
    assert_true(stub_of(r)->eos);
}

static void
test_send_error_401_for_a_refused_token_says_invalid_token(void **state)
{
    request_rec *r = request(state, "GET");
    todo_req_t *req = todo_req_make(r);

    auth_setup(req->sc, r->pool);
    stub_of(r)->db = ts_memdb(r->pool);
    apr_table_setn(r->headers_in, "Authorization", "Bearer not-a-jwt");
    assert_int_equal(TODO_EAUTH, todo_req_authenticate(req));
    assert_null(req->who);
    assert_null(r->user);
    assert_non_null(
        stub_logged(r, APLOG_INFO, "bearer token refused: malformed"));
    assert_int_equal(OK, todo_send_error(req, TODO_EAUTH));
    assert_int_equal(401, r->status);
    assert_string_equal("Bearer error=\"invalid_token\"",
                        apr_table_get(r->err_headers_out, "WWW-Authenticate"));
    assert_int_equal(1, todo_shared_metrics()->auth_failures[REASON_MALFORMED]);
    assert_int_equal(
        0, todo_shared_metrics()->auth_failures[REASON_MISSING_TOKEN]);
}

/* A GET carrying the access token of a user just logged in (on a fresh
 * database): its request, the user's id and the token. */
static todo_req_t *with_token(void **state, const char **pid,
                              const char **ptoken)
{
    request_rec *r = request(state, "GET");
    todo_req_t *req = todo_req_make(r);
    todo_auth_config_t *cfg = auth_setup(req->sc, r->pool);

    stub_of(r)->db = ts_memdb(r->pool);
    *ptoken = login(stub_of(r)->db, r->pool, cfg, pid);
    apr_table_setn(r->headers_in, "Authorization",
                   apr_pstrcat(r->pool, "Bearer ", *ptoken, NULL));
    return req;
}

static void test_authenticate_a_valid_token_sets_the_user(void **state)
{
    const char *id = NULL, *token = NULL;
    todo_req_t *req = with_token(state, &id, &token);
    request_rec *r = req->r;

    assert_int_equal(APR_SUCCESS, todo_req_authenticate(req));
    assert_non_null(req->who);
    assert_string_equal(id, req->who->user->id);
    assert_string_equal(id, r->user);
    assert_string_equal("Bearer", r->ap_auth_type);
    /* Once per request: the second call asks nothing. */
    assert_int_equal(APR_SUCCESS, todo_req_authenticate(req));
    assert_int_equal(1, stub_of(r)->db_acquires);
    assert_int_equal(1, todo_shared_metrics()->db_acquires);
}

/* A read that checks its own session: the token's JWT first (no query),
 * then the read's answer decides; a dead session is the same 401 as
 * todo_req_authenticate() gives, and only a live one sets r->user. */
static void test_token_then_session_checked_by_the_read(void **state)
{
    const char *id = NULL, *token = NULL;
    todo_req_t *req = with_token(state, &id, &token);
    request_rec *r = req->r;

    stub_of(r)->db->round_trips = 0;
    assert_int_equal(APR_SUCCESS, todo_req_token(req));
    assert_int_equal(0, stub_of(r)->db->round_trips);
    assert_string_equal(id, req->claims->sub);
    assert_null(r->user);
    assert_int_equal(TODO_EAUTH, todo_req_session_checked(req, TODO_EAUTH));
    assert_null(r->user);
    assert_int_equal(OK, todo_send_error(req, TODO_EAUTH));
    assert_int_equal(401, r->status);
    assert_string_equal("Bearer error=\"invalid_token\"",
                        apr_table_get(r->err_headers_out, "WWW-Authenticate"));
    assert_string_equal("Session revoked or user inactive", ts_detail(r));

    r = request(state, "GET");
    stub_of(r)->db = stub_of(req->r)->db;
    apr_table_setn(r->headers_in, "Authorization",
                   apr_pstrcat(r->pool, "Bearer ", token, NULL));
    req = todo_req_make(r);
    assert_int_equal(APR_SUCCESS, todo_req_token(req));
    assert_int_equal(APR_ENOENT, todo_req_session_checked(req, APR_ENOENT));
    assert_string_equal(id, r->user);
    assert_string_equal("Bearer", r->ap_auth_type);

    /* A refused JWT never reaches the database. */
    r = request(state, "GET");
    apr_table_setn(r->headers_in, "Authorization", "Bearer not-a-jwt");
    req = todo_req_make(r);
    auth_setup(req->sc, r->pool);
    assert_int_equal(TODO_EAUTH, todo_req_token(req));
    assert_int_equal(0, stub_of(r)->db_acquires);
    assert_non_null(
        stub_logged(r, APLOG_INFO, "bearer token refused: malformed"));
}

static void test_authenticate_with_the_database_down_is_503(void **state)
{
    request_rec *r = request(state, "GET");
    todo_req_t *req = todo_req_make(r);

    auth_setup(req->sc, r->pool);
    apr_table_setn(r->headers_in, "Authorization", "Bearer a.b.c");
    assert_int_equal(TODO_EDB, todo_req_authenticate(req));
    assert_int_equal(OK, todo_send_error(req, TODO_EDB));
    assert_int_equal(503, r->status);
    assert_null(apr_table_get(r->err_headers_out, "WWW-Authenticate"));
}

static void test_target_is_a_canonical_uuid(void **state)
{
    request_rec *r = request(state, "GET");
    todo_req_t *req = todo_req_make(r);
    todo_auth_config_t *cfg = auth_setup(req->sc, r->pool);
    const char *id = NULL, *target = NULL;
    const char *token;
    char *upper, *c;

    /* No token: 401 before the id is looked at. */
    req->match.params[0] = "not-a-uuid";
    req->match.nparams = 1;
    assert_int_equal(TODO_EAUTH, todo_req_target(req, &target));
    stub_of(r)->db = ts_memdb(r->pool);
    token = login(stub_of(r)->db, r->pool, cfg, &id);
    r = request(state, "GET");
    stub_of(r)->db = stub_of(req->r)->db;
    apr_table_setn(r->headers_in, "Authorization",
                   apr_pstrcat(r->pool, "Bearer ", token, NULL));
    req = todo_req_make(r);
    req->match.params[0] = "not-a-uuid";
    req->match.nparams = 1;
    assert_int_equal(APR_EINVAL, todo_req_target(req, &target));
    assert_int_equal(APR_EINVAL, req->res->status);
    /* Any case in, the canonical (lower case) id out. */
    upper = apr_pstrdup(r->pool, id);
    for (c = upper; *c; ++c) {
        *c = (char)apr_toupper(*c);
    }
    assert_string_not_equal(id, upper);
    req->match.params[0] = upper;
    req->res = todo_result_make(r->pool);
    assert_int_equal(APR_SUCCESS, todo_req_target(req, &target));
    assert_string_equal(id, target);
}

static void test_refusal_sets_www_authenticate_and_sends_nothing(void **state)
{
    request_rec *r = request(state, "GET");
    todo_req_t *req = todo_req_make(r);

    todo_result_fail(req->res, TODO_EAUTH, "Not authenticated");
    req->res->auth_error = "invalid_token";
    req->res->auth_reason = "expired";
    assert_int_equal(HTTP_UNAUTHORIZED, todo_req_refusal(req, TODO_EAUTH));
    assert_string_equal("Bearer error=\"invalid_token\"",
                        apr_table_get(r->err_headers_out, "WWW-Authenticate"));
    assert_int_equal(1, todo_shared_metrics()->auth_failures[4]);
    assert_int_equal(0, stub_of(r)->passes);
    /* Not a 401: no header, nothing counted. */
    r = request(state, "GET");
    req = todo_req_make(r);
    assert_int_equal(HTTP_FORBIDDEN, todo_req_refusal(req, APR_EACCES));
    assert_null(apr_table_get(r->err_headers_out, "WWW-Authenticate"));
    /* Nothing recorded and no failure: still a failure, never a 200. */
    assert_int_equal(HTTP_INTERNAL_SERVER_ERROR,
                     todo_req_refusal(todo_req_make(r), APR_SUCCESS));
}

/* --- the other error answers -------------------------------------- */

static void test_send_error_429_sets_retry_after(void **state)
{
    request_rec *r = request(state, "POST");
    todo_req_t *req = todo_req_make(r);

    req->sc->rate_limits[TODO_RL_LOGIN_IP].count = 1;
    req->sc->rate_limits[TODO_RL_LOGIN_IP].period = apr_time_from_sec(60);
    assert_int_equal(APR_SUCCESS,
                     todo_req_rate_limit(req, TODO_RL_LOGIN_IP, "192.0.2.1"));
    /* Another address has its own budget. */
    assert_int_equal(APR_SUCCESS,
                     todo_req_rate_limit(req, TODO_RL_LOGIN_IP, "192.0.2.2"));
    assert_int_equal(TODO_ERATE,
                     todo_req_rate_limit(req, TODO_RL_LOGIN_IP, "192.0.2.1"));
    assert_true(req->res->retry_after > 0);
    assert_true(req->res->retry_after <= 60);
    assert_int_equal(1, todo_shared_metrics()->rate_limited[TODO_RL_LOGIN_IP]);
    assert_int_equal(OK, todo_send_error(req, TODO_ERATE));
    assert_int_equal(429, r->status);
    assert_string_equal(apr_itoa(r->pool, req->res->retry_after),
                        apr_table_get(r->err_headers_out, "Retry-After"));
    assert_string_equal("Too many requests; retry later", ts_detail(r));
}

static void test_rate_limit_of_zero_is_off(void **state)
{
    todo_req_t *req = todo_req_make(request(state, "POST"));
    int i;

    req->sc->rate_limits[TODO_RL_REGISTER_IP].count = 0;
    req->sc->rate_limits[TODO_RL_REGISTER_IP].period = apr_time_from_sec(1);
    for (i = 0; i < 50; ++i) {
        assert_int_equal(APR_SUCCESS,
                         todo_req_rate_limit(req, TODO_RL_REGISTER_IP, "x"));
    }
    /* The default: 10 a minute. */
    for (i = 0; i < 10; ++i) {
        assert_int_equal(APR_SUCCESS,
                         todo_req_rate_limit(req, TODO_RL_PASSWORD, "u"));
    }
    assert_int_equal(TODO_ERATE,
                     todo_req_rate_limit(req, TODO_RL_PASSWORD, "u"));
}

static void test_send_error_405_sets_allow(void **state)
{
    request_rec *r = request(state, "DELETE");
    todo_req_t *req = todo_req_make(r);

    todo_result_fail(req->res, TODO_EMETHOD, "Method Not Allowed");
    req->res->allow = "GET, HEAD, POST";
    assert_int_equal(OK, todo_send_error(req, TODO_EMETHOD));
    assert_int_equal(405, r->status);
    assert_string_equal("GET, HEAD, POST",
                        apr_table_get(r->err_headers_out, "Allow"));
    assert_string_equal("Method Not Allowed", ts_detail(r));
}

static void
test_send_error_5xx_without_recorded_error_is_the_contract_500(void **state)
{
    request_rec *r = request(state, "GET");
    todo_req_t *req = todo_req_make(r);

    assert_int_equal(OK, todo_send_error(req, APR_SUCCESS));
    assert_int_equal(500, r->status);
    assert_string_equal("{\"detail\":\"Internal Server Error\"}",
                        stub_response(r, NULL));
    assert_non_null(stub_logged(r, APLOG_ERR, "answering 500"));
    /* A status nobody mapped: the same, and nothing internal leaks. */
    r = request(state, "GET");
    req = todo_req_make(r);
    todo_result_fail(req->res, APR_ENOMEM, "out of memory in the pool");
    assert_int_equal(OK, todo_send_error(req, APR_ENOMEM));
    assert_int_equal(500, r->status);
    assert_string_equal("Internal Server Error", ts_detail(r));
    assert_int_equal(0, todo_shared_metrics()->db_errors);
}

static void test_send_error_without_recorded_error_uses_rv(void **state)
{
    request_rec *r = request(state, "GET");
    todo_req_t *req = todo_req_make(r);

    assert_int_equal(OK, todo_send_error(req, APR_ENOENT));
    assert_int_equal(404, r->status);
    assert_string_equal("Not Found", ts_detail(r));
    assert_int_equal(0, stub_log_count(r));
}

static void test_send_error_503_counts_a_database_error(void **state)
{
    request_rec *r = request(state, "GET");
    todo_req_t *req = todo_req_make(r);

    assert_int_equal(TODO_EDB, todo_req_db(req));
    assert_int_equal(1, stub_of(r)->db_acquires);
    assert_int_equal(OK, todo_send_error(req, TODO_EDB));
    assert_int_equal(503, r->status);
    assert_string_equal("Service Unavailable: database unavailable",
                        ts_detail(r));
    assert_int_equal(1, todo_shared_metrics()->db_errors);
    assert_int_equal(1, todo_shared_metrics()->db_acquires);
    assert_non_null(stub_logged(r, APLOG_WARNING, "answering 503"));
}

static void test_send_error_422_lists_the_items(void **state)
{
    request_rec *r = request(state, "POST");
    todo_req_t *req = todo_req_make(r);
    json_t *item;

    todo_result_invalid(req->res, "body.tasks.3.title", "missing",
                        "Field required");
    assert_int_equal(OK, todo_send_error(req, APR_EINVAL));
    assert_int_equal(422, r->status);
    item = json_array_get(json_object_get(ts_response_json(r), "detail"), 0);
    assert_string_equal("Field required",
                        json_string_value(json_object_get(item, "msg")));
    assert_int_equal(
        3, json_integer_value(json_array_get(json_object_get(item, "loc"), 2)));
}

/* --- sending ---------------------------------------------------------- */

static void test_send_json_and_body(void **state)
{
    request_rec *r = request(state, "POST");
    todo_req_t *req = todo_req_make(r);
    apr_size_t len;

    assert_int_equal(OK, todo_send_json(req, 201, json_pack("{s:i}", "n", 1)));
    assert_int_equal(201, r->status);
    assert_string_equal("{\"n\":1}", stub_response(r, &len));
    assert_string_equal("7", apr_table_get(r->headers_out, "Content-Length"));
    assert_string_equal("application/json", r->content_type);
    /* No JSON to send (it could not be built): the contract's 500. */
    r = request(state, "GET");
    req = todo_req_make(r);
    assert_int_equal(OK, todo_send_json(req, 200, NULL));
    assert_int_equal(500, r->status);
    assert_string_equal("Internal Server Error", ts_detail(r));
    r = request(state, "GET");
    req = todo_req_make(r);
    assert_int_equal(OK, todo_send_body(req, 200, "[]", 2));
    assert_string_equal("[]", stub_response(r, NULL));
    assert_string_equal("2", apr_table_get(r->headers_out, "Content-Length"));
    r = request(state, "DELETE");
    assert_int_equal(OK, todo_send_no_content(todo_req_make(r)));
    assert_int_equal(204, r->status);
    assert_int_equal(0, stub_of(r)->passes);
}

/* --- the rest of the request ------------------------------------------ */

static void test_req_make_reads_the_configs_and_the_clock(void **state)
{
    request_rec *r = request(state, "GET");
    todo_req_t *req = todo_req_make(r);

    assert_ptr_equal(r, req->r);
    assert_ptr_equal(todo_srv_conf_get(r->server), req->sc);
    assert_ptr_equal(todo_dir_conf_get(r), req->dc);
    assert_int_equal(TS_NOW, req->now);
    assert_int_equal(APR_SUCCESS, req->res->status);
    assert_null(req->db);
    assert_null(req->who);
    assert_null(req->mount);
}

static void test_query_is_decoded_or_400(void **state)
{
    request_rec *r = stub_request(TS_SERVER(state), TS_POOL(state), "GET",
                                  "/api/v1/tasks?page=2&q=a%20b");
    todo_req_t *req = todo_req_make(r);
    apr_table_t *args = NULL;

    assert_int_equal(APR_SUCCESS, todo_req_query(req, &args));
    assert_string_equal("2", apr_table_get(args, "page"));
    assert_string_equal("a b", apr_table_get(args, "q"));
    req = todo_req_make(request(state, "GET"));
    assert_int_equal(APR_SUCCESS, todo_req_query(req, &args));
    assert_null(args);
    r = stub_request(TS_SERVER(state), TS_POOL(state), "GET",
                     "/api/v1/tasks?q=%zz");
    req = todo_req_make(r);
    assert_int_equal(TODO_EBADREQ, todo_req_query(req, &args));
    assert_string_equal("Malformed query string", req->res->detail);
}

static apr_status_t write_fn(todo_db_t *db, apr_pool_t *p, void *baton)
{
    (void)p;
    *(todo_db_t **)baton = db;
    return APR_SUCCESS;
}

static void test_write_runs_on_the_request_connection(void **state)
{
    request_rec *r = request(state, "POST");
    todo_req_t *req = todo_req_make(r);
    todo_db_t *seen = NULL;

    assert_null(req->sc->writer);
    assert_int_equal(TODO_EDB, todo_req_write(req, write_fn, &seen));
    assert_null(seen);
    stub_of(r)->db = ts_memdb(r->pool);
    req = todo_req_make(r);
    assert_int_equal(APR_SUCCESS, todo_req_write(req, write_fn, &seen));
    assert_ptr_equal(stub_of(r)->db, seen);
}

static void test_write_goes_through_the_group_commit(void **state)
{
    request_rec *r = request(state, "POST");
    todo_req_t *req = todo_req_make(r);
    todo_db_t *writer_db = ts_memdb(r->pool), *seen = NULL;

    assert_int_equal(APR_SUCCESS, todo_writer_create(&req->sc->writer, r->pool,
                                                     writer_db, NULL, 8));
    /* The request's own connection is not taken. */
    assert_int_equal(APR_SUCCESS, todo_req_write(req, write_fn, &seen));
    assert_ptr_equal(writer_db, seen);
    assert_int_equal(0, stub_of(r)->db_acquires);
}

int test_glue_http_run(void)
{
    const struct CMUnitTest tests[] = {
        TS_TEST(test_read_body_without_content_type_is_json),
        TS_TEST(test_read_body_takes_json_types_any_case_with_parameters),
        TS_TEST(test_read_body_takes_a_form_where_a_form_is_accepted),
        TS_TEST(test_read_body_refuses_other_types_with_415),
        TS_TEST(test_read_body_refuses_a_content_length_over_the_limit_unread),
        TS_TEST(test_read_body_refuses_a_stream_past_the_limit),
        TS_TEST(test_read_body_takes_a_body_exactly_at_the_limit),
        TS_TEST(test_read_body_reassembles_many_buckets_exactly),
        TS_TEST(test_read_body_grows_its_buffer_to_exactly_the_limit),
        TS_TEST(test_read_body_of_nothing_is_empty),
        TS_TEST(test_read_body_maps_a_timeout_to_408),
        TS_TEST(test_read_body_maps_a_broken_body_to_400),
        TS_TEST(test_read_body_maps_enospc_to_413),
        TS_TEST(test_read_body_filter_error_leaves_the_answer_to_httpd),
        TS_TEST(test_read_json_invalid_is_422_json_invalid),
        TS_TEST(test_read_json_takes_an_object_only),
        TS_TEST(test_bearer_token_is_read_from_authorization),
        TS_TEST(test_send_error_401_without_token_says_bearer),
        TS_TEST(test_send_error_401_for_a_refused_token_says_invalid_token),
        TS_TEST(test_authenticate_a_valid_token_sets_the_user),
        TS_TEST(test_authenticate_with_the_database_down_is_503),
        TS_TEST(test_token_then_session_checked_by_the_read),
        TS_TEST(test_target_is_a_canonical_uuid),
        TS_TEST(test_refusal_sets_www_authenticate_and_sends_nothing),
        TS_TEST(test_send_error_429_sets_retry_after),
        TS_TEST(test_rate_limit_of_zero_is_off),
        TS_TEST(test_send_error_405_sets_allow),
        TS_TEST(test_send_error_5xx_without_recorded_error_is_the_contract_500),
        TS_TEST(test_send_error_without_recorded_error_uses_rv),
        TS_TEST(test_send_error_503_counts_a_database_error),
        TS_TEST(test_send_error_422_lists_the_items),
        TS_TEST(test_send_json_and_body),
        TS_TEST(test_req_make_reads_the_configs_and_the_clock),
        TS_TEST(test_query_is_decoded_or_400),
        TS_TEST(test_write_runs_on_the_request_connection),
        TS_TEST(test_write_goes_through_the_group_commit),
    };

    return cmocka_run_group_tests_name("mod_todo_http", tests, NULL, NULL);
}
