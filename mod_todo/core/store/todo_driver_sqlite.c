/* Licensed under the Apache License, Version 2.0; see LICENSE. */

/**
 * @file todo_driver_sqlite.c
 * @brief SQLite's driver (todo_driver.h): the connection settings,
 * query_only, scripts, WAL mode and the group commit's prepared
 * transaction control, through the native handle. One of the two files
 * that call SQLite.
 */

#include <apr_strings.h>
#include <apr_time.h>
#include <sqlite3.h>

#include "todo_driver.h"
#include "todo_log.h"
#include "todo_result.h"
#include "todo_store.h"

static sqlite3 *native(todo_db_t *db)
{
    return apr_dbd_native_handle(db->drv, db->h);
}

static apr_status_t sqlite_setup(todo_db_t *db, const todo_db_opts_t *opts)
{
    sqlite3 *conn = native(db);
    const char *sql;
    char buf[128];

    sqlite3_busy_timeout(conn, opts->busy_timeout_ms);
    /* Returns no row. Not foreign_keys: changing it expires the statements
     * mod_dbd has already prepared (legacy sqlite3_prepare does not
     * re-prepare), so deletes cascade explicitly instead. */
    sql = opts->synchronous == TODO_DB_SYNC_NORMAL ? "PRAGMA synchronous=NORMAL"
                                                   : "PRAGMA synchronous=FULL";
    if (SQLITE_OK != sqlite3_exec(conn, sql, NULL, NULL, NULL)) {
        apr_snprintf(buf, sizeof(buf), "%s", sqlite3_errmsg(conn));
        todo_log_perror(TODO_LOG_MARK, TODO_LOG_ERR, 0, NULL,
                        TODO_LOGNO(00004) "cannot set up SQLite connection: %s",
                        buf);
        return TODO_EDB;
    }
    return APR_SUCCESS;
}

/* PRAGMA query_only returns nothing, but goes to SQLite directly like
 * the other settings. */
static apr_status_t sqlite_read_only(todo_db_t *db, apr_pool_t *p)
{
    static const char *const sql = "PRAGMA query_only = ON";
    int rc = sqlite3_exec(native(db), sql, NULL, NULL, NULL);

    return SQLITE_OK == rc ? APR_SUCCESS : todo_db_failed(db, p, rc, sql);
}

static int sqlite_session_id(todo_db_t *db)
{
    (void)db;
    return 0; /* a file: no server session to lose */
}

static int sqlite_healthy(todo_db_t *db)
{
    (void)db;
    return 1;
}

static apr_status_t sqlite_reset(todo_db_t *db)
{
    (void)db;
    return APR_ENOTIMPL;
}

static int sqlite_in_transaction(todo_db_t *db)
{
    return !sqlite3_get_autocommit(native(db));
}

/* sqlite3_exec runs every statement of a script (apr_dbd_query would run
 * only the first). */
static apr_status_t sqlite_script(todo_db_t *db, apr_pool_t *p, const char *sql,
                                  const char **perr)
{
    char *err = NULL;
    int rc = sqlite3_exec(native(db), sql, NULL, NULL, &err);

    if (SQLITE_OK != rc) {
        *perr = apr_pstrdup(p, err ? err : "unknown error");
        sqlite3_free(err);
        return TODO_EDB;
    }
    return APR_SUCCESS;
}

/* WAL persists in the file; it must be set outside a transaction and
 * returns a row, so it goes through the native handle. Switching needs an
 * exclusive lock that SQLite will not wait for while another connection
 * is mid-upgrade, so retry for a while before giving up. */
