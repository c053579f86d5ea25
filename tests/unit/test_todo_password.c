/* Licensed under the Apache License, Version 2.0; see LICENSE. */

#include <string.h>

#include <apr_strings.h>

#include "test_common.h"
#include "todo_password.h"

static const char *hash(apr_pool_t *p, const char *password, int cost)
{
    const char *h = NULL;

    assert_int_equal(APR_SUCCESS, todo_password_hash(p, password, cost, &h));
    assert_non_null(h);
    return h;
}

static void test_hash_shape_and_cost(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    const char *h4 = hash(p, "correct horse", TODO_BCRYPT_COST_MIN);
    const char *h5 = hash(p, "correct horse", 5);

    /* The cost asked for is the cost in the string, never a default. */
    assert_int_equal(60, strlen(h4));
    assert_memory_equal("$2b$04$", h4, 7);
    assert_memory_equal("$2b$05$", h5, 7);
}

static void test_hash_verify(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    const char *h = hash(p, "correct horse", TS_BCRYPT_COST);

    assert_int_equal(APR_SUCCESS, todo_password_verify(p, "correct horse", h));
    assert_int_equal(APR_EACCES, todo_password_verify(p, "correct hors", h));
    assert_int_equal(APR_EACCES, todo_password_verify(p, "Correct horse", h));
    assert_int_equal(APR_EACCES, todo_password_verify(p, "correct horse ", h));
    assert_int_equal(APR_EACCES, todo_password_verify(p, "", h));
}

static void test_salts_differ(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    const char *a = hash(p, "correct horse", TS_BCRYPT_COST);
    const char *b = hash(p, "correct horse", TS_BCRYPT_COST);

    assert_string_not_equal(a, b);
    assert_int_equal(APR_SUCCESS, todo_password_verify(p, "correct horse", a));
    assert_int_equal(APR_SUCCESS, todo_password_verify(p, "correct horse", b));
}

static void test_non_ascii_password(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    const char *h =
        hash(p, "p\xc3\xa4ssw\xc3\xb6rd \xf0\x9f\x98\x80", TS_BCRYPT_COST);

    assert_int_equal(
        APR_SUCCESS,
        todo_password_verify(p, "p\xc3\xa4ssw\xc3\xb6rd \xf0\x9f\x98\x80", h));
    /* NFC vs NFD is a different password: no normalisation happens. */
    assert_int_equal(
        APR_EACCES,
        todo_password_verify(p, "pa\xcc\x88ssw\xc3\xb6rd \xf0\x9f\x98\x80", h));
}

/*
 * Why callers must refuse 73+ bytes: bcrypt silently ignores everything
 * past byte 72, so two passwords that differ only there hash alike.
 */
static void test_bcrypt_ignores_bytes_past_72(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    char pw72[73], pw73[74];
    const char *h;

    memset(pw72, 'a', 72);
    pw72[72] = '\0';
    memcpy(pw73, pw72, 72);
    pw73[72] = 'b';
    pw73[73] = '\0';
    h = hash(p, pw72, TS_BCRYPT_COST);
    assert_int_equal(APR_SUCCESS, todo_password_verify(p, pw72, h));
    assert_int_equal(APR_SUCCESS, todo_password_verify(p, pw73, h));
    pw72[71] = 'b';
    assert_int_equal(APR_EACCES, todo_password_verify(p, pw72, h));
}

static void test_cost_out_of_range(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    const char *h = "untouched";

    assert_int_equal(APR_EGENERAL, todo_password_hash(p, "x", 3, &h));
    assert_int_equal(APR_EGENERAL, todo_password_hash(p, "x", 0, &h));
    assert_int_equal(APR_EGENERAL, todo_password_hash(p, "x", -1, &h));
    assert_int_equal(APR_EGENERAL, todo_password_hash(p, "x", 32, &h));
    assert_string_equal("untouched", h);
}

static void test_malformed_hash_is_a_mismatch(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    const char *good = hash(p, "correct horse", TS_BCRYPT_COST);
    const char *const bad[] = {
        "",
        "*0",
        "*1",
        "!",
        "x",
        "$",
        "$2b$",
        "$2b$04$",
        "$2b$04$short",
        "$2b$99$abcdefghijklmnopqrstuu",
        "$2b$04$abcdefghijklmnopqrstuu", /* a setting, not a hash */
        "$2b$04$!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!",
        "$2x$04$abcdefghijklmnopqrstuuabcdefghijklmnopqrstuvwxyz01234",
        "$1$saltsalt$hash",
        "$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA",
        apr_pstrcat(p, good, "x", NULL),
        apr_pstrndup(p, good, 59),
        apr_pstrcat(p, " ", good, NULL),
    };
    apr_size_t i;

    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); ++i) {
        if (APR_EACCES != todo_password_verify(p, "correct horse", bad[i])) {
            fail_msg("todo_password_verify matched hash \"%s\"", bad[i]);
        }
    }
    assert_int_equal(APR_EACCES,
                     todo_password_verify(p, "correct horse", NULL));
    assert_int_equal(APR_EACCES, todo_password_verify(p, NULL, good));
}

int test_todo_password_run(void)
{
    const struct CMUnitTest tests[] = {
        TS_TEST(test_hash_shape_and_cost),
        TS_TEST(test_hash_verify),
        TS_TEST(test_salts_differ),
        TS_TEST(test_non_ascii_password),
        TS_TEST(test_bcrypt_ignores_bytes_past_72),
        TS_TEST(test_cost_out_of_range),
        TS_TEST(test_malformed_hash_is_a_mismatch),
    };
    return cmocka_run_group_tests_name("todo_password", tests, NULL, NULL);
}
