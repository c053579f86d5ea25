/* Licensed under the Apache License, Version 2.0; see LICENSE. */

/* todo_driver: which driver a database gets, and SQLite's ops on a file
 * of their own (WAL and query_only act differently on :memory:).
 * PostgreSQL's ops run in the integration suite's PostgreSQL pass. */

#include <string.h>

#include <apr_strings.h>

#include "test_common.h"
#include "todo_driver.h"
#include "todo_result.h"
#include "todo_store.h"

/* A fresh, empty SQLite file (an empty file is an empty database). */
static todo_db_t *open_file(apr_pool_t *p, const char *name)
{
    const char *path = ts_write_file(p, name, "", 0, 0600);
    todo_db_t *db = NULL;

    assert_int_equal(APR_SUCCESS, todo_db_open(p, "sqlite3", path, &db));
    return db;
}

/* The first cell of what @a sql returns (a PRAGMA's value), from @a p. */
static const char *first_cell(todo_db_t *db, apr_pool_t *p, const char *sql)
{
    apr_dbd_results_t *res = NULL;
    apr_dbd_row_t *row = NULL;
    const char *v = NULL;

    assert_int_equal(0, apr_dbd_select(db->drv, p, db->h, &res, sql, 1));
    while (0 == apr_dbd_get_row(db->drv, p, res, &row, -1)) {
        if (!v) {
            v = apr_pstrdup(p, apr_dbd_get_entry(db->drv, row, 0));
        }
    }
    assert_non_null(v);
    return v;
}

static void script_ok(todo_db_t *db, apr_pool_t *p, const char *sql)
{
    const char *err = NULL;

    assert_int_equal(APR_SUCCESS, db->driver->script(db, p, sql, &err));
    assert_null(err);
}

/* ---- dispatch ---------------------------------------------------------- */

static void test_open_gets_the_drivers_ops(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    todo_db_t *db = open_file(p, "dispatch.db");

    assert_ptr_equal(&todo_db_driver_sqlite3, db->driver);
    assert_int_equal(TODO_DIALECT_SQLITE3, db->dialect);
    assert_ptr_equal(&todo_db_driver_sqlite3, ts_memdb(p)->driver);
}

static void test_unknown_driver_is_not_implemented(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    const todo_db_driver_t *drv = NULL;
    todo_db_t *db = NULL;

    assert_int_equal(APR_ENOTIMPL, todo_db_driver_find("oracle", &drv));
    assert_int_equal(APR_ENOTIMPL, todo_db_driver_find("", &drv));
    assert_int_equal(APR_ENOTIMPL, todo_db_driver_find(NULL, &drv));
    assert_null(drv);
    assert_int_equal(APR_ENOTIMPL, todo_db_open(p, "oracle", "x", &db));
    assert_null(db);
}

/* By name and by dialect, the same table; each fills what it must. */
static void test_drivers_by_name_and_dialect(void **state)
{
    static const char *const names[TODO_DIALECT_COUNT] = {"sqlite3", "pgsql"};
    int i;

    (void)state;
    for (i = 0; i < TODO_DIALECT_COUNT; ++i) {
        const todo_db_driver_t *drv = NULL;

        assert_int_equal(APR_SUCCESS, todo_db_driver_find(names[i], &drv));
        assert_ptr_equal(drv, todo_db_driver_of((todo_dialect_t)i));
        assert_string_equal(names[i], drv->name);
        assert_int_equal(i, drv->dialect);
        assert_non_null(drv->setup);
        assert_non_null(drv->read_only);
        assert_non_null(drv->session_id);
        assert_non_null(drv->healthy);
        assert_non_null(drv->reset);
        assert_non_null(drv->in_transaction);
        assert_non_null(drv->script);
        /* The optional groups: all or none. */
        assert_true(!drv->control_prepare == !drv->control);
        assert_true(!drv->ping == !drv->listen);
        assert_true(!drv->ping == !drv->socket);
        assert_true(!drv->ping == !drv->consume);
        assert_true(!drv->ping == !drv->notification);
    }
    assert_ptr_equal(&todo_db_driver_pgsql,
                     todo_db_driver_of(TODO_DIALECT_PGSQL));
    /* Both: group commit. SQLite: apr_dbd's transactions, no
     * notifications; PostgreSQL: the reverse. */
    assert_non_null(todo_db_driver_sqlite3.control_prepare);
    assert_null(todo_db_driver_sqlite3.tx);
    assert_null(todo_db_driver_sqlite3.ping);
    assert_non_null(todo_db_driver_pgsql.control_prepare);
    assert_non_null(todo_db_driver_pgsql.tx);
    assert_non_null(todo_db_driver_pgsql.ping);
}

