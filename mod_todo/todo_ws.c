/* Licensed under the Apache License, Version 2.0; see LICENSE. */

#include <string.h>

#include <apr_base64.h>
#include <apr_strings.h>
#include <openssl/evp.h>

#include "todo_utf8.h"
#include "todo_ws.h"

#define GUID "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

apr_status_t todo_ws_accept_key(apr_pool_t *p, const char *key,
                                const char **paccept)
{
    static const char b64[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
        "0123456789+/";
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int dlen = 0;
    const char *text;
    char *out;
    int i;

    /* 16 bytes in base64: 22 characters, "==", the last one carrying
     * only 2 bits (so one of AQgw). */
    if (!key || strlen(key) != 24 || strcmp(key + 22, "==")
        || !strchr("AQgw", key[21])) {
        return APR_EINVAL;
    }
    for (i = 0; i < 22; ++i) {
        if (!key[i] || !strchr(b64, key[i])) {
            return APR_EINVAL;
        }
    }
    text = apr_pstrcat(p, key, GUID, NULL);
    if (!EVP_Digest(text, strlen(text), digest, &dlen, EVP_sha1(), NULL)) {
        return APR_EGENERAL;
    }
    out = apr_palloc(p, (apr_size_t)apr_base64_encode_len((int)dlen));
    apr_base64_encode(out, (const char *)digest, (int)dlen);
    *paccept = out;
    return APR_SUCCESS;
}

struct todo_ws_parser_t {
    apr_pool_t *p;
    apr_size_t max;
    int failed; /* the close code of the error, once there was one */
    /* the frame being read */
    unsigned char head[14];
    apr_size_t head_len, head_need;
    int in_payload;
    int fin, opcode;
    unsigned char mask[4];
    apr_uint64_t plen, pgot;
    /* a control frame's payload */
    char ctl[126];
    /* the data message being assembled, in one buffer of max + 1 */
    char *msg;
    apr_size_t msg_len;
    int msg_opcode; /* TEXT or BINARY while a message is open, else 0 */
};

todo_ws_parser_t *todo_ws_parser_make(apr_pool_t *p, apr_size_t max_message)
{
    todo_ws_parser_t *ps = apr_pcalloc(p, sizeof(*ps));

    ps->p = p;
    ps->max = max_message;
    ps->head_need = 2;
    return ps;
}

static apr_status_t fail(todo_ws_parser_t *ps, int code, int *pclose_code)
{
    ps->failed = code;
    *pclose_code = code;
    return APR_EINVAL;
}

static int is_control(int opcode)
{
    return opcode & 0x8;
}

static int valid_close_code(int code)
{
    return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1011)
           || (code >= 3000 && code <= 4999);
}

/* The header is complete: check it. @return 0, or a close code. */
static int check_head(todo_ws_parser_t *ps)
{
    const unsigned char *h = ps->head;
    apr_size_t n = h[1] & 0x7F, i;

    ps->fin = (h[0] & 0x80) != 0;
    ps->opcode = h[0] & 0x0F;
    if (n < 126) {
        ps->plen = n;
    }
    else if (n == 126) {
        ps->plen = ((apr_uint64_t)h[2] << 8) | h[3];
        if (ps->plen < 126) {
            return TODO_WS_CLOSE_PROTOCOL; /* not the shortest form */
        }
    }
    else {
        ps->plen = 0;
        for (i = 2; i < 10; ++i) {
            ps->plen = (ps->plen << 8) | h[i];
        }
        if ((h[2] & 0x80) || ps->plen < 65536) {
            return TODO_WS_CLOSE_PROTOCOL;
        }
    }
    memcpy(ps->mask, h + ps->head_len - 4, 4);
    ps->pgot = 0;
    if (h[0] & 0x70) {
        return TODO_WS_CLOSE_PROTOCOL; /* no extension was agreed */
    }
    switch (ps->opcode) {
    case TODO_WS_CONTINUATION:
        if (!ps->msg_opcode) {
            return TODO_WS_CLOSE_PROTOCOL;
        }
        break;
    case TODO_WS_TEXT:
    case TODO_WS_BINARY:
        if (ps->msg_opcode) {
            return TODO_WS_CLOSE_PROTOCOL;
        }
        break;
    case TODO_WS_CLOSE:
    case TODO_WS_PING:
    case TODO_WS_PONG:
        if (!ps->fin || ps->plen > 125) {
            return TODO_WS_CLOSE_PROTOCOL;
        }
        break;
    default:
        return TODO_WS_CLOSE_PROTOCOL;
    }
    if (!is_control(ps->opcode) && ps->plen > ps->max - ps->msg_len) {
        return TODO_WS_CLOSE_TOO_BIG;
    }
    if (!is_control(ps->opcode) && !ps->msg_opcode) {
        ps->msg_opcode = ps->opcode;
        ps->msg_len = 0;
    }
    return 0;
}

/* How many header bytes this frame has, once its second byte is in. */
static apr_size_t head_size(const unsigned char *h)
{
    apr_size_t n = h[1] & 0x7F;

    return 2 + (n == 126 ? 2 : n == 127 ? 8 : 0) + 4;
}

/* A frame is complete. @return APR_SUCCESS with msg, APR_INCOMPLETE
 * (a fragment), or an error. */
