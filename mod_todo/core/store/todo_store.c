/* Licensed under the Apache License, Version 2.0; see LICENSE. */

#include <string.h>

#include <apr_file_info.h>
#include <apr_strings.h>

#include "todo_log.h"
#include "todo_result.h"
#include "todo_store.h"

const char *const todo_db_synchronous_names[] = {"FULL", "NORMAL", NULL};

apr_status_t todo_db_failed(todo_db_t *db, apr_pool_t *p, int rc,
                            const char *what)
{
    const char *msg = apr_dbd_error(db->drv, db->h, rc);

    todo_log_perror(TODO_LOG_MARK, db->quiet ? TODO_LOG_INFO : TODO_LOG_ERR, 0,
                    p, TODO_LOGNO(00001) "database error in %s: %s (%d)", what,
                    msg ? msg : "unknown", rc);
    return TODO_EDB;
}

static apr_status_t db_close(void *data)
{
    todo_db_t *db = data;
    apr_dbd_close(db->drv, db->h);
    return APR_SUCCESS;
}

const char *todo_db_describe(apr_pool_t *p, todo_dialect_t dialect,
                             const char *params)
{
    const char *pw, *end;

    if (!params || !*params) {
        return "(no DBDParams)";
    }
    if (dialect == TODO_DIALECT_SQLITE3) {
        return params;
    }
    /* A libpq connection string: everything but the password. */
    pw = strstr(params, "password=");
    if (!pw) {
        return params;
    }
    end = pw + strcspn(pw, " \t");
    return apr_pstrcat(p, apr_pstrmemdup(p, params, (apr_size_t)(pw - params)),
                       "password=...", end, NULL);
}

apr_status_t todo_db_open(apr_pool_t *p, const char *driver, const char *params,
                          todo_db_t **pdb)
{
    return todo_db_open_ex(p, driver, params, 0, pdb);
}

apr_status_t todo_db_open_ex(apr_pool_t *p, const char *driver,
                             const char *params, int flags, todo_db_t **pdb)
{
    todo_db_t *db = apr_pcalloc(p, sizeof(*db));
    const char *err = NULL;
    apr_finfo_t fi;
    apr_status_t rv;

    rv = todo_db_driver_find(driver, &db->driver);
    if (APR_SUCCESS != rv) {
        return rv;
    }
    db->dialect = db->driver->dialect;
    /* SQLite makes a missing file when it opens it: look first. */
    if ((flags & TODO_DB_EXISTING) && db->dialect == TODO_DIALECT_SQLITE3
        && strcmp(params, ":memory:")
        && APR_STATUS_IS_ENOENT(apr_stat(&fi, params, APR_FINFO_TYPE, p))) {
        return APR_ENOENT;
    }
    rv = apr_dbd_get_driver(p, driver, &db->drv);
    if (APR_SUCCESS != rv) {
        todo_log_perror(TODO_LOG_MARK, TODO_LOG_ERR, rv, p,
                        TODO_LOGNO(00002) "cannot load apr_dbd driver %s",
                        driver);
        return APR_ENOTIMPL;
    }
    rv = apr_dbd_open_ex(db->drv, p, params, &db->h, &err);
    if (APR_SUCCESS != rv) {
        todo_log_perror(
            TODO_LOG_MARK, TODO_LOG_ERR, 0, p,
            TODO_LOGNO(00003) "cannot open the %s database %s: %s (%s)", driver,
            todo_db_describe(p, db->dialect, params),
            err ? err : "the driver gave no reason",
            db->dialect == TODO_DIALECT_SQLITE3
                ? "does its directory exist, and may httpd's User write "
                  "the directory and the file?"
                : "is the server up, and do DBDParams name it, the "
                  "database and a user that may connect?");
        return TODO_EDB;
    }
    apr_pool_cleanup_register(p, db, db_close, apr_pool_cleanup_null);
    db->prepared = apr_hash_make(p);
    /* Statements prepared again after a reconnect live as long as the
     * connection, not as the request that noticed the break. */
    db->conn_pool = p;
    if (flags & TODO_DB_READONLY) {
        rv = db->driver->read_only(db, p);
        if (APR_SUCCESS != rv) {
            return rv;
        }
    }
    *pdb = db;
    return APR_SUCCESS;
}

