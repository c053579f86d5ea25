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
static const unsigned char old_key[] =
    "the-previous-fuzz-secret-also-32-bytes-long";

static void fuzz_one(apr_pool_t *p, const uint8_t *data, size_t size)
{
    /* A rotation's previous secret too: each token tries both keys. */
    todo_jwt_config_t cfg = {.alg = TODO_JWT_HS256,
                             .key = key,
                             .key_len = sizeof(key) - 1,
                             .verify_keys = {{old_key, sizeof(old_key) - 1}},
                             .n_verify_keys = 1,
                             .issuer = "mod_todo",
                             .audience = "todo-api",
                             .leeway = 30};
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
