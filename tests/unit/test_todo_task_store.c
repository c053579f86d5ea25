/* Licensed under the Apache License, Version 2.0; see LICENSE. */

#include <string.h>

#include <apr_strings.h>

#include "test_common.h"
#include "todo_event_store.h"
#include "todo_json.h"
#include "todo_migrate.h"
#include "todo_sql.h"
#include "todo_task_store.h"
#include "todo_time.h"
#include "todo_user.h"
#include "todo_validate.h"

#define ALICE "0192a6e4-0000-7000-8000-00000000a11c"
#define BOB "0192a6e4-0000-7000-8000-000000000b0b"

const char *ts_live_session(todo_db_t *db, apr_pool_t *p, const char *user_id)
{
    const char *now = todo_time_format(p, TS_NOW);
    todo_rows_t *rows = NULL;

    assert_int_equal(APR_SUCCESS, todo_db_select(db, p, TODO_SQL_SESSION_GET,
                                                 &rows, TODO_ARGS(user_id)));
    if (!rows->nrows) {
        assert_int_equal(
            APR_SUCCESS,
            todo_db_exec(
                db, p, TODO_SQL_USER_INSERT, NULL,
                TODO_ARGS(user_id,
                          apr_pstrcat(p, user_id, "@example.com", NULL),
                          user_id, "$2b$04$x", now, now)));
        assert_int_equal(
            APR_SUCCESS,
            todo_db_exec(db, p, TODO_SQL_SESSION_INSERT, NULL,
                         TODO_ARGS(user_id, user_id, now,
                                   todo_time_format(
                                       p, TS_NOW + apr_time_from_sec(3600)))));
    }
    return user_id;
}

/* A create, and a bulk create, as the handlers run them (through
 * todo_task_write, without a group commit). */
static apr_status_t create(todo_db_t *db, apr_pool_t *p, const char *user_id,
                           const todo_task_input_t *in, apr_time_t now,
                           todo_task_t **ptask)
{
    todo_task_write_t w = {0};
    apr_status_t rv;

    w.op = TODO_TASK_CREATE;
    w.user_id = user_id;
    w.in = in;
    w.now = now;
    rv = todo_task_write(db, p, &w);
    *ptask = w.task;
    return rv;
}

static apr_status_t create_bulk(todo_db_t *db, apr_pool_t *p,
                                const char *user_id,
                                const todo_task_input_t *in, int n,
                                apr_time_t now, apr_array_header_t **ptasks)
{
    todo_task_write_t w = {0};
    apr_status_t rv;

    w.op = TODO_TASK_CREATE_BULK;
    w.user_id = user_id;
    w.in = in;
    w.n = n;
    w.now = now;
    rv = todo_task_write(db, p, &w);
    *ptasks = w.tasks;
    return rv;
}

static todo_task_input_t input(apr_pool_t *p, const char *json)
{
    todo_task_input_t in;
    todo_result_t *res = todo_result_make(p);
    json_t *j = todo_json_pool_own(p, json_loads(json, 0, NULL));

    assert_non_null(j);
    assert_int_equal(
        APR_SUCCESS,
        todo_task_parse_input(j, !strstr(json, "\"upd\""), "body", &in, res));
    return in;
}

static todo_task_t *make(todo_db_t *db, apr_pool_t *p, const char *user,
                         const char *json, apr_time_t at)
{
    todo_task_input_t in = input(p, json);
    todo_task_t *t = NULL;

    assert_int_equal(APR_SUCCESS, create(db, p, user, &in, at, &t));
    return t;
}

static apr_array_header_t *list(todo_db_t *db, apr_pool_t *p, const char *user,
                                const char *qs, apr_int64_t *ptotal)
{
    todo_result_t *res = todo_result_make(p);
    apr_array_header_t *tasks = NULL;
    apr_table_t *args = NULL;
    todo_task_query_t q;

    assert_int_equal(APR_SUCCESS, todo_form_parse(p, qs, strlen(qs), &args));
    assert_int_equal(APR_SUCCESS, todo_task_query_parse(args, &q, res));
    assert_int_equal(APR_SUCCESS,
                     todo_task_list(db, p, ts_live_session(db, p, user), user,
                                    &q, &tasks, ptotal));
    return tasks;
}

