/* Licensed under the Apache License, Version 2.0; see LICENSE. */

#include <string.h>

#include <apr_base64.h>
#include <apr_strings.h>
#include <openssl/evp.h>

#include "todo_utf8.h"
#include "todo_ws.h"

#define WS_GUID "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
#define WS_KEY_BYTES 16
#define WS_KEY_CHARS 24 /* base64 of 16 bytes, "==" included */
#define WS_CONTROL_MAX 125
#define WS_CLOSE_NONE 1005
/* A message buffer larger than this is given back between messages, so an
 * idle connection does not hold on to its largest message. */
#define WS_KEEP_BUFFER (16 * 1024)
#define WS_FIRST_BUFFER 256

apr_status_t todo_ws_accept_key(apr_pool_t *p, const char *key,
                                const char **paccept)
{
    unsigned char raw[WS_KEY_BYTES + 4];
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int md_len = 0;
    char reencoded[WS_KEY_CHARS + 1];
    const char *input;
    char *out;
    apr_size_t i;

    *paccept = NULL;
    if (!key || strlen(key) != WS_KEY_CHARS) {
        return APR_EINVAL;
    }
    /* apr_base64_decode stops quietly at the first character outside the
     * alphabet, so check every one, then insist on the canonical form. */
    for (i = 0; i < WS_KEY_CHARS - 2; ++i) {
        char c = key[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')
              || (c >= '0' && c <= '9') || c == '+' || c == '/')) {
            return APR_EINVAL;
        }
    }
    if (key[WS_KEY_CHARS - 2] != '=' || key[WS_KEY_CHARS - 1] != '=') {
        return APR_EINVAL;
    }
    if (apr_base64_decode_len(key) > (int)sizeof(raw)
        || WS_KEY_BYTES != apr_base64_decode_binary(raw, key)) {
        return APR_EINVAL;
    }
    apr_base64_encode_binary(reencoded, raw, WS_KEY_BYTES);
    if (strcmp(reencoded, key)) {
        return APR_EINVAL;
    }

    input = apr_pstrcat(p, key, WS_GUID, NULL);
    if (1 != EVP_Digest(input, strlen(input), md, &md_len, EVP_sha1(), NULL)) {
        return APR_EGENERAL;
    }
    out = apr_palloc(p, (apr_size_t)apr_base64_encode_len((int)md_len));
    apr_base64_encode_binary(out, md, (int)md_len);
    *paccept = out;
    return APR_SUCCESS;
}

typedef enum {
    WS_HEADER, /* collecting the 2..14 header bytes */
    WS_PAYLOAD /* copying (and unmasking) the payload */
} ws_state_t;

struct todo_ws_parser_t {
    apr_pool_t *pool;
    apr_size_t max_message;
    int failed; /* the close code of the first error, sticky */
    ws_state_t state;

    unsigned char hdr[14];
    apr_size_t hdr_len;  /* bytes in hdr */
    apr_size_t hdr_need; /* bytes the header has, once known */

    /* the current frame */
    int fin;
    todo_ws_opcode_t opcode;
    apr_uint64_t frame_len;
    apr_uint64_t frame_off;
    unsigned char mask[4];

    /* the current data message (possibly fragmented) */
    int in_message;          /* a fragmented message is open */
    todo_ws_opcode_t msg_op; /* its TEXT or BINARY */
    apr_size_t msg_len;      /* bytes written to buf */
    int delivered;           /* buf holds a message handed out */
    apr_pool_t *buf_pool;    /* holds buf alone; destroyed to shrink */
    char *buf;
    apr_size_t cap;                /* usable bytes of buf (1 more for NUL) */
    char ctrl[WS_CONTROL_MAX + 1]; /* a control frame's payload */
};

todo_ws_parser_t *todo_ws_parser_make(apr_pool_t *p, apr_size_t max_message)
{
    todo_ws_parser_t *ps = apr_pcalloc(p, sizeof(*ps));

    ps->pool = p;
    ps->max_message = max_message;
    ps->state = WS_HEADER;
    ps->hdr_need = 2;
    return ps;
}

