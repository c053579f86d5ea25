/* Licensed under the Apache License, Version 2.0; see LICENSE. */

#include <string.h>

#include <apr_lib.h>
#include <apr_strings.h>

#include "todo_fold.h"
#include "todo_json.h"
#include "todo_task.h"
#include "todo_time.h"
#include "todo_validate.h"

static const char *const statuses[] = {"pending", "in_progress", "completed"};
static const char *const priorities[] = {"low", "medium", "high"};

static int one_of(const char *s, const char *const *set)
{
    int i;

    for (i = 0; s && i < 3; ++i) {
        if (!strcmp(s, set[i])) {
            return i;
        }
    }
    return -1;
}

int todo_task_status_valid(const char *status)
{
    return one_of(status, statuses) >= 0;
}

int todo_task_priority_valid(const char *priority)
{
    return one_of(priority, priorities) >= 0;
}

int todo_priority_rank(const char *priority)
{
    return one_of(priority, priorities);
}

static const char *at(apr_pool_t *p, const char *loc, const char *key)
{
    return apr_pstrcat(p, loc, ".", key, NULL);
}

/* A string member restricted to one of three values. */
static const char *enum_member(todo_result_t *res, json_t *body,
                               const char *loc, const char *key,
                               const char *const *set, const char *msg)
{
    const char *v;

    if (APR_SUCCESS
        != todo_v_string(res, body, key, at(res->p, loc, key), 0, &v)) {
        if (json_is_null(json_object_get(body, key))) {
            todo_result_invalid(res, at(res->p, loc, key), TODO_ERR_ENUM, msg);
        }
        return NULL;
    }
    if (one_of(v, set) < 0) {
        todo_result_invalid(res, at(res->p, loc, key), TODO_ERR_ENUM, msg);
        return NULL;
    }
    return v;
}

static void parse_due_date(todo_result_t *res, json_t *body, const char *loc,
                           todo_task_input_t *in)
{
    json_t *v = json_object_get(body, TODO_KEY_DUE_DATE);
    apr_time_t t;

    if (!v) {
        return;
    }
    in->has_due_date = 1;
    if (json_is_null(v)) {
        return;
    }
    if (!json_is_string(v)) {
        todo_result_invalid(res, at(res->p, loc, TODO_KEY_DUE_DATE),
                            "datetime_type",
                            "Input should be a valid datetime");
        return;
    }
    if (APR_SUCCESS != todo_time_parse(json_string_value(v), &t)) {
        todo_result_invalid(res, at(res->p, loc, TODO_KEY_DUE_DATE),
                            TODO_ERR_DATETIME,
                            "Input should be a valid datetime (RFC 3339, e.g. "
                            "2026-11-24T09:00:00Z)");
        return;
    }
    in->due_date = todo_time_format(res->p, t);
}

apr_status_t todo_task_parse_input(json_t *body, int create, const char *loc,
                                   todo_task_input_t *in, todo_result_t *res)
{
    apr_pool_t *p = res->p;
    json_t *v;
    const char *s;

    memset(in, 0, sizeof(*in));
    in->completed = -1;
    if (APR_SUCCESS
            == todo_v_string(res, body, TODO_KEY_TITLE,
                             at(p, loc, TODO_KEY_TITLE), create, &s)
        && APR_SUCCESS
               == todo_v_length(res, at(p, loc, TODO_KEY_TITLE), s, 1,
                                TODO_TITLE_MAX)) {
        in->title = s;
    }
    else if (!create && json_is_null(json_object_get(body, TODO_KEY_TITLE))) {
        todo_result_invalid(res, at(p, loc, TODO_KEY_TITLE),
                            TODO_ERR_STRING_TYPE,
                            "Input should be a valid string");
    }
    if (json_object_get(body, TODO_KEY_DESCRIPTION)) {
        in->has_description = 1;
        if (APR_SUCCESS
                == todo_v_string(res, body, TODO_KEY_DESCRIPTION,
                                 at(p, loc, TODO_KEY_DESCRIPTION), 0, &s)
            && APR_SUCCESS
                   == todo_v_length(res, at(p, loc, TODO_KEY_DESCRIPTION), s, 0,
                                    TODO_DESCRIPTION_MAX)) {
            in->description = s;
        }
    }
    in->status = enum_member(res, body, loc, TODO_KEY_STATUS, statuses,
                             "Input should be 'pending', 'in_progress' or "
                             "'completed'");
    in->priority = enum_member(res, body, loc, TODO_KEY_PRIORITY, priorities,
                               "Input should be 'low', 'medium' or 'high'");
    v = json_object_get(body, TODO_KEY_COMPLETED);
    if (v) {
        if (json_is_boolean(v)) {
            in->completed = json_is_true(v);
        }
        else {
            todo_result_invalid(res, at(p, loc, TODO_KEY_COMPLETED),
                                TODO_ERR_BOOL_TYPE,
                                "Input should be a valid boolean");
        }
    }
    if (in->status && in->completed >= 0
        && in->completed != !strcmp(in->status, "completed")) {
        todo_result_invalid(res, at(p, loc, TODO_KEY_COMPLETED), TODO_ERR_VALUE,
                            "Value error, completed must equal status == "
                            "'completed'");
    }
    parse_due_date(res, body, loc, in);
    return res->status;
}

