/* Licensed under the Apache License, Version 2.0; see LICENSE. */

/**
 * @file todoctl.c
 * @brief todoctl, mod_todo's command line, built from the same core:
 * migrations, and the administrator's user commands (list, disable,
 * enable, password, revoke), on the database the Apache configuration
 * names.
 *
 *   todoctl [-f FILE | -d DRIVER -p PARAMS] [-q] COMMAND ...
 *
 * usage() is the reference; man/todoctl.1 and docs/todoctl.md say the
 * same at more length (test_951 checks that they name every command).
 */

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <apr_dbd.h>
#include <apr_file_info.h>
#include <apr_general.h>
#include <apr_getopt.h>
#include <apr_strings.h>
#include <openssl/crypto.h>

#include "todo_auth.h"
#include "todo_conf_parse.h"
#include "todo_httpd_conf.h"
#include "todo_json.h"
#include "todo_log.h"
#include "todo_migrate.h"
#include "todo_password.h"
#include "todo_result.h"
#include "todo_sql.h"
#include "todo_store.h"
#include "todo_user.h"
#include "todo_validate.h"
#include "todo_version.h"

/* Read when no -f, -d or -p is given and it exists; TODOCTL_CONF names
 * another. */
#define DEFAULT_CONF "/etc/mod_todo/todo-api.conf"

/* What a revocation means, said once. */
#define REVOKED_MEANS                                                          \
    "their tokens are refused from now on, their live event streams end "      \
    "at their next heartbeat"

typedef struct ctl_t {
    apr_pool_t *p;
    int quiet;
    int json;              /* --json */
    int yes;               /* --yes */
    const char *conf_file; /* -f, or the default */
    const char *driver, *driver_from;
    const char *params, *params_from;
    int bcrypt_cost;
    const char *cost_from;
    todo_db_opts_t opts;
    todo_db_t *db;
} ctl_t;

static int log_level = TODO_LOG_NOTICE;

static int cli_is_level(void *baton, apr_pool_t *p, todo_log_level_t level)
{
    (void)baton;
    (void)p;
    return (int)level <= log_level;
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
    fputs(
        "usage: todoctl [OPTIONS] COMMAND [ARGUMENTS]\n"
        "\n"
        "commands:\n"
        "  migrate up               apply every pending migration\n"
        "  migrate down [N] --yes   revert the N newest migrations (default "
        "1),\n"
        "                           dropping their tables and data; without\n"
        "                           --yes, only say what would go\n"
        "  migrate status           each migration and when it was applied "
        "(read only)\n"
        "  user list [--json]       every user: id, username, email, active,\n"
        "                           created (read only)\n"
        "  user disable USER        USER can no longer log in; every session "
        "of\n"
        "                           theirs is revoked\n"
        "  user enable USER         USER may log in again\n"
        "  user password USER       set USER's password: the first line of\n"
        "                           standard input, or asked twice on a "
        "terminal;\n"
        "                           every session of theirs is revoked\n"
        "  user revoke USER         revoke every session of USER (they may log "
        "in\n"
        "                           again)\n"
        "  config                   the database settings todoctl would use, "
        "and\n"
        "                           where each comes from\n"
        "  statements               every SQL statement of the driver\n"
        "  help                     this text\n"
        "\n"
        "  USER is an id, a username or an email (any case).\n"
        "\n"
        "options:\n"
        "  -f FILE     read DBDriver, DBDParams and TodoBcryptCost from an "
        "httpd\n"
        "              configuration file and the files it includes, e.g.\n"
        "              /etc/apache2/apache2.conf (the main server's values)\n"
        "  -d DRIVER   the apr_dbd driver, as DBDriver: sqlite3 or pgsql\n"
        "  -p PARAMS   its parameters, as DBDParams: the SQLite database "
        "file, or\n"
        "              a libpq connection string\n"
        "  -t MS       SQLite: how long to wait for a lock (default 5000)\n"
        "  -q          quiet: print nothing but errors (queries still print\n"
        "              what they were asked for)\n"
        "  -h, --help  this text\n"
        "  --version   print todoctl's version\n"
        "\n"
        "Without -f, -d and -p, todoctl reads " DEFAULT_CONF "\n"
        "(or the file $TODOCTL_CONF names). -d and -p override what -f "
        "reads.\n"
        "Exit status: 0 done, 1 failed, 2 wrong usage.\n",
        out);
}

