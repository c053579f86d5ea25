/* Licensed under the Apache License, Version 2.0; see LICENSE. */

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "test_common.h"
#include "todo_openapi.h"

static todo_openapi_t *load_embedded(apr_pool_t *p)
{
    todo_openapi_t *doc = NULL;
    const char *why = "unset";

    assert_int_equal(APR_SUCCESS,
                     todo_openapi_load(p, todo_openapi_data,
                                       todo_openapi_data_len, &doc, &why));
    assert_null(why);
    assert_non_null(doc);
    return doc;
}

/* Parse rendered text; fails the test unless it is a JSON object. */
static json_t *parse(const char *text, apr_size_t len)
{
    json_error_t err;
    json_t *j = json_loadb(text, len, 0, &err);

    if (!j) {
        print_error("not JSON: %s at %d:%d\n", err.text, err.line, err.column);
        fail();
    }
    assert_true(json_is_object(j));
    return j;
}

static const char *server_url(json_t *doc)
{
    return json_string_value(json_object_get(
        json_array_get(json_object_get(doc, "servers"), 0), "url"));
}

/* What is served, for the mount it ships with, is the embedded document
 * itself: nothing lost or changed but the whitespace. */
static void test_embedded_document_served_as_is(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    todo_openapi_t *doc = load_embedded(p);
    json_t *want = parse(todo_openapi_data, todo_openapi_data_len), *got;
    apr_size_t len = 0;
    const char *text = todo_openapi_render(doc, p, "/api/v1", &len);

    assert_string_equal("/api/v1", doc->url);
    assert_string_equal("1.0.0", doc->version);
    assert_int_equal(strlen(text), len);
    assert_true(len < todo_openapi_data_len); /* compact */
    got = parse(text, len);
    assert_true(json_equal(want, got));
    assert_string_equal("3.1.0",
                        json_string_value(json_object_get(got, "openapi")));
    json_decref(got);

    /* NULL means the shipped url. */
    text = todo_openapi_render(doc, p, NULL, &len);
    got = parse(text, len);
    assert_true(json_equal(want, got));
    json_decref(got);
    json_decref(want);
}

/* Mounted elsewhere: servers[0].url is the mount point, and only that
 * changed. */
static void test_other_mount_point(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    todo_openapi_t *doc = load_embedded(p);
    json_t *want = parse(todo_openapi_data, todo_openapi_data_len), *got;
    apr_size_t len = 0;
    const char *text = todo_openapi_render(doc, p, "/todo", &len);

    got = parse(text, len);
    assert_string_equal("/todo", server_url(got));
    json_object_set_new(json_array_get(json_object_get(got, "servers"), 0),
                        "url", json_string("/api/v1"));
    assert_true(json_equal(want, got));
    json_decref(got);

    text = todo_openapi_render(doc, p, "", &len);
    got = parse(text, len);
    assert_string_equal("", server_url(got));
    json_decref(got);
    json_decref(want);
}

/* A mount point is a decoded URL path: whatever it holds, the answer is
 * JSON and carries it unchanged. */
static void test_mount_point_is_json_escaped(void **state)
{
    static const char *const urls[] = {
        "/a\"b",        "/back\\slash", "/tab\there",    "/nl\nx\x01\x1f\x7f",
        "/caf\xc3\xa9", "/\"\"}],\"x",  "/\\u0000-fake",
    };
    apr_pool_t *p = TS_POOL(state);
    todo_openapi_t *doc = load_embedded(p);
    apr_size_t i, len;
    const char *text;
    json_t *got;

    for (i = 0; i < sizeof(urls) / sizeof(urls[0]); ++i) {
        text = todo_openapi_render(doc, p, urls[i], &len);
        got = parse(text, len);
        assert_string_equal(urls[i], server_url(got));
        json_decref(got);
    }
}

/* Invalid UTF-8 cannot be a JSON string: the shipped url is served. */
static void test_invalid_utf8_mount_keeps_shipped_url(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    todo_openapi_t *doc = load_embedded(p);
    apr_size_t len;
    const char *text = todo_openapi_render(doc, p, "/bad\xff", &len);
    json_t *got = parse(text, len);

    assert_string_equal("/api/v1", server_url(got));
    json_decref(got);
    assert_string_equal(todo_openapi_etag(doc, p, "/bad\xff"),
                        todo_openapi_etag(doc, p, "/api/v1"));
}

