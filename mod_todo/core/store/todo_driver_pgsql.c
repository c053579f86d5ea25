/* Licensed under the Apache License, Version 2.0; see LICENSE. */

/**
 * @file todo_driver_pgsql.c
 * @brief PostgreSQL's driver (todo_driver.h): the backend pid, reconnects,
 * BEGIN/COMMIT/ROLLBACK on libpq (apr_dbd's crash on a broken connection),
 * the group commit's savepoints, and LISTEN/NOTIFY for the realtime
 * bridge, through the native handle.
 * One of the two files that call libpq.
 */

#include <string.h>

#include <apr_strings.h>
#include <libpq-fe.h>

#include "todo_driver.h"
#include "todo_result.h"
#include "todo_store.h"

static PGconn *native(todo_db_t *db)
{
    return apr_dbd_native_handle(db->drv, db->h);
}

/*
 * What every server session of the module's gets (again after a reset):
 * its prepared statements are planned once, generically. Each one reads
 * a user's rows through an index on user_id whatever the values, and
 * PostgreSQL's default, a custom plan whenever the generic one's
 * estimate is higher, planned the task list again on every execution
 * (0.4 ms of planning for 0.2 ms of execution here).
 */
static apr_status_t session_settings(todo_db_t *db)
{
    PGresult *res = PQexec(native(db), "SET plan_cache_mode = "
                                       "force_generic_plan");
    int ok = res && PQresultStatus(res) == PGRES_COMMAND_OK;

    PQclear(res);
    return ok ? APR_SUCCESS : TODO_EDB;
}

static apr_status_t pgsql_setup(todo_db_t *db, const todo_db_opts_t *opts)
{
    (void)opts; /* the options are SQLite's */
    return session_settings(db);
}

static apr_status_t pgsql_read_only(todo_db_t *db, apr_pool_t *p)
{
    static const char *const sql =
        "SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY";
    int nrows = 0, rc = apr_dbd_query(db->drv, db->h, &nrows, sql);

    return rc ? todo_db_failed(db, p, rc, sql) : APR_SUCCESS;
}

/* The backend process: another one after libpq silently reconnected. */
static int pgsql_session_id(todo_db_t *db)
{
    return PQbackendPID(native(db));
}

/* libpq notices a dead server only on I/O: this is what it knows. */
static int pgsql_healthy(todo_db_t *db)
{
    return PQstatus(native(db)) == CONNECTION_OK;
}

static apr_status_t pgsql_reset(todo_db_t *db)
{
    PGconn *conn = native(db);

    PQreset(conn);
    return PQstatus(conn) == CONNECTION_OK ? session_settings(db) : TODO_EDB;
}

/* Run the command @a sql; APR_SUCCESS when it came back with @a tag. */
static apr_status_t command(todo_db_t *db, const char *sql, const char *tag)
{
    PGresult *res = PQexec(native(db), sql);
    int ok = res && PQresultStatus(res) == PGRES_COMMAND_OK
             && !strcmp(PQcmdStatus(res), tag);

    PQclear(res);
    return ok ? APR_SUCCESS : TODO_EDB;
}

/*
 * BEGIN, COMMIT and ROLLBACK run on the libpq handle, not through
 * apr_dbd: its pgsql driver's transaction_start dereferences a NULL
 * transaction when BEGIN comes back with an error result, which is what
 * libpq gives on a broken connection -- any write while PostgreSQL is
 * away would take the process down. Success is the command coming back
 * with its own tag: a COMMIT of a failed transaction says ROLLBACK.
 */
static apr_status_t pgsql_tx(todo_db_t *db, todo_db_tx_t cmd)
{
    static const char *const sql[] = {
        [TODO_DB_TX_BEGIN] = "BEGIN",
        [TODO_DB_TX_COMMIT] = "COMMIT",
        [TODO_DB_TX_ROLLBACK] = "ROLLBACK",
    };

    return command(db, sql[cmd], sql[cmd]);
}

/* ---- group commit: the same commands, and savepoints ---- */

static const char *const control_sql[TODO_DB_CTL_COUNT][2] = {
    [TODO_DB_CTL_BEGIN] = {"BEGIN", "BEGIN"},
    [TODO_DB_CTL_SAVEPOINT] = {"SAVEPOINT todo_job", "SAVEPOINT"},
    [TODO_DB_CTL_RELEASE] = {"RELEASE todo_job", "RELEASE"},
    [TODO_DB_CTL_ROLLBACK_TO] = {"ROLLBACK TO todo_job", "ROLLBACK"},
    [TODO_DB_CTL_COMMIT] = {"COMMIT", "COMMIT"},
    [TODO_DB_CTL_ROLLBACK] = {"ROLLBACK", "ROLLBACK"},
};

/* PostgreSQL has no statement to prepare for these: the connection is
 * all there is (libpq keeps the same PGconn across a reset). */
