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
