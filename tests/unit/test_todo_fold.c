/* Licensed under the Apache License, Version 2.0; see LICENSE. */

#include <string.h>

#include "test_common.h"
#include "todo_fold.h"

static const char *fold(apr_pool_t *p, const char *s)
{
    const char *out = NULL;

    assert_int_equal(APR_SUCCESS, todo_fold(p, s, strlen(s), &out));
    return out;
}

static void test_fold_non_ascii_letters(void **state)
{
    apr_pool_t *p = TS_POOL(state);

    assert_string_equal(fold(p, "Ärger"), fold(p, "ärger"));
    assert_string_equal("abc", fold(p, "ABC"));
    /* Full folding: ß folds to ss. */
    assert_non_null(strstr(fold(p, "Straße"), "strasse"));
    assert_string_equal(fold(p, "STRASSE"), fold(p, "straße"));
    /* NFC: precomposed and decomposed é fold alike. */
    assert_string_equal(fold(p, "caf\xc3\xa9"), fold(p, "cafe\xcc\x81"));
    /* % and _ are just characters. */
    assert_string_equal("100%_x", fold(p, "100%_X"));
}

static void test_fold_invalid_utf8(void **state)
{
    const char *out = "untouched";

    assert_int_equal(APR_EINVAL, todo_fold(TS_POOL(state), "a\xc3", 2, &out));
    assert_int_equal(APR_EINVAL,
                     todo_lower(TS_POOL(state), "\xed\xa0\x80", 3, &out));
    assert_string_equal("untouched", out);
}

static void test_lower(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    const char *out = NULL;

    assert_int_equal(APR_SUCCESS,
                     todo_lower(p, "ÄÖ.Straße@Example.COM", 24, &out));
    assert_string_equal("äö.straße@example.com", out);
}

int test_todo_fold_run(void)
{
    const struct CMUnitTest tests[] = {
        TS_TEST(test_fold_non_ascii_letters),
        TS_TEST(test_fold_invalid_utf8),
        TS_TEST(test_lower),
    };
    return cmocka_run_group_tests_name("todo_fold", tests, NULL, NULL);
}
