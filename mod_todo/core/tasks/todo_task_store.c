/* Licensed under the Apache License, Version 2.0; see LICENSE. */

#include <string.h>

#include <apr_strings.h>

#include "todo_event_store.h"
#include "todo_fold.h"
#include "todo_task_columns.h"
#include "todo_task_store.h"
#include "todo_time.h"
#include "todo_uuid.h"

#define NOT_FOUND "Task not found"
#define STALE "Precondition Failed: the task has changed (ETag mismatch)"

static todo_task_t *from_row(apr_pool_t *p, const todo_rows_t *rows, int r)
{
    todo_task_t *t = apr_pcalloc(p, sizeof(*t));

    t->id = TODO_CELL(rows, r, TODO_TASK_COL_ID);
    t->user_id = TODO_CELL(rows, r, TODO_TASK_COL_USER);
    t->title = TODO_CELL(rows, r, TODO_TASK_COL_TITLE);
    t->description = TODO_CELL(rows, r, TODO_TASK_COL_DESCRIPTION);
    t->status = TODO_CELL(rows, r, TODO_TASK_COL_STATUS);
    t->priority = TODO_CELL(rows, r, TODO_TASK_COL_PRIORITY);
    t->due_date = TODO_CELL(rows, r, TODO_TASK_COL_DUE);
    t->created_at = TODO_CELL(rows, r, TODO_TASK_COL_CREATED);
    t->updated_at = TODO_CELL(rows, r, TODO_TASK_COL_UPDATED);
    t->version = apr_atoi64(TODO_CELL(rows, r, TODO_TASK_COL_VERSION));
    return t;
}

static const char *i64(apr_pool_t *p, apr_int64_t v)
{
    return apr_psprintf(p, "%" APR_INT64_T_FMT, v);
}

/* The derived columns every write stores: rank, folded title, search. */
static apr_status_t derived(apr_pool_t *p, const todo_task_t *t,
                            const char **prank, const char **ptitle_fold,
                            const char **psearch)
{
    apr_status_t rv;

    *prank = apr_itoa(p, todo_priority_rank(t->priority));
    rv = todo_fold(p, t->title, strlen(t->title), ptitle_fold);
    if (APR_SUCCESS == rv) {
        rv = todo_task_search_text(p, t, psearch);
    }
    return rv;
}

/* A new task and the values its INSERT binds, all made before the write
 * (in a group commit, outside the shared transaction). */
struct todo_task_row_t {
    todo_task_t *task;
    const char *args[TODO_TASK_NINSERT];
};

static apr_status_t new_row(apr_pool_t *p, const char *user_id,
                            const todo_task_input_t *in, apr_time_t now,
                            todo_task_row_t *row)
{
    todo_task_t *t = apr_pcalloc(p, sizeof(*t));
    const char *rank, *title_fold, *search;
    apr_status_t rv;

    todo_task_init(t, in);
    t->user_id = user_id;
    t->created_at = t->updated_at = todo_time_format(p, now);
    rv = todo_uuid_v7(p, now, &t->id);
    if (APR_SUCCESS == rv) {
        rv = derived(p, t, &rank, &title_fold, &search);
    }
    if (APR_SUCCESS == rv) {
        const char **a = row->args;
        a[TODO_TASK_INS_ID] = t->id;
        a[TODO_TASK_INS_USER] = user_id;
        a[TODO_TASK_INS_TITLE] = t->title;
        a[TODO_TASK_INS_DESCRIPTION] = t->description;
        a[TODO_TASK_INS_STATUS] = t->status;
        a[TODO_TASK_INS_PRIORITY] = t->priority;
        a[TODO_TASK_INS_RANK] = rank;
        a[TODO_TASK_INS_DUE] = t->due_date;
        a[TODO_TASK_INS_TITLE_FOLD] = title_fold;
        a[TODO_TASK_INS_SEARCH] = search;
        a[TODO_TASK_INS_VERSION] = i64(p, t->version);
        a[TODO_TASK_INS_CREATED] = t->created_at;
        a[TODO_TASK_INS_UPDATED] = t->updated_at;
        row->task = t;
    }
    return rv;
}

