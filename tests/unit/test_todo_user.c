/* Licensed under the Apache License, Version 2.0; see LICENSE. */

/* Users against an in-memory SQLite database. */

#include <string.h>

#include <apr_lib.h>
#include <apr_strings.h>

#include "test_common.h"
#include "todo_json.h"
#include "todo_password.h"
#include "todo_time.h"
#include "todo_user.h"
#include "todo_uuid.h"

#define HASH "$2b$04$abcdefghijklmnopqrstuuABCDEFGHIJKLMNOPQRSTUVWXYZ01234"
#define SID_A "0192a6e4-7c2b-7def-8abc-00000000000a"
#define SID_B "0192a6e4-7c2b-7def-8abc-00000000000b"

static todo_user_t *create(todo_db_t *db, apr_pool_t *p, const char *email,
                           const char *username, apr_time_t now)
{
    todo_user_input_t in = {email, username, "correct horse"};
    todo_result_t *res = todo_result_make(p);
    todo_user_t *u = NULL;

    assert_int_equal(APR_SUCCESS,
                     todo_user_create(db, p, &in, HASH, now, &u, res));
    assert_non_null(u);
    return u;
}

static json_t *body(apr_pool_t *p, const char *text)
{
    json_t *j = todo_json_pool_own(p, json_loads(text, 0, NULL));

    assert_non_null(j);
    return j;
}

/* The errors of @a res as "type loc|type loc|...". */
static const char *errors(todo_result_t *res)
{
    const char *out = "";
    int i;

    for (i = 0; res->errors && i < res->errors->nelts; ++i) {
        const todo_error_item_t *e =
            &APR_ARRAY_IDX(res->errors, i, todo_error_item_t);
        out =
            apr_pstrcat(res->p, out, i ? "|" : "", e->type, " ", e->loc, NULL);
    }
    return out;
}

/* Is session @a sid revoked? */
static int revoked(todo_db_t *db, apr_pool_t *p, const char *sid)
{
    todo_rows_t *rows = NULL;

    assert_int_equal(APR_SUCCESS, todo_db_select(db, p, TODO_SQL_SESSION_GET,
                                                 &rows, TODO_ARGS(sid)));
    assert_int_equal(1, rows->nrows);
    return TODO_CELL(rows, 0, 4) != NULL;
}

static void add_session(todo_db_t *db, apr_pool_t *p, const char *sid,
                        const char *user_id)
{
    assert_int_equal(
        APR_SUCCESS,
        todo_db_exec(
            db, p, TODO_SQL_SESSION_INSERT, NULL,
            TODO_ARGS(sid, user_id, todo_time_format(p, TS_NOW),
                      todo_time_format(p, TS_NOW + apr_time_from_sec(3600)))));
}

/* --- input validation --------------------------------------------------- */

static void test_parse_create_reports_every_field(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    todo_result_t *res = todo_result_make(p);
    todo_user_input_t in;

    assert_int_equal(APR_EINVAL,
                     todo_user_parse_input(body(p, "{\"email\": \"nope\","
                                                   " \"username\": \"x\","
                                                   " \"password\": \"short\"}"),
                                           1, &in, res));
    assert_string_equal("value_error body.email|string_too_short body.username"
                        "|string_too_short body.password",
                        errors(res));
    res = todo_result_make(p);
    assert_int_equal(APR_EINVAL,
                     todo_user_parse_input(body(p, "{}"), 1, &in, res));
    assert_string_equal("missing body.email|missing body.username"
                        "|missing body.password",
                        errors(res));
}