void todo_task_init(todo_task_t *t, const todo_task_input_t *in)
{
    t->title = in->title;
    t->description = in->description;
    t->status = "pending";
    t->priority = in->priority ? in->priority : "medium";
    t->due_date = in->due_date;
    t->version = 1;
    todo_task_apply(t, &(todo_task_input_t){.status = in->status,
                                            .completed = in->completed});
}

void todo_task_apply(todo_task_t *t, const todo_task_input_t *in)
{
    if (in->title) {
        t->title = in->title;
    }
    if (in->has_description) {
        t->description = in->description;
    }
    if (in->priority) {
        t->priority = in->priority;
    }
    if (in->has_due_date) {
        t->due_date = in->due_date;
    }
    if (in->status) {
        t->status = in->status;
    }
    else if (in->completed == 1) {
        t->status = "completed";
    }
    else if (in->completed == 0 && !strcmp(t->status, "completed")) {
        t->status = "pending";
    }
}

/* ,"key": followed by the string @a v (or null). */
#define MEMBER(b, key, v)                                                      \
    (TODO_JBUF_LIT(b, ",\"" key "\":"), todo_jbuf_str(b, v))

void todo_task_write_json(todo_jbuf_t *b, const todo_task_t *t)
{
    /* The Task schema's key order, compact as jansson writes it (the
     * unit tests compare the two byte for byte). */
    TODO_JBUF_LIT(b, "{\"" TODO_KEY_ID "\":");
    todo_jbuf_str(b, t->id);
    MEMBER(b, TODO_KEY_USER_ID, t->user_id);
    MEMBER(b, TODO_KEY_TITLE, t->title);
    MEMBER(b, TODO_KEY_DESCRIPTION, t->description);
    MEMBER(b, TODO_KEY_STATUS, t->status);
    if (!strcmp(t->status, "completed")) {
        TODO_JBUF_LIT(b, ",\"" TODO_KEY_COMPLETED "\":true");
    }
    else {
        TODO_JBUF_LIT(b, ",\"" TODO_KEY_COMPLETED "\":false");
    }
    MEMBER(b, TODO_KEY_PRIORITY, t->priority);
    MEMBER(b, TODO_KEY_DUE_DATE, t->due_date);
    MEMBER(b, TODO_KEY_CREATED_AT, t->created_at);
    MEMBER(b, TODO_KEY_UPDATED_AT, t->updated_at);
    TODO_JBUF_LIT(b, "}");
}

const char *todo_task_json_text(apr_pool_t *p, const todo_task_t *t,
                                apr_size_t *plen)
{
    todo_jbuf_t b;

    todo_jbuf_init(&b, p, 512);
    todo_task_write_json(&b, t);
    return todo_jbuf_text(&b, plen);
}

