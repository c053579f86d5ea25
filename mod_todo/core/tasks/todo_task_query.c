/* Licensed under the Apache License, Version 2.0; see LICENSE. */

#include <string.h>

#include <apr_strings.h>

#include "todo_fold.h"
#include "todo_task.h"
#include "todo_task_query.h"
#include "todo_time.h"
#include "todo_validate.h"

static const char *const sort_names[TODO_SORT_COUNT] = {
    "created_at", "updated_at", "due_date", "priority", "title"};

int todo_parse_bool(const char *s)
{
    static const char *const yes[] = {"true", "1", "yes", "on", "t", "y"};
    static const char *const no[] = {"false", "0", "no", "off", "f", "n"};
    int i;

    for (i = 0; s && i < 6; ++i) {
        if (!strcasecmp(s, yes[i])) {
            return 1;
        }
        if (!strcasecmp(s, no[i])) {
            return 0;
        }
    }
    return -1;
}

static const char *time_param(todo_result_t *res, apr_table_t *args,
                              const char *name)
{
    const char *s = args ? apr_table_get(args, name) : NULL;
    apr_time_t t;

    if (!s) {
        return NULL;
    }
    if (APR_SUCCESS != todo_time_parse(s, &t)) {
        todo_result_invalid(res, apr_pstrcat(res->p, "query.", name, NULL),
                            TODO_ERR_DATETIME,
                            "Input should be a valid datetime (RFC 3339)");
        return NULL;
    }
    return todo_time_format(res->p, t);
}

apr_status_t todo_task_query_parse(apr_table_t *args, todo_task_query_t *q,
                                   todo_result_t *res)
{
    const char *s;
    int i;

    memset(q, 0, sizeof(*q));
    q->completed = -1;
    q->desc = 1;
    s = args ? apr_table_get(args, "status") : NULL;
    if (s && !todo_task_status_valid(s)) {
        todo_result_invalid(res, "query.status", TODO_ERR_ENUM,
                            "Input should be 'pending', 'in_progress' or "
                            "'completed'");
    }
    q->status = s;
    s = args ? apr_table_get(args, "priority") : NULL;
    if (s && !todo_task_priority_valid(s)) {
        todo_result_invalid(res, "query.priority", TODO_ERR_ENUM,
                            "Input should be 'low', 'medium' or 'high'");
    }
    q->priority = s;
    s = args ? apr_table_get(args, "completed") : NULL;
    if (s && (q->completed = todo_parse_bool(s)) < 0) {
        todo_result_invalid(res, "query.completed", TODO_ERR_BOOL,
                            "Input should be a valid boolean, unable to "
                            "interpret input");
    }
    s = args ? apr_table_get(args, "q") : NULL;
    if (s && *s && APR_SUCCESS != todo_fold(res->p, s, strlen(s), &q->q)) {
        todo_result_invalid(res, "query.q", TODO_ERR_STRING_TYPE,
                            "Input should be a valid string");
    }
    q->due_before = time_param(res, args, "due_before");
    q->due_after = time_param(res, args, "due_after");
    s = args ? apr_table_get(args, "sort") : NULL;
    if (s) {
        for (i = 0; i < TODO_SORT_COUNT && strcmp(s, sort_names[i]); ++i) {
        }
        if (i == TODO_SORT_COUNT) {
            todo_result_invalid(res, "query.sort", TODO_ERR_ENUM,
                                "Input should be 'created_at', 'updated_at', "
                                "'due_date', 'priority' or 'title'");
        }
        q->sort = (todo_task_sort_t)(i % TODO_SORT_COUNT);
    }
    s = args ? apr_table_get(args, "order") : NULL;
    if (s && strcmp(s, "asc") && strcmp(s, "desc")) {
        todo_result_invalid(res, "query.order", TODO_ERR_ENUM,
                            "Input should be 'asc' or 'desc'");
    }
    q->desc = !s || !strcmp(s, "desc");
    todo_v_query_int(res, args, "page", 1, 1, TODO_PAGE_MAX, &q->page);
    todo_v_query_int(res, args, "page_size", TODO_PAGE_SIZE_DEFAULT, 1,
                     TODO_PAGE_SIZE_MAX, &q->page_size);
    return res->status;
}