static int failed(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int failed(const char *fmt, ...)
{
    va_list ap;

    fputs("todoctl: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return 1;
}

static int usage_error(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));
static int usage_error(const char *fmt, ...)
{
    va_list ap;

    fputs("todoctl: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputs("\n\n", stderr);
    usage(stderr);
    return 2;
}

/* A success message: not with -q. */
static void say(const ctl_t *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void say(const ctl_t *c, const char *fmt, ...)
{
    va_list ap;

    if (c->quiet) {
        return;
    }
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    putchar('\n');
}

static const char *where(apr_pool_t *p, const todo_httpd_setting_t *s)
{
    return apr_psprintf(p, "%s:%d", s->file, s->line);
}

/* Where the database and the bcrypt cost come from: -d/-p, else the
 * Apache configuration (-f, or the default file). */
static int settings(ctl_t *c, int need_params)
{
    static const char *const names[] = {"DBDriver", "DBDParams",
                                        "TodoBcryptCost", NULL};
    const todo_httpd_setting_t *s;
    todo_httpd_conf_t *conf = NULL;
    const char *err, *env;
    apr_finfo_t fi;
    apr_int64_t cost;

    if (!c->conf_file && !c->driver && !c->params) {
        env = getenv("TODOCTL_CONF");
        if (env && *env) {
            c->conf_file = env;
        }
        else if (APR_SUCCESS
                 == apr_stat(&fi, DEFAULT_CONF, APR_FINFO_TYPE, c->p)) {
            c->conf_file = DEFAULT_CONF;
        }
        else {
            return usage_error("no database named: give -f FILE, or -d "
                               "DRIVER and -p PARAMS (" DEFAULT_CONF
                               " does not exist)");
        }
    }
    if (c->conf_file) {
        err = todo_httpd_conf_read(c->p, c->conf_file, names, &conf);
        if (err) {
            return failed("%s", err);
        }
        if (!c->driver && (s = todo_httpd_conf_get(conf, "DBDriver"))) {
            c->driver = s->value;
            c->driver_from = where(c->p, s);
        }
        if (!c->params && (s = todo_httpd_conf_get(conf, "DBDParams"))) {
            c->params = s->value;
            c->params_from = where(c->p, s);
        }
        if ((s = todo_httpd_conf_get(conf, "TodoBcryptCost"))) {
            err = todo_parse_int_range(c->p, s->value, TODO_BCRYPT_COST_MIN,
                                       TODO_BCRYPT_COST_MAX, &cost);
            if (err) {
                return failed("%s: TodoBcryptCost %s", where(c->p, s), err);
            }
            c->bcrypt_cost = (int)cost;
            c->cost_from = where(c->p, s);
        }
        if (!c->driver || (need_params && !c->params)) {
            return failed("%s names no %s outside <VirtualHost> (%d files "
                          "read); give %s",
                          c->conf_file, c->driver ? "DBDParams" : "DBDriver",
                          conf->files->nelts, c->driver ? "-p" : "-d");
        }
    }
    if (!c->driver || (need_params && !c->params)) {
        return usage_error("-%s needs -%s (or -f FILE)", c->driver ? "d" : "p",
                           c->driver ? "p" : "d");
    }
    return 0;
}

/* Open the database: TODO_DB_EXISTING and TODO_DB_READONLY as @a flags
 * say. */
static int open_db(ctl_t *c, int flags)
{
    todo_dialect_t dialect;
    apr_status_t rv;

    if (APR_SUCCESS != todo_sql_dialect(c->driver, &dialect)) {
        return failed("driver %s is not supported (sqlite3, pgsql)", c->driver);
    }
    rv = todo_db_open_ex(c->p, c->driver, c->params, flags, &c->db);
    if (APR_ENOENT == rv) {
        return failed(
            "no database at %s%s%s", c->params,
            c->params_from ? " (DBDParams, " : "",
            c->params_from ? apr_pstrcat(c->p, c->params_from, ")", NULL) : "");
    }
    if (APR_ENOTIMPL == rv) {
        return failed("driver %s is not supported", c->driver);
    }
    if (APR_SUCCESS == rv) {
        rv = todo_db_setup(c->db, &c->opts);
    }
    if (APR_SUCCESS != rv) {
        return failed("cannot open the %s database %s", c->driver,
                      todo_db_describe(c->p, dialect, c->params));
    }
    return 0;
}

/* The user commands need the whole schema and its statements. */
static int ready(ctl_t *c)
{
    apr_array_header_t *states;
    int i, pending = 0;

    if (APR_SUCCESS != todo_migrate_status(c->db, c->p, &states)) {
        return failed("cannot read the database's migrations");
    }
    for (i = 0; i < states->nelts; ++i) {
        pending += !APR_ARRAY_IDX(states, i, todo_migration_state_t).applied_at;
    }
    if (pending) {
        return failed("the database has %d pending migration%s: run todoctl "
                      "migrate up (or start httpd with TodoAutoMigrate On)",
                      pending, pending == 1 ? "" : "s");
    }
    if (APR_SUCCESS != todo_db_prepare_all(c->db, c->p)) {
        return failed("cannot prepare mod_todo's statements on this "
                      "database");
    }
    return 0;
}

/* --- migrate ------------------------------------------------------------ */

/* What migrate down would do, and the refusal without --yes. */
static int refuse_down(int steps, apr_array_header_t *plan)
{
    int i;

    fprintf(stderr, "todoctl: migrate down %d would revert, newest first:\n",
            steps);
    for (i = 0; i < plan->nelts; ++i) {
        const todo_migration_t *m =
            APR_ARRAY_IDX(plan, i, const todo_migration_t *);
        const char *s = m->down, *end;
        fprintf(stderr, "  %04d_%s:\n", m->version, m->name);
        for (; *s; s = *end ? end + 1 : end) {
            end = s + strcspn(s, "\n");
            if (end > s && strncmp(s, "--", 2)) {
                fprintf(stderr, "      %.*s\n", (int)(end - s), s);
            }
        }
    }
    fprintf(stderr, "and with them every row those tables hold. Nothing was "
                    "changed: run it again with --yes to do it.\n");
    return 2;
}

static int cmd_migrate(ctl_t *c, int argc, const char *const *argv)
{
    const char *sub = argc ? argv[0] : "";
    apr_array_header_t *states, *plan;
    apr_int64_t steps = 1;
    apr_status_t rv;
    int i, n = 0, code;

    if (strcmp(sub, "up") && strcmp(sub, "down") && strcmp(sub, "status")) {
        return usage_error("migrate what? (up, down or status)");
    }
    if (argc > (strcmp(sub, "down") ? 1 : 2)) {
        return usage_error("migrate %s: unexpected %s", sub,
                           argv[strcmp(sub, "down") ? 1 : 2]);
    }
    if (!strcmp(sub, "down") && argc == 2
        && todo_parse_int_range(c->p, argv[1], 1, 1000000, &steps)) {
        return usage_error("migrate down: STEPS must be a number from 1");
    }
    if (c->yes && strcmp(sub, "down")) {
        return usage_error("--yes is for migrate down");
    }
    if ((code = settings(c, 1))) {
        return code;
    }
    if (!strcmp(sub, "up")) {
        /* Making the database is up's job. */
        if ((code = open_db(c, 0))) {
            return code;
        }
        rv = todo_migrate_up(c->db, c->p, &n);
        if (APR_SUCCESS != rv) {
            return failed("migrate up failed: nothing was applied");
        }
        say(c, "migrate up: %d applied", n);
        return 0;
    }
    if (!strcmp(sub, "status")) {
        if ((code = open_db(c, TODO_DB_EXISTING | TODO_DB_READONLY))) {
            return code;
        }
        if (APR_SUCCESS != todo_migrate_status(c->db, c->p, &states)) {
            return failed("cannot read the database's migrations");
        }
        for (i = 0; i < states->nelts; ++i) {
            todo_migration_state_t *st =
                &APR_ARRAY_IDX(states, i, todo_migration_state_t);
            printf("%04d_%-30s %s\n", st->version, st->name,
                   st->applied_at ? st->applied_at : "pending");
        }
        return 0;
    }
    if ((code = open_db(c, TODO_DB_EXISTING))) {
        return code;
    }
    rv = todo_migrate_plan_down(c->db, c->p, (int)steps, &plan);
    if (APR_ENOENT == rv) {
        return failed("an applied migration is unknown to this todoctl (%s): "
                      "use the todoctl of the module that applied it",
                      TODO_VERSION);
    }
    if (APR_SUCCESS != rv) {
        return failed("cannot read the database's migrations");
    }
    if (!plan->nelts) {
        say(c, "migrate down: nothing to revert");
        return 0;
    }
    if (!c->yes) {
        return refuse_down((int)steps, plan);
    }
    rv = todo_migrate_down(c->db, c->p, (int)steps, &n);
    if (APR_SUCCESS != rv) {
        return failed("migrate down failed: nothing was reverted");
    }
    say(c, "migrate down: %d reverted", n);
    return 0;
}

/* --- user --------------------------------------------------------------- */

static int cmd_user_list(ctl_t *c)
{
    apr_array_header_t *all, *page;
    apr_int64_t total = 0;
    todo_result_t *res = todo_result_make(c->p);
    int i, n, w_id = 2, w_name = 8, w_email = 5;
    json_t *arr;
    char *text;

    all = apr_array_make(c->p, 64, sizeof(todo_user_t *));
    for (n = 1;; ++n) {
        if (APR_SUCCESS
            != todo_user_list(c->db, c->p, n, 100, &page, &total, res)) {
            return failed("cannot read the users");
        }
        apr_array_cat(all, page);
        if (page->nelts < 100) {
            break;
        }
    }
    if (c->json) {
        arr = todo_json_pool_own(c->p, json_array());
        for (i = 0; i < all->nelts; ++i) {
            json_array_append_new(
                arr, todo_user_to_json(APR_ARRAY_IDX(all, i, todo_user_t *)));
        }
        text = json_dumps(arr, JSON_INDENT(2));
        if (!text) {
            return failed("out of memory");
        }
        printf("%s\n", text);
        free(text);
        return 0;
    }
    for (i = 0; i < all->nelts; ++i) {
        const todo_user_t *u = APR_ARRAY_IDX(all, i, todo_user_t *);
        w_id = (int)strlen(u->id) > w_id ? (int)strlen(u->id) : w_id;
        w_name = (int)strlen(u->username) > w_name ? (int)strlen(u->username)
                                                   : w_name;
        w_email =
            (int)strlen(u->email) > w_email ? (int)strlen(u->email) : w_email;
    }
    printf("%-*s  %-*s  %-*s  %-6s  %s\n", w_id, "ID", w_name, "USERNAME",
           w_email, "EMAIL", "ACTIVE", "CREATED");
    for (i = 0; i < all->nelts; ++i) {
        const todo_user_t *u = APR_ARRAY_IDX(all, i, todo_user_t *);
        printf("%-*s  %-*s  %-*s  %-6s  %s\n", w_id, u->id, w_name, u->username,
               w_email, u->email, u->is_active ? "yes" : "no", u->created_at);
    }
    return 0;
}

static struct termios saved_tty;
static volatile sig_atomic_t tty_saved;

static void restore_tty(void)
{
    if (tty_saved) {
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved_tty);
        tty_saved = 0;
    }
}

/* Ctrl-C at the prompt must not leave the terminal without echo. */
static void on_signal(int sig)
{
    restore_tty();
    signal(sig, SIG_DFL);
    raise(sig);
}

/* One line from standard input into @a buf, without its line end; on a
 * terminal after @a prompt (on stderr), without echo. */
static int read_line(const char *prompt, char *buf, size_t size)
{
    struct termios quiet;
    int tty = isatty(STDIN_FILENO), ok;
    size_t len;

    if (tty && 0 == tcgetattr(STDIN_FILENO, &saved_tty)) {
        quiet = saved_tty;
        quiet.c_lflag &= ~(tcflag_t)ECHO;
        quiet.c_lflag |= ECHONL;
        tty_saved = 1;
        signal(SIGINT, on_signal);
        signal(SIGTERM, on_signal);
        signal(SIGHUP, on_signal);
        /* Echo off before the prompt: what is typed once it shows is
         * neither echoed nor flushed away. */
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
        fputs(prompt, stderr);
        fflush(stderr);
    }
    ok = fgets(buf, (int)size, stdin) != NULL;
    restore_tty();
    if (!ok) {
        return 0;
    }
    len = strcspn(buf, "\r\n");
    if (!buf[len] && len == size - 1) {
        return 0; /* longer than the buffer: no password is */
    }
    buf[len] = '\0';
    return 1;
}

static int read_password(ctl_t *c, const todo_user_t *u, char *buf, size_t size)
{
    char again[256];
    todo_result_t *res = todo_result_make(c->p);
    const char *prompt =
        apr_psprintf(c->p, "New password for %s: ", u->username);
    int same;

    if (!read_line(prompt, buf, size)) {
        return failed("no password read from standard input (or one too "
                      "long)");
    }
    if (isatty(STDIN_FILENO)) {
        if (!read_line("Again: ", again, sizeof(again))) {
            return failed("no password read");
        }
        same = !strcmp(buf, again);
        OPENSSL_cleanse(again, sizeof(again));
        if (!same) {
            return failed("the two passwords differ; nothing was changed");
        }
    }
    if (APR_SUCCESS != todo_v_password(res, "password", buf)) {
        return failed("%s; nothing was changed",
                      APR_ARRAY_IDX(res->errors, 0, todo_error_item_t).msg);
    }
    return 0;
}

static int cmd_user(ctl_t *c, int argc, const char *const *argv)
{
    static const char *const subs[] = {"list",     "disable", "enable",
                                       "password", "revoke",  NULL};
    const char *sub = argc ? argv[0] : "";
    todo_result_t *res = todo_result_make(c->p);
    const char *hash = NULL;
    todo_user_t *u = NULL;
    char pw[256];
    apr_status_t rv;
    int i, n = 0, code, list = !strcmp(sub, "list");

    for (i = 0; subs[i] && strcmp(subs[i], sub); ++i) {
    }
    if (!subs[i]) {
        return usage_error("user what? (list, disable, enable, password or "
                           "revoke)");
    }
    if (list && argc != 1) {
        return usage_error("user list takes no USER");
    }
    if (!list && argc != 2) {
        return usage_error("user %s needs one USER (an id, a username or an "
                           "email)",
                           sub);
    }
    if (c->json && !list) {
        return usage_error("--json is for user list");
    }
    if (c->yes) {
        return usage_error("--yes is for migrate down");
    }
    if ((code = settings(c, 1))
        || (code = open_db(c, TODO_DB_EXISTING | (list ? TODO_DB_READONLY : 0)))
        || (code = ready(c))) {
        return code;
    }
    if (list) {
        return cmd_user_list(c);
    }
    rv = todo_user_find(c->db, c->p, argv[1], &u, res);
    if (APR_ENOENT == rv) {
        return failed("no user %s (an id, a username or an email)", argv[1]);
    }
    if (APR_SUCCESS != rv) {
        return failed("cannot read the users");
    }
    if (!strcmp(sub, "disable") || !strcmp(sub, "enable")) {
        int active = !strcmp(sub, "enable");
        rv = todo_user_set_active(c->db, c->p, u->id, active, apr_time_now(),
                                  &n, res);
        if (APR_SUCCESS != rv) {
            return failed("cannot %s %s", sub, u->username);
        }
        if (active) {
            say(c, "user %s %s: they may log in again", u->username,
                u->is_active ? "was enabled already" : "enabled");
        }
        else {
            say(c,
                "user %s %s: they cannot log in; %d session%s revoked "
                "(" REVOKED_MEANS ")",
                u->username, u->is_active ? "disabled" : "was disabled already",
                n, n == 1 ? "" : "s");
        }
        return 0;
    }
    if (!strcmp(sub, "revoke")) {
        rv = todo_auth_revoke_user(c->db, c->p, u->id, apr_time_now(), &n);
        if (APR_SUCCESS != rv) {
            return failed("cannot revoke the sessions of %s", u->username);
        }
        say(c,
            "user %s: %d session%s revoked (" REVOKED_MEANS "); they may "
            "log in again%s",
            u->username, n, n == 1 ? "" : "s",
            u->is_active ? "" : " once enabled");
        return 0;
    }
    /* password */
    if ((code = read_password(c, u, pw, sizeof(pw)))) {
        OPENSSL_cleanse(pw, sizeof(pw));
        return code;
    }
    rv = todo_password_hash(c->p, pw, c->bcrypt_cost, &hash);
    OPENSSL_cleanse(pw, sizeof(pw));
    if (APR_SUCCESS != rv) {
        return failed("cannot hash the password");
    }
    rv = todo_user_set_password(c->db, c->p, u->id, hash, apr_time_now(), &n,
                                res);
    if (APR_SUCCESS != rv) {
        return failed("cannot set the password of %s", u->username);
    }
    say(c,
        "user %s: password set (bcrypt cost %d); %d session%s revoked "
        "(" REVOKED_MEANS ")",
        u->username, c->bcrypt_cost, n, n == 1 ? "" : "s");
    return 0;
}

/* --- config, statements ------------------------------------------------- */

static int cmd_config(ctl_t *c, int argc)
{
    todo_dialect_t dialect = TODO_DIALECT_SQLITE3;
    int code;

    if (argc) {
        return usage_error("config takes no argument");
    }
    if ((code = settings(c, 1))) {
        return code;
    }
    todo_sql_dialect(c->driver, &dialect);
    printf("DBDriver        %s  (%s)\n", c->driver,
           c->driver_from ? c->driver_from : "-d");
    printf("DBDParams       %s  (%s)\n",
           todo_db_describe(c->p, dialect, c->params),
           c->params_from ? c->params_from : "-p");
    printf("TodoBcryptCost  %d  (%s)\n", c->bcrypt_cost,
           c->cost_from ? c->cost_from : "mod_todo's default");
    return 0;
}

/* Print every prepared statement of a dialect: "label<TAB>sql". */
static int cmd_statements(ctl_t *c, int argc)
{
    const todo_sql_stmt_t *stmts;
    todo_dialect_t dialect;
    int i, n, code;

    if (argc) {
        return usage_error("statements takes no argument");
    }
    if ((code = settings(c, 0))) {
        return code;
    }
    if (APR_SUCCESS != todo_sql_dialect(c->driver, &dialect)) {
        return failed("driver %s is not supported (sqlite3, pgsql)", c->driver);
    }
    stmts = todo_sql_statements(&n);
    for (i = 0; i < n; ++i) {
        if (stmts[i].sql[dialect]) {
            printf("%s\t%s\n", stmts[i].label, stmts[i].sql[dialect]);
        }
    }
    return 0;
}

/* --- main --------------------------------------------------------------- */

static int run(ctl_t *c, int argc, const char *const *argv)
{
    static const apr_getopt_option_t options[] = {
        {"help", 'h', 0, "this text"},
        {"version", 'V', 0, "print the version"},
        {"json", 'J', 0, "user list as JSON"},
        {"yes", 'Y', 0, "do it (migrate down)"},
        {NULL, 'f', 1, "an httpd configuration file"},
        {NULL, 'd', 1, "the apr_dbd driver"},
        {NULL, 'p', 1, "the driver's parameters"},
        {NULL, 't', 1, "SQLite busy timeout (ms)"},
        {NULL, 'q', 0, "quiet"},
        {NULL, 0, 0, NULL},
    };
    const char *arg, *cmd, *err;
    apr_getopt_t *opt;
    apr_int64_t ms;
    apr_status_t rv;
    int ch;

    apr_getopt_init(&opt, c->p, argc, argv);
    opt->interleave = 1; /* `user list --json` as well as `--json user list` */
    while (APR_SUCCESS == (rv = apr_getopt_long(opt, options, &ch, &arg))) {
        switch (ch) {
        case 'h':
            usage(stdout);
            return 0;
        case 'V':
            printf("todoctl %s\n", TODO_VERSION);
            return 0;
        case 'J':
            c->json = 1;
            break;
        case 'Y':
            c->yes = 1;
            break;
        case 'f':
            c->conf_file = arg;
            break;
        case 'd':
            c->driver = arg;
            c->driver_from = NULL;
            break;
        case 'p':
            c->params = arg;
            c->params_from = NULL;
            break;
        case 't':
            err = todo_parse_int_range(c->p, arg, 0, 60000, &ms);
            if (err) {
                return usage_error("-t: %s", err);
            }
            c->opts.busy_timeout_ms = (int)ms;
            break;
        case 'q':
            c->quiet = 1;
            log_level = TODO_LOG_ERR;
            break;
        }
    }
    if (rv != APR_EOF) {
        /* apr_getopt said which option, on stderr. */
        fputc('\n', stderr);
        usage(stderr);
        return 2;
    }
    if (opt->ind >= argc) {
        return usage_error("no command given");
    }
    cmd = opt->argv[opt->ind];
    argc -= opt->ind + 1;
    argv = opt->argv + opt->ind + 1;
    if (!strcmp(cmd, "help")) {
        usage(stdout);
        return 0;
    }
    if (c->json && strcmp(cmd, "user")) {
        return usage_error("--json is for user list");
    }
    if (c->yes && strcmp(cmd, "migrate")) {
        return usage_error("--yes is for migrate down");
    }
    if (!strcmp(cmd, "migrate")) {
        return cmd_migrate(c, argc, argv);
    }
    if (!strcmp(cmd, "user")) {
        return cmd_user(c, argc, argv);
    }
    if (!strcmp(cmd, "config")) {
        return cmd_config(c, argc);
    }
    if (!strcmp(cmd, "statements")) {
        return cmd_statements(c, argc);
    }
    return usage_error("unknown command %s", cmd);
}

int main(int argc, const char *const *argv)
{
    ctl_t c;
    int code;

    apr_app_initialize(&argc, &argv, NULL);
    atexit(apr_terminate);
    memset(&c, 0, sizeof(c));
    apr_pool_create(&c.p, NULL);
    apr_dbd_init(c.p);
    todo_log_set(cli_is_level, cli_print, NULL);
    c.opts.busy_timeout_ms = 5000;
    c.opts.synchronous = TODO_DB_SYNC_FULL;
    c.bcrypt_cost = TODO_BCRYPT_COST_DEFAULT;

    code = run(&c, argc, argv);
    fflush(stdout);
    apr_pool_destroy(c.p);
    return code;
}
