/* Licensed under the Apache License, Version 2.0; see LICENSE. */

#include <string.h>

#include "test_common.h"
#include "todo_utf8.h"

#define COUNT(lit) todo_utf8_count(lit, sizeof(lit) - 1)

static void test_ascii(void **state)
{
    (void)state;
    assert_int_equal(0, todo_utf8_count("", 0));
    assert_int_equal(3, COUNT("abc"));
    assert_int_equal(1, COUNT("\x7f"));
    /* The length is explicit: a NUL byte is one code point. */
    assert_int_equal(3, COUNT("a\0b"));
    assert_int_equal(2, todo_utf8_count("abc", 2));
}

static void test_multibyte_counts_code_points(void **state)
{
    (void)state;
    assert_int_equal(1, COUNT("\xc3\xa9"));         /* é */
    assert_int_equal(1, COUNT("\xe2\x82\xac"));     /* € */
    assert_int_equal(1, COUNT("\xf0\x9f\x98\x80")); /* 😀, one, not 4 or 2 */
    assert_int_equal(4, COUNT("a\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80"));
    assert_int_equal(3, COUNT("😀😀😀"));
}

static void test_boundaries_valid(void **state)
{
    (void)state;
    assert_int_equal(1, COUNT("\xc2\x80"));         /* U+0080 */
    assert_int_equal(1, COUNT("\xdf\xbf"));         /* U+07FF */
    assert_int_equal(1, COUNT("\xe0\xa0\x80"));     /* U+0800 */
    assert_int_equal(1, COUNT("\xed\x9f\xbf"));     /* U+D7FF */
    assert_int_equal(1, COUNT("\xee\x80\x80"));     /* U+E000 */
    assert_int_equal(1, COUNT("\xef\xbf\xbd"));     /* U+FFFD */
    assert_int_equal(1, COUNT("\xef\xbf\xbf"));     /* U+FFFF */
    assert_int_equal(1, COUNT("\xf0\x90\x80\x80")); /* U+10000 */
    assert_int_equal(1, COUNT("\xf4\x8f\xbf\xbf")); /* U+10FFFF */
}

static void test_invalid(void **state)
{
    static const struct {
        const char *what;
        const char *s;
    } bad[] = {
        {"overlong NUL", "\xc0\x80"},
        {"overlong 2-byte", "\xc1\xbf"},
        {"overlong 3-byte", "\xe0\x80\x80"},
        {"overlong 3-byte max", "\xe0\x9f\xbf"},
        {"overlong 4-byte", "\xf0\x80\x80\x80"},
        {"overlong 4-byte max", "\xf0\x8f\xbf\xbf"},
        {"overlong slash", "\xe0\x80\xaf"},
        {"surrogate D800", "\xed\xa0\x80"},
        {"surrogate DBFF", "\xed\xaf\xbf"},
        {"surrogate DC00", "\xed\xb0\x80"},
        {"surrogate DFFF", "\xed\xbf\xbf"},
        {"surrogate pair (CESU-8)", "\xed\xa0\xbd\xed\xb8\x80"},
        {"U+110000", "\xf4\x90\x80\x80"},
        {"F5 lead", "\xf5\x80\x80\x80"},
        {"F7 lead", "\xf7\xbf\xbf\xbf"},
        {"5-byte form", "\xf8\x88\x80\x80\x80"},
        {"6-byte form", "\xfc\x84\x80\x80\x80\x80"},
        {"FE", "\xfe"},
        {"FF", "\xff"},
        {"lone continuation", "\x80"},
        {"lone continuation BF", "a\xbf"},
        {"truncated 2-byte", "\xc3"},
        {"truncated 3-byte", "\xe2\x82"},
        {"truncated 4-byte", "\xf0\x9f\x98"},
        {"truncated before ASCII", "\xe2\x82z"},
        {"bad continuation", "\xc3\x28"},
        {"bad 3-byte continuation", "\xe2\x28\xa1"},
        {"bad 4-byte continuation", "\xf0\x28\x8c\xbc"},
        {"valid then invalid", "abc\xc3\xa9\xff"},
    };
    apr_size_t i;

    (void)state;
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); ++i) {
        if (-1 != todo_utf8_count(bad[i].s, strlen(bad[i].s))) {
            fail_msg("todo_utf8_count accepted %s", bad[i].what);
        }
    }
}

static void test_truncated_by_length(void **state)
{
    (void)state;
    /* Complete in memory but cut by the length given. */
    assert_int_equal(-1, todo_utf8_count("\xc3\xa9", 1));
    assert_int_equal(-1, todo_utf8_count("\xf0\x9f\x98\x80", 3));
    assert_int_equal(1, todo_utf8_count("a\xf0\x9f\x98\x80", 1));
}

int test_todo_utf8_run(void)
{
    const struct CMUnitTest tests[] = {
        TS_TEST(test_ascii),
        TS_TEST(test_multibyte_counts_code_points),
        TS_TEST(test_boundaries_valid),
        TS_TEST(test_invalid),
        TS_TEST(test_truncated_by_length),
    };
    return cmocka_run_group_tests_name("todo_utf8", tests, NULL, NULL);
}
