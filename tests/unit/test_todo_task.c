/* Licensed under the Apache License, Version 2.0; see LICENSE. */

#include <string.h>

#include <apr_strings.h>

#include "test_common.h"
#include "ts_task_json.h"
#include "todo_json.h"
#include "todo_task.h"

static json_t *body(apr_pool_t *p, const char *text)
{
    json_t *j = json_loads(text, 0, NULL);

    assert_non_null(j);
    return todo_json_pool_own(p, j);
}

/* Does @a res hold an error of @a type at @a loc? */
static int has_error(const todo_result_t *res, const char *loc,
                     const char *type)
{
    int i;

    for (i = 0; res->errors && i < res->errors->nelts; ++i) {
        const todo_error_item_t *e =
            &APR_ARRAY_IDX(res->errors, i, todo_error_item_t);
        if (!strcmp(e->loc, loc) && !strcmp(e->type, type)) {
            return 1;
        }
    }
    return 0;
}

static todo_result_t *parse(apr_pool_t *p, const char *text, int create,
                            const char *loc, todo_task_input_t *in)
{
    todo_result_t *res = todo_result_make(p);

    todo_task_parse_input(body(p, text), create, loc, in, res);
    return res;
}

static void test_create_rules(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    todo_task_input_t in;
    char title[260];
    static const struct {
        const char *json, *loc, *type;
    } bad[] = {
        {"{}", "body.title", "missing"},
        {"{\"title\": \"\"}", "body.title", "string_too_short"},
        {"{\"title\": 1}", "body.title", "string_type"},
        {"{\"title\": \"t\", \"status\": \"done\"}", "body.status", "enum"},
        {"{\"title\": \"t\", \"status\": null}", "body.status", "enum"},
        {"{\"title\": \"t\", \"priority\": \"x\"}", "body.priority", "enum"},
        {"{\"title\": \"t\", \"completed\": 1}", "body.completed", "bool_type"},
        {"{\"title\": \"t\", \"status\": \"pending\", \"completed\": true}",
         "body.completed", "value_error"},
        {"{\"title\": \"t\", \"due_date\": \"2026-13-01T00:00:00Z\"}",
         "body.due_date", "datetime_parsing"},
        {"{\"title\": \"t\", \"due_date\": 5}", "body.due_date",
         "datetime_type"},
    };
    apr_size_t i;

    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); ++i) {
        todo_result_t *res = parse(p, bad[i].json, 1, "body", &in);
        if (res->status != APR_EINVAL
            || !has_error(res, bad[i].loc, bad[i].type)) {
            fail_msg("%s: expected %s at %s", bad[i].json, bad[i].type,
                     bad[i].loc);
        }
    }
    memset(title, 'x', 201);
    title[201] = '\0';
    assert_true(has_error(
        parse(p, apr_psprintf(p, "{\"title\": \"%s\"}", title), 1, "body", &in),
        "body.title", "string_too_long"));
    /* 200 code points of two bytes each are fine. */
    {
        char *e = apr_palloc(p, 401);
        for (i = 0; i < 200; ++i) {
            e[2 * i] = '\xc3';
            e[2 * i + 1] = '\xa9';
        }
        e[400] = '\0';
        assert_int_equal(
            APR_SUCCESS,
            parse(p, apr_psprintf(p, "{\"title\": \"%s\"}", e), 1, "body", &in)
                ->status);
    }
}

static void test_errors_located_under_prefix(void **state)
{
    todo_task_input_t in;
    todo_result_t *res =
        parse(TS_POOL(state), "{\"title\": \"\"}", 1, "body.tasks.3", &in);

    assert_true(has_error(res, "body.tasks.3.title", "string_too_short"));
}

static void test_due_date_normalised_and_cleared(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    todo_task_input_t in;

    assert_int_equal(
        APR_SUCCESS,
        parse(p,
              "{\"title\": \"t\", \"due_date\": \"2026-12-01T10:00:00+01:00\"}",
              1, "body", &in)
            ->status);
    assert_string_equal("2026-12-01T09:00:00.000000Z", in.due_date);
    assert_int_equal(APR_SUCCESS,
                     parse(p, "{\"due_date\": null}", 0, "body", &in)->status);
    assert_int_equal(1, in.has_due_date);
    assert_null(in.due_date);
    assert_int_equal(APR_SUCCESS, parse(p, "{}", 0, "body", &in)->status);
    assert_int_equal(0, in.has_due_date);
    assert_true(has_error(parse(p, "{\"title\": null}", 0, "body", &in),
                          "body.title", "string_type"));
}

