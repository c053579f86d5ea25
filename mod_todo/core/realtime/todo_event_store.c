/* Licensed under the Apache License, Version 2.0; see LICENSE. */

#include <string.h>

#include <apr_hash.h>
#include <apr_strings.h>

#include "todo_event_store.h"
#include "todo_result.h"
#include "todo_util.h"

const char *todo_event_payload(apr_pool_t *p, const char *type,
                               const char *task, apr_size_t len,
                               apr_size_t *plen)
{
    static const char head[] = "{\"type\":\"", mid[] = "\",\"task\":";
    apr_size_t tlen = strlen(type);
    apr_size_t n = sizeof(head) - 1 + tlen + sizeof(mid) - 1 + len + 1;
    char *text = apr_palloc(p, n + 1), *o = text;

    memcpy(o, head, sizeof(head) - 1);
    o += sizeof(head) - 1;
    memcpy(o, type, tlen);
    o += tlen;
    memcpy(o, mid, sizeof(mid) - 1);
    o += sizeof(mid) - 1;
    memcpy(o, task, len);
    o += len;
    *o++ = '}';
    *o = '\0';
    *plen = n;
    return text;
}

static const char *i64(apr_pool_t *p, apr_int64_t v)
{
    return apr_psprintf(p, "%" APR_INT64_T_FMT, v);
}

/* An event stored and committed: to the sink the connection had when it
 * was written. */
typedef struct {
    todo_db_event_fn sink;
    void *ctx;
    const todo_stored_event_t *ev;
} committed_t;

static void to_sink(void *baton)
{
    committed_t *c = baton;

    c->sink(c->ctx, c->ev->id, c->ev->user, c->ev->payload, c->ev->len);
}

apr_status_t todo_event_write(todo_db_t *db, apr_pool_t *p,
                              todo_stored_event_t *ev)
{
    return todo_event_write_with(db, p, ev, TODO_SQL_EVENT_INSERT,
                                 TODO_ARGS(ev->user, ev->payload));
}

apr_status_t todo_event_write_with(todo_db_t *db, apr_pool_t *p,
                                   todo_stored_event_t *ev, const char *label,
                                   int nargs, const char **args)
{
    todo_rows_t *rows;
    apr_status_t rv;

    rv = todo_db_select(db, p, label, &rows, nargs, args);
    if (APR_SUCCESS != rv) {
        return rv;
    }
    if (rows->nrows == 0) {
        return TODO_EAUTH; /* its session was not live: nothing written */
    }
    if (rows->nrows != 1 || !TODO_CELL(rows, 0, 0)) {
        return TODO_EDB;
    }
    ev->id = apr_atoi64(TODO_CELL(rows, 0, 0));
    if (db->event_sink) {
        committed_t *c = apr_palloc(p, sizeof(*c));
        c->sink = db->event_sink;
        c->ctx = db->event_sink_ctx;
        c->ev = ev;
        todo_db_after_commit(db, p, to_sink, c);
    }
    return APR_SUCCESS;
}

apr_status_t todo_event_bounds(todo_db_t *db, apr_pool_t *p,
                               apr_int64_t *ppruned, apr_int64_t *plast)
{
    todo_rows_t *rows;
    apr_status_t rv;

    rv = todo_db_select(db, p, TODO_SQL_EVENT_BOUNDS, &rows, TODO_NO_ARGS);
    if (APR_SUCCESS != rv) {
        return rv;
    }
    if (rows->nrows != 1 || rows->ncols != 2 || !TODO_CELL(rows, 0, 0)
        || !TODO_CELL(rows, 0, 1)) {
        return TODO_EDB;
    }
    *ppruned = apr_atoi64(TODO_CELL(rows, 0, 0));
    *plast = apr_atoi64(TODO_CELL(rows, 0, 1));
    if (*plast < *ppruned) {
        *plast = *ppruned; /* everything was pruned */
    }
    return APR_SUCCESS;
}

todo_resume_t todo_event_resume_parse(const char *last, apr_int64_t *pafter)
{
    if (!last) {
        return TODO_RESUME_LIVE;
    }
    return APR_SUCCESS == todo_parse_int64(last, 0, APR_INT64_MAX, pafter)
               ? TODO_RESUME_AFTER
               : TODO_RESUME_RESET;
}

todo_resume_t todo_event_resume_check(apr_int64_t after, apr_int64_t pruned,
                                      apr_int64_t last)
{
    return after < pruned || after > last ? TODO_RESUME_RESET
                                          : TODO_RESUME_AFTER;
}