static void buf_release(todo_ws_parser_t *ps)
{
    if (ps->buf_pool) {
        apr_pool_destroy(ps->buf_pool);
    }
    ps->buf_pool = NULL;
    ps->buf = NULL;
    ps->cap = 0;
}

/* Make room for @a need message bytes (plus the NUL), doubling; the old
 * buffer's sub-pool is destroyed so only one buffer is ever held. */
static apr_status_t buf_reserve(todo_ws_parser_t *ps, apr_size_t need)
{
    apr_pool_t *np;
    apr_size_t ncap;
    char *nbuf;
    apr_status_t rv;

    if (need <= ps->cap && ps->buf) {
        return APR_SUCCESS;
    }
    ncap = ps->cap ? ps->cap : WS_FIRST_BUFFER;
    while (ncap < need) {
        ncap = ncap > ps->max_message / 2 ? ps->max_message : ncap * 2;
    }
    if (ncap > ps->max_message) {
        ncap = ps->max_message;
    }
    if (ncap < need) {
        return APR_ENOMEM; /* cannot happen: callers check max_message */
    }
    rv = apr_pool_create(&np, ps->pool);
    if (APR_SUCCESS != rv) {
        return rv;
    }
    apr_pool_tag(np, "todo_ws_buffer");
    nbuf = apr_palloc(np, ncap + 1);
    if (ps->msg_len) {
        memcpy(nbuf, ps->buf, ps->msg_len);
    }
    if (ps->buf_pool) {
        apr_pool_destroy(ps->buf_pool);
    }
    ps->buf_pool = np;
    ps->buf = nbuf;
    ps->cap = ncap;
    return APR_SUCCESS;
}

static int is_control(todo_ws_opcode_t op)
{
    return (op & 0x8) != 0;
}

/* RFC 6455 7.4: codes a peer may send. 1005, 1006 and 1015 are for
 * reporting only; the rest below 3000 are unassigned. */
static int close_code_valid(int code)
{
    return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1011)
           || (code >= 3000 && code <= 4999);
}

/* The first header byte: FIN, RSV1-3 and the opcode. */
static int check_byte0(todo_ws_parser_t *ps)
{
    unsigned b = ps->hdr[0];
    unsigned op = b & 0x0f;

    if (b & 0x70) {
        return TODO_WS_CLOSE_PROTOCOL; /* no extension was negotiated */
    }
    switch (op) {
    case TODO_WS_CONTINUATION:
        if (!ps->in_message) {
            return TODO_WS_CLOSE_PROTOCOL;
        }
        break;
    case TODO_WS_TEXT:
    case TODO_WS_BINARY:
        if (ps->in_message) {
            return TODO_WS_CLOSE_PROTOCOL;
        }
        break;
    case TODO_WS_CLOSE:
    case TODO_WS_PING:
    case TODO_WS_PONG:
        if (!(b & 0x80)) {
            return TODO_WS_CLOSE_PROTOCOL; /* fragmented control frame */
        }
        break;
    default:
        return TODO_WS_CLOSE_PROTOCOL; /* reserved opcode */
    }
    ps->fin = (b & 0x80) != 0;
    ps->opcode = (todo_ws_opcode_t)op;
    return 0;
}

/* The second byte: MASK and the 7-bit length; sets how long the header is. */
static int check_byte1(todo_ws_parser_t *ps)
{
    unsigned b = ps->hdr[1];
    unsigned len7 = b & 0x7f;

    if (!(b & 0x80)) {
        return TODO_WS_CLOSE_PROTOCOL; /* client frames must be masked */
    }
    if (is_control(ps->opcode) && len7 > WS_CONTROL_MAX) {
        return TODO_WS_CLOSE_PROTOCOL;
    }
    ps->hdr_need = 2 + (len7 == 126 ? 2 : len7 == 127 ? 8 : 0) + 4;
    return 0;
}

