/* Licensed under the Apache License, Version 2.0; see LICENSE. */

/* todo_time_parse on arbitrary text; what it accepts must format and
 * parse back to the same instant. */

#include "fuzz_common.h"
#include "todo_time.h"

static void fuzz_one(apr_pool_t *p, const uint8_t *data, size_t size)
{
    apr_time_t t = 0, t2 = 0;
    const char *s = fuzz_str(p, data, size);

    if (APR_SUCCESS != todo_time_parse(s, &t)) {
        return;
    }
    s = todo_time_format(p, t);
    FUZZ_ASSERT(strlen(s) == TODO_TIME_LEN - 1);
    FUZZ_ASSERT(APR_SUCCESS == todo_time_parse(s, &t2));
    FUZZ_ASSERT(t == t2);
}
