/* Licensed under the Apache License, Version 2.0; see LICENSE. */

/*
 * The WebSocket core: RFC 6455's own examples, then one test per rule the
 * parser enforces, each named after the rule, then the frame builders
 * read back through a test-side masking helper.
 */

#include <string.h>

#include <apr_strings.h>

#include "test_common.h"
#include "todo_ws.h"

#define MAX_MSG (64 * 1024 + 16)
#define NMSG 16

/* The masking key of RFC 6455 section 5.7's examples. */
static const unsigned char rfc_mask[4] = {0x37, 0xfa, 0x21, 0x3d};

/* Length encodings a test may force, to build non-minimal ones. */
enum { ENC_AUTO = 0, ENC_7 = 7, ENC_16 = 16, ENC_64 = 64 };

/* A client frame: @a b0 is FIN|RSV|opcode; masked with rfc_mask unless
 * @a masked is 0; the length encoded as @a enc says. */
static apr_size_t mkframe(unsigned char *out, unsigned b0, int masked, int enc,
                          const void *payload, apr_size_t len)
{
    const unsigned char *pl = payload;
    unsigned mbit = masked ? 0x80 : 0;
    apr_size_t o = 0, i;

    if (enc == ENC_AUTO) {
        enc = len <= 125 ? ENC_7 : len <= 0xffff ? ENC_16 : ENC_64;
    }
    out[o++] = (unsigned char)b0;
    if (enc == ENC_7) {
        out[o++] = (unsigned char)(mbit | len);
    }
    else if (enc == ENC_16) {
        out[o++] = (unsigned char)(mbit | 126);
        out[o++] = (unsigned char)(len >> 8);
        out[o++] = (unsigned char)len;
    }
    else {
        apr_uint64_t l = len;
        out[o++] = (unsigned char)(mbit | 127);
        for (i = 0; i < 8; ++i) {
            out[o++] = (unsigned char)(l >> (56 - 8 * i));
        }
    }
    if (masked) {
        memcpy(out + o, rfc_mask, 4);
        o += 4;
    }
    for (i = 0; i < len; ++i) {
        out[o + i] = masked ? pl[i] ^ rfc_mask[i & 3] : pl[i];
    }
    return o + len;
}

/* What a whole run of the parser produced. */
typedef struct {
    int n;
    todo_ws_message_t m[NMSG]; /* data copied to the test's pool */
    apr_status_t last;         /* APR_INCOMPLETE or APR_EINVAL */
    int code;
} run_t;

/* Feed @a len bytes @a chunk at a time (0: all at once), handing back
 * the unconsumed rest after each message, as the glue does. */
static void run(apr_pool_t *p, todo_ws_parser_t *ps, const void *data,
                apr_size_t len, apr_size_t chunk, run_t *r)
{
    const char *in = data;
    apr_size_t off = 0;

    memset(r, 0, sizeof(*r));
    r->last = APR_INCOMPLETE;
    if (!chunk) {
        chunk = len ? len : 1;
    }
    while (off < len) {
        apr_size_t end = off + chunk < len ? off + chunk : len;
        while (off < end) {
            todo_ws_message_t msg;
            apr_size_t used = 0;
            int code = 0;
            apr_status_t rv =
                todo_ws_parse(ps, in + off, end - off, &used, &msg, &code);

            assert_true(used <= end - off);
            off += used;
            if (APR_SUCCESS == rv) {
                assert_true(r->n < NMSG);
                assert_int_equal('\0', msg.data[msg.len]);
                r->m[r->n] = msg;
                r->m[r->n].data = apr_pmemdup(p, msg.data, msg.len + 1);
                r->n++;
                continue;
            }
            r->last = rv;
            if (APR_EINVAL == rv) {
                r->code = code;
                return;
            }
            assert_int_equal(APR_INCOMPLETE, rv);
            assert_int_equal(end, off);
        }
    }
}

/* Feed and expect a 1002/1007/1009 failure, whole and byte at a time. */
static void expect_error(apr_pool_t *p, const void *data, apr_size_t len,
                         int code)
{
    run_t r;

    run(p, todo_ws_parser_make(p, MAX_MSG), data, len, 0, &r);
    assert_int_equal(APR_EINVAL, r.last);
    assert_int_equal(code, r.code);
    run(p, todo_ws_parser_make(p, MAX_MSG), data, len, 1, &r);
    assert_int_equal(APR_EINVAL, r.last);
    assert_int_equal(code, r.code);
}

static void assert_msg(const todo_ws_message_t *m, todo_ws_opcode_t op,
                       const void *data, apr_size_t len)
{
    assert_int_equal(op, m->opcode);
    assert_int_equal(len, m->len);
    assert_memory_equal(data, m->data, len);
}

/* ---- the accept key ---------------------------------------------------- */

