/* Licensed under the Apache License, Version 2.0; see LICENSE. */

#include <string.h>

#include <apr_strings.h>

#include "todo_log.h"
#include "todo_migrate.h"
#include "todo_result.h"
#include "todo_store.h"
#include "todo_time.h"

static const char *const create_table_sql =
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    " version INTEGER PRIMARY KEY, name TEXT NOT NULL,"
    " applied_at TEXT NOT NULL)";

/* Held for the whole run so concurrent starters serialise. */
static const char *const pg_lock_sql =
    "SELECT pg_advisory_xact_lock(1953457263)"; /* "todo" */

/* Run a multi-statement script: through the driver, since apr_dbd's
 * SQLite driver would run only the first statement. */
static apr_status_t exec_script(todo_db_t *db, apr_pool_t *p, const char *sql)
{
    const char *err = NULL;
    apr_status_t rv = db->driver->script(db, p, sql, &err);

    if (APR_SUCCESS != rv) {
        todo_log_perror(TODO_LOG_MARK, TODO_LOG_ERR, 0, p,
                        TODO_LOGNO(00006) "migration failed: %s", err);
    }
    return rv;
}

/* Versions applied so far, as a NULL-free array of todo_migration_state_t
 * sorted by version. */
static apr_status_t applied_versions(todo_db_t *db, apr_pool_t *p,
                                     apr_array_header_t **papplied)
{
    apr_dbd_results_t *res = NULL;
    apr_dbd_row_t *row = NULL;
    apr_array_header_t *arr =
        apr_array_make(p, 8, sizeof(todo_migration_state_t));
    int rc;

    rc = apr_dbd_select(db->drv, p, db->h, &res,
                        "SELECT version, name, applied_at FROM "
                        "schema_migrations ORDER BY version",
                        1);
    if (rc) {
        todo_log_perror(TODO_LOG_MARK, TODO_LOG_ERR, 0, p,
                        TODO_LOGNO(00008) "cannot read schema_migrations: %s",
                        apr_dbd_error(db->drv, db->h, rc));
        return TODO_EDB;
    }
    while (0 == apr_dbd_get_row(db->drv, p, res, &row, -1)) {
        todo_migration_state_t *st = apr_array_push(arr);
        st->version = atoi(apr_dbd_get_entry(db->drv, row, 0));
        st->name = apr_pstrdup(p, apr_dbd_get_entry(db->drv, row, 1));
        st->applied_at = apr_pstrdup(p, apr_dbd_get_entry(db->drv, row, 2));
    }
    *papplied = arr;
    return APR_SUCCESS;
}

static const todo_migration_state_t *find_applied(apr_array_header_t *applied,
                                                  int version)
{
    int i;

    for (i = 0; i < applied->nelts; ++i) {
        todo_migration_state_t *st =
            &APR_ARRAY_IDX(applied, i, todo_migration_state_t);
        if (st->version == version) {
            return st;
        }
    }
    return NULL;
}

/* Record or forget one version, with bound parameters. */
static apr_status_t record(todo_db_t *db, apr_pool_t *p,
                           const todo_migration_t *m, int applied)
{
    apr_dbd_prepared_t *stmt = NULL;
    const char *sql = applied ? "INSERT INTO schema_migrations (version, name,"
                                " applied_at) VALUES (%d, %s, %s)"
                              : "DELETE FROM schema_migrations WHERE version"
                                " = %d";
    const char *args[3];
    int rc, nrows = 0;

    args[0] = apr_itoa(p, m->version);
    args[1] = m->name;
    args[2] = todo_time_format(p, apr_time_now());
    rc = apr_dbd_prepare(db->drv, p, db->h, sql, NULL, &stmt);
    if (!rc) {
        rc = apr_dbd_pquery(db->drv, p, db->h, &nrows, stmt, applied ? 3 : 1,
                            args);
    }
    if (rc) {
        todo_log_perror(TODO_LOG_MARK, TODO_LOG_ERR, 0, p,
                        TODO_LOGNO(00009) "cannot record migration %d: %s",
                        m->version, apr_dbd_error(db->drv, db->h, rc));
        return TODO_EDB;
    }
    return APR_SUCCESS;
}

