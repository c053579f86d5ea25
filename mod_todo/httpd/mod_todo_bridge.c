/* Licensed under the Apache License, Version 2.0; see LICENSE. */

/*
 * Realtime events between httpd servers on one PostgreSQL: a write's
 * event is also sent with NOTIFY (after its transaction committed), and
 * in every server one process -- the holder of a lease in shared memory
 * -- LISTENs on its own libpq connection and appends the other servers'
 * events to its server's ring. apr_dbd has no notifications API, hence
 * libpq here; the connection string is the server's DBDParams.
 */

#include <poll.h>
#include <string.h>
#include <unistd.h>

#include <libpq-fe.h>

#include <apr_strings.h>
#include <apr_thread_proc.h>
#include <httpd.h>
#include <http_log.h>

#include "mod_todo_bridge.h"
#include "mod_todo_shared.h"
#include "todo_event_wire.h"
#include "todo_log.h"
#include "todo_sql.h"

APLOG_USE_MODULE(todo);

static volatile int stopping;
static apr_thread_t *listener;
static server_rec *log_server;

void todo_bridge_send(todo_req_t *req, todo_event_kind_t kind, const char *user,
                      const char *payload, apr_size_t len)
{
    apr_array_header_t *msgs;
    todo_rows_t *rows;
    int i;

    if (req->sc->dialect != TODO_DIALECT_PGSQL
        || APR_SUCCESS != todo_req_db(req)) {
        return;
    }
    msgs = todo_wire_encode(req->r->pool, todo_shared_origin(),
                            todo_shared_next_msgid(), kind, user, payload, len);
    for (i = 0; i < msgs->nelts; ++i) {
        apr_status_t rv =
            todo_db_select(req->db, req->r->pool, TODO_SQL_EVENT_NOTIFY, &rows,
                           TODO_ARGS(APR_ARRAY_IDX(msgs, i, const char *)));
        if (APR_SUCCESS != rv) {
            ap_log_rerror(APLOG_MARK, APLOG_WARNING, rv, req->r,
                          TODO_LOGNO(00026) "could not send an event to the "
                                            "other servers");
            return;
        }
    }
}

/* Sleep up to @a ms, waking early when asked to stop. */
static void nap(int ms)
{
    for (; ms > 0 && !stopping; ms -= 100) {
        apr_sleep(apr_time_from_msec(100));
    }
}

static PGconn *listen_on(const char *params, int *pwarned)
{
    PGconn *conn = PQconnectdb(params);
    PGresult *res = NULL;

    if (PQstatus(conn) == CONNECTION_OK) {
        res = PQexec(conn, TODO_SQL_EVENT_LISTEN);
    }
    if (!res || PQresultStatus(res) != PGRES_COMMAND_OK) {
        if (!*pwarned) {
            ap_log_error(APLOG_MARK, APLOG_WARNING, 0, log_server,
                         TODO_LOGNO(00027) "cannot listen for other servers' "
                                           "events (retrying): %s",
                         PQerrorMessage(conn));
            *pwarned = 1;
        }
        PQclear(res);
        PQfinish(conn);
        return NULL;
    }
    PQclear(res);
    *pwarned = 0;
    return conn;
}

static void *APR_THREAD_FUNC listen_loop(apr_thread_t *thread, void *data)
{
    const char *params = data;
    uint32_t me = (uint32_t)getpid();
    uint64_t mine = todo_shared_origin(), origin;
    todo_wire_reasm_t *rs;
    PGconn *conn = NULL;
    apr_pool_t *p, *tmp;
    int warned = 0;

    apr_pool_create(&p, apr_thread_pool_get(thread));
    apr_pool_create(&tmp, p);
    rs = todo_wire_reasm_make(p);
    while (!stopping) {
        struct pollfd pfd;
        PGnotify *n;

        if (!todo_shared_lease(me, apr_time_now())) {
            nap(1000);
            continue;
        }
        if (!conn && !(conn = listen_on(params, &warned))) {
            nap(1000);
            continue;
        }
        pfd.fd = PQsocket(conn);
        pfd.events = POLLIN;
        poll(&pfd, 1, 1000);
        if (!PQconsumeInput(conn)) {
            PQfinish(conn); /* PostgreSQL went away: reconnect */
            conn = NULL;
            continue;
        }
        while ((n = PQnotifies(conn)) != NULL) {
            todo_event_t e;
            if (APR_SUCCESS == todo_wire_take(rs, tmp, n->extra, &origin, &e)
                && origin != mine) {
                todo_shared_publish(e.kind, e.user, e.payload, e.len);
            }
            PQfreemem(n);
            apr_pool_clear(tmp);
        }
    }
    if (conn) {
        PQfinish(conn);
    }
    todo_shared_lease_release(me);
    apr_thread_exit(thread, APR_SUCCESS);
    return NULL;
}

static apr_status_t stop_listener(void *data)
{
    apr_status_t rv;

    (void)data;
    stopping = 1;
    return apr_thread_join(&rv, listener);
}

void todo_bridge_child_init(apr_pool_t *pchild, server_rec *s)
{
    todo_srv_conf_t *sc = todo_srv_conf_get(s);
    apr_status_t rv;

    if (sc->dialect != TODO_DIALECT_PGSQL || !sc->db_params) {
        return;
    }
    log_server = s;
    rv = apr_thread_create(&listener, NULL, listen_loop,
                           apr_pstrdup(pchild, sc->db_params), pchild);
    if (APR_SUCCESS != rv) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, rv, s,
                     TODO_LOGNO(00028) "cannot start the event listener");
        return;
    }
    apr_pool_cleanup_register(pchild, NULL, stop_listener,
                              apr_pool_cleanup_null);
}
