/* Licensed under the Apache License, Version 2.0; see LICENSE. */

/*
 * Every statement, once per dialect. The two columns say the same thing;
 * they differ where the databases do:
 *  - PostgreSQL stores ids as uuid and times as timestamptz: apr_dbd
 *    declares %s parameters as varchar, so they are cast (::uuid,
 *    ::timestamptz), and times are rendered by todo_ts() (defined by the
 *    first pgsql migration) as the same RFC 3339 text SQLite stores;
 *  - booleans are 1/0 in SQLite, true/false in PostgreSQL;
 *  - substring search is instr() in SQLite, strpos() in PostgreSQL;
 *  - "NULLs last" is an expression in SQLite, NULLS LAST in PostgreSQL.
 * Parameters are the same, in the same order, in both columns.
 */

#include <string.h>

#include "todo_sql.h"
#include "todo_task_columns.h"

/* Columns of a user as every user query returns them. */
#define USER_COLS "id, email, username, is_active, created_at, updated_at"
#define USER_COLS_PG                                                           \
    "id, email, username, is_active, todo_ts(created_at),"                     \
    " todo_ts(updated_at)"
#define USER_COLS_U                                                            \
    "u.id, u.email, u.username, u.is_active, u.created_at, u.updated_at"
#define USER_COLS_U_PG                                                         \
    "u.id, u.email, u.username, u.is_active, todo_ts(u.created_at),"           \
    " todo_ts(u.updated_at)"

/* A task's columns, insert and filters (todo_task_columns.h), spelt
 * for each dialect. */
#define FIRST_SQLITE(name, sqlite, pg) sqlite
#define NEXT_SQLITE(name, sqlite, pg) ", " sqlite
#define FIRST_PG(name, sqlite, pg) pg
#define NEXT_PG(name, sqlite, pg) ", " pg
#define TASK_COLS TODO_TASK_SELECT(FIRST_SQLITE, NEXT_SQLITE)
#define TASK_COLS_PG TODO_TASK_SELECT(FIRST_PG, NEXT_PG)

#define FIRST_COLUMN(name, column, sqlite, pg) column
#define NEXT_COLUMN(name, column, sqlite, pg) ", " column
#define FIRST_VALUE_SQLITE(name, column, sqlite, pg) sqlite
#define NEXT_VALUE_SQLITE(name, column, sqlite, pg) ", " sqlite
#define FIRST_VALUE_PG(name, column, sqlite, pg) pg
#define NEXT_VALUE_PG(name, column, sqlite, pg) ", " pg
#define TASK_INSERT_INTO                                                       \
    "INSERT INTO tasks (" TODO_TASK_INSERT(FIRST_COLUMN, NEXT_COLUMN) ")"

#define AND_SQLITE(name, sqlite, pg) " AND " sqlite
#define AND_PG(name, sqlite, pg) " AND " pg
#define TASK_FILTER                                                            \
    " WHERE user_id = %s" TODO_TASK_FILTERS(AND_SQLITE, AND_SQLITE)
#define TASK_FILTER_PG                                                         \
    " WHERE user_id = %s::uuid" TODO_TASK_FILTERS(AND_PG, AND_PG)

/* The check a read makes of its own session, in its own statement: the
 * token's session is not revoked and its user is active, as
 * TODO_SQL_SESSION_PRINCIPAL checks. Arguments: the session id, the user
 * id. No row when the session is not live. */
#define SESSION_LIVE(what)                                                     \
    "SELECT " what " FROM sessions s JOIN users u ON u.id = s.user_id"         \
    " WHERE s.id = %s AND s.user_id = %s AND s.revoked_at IS NULL"             \
    " AND u.is_active = 1"
#define SESSION_LIVE_PG(what)                                                  \
    "SELECT " what " FROM sessions s JOIN users u ON u.id = s.user_id"         \
    " WHERE s.id = %s::uuid AND s.user_id = %s::uuid"                          \
    " AND s.revoked_at IS NULL AND u.is_active"

/* How many tasks a list has: all of them (one row, kept by triggers:
 * sql/sqlite3/0003_task_counts.up.sql, sql/pgsql/0005_task_counts.up.sql)
 * or those the filters keep. Uncorrelated: computed once per statement. */
#define TASK_TOTAL_ALL                                                         \
    "coalesce((SELECT n FROM task_counts WHERE user_id = %s), 0)"