static void test_etag(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    todo_openapi_t *doc = load_embedded(p), *other = NULL;
    const char *etag = todo_openapi_etag(doc, p, "/api/v1");
    static const char text[] =
        "{\"openapi\":\"3.1.1\",\"servers\":[{\"url\":\"/api/v1\"}]}";

    /* Strong, quoted, stable. */
    assert_int_equal('"', etag[0]);
    assert_int_equal('"', etag[strlen(etag) - 1]);
    assert_int_equal(16 + 1 + 8 + 2, strlen(etag));
    assert_string_equal(etag, todo_openapi_etag(doc, p, "/api/v1"));
    assert_string_equal(etag, todo_openapi_etag(doc, p, NULL));
    /* Another mount point, another document, another tag. */
    assert_string_not_equal(etag, todo_openapi_etag(doc, p, "/todo"));
    assert_int_equal(APR_SUCCESS,
                     todo_openapi_load(p, text, strlen(text), &other, NULL));
    assert_string_not_equal(etag, todo_openapi_etag(other, p, "/api/v1"));
    assert_string_equal("", other->version);
}

/* Only a 3.1 document with a servers[0].url string can be served. */
static void test_load_refuses(void **state)
{
    static const struct {
        const char *text;
        const char *why;
    } cases[] = {
        {"", "not JSON"},
        {"{\"openapi\":", "not JSON"},
        {"[]", "not a JSON object"},
        {"{\"openapi\":\"3.1.0\",\"openapi\":\"3.1.0\"}", "not JSON"},
        {"{\"servers\":[{\"url\":\"/\"}]}", "3.1.x"},
        {"{\"openapi\":\"3.0.3\",\"servers\":[{\"url\":\"/\"}]}", "3.1.x"},
        {"{\"openapi\":3.1,\"servers\":[{\"url\":\"/\"}]}", "3.1.x"},
        {"{\"openapi\":\"3.1.0\"}", "servers[0].url"},
        {"{\"openapi\":\"3.1.0\",\"servers\":[]}", "servers[0].url"},
        {"{\"openapi\":\"3.1.0\",\"servers\":{\"url\":\"/\"}}",
         "servers[0].url"},
        {"{\"openapi\":\"3.1.0\",\"servers\":[{\"url\":1}]}", "servers[0].url"},
        {"{\"openapi\":\"3.1.0\",\"servers\":[{\"url\":\"/\"}],"
         "\"x\":\"@@todo_openapi_server_url@@\"}",
         "dumped"},
    };
    apr_pool_t *p = TS_POOL(state);
    todo_openapi_t *doc;
    const char *why;
    apr_size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); ++i) {
        doc = NULL;
        why = NULL;
        assert_int_equal(APR_EINVAL,
                         todo_openapi_load(p, cases[i].text,
                                           strlen(cases[i].text), &doc, &why));
        assert_null(doc);
        assert_non_null(why);
        if (!strstr(why, cases[i].why)) {
            print_error("case %d: %s\n", (int)i, why);
            fail();
        }
    }
    /* The error out-parameter is optional. */
    assert_int_equal(APR_EINVAL, todo_openapi_load(p, "[]", 2, &doc, NULL));
}

/* The embedded text is the file as written: NUL-terminated, its length
 * counted without the NUL. */
static void test_embedded_length(void **state)
{
    (void)state;
    assert_int_equal(strlen(todo_openapi_data), todo_openapi_data_len);
    assert_int_equal('{', todo_openapi_data[0]);
    assert_int_equal('\n', todo_openapi_data[todo_openapi_data_len - 1]);
}

int test_todo_openapi_run(void)
{
    const struct CMUnitTest tests[] = {
        TS_TEST(test_embedded_document_served_as_is),
        TS_TEST(test_other_mount_point),
        TS_TEST(test_mount_point_is_json_escaped),
        TS_TEST(test_invalid_utf8_mount_keeps_shipped_url),
        TS_TEST(test_etag),
        TS_TEST(test_load_refuses),
        TS_TEST(test_embedded_length),
    };
    return cmocka_run_group_tests_name("todo_openapi", tests, NULL, NULL);
}
