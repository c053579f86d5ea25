/* Licensed under the Apache License, Version 2.0; see LICENSE. */

#include <stdlib.h>
#include <string.h>

#include <apr_strings.h>
#include <unistr.h>

#include "todo_json.h"
#include "todo_utf8.h"

static apr_status_t json_pool_cleanup(void *data)
{
    json_decref((json_t *)data);
    return APR_SUCCESS;
}

json_t *todo_json_pool_own(apr_pool_t *p, json_t *j)
{
    if (j) {
        apr_pool_cleanup_register(p, j, json_pool_cleanup,
                                  apr_pool_cleanup_null);
    }
    return j;
}

static int is_blank(const char *buf, apr_size_t len)
{
    apr_size_t i;

    for (i = 0; i < len; ++i) {
        if (buf[i] != ' ' && buf[i] != '\t' && buf[i] != '\r'
            && buf[i] != '\n') {
            return 0;
        }
    }
    return 1;
}

apr_status_t todo_json_parse_object(apr_pool_t *p, const char *buf,
                                    apr_size_t len, json_t **pobj,
                                    todo_result_t *res)
{
    json_error_t err;
    json_t *j;

    if (!buf || is_blank(buf, len)) {
        return todo_result_invalid(res, "body", TODO_ERR_MISSING,
                                   "Field required");
    }
    j = json_loadb(buf, len, JSON_DECODE_ANY, &err);
    if (!j) {
        return todo_result_invalid(
            res, apr_psprintf(p, "body.%d", err.position), TODO_ERR_JSON,
            apr_psprintf(p, "JSON decode error: %s (line %d, column %d)",
                         err.text, err.line, err.column));
    }
    todo_json_pool_own(p, j);
    if (!json_is_object(j)) {
        return todo_result_invalid(
            res, "body", TODO_ERR_MODEL,
            "Input should be a valid dictionary or object to extract fields "
            "from");
    }
    *pobj = j;
    return APR_SUCCESS;
}

const char *todo_json_dump(apr_pool_t *p, const json_t *j, apr_size_t *plen)
{
    const size_t flags = JSON_COMPACT | JSON_ENCODE_ANY;
    apr_size_t size = 4096, need;
    char *buf = apr_palloc(p, size);

    /* Straight into the pool: most bodies fit the first try. */
    need = json_dumpb(j, buf, size - 1, flags);
    if (need > size - 1) {
        buf = apr_palloc(p, need + 1);
        need = json_dumpb(j, buf, need, flags);
    }
    if (!need) {
        return NULL;
    }
    buf[need] = '\0';
    *plen = need;
    return buf;
}

void todo_jbuf_init(todo_jbuf_t *b, apr_pool_t *p, apr_size_t cap)
{
    b->p = p;
    b->cap = cap > 16 ? cap : 16;
    b->buf = apr_palloc(p, b->cap);
    b->len = 0;
    b->failed = 0;
}

/* Room for @a more bytes and the final NUL. */
static void jbuf_reserve(todo_jbuf_t *b, apr_size_t more)
{
    char *grown;

    if (b->len + more < b->cap) {
        return;
    }
    while (b->len + more >= b->cap) {
        b->cap *= 2;
    }
    grown = apr_palloc(b->p, b->cap);
    memcpy(grown, b->buf, b->len);
    b->buf = grown;
}

void todo_jbuf_raw(todo_jbuf_t *b, const char *s, apr_size_t len)
{
    jbuf_reserve(b, len);
    memcpy(b->buf + b->len, s, len);
    b->len += len;
}

/* What each byte is in a JSON string: 0 escaped (the control characters,
 * '"' and '\\'), 1 ASCII as it is, 2 part of a multi-byte UTF-8
 * sequence (checked once the string is written). */
static const unsigned char byte_kind[256] = {
    [0x20 ... 0x21] = 1,
    [0x23 ... 0x5b] = 1,
    [0x5d ... 0x7f] = 1,
    [0x80 ... 0xff] = 2}; /* 0x22 '"' and 0x5c '\\' are escaped */

static const char hex[] = "0123456789ABCDEF";

/* Write the escape of byte @a c (a control character, '"' or '\\') at
 * @a out, as jansson writes it. @return the end */
static char *escape_byte(char *out, unsigned char c)
{
    *out++ = '\\';
    switch (c) {
    case '"':
    case '\\':
        *out++ = (char)c;
        break;
    case '\b':
        *out++ = 'b';
        break;
    case '\f':
        *out++ = 'f';
        break;
    case '\n':
        *out++ = 'n';
        break;
    case '\r':
        *out++ = 'r';
        break;
    case '\t':
        *out++ = 't';
        break;
    default: /* the other control characters, and bytes read as Latin-1 */
        memcpy(out, "u00", 3);
        out[3] = hex[c >> 4];
        out[4] = hex[c & 0xf];
        out += 5;
        break;
    }
    return out;
}

void todo_jbuf_str(todo_jbuf_t *b, const char *s)
{
    const unsigned char *c;
    unsigned kinds = 0;
    char *out;

    if (!s) {
        TODO_JBUF_LIT(b, "null");
        return;
    }
    /* At worst every byte becomes \\u00XX; plus the quotes. */
    jbuf_reserve(b, 6 * strlen(s) + 2);
    out = b->buf + b->len;
    *out++ = '"';
    for (c = (const unsigned char *)s; *c; ++c) {
        unsigned k = byte_kind[*c];
        if (k) {
            kinds |= k;
            *out++ = (char)*c;
            continue;
        }
        out = escape_byte(out, *c);
    }
    *out++ = '"';
    if ((kinds & 2)
        && todo_utf8_count(s, (apr_size_t)(c - (const unsigned char *)s)) < 0) {
        b->failed = 1;
    }
    b->len = (apr_size_t)(out - b->buf);
}

void todo_jbuf_log_str(todo_jbuf_t *b, const char *s, apr_size_t len)
{
    const uint8_t *c = (const uint8_t *)s, *end;
    char *out;

    if (!s) {
        TODO_JBUF_LIT(b, "null");
        return;
    }
    end = c + len;
    jbuf_reserve(b, 6 * len + 2);
    out = b->buf + b->len;
    *out++ = '"';
    while (c < end) {
        ucs4_t uc;
        int n = *c < 0x80 ? 1 : u8_mbtoucr(&uc, c, (size_t)(end - c));
        if (n > 1) { /* a whole, valid UTF-8 sequence */
            memcpy(out, c, (size_t)n);
            out += n;
            c += n;
        }
        else if (n == 1 && byte_kind[*c] == 1) {
            *out++ = (char)*c++;
        }
        else { /* escaped, or a byte that starts no valid sequence */
            out = escape_byte(out, *c++);
        }
    }
    *out++ = '"';
    b->len = (apr_size_t)(out - b->buf);
}

void todo_jbuf_int(todo_jbuf_t *b, apr_int64_t v)
{
    char num[24];
    int n = apr_snprintf(num, sizeof(num), "%" APR_INT64_T_FMT, v);

    todo_jbuf_raw(b, num, (apr_size_t)n);
}

const char *todo_jbuf_text(todo_jbuf_t *b, apr_size_t *plen)
{
    if (b->failed) {
        return NULL;
    }
    b->buf[b->len] = '\0';
    *plen = b->len;
    return b->buf;
}
