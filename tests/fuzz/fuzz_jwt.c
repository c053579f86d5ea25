/* Licensed under the Apache License, Version 2.0; see LICENSE. */

/* The input is a bearer token, checked by todo_jwt_verify against one
 * fixed configuration (HS256, issuer and audience set) at a fixed time.
 * The corpus holds a valid token for this key and the attacks of
 * tests/unit/test_jwt_security.c. */

#include "fuzz_common.h"
#include "todo_jwt.h"
#include "todo_result.h"

/* 2016-10-09, as the unit tests' TS_CONST */
#define FUZZ_NOW 1475980545L

static const unsigned char key[] =
    "fuzz-secret-of-at-least-32-bytes-0123456789";

static void fuzz_one(apr_pool_t *p, const uint8_t *data, size_t size)
{
    todo_jwt_config_t cfg = {TODO_JWT_HS256, key,        sizeof(key) - 1,
                             "mod_todo",     "todo-api", 30};
    todo_jwt_error_t err = TODO_JWT_OK;
    todo_claims_t claims;
    apr_status_t rv;

    memset(&claims, 0, sizeof(claims));
    rv = todo_jwt_verify(p, &cfg, fuzz_str(p, data, size), FUZZ_NOW, &claims,
                         &err);
    if (APR_SUCCESS == rv) {
        FUZZ_ASSERT(TODO_JWT_OK == err);
        FUZZ_ASSERT(claims.sub && claims.sid);
        FUZZ_ASSERT(claims.exp > FUZZ_NOW - cfg.leeway);
        FUZZ_ASSERT(size <= TODO_JWT_MAX_LEN);
    }
    else {
        FUZZ_ASSERT(TODO_EAUTH == rv);
        FUZZ_ASSERT(TODO_JWT_OK != err);
        FUZZ_ASSERT(todo_jwt_error_name(err) != NULL);
    }
}
