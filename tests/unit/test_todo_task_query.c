/* Licensed under the Apache License, Version 2.0; see LICENSE. */

#include <string.h>

#include <apr_strings.h>

#include "test_common.h"
#include "todo_task_query.h"
#include "todo_validate.h"

static todo_result_t *query(apr_pool_t *p, const char *qs, todo_task_query_t *q)
{
    todo_result_t *res = todo_result_make(p);
    apr_table_t *args = NULL;

    assert_int_equal(APR_SUCCESS, todo_form_parse(p, qs, strlen(qs), &args));
    todo_task_query_parse(args, q, res);
    return res;
}

static const char *first_error(const todo_result_t *res)
{
    const todo_error_item_t *e;

    if (!res->errors || res->errors->nelts == 0) {
        return "none";
    }
    e = &APR_ARRAY_IDX(res->errors, 0, todo_error_item_t);
    return apr_pstrcat(res->p, e->type, " ", e->loc, NULL);
}

static void test_defaults(void **state)
{
    todo_task_query_t q;

    assert_int_equal(APR_SUCCESS, query(TS_POOL(state), "", &q)->status);
    assert_int_equal(TODO_SORT_CREATED_AT, q.sort);
    assert_int_equal(1, q.desc);
    assert_int_equal(1, q.page);
    assert_int_equal(10, q.page_size);
    assert_null(q.status);
    assert_null(q.priority);
    assert_null(q.q);
    assert_int_equal(-1, q.completed);
    assert_null(q.due_before);
    assert_null(q.due_after);
    /* NULL args: the same defaults. */
    assert_int_equal(
        APR_SUCCESS,
        todo_task_query_parse(NULL, &q, todo_result_make(TS_POOL(state))));
}

static void test_valid_values(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    todo_task_query_t q;
    todo_result_t *res =
        query(p,
              "status=in_progress&priority=high&q=%C3%84RGER&completed=Yes"
              "&due_before=2026-12-01T10:00:00%2B01:00"
              "&sort=due_date&order=asc&page=3&page_size=100",
              &q);

    assert_string_equal("none", first_error(res));
    assert_string_equal("in_progress", q.status);
    assert_string_equal("high", q.priority);
    assert_string_equal("ärger", q.q);
    assert_int_equal(1, q.completed);
    assert_string_equal("2026-12-01T09:00:00.000000Z", q.due_before);
    assert_int_equal(TODO_SORT_DUE_DATE, q.sort);
    assert_int_equal(0, q.desc);
    assert_int_equal(3, q.page);
    assert_int_equal(100, q.page_size);
    /* An empty q is no filter. */
    query(p, "q=", &q);
    assert_null(q.q);
}

static void test_invalid(void **state)
{
    static const struct {
        const char *qs, *expect;
    } cases[] = {
        {"status=done", "enum query.status"},
        {"priority=urgent", "enum query.priority"},
        {"completed=maybe", "bool_parsing query.completed"},
        {"due_before=soon", "datetime_parsing query.due_before"},
        {"due_after=2026-02-30T00:00:00Z", "datetime_parsing query.due_after"},
        {"sort=colour", "enum query.sort"},
        {"order=up", "enum query.order"},
        {"page=0", "greater_than_equal query.page"},
        {"page_size=0", "greater_than_equal query.page_size"},
        {"page_size=101", "less_than_equal query.page_size"},
        {"page_size=ten", "int_parsing query.page_size"},
    };
    apr_pool_t *p = TS_POOL(state);
    todo_task_query_t q;
    apr_size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); ++i) {
        todo_result_t *res = query(p, cases[i].qs, &q);
        assert_int_equal(APR_EINVAL, res->status);
        assert_string_equal(cases[i].expect, first_error(res));
    }
}

static void test_parse_bool(void **state)
{
    static const char *const yes[] = {"true", "TRUE", "1", "yes",
                                      "on",   "t",    "Y"};
    static const char *const no[] = {"false", "0", "No", "off", "f", "n"};
    apr_size_t i;

    (void)state;
    for (i = 0; i < sizeof(yes) / sizeof(yes[0]); ++i) {
        assert_int_equal(1, todo_parse_bool(yes[i]));
    }
    for (i = 0; i < sizeof(no) / sizeof(no[0]); ++i) {
        assert_int_equal(0, todo_parse_bool(no[i]));
    }
    assert_int_equal(-1, todo_parse_bool("maybe"));
    assert_int_equal(-1, todo_parse_bool(""));
    assert_int_equal(-1, todo_parse_bool(NULL));
}

int test_todo_task_query_run(void)
{
    const struct CMUnitTest tests[] = {
        TS_TEST(test_defaults),
        TS_TEST(test_valid_values),
        TS_TEST(test_invalid),
        TS_TEST(test_parse_bool),
    };
    return cmocka_run_group_tests_name("todo_task_query", tests, NULL, NULL);
}
