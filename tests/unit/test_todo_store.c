/* Licensed under the Apache License, Version 2.0; see LICENSE. */

/* todo_store (apr_dbd access) and todo_migrate, against ":memory:". */

#include <string.h>

#include <apr_file_info.h>
#include <apr_file_io.h>
#include <apr_strings.h>
#include <apr_global_mutex.h>

#include "test_common.h"
#include "todo_migrate.h"
#include "todo_result.h"
#include "todo_store.h"
#include "todo_time.h"

#define ID1 "0192a6e4-7c2b-7def-8abc-000000000001"
#define ID2 "0192a6e4-7c2b-7def-8abc-000000000002"
#define TS "2016-10-09T02:35:45.000000Z"

static apr_status_t insert_user(todo_db_t *db, apr_pool_t *p, const char *id,
                                const char *email, const char *username,
                                int *pnrows)
{
    return todo_db_exec(db, p, TODO_SQL_USER_INSERT, pnrows,
                        TODO_ARGS(id, email, username, "$2b$04$x", TS, TS));
}

static apr_int64_t user_count(todo_db_t *db, apr_pool_t *p)
{
    apr_int64_t n = -1;

    assert_int_equal(APR_SUCCESS, todo_db_count(db, p, TODO_SQL_USER_COUNT, &n,
                                                TODO_NO_ARGS));
    return n;
}

/* How many embedded migrations exist for SQLite. */
static int sqlite_migrations(void)
{
    int i, n = 0;

    for (i = 0; i < todo_migrations_count; ++i) {
        n += !strcmp(todo_migrations[i].driver, "sqlite3");
    }
    return n;
}

/* --- todo_db_open and friends ------------------------------------------- */

static void test_open_unknown_driver(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    todo_db_t *db = NULL;

    assert_int_equal(APR_ENOTIMPL, todo_db_open(p, "oracle", "x", &db));
    assert_null(db);
}

static void test_open_migrate_prepare(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    todo_db_t *db = ts_memdb(p);
    todo_db_opts_t normal = {50, TODO_DB_SYNC_NORMAL};

    assert_non_null(db->drv);
    assert_non_null(db->h);
    assert_int_equal(TODO_DIALECT_SQLITE3, db->dialect);
    assert_non_null(
        apr_hash_get(db->prepared, TODO_SQL_USER_INSERT, APR_HASH_KEY_STRING));
    assert_int_equal(0, db->in_tx);
    assert_int_equal(APR_SUCCESS, todo_db_setup(db, &normal));
    assert_int_equal(0, user_count(db, p));
}

static void test_select_reads_rows_and_nulls(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    todo_db_t *db = ts_memdb(p);
    todo_rows_t *rows = NULL;

    assert_int_equal(APR_SUCCESS,
                     todo_db_select(db, p, TODO_SQL_PING, &rows, TODO_NO_ARGS));
    assert_int_equal(1, rows->nrows);
    assert_int_equal(1, rows->ncols);
    assert_string_equal("1", TODO_CELL(rows, 0, 0));

    assert_int_equal(APR_SUCCESS,
                     insert_user(db, p, ID1, "a@b.co", "ada", NULL));
    assert_int_equal(APR_SUCCESS,
                     todo_db_exec(db, p, TODO_SQL_SESSION_INSERT, NULL,
                                  TODO_ARGS(ID2, ID1, TS, TS)));
    assert_int_equal(APR_SUCCESS, todo_db_select(db, p, TODO_SQL_SESSION_GET,
                                                 &rows, TODO_ARGS(ID2)));
    assert_int_equal(1, rows->nrows);
    assert_int_equal(6, rows->ncols);
    assert_string_equal(ID1, TODO_CELL(rows, 0, 0));
    assert_string_equal("0", TODO_CELL(rows, 0, 1));
    /* rotated_at and revoked_at are SQL NULL: NULL cells. */
    assert_null(TODO_CELL(rows, 0, 2));
    assert_string_equal(TS, TODO_CELL(rows, 0, 3));
    assert_null(TODO_CELL(rows, 0, 4));

    /* No rows is not an error. */
    assert_int_equal(APR_SUCCESS, todo_db_select(db, p, TODO_SQL_USER_GET,
                                                 &rows, TODO_ARGS(ID2)));
    assert_int_equal(0, rows->nrows);
}

