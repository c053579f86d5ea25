/* Licensed under the Apache License, Version 2.0; see LICENSE. */

#include <apr_encode.h>
#include <apr_lib.h>
#include <apr_strings.h>

#include "todo_util.h"
#include "todo_uuid.h"

apr_status_t todo_uuid_v7(apr_pool_t *p, apr_time_t now, const char **pid)
{
    unsigned char b[16];
    apr_uint64_t ms = (apr_uint64_t)apr_time_as_msec(now);
    const char *hex;
    apr_status_t rv;

    rv = todo_random_bytes(b + 6, sizeof(b) - 6);
    if (APR_SUCCESS != rv) {
        return rv;
    }
    b[0] = (unsigned char)(ms >> 40);
    b[1] = (unsigned char)(ms >> 32);
    b[2] = (unsigned char)(ms >> 24);
    b[3] = (unsigned char)(ms >> 16);
    b[4] = (unsigned char)(ms >> 8);
    b[5] = (unsigned char)ms;
    b[6] = (unsigned char)(0x70 | (b[6] & 0x0f)); /* version 7 */
    b[8] = (unsigned char)(0x80 | (b[8] & 0x3f)); /* RFC 9562 variant */
    hex = apr_pencode_base16_binary(p, b, sizeof(b), APR_ENCODE_LOWER, NULL);
    *pid = apr_psprintf(p, "%.8s-%.4s-%.4s-%.4s-%.12s", hex, hex + 8, hex + 12,
                        hex + 16, hex + 20);
    return APR_SUCCESS;
}

apr_status_t todo_uuid_parse(apr_pool_t *p, const char *s, const char **pcanon)
{
    char *out;
    int i;

    if (!s) {
        return APR_EINVAL;
    }
    for (i = 0; i < TODO_UUID_STRLEN; ++i) {
        int dash = (i == 8 || i == 13 || i == 18 || i == 23);
        if (s[i] == '\0') {
            return APR_EINVAL;
        }
        if (dash ? s[i] != '-' : !apr_isxdigit(s[i])) {
            return APR_EINVAL;
        }
    }
    if (s[TODO_UUID_STRLEN] != '\0') {
        return APR_EINVAL;
    }
    if (pcanon) {
        out = apr_pstrmemdup(p, s, TODO_UUID_STRLEN);
        for (i = 0; i < TODO_UUID_STRLEN; ++i) {
            out[i] = (char)apr_tolower(out[i]);
        }
        *pcanon = out;
    }
    return APR_SUCCESS;
}
