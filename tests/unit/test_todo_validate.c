/* Licensed under the Apache License, Version 2.0; see LICENSE. */

#include <string.h>

#include <apr_file_io.h>
#include <apr_strings.h>

#include "test_common.h"
#include "todo_json.h"
#include "todo_user.h"
#include "todo_validate.h"

/* Relative to the repository root, where the binary is run from. */
#define INVALID_DIR "tests/data/invalid"

/* The only error of @a res as "<type> <loc>". */
static const char *the_error(todo_result_t *res)
{
    const todo_error_item_t *e;

    assert_int_equal(APR_EINVAL, res->status);
    assert_non_null(res->errors);
    assert_int_equal(1, res->errors->nelts);
    e = &APR_ARRAY_IDX(res->errors, 0, todo_error_item_t);
    assert_non_null(e->msg);
    return apr_pstrcat(res->p, e->type, " ", e->loc, NULL);
}

static const char *repeat(apr_pool_t *p, const char *s, int n)
{
    char *out = apr_palloc(p, strlen(s) * (apr_size_t)n + 1), *o = out;
    int i;

    for (i = 0; i < n; ++i) {
        o = apr_cpystrn(o, s, strlen(s) + 1);
    }
    *o = '\0';
    return out;
}

/* --- todo_v_string ------------------------------------------------------ */

static void test_v_string(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    json_t *obj = todo_json_pool_own(
        p, json_pack("{s:s, s:n, s:i, s:b}", "s", "v", "n", "i", 1, "b", 1));
    todo_result_t *res = todo_result_make(p);
    const char *v = "x";

    assert_int_equal(APR_SUCCESS,
                     todo_v_string(res, obj, "s", "body.s", 1, &v));
    assert_string_equal("v", v);
    assert_int_equal(APR_SUCCESS, res->status);

    /* Absent or null: an error only when required. */
    assert_int_equal(APR_ENOENT,
                     todo_v_string(res, obj, "absent", "body.absent", 0, &v));
    assert_null(v);
    assert_int_equal(APR_ENOENT, todo_v_string(res, obj, "n", "body.n", 0, &v));
    assert_null(v);
    assert_int_equal(APR_SUCCESS, res->status);
    assert_int_equal(APR_EINVAL,
                     todo_v_string(res, obj, "absent", "body.absent", 1, &v));
    assert_string_equal("missing body.absent", the_error(res));

    res = todo_result_make(p);
    assert_int_equal(APR_EINVAL, todo_v_string(res, obj, "i", "body.i", 0, &v));
    assert_string_equal("string_type body.i", the_error(res));
    res = todo_result_make(p);
    assert_int_equal(APR_EINVAL, todo_v_string(res, obj, "b", "body.b", 1, &v));
    assert_string_equal("string_type body.b", the_error(res));
}

/* --- todo_v_length ------------------------------------------------------ */

static void test_v_length_counts_code_points(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    todo_result_t *res = todo_result_make(p);

    assert_int_equal(APR_SUCCESS, todo_v_length(res, "body.t", "abc", 3, 3));
    /* Three emoji are three characters (12 bytes). */
    assert_int_equal(APR_SUCCESS, todo_v_length(res, "body.t", "😀😀😀", 3, 3));
    assert_int_equal(APR_SUCCESS,
                     todo_v_length(res, "body.t", "\xc3\xa9", 1, 1));
    assert_int_equal(APR_SUCCESS, res->status);

    assert_int_equal(APR_EINVAL, todo_v_length(res, "body.t", "ab", 3, 5));
    assert_string_equal("string_too_short body.t", the_error(res));
    res = todo_result_make(p);
    assert_int_equal(APR_EINVAL, todo_v_length(res, "body.t", "😀😀😀😀", 1, 3));
    assert_string_equal("string_too_long body.t", the_error(res));
    res = todo_result_make(p);
    assert_int_equal(APR_EINVAL, todo_v_length(res, "body.t", "", 1, 3));
    assert_string_equal("string_too_short body.t", the_error(res));
    res = todo_result_make(p);
    assert_int_equal(APR_EINVAL, todo_v_length(res, "body.t", "a\xff", 1, 3));
    assert_string_equal("string_type body.t", the_error(res));
}