static apr_status_t frame_done(todo_ws_parser_t *ps, todo_ws_message_t *msg,
                               int *pclose_code)
{
    int opcode = ps->opcode;

    ps->in_payload = 0;
    ps->head_len = 0;
    ps->head_need = 2;
    if (is_control(opcode)) {
        apr_size_t n = (apr_size_t)ps->plen;
        ps->ctl[n] = '\0';
        msg->opcode = (todo_ws_opcode_t)opcode;
        msg->data = ps->ctl;
        msg->len = n;
        msg->close_code = 0;
        if (opcode == TODO_WS_CLOSE) {
            if (n == 1) {
                return fail(ps, TODO_WS_CLOSE_PROTOCOL, pclose_code);
            }
            msg->close_code = 1005;
            if (n >= 2) {
                msg->close_code = ((unsigned char)ps->ctl[0] << 8)
                                  | (unsigned char)ps->ctl[1];
                if (!valid_close_code(msg->close_code)) {
                    return fail(ps, TODO_WS_CLOSE_PROTOCOL, pclose_code);
                }
                if (todo_utf8_count(ps->ctl + 2, n - 2) < 0) {
                    return fail(ps, TODO_WS_CLOSE_INVALID_DATA, pclose_code);
                }
                msg->data = ps->ctl + 2;
                msg->len = n - 2;
            }
        }
        return APR_SUCCESS;
    }
    if (!ps->fin) {
        return APR_INCOMPLETE;
    }
    ps->msg[ps->msg_len] = '\0';
    msg->opcode = (todo_ws_opcode_t)ps->msg_opcode;
    msg->data = ps->msg;
    msg->len = ps->msg_len;
    msg->close_code = 0;
    ps->msg_opcode = 0;
    if (msg->opcode == TODO_WS_TEXT
        && todo_utf8_count(ps->msg, ps->msg_len) < 0) {
        return fail(ps, TODO_WS_CLOSE_INVALID_DATA, pclose_code);
    }
    return APR_SUCCESS;
}

apr_status_t todo_ws_parse(todo_ws_parser_t *ps, const char *buf,
                           apr_size_t len, apr_size_t *pconsumed,
                           todo_ws_message_t *msg, int *pclose_code)
{
    apr_size_t used = 0;

    *pconsumed = 0;
    if (ps->failed) {
        *pclose_code = ps->failed;
        return APR_EINVAL;
    }
    while (used < len || (ps->in_payload && ps->pgot == ps->plen)) {
        if (!ps->in_payload) {
            while (ps->head_len < ps->head_need && used < len) {
                ps->head[ps->head_len++] = (unsigned char)buf[used++];
                if (ps->head_len == 2) {
                    if (!(ps->head[1] & 0x80)) {
                        *pconsumed = used;
                        return fail(ps, TODO_WS_CLOSE_PROTOCOL, pclose_code);
                    }
                    ps->head_need = head_size(ps->head);
                }
            }
            if (ps->head_len < ps->head_need) {
                break;
            }
            {
                int code = check_head(ps);
                if (code) {
                    *pconsumed = used;
                    return fail(ps, code, pclose_code);
                }
            }
            if (!is_control(ps->opcode) && !ps->msg) {
                ps->msg = apr_palloc(ps->p, ps->max + 1);
            }
            ps->in_payload = 1;
        }
        if (ps->pgot < ps->plen) {
            char *dest = is_control(ps->opcode) ? ps->ctl + ps->pgot
                                                : ps->msg + ps->msg_len;
            apr_size_t n = len - used, i;
            if ((apr_uint64_t)n > ps->plen - ps->pgot) {
                n = (apr_size_t)(ps->plen - ps->pgot);
            }
            for (i = 0; i < n; ++i) {
                dest[i] = (char)(buf[used + i] ^ ps->mask[(ps->pgot + i) & 3]);
            }
            used += n;
            ps->pgot += n;
            if (!is_control(ps->opcode)) {
                ps->msg_len += n;
            }
        }
        if (ps->pgot == ps->plen) {
            apr_status_t rv = frame_done(ps, msg, pclose_code);
            *pconsumed = used;
            if (rv != APR_INCOMPLETE) {
                return rv;
            }
        }
    }
    *pconsumed = used;
    return APR_INCOMPLETE;
}

void todo_ws_frame(apr_pool_t *p, todo_ws_opcode_t opcode, const char *data,
                   apr_size_t len, const char **pframe, apr_size_t *pframe_len)
{
    unsigned char *f = apr_palloc(p, len + 10);
    apr_size_t h = 2;
    int i;

    f[0] = (unsigned char)(0x80 | opcode);
    if (len < 126) {
        f[1] = (unsigned char)len;
    }
    else if (len <= 0xFFFF) {
        f[1] = 126;
        f[2] = (unsigned char)(len >> 8);
        f[3] = (unsigned char)len;
        h = 4;
    }
    else {
        f[1] = 127;
        for (i = 0; i < 8; ++i) {
            f[2 + i] = (unsigned char)((apr_uint64_t)len >> (56 - 8 * i));
        }
        h = 10;
    }
    if (len) {
        memcpy(f + h, data, len);
    }
    *pframe = (const char *)f;
    *pframe_len = h + len;
}

void todo_ws_close_frame(apr_pool_t *p, int code, const char *reason,
                         const char **pframe, apr_size_t *pframe_len)
{
    apr_size_t rlen = reason ? strlen(reason) : 0;
    char payload[125];

    if (rlen > 123) {
        rlen = 123;
    }
    payload[0] = (char)(code >> 8);
    payload[1] = (char)(code & 0xFF);
    if (rlen) {
        memcpy(payload + 2, reason, rlen);
    }
    todo_ws_frame(p, TODO_WS_CLOSE, payload, rlen + 2, pframe, pframe_len);
}