apr_status_t todo_event_read_after(todo_db_t *db, apr_pool_t *p,
                                   const char *user, apr_int64_t after,
                                   int limit, apr_array_header_t **pevents)
{
    apr_array_header_t *events;
    todo_rows_t *rows;
    apr_status_t rv;
    int i;

    rv = todo_db_select(db, p, TODO_SQL_EVENT_AFTER, &rows,
                        TODO_ARGS(user, i64(p, after), apr_itoa(p, limit)));
    if (APR_SUCCESS != rv) {
        return rv;
    }
    events = apr_array_make(p, rows->nrows, sizeof(todo_stored_event_t));
    for (i = 0; i < rows->nrows; ++i) {
        todo_stored_event_t *ev = apr_array_push(events);
        const char *payload = TODO_CELL(rows, i, 1);
        ev->id = apr_atoi64(TODO_CELL(rows, i, 0));
        ev->user = user;
        ev->payload = payload ? payload : "";
        ev->len = strlen(ev->payload);
    }
    *pevents = events;
    return APR_SUCCESS;
}

apr_status_t todo_event_fetch(todo_db_t *db, apr_pool_t *p,
                              const apr_int64_t *ids, int n,
                              apr_array_header_t **pevents)
{
    apr_array_header_t *events =
        apr_array_make(p, n, sizeof(todo_stored_event_t));
    apr_hash_t *found = apr_hash_make(p);
    todo_rows_t *rows;
    char *list, *o;
    apr_status_t rv;
    int i;

    if (n < 1 || n > TODO_EVENT_PAGE) {
        *pevents = events;
        return n ? APR_EINVAL : APR_SUCCESS;
    }
    /* "[id,id,...]": at most 20 characters an id. */
    o = list = apr_palloc(p, (apr_size_t)n * 21 + 2);
    *o++ = '[';
    for (i = 0; i < n; ++i) {
        o += apr_snprintf(o, 22, i ? ",%" APR_INT64_T_FMT : "%" APR_INT64_T_FMT,
                          ids[i]);
    }
    *o++ = ']';
    *o = '\0';
    rv = todo_db_select(db, p, TODO_SQL_EVENT_FETCH, &rows, TODO_ARGS(list));
    if (APR_SUCCESS != rv) {
        return rv;
    }
    for (i = 0; i < rows->nrows; ++i) {
        todo_stored_event_t *ev = apr_pcalloc(p, sizeof(*ev));
        const char *payload = TODO_CELL(rows, i, 2);
        ev->id = apr_atoi64(TODO_CELL(rows, i, 0));
        ev->user = TODO_CELL(rows, i, 1);
        ev->payload = payload ? payload : "";
        ev->len = strlen(ev->payload);
        apr_hash_set(found, &ev->id, sizeof(ev->id), ev);
    }
    /* In the order asked: the order of the notifications, the commits'. */
    for (i = 0; i < n; ++i) {
        todo_stored_event_t *ev = apr_hash_get(found, &ids[i], sizeof(ids[i]));
        if (ev && ev->user) {
            *(todo_stored_event_t *)apr_array_push(events) = *ev;
        }
    }
    *pevents = events;
    return APR_SUCCESS;
}

apr_status_t todo_event_ids_since(todo_db_t *db, apr_pool_t *p,
                                  apr_int64_t since_ms, int limit,
                                  apr_array_header_t **pids)
{
    apr_array_header_t *ids;
    todo_rows_t *rows;
    apr_status_t rv;
    int i;

    rv = todo_db_select(db, p, TODO_SQL_EVENT_IDS_SINCE, &rows,
                        TODO_ARGS(i64(p, since_ms), apr_itoa(p, limit)));
    if (APR_SUCCESS != rv) {
        return rv;
    }
    ids = apr_array_make(p, rows->nrows, sizeof(apr_int64_t));
    for (i = 0; i < rows->nrows; ++i) {
        APR_ARRAY_PUSH(ids, apr_int64_t) = apr_atoi64(TODO_CELL(rows, i, 0));
    }
    *pids = ids;
    return APR_SUCCESS;
}

apr_status_t todo_event_prune(todo_db_t *db, apr_pool_t *p,
                              apr_int64_t before_ms, int batch, int *pdeleted)
{
    todo_tx_t *tx = NULL;
    apr_status_t rv;
    int n = 0;

    *pdeleted = 0;
    rv = todo_db_begin(db, p, &tx);
    if (APR_SUCCESS == rv) {
        rv = todo_db_exec(db, p, TODO_SQL_EVENT_PRUNE_MARK, NULL,
                          TODO_ARGS(apr_itoa(p, batch), i64(p, before_ms)));
    }
    if (APR_SUCCESS == rv) {
        rv = todo_db_exec(db, p, TODO_SQL_EVENT_PRUNE, &n, TODO_NO_ARGS);
    }
    rv = todo_db_finish(db, p, tx, rv);
    if (APR_SUCCESS == rv) {
        *pdeleted = n;
    }
    return rv;
}