static void test_accept_key_rfc_1_3(void **state)
{
    const char *accept = NULL;

    assert_int_equal(APR_SUCCESS,
                     todo_ws_accept_key(TS_POOL(state),
                                        "dGhlIHNhbXBsZSBub25jZQ==", &accept));
    assert_string_equal("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", accept);
}

static void test_accept_key_must_decode_to_16_bytes(void **state)
{
    static const char *const bad[] = {
        "",
        "dGhlIHNhbXBsZSBub25jZQ",       /* no padding */
        "dGhlIHNhbXBsZSBub25jZQ=",      /* half padding */
        "dGhlIHNhbXBsZSBub25jZWU=",     /* 17 bytes */
        "dGhlIHNhbXBsZSBub25j",         /* 15 bytes */
        "dGhlIHNhbXBsZSBub25jZQ==x",    /* trailing junk */
        "dGhlIHNhbXBsZSBub25jZQ== ",    /* trailing space */
        "dGhlIHNhbXBsZSBub25j*Q==",     /* outside the alphabet */
        "dGhlIHNhbXBsZSBub25jZR==",     /* non-zero padding bits */
        "dGhl-HNhbXBsZSBub25jZQ==",     /* base64url, not base64 */
        "AAAAAAAAAAAAAAAAAAAAAAAAAA==", /* 19 bytes */
    };
    apr_size_t i;

    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); ++i) {
        const char *accept = "untouched";
        if (APR_EINVAL != todo_ws_accept_key(TS_POOL(state), bad[i], &accept)) {
            fail_msg("accepted key \"%s\"", bad[i]);
        }
        assert_null(accept);
    }
    {
        const char *accept = "untouched";
        assert_int_equal(APR_EINVAL,
                         todo_ws_accept_key(TS_POOL(state), NULL, &accept));
    }
}

/* ---- RFC 6455 section 5.7 ----------------------------------------------- */

static void test_rfc_single_frame_masked_text(void **state)
{
    static const unsigned char hello[] = {0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d,
                                          0x7f, 0x9f, 0x4d, 0x51, 0x58};
    apr_pool_t *p = TS_POOL(state);
    run_t r;

    run(p, todo_ws_parser_make(p, MAX_MSG), hello, sizeof(hello), 0, &r);
    assert_int_equal(1, r.n);
    assert_msg(&r.m[0], TODO_WS_TEXT, "Hello", 5);
    assert_int_equal(APR_INCOMPLETE, r.last);
}

static void test_rfc_fragmented_text(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    unsigned char buf[64];
    apr_size_t n = 0;
    run_t r;

    n += mkframe(buf + n, 0x01, 1, ENC_AUTO, "Hel", 3);
    n += mkframe(buf + n, 0x80, 1, ENC_AUTO, "lo", 2);
    run(p, todo_ws_parser_make(p, MAX_MSG), buf, n, 0, &r);
    assert_int_equal(1, r.n);
    assert_msg(&r.m[0], TODO_WS_TEXT, "Hello", 5);
}

static void test_rfc_ping_and_pong(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    unsigned char buf[64];
    apr_size_t n = 0;
    run_t r;

    n += mkframe(buf + n, 0x89, 1, ENC_AUTO, "Hello", 5);
    n += mkframe(buf + n, 0x8a, 1, ENC_AUTO, "Hello", 5);
    n += mkframe(buf + n, 0x89, 1, ENC_AUTO, "", 0);
    run(p, todo_ws_parser_make(p, MAX_MSG), buf, n, 0, &r);
    assert_int_equal(3, r.n);
    assert_msg(&r.m[0], TODO_WS_PING, "Hello", 5);
    assert_msg(&r.m[1], TODO_WS_PONG, "Hello", 5);
    assert_msg(&r.m[2], TODO_WS_PING, "", 0);
}

static void test_rfc_256_bytes_16bit_length(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    unsigned char data[256], buf[300];
    apr_size_t n, i;
    run_t r;

    for (i = 0; i < sizeof(data); ++i) {
        data[i] = (unsigned char)i;
    }
    n = mkframe(buf, 0x82, 1, ENC_AUTO, data, sizeof(data));
    assert_int_equal(0x82, buf[0]);
    assert_int_equal(0xfe, buf[1]); /* masked, 126 */
    assert_int_equal(0x01, buf[2]);
    assert_int_equal(0x00, buf[3]);
    run(p, todo_ws_parser_make(p, MAX_MSG), buf, n, 0, &r);
    assert_int_equal(1, r.n);
    assert_msg(&r.m[0], TODO_WS_BINARY, data, sizeof(data));
}

