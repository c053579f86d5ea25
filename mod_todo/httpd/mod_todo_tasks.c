/* Licensed under the Apache License, Version 2.0; see LICENSE. */

/**
 * @file mod_todo_tasks.c
 * @brief The /tasks routes: create, bulk create, list, get (with
 * If-None-Match), update and delete (with If-Match); each write stores its
 * event in its own transaction (todo_task_store.h), whence it reaches the
 * owner's streams.
 */

#include <string.h>

#include <apr_strings.h>
#include <httpd.h>
#include <http_protocol.h>

#include "mod_todo_routes.h"
#include "todo_json.h"
#include "todo_task_store.h"
#include "todo_validate.h"

/* Send one task with its ETag (and, for a create, its Location): @a text
 * is its JSON, made once by the write with its event (NULL: make it). */
static int send_task(todo_req_t *req, int status, const todo_task_t *t,
                     const char *text, apr_size_t len)
{
    request_rec *r = req->r;

    if (!text) {
        text = todo_task_json_text(r->pool, t, &len);
    }
    apr_table_setn(r->headers_out, "ETag", todo_task_etag(r->pool, t));
    if (status == HTTP_CREATED) {
        apr_table_setn(
            r->headers_out, "Location",
            apr_pstrcat(r->pool, req->mount, "/tasks/", t->id, NULL));
    }
    return todo_send_body(req, status, text, len);
}

/* A write for todo_req_write(), by the authenticated user, now. */
static todo_task_write_t *task_write(todo_req_t *req, todo_task_op_e op)
{
    todo_task_write_t *w = apr_pcalloc(req->r->pool, sizeof(*w));

    w->op = op;
    w->user_id = todo_req_user(req);
    w->now = req->now;
    w->res = req->res;
    return w;
}

int todo_h_task_create(todo_req_t *req)
{
    /* Where the write checks the session itself, in the statement that
     * stores the task (PostgreSQL's group commit), only the token first:
     * a round trip and a pooled connection fewer per create. */
    int deferred = req->sc->writer && req->sc->writer_checks_session;
    todo_task_write_t *w = NULL;
    todo_task_input_t in;
    json_t *body;
    apr_status_t rv;

    rv = deferred ? todo_req_claims(req) : todo_req_authenticate(req);
    if (APR_SUCCESS == rv) {
        rv = todo_req_read_json(req, &body);
    }
    if (APR_SUCCESS == rv) {
        rv = todo_task_parse_input(body, 1, "body", &in, req->res);
    }
    if (APR_SUCCESS != rv && deferred && req->claims) {
        /* A dead session is a 401 before anything about the body. */
        todo_result_t bad = *req->res;
        req->res->errors = NULL;
        if (APR_SUCCESS != todo_req_authenticate(req)) {
            return todo_send_error(req, req->res->status);
        }
        *req->res = bad;
    }
    if (APR_SUCCESS == rv) {
        w = task_write(req, TODO_TASK_CREATE);
        w->in = &in;
        w->sid = deferred ? req->claims->sid : NULL;
        rv = todo_task_write_prepare(w, req->r->pool);
    }
    if (APR_SUCCESS == rv) {
        rv = todo_req_write(req, todo_task_write, w);
        if (deferred) {
            rv = todo_req_session_checked(req, rv);
        }
    }
    if (APR_SUCCESS != rv) {
        return todo_send_error(req, rv);
    }
    return send_task(req, HTTP_CREATED, w->task, w->text, w->len);
}

/* {"tasks": [TaskCreate, ...]} with 1 to 100 items, all validated before
 * anything is written. */
static apr_status_t parse_bulk(todo_req_t *req, json_t *body,
                               todo_task_input_t **pin, int *pn)
{
    todo_result_t *res = req->res;
    json_t *items = json_object_get(body, TODO_KEY_TASKS), *item;
    todo_task_input_t *in;
    size_t i;

    if (!items || json_is_null(items)) {
        return todo_result_invalid(res, "body.tasks", TODO_ERR_MISSING,
                                   "Field required");
    }
    if (!json_is_array(items)) {
        return todo_result_invalid(res, "body.tasks", "list_type",
                                   "Input should be a valid list");
    }
    if (json_array_size(items) < 1) {
        return todo_result_invalid(res, "body.tasks", "too_short",
                                   "List should have at least 1 item after "
                                   "validation, not 0");
    }
    if (json_array_size(items) > TODO_BULK_MAX) {
        return todo_result_invalid(
            res, "body.tasks", "too_long",
            apr_psprintf(res->p,
                         "List should have at most %d items after "
                         "validation, not %" APR_SIZE_T_FMT,
                         TODO_BULK_MAX, json_array_size(items)));
    }
    in = apr_pcalloc(res->p, json_array_size(items) * sizeof(*in));
    json_array_foreach(items, i, item)
    {
        const char *loc =
            apr_psprintf(res->p, "body.tasks.%" APR_SIZE_T_FMT, i);
        if (!json_is_object(item)) {
            todo_result_invalid(res, loc, TODO_ERR_MODEL,
                                "Input should be a valid dictionary or object "
                                "to extract fields from");
            continue;
        }
        todo_task_parse_input(item, 1, loc, &in[i], res);
    }
    *pin = in;
    *pn = (int)json_array_size(items);
    return res->status;
}