static void test_parse_update_fields_optional(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    todo_result_t *res = todo_result_make(p);
    todo_user_input_t in;

    assert_int_equal(APR_SUCCESS,
                     todo_user_parse_input(body(p, "{}"), 0, &in, res));
    assert_null(in.email);
    assert_null(in.username);
    assert_null(in.password);
    /* null means absent. */
    assert_int_equal(APR_SUCCESS,
                     todo_user_parse_input(body(p, "{\"email\": null,"
                                                   " \"username\": null,"
                                                   " \"password\": null}"),
                                           0, &in, res));
    assert_null(in.email);
    assert_int_equal(APR_SUCCESS,
                     todo_user_parse_input(body(p, "{\"email\": \"NEW@x.io\"}"),
                                           0, &in, res));
    assert_string_equal("new@x.io", in.email);
    assert_null(in.username);
    /* Still validated when present. */
    assert_int_equal(APR_EINVAL,
                     todo_user_parse_input(body(p, "{\"username\": \"a b\","
                                                   " \"password\": 12345678}"),
                                           0, &in, res));
    assert_string_equal("string_pattern_mismatch body.username"
                        "|string_type body.password",
                        errors(res));
}

static void test_parse_ignores_server_fields(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    todo_result_t *res = todo_result_make(p);
    todo_user_input_t in;

    assert_int_equal(
        APR_SUCCESS,
        todo_user_parse_input(body(p, "{\"id\": 5, \"is_active\": \"no\","
                                      " \"created_at\": [], \"password_hash\":"
                                      " \"x\", \"user_id\": null}"),
                              0, &in, res));
    assert_null(res->errors);
}

static void test_to_json_never_has_password(void **state)
{
    todo_user_t u = {"0192a6e4-7c2b-7def-8abc-0123456789ab",
                     "ada@example.com",
                     "Ada",
                     1,
                     "2016-10-09T02:35:45.000000Z",
                     "2016-10-09T02:35:46.000000Z"};
    json_t *j = todo_json_pool_own(TS_POOL(state), todo_user_to_json(&u));
    json_t *want =
        json_pack("{s:s, s:s, s:s, s:b, s:s, s:s}", "id", u.id, "email",
                  u.email, "username", u.username, "is_active", 1, "created_at",
                  u.created_at, "updated_at", u.updated_at);

    assert_true(json_equal(j, want));
    json_decref(want);
    assert_null(json_object_get(j, "password"));
    assert_null(json_object_get(j, "password_hash"));
}

/* --- storage ------------------------------------------------------------ */

static void test_create_and_get(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    todo_db_t *db = ts_memdb(p);
    todo_user_t *u = create(db, p, "ada@example.com", "Ada", TS_NOW);
    todo_result_t *res = todo_result_make(p);
    todo_user_t *got = NULL;
    char ms[16];

    assert_int_equal(APR_SUCCESS, todo_uuid_parse(p, u->id, NULL));
    assert_int_equal('7', u->id[14]);
    /* A v7 id carries the creation time. */
    apr_snprintf(ms, sizeof(ms), "%012" APR_UINT64_T_HEX_FMT,
                 (apr_uint64_t)TS_CONST * 1000);
    assert_memory_equal(ms, u->id, 8);
    assert_string_equal("2016-10-09T02:35:45.000000Z", u->created_at);
    assert_string_equal(u->created_at, u->updated_at);
    assert_int_equal(1, u->is_active);

    assert_int_equal(APR_SUCCESS, todo_user_get(db, p, u->id, &got, res));
    assert_string_equal(u->id, got->id);
    assert_string_equal("ada@example.com", got->email);
    /* The username keeps its case. */
    assert_string_equal("Ada", got->username);
    assert_int_equal(1, got->is_active);
    assert_string_equal(u->created_at, got->created_at);
    assert_string_equal(u->updated_at, got->updated_at);
}

static void test_get_missing(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    todo_db_t *db = ts_memdb(p);
    todo_result_t *res = todo_result_make(p);
    todo_user_t *got = NULL;

    assert_int_equal(
        APR_ENOENT, todo_user_get(db, p, "0192a6e4-7c2b-7def-8abc-0123456789ab",
                                  &got, res));
    assert_string_equal("User not found", res->detail);
    assert_null(got);
}

