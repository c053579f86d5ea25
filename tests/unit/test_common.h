/* Licensed under the Apache License, Version 2.0; see LICENSE. */

/**
 * @file test_common.h
 * @brief The cmocka unit-test suites, one per core file, and what they
 * share: a fresh APR pool per test, a fixed clock, an in-memory database.
 *
 * main.c runs every suite in turn; each test_<file>_run() runs one
 * cmocka group and returns its number of failed tests.
 */
#ifndef TEST_COMMON_H
#define TEST_COMMON_H

/* cmocka needs these before its own header. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <apr_pools.h>
#include <apr_time.h>

#include "todo_password.h"
#include "todo_store.h"
#include "ts_runner.h"

/** Constant time to make tests consistent (libjwt's, 2016-10-09). */
#define TS_CONST 1475980545L

/** TS_CONST as an apr_time_t. */
#define TS_NOW apr_time_from_sec(TS_CONST)

/** Fastest bcrypt cost ($2b$04$), for tests only. */
#define TS_BCRYPT_COST TODO_BCRYPT_COST_MIN

/**
 * Per-test fixture: *state becomes a fresh child of the root pool,
 * destroyed again by ts_teardown().
 */
int ts_setup(void **state);
int ts_teardown(void **state);

/** The pool of the current test, from its @a state. */
#define TS_POOL(state) ((apr_pool_t *)*(state))

/** A test with the pool fixture. */
#define TS_TEST(f) cmocka_unit_test_setup_teardown(f, ts_setup, ts_teardown)

/**
 * Build a compact JWS by hand, without libjwt: base64url(@a header) "."
 * base64url(@a claims) "." base64url(HMAC-@a md(key, signing input)).
 * @param md "sha256", "sha384" or "sha512"; NULL for an empty signature
 * @return the token, from @a p (test_jwt_security.c)
 */
const char *ts_jwt_forge(apr_pool_t *p, const char *header, const char *claims,
                         const char *md, const unsigned char *key,
                         apr_size_t key_len);

/** base64url without padding, written here (not APR's, which the code
 * under test uses). */
const char *ts_b64url(apr_pool_t *p, const void *data, apr_size_t len);

/**
 * A live session of @a user_id whose id is the user's own (these tests
 * need no other), and the user row it needs: what a read that checks its
 * session (todo_task_get(), todo_task_list()) finds.
 * @return @a user_id, the session id (test_todo_task_store.c)
 */
const char *ts_live_session(todo_db_t *db, apr_pool_t *p, const char *user_id);

/* The suites, one per core file. Each returns its number of failures. */
int test_todo_util_run(void);
int test_todo_time_run(void);
int test_todo_uuid_run(void);
int test_todo_utf8_run(void);
int test_todo_result_run(void);
int test_todo_json_run(void);
int test_todo_validate_run(void);
int test_todo_fold_run(void);
int test_todo_task_run(void);
int test_todo_task_query_run(void);
int test_todo_task_store_run(void);
int test_todo_router_run(void);
int test_todo_jwt_run(void);
int test_todo_jwt_cache_run(void);
int test_jwt_security_run(void);
int test_todo_password_run(void);
int test_todo_conf_parse_run(void);
int test_todo_httpd_conf_run(void);
int test_todo_store_run(void);
int test_todo_driver_run(void);
int test_todo_user_run(void);
int test_todo_auth_run(void);
int test_todo_ratelimit_run(void);
int test_todo_ratelimit_db_run(void);
int test_todo_metrics_run(void);
int test_todo_events_run(void);
int test_todo_event_wire_run(void);
int test_todo_event_store_run(void);
int test_todo_openapi_run(void);
int test_todo_ws_run(void);
int test_todo_writer_run(void);
int test_todo_stream_admit_run(void);
int test_todo_stream_counts_run(void);
int test_todo_stream_run(void);
int test_todo_park_run(void);

#endif /* TEST_COMMON_H */