apr_status_t todo_db_setup(todo_db_t *db, const todo_db_opts_t *opts)
{
    return db->driver->setup(db, opts);
}

int todo_db_session_id(todo_db_t *db)
{
    return db->driver->session_id(db);
}

/*
 * A PostgreSQL connection that broke (the server restarted) is reset by
 * libpq on the next use, without the server-side prepared statements.
 * For a read outside a transaction: reconnect now, prepare again and
 * retry once, so a restart costs no failed request. Writes are not
 * retried: the first attempt may have committed. APR_SUCCESS if the
 * read may be retried.
 */
static apr_status_t reconnect(todo_db_t *db, apr_pool_t *p)
{
    apr_status_t rv;

    if (db->in_tx || db->driver->healthy(db)) {
        return APR_EAGAIN; /* not a broken connection */
    }
    rv = db->driver->reset(db);
    if (APR_SUCCESS == rv) {
        rv = todo_db_prepare_all(db, db->conn_pool ? db->conn_pool : p);
    }
    return rv;
}

apr_status_t todo_db_prepare_all(todo_db_t *db, apr_pool_t *p)
{
    const todo_sql_stmt_t *stmts;
    int i, n, rc;

    if (db->dialect == TODO_DIALECT_PGSQL) {
        rc = apr_dbd_query(db->drv, db->h, &i, "DEALLOCATE ALL");
        if (rc) {
            return todo_db_failed(db, p, rc, "DEALLOCATE ALL");
        }
    }
    stmts = todo_sql_statements(&n);
    for (i = 0; i < n; ++i) {
        apr_dbd_prepared_t *stmt = NULL;
        const char *sql = stmts[i].sql[db->dialect];
        if (!sql) {
            continue;
        }
        rc = apr_dbd_prepare(db->drv, p, db->h, sql, stmts[i].label, &stmt);
        if (rc) {
            return todo_db_failed(db, p, rc, stmts[i].label);
        }
        apr_hash_set(db->prepared, stmts[i].label, APR_HASH_KEY_STRING, stmt);
    }
    if (db->prepared_in) {
        *db->prepared_in = todo_db_session_id(db);
    }
    return APR_SUCCESS;
}

int todo_db_prepared(const todo_db_t *db, const char *label)
{
    return NULL != apr_hash_get(db->prepared, label, APR_HASH_KEY_STRING);
}

static apr_dbd_prepared_t *statement(todo_db_t *db, apr_pool_t *p,
                                     const char *label)
{
    apr_dbd_prepared_t *stmt =
        apr_hash_get(db->prepared, label, APR_HASH_KEY_STRING);

    if (!stmt) {
        todo_log_perror(TODO_LOG_MARK, TODO_LOG_ERR, 0, p,
                        TODO_LOGNO(00005) "statement %s is not prepared",
                        label);
    }
    return stmt;
}

apr_status_t todo_db_exec(todo_db_t *db, apr_pool_t *p, const char *label,
                          int *pnrows, int nargs, const char **args)
{
    apr_dbd_prepared_t *stmt = statement(db, p, label);
    int nrows = 0, rc, lock = db->write_lock && !db->in_tx;

    if (!stmt) {
        return APR_EGENERAL;
    }
    if (lock) {
        apr_global_mutex_lock(db->write_lock);
    }
    ++db->round_trips;
    rc = apr_dbd_pquery(db->drv, p, db->h, &nrows, stmt, nargs, args);
    if (lock) {
        apr_global_mutex_unlock(db->write_lock);
    }
    if (rc) {
        return todo_db_failed(db, p, rc, label);
    }
    if (pnrows) {
        *pnrows = nrows;
    }
    return APR_SUCCESS;
}