/* The whole header is in: decode the length and the mask. */
static int finish_header(todo_ws_parser_t *ps)
{
    unsigned len7 = ps->hdr[1] & 0x7f;
    const unsigned char *m;
    apr_uint64_t len;
    apr_size_t i;

    if (len7 == 126) {
        len = (apr_uint64_t)ps->hdr[2] << 8 | ps->hdr[3];
        if (len < 126) {
            return TODO_WS_CLOSE_PROTOCOL; /* not the minimal encoding */
        }
        m = ps->hdr + 4;
    }
    else if (len7 == 127) {
        len = 0;
        for (i = 0; i < 8; ++i) {
            len = len << 8 | ps->hdr[2 + i];
        }
        if (ps->hdr[2] & 0x80) {
            return TODO_WS_CLOSE_PROTOCOL; /* the MSB must be 0 */
        }
        if (len < 65536) {
            return TODO_WS_CLOSE_PROTOCOL;
        }
        m = ps->hdr + 10;
    }
    else {
        len = len7;
        m = ps->hdr + 2;
    }
    memcpy(ps->mask, m, 4);
    ps->frame_len = len;
    ps->frame_off = 0;

    if (is_control(ps->opcode)) {
        if (ps->opcode == TODO_WS_CLOSE && len == 1) {
            return TODO_WS_CLOSE_PROTOCOL;
        }
        return 0;
    }
    if (ps->opcode != TODO_WS_CONTINUATION) {
        /* A new message: the last one's data is no longer promised. */
        if (ps->delivered && ps->cap > WS_KEEP_BUFFER) {
            buf_release(ps);
        }
        ps->delivered = 0;
        ps->msg_len = 0;
        ps->msg_op = ps->opcode;
    }
    if (len > (apr_uint64_t)(ps->max_message - ps->msg_len)) {
        return TODO_WS_CLOSE_TOO_BIG;
    }
    ps->in_message = !ps->fin;
    return 0;
}

/* A whole frame is in. @return 1 with @a msg filled, 0 for a fragment,
 * or -code on error. */
static int finish_frame(todo_ws_parser_t *ps, todo_ws_message_t *msg)
{
    if (is_control(ps->opcode)) {
        apr_size_t n = (apr_size_t)ps->frame_len;

        ps->ctrl[n] = '\0';
        msg->opcode = ps->opcode;
        msg->data = ps->ctrl;
        msg->len = n;
        msg->close_code = 0;
        if (ps->opcode == TODO_WS_CLOSE) {
            if (n == 0) {
                msg->close_code = WS_CLOSE_NONE;
            }
            else {
                unsigned char *c = (unsigned char *)ps->ctrl;
                msg->close_code = (int)(c[0] << 8 | c[1]);
                if (!close_code_valid(msg->close_code)) {
                    return -TODO_WS_CLOSE_PROTOCOL;
                }
                if (todo_utf8_count(ps->ctrl + 2, n - 2) < 0) {
                    return -TODO_WS_CLOSE_INVALID_DATA;
                }
            }
        }
        return 1;
    }
    if (!ps->fin) {
        return 0;
    }
    if (APR_SUCCESS != buf_reserve(ps, ps->msg_len)) {
        return -TODO_WS_CLOSE_TOO_BIG;
    }
    ps->buf[ps->msg_len] = '\0';
    ps->in_message = 0;
    ps->delivered = 1;
    /* Checked once reassembled: a code point may straddle fragments. */
    if (ps->msg_op == TODO_WS_TEXT
        && todo_utf8_count(ps->buf, ps->msg_len) < 0) {
        return -TODO_WS_CLOSE_INVALID_DATA;
    }
    msg->opcode = ps->msg_op;
    msg->data = ps->buf;
    msg->len = ps->msg_len;
    msg->close_code = 0;
    return 1;
}

