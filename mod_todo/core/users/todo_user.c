/* Licensed under the Apache License, Version 2.0; see LICENSE. */

#include <string.h>

#include <apr_strings.h>

#include "todo_fold.h"
#include "todo_json.h"
#include "todo_time.h"
#include "todo_user.h"
#include "todo_uuid.h"
#include "todo_validate.h"

apr_status_t todo_user_parse_input(json_t *body, int create,
                                   todo_user_input_t *in, todo_result_t *res)
{
    const char *email, *username, *password;

    memset(in, 0, sizeof(*in));
    if (APR_SUCCESS
        == todo_v_string(res, body, TODO_KEY_EMAIL, "body.email", create,
                         &email)) {
        todo_v_email(res, "body.email", email, &in->email);
    }
    if (APR_SUCCESS
            == todo_v_string(res, body, TODO_KEY_USERNAME, "body.username",
                             create, &username)
        && APR_SUCCESS == todo_v_username(res, "body.username", username)) {
        in->username = username;
    }
    if (APR_SUCCESS
            == todo_v_string(res, body, TODO_KEY_PASSWORD, "body.password",
                             create, &password)
        && APR_SUCCESS == todo_v_password(res, "body.password", password)) {
        in->password = password;
    }
    return res->status;
}

json_t *todo_user_to_json(const todo_user_t *u)
{
    return json_pack("{s:s, s:s, s:s, s:b, s:s, s:s}", TODO_KEY_ID, u->id,
                     TODO_KEY_EMAIL, u->email, TODO_KEY_USERNAME, u->username,
                     TODO_KEY_IS_ACTIVE, u->is_active, TODO_KEY_CREATED_AT,
                     u->created_at, TODO_KEY_UPDATED_AT, u->updated_at);
}

todo_user_t *todo_user_from_row(apr_pool_t *p, const todo_rows_t *rows, int r,
                                int col)
{
    todo_user_t *u = apr_pcalloc(p, sizeof(*u));
    const char *active = TODO_CELL(rows, r, col + 3);

    u->id = TODO_CELL(rows, r, col);
    u->email = TODO_CELL(rows, r, col + 1);
    u->username = TODO_CELL(rows, r, col + 2);
    u->is_active = active && (active[0] == '1' || active[0] == 't');
    u->created_at = TODO_CELL(rows, r, col + 4);
    u->updated_at = TODO_CELL(rows, r, col + 5);
    return u;
}

/* Tell which unique key (email or username) another user holds. */
static apr_status_t conflict(todo_db_t *db, apr_pool_t *p, const char *id,
                             const todo_user_input_t *in, todo_result_t *res)
{
    const char *uname = in->username ? todo_ascii_lower(p, in->username) : NULL;
    todo_rows_t *rows;
    apr_status_t rv;

    rv = todo_db_select(db, p, TODO_SQL_USER_CONFLICT, &rows,
                        TODO_ARGS(in->email, id, uname, id));
    if (APR_SUCCESS != rv || rows->nrows != 1) {
        return APR_SUCCESS == rv ? TODO_EDB : rv;
    }
    if (in->email && apr_atoi64(TODO_CELL(rows, 0, 0)) > 0) {
        return todo_result_fail(res, APR_EEXIST, "Email already registered");
    }
    if (uname && apr_atoi64(TODO_CELL(rows, 0, 1)) > 0) {
        return todo_result_fail(res, APR_EEXIST, "Username already taken");
    }
    return APR_SUCCESS;
}

apr_status_t todo_user_create(todo_db_t *db, apr_pool_t *p,
                              const todo_user_input_t *in, const char *hash,
                              apr_time_t now, todo_user_t **puser,
                              todo_result_t *res)
{
    const char *id, *ts = todo_time_format(p, now);
    todo_user_t *u;
    apr_status_t rv;
    int nrows = 0;

    rv = todo_uuid_v7(p, now, &id);
    if (APR_SUCCESS != rv) {
        return rv;
    }
    /* ON CONFLICT DO NOTHING: a taken email or username changes no row,
     * on every driver, without parsing driver error codes. */
    rv = todo_db_exec(db, p, TODO_SQL_USER_INSERT, &nrows,
                      TODO_ARGS(id, in->email, in->username, hash, ts, ts));
    if (APR_SUCCESS != rv) {
        return rv;
    }
    if (nrows != 1) {
        rv = conflict(db, p, id, in, res);
        return APR_SUCCESS == rv ? todo_result_fail(
                   res, APR_EEXIST, "Email or username already taken")
                                 : rv;
    }
    u = apr_pcalloc(p, sizeof(*u));
    u->id = id;
    u->email = in->email;
    u->username = in->username;
    u->is_active = 1;
    u->created_at = u->updated_at = ts;
    *puser = u;
    return APR_SUCCESS;
}