static void test_create_conflicts(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    todo_db_t *db = ts_memdb(p);
    todo_user_input_t dup_email = {"ada@example.com", "someone", "x"};
    todo_user_input_t dup_name = {"other@example.com", "aDA", "x"};
    todo_result_t *res = todo_result_make(p);
    todo_user_t *u = NULL;
    apr_int64_t total = 0;
    apr_array_header_t *users;

    create(db, p, "ada@example.com", "Ada", TS_NOW);
    assert_int_equal(
        APR_EEXIST, todo_user_create(db, p, &dup_email, HASH, TS_NOW, &u, res));
    assert_string_equal("Email already registered", res->detail);
    res = todo_result_make(p);
    assert_int_equal(APR_EEXIST,
                     todo_user_create(db, p, &dup_name, HASH, TS_NOW, &u, res));
    assert_string_equal("Username already taken", res->detail);
    assert_null(u);
    assert_int_equal(APR_SUCCESS,
                     todo_user_list(db, p, 1, 10, &users, &total, res));
    assert_int_equal(1, total);
}

static void test_find_login(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    todo_db_t *db = ts_memdb(p);
    todo_user_t *u = create(db, p, "ada@example.com", "Ada", TS_NOW), *got;
    const char *hash = NULL;

    create(db, p, "bob@example.com", "bob", TS_NOW + 1);
    assert_int_equal(APR_SUCCESS,
                     todo_user_find_login(db, p, "Ada", &got, &hash));
    assert_string_equal(u->id, got->id);
    assert_string_equal(HASH, hash);
    assert_int_equal(APR_SUCCESS,
                     todo_user_find_login(db, p, "ada", &got, &hash));
    assert_string_equal(u->id, got->id);
    assert_int_equal(APR_SUCCESS, todo_user_find_login(db, p, "ADA@Example.com",
                                                       &got, &hash));
    assert_string_equal(u->id, got->id);
    assert_int_equal(APR_ENOENT,
                     todo_user_find_login(db, p, "carol", &got, &hash));
    assert_int_equal(APR_ENOENT, todo_user_find_login(db, p, "", &got, &hash));
    /* No wildcard matching. */
    assert_int_equal(APR_ENOENT, todo_user_find_login(db, p, "%", &got, &hash));
}

static void test_list_pages_oldest_first(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    todo_db_t *db = ts_memdb(p);
    todo_result_t *res = todo_result_make(p);
    apr_array_header_t *users = NULL;
    apr_int64_t total = -1;
    todo_user_t *a, *b, *c;

    /* Created out of name order, in time order a, b, c. */
    b = create(db, p, "b@example.com", "bbb", TS_NOW + 2000);
    a = create(db, p, "a@example.com", "zzz", TS_NOW + 1000);
    c = create(db, p, "c@example.com", "aaa", TS_NOW + 3000);

    assert_int_equal(APR_SUCCESS,
                     todo_user_list(db, p, 1, 2, &users, &total, res));
    assert_int_equal(3, total);
    assert_int_equal(2, users->nelts);
    assert_string_equal(a->id, APR_ARRAY_IDX(users, 0, todo_user_t *)->id);
    assert_string_equal(b->id, APR_ARRAY_IDX(users, 1, todo_user_t *)->id);
    assert_int_equal(APR_SUCCESS,
                     todo_user_list(db, p, 2, 2, &users, &total, res));
    assert_int_equal(1, users->nelts);
    assert_string_equal(c->id, APR_ARRAY_IDX(users, 0, todo_user_t *)->id);
    assert_string_equal("c@example.com",
                        APR_ARRAY_IDX(users, 0, todo_user_t *)->email);
    assert_int_equal(APR_SUCCESS,
                     todo_user_list(db, p, 3, 2, &users, &total, res));
    assert_int_equal(0, users->nelts);
    assert_int_equal(3, total);
}

