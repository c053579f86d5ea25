/* Licensed under the Apache License, Version 2.0; see LICENSE. */

/**
 * @file todo_driver.h
 * @brief The storage seam: what the store needs from a database beyond
 * apr_dbd, as one table of operations per driver. Only the drivers'
 * files (todo_driver_sqlite.c, todo_driver_pgsql.c) call SQLite or libpq.
 *
 * apr_dbd runs statements, prepared or not, on any driver; what it has no
 * API for goes through the native handle, and that is this table: the
 * per-connection settings, a read-only mode, the server session behind a
 * connection, noticing a broken connection and reconnecting, transactions
 * run natively (where apr_dbd's are unsafe), scripts of several
 * statements, the group commit's transaction control and, for the
 * realtime bridge, asynchronous notifications.
 *
 * A todo_db_t carries its driver (db->driver); callers use
 * db->driver->op(db, ...). An op marked "optional" may be NULL, which
 * says the driver has no such thing; every other op is always set.
 * Every op that fails returns TODO_EDB (todo_result.h) unless it says
 * otherwise. scripts/check.sh fails when any other file of mod_todo/ or
 * tests/ calls sqlite3_* or PQ*, includes their headers or takes apr_dbd's
 * native handle.
 */
#ifndef TODO_DRIVER_H
#define TODO_DRIVER_H

#include <apr_pools.h>

#include "todo_sql.h"

struct todo_db_t;
struct todo_db_opts_t;

/** A transaction run natively (todo_db_driver_t.tx). */
typedef enum {
    TODO_DB_TX_BEGIN,
    TODO_DB_TX_COMMIT,
    TODO_DB_TX_ROLLBACK
} todo_db_tx_t;

/**
 * The statements of a group commit (todo_writer.h): one transaction that
 * takes the database's write lock at once, a savepoint per job.
 */
typedef enum {
    TODO_DB_CTL_BEGIN,       /**< begin, taking the write lock now */
    TODO_DB_CTL_SAVEPOINT,   /**< a job starts */
    TODO_DB_CTL_RELEASE,     /**< a job is kept */
    TODO_DB_CTL_ROLLBACK_TO, /**< a job is undone */
    TODO_DB_CTL_COMMIT,
    TODO_DB_CTL_ROLLBACK,
    TODO_DB_CTL_COUNT
} todo_db_ctl_t;

/** A driver's prepared group-commit statements (control_prepare()). */
typedef struct todo_db_control_t todo_db_control_t;