apr_status_t todo_user_get(todo_db_t *db, apr_pool_t *p, const char *id,
                           todo_user_t **puser, todo_result_t *res)
{
    todo_rows_t *rows;
    apr_status_t rv;

    rv = todo_db_select(db, p, TODO_SQL_USER_GET, &rows, TODO_ARGS(id));
    if (APR_SUCCESS != rv) {
        return rv;
    }
    if (rows->nrows != 1) {
        return todo_result_fail(res, APR_ENOENT, "User not found");
    }
    *puser = todo_user_from_row(p, rows, 0, 0);
    return APR_SUCCESS;
}

apr_status_t todo_user_find_login(todo_db_t *db, apr_pool_t *p,
                                  const char *login, todo_user_t **puser,
                                  const char **phash)
{
    const char *key = NULL;
    todo_rows_t *rows;
    apr_status_t rv;

    /* Emails are stored lowercased (Unicode); usernames are ASCII, so the
     * same key serves lower(username). */
    if (APR_SUCCESS != todo_lower(p, login, strlen(login), &key)) {
        return APR_ENOENT;
    }
    rv = todo_db_select(db, p, TODO_SQL_USER_BY_LOGIN, &rows,
                        TODO_ARGS(key, key));
    if (APR_SUCCESS != rv) {
        return rv;
    }
    if (rows->nrows != 1) {
        return APR_ENOENT;
    }
    *puser = todo_user_from_row(p, rows, 0, 0);
    *phash = TODO_CELL(rows, 0, 6);
    return APR_SUCCESS;
}

apr_status_t todo_user_list(todo_db_t *db, apr_pool_t *p, int page,
                            int page_size, apr_array_header_t **pusers,
                            apr_int64_t *ptotal, todo_result_t *res)
{
    apr_int64_t offset = (apr_int64_t)(page - 1) * page_size;
    apr_array_header_t *users;
    todo_rows_t *rows;
    apr_status_t rv;
    int i;

    (void)res;
    rv = todo_db_count(db, p, TODO_SQL_USER_COUNT, ptotal, TODO_NO_ARGS);
    if (APR_SUCCESS != rv) {
        return rv;
    }
    rv =
        todo_db_select(db, p, TODO_SQL_USER_LIST, &rows,
                       TODO_ARGS(apr_itoa(p, page_size),
                                 apr_psprintf(p, "%" APR_INT64_T_FMT, offset)));
    if (APR_SUCCESS != rv) {
        return rv;
    }
    users = apr_array_make(p, rows->nrows, sizeof(todo_user_t *));
    for (i = 0; i < rows->nrows; ++i) {
        APR_ARRAY_PUSH(users, todo_user_t *) =
            todo_user_from_row(p, rows, i, 0);
    }
    *pusers = users;
    return APR_SUCCESS;
}

apr_status_t todo_user_update(todo_db_t *db, apr_pool_t *p, const char *id,
                              const todo_user_input_t *in, const char *hash,
                              const char *keep_sid, apr_time_t now,
                              todo_user_t **puser, todo_result_t *res)
{
    const char *ts = todo_time_format(p, now);
    todo_tx_t *tx = NULL;
    apr_status_t rv;
    int nrows = 0;

    rv = todo_db_begin(db, p, &tx);
    if (APR_SUCCESS == rv && (in->email || in->username)) {
        rv = conflict(db, p, id, in, res);
    }
    if (APR_SUCCESS == rv) {
        rv = todo_db_exec(db, p, TODO_SQL_USER_UPDATE, &nrows,
                          TODO_ARGS(in->email, in->username, hash, ts, id));
        if (APR_SUCCESS == rv && nrows != 1) {
            rv = todo_result_fail(res, APR_ENOENT, "User not found");
        }
    }
    if (APR_SUCCESS == rv && hash) {
        rv = todo_db_exec(db, p, TODO_SQL_SESSION_REVOKE_OTHERS, NULL,
                          TODO_ARGS(ts, id, keep_sid));
    }
    rv = todo_db_finish(db, p, tx, rv);
    if (APR_SUCCESS != rv) {
        return rv;
    }
    return todo_user_get(db, p, id, puser, res);
}