static void test_exec_counts_changed_rows(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    todo_db_t *db = ts_memdb(p);
    int nrows = -1;

    assert_int_equal(APR_SUCCESS,
                     insert_user(db, p, ID1, "a@b.co", "ada", &nrows));
    assert_int_equal(1, nrows);
    /* ON CONFLICT DO NOTHING: the same email changes no row. */
    assert_int_equal(APR_SUCCESS,
                     insert_user(db, p, ID2, "a@b.co", "bob", &nrows));
    assert_int_equal(0, nrows);
    /* Usernames are unique ignoring case. */
    assert_int_equal(APR_SUCCESS,
                     insert_user(db, p, ID2, "c@d.co", "ADA", &nrows));
    assert_int_equal(0, nrows);
    assert_int_equal(1, user_count(db, p));
    assert_int_equal(APR_SUCCESS, todo_db_exec(db, p, TODO_SQL_USER_DELETE,
                                               &nrows, TODO_ARGS(ID2)));
    assert_int_equal(0, nrows);
    assert_int_equal(APR_SUCCESS, todo_db_exec(db, p, TODO_SQL_USER_DELETE,
                                               NULL, TODO_ARGS(ID1)));
    assert_int_equal(0, user_count(db, p));
}

static void test_parameters_are_bound_not_formatted(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    todo_db_t *db = ts_memdb(p);
    const char *evil = "x'); DROP TABLE users; --@b.co";
    todo_rows_t *rows = NULL;

    assert_int_equal(APR_SUCCESS,
                     insert_user(db, p, ID1, evil, "o'hara", NULL));
    assert_int_equal(APR_SUCCESS, todo_db_select(db, p, TODO_SQL_USER_GET,
                                                 &rows, TODO_ARGS(ID1)));
    assert_int_equal(1, rows->nrows);
    assert_string_equal(evil, TODO_CELL(rows, 0, 1));
    assert_string_equal("o'hara", TODO_CELL(rows, 0, 2));
    assert_int_equal(1, user_count(db, p));
}

static void test_unknown_label(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    todo_db_t *db = ts_memdb(p);
    todo_rows_t *rows = NULL;
    apr_int64_t n;

    assert_int_equal(APR_EGENERAL,
                     todo_db_exec(db, p, "no_such_label", NULL, TODO_NO_ARGS));
    assert_int_equal(APR_EGENERAL, todo_db_select(db, p, "no_such_label", &rows,
                                                  TODO_NO_ARGS));
    assert_int_equal(APR_EGENERAL,
                     todo_db_count(db, p, "no_such_label", &n, TODO_NO_ARGS));
}

static void test_count_needs_a_row(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    todo_db_t *db = ts_memdb(p);
    apr_int64_t n = 7;

    /* A statement that returns no row is not a count. */
    assert_int_equal(
        TODO_EDB, todo_db_count(db, p, TODO_SQL_USER_GET, &n, TODO_ARGS(ID1)));
    assert_int_equal(7, n);
}

