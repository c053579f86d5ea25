/* Licensed under the Apache License, Version 2.0; see LICENSE. */

#include <string.h>

#include <apr_strings.h>
#include <httpd.h>
#include <http_core.h>
#include <http_log.h>
#include <http_protocol.h>
#include <util_filter.h>

#include "mod_todo_dbd.h"
#include "mod_todo_http.h"
#include "mod_todo_shared.h"
#include "todo_json.h"
#include "todo_log.h"
#include "todo_ratelimit_db.h"
#include "todo_validate.h"

APLOG_USE_MODULE(todo);

todo_req_t *todo_req_make(request_rec *r)
{
    todo_req_t *req = apr_pcalloc(r->pool, sizeof(*req));

    req->r = r;
    req->sc = todo_srv_conf_get(r->server);
    req->dc = todo_dir_conf_get(r);
    req->res = todo_result_make(r->pool);
    req->now = r->request_time;
    return req;
}

apr_status_t todo_req_db(todo_req_t *req)
{
    if (!req->db) {
        apr_time_t start = apr_time_now();

        req->db = todo_dbd_acquire(req->r, req->sc);
        todo_metrics_db_acquire(todo_shared_metrics(), apr_time_now() - start);
        if (!req->db) {
            return todo_req_fail_db(req);
        }
    }
    return APR_SUCCESS;
}

apr_status_t todo_req_write(todo_req_t *req, todo_write_fn fn, void *baton)
{
    apr_status_t rv;

    if (req->sc->writer) {
        /* Keyed by the user whose rows it locks (todo_writer.h). */
        return todo_writer_run(req->sc->writer, req->r->pool,
                               todo_req_user(req), fn, baton);
    }
    rv = todo_req_db(req);
    return APR_SUCCESS == rv ? fn(req->db, req->r->pool, baton) : rv;
}

const char *todo_req_user(const todo_req_t *req)
{
    if (req->who && req->who->user) {
        return req->who->user->id;
    }
    return req->claims ? req->claims->sub : NULL;
}

apr_status_t todo_req_fail_db(todo_req_t *req)
{
    return todo_result_fail(req->res, TODO_EDB,
                            "Service Unavailable: database unavailable");
}

const char *todo_bearer_token(request_rec *r)
{
    const char *auth = apr_table_get(r->headers_in, "Authorization");

    if (!auth || strncasecmp(auth, "Bearer", 6) || (auth[6] != ' ')) {
        return NULL;
    }
    auth += 7;
    while (*auth == ' ') {
        ++auth;
    }
    return *auth ? auth : NULL;
}

/* WWW-Authenticate for a 401 (with error="invalid_token" when a token was
 * sent and refused). */
static void note_auth_failure(request_rec *r, const char *auth_error)
{
    apr_table_setn(r->err_headers_out, "WWW-Authenticate",
                   auth_error ? apr_pstrcat(r->pool, "Bearer error=\"",
                                            auth_error, "\"", NULL)
                              : "Bearer");
}

apr_status_t todo_req_rate_limit(todo_req_t *req, todo_rl_kind_t kind,
                                 const char *value)
{
    todo_rl_table_t *rates = todo_shared_rates();
    todo_rl_rule_t rule = todo_conf_rate_limit(req->sc, kind);
    static const char *const ns[TODO_RL_KINDS] = {
        "register-ip", "login-ip", "login-account", "password-account"};
    apr_status_t rv;
    int admitted;

    if (!rule.count) {
        return APR_SUCCESS;
    }
    if (req->sc->dialect == TODO_DIALECT_PGSQL) {
        /* Every server of the fleet counts in the database. */
        rv = todo_req_db(req);
        if (APR_SUCCESS == rv) {
            rv = todo_rl_db_take(
                req->db, req->r->pool,
                todo_rl_db_key(req->r->pool, req->sc->auth->rate_key, ns[kind],
                               value),
                &rule, req->now, &admitted, &req->res->retry_after);
        }
        if (APR_SUCCESS != rv) {
            return todo_req_fail_db(req);
        }
    }
    else {
        admitted = todo_rl_take(rates, todo_rl_key(rates, ns[kind], value),
                                &rule, req->now, &req->res->retry_after);
    }
    if (admitted) {
        return APR_SUCCESS;
    }
    todo_metrics_rate_limited(todo_shared_metrics(), kind);
    return todo_result_fail(req->res, TODO_ERATE,
                            "Too many requests; retry later");
}