/*
 * Take the write lock first, holding no other lock: SQLite's busy handler
 * then waits for a concurrent migrator instead of failing at once, which
 * it does when a connection tries to upgrade a read lock while another
 * holds the write lock. Only then create the bookkeeping table and read
 * what is applied. @a *pstarted says whether a transaction is open.
 */
static apr_status_t start(todo_db_t *db, apr_pool_t *p, int *pstarted,
                          apr_array_header_t **papplied)
{
    apr_status_t rv;

    rv = exec_script(db, p,
                     db->dialect == TODO_DIALECT_SQLITE3 ? "BEGIN IMMEDIATE"
                                                         : "BEGIN");
    *pstarted = APR_SUCCESS == rv;
    if (APR_SUCCESS == rv && db->dialect == TODO_DIALECT_PGSQL) {
        rv = exec_script(db, p, pg_lock_sql);
    }
    if (APR_SUCCESS == rv) {
        rv = exec_script(db, p, create_table_sql);
    }
    if (APR_SUCCESS == rv) {
        rv = applied_versions(db, p, papplied);
    }
    return rv;
}

/* COMMIT if @a rv is success, else ROLLBACK; returns the final status. */
static apr_status_t finish(todo_db_t *db, apr_pool_t *p, int started,
                           apr_status_t rv)
{
    apr_status_t rv2;

    if (!started) {
        return rv;
    }
    rv2 = exec_script(db, p, APR_SUCCESS == rv ? "COMMIT" : "ROLLBACK");
    return APR_SUCCESS == rv ? rv2 : rv;
}

apr_status_t todo_migrate_up(todo_db_t *db, apr_pool_t *p, int *papplied)
{
    const char *driver = db->driver->name;
    apr_array_header_t *applied;
    apr_status_t rv;
    int i, n = 0, started;

    rv = start(db, p, &started, &applied);
    for (i = 0; APR_SUCCESS == rv && i < todo_migrations_count; ++i) {
        const todo_migration_t *m = &todo_migrations[i];
        if (strcmp(m->driver, driver) || find_applied(applied, m->version)) {
            continue;
        }
        rv = exec_script(db, p, m->up);
        if (APR_SUCCESS == rv) {
            rv = record(db, p, m, 1);
        }
        if (APR_SUCCESS == rv) {
            todo_log_perror(TODO_LOG_MARK, TODO_LOG_NOTICE, 0, p,
                            TODO_LOGNO(00010) "applied migration %04d_%s",
                            m->version, m->name);
            ++n;
        }
    }
    rv = finish(db, p, started, rv);
    if (APR_SUCCESS == rv && db->driver->post_migrate) {
        /* SQLite: WAL mode, which persists in the file. */
        rv = db->driver->post_migrate(db, p);
    }
    if (papplied) {
        *papplied = APR_SUCCESS == rv ? n : 0;
    }
    return rv;
}

static const todo_migration_t *find_migration(const char *driver, int version)
{
    int i;

    for (i = 0; i < todo_migrations_count; ++i) {
        if (!strcmp(todo_migrations[i].driver, driver)
            && todo_migrations[i].version == version) {
            return &todo_migrations[i];
        }
    }
    return NULL;
}

apr_status_t todo_migrate_down(todo_db_t *db, apr_pool_t *p, int steps,
                               int *preverted)
{
    const char *driver = db->driver->name;
    apr_array_header_t *applied = NULL;
    apr_status_t rv;
    int i, n = 0, started;

    rv = start(db, p, &started, &applied);
    for (i = APR_SUCCESS == rv ? applied->nelts - 1 : -1;
         APR_SUCCESS == rv && i >= 0 && n < steps; --i) {
        int version = APR_ARRAY_IDX(applied, i, todo_migration_state_t).version;
        const todo_migration_t *m = find_migration(driver, version);
        if (!m) {
            todo_log_perror(
                TODO_LOG_MARK, TODO_LOG_ERR, 0, p,
                TODO_LOGNO(
                    00011) "applied migration %d is unknown to this build",
                version);
            rv = APR_ENOENT;
            break;
        }
        rv = exec_script(db, p, m->down);
        if (APR_SUCCESS == rv) {
            rv = record(db, p, m, 0);
        }
        if (APR_SUCCESS == rv) {
            todo_log_perror(TODO_LOG_MARK, TODO_LOG_NOTICE, 0, p,
                            TODO_LOGNO(00012) "reverted migration %04d_%s",
                            m->version, m->name);
            ++n;
        }
    }
    rv = finish(db, p, started, rv);
    if (preverted) {
        *preverted = APR_SUCCESS == rv ? n : 0;
    }
    return rv;
}