static void test_transaction_commit_and_rollback(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    todo_db_t *db = ts_memdb(p);
    todo_tx_t *tx = NULL;

    assert_int_equal(APR_SUCCESS, todo_db_begin(db, p, &tx));
    assert_non_null(tx);
    assert_int_equal(1, db->in_tx);
    assert_int_equal(APR_SUCCESS,
                     insert_user(db, p, ID1, "a@b.co", "ada", NULL));
    assert_int_equal(APR_SUCCESS, todo_db_end(db, p, tx, 0));
    assert_int_equal(0, db->in_tx);
    assert_int_equal(0, user_count(db, p));

    assert_int_equal(APR_SUCCESS, todo_db_begin(db, p, &tx));
    assert_int_equal(APR_SUCCESS,
                     insert_user(db, p, ID1, "a@b.co", "ada", NULL));
    assert_int_equal(APR_SUCCESS,
                     insert_user(db, p, ID2, "c@d.co", "bob", NULL));
    assert_int_equal(APR_SUCCESS, todo_db_end(db, p, tx, 1));
    assert_int_equal(2, user_count(db, p));

    assert_int_equal(TODO_EDB, todo_db_end(db, p, NULL, 1));
}

static void count_hook(void *baton)
{
    ++*(int *)baton;
}

typedef struct {
    apr_global_mutex_t *lock;
    int held;
} lock_probe_t;

static void probe_lock(void *baton)
{
    lock_probe_t *lp = baton;

    /* Held by this very thread (a non-recursive mutex), if at all. */
    lp->held = APR_STATUS_IS_EBUSY(apr_global_mutex_trylock(lp->lock));
    if (!lp->held) {
        apr_global_mutex_unlock(lp->lock);
    }
}

/* A hook runs once its transaction committed, before the write lock is
 * released; never for one rolled back; at once outside a transaction. */
static void test_after_commit_hooks(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    todo_db_t *db = ts_memdb(p);
    apr_global_mutex_t *lock = NULL;
    lock_probe_t probe = {NULL, 0};
    todo_tx_t *tx = NULL;
    int ran = 0;

    assert_int_equal(APR_SUCCESS,
                     apr_global_mutex_create(&lock, NULL, APR_LOCK_DEFAULT, p));
    db->write_lock = probe.lock = lock;
    assert_int_equal(APR_SUCCESS, todo_db_begin(db, p, &tx));
    todo_db_after_commit(db, p, probe_lock, &probe);
    todo_db_after_commit(db, p, count_hook, &ran);
    todo_db_after_commit(db, p, count_hook, &ran);
    assert_int_equal(3, todo_db_hooks_mark(db));
    assert_int_equal(0, ran);
    assert_int_equal(APR_SUCCESS, todo_db_end(db, p, tx, 1));
    assert_int_equal(2, ran);
    assert_true(probe.held);
    assert_int_equal(0, todo_db_hooks_mark(db));

    assert_int_equal(APR_SUCCESS, todo_db_begin(db, p, &tx));
    todo_db_after_commit(db, p, count_hook, &ran);
    assert_int_equal(APR_SUCCESS, todo_db_end(db, p, tx, 0));
    assert_int_equal(2, ran);
    assert_int_equal(0, todo_db_hooks_mark(db));

    todo_db_after_commit(db, p, count_hook, &ran);
    assert_int_equal(3, ran);

    /* A savepoint's mark: what came after it can be dropped alone. */
    assert_int_equal(APR_SUCCESS, todo_db_begin(db, p, &tx));
    todo_db_after_commit(db, p, count_hook, &ran);
    todo_db_after_commit(db, p, count_hook, &ran);
    todo_db_hooks_end(db, 1, 0);
    assert_int_equal(1, todo_db_hooks_mark(db));
    assert_int_equal(APR_SUCCESS, todo_db_end(db, p, tx, 1));
    assert_int_equal(4, ran);
    db->write_lock = NULL;
}