#define TASK_TOTAL_ALL_PG                                                      \
    "coalesce((SELECT n FROM task_counts WHERE user_id = %s::uuid), 0)"
#define TASK_TOTAL "(SELECT count(*) FROM tasks" TASK_FILTER ")"
#define TASK_TOTAL_PG "(SELECT count(*) FROM tasks" TASK_FILTER_PG ")"

/* A page of a list, each row with the list's total, if the session is
 * live: one statement. No row is an empty page or a dead session, which
 * TODO_SQL_TASK_COUNT(_ALL) then tells apart. Arguments: the total's,
 * the filter's (the user, each filter's value twice), the session's,
 * LIMIT and OFFSET. */
#define TASK_LIST(total, order)                                                \
    "SELECT " TASK_COLS ", " total " FROM tasks" TASK_FILTER                   \
    " AND EXISTS (" SESSION_LIVE("1") ") ORDER BY " order                      \
                                      " LIMIT %d OFFSET %d"
#define TASK_LIST_PG(total, order)                                             \
    "SELECT " TASK_COLS_PG ", " total " FROM tasks" TASK_FILTER_PG             \
    " AND EXISTS (" SESSION_LIVE_PG("1") ") ORDER BY " order                   \
                                         " LIMIT %d OFFSET %d"
/* A sort order's two statements: without filters, then with. */
#define TASK_LISTS(name, order, order_pg)                                      \
    {"todo_task_list_" name,                                                   \
     {TASK_LIST(TASK_TOTAL_ALL, order),                                        \
      TASK_LIST_PG(TASK_TOTAL_ALL_PG, order_pg)}},                             \
    {                                                                          \
        "todo_task_list_" name "_filtered",                                    \
        {                                                                      \
            TASK_LIST(TASK_TOTAL, order),                                      \
                TASK_LIST_PG(TASK_TOTAL_PG, order_pg)                          \
        }                                                                      \
    }

/* PostgreSQL: an event of @a user (an expression over @a from), whose
 * payload is the next parameter, stamped with the database's clock in
 * milliseconds; then its id, NOTIFYed as 'e<id>' (delivered at the
 * commit, in commit order) and returned. */
#define EVENT_INSERT_PG(user, from)                                            \
    "INSERT INTO events (user_id, payload, created_at) SELECT " user ", %s,"   \
    " (extract(epoch FROM clock_timestamp()) * 1000)::bigint FROM " from       \
    " RETURNING id"
#define EVENT_NOTIFY_PG                                                        \
    " SELECT e.id FROM e, LATERAL (SELECT pg_notify('todo_events',"            \
    " 'e' || e.id)) n"