/* The event of one task write, its payload around the task's text. */
static void add_event(todo_task_write_t *w, apr_pool_t *p, const char *type,
                      const char *text, apr_size_t len)
{
    todo_stored_event_t *ev;

    if (!w->events) {
        w->events = apr_array_make(p, 1, sizeof(todo_stored_event_t));
    }
    ev = apr_array_push(w->events);
    ev->id = 0;
    ev->user = w->user_id;
    ev->payload = todo_event_payload(p, type, text, len, &ev->len);
}

/* Write the events of @a w: the last statements of its transaction. */
static apr_status_t write_events(todo_db_t *db, apr_pool_t *p,
                                 todo_task_write_t *w)
{
    apr_status_t rv = APR_SUCCESS;
    int i;

    for (i = 0; APR_SUCCESS == rv && w->events && i < w->events->nelts; ++i) {
        rv = todo_event_write(
            db, p, &APR_ARRAY_IDX(w->events, i, todo_stored_event_t));
    }
    return rv;
}

/* Store the prepared rows of @a w and their events, in one transaction. */
static apr_status_t insert_rows(todo_db_t *db, apr_pool_t *p,
                                todo_task_write_t *w)
{
    int i, n = w->op == TODO_TASK_CREATE ? 1 : w->n;
    todo_tx_t *tx = NULL;
    apr_status_t rv;

    rv = todo_db_begin_for(db, p, w->user_id, &tx);
    if (APR_SUCCESS == rv && w->op == TODO_TASK_CREATE && w->sid
        && todo_db_prepared(db, TODO_SQL_TASK_INSERT_EVENT)) {
        /* One statement checks the session and stores the task and its
         * event (PostgreSQL). */
        todo_stored_event_t *ev =
            &APR_ARRAY_IDX(w->events, 0, todo_stored_event_t);
        const char *args[TODO_TASK_NINSERT + 3];

        args[0] = w->sid;
        args[1] = w->user_id;
        memcpy(args + 2, w->rows[0].args, sizeof(w->rows[0].args));
        args[TODO_TASK_NINSERT + 2] = ev->payload;
        rv = todo_event_write_with(db, p, ev, TODO_SQL_TASK_INSERT_EVENT,
                                   TODO_TASK_NINSERT + 3, args);
    }
    else {
        for (i = 0; APR_SUCCESS == rv && i < n; ++i) {
            rv = todo_db_exec(db, p, TODO_SQL_TASK_INSERT, NULL,
                              TODO_TASK_NINSERT, w->rows[i].args);
        }
        if (APR_SUCCESS == rv) {
            rv = write_events(db, p, w);
        }
    }
    rv = todo_db_finish(db, p, tx, rv);
    if (APR_SUCCESS != rv) {
        return rv;
    }
    if (w->op == TODO_TASK_CREATE) {
        w->task = w->rows[0].task;
        return APR_SUCCESS;
    }
    w->tasks = apr_array_make(p, w->n, sizeof(todo_task_t *));
    for (i = 0; i < w->n; ++i) {
        APR_ARRAY_PUSH(w->tasks, todo_task_t *) = w->rows[i].task;
    }
    return APR_SUCCESS;
}

