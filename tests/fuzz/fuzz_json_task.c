/* Licensed under the Apache License, Version 2.0; see LICENSE. */

/* A request body through todo_json_parse_object, then TaskCreate and
 * TaskUpdate validation, as POST /tasks, PATCH /tasks/{id} and each item
 * of POST /tasks/bulk do; accepted input is applied to a task and
 * serialised, the way the handlers answer. */

#include "fuzz_common.h"
#include "../unit/ts_task_json.h"
#include "todo_json.h"
#include "todo_result.h"
#include "todo_task.h"

static void check_result(const todo_result_t *res, apr_status_t rv)
{
    FUZZ_ASSERT(rv == APR_SUCCESS || rv == APR_EINVAL);
    FUZZ_ASSERT(rv == APR_SUCCESS || (res->errors && res->errors->nelts > 0));
}

static void render(apr_pool_t *p, const todo_task_t *t)
{
    json_t *j = todo_json_pool_own(p, ts_task_to_json(t));
    apr_size_t len = 0;

    FUZZ_ASSERT(j != NULL);
    FUZZ_ASSERT(todo_json_dump(p, j, &len) != NULL);
    FUZZ_ASSERT(todo_task_etag(p, t) != NULL);
}

static void fuzz_one(apr_pool_t *p, const uint8_t *data, size_t size)
{
    todo_result_t *res = todo_result_make(p);
    todo_task_input_t in;
    todo_task_t t;
    json_t *body = NULL, *items;
    apr_status_t rv;
    size_t i;

    if (APR_SUCCESS
        != todo_json_parse_object(p, (const char *)data, size, &body, res)) {
        FUZZ_ASSERT(res->errors && res->errors->nelts > 0);
        return;
    }

    memset(&in, 0, sizeof(in));
    res = todo_result_make(p);
    rv = todo_task_parse_input(body, 1, "body", &in, res);
    check_result(res, rv);
    memset(&t, 0, sizeof(t));
    t.id = "0192a6e4-7c2b-7def-8abc-0123456789ab";
    t.user_id = "0192a6e4-7c2b-7def-8abc-0123456789ac";
    t.created_at = t.updated_at = "2026-01-01T00:00:00.000000Z";
    t.version = 1;
    if (APR_SUCCESS == rv) {
        FUZZ_ASSERT(in.title != NULL);
        todo_task_init(&t, &in);
        FUZZ_ASSERT(todo_task_status_valid(t.status));
        FUZZ_ASSERT(todo_task_priority_valid(t.priority));
        render(p, &t);
    }

    memset(&in, 0, sizeof(in));
    res = todo_result_make(p);
    rv = todo_task_parse_input(body, 0, "body", &in, res);
    check_result(res, rv);
    if (APR_SUCCESS == rv) {
        if (!t.title) {
            t.title = "t";
            t.status = "completed";
            t.priority = "medium";
        }
        todo_task_apply(&t, &in);
        FUZZ_ASSERT(todo_task_status_valid(t.status));
        render(p, &t);
    }

    /* the bulk body's items, each at its own location */
    items = json_object_get(body, TODO_KEY_TASKS);
    for (i = 0; json_is_array(items) && i < json_array_size(items); ++i) {
        json_t *item = json_array_get(items, i);
        if (json_is_object(item)) {
            memset(&in, 0, sizeof(in));
            res = todo_result_make(p);
            rv = todo_task_parse_input(
                item, 1, apr_psprintf(p, "body.tasks.%zu", i), &in, res);
            check_result(res, rv);
        }
    }
}
