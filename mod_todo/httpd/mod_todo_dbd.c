/* Licensed under the Apache License, Version 2.0; see LICENSE. */

#include <errno.h>
#include <sys/stat.h>
#include <string.h>
#include <unistd.h>

#include <apr_dbd.h>
#include <apr_optional.h>
#include <apr_strings.h>
#include <httpd.h>
#include <http_config.h>
#include <http_log.h>
#include <mod_dbd.h>
#include <unixd.h>
#include <util_mutex.h>

#include "mod_todo_dbd.h"
#include "mod_todo_shared.h"
#include "todo_log.h"
#include "todo_migrate.h"

APLOG_USE_MODULE(todo);

static APR_OPTIONAL_FN_TYPE(ap_dbd_acquire) * dbd_acquire;
static APR_OPTIONAL_FN_TYPE(ap_dbd_prepare) * dbd_prepare;
static APR_OPTIONAL_FN_TYPE(ap_dbd_open) * dbd_open;
static APR_OPTIONAL_FN_TYPE(ap_dbd_close) * dbd_close;

/* The last value of @a name among the directives at one level of the
 * parsed tree (Include and <IfModule> are already spliced in). */
static const char *tree_value(apr_pool_t *p, const ap_directive_t *first,
                              const char *name)
{
    const char *value = NULL;
    const ap_directive_t *d;

    for (d = first; d; d = d->next) {
        if (!strcasecmp(d->directive, name)) {
            const char *args = d->args;
            value = ap_getword_conf(p, &args);
        }
    }
    return value;
}

/* The <VirtualHost> block that defined @a s, or NULL for the main one. */
static const ap_directive_t *vhost_block(server_rec *s)
{
    const ap_directive_t *d;

    if (!s->is_virtual) {
        return NULL;
    }
    for (d = ap_conftree; d; d = d->next) {
        if (!strcasecmp(d->directive, "<VirtualHost")
            && (unsigned)d->line_num == s->defn_line_number && s->defn_name
            && !strcmp(d->filename, s->defn_name)) {
            return d;
        }
    }
    return NULL;
}

/* The last @a name directive at one level of the tree, or NULL. */
static const ap_directive_t *tree_find(const ap_directive_t *first,
                                       const char *name)
{
    const ap_directive_t *d, *found = NULL;

    for (d = first; d; d = d->next) {
        if (!strcasecmp(d->directive, name)) {
            found = d;
        }
    }
    return found;
}

const char *todo_dbd_where(apr_pool_t *p, server_rec *s, const char *name)
{
    const ap_directive_t *vh = vhost_block(s), *d = NULL;

    if (name && vh) {
        d = tree_find(vh->first_child, name);
    }
    if (name && !d) {
        d = tree_find(ap_conftree, name);
    }
    if (!d) {
        /* Not there at all: say where it is missing from, the vhost or
         * the <Location> that mounts the API in the main server. */
        d = vh;
        for (d = d ? d : ap_conftree; !vh && d; d = d->next) {
            if (!strcasecmp(d->directive, "<Location")
                && tree_value(p, d->first_child, "SetHandler")
                && !strcasecmp(tree_value(p, d->first_child, "SetHandler"),
                               "todo-api")) {
                break;
            }
        }
    }
    if (!d && ap_conftree) {
        return apr_psprintf(p, "%s", ap_conftree->filename);
    }
    return d ? apr_psprintf(p, "%s:%d", d->filename, d->line_num)
             : "the configuration";
}

/* Can httpd's User (its children) create and write files in the
 * directory @a path (@a dir), or read and write the file @a path? When
 * httpd is not started as root, the children are this process's user and
 * the kernel says. @return NULL, or why not */
