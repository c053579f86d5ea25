/* Licensed under the Apache License, Version 2.0; see LICENSE. */

/**
 * @file todo_task_columns.h
 * @brief The tasks table's columns, written once: what every task query
 * returns, what an INSERT writes, and what GET /tasks filters on.
 *
 * X-macro lists. todo_sql.c builds its SQL text from them (SQLite and
 * PostgreSQL spellings side by side), todo_task_store.c reads rows and
 * binds values by the enums they generate, so a column is added in one
 * line and every count follows.
 *
 * Each list takes two macros: FIRST for its first entry and NEXT for the
 * others, so that a list of SQL text can put the commas between entries.
 */
#ifndef TODO_TASK_COLUMNS_H
#define TODO_TASK_COLUMNS_H

/** What a task query returns, in order: (name, SQLite, PostgreSQL). */
#define TODO_TASK_SELECT(FIRST, NEXT)                                          \
    FIRST(ID, "id", "id")                                                      \
    NEXT(USER, "user_id", "user_id")                                           \
    NEXT(TITLE, "title", "title")                                              \
    NEXT(DESCRIPTION, "description", "description")                            \
    NEXT(STATUS, "status", "status")                                           \
    NEXT(PRIORITY, "priority", "priority")                                     \
    NEXT(DUE, "due_date", "todo_ts(due_date)")                                 \
    NEXT(CREATED, "created_at", "todo_ts(created_at)")                         \
    NEXT(UPDATED, "updated_at", "todo_ts(updated_at)")                         \
    NEXT(VERSION, "version", "version")

/** What an INSERT writes, in order: (name, column, SQLite placeholder,
 * PostgreSQL placeholder). */
#define TODO_TASK_INSERT(FIRST, NEXT)                                          \
    FIRST(ID, "id", "%s", "%s::uuid")                                          \
    NEXT(USER, "user_id", "%s", "%s::uuid")                                    \
    NEXT(TITLE, "title", "%s", "%s")                                           \
    NEXT(DESCRIPTION, "description", "%s", "%s")                               \
    NEXT(STATUS, "status", "%s", "%s")                                         \
    NEXT(PRIORITY, "priority", "%s", "%s")                                     \
    NEXT(RANK, "priority_rank", "%d", "%d")                                    \
    NEXT(DUE, "due_date", "%s", "%s::timestamptz")                             \
    NEXT(TITLE_FOLD, "title_fold", "%s", "%s")                                 \
    NEXT(SEARCH, "search", "%s", "%s")                                         \
    NEXT(VERSION, "version", "%d", "%d")                                       \
    NEXT(CREATED, "created_at", "%s", "%s::timestamptz")                       \
    NEXT(UPDATED, "updated_at", "%s", "%s::timestamptz")

/**
 * The optional filters of GET /tasks after "WHERE user_id = ?", in order:
 * (name, SQLite, PostgreSQL). Each condition takes its value twice, "?
 * IS NULL OR ...", so that a NULL value turns it off; apr_dbd binds every
 * value as text, hence the casts where no column gives it an affinity.
 */
#define TODO_TASK_FILTERS(FIRST, NEXT)                                         \
    FIRST(STATUS, "(%s IS NULL OR status = %s)",                               \
          "(%s IS NULL OR status = %s)")                                       \
    NEXT(COMPLETED,                                                            \
         "(%d IS NULL OR (status = 'completed') = CAST(%d AS INTEGER))",       \
         "(%s IS NULL OR (status = 'completed') = %s::boolean)")               \
    NEXT(PRIORITY, "(%s IS NULL OR priority = %s)",                            \
         "(%s IS NULL OR priority = %s)")                                      \
    NEXT(Q, "(%s IS NULL OR instr(search, %s) > 0)",                           \
         "(%s IS NULL OR strpos(search, %s) > 0)")                             \
    NEXT(DUE_BEFORE, "(%s IS NULL OR due_date < %s)",                          \
         "(%s IS NULL OR due_date < %s::timestamptz)")                         \
    NEXT(DUE_AFTER, "(%s IS NULL OR due_date > %s)",                           \
         "(%s IS NULL OR due_date > %s::timestamptz)")

#define TODO_TASK_ENUM_(prefix, name, ...) prefix##name,

/** Column numbers of TODO_TASK_SELECT (TODO_TASK_COL_ID ...). */
#define TODO_TASK_COL_(name, ...) TODO_TASK_ENUM_(TODO_TASK_COL_, name)
enum { TODO_TASK_SELECT(TODO_TASK_COL_, TODO_TASK_COL_) TODO_TASK_NCOLS };

/** Value numbers of TODO_TASK_INSERT (TODO_TASK_INS_ID ...). */
#define TODO_TASK_INS_(name, ...) TODO_TASK_ENUM_(TODO_TASK_INS_, name)
enum { TODO_TASK_INSERT(TODO_TASK_INS_, TODO_TASK_INS_) TODO_TASK_NINSERT };

/** Filter numbers of TODO_TASK_FILTERS (TODO_TASK_FILTER_STATUS ...). */
#define TODO_TASK_FILTER_(name, ...) TODO_TASK_ENUM_(TODO_TASK_FILTER_, name)
enum {
    TODO_TASK_FILTERS(TODO_TASK_FILTER_, TODO_TASK_FILTER_) TODO_TASK_NFILTERS
};

/** The values a filtered count binds: the user, then each filter's twice. */
#define TODO_TASK_NFILTER_ARGS (1 + 2 * TODO_TASK_NFILTERS)

#endif /* TODO_TASK_COLUMNS_H */
