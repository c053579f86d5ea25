/* Licensed under the Apache License, Version 2.0; see LICENSE. */

#include <stdlib.h>
#include <string.h>

#include <apr_strings.h>

#include "test_common.h"
#include "todo_json.h"
#include "todo_user.h"

/* Parse @a body; return the status and, through @a pres, the result. */
static apr_status_t parse(apr_pool_t *p, const char *body, json_t **pobj,
                          todo_result_t **pres)
{
    *pres = todo_result_make(p);
    *pobj = NULL;
    return todo_json_parse_object(p, body, body ? strlen(body) : 0, pobj,
                                  *pres);
}

/* The first error of @a res as "<type> <loc>". */
static const char *first_error(todo_result_t *res)
{
    const todo_error_item_t *e;

    assert_non_null(res->errors);
    assert_true(res->errors->nelts >= 1);
    e = &APR_ARRAY_IDX(res->errors, 0, todo_error_item_t);
    return apr_pstrcat(res->p, e->type, " ", e->loc, NULL);
}

static apr_status_t count_cleanup(void *data)
{
    ++*(int *)data;
    return APR_SUCCESS;
}

static void test_pool_own_drops_reference_with_pool(void **state)
{
    apr_pool_t *sub = NULL;
    json_t *j = json_object();
    int cleared = 0;

    assert_int_equal(APR_SUCCESS, apr_pool_create(&sub, TS_POOL(state)));
    json_incref(j); /* keep it alive to look at it afterwards */
    assert_ptr_equal(j, todo_json_pool_own(sub, j));
    assert_int_equal(2, j->refcount);
    apr_pool_cleanup_register(sub, &cleared, count_cleanup,
                              apr_pool_cleanup_null);
    apr_pool_destroy(sub);
    assert_int_equal(1, cleared);
    assert_int_equal(1, j->refcount);
    json_decref(j);
    assert_null(todo_json_pool_own(TS_POOL(state), NULL));
}

static void test_parse_object(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    todo_result_t *res;
    json_t *obj;

    assert_int_equal(
        APR_SUCCESS,
        parse(p, " {\"email\": \"a@b.co\", \"n\": [1, 2]}\n", &obj, &res));
    assert_true(json_is_object(obj));
    assert_string_equal("a@b.co",
                        json_string_value(json_object_get(obj, "email")));
    assert_int_equal(APR_SUCCESS, res->status);
    assert_null(res->errors);
}

static void test_parse_respects_length(void **state)
{
    static const char buf[] = "{\"a\": 1}garbage";
    apr_pool_t *p = TS_POOL(state);
    todo_result_t *res = todo_result_make(p);
    json_t *obj = NULL;

    assert_int_equal(APR_SUCCESS, todo_json_parse_object(p, buf, 8, &obj, res));
    assert_int_equal(1, json_integer_value(json_object_get(obj, "a")));
}

static void test_parse_duplicate_keys_last_wins(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    todo_result_t *res;
    json_t *obj;

    assert_int_equal(APR_SUCCESS,
                     parse(p, "{\"a\": 1, \"b\": 0, \"a\": 2}", &obj, &res));
    assert_int_equal(2, json_integer_value(json_object_get(obj, "a")));
    assert_int_equal(2, json_object_size(obj));
}

static void test_parse_empty_is_missing(void **state)
{
    static const char *const blank[] = {"", " ", "\r\n", " \t \n "};
    apr_pool_t *p = TS_POOL(state);
    todo_result_t *res;
    json_t *obj;
    apr_size_t i;

    for (i = 0; i < sizeof(blank) / sizeof(blank[0]); ++i) {
        assert_int_equal(APR_EINVAL, parse(p, blank[i], &obj, &res));
        assert_string_equal("missing body", first_error(res));
        assert_null(obj);
    }
    assert_int_equal(APR_EINVAL, parse(p, NULL, &obj, &res));
    assert_string_equal("missing body", first_error(res));
}

static void test_parse_not_an_object_is_model_type(void **state)
{
    static const char *const bodies[] = {"[]",     "[{}]", "\"s\"", "1",
                                         "-1.5e3", "null", "true",  " false "};
    apr_pool_t *p = TS_POOL(state);
    todo_result_t *res;
    json_t *obj;
    apr_size_t i;

    for (i = 0; i < sizeof(bodies) / sizeof(bodies[0]); ++i) {
        assert_int_equal(APR_EINVAL, parse(p, bodies[i], &obj, &res));
        assert_string_equal("model_type body", first_error(res));
        assert_int_equal(1, res->errors->nelts);
        assert_null(obj);
    }
}