static void test_init_defaults_and_coupling(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    todo_task_input_t in;
    todo_task_t t;

    parse(p, "{\"title\": \"t\"}", 1, "body", &in);
    memset(&t, 0, sizeof(t));
    todo_task_init(&t, &in);
    assert_string_equal("pending", t.status);
    assert_string_equal("medium", t.priority);
    assert_null(t.description);
    assert_int_equal(1, t.version);

    parse(p, "{\"title\": \"t\", \"completed\": true}", 1, "body", &in);
    memset(&t, 0, sizeof(t));
    todo_task_init(&t, &in);
    assert_string_equal("completed", t.status);
}

static void test_apply_coupling(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    todo_task_input_t in;
    todo_task_t t = {0};

    t.title = "t";
    t.status = "in_progress";
    t.priority = "low";
    t.description = "d";
    parse(p, "{\"completed\": false}", 0, "body", &in);
    todo_task_apply(&t, &in);
    assert_string_equal("in_progress", t.status);
    parse(p, "{\"completed\": true}", 0, "body", &in);
    todo_task_apply(&t, &in);
    assert_string_equal("completed", t.status);
    parse(p, "{\"completed\": false}", 0, "body", &in);
    todo_task_apply(&t, &in);
    assert_string_equal("pending", t.status);
    parse(p, "{\"status\": \"completed\", \"completed\": true}", 0, "body",
          &in);
    todo_task_apply(&t, &in);
    assert_string_equal("completed", t.status);
    parse(p, "{\"description\": null, \"priority\": \"high\"}", 0, "body", &in);
    todo_task_apply(&t, &in);
    assert_null(t.description);
    assert_string_equal("high", t.priority);
    assert_string_equal("t", t.title);
}

static void test_rank_and_json(void **state)
{
    todo_task_t t = {0};
    json_t *j;

    assert_int_equal(0, todo_priority_rank("low"));
    assert_int_equal(1, todo_priority_rank("medium"));
    assert_int_equal(2, todo_priority_rank("high"));
    t.id = "0192a6e4-7c2b-7def-8abc-0123456789ab";
    t.user_id = t.id;
    t.title = "t";
    t.status = "completed";
    t.priority = "low";
    t.created_at = t.updated_at = "2026-01-01T00:00:00.000000Z";
    j = todo_json_pool_own(TS_POOL(state), ts_task_to_json(&t));
    assert_true(json_is_true(json_object_get(j, "completed")));
    assert_true(json_is_null(json_object_get(j, "description")));
    assert_true(json_is_null(json_object_get(j, "due_date")));
    assert_int_equal(10, json_object_size(j));
}

static void test_etags(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    todo_task_t t = {0};
    const char *e1, *e2;

    t.id = "0192a6e4-7c2b-7def-8abc-0123456789ab";
    t.version = 3;
    e1 = todo_task_etag(p, &t);
    assert_string_equal("\"3-0123456789ab\"", e1);
    t.version = 4;
    e2 = todo_task_etag(p, &t);
    assert_string_not_equal(e1, e2);

    assert_true(todo_etag_matches(e1, e1, 0));
    assert_true(todo_etag_matches("\"x\", \"3-0123456789ab\"", e1, 0));
    assert_true(todo_etag_matches("*", e1, 0));
    assert_false(todo_etag_matches("W/\"3-0123456789ab\"", e1, 0));
    assert_true(todo_etag_matches("W/\"3-0123456789ab\"", e1, 1));
    assert_false(todo_etag_matches("\"3-0123456789a\"", e1, 0));
    assert_false(todo_etag_matches("", e1, 0));
    assert_false(todo_etag_matches("garbage", e1, 1));
    assert_false(todo_etag_matches(NULL, e1, 1));
}

static void test_search_text(void **state)
{
    todo_task_t t = {0};
    const char *s = NULL;

    t.title = "Äpfel";
    t.description = "STRASSE";
    assert_int_equal(APR_SUCCESS,
                     todo_task_search_text(TS_POOL(state), &t, &s));
    assert_string_equal("äpfel\nstrasse", s);
}

/* The task JSON written directly is byte for byte jansson's dump of
 * ts_task_to_json(), escapes and nulls included. */