struct todo_db_control_t {
    todo_db_t *db;
    /* "A; B" for every pair (control_pair()), written once */
    const char *pair[TODO_DB_CTL_COUNT][TODO_DB_CTL_COUNT];
};

static apr_status_t pgsql_control_prepare(todo_db_t *db, apr_pool_t *p,
                                          todo_db_control_t **pctl)
{
    todo_db_control_t *ctl = apr_pcalloc(p, sizeof(*ctl));
    int a, b;

    ctl->db = db;
    for (a = 0; a < TODO_DB_CTL_COUNT; ++a) {
        for (b = 0; b < TODO_DB_CTL_COUNT; ++b) {
            ctl->pair[a][b] = apr_pstrcat(p, control_sql[a][0], "; ",
                                          control_sql[b][0], NULL);
        }
    }
    *pctl = ctl;
    return APR_SUCCESS;
}

static apr_status_t pgsql_control(todo_db_control_t *ctl, todo_db_ctl_t which,
                                  apr_pool_t *p, const char **perr)
{
    apr_status_t rv =
        command(ctl->db, control_sql[which][0], control_sql[which][1]);

    if (APR_SUCCESS != rv) {
        *perr = apr_psprintf(p, "%s failed: %s", control_sql[which][0],
                             PQerrorMessage(native(ctl->db)));
    }
    return rv;
}

static int pgsql_in_transaction(todo_db_t *db)
{
    switch (PQtransactionStatus(native(db))) {
    case PQTRANS_ACTIVE:
    case PQTRANS_INTRANS:
    case PQTRANS_INERROR:
        return 1;
    default:
        return 0;
    }
}

/* apr_dbd's pgsql driver sends the text as it is (PQexec): every
 * statement of a script runs. */
static apr_status_t pgsql_script(todo_db_t *db, apr_pool_t *p, const char *sql,
                                 const char **perr)
{
    int nrows = 0, rc = apr_dbd_query(db->drv, db->h, &nrows, sql);

    if (rc) {
        *perr = apr_pstrdup(p, apr_dbd_error(db->drv, db->h, rc));
        return TODO_EDB;
    }
    return APR_SUCCESS;
}

/* ---- notifications: apr_dbd has no API for them ---- */

static int pgsql_ping(const char *params)
{
    return PQping(params) == PQPING_OK;
}

static apr_status_t pgsql_listen(todo_db_t *db, apr_pool_t *p, const char *sql,
                                 const char **perr)
{
    PGconn *conn = native(db);
    PGresult *res = PQexec(conn, sql);
    int ok = res && PQresultStatus(res) == PGRES_COMMAND_OK;

    PQclear(res);
    if (!ok) {
        *perr = apr_pstrdup(p, PQerrorMessage(conn));
        return TODO_EDB;
    }
    return APR_SUCCESS;
}

static int pgsql_socket(todo_db_t *db)
{
    return PQsocket(native(db));
}

static apr_status_t pgsql_consume(todo_db_t *db)
{
    return PQconsumeInput(native(db)) ? APR_SUCCESS : TODO_EDB;
}

static apr_status_t pgsql_notification(todo_db_t *db, apr_pool_t *p,
                                       const char **ppayload)
{
    PGnotify *note = PQnotifies(native(db));

    if (!note) {
        return APR_ENOENT;
    }
    *ppayload = apr_pstrdup(p, note->extra);
    PQfreemem(note);
    return APR_SUCCESS;
}

/* Two commands in one PQexec: libpq sends them as one query string, the
 * server runs them in turn and stops at the first that fails, and the
 * answer is the last one's (or that failure). */
static apr_status_t pgsql_control_pair(todo_db_control_t *ctl, todo_db_ctl_t a,
                                       todo_db_ctl_t b, apr_pool_t *p,
                                       const char **perr)
{
    const char *sql = ctl->pair[a][b];
    apr_status_t rv = command(ctl->db, sql, control_sql[b][1]);

    if (APR_SUCCESS != rv) {
        *perr = apr_psprintf(p, "%s failed: %s", sql,
                             PQerrorMessage(native(ctl->db)));
    }
    return rv;
}

const todo_db_driver_t todo_db_driver_pgsql = {
    .name = "pgsql",
    .dialect = TODO_DIALECT_PGSQL,
    .setup = pgsql_setup,
    .read_only = pgsql_read_only,
    .session_id = pgsql_session_id,
    .healthy = pgsql_healthy,
    .reset = pgsql_reset,
    .tx = pgsql_tx,
    .in_transaction = pgsql_in_transaction,
    .script = pgsql_script,
    .post_migrate = NULL,
    .control_prepare = pgsql_control_prepare,
    .control = pgsql_control,
    .control_pair = pgsql_control_pair,
    .savepoints_on_failure = 1,
    .ping = pgsql_ping,
    .listen = pgsql_listen,
    .socket = pgsql_socket,
    .consume = pgsql_consume,
    .notification = pgsql_notification,
};