static const char *user_may_write(apr_pool_t *p, const char *path, int dir)
{
    unsigned want = dir ? 3 : 6; /* dir: wx; file: rw */
    struct stat st;
    unsigned bits;

    if (stat(path, &st) < 0) {
        return dir ? apr_psprintf(p, "the directory %s does not exist", path)
                   : NULL; /* no file yet: made at the first start */
    }
    if (geteuid() != 0) {
        return access(path, dir ? W_OK | X_OK : R_OK | W_OK) < 0
                   ? apr_psprintf(p, "%s is not writable by this user", path)
                   : NULL;
    }
    bits = st.st_uid == ap_unixd_config.user_id    ? (st.st_mode >> 6) & 7
           : st.st_gid == ap_unixd_config.group_id ? (st.st_mode >> 3) & 7
                                                   : st.st_mode & 7;
    if ((bits & want) != want) {
        return apr_psprintf(p,
                            "%s is not writable by User %s (owner %ld, mode "
                            "%04o): give it to that user",
                            path, ap_unixd_config.user_name, (long)st.st_uid,
                            (unsigned)(st.st_mode & 07777));
    }
    return NULL;
}

/* DBDriver/DBDParams as mod_dbd merges them: the vhost's own, else the
 * main server's. */
static void find_dbd(apr_pool_t *p, server_rec *s, const char **pdriver,
                     const char **pparams)
{
    const ap_directive_t *vh = vhost_block(s);
    const char *driver = vh ? tree_value(p, vh->first_child, "DBDriver") : NULL;
    const char *params =
        vh ? tree_value(p, vh->first_child, "DBDParams") : NULL;

    *pdriver = driver ? driver : tree_value(p, ap_conftree, "DBDriver");
    *pparams = params ? params : tree_value(p, ap_conftree, "DBDParams");
}

/* Does this level of the tree, or anything below it, name mod_todo
 * (SetHandler or AddHandler todo-api, AuthType Bearer)? <VirtualHost>
 * blocks are skipped: each is a server of its own. */
static int names_todo(apr_pool_t *p, const ap_directive_t *first)
{
    const ap_directive_t *d;

    for (d = first; d; d = d->next) {
        const char *args = d->args, *word;

        if (!strcasecmp(d->directive, "<VirtualHost")) {
            continue;
        }
        if (!strcasecmp(d->directive, "SetHandler")
            || !strcasecmp(d->directive, "AddHandler")) {
            word = ap_getword_conf(p, &args);
            if (!strcasecmp(word, "todo-api")) {
                return 1;
            }
        }
        else if (!strcasecmp(d->directive, "AuthType")) {
            word = ap_getword_conf(p, &args);
            if (!strcasecmp(word, "Bearer")) {
                return 1;
            }
        }
        if (d->first_child && names_todo(p, d->first_child)) {
            return 1;
        }
    }
    return 0;
}

int todo_dbd_mark_used(apr_pool_t *p, server_rec *s)
{
    int everywhere = names_todo(p, ap_conftree), n = 0;
    server_rec *sp;

    for (sp = s; sp; sp = sp->next) {
        todo_srv_conf_t *sc = todo_srv_conf_get(sp);
        const ap_directive_t *vh = vhost_block(sp);

        sc->used = everywhere || sc->secret_file
                   || (vh && names_todo(p, vh->first_child));
        n += sc->used;
    }
    return n;
}

server_rec *todo_dbd_first_used(server_rec *s)
{
    for (; s; s = s->next) {
        if (todo_srv_conf_get(s)->used) {
            return s;
        }
    }
    return NULL;
}

