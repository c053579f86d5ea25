/* Licensed under the Apache License, Version 2.0; see LICENSE. */

#include <string.h>

#include <apr_strings.h>

#include "test_common.h"
#include "todo_ws.h"

#define BIG (64 * 1024)

/* A client frame: FIN/opcode byte, masked payload with key 37 fa 21 3d. */
static const char *client_frame(apr_pool_t *p, int first, const char *data,
                                apr_size_t len, apr_size_t *pflen)
{
    static const unsigned char key[4] = {0x37, 0xfa, 0x21, 0x3d};
    unsigned char *f = apr_palloc(p, len + 14);
    apr_size_t h = 2, i;

    f[0] = (unsigned char)first;
    if (len < 126) {
        f[1] = (unsigned char)(0x80 | len);
    }
    else if (len <= 0xFFFF) {
        f[1] = 0x80 | 126;
        f[2] = (unsigned char)(len >> 8);
        f[3] = (unsigned char)len;
        h = 4;
    }
    else {
        f[1] = 0x80 | 127;
        for (i = 0; i < 8; ++i) {
            f[2 + i] = (unsigned char)((apr_uint64_t)len >> (56 - 8 * i));
        }
        h = 10;
    }
    memcpy(f + h, key, 4);
    for (i = 0; i < len; ++i) {
        f[h + 4 + i] = (unsigned char)data[i] ^ key[i & 3];
    }
    *pflen = h + 4 + len;
    return (const char *)f;
}

/* Feed everything; @return the status of the last call. */
static apr_status_t feed(todo_ws_parser_t *ps, const char *buf, apr_size_t len,
                         todo_ws_message_t *msg, int *code)
{
    apr_size_t used = 0;
    apr_status_t rv = APR_INCOMPLETE;

    while (len > 0) {
        rv = todo_ws_parse(ps, buf, len, &used, msg, code);
        buf += used;
        len -= used;
        if (rv != APR_INCOMPLETE) {
            break;
        }
    }
    return rv;
}

/* Build a client frame and feed it. */
static apr_status_t feed_frame(todo_ws_parser_t *ps, apr_pool_t *p, int first,
                               const char *data, apr_size_t len,
                               todo_ws_message_t *msg, int *code)
{
    apr_size_t flen;
    const char *f = client_frame(p, first, data, len, &flen);

    return feed(ps, f, flen, msg, code);
}

static void test_accept_key_rfc6455_example(void **state)
{
    const char *accept = NULL;

    assert_int_equal(APR_SUCCESS,
                     todo_ws_accept_key(TS_POOL(state),
                                        "dGhlIHNhbXBsZSBub25jZQ==", &accept));
    assert_string_equal("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", accept);
}

static void test_accept_key_refuses_what_is_not_16_bytes(void **state)
{
    static const char *const bad[] = {"",
                                      "dGhlIHNhbXBsZSBub25jZQ",
                                      "dGhlIHNhbXBsZSBub25jZQ=x",
                                      "dGhlIHNhbXBsZSBub25jZR==",
                                      "dGhlIHNhbXBs ZSBub25jZQ==",
                                      "dGhlIHNhbXBsZSBub25jZQ==AAAA"};
    const char *accept;
    apr_size_t i;

    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); ++i) {
        assert_int_equal(APR_EINVAL,
                         todo_ws_accept_key(TS_POOL(state), bad[i], &accept));
    }
}

static void test_rfc_single_frame_masked_hello(void **state)
{
    static const char frame[] = "\x81\x85\x37\xfa\x21\x3d\x7f\x9f\x4d\x51\x58";
    todo_ws_parser_t *ps = todo_ws_parser_make(TS_POOL(state), BIG);
    todo_ws_message_t msg;
    apr_size_t used;
    int code = 0;

    assert_int_equal(APR_SUCCESS,
                     todo_ws_parse(ps, frame, 11, &used, &msg, &code));
    assert_int_equal(11, used);
    assert_int_equal(TODO_WS_TEXT, msg.opcode);
    assert_string_equal("Hello", msg.data);
}