/* --- todo_v_email ------------------------------------------------------- */

static void test_v_email_valid_and_lowercased(void **state)
{
    static const char *const good[][2] = {
        {"Ada@Example.COM", "ada@example.com"},
        {"a.b+tag@sub.example.co", "a.b+tag@sub.example.co"},
        {"x@a-b.io", "x@a-b.io"},
        {"o'hara!#$%&*=?^_`{|}~-@example.org",
         "o'hara!#$%&*=?^_`{|}~-@example.org"},
    };
    apr_pool_t *p = TS_POOL(state);
    apr_size_t i;

    for (i = 0; i < sizeof(good) / sizeof(good[0]); ++i) {
        todo_result_t *res = todo_result_make(p);
        const char *lower = NULL;
        if (APR_SUCCESS
            != todo_v_email(res, "body.email", good[i][0], &lower)) {
            fail_msg("todo_v_email refused \"%s\"", good[i][0]);
        }
        assert_string_equal(good[i][1], lower);
        assert_int_equal(APR_SUCCESS, res->status);
    }
}

static void test_v_email_invalid(void **state)
{
    static const char *const bad[] = {
        "",         "no-at",    "a@@b.co",     "a@b@c.co",  "@b.co",
        "a@",       "a@b",      ".a@b.co",     "a.@b.co",   "a..b@b.co",
        "a b@b.co", "a@-b.co",  "a@b-.co",     "a@b..co",   "a@b.co.",
        "a@.b.co",  "a@b_c.co", "a@b c.co",    "a\"b@b.co", "a(b)@b.co",
        "a,b@b.co", "a@b.co\n", "a@[1.2.3.4]", "a;b@b.co",
    };
    apr_pool_t *p = TS_POOL(state);
    apr_size_t i;

    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); ++i) {
        todo_result_t *res = todo_result_make(p);
        const char *lower = NULL;
        const todo_error_item_t *e;
        if (APR_SUCCESS == todo_v_email(res, "body.email", bad[i], &lower)) {
            fail_msg("todo_v_email accepted \"%s\"", bad[i]);
        }
        assert_string_equal("value_error body.email", the_error(res));
        e = &APR_ARRAY_IDX(res->errors, 0, todo_error_item_t);
        assert_non_null(strstr(e->msg, "value is not a valid email address"));
        assert_null(lower);
    }
}

static void test_v_email_lengths(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    todo_result_t *res = todo_result_make(p);
    const char *lower = NULL;
    /* 64 + 1 + 3 * (61 + 1) + 3 = 254 characters: the longest allowed. */
    const char *label = apr_pstrcat(p, repeat(p, "b", 61), ".", NULL);
    const char *ok = apr_pstrcat(p, repeat(p, "a", 64), "@",
                                 repeat(p, label, 3), "com", NULL);
    const char *local65 = apr_pstrcat(p, repeat(p, "a", 65), "@b.co", NULL);
    const char *too_long =
        apr_pstrcat(p, "a@", repeat(p, "b", 249), ".com", NULL);

    assert_int_equal(254, strlen(ok));
    assert_int_equal(APR_SUCCESS, todo_v_email(res, "body.email", ok, &lower));

    assert_int_equal(APR_EINVAL,
                     todo_v_email(res, "body.email", local65, &lower));
    assert_string_equal("value_error body.email", the_error(res));

    res = todo_result_make(p);
    assert_int_equal(255, strlen(too_long));
    assert_int_equal(APR_EINVAL,
                     todo_v_email(res, "body.email", too_long, &lower));
    assert_string_equal("string_too_long body.email", the_error(res));

    res = todo_result_make(p);
    assert_int_equal(APR_EINVAL,
                     todo_v_email(res, "body.email", "a\xff@b.co", &lower));
    assert_string_equal("string_type body.email", the_error(res));
}

/* --- todo_v_username, todo_v_password ----------------------------------- */