static const char *titles(apr_pool_t *p, apr_array_header_t *tasks)
{
    const char *s = "";
    int i;

    for (i = 0; i < tasks->nelts; ++i) {
        s = apr_pstrcat(p, s, i ? "," : "",
                        APR_ARRAY_IDX(tasks, i, todo_task_t *)->title, NULL);
    }
    return s;
}

static void test_create_get_and_ownership(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    todo_db_t *db = ts_memdb(p);
    todo_task_t *t = make(db, p, ALICE, "{\"title\": \"mine\"}", TS_NOW);
    todo_task_t *got = NULL;
    todo_result_t *res = todo_result_make(p);
    todo_task_input_t upd = input(p, "{\"title\": \"theirs\", \"upd\": 1}");
    apr_int64_t total = -1;

    assert_int_equal(APR_SUCCESS,
                     todo_task_get(db, p, ts_live_session(db, p, ALICE), ALICE,
                                   t->id, &got, res));
    assert_string_equal("mine", got->title);
    assert_string_equal(ALICE, got->user_id);
    assert_int_equal(1, got->version);
    /* Bob sees nothing, changes nothing. */
    assert_int_equal(APR_ENOENT,
                     todo_task_get(db, p, ts_live_session(db, p, BOB), BOB,
                                   t->id, &got, res));
    assert_int_equal(APR_ENOENT,
                     todo_task_update(db, p, BOB, t->id, &upd, NULL, TS_NOW,
                                      &got, todo_result_make(p)));
    assert_int_equal(APR_ENOENT, todo_task_delete(db, p, BOB, t->id, NULL,
                                                  todo_result_make(p)));
    list(db, p, BOB, "", &total);
    assert_int_equal(0, total);
    assert_int_equal(APR_SUCCESS,
                     todo_task_get(db, p, ts_live_session(db, p, ALICE), ALICE,
                                   t->id, &got, res));
    assert_string_equal("mine", got->title);
}

static void test_conditional_writes(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    todo_db_t *db = ts_memdb(p);
    todo_task_t *t = make(db, p, ALICE, "{\"title\": \"v1\"}", TS_NOW);
    todo_task_input_t upd = input(p, "{\"title\": \"v2\", \"upd\": 1}");
    const char *etag = todo_task_etag(p, t);
    todo_task_t *got = NULL;
    todo_result_t *res;

    res = todo_result_make(p);
    assert_int_equal(TODO_EPRECOND,
                     todo_task_update(db, p, ALICE, t->id, &upd, "\"9-x\"",
                                      TS_NOW, &got, res));
    assert_int_equal(APR_SUCCESS,
                     todo_task_get(db, p, ts_live_session(db, p, ALICE), ALICE,
                                   t->id, &got, todo_result_make(p)));
    assert_string_equal("v1", got->title);
    assert_int_equal(APR_SUCCESS,
                     todo_task_update(db, p, ALICE, t->id, &upd, etag,
                                      TS_NOW + 1, &got, todo_result_make(p)));
    assert_string_equal("v2", got->title);
    assert_int_equal(2, got->version);
    /* The old ETag is stale now, for updates and deletes alike. */
    assert_int_equal(TODO_EPRECOND,
                     todo_task_update(db, p, ALICE, t->id, &upd, etag, TS_NOW,
                                      &got, todo_result_make(p)));
    assert_int_equal(TODO_EPRECOND, todo_task_delete(db, p, ALICE, t->id, etag,
                                                     todo_result_make(p)));
    assert_int_equal(APR_SUCCESS,
                     todo_task_update(db, p, ALICE, t->id, &upd, "*", TS_NOW,
                                      &got, todo_result_make(p)));
    assert_int_equal(APR_SUCCESS, todo_task_delete(db, p, ALICE, t->id, NULL,
                                                   todo_result_make(p)));
    assert_int_equal(APR_ENOENT,
                     todo_task_get(db, p, ts_live_session(db, p, ALICE), ALICE,
                                   t->id, &got, todo_result_make(p)));
}

