/* Licensed under the Apache License, Version 2.0; see LICENSE. */

/**
 * @file todo_store.h
 * @brief The database seen by the core: an apr_dbd connection with its
 * prepared statements, and helpers that run a statement by label with
 * bound parameters and read every row.
 *
 * todo_db_t mirrors mod_dbd's ap_dbd_t. In httpd the glue fills it from
 * ap_dbd_acquire() (statements were registered with ap_dbd_prepare(), so
 * each pooled connection prepares them once) and never closes it; todoctl
 * and the unit tests open their own connection and call
 * todo_db_prepare_all().
 *
 * Every database failure is logged (with the driver's message) and
 * returned as TODO_EDB, which the contract answers with 503.
 *
 * What apr_dbd cannot do goes through the connection's driver
 * (todo_driver.h, db->driver): only the drivers touch SQLite or libpq.
 */
#ifndef TODO_STORE_H
#define TODO_STORE_H

#include <apr_dbd.h>
#include <apr_hash.h>
#include <apr_pools.h>
#include <apr_global_mutex.h>

#include "todo_driver.h"
#include "todo_sql.h"

/** Something to do once the transaction it belongs to has committed:
 * todo_db_after_commit(). */
typedef void (*todo_db_hook_fn)(void *baton);

/**
 * Where a durable task event goes once its transaction has committed
 * (todo_event_store.h): in httpd on SQLite, the event ring. Called before
 * the write lock is released, so events reach it in commit order.
 */
typedef void (*todo_db_event_fn)(void *ctx, apr_int64_t id, const char *user,
                                 const char *payload, apr_size_t len);

/**
 * An open connection.
 *
 * @c write_lock serialises SQLite writes across the threads and processes
 * of one httpd. apr_dbd's SQLite driver holds one process-wide mutex
 * during every call, and SQLite waits for a busy database inside such a
 * call: a thread waiting for the write lock would hold that mutex while
 * the thread that owns the write lock needs it to finish its transaction
 * (a deadlock until the busy timeout), and between processes SQLite's busy
 * handler polls with sleeps of up to 100 ms. So every write (a transaction,
 * or a single writing statement) takes @c write_lock first, which wakes
 * the next writer as soon as the lock is free; SQLite's own lock and busy
 * timeout remain for writers outside this httpd (todoctl, a second server).
 * NULL where there is no such problem (PostgreSQL, todoctl, tests).
 */
typedef struct todo_db_t {
    const apr_dbd_driver_t *drv;
    apr_dbd_t *h;
    apr_hash_t *prepared; /**< label -> apr_dbd_prepared_t* */
    todo_dialect_t dialect;
    const todo_db_driver_t *driver; /**< the dialect's ops (todo_driver.h):
                                         todo_db_driver_of(dialect) */
    apr_global_mutex_t *write_lock; /**< see above */
    int in_tx;                      /**< inside todo_db_begin/end */
    int grouped; /**< the writer connection of a group commit (todo_writer.h):
                      transactions are the group's savepoints */
    const char *locked_key;   /**< on a grouped connection: the key whose lock
                                   the group's transaction holds from a job
                                   kept so far (todo_db_begin_for()) */
    apr_pool_t *conn_pool;    /**< lives as long as the connection and
                                   holds its prepared statements (NULL: the
                                   caller's pool) */
    int *prepared_in;         /**< where the owner records the session id the
                                   statements were prepared in (may be NULL) */
    apr_uint64_t round_trips; /**< statements run on this connection
                                   (todo_db_select/exec): what a request
                                   costs the database */
    apr_array_header_t *after_commit; /**< hooks of the open transaction
                                           (todo_db_after_commit()) */
    int quiet; /**< its failures are logged at info level, not as errors:
                    its owner retries them and says what matters (the
                    PostgreSQL listener, through outages) */
    todo_db_event_fn event_sink; /**< committed events go here (NULL:
                                      nowhere; PostgreSQL's reach the
                                      ring through its listener) */
    void *event_sink_ctx;
} todo_db_t;

/** Per-connection settings applied by todo_db_setup(). */
typedef struct todo_db_opts_t {
    int busy_timeout_ms; /**< SQLite: how long to wait for a lock */
    int synchronous;     /**< SQLite: TODO_DB_SYNC_FULL or _NORMAL */
} todo_db_opts_t;