static void test_v_username(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    todo_result_t *res = todo_result_make(p);

    assert_int_equal(APR_SUCCESS, todo_v_username(res, "body.username", "ada"));
    assert_int_equal(APR_SUCCESS,
                     todo_v_username(res, "body.username", "A_b.c-9"));
    assert_int_equal(APR_SUCCESS,
                     todo_v_username(res, "body.username", repeat(p, "x", 50)));
    assert_int_equal(APR_SUCCESS, res->status);

    assert_int_equal(APR_EINVAL,
                     todo_v_username(res, "body.username", repeat(p, "x", 51)));
    assert_string_equal("string_too_long body.username", the_error(res));
    res = todo_result_make(p);
    assert_int_equal(APR_EINVAL, todo_v_username(res, "body.username", "ab"));
    assert_string_equal("string_too_short body.username", the_error(res));
    /* Two characters in four bytes: still too short. */
    res = todo_result_make(p);
    assert_int_equal(APR_EINVAL,
                     todo_v_username(res, "body.username", "\xc3\xa4\xc3\xb6"));
    assert_string_equal("string_too_short body.username", the_error(res));
    res = todo_result_make(p);
    assert_int_equal(APR_EINVAL,
                     todo_v_username(res, "body.username", "ad\xc3\xa4"));
    assert_string_equal("string_pattern_mismatch body.username",
                        the_error(res));
    res = todo_result_make(p);
    assert_int_equal(APR_EINVAL,
                     todo_v_username(res, "body.username", "ada lovelace"));
    assert_string_equal("string_pattern_mismatch body.username",
                        the_error(res));
    res = todo_result_make(p);
    assert_int_equal(APR_EINVAL, todo_v_username(res, "body.username", "a/b"));
    assert_string_equal("string_pattern_mismatch body.username",
                        the_error(res));
}

static void test_v_password_counts_bytes(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    todo_result_t *res = todo_result_make(p);

    assert_int_equal(APR_SUCCESS,
                     todo_v_password(res, "body.password", "12345678"));
    assert_int_equal(APR_SUCCESS,
                     todo_v_password(res, "body.password", repeat(p, "x", 72)));
    /* 18 emoji are 72 bytes: allowed. 4 emoji are 16 bytes: allowed. */
    assert_int_equal(APR_SUCCESS,
                     todo_v_password(res, "body.password", repeat(p, "😀", 18)));
    assert_int_equal(APR_SUCCESS,
                     todo_v_password(res, "body.password", "😀😀😀😀"));
    assert_int_equal(APR_SUCCESS, res->status);

    assert_int_equal(APR_EINVAL,
                     todo_v_password(res, "body.password", repeat(p, "x", 73)));
    assert_string_equal("string_too_long body.password", the_error(res));
    /* 19 characters, but 76 bytes: bcrypt would drop four of them. */
    res = todo_result_make(p);
    assert_int_equal(APR_EINVAL,
                     todo_v_password(res, "body.password", repeat(p, "😀", 19)));
    assert_string_equal("string_too_long body.password", the_error(res));
    res = todo_result_make(p);
    assert_int_equal(APR_EINVAL,
                     todo_v_password(res, "body.password", "1234567"));
    assert_string_equal("string_too_short body.password", the_error(res));
    res = todo_result_make(p);
    assert_int_equal(APR_EINVAL, todo_v_password(res, "body.password", ""));
    assert_string_equal("string_too_short body.password", the_error(res));
    res = todo_result_make(p);
    assert_int_equal(APR_EINVAL,
                     todo_v_password(res, "body.password", "12345678\xff"));
    assert_string_equal("string_type body.password", the_error(res));
}

static void test_ascii_lower(void **state)
{
    apr_pool_t *p = TS_POOL(state);

    assert_string_equal("abc-z09", todo_ascii_lower(p, "AbC-Z09"));
    /* Only ASCII letters change. */
    assert_string_equal("\xc3\x84x", todo_ascii_lower(p, "\xc3\x84X"));
    assert_string_equal("", todo_ascii_lower(p, ""));
}