/* ---- SQLite's ops ------------------------------------------------------ */

static void test_sqlite_setup(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    todo_db_t *db = open_file(p, "setup.db");
    todo_db_opts_t normal = {250, TODO_DB_SYNC_NORMAL};
    todo_db_opts_t full = {1000, TODO_DB_SYNC_FULL};

    assert_int_equal(APR_SUCCESS, todo_db_setup(db, &normal));
    assert_string_equal("250", first_cell(db, p, "PRAGMA busy_timeout"));
    assert_string_equal("1", first_cell(db, p, "PRAGMA synchronous"));
    assert_int_equal(APR_SUCCESS, db->driver->setup(db, &full));
    assert_string_equal("1000", first_cell(db, p, "PRAGMA busy_timeout"));
    assert_string_equal("2", first_cell(db, p, "PRAGMA synchronous"));
}

static void test_sqlite_read_only_refuses_a_write(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    const char *path = ts_write_file(p, "readonly.db", "", 0, 0600);
    todo_db_t *db = NULL, *ro = NULL;
    const char *err = NULL;

    assert_int_equal(APR_SUCCESS, todo_db_open(p, "sqlite3", path, &db));
    script_ok(db, p, "CREATE TABLE t (x INTEGER); INSERT INTO t VALUES (1)");
    assert_int_equal(APR_SUCCESS,
                     todo_db_open_ex(p, "sqlite3", path,
                                     TODO_DB_EXISTING | TODO_DB_READONLY, &ro));
    assert_string_equal("1", first_cell(ro, p, "SELECT count(*) FROM t"));
    assert_int_equal(
        TODO_EDB, ro->driver->script(ro, p, "INSERT INTO t VALUES (2)", &err));
    assert_non_null(strstr(err, "readonly"));
    /* Its own op, on a connection that could write until now. */
    assert_int_equal(APR_SUCCESS, db->driver->read_only(db, p));
    err = NULL;
    assert_int_equal(TODO_EDB,
                     db->driver->script(db, p, "DELETE FROM t", &err));
    assert_non_null(err);
    assert_string_equal("1", first_cell(db, p, "SELECT count(*) FROM t"));
}

/* A file has no server session: nothing to lose, nothing to reset. */
static void test_sqlite_session(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    todo_db_t *db = open_file(p, "session.db");

    assert_int_equal(0, db->driver->session_id(db));
    assert_int_equal(0, todo_db_session_id(db));
    assert_true(db->driver->healthy(db));
    assert_int_equal(APR_ENOTIMPL, db->driver->reset(db));
}

/* Every statement of a script runs (apr_dbd_query runs the first only);
 * a failing one says why. */
static void test_sqlite_script(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    todo_db_t *db = open_file(p, "script.db");
    const char *err = NULL;

    script_ok(db, p,
              "CREATE TABLE t (x INTEGER PRIMARY KEY);"
              " INSERT INTO t VALUES (1); INSERT INTO t VALUES (2);");
    assert_string_equal("2", first_cell(db, p, "SELECT count(*) FROM t"));
    assert_int_equal(
        TODO_EDB, db->driver->script(db, p, "INSERT INTO t VALUES (2)", &err));
    assert_non_null(strstr(err, "UNIQUE"));
    assert_int_equal(TODO_EDB, db->driver->script(db, p, "NOT SQL", &err));
    assert_non_null(strstr(err, "syntax error"));
    assert_false(db->driver->in_transaction(db));
    /* Migrations' own transaction, through scripts. */
    script_ok(db, p, "BEGIN IMMEDIATE");
    assert_true(db->driver->in_transaction(db));
    script_ok(db, p, "ROLLBACK");
    assert_false(db->driver->in_transaction(db));
}