static void test_update_fields(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    todo_db_t *db = ts_memdb(p);
    todo_user_t *u = create(db, p, "ada@example.com", "Ada", TS_NOW), *got;
    todo_user_input_t email = {"ada@new.example", NULL, NULL};
    todo_user_input_t same = {"ada@new.example", "Ada", NULL};
    todo_user_input_t none = {NULL, NULL, NULL};
    todo_result_t *res = todo_result_make(p);

    assert_int_equal(APR_SUCCESS,
                     todo_user_update(db, p, u->id, &email, NULL, NULL,
                                      TS_NOW + 5000000, &got, res));
    assert_string_equal("ada@new.example", got->email);
    assert_string_equal("Ada", got->username);
    assert_string_equal("2016-10-09T02:35:45.000000Z", got->created_at);
    assert_string_equal("2016-10-09T02:35:50.000000Z", got->updated_at);
    /* Writing one's own current values is no conflict. */
    assert_int_equal(APR_SUCCESS,
                     todo_user_update(db, p, u->id, &same, NULL, NULL,
                                      TS_NOW + 6000000, &got, res));
    assert_int_equal(APR_SUCCESS,
                     todo_user_update(db, p, u->id, &none, NULL, NULL,
                                      TS_NOW + 7000000, &got, res));
    assert_string_equal("ada@new.example", got->email);
    assert_string_equal("2016-10-09T02:35:52.000000Z", got->updated_at);
}

static void test_update_conflicts_and_missing(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    todo_db_t *db = ts_memdb(p);
    todo_user_t *u = create(db, p, "ada@example.com", "Ada", TS_NOW), *got;
    todo_user_input_t email = {"bob@example.com", NULL, NULL};
    todo_user_input_t name = {NULL, "BOB", NULL};
    todo_result_t *res = todo_result_make(p);

    create(db, p, "bob@example.com", "bob", TS_NOW + 1);
    assert_int_equal(APR_EEXIST, todo_user_update(db, p, u->id, &email, NULL,
                                                  NULL, TS_NOW, &got, res));
    assert_string_equal("Email already registered", res->detail);
    res = todo_result_make(p);
    assert_int_equal(APR_EEXIST, todo_user_update(db, p, u->id, &name, NULL,
                                                  NULL, TS_NOW, &got, res));
    assert_string_equal("Username already taken", res->detail);
    res = todo_result_make(p);
    name.username = "carol";
    assert_int_equal(APR_ENOENT,
                     todo_user_update(db, p,
                                      "0192a6e4-7c2b-7def-8abc-0123456789ab",
                                      &name, NULL, NULL, TS_NOW, &got, res));
    assert_string_equal("User not found", res->detail);
    /* Nothing changed, and the connection is usable after the rollbacks. */
    assert_int_equal(0, db->in_tx);
    res = todo_result_make(p);
    assert_int_equal(APR_SUCCESS, todo_user_get(db, p, u->id, &got, res));
    assert_string_equal("ada@example.com", got->email);
    assert_string_equal("Ada", got->username);
}

static void test_update_password_revokes_other_sessions(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    todo_db_t *db = ts_memdb(p);
    todo_user_t *u = create(db, p, "ada@example.com", "Ada", TS_NOW), *got;
    todo_user_t *bob = create(db, p, "bob@example.com", "bob", TS_NOW);
    const char *bob_sid = "0192a6e4-7c2b-7def-8abc-00000000000c";
    todo_user_input_t pw = {NULL, NULL, "new password"};
    todo_result_t *res = todo_result_make(p);
    const char *hash = NULL, *new_hash = NULL;

    add_session(db, p, SID_A, u->id);
    add_session(db, p, SID_B, u->id);
    add_session(db, p, bob_sid, bob->id);
    assert_int_equal(
        APR_SUCCESS,
        todo_password_hash(p, "new password", TS_BCRYPT_COST, &new_hash));
    assert_int_equal(APR_SUCCESS, todo_user_update(db, p, u->id, &pw, new_hash,
                                                   SID_A, TS_NOW, &got, res));
    assert_int_equal(0, revoked(db, p, SID_A));
    assert_int_equal(1, revoked(db, p, SID_B));
    assert_int_equal(0, revoked(db, p, bob_sid));
    assert_int_equal(APR_SUCCESS,
                     todo_user_find_login(db, p, "ada", &got, &hash));
    assert_string_equal(new_hash, hash);

    /* Without a session to keep, all of them go. */
    assert_int_equal(APR_SUCCESS, todo_user_update(db, p, u->id, &pw, new_hash,
                                                   NULL, TS_NOW, &got, res));
    assert_int_equal(1, revoked(db, p, SID_A));
    assert_int_equal(0, revoked(db, p, bob_sid));
}

