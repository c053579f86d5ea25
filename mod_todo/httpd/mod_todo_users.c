/* Licensed under the Apache License, Version 2.0; see LICENSE. */

/**
 * @file mod_todo_users.c
 * @brief The /users routes: list, get, update and delete oneself (a
 * password change and a deletion end sessions and their streams).
 */

#include <string.h>

#include <apr_strings.h>
#include <httpd.h>
#include <http_protocol.h>

#include "mod_todo_routes.h"
#include "mod_todo_stream.h"
#include "todo_json.h"
#include "todo_password.h"
#include "todo_validate.h"

int todo_h_user_list(todo_req_t *req)
{
    request_rec *r = req->r;
    apr_array_header_t *users;
    apr_table_t *query = NULL;
    apr_int64_t total = 0;
    int page = 1, size = TODO_PAGE_SIZE_DEFAULT, i;
    json_t *list;
    apr_status_t rv;

    rv = todo_req_authenticate(req);
    if (APR_SUCCESS == rv) {
        rv = todo_req_query(req, &query);
    }
    if (APR_SUCCESS == rv) {
        todo_v_query_int(req->res, query, TODO_KEY_PAGE, 1, 1, TODO_PAGE_MAX,
                         &page);
        todo_v_query_int(req->res, query, TODO_KEY_PAGE_SIZE,
                         TODO_PAGE_SIZE_DEFAULT, 1, TODO_PAGE_SIZE_MAX, &size);
        rv = req->res->status;
    }
    if (APR_SUCCESS == rv) {
        rv = todo_user_list(req->db, r->pool, page, size, &users, &total,
                            req->res);
    }
    if (APR_SUCCESS != rv) {
        return todo_send_error(req, rv);
    }
    list = json_array();
    for (i = 0; i < users->nelts; ++i) {
        json_array_append_new(
            list, todo_user_to_json(APR_ARRAY_IDX(users, i, todo_user_t *)));
    }
    return todo_send_json(req, HTTP_OK,
                          json_pack("{s:o, s:I, s:i, s:i}", TODO_KEY_USERS,
                                    list, TODO_KEY_TOTAL, (json_int_t)total,
                                    TODO_KEY_PAGE, page, TODO_KEY_PAGE_SIZE,
                                    size));
}

/* Only oneself: another existing user is 403, a missing one 404. */
static apr_status_t require_self(todo_req_t *req, const char *id)
{
    todo_user_t *other;
    apr_status_t rv;

    if (!strcmp(id, req->who->user->id)) {
        return APR_SUCCESS;
    }
    rv = todo_user_get(req->db, req->r->pool, id, &other, req->res);
    if (APR_SUCCESS != rv) {
        return rv;
    }
    return todo_result_fail(req->res, APR_EACCES,
                            "Not allowed to act on another user");
}

int todo_h_user_get(todo_req_t *req)
{
    todo_user_t *user = NULL;
    const char *id;
    apr_status_t rv;

    rv = todo_req_target(req, &id);
    if (APR_SUCCESS == rv) {
        rv = todo_user_get(req->db, req->r->pool, id, &user, req->res);
    }
    return APR_SUCCESS == rv
               ? todo_send_json(req, HTTP_OK, todo_user_to_json(user))
               : todo_send_error(req, rv);
}

int todo_h_user_update(todo_req_t *req)
{
    request_rec *r = req->r;
    const char *id, *hash = NULL;
    todo_user_input_t in = {NULL, NULL, NULL};
    todo_user_t *user = NULL;
    json_t *body;
    apr_status_t rv;

    rv = todo_req_target(req, &id);
    if (APR_SUCCESS == rv) {
        rv = todo_req_read_json(req, &body);
    }
    if (APR_SUCCESS == rv) {
        rv = todo_user_parse_input(body, 0, &in, req->res);
    }
    if (APR_SUCCESS == rv) {
        rv = require_self(req, id);
    }
    if (APR_SUCCESS == rv && in.password) {
        /* A bcrypt per change: counted per account before the work. */
        rv = todo_req_rate_limit(req, TODO_RL_PASSWORD, id);
    }
    if (APR_SUCCESS == rv && in.password) {
        rv = todo_password_hash(r->pool, in.password,
                                req->sc->auth->bcrypt_cost, &hash);
    }
    if (APR_SUCCESS == rv) {
        rv = (in.email || in.username || hash)
                 ? todo_user_update(req->db, r->pool, id, &in, hash,
                                    req->who->sid, req->now, &user, req->res)
                 : todo_user_get(req->db, r->pool, id, &user, req->res);
    }
    if (APR_SUCCESS == rv && hash) {
        /* The other sessions were revoked: so are their streams. */
        todo_publish_revoke(req, id, TODO_EVENT_REVOKE_OTHERS, req->who->sid);
    }
    return APR_SUCCESS == rv
               ? todo_send_json(req, HTTP_OK, todo_user_to_json(user))
               : todo_send_error(req, rv);
}

int todo_h_user_delete(todo_req_t *req)
{
    const char *id;
    apr_status_t rv;

    rv = todo_req_target(req, &id);
    if (APR_SUCCESS == rv) {
        rv = require_self(req, id);
    }
    if (APR_SUCCESS == rv) {
        rv = todo_user_delete(req->db, req->r->pool, id, req->res);
    }
    if (APR_SUCCESS == rv) {
        todo_publish_revoke(req, id, TODO_EVENT_REVOKE, NULL);
    }
    return APR_SUCCESS == rv ? todo_send_no_content(req)
                             : todo_send_error(req, rv);
}