apr_status_t todo_user_delete(todo_db_t *db, apr_pool_t *p, const char *id,
                              todo_result_t *res)
{
    todo_tx_t *tx = NULL;
    apr_status_t rv;
    int nrows = 0;

    /* The user's lock first, as every write of their tasks takes it. */
    rv = todo_db_begin_for(db, p, id, &tx);
    if (APR_SUCCESS == rv) {
        rv =
            todo_db_exec(db, p, TODO_SQL_TASK_DELETE_USER, NULL, TODO_ARGS(id));
    }
    if (APR_SUCCESS == rv) {
        /* The user's events: nobody may read them any more. */
        rv = todo_db_exec(db, p, TODO_SQL_EVENT_DELETE_USER, NULL,
                          TODO_ARGS(id));
    }
    if (APR_SUCCESS == rv) {
        rv = todo_db_exec(db, p, TODO_SQL_SESSION_DELETE_USER, NULL,
                          TODO_ARGS(id));
    }
    if (APR_SUCCESS == rv) {
        rv = todo_db_exec(db, p, TODO_SQL_USER_DELETE, &nrows, TODO_ARGS(id));
    }
    if (APR_SUCCESS == rv && nrows != 1) {
        rv = todo_result_fail(res, APR_ENOENT, "User not found");
    }
    rv = todo_db_finish(db, p, tx, rv);
    return rv;
}

apr_status_t todo_user_find(todo_db_t *db, apr_pool_t *p, const char *who,
                            todo_user_t **puser, todo_result_t *res)
{
    const char *id = NULL, *hash = NULL;
    todo_rows_t *rows;
    apr_status_t rv;

    /* Only a UUID is looked up as an id (PostgreSQL's ::uuid would fail
     * on anything else); usernames cannot be one. */
    if (APR_SUCCESS == todo_uuid_parse(p, who, &id)) {
        rv = todo_db_select(db, p, TODO_SQL_USER_GET, &rows, TODO_ARGS(id));
        if (APR_SUCCESS != rv) {
            return rv;
        }
        if (rows->nrows == 1) {
            *puser = todo_user_from_row(p, rows, 0, 0);
            return APR_SUCCESS;
        }
    }
    rv = todo_user_find_login(db, p, who, puser, &hash);
    if (APR_ENOENT == rv) {
        return todo_result_fail(res, APR_ENOENT,
                                "No user with that id, username or email");
    }
    return rv;
}

/* One write to the user @a id, then every session of the user revoked,
 * in one transaction. */
static apr_status_t write_and_revoke(todo_db_t *db, apr_pool_t *p,
                                     const char *label, int nargs,
                                     const char **args, int revoke,
                                     const char *id, const char *ts,
                                     int *prevoked, todo_result_t *res)
{
    todo_tx_t *tx = NULL;
    apr_status_t rv;
    int nrows = 0, revoked = 0;

    rv = todo_db_begin(db, p, &tx);
    if (APR_SUCCESS == rv) {
        rv = todo_db_exec(db, p, label, &nrows, nargs, args);
    }
    if (APR_SUCCESS == rv && nrows != 1) {
        rv = todo_result_fail(res, APR_ENOENT, "User not found");
    }
    if (APR_SUCCESS == rv && revoke) {
        rv = todo_db_exec(db, p, TODO_SQL_SESSION_REVOKE_USER, &revoked,
                          TODO_ARGS(ts, id));
    }
    rv = todo_db_finish(db, p, tx, rv);
    if (prevoked) {
        *prevoked = APR_SUCCESS == rv ? revoked : 0;
    }
    return rv;
}

apr_status_t todo_user_set_active(todo_db_t *db, apr_pool_t *p, const char *id,
                                  int active, apr_time_t now, int *prevoked,
                                  todo_result_t *res)
{
    const char *ts = todo_time_format(p, now);

    return write_and_revoke(db, p, TODO_SQL_USER_SET_ACTIVE,
                            TODO_ARGS(active ? "1" : "0", ts, id), !active, id,
                            ts, prevoked, res);
}

apr_status_t todo_user_set_password(todo_db_t *db, apr_pool_t *p,
                                    const char *id, const char *hash,
                                    apr_time_t now, int *prevoked,
                                    todo_result_t *res)
{
    const char *ts = todo_time_format(p, now);

    return write_and_revoke(db, p, TODO_SQL_USER_SET_PASSWORD,
                            TODO_ARGS(hash, ts, id), 1, id, ts, prevoked, res);
}