static void test_rfc_64k_64bit_length(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    apr_size_t len = 65536, n, i;
    unsigned char *data = apr_palloc(p, len);
    unsigned char *buf = apr_palloc(p, len + 14);
    static const unsigned char hdr[] = {0x82, 0xff, 0, 0, 0, 0, 0, 1, 0, 0};
    run_t r;

    for (i = 0; i < len; ++i) {
        data[i] = (unsigned char)(i * 7);
    }
    n = mkframe(buf, 0x82, 1, ENC_AUTO, data, len);
    assert_memory_equal(hdr, buf, sizeof(hdr));
    run(p, todo_ws_parser_make(p, MAX_MSG), buf, n, 0, &r);
    assert_int_equal(1, r.n);
    assert_msg(&r.m[0], TODO_WS_BINARY, data, len);
    run(p, todo_ws_parser_make(p, MAX_MSG), buf, n, 1000, &r);
    assert_int_equal(1, r.n);
    assert_msg(&r.m[0], TODO_WS_BINARY, data, len);
}

/* ---- feeding ------------------------------------------------------------ */

/* A mixed stream parsed whole, byte by byte and in every chunk size up to
 * 23 yields the same messages. */
static void test_byte_at_a_time_equals_whole(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    unsigned char buf[2048], big[300];
    apr_size_t n = 0, chunk;
    run_t whole, r;
    int i;

    memset(big, 'x', sizeof(big));
    n += mkframe(buf + n, 0x81, 1, ENC_AUTO, "Hello", 5);
    n += mkframe(buf + n, 0x02, 1, ENC_AUTO, big, 200);
    n += mkframe(buf + n, 0x89, 1, ENC_AUTO, "ping", 4);
    n += mkframe(buf + n, 0x00, 1, ENC_AUTO, big, 0);
    n += mkframe(buf + n, 0x80, 1, ENC_AUTO, big, 100);
    n += mkframe(buf + n, 0x81, 1, ENC_AUTO, "", 0);
    n += mkframe(buf + n, 0x88, 1, ENC_AUTO,
                 "\x03\xe8"
                 "bye",
                 5);

    run(p, todo_ws_parser_make(p, MAX_MSG), buf, n, 0, &whole);
    assert_int_equal(5, whole.n);
    assert_msg(&whole.m[0], TODO_WS_TEXT, "Hello", 5);
    assert_msg(&whole.m[1], TODO_WS_PING, "ping", 4);
    assert_msg(&whole.m[2], TODO_WS_BINARY, big, 300);
    assert_msg(&whole.m[3], TODO_WS_TEXT, "", 0);
    assert_msg(&whole.m[4], TODO_WS_CLOSE,
               "\x03\xe8"
               "bye",
               5);
    assert_int_equal(1000, whole.m[4].close_code);

    for (chunk = 1; chunk <= 23; ++chunk) {
        run(p, todo_ws_parser_make(p, MAX_MSG), buf, n, chunk, &r);
        assert_int_equal(whole.n, r.n);
        for (i = 0; i < r.n; ++i) {
            assert_msg(&r.m[i], whole.m[i].opcode, whole.m[i].data,
                       whole.m[i].len);
            assert_int_equal(whole.m[i].close_code, r.m[i].close_code);
        }
    }
}

static void test_consumed_stops_after_a_message(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    todo_ws_parser_t *ps = todo_ws_parser_make(p, MAX_MSG);
    unsigned char buf[64];
    apr_size_t n1, n = 0, used = 99;
    todo_ws_message_t msg;
    int code = 0;

    n1 = mkframe(buf, 0x81, 1, ENC_AUTO, "one", 3);
    n = n1 + mkframe(buf + n1, 0x81, 1, ENC_AUTO, "two", 3);
    assert_int_equal(APR_SUCCESS, todo_ws_parse(ps, (const char *)buf, n, &used,
                                                &msg, &code));
    assert_int_equal(n1, used);
    assert_string_equal("one", msg.data);
    assert_int_equal(APR_SUCCESS, todo_ws_parse(ps, (const char *)buf + n1,
                                                n - n1, &used, &msg, &code));
    assert_int_equal(n - n1, used);
    assert_string_equal("two", msg.data);
    assert_int_equal(APR_INCOMPLETE, todo_ws_parse(ps, (const char *)buf, 0,
                                                   &used, &msg, &code));
    assert_int_equal(0, used);
}

static void test_interleaved_ping_inside_fragmented_text(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    unsigned char buf[128];
    apr_size_t n = 0;
    run_t r;

    n += mkframe(buf + n, 0x01, 1, ENC_AUTO, "Hel", 3);
    n += mkframe(buf + n, 0x89, 1, ENC_AUTO, "are you there", 13);
    n += mkframe(buf + n, 0x00, 1, ENC_AUTO, "l", 1);
    n += mkframe(buf + n, 0x8a, 1, ENC_AUTO, "", 0);
    n += mkframe(buf + n, 0x80, 1, ENC_AUTO, "o", 1);
    run(p, todo_ws_parser_make(p, MAX_MSG), buf, n, 0, &r);
    assert_int_equal(3, r.n);
    assert_msg(&r.m[0], TODO_WS_PING, "are you there", 13);
    assert_msg(&r.m[1], TODO_WS_PONG, "", 0);
    assert_msg(&r.m[2], TODO_WS_TEXT, "Hello", 5);
}