/* --- todo_v_query_int --------------------------------------------------- */

static apr_status_t query_int(apr_pool_t *p, todo_result_t *res,
                              const char *value, int *pval)
{
    apr_table_t *q = apr_table_make(p, 2);

    if (value) {
        apr_table_set(q, "page_size", value);
    }
    return todo_v_query_int(res, q, "page_size", 10, 1, 100, pval);
}

static void test_v_query_int(void **state)
{
    static const char *const not_ints[] = {
        "", "abc", "1.5", "1e2", " 1", "+1", "0x10", "99999999999999999999"};
    apr_pool_t *p = TS_POOL(state);
    todo_result_t *res = todo_result_make(p);
    apr_size_t i;
    int v = -1;

    assert_int_equal(APR_SUCCESS, query_int(p, res, NULL, &v));
    assert_int_equal(10, v);
    assert_int_equal(APR_SUCCESS,
                     todo_v_query_int(res, NULL, "page", 1, 1, 5, &v));
    assert_int_equal(1, v);
    assert_int_equal(APR_SUCCESS, query_int(p, res, "1", &v));
    assert_int_equal(1, v);
    assert_int_equal(APR_SUCCESS, query_int(p, res, "100", &v));
    assert_int_equal(100, v);
    assert_int_equal(APR_SUCCESS, res->status);

    assert_int_equal(APR_EINVAL, query_int(p, res, "0", &v));
    assert_string_equal("greater_than_equal query.page_size", the_error(res));
    res = todo_result_make(p);
    assert_int_equal(APR_EINVAL, query_int(p, res, "-5", &v));
    assert_string_equal("greater_than_equal query.page_size", the_error(res));
    res = todo_result_make(p);
    assert_int_equal(APR_EINVAL, query_int(p, res, "101", &v));
    assert_string_equal("less_than_equal query.page_size", the_error(res));
    res = todo_result_make(p);
    assert_int_equal(APR_EINVAL, query_int(p, res, "9223372036854775807", &v));
    assert_string_equal("less_than_equal query.page_size", the_error(res));
    for (i = 0; i < sizeof(not_ints) / sizeof(not_ints[0]); ++i) {
        res = todo_result_make(p);
        if (APR_SUCCESS == query_int(p, res, not_ints[i], &v)) {
            fail_msg("todo_v_query_int accepted \"%s\"", not_ints[i]);
        }
        assert_string_equal("int_parsing query.page_size", the_error(res));
    }
    assert_int_equal(100, v);
}

static void test_v_path_uuid(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    todo_result_t *res = todo_result_make(p);
    const char *id = NULL;

    assert_int_equal(APR_SUCCESS,
                     todo_v_path_uuid(res, "id",
                                      "0192A6E4-7C2B-7DEF-8ABC-0123456789AB",
                                      &id));
    assert_string_equal("0192a6e4-7c2b-7def-8abc-0123456789ab", id);
    assert_int_equal(APR_EINVAL, todo_v_path_uuid(res, "id", "42", &id));
    assert_string_equal("uuid_parsing path.id", the_error(res));
}

/* --- todo_form_parse ---------------------------------------------------- */

static apr_table_t *form(apr_pool_t *p, const char *s)
{
    apr_table_t *t = NULL;

    if (APR_SUCCESS != todo_form_parse(p, s, strlen(s), &t)) {
        fail_msg("todo_form_parse refused \"%s\"", s);
    }
    assert_non_null(t);
    return t;
}

static void test_form_parse_decodes(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    apr_table_t *t;

    t = form(p, "username=ada%40example.com&password=p%40ss+word%21");
    assert_string_equal("ada@example.com", apr_table_get(t, "username"));
    assert_string_equal("p@ss word!", apr_table_get(t, "password"));

    t = form(p, "a=%2B%2b&b=%C3%A9&c=%e2%82%ac&%5Fd=1");
    assert_string_equal("++", apr_table_get(t, "a"));
    assert_string_equal("\xc3\xa9", apr_table_get(t, "b"));
    assert_string_equal("\xe2\x82\xac", apr_table_get(t, "c"));
    assert_string_equal("1", apr_table_get(t, "_d"));

    t = form(p, "+a+=+b+");
    assert_string_equal(" b ", apr_table_get(t, " a "));
    /* Only the first '=' splits. */
    t = form(p, "a==b=");
    assert_string_equal("=b=", apr_table_get(t, "a"));
}

