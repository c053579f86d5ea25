/* Licensed under the Apache License, Version 2.0; see LICENSE. */

#include <stdlib.h>
#include <string.h>

#include <apr_strings.h>
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

/* The password flow of the OAuth2 scheme. */
static json_t *password_flow(json_t *doc)
{
    return json_object_get(
        json_object_get(
            json_object_get(json_object_get(json_object_get(doc, "components"),
                                            "securitySchemes"),
                            "OAuth2PasswordBearer"),
            "flows"),
        "password");
}

static const char *flow_url(json_t *doc, const char *key)
{
    return json_string_value(json_object_get(password_flow(doc), key));
}

/* Put back what the mount point changes, as the document ships it. */
static void as_shipped(json_t *doc)
{
    json_object_set_new(json_array_get(json_object_get(doc, "servers"), 0),
                        "url", json_string("/api/v1"));
    json_object_set_new(password_flow(doc), "tokenUrl",
                        json_string("/api/v1/auth/login"));
    json_object_set_new(password_flow(doc), "refreshUrl",
                        json_string("/api/v1/auth/refresh"));
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
    /* Cut for servers[0].url, tokenUrl and refreshUrl. */
    assert_int_equal(4, doc->nparts);
    assert_string_equal("/api/v1/auth/login", flow_url(got, "tokenUrl"));
    assert_string_equal("/api/v1/auth/refresh", flow_url(got, "refreshUrl"));
    json_decref(got);

    /* NULL means the shipped url. */
    text = todo_openapi_render(doc, p, NULL, &len);
    got = parse(text, len);
    assert_true(json_equal(want, got));
    json_decref(got);
    json_decref(want);
}

/* Mounted elsewhere: servers[0].url is the mount point, the OAuth2 URLs
 * are below it, and nothing else changed. A relative tokenUrl would have
 * needed none of this, and meant /auth/login to OpenAPI 3.1 tools (the
 * server URL's parent) and the page's own path to others. */