static const todo_sql_stmt_t statements[] = {
    {TODO_SQL_PING, {"SELECT 1", "SELECT 1"}},
    /* A key's lock until the transaction ends (todo_db_begin_for()): the
     * same lock a task event takes (TODO_SQL_EVENT_INSERT). SQLite has
     * one writer at a time: nothing to take. */
    {TODO_SQL_LOCK_KEY,
     {NULL, "SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))"}},
    /* SQLite has one server: its events never leave shared memory. */
    {TODO_SQL_EVENT_NOTIFY,
     {"SELECT %s WHERE 0", "SELECT pg_notify('todo_events', %s)"}},
    /* A task write's event, the last statement of its transaction.
     * PostgreSQL: the user's advisory lock is taken before the id is
     * drawn (the CTE is materialised, so its row, and the lock, come
     * first) and held until the commit, so one user's events commit in
     * id order; 'e<id>' is NOTIFYed, which PostgreSQL delivers at the
     * commit, in commit order. SQLite has one writer at a time: ids are
     * in commit order already. created_at is the database's clock, in
     * milliseconds. */
    {TODO_SQL_EVENT_INSERT,
     {"INSERT INTO events (user_id, payload, created_at) VALUES (%s, %s,"
      " CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER))"
      " RETURNING id",
      "WITH l AS MATERIALIZED (SELECT u,"
      " pg_advisory_xact_lock(hashtextextended(u, 0))"
      " FROM (VALUES (%s::text)) v (u)),"
      " e AS (" EVENT_INSERT_PG("l.u::uuid", "l") ")" EVENT_NOTIFY_PG}},
    /* What a resume checks its id against: what pruning removed (every
     * id up to it), and the newest id. */
    {TODO_SQL_EVENT_BOUNDS,
     {"SELECT up_to, (SELECT coalesce(max(id), 0) FROM events)"
      " FROM events_pruned",
      "SELECT up_to, (SELECT coalesce(max(id), 0) FROM events)"
      " FROM events_pruned"}},
    /* A user's events after an id, a page at a time. */
    {TODO_SQL_EVENT_AFTER,
     {"SELECT id, payload FROM events WHERE user_id = %s"
      " AND id > CAST(%s AS INTEGER) ORDER BY id LIMIT %d",
      "SELECT id, payload FROM events WHERE user_id = %s::uuid"
      " AND id > %lld ORDER BY id LIMIT %d"}},
    /* Events by id: a JSON array of ids ("[3,5,8]"). */
    {TODO_SQL_EVENT_FETCH,
     {"SELECT id, user_id, payload FROM events"
      " WHERE id IN (SELECT value FROM json_each(%s))",
      "SELECT id, user_id, payload FROM events WHERE id = ANY"
      " (ARRAY(SELECT json_array_elements_text(%s::json)::bigint))"}},
    /* The ids of the events made since a time (ms), in one snapshot. */
    {TODO_SQL_EVENT_IDS_SINCE,
     {"SELECT id FROM events WHERE created_at >= CAST(%s AS INTEGER)"
      " ORDER BY id LIMIT %d",
      "SELECT id FROM events WHERE created_at >= %lld ORDER BY id"
      " LIMIT %d"}},
    /* Pruning, one batch: the watermark moves up to the newest of the
     * oldest N events made before a time (ms), then every event up to
     * the watermark goes, in the same transaction. By id, so that
     * "nothing after the watermark was pruned" holds exactly. */
    {TODO_SQL_EVENT_PRUNE_MARK,
     {"WITH cut AS (SELECT max(id) AS x FROM (SELECT id, created_at"
      " FROM events ORDER BY id LIMIT %d) o"
      " WHERE created_at < CAST(%s AS INTEGER))"
      " UPDATE events_pruned SET up_to = (SELECT x FROM cut)"
      " WHERE (SELECT x FROM cut) > up_to",
      "WITH cut AS (SELECT max(id) AS x FROM (SELECT id, created_at"
      " FROM events ORDER BY id LIMIT %d) o WHERE created_at < %lld)"
      " UPDATE events_pruned SET up_to = (SELECT x FROM cut)"
      " WHERE (SELECT x FROM cut) > up_to"}},
    {TODO_SQL_EVENT_PRUNE,
     {"DELETE FROM events WHERE id <= (SELECT up_to FROM events_pruned)",
      "DELETE FROM events WHERE id <= (SELECT up_to FROM events_pruned)"}},
    {TODO_SQL_EVENT_DELETE_USER,
     {"DELETE FROM events WHERE user_id = %s",
      "DELETE FROM events WHERE user_id = %s::uuid"}},
    {TODO_SQL_USER_INSERT,
     {"INSERT INTO users (id, email, username, password_hash, is_active,"
      " created_at, updated_at) VALUES (%s, %s, %s, %s, 1, %s, %s)"
      " ON CONFLICT DO NOTHING",
      "INSERT INTO users (id, email, username, password_hash, is_active,"
      " created_at, updated_at) VALUES (%s::uuid, %s, %s, %s, true,"
      " %s::timestamptz, %s::timestamptz) ON CONFLICT DO NOTHING"}},
    /* Which unique key a write collides with: (email, username). */
    {TODO_SQL_USER_CONFLICT,
     {"SELECT (SELECT count(*) FROM users WHERE email = %s AND id <> %s),"
      " (SELECT count(*) FROM users WHERE lower(username) = %s AND id <> %s)",
      "SELECT (SELECT count(*) FROM users WHERE email = %s"
      " AND id <> %s::uuid), (SELECT count(*) FROM users"
      " WHERE lower(username) = %s AND id <> %s::uuid)"}},
    {TODO_SQL_USER_GET,
     {"SELECT " USER_COLS " FROM users WHERE id = %s",
      "SELECT " USER_COLS_PG " FROM users WHERE id = %s::uuid"}},
    {TODO_SQL_USER_BY_LOGIN,
     {"SELECT " USER_COLS ", password_hash FROM users"
      " WHERE email = %s OR lower(username) = %s",
      "SELECT " USER_COLS_PG ", password_hash FROM users"
      " WHERE email = %s OR lower(username) = %s"}},
    {TODO_SQL_USER_LIST,
     {"SELECT " USER_COLS " FROM users ORDER BY created_at, id"
      " LIMIT %d OFFSET %d",
      "SELECT " USER_COLS_PG " FROM users ORDER BY created_at, id"
      " LIMIT %d OFFSET %d"}},
    {TODO_SQL_USER_COUNT,
     {"SELECT count(*) FROM users", "SELECT count(*) FROM users"}},
    {TODO_SQL_USER_UPDATE,
     {"UPDATE users SET email = coalesce(%s, email),"
      " username = coalesce(%s, username),"
      " password_hash = coalesce(%s, password_hash), updated_at = %s"
      " WHERE id = %s",
      "UPDATE users SET email = coalesce(%s, email),"
      " username = coalesce(%s, username),"
      " password_hash = coalesce(%s, password_hash),"
      " updated_at = %s::timestamptz WHERE id = %s::uuid"}},
    {TODO_SQL_USER_DELETE,
     {"DELETE FROM users WHERE id = %s",
      "DELETE FROM users WHERE id = %s::uuid"}},
    /* todoctl user disable|enable (1 or 0) and user password. */
    {TODO_SQL_USER_SET_ACTIVE,
     {"UPDATE users SET is_active = %d, updated_at = %s WHERE id = %s",
      "UPDATE users SET is_active = (%d <> 0), updated_at = %s::timestamptz"
      " WHERE id = %s::uuid"}},
    {TODO_SQL_USER_SET_PASSWORD,
     {"UPDATE users SET password_hash = %s, updated_at = %s WHERE id = %s",
      "UPDATE users SET password_hash = %s, updated_at = %s::timestamptz"
      " WHERE id = %s::uuid"}},
    /* Dependent rows go explicitly, in the same transaction: SQLite's
     * foreign_keys pragma is per connection and off by default. */
    {TODO_SQL_SESSION_DELETE_USER,
     {"DELETE FROM sessions WHERE user_id = %s",
      "DELETE FROM sessions WHERE user_id = %s::uuid"}},
    {TODO_SQL_SESSION_INSERT,
     {"INSERT INTO sessions (id, user_id, generation, created_at, expires_at)"
      " VALUES (%s, %s, 0, %s, %s)",
      "INSERT INTO sessions (id, user_id, generation, created_at, expires_at)"
      " VALUES (%s::uuid, %s::uuid, 0, %s::timestamptz, %s::timestamptz)"}},
    /* One query from a token to its live session and active user. */
    {TODO_SQL_SESSION_PRINCIPAL,
     {"SELECT " USER_COLS_U " FROM sessions s JOIN users u ON u.id = s.user_id"
      " WHERE s.id = %s AND s.user_id = %s AND s.revoked_at IS NULL"
      " AND u.is_active = 1",
      "SELECT " USER_COLS_U_PG " FROM sessions s"
      " JOIN users u ON u.id = s.user_id WHERE s.id = %s::uuid"
      " AND s.user_id = %s::uuid AND s.revoked_at IS NULL AND u.is_active"}},
    {TODO_SQL_SESSION_GET,
     {"SELECT s.user_id, s.generation, s.rotated_at, s.expires_at,"
      " s.revoked_at, u.is_active"
      " FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.id = %s",
      "SELECT s.user_id, s.generation, todo_ts(s.rotated_at),"
      " todo_ts(s.expires_at), todo_ts(s.revoked_at), u.is_active"
      " FROM sessions s JOIN users u ON u.id = s.user_id"
      " WHERE s.id = %s::uuid"}},
    /* Compare-and-set on the generation: of two racing refreshes with the
     * same token, exactly one changes a row. */
    {TODO_SQL_SESSION_ROTATE,
     {"UPDATE sessions SET generation = generation + 1, rotated_at = %s,"
      " expires_at = %s WHERE id = %s AND generation = %d"
      " AND revoked_at IS NULL",
      "UPDATE sessions SET generation = generation + 1,"
      " rotated_at = %s::timestamptz, expires_at = %s::timestamptz"
      " WHERE id = %s::uuid AND generation = %d AND revoked_at IS NULL"}},
    {TODO_SQL_SESSION_REVOKE,
     {"UPDATE sessions SET revoked_at = %s WHERE id = %s"
      " AND revoked_at IS NULL",
      "UPDATE sessions SET revoked_at = %s::timestamptz WHERE id = %s::uuid"
      " AND revoked_at IS NULL"}},
    /* Every session of the user (todoctl: disable, password, revoke). */
    {TODO_SQL_SESSION_REVOKE_USER,
     {"UPDATE sessions SET revoked_at = %s WHERE user_id = %s"
      " AND revoked_at IS NULL",
      "UPDATE sessions SET revoked_at = %s::timestamptz"
      " WHERE user_id = %s::uuid AND revoked_at IS NULL"}},
    /* Every session of the user but one (NULL: all of them). */
    {TODO_SQL_SESSION_REVOKE_OTHERS,
     {"UPDATE sessions SET revoked_at = %s WHERE user_id = %s"
      " AND id IS NOT %s AND revoked_at IS NULL",
      "UPDATE sessions SET revoked_at = %s::timestamptz"
      " WHERE user_id = %s::uuid AND id IS DISTINCT FROM %s::uuid"
      " AND revoked_at IS NULL"}},
    {TODO_SQL_TASK_INSERT,
     {TASK_INSERT_INTO
      " VALUES (" TODO_TASK_INSERT(FIRST_VALUE_SQLITE, NEXT_VALUE_SQLITE) ")",
      TASK_INSERT_INTO
      " VALUES (" TODO_TASK_INSERT(FIRST_VALUE_PG, NEXT_VALUE_PG) ")"}},
    /* A created task and its event (TODO_SQL_EVENT_INSERT, whose lock
     * todo_db_begin_for() took already), if the session is live, in one
     * round trip: the session's arguments (TODO_SQL_TASK_GET's), the
     * task's, then the event's payload. Returns the event's id; no row
     * for a dead session, and nothing written. SQLite is in the process:
     * its statements cost no round trip. */
    {TODO_SQL_TASK_INSERT_EVENT,
     {NULL,
      "WITH s AS (" SESSION_LIVE_PG(
          "1") "),"
               " t AS (" TASK_INSERT_INTO " SELECT " TODO_TASK_INSERT(
                   FIRST_VALUE_PG,
                   NEXT_VALUE_PG) " FROM s RETURNING user_id),"
                                  " e AS (" EVENT_INSERT_PG(
                                      "t.user_id", "t") ")" EVENT_NOTIFY_PG}},
    /* The task, if the session is live: no row for a dead session, a
     * row of NULLs for no such task of the user's. Arguments: the
     * session's, then the task id. */
    {TODO_SQL_TASK_GET,
     {"SELECT " TASK_COLS " FROM (" SESSION_LIVE(
          "s.user_id AS live_user") ") g LEFT JOIN tasks ON tasks.id = %s AND "
                                    "tasks.user_id = g.live_user",
      "SELECT " TASK_COLS_PG " FROM (" SESSION_LIVE_PG(
          "s.user_id AS live_user") ") g LEFT JOIN tasks ON tasks.id = %s::uuid"
                                    " AND tasks.user_id = g.live_user"}},
    /* The read of a read-modify-write: PostgreSQL locks the row, so a
     * concurrent writer waits instead of failing the version check below
     * (SQLite's BEGIN IMMEDIATE already serialises writers). */
    {TODO_SQL_TASK_GET_FOR_UPDATE,
     {"SELECT " TASK_COLS " FROM tasks WHERE id = %s AND user_id = %s",
      "SELECT " TASK_COLS_PG " FROM tasks WHERE id = %s::uuid"
      " AND user_id = %s::uuid FOR UPDATE"}},
    /* Ownership and the version read in the same transaction are both
     * conditions of the write itself. */
    {TODO_SQL_TASK_UPDATE,
     {"UPDATE tasks SET title = %s, description = %s, status = %s,"
      " priority = %s, priority_rank = %d, due_date = %s, title_fold = %s,"
      " search = %s, version = version + 1, updated_at = %s"
      " WHERE id = %s AND user_id = %s AND version = %d",
      "UPDATE tasks SET title = %s, description = %s, status = %s,"
      " priority = %s, priority_rank = %d, due_date = %s::timestamptz,"
      " title_fold = %s, search = %s, version = version + 1,"
      " updated_at = %s::timestamptz WHERE id = %s::uuid"
      " AND user_id = %s::uuid AND version = %d"}},
    {TODO_SQL_TASK_DELETE,
     {"DELETE FROM tasks WHERE id = %s AND user_id = %s AND version = %d",
      "DELETE FROM tasks WHERE id = %s::uuid AND user_id = %s::uuid"
      " AND version = %d"}},
    {TODO_SQL_TASK_DELETE_USER,
     {"DELETE FROM tasks WHERE user_id = %s",
      "DELETE FROM tasks WHERE user_id = %s::uuid"}},
    /* A list's total, if the session is live (after an empty page).
     * Arguments: the total's, then the session's. */
    {TODO_SQL_TASK_COUNT_ALL,
     {SESSION_LIVE(TASK_TOTAL_ALL), SESSION_LIVE_PG(TASK_TOTAL_ALL_PG)}},
    /* GCRA in one statement: the key's arrival time moves on by the
     * interval from max(itself, now) unless that passes now + period
     * (then no row changes: refused). Arguments: key, now + interval,
     * interval, interval, now + period (milliseconds). */
    {TODO_SQL_RATE_TAKE,
     {"INSERT INTO rate_limits AS r (key, tat)"
      " VALUES (%s, CAST(%s AS INTEGER)) ON CONFLICT (key) DO UPDATE"
      " SET tat = max(r.tat + CAST(%s AS INTEGER), excluded.tat)"
      " WHERE max(r.tat + CAST(%s AS INTEGER), excluded.tat)"
      " <= CAST(%s AS INTEGER)",
      "INSERT INTO rate_limits AS r (key, tat) VALUES (%s, %lld)"
      " ON CONFLICT (key) DO UPDATE"
      " SET tat = greatest(r.tat + %lld, excluded.tat)"
      " WHERE greatest(r.tat + %lld, excluded.tat) <= %lld"}},
    {TODO_SQL_RATE_TAT,
     {"SELECT tat FROM rate_limits WHERE key = %s",
      "SELECT tat FROM rate_limits WHERE key = %s"}},
    /* A key whose arrival time has passed is as good as absent. */
    {TODO_SQL_RATE_PRUNE,
     {"DELETE FROM rate_limits WHERE tat < CAST(%s AS INTEGER)",
      "DELETE FROM rate_limits WHERE tat < %lld"}},
    {TODO_SQL_TASK_COUNT,
     {SESSION_LIVE(TASK_TOTAL), SESSION_LIVE_PG(TASK_TOTAL_PG)}},
    /* The list statements: five sort keys, two directions, id breaking
     * ties in the same direction; due_date puts NULLs last either way.
     * Keep the order of todo_task_sort_t: todo_sql_task_list_label()
     * relies on it. */
    TASK_LISTS("created_at_asc", "created_at, id", "created_at, id"),
    TASK_LISTS("created_at_desc", "created_at DESC, id DESC",
               "created_at DESC, id DESC"),
    TASK_LISTS("updated_at_asc", "updated_at, id", "updated_at, id"),
    TASK_LISTS("updated_at_desc", "updated_at DESC, id DESC",
               "updated_at DESC, id DESC"),
    TASK_LISTS("due_date_asc", "(due_date IS NULL), due_date, id",
               "due_date ASC NULLS LAST, id ASC"),
    TASK_LISTS("due_date_desc", "(due_date IS NULL), due_date DESC, id DESC",
               "due_date DESC NULLS LAST, id DESC"),
    TASK_LISTS("priority_asc", "priority_rank, id", "priority_rank, id"),
    TASK_LISTS("priority_desc", "priority_rank DESC, id DESC",
               "priority_rank DESC, id DESC"),
    TASK_LISTS("title_asc", "title_fold, id", "title_fold, id"),
    TASK_LISTS("title_desc", "title_fold DESC, id DESC",
               "title_fold DESC, id DESC"),
};

/* Where the twenty list statements start in statements[]. */
#define TASK_LISTS_AT ((int)(sizeof(statements) / sizeof(statements[0])) - 20)

const char *todo_sql_task_list_label(int sort, int desc, int filtered)
{
    return statements[TASK_LISTS_AT + (sort * 2 + (desc ? 1 : 0)) * 2
                      + (filtered ? 1 : 0)]
        .label;
}

apr_status_t todo_sql_dialect(const char *driver, todo_dialect_t *pdialect)
{
    if (driver && !strcmp(driver, "sqlite3")) {
        *pdialect = TODO_DIALECT_SQLITE3;
        return APR_SUCCESS;
    }
    if (driver && !strcmp(driver, "pgsql")) {
        *pdialect = TODO_DIALECT_PGSQL;
        return APR_SUCCESS;
    }
    return APR_ENOTIMPL;
}

const todo_sql_stmt_t *todo_sql_statements(int *pcount)
{
    *pcount = (int)(sizeof(statements) / sizeof(statements[0]));
    return statements;
}
