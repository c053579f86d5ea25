/* Licensed under the Apache License, Version 2.0; see LICENSE. */

/**
 * @file ts_task_json.h
 * @brief The reference a task's JSON text is checked against: the same
 * members built as a jansson tree, whose dump must equal what
 * todo_task_json_text() writes byte for byte (unit tests and the
 * fuzz_json_task target). Test code only.
 */
#ifndef TS_TASK_JSON_H
#define TS_TASK_JSON_H

#include <string.h>

#include <jansson.h>

#include "todo_json.h"
#include "todo_task.h"

/** @return @a t as a new jansson object (NULL for invalid UTF-8) */
static inline json_t *ts_task_to_json(const todo_task_t *t)
{
    return json_pack(
        "{s:s, s:s, s:s, s:s?, s:s, s:b, s:s, s:s?, s:s, s:s}", TODO_KEY_ID,
        t->id, TODO_KEY_USER_ID, t->user_id, TODO_KEY_TITLE, t->title,
        TODO_KEY_DESCRIPTION, t->description, TODO_KEY_STATUS, t->status,
        TODO_KEY_COMPLETED, !strcmp(t->status, "completed"), TODO_KEY_PRIORITY,
        t->priority, TODO_KEY_DUE_DATE, t->due_date, TODO_KEY_CREATED_AT,
        t->created_at, TODO_KEY_UPDATED_AT, t->updated_at);
}

#endif /* TS_TASK_JSON_H */