static void test_form_parse_last_value_wins(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    apr_table_t *t = form(p, "page=1&page_size=5&page=2&page=3");

    assert_string_equal("3", apr_table_get(t, "page"));
    assert_string_equal("5", apr_table_get(t, "page_size"));
    assert_int_equal(2, apr_table_elts(t)->nelts);
}

static void test_form_parse_names_without_values(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    apr_table_t *t = form(p, "flag&x=1&empty=&&");

    assert_string_equal("", apr_table_get(t, "flag"));
    assert_string_equal("", apr_table_get(t, "empty"));
    assert_string_equal("1", apr_table_get(t, "x"));
    assert_int_equal(3, apr_table_elts(t)->nelts);

    t = form(p, "");
    assert_int_equal(0, apr_table_elts(t)->nelts);
    t = form(p, "&&&");
    assert_int_equal(0, apr_table_elts(t)->nelts);
}

static void test_form_parse_respects_length(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    apr_table_t *t = NULL;

    assert_int_equal(APR_SUCCESS, todo_form_parse(p, "a=1&b=2", 3, &t));
    assert_string_equal("1", apr_table_get(t, "a"));
    assert_null(apr_table_get(t, "b"));
    assert_int_equal(APR_SUCCESS, todo_form_parse(p, NULL, 0, &t));
    assert_int_equal(0, apr_table_elts(t)->nelts);
}

static void test_form_parse_refuses(void **state)
{
    static const char *const bad[] = {
        "a=%",     "a=%4",     "a=%zz",  "a=%4g",       "a=%g4",    "%=1",
        "a=1&b=%", "a=%c3%28", "a=%ff",  "a=%ed%a0%80", "a=%c0%af", "a=%00",
        "a%00b=1", "a=\xff",   "a=\xc3", "a=%%41",      "a=%+1",
    };
    apr_pool_t *p = TS_POOL(state);
    apr_size_t i;

    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); ++i) {
        apr_table_t *t = NULL;
        if (APR_EINVAL != todo_form_parse(p, bad[i], strlen(bad[i]), &t)) {
            fail_msg("todo_form_parse accepted \"%s\"", bad[i]);
        }
    }
}

/* --- data-driven bad register bodies ------------------------------------- */

/* Read a whole file from @a p; NULL if it cannot be read. */
static const char *slurp(apr_pool_t *p, const char *path, apr_size_t *plen)
{
    apr_finfo_t fi;
    apr_file_t *f = NULL;
    char *buf;
    apr_size_t len;

    if (APR_SUCCESS != apr_stat(&fi, path, APR_FINFO_SIZE, p)
        || APR_SUCCESS
               != apr_file_open(&f, path, APR_FOPEN_READ | APR_FOPEN_BINARY,
                                APR_OS_DEFAULT, p)) {
        return NULL;
    }
    len = (apr_size_t)fi.size;
    buf = apr_palloc(p, len + 1);
    if (len && APR_SUCCESS != apr_file_read_full(f, buf, len, &len)) {
        apr_file_close(f);
        return NULL;
    }
    apr_file_close(f);
    buf[len] = '\0';
    *plen = len;
    return buf;
}