apr_status_t todo_task_write_prepare(todo_task_write_t *w, apr_pool_t *p)
{
    apr_status_t rv = APR_SUCCESS;
    int i, n = w->op == TODO_TASK_CREATE ? 1 : w->n;

    if (w->op != TODO_TASK_CREATE && w->op != TODO_TASK_CREATE_BULK) {
        return APR_SUCCESS;
    }
    w->rows = apr_pcalloc(p, (apr_size_t)n * sizeof(*w->rows));
    for (i = 0; APR_SUCCESS == rv && i < n; ++i) {
        /* Distinct, ordered created_at values keep the default sort in
         * submission order. */
        rv = new_row(p, w->user_id, &w->in[i], w->now + i, &w->rows[i]);
    }
    if (APR_SUCCESS != rv) {
        return rv;
    }
    /* The response and the events, from one serialisation. */
    w->events = NULL;
    if (w->op == TODO_TASK_CREATE) {
        w->text = todo_task_json_text(p, w->rows[0].task, &w->len);
        add_event(w, p, TODO_EVENT_CREATED, w->text, w->len);
    }
    else {
        apr_array_header_t *tasks = apr_array_make(p, n, sizeof(todo_task_t *));
        const char **texts;
        apr_size_t *lens;

        for (i = 0; i < n; ++i) {
            APR_ARRAY_PUSH(tasks, todo_task_t *) = w->rows[i].task;
        }
        w->text = todo_task_bulk_json_text(p, tasks, &texts, &lens, &w->len);
        for (i = 0; w->text && i < n; ++i) {
            add_event(w, p, TODO_EVENT_CREATED, texts[i], lens[i]);
        }
    }
    return w->text ? APR_SUCCESS : APR_ENOMEM;
}

/* Read and lock the task for a write, in the write's transaction. */
static apr_status_t get_for_update(todo_db_t *db, apr_pool_t *p,
                                   const char *user_id, const char *id,
                                   todo_task_t **ptask, todo_result_t *res)
{
    todo_rows_t *rows;
    apr_status_t rv;

    rv = todo_db_select(db, p, TODO_SQL_TASK_GET_FOR_UPDATE, &rows,
                        TODO_ARGS(id, user_id));
    if (APR_SUCCESS != rv) {
        return rv;
    }
    if (rows->nrows != 1) {
        return todo_result_fail(res, APR_ENOENT, NOT_FOUND);
    }
    *ptask = from_row(p, rows, 0);
    return APR_SUCCESS;
}

apr_status_t todo_task_get(todo_db_t *db, apr_pool_t *p, const char *sid,
                           const char *user_id, const char *id,
                           todo_task_t **ptask, todo_result_t *res)
{
    todo_rows_t *rows;
    apr_status_t rv;

    rv = todo_db_select(db, p, TODO_SQL_TASK_GET, &rows,
                        TODO_ARGS(sid, user_id, id));
    if (APR_SUCCESS != rv) {
        return rv;
    }
    if (rows->nrows != 1) {
        return TODO_EAUTH;
    }
    if (!TODO_CELL(rows, 0, TODO_TASK_COL_ID)) {
        return todo_result_fail(res, APR_ENOENT, NOT_FOUND);
    }
    *ptask = from_row(p, rows, 0);
    return APR_SUCCESS;
}

/* Read (and lock) the task for a conditional write and check If-Match. */
static apr_status_t read_for_write(todo_db_t *db, apr_pool_t *p,
                                   const char *user_id, const char *id,
                                   const char *if_match, todo_task_t **ptask,
                                   todo_result_t *res)
{
    apr_status_t rv = get_for_update(db, p, user_id, id, ptask, res);

    if (APR_SUCCESS == rv && if_match
        && !todo_etag_matches(if_match, todo_task_etag(p, *ptask), 0)) {
        /* Say which version is current: a client need not GET again. */
        res->etag = todo_task_etag(p, *ptask);
        rv = todo_result_fail(res, TODO_EPRECOND, STALE);
    }
    return rv;
}