static void test_bulk(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    todo_db_t *db = ts_memdb(p);
    todo_task_input_t in[3];
    apr_array_header_t *tasks = NULL;
    apr_int64_t total = 0;

    in[0] = input(p, "{\"title\": \"a\"}");
    in[1] = input(p, "{\"title\": \"b\"}");
    in[2] = input(p, "{\"title\": \"c\"}");
    assert_int_equal(APR_SUCCESS,
                     create_bulk(db, p, ALICE, in, 3, TS_NOW, &tasks));
    assert_int_equal(3, tasks->nelts);
    assert_string_equal("a,b,c",
                        titles(p, list(db, p, ALICE, "order=asc", &total)));
    assert_int_equal(3, total);
}

static void test_list_sorts_and_filters(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    todo_db_t *db = ts_memdb(p);
    apr_int64_t total = 0;

    make(db, p, ALICE,
         "{\"title\": \"Äpfel\", \"priority\": \"high\","
         " \"due_date\": \"2026-01-03T00:00:00Z\"}",
         TS_NOW + 1);
    make(db, p, ALICE,
         "{\"title\": \"banana\", \"priority\": \"low\","
         " \"description\": \"100% _real_\"}",
         TS_NOW + 2);
    make(db, p, ALICE,
         "{\"title\": \"Cherry\", \"completed\": true,"
         " \"due_date\": \"2026-01-01T00:00:00Z\"}",
         TS_NOW + 3);
    make(db, p, BOB, "{\"title\": \"bob's\"}", TS_NOW + 4);

    assert_string_equal("Cherry,banana,Äpfel",
                        titles(p, list(db, p, ALICE, "", &total)));
    assert_int_equal(3, total);
    assert_string_equal(
        "banana,Cherry,Äpfel",
        titles(p, list(db, p, ALICE, "sort=title&order=asc", &total)));
    assert_string_equal(
        "Cherry,Äpfel,banana",
        titles(p, list(db, p, ALICE, "sort=due_date&order=asc", &total)));
    assert_string_equal(
        "Äpfel,Cherry,banana",
        titles(p, list(db, p, ALICE, "sort=due_date&order=desc", &total)));
    assert_string_equal(
        "Äpfel,Cherry,banana",
        titles(p, list(db, p, ALICE, "sort=priority&order=desc", &total)));
    assert_string_equal("Äpfel",
                        titles(p, list(db, p, ALICE, "q=%C3%A4PFEL", &total)));
    assert_string_equal("banana",
                        titles(p, list(db, p, ALICE, "q=%25", &total)));
    assert_string_equal("", titles(p, list(db, p, ALICE, "q=b_nana", &total)));
    assert_int_equal(0, total);
    assert_string_equal(
        "Cherry", titles(p, list(db, p, ALICE, "completed=true", &total)));
    assert_string_equal(
        "Cherry", titles(p, list(db, p, ALICE,
                                 "due_before=2026-01-02T00:00:00Z", &total)));
    assert_string_equal(
        "Äpfel", titles(p, list(db, p, ALICE, "due_after=2026-01-01T00:00:00Z",
                                &total)));
    assert_string_equal(
        "banana", titles(p, list(db, p, ALICE, "page=2&page_size=1", &total)));
    assert_int_equal(3, total);
}

static void test_user_delete_removes_tasks(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    todo_db_t *db = ts_memdb(p);
    todo_user_input_t uin = {"carol@example.com", "carol", "password1"};
    todo_user_t *carol = NULL;
    apr_int64_t total = -1;

    assert_int_equal(APR_SUCCESS,
                     todo_user_create(db, p, &uin, "$2b$04$x", TS_NOW, &carol,
                                      todo_result_make(p)));
    make(db, p, carol->id, "{\"title\": \"one\"}", TS_NOW);
    make(db, p, carol->id, "{\"title\": \"two\"}", TS_NOW);
    assert_int_equal(APR_SUCCESS,
                     todo_user_delete(db, p, carol->id, todo_result_make(p)));
    list(db, p, carol->id, "", &total);
    assert_int_equal(0, total);
}