/** todo_db_opts_t.synchronous, by index in todo_db_synchronous_names. */
#define TODO_DB_SYNC_FULL 0
#define TODO_DB_SYNC_NORMAL 1

/** SQLite's synchronous modes mod_todo allows ("FULL", "NORMAL"), then
 * NULL: also the words TodoSQLiteSynchronous takes. */
extern const char *const todo_db_synchronous_names[];

/** A transaction from todo_db_begin(). */
typedef struct todo_tx_t {
    apr_dbd_transaction_t *dbd; /**< SQLite's; NULL inside a group commit's
                                     job */
    int native; /**< PostgreSQL: BEGIN ran on the libpq handle */
} todo_tx_t;

/** A fully read result: cells[row * ncols + col], NULL for SQL NULL. */
typedef struct todo_rows_t {
    int nrows;
    int ncols;
    const char **cells;
} todo_rows_t;

/** The cell at row @a r, column @a c of @a rows. */
#define TODO_CELL(rows, r, c) ((rows)->cells[(r) * (rows)->ncols + (c)])

/** Expand to "count, array" for the bound arguments of a statement. */
#define TODO_ARGS(...)                                                         \
    (int)(sizeof((const char *[]){__VA_ARGS__}) / sizeof(const char *)),       \
        (const char *[])                                                       \
    {                                                                          \
        __VA_ARGS__                                                            \
    }
/** No bound arguments. */
#define TODO_NO_ARGS 0, NULL

/**
 * Open a connection with apr_dbd (todoctl, unit tests, migrations in the
 * httpd parent). The connection is closed when @a p is cleared.
 * @return APR_SUCCESS, APR_ENOTIMPL for an unknown driver, or TODO_EDB
 */
apr_status_t todo_db_open(apr_pool_t *p, const char *driver, const char *params,
                          todo_db_t **pdb);

/** todo_db_open_ex(): SQLite: the file must exist already (APR_ENOENT,
 * logging nothing, otherwise), so that no empty database is made by
 * mistake (as root, root's). No effect on PostgreSQL. */
#define TODO_DB_EXISTING 0x1
/** todo_db_open_ex(): a connection that cannot write. SQLite: with
 * PRAGMA query_only; PostgreSQL: its transactions are READ ONLY. */
#define TODO_DB_READONLY 0x2

/**
 * todo_db_open() with @a flags (TODO_DB_EXISTING, TODO_DB_READONLY).
 * @return as todo_db_open(), and APR_ENOENT (TODO_DB_EXISTING) when the
 *         SQLite file @a params names does not exist
 */
apr_status_t todo_db_open_ex(apr_pool_t *p, const char *driver,
                             const char *params, int flags, todo_db_t **pdb);

/**
 * Apply per-connection settings (db->driver->setup): for SQLite the busy
 * timeout (through the native handle, since PRAGMA busy_timeout returns a
 * row and so fails in apr_dbd) and the synchronous mode.
 * Nothing to do for PostgreSQL.
 */
apr_status_t todo_db_setup(todo_db_t *db, const todo_db_opts_t *opts);

/**
 * Log that @a what failed on @a db with the apr_dbd error code @a rc and
 * the driver's message (at info level on a quiet connection), for the
 * store and its drivers.
 * @return TODO_EDB
 */
apr_status_t todo_db_failed(todo_db_t *db, apr_pool_t *p, int rc,
                            const char *what);

/**
 * The database @a params name, fit for a log line: the SQLite file's
 * path, or the libpq connection string with its password left out.
 */
const char *todo_db_describe(apr_pool_t *p, todo_dialect_t dialect,
                             const char *params);

/**
 * An identifier of the server session behind the connection
 * (db->driver->session_id): the backend process id for PostgreSQL (it
 * changes when libpq silently reconnects, which drops the server-side
 * prepared statements), 0 for SQLite.
 */
int todo_db_session_id(todo_db_t *db);

/**
 * Prepare every statement of the dialect into db->prepared (PostgreSQL:
 * after DEALLOCATE ALL, so it can run again on the same session), and
 * record the session in *db->prepared_in.
 */