const char *todo_dbd_check_config(apr_pool_t *p, server_rec *s)
{
    server_rec *sp;

    if (!todo_dbd_mark_used(p, s)) {
        return NULL; /* loaded, used nowhere: nothing to check */
    }
    if (!APR_RETRIEVE_OPTIONAL_FN(ap_dbd_acquire)) {
        return apr_psprintf(p,
                            "%s: mod_todo needs mod_dbd, which is not "
                            "loaded (LoadModule dbd_module, or a2enmod dbd)",
                            todo_dbd_where(p, s, NULL));
    }
    for (sp = s; sp; sp = sp->next) {
        const char *driver, *params, *dir, *why;
        todo_dialect_t dialect;

        if (!todo_srv_conf_get(sp)->used) {
            continue;
        }
        find_dbd(p, sp, &driver, &params);
        if (!driver) {
            return apr_psprintf(p,
                                "%s: no DBDriver for this server: mod_todo "
                                "stores its data through mod_dbd (DBDriver "
                                "sqlite3 and DBDParams /path/to/todo.db)",
                                todo_dbd_where(p, sp, NULL));
        }
        if (APR_SUCCESS != todo_sql_dialect(driver, &dialect)) {
            return apr_psprintf(p,
                                "%s: DBDriver %s is not supported by "
                                "mod_todo (supported: sqlite3, pgsql)",
                                todo_dbd_where(p, sp, "DBDriver"), driver);
        }
        if (!params || !*params) {
            return apr_psprintf(p, "%s: no DBDParams for DBDriver %s: %s",
                                todo_dbd_where(p, sp, "DBDriver"), driver,
                                dialect == TODO_DIALECT_SQLITE3
                                    ? "the database file's path"
                                    : "a libpq connection string");
        }
        if (dialect != TODO_DIALECT_SQLITE3) {
            continue; /* a server may be down while the config is tested */
        }
        if (params[0] != '/') {
            return apr_psprintf(p,
                                "%s: DBDParams %s: give the SQLite file's "
                                "absolute path",
                                todo_dbd_where(p, sp, "DBDParams"), params);
        }
        dir = apr_pstrndup(p, params,
                           (apr_size_t)(strrchr(params, '/') - params));
        why = user_may_write(p, *dir ? dir : "/", 1);
        if (why) {
            return apr_psprintf(p, "%s: DBDParams %s: %s",
                                todo_dbd_where(p, sp, "DBDParams"), params,
                                why);
        }
        /* A read-only file still serves reads (writes answer 503): said,
         * not refused. */
        why = user_may_write(p, params, 0);
        if (why) {
            ap_log_error(APLOG_MARK, APLOG_WARNING, 0, sp,
                         TODO_LOGNO(00036) "%s: DBDParams %s: %s; writes will "
                                           "answer 503",
                         todo_dbd_where(p, sp, "DBDParams"), params, why);
        }
    }
    return NULL;
}

const char *todo_dbd_post_config(apr_pool_t *pconf, apr_pool_t *ptemp,
                                 server_rec *s)
{
    const todo_sql_stmt_t *stmts;
    server_rec *sp;
    int i, n;

    (void)ptemp;
    dbd_acquire = APR_RETRIEVE_OPTIONAL_FN(ap_dbd_acquire);
    dbd_prepare = APR_RETRIEVE_OPTIONAL_FN(ap_dbd_prepare);
    dbd_open = APR_RETRIEVE_OPTIONAL_FN(ap_dbd_open);
    dbd_close = APR_RETRIEVE_OPTIONAL_FN(ap_dbd_close);
    if (!dbd_acquire || !dbd_prepare || !dbd_open || !dbd_close) {
        return "mod_dbd is not loaded: mod_todo needs it (LoadModule "
               "dbd_module)";
    }
    stmts = todo_sql_statements(&n);
    for (sp = s; sp; sp = sp->next) {
        todo_srv_conf_t *sc = todo_srv_conf_get(sp);
        const todo_srv_conf_t *main_sc = todo_srv_conf_get(s);
        if (!sc->used) {
            continue; /* its mod_dbd group is another module's */
        }
        find_dbd(pconf, sp, &sc->db_driver, &sc->db_params);
        if (!sc->db_driver) {
            return "no DBDriver is configured: mod_todo stores its data "
                   "through mod_dbd (DBDriver sqlite3 and DBDParams "
                   "/path/to/todo.db)";
        }
        if (APR_SUCCESS != todo_sql_dialect(sc->db_driver, &sc->dialect)) {
            return apr_psprintf(pconf,
                                "DBDriver %s is not supported by mod_todo "
                                "(supported: sqlite3, pgsql)",
                                sc->db_driver);
        }
        /* A virtual host on the main server's database shares its
         * connection group, statements included: preparing them there
         * again only makes mod_dbd warn of conflicting labels. */
        if (sp != s && main_sc->used
            && !strcmp(sc->db_driver, main_sc->db_driver) && sc->db_params
            && main_sc->db_params
            && !strcmp(sc->db_params, main_sc->db_params)) {
            continue;
        }
        for (i = 0; i < n; ++i) {
            if (stmts[i].sql[sc->dialect]) {
                dbd_prepare(sp, stmts[i].sql[sc->dialect], stmts[i].label);
            }
        }
    }
    return NULL;
}

