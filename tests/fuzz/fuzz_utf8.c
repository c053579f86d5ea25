/* Licensed under the Apache License, Version 2.0; see LICENSE. */

/* todo_utf8_count on arbitrary bytes, checked against a second reading:
 * a valid string has as many code points as non-continuation bytes, and
 * every prefix that ends on a character boundary is valid too. */

#include "fuzz_common.h"
#include "todo_utf8.h"

static void fuzz_one(apr_pool_t *p, const uint8_t *data, size_t size)
{
    const char *s = (const char *)data;
    apr_ssize_t n = todo_utf8_count(s, size);
    apr_size_t i, starts = 0;

    (void)p;
    FUZZ_ASSERT(n >= -1 && n <= (apr_ssize_t)size);
    if (n < 0) {
        return;
    }
    for (i = 0; i < size; ++i) {
        if ((data[i] & 0xc0) != 0x80) {
            ++starts;
            FUZZ_ASSERT(todo_utf8_count(s, i) >= 0);
        }
    }
    FUZZ_ASSERT((apr_size_t)n == starts);
}
