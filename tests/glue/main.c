/* Licensed under the Apache License, Version 2.0; see LICENSE. */

/*
 * The runner of the glue's unit tests: one cmocka group per glue file,
 * linked against the httpd stubs of stub.c. Run it from the repository
 * root. Set CMOCKA_MESSAGE_OUTPUT=TAP (or XML with CMOCKA_XML_FILE) for
 * CI.
 */

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <apr_dbd.h>
#include <apr_general.h>
#include <apr_strings.h>

#include "mod_todo_shared.h"
#include "test_glue.h"
#include "todo_json.h"
#include "todo_migrate.h"

static apr_pool_t *root_pool;
static const char *tmp_dir;

int ts_setup(void **state)
{
    ts_fixture_t *fx;
    apr_pool_t *p = NULL;

    stub_reset();
    if (APR_SUCCESS != apr_pool_create(&p, root_pool)) {
        return -1;
    }
    fx = apr_pcalloc(p, sizeof(*fx));
    fx->p = p;
    fx->s = stub_server(p);
    /* The segment goes with the test's pool (its process pool). */
    if (todo_shared_post_config(fx->s, TS_BACKLOG)) {
        apr_pool_destroy(p);
        return -1;
    }
    *state = fx;
    return 0;
}

int ts_teardown(void **state)
{
    apr_pool_destroy(TS_POOL(state));
    return 0;
}

todo_db_t *ts_memdb(apr_pool_t *p)
{
    todo_db_t *db = NULL;
    int applied = -1;

    assert_int_equal(APR_SUCCESS, todo_db_open(p, "sqlite3", ":memory:", &db));
    assert_non_null(db);
    assert_int_equal(APR_SUCCESS, todo_migrate_up(db, p, &applied));
    assert_true(applied > 0);
    assert_int_equal(APR_SUCCESS, todo_db_prepare_all(db, p));
    return db;
}

json_t *ts_response_json(request_rec *r)
{
    apr_size_t len;
    const char *body = stub_response(r, &len);
    json_error_t err;
    json_t *j = json_loadb(body, len, 0, &err);

    if (!j) {
        fail_msg("response is not JSON (%s): %s", err.text, body);
    }
    return todo_json_pool_own(r->pool, j);
}

const char *ts_detail(request_rec *r)
{
    const char *detail =
        json_string_value(json_object_get(ts_response_json(r), "detail"));

    if (!detail) {
        fail_msg("no \"detail\" string in %s", stub_response(r, NULL));
    }
    return detail;
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

static apr_status_t make_tmp_dir(void)
{
    char *tmpl = apr_pstrdup(root_pool, "/tmp/mod_todo_glue.XXXXXX");

    if (!mkdtemp(tmpl)) {
        return APR_EGENERAL;
    }
    tmp_dir = tmpl;
    return APR_SUCCESS;
}

int main(void)
{
    static int (*const groups[])(void) = {
        test_glue_config_run,
        test_glue_shared_run,
        test_glue_http_run,
        test_glue_handler_run,
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
    for (i = 0; i < sizeof(groups) / sizeof(groups[0]); ++i) {
        failed += groups[i]();
    }
    nftw(tmp_dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
    stub_terminate();
    apr_pool_destroy(root_pool);
    apr_terminate();
    return failed ? 1 : 0;
}