static void test_long_connection_reuses_buffer(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    todo_ws_parser_t *ps = todo_ws_parser_make(p, MAX_MSG);
    unsigned char *big = apr_pcalloc(p, 40000);
    unsigned char *buf = apr_palloc(p, 40100);
    const char *first = NULL;
    apr_size_t n, i;

    /* Messages of a usual size land in one buffer, allocated once. */
    n = mkframe(buf, 0x82, 1, ENC_AUTO, big, 8000);
    for (i = 0; i < 200; ++i) {
        todo_ws_message_t msg;
        apr_size_t used;
        int code;
        assert_int_equal(APR_SUCCESS, todo_ws_parse(ps, (const char *)buf, n,
                                                    &used, &msg, &code));
        assert_int_equal(8000, msg.len);
        if (!first) {
            first = msg.data;
        }
        assert_ptr_equal(first, msg.data);
    }
    /* A big one and then small ones again: still one buffer at a time. */
    n = mkframe(buf, 0x82, 1, ENC_AUTO, big, 40000);
    for (i = 0; i < 50; ++i) {
        run_t r;
        run(p, ps, buf, n, 0, &r);
        assert_int_equal(1, r.n);
        assert_int_equal(40000, r.m[0].len);
    }
}

/* ---- the limit ---------------------------------------------------------- */

static void test_message_at_limit_passes(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    unsigned char data[100], buf[256];
    apr_size_t n = 0;
    run_t r;

    memset(data, 'a', sizeof(data));
    n += mkframe(buf + n, 0x01, 1, ENC_AUTO, data, 60);
    n += mkframe(buf + n, 0x80, 1, ENC_AUTO, data, 40);
    run(p, todo_ws_parser_make(p, 100), buf, n, 1, &r);
    assert_int_equal(1, r.n);
    assert_int_equal(100, r.m[0].len);
}

static void test_oversize_single_frame_is_1009(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    unsigned char data[101], buf[256];
    apr_size_t n;
    run_t r;

    memset(data, 'a', sizeof(data));
    n = mkframe(buf, 0x81, 1, ENC_AUTO, data, 101);
    /* refused from the header alone, before any payload */
    run(p, todo_ws_parser_make(p, 100), buf, 6, 1, &r);
    assert_int_equal(APR_EINVAL, r.last);
    assert_int_equal(TODO_WS_CLOSE_TOO_BIG, r.code);
    run(p, todo_ws_parser_make(p, 100), buf, n, 0, &r);
    assert_int_equal(TODO_WS_CLOSE_TOO_BIG, r.code);
}

static void test_oversize_reassembled_is_1009(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    unsigned char data[100], buf[256];
    apr_size_t n = 0;
    run_t r;

    memset(data, 'a', sizeof(data));
    n += mkframe(buf + n, 0x01, 1, ENC_AUTO, data, 60);
    n += mkframe(buf + n, 0x89, 1, ENC_AUTO, data, 50); /* not counted */
    n += mkframe(buf + n, 0x80, 1, ENC_AUTO, data, 41);
    run(p, todo_ws_parser_make(p, 100), buf, n, 0, &r);
    assert_int_equal(1, r.n); /* the ping */
    assert_int_equal(APR_EINVAL, r.last);
    assert_int_equal(TODO_WS_CLOSE_TOO_BIG, r.code);
}

static void test_huge_64bit_length_is_1009_without_allocating(void **state)
{
    static const unsigned char f[] = {0x82, 0xff, 0x7f, 0xff, 0xff, 0xff, 0xff,
                                      0xff, 0xff, 0xff, 1,    2,    3,    4};
    expect_error(TS_POOL(state), f, sizeof(f), TODO_WS_CLOSE_TOO_BIG);
}

/* ---- 1002: one test per rule -------------------------------------------- */

static void test_unmasked_frame_is_1002(void **state)
{
    unsigned char buf[32];
    apr_size_t n = mkframe(buf, 0x81, 0, ENC_AUTO, "Hello", 5);
    expect_error(TS_POOL(state), buf, n, TODO_WS_CLOSE_PROTOCOL);
}

static void test_reserved_bits_are_1002(void **state)
{
    unsigned rsv[] = {0x40, 0x20, 0x10};
    unsigned char buf[32];
    apr_size_t i, n;

    for (i = 0; i < 3; ++i) {
        n = mkframe(buf, 0x81 | rsv[i], 1, ENC_AUTO, "Hello", 5);
        expect_error(TS_POOL(state), buf, n, TODO_WS_CLOSE_PROTOCOL);
    }
}