/* The log line of a token refused by its JWT (not by its session). */
static void log_refused(todo_req_t *req, todo_jwt_error_t why)
{
    if (why != TODO_JWT_OK) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, req->r,
                      TODO_LOGNO(00016) "bearer token refused: %s",
                      todo_jwt_error_name(why));
    }
}

/* The request is the user's: r->user and the auth type, for the access
 * log and any other module. */
static void set_user(todo_req_t *req, const char *user_id)
{
    req->r->user = apr_pstrdup(req->r->pool, user_id);
    req->r->ap_auth_type = apr_pstrdup(req->r->pool, "Bearer");
}

apr_status_t todo_req_check_token(todo_req_t *req, todo_db_t *db,
                                  const char *token, todo_principal_t *who)
{
    todo_jwt_error_t why = TODO_JWT_OK;
    apr_status_t rv;

    if (!token) {
        return todo_result_fail(req->res, TODO_EAUTH, "Not authenticated");
    }
    rv = todo_auth_authenticate(db, req->r->pool, req->sc->auth, token,
                                req->now, who, &why, req->res);
    if (APR_SUCCESS != rv) {
        log_refused(req, why);
        return rv;
    }
    set_user(req, who->user->id);
    return APR_SUCCESS;
}

apr_status_t todo_req_authenticate(todo_req_t *req)
{
    const char *token = todo_bearer_token(req->r);
    todo_principal_t *who;
    apr_status_t rv;

    if (req->who) {
        return APR_SUCCESS;
    }
    if (!token) {
        return todo_req_check_token(req, NULL, NULL, NULL);
    }
    rv = todo_req_db(req);
    if (APR_SUCCESS != rv) {
        return rv;
    }
    who = apr_pcalloc(req->r->pool, sizeof(*who));
    rv = todo_req_check_token(req, req->db, token, who);
    if (APR_SUCCESS == rv) {
        req->who = who;
    }
    return rv;
}

apr_status_t todo_req_token(todo_req_t *req)
{
    apr_status_t rv = todo_req_claims(req);

    return APR_SUCCESS == rv ? todo_req_db(req) : rv;
}

apr_status_t todo_req_claims(todo_req_t *req)
{
    const char *token = todo_bearer_token(req->r);
    todo_jwt_error_t why = TODO_JWT_OK;
    todo_claims_t *claims;
    apr_status_t rv;

    if (!token) {
        return todo_result_fail(req->res, TODO_EAUTH, "Not authenticated");
    }
    claims = apr_pcalloc(req->r->pool, sizeof(*claims));
    rv = todo_auth_verify(req->r->pool, req->sc->auth, token, req->now, claims,
                          &why, req->res);
    if (APR_SUCCESS != rv) {
        log_refused(req, why);
        return rv;
    }
    req->claims = claims;
    return APR_SUCCESS;
}

apr_status_t todo_req_session_checked(todo_req_t *req, apr_status_t rv)
{
    if (TODO_EAUTH == rv) {
        return todo_auth_fail_revoked(req->res);
    }
    if (APR_SUCCESS == rv || APR_ENOENT == rv) {
        /* The read answered, so the session is live: a 404 is the
         * user's too. */
        set_user(req, req->claims->sub);
    }
    return rv;
}

apr_status_t todo_req_path_id(todo_req_t *req, const char **pid)
{
    return todo_v_path_uuid(req->res, "id", req->match.params[0], pid);
}

apr_status_t todo_req_target(todo_req_t *req, const char **pid)
{
    apr_status_t rv = todo_req_authenticate(req);

    return APR_SUCCESS == rv ? todo_req_path_id(req, pid) : rv;
}

/* The media type of the request, lowercased, without parameters. */
static const char *media_type(request_rec *r)
{
    const char *ct = apr_table_get(r->headers_in, "Content-Type");
    const char *semi;

    if (!ct) {
        return NULL;
    }
    semi = strchr(ct, ';');
    ct = semi ? apr_pstrmemdup(r->pool, ct, (apr_size_t)(semi - ct))
              : apr_pstrdup(r->pool, ct);
    ap_str_tolower((char *)ct);
    apr_collapse_spaces((char *)ct, ct); /* returns the end, not ct */
    return ct;
}

