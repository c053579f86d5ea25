/* Licensed under the Apache License, Version 2.0; see LICENSE. */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <apr_strings.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "todo_util.h"

apr_status_t todo_random_bytes(unsigned char *buf, apr_size_t len)
{
    if (len > (apr_size_t)0x7fffffff || 1 != RAND_bytes(buf, (int)len)) {
        return APR_EGENERAL;
    }
    return APR_SUCCESS;
}

int todo_ct_equal(const void *a, const void *b, apr_size_t len)
{
    return 0 == CRYPTO_memcmp(a, b, len);
}

static const char b64url_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

const char *todo_b64url_encode(apr_pool_t *p, const unsigned char *data,
                               apr_size_t len)
{
    char *out = apr_palloc(p, (len + 2) / 3 * 4 + 1);
    char *o = out;
    apr_size_t i;

    for (i = 0; i + 2 < len; i += 3) {
        unsigned v =
            (unsigned)data[i] << 16 | (unsigned)data[i + 1] << 8 | data[i + 2];
        *o++ = b64url_alphabet[(v >> 18) & 63];
        *o++ = b64url_alphabet[(v >> 12) & 63];
        *o++ = b64url_alphabet[(v >> 6) & 63];
        *o++ = b64url_alphabet[v & 63];
    }
    if (len - i == 1) {
        unsigned v = (unsigned)data[i] << 16;
        *o++ = b64url_alphabet[(v >> 18) & 63];
        *o++ = b64url_alphabet[(v >> 12) & 63];
    }
    else if (len - i == 2) {
        unsigned v = (unsigned)data[i] << 16 | (unsigned)data[i + 1] << 8;
        *o++ = b64url_alphabet[(v >> 18) & 63];
        *o++ = b64url_alphabet[(v >> 12) & 63];
        *o++ = b64url_alphabet[(v >> 6) & 63];
    }
    *o = '\0';
    return out;
}

static int b64url_value(char c)
{
    if (c >= 'A' && c <= 'Z') {
        return c - 'A';
    }
    if (c >= 'a' && c <= 'z') {
        return c - 'a' + 26;
    }
    if (c >= '0' && c <= '9') {
        return c - '0' + 52;
    }
    if (c == '-') {
        return 62;
    }
    if (c == '_') {
        return 63;
    }
    return -1;
}

apr_status_t todo_b64url_decode(apr_pool_t *p, const char *s,
                                unsigned char **pdata, apr_size_t *plen)
{
    apr_size_t len = strlen(s), i, n = 0;
    unsigned acc = 0;
    int bits = 0;
    unsigned char *out;

    if (len % 4 == 1) {
        return APR_EINVAL;
    }
    out = apr_palloc(p, len / 4 * 3 + 3);
    for (i = 0; i < len; ++i) {
        int v = b64url_value(s[i]);
        if (v < 0) {
            return APR_EINVAL;
        }
        acc = (acc << 6) | (unsigned)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[n++] = (unsigned char)((acc >> bits) & 0xff);
        }
    }
    *pdata = out;
    *plen = n;
    return APR_SUCCESS;
}

const char *todo_hex_encode(apr_pool_t *p, const unsigned char *data,
                            apr_size_t len)
{
    static const char digits[] = "0123456789abcdef";
    char *out = apr_palloc(p, len * 2 + 1);
    apr_size_t i;

    for (i = 0; i < len; ++i) {
        out[2 * i] = digits[data[i] >> 4];
        out[2 * i + 1] = digits[data[i] & 15];
    }
    out[2 * len] = '\0';
    return out;
}

apr_status_t todo_parse_int64(const char *s, apr_int64_t min, apr_int64_t max,
                              apr_int64_t *pval)
{
    const char *c = s;
    char *end;
    long long v;

    if (!s || !*s) {
        return APR_EINVAL;
    }
    if (*c == '-') {
        ++c;
    }
    if (!*c) {
        return APR_EINVAL;
    }
    for (; *c; ++c) {
        if (*c < '0' || *c > '9') {
            return APR_EINVAL;
        }
    }
    errno = 0;
    v = strtoll(s, &end, 10);
    if (errno == ERANGE || v < min || v > max) {
        return APR_ERANGE;
    }
    *pval = (apr_int64_t)v;
    return APR_SUCCESS;
}

apr_uint64_t todo_fnv1a64(apr_uint64_t h, const void *data, apr_size_t len)
{
    const unsigned char *b = data;
    apr_size_t i;

    for (i = 0; i < len; ++i) {
        h ^= b[i];
        h *= APR_UINT64_C(0x100000001b3);
    }
    return h;
}
