/* Licensed under the Apache License, Version 2.0; see LICENSE. */

/**
 * @file todo_ws.h
 * @brief RFC 6455 WebSocket: the opening handshake's accept key, an
 * incremental parser of client frames (masking enforced, fragmented
 * messages reassembled, control frames interleaved, a message size
 * limit, text checked as UTF-8) and server frames.
 */
#ifndef TODO_WS_H
#define TODO_WS_H

#include <apr_pools.h>

/** Opcodes (RFC 6455 section 5.2). */
typedef enum {
    TODO_WS_CONTINUATION = 0x0,
    TODO_WS_TEXT = 0x1,
    TODO_WS_BINARY = 0x2,
    TODO_WS_CLOSE = 0x8,
    TODO_WS_PING = 0x9,
    TODO_WS_PONG = 0xA
} todo_ws_opcode_t;

/** Close codes used (RFC 6455 section 7.4, and ours in the 4000s). */
#define TODO_WS_CLOSE_NORMAL 1000
#define TODO_WS_CLOSE_GOING_AWAY 1001
#define TODO_WS_CLOSE_PROTOCOL 1002
#define TODO_WS_CLOSE_INVALID_DATA 1007 /**< text that is not UTF-8 */
#define TODO_WS_CLOSE_POLICY 1008
#define TODO_WS_CLOSE_TOO_BIG 1009
#define TODO_WS_CLOSE_TOKEN_EXPIRED 4001 /**< the access token expired */
#define TODO_WS_CLOSE_REVOKED 4003       /**< logout: session revoked */
#define TODO_WS_CLOSE_SLOW 4008          /**< fell behind the event backlog */

/**
 * Sec-WebSocket-Accept for the client's Sec-WebSocket-Key.
 * @return APR_SUCCESS, or APR_EINVAL if @a key is not the base64 of 16
 *         bytes
 */
apr_status_t todo_ws_accept_key(apr_pool_t *p, const char *key,
                                const char **paccept);

/** A complete message or control frame from the client. */
typedef struct todo_ws_message_t {
    todo_ws_opcode_t opcode; /**< TEXT, BINARY, CLOSE, PING or PONG */
    const char *data;        /**< payload, unmasked (NUL-terminated) */
    apr_size_t len;
    int close_code; /**< for CLOSE: the code sent, or 1005 if none */
} todo_ws_message_t;

typedef struct todo_ws_parser_t todo_ws_parser_t;

/**
 * A parser for one connection's client-to-server bytes.
 * @param max_message largest (reassembled) message accepted
 */
todo_ws_parser_t *todo_ws_parser_make(apr_pool_t *p, apr_size_t max_message);

/**
 * Feed @a len bytes (any split, even one byte at a time).
 * @param pconsumed receives how many bytes were used: feed the rest again
 *        after handling a message
 * @param msg filled when a message or control frame is complete; its
 *        data stays valid until the next call
 * @return APR_SUCCESS with @a msg filled; APR_INCOMPLETE when all input
 *         was consumed without completing one; or APR_EINVAL with
 *         @a pclose_code set (1002 protocol error: unmasked frame,
 *         reserved bits or opcodes, fragmented or oversized (>125)
 *         control frame, continuation without a start, a new message
 *         inside a fragmented one, non-minimal length encoding, close
 *         payload of 1 byte or with an invalid code; 1009 too big; 1007
 *         invalid UTF-8 in a text message or close reason). After an
 *         error the parser refuses everything.
 */
apr_status_t todo_ws_parse(todo_ws_parser_t *ps, const char *buf,
                           apr_size_t len, apr_size_t *pconsumed,
                           todo_ws_message_t *msg, int *pclose_code);

/**
 * A server-to-client frame (FIN set, unmasked) carrying @a len bytes.
 * @param pframe receives the frame, from @a p
 */
void todo_ws_frame(apr_pool_t *p, todo_ws_opcode_t opcode, const char *data,
                   apr_size_t len, const char **pframe, apr_size_t *pframe_len);

/** A CLOSE frame with @a code and a short @a reason (<= 123 bytes). */
void todo_ws_close_frame(apr_pool_t *p, int code, const char *reason,
                         const char **pframe, apr_size_t *pframe_len);

#endif /* TODO_WS_H */