apr_status_t todo_db_prepare_all(todo_db_t *db, apr_pool_t *p);

/** Whether @a label is prepared on @a db: a statement its dialect has. */
int todo_db_prepared(const todo_db_t *db, const char *label);

/**
 * Run the prepared statement @a label, which returns no rows (a write:
 * outside a transaction it takes db->write_lock for its duration).
 * @param pnrows receives the number of rows changed; may be NULL
 */
apr_status_t todo_db_exec(todo_db_t *db, apr_pool_t *p, const char *label,
                          int *pnrows, int nargs, const char **args);

/**
 * Run the prepared statement @a label and read all of its rows into
 * memory from @a p (results here are small: at most a page).
 */
apr_status_t todo_db_select(todo_db_t *db, apr_pool_t *p, const char *label,
                            todo_rows_t **prows, int nargs, const char **args);

/**
 * Start a write transaction: take db->write_lock, then BEGIN (SQLite:
 * BEGIN IMMEDIATE, so the database's write lock is taken up front and any
 * wait happens here, not mid-transaction). todo_db_end() releases both.
 * On a grouped connection the job already runs in a transaction of its
 * own (a savepoint): nothing to start.
 */
apr_status_t todo_db_begin(todo_db_t *db, apr_pool_t *p, todo_tx_t **ptx);

/**
 * A connection that broke (PostgreSQL: the server restarted) is opened
 * again and its statements prepared again. Call it only outside a
 * transaction. @return APR_SUCCESS when the connection is usable as far
 * as its driver knows, an error when it could not be reopened
 */
apr_status_t todo_db_revive(todo_db_t *db, apr_pool_t *p);

/**
 * todo_db_begin(), then (PostgreSQL) take the lock of @a key, held until
 * the transaction ends. Every write of a user's tasks starts so, with the
 * user's id: one user's writes then take turns before they lock a row,
 * so their events commit in id order (todo_event_store.h), and a group
 * commit, whose jobs run in key order (todo_writer.h), takes its users'
 * locks in one global order: groups of different processes or servers,
 * and single writes, never deadlock on each other's rows. SQLite has one
 * writer at a time already.
 */
apr_status_t todo_db_begin_for(todo_db_t *db, apr_pool_t *p, const char *key,
                               todo_tx_t **ptx);

/**
 * End a transaction: commit when @a commit and no statement in it
 * failed, otherwise roll back. Callers pass commit = (their rv == 0) and
 * keep their own rv when rolling back.
 * @return APR_SUCCESS if COMMIT or ROLLBACK ran, TODO_EDB if it failed
 */
apr_status_t todo_db_end(todo_db_t *db, apr_pool_t *p, todo_tx_t *tx,
                         int commit);

/**
 * End the transaction @a tx (if one was started) according to @a rv, the
 * status of the work done in it: commit on success, roll back otherwise.
 * @return @a rv, or the commit's failure
 */
apr_status_t todo_db_finish(todo_db_t *db, apr_pool_t *p, todo_tx_t *tx,
                            apr_status_t rv);

/**
 * Run @a fn(@a baton) once the open transaction commits: right after its
 * COMMIT succeeded, before db->write_lock is released (so hooks of
 * successive transactions run in commit order). Dropped if it rolls back;
 * in a group commit (todo_writer.h), dropped with a job rolled back to its
 * savepoint, run after the group's COMMIT. Outside a transaction, @a fn
 * runs at once (the statement has committed). @a baton and @a p must live
 * until then.
 */
void todo_db_after_commit(todo_db_t *db, apr_pool_t *p, todo_db_hook_fn fn,
                          void *baton);

/** The number of hooks registered so far (a savepoint's mark). */
int todo_db_hooks_mark(const todo_db_t *db);

/**
 * End the hooks from @a mark on: run them in order when @a run, else
 * drop them. (todo_db_end() does this; the group commit for its jobs.)
 */
void todo_db_hooks_end(todo_db_t *db, int mark, int run);

/** Run a statement that returns one row and one integer column. */
apr_status_t todo_db_count(todo_db_t *db, apr_pool_t *p, const char *label,
                           apr_int64_t *pcount, int nargs, const char **args);

#endif /* TODO_STORE_H */