static int is_json_type(const char *mt)
{
    apr_size_t len = strlen(mt);
    return !strcmp(mt, "application/json")
           || (len > 5 && !strcmp(mt + len - 5, "+json")
               && !strncmp(mt, "application/", 12));
}

static apr_status_t too_large(todo_req_t *req, apr_int64_t limit)
{
    /* Answer without reading the rest; the connection cannot be reused. */
    req->r->connection->keepalive = AP_CONN_CLOSE;
    return todo_result_fail(
        req->res, TODO_ETOOLARGE,
        apr_psprintf(req->r->pool,
                     "Request body larger than %" APR_INT64_T_FMT " bytes",
                     limit));
}

/* Reading the body failed: a broken chunk, a timeout, a reset. When an
 * input filter has already answered (AP_FILTER_ERROR) nothing more may be
 * sent; otherwise answer in JSON. */
static apr_status_t read_failed(todo_req_t *req, apr_status_t rv)
{
    int status = ap_map_http_request_error(rv, HTTP_BAD_REQUEST);

    req->r->connection->keepalive = AP_CONN_CLOSE;
    if (status == AP_FILTER_ERROR) {
        req->answered = 1;
    }
    if (status == HTTP_REQUEST_ENTITY_TOO_LARGE) {
        return todo_result_fail(req->res, TODO_ETOOLARGE,
                                "Request body too large");
    }
    if (status == HTTP_REQUEST_TIME_OUT) {
        return todo_result_fail(req->res, TODO_ETIMEOUT,
                                "Timed out reading the request body");
    }
    return todo_result_fail(req->res, TODO_EBADREQ, "Malformed request body");
}

apr_status_t todo_req_read_body(todo_req_t *req, int accept,
                                todo_body_type_t *ptype, const char **pbuf,
                                apr_size_t *plen)
{
    request_rec *r = req->r;
    apr_int64_t limit = todo_conf_max_body(req->dc);
    const char *mt = media_type(r), *clen;
    apr_size_t len = 0, cap = 8192;
    apr_bucket_brigade *bb;
    apr_bucket *e;
    apr_status_t rv;
    int seen_eos = 0;
    char *buf;

    if (!mt || is_json_type(mt)) {
        *ptype = TODO_BODY_JSON;
    }
    else if (!strcmp(mt, "application/x-www-form-urlencoded")) {
        *ptype = TODO_BODY_FORM;
    }
    else {
        *ptype = 0;
    }
    if (!(*ptype & accept)) {
        return todo_result_fail(
            req->res, TODO_EMEDIA,
            accept & TODO_BODY_FORM
                ? "Unsupported Media Type: send application/json or "
                  "application/x-www-form-urlencoded"
                : "Unsupported Media Type: send application/json");
    }
    clen = apr_table_get(r->headers_in, "Content-Length");
    if (clen && apr_atoi64(clen) > limit) {
        return too_large(req, limit);
    }
    bb = apr_brigade_create(r->pool, r->connection->bucket_alloc);
    buf = apr_palloc(r->pool, cap + 1);
    while (!seen_eos) {
        rv = ap_get_brigade(r->input_filters, bb, AP_MODE_READBYTES,
                            APR_BLOCK_READ, 8192);
        if (APR_SUCCESS != rv) {
            return read_failed(req, rv);
        }
        for (e = APR_BRIGADE_FIRST(bb); e != APR_BRIGADE_SENTINEL(bb);
             e = APR_BUCKET_NEXT(e)) {
            const char *data;
            apr_size_t n;
            if (APR_BUCKET_IS_EOS(e)) {
                seen_eos = 1;
                break;
            }
            rv = apr_bucket_read(e, &data, &n, APR_BLOCK_READ);
            if (APR_SUCCESS != rv) {
                return read_failed(req, rv);
            }
            if ((apr_int64_t)(len + n) > limit) {
                return too_large(req, limit);
            }
            if (len + n > cap) {
                char *bigger;
                while (len + n > cap) {
                    cap *= 2;
                }
                bigger = apr_palloc(r->pool, cap + 1);
                memcpy(bigger, buf, len);
                buf = bigger;
            }
            memcpy(buf + len, data, n);
            len += n;
        }
        apr_brigade_cleanup(bb);
    }
    buf[len] = '\0';
    *pbuf = buf;
    *plen = len;
    return APR_SUCCESS;
}