const char *todo_task_page_json_text(apr_pool_t *p,
                                     const apr_array_header_t *tasks,
                                     apr_int64_t total, int page, int page_size,
                                     apr_size_t *plen)
{
    todo_jbuf_t b;
    int i;

    todo_jbuf_init(&b, p, 512 * (apr_size_t)(tasks->nelts + 1));
    TODO_JBUF_LIT(&b, "{\"" TODO_KEY_TASKS "\":[");
    for (i = 0; i < tasks->nelts; ++i) {
        if (i) {
            TODO_JBUF_LIT(&b, ",");
        }
        todo_task_write_json(&b, APR_ARRAY_IDX(tasks, i, todo_task_t *));
    }
    TODO_JBUF_LIT(&b, "],\"" TODO_KEY_TOTAL "\":");
    todo_jbuf_int(&b, total);
    TODO_JBUF_LIT(&b, ",\"" TODO_KEY_PAGE "\":");
    todo_jbuf_int(&b, page);
    TODO_JBUF_LIT(&b, ",\"" TODO_KEY_PAGE_SIZE "\":");
    todo_jbuf_int(&b, page_size);
    TODO_JBUF_LIT(&b, "}");
    return todo_jbuf_text(&b, plen);
}

const char *todo_task_bulk_json_text(apr_pool_t *p,
                                     const apr_array_header_t *tasks,
                                     const char ***ptexts, apr_size_t **plens,
                                     apr_size_t *plen)
{
    apr_size_t *starts =
        apr_palloc(p, (apr_size_t)tasks->nelts * sizeof(*starts));
    apr_size_t *lens = apr_palloc(p, (apr_size_t)tasks->nelts * sizeof(*lens));
    const char **texts =
        apr_palloc(p, (apr_size_t)tasks->nelts * sizeof(*texts));
    const char *text;
    todo_jbuf_t b;
    int i;

    todo_jbuf_init(&b, p, 512 * (apr_size_t)(tasks->nelts + 1));
    TODO_JBUF_LIT(&b, "{\"" TODO_KEY_TASKS "\":[");
    for (i = 0; i < tasks->nelts; ++i) {
        if (i) {
            TODO_JBUF_LIT(&b, ",");
        }
        starts[i] = b.len;
        todo_task_write_json(&b, APR_ARRAY_IDX(tasks, i, todo_task_t *));
        lens[i] = b.len - starts[i];
    }
    TODO_JBUF_LIT(&b, "]}");
    text = todo_jbuf_text(&b, plen);
    /* The buffer may have moved while it grew: point into it now. */
    for (i = 0; text && i < tasks->nelts; ++i) {
        texts[i] = text + starts[i];
    }
    *ptexts = texts;
    *plens = lens;
    return text;
}

const char *todo_task_etag(apr_pool_t *p, const todo_task_t *t)
{
    apr_size_t len = strlen(t->id);
    const char *tail = len > 12 ? t->id + len - 12 : t->id;

    return apr_psprintf(p, "\"%" APR_INT64_T_FMT "-%s\"", t->version, tail);
}

int todo_etag_matches(const char *header, const char *etag, int weak_ok)
{
    const char *c = header;

    if (!header) {
        return 0;
    }
    while (*c) {
        const char *start, *end;
        int weak = 0;
        while (*c == ' ' || *c == '\t' || *c == ',') {
            ++c;
        }
        if (!*c) {
            break;
        }
        if (*c == '*') {
            return 1;
        }
        if (c[0] == 'W' && c[1] == '/') {
            weak = 1;
            c += 2;
        }
        start = c;
        if (*c == '"') {
            end = strchr(c + 1, '"');
            end = end ? end + 1 : c + strlen(c);
        }
        else {
            for (end = c; *end && *end != ','; ++end) {
            }
        }
        if ((!weak || weak_ok) && (apr_size_t)(end - start) == strlen(etag)
            && !strncmp(start, etag, (apr_size_t)(end - start))) {
            return 1;
        }
        c = end;
    }
    return 0;
}

apr_status_t todo_task_search_text(apr_pool_t *p, const todo_task_t *t,
                                   const char **ptext)
{
    const char *title, *desc = "";
    apr_status_t rv;

    rv = todo_fold(p, t->title, strlen(t->title), &title);
    if (APR_SUCCESS == rv && t->description) {
        rv = todo_fold(p, t->description, strlen(t->description), &desc);
    }
    if (APR_SUCCESS == rv) {
        *ptext = apr_pstrcat(p, title, "\n", desc, NULL);
    }
    return rv;
}