apr_status_t todo_db_select(todo_db_t *db, apr_pool_t *p, const char *label,
                            todo_rows_t **prows, int nargs, const char **args)
{
    apr_dbd_prepared_t *stmt = statement(db, p, label);
    apr_dbd_results_t *res = NULL;
    apr_dbd_row_t *row = NULL;
    apr_array_header_t *cells;
    todo_rows_t *rows;
    int rc, c;

    if (!stmt) {
        return APR_EGENERAL;
    }
    ++db->round_trips;
    rc = apr_dbd_pselect(db->drv, p, db->h, &res, stmt, 1, nargs, args);
    if (rc && APR_SUCCESS == reconnect(db, p)) {
        stmt = statement(db, p, label);
        res = NULL;
        rc = stmt ? apr_dbd_pselect(db->drv, p, db->h, &res, stmt, 1, nargs,
                                    args)
                  : -1;
    }
    if (rc) {
        return todo_db_failed(db, p, rc, label);
    }
    rows = apr_pcalloc(p, sizeof(*rows));
    rows->ncols = apr_dbd_num_cols(db->drv, res);
    cells = apr_array_make(p, 16, sizeof(const char *));
    /* Read to the end always, or the driver keeps the result busy. */
    while (0 == apr_dbd_get_row(db->drv, p, res, &row, -1)) {
        for (c = 0; c < rows->ncols; ++c) {
            char *v = NULL;
            if (APR_SUCCESS
                != apr_dbd_datum_get(db->drv, row, c, APR_DBD_TYPE_STRING,
                                     &v)) {
                v = NULL; /* APR_ENOENT: SQL NULL */
            }
            /* SQLite's driver already copied each row into @a p as it
             * read ahead; PostgreSQL's driver clears its result once the
             * last row has been read, so its values are copied. */
            APR_ARRAY_PUSH(cells, const char *) =
                v && db->dialect != TODO_DIALECT_SQLITE3 ? apr_pstrdup(p, v)
                                                         : v;
        }
        ++rows->nrows;
    }
    rows->cells = (const char **)cells->elts;
    *prows = rows;
    return APR_SUCCESS;
}

apr_status_t todo_db_revive(todo_db_t *db, apr_pool_t *p)
{
    apr_status_t rv = reconnect(db, p);

    return APR_EAGAIN == rv ? APR_SUCCESS : rv;
}

apr_status_t todo_db_begin(todo_db_t *db, apr_pool_t *p, todo_tx_t **ptx)
{
    todo_tx_t *tx = apr_pcalloc(p, sizeof(*tx));
    int rc;

    *ptx = NULL;
    if (db->grouped) {
        /* The group commit's savepoint is this job's transaction. */
        db->in_tx = 1;
        *ptx = tx;
        return APR_SUCCESS;
    }
    if (db->driver->tx) {
        /* PostgreSQL: not apr_dbd's (todo_driver_pgsql.c says why). */
        if (APR_SUCCESS != db->driver->tx(db, TODO_DB_TX_BEGIN)) {
            return todo_db_failed(db, p, -1, "BEGIN");
        }
        tx->native = 1;
        db->in_tx = 1;
        *ptx = tx;
        return APR_SUCCESS;
    }
    if (db->write_lock) {
        apr_global_mutex_lock(db->write_lock);
    }
    rc = apr_dbd_transaction_start(db->drv, p, db->h, &tx->dbd);
    if (rc) {
        /* The driver hands out a transaction even when BEGIN failed. */
        if (tx->dbd) {
            apr_dbd_transaction_end(db->drv, p, tx->dbd);
        }
        if (db->write_lock) {
            apr_global_mutex_unlock(db->write_lock);
        }
        return todo_db_failed(db, p, rc, "BEGIN");
    }
    db->in_tx = 1;
    *ptx = tx;
    return APR_SUCCESS;
}

apr_status_t todo_db_begin_for(todo_db_t *db, apr_pool_t *p, const char *key,
                               todo_tx_t **ptx)
{
    todo_rows_t *rows;
    apr_status_t rv = todo_db_begin(db, p, ptx);

    if (APR_SUCCESS != rv || db->dialect != TODO_DIALECT_PGSQL) {
        return rv;
    }
    /* In a group, jobs run in key order: the previous job may have taken
     * this lock already, and the group's transaction still holds it. */
    if (db->grouped && db->locked_key && !strcmp(db->locked_key, key)) {
        return APR_SUCCESS;
    }
    rv = todo_db_select(db, p, TODO_SQL_LOCK_KEY, &rows, TODO_ARGS(key));
    if (APR_SUCCESS == rv && db->grouped) {
        db->locked_key = key; /* the job's pool outlives its group */
    }
    return rv;
}

