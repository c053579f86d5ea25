/* Licensed under the Apache License, Version 2.0; see LICENSE. */

#include <string.h>

#include "todo_driver.h"

/* By dialect: todo_sql.c's columns and the drivers are one to one. */
static const todo_db_driver_t *const drivers[TODO_DIALECT_COUNT] = {
    [TODO_DIALECT_SQLITE3] = &todo_db_driver_sqlite3,
    [TODO_DIALECT_PGSQL] = &todo_db_driver_pgsql,
};

apr_status_t todo_db_driver_find(const char *name,
                                 const todo_db_driver_t **pdriver)
{
    int i;

    for (i = 0; name && i < TODO_DIALECT_COUNT; ++i) {
        if (!strcmp(drivers[i]->name, name)) {
            *pdriver = drivers[i];
            return APR_SUCCESS;
        }
    }
    return APR_ENOTIMPL;
}

const todo_db_driver_t *todo_db_driver_of(todo_dialect_t dialect)
{
    return drivers[dialect];
}