/** One database driver. */
typedef struct todo_db_driver_t {
    const char *name;       /**< the apr_dbd driver's: "sqlite3", "pgsql" */
    todo_dialect_t dialect; /**< which column of todo_sql.c it runs */

    /* ---- connections ---- */

    /** Apply @a opts to a new connection (todo_db_setup()). */
    apr_status_t (*setup)(struct todo_db_t *db,
                          const struct todo_db_opts_t *opts);
    /** Make the connection refuse to write (TODO_DB_READONLY). */
    apr_status_t (*read_only)(struct todo_db_t *db, apr_pool_t *p);
    /** The server session behind the connection (todo_db_session_id()):
     * it changes when the connection was re-established, which loses
     * server-side prepared statements; 0 if there is no such thing. */
    int (*session_id)(struct todo_db_t *db);
    /** Whether the connection is usable, as far as the client library
     * knows without a round trip (1) or known broken (0). */
    int (*healthy)(struct todo_db_t *db);
    /** Re-establish a broken connection (prepared statements are gone).
     * @return APR_SUCCESS if it is usable again, APR_ENOTIMPL if the
     *         driver cannot, or TODO_EDB */
    apr_status_t (*reset)(struct todo_db_t *db);

    /* ---- transactions and scripts ---- */

    /** Optional: run BEGIN, COMMIT or ROLLBACK on the native handle
     * instead of apr_dbd's transactions (todo_db_begin()). Logs nothing;
     * the caller logs the driver's message (apr_dbd_error()). */
    apr_status_t (*tx)(struct todo_db_t *db, todo_db_tx_t cmd);
    /** Whether a transaction is open on the connection: the database's
     * own view, which may differ from todo_db_t.in_tx when the database
     * rolled back by itself (SQLite does on SQLITE_FULL or an I/O error). */
    int (*in_transaction)(struct todo_db_t *db);
    /** Run every statement of @a sql, none of which returns rows that
     * matter (migrations). Logs nothing.
     * @param perr receives the database's message on failure, from @a p */
    apr_status_t (*script)(struct todo_db_t *db, apr_pool_t *p, const char *sql,
                           const char **perr);
    /** Optional: what a database needs once migrations have committed
     * (SQLite: switch the file to WAL mode, which persists). Logs its
     * failure. */
    apr_status_t (*post_migrate)(struct todo_db_t *db, apr_pool_t *p);

    /* ---- group commit (todo_writer.h); optional: both or neither ---- */

    /** Prepare the group commit's statements on @a db, bypassing
     * apr_dbd's per-call process mutex. They live as long as @a p (a
     * cleanup registered after the connection's runs before it). */
    apr_status_t (*control_prepare)(struct todo_db_t *db, apr_pool_t *p,
                                    todo_db_control_t **pctl);
    /** Run one of them. Logs nothing.
     * @param perr receives "STATEMENT failed: message (code)", from @a p */
    apr_status_t (*control)(todo_db_control_t *ctl, todo_db_ctl_t which,
                            apr_pool_t *p, const char **perr);
    /** Optional (NULL: control() twice): run @a a, then @a b unless @a a
     * failed, in one round trip to the server. Logs nothing. */
    apr_status_t (*control_pair)(todo_db_control_t *ctl, todo_db_ctl_t a,
                                 todo_db_ctl_t b, apr_pool_t *p,
                                 const char **perr);
    /** 1: a group runs without savepoints first, and only a group in
     * which a job failed is rolled back and run again with one per job
     * (PostgreSQL: a savepoint is a round trip and a subtransaction, and
     * a row a foreign key checks from several of them becomes a
     * MultiXact). 0: a savepoint per job always (SQLite's cost nothing). */
    int savepoints_on_failure;

    /* ---- notifications (mod_todo_bridge.c); optional: all or none ---- */

    /** Whether the server named by the connection string @a params
     * answers, without opening a connection (nothing is logged). */
    int (*ping)(const char *params);
    /** Run @a sql (LISTEN) on @a db's connection, which then receives
     * notifications. @param perr receives the message on failure, from
     * @a p */
    apr_status_t (*listen)(struct todo_db_t *db, apr_pool_t *p, const char *sql,
                           const char **perr);
    /** The connection's socket, to poll for notifications. */
    int (*socket)(struct todo_db_t *db);
    /** Read what arrived on the socket. @return TODO_EDB if the
     * connection is lost */
    apr_status_t (*consume)(struct todo_db_t *db);
    /** The next notification read so far, its payload copied into @a p.
     * @return APR_SUCCESS, or APR_ENOENT when there is none (now) */
    apr_status_t (*notification)(struct todo_db_t *db, apr_pool_t *p,
                                 const char **ppayload);
} todo_db_driver_t;

/** SQLite 3 (todo_driver_sqlite.c). */
extern const todo_db_driver_t todo_db_driver_sqlite3;
/** PostgreSQL through libpq (todo_driver_pgsql.c). */
extern const todo_db_driver_t todo_db_driver_pgsql;

/**
 * The driver for the apr_dbd driver name @a name.
 * @return APR_SUCCESS, or APR_ENOTIMPL if mod_todo has no such driver
 */
apr_status_t todo_db_driver_find(const char *name,
                                 const todo_db_driver_t **pdriver);

/** The driver of @a dialect (one per dialect). */
const todo_db_driver_t *todo_db_driver_of(todo_dialect_t dialect);

#endif /* TODO_DRIVER_H */
