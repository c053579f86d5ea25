/* Licensed under the Apache License, Version 2.0; see LICENSE. */

/**
 * @file mod_todo_auth.c
 * @brief The /auth routes: register, login (form or JSON, rate limited per
 * address and per account), refresh, logout, me.
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

/* Token responses must never be cached (RFC 6749 section 5.1). */
static int send_tokens(todo_req_t *req, const todo_tokens_t *t)
{
    apr_table_setn(req->r->headers_out, "Cache-Control", "no-store");
    apr_table_setn(req->r->headers_out, "Pragma", "no-cache");
    return todo_send_json(
        req, HTTP_OK,
        json_pack("{s:s, s:s, s:I, s:s}", TODO_KEY_ACCESS_TOKEN,
                  t->access_token, TODO_KEY_TOKEN_TYPE, "bearer",
                  TODO_KEY_EXPIRES_IN, (json_int_t)t->expires_in,
                  TODO_KEY_REFRESH_TOKEN, t->refresh_token));
}

int todo_h_register(todo_req_t *req)
{
    request_rec *r = req->r;
    todo_user_input_t in;
    todo_user_t *user;
    const char *hash;
    json_t *body;
    apr_status_t rv;

    rv = todo_req_rate_limit(req, TODO_RL_REGISTER_IP, r->useragent_ip);
    if (APR_SUCCESS == rv) {
        rv = todo_req_read_json(req, &body);
    }
    if (APR_SUCCESS == rv) {
        rv = todo_user_parse_input(body, 1, &in, req->res);
    }
    if (APR_SUCCESS == rv) {
        rv = todo_password_hash(r->pool, in.password,
                                req->sc->auth->bcrypt_cost, &hash);
    }
    if (APR_SUCCESS == rv) {
        rv = todo_req_db(req);
    }
    if (APR_SUCCESS == rv) {
        rv = todo_user_create(req->db, r->pool, &in, hash, req->now, &user,
                              req->res);
    }
    if (APR_SUCCESS != rv) {
        return todo_send_error(req, rv);
    }
    apr_table_setn(r->headers_out, "Location",
                   apr_pstrcat(r->pool, req->mount, "/users/", user->id, NULL));
    return todo_send_json(req, HTTP_CREATED, todo_user_to_json(user));
}

/* username and password from a form or JSON body. */
static apr_status_t read_credentials(todo_req_t *req, const char **plogin,
                                     const char **ppassword)
{
    todo_body_type_t type;
    apr_table_t *form;
    const char *buf, *grant;
    apr_size_t len;
    json_t *body;
    apr_status_t rv;

    rv = todo_req_read_body(req, TODO_BODY_JSON | TODO_BODY_FORM, &type, &buf,
                            &len);
    if (APR_SUCCESS != rv) {
        return rv;
    }
    if (type == TODO_BODY_JSON) {
        rv = todo_json_parse_object(req->r->pool, buf, len, &body, req->res);
        if (APR_SUCCESS == rv) {
            todo_v_string(req->res, body, TODO_KEY_USERNAME, "body.username", 1,
                          plogin);
            todo_v_string(req->res, body, TODO_KEY_PASSWORD, "body.password", 1,
                          ppassword);
        }
        return req->res->status;
    }
    if (APR_SUCCESS != todo_form_parse(req->r->pool, buf, len, &form)) {
        return todo_result_invalid(req->res, "body", TODO_ERR_VALUE,
                                   "Malformed form body");
    }
    *plogin = apr_table_get(form, TODO_KEY_USERNAME);
    *ppassword = apr_table_get(form, TODO_KEY_PASSWORD);
    if (!*plogin) {
        todo_result_invalid(req->res, "body.username", TODO_ERR_MISSING,
                            "Field required");
    }
    if (!*ppassword) {
        todo_result_invalid(req->res, "body.password", TODO_ERR_MISSING,
                            "Field required");
    }
    /* OAuth2PasswordRequestForm: grant_type is optional, but if sent it
     * must be "password". */
    grant = apr_table_get(form, "grant_type");
    if (grant && strcmp(grant, "password")) {
        todo_result_invalid(req->res, "body.grant_type", TODO_ERR_PATTERN,
                            "String should match pattern '^password$'");
    }
    return req->res->status;
}

int todo_h_login(todo_req_t *req)
{
    const char *login = NULL, *password = NULL;
    todo_login_t attempt;
    todo_tokens_t tokens;
    apr_status_t rv;

    rv = todo_req_rate_limit(req, TODO_RL_LOGIN_IP, req->r->useragent_ip);
    if (APR_SUCCESS == rv) {
        rv = read_credentials(req, &login, &password);
    }
    if (APR_SUCCESS == rv) {
        rv = todo_req_db(req);
    }
    if (APR_SUCCESS == rv) {
        rv = todo_auth_login_find(req->db, req->r->pool, login, &attempt);
    }
    if (APR_SUCCESS == rv) {
        /* One budget per account, however it is named (username or
         * email, any case), counted before the bcrypt work. */
        rv = todo_req_rate_limit(req, TODO_RL_LOGIN_ACCOUNT, attempt.account);
    }
    if (APR_SUCCESS == rv) {
        rv = todo_auth_login(req->db, req->r->pool, req->sc->auth, &attempt,
                             password, req->now, &tokens, req->res);
    }
    return APR_SUCCESS == rv ? send_tokens(req, &tokens)
                             : todo_send_error(req, rv);
}

int todo_h_refresh(todo_req_t *req)
{
    const char *token = NULL;
    todo_session_ref_t revoked = {NULL, NULL};
    todo_tokens_t tokens;
    json_t *body;
    apr_status_t rv;

    rv = todo_req_read_json(req, &body);
    if (APR_SUCCESS == rv) {
        todo_v_string(req->res, body, TODO_KEY_REFRESH_TOKEN,
                      "body.refresh_token", 1, &token);
        rv = req->res->status;
    }
    if (APR_SUCCESS == rv) {
        rv = todo_req_db(req);
    }
    if (APR_SUCCESS == rv) {
        rv = todo_auth_refresh(req->db, req->r->pool, req->sc->auth, token,
                               req->now, &tokens, &revoked, req->res);
    }
    if (revoked.user_id) {
        /* A spent token came back: the session is over, streams too. */
        todo_publish_revoke(req, revoked.user_id, TODO_EVENT_REVOKE,
                            revoked.sid);
    }
    return APR_SUCCESS == rv ? send_tokens(req, &tokens)
                             : todo_send_error(req, rv);
}

int todo_h_logout(todo_req_t *req)
{
    apr_status_t rv = todo_req_authenticate(req);

    if (APR_SUCCESS == rv) {
        rv = todo_auth_logout(req->db, req->r->pool, req->who->sid, req->now,
                              req->res);
    }
    if (APR_SUCCESS == rv) {
        todo_publish_revoke(req, req->who->user->id, TODO_EVENT_REVOKE,
                            req->who->sid);
    }
    return APR_SUCCESS == rv ? todo_send_no_content(req)
                             : todo_send_error(req, rv);
}

int todo_h_me(todo_req_t *req)
{
    apr_status_t rv = todo_req_authenticate(req);

    if (APR_SUCCESS != rv) {
        return todo_send_error(req, rv);
    }
    return todo_send_json(req, HTTP_OK, todo_user_to_json(req->who->user));
}