static void test_fragments_and_interleaved_ping_byte_by_byte(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    todo_ws_parser_t *ps = todo_ws_parser_make(p, BIG);
    todo_ws_message_t msg;
    apr_size_t l1, l2, l3, i, used;
    const char *f1 = client_frame(p, 0x01, "Hel", 3, &l1);
    const char *f2 = client_frame(p, 0x89, "p", 1, &l2);
    const char *f3 = client_frame(p, 0x80, "lo", 2, &l3);
    char *all =
        apr_pstrcat(p, apr_pstrmemdup(p, f1, l1), apr_pstrmemdup(p, f2, l2),
                    apr_pstrmemdup(p, f3, l3), NULL);
    int code, got = 0;

    for (i = 0; i < l1 + l2 + l3; ++i) {
        apr_status_t rv = todo_ws_parse(ps, all + i, 1, &used, &msg, &code);
        assert_int_equal(1, used);
        if (rv == APR_SUCCESS) {
            if (got++ == 0) {
                assert_int_equal(TODO_WS_PING, msg.opcode);
                assert_string_equal("p", msg.data);
            }
            else {
                assert_int_equal(TODO_WS_TEXT, msg.opcode);
                assert_string_equal("Hello", msg.data);
            }
        }
        else {
            assert_int_equal(APR_INCOMPLETE, rv);
        }
    }
    assert_int_equal(2, got);
}

static void test_16_and_64_bit_lengths(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    todo_ws_parser_t *ps = todo_ws_parser_make(p, 70000);
    todo_ws_message_t msg;
    char *data = apr_palloc(p, 65536);
    apr_size_t flen;
    const char *f;
    int code;

    memset(data, 'a', 65536);
    f = client_frame(p, 0x82, data, 256, &flen);
    assert_int_equal(256 + 8, flen);
    assert_int_equal(APR_SUCCESS, feed(ps, f, flen, &msg, &code));
    assert_int_equal(256, msg.len);
    f = client_frame(p, 0x82, data, 65536, &flen);
    assert_int_equal(65536 + 14, flen);
    assert_int_equal(APR_SUCCESS, feed(ps, f, flen, &msg, &code));
    assert_int_equal(TODO_WS_BINARY, msg.opcode);
    assert_int_equal(65536, msg.len);
}

static void test_close_codes(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    todo_ws_message_t msg;
    int code;
    todo_ws_parser_t *ps = todo_ws_parser_make(p, BIG);

    assert_int_equal(APR_SUCCESS, feed_frame(ps, p, 0x88,
                                             "\x03\xe8"
                                             "bye",
                                             5, &msg, &code));
    assert_int_equal(1000, msg.close_code);
    assert_string_equal("bye", msg.data);
    ps = todo_ws_parser_make(p, BIG);
    assert_int_equal(APR_SUCCESS, feed_frame(ps, p, 0x88, "", 0, &msg, &code));
    assert_int_equal(1005, msg.close_code);
}