static void test_write_lock_is_released(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    todo_db_t *db = ts_memdb(p);
    todo_tx_t *tx = NULL;
    apr_global_mutex_t *lock = NULL;

    assert_int_equal(APR_SUCCESS,
                     apr_global_mutex_create(&lock, NULL, APR_LOCK_DEFAULT, p));
    db->write_lock = lock;
    assert_int_equal(APR_SUCCESS,
                     insert_user(db, p, ID1, "a@b.co", "ada", NULL));
    assert_int_equal(APR_SUCCESS, apr_global_mutex_trylock(lock));
    assert_int_equal(APR_SUCCESS, apr_global_mutex_unlock(lock));

    /* Held for the whole transaction, released by its end; statements
     * inside do not take it again. */
    assert_int_equal(APR_SUCCESS, todo_db_begin(db, p, &tx));
    assert_true(APR_STATUS_IS_EBUSY(apr_global_mutex_trylock(lock)));
    assert_int_equal(APR_SUCCESS,
                     insert_user(db, p, ID2, "c@d.co", "bob", NULL));
    assert_int_equal(APR_SUCCESS, todo_db_end(db, p, tx, 1));
    assert_int_equal(APR_SUCCESS, apr_global_mutex_trylock(lock));
    assert_int_equal(APR_SUCCESS, apr_global_mutex_unlock(lock));
    assert_int_equal(2, user_count(db, p));

    /* A failing statement releases it too. */
    assert_int_equal(APR_SUCCESS, todo_migrate_down(db, p, 1000, NULL));
    assert_int_equal(TODO_EDB, insert_user(db, p, ID1, "e@f.co", "eve", NULL));
    assert_int_equal(APR_SUCCESS, apr_global_mutex_trylock(lock));
    assert_int_equal(APR_SUCCESS, apr_global_mutex_unlock(lock));
    db->write_lock = NULL;
}

static void test_database_error_is_todo_edb(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    todo_db_t *db = ts_memdb(p);
    todo_rows_t *rows = NULL;
    int reverted = -1;

    /* Pull the schema out from under the prepared statements. */
    assert_int_equal(APR_SUCCESS, todo_migrate_down(db, p, 1000, &reverted));
    assert_int_equal(sqlite_migrations(), reverted);
    assert_int_equal(TODO_EDB, insert_user(db, p, ID1, "a@b.co", "ada", NULL));
    assert_int_equal(TODO_EDB, todo_db_select(db, p, TODO_SQL_USER_GET, &rows,
                                              TODO_ARGS(ID1)));
    assert_int_equal(503, todo_result_http(TODO_EDB));
}

/* --- todo_migrate ------------------------------------------------------- */

static void test_migrate_up_is_idempotent(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    todo_db_t *db = ts_memdb(p);
    int applied = -1;

    assert_true(sqlite_migrations() >= 2);
    assert_int_equal(APR_SUCCESS, todo_migrate_up(db, p, &applied));
    assert_int_equal(0, applied);
    assert_int_equal(APR_SUCCESS, todo_migrate_up(db, p, NULL));
}

static void test_migrate_status(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    todo_db_t *db = ts_memdb(p);
    apr_array_header_t *states = NULL;
    int i, prev = 0;

    assert_int_equal(APR_SUCCESS, todo_migrate_status(db, p, &states));
    assert_int_equal(sqlite_migrations(), states->nelts);
    for (i = 0; i < states->nelts; ++i) {
        const todo_migration_state_t *st =
            &APR_ARRAY_IDX(states, i, todo_migration_state_t);
        assert_true(st->version > prev);
        prev = st->version;
        assert_non_null(st->name);
        assert_non_null(st->applied_at);
        assert_int_equal(TODO_TIME_LEN, strlen(st->applied_at) + 1);
    }
}