static void test_update_without_password_keeps_sessions(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    todo_db_t *db = ts_memdb(p);
    todo_user_t *u = create(db, p, "ada@example.com", "Ada", TS_NOW), *got;
    todo_user_input_t name = {NULL, "ada2", NULL};
    todo_result_t *res = todo_result_make(p);

    add_session(db, p, SID_B, u->id);
    assert_int_equal(APR_SUCCESS, todo_user_update(db, p, u->id, &name, NULL,
                                                   SID_A, TS_NOW, &got, res));
    assert_int_equal(0, revoked(db, p, SID_B));
}

static void test_delete(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    todo_db_t *db = ts_memdb(p);
    todo_user_t *u = create(db, p, "ada@example.com", "Ada", TS_NOW), *got;
    todo_user_t *bob = create(db, p, "bob@example.com", "bob", TS_NOW);
    todo_result_t *res = todo_result_make(p);
    todo_rows_t *rows = NULL;

    add_session(db, p, SID_A, u->id);
    add_session(db, p, SID_B, bob->id);
    assert_int_equal(APR_SUCCESS, todo_user_delete(db, p, u->id, res));
    assert_int_equal(APR_ENOENT, todo_user_get(db, p, u->id, &got, res));
    /* Its sessions went with it; other users' stayed. */
    assert_int_equal(APR_SUCCESS, todo_db_select(db, p, TODO_SQL_SESSION_GET,
                                                 &rows, TODO_ARGS(SID_A)));
    assert_int_equal(0, rows->nrows);
    assert_int_equal(0, revoked(db, p, SID_B));
    res = todo_result_make(p);
    assert_int_equal(APR_ENOENT, todo_user_delete(db, p, u->id, res));
    assert_string_equal("User not found", res->detail);
    /* The email is free again. */
    create(db, p, "ada@example.com", "Ada", TS_NOW + 1);
}

/* --- administration (todoctl) ------------------------------------------- */

static void test_find_by_id_username_or_email(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    todo_db_t *db = ts_memdb(p);
    todo_user_t *u = create(db, p, "ada@example.com", "Ada", TS_NOW), *got;
    todo_result_t *res = todo_result_make(p);
    const char *who[] = {NULL, "ada", "ADA", "Ada@Example.COM", NULL};
    int i;

    create(db, p, "bob@example.com", "bob", TS_NOW + 1);
    {
        /* An id in capitals is the same id. */
        char *upper = apr_pstrdup(p, u->id), *c;
        for (c = upper; *c; ++c) {
            *c = (char)apr_toupper(*c);
        }
        who[0] = upper;
    }
    for (i = 0; who[i]; ++i) {
        got = NULL;
        assert_int_equal(APR_SUCCESS, todo_user_find(db, p, who[i], &got, res));
        assert_string_equal(u->id, got->id);
    }
    /* An id of nobody, or a name of nobody. */
    assert_int_equal(APR_ENOENT,
                     todo_user_find(db, p,
                                    "0192a6e4-7c2b-7def-8abc-0123456789ab",
                                    &got, res));
    assert_string_equal("No user with that id, username or email", res->detail);
    res = todo_result_make(p);
    assert_int_equal(APR_ENOENT, todo_user_find(db, p, "carol", &got, res));
    assert_int_equal(APR_ENOENT, res->status);
}