static void test_parse_malformed_is_json_invalid_with_position(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    const todo_error_item_t *e;
    todo_result_t *res;
    json_t *obj;

    assert_int_equal(APR_EINVAL, parse(p, "{", &obj, &res));
    assert_string_equal("json_invalid body.1", first_error(res));
    e = &APR_ARRAY_IDX(res->errors, 0, todo_error_item_t);
    /* The message says where, as jansson reports it. */
    assert_non_null(strstr(e->msg, "line 1"));
    assert_non_null(strstr(e->msg, "column"));

    assert_int_equal(APR_EINVAL, parse(p, "{\"a\": 1,}", &obj, &res));
    assert_string_equal("json_invalid body.9", first_error(res));
    assert_null(obj);
}

static void test_parse_refuses_what_json_refuses(void **state)
{
    static const char *const bodies[] = {
        "{\"a\": 1} x",                  /* trailing data */
        "{}{}",                          /* two documents */
        "{'a': 1}",                      /* single quotes */
        "{\"a\": 01}",                   /* leading zero */
        "{\"a\": NaN}",                  /* not JSON */
        "{\"a\": \"\\u0000\"}",          /* NUL escape */
        "{\"a\": \"\\ud800\"}",          /* lone surrogate */
        "{\"a\": \"\\udc00x\"}",         /* lone low surrogate */
        "{\"a\": \"\xc3\x28\"}",         /* invalid UTF-8 */
        "{\"a\": \"\xed\xa0\x80\"}",     /* encoded surrogate */
        "{\"a\": \"\xc0\xaf\"}",         /* overlong */
        "{\"a\": \"tab\there\"}",        /* raw control character */
        "{\"a\": 99999999999999999999}", /* beyond int64 */
        "\xef\xbb\xbf{}",                /* byte order mark */
    };
    apr_pool_t *p = TS_POOL(state);
    todo_result_t *res;
    json_t *obj;
    apr_size_t i;

    for (i = 0; i < sizeof(bodies) / sizeof(bodies[0]); ++i) {
        if (APR_EINVAL != parse(p, bodies[i], &obj, &res)) {
            fail_msg("accepted body #%d: %s", (int)i, bodies[i]);
        }
        assert_memory_equal("json_invalid body.", first_error(res), 18);
    }
}

static void test_parse_deep_nesting_is_refused_not_a_crash(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    apr_size_t depth = 100000, i;
    char *body = apr_palloc(p, depth * 2 + 8), *o = body;
    todo_result_t *res;
    json_t *obj;

    o = apr_cpystrn(o, "{\"a\":", 6);
    for (i = 0; i < depth; ++i) {
        *o++ = '[';
    }
    for (i = 0; i < depth; ++i) {
        *o++ = ']';
    }
    *o++ = '}';
    *o = '\0';
    assert_int_equal(APR_EINVAL, parse(p, body, &obj, &res));
    assert_memory_equal("json_invalid body.", first_error(res), 18);
}

static void test_dump(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    json_t *j = todo_json_pool_own(
        p, json_pack("{s:i, s:[b, n], s:s}", "a", 1, "b", 1, "c", "\xc3\xa9"));
    apr_size_t len = 0;
    const char *s;

    s = todo_json_dump(p, j, &len);
    assert_non_null(s);
    assert_int_equal(strlen(s), len);
    /* Compact, in insertion order, UTF-8 as is. */
    assert_string_equal("{\"a\":1,\"b\":[true,null],\"c\":\"\xc3\xa9\"}", s);

    j = todo_json_pool_own(p, json_integer(5));
    assert_string_equal("5", todo_json_dump(p, j, &len));
    assert_int_equal(1, len);
}

/*
 * Malloc chaos (jansson's test_chaos): fail the Nth allocation jansson
 * makes, for every N until an operation runs through without failing.
 * Nothing may crash, and every answer must be a clean error or a whole
 * success.
 */
static int chaos_fail_at;
static int chaos_count;

static void *chaos_malloc(size_t size)
{
    if (++chaos_count == chaos_fail_at) {
        return NULL;
    }
    return malloc(size);
}

static void chaos_free(void *ptr)
{
    free(ptr);
}

