/* Licensed under the Apache License, Version 2.0; see LICENSE. */

#include <stdlib.h>
#include <string.h>

#include "test_common.h"
#include "todo_json.h"
#include "todo_result.h"

/* Check that @a got (a new reference, released here) equals the JSON
 * text @a want. */
static void json_is(json_t *got, const char *want)
{
    json_t *w = json_loads(want, 0, NULL);
    char *text;

    assert_non_null(w);
    assert_non_null(got);
    if (!json_equal(got, w)) {
        text = json_dumps(got, JSON_COMPACT | JSON_SORT_KEYS);
        print_error("got  %s\nwant %s\n", text, want);
        free(text);
        json_decref(got);
        json_decref(w);
        fail();
    }
    json_decref(got);
    json_decref(w);
}

static void test_make_fail_invalid(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    todo_result_t *res = todo_result_make(p);
    todo_error_item_t *items;

    assert_ptr_equal(p, res->p);
    assert_int_equal(APR_SUCCESS, res->status);
    assert_null(res->errors);
    assert_null(res->detail);

    assert_int_equal(APR_ENOENT,
                     todo_result_fail(res, APR_ENOENT, "Task not found"));
    assert_int_equal(APR_ENOENT, res->status);
    assert_string_equal("Task not found", res->detail);

    res = todo_result_make(p);
    assert_int_equal(APR_EINVAL,
                     todo_result_invalid(res, "body.title", TODO_ERR_MISSING,
                                         "Field required"));
    assert_int_equal(
        APR_EINVAL,
        todo_result_invalid(res, "body.email", TODO_ERR_VALUE, "bad email"));
    assert_int_equal(APR_EINVAL, res->status);
    assert_int_equal(2, res->errors->nelts);
    items = (todo_error_item_t *)res->errors->elts;
    assert_string_equal("body.title", items[0].loc);
    assert_string_equal("missing", items[0].type);
    assert_string_equal("body.email", items[1].loc);
    assert_string_equal("value_error", items[1].type);
}

static void test_http_codes(void **state)
{
    (void)state;
    assert_int_equal(200, todo_result_http(APR_SUCCESS));
    assert_int_equal(400, todo_result_http(TODO_EBADREQ));
    assert_int_equal(401, todo_result_http(TODO_EAUTH));
    assert_int_equal(403, todo_result_http(APR_EACCES));
    assert_int_equal(404, todo_result_http(APR_ENOENT));
    assert_int_equal(405, todo_result_http(TODO_EMETHOD));
    assert_int_equal(408, todo_result_http(TODO_ETIMEOUT));
    assert_int_equal(409, todo_result_http(APR_EEXIST));
    assert_int_equal(412, todo_result_http(TODO_EPRECOND));
    assert_int_equal(413, todo_result_http(TODO_ETOOLARGE));
    assert_int_equal(415, todo_result_http(TODO_EMEDIA));
    assert_int_equal(422, todo_result_http(APR_EINVAL));
    assert_int_equal(429, todo_result_http(TODO_ERATE));
    assert_int_equal(503, todo_result_http(TODO_EDB));
    /* Anything else is a bug: 500. */
    assert_int_equal(500, todo_result_http(APR_EGENERAL));
    assert_int_equal(500, todo_result_http(APR_ENOMEM));
    assert_int_equal(500, todo_result_http(APR_ENOTIMPL));
    assert_int_equal(500, todo_result_http(APR_OS_START_USERERR + 999));
}

static void test_json_detail_string(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    todo_result_t *res = todo_result_make(p);

    todo_result_fail(res, APR_ENOENT, "Task not found");
    json_is(todo_result_to_json(res), "{\"detail\": \"Task not found\"}");

    res = todo_result_make(p);
    todo_result_fail(res, APR_EEXIST, "Email already registered");
    json_is(todo_result_to_json(res),
            "{\"detail\": \"Email already registered\"}");
}