/* A read checks its session in its own statement: a revoked session, or
 * an inactive user, is refused (TODO_EAUTH) whether or not there is
 * anything to read; an empty page still says the total. */
static void test_reads_check_their_session(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    todo_db_t *db = ts_memdb(p);
    todo_task_t *t = make(db, p, ALICE, "{\"title\": \"mine\"}", TS_NOW);
    const char *sid = ts_live_session(db, p, ALICE);
    const char *other = "0192a6e4-7c2b-7def-8abc-00000000ffff";
    todo_task_query_t q = {0};
    apr_array_header_t *tasks = NULL;
    todo_task_t *got = NULL;
    apr_int64_t total = -1;

    make(db, p, ALICE, "{\"title\": \"done\", \"status\": \"completed\"}",
         TS_NOW + 1);
    /* One statement per read: a task, a page (filtered or not); an empty
     * page takes a second, for its total. */
    db->round_trips = 0;
    assert_int_equal(APR_SUCCESS, todo_task_get(db, p, sid, ALICE, t->id, &got,
                                                todo_result_make(p)));
    assert_int_equal(1, db->round_trips);
    assert_int_equal(APR_SUCCESS,
                     todo_task_query_parse(NULL, &q, todo_result_make(p)));
    /* Live: a page past the end is empty and still has the total,
     * filtered or not. */
    db->round_trips = 0;
    assert_int_equal(APR_SUCCESS,
                     todo_task_list(db, p, sid, ALICE, &q, &tasks, &total));
    assert_int_equal(2, tasks->nelts);
    assert_int_equal(2, total);
    assert_int_equal(1, db->round_trips);
    q.page = 3;
    assert_int_equal(APR_SUCCESS,
                     todo_task_list(db, p, sid, ALICE, &q, &tasks, &total));
    assert_int_equal(0, tasks->nelts);
    assert_int_equal(2, total);
    assert_int_equal(3, db->round_trips);
    q.status = "completed";
    assert_int_equal(APR_SUCCESS,
                     todo_task_list(db, p, sid, ALICE, &q, &tasks, &total));
    assert_int_equal(0, tasks->nelts);
    assert_int_equal(1, total);
    q.page = 1;
    db->round_trips = 0;
    assert_int_equal(APR_SUCCESS,
                     todo_task_list(db, p, sid, ALICE, &q, &tasks, &total));
    assert_int_equal(1, tasks->nelts);
    assert_int_equal(1, total);
    assert_int_equal(1, db->round_trips);
    assert_int_equal(APR_ENOENT, todo_task_get(db, p, sid, ALICE, other, &got,
                                               todo_result_make(p)));
    /* Another user's session is not Alice's. */
    assert_int_equal(TODO_EAUTH,
                     todo_task_get(db, p, ts_live_session(db, p, BOB), ALICE,
                                   t->id, &got, todo_result_make(p)));

    /* The user disabled: refused, though the session is not revoked. */
    assert_int_equal(
        APR_SUCCESS,
        todo_db_exec(db, p, TODO_SQL_USER_SET_ACTIVE, NULL,
                     TODO_ARGS("0", todo_time_format(p, TS_NOW), ALICE)));
    assert_int_equal(TODO_EAUTH, todo_task_get(db, p, sid, ALICE, t->id, &got,
                                               todo_result_make(p)));
    assert_int_equal(TODO_EAUTH,
                     todo_task_list(db, p, sid, ALICE, &q, &tasks, &total));
    assert_int_equal(
        APR_SUCCESS,
        todo_db_exec(db, p, TODO_SQL_USER_SET_ACTIVE, NULL,
                     TODO_ARGS("1", todo_time_format(p, TS_NOW), ALICE)));
    assert_int_equal(APR_SUCCESS, todo_task_get(db, p, sid, ALICE, t->id, &got,
                                                todo_result_make(p)));

    /* Revoked: refused for a task, a page, an empty page, a filtered
     * one, and a task that does not exist. */
    assert_int_equal(APR_SUCCESS,
                     todo_db_exec(db, p, TODO_SQL_SESSION_REVOKE, NULL,
                                  TODO_ARGS(todo_time_format(p, TS_NOW), sid)));
    assert_int_equal(TODO_EAUTH, todo_task_get(db, p, sid, ALICE, t->id, &got,
                                               todo_result_make(p)));
    assert_int_equal(TODO_EAUTH, todo_task_get(db, p, sid, ALICE, other, &got,
                                               todo_result_make(p)));
    assert_int_equal(TODO_EAUTH,
                     todo_task_list(db, p, sid, ALICE, &q, &tasks, &total));
    q.status = NULL;
    assert_int_equal(TODO_EAUTH,
                     todo_task_list(db, p, sid, ALICE, &q, &tasks, &total));
    q.page = 3;
    assert_int_equal(TODO_EAUTH,
                     todo_task_list(db, p, sid, ALICE, &q, &tasks, &total));
}