static int chaos_teardown(void **state)
{
    json_set_alloc_funcs(malloc, free);
    return ts_teardown(state);
}

/* Parse a register body and validate it. */
static void chaos_parse(apr_pool_t *p)
{
    static const char body[] =
        "{\"email\": \"Ada@Example.com\", \"username\": \"x\","
        " \"password\": \"short\", \"nested\": {\"a\": [1, 2.5, \"s\", null]},"
        " \"email\": \"ada@example.com\"}";
    todo_result_t *res = todo_result_make(p);
    todo_user_input_t in;
    json_t *obj = NULL;
    apr_status_t rv;

    rv = todo_json_parse_object(p, body, sizeof(body) - 1, &obj, res);
    if (APR_SUCCESS != rv) {
        /* Out of memory inside jansson reads as a failed parse. */
        assert_int_equal(APR_EINVAL, rv);
        assert_int_equal(1, res->errors->nelts);
        assert_memory_equal("json_invalid body.", first_error(res), 18);
        return;
    }
    assert_true(json_is_object(obj));
    assert_int_equal(4, json_object_size(obj));
    rv = todo_user_parse_input(obj, 1, &in, res);
    assert_int_equal(APR_EINVAL, rv);
    assert_int_equal(2, res->errors->nelts);
    assert_string_equal("ada@example.com", in.email);
}

/* Render a user and serialise it. */
static void chaos_user_json(apr_pool_t *p)
{
    todo_user_t u = {"0192a6e4-7c2b-7def-8abc-0123456789ab",
                     "ada@example.com",
                     "ada",
                     1,
                     "2016-10-09T02:35:45.000000Z",
                     "2016-10-09T02:35:45.000000Z"};
    json_t *j = todo_json_pool_own(p, todo_user_to_json(&u));
    apr_size_t len = 0;
    const char *text;

    if (!j) {
        return;
    }
    assert_int_equal(6, json_object_size(j));
    assert_true(json_is_true(json_object_get(j, "is_active")));
    text = todo_json_dump(p, j, &len);
    if (text) {
        assert_int_equal(strlen(text), len);
        assert_non_null(strstr(text, "\"username\":\"ada\""));
    }
}

/* Render a 422 body with two errors; a 404 body. */
static void chaos_error_body(apr_pool_t *p)
{
    static const char *const want[] = {
        "{\"detail\":[{\"loc\":[\"body\",\"tasks\",3,\"title\"],"
        "\"msg\":\"too long\",\"type\":\"string_too_long\"},"
        "{\"loc\":[\"body\",\"email\"],\"msg\":\"bad\","
        "\"type\":\"value_error\"}]}",
        "{\"detail\":\"Task not found\"}",
    };
    todo_result_t *res[2];
    int i;

    res[0] = todo_result_make(p);
    todo_result_invalid(res[0], "body.tasks.3.title", TODO_ERR_TOO_LONG,
                        "too long");
    todo_result_invalid(res[0], "body.email", TODO_ERR_VALUE, "bad");
    res[1] = todo_result_make(p);
    todo_result_fail(res[1], APR_ENOENT, "Task not found");
    for (i = 0; i < 2; ++i) {
        json_t *out = todo_json_pool_own(p, todo_result_to_json(res[i]));
        char *text;
        if (!out) {
            continue; /* a clean failure: nothing to send but a 500 */
        }
        /* Anything returned must be the whole body, never part of it. */
        json_set_alloc_funcs(malloc, free);
        text = json_dumps(out, JSON_COMPACT | JSON_PRESERVE_ORDER);
        json_set_alloc_funcs(chaos_malloc, chaos_free);
        if (!text || strcmp(text, want[i])) {
            print_error("allocation %d failed; body rendered as %s\n",
                        chaos_fail_at, text ? text : "(null)");
            free(text);
            fail();
        }
        free(text);
    }
}

static void chaos_loop(apr_pool_t *parent, void (*op)(apr_pool_t *p),
                       const char *name)
{
    int n;

    for (n = 1; n < 10000; ++n) {
        apr_pool_t *p = NULL;
        int failed;

        assert_int_equal(APR_SUCCESS, apr_pool_create(&p, parent));
        chaos_fail_at = n;
        chaos_count = 0;
        json_set_alloc_funcs(chaos_malloc, chaos_free);
        op(p);
        json_set_alloc_funcs(malloc, free);
        failed = chaos_count >= chaos_fail_at;
        apr_pool_destroy(p); /* drops every pool-owned value */
        if (!failed) {
            break;
        }
    }
    print_message("chaos %s: ran clean after failing each of %d allocations\n",
                  name, n - 1);
    /* The operation did allocate, so failures were injected. */
    assert_true(n > 2);
    assert_true(n < 10000);
}

