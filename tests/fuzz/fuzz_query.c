/* Licensed under the Apache License, Version 2.0; see LICENSE. */

/* A raw query string, decoded by todo_form_parse (as todo_req_query does
 * for r->args) and validated by todo_task_query_parse (GET /tasks). */

#include "fuzz_common.h"
#include "todo_result.h"
#include "todo_task_query.h"
#include "todo_utf8.h"
#include "todo_validate.h"

static int check_entry(void *rec, const char *key, const char *value)
{
    (void)rec;
    FUZZ_ASSERT(todo_utf8_count(key, strlen(key)) >= 0);
    FUZZ_ASSERT(todo_utf8_count(value, strlen(value)) >= 0);
    return 1;
}

static void fuzz_one(apr_pool_t *p, const uint8_t *data, size_t size)
{
    todo_result_t *res = todo_result_make(p);
    todo_task_query_t q;
    apr_table_t *args = NULL;
    apr_status_t rv;

    if (APR_SUCCESS != todo_form_parse(p, (const char *)data, size, &args)) {
        return;
    }
    FUZZ_ASSERT(args != NULL);
    apr_table_do(check_entry, NULL, args, NULL);
    rv = todo_task_query_parse(args, &q, res);
    if (APR_SUCCESS != rv) {
        FUZZ_ASSERT(APR_EINVAL == rv);
        FUZZ_ASSERT(res->errors && res->errors->nelts > 0);
        return;
    }
    FUZZ_ASSERT(q.sort >= 0 && q.sort < TODO_SORT_COUNT);
    FUZZ_ASSERT(q.page >= 1);
    FUZZ_ASSERT(q.page_size >= 1 && q.page_size <= TODO_PAGE_SIZE_MAX);
    FUZZ_ASSERT(q.completed >= -1 && q.completed <= 1);
}