apr_status_t todo_ws_parse(todo_ws_parser_t *ps, const char *buf,
                           apr_size_t len, apr_size_t *pconsumed,
                           todo_ws_message_t *msg, int *pclose_code)
{
    const unsigned char *in = (const unsigned char *)buf;
    apr_size_t pos = 0;
    int code = 0;

    *pconsumed = 0;
    if (ps->failed) {
        *pclose_code = ps->failed;
        return APR_EINVAL;
    }
    while (pos < len
           || (ps->state == WS_PAYLOAD && ps->frame_off == ps->frame_len)) {
        if (ps->state == WS_HEADER) {
            ps->hdr[ps->hdr_len++] = in[pos++];
            if (ps->hdr_len == 1) {
                code = check_byte0(ps);
            }
            else if (ps->hdr_len == 2) {
                code = check_byte1(ps);
            }
            if (!code && ps->hdr_len == ps->hdr_need) {
                code = finish_header(ps);
                ps->state = WS_PAYLOAD;
            }
            if (code) {
                goto leave;
            }
            continue;
        }
        if (ps->frame_off < ps->frame_len) {
            apr_uint64_t left = ps->frame_len - ps->frame_off;
            apr_size_t n = len - pos;
            unsigned char *dst;
            apr_size_t i;

            if ((apr_uint64_t)n > left) {
                n = (apr_size_t)left;
            }
            if (is_control(ps->opcode)) {
                dst = (unsigned char *)ps->ctrl + ps->frame_off;
            }
            else {
                if (APR_SUCCESS != buf_reserve(ps, ps->msg_len + n)) {
                    code = TODO_WS_CLOSE_TOO_BIG;
                    goto leave;
                }
                dst = (unsigned char *)ps->buf + ps->msg_len;
                ps->msg_len += n;
            }
            for (i = 0; i < n; ++i) {
                dst[i] = in[pos + i] ^ ps->mask[(ps->frame_off + i) & 3];
            }
            pos += n;
            ps->frame_off += n;
        }
        if (ps->frame_off == ps->frame_len) {
            int done;

            ps->state = WS_HEADER;
            ps->hdr_len = 0;
            ps->hdr_need = 2;
            done = finish_frame(ps, msg);
            if (done < 0) {
                code = -done;
                goto leave;
            }
            if (done) {
                *pconsumed = pos;
                return APR_SUCCESS;
            }
        }
    }
    *pconsumed = pos;
    return APR_INCOMPLETE;

leave:
    *pconsumed = pos;
    ps->failed = code;
    *pclose_code = code;
    return APR_EINVAL;
}

void todo_ws_frame(apr_pool_t *p, todo_ws_opcode_t opcode, const char *data,
                   apr_size_t len, const char **pframe, apr_size_t *pframe_len)
{
    apr_size_t hlen = len <= WS_CONTROL_MAX ? 2 : len <= 0xffff ? 4 : 10;
    unsigned char *f = apr_palloc(p, hlen + len + 1);
    apr_size_t i;

    f[0] = (unsigned char)(0x80 | (opcode & 0x0f));
    if (hlen == 2) {
        f[1] = (unsigned char)len;
    }
    else if (hlen == 4) {
        f[1] = 126;
        f[2] = (unsigned char)(len >> 8);
        f[3] = (unsigned char)len;
    }
    else {
        apr_uint64_t l = len;
        f[1] = 127;
        for (i = 0; i < 8; ++i) {
            f[2 + i] = (unsigned char)(l >> (56 - 8 * i));
        }
    }
    if (len) {
        memcpy(f + hlen, data, len);
    }
    f[hlen + len] = '\0';
    *pframe = (const char *)f;
    *pframe_len = hlen + len;
}

void todo_ws_close_frame(apr_pool_t *p, int code, const char *reason,
                         const char **pframe, apr_size_t *pframe_len)
{
    char payload[WS_CONTROL_MAX];
    apr_size_t rlen = reason ? strlen(reason) : 0;

    /* 1005 means "no code": such a close carries an empty payload. */
    if (code <= 0 || code > 0xffff || code == WS_CLOSE_NONE) {
        todo_ws_frame(p, TODO_WS_CLOSE, NULL, 0, pframe, pframe_len);
        return;
    }
    if (rlen > WS_CONTROL_MAX - 2) {
        rlen = WS_CONTROL_MAX - 2;
        /* cut before a continuation byte, never inside a code point */
        while (rlen > 0 && ((unsigned char)reason[rlen] & 0xc0) == 0x80) {
            --rlen;
        }
    }
    payload[0] = (char)((code >> 8) & 0xff);
    payload[1] = (char)(code & 0xff);
    if (rlen) {
        memcpy(payload + 2, reason, rlen);
    }
    todo_ws_frame(p, TODO_WS_CLOSE, payload, rlen + 2, pframe, pframe_len);
}