static void test_migrate_down_and_up_again(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    todo_db_t *db = ts_memdb(p);
    apr_array_header_t *states = NULL;
    int n = -1, total = sqlite_migrations();

    assert_int_equal(APR_SUCCESS, todo_migrate_down(db, p, 1, &n));
    assert_int_equal(1, n);
    assert_int_equal(APR_SUCCESS, todo_migrate_status(db, p, &states));
    assert_non_null(
        APR_ARRAY_IDX(states, 0, todo_migration_state_t).applied_at);
    assert_null(
        APR_ARRAY_IDX(states, total - 1, todo_migration_state_t).applied_at);

    assert_int_equal(APR_SUCCESS, todo_migrate_up(db, p, &n));
    assert_int_equal(1, n);

    /* All the way down (more steps than there are), then all the way up:
     * the schema works again once re-prepared. */
    assert_int_equal(APR_SUCCESS, todo_migrate_down(db, p, 1000, &n));
    assert_int_equal(total, n);
    assert_int_equal(APR_SUCCESS, todo_migrate_down(db, p, 1, &n));
    assert_int_equal(0, n);
    assert_int_equal(APR_SUCCESS, todo_migrate_up(db, p, &n));
    assert_int_equal(total, n);
    assert_int_equal(APR_SUCCESS, todo_db_prepare_all(db, p));
    assert_int_equal(APR_SUCCESS,
                     insert_user(db, p, ID1, "a@b.co", "ada", NULL));
    assert_int_equal(1, user_count(db, p));
}

/* --- read-only and existing-only connections (todoctl) ------------------ */

/* A path in this run's temp dir where no file is. */
static const char *absent_path(apr_pool_t *p, const char *name)
{
    const char *marker = ts_write_file(p, "store.marker", "", 0, 0600);
    const char *path =
        apr_pstrcat(p, apr_pstrndup(p, marker, strrchr(marker, '/') - marker),
                    "/", name, NULL);

    apr_file_remove(path, p);
    return path;
}

static int file_exists(apr_pool_t *p, const char *path)
{
    apr_finfo_t fi;
    return APR_SUCCESS == apr_stat(&fi, path, APR_FINFO_TYPE, p);
}

static void test_open_existing_never_creates(void **state)
{
    apr_pool_t *p = TS_POOL(state), *sub;
    const char *path = absent_path(p, "absent.db");
    todo_db_t *db = NULL;

    assert_int_equal(
        APR_ENOENT, todo_db_open_ex(p, "sqlite3", path, TODO_DB_EXISTING, &db));
    assert_null(db);
    assert_false(file_exists(p, path));
    /* What it prevents: a plain open makes an empty database. */
    apr_pool_create(&sub, p);
    assert_int_equal(APR_SUCCESS, todo_db_open(sub, "sqlite3", path, &db));
    apr_pool_destroy(sub);
    assert_true(file_exists(p, path));
    assert_int_equal(APR_SUCCESS, todo_db_open_ex(p, "sqlite3", path,
                                                  TODO_DB_EXISTING, &db));
    /* PostgreSQL and :memory: name no file. */
    assert_int_equal(APR_SUCCESS, todo_db_open_ex(p, "sqlite3", ":memory:",
                                                  TODO_DB_EXISTING, &db));
}

static void test_open_readonly_reads_and_never_writes(void **state)
{
    apr_pool_t *p = TS_POOL(state), *sub;
    const char *path = absent_path(p, "readonly.db");
    apr_array_header_t *states = NULL;
    todo_rows_t *rows = NULL;
    todo_db_t *db = NULL;
    int i;

    apr_pool_create(&sub, p);
    assert_int_equal(APR_SUCCESS, todo_db_open(sub, "sqlite3", path, &db));
    assert_int_equal(APR_SUCCESS, todo_migrate_up(db, sub, NULL));
    assert_int_equal(APR_SUCCESS, todo_db_prepare_all(db, sub));
    assert_int_equal(APR_SUCCESS,
                     insert_user(db, sub, ID1, "a@b.co", "ada", NULL));
    apr_pool_destroy(sub);

    assert_int_equal(APR_SUCCESS,
                     todo_db_open_ex(p, "sqlite3", path,
                                     TODO_DB_EXISTING | TODO_DB_READONLY, &db));
    assert_int_equal(APR_SUCCESS, todo_migrate_status(db, p, &states));
    for (i = 0; i < states->nelts; ++i) {
        assert_non_null(
            APR_ARRAY_IDX(states, i, todo_migration_state_t).applied_at);
    }
    assert_int_equal(APR_SUCCESS, todo_db_prepare_all(db, p));
    assert_int_equal(APR_SUCCESS, todo_db_select(db, p, TODO_SQL_USER_GET,
                                                 &rows, TODO_ARGS(ID1)));
    assert_int_equal(1, rows->nrows);
    assert_int_equal(TODO_EDB, insert_user(db, p, ID2, "c@d.co", "bob", NULL));
    assert_int_equal(TODO_EDB, todo_migrate_up(db, p, NULL));
    assert_int_equal(1, user_count(db, p));
}