/* Give a root-created SQLite file to the children's User. */
static void chown_sqlite(apr_pool_t *p, const char *path)
{
    static const char *const suffixes[] = {"", "-wal", "-shm"};
    int i;

    if (geteuid() != 0) {
        return;
    }
    for (i = 0; i < 3; ++i) {
        const char *f = apr_pstrcat(p, path, suffixes[i], NULL);
        if (chown(f, ap_unixd_config.user_id, ap_unixd_config.group_id)
            && i == 0) {
            ap_log_perror(APLOG_MARK, APLOG_WARNING, errno, p,
                          TODO_LOGNO(00013) "cannot chown %s to User %s", f,
                          ap_unixd_config.user_name);
        }
    }
}

const char *todo_dbd_migrate(apr_pool_t *ptemp, server_rec *s)
{
    apr_hash_t *done = apr_hash_make(ptemp);
    server_rec *sp;

    for (sp = s; sp; sp = sp->next) {
        todo_srv_conf_t *sc = todo_srv_conf_get(sp);
        const char *key =
            apr_pstrcat(ptemp, sc->db_driver, ":", sc->db_params, NULL);
        apr_pool_t *p;
        todo_db_t *db;
        apr_status_t rv;
        int applied = 0;

        if (!sc->used || !todo_conf_auto_migrate(sc)
            || apr_hash_get(done, key, APR_HASH_KEY_STRING)) {
            continue;
        }
        apr_hash_set(done, key, APR_HASH_KEY_STRING, key);
        apr_pool_create(&p, ptemp);
        rv = todo_db_open(p, sc->db_driver, sc->db_params, &db);
        if (APR_SUCCESS == rv) {
            rv = todo_db_setup(db, &sc->db_opts);
        }
        if (APR_SUCCESS == rv) {
            rv = todo_migrate_up(db, p, &applied);
        }
        apr_pool_destroy(p); /* closes the connection */
        if (APR_SUCCESS != rv) {
            return apr_psprintf(ptemp,
                                "TodoAutoMigrate: migrating the %s database "
                                "failed (see the error log above)",
                                sc->db_driver);
        }
        if (sc->dialect == TODO_DIALECT_SQLITE3) {
            chown_sqlite(ptemp, sc->db_params);
        }
        ap_log_error(APLOG_MARK, APLOG_INFO, 0, sp,
                     TODO_LOGNO(00014) "schema up to date (%d applied)",
                     applied);
    }
    return NULL;
}

void todo_dbd_pre_config(apr_pool_t *pconf)
{
    ap_mutex_register(pconf, TODO_DBD_MUTEX, NULL, APR_LOCK_DEFAULT, 0);
}

const char *todo_dbd_create_mutex(apr_pool_t *pconf, server_rec *s)
{
    apr_global_mutex_t *lock = NULL;
    server_rec *sp;
    apr_status_t rv;

    for (sp = s; sp; sp = sp->next) {
        todo_srv_conf_t *sc = todo_srv_conf_get(sp);
        if (!sc->used || sc->dialect != TODO_DIALECT_SQLITE3) {
            continue;
        }
        if (!lock) {
            rv = ap_global_mutex_create(&lock, NULL, TODO_DBD_MUTEX, NULL, s,
                                        pconf, 0);
            if (APR_SUCCESS != rv) {
                return "cannot create the SQLite write mutex";
            }
        }
        sc->write_lock = lock;
    }
    return NULL;
}