/* Run one case; NULL if it passed, else what went wrong. */
static const char *run_invalid_case(apr_pool_t *p, const char *dir)
{
    const char *input, *expect, *got;
    apr_size_t len = 0, elen = 0;
    todo_result_t *res = todo_result_make(p);
    const todo_error_item_t *e;
    todo_user_input_t in;
    json_t *body = NULL;
    apr_status_t rv;

    input = slurp(p, apr_pstrcat(p, dir, "/input", NULL), &len);
    expect = slurp(p, apr_pstrcat(p, dir, "/expect", NULL), &elen);
    if (!input || !expect) {
        return "cannot read input or expect";
    }
    while (elen && (expect[elen - 1] == '\n' || expect[elen - 1] == '\r')) {
        --elen;
    }
    expect = apr_pstrmemdup(p, expect, elen);
    rv = todo_json_parse_object(p, input, len, &body, res);
    if (APR_SUCCESS == rv) {
        rv = todo_user_parse_input(body, 1, &in, res);
    }
    if (APR_EINVAL != rv || !res->errors || res->errors->nelts < 1) {
        return apr_psprintf(p, "accepted (status %d), expected %s", rv, expect);
    }
    e = &APR_ARRAY_IDX(res->errors, 0, todo_error_item_t);
    got = apr_pstrcat(p, e->type, " ", e->loc, NULL);
    if (strcmp(got, expect)) {
        return apr_psprintf(p, "got \"%s\", expected \"%s\"", got, expect);
    }
    return NULL;
}

static void test_invalid_bodies_from_files(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    apr_dir_t *dir = NULL;
    apr_finfo_t fi;
    int ran = 0, failed = 0;

    assert_int_equal(APR_SUCCESS, apr_dir_open(&dir, INVALID_DIR, p));
    while (APR_SUCCESS
           == apr_dir_read(&fi, APR_FINFO_NAME | APR_FINFO_TYPE, dir)) {
        const char *why;
        if (fi.filetype != APR_DIR || fi.name[0] == '.') {
            continue;
        }
        why = run_invalid_case(p,
                               apr_pstrcat(p, INVALID_DIR, "/", fi.name, NULL));
        ++ran;
        if (why) {
            print_error("%s/%s: %s\n", INVALID_DIR, fi.name, why);
            ++failed;
        }
    }
    apr_dir_close(dir);
    print_message("%d invalid-body cases from %s\n", ran, INVALID_DIR);
    assert_true(ran >= 10);
    assert_int_equal(0, failed);
}

/* The valid counterpart of the cases above. */
static void test_valid_register_body(void **state)
{
    static const char body[] =
        "{\"email\": \"Ada@Example.com\", \"username\": \"ada\","
        " \"password\": \"correct horse\", \"id\": \"x\", \"is_active\": false,"
        " \"password_hash\": \"$2b$04$x\", \"unknown\": [1]}";
    apr_pool_t *p = TS_POOL(state);
    todo_result_t *res = todo_result_make(p);
    todo_user_input_t in;
    json_t *obj = NULL;

    assert_int_equal(APR_SUCCESS, todo_json_parse_object(
                                      p, body, sizeof(body) - 1, &obj, res));
    assert_int_equal(APR_SUCCESS, todo_user_parse_input(obj, 1, &in, res));
    assert_string_equal("ada@example.com", in.email);
    assert_string_equal("ada", in.username);
    assert_string_equal("correct horse", in.password);
}