/* Each rule a client can break, and the close code it earns. */
static void test_protocol_errors(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    static const struct {
        const char *name;
        const char *frame;
        apr_size_t len;
        int code;
    } cases[] = {
        {"unmasked", "\x81\x05hello", 7, 1002},
        {"reserved bit", "\xc1\x80\0\0\0\0", 6, 1002},
        {"reserved opcode", "\x83\x80\0\0\0\0", 6, 1002},
        {"fragmented control", "\x09\x80\0\0\0\0", 6, 1002},
        {"control over 125", "\x89\xfe\x00\x7e\0\0\0\0", 8, 1002},
        {"continuation first", "\x80\x80\0\0\0\0", 6, 1002},
        {"non-minimal 16-bit", "\x82\xfe\x00\x05\0\0\0\0", 8, 1002},
        {"non-minimal 64-bit", "\x82\xff\0\0\0\0\0\0\x01\0\0\0\0\0", 14, 1002},
        {"64-bit MSB", "\x82\xff\x80\0\0\0\0\0\0\0\0\0\0\0", 14, 1002},
        {"close of 1 byte", "\x88\x81\0\0\0\0\x03", 7, 1002},
        {"close code 1005", "\x88\x82\0\0\0\0\x03\xed", 8, 1002},
        {"close code 999", "\x88\x82\0\0\0\0\x03\xe7", 8, 1002},
        {"too big", "\x82\xff\0\0\0\0\0\x01\0\x01\0\0\0\0", 14, 1009},
        {"text not UTF-8", "\x81\x82\0\0\0\0\xc3\x28", 8, 1007},
        {"close reason not UTF-8", "\x88\x83\0\0\0\0\x03\xe8\xff", 9, 1007},
    };
    apr_size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); ++i) {
        todo_ws_parser_t *ps = todo_ws_parser_make(p, BIG);
        todo_ws_message_t msg;
        int code = 0;
        apr_size_t used;

        if (APR_EINVAL != feed(ps, cases[i].frame, cases[i].len, &msg, &code)
            || code != cases[i].code) {
            fail_msg("%s: got code %d", cases[i].name, code);
        }
        /* and after an error the parser refuses everything */
        assert_int_equal(APR_EINVAL, todo_ws_parse(ps, "\x81\x80\0\0\0\0", 6,
                                                   &used, &msg, &code));
    }
}

static void test_new_message_inside_fragmented_one(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    todo_ws_parser_t *ps = todo_ws_parser_make(p, BIG);
    todo_ws_message_t msg;
    int code;

    assert_int_equal(APR_INCOMPLETE,
                     feed_frame(ps, p, 0x01, "a", 1, &msg, &code));
    assert_int_equal(APR_EINVAL, feed_frame(ps, p, 0x81, "b", 1, &msg, &code));
    assert_int_equal(1002, code);
}

static void test_utf8_split_across_fragments_is_fine(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    todo_ws_parser_t *ps = todo_ws_parser_make(p, BIG);
    todo_ws_message_t msg;
    int code;

    assert_int_equal(APR_INCOMPLETE,
                     feed_frame(ps, p, 0x01, "\xe2\x82", 2, &msg, &code));
    assert_int_equal(APR_SUCCESS,
                     feed_frame(ps, p, 0x80, "\xac", 1, &msg, &code));
    assert_string_equal("\xe2\x82\xac", msg.data);
}

static void test_server_frames(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    const char *f;
    apr_size_t len;
    char *big = apr_pcalloc(p, 70000);

    todo_ws_frame(p, TODO_WS_TEXT, "Hello", 5, &f, &len);
    assert_int_equal(7, len);
    assert_memory_equal("\x81\x05Hello", f, 7);
    todo_ws_frame(p, TODO_WS_BINARY, big, 300, &f, &len);
    assert_int_equal(304, len);
    assert_memory_equal("\x82\x7e\x01\x2c", f, 4);
    todo_ws_frame(p, TODO_WS_TEXT, big, 70000, &f, &len);
    assert_int_equal(70010, len);
    assert_memory_equal("\x81\x7f\0\0\0\0\0\x01\x11\x70", f, 10);
    todo_ws_close_frame(p, 4003, "session revoked", &f, &len);
    assert_int_equal(19, len);
    assert_memory_equal("\x88\x11\x0f\xa3session revoked", f, 19);
}

int test_todo_ws_run(void)
{
    const struct CMUnitTest tests[] = {
        TS_TEST(test_accept_key_rfc6455_example),
        TS_TEST(test_accept_key_refuses_what_is_not_16_bytes),
        TS_TEST(test_rfc_single_frame_masked_hello),
        TS_TEST(test_fragments_and_interleaved_ping_byte_by_byte),
        TS_TEST(test_16_and_64_bit_lengths),
        TS_TEST(test_close_codes),
        TS_TEST(test_protocol_errors),
        TS_TEST(test_new_message_inside_fragmented_one),
        TS_TEST(test_utf8_split_across_fragments_is_fine),
        TS_TEST(test_server_frames),
    };
    return cmocka_run_group_tests_name("todo_ws", tests, NULL, NULL);
}
