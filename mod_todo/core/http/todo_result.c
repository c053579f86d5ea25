/* Licensed under the Apache License, Version 2.0; see LICENSE. */

#include <stdlib.h>
#include <string.h>

#include <apr_strings.h>

#include "todo_result.h"

todo_result_t *todo_result_make(apr_pool_t *p)
{
    todo_result_t *res = apr_pcalloc(p, sizeof(*res));
    res->p = p;
    res->status = APR_SUCCESS;
    return res;
}

apr_status_t todo_result_fail(todo_result_t *res, apr_status_t status,
                              const char *detail)
{
    res->status = status;
    res->detail = detail;
    return status;
}

apr_status_t todo_result_invalid(todo_result_t *res, const char *loc,
                                 const char *type, const char *msg)
{
    todo_error_item_t *item;

    if (!res->errors) {
        res->errors = apr_array_make(res->p, 4, sizeof(todo_error_item_t));
    }
    item = apr_array_push(res->errors);
    item->loc = loc;
    item->type = type;
    item->msg = msg;
    res->status = APR_EINVAL;
    return APR_EINVAL;
}

int todo_result_http(apr_status_t status)
{
    switch (status) {
    case APR_SUCCESS:
        return 200;
    case TODO_EBADREQ:
        return 400;
    case TODO_EAUTH:
        return 401;
    case APR_EACCES:
        return 403;
    case APR_ENOENT:
        return 404;
    case TODO_EMETHOD:
        return 405;
    case TODO_ETIMEOUT:
        return 408;
    case APR_EEXIST:
        return 409;
    case TODO_EPRECOND:
        return 412;
    case TODO_ETOOLARGE:
        return 413;
    case TODO_EMEDIA:
        return 415;
    case APR_EINVAL:
        return 422;
    case TODO_ERATE:
        return 429;
    case TODO_EDB:
        return 503;
    default:
        return 500;
    }
}

/* NULL if any allocation fails. */
static json_t *loc_to_json(const char *loc)
{
    json_t *arr = json_array();
    const char *start = loc, *end;

    while (arr && start && *start) {
        const char *c;
        int numeric = 1;
        json_t *part;
        end = strchr(start, '.');
        if (!end) {
            end = start + strlen(start);
        }
        for (c = start; c < end; ++c) {
            if (*c < '0' || *c > '9') {
                numeric = 0;
            }
        }
        part = numeric && end > start && end - start < 10
                   ? json_integer(atoi(start))
                   : json_stringn(start, (size_t)(end - start));
        if (!part || json_array_append_new(arr, part)) {
            json_decref(arr);
            return NULL;
        }
        start = *end ? end + 1 : end;
    }
    return arr;
}

static const char *default_detail(apr_status_t status)
{
    switch (status) {
    case TODO_EBADREQ:
        return "Bad Request";
    case TODO_EAUTH:
        return "Not authenticated";
    case APR_EACCES:
        return "Forbidden";
    case APR_ENOENT:
        return "Not Found";
    case TODO_EMETHOD:
        return "Method Not Allowed";
    case TODO_ETIMEOUT:
        return "Request Timeout";
    case APR_EEXIST:
        return "Conflict";
    case TODO_EPRECOND:
        return "Precondition Failed";
    case TODO_ETOOLARGE:
        return "Request body too large";
    case TODO_EMEDIA:
        return "Unsupported Media Type";
    case TODO_ERATE:
        return "Too Many Requests";
    case TODO_EDB:
        return "Service Unavailable: database unavailable";
    default:
        return "Internal Server Error";
    }
}

json_t *todo_result_to_json(const todo_result_t *res)
{
    int i;
    json_t *items, *item;

    if (res->status == APR_EINVAL && res->errors && res->errors->nelts > 0) {
        items = json_array();
        for (i = 0; items && i < res->errors->nelts; ++i) {
            const todo_error_item_t *e =
                &APR_ARRAY_IDX(res->errors, i, todo_error_item_t);
            item = json_pack("{s:o, s:s, s:s}", "loc", loc_to_json(e->loc),
                             "msg", e->msg, "type", e->type);
            /* All or nothing: a body missing an item would mislead. */
            if (!item || json_array_append_new(items, item)) {
                json_decref(items);
                return NULL;
            }
        }
        return items ? json_pack("{s:o}", "detail", items) : NULL;
    }
    /* Nothing internal may leak from a 500: its detail is fixed. */
    if (todo_result_http(res->status) == 500 || !res->detail) {
        return json_pack("{s:s}", "detail", default_detail(res->status));
    }
    return json_pack("{s:s}", "detail", res->detail);
}