static void test_malloc_chaos_parse(void **state)
{
    chaos_loop(TS_POOL(state), chaos_parse, "parse");
    chaos_loop(TS_POOL(state), chaos_user_json, "user json");
}

/*
 * Regression (todo_result.c, todo_result_to_json / loc_to_json; fixed):
 * failed jansson allocations were ignored (json_array_append_new,
 * json_pack), so under memory pressure the function returned a truncated
 * body instead of NULL: a 422 "detail" list missing items, or a "loc"
 * missing parts.
 */
static void test_malloc_chaos_error_body(void **state)
{
    chaos_loop(TS_POOL(state), chaos_error_body, "error body");
}

/* Log values: any bytes make a JSON string that parses, UTF-8 kept as it
 * is, other bytes as U+0080..U+00FF, control characters escaped. */
static void test_jbuf_log_str_any_bytes(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    static const struct {
        const char *in;
        apr_size_t len;
        const char *out;
    } cases[] = {
        {"plain", 5, "\"plain\""},
        {"caf\xc3\xa9", 5, "\"caf\xc3\xa9\""},
        {"caf\xc3", 4, "\"caf\\u00C3\""},                 /* truncated */
        {"\xff\xfe", 2, "\"\\u00FF\\u00FE\""},            /* never UTF-8 */
        {"\xed\xa0\x80", 3, "\"\\u00ED\\u00A0\\u0080\""}, /* surrogate */
        {"\xc0\xaf", 2, "\"\\u00C0\\u00AF\""},            /* overlong */
        {"q\"b\\", 4, "\"q\\\"b\\\\\""},
        {"a\nb\x01\x7f", 5, "\"a\\nb\\u0001\x7f\""},
        {"nul\0x", 5, "\"nul\\u0000x\""},
        {"\xf0\x9f\x98\x80", 4, "\"\xf0\x9f\x98\x80\""},
    };
    size_t i;
    unsigned char bytes[256];

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); ++i) {
        todo_jbuf_t b;
        apr_size_t len;
        todo_jbuf_init(&b, p, 4);
        todo_jbuf_log_str(&b, cases[i].in, cases[i].len);
        assert_string_equal(cases[i].out, todo_jbuf_text(&b, &len));
    }
    /* Every byte value, in one string: jansson reads it back. */
    for (i = 0; i < 256; ++i) {
        bytes[i] = (unsigned char)i;
    }
    {
        todo_jbuf_t b;
        apr_size_t len;
        json_t *j;
        todo_jbuf_init(&b, p, 4);
        todo_jbuf_log_str(&b, (const char *)bytes, sizeof(bytes));
        j = json_loads(todo_jbuf_text(&b, &len),
                       JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);
        assert_non_null(j);
        assert_true(json_is_string(j));
        json_decref(j);
        todo_jbuf_init(&b, p, 4);
        todo_jbuf_log_str(&b, NULL, 0);
        assert_string_equal("null", todo_jbuf_text(&b, &len));
    }
}

int test_todo_json_run(void)
{
    const struct CMUnitTest tests[] = {
        TS_TEST(test_pool_own_drops_reference_with_pool),
        TS_TEST(test_parse_object),
        TS_TEST(test_parse_respects_length),
        TS_TEST(test_parse_duplicate_keys_last_wins),
        TS_TEST(test_parse_empty_is_missing),
        TS_TEST(test_parse_not_an_object_is_model_type),
        TS_TEST(test_parse_malformed_is_json_invalid_with_position),
        TS_TEST(test_parse_refuses_what_json_refuses),
        TS_TEST(test_parse_deep_nesting_is_refused_not_a_crash),
        TS_TEST(test_dump),
        cmocka_unit_test_setup_teardown(test_malloc_chaos_parse, ts_setup,
                                        chaos_teardown),
        cmocka_unit_test_setup_teardown(test_malloc_chaos_error_body, ts_setup,
                                        chaos_teardown),
        TS_TEST(test_jbuf_log_str_any_bytes),
    };
    return cmocka_run_group_tests_name("todo_json", tests, NULL, NULL);
}
