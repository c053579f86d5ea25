/* Licensed under the Apache License, Version 2.0; see LICENSE. */

/**
 * @file todo_migrate.h
 * @brief Schema migrations: sql/<driver>/NNNN_name.up.sql and .down.sql,
 * compiled into the module and todoctl, recorded in schema_migrations.
 *
 * A run takes the database's write lock first (SQLite: BEGIN IMMEDIATE;
 * PostgreSQL: an advisory transaction lock), then reads which versions
 * are applied, so two servers starting together apply each migration
 * once: the second waits, then finds nothing to do. Each run is one
 * transaction: it applies everything or nothing.
 */
#ifndef TODO_MIGRATE_H
#define TODO_MIGRATE_H

#include <apr_pools.h>
#include <apr_tables.h>

/** One migration as embedded from sql/. */
typedef struct todo_migration_t {
    const char *driver; /**< apr_dbd driver name: "sqlite3", "pgsql" */
    int version;        /**< NNNN from the file name */
    const char *name;   /**< the rest of the file name */
    const char *up;
    const char *down;
} todo_migration_t;

/** The embedded migrations (generated into todo_migrations_data.c). */
extern const todo_migration_t todo_migrations[];
extern const int todo_migrations_count;

/** One line of todo_migrate_status(). */
typedef struct todo_migration_state_t {
    int version;
    const char *name;
    const char *applied_at; /**< NULL if pending */
} todo_migration_state_t;

struct todo_db_t;

/**
 * Apply every pending migration of the connection's driver, in order.
 * For SQLite this also switches the database to WAL mode (persistent).
 * @param papplied receives how many were applied; may be NULL
 * @return APR_SUCCESS, or TODO_EDB with nothing applied
 */
apr_status_t todo_migrate_up(struct todo_db_t *db, apr_pool_t *p,
                             int *papplied);

/**
 * Revert the @a steps most recent applied migrations.
 * @param preverted receives how many were reverted; may be NULL
 */
apr_status_t todo_migrate_down(struct todo_db_t *db, apr_pool_t *p, int steps,
                               int *preverted);

/**
 * The migrations todo_migrate_down(@a steps) would revert, newest first,
 * found without changing anything (a preview).
 * @param pplan receives an array of const todo_migration_t *
 * @return APR_SUCCESS, APR_ENOENT if an applied migration is unknown to
 *         this build, or TODO_EDB
 */
apr_status_t todo_migrate_plan_down(struct todo_db_t *db, apr_pool_t *p,
                                    int steps, apr_array_header_t **pplan);

/**
 * List every known migration of the driver with its state. Read only: on
 * a database never migrated every one is pending, and nothing is made
 * (it works on a TODO_DB_READONLY connection).
 * @param pstates receives an array of todo_migration_state_t
 */
apr_status_t todo_migrate_status(struct todo_db_t *db, apr_pool_t *p,
                                 apr_array_header_t **pstates);

#endif /* TODO_MIGRATE_H */