/* A user's stored events go with the user: nobody can read them. */
static void test_user_delete_removes_events(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    todo_db_t *db = ts_memdb(p);
    todo_user_input_t uin = {"dave@example.com", "dave", "password1"};
    todo_user_t *dave = NULL;
    apr_array_header_t *events = NULL;

    assert_int_equal(APR_SUCCESS,
                     todo_user_create(db, p, &uin, "$2b$04$x", TS_NOW, &dave,
                                      todo_result_make(p)));
    make(db, p, dave->id, "{\"title\": \"one\"}", TS_NOW);
    make(db, p, BOB, "{\"title\": \"bob's\"}", TS_NOW);
    assert_int_equal(APR_SUCCESS,
                     todo_event_read_after(db, p, dave->id, 0, 10, &events));
    assert_int_equal(1, events->nelts);
    assert_int_equal(APR_SUCCESS,
                     todo_user_delete(db, p, dave->id, todo_result_make(p)));
    assert_int_equal(APR_SUCCESS,
                     todo_event_read_after(db, p, dave->id, 0, 10, &events));
    assert_int_equal(0, events->nelts);
    assert_int_equal(APR_SUCCESS,
                     todo_event_read_after(db, p, BOB, 0, 10, &events));
    assert_int_equal(1, events->nelts);
}

/* What the sink (the event ring, in httpd on SQLite) was given. */
static void to_list(void *ctx, apr_int64_t id, const char *user,
                    const char *payload, apr_size_t len)
{
    apr_array_header_t *got = ctx;

    (void)len;
    APR_ARRAY_PUSH(got, const char *) = apr_psprintf(
        got->pool, "%" APR_INT64_T_FMT " %s %s", id, user, payload);
}

static const char *nth(apr_array_header_t *a, int i)
{
    return i < a->nelts ? APR_ARRAY_IDX(a, i, const char *) : "(none)";
}

static const char *stored(apr_pool_t *p, const todo_task_write_t *w, int i)
{
    const todo_stored_event_t *ev =
        &APR_ARRAY_IDX(w->events, i, todo_stored_event_t);

    return apr_psprintf(p, "%" APR_INT64_T_FMT " %s %s", ev->id, ev->user,
                        ev->payload);
}

/* Every task write stores its event in its own transaction, with the
 * response's text in it, and hands the event back: created (one a task
 * of a bulk), updated, deleted. Once committed the sink has each, in
 * order; a write that fails (412, 404) stores and sends none. */