/*
 * SQLite: before mod_dbd opens this child's pool (and prepares every
 * statement on connections that have no busy timeout yet), open one
 * connection of our own with the busy timeout, prepare and read through
 * it, and keep it for the child's life. The first opener after the last
 * connection closed rebuilds the WAL index under an exclusive lock; done
 * here, the children of a start or restart queue for it instead of
 * failing mod_dbd's prepare with "database is locked" -- and while any
 * child lives, the WAL stays open for the others. This connection then
 * carries the child's group commits (todo_writer.h), as the one opened
 * here on PostgreSQL does.
 */
static todo_db_t *open_keeper(apr_pool_t *pchild, server_rec *s,
                              const todo_srv_conf_t *sc)
{
    todo_db_t *db = NULL;
    todo_rows_t *rows;
    apr_status_t rv;

    rv = todo_db_open(pchild, sc->db_driver, sc->db_params, &db);
    if (APR_SUCCESS == rv) {
        rv = todo_db_setup(db, &sc->db_opts);
    }
    if (APR_SUCCESS == rv) {
        rv = todo_db_prepare_all(db, pchild);
    }
    if (APR_SUCCESS == rv) {
        rv = todo_db_select(db, pchild, TODO_SQL_PING, &rows, TODO_NO_ARGS);
    }
    if (APR_SUCCESS != rv) {
        ap_log_error(
            APLOG_MARK, APLOG_WARNING, rv >= APR_OS_START_USERERR ? 0 : rv, s,
            TODO_LOGNO(00030) "could not open the database %s for this "
                              "process's own connection (see the line "
                              "before); %s",
            todo_db_describe(pchild, sc->dialect, sc->db_params),
            sc->dialect == TODO_DIALECT_SQLITE3
                ? "requests will answer 503 until it opens"
                : "this process commits each task write alone, on the "
                  "pool's connections");
        return NULL;
    }
    return db;
}

/* What the writer reports, counted in the shared metrics (its baton). */
static void writer_queued(void *baton, int delta)
{
    todo_metrics_group_queued(baton, delta);
}

static void writer_committed(void *baton, int writes)
{
    todo_metrics_group_commit(baton, writes);
}

static const todo_writer_observer_t writer_metrics = {
    writer_queued,
    writer_committed,
};

/* The group-commit writer over the keeper connection, shared by every
 * server on the same database; without one, each write commits alone. */
static void start_writer(apr_pool_t *pchild, server_rec *s, todo_srv_conf_t *sc,
                         todo_db_t *db)
{
    todo_writer_t *w = NULL;
    apr_status_t rv;
    server_rec *sp;

    int max =
        (int)(sc->dialect == TODO_DIALECT_PGSQL ? todo_conf_pg_group_commit(sc)
                                                : todo_conf_group_commit(sc));

    if (!db || max < 1) {
        return;
    }
    /* SQLite: committed task events go to the ring before the write lock
     * is released, so the ring has them in commit order
     * (todo_event_store.h). PostgreSQL's reach it through the listener. */
    if (sc->dialect == TODO_DIALECT_SQLITE3) {
        db->event_sink = todo_shared_publish_committed;
        db->event_sink_ctx = s;
    }
    rv = todo_writer_create(&w, pchild, db, sc->write_lock, max);
    if (APR_SUCCESS != rv) {
        ap_log_error(APLOG_MARK, APLOG_WARNING, rv, s,
                     TODO_LOGNO(00032) "group commit is off: cannot start the "
                                       "writer");
        return;
    }
    todo_writer_observe(w, &writer_metrics, todo_shared_metrics());
    for (sp = s; sp; sp = sp->next) {
        todo_srv_conf_t *c = todo_srv_conf_get(sp);
        if (c->used && c->db_driver && c->db_params
            && !strcmp(c->db_driver, sc->db_driver)
            && !strcmp(c->db_params, sc->db_params)) {
            c->writer = w;
            c->writer_checks_session =
                todo_db_prepared(db, TODO_SQL_TASK_INSERT_EVENT);
        }
    }
}

