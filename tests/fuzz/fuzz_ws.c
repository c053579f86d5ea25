/* Licensed under the Apache License, Version 2.0; see LICENSE. */

/* The WebSocket parser on a client byte stream. The first two bytes seed
 * the split points; the rest is the stream. It is parsed twice, whole and
 * in random pieces (one byte at a time included), and both runs must see
 * the same messages and end the same way. Every message is then framed
 * by the server builder, masked as a client would and parsed back. */

#include "fuzz_common.h"
#include "todo_ws.h"

#define FUZZ_MAX_MESSAGE 4096
#define FUZZ_MAX_MSGS 64

typedef struct {
    int n;
    todo_ws_opcode_t op[FUZZ_MAX_MSGS];
    apr_size_t len[FUZZ_MAX_MSGS];
    int close_code[FUZZ_MAX_MSGS];
    const char *data[FUZZ_MAX_MSGS];
    apr_status_t last;
    int code;
} outcome_t;

static unsigned next_rand(unsigned *s)
{
    *s = *s * 1103515245u + 12345u;
    return (*s >> 16) & 0x7fff;
}

static void parse_all(apr_pool_t *p, const char *in, apr_size_t len,
                      unsigned seed, outcome_t *o)
{
    todo_ws_parser_t *ps = todo_ws_parser_make(p, FUZZ_MAX_MESSAGE);
    apr_size_t off = 0;

    memset(o, 0, sizeof(*o));
    o->last = APR_INCOMPLETE;
    while (off < len) {
        apr_size_t piece = len - off;
        todo_ws_message_t msg;
        apr_size_t used = 0;
        int code = 0;
        apr_status_t rv;

        if (seed) {
            unsigned r = next_rand(&seed);
            piece = (r & 3) == 0 ? 1 : 1 + r % 40;
            if (piece > len - off) {
                piece = len - off;
            }
        }
        rv = todo_ws_parse(ps, in + off, piece, &used, &msg, &code);
        FUZZ_ASSERT(used <= piece);
        off += used;
        if (APR_SUCCESS == rv) {
            FUZZ_ASSERT(msg.len <= FUZZ_MAX_MESSAGE);
            FUZZ_ASSERT(msg.data[msg.len] == '\0');
            FUZZ_ASSERT(
                msg.opcode == TODO_WS_TEXT || msg.opcode == TODO_WS_BINARY
                || msg.opcode == TODO_WS_CLOSE || msg.opcode == TODO_WS_PING
                || msg.opcode == TODO_WS_PONG);
            if (o->n < FUZZ_MAX_MSGS) {
                o->op[o->n] = msg.opcode;
                o->len[o->n] = msg.len;
                o->close_code[o->n] = msg.close_code;
                o->data[o->n] = apr_pmemdup(p, msg.data, msg.len);
                o->n++;
            }
            continue;
        }
        if (APR_EINVAL == rv) {
            FUZZ_ASSERT(code == TODO_WS_CLOSE_PROTOCOL
                        || code == TODO_WS_CLOSE_INVALID_DATA
                        || code == TODO_WS_CLOSE_TOO_BIG);
            o->last = rv;
            o->code = code;
            /* and it stays refused */
            FUZZ_ASSERT(APR_EINVAL
                        == todo_ws_parse(ps, in, len, &used, &msg, &code));
            return;
        }
        FUZZ_ASSERT(APR_INCOMPLETE == rv);
        FUZZ_ASSERT(used == piece);
    }
}

/* Server frame -> masked client frame -> parser: the same payload. */
static void round_trip(apr_pool_t *p, todo_ws_opcode_t op, const char *data,
                       apr_size_t len)
{
    static const unsigned char mask[4] = {0x12, 0x34, 0x56, 0x78};
    todo_ws_parser_t *ps = todo_ws_parser_make(p, FUZZ_MAX_MESSAGE);
    const unsigned char *f;
    const char *frame;
    apr_size_t flen, h, i, used = 0;
    unsigned char *c;
    todo_ws_message_t msg;
    int code = 0;

    todo_ws_frame(p, op, data, len, &frame, &flen);
    f = (const unsigned char *)frame;
    h = (f[1] & 0x7f) == 127 ? 10 : (f[1] & 0x7f) == 126 ? 4 : 2;
    FUZZ_ASSERT(flen == h + len);
    c = apr_palloc(p, flen + 4);
    memcpy(c, f, h);
    c[1] |= 0x80;
    memcpy(c + h, mask, 4);
    for (i = 0; i < len; ++i) {
        c[h + 4 + i] = f[h + i] ^ mask[i & 3];
    }
    FUZZ_ASSERT(
        APR_SUCCESS
        == todo_ws_parse(ps, (const char *)c, flen + 4, &used, &msg, &code));
    FUZZ_ASSERT(used == flen + 4);
    FUZZ_ASSERT(msg.opcode == op && msg.len == len);
    FUZZ_ASSERT(0 == memcmp(msg.data, data, len));
}

static void fuzz_one(apr_pool_t *p, const uint8_t *data, size_t size)
{
    outcome_t whole, split;
    unsigned seed;
    int i;

    if (size < 2) {
        return;
    }
    seed = (unsigned)data[0] << 8 | data[1] | 1u;
    data += 2;
    size -= 2;
    parse_all(p, (const char *)data, size, 0, &whole);
    parse_all(p, (const char *)data, size, seed, &split);
    FUZZ_ASSERT(whole.n == split.n);
    FUZZ_ASSERT(whole.last == split.last && whole.code == split.code);
    for (i = 0; i < whole.n; ++i) {
        FUZZ_ASSERT(whole.op[i] == split.op[i]);
        FUZZ_ASSERT(whole.len[i] == split.len[i]);
        FUZZ_ASSERT(whole.close_code[i] == split.close_code[i]);
        FUZZ_ASSERT(0 == memcmp(whole.data[i], split.data[i], whole.len[i]));
        if (whole.op[i] != TODO_WS_CLOSE) {
            round_trip(p, whole.op[i], whole.data[i], whole.len[i]);
        }
    }
}