apr_status_t todo_db_end(todo_db_t *db, apr_pool_t *p, todo_tx_t *tx,
                         int commit)
{
    apr_status_t rv;
    int rc;

    if (!tx) {
        return TODO_EDB;
    }
    db->in_tx = 0;
    if (tx->native) {
        rv = db->driver->tx(db,
                            commit ? TODO_DB_TX_COMMIT : TODO_DB_TX_ROLLBACK);
        if (APR_SUCCESS != rv && commit) {
            /* Whatever went wrong, leave no transaction open. */
            db->driver->tx(db, TODO_DB_TX_ROLLBACK);
        }
        todo_db_hooks_end(db, 0, commit && APR_SUCCESS == rv);
        if (APR_SUCCESS != rv) {
            return todo_db_failed(db, p, -1, commit ? "COMMIT" : "ROLLBACK");
        }
        return APR_SUCCESS;
    }
    if (!tx->dbd) {
        /* A job of a group commit: the leader commits it with its group,
         * or rolls it back to its savepoint when the job fails. */
        return APR_SUCCESS;
    }
    if (!commit) {
        apr_dbd_transaction_mode_set(db->drv, tx->dbd,
                                     APR_DBD_TRANSACTION_ROLLBACK);
    }
    rc = apr_dbd_transaction_end(db->drv, p, tx->dbd);
    todo_db_hooks_end(db, 0, commit && !rc);
    if (db->write_lock) {
        apr_global_mutex_unlock(db->write_lock);
    }
    if (rc) {
        return todo_db_failed(db, p, rc, commit ? "COMMIT" : "ROLLBACK");
    }
    return APR_SUCCESS;
}

typedef struct {
    todo_db_hook_fn fn;
    void *baton;
} hook_t;

void todo_db_after_commit(todo_db_t *db, apr_pool_t *p, todo_db_hook_fn fn,
                          void *baton)
{
    hook_t *h;

    if (!db->in_tx && !db->grouped) {
        fn(baton);
        return;
    }
    if (!db->after_commit) {
        db->after_commit = apr_array_make(p, 4, sizeof(hook_t));
    }
    h = apr_array_push(db->after_commit);
    h->fn = fn;
    h->baton = baton;
}

int todo_db_hooks_mark(const todo_db_t *db)
{
    return db->after_commit ? db->after_commit->nelts : 0;
}

void todo_db_hooks_end(todo_db_t *db, int mark, int run)
{
    apr_array_header_t *hooks = db->after_commit;
    int i;

    if (!hooks) {
        return;
    }
    for (i = mark; run && i < hooks->nelts; ++i) {
        hook_t *h = &APR_ARRAY_IDX(hooks, i, hook_t);
        h->fn(h->baton);
    }
    if (mark < hooks->nelts) {
        hooks->nelts = mark;
    }
    if (!hooks->nelts) {
        /* Its pool may be gone before the next transaction. */
        db->after_commit = NULL;
    }
}

apr_status_t todo_db_finish(todo_db_t *db, apr_pool_t *p, todo_tx_t *tx,
                            apr_status_t rv)
{
    apr_status_t rv2;

    if (!tx) {
        return rv;
    }
    rv2 = todo_db_end(db, p, tx, APR_SUCCESS == rv);
    return APR_SUCCESS == rv ? rv2 : rv;
}

apr_status_t todo_db_count(todo_db_t *db, apr_pool_t *p, const char *label,
                           apr_int64_t *pcount, int nargs, const char **args)
{
    todo_rows_t *rows;
    apr_status_t rv;

    rv = todo_db_select(db, p, label, &rows, nargs, args);
    if (APR_SUCCESS != rv) {
        return rv;
    }
    if (rows->nrows < 1 || rows->ncols < 1 || !TODO_CELL(rows, 0, 0)) {
        return TODO_EDB;
    }
    *pcount = apr_atoi64(TODO_CELL(rows, 0, 0));
    return APR_SUCCESS;
}