static void test_reserved_opcodes_are_1002(void **state)
{
    unsigned op[] = {0x3, 0x4, 0x5, 0x6, 0x7, 0xb, 0xc, 0xd, 0xe, 0xf};
    unsigned char buf[32];
    apr_size_t i, n;

    for (i = 0; i < sizeof(op) / sizeof(op[0]); ++i) {
        n = mkframe(buf, 0x80 | op[i], 1, ENC_AUTO, "x", 1);
        expect_error(TS_POOL(state), buf, n, TODO_WS_CLOSE_PROTOCOL);
    }
}

static void test_fragmented_control_frame_is_1002(void **state)
{
    unsigned op[] = {0x8, 0x9, 0xa};
    unsigned char buf[32];
    apr_size_t i, n;

    for (i = 0; i < 3; ++i) {
        n = mkframe(buf, op[i], 1, ENC_AUTO, "\x03\xe8", 2);
        expect_error(TS_POOL(state), buf, n, TODO_WS_CLOSE_PROTOCOL);
    }
}

static void test_oversized_control_frame_is_1002(void **state)
{
    unsigned char data[126], buf[200];
    apr_size_t n;

    memset(data, 'p', sizeof(data));
    n = mkframe(buf, 0x89, 1, ENC_AUTO, data, 126);
    expect_error(TS_POOL(state), buf, n, TODO_WS_CLOSE_PROTOCOL);
    n = mkframe(buf, 0x8a, 1, ENC_16, data, 125);
    expect_error(TS_POOL(state), buf, n, TODO_WS_CLOSE_PROTOCOL);
    /* 125 is the largest allowed */
    {
        run_t r;
        n = mkframe(buf, 0x89, 1, ENC_AUTO, data, 125);
        run(TS_POOL(state), todo_ws_parser_make(TS_POOL(state), MAX_MSG), buf,
            n, 0, &r);
        assert_int_equal(1, r.n);
        assert_int_equal(125, r.m[0].len);
    }
}

static void test_continuation_without_start_is_1002(void **state)
{
    unsigned char buf[32];
    apr_size_t n = mkframe(buf, 0x80, 1, ENC_AUTO, "lo", 2);
    expect_error(TS_POOL(state), buf, n, TODO_WS_CLOSE_PROTOCOL);
    n = mkframe(buf, 0x00, 1, ENC_AUTO, "lo", 2);
    expect_error(TS_POOL(state), buf, n, TODO_WS_CLOSE_PROTOCOL);
}

static void test_continuation_after_finished_message_is_1002(void **state)
{
    unsigned char buf[64];
    apr_size_t n = 0;

    n += mkframe(buf + n, 0x01, 1, ENC_AUTO, "Hel", 3);
    n += mkframe(buf + n, 0x80, 1, ENC_AUTO, "lo", 2);
    n += mkframe(buf + n, 0x80, 1, ENC_AUTO, "!", 1);
    expect_error(TS_POOL(state), buf, n, TODO_WS_CLOSE_PROTOCOL);
}

static void test_new_message_inside_fragmented_one_is_1002(void **state)
{
    unsigned char buf[64];
    apr_size_t n = 0;

    n += mkframe(buf + n, 0x01, 1, ENC_AUTO, "Hel", 3);
    n += mkframe(buf + n, 0x81, 1, ENC_AUTO, "lo", 2);
    expect_error(TS_POOL(state), buf, n, TODO_WS_CLOSE_PROTOCOL);
    n = 0;
    n += mkframe(buf + n, 0x02, 1, ENC_AUTO, "Hel", 3);
    n += mkframe(buf + n, 0x02, 1, ENC_AUTO, "lo", 2);
    expect_error(TS_POOL(state), buf, n, TODO_WS_CLOSE_PROTOCOL);
}

static void test_non_minimal_16bit_length_is_1002(void **state)
{
    unsigned char buf[256];
    apr_size_t n = mkframe(buf, 0x81, 1, ENC_16, "Hello", 5);
    expect_error(TS_POOL(state), buf, n, TODO_WS_CLOSE_PROTOCOL);
    /* 125 fits in 7 bits, so 16 bits is not minimal */
    memset(buf + 100, 'a', 125);
    n = mkframe(buf, 0x82, 1, ENC_16, buf + 100, 125);
    expect_error(TS_POOL(state), buf, n, TODO_WS_CLOSE_PROTOCOL);
}

static void test_non_minimal_64bit_length_is_1002(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    unsigned char *data = apr_pcalloc(p, 65535);
    unsigned char *buf = apr_palloc(p, 65535 + 14);
    apr_size_t n;

    n = mkframe(buf, 0x81, 1, ENC_64, "Hello", 5);
    expect_error(p, buf, n, TODO_WS_CLOSE_PROTOCOL);
    n = mkframe(buf, 0x82, 1, ENC_64, data, 65535);
    expect_error(p, buf, n, TODO_WS_CLOSE_PROTOCOL);
}

