/* Licensed under the Apache License, Version 2.0; see LICENSE. */

/**
 * @file todoctl.c
 * @brief todoctl, mod_todo's command line, built from the same core:
 * migrations up, down and status.
 *
 *   todoctl -d sqlite3 -p /var/lib/mod_todo/todo.db migrate up|down [N]|status
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <apr_general.h>
#include <apr_getopt.h>
#include <apr_dbd.h>
#include <apr_strings.h>

#include "todo_log.h"
#include "todo_migrate.h"
#include "todo_result.h"
#include "todo_sql.h"
#include "todo_store.h"

static int verbose_level = TODO_LOG_NOTICE;

static int cli_is_level(void *baton, apr_pool_t *p, todo_log_level_t level)
{
    (void)baton;
    (void)p;
    return (int)level <= verbose_level;
}

static void cli_print(const char *file, int line, todo_log_level_t level,
                      apr_status_t rv, void *baton, apr_pool_t *p,
                      const char *msg)
{
    (void)file;
    (void)line;
    (void)rv;
    (void)baton;
    (void)p;
    fprintf(level <= TODO_LOG_WARNING ? stderr : stdout, "%s\n", msg);
}

static void usage(FILE *out)
{
    fprintf(out, "usage: todoctl -d DRIVER -p PARAMS migrate up\n"
                 "       todoctl -d DRIVER -p PARAMS migrate down [STEPS]\n"
                 "       todoctl -d DRIVER -p PARAMS migrate status\n"
                 "       todoctl -d DRIVER statements\n"
                 "\n"
                 "  -d DRIVER   apr_dbd driver, as DBDriver: sqlite3\n"
                 "  -p PARAMS   driver parameters, as DBDParams (SQLite: the "
                 "file)\n"
                 "  -t MS       SQLite busy timeout in milliseconds (default "
                 "5000)\n"
                 "  -q          quiet: errors only\n");
}

static int migrate(todo_db_t *db, apr_pool_t *p, int argc,
                   const char *const *argv)
{
    apr_array_header_t *states;
    apr_status_t rv;
    int i, n = 0;

    if (argc >= 1 && !strcmp(argv[0], "up")) {
        rv = todo_migrate_up(db, p, &n);
        if (APR_SUCCESS == rv) {
            printf("migrate up: %d applied\n", n);
        }
    }
    else if (argc >= 1 && !strcmp(argv[0], "down")) {
        int steps = argc >= 2 ? atoi(argv[1]) : 1;
        if (steps < 1) {
            usage(stderr);
            return 2;
        }
        rv = todo_migrate_down(db, p, steps, &n);
        if (APR_SUCCESS == rv) {
            printf("migrate down: %d reverted\n", n);
        }
    }
    else if (argc >= 1 && !strcmp(argv[0], "status")) {
        rv = todo_migrate_status(db, p, &states);
        for (i = 0; APR_SUCCESS == rv && i < states->nelts; ++i) {
            todo_migration_state_t *st =
                &APR_ARRAY_IDX(states, i, todo_migration_state_t);
            printf("%04d_%-30s %s\n", st->version, st->name,
                   st->applied_at ? st->applied_at : "pending");
        }
    }
    else {
        usage(stderr);
        return 2;
    }
    return APR_SUCCESS == rv ? 0 : 1;
}

/* Print every prepared statement of a dialect: "label<TAB>sql". */
static int statements(const char *driver)
{
    const todo_sql_stmt_t *stmts;
    todo_dialect_t dialect;
    int i, n;

    if (APR_SUCCESS != todo_sql_dialect(driver, &dialect)) {
        fprintf(stderr, "todoctl: driver %s is not supported\n", driver);
        return 1;
    }
    stmts = todo_sql_statements(&n);
    for (i = 0; i < n; ++i) {
        if (stmts[i].sql[dialect]) {
            printf("%s\t%s\n", stmts[i].label, stmts[i].sql[dialect]);
        }
    }
    return 0;
}

int main(int argc, const char *const *argv)
{
    const char *driver = NULL, *params = NULL, *arg;
    todo_db_opts_t opts = {5000, TODO_DB_SYNC_FULL};
    apr_getopt_t *opt;
    apr_pool_t *p;
    todo_db_t *db;
    apr_status_t rv;
    char ch;
    int code;

    apr_app_initialize(&argc, &argv, NULL);
    atexit(apr_terminate);
    apr_pool_create(&p, NULL);
    apr_dbd_init(p);
    todo_log_set(cli_is_level, cli_print, NULL);

    apr_getopt_init(&opt, p, argc, argv);
    while (APR_SUCCESS == (rv = apr_getopt(opt, "d:p:t:qh", &ch, &arg))) {
        switch (ch) {
        case 'd':
            driver = arg;
            break;
        case 'p':
            params = arg;
            break;
        case 't':
            opts.busy_timeout_ms = atoi(arg);
            break;
        case 'q':
            verbose_level = TODO_LOG_ERR;
            break;
        default:
            usage(stdout);
            return 0;
        }
    }
    if (rv == APR_EOF && driver && opt->ind < argc
        && !strcmp(argv[opt->ind], "statements")) {
        return statements(driver);
    }
    if (rv != APR_EOF || !driver || !params || opt->ind >= argc
        || strcmp(argv[opt->ind], "migrate")) {
        usage(stderr);
        return 2;
    }
    rv = todo_db_open(p, driver, params, &db);
    if (APR_ENOTIMPL == rv) {
        fprintf(stderr, "todoctl: driver %s is not supported\n", driver);
        return 1;
    }
    if (APR_SUCCESS == rv) {
        rv = todo_db_setup(db, &opts);
    }
    if (APR_SUCCESS != rv) {
        fprintf(stderr, "todoctl: cannot open the %s database\n", driver);
        return 1;
    }
    code = migrate(db, p, argc - opt->ind - 1, argv + opt->ind + 1);
    apr_pool_destroy(p);
    return code;
}