/* status on a database never migrated: every migration pending, and no
 * schema_migrations made (the old status created it, then rolled back,
 * under the database's write lock). */
static void test_migrate_status_writes_nothing(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    apr_array_header_t *states = NULL, *plan = NULL;
    todo_db_t *db = NULL;
    int i;

    assert_int_equal(APR_SUCCESS, todo_db_open_ex(p, "sqlite3", ":memory:",
                                                  TODO_DB_READONLY, &db));
    assert_int_equal(APR_SUCCESS, todo_migrate_status(db, p, &states));
    assert_int_equal(sqlite_migrations(), states->nelts);
    for (i = 0; i < states->nelts; ++i) {
        assert_null(
            APR_ARRAY_IDX(states, i, todo_migration_state_t).applied_at);
    }
    assert_int_equal(APR_SUCCESS, todo_migrate_plan_down(db, p, 5, &plan));
    assert_int_equal(0, plan->nelts);
}

static void test_migrate_plan_down_changes_nothing(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    todo_db_t *db = ts_memdb(p);
    apr_array_header_t *plan = NULL, *states = NULL;
    int i, total = sqlite_migrations();

    assert_int_equal(APR_SUCCESS, todo_migrate_plan_down(db, p, 1, &plan));
    assert_int_equal(1, plan->nelts);
    assert_int_equal(total,
                     APR_ARRAY_IDX(plan, 0, const todo_migration_t *)->version);
    assert_int_equal(APR_SUCCESS, todo_migrate_plan_down(db, p, 1000, &plan));
    assert_int_equal(total, plan->nelts);
    for (i = 0; i < total; ++i) {
        /* Newest first, as todo_migrate_down reverts them. */
        assert_int_equal(
            total - i,
            APR_ARRAY_IDX(plan, i, const todo_migration_t *)->version);
        assert_non_null(APR_ARRAY_IDX(plan, i, const todo_migration_t *)->down);
    }
    assert_int_equal(APR_SUCCESS, todo_migrate_status(db, p, &states));
    assert_non_null(
        APR_ARRAY_IDX(states, total - 1, todo_migration_state_t).applied_at);
}

int test_todo_store_run(void)
{
    const struct CMUnitTest tests[] = {
        TS_TEST(test_open_unknown_driver),
        TS_TEST(test_open_migrate_prepare),
        TS_TEST(test_select_reads_rows_and_nulls),
        TS_TEST(test_exec_counts_changed_rows),
        TS_TEST(test_parameters_are_bound_not_formatted),
        TS_TEST(test_unknown_label),
        TS_TEST(test_count_needs_a_row),
        TS_TEST(test_transaction_commit_and_rollback),
        TS_TEST(test_after_commit_hooks),
        TS_TEST(test_write_lock_is_released),
        TS_TEST(test_database_error_is_todo_edb),
        TS_TEST(test_migrate_up_is_idempotent),
        TS_TEST(test_migrate_status),
        TS_TEST(test_migrate_down_and_up_again),
        TS_TEST(test_open_existing_never_creates),
        TS_TEST(test_open_readonly_reads_and_never_writes),
        TS_TEST(test_migrate_status_writes_nothing),
        TS_TEST(test_migrate_plan_down_changes_nothing),
    };
    return cmocka_run_group_tests_name("todo_store", tests, NULL, NULL);
}