static void test_64bit_length_msb_set_is_1002(void **state)
{
    static const unsigned char f[] = {0x82, 0xff, 0x80, 0, 0, 0, 0,
                                      0,    0,    5,    1, 2, 3, 4};
    expect_error(TS_POOL(state), f, sizeof(f), TODO_WS_CLOSE_PROTOCOL);
}

static void test_close_payload_of_one_byte_is_1002(void **state)
{
    unsigned char buf[32];
    apr_size_t n = mkframe(buf, 0x88, 1, ENC_AUTO, "\x03", 1);
    expect_error(TS_POOL(state), buf, n, TODO_WS_CLOSE_PROTOCOL);
}

static void test_close_with_invalid_code_is_1002(void **state)
{
    static const int bad[] = {0,    1,    999,  1004, 1005, 1006, 1012,
                              1015, 1016, 1100, 2000, 2999, 5000, 65535};
    unsigned char pl[2], buf[32];
    apr_size_t i, n;

    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); ++i) {
        pl[0] = (unsigned char)(bad[i] >> 8);
        pl[1] = (unsigned char)bad[i];
        n = mkframe(buf, 0x88, 1, ENC_AUTO, pl, 2);
        expect_error(TS_POOL(state), buf, n, TODO_WS_CLOSE_PROTOCOL);
    }
}

static void test_close_with_valid_codes(void **state)
{
    static const int good[] = {1000, 1001, 1002, 1003, 1007, 1008, 1009,
                               1010, 1011, 3000, 3999, 4000, 4999};
    apr_pool_t *p = TS_POOL(state);
    unsigned char pl[2], buf[32];
    apr_size_t i, n;
    run_t r;

    for (i = 0; i < sizeof(good) / sizeof(good[0]); ++i) {
        pl[0] = (unsigned char)(good[i] >> 8);
        pl[1] = (unsigned char)good[i];
        n = mkframe(buf, 0x88, 1, ENC_AUTO, pl, 2);
        run(p, todo_ws_parser_make(p, MAX_MSG), buf, n, 0, &r);
        assert_int_equal(1, r.n);
        assert_int_equal(TODO_WS_CLOSE, r.m[0].opcode);
        assert_int_equal(good[i], r.m[0].close_code);
    }
}

static void test_empty_close_is_1005(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    unsigned char buf[32];
    apr_size_t n = mkframe(buf, 0x88, 1, ENC_AUTO, "", 0);
    run_t r;

    run(p, todo_ws_parser_make(p, MAX_MSG), buf, n, 0, &r);
    assert_int_equal(1, r.n);
    assert_int_equal(TODO_WS_CLOSE, r.m[0].opcode);
    assert_int_equal(1005, r.m[0].close_code);
    assert_int_equal(0, r.m[0].len);
}

/* ---- 1007 ---------------------------------------------------------------- */

static void test_invalid_utf8_text_is_1007(void **state)
{
    unsigned char buf[32];
    apr_size_t n = mkframe(buf, 0x81, 1, ENC_AUTO, "ab\xc0\x80", 4);
    expect_error(TS_POOL(state), buf, n, TODO_WS_CLOSE_INVALID_DATA);
    n = mkframe(buf, 0x81, 1, ENC_AUTO, "\xed\xa0\x80", 3); /* surrogate */
    expect_error(TS_POOL(state), buf, n, TODO_WS_CLOSE_INVALID_DATA);
    n = mkframe(buf, 0x81, 1, ENC_AUTO, "\xe2\x82", 2); /* truncated */
    expect_error(TS_POOL(state), buf, n, TODO_WS_CLOSE_INVALID_DATA);
}

static void test_binary_is_not_checked_as_utf8(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    unsigned char buf[32];
    apr_size_t n = mkframe(buf, 0x82, 1, ENC_AUTO, "\xff\xfe\x00", 3);
    run_t r;

    run(p, todo_ws_parser_make(p, MAX_MSG), buf, n, 0, &r);
    assert_int_equal(1, r.n);
    assert_msg(&r.m[0], TODO_WS_BINARY, "\xff\xfe\x00", 3);
}

/* "€" (e2 82 ac) cut between fragments is valid once reassembled. */
static void test_utf8_split_across_fragments_valid(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    unsigned char buf[64];
    apr_size_t n = 0;
    run_t r;

    n += mkframe(buf + n, 0x01, 1, ENC_AUTO, "a\xe2", 2);
    n += mkframe(buf + n, 0x00, 1, ENC_AUTO, "\x82", 1);
    n += mkframe(buf + n, 0x80, 1, ENC_AUTO,
                 "\xac"
                 "b",
                 2);
    run(p, todo_ws_parser_make(p, MAX_MSG), buf, n, 1, &r);
    assert_int_equal(1, r.n);
    assert_msg(&r.m[0], TODO_WS_TEXT,
               "a\xe2\x82\xac"
               "b",
               5);
}