static apr_status_t sqlite_post_migrate(todo_db_t *db, apr_pool_t *p)
{
    sqlite3 *conn = native(db);
    int i, rc = SQLITE_BUSY;

    for (i = 0; i < 100 && rc != SQLITE_OK; ++i) {
        rc = sqlite3_exec(conn, "PRAGMA journal_mode=WAL", NULL, NULL, NULL);
        if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED) {
            apr_sleep(apr_time_from_msec(50));
        }
        else if (rc != SQLITE_OK) {
            break;
        }
    }
    if (rc != SQLITE_OK) {
        todo_log_perror(TODO_LOG_MARK, TODO_LOG_ERR, 0, p,
                        TODO_LOGNO(00020) "cannot switch to WAL mode: %s",
                        sqlite3_errmsg(conn));
        return TODO_EDB;
    }
    return APR_SUCCESS;
}

/* ---- group commit ---- */

static const char *const control_sql[TODO_DB_CTL_COUNT] = {
    [TODO_DB_CTL_BEGIN] = "BEGIN IMMEDIATE",
    [TODO_DB_CTL_SAVEPOINT] = "SAVEPOINT todo_job",
    [TODO_DB_CTL_RELEASE] = "RELEASE todo_job",
    [TODO_DB_CTL_ROLLBACK_TO] = "ROLLBACK TO todo_job",
    [TODO_DB_CTL_COMMIT] = "COMMIT",
    [TODO_DB_CTL_ROLLBACK] = "ROLLBACK",
};

struct todo_db_control_t {
    sqlite3 *conn;
    sqlite3_stmt *stmt[TODO_DB_CTL_COUNT];
};

static apr_status_t control_finalize(void *data)
{
    todo_db_control_t *ctl = data;
    int i;

    for (i = 0; i < TODO_DB_CTL_COUNT; ++i) {
        sqlite3_finalize(ctl->stmt[i]);
        ctl->stmt[i] = NULL;
    }
    return APR_SUCCESS;
}

static apr_status_t sqlite_control_prepare(todo_db_t *db, apr_pool_t *p,
                                           todo_db_control_t **pctl)
{
    todo_db_control_t *ctl = apr_pcalloc(p, sizeof(*ctl));
    int i;

    ctl->conn = native(db);
    /* Registered after the connection's own cleanup: runs before it. */
    apr_pool_cleanup_register(p, ctl, control_finalize, apr_pool_cleanup_null);
    for (i = 0; i < TODO_DB_CTL_COUNT; ++i) {
        if (SQLITE_OK
            != sqlite3_prepare_v3(ctl->conn, control_sql[i], -1,
                                  SQLITE_PREPARE_PERSISTENT, &ctl->stmt[i],
                                  NULL)) {
            return TODO_EDB;
        }
    }
    *pctl = ctl;
    return APR_SUCCESS;
}

/*
 * Transaction control goes to SQLite directly, outside apr_dbd: its
 * driver holds one process-wide mutex during every call, and a COMMIT
 * waits for an fsync, which would stall every reading thread of the
 * process. Only the group's leader uses this connection, one thread at a
 * time.
 */
static apr_status_t sqlite_control(todo_db_control_t *ctl, todo_db_ctl_t which,
                                   apr_pool_t *p, const char **perr)
{
    sqlite3_stmt *stmt = ctl->stmt[which];
    int rc = sqlite3_step(stmt);

    sqlite3_reset(stmt);
    if (SQLITE_DONE != rc) {
        *perr = apr_psprintf(p, "%s failed: %s (%d)", control_sql[which],
                             sqlite3_errmsg(ctl->conn), rc);
        return TODO_EDB;
    }
    return APR_SUCCESS;
}

const todo_db_driver_t todo_db_driver_sqlite3 = {
    .name = "sqlite3",
    .dialect = TODO_DIALECT_SQLITE3,
    .setup = sqlite_setup,
    .read_only = sqlite_read_only,
    .session_id = sqlite_session_id,
    .healthy = sqlite_healthy,
    .reset = sqlite_reset,
    .tx = NULL, /* apr_dbd's (BEGIN IMMEDIATE) */
    .in_transaction = sqlite_in_transaction,
    .script = sqlite_script,
    .post_migrate = sqlite_post_migrate,
    .control_prepare = sqlite_control_prepare,
    .control = sqlite_control,
    /* No notifications: one server, whose processes share the ring. */
};
