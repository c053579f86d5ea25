/* Licensed under the Apache License, Version 2.0; see LICENSE. */

/**
 * @file todo_sql.h
 * @brief Every SQL statement of the module, by label, one column per
 * database dialect. Nothing else in the module holds SQL (migrations live
 * in sql/<driver>/). Placeholders are apr_dbd's: %s for text, %d for
 * integers; they are bound, never formatted in.
 */
#ifndef TODO_SQL_H
#define TODO_SQL_H

#include <apr_errno.h>

/** The SQL dialects, one per apr_dbd driver the module supports. */
typedef enum {
    TODO_DIALECT_SQLITE3,
    TODO_DIALECT_PGSQL,
    TODO_DIALECT_COUNT
} todo_dialect_t;

/** One statement: its label and its text per dialect. */
typedef struct todo_sql_stmt_t {
    const char *label;
    const char *sql[TODO_DIALECT_COUNT];
} todo_sql_stmt_t;

/* Statement labels. */
#define TODO_SQL_PING "todo_ping"
#define TODO_SQL_LOCK_KEY "todo_lock_key"
/** PostgreSQL: send one realtime event message to every server. */
#define TODO_SQL_EVENT_NOTIFY "todo_event_notify"
/** PostgreSQL: what the event listener's own connection runs, once. */
#define TODO_SQL_EVENT_LISTEN "LISTEN todo_events"
/* Durable task events (todo_event_store.h). */
#define TODO_SQL_EVENT_INSERT "todo_event_insert"
#define TODO_SQL_EVENT_BOUNDS "todo_event_bounds"
#define TODO_SQL_EVENT_AFTER "todo_event_after"
#define TODO_SQL_EVENT_FETCH "todo_event_fetch"
#define TODO_SQL_EVENT_IDS_SINCE "todo_event_ids_since"
#define TODO_SQL_EVENT_PRUNE_MARK "todo_event_prune_mark"
#define TODO_SQL_EVENT_PRUNE "todo_event_prune"
#define TODO_SQL_EVENT_DELETE_USER "todo_event_delete_user"
#define TODO_SQL_USER_INSERT "todo_user_insert"
#define TODO_SQL_USER_CONFLICT "todo_user_conflict"
#define TODO_SQL_USER_GET "todo_user_get"
#define TODO_SQL_USER_BY_LOGIN "todo_user_by_login"
#define TODO_SQL_USER_LIST "todo_user_list"
#define TODO_SQL_USER_COUNT "todo_user_count"
#define TODO_SQL_USER_UPDATE "todo_user_update"
#define TODO_SQL_USER_DELETE "todo_user_delete"
#define TODO_SQL_USER_SET_ACTIVE "todo_user_set_active"
#define TODO_SQL_USER_SET_PASSWORD "todo_user_set_password"
#define TODO_SQL_SESSION_DELETE_USER "todo_session_delete_user"
#define TODO_SQL_SESSION_INSERT "todo_session_insert"
#define TODO_SQL_SESSION_PRINCIPAL "todo_session_principal"
#define TODO_SQL_SESSION_GET "todo_session_get"
#define TODO_SQL_SESSION_ROTATE "todo_session_rotate"
#define TODO_SQL_SESSION_REVOKE "todo_session_revoke"
#define TODO_SQL_SESSION_REVOKE_OTHERS "todo_session_revoke_others"
#define TODO_SQL_SESSION_REVOKE_USER "todo_session_revoke_user"
#define TODO_SQL_TASK_INSERT "todo_task_insert"
/** PostgreSQL: a task and its event in one statement (SQLite: none). */
#define TODO_SQL_TASK_INSERT_EVENT "todo_task_insert_event"
#define TODO_SQL_TASK_GET "todo_task_get"
#define TODO_SQL_TASK_GET_FOR_UPDATE "todo_task_get_for_update"
#define TODO_SQL_TASK_UPDATE "todo_task_update"
#define TODO_SQL_TASK_DELETE "todo_task_delete"
#define TODO_SQL_TASK_DELETE_USER "todo_task_delete_user"
#define TODO_SQL_TASK_COUNT "todo_task_count"
#define TODO_SQL_TASK_COUNT_ALL "todo_task_count_all"
#define TODO_SQL_RATE_TAKE "todo_rate_take"
#define TODO_SQL_RATE_TAT "todo_rate_tat"
#define TODO_SQL_RATE_PRUNE "todo_rate_prune"

/**
 * The label of the task list statement for a sort key (as
 * todo_task_sort_t numbers them), a direction, and whether any filter is
 * set (without, the total comes from the index alone).
 */
const char *todo_sql_task_list_label(int sort, int desc, int filtered);

/**
 * Map an apr_dbd driver name ("sqlite3", "pgsql") to its dialect.
 * @return APR_SUCCESS, or APR_ENOTIMPL for a driver mod_todo has no SQL for
 */
apr_status_t todo_sql_dialect(const char *driver, todo_dialect_t *pdialect);

/** @return the statement table, and its length in *pcount */
const todo_sql_stmt_t *todo_sql_statements(int *pcount);

#endif /* TODO_SQL_H */