static void test_every_write_stores_its_event(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    todo_db_t *db = ts_memdb(p);
    apr_array_header_t *got = apr_array_make(p, 8, sizeof(const char *));
    todo_task_input_t in[2], upd;
    todo_task_write_t w = {0}, b = {0}, u = {0}, d = {0}, bad = {0};
    apr_array_header_t *events = NULL;
    apr_int64_t last;

    db->event_sink = to_list;
    db->event_sink_ctx = got;
    in[0] = input(p, "{\"title\": \"one\"}");
    in[1] = input(p, "{\"title\": \"two\"}");
    w.op = TODO_TASK_CREATE;
    w.user_id = ALICE;
    w.in = &in[0];
    w.now = TS_NOW;
    assert_int_equal(APR_SUCCESS, todo_task_write(db, p, &w));
    assert_int_equal(1, w.events->nelts);
    assert_string_equal(todo_task_json_text(p, w.task, &w.len), w.text);
    assert_string_equal(
        apr_pstrcat(p, "{\"type\":\"task.created\",\"task\":", w.text, "}",
                    NULL),
        APR_ARRAY_IDX(w.events, 0, todo_stored_event_t).payload);
    assert_string_equal(stored(p, &w, 0), nth(got, 0));

    b.op = TODO_TASK_CREATE_BULK;
    b.user_id = ALICE;
    b.in = in;
    b.n = 2;
    b.now = TS_NOW + 1;
    assert_int_equal(APR_SUCCESS, todo_task_write(db, p, &b));
    assert_int_equal(2, b.events->nelts);
    assert_non_null(strstr(stored(p, &b, 1), "\"title\":\"two\""));
    assert_string_equal(stored(p, &b, 0), nth(got, 1));
    assert_string_equal(stored(p, &b, 1), nth(got, 2));
    assert_non_null(strstr(b.text, "{\"tasks\":["));

    upd = input(p, "{\"upd\": 1, \"status\": \"completed\"}");
    u.op = TODO_TASK_UPDATE;
    u.user_id = ALICE;
    u.id = w.task->id;
    u.in = &upd;
    u.now = TS_NOW + 2;
    u.res = todo_result_make(p);
    assert_int_equal(APR_SUCCESS, todo_task_write(db, p, &u));
    assert_string_equal(
        apr_pstrcat(p, "{\"type\":\"task.updated\",\"task\":", u.text, "}",
                    NULL),
        APR_ARRAY_IDX(u.events, 0, todo_stored_event_t).payload);
    assert_non_null(strstr(u.text, "\"status\":\"completed\""));
    assert_string_equal(stored(p, &u, 0), nth(got, 3));

    /* A stale If-Match: nothing written, no event. */
    bad = u;
    bad.events = NULL;
    bad.if_match = "\"1-stale\"";
    bad.res = todo_result_make(p);
    assert_int_equal(TODO_EPRECOND, todo_task_write(db, p, &bad));
    bad.op = TODO_TASK_DELETE;
    bad.id = "0192a6e4-0000-7000-8000-00000000dead";
    bad.if_match = NULL;
    assert_int_equal(APR_ENOENT, todo_task_write(db, p, &bad));
    assert_int_equal(4, got->nelts);

    d.op = TODO_TASK_DELETE;
    d.user_id = ALICE;
    d.id = w.task->id;
    d.res = todo_result_make(p);
    assert_int_equal(APR_SUCCESS, todo_task_write(db, p, &d));
    assert_string_equal(
        apr_pstrcat(p,
                    "{\"type\":\"task.deleted\",\"task\":"
                    "{\"id\":\"",
                    w.task->id, "\"}}", NULL),
        APR_ARRAY_IDX(d.events, 0, todo_stored_event_t).payload);
    assert_string_equal(stored(p, &d, 0), nth(got, 4));
    assert_int_equal(5, got->nelts);

    /* All stored, in id order, the ids increasing with each write. */
    assert_int_equal(APR_SUCCESS,
                     todo_event_read_after(db, p, ALICE, 0, 10, &events));
    assert_int_equal(5, events->nelts);
    last = APR_ARRAY_IDX(w.events, 0, todo_stored_event_t).id;
    assert_true(APR_ARRAY_IDX(events, 4, todo_stored_event_t).id
                == APR_ARRAY_IDX(d.events, 0, todo_stored_event_t).id);
    assert_true(APR_ARRAY_IDX(d.events, 0, todo_stored_event_t).id > last + 3);
}

/* The unfiltered total (a counter kept by triggers on SQLite) against a
 * real count(*) after every kind of write, and across the migration that
 * introduced it (existing tasks counted when it is applied). */
