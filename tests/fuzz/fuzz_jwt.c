/* Licensed under the Apache License, Version 2.0; see LICENSE. */

/* The input is a bearer token, checked by todo_jwt_verify against one
 * fixed configuration (HS256, issuer and audience set) at a fixed time;
 * then through the verified-token cache (one for the whole run, so it
 * holds what earlier inputs made valid) at times around it: the cache
 * must give todo_jwt_verify's answer every time. The corpus holds a valid
 * token for this key and the attacks of tests/unit/test_jwt_security.c. */

#include "fuzz_common.h"
#include "todo_jwt.h"
#include "todo_jwt_cache.h"
#include "todo_result.h"

/* 2016-10-09, as the unit tests' TS_CONST */
#define FUZZ_NOW 1475980545L

static const unsigned char key[] =
    "fuzz-secret-of-at-least-32-bytes-0123456789";
static const unsigned char old_key[] =
    "the-previous-fuzz-secret-also-32-bytes-long";

/* The cache's answer is todo_jwt_verify's, claims and all, at times
 * before, at and after the token's limits. */
static void same_through_the_cache(apr_pool_t *p, const todo_jwt_config_t *cfg,
                                   const char *token)
{
    static apr_pool_t *run_pool;
    static todo_jwt_cache_t *cache;
    static const long offsets[] = {0, -40, -29, 29, 31, 600, 3600, 100000};
    apr_size_t i;

    if (!cache) {
        FUZZ_ASSERT(APR_SUCCESS == apr_pool_create(&run_pool, NULL));
        FUZZ_ASSERT(APR_SUCCESS == todo_jwt_cache_create(run_pool, 64, &cache));
    }
    for (i = 0; i < sizeof(offsets) / sizeof(offsets[0]); ++i) {
        todo_claims_t want, got;
        todo_jwt_error_t want_err = TODO_JWT_OK, got_err = TODO_JWT_OK;
        long now = FUZZ_NOW + offsets[i];
        apr_status_t want_rv, got_rv;

        memset(&want, 0, sizeof(want));
        memset(&got, 0, sizeof(got));
        want_rv = todo_jwt_verify(p, cfg, token, now, &want, &want_err);
        got_rv =
            todo_jwt_verify_cached(cache, p, cfg, token, now, &got, &got_err);
        FUZZ_ASSERT(want_rv == got_rv && want_err == got_err);
        if (APR_SUCCESS == want_rv) {
            FUZZ_ASSERT(!strcmp(want.sub, got.sub)
                        && !strcmp(want.sid, got.sid));
            FUZZ_ASSERT((!want.jti && !got.jti)
                        || (want.jti && got.jti && !strcmp(want.jti, got.jti)));
            FUZZ_ASSERT(want.iat == got.iat && want.exp == got.exp
                        && want.nbf == got.nbf);
        }
    }
}

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
    same_through_the_cache(p, &cfg, fuzz_str(p, data, size));
}
