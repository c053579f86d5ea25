/* Licensed under the Apache License, Version 2.0; see LICENSE. */

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

/* cmocka needs these before its own header. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <apr_dbd.h>
#include <apr_general.h>
#include <apr_strings.h>

#include "todo_migrate.h"
#include "ts_runner.h"

static apr_pool_t *root_pool;
static const char *tmp_dir;

apr_pool_t *ts_root_pool(void)
{
    return root_pool;
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

int ts_run_groups(const char *name, const ts_group_fn *groups, apr_size_t n,
                  void (*at_end)(void))
{
    char *tmpl;
    apr_size_t i;
    int failed = 0;

    if (APR_SUCCESS != apr_initialize()
        || APR_SUCCESS != apr_pool_create(&root_pool, NULL)
        || APR_SUCCESS != apr_dbd_init(root_pool)) {
        fprintf(stderr, "cannot initialise APR\n");
        return 2;
    }
    /* Secret files and the like go into one private directory per run. */
    tmpl = apr_psprintf(root_pool, "/tmp/mod_todo_%s.XXXXXX", name);
    if (!mkdtemp(tmpl)) {
        perror("mkdtemp");
        return 2;
    }
    tmp_dir = tmpl;
    for (i = 0; i < n; ++i) {
        failed += groups[i]();
    }
    if (at_end) {
        at_end();
    }
    nftw(tmp_dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
    apr_pool_destroy(root_pool);
    root_pool = NULL;
    apr_terminate();
    return failed ? 1 : 0;
}
