/* Licensed under the Apache License, Version 2.0; see LICENSE. */

/*
 * The unit-test runner: one cmocka group per core file. Run it from the
 * repository root (tests/data/ is found relative to it). Set
 * CMOCKA_MESSAGE_OUTPUT=TAP (or XML with CMOCKA_XML_FILE) for CI.
 */

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <apr_dbd.h>
#include <apr_file_io.h>
#include <apr_general.h>
#include <apr_strings.h>

#include "test_common.h"
#include "todo_migrate.h"

static apr_pool_t *root_pool;
static const char *tmp_dir;

int ts_setup(void **state)
{
    apr_pool_t *p = NULL;

    if (APR_SUCCESS != apr_pool_create(&p, root_pool)) {
        return -1;
    }
    *state = p;
    return 0;
}

int ts_teardown(void **state)
{
    apr_pool_destroy(TS_POOL(state));
    return 0;
}

todo_db_t *ts_memdb(apr_pool_t *p)
{
    todo_db_opts_t opts = {1000, TODO_DB_SYNC_FULL};
    todo_db_t *db = NULL;
    int applied = -1;

    assert_int_equal(APR_SUCCESS, todo_db_open(p, "sqlite3", ":memory:", &db));
    assert_non_null(db);
    assert_int_equal(APR_SUCCESS, todo_migrate_up(db, p, &applied));
    assert_true(applied > 0);
    assert_int_equal(APR_SUCCESS, todo_db_setup(db, &opts));
    assert_int_equal(APR_SUCCESS, todo_db_prepare_all(db, p));
    return db;
}

const char *ts_write_file(apr_pool_t *p, const char *name, const void *data,
                          apr_size_t len, int mode)
{
    const char *path = apr_pstrcat(p, tmp_dir, "/", name, NULL);
    FILE *f;

    unlink(path);
    f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(len, fwrite(data, 1, len, f));
    assert_int_equal(0, fclose(f));
    assert_int_equal(0, chmod(path, (mode_t)mode));
    return path;
}

static int remove_entry(const char *path, const struct stat *sb, int flag,
                        struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static void remove_tmp_dir(void)
{
    nftw(tmp_dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* Secret files and the like go into one private directory per run. */
static apr_status_t make_tmp_dir(void)
{
    char *tmpl = apr_pstrdup(root_pool, "/tmp/mod_todo_unit.XXXXXX");

    if (!mkdtemp(tmpl)) {
        return APR_EGENERAL;
    }
    tmp_dir = tmpl;
    return APR_SUCCESS;
}

int main(void)
{
    static int (*const suites[])(void) = {
        test_todo_util_run,         test_todo_time_run,
        test_todo_uuid_run,         test_todo_utf8_run,
        test_todo_result_run,       test_todo_json_run,
        test_todo_validate_run,     test_todo_router_run,
        test_todo_jwt_run,          test_jwt_security_run,
        test_todo_password_run,     test_todo_conf_parse_run,
        test_todo_store_run,        test_todo_user_run,
        test_todo_auth_run,         test_todo_fold_run,
        test_todo_task_run,         test_todo_task_query_run,
        test_todo_task_store_run,   test_todo_ratelimit_run,
        test_todo_metrics_run,      test_todo_events_run,
        test_todo_event_wire_run,   test_todo_openapi_run,
        test_todo_ws_run,           test_todo_writer_run,
        test_todo_stream_admit_run, test_todo_stream_run,
        test_todo_httpd_conf_run,
    };
    apr_size_t i;
    int failed = 0;

    if (APR_SUCCESS != apr_initialize()
        || APR_SUCCESS != apr_pool_create(&root_pool, NULL)
        || APR_SUCCESS != apr_dbd_init(root_pool)
        || APR_SUCCESS != make_tmp_dir()) {
        fprintf(stderr, "cannot initialise APR\n");
        return 2;
    }
    for (i = 0; i < sizeof(suites) / sizeof(suites[0]); ++i) {
        failed += suites[i]();
    }
    remove_tmp_dir();
    apr_pool_destroy(root_pool);
    apr_terminate();
    return failed ? 1 : 0;
}