static void test_sqlite_post_migrate_makes_wal(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    todo_db_t *db = open_file(p, "wal.db");

    assert_string_equal("delete", first_cell(db, p, "PRAGMA journal_mode"));
    assert_int_equal(APR_SUCCESS, db->driver->post_migrate(db, p));
    assert_string_equal("wal", first_cell(db, p, "PRAGMA journal_mode"));
}

static apr_status_t ctl(todo_db_t *db, todo_db_control_t *c, todo_db_ctl_t w,
                        apr_pool_t *p)
{
    const char *err = NULL;
    apr_status_t rv = db->driver->control(c, w, p, &err);

    assert_true((APR_SUCCESS == rv) == !err);
    return rv;
}

/* The group commit's statements: one transaction, a savepoint per job;
 * a job rolled back to its savepoint leaves the others. */
static void test_sqlite_control_statements(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    todo_db_t *db = open_file(p, "control.db");
    todo_db_control_t *c = NULL;
    const char *err = NULL;

    script_ok(db, p, "CREATE TABLE t (x INTEGER)");
    assert_int_equal(APR_SUCCESS, db->driver->control_prepare(db, p, &c));
    assert_non_null(c);

    assert_int_equal(APR_SUCCESS, ctl(db, c, TODO_DB_CTL_BEGIN, p));
    assert_true(db->driver->in_transaction(db));
    assert_int_equal(APR_SUCCESS, ctl(db, c, TODO_DB_CTL_SAVEPOINT, p));
    script_ok(db, p, "INSERT INTO t VALUES (1)");
    assert_int_equal(APR_SUCCESS, ctl(db, c, TODO_DB_CTL_RELEASE, p));
    assert_int_equal(APR_SUCCESS, ctl(db, c, TODO_DB_CTL_SAVEPOINT, p));
    script_ok(db, p, "INSERT INTO t VALUES (2)");
    assert_int_equal(APR_SUCCESS, ctl(db, c, TODO_DB_CTL_ROLLBACK_TO, p));
    assert_int_equal(APR_SUCCESS, ctl(db, c, TODO_DB_CTL_RELEASE, p));
    assert_true(db->driver->in_transaction(db));
    assert_int_equal(APR_SUCCESS, ctl(db, c, TODO_DB_CTL_COMMIT, p));
    assert_false(db->driver->in_transaction(db));
    assert_string_equal("1", first_cell(db, p, "SELECT count(*) FROM t"));

    /* A rolled-back group stores nothing; the statements run again. */
    assert_int_equal(APR_SUCCESS, ctl(db, c, TODO_DB_CTL_BEGIN, p));
    script_ok(db, p, "INSERT INTO t VALUES (3)");
    assert_int_equal(APR_SUCCESS, ctl(db, c, TODO_DB_CTL_ROLLBACK, p));
    assert_false(db->driver->in_transaction(db));
    assert_string_equal("1", first_cell(db, p, "SELECT count(*) FROM t"));

    /* What a failure says: the statement, SQLite's message and code. */
    assert_int_equal(TODO_EDB,
                     db->driver->control(c, TODO_DB_CTL_COMMIT, p, &err));
    assert_non_null(err);
    assert_int_equal(0, strncmp(err, "COMMIT failed: ", 15));
    assert_non_null(strstr(err, "(1)"));
}

int test_todo_driver_run(void)
{
    const struct CMUnitTest tests[] = {
        TS_TEST(test_open_gets_the_drivers_ops),
        TS_TEST(test_unknown_driver_is_not_implemented),
        TS_TEST(test_drivers_by_name_and_dialect),
        TS_TEST(test_sqlite_setup),
        TS_TEST(test_sqlite_read_only_refuses_a_write),
        TS_TEST(test_sqlite_session),
        TS_TEST(test_sqlite_script),
        TS_TEST(test_sqlite_post_migrate_makes_wal),
        TS_TEST(test_sqlite_control_statements),
    };

    return cmocka_run_group_tests_name("todo_driver", tests, NULL, NULL);
}