static void test_write_json_matches_jansson(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    static const char *const titles[] = {"plain",
                                         "quote \" and \\ backslash",
                                         "tab\tnl\ncr\rbs\bff\f",
                                         "ctl \x01\x1f\x7f end",
                                         "slash / and </script>",
                                         "Äpfel \xe2\x82\xac \xf0\x9f\x98\x80",
                                         ""};
    todo_task_t t = {0};
    apr_array_header_t *tasks = apr_array_make(p, 4, sizeof(todo_task_t *));
    json_t *list = json_array(), *page;
    const char *mine, *theirs, **texts = NULL;
    apr_size_t len = 0, len2 = 0, *lens = NULL;
    size_t i;

    t.id = "01a22fa6-c3b1-7e3e-86e0-47dc3c2084de";
    t.user_id = "01a22fa6-c377-7e70-8810-f918d0333381";
    t.priority = "high";
    t.created_at = "2026-12-01T03:00:00.000000Z";
    t.updated_at = "2026-12-01T03:00:01.000000Z";
    for (i = 0; i < sizeof(titles) / sizeof(titles[0]); ++i) {
        todo_task_t *copy = apr_pmemdup(p, &t, sizeof(t));
        copy->title = titles[i];
        copy->description = i % 2 ? NULL : titles[i];
        copy->due_date = i % 3 ? NULL : "2027-01-01T00:00:00.000000Z";
        copy->status = i % 2 ? "completed" : "pending";
        mine = todo_task_json_text(p, copy, &len);
        theirs = todo_json_dump(p, todo_json_pool_own(p, ts_task_to_json(copy)),
                                &len2);
        assert_non_null(mine);
        assert_string_equal(theirs, mine);
        assert_int_equal(len2, len);
        APR_ARRAY_PUSH(tasks, todo_task_t *) = copy;
        json_array_append_new(list, ts_task_to_json(copy));
    }
    page = todo_json_pool_own(
        p, json_pack("{s:o, s:I, s:i, s:i}", TODO_KEY_TASKS, list,
                     TODO_KEY_TOTAL, (json_int_t)1234567890123, TODO_KEY_PAGE,
                     3, TODO_KEY_PAGE_SIZE, 100));
    mine = todo_task_page_json_text(p, tasks, 1234567890123, 3, 100, &len);
    assert_string_equal(todo_json_dump(p, page, &len2), mine);
    /* A bulk answer: {"tasks": [...]}, and each task's own text inside it. */
    mine = todo_task_bulk_json_text(p, tasks, &texts, &lens, &len);
    assert_string_equal(
        todo_json_dump(
            p, todo_json_pool_own(p, json_pack("{s:O}", TODO_KEY_TASKS, list)),
            &len2),
        mine);
    assert_int_equal(len2, len);
    for (i = 0; i < (size_t)tasks->nelts; ++i) {
        theirs = todo_task_json_text(p, APR_ARRAY_IDX(tasks, i, todo_task_t *),
                                     &len2);
        assert_int_equal(len2, lens[i]);
        assert_memory_equal(theirs, texts[i], len2);
    }
    /* An empty page. */
    apr_array_clear(tasks);
    assert_string_equal("{\"tasks\":[],\"total\":0,\"page\":1,"
                        "\"page_size\":10}",
                        todo_task_page_json_text(p, tasks, 0, 1, 10, &len));
}

/* Invalid UTF-8 fails the text, as jansson refuses to build the string. */
static void test_write_json_refuses_bad_utf8(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    static const char *const bad[] = {"\xff", "a\xc3", "\xed\xa0\x80",
                                      "\xc0\xaf"};
    todo_task_t t = {0};
    apr_size_t len = 0;
    size_t i;

    t.id = t.user_id = t.status = t.priority = "x";
    t.created_at = t.updated_at = "y";
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); ++i) {
        t.title = bad[i];
        assert_null(todo_task_json_text(p, &t, &len));
        assert_null(ts_task_to_json(&t));
    }
}

int test_todo_task_run(void)
{
    const struct CMUnitTest tests[] = {
        TS_TEST(test_create_rules),
        TS_TEST(test_errors_located_under_prefix),
        TS_TEST(test_due_date_normalised_and_cleared),
        TS_TEST(test_init_defaults_and_coupling),
        TS_TEST(test_apply_coupling),
        TS_TEST(test_rank_and_json),
        TS_TEST(test_etags),
        TS_TEST(test_search_text),
        TS_TEST(test_write_json_matches_jansson),
        TS_TEST(test_write_json_refuses_bad_utf8),
    };
    return cmocka_run_group_tests_name("todo_task", tests, NULL, NULL);
}
