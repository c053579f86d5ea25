/* Licensed under the Apache License, Version 2.0; see LICENSE. */

#include <stdlib.h>
#include <string.h>

#include <apr_strings.h>

#include "todo_json.h"

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
