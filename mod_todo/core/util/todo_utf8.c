/* Licensed under the Apache License, Version 2.0; see LICENSE. */

#include <unistr.h>

#include "todo_utf8.h"

apr_ssize_t todo_utf8_count(const char *s, apr_size_t len)
{
    const uint8_t *u = (const uint8_t *)s;

    /* libunistring: u8_check refuses overlong forms, surrogates, values
     * above U+10FFFF and truncated sequences. */
    if (u8_check(u, len)) {
        return -1;
    }
    return (apr_ssize_t)u8_mbsnlen(u, len);
}