static void test_utf8_split_across_fragments_invalid_is_1007(void **state)
{
    unsigned char buf[64];
    apr_size_t n = 0;

    n += mkframe(buf + n, 0x01, 1, ENC_AUTO, "a\xe2", 2);
    n += mkframe(buf + n, 0x80, 1, ENC_AUTO,
                 "\x82"
                 "b",
                 2);
    expect_error(TS_POOL(state), buf, n, TODO_WS_CLOSE_INVALID_DATA);
}

static void test_close_reason_invalid_utf8_is_1007(void **state)
{
    unsigned char buf[32];
    apr_size_t n = mkframe(buf, 0x88, 1, ENC_AUTO, "\x03\xe8\xff", 3);
    expect_error(TS_POOL(state), buf, n, TODO_WS_CLOSE_INVALID_DATA);
}

static void test_after_an_error_everything_is_refused(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    todo_ws_parser_t *ps = todo_ws_parser_make(p, MAX_MSG);
    unsigned char bad[32], good[32];
    apr_size_t nb = mkframe(bad, 0x81, 0, ENC_AUTO, "x", 1);
    apr_size_t ng = mkframe(good, 0x81, 1, ENC_AUTO, "x", 1);
    todo_ws_message_t msg;
    apr_size_t used;
    int code = 0;

    assert_int_equal(APR_EINVAL, todo_ws_parse(ps, (const char *)bad, nb, &used,
                                               &msg, &code));
    assert_int_equal(TODO_WS_CLOSE_PROTOCOL, code);
    code = 0;
    assert_int_equal(APR_EINVAL, todo_ws_parse(ps, (const char *)good, ng,
                                               &used, &msg, &code));
    assert_int_equal(TODO_WS_CLOSE_PROTOCOL, code);
    assert_int_equal(0, used);
}

/* ---- the builders ------------------------------------------------------- */

/* Mask a server frame as a client would (the frame is unmasked, FIN set),
 * so the parser can read it back. */
static apr_size_t mask_server_frame(const unsigned char *f, apr_size_t flen,
                                    unsigned char *out)
{
    apr_size_t h = 2, i;

    assert_int_equal(0, f[1] & 0x80); /* servers never mask */
    if ((f[1] & 0x7f) == 126) {
        h = 4;
    }
    else if ((f[1] & 0x7f) == 127) {
        h = 10;
    }
    memcpy(out, f, h);
    out[1] |= 0x80;
    memcpy(out + h, rfc_mask, 4);
    for (i = h; i < flen; ++i) {
        out[i + 4] = f[i] ^ rfc_mask[(i - h) & 3];
    }
    return flen + 4;
}

static void test_frame_length_encodings_round_trip(void **state)
{
    static const struct {
        apr_size_t len;
        apr_size_t hlen;
    } cases[] = {{0, 2},   {1, 2},     {125, 2},    {126, 4},   {127, 4},
                 {256, 4}, {65535, 4}, {65536, 10}, {70000, 10}};
    apr_pool_t *p = TS_POOL(state);
    unsigned char *data = apr_palloc(p, 70000);
    unsigned char *masked = apr_palloc(p, 70000 + 14);
    apr_size_t i, j;

    for (j = 0; j < 70000; ++j) {
        data[j] = (unsigned char)(j * 13 + 1);
    }
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); ++i) {
        const char *frame;
        apr_size_t flen, mlen;
        run_t r;

        todo_ws_frame(p, TODO_WS_BINARY, (const char *)data, cases[i].len,
                      &frame, &flen);
        assert_int_equal(cases[i].hlen + cases[i].len, flen);
        assert_int_equal(0x82, (unsigned char)frame[0]);
        mlen = mask_server_frame((const unsigned char *)frame, flen, masked);
        run(p, todo_ws_parser_make(p, 100000), masked, mlen, 0, &r);
        assert_int_equal(1, r.n);
        assert_msg(&r.m[0], TODO_WS_BINARY, data, cases[i].len);
    }
}

static void test_frame_text_hello_matches_rfc(void **state)
{
    static const unsigned char want[] = {0x81, 0x05, 'H', 'e', 'l', 'l', 'o'};
    const char *frame;
    apr_size_t flen;

    todo_ws_frame(TS_POOL(state), TODO_WS_TEXT, "Hello", 5, &frame, &flen);
    assert_int_equal(sizeof(want), flen);
    assert_memory_equal(want, frame, flen);
}