static apr_int64_t counted(todo_db_t *db, apr_pool_t *p, const char *user)
{
    apr_int64_t n = -1;

    assert_int_equal(
        APR_SUCCESS,
        todo_db_count(db, p, TODO_SQL_TASK_COUNT, &n, 15,
                      (const char *[]){user, NULL, NULL, NULL, NULL, NULL, NULL,
                                       NULL, NULL, NULL, NULL, NULL, NULL,
                                       ts_live_session(db, p, user), user}));
    return n;
}

static void assert_totals(todo_db_t *db, apr_pool_t *p, apr_int64_t alice,
                          apr_int64_t bob)
{
    apr_int64_t total = -1;

    list(db, p, ALICE, "", &total);
    assert_int_equal(alice, total);
    assert_int_equal(alice, counted(db, p, ALICE));
    list(db, p, BOB, "", &total);
    assert_int_equal(bob, total);
    assert_int_equal(bob, counted(db, p, BOB));
}

static void test_unfiltered_total_follows_every_write(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    todo_db_t *db = ts_memdb(p);
    todo_result_t *res = todo_result_make(p);
    todo_user_input_t uin = {"dave@example.com", "dave", "password1"};
    todo_user_t *dave = NULL;
    todo_task_input_t in[2];
    apr_array_header_t *tasks = NULL;
    apr_int64_t total = -1;
    todo_task_t *t, *t2;
    int applied = 0;

    assert_totals(db, p, 0, 0);
    t = make(db, p, ALICE, "{\"title\": \"a\"}", TS_NOW);
    t2 = make(db, p, ALICE, "{\"title\": \"b\"}", TS_NOW);
    make(db, p, BOB, "{\"title\": \"c\"}", TS_NOW);
    assert_totals(db, p, 2, 1);
    in[0] = input(p, "{\"title\": \"d\"}");
    in[1] = input(p, "{\"title\": \"e\"}");
    assert_int_equal(APR_SUCCESS,
                     create_bulk(db, p, BOB, in, 2, TS_NOW, &tasks));
    assert_totals(db, p, 2, 3);
    assert_int_equal(APR_SUCCESS,
                     todo_task_delete(db, p, ALICE, t->id, NULL, res));
    assert_totals(db, p, 1, 3);
    /* Another user's task is not deleted, and not uncounted. */
    assert_int_equal(APR_ENOENT, todo_task_delete(db, p, BOB, t2->id, NULL,
                                                  todo_result_make(p)));
    assert_totals(db, p, 1, 3);

    /* Back to the schema before the counter, and up again: the tasks that
     * exist then are counted. */
    assert_int_equal(APR_SUCCESS, todo_migrate_down(db, p, 1, &applied));
    assert_int_equal(1, applied);
    assert_int_equal(APR_SUCCESS, todo_migrate_up(db, p, &applied));
    assert_int_equal(1, applied);
    assert_int_equal(APR_SUCCESS, todo_db_prepare_all(db, p));
    assert_totals(db, p, 1, 3);

    /* A user's deletion takes their counter with their tasks. */
    assert_int_equal(APR_SUCCESS, todo_user_create(db, p, &uin, "$2b$04$x",
                                                   TS_NOW, &dave, res));
    make(db, p, dave->id, "{\"title\": \"f\"}", TS_NOW);
    list(db, p, dave->id, "", &total);
    assert_int_equal(1, total);
    assert_int_equal(APR_SUCCESS,
                     todo_user_delete(db, p, dave->id, todo_result_make(p)));
    list(db, p, dave->id, "", &total);
    assert_int_equal(0, total);
}

int test_todo_task_store_run(void)
{
    const struct CMUnitTest tests[] = {
        TS_TEST(test_create_get_and_ownership),
        TS_TEST(test_conditional_writes),
        TS_TEST(test_bulk),
        TS_TEST(test_list_sorts_and_filters),
        TS_TEST(test_user_delete_removes_tasks),
        TS_TEST(test_reads_check_their_session),
        TS_TEST(test_user_delete_removes_events),
        TS_TEST(test_every_write_stores_its_event),
        TS_TEST(test_unfiltered_total_follows_every_write),
    };
    return cmocka_run_group_tests_name("todo_task_store", tests, NULL, NULL);
}
