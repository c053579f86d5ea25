/* Licensed under the Apache License, Version 2.0; see LICENSE. */

/* A request body through todo_json_parse_object, then the register
 * (create) and user update validation of todo_user_parse_input; the
 * login form through todo_form_parse, as POST /auth/login reads it. */

#include "fuzz_common.h"
#include "todo_json.h"
#include "todo_result.h"
#include "todo_user.h"
#include "todo_validate.h"

static void fuzz_one(apr_pool_t *p, const uint8_t *data, size_t size)
{
    todo_result_t *res = todo_result_make(p);
    todo_user_input_t in;
    apr_table_t *form = NULL;
    json_t *body = NULL;
    apr_status_t rv;
    int create;

    if (APR_SUCCESS == todo_form_parse(p, (const char *)data, size, &form)) {
        FUZZ_ASSERT(form != NULL);
        (void)apr_table_get(form, TODO_KEY_USERNAME);
        (void)apr_table_get(form, TODO_KEY_PASSWORD);
    }

    if (APR_SUCCESS
        != todo_json_parse_object(p, (const char *)data, size, &body, res)) {
        return;
    }
    for (create = 1; create >= 0; --create) {
        memset(&in, 0, sizeof(in));
        res = todo_result_make(p);
        rv = todo_user_parse_input(body, create, &in, res);
        FUZZ_ASSERT(rv == APR_SUCCESS || rv == APR_EINVAL);
        if (APR_SUCCESS != rv) {
            FUZZ_ASSERT(res->errors && res->errors->nelts > 0);
            continue;
        }
        if (create) {
            FUZZ_ASSERT(in.email && in.username && in.password);
        }
        if (in.password) {
            FUZZ_ASSERT(strlen(in.password) <= TODO_PASSWORD_MAX);
        }
        if (in.email) {
            FUZZ_ASSERT(strlen(in.email) <= TODO_EMAIL_MAX);
        }
    }
}