static void test_redact_param(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    static const struct {
        const char *in, *out;
    } cases[] = {
        {"access_token=abc&x=1", "access_token=[redacted]&x=1"}, /* r->args */
        {"?access_token=abc", "?access_token=[redacted]"},
        {"GET /api/v1/ws?access_token=a.b.c HTTP/1.1",
         "GET /api/v1/ws?access_token=[redacted] HTTP/1.1"},
        {"/e?x=1&access_token=t&y=2&access_token=u",
         "/e?x=1&access_token=[redacted]&y=2&access_token=[redacted]"},
        {"/e?my_access_token=t", "/e?my_access_token=t"},
        {"/e?access_tokens=t", "/e?access_tokens=t"},
        {"/e?x=access_token=t", "/e?x=access_token=t"},
        {"/e?access_token=", "/e?access_token=[redacted]"},
        /* Every spelling a server might take for the name. */
        {"/e?ACCESS_TOKEN=t", "/e?ACCESS_TOKEN=[redacted]"},
        {"/e?Access_Token=t&x=1", "/e?Access_Token=[redacted]&x=1"},
        {"/e?access%5Ftoken=t", "/e?access%5Ftoken=[redacted]"},
        {"/e?access%5ftoken=t", "/e?access%5ftoken=[redacted]"},
        {"/e?%61ccess_token=t", "/e?%61ccess_token=[redacted]"},
        {"%61%63%63%65%73%73%5f%74%6f%6b%65%6e=t",
         "%61%63%63%65%73%73%5f%74%6f%6b%65%6e=[redacted]"},
        {"GET /ws?x=1&ACCESS%5FTOKEN=a.b.c#f HTTP/1.1",
         "GET /ws?x=1&ACCESS%5FTOKEN=[redacted]#f HTTP/1.1"},
        /* Not the name, however decoded. */
        {"/e?access_token2=t", "/e?access_token2=t"},
        {"/e?access%5Ftoke=t", "/e?access%5Ftoke=t"},
        {"/e?access_token%=t", "/e?access_token%=t"},
        {"/e?access+token=t", "/e?access+token=t"},
    };
    apr_size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); ++i) {
        assert_string_equal(cases[i].out,
                            todo_redact_param(p, cases[i].in, "access_token"));
    }
    assert_null(todo_redact_param(p, NULL, "access_token"));
}

/* Only the exact spelling authenticates a stream. */
static void test_form_get_exact(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    const char *v = NULL;

    assert_int_equal(APR_SUCCESS, todo_form_get_exact(p, "access_token=a.b%2Ec",
                                                      "access_token", &v));
    assert_string_equal("a.b.c", v);
    assert_int_equal(APR_SUCCESS,
                     todo_form_get_exact(p, "x=1&access_token=1&access_token=2",
                                         "access_token", &v));
    assert_string_equal("2", v);
    assert_int_equal(APR_SUCCESS, todo_form_get_exact(
                                      p, "access_token=", "access_token", &v));
    assert_string_equal("", v);
    assert_int_equal(APR_ENOENT, todo_form_get_exact(p, "ACCESS_TOKEN=t",
                                                     "access_token", &v));
    assert_int_equal(APR_ENOENT, todo_form_get_exact(p, "Access_Token=t",
                                                     "access_token", &v));
    assert_int_equal(APR_ENOENT, todo_form_get_exact(p, "access%5Ftoken=t",
                                                     "access_token", &v));
    assert_int_equal(APR_ENOENT, todo_form_get_exact(p, "%61ccess_token=t",
                                                     "access_token", &v));
    assert_int_equal(
        APR_ENOENT, todo_form_get_exact(p, "access_token", "access_token", &v));
    assert_int_equal(APR_ENOENT, todo_form_get_exact(p, "my_access_token=t",
                                                     "access_token", &v));
    assert_int_equal(APR_ENOENT,
                     todo_form_get_exact(p, "", "access_token", &v));
    assert_int_equal(APR_EINVAL, todo_form_get_exact(p, "access_token=%zz",
                                                     "access_token", &v));
}

int test_todo_validate_run(void)
{
    const struct CMUnitTest tests[] = {
        TS_TEST(test_v_string),
        TS_TEST(test_v_length_counts_code_points),
        TS_TEST(test_v_email_valid_and_lowercased),
        TS_TEST(test_v_email_invalid),
        TS_TEST(test_v_email_lengths),
        TS_TEST(test_v_username),
        TS_TEST(test_v_password_counts_bytes),
        TS_TEST(test_ascii_lower),
        TS_TEST(test_v_query_int),
        TS_TEST(test_v_path_uuid),
        TS_TEST(test_form_parse_decodes),
        TS_TEST(test_form_parse_last_value_wins),
        TS_TEST(test_form_parse_names_without_values),
        TS_TEST(test_form_parse_respects_length),
        TS_TEST(test_form_parse_refuses),
        TS_TEST(test_invalid_bodies_from_files),
        TS_TEST(test_valid_register_body),
        TS_TEST(test_redact_param),
        TS_TEST(test_form_get_exact),
    };
    return cmocka_run_group_tests_name("todo_validate", tests, NULL, NULL);
}