void todo_dbd_child_init(apr_pool_t *pchild, server_rec *s)
{
    todo_srv_conf_t *sc = todo_srv_conf_get(s);
    todo_db_t *keeper = NULL;
    apr_status_t rv;

    if (sc->write_lock) {
        rv = apr_global_mutex_child_init(
            &sc->write_lock, apr_global_mutex_lockfile(sc->write_lock), pchild);
        if (APR_SUCCESS != rv) {
            ap_log_error(APLOG_MARK, APLOG_CRIT, rv, s,
                         TODO_LOGNO(00021) "cannot attach the SQLite write "
                                           "mutex");
            return;
        }
    }
    if (sc->dialect == TODO_DIALECT_SQLITE3 && sc->db_params) {
        keeper = open_keeper(pchild, s, sc);
        start_writer(pchild, s, sc, keeper);
    }
    else if (sc->dialect == TODO_DIALECT_PGSQL && sc->db_params
             && todo_conf_pg_group_commit(sc) > 0) {
        start_writer(pchild, s, sc, open_keeper(pchild, s, sc));
    }
}

/* What the module knows about one pooled connection; kept in the
 * connection's own pool, so it lives exactly as long. */
typedef struct {
    int session_id; /* the server session the statements were prepared in */
} todo_conn_info_t;

#define CONN_STATE_KEY "mod_todo:conn"

static todo_db_t *wrap(request_rec *r, const todo_srv_conf_t *sc, ap_dbd_t *dbd)
{
    todo_conn_info_t *state = NULL;
    todo_db_t *db;

    if (!dbd) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r,
                      TODO_LOGNO(00015) "no database connection available");
        return NULL;
    }
    db = apr_pcalloc(r->pool, sizeof(*db));
    db->drv = dbd->driver;
    db->h = dbd->handle;
    db->prepared = dbd->prepared;
    db->dialect = sc->dialect;
    db->driver = todo_db_driver_of(sc->dialect);
    db->write_lock = sc->write_lock;
    db->conn_pool = dbd->pool;
    if (sc->dialect == TODO_DIALECT_SQLITE3) {
        /* PostgreSQL's committed events reach the ring through the
         * listener only (mod_todo_bridge.c). */
        db->event_sink = todo_shared_publish_committed;
        db->event_sink_ctx = r->server;
    }
    apr_pool_userdata_get((void **)&state, CONN_STATE_KEY, dbd->pool);
    if (!state) {
        /* Once per pooled connection. */
        if (APR_SUCCESS != todo_db_setup(db, &sc->db_opts)) {
            return NULL;
        }
        state = apr_pcalloc(dbd->pool, sizeof(*state));
        state->session_id = todo_db_session_id(db);
        apr_pool_userdata_setn(state, CONN_STATE_KEY, NULL, dbd->pool);
    }
    db->prepared_in = &state->session_id;
    if (todo_db_session_id(db) != state->session_id) {
        /* mod_dbd's check reset a broken PostgreSQL connection: the new
         * server session has none of our settings and prepared
         * statements. */
        if (APR_SUCCESS != todo_db_setup(db, &sc->db_opts)
            || APR_SUCCESS != todo_db_prepare_all(db, dbd->pool)) {
            return NULL;
        }
        ap_log_rerror(
            APLOG_MARK, APLOG_INFO, 0, r,
            TODO_LOGNO(00022) "database connection was re-established;"
                              " statements prepared again");
    }
    return db;
}

todo_db_t *todo_dbd_acquire(request_rec *r, const todo_srv_conf_t *sc)
{
    return wrap(r, sc, dbd_acquire(r));
}

todo_db_t *todo_dbd_open(request_rec *r, const todo_srv_conf_t *sc,
                         ap_dbd_t **pdbd)
{
    todo_db_t *db;

    *pdbd = dbd_open(r->pool, r->server);
    db = wrap(r, sc, *pdbd);
    if (!db && *pdbd) {
        dbd_close(r->server, *pdbd);
        *pdbd = NULL;
    }
    return db;
}

void todo_dbd_close(request_rec *r, ap_dbd_t *dbd)
{
    if (dbd) {
        dbd_close(r->server, dbd);
    }
}