static void test_other_mount_point(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    todo_openapi_t *doc = load_embedded(p);
    json_t *want = parse(todo_openapi_data, todo_openapi_data_len), *got;
    apr_size_t len = 0;
    const char *text = todo_openapi_render(doc, p, "/todo", &len);

    got = parse(text, len);
    assert_string_equal("/todo", server_url(got));
    assert_string_equal("/todo/auth/login", flow_url(got, "tokenUrl"));
    assert_string_equal("/todo/auth/refresh", flow_url(got, "refreshUrl"));
    as_shipped(got);
    assert_true(json_equal(want, got));
    json_decref(got);

    /* Mounted at the root. */
    text = todo_openapi_render(doc, p, "", &len);
    got = parse(text, len);
    assert_string_equal("", server_url(got));
    assert_string_equal("/auth/login", flow_url(got, "tokenUrl"));
    assert_string_equal("/auth/refresh", flow_url(got, "refreshUrl"));
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
        assert_string_equal(apr_pstrcat(p, urls[i], "/auth/login", NULL),
                            flow_url(got, "tokenUrl"));
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
    assert_string_equal("/api/v1/auth/login", flow_url(got, "tokenUrl"));
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

/* The ETag covers what the mount point goes into: two documents that
 * differ only after it in a tokenUrl have different tags, and so do two
 * that differ in which URLs it goes into. */
static void test_etag_covers_flow_urls(void **state)
{
    static const char *const texts[] = {
        "{\"openapi\":\"3.1.0\",\"servers\":[{\"url\":\"/v\"}],"
        "\"components\":{\"securitySchemes\":{\"o\":{\"flows\":{\"password\":"
        "{\"tokenUrl\":\"/v/login\"}}}}}}",
        "{\"openapi\":\"3.1.0\",\"servers\":[{\"url\":\"/v\"}],"
        "\"components\":{\"securitySchemes\":{\"o\":{\"flows\":{\"password\":"
        "{\"tokenUrl\":\"/v/token\"}}}}}}",
        "{\"openapi\":\"3.1.0\",\"servers\":[{\"url\":\"/v\"}],"
        "\"components\":{\"securitySchemes\":{\"o\":{\"flows\":{\"password\":"
        "{\"tokenUrl\":\"/w/login\"}}}}}}",
    };
    apr_pool_t *p = TS_POOL(state);
    const char *etags[3];
    todo_openapi_t *doc;
    apr_size_t i;

    for (i = 0; i < 3; ++i) {
        doc = NULL;
        assert_int_equal(
            APR_SUCCESS,
            todo_openapi_load(p, texts[i], strlen(texts[i]), &doc, NULL));
        etags[i] = todo_openapi_etag(doc, p, "/m");
    }
    assert_string_not_equal(etags[0], etags[1]);
    assert_string_not_equal(etags[0], etags[2]);
    assert_string_not_equal(etags[1], etags[2]);
}

/* Which OAuth2 URLs follow the mount point: those below the shipped
 * servers[0].url, in any scheme and flow. Other absolute ones are served
 * as written; a relative one is refused (see test_load_refuses). */
static void test_flow_urls(void **state)
{
    static const char text[] =
        "{\"openapi\":\"3.1.0\",\"servers\":[{\"url\":\"/v1\"}],"
        "\"components\":{\"securitySchemes\":{"
        "\"a\":{\"type\":\"oauth2\",\"flows\":{"
        "\"password\":{\"tokenUrl\":\"/v1/auth/login\","
        "\"refreshUrl\":\"/v1x/refresh\",\"scopes\":{}},"
        "\"authorizationCode\":{\"authorizationUrl\":\"/v1/authorize\","
        "\"tokenUrl\":\"https://idp.example.com/v1/token\","
        "\"refreshUrl\":\"//idp.example.com/v1/refresh\",\"scopes\":{}}}},"
        "\"b\":{\"type\":\"oauth2\",\"flows\":{\"clientCredentials\":{"
        "\"tokenUrl\":\"/other/token\",\"scopes\":{}}}},"
        "\"c\":{\"type\":\"http\",\"scheme\":\"bearer\"}}}}";
    apr_pool_t *p = TS_POOL(state);
    todo_openapi_t *doc = NULL;
    const char *why = NULL, *out;
    apr_size_t len;
    json_t *got, *flows, *code;

    assert_int_equal(APR_SUCCESS,
                     todo_openapi_load(p, text, strlen(text), &doc, &why));
    assert_int_equal(4, doc->nparts);
    out = todo_openapi_render(doc, p, "/m", &len);
    got = parse(out, len);
    flows = json_object_get(
        json_object_get(json_object_get(json_object_get(got, "components"),
                                        "securitySchemes"),
                        "a"),
        "flows");
    code = json_object_get(flows, "authorizationCode");
    assert_string_equal("/m", server_url(got));
    assert_string_equal("/m/auth/login",
                        json_string_value(json_object_get(
                            json_object_get(flows, "password"), "tokenUrl")));
    /* Not below "/v1/": another path that only starts alike. */
    assert_string_equal("/v1x/refresh",
                        json_string_value(json_object_get(
                            json_object_get(flows, "password"), "refreshUrl")));
    assert_string_equal("/m/authorize", json_string_value(json_object_get(
                                            code, "authorizationUrl")));
    assert_string_equal("https://idp.example.com/v1/token",
                        json_string_value(json_object_get(code, "tokenUrl")));
    assert_string_equal("//idp.example.com/v1/refresh",
                        json_string_value(json_object_get(code, "refreshUrl")));
    assert_non_null(strstr(out, "\"tokenUrl\":\"/other/token\""));
    json_decref(got);
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
         "\"x\":\"@@todo_openapi_mount@@\"}",
         "dumped"},
        /* A relative tokenUrl: "/api/auth/login" to OpenAPI 3.1 tools
         * under "/api/v1", the page's own path to others. */
        {"{\"openapi\":\"3.1.0\",\"servers\":[{\"url\":\"/api/v1\"}],"
         "\"components\":{\"securitySchemes\":{\"o\":{\"type\":\"oauth2\","
         "\"flows\":{\"password\":{\"tokenUrl\":\"auth/login\","
         "\"scopes\":{}}}}}}}",
         "securitySchemes.o.flows.password.tokenUrl \"auth/login\" is "
         "relative"},
        {"{\"openapi\":\"3.1.0\",\"servers\":[{\"url\":\"/api/v1\"}],"
         "\"components\":{\"securitySchemes\":{\"o\":{\"type\":\"oauth2\","
         "\"flows\":{\"password\":{\"tokenUrl\":\"/api/v1/auth/login\","
         "\"refreshUrl\":\"./auth/refresh\",\"scopes\":{}}}}}}}",
         "refreshUrl \"./auth/refresh\" is relative"},
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
        TS_TEST(test_etag_covers_flow_urls),
        TS_TEST(test_flow_urls),
        TS_TEST(test_load_refuses),
        TS_TEST(test_embedded_length),
    };
    return cmocka_run_group_tests_name("todo_openapi", tests, NULL, NULL);
}