static void test_disable_revokes_every_session_enable_none(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    todo_db_t *db = ts_memdb(p);
    todo_user_t *u = create(db, p, "ada@example.com", "Ada", TS_NOW), *got;
    todo_user_t *bob = create(db, p, "bob@example.com", "bob", TS_NOW);
    const char *bob_sid = "0192a6e4-7c2b-7def-8abc-00000000000c";
    todo_result_t *res = todo_result_make(p);
    int n = -1;

    add_session(db, p, SID_A, u->id);
    add_session(db, p, SID_B, u->id);
    add_session(db, p, bob_sid, bob->id);
    assert_int_equal(APR_SUCCESS, todo_user_set_active(db, p, u->id, 0,
                                                       TS_NOW + 1, &n, res));
    assert_int_equal(2, n);
    assert_int_equal(1, revoked(db, p, SID_A));
    assert_int_equal(1, revoked(db, p, SID_B));
    assert_int_equal(0, revoked(db, p, bob_sid));
    assert_int_equal(APR_SUCCESS, todo_user_get(db, p, u->id, &got, res));
    assert_int_equal(0, got->is_active);
    assert_string_equal(todo_time_format(p, TS_NOW + 1), got->updated_at);
    /* Again: nothing left to revoke. */
    assert_int_equal(APR_SUCCESS, todo_user_set_active(db, p, u->id, 0,
                                                       TS_NOW + 2, &n, res));
    assert_int_equal(0, n);

    n = -1;
    assert_int_equal(APR_SUCCESS, todo_user_set_active(db, p, u->id, 1,
                                                       TS_NOW + 3, &n, res));
    assert_int_equal(0, n);
    assert_int_equal(APR_SUCCESS, todo_user_get(db, p, u->id, &got, res));
    assert_int_equal(1, got->is_active);
    assert_int_equal(1, revoked(db, p, SID_A)); /* no session revived */

    assert_int_equal(
        APR_ENOENT,
        todo_user_set_active(db, p, "0192a6e4-7c2b-7def-8abc-0123456789ab", 0,
                             TS_NOW, &n, res));
    assert_int_equal(0, db->in_tx);
}

static void test_set_password_revokes_every_session(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    todo_db_t *db = ts_memdb(p);
    todo_user_t *u = create(db, p, "ada@example.com", "Ada", TS_NOW), *got;
    todo_user_t *bob = create(db, p, "bob@example.com", "bob", TS_NOW);
    const char *bob_sid = "0192a6e4-7c2b-7def-8abc-00000000000c";
    todo_result_t *res = todo_result_make(p);
    const char *new_hash = NULL, *hash = NULL;
    int n = -1;

    add_session(db, p, SID_A, u->id);
    add_session(db, p, bob_sid, bob->id);
    assert_int_equal(
        APR_SUCCESS,
        todo_password_hash(p, "reset by admin", TS_BCRYPT_COST, &new_hash));
    assert_int_equal(APR_SUCCESS, todo_user_set_password(db, p, u->id, new_hash,
                                                         TS_NOW + 1, &n, res));
    assert_int_equal(1, n);
    assert_int_equal(1, revoked(db, p, SID_A));
    assert_int_equal(0, revoked(db, p, bob_sid));
    assert_int_equal(APR_SUCCESS,
                     todo_user_find_login(db, p, "ada", &got, &hash));
    assert_string_equal(new_hash, hash);
    assert_int_equal(APR_SUCCESS,
                     todo_user_find_login(db, p, "bob", &got, &hash));
    assert_string_equal(HASH, hash);
    assert_int_equal(
        APR_ENOENT,
        todo_user_set_password(db, p, "0192a6e4-7c2b-7def-8abc-0123456789ab",
                               new_hash, TS_NOW, &n, res));
}

int test_todo_user_run(void)
{
    const struct CMUnitTest tests[] = {
        TS_TEST(test_parse_create_reports_every_field),
        TS_TEST(test_parse_update_fields_optional),
        TS_TEST(test_parse_ignores_server_fields),
        TS_TEST(test_to_json_never_has_password),
        TS_TEST(test_create_and_get),
        TS_TEST(test_get_missing),
        TS_TEST(test_create_conflicts),
        TS_TEST(test_find_login),
        TS_TEST(test_list_pages_oldest_first),
        TS_TEST(test_update_fields),
        TS_TEST(test_update_conflicts_and_missing),
        TS_TEST(test_update_password_revokes_other_sessions),
        TS_TEST(test_update_without_password_keeps_sessions),
        TS_TEST(test_delete),
        TS_TEST(test_find_by_id_username_or_email),
        TS_TEST(test_disable_revokes_every_session_enable_none),
        TS_TEST(test_set_password_revokes_every_session),
    };
    return cmocka_run_group_tests_name("todo_user", tests, NULL, NULL);
}