/* What is applied, read without writing anything: schema_migrations may
 * not exist (a database never migrated), and is not made here. */
static apr_status_t read_applied(todo_db_t *db, apr_pool_t *p,
                                 apr_array_header_t **papplied)
{
    static const char *const exists_sql[TODO_DIALECT_COUNT] = {
        "SELECT count(*) FROM sqlite_master WHERE type = 'table'"
        " AND name = 'schema_migrations'",
        "SELECT count(*) FROM (SELECT to_regclass('schema_migrations') AS t)"
        " AS s WHERE t IS NOT NULL"};
    apr_dbd_results_t *res = NULL;
    apr_dbd_row_t *row = NULL;
    int rc, exists = 0;

    rc = apr_dbd_select(db->drv, p, db->h, &res, exists_sql[db->dialect], 1);
    if (rc) {
        todo_log_perror(TODO_LOG_MARK, TODO_LOG_ERR, 0, p,
                        TODO_LOGNO(00037) "cannot look for schema_migrations: "
                                          "%s",
                        apr_dbd_error(db->drv, db->h, rc));
        return TODO_EDB;
    }
    while (0 == apr_dbd_get_row(db->drv, p, res, &row, -1)) {
        exists = atoi(apr_dbd_get_entry(db->drv, row, 0)) > 0;
    }
    if (!exists) {
        *papplied = apr_array_make(p, 1, sizeof(todo_migration_state_t));
        return APR_SUCCESS;
    }
    return applied_versions(db, p, papplied);
}

apr_status_t todo_migrate_plan_down(todo_db_t *db, apr_pool_t *p, int steps,
                                    apr_array_header_t **pplan)
{
    const char *driver = db->driver->name;
    apr_array_header_t *applied, *plan;
    apr_status_t rv;
    int i;

    rv = read_applied(db, p, &applied);
    if (APR_SUCCESS != rv) {
        return rv;
    }
    plan = apr_array_make(p, 4, sizeof(const todo_migration_t *));
    for (i = applied->nelts - 1; i >= 0 && plan->nelts < steps; --i) {
        int version = APR_ARRAY_IDX(applied, i, todo_migration_state_t).version;
        const todo_migration_t *m = find_migration(driver, version);
        if (!m) {
            return APR_ENOENT;
        }
        APR_ARRAY_PUSH(plan, const todo_migration_t *) = m;
    }
    *pplan = plan;
    return APR_SUCCESS;
}

apr_status_t todo_migrate_status(todo_db_t *db, apr_pool_t *p,
                                 apr_array_header_t **pstates)
{
    const char *driver = db->driver->name;
    apr_array_header_t *applied, *states;
    apr_status_t rv;
    int i;

    rv = read_applied(db, p, &applied);
    if (APR_SUCCESS != rv) {
        return rv;
    }
    states = apr_array_make(p, 8, sizeof(todo_migration_state_t));
    for (i = 0; i < todo_migrations_count; ++i) {
        const todo_migration_t *m = &todo_migrations[i];
        const todo_migration_state_t *done;
        todo_migration_state_t *st;
        if (strcmp(m->driver, driver)) {
            continue;
        }
        done = find_applied(applied, m->version);
        st = apr_array_push(states);
        st->version = m->version;
        st->name = m->name;
        st->applied_at = done ? done->applied_at : NULL;
    }
    *pstates = states;
    return APR_SUCCESS;
}