int todo_h_task_bulk(todo_req_t *req)
{
    todo_task_write_t *w = NULL;
    todo_task_input_t *in = NULL;
    json_t *body;
    apr_status_t rv;
    int n = 0;

    rv = todo_req_authenticate(req);
    if (APR_SUCCESS == rv) {
        rv = todo_req_read_json(req, &body);
    }
    if (APR_SUCCESS == rv) {
        rv = parse_bulk(req, body, &in, &n);
    }
    if (APR_SUCCESS == rv) {
        w = task_write(req, TODO_TASK_CREATE_BULK);
        w->in = in;
        w->n = n;
        rv = todo_task_write_prepare(w, req->r->pool);
    }
    if (APR_SUCCESS == rv) {
        rv = todo_req_write(req, todo_task_write, w);
    }
    if (APR_SUCCESS != rv) {
        return todo_send_error(req, rv);
    }
    return todo_send_body(req, HTTP_CREATED, w->text, w->len);
}

int todo_h_task_list(todo_req_t *req)
{
    request_rec *r = req->r;
    apr_array_header_t *tasks = NULL;
    apr_table_t *args = NULL;
    todo_task_query_t q;
    apr_int64_t total = 0;
    const char *text;
    apr_size_t len = 0;
    apr_status_t rv;

    /* One statement checks the session and reads the page. */
    rv = todo_req_token(req);
    if (APR_SUCCESS == rv) {
        rv = todo_req_query(req, &args);
    }
    if (APR_SUCCESS == rv) {
        rv = todo_task_query_parse(args, &q, req->res);
    }
    if (APR_SUCCESS == rv) {
        rv = todo_req_session_checked(
            req, todo_task_list(req->db, r->pool, req->claims->sid,
                                req->claims->sub, &q, &tasks, &total));
    }
    if (APR_SUCCESS != rv) {
        return todo_send_error(req, rv);
    }
    text = todo_task_page_json_text(r->pool, tasks, total, q.page, q.page_size,
                                    &len);
    return todo_send_body(req, HTTP_OK, text, len);
}

int todo_h_task_get(todo_req_t *req)
{
    const char *id, *etag, *inm;
    todo_task_t *t = NULL;
    apr_status_t rv;

    /* One statement checks the session and reads the task. */
    rv = todo_req_token(req);
    if (APR_SUCCESS == rv) {
        rv = todo_req_path_id(req, &id);
    }
    if (APR_SUCCESS == rv) {
        rv = todo_req_session_checked(
            req, todo_task_get(req->db, req->r->pool, req->claims->sid,
                               req->claims->sub, id, &t, req->res));
    }
    if (APR_SUCCESS != rv) {
        return todo_send_error(req, rv);
    }
    etag = todo_task_etag(req->r->pool, t);
    inm = apr_table_get(req->r->headers_in, "If-None-Match");
    if (inm && todo_etag_matches(inm, etag, 1)) {
        apr_table_setn(req->r->headers_out, "ETag", etag);
        req->r->status = HTTP_NOT_MODIFIED;
        return OK;
    }
    return send_task(req, HTTP_OK, t, NULL, 0);
}

int todo_h_task_update(todo_req_t *req)
{
    todo_task_write_t *w = NULL;
    todo_task_input_t in;
    const char *id;
    json_t *body;
    apr_status_t rv;

    rv = todo_req_target(req, &id);
    if (APR_SUCCESS == rv) {
        rv = todo_req_read_json(req, &body);
    }
    if (APR_SUCCESS == rv) {
        rv = todo_task_parse_input(body, 0, "body", &in, req->res);
    }
    if (APR_SUCCESS == rv) {
        w = task_write(req, TODO_TASK_UPDATE);
        w->id = id;
        w->in = &in;
        w->if_match = apr_table_get(req->r->headers_in, "If-Match");
        rv = todo_req_write(req, todo_task_write, w);
    }
    if (APR_SUCCESS != rv) {
        return todo_send_error(req, rv);
    }
    return send_task(req, HTTP_OK, w->task, w->text, w->len);
}

int todo_h_task_delete(todo_req_t *req)
{
    todo_task_write_t *w;
    const char *id;
    apr_status_t rv;

    rv = todo_req_target(req, &id);
    if (APR_SUCCESS == rv) {
        w = task_write(req, TODO_TASK_DELETE);
        w->id = id;
        w->if_match = apr_table_get(req->r->headers_in, "If-Match");
        rv = todo_req_write(req, todo_task_write, w);
    }
    if (APR_SUCCESS != rv) {
        return todo_send_error(req, rv);
    }
    return todo_send_no_content(req);
}