apr_status_t todo_req_query(todo_req_t *req, apr_table_t **pargs)
{
    request_rec *r = req->r;

    *pargs = NULL;
    if (r->args
        && APR_SUCCESS
               != todo_form_parse(r->pool, r->args, strlen(r->args), pargs)) {
        return todo_result_fail(req->res, TODO_EBADREQ,
                                "Malformed query string");
    }
    return APR_SUCCESS;
}

apr_status_t todo_req_read_json(todo_req_t *req, json_t **pobj)
{
    todo_body_type_t type;
    const char *buf;
    apr_size_t len;
    apr_status_t rv;

    rv = todo_req_read_body(req, TODO_BODY_JSON, &type, &buf, &len);
    if (APR_SUCCESS != rv) {
        return rv;
    }
    return todo_json_parse_object(req->r->pool, buf, len, pobj, req->res);
}

/* Serialise @a j into one buffer from @a p: most bodies fit the first
 * guess, the rest are dumped again at their exact size. */
int todo_send_json(todo_req_t *req, int status, json_t *j)
{
    apr_size_t len = 0;
    const char *body = j ? todo_json_dump(req->r->pool, j, &len) : NULL;

    json_decref(j);
    return todo_send_body(req, status, body, len);
}

int todo_send_body(todo_req_t *req, int status, const char *body,
                   apr_size_t len)
{
    static const char internal_error[] =
        "{\"detail\":\"Internal Server Error\"}";
    request_rec *r = req->r;
    apr_bucket_alloc_t *ba = r->connection->bucket_alloc;
    apr_bucket_brigade *bb = apr_brigade_create(r->pool, ba);

    r->status = status;
    ap_set_content_type(r, "application/json");
    if (body) {
        /* A pool bucket survives a setaside past the request's pool. */
        APR_BRIGADE_INSERT_TAIL(bb,
                                apr_bucket_pool_create(body, len, r->pool, ba));
    }
    else {
        r->status = HTTP_INTERNAL_SERVER_ERROR;
        len = sizeof(internal_error) - 1;
        APR_BRIGADE_INSERT_TAIL(
            bb, apr_bucket_immortal_create(internal_error, len, ba));
    }
    ap_set_content_length(r, (apr_off_t)len);
    APR_BRIGADE_INSERT_TAIL(bb, apr_bucket_eos_create(ba));
    ap_pass_brigade(r->output_filters, bb);
    return OK;
}

int todo_send_no_content(todo_req_t *req)
{
    req->r->status = HTTP_NO_CONTENT;
    return OK;
}

int todo_req_refusal(todo_req_t *req, apr_status_t rv)
{
    todo_result_t *res = req->res;
    int status;

    if (APR_SUCCESS == res->status) {
        res->status = APR_SUCCESS == rv ? APR_EGENERAL : rv;
    }
    status = todo_result_http(res->status);
    if (status == HTTP_UNAUTHORIZED) {
        note_auth_failure(req->r, res->auth_error);
        todo_metrics_auth_failure(todo_shared_metrics(), res->auth_reason
                                                             ? res->auth_reason
                                                             : "missing_token");
    }
    return status;
}

int todo_send_error(todo_req_t *req, apr_status_t rv)
{
    todo_result_t *res = req->res;
    int status;

    if (req->answered) {
        return AP_FILTER_ERROR; /* an input filter sent the response */
    }
    status = todo_req_refusal(req, rv);
    if (status == HTTP_METHOD_NOT_ALLOWED && res->allow) {
        apr_table_setn(req->r->err_headers_out, "Allow", res->allow);
    }
    else if (status == HTTP_PRECONDITION_FAILED && res->etag) {
        apr_table_setn(req->r->err_headers_out, "ETag", res->etag);
    }
    else if (status == HTTP_TOO_MANY_REQUESTS) {
        apr_table_setn(req->r->err_headers_out, "Retry-After",
                       apr_itoa(req->r->pool, res->retry_after));
    }
    else if (status >= 500) {
        if (res->status == TODO_EDB) {
            todo_metrics_db_error(todo_shared_metrics());
        }
        ap_log_rerror(APLOG_MARK, status == 503 ? APLOG_WARNING : APLOG_ERR, 0,
                      req->r, TODO_LOGNO(00017) "answering %d", status);
    }
    return todo_send_json(req, status, todo_result_to_json(res));
}