static void test_close_frame_round_trips(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    unsigned char masked[200];
    const char *frame;
    apr_size_t flen, mlen;
    run_t r;

    todo_ws_close_frame(p, TODO_WS_CLOSE_REVOKED, "session revoked", &frame,
                        &flen);
    assert_int_equal(2 + 2 + 15, flen);
    mlen = mask_server_frame((const unsigned char *)frame, flen, masked);
    run(p, todo_ws_parser_make(p, MAX_MSG), masked, mlen, 0, &r);
    assert_int_equal(1, r.n);
    assert_int_equal(TODO_WS_CLOSE, r.m[0].opcode);
    assert_int_equal(TODO_WS_CLOSE_REVOKED, r.m[0].close_code);
    assert_string_equal("session revoked", r.m[0].data + 2);
}

static void test_close_frame_reason_is_capped_at_123_bytes(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    char reason[300];
    unsigned char masked[200];
    const char *frame;
    apr_size_t flen, mlen, i;
    run_t r;

    memset(reason, 'r', sizeof(reason));
    reason[sizeof(reason) - 1] = '\0';
    todo_ws_close_frame(p, 1000, reason, &frame, &flen);
    assert_int_equal(2 + 125, flen);
    /* multi-byte characters are never cut in half */
    for (i = 0; i + 2 < 200; i += 2) {
        reason[i] = '\xc3';
        reason[i + 1] = '\xa9';
    }
    reason[200] = '\0';
    todo_ws_close_frame(p, 1000, reason, &frame, &flen);
    assert_int_equal(2 + 2 + 122, flen);
    mlen = mask_server_frame((const unsigned char *)frame, flen, masked);
    run(p, todo_ws_parser_make(p, MAX_MSG), masked, mlen, 0, &r);
    assert_int_equal(1, r.n);
    assert_int_equal(1000, r.m[0].close_code);
}

static void test_close_frame_1005_is_empty(void **state)
{
    const char *frame;
    apr_size_t flen;

    todo_ws_close_frame(TS_POOL(state), 1005, "ignored", &frame, &flen);
    assert_int_equal(2, flen);
    assert_int_equal(0x88, (unsigned char)frame[0]);
    assert_int_equal(0, frame[1]);
}

int test_todo_ws_run(void)
{
    const struct CMUnitTest tests[] = {
        TS_TEST(test_accept_key_rfc_1_3),
        TS_TEST(test_accept_key_must_decode_to_16_bytes),
        TS_TEST(test_rfc_single_frame_masked_text),
        TS_TEST(test_rfc_fragmented_text),
        TS_TEST(test_rfc_ping_and_pong),
        TS_TEST(test_rfc_256_bytes_16bit_length),
        TS_TEST(test_rfc_64k_64bit_length),
        TS_TEST(test_byte_at_a_time_equals_whole),
        TS_TEST(test_consumed_stops_after_a_message),
        TS_TEST(test_interleaved_ping_inside_fragmented_text),
        TS_TEST(test_long_connection_reuses_buffer),
        TS_TEST(test_message_at_limit_passes),
        TS_TEST(test_oversize_single_frame_is_1009),
        TS_TEST(test_oversize_reassembled_is_1009),
        TS_TEST(test_huge_64bit_length_is_1009_without_allocating),
        TS_TEST(test_unmasked_frame_is_1002),
        TS_TEST(test_reserved_bits_are_1002),
        TS_TEST(test_reserved_opcodes_are_1002),
        TS_TEST(test_fragmented_control_frame_is_1002),
        TS_TEST(test_oversized_control_frame_is_1002),
        TS_TEST(test_continuation_without_start_is_1002),
        TS_TEST(test_continuation_after_finished_message_is_1002),
        TS_TEST(test_new_message_inside_fragmented_one_is_1002),
        TS_TEST(test_non_minimal_16bit_length_is_1002),
        TS_TEST(test_non_minimal_64bit_length_is_1002),
        TS_TEST(test_64bit_length_msb_set_is_1002),
        TS_TEST(test_close_payload_of_one_byte_is_1002),
        TS_TEST(test_close_with_invalid_code_is_1002),
        TS_TEST(test_close_with_valid_codes),
        TS_TEST(test_empty_close_is_1005),
        TS_TEST(test_invalid_utf8_text_is_1007),
        TS_TEST(test_binary_is_not_checked_as_utf8),
        TS_TEST(test_utf8_split_across_fragments_valid),
        TS_TEST(test_utf8_split_across_fragments_invalid_is_1007),
        TS_TEST(test_close_reason_invalid_utf8_is_1007),
        TS_TEST(test_after_an_error_everything_is_refused),
        TS_TEST(test_frame_length_encodings_round_trip),
        TS_TEST(test_frame_text_hello_matches_rfc),
        TS_TEST(test_close_frame_round_trips),
        TS_TEST(test_close_frame_reason_is_capped_at_123_bytes),
        TS_TEST(test_close_frame_1005_is_empty),
    };
    return cmocka_run_group_tests_name("todo_ws", tests, NULL, NULL);
}
