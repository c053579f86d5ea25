/* Licensed under the Apache License, Version 2.0; see LICENSE. */

/* todo_wire_take and todo_wire_event_id on arbitrary messages (what a
 * NOTIFY could carry), fed one per line into one reassembler; then a
 * check that an event encoded from the input comes back whole. */

#include <string.h>

#include <apr_strings.h>

#include "fuzz_common.h"
#include "todo_event_wire.h"

#define USER "0190a8b2-0000-7000-8000-00000000000a"

static void fuzz_one(apr_pool_t *p, const uint8_t *data, size_t size)
{
    todo_wire_reasm_t *rs = todo_wire_reasm_make(p);
    char *text = apr_pstrmemdup(p, (const char *)data, size), *line, *last;
    apr_array_header_t *msgs;
    todo_event_t e;
    uint64_t origin;
    int i;

    for (line = apr_strtok(text, "\n", &last); line;
         line = apr_strtok(NULL, "\n", &last)) {
        apr_status_t rv = todo_wire_take(rs, p, line, &origin, &e);
        apr_int64_t id = 0;
        FUZZ_ASSERT(rv == APR_SUCCESS || rv == APR_INCOMPLETE
                    || rv == APR_EINVAL);
        /* A stored event's notification ("e<id>") is never a message, and
         * its id is what it says. */
        if (todo_wire_event_id(line, &id)) {
            FUZZ_ASSERT(
                rv == APR_EINVAL && id > 0
                && !strcmp(line + 1, apr_psprintf(p, "%" APR_INT64_T_FMT, id)));
        }
        if (rv == APR_SUCCESS) {
            FUZZ_ASSERT(strlen(e.user) == 36 && strlen(e.payload) == e.len);
        }
    }
    /* Round trip: the input (up to its first NUL) as a payload. */
    rs = todo_wire_reasm_make(p);
    text = apr_pstrmemdup(p, (const char *)data, size);
    msgs = todo_wire_encode(p, 1, 2, TODO_EVENT_TASK, USER, text, strlen(text));
    for (i = 0; i < msgs->nelts; ++i) {
        apr_status_t rv = todo_wire_take(
            rs, p, APR_ARRAY_IDX(msgs, i, const char *), &origin, &e);
        if (i < msgs->nelts - 1) {
            FUZZ_ASSERT(rv == APR_INCOMPLETE);
        }
        else {
            FUZZ_ASSERT(rv == APR_SUCCESS && !strcmp(e.payload, text));
        }
    }
}