static void test_json_default_details(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    todo_result_t *res = todo_result_make(p);

    todo_result_fail(res, APR_ENOENT, NULL);
    json_is(todo_result_to_json(res), "{\"detail\": \"Not Found\"}");
    todo_result_fail(res, TODO_EMETHOD, NULL);
    json_is(todo_result_to_json(res), "{\"detail\": \"Method Not Allowed\"}");
    todo_result_fail(res, TODO_EAUTH, NULL);
    json_is(todo_result_to_json(res), "{\"detail\": \"Not authenticated\"}");
}

static void test_json_422_items(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    todo_result_t *res = todo_result_make(p);

    todo_result_invalid(res, "body.title", TODO_ERR_MISSING, "Field required");
    todo_result_invalid(res, "query.page", TODO_ERR_GE,
                        "Input should be greater than or equal to 1");
    json_is(todo_result_to_json(res),
            "{\"detail\": ["
            "{\"loc\": [\"body\", \"title\"], \"msg\": \"Field required\","
            " \"type\": \"missing\"},"
            "{\"loc\": [\"query\", \"page\"],"
            " \"msg\": \"Input should be greater than or equal to 1\","
            " \"type\": \"greater_than_equal\"}]}");
}

static void test_json_422_numeric_loc_parts(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    todo_result_t *res = todo_result_make(p);

    todo_result_invalid(res, "body.tasks.3.title", TODO_ERR_TOO_LONG, "long");
    todo_result_invalid(res, "body.1", TODO_ERR_JSON, "bad");
    todo_result_invalid(res, "body.tasks.0", TODO_ERR_MODEL, "not an object");
    todo_result_invalid(res, "body", TODO_ERR_MISSING, "Field required");
    todo_result_invalid(res, "path.id", TODO_ERR_UUID, "uuid");
    /* Digits mixed with letters stay a string. */
    todo_result_invalid(res, "body.a1", TODO_ERR_MISSING, "x");
    json_is(todo_result_to_json(res),
            "{\"detail\": ["
            "{\"loc\": [\"body\", \"tasks\", 3, \"title\"], \"msg\": \"long\","
            " \"type\": \"string_too_long\"},"
            "{\"loc\": [\"body\", 1], \"msg\": \"bad\","
            " \"type\": \"json_invalid\"},"
            "{\"loc\": [\"body\", \"tasks\", 0], \"msg\": \"not an object\","
            " \"type\": \"model_type\"},"
            "{\"loc\": [\"body\"], \"msg\": \"Field required\","
            " \"type\": \"missing\"},"
            "{\"loc\": [\"path\", \"id\"], \"msg\": \"uuid\","
            " \"type\": \"uuid_parsing\"},"
            "{\"loc\": [\"body\", \"a1\"], \"msg\": \"x\","
            " \"type\": \"missing\"}]}");
}

static void test_json_500_never_leaks(void **state)
{
    static const apr_status_t statuses[] = {APR_EGENERAL, APR_ENOMEM,
                                            APR_ENOTIMPL, APR_SUCCESS + 99999};
    apr_pool_t *p = TS_POOL(state);
    apr_size_t i;

    for (i = 0; i < sizeof(statuses) / sizeof(statuses[0]); ++i) {
        todo_result_t *res = todo_result_make(p);
        todo_result_fail(res, statuses[i],
                         "sqlite3: no such table: users (/var/db/todo.db)");
        json_is(todo_result_to_json(res),
                "{\"detail\": \"Internal Server Error\"}");
    }
}

static void test_json_503_keeps_its_detail(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    todo_result_t *res = todo_result_make(p);

    todo_result_fail(res, TODO_EDB, NULL);
    json_is(todo_result_to_json(res),
            "{\"detail\": \"Service Unavailable: database unavailable\"}");
}

int test_todo_result_run(void)
{
    const struct CMUnitTest tests[] = {
        TS_TEST(test_make_fail_invalid),
        TS_TEST(test_http_codes),
        TS_TEST(test_json_detail_string),
        TS_TEST(test_json_default_details),
        TS_TEST(test_json_422_items),
        TS_TEST(test_json_422_numeric_loc_parts),
        TS_TEST(test_json_500_never_leaks),
        TS_TEST(test_json_503_keeps_its_detail),
    };
    return cmocka_run_group_tests_name("todo_result", tests, NULL, NULL);
}