static apr_status_t update_tx(todo_db_t *db, apr_pool_t *p,
                              todo_task_write_t *w)
{
    const char *rank, *title_fold, *search;
    todo_tx_t *tx = NULL;
    todo_task_t *t = NULL;
    apr_status_t rv;
    int nrows = 0;

    rv = todo_db_begin_for(db, p, w->user_id, &tx);
    if (APR_SUCCESS == rv) {
        rv = read_for_write(db, p, w->user_id, w->id, w->if_match, &t, w->res);
    }
    if (APR_SUCCESS == rv) {
        todo_task_apply(t, w->in);
        t->updated_at = todo_time_format(p, w->now);
        rv = derived(p, t, &rank, &title_fold, &search);
    }
    if (APR_SUCCESS == rv) {
        rv = todo_db_exec(db, p, TODO_SQL_TASK_UPDATE, &nrows,
                          TODO_ARGS(t->title, t->description, t->status,
                                    t->priority, rank, t->due_date, title_fold,
                                    search, t->updated_at, w->id, w->user_id,
                                    i64(p, t->version)));
    }
    if (APR_SUCCESS == rv && nrows != 1) {
        /* Cannot happen with the row locked; the last guard. */
        rv = todo_result_fail(w->res, TODO_EPRECOND, STALE);
    }
    if (APR_SUCCESS == rv) {
        ++t->version;
        w->events = NULL;
        w->text = todo_task_json_text(p, t, &w->len);
        add_event(w, p, TODO_EVENT_UPDATED, w->text, w->len);
        rv = write_events(db, p, w);
    }
    rv = todo_db_finish(db, p, tx, rv);
    if (APR_SUCCESS == rv) {
        w->task = t;
    }
    return rv;
}

static apr_status_t delete_tx(todo_db_t *db, apr_pool_t *p,
                              todo_task_write_t *w)
{
    todo_tx_t *tx = NULL;
    todo_task_t *t = NULL;
    apr_status_t rv;
    int nrows = 0;

    rv = todo_db_begin_for(db, p, w->user_id, &tx);
    if (APR_SUCCESS == rv) {
        rv = read_for_write(db, p, w->user_id, w->id, w->if_match, &t, w->res);
    }
    if (APR_SUCCESS == rv) {
        rv = todo_db_exec(db, p, TODO_SQL_TASK_DELETE, &nrows,
                          TODO_ARGS(w->id, w->user_id, i64(p, t->version)));
    }
    if (APR_SUCCESS == rv && nrows != 1) {
        rv = todo_result_fail(w->res, TODO_EPRECOND, STALE);
    }
    if (APR_SUCCESS == rv) {
        /* {"id": ...}: the id is a canonical UUID, nothing to escape. */
        const char *text =
            apr_pstrcat(p, "{\"" TODO_KEY_ID "\":\"", t->id, "\"}", NULL);
        w->events = NULL;
        add_event(w, p, TODO_EVENT_DELETED, text, strlen(text));
        rv = write_events(db, p, w);
    }
    return todo_db_finish(db, p, tx, rv);
}

apr_status_t todo_task_update(todo_db_t *db, apr_pool_t *p, const char *user_id,
                              const char *id, const todo_task_input_t *in,
                              const char *if_match, apr_time_t now,
                              todo_task_t **ptask, todo_result_t *res)
{
    todo_task_write_t w = {0};
    apr_status_t rv;

    w.op = TODO_TASK_UPDATE;
    w.user_id = user_id;
    w.id = id;
    w.in = in;
    w.if_match = if_match;
    w.now = now;
    w.res = res;
    rv = update_tx(db, p, &w);
    if (APR_SUCCESS == rv) {
        *ptask = w.task;
    }
    return rv;
}

apr_status_t todo_task_delete(todo_db_t *db, apr_pool_t *p, const char *user_id,
                              const char *id, const char *if_match,
                              todo_result_t *res)
{
    todo_task_write_t w = {0};

    w.op = TODO_TASK_DELETE;
    w.user_id = user_id;
    w.id = id;
    w.if_match = if_match;
    w.res = res;
    return delete_tx(db, p, &w);
}

apr_status_t todo_task_list(todo_db_t *db, apr_pool_t *p, const char *sid,
                            const char *user_id, const todo_task_query_t *q,
                            apr_array_header_t **ptasks, apr_int64_t *ptotal)
{
    const char *completed = q->completed < 0 ? NULL : apr_itoa(p, q->completed);
    const char *value[TODO_TASK_NFILTERS];
    /* The total's arguments (the filter's, or the user alone), the
     * filter's (the user, each filter's value twice), the session's, then
     * LIMIT and OFFSET. */
    const char *args[2 * TODO_TASK_NFILTER_ARGS + 4];
    const char **filter;
    apr_array_header_t *tasks;
    todo_rows_t *rows;
    apr_status_t rv;
    int i, n, filtered = 0;

    value[TODO_TASK_FILTER_STATUS] = q->status;
    value[TODO_TASK_FILTER_COMPLETED] = completed;
    value[TODO_TASK_FILTER_PRIORITY] = q->priority;
    value[TODO_TASK_FILTER_Q] = q->q;
    value[TODO_TASK_FILTER_DUE_BEFORE] = q->due_before;
    value[TODO_TASK_FILTER_DUE_AFTER] = q->due_after;
    for (i = 0; i < TODO_TASK_NFILTERS; ++i) {
        filtered = filtered || value[i];
    }
    n = filtered ? TODO_TASK_NFILTER_ARGS : 1;
    filter = args + n;
    filter[0] = user_id;
    for (i = 0; i < TODO_TASK_NFILTERS; ++i) {
        filter[1 + 2 * i] = filter[2 + 2 * i] = value[i];
    }
    memcpy(args, filter, (apr_size_t)n * sizeof(*args));
    n += TODO_TASK_NFILTER_ARGS;
    args[n++] = sid;
    args[n++] = user_id;
    args[n++] = apr_itoa(p, q->page_size);
    args[n++] = i64(p, (apr_int64_t)(q->page - 1) * q->page_size);
    rv = todo_db_select(db, p,
                        todo_sql_task_list_label(q->sort, q->desc, filtered),
                        &rows, n, args);
    if (APR_SUCCESS != rv) {
        return rv;
    }
    tasks = apr_array_make(p, rows->nrows, sizeof(todo_task_t *));
    for (i = 0; i < rows->nrows; ++i) {
        APR_ARRAY_PUSH(tasks, todo_task_t *) = from_row(p, rows, i);
    }
    *ptasks = tasks;
    if (rows->nrows) {
        /* Each row ends with the total. */
        *ptotal = apr_atoi64(TODO_CELL(rows, 0, TODO_TASK_NCOLS));
    }
    else {
        /* An empty page, or a dead session: the total says which. */
        n = filtered ? TODO_TASK_NFILTER_ARGS : 1;
        args[n] = sid;
        args[n + 1] = user_id;
        rv = todo_db_select(
            db, p, filtered ? TODO_SQL_TASK_COUNT : TODO_SQL_TASK_COUNT_ALL,
            &rows, n + 2, args);
        if (APR_SUCCESS != rv) {
            return rv;
        }
        if (rows->nrows != 1) {
            return TODO_EAUTH;
        }
        *ptotal = apr_atoi64(TODO_CELL(rows, 0, 0));
    }
    return APR_SUCCESS;
}

apr_status_t todo_task_write(todo_db_t *db, apr_pool_t *p, void *baton)
{
    todo_task_write_t *w = baton;

    apr_status_t rv;

    switch (w->op) {
    case TODO_TASK_CREATE:
    case TODO_TASK_CREATE_BULK:
        if (!w->rows && (rv = todo_task_write_prepare(w, p)) != APR_SUCCESS) {
            return rv;
        }
        return insert_rows(db, p, w);
    case TODO_TASK_UPDATE:
        return update_tx(db, p, w);
    case TODO_TASK_DELETE:
        return delete_tx(db, p, w);
    }
    return APR_EINVAL;
}
